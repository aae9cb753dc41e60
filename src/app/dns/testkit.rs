//! Test helpers: build DNS messages, and drive a [`DnsFlow`] while collecting its output.

use std::net::IpAddr;

use super::DnsFlow;
use crate::app::{AppCounters, AppOut, DnsTxn, Txn};
use crate::flow::Dir;
use crate::time::Timestamp;

/// Wire form of a dotted name (no escapes; "" or "." = root), with the final zero.
pub fn wire_name(dotted: &str) -> Vec<u8> {
    let mut v = Vec::new();
    for label in dotted.split('.').filter(|l| !l.is_empty()) {
        v.push(label.len() as u8);
        v.extend_from_slice(label.as_bytes());
    }
    v.push(0);
    v
}

fn header(id: u16, flags: u16, counts: [u16; 4]) -> Vec<u8> {
    let mut v = Vec::new();
    v.extend_from_slice(&id.to_be_bytes());
    v.extend_from_slice(&flags.to_be_bytes());
    for c in counts {
        v.extend_from_slice(&c.to_be_bytes());
    }
    v
}

/// A standard query (RD set) for `name`/`qtype`, class IN.
pub fn query(id: u16, name: &str, qtype: u16) -> Vec<u8> {
    let mut v = header(id, 0x0100, [1, 0, 0, 0]);
    v.extend_from_slice(&wire_name(name));
    v.extend_from_slice(&qtype.to_be_bytes());
    v.extend_from_slice(&1u16.to_be_bytes());
    v
}

/// A response with 4-bit `rcode`, the question echoed, one A/AAAA answer per address (owner
/// name: a pointer to the question), and an OPT record with `ext_rcode` when given.
pub fn response(
    id: u16,
    rcode: u8,
    name: &str,
    qtype: u16,
    addrs: &[IpAddr],
    ext_rcode: Option<u8>,
) -> Vec<u8> {
    let counts = [1, addrs.len() as u16, 0, u16::from(ext_rcode.is_some())];
    let mut v = header(id, 0x8180 | u16::from(rcode), counts);
    v.extend_from_slice(&wire_name(name));
    v.extend_from_slice(&qtype.to_be_bytes());
    v.extend_from_slice(&1u16.to_be_bytes());
    for a in addrs {
        v.extend_from_slice(&[0xc0, 0x0c]);
        let (t, rdata): (u16, Vec<u8>) = match a {
            IpAddr::V4(a) => (1, a.octets().to_vec()),
            IpAddr::V6(a) => (28, a.octets().to_vec()),
        };
        v.extend_from_slice(&t.to_be_bytes());
        v.extend_from_slice(&[0, 1, 0, 0, 0, 60]);
        v.extend_from_slice(&(rdata.len() as u16).to_be_bytes());
        v.extend_from_slice(&rdata);
    }
    if let Some(ext) = ext_rcode {
        v.extend_from_slice(&[0, 0, 41, 0x10, 0, ext, 0, 0, 0, 0, 0]);
    }
    v
}

/// Prefix a message with its TCP length.
pub fn framed(msg: &[u8]) -> Vec<u8> {
    let mut v = (msg.len() as u16).to_be_bytes().to_vec();
    v.extend_from_slice(msg);
    v
}

/// A flow plus everything it emitted.
pub struct Harness {
    pub flow: DnsFlow,
    pub txns: Vec<Txn>,
    pub counters: AppCounters,
}

impl Harness {
    pub fn new(timeout_us: u64, tcp: bool) -> Self {
        Harness {
            flow: DnsFlow::new(timeout_us, tcp),
            txns: Vec::new(),
            counters: AppCounters::default(),
        }
    }

    fn with<R>(&mut self, f: impl FnOnce(&mut DnsFlow, &mut AppOut<'_>) -> R) -> R {
        let mut out = AppOut {
            txns: &mut self.txns,
            counters: &mut self.counters,
        };
        f(&mut self.flow, &mut out)
    }

    pub fn udp(&mut self, ts: u64, dir: Dir, data: &[u8]) {
        self.with(|f, o| f.on_datagram(Timestamp(ts), dir, data, o));
    }
    pub fn tcp(&mut self, ts: u64, dir: Dir, data: &[u8]) {
        self.with(|f, o| f.on_data(Timestamp(ts), dir, data, o));
    }
    pub fn gap(&mut self, dir: Dir, len: u32) {
        self.with(|f, o| f.on_gap(dir, len, o));
    }
    pub fn expire(&mut self, now: u64) {
        self.with(|f, o| f.expire(Timestamp(now), o));
    }
    pub fn finish(&mut self, now: u64) {
        self.with(|f, o| f.finish(Timestamp(now), o));
    }

    /// The DNS transactions emitted so far, in order.
    pub fn dns(&self) -> Vec<&DnsTxn> {
        self.txns
            .iter()
            .map(|t| match t {
                Txn::Dns(d) => d,
                other => panic!("not a DNS transaction: {other:?}"),
            })
            .collect()
    }

    /// Count of an error name (0 when absent).
    pub fn err(&self, name: &str) -> u64 {
        self.counters.errors.get(name).copied().unwrap_or(0)
    }

    /// Total of all error counters.
    pub fn errors(&self) -> u64 {
        self.counters.errors.values().sum()
    }
}
