//! QUIC v1/v2 Initial packets: header, initial keys, decryption, CRYPTO reassembly.
//! SKELETON: the QUIC helper replaces this file (interface below is agreed).

use crate::app::AppOut;
use crate::flow::Dir;
use crate::time::Timestamp;

/// Whether a UDP payload is a QUIC long-header packet of a version cemprobe decrypts.
pub fn probe(_data: &[u8]) -> bool {
    false
}

/// Per-flow QUIC state.
#[derive(Debug, Default)]
pub struct QuicFlow {
    transactions: u32,
}

impl QuicFlow {
    pub fn new() -> Self {
        Self::default()
    }
    /// One UDP datagram (may hold several coalesced QUIC packets).
    pub fn on_datagram(&mut self, _ts: Timestamp, _dir: Dir, _data: &[u8], _out: &mut AppOut<'_>) {}
    /// The flow ends: emit the handshake record if not yet emitted.
    pub fn finish(&mut self, _out: &mut AppOut<'_>) {}
    pub fn sni(&self) -> Option<&str> {
        None
    }
    pub fn is_done(&self) -> bool {
        true
    }
    pub fn transactions(&self) -> u32 {
        self.transactions
    }
}
