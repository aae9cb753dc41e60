//! HTTP/1.x on arbitrary bytes: the pure parsers on the whole input, then the per-connection
//! state driven by the input as a script of calls (data or gap, either direction). Never
//! panics; consumed lengths stay in range; emitted transactions match the flow's count.
#![no_main]
use cemprobe::app::http::{self, ChunkDecoder, HttpFlow, MAX_HEAD_BYTES};
use cemprobe::app::{AppCounters, AppOut, Parse, Txn};
use cemprobe::flow::Dir;
use cemprobe::time::Timestamp;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let cap = data.len().min(MAX_HEAD_BYTES);
    let _ = http::probe(data);
    if let Parse::Done { consumed, .. } = http::parse_request_head(data) {
        assert!(consumed <= cap);
    }
    if let Parse::Done { consumed, .. } = http::parse_response_head(data) {
        assert!(consumed <= cap);
    }
    if let Ok(n) = ChunkDecoder::new().advance(data) {
        assert!(n <= data.len());
    }

    // Script: [ctl, len, bytes…]*: ctl bit 0 = direction, bits 1–3 all set = gap of `len`
    // bytes, else `len` bytes of data; ctl >> 4 = time step. When ctl of the first call has
    // bit 7 set, a request is sent first so that responses have something to match.
    let mut flow = HttpFlow::new();
    let mut txns = Vec::new();
    let mut counters = AppCounters::default();
    let mut out = AppOut {
        txns: &mut txns,
        counters: &mut counters,
    };
    if data.first().is_some_and(|c| c & 0x80 != 0) {
        flow.on_data(Timestamp(0), Dir::C2S, b"GET / HTTP/1.1\r\nHost: f\r\n\r\n", &mut out);
    }
    let mut ts = 0u64;
    let mut rest = data;
    while let [ctl, len, tail @ ..] = rest {
        let dir = if ctl & 1 == 0 { Dir::C2S } else { Dir::S2C };
        let len = usize::from(*len).min(tail.len());
        ts += u64::from(ctl >> 4);
        let (bytes, after) = tail.split_at(len);
        if !flow.is_done() {
            if ctl & 0x0e == 0x0e {
                flow.on_gap(dir, len as u32, &mut out);
            } else {
                flow.on_data(Timestamp(ts), dir, bytes, &mut out);
            }
        }
        rest = after;
    }
    flow.finish(&mut out);
    assert_eq!(flow.transactions() as usize, txns.len());
    for t in &txns {
        let Txn::Http(h) = t else { panic!("not an http transaction") };
        assert_eq!(h.status.is_some(), h.response_us.is_some());
        assert!(h.ts_us <= ts);
    }
});
