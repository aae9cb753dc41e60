//! End-to-end fixtures (STYLE rule 13): run `cemprobe read` on every `fixtures/<case>/input.*`
//! with 1 and 3 workers (and 3 workers with batches of one packet), compare
//! the records (all but `stats`) with the hand-written `expected.ndjson` as a multiset, check the counters of
//! `expected-stats.json` against the stats record, and require byte-identical stdout for every
//! worker count / batch size.

mod common;

use std::path::{Path, PathBuf};
use std::time::Duration;

use common::{canonical, diff_paths, parse_ndjson, pretty_all, run_cemprobe};
use serde_json::Value;

const LIMIT: Duration = Duration::from_secs(60);

fn case_dir(case: &str) -> PathBuf {
    common::repo_root().join("fixtures").join(case)
}

fn input_of(dir: &Path) -> PathBuf {
    for name in ["input.pcap", "input.pcapng"] {
        let p = dir.join(name);
        if p.exists() {
            return p;
        }
    }
    panic!(
        "{}: no input.pcap or input.pcapng (run `cargo run --bin cemprobe-fixtures -- fixtures`)",
        dir.display()
    );
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Run one variant; return (raw stdout, flow records, the stats record). Panics with full
/// context when the run fails.
fn run_variant(case: &str, input: &Path, extra: &[&str]) -> Option<(Vec<u8>, Vec<Value>, Value)> {
    let input_s = input.to_string_lossy().into_owned();
    // A case may add options (one per line, e.g. `--interval` / `10` or `--subscribers` /
    // `fixtures/<case>/subscribers.csv`) in `fixtures/<case>/args`; paths are relative to the
    // repository root.
    let case_args = std::fs::read_to_string(case_dir(case).join("args")).unwrap_or_default();
    let case_args: Vec<&str> = case_args
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .collect();
    let mut args = vec!["read", "--no-progress"];
    if !case_args.contains(&"--config") {
        args.extend_from_slice(&["--config", "fixtures/fixture.toml"]);
    }
    args.extend_from_slice(&case_args);
    args.extend_from_slice(extra);
    args.push(&input_s);
    let run = run_cemprobe(&args, LIMIT);
    assert!(
        run.code() == Some(0),
        "{case}: `cemprobe {}` ended with {}\n--- stderr ---\n{}\n--- stdout ---\n{}",
        args.join(" "),
        run.describe_status(),
        run.stderr_str(),
        run.stdout_str()
    );
    let lines = parse_ndjson(&run.stdout_str())
        .unwrap_or_else(|e| panic!("{case} ({}): stdout is not NDJSON: {e}", extra.join(" ")));
    let last = lines
        .last()
        .unwrap_or_else(|| panic!("{case} ({}): empty stdout", extra.join(" ")));
    assert_eq!(
        last.get("type").and_then(Value::as_str),
        Some("stats"),
        "{case} ({}): the last line must be the stats record, got {last}",
        extra.join(" ")
    );
    let stats_count = lines
        .iter()
        .filter(|v| v.get("type").and_then(Value::as_str) == Some("stats"))
        .count();
    assert_eq!(
        stats_count,
        1,
        "{case} ({}): expected exactly one stats record",
        extra.join(" ")
    );
    // Every record but `stats`: flow, dns, http, tls, subscriber, cell.
    let flows: Vec<Value> = lines
        .iter()
        .filter(|v| v.get("type").and_then(Value::as_str) != Some("stats"))
        .cloned()
        .collect();
    Some((run.stdout, flows, last.clone()))
}

/// Drop every `hdr` member (the serialized histogram of a latency family): its bytes come
/// from the hdrhistogram encoder and cannot be worked out by hand; the unit tests of
/// `subscriber::latency` check that it decodes to the same counts.
fn strip_hdr(v: &mut Value) {
    match v {
        Value::Object(m) => {
            m.remove("hdr");
            m.values_mut().for_each(strip_hdr);
        }
        Value::Array(a) => a.iter_mut().for_each(strip_hdr),
        _ => {}
    }
}

/// Whether a record is a per-interval summary (`subscriber`, `cell`).
fn is_summary(v: &Value) -> bool {
    matches!(
        v.get("type").and_then(Value::as_str),
        Some("subscriber" | "cell")
    )
}

fn sorted(mut v: Vec<Value>) -> Vec<Value> {
    v.sort_by_key(canonical);
    v
}

fn check_flows(case: &str, variant: &str, expected: &[Value], actual: &[Value]) {
    let exp = sorted(expected.to_vec());
    let act = sorted(actual.to_vec());
    let same = exp.len() == act.len()
        && exp
            .iter()
            .zip(&act)
            .all(|(a, b)| canonical(a) == canonical(b));
    if same {
        return;
    }
    let mut summary = Vec::new();
    if exp.len() == act.len() {
        for (i, (a, b)) in exp.iter().zip(&act).enumerate() {
            let mut d = Vec::new();
            diff_paths("", a, b, &mut d);
            for line in d {
                summary.push(format!("record {i} (sorted): {line}"));
            }
        }
    } else {
        summary.push(format!(
            "expected {} flow records, got {}",
            exp.len(),
            act.len()
        ));
    }
    panic!(
        "{case} ({variant}): flow records differ\n--- differences ---\n{}\n--- expected (sorted) ---\n{}\n--- actual (sorted) ---\n{}",
        summary.join("\n"),
        pretty_all(&exp),
        pretty_all(&act)
    );
}

fn check_stats(case: &str, variant: &str, expected: &Value, actual: &Value) {
    let Some(exp) = expected.as_object() else {
        panic!("{case}: expected-stats.json is not an object");
    };
    let mut bad = Vec::new();
    for (k, v) in exp {
        match actual.get(k) {
            Some(a) if canonical(a) == canonical(v) => {}
            a => bad.push(format!(
                "{k}: expected {v}, actual {}",
                a.map_or("(missing)".to_string(), Value::to_string)
            )),
        }
    }
    assert!(
        bad.is_empty(),
        "{case} ({variant}): stats differ\n{}\n--- actual stats record ---\n{}",
        bad.join("\n"),
        serde_json::to_string_pretty(actual).unwrap_or_default()
    );
}

fn run_case(case: &str) {
    let dir = case_dir(case);
    let input = input_of(&dir);
    let expected_flows = parse_ndjson(&read(&dir.join("expected.ndjson")))
        .unwrap_or_else(|e| panic!("{case}: expected.ndjson: {e}"));
    let expected_stats: Value = serde_json::from_str(&read(&dir.join("expected-stats.json")))
        .unwrap_or_else(|e| panic!("{case}: expected-stats.json: {e}"));
    // Cases with `expected-subscribers.ndjson` check the subscriber and cell records too;
    // the others check flows and transactions only.
    let summaries_path = dir.join("expected-subscribers.ndjson");
    let expected_summaries = summaries_path.exists().then(|| {
        parse_ndjson(&read(&summaries_path))
            .unwrap_or_else(|e| panic!("{case}: expected-subscribers.ndjson: {e}"))
    });

    let variants: [(&str, &[&str]); 3] = [
        ("workers 1", &["--workers", "1"]),
        ("workers 3", &["--workers", "3"]),
        (
            "workers 3, batch size 1",
            &["--workers", "3", "--batch-size", "1"],
        ),
    ];
    let mut reference: Option<Vec<u8>> = None;
    for (name, extra) in variants {
        let Some((stdout, flows, stats)) = run_variant(case, &input, extra) else {
            continue;
        };
        let (summaries, flows): (Vec<Value>, Vec<Value>) = flows.into_iter().partition(is_summary);
        check_flows(case, name, &expected_flows, &flows);
        if let Some(expected) = &expected_summaries {
            let mut summaries = summaries;
            summaries.iter_mut().for_each(strip_hdr);
            let mut expected = expected.clone();
            expected.iter_mut().for_each(strip_hdr);
            check_flows(case, name, &expected, &summaries);
        }
        check_stats(case, name, &expected_stats, &stats);
        match &reference {
            None => reference = Some(stdout),
            Some(r) => assert!(
                *r == stdout,
                "{case}: stdout of `{name}` is not byte-identical to `workers 1`\n--- workers 1 ---\n{}\n--- {name} ---\n{}",
                String::from_utf8_lossy(r),
                String::from_utf8_lossy(&stdout)
            ),
        }
    }
}

macro_rules! fixtures {
    ($($case:ident),* $(,)?) => {
        $(
            #[test]
            fn $case() {
                run_case(stringify!($case));
            }
        )*

        /// Every directory under fixtures/ has a test (and every test a directory).
        #[test]
        fn every_fixture_dir_has_a_test() {
            let listed: Vec<&str> = vec![$(stringify!($case)),*];
            let mut dirs: Vec<String> = std::fs::read_dir(common::repo_root().join("fixtures"))
                .expect("fixtures/ exists")
                .filter_map(|e| e.ok())
                .filter(|e| e.path().is_dir())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect();
            dirs.sort();
            let mut l: Vec<String> = listed.iter().map(|s| s.to_string()).collect();
            l.sort();
            assert_eq!(dirs, l, "fixtures/ directories and the fixtures! list differ");
        }
    };
}

fixtures!(
    tcp_clean,
    tcp_syn_retry,
    tcp_syn_unanswered,
    tcp_refused,
    tcp_rst_mid,
    tcp_retransmission,
    tcp_reorder,
    tcp_zero_window,
    tcp_keepalive,
    tcp_seq_wrap,
    dns_udp,
    icmp_echo,
    ipv4_frag,
    ipv6_frag,
    vlan_qinq,
    mpls,
    gre_key,
    erspan2,
    vxlan,
    gtpu,
    sll2,
    pcapng_two_if,
    malformed,
    dns_outcomes,
    dns_tcp,
    http_keepalive,
    tls_versions,
    quic_initial,
    dns_service,
);
