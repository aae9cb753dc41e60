//! Fixture generator: `cargo run --bin cemprobe-fixtures -- fixtures` (re)writes
//! `fixtures/<case>/input.pcap` (or `input.pcapng`) and `fixtures/<case>/README.md` for every
//! end-to-end case (STYLE rule 13).
//!
//! What it owns: building the frames (etherparse `PacketBuilder` where it fits, hand-built bytes
//! for MPLS, GRE/ERSPAN, VXLAN, GTP-U, SLL2, IP fragments and malformed frames) and writing them
//! with a tiny pcap / pcapng writer. Output is deterministic: fixed timestamps, no randomness.
//!
//! What it refuses to do: compute expected values. `expected.ndjson` and `expected-stats.json`
//! are written by hand next to the input; the README's hand calculation is literal text in
//! [`cases`]. The generator never mirrors the probe's logic.
#![forbid(unsafe_code)]

#[path = "cemprobe-fixtures/app_cases.rs"]
mod app_cases;
#[path = "cemprobe-fixtures/build.rs"]
mod build;
#[path = "cemprobe-fixtures/cases.rs"]
mod cases;
#[path = "cemprobe-fixtures/quic_vectors.rs"]
mod quic_vectors;
#[path = "cemprobe-fixtures/write.rs"]
mod write;

use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};

fn main() -> Result<()> {
    let mut args = std::env::args_os().skip(1);
    let Some(dir) = args.next() else {
        bail!("usage: cemprobe-fixtures <fixtures-dir> | --fuzz-seeds <fixtures-dir> <seeds-dir>");
    };
    if dir == "--fuzz-seeds" {
        let (Some(fixtures), Some(seeds)) = (args.next(), args.next()) else {
            bail!("usage: cemprobe-fixtures --fuzz-seeds <fixtures-dir> <seeds-dir>");
        };
        return fuzz_seeds(Path::new(&fixtures), Path::new(&seeds));
    }
    let dir = PathBuf::from(dir);
    let all = cases::all()?;
    for case in &all {
        write_case(&dir, case).with_context(|| format!("case {}", case.name))?;
    }
    eprintln!("Wrote {} fixture cases to {}.", all.len(), dir.display());
    Ok(())
}

/// Seed the fuzz corpora from the fixtures: every frame (with its link type as a 2-byte
/// big-endian prefix) for `frame`, every whole capture file for `capture_file`,
/// `pipeline` and `read_workers`, and the L4 payloads of DNS, HTTP, TLS and QUIC packets for
/// the app targets `dns`, `http`, `tls` and `quic`.
fn fuzz_seeds(fixtures: &Path, seeds: &Path) -> Result<()> {
    let frame_dir = seeds.join("frame");
    std::fs::create_dir_all(&frame_dir)?;
    let mut frames = 0;
    let mut files = 0;
    let mut entries: Vec<_> = std::fs::read_dir(fixtures)?
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .collect();
    entries.sort();
    for case in entries.iter().filter(|p| p.is_dir()) {
        for name in ["input.pcap", "input.pcapng"] {
            let input = case.join(name);
            if !input.exists() {
                continue;
            }
            let case_name = case
                .file_name()
                .unwrap_or_default()
                .to_string_lossy()
                .into_owned();
            let bytes = std::fs::read(&input)?;
            for target in ["capture_file", "pipeline", "read_workers"] {
                let dir = seeds.join(target);
                std::fs::create_dir_all(&dir)?;
                std::fs::write(dir.join(format!("{case_name}-{name}")), &bytes)?;
            }
            files += 1;
            let mut reader = cemprobe::capture::CaptureReader::from_bytes(&case_name, bytes);
            let mut i = 0;
            let mut out = Vec::new();
            let mut app = Vec::new();
            let _ = reader.run(&mut |block, p| {
                let mut seed = p.link.0.to_be_bytes().to_vec();
                seed.extend_from_slice(p.data(block));
                out.push((format!("{case_name}-{i}"), seed));
                if let Some((target, payload)) = app_payload(p.link, p.data(block), p.wire_len) {
                    app.push((target, format!("{case_name}-{i}"), payload));
                }
                i += 1;
            });
            for (n, seed) in out {
                std::fs::write(frame_dir.join(n), seed)?;
                frames += 1;
            }
            for (target, n, payload) in app {
                let dir = seeds.join(target);
                std::fs::create_dir_all(&dir)?;
                std::fs::write(dir.join(n), payload)?;
                frames += 1;
            }
        }
    }
    eprintln!(
        "Wrote {frames} frame seeds and {files} capture seeds to {}.",
        seeds.display()
    );
    Ok(())
}

/// The app fuzz target a fixture frame's L4 payload seeds (by port), with the payload.
fn app_payload(
    link: cemprobe::capture::LinkType,
    data: &[u8],
    wire_len: u32,
) -> Option<(&'static str, Vec<u8>)> {
    use cemprobe::decode::L4;
    let d = cemprobe::decode::frame(link, data, wire_len).ok()?;
    let (target, payload) = match d.l4 {
        L4::Udp(u) if u.src_port == 53 || u.dst_port == 53 => ("dns", u.payload),
        L4::Udp(u) if u.src_port == 443 || u.dst_port == 443 => ("quic", u.payload),
        L4::Tcp(t) if t.src_port == 53 || t.dst_port == 53 => ("dns", t.payload),
        L4::Tcp(t) if t.src_port == 443 || t.dst_port == 443 => ("tls", t.payload),
        L4::Tcp(t) if [80, 8080].contains(&t.src_port) || [80, 8080].contains(&t.dst_port) => {
            ("http", t.payload)
        }
        _ => return None,
    };
    (!payload.is_empty()).then(|| (target, payload.to_vec()))
}

fn write_case(root: &Path, case: &cases::Case) -> Result<()> {
    let dir = root.join(case.name);
    std::fs::create_dir_all(&dir)?;
    let (file_name, bytes) = match &case.format {
        cases::Format::Pcap { link } => ("input.pcap", write::pcap(*link, &case.packets)),
        cases::Format::Pcapng { interfaces } => {
            ("input.pcapng", write::pcapng(interfaces, &case.packets))
        }
    };
    // Remove a stale input of the other format so the test glob finds exactly one.
    for other in ["input.pcap", "input.pcapng"] {
        if other != file_name {
            let p = dir.join(other);
            if p.exists() {
                std::fs::remove_file(p)?;
            }
        }
    }
    std::fs::write(dir.join(file_name), bytes)?;
    std::fs::write(dir.join("README.md"), readme(case, file_name))?;
    Ok(())
}

fn readme(case: &cases::Case, file_name: &str) -> String {
    let mut s = String::new();
    s.push_str(&format!("# {}\n\n", case.name));
    s.push_str("Generated by `cargo run --bin cemprobe-fixtures -- fixtures` (do not edit `");
    s.push_str(file_name);
    s.push_str("` or this file by hand; edit `src/bin/cemprobe-fixtures/cases.rs`).\n");
    s.push_str("`expected.ndjson` and `expected-stats.json` are written by hand from the calculation below.\n\n");
    s.push_str("## What it tests\n\n");
    s.push_str(case.what.trim());
    s.push_str("\n\n## Input\n\n");
    s.push_str(&format!("`{file_name}`, {}.\n", case.format.describe()));
    s.push_str("Base time T0 = 1700000000.000000 s (= 1700000000000000 µs); `t` is the offset from T0.\n\n");
    s.push_str("| # | t (ms) | timestamp (µs) | if | caplen | wire len | packet |\n");
    s.push_str("|---|---|---|---|---|---|---|\n");
    for (i, p) in case.packets.iter().enumerate() {
        s.push_str(&format!(
            "| {} | {} | {} | {} | {} | {} | {} |\n",
            i + 1,
            fmt_ms(p.t_us),
            cases::T0_US + p.t_us,
            p.iface,
            p.data.len(),
            p.wire_len,
            p.desc
        ));
    }
    s.push_str("\n## Expected values (hand calculation)\n\n");
    s.push_str(case.calc.trim());
    s.push('\n');
    s
}

fn fmt_ms(t_us: u64) -> String {
    if t_us % 1000 == 0 {
        format!("{}", t_us / 1000)
    } else {
        format!("{}.{:03}", t_us / 1000, t_us % 1000)
    }
}
