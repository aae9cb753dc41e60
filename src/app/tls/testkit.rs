//! Test helpers: build hello bodies, handshake messages and records from parts (tests only).

/// `opaque x<0..2^8-1>`.
pub fn v8(b: &[u8]) -> Vec<u8> {
    let mut v = vec![b.len() as u8];
    v.extend_from_slice(b);
    v
}

/// `opaque x<0..2^16-1>`.
pub fn v16(b: &[u8]) -> Vec<u8> {
    let mut v = (b.len() as u16).to_be_bytes().to_vec();
    v.extend_from_slice(b);
    v
}

pub fn u16s(list: &[u16]) -> Vec<u8> {
    list.iter().flat_map(|x| x.to_be_bytes()).collect()
}

/// One extension: type + length-prefixed body.
pub fn ext(typ: u16, body: &[u8]) -> Vec<u8> {
    let mut v = typ.to_be_bytes().to_vec();
    v.extend(v16(body));
    v
}

pub fn sni_ext(host: &str) -> Vec<u8> {
    let mut entry = vec![0u8];
    entry.extend(v16(host.as_bytes()));
    ext(0x0000, &v16(&entry))
}

pub fn alpn_ext(names: &[&str]) -> Vec<u8> {
    let list: Vec<u8> = names.iter().flat_map(|n| v8(n.as_bytes())).collect();
    ext(0x0010, &v16(&list))
}

pub fn versions_ext(versions: &[u16]) -> Vec<u8> {
    ext(0x002b, &v8(&u16s(versions)))
}

pub fn sigalgs_ext(algs: &[u16]) -> Vec<u8> {
    ext(0x000d, &v16(&u16s(algs)))
}

/// ClientHello body: version, random 0x11.., session id, suites, null compression, extensions
/// (`None`: no extension block at all).
pub fn client_hello(sid: &[u8], suites: &[u16], exts: Option<&[Vec<u8>]>) -> Vec<u8> {
    let mut b = vec![0x03, 0x03];
    b.extend([0x11; 32]);
    b.extend(v8(sid));
    b.extend(v16(&u16s(suites)));
    b.extend(v8(&[0]));
    if let Some(exts) = exts {
        b.extend(v16(&exts.concat()));
    }
    b
}

/// ServerHello body with random 0x22.., session id of 32 bytes, null compression.
pub fn server_hello(version: u16, suite: u16, exts: Option<&[Vec<u8>]>) -> Vec<u8> {
    let mut b = version.to_be_bytes().to_vec();
    b.extend([0x22; 32]);
    b.extend(v8(&[0x33; 32]));
    b.extend(suite.to_be_bytes());
    b.push(0);
    if let Some(exts) = exts {
        b.extend(v16(&exts.concat()));
    }
    b
}

/// Handshake message: type + 24-bit length + body.
pub fn handshake(typ: u8, body: &[u8]) -> Vec<u8> {
    let n = body.len() as u32;
    let mut v = vec![typ, (n >> 16) as u8, (n >> 8) as u8, n as u8];
    v.extend_from_slice(body);
    v
}

/// Record: content type, version 3.3 (3.1 for `legacy`), 16-bit length, body.
pub fn record(typ: u8, body: &[u8]) -> Vec<u8> {
    let mut v = vec![typ, 0x03, 0x03];
    v.extend(v16(body));
    v
}

/// A typical TLS 1.3 ClientHello body: GREASE cipher + 3 suites, SNI, ALPN h2/http1.1,
/// supported_versions (GREASE, 1.3, 1.2), signature algorithms.
pub fn ch13(host: Option<&str>) -> Vec<u8> {
    let mut exts = vec![ext(0x2a2a, &[])];
    if let Some(h) = host {
        exts.push(sni_ext(h));
    }
    exts.push(alpn_ext(&["h2", "http/1.1"]));
    exts.push(versions_ext(&[0x6a6a, 0x0304, 0x0303]));
    exts.push(sigalgs_ext(&[0x0403, 0x0804]));
    exts.push(ext(0x0033, &[0; 38]));
    client_hello(&[0xaa; 32], &[0x0a0a, 0x1301, 0x1302, 0xc02f], Some(&exts))
}

/// TLS 1.3 ServerHello body: supported_versions 1.3, key_share.
pub fn sh13() -> Vec<u8> {
    server_hello(
        0x0303,
        0x1301,
        Some(&[ext(0x002b, &[0x03, 0x04]), ext(0x0033, &[0; 36])]),
    )
}

/// TLS 1.2 ServerHello body: ALPN http/1.1, renegotiation_info.
pub fn sh12() -> Vec<u8> {
    server_hello(
        0x0303,
        0xc02f,
        Some(&[alpn_ext(&["http/1.1"]), ext(0xff01, &[0])]),
    )
}
