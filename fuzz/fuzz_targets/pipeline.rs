//! A whole capture through decode, reassembly, the flow table and record emission.
#![no_main]
use cemprobe::capture::CaptureReader;
use cemprobe::config::FlowConfig;
use cemprobe::decode::frag::FragConfig;
use cemprobe::flow::table::TableOptions;
use cemprobe::pipeline::Worker;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let table = TableOptions { flow: FlowConfig::default(), capacity: 64, probe_id: "fuzz".into(), home_nets: Vec::new(), emit_records: true, app: Default::default(), static_map: None, bindings: Default::default(), throughput_min_bytes: 262144, };
    let frag = FragConfig { max_datagrams: 8, max_bytes: 64 << 10, timeout_us: 30_000_000, max_datagram_len: 65_535 };
    let mut w = Worker::new(table, frag);
    let mut reader = CaptureReader::from_bytes("fuzz", data.to_vec());
    let _ = reader.run(&mut |block, p| w.packet(&p, block));
    let c = w.end(None, &mut |_, _| {});
    assert_eq!(c.packets, c.decoded + c.malformed() + c.ignored());
});
