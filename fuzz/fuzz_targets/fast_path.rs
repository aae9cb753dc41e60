//! The hand-written fast path agrees with the general decoder whenever it accepts a frame.
#![no_main]
use cemprobe::capture::LinkType;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let wire = data.len() as u32;
    if let Some(fast) = cemprobe::decode::fast::ethernet(data, wire) {
        let general = cemprobe::decode::frame_general(LinkType::ETHERNET, data, wire);
        assert_eq!(Ok(fast), general);
    }
});
