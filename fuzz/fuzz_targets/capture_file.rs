//! Capture file parsing (pcap and pcapng) on arbitrary bytes: never panics, offsets in range.
#![no_main]
use cemprobe::capture::CaptureReader;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut reader = CaptureReader::from_bytes("fuzz", data.to_vec());
    let _ = reader.run(&mut |block, p| {
        assert!(p.offset + p.caplen as usize <= block.len());
    });
});
