//! Frame decoding: from captured bytes to the innermost IP flow of a packet.
//!
//! `decode::frame` peels link layer, VLAN tags, MPLS labels, IP and tunnels (GRE/ERSPAN, VXLAN,
//! GTP-U, IP-in-IP) down to the innermost IP header and its transport header, and returns a
//! [`Decoded`] view that borrows the frame. Nothing is copied and nothing allocates.
//!
//! Outcomes are exhaustive and counted: every frame is either decoded, malformed (a
//! [`DecodeError`] with a stable counter name) or ignored (an [`Ignored`] reason: not IP, unknown
//! link type, …). A malformed frame never touches a flow.
//!
//! Truncation: a frame cut by the snaplen inside the transport payload still decodes (lengths
//! come from the IP header, so counters use wire lengths); a frame cut inside a header is
//! malformed with `Truncated`, naming the layer, offset and lengths.
//!
//! IP fragments are not reassembled here (that needs state): a fragment decodes to
//! [`L4::Fragment`], and the worker's [`frag::Reassembler`] hands the whole datagram back to
//! [`resume`] once complete.

pub mod cursor;
pub mod error;
pub mod fast;
pub mod frag;
pub mod ip;
pub mod link;
#[cfg(test)]
mod tests;
pub mod transport;
pub mod tunnel;
pub mod walk;

use std::net::IpAddr;

pub use error::{DecodeError, Ignored, Layer, Reason, Skip};

/// An IP protocol number (IANA "Assigned Internet Protocol Numbers"). Open newtype.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default, PartialOrd, Ord)]
pub struct IpProto(pub u8);

impl IpProto {
    pub const ICMP: Self = Self(1);
    pub const IPIP: Self = Self(4);
    pub const TCP: Self = Self(6);
    pub const UDP: Self = Self(17);
    pub const IPV6: Self = Self(41);
    pub const GRE: Self = Self(47);
    pub const ICMPV6: Self = Self(58);
    pub const SCTP: Self = Self(132);
}

/// Up to four VLAN ids of the outermost frame, outer first (802.1ad S-tag, then C-tags).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Vlans {
    ids: [u16; 4],
    len: u8,
}

impl Vlans {
    /// Append a tag's VLAN id; returns false when four tags are already held.
    pub fn push(&mut self, id: u16) -> bool {
        if usize::from(self.len) >= self.ids.len() {
            return false;
        }
        self.ids[usize::from(self.len)] = id;
        self.len += 1;
        true
    }
    pub fn as_slice(&self) -> &[u16] {
        &self.ids[..usize::from(self.len)]
    }
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
}

/// The kind of an encapsulation that was removed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TunnelKind {
    Gtpu,
    Vxlan,
    Gre,
    /// ERSPAN type II or III (GRE protocol 0x88BE / 0x22EB).
    Erspan,
    /// IPv4 or IPv6 directly in IP (protocol 4 or 41).
    IpInIp,
}

impl TunnelKind {
    /// The name used in records (`tunnel.kind`).
    pub const fn name(self) -> &'static str {
        match self {
            TunnelKind::Gtpu => "gtpu",
            TunnelKind::Vxlan => "vxlan",
            TunnelKind::Gre => "gre",
            TunnelKind::Erspan => "erspan",
            TunnelKind::IpInIp => "ipip",
        }
    }
}

/// The outermost tunnel of a packet: its kind, identifiers and outer addresses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Tunnel {
    pub kind: TunnelKind,
    /// GTP-U TEID of this packet (the receiver's TEID).
    pub teid: Option<u32>,
    /// VXLAN network identifier.
    pub vni: Option<u32>,
    /// GRE key, or ERSPAN session id.
    pub key: Option<u32>,
    /// GTP-U PDU Session Container QoS flow identifier, when present.
    pub qfi: Option<u8>,
    pub outer_src: IpAddr,
    pub outer_dst: IpAddr,
}

/// The innermost IP header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IpInfo {
    pub src: IpAddr,
    pub dst: IpAddr,
    /// Transport protocol after IPv6 extension headers.
    pub proto: IpProto,
    /// Length of the innermost IP packet from its header (IPv4 total length; IPv6 40 +
    /// payload length), i.e. wire bytes. For a reassembled datagram: the whole datagram.
    pub total_len: u32,
    /// Length of the innermost IP payload after all IP headers (IPv4 options, IPv6 extension
    /// headers) according to the header: the transport segment's wire length.
    pub l4_len: u32,
    pub ttl: u8,
}

/// TCP flag bits (byte 13 of the header).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct TcpFlags(pub u8);

impl TcpFlags {
    pub const FIN: u8 = 0x01;
    pub const SYN: u8 = 0x02;
    pub const RST: u8 = 0x04;
    pub const PSH: u8 = 0x08;
    pub const ACK: u8 = 0x10;
    pub const URG: u8 = 0x20;
    pub const ECE: u8 = 0x40;
    pub const CWR: u8 = 0x80;
    pub const fn has(self, bit: u8) -> bool {
        self.0 & bit != 0
    }
    pub const fn syn(self) -> bool {
        self.has(Self::SYN)
    }
    pub const fn ack(self) -> bool {
        self.has(Self::ACK)
    }
    pub const fn fin(self) -> bool {
        self.has(Self::FIN)
    }
    pub const fn rst(self) -> bool {
        self.has(Self::RST)
    }
}

/// A TCP header and its payload.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TcpInfo<'a> {
    pub src_port: u16,
    pub dst_port: u16,
    pub seq: u32,
    pub ack: u32,
    pub flags: TcpFlags,
    /// Advertised window as in the header (not scaled).
    pub window: u16,
    /// Window scale option (SYN / SYN-ACK only).
    pub wscale: Option<u8>,
    /// Timestamps option (TSval, TSecr), when present and captured.
    pub timestamps: Option<(u32, u32)>,
    /// Payload length from the IP header (wire length), even if the capture was cut.
    pub payload_len: u32,
    /// The captured part of the payload (may be shorter than `payload_len`).
    pub payload: &'a [u8],
}

/// A UDP header and its payload.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct UdpInfo<'a> {
    pub src_port: u16,
    pub dst_port: u16,
    /// Payload length from the headers (wire length).
    pub payload_len: u32,
    /// The captured part of the payload.
    pub payload: &'a [u8],
}

/// An IP fragment that needs reassembly before its transport header can be read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FragmentInfo<'a> {
    /// IPv4 identification (16 bits) or IPv6 Fragment header identification.
    pub id: u32,
    /// Offset of this fragment's data in the datagram, in bytes.
    pub offset: u32,
    pub more: bool,
    /// The fragmented protocol (IPv6: next header of the Fragment header).
    pub proto: IpProto,
    /// The fragment's data (the captured part of the IP payload after all headers).
    pub data: &'a [u8],
    /// Length of the fragment's data according to the IP header.
    pub data_len: u32,
}

/// The transport layer of the innermost IP packet.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum L4<'a> {
    Tcp(TcpInfo<'a>),
    Udp(UdpInfo<'a>),
    Icmp {
        ty: u8,
        code: u8,
    },
    Icmpv6 {
        ty: u8,
        code: u8,
    },
    /// SCTP: flow level only (ports), chunks are not parsed.
    Sctp {
        src_port: u16,
        dst_port: u16,
    },
    Fragment(FragmentInfo<'a>),
    /// Any other protocol: flow by address pair and protocol number.
    Other,
}

/// A decoded frame: everything the flow layer needs, borrowed from the frame.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Decoded<'a> {
    pub vlans: Vlans,
    /// Number of MPLS labels popped.
    pub mpls_labels: u8,
    /// The outermost tunnel that was decapsulated, if any.
    pub tunnel: Option<Tunnel>,
    pub ip: IpInfo,
    pub l4: L4<'a>,
}

/// Decode one frame of link type `link`. `wire_len` is the frame's original length.
///
/// Common Ethernet/VLAN/IPv4/IPv6/TCP/UDP frames take the fast path ([`fast::ethernet`]);
/// everything else, and every frame the fast path declines, takes the general path
/// ([`frame_general`]). Both give identical results.
#[inline]
pub fn frame(
    link: crate::capture::LinkType,
    data: &[u8],
    wire_len: u32,
) -> Result<Decoded<'_>, Skip> {
    if link == crate::capture::LinkType::ETHERNET {
        if let Some(d) = fast::ethernet(data, wire_len) {
            return Ok(d);
        }
    }
    walk::frame(link, data, wire_len)
}

/// The general decode path alone (no fast path): for tests, fuzzing and benchmarks.
pub fn frame_general(
    link: crate::capture::LinkType,
    data: &[u8],
    wire_len: u32,
) -> Result<Decoded<'_>, Skip> {
    walk::frame(link, data, wire_len)
}

/// Continue decoding after reassembly: `outer` is the decoded fragment that completed the
/// datagram, `datagram` the reassembled IP payload (transport header onwards).
///
/// The result keeps `outer`'s VLANs, MPLS count, tunnel and addresses; `ip.l4_len` is the
/// datagram's length and `ip.total_len` the outer headers plus the datagram (for IPv6 without
/// the Fragment header). The transport layer is decoded from `datagram`, and a tunnel inside it
/// (GTP-U, VXLAN, GRE, IP-in-IP) is followed; if `outer` already had a tunnel, the nesting
/// depth restarts at 1. Error offsets are relative to `datagram`. If `outer.l4` is not a
/// fragment, `datagram` is decoded as a payload of protocol `outer.ip.proto`.
pub fn resume<'a>(outer: &Decoded<'_>, datagram: &'a [u8]) -> Result<Decoded<'a>, Skip> {
    walk::resume(outer, datagram)
}
