//! RADIUS over third-party captures (`/work/shared/fixtures-ext`, see its MANIFEST.tsv): every
//! UDP 1812/1813/1645/1646 payload must parse without a panic. Skipped, with a printed reason,
//! when the directory is absent.

use std::path::PathBuf;

use super::parse::{parse, AcctStatusType, RadiusError};
use crate::app::Parse;
use crate::capture::CaptureReader;
use crate::decode::{self, L4};

const PORTS: [u16; 4] = [1812, 1813, 1645, 1646];

fn ext_dir() -> Option<PathBuf> {
    crate::ext_fixtures::dir()
}

#[test]
fn radius_captures_parse() {
    let Some(dir) = ext_dir() else {
        println!("skipped: fixtures-ext directory absent");
        return;
    };
    let manifest = std::fs::read_to_string(dir.join("MANIFEST.tsv")).expect("manifest");
    let files: Vec<&str> = manifest
        .lines()
        .filter(|l| l.to_ascii_lowercase().contains("radius"))
        .filter_map(|l| l.split('\t').next())
        .collect();
    assert!(!files.is_empty(), "no RADIUS captures in the manifest");
    let mut done = 0usize;
    let mut accounting = 0usize;
    let mut framed_ip = 0usize;
    let mut statuses = Vec::new();
    let mut faults = Vec::new();
    for f in &files {
        let path = dir.join(f);
        let Ok(mut reader) = CaptureReader::open(&path) else {
            println!("skipped {f}: does not open");
            continue;
        };
        let _ = reader.run(&mut |block, p| {
            let data = p.data(block);
            let Ok(d) = decode::frame(p.link, data, p.wire_len) else {
                return;
            };
            let L4::Udp(u) = d.l4 else { return };
            if !PORTS.contains(&u.src_port) && !PORTS.contains(&u.dst_port) {
                return;
            }
            if let Parse::Done { value, consumed } = parse(u.payload) {
                assert!(consumed <= u.payload.len());
                done += 1;
                accounting += usize::from(value.code.0 == 4 || value.code.0 == 5);
                framed_ip += usize::from(value.framed_ip.is_some());
                if let Some(s) = value.acct_status_type {
                    statuses.push((f.to_string(), s));
                }
                if value.stop.is_some() || value.bad_values > 0 {
                    faults.push((f.to_string(), value.stop, value.bad_values));
                }
            }
        });
    }
    println!("radius captures: {done} packets parsed, {accounting} accounting, {framed_ip} with Framed-IP-Address");
    let has =
        |file: &str, s: AcctStatusType| statuses.iter().any(|(f, t)| f.ends_with(file) && *t == s);
    assert!(
        has("radius-acct-start.pcap", AcctStatusType::START),
        "{statuses:?}"
    );
    assert!(
        has("radius-acct-stop.pcap", AcctStatusType::STOP),
        "{statuses:?}"
    );
    assert!(
        has(
            "arkime/tests/pcap/radius.pcap",
            AcctStatusType::INTERIM_UPDATE
        ),
        "{statuses:?}"
    );
    // tcpdump's invalid-length case: the UDP payload is one byte shorter than Length (57),
    // and the last attribute (MIP6-Home-Link-Prefix, length 19) runs past the datagram.
    assert_eq!(
        faults,
        [(
            "tcpdump/tests/radius_rfc5447_invalid_length.pcap".to_string(),
            Some(RadiusError::Truncated),
            0
        )]
    );
    // MANIFEST: kprobe start/stop and arkime interim carry 3 requests + 3 responses.
    assert!(accounting >= 6, "accounting packets {accounting}");
    assert!(framed_ip >= 3, "framed_ip packets {framed_ip}");
}
