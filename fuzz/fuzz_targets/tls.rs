//! TLS: the pure hello parsers on arbitrary bytes, then a TlsFlow driven by arbitrary calls in
//! both directions (data and gaps). Never panics; at most one record, consistent counters.
#![no_main]
use cemprobe::app::tls::{hello, TlsFlow};
use cemprobe::app::{AppCounters, AppOut, Txn};
use cemprobe::flow::Dir;
use cemprobe::time::Timestamp;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = hello::parse_client_hello(data, data.first().is_some_and(|b| b & 1 == 1));
    let _ = hello::parse_server_hello(data);
    let _ = cemprobe::app::tls::probe(data);

    // Calls: a control byte (bit 0: direction, bit 1: gap, bits 2..7: length 0..63), then that
    // many bytes of payload (or a gap of that length).
    let mut txns = Vec::new();
    let mut counters = AppCounters::default();
    let mut flow = TlsFlow::new();
    let mut ts = 1_700_000_000_000_000u64;
    let mut rest = data;
    while let Some((&ctl, tail)) = rest.split_first() {
        let dir = if ctl & 1 == 0 { Dir::C2S } else { Dir::S2C };
        let len = usize::from(ctl >> 2);
        let mut out = AppOut { txns: &mut txns, counters: &mut counters };
        if ctl & 2 != 0 {
            flow.on_gap(dir, len as u32, &mut out);
            rest = tail;
        } else {
            let n = len.min(tail.len());
            flow.on_data(Timestamp(ts), dir, &tail[..n], &mut out);
            rest = &tail[n..];
        }
        ts += 1000;
        if flow.is_done() {
            break;
        }
    }
    let mut out = AppOut { txns: &mut txns, counters: &mut counters };
    flow.finish(&mut out);
    assert!(flow.is_done());
    assert!(txns.len() <= 1);
    assert_eq!(flow.transactions() as usize, txns.len());
    assert_eq!(counters.transactions.get("tls").copied().unwrap_or(0) as usize, txns.len());
    if let Some(Txn::Tls(t)) = txns.first() {
        assert_eq!(t.sni.as_deref(), flow.sni());
        assert!(t.version.is_some() || t.hello_us.is_none());
    }
});
