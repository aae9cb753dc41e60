//! The general decode path: the loop that peels link layers, IP headers and tunnels until it
//! reaches the innermost IP packet's transport layer.
//!
//! Invariants: every step consumes at least one header, tunnels nest at most
//! [`MAX_TUNNEL_DEPTH`] deep (`tunnel_too_deep`), so the loop always ends. Only the outermost
//! tunnel is recorded in [`Decoded::tunnel`]; the IP and transport fields are the innermost.

use super::cursor::{sat16, Cursor};
use super::error::{DecodeError, Skip};
use super::ip::{self, IpHeader, IpVersion};
use super::transport::{l4_at, udp_at};
use super::tunnel::{gre_at, udp_tunnel_at, Decap};
use super::{link, Decoded, FragmentInfo, IpInfo, IpProto, Tunnel, TunnelKind, Vlans, L4};
use crate::capture::LinkType;

/// Deepest tunnel nesting followed; one more is malformed (`tunnel_too_deep`).
pub const MAX_TUNNEL_DEPTH: u8 = 4;

/// What the walk has collected so far.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Walk {
    pub vlans: Vlans,
    pub mpls_labels: u8,
    pub tunnel: Option<Tunnel>,
    pub depth: u8,
}

/// The next header to decode.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Next<'a> {
    Ethernet(Cursor<'a>),
    Mpls(Cursor<'a>),
    Ip(Cursor<'a>, IpVersion),
}

enum Step<'a> {
    Done(Decoded<'a>),
    Next(Next<'a>),
}

impl Walk {
    fn enter(&mut self, d: &Decap<'_>, outer: &IpHeader<'_>) -> Result<(), DecodeError> {
        self.depth += 1;
        if self.depth > MAX_TUNNEL_DEPTH {
            return Err(DecodeError::TunnelTooDeep {
                offset: sat16(outer.payload.pos),
                max: MAX_TUNNEL_DEPTH,
            });
        }
        if self.tunnel.is_none() {
            self.tunnel = Some(Tunnel {
                kind: d.kind,
                teid: d.teid,
                vni: d.vni,
                key: d.key,
                qfi: d.qfi,
                outer_src: outer.src,
                outer_dst: outer.dst,
            });
        }
        Ok(())
    }

    fn done<'a>(&self, ip: &IpHeader<'_>, l4: L4<'a>) -> Decoded<'a> {
        Decoded {
            vlans: self.vlans,
            mpls_labels: self.mpls_labels,
            tunnel: self.tunnel,
            ip: IpInfo {
                src: ip.src,
                dst: ip.dst,
                proto: ip.proto,
                total_len: ip.total_len,
                l4_len: u32::try_from(ip.payload.wire).unwrap_or(u32::MAX),
                ttl: ip.ttl,
            },
            l4,
        }
    }
}

/// The general path for a whole frame.
pub(crate) fn frame(link: LinkType, data: &[u8], wire_len: u32) -> Result<Decoded<'_>, Skip> {
    let mut w = Walk::default();
    let next = link::start(link, Cursor::new(data, wire_len as usize), &mut w)?;
    run(next, &mut w)
}

fn run<'a>(mut next: Next<'a>, w: &mut Walk) -> Result<Decoded<'a>, Skip> {
    loop {
        next = match next {
            Next::Ethernet(c) => link::ethernet_at(c, w, false)?,
            Next::Mpls(c) => link::mpls_at(c, w)?,
            Next::Ip(c, v) => match after_ip(&ip::parse(c, v)?, w)? {
                Step::Done(d) => return Ok(d),
                Step::Next(n) => n,
            },
        }
    }
}

/// What follows an IP header: a fragment, a tunnel, or the transport layer.
fn after_ip<'a>(ip: &IpHeader<'a>, w: &mut Walk) -> Result<Step<'a>, Skip> {
    let p = ip.payload;
    if let Some(f) = ip.frag {
        let frag = FragmentInfo {
            id: f.id,
            offset: f.offset,
            more: f.more,
            proto: ip.proto,
            data: p.data,
            data_len: u32::try_from(p.wire).unwrap_or(u32::MAX),
        };
        return Ok(Step::Done(w.done(ip, L4::Fragment(frag))));
    }
    let decap = match ip.proto {
        IpProto::IPIP => Decap::new(TunnelKind::IpInIp, Next::Ip(p, IpVersion::V4)),
        IpProto::IPV6 => Decap::new(TunnelKind::IpInIp, Next::Ip(p, IpVersion::V6)),
        IpProto::GRE => gre_at(p)?,
        IpProto::UDP => {
            let (u, up) = udp_at(p)?;
            match udp_tunnel_at(&u, up)? {
                Some(d) => d,
                None => return Ok(Step::Done(w.done(ip, L4::Udp(u)))),
            }
        }
        proto => return Ok(Step::Done(w.done(ip, l4_at(proto, p)?))),
    };
    w.enter(&decap, ip)?;
    Ok(Step::Next(decap.next))
}

/// Continue after reassembly (see [`super::resume`]).
pub(crate) fn resume<'a>(outer: &Decoded<'_>, datagram: &'a [u8]) -> Result<Decoded<'a>, Skip> {
    let headers = outer.ip.total_len.saturating_sub(outer.ip.l4_len);
    // An IPv6 fragment's headers include its 8-byte Fragment header, which the reassembled
    // datagram no longer has (RFC 8200 §4.5).
    let headers = match (outer.l4, outer.ip.src) {
        (L4::Fragment(_), std::net::IpAddr::V6(_)) => headers.saturating_sub(8),
        _ => headers,
    };
    let proto = match outer.l4 {
        L4::Fragment(f) => f.proto,
        _ => outer.ip.proto,
    };
    let ip = IpHeader {
        src: outer.ip.src,
        dst: outer.ip.dst,
        proto,
        ttl: outer.ip.ttl,
        total_len: headers.saturating_add(u32::try_from(datagram.len()).unwrap_or(u32::MAX)),
        frag: None,
        payload: Cursor::new(datagram, datagram.len()),
    };
    let mut w = Walk {
        vlans: outer.vlans,
        mpls_labels: outer.mpls_labels,
        tunnel: outer.tunnel,
        depth: u8::from(outer.tunnel.is_some()),
    };
    match after_ip(&ip, &mut w)? {
        Step::Done(d) => Ok(d),
        Step::Next(n) => run(n, &mut w),
    }
}
