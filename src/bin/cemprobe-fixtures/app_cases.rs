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
        let used = payload.len() as u32
            + u32::from(flags.contains('S'))
            + u32::from(flags.contains('F'));
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
    let v6: [u8; 16] = [0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x80];
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
    let resp2 = b"HTTP/1.1 404 Not Found\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n";
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
            k2.c(1080, "A", &[], "ACK")?,
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
            sig_algs: &[0x0403, 0x0804, 0x0401, 0x0503, 0x0805, 0x0501, 0x0806, 0x0601],
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
            udp_pkt(0, true, c1, s, &hex(quic_vectors::V1_CLIENT_INITIAL)?, "QUIC v1 client Initial (RFC 9001 A.2, 1200 B)")?,
            udp_pkt(30, false, s, c1, &hex(quic_vectors::V1_SERVER_INITIAL)?, "QUIC v1 server Initial (RFC 9001 A.3, 135 B)")?,
            udp_pkt(60, true, c1, s, &short, "client short-header packet (43 B)")?,
            udp_pkt(1000, true, c2, s, &hex(quic_vectors::V2_CLIENT_INITIAL)?, "QUIC v2 client Initial (RFC 9369 A.2, 1200 B)")?,
            udp_pkt(1025, false, s, c2, &hex(quic_vectors::V2_SERVER_INITIAL)?, "QUIC v2 server Initial (RFC 9369 A.3, 135 B)")?,
            udp_pkt(1050, true, c2, s, &short, "client short-header packet (43 B)")?,
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

const CALC_DNS_OUTCOMES: &str = "TODO";
const CALC_DNS_TCP: &str = "TODO";
const CALC_HTTP: &str = "TODO";
const CALC_TLS: &str = "TODO";
const CALC_QUIC: &str = "TODO";
const CALC_DNS_SERVICE: &str = "TODO";
