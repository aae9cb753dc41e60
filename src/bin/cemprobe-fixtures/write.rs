//! Minimal little-endian pcap and pcapng writers (only what the fixtures need).

use crate::cases::{Interface, Pkt, T0_US};

/// Classic pcap, microsecond timestamps, little-endian, snaplen 65535.
pub fn pcap(link: u16, packets: &[Pkt]) -> Vec<u8> {
    let mut out = Vec::new();
    out.extend_from_slice(&0xa1b2_c3d4u32.to_le_bytes());
    out.extend_from_slice(&2u16.to_le_bytes());
    out.extend_from_slice(&4u16.to_le_bytes());
    out.extend_from_slice(&0i32.to_le_bytes()); // thiszone
    out.extend_from_slice(&0u32.to_le_bytes()); // sigfigs
    out.extend_from_slice(&65535u32.to_le_bytes()); // snaplen
    out.extend_from_slice(&u32::from(link).to_le_bytes());
    for p in packets {
        let ts = T0_US + p.t_us;
        out.extend_from_slice(&u32_of(ts / 1_000_000).to_le_bytes());
        out.extend_from_slice(&u32_of(ts % 1_000_000).to_le_bytes());
        out.extend_from_slice(&u32_of(p.data.len() as u64).to_le_bytes());
        out.extend_from_slice(&p.wire_len.to_le_bytes());
        out.extend_from_slice(&p.data);
    }
    out
}

/// pcapng: one SHB, one IDB per interface (with `if_tsresol` when not the default 6), one EPB
/// per packet.
pub fn pcapng(interfaces: &[Interface], packets: &[Pkt]) -> Vec<u8> {
    let mut out = Vec::new();
    // Section Header Block.
    let mut shb = Vec::new();
    shb.extend_from_slice(&0x1a2b_3c4du32.to_le_bytes());
    shb.extend_from_slice(&1u16.to_le_bytes());
    shb.extend_from_slice(&0u16.to_le_bytes());
    shb.extend_from_slice(&(-1i64).to_le_bytes());
    block(&mut out, 0x0a0d_0d0a, &shb);
    for i in interfaces {
        let mut idb = Vec::new();
        idb.extend_from_slice(&i.link.to_le_bytes());
        idb.extend_from_slice(&0u16.to_le_bytes());
        idb.extend_from_slice(&65535u32.to_le_bytes());
        if let Some(res) = i.tsresol {
            idb.extend_from_slice(&9u16.to_le_bytes()); // if_tsresol
            idb.extend_from_slice(&1u16.to_le_bytes());
            idb.extend_from_slice(&[res, 0, 0, 0]);
            idb.extend_from_slice(&[0, 0, 0, 0]); // opt_endofopt
        }
        block(&mut out, 1, &idb);
    }
    for p in packets {
        let iface = interfaces
            .get(p.iface as usize)
            .copied()
            .unwrap_or(Interface {
                link: 1,
                tsresol: None,
            });
        let us = T0_US + p.t_us;
        let ts: u64 = match iface.tsresol.unwrap_or(6) {
            9 => us * 1000,
            3 => us / 1000,
            _ => us,
        };
        let mut epb = Vec::new();
        epb.extend_from_slice(&p.iface.to_le_bytes());
        epb.extend_from_slice(&u32_of(ts >> 32).to_le_bytes());
        epb.extend_from_slice(&u32_of(ts & 0xffff_ffff).to_le_bytes());
        epb.extend_from_slice(&u32_of(p.data.len() as u64).to_le_bytes());
        epb.extend_from_slice(&p.wire_len.to_le_bytes());
        epb.extend_from_slice(&p.data);
        while epb.len() % 4 != 0 {
            epb.push(0);
        }
        block(&mut out, 6, &epb);
    }
    out
}

fn block(out: &mut Vec<u8>, ty: u32, body: &[u8]) {
    let len = u32_of(12 + body.len() as u64);
    out.extend_from_slice(&ty.to_le_bytes());
    out.extend_from_slice(&len.to_le_bytes());
    out.extend_from_slice(body);
    out.extend_from_slice(&len.to_le_bytes());
}

fn u32_of(v: u64) -> u32 {
    u32::try_from(v).unwrap_or(u32::MAX)
}
