//! pcapng: sections, interfaces, and the three packet block kinds.
//!
//! Block framing (type, length, trailing length) and the packet blocks (EPB, SPB, obsolete PB)
//! are read by hand: they are the per-packet path, and `pcap-parser` 0.17 allocates an option
//! vector per EPB that carries options and does not know the obsolete PB. Interface
//! description blocks, which are rare, go through `pcap-parser`; their `if_tsresol` and
//! `if_tsoffset` options are decoded here, because `pcap-parser` 0.17 reads `if_tsoffset` as
//! little-endian in big-endian sections and rejects every power-of-2 `if_tsresol`.
//!
//! Invariants: each section header resets the byte order and the interface list (interface ids
//! are per section). A packet naming an interface its section never described is delivered
//! with [`LinkType::UNKNOWN_INTERFACE`] and a microsecond resolution, and `decode` counts it.
//! A simple packet block has no timestamp: it gets the previous packet's. Other blocks (name
//! resolution, statistics, decryption secrets, custom, unknown) are skipped whole.
//!
//! Format reference: draft-ietf-opsawg-pcapng.

use std::num::NonZeroU64;

use super::error::{Corruption, MAX_CAPLEN, MAX_NG_BLOCK_LEN};
use super::format::{Fault, Progress, Stall, Want};
use super::{Block, LinkType, PacketRef};
use crate::time::Timestamp;

const SHB: u32 = 0x0A0D_0D0A;
const IDB: u32 = 0x0000_0001;
const PB: u32 = 0x0000_0002;
const SPB: u32 = 0x0000_0003;
const EPB: u32 = 0x0000_0006;

/// Byte-order magic as it appears in a big-endian section.
const BOM_BE: [u8; 4] = [0x1a, 0x2b, 0x3c, 0x4d];
const BOM_LE: [u8; 4] = [0x4d, 0x3c, 0x2b, 0x1a];

/// Block type, length and trailing length.
const FRAME_LEN: usize = 12;
/// SHB minimum: frame + byte-order magic + version + section length.
const SHB_MIN_LEN: usize = 28;
/// EPB and PB: frame + 20 bytes of fixed fields.
const EPB_MIN_LEN: usize = 32;
const EPB_DATA: usize = 28;
/// SPB: frame + original length.
const SPB_MIN_LEN: usize = 16;
const SPB_DATA: usize = 12;

const OPT_IF_TSRESOL: u16 = 9;
const OPT_IF_TSOFFSET: u16 = 14;

const MICROS: NonZeroU64 = NonZeroU64::new(1_000_000).expect("non-zero");

/// One interface of the current section.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Iface {
    link: LinkType,
    /// Timestamp units per second (`if_tsresol`; default 10^6).
    units_per_sec: NonZeroU64,
    /// Seconds added to every timestamp (`if_tsoffset`; default 0).
    offset_s: i64,
    /// The interface's snapshot length, 0 = none (used to cut SPB padding from data).
    snaplen: u32,
}

impl Iface {
    const UNKNOWN: Iface = Iface {
        link: LinkType::UNKNOWN_INTERFACE,
        units_per_sec: MICROS,
        offset_s: 0,
        snaplen: 0,
    };

    /// Convert a raw 64-bit pcapng timestamp to microseconds since the epoch (truncating the
    /// sub-microsecond part; clamped to the representable range).
    #[inline]
    fn timestamp(&self, units: u64) -> Timestamp {
        if self.units_per_sec == MICROS && self.offset_s == 0 {
            return Timestamp(units);
        }
        let ups = self.units_per_sec;
        let secs = units / ups;
        let frac = units % ups;
        let frac_us = u128::from(frac) * 1_000_000 / u128::from(ups.get());
        let us = i128::from(secs) * 1_000_000
            + i128::try_from(frac_us).unwrap_or(0)
            + i128::from(self.offset_s) * 1_000_000;
        Timestamp(u64::try_from(us.max(0)).unwrap_or(u64::MAX))
    }
}

/// Decode `if_tsresol`: bit 7 clear = 10^-n s, set = 2^-n s.
fn units_per_sec(tsresol: u8) -> Option<NonZeroU64> {
    let n = u32::from(tsresol & 0x7f);
    let ups = if tsresol & 0x80 == 0 {
        10u64.checked_pow(n)?
    } else {
        1u64.checked_shl(n)?
    };
    NonZeroU64::new(ups)
}

/// The state of the section being read.
pub(super) struct NgState {
    big_endian: bool,
    ifaces: Vec<Iface>,
}

#[inline(always)]
fn u32_of(b: [u8; 4], be: bool) -> u32 {
    if be {
        u32::from_be_bytes(b)
    } else {
        u32::from_le_bytes(b)
    }
}

/// A u32 at `off` of `body`, or `None` if the block is too short.
#[inline(always)]
fn rd32(body: &[u8], off: usize, be: bool) -> Option<u32> {
    body.get(off..)?.first_chunk::<4>().map(|b| u32_of(*b, be))
}

impl NgState {
    pub fn new() -> Self {
        NgState {
            big_endian: false,
            ifaces: Vec::new(),
        }
    }

    /// Deliver every complete packet block of `block` from `pos`.
    pub fn walk<F: FnMut(&Block, PacketRef)>(
        &mut self,
        block: &Block,
        mut pos: usize,
        sink: &mut F,
        progress: &mut Progress,
    ) -> Result<Stall, Fault> {
        let buf: &[u8] = block;
        loop {
            let rest = buf.get(pos..).unwrap_or(&[]);
            let Some(&[t0, t1, t2, t3, l0, l1, l2, l3, b0, b1, b2, b3]) =
                rest.first_chunk::<FRAME_LEN>()
            else {
                let block_type = rd32(rest, 0, self.big_endian).unwrap_or(0);
                return Ok(Stall {
                    at: pos,
                    need: FRAME_LEN,
                    want: Want::NgBlock { block_type },
                });
            };
            let raw_type = [t0, t1, t2, t3];
            // A section header announces its own byte order; every other block uses the
            // current section's. SHB's type is a palindrome, so it reads the same either way.
            let be = if u32::from_le_bytes(raw_type) == SHB {
                match [b0, b1, b2, b3] {
                    BOM_BE => true,
                    BOM_LE => false,
                    other => {
                        let found = u32::from_be_bytes(other);
                        return Err(corrupt(pos, Corruption::NgByteOrder { found }));
                    }
                }
            } else {
                self.big_endian
            };
            let block_type = u32_of(raw_type, be);
            let len32 = u32_of([l0, l1, l2, l3], be);
            if len32 < FRAME_LEN as u32 || len32 % 4 != 0 || len32 > MAX_NG_BLOCK_LEN {
                return Err(corrupt(
                    pos,
                    Corruption::NgBlockLength {
                        block_type,
                        len: len32,
                    },
                ));
            }
            let len = len32 as usize;
            let Some(body) = buf.get(pos..pos + len) else {
                return Ok(Stall {
                    at: pos,
                    need: len,
                    want: Want::NgBlock { block_type },
                });
            };
            let trailer = rd32(body, len - 4, be).unwrap_or(0);
            if trailer != len32 {
                let what = Corruption::NgTrailer {
                    block_type,
                    len: len32,
                    trailer,
                };
                return Err(corrupt(pos, what));
            }
            let short = || {
                corrupt(
                    pos,
                    Corruption::NgBlockBody {
                        block_type,
                        len: len32,
                    },
                )
            };
            match block_type {
                SHB => {
                    if len < SHB_MIN_LEN {
                        return Err(short());
                    }
                    self.big_endian = be;
                    self.ifaces.clear();
                }
                IDB => {
                    let iface = parse_idb(body, be).map_err(|what| corrupt(pos, what))?;
                    self.ifaces.push(iface);
                }
                EPB | PB => {
                    if len < EPB_MIN_LEN {
                        return Err(short());
                    }
                    let field = |off| rd32(body, off, be).unwrap_or(0);
                    let if_id = if block_type == EPB {
                        field(8)
                    } else {
                        // PB: 16-bit interface id, then a 16-bit drop count.
                        let b = body.get(8..10).and_then(|b| b.first_chunk::<2>());
                        let b = b.copied().unwrap_or([0, 0]);
                        u32::from(if be {
                            u16::from_be_bytes(b)
                        } else {
                            u16::from_le_bytes(b)
                        })
                    };
                    let units = (u64::from(field(12)) << 32) | u64::from(field(16));
                    let caplen = field(20);
                    let orig = field(24);
                    if caplen > MAX_CAPLEN {
                        return Err(corrupt(pos, Corruption::CaplenTooLarge { caplen }));
                    }
                    if EPB_MIN_LEN + caplen as usize > len {
                        return Err(short());
                    }
                    let iface = self.iface(if_id);
                    let p = PacketRef {
                        ts: iface.timestamp(units),
                        offset: pos + EPB_DATA,
                        caplen,
                        wire_len: orig.max(caplen),
                        link: iface.link,
                    };
                    progress.deliver(sink, block, p);
                }
                SPB => {
                    if len < SPB_MIN_LEN {
                        return Err(short());
                    }
                    let orig = rd32(body, 8, be).unwrap_or(0);
                    // The captured length is implied: the block's data area, capped by the
                    // original length and interface 0's snaplen (the rest is padding).
                    let iface = self.iface(0);
                    let room = u32::try_from(len - SPB_MIN_LEN).unwrap_or(u32::MAX);
                    let mut caplen = orig.min(room);
                    if iface.snaplen != 0 {
                        caplen = caplen.min(iface.snaplen);
                    }
                    if caplen > MAX_CAPLEN {
                        return Err(corrupt(pos, Corruption::CaplenTooLarge { caplen }));
                    }
                    let p = PacketRef {
                        ts: progress.last_ts,
                        offset: pos + SPB_DATA,
                        caplen,
                        wire_len: orig.max(caplen),
                        link: iface.link,
                    };
                    progress.deliver(sink, block, p);
                }
                _ => {}
            }
            pos += len;
        }
    }

    #[inline]
    fn iface(&self, id: u32) -> Iface {
        usize::try_from(id)
            .ok()
            .and_then(|i| self.ifaces.get(i))
            .copied()
            .unwrap_or(Iface::UNKNOWN)
    }
}

fn corrupt(at: usize, what: Corruption) -> Fault {
    Fault::Corrupt { at, what }
}

/// Parse an interface description block (`body` is the whole block).
fn parse_idb(body: &[u8], be: bool) -> Result<Iface, Corruption> {
    let len = u32::try_from(body.len()).unwrap_or(u32::MAX);
    let parsed = if be {
        pcap_parser::pcapng::parse_interfacedescriptionblock_be(body)
    } else {
        pcap_parser::pcapng::parse_interfacedescriptionblock_le(body)
    };
    let (_, idb) = parsed.map_err(|_| Corruption::NgInterface { len })?;
    let mut units = MICROS;
    let mut offset_s = 0i64;
    let mut seen_resol = false;
    let mut seen_offset = false;
    for opt in &idb.options {
        let Ok(value) = opt.as_bytes() else {
            return Err(Corruption::NgInterface { len });
        };
        match opt.code.0 {
            OPT_IF_TSRESOL if !seen_resol => {
                seen_resol = true;
                let Some(&r) = value.first() else {
                    return Err(Corruption::NgInterface { len });
                };
                units = units_per_sec(r).ok_or(Corruption::NgTsresol { if_tsresol: r })?;
            }
            OPT_IF_TSOFFSET if !seen_offset => {
                seen_offset = true;
                let Some(b) = value.first_chunk::<8>() else {
                    return Err(Corruption::NgInterface { len });
                };
                offset_s = if be {
                    i64::from_be_bytes(*b)
                } else {
                    i64::from_le_bytes(*b)
                };
            }
            _ => {}
        }
    }
    Ok(Iface {
        link: LinkType(idb.linktype.0 as u16),
        units_per_sec: units,
        offset_s,
        snaplen: idb.snaplen,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tsresol_decimal_and_binary() {
        assert_eq!(units_per_sec(6).map(NonZeroU64::get), Some(1_000_000));
        assert_eq!(units_per_sec(9).map(NonZeroU64::get), Some(1_000_000_000));
        assert_eq!(units_per_sec(0).map(NonZeroU64::get), Some(1));
        assert_eq!(units_per_sec(19).map(NonZeroU64::get), Some(10u64.pow(19)));
        assert_eq!(units_per_sec(20), None);
        assert_eq!(units_per_sec(0x80 | 10).map(NonZeroU64::get), Some(1024));
        assert_eq!(units_per_sec(0x80 | 63).map(NonZeroU64::get), Some(1 << 63));
        assert_eq!(units_per_sec(0x80 | 64), None);
        assert_eq!(units_per_sec(0xff), None);
    }

    #[test]
    fn timestamp_conversion() {
        let ns = Iface {
            units_per_sec: NonZeroU64::new(1_000_000_000).unwrap(),
            ..Iface::UNKNOWN
        };
        assert_eq!(ns.timestamp(1_500_000_123_456).as_us(), 1_500_000_123);
        let b10 = Iface {
            units_per_sec: NonZeroU64::new(1024).unwrap(),
            ..Iface::UNKNOWN
        };
        // 3.5 s in 1/1024 s units.
        assert_eq!(b10.timestamp(3 * 1024 + 512).as_us(), 3_500_000);
        let off = Iface {
            offset_s: -2,
            ..Iface::UNKNOWN
        };
        assert_eq!(off.timestamp(5_000_001).as_us(), 3_000_001);
        // A negative result clamps to the epoch rather than wrapping.
        assert_eq!(off.timestamp(1).as_us(), 0);
        let big = Iface {
            units_per_sec: NonZeroU64::new(1).unwrap(),
            offset_s: i64::MAX,
            ..Iface::UNKNOWN
        };
        assert_eq!(big.timestamp(u64::MAX).as_us(), u64::MAX);
    }
}
