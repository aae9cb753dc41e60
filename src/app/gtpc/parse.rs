//! Pure GTPv2-C message parser (3GPP TS 29.274): bytes in, [`GtpcMessage`] out, no state.
//!
//! The header must be complete and the whole message (its length field) captured: a message
//! cut before its end is [`Parse::NeedMore`], a bad version or length field is
//! [`Parse::Malformed`]. Inside a complete message the IEs are walked as far as their framing
//! allows (STYLE rule 4): a bad IE value skips that IE, a bad IE length ends the walk, and
//! [`GtpcMessage::ie_error`] keeps the first error of either kind, with the IEs decoded until
//! then.

use std::fmt;
use std::net::{Ipv4Addr, Ipv6Addr};

use crate::app::dns::parse::push_dotted;
use crate::app::uli::{parse_gtpv2_uli, Location, UliError};
use crate::app::Parse;

/// GTP version this parser reads (TS 29.274 §5.1).
pub const VERSION: u8 = 2;
/// Header octets without the TEID (flags, type, length, sequence number, spare).
pub const HEADER_LEN: usize = 8;
/// Header octets with the TEID (T flag set).
pub const HEADER_LEN_TEID: usize = 12;
/// Octets before the part the message length field counts (flags, type, length).
pub const LENGTH_BASE: usize = 4;
/// Octets of an IE header: type, length (2), spare + instance.
pub const IE_HEADER_LEN: usize = 4;
/// Messages per datagram: one message plus at most one piggybacked message (§5.5.1).
pub const MAX_MESSAGES: usize = 2;
/// Top-level F-TEIDs kept per message: a Create Session Request carries at most ~10
/// (sender, PGW S5/S8, S2a/S2b, S11-U, …); more are counted and skipped.
pub const MAX_FTEIDS: usize = 16;
/// Bearer Contexts kept per message: an EPS session has at most 11 bearers (EBI 5..=15).
pub const MAX_BEARERS: usize = 11;
/// F-TEIDs kept per Bearer Context: the largest (Create Bearer Response / Context
/// Response) carries about 6 (S1-U, S4-U, S5/S8-U, S12, S2b-U, S11-U).
pub const MAX_BEARER_FTEIDS: usize = 8;
/// Longest IMSI, MSISDN or MEI value in octets: 16 TBCD digits (an IMEISV has 16, an IMSI
/// and an E.164 MSISDN at most 15).
pub const MAX_DIGITS_LEN: usize = 8;

/// Why a message (or one of its IEs) could not be decoded. Each has a stable counter name
/// ([`GtpcError::name`]); never rename one.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum GtpcError {
    /// The datagram ends before a message it announces (a piggybacked message after a P
    /// flag, or a message cut by the snaplen, seen through [`messages`]).
    Truncated,
    /// The version field is not 2 (GTPv1 or not GTP at all).
    BadVersion(u8),
    /// The message length field is shorter than the header it must cover.
    BadLength,
    /// An IE (of type `ie`) overruns its message or grouped IE, or is shorter than its type
    /// requires.
    BadIeLength { ie: u8 },
    /// A digits IE (IMSI, MSISDN, MEI; type `ie`) holds a nibble that is not a decimal digit,
    /// or a 0xF filler that is not the last nibble.
    BadTbcd { ie: u8 },
    /// An APN label overruns the IE.
    BadApn,
    /// The ULI IE body could not be decoded.
    BadUli(UliError),
    /// More than [`MAX_FTEIDS`] F-TEIDs in a message (or [`MAX_BEARER_FTEIDS`] in a Bearer
    /// Context); the extra ones were skipped.
    TooManyFteids,
    /// More than [`MAX_BEARERS`] Bearer Contexts; the extra ones were skipped.
    TooManyBearers,
    /// A piggybacked message itself has the P flag set (§5.5.1 allows one level).
    BadPiggyback,
}

impl GtpcError {
    /// Stable counter name.
    pub const fn name(self) -> &'static str {
        match self {
            GtpcError::Truncated => "gtpc_truncated",
            GtpcError::BadVersion(_) => "gtpc_bad_version",
            GtpcError::BadLength => "gtpc_bad_length",
            GtpcError::BadIeLength { .. } => "gtpc_bad_ie_length",
            GtpcError::BadTbcd { .. } => "gtpc_bad_tbcd",
            GtpcError::BadApn => "gtpc_bad_apn",
            GtpcError::BadUli(_) => "gtpc_bad_uli",
            GtpcError::TooManyFteids => "gtpc_too_many_fteids",
            GtpcError::TooManyBearers => "gtpc_too_many_bearers",
            GtpcError::BadPiggyback => "gtpc_bad_piggyback",
        }
    }
}

impl fmt::Display for GtpcError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GtpcError::BadVersion(v) => write!(f, "GTP version {v}, expected 2"),
            GtpcError::BadIeLength { ie } => write!(f, "GTPv2 IE {ie}: bad length"),
            GtpcError::BadTbcd { ie } => write!(f, "GTPv2 IE {ie}: bad TBCD digits"),
            GtpcError::BadUli(e) => write!(f, "GTPv2 ULI: {e}"),
            other => f.write_str(other.name()),
        }
    }
}

/// Defines an open newtype over a protocol number with named constants and `name()`.
macro_rules! open_number {
    ($(#[$m:meta])* $ty:ident($inner:ty) { $($(#[$cm:meta])* $c:ident = $v:expr, $n:literal;)* }) => {
        $(#[$m])*
        #[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $ty(pub $inner);
        impl $ty {
            $($(#[$cm])* pub const $c: Self = Self($v);)*
            /// Name of an assigned value this parser knows, `None` for others.
            pub const fn name(self) -> Option<&'static str> {
                match self.0 {
                    $($v => Some($n),)*
                    _ => None,
                }
            }
        }
        /// The name, or the number for values without one.
        impl fmt::Display for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                match self.name() {
                    Some(n) => f.write_str(n),
                    None => write!(f, "{}", self.0),
                }
            }
        }
    };
}

open_number! {
    /// GTPv2-C message type (TS 29.274 Table 6.1-1).
    MsgType(u8) {
        ECHO_REQUEST = 1, "echo_request";
        ECHO_RESPONSE = 2, "echo_response";
        VERSION_NOT_SUPPORTED = 3, "version_not_supported";
        CREATE_SESSION_REQUEST = 32, "create_session_request";
        CREATE_SESSION_RESPONSE = 33, "create_session_response";
        MODIFY_BEARER_REQUEST = 34, "modify_bearer_request";
        MODIFY_BEARER_RESPONSE = 35, "modify_bearer_response";
        DELETE_SESSION_REQUEST = 36, "delete_session_request";
        DELETE_SESSION_RESPONSE = 37, "delete_session_response";
        CREATE_BEARER_REQUEST = 95, "create_bearer_request";
        CREATE_BEARER_RESPONSE = 96, "create_bearer_response";
        UPDATE_BEARER_REQUEST = 97, "update_bearer_request";
        UPDATE_BEARER_RESPONSE = 98, "update_bearer_response";
        DELETE_BEARER_REQUEST = 99, "delete_bearer_request";
        DELETE_BEARER_RESPONSE = 100, "delete_bearer_response";
        RELEASE_ACCESS_BEARERS_REQUEST = 170, "release_access_bearers_request";
        RELEASE_ACCESS_BEARERS_RESPONSE = 171, "release_access_bearers_response";
        DOWNLINK_DATA_NOTIFICATION = 176, "downlink_data_notification";
        DOWNLINK_DATA_NOTIFICATION_ACK = 177, "downlink_data_notification_ack";
    }
}

open_number! {
    /// GTPv2 IE type (TS 29.274 Table 8.1-1).
    IeType(u8) {
        IMSI = 1, "imsi";
        CAUSE = 2, "cause";
        RECOVERY = 3, "recovery";
        APN = 71, "apn";
        EBI = 73, "ebi";
        MEI = 75, "mei";
        MSISDN = 76, "msisdn";
        PAA = 79, "paa";
        RAT_TYPE = 82, "rat_type";
        ULI = 86, "uli";
        FTEID = 87, "fteid";
        BEARER_CONTEXT = 93, "bearer_context";
    }
}

open_number! {
    /// RAT type (TS 29.274 §8.17).
    RatType(u8) {
        UTRAN = 1, "utran";
        GERAN = 2, "geran";
        WLAN = 3, "wlan";
        GAN = 4, "gan";
        HSPA_EVOLUTION = 5, "hspa_evolution";
        EUTRAN = 6, "eutran";
        VIRTUAL = 7, "virtual";
        EUTRAN_NB_IOT = 8, "eutran_nb_iot";
        LTE_M = 9, "lte_m";
        NR = 10, "nr";
    }
}

open_number! {
    /// F-TEID interface type (TS 29.274 §8.22), 6 bits.
    FteidInterface(u8) {
        S1U_ENODEB = 0, "s1u_enodeb";
        S1U_SGW = 1, "s1u_sgw";
        S12_RNC = 2, "s12_rnc";
        S12_SGW = 3, "s12_sgw";
        S5S8_SGW_GTPU = 4, "s5s8_sgw_gtpu";
        S5S8_PGW_GTPU = 5, "s5s8_pgw_gtpu";
        S5S8_SGW_GTPC = 6, "s5s8_sgw_gtpc";
        S5S8_PGW_GTPC = 7, "s5s8_pgw_gtpc";
        S11_MME_GTPC = 10, "s11_mme_gtpc";
        S11S4_SGW_GTPC = 11, "s11s4_sgw_gtpc";
        S4_SGSN_GTPU = 15, "s4_sgsn_gtpu";
        S4_SGW_GTPU = 16, "s4_sgw_gtpu";
        S11U_MME = 38, "s11u_mme";
        S11U_SGW = 39, "s11u_sgw";
    }
}

open_number! {
    /// PDN type of a PAA (TS 29.274 §8.14), 3 bits.
    PdnType(u8) {
        IPV4 = 1, "ipv4";
        IPV6 = 2, "ipv6";
        IPV4V6 = 3, "ipv4v6";
        NON_IP = 4, "non_ip";
        ETHERNET = 5, "ethernet";
    }
}

/// The message header (TS 29.274 §5.1).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Header {
    /// Always 2 for a header this parser returns.
    pub version: u8,
    /// P flag: another message follows this one in the datagram.
    pub piggyback: bool,
    pub msg_type: MsgType,
    /// Message length field: octets after the first 4.
    pub length: u16,
    /// TEID, present when the T flag is set (all messages but Echo and Version Not
    /// Supported).
    pub teid: Option<u32>,
    /// 24-bit sequence number.
    pub seq: u32,
    /// Message priority (4 bits), present when the MP flag is set.
    pub priority: Option<u8>,
}

impl Header {
    /// Octets of this header (8, or 12 with a TEID).
    pub const fn len(&self) -> usize {
        if self.teid.is_some() {
            HEADER_LEN_TEID
        } else {
            HEADER_LEN
        }
    }

    /// Octets of the whole message (header included).
    pub const fn message_len(&self) -> usize {
        LENGTH_BASE + self.length as usize
    }

    /// Always false: a header has at least 8 octets (clippy's `len` without `is_empty`).
    pub const fn is_empty(&self) -> bool {
        false
    }
}

/// Decode the header at the start of `data`; `consumed` is the header length.
pub fn header(data: &[u8]) -> Parse<Header, GtpcError> {
    let Some(&flags) = data.first() else {
        return Parse::NeedMore {
            needed: LENGTH_BASE,
        };
    };
    let version = flags >> 5;
    if version != VERSION {
        return Parse::Malformed(GtpcError::BadVersion(version));
    }
    let Some(&[_, ty, l0, l1]) = data.get(..LENGTH_BASE) else {
        return Parse::NeedMore {
            needed: LENGTH_BASE,
        };
    };
    let length = u16::from_be_bytes([l0, l1]);
    let t = flags & 0x08 != 0;
    let hlen = if t { HEADER_LEN_TEID } else { HEADER_LEN };
    if LENGTH_BASE + usize::from(length) < hlen {
        return Parse::Malformed(GtpcError::BadLength);
    }
    let Some(rest) = data.get(LENGTH_BASE..hlen) else {
        return Parse::NeedMore { needed: hlen };
    };
    let (teid, tail) = match (t, rest) {
        (true, &[a, b, c, d, ref tail @ ..]) => (Some(u32::from_be_bytes([a, b, c, d])), tail),
        _ => (None, rest),
    };
    let &[s0, s1, s2, spare] = tail else {
        // Unreachable: `rest` has exactly 4 or 8 octets; kept as an error, not a panic.
        return Parse::Malformed(GtpcError::BadLength);
    };
    Parse::Done {
        value: Header {
            version,
            piggyback: flags & 0x10 != 0,
            msg_type: MsgType(ty),
            length,
            teid,
            seq: u32::from_be_bytes([0, s0, s1, s2]),
            priority: (flags & 0x04 != 0).then_some(spare >> 4),
        },
        consumed: hlen,
    }
}

/// One IE as framed on the wire (TS 29.274 §8.2).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Ie<'a> {
    pub ty: IeType,
    /// Bits 4–1 of octet 4.
    pub instance: u8,
    /// Bits 8–5 of octet 4: spare since Release 8 (the CR flag of early drafts).
    pub spare: u8,
    pub value: &'a [u8],
}

/// Walk over the IEs of a message body or grouped IE; yields one error and stops when an IE
/// header or value overruns the body.
#[derive(Clone, Debug)]
pub struct IeIter<'a> {
    rest: &'a [u8],
}

/// The IEs of `body` (the octets after a header, or a grouped IE's value).
pub fn ies(body: &[u8]) -> IeIter<'_> {
    IeIter { rest: body }
}

impl<'a> Iterator for IeIter<'a> {
    type Item = Result<Ie<'a>, GtpcError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.rest.is_empty() {
            return None;
        }
        let rest = std::mem::take(&mut self.rest);
        let ty = rest.first().copied().unwrap_or(0);
        let Some(&[_, l0, l1, inst]) = rest.get(..IE_HEADER_LEN) else {
            return Some(Err(GtpcError::BadIeLength { ie: ty }));
        };
        let end = IE_HEADER_LEN + usize::from(u16::from_be_bytes([l0, l1]));
        let Some(value) = rest.get(IE_HEADER_LEN..end) else {
            return Some(Err(GtpcError::BadIeLength { ie: ty }));
        };
        self.rest = rest.get(end..).unwrap_or(&[]);
        Some(Ok(Ie {
            ty: IeType(ty),
            instance: inst & 0x0f,
            spare: inst >> 4,
            value,
        }))
    }
}

/// Cause IE (TS 29.274 §8.4).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Cause {
    /// Cause value (16 = Request accepted; 2..=15 are request causes, 64.. rejections).
    pub value: u8,
    /// PCE: the cause originated in the remote peer's peer.
    pub pce: bool,
    /// BCE: the cause is about a Bearer Context IE.
    pub bce: bool,
    /// CS: cause source is the remote node.
    pub cs: bool,
}

impl Cause {
    /// "Request accepted".
    pub const ACCEPTED: u8 = 16;

    /// Request accepted, or accepted partially / with a new PDN type (16..=19).
    pub const fn is_accepted(&self) -> bool {
        matches!(self.value, 16..=19)
    }
}

/// Fully qualified TEID (TS 29.274 §8.22).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Fteid {
    /// IE instance: tells e.g. a sender F-TEID (0) from a PGW S5/S8 F-TEID (1).
    pub instance: u8,
    pub interface: FteidInterface,
    /// TEID or GRE key.
    pub teid: u32,
    pub ipv4: Option<Ipv4Addr>,
    pub ipv6: Option<Ipv6Addr>,
}

/// PDN Address Allocation (TS 29.274 §8.14): the UE's address(es).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Paa {
    pub pdn_type: PdnType,
    pub ipv4: Option<Ipv4Addr>,
    /// IPv6 prefix (or address) and prefix length.
    pub ipv6: Option<(Ipv6Addr, u8)>,
}

/// A Bearer Context grouped IE (TS 29.274 §8.28), the parts this parser keeps.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BearerContext {
    /// IE instance: in a Create Session Request 0 = to be created, 1 = to be removed.
    pub instance: u8,
    /// EPS Bearer ID (4 bits).
    pub ebi: Option<u8>,
    pub cause: Option<Cause>,
    /// At most [`MAX_BEARER_FTEIDS`].
    pub fteids: Vec<Fteid>,
}

/// One decoded GTPv2-C message: the header and the identity IEs (instance 0 for the single
/// valued ones; the first occurrence wins).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct GtpcMessage {
    pub header: Header,
    /// IMSI digits.
    pub imsi: Option<String>,
    /// MSISDN digits (E.164, country code first).
    pub msisdn: Option<String>,
    /// IMEI or IMEISV digits.
    pub mei: Option<String>,
    /// APN in dotted form (labels joined by `.`, unusual bytes escaped as `\DDD`).
    pub apn: Option<String>,
    pub uli: Option<Location>,
    pub paa: Option<Paa>,
    pub rat_type: Option<RatType>,
    pub cause: Option<Cause>,
    /// Top-level F-TEIDs in order, at most [`MAX_FTEIDS`].
    pub fteids: Vec<Fteid>,
    /// Bearer Contexts in order (any instance), at most [`MAX_BEARERS`].
    pub bearer_contexts: Vec<BearerContext>,
    /// The first IE error: a bad value skips its IE, a bad IE length ends the walk (the IEs
    /// before it are kept). Count it by [`GtpcError::name`].
    pub ie_error: Option<GtpcError>,
}

impl GtpcMessage {
    fn error(&mut self, e: GtpcError) {
        self.ie_error.get_or_insert(e);
    }
}

/// Decode one message at the start of `data`; `consumed` is its length (header + length
/// field), so a piggybacked message starts at `data[consumed..]` (see [`messages`]).
pub fn parse(data: &[u8]) -> Parse<GtpcMessage, GtpcError> {
    let h = match header(data) {
        Parse::Done { value, .. } => value,
        Parse::NeedMore { needed } => return Parse::NeedMore { needed },
        Parse::Malformed(e) => return Parse::Malformed(e),
    };
    let total = h.message_len();
    let Some(body) = data.get(h.len()..total) else {
        return Parse::NeedMore { needed: total };
    };
    let mut m = GtpcMessage {
        header: h,
        ..GtpcMessage::default()
    };
    for ie in ies(body) {
        match ie {
            Ok(ie) => top_ie(&mut m, ie),
            Err(e) => m.error(e),
        }
    }
    Parse::Done {
        value: m,
        consumed: total,
    }
}

fn top_ie(m: &mut GtpcMessage, ie: Ie<'_>) {
    let first = ie.instance == 0;
    let r = match ie.ty {
        IeType::IMSI if first && m.imsi.is_none() => digits(ie).map(|d| m.imsi = Some(d)),
        IeType::MSISDN if first && m.msisdn.is_none() => digits(ie).map(|d| m.msisdn = Some(d)),
        IeType::MEI if first && m.mei.is_none() => digits(ie).map(|d| m.mei = Some(d)),
        IeType::APN if first && m.apn.is_none() => apn(ie.value).map(|a| m.apn = Some(a)),
        IeType::ULI if first && m.uli.is_none() => parse_gtpv2_uli(ie.value)
            .map(|l| m.uli = Some(l))
            .map_err(GtpcError::BadUli),
        IeType::PAA if first && m.paa.is_none() => paa(ie).map(|p| m.paa = Some(p)),
        IeType::RAT_TYPE if first && m.rat_type.is_none() => match ie.value.first() {
            Some(&r) => {
                m.rat_type = Some(RatType(r));
                Ok(())
            }
            None => Err(bad_len(ie)),
        },
        IeType::CAUSE if first && m.cause.is_none() => cause(ie).map(|c| m.cause = Some(c)),
        IeType::FTEID if m.fteids.len() >= MAX_FTEIDS => Err(GtpcError::TooManyFteids),
        IeType::FTEID => fteid(ie).map(|f| m.fteids.push(f)),
        IeType::BEARER_CONTEXT if m.bearer_contexts.len() >= MAX_BEARERS => {
            Err(GtpcError::TooManyBearers)
        }
        IeType::BEARER_CONTEXT => {
            let mut b = BearerContext {
                instance: ie.instance,
                ..BearerContext::default()
            };
            for inner in ies(ie.value) {
                match inner.and_then(|i| bearer_ie(&mut b, i)) {
                    Ok(()) => {}
                    Err(e) => m.error(e),
                }
            }
            m.bearer_contexts.push(b);
            Ok(())
        }
        // Recovery, later instances, repeats and unknown IEs: skipped.
        _ => Ok(()),
    };
    if let Err(e) = r {
        m.error(e);
    }
}

fn bearer_ie(b: &mut BearerContext, ie: Ie<'_>) -> Result<(), GtpcError> {
    match ie.ty {
        IeType::EBI if b.ebi.is_none() => match ie.value.first() {
            Some(&v) => {
                b.ebi = Some(v & 0x0f);
                Ok(())
            }
            None => Err(bad_len(ie)),
        },
        IeType::CAUSE if b.cause.is_none() => cause(ie).map(|c| b.cause = Some(c)),
        IeType::FTEID if b.fteids.len() >= MAX_BEARER_FTEIDS => Err(GtpcError::TooManyFteids),
        IeType::FTEID => fteid(ie).map(|f| b.fteids.push(f)),
        _ => Ok(()),
    }
}

fn bad_len(ie: Ie<'_>) -> GtpcError {
    GtpcError::BadIeLength { ie: ie.ty.0 }
}

/// TBCD digits (TS 29.274 §8.3, §8.10, §8.11): low nibble first; a 0xF filler is allowed only
/// as the very last nibble.
fn digits(ie: Ie<'_>) -> Result<String, GtpcError> {
    let v = ie.value;
    if v.is_empty() || v.len() > MAX_DIGITS_LEN {
        return Err(bad_len(ie));
    }
    let bad = GtpcError::BadTbcd { ie: ie.ty.0 };
    let mut s = String::with_capacity(v.len() * 2);
    let last = v.len() - 1;
    for (i, &b) in v.iter().enumerate() {
        for (k, n) in [b & 0x0f, b >> 4].into_iter().enumerate() {
            match n {
                0..=9 => s.push(char::from(b'0' + n)),
                0x0f if i == last && k == 1 => {}
                _ => return Err(bad),
            }
        }
    }
    Ok(s)
}

/// APN (TS 29.274 §8.6, TS 23.003 §9.1): length-prefixed labels without a final zero.
fn apn(v: &[u8]) -> Result<String, GtpcError> {
    let mut rest = v;
    while let Some((&len, tail)) = rest.split_first() {
        rest = tail.get(usize::from(len)..).ok_or(GtpcError::BadApn)?;
    }
    let mut s = String::with_capacity(v.len());
    if !v.is_empty() {
        push_dotted(v, &mut s);
    }
    Ok(s)
}

fn cause(ie: Ie<'_>) -> Result<Cause, GtpcError> {
    let &[value, flags, ..] = ie.value else {
        return Err(bad_len(ie));
    };
    Ok(Cause {
        value,
        pce: flags & 0x04 != 0,
        bce: flags & 0x02 != 0,
        cs: flags & 0x01 != 0,
    })
}

fn v4(b: &[u8]) -> Option<Ipv4Addr> {
    let a: [u8; 4] = b.get(..4)?.try_into().ok()?;
    Some(Ipv4Addr::from(a))
}

fn v6(b: &[u8]) -> Option<Ipv6Addr> {
    let a: [u8; 16] = b.get(..16)?.try_into().ok()?;
    Some(Ipv6Addr::from(a))
}

fn fteid(ie: Ie<'_>) -> Result<Fteid, GtpcError> {
    let &[flags, t0, t1, t2, t3, ref addrs @ ..] = ie.value else {
        return Err(bad_len(ie));
    };
    let mut f = Fteid {
        instance: ie.instance,
        interface: FteidInterface(flags & 0x3f),
        teid: u32::from_be_bytes([t0, t1, t2, t3]),
        ipv4: None,
        ipv6: None,
    };
    let mut at = addrs;
    if flags & 0x80 != 0 {
        f.ipv4 = Some(v4(at).ok_or(bad_len(ie))?);
        at = at.get(4..).unwrap_or(&[]);
    }
    if flags & 0x40 != 0 {
        f.ipv6 = Some(v6(at).ok_or(bad_len(ie))?);
    }
    Ok(f)
}

fn paa(ie: Ie<'_>) -> Result<Paa, GtpcError> {
    let Some((&ty, rest)) = ie.value.split_first() else {
        return Err(bad_len(ie));
    };
    let pdn_type = PdnType(ty & 0x07);
    let mut p = Paa {
        pdn_type,
        ipv4: None,
        ipv6: None,
    };
    let v6_of = |b: &[u8]| -> Option<(Ipv6Addr, u8)> {
        let (&plen, a) = b.split_first()?;
        Some((v6(a)?, plen))
    };
    match pdn_type {
        PdnType::IPV4 => p.ipv4 = Some(v4(rest).ok_or(bad_len(ie))?),
        PdnType::IPV6 => p.ipv6 = Some(v6_of(rest).ok_or(bad_len(ie))?),
        PdnType::IPV4V6 => {
            p.ipv6 = Some(v6_of(rest).ok_or(bad_len(ie))?);
            p.ipv4 = Some(v4(rest.get(17..).unwrap_or(&[])).ok_or(bad_len(ie))?);
        }
        // Non-IP, Ethernet and unassigned types carry no address.
        _ => {}
    }
    Ok(p)
}

/// Every message of a UDP datagram: the first, then the piggybacked one when its P flag is
/// set (TS 29.274 §5.5.1). After an error the iterator ends.
#[derive(Clone, Debug)]
pub struct Messages<'a> {
    rest: &'a [u8],
    count: usize,
    done: bool,
}

/// The messages of one datagram (see [`Messages`]). A message cut short, or a P flag with
/// nothing after it, gives [`GtpcError::Truncated`]; a P flag on the piggybacked message
/// gives [`GtpcError::BadPiggyback`] after that message. Bytes after a message without the
/// P flag are ignored.
pub fn messages(datagram: &[u8]) -> Messages<'_> {
    Messages {
        rest: datagram,
        count: 0,
        done: false,
    }
}

impl Iterator for Messages<'_> {
    type Item = Result<GtpcMessage, GtpcError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        if self.count >= MAX_MESSAGES {
            self.done = true;
            return Some(Err(GtpcError::BadPiggyback));
        }
        match parse(self.rest) {
            Parse::Done { value, consumed } => {
                self.count += 1;
                if value.header.piggyback {
                    self.rest = self.rest.get(consumed..).unwrap_or(&[]);
                } else {
                    self.done = true;
                }
                Some(Ok(value))
            }
            Parse::NeedMore { .. } => {
                self.done = true;
                Some(Err(GtpcError::Truncated))
            }
            Parse::Malformed(e) => {
                self.done = true;
                Some(Err(e))
            }
        }
    }
}
