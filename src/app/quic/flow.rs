//! Per-flow QUIC state: decrypt the Initial packets of both sides, reassemble their CRYPTO
//! streams, read the ClientHello and ServerHello, time the handshake, and hand over one
//! [`TlsTxn`] with `transport: Quic`.
//!
//! Keys (RFC 9001 §5.2): both sides' Initial keys come from the Destination Connection ID of
//! the client's first Initial packet (the *original* DCID) and the packet's version. Later
//! client Initials carry the server-chosen DCID but keep the original keys. After a Retry the
//! original DCID becomes the DCID of the client's next Initial (= the Retry's SCID). When a
//! client Initial does not open with the original keys and the ClientHello is not complete yet,
//! keys from that packet's own DCID are tried and adopted on success (a Retry or first Initial
//! the capture missed).
//!
//! Roles: the QUIC client is the side whose Initial opens with *client* keys derived from its
//! own DCID — not necessarily the flow's `Dir::C2S` (a capture may start with the server's
//! datagram).
//!
//! Version negotiation: Version Negotiation packets are skipped; the client's next Initial (new
//! version, possibly new DCID) is handled by the DCID fallback above. Compatible negotiation
//! v1 → v2 works: each packet is opened with the keys of its own version.

use crate::app::tls::hello::{parse_client_hello, parse_server_hello};
use crate::app::{AppOut, TlsTransport, TlsTxn, Txn};
use crate::flow::Dir;
use crate::time::Timestamp;

use super::crypto::{self, InitialKeys, Opened, Side};
use super::frames::{CryptoStream, Frame, Frames, Insert};
use super::packet::{parse_long_header, LongHeader, PacketType, MAX_CID_LEN};
use super::QuicError;
use crate::app::Parse;

/// Datagrams a flow may send without completing a ClientHello before cemprobe stops looking
/// (a QUIC flow whose start was not captured, or a non-QUIC flow on a QUIC port). A client
/// sends its whole ClientHello in its first one or two datagrams; 64 leaves room for loss,
/// Retry and version negotiation.
pub const MAX_DATAGRAMS_WITHOUT_HELLO: u32 = 64;

/// TLS handshake message types (RFC 8446 §4).
const CLIENT_HELLO: u8 = 1;
const SERVER_HELLO: u8 = 2;

/// A connection ID, stored inline.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Cid {
    len: u8,
    bytes: [u8; MAX_CID_LEN],
}

impl Cid {
    fn new(id: &[u8]) -> Cid {
        let mut c = Cid::default();
        let n = id.len().min(MAX_CID_LEN);
        c.bytes[..n].copy_from_slice(&id[..n]);
        c.len = n as u8;
        c
    }
    fn as_slice(&self) -> &[u8] {
        &self.bytes[..usize::from(self.len).min(MAX_CID_LEN)]
    }
}

/// Keys derived for one (version, original DCID).
#[derive(Debug)]
struct KeyCache {
    version: u32,
    cid: Cid,
    keys: InitialKeys,
}

/// Keys for `side`, derived again only when the version or the DCID changes.
fn keys_for(cache: &mut Option<KeyCache>, version: u32, cid: Cid, side: Side) -> &InitialKeys {
    let stale = !matches!(cache, Some(c) if c.version == version && c.cid == cid);
    if stale {
        *cache = None;
    }
    &cache
        .get_or_insert_with(|| KeyCache {
            version,
            cid,
            keys: InitialKeys::derive(version, cid.as_slice(), side),
        })
        .keys
}

/// One side's Initial packet number space.
#[derive(Debug, Default)]
struct SideState {
    crypto: CryptoStream,
    /// Largest packet number opened (RFC 9000 §A.3 expansion).
    largest_pn: Option<u64>,
    /// Time of the datagram carrying CRYPTO offset 0 (first one seen).
    offset0_ts: Option<Timestamp>,
    /// QUIC version of the packet carrying CRYPTO offset 0.
    offset0_version: Option<u32>,
    /// The first handshake message was complete and has been parsed (or rejected).
    hello_done: bool,
}

impl SideState {
    /// Time of the first byte of this side's hello: CRYPTO offset 0, when the stream starts
    /// with a message of type `ty`.
    fn hello_ts(&self, ty: u8) -> Option<Timestamp> {
        match self.crypto.contiguous().first() {
            Some(&t) if t == ty => self.offset0_ts,
            _ => None,
        }
    }
}

/// Per-flow QUIC state.
#[derive(Debug, Default)]
pub struct QuicFlow {
    transactions: u32,
    done: bool,
    datagrams: u32,
    /// Flow direction of the QUIC client, once one of its Initials opened.
    client_dir: Option<Dir>,
    /// DCID of the client's first Initial (after the last Retry): the Initial keys' input.
    orig_dcid: Option<Cid>,
    /// A Retry was seen: the client's next Initial sets a new original DCID.
    retry_pending: bool,
    client_keys: Option<KeyCache>,
    server_keys: Option<KeyCache>,
    client: SideState,
    server: SideState,
    /// Reused buffer for decrypting one packet (grows to the largest packet once).
    scratch: Vec<u8>,
    sni: Option<String>,
    alpn_offered: Vec<String>,
    ja4: Option<String>,
    /// Negotiated TLS version from the ServerHello.
    tls_version: Option<u16>,
    server_alpn: Option<String>,
    /// TLS alerts carried as CONNECTION_CLOSE 0x0100–0x01ff in Initial packets (RFC 9001 §4.8).
    alerts: u32,
    handshake_us: Option<u64>,
}

impl QuicFlow {
    pub fn new() -> Self {
        Self::default()
    }

    /// One UDP datagram (may hold several coalesced QUIC packets).
    pub fn on_datagram(&mut self, ts: Timestamp, dir: Dir, data: &[u8], out: &mut AppOut<'_>) {
        if self.done {
            return;
        }
        self.datagrams = self.datagrams.saturating_add(1);
        let mut rest = data;
        while let Some(&first) = rest.first() {
            if first & 0x80 == 0 {
                // A short header (1-RTT) packet fills the rest of the datagram. Zero bytes
                // padding a datagram after its last long packet have the fixed bit clear.
                if first & 0x40 != 0 && Some(dir) == self.client_dir {
                    self.on_client_short_header(ts);
                }
                break;
            }
            match parse_long_header(rest) {
                Parse::Done { value, consumed } => {
                    let (pkt, tail) = rest.split_at(consumed.min(rest.len()));
                    self.on_long_packet(ts, dir, &value, pkt, out);
                    rest = tail;
                }
                Parse::NeedMore { .. } => {
                    out.error(QuicError::Truncated.name());
                    break;
                }
                Parse::Malformed(e) => {
                    // Version Negotiation (version 0) is normal traffic, not an error.
                    let vn = rest.get(1..5) == Some(&[0, 0, 0, 0][..]);
                    if !vn {
                        out.error(e.name());
                    }
                    break;
                }
            }
        }
        if self.handshake_us.is_some() {
            self.emit(out);
        } else if self.client.offset0_ts.is_none() && self.datagrams >= MAX_DATAGRAMS_WITHOUT_HELLO
        {
            self.done = true;
        }
    }

    /// handshake_us (DESIGN §4, QUIC) = t(first client short-header (1-RTT) packet) −
    /// t(datagram carrying CRYPTO offset 0 of the client's ClientHello). A client can only
    /// send 1-RTT packets after it has processed the server's handshake, so this is the
    /// QUIC analogue of "first client ApplicationData after the ServerHello".
    fn on_client_short_header(&mut self, ts: Timestamp) {
        if self.handshake_us.is_none() {
            if let Some(ch) = self.client.hello_ts(CLIENT_HELLO) {
                self.handshake_us = Some(ts.since(ch));
            }
        }
    }

    fn on_long_packet(
        &mut self,
        ts: Timestamp,
        dir: Dir,
        h: &LongHeader<'_>,
        pkt: &[u8],
        out: &mut AppOut<'_>,
    ) {
        match h.ptype {
            PacketType::Retry => {
                if self.client_dir.is_some_and(|c| c != dir) {
                    self.retry_pending = true;
                }
            }
            PacketType::ZeroRtt | PacketType::Handshake => {}
            PacketType::Initial => {
                if self.client_dir.is_none_or(|c| c == dir) {
                    self.client_initial(ts, dir, h, pkt, out);
                } else {
                    self.server_initial(ts, h, pkt, out);
                }
            }
        }
    }

    fn client_initial(
        &mut self,
        ts: Timestamp,
        dir: Dir,
        h: &LongHeader<'_>,
        pkt: &[u8],
        out: &mut AppOut<'_>,
    ) {
        let dcid = Cid::new(h.dcid);
        if self.retry_pending {
            // RFC 9001 §5.2: after a Retry, Initial keys come from the Retry's SCID, which the
            // client uses as DCID; the client sends its ClientHello again.
            self.retry_pending = false;
            self.orig_dcid = Some(dcid);
            self.client.crypto.clear();
            self.client.offset0_ts = None;
            self.client.offset0_version = None;
            self.client.hello_done = false;
            self.sni = None;
            self.alpn_offered.clear();
            self.ja4 = None;
        }
        let orig = self.orig_dcid.unwrap_or(dcid);
        let largest = self.client.largest_pn;
        let mut scratch = std::mem::take(&mut self.scratch);
        let keys = keys_for(&mut self.client_keys, h.version, orig, Side::Client);
        let mut opened = open_into(&mut scratch, keys, pkt, h.pn_offset, largest);
        if opened.is_err() && orig != dcid && !self.client.hello_done {
            let keys = keys_for(&mut self.client_keys, h.version, dcid, Side::Client);
            opened = open_into(&mut scratch, keys, pkt, h.pn_offset, largest);
            if opened.is_ok() {
                self.orig_dcid = Some(dcid);
            }
        }
        match opened {
            Ok(o) => {
                self.client_dir = Some(dir);
                self.orig_dcid.get_or_insert(orig);
                self.client.largest_pn = Some(largest.map_or(o.pn, |l| l.max(o.pn)));
                let payload = scratch.get(o.payload_start..o.payload_end).unwrap_or(&[]);
                self.absorb(Side::Client, ts, h.version, payload, out);
                self.check_hellos(out);
            }
            Err(e) => out.error(e.name()),
        }
        self.scratch = scratch;
    }

    fn server_initial(
        &mut self,
        ts: Timestamp,
        h: &LongHeader<'_>,
        pkt: &[u8],
        out: &mut AppOut<'_>,
    ) {
        let Some(orig) = self.orig_dcid else {
            out.error(QuicError::KeysUnknown.name());
            return;
        };
        let largest = self.server.largest_pn;
        let mut scratch = std::mem::take(&mut self.scratch);
        let keys = keys_for(&mut self.server_keys, h.version, orig, Side::Server);
        match open_into(&mut scratch, keys, pkt, h.pn_offset, largest) {
            Ok(o) => {
                self.server.largest_pn = Some(largest.map_or(o.pn, |l| l.max(o.pn)));
                let payload = scratch.get(o.payload_start..o.payload_end).unwrap_or(&[]);
                self.absorb(Side::Server, ts, h.version, payload, out);
                self.check_hellos(out);
            }
            Err(e) => out.error(e.name()),
        }
        self.scratch = scratch;
    }

    /// Walk the frames of one opened payload into `side`'s CRYPTO stream.
    fn absorb(
        &mut self,
        side: Side,
        ts: Timestamp,
        version: u32,
        payload: &[u8],
        out: &mut AppOut<'_>,
    ) {
        let st = match side {
            Side::Client => &mut self.client,
            Side::Server => &mut self.server,
        };
        for f in Frames::new(payload) {
            match f {
                Ok(Frame::Crypto { offset, data }) => {
                    if offset == 0 && !data.is_empty() && st.offset0_ts.is_none() {
                        st.offset0_ts = Some(ts);
                        st.offset0_version = Some(version);
                    }
                    if st.crypto.insert(offset, data) == Insert::Capped {
                        out.error(QuicError::CryptoTooLong.name());
                    }
                }
                Ok(Frame::ConnectionClose { error_code }) => {
                    if (0x0100..=0x01ff).contains(&error_code) {
                        self.alerts = self.alerts.saturating_add(1);
                    }
                }
                Ok(_) => {}
                Err(e) => out.error(e.name()),
            }
        }
    }

    /// Parse each side's first handshake message once it is complete.
    fn check_hellos(&mut self, out: &mut AppOut<'_>) {
        if !self.client.hello_done {
            if let Some((ty, body)) = self.client.crypto.first_message() {
                self.client.hello_done = true;
                if ty != CLIENT_HELLO {
                    out.error(QuicError::NotHello.name());
                } else {
                    match parse_client_hello(body, true) {
                        Ok(ch) => {
                            self.sni = ch.sni;
                            self.alpn_offered = ch.alpn;
                            self.ja4 = ch.ja4;
                        }
                        Err(e) => out.error(e.0),
                    }
                }
            } else if self.client.crypto.first_message_too_long() {
                self.client.hello_done = true;
                out.error(QuicError::CryptoTooLong.name());
            }
        }
        if !self.server.hello_done {
            if let Some((ty, body)) = self.server.crypto.first_message() {
                self.server.hello_done = true;
                if ty != SERVER_HELLO {
                    out.error(QuicError::NotHello.name());
                } else {
                    match parse_server_hello(body) {
                        Ok(sh) => {
                            self.tls_version = sh.selected_version.or(Some(sh.legacy_version));
                            self.server_alpn = sh.alpn;
                        }
                        Err(e) => out.error(e.0),
                    }
                }
            } else if self.server.crypto.first_message_too_long() {
                self.server.hello_done = true;
                out.error(QuicError::CryptoTooLong.name());
            }
        }
    }

    /// Hand over the handshake record (once), then stop.
    ///
    /// * `ts_us` = time of the datagram carrying CRYPTO offset 0 of the client's ClientHello;
    /// * `hello_us` (DESIGN §4, QUIC) = t(datagram carrying CRYPTO offset 0 of the server's
    ///   Initial, i.e. the first byte of the ServerHello) − `ts_us`;
    /// * `handshake_us`: see [`Self::on_client_short_header`];
    /// * `version` = ServerHello `supported_versions` (else its legacy version), `None`
    ///   without a parsed ServerHello; `alpn` = the ServerHello's when visible (never in TLS
    ///   1.3), else the client's first offer;
    /// * `quic_version` = version of the server Initial carrying the ServerHello, else of the
    ///   client Initial carrying the ClientHello (they differ after compatible negotiation);
    /// * `alerts` = CONNECTION_CLOSE frames with a TLS alert code in Initial packets.
    fn emit(&mut self, out: &mut AppOut<'_>) {
        self.done = true;
        let Some(ch_ts) = self.client.hello_ts(CLIENT_HELLO) else {
            return;
        };
        let sh_ts = self.server.hello_ts(SERVER_HELLO);
        let txn = TlsTxn {
            ts_us: ch_ts.as_us(),
            transport: TlsTransport::Quic,
            sni: self.sni.clone(),
            version: self.tls_version,
            alpn: self
                .server_alpn
                .clone()
                .or_else(|| self.alpn_offered.first().cloned()),
            alpn_offered: self.alpn_offered.clone(),
            hello_us: sh_ts.map(|s| s.since(ch_ts)),
            handshake_us: self.handshake_us,
            ja4: self.ja4.clone(),
            quic_version: self
                .server
                .offset0_version
                .filter(|_| sh_ts.is_some())
                .or(self.client.offset0_version),
            alerts: self.alerts,
        };
        self.transactions += 1;
        out.push(Txn::Tls(txn));
    }

    /// The flow ends: emit the handshake record if not yet emitted (only when the first byte
    /// of a ClientHello was seen).
    pub fn finish(&mut self, out: &mut AppOut<'_>) {
        if self.transactions == 0 {
            self.emit(out);
        }
        self.done = true;
    }

    /// SNI of the ClientHello, once parsed.
    pub fn sni(&self) -> Option<&str> {
        self.sni.as_deref()
    }

    /// True once the handshake record was handed over (or the flow was given up on).
    pub fn is_done(&self) -> bool {
        self.done
    }

    pub fn transactions(&self) -> u32 {
        self.transactions
    }
}

/// Copy `pkt` into `scratch` and open it there (the input stays untouched).
fn open_into(
    scratch: &mut Vec<u8>,
    keys: &InitialKeys,
    pkt: &[u8],
    pn_offset: usize,
    largest: Option<u64>,
) -> Result<Opened, QuicError> {
    scratch.clear();
    scratch.extend_from_slice(pkt);
    crypto::open(keys, scratch, pn_offset, largest)
}

#[cfg(test)]
impl QuicFlow {
    /// The reassembled first handshake message `(type, body)` of the client or server side.
    pub(super) fn first_message(&self, side: Side) -> Option<(u8, &[u8])> {
        match side {
            Side::Client => self.client.crypto.first_message(),
            Side::Server => self.server.crypto.first_message(),
        }
    }

    pub(super) fn client_dir(&self) -> Option<Dir> {
        self.client_dir
    }
}
