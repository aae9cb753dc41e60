//! Parser tests: hand-written messages (every field checked), piggybacking, malformed IEs,
//! truncations and random bytes.

use std::net::{Ipv4Addr, Ipv6Addr};

use proptest::prelude::*;

use super::parse::*;
use crate::app::uli::{Ecgi, Plmn, Tai};
use crate::app::Parse;

/// Create Session Request, MME → SGW, TEID 0, seq 0x001234.
const CSR: &[u8] = &[
    0x48, 0x20, 0x00, 0x93, 0x00, 0x00, 0x00, 0x00, 0x00, 0x12, 0x34, 0x00, // header, len 147
    0x01, 0x00, 0x08, 0x00, 0x21, 0x43, 0x65, 0x87, 0x09, 0x21, 0x43, 0xf5, // IMSI
    0x4c, 0x00, 0x06, 0x00, 0x94, 0x71, 0x52, 0x76, 0x00, 0x41, // MSISDN
    0x4b, 0x00, 0x08, 0x00, 0x53, 0x61, 0x20, 0x00, 0x91, 0x78, 0x84, 0x00, // MEI
    0x56, 0x00, 0x0d, 0x00, 0x18, // ULI: TAI + ECGI
    0x00, 0xf1, 0x10, 0x00, 0x01, // TAI 001-01 tac 1
    0x00, 0xf1, 0x10, 0x00, 0x00, 0x01, 0x02, // ECGI eci 258
    0x53, 0x00, 0x03, 0x00, 0x00, 0xf1, 0x10, // Serving Network (skipped)
    0x52, 0x00, 0x01, 0x00, 0x06, // RAT type E-UTRAN
    0x57, 0x00, 0x09, 0x00, 0x8a, 0x00, 0x00, 0x00, 0x01, 10, 0, 0,
    1, // sender F-TEID S11 MME
    0x57, 0x00, 0x09, 0x01, 0x87, 0x00, 0x00, 0x00, 0x00, 10, 0, 0, 2, // PGW S5/S8 (inst 1)
    0x47, 0x00, 0x0d, 0x00, 8, b'i', b'n', b't', b'e', b'r', b'n', b'e', b't', 3, b'a', b'p',
    b'n', // APN internet.apn
    0x03, 0x00, 0x01, 0x00, 0x05, // Recovery (ignored)
    0x5d, 0x00, 0x18, 0x00, // Bearer Context, 24 octets
    0x49, 0x00, 0x01, 0x00, 0x05, // EBI 5
    0x57, 0x00, 0x09, 0x00, 0x80, 0x00, 0x00, 0x00, 0x64, 192, 168, 1, 1, // S1-U eNodeB
    0x50, 0x00, 0x02, 0x00, 0xaa, 0xbb, // Bearer QoS (skipped, short on purpose)
];

/// Create Session Response, SGW → MME, TEID 1, seq 0x001234.
const CSRESP: &[u8] = &[
    0x48, 0x21, 0x00, 0x62, 0x00, 0x00, 0x00, 0x01, 0x00, 0x12, 0x34, 0x00, // header, len 98
    0x02, 0x00, 0x02, 0x00, 0x10, 0x00, // Cause: request accepted
    0x57, 0x00, 0x09, 0x00, 0x8b, 0x00, 0x00, 0x00, 0x02, 10, 0, 0, 3, // S11/S4 SGW GTP-C
    0x57, 0x00, 0x19, 0x01, 0xc7, 0x00, 0x00, 0x00, 0x03, 10, 0, 0, 4, // PGW S5/S8, v4 + v6
    0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 4, // 2001:db8::4
    0x4f, 0x00, 0x05, 0x00, 0x01, 10, 45, 0, 7, // PAA IPv4 10.45.0.7
    0x7f, 0x00, 0x01, 0x00, 0x00, // APN restriction (skipped)
    0x5d, 0x00, 0x18, 0x00, // Bearer Context, 24 octets
    0x49, 0x00, 0x01, 0x00, 0x05, // EBI 5
    0x02, 0x00, 0x02, 0x00, 0x10, 0x00, // Cause accepted
    0x57, 0x00, 0x09, 0x00, 0x81, 0x00, 0x00, 0x00, 0x65, 10, 0, 0, 5, // S1-U SGW
];

/// Delete Session Request, TEID 2, seq 7: EBI 5 (top level, kept nowhere), Indication.
const DSR: &[u8] = &[
    0x48, 0x24, 0x00, 0x13, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x07, 0x00, // header, len 19
    0x49, 0x00, 0x01, 0x00, 0x05, // EBI
    0x4d, 0x00, 0x02, 0x00, 0x08, 0x00, // Indication (skipped)
];

/// Delete Session Response, TEID 0x0a0b0c0d, seq 7: Cause 16 with the CS flag.
const DSRESP: &[u8] = &[
    0x48, 0x25, 0x00, 0x0e, 0x0a, 0x0b, 0x0c, 0x0d, 0x00, 0x00, 0x07, 0x00, // header
    0x02, 0x00, 0x02, 0x00, 0x10, 0x01, // Cause
];

/// Create Bearer Request (to be piggybacked), TEID 1, seq 8: Bearer Context with EBI 6.
const CBR: &[u8] = &[
    0x48, 0x5f, 0x00, 0x16, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x08, 0x00, // header, len 22
    0x5d, 0x00, 0x0a, 0x00, // Bearer Context, 10 octets
    0x49, 0x00, 0x01, 0x00, 0x06, // EBI 6
    0x03, 0x00, 0x01, 0x00, 0x00, // Recovery (skipped)
];

/// Echo Request: no TEID, seq 1, Recovery 5.
const ECHO: &[u8] = &[
    0x40, 0x01, 0x00, 0x09, 0x00, 0x00, 0x01, 0x00, 0x03, 0x00, 0x01, 0x00, 0x05,
];

fn done(data: &[u8]) -> GtpcMessage {
    match parse(data) {
        Parse::Done { value, consumed } => {
            assert_eq!(consumed, data.len());
            value
        }
        other => panic!("not done: {other:?}"),
    }
}

fn plmn_001_01() -> Plmn {
    Plmn {
        mcc: 1,
        mnc: 1,
        mnc_digits: 2,
    }
}

#[test]
fn create_session_request() {
    assert_eq!(CSR.len(), 4 + 147);
    let m = done(CSR);
    assert_eq!(
        m.header,
        Header {
            version: 2,
            piggyback: false,
            msg_type: MsgType::CREATE_SESSION_REQUEST,
            length: 147,
            teid: Some(0),
            seq: 0x1234,
            priority: None,
        }
    );
    assert_eq!(m.header.msg_type.to_string(), "create_session_request");
    assert_eq!(m.imsi.as_deref(), Some("123456789012345"));
    assert_eq!(m.msisdn.as_deref(), Some("491725670014"));
    assert_eq!(m.mei.as_deref(), Some("3516020019874800"));
    assert_eq!(m.apn.as_deref(), Some("internet.apn"));
    let uli = m.uli.expect("uli");
    assert_eq!(
        uli.tai,
        Some(Tai {
            plmn: plmn_001_01(),
            tac: 1
        })
    );
    assert_eq!(
        uli.ecgi,
        Some(Ecgi {
            plmn: plmn_001_01(),
            eci: 258
        })
    );
    assert_eq!(uli.cell().as_deref(), Some("ecgi:001-01-258"));
    assert_eq!(m.rat_type, Some(RatType::EUTRAN));
    assert_eq!(m.paa, None);
    assert_eq!(m.cause, None);
    assert_eq!(
        m.fteids,
        vec![
            Fteid {
                instance: 0,
                interface: FteidInterface::S11_MME_GTPC,
                teid: 1,
                ipv4: Some(Ipv4Addr::new(10, 0, 0, 1)),
                ipv6: None,
            },
            Fteid {
                instance: 1,
                interface: FteidInterface::S5S8_PGW_GTPC,
                teid: 0,
                ipv4: Some(Ipv4Addr::new(10, 0, 0, 2)),
                ipv6: None,
            },
        ]
    );
    assert_eq!(
        m.bearer_contexts,
        vec![BearerContext {
            instance: 0,
            ebi: Some(5),
            cause: None,
            fteids: vec![Fteid {
                instance: 0,
                interface: FteidInterface::S1U_ENODEB,
                teid: 100,
                ipv4: Some(Ipv4Addr::new(192, 168, 1, 1)),
                ipv6: None,
            }],
        }]
    );
    assert_eq!(m.ie_error, None);
}

#[test]
fn create_session_response() {
    assert_eq!(CSRESP.len(), 4 + 98);
    let m = done(CSRESP);
    assert_eq!(m.header.msg_type, MsgType::CREATE_SESSION_RESPONSE);
    assert_eq!(m.header.teid, Some(1));
    assert_eq!(m.header.seq, 0x1234);
    assert!(!m.header.piggyback);
    let accepted = Cause {
        value: Cause::ACCEPTED,
        pce: false,
        bce: false,
        cs: false,
    };
    assert_eq!(m.cause, Some(accepted));
    assert!(accepted.is_accepted());
    assert_eq!(
        m.paa,
        Some(Paa {
            pdn_type: PdnType::IPV4,
            ipv4: Some(Ipv4Addr::new(10, 45, 0, 7)),
            ipv6: None,
        })
    );
    assert_eq!(
        m.fteids,
        vec![
            Fteid {
                instance: 0,
                interface: FteidInterface::S11S4_SGW_GTPC,
                teid: 2,
                ipv4: Some(Ipv4Addr::new(10, 0, 0, 3)),
                ipv6: None,
            },
            Fteid {
                instance: 1,
                interface: FteidInterface::S5S8_PGW_GTPC,
                teid: 3,
                ipv4: Some(Ipv4Addr::new(10, 0, 0, 4)),
                ipv6: Some(Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 4)),
            },
        ]
    );
    assert_eq!(
        m.bearer_contexts,
        vec![BearerContext {
            instance: 0,
            ebi: Some(5),
            cause: Some(accepted),
            fteids: vec![Fteid {
                instance: 0,
                interface: FteidInterface::S1U_SGW,
                teid: 0x65,
                ipv4: Some(Ipv4Addr::new(10, 0, 0, 5)),
                ipv6: None,
            }],
        }]
    );
    assert_eq!(
        (m.imsi, m.msisdn, m.mei, m.apn, m.uli),
        (None, None, None, None, None)
    );
    assert_eq!(m.rat_type, None);
    assert_eq!(m.ie_error, None);
}

#[test]
fn delete_session_and_echo() {
    let m = done(DSR);
    assert_eq!(m.header.msg_type, MsgType::DELETE_SESSION_REQUEST);
    assert_eq!((m.header.teid, m.header.seq), (Some(2), 7));
    assert_eq!(m.bearer_contexts, vec![]);
    assert_eq!(m.ie_error, None);
    let m = done(DSRESP);
    assert_eq!(m.header.msg_type.to_string(), "delete_session_response");
    assert_eq!(m.header.teid, Some(0x0a0b_0c0d));
    assert_eq!(
        m.cause,
        Some(Cause {
            value: 16,
            pce: false,
            bce: false,
            cs: true
        })
    );
    let m = done(ECHO);
    assert_eq!(m.header.msg_type, MsgType::ECHO_REQUEST);
    assert_eq!(m.header.teid, None);
    assert_eq!(m.header.len(), HEADER_LEN);
    assert_eq!(m.header.seq, 1);
    assert_eq!(m, {
        let mut e = GtpcMessage::default();
        e.header = m.header;
        e
    });
    // Unknown message types are numbers.
    let mut other = ECHO.to_vec();
    other[1] = 200;
    assert_eq!(done(&other).header.msg_type.to_string(), "200");
}

#[test]
fn priority_flag() {
    let mut d = DSR.to_vec();
    d[0] |= 0x04;
    d[11] = 0x50;
    assert_eq!(done(&d).header.priority, Some(5));
}

fn piggybacked() -> Vec<u8> {
    let mut d = CSRESP.to_vec();
    d[0] |= 0x10;
    d.extend_from_slice(CBR);
    d
}

#[test]
fn piggybacked_pair() {
    let d = piggybacked();
    match parse(&d) {
        Parse::Done { value, consumed } => {
            assert_eq!(consumed, CSRESP.len());
            assert!(value.header.piggyback);
        }
        other => panic!("{other:?}"),
    }
    let all: Vec<_> = messages(&d).collect();
    assert_eq!(all.len(), 2);
    let first = all[0].as_ref().unwrap();
    assert_eq!(first.header.msg_type, MsgType::CREATE_SESSION_RESPONSE);
    assert_eq!(
        first.paa.and_then(|p| p.ipv4),
        Some(Ipv4Addr::new(10, 45, 0, 7))
    );
    let second = all[1].as_ref().unwrap();
    assert_eq!(second.header.msg_type, MsgType::CREATE_BEARER_REQUEST);
    assert_eq!((second.header.teid, second.header.seq), (Some(1), 8));
    assert_eq!(second.bearer_contexts.len(), 1);
    assert_eq!(second.bearer_contexts[0].ebi, Some(6));

    // A single message, trailing bytes ignored.
    let mut t = CSR.to_vec();
    t.extend_from_slice(&[0, 0, 0]);
    assert_eq!(messages(&t).count(), 1);
    // P flag with nothing after it.
    let mut p = CSRESP.to_vec();
    p[0] |= 0x10;
    let r: Vec<_> = messages(&p).collect();
    assert_eq!(r.len(), 2);
    assert!(r[0].is_ok());
    assert_eq!(r[1], Err(GtpcError::Truncated));
    // The piggybacked message must not piggyback again.
    let mut pp = piggybacked();
    pp[CSRESP.len()] |= 0x10;
    pp.extend_from_slice(DSR);
    let r: Vec<_> = messages(&pp).collect();
    assert_eq!(r.len(), 3);
    assert!(r[0].is_ok() && r[1].is_ok());
    assert_eq!(r[2], Err(GtpcError::BadPiggyback));
    // Piggybacked message cut short.
    let cut = &d[..d.len() - 1];
    let r: Vec<_> = messages(cut).collect();
    assert_eq!(r[1], Err(GtpcError::Truncated));
}

#[test]
fn bad_headers() {
    let mut v1 = CSR.to_vec();
    v1[0] = 0x32;
    assert_eq!(parse(&v1), Parse::Malformed(GtpcError::BadVersion(1)));
    assert_eq!(GtpcError::BadVersion(1).name(), "gtpc_bad_version");
    assert_eq!(
        messages(&v1).collect::<Vec<_>>(),
        vec![Err(GtpcError::BadVersion(1))]
    );
    // Length shorter than the TEID header it must cover.
    let short = [0x48, 0x20, 0x00, 0x07, 0, 0, 0, 0, 0, 0, 0, 0];
    assert_eq!(parse(&short), Parse::Malformed(GtpcError::BadLength));
    // Without TEID, length 4 is the minimum.
    assert!(matches!(
        parse(&[0x40, 0x01, 0x00, 0x04, 0, 0, 1, 0]),
        Parse::Done { consumed: 8, .. }
    ));
    assert_eq!(
        parse(&[0x40, 0x01, 0x00, 0x03, 0, 0, 1, 0]),
        Parse::Malformed(GtpcError::BadLength)
    );
}

/// Build a TEID message of type 32 around `body`.
fn wrap(body: &[u8]) -> Vec<u8> {
    let len = u16::try_from(8 + body.len()).unwrap();
    let mut m = vec![0x48, 0x20];
    m.extend_from_slice(&len.to_be_bytes());
    m.extend_from_slice(&[0, 0, 0, 1, 0, 0, 9, 0]);
    m.extend_from_slice(body);
    m
}

fn ie(ty: u8, inst: u8, value: &[u8]) -> Vec<u8> {
    let mut v = vec![ty];
    v.extend_from_slice(&u16::try_from(value.len()).unwrap().to_be_bytes());
    v.push(inst);
    v.extend_from_slice(value);
    v
}

#[test]
fn bad_ie_length_ends_walk() {
    let mut body = ie(76, 0, &[0x94, 0x71]);
    body.extend_from_slice(&[0x01, 0x00, 0x20, 0x00, 0x21]); // IMSI claims 32 octets
    let m = done(&wrap(&body));
    assert_eq!(m.msisdn.as_deref(), Some("4917"));
    assert_eq!(m.imsi, None);
    assert_eq!(m.ie_error, Some(GtpcError::BadIeLength { ie: 1 }));
    assert_eq!(m.ie_error.unwrap().name(), "gtpc_bad_ie_length");
    // Fewer than 4 octets of IE header left.
    let mut body = ie(76, 0, &[0x94]);
    body.extend_from_slice(&[0x52, 0x00]);
    let m = done(&wrap(&body));
    assert_eq!(m.msisdn.as_deref(), Some("49"));
    assert_eq!(m.ie_error, Some(GtpcError::BadIeLength { ie: 82 }));
}

#[test]
fn bad_values_skip_their_ie() {
    let mut body = ie(1, 0, &[0x21, 0x4a]); // 'a' nibble
    body.extend(ie(76, 0, &[0x94, 0x71]));
    body.extend(ie(75, 0, &[0xf1, 0x23])); // filler not last
    body.extend(ie(71, 0, &[4, b'a', b'b'])); // label overruns
    body.extend(ie(87, 0, &[0x80, 0, 0, 0, 1, 10, 0])); // V4 without 4 octets
    body.extend(ie(79, 0, &[0x03, 64, 0x20])); // v4v6 too short
    body.extend(ie(2, 0, &[16])); // cause without flags
    body.extend(ie(86, 0, &[0x08, 0x00, 0xf1])); // ULI TAI cut
    body.extend(ie(82, 0, &[]));
    body.extend(ie(82, 1, &[9])); // instance 1: skipped
    body.extend(ie(1, 0, &[])); // empty IMSI
    body.extend(ie(1, 0, &[0x11; 9])); // too long
    body.extend(ie(1, 0, &[0x10, 0x32, 0xf4])); // odd digit count: "01234"
    let m = done(&wrap(&body));
    assert_eq!(m.ie_error, Some(GtpcError::BadTbcd { ie: 1 }));
    assert_eq!(m.imsi.as_deref(), Some("01234"));
    assert_eq!(m.msisdn.as_deref(), Some("4917"));
    assert_eq!(
        (m.mei, m.apn, m.paa, m.cause, m.uli),
        (None, None, None, None, None)
    );
    assert_eq!(m.fteids, vec![]);
    assert_eq!(m.rat_type, None);
    // Each error alone.
    let one = |b: Vec<u8>| done(&wrap(&b)).ie_error;
    assert_eq!(one(ie(75, 0, &[0x1f])), Some(GtpcError::BadTbcd { ie: 75 }));
    assert_eq!(one(ie(71, 0, &[4, b'a'])), Some(GtpcError::BadApn));
    assert_eq!(
        one(ie(87, 0, &[0x40, 0, 0, 0, 1, 10, 0, 0, 1])),
        Some(GtpcError::BadIeLength { ie: 87 })
    );
    assert_eq!(
        one(ie(79, 0, &[0x01, 10])),
        Some(GtpcError::BadIeLength { ie: 79 })
    );
    assert_eq!(one(ie(2, 0, &[16])), Some(GtpcError::BadIeLength { ie: 2 }));
    assert_eq!(
        one(ie(86, 0, &[0x08, 0x00, 0xf1])),
        Some(GtpcError::BadUli(crate::app::uli::UliError::Truncated))
    );
    assert_eq!(one(ie(1, 0, &[])), Some(GtpcError::BadIeLength { ie: 1 }));
    assert_eq!(
        one(ie(1, 0, &[0x11; 9])),
        Some(GtpcError::BadIeLength { ie: 1 })
    );
    // Unknown IEs, empty APN, non-IP PAA: fine.
    let mut ok = ie(250, 3, &[1, 2, 3]);
    ok.extend(ie(71, 0, &[]));
    ok.extend(ie(79, 0, &[0x04]));
    let m = done(&wrap(&ok));
    assert_eq!(m.ie_error, None);
    assert_eq!(m.apn.as_deref(), Some(""));
    assert_eq!(
        m.paa,
        Some(Paa {
            pdn_type: PdnType::NON_IP,
            ipv4: None,
            ipv6: None
        })
    );
}

#[test]
fn paa_v6_and_v4v6() {
    let mut v = vec![0x03, 64];
    v.extend_from_slice(&[0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    v.extend_from_slice(&[10, 1, 2, 3]);
    let m = done(&wrap(&ie(79, 0, &v)));
    assert_eq!(
        m.paa,
        Some(Paa {
            pdn_type: PdnType::IPV4V6,
            ipv4: Some(Ipv4Addr::new(10, 1, 2, 3)),
            ipv6: Some((Ipv6Addr::new(0x2001, 0xdb8, 1, 0, 0, 0, 0, 0), 64)),
        })
    );
    let m = done(&wrap(&ie(
        79,
        0,
        &v[..18]
            .iter()
            .map(|&b| if b == 3 { 2 } else { b })
            .collect::<Vec<_>>(),
    )));
    assert_eq!(
        m.paa,
        Some(Paa {
            pdn_type: PdnType::IPV6,
            ipv4: None,
            ipv6: Some((Ipv6Addr::new(0x2001, 0xdb8, 1, 0, 0, 0, 0, 0), 64)),
        })
    );
}

#[test]
fn caps() {
    let bc = ie(93, 0, &ie(73, 0, &[5]));
    let mut body = Vec::new();
    for _ in 0..MAX_BEARERS + 1 {
        body.extend_from_slice(&bc);
    }
    let f = ie(87, 0, &[0x80, 0, 0, 0, 1, 10, 0, 0, 1]);
    for _ in 0..MAX_FTEIDS + 2 {
        body.extend_from_slice(&f);
    }
    let m = done(&wrap(&body));
    assert_eq!(m.bearer_contexts.len(), MAX_BEARERS);
    assert_eq!(m.fteids.len(), MAX_FTEIDS);
    assert_eq!(m.ie_error, Some(GtpcError::TooManyBearers));
    let mut inner = Vec::new();
    for _ in 0..MAX_BEARER_FTEIDS + 1 {
        inner.extend_from_slice(&f);
    }
    let m = done(&wrap(&ie(93, 1, &inner)));
    assert_eq!(m.bearer_contexts[0].instance, 1);
    assert_eq!(m.bearer_contexts[0].fteids.len(), MAX_BEARER_FTEIDS);
    assert_eq!(m.ie_error, Some(GtpcError::TooManyFteids));
    // A bad inner IE length is recorded; the bearer is kept with what came before.
    let mut inner = ie(73, 0, &[7]);
    inner.extend_from_slice(&[0x57, 0x00, 0x40, 0x00]);
    let m = done(&wrap(&ie(93, 0, &inner)));
    assert_eq!(m.bearer_contexts[0].ebi, Some(7));
    assert_eq!(m.ie_error, Some(GtpcError::BadIeLength { ie: 87 }));
}

#[test]
fn every_truncation_needs_more() {
    for msg in [CSR, CSRESP, DSR, DSRESP, CBR, ECHO] {
        let hlen = if msg[0] & 0x08 != 0 { 12 } else { 8 };
        for n in 0..msg.len() {
            let needed = if n < 4 {
                4
            } else if n < hlen {
                hlen
            } else {
                msg.len()
            };
            assert_eq!(parse(&msg[..n]), Parse::NeedMore { needed }, "cut at {n}");
            let r: Vec<_> = messages(&msg[..n]).collect();
            assert_eq!(r, vec![Err(GtpcError::Truncated)]);
        }
    }
}

proptest! {
    #[test]
    fn random_bytes_never_panic(data in proptest::collection::vec(any::<u8>(), 0..256)) {
        if let Parse::Done { consumed, .. } = parse(&data) {
            prop_assert!(consumed <= data.len());
        }
        prop_assert!(messages(&data).count() <= MAX_MESSAGES + 1);
    }

    #[test]
    fn mutated_messages_never_panic(idx in 0usize..256, byte in any::<u8>(), cut in 0usize..512) {
        let mut d = piggybacked();
        let i = idx % d.len();
        d[i] = byte;
        d.truncate(cut.min(d.len()));
        for m in messages(&d).flatten() {
            prop_assert!(m.fteids.len() <= MAX_FTEIDS);
            prop_assert!(m.bearer_contexts.len() <= MAX_BEARERS);
            if let Some(uli) = m.uli {
                let _ = uli.cell();
            }
        }
    }
}
