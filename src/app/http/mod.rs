//! HTTP/1.x: request/response head parsers and per-connection FIFO matching.
//!
//! Shape (STYLE rule 9):
//! * [`probe`] decides from the first client bytes whether a TCP stream is HTTP/1.x;
//! * [`parse`] holds the pure head parsers ([`parse_request_head`], [`parse_response_head`]):
//!   bytes in, borrowed struct out, [`Parse::NeedMore`](crate::app::Parse) until the blank line
//!   that ends the head arrives;
//! * [`chunked`] skips a chunked body by count ([`ChunkDecoder`]), never buffering it;
//! * [`flow`] is the per-connection state ([`HttpFlow`]): one small state machine per direction
//!   (head → body skipped by length → next head), requests matched to responses first in,
//!   first out (keep-alive and pipelining), [`HttpTxn`](crate::app::HttpTxn) emitted when the
//!   final response head is complete.
//!
//! What it refuses to do: buffer a body, reassemble a head beyond [`MAX_HEAD_BYTES`], resync
//! after a gap inside a head or after non-HTTP bytes (it gives up: [`HttpFlow::is_done`]),
//! parse HTTP/2 or anything inside a tunnel (CONNECT, `101 Switching Protocols`).

pub mod chunked;
pub mod flow;
pub mod parse;

#[cfg(test)]
mod tests;

pub use chunked::{ChunkDecoder, MAX_CHUNK_LINE_BYTES};
pub use flow::{HttpFlow, MAX_PENDING};
pub use parse::{
    parse_request_head, parse_response_head, response_body, BodyLen, Framing, RequestHead,
    ResponseHead, TransferCoding, Version, MAX_HEAD_BYTES, MAX_METHOD_BYTES,
};

/// Request methods recognised by [`probe`] (RFC 9110 §9 plus PATCH and common WebDAV ones).
/// The parser itself accepts any method token once a connection is known to be HTTP.
pub const PROBE_METHODS: &[&[u8]] = &[
    b"GET",
    b"HEAD",
    b"POST",
    b"PUT",
    b"DELETE",
    b"CONNECT",
    b"OPTIONS",
    b"TRACE",
    b"PATCH",
    b"PROPFIND",
    b"PROPPATCH",
    b"MKCOL",
    b"COPY",
    b"MOVE",
    b"LOCK",
    b"UNLOCK",
    b"REPORT",
    b"SEARCH",
];

/// Whether the first client bytes of a TCP stream look like an HTTP/1.x request: they start
/// with a method of [`PROBE_METHODS`] followed by a space, or (when `data` is shorter than
/// that) are a prefix of one, e.g. `b"GE"`. Methods are case-sensitive (RFC 9110 §9.1).
/// Empty `data` is not HTTP (nothing to decide on).
pub fn probe(data: &[u8]) -> bool {
    if data.is_empty() {
        return false;
    }
    PROBE_METHODS.iter().any(|m| {
        let Some(rest) = data.strip_prefix(*m) else {
            // `data` may be a strict prefix of the method itself.
            return m.starts_with(data);
        };
        rest.is_empty() || rest.first() == Some(&b' ')
    })
}

/// Why HTTP parsing stopped or a message was not counted; each has a stable counter name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum HttpError {
    /// Bytes where a head was expected do not start like an HTTP/1.x request or response
    /// (method is not a token, or the status line does not start with `HTTP/`).
    NotHttp,
    /// Request line is not `method SP target SP version` (e.g. HTTP/0.9 `GET /`).
    BadRequestLine,
    /// Status line is not `HTTP/1.x SP 3DIGIT [SP reason]`, or the code is below 100.
    BadStatusLine,
    /// Version other than `HTTP/1.0` or `HTTP/1.1`.
    BadVersion,
    /// A header line starting with a space or tab (obsolete line folding, RFC 9112 §5.2).
    ObsFold,
    /// A header line without a colon, with an invalid name, or with control bytes in the value.
    BadHeader,
    /// The head (or chunked trailers) did not end within [`MAX_HEAD_BYTES`].
    HeaderTooLong,
    /// Content-Length that is not digits, overflows, or disagrees with another one.
    BadContentLength,
    /// A request Transfer-Encoding whose final coding is not `chunked` (RFC 9112 §6.3 rule 4).
    BadTransferEncoding,
    /// A chunk-size line or chunk terminator that is not valid.
    BadChunk,
    /// A chunk-size line longer than [`MAX_CHUNK_LINE_BYTES`].
    ChunkLineTooLong,
    /// A response head arrived with no request pending for it.
    UnmatchedResponse,
    /// Bytes were lost where a head (or chunk framing) was being read: parsing stops.
    Gap,
    /// More than [`MAX_PENDING`] requests were waiting for responses: the oldest was emitted
    /// without a response.
    PendingOverflow,
    /// The flow ended in the middle of a head (the partial message is not reported).
    IncompleteHead,
}

impl HttpError {
    /// Every reason, for documentation and tests.
    pub const ALL: [HttpError; 15] = [
        HttpError::NotHttp,
        HttpError::BadRequestLine,
        HttpError::BadStatusLine,
        HttpError::BadVersion,
        HttpError::ObsFold,
        HttpError::BadHeader,
        HttpError::HeaderTooLong,
        HttpError::BadContentLength,
        HttpError::BadTransferEncoding,
        HttpError::BadChunk,
        HttpError::ChunkLineTooLong,
        HttpError::UnmatchedResponse,
        HttpError::Gap,
        HttpError::PendingOverflow,
        HttpError::IncompleteHead,
    ];

    /// Stable counter name.
    pub const fn name(self) -> &'static str {
        match self {
            HttpError::NotHttp => "http_not_http",
            HttpError::BadRequestLine => "http_bad_request_line",
            HttpError::BadStatusLine => "http_bad_status_line",
            HttpError::BadVersion => "http_bad_version",
            HttpError::ObsFold => "http_obs_fold",
            HttpError::BadHeader => "http_bad_header",
            HttpError::HeaderTooLong => "http_header_too_long",
            HttpError::BadContentLength => "http_bad_content_length",
            HttpError::BadTransferEncoding => "http_bad_transfer_encoding",
            HttpError::BadChunk => "http_bad_chunk",
            HttpError::ChunkLineTooLong => "http_chunk_line_too_long",
            HttpError::UnmatchedResponse => "http_unmatched_response",
            HttpError::Gap => "http_gap",
            HttpError::PendingOverflow => "http_pending_overflow",
            HttpError::IncompleteHead => "http_incomplete_head",
        }
    }
}

impl std::fmt::Display for HttpError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}
