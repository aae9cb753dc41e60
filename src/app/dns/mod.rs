//! DNS over UDP and TCP: message parser and per-flow query/response matching.
//!
//! What this module owns:
//! * [`parse`]: the pure message parser (RFC 1035 §4): header, the first question, the A/AAAA
//!   addresses of the answer section and the EDNS extended rcode bits of an OPT record
//!   (RFC 6891 §6.1.3). Names are decompressed with strict pointer rules, so a hostile
//!   message can neither hang nor blow up the parser (see [`parse::read_name`]).
//! * [`DnsFlow`]: per-flow state, which turns queries and responses into [`DnsTxn`]s
//!   (DESIGN §4 `dns latency_us`) and splits a TCP byte stream into length-prefixed messages
//!   (RFC 1035 §4.2.2, RFC 7766 §8).
//! * [`qtype_name`] and [`rcode_name`]: the names the `dns` record prints.
//!
//! What it refuses to do: it never panics on input, never buffers more than one TCP message
//! per direction (≤ [`MAX_TCP_MESSAGE`] bytes), never resynchronises a TCP direction after a
//! gap, and keeps at most [`MAX_PENDING`] unanswered queries per flow. Every error and every
//! ignored message is counted under a stable name ([`DnsError::name`] and the `dns_*` consts
//! of this module).
//!
//! [`DnsTxn`]: crate::app::DnsTxn

mod flow;
mod names;
pub mod parse;

#[cfg(test)]
mod flow_tests;
#[cfg(test)]
mod parse_tests;
#[cfg(test)]
mod testkit;

pub use flow::{
    DnsFlow, DEFAULT_TIMEOUT_US, DUPLICATE_RESPONSE, LATE_RESPONSE, MAX_PENDING, MAX_RECENT,
    MAX_TCP_MESSAGE, TCP_GAP, TOO_MANY_PENDING,
};
pub use names::{qtype_name, rcode_name};
pub use parse::{parse, AddrList, DnsError, Header, Message, Name, Question, MAX_ADDRS};
