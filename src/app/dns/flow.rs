//! Per-flow DNS state: queries become pending transactions, responses finish them.
//!
//! The flow already fixes client, server and ports; inside it a transaction is keyed by
//! (direction of the query, DNS id, question name compared case-insensitively, qtype).
//! Choices, each counted where something is dropped:
//! * a retransmitted identical query (same key) while one is pending starts nothing: the first
//!   query's time counts; a retry with a new id is its own transaction;
//! * an answered transaction is emitted when its first response is seen; a second response to
//!   it is counted [`DUPLICATE_RESPONSE`] and ignored;
//! * a pending query times out at `t(query) + timeout` (a response must come strictly within
//!   the timeout). A response after its query timed out is counted [`LATE_RESPONSE`] and emits
//!   nothing: the query already has its `timeout` record, and an extra `unmatched_response`
//!   record would count one exchange twice;
//! * a response with no query seen (capture started late, or a forgotten one) is emitted at
//!   once as `unmatched_response`;
//! * at most [`MAX_PENDING`] queries are pending; a new one beyond that pushes the oldest out
//!   as `timeout` (counted [`TOO_MANY_PENDING`]), so every query still gets its record and the
//!   newest, the likeliest to be answered, are kept.
//!
//! Timeouts are also applied before each message is handled, so results do not depend on how
//! often the flow table calls [`DnsFlow::expire`].

use std::collections::VecDeque;

use super::parse::{parse, push_dotted, DnsError, Message};
use crate::app::{AppOut, DnsOutcome, DnsTxn, Parse, Txn};
use crate::flow::Dir;
use crate::time::Timestamp;

/// Unanswered queries kept per flow. A stub resolver has a few in flight; a forwarder
/// multiplexing on one TCP connection rarely more than a few dozen. Beyond: [`TOO_MANY_PENDING`].
pub const MAX_PENDING: usize = 64;
/// Finished transactions remembered per flow to recognise duplicate and late responses
/// (older ones are forgotten: a response to them becomes `unmatched_response`).
pub const MAX_RECENT: usize = 32;
/// Largest TCP message with its 2-byte length prefix (RFC 1035 §4.2.2): the only bytes ever
/// buffered per direction, and only while a message spans several calls.
pub const MAX_TCP_MESSAGE: usize = 2 + u16::MAX as usize;
/// `dns.timeout` default (DESIGN §4): 5 s.
pub const DEFAULT_TIMEOUT_US: u64 = 5_000_000;

/// A second response to an already answered query (ignored).
pub const DUPLICATE_RESPONSE: &str = "dns_duplicate_response";
/// A response to a query that already timed out (ignored).
pub const LATE_RESPONSE: &str = "dns_late_response";
/// A query beyond [`MAX_PENDING`]: the oldest pending query was emitted as `timeout`.
pub const TOO_MANY_PENDING: &str = "dns_too_many_pending";
/// Bytes of a TCP direction were lost: that direction is no longer parsed.
pub const TCP_GAP: &str = "dns_tcp_gap";

/// A query waiting for its response.
#[derive(Debug)]
struct Pending {
    query_dir: Dir,
    id: u16,
    qtype: u16,
    /// Question name in wire form ([`super::Name::wire`]); `None` without a question.
    qname: Option<Box<[u8]>>,
    /// Time of the first copy of the query.
    ts: Timestamp,
    deadline_us: u64,
}

impl Pending {
    fn matches(&self, query_dir: Dir, id: u16, qtype: u16, qname: Option<&[u8]>) -> bool {
        self.query_dir == query_dir
            && self.id == id
            && self.qtype == qtype
            && match (&self.qname, qname) {
                (Some(a), Some(b)) => a.eq_ignore_ascii_case(b),
                (None, None) => true,
                _ => false,
            }
    }
}

/// How a remembered transaction ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Ended {
    /// Answered, or emitted as `unmatched_response`: a further response is a duplicate.
    Responded,
    TimedOut,
}

/// A finished transaction, remembered by a hash of its name (no allocation kept).
#[derive(Clone, Copy, Debug)]
struct Recent {
    query_dir: Dir,
    id: u16,
    qtype: u16,
    name_hash: u64,
    ended: Ended,
}

/// One direction of a TCP stream.
#[derive(Debug, Default)]
struct TcpDir {
    /// The start of a message that continues in a later call (≤ [`MAX_TCP_MESSAGE`] bytes).
    partial: Vec<u8>,
    /// Time of the call that carried the first byte of `partial`.
    partial_ts: Timestamp,
    /// A gap was seen: this direction is no longer parsed.
    dead: bool,
}

/// Per-flow DNS state: pending queries, matched by client, server, ports (the flow), id and
/// question.
#[derive(Debug)]
pub struct DnsFlow {
    timeout_us: u64,
    tcp: bool,
    /// In arrival order of their first copy.
    pending: Vec<Pending>,
    /// Newest last, at most [`MAX_RECENT`].
    recent: VecDeque<Recent>,
    c2s: TcpDir,
    s2c: TcpDir,
    transactions: u32,
}

impl Default for DnsFlow {
    /// UDP with the default timeout.
    fn default() -> Self {
        DnsFlow::new(DEFAULT_TIMEOUT_US, false)
    }
}

impl DnsFlow {
    /// `timeout_us`: `dns.timeout`; `tcp`: messages are length-prefixed on a TCP stream.
    pub fn new(timeout_us: u64, tcp: bool) -> Self {
        DnsFlow {
            timeout_us,
            tcp,
            pending: Vec::new(),
            recent: VecDeque::new(),
            c2s: TcpDir::default(),
            s2c: TcpDir::default(),
            transactions: 0,
        }
    }

    /// One UDP datagram's payload (one message; `data` may be cut by the snaplen: a message cut
    /// before the end of its question is counted `dns_truncated` and ignored, one cut later
    /// is used as far as it goes and counted).
    pub fn on_datagram(&mut self, ts: Timestamp, dir: Dir, data: &[u8], out: &mut AppOut<'_>) {
        self.on_message(ts, dir, data, out);
    }

    /// In-order bytes of one direction of a TCP stream (several messages per call, or part of
    /// one). Each message is a 2-byte length and that many bytes (RFC 1035 §4.2.2); its time
    /// is the `ts` of the call that carried its first byte (of the length prefix).
    pub fn on_data(&mut self, ts: Timestamp, dir: Dir, data: &[u8], out: &mut AppOut<'_>) {
        if self.tcp_dir(dir).dead {
            return;
        }
        let mut rest = data;
        let mut partial = std::mem::take(&mut self.tcp_dir(dir).partial);
        if !partial.is_empty() {
            let partial_ts = self.tcp_dir(dir).partial_ts;
            if partial.len() < 2 {
                rest = take_into(&mut partial, rest, 2);
            }
            if let Some(total) = message_len(&partial) {
                rest = take_into(&mut partial, rest, total);
                if partial.len() == total {
                    self.on_message(partial_ts, dir, partial.get(2..).unwrap_or(&[]), out);
                    // A buffer is needed only while a message spans calls: free it.
                    partial = Vec::new();
                }
            }
            if !partial.is_empty() {
                // Still incomplete: every byte of `data` went into it.
                self.tcp_dir(dir).partial = partial;
                return;
            }
        }
        while !rest.is_empty() {
            let msg = message_len(rest).and_then(|total| Some((rest.get(2..total)?, total)));
            let Some((msg, total)) = msg else {
                let d = self.tcp_dir(dir);
                d.partial.extend_from_slice(rest);
                d.partial_ts = ts;
                return;
            };
            self.on_message(ts, dir, msg, out);
            rest = rest.get(total..).unwrap_or(&[]);
        }
    }

    /// `len` bytes of direction `dir` were lost (TCP). A length prefix cannot be recognised
    /// reliably in the middle of a stream, so the partial message is dropped and the direction
    /// is no longer parsed (counted [`TCP_GAP`] once); pending queries still time out.
    pub fn on_gap(&mut self, dir: Dir, len: u32, out: &mut AppOut<'_>) {
        let d = self.tcp_dir(dir);
        if len == 0 || d.dead {
            return;
        }
        d.dead = true;
        d.partial = Vec::new();
        out.error(TCP_GAP);
    }

    /// Both TCP directions were given up after gaps: nothing more can be parsed (pending
    /// queries are still emitted by [`DnsFlow::expire`] and [`DnsFlow::finish`]).
    pub fn is_done(&self) -> bool {
        self.c2s.dead && self.s2c.dead
    }

    /// The earliest time (µs) at which [`DnsFlow::expire`] has work to do.
    pub fn next_deadline_us(&self) -> Option<u64> {
        self.pending.iter().map(|p| p.deadline_us).min()
    }

    /// Emit queries whose timeout passed at `now` (deadline = t(first query) + timeout ≤ now)
    /// as `timeout`, earliest deadline first.
    pub fn expire(&mut self, now: Timestamp, out: &mut AppOut<'_>) {
        loop {
            let next = self
                .pending
                .iter()
                .enumerate()
                .filter(|(_, p)| p.deadline_us <= now.as_us())
                .min_by_key(|(i, p)| (p.deadline_us, *i))
                .map(|(i, _)| i);
            let Some(i) = next else { return };
            let p = self.pending.remove(i);
            self.time_out(p, out);
        }
    }

    /// The flow ends at `now`: emit every pending query (as `timeout`), in arrival order. A TCP
    /// message left incomplete is counted `dns_truncated`.
    pub fn finish(&mut self, _now: Timestamp, out: &mut AppOut<'_>) {
        for d in [&mut self.c2s, &mut self.s2c] {
            if !d.partial.is_empty() {
                d.partial = Vec::new();
                out.error(DnsError::Truncated.name());
            }
        }
        for p in std::mem::take(&mut self.pending) {
            self.time_out(p, out);
        }
    }

    /// Transactions emitted so far.
    pub fn transactions(&self) -> u32 {
        self.transactions
    }

    fn tcp_dir(&mut self, dir: Dir) -> &mut TcpDir {
        match dir {
            Dir::C2S => &mut self.c2s,
            Dir::S2C => &mut self.s2c,
        }
    }

    /// One whole message (UDP payload, or TCP message without its prefix) sent at `ts`.
    fn on_message(&mut self, ts: Timestamp, dir: Dir, data: &[u8], out: &mut AppOut<'_>) {
        self.expire(ts, out);
        let m = match parse(data) {
            Parse::Done { value, .. } => value,
            Parse::NeedMore { .. } => return out.error(DnsError::Truncated.name()),
            Parse::Malformed(e) => return out.error(e.name()),
        };
        if let Some(e) = m.stop {
            out.error(e.name());
        }
        if m.header.is_response() {
            self.on_response(ts, dir, &m, out);
        } else {
            self.on_query(ts, dir, &m, out);
        }
    }

    fn on_query(&mut self, ts: Timestamp, dir: Dir, m: &Message, out: &mut AppOut<'_>) {
        let id = m.header.id;
        let qtype = m.question.map_or(0, |q| q.qtype);
        let qname = m.question.as_ref().map(|q| q.name.wire());
        if self
            .pending
            .iter()
            .any(|p| p.matches(dir, id, qtype, qname))
        {
            // A retransmission: the first copy's time counts.
            return;
        }
        if self.pending.len() >= MAX_PENDING {
            out.error(TOO_MANY_PENDING);
            let oldest = self.pending.remove(0);
            self.time_out(oldest, out);
        }
        self.pending.push(Pending {
            query_dir: dir,
            id,
            qtype,
            qname: qname.map(Box::from),
            ts,
            deadline_us: ts.plus_us(self.timeout_us).as_us(),
        });
    }

    /// Match a response sent at `ts` in `dir` with the pending query sent the other way with
    /// the same id and question. A response without a question (some servers answer a
    /// malformed query so) matches the only pending query with its id, if there is one.
    fn on_response(&mut self, ts: Timestamp, dir: Dir, m: &Message, out: &mut AppOut<'_>) {
        let query_dir = dir.reverse();
        let id = m.header.id;
        let qtype = m.question.map_or(0, |q| q.qtype);
        let qname = m.question.as_ref().map(|q| q.name.wire());
        let found = if qname.is_some() {
            self.pending
                .iter()
                .position(|p| p.matches(query_dir, id, qtype, qname))
        } else {
            let mut same_id = self
                .pending
                .iter()
                .enumerate()
                .filter(|(_, p)| p.query_dir == query_dir && p.id == id);
            match (same_id.next(), same_id.next()) {
                (Some((i, _)), None) => Some(i),
                _ => None,
            }
        };
        if let Some(i) = found {
            let p = self.pending.remove(i);
            self.remember(&p, Ended::Responded);
            // DESIGN §4: latency_us = t(first response) − t(first query).
            let txn = DnsTxn {
                ts_us: p.ts.as_us(),
                query_dir,
                tcp: self.tcp,
                id,
                qname: dotted(p.qname.as_deref()),
                qtype: p.qtype,
                rcode: Some(m.rcode()),
                answers: Some(m.header.ancount),
                latency_us: Some(ts.since(p.ts)),
                outcome: DnsOutcome::Answered,
                addrs: m.addrs.as_slice().to_vec(),
            };
            return self.emit(txn, out);
        }
        let hash = name_hash(qname);
        let seen = self.recent.iter().rev().find(|r| {
            r.query_dir == query_dir
                && r.id == id
                && (qname.is_none() || (r.qtype == qtype && r.name_hash == hash))
        });
        match seen.map(|r| r.ended) {
            Some(Ended::Responded) => out.error(DUPLICATE_RESPONSE),
            Some(Ended::TimedOut) => out.error(LATE_RESPONSE),
            None => {
                self.push_recent(Recent {
                    query_dir,
                    id,
                    qtype,
                    name_hash: hash,
                    ended: Ended::Responded,
                });
                let txn = DnsTxn {
                    ts_us: ts.as_us(),
                    query_dir,
                    tcp: self.tcp,
                    id,
                    qname: dotted(qname),
                    qtype,
                    rcode: Some(m.rcode()),
                    answers: Some(m.header.ancount),
                    latency_us: None,
                    outcome: DnsOutcome::UnmatchedResponse,
                    addrs: m.addrs.as_slice().to_vec(),
                };
                self.emit(txn, out);
            }
        }
    }

    /// Emit `p` as `timeout` and remember it, so a late response is recognised.
    fn time_out(&mut self, p: Pending, out: &mut AppOut<'_>) {
        self.remember(&p, Ended::TimedOut);
        let txn = DnsTxn {
            ts_us: p.ts.as_us(),
            query_dir: p.query_dir,
            tcp: self.tcp,
            id: p.id,
            qname: dotted(p.qname.as_deref()),
            qtype: p.qtype,
            rcode: None,
            answers: None,
            latency_us: None,
            outcome: DnsOutcome::Timeout,
            addrs: Vec::new(),
        };
        self.emit(txn, out);
    }

    fn remember(&mut self, p: &Pending, ended: Ended) {
        self.push_recent(Recent {
            query_dir: p.query_dir,
            id: p.id,
            qtype: p.qtype,
            name_hash: name_hash(p.qname.as_deref()),
            ended,
        });
    }

    fn push_recent(&mut self, r: Recent) {
        if self.recent.len() >= MAX_RECENT {
            self.recent.pop_front();
        }
        self.recent.push_back(r);
    }

    fn emit(&mut self, txn: DnsTxn, out: &mut AppOut<'_>) {
        self.transactions = self.transactions.saturating_add(1);
        out.push(Txn::Dns(txn));
    }
}

/// The total length (prefix included) of the TCP message starting `buf`, once its 2-byte
/// prefix is there.
fn message_len(buf: &[u8]) -> Option<usize> {
    let prefix: [u8; 2] = buf.get(..2)?.try_into().ok()?;
    Some(2 + usize::from(u16::from_be_bytes(prefix)))
}

/// Move bytes from the front of `rest` into `buf` until it holds `total` bytes (or `rest` is
/// empty); returns what is left of `rest`.
fn take_into<'a>(buf: &mut Vec<u8>, rest: &'a [u8], total: usize) -> &'a [u8] {
    let n = total.saturating_sub(buf.len()).min(rest.len());
    let (head, tail) = rest.split_at_checked(n).unwrap_or((rest, &[]));
    buf.extend_from_slice(head);
    tail
}

/// The record's qname: dotted form, empty without a question.
fn dotted(wire: Option<&[u8]>) -> String {
    let mut s = String::new();
    if let Some(w) = wire {
        push_dotted(w, &mut s);
    }
    s
}

/// FNV-1a of the lowercased wire name (0 without a question), to remember finished
/// transactions without keeping their names.
fn name_hash(wire: Option<&[u8]>) -> u64 {
    let Some(w) = wire else { return 0 };
    w.iter().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b.to_ascii_lowercase())).wrapping_mul(0x0100_0000_01b3)
    })
}
