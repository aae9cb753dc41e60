//! Tunnel decoders: GRE (and ERSPAN), VXLAN, GTP-U.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = cemprobe::decode::tunnel::gre(data);
    let _ = cemprobe::decode::tunnel::vxlan(data);
    let _ = cemprobe::decode::tunnel::gtpu(data);
});
