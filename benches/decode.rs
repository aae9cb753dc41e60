//! Decode throughput: the fast path (Ethernet/IPv4/TCP|UDP) per packet.

mod common;

use cemprobe::capture::LinkType;
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use std::hint::black_box;

fn decode_fast_path(c: &mut Criterion) {
    let frames = common::frames(1024, 4096, 10);
    let mut g = c.benchmark_group("decode");
    g.throughput(Throughput::Elements(frames.len() as u64));
    g.bench_function("ethernet_ipv4_tcp_udp", |b| {
        b.iter(|| {
            let mut ok = 0u32;
            for f in &frames {
                if cemprobe::decode::frame(LinkType::ETHERNET, black_box(f), f.len() as u32).is_ok()
                {
                    ok += 1;
                }
            }
            black_box(ok)
        })
    });
    g.finish();
}

criterion_group!(benches, decode_fast_path);
criterion_main!(benches);
