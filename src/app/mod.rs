//! Application-layer parsers and per-flow transaction state (DNS, HTTP/1.x, TLS, QUIC).
//!
//! Shape (STYLE rule 9, after Suricata's `<proto>/` and Retina's stream parsers):
//! * **pure parsers** turn bytes into structs and return a [`Parse`] outcome (`Done`,
//!   `NeedMore`, `Malformed` with a stable reason): they hold no state and are unit-tested
//!   from hand-written bytes;
//! * **per-flow state** (`DnsFlow`, `HttpFlow`, `TlsFlow`, `QuicFlow`) receives a flow's
//!   payload in order — UDP datagrams as they come, TCP bytes from the stream reassembler
//!   ([`stream`]) — matches requests with responses and hands finished transactions
//!   ([`Txn`]) to the flow table through an [`AppOut`];
//! * the flow table turns transactions into `dns`/`http`/`tls` records (DESIGN §3) with the
//!   flow's endpoints, and names the flow's `app` and `service`.
//!
//! Time is packet time: every entry point takes the timestamp of the packet that carried the
//! bytes. Nothing here reads a clock, panics on input, or buffers a body: header bytes are
//! reassembled up to named caps, bodies are skipped by length.

pub mod dns;
pub mod flow;
pub mod gtpc;
pub mod http;
pub mod quic;
pub mod radius;
pub mod service;
pub mod stream;
pub mod tls;
pub mod uli;

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::ops::AddAssign;

use crate::flow::Dir;

/// Outcome of a pure parser on a byte slice.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Parse<T, E> {
    /// `value` was parsed from the first `consumed` bytes.
    Done { value: T, consumed: usize },
    /// The bytes end before the item does: at least `needed` bytes in total (from the start of
    /// the slice given) are required; 0 when not yet known.
    NeedMore { needed: usize },
    /// The bytes cannot be this protocol item; the error has a stable counter name.
    Malformed(E),
}

/// Counters of the application parsers, merged like the probe's [`crate::telemetry::Counters`].
///
/// Keys are stable reason names (`dns_pointer_loop`, `http_header_too_long`, …) declared by
/// each parser's error type; the map is touched only on an error or a finished transaction,
/// never per packet of a healthy flow.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AppCounters {
    /// Parser errors and ignored payload by stable reason name.
    pub errors: BTreeMap<&'static str, u64>,
    /// Transactions by record type (`dns`, `http`, `tls`).
    pub transactions: BTreeMap<&'static str, u64>,
}

impl AppCounters {
    /// Count one parser error (or ignored payload) under its stable reason name.
    pub fn error(&mut self, reason: &'static str) {
        *self.errors.entry(reason).or_insert(0) += 1;
    }

    /// Count one finished transaction of record type `kind`.
    pub fn transaction(&mut self, kind: &'static str) {
        *self.transactions.entry(kind).or_insert(0) += 1;
    }
}

impl AddAssign<&AppCounters> for AppCounters {
    fn add_assign(&mut self, rhs: &AppCounters) {
        for (k, v) in &rhs.errors {
            *self.errors.entry(k).or_insert(0) += v;
        }
        for (k, v) in &rhs.transactions {
            *self.transactions.entry(k).or_insert(0) += v;
        }
    }
}

/// Where per-flow app state hands its results.
pub struct AppOut<'a> {
    /// Finished transactions, in the order they finished.
    pub txns: &'a mut Vec<Txn>,
    pub counters: &'a mut AppCounters,
}

impl AppOut<'_> {
    /// Hand over a finished transaction.
    pub fn push(&mut self, txn: Txn) {
        self.counters.transaction(txn.kind());
        self.txns.push(txn);
    }

    /// Count a parser error.
    pub fn error(&mut self, reason: &'static str) {
        self.counters.error(reason);
    }
}

/// A finished application transaction.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Txn {
    Dns(DnsTxn),
    Http(HttpTxn),
    Tls(TlsTxn),
}

impl Txn {
    /// The record type this transaction is written as.
    pub fn kind(&self) -> &'static str {
        match self {
            Txn::Dns(_) => "dns",
            Txn::Http(_) => "http",
            Txn::Tls(_) => "tls",
        }
    }

    /// The record's point in time (`ts_us`): query, request or ClientHello.
    pub fn ts_us(&self) -> u64 {
        match self {
            Txn::Dns(t) => t.ts_us,
            Txn::Http(t) => t.ts_us,
            Txn::Tls(t) => t.ts_us,
        }
    }
}

/// DNS outcome (DESIGN §3).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DnsOutcome {
    /// A response matched the query.
    Answered,
    /// No response within `dns.timeout` of the query (or before the flow ended).
    Timeout,
    /// A response with no query seen for it.
    UnmatchedResponse,
}

impl DnsOutcome {
    pub fn name(self) -> &'static str {
        match self {
            DnsOutcome::Answered => "answered",
            DnsOutcome::Timeout => "timeout",
            DnsOutcome::UnmatchedResponse => "unmatched_response",
        }
    }
}

/// One DNS query/response transaction.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DnsTxn {
    /// Time of the first packet of the query; of the response for `UnmatchedResponse`.
    pub ts_us: u64,
    /// Direction the query travelled (or would have: the reverse of an unmatched response's)
    /// relative to the flow's client. The record's `client` is the query's sender.
    pub query_dir: Dir,
    /// Carried over TCP (length-prefixed) rather than UDP.
    pub tcp: bool,
    pub id: u16,
    /// Question name in dotted form without the trailing dot, as on the wire (case kept;
    /// non-printable bytes escaped as `\DDD`); `"."` for the root. Empty when the message had
    /// no question.
    pub qname: String,
    /// Question type number (the record prints its name, e.g. `A`, `AAAA`, or `TYPE65`).
    pub qtype: u16,
    /// Response code (with the EDNS extended bits when an OPT record carries them); `None`
    /// without a response.
    pub rcode: Option<u16>,
    /// Answer records in the response (ANCOUNT); `None` without a response.
    pub answers: Option<u16>,
    /// t(first response) − t(first query) (DESIGN §4).
    pub latency_us: Option<u64>,
    pub outcome: DnsOutcome,
    /// A and AAAA addresses in the response's answer section, in order (they name the
    /// servers of later flows: `service`).
    pub addrs: Vec<IpAddr>,
}

/// One HTTP/1.x request/response transaction.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HttpTxn {
    /// Time of the packet carrying the first byte of the request.
    pub ts_us: u64,
    /// Request method as sent (`GET`, `POST`, …).
    pub method: String,
    /// `Host` header value (port kept as sent), or `None`.
    pub host: Option<String>,
    /// Status code of the matched response; `None` when no response was seen.
    pub status: Option<u16>,
    /// t(packet with the first byte of the final response head) − t(packet with the first
    /// byte of the request head) (DESIGN §4, "first packet of the response"; interim 1xx
    /// responses other than 101 neither end the transaction nor start its clock).
    pub response_us: Option<u64>,
}

/// How a TLS handshake was carried.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TlsTransport {
    Tcp,
    Quic,
}

/// One TLS (or QUIC) handshake.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TlsTxn {
    /// Time of the packet carrying the first byte of the ClientHello.
    pub ts_us: u64,
    pub transport: TlsTransport,
    /// server_name from the ClientHello.
    pub sni: Option<String>,
    /// Negotiated version: ServerHello `supported_versions`, else its legacy version, as a
    /// number (0x0304 = TLS 1.3); `None` without a ServerHello.
    pub version: Option<u16>,
    /// Negotiated ALPN when visible (TLS ≤ 1.2 ServerHello), else the client's first offer.
    pub alpn: Option<String>,
    /// Every ALPN protocol the client offered, in order.
    pub alpn_offered: Vec<String>,
    /// t(first byte of ServerHello) − t(first byte of ClientHello) (DESIGN §4).
    pub hello_us: Option<u64>,
    /// t(first client ApplicationData after the ServerHello) − t(ClientHello) (DESIGN §4;
    /// QUIC: the client's first 1-RTT packet).
    pub handshake_us: Option<u64>,
    /// JA4 client fingerprint (FoxIO JA4 spec), when computed.
    pub ja4: Option<String>,
    /// QUIC version number (`Some(1)` = v1, `Some(0x6b3343cf)` = v2); `None` for TCP.
    pub quic_version: Option<u32>,
    /// TLS alerts seen (either direction, while the state was watching).
    pub alerts: u32,
}
