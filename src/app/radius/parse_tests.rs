//! Parser and authenticator tests from hand-written bytes.

use std::net::{Ipv4Addr, Ipv6Addr};

use md5::{Digest, Md5};
use proptest::prelude::*;

use super::parse::{parse, RadiusError, RadiusPacket};
use super::{verify_accounting_request, verify_accounting_response, AcctStatusType, Code};
use crate::app::uli::{Ecgi, Plmn, Tai, UliError};
use crate::app::Parse;

const AUTH: [u8; 16] = [
    0xa0, 0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7, 0xa8, 0xa9, 0xaa, 0xab, 0xac, 0xad, 0xae, 0xaf,
];
const SECRET: &[u8] = b"s3cret";

/// Header (Length computed) + the attributes, each given as its full wire bytes.
fn packet(code: u8, id: u8, auth: [u8; 16], attrs: &[&[u8]]) -> Vec<u8> {
    let len = 20 + attrs.iter().map(|a| a.len()).sum::<usize>();
    let mut p = vec![code, id, (len >> 8) as u8, len as u8];
    p.extend_from_slice(&auth);
    for a in attrs {
        p.extend_from_slice(a);
    }
    p
}

fn done(data: &[u8]) -> RadiusPacket {
    match parse(data) {
        Parse::Done { value, consumed } => {
            assert_eq!(consumed, usize::from(value.length).min(data.len()));
            value
        }
        other => panic!("not Done: {other:?}"),
    }
}

// Attributes, hand-written: type, length (counting type and length), value.
const STATUS_START: &[u8] = &[40, 6, 0, 0, 0, 1];
const STATUS_INTERIM: &[u8] = &[40, 6, 0, 0, 0, 3];
const STATUS_STOP: &[u8] = &[40, 6, 0, 0, 0, 2];
const USER_NAME: &[u8] = b"\x01\x0balice@apn";
const FRAMED_IP: &[u8] = &[8, 6, 10, 1, 2, 3];
const CALLING: &[u8] = b"\x1f\x0e491701234567";
const CALLED: &[u8] = b"\x1e\x0ainternet";
const NAS_IP: &[u8] = &[4, 6, 192, 168, 0, 1];
const SESSION: &[u8] = b"\x2c\x08ABC123";
const EVENT_TS: &[u8] = &[55, 6, 0x65, 0x00, 0x00, 0x10];
/// Reserved 0, prefix length 64, 8 prefix octets 2001:db8:0:1::.
const V6_PREFIX: &[u8] = &[97, 12, 0, 64, 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 1];
const V6_ADDR: &[u8] = &[
    168, 18, 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0x42,
];
/// Vendor 10415: IMSI, IMSI-MCC-MNC, SGSN-Address, RAT-Type (6 = EUTRAN), IMEISV,
/// User-Location-Info (type 130 = TAI+ECGI, 12 octets).
const VSA_3GPP: &[u8] = &[
    26, 72, 0, 0, 0x28, 0xaf, // Vendor-Specific, vendor 10415
    1, 17, b'2', b'6', b'2', b'0', b'1', b'1', b'2', b'3', b'4', b'5', b'6', b'7', b'8', b'9',
    b'0', // 3GPP-IMSI
    8, 7, b'2', b'6', b'2', b'0', b'1', // 3GPP-IMSI-MCC-MNC
    6, 6, 10, 0, 0, 1, // 3GPP-SGSN-Address
    21, 3, 6, // 3GPP-RAT-Type
    20, 18, b'3', b'5', b'3', b'4', b'9', b'0', b'0', b'6', b'9', b'8', b'7', b'3', b'3', b'6',
    b'0', b'1', // 3GPP-IMEISV
    22, 15, 130, 0x62, 0xf2, 0x10, 0x00, 0x01, 0x62, 0xf2, 0x10, 0x00, 0x12, 0x34, 0x56,
];
const IN_OCTETS: &[u8] = &[42, 6, 0, 0, 0x10, 0];
const OUT_OCTETS: &[u8] = &[43, 6, 0, 0, 0x20, 0];
const IN_GIGA: &[u8] = &[52, 6, 0, 0, 0, 1];
const OUT_GIGA: &[u8] = &[53, 6, 0, 0, 0, 2];

fn start() -> Vec<u8> {
    packet(
        4,
        7,
        AUTH,
        &[
            STATUS_START,
            USER_NAME,
            FRAMED_IP,
            CALLING,
            CALLED,
            NAS_IP,
            SESSION,
            EVENT_TS,
            V6_PREFIX,
            V6_ADDR,
            VSA_3GPP,
        ],
    )
}

/// The identity attributes every request of the session carries.
fn check_identity(p: &RadiusPacket) {
    assert_eq!(p.user_name.as_deref(), Some("alice@apn"));
    assert_eq!(p.framed_ip, Some(Ipv4Addr::new(10, 1, 2, 3)));
    assert_eq!(p.calling_station_id.as_deref(), Some("491701234567"));
    assert_eq!(p.called_station_id.as_deref(), Some("internet"));
    assert_eq!(p.nas_ip, Some(Ipv4Addr::new(192, 168, 0, 1)));
    assert_eq!(p.acct_session_id.as_deref(), Some("ABC123"));
    assert_eq!(p.tgpp.imsi.as_deref(), Some("262011234567890"));
}

#[test]
fn accounting_start_every_field() {
    let data = start();
    let p = done(&data);
    assert_eq!(p.code, Code::ACCOUNTING_REQUEST);
    assert_eq!(p.code.name(), Some("Accounting-Request"));
    assert_eq!(p.identifier, 7);
    assert_eq!(usize::from(p.length), data.len());
    assert_eq!(p.authenticator, AUTH);
    assert_eq!(p.acct_status_type, Some(AcctStatusType::START));
    assert_eq!(p.acct_status_type.and_then(|s| s.name()), Some("Start"));
    check_identity(&p);
    assert_eq!(p.event_timestamp, Some(0x6500_0010));
    let pfx = p.framed_ipv6_prefix.expect("prefix");
    assert_eq!(pfx.len, 64);
    assert_eq!(pfx.addr, "2001:db8:0:1::".parse::<Ipv6Addr>().unwrap());
    assert_eq!(
        p.framed_ipv6_address,
        Some("2001:db8:0:1::42".parse().unwrap())
    );
    assert_eq!(p.tgpp.imsi_mcc_mnc.as_deref(), Some("26201"));
    assert_eq!(p.tgpp.sgsn_address, Some(Ipv4Addr::new(10, 0, 0, 1)));
    assert_eq!(p.tgpp.rat_type, Some(6));
    assert_eq!(p.tgpp.imeisv.as_deref(), Some("3534900698733601"));
    let loc = p.tgpp.user_location.expect("ULI").expect("ULI decodes");
    let plmn = Plmn {
        mcc: 262,
        mnc: 1,
        mnc_digits: 2,
    };
    assert_eq!(loc.tai, Some(Tai { plmn, tac: 1 }));
    assert_eq!(
        loc.ecgi,
        Some(Ecgi {
            plmn,
            eci: 0x12_3456
        })
    );
    assert_eq!(loc.cell().as_deref(), Some("ecgi:262-01-1193046"));
    assert_eq!(p.input_octets, None);
    assert_eq!(p.input_bytes(), None);
    assert_eq!(p.attributes, 11);
    assert_eq!(p.bad_values, 0);
    assert_eq!(p.stop, None);
}

#[test]
fn accounting_interim_update_with_gigawords() {
    let data = packet(
        4,
        8,
        AUTH,
        &[
            STATUS_INTERIM,
            USER_NAME,
            FRAMED_IP,
            CALLING,
            CALLED,
            NAS_IP,
            SESSION,
            VSA_3GPP,
            IN_OCTETS,
            OUT_OCTETS,
            IN_GIGA,
            OUT_GIGA,
        ],
    );
    let p = done(&data);
    assert_eq!(p.identifier, 8);
    assert_eq!(p.acct_status_type, Some(AcctStatusType::INTERIM_UPDATE));
    assert_eq!(
        p.acct_status_type.and_then(|s| s.name()),
        Some("Interim-Update")
    );
    check_identity(&p);
    assert_eq!(p.input_octets, Some(0x1000));
    assert_eq!(p.output_octets, Some(0x2000));
    assert_eq!(p.input_gigawords, Some(1));
    assert_eq!(p.output_gigawords, Some(2));
    assert_eq!(p.input_bytes(), Some((1 << 32) + 0x1000));
    assert_eq!(p.output_bytes(), Some((2 << 32) + 0x2000));
    assert_eq!(p.event_timestamp, None);
    assert_eq!(p.framed_ipv6_prefix, None);
    assert_eq!(p.attributes, 12);
    assert_eq!(p.stop, None);
}

#[test]
fn accounting_stop_without_gigawords() {
    let data = packet(
        4,
        9,
        AUTH,
        &[
            STATUS_STOP,
            USER_NAME,
            FRAMED_IP,
            CALLING,
            CALLED,
            NAS_IP,
            SESSION,
            VSA_3GPP,
            IN_OCTETS,
            OUT_OCTETS,
        ],
    );
    let p = done(&data);
    assert_eq!(p.acct_status_type, Some(AcctStatusType::STOP));
    assert_eq!(p.acct_status_type.and_then(|s| s.name()), Some("Stop"));
    check_identity(&p);
    assert_eq!(p.input_bytes(), Some(0x1000));
    assert_eq!(p.output_bytes(), Some(0x2000));
    assert_eq!(p.input_gigawords, None);
    assert_eq!(p.stop, None);
}

#[test]
fn accounting_response_and_padding() {
    let mut data = packet(5, 7, AUTH, &[]);
    data.extend_from_slice(&[0xff; 7]); // padding beyond Length: ignored
    let p = done(&data);
    assert_eq!(p.code, Code::ACCOUNTING_RESPONSE);
    assert_eq!(p.code.name(), Some("Accounting-Response"));
    assert_eq!(p.length, 20);
    assert_eq!(p.attributes, 0);
    assert_eq!(p.stop, None);
    assert_eq!(
        parse(&data),
        Parse::Done {
            value: p,
            consumed: 20
        }
    );
}

#[test]
fn code_and_status_names() {
    assert_eq!(Code(1).name(), Some("Access-Request"));
    assert_eq!(Code(2).name(), Some("Access-Accept"));
    assert_eq!(Code(3).name(), Some("Access-Reject"));
    assert_eq!(Code(11).name(), Some("Access-Challenge"));
    assert_eq!(Code(99).name(), None);
    assert_eq!(AcctStatusType(7).name(), Some("Accounting-On"));
    assert_eq!(AcctStatusType(8).name(), Some("Accounting-Off"));
    assert_eq!(AcctStatusType(15).name(), None);
    // An unknown code is data, not an error.
    assert_eq!(done(&packet(200, 1, AUTH, &[USER_NAME])).code, Code(200));
}

/// RFC 2866 §3, written out independently of `auth.rs`.
fn md5_of(parts: &[&[u8]]) -> [u8; 16] {
    let mut h = Md5::new();
    for p in parts {
        h.update(p);
    }
    h.finalize().into()
}

fn signed_start() -> Vec<u8> {
    let mut data = packet(
        4,
        7,
        [0; 16],
        &[STATUS_START, USER_NAME, FRAMED_IP, VSA_3GPP],
    );
    let d = md5_of(&[&data, SECRET]); // the authenticator field is zero here
    data[4..20].copy_from_slice(&d);
    data
}

#[test]
fn request_authenticator_valid_and_tampered() {
    let data = signed_start();
    assert!(verify_accounting_request(&data, SECRET));
    assert!(!verify_accounting_request(&data, b"other"));
    let mut padded = data.clone();
    padded.extend_from_slice(&[1, 2, 3]);
    assert!(verify_accounting_request(&padded, SECRET));
    // One attribute byte changed (Framed-IP 10.1.2.3 → 10.1.2.4).
    let mut tampered = data.clone();
    let at = 20 + STATUS_START.len() + USER_NAME.len() + 5;
    assert_eq!(tampered[at], 3);
    tampered[at] = 4;
    assert!(!verify_accounting_request(&tampered, SECRET));
    // Authenticator changed.
    let mut tampered = data.clone();
    tampered[10] ^= 1;
    assert!(!verify_accounting_request(&tampered, SECRET));
    // Cut datagram, bad Length.
    assert!(!verify_accounting_request(&data[..data.len() - 1], SECRET));
    assert!(!verify_accounting_request(&data[..3], SECRET));
    let mut bad_len = data.clone();
    bad_len[2..4].copy_from_slice(&19u16.to_be_bytes());
    assert!(!verify_accounting_request(&bad_len, SECRET));
}

#[test]
fn response_authenticator_valid_and_tampered() {
    let req = signed_start();
    let req_auth: [u8; 16] = req[4..20].try_into().unwrap();
    let mut resp = packet(5, 7, [0; 16], &[]);
    let d = md5_of(&[&resp[..4], &req_auth, &resp[20..], SECRET]);
    resp[4..20].copy_from_slice(&d);
    assert!(verify_accounting_response(&resp, &req_auth, SECRET));
    assert!(!verify_accounting_response(&resp, &req_auth, b"other"));
    assert!(!verify_accounting_response(&resp, &[0; 16], SECRET));
    let mut tampered = resp.clone();
    tampered[1] = 8; // identifier
    assert!(!verify_accounting_response(&tampered, &req_auth, SECRET));
    // A request authenticator is not a response authenticator.
    assert!(!verify_accounting_request(&resp, SECRET));
}

#[test]
fn short_header_needs_more() {
    let data = start();
    for n in 0..20 {
        assert_eq!(parse(&data[..n]), Parse::NeedMore { needed: 20 });
    }
    assert_eq!(RadiusError::Truncated.name(), "radius_truncated");
}

#[test]
fn bad_length_field() {
    for len in [0u16, 19, 4097, 0xffff] {
        let mut data = start();
        data[2..4].copy_from_slice(&len.to_be_bytes());
        assert_eq!(parse(&data), Parse::Malformed(RadiusError::BadLength));
    }
    assert_eq!(RadiusError::BadLength.name(), "radius_bad_length");
}

#[test]
fn cut_datagram_keeps_earlier_attributes() {
    let data = start();
    // Cut inside Framed-IP-Address (the third attribute).
    let cut = 20 + STATUS_START.len() + USER_NAME.len() + 3;
    let p = done(&data[..cut]);
    assert_eq!(p.stop, Some(RadiusError::Truncated));
    assert_eq!(p.acct_status_type, Some(AcctStatusType::START));
    assert_eq!(p.user_name.as_deref(), Some("alice@apn"));
    assert_eq!(p.framed_ip, None);
    assert_eq!(p.attributes, 2);
}

#[test]
fn attribute_length_below_two() {
    for alen in [0u8, 1] {
        let data = packet(
            4,
            1,
            AUTH,
            &[STATUS_START, &[1, alen, b'x', b'y'], FRAMED_IP],
        );
        let p = done(&data);
        assert_eq!(p.stop, Some(RadiusError::BadAttribute));
        assert_eq!(p.acct_status_type, Some(AcctStatusType::START));
        assert_eq!(p.framed_ip, None);
        assert_eq!(p.attributes, 1);
    }
    assert_eq!(RadiusError::BadAttribute.name(), "radius_bad_attribute");
}

#[test]
fn attribute_past_length_field() {
    // Framed-IP-Address claims 6 octets but Length ends 2 octets into its value; the bytes
    // after Length are padding and must not be read.
    let mut data = packet(4, 1, AUTH, &[STATUS_START, FRAMED_IP]);
    let len = (data.len() - 2) as u16;
    data[2..4].copy_from_slice(&len.to_be_bytes());
    let p = done(&data);
    assert_eq!(p.stop, Some(RadiusError::BadAttribute));
    assert_eq!(p.framed_ip, None);
    // A lone type octet at the end of Length.
    let data = packet(4, 1, AUTH, &[STATUS_START, &[8]]);
    assert_eq!(done(&data).stop, Some(RadiusError::BadAttribute));
}

#[test]
fn wrong_value_sizes_are_skipped_and_counted() {
    let data = packet(
        4,
        1,
        AUTH,
        &[
            &[8, 7, 10, 1, 2, 3, 4], // Framed-IP-Address of 5 octets
            &[40, 5, 0, 0, 1],       // Acct-Status-Type of 3 octets
            &[97, 4, 0, 129],        // prefix length > 128
            &[97, 5, 0, 64, 0x20],   // 64 bits announced, 8 given
            &[168, 6, 1, 2, 3, 4],   // Framed-IPv6-Address of 4 octets
            &[26, 5, 0, 0, 0x28],    // Vendor-Specific without a whole Vendor-Id
            FRAMED_IP,
            USER_NAME,
        ],
    );
    let p = done(&data);
    assert_eq!(p.bad_values, 6);
    assert_eq!(p.framed_ip, Some(Ipv4Addr::new(10, 1, 2, 3)));
    assert_eq!(p.acct_status_type, None);
    assert_eq!(p.framed_ipv6_prefix, None);
    assert_eq!(p.framed_ipv6_address, None);
    assert_eq!(p.user_name.as_deref(), Some("alice@apn"));
    assert_eq!(p.stop, None);
    assert_eq!(RadiusError::BadValue.name(), "radius_bad_value");
}

#[test]
fn bad_3gpp_sub_attribute_keeps_earlier_ones() {
    let data = packet(
        4,
        1,
        AUTH,
        &[
            &[26, 14, 0, 0, 0x28, 0xaf, 8, 4, b'2', b'6', 21, 1, 6, 0],
            &[26, 9, 0, 0, 0x28, 0xaf, 21, 4, 6], // sub-attribute runs past the VSA
            USER_NAME,
        ],
    );
    let p = done(&data);
    assert_eq!(p.tgpp.imsi_mcc_mnc.as_deref(), Some("26"));
    assert_eq!(p.tgpp.rat_type, None);
    assert_eq!(p.bad_values, 2);
    assert_eq!(p.user_name.as_deref(), Some("alice@apn"));
}

#[test]
fn unknown_attributes_and_vendors_skipped() {
    let data = packet(
        4,
        1,
        AUTH,
        &[
            &[200, 5, 1, 2, 3],                            // unassigned type
            &[26, 12, 0, 0, 0x01, 0x37, 1, 6, 9, 9, 9, 9], // vendor 311 (Microsoft)
            &[26, 9, 0, 0, 0x28, 0xaf, 99, 3, 0],          // unknown 3GPP sub-attribute
            &[2, 4, 0, 0],                                 // User-Password: not decoded
            USER_NAME,
        ],
    );
    let p = done(&data);
    assert_eq!(p.attributes, 5);
    assert_eq!(p.bad_values, 0);
    assert_eq!(p.tgpp, Default::default());
    assert_eq!(p.user_name.as_deref(), Some("alice@apn"));
}

#[test]
fn first_occurrence_wins_and_text_is_escaped() {
    let data = packet(
        4,
        1,
        AUTH,
        &[
            b"\x01\x0cbob\x0a\x1b[31m\x7f",
            USER_NAME,
            b"\x1f\x06\xff\xfe12",
            &[8, 6, 1, 1, 1, 1],
            FRAMED_IP,
        ],
    );
    let p = done(&data);
    assert_eq!(p.user_name.as_deref(), Some("bob\\x0a\\x1b[31m\\x7f"));
    assert_eq!(p.calling_station_id.as_deref(), Some("\u{fffd}\u{fffd}12"));
    assert_eq!(p.framed_ip, Some(Ipv4Addr::new(1, 1, 1, 1)));
}

#[test]
fn user_location_errors_are_kept() {
    let data = packet(
        4,
        1,
        AUTH,
        &[
            &[26, 11, 0, 0, 0x28, 0xaf, 22, 5, 129, 0x62, 0xf2], // ECGI cut after the PLMN
            &[26, 10, 0, 0, 0x28, 0xaf, 22, 4, 200, 0],          // unknown location type
        ],
    );
    let p = done(&data);
    // The first occurrence wins, even when it does not decode.
    assert_eq!(p.tgpp.user_location, Some(Err(UliError::Truncated)));
    assert_eq!(p.bad_values, 0);
    let data = packet(4, 1, AUTH, &[&[26, 10, 0, 0, 0x28, 0xaf, 22, 4, 200, 0]]);
    assert_eq!(
        done(&data).tgpp.user_location,
        Some(Err(UliError::UnknownType(200)))
    );
}

proptest! {
    #[test]
    fn every_truncation(n in 0usize..400) {
        let data = start();
        let n = n.min(data.len());
        match parse(&data[..n]) {
            Parse::NeedMore { needed } => {
                prop_assert!(n < 20);
                prop_assert_eq!(needed, 20);
            }
            Parse::Done { value, consumed } => {
                prop_assert!(n >= 20);
                prop_assert_eq!(consumed, n);
                let want = if n < data.len() { Some(RadiusError::Truncated) } else { None };
                prop_assert_eq!(value.stop, want);
                prop_assert_eq!(value.bad_values, 0);
            }
            Parse::Malformed(e) => prop_assert!(false, "malformed {e:?}"),
        }
        prop_assert_eq!(verify_accounting_request(&data[..n], SECRET), false);
    }

    #[test]
    fn random_bytes_never_panic(data in proptest::collection::vec(any::<u8>(), 0..600)) {
        if let Parse::Done { value, consumed } = parse(&data) {
            prop_assert!(consumed <= data.len());
            prop_assert!(consumed <= usize::from(value.length));
        }
        let _ = verify_accounting_request(&data, SECRET);
        let _ = verify_accounting_response(&data, &AUTH, SECRET);
    }

    #[test]
    fn random_attributes_never_panic(
        attrs in proptest::collection::vec(any::<u8>(), 0..400),
        code in any::<u8>(),
    ) {
        let data = packet(code, 1, AUTH, &[&attrs]);
        let p = done(&data);
        prop_assert!(p.stop.is_none() || p.stop == Some(RadiusError::BadAttribute));
    }
}
