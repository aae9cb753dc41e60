//! Classic pcap: the file header (parsed with `pcap-parser`) and the record walk (by hand).
//!
//! The record walk is the hot loop of offline reading: a 16-byte record header (seconds,
//! sub-second fraction, captured length, original length) followed by the packet bytes. It is
//! monomorphized for the four (byte order, µs/ns) combinations so the loop body has no format
//! branches, and it never copies a packet: it hands out offsets into the shared block.
//!
//! Format reference: draft-ietf-opsawg-pcap. The link type is the low 16 bits of the header's
//! LinkType field; the upper bits (FCS length, reserved) are ignored.

use super::error::{Corruption, MAX_CAPLEN};
use super::format::{Fault, Progress, Stall, Want, PCAP_HEADER_LEN};
use super::{Block, LinkType, PacketRef};
use crate::time::Timestamp;

/// Record header length.
const RECORD_HEADER_LEN: usize = 16;

/// The per-file facts of a classic pcap capture.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct PcapFormat {
    pub big_endian: bool,
    pub nanos: bool,
    pub link: LinkType,
}

impl PcapFormat {
    /// Parse the 24-byte file header; `None` if `pcap-parser` does not recognize the magic.
    pub fn from_header(hdr: &[u8; PCAP_HEADER_LEN]) -> Option<Self> {
        let (_, h) = pcap_parser::parse_pcap_header(hdr).ok()?;
        if h.is_modified_format() {
            // Kuznetsov's patched format has 24-byte records: not accepted (the caller never
            // passes its magic, this is defence in depth).
            return None;
        }
        Some(PcapFormat {
            big_endian: h.is_bigendian(),
            nanos: h.is_nanosecond_precision(),
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
        match (self.big_endian, self.nanos) {
            (false, false) => {
                walk_records::<false, false, F>(block, pos, self.link, sink, progress)
            }
            (false, true) => walk_records::<false, true, F>(block, pos, self.link, sink, progress),
            (true, false) => walk_records::<true, false, F>(block, pos, self.link, sink, progress),
            (true, true) => walk_records::<true, true, F>(block, pos, self.link, sink, progress),
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

fn walk_records<const BE: bool, const NS: bool, F: FnMut(&Block, PacketRef)>(
    block: &Block,
    mut pos: usize,
    link: LinkType,
    sink: &mut F,
    progress: &mut Progress,
) -> Result<Stall, Fault> {
    let buf: &[u8] = block;
    loop {
        let Some(hdr) = buf
            .get(pos..)
            .and_then(|r| r.first_chunk::<RECORD_HEADER_LEN>())
        else {
            return Ok(Stall {
                at: pos,
                need: RECORD_HEADER_LEN,
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
        let data = pos + RECORD_HEADER_LEN;
        let end = data + caplen as usize;
        if end > buf.len() {
            return Ok(Stall {
                at: pos,
                need: end - pos,
                want: Want::RecordData { caplen },
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
