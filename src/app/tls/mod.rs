//! TLS over TCP: record layer, ClientHello/ServerHello parsing, handshake timing.
//!
//! [`TlsFlow`] follows the 5-byte record headers (RFC 8446 §5.1, RFC 5246 §6.2) in each direction
//! of one TCP connection and skips record bodies by length without buffering them, except the
//! bytes of the first handshake message of each direction: the ClientHello (client) and the
//! ServerHello (server). Those may span several records and several TCP segments (post-quantum
//! key shares make ClientHellos larger than one MSS); they are parsed in place when one call holds
//! the whole message, else reassembled in a `Vec` capped by [`MAX_HELLO_LEN`] and parsed by the
//! pure parsers of [`hello`]. Nothing after the hellos is read beyond record headers: content
//! types tell alerts (21) and the client's first ApplicationData (23) apart; bodies are
//! encrypted or uninteresting.
//!
//! Timing (DESIGN §4). "The packet with the first byte of X" is the `on_data` call that
//! delivered the first byte of the record header beginning X: for a hello, the record holding
//! the hello's handshake-header first byte (in practice the same packet); for ApplicationData,
//! the record itself.
//! * `ts_us` = t(ClientHello);
//! * `hello_us` = t(ServerHello) − t(ClientHello) (a HelloRetryRequest counts as the server's
//!   hello: it is the server's first answer; the second ClientHello and the real ServerHello
//!   are skipped);
//! * `handshake_us` = t(first client ApplicationData record after the ServerHello was parsed)
//!   − t(ClientHello).
//!
//! Negative spans (out-of-order capture timestamps) are 0 ([`Timestamp::since`]).
//!
//! One [`TlsTxn`] per connection, handed over when `handshake_us` is measured, when the state
//! gives up after a ClientHello was parsed, or at [`TlsFlow::finish`]. Without a parsed
//! ClientHello there is no record (the reason is counted).
//!
//! Refuses: SSLv2-compatible hellos, non-TLS bytes, records over [`MAX_RECORD_LEN`], gaps before
//! the hello of their direction is complete — each is counted under a [`reason`] name and the
//! state gives up (`is_done`).

pub mod hello;
pub mod ja4;
#[cfg(test)]
mod testkit;
#[cfg(test)]
mod tests;

use crate::app::{AppOut, TlsTransport, TlsTxn, Txn};
use crate::flow::Dir;
use crate::time::Timestamp;

use hello::{handshake_header, ClientHello, HandshakeType, ServerHello, HANDSHAKE_HEADER_LEN};

/// Record content type (RFC 8446 §5.1; open newtype: unknown values are data).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ContentType(pub u8);

impl ContentType {
    pub const CHANGE_CIPHER_SPEC: Self = Self(20);
    pub const ALERT: Self = Self(21);
    pub const HANDSHAKE: Self = Self(22);
    pub const APPLICATION_DATA: Self = Self(23);
    pub const HEARTBEAT: Self = Self(24);

    /// The content types a TLS 1.0–1.3 record may carry (RFC 8446 §B.1, RFC 6520).
    pub const fn is_known(self) -> bool {
        matches!(self.0, 20..=24)
    }
}

/// Length of a record header: content type (1) + legacy version (2) + length (2).
pub const RECORD_HEADER_LEN: usize = 5;

/// Largest record body accepted: `2^14 + 2048`, the TLSCiphertext limit of RFC 5246 §6.2.3
/// (TLS 1.3 allows less, `2^14 + 256`). A longer length means the bytes are not TLS.
pub const MAX_RECORD_LEN: usize = 16384 + 2048;

/// Largest ClientHello/ServerHello message body reassembled. Real ClientHellos are 0.5–2 KiB
/// (about 1.8 KiB with an X25519MLKEM768 key share; a few KiB with several PQ shares); 64 KiB
/// leaves room for any plausible one while bounding the memory a connection can pin.
pub const MAX_HELLO_LEN: usize = 64 * 1024;

/// Body length of a TLS 1.3 encrypted alert record: alert (2) + inner content type (1) + a
/// 16-byte AEAD tag (every TLS 1.3 suite but TLS_AES_128_CCM_8), unpadded. TLS 1.3 hides alerts
/// behind outer type 23 (RFC 8446 §5.2); after a TLS 1.3 ServerHello a type-23 record of exactly
/// this length is counted as an alert, not as application data (no other record is this short:
/// Finished is ≥ 49 bytes, KeyUpdate 22). Used so that a client rejecting the server's
/// certificate is not reported as a completed handshake.
pub const TLS13_ENCRYPTED_ALERT_LEN: usize = 2 + 1 + 16;

/// Stable counter names of the TLS record layer (the hello parsers' names are
/// [`hello::HelloError`]'s).
pub mod reason {
    /// The first bytes of a direction are not a TLS record header (type 20–24, version 3.x).
    pub const NOT_TLS: &str = "tls_not_tls";
    /// The client starts with an SSLv2-compatible ClientHello (RFC 5246 §E.2), not parsed.
    pub const SSLV2_HELLO: &str = "tls_sslv2_hello";
    /// A later record header has an unknown content type or a version other than 3.x.
    pub const RECORD_MALFORMED: &str = "tls_record_malformed";
    /// A record length over [`super::MAX_RECORD_LEN`].
    pub const RECORD_TOO_LONG: &str = "tls_record_too_long";
    /// A hello message longer than [`super::MAX_HELLO_LEN`].
    pub const HELLO_TOO_LONG: &str = "tls_hello_too_long";
    /// The first handshake message of a direction is not ClientHello (client) / ServerHello
    /// (server).
    pub const UNEXPECTED_HANDSHAKE: &str = "tls_unexpected_handshake";
    /// The server's hello (or the client's first record, not a handshake) came without a
    /// ClientHello: the capture began after it. No record.
    pub const NO_CLIENT_HELLO: &str = "tls_no_client_hello";
    /// Bytes were missing where the record layer needed them.
    pub const GAP: &str = "tls_gap";
}

/// Whether the first client bytes of a TCP stream look like a TLS handshake record: content
/// type 22, major version 3, minor 0..=4 and, when 6 bytes are there, handshake type 1
/// (ClientHello). Every byte present must match; fewer than 6 bytes match on what is there
/// (empty: `false`).
pub fn probe(data: &[u8]) -> bool {
    let ok = |i: usize, f: &dyn Fn(u8) -> bool| data.get(i).is_none_or(|b| f(*b));
    !data.is_empty()
        && ok(0, &|b| ContentType(b) == ContentType::HANDSHAKE)
        && ok(1, &|b| b == 3)
        && ok(2, &|b| b <= 4)
        && ok(5, &|b| HandshakeType(b) == HandshakeType::CLIENT_HELLO)
}

/// Reassembly of one direction's hello message.
#[derive(Debug)]
enum HelloPhase {
    /// Collecting the 4-byte handshake header (`got` bytes so far).
    Header {
        buf: [u8; HANDSHAKE_HEADER_LEN],
        got: usize,
    },
    /// Collecting a body of `len` bytes (in `Side::buf` once split across calls or records).
    Body { len: usize },
    /// Parsed (or given up): further handshake bytes are skipped.
    Done,
}

/// Record-layer state of one direction.
#[derive(Debug)]
struct Side {
    /// Record header bytes collected so far; `RECORD_HEADER_LEN` while inside a record body.
    hdr: [u8; RECORD_HEADER_LEN],
    hdr_got: usize,
    /// Content type of the record whose body is being read.
    rec_type: ContentType,
    /// Time of the packet with the current record header's first byte.
    rec_ts: Timestamp,
    /// Bytes of the current record body still to come.
    body_left: usize,
    /// Records whose header was complete in this direction.
    records: u32,
    hello: HelloPhase,
    /// Time of the packet with the hello message's first byte.
    hello_ts: Option<Timestamp>,
    /// Hello bytes split across calls or records (empty otherwise).
    buf: Vec<u8>,
}

impl Default for Side {
    fn default() -> Self {
        Self {
            hdr: [0; RECORD_HEADER_LEN],
            hdr_got: 0,
            rec_type: ContentType(0),
            rec_ts: Timestamp(0),
            body_left: 0,
            records: 0,
            hello: HelloPhase::Header {
                buf: [0; HANDSHAKE_HEADER_LEN],
                got: 0,
            },
            hello_ts: None,
            buf: Vec::new(),
        }
    }
}

/// Per-connection TLS state.
#[derive(Debug, Default)]
pub struct TlsFlow {
    sides: [Side; 2],
    client_hello: Option<ClientHello>,
    server_hello: Option<ServerHello>,
    /// See [`TlsTxn::handshake_us`]; set once.
    handshake_us: Option<u64>,
    alerts: u32,
    done: bool,
    transactions: u32,
}

impl TlsFlow {
    pub fn new() -> Self {
        Self::default()
    }

    /// Bytes of `dir`, in stream order, from a packet captured at `ts`.
    pub fn on_data(&mut self, ts: Timestamp, dir: Dir, data: &[u8], out: &mut AppOut<'_>) {
        let mut rest = data;
        while !rest.is_empty() && !self.done {
            let side = &mut self.sides[dir.index()];
            if side.hdr_got < RECORD_HEADER_LEN {
                if side.hdr_got == 0 {
                    side.rec_ts = ts;
                }
                let n = (RECORD_HEADER_LEN - side.hdr_got).min(rest.len());
                let (head, tail) = rest.split_at(n);
                if let Some(dst) = side.hdr.get_mut(side.hdr_got..side.hdr_got + n) {
                    dst.copy_from_slice(head);
                }
                side.hdr_got += n;
                rest = tail;
                if side.hdr_got == RECORD_HEADER_LEN {
                    self.on_record_header(dir, out);
                }
            } else {
                let n = side.body_left.min(rest.len());
                let (chunk, tail) = rest.split_at(n);
                side.body_left -= n;
                rest = tail;
                let handshake = side.rec_type == ContentType::HANDSHAKE;
                if side.body_left == 0 {
                    side.hdr_got = 0;
                }
                if handshake {
                    self.on_handshake_bytes(dir, chunk, out);
                }
            }
        }
    }

    /// A complete record header in `dir` (in `hdr`): check it, count alerts, time the first
    /// client ApplicationData.
    ///
    /// handshake_us (DESIGN §4) = t(packet with the first byte of the first client
    /// ApplicationData record after the ServerHello) − t(ClientHello). In TLS 1.3 the client's
    /// Finished is such a record; in TLS 1.2 the encrypted Finished is a handshake record after
    /// ChangeCipherSpec, so the first type-23 record is the first real application data. Client
    /// ApplicationData before the ServerHello (0-RTT early data) does not count, nor does a
    /// TLS 1.3 encrypted alert ([`TLS13_ENCRYPTED_ALERT_LEN`]).
    ///
    /// alerts = records of content type 21 in either direction, plus TLS 1.3 encrypted alerts,
    /// until the record is handed over.
    fn on_record_header(&mut self, dir: Dir, out: &mut AppOut<'_>) {
        let side = &mut self.sides[dir.index()];
        let ts = side.rec_ts;
        let [typ, major, minor, l0, l1] = side.hdr;
        let typ = ContentType(typ);
        let len = usize::from(u16::from_be_bytes([l0, l1]));
        let first = side.records == 0;
        side.records = side.records.saturating_add(1);
        if !typ.is_known() || major != 3 || minor > 4 {
            // SSLv2 record (RFC 5246 §E.2): 2-byte length with the top bit set, then
            // msg_type 1 (CLIENT-HELLO) where a TLS header has its minor version.
            let (sslv2_len_hi, sslv2_msg_type) = (typ.0, minor);
            let why = if first && dir == Dir::C2S && sslv2_len_hi & 0x80 != 0 && sslv2_msg_type == 1
            {
                reason::SSLV2_HELLO
            } else if first {
                reason::NOT_TLS
            } else {
                reason::RECORD_MALFORMED
            };
            return self.give_up(why, out);
        }
        if len > MAX_RECORD_LEN {
            return self.give_up(reason::RECORD_TOO_LONG, out);
        }
        if first && dir == Dir::C2S && typ != ContentType::HANDSHAKE {
            return self.give_up(reason::NO_CLIENT_HELLO, out);
        }
        side.rec_type = typ;
        side.body_left = len;
        if len == 0 {
            side.hdr_got = 0;
        }
        let tls13 = self
            .server_hello
            .as_ref()
            .is_some_and(|s| s.selected_version == Some(0x0304));
        if typ == ContentType::ALERT
            || (tls13 && typ == ContentType::APPLICATION_DATA && len == TLS13_ENCRYPTED_ALERT_LEN)
        {
            self.alerts = self.alerts.saturating_add(1);
        } else if typ == ContentType::APPLICATION_DATA
            && dir == Dir::C2S
            && self.server_hello.is_some()
            && self.handshake_us.is_none()
        {
            if let Some(ch_ts) = self.sides[Dir::C2S.index()].hello_ts {
                self.handshake_us = Some(ts.since(ch_ts));
                self.emit(out);
            }
        }
    }

    /// Bytes of a handshake record body in `dir`: feed the hello reassembly.
    fn on_handshake_bytes(&mut self, dir: Dir, mut chunk: &[u8], out: &mut AppOut<'_>) {
        while !chunk.is_empty() && !self.done {
            let client_idle = matches!(
                self.sides[Dir::C2S.index()].hello,
                HelloPhase::Header { got: 0, .. }
            );
            let side = &mut self.sides[dir.index()];
            match &mut side.hello {
                HelloPhase::Done => return,
                HelloPhase::Header { buf, got } => {
                    if *got == 0 {
                        if dir == Dir::S2C && client_idle {
                            return self.give_up(reason::NO_CLIENT_HELLO, out);
                        }
                        // "Packet with the first byte of the hello" (DESIGN §4): the packet
                        // that began the record holding the handshake header's first byte.
                        side.hello_ts = Some(side.rec_ts);
                    }
                    let n = (HANDSHAKE_HEADER_LEN - *got).min(chunk.len());
                    let (head, tail) = chunk.split_at(n);
                    if let Some(dst) = buf.get_mut(*got..*got + n) {
                        dst.copy_from_slice(head);
                    }
                    *got += n;
                    chunk = tail;
                    if *got < HANDSHAKE_HEADER_LEN {
                        continue;
                    }
                    let Some((typ, len)) = handshake_header(buf) else {
                        continue;
                    };
                    let expected = match dir {
                        Dir::C2S => HandshakeType::CLIENT_HELLO,
                        Dir::S2C => HandshakeType::SERVER_HELLO,
                    };
                    if typ != expected {
                        return self.give_up(reason::UNEXPECTED_HANDSHAKE, out);
                    }
                    if len > MAX_HELLO_LEN {
                        return self.give_up(reason::HELLO_TOO_LONG, out);
                    }
                    side.hello = HelloPhase::Body { len };
                }
                HelloPhase::Body { len } => {
                    let len = *len;
                    if side.buf.is_empty() {
                        if let Some(body) = chunk.get(..len) {
                            // Whole message in this call: parse in place, no copy.
                            side.hello = HelloPhase::Done;
                            return self.on_hello(dir, body, out);
                        }
                        side.buf.reserve_exact(len);
                    }
                    let n = (len - side.buf.len()).min(chunk.len());
                    let (head, tail) = chunk.split_at(n);
                    side.buf.extend_from_slice(head);
                    chunk = tail;
                    if side.buf.len() == len {
                        side.hello = HelloPhase::Done;
                        let body = std::mem::take(&mut side.buf);
                        return self.on_hello(dir, &body, out);
                    }
                }
            }
        }
    }

    /// A complete hello message body of `dir`.
    fn on_hello(&mut self, dir: Dir, body: &[u8], out: &mut AppOut<'_>) {
        let parsed = match dir {
            Dir::C2S => {
                hello::parse_client_hello(body, false).map(|ch| self.client_hello = Some(ch))
            }
            Dir::S2C => hello::parse_server_hello(body).map(|sh| self.server_hello = Some(sh)),
        };
        if let Err(e) = parsed {
            self.give_up(e.name(), out);
        }
    }

    /// `len` bytes of `dir` were never captured. Tolerated only inside the body of a record
    /// being skipped after that direction's hello; otherwise the record boundaries are lost.
    pub fn on_gap(&mut self, dir: Dir, len: u32, out: &mut AppOut<'_>) {
        if self.done || len == 0 {
            return;
        }
        let side = &mut self.sides[dir.index()];
        let len = len as usize;
        let skipping = matches!(side.hello, HelloPhase::Done) && side.hdr_got == RECORD_HEADER_LEN;
        if skipping && len <= side.body_left {
            side.body_left -= len;
            if side.body_left == 0 {
                side.hdr_got = 0;
            }
        } else {
            self.give_up(reason::GAP, out);
        }
    }

    /// The flow ends: emit the handshake record if not yet emitted.
    pub fn finish(&mut self, out: &mut AppOut<'_>) {
        self.emit(out);
    }

    /// server_name of the ClientHello.
    pub fn sni(&self) -> Option<&str> {
        self.client_hello.as_ref().and_then(|c| c.sni.as_deref())
    }

    /// Nothing more to learn (handshake record emitted, or not TLS after all).
    pub fn is_done(&self) -> bool {
        self.done
    }

    /// Handshake records emitted (0 or 1).
    pub fn transactions(&self) -> u32 {
        self.transactions
    }

    /// Count `why` and stop; hand over what was learnt if the ClientHello was parsed.
    fn give_up(&mut self, why: &'static str, out: &mut AppOut<'_>) {
        out.error(why);
        self.emit(out);
    }

    /// Hand over the connection's [`TlsTxn`] (once, and only with a parsed ClientHello), then
    /// stop watching.
    fn emit(&mut self, out: &mut AppOut<'_>) {
        self.done = true;
        for side in &mut self.sides {
            side.buf = Vec::new();
        }
        if self.transactions > 0 {
            return;
        }
        let (Some(ch), Some(ch_ts)) = (&self.client_hello, self.sides[0].hello_ts) else {
            return;
        };
        let sh = self.server_hello.as_ref();
        let sh_ts = self.sides[Dir::S2C.index()]
            .hello_ts
            .filter(|_| sh.is_some());
        let txn = TlsTxn {
            ts_us: ch_ts.as_us(),
            transport: TlsTransport::Tcp,
            sni: ch.sni.clone(),
            // Negotiated version (RFC 8446 §4.2.1): selected_version, else legacy_version.
            version: sh.map(|s| s.selected_version.unwrap_or(s.legacy_version)),
            alpn: sh
                .and_then(|s| s.alpn.clone())
                .or_else(|| ch.alpn.first().cloned()),
            alpn_offered: ch.alpn.clone(),
            // DESIGN §4: t(first byte of ServerHello) − t(first byte of ClientHello).
            hello_us: sh_ts.map(|t| t.since(ch_ts)),
            handshake_us: self.handshake_us,
            ja4: ch.ja4.clone(),
            quic_version: None,
            alerts: self.alerts,
        };
        self.transactions = 1;
        out.push(Txn::Tls(txn));
    }
}
