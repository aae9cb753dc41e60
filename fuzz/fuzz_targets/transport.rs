//! Transport decoders (TCP with options, UDP, ICMP, ICMPv6, SCTP): first byte is the protocol.
#![no_main]
use cemprobe::decode::IpProto;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&proto, rest)) = data.split_first() else { return };
    if let Ok(cemprobe::decode::L4::Tcp(t)) = cemprobe::decode::transport::l4(IpProto(proto), rest) {
        assert!(t.payload.len() <= rest.len());
    }
    let _ = cemprobe::decode::transport::options(rest);
});
