//! Transport headers of the innermost IP packet: TCP (with window scale and timestamps
//! options), UDP, ICMP, ICMPv6 and SCTP (ports only).
//!
//! Lengths: payload lengths come from the IP header (`Cursor::wire`), the payload slices are
//! the captured part. A TCP option area cut by the snaplen is ignored (the fixed header is
//! enough for the flow), not malformed. A UDP length field that disagrees with the IP length is
//! ignored in favour of the IP length, unless it is below 8 (`udp_len_too_small`).

use super::cursor::{be16, be32, byte, sat16, Cursor};
use super::error::{DecodeError, Layer};
use super::{IpProto, TcpFlags, TcpInfo, UdpInfo, L4};

const TCP_MIN: usize = 20;
const UDP_LEN: usize = 8;
const ICMP_MIN: usize = 8;
const SCTP_COMMON: usize = 12;

/// The transport layer for `proto` at `c` (tunnel protocols are the caller's business).
pub(crate) fn l4_at(proto: IpProto, c: Cursor<'_>) -> Result<L4<'_>, DecodeError> {
    Ok(match proto {
        IpProto::TCP => L4::Tcp(tcp_at(c)?),
        IpProto::UDP => L4::Udp(udp_at(c)?.0),
        IpProto::ICMP => {
            let h = c.take(Layer::Icmp, ICMP_MIN)?;
            L4::Icmp {
                ty: byte(h, 0),
                code: byte(h, 1),
            }
        }
        IpProto::ICMPV6 => {
            let h = c.take(Layer::Icmpv6, ICMP_MIN)?;
            L4::Icmpv6 {
                ty: byte(h, 0),
                code: byte(h, 1),
            }
        }
        IpProto::SCTP => {
            let h = c.take(Layer::Sctp, SCTP_COMMON)?;
            L4::Sctp {
                src_port: be16(h, 0),
                dst_port: be16(h, 2),
            }
        }
        _ => L4::Other,
    })
}

/// A TCP header at `c` (`c.wire` = segment length from the IP header).
pub(crate) fn tcp_at(c: Cursor<'_>) -> Result<TcpInfo<'_>, DecodeError> {
    let h = c.take(Layer::Tcp, TCP_MIN)?;
    let data_offset = byte(h, 12) >> 4;
    if data_offset < 5 {
        return Err(DecodeError::TcpDataOffsetTooSmall {
            offset: sat16(c.pos),
            data_offset,
        });
    }
    let hl = usize::from(data_offset) * 4;
    if hl > c.wire {
        return Err(DecodeError::TcpDataOffsetExceedsSegment {
            offset: sat16(c.pos),
            header_len: hl as u8,
            segment_len: u32::try_from(c.wire).unwrap_or(u32::MAX),
        });
    }
    let (wscale, timestamps) = match c.data.get(TCP_MIN..hl) {
        Some(opts) => options(opts),
        None => (None, None),
    };
    Ok(TcpInfo {
        src_port: be16(h, 0),
        dst_port: be16(h, 2),
        seq: be32(h, 4),
        ack: be32(h, 8),
        flags: TcpFlags(byte(h, 13)),
        window: be16(h, 14),
        wscale,
        timestamps,
        payload_len: u32::try_from(c.wire - hl).unwrap_or(u32::MAX),
        payload: c.data.get(hl..).unwrap_or(&[]),
    })
}

/// Window scale (kind 3) and timestamps (kind 8) from a TCP option area. A malformed option
/// list stops the walk and keeps what was found before it.
pub fn options(mut o: &[u8]) -> (Option<u8>, Option<(u32, u32)>) {
    let (mut ws, mut ts) = (None, None);
    while let Some(&kind) = o.first() {
        match kind {
            0 => break,
            1 => o = o.get(1..).unwrap_or(&[]),
            _ => {
                let len = usize::from(byte(o, 1));
                let Some(opt) = o.get(..len).filter(|_| len >= 2) else {
                    break;
                };
                match (kind, len) {
                    (3, 3) => ws = Some(byte(opt, 2)),
                    (8, 10) => ts = Some((be32(opt, 2), be32(opt, 6))),
                    _ => {}
                }
                o = o.get(len..).unwrap_or(&[]);
            }
        }
    }
    (ws, ts)
}

/// A UDP header at `c`; also returns the payload cursor (for tunnel decoders).
pub(crate) fn udp_at(c: Cursor<'_>) -> Result<(UdpInfo<'_>, Cursor<'_>), DecodeError> {
    let h = c.take(Layer::Udp, UDP_LEN)?;
    let len = be16(h, 4);
    if usize::from(len) < UDP_LEN {
        return Err(DecodeError::UdpLenTooSmall {
            offset: sat16(c.pos),
            len,
        });
    }
    let p = c.advance(UDP_LEN);
    let info = UdpInfo {
        src_port: be16(h, 0),
        dst_port: be16(h, 2),
        payload_len: u32::try_from(p.wire).unwrap_or(u32::MAX),
        payload: p.data,
    };
    Ok((info, p))
}

/// Fuzz/test entry: a TCP segment (the slice is the whole segment).
pub fn tcp(data: &[u8]) -> Result<TcpInfo<'_>, DecodeError> {
    tcp_at(Cursor::new(data, data.len()))
}

/// Fuzz/test entry: a UDP datagram.
pub fn udp(data: &[u8]) -> Result<UdpInfo<'_>, DecodeError> {
    Ok(udp_at(Cursor::new(data, data.len()))?.0)
}

/// Fuzz/test entry: any transport protocol by number.
pub fn l4(proto: IpProto, data: &[u8]) -> Result<L4<'_>, DecodeError> {
    l4_at(proto, Cursor::new(data, data.len()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// 1234 → 80, seq 1, ack 2, SYN|ACK, window 0x2000, options: MSS, SACK-perm, TS, NOP, WS 7
    const SYN: [u8; 44] = [
        0x04, 0xD2, 0x00, 0x50, 0, 0, 0, 1, 0, 0, 0, 2, 0xA0, 0x12, 0x20, 0x00, 0, 0, 0, 0, //
        2, 4, 5, 0xB4, 4, 2, 8, 10, 0, 0, 0, 9, 0, 0, 0, 8, 1, 3, 3, 7, //
        b'h', b'i', b'!', b'!',
    ];

    #[test]
    fn tcp_fields() {
        let t = tcp(&SYN).unwrap();
        assert_eq!((t.src_port, t.dst_port, t.seq, t.ack), (1234, 80, 1, 2));
        assert_eq!((t.flags, t.window), (TcpFlags(0x12), 0x2000));
        assert!(t.flags.syn() && t.flags.ack() && !t.flags.fin() && !t.flags.rst());
        assert_eq!((t.wscale, t.timestamps), (Some(7), Some((9, 8))));
        assert_eq!((t.payload_len, t.payload), (4, &b"hi!!"[..]));
        // wire longer than captured: payload_len from the wire
        let t = tcp_at(Cursor::new(&SYN[..42], 1000)).unwrap();
        assert_eq!((t.payload_len, t.payload), (960, &b"hi"[..]));
        // option area cut: options ignored, not malformed
        let t = tcp_at(Cursor::new(&SYN[..30], 44)).unwrap();
        assert_eq!(
            (t.wscale, t.timestamps, t.payload, t.payload_len),
            (None, None, &[][..], 4)
        );
    }

    #[test]
    fn tcp_malformed() {
        let mut s = SYN;
        s[12] = 0x40;
        assert_eq!(
            tcp(&s),
            Err(DecodeError::TcpDataOffsetTooSmall {
                offset: 0,
                data_offset: 4
            })
        );
        s[12] = 0xF0;
        assert_eq!(
            tcp(&s),
            Err(DecodeError::TcpDataOffsetExceedsSegment {
                offset: 0,
                header_len: 60,
                segment_len: 44
            })
        );
    }

    #[test]
    fn option_walk_edge_cases() {
        assert_eq!(options(&[1, 1, 3, 3, 14, 0, 3, 3, 9]), (Some(14), None));
        assert_eq!(options(&[3, 0, 3, 3, 9]), (None, None)); // len 0: stop
        assert_eq!(options(&[8, 10, 0, 0]), (None, None)); // cut
        assert_eq!(options(&[3, 4, 9, 9]), (None, None)); // wrong length: skipped
    }

    #[test]
    fn udp_and_others() {
        let d = [0x00, 0x35, 0xC0, 0x00, 0, 12, 0, 0, 1, 2, 3, 4];
        let u = udp(&d).unwrap();
        assert_eq!(
            (u.src_port, u.dst_port, u.payload_len, u.payload),
            (53, 0xC000, 4, &d[8..])
        );
        // length field disagrees with IP: IP wins
        let u = udp(&[0, 1, 0, 2, 0, 99, 0, 0, 5]).unwrap();
        assert_eq!(u.payload_len, 1);
        assert_eq!(
            udp(&[0, 1, 0, 2, 0, 7, 0, 0]),
            Err(DecodeError::UdpLenTooSmall { offset: 0, len: 7 })
        );
        assert_eq!(
            l4(IpProto::ICMP, &[8, 0, 0, 0, 0, 1, 0, 1]),
            Ok(L4::Icmp { ty: 8, code: 0 })
        );
        assert_eq!(
            l4(IpProto::ICMPV6, &[128, 0, 0, 0, 0, 1, 0, 1]),
            Ok(L4::Icmpv6 { ty: 128, code: 0 })
        );
        let sctp = [0x0B, 0x59, 0x0B, 0x5A, 0, 0, 0, 0, 0, 0, 0, 0];
        assert_eq!(
            l4(IpProto::SCTP, &sctp),
            Ok(L4::Sctp {
                src_port: 2905,
                dst_port: 2906
            })
        );
        assert_eq!(l4(IpProto(50), &[]), Ok(L4::Other));
    }

    proptest! {
        #[test]
        fn transport_truncation(proto in prop::sample::select(vec![6u8, 17, 1, 58, 132])) {
            let (layer, need) = match proto {
                6 => (Layer::Tcp, 20), 17 => (Layer::Udp, 8), 1 => (Layer::Icmp, 8),
                58 => (Layer::Icmpv6, 8), _ => (Layer::Sctp, 12),
            };
            let mut d = vec![0u8; 24];
            d[12] = 0x50;
            d[5] = 16;
            prop_assert!(l4(IpProto(proto), &d).is_ok());
            for cut in 0..need {
                prop_assert_eq!(
                    l4_at(IpProto(proto), Cursor::new(&d[..cut], 24)),
                    Err(DecodeError::Truncated { layer, offset: 0, need: need as u16, have: cut as u16 })
                );
            }
        }

        #[test]
        fn options_never_panic(o in proptest::collection::vec(any::<u8>(), 0..40)) {
            let _ = options(&o);
        }
    }
}
