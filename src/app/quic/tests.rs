//! QUIC tests against the RFC 9001 / RFC 9369 Appendix A vectors (keys, client and server
//! Initial packets, the ClientHello inside), plus the shared test helpers.

use super::crypto::{initial_secret, open, InitialKeys, KeyMaterial, Side};
use super::frames::{CryptoStream, Frame, Frames};
use super::packet::{parse_long_header, PacketType, VERSION_1, VERSION_2};
use super::*;
use crate::app::{AppCounters, AppOut, Parse, TlsTransport, TlsTxn, Txn};
use crate::flow::Dir;
use crate::time::Timestamp;

pub(super) fn unhex(s: &str) -> Vec<u8> {
    let digits: Vec<u8> = s.bytes().filter(|b| b.is_ascii_hexdigit()).collect();
    digits
        .chunks(2)
        .map(|p| u8::from_str_radix(std::str::from_utf8(p).unwrap(), 16).unwrap())
        .collect()
}

const RFC_DCID: &str = "8394c8f03e515708";
pub(super) const V1_CLIENT: &str = include_str!("testdata/v1_client.hex");
const V1_SERVER: &str = include_str!("testdata/v1_server.hex");
const V2_CLIENT: &str = include_str!("testdata/v2_client.hex");
pub(super) const V2_SERVER: &str = include_str!("testdata/v2_server.hex");
const CLIENT_CRYPTO_FRAME: &str = include_str!("testdata/client_crypto_frame.hex");
const SERVER_PAYLOAD: &str = include_str!("testdata/server_payload.hex");

pub(super) struct Sink {
    pub(super) txns: Vec<Txn>,
    pub(super) counters: AppCounters,
}

impl Sink {
    pub(super) fn new() -> Self {
        Sink {
            txns: Vec::new(),
            counters: AppCounters::default(),
        }
    }
    pub(super) fn out(&mut self) -> AppOut<'_> {
        AppOut {
            txns: &mut self.txns,
            counters: &mut self.counters,
        }
    }
    pub(super) fn tls(&self) -> Vec<&TlsTxn> {
        self.txns
            .iter()
            .map(|t| match t {
                Txn::Tls(t) => t,
                other => panic!("unexpected {other:?}"),
            })
            .collect()
    }
    /// Errors counted by this module (the TLS parser's own are not ours to check here).
    pub(super) fn quic_errors(&self) -> u64 {
        self.counters
            .errors
            .iter()
            .filter(|(k, _)| k.starts_with("quic_"))
            .map(|(_, v)| v)
            .sum()
    }
    pub(super) fn errors(&self, name: &str) -> u64 {
        self.counters.errors.get(name).copied().unwrap_or(0)
    }
}

// ---- RFC 9001 Appendix A (v1) and RFC 9369 Appendix A (v2) ----

#[test]
fn rfc9001_a1_keys() {
    let dcid = unhex(RFC_DCID);
    let cs = initial_secret(VERSION_1, &dcid, Side::Client);
    assert_eq!(
        cs.to_vec(),
        unhex("c00cf151ca5be075ed0ebfb5c80323c42d6b7db67881289af4008f1f6c357aea")
    );
    let c = KeyMaterial::from_secret(VERSION_1, &cs);
    assert_eq!(c.key.to_vec(), unhex("1f369613dd76d5467730efcbe3b1a22d"));
    assert_eq!(c.iv.to_vec(), unhex("fa044b2f42a3fd3b46fb255c"));
    assert_eq!(c.hp.to_vec(), unhex("9f50449e04a0e810283a1e9933adedd2"));
    let ss = initial_secret(VERSION_1, &dcid, Side::Server);
    assert_eq!(
        ss.to_vec(),
        unhex("3c199828fd139efd216c155ad844cc81fb82fa8d7446fa7d78be803acdda951b")
    );
    let s = KeyMaterial::from_secret(VERSION_1, &ss);
    assert_eq!(s.key.to_vec(), unhex("cf3a5331653c364c88f0f379b6067e37"));
    assert_eq!(s.iv.to_vec(), unhex("0ac1493ca1905853b0bba03e"));
    assert_eq!(s.hp.to_vec(), unhex("c206b8d9b9f0f37644430b490eeaa314"));
    // A.2 header protection mask from the sample.
    let keys = InitialKeys::from_material(&c);
    let sample: [u8; 16] = unhex("d1b1c98dd7689fb8ec11d242b123dc9b")
        .try_into()
        .unwrap();
    assert_eq!(keys.mask(&sample)[..5].to_vec(), unhex("437b9aec36"));
}

#[test]
fn rfc9369_a1_keys() {
    let dcid = unhex(RFC_DCID);
    let cs = initial_secret(VERSION_2, &dcid, Side::Client);
    assert_eq!(
        cs.to_vec(),
        unhex("14ec9d6eb9fd7af83bf5a668bc17a7e283766aade7ecd0891f70f9ff7f4bf47b")
    );
    let c = KeyMaterial::from_secret(VERSION_2, &cs);
    assert_eq!(c.key.to_vec(), unhex("8b1a0bc121284290a29e0971b5cd045d"));
    assert_eq!(c.iv.to_vec(), unhex("91f73e2351d8fa91660e909f"));
    assert_eq!(c.hp.to_vec(), unhex("45b95e15235d6f45a6b19cbcb0294ba9"));
    let ss = initial_secret(VERSION_2, &dcid, Side::Server);
    assert_eq!(
        ss.to_vec(),
        unhex("0263db1782731bf4588e7e4d93b7463907cb8cd8200b5da55a8bd488eafc37c1")
    );
    let s = KeyMaterial::from_secret(VERSION_2, &ss);
    assert_eq!(s.key.to_vec(), unhex("82db637861d55e1d011f19ea71d5d2a7"));
    assert_eq!(s.iv.to_vec(), unhex("dd13c276499c0249d3310652"));
    assert_eq!(s.hp.to_vec(), unhex("edf6d05c83121201b436e16877593c3a"));
    let keys = InitialKeys::from_material(&c);
    let sample: [u8; 16] = unhex("ffe67b6abcdb4298b485dd04de806071")
        .try_into()
        .unwrap();
    assert_eq!(keys.mask(&sample)[..5].to_vec(), unhex("94a0c95e80"));
}

/// Open an Appendix A packet: header fields, unprotected header, packet number, payload.
fn check_rfc_packet(
    version: u32,
    side: Side,
    protected: &str,
    unprotected_header: &str,
    pn: u64,
    payload: &[u8],
) {
    let mut pkt = unhex(protected);
    let Parse::Done { value: h, consumed } = parse_long_header(&pkt) else {
        panic!("header not parsed");
    };
    assert_eq!(consumed, pkt.len());
    assert_eq!(h.version, version);
    assert_eq!(h.ptype, PacketType::Initial);
    assert!(h.token.is_empty());
    match side {
        Side::Client => {
            assert_eq!(h.dcid.to_vec(), unhex(RFC_DCID));
            assert!(h.scid.is_empty());
        }
        Side::Server => {
            assert!(h.dcid.is_empty());
            assert_eq!(h.scid.to_vec(), unhex("f067a5502a4262b5"));
        }
    }
    let keys = InitialKeys::derive(version, &unhex(RFC_DCID), side);
    let pn_offset = h.pn_offset;
    let o = open(&keys, &mut pkt, pn_offset, None).expect("opens");
    let hdr = unhex(unprotected_header);
    assert_eq!(o.pn, pn);
    assert_eq!(o.payload_start, hdr.len());
    assert_eq!(pkt[..hdr.len()].to_vec(), hdr);
    assert_eq!(&pkt[o.payload_start..o.payload_end], payload);
}

fn rfc_client_payload() -> Vec<u8> {
    let mut p = unhex(CLIENT_CRYPTO_FRAME);
    p.resize(1162, 0);
    p
}

#[test]
fn rfc9001_a2_client_initial() {
    check_rfc_packet(
        VERSION_1,
        Side::Client,
        V1_CLIENT,
        "c300000001088394c8f03e5157080000449e00000002",
        2,
        &rfc_client_payload(),
    );
}

#[test]
fn rfc9001_a3_server_initial() {
    check_rfc_packet(
        VERSION_1,
        Side::Server,
        V1_SERVER,
        "c1000000010008f067a5502a4262b50040750001",
        1,
        &unhex(SERVER_PAYLOAD),
    );
}

#[test]
fn rfc9369_a2_client_initial() {
    check_rfc_packet(
        VERSION_2,
        Side::Client,
        V2_CLIENT,
        "d36b3343cf088394c8f03e5157080000449e00000002",
        2,
        &rfc_client_payload(),
    );
}

#[test]
fn rfc9369_a3_server_initial() {
    check_rfc_packet(
        VERSION_2,
        Side::Server,
        V2_SERVER,
        "d16b3343cf0008f067a5502a4262b50040750001",
        1,
        &unhex(SERVER_PAYLOAD),
    );
}

#[test]
fn rfc_packets_decrypt_fails_when_changed() {
    let keys = InitialKeys::derive(VERSION_1, &unhex(RFC_DCID), Side::Client);
    let mut pkt = unhex(V1_CLIENT);
    let last = pkt.len() - 1;
    pkt[last] ^= 1;
    assert_eq!(
        open(&keys, &mut pkt, 18, None),
        Err(QuicError::DecryptFailed)
    );
    // Server keys cannot open the client's packet.
    let keys = InitialKeys::derive(VERSION_1, &unhex(RFC_DCID), Side::Server);
    let mut pkt = unhex(V1_CLIENT);
    assert_eq!(
        open(&keys, &mut pkt, 18, None),
        Err(QuicError::DecryptFailed)
    );
    // v2 keys cannot open the v1 packet.
    let keys = InitialKeys::derive(VERSION_2, &unhex(RFC_DCID), Side::Client);
    let mut pkt = unhex(V1_CLIENT);
    assert_eq!(
        open(&keys, &mut pkt, 18, None),
        Err(QuicError::DecryptFailed)
    );
}

/// The A.2 ClientHello through the frame walk and CRYPTO reassembly, independent of the TLS
/// parser: message type 1, length 0xed, and the server_name extension bytes of "example.com".
#[test]
fn rfc_client_hello_reassembled() {
    let payload = rfc_client_payload();
    let frames: Vec<_> = Frames::new(&payload).collect();
    assert_eq!(frames.len(), 2, "{frames:?}");
    assert_eq!(frames[1], Ok(Frame::Padding(1162 - 245)));
    let Ok(Frame::Crypto { offset: 0, data }) = frames[0] else {
        panic!("not CRYPTO at 0: {:?}", frames[0]);
    };
    assert_eq!(data.len(), 241);
    let mut s = CryptoStream::new();
    s.insert(0, data);
    let (ty, body) = s.first_message().expect("complete");
    assert_eq!(ty, 1);
    assert_eq!(body.len(), 0xed);
    assert_eq!(&body[..2], &[0x03, 0x03]);
    // server_name extension: type 0, list of one host_name "example.com".
    let sni_ext = unhex("0000 0010 000e 00 000b 6578616d706c652e636f6d");
    assert!(body.windows(sni_ext.len()).any(|w| w == sni_ext));
}

#[test]
fn rfc_flow_v1_and_v2() {
    for (version, client, server) in [
        (VERSION_1, V1_CLIENT, V1_SERVER),
        (VERSION_2, V2_CLIENT, V2_SERVER),
    ] {
        let mut sink = Sink::new();
        let mut f = QuicFlow::new();
        f.on_datagram(Timestamp(1_000), Dir::C2S, &unhex(client), &mut sink.out());
        f.on_datagram(Timestamp(1_500), Dir::S2C, &unhex(server), &mut sink.out());
        assert_eq!(sink.quic_errors(), 0, "{:?}", sink.counters.errors);
        assert_eq!(f.client_dir(), Some(Dir::C2S));
        let (ty, body) = f.first_message(Side::Client).expect("client hello");
        assert_eq!((ty, body.len()), (1, 0xed));
        let (ty, body) = f.first_message(Side::Server).expect("server hello");
        assert_eq!((ty, body.len()), (2, 0x56));
        assert!(!f.is_done());
        assert!(sink.txns.is_empty());
        f.finish(&mut sink.out());
        assert!(f.is_done());
        let t = sink.tls();
        assert_eq!(t.len(), 1);
        assert_eq!(t[0].ts_us, 1_000);
        assert_eq!(t[0].transport, TlsTransport::Quic);
        assert_eq!(t[0].quic_version, Some(version));
        assert_eq!(t[0].hello_us, Some(500));
        assert_eq!(t[0].handshake_us, None);
        assert_eq!(f.transactions(), 1);
        assert_eq!(t[0].sni.as_deref(), Some("example.com"));
        assert_eq!(f.sni(), Some("example.com"));
        assert_eq!(t[0].version, Some(0x0304));
        // The A.2 ClientHello offers one protocol, literally "alpn" (extension 0x0010).
        assert_eq!(t[0].alpn.as_deref(), Some("alpn"));
        assert_eq!(t[0].alpn_offered, vec!["alpn".to_string()]);
        assert!(t[0].ja4.as_deref().is_some_and(|j| j.starts_with('q')));
        assert_eq!(sink.counters.errors, Default::default());
    }
}
