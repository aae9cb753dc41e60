//! Frame builders: etherparse `PacketBuilder` for plain Ethernet/IP/TCP/UDP/ICMP, hand-built
//! bytes for everything it cannot express (tunnels, MPLS, SLL2, fragments, malformed headers).

use std::net::IpAddr;

use anyhow::{anyhow, Result};
use etherparse::{PacketBuilder, PacketBuilderStep, TcpHeader, VlanId};

pub const MAC_C: [u8; 6] = [0x02, 0, 0, 0, 0, 0x01];
pub const MAC_S: [u8; 6] = [0x02, 0, 0, 0, 0, 0x02];

pub const ETH_IPV4: u16 = 0x0800;
pub const ETH_IPV6: u16 = 0x86dd;

/// Deterministic payload filler: `len` bytes of 'a'..'z'.
pub fn filler(len: usize) -> Vec<u8> {
    (0..len).map(|i| b'a' + (i % 26) as u8).collect()
}

/// A TCP segment description. `flags` letters: S (SYN), A (ACK, with `ack`), F (FIN), R (RST),
/// P (PSH).
#[derive(Clone, Copy)]
pub struct Tcp {
    pub sport: u16,
    pub dport: u16,
    pub seq: u32,
    pub ack: u32,
    pub flags: &'static str,
    pub win: u16,
    pub len: usize,
}

fn tcp_step(b: PacketBuilderStep<etherparse::IpHeaders>, t: &Tcp) -> PacketBuilderStep<TcpHeader> {
    let mut s = b.tcp(t.sport, t.dport, t.seq, t.win);
    for c in t.flags.chars() {
        s = match c {
            'S' => s.syn(),
            'A' => s.ack(t.ack),
            'F' => s.fin(),
            'R' => s.rst(),
            'P' => s.psh(),
            _ => s,
        };
    }
    s
}

/// Ethernet + IPv4 + TCP (no options) from `src` MAC side `from_client`.
pub fn eth_tcp4(from_client: bool, src: [u8; 4], dst: [u8; 4], t: Tcp) -> Result<Vec<u8>> {
    let (ms, md) = macs(from_client);
    let b = PacketBuilder::ethernet2(ms, md).ipv4(src, dst, 64);
    let mut out = Vec::new();
    tcp_step(b, &t)
        .write(&mut out, &filler(t.len))
        .map_err(|e| anyhow!("{e:?}"))?;
    Ok(out)
}

/// Ethernet + IPv4 + UDP.
pub fn eth_udp4(
    from_client: bool,
    src: [u8; 4],
    dst: [u8; 4],
    sport: u16,
    dport: u16,
    payload: &[u8],
) -> Result<Vec<u8>> {
    let (ms, md) = macs(from_client);
    let mut out = Vec::new();
    PacketBuilder::ethernet2(ms, md)
        .ipv4(src, dst, 64)
        .udp(sport, dport)
        .write(&mut out, payload)
        .map_err(|e| anyhow!("{e:?}"))?;
    Ok(out)
}

/// Ethernet + IPv6 + UDP.
pub fn eth_udp6(
    from_client: bool,
    src: [u8; 16],
    dst: [u8; 16],
    sport: u16,
    dport: u16,
    payload: &[u8],
) -> Result<Vec<u8>> {
    let (ms, md) = macs(from_client);
    let mut out = Vec::new();
    PacketBuilder::ethernet2(ms, md)
        .ipv6(src, dst, 64)
        .udp(sport, dport)
        .write(&mut out, payload)
        .map_err(|e| anyhow!("{e:?}"))?;
    Ok(out)
}

/// Ethernet + 802.1Q (one id) or 802.1ad+802.1Q (two ids) + IPv4 + UDP.
pub fn eth_vlan_udp4(
    from_client: bool,
    vlans: &[u16],
    src: [u8; 4],
    dst: [u8; 4],
    sport: u16,
    dport: u16,
    payload: &[u8],
) -> Result<Vec<u8>> {
    let (ms, md) = macs(from_client);
    let vid = |v: u16| VlanId::try_new(v).map_err(|e| anyhow!("{e:?}"));
    let b = PacketBuilder::ethernet2(ms, md);
    let step = match vlans {
        [one] => b.single_vlan(vid(*one)?),
        [outer, inner] => b.double_vlan(vid(*outer)?, vid(*inner)?),
        _ => return Err(anyhow!("1 or 2 VLAN ids")),
    };
    let mut out = Vec::new();
    step.ipv4(src, dst, 64)
        .udp(sport, dport)
        .write(&mut out, payload)
        .map_err(|e| anyhow!("{e:?}"))?;
    Ok(out)
}

/// Bare IPv4 + UDP packet (no link layer), e.g. the inner packet of a tunnel or a raw-IP frame.
pub fn ip_udp4(
    src: [u8; 4],
    dst: [u8; 4],
    sport: u16,
    dport: u16,
    payload: &[u8],
) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    PacketBuilder::ipv4(src, dst, 64)
        .udp(sport, dport)
        .write(&mut out, payload)
        .map_err(|e| anyhow!("{e:?}"))?;
    Ok(out)
}

/// Ethernet + IPv4 + ICMP echo request/reply with `data` bytes of echo data.
pub fn eth_icmp4_echo(
    from_client: bool,
    src: [u8; 4],
    dst: [u8; 4],
    reply: bool,
    id: u16,
    seq: u16,
    data: usize,
) -> Result<Vec<u8>> {
    let (ms, md) = macs(from_client);
    let b = PacketBuilder::ethernet2(ms, md).ipv4(src, dst, 64);
    let step = if reply {
        b.icmpv4_echo_reply(id, seq)
    } else {
        b.icmpv4_echo_request(id, seq)
    };
    let mut out = Vec::new();
    step.write(&mut out, &filler(data))
        .map_err(|e| anyhow!("{e:?}"))?;
    Ok(out)
}

/// Ethernet + IPv6 + ICMPv6 echo request/reply.
pub fn eth_icmp6_echo(
    from_client: bool,
    src: [u8; 16],
    dst: [u8; 16],
    reply: bool,
    id: u16,
    seq: u16,
    data: usize,
) -> Result<Vec<u8>> {
    let (ms, md) = macs(from_client);
    let b = PacketBuilder::ethernet2(ms, md).ipv6(src, dst, 64);
    let step = if reply {
        b.icmpv6_echo_reply(id, seq)
    } else {
        b.icmpv6_echo_request(id, seq)
    };
    let mut out = Vec::new();
    step.write(&mut out, &filler(data))
        .map_err(|e| anyhow!("{e:?}"))?;
    Ok(out)
}

/// Ethernet II header + payload.
pub fn eth(from_client: bool, ethertype: u16, payload: &[u8]) -> Vec<u8> {
    let (ms, md) = macs(from_client);
    let mut out = Vec::with_capacity(14 + payload.len());
    out.extend_from_slice(&md);
    out.extend_from_slice(&ms);
    out.extend_from_slice(&ethertype.to_be_bytes());
    out.extend_from_slice(payload);
    out
}

/// Hand-built IPv4 header (IHL 5) + payload. `frag` = flags (bit 13 = MF) | offset in 8-byte
/// units.
pub fn ipv4(src: [u8; 4], dst: [u8; 4], proto: u8, id: u16, frag: u16, payload: &[u8]) -> Vec<u8> {
    let total = 20 + payload.len();
    let mut h = vec![0x45, 0];
    h.extend_from_slice(&(total as u16).to_be_bytes());
    h.extend_from_slice(&id.to_be_bytes());
    h.extend_from_slice(&frag.to_be_bytes());
    h.push(64);
    h.push(proto);
    h.extend_from_slice(&[0, 0]);
    h.extend_from_slice(&src);
    h.extend_from_slice(&dst);
    let c = checksum(&h, 0);
    h[10..12].copy_from_slice(&c.to_be_bytes());
    h.extend_from_slice(payload);
    h
}

/// Hand-built IPv6 header + payload (`next` = next header of the fixed header).
pub fn ipv6(src: [u8; 16], dst: [u8; 16], next: u8, payload: &[u8]) -> Vec<u8> {
    let mut h = vec![0x60, 0, 0, 0];
    h.extend_from_slice(&(payload.len() as u16).to_be_bytes());
    h.push(next);
    h.push(64);
    h.extend_from_slice(&src);
    h.extend_from_slice(&dst);
    h.extend_from_slice(payload);
    h
}

/// A UDP header + payload with a correct checksum for the given addresses.
pub fn udp(src: IpAddr, dst: IpAddr, sport: u16, dport: u16, payload: &[u8]) -> Vec<u8> {
    let len = (8 + payload.len()) as u16;
    let mut u = Vec::new();
    u.extend_from_slice(&sport.to_be_bytes());
    u.extend_from_slice(&dport.to_be_bytes());
    u.extend_from_slice(&len.to_be_bytes());
    u.extend_from_slice(&[0, 0]);
    u.extend_from_slice(payload);
    let mut pseudo = Vec::new();
    match (src, dst) {
        (IpAddr::V4(s), IpAddr::V4(d)) => {
            pseudo.extend_from_slice(&s.octets());
            pseudo.extend_from_slice(&d.octets());
            pseudo.extend_from_slice(&[0, 17]);
            pseudo.extend_from_slice(&len.to_be_bytes());
        }
        _ => {
            let o = |a: IpAddr| match a {
                IpAddr::V4(v) => v.to_ipv6_mapped().octets(),
                IpAddr::V6(v) => v.octets(),
            };
            pseudo.extend_from_slice(&o(src));
            pseudo.extend_from_slice(&o(dst));
            pseudo.extend_from_slice(&u32::from(len).to_be_bytes());
            pseudo.extend_from_slice(&[0, 0, 0, 17]);
        }
    }
    let sum = sum16(&pseudo);
    let mut c = checksum(&u, sum);
    if c == 0 {
        c = 0xffff;
    }
    u[6..8].copy_from_slice(&c.to_be_bytes());
    u
}

fn sum16(data: &[u8]) -> u32 {
    let mut sum = 0u32;
    for ch in data.chunks(2) {
        let w = match ch {
            [a, b] => u16::from_be_bytes([*a, *b]),
            [a] => u16::from_be_bytes([*a, 0]),
            _ => 0,
        };
        sum += u32::from(w);
    }
    sum
}

/// Internet checksum of `data` with an initial partial sum.
pub fn checksum(data: &[u8], initial: u32) -> u16 {
    let mut sum = initial + sum16(data);
    while sum > 0xffff {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    !(sum as u16)
}

/// A DNS query for `example.com` (type A = 1 or AAAA = 28): 29 bytes.
pub fn dns_query(id: u16, qtype: u16) -> Vec<u8> {
    let mut m = Vec::new();
    m.extend_from_slice(&id.to_be_bytes());
    m.extend_from_slice(&[0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0]);
    m.extend_from_slice(b"\x07example\x03com\x00");
    m.extend_from_slice(&qtype.to_be_bytes());
    m.extend_from_slice(&[0, 1]);
    m
}

/// A NOERROR response with one answer: 45 bytes for A, 57 bytes for AAAA.
pub fn dns_response(id: u16, qtype: u16) -> Vec<u8> {
    let mut m = Vec::new();
    m.extend_from_slice(&id.to_be_bytes());
    m.extend_from_slice(&[0x81, 0x80, 0, 1, 0, 1, 0, 0, 0, 0]);
    m.extend_from_slice(b"\x07example\x03com\x00");
    m.extend_from_slice(&qtype.to_be_bytes());
    m.extend_from_slice(&[0, 1]);
    m.extend_from_slice(&[0xc0, 0x0c]);
    m.extend_from_slice(&qtype.to_be_bytes());
    m.extend_from_slice(&[0, 1, 0, 0, 0x0e, 0x10]);
    if qtype == 28 {
        m.extend_from_slice(&16u16.to_be_bytes());
        m.extend_from_slice(&[
            0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01,
        ]);
    } else {
        m.extend_from_slice(&4u16.to_be_bytes());
        m.extend_from_slice(&[93, 184, 215, 14]);
    }
    m
}

fn macs(from_client: bool) -> ([u8; 6], [u8; 6]) {
    if from_client {
        (MAC_C, MAC_S)
    } else {
        (MAC_S, MAC_C)
    }
}

// ---------------------------------------------------------------------------------------------
// Application payloads (issue 3 fixtures): every field is a literal argument; nothing here
// knows what the probe makes of it.
// ---------------------------------------------------------------------------------------------

/// Ethernet + IPv4 + TCP (no options) carrying exactly `payload` (`t.len` is ignored).
pub fn eth_tcp4_data(
    from_client: bool,
    src: [u8; 4],
    dst: [u8; 4],
    t: Tcp,
    payload: &[u8],
) -> Result<Vec<u8>> {
    let (ms, md) = macs(from_client);
    let b = PacketBuilder::ethernet2(ms, md).ipv4(src, dst, 64);
    let mut out = Vec::new();
    tcp_step(b, &t)
        .write(&mut out, payload)
        .map_err(|e| anyhow!("{e:?}"))?;
    Ok(out)
}

/// A DNS resource record: `name` as wire bytes (labels or a compression pointer such as
/// `b"\xc0\x0c"`), class IN.
pub struct Rr<'a> {
    pub name: &'a [u8],
    pub rtype: u16,
    pub ttl: u32,
    pub rdata: &'a [u8],
}

/// A DNS message with one question (`qname` as wire labels, class IN), then the answer and
/// authority records. `flags`: e.g. 0x0100 query with RD; 0x8180 NOERROR response;
/// 0x8183 NXDOMAIN; 0x8182 SERVFAIL.
pub fn dns_msg(
    id: u16,
    flags: u16,
    qname: &[u8],
    qtype: u16,
    answers: &[Rr<'_>],
    authority: &[Rr<'_>],
) -> Vec<u8> {
    let mut m = Vec::new();
    m.extend_from_slice(&id.to_be_bytes());
    m.extend_from_slice(&flags.to_be_bytes());
    m.extend_from_slice(&1u16.to_be_bytes());
    m.extend_from_slice(&(answers.len() as u16).to_be_bytes());
    m.extend_from_slice(&(authority.len() as u16).to_be_bytes());
    m.extend_from_slice(&0u16.to_be_bytes());
    m.extend_from_slice(qname);
    m.extend_from_slice(&qtype.to_be_bytes());
    m.extend_from_slice(&1u16.to_be_bytes());
    for rr in answers.iter().chain(authority) {
        m.extend_from_slice(rr.name);
        m.extend_from_slice(&rr.rtype.to_be_bytes());
        m.extend_from_slice(&1u16.to_be_bytes());
        m.extend_from_slice(&rr.ttl.to_be_bytes());
        m.extend_from_slice(&(rr.rdata.len() as u16).to_be_bytes());
        m.extend_from_slice(rr.rdata);
    }
    m
}

/// A DNS message with its 2-byte TCP length prefix (RFC 1035 §4.2.2).
pub fn dns_tcp(msg: &[u8]) -> Vec<u8> {
    let mut m = (msg.len() as u16).to_be_bytes().to_vec();
    m.extend_from_slice(msg);
    m
}

/// A TLS record: content type, legacy record version, body.
pub fn tls_record(ctype: u8, version: u16, body: &[u8]) -> Vec<u8> {
    let mut r = vec![ctype];
    r.extend_from_slice(&version.to_be_bytes());
    r.extend_from_slice(&(body.len() as u16).to_be_bytes());
    r.extend_from_slice(body);
    r
}

/// A handshake message: type, 3-byte length, body.
pub fn handshake(msg_type: u8, body: &[u8]) -> Vec<u8> {
    let n = body.len() as u32;
    let mut h = vec![msg_type, (n >> 16) as u8, (n >> 8) as u8, n as u8];
    h.extend_from_slice(body);
    h
}

/// One TLS extension: type, 2-byte length, data.
fn ext(out: &mut Vec<u8>, ty: u16, data: &[u8]) {
    out.extend_from_slice(&ty.to_be_bytes());
    out.extend_from_slice(&(data.len() as u16).to_be_bytes());
    out.extend_from_slice(data);
}

fn u16_list(vals: &[u16]) -> Vec<u8> {
    vals.iter().flat_map(|v| v.to_be_bytes()).collect()
}

fn with_len16(body: &[u8]) -> Vec<u8> {
    let mut v = (body.len() as u16).to_be_bytes().to_vec();
    v.extend_from_slice(body);
    v
}

/// The fields of a hand-built ClientHello. Extensions are written in this order, each only
/// when given: server_name (0), supported_groups (10), signature_algorithms (13), ALPN (16),
/// supported_versions (43), key_share (51), padding (21).
pub struct ClientHelloSpec<'a> {
    pub legacy_version: u16,
    /// Fill byte of the 32-byte random and of the 32-byte legacy session id.
    pub random_byte: u8,
    pub ciphers: &'a [u16],
    pub sni: Option<&'a str>,
    pub groups: &'a [u16],
    pub sig_algs: &'a [u16],
    pub alpn: &'a [&'a str],
    /// Empty: no supported_versions extension.
    pub versions: &'a [u16],
    /// Key shares as (group, key length); each key is `key length` bytes of 0x5a. Empty: no
    /// key_share extension.
    pub key_shares: &'a [(u16, usize)],
    /// Length of a padding extension (21) of zero bytes written last; 0: none.
    pub padding: usize,
}

/// ClientHello handshake message (type 1, with its 4-byte header).
pub fn client_hello(s: &ClientHelloSpec<'_>) -> Vec<u8> {
    let mut b = Vec::new();
    b.extend_from_slice(&s.legacy_version.to_be_bytes());
    b.extend_from_slice(&[s.random_byte; 32]);
    b.push(32);
    b.extend_from_slice(&[s.random_byte; 32]);
    b.extend_from_slice(&with_len16(&u16_list(s.ciphers)));
    b.extend_from_slice(&[1, 0]); // compression: null only
    let mut e = Vec::new();
    if let Some(host) = s.sni {
        let mut entry = vec![0u8];
        entry.extend_from_slice(&with_len16(host.as_bytes()));
        ext(&mut e, 0x0000, &with_len16(&entry));
    }
    if !s.groups.is_empty() {
        ext(&mut e, 0x000a, &with_len16(&u16_list(s.groups)));
    }
    if !s.sig_algs.is_empty() {
        ext(&mut e, 0x000d, &with_len16(&u16_list(s.sig_algs)));
    }
    if !s.alpn.is_empty() {
        let mut list = Vec::new();
        for p in s.alpn {
            list.push(p.len() as u8);
            list.extend_from_slice(p.as_bytes());
        }
        ext(&mut e, 0x0010, &with_len16(&list));
    }
    if !s.versions.is_empty() {
        let list = u16_list(s.versions);
        let mut d = vec![list.len() as u8];
        d.extend_from_slice(&list);
        ext(&mut e, 0x002b, &d);
    }
    if !s.key_shares.is_empty() {
        let mut entries = Vec::new();
        for &(group, len) in s.key_shares {
            entries.extend_from_slice(&group.to_be_bytes());
            entries.extend_from_slice(&with_len16(&vec![0x5a; len]));
        }
        ext(&mut e, 0x0033, &with_len16(&entries));
    }
    if s.padding > 0 {
        ext(&mut e, 0x0015, &vec![0; s.padding]);
    }
    b.extend_from_slice(&with_len16(&e));
    handshake(1, &b)
}

/// ServerHello handshake message (type 2): legacy version, cipher, optional
/// supported_versions (selected version), ALPN (one protocol) and key_share (group, length).
pub fn server_hello(
    legacy_version: u16,
    cipher: u16,
    selected_version: Option<u16>,
    alpn: Option<&str>,
    key_share: Option<(u16, usize)>,
) -> Vec<u8> {
    let mut b = Vec::new();
    b.extend_from_slice(&legacy_version.to_be_bytes());
    b.extend_from_slice(&[0x77; 32]);
    b.push(32);
    b.extend_from_slice(&[0x66; 32]);
    b.extend_from_slice(&cipher.to_be_bytes());
    b.push(0);
    let mut e = Vec::new();
    if let Some(p) = alpn {
        let mut list = vec![p.len() as u8];
        list.extend_from_slice(p.as_bytes());
        ext(&mut e, 0x0010, &with_len16(&list));
    }
    if let Some(v) = selected_version {
        ext(&mut e, 0x002b, &v.to_be_bytes());
    }
    if let Some((group, len)) = key_share {
        let mut entry = group.to_be_bytes().to_vec();
        entry.extend_from_slice(&with_len16(&vec![0x3c; len]));
        ext(&mut e, 0x0033, &entry);
    }
    b.extend_from_slice(&with_len16(&e));
    handshake(2, &b)
}

/// Decode a hex string (whitespace ignored), e.g. an RFC test vector.
pub fn hex(s: &str) -> Result<Vec<u8>> {
    let digits: Vec<u8> = s.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
    if digits.len() % 2 != 0 {
        return Err(anyhow!("odd number of hex digits"));
    }
    digits
        .chunks(2)
        .map(|p| {
            let h = std::str::from_utf8(p).map_err(|e| anyhow!("{e}"))?;
            u8::from_str_radix(h, 16).map_err(|e| anyhow!("{e}"))
        })
        .collect()
}
