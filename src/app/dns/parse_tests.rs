//! Parser tests: hand-written messages (every field checked), malformed names, truncations and
//! random bytes.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use proptest::prelude::*;

use super::parse::{parse, read_name, DnsError, Message, Name, NameError, MAX_POINTER_JUMPS};
use super::testkit::wire_name;
use crate::app::Parse;

/// Query id 0x1234, RD, www.example.com A IN.
const QUERY: &[u8] = &[
    0x12, 0x34, 0x01, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, // header
    3, b'w', b'w', b'w', 7, b'e', b'x', b'a', b'm', b'p', b'l', b'e', 3, b'c', b'o', b'm', 0, 0x00,
    0x01, 0x00, 0x01, // A IN (ends at 33)
];

/// Response to [`QUERY`]: QR RD RA, 3 answers (CNAME www → cdn.example.com, compressed twice;
/// A and AAAA of cdn.example.com by a pointer into the CNAME's RDATA), OPT with ext rcode 0.
const RESPONSE: &[u8] = &[
    0x12, 0x34, 0x81, 0x80, 0x00, 0x01, 0x00, 0x03, 0x00, 0x00, 0x00, 0x01, // header
    3, b'w', b'w', b'w', 7, b'e', b'x', b'a', b'm', b'p', b'l', b'e', 3, b'c', b'o', b'm', 0, 0x00,
    0x01, 0x00, 0x01, // question (12..33)
    // 33: www.example.com CNAME cdn.example.com (RDATA at 45: "cdn" + pointer to 16)
    0xc0, 0x0c, 0x00, 0x05, 0x00, 0x01, 0x00, 0x00, 0x0e, 0x10, 0x00, 0x06, 3, b'c', b'd', b'n',
    0xc0, 0x10, // 51: cdn.example.com A 93.184.216.34
    0xc0, 0x2d, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x00, 0x3c, 0x00, 0x04, 93, 184, 216, 34,
    // 67: cdn.example.com AAAA 2606:2800:220:1:248:1893:25c8:1946
    0xc0, 0x2d, 0x00, 0x1c, 0x00, 0x01, 0x00, 0x00, 0x00, 0x3c, 0x00, 0x10, 0x26, 0x06, 0x28, 0x00,
    0x02, 0x20, 0x00, 0x01, 0x02, 0x48, 0x18, 0x93, 0x25, 0xc8, 0x19, 0x46,
    // 95: OPT, root owner, UDP size 4096, ext rcode 0, version 0
    0x00, 0x00, 0x29, 0x10, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
];

/// NXDOMAIN for nope.example A, with an SOA in the authority section (owner: pointer to 17,
/// "example"), no answers.
const NXDOMAIN: &[u8] = &[
    0xbe, 0xef, 0x81, 0x83, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, // header
    4, b'n', b'o', b'p', b'e', 7, b'e', b'x', b'a', b'm', b'p', b'l', b'e', 0, 0x00, 0x01, 0x00,
    0x01, // question (12..30)
    // 30: example SOA ns.example. host.example. 1 2 3 4 5
    0xc0, 0x11, 0x00, 0x06, 0x00, 0x01, 0x00, 0x00, 0x00, 0x3c, 0x00, 0x20, 2, b'n', b's', 0xc0,
    0x11, 4, b'h', b'o', b's', b't', 0xc0, 0x11, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0, 4, 0,
    0, 0, 5,
];

fn done(data: &[u8]) -> (Message, usize) {
    match parse(data) {
        Parse::Done { value, consumed } => (value, consumed),
        other => panic!("expected Done, got {other:?}"),
    }
}

fn qname(m: &Message) -> String {
    m.question.expect("question").name.to_dotted()
}

#[test]
fn query_every_field() {
    let (m, consumed) = done(QUERY);
    assert_eq!(consumed, QUERY.len());
    let h = m.header;
    assert_eq!(h.id, 0x1234);
    assert!(!h.is_response());
    assert_eq!(h.opcode(), 0);
    assert!(!h.truncated());
    assert_eq!(h.rcode(), 0);
    assert_eq!((h.qdcount, h.ancount, h.nscount, h.arcount), (1, 0, 0, 0));
    let q = m.question.unwrap();
    assert_eq!(q.name.to_dotted(), "www.example.com");
    assert_eq!(q.name.wire(), &QUERY[12..28]);
    assert_eq!((q.qtype, q.qclass), (1, 1));
    assert_eq!(m.ext_rcode, None);
    assert_eq!(m.rcode(), 0);
    assert!(m.addrs.as_slice().is_empty());
    assert_eq!(m.stop, None);
}

#[test]
fn response_with_compression_every_field() {
    let (m, consumed) = done(RESPONSE);
    assert_eq!(consumed, RESPONSE.len());
    let h = m.header;
    assert_eq!(h.id, 0x1234);
    assert!(h.is_response());
    assert_eq!(h.flags, 0x8180);
    assert_eq!((h.qdcount, h.ancount, h.nscount, h.arcount), (1, 3, 0, 1));
    assert_eq!(qname(&m), "www.example.com");
    assert_eq!(m.question.unwrap().qtype, 1);
    assert_eq!(m.ext_rcode, Some(0));
    assert_eq!(m.rcode(), 0);
    let v6: Ipv6Addr = "2606:2800:220:1:248:1893:25c8:1946".parse().unwrap();
    assert_eq!(
        m.addrs.as_slice(),
        &[IpAddr::V4(Ipv4Addr::new(93, 184, 216, 34)), IpAddr::V6(v6)]
    );
    assert_eq!(m.stop, None);
    // The CNAME target decompresses across two runs.
    let mut n = Name::default();
    assert_eq!(read_name(RESPONSE, 45, Some(&mut n)), Ok(51));
    assert_eq!(n.to_dotted(), "cdn.example.com");
}

#[test]
fn nxdomain_with_soa() {
    let (m, consumed) = done(NXDOMAIN);
    assert_eq!(consumed, NXDOMAIN.len());
    assert_eq!(m.header.id, 0xbeef);
    assert_eq!(m.rcode(), 3);
    assert_eq!(qname(&m), "nope.example");
    assert!(m.addrs.as_slice().is_empty());
    assert_eq!(m.stop, None);
}

#[test]
fn servfail_and_edns_extended_rcode() {
    let mut servfail = QUERY.to_vec();
    servfail[2] = 0x81;
    servfail[3] = 0x82;
    let (m, _) = done(&servfail);
    assert_eq!((m.rcode(), m.ext_rcode), (2, None));

    // OPT with EXTENDED-RCODE 1 and header rcode 0: BADVERS (16).
    let mut badvers = RESPONSE.to_vec();
    badvers[95 + 5] = 1;
    let (m, _) = done(&badvers);
    assert_eq!((m.ext_rcode, m.rcode()), (Some(1), 16));
    // Extended bits combine with the header's: (0xff << 4) | 0xf.
    badvers[95 + 5] = 0xff;
    badvers[3] |= 0x0f;
    assert_eq!(done(&badvers).0.rcode(), 4095);
}

#[test]
fn root_no_question_and_escapes() {
    let mut root = QUERY[..12].to_vec();
    root.extend_from_slice(&[0, 0, 2, 0, 1]);
    let (m, consumed) = done(&root);
    assert_eq!(
        (qname(&m), m.question.unwrap().qtype, consumed),
        (".".into(), 2, 17)
    );

    let mut none = QUERY[..12].to_vec();
    none[5] = 0;
    let (m, consumed) = done(&none);
    assert_eq!((m.question, consumed), (None, 12));

    let mut esc = QUERY[..12].to_vec();
    esc.extend_from_slice(&[
        3, b'a', b'.', b'b', 1, b'\\', 4, b' ', 0xff, 0x7f, b'Z', 0, 0, 1, 0, 1,
    ]);
    assert_eq!(qname(&done(&esc).0), "a\\046b.\\092.\\032\\255\\127Z");
}

#[test]
fn name_equality_ignores_case() {
    let mut upper = QUERY.to_vec();
    upper[13] = b'W';
    let a = done(QUERY).0.question.unwrap().name;
    let b = done(&upper).0.question.unwrap().name;
    assert_eq!(a, b);
    assert_eq!(b.to_dotted(), "Www.example.com");
    let mut other = QUERY.to_vec();
    other[13] = b'x';
    assert_ne!(a, done(&other).0.question.unwrap().name);
}

/// A query header followed by `name` bytes and A IN.
fn with_qname(name: &[u8]) -> Vec<u8> {
    let mut v = QUERY[..12].to_vec();
    v.extend_from_slice(name);
    v.extend_from_slice(&[0, 1, 0, 1]);
    v
}

#[test]
fn malformed_question_names() {
    let cases: &[(&[u8], DnsError)] = &[
        (&[0xc0, 0x0c], DnsError::PointerLoop), // points at itself
        (&[1, b'a', 0xc0, 0x0c], DnsError::PointerLoop), // back to its own start
        (&[1, b'a', 0xc0, 0x0d], DnsError::PointerLoop), // into its own run
        (&[0xc0, 0x0f], DnsError::PointerForward), // after itself, inside the message
        (&[0xc0, 0xff], DnsError::BadPointer),  // beyond the message
        (&[0xff, 0xff], DnsError::BadPointer),  // beyond the message (max offset)
        (&[0xc0, 0x02], DnsError::BadPointer),  // into the header
        (&[0x40, b'a', 0], DnsError::BadLabelType), // extended label type
        (&[0x80, b'a', 0], DnsError::BadLabelType), // reserved
        (&[1, b'a', 0x7f, b'a', 0], DnsError::BadLabelType), // "length 127"
    ];
    for &(name, err) in cases {
        assert_eq!(parse(&with_qname(name)), Parse::Malformed(err), "{name:x?}");
    }
}

#[test]
fn name_length_limit() {
    // 3 labels of 63 + one of 61: 3*64 + 62 + 1 = 255 octets, the maximum.
    let mut max = Vec::new();
    for len in [63u8, 63, 63, 61] {
        max.push(len);
        max.extend(std::iter::repeat_n(b'x', usize::from(len)));
    }
    max.push(0);
    assert_eq!(max.len(), 255);
    let (m, _) = done(&with_qname(&max));
    assert_eq!(m.question.unwrap().name.wire().len(), 254);
    // One octet more.
    let mut long = max.clone();
    long[192] = 62;
    long.insert(193, b'y');
    assert_eq!(
        parse(&with_qname(&long)),
        Parse::Malformed(DnsError::NameTooLong)
    );
    // Too long only through a pointer: "x"*63 + pointer to a 255-octet name.
    let mut msg = with_qname(&max);
    let name2 = msg.len();
    msg[7] = 1; // ANCOUNT 1
    msg.extend_from_slice(&[63]);
    msg.extend(std::iter::repeat_n(b'z', 63));
    msg.extend_from_slice(&[0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0, 0, 0, 4, 1, 2, 3, 4]);
    assert_eq!(
        read_name(&msg, name2, None),
        Err(NameError::Malformed(DnsError::NameTooLong))
    );
    assert_eq!(done(&msg).0.stop, Some(DnsError::NameTooLong));
}

/// A response whose one answer's owner name is a chain of `n` pointers, each to the one
/// before, the first to the question name.
fn pointer_chain(n: usize) -> Vec<u8> {
    let mut v = with_qname(&wire_name("a.example"));
    v[2] = 0x81;
    v[7] = 2; // ANCOUNT 2
              // Answer 1: a.example NULL with the chain as RDATA.
    let rdata_at = v.len() + 12;
    v.extend_from_slice(&[0xc0, 0x0c, 0, 10, 0, 1, 0, 0, 0, 0]);
    v.extend_from_slice(&((2 * n) as u16).to_be_bytes());
    let mut target = 12u16;
    for i in 0..n {
        v.extend_from_slice(&(0xc000 | target).to_be_bytes());
        target = (rdata_at + 2 * i) as u16;
    }
    // Answer 2: its owner is the last pointer of the chain; A 1.2.3.4.
    v.extend_from_slice(&(0xc000 | target).to_be_bytes());
    v.extend_from_slice(&[0, 1, 0, 1, 0, 0, 0, 0, 0, 4, 1, 2, 3, 4]);
    v
}

#[test]
fn pointer_jump_cap() {
    // Answer 2's name takes 1 + n jumps.
    let ok = pointer_chain(MAX_POINTER_JUMPS - 1);
    let (m, consumed) = done(&ok);
    assert_eq!((m.stop, consumed), (None, ok.len()));
    assert_eq!(m.addrs.as_slice(), &[IpAddr::V4(Ipv4Addr::new(1, 2, 3, 4))]);
    let bad = pointer_chain(MAX_POINTER_JUMPS);
    let (m, _) = done(&bad);
    assert_eq!(m.stop, Some(DnsError::TooManyPointers));
    assert!(m.addrs.as_slice().is_empty());
}

#[test]
fn malformed_records_after_the_question() {
    // A with 3 octets of RDATA.
    let mut bad_a = RESPONSE[..51].to_vec();
    bad_a[7] = 2;
    bad_a[11] = 0;
    bad_a.extend_from_slice(&[0xc0, 0x2d, 0, 1, 0, 1, 0, 0, 0, 0, 0, 3, 1, 2, 3]);
    let (m, consumed) = done(&bad_a);
    assert_eq!((m.stop, consumed), (Some(DnsError::BadRdata), 51));
    assert_eq!(qname(&m), "www.example.com");
    // An answer owner pointing at itself.
    let mut lp = RESPONSE[..33].to_vec();
    lp[7] = 1;
    lp[11] = 0;
    lp.extend_from_slice(&[0xc0, 33, 0, 1, 0, 1, 0, 0, 0, 0, 0, 4, 1, 2, 3, 4]);
    assert_eq!(done(&lp).0.stop, Some(DnsError::PointerLoop));
    // Non-IN class A records are not addresses.
    let mut chaos = RESPONSE.to_vec();
    chaos[51 + 5] = 3;
    assert_eq!(done(&chaos).0.addrs.as_slice().len(), 1);
}

/// Every prefix of a valid message: `NeedMore` up to the end of the question, then `Done` with
/// `stop = Truncated` (what was read before kept), and the full message clean.
fn check_prefixes(msg: &[u8], question_end: usize) {
    for len in 0..=msg.len() {
        let r = parse(&msg[..len]);
        if len < 12 {
            assert_eq!(r, Parse::NeedMore { needed: 12 }, "len {len}");
        } else if len < question_end {
            match r {
                Parse::NeedMore { needed } => {
                    assert!(
                        needed > len && needed <= question_end,
                        "len {len} needed {needed}"
                    )
                }
                other => panic!("len {len}: {other:?}"),
            }
        } else {
            let (m, consumed) = done(&msg[..len]);
            assert!(consumed <= len);
            assert_eq!(m.header, done(msg).0.header);
            assert_eq!(m.question, done(msg).0.question);
            let want = if len == msg.len() {
                None
            } else {
                Some(DnsError::Truncated)
            };
            assert_eq!(m.stop, want, "len {len}");
        }
    }
}

#[test]
fn every_truncation() {
    check_prefixes(QUERY, 33);
    check_prefixes(RESPONSE, 33);
    check_prefixes(NXDOMAIN, 30);
    check_prefixes(&pointer_chain(5), 27);
}

/// Strategy: a name of 0..6 labels of 1..20 arbitrary bytes.
fn labels() -> impl Strategy<Value = Vec<Vec<u8>>> {
    prop::collection::vec(prop::collection::vec(any::<u8>(), 1..20), 0..6)
}

fn encode_labels(labels: &[Vec<u8>]) -> Vec<u8> {
    let mut v = Vec::new();
    for l in labels {
        v.push(l.len() as u8);
        v.extend_from_slice(l);
    }
    v.push(0);
    v
}

/// Reference renderer for the escaping rule.
fn render(labels: &[Vec<u8>]) -> String {
    if labels.is_empty() {
        return ".".into();
    }
    let esc = |l: &Vec<u8>| -> String {
        l.iter()
            .map(|&b| match b {
                b'!'..=b'~' if b != b'.' && b != b'\\' => (b as char).to_string(),
                _ => format!("\\{b:03}"),
            })
            .collect()
    };
    labels.iter().map(esc).collect::<Vec<_>>().join(".")
}

proptest! {
    #[test]
    fn built_response_round_trips(
        id in any::<u16>(),
        qtype in any::<u16>(),
        name in labels(),
        addrs in prop::collection::vec(any::<(bool, u128)>(), 0..40),
        cut in any::<prop::sample::Index>(),
    ) {
        let addrs: Vec<IpAddr> = addrs
            .iter()
            .map(|&(v4, x)| if v4 { IpAddr::V4(Ipv4Addr::from(x as u32)) } else { IpAddr::V6(Ipv6Addr::from(x)) })
            .collect();
        let mut msg = vec![0, 0, 0x81, 0x80, 0, 1, 0, 0, 0, 0, 0, 0];
        msg[..2].copy_from_slice(&id.to_be_bytes());
        msg[6..8].copy_from_slice(&(addrs.len() as u16).to_be_bytes());
        msg.extend_from_slice(&encode_labels(&name));
        msg.extend_from_slice(&qtype.to_be_bytes());
        msg.extend_from_slice(&[0, 1]);
        let question_end = msg.len();
        for a in &addrs {
            msg.extend_from_slice(&[0xc0, 0x0c]);
            match a {
                IpAddr::V4(a) => { msg.extend_from_slice(&[0, 1, 0, 1, 0, 0, 0, 1, 0, 4]); msg.extend_from_slice(&a.octets()) }
                IpAddr::V6(a) => { msg.extend_from_slice(&[0, 28, 0, 1, 0, 0, 0, 1, 0, 16]); msg.extend_from_slice(&a.octets()) }
            }
        }
        let (m, consumed) = done(&msg);
        prop_assert_eq!(consumed, msg.len());
        prop_assert_eq!(m.header.id, id);
        prop_assert_eq!(m.question.unwrap().qtype, qtype);
        prop_assert_eq!(m.question.unwrap().name.to_dotted(), render(&name));
        prop_assert_eq!(m.addrs.as_slice(), &addrs[..addrs.len().min(super::MAX_ADDRS)]);
        prop_assert_eq!(m.stop, None);

        let len = cut.index(msg.len());
        match parse(&msg[..len]) {
            Parse::NeedMore { needed } => prop_assert!(len < question_end && needed > len),
            Parse::Done { value, consumed } => {
                prop_assert!(len >= question_end && consumed <= len);
                prop_assert_eq!(value.stop, Some(DnsError::Truncated));
                prop_assert!(value.addrs.as_slice().len() <= m.addrs.as_slice().len());
            }
            Parse::Malformed(e) => prop_assert!(false, "prefix {} malformed: {:?}", len, e),
        }
    }

    #[test]
    fn random_bytes_never_panic(data in prop::collection::vec(any::<u8>(), 0..600)) {
        if let Parse::Done { value, consumed } = parse(&data) {
            prop_assert!(consumed <= data.len());
            prop_assert!(value.question.is_none_or(|q| q.name.wire().len() < 255));
            prop_assert!(value.rcode() < 4096);
        }
    }

    #[test]
    fn random_names_after_a_header(tail in prop::collection::vec(any::<u8>(), 0..300), pos in 0usize..320) {
        let mut msg = QUERY[..12].to_vec();
        msg.extend_from_slice(&tail);
        let mut n = Name::default();
        if let Ok(end) = read_name(&msg, pos, Some(&mut n)) {
            prop_assert!(end > pos && end <= msg.len());
            prop_assert!(n.wire().len() < 255);
        }
    }
}
