//! QUIC Initial parsing and per-flow state on arbitrary datagrams in both directions: never
//! panics, at most one handshake record per flow.
#![no_main]
use cemprobe::app::quic::frames::{CryptoStream, Frames};
use cemprobe::app::quic::packet::parse_long_header;
use cemprobe::app::quic::{probe, QuicFlow};
use cemprobe::app::{AppCounters, AppOut};
use cemprobe::flow::Dir;
use cemprobe::time::Timestamp;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // Pure parsers over the whole input.
    let _ = probe(data);
    let _ = parse_long_header(data);
    let mut s = CryptoStream::new();
    for f in Frames::new(data).flatten() {
        if let cemprobe::app::quic::frames::Frame::Crypto { offset, data } = f {
            s.insert(offset, data);
        }
    }
    let _ = s.first_message();

    // Per-flow state: input = records of [dir/time byte, len_hi, len_lo, bytes…]. A v1 or
    // v2 long-header prefix is put in front of some datagrams so the header walk goes deep.
    let mut txns = Vec::new();
    let mut counters = AppCounters::default();
    let mut f = QuicFlow::new();
    let mut ts = 1_700_000_000_000_000u64;
    let mut rest = data;
    let mut buf = Vec::new();
    while let [ctl, hi, lo, tail @ ..] = rest {
        let len = (usize::from(*hi) << 8 | usize::from(*lo)).min(tail.len());
        let (dg, tail) = tail.split_at(len);
        rest = tail;
        ts += u64::from(ctl >> 4) * 1000;
        let dir = if ctl & 1 == 0 { Dir::C2S } else { Dir::S2C };
        buf.clear();
        match (ctl >> 1) & 3 {
            1 => buf.extend_from_slice(&[0xc0, 0, 0, 0, 1]),
            2 => buf.extend_from_slice(&[0xd0, 0x6b, 0x33, 0x43, 0xcf]),
            _ => {}
        }
        buf.extend_from_slice(dg);
        let mut out = AppOut { txns: &mut txns, counters: &mut counters };
        f.on_datagram(Timestamp(ts), dir, &buf, &mut out);
    }
    f.finish(&mut AppOut { txns: &mut txns, counters: &mut counters });
    assert!(txns.len() <= 1);
    assert_eq!(f.transactions() as usize, txns.len());
});
