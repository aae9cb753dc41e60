//! Pure RADIUS packet parser (RFC 2865 §3–5, RFC 2866 §3–5, RFC 3162, RFC 6911, 3GPP TS 29.061
//! §16.4.7): one UDP datagram in, [`RadiusPacket`] out, no state.
//!
//! The 20-byte header must be complete and its Length field sane (20..=4096, RFC 2865 §3);
//! otherwise there is nothing to bind. Bytes after `Length` are padding and ignored (RFC 2865
//! §3). The attribute walk then goes as far as the bytes allow (STYLE rule 4): a datagram cut
//! by the snaplen, or with a bad attribute, still gives the header and every attribute before
//! the fault, and [`RadiusPacket::stop`] says why the walk stopped. A decoded attribute whose
//! value has the wrong size for its type is skipped and counted in
//! [`RadiusPacket::bad_values`]; unknown attributes and vendors are skipped silently.
//!
//! Allocation: one `String` per text attribute present (values are at most
//! [`MAX_VALUE_LEN`] octets on the wire, so a string is at most 4× that after escaping).
//! RADIUS is control-plane traffic (a few packets per subscriber session), not the per-packet
//! path.

use std::fmt::Write as _;
use std::net::{Ipv4Addr, Ipv6Addr};

use crate::app::uli::{parse_geographic_location, Location, UliError};
use crate::app::Parse;

/// Bytes of the fixed header: Code, Identifier, Length, Authenticator (RFC 2865 §3).
pub const HEADER_LEN: usize = 20;
/// Smallest valid Length field (RFC 2865 §3).
pub const MIN_LENGTH: u16 = 20;
/// Largest valid Length field (RFC 2865 §3: "The maximum length is 4096").
pub const MAX_LENGTH: u16 = 4096;
/// Longest attribute value: the attribute Length octet counts Type and Length (2 octets) and
/// is at most 255 (RFC 2865 §5).
pub const MAX_VALUE_LEN: usize = 253;
/// Vendor-Id of 3GPP (IANA SMI enterprise number 10415), TS 29.061 §16.4.7.
pub const VENDOR_3GPP: u32 = 10415;

/// RADIUS packet code (RFC 2865 §3, RFC 2866 §3). Open newtype: unassigned codes are data.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Code(pub u8);

impl Code {
    pub const ACCESS_REQUEST: Self = Self(1);
    pub const ACCESS_ACCEPT: Self = Self(2);
    pub const ACCESS_REJECT: Self = Self(3);
    pub const ACCOUNTING_REQUEST: Self = Self(4);
    pub const ACCOUNTING_RESPONSE: Self = Self(5);
    pub const ACCESS_CHALLENGE: Self = Self(11);

    /// Name as in the RFCs (`Accounting-Request`, …), `None` for other codes.
    pub const fn name(self) -> Option<&'static str> {
        match self.0 {
            1 => Some("Access-Request"),
            2 => Some("Access-Accept"),
            3 => Some("Access-Reject"),
            4 => Some("Accounting-Request"),
            5 => Some("Accounting-Response"),
            11 => Some("Access-Challenge"),
            _ => None,
        }
    }
}

/// Acct-Status-Type value (RFC 2866 §5.1). Open newtype.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct AcctStatusType(pub u32);

impl AcctStatusType {
    pub const START: Self = Self(1);
    pub const STOP: Self = Self(2);
    pub const INTERIM_UPDATE: Self = Self(3);
    pub const ACCOUNTING_ON: Self = Self(7);
    pub const ACCOUNTING_OFF: Self = Self(8);

    /// Name as in RFC 2866 (`Start`, `Interim-Update`, …), `None` for other values.
    pub const fn name(self) -> Option<&'static str> {
        match self.0 {
            1 => Some("Start"),
            2 => Some("Stop"),
            3 => Some("Interim-Update"),
            7 => Some("Accounting-On"),
            8 => Some("Accounting-Off"),
            _ => None,
        }
    }
}

/// Attribute type numbers decoded here (RFC 2865 §5, RFC 2866 §5, RFC 3162, RFC 6911).
pub mod attr {
    pub const USER_NAME: u8 = 1;
    pub const NAS_IP_ADDRESS: u8 = 4;
    pub const FRAMED_IP_ADDRESS: u8 = 8;
    pub const VENDOR_SPECIFIC: u8 = 26;
    pub const CALLED_STATION_ID: u8 = 30;
    pub const CALLING_STATION_ID: u8 = 31;
    pub const ACCT_STATUS_TYPE: u8 = 40;
    pub const ACCT_INPUT_OCTETS: u8 = 42;
    pub const ACCT_OUTPUT_OCTETS: u8 = 43;
    pub const ACCT_SESSION_ID: u8 = 44;
    pub const ACCT_INPUT_GIGAWORDS: u8 = 52;
    pub const ACCT_OUTPUT_GIGAWORDS: u8 = 53;
    pub const EVENT_TIMESTAMP: u8 = 55;
    pub const FRAMED_IPV6_PREFIX: u8 = 97;
    pub const FRAMED_IPV6_ADDRESS: u8 = 168;
}

/// 3GPP vendor-specific attribute types (vendor 10415, TS 29.061 §16.4.7.2).
pub mod attr_3gpp {
    pub const IMSI: u8 = 1;
    pub const SGSN_ADDRESS: u8 = 6;
    pub const IMSI_MCC_MNC: u8 = 8;
    pub const IMEISV: u8 = 20;
    pub const RAT_TYPE: u8 = 21;
    pub const USER_LOCATION_INFO: u8 = 22;
}

/// Why a packet (or the attribute walk) could not be decoded. Each has a stable counter name
/// ([`RadiusError::name`]); never rename one.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RadiusError {
    /// The datagram ends before the header or before `Length`. [`parse`] returns
    /// [`Parse::NeedMore`] for a cut header; callers count it under this name. The parser
    /// cannot tell a snaplen cut from a datagram shorter than its Length field (which RFC 2865
    /// §3 says to discard): the caller can, by comparing with the frame's `wire_len`.
    Truncated,
    /// The Length field is below 20 or above 4096.
    BadLength,
    /// An attribute Length below 2, or an attribute that runs past the packet's Length.
    BadAttribute,
    /// A decoded attribute whose value has the wrong size for its type (e.g. a 5-octet
    /// Framed-IP-Address), or a malformed 3GPP sub-attribute; the attribute is skipped.
    BadValue,
}

impl RadiusError {
    /// Stable counter name.
    pub const fn name(self) -> &'static str {
        match self {
            RadiusError::Truncated => "radius_truncated",
            RadiusError::BadLength => "radius_bad_length",
            RadiusError::BadAttribute => "radius_bad_attribute",
            RadiusError::BadValue => "radius_bad_value",
        }
    }
}

/// Framed-IPv6-Prefix (RFC 3162 §2.3): the prefix with bits beyond the prefix length as sent
/// (RFC 3162 says they must be zero; not enforced).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Ipv6Prefix {
    pub addr: Ipv6Addr,
    /// Prefix length in bits, 0..=128.
    pub len: u8,
}

/// 3GPP vendor-specific attributes (vendor 10415, TS 29.061 §16.4.7.2). There is no
/// 3GPP-MSISDN attribute: the MSISDN travels in Calling-Station-Id.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Attrs3gpp {
    /// 3GPP-IMSI (1): IMSI digits as text.
    pub imsi: Option<String>,
    /// 3GPP-SGSN-Address (6): the SGSN/S-GW control-plane IPv4 address.
    pub sgsn_address: Option<Ipv4Addr>,
    /// 3GPP-IMSI-MCC-MNC (8): MCC and MNC digits of the IMSI as text.
    pub imsi_mcc_mnc: Option<String>,
    /// 3GPP-IMEISV (20): IMEI(SV) digits as text.
    pub imeisv: Option<String>,
    /// 3GPP-RAT-Type (21): radio access type (TS 29.061: 1 UTRAN, 2 GERAN, 6 EUTRAN, …).
    pub rat_type: Option<u8>,
    /// 3GPP-User-Location-Info (22): Geographic Location Type octet then the location
    /// (TS 29.061 §16.4.7.2), decoded by [`parse_geographic_location`]; the error (with its
    /// own counter name, [`UliError::name`]) when the value does not decode.
    pub user_location: Option<Result<Location, UliError>>,
}

/// A decoded RADIUS packet. Text fields are lossy UTF-8 with control characters escaped
/// ([`push_text`]); for every attribute the first occurrence wins.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RadiusPacket {
    pub code: Code,
    pub identifier: u8,
    /// The Length field (20..=4096): bytes of the packet, header included.
    pub length: u16,
    /// Request Authenticator (requests) or Response Authenticator (responses).
    pub authenticator: [u8; 16],
    /// User-Name (1).
    pub user_name: Option<String>,
    /// NAS-IP-Address (4).
    pub nas_ip: Option<Ipv4Addr>,
    /// Framed-IP-Address (8): the subscriber's IPv4 address.
    pub framed_ip: Option<Ipv4Addr>,
    /// Framed-IPv6-Prefix (97, RFC 3162).
    pub framed_ipv6_prefix: Option<Ipv6Prefix>,
    /// Framed-IPv6-Address (168, RFC 6911).
    pub framed_ipv6_address: Option<Ipv6Addr>,
    /// Called-Station-Id (30): on a 3GPP Gi/SGi interface, the APN.
    pub called_station_id: Option<String>,
    /// Calling-Station-Id (31): on a 3GPP Gi/SGi interface, the MSISDN.
    pub calling_station_id: Option<String>,
    /// Acct-Status-Type (40).
    pub acct_status_type: Option<AcctStatusType>,
    /// Acct-Session-Id (44).
    pub acct_session_id: Option<String>,
    /// Acct-Input-Octets (42): octets received from the port, modulo 2^32.
    pub input_octets: Option<u32>,
    /// Acct-Output-Octets (43): octets sent to the port, modulo 2^32.
    pub output_octets: Option<u32>,
    /// Acct-Input-Gigawords (52, RFC 2869 §5.1): times Acct-Input-Octets wrapped past 2^32.
    pub input_gigawords: Option<u32>,
    /// Acct-Output-Gigawords (53, RFC 2869 §5.2).
    pub output_gigawords: Option<u32>,
    /// Event-Timestamp (55, RFC 2869 §5.3): seconds since 1970-01-01 UTC.
    pub event_timestamp: Option<u32>,
    /// Vendor-Specific (26) attributes of vendor 10415.
    pub tgpp: Attrs3gpp,
    /// Attributes walked (well-formed ones, known or not).
    pub attributes: u16,
    /// Decoded attributes (or 3GPP sub-attributes) skipped for a bad value size.
    pub bad_values: u16,
    /// Why the attribute walk stopped before `length`: [`RadiusError::Truncated`] or
    /// [`RadiusError::BadAttribute`]; `None` when every attribute was walked.
    pub stop: Option<RadiusError>,
}

impl RadiusPacket {
    fn new(code: Code, identifier: u8, length: u16, authenticator: [u8; 16]) -> Self {
        RadiusPacket {
            code,
            identifier,
            length,
            authenticator,
            user_name: None,
            nas_ip: None,
            framed_ip: None,
            framed_ipv6_prefix: None,
            framed_ipv6_address: None,
            called_station_id: None,
            calling_station_id: None,
            acct_status_type: None,
            acct_session_id: None,
            input_octets: None,
            output_octets: None,
            input_gigawords: None,
            output_gigawords: None,
            event_timestamp: None,
            tgpp: Attrs3gpp::default(),
            attributes: 0,
            bad_values: 0,
            stop: None,
        }
    }

    /// Octets received from the subscriber's port: Gigawords × 2^32 + Octets (RFC 2869
    /// §5.1); `None` without Acct-Input-Octets.
    pub fn input_bytes(&self) -> Option<u64> {
        let lo = self.input_octets?;
        Some(u64::from(self.input_gigawords.unwrap_or(0)) << 32 | u64::from(lo))
    }

    /// Octets sent to the subscriber's port, as [`RadiusPacket::input_bytes`].
    pub fn output_bytes(&self) -> Option<u64> {
        let lo = self.output_octets?;
        Some(u64::from(self.output_gigawords.unwrap_or(0)) << 32 | u64::from(lo))
    }
}

/// Append `value` to `out` as lossy UTF-8 (invalid sequences become U+FFFD) with control
/// characters (C0, DEL, C1) written as `\xNN`, so a hostile value cannot inject line breaks
/// or terminal escapes into logs and records. Backslash is kept as is (`DOMAIN\user`).
pub fn push_text(value: &[u8], out: &mut String) {
    for c in String::from_utf8_lossy(value).chars() {
        if c.is_control() {
            let _ = write!(out, "\\x{:02x}", u32::from(c));
        } else {
            out.push(c);
        }
    }
}

fn text(value: &[u8]) -> String {
    let mut s = String::with_capacity(value.len());
    push_text(value, &mut s);
    s
}

fn u32_of(value: &[u8]) -> Option<u32> {
    <[u8; 4]>::try_from(value).ok().map(u32::from_be_bytes)
}

fn ipv4_of(value: &[u8]) -> Option<Ipv4Addr> {
    <[u8; 4]>::try_from(value).ok().map(Ipv4Addr::from)
}

/// Framed-IPv6-Prefix value: Reserved, Prefix-Length, Prefix (0..=16 octets, at least enough
/// octets for Prefix-Length bits).
fn ipv6_prefix_of(value: &[u8]) -> Option<Ipv6Prefix> {
    let (&len, prefix) = value.get(1..)?.split_first()?;
    if len > 128 || prefix.len() > 16 || prefix.len() * 8 < usize::from(len) {
        return None;
    }
    let mut octets = [0u8; 16];
    octets.get_mut(..prefix.len())?.copy_from_slice(prefix);
    Some(Ipv6Prefix {
        addr: Ipv6Addr::from(octets),
        len,
    })
}

/// Set `slot` from `value` when it is still empty; a `None` value counts a bad value.
fn set<T>(slot: &mut Option<T>, value: Option<T>, bad: &mut u16) {
    match value {
        Some(v) => {
            if slot.is_none() {
                *slot = Some(v);
            }
        }
        None => *bad = bad.saturating_add(1),
    }
}

fn set_text(slot: &mut Option<String>, value: &[u8]) {
    if slot.is_none() {
        *slot = Some(text(value));
    }
}

/// Parse one RADIUS datagram.
///
/// * fewer than 20 bytes: [`Parse::NeedMore`] `{ needed: 20 }` (count as
///   [`RadiusError::Truncated`]);
/// * Length field outside 20..=4096: [`Parse::Malformed`]`(`[`RadiusError::BadLength`]`)`;
/// * otherwise [`Parse::Done`] with `consumed` = Length (or the bytes given, when fewer:
///   then [`RadiusPacket::stop`] is [`RadiusError::Truncated`] unless the walk stopped
///   earlier on a bad attribute).
pub fn parse(data: &[u8]) -> Parse<RadiusPacket, RadiusError> {
    let Some(h) = data
        .get(..HEADER_LEN)
        .and_then(|h| <[u8; HEADER_LEN]>::try_from(h).ok())
    else {
        return Parse::NeedMore { needed: HEADER_LEN };
    };
    let length = u16::from_be_bytes([h[2], h[3]]);
    if !(MIN_LENGTH..=MAX_LENGTH).contains(&length) {
        return Parse::Malformed(RadiusError::BadLength);
    }
    let mut authenticator = [0u8; 16];
    authenticator.copy_from_slice(&h[4..]);
    let mut p = RadiusPacket::new(Code(h[0]), h[1], length, authenticator);
    let end = usize::from(length);
    let body = data.get(HEADER_LEN..end.min(data.len())).unwrap_or(&[]);
    let cut = data.len() < end;
    let mut rest = body;
    while !rest.is_empty() {
        let Some((&ty, tail)) = rest.split_first() else {
            break;
        };
        let Some((&alen, tail)) = tail.split_first() else {
            p.stop = Some(if cut {
                RadiusError::Truncated
            } else {
                RadiusError::BadAttribute
            });
            break;
        };
        let vlen = usize::from(alen).wrapping_sub(2);
        if alen < 2 {
            p.stop = Some(RadiusError::BadAttribute);
            break;
        }
        let Some(value) = tail.get(..vlen) else {
            p.stop = Some(if cut {
                RadiusError::Truncated
            } else {
                RadiusError::BadAttribute
            });
            break;
        };
        rest = tail.get(vlen..).unwrap_or(&[]);
        p.attributes = p.attributes.saturating_add(1);
        attribute(&mut p, ty, value);
    }
    if cut && p.stop.is_none() {
        p.stop = Some(RadiusError::Truncated);
    }
    Parse::Done {
        value: p,
        consumed: end.min(data.len()),
    }
}

/// Decode one attribute's value into `p`.
fn attribute(p: &mut RadiusPacket, ty: u8, value: &[u8]) {
    let bad = &mut p.bad_values;
    match ty {
        attr::USER_NAME => set_text(&mut p.user_name, value),
        attr::NAS_IP_ADDRESS => set(&mut p.nas_ip, ipv4_of(value), bad),
        attr::FRAMED_IP_ADDRESS => set(&mut p.framed_ip, ipv4_of(value), bad),
        attr::FRAMED_IPV6_PREFIX => set(&mut p.framed_ipv6_prefix, ipv6_prefix_of(value), bad),
        attr::FRAMED_IPV6_ADDRESS => set(
            &mut p.framed_ipv6_address,
            <[u8; 16]>::try_from(value).ok().map(Ipv6Addr::from),
            bad,
        ),
        attr::CALLED_STATION_ID => set_text(&mut p.called_station_id, value),
        attr::CALLING_STATION_ID => set_text(&mut p.calling_station_id, value),
        attr::ACCT_STATUS_TYPE => set(
            &mut p.acct_status_type,
            u32_of(value).map(AcctStatusType),
            bad,
        ),
        attr::ACCT_SESSION_ID => set_text(&mut p.acct_session_id, value),
        attr::ACCT_INPUT_OCTETS => set(&mut p.input_octets, u32_of(value), bad),
        attr::ACCT_OUTPUT_OCTETS => set(&mut p.output_octets, u32_of(value), bad),
        attr::ACCT_INPUT_GIGAWORDS => set(&mut p.input_gigawords, u32_of(value), bad),
        attr::ACCT_OUTPUT_GIGAWORDS => set(&mut p.output_gigawords, u32_of(value), bad),
        attr::EVENT_TIMESTAMP => set(&mut p.event_timestamp, u32_of(value), bad),
        attr::VENDOR_SPECIFIC => vendor_specific(p, value),
        _ => {}
    }
}

/// Vendor-Specific (RFC 2865 §5.26): Vendor-Id (4 octets), then for 3GPP a run of
/// sub-attributes `type (1), length (1, counting both), value` (TS 29.061 §16.4.7.1).
/// Other vendors are skipped. A sub-attribute walk that does not end exactly at the value's
/// end counts one bad value; the sub-attributes before the fault are kept.
fn vendor_specific(p: &mut RadiusPacket, value: &[u8]) {
    let Some((vid, mut rest)) = value.split_first_chunk::<4>() else {
        p.bad_values = p.bad_values.saturating_add(1);
        return;
    };
    if u32::from_be_bytes(*vid) != VENDOR_3GPP {
        return;
    }
    while let Some((&[ty, slen], tail)) = rest.split_first_chunk::<2>() {
        let Some(v) = usize::from(slen).checked_sub(2).and_then(|n| tail.get(..n)) else {
            break;
        };
        rest = tail.get(v.len()..).unwrap_or(&[]);
        sub_3gpp(p, ty, v);
    }
    if !rest.is_empty() {
        p.bad_values = p.bad_values.saturating_add(1);
    }
}

fn sub_3gpp(p: &mut RadiusPacket, ty: u8, v: &[u8]) {
    let g = &mut p.tgpp;
    let bad = &mut p.bad_values;
    match ty {
        attr_3gpp::IMSI => set_text(&mut g.imsi, v),
        attr_3gpp::SGSN_ADDRESS => set(&mut g.sgsn_address, ipv4_of(v), bad),
        attr_3gpp::IMSI_MCC_MNC => set_text(&mut g.imsi_mcc_mnc, v),
        attr_3gpp::IMEISV => set_text(&mut g.imeisv, v),
        attr_3gpp::RAT_TYPE => set(
            &mut g.rat_type,
            <[u8; 1]>::try_from(v).ok().map(|[r]| r),
            bad,
        ),
        attr_3gpp::USER_LOCATION_INFO => {
            g.user_location
                .get_or_insert_with(|| parse_geographic_location(v));
        }
        _ => {}
    }
}
