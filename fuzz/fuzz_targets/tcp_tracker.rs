//! The TCP tracker on arbitrary segment streams: never panics, report stays consistent.
#![no_main]
use cemprobe::decode::TcpFlags;
use cemprobe::flow::tcp::{Segment, TcpTracker};
use cemprobe::flow::Dir;
use cemprobe::time::Timestamp;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut t = TcpTracker::new();
    let mut ts = 1_700_000_000_000_000u64;
    for c in data.chunks_exact(16) {
        let word = |i: usize| u32::from_be_bytes([c[i], c[i + 1], c[i + 2], c[i + 3]]);
        ts += u64::from(c[12]) * 1000;
        let seg = Segment {
            ts: Timestamp(ts),
            dir: if c[13] & 1 == 0 { Dir::C2S } else { Dir::S2C },
            seq: word(0),
            ack: word(4),
            flags: TcpFlags(c[14]),
            window: u16::from(c[15]) * 256,
            payload_len: word(8) % 4096,
            timestamps: None,
        };
        let _ = t.update(&seg);
    }
    let r = t.report();
    if let (Some(s), Some(c), Some(h)) = (r.server_rtt_us, r.client_rtt_us, r.handshake_rtt_us) {
        assert_eq!(s + c, h);
    }
    if let Some(d) = r.data_rtt {
        assert!(d.min <= d.mean && d.mean <= d.max && d.count > 0);
    }
});
