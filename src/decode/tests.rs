//! Whole-frame tests: tunnels end to end, fragments and `resume`, snaplen and padding, the
//! fast path against the general path, and random bytes for every link type.

use std::net::IpAddr;

use etherparse::{PacketBuilder, TcpOptionElement};
use proptest::prelude::*;

use super::*;
use crate::capture::LinkType;

const MAC: [u8; 12] = [2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2];

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

fn eth(ethertype: u16, payload: &[u8]) -> Vec<u8> {
    let mut f = MAC.to_vec();
    f.extend_from_slice(&ethertype.to_be_bytes());
    f.extend_from_slice(payload);
    f
}

/// An IPv4 header (no options) for `payload`, then the payload.
fn v4(proto: u8, src: [u8; 4], dst: [u8; 4], payload: &[u8]) -> Vec<u8> {
    let mut h = vec![0x45, 0, 0, 0, 0, 7, 0, 0, 64, proto, 0, 0];
    h[2..4].copy_from_slice(&((20 + payload.len()) as u16).to_be_bytes());
    h.extend_from_slice(&src);
    h.extend_from_slice(&dst);
    h.extend_from_slice(payload);
    h
}

fn udp(sp: u16, dp: u16, payload: &[u8]) -> Vec<u8> {
    let mut u = sp.to_be_bytes().to_vec();
    u.extend_from_slice(&dp.to_be_bytes());
    u.extend_from_slice(&((8 + payload.len()) as u16).to_be_bytes());
    u.extend_from_slice(&[0, 0]);
    u.extend_from_slice(payload);
    u
}

/// Inner IPv4/TCP packet built by etherparse: 192.168.1.10:40000 → 93.184.216.34:443.
fn inner_tcp() -> Vec<u8> {
    let mut v = Vec::new();
    PacketBuilder::ipv4([192, 168, 1, 10], [93, 184, 216, 34], 61)
        .tcp(40000, 443, 1000, 512)
        .syn()
        .write(&mut v, &[])
        .unwrap();
    v
}

fn inner_tcp_check(d: &Decoded<'_>) {
    assert_eq!(
        (d.ip.src, d.ip.dst, d.ip.ttl),
        (ip("192.168.1.10"), ip("93.184.216.34"), 61)
    );
    assert_eq!((d.ip.total_len, d.ip.l4_len), (40, 20));
    match d.l4 {
        L4::Tcp(t) => assert_eq!(
            (t.src_port, t.dst_port, t.seq, t.flags.syn()),
            (40000, 443, 1000, true)
        ),
        other => panic!("{other:?}"),
    }
}

fn decode(f: &[u8]) -> Result<Decoded<'_>, Skip> {
    frame(LinkType::ETHERNET, f, f.len() as u32)
}

#[test]
fn vxlan_end_to_end() {
    let mut inner = MAC.to_vec();
    inner.extend_from_slice(&[0x81, 0x00, 0, 99, 0x08, 0x00]); // inner VLAN: not recorded
    inner.extend_from_slice(&inner_tcp());
    let mut vx = vec![0x08, 0, 0, 0, 0, 0x10, 0x01, 0];
    vx.extend_from_slice(&inner);
    let mut tagged = vec![0, 5, 0x08, 0x00];
    tagged.extend_from_slice(&v4(
        17,
        [10, 0, 0, 1],
        [10, 0, 0, 2],
        &udp(55555, 4789, &vx),
    ));
    let f = eth(0x8100, &tagged);
    let d = decode(&f).unwrap();
    assert_eq!(d.vlans.as_slice(), &[5]);
    let t = d.tunnel.unwrap();
    assert_eq!(
        (t.kind, t.vni, t.key, t.teid),
        (TunnelKind::Vxlan, Some(0x1001), None, None)
    );
    assert_eq!((t.outer_src, t.outer_dst), (ip("10.0.0.1"), ip("10.0.0.2")));
    inner_tcp_check(&d);
}

fn gtpu_g_pdu(teid: u32, qfi: Option<u8>, inner: &[u8]) -> Vec<u8> {
    let mut g = vec![if qfi.is_some() { 0x34 } else { 0x30 }, 0xFF, 0, 0];
    g.extend_from_slice(&teid.to_be_bytes());
    if let Some(q) = qfi {
        g.extend_from_slice(&[0, 0, 0, 0x85, 1, 0x00, q, 0]);
    }
    let l = (g.len() - 8 + inner.len()) as u16;
    g[2..4].copy_from_slice(&l.to_be_bytes());
    g.extend_from_slice(inner);
    g
}

#[test]
fn gtpu_end_to_end_ipv6_inner() {
    let mut inner = Vec::new();
    let a: [u8; 16] = "2001:db8::10"
        .parse::<std::net::Ipv6Addr>()
        .unwrap()
        .octets();
    let b: [u8; 16] = "2001:db8::53"
        .parse::<std::net::Ipv6Addr>()
        .unwrap()
        .octets();
    PacketBuilder::ipv6(a, b, 33)
        .udp(5353, 53)
        .write(&mut inner, &[1, 2, 3])
        .unwrap();
    let g = gtpu_g_pdu(0xABCD, Some(5), &inner);
    let f = eth(
        0x0800,
        &v4(17, [10, 1, 0, 1], [10, 2, 0, 1], &udp(2152, 2152, &g)),
    );
    let d = decode(&f).unwrap();
    let t = d.tunnel.unwrap();
    assert_eq!(
        (t.kind, t.teid, t.qfi),
        (TunnelKind::Gtpu, Some(0xABCD), Some(5))
    );
    assert_eq!(
        (d.ip.src, d.ip.proto, d.ip.ttl, d.ip.total_len, d.ip.l4_len),
        (ip("2001:db8::10"), IpProto::UDP, 33, 51, 11)
    );
    assert!(matches!(d.l4, L4::Udp(u) if u.dst_port == 53 && u.payload == [1, 2, 3]));
    // Echo request on 2152: the outer UDP flow itself.
    let f = eth(
        0x0800,
        &v4(
            17,
            [10, 1, 0, 1],
            [10, 2, 0, 1],
            &udp(2152, 2152, &[0x32, 1, 0, 4, 0, 0, 0, 0, 0, 1, 0, 0]),
        ),
    );
    let d = decode(&f).unwrap();
    assert_eq!((d.tunnel, d.ip.dst), (None, ip("10.2.0.1")));
    assert!(matches!(d.l4, L4::Udp(u) if u.payload_len == 12));
}

#[test]
fn gre_erspan_ipip_end_to_end() {
    // GRE with key, IPv4 inside IPv4
    let mut g = vec![0x20, 0, 0x08, 0x00, 0, 0, 0, 42];
    g.extend_from_slice(&inner_tcp());
    let fr = eth(0x0800, &v4(47, [1, 1, 1, 1], [2, 2, 2, 2], &g));
    let d = decode(&fr).unwrap();
    let t = d.tunnel.unwrap();
    assert_eq!(
        (t.kind, t.key, t.outer_src),
        (TunnelKind::Gre, Some(42), ip("1.1.1.1"))
    );
    inner_tcp_check(&d);
    // ERSPAN II: GRE(S) + 8-byte header + Ethernet
    let mut e = vec![
        0x10, 0, 0x88, 0xBE, 0, 0, 0, 1, 0x10, 0, 0x00, 0x21, 0, 0, 0, 0,
    ];
    e.extend_from_slice(&eth(0x0800, &inner_tcp()));
    let fr = eth(0x0800, &v4(47, [1, 1, 1, 1], [2, 2, 2, 2], &e));
    let d = decode(&fr).unwrap();
    assert_eq!(
        d.tunnel.map(|t| (t.kind, t.key)),
        Some((TunnelKind::Erspan, Some(0x21)))
    );
    inner_tcp_check(&d);
    // 4in6 (IP-in-IP), outer IPv6 built by hand
    let inner = inner_tcp();
    let mut o = vec![0x60, 0, 0, 0];
    o.extend_from_slice(&(inner.len() as u16).to_be_bytes());
    o.extend_from_slice(&[4, 64]);
    o.extend_from_slice(&[0; 32]);
    o.extend_from_slice(&inner);
    let fr = eth(0x86DD, &o);
    let d = decode(&fr).unwrap();
    assert_eq!(d.tunnel.map(|t| t.kind), Some(TunnelKind::IpInIp));
    inner_tcp_check(&d);
    // GRE over MPLS: label stack counted
    let mut m = vec![0, 1, 0x01, 64];
    m.extend_from_slice(&v4(47, [1, 1, 1, 1], [2, 2, 2, 2], &g));
    let fr = eth(0x8847, &m);
    let d = decode(&fr).unwrap();
    assert_eq!(d.mpls_labels, 1);
    inner_tcp_check(&d);
}

#[test]
fn tunnel_depth_is_capped() {
    let mut p = inner_tcp();
    for depth in 1..=5u8 {
        p = v4(4, [9, 9, 9, depth], [8, 8, 8, 8], &p);
        let fr = eth(0x0800, &p);
        let r = decode(&fr);
        if depth <= walk::MAX_TUNNEL_DEPTH {
            let d = r.unwrap();
            inner_tcp_check(&d);
            assert_eq!(d.tunnel.unwrap().outer_src, ip(&format!("9.9.9.{depth}")));
        } else {
            assert_eq!(r.unwrap_err().reason().name(), "tunnel_too_deep");
        }
    }
}

#[test]
fn ipv4_fragment_then_resume_into_gtpu() {
    let g = gtpu_g_pdu(7, None, &inner_tcp());
    let dgram = udp(2152, 2152, &g);
    // First fragment: 24 bytes of the datagram, MF.
    let mut f = v4(17, [10, 1, 0, 1], [10, 2, 0, 1], &dgram[..24]);
    f[4..8].copy_from_slice(&[0x12, 0x34, 0x20, 0x00]);
    let f = eth(0x0800, &f);
    let d = decode(&f).unwrap();
    let L4::Fragment(fi) = d.l4 else {
        panic!("{:?}", d.l4)
    };
    assert_eq!(
        (fi.id, fi.offset, fi.more, fi.proto, fi.data_len, fi.data),
        (0x1234, 0, true, IpProto::UDP, 24, &dgram[..24])
    );
    assert_eq!((d.ip.total_len, d.ip.l4_len), (44, 24));
    let r = resume(&d, &dgram).unwrap();
    assert_eq!(
        r.tunnel.map(|t| (t.kind, t.teid, t.outer_dst)),
        Some((TunnelKind::Gtpu, Some(7), ip("10.2.0.1")))
    );
    inner_tcp_check(&r);
    // Resume of a plain UDP datagram: whole-datagram lengths.
    let dgram = udp(1000, 53, &[0; 100]);
    let r = resume(&d, &dgram).unwrap();
    assert_eq!(
        (r.ip.total_len, r.ip.l4_len, r.ip.src),
        (128, 108, ip("10.1.0.1"))
    );
    assert!(matches!(r.l4, L4::Udp(u) if u.payload_len == 100));
    // A cut datagram: counted at the transport layer with datagram offsets.
    assert_eq!(
        resume(&d, &dgram[..5]),
        Err(Skip::Malformed(DecodeError::Truncated {
            layer: Layer::Udp,
            offset: 0,
            need: 8,
            have: 5
        }))
    );
}

#[test]
fn ipv6_fragment_and_resume() {
    let mut o = vec![0x60, 0, 0, 0, 0, 16, 44, 64];
    o.extend_from_slice(&[0; 32]);
    o.extend_from_slice(&[6, 0, 0, 0x08, 0, 0, 0, 9]); // offset 8, last
    o.extend_from_slice(&[0; 8]);
    let fr = eth(0x86DD, &o);
    let d = decode(&fr).unwrap();
    let L4::Fragment(fi) = d.l4 else { panic!() };
    assert_eq!(
        (fi.id, fi.offset, fi.more, fi.proto, fi.data_len),
        (9, 8, false, IpProto::TCP, 8)
    );
    let mut seg = vec![0u8; 20];
    seg[12] = 0x50;
    seg.extend_from_slice(&[1; 30]);
    let r = resume(&d, &seg).unwrap();
    assert_eq!(
        (r.ip.total_len, r.ip.l4_len, r.ip.proto),
        (40 + 50, 50, IpProto::TCP)
    );
    assert!(matches!(r.l4, L4::Tcp(t) if t.payload_len == 30));
}

#[test]
fn lengths_snaplen_and_padding() {
    let p = inner_tcp();
    let mut f = eth(0x0800, &p);
    f.extend_from_slice(&[0xEE; 6]); // padding
    let d = decode(&f).unwrap();
    inner_tcp_check(&d);
    assert!(matches!(d.l4, L4::Tcp(t) if t.payload.is_empty() && t.payload_len == 0));
    // snaplen cut inside the TCP header: truncated, counted
    let r = frame(LinkType::ETHERNET, &f[..44], f.len() as u32);
    assert_eq!(
        r,
        Err(Skip::Malformed(DecodeError::Truncated {
            layer: Layer::Tcp,
            offset: 34,
            need: 20,
            have: 10
        }))
    );
    assert_eq!(r.unwrap_err().reason().name(), "tcp_truncated");
    // snaplen cut inside the payload: decodes with wire lengths
    let mut big = Vec::new();
    PacketBuilder::ipv4([1, 2, 3, 4], [5, 6, 7, 8], 9)
        .udp(1, 2)
        .write(&mut big, &[7; 1000])
        .unwrap();
    let f = eth(0x0800, &big);
    let d = frame(LinkType::ETHERNET, &f[..100], f.len() as u32).unwrap();
    assert!(matches!(d.l4, L4::Udp(u) if u.payload_len == 1000 && u.payload.len() == 58));
    assert_eq!(d.ip.total_len, 1028);
    // total length beyond what the wire frame holds
    let r = frame(LinkType::ETHERNET, &f[..100], 100);
    assert_eq!(
        r.unwrap_err().reason().name(),
        "ipv4_total_len_exceeds_frame"
    );
}

#[test]
fn other_link_types_and_ignored() {
    let p = inner_tcp();
    for (lt, hdr) in [
        (LinkType::RAW, vec![]),
        (LinkType::IPV4, vec![]),
        (LinkType::NULL, vec![2, 0, 0, 0]),
        (LinkType::LOOP, vec![0, 0, 0, 2]),
        (
            LinkType::LINUX_SLL,
            vec![0, 0, 0, 1, 0, 6, 1, 2, 3, 4, 5, 6, 0, 0, 8, 0],
        ),
        (
            LinkType::LINUX_SLL2,
            vec![8, 0, 0, 0, 0, 0, 0, 2, 0, 1, 0, 6, 1, 2, 3, 4, 5, 6, 0, 0],
        ),
    ] {
        let mut f = hdr.clone();
        f.extend_from_slice(&p);
        inner_tcp_check(&frame(lt, &f, f.len() as u32).unwrap());
    }
    assert_eq!(
        frame(LinkType::IPV6, &p, 40).unwrap_err().reason().name(),
        "ip_version_mismatch"
    );
    assert_eq!(
        frame(LinkType::RAW, &[0x10], 1)
            .unwrap_err()
            .reason()
            .name(),
        "ip_version_unknown"
    );
    assert_eq!(
        frame(LinkType(105), &p, 40).unwrap_err().reason().name(),
        "link_unknown"
    );
    assert_eq!(
        decode(&eth(0x0806, &[0; 28])).unwrap_err().reason().name(),
        "not_ip"
    );
    let mut esp = vec![0x60, 0, 0, 0, 0, 8, 50, 64];
    esp.extend_from_slice(&[0; 40]);
    let fr = eth(0x86DD, &esp);
    let d = decode(&fr).unwrap();
    assert_eq!((d.ip.proto, d.l4), (IpProto(50), L4::Other));
}

/// A random Ethernet [+VLANs] / IPv4|IPv6 / TCP|UDP frame, its expected fields, a capture cut
/// and trailing padding.
fn any_frame() -> impl Strategy<Value = (Vec<u8>, u32, usize)> {
    (
        proptest::collection::vec(0u16..4096, 0..=4),
        any::<bool>(),
        any::<bool>(),
        (
            any::<u16>(),
            any::<u16>(),
            any::<u32>(),
            any::<u32>(),
            any::<u8>(),
            any::<u16>(),
        ),
        prop::option::of(any::<u8>()),
        prop::option::of((any::<u32>(), any::<u32>())),
        proptest::collection::vec(any::<u8>(), 0..80),
        0usize..8,
        prop_oneof![Just(0usize), 0usize..200],
    )
        .prop_map(
            |(tags, v6, is_tcp, (sp, dp, seq, ack, flags, win), ws, ts, payload, pad, cut)| {
                let mut f = MAC.to_vec();
                for (i, id) in tags.iter().enumerate() {
                    f.extend_from_slice(&(if i == 0 { 0x88A8u16 } else { 0x8100 }).to_be_bytes());
                    f.extend_from_slice(&id.to_be_bytes());
                }
                f.extend_from_slice(&(if v6 { 0x86DDu16 } else { 0x0800 }).to_be_bytes());
                let b = if v6 {
                    PacketBuilder::ipv6([1; 16], [2; 16], 7)
                } else {
                    PacketBuilder::ipv4([10, 0, 0, 1], [10, 0, 0, 2], 7)
                };
                let mut ipb = Vec::new();
                if is_tcp {
                    let mut opts = Vec::new();
                    if let Some(w) = ws {
                        opts.push(TcpOptionElement::WindowScale(w));
                    }
                    if let Some((a, c)) = ts {
                        opts.push(TcpOptionElement::Timestamp(a, c));
                    }
                    let mut t = b.tcp(sp, dp, seq, win).ack(ack).options(&opts).unwrap();
                    if flags & 1 != 0 {
                        t = t.fin();
                    }
                    if flags & 2 != 0 {
                        t = t.syn();
                    }
                    t.write(&mut ipb, &payload).unwrap();
                } else {
                    b.udp(sp, dp).write(&mut ipb, &payload).unwrap();
                }
                f.extend_from_slice(&ipb);
                f.extend(std::iter::repeat_n(0u8, pad));
                let wire = f.len() as u32;
                let keep = f.len().saturating_sub(cut);
                f.truncate(keep);
                (
                    f,
                    wire,
                    14 + 4 * tags.len() + if v6 { 40 } else { 20 } + if is_tcp { 20 } else { 8 },
                )
            },
        )
}

proptest! {
    /// The reader's cheap dispatch parse picks the same address pair as the full decode
    /// whenever it answers (otherwise both directions or the fragments of a flow could land
    /// on different workers).
    #[test]
    fn dispatch_pair_matches_decode((f, wire, _h) in any_frame()) {
        if let Some((src, dst)) = fast::dispatch_pair(&f, wire) {
            // Malformed frames (Err) touch no flow: any worker may count them.
            if let Ok(d) = frame(LinkType::ETHERNET, &f, wire) {
                prop_assert_eq!((d.ip.src, d.ip.dst), (src, dst));
                prop_assert!(!matches!(d.l4, L4::Fragment(_)));
            }
        }
    }

    #[test]
    fn dispatch_pair_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..200), extra in 0u32..100) {
        let _ = fast::dispatch_pair(&bytes, bytes.len() as u32 + extra);
    }

    #[test]
    fn fast_equals_general((f, wire, headers) in any_frame()) {
        let general = frame_general(LinkType::ETHERNET, &f, wire);
        match fast::ethernet(&f, wire) {
            Some(d) => prop_assert_eq!(Ok(d), general),
            None => {
                // Declined only for what the fast path does not handle: cut headers or
                // tunnel ports (VXLAN / GTP-U).
                let tunnel_port = general.is_ok_and(|d| d.tunnel.is_some())
                    || matches!(general, Ok(Decoded { l4: L4::Udp(u), .. })
                        if u.dst_port == 4789 || u.dst_port == 2152 || u.src_port == 2152);
                prop_assert!(f.len() < headers || tunnel_port || general.is_err(), "{:?}", general);
            }
        }
        prop_assert_eq!(frame(LinkType::ETHERNET, &f, wire), general);
    }

    #[test]
    fn general_agrees_with_etherparse_lax((f, wire, _h) in any_frame()) {
        // Independent oracle for whole (uncut) frames with at most 3 tags (etherparse's cap).
        if f.len() as u32 != wire {
            return Ok(());
        }
        let lax = etherparse::LaxSlicedPacket::from_ethernet(&f).unwrap();
        let ids: Vec<u16> = lax.vlan_ids().iter().map(|v| v.value()).collect();
        if ids.len() >= 3 {
            return Ok(());
        }
        let d = frame_general(LinkType::ETHERNET, &f, wire).unwrap();
        prop_assert_eq!(d.vlans.as_slice(), &ids[..]);
        let net = lax.net.as_ref().unwrap();
        let (src, dst) = match net {
            etherparse::LaxNetSlice::Ipv4(s) => (IpAddr::V4(s.header().source_addr()), IpAddr::V4(s.header().destination_addr())),
            etherparse::LaxNetSlice::Ipv6(s) => (IpAddr::V6(s.header().source_addr()), IpAddr::V6(s.header().destination_addr())),
            _ => unreachable!(),
        };
        prop_assert_eq!((d.ip.src, d.ip.dst), (src, dst));
        prop_assert_eq!(d.ip.l4_len as usize, lax.ip_payload().unwrap().payload.len());
        match (lax.transport.as_ref().unwrap(), d.l4) {
            (etherparse::TransportSlice::Tcp(t), L4::Tcp(o)) => {
                prop_assert_eq!((t.source_port(), t.destination_port(), t.sequence_number(), t.acknowledgment_number()), (o.src_port, o.dst_port, o.seq, o.ack));
                prop_assert_eq!((t.window_size(), t.syn(), t.fin()), (o.window, o.flags.syn(), o.flags.fin()));
                prop_assert_eq!(t.payload(), o.payload);
            }
            (etherparse::TransportSlice::Udp(u), L4::Udp(o)) => {
                prop_assert_eq!((u.source_port(), u.destination_port(), u.payload()), (o.src_port, o.dst_port, o.payload));
            }
            (t, o) => prop_assert!(false, "{:?} vs {:?}", t, o),
        }
    }

    #[test]
    fn whole_frame_truncation_is_counted((f, wire, headers) in any_frame()) {
        // Every cut inside the headers gives a counted Truncated error, never a panic.
        for cut in 0..headers.min(f.len()) {
            match frame(LinkType::ETHERNET, &f[..cut], wire) {
                Err(Skip::Malformed(DecodeError::Truncated { offset, need, have, .. })) => {
                    prop_assert!(usize::from(offset) + usize::from(have) == cut);
                    prop_assert!(have < need);
                }
                other => prop_assert!(false, "cut {}: {:?}", cut, other),
            }
        }
    }

    #[test]
    fn random_bytes_never_panic(
        data in proptest::collection::vec(any::<u8>(), 0..200),
        extra in 0u32..100,
        lt in prop::sample::select(vec![0u16, 1, 101, 108, 113, 228, 229, 276, 0xFFFF, 7]),
    ) {
        let r = frame(LinkType(lt), &data, data.len() as u32 + extra);
        if let Err(s) = r {
            prop_assert!(s.reason().index() < Reason::COUNT);
        }
        prop_assert_eq!(r, frame_general(LinkType(lt), &data, data.len() as u32 + extra));
        if let Ok(d) = r {
            let _ = resume(&d, &data);
        }
    }

    #[test]
    fn random_tunnel_payloads_never_panic(body in proptest::collection::vec(any::<u8>(), 0..120), which in 0u8..4) {
        let f = match which {
            0 => eth(0x0800, &v4(17, [1, 1, 1, 1], [2, 2, 2, 2], &udp(1, 4789, &body))),
            1 => eth(0x0800, &v4(17, [1, 1, 1, 1], [2, 2, 2, 2], &udp(2152, 1, &body))),
            2 => eth(0x0800, &v4(47, [1, 1, 1, 1], [2, 2, 2, 2], &body)),
            _ => eth(0x8847, &body),
        };
        if let Err(s) = decode(&f) {
            prop_assert!(s.reason().index() < Reason::COUNT);
        }
    }
}

#[test]
fn fast_path_takes_common_frames() {
    let p = inner_tcp();
    let mut tagged = vec![0, 5, 0x81, 0x00, 0, 6, 0x08, 0x00];
    tagged.extend_from_slice(&p);
    for f in [eth(0x0800, &p), eth(0x88A8, &tagged)] {
        let d = fast::ethernet(&f, f.len() as u32).expect("fast path");
        assert_eq!(Ok(d), frame_general(LinkType::ETHERNET, &f, f.len() as u32));
        inner_tcp_check(&d);
    }
    // declined: IPv4 options, fragments, tunnels, five tags
    let mut opt = v4(6, [1, 1, 1, 1], [2, 2, 2, 2], &[0; 24]);
    opt[0] = 0x46;
    assert!(fast::ethernet(&eth(0x0800, &opt), 100).is_none());
    let vx = eth(
        0x0800,
        &v4(17, [1, 1, 1, 1], [2, 2, 2, 2], &udp(1, 4789, &[0; 8])),
    );
    assert!(fast::ethernet(&vx, vx.len() as u32).is_none());
}
