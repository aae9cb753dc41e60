//! Capture sources: lend packets `(timestamp, bytes, wire length, link type)` to the pipeline.
//!
//! Offline sources (classic pcap and pcapng, from a memory-mapped file or streamed from stdin)
//! live in [`file`]. A source never copies a packet: it hands the sink a shared [`Block`] of
//! captured bytes and a small [`PacketRef`] (offset and lengths into that block). Whole blocks
//! cross threads (an `Arc` clone per batch), single packets never do.
//!
//! What this module owns: file formats, their damage (a truncated or corrupt file stops the
//! file with an error naming the byte offset; every packet before it has been delivered), and
//! the capture timestamp (converted to [`Timestamp`] microseconds here, once).
//! What it refuses to do: look inside a frame. Link-layer decoding is `decode`'s job; an unknown
//! link type is passed through as data and counted there.

pub mod error;
pub mod file;
mod format;
mod pcap;
mod pcapng;
#[cfg(test)]
pub(crate) mod testkit;

use std::ops::Deref;
use std::sync::Arc;

use crate::time::Timestamp;

pub use error::{CaptureError, Corruption, Truncation};
pub use file::{CaptureReader, ReadSummary};

/// A link-layer header type (LINKTYPE_* from the tcpdump.org registry). An open newtype:
/// unknown values are data, not errors.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub struct LinkType(pub u16);

impl LinkType {
    /// BSD loopback: 4-byte address family in host byte order of the capturing machine.
    pub const NULL: Self = Self(0);
    pub const ETHERNET: Self = Self(1);
    /// Raw IP (the value OpenBSD and libpcap map `DLT_RAW` to in files).
    pub const RAW: Self = Self(101);
    /// OpenBSD loopback: 4-byte address family in network byte order.
    pub const LOOP: Self = Self(108);
    pub const LINUX_SLL: Self = Self(113);
    pub const IPV4: Self = Self(228);
    pub const IPV6: Self = Self(229);
    pub const LINUX_SLL2: Self = Self(276);
    /// Not a registry value: a pcapng packet that names an interface the section never
    /// described. `decode` counts it as malformed (`capture_unknown_interface`).
    pub const UNKNOWN_INTERFACE: Self = Self(0xFFFF);
}

/// Captured bytes shared by the packets of one or more batches: a whole memory-mapped file, or
/// one chunk read from a stream.
pub enum BlockBuf {
    Mapped(memmap2::Mmap),
    Owned(Vec<u8>),
}

impl Deref for BlockBuf {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        match self {
            BlockBuf::Mapped(m) => m,
            BlockBuf::Owned(v) => v,
        }
    }
}

/// A shared block of captured bytes.
pub type Block = Arc<BlockBuf>;

/// One captured packet, as a position inside a [`Block`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PacketRef {
    pub ts: Timestamp,
    /// Offset of the first captured byte inside the block.
    pub offset: usize,
    /// Captured length (bytes present in the block).
    pub caplen: u32,
    /// Original length on the wire (≥ `caplen` unless the file lies; counters use this).
    pub wire_len: u32,
    pub link: LinkType,
}

impl PacketRef {
    /// The captured bytes of this packet; empty if the reference does not fit the block
    /// (never panics).
    pub fn data<'a>(&self, block: &'a [u8]) -> &'a [u8] {
        block
            .get(self.offset..self.offset.saturating_add(self.caplen as usize))
            .unwrap_or(&[])
    }
}

/// A packet lent to a consumer: borrowed bytes plus metadata.
#[derive(Clone, Copy, Debug)]
pub struct Packet<'a> {
    pub ts: Timestamp,
    pub data: &'a [u8],
    pub wire_len: u32,
    pub link: LinkType,
}
