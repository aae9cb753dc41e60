//! Application-transaction cases (issue 3): DNS over UDP and TCP, HTTP/1.1 keep-alive, TLS
//! 1.3/1.2 over TCP, QUIC v1/v2 Initials, and the DNS-named service of a later flow.
//!
//! Packets are built from literal fields (build.rs); the `calc` text of every case is the hand
//! calculation of its `expected.ndjson` / `expected-stats.json`.

use anyhow::Result;

use crate::build::*;
use crate::cases::{Case, Format, Pkt};
use crate::quic_vectors;

const ETHERNET: Format = Format::Pcap { link: 1 };

const CL: [u8; 4] = [10, 0, 0, 1];
const SV: [u8; 4] = [10, 0, 0, 2];
const RESOLVER: [u8; 4] = [10, 0, 0, 53];
const WIN: u16 = 64240;

fn pkt(us: u64, data: Vec<u8>, desc: impl Into<String>) -> Pkt {
    let wire_len = data.len() as u32;
    Pkt {
        t_us: us,
        data,
        wire_len,
        iface: 0,
        desc: desc.into(),
    }
}

/// A TCP connection whose segments always acknowledge everything the other side sent so far.
struct Conn {
    c: ([u8; 4], u16),
    s: ([u8; 4], u16),
    /// Next sequence number of each side.
    cseq: u32,
    sseq: u32,
}

impl Conn {
    fn new(c: ([u8; 4], u16), s: ([u8; 4], u16), cisn: u32, sisn: u32) -> Self {
        Self {
            c,
            s,
            cseq: cisn,
            sseq: sisn,
        }
    }

    /// Client → server segment at `ms` (milliseconds) with `flags` and `payload`.
    fn c(&mut self, ms: u64, flags: &'static str, payload: &[u8], what: &str) -> Result<Pkt> {
        self.seg(true, ms, flags, payload, what)
    }

    /// Server → client segment.
    fn s(&mut self, ms: u64, flags: &'static str, payload: &[u8], what: &str) -> Result<Pkt> {
        self.seg(false, ms, flags, payload, what)
    }

    fn seg(
        &mut self,
        from_client: bool,
        ms: u64,
        flags: &'static str,
        payload: &[u8],
        what: &str,
    ) -> Result<Pkt> {
        let (src, dst, seq, ack) = if from_client {
            (self.c, self.s, self.cseq, self.sseq)
        } else {
            (self.s, self.c, self.sseq, self.cseq)
        };
        let t = Tcp {
            sport: src.1,
            dport: dst.1,
            seq,
            ack,
            flags,
            win: WIN,
            len: payload.len(),
        };
        let data = eth_tcp4_data(from_client, src.0, dst.0, t, payload)?;
        let used =
            payload.len() as u32 + u32::from(flags.contains('S')) + u32::from(flags.contains('F'));
        if from_client {
            self.cseq = self.cseq.wrapping_add(used);
        } else {
            self.sseq = self.sseq.wrapping_add(used);
        }
        let ack_s = if flags.contains('A') {
            format!(" ack={ack}")
        } else {
            String::new()
        };
        let desc = format!(
            "{} {}:{} → {}:{} TCP [{flags}] seq={seq}{ack_s} len={} (IP total {}){}{}",
            if from_client { "C→S" } else { "S→C" },
            ip(src.0),
            src.1,
            ip(dst.0),
            dst.1,
            payload.len(),
            40 + payload.len(),
            if what.is_empty() { "" } else { " " },
            what
        );
        Ok(pkt(ms * 1000, data, desc))
    }
}

fn ip(a: [u8; 4]) -> String {
    format!("{}.{}.{}.{}", a[0], a[1], a[2], a[3])
}

fn udp_pkt(
    ms: u64,
    from_client: bool,
    src: ([u8; 4], u16),
    dst: ([u8; 4], u16),
    payload: &[u8],
    what: &str,
) -> Result<Pkt> {
    let data = eth_udp4(from_client, src.0, dst.0, src.1, dst.1, payload)?;
    let desc = format!(
        "UDP {}:{} → {}:{} (payload {}, IP total {}) {what}",
        ip(src.0),
        src.1,
        ip(dst.0),
        dst.1,
        payload.len(),
        28 + payload.len()
    );
    Ok(pkt(ms * 1000, data, desc))
}

pub fn all() -> Result<Vec<Case>> {
    Ok(vec![
        dns_outcomes()?,
        dns_tcp_case()?,
        http_keepalive()?,
        tls_versions()?,
        quic_initial()?,
        dns_service()?,
    ])
}

// ---------------------------------------------------------------------------------------------
// DNS names (wire form) and messages.
// ---------------------------------------------------------------------------------------------

const Q: u16 = 0x0100; // query, RD
const NOERROR: u16 = 0x8180; // response, RD, RA, rcode 0
const SERVFAIL: u16 = 0x8182;
const NXDOMAIN: u16 = 0x8183;
const A: u16 = 1;
const AAAA: u16 = 28;
/// Pointer to the question name (offset 12).
const PTR_Q: &[u8] = b"\xc0\x0c";

const WWW_EXAMPLE_COM: &[u8] = b"\x03www\x07example\x03com\x00"; // 17 bytes
const NOTHERE_EXAMPLE_COM: &[u8] = b"\x07nothere\x07example\x03com\x00"; // 21 bytes
const BROKEN_EXAMPLE_NET: &[u8] = b"\x06broken\x07example\x03net\x00"; // 20 bytes
const SLOW_EXAMPLE_ORG: &[u8] = b"\x04slow\x07example\x03org\x00"; // 18 bytes
const GONE_EXAMPLE_COM: &[u8] = b"\x04gone\x07example\x03com\x00"; // 18 bytes
const TCP_EXAMPLE_COM: &[u8] = b"\x03tcp\x07example\x03com\x00"; // 17 bytes
const GOOGLEVIDEO: &[u8] = b"\x0crr1---sn-abc\x0bgooglevideo\x03com\x00"; // 30 bytes

fn a_rr(addr: &[u8; 4]) -> Rr<'_> {
    Rr {
        name: PTR_Q,
        rtype: A,
        ttl: 300,
        rdata: addr,
    }
}

fn dns_outcomes() -> Result<Case> {
    let d1 = (CL, 50001);
    let d2 = (CL, 50002);
    let d3 = (CL, 50003);
    let r = (RESOLVER, 53);
    // NXDOMAIN: SOA in the authority section; "example.com" of the question sits at offset
    // 12 + 8 ("\x07nothere") = 20 = 0x14.
    let mut soa = b"\x03ns1\xc0\x14\x0ahostmaster\xc0\x14".to_vec();
    for v in [2024010101u32, 7200, 3600, 1209600, 300] {
        soa.extend_from_slice(&v.to_be_bytes());
    }
    let soa_rr = Rr {
        name: b"\xc0\x14",
        rtype: 6,
        ttl: 300,
        rdata: &soa,
    };
    let ok1 = dns_msg(
        0x0101,
        NOERROR,
        WWW_EXAMPLE_COM,
        A,
        &[a_rr(&[93, 184, 215, 14]), a_rr(&[93, 184, 215, 15])],
        &[],
    );
    Ok(Case {
        name: "dns_outcomes",
        what: "DNS over UDP, every outcome: NOERROR with two A answers (then a duplicate of that response),
NXDOMAIN (SOA in the authority section, compressed names), SERVFAIL, an unanswered query whose
retry with a new id is answered, and a response no query was seen for. A packet 7 s in makes the
unanswered query time out by packet time (default dns.timeout 5 s; fixture.toml sets none).",
        calc: CALC_DNS_OUTCOMES,
        format: ETHERNET,
        packets: vec![
            udp_pkt(0, true, d1, r, &dns_msg(0x0101, Q, WWW_EXAMPLE_COM, A, &[], &[]), "DNS query id 0x0101 A? www.example.com")?,
            udp_pkt(12, false, r, d1, &ok1, "DNS response id 0x0101 NOERROR, 2 A (93.184.215.14, 93.184.215.15), names compressed")?,
            udp_pkt(30, false, r, d1, &ok1, "the same response again (duplicate)")?,
            udp_pkt(100, true, d1, r, &dns_msg(0x0102, Q, NOTHERE_EXAMPLE_COM, A, &[], &[]), "DNS query id 0x0102 A? nothere.example.com")?,
            udp_pkt(140, false, r, d1, &dns_msg(0x0102, NXDOMAIN, NOTHERE_EXAMPLE_COM, A, &[], &[soa_rr]), "DNS response id 0x0102 NXDOMAIN, 0 answers, 1 SOA authority")?,
            udp_pkt(200, true, d1, r, &dns_msg(0x0103, Q, BROKEN_EXAMPLE_NET, A, &[], &[]), "DNS query id 0x0103 A? broken.example.net")?,
            udp_pkt(260, false, r, d1, &dns_msg(0x0103, SERVFAIL, BROKEN_EXAMPLE_NET, A, &[], &[]), "DNS response id 0x0103 SERVFAIL, no records")?,
            udp_pkt(1000, true, d2, r, &dns_msg(0x0201, Q, SLOW_EXAMPLE_ORG, A, &[], &[]), "DNS query id 0x0201 A? slow.example.org (never answered)")?,
            udp_pkt(2000, true, d2, r, &dns_msg(0x0202, Q, SLOW_EXAMPLE_ORG, A, &[], &[]), "retry: DNS query id 0x0202 A? slow.example.org")?,
            udp_pkt(2030, false, r, d2, &dns_msg(0x0202, NOERROR, SLOW_EXAMPLE_ORG, A, &[a_rr(&[198, 51, 100, 20])], &[]), "DNS response id 0x0202 NOERROR, 1 A 198.51.100.20")?,
            udp_pkt(7000, false, r, d3, &dns_msg(0x0301, NOERROR, GONE_EXAMPLE_COM, A, &[a_rr(&[198, 51, 100, 30])], &[]), "DNS response id 0x0301 NOERROR, 1 A, no query seen (first packet of its flow)")?,
        ],
    })
}

fn dns_tcp_case() -> Result<Case> {
    let mut k = Conn::new((CL, 40053), (RESOLVER, 53), 1000, 7000);
    let q1 = dns_msg(0x0a01, Q, TCP_EXAMPLE_COM, A, &[], &[]);
    let q2 = dns_msg(0x0a02, Q, TCP_EXAMPLE_COM, AAAA, &[], &[]);
    let mut queries = dns_tcp(&q1);
    queries.extend_from_slice(&dns_tcp(&q2));
    let r1 = dns_tcp(&dns_msg(
        0x0a01,
        NOERROR,
        TCP_EXAMPLE_COM,
        A,
        &[a_rr(&[192, 0, 2, 80])],
        &[],
    ));
    let v6: [u8; 16] = [
        0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x80,
    ];
    let r2 = dns_tcp(&dns_msg(
        0x0a02,
        NOERROR,
        TCP_EXAMPLE_COM,
        AAAA,
        &[Rr {
            name: PTR_Q,
            rtype: AAAA,
            ttl: 300,
            rdata: &v6,
        }],
        &[],
    ));
    // Segment #5: all of response 1 and the first 10 bytes of response 2 (length prefix +
    // 8 header bytes); segment #6: the rest of response 2.
    let mut seg5 = r1.clone();
    seg5.extend_from_slice(r2.get(..10).unwrap_or_default());
    let seg6 = r2.get(10..).unwrap_or_default().to_vec();
    Ok(Case {
        name: "dns_tcp",
        what: "DNS over TCP (port 53): handshake, two length-prefixed queries (A and AAAA for
tcp.example.com) in ONE segment that also carries the client's FIN, the responses with the second
one split across two segments (the last carrying the server's FIN), and the final ACK.",
        calc: CALC_DNS_TCP,
        format: ETHERNET,
        packets: vec![
            k.c(0, "S", &[], "SYN")?,
            k.s(5, "SA", &[], "SYN-ACK")?,
            k.c(10, "A", &[], "ACK")?,
            k.c(11, "FPA", &queries, "2 DNS queries: [len 33] id 0x0a01 A? tcp.example.com + [len 33] id 0x0a02 AAAA? tcp.example.com, FIN")?,
            k.s(40, "PA", &seg5, "DNS response id 0x0a01 (len 49, 1 A 192.0.2.80) + first 10 bytes of response id 0x0a02")?,
            k.s(55, "FPA", &seg6, "rest of response id 0x0a02 (len 61, 1 AAAA 2001:db8::80), FIN")?,
            k.c(60, "A", &[], "ACK")?,
        ],
    })
}

fn http_keepalive() -> Result<Case> {
    let mut k = Conn::new((CL, 40080), (SV, 80), 1000, 5000);
    let mut k2 = Conn::new((CL, 40081), (SV, 80), 3000, 9000);
    let req1 = b"GET /a HTTP/1.1\r\nHost: www.example.com\r\n\r\n";
    let resp1_head = b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n";
    let mut resp1a = resp1_head.to_vec();
    resp1a.extend_from_slice(&filler(60));
    let resp1b = filler(40);
    let req2 = b"GET /missing HTTP/1.1\r\nHost: www.example.com\r\n\r\n";
    let resp2 =
        b"HTTP/1.1 404 Not Found\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n";
    let req3 = b"POST /slow HTTP/1.1\r\nHost: www.example.com\r\nContent-Length: 4\r\n\r\nabcd";
    let resp3 = b"HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n\r\n";
    let split_a = b"GET /split HTTP/1.1\r\nHo";
    let split_b = b"st: Media.Example.ORG:8080\r\n\r\n";
    let resp4 = b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n";
    Ok(Case {
        name: "http_keepalive",
        what: "HTTP/1.1 on port 80. Connection 1 (client port 40080): three keep-alive requests answered
200 (Content-Length 100 body spanning two segments), 404 (chunked body) and 503 (POST with a 4-byte
body; the server answers 800 ms later). Connection 2 (port 40081): a request whose head is split
over two segments, with a mixed-case Host carrying a port. Both end at end of input.",
        calc: CALC_HTTP,
        format: ETHERNET,
        packets: vec![
            k.c(0, "S", &[], "SYN")?,
            k.s(10, "SA", &[], "SYN-ACK")?,
            k.c(20, "A", &[], "ACK")?,
            k.c(30, "PA", req1, "GET /a, Host www.example.com (42 B)")?,
            k.s(50, "PA", &resp1a, "200 OK head (40 B) + 60 body bytes")?,
            k.s(51, "PA", &resp1b, "last 40 body bytes")?,
            k.c(60, "PA", req2, "GET /missing (48 B)")?,
            k.s(85, "PA", resp2, "404 chunked: head 54 B + 5-byte chunk + last chunk (15 B)")?,
            k.c(100, "PA", req3, "POST /slow with Content-Length 4 body (69 B)")?,
            k.s(900, "PA", resp3, "503 Service Unavailable, Content-Length 0 (55 B)")?,
            k.c(910, "A", &[], "ACK")?,
            k2.c(1000, "S", &[], "SYN")?,
            k2.s(1010, "SA", &[], "SYN-ACK")?,
            k2.c(1020, "A", &[], "ACK")?,
            k2.c(1030, "PA", split_a, "\"GET /split HTTP/1.1\\r\\nHo\" (23 B)")?,
            k2.c(1040, "PA", split_b, "\"st: Media.Example.ORG:8080\\r\\n\\r\\n\" (30 B)")?,
            k2.s(1070, "PA", resp4, "200 OK, Content-Length 0 (38 B)")?,
            k2.c(1090, "A", &[], "ACK")?,
        ],
    })
}

const TLS12: u16 = 0x0303;
const TLS10: u16 = 0x0301;

fn tls_versions() -> Result<Case> {
    // TLS 1.3, ClientHello of 1649 bytes over two segments.
    let ch13 = tls_record(
        22,
        TLS10,
        &client_hello(&ClientHelloSpec {
            legacy_version: TLS12,
            random_byte: 0x11,
            ciphers: &[0x0a0a, 0x1301, 0x1302, 0x1303, 0xc02b, 0xc02f],
            sni: Some("www.youtube.com"),
            groups: &[0x2a2a, 0x11ec, 0x001d, 0x0017],
            sig_algs: &[
                0x0403, 0x0804, 0x0401, 0x0503, 0x0805, 0x0501, 0x0806, 0x0601,
            ],
            alpn: &["h2", "http/1.1"],
            versions: &[0x3a3a, 0x0304, 0x0303],
            key_shares: &[(0x11ec, 1216), (0x001d, 32)],
            padding: 200,
        }),
    );
    let ch13a = ch13.get(..1460).unwrap_or_default().to_vec();
    let ch13b = ch13.get(1460..).unwrap_or_default().to_vec();
    let sh13 = tls_record(
        22,
        TLS12,
        &server_hello(TLS12, 0x1301, Some(0x0304), None, Some((0x001d, 32))),
    );
    let ccs = tls_record(20, TLS12, &[1]);
    let mut s_flight13 = sh13.clone();
    s_flight13.extend_from_slice(&ccs);
    s_flight13.extend_from_slice(&tls_record(23, TLS12, &[0xe0; 300]));
    let mut c_fin13 = ccs.clone();
    c_fin13.extend_from_slice(&tls_record(23, TLS12, &[0xc1; 53]));

    // TLS 1.2.
    let ch12 = tls_record(
        22,
        TLS10,
        &client_hello(&ClientHelloSpec {
            legacy_version: TLS12,
            random_byte: 0x22,
            ciphers: &[0xc02b, 0xc02f, 0xc02c, 0xc030],
            sni: Some("api.example.com"),
            groups: &[0x001d, 0x0017],
            sig_algs: &[0x0403, 0x0804, 0x0401],
            alpn: &["h2", "http/1.1"],
            versions: &[],
            key_shares: &[],
            padding: 0,
        }),
    );
    let mut s_hello12 = server_hello(TLS12, 0xc02f, None, Some("http/1.1"), None);
    s_hello12.extend_from_slice(&handshake(11, &[0x30; 200]));
    s_hello12.extend_from_slice(&handshake(14, &[]));
    let s_flight12 = tls_record(22, TLS12, &s_hello12);
    let mut c_fin12 = tls_record(22, TLS12, &handshake(16, &[0x20; 33]));
    c_fin12.extend_from_slice(&ccs);
    c_fin12.extend_from_slice(&tls_record(22, TLS12, &[0xf1; 40]));
    let mut s_fin12 = ccs.clone();
    s_fin12.extend_from_slice(&tls_record(22, TLS12, &[0xf2; 40]));
    let c_app12 = tls_record(23, TLS12, &[0xa1; 100]);

    // TLS 1.3 without SNI and without ALPN.
    let ch_nosni = tls_record(
        22,
        TLS10,
        &client_hello(&ClientHelloSpec {
            legacy_version: TLS12,
            random_byte: 0x33,
            ciphers: &[0x1301, 0x1302],
            sni: None,
            groups: &[0x001d],
            sig_algs: &[0x0403, 0x0804],
            alpn: &[],
            versions: &[0x0304],
            key_shares: &[(0x001d, 32)],
            padding: 0,
        }),
    );

    let mut a = Conn::new((CL, 40443), (SV, 443), 1000, 5000);
    let mut b = Conn::new((CL, 40444), (SV, 443), 20000, 30000);
    let mut c = Conn::new((CL, 40445), (SV, 443), 40000, 50000);
    Ok(Case {
        name: "tls_versions",
        what: "TLS over TCP port 443. Connection A (client port 40443): TLS 1.3 ClientHello (SNI
www.youtube.com, ALPN h2 + http/1.1, supported_versions with a GREASE value, an X25519MLKEM768 +
X25519 key_share and padding: 1649 bytes, over two TCP segments); ServerHello with
supported_versions 0x0304 + CCS + an encrypted record; then the client's CCS + ApplicationData
(its Finished). Connection B (port 40444): TLS 1.2 (no supported_versions; ServerHello with ALPN
http/1.1, Certificate and ServerHelloDone in one record; client ClientKeyExchange + CCS + encrypted
Finished (type 22), server CCS + Finished, then client ApplicationData). Connection C (port 40445):
TLS 1.3 ClientHello without SNI and without ALPN; ServerHello; no client ApplicationData.",
        calc: CALC_TLS,
        format: ETHERNET,
        packets: vec![
            a.c(0, "S", &[], "SYN")?,
            a.s(20, "SA", &[], "SYN-ACK")?,
            a.c(40, "A", &[], "ACK")?,
            a.c(41, "A", &ch13a, "ClientHello TLS 1.3 (record of 1649 B), bytes 0..1460")?,
            a.c(42, "PA", &ch13b, "ClientHello bytes 1460..1649")?,
            a.s(70, "PA", &s_flight13, "ServerHello (record 127 B, supported_versions 0x0304) + CCS (6) + ApplicationData (305)")?,
            a.c(90, "PA", &c_fin13, "CCS (6) + ApplicationData (58, client Finished)")?,
            a.s(100, "A", &[], "ACK")?,
            b.c(1000, "S", &[], "SYN")?,
            b.s(1020, "SA", &[], "SYN-ACK")?,
            b.c(1040, "A", &[], "ACK")?,
            b.c(1041, "PA", &ch12, "ClientHello TLS 1.2 (record 154 B, SNI api.example.com)")?,
            b.s(1070, "PA", &s_flight12, "one handshake record (304 B): ServerHello (ALPN http/1.1) + Certificate + ServerHelloDone")?,
            b.c(1090, "PA", &c_fin12, "ClientKeyExchange (42) + CCS (6) + encrypted Finished as type 22 (45)")?,
            b.s(1110, "PA", &s_fin12, "CCS (6) + encrypted Finished type 22 (45)")?,
            b.c(1120, "PA", &c_app12, "ApplicationData (105)")?,
            b.s(1130, "A", &[], "ACK")?,
            c.c(2000, "S", &[], "SYN")?,
            c.s(2020, "SA", &[], "SYN-ACK")?,
            c.c(2040, "A", &[], "ACK")?,
            c.c(2041, "PA", &ch_nosni, "ClientHello TLS 1.3 without SNI / ALPN (record 153 B)")?,
            c.s(2070, "PA", &s_flight13, "ServerHello + CCS + ApplicationData (438 B, as in A)")?,
            c.c(2080, "A", &[], "ACK")?,
        ],
    })
}

fn quic_initial() -> Result<Case> {
    let c1 = (CL, 51001);
    let c2 = (CL, 51002);
    let s = (SV, 443);
    // Client 1-RTT packet: short header (0x43: fixed bit, 4-byte packet number), DCID = the
    // server's SCID f067a5502a4262b5 from its Initial, then 4 + 30 opaque bytes.
    let mut short = vec![0x43];
    short.extend_from_slice(&hex("f067a5502a4262b5")?);
    short.extend_from_slice(&[0x9e; 34]);
    Ok(Case {
        name: "quic_initial",
        what: "QUIC on UDP 443 from the RFC test vectors: flow 1 (client port 51001) QUIC v1, the
protected client Initial of RFC 9001 Appendix A.2 (ClientHello: SNI example.com, ALPN \"alpn\")
and the server Initial of Appendix A.3 (ServerHello, supported_versions 0x0304), then a client
short-header (1-RTT) packet; flow 2 (port 51002) the same with the QUIC v2 packets of RFC 9369
Appendix A.2/A.3.",
        calc: CALC_QUIC,
        format: ETHERNET,
        packets: vec![
            udp_pkt(
                0,
                true,
                c1,
                s,
                &hex(quic_vectors::V1_CLIENT_INITIAL)?,
                "QUIC v1 client Initial (RFC 9001 A.2, 1200 B)",
            )?,
            udp_pkt(
                30,
                false,
                s,
                c1,
                &hex(quic_vectors::V1_SERVER_INITIAL)?,
                "QUIC v1 server Initial (RFC 9001 A.3, 135 B)",
            )?,
            udp_pkt(60, true, c1, s, &short, "client short-header packet (43 B)")?,
            udp_pkt(
                1000,
                true,
                c2,
                s,
                &hex(quic_vectors::V2_CLIENT_INITIAL)?,
                "QUIC v2 client Initial (RFC 9369 A.2, 1200 B)",
            )?,
            udp_pkt(
                1025,
                false,
                s,
                c2,
                &hex(quic_vectors::V2_SERVER_INITIAL)?,
                "QUIC v2 server Initial (RFC 9369 A.3, 135 B)",
            )?,
            udp_pkt(
                1050,
                true,
                c2,
                s,
                &short,
                "client short-header packet (43 B)",
            )?,
        ],
    })
}

fn dns_service() -> Result<Case> {
    const CDN: [u8; 4] = [203, 0, 113, 7];
    let d = (CL, 53100);
    let r = (RESOLVER, 53);
    let mut early = Conn::new((CL, 41000), (CDN, 8443), 100, 200);
    let mut late = Conn::new((CL, 41001), (CDN, 8443), 300, 400);
    Ok(Case {
        name: "dns_service",
        what: "The service of a flow that names no host itself comes from an earlier DNS answer for its
server address: rr1---sn-abc.googlevideo.com resolves to 203.0.113.7 (default rule googlevideo.com
→ youtube); a TCP flow to 203.0.113.7:8443 that starts after the answer and carries 16 bytes of
neither HTTP nor TLS each way gets service \"youtube\"; one that started before the answer gets
null.",
        calc: CALC_DNS_SERVICE,
        format: ETHERNET,
        packets: vec![
            early.c(50, "S", &[], "SYN (flow started before the answer)")?,
            early.s(60, "SA", &[], "SYN-ACK")?,
            early.c(70, "A", &[], "ACK")?,
            udp_pkt(100, true, d, r, &dns_msg(0x5e01, Q, GOOGLEVIDEO, A, &[], &[]), "DNS query id 0x5e01 A? rr1---sn-abc.googlevideo.com (46 B)")?,
            udp_pkt(120, false, r, d, &dns_msg(0x5e01, NOERROR, GOOGLEVIDEO, A, &[a_rr(&CDN)], &[]), "DNS response NOERROR, 1 A 203.0.113.7 (62 B)")?,
            late.c(200, "S", &[], "SYN")?,
            late.s(210, "SA", &[], "SYN-ACK")?,
            late.c(220, "A", &[], "ACK")?,
            late.c(230, "PA", &[0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f], "16 opaque bytes")?,
            late.s(250, "PA", &[0xff; 16], "16 opaque bytes")?,
            late.c(260, "A", &[], "ACK")?,
        ],
    })
}

// ---------------------------------------------------------------------------------------------
// Hand calculations (README text).
// ---------------------------------------------------------------------------------------------

const CALC_DNS_OUTCOMES: &str = r#"Conventions: UDP frame = 42 + payload (IP total = 28 + payload). T0 = 1700000000000000. No home-net: the
subscriber of a flow is its client's ip, of a dns record the query sender's ip. DNS ids are written in decimal.

DNS message sizes (header 12 + question name + 4; an A answer with a compressed owner name c00c = 2+2+2+4+2+4 = 16):
- www.example.com 17 B → query 33; response 33 + 2×16 = 65.
- nothere.example.com 21 B → query 37; NXDOMAIN response 37 + SOA RR (owner c014 2 + 10 + rdata: ns1+ptr 6,
  hostmaster+ptr 13, 5×4 = 20 → 39) 51 = 88.
- broken.example.net 20 B → 36 (query and SERVFAIL response alike).
- slow.example.org 18 B → query 34, response 50.  gone.example.com 18 B → response 50.

Flows (all end "eof": the input ends at 7 s, idle timeout 60 s; app "dns", service null; tcp null):
- D1 10.0.0.1:50001 → 10.0.0.53:53: first 1700000000000000, last 1700000000260000; c2s #1,#4,#6 = 3 packets,
  61+65+64 = 190 bytes, payload 33+37+36 = 106; s2c #2,#3,#5,#7 = 4 packets, 93+93+116+64 = 366, payload
  65+65+88+36 = 254; transactions 3; quality [].
- D2 10.0.0.1:50002 → 10.0.0.53:53: first 1700000001000000, last 1700000002030000; c2s 2 packets, 62+62 = 124,
  payload 68; s2c 1 packet, 78, payload 50; transactions 2.
- D3: its first packet is the response #11 from 10.0.0.53:53, so client = 10.0.0.53:53 (UDP: sender of the first
  packet), server = 10.0.0.1:50003; first = last = 1700000007000000; c2s 1 packet, 78 bytes, payload 50; s2c 0;
  quality ["one_direction"]; subscriber "ip:10.0.0.53"; transactions 1.

dns records (transport "udp", qtype "A"):
1. id 0x0101 = 257, ts 1700000000000000, 10.0.0.1:50001 → 10.0.0.53:53, www.example.com, NOERROR, answers 2,
   latency_us = t#2 − t#1 = 12000, answered. The duplicate response #3 is not a new transaction: latency is
   t(FIRST response) − t(query), and its query was seen (it is not "a response with no query seen for it"), so
   it writes no record.
2. id 0x0102 = 258, ts 1700000000100000, nothere.example.com, NXDOMAIN, answers 0 (ANCOUNT; the SOA is in the
   authority section), latency 140 − 100 ms = 40000, answered.
3. id 0x0103 = 259, ts 1700000000200000, broken.example.net, SERVFAIL, answers 0, latency 260 − 200 = 60000, answered.
4. id 0x0201 = 513, ts 1700000001000000, 10.0.0.1:50002, slow.example.org: no response with id 513; its deadline
   1 s + 5 s = 6 s passes at packet #11 (7 s, another flow) → outcome "timeout", rcode/answers/latency null.
5. id 0x0202 = 514, ts 1700000002000000, slow.example.org, NOERROR, answers 1, latency 2030 − 2000 = 30000, answered
   (the retry with a new id is its own transaction).
6. id 0x0301 = 769, ts = the response's time 1700000007000000, client = the query's would-be sender
   10.0.0.1:50003, server 10.0.0.53:53, subscriber "ip:10.0.0.1", gone.example.com, NOERROR, answers 1,
   latency null, outcome "unmatched_response".

Stats: packets 11; bytes 75+107+107+79+130+78+78+76+76+92+92 = 990; decoded 11; malformed 0; ignored 0;
flows_created 3; flow_records 3; start_us 1700000000000000; end_us 1700000007000000; app_transactions {"dns": 6}.
app_errors is not checked here: the duplicate response may be counted under a parser-chosen reason name."#;

const CALC_DNS_TCP: &str = r#"TCP frame = 54 + payload (IP total 40 + payload), no options.
Messages: query = 12 + 17 (tcp.example.com) + 4 = 33, + 2-byte length prefix = 35; two queries = 70 bytes (#4).
Response A = 33 + 16 = 49 (+2 = 51); response AAAA = 33 + (2+2+2+4+2+16 = 28) = 61 (+2 = 63).
#5 carries 51 + 10 = 61 bytes, #6 the remaining 63 − 10 = 53.
Sequence numbers: client ISN 1000 → data 1001..1070, FIN = 1071 (next 1072); server ISN 7000 → #5 7001..7061,
#6 7062..7114, FIN = 7115 (next 7116).

Flow 10.0.0.1:40053 → 10.0.0.53:53, proto tcp, app "dns" (TCP port 53), transactions 2, service null.
- end_reason "fin": both FINs seen (#4 client, #6 server) and the second one is ACKed by #7 (ack 7116).
- first_us 1700000000000000, last_us 1700000000060000.
- c2s #1,#3,#4,#7 = 4 packets, 40+40+110+40 = 230 bytes, payload 70; s2c #2,#5,#6 = 3, 40+101+93 = 234, payload 61+53 = 114;
  retransmits/out_of_order/zero_window 0 both ways.
- outcome "established", syn_retries 0, server_rtt = 5 − 0 = 5000, client_rtt = 10 − 5 = 5000, handshake 10000.
- ttfb = t#5 − t#4 = 40 − 11 = 29000.
- data_rtt: #4 (last byte+FIN 1071) covered by #5 ack 1072 → 29000; #5 (7061) covered first by #7 ack 7116 → 60 − 40
  = 20000; #6 (FIN 7115) by #7 → 5000. count 3, min 5000, mean 54000/3 = 18000, max 29000.
- quality [].

dns records (transport "tcp", client 10.0.0.1:40053, server 10.0.0.53:53, subscriber "ip:10.0.0.1"):
- id 0x0a01 = 2561, ts_us = t#4 = 1700000000011000, qname tcp.example.com, qtype "A", NOERROR, answers 1,
  latency = t#5 − t#4 = 29000, answered.
- id 0x0a02 = 2562, ts_us 1700000000011000 (same packet), qtype "AAAA", NOERROR, answers 1. Its response starts in #5
  (length prefix + 8 header bytes) and ends in #6. Reading of DESIGN §4 used here: the response's time is that of
  the packet carrying its first byte (as for http response_us and tls hello_us), so latency = t#5 − t#4 = 29000.

Stats: packets 7; bytes 54+54+54+124+115+107+54 = 562; decoded 7; flows_created 1; flow_records 1;
start_us 1700000000000000; end_us 1700000000060000; app_transactions {"dns": 2}; app_errors {} (well-formed messages only)."#;

const CALC_HTTP: &str = r#"TCP frame = 54 + payload (IP total 40 + payload). Message sizes (CRLF = 2):
- req1 "GET /a HTTP/1.1" 15+2 + "Host: www.example.com" 21+2 + 2 = 42.
- resp1 head "HTTP/1.1 200 OK" 15+2 + "Content-Length: 100" 19+2 + 2 = 40; + 60 body bytes in #5 (100 B), 40 in #6.
- req2 "GET /missing HTTP/1.1" 21+2 + 23 + 2 = 48.
- resp2 head "HTTP/1.1 404 Not Found" 22+2 + "Transfer-Encoding: chunked" 26+2 + 2 = 54; chunks "5\r\nhello\r\n" 10 +
  "0\r\n\r\n" 5 → 69.
- req3 "POST /slow HTTP/1.1" 19+2 + 23 + "Content-Length: 4" 17+2 + 2 + body 4 = 69.
- resp3 "HTTP/1.1 503 Service Unavailable" 32+2 + "Content-Length: 0" 17+2 + 2 = 55.
- connection 2: "GET /split HTTP/1.1\r\nHo" 23 + "st: Media.Example.ORG:8080\r\n\r\n" 30; response 17 + 19 + 2 = 38.

Flow 1 (10.0.0.1:40080 → 10.0.0.2:80), end "eof" (no FIN), first 1700000000000000, last 1700000000910000:
- c2s #1,#3,#4,#7,#9,#11 = 6 packets, 40+40+82+88+109+40 = 399 bytes, payload 42+48+69 = 159;
  s2c #2,#5,#6,#8,#10 = 5, 40+140+80+109+95 = 464, payload 100+40+69+55 = 264; no retransmits/ooo/zero window.
- server_rtt 10000, client_rtt 10000, handshake 20000; ttfb = t#5 − t#4 = 20000.
- data_rtt (each data segment → first reverse ACK covering its last byte): #4→#5 20000; #5→#7 (60−50) 10000;
  #6→#7 9000; #7→#8 (85−60) 25000; #8→#9 (100−85) 15000; #9→#10 (900−100) 800000; #10→#11 10000.
  count 7, min 9000, max 800000, mean 889000/7 = 127000.
- app "http", transactions 3, service = Host of the first request "www.example.com" (no rule matches → itself).
http records (client 10.0.0.1:40080, server 10.0.0.2:80, subscriber "ip:10.0.0.1", host "www.example.com"):
- GET, ts t#4 1700000000030000, status 200, response_us = t#5 − t#4 = 20000 (the body's second segment does not matter).
- GET, ts t#7 1700000000060000, status 404, response_us = 85 − 60 = 25000 (chunked body skipped).
- POST, ts t#9 1700000000100000, status 503, response_us = 900 − 100 = 800000 (the 4-byte request body is skipped).

Flow 2 (10.0.0.1:40081 → 10.0.0.2:80), "eof", first 1700000001000000, last 1700000001090000:
- c2s #12,#14,#15,#16,#18 = 5 packets, 40+40+63+70+40 = 253, payload 53; s2c #13,#17 = 2, 40+78 = 118, payload 38.
- server_rtt 10000, client_rtt 10000, handshake 20000, ttfb = t#17 − t#15 = 40000.
- data_rtt: #15→#17 40000, #16→#17 30000, #17→#18 (1090−1070) 20000: count 3, min 20000, mean 30000, max 40000.
- app "http", transactions 1, service "media.example.org" (Host lower-cased, ":8080" removed; no rule matches).
http record: GET, ts = t#15 (first byte of the request) 1700000001030000, host "Media.Example.ORG:8080" (as sent),
  status 200, response_us = t#17 − t#15 = 40000.

Stats: packets 18; bytes (54+54+54+96+154+94+102+123+123+109+54 = 1017) + (54+54+54+77+84+92+54 = 469) = 1486;
decoded 18; flows_created 2; flow_records 2; start_us 1700000000000000; end_us 1700000001090000;
app_transactions {"http": 4}; app_errors {}."#;

const CALC_TLS: &str = r#"TCP frame = 54 + payload. Record = 5 + body; handshake message = 4 + body. Extension = 4 + data.

ClientHello A body: version 2 + random 32 + session id 1+32 + ciphers 2+12 (0a0a GREASE, 1301, 1302, 1303, c02b, c02f)
+ compression 2 = 83; extensions: server_name 4+(2+1+2+15) = 24, supported_groups (2a2a GREASE, 11ec, 001d, 0017)
4+2+8 = 14, signature_algorithms (8) 4+2+16 = 22, ALPN (h2, http/1.1) 4+2+3+9 = 18, supported_versions (3a3a
GREASE, 0304, 0303) 4+1+6 = 11, key_share 4+2+(4+1216)+(4+32) = 1262, padding 4+200 = 204 → 1555, + 2 = 1557.
Body 1640, handshake 1644, record 1649 = 1460 (#4) + 189 (#5).
ServerHello (all three TLS 1.3 servers): body 2+32+1+32+2+1 = 70 + ext (supported_versions 4+2, key_share 4+36)
2+46 → 118; record 127. Server flight #6/#22: 127 + CCS 6 + ApplicationData 5+300 = 438. Client #7: CCS 6 +
ApplicationData 5+53 = 64.
ClientHello B: 2+32+33+2+8+2 = 79; ext SNI 24, groups 10, sig 12, ALPN 18 → 64 + 2; body 145, record 154.
Server B #13: one record: ServerHello (70 + ext ALPN http/1.1 4+2+9 = 15, +2 → 87, +4 = 91) + Certificate 204 +
ServerHelloDone 4 = 299 → 304. Client #14: ClientKeyExchange record 5+4+33 = 42 + CCS 6 + Finished 5+40 = 93.
Server #15: 6 + 45 = 51. Client #16: ApplicationData 5+100 = 105.
ClientHello C: 2+32+33+(2+4)+2 = 75; ext groups 6+2, sig 4+2+4, versions 4+1+2, key_share 4+2+36 → 67 + 2; body
144, record 153.

TLS records (client 10.0.0.1, server 10.0.0.2:443, subscriber "ip:10.0.0.1", transport "tcp", quic_version null,
alerts 0):
- A (port 40443): ts t#4 = 1700000000041000; sni "www.youtube.com"; version "TLSv1.3" (ServerHello
  supported_versions 0x0304); alpn "h2" (TLS 1.3: ALPN is in the encrypted extensions, so the client's first offer);
  alpn_offered ["h2","http/1.1"]; hello_us = t#6 − t#4 = 70 − 41 = 29000; handshake_us = t#7 (first client
  ApplicationData after the ServerHello) − t#4 = 49000.
- B (port 40444): ts t#12 = 1700000001041000; sni "api.example.com"; version "TLSv1.2" (no supported_versions:
  legacy 0x0303); alpn "http/1.1" (negotiated, in the ServerHello); offered ["h2","http/1.1"]; hello_us =
  1070 − 1041 = 29000; handshake_us: #14's records are types 22, 20, 22 (no ApplicationData), #16 is type 23 →
  1120 − 1041 = 79000.
- C (port 40445): ts t#21 = 1700000002041000; sni null; version "TLSv1.3"; alpn null; alpn_offered []; hello_us =
  2070 − 2041 = 29000; handshake_us null (no client ApplicationData).
JA4 (FoxIO spec: GREASE ignored; counts include SNI/ALPN; cipher hash over the sorted list; extension hash over the
sorted list without 0000/0010, "_", signature algorithms in order; sha256 truncated to 12 hex digits):
- A: t 13 d 05 07 h2; sha256("1301,1302,1303,c02b,c02f") → e133e205ac38;
  sha256("000a,000d,0015,002b,0033_0403,0804,0401,0503,0805,0501,0806,0601") → 023645677fa1.
- B: t 12 d 04 04 h2; sha256("c02b,c02c,c02f,c030") → dd22d19553a2; sha256("000a,000d_0403,0804,0401") → 9aa5e626777d.
- C: t 13 i 02 04 00; sha256("1301,1302") → 62ed6f6ca7ad; sha256("000a,000d,002b,0033_0403,0804") → e12c865f31a5.

Flows (all "eof", app "tls", transactions 1, tcp outcome "established", no retransmits; server_rtt 20000 and
client_rtt 20000 → handshake 40000; ttfb = server flight − ClientHello = 29000 in each):
- A: first 1700000000000000, last 1700000000100000; c2s #1,#3,#4,#5,#7 = 5, 40+40+1500+229+104 = 1913, payload
  1460+189+64 = 1713; s2c #2,#6,#8 = 3, 40+478+40 = 558, payload 438. data_rtt #4→#6 29000, #5→#6 28000, #6→#7
  20000, #7→#8 10000: count 4, min 10000, mean 87000/4 = 21750, max 29000. service "youtube" (www.youtube.com,
  rule youtube.com).
- B: first 1700000001000000, last 1700000001130000; c2s #9,#11,#12,#14,#16 = 5, 40+40+194+133+145 = 552, payload
  154+93+105 = 352; s2c #10,#13,#15,#17 = 4, 40+344+91+40 = 515, payload 355. data_rtt #12→#13 29000, #13→#14
  20000, #14→#15 20000, #15→#16 10000, #16→#17 10000: count 5, min 10000, mean 89000/5 = 17800, max 29000.
  service "api.example.com".
- C: first 1700000002000000, last 1700000002080000; c2s #18,#20,#21,#23 = 4, 40+40+193+40 = 313, payload 153;
  s2c #19,#22 = 2, 40+478 = 518, payload 438. data_rtt #21→#22 29000, #22→#23 10000: count 2, min 10000, mean
  19500, max 29000. service null (no SNI, no DNS answer for 10.0.0.2).

Stats: packets 23; bytes A 54+54+54+1514+243+492+118+54 = 2583, B 54+54+54+208+358+147+105+159+54 = 1193,
C 54+54+54+207+492+54 = 915 → 4691; decoded 23; flows_created 3; flow_records 3; start_us 1700000000000000;
end_us 1700000002080000; app_transactions {"tls": 3}; app_errors {}."#;

const CALC_QUIC: &str = r#"UDP frame = 42 + payload (IP total 28 + payload): Initial 1200 → 1242 (IP 1228); server Initial 135 →
177 (163); short-header packet 1 + 8 + 34 = 43 → 85 (71).

The client Initial (both versions, same plaintext) decrypts to a CRYPTO frame with the RFC 9001 A.2 ClientHello:
ciphers 1301, 1302; extensions in order 0000 (server_name example.com), ff01, 000a, 0010 (ALPN: one protocol,
"alpn"), 0005, 0033, 002b (supported_versions: 0304), 000d (signature algorithms 0403, 0503, 0603, 0203, 0804,
0805, 0806), 002d, 001c, 0039 (quic_transport_parameters) = 11 extensions. The server Initial (A.3) holds an ACK
and a CRYPTO frame with a ServerHello (cipher 1301, key_share, supported_versions 0304); its keys are the client
DCID 8394c8f03e515708's (the server Initial's own DCID is empty).

tls records (transport "quic", client 10.0.0.1, server 10.0.0.2:443, subscriber "ip:10.0.0.1", sni "example.com",
version "TLSv1.3", alpn "alpn" (TLS 1.3: the client's first offer), alpn_offered ["alpn"], alerts 0):
- v1 (port 51001): ts 1700000000000000; hello_us = t#2 − t#1 = 30000; handshake_us = t#3 (the client's first
  1-RTT packet) − t#1 = 60000; quic_version "v1".
- v2 (port 51002): ts 1700000001000000; hello_us = 1025 − 1000 = 25000; handshake_us = 1050 − 1000 = 50000;
  quic_version "v2".
JA4 (both): q 13 (supported_versions 0304) d 02 11 "an" (first/last character of "alpn");
sha256("1301,1302") → 62ed6f6ca7ad; sha256("0005,000a,000d,001c,002b,002d,0033,0039,ff01_0403,0503,0603,0203,
0804,0805,0806") → 4d634acda6c0 → "q13d0211an_62ed6f6ca7ad_4d634acda6c0".

Flows (udp, "eof", app "quic", transactions 1, service "example.com" (no rule matches), tcp null, quality []):
- v1: first 1700000000000000, last 1700000000060000; c2s #1,#3 = 2 packets, 1228+71 = 1299 bytes, payload 1243;
  s2c 1 packet, 163, payload 135.
- v2: first 1700000001000000, last 1700000001050000; same counts.

Stats: packets 6; bytes 2 × (1242+177+85) = 3008; decoded 6; flows_created 2; flow_records 2;
start_us 1700000000000000; end_us 1700000001050000; app_transactions {"tls": 2}; app_errors {} (every Initial decrypts)."#;

const CALC_DNS_SERVICE: &str = r#"DNS: qname rr1---sn-abc.googlevideo.com = 1+12 + 1+11 + 1+3 + 1 = 30 B → query 12+30+4 = 46 (frame 88, IP
74); response 46 + 16 (A, owner c00c) = 62 (frame 104, IP 90). TCP frames 54 (+16 payload = 70).

dns record: id 0x5e01 = 24065, ts 1700000000100000, client 10.0.0.1:53100, server 10.0.0.53:53, "udp",
qname "rr1---sn-abc.googlevideo.com", qtype "A", NOERROR, answers 1, latency = 120 − 100 = 20000, answered.
The answer names 203.0.113.7 at the response's time 1700000000120000.

Flows (all "eof"):
- early 10.0.0.1:41000 → 203.0.113.7:8443: first 1700000000050000 — before the answer (120 ms) → service null.
  last 1700000000070000; c2s #1,#3 = 2 packets, 80 bytes, payload 0; s2c 1, 40, 0; established, server_rtt
  10000, client_rtt 10000, handshake 20000, ttfb null, data_rtt null; app null, transactions null.
- DNS 10.0.0.1:53100 → 10.0.0.53:53: first 1700000000100000, last 1700000000120000; c2s 1/74/46, s2c 1/90/62;
  app "dns", transactions 1, service null.
- late 10.0.0.1:41001 → 203.0.113.7:8443: first 1700000000200000 (after the answer), last 1700000000260000;
  no SNI/Host (16 opaque bytes each way: not HTTP, not TLS, port 8443 → not parsed, app null, transactions null)
  → service from the answer: rr1---sn-abc.googlevideo.com, default rule googlevideo.com → "youtube".
  c2s #6,#8,#9,#11 = 4 packets, 40+40+56+40 = 176, payload 16; s2c #7,#10 = 2, 96, payload 16; server_rtt 10000,
  client_rtt 10000, handshake 20000, ttfb = 250 − 230 = 20000; data_rtt #9→#10 20000, #10→#11 10000: count 2,
  min 10000, mean 15000, max 20000.

Stats: packets 11; bytes 54×3 + 88 + 104 + 54×3 + 70 + 70 + 54 = 710; decoded 11; flows_created 3; flow_records 3;
start_us 1700000000050000; end_us 1700000000260000; app_transactions {"dns": 1}; app_errors {} (port 8443
is neither 80/8080 nor 443, so the opaque bytes are not counted as http_not_http / tls_not_tls)."#;
