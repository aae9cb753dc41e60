//! Synthetic traffic for the benches: TCP and UDP flows as Ethernet frames, and a classic
//! pcap writer. Deterministic (a fixed LCG), so runs are comparable.

#![allow(dead_code)]

use etherparse::PacketBuilder;

/// `flows` concurrent flows, `packets` frames in all, each frame about `payload` bytes of
/// payload; 70 % TCP, 30 % UDP.
pub fn frames(flows: u32, packets: usize, payload: usize) -> Vec<Vec<u8>> {
    let mut out = Vec::with_capacity(packets);
    let data = vec![0x5au8; payload];
    let mut seed = 0x1234_5678u64;
    for i in 0..packets {
        seed = seed
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        let f = ((seed >> 33) as u32) % flows.max(1);
        let client = [100, 64 | ((f >> 16) & 0x3f) as u8, (f >> 8) as u8, f as u8];
        let server = [198, 18, (f % 7) as u8, 10];
        let up = i % 2 == 0;
        let (src, dst) = if up {
            (client, server)
        } else {
            (server, client)
        };
        let cport = 10_000 + (f % 50_000) as u16;
        let (sp, dp) = if up { (cport, 443) } else { (443, cport) };
        let b = PacketBuilder::ethernet2([2, 0, 0, 0, 0, 1], [2, 0, 0, 0, 0, 2]).ipv4(src, dst, 64);
        let mut frame = Vec::with_capacity(64 + payload);
        if f % 10 < 7 {
            let seq = (i as u32).wrapping_mul(1448);
            b.tcp(sp, dp, seq, 65_535)
                .ack(seq)
                .write(&mut frame, &data)
                .expect("valid frame");
        } else {
            b.udp(sp, dp).write(&mut frame, &data).expect("valid frame");
        }
        out.push(frame);
    }
    out
}

/// A classic pcap (µs, Ethernet) of `frames`, one every microsecond from 1700000000 s.
pub fn pcap(frames: &[Vec<u8>]) -> Vec<u8> {
    let mut out = Vec::with_capacity(24 + frames.iter().map(|f| f.len() + 16).sum::<usize>());
    out.extend_from_slice(&0xa1b2_c3d4u32.to_le_bytes());
    out.extend_from_slice(&2u16.to_le_bytes());
    out.extend_from_slice(&4u16.to_le_bytes());
    out.extend_from_slice(&0i32.to_le_bytes());
    out.extend_from_slice(&0u32.to_le_bytes());
    out.extend_from_slice(&65_535u32.to_le_bytes());
    out.extend_from_slice(&1u32.to_le_bytes());
    for (i, f) in frames.iter().enumerate() {
        let us = 1_700_000_000_000_000u64 + i as u64;
        out.extend_from_slice(&((us / 1_000_000) as u32).to_le_bytes());
        out.extend_from_slice(&((us % 1_000_000) as u32).to_le_bytes());
        out.extend_from_slice(&(f.len() as u32).to_le_bytes());
        out.extend_from_slice(&(f.len() as u32).to_le_bytes());
        out.extend_from_slice(f);
    }
    out
}
