//! Canonical flow keys.
//!
//! A [`FlowKey`] holds the two endpoints in canonical order (lower address/port first), so both
//! directions of a flow map to the same key and hash; [`Side`] says which endpoint sent a
//! packet. Addresses are 16 big-endian bytes (IPv4 in the last 4, with `v6 = false`) so the
//! key is small, `Copy` and hashes fast.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use crate::decode::{Decoded, IpProto, L4};

/// Which canonical endpoint sent a packet.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Side {
    /// The lower (address, port) endpoint.
    Lo,
    /// The higher (address, port) endpoint.
    Hi,
}

/// A canonical, direction-free flow key: innermost addresses, protocol and ports.
///
/// Addresses are stored as big-endian byte arrays rather than `u128` so the key has byte
/// alignment and packs into 38 bytes (a `u128` would force 16-byte alignment and padding on
/// every flow); byte-wise order equals numeric order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct FlowKey {
    pub lo_addr: [u8; 16],
    pub hi_addr: [u8; 16],
    pub lo_port: u16,
    pub hi_port: u16,
    pub proto: IpProto,
    pub v6: bool,
}

/// Hash the addresses as two integers instead of byte slices (the derived impl would feed
/// each array as a length-prefixed slice): the key is hashed on every packet.
impl std::hash::Hash for FlowKey {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        state.write_u128(u128::from_ne_bytes(self.lo_addr));
        state.write_u128(u128::from_ne_bytes(self.hi_addr));
        state.write_u64(
            u64::from(self.lo_port)
                | u64::from(self.hi_port) << 16
                | u64::from(self.proto.0) << 32
                | u64::from(self.v6) << 40,
        );
    }
}

impl FlowKey {
    /// The key of a decoded packet and the side that sent it. ICMP and other port-less
    /// protocols use port 0 on both sides.
    pub fn of(d: &Decoded<'_>) -> (FlowKey, Side) {
        let (sport, dport) = match d.l4 {
            L4::Tcp(t) => (t.src_port, t.dst_port),
            L4::Udp(u) => (u.src_port, u.dst_port),
            L4::Sctp { src_port, dst_port } => (src_port, dst_port),
            _ => (0, 0),
        };
        let (src, v6) = addr_bits(d.ip.src);
        let (dst, _) = addr_bits(d.ip.dst);
        Self::from_parts(src, sport, dst, dport, d.ip.proto, v6)
    }

    /// Canonicalize an endpoint pair.
    pub fn from_parts(
        src: u128,
        sport: u16,
        dst: u128,
        dport: u16,
        proto: IpProto,
        v6: bool,
    ) -> (FlowKey, Side) {
        // Compare as integers (one instruction pair), store as bytes.
        let lo_first = (src, sport) <= (dst, dport);
        let (src, dst) = (src.to_be_bytes(), dst.to_be_bytes());
        if lo_first {
            let k = FlowKey {
                lo_addr: src,
                hi_addr: dst,
                lo_port: sport,
                hi_port: dport,
                proto,
                v6,
            };
            (k, Side::Lo)
        } else {
            let k = FlowKey {
                lo_addr: dst,
                hi_addr: src,
                lo_port: dport,
                hi_port: sport,
                proto,
                v6,
            };
            (k, Side::Hi)
        }
    }

    /// Whether the protocol has ports in the record.
    pub fn has_ports(&self) -> bool {
        matches!(self.proto, IpProto::TCP | IpProto::UDP | IpProto::SCTP)
    }

    /// The address of one side.
    pub fn addr(&self, side: Side) -> IpAddr {
        let bits = u128::from_be_bytes(match side {
            Side::Lo => self.lo_addr,
            Side::Hi => self.hi_addr,
        });
        if self.v6 {
            IpAddr::V6(Ipv6Addr::from(bits))
        } else {
            IpAddr::V4(Ipv4Addr::from(bits as u32))
        }
    }

    /// The port of one side.
    pub fn port(&self, side: Side) -> u16 {
        match side {
            Side::Lo => self.lo_port,
            Side::Hi => self.hi_port,
        }
    }
}

impl Side {
    pub const fn other(self) -> Side {
        match self {
            Side::Lo => Side::Hi,
            Side::Hi => Side::Lo,
        }
    }
}

/// An address as key bits and its family.
pub fn addr_bits(a: IpAddr) -> (u128, bool) {
    match a {
        IpAddr::V4(v4) => (u128::from(u32::from(v4)), false),
        IpAddr::V6(v6) => (u128::from(v6), true),
    }
}

/// A symmetric hash of a packet's innermost address pair, used to pick its worker: both
/// directions, all fragments and all ports of an address pair land on the same worker.
pub fn dispatch_hash(src: IpAddr, dst: IpAddr) -> u64 {
    let (a, _) = addr_bits(src);
    let (b, _) = addr_bits(dst);
    let (lo, hi) = if a <= b { (a, b) } else { (b, a) };
    // A fixed multiplicative mix: deterministic across runs, good enough to spread addresses.
    let x = (lo as u64)
        ^ ((lo >> 64) as u64).rotate_left(17)
        ^ (hi as u64).rotate_left(31)
        ^ ((hi >> 64) as u64).rotate_left(47);
    let x = (x ^ (x >> 33)).wrapping_mul(0xff51_afd7_ed55_8ccd);
    let x = (x ^ (x >> 33)).wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    x ^ (x >> 33)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_directions_share_a_key() {
        let (k1, s1) = FlowKey::from_parts(10, 1000, 20, 80, IpProto::TCP, false);
        let (k2, s2) = FlowKey::from_parts(20, 80, 10, 1000, IpProto::TCP, false);
        assert_eq!(k1, k2);
        assert_eq!(s1, Side::Lo);
        assert_eq!(s2, Side::Hi);
        assert_eq!(k1.port(Side::Lo), 1000);
    }

    #[test]
    fn dispatch_hash_is_symmetric() {
        let a: IpAddr = "10.0.0.1".parse().unwrap();
        let b: IpAddr = "2001:db8::1".parse().unwrap();
        assert_eq!(dispatch_hash(a, b), dispatch_hash(b, a));
        assert_ne!(dispatch_hash(a, b), dispatch_hash(a, a));
    }
}
