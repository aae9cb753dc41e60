//! QUIC over third-party captures (`/work/shared/fixtures-ext`, see its MANIFEST.tsv): every
//! v1/v2 handshake must yield its ClientHello with the SNI tshark reports. Skipped, with a
//! printed reason, when the directory is absent.

use std::collections::hash_map::Entry;
use std::collections::HashMap;
use std::net::IpAddr;
use std::path::{Path, PathBuf};

use super::crypto::Side;
use super::{probe, QuicFlow};
use crate::app::{AppCounters, AppOut, TlsTxn, Txn};
use crate::capture::CaptureReader;
use crate::decode::{self, L4};
use crate::flow::Dir;

fn ext_dir() -> Option<PathBuf> {
    crate::ext_fixtures::dir()
}

type Endpoint = (IpAddr, u16);

/// What one QUIC flow of a capture gave.
#[derive(Debug)]
struct FlowResult {
    /// SNI read from the reassembled ClientHello by [`sni_of`] (independent of the TLS parser).
    raw_sni: Option<String>,
    client_hello: bool,
    server_hello: bool,
    txn: Option<TlsTxn>,
}

/// Run every UDP flow whose first packet passes `probe` through a [`QuicFlow`].
fn run(path: &Path) -> (Vec<FlowResult>, AppCounters) {
    type State = (Endpoint, QuicFlow, Vec<Txn>);
    let mut flows: HashMap<(Endpoint, Endpoint), State> = HashMap::new();
    let mut order = Vec::new();
    let mut counters = AppCounters::default();
    let mut reader = CaptureReader::open(path).expect("capture opens");
    let _ = reader.run(&mut |block, p| {
        let data = p.data(block);
        let Ok(d) = decode::frame(p.link, data, p.wire_len) else {
            return;
        };
        let L4::Udp(u) = d.l4 else { return };
        let src = (d.ip.src, u.src_port);
        let dst = (d.ip.dst, u.dst_port);
        let key = if src < dst { (src, dst) } else { (dst, src) };
        let (client, f, txns) = match flows.entry(key) {
            Entry::Occupied(e) => e.into_mut(),
            Entry::Vacant(e) => {
                if !probe(u.payload) {
                    return;
                }
                order.push(key);
                e.insert((src, QuicFlow::new(), Vec::new()))
            }
        };
        let dir = if src == *client { Dir::C2S } else { Dir::S2C };
        if !f.is_done() {
            f.on_datagram(
                p.ts,
                dir,
                u.payload,
                &mut AppOut {
                    txns,
                    counters: &mut counters,
                },
            );
        }
    });
    let mut results = Vec::new();
    for key in order {
        let Some((_, mut f, mut txns)) = flows.remove(&key) else {
            continue;
        };
        f.finish(&mut AppOut {
            txns: &mut txns,
            counters: &mut counters,
        });
        assert!(txns.len() <= 1);
        let ch = f.first_message(Side::Client);
        results.push(FlowResult {
            raw_sni: ch.and_then(|(ty, body)| (ty == 1).then(|| sni_of(body)).flatten()),
            client_hello: ch.is_some_and(|(ty, _)| ty == 1),
            server_hello: f.first_message(Side::Server).is_some_and(|(ty, _)| ty == 2),
            txn: txns.into_iter().find_map(|t| match t {
                Txn::Tls(t) => Some(t),
                _ => None,
            }),
        });
    }
    (results, counters)
}

/// Test-only SNI reader over a ClientHello body (RFC 8446 §4.1.2, RFC 6066 §3).
fn sni_of(body: &[u8]) -> Option<String> {
    fn u16_at(b: &[u8], i: usize) -> Option<usize> {
        Some(usize::from(*b.get(i)?) << 8 | usize::from(*b.get(i + 1)?))
    }
    let mut i = 2 + 32;
    i += 1 + usize::from(*body.get(i)?);
    i += 2 + u16_at(body, i)?;
    i += 1 + usize::from(*body.get(i)?);
    let ext_end = i + 2 + u16_at(body, i)?;
    i += 2;
    while i + 4 <= ext_end {
        let ty = u16_at(body, i)?;
        let len = u16_at(body, i + 2)?;
        if ty == 0 {
            // list length (2), name type (1), name length (2), name
            let n = u16_at(body, i + 7)?;
            let name = body.get(i + 9..i + 9 + n)?;
            return Some(String::from_utf8_lossy(name).into_owned());
        }
        i += 4 + len;
    }
    None
}

/// (file, SNIs expected from tshark's `tls.handshake.extensions_server_name` per QUIC v1/v2
/// ClientHello, in flow order; `""` = a ClientHello without SNI, expected QUIC version).
const CASES: [(&str, &[&str], u32); 4] = [
    ("tcpdump/tests/quic_handshake.pcap", &["localhost"], 1),
    (
        "retina/traces/quic.pcap",
        &["beacons.gvt2.com", "csp.withgoogle.com", "b1.nel.goog"],
        1,
    ),
    (
        "retina/traces/quic_retry.pcapng",
        &["127.0.0.1", "127.0.0.1"],
        1,
    ),
    (
        "zeek/testing/btest/Traces/quic/quicv2-http3-443.pcap",
        &[""],
        0x6b33_43cf,
    ),
];

#[test]
fn captures_yield_client_hellos() {
    let Some(dir) = ext_dir() else {
        println!("skipping: fixtures-ext not found");
        return;
    };
    for (file, snis, version) in CASES {
        let path = dir.join(file);
        if !path.exists() {
            println!("skipping {file}: absent");
            continue;
        }
        let (results, counters) = run(&path);
        println!("{file}: {results:#?}\n{counters:?}");
        let with_hello: Vec<&FlowResult> = results.iter().filter(|r| r.client_hello).collect();
        let got: Vec<&str> = with_hello
            .iter()
            .map(|r| r.raw_sni.as_deref().unwrap_or(""))
            .collect();
        assert_eq!(got, snis.to_vec(), "{file}");
        for r in &with_hello {
            let t = r.txn.as_ref().expect("a tls record per ClientHello");
            assert_eq!(t.quic_version, Some(version), "{file}");
            assert_eq!(r.server_hello, t.hello_us.is_some(), "{file}");
            assert!(
                r.server_hello,
                "{file}: every handshake here has a ServerHello"
            );
            assert_eq!(
                t.sni.as_deref().unwrap_or(""),
                r.raw_sni.as_deref().unwrap_or("")
            );
            assert_eq!(t.version, Some(0x0304), "{file}");
            assert_eq!(t.alpn.as_deref(), Some("h3"), "{file}");
            assert!(
                t.handshake_us.is_some(),
                "{file}: the client's 1-RTT packets are captured"
            );
        }
        assert_eq!(counters.errors, Default::default(), "{file}");
    }
    // Draft versions are not decrypted: no ClientHello from quic-23 (draft-23) but one
    // from the v1 flow of quic_0RTT.pcap (its draft-29 flow is skipped).
    let (r, _) = run(&dir.join("nDPI/tests/cfgs/default/pcap/quic-23.pcap"));
    assert!(r.iter().all(|r| !r.client_hello));
    let (r, _) = run(&dir.join("nDPI/tests/cfgs/default/pcap/quic_0RTT.pcap"));
    let got: Vec<_> = r.iter().filter_map(|r| r.raw_sni.clone()).collect();
    assert_eq!(got, vec!["ssl.gstatic.com".to_string()]);
}
