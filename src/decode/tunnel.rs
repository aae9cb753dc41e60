//! Tunnel headers: GRE (RFC 2784/2890) with ERSPAN types I, II and III, VXLAN (RFC 7348) and
//! GTP-U (3GPP TS 29.281, with the 5G PDU Session Container of TS 38.415).
//!
//! Each decoder reads one tunnel header and says what comes next ([`Next`]); the walk in
//! `walk.rs` records the outermost tunnel and counts the nesting depth. What is not followed:
//! GRE routing SREs (RFC 1701) and PPTP (GRE version 1) are `tunnel_unsupported`; GTP-U
//! messages other than G-PDU (echo, error indication, end marker) and VXLAN headers without the
//! I flag are left as plain UDP flows.

use super::cursor::{be16, be32, byte, sat16, Cursor};
use super::error::{DecodeError, Ignored, Layer, Skip};
use super::ip::IpVersion;
use super::link::EtherType;
use super::walk::Next;
use super::{TunnelKind, UdpInfo};

/// VXLAN's IANA UDP port.
pub const VXLAN_PORT: u16 = 4789;
/// GTP-U's UDP port (either side).
pub const GTPU_PORT: u16 = 2152;

const GRE_C: u8 = 0x80;
const GRE_R: u8 = 0x40;
const GRE_K: u8 = 0x20;
const GRE_S: u8 = 0x10;
const GTP_G_PDU: u8 = 255;
/// GTP-U extension header type of the PDU Session Container (TS 29.281 §5.2.1).
const GTP_EXT_PDU_SESSION: u8 = 0x85;

/// One removed tunnel header: its identifiers and what follows it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Decap<'a> {
    pub kind: TunnelKind,
    pub key: Option<u32>,
    pub vni: Option<u32>,
    pub teid: Option<u32>,
    pub qfi: Option<u8>,
    pub next: Next<'a>,
}

impl<'a> Decap<'a> {
    pub(crate) fn new(kind: TunnelKind, next: Next<'a>) -> Self {
        Decap {
            kind,
            key: None,
            vni: None,
            teid: None,
            qfi: None,
            next,
        }
    }
}

/// A GRE header at `c` (the IP payload), and ERSPAN after it.
pub(crate) fn gre_at(c: Cursor<'_>) -> Result<Decap<'_>, Skip> {
    let h = c.take(Layer::Gre, 4)?;
    let (flags, version, proto) = (byte(h, 0), byte(h, 1) & 0x07, be16(h, 2));
    match version {
        0 => {}
        1 => return Err(Ignored::TunnelUnsupported { protocol: proto }.into()),
        v => {
            return Err(DecodeError::GreVersionUnknown {
                offset: sat16(c.pos),
                version: v,
            }
            .into())
        }
    }
    let opt = |bit: u8| if flags & bit != 0 { 4 } else { 0 };
    let key_at = 4 + if flags & (GRE_C | GRE_R) != 0 { 4 } else { 0 };
    let len = key_at + opt(GRE_K) + opt(GRE_S);
    let h = c.take(Layer::Gre, len)?;
    let p = c.advance(len);
    let key = (flags & GRE_K != 0).then(|| be32(h, key_at));
    let gre = |next| Decap {
        key,
        ..Decap::new(TunnelKind::Gre, next)
    };
    Ok(match EtherType(proto) {
        EtherType::IPV4 => gre(Next::Ip(p, IpVersion::V4)),
        EtherType::IPV6 => gre(Next::Ip(p, IpVersion::V6)),
        EtherType::TEB => gre(Next::Ethernet(p)),
        EtherType::MPLS_UNICAST | EtherType::MPLS_MULTICAST => gre(Next::Mpls(p)),
        // ERSPAN type I has no header and no GRE sequence number.
        EtherType::ERSPAN_1_2 if flags & GRE_S == 0 => {
            Decap::new(TunnelKind::Erspan, Next::Ethernet(p))
        }
        EtherType::ERSPAN_1_2 | EtherType::ERSPAN_3 => erspan_at(p)?,
        EtherType(other) => return Err(Ignored::TunnelUnsupported { protocol: other }.into()),
    })
}

/// An ERSPAN type II (version 1, 8 bytes) or type III (version 2, 12 bytes plus an 8-byte
/// platform-specific subheader when the O flag is set) header. The session id becomes the key.
fn erspan_at(c: Cursor<'_>) -> Result<Decap<'_>, Skip> {
    let h = c.take(Layer::Erspan, 8)?;
    let version = byte(h, 0) >> 4;
    let len = match version {
        1 => 8,
        2 => {
            let h3 = c.take(Layer::Erspan, 12)?;
            if byte(h3, 11) & 0x01 != 0 {
                20
            } else {
                12
            }
        }
        v => {
            return Err(DecodeError::ErspanVersionUnknown {
                offset: sat16(c.pos),
                version: v,
            }
            .into())
        }
    };
    c.take(Layer::Erspan, len)?;
    Ok(Decap {
        key: Some(u32::from(be16(h, 2) & 0x03FF)),
        ..Decap::new(TunnelKind::Erspan, Next::Ethernet(c.advance(len)))
    })
}

/// A UDP tunnel (VXLAN, GTP-U G-PDU) in the datagram `u` whose payload is at `p`; `None`
/// when the datagram is itself the flow.
pub(crate) fn udp_tunnel_at<'a>(u: &UdpInfo<'_>, p: Cursor<'a>) -> Result<Option<Decap<'a>>, Skip> {
    if u.dst_port == VXLAN_PORT {
        return vxlan_at(p);
    }
    if u.dst_port == GTPU_PORT || u.src_port == GTPU_PORT {
        return gtpu_at(p);
    }
    Ok(None)
}

fn vxlan_at(c: Cursor<'_>) -> Result<Option<Decap<'_>>, Skip> {
    let h = c.take(Layer::Vxlan, 8)?;
    if byte(h, 0) & 0x08 == 0 {
        return Ok(None);
    }
    Ok(Some(Decap {
        vni: Some(be32(h, 4) >> 8),
        ..Decap::new(TunnelKind::Vxlan, Next::Ethernet(c.advance(8)))
    }))
}

fn gtpu_at(c: Cursor<'_>) -> Result<Option<Decap<'_>>, Skip> {
    let flags = byte(c.data, 0);
    // Version 1, protocol type GTP (not GTP'), G-PDU: anything else is signalling in the UDP flow.
    if c.data.len() < 2 || flags & 0xF0 != 0x30 || byte(c.data, 1) != GTP_G_PDU {
        return Ok(None);
    }
    let h = c.take(Layer::Gtpu, 8)?;
    let len = be16(h, 2);
    let total = 8 + usize::from(len);
    if total > c.wire {
        return Err(DecodeError::GtpuLenExceedsUdp {
            offset: sat16(c.pos),
            len,
            available: u32::try_from(c.wire.saturating_sub(8)).unwrap_or(u32::MAX),
        }
        .into());
    }
    let g = c.limit(total);
    let mut off = 8;
    let mut qfi = None;
    if flags & 0x07 != 0 {
        let opt = g.take(Layer::Gtpu, 12)?;
        off = 12;
        let mut next_ext = byte(opt, 11);
        while flags & 0x04 != 0 && next_ext != 0 {
            let at = g.advance(off);
            let n = usize::from(byte(at.take(Layer::Gtpu, 1)?, 0)) * 4;
            if n == 0 {
                return Err(DecodeError::GtpuExtLenZero {
                    offset: sat16(at.pos),
                }
                .into());
            }
            let ext = at.take(Layer::Gtpu, n)?;
            if next_ext == GTP_EXT_PDU_SESSION {
                qfi = Some(byte(ext, 2) & 0x3F);
            }
            next_ext = byte(ext, n - 1);
            off += n;
        }
    }
    Ok(Some(Decap {
        teid: Some(be32(h, 4)),
        qfi,
        ..Decap::new(TunnelKind::Gtpu, Next::Ip(g.advance(off), IpVersion::Any))
    }))
}

/// Fuzz/test entry: a GRE header (plus ERSPAN); the slice is the GRE packet.
pub fn gre(data: &[u8]) -> Result<Decap<'_>, Skip> {
    gre_at(Cursor::new(data, data.len()))
}

/// Fuzz/test entry: a VXLAN header (the UDP payload).
pub fn vxlan(data: &[u8]) -> Result<Option<Decap<'_>>, Skip> {
    vxlan_at(Cursor::new(data, data.len()))
}

/// Fuzz/test entry: a GTP-U header (the UDP payload).
pub fn gtpu(data: &[u8]) -> Result<Option<Decap<'_>>, Skip> {
    gtpu_at(Cursor::new(data, data.len()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn next_pos(d: &Decap<'_>) -> usize {
        match d.next {
            Next::Ethernet(c) | Next::Mpls(c) | Next::Ip(c, _) => c.pos,
        }
    }

    #[test]
    fn gre_flags_and_protocols() {
        // C + K + S, IPv4: checksum(4) key(4) seq(4)
        let g = [
            0xB0, 0, 0x08, 0, 0, 0, 0, 0, 0, 0, 0x30, 0x39, 0, 0, 0, 1, 0x45,
        ];
        let d = gre(&g).unwrap();
        assert_eq!(
            (d.kind, d.key, next_pos(&d)),
            (TunnelKind::Gre, Some(12345), 16)
        );
        assert!(matches!(d.next, Next::Ip(_, IpVersion::V4)));
        let d = gre(&[0, 0, 0x65, 0x58]).unwrap();
        assert!(matches!(d.next, Next::Ethernet(c) if c.pos == 4));
        assert_eq!(d.key, None);
        assert!(matches!(
            gre(&[0, 0, 0x88, 0x47]).unwrap().next,
            Next::Mpls(_)
        ));
        assert_eq!(
            gre(&[0, 1, 0x88, 0x0B]),
            Err(Skip::Ignored(Ignored::TunnelUnsupported {
                protocol: 0x880B
            }))
        );
        assert_eq!(
            gre(&[0, 0, 0x88, 0x0B]).unwrap_err().reason().name(),
            "tunnel_unsupported"
        );
        assert_eq!(
            gre(&[0, 3, 0x08, 0x00]),
            Err(Skip::Malformed(DecodeError::GreVersionUnknown {
                offset: 0,
                version: 3
            }))
        );
    }

    #[test]
    fn erspan_types() {
        // type I: no sequence flag, Ethernet right after GRE
        let d = gre(&[0, 0, 0x88, 0xBE]).unwrap();
        assert_eq!((d.kind, d.key, next_pos(&d)), (TunnelKind::Erspan, None, 4));
        // type II: S flag, seq, 8-byte header with session 0x155
        let g = [
            0x10, 0, 0x88, 0xBE, 0, 0, 0, 7, 0x10, 0x64, 0x01, 0x55, 0, 0, 0, 0,
        ];
        let d = gre(&g).unwrap();
        assert_eq!(
            (d.kind, d.key, next_pos(&d)),
            (TunnelKind::Erspan, Some(0x155), 16)
        );
        // type III with the O flag: 12 + 8 bytes
        let mut g = vec![0x10, 0, 0x22, 0xEB, 0, 0, 0, 7, 0x20, 0, 0x00, 0x09];
        g.extend_from_slice(&[0, 0, 0, 0, 0, 0, 0, 0x01]);
        g.extend_from_slice(&[0; 8]);
        let d = gre(&g).unwrap();
        assert_eq!((d.key, next_pos(&d)), (Some(9), 28));
        g[19] = 0;
        assert_eq!(next_pos(&gre(&g).unwrap()), 20);
        g[8] = 0x30;
        assert_eq!(
            gre(&g),
            Err(Skip::Malformed(DecodeError::ErspanVersionUnknown {
                offset: 8,
                version: 3
            }))
        );
    }

    #[test]
    fn vxlan_header() {
        let d = vxlan(&[0x08, 0, 0, 0, 0x12, 0x34, 0x56, 0])
            .unwrap()
            .unwrap();
        assert_eq!(
            (d.kind, d.vni, next_pos(&d)),
            (TunnelKind::Vxlan, Some(0x123456), 8)
        );
        assert_eq!(vxlan(&[0, 0, 0, 0, 0x12, 0x34, 0x56, 0]), Ok(None));
    }

    #[test]
    fn gtpu_headers() {
        // plain G-PDU, TEID 0x01020304, inner 1 byte
        let d = gtpu(&[0x30, 0xFF, 0, 1, 1, 2, 3, 4, 0x45])
            .unwrap()
            .unwrap();
        assert_eq!(
            (d.kind, d.teid, d.qfi, next_pos(&d)),
            (TunnelKind::Gtpu, Some(0x01020304), None, 8)
        );
        // E flag: PDU session container (UL, QFI 9), then a 2nd ext (type 0x40, len 1), then IP
        let g = [
            0x34, 0xFF, 0, 13, 0, 0, 0, 5, 0, 0, 0, 0x85, //
            1, 0x10, 0x09, 0x40, 1, 0, 0, 0, 0x45,
        ];
        let d = gtpu(&g).unwrap().unwrap();
        assert_eq!((d.teid, d.qfi, next_pos(&d)), (Some(5), Some(9), 20));
        // echo request: the UDP flow itself
        assert_eq!(gtpu(&[0x32, 1, 0, 4, 0, 0, 0, 0, 0, 1, 0, 0]), Ok(None));
        // ext length 0
        let g = [0x34, 0xFF, 0, 8, 0, 0, 0, 5, 0, 0, 0, 0x85, 0, 0, 0, 0];
        assert_eq!(
            gtpu(&g),
            Err(Skip::Malformed(DecodeError::GtpuExtLenZero { offset: 12 }))
        );
        // length beyond the datagram
        assert_eq!(
            gtpu(&[0x30, 0xFF, 0, 9, 0, 0, 0, 1, 0x45]),
            Err(Skip::Malformed(DecodeError::GtpuLenExceedsUdp {
                offset: 0,
                len: 9,
                available: 1
            }))
        );
    }

    fn check_truncations(
        f: &[u8],
        dec: impl Fn(Cursor<'_>) -> Result<Option<Decap<'_>>, Skip>,
        expect: impl Fn(usize) -> Option<(Layer, usize, usize)>,
    ) -> Result<(), TestCaseError> {
        for cut in 0..f.len() {
            let got = dec(Cursor {
                data: &f[..cut],
                wire: f.len(),
                pos: 0,
            });
            match expect(cut) {
                Some((layer, offset, need)) => prop_assert_eq!(
                    got,
                    Err(Skip::Malformed(DecodeError::Truncated {
                        layer,
                        offset: offset as u16,
                        need: need as u16,
                        have: (cut - offset) as u16,
                    })),
                    "cut {}",
                    cut
                ),
                None => prop_assert!(got.is_ok(), "cut {}", cut),
            }
        }
        Ok(())
    }

    proptest! {
        #[test]
        fn gre_truncation(c in any::<bool>(), k in any::<bool>(), s in any::<bool>(), key in any::<u32>()) {
            let flags = (if c { GRE_C } else { 0 }) | (if k { GRE_K } else { 0 }) | (if s { GRE_S } else { 0 });
            let mut g = vec![flags, 0, 0x86, 0xDD];
            let len = 4 + 4 * (usize::from(c) + usize::from(k) + usize::from(s));
            g.resize(len, 0);
            if k {
                let at = if c { 8 } else { 4 };
                g[at..at + 4].copy_from_slice(&key.to_be_bytes());
            }
            prop_assert_eq!(gre(&g).unwrap().key, k.then_some(key));
            check_truncations(&g, |c| gre_at(c).map(Some), |cut| Some((Layer::Gre, 0, if cut < 4 { 4 } else { len })))?;
        }

        #[test]
        fn gtpu_truncation(e in any::<bool>(), teid in any::<u32>()) {
            let mut g = vec![if e { 0x34 } else { 0x30 }, 0xFF, 0, 0];
            g.extend_from_slice(&teid.to_be_bytes());
            if e {
                g.extend_from_slice(&[0, 0, 0, 0x85, 1, 0x00, 0x05, 0]);
            }
            let l = (g.len() - 8) as u16;
            g[2..4].copy_from_slice(&l.to_be_bytes());
            prop_assert_eq!(gtpu(&g).unwrap().unwrap().teid, Some(teid));
            check_truncations(&g, gtpu_at, |cut| match cut {
                0 | 1 => None,
                2..=7 => Some((Layer::Gtpu, 0, 8)),
                8..=11 => Some((Layer::Gtpu, 0, 12)),
                12 => Some((Layer::Gtpu, 12, 1)),
                _ => Some((Layer::Gtpu, 12, 4)),
            })?;
        }

        #[test]
        fn vxlan_truncation(vni in 0u32..1 << 24) {
            let mut v = vec![0x08, 0, 0, 0];
            v.extend_from_slice(&(vni << 8).to_be_bytes());
            prop_assert_eq!(vxlan(&v).unwrap().unwrap().vni, Some(vni));
            check_truncations(&v, vxlan_at, |_| Some((Layer::Vxlan, 0, 8)))?;
        }
    }
}
