//! GTPv2-C: the pure parser and the piggyback walk on the whole input, then the user location
//! decoders on the same bytes.
#![no_main]
use cemprobe::app::gtpc::{messages, parse, MAX_BEARERS, MAX_BEARER_FTEIDS, MAX_FTEIDS};
use cemprobe::app::uli::{parse_geographic_location, parse_gtpv2_uli};
use cemprobe::app::Parse;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Parse::Done { value, consumed } = parse(data) {
        assert!(consumed <= data.len());
        assert_eq!(consumed, value.header.message_len());
    }
    let mut n = 0;
    for m in messages(data) {
        n += 1;
        let Ok(m) = m else { continue };
        assert!(m.fteids.len() <= MAX_FTEIDS);
        assert!(m.bearer_contexts.len() <= MAX_BEARERS);
        for b in &m.bearer_contexts {
            assert!(b.fteids.len() <= MAX_BEARER_FTEIDS);
        }
        if let Some(uli) = m.uli {
            let _ = uli.cell();
        }
    }
    assert!(n <= 3);
    if let Ok(l) = parse_gtpv2_uli(data) {
        let _ = l.cell();
    }
    if let Ok(l) = parse_geographic_location(data) {
        let _ = l.cell();
    }
});
