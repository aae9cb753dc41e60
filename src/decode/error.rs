//! Decode outcomes other than success, with stable counter names.
//!
//! What this module owns: the [`Layer`] a decoder stopped at, the [`DecodeError`] that says why a
//! frame is malformed (always `Copy`, always naming the layer and the byte offset from the start
//! of the frame, or of the reassembled datagram for [`super::resume`]), the [`Ignored`] reasons
//! for well-formed frames that carry no flow, and the dense [`Reason`] index that per-worker
//! counter arrays use. Reason names are part of the `stats` record contract: never rename one,
//! only add new ones at the end of the list.

use std::fmt;

/// The protocol layer at which decoding stopped.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Layer {
    Ethernet,
    /// An 802.1Q / 802.1ad / 0x9100 tag.
    Vlan,
    /// An MPLS label stack entry, or a pseudowire control word.
    Mpls,
    /// PPPoE session header plus the PPP protocol field.
    Pppoe,
    LinuxSll,
    LinuxSll2,
    /// BSD NULL / OpenBSD LOOP 4-byte address family header.
    Loopback,
    /// The first byte of an IP header whose version is not known yet (raw IP, tunnels, MPLS).
    Ip,
    Ipv4,
    Ipv6,
    /// An IPv6 extension header (hop-by-hop, routing, destination options, fragment, AH).
    Ipv6Ext,
    Tcp,
    Udp,
    Icmp,
    Icmpv6,
    Sctp,
    Gre,
    Erspan,
    Vxlan,
    Gtpu,
    /// Not a protocol header: the capture itself (pcapng interface references).
    Capture,
}

impl Layer {
    /// Stable lower-case name, used in messages.
    pub const fn name(self) -> &'static str {
        match self {
            Layer::Ethernet => "ethernet",
            Layer::Vlan => "vlan",
            Layer::Mpls => "mpls",
            Layer::Pppoe => "pppoe",
            Layer::LinuxSll => "linux_sll",
            Layer::LinuxSll2 => "linux_sll2",
            Layer::Loopback => "loopback",
            Layer::Ip => "ip",
            Layer::Ipv4 => "ipv4",
            Layer::Ipv6 => "ipv6",
            Layer::Ipv6Ext => "ipv6_ext",
            Layer::Tcp => "tcp",
            Layer::Udp => "udp",
            Layer::Icmp => "icmp",
            Layer::Icmpv6 => "icmpv6",
            Layer::Sctp => "sctp",
            Layer::Gre => "gre",
            Layer::Erspan => "erspan",
            Layer::Vxlan => "vxlan",
            Layer::Gtpu => "gtpu",
            Layer::Capture => "capture",
        }
    }

    /// The counter for a header of this layer cut short.
    pub const fn truncated_reason(self) -> Reason {
        match self {
            Layer::Ethernet => Reason::EthernetTruncated,
            Layer::Vlan => Reason::VlanTruncated,
            Layer::Mpls => Reason::MplsTruncated,
            Layer::Pppoe => Reason::PppoeTruncated,
            Layer::LinuxSll => Reason::LinuxSllTruncated,
            Layer::LinuxSll2 => Reason::LinuxSll2Truncated,
            Layer::Loopback => Reason::LoopbackTruncated,
            Layer::Ip => Reason::IpTruncated,
            Layer::Ipv4 => Reason::Ipv4Truncated,
            Layer::Ipv6 => Reason::Ipv6Truncated,
            Layer::Ipv6Ext => Reason::Ipv6ExtTruncated,
            Layer::Tcp => Reason::TcpTruncated,
            Layer::Udp => Reason::UdpTruncated,
            Layer::Icmp => Reason::IcmpTruncated,
            Layer::Icmpv6 => Reason::Icmpv6Truncated,
            Layer::Sctp => Reason::SctpTruncated,
            Layer::Gre => Reason::GreTruncated,
            Layer::Erspan => Reason::ErspanTruncated,
            Layer::Vxlan => Reason::VxlanTruncated,
            Layer::Gtpu => Reason::GtpuTruncated,
            Layer::Capture => Reason::CaptureUnknownInterface,
        }
    }
}

impl fmt::Display for Layer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Why a frame is malformed. Offsets are bytes from the start of the frame (saturated at
/// `u16::MAX`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    /// A header needs more bytes than were captured, or than the enclosing header's length
    /// leaves for it. `need` and `have` count from the header's start (`offset`).
    #[error("{layer} header at offset {offset} needs {need} bytes, only {have} available")]
    Truncated {
        layer: Layer,
        offset: u16,
        need: u16,
        have: u16,
    },
    #[error("capture: the packet names a pcapng interface the section never described")]
    CaptureUnknownInterface,
    #[error("vlan tag at offset {offset}: more than 4 stacked tags")]
    VlanTooManyTags { offset: u16 },
    #[error("mpls label at offset {offset}: more than 16 labels without bottom of stack")]
    MplsTooManyLabels { offset: u16 },
    #[error("ip header at offset {offset}: version {version}, expected 4 or 6")]
    IpVersionUnknown { offset: u16, version: u8 },
    #[error("ip header at offset {offset}: version {found}, the link layer announced {expected}")]
    IpVersionMismatch {
        offset: u16,
        expected: u8,
        found: u8,
    },
    #[error("ipv4 header at offset {offset}: header length (IHL) {ihl} words, expected >= 5")]
    Ipv4HeaderLenTooSmall { offset: u16, ihl: u8 },
    #[error(
        "ipv4 header at offset {offset}: total length {total_len} below header length {header_len}"
    )]
    Ipv4TotalLenTooSmall {
        offset: u16,
        total_len: u16,
        header_len: u8,
    },
    #[error("ipv4 header at offset {offset}: total length {total_len} exceeds the {available} bytes the frame leaves")]
    Ipv4TotalLenExceedsFrame {
        offset: u16,
        total_len: u16,
        available: u32,
    },
    #[error("ipv6 header at offset {offset}: payload length {payload_len} exceeds the {available} bytes the frame leaves")]
    Ipv6PayloadLenExceedsFrame {
        offset: u16,
        payload_len: u16,
        available: u32,
    },
    #[error("ipv6 extension header at offset {offset}: length {len} exceeds the {available} payload bytes left")]
    Ipv6ExtExceedsPayload {
        offset: u16,
        len: u16,
        available: u32,
    },
    #[error("tcp header at offset {offset}: data offset {data_offset} words, expected >= 5")]
    TcpDataOffsetTooSmall { offset: u16, data_offset: u8 },
    #[error("tcp header at offset {offset}: header length {header_len} exceeds the segment length {segment_len} from the ip header")]
    TcpDataOffsetExceedsSegment {
        offset: u16,
        header_len: u8,
        segment_len: u32,
    },
    #[error("udp header at offset {offset}: length field {len}, expected >= 8")]
    UdpLenTooSmall { offset: u16, len: u16 },
    #[error("gre header at offset {offset}: version {version}, expected 0 (or 1 for PPTP)")]
    GreVersionUnknown { offset: u16, version: u8 },
    #[error(
        "erspan header at offset {offset}: version {version}, expected 1 (type II) or 2 (type III)"
    )]
    ErspanVersionUnknown { offset: u16, version: u8 },
    #[error("gtpu header at offset {offset}: length field {len} exceeds the {available} bytes the udp datagram leaves")]
    GtpuLenExceedsUdp {
        offset: u16,
        len: u16,
        available: u32,
    },
    #[error("gtpu extension header at offset {offset}: length 0, expected >= 1 (4-byte units)")]
    GtpuExtLenZero { offset: u16 },
    #[error("tunnel at offset {offset}: nesting depth above {max}")]
    TunnelTooDeep { offset: u16, max: u8 },
}

impl DecodeError {
    /// The layer whose header is malformed.
    pub const fn layer(&self) -> Layer {
        match *self {
            DecodeError::Truncated { layer, .. } => layer,
            DecodeError::CaptureUnknownInterface => Layer::Capture,
            DecodeError::VlanTooManyTags { .. } => Layer::Vlan,
            DecodeError::MplsTooManyLabels { .. } => Layer::Mpls,
            DecodeError::IpVersionUnknown { .. } | DecodeError::IpVersionMismatch { .. } => {
                Layer::Ip
            }
            DecodeError::Ipv4HeaderLenTooSmall { .. }
            | DecodeError::Ipv4TotalLenTooSmall { .. }
            | DecodeError::Ipv4TotalLenExceedsFrame { .. } => Layer::Ipv4,
            DecodeError::Ipv6PayloadLenExceedsFrame { .. } => Layer::Ipv6,
            DecodeError::Ipv6ExtExceedsPayload { .. } => Layer::Ipv6Ext,
            DecodeError::TcpDataOffsetTooSmall { .. }
            | DecodeError::TcpDataOffsetExceedsSegment { .. } => Layer::Tcp,
            DecodeError::UdpLenTooSmall { .. } => Layer::Udp,
            DecodeError::GreVersionUnknown { .. } => Layer::Gre,
            DecodeError::ErspanVersionUnknown { .. } => Layer::Erspan,
            DecodeError::GtpuLenExceedsUdp { .. } | DecodeError::GtpuExtLenZero { .. } => {
                Layer::Gtpu
            }
            DecodeError::TunnelTooDeep { .. } => Layer::Ip,
        }
    }

    /// The counter this error is counted under.
    pub const fn reason(&self) -> Reason {
        match *self {
            DecodeError::Truncated { layer, .. } => layer.truncated_reason(),
            DecodeError::CaptureUnknownInterface => Reason::CaptureUnknownInterface,
            DecodeError::VlanTooManyTags { .. } => Reason::VlanTooManyTags,
            DecodeError::MplsTooManyLabels { .. } => Reason::MplsTooManyLabels,
            DecodeError::IpVersionUnknown { .. } => Reason::IpVersionUnknown,
            DecodeError::IpVersionMismatch { .. } => Reason::IpVersionMismatch,
            DecodeError::Ipv4HeaderLenTooSmall { .. } => Reason::Ipv4HeaderLenTooSmall,
            DecodeError::Ipv4TotalLenTooSmall { .. } => Reason::Ipv4TotalLenTooSmall,
            DecodeError::Ipv4TotalLenExceedsFrame { .. } => Reason::Ipv4TotalLenExceedsFrame,
            DecodeError::Ipv6PayloadLenExceedsFrame { .. } => Reason::Ipv6PayloadLenExceedsFrame,
            DecodeError::Ipv6ExtExceedsPayload { .. } => Reason::Ipv6ExtExceedsPayload,
            DecodeError::TcpDataOffsetTooSmall { .. } => Reason::TcpDataOffsetTooSmall,
            DecodeError::TcpDataOffsetExceedsSegment { .. } => Reason::TcpDataOffsetExceedsSegment,
            DecodeError::UdpLenTooSmall { .. } => Reason::UdpLenTooSmall,
            DecodeError::GreVersionUnknown { .. } => Reason::GreVersionUnknown,
            DecodeError::ErspanVersionUnknown { .. } => Reason::ErspanVersionUnknown,
            DecodeError::GtpuLenExceedsUdp { .. } => Reason::GtpuLenExceedsUdp,
            DecodeError::GtpuExtLenZero { .. } => Reason::GtpuExtLenZero,
            DecodeError::TunnelTooDeep { .. } => Reason::TunnelTooDeep,
        }
    }
}

/// Why a well-formed frame carries no flow (not IP, unknown link type, …).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ignored {
    /// An ethertype (or 802.3 length ≤ 1500, or PPP protocol) that is not IPv4/IPv6.
    NotIp { ethertype: u16 },
    /// A NULL/LOOP address family that is not AF_INET/AF_INET6 (as read in network order).
    NotIpFamily { family: u32 },
    /// A link type this decoder does not know.
    LinkUnknown { link: u16 },
    /// After the MPLS bottom of stack, neither IPv4, IPv6 nor a pseudowire control word.
    MplsPayloadUnknown { first_nibble: u8 },
    /// A tunnel payload this decoder does not follow (GRE protocol, PPTP GRE version 1).
    TunnelUnsupported { protocol: u16 },
}

impl Ignored {
    pub const fn reason(&self) -> Reason {
        match self {
            Ignored::NotIp { .. } | Ignored::NotIpFamily { .. } => Reason::NotIp,
            Ignored::LinkUnknown { .. } => Reason::LinkUnknown,
            Ignored::MplsPayloadUnknown { .. } => Reason::MplsPayloadUnknown,
            Ignored::TunnelUnsupported { .. } => Reason::TunnelUnsupported,
        }
    }
}

/// A frame that was not decoded into a flow.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Skip {
    Malformed(DecodeError),
    Ignored(Ignored),
}

impl From<DecodeError> for Skip {
    fn from(e: DecodeError) -> Self {
        Skip::Malformed(e)
    }
}

impl From<Ignored> for Skip {
    fn from(i: Ignored) -> Self {
        Skip::Ignored(i)
    }
}

impl Skip {
    pub const fn reason(&self) -> Reason {
        match self {
            Skip::Malformed(e) => e.reason(),
            Skip::Ignored(i) => i.reason(),
        }
    }
}

/// Defines [`Reason`] from one table: variant, stable name, malformed (true) or ignored.
macro_rules! reasons {
    ($($variant:ident = $name:literal, $malformed:literal;)*) => {
        /// A stable counter name for every malformed or ignored outcome: a dense index for
        /// per-worker counter arrays, and the name exported in `stats` records.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        #[repr(u8)]
        pub enum Reason {
            $($variant,)*
        }

        impl Reason {
            /// Every reason, in index order.
            pub const ALL: [Reason; Self::COUNT] = [$(Reason::$variant,)*];
            pub const COUNT: usize = [$($name,)*].len();

            /// The stable snake_case counter name.
            pub const fn name(self) -> &'static str {
                match self {
                    $(Reason::$variant => $name,)*
                }
            }

            /// Malformed (true) or well-formed but ignored (false).
            pub const fn is_malformed(self) -> bool {
                match self {
                    $(Reason::$variant => $malformed,)*
                }
            }
        }
    };
}

reasons! {
    EthernetTruncated = "ethernet_truncated", true;
    VlanTruncated = "vlan_truncated", true;
    MplsTruncated = "mpls_truncated", true;
    PppoeTruncated = "pppoe_truncated", true;
    LinuxSllTruncated = "linux_sll_truncated", true;
    LinuxSll2Truncated = "linux_sll2_truncated", true;
    LoopbackTruncated = "loopback_truncated", true;
    IpTruncated = "ip_truncated", true;
    Ipv4Truncated = "ipv4_truncated", true;
    Ipv6Truncated = "ipv6_truncated", true;
    Ipv6ExtTruncated = "ipv6_ext_truncated", true;
    TcpTruncated = "tcp_truncated", true;
    UdpTruncated = "udp_truncated", true;
    IcmpTruncated = "icmp_truncated", true;
    Icmpv6Truncated = "icmpv6_truncated", true;
    SctpTruncated = "sctp_truncated", true;
    GreTruncated = "gre_truncated", true;
    ErspanTruncated = "erspan_truncated", true;
    VxlanTruncated = "vxlan_truncated", true;
    GtpuTruncated = "gtpu_truncated", true;
    CaptureUnknownInterface = "capture_unknown_interface", true;
    VlanTooManyTags = "vlan_too_many_tags", true;
    MplsTooManyLabels = "mpls_too_many_labels", true;
    IpVersionUnknown = "ip_version_unknown", true;
    IpVersionMismatch = "ip_version_mismatch", true;
    Ipv4HeaderLenTooSmall = "ipv4_header_len_too_small", true;
    Ipv4TotalLenTooSmall = "ipv4_total_len_too_small", true;
    Ipv4TotalLenExceedsFrame = "ipv4_total_len_exceeds_frame", true;
    Ipv6PayloadLenExceedsFrame = "ipv6_payload_len_exceeds_frame", true;
    Ipv6ExtExceedsPayload = "ipv6_ext_exceeds_payload", true;
    TcpDataOffsetTooSmall = "tcp_data_offset_too_small", true;
    TcpDataOffsetExceedsSegment = "tcp_data_offset_exceeds_segment", true;
    UdpLenTooSmall = "udp_len_too_small", true;
    GreVersionUnknown = "gre_version_unknown", true;
    ErspanVersionUnknown = "erspan_version_unknown", true;
    GtpuLenExceedsUdp = "gtpu_len_exceeds_udp", true;
    GtpuExtLenZero = "gtpu_ext_len_zero", true;
    TunnelTooDeep = "tunnel_too_deep", true;
    NotIp = "not_ip", false;
    LinkUnknown = "link_unknown", false;
    MplsPayloadUnknown = "mpls_payload_unknown", false;
    TunnelUnsupported = "tunnel_unsupported", false;
}

impl Reason {
    /// Dense index into per-worker counter arrays (`0..Reason::COUNT`).
    pub const fn index(self) -> usize {
        self as usize
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reason_index_is_dense_and_names_unique() {
        for (i, r) in Reason::ALL.iter().enumerate() {
            assert_eq!(r.index(), i);
            let n = r.name();
            assert!(n
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_'));
            assert_eq!(
                Reason::ALL.iter().filter(|o| o.name() == n).count(),
                1,
                "{n}"
            );
        }
        assert!(!Reason::NotIp.is_malformed());
        assert!(Reason::TcpTruncated.is_malformed());
    }

    #[test]
    fn truncated_names_follow_layer_names() {
        for l in [
            Layer::Ethernet,
            Layer::Ipv4,
            Layer::Ipv6Ext,
            Layer::Gtpu,
            Layer::LinuxSll2,
        ] {
            assert_eq!(
                l.truncated_reason().name(),
                format!("{}_truncated", l.name())
            );
        }
    }

    #[test]
    fn display_names_layer_offset_and_lengths() {
        let e = DecodeError::Truncated {
            layer: Layer::Tcp,
            offset: 34,
            need: 20,
            have: 6,
        };
        assert_eq!(
            e.to_string(),
            "tcp header at offset 34 needs 20 bytes, only 6 available"
        );
        assert_eq!(Skip::from(e).reason(), Reason::TcpTruncated);
        let e = DecodeError::Ipv4HeaderLenTooSmall { offset: 14, ihl: 4 };
        assert!(e.to_string().contains("offset 14"));
        assert_eq!(e.layer(), Layer::Ipv4);
        assert_eq!(
            Skip::from(Ignored::LinkUnknown { link: 9 }).reason().name(),
            "link_unknown"
        );
    }
}
