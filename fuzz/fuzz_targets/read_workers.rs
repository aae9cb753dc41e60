//! The whole `read` path on arbitrary capture bytes: 1 worker (inline), 2 workers on a file
//! (shared walk) and 2 workers on a stream (reader thread) give byte-identical output, and the
//! counters add up.
#![no_main]
use cemprobe::config::Config;
use cemprobe::export::sink::VecSink;
use cemprobe::pipeline::{run_read, ReadOptions, RecordSet};
use libfuzzer_sys::fuzz_target;

fn run(path: &std::path::Path, workers: usize) -> Vec<u8> {
    let opts = ReadOptions {
        inputs: vec![path.to_owned()],
        workers,
        batch_size: 3,
        config: Config { probe_id: "fuzz".into(), ..Config::default() },
        home_nets: Vec::new(),
        records: RecordSet::ALL,
        progress: false,
        interval_us: 0,
    };
    let mut sink = VecSink::default();
    let summary = run_read(&opts, &mut sink).expect("writing to memory cannot fail");
    let c = &summary.counters;
    assert_eq!(c.packets, c.decoded + c.malformed() + c.ignored());
    sink.lines
}

fuzz_target!(|data: &[u8]| {
    let dir = std::env::temp_dir();
    let file = dir.join(format!("cemprobe-fuzz-{}.pcap", std::process::id()));
    std::fs::write(&file, data).expect("temp file");
    let one = run(&file, 1);
    let two = run(&file, 2);
    assert_eq!(one, two, "1 vs 2 workers (shared walk)");
    // A FIFO is not a regular file: it takes the reader-thread path.
    let fifo = dir.join(format!("cemprobe-fuzz-{}.fifo", std::process::id()));
    let _ = std::fs::remove_file(&fifo);
    if std::process::Command::new("mkfifo").arg(&fifo).status().is_ok_and(|s| s.success()) {
        let writer = {
            let fifo = fifo.clone();
            let bytes = data.to_vec();
            std::thread::spawn(move || std::fs::write(fifo, bytes))
        };
        let streamed = run(&fifo, 2);
        let _ = writer.join();
        let _ = std::fs::remove_file(&fifo);
        assert_eq!(one, streamed, "1 worker vs 2 workers (reader thread)");
    }
});
