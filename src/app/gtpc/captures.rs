//! GTPv2-C over third-party captures (`/work/shared/fixtures-ext`, see its MANIFEST.tsv):
//! every UDP 2123 payload must parse without panic, and the messages tshark counts must come
//! out with their types. Skipped, with a printed reason, when the directory is absent.

use std::path::PathBuf;

use super::{messages, GtpcMessage, MsgType};
use crate::capture::CaptureReader;
use crate::decode::{self, L4};

/// UDP port of GTP-C (TS 29.274 §4.2).
const GTPC_PORT: u16 = 2123;

fn ext_dir() -> Option<PathBuf> {
    crate::ext_fixtures::dir()
}

/// Every message (or error name) of every UDP 2123 payload of a capture, in order.
fn run(file: &str) -> Option<Vec<Result<GtpcMessage, &'static str>>> {
    let Some(dir) = ext_dir() else {
        println!("skipping: fixtures-ext not found");
        return None;
    };
    let path = dir.join(file);
    if !path.exists() {
        println!("skipping {file}: absent");
        return None;
    }
    let mut out = Vec::new();
    let mut reader = CaptureReader::open(&path).expect("capture opens");
    let _ = reader.run(&mut |block, p| {
        let data = p.data(block);
        let Ok(d) = decode::frame(p.link, data, p.wire_len) else {
            return;
        };
        let L4::Udp(u) = d.l4 else { return };
        if u.src_port != GTPC_PORT && u.dst_port != GTPC_PORT {
            return;
        }
        out.extend(messages(u.payload).map(|r| r.map_err(|e| e.name())));
    });
    println!("{file}: {out:#?}");
    Some(out)
}

fn types(msgs: &[Result<GtpcMessage, &'static str>]) -> Vec<MsgType> {
    msgs.iter()
        .filter_map(|m| m.as_ref().ok().map(|m| m.header.msg_type))
        .collect()
}

#[test]
fn ndpi_gtp_c() {
    let Some(msgs) = run("nDPI/tests/cfgs/default/pcap/gtp_c.pcap") else {
        return;
    };
    assert_eq!(
        types(&msgs),
        vec![
            MsgType::CREATE_SESSION_REQUEST,
            MsgType::CREATE_SESSION_RESPONSE,
            MsgType::DELETE_SESSION_REQUEST,
            MsgType::DELETE_SESSION_RESPONSE,
        ]
    );
    let csr = msgs[0].as_ref().unwrap();
    assert_eq!(csr.imsi.as_deref(), Some("987654112233445"));
    assert_eq!(csr.apn.as_deref(), Some("internet"));
    // The ECGI octets are 12 34 56 78: the spare high nibble is 1, so the 28-bit ECI is
    // 0x2345678 (tshark 4.0 prints the unmasked 0x12345678 = 305419896).
    let cell = csr.uli.and_then(|u| u.cell());
    assert_eq!(cell.as_deref(), Some("ecgi:896-457-36984440"));
    let resp = msgs[1].as_ref().unwrap();
    assert_eq!(resp.cause.map(|c| c.value), Some(16));
    assert_eq!(
        resp.paa.and_then(|p| p.ipv4),
        Some(std::net::Ipv4Addr::new(33, 23, 23, 1))
    );
    assert!(msgs.iter().flatten().all(|m| m.ie_error.is_none()));
}

#[test]
fn pcapplusplus_gtpv2() {
    let Some(msgs) = run("PcapPlusPlus/Tests/Packet++Test/PacketExamples/gtpv2.pcap") else {
        return;
    };
    // Frame 2 piggybacks a Create Session Response on an Echo Request; frame 4's Echo Request
    // sets P with two stray octets after it (tshark: malformed); frame 6 is a Modify Bearer
    // Request whose length field (42) runs past the 12 octets of its datagram.
    assert_eq!(
        types(&msgs),
        vec![
            MsgType::MODIFY_BEARER_REQUEST,
            MsgType::ECHO_REQUEST,
            MsgType::CREATE_SESSION_RESPONSE,
            MsgType::ECHO_REQUEST,
            MsgType::MODIFY_BEARER_REQUEST,
        ]
    );
    let errors: Vec<_> = msgs.iter().filter_map(|m| m.as_ref().err()).collect();
    assert_eq!(errors, [&"gtpc_bad_version", &"gtpc_truncated"]);
    assert!(msgs.iter().flatten().all(|m| m.ie_error.is_none()));
}
