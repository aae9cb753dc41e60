//! Fragment reassembly on arbitrary fragment soups: never panics, bounds hold.
#![no_main]
use cemprobe::decode::frag::{FragConfig, Reassembler};
use cemprobe::decode::{FragmentInfo, IpInfo, IpProto};
use cemprobe::time::Timestamp;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let cfg = FragConfig { max_datagrams: 8, max_bytes: 64 << 10, timeout_us: 1_000_000, max_datagram_len: 65_535 };
    let mut r = Reassembler::new(cfg);
    let mut rest = data;
    let mut ts = 0u64;
    while rest.len() >= 6 {
        let (h, tail) = rest.split_at(6);
        let len = usize::from(h[5]).min(tail.len());
        let (payload, tail) = tail.split_at(len);
        rest = tail;
        ts += u64::from(h[4] & 0x0f) * 100_000;
        let ip = IpInfo {
            src: [10, 0, 0, h[0] & 3].into(),
            dst: [10, 0, 1, 1].into(),
            proto: IpProto::UDP,
            total_len: 20 + len as u32,
            l4_len: len as u32,
            ttl: 64,
        };
        let frag = FragmentInfo {
            id: u32::from(h[1] & 7),
            offset: u32::from(u16::from_be_bytes([h[2], h[3]])) * 8 % 70_000,
            more: h[4] & 0x80 != 0,
            proto: IpProto::UDP,
            data: payload,
            data_len: len as u32 + u32::from(h[4] & 0x10 != 0),
        };
        if let Some(d) = r.push(Timestamp(ts), &ip, &frag) {
            assert!(d.len() <= 65_535);
        }
        r.expire(Timestamp(ts));
    }
});
