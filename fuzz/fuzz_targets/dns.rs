//! DNS: the pure parser on the whole input, then a UDP and a TCP flow driven by the input split
//! into operations. Each operation: a control byte (bit 0: direction, bits 1–3: operation,
//! bits 4–7: time step), a length byte, then that many bytes of payload.
#![no_main]
use cemprobe::app::dns::{parse, parse::read_name, DnsFlow, Name};
use cemprobe::app::{AppCounters, AppOut, Parse, Txn};
use cemprobe::flow::Dir;
use cemprobe::time::Timestamp;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Parse::Done { value, consumed } = parse(data) {
        assert!(consumed <= data.len());
        assert!(value.rcode() < 4096);
        if let Some(q) = value.question {
            let _ = q.name.to_dotted();
        }
    }
    let mut name = Name::default();
    if let Ok(end) = read_name(data, 12, Some(&mut name)) {
        assert!(end <= data.len());
    }

    for tcp in [false, true] {
        let mut flow = DnsFlow::new(1_000_000, tcp);
        let mut txns = Vec::new();
        let mut counters = AppCounters::default();
        let mut out = AppOut {
            txns: &mut txns,
            counters: &mut counters,
        };
        let mut now = 0u64;
        let mut rest = data;
        while let [ctl, len, tail @ ..] = rest {
            let n = usize::from(*len).min(tail.len());
            let (payload, next) = tail.split_at(n);
            rest = next;
            now += u64::from(ctl >> 4) * 250_000;
            let ts = Timestamp(now);
            let dir = if ctl & 1 == 0 { Dir::C2S } else { Dir::S2C };
            match (ctl >> 1) & 7 {
                0..=2 if tcp => flow.on_data(ts, dir, payload, &mut out),
                0..=2 => flow.on_datagram(ts, dir, payload, &mut out),
                3 => flow.on_gap(dir, u32::from(*len), &mut out),
                4 => flow.expire(ts, &mut out),
                _ => {
                    if let Some(d) = flow.next_deadline_us() {
                        flow.expire(Timestamp(d), &mut out);
                        assert!(flow.next_deadline_us().is_none_or(|n| n > d));
                    }
                }
            }
        }
        flow.finish(Timestamp(now), &mut out);
        assert_eq!(flow.next_deadline_us(), None);
        assert_eq!(flow.transactions() as usize, txns.len());
        for t in &txns {
            let Txn::Dns(d) = t else { panic!("not DNS") };
            assert!(d.addrs.len() <= cemprobe::app::dns::MAX_ADDRS);
        }
    }
});
