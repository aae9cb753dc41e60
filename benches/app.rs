//! App-layer parsers: per-message costs of the pure parsers and the per-flow state, and the
//! fixture captures of issue 3 read end to end with the parsers on and off.

use cemprobe::app::dns::DnsFlow;
use cemprobe::app::http::HttpFlow;
use cemprobe::app::quic::QuicFlow;
use cemprobe::app::{AppCounters, AppOut};
use cemprobe::config::Config;
use cemprobe::export::sink::VecSink;
use cemprobe::flow::Dir;
use cemprobe::pipeline::{run_read, ReadOptions, RecordSet};
use cemprobe::time::Timestamp;
use criterion::{criterion_group, criterion_main, Criterion, Throughput};

/// A DNS query and its response (A for www.example.com, two answers, compressed names).
fn dns_pair() -> (Vec<u8>, Vec<u8>) {
    let mut q = vec![0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0];
    q.extend_from_slice(b"\x03www\x07example\x03com\x00\x00\x01\x00\x01");
    let mut r = q.clone();
    r[2] = 0x81;
    r[3] = 0x80;
    r[7] = 2;
    for last in [1u8, 2] {
        r.extend_from_slice(&[
            0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0x0e, 0x10, 0, 4, 192, 0, 2, last,
        ]);
    }
    (q, r)
}

const REQUEST: &[u8] = b"GET /index.html HTTP/1.1\r\nHost: www.example.com\r\nUser-Agent: bench/1.0\r\nAccept: text/html,application/xhtml+xml\r\nAccept-Language: en-US,en;q=0.5\r\nAccept-Encoding: gzip, deflate\r\nConnection: keep-alive\r\nCookie: session=0123456789abcdef0123456789abcdef\r\n\r\n";
const RESPONSE: &[u8] = b"HTTP/1.1 200 OK\r\nDate: Mon, 23 Nov 2026 10:00:00 GMT\r\nServer: bench\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: 10\r\nCache-Control: max-age=60\r\nConnection: keep-alive\r\n\r\n0123456789";

fn hex(text: &str) -> Vec<u8> {
    let digits: Vec<u8> = text.bytes().filter(u8::is_ascii_hexdigit).collect();
    digits
        .chunks(2)
        .filter_map(|p| u8::from_str_radix(std::str::from_utf8(p).ok()?, 16).ok())
        .collect()
}

fn parsers(c: &mut Criterion) {
    let mut g = c.benchmark_group("app");
    g.throughput(Throughput::Elements(1));
    let (q, r) = dns_pair();
    g.bench_function("dns_parse_response", |b| {
        b.iter(|| cemprobe::app::dns::parse(std::hint::black_box(&r)))
    });
    g.bench_function("dns_flow_query_response", |b| {
        let mut txns = Vec::new();
        let mut counters = AppCounters::default();
        b.iter(|| {
            let mut out = AppOut {
                txns: &mut txns,
                counters: &mut counters,
            };
            let mut f = DnsFlow::new(5_000_000, false);
            f.on_datagram(Timestamp(1), Dir::C2S, &q, &mut out);
            f.on_datagram(Timestamp(2), Dir::S2C, &r, &mut out);
            txns.clear();
        })
    });
    g.bench_function("http_request_head", |b| {
        b.iter(|| cemprobe::app::http::parse_request_head(std::hint::black_box(REQUEST)))
    });
    g.bench_function("http_flow_exchange", |b| {
        let mut txns = Vec::new();
        let mut counters = AppCounters::default();
        b.iter(|| {
            let mut out = AppOut {
                txns: &mut txns,
                counters: &mut counters,
            };
            let mut f = HttpFlow::new();
            f.on_data(Timestamp(1), Dir::C2S, REQUEST, &mut out);
            f.on_data(Timestamp(2), Dir::S2C, RESPONSE, &mut out);
            txns.clear();
        })
    });
    // RFC 9001 Appendix A.2: the client Initial (1200 bytes) decrypted and its ClientHello
    // parsed.
    let initial = hex(include_str!("../src/app/quic/testdata/v1_client.hex"));
    g.bench_function("quic_client_initial", |b| {
        let mut txns = Vec::new();
        let mut counters = AppCounters::default();
        b.iter(|| {
            let mut out = AppOut {
                txns: &mut txns,
                counters: &mut counters,
            };
            let mut f = QuicFlow::new();
            f.on_datagram(Timestamp(1), Dir::C2S, &initial, &mut out);
            f.finish(&mut out);
            txns.clear();
        })
    });
    g.finish();
}

/// The app fixture captures read end to end, parsers on and off.
fn fixtures(c: &mut Criterion) {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    let mut g = c.benchmark_group("app_read");
    for case in [
        "dns_outcomes",
        "http_keepalive",
        "tls_versions",
        "quic_initial",
    ] {
        let input = root.join(case).join("input.pcap");
        for on in [true, false] {
            let mut config = Config {
                probe_id: "bench".into(),
                ..Config::default()
            };
            config.app.enabled = on;
            let opts = ReadOptions {
                inputs: vec![input.clone()],
                workers: 1,
                batch_size: 256,
                config,
                home_nets: Vec::new(),
                records: RecordSet::ALL,
                progress: false,
                interval_us: 0,
            };
            let name = format!("{case}/{}", if on { "parsers_on" } else { "parsers_off" });
            g.bench_function(name, |b| {
                b.iter(|| {
                    let mut sink = VecSink::default();
                    run_read(&opts, &mut sink).expect("read");
                    sink.lines.len()
                })
            });
        }
    }
    g.finish();
}

criterion_group!(benches, parsers, fixtures);
criterion_main!(benches);
