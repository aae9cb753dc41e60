//! Classic pcap: the file header (parsed with `pcap-parser`, by hand for the modified format)
//! and the record walk (by hand).
//!
//! The record walk is the hot loop of offline reading: a 16-byte record header (seconds,
//! sub-second fraction, captured length, original length) followed by the packet bytes. It is
//! monomorphized for the (byte order, µs/ns, record header length) combinations so the loop
//! body has no format branches, and it never copies a packet: it hands out offsets into the
//! shared block.
//!
//! The "modified" format written by Alexey Kuznetsov's patched libpcap (magic 0xa1b2cd34, µs
//! timestamps) has the usual 24-byte file header and 24-byte record headers: the usual 16
//! bytes, then the capturing machine's interface index (u32), the Ethernet protocol (u16), the
//! packet type (u8) and a pad byte. Those extra fields are skipped: the link type comes from
//! the file header as in any classic pcap. `pcap-parser` 0.17 recognizes only its
//! little-endian magic, so its file header is parsed here, in both byte orders.
//!
//! Format reference: draft-ietf-opsawg-pcap. The link type is the low 16 bits of the header's
//! LinkType field; the upper bits (FCS length, reserved) are ignored.

use super::error::{Corruption, MAX_CAPLEN};
use super::format::{
    Fault, Progress, Stall, Want, MAGIC_PCAP_MOD_BE, MAGIC_PCAP_MOD_LE, PCAP_HEADER_LEN,
};
use super::{Block, LinkType, PacketRef};
use crate::time::Timestamp;

/// Record header length.
const RECORD_HEADER_LEN: usize = 16;
/// Record header length of the modified format (ifindex, protocol, pkt_type, pad added).
const MODIFIED_RECORD_HEADER_LEN: usize = 24;

/// The per-file facts of a classic pcap capture.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct PcapFormat {
    pub big_endian: bool,
    /// Nanosecond fractions (never with `modified`).
    pub nanos: bool,
    /// Kuznetsov's modified format: 24-byte record headers.
    pub modified: bool,
    pub link: LinkType,
}

impl PcapFormat {
    /// Parse the 24-byte file header; `None` if the magic is not a classic pcap one.
    pub fn from_header(hdr: &[u8; PCAP_HEADER_LEN]) -> Option<Self> {
        let [m0, m1, m2, m3, .., l0, l1, l2, l3] = *hdr;
        let big_endian = match [m0, m1, m2, m3] {
            MAGIC_PCAP_MOD_LE => false,
            MAGIC_PCAP_MOD_BE => true,
            _ => return Self::from_standard_header(hdr),
        };
        let network = if big_endian {
            u32::from_be_bytes([l0, l1, l2, l3])
        } else {
            u32::from_le_bytes([l0, l1, l2, l3])
        };
        Some(PcapFormat {
            big_endian,
            nanos: false,
            modified: true,
            link: LinkType((network & 0xFFFF) as u16),
        })
    }

    /// The four standard magics, through `pcap-parser`.
    fn from_standard_header(hdr: &[u8; PCAP_HEADER_LEN]) -> Option<Self> {
        let (_, h) = pcap_parser::parse_pcap_header(hdr).ok()?;
        if h.is_modified_format() {
            // Handled by the caller; unreachable unless pcap-parser's magic test changes.
            return None;
        }
        Some(PcapFormat {
            big_endian: h.is_bigendian(),
            nanos: h.is_nanosecond_precision(),
            modified: false,
            // The low 16 bits are the link type; upper bits carry FCS info we do not use.
            link: LinkType((h.network.0 as u32 & 0xFFFF) as u16),
        })
    }

    /// Deliver every complete record of `block` from `pos`.
    pub fn walk<F: FnMut(&Block, PacketRef)>(
        &self,
        block: &Block,
        pos: usize,
        sink: &mut F,
        progress: &mut Progress,
    ) -> Result<Stall, Fault> {
        const STD: usize = RECORD_HEADER_LEN;
        const MOD: usize = MODIFIED_RECORD_HEADER_LEN;
        let link = self.link;
        match (self.modified, self.big_endian, self.nanos) {
            (false, false, false) => {
                walk_records::<false, false, STD, F>(block, pos, link, sink, progress)
            }
            (false, false, true) => {
                walk_records::<false, true, STD, F>(block, pos, link, sink, progress)
            }
            (false, true, false) => {
                walk_records::<true, false, STD, F>(block, pos, link, sink, progress)
            }
            (false, true, true) => {
                walk_records::<true, true, STD, F>(block, pos, link, sink, progress)
            }
            // The modified format has µs timestamps only.
            (true, false, _) => {
                walk_records::<false, false, MOD, F>(block, pos, link, sink, progress)
            }
            (true, true, _) => {
                walk_records::<true, false, MOD, F>(block, pos, link, sink, progress)
            }
        }
    }
}

#[inline(always)]
fn u32_of<const BE: bool>(b: [u8; 4]) -> u32 {
    if BE {
        u32::from_be_bytes(b)
    } else {
        u32::from_le_bytes(b)
    }
}

/// Walk records whose headers are `REC` bytes long: the standard 16 bytes, then (in the
/// modified format) fields that are skipped.
fn walk_records<const BE: bool, const NS: bool, const REC: usize, F: FnMut(&Block, PacketRef)>(
    block: &Block,
    mut pos: usize,
    link: LinkType,
    sink: &mut F,
    progress: &mut Progress,
) -> Result<Stall, Fault> {
    const { assert!(REC >= RECORD_HEADER_LEN) };
    let buf: &[u8] = block;
    loop {
        // For REC == 16 the length filter is the chunk's own check (folded by the compiler).
        let Some(hdr) = buf
            .get(pos..)
            .filter(|r| r.len() >= REC)
            .and_then(|r| r.first_chunk::<RECORD_HEADER_LEN>())
        else {
            return Ok(Stall {
                at: pos,
                need: REC,
                want: Want::RecordHeader,
            });
        };
        let [s0, s1, s2, s3, f0, f1, f2, f3, c0, c1, c2, c3, o0, o1, o2, o3] = *hdr;
        let caplen = u32_of::<BE>([c0, c1, c2, c3]);
        if caplen > MAX_CAPLEN {
            return Err(Fault::Corrupt {
                at: pos,
                what: Corruption::CaplenTooLarge { caplen },
            });
        }
        let data = pos + REC;
        let end = data + caplen as usize;
        if end > buf.len() {
            return Ok(Stall {
                at: pos,
                need: end - pos,
                want: Want::RecordData {
                    caplen,
                    header_len: REC,
                },
            });
        }
        let secs = u64::from(u32_of::<BE>([s0, s1, s2, s3]));
        let frac = u64::from(u32_of::<BE>([f0, f1, f2, f3]));
        let frac_us = if NS { frac / 1000 } else { frac };
        let orig = u32_of::<BE>([o0, o1, o2, o3]);
        let p = PacketRef {
            ts: Timestamp(secs * 1_000_000 + frac_us),
            offset: data,
            caplen,
            wire_len: orig.max(caplen),
            link,
        };
        progress.deliver(sink, block, p);
        pos = end;
    }
}
