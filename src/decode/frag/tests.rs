//! Tests of the reassembler: hand-built fragment sequences and property tests.

use std::net::{IpAddr, Ipv4Addr};

use proptest::prelude::*;

use super::*;

const T0: Timestamp = Timestamp(1_700_000_000_000_000);

fn ip4() -> IpInfo {
    ip(
        IpAddr::V4(Ipv4Addr::new(10, 0, 0, 1)),
        IpAddr::V4(Ipv4Addr::new(10, 0, 0, 2)),
    )
}

fn ip6() -> IpInfo {
    // The IPv4-mapped forms of ip4()'s addresses: must still be a different key.
    ip(
        IpAddr::V6(Ipv4Addr::new(10, 0, 0, 1).to_ipv6_mapped()),
        IpAddr::V6(Ipv4Addr::new(10, 0, 0, 2).to_ipv6_mapped()),
    )
}

fn ip(src: IpAddr, dst: IpAddr) -> IpInfo {
    IpInfo {
        src,
        dst,
        proto: IpProto::UDP,
        total_len: 0,
        l4_len: 0,
        ttl: 64,
    }
}

fn frag(id: u32, offset: u32, more: bool, data: &[u8]) -> FragmentInfo<'_> {
    FragmentInfo {
        id,
        offset,
        more,
        proto: IpProto::UDP,
        data,
        data_len: data.len() as u32,
    }
}

/// A payload whose bytes differ from their neighbours, so misplaced data is caught.
fn payload(n: usize) -> Vec<u8> {
    (0..n).map(|i| (i * 7 + i / 251) as u8).collect()
}

/// Split `p` into fragments of `size` bytes (a multiple of 8): (offset, more, data).
fn split(p: &[u8], size: usize) -> Vec<(u32, bool, &[u8])> {
    let n = p.len().div_ceil(size);
    p.chunks(size)
        .enumerate()
        .map(|(k, d)| ((k * size) as u32, k + 1 < n, d))
        .collect()
}

/// Push fragments in the given order; return the result of the last push and check that no
/// earlier push completed the datagram.
fn push_all(
    r: &mut Reassembler,
    ip: &IpInfo,
    id: u32,
    frags: &[(u32, bool, &[u8])],
) -> Option<Vec<u8>> {
    let mut last = None;
    for (k, &(off, more, d)) in frags.iter().enumerate() {
        let got = r.push(T0, ip, &frag(id, off, more, d)).map(<[u8]>::to_vec);
        if k + 1 < frags.len() {
            assert_eq!(got, None, "completed early at fragment {k}");
        }
        last = got;
    }
    last
}

/// Checks every invariant of the module docs and the counter conservation law.
fn check_invariants(r: &Reassembler) {
    assert!(r.map.len() <= r.cfg.max_datagrams);
    assert!(r.arena.len() <= r.cfg.max_bytes);
    assert!(r.held_bytes() <= r.cfg.max_bytes);
    assert_eq!(
        r.arena.len(),
        (r.chunks_used + r.free_chunks.len()) * CHUNK_LEN
    );
    assert!(r.slots.len() <= r.cfg.max_datagrams);
    let mut held_frags = 0u64;
    let (mut live, mut chunks, mut listed) = (0, 0, 0);
    let mut j = r.head;
    while j != NIL {
        let s = r.slot(j);
        listed += 1;
        assert_eq!(r.map.get(&s.key), Some(&j));
        held_frags += u64::from(s.frags);
        chunks += s.chunks.iter().filter(|&&c| c != NIL).count();
        if s.state == State::Live {
            live += 1;
        } else {
            assert!(s.cover.is_empty() && s.frags == 0);
        }
        for w in s.cover.windows(2) {
            assert!(w[0].1 < w[1].0, "cover not disjoint: {:?}", s.cover);
        }
        for &(a, b) in &s.cover {
            assert!(a < b && b as usize <= r.cfg.max_datagram_len);
            assert!(window(a, b).all(|w| s.chunks[w] != NIL));
            assert!(s.end.is_none_or(|n| b <= n));
        }
        j = s.next;
    }
    assert_eq!(listed, r.map.len());
    assert_eq!(live, r.held());
    assert_eq!(chunks, r.chunks_used);
    let st = r.stats();
    assert_eq!(
        st.fragments,
        r.used_frags + st.duplicates + st.dropped() + held_frags,
        "{st:?}"
    );
}

#[test]
fn in_order() {
    let mut r = Reassembler::new(FragConfig::default());
    let p = payload(3000);
    assert_eq!(push_all(&mut r, &ip4(), 7, &split(&p, 1480)), Some(p));
    let st = r.stats();
    assert_eq!((st.fragments, st.reassembled, st.dropped()), (3, 1, 0));
    assert_eq!((r.held(), r.held_bytes()), (0, 0));
    check_invariants(&r);
}

#[test]
fn out_of_order_and_reverse() {
    let mut r = Reassembler::new(FragConfig::default());
    let p = payload(4001);
    let f = split(&p, 1000);
    let shuffled = [f[2], f[4], f[0], f[3], f[1]];
    assert_eq!(push_all(&mut r, &ip4(), 1, &shuffled), Some(p.clone()));
    let reversed: Vec<_> = f.iter().rev().copied().collect();
    assert_eq!(push_all(&mut r, &ip4(), 2, &reversed), Some(p));
    assert_eq!(r.stats().reassembled, 2);
    check_invariants(&r);
}

#[test]
fn duplicates_ignored() {
    let mut r = Reassembler::new(FragConfig::default());
    let p = payload(2000);
    let f = split(&p, 800);
    let with_dups = [f[1], f[0], f[1], f[0], f[2]];
    assert_eq!(push_all(&mut r, &ip4(), 1, &with_dups), Some(p));
    let st = r.stats();
    assert_eq!(
        (st.fragments, st.duplicates, st.reassembled, st.dropped()),
        (5, 2, 1, 0)
    );
    check_invariants(&r);
}

#[test]
fn overlap_with_same_bytes_accepted() {
    let mut r = Reassembler::new(FragConfig::default());
    let p = payload(40);
    let f = [
        (8, true, &p[8..24]),
        (0, true, &p[0..16]),
        (16, false, &p[16..40]),
    ];
    assert_eq!(push_all(&mut r, &ip4(), 1, &f), Some(p));
    check_invariants(&r);
}

#[test]
fn overlap_with_different_bytes_drops_datagram() {
    let mut r = Reassembler::new(FragConfig::default());
    let p = payload(40);
    let mut evil = p[8..24].to_vec();
    evil[3] ^= 1; // offset 11, inside the overlap [8, 16)
    assert_eq!(r.push(T0, &ip4(), &frag(1, 0, true, &p[0..16])), None);
    assert_eq!(r.push(T0, &ip4(), &frag(1, 8, true, &evil)), None);
    assert_eq!(r.stats().dropped_overlap, 2);
    assert_eq!((r.held(), r.held_bytes()), (0, 0));
    // Later fragments of the same datagram are refused under the same reason (RFC 5722).
    assert_eq!(r.push(T0, &ip4(), &frag(1, 16, false, &p[16..40])), None);
    assert_eq!(r.push(T0, &ip4(), &frag(1, 0, true, &p[0..16])), None);
    assert_eq!(r.stats().dropped_overlap, 4);
    assert_eq!(r.stats().reassembled, 0);
    check_invariants(&r);
    // After the timeout the key is free again.
    r.expire(T0.plus_us(30_000_001));
    assert!(r.map.is_empty());
    let f = split(&p, 16);
    let later = T0.plus_us(30_000_001);
    let mut got = None;
    for &(off, more, d) in &f {
        got = r
            .push(later, &ip4(), &frag(1, off, more, d))
            .map(<[u8]>::to_vec);
    }
    assert_eq!(got, Some(p));
}

#[test]
fn timeout_by_packet_time() {
    let cfg = FragConfig {
        timeout_us: 1_000,
        ..FragConfig::default()
    };
    let mut r = Reassembler::new(cfg);
    let p = payload(24);
    r.push(T0, &ip4(), &frag(1, 0, true, &p[..8]));
    r.push(T0.plus_us(10), &ip4(), &frag(1, 8, true, &p[8..16]));
    r.push(T0.plus_us(500), &ip4(), &frag(2, 0, true, &p[..8]));
    assert_eq!(r.next_deadline(), Some(T0.plus_us(1_001)));
    r.expire(T0.plus_us(1_000));
    assert_eq!(
        r.held(),
        2,
        "an age equal to the timeout is not older than it"
    );
    r.expire(T0.plus_us(1_001));
    assert_eq!((r.held(), r.stats().dropped_timeout), (1, 2));
    // A fragment arriving after the timeout does not join the stale datagram.
    assert_eq!(
        r.push(T0.plus_us(2_000), &ip4(), &frag(2, 16, false, &p[16..])),
        None
    );
    assert_eq!((r.held(), r.stats().dropped_timeout), (1, 3));
    check_invariants(&r);
}

#[test]
fn table_capacity_evicts_oldest() {
    let cfg = FragConfig {
        max_datagrams: 2,
        ..FragConfig::default()
    };
    let mut r = Reassembler::new(cfg);
    let p = payload(16);
    for id in 1..=3 {
        assert_eq!(r.push(T0, &ip4(), &frag(id, 0, true, &p[..8])), None);
        check_invariants(&r);
    }
    assert_eq!((r.held(), r.stats().dropped_capacity), (2, 1));
    // Datagram 1 was evicted: its last fragment starts a new datagram (evicting 2).
    assert_eq!(r.push(T0, &ip4(), &frag(1, 8, false, &p[8..])), None);
    // Datagram 3 survived and completes.
    assert_eq!(
        r.push(T0, &ip4(), &frag(3, 8, false, &p[8..])),
        Some(&p[..])
    );
    assert_eq!(r.stats().dropped_capacity, 2);
    check_invariants(&r);
}

#[test]
fn byte_capacity_evicts_oldest_then_refuses() {
    let cfg = FragConfig {
        max_bytes: 2 * CHUNK_LEN + 100,
        ..FragConfig::default()
    };
    let mut r = Reassembler::new(cfg);
    let p = payload(4 * CHUNK_LEN);
    assert_eq!(
        r.push(T0, &ip4(), &frag(1, 0, true, &p[..2 * CHUNK_LEN])),
        None
    );
    assert_eq!(r.held_bytes(), 2 * CHUNK_LEN);
    assert_eq!(r.push(T0, &ip4(), &frag(2, 0, true, &p[..8])), None);
    assert_eq!((r.held(), r.stats().dropped_capacity), (1, 1));
    assert!(r.held_bytes() <= cfg.max_bytes);
    check_invariants(&r);
    // A datagram that cannot fit even alone is refused, with all its fragments.
    assert_eq!(
        r.push(T0, &ip4(), &frag(2, 8, true, &p[8..3 * CHUNK_LEN])),
        None
    );
    assert_eq!(
        (r.held(), r.held_bytes(), r.stats().dropped_capacity),
        (0, 0, 3)
    );
    check_invariants(&r);
}

#[test]
fn truncated_fragment_drops_datagram() {
    let mut r = Reassembler::new(FragConfig::default());
    let p = payload(3000);
    let f = split(&p, 1480);
    // The first fragment was cut by a 96-byte snaplen.
    let cut = FragmentInfo {
        data: &f[0].2[..60],
        ..frag(1, f[0].0, f[0].1, f[0].2)
    };
    assert_eq!(r.push(T0, &ip4(), &frag(1, f[1].0, f[1].1, f[1].2)), None);
    assert_eq!(r.push(T0, &ip4(), &cut), None);
    assert_eq!(r.push(T0, &ip4(), &frag(1, f[2].0, f[2].1, f[2].2)), None);
    let st = r.stats();
    assert_eq!((st.dropped_truncated, st.reassembled, r.held()), (3, 0, 0));
    check_invariants(&r);
}

#[test]
fn v4_and_v6_keys_do_not_collide() {
    let mut r = Reassembler::new(FragConfig::default());
    let (a, b) = (payload(64), vec![0xAB; 64]);
    let (fa, fb) = (split(&a, 32), split(&b, 32));
    assert_eq!(r.push(T0, &ip4(), &frag(9, fa[0].0, true, fa[0].2)), None);
    assert_eq!(r.push(T0, &ip6(), &frag(9, fb[0].0, true, fb[0].2)), None);
    assert_eq!(r.held(), 2);
    assert_eq!(
        r.push(T0, &ip6(), &frag(9, fb[1].0, false, fb[1].2)),
        Some(&b[..])
    );
    assert_eq!(
        r.push(T0, &ip4(), &frag(9, fa[1].0, false, fa[1].2)),
        Some(&a[..])
    );
    assert_eq!(r.stats().dropped(), 0);
}

#[test]
fn protocol_is_part_of_the_key() {
    let mut r = Reassembler::new(FragConfig::default());
    let p = payload(16);
    r.push(T0, &ip4(), &frag(5, 0, true, &p[..8]));
    let tcp = FragmentInfo {
        proto: IpProto::TCP,
        ..frag(5, 8, false, &p[8..])
    };
    assert_eq!(r.push(T0, &ip4(), &tcp), None);
    assert_eq!(r.held(), 2);
}

#[test]
fn too_big_rejected() {
    let mut r = Reassembler::new(FragConfig::default());
    let d = [0u8; 16];
    assert_eq!(r.push(T0, &ip4(), &frag(1, 65_536, false, &d[..8])), None);
    assert_eq!(r.stats().dropped_too_big, 1);
    // 65528 + 16 = 65544 > 65535: drops the datagram held so far too.
    r.push(T0, &ip4(), &frag(2, 0, true, &d));
    assert_eq!(r.push(T0, &ip4(), &frag(2, 65_528, false, &d)), None);
    assert_eq!((r.stats().dropped_too_big, r.held()), (3, 0));
    // Exactly at the limit is fine.
    let mut r = Reassembler::new(FragConfig {
        max_datagram_len: 24,
        ..FragConfig::default()
    });
    r.push(T0, &ip4(), &frag(3, 0, true, &d));
    assert_eq!(
        r.push(T0, &ip4(), &frag(3, 16, false, &d[..8]))
            .map(<[u8]>::len),
        Some(24)
    );
    check_invariants(&r);
}

#[test]
fn malformed_offsets_and_ends() {
    let mut r = Reassembler::new(FragConfig::default());
    let d = [1u8; 24];
    r.push(T0, &ip4(), &frag(1, 4, true, &d[..8])); // offset not a multiple of 8
    r.push(T0, &ip4(), &frag(2, 8, true, &d[..12])); // non-last length not a multiple of 8
    r.push(T0, &ip4(), &frag(3, 8, true, &[])); // empty non-last fragment
    assert_eq!(r.stats().dropped_malformed, 3);
    // Two last fragments with different ends.
    r.push(T0, &ip4(), &frag(4, 8, false, &d[..8]));
    assert_eq!(r.push(T0, &ip4(), &frag(4, 8, false, &d[..16])), None);
    // Data beyond the end a last fragment fixed.
    r.push(T0, &ip4(), &frag(5, 8, false, &d[..8]));
    assert_eq!(r.push(T0, &ip4(), &frag(5, 16, true, &d[..8])), None);
    // A last fragment ending before data already held.
    r.push(T0, &ip4(), &frag(6, 16, true, &d[..8]));
    assert_eq!(r.push(T0, &ip4(), &frag(6, 8, false, &d[..8])), None);
    assert_eq!((r.stats().dropped_malformed, r.held()), (9, 0));
    check_invariants(&r);
}

#[test]
fn zero_length_last_fragment_fixes_the_end() {
    let mut r = Reassembler::new(FragConfig::default());
    let p = payload(16);
    assert_eq!(r.push(T0, &ip4(), &frag(1, 16, false, &[])), None);
    assert_eq!(r.push(T0, &ip4(), &frag(1, 0, true, &p)), Some(&p[..]));
    check_invariants(&r);
}

#[test]
fn atomic_fragment_is_returned_in_isolation() {
    let mut r = Reassembler::new(FragConfig::default());
    let p = payload(24);
    r.push(T0, &ip6(), &frag(1, 8, false, &p[8..]));
    assert_eq!(
        r.push(T0, &ip6(), &frag(1, 0, false, &p[..8])),
        Some(&p[..8])
    );
    assert_eq!(r.held(), 1, "the queued datagram is untouched");
    assert_eq!(r.push(T0, &ip6(), &frag(1, 0, true, &p[..8])), Some(&p[..]));
    let st = r.stats();
    assert_eq!((st.fragments, st.reassembled, st.dropped()), (3, 2, 0));
    check_invariants(&r);
}

#[test]
fn zero_limits_refuse_everything() {
    let cfg = FragConfig {
        max_datagrams: 0,
        max_bytes: 0,
        ..FragConfig::default()
    };
    let mut r = Reassembler::new(cfg);
    assert_eq!(r.push(T0, &ip4(), &frag(1, 0, true, &[0; 8])), None);
    let cfg = FragConfig {
        max_bytes: 0,
        ..FragConfig::default()
    };
    let mut r2 = Reassembler::new(cfg);
    assert_eq!(r2.push(T0, &ip4(), &frag(1, 0, true, &[0; 8])), None);
    assert_eq!(
        (r.stats().dropped_capacity, r2.stats().dropped_capacity),
        (1, 1)
    );
    check_invariants(&r);
    check_invariants(&r2);
}

#[test]
fn stats_names_and_merge() {
    let mut a = FragStats {
        fragments: 3,
        dropped_timeout: 1,
        dropped_malformed: 2,
        ..Default::default()
    };
    let b = FragStats {
        fragments: 1,
        dropped_overlap: 4,
        ..Default::default()
    };
    a += b;
    assert_eq!(a.fragments, 4);
    assert_eq!(
        a.dropped_by_reason(),
        [
            ("frag_timeout", 1),
            ("frag_overlap", 4),
            ("frag_too_big", 0),
            ("frag_truncated", 0),
            ("frag_capacity", 0),
            ("frag_malformed", 2),
        ]
    );
    assert_eq!(a.dropped(), 7);
}

#[test]
fn add_range_merges() {
    let mut c = Vec::new();
    add_range(&mut c, 16, 24);
    add_range(&mut c, 0, 8);
    assert_eq!(c, [(0, 8), (16, 24)]);
    add_range(&mut c, 8, 16);
    assert_eq!(c, [(0, 24)]);
    add_range(&mut c, 40, 48);
    add_range(&mut c, 32, 56);
    assert_eq!(c, [(0, 24), (32, 56)]);
    add_range(&mut c, 8, 40);
    assert_eq!(c, [(0, 56)]);
}

/// A fragmented payload and a permutation of its fragments.
fn fragmented() -> impl Strategy<Value = (Vec<u8>, usize, Vec<usize>)> {
    (1usize..5000, 1usize..=185).prop_flat_map(|(len, units)| {
        let size = units * 8;
        let n = len.div_ceil(size);
        (
            proptest::collection::vec(any::<u8>(), len),
            Just(size),
            Just((0..n).collect::<Vec<_>>()).prop_shuffle(),
        )
    })
}

/// One operation of a random fragment soup.
#[derive(Clone, Debug)]
struct Op {
    key: u8,
    offset: u32,
    len: u32,
    more: bool,
    cut: Option<u32>,
    fill: u8,
    dt_us: u64,
    expire: bool,
}

fn op() -> impl Strategy<Value = Op> {
    (
        0u8..4,
        prop_oneof![8 => (0u32..40).prop_map(|u| u * 8), 1 => (0u32..3000).prop_map(|u| u * 8), 1 => 0u32..70_000],
        prop_oneof![8 => (1u32..40).prop_map(|u| u * 8), 1 => 0u32..3000],
        proptest::bool::weighted(0.8),
        proptest::option::weighted(0.03, 0u32..3000),
        prop_oneof![9 => Just(0u8), 1 => Just(1u8)],
        prop_oneof![4 => 0u64..1_000, 1 => 0u64..3_000_000],
        proptest::bool::weighted(0.05),
    )
        .prop_map(|(key, offset, len, more, cut, fill, dt_us, expire)| Op {
            key,
            offset,
            len,
            more,
            cut,
            fill,
            dt_us,
            expire,
        })
}

proptest! {
    #[test]
    fn any_permutation_reassembles_exactly((p, size, order) in fragmented()) {
        let mut r = Reassembler::new(FragConfig::default());
        let f = split(&p, size);
        let shuffled: Vec<_> = order.iter().map(|&k| f[k]).collect();
        prop_assert_eq!(push_all(&mut r, &ip6(), 0xdead_beef, &shuffled), Some(p));
        prop_assert_eq!((r.held(), r.held_bytes(), r.stats().reassembled), (0, 0, 1));
        check_invariants(&r);
    }

    #[test]
    fn fragment_soup_never_exceeds_bounds(ops in proptest::collection::vec(op(), 1..200)) {
        let cfg = FragConfig {
            max_datagrams: 3,
            max_bytes: 6 * CHUNK_LEN + 17,
            timeout_us: 5_000_000,
            max_datagram_len: 20_000,
        };
        let mut r = Reassembler::new(cfg);
        let mut now = T0;
        let mut buf = Vec::new();
        for o in ops {
            now = now.plus_us(o.dt_us);
            if o.expire {
                r.expire(now);
                check_invariants(&r);
                continue;
            }
            // Most last fragments end where the key's datagram ends, so datagrams complete.
            let (mut offset, mut len) = (o.offset, o.len);
            if !o.more && len % 8 == 0 {
                let end = 64 + 40 * u32::from(o.key);
                offset = end.saturating_sub(len) / 8 * 8;
                len = end - offset;
            }
            // Bytes depend on their offset, so equal-fill overlaps repeat the same bytes.
            buf.clear();
            buf.extend((offset..offset + len).map(|x| (x / 3) as u8 ^ o.fill));
            let data = &buf[..o.cut.map_or(buf.len(), |c| (c as usize).min(buf.len()))];
            let info = if o.key % 2 == 0 { ip4() } else { ip6() };
            let fi = FragmentInfo { data_len: len, ..frag(u32::from(o.key / 2), offset, o.more, data) };
            if let Some(d) = r.push(now, &info, &fi) {
                prop_assert!(d.len() <= cfg.max_datagram_len);
                // Every byte sits at its own offset (from one of the two fills).
                for (x, &b) in d.iter().enumerate() {
                    prop_assert!(b == (x as u32 / 3) as u8 || b == (x as u32 / 3) as u8 ^ 1);
                }
            }
            check_invariants(&r);
        }
    }
}

#[test]
fn storage_is_recycled_in_steady_state() {
    let mut r = Reassembler::new(FragConfig::default());
    let p = payload(3000);
    let f = split(&p, 1480);
    let order = [f[2], f[0], f[1]];
    assert_eq!(push_all(&mut r, &ip4(), 0, &order), Some(p.clone()));
    let warm = (r.arena.len(), r.slots.len(), r.out.capacity());
    for id in 1..1000 {
        assert_eq!(
            push_all(&mut r, &ip4(), id, &order).as_deref(),
            Some(&p[..])
        );
    }
    assert_eq!((r.arena.len(), r.slots.len(), r.out.capacity()), warm);
    check_invariants(&r);
}
