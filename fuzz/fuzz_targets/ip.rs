//! IPv4 and IPv6 (with extension headers) decoders.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = cemprobe::decode::ip::ipv4(data);
    let _ = cemprobe::decode::ip::ipv6(data);
});
