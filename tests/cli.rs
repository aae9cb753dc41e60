//! End-to-end behaviour of `cemprobe read` as a user meets it: several files as one stream, a
//! damaged file among them, stdin, `--out`, `--records`, config errors, and the flow-table
//! timeouts (idle, active/interim, mid-flow start) on a capture built here with known times.

mod common;

use std::io::{Read, Write};
use std::process::{Command, Stdio};
use std::time::Duration;

use common::{repo_root, run_cemprobe, CEMPROBE};
use etherparse::PacketBuilder;
use serde_json::Value;

const LIMIT: Duration = Duration::from_secs(60);
const T0: u64 = 1_700_000_000_000_000;

fn lines(stdout: &[u8]) -> Vec<Value> {
    String::from_utf8_lossy(stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("every stdout line is JSON"))
        .collect()
}

fn stats(v: &[Value]) -> &Value {
    let last = v.last().expect("a stats record");
    assert_eq!(last["type"], "stats");
    last
}

fn tmp(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("cemprobe-cli-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A classic pcap (µs, Ethernet) of `(µs after T0, frame)`.
fn pcap(packets: &[(u64, Vec<u8>)]) -> Vec<u8> {
    let mut out = Vec::new();
    for v in [
        0xa1b2_c3d4u32.to_le_bytes().as_slice(),
        &2u16.to_le_bytes(),
        &4u16.to_le_bytes(),
    ] {
        out.extend_from_slice(v);
    }
    for v in [0u32, 0, 65_535, 1] {
        out.extend_from_slice(&v.to_le_bytes());
    }
    for (t, f) in packets {
        let us = T0 + t;
        for v in [
            (us / 1_000_000) as u32,
            (us % 1_000_000) as u32,
            f.len() as u32,
            f.len() as u32,
        ] {
            out.extend_from_slice(&v.to_le_bytes());
        }
        out.extend_from_slice(f);
    }
    out
}

fn udp(src: [u8; 4], sport: u16, dst: [u8; 4], dport: u16, payload: usize) -> Vec<u8> {
    let mut f = Vec::new();
    PacketBuilder::ethernet2([2; 6], [4; 6])
        .ipv4(src, dst, 64)
        .udp(sport, dport)
        .write(&mut f, &vec![0u8; payload])
        .unwrap();
    f
}

#[allow(clippy::too_many_arguments)]
fn tcp(
    src: [u8; 4],
    sport: u16,
    dst: [u8; 4],
    dport: u16,
    seq: u32,
    ack: Option<u32>,
    syn: bool,
    payload: usize,
) -> Vec<u8> {
    let mut f = Vec::new();
    let b = PacketBuilder::ethernet2([2; 6], [4; 6])
        .ipv4(src, dst, 64)
        .tcp(sport, dport, seq, 64_000);
    let b = if syn { b.syn() } else { b };
    let b = match ack {
        Some(a) => b.ack(a),
        None => b,
    };
    b.write(&mut f, &vec![0u8; payload]).unwrap();
    f
}

#[test]
fn damaged_file_is_reported_and_the_next_file_still_read() {
    let dir = tmp("damaged");
    let good = std::fs::read(repo_root().join("fixtures/tcp_clean/input.pcap")).unwrap();
    // Cut the last record short: 5 of its bytes are missing.
    let cut = dir.join("cut.pcap");
    std::fs::write(&cut, &good[..good.len() - 5]).unwrap();
    let next = repo_root().join("fixtures/dns_udp/input.pcap");
    let run = run_cemprobe(
        &[
            "read",
            "--no-progress",
            "--workers",
            "2",
            cut.to_str().unwrap(),
            next.to_str().unwrap(),
        ],
        LIMIT,
    );
    assert_eq!(run.code(), Some(1), "{}", run.stderr_str());
    let err = run.stderr_str();
    assert!(
        err.contains("cut.pcap") && err.contains("byte"),
        "error names the file and offset: {err}"
    );
    let v = lines(&run.stdout);
    // tcp_clean has 6 packets (the 6th is cut), dns_udp 5.
    assert_eq!(stats(&v)["packets"], 5 + 5);
    assert_eq!(stats(&v)["capture_errors"], 1);
}

#[test]
fn stdin_reads_like_a_file() {
    let input = repo_root().join("fixtures/tcp_reorder/input.pcap");
    let from_file = run_cemprobe(&["read", "--no-progress", input.to_str().unwrap()], LIMIT);
    let mut child = Command::new(CEMPROBE)
        .args(["read", "--no-progress", "-"])
        .current_dir(repo_root())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(&std::fs::read(&input).unwrap())
        .unwrap();
    let mut out = Vec::new();
    child.stdout.take().unwrap().read_to_end(&mut out).unwrap();
    assert!(child.wait().unwrap().success());
    assert_eq!(from_file.code(), Some(0));
    assert_eq!(out, from_file.stdout);
}

#[test]
fn out_dir_holds_the_same_records_as_stdout() {
    let dir = tmp("out");
    let input = repo_root().join("fixtures/gtpu/input.pcap");
    let stdout = run_cemprobe(&["read", "--no-progress", input.to_str().unwrap()], LIMIT);
    let files = run_cemprobe(
        &[
            "read",
            "--no-progress",
            "--out",
            dir.to_str().unwrap(),
            input.to_str().unwrap(),
        ],
        LIMIT,
    );
    assert_eq!(files.code(), Some(0), "{}", files.stderr_str());
    assert!(files.stdout.is_empty());
    let mut names: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    names.sort();
    assert!(!names.is_empty());
    let mut all = Vec::new();
    for n in &names {
        assert!(n.to_str().unwrap().ends_with(".ndjson.zst"), "{n:?}");
        let mut dec = zstd::stream::read::Decoder::new(std::fs::File::open(n).unwrap()).unwrap();
        dec.read_to_end(&mut all).unwrap();
    }
    assert_eq!(all, stdout.stdout);
}

#[test]
fn records_option_filters_and_rejects_unknown_names() {
    let input = repo_root().join("fixtures/tcp_clean/input.pcap");
    let run = run_cemprobe(
        &[
            "read",
            "--no-progress",
            "--records",
            "stats",
            input.to_str().unwrap(),
        ],
        LIMIT,
    );
    let v = lines(&run.stdout);
    assert_eq!(v.len(), 1);
    assert_eq!(stats(&v)["flow_records"], 1);
    let bad = run_cemprobe(
        &["read", "--records", "flows", input.to_str().unwrap()],
        LIMIT,
    );
    assert_eq!(bad.code(), Some(2));
    assert!(bad.stderr_str().contains("flows"), "{}", bad.stderr_str());
}

#[test]
fn config_errors_name_the_key_and_exit_2() {
    let dir = tmp("config");
    let cfg = dir.join("bad.toml");
    std::fs::write(&cfg, "[flow]\nidle_timeout = \"60\"\n").unwrap();
    let input = repo_root().join("fixtures/tcp_clean/input.pcap");
    let run = run_cemprobe(
        &[
            "read",
            "--config",
            cfg.to_str().unwrap(),
            input.to_str().unwrap(),
        ],
        LIMIT,
    );
    assert_eq!(run.code(), Some(2));
    assert!(
        run.stderr_str().contains("flow.idle_timeout"),
        "{}",
        run.stderr_str()
    );
    let missing = run_cemprobe(&["read", "--no-progress", "no/such/file.pcap"], LIMIT);
    assert_eq!(missing.code(), Some(1));
    assert!(
        missing.stderr_str().contains("no/such/file.pcap"),
        "{}",
        missing.stderr_str()
    );
}

/// Timeouts on packet time, worked out by hand (config: idle 60 s, active 10 s):
/// - UDP 10.0.0.1:1000→10.0.0.2:53 at 0 s and 1 s, again at 100 s: the gap (99 s ≥ 60 s)
///   ends the first flow as `idle` (2 packets, last 1 s) and starts a second one (`eof`).
/// - TCP 10.0.0.3:2000→10.0.0.4:80: SYN 0, SYN-ACK 0.01 s, ACK 0.02 s, data at 5, 12 and
///   25 s. The packet at 12 s passes first+10 s: an interim record (`final: false`, `active`)
///   with the 4 packets before it (c2s 3, s2c 1); the one at 25 s passes 20 s: a second
///   interim with 5 packets; at the end a final `eof` record with 6 (c2s 5, s2c 1).
/// - TCP seen mid-flow, first packet 10.0.0.5:443→10.0.0.6:50000 with data and ACK: the
///   client is the higher port (10.0.0.6:50000), outcome `no_handshake`, quality
///   mid_flow_start + one_direction.
#[test]
fn idle_active_and_mid_flow_rules() {
    let (a, b, c, d, e, f) = (
        [10, 0, 0, 1],
        [10, 0, 0, 2],
        [10, 0, 0, 3],
        [10, 0, 0, 4],
        [10, 0, 0, 5],
        [10, 0, 0, 6],
    );
    let s = 1_000_000;
    let packets = vec![
        (0, udp(a, 1000, b, 53, 20)),
        (0, tcp(c, 2000, d, 80, 100, None, true, 0)),
        (10_000, tcp(d, 80, c, 2000, 500, Some(101), true, 0)),
        (20_000, tcp(c, 2000, d, 80, 101, Some(501), false, 0)),
        (s, udp(a, 1000, b, 53, 20)),
        (2 * s, tcp(e, 443, f, 50_000, 7000, Some(9000), false, 100)),
        (5 * s, tcp(c, 2000, d, 80, 101, Some(501), false, 10)),
        (12 * s, tcp(c, 2000, d, 80, 111, Some(501), false, 10)),
        (25 * s, tcp(c, 2000, d, 80, 121, Some(501), false, 10)),
        (100 * s, udp(a, 1000, b, 53, 20)),
    ];
    let dir = tmp("timeouts");
    let input = dir.join("t.pcap");
    std::fs::write(&input, pcap(&packets)).unwrap();
    let cfg = dir.join("c.toml");
    std::fs::write(
        &cfg,
        "[probe]\nid = \"t\"\n[flow]\nidle_timeout = \"60s\"\nactive_timeout = \"10s\"\n",
    )
    .unwrap();
    let mut outputs = Vec::new();
    for workers in ["1", "3"] {
        let run = run_cemprobe(
            &[
                "read",
                "--no-progress",
                "--workers",
                workers,
                "--config",
                cfg.to_str().unwrap(),
                input.to_str().unwrap(),
            ],
            LIMIT,
        );
        assert_eq!(run.code(), Some(0), "{}", run.stderr_str());
        outputs.push(run.stdout);
    }
    assert_eq!(
        outputs[0], outputs[1],
        "1 and 3 workers give identical output"
    );
    let v = lines(&outputs[0]);
    let flows: Vec<&Value> = v.iter().filter(|r| r["type"] == "flow").collect();
    assert_eq!(flows.len(), 6, "{v:#?}");
    let find = |port: u64, first_s: u64, is_final: bool| {
        flows
            .iter()
            .find(|r| {
                r["client"]["port"] == port
                    && r["first_us"] == T0 + first_s
                    && r["final"] == is_final
            })
            .unwrap_or_else(|| {
                panic!("no record for port {port} first {first_s} final {is_final}: {flows:#?}")
            })
    };
    let udp1 = find(1000, 0, true);
    assert_eq!(
        (udp1["end_reason"].as_str(), udp1["last_us"].as_u64()),
        (Some("idle"), Some(T0 + s))
    );
    assert_eq!(udp1["c2s"]["packets"], 2);
    let udp2 = find(1000, 100 * s, true);
    assert_eq!(udp2["end_reason"], "eof");
    assert_eq!(udp2["c2s"]["packets"], 1);

    let interims: Vec<&&Value> = flows.iter().filter(|r| r["final"] == false).collect();
    assert_eq!(interims.len(), 2);
    let (i1, i2) = if interims[0]["last_us"].as_u64() < interims[1]["last_us"].as_u64() {
        (interims[0], interims[1])
    } else {
        (interims[1], interims[0])
    };
    assert_eq!(i1["end_reason"], "active");
    assert_eq!(
        (i1["c2s"]["packets"].as_u64(), i1["s2c"]["packets"].as_u64()),
        (Some(3), Some(1))
    );
    assert_eq!(i1["last_us"], T0 + 5 * s);
    assert_eq!(
        (i2["c2s"]["packets"].as_u64(), i2["last_us"].as_u64()),
        (Some(4), Some(T0 + 12 * s))
    );
    let tcp_final = find(2000, 0, true);
    assert_eq!(tcp_final["end_reason"], "eof");
    assert_eq!(
        (
            tcp_final["c2s"]["packets"].as_u64(),
            tcp_final["s2c"]["packets"].as_u64()
        ),
        (Some(5), Some(1))
    );
    assert_eq!(tcp_final["tcp"]["outcome"], "established");
    assert_eq!(tcp_final["tcp"]["handshake_rtt_us"], 20_000);

    let mid = find(50_000, 2 * s, true);
    assert_eq!(mid["client"]["ip"], "10.0.0.6");
    assert_eq!(mid["server"]["port"], 443);
    assert_eq!(mid["s2c"]["packets"], 1);
    assert_eq!(mid["s2c"]["payload_bytes"], 100);
    assert_eq!(mid["tcp"]["outcome"], "no_handshake");
    assert_eq!(
        mid["quality"],
        serde_json::json!(["mid_flow_start", "one_direction"])
    );
    assert_eq!(stats(&v)["packets"], 10);
}

/// A pcapng whose packets carry the largest 64-bit timestamps: the reader's ticks and the
/// interim-record schedule saturate instead of overflowing or looping (found in review: the
/// run hung).
#[test]
fn timestamps_at_the_end_of_time_do_not_hang() {
    fn block(kind: u32, body: &[u8]) -> Vec<u8> {
        let len = 12 + body.len().next_multiple_of(4);
        let mut b = Vec::new();
        b.extend_from_slice(&kind.to_le_bytes());
        b.extend_from_slice(&(len as u32).to_le_bytes());
        b.extend_from_slice(body);
        b.resize(len - 4, 0);
        b.extend_from_slice(&(len as u32).to_le_bytes());
        b
    }
    let mut shb = Vec::new();
    shb.extend_from_slice(&0x1A2B_3C4Du32.to_le_bytes());
    shb.extend_from_slice(&1u16.to_le_bytes());
    shb.extend_from_slice(&0u16.to_le_bytes());
    shb.extend_from_slice(&(-1i64).to_le_bytes());
    let mut file = block(0x0A0D_0D0A, &shb);
    let mut idb = Vec::new();
    idb.extend_from_slice(&1u16.to_le_bytes());
    idb.extend_from_slice(&0u16.to_le_bytes());
    idb.extend_from_slice(&0u32.to_le_bytes());
    file.extend(block(1, &idb));
    for ts in [u64::MAX - 1, u64::MAX, u64::MAX] {
        let frame = udp([10, 0, 0, 1], 1000, [10, 0, 0, 2], 53, 10);
        let mut epb = Vec::new();
        epb.extend_from_slice(&0u32.to_le_bytes());
        epb.extend_from_slice(&((ts >> 32) as u32).to_le_bytes());
        epb.extend_from_slice(&(ts as u32).to_le_bytes());
        epb.extend_from_slice(&(frame.len() as u32).to_le_bytes());
        epb.extend_from_slice(&(frame.len() as u32).to_le_bytes());
        epb.extend_from_slice(&frame);
        file.extend(block(6, &epb));
    }
    let dir = tmp("maxts");
    let input = dir.join("max.pcapng");
    std::fs::write(&input, file).unwrap();
    for workers in ["1", "2"] {
        let run = run_cemprobe(
            &[
                "read",
                "--no-progress",
                "--workers",
                workers,
                input.to_str().unwrap(),
            ],
            Duration::from_secs(20),
        );
        assert_eq!(
            run.code(),
            Some(0),
            "{} {}",
            run.describe_status(),
            run.stderr_str()
        );
        let v = lines(&run.stdout);
        assert_eq!(stats(&v)["packets"], 3);
        assert_eq!(v.iter().filter(|r| r["type"] == "flow").count(), 1);
    }
}

/// `--subscribers FILE`: the longest prefix of the static map names the subscriber of the
/// flow (client side first, then the server side); a bad map is a usage error naming the file
/// and line.
#[test]
fn static_subscriber_map_names_subscribers() {
    let dir = tmp("static-map");
    let input = repo_root().join("fixtures/tcp_clean/input.pcap");
    let map = dir.join("subscribers.csv");
    // tcp_clean is one TCP flow 10.0.0.1 → 10.0.0.2.
    std::fs::write(
        &map,
        "cidr,subscriber,segment\n10.0.0.0/8,corp-wide,enterprise\n10.0.0.1/32,msisdn:4915100000001,prepaid\n",
    )
    .unwrap();
    let run = run_cemprobe(
        &[
            "read",
            "--no-progress",
            "--records",
            "flow",
            "--subscribers",
            map.to_str().unwrap(),
            input.to_str().unwrap(),
        ],
        LIMIT,
    );
    assert_eq!(run.code(), Some(0), "{}", run.stderr_str());
    let v = lines(&run.stdout);
    assert_eq!(v.len(), 1);
    assert_eq!(v[0]["subscriber"], "msisdn:4915100000001");

    // Only the server's prefix is mapped: the server side names the subscriber.
    std::fs::write(&map, "10.0.0.2/32,cust-server-side\n").unwrap();
    let run = run_cemprobe(
        &[
            "read",
            "--no-progress",
            "--records",
            "flow",
            "--subscribers",
            map.to_str().unwrap(),
            input.to_str().unwrap(),
        ],
        LIMIT,
    );
    assert_eq!(lines(&run.stdout)[0]["subscriber"], "cust-server-side");

    std::fs::write(&map, "10.0.0.0/8,a\n10.0.0.0/40,b\n").unwrap();
    let bad = run_cemprobe(
        &[
            "read",
            "--subscribers",
            map.to_str().unwrap(),
            input.to_str().unwrap(),
        ],
        LIMIT,
    );
    assert_eq!(bad.code(), Some(2));
    let expected = format!("{}:2", map.display());
    assert!(bad.stderr_str().contains(&expected), "{}", bad.stderr_str());
}
