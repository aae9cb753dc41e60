//! Pure HTTP/1.x head parsers (RFC 9112 §2–§6): bytes in, borrowed struct out.
//!
//! A head is the start line, header lines, and the empty line that ends it. Lines end with
//! CRLF or a bare LF (RFC 9112 §2.2 allows a recipient to accept LF alone). Empty lines before
//! the start line are skipped (RFC 9112 §2.2). Only the headers that frame the message are
//! interpreted: `Host` (requests), `Content-Length`, `Transfer-Encoding`, `Connection`; the
//! others are checked for syntax and skipped. Nothing is copied or allocated.
//!
//! Outcomes: [`Parse::Done`] with the head length (`consumed`, blank line included);
//! [`Parse::NeedMore`] while the blank line has not arrived (the start line seen so far is
//! already checked, so non-HTTP bytes are refused on the first call); [`Parse::Malformed`]
//! with an [`HttpError`] for garbage, obsolete line folding, or a head over [`MAX_HEAD_BYTES`].

use super::HttpError;
use crate::app::Parse;

/// Cap on a head (start line + headers + blank line), and on chunked trailers. 16 KiB is
/// above what browsers and servers send in practice (cookies included; nginx's default
/// `large_client_header_buffers` is 8 KiB per line) and bounds the per-direction reassembly
/// buffer of a flow.
pub const MAX_HEAD_BYTES: usize = 16 * 1024;

/// Cap on a method token: the longest registered method (`UPDATEREDIRECTREF`) has 17 bytes;
/// a longer "method" is taken as non-HTTP bytes.
pub const MAX_METHOD_BYTES: usize = 24;

/// HTTP/1.x version of a message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Version {
    Http10,
    Http11,
}

/// Final transfer coding of a message (RFC 9112 §6.1).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum TransferCoding {
    /// No Transfer-Encoding header.
    #[default]
    None,
    /// The final coding is `chunked`.
    Chunked,
    /// A Transfer-Encoding whose final coding is not `chunked`.
    Other,
}

/// The header fields that frame a message.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Framing {
    /// Content-Length (equal repeated values, as headers or as a list, are accepted).
    pub content_length: Option<u64>,
    pub transfer_encoding: TransferCoding,
    /// `Connection: close` was present.
    pub close: bool,
    /// `Connection: keep-alive` was present.
    pub keep_alive: bool,
}

impl Framing {
    /// Whether the connection stays open after this message (RFC 9112 §9.3): HTTP/1.1
    /// unless `close`; HTTP/1.0 only with `keep-alive`.
    pub fn persistent(&self, version: Version) -> bool {
        match version {
            Version::Http11 => !self.close,
            Version::Http10 => self.keep_alive && !self.close,
        }
    }
}

/// How the body of a message is delimited (RFC 9112 §6.3).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BodyLen {
    /// No body (also interim 1xx responses).
    None,
    /// Exactly this many bytes (may be 0).
    Length(u64),
    /// Chunked transfer coding.
    Chunked,
    /// Response body that runs until the server closes the connection.
    UntilClose,
    /// The connection leaves HTTP (2xx to CONNECT, `101 Switching Protocols`).
    Tunnel,
}

/// A parsed request head; slices borrow the input.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RequestHead<'a> {
    /// Method token as sent (case kept).
    pub method: &'a [u8],
    pub target: &'a [u8],
    pub version: Version,
    /// Value of the first `Host` header, optional whitespace around it removed, otherwise
    /// as sent (case and port kept).
    pub host: Option<&'a [u8]>,
    pub framing: Framing,
}

impl RequestHead<'_> {
    /// Request body length (RFC 9112 §6.3 rules 4–6): chunked when Transfer-Encoding ends in
    /// `chunked` (it overrides Content-Length), else Content-Length, else no body. Any other
    /// Transfer-Encoding on a request is an error.
    pub fn body(&self) -> Result<BodyLen, HttpError> {
        match self.framing.transfer_encoding {
            TransferCoding::Chunked => Ok(BodyLen::Chunked),
            TransferCoding::Other => Err(HttpError::BadTransferEncoding),
            TransferCoding::None => Ok(self
                .framing
                .content_length
                .map_or(BodyLen::None, BodyLen::Length)),
        }
    }
}

/// A parsed response head; slices borrow the input.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ResponseHead<'a> {
    pub version: Version,
    /// Status code, 100..=999.
    pub status: u16,
    /// Reason phrase as sent (may be empty).
    pub reason: &'a [u8],
    pub framing: Framing,
}

/// Body length of a response with `status` and `framing` to a request with
/// `request_method` (RFC 9112 §6.3 rules 1–3, 4–8): no body for HEAD, 1xx, 204 and 304;
/// [`BodyLen::Tunnel`] for 101 and for 2xx to CONNECT; then chunked, until close for another
/// Transfer-Encoding, Content-Length, and until close without any length.
pub fn response_body(status: u16, framing: &Framing, request_method: &[u8]) -> BodyLen {
    if status == 101 || (request_method == b"CONNECT" && (200..300).contains(&status)) {
        return BodyLen::Tunnel;
    }
    if request_method == b"HEAD" || (100..200).contains(&status) || status == 204 || status == 304 {
        return BodyLen::None;
    }
    match framing.transfer_encoding {
        TransferCoding::Chunked => BodyLen::Chunked,
        TransferCoding::Other => BodyLen::UntilClose,
        TransferCoding::None => framing
            .content_length
            .map_or(BodyLen::UntilClose, BodyLen::Length),
    }
}

/// Parse a request head at the start of `data`.
pub fn parse_request_head(data: &[u8]) -> Parse<RequestHead<'_>, HttpError> {
    let (window, start) = head_window(data);
    let Some((line, pos)) = next_line(window, start) else {
        return match request_line(partial_line(window, start), false) {
            Err(e) => Parse::Malformed(e),
            Ok(_) => need_more(data),
        };
    };
    let (method, target, version) = match request_line(line, true) {
        Ok(Some(v)) => v,
        Ok(None) => return Parse::Malformed(HttpError::BadRequestLine),
        Err(e) => return Parse::Malformed(e),
    };
    let mut host = None;
    match headers(data, window, pos, &mut |name, value| {
        if host.is_none() && name.eq_ignore_ascii_case(b"host") {
            host = Some(value);
        }
    }) {
        Parse::Done { value, consumed } => Parse::Done {
            value: RequestHead {
                method,
                target,
                version,
                host,
                framing: value,
            },
            consumed,
        },
        Parse::NeedMore { needed } => Parse::NeedMore { needed },
        Parse::Malformed(e) => Parse::Malformed(e),
    }
}

/// Parse a response head at the start of `data`.
pub fn parse_response_head(data: &[u8]) -> Parse<ResponseHead<'_>, HttpError> {
    let (window, start) = head_window(data);
    let Some((line, pos)) = next_line(window, start) else {
        return match status_line(partial_line(window, start), false) {
            Err(e) => Parse::Malformed(e),
            Ok(_) => need_more(data),
        };
    };
    let (version, status, reason) = match status_line(line, true) {
        Ok(Some(v)) => v,
        Ok(None) => return Parse::Malformed(HttpError::BadStatusLine),
        Err(e) => return Parse::Malformed(e),
    };
    match headers(data, window, pos, &mut |_, _| {}) {
        Parse::Done { value, consumed } => Parse::Done {
            value: ResponseHead {
                version,
                status,
                reason,
                framing: value,
            },
            consumed,
        },
        Parse::NeedMore { needed } => Parse::NeedMore { needed },
        Parse::Malformed(e) => Parse::Malformed(e),
    }
}

/// The first [`MAX_HEAD_BYTES`] of `data` and the offset after leading empty lines.
fn head_window(data: &[u8]) -> (&[u8], usize) {
    let window = data.get(..MAX_HEAD_BYTES).unwrap_or(data);
    let mut start = 0;
    loop {
        match window.get(start..) {
            Some([b'\r', b'\n', ..]) => start += 2,
            Some([b'\n', ..]) => start += 1,
            _ => return (window, start),
        }
    }
}

/// `NeedMore` for a head whose end is not in `data`, or `HeaderTooLong` when `data` already
/// holds [`MAX_HEAD_BYTES`] without it.
fn need_more<T>(data: &[u8]) -> Parse<T, HttpError> {
    if data.len() >= MAX_HEAD_BYTES {
        Parse::Malformed(HttpError::HeaderTooLong)
    } else {
        Parse::NeedMore {
            needed: data.len() + 1,
        }
    }
}

/// The line starting at `pos` (without its LF and an optional CR before it) and the offset
/// after its LF; `None` when no LF follows `pos`.
fn next_line(window: &[u8], pos: usize) -> Option<(&[u8], usize)> {
    let rest = window.get(pos..)?;
    let lf = memchr::memchr(b'\n', rest)?;
    let line = rest.get(..lf)?;
    Some((line.strip_suffix(b"\r").unwrap_or(line), pos + lf + 1))
}

/// The incomplete line at `pos`, without a trailing CR (its LF may come next).
fn partial_line(window: &[u8], pos: usize) -> &[u8] {
    let line = window.get(pos..).unwrap_or_default();
    line.strip_suffix(b"\r").unwrap_or(line)
}

/// Header lines from `pos` to the blank line: framing fields gathered, each `(name, value)`
/// handed to `each`.
fn headers<'a>(
    data: &[u8],
    window: &'a [u8],
    mut pos: usize,
    each: &mut dyn FnMut(&'a [u8], &'a [u8]),
) -> Parse<Framing, HttpError> {
    let mut framing = Framing::default();
    loop {
        let Some((line, next)) = next_line(window, pos) else {
            return need_more(data);
        };
        pos = next;
        if line.is_empty() {
            return Parse::Done {
                value: framing,
                consumed: pos,
            };
        }
        let (name, value) = match header_line(line) {
            Ok(v) => v,
            Err(e) => return Parse::Malformed(e),
        };
        if let Err(e) = framing_field(&mut framing, name, value) {
            return Parse::Malformed(e);
        }
        each(name, value);
    }
}

/// `name ":" OWS value OWS` (RFC 9110 §5.1, RFC 9112 §5).
fn header_line(line: &[u8]) -> Result<(&[u8], &[u8]), HttpError> {
    if matches!(line.first(), Some(b' ' | b'\t')) {
        return Err(HttpError::ObsFold);
    }
    let colon = memchr::memchr(b':', line).ok_or(HttpError::BadHeader)?;
    let name = line.get(..colon).unwrap_or_default();
    let value = trim_ows(line.get(colon + 1..).unwrap_or_default());
    if name.is_empty() || !name.iter().all(|&b| is_tchar(b)) {
        return Err(HttpError::BadHeader);
    }
    if !all_field_bytes(value) {
        return Err(HttpError::BadHeader);
    }
    Ok((name, value))
}

fn framing_field(framing: &mut Framing, name: &[u8], value: &[u8]) -> Result<(), HttpError> {
    if name.eq_ignore_ascii_case(b"content-length") {
        let len = content_length(value)?;
        if framing.content_length.is_some_and(|old| old != len) {
            return Err(HttpError::BadContentLength);
        }
        framing.content_length = Some(len);
    } else if name.eq_ignore_ascii_case(b"transfer-encoding") {
        // Several headers form one list (RFC 9110 §5.3): the last non-empty element wins.
        if let Some(last) = list(value).last() {
            framing.transfer_encoding = if last.eq_ignore_ascii_case(b"chunked") {
                TransferCoding::Chunked
            } else {
                TransferCoding::Other
            };
        }
    } else if name.eq_ignore_ascii_case(b"connection") {
        for option in list(value) {
            framing.close |= option.eq_ignore_ascii_case(b"close");
            framing.keep_alive |= option.eq_ignore_ascii_case(b"keep-alive");
        }
    }
    Ok(())
}

/// `1*DIGIT`, or a list of equal ones (RFC 9110 §8.6 allows a recipient to accept `5, 5`).
fn content_length(value: &[u8]) -> Result<u64, HttpError> {
    let mut len = None;
    for item in value.split(|&b| b == b',').map(trim_ows) {
        if item.is_empty() || !item.iter().all(u8::is_ascii_digit) {
            return Err(HttpError::BadContentLength);
        }
        let n = item.iter().try_fold(0u64, |n, &d| {
            n.checked_mul(10)?.checked_add(u64::from(d - b'0'))
        });
        let n = n.ok_or(HttpError::BadContentLength)?;
        if len.is_some_and(|old| old != n) {
            return Err(HttpError::BadContentLength);
        }
        len = Some(n);
    }
    len.ok_or(HttpError::BadContentLength)
}

/// Non-empty elements of a comma-separated list, whitespace trimmed.
fn list(value: &[u8]) -> impl Iterator<Item = &[u8]> {
    value
        .split(|&b| b == b',')
        .map(trim_ows)
        .filter(|s| !s.is_empty())
}

/// Method, target and version of a request line.
type RequestLine<'a> = (&'a [u8], &'a [u8], Version);

/// Version, status code and reason of a status line.
type StatusLine<'a> = (Version, u16, &'a [u8]);

/// `method SP request-target SP HTTP-version` (RFC 9112 §3). With `complete == false` the
/// line is a prefix: it is checked as far as it goes and `Ok(None)` means "so far so good".
fn request_line(line: &[u8], complete: bool) -> Result<Option<RequestLine<'_>>, HttpError> {
    let mut parts = line.splitn(3, |&b| b == b' ');
    let method = parts.next().unwrap_or_default();
    if method.len() > MAX_METHOD_BYTES || !method.iter().all(|&b| is_tchar(b)) {
        return Err(HttpError::NotHttp);
    }
    let Some(target) = parts.next() else {
        // A whole line without a space is no request line (e.g. `SSH-2.0-OpenSSH_9.6`).
        return if complete {
            Err(HttpError::NotHttp)
        } else {
            Ok(None)
        };
    };
    if method.is_empty() {
        return Err(HttpError::NotHttp);
    }
    if !target.iter().all(|&b| b > b' ' && b != 0x7f) {
        return Err(HttpError::BadRequestLine);
    }
    let Some(version) = parts.next() else {
        return if complete {
            Err(HttpError::BadRequestLine)
        } else {
            Ok(None)
        };
    };
    if target.is_empty() {
        return Err(HttpError::BadRequestLine);
    }
    if !complete {
        return version_prefix(version).map(|()| None);
    }
    Ok(Some((method, target, http_version(version)?)))
}

/// `HTTP-version SP 3DIGIT [SP reason-phrase]` (RFC 9112 §4; a missing reason and its space
/// are tolerated). Prefix semantics as in [`request_line`].
fn status_line(line: &[u8], complete: bool) -> Result<Option<StatusLine<'_>>, HttpError> {
    let n = line.len().min(5);
    if line.get(..n) != b"HTTP/".get(..n) {
        return Err(HttpError::NotHttp);
    }
    let Some(version) = line.get(..8) else {
        version_prefix(line)?;
        return if complete {
            Err(HttpError::BadStatusLine)
        } else {
            Ok(None)
        };
    };
    let version = http_version(version)?;
    let rest = line.get(8..).unwrap_or_default();
    let code = rest.get(1..4.min(rest.len())).unwrap_or_default();
    if rest.first().is_some_and(|&b| b != b' ') || !code.iter().all(u8::is_ascii_digit) {
        return Err(HttpError::BadStatusLine);
    }
    let reason = match rest.get(4..) {
        None => {
            return if complete {
                Err(HttpError::BadStatusLine)
            } else {
                Ok(None)
            }
        }
        Some([]) => &[][..],
        Some([b' ', reason @ ..]) => reason,
        Some(_) => return Err(HttpError::BadStatusLine),
    };
    let status = code.iter().fold(0u16, |n, &d| n * 10 + u16::from(d - b'0'));
    if status < 100 || !all_field_bytes(reason) {
        return Err(HttpError::BadStatusLine);
    }
    Ok(complete.then_some((version, status, reason)))
}

fn http_version(v: &[u8]) -> Result<Version, HttpError> {
    match v {
        b"HTTP/1.1" => Ok(Version::Http11),
        b"HTTP/1.0" => Ok(Version::Http10),
        _ => Err(HttpError::BadVersion),
    }
}

/// `v` can still become `HTTP/1.0` or `HTTP/1.1`.
fn version_prefix(v: &[u8]) -> Result<(), HttpError> {
    if b"HTTP/1.1".starts_with(v) || b"HTTP/1.0".starts_with(v) {
        Ok(())
    } else {
        Err(HttpError::BadVersion)
    }
}

/// `tchar` of RFC 9110 §5.6.2.
fn is_tchar(b: u8) -> bool {
    TCHAR[usize::from(b)]
}

/// `tchar` (RFC 9110 §5.6.2) as a table: header names are checked byte by byte.
const TCHAR: [bool; 256] = {
    let mut t = [false; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        t[b] = c.is_ascii_alphanumeric()
            || matches!(
                c,
                b'!' | b'#'
                    | b'$'
                    | b'%'
                    | b'&'
                    | b'\''
                    | b'*'
                    | b'+'
                    | b'-'
                    | b'.'
                    | b'^'
                    | b'_'
                    | b'`'
                    | b'|'
                    | b'~'
            );
        b += 1;
    }
    t
};

/// Field value bytes (RFC 9110 §5.5): HTAB, SP, VCHAR, obs-text; no other control bytes.
/// Values are most of a head's bytes, so eight are checked at once (SWAR): a word with no
/// byte below 0x20 and none equal to 0x7f is clean; a flagged word is checked byte by byte
/// (it may hold a HTAB, which is allowed).
fn all_field_bytes(value: &[u8]) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let byte_ok = |b: u8| (b >= b' ' && b != 0x7f) || b == b'\t';
    let mut words = value.chunks_exact(8);
    for w in words.by_ref() {
        let mut le = [0u8; 8];
        le.copy_from_slice(w);
        let x = u64::from_le_bytes(le);
        // A byte below 0x20 (its high bit clear), or a byte equal to 0x7f.
        let below_space = x.wrapping_sub(ONES * 0x20) & !x & HIGH;
        let del = x ^ (ONES * 0x7f);
        let is_del = del.wrapping_sub(ONES) & !del & HIGH;
        if (below_space | is_del) != 0 && !w.iter().all(|&b| byte_ok(b)) {
            return false;
        }
    }
    words.remainder().iter().all(|&b| byte_ok(b))
}

fn trim_ows(s: &[u8]) -> &[u8] {
    let start = s.iter().position(|&b| b != b' ' && b != b'\t');
    let end = s.iter().rposition(|&b| b != b' ' && b != b'\t');
    match (start, end) {
        (Some(a), Some(z)) => s.get(a..=z).unwrap_or_default(),
        _ => &[],
    }
}

/// Offset just after the first empty line (`\n\n` or `\n\r\n`) that ends at or after `from`
/// (an offset into `buf`); used to re-parse an accumulated head only once its end arrived.
pub fn find_head_end(buf: &[u8], from: usize) -> Option<usize> {
    let mut i = from;
    while let Some(&b) = buf.get(i) {
        if b == b'\n' {
            match (buf.get(i + 1), buf.get(i + 2)) {
                (Some(b'\n'), _) => return Some(i + 2),
                (Some(b'\r'), Some(b'\n')) => return Some(i + 3),
                _ => {}
            }
        }
        i += 1;
    }
    None
}

#[cfg(test)]
#[path = "parse_tests.rs"]
mod parse_tests;
