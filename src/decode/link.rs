//! Link layers down to the first IP header: Ethernet with stacked VLAN tags, PPPoE sessions,
//! MPLS label stacks (with Ethernet pseudowires), Linux cooked captures (SLL, SLL2) and the BSD
//! NULL / OpenBSD LOOP loopback headers.
//!
//! Only the outermost frame's VLAN ids are recorded ([`Vlans`]); tags of an Ethernet frame
//! inside a tunnel are skipped but still capped at [`MAX_VLAN_TAGS`]. Non-IP ethertypes (ARP,
//! LLDP, 802.3 length fields ≤ 1500, …) are [`Ignored::NotIp`], not errors.

use super::cursor::{be16, be32, byte, Cursor};
use super::error::{DecodeError, Ignored, Layer, Skip};
use super::ip::IpVersion;
use super::walk::{Next, Walk};
use super::Vlans;
use crate::capture::LinkType;

/// An Ethernet type (IEEE registry). Open newtype: unknown values are data.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct EtherType(pub u16);

impl EtherType {
    pub const IPV4: Self = Self(0x0800);
    pub const ARP: Self = Self(0x0806);
    pub const VLAN: Self = Self(0x8100);
    pub const IPV6: Self = Self(0x86DD);
    pub const MPLS_UNICAST: Self = Self(0x8847);
    pub const MPLS_MULTICAST: Self = Self(0x8848);
    pub const PPPOE_SESSION: Self = Self(0x8864);
    pub const QINQ: Self = Self(0x88A8);
    pub const LLDP: Self = Self(0x88CC);
    /// Pre-standard stacked VLAN tag used by some switches.
    pub const VLAN_9100: Self = Self(0x9100);
    /// Transparent Ethernet bridging (GRE payload type).
    pub const TEB: Self = Self(0x6558);
    pub const ERSPAN_1_2: Self = Self(0x88BE);
    pub const ERSPAN_3: Self = Self(0x22EB);

    /// A VLAN tag protocol identifier (802.1Q, 802.1ad, 0x9100).
    #[inline]
    pub const fn is_vlan(self) -> bool {
        matches!(self.0, 0x8100 | 0x88A8 | 0x9100)
    }
}

/// At most this many stacked VLAN tags; a fifth is malformed (`vlan_too_many_tags`).
pub const MAX_VLAN_TAGS: usize = 4;
/// At most this many MPLS labels in one stack before bottom of stack (`mpls_too_many_labels`).
pub const MAX_MPLS_LABELS: usize = 16;

const ETHERNET_LEN: usize = 14;
const VLAN_LEN: usize = 4;
const PPPOE_LEN: usize = 8;
const SLL_LEN: usize = 16;
const SLL2_LEN: usize = 20;
const LOOPBACK_LEN: usize = 4;
const PPP_IPV4: u16 = 0x0021;
const PPP_IPV6: u16 = 0x0057;

/// The outermost header of a frame of link type `link`.
pub(crate) fn start<'a>(link: LinkType, c: Cursor<'a>, w: &mut Walk) -> Result<Next<'a>, Skip> {
    match link {
        LinkType::ETHERNET => ethernet_at(c, w, true),
        LinkType::RAW => Ok(Next::Ip(c, IpVersion::Any)),
        LinkType::IPV4 => Ok(Next::Ip(c, IpVersion::V4)),
        LinkType::IPV6 => Ok(Next::Ip(c, IpVersion::V6)),
        LinkType::LINUX_SLL => {
            let h = c.take(Layer::LinuxSll, SLL_LEN)?;
            ethertype_at(EtherType(be16(h, 14)), c.advance(SLL_LEN), w, true)
        }
        LinkType::LINUX_SLL2 => {
            let h = c.take(Layer::LinuxSll2, SLL2_LEN)?;
            ethertype_at(EtherType(be16(h, 0)), c.advance(SLL2_LEN), w, true)
        }
        LinkType::NULL | LinkType::LOOP => {
            let h = c.take(Layer::Loopback, LOOPBACK_LEN)?;
            let be = be32(h, 0);
            // NULL is in the capturing host's byte order: accept both (AF values are < 256,
            // so the two readings never collide).
            let v = if link == LinkType::NULL && af_version(be).is_none() {
                be.swap_bytes()
            } else {
                be
            };
            match af_version(v) {
                Some(ver) => Ok(Next::Ip(c.advance(LOOPBACK_LEN), ver)),
                None => Err(Ignored::NotIpFamily { family: be }.into()),
            }
        }
        LinkType::UNKNOWN_INTERFACE => Err(DecodeError::CaptureUnknownInterface.into()),
        LinkType(other) => Err(Ignored::LinkUnknown { link: other }.into()),
    }
}

/// AF_INET = 2; AF_INET6 = 10 (Linux), 24 (NetBSD/OpenBSD), 28 (FreeBSD), 30 (macOS).
fn af_version(af: u32) -> Option<IpVersion> {
    match af {
        2 => Some(IpVersion::V4),
        10 | 24 | 28 | 30 => Some(IpVersion::V6),
        _ => None,
    }
}

/// An Ethernet II header at `c`; `outer` records VLAN ids into the walk.
pub(crate) fn ethernet_at<'a>(c: Cursor<'a>, w: &mut Walk, outer: bool) -> Result<Next<'a>, Skip> {
    let h = c.take(Layer::Ethernet, ETHERNET_LEN)?;
    ethertype_at(EtherType(be16(h, 12)), c.advance(ETHERNET_LEN), w, outer)
}

/// What follows an ethertype field: VLAN tags, then IP, MPLS or PPPoE.
pub(crate) fn ethertype_at<'a>(
    mut et: EtherType,
    mut c: Cursor<'a>,
    w: &mut Walk,
    outer: bool,
) -> Result<Next<'a>, Skip> {
    let mut tags = 0usize;
    while et.is_vlan() {
        if tags == MAX_VLAN_TAGS {
            return Err(DecodeError::VlanTooManyTags {
                offset: super::cursor::sat16(c.pos),
            }
            .into());
        }
        let t = c.take(Layer::Vlan, VLAN_LEN)?;
        if outer {
            w.vlans.push(be16(t, 0) & 0x0FFF);
        }
        tags += 1;
        et = EtherType(be16(t, 2));
        c = c.advance(VLAN_LEN);
    }
    match et {
        EtherType::IPV4 => Ok(Next::Ip(c, IpVersion::V4)),
        EtherType::IPV6 => Ok(Next::Ip(c, IpVersion::V6)),
        EtherType::MPLS_UNICAST | EtherType::MPLS_MULTICAST => Ok(Next::Mpls(c)),
        EtherType::PPPOE_SESSION => {
            let h = c.take(Layer::Pppoe, PPPOE_LEN)?;
            let c = c.advance(PPPOE_LEN);
            match be16(h, 6) {
                PPP_IPV4 => Ok(Next::Ip(c, IpVersion::V4)),
                PPP_IPV6 => Ok(Next::Ip(c, IpVersion::V6)),
                other => Err(Ignored::NotIp { ethertype: other }.into()),
            }
        }
        EtherType(other) => Err(Ignored::NotIp { ethertype: other }.into()),
    }
}

/// An MPLS label stack at `c`: pops labels to bottom of stack, then guesses the payload from
/// its first nibble (4 = IPv4, 6 = IPv6, 0 = pseudowire control word + Ethernet, RFC 4385).
pub(crate) fn mpls_at<'a>(mut c: Cursor<'a>, w: &mut Walk) -> Result<Next<'a>, Skip> {
    let mut labels = 0usize;
    loop {
        if labels == MAX_MPLS_LABELS {
            return Err(DecodeError::MplsTooManyLabels {
                offset: super::cursor::sat16(c.pos),
            }
            .into());
        }
        let l = c.take(Layer::Mpls, 4)?;
        labels += 1;
        w.mpls_labels = w.mpls_labels.saturating_add(1);
        c = c.advance(4);
        if byte(l, 2) & 0x01 != 0 {
            break;
        }
    }
    let first = byte(c.take(Layer::Ip, 1)?, 0) >> 4;
    match first {
        4 => Ok(Next::Ip(c, IpVersion::V4)),
        6 => Ok(Next::Ip(c, IpVersion::V6)),
        0 => {
            c.take(Layer::Mpls, 4)?;
            Ok(Next::Ethernet(c.advance(4)))
        }
        n => Err(Ignored::MplsPayloadUnknown { first_nibble: n }.into()),
    }
}

/// Fuzz/test entry: an Ethernet frame's link layer. Returns the VLAN ids, the number of MPLS
/// labels and the offset of the first IP header.
pub fn ethernet(data: &[u8]) -> Result<(Vlans, u8, usize), Skip> {
    link(LinkType::ETHERNET, data)
}

/// Fuzz/test entry: the link layer of any link type (VLAN ids, MPLS labels, IP offset).
pub fn link(link: LinkType, data: &[u8]) -> Result<(Vlans, u8, usize), Skip> {
    let mut w = Walk::default();
    let mut next = start(link, Cursor::new(data, data.len()), &mut w)?;
    loop {
        next = match next {
            Next::Ip(c, _) => return Ok((w.vlans, w.mpls_labels, c.pos)),
            Next::Mpls(c) => mpls_at(c, &mut w)?,
            Next::Ethernet(c) => ethernet_at(c, &mut w, false)?,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const MAC: [u8; 12] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11];

    fn eth(types: &[u8]) -> Vec<u8> {
        let mut v = MAC.to_vec();
        v.extend_from_slice(types);
        v
    }

    #[test]
    fn ethernet_vlans_and_ip() {
        let f = eth(&[
            0x88, 0xA8, 0x20, 0x64, 0x81, 0x00, 0x00, 0x0A, 0x08, 0x00, 0x45,
        ]);
        let (v, m, off) = ethernet(&f).unwrap();
        assert_eq!(v.as_slice(), &[100, 10]);
        assert_eq!((m, off), (0, 22));
    }

    #[test]
    fn ethernet_vlan_limit() {
        let mut t = Vec::new();
        for id in 1..=4u8 {
            t.extend_from_slice(&[0x81, 0x00, 0x00, id]);
        }
        t.extend_from_slice(&[0x86, 0xDD]);
        let (v, _, off) = ethernet(&eth(&t)).unwrap();
        assert_eq!((v.as_slice(), off), (&[1, 2, 3, 4][..], 30));
        let mut t5 = t.clone();
        t5.truncate(16);
        t5.extend_from_slice(&[0x91, 0x00, 0x00, 5, 0x08, 0x00]);
        assert_eq!(
            ethernet(&eth(&t5)).unwrap_err(),
            Skip::Malformed(DecodeError::VlanTooManyTags { offset: 30 })
        );
    }

    #[test]
    fn not_ip_ethertypes() {
        for et in [[0x08, 0x06], [0x88, 0xCC], [0x05, 0xDC], [0x00, 0x26]] {
            let e = ethernet(&eth(&et)).unwrap_err();
            assert_eq!(
                e,
                Skip::Ignored(Ignored::NotIp {
                    ethertype: u16::from_be_bytes(et)
                })
            );
            assert_eq!(e.reason().name(), "not_ip");
        }
    }

    #[test]
    fn mpls_stack_and_pseudowire() {
        // two labels, BoS on the second, then IPv6
        let f = eth(&[0x88, 0x47, 0, 1, 0x00, 64, 0, 2, 0x01, 64, 0x60]);
        assert_eq!(ethernet(&f).unwrap().1, 2);
        assert_eq!(ethernet(&f).unwrap().2, 22);
        // pseudowire: label, control word, Ethernet with IPv4
        let mut f = eth(&[0x88, 0x47, 0, 1, 0x01, 64, 0, 0, 0, 0]);
        f.extend_from_slice(&eth(&[0x81, 0x00, 0, 7, 0x08, 0x00, 0x45]));
        let (v, m, off) = ethernet(&f).unwrap();
        assert_eq!((v.as_slice(), m, off), (&[][..], 1, 14 + 8 + 18));
        let f = eth(&[0x88, 0x47, 0, 1, 0x01, 64, 0x90]);
        assert_eq!(
            ethernet(&f).unwrap_err(),
            Skip::Ignored(Ignored::MplsPayloadUnknown { first_nibble: 9 })
        );
        let mut many = vec![0x88, 0x47];
        for _ in 0..17 {
            many.extend_from_slice(&[0, 1, 0, 64]);
        }
        assert_eq!(
            ethernet(&eth(&many)).unwrap_err().reason().name(),
            "mpls_too_many_labels"
        );
    }

    #[test]
    fn pppoe() {
        let f = eth(&[0x88, 0x64, 0x11, 0, 0, 1, 0, 40, 0x00, 0x21, 0x45]);
        assert_eq!(ethernet(&f).unwrap().2, 22);
        let f = eth(&[0x88, 0x64, 0x11, 0, 0, 1, 0, 40, 0xC0, 0x21]);
        assert_eq!(
            ethernet(&f).unwrap_err(),
            Skip::Ignored(Ignored::NotIp { ethertype: 0xC021 })
        );
    }

    #[test]
    fn cooked_and_loopback() {
        let mut sll = vec![0, 0, 0, 1, 0, 6, 1, 2, 3, 4, 5, 6, 0, 0, 0x86, 0xDD];
        sll.push(0x60);
        assert_eq!(link(LinkType::LINUX_SLL, &sll).unwrap().2, 16);
        let mut sll2 = vec![
            0x08, 0x00, 0, 0, 0, 0, 0, 3, 0, 1, 0, 6, 1, 2, 3, 4, 5, 6, 0, 0,
        ];
        sll2.push(0x45);
        assert_eq!(link(LinkType::LINUX_SLL2, &sll2).unwrap().2, 20);
        for h in [[2, 0, 0, 0], [0, 0, 0, 2], [30, 0, 0, 0], [0, 0, 0, 24]] {
            assert_eq!(link(LinkType::NULL, &h).unwrap().2, 4);
        }
        assert_eq!(link(LinkType::LOOP, &[0, 0, 0, 28]).unwrap().2, 4);
        assert_eq!(
            link(LinkType::LOOP, &[2, 0, 0, 0]).unwrap_err(),
            Skip::Ignored(Ignored::NotIpFamily {
                family: 0x0200_0000
            })
        );
        assert_eq!(
            link(LinkType::NULL, &[7, 0, 0, 0])
                .unwrap_err()
                .reason()
                .name(),
            "not_ip"
        );
        assert_eq!(
            link(LinkType(147), &[]).unwrap_err().reason().name(),
            "link_unknown"
        );
        assert_eq!(
            link(LinkType::UNKNOWN_INTERFACE, &[])
                .unwrap_err()
                .reason()
                .name(),
            "capture_unknown_interface"
        );
    }

    fn truncations(lt: LinkType, f: &[u8], layer_of: impl Fn(usize) -> (Layer, usize, usize)) {
        for cut in 0..f.len() {
            let (layer, offset, need) = layer_of(cut);
            assert_eq!(
                link(lt, &f[..cut]).unwrap_err(),
                Skip::Malformed(DecodeError::Truncated {
                    layer,
                    offset: offset as u16,
                    need: need as u16,
                    have: (cut - offset) as u16,
                }),
                "cut {cut}"
            );
        }
    }

    proptest! {
        #[test]
        fn ethernet_vlan_mpls_truncation(tags in 0usize..=4, labels in 1usize..=3, id in 0u16..4096) {
            let mut t = Vec::new();
            for _ in 0..tags {
                t.extend_from_slice(&[0x81, 0x00]);
                t.extend_from_slice(&id.to_be_bytes());
            }
            t.extend_from_slice(&[0x88, 0x47]);
            for i in 0..labels {
                t.extend_from_slice(&[0, 1, if i + 1 == labels { 1 } else { 0 }, 64]);
            }
            t.push(0x45);
            let f = eth(&t);
            let (v, m, off) = ethernet(&f).unwrap();
            prop_assert_eq!(v.as_slice().len(), tags);
            prop_assert_eq!(usize::from(m), labels);
            prop_assert_eq!(off, f.len() - 1);
            let vl_end = 14 + 4 * tags;
            truncations(LinkType::ETHERNET, &f, |cut| {
                if cut < 14 { (Layer::Ethernet, 0, 14) }
                else if cut < vl_end { let o = 14 + (cut - 14) / 4 * 4; (Layer::Vlan, o, 4) }
                else if cut < f.len() - 1 { let o = vl_end + (cut - vl_end) / 4 * 4; (Layer::Mpls, o, 4) }
                else { (Layer::Ip, cut, 1) }
            });
        }

        #[test]
        fn cooked_truncation(proto in prop::sample::select(vec![0x0800u16, 0x86DD])) {
            let mut sll = vec![0u8; 14];
            sll.extend_from_slice(&proto.to_be_bytes());
            truncations(LinkType::LINUX_SLL, &sll, |_| (Layer::LinuxSll, 0, 16));
            let mut sll2 = proto.to_be_bytes().to_vec();
            sll2.extend_from_slice(&[0u8; 18]);
            truncations(LinkType::LINUX_SLL2, &sll2, |_| (Layer::LinuxSll2, 0, 20));
            truncations(LinkType::NULL, &[2, 0, 0, 0], |_| (Layer::Loopback, 0, 4));
        }
    }
}
