//! End-to-end `read`: file → reader → workers → merger → records, with 1 and 2 workers.

mod common;

use cemprobe::config::Config;
use cemprobe::export::sink::VecSink;
use cemprobe::pipeline::{run_read, ReadOptions, RecordSet};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};

fn end_to_end(c: &mut Criterion) {
    let packets = 400_000;
    let pcap = common::pcap(&common::frames(20_000, packets, 10));
    let path = std::env::temp_dir().join(format!("cemprobe-bench-{}.pcap", std::process::id()));
    std::fs::write(&path, &pcap).expect("write bench pcap");
    let mut g = c.benchmark_group("read");
    g.throughput(Throughput::Elements(packets as u64));
    g.sample_size(10);
    for workers in [1usize, 2] {
        let opts = ReadOptions {
            inputs: vec![path.clone()],
            workers,
            batch_size: 256,
            config: Config {
                probe_id: "bench".into(),
                ..Config::default()
            },
            home_nets: Vec::new(),
            records: RecordSet::ALL,
            progress: false,
            interval_us: 0,
        };
        g.bench_function(format!("{workers}_workers"), |b| {
            b.iter(|| {
                let mut sink = VecSink::default();
                run_read(&opts, &mut sink).expect("read");
                sink.lines.len()
            })
        });
    }
    g.finish();
    let _ = std::fs::remove_file(&path);
}

criterion_group!(benches, end_to_end);
criterion_main!(benches);
