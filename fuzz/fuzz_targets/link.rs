//! Link-layer decoders (Ethernet/VLAN/MPLS/SLL/SLL2/NULL/LOOP): first two bytes pick the type.
#![no_main]
use cemprobe::capture::LinkType;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if data.len() < 2 {
        return;
    }
    let link = LinkType(u16::from_be_bytes([data[0], data[1]]) % 300);
    if let Ok((_, _, offset)) = cemprobe::decode::link::link(link, &data[2..]) {
        assert!(offset <= data.len() - 2);
    }
});
