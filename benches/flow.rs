//! Flow update throughput (decode + table + TCP tracker per packet) and memory per flow.

mod common;

use cemprobe::capture::{BlockBuf, LinkType, PacketRef};
use cemprobe::config::FlowConfig;
use cemprobe::decode::frag::{FragConfig, Reassembler};
use cemprobe::flow::table::{FlowTable, TableOptions};
use cemprobe::pipeline::process_packet;
use cemprobe::telemetry::Counters;
use cemprobe::time::Timestamp;
use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};

fn setup(flows: u32, packets: usize) -> (BlockBuf, Vec<PacketRef>) {
    let frames = common::frames(flows, packets, 10);
    let mut bytes = Vec::new();
    let mut refs = Vec::with_capacity(frames.len());
    for (i, f) in frames.iter().enumerate() {
        refs.push(PacketRef {
            ts: Timestamp(1_700_000_000_000_000 + i as u64),
            offset: bytes.len(),
            caplen: f.len() as u32,
            wire_len: f.len() as u32,
            link: LinkType::ETHERNET,
        });
        bytes.extend_from_slice(f);
    }
    (BlockBuf::Owned(bytes), refs)
}

fn table(capacity: usize) -> (FlowTable, Reassembler, Counters) {
    let opts = TableOptions {
        flow: FlowConfig::default(),
        capacity,
        probe_id: "bench".into(),
        home_nets: Vec::new(),
        emit_records: true,
        app: Default::default(),
        static_map: None,
        bindings: Default::default(),
        throughput_min_bytes: 262_144,
    };
    let frag = FragConfig {
        max_datagrams: 64,
        max_bytes: 1 << 20,
        timeout_us: 30_000_000,
        max_datagram_len: 65_535,
    };
    (
        FlowTable::new(opts),
        Reassembler::new(frag),
        Counters::default(),
    )
}

fn flow_update(c: &mut Criterion) {
    let mut g = c.benchmark_group("flow_update");
    for flows in [1_000u32, 100_000] {
        let (block, refs) = setup(flows, 200_000);
        g.throughput(Throughput::Elements(refs.len() as u64));
        g.bench_function(format!("{flows}_flows"), |b| {
            b.iter_batched(
                || table(1 << 20),
                |(mut t, mut r, mut c)| {
                    for p in &refs {
                        process_packet(&mut t, &mut r, &mut c, p, &block);
                    }
                    (t, c)
                },
                BatchSize::LargeInput,
            )
        });
    }
    g.finish();
}

criterion_group!(benches, flow_update);
criterion_main!(benches);
