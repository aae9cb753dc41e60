//! Robustness over third-party captures (`../shared/fixtures-ext`, listed in MANIFEST.tsv):
//! `cemprobe read --no-progress --workers 2 <file>` must not crash on any of them. A file the
//! manifest describes as damaged may end with exit code 1; everything else must exit 0. Exit code
//! 101 (panic), a signal or the time limit is a failure. The last stdout line must be a stats
//! record whose counters add up: packets = decoded + malformed + ignored, and the by-reason maps
//! sum to their totals. All captures run in one test; failures are listed at the end.

mod common;

use std::path::PathBuf;
use std::time::{Duration, Instant};

use common::{parse_ndjson, run_cemprobe};
use serde_json::Value;

const PER_FILE_LIMIT: Duration = Duration::from_secs(60);
const TOTAL_LIMIT: Duration = Duration::from_secs(900);

fn ext_dir() -> PathBuf {
    PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../shared/fixtures-ext"
    ))
}

/// Does the manifest row describe a damaged file (so exit code 1 is acceptable)? Looks at the
/// hand-written note (before the first ` || `), a `capinfos:` error part, and `file_format`.
fn manifest_says_damaged(cols: &[&str]) -> bool {
    let what = cols.get(8).copied().unwrap_or("");
    let format = cols.get(10).copied().unwrap_or("").to_ascii_lowercase();
    let mut parts = what.split(" || ");
    let note = parts.next().unwrap_or("").to_ascii_lowercase();
    let capinfos_error = parts.any(|p| p.trim_start().starts_with("capinfos:"));
    const WORDS: [&str; 12] = [
        "corrupt",
        "truncat",
        "damaged",
        "cut short",
        "invalid",
        "unsupported",
        "malformed",
        "fuzz",
        "overrun",
        "unbounded",
        "absurd",
        "unknown",
    ];
    capinfos_error
        || format.contains("unreadable")
        || format.contains("gzip")
        || WORDS.iter().any(|w| note.contains(w))
}

fn as_u64(v: &Value, key: &str) -> Result<u64, String> {
    v.get(key)
        .and_then(Value::as_u64)
        .ok_or_else(|| format!("stats.{key} missing or not a number"))
}

fn sum_map(v: &Value, key: &str) -> Result<u64, String> {
    let m = v
        .get(key)
        .and_then(Value::as_object)
        .ok_or_else(|| format!("stats.{key} missing or not an object"))?;
    m.iter().try_fold(0u64, |acc, (k, n)| {
        n.as_u64()
            .map(|n| acc + n)
            .ok_or_else(|| format!("stats.{key}.{k} is not a number"))
    })
}

/// Check the stats record at the end of stdout.
fn check_stats(stdout: &str) -> Result<(), String> {
    let lines = parse_ndjson(stdout)?;
    let last = lines.last().ok_or("empty stdout (no stats record)")?;
    if last.get("type").and_then(Value::as_str) != Some("stats") {
        return Err(format!("last line is not a stats record: {last}"));
    }
    let packets = as_u64(last, "packets")?;
    let decoded = as_u64(last, "decoded")?;
    let malformed = as_u64(last, "malformed")?;
    let ignored = as_u64(last, "ignored")?;
    if packets != decoded + malformed + ignored {
        return Err(format!(
            "packets {packets} != decoded {decoded} + malformed {malformed} + ignored {ignored}"
        ));
    }
    let m = sum_map(last, "malformed_by_reason")?;
    if m != malformed {
        return Err(format!(
            "sum of malformed_by_reason {m} != malformed {malformed}"
        ));
    }
    let i = sum_map(last, "ignored_by_reason")?;
    if i != ignored {
        return Err(format!("sum of ignored_by_reason {i} != ignored {ignored}"));
    }
    Ok(())
}

#[test]
fn ext_captures_do_not_crash_and_counters_add_up() {
    let dir = ext_dir();
    let Ok(manifest) = std::fs::read_to_string(dir.join("MANIFEST.tsv")) else {
        println!("skipping: ../shared/fixtures-ext not found");
        return;
    };
    // The wall clock only bounds how long the test may run; it never reaches a record.
    #[allow(clippy::disallowed_methods)]
    let start = Instant::now();
    let mut failures = Vec::new();
    let mut ran = 0usize;
    let mut not_run = 0usize;
    for line in manifest.lines().skip(1).filter(|l| !l.trim().is_empty()) {
        let cols: Vec<&str> = line.split('\t').collect();
        let Some(file) = cols.first().copied() else {
            continue;
        };
        if start.elapsed() > TOTAL_LIMIT {
            not_run += 1;
            continue;
        }
        let path = dir.join(file);
        let path_s = path.to_string_lossy().into_owned();
        let run = run_cemprobe(
            &["read", "--no-progress", "--workers", "2", &path_s],
            PER_FILE_LIMIT,
        );
        ran += 1;
        let damaged = manifest_says_damaged(&cols);
        let stderr_tail: String = {
            let s = run.stderr_str();
            let t: Vec<&str> = s.lines().rev().take(3).collect();
            t.into_iter().rev().collect::<Vec<_>>().join(" / ")
        };
        match run.code() {
            Some(0) => {
                if let Err(e) = check_stats(&run.stdout_str()) {
                    failures.push(format!("{file}: exit 0 but {e}"));
                }
            }
            Some(1) if damaged => {
                // A damaged file may stop early; if a stats record was written it must add up.
                let out = run.stdout_str();
                if !out.trim().is_empty() {
                    if let Err(e) = check_stats(&out) {
                        failures.push(format!("{file}: exit 1 (damaged file) and {e}"));
                    }
                }
            }
            _ => failures.push(format!(
                "{file}: {}{} — stderr: {stderr_tail}",
                run.describe_status(),
                if damaged {
                    ""
                } else {
                    " (manifest does not call it damaged)"
                }
            )),
        }
    }
    println!(
        "ext captures: {ran} run, {} failed, {not_run} not run (time limit), {:?}",
        failures.len(),
        start.elapsed()
    );
    assert!(
        failures.is_empty() && not_run == 0,
        "{} of {ran} captures failed ({not_run} not run within {TOTAL_LIMIT:?}):\n{}",
        failures.len(),
        failures.join("\n")
    );
}
