//! cemprobe: a probe-side agent for telecom Customer Experience Management.
//!
//! The pipeline (DESIGN §1):
//!
//! ```text
//!  capture ──batches──▶ workers (N) ──records──▶ merger ──▶ export
//!  pcap/pcapng          decode → flow table       orders     NDJSON on stdout
//!  (mmap or stdin)      → TCP tracker             records    or rotating .ndjson.zst
//! ```
//!
//! * [`capture`] lends packets as positions in shared blocks of captured bytes.
//! * [`decode`] turns a frame into its innermost IP flow view, or a counted reason why not.
//! * [`flow`] keeps per-worker flow tables and the TCP metrics of DESIGN §4.
//! * [`pipeline`] runs a reader thread, N workers and the merger; output is identical for any
//!   worker count and batch size because all time is packet time and the reader broadcasts
//!   time ticks at the same stream positions whatever the worker count.
//! * [`export`] holds the record schema and the sinks.
// `deny`, not `forbid`: `unsafe` is allowed only in `capture/` (memory-mapping a capture file
// and releasing its pages behind the reader), each use with its SAFETY comment.
#![deny(unsafe_code)]

pub mod app;
pub mod capture;
pub mod config;
pub mod decode;
pub mod export;
#[cfg(test)]
mod ext_fixtures;
pub mod flow;
pub mod pipeline;
pub mod subscriber;
pub mod telemetry;
pub mod time;
