//! HTTP/1.x: request/response parser and per-connection FIFO matching.
//! SKELETON: the HTTP helper replaces this file (interface below is agreed).

use crate::app::AppOut;
use crate::flow::Dir;
use crate::time::Timestamp;

/// Whether the first client bytes of a TCP stream look like an HTTP/1.x request (a known
/// method token followed by a space; a prefix of one when `data` is short).
pub fn probe(_data: &[u8]) -> bool {
    false
}

/// Per-connection HTTP state.
#[derive(Debug, Default)]
pub struct HttpFlow {
    transactions: u32,
}

impl HttpFlow {
    pub fn new() -> Self {
        Self::default()
    }
    /// In-order bytes of one direction (`ts`: the packet that carried them).
    pub fn on_data(&mut self, _ts: Timestamp, _dir: Dir, _data: &[u8], _out: &mut AppOut<'_>) {}
    /// `len` bytes of `dir` were lost.
    pub fn on_gap(&mut self, _dir: Dir, _len: u32, _out: &mut AppOut<'_>) {}
    /// The flow ends: emit pending requests (status `None`).
    pub fn finish(&mut self, _out: &mut AppOut<'_>) {}
    /// Host of the first request that had one.
    pub fn host(&self) -> Option<&str> {
        None
    }
    /// Stop feeding: the stream is not HTTP or cannot be resynchronised.
    pub fn is_done(&self) -> bool {
        true
    }
    pub fn transactions(&self) -> u32 {
        self.transactions
    }
}
