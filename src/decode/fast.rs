//! The fast path: Ethernet, up to four VLAN tags, IPv4 without options or fragmentation or
//! IPv6 without extension headers, then TCP or UDP (not on a tunnel port).
//!
//! It reads fixed offsets through fixed-size array views (`<&[u8; N]>::try_from`), so every
//! field access is checked once per header and cannot panic. Anything else, including every
//! frame that would be malformed, returns `None` and takes the general path in `walk.rs`; for
//! the frames it accepts, the result is identical to the general path's (tested by the
//! `fast_equals_general` proptest in `tests.rs`).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use super::transport::options;
use super::tunnel::{GTPU_PORT, VXLAN_PORT};
use super::{Decoded, IpInfo, IpProto, TcpFlags, TcpInfo, UdpInfo, Vlans, L4};

#[inline(always)]
fn arr<const N: usize>(d: &[u8], at: usize) -> Option<&[u8; N]> {
    d.get(at..at.checked_add(N)?)?.try_into().ok()
}

#[inline(always)]
fn u16_at(b: [u8; 2]) -> u16 {
    u16::from_be_bytes(b)
}

#[inline(always)]
fn u32_at(b: [u8; 4]) -> u32 {
    u32::from_be_bytes(b)
}

/// Decode a common Ethernet frame, or `None` to fall back to the general path.
#[inline]
pub fn ethernet(data: &[u8], wire_len: u32) -> Option<Decoded<'_>> {
    let wire = (wire_len as usize).max(data.len());
    let e = arr::<2>(data, 12)?;
    let mut et = u16_at(*e);
    let mut off = 14;
    let mut vlans = Vlans::default();
    while matches!(et, 0x8100 | 0x88A8 | 0x9100) {
        let t = arr::<4>(data, off)?;
        if !vlans.push(u16_at([t[0], t[1]]) & 0x0FFF) {
            return None;
        }
        et = u16_at([t[2], t[3]]);
        off += 4;
    }
    let avail = wire.checked_sub(off)?;
    let (ip, l4_off, ip_end) = match et {
        0x0800 => {
            let h = arr::<20>(data, off)?;
            let total = usize::from(u16_at([h[2], h[3]]));
            // IHL 5, version 4; no MF, no offset; total length sane.
            if h[0] != 0x45 || u16_at([h[6], h[7]]) & 0x3FFF != 0 || total < 20 || total > avail {
                return None;
            }
            let ip = IpInfo {
                src: IpAddr::V4(Ipv4Addr::new(h[12], h[13], h[14], h[15])),
                dst: IpAddr::V4(Ipv4Addr::new(h[16], h[17], h[18], h[19])),
                proto: IpProto(h[9]),
                total_len: total as u32,
                l4_len: (total - 20) as u32,
                ttl: h[8],
            };
            (ip, off + 20, off + total)
        }
        0x86DD => {
            let h = arr::<40>(data, off)?;
            let total = 40 + usize::from(u16_at([h[4], h[5]]));
            if h[0] >> 4 != 6 || total > avail || !matches!(h[6], 6 | 17) {
                return None;
            }
            let src = arr::<16>(h, 8)?;
            let dst = arr::<16>(h, 24)?;
            let ip = IpInfo {
                src: IpAddr::V6(Ipv6Addr::from(*src)),
                dst: IpAddr::V6(Ipv6Addr::from(*dst)),
                proto: IpProto(h[6]),
                total_len: total as u32,
                l4_len: (total - 40) as u32,
                ttl: h[7],
            };
            (ip, off + 40, off + total)
        }
        _ => return None,
    };
    let seg = data.get(l4_off..ip_end.min(data.len()))?;
    let seg_wire = ip.l4_len as usize;
    let l4 = match ip.proto {
        IpProto::TCP => {
            let t = arr::<20>(seg, 0)?;
            let hl = usize::from(t[12] >> 4) * 4;
            if hl < 20 || hl > seg_wire {
                return None;
            }
            let (wscale, timestamps) = match seg.get(20..hl) {
                Some(o) if !o.is_empty() => options(o),
                _ => (None, None),
            };
            L4::Tcp(TcpInfo {
                src_port: u16_at([t[0], t[1]]),
                dst_port: u16_at([t[2], t[3]]),
                seq: u32_at([t[4], t[5], t[6], t[7]]),
                ack: u32_at([t[8], t[9], t[10], t[11]]),
                flags: TcpFlags(t[13]),
                window: u16_at([t[14], t[15]]),
                wscale,
                timestamps,
                payload_len: (seg_wire - hl) as u32,
                payload: seg.get(hl..).unwrap_or(&[]),
            })
        }
        IpProto::UDP => {
            let u = arr::<8>(seg, 0)?;
            let (src_port, dst_port) = (u16_at([u[0], u[1]]), u16_at([u[2], u[3]]));
            if u16_at([u[4], u[5]]) < 8
                || dst_port == VXLAN_PORT
                || dst_port == GTPU_PORT
                || src_port == GTPU_PORT
            {
                return None;
            }
            L4::Udp(UdpInfo {
                src_port,
                dst_port,
                payload_len: (seg_wire - 8) as u32,
                payload: seg.get(8..).unwrap_or(&[]),
            })
        }
        _ => return None,
    };
    Some(Decoded {
        vlans,
        mpls_labels: 0,
        tunnel: None,
        ip,
        l4,
    })
}

/// The innermost address pair of a plain Ethernet frame, for choosing its worker, or `None`
/// when only a full decode can tell (tunnels, fragments, extension headers, anything odd).
///
/// Whenever it answers, the pair equals the `ip.src`/`ip.dst` that [`ethernet`] (and so
/// `decode::frame`) gives: the same checks decide, only the transport header is not read
/// beyond its ports. Reading a few fixed offsets is several times cheaper than a decode, and
/// the reader thread does it for every packet.
#[inline]
pub fn dispatch_pair(data: &[u8], wire_len: u32) -> Option<(IpAddr, IpAddr)> {
    let wire = (wire_len as usize).max(data.len());
    let mut et = u16_at(*arr::<2>(data, 12)?);
    let mut off = 14;
    let mut tags = 0;
    while matches!(et, 0x8100 | 0x88A8 | 0x9100) {
        tags += 1;
        if tags > 4 {
            return None;
        }
        et = u16_at(*arr::<2>(data, off + 2)?);
        off += 4;
    }
    let avail = wire.checked_sub(off)?;
    let (src, dst, proto, l4_off) = match et {
        0x0800 => {
            let h = arr::<20>(data, off)?;
            let total = usize::from(u16_at([h[2], h[3]]));
            if h[0] != 0x45 || u16_at([h[6], h[7]]) & 0x3FFF != 0 || total < 20 || total > avail {
                return None;
            }
            let src = IpAddr::V4(Ipv4Addr::new(h[12], h[13], h[14], h[15]));
            let dst = IpAddr::V4(Ipv4Addr::new(h[16], h[17], h[18], h[19]));
            (src, dst, h[9], off + 20)
        }
        0x86DD => {
            let h = arr::<40>(data, off)?;
            if h[0] >> 4 != 6 || 40 + usize::from(u16_at([h[4], h[5]])) > avail {
                return None;
            }
            let src = IpAddr::V6(Ipv6Addr::from(*arr::<16>(h, 8)?));
            let dst = IpAddr::V6(Ipv6Addr::from(*arr::<16>(h, 24)?));
            (src, dst, h[6], off + 40)
        }
        _ => return None,
    };
    match IpProto(proto) {
        IpProto::TCP => Some((src, dst)),
        IpProto::UDP => {
            let u = arr::<4>(data, l4_off)?;
            let (sp, dp) = (u16_at([u[0], u[1]]), u16_at([u[2], u[3]]));
            // Control-plane datagrams (GTPv2-C, RADIUS accounting) take the slow path: every
            // worker must see them (see `flow::table::is_control`).
            let control = |p: u16| matches!(p, 2123 | 1813 | 1646);
            (dp != VXLAN_PORT && dp != GTPU_PORT && sp != GTPU_PORT && !control(sp) && !control(dp))
                .then_some((src, dst))
        }
        _ => None,
    }
}
