//! ClientHello / ServerHello parsers (pure; shared by TLS over TCP and QUIC).
//!
//! Input is one handshake message body (RFC 8446 §4, RFC 5246 §7.4): the bytes after the 4-byte
//! handshake header, exactly `length` bytes long. The caller (record layer of [`super::TlsFlow`]
//! or the QUIC CRYPTO stream) reassembles the message; these functions never see a record header
//! and hold no state.
//!
//! Every length on the wire is checked against its enclosing item (message, extension block,
//! extension, list): a length that points past its parent gives [`HelloError::TRUNCATED`], a
//! length that cannot be right for its element size (odd cipher-suite list, session id over 32
//! bytes) [`HelloError::MALFORMED`], bytes left over inside an item
//! [`HelloError::TRAILING_BYTES`], and a broken extension this parser reads (server_name, ALPN,
//! supported_versions, signature_algorithms) [`HelloError::EXTENSION`]. Extensions it does not
//! read are skipped by length. Unknown numbers (versions, cipher suites, extension types) are
//! data, not errors (STYLE rule 5).
//!
//! GREASE values (RFC 8701: `0x?a?a` with equal bytes) are dropped from `supported_versions` and
//! ignored by JA4; they are kept in the raw `cipher_suites`/`extensions` lists.

use super::ja4;

/// Handshake message type (RFC 8446 §4, open newtype: unknown values are data).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct HandshakeType(pub u8);

impl HandshakeType {
    pub const CLIENT_HELLO: Self = Self(1);
    pub const SERVER_HELLO: Self = Self(2);
}

/// Length of the handshake message header: type (1) + length (3).
pub const HANDSHAKE_HEADER_LEN: usize = 4;

/// Handshake message header: `(type, body length)` from its first 4 bytes, `None` when shorter.
pub fn handshake_header(data: &[u8]) -> Option<(HandshakeType, usize)> {
    match data {
        [t, a, b, c, ..] => Some((
            HandshakeType(*t),
            (usize::from(*a) << 16) | (usize::from(*b) << 8) | usize::from(*c),
        )),
        _ => None,
    }
}

/// Extension type numbers this parser reads (IANA TLS ExtensionType values).
pub mod ext {
    pub const SERVER_NAME: u16 = 0x0000;
    pub const SIGNATURE_ALGORITHMS: u16 = 0x000d;
    pub const ALPN: u16 = 0x0010;
    pub const SUPPORTED_VERSIONS: u16 = 0x002b;
}

/// Longest legacy_session_id (RFC 8446 §4.1.2: `opaque legacy_session_id<0..32>`).
pub const MAX_SESSION_ID_LEN: usize = 32;

/// At most this many ALPN protocols are kept from a ClientHello (browsers offer 1–3; the rest
/// are still length-checked). Bounds the `String`s allocated per handshake.
pub const MAX_ALPN_KEPT: usize = 16;

/// Whether `v` is a GREASE value (RFC 8701 §2: 0x0A0A, 0x1A1A, …, 0xFAFA).
pub const fn is_grease(v: u16) -> bool {
    (v & 0x0f0f) == 0x0a0a && (v >> 8) == (v & 0xff)
}

/// What cemprobe keeps of a ClientHello.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ClientHello {
    pub legacy_version: u16,
    /// Length of legacy_session_id (0..=32).
    pub session_id_len: u8,
    /// Cipher suites as offered, in order (GREASE kept).
    pub cipher_suites: Vec<u16>,
    /// Extension types as they appear, in order (GREASE kept).
    pub extensions: Vec<u16>,
    /// signature_algorithms as offered, in order (GREASE kept).
    pub signature_algorithms: Vec<u16>,
    /// First host_name (name type 0) of server_name, bytes outside printable ASCII or `\`
    /// escaped as `\xHH`.
    pub sni: Option<String>,
    /// ALPN protocols offered, in order (at most [`MAX_ALPN_KEPT`], escaped like `sni`).
    pub alpn: Vec<String>,
    /// supported_versions offered (GREASE removed), in order.
    pub supported_versions: Vec<u16>,
    /// JA4 fingerprint (computed by the caller-independent parser).
    pub ja4: Option<String>,
}

/// What cemprobe keeps of a ServerHello.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ServerHello {
    pub legacy_version: u16,
    /// Cipher suite chosen.
    pub cipher_suite: u16,
    /// supported_versions selected_version (TLS 1.3).
    pub selected_version: Option<u16>,
    /// ALPN selected (TLS ≤ 1.2: in the ServerHello).
    pub alpn: Option<String>,
    /// This is a HelloRetryRequest (RFC 8446 §4.1.3: random = SHA-256("HelloRetryRequest")).
    pub hello_retry_request: bool,
}

/// Parse error with a stable counter name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HelloError(pub &'static str);

impl HelloError {
    /// A length points past the end of its enclosing item (message, extensions, extension).
    pub const TRUNCATED: Self = Self("tls_hello_truncated");
    /// A length that cannot be right: odd list of 16-bit values, session id over 32 bytes, no
    /// compression method.
    pub const MALFORMED: Self = Self("tls_hello_malformed");
    /// Bytes left over after the last field of the message or of an extension block.
    pub const TRAILING_BYTES: Self = Self("tls_hello_trailing_bytes");
    /// server_name, ALPN, supported_versions or signature_algorithms is malformed inside.
    pub const EXTENSION: Self = Self("tls_extension_malformed");

    /// The stable counter name.
    pub const fn name(self) -> &'static str {
        self.0
    }
}

/// HelloRetryRequest's fixed `random` (RFC 8446 §4.1.3).
const HRR_RANDOM: [u8; 32] = [
    0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c, 0x02, 0x1e, 0x65, 0xb8, 0x91,
    0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb, 0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c,
];

/// A checked forward reader over a byte slice: every read is bounds-checked and fails with
/// `err` (the error for "past the end of this item").
struct Cursor<'a> {
    data: &'a [u8],
    err: HelloError,
}

impl<'a> Cursor<'a> {
    fn new(data: &'a [u8], err: HelloError) -> Self {
        Self { data, err }
    }
    fn take(&mut self, n: usize) -> Result<&'a [u8], HelloError> {
        match (self.data.get(..n), self.data.get(n..)) {
            (Some(head), Some(rest)) => {
                self.data = rest;
                Ok(head)
            }
            _ => Err(self.err),
        }
    }
    fn u8(&mut self) -> Result<u8, HelloError> {
        match self.take(1)? {
            [a] => Ok(*a),
            _ => Err(self.err),
        }
    }
    fn u16(&mut self) -> Result<u16, HelloError> {
        match self.take(2)? {
            [a, b] => Ok(u16::from_be_bytes([*a, *b])),
            _ => Err(self.err),
        }
    }
    /// `opaque x<0..2^8-1>`.
    fn vec8(&mut self) -> Result<&'a [u8], HelloError> {
        let n = self.u8()?;
        self.take(usize::from(n))
    }
    /// `opaque x<0..2^16-1>`.
    fn vec16(&mut self) -> Result<&'a [u8], HelloError> {
        let n = self.u16()?;
        self.take(usize::from(n))
    }
    fn is_empty(&self) -> bool {
        self.data.is_empty()
    }
    /// Fail with `e` unless everything was read.
    fn end(&self, e: HelloError) -> Result<(), HelloError> {
        if self.data.is_empty() {
            Ok(())
        } else {
            Err(e)
        }
    }
}

/// Big-endian u16 list from bytes of even length, else `err`.
fn u16_list(bytes: &[u8], err: HelloError) -> Result<impl Iterator<Item = u16> + '_, HelloError> {
    if bytes.len() % 2 != 0 {
        return Err(err);
    }
    Ok(bytes.chunks_exact(2).map(|c| match c {
        [a, b] => u16::from_be_bytes([*a, *b]),
        _ => 0,
    }))
}

/// Bytes as a `String`: printable ASCII kept, everything else (and `\`) as `\xHH`.
pub fn escape(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(bytes.len());
    for &b in bytes {
        if (0x20..0x7f).contains(&b) && b != b'\\' {
            s.push(char::from(b));
        } else {
            s.push_str("\\x");
            s.push(hex_digit(b >> 4));
            s.push(hex_digit(b & 0xf));
        }
    }
    s
}

fn hex_digit(n: u8) -> char {
    char::from_digit(u32::from(n), 16).unwrap_or('0')
}

/// The fields every hello starts with: legacy_version, random, legacy_session_id.
fn hello_prefix<'a>(c: &mut Cursor<'a>) -> Result<(u16, &'a [u8], u8), HelloError> {
    let version = c.u16()?;
    let random = c.take(32)?;
    let sid = c.vec8()?;
    if sid.len() > MAX_SESSION_ID_LEN {
        return Err(HelloError::MALFORMED);
    }
    Ok((version, random, sid.len() as u8))
}

/// Walk an extension block (`Extension extensions<..2^16-1>` after the fixed fields): if the
/// message ends right after the fixed fields there are none (TLS ≤ 1.2 allows that); otherwise the
/// block must fill the rest of the message exactly.
fn for_each_extension<'a>(
    c: &mut Cursor<'a>,
    mut f: impl FnMut(u16, &'a [u8]) -> Result<(), HelloError>,
) -> Result<(), HelloError> {
    if c.is_empty() {
        return Ok(());
    }
    let block = c.vec16()?;
    c.end(HelloError::TRAILING_BYTES)?;
    let mut e = Cursor::new(block, HelloError::TRUNCATED);
    while !e.is_empty() {
        let typ = e.u16()?;
        let body = e.vec16()?;
        f(typ, body)?;
    }
    Ok(())
}

/// server_name (RFC 6066 §3): the first host_name entry, `None` if the list has no host_name.
fn parse_sni(body: &[u8]) -> Result<Option<String>, HelloError> {
    let mut c = Cursor::new(body, HelloError::EXTENSION);
    let list = c.vec16()?;
    c.end(HelloError::EXTENSION)?;
    if list.is_empty() {
        return Err(HelloError::EXTENSION);
    }
    let mut l = Cursor::new(list, HelloError::EXTENSION);
    let mut host = None;
    while !l.is_empty() {
        let name_type = l.u8()?;
        let name = l.vec16()?;
        if name_type == 0 && host.is_none() {
            if name.is_empty() {
                return Err(HelloError::EXTENSION);
            }
            host = Some(escape(name));
        }
    }
    Ok(host)
}

/// ALPN (RFC 7301 §3.1): `ProtocolName protocol_name_list<2..2^16-1>`, each `<1..2^8-1>`
/// (empty names are tolerated and kept as `""`). Calls `f` with each name in order.
fn parse_alpn<'a>(body: &'a [u8], mut f: impl FnMut(&'a [u8])) -> Result<(), HelloError> {
    let mut c = Cursor::new(body, HelloError::EXTENSION);
    let list = c.vec16()?;
    c.end(HelloError::EXTENSION)?;
    if list.is_empty() {
        return Err(HelloError::EXTENSION);
    }
    let mut l = Cursor::new(list, HelloError::EXTENSION);
    while !l.is_empty() {
        f(l.vec8()?);
    }
    Ok(())
}

/// Parse a ClientHello handshake message body (after the 4-byte handshake header).
/// `quic`: from QUIC CRYPTO frames (JA4 starts with `q`).
pub fn parse_client_hello(body: &[u8], quic: bool) -> Result<ClientHello, HelloError> {
    let mut c = Cursor::new(body, HelloError::TRUNCATED);
    let (legacy_version, _random, session_id_len) = hello_prefix(&mut c)?;
    let suites = c.vec16()?;
    let cipher_suites: Vec<u16> = u16_list(suites, HelloError::MALFORMED)?.collect();
    let compression = c.vec8()?;
    if compression.is_empty() {
        return Err(HelloError::MALFORMED);
    }
    let mut hello = ClientHello {
        legacy_version,
        session_id_len,
        cipher_suites,
        ..ClientHello::default()
    };
    let mut sni_seen = false;
    let mut alpn_seen = false;
    let mut first_alpn: Option<&[u8]> = None;
    let mut sigalgs_seen = false;
    let mut versions_seen = false;
    for_each_extension(&mut c, |typ, data| {
        hello.extensions.push(typ);
        match typ {
            ext::SERVER_NAME if !sni_seen => {
                sni_seen = true;
                hello.sni = parse_sni(data)?;
            }
            ext::ALPN if !alpn_seen => {
                alpn_seen = true;
                let alpn = &mut hello.alpn;
                parse_alpn(data, |name| {
                    if first_alpn.is_none() {
                        first_alpn = Some(name);
                    }
                    if alpn.len() < MAX_ALPN_KEPT {
                        alpn.push(escape(name));
                    }
                })?;
            }
            ext::SUPPORTED_VERSIONS if !versions_seen => {
                versions_seen = true;
                // `ProtocolVersion versions<2..254>` (RFC 8446 §4.2.1).
                let mut e = Cursor::new(data, HelloError::EXTENSION);
                let list = e.vec8()?;
                e.end(HelloError::EXTENSION)?;
                if list.is_empty() {
                    return Err(HelloError::EXTENSION);
                }
                let versions = u16_list(list, HelloError::EXTENSION)?;
                hello
                    .supported_versions
                    .extend(versions.filter(|v| !is_grease(*v)));
            }
            ext::SIGNATURE_ALGORITHMS if !sigalgs_seen => {
                sigalgs_seen = true;
                // `SignatureScheme supported_signature_algorithms<2..2^16-2>` (RFC 8446 §4.2.3).
                let mut e = Cursor::new(data, HelloError::EXTENSION);
                let list = e.vec16()?;
                e.end(HelloError::EXTENSION)?;
                hello
                    .signature_algorithms
                    .extend(u16_list(list, HelloError::EXTENSION)?);
            }
            _ => {}
        }
        Ok(())
    })?;
    hello.ja4 = Some(ja4::fingerprint(&ja4::Input {
        quic,
        legacy_version,
        supported_versions: &hello.supported_versions,
        sni: sni_seen,
        cipher_suites: &hello.cipher_suites,
        extensions: &hello.extensions,
        first_alpn,
        signature_algorithms: &hello.signature_algorithms,
    }));
    Ok(hello)
}

/// Parse a ServerHello handshake message body (after the 4-byte handshake header).
/// A HelloRetryRequest (same message type, special `random`) parses too, flagged
/// `hello_retry_request`.
pub fn parse_server_hello(body: &[u8]) -> Result<ServerHello, HelloError> {
    let mut c = Cursor::new(body, HelloError::TRUNCATED);
    let (legacy_version, random, _sid) = hello_prefix(&mut c)?;
    let cipher_suite = c.u16()?;
    let _compression = c.u8()?;
    let mut hello = ServerHello {
        legacy_version,
        cipher_suite,
        hello_retry_request: random == HRR_RANDOM,
        ..ServerHello::default()
    };
    let mut versions_seen = false;
    let mut alpn_seen = false;
    for_each_extension(&mut c, |typ, data| {
        match typ {
            ext::SUPPORTED_VERSIONS if !versions_seen => {
                versions_seen = true;
                // `ProtocolVersion selected_version` (RFC 8446 §4.2.1).
                let mut e = Cursor::new(data, HelloError::EXTENSION);
                hello.selected_version = Some(e.u16()?);
                e.end(HelloError::EXTENSION)?;
            }
            ext::ALPN if !alpn_seen => {
                alpn_seen = true;
                let alpn = &mut hello.alpn;
                parse_alpn(data, |name| {
                    if alpn.is_none() {
                        *alpn = Some(escape(name));
                    }
                })?;
            }
            _ => {}
        }
        Ok(())
    })?;
    Ok(hello)
}

#[cfg(test)]
#[path = "hello_tests.rs"]
mod tests;
