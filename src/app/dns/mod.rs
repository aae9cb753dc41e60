//! DNS over UDP and TCP: message parser and per-flow query/response matching.
//! SKELETON: the DNS helper replaces this file (interface below is agreed).

use crate::app::AppOut;
use crate::flow::Dir;
use crate::time::Timestamp;

/// Per-flow DNS state: pending queries, matched by client, server, ports (the flow), id and
/// question.
#[derive(Debug, Default)]
pub struct DnsFlow {
    transactions: u32,
}

impl DnsFlow {
    /// `timeout_us`: `dns.timeout`; `tcp`: messages are length-prefixed on a TCP stream.
    pub fn new(_timeout_us: u64, _tcp: bool) -> Self {
        Self::default()
    }
    /// One UDP datagram's payload (one message; `data` may be cut by the snaplen).
    pub fn on_datagram(&mut self, _ts: Timestamp, _dir: Dir, _data: &[u8], _out: &mut AppOut<'_>) {}
    /// In-order bytes of one direction of a TCP stream (several messages per call, or part of
    /// one).
    pub fn on_data(&mut self, _ts: Timestamp, _dir: Dir, _data: &[u8], _out: &mut AppOut<'_>) {}
    /// `len` bytes of direction `dir` were lost (TCP): resynchronise or give up.
    pub fn on_gap(&mut self, _dir: Dir, _len: u32, _out: &mut AppOut<'_>) {}
    /// The earliest time (µs) at which [`DnsFlow::expire`] has work to do.
    pub fn next_deadline_us(&self) -> Option<u64> {
        None
    }
    /// Emit queries whose timeout passed at `now`.
    pub fn expire(&mut self, _now: Timestamp, _out: &mut AppOut<'_>) {}
    /// The flow ends at `now`: emit every pending query (as `timeout`).
    pub fn finish(&mut self, _now: Timestamp, _out: &mut AppOut<'_>) {}
    /// Transactions emitted so far.
    pub fn transactions(&self) -> u32 {
        self.transactions
    }
}

/// Name of a question type (RFC 3597 `TYPE<n>` when unknown). SKELETON.
pub fn qtype_name(t: u16) -> std::borrow::Cow<'static, str> {
    format!("TYPE{t}").into()
}

/// Name of a response code. SKELETON.
pub fn rcode_name(r: u16) -> std::borrow::Cow<'static, str> {
    format!("RCODE{r}").into()
}
