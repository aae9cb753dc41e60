//! Per-flow app state as the flow table holds it: which parser a flow has, its TCP
//! reassembler, and the dispatch of packets to the parser.
//!
//! Detection (cheap, no allocation for flows that are not parsed):
//! * UDP: port 53 on either side → DNS; port 443 on either side and a QUIC long header with a
//!   known version in the flow's first packet → QUIC.
//! * TCP: port 53 on either side → DNS over TCP; otherwise the first client payload decides:
//!   a request-method token → HTTP, a TLS handshake record → TLS, anything else → not parsed
//!   (counted as `http_not_http` on server port 80 and `tls_not_tls` on 443). A flow whose
//!   server speaks first (or whose first client bytes were not captured in order) is not
//!   parsed, except DNS.

use super::dns::DnsFlow;
use super::http::{self, HttpFlow};
use super::quic::{self, QuicFlow};
use super::stream::{Piece, Reassembler, TcpBytes};
use super::tls::{self, TlsFlow};
use super::AppOut;
use crate::flow::Dir;
use crate::time::Timestamp;

/// App-parser settings.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AppConfig {
    /// Parse application protocols at all.
    pub enabled: bool,
    /// `dns.timeout`: a query with no response this long after it is a `timeout`.
    pub dns_timeout_us: u64,
}

impl Default for AppConfig {
    fn default() -> Self {
        Self {
            enabled: true,
            dns_timeout_us: 5_000_000,
        }
    }
}

/// The parser of a flow.
/// TLS and QUIC states are boxed apart (QUIC keeps keys and CRYPTO reassembly inline: 3 KB):
/// the common DNS and HTTP flows then allocate and move a small `AppFlow` only.
#[derive(Debug)]
pub enum Parser {
    Dns(DnsFlow),
    Http(HttpFlow),
    Tls(Box<TlsFlow>),
    Quic(Box<QuicFlow>),
}

/// App state of one flow.
#[derive(Debug)]
pub struct AppFlow {
    parser: Parser,
    /// TCP only: in-order bytes for the parser.
    stream: Option<Reassembler>,
    /// The deadline this flow has in the table's app-deadline queue (µs), if any.
    pub queued_deadline: Option<u64>,
    /// [`AppFlow::finish`] ran (it runs once).
    finished: bool,
}

/// TCP detection verdict on a flow's first payload.
pub enum TcpStart {
    App(Box<AppFlow>),
    /// Not parsed; when set, count this reason (`http_not_http`, `tls_not_tls`).
    NotApp(Option<&'static str>),
}

impl AppFlow {
    /// The app of a new UDP flow from its ports and first payload, if cemprobe parses it.
    pub fn udp(cfg: &AppConfig, ports: (u16, u16), payload: &[u8]) -> Option<Box<AppFlow>> {
        if !cfg.enabled {
            return None;
        }
        let parser = if ports.0 == 53 || ports.1 == 53 {
            Parser::Dns(DnsFlow::new(cfg.dns_timeout_us, false))
        } else if (ports.0 == 443 || ports.1 == 443) && quic::probe(payload) {
            Parser::Quic(Box::default())
        } else {
            return None;
        };
        Some(Box::new(AppFlow {
            parser,
            stream: None,
            queued_deadline: None,
            finished: false,
        }))
    }

    /// The app of a TCP flow, decided at its first payload segment (`dir`, `data`).
    /// `server_port`/`client_port` are the flow's; `next` the expected sequence numbers of
    /// (C2S, S2C) from the ISNs when the SYNs were seen; `seq_start` the first payload byte's
    /// sequence number.
    pub fn tcp(
        cfg: &AppConfig,
        client_port: u16,
        server_port: u16,
        dir: Dir,
        seq_start: u32,
        data: &[u8],
        next: (Option<u32>, Option<u32>),
    ) -> TcpStart {
        if !cfg.enabled {
            return TcpStart::NotApp(None);
        }
        let parser = if server_port == 53 || client_port == 53 {
            Parser::Dns(DnsFlow::new(cfg.dns_timeout_us, true))
        } else {
            let in_order = dir == Dir::C2S && next.0.is_none_or(|n| n == seq_start);
            let not_parsed = match server_port {
                80 | 8080 => Some("http_not_http"),
                443 => Some("tls_not_tls"),
                _ => None,
            };
            if !in_order || data.is_empty() {
                return TcpStart::NotApp(if dir == Dir::C2S { not_parsed } else { None });
            }
            if http::probe(data) {
                Parser::Http(HttpFlow::new())
            } else if tls::probe(data) {
                Parser::Tls(Box::default())
            } else {
                return TcpStart::NotApp(not_parsed);
            }
        };
        // Directions without a seen SYN start at their first payload byte.
        let c2s = next.0.or((dir == Dir::C2S).then_some(seq_start));
        let s2c = next.1.or((dir == Dir::S2C).then_some(seq_start));
        TcpStart::App(Box::new(AppFlow {
            parser,
            stream: Some(Reassembler::new(c2s, s2c)),
            queued_deadline: None,
            finished: false,
        }))
    }

    /// The flow record's `app`.
    pub fn name(&self) -> &'static str {
        match self.parser {
            Parser::Dns(_) => "dns",
            Parser::Http(_) => "http",
            Parser::Tls(_) => "tls",
            Parser::Quic(_) => "quic",
        }
    }

    /// The host name the flow itself announced: TLS/QUIC SNI or HTTP Host.
    pub fn host(&self) -> Option<&str> {
        match &self.parser {
            Parser::Dns(_) => None,
            Parser::Http(h) => h.host(),
            Parser::Tls(t) => t.sni(),
            Parser::Quic(q) => q.sni(),
        }
    }

    /// Transactions emitted so far (the flow record's `transactions`).
    pub fn transactions(&self) -> u32 {
        match &self.parser {
            Parser::Dns(p) => p.transactions(),
            Parser::Http(p) => p.transactions(),
            Parser::Tls(p) => p.transactions(),
            Parser::Quic(p) => p.transactions(),
        }
    }

    fn done(&self) -> bool {
        match &self.parser {
            Parser::Dns(_) => false,
            Parser::Http(p) => p.is_done(),
            Parser::Tls(p) => p.is_done(),
            Parser::Quic(p) => p.is_done(),
        }
    }

    /// A UDP datagram of the flow.
    pub fn datagram(&mut self, ts: Timestamp, dir: Dir, data: &[u8], out: &mut AppOut<'_>) {
        match &mut self.parser {
            Parser::Dns(p) => p.on_datagram(ts, dir, data, out),
            Parser::Quic(p) if !p.is_done() => p.on_datagram(ts, dir, data, out),
            _ => {}
        }
    }

    /// A TCP segment of the flow (any segment: the reassembler sorts them out).
    pub fn segment(&mut self, seg: TcpBytes<'_>, out: &mut AppOut<'_>) {
        if self.done() {
            self.stream = None; // nothing more to parse: free the held bytes
            return;
        }
        let Some(stream) = self.stream.as_mut() else {
            return;
        };
        let parser = &mut self.parser;
        stream.segment(seg, &mut |piece| feed(parser, piece, out));
    }

    /// The earliest time at which [`AppFlow::expire`] has work (DNS timeouts).
    pub fn next_deadline_us(&self) -> Option<u64> {
        if self.finished {
            return None;
        }
        match &self.parser {
            Parser::Dns(p) => p.next_deadline_us(),
            _ => None,
        }
    }

    /// Run timeouts at `now`.
    pub fn expire(&mut self, now: Timestamp, out: &mut AppOut<'_>) {
        if let Parser::Dns(p) = &mut self.parser {
            p.expire(now, out);
        }
    }

    /// The flow ends at `now`: deliver held bytes, then let the parser emit what is pending.
    pub fn finish(&mut self, now: Timestamp, out: &mut AppOut<'_>) {
        if std::mem::replace(&mut self.finished, true) {
            return;
        }
        if let Some(mut stream) = self.stream.take() {
            if !self.done() {
                let parser = &mut self.parser;
                stream.flush(&mut |piece| feed(parser, piece, out));
            }
        }
        match &mut self.parser {
            Parser::Dns(p) => p.finish(now, out),
            Parser::Http(p) => p.finish(out),
            Parser::Tls(p) => p.finish(out),
            Parser::Quic(p) => p.finish(out),
        }
    }
}

fn feed(parser: &mut Parser, piece: Piece<'_>, out: &mut AppOut<'_>) {
    match (parser, piece) {
        (Parser::Dns(p), Piece::Data { ts, dir, data }) => p.on_data(ts, dir, data, out),
        (Parser::Dns(p), Piece::Gap { dir, len }) => p.on_gap(dir, len, out),
        (Parser::Http(p), Piece::Data { ts, dir, data }) if !p.is_done() => {
            p.on_data(ts, dir, data, out)
        }
        (Parser::Http(p), Piece::Gap { dir, len }) if !p.is_done() => p.on_gap(dir, len, out),
        (Parser::Tls(p), Piece::Data { ts, dir, data }) if !p.is_done() => {
            p.on_data(ts, dir, data, out)
        }
        (Parser::Tls(p), Piece::Gap { dir, len }) if !p.is_done() => p.on_gap(dir, len, out),
        _ => {}
    }
}
