//! Whole-frame decoding: the first two bytes pick the link type, the rest is the frame.
#![no_main]
use cemprobe::capture::LinkType;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if data.len() < 2 {
        return;
    }
    let link = LinkType(u16::from_be_bytes([data[0], data[1]]));
    let frame = &data[2..];
    if let Ok(d) = cemprobe::decode::frame(link, frame, frame.len() as u32) {
        // Lengths from headers may exceed the capture (snaplen) but never the wire length we
        // passed plus what headers claim; the view itself must stay consistent.
        if let cemprobe::decode::L4::Tcp(t) = d.l4 {
            assert!(t.payload.len() <= frame.len());
        }
    }
});
