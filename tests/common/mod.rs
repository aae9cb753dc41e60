//! Helpers shared by the end-to-end tests: run the built `cemprobe` binary with a time limit,
//! parse NDJSON output, and print JSON values readably on mismatch.
#![allow(dead_code)]

use std::io::Read;
use std::path::Path;
use std::process::{Command, ExitStatus, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use serde_json::Value;

/// The path of the `cemprobe` binary built for this test run.
pub const CEMPROBE: &str = env!("CARGO_BIN_EXE_cemprobe");

/// The repository root (where `Cargo.toml` is).
pub fn repo_root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The outcome of one run of the binary.
pub struct Run {
    /// `None` when the process was killed after the time limit.
    pub status: Option<ExitStatus>,
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
    pub elapsed: Duration,
}

impl Run {
    pub fn timed_out(&self) -> bool {
        self.status.is_none()
    }
    /// Exit code; `None` when killed by a signal or timed out.
    pub fn code(&self) -> Option<i32> {
        self.status.and_then(|s| s.code())
    }
    pub fn stdout_str(&self) -> String {
        String::from_utf8_lossy(&self.stdout).into_owned()
    }
    pub fn stderr_str(&self) -> String {
        String::from_utf8_lossy(&self.stderr).into_owned()
    }
    /// A short description of how the process ended.
    pub fn describe_status(&self) -> String {
        match self.status {
            None => format!("killed after the time limit ({:?})", self.elapsed),
            Some(s) => match s.code() {
                Some(101) => "exit code 101 (panic)".to_string(),
                Some(c) => format!("exit code {c}"),
                None => format!("killed by a signal ({s})"),
            },
        }
    }
}

/// Run `cemprobe` with `args` from the repository root; kill it after `limit`.
pub fn run_cemprobe(args: &[&str], limit: Duration) -> Run {
    // The wall clock only bounds how long the test may run; it never reaches a record.
    #[allow(clippy::disallowed_methods)]
    let start = Instant::now();
    let mut child = match Command::new(CEMPROBE)
        .args(args)
        .current_dir(repo_root())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
    {
        Ok(c) => c,
        Err(e) => {
            return Run {
                status: None,
                stdout: Vec::new(),
                stderr: format!("cannot start {CEMPROBE}: {e}").into_bytes(),
                elapsed: start.elapsed(),
            }
        }
    };
    let out = child.stdout.take().map(|mut s| {
        thread::spawn(move || {
            let mut v = Vec::new();
            let _ = s.read_to_end(&mut v);
            v
        })
    });
    let err = child.stderr.take().map(|mut s| {
        thread::spawn(move || {
            let mut v = Vec::new();
            let _ = s.read_to_end(&mut v);
            v
        })
    });
    let status = loop {
        match child.try_wait() {
            Ok(Some(s)) => break Some(s),
            Ok(None) if start.elapsed() >= limit => {
                let _ = child.kill();
                let _ = child.wait();
                break None;
            }
            Ok(None) => thread::sleep(Duration::from_millis(5)),
            Err(_) => break None,
        }
    };
    let stdout = out.and_then(|h| h.join().ok()).unwrap_or_default();
    let stderr = err.and_then(|h| h.join().ok()).unwrap_or_default();
    Run {
        status,
        stdout,
        stderr,
        elapsed: start.elapsed(),
    }
}

/// Parse NDJSON: one JSON value per non-empty line.
pub fn parse_ndjson(text: &str) -> Result<Vec<Value>, String> {
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, l)| serde_json::from_str(l).map_err(|e| format!("line {}: {e}: {l}", i + 1)))
        .collect()
}

/// A canonical single-line form of a JSON value (object keys sorted), for sorting and
/// comparing multisets whatever the key order of the serializer.
pub fn canonical(v: &Value) -> String {
    match v {
        Value::Object(m) => {
            let mut keys: Vec<&String> = m.keys().collect();
            keys.sort();
            let parts: Vec<String> = keys
                .iter()
                .map(|k| {
                    format!(
                        "{}:{}",
                        Value::String((*k).clone()),
                        canonical(&m[k.as_str()])
                    )
                })
                .collect();
            format!("{{{}}}", parts.join(","))
        }
        Value::Array(a) => format!(
            "[{}]",
            a.iter().map(canonical).collect::<Vec<_>>().join(",")
        ),
        other => other.to_string(),
    }
}

/// Pretty JSON of a list of values.
pub fn pretty_all(values: &[Value]) -> String {
    values
        .iter()
        .map(|v| serde_json::to_string_pretty(v).unwrap_or_else(|_| v.to_string()))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Paths (`a.b.c`) where two JSON values differ, for a readable summary.
pub fn diff_paths(path: &str, a: &Value, b: &Value, out: &mut Vec<String>) {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            let mut keys: Vec<&String> = x.keys().chain(y.keys()).collect();
            keys.sort();
            keys.dedup();
            for k in keys {
                let p = if path.is_empty() {
                    k.clone()
                } else {
                    format!("{path}.{k}")
                };
                match (x.get(k), y.get(k)) {
                    (Some(va), Some(vb)) => diff_paths(&p, va, vb, out),
                    (va, vb) => out.push(format!("{p}: expected {va:?}, actual {vb:?}")),
                }
            }
        }
        _ if a != b => out.push(format!("{path}: expected {a}, actual {b}")),
        _ => {}
    }
}
