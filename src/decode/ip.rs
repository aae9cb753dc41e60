//! IPv4 and IPv6 headers, IPv6 extension headers, and fragment detection.
//!
//! Lengths: the IP header's length fields decide where the packet ends (Ethernet padding after
//! it is dropped). A length larger than the wire frame leaves is malformed
//! (`ipv4_total_len_exceeds_frame`, `ipv6_payload_len_exceeds_frame`); a frame captured shorter
//! than that length because of the snaplen is fine as long as the headers themselves were
//! captured. The payload [`Cursor`] keeps both: captured bytes and wire length.
//!
//! Fragments are detected, never reassembled: [`IpHeader::frag`] is set for IPv4 MF/offset
//! and for IPv6 Fragment headers with offset > 0 or M = 1 (atomic fragments decode normally).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use super::cursor::{be16, be32, byte, sat16, Cursor};
use super::error::{DecodeError, Layer};
use super::IpProto;

/// Which IP version the layer below announced.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IpVersion {
    V4,
    V6,
    /// Decide by the version nibble (raw IP, GTP-U payload).
    Any,
}

/// Fragment fields of an IPv4 header or IPv6 Fragment header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Frag {
    pub id: u32,
    /// Offset of the fragment's data in the datagram, in bytes.
    pub offset: u32,
    pub more: bool,
}

/// A decoded IP header (with IPv4 options / IPv6 extension headers skipped).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IpHeader<'a> {
    pub src: IpAddr,
    pub dst: IpAddr,
    /// Protocol of the payload after all extension headers (for a fragment: of the datagram).
    pub proto: IpProto,
    pub ttl: u8,
    /// IPv4 total length, or 40 + IPv6 payload length.
    pub total_len: u32,
    pub frag: Option<Frag>,
    /// The payload after all IP headers: captured bytes and wire length (`l4_len`).
    pub payload: Cursor<'a>,
}

const IPV4_MIN: usize = 20;
const IPV6_LEN: usize = 40;

/// Extension header numbers walked over in IPv6.
const HOP_BY_HOP: u8 = 0;
const ROUTING: u8 = 43;
const FRAGMENT: u8 = 44;
const AUTH: u8 = 51;
const DEST_OPTS: u8 = 60;

/// Decode the IP header at `c`.
pub(crate) fn parse(c: Cursor<'_>, ver: IpVersion) -> Result<IpHeader<'_>, DecodeError> {
    match ver {
        IpVersion::V4 => ipv4_at(c),
        IpVersion::V6 => ipv6_at(c),
        IpVersion::Any => match byte(c.take(Layer::Ip, 1)?, 0) >> 4 {
            4 => ipv4_at(c),
            6 => ipv6_at(c),
            version => Err(DecodeError::IpVersionUnknown {
                offset: sat16(c.pos),
                version,
            }),
        },
    }
}

pub(crate) fn ipv4_at(c: Cursor<'_>) -> Result<IpHeader<'_>, DecodeError> {
    let h = c.take(Layer::Ipv4, IPV4_MIN)?;
    let offset = sat16(c.pos);
    let v = byte(h, 0);
    if v >> 4 != 4 {
        return Err(DecodeError::IpVersionMismatch {
            offset,
            expected: 4,
            found: v >> 4,
        });
    }
    let ihl = v & 0x0F;
    if ihl < 5 {
        return Err(DecodeError::Ipv4HeaderLenTooSmall { offset, ihl });
    }
    let hl = usize::from(ihl) * 4;
    c.take(Layer::Ipv4, hl)?;
    let total_len = be16(h, 2);
    if usize::from(total_len) < hl {
        return Err(DecodeError::Ipv4TotalLenTooSmall {
            offset,
            total_len,
            header_len: hl as u8,
        });
    }
    if usize::from(total_len) > c.wire {
        return Err(DecodeError::Ipv4TotalLenExceedsFrame {
            offset,
            total_len,
            available: u32::try_from(c.wire).unwrap_or(u32::MAX),
        });
    }
    let fo = be16(h, 6);
    let frag = (fo & 0x3FFF != 0).then_some(Frag {
        id: u32::from(be16(h, 4)),
        offset: u32::from(fo & 0x1FFF) * 8,
        more: fo & 0x2000 != 0,
    });
    Ok(IpHeader {
        src: IpAddr::V4(Ipv4Addr::from(be32(h, 12))),
        dst: IpAddr::V4(Ipv4Addr::from(be32(h, 16))),
        proto: IpProto(byte(h, 9)),
        ttl: byte(h, 8),
        total_len: u32::from(total_len),
        frag,
        payload: c.limit(usize::from(total_len)).advance(hl),
    })
}

fn addr6(h: &[u8], at: usize) -> Ipv6Addr {
    let mut a = [0u8; 16];
    if let Some(s) = h.get(at..at + 16) {
        a.copy_from_slice(s);
    }
    Ipv6Addr::from(a)
}

pub(crate) fn ipv6_at(c: Cursor<'_>) -> Result<IpHeader<'_>, DecodeError> {
    let h = c.take(Layer::Ipv6, IPV6_LEN)?;
    let offset = sat16(c.pos);
    let found = byte(h, 0) >> 4;
    if found != 6 {
        return Err(DecodeError::IpVersionMismatch {
            offset,
            expected: 6,
            found,
        });
    }
    let payload_len = be16(h, 4);
    let total = IPV6_LEN + usize::from(payload_len);
    if total > c.wire {
        return Err(DecodeError::Ipv6PayloadLenExceedsFrame {
            offset,
            payload_len,
            available: u32::try_from(c.wire.saturating_sub(IPV6_LEN)).unwrap_or(u32::MAX),
        });
    }
    let mut p = c.limit(total).advance(IPV6_LEN);
    let mut nh = byte(h, 6);
    let mut frag = None;
    loop {
        let len = match nh {
            HOP_BY_HOP | ROUTING | DEST_OPTS => (usize::from(ext_len_byte(&p)?) + 1) * 8,
            AUTH => (usize::from(ext_len_byte(&p)?) + 2) * 4,
            FRAGMENT => 8,
            _ => break,
        };
        if len > p.wire {
            return Err(DecodeError::Ipv6ExtExceedsPayload {
                offset: sat16(p.pos),
                len: sat16(len),
                available: u32::try_from(p.wire).unwrap_or(u32::MAX),
            });
        }
        let e = p.take(Layer::Ipv6Ext, len)?;
        p = p.advance(len);
        let this = nh;
        nh = byte(e, 0);
        if this == FRAGMENT {
            let fo = be16(e, 2);
            if fo & 0xFFF9 != 0 {
                frag = Some(Frag {
                    id: be32(e, 4),
                    offset: u32::from(fo & 0xFFF8),
                    more: fo & 1 != 0,
                });
                break;
            }
        }
    }
    Ok(IpHeader {
        src: IpAddr::V6(addr6(h, 8)),
        dst: IpAddr::V6(addr6(h, 24)),
        proto: IpProto(nh),
        ttl: byte(h, 7),
        total_len: total as u32,
        frag,
        payload: p,
    })
}

/// The length byte of an extension header (its second byte), checking both the payload length
/// and the capture.
fn ext_len_byte(p: &Cursor<'_>) -> Result<u8, DecodeError> {
    if p.wire < 2 {
        return Err(DecodeError::Ipv6ExtExceedsPayload {
            offset: sat16(p.pos),
            len: 2,
            available: p.wire as u32,
        });
    }
    Ok(byte(p.take(Layer::Ipv6Ext, 2)?, 1))
}

/// Fuzz/test entry: an IPv4 header (the slice is the whole packet, wire = captured).
pub fn ipv4(data: &[u8]) -> Result<IpHeader<'_>, DecodeError> {
    ipv4_at(Cursor::new(data, data.len()))
}

/// Fuzz/test entry: an IPv6 header and its extension headers.
pub fn ipv6(data: &[u8]) -> Result<IpHeader<'_>, DecodeError> {
    ipv6_at(Cursor::new(data, data.len()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// IPv4, IHL 6 (one 4-byte option), total 32, id 0x1234, DF, TTL 63, UDP, 10.0.0.1 → .2
    const V4: [u8; 32] = [
        0x46, 0, 0, 32, 0x12, 0x34, 0x40, 0, 63, 17, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2, 1, 1, 1, 0,
        // payload (8 bytes)
        1, 2, 3, 4, 5, 6, 7, 8,
    ];

    #[test]
    fn ipv4_fields() {
        let mut f = V4.to_vec();
        f.extend_from_slice(&[0; 6]); // Ethernet padding
        let h = ipv4_at(Cursor::new(&f, f.len())).unwrap();
        assert_eq!(h.src, "10.0.0.1".parse::<IpAddr>().unwrap());
        assert_eq!(h.dst, "10.0.0.2".parse::<IpAddr>().unwrap());
        assert_eq!(
            (h.proto, h.ttl, h.total_len, h.frag),
            (IpProto::UDP, 63, 32, None)
        );
        assert_eq!(
            (h.payload.data, h.payload.wire, h.payload.pos),
            (&V4[24..], 8, 24)
        );
        // snaplen cut inside the payload: still decodes, wire length from the header
        let h = ipv4_at(Cursor::new(&V4[..26], 200)).unwrap();
        assert_eq!((h.payload.data.len(), h.payload.wire), (2, 8));
    }

    #[test]
    fn ipv4_fragment() {
        let mut f = V4;
        f[6] = 0x20; // MF, offset 0
        let h = ipv4(&f).unwrap();
        assert_eq!(
            h.frag,
            Some(Frag {
                id: 0x1234,
                offset: 0,
                more: true
            })
        );
        f[6] = 0x00;
        f[7] = 3; // offset 24 bytes, last
        assert_eq!(
            ipv4(&f).unwrap().frag,
            Some(Frag {
                id: 0x1234,
                offset: 24,
                more: false
            })
        );
    }

    #[test]
    fn ipv4_malformed() {
        let mut f = V4;
        f[0] = 0x44;
        assert_eq!(
            ipv4(&f),
            Err(DecodeError::Ipv4HeaderLenTooSmall { offset: 0, ihl: 4 })
        );
        f[0] = 0x65;
        assert_eq!(
            ipv4(&f),
            Err(DecodeError::IpVersionMismatch {
                offset: 0,
                expected: 4,
                found: 6
            })
        );
        let mut f = V4;
        f[3] = 20;
        assert_eq!(
            ipv4(&f),
            Err(DecodeError::Ipv4TotalLenTooSmall {
                offset: 0,
                total_len: 20,
                header_len: 24
            })
        );
        f[3] = 33;
        assert_eq!(
            ipv4(&f),
            Err(DecodeError::Ipv4TotalLenExceedsFrame {
                offset: 0,
                total_len: 33,
                available: 32
            })
        );
        assert_eq!(
            parse(Cursor::new(&[0x50], 1), IpVersion::Any),
            Err(DecodeError::IpVersionUnknown {
                offset: 0,
                version: 5
            })
        );
    }

    fn v6(nh: u8, exts: &[u8], payload: &[u8]) -> Vec<u8> {
        let mut f = vec![0x60, 0, 0, 0];
        f.extend_from_slice(&((exts.len() + payload.len()) as u16).to_be_bytes());
        f.extend_from_slice(&[nh, 64]);
        f.extend_from_slice(&[0x20, 0x01, 0x0d, 0xb8]);
        f.extend_from_slice(&[0; 11]);
        f.push(1);
        f.extend_from_slice(&[0x20, 0x01, 0x0d, 0xb8]);
        f.extend_from_slice(&[0; 11]);
        f.push(2);
        f.extend_from_slice(exts);
        f.extend_from_slice(payload);
        f
    }

    #[test]
    fn ipv6_fields_and_exts() {
        let f = v6(6, &[], &[9; 20]);
        let h = ipv6(&f).unwrap();
        assert_eq!(h.src, "2001:db8::1".parse::<IpAddr>().unwrap());
        assert_eq!(h.dst, "2001:db8::2".parse::<IpAddr>().unwrap());
        assert_eq!(
            (h.proto, h.ttl, h.total_len, h.payload.wire, h.payload.pos),
            (IpProto::TCP, 64, 60, 20, 40)
        );
        // hop-by-hop (8) → dest opts (16) → AH (len 1 → 12) → UDP
        let mut e = vec![60, 0, 1, 4, 0, 0, 0, 0];
        e.extend_from_slice(&[51, 1, 1, 12, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
        e.extend_from_slice(&[17, 1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0]);
        let f = v6(0, &e, &[7; 8]);
        let h = ipv6(&f).unwrap();
        assert_eq!(
            (h.proto, h.payload.wire, h.payload.pos, h.total_len),
            (IpProto::UDP, 8, 76, 84)
        );
        // ESP ends the walk
        assert_eq!(ipv6(&v6(50, &[], &[0; 8])).unwrap().proto, IpProto(50));
    }

    #[test]
    fn ipv6_fragments() {
        // offset 2 (16 bytes), M = 1, id 0xdeadbeef, next = UDP
        let f = v6(44, &[17, 0, 0, 0x11, 0xde, 0xad, 0xbe, 0xef], &[1; 8]);
        let h = ipv6(&f).unwrap();
        assert_eq!(
            h.frag,
            Some(Frag {
                id: 0xdead_beef,
                offset: 16,
                more: true
            })
        );
        assert_eq!((h.proto, h.payload.wire), (IpProto::UDP, 8));
        // atomic fragment: decodes as plain UDP
        let f = v6(44, &[17, 0, 0, 0, 0, 0, 0, 1], &[1; 8]);
        let h = ipv6(&f).unwrap();
        assert_eq!((h.frag, h.proto, h.payload.pos), (None, IpProto::UDP, 48));
    }

    #[test]
    fn ipv6_malformed() {
        let mut f = v6(6, &[], &[0; 4]);
        f[5] = 5;
        assert_eq!(
            ipv6(&f),
            Err(DecodeError::Ipv6PayloadLenExceedsFrame {
                offset: 0,
                payload_len: 5,
                available: 4
            })
        );
        let f = v6(0, &[17, 1, 0, 0, 0, 0, 0, 0], &[]);
        assert_eq!(
            ipv6(&f),
            Err(DecodeError::Ipv6ExtExceedsPayload {
                offset: 40,
                len: 16,
                available: 8
            })
        );
        // cut by the snaplen inside the extension header: truncated
        let f = v6(0, &[17, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], &[]);
        assert_eq!(
            ipv6_at(Cursor::new(&f[..50], f.len())),
            Err(DecodeError::Truncated {
                layer: Layer::Ipv6Ext,
                offset: 40,
                need: 16,
                have: 10
            })
        );
    }

    proptest! {
        #[test]
        fn ipv4_truncation(opt_words in 0usize..=10, wire_extra in 0usize..100) {
            let hl = 20 + opt_words * 4;
            let mut f = vec![0u8; hl + 4];
            f[0] = 0x40 | (hl / 4) as u8;
            f[3] = (hl + 4) as u8;
            f[9] = 6;
            prop_assert!(ipv4(&f).is_ok());
            for cut in 0..hl {
                let need = if cut < 20 { 20 } else { hl };
                prop_assert_eq!(
                    ipv4_at(Cursor::new(&f[..cut], f.len() + wire_extra)),
                    Err(DecodeError::Truncated { layer: Layer::Ipv4, offset: 0, need: need as u16, have: cut as u16 })
                );
            }
            for cut in hl..f.len() {
                prop_assert!(ipv4_at(Cursor::new(&f[..cut], f.len())).is_ok());
            }
        }

        #[test]
        fn ipv6_truncation(hbh_units in 0u8..4) {
            let hbh_len = (usize::from(hbh_units) + 1) * 8;
            let mut e = vec![0u8; hbh_len];
            e[0] = 17;
            e[1] = hbh_units;
            let f = v6(0, &e, &[0; 8]);
            prop_assert!(ipv6(&f).is_ok());
            for cut in 0..40 + hbh_len {
                let (layer, offset, need) = if cut < 40 { (Layer::Ipv6, 0, 40) }
                    else if cut < 42 { (Layer::Ipv6Ext, 40, 2) } else { (Layer::Ipv6Ext, 40, hbh_len) };
                prop_assert_eq!(
                    ipv6_at(Cursor::new(&f[..cut], f.len())),
                    Err(DecodeError::Truncated { layer, offset: offset as u16, need: need as u16, have: (cut - offset) as u16 })
                );
            }
        }
    }
}
