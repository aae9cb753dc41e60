//! QUIC per-flow tests on constructed packets: a split and reordered ClientHello, Retry,
//! a missed Retry with reversed flow direction and compatible v1 → v2 negotiation, counted
//! errors, and proptests (truncations and random datagrams never panic).

use aes_gcm::aead::generic_array::GenericArray;
use aes_gcm::{AeadInPlace, Aes128Gcm, KeyInit};
use proptest::prelude::*;

use super::crypto::{initial_secret, InitialKeys, KeyMaterial, Side};
use super::frames::{CryptoStream, Frames};
use super::packet::{parse_long_header, PacketType, VERSION_1, VERSION_2};
use super::tests::{unhex, Sink, V1_CLIENT, V2_SERVER};
use super::*;
use crate::app::Parse;
use crate::flow::Dir;
use crate::time::Timestamp;

/// Protect one long-header packet (test-only sealing, the inverse of `open`).
#[allow(clippy::too_many_arguments)]
fn seal(
    version: u32,
    type_bits: u8,
    key_dcid: &[u8],
    side: Side,
    dcid: &[u8],
    scid: &[u8],
    pn: u64,
    pn_len: usize,
    payload: &[u8],
) -> Vec<u8> {
    let m = KeyMaterial::from_secret(version, &initial_secret(version, key_dcid, side));
    let mut payload = payload.to_vec();
    if payload.len() + pn_len < 4 {
        payload.resize(4 - pn_len, 0);
    }
    let mut p = vec![0xc0 | (type_bits << 4) | (pn_len as u8 - 1)];
    p.extend_from_slice(&version.to_be_bytes());
    p.push(dcid.len() as u8);
    p.extend_from_slice(dcid);
    p.push(scid.len() as u8);
    p.extend_from_slice(scid);
    let initial = PacketType::from_bits(version, type_bits) == PacketType::Initial;
    if initial {
        p.push(0); // empty token
    }
    let len = pn_len + payload.len() + 16;
    p.extend_from_slice(&(0x4000u16 | len as u16).to_be_bytes());
    let pn_offset = p.len();
    p.extend_from_slice(&pn.to_be_bytes()[8 - pn_len..]);
    let mut nonce = m.iv;
    for (n, b) in nonce.iter_mut().skip(4).zip(pn.to_be_bytes()) {
        *n ^= b;
    }
    let aead = Aes128Gcm::new(GenericArray::from_slice(&m.key));
    let tag = aead
        .encrypt_in_place_detached(GenericArray::from_slice(&nonce), &p, &mut payload)
        .unwrap();
    p.extend_from_slice(&payload);
    p.extend_from_slice(&tag);
    let sample: [u8; 16] = p[pn_offset + 4..pn_offset + 20].try_into().unwrap();
    let mask = InitialKeys::from_material(&m).mask(&sample);
    p[0] ^= mask[0] & 0x0f;
    for i in 0..pn_len {
        p[pn_offset + i] ^= mask[1 + i];
    }
    p
}

fn crypto_frame(offset: u64, data: &[u8]) -> Vec<u8> {
    let mut f = vec![0x06, 0x80];
    f.extend_from_slice(&(offset as u32 | 0x8000_0000).to_be_bytes()[1..]);
    f.extend_from_slice(&(0x4000u16 | data.len() as u16).to_be_bytes());
    f.extend_from_slice(data);
    f
}

const INITIAL_V1: u8 = 0;
const RETRY_V1: u8 = 3;

#[test]
fn split_reordered_client_hello() {
    // A ClientHello (type 1, 60-byte body) split over two client Initials: the second
    // datagram carries offset 0; inside the first, CRYPTO frames are out of order.
    let mut hello = vec![1u8, 0, 0, 60];
    hello.extend((0..60).map(|i| i as u8));
    let odcid = [7u8; 8];
    let mut p1 = crypto_frame(40, &hello[40..]);
    p1.extend(crypto_frame(20, &hello[20..40]));
    let pkt1 = seal(
        VERSION_1,
        INITIAL_V1,
        &odcid,
        Side::Client,
        &odcid,
        &[1],
        0,
        1,
        &p1,
    );
    let pkt2 = seal(
        VERSION_1,
        INITIAL_V1,
        &odcid,
        Side::Client,
        &odcid,
        &[1],
        1,
        1,
        &crypto_frame(0, &hello[..20]),
    );
    let mut sh = vec![2u8, 0, 0, 5];
    sh.extend([3, 3, 9, 9, 9]);
    let mut sp = vec![0x02, 0x01, 0x00, 0x00, 0x01]; // ACK 1
    sp.extend(crypto_frame(0, &sh));
    let spkt = seal(
        VERSION_1,
        INITIAL_V1,
        &odcid,
        Side::Server,
        &[1],
        &[9; 4],
        0,
        2,
        &sp,
    );
    // The client's next Initial uses the server's CID but the original keys.
    let ack = seal(
        VERSION_1,
        INITIAL_V1,
        &odcid,
        Side::Client,
        &[9; 4],
        &[1],
        2,
        1,
        &[1],
    );

    let mut sink = Sink::new();
    let mut f = QuicFlow::new();
    f.on_datagram(Timestamp(100), Dir::C2S, &pkt1, &mut sink.out());
    assert_eq!(f.first_message(Side::Client), None);
    f.on_datagram(Timestamp(110), Dir::C2S, &pkt2, &mut sink.out());
    assert_eq!(f.first_message(Side::Client), Some((1, &hello[4..])));
    // Server datagram: the Initial coalesced with an (opaque) Handshake packet.
    let mut d = spkt.clone();
    d.extend(seal(
        VERSION_1,
        2,
        &odcid,
        Side::Server,
        &[1],
        &[9; 4],
        0,
        1,
        &[0; 30],
    ));
    f.on_datagram(Timestamp(400), Dir::S2C, &d, &mut sink.out());
    assert_eq!(f.first_message(Side::Server), Some((2, &sh[4..])));
    // Client: Initial ACK coalesced with a short header packet: the handshake is done.
    let mut d = ack.clone();
    d.extend([0x40 | 0x01, 9, 9, 9, 9, 0xaa, 0xbb]);
    f.on_datagram(Timestamp(900), Dir::C2S, &d, &mut sink.out());
    assert!(f.is_done());
    assert_eq!(sink.errors("quic_decrypt_failed"), 0);
    let t = sink.tls();
    assert_eq!(t.len(), 1);
    assert_eq!(t[0].ts_us, 110, "ClientHello time = datagram with offset 0");
    assert_eq!(t[0].hello_us, Some(290));
    assert_eq!(t[0].handshake_us, Some(790));
    assert_eq!(t[0].quic_version, Some(VERSION_1));
    assert_eq!(t[0].alerts, 0);
    // After the record, finish adds nothing.
    f.finish(&mut sink.out());
    assert_eq!(sink.txns.len(), 1);
}

#[test]
fn retry_changes_original_dcid() {
    let mut hello = vec![1u8, 0, 0, 8];
    hello.extend([0x11; 8]);
    let odcid = [1u8; 8];
    let retry_scid = [2u8; 8];
    let c1 = seal(
        VERSION_1,
        INITIAL_V1,
        &odcid,
        Side::Client,
        &odcid,
        &[5],
        0,
        1,
        &crypto_frame(0, &hello),
    );
    // Retry: header + token + 16-byte tag (the tag is not verified by cemprobe).
    let mut retry = vec![0xc0 | (RETRY_V1 << 4), 0, 0, 0, 1, 1, 5, 8];
    retry.extend(retry_scid);
    retry.extend(b"token");
    retry.extend([0u8; 16]);
    let c2 = seal(
        VERSION_1,
        INITIAL_V1,
        &retry_scid,
        Side::Client,
        &retry_scid,
        &[5],
        1,
        1,
        &crypto_frame(0, &hello),
    );
    let mut sh = vec![2u8, 0, 0, 2];
    sh.extend([3, 3]);
    let s1 = seal(
        VERSION_1,
        INITIAL_V1,
        &retry_scid,
        Side::Server,
        &[5],
        &[3; 8],
        0,
        1,
        &crypto_frame(0, &sh),
    );

    let mut sink = Sink::new();
    let mut f = QuicFlow::new();
    f.on_datagram(Timestamp(10), Dir::C2S, &c1, &mut sink.out());
    f.on_datagram(Timestamp(20), Dir::S2C, &retry, &mut sink.out());
    f.on_datagram(Timestamp(30), Dir::C2S, &c2, &mut sink.out());
    f.on_datagram(Timestamp(50), Dir::S2C, &s1, &mut sink.out());
    assert_eq!(sink.quic_errors(), 0, "{:?}", sink.counters.errors);
    f.finish(&mut sink.out());
    let t = sink.tls();
    assert_eq!(t.len(), 1);
    assert_eq!(t[0].ts_us, 30, "the ClientHello the server answered");
    assert_eq!(t[0].hello_us, Some(20));
}

#[test]
fn missed_retry_and_reversed_direction() {
    // The capture starts with the server's datagram (flow Dir::C2S = QUIC server), and the
    // client's Initial uses a DCID we never saw the first Initial for: keys from its own DCID.
    let mut hello = vec![1u8, 0, 0, 3];
    hello.extend([1, 2, 3]);
    let dcid = [4u8; 12];
    let junk_server = seal(
        VERSION_1,
        INITIAL_V1,
        &[9; 8],
        Side::Server,
        &[5],
        &[6],
        0,
        1,
        &[1],
    );
    let c = seal(
        VERSION_1,
        INITIAL_V1,
        &dcid,
        Side::Client,
        &dcid,
        &[5],
        3,
        1,
        &crypto_frame(0, &hello),
    );
    let mut sh = vec![2u8, 0, 0, 1, 7];
    sh.truncate(5);
    let s = seal(
        VERSION_2,
        1,
        &dcid,
        Side::Server,
        &[5],
        &[6],
        0,
        1,
        &crypto_frame(0, &sh),
    );
    let mut sink = Sink::new();
    let mut f = QuicFlow::new();
    f.on_datagram(Timestamp(1), Dir::C2S, &junk_server, &mut sink.out());
    assert_eq!(sink.errors("quic_decrypt_failed"), 1);
    f.on_datagram(Timestamp(2), Dir::S2C, &c, &mut sink.out());
    assert_eq!(f.client_dir(), Some(Dir::S2C));
    // Compatible version negotiation: the server answers in v2 with v2 keys.
    f.on_datagram(Timestamp(5), Dir::C2S, &s, &mut sink.out());
    f.on_datagram(Timestamp(9), Dir::S2C, &[0x41, 1, 2, 3], &mut sink.out());
    assert!(f.is_done());
    let t = sink.tls();
    assert_eq!(t.len(), 1);
    assert_eq!(t[0].quic_version, Some(VERSION_2));
    assert_eq!(t[0].hello_us, Some(3));
    assert_eq!(t[0].handshake_us, Some(7));
}

#[test]
fn unexpected_frames_truncation_and_alerts() {
    let odcid = [3u8; 8];
    let mut hello = vec![1u8, 0, 0, 2];
    hello.extend([0, 0]);
    let mut payload = crypto_frame(0, &hello);
    payload.extend([0x08, 0x00]); // STREAM frame: not allowed in Initial
    let c = seal(
        VERSION_1,
        INITIAL_V1,
        &odcid,
        Side::Client,
        &odcid,
        &[],
        0,
        4,
        &payload,
    );
    // Server closes with a TLS alert (CONNECTION_CLOSE 0x1c, code 0x0178 = alert 120).
    let close = [0x1c, 0x41, 0x78, 0x06, 0x00];
    let s = seal(
        VERSION_1,
        INITIAL_V1,
        &odcid,
        Side::Server,
        &[],
        &[1],
        0,
        1,
        &close,
    );
    let mut sink = Sink::new();
    let mut f = QuicFlow::new();
    f.on_datagram(Timestamp(1), Dir::C2S, &c, &mut sink.out());
    assert_eq!(sink.errors("quic_unexpected_frame"), 1);
    f.on_datagram(Timestamp(2), Dir::S2C, &s[..s.len() - 1], &mut sink.out());
    assert_eq!(sink.errors("quic_truncated"), 1);
    f.on_datagram(Timestamp(3), Dir::S2C, &s, &mut sink.out());
    // Garbage and a Version Negotiation packet: counted / ignored, no panic.
    f.on_datagram(
        Timestamp(4),
        Dir::S2C,
        &[0xc0, 0xff, 0, 0, 0x1d, 0],
        &mut sink.out(),
    );
    assert_eq!(sink.errors("quic_unsupported_version"), 1);
    f.on_datagram(
        Timestamp(4),
        Dir::S2C,
        &[0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1],
        &mut sink.out(),
    );
    assert_eq!(sink.errors("quic_unsupported_version"), 1);
    f.finish(&mut sink.out());
    let t = sink.tls();
    assert_eq!(t.len(), 1);
    assert_eq!(t[0].alerts, 1);
    assert_eq!(t[0].hello_us, None);
    assert_eq!(t[0].version, None);
}

#[test]
fn probe_accepts_only_v1_v2_long_headers() {
    assert!(probe(&unhex(V1_CLIENT)));
    assert!(probe(&unhex(V2_SERVER)));
    assert!(!probe(&[]));
    assert!(!probe(&[0x40, 0, 0, 0, 1, 0, 0]));
    assert!(!probe(&[0xc0, 0xff, 0, 0, 0x1d, 0, 0]));
    assert!(!probe(&[0x80, 0, 0, 0, 1, 0, 0]));
    assert!(!probe(&[0xc0, 0, 0, 0, 1, 21]));
    assert!(!probe(&[0xc0, 0, 0, 0, 1, 1, 1]));
    assert!(probe(&[0xc0, 0, 0, 0, 1, 1, 1, 0]));
}

#[test]
fn gives_up_without_client_hello() {
    let mut sink = Sink::new();
    let mut f = QuicFlow::new();
    for i in 0..flow::MAX_DATAGRAMS_WITHOUT_HELLO {
        assert!(!f.is_done());
        f.on_datagram(
            Timestamp(u64::from(i)),
            Dir::C2S,
            &[0x40, 1, 2],
            &mut sink.out(),
        );
    }
    assert!(f.is_done());
    f.finish(&mut sink.out());
    assert!(sink.txns.is_empty());
}

proptest! {
    #[test]
    fn truncated_rfc_packets_never_panic(cut in 0usize..1200) {
        let pkt = unhex(V1_CLIENT);
        let mut sink = Sink::new();
        let mut f = QuicFlow::new();
        f.on_datagram(Timestamp(1), Dir::C2S, &pkt[..cut], &mut sink.out());
        // A cut packet is never decrypted: it is counted as truncated (or as not QUIC).
        prop_assert!(f.first_message(Side::Client).is_none());
        let counted: u64 = sink.counters.errors.values().sum();
        prop_assert!(cut == 0 || counted == 1, "cut {} counters {:?}", cut, sink.counters.errors);
        let need_more = matches!(parse_long_header(&pkt[..cut]), Parse::NeedMore { .. });
        prop_assert!(need_more);
    }

    #[test]
    fn random_datagrams_never_panic(
        dgs in proptest::collection::vec((any::<bool>(), proptest::collection::vec(any::<u8>(), 0..300)), 0..8),
        prefix in prop_oneof![Just(vec![]), Just(vec![0xc0u8, 0, 0, 0, 1]), Just(vec![0xd0u8, 0x6b, 0x33, 0x43, 0xcf])],
    ) {
        let mut sink = Sink::new();
        let mut f = QuicFlow::new();
        for (i, (c2s, bytes)) in dgs.iter().enumerate() {
            let mut d = prefix.clone();
            d.extend_from_slice(bytes);
            let dir = if *c2s { Dir::C2S } else { Dir::S2C };
            f.on_datagram(Timestamp(i as u64), dir, &d, &mut sink.out());
            let _ = probe(&d);
            let _ = parse_long_header(&d);
            let _ = Frames::new(&d).count();
        }
        f.finish(&mut sink.out());
        prop_assert!(sink.txns.len() <= 1);
    }

    #[test]
    fn crypto_stream_any_order(order in Just((0usize..6).collect::<Vec<_>>()).prop_shuffle()) {
        let mut msg = vec![1u8, 0, 0, 56];
        msg.extend(0..56u8);
        let mut s = CryptoStream::new();
        for i in order {
            s.insert((i * 10) as u64, &msg[i * 10..(i * 10 + 10).min(60)]);
        }
        prop_assert_eq!(s.first_message(), Some((1u8, &msg[4..])));
    }
}
