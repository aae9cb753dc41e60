//! TLS over TCP: record layer, ClientHello/ServerHello parsing, handshake timing.
//! SKELETON: the TLS helper replaces this file (interface below is agreed).

pub mod hello;
pub mod ja4;
#[cfg(test)]
mod testkit;

use crate::app::AppOut;
use crate::flow::Dir;
use crate::time::Timestamp;

/// Whether the first client bytes of a TCP stream look like a TLS handshake record
/// (content type 22, version 3.x).
pub fn probe(_data: &[u8]) -> bool {
    false
}

/// Per-connection TLS state.
#[derive(Debug, Default)]
pub struct TlsFlow {
    transactions: u32,
}

impl TlsFlow {
    pub fn new() -> Self {
        Self::default()
    }
    pub fn on_data(&mut self, _ts: Timestamp, _dir: Dir, _data: &[u8], _out: &mut AppOut<'_>) {}
    pub fn on_gap(&mut self, _dir: Dir, _len: u32, _out: &mut AppOut<'_>) {}
    /// The flow ends: emit the handshake record if not yet emitted.
    pub fn finish(&mut self, _out: &mut AppOut<'_>) {}
    pub fn sni(&self) -> Option<&str> {
        None
    }
    /// Nothing more to learn (handshake record emitted, or not TLS after all).
    pub fn is_done(&self) -> bool {
        true
    }
    pub fn transactions(&self) -> u32 {
        self.transactions
    }
}
