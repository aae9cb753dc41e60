//! Pure DNS message parser (RFC 1035 §4.1): bytes in, [`Message`] out, no state, no heap.
//!
//! The header and the first question must be complete: without them a message cannot be
//! matched, so a message cut inside them is [`Parse::NeedMore`] and a bad name there is
//! [`Parse::Malformed`]. The sections after the question are walked as far as the bytes allow
//! (STYLE rule 4): a message cut by the snaplen, or with a bad record, still gives its header
//! and question, and [`Message::stop`] says why the walk stopped.

use std::fmt::Write as _;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use crate::app::Parse;

/// Bytes of the fixed header (RFC 1035 §4.1.1).
pub const HEADER_LEN: usize = 12;
/// Longest name on the wire, length octets and the final zero included (RFC 1035 §2.3.4).
pub const MAX_NAME_WIRE: usize = 255;
/// Compression pointers followed while reading one name. Targets must strictly decrease (see
/// [`read_name`]), so this only bounds the work on chains of pointers to pointers; a real
/// name has at most one pointer per label and never needs more than a handful.
pub const MAX_POINTER_JUMPS: usize = 32;
/// A/AAAA addresses kept per response: enough for any real answer (a CDN returns ≤ 16), and
/// it bounds the [`Message`] size; further addresses are skipped.
pub const MAX_ADDRS: usize = 32;

const TYPE_A: u16 = 1;
const TYPE_AAAA: u16 = 28;
const TYPE_OPT: u16 = 41;
const CLASS_IN: u16 = 1;

/// Why a message (or the part after its question) could not be decoded. Each has a stable
/// counter name ([`DnsError::name`]); never rename one.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DnsError {
    /// The bytes end inside the header, a name or a record (snaplen cut, short TCP message).
    Truncated,
    /// A compression pointer targets the name segment that contains it (or a later part of
    /// it): following it would loop.
    PointerLoop,
    /// A compression pointer targets a position after itself (RFC 1035 §4.1.4 allows only
    /// prior occurrences).
    PointerForward,
    /// A compression pointer targets the header or a position beyond the message.
    BadPointer,
    /// More than [`MAX_POINTER_JUMPS`] pointers in one name.
    TooManyPointers,
    /// A name longer than 255 octets on the wire.
    NameTooLong,
    /// A length octet with the reserved high bits `01` or `10` (RFC 6891 §5 deprecated the
    /// extended label types). A label longer than 63 octets cannot be encoded without setting
    /// these bits, so such a label is counted here.
    BadLabelType,
    /// An A record whose RDATA is not 4 octets, or an AAAA record whose RDATA is not 16.
    BadRdata,
}

impl DnsError {
    /// Stable counter name.
    pub const fn name(self) -> &'static str {
        match self {
            DnsError::Truncated => "dns_truncated",
            DnsError::PointerLoop => "dns_pointer_loop",
            DnsError::PointerForward => "dns_pointer_forward",
            DnsError::BadPointer => "dns_bad_pointer",
            DnsError::TooManyPointers => "dns_too_many_pointers",
            DnsError::NameTooLong => "dns_name_too_long",
            DnsError::BadLabelType => "dns_bad_label_type",
            DnsError::BadRdata => "dns_bad_rdata",
        }
    }
}

/// Why reading a name failed: the bytes end (at least `needed` bytes in total are required)
/// or it is malformed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NameError {
    Truncated { needed: usize },
    Malformed(DnsError),
}

impl NameError {
    fn error(self) -> DnsError {
        match self {
            NameError::Truncated { .. } => DnsError::Truncated,
            NameError::Malformed(e) => e,
        }
    }
}

/// The fixed header (RFC 1035 §4.1.1).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Header {
    pub id: u16,
    /// QR, opcode, AA, TC, RD, RA, Z, AD, CD and the 4-bit rcode as on the wire.
    pub flags: u16,
    pub qdcount: u16,
    pub ancount: u16,
    pub nscount: u16,
    pub arcount: u16,
}

impl Header {
    /// Decode the first 12 bytes, or `None` when fewer are given.
    pub fn new(data: &[u8]) -> Option<Header> {
        let h: [u8; HEADER_LEN] = data.get(..HEADER_LEN)?.try_into().ok()?;
        let be = |i: usize| u16::from_be_bytes([h[i], h[i + 1]]);
        Some(Header {
            id: be(0),
            flags: be(2),
            qdcount: be(4),
            ancount: be(6),
            nscount: be(8),
            arcount: be(10),
        })
    }
    /// QR: true for a response.
    pub const fn is_response(&self) -> bool {
        self.flags & 0x8000 != 0
    }
    pub const fn opcode(&self) -> u8 {
        ((self.flags >> 11) & 0xf) as u8
    }
    /// TC: the response was truncated to fit the transport (the client retries over TCP).
    pub const fn truncated(&self) -> bool {
        self.flags & 0x0200 != 0
    }
    /// The 4-bit rcode of the header (without EDNS extended bits).
    pub const fn rcode(&self) -> u8 {
        (self.flags & 0xf) as u8
    }
}

/// A decompressed name in wire form: length-prefixed labels without the final zero octet
/// (empty for the root). Fixed size, so decoding one never allocates.
#[derive(Clone, Copy)]
pub struct Name {
    buf: [u8; MAX_NAME_WIRE],
    len: u8,
}

impl Default for Name {
    fn default() -> Self {
        Name {
            buf: [0; MAX_NAME_WIRE],
            len: 0,
        }
    }
}

impl std::fmt::Debug for Name {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Name({:?})", self.to_dotted())
    }
}

impl PartialEq for Name {
    /// Names compare case-insensitively (RFC 4343); length octets are < 64 and never change.
    fn eq(&self, other: &Self) -> bool {
        self.wire().eq_ignore_ascii_case(other.wire())
    }
}
impl Eq for Name {}

impl Name {
    /// Length-prefixed labels without the final zero octet.
    pub fn wire(&self) -> &[u8] {
        self.buf.get(..usize::from(self.len)).unwrap_or(&[])
    }

    /// Append one label; the caller has checked the total length.
    fn push(&mut self, label: &[u8]) {
        let start = usize::from(self.len);
        let end = start + 1 + label.len();
        if let (Some((len_octet, dst)), Ok(lab_len), Ok(new_len)) = (
            self.buf
                .get_mut(start..end)
                .and_then(|d| d.split_first_mut()),
            u8::try_from(label.len()),
            u8::try_from(end),
        ) {
            *len_octet = lab_len;
            dst.copy_from_slice(label);
            self.len = new_len;
        }
    }

    /// Dotted form without the trailing dot, `"."` for the root; see [`push_dotted`].
    pub fn to_dotted(&self) -> String {
        let mut s = String::with_capacity(usize::from(self.len).max(1));
        push_dotted(self.wire(), &mut s);
        s
    }
}

/// Append a wire-form name (length-prefixed labels, as [`Name::wire`]) to `out` in dotted
/// form without the trailing dot, `"."` for the root. Case is kept. A byte that is not
/// printable ASCII (space included), and `.` or `\` inside a label, is written as `\DDD`
/// with three decimal digits (zone-file style, RFC 4343 §2.1), so the text is unambiguous.
pub fn push_dotted(wire: &[u8], out: &mut String) {
    if wire.is_empty() {
        out.push('.');
        return;
    }
    let mut rest = wire;
    let mut first = true;
    while let Some((&len, tail)) = rest.split_first() {
        let label = tail.get(..usize::from(len)).unwrap_or(tail);
        rest = tail.get(usize::from(len)..).unwrap_or(&[]);
        if !first {
            out.push('.');
        }
        first = false;
        for &b in label {
            if b.is_ascii_graphic() && b != b'.' && b != b'\\' {
                out.push(char::from(b));
            } else {
                let _ = write!(out, "\\{b:03}");
            }
        }
    }
}

/// The question (RFC 1035 §4.1.2).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Question {
    pub name: Name,
    pub qtype: u16,
    pub qclass: u16,
}

/// A/AAAA addresses of an answer section, in order, at most [`MAX_ADDRS`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AddrList {
    items: [IpAddr; MAX_ADDRS],
    len: u8,
}

impl Default for AddrList {
    fn default() -> Self {
        AddrList {
            items: [IpAddr::V4(Ipv4Addr::UNSPECIFIED); MAX_ADDRS],
            len: 0,
        }
    }
}

impl AddrList {
    pub fn as_slice(&self) -> &[IpAddr] {
        self.items.get(..usize::from(self.len)).unwrap_or(&[])
    }
    /// Keep `a` unless the list is full.
    fn push(&mut self, a: IpAddr) {
        if let Some(slot) = self.items.get_mut(usize::from(self.len)) {
            *slot = a;
            self.len += 1;
        }
    }
}

/// What cemprobe keeps of a DNS message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Message {
    pub header: Header,
    /// The first question; `None` when QDCOUNT is 0 (further questions are skipped).
    pub question: Option<Question>,
    /// EXTENDED-RCODE octet of the first OPT record in the additional section
    /// (RFC 6891 §6.1.3), when one was reached.
    pub ext_rcode: Option<u8>,
    /// A (class IN, 4-octet RDATA) and AAAA (class IN, 16-octet RDATA) records of the answer
    /// section, in order.
    pub addrs: AddrList,
    /// Why the walk after the question stopped before the end of the sections (`None`: every
    /// record announced by the header was read). What was read before it is kept.
    pub stop: Option<DnsError>,
}

impl Message {
    /// Full response code: `(EXTENDED-RCODE << 4) | header rcode` when an OPT record carries
    /// the extended bits (RFC 6891 §6.1.3), else the header's 4-bit rcode.
    pub fn rcode(&self) -> u16 {
        let ext = u16::from(self.ext_rcode.unwrap_or(0));
        (ext << 4) | u16::from(self.header.rcode())
    }
}

/// Read the name at `pos` of `msg` (the whole message, since pointers are offsets from its
/// start), appending its labels to `name` when given. Returns the position after the name
/// where it started (after its first pointer, or its final zero octet).
///
/// Pointer rules (RFC 1035 §4.1.4 allows pointers to *prior* occurrences only): a pointer
/// must target a position at or after the header ([`DnsError::BadPointer`] otherwise, also
/// beyond the message), before itself ([`DnsError::PointerForward`]), and strictly before the
/// start of the run of labels it ends ([`DnsError::PointerLoop`]); so targets strictly
/// decrease and every name ends. At most [`MAX_POINTER_JUMPS`] jumps, and at most 255 octets
/// ([`DnsError::NameTooLong`]).
pub fn read_name(msg: &[u8], pos: usize, mut name: Option<&mut Name>) -> Result<usize, NameError> {
    let mut p = pos;
    let mut run_start = pos;
    let mut end = None;
    let mut jumps = 0usize;
    // Octets of the name so far, with the final zero octet.
    let mut wire_len = 1usize;
    loop {
        let &b = msg.get(p).ok_or(NameError::Truncated { needed: p + 1 })?;
        match b >> 6 {
            0 => {
                let len = usize::from(b);
                if len == 0 {
                    return Ok(end.unwrap_or(p + 1));
                }
                let label = msg.get(p + 1..p + 1 + len).ok_or(NameError::Truncated {
                    needed: p + 1 + len,
                })?;
                wire_len += 1 + len;
                if wire_len > MAX_NAME_WIRE {
                    return Err(NameError::Malformed(DnsError::NameTooLong));
                }
                if let Some(n) = name.as_deref_mut() {
                    n.push(label);
                }
                p += 1 + len;
            }
            3 => {
                let &b2 = msg
                    .get(p + 1)
                    .ok_or(NameError::Truncated { needed: p + 2 })?;
                let target = usize::from(u16::from_be_bytes([b & 0x3f, b2]));
                if end.is_none() {
                    end = Some(p + 2);
                }
                let err = if target < HEADER_LEN || target >= msg.len() {
                    Some(DnsError::BadPointer)
                } else if target > p {
                    Some(DnsError::PointerForward)
                } else if target >= run_start {
                    Some(DnsError::PointerLoop)
                } else {
                    None
                };
                if let Some(e) = err {
                    return Err(NameError::Malformed(e));
                }
                jumps += 1;
                if jumps > MAX_POINTER_JUMPS {
                    return Err(NameError::Malformed(DnsError::TooManyPointers));
                }
                run_start = target;
                p = target;
            }
            _ => return Err(NameError::Malformed(DnsError::BadLabelType)),
        }
    }
}

/// Fixed part of a resource record after its name: TYPE, CLASS, TTL, RDLENGTH.
const RR_FIXED: usize = 10;

/// One resource record's fields that matter here.
struct Rr<'a> {
    rtype: u16,
    class: u16,
    ttl: [u8; 4],
    rdata: &'a [u8],
}

/// Read the record at `pos`; returns it and the position after it.
fn read_rr(msg: &[u8], pos: usize) -> Result<(Rr<'_>, usize), DnsError> {
    let p = read_name(msg, pos, None).map_err(NameError::error)?;
    let f: [u8; RR_FIXED] = msg
        .get(p..p + RR_FIXED)
        .and_then(|f| f.try_into().ok())
        .ok_or(DnsError::Truncated)?;
    let rdlen = usize::from(u16::from_be_bytes([f[8], f[9]]));
    let start = p + RR_FIXED;
    let rdata = msg.get(start..start + rdlen).ok_or(DnsError::Truncated)?;
    let rr = Rr {
        rtype: u16::from_be_bytes([f[0], f[1]]),
        class: u16::from_be_bytes([f[2], f[3]]),
        ttl: [f[4], f[5], f[6], f[7]],
        rdata,
    };
    Ok((rr, start + rdlen))
}

/// Parse one DNS message (the whole UDP payload, or one TCP message without its length
/// prefix). `Done.consumed` is where the last record announced by the header ended (or where
/// the walk stopped); trailing bytes are ignored.
pub fn parse(msg: &[u8]) -> Parse<Message, DnsError> {
    let Some(header) = Header::new(msg) else {
        return Parse::NeedMore { needed: HEADER_LEN };
    };
    let mut m = Message {
        header,
        question: None,
        ext_rcode: None,
        addrs: AddrList::default(),
        stop: None,
    };
    let mut pos = HEADER_LEN;
    if header.qdcount > 0 {
        let mut name = Name::default();
        pos = match read_name(msg, pos, Some(&mut name)) {
            Ok(p) => p,
            Err(NameError::Truncated { needed }) => return Parse::NeedMore { needed },
            Err(NameError::Malformed(e)) => return Parse::Malformed(e),
        };
        let Some(f) = msg
            .get(pos..pos + 4)
            .and_then(|f| <[u8; 4]>::try_from(f).ok())
        else {
            return Parse::NeedMore { needed: pos + 4 };
        };
        m.question = Some(Question {
            name,
            qtype: u16::from_be_bytes([f[0], f[1]]),
            qclass: u16::from_be_bytes([f[2], f[3]]),
        });
        pos += 4;
    }
    match walk_sections(msg, pos, &mut m) {
        Ok(end) => pos = end,
        Err((e, at)) => {
            m.stop = Some(e);
            pos = at;
        }
    }
    Parse::Done {
        value: m,
        consumed: pos,
    }
}

/// Walk the further questions and the answer, authority and additional sections from `pos`,
/// collecting addresses and the OPT extended rcode into `m`. Returns the end position, or the
/// error and the position of the item that could not be read.
fn walk_sections(msg: &[u8], mut pos: usize, m: &mut Message) -> Result<usize, (DnsError, usize)> {
    let h = m.header;
    for _ in 1..h.qdcount {
        let p = read_name(msg, pos, None).map_err(|e| (e.error(), pos))?;
        if msg.len() < p + 4 {
            return Err((DnsError::Truncated, pos));
        }
        pos = p + 4;
    }
    for _ in 0..h.ancount {
        let (rr, next) = read_rr(msg, pos).map_err(|e| (e, pos))?;
        let addr = match (rr.rtype, rr.class) {
            (TYPE_A, CLASS_IN) => Some(
                <[u8; 4]>::try_from(rr.rdata)
                    .map(|a| IpAddr::V4(Ipv4Addr::from(a)))
                    .map_err(|_| (DnsError::BadRdata, pos))?,
            ),
            (TYPE_AAAA, CLASS_IN) => Some(
                <[u8; 16]>::try_from(rr.rdata)
                    .map(|a| IpAddr::V6(Ipv6Addr::from(a)))
                    .map_err(|_| (DnsError::BadRdata, pos))?,
            ),
            _ => None,
        };
        if let Some(a) = addr {
            m.addrs.push(a);
        }
        pos = next;
    }
    for _ in 0..h.nscount {
        let (_, next) = read_rr(msg, pos).map_err(|e| (e, pos))?;
        pos = next;
    }
    for _ in 0..h.arcount {
        let (rr, next) = read_rr(msg, pos).map_err(|e| (e, pos))?;
        // Only the first OPT counts (RFC 6891 §6.1.1: more than one is a FORMERR).
        if rr.rtype == TYPE_OPT && m.ext_rcode.is_none() {
            m.ext_rcode = Some(rr.ttl[0]);
        }
        pos = next;
    }
    Ok(pos)
}
