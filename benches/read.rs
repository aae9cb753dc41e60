//! Offline reader throughput: 100k 64-byte packets in memory, classic pcap (µs, little-endian)
//! and pcapng (EPB), through `CaptureReader::run` with a sink that touches every packet's
//! bytes. Reports packets/s (criterion "elements").

use std::hint::black_box;

use cemprobe::capture::{Block, CaptureReader, PacketRef};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};

const PACKETS: usize = 100_000;
const LEN: usize = 64;

fn pcap_bytes() -> Vec<u8> {
    let mut out = Vec::with_capacity(24 + PACKETS * (16 + LEN));
    for v in [0xa1b2_c3d4u32, 0x0004_0002, 0, 0, 65535, 1] {
        out.extend_from_slice(&v.to_le_bytes());
    }
    for i in 0..PACKETS {
        for v in [
            1_700_000_000 + (i / 1000) as u32,
            (i % 1000) as u32 * 1000,
            LEN as u32,
            LEN as u32,
        ] {
            out.extend_from_slice(&v.to_le_bytes());
        }
        out.extend(std::iter::repeat_n(i as u8, LEN));
    }
    out
}

fn pcapng_bytes() -> Vec<u8> {
    let mut out = Vec::new();
    let mut block = |ty: u32, body: &[u8]| {
        let len = (12 + body.len()) as u32;
        out.extend_from_slice(&ty.to_le_bytes());
        out.extend_from_slice(&len.to_le_bytes());
        out.extend_from_slice(body);
        out.extend_from_slice(&len.to_le_bytes());
    };
    let mut shb = Vec::new();
    shb.extend_from_slice(&0x1A2B_3C4Du32.to_le_bytes());
    shb.extend_from_slice(&[1, 0, 0, 0]);
    shb.extend_from_slice(&[0xff; 8]);
    block(0x0A0D_0D0A, &shb);
    block(1, &[1, 0, 0, 0, 0, 0, 0, 0]);
    for i in 0..PACKETS {
        let ts = 1_700_000_000_000_000u64 + i as u64;
        let mut epb = Vec::with_capacity(20 + LEN);
        for v in [0u32, (ts >> 32) as u32, ts as u32, LEN as u32, LEN as u32] {
            epb.extend_from_slice(&v.to_le_bytes());
        }
        epb.extend(std::iter::repeat_n(i as u8, LEN));
        block(6, &epb);
    }
    out
}

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("read");
    group.throughput(Throughput::Elements(PACKETS as u64));
    for (name, bytes) in [("pcap_64B", pcap_bytes()), ("pcapng_64B", pcapng_bytes())] {
        let mut reader = CaptureReader::from_bytes(name, bytes);
        group.bench_function(name, |b| {
            b.iter(|| {
                let mut acc = 0u64;
                let sum = reader
                    .run(&mut |block: &Block, p: PacketRef| {
                        let data = p.data(block);
                        acc = acc
                            .wrapping_add(p.ts.as_us())
                            .wrapping_add(u64::from(data.first().copied().unwrap_or(0)));
                    })
                    .expect("valid capture");
                assert_eq!(sum.packets, PACKETS as u64);
                black_box(acc)
            })
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
