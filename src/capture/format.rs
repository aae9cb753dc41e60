//! Format detection and the resumable parser shared by the mapped and the streamed readers.
//!
//! A [`Parser`] walks the bytes of one [`Block`] from a position, delivers every complete packet
//! to the sink, and stops ([`Stall`]) at the first record that is not complete in the block,
//! saying how many bytes that record needs. The mapped reader treats a stall before the end as
//! truncation; the stream reader carries the unconsumed tail into its next chunk and resumes.
//! The parser keeps its state (format, byte order, pcapng interfaces) between blocks.

use super::error::{Corruption, Truncation};
use super::file::ReadSummary;
use super::pcap::PcapFormat;
use super::pcapng::NgState;
use super::{Block, PacketRef};
use crate::time::Timestamp;

/// The leading bytes of every accepted format, as they appear in the file.
const MAGIC_PCAP_US_LE: [u8; 4] = [0xd4, 0xc3, 0xb2, 0xa1];
const MAGIC_PCAP_US_BE: [u8; 4] = [0xa1, 0xb2, 0xc3, 0xd4];
const MAGIC_PCAP_NS_LE: [u8; 4] = [0x4d, 0x3c, 0xb2, 0xa1];
const MAGIC_PCAP_NS_BE: [u8; 4] = [0xa1, 0xb2, 0x3c, 0x4d];
/// Alexey Kuznetsov's patched libpcap ("modified" pcap): µs timestamps, 24-byte records.
pub(super) const MAGIC_PCAP_MOD_LE: [u8; 4] = [0x34, 0xcd, 0xb2, 0xa1];
pub(super) const MAGIC_PCAP_MOD_BE: [u8; 4] = [0xa1, 0xb2, 0xcd, 0x34];
const MAGIC_PCAPNG: [u8; 4] = [0x0a, 0x0d, 0x0d, 0x0a];
const MAGICS: [[u8; 4]; 7] = [
    MAGIC_PCAP_US_LE,
    MAGIC_PCAP_US_BE,
    MAGIC_PCAP_NS_LE,
    MAGIC_PCAP_NS_BE,
    MAGIC_PCAP_MOD_LE,
    MAGIC_PCAP_MOD_BE,
    MAGIC_PCAPNG,
];

/// Classic pcap file header length.
pub(super) const PCAP_HEADER_LEN: usize = 24;

/// What the parser waits for at a stall.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Want {
    FileHeader,
    /// A classic pcap record header (its length is the stall's `need`).
    RecordHeader,
    /// The packet bytes of a classic pcap record whose `header_len`-byte header is complete.
    RecordData {
        caplen: u32,
        header_len: usize,
    },
    NgBlock {
        block_type: u32,
    },
}

/// Where and why parsing stopped inside a block: the record starting at `at` needs `need`
/// bytes and fewer are present.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Stall {
    pub at: usize,
    pub need: usize,
    pub want: Want,
}

impl Stall {
    /// The truncation this stall means when the input ends with `avail` bytes after `at`;
    /// `None` when it stopped exactly on a record boundary (a clean end).
    pub fn at_eof(&self, avail: usize) -> Option<Truncation> {
        if avail == 0 {
            return None;
        }
        let have = u32::try_from(avail).unwrap_or(u32::MAX);
        let need = u32::try_from(self.need).unwrap_or(u32::MAX);
        Some(match self.want {
            Want::FileHeader => Truncation::FileHeader { need, have },
            Want::RecordHeader => Truncation::RecordHeader { need, have },
            Want::RecordData { caplen, header_len } => Truncation::RecordData {
                caplen,
                have: have.saturating_sub(u32::try_from(header_len).unwrap_or(u32::MAX)),
            },
            Want::NgBlock { block_type } => Truncation::NgBlock {
                block_type,
                need,
                have,
            },
        })
    }
}

/// Damage found while parsing a block (positions are inside the block).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum Fault {
    NotCapture { found: Vec<u8> },
    Corrupt { at: usize, what: Corruption },
}

enum State {
    /// Nothing read yet.
    Start,
    Pcap(PcapFormat),
    Ng(NgState),
}

/// The resumable parser for one capture (one file or stream).
pub(super) struct Parser {
    state: State,
}

/// Running totals and the last timestamp, threaded through the walks.
#[derive(Default)]
pub(super) struct Progress {
    pub summary: ReadSummary,
    /// Timestamp of the last delivered packet (pcapng simple packet blocks have none).
    pub last_ts: Timestamp,
}

impl Progress {
    #[inline(always)]
    pub fn deliver<F: FnMut(&Block, PacketRef)>(
        &mut self,
        sink: &mut F,
        block: &Block,
        p: PacketRef,
    ) {
        self.summary.packets += 1;
        self.summary.bytes += u64::from(p.wire_len);
        self.summary.captured_bytes += u64::from(p.caplen);
        self.last_ts = p.ts;
        sink(block, p);
    }
}

impl Parser {
    pub fn new() -> Self {
        Parser {
            state: State::Start,
        }
    }

    /// Parse `block` from `pos`, delivering complete packets, until a record is incomplete.
    pub fn parse<F: FnMut(&Block, PacketRef)>(
        &mut self,
        block: &Block,
        pos: usize,
        sink: &mut F,
        progress: &mut Progress,
    ) -> Result<Stall, Fault> {
        let mut pos = pos;
        if let State::Start = self.state {
            let buf: &[u8] = block;
            let rest = buf.get(pos..).unwrap_or(&[]);
            let Some(magic) = rest.first_chunk::<4>() else {
                return Ok(Stall {
                    at: pos,
                    need: 4,
                    want: Want::FileHeader,
                });
            };
            if *magic == MAGIC_PCAPNG {
                self.state = State::Ng(NgState::new());
            } else if MAGICS.contains(magic) {
                let Some(hdr) = rest.first_chunk::<PCAP_HEADER_LEN>() else {
                    return Ok(Stall {
                        at: pos,
                        need: PCAP_HEADER_LEN,
                        want: Want::FileHeader,
                    });
                };
                let Some(format) = PcapFormat::from_header(hdr) else {
                    return Err(Fault::NotCapture {
                        found: magic.to_vec(),
                    });
                };
                self.state = State::Pcap(format);
                pos += PCAP_HEADER_LEN;
            } else {
                return Err(Fault::NotCapture {
                    found: magic.to_vec(),
                });
            }
        }
        match &mut self.state {
            State::Start => Ok(Stall {
                at: pos,
                need: 4,
                want: Want::FileHeader,
            }),
            State::Pcap(format) => format.walk(block, pos, sink, progress),
            State::Ng(ng) => ng.walk(block, pos, sink, progress),
        }
    }

    /// At the end of the input, with `tail` the unconsumed bytes of a stall before the file
    /// header was recognized: bytes that cannot begin any accepted format are "not a capture
    /// file" rather than a truncated one.
    pub fn eof_fault(&self, tail: &[u8]) -> Option<Fault> {
        if !matches!(self.state, State::Start) || tail.is_empty() {
            return None;
        }
        let n = tail.len().min(4);
        let head = tail.get(..n).unwrap_or(&[]);
        let prefix_of_magic = MAGICS.iter().any(|m| m.get(..n) == Some(head));
        (!prefix_of_magic).then(|| Fault::NotCapture {
            found: head.to_vec(),
        })
    }
}
