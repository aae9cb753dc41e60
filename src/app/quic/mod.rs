//! QUIC v1 (RFC 9000/9001) and v2 (RFC 9369) Initial packets: long headers, Initial keys,
//! header protection removal, decryption, CRYPTO reassembly, and the TLS hellos inside.
//!
//! What this module owns:
//! * [`packet`]: pure long-header parsing (version, connection IDs, token, `Length`, the
//!   version-specific packet type bits) and the walk over coalesced packets of a datagram;
//! * [`crypto`]: Initial secrets (HKDF with the version's salt over the client's original
//!   Destination Connection ID), header protection (AES-ECB mask) and AES-128-GCM opening;
//! * [`frames`]: the frames allowed in Initial packets and the per-direction CRYPTO stream,
//!   reassembled by offset up to [`frames::MAX_CRYPTO_STREAM`];
//! * [`flow`]: per-flow state ([`QuicFlow`]) that turns a handshake into one
//!   [`crate::app::TlsTxn`] with `transport: Quic`.
//!
//! What it refuses to do: read Handshake, 0-RTT or 1-RTT packets (their keys come from the TLS
//! key exchange; an observer cannot have them), follow connection migration, or decrypt
//! versions other than v1 and v2 (drafts, gQUIC: counted as `quic_unsupported_version`).
//! Nothing here panics on input; every stop has a counted reason ([`QuicError::name`]).

#[cfg(test)]
mod captures;
pub mod crypto;
pub mod flow;
#[cfg(test)]
mod flow_tests;
pub mod frames;
pub mod packet;
#[cfg(test)]
mod tests;

pub use flow::QuicFlow;

use packet::{is_supported_version, MAX_CID_LEN};

/// Why a QUIC packet or frame could not be used; `name()` is the stable counter name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum QuicError {
    /// The datagram ends inside a packet (snaplen cut, or a lying `Length`).
    Truncated,
    /// A long-header field is impossible (CID longer than 20, fixed bit clear, zero `Length`).
    BadHeader,
    /// A long header with a version cemprobe has no Initial keys for.
    UnsupportedVersion,
    /// Not a long header (first bit 0) where one was required.
    NotLongHeader,
    /// AEAD authentication failed (wrong keys, corrupt or non-QUIC bytes).
    DecryptFailed,
    /// A frame that is not allowed in Initial packets; the rest of the payload is skipped.
    UnexpectedFrame,
    /// A frame runs past the payload or has impossible fields.
    FrameMalformed,
    /// CRYPTO data beyond [`frames::MAX_CRYPTO_STREAM`] or too fragmented to track.
    CryptoTooLong,
    /// A server Initial arrived before any client Initial: its keys (from the client's original
    /// Destination Connection ID) are unknown.
    KeysUnknown,
    /// The first handshake message of a direction is not the expected hello.
    NotHello,
}

impl QuicError {
    /// Stable counter name.
    pub const fn name(self) -> &'static str {
        match self {
            QuicError::Truncated => "quic_truncated",
            QuicError::BadHeader => "quic_bad_header",
            QuicError::UnsupportedVersion => "quic_unsupported_version",
            QuicError::NotLongHeader => "quic_not_long_header",
            QuicError::DecryptFailed => "quic_decrypt_failed",
            QuicError::UnexpectedFrame => "quic_unexpected_frame",
            QuicError::FrameMalformed => "quic_frame_malformed",
            QuicError::CryptoTooLong => "quic_crypto_too_long",
            QuicError::KeysUnknown => "quic_keys_unknown",
            QuicError::NotHello => "quic_not_hello",
        }
    }
}

/// Whether a UDP payload starts with a QUIC long-header packet of a version cemprobe decrypts:
/// first bit 1 (long header), fixed bit 1, version 1 or 0x6b3343cf (v2), and both connection
/// ID lengths ≤ 20 with the IDs present.
pub fn probe(data: &[u8]) -> bool {
    let Some(&first) = data.first() else {
        return false;
    };
    if first & 0xc0 != 0xc0 {
        return false;
    }
    let version = match data.get(1..5) {
        Some(v) => u32::from_be_bytes([v[0], v[1], v[2], v[3]]),
        None => return false,
    };
    if !is_supported_version(version) {
        return false;
    }
    let Some(dlen) = data.get(5).map(|&l| usize::from(l)) else {
        return false;
    };
    let Some(slen) = data.get(6 + dlen).map(|&l| usize::from(l)) else {
        return false;
    };
    dlen <= MAX_CID_LEN && slen <= MAX_CID_LEN && data.len() >= 7 + dlen + slen
}
