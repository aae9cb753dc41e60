//! Per-connection HTTP/1.x state: one small state machine per direction, FIFO matching.
//!
//! Each direction is in one [`Stage`]: expecting a head, skipping a body by count
//! (Content-Length or chunked), skipping to the end of the connection, or (client side after
//! CONNECT) waiting for the response. A head that fits in one call is parsed in place; only a
//! head that spans calls is copied, into a per-direction `Vec` capped at [`MAX_HEAD_BYTES`]
//! and re-parsed only once its blank line has arrived. Bodies are never copied.
//!
//! Requests queue in order; each final response takes the oldest pending request (RFC 9112
//! §9.3.2: responses come in request order, which covers keep-alive and pipelining).

use std::collections::VecDeque;

use super::chunked::ChunkDecoder;
use super::parse::{
    find_head_end, parse_request_head, parse_response_head, response_body, BodyLen, Framing,
    MAX_HEAD_BYTES,
};
use super::HttpError;
use crate::app::{AppOut, HttpTxn, Parse, Txn};
use crate::flow::Dir;
use crate::time::Timestamp;

/// Cap on requests waiting for their response. Browsers pipeline a handful at most; a longer
/// queue means the responses are not being seen (one-direction capture), so the oldest is
/// emitted without a response (counted `http_pending_overflow`) rather than grow the queue.
pub const MAX_PENDING: usize = 64;

/// What a direction expects next.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
enum Stage {
    /// A message head (its first bytes may be in `Side::buf`).
    #[default]
    Head,
    /// Body bytes left to skip (Content-Length).
    Length(u64),
    /// Inside a chunked body.
    Chunked(ChunkDecoder),
    /// Response body delimited by the end of the connection: everything is skipped.
    UntilClose,
    /// Client side after a CONNECT request: bytes are ignored until the response says
    /// whether a tunnel opened.
    AwaitTunnel,
}

#[derive(Debug, Default)]
struct Side {
    stage: Stage,
    /// Start of a head that spans calls (empty otherwise); never above [`MAX_HEAD_BYTES`].
    buf: Vec<u8>,
    /// Time of the packet that carried the first byte of the current head.
    head_ts: Timestamp,
}

/// A request waiting for its response.
#[derive(Debug)]
struct Pending {
    ts: Timestamp,
    method: String,
    host: Option<String>,
}

/// What a complete head says, owned so that the flow can update itself.
enum Head {
    Request {
        method: String,
        host: Option<String>,
        body: BodyLen,
    },
    Response {
        status: u16,
        framing: Framing,
    },
}

/// Per-connection HTTP state.
#[derive(Debug, Default)]
pub struct HttpFlow {
    /// Indexed by [`Dir::index`].
    sides: [Side; 2],
    pending: VecDeque<Pending>,
    host: Option<String>,
    transactions: u32,
    /// Given up (non-HTTP bytes, gap in a head) or tunnelled: nothing more to parse.
    done: bool,
}

impl HttpFlow {
    pub fn new() -> Self {
        Self::default()
    }

    fn side(&mut self, dir: Dir) -> &mut Side {
        match dir {
            Dir::C2S => &mut self.sides[0],
            Dir::S2C => &mut self.sides[1],
        }
    }

    /// In-order bytes of one direction (`ts`: the packet that carried them).
    ///
    /// Emits an [`HttpTxn`] when a final response head completes. Its
    /// **response_us** = t(packet with the first byte of the final response head) −
    /// t(packet with the first byte of the request head), DESIGN §4, where "final" is any
    /// status but the interim 1xx ones (`100 Continue`, `102`, `103`): a `101 Switching
    /// Protocols` is final (the connection leaves HTTP). Interim responses neither complete
    /// the transaction nor start its response time.
    pub fn on_data(&mut self, ts: Timestamp, dir: Dir, data: &[u8], out: &mut AppOut<'_>) {
        let mut rest = data;
        while !rest.is_empty() && !self.done {
            let side = self.side(dir);
            match side.stage {
                Stage::Head => rest = self.head(ts, dir, rest, out),
                Stage::Length(left) => {
                    let take = left.min(rest.len() as u64);
                    rest = rest.get(take as usize..).unwrap_or_default();
                    side.stage = match left - take {
                        0 => Stage::Head,
                        left => Stage::Length(left),
                    };
                }
                Stage::Chunked(mut chunks) => match chunks.advance(rest) {
                    Ok(n) => {
                        rest = rest.get(n..).unwrap_or_default();
                        side.stage = if chunks.is_done() {
                            Stage::Head
                        } else {
                            Stage::Chunked(chunks)
                        };
                    }
                    Err(e) => self.give_up(e, out),
                },
                Stage::UntilClose | Stage::AwaitTunnel => rest = &[],
            }
        }
    }

    /// Read (part of) a head from `data`; returns the bytes after it.
    fn head<'d>(
        &mut self,
        ts: Timestamp,
        dir: Dir,
        data: &'d [u8],
        out: &mut AppOut<'_>,
    ) -> &'d [u8] {
        let side = self.side(dir);
        if side.buf.is_empty() {
            // Empty lines between messages are tolerated (RFC 9112 §2.2) and start nothing.
            let skip = data
                .iter()
                .take_while(|&&b| b == b'\r' || b == b'\n')
                .count();
            let data = data.get(skip..).unwrap_or_default();
            if data.is_empty() {
                return data;
            }
            side.head_ts = ts;
            return match parse_head(dir, data) {
                Parse::Done { value, consumed } => {
                    self.on_head(dir, value, out);
                    data.get(consumed..).unwrap_or_default()
                }
                Parse::NeedMore { .. } => {
                    // The parser refuses `MAX_HEAD_BYTES` or more without an end, so this
                    // copy stays under the cap.
                    side.buf.extend_from_slice(data);
                    &[]
                }
                Parse::Malformed(e) => {
                    self.give_up(e, out);
                    &[]
                }
            };
        }
        // The head spans calls: append up to the cap, parse once its end is there.
        let old = side.buf.len();
        let take = data.len().min(MAX_HEAD_BYTES.saturating_sub(old));
        side.buf
            .extend_from_slice(data.get(..take).unwrap_or_default());
        let outcome = match find_head_end(&side.buf, old.saturating_sub(2)) {
            None => Parse::NeedMore { needed: 0 },
            Some(_) => parse_head(dir, &side.buf),
        };
        match outcome {
            Parse::Done { value, consumed } => {
                side.buf.clear();
                self.on_head(dir, value, out);
                data.get(consumed.saturating_sub(old)..).unwrap_or_default()
            }
            Parse::NeedMore { .. } if side.buf.len() < MAX_HEAD_BYTES => &[],
            Parse::NeedMore { .. } => {
                self.give_up(HttpError::HeaderTooLong, out);
                &[]
            }
            Parse::Malformed(e) => {
                self.give_up(e, out);
                &[]
            }
        }
    }

    fn on_head(&mut self, dir: Dir, head: Head, out: &mut AppOut<'_>) {
        let ts = self.side(dir).head_ts;
        match head {
            Head::Request { method, host, body } => {
                if self.host.is_none() {
                    self.host.clone_from(&host);
                }
                if self.pending.len() >= MAX_PENDING {
                    if let Some(oldest) = self.pending.pop_front() {
                        self.emit(oldest, None, out);
                    }
                    out.error(HttpError::PendingOverflow.name());
                }
                let connect = method == "CONNECT";
                self.pending.push_back(Pending { ts, method, host });
                self.side(dir).stage = if connect {
                    Stage::AwaitTunnel
                } else {
                    body_stage(body)
                };
            }
            Head::Response { status, .. } if (100..200).contains(&status) && status != 101 => {
                // Interim: the final response is still to come.
            }
            Head::Response { status, framing } => {
                let request = self.pending.pop_front();
                let method = request.as_ref().map_or("GET", |r| r.method.as_str());
                let body = response_body(status, &framing, method.as_bytes());
                let connect = method == "CONNECT";
                match request {
                    Some(r) => {
                        let response_us = ts.since(r.ts);
                        self.emit(r, Some((status, response_us)), out);
                    }
                    None => out.error(HttpError::UnmatchedResponse.name()),
                }
                let client = &mut self.sides[0];
                if connect && client.stage == Stage::AwaitTunnel {
                    client.stage = Stage::Head;
                }
                if body == BodyLen::Tunnel {
                    self.stop();
                } else {
                    self.side(dir).stage = body_stage(body);
                }
            }
        }
    }

    fn emit(&mut self, r: Pending, response: Option<(u16, u64)>, out: &mut AppOut<'_>) {
        self.transactions = self.transactions.saturating_add(1);
        out.push(Txn::Http(HttpTxn {
            ts_us: r.ts.as_us(),
            method: r.method,
            host: r.host,
            status: response.map(|(s, _)| s),
            response_us: response.map(|(_, us)| us),
        }));
    }

    fn give_up(&mut self, e: HttpError, out: &mut AppOut<'_>) {
        out.error(e.name());
        self.stop();
    }

    fn stop(&mut self) {
        self.done = true;
        for side in &mut self.sides {
            side.buf = Vec::new();
        }
    }

    /// `len` bytes of `dir` were lost. Inside a body skipped by count (Content-Length, chunk
    /// data) the count goes on when the hole fits in what is left; in a body read until close
    /// nothing changes; anywhere else (a head, chunk framing, a hole longer than the body) the
    /// next message boundary is lost: parsing stops (`http_gap`). Pending requests are still
    /// emitted by [`HttpFlow::finish`].
    pub fn on_gap(&mut self, dir: Dir, len: u32, out: &mut AppOut<'_>) {
        if self.done || len == 0 {
            return;
        }
        let len = u64::from(len);
        let side = self.side(dir);
        let kept = match &mut side.stage {
            Stage::Length(left) if len <= *left => {
                *left -= len;
                if *left == 0 {
                    side.stage = Stage::Head;
                }
                true
            }
            Stage::Chunked(chunks) => chunks.skip_gap(len),
            Stage::UntilClose | Stage::AwaitTunnel => true,
            Stage::Length(_) | Stage::Head => false,
        };
        if !kept {
            self.give_up(HttpError::Gap, out);
        }
    }

    /// The flow ends: emit pending requests (status `None`, response_us `None`) in request
    /// order. A head cut by the end is counted (`http_incomplete_head`), not reported.
    pub fn finish(&mut self, out: &mut AppOut<'_>) {
        for side in &mut self.sides {
            if !side.buf.is_empty() {
                out.error(HttpError::IncompleteHead.name());
                side.buf = Vec::new();
            }
        }
        while let Some(r) = self.pending.pop_front() {
            self.emit(r, None, out);
        }
    }

    /// Host of the first request that had one: the header value as sent (case and port
    /// kept), only the optional whitespace around it removed; bytes that are not UTF-8 are
    /// replaced by U+FFFD.
    pub fn host(&self) -> Option<&str> {
        self.host.as_deref()
    }

    /// Stop feeding: the stream is not HTTP, cannot be resynchronised, or became a tunnel.
    pub fn is_done(&self) -> bool {
        self.done
    }

    /// Transactions emitted so far (with or without a response).
    pub fn transactions(&self) -> u32 {
        self.transactions
    }
}

fn body_stage(body: BodyLen) -> Stage {
    match body {
        BodyLen::None | BodyLen::Length(0) | BodyLen::Tunnel => Stage::Head,
        BodyLen::Length(n) => Stage::Length(n),
        BodyLen::Chunked => Stage::Chunked(ChunkDecoder::new()),
        BodyLen::UntilClose => Stage::UntilClose,
    }
}

/// Parse the head `dir` expects into owned form (a request allocates its method and host:
/// once per transaction).
fn parse_head(dir: Dir, data: &[u8]) -> Parse<Head, HttpError> {
    match dir {
        Dir::C2S => match parse_request_head(data) {
            Parse::Done { value, consumed } => match value.body() {
                Ok(body) => Parse::Done {
                    value: Head::Request {
                        method: String::from_utf8_lossy(value.method).into_owned(),
                        host: value.host.map(|h| String::from_utf8_lossy(h).into_owned()),
                        body,
                    },
                    consumed,
                },
                Err(e) => Parse::Malformed(e),
            },
            Parse::NeedMore { needed } => Parse::NeedMore { needed },
            Parse::Malformed(e) => Parse::Malformed(e),
        },
        Dir::S2C => match parse_response_head(data) {
            Parse::Done { value, consumed } => Parse::Done {
                value: Head::Response {
                    status: value.status,
                    framing: value.framing,
                },
                consumed,
            },
            Parse::NeedMore { needed } => Parse::NeedMore { needed },
            Parse::Malformed(e) => Parse::Malformed(e),
        },
    }
}
