use super::*;
use crate::app::tls::testkit::*;
use proptest::prelude::*;

/// A TLS 1.2 ClientHello body written out byte by byte: empty session id, 2 suites, null
/// compression, SNI "a.io", ALPN "h2".
const CH12_LITERAL: &[u8] = &[
    0x03, 0x03, // legacy_version
    1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26,
    27, 28, 29, 30, 31, 32,   // random
    0x00, // session id
    0x00, 0x04, 0xc0, 0x2f, 0x00, 0x9c, // cipher suites
    0x01, 0x00, // compression: null
    0x00, 0x16, // extensions: 22 bytes
    0x00, 0x00, 0x00, 0x09, // server_name, 9 bytes
    0x00, 0x07, 0x00, 0x00, 0x04, b'a', b'.', b'i', b'o', // list 7: host_name "a.io"
    0x00, 0x10, 0x00, 0x05, // ALPN, 5 bytes
    0x00, 0x03, 0x02, b'h', b'2', // list 3: "h2"
];

#[test]
fn client_hello_literal() {
    let ch = parse_client_hello(CH12_LITERAL, false).unwrap();
    assert_eq!(ch.legacy_version, 0x0303);
    assert_eq!(ch.session_id_len, 0);
    assert_eq!(ch.cipher_suites, vec![0xc02f, 0x009c]);
    assert_eq!(ch.extensions, vec![0x0000, 0x0010]);
    assert_eq!(ch.sni.as_deref(), Some("a.io"));
    assert_eq!(ch.alpn, vec!["h2".to_owned()]);
    assert!(ch.supported_versions.is_empty());
    assert!(ch.signature_algorithms.is_empty());
    // Extension list without SNI and ALPN is empty: c = zeros; cipher hash of "009c,c02f".
    let ja4 = ch.ja4.unwrap();
    assert_eq!(ja4, "t12d0202h2_08dfa304a768_000000000000");
}

#[test]
fn client_hello_tls13_fields() {
    let ch = parse_client_hello(&ch13(Some("example.com")), true).unwrap();
    assert_eq!(ch.legacy_version, 0x0303);
    assert_eq!(ch.session_id_len, 32);
    assert_eq!(ch.cipher_suites, vec![0x0a0a, 0x1301, 0x1302, 0xc02f]);
    assert_eq!(
        ch.extensions,
        vec![0x2a2a, 0x0000, 0x0010, 0x002b, 0x000d, 0x0033]
    );
    assert_eq!(ch.sni.as_deref(), Some("example.com"));
    assert_eq!(ch.alpn, vec!["h2".to_owned(), "http/1.1".to_owned()]);
    assert_eq!(ch.supported_versions, vec![0x0304, 0x0303]);
    assert_eq!(ch.signature_algorithms, vec![0x0403, 0x0804]);
    let ja4 = ch.ja4.unwrap();
    assert!(ja4.starts_with("q13d0305h2_"), "{ja4}");
    assert_eq!(ja4.len(), 36);

    let no_sni = parse_client_hello(&ch13(None), false).unwrap();
    assert_eq!(no_sni.sni, None);
    assert!(no_sni.ja4.unwrap().starts_with("t13i0304h2_"));
}

/// The JA4 spec's example as a real ClientHello: the full fingerprint must match.
#[test]
fn client_hello_ja4_spec_vector() {
    let sig = [
        0x0403, 0x0804, 0x0401, 0x0503, 0x0805, 0x0501, 0x0806, 0x0601,
    ];
    let exts: Vec<Vec<u8>> = [
        0x001b, 0x0000, 0x0033, 0x0010, 0x4469, 0x0017, 0x002d, 0x000d, 0x0005, 0x0023, 0x0012,
        0x002b, 0xff01, 0x000b, 0x000a, 0x0015,
    ]
    .iter()
    .map(|&t| match t {
        0x0000 => sni_ext("example.org"),
        0x0010 => alpn_ext(&["h2", "http/1.1"]),
        0x000d => sigalgs_ext(&sig),
        0x002b => versions_ext(&[0xdada, 0x0304, 0x0303]),
        t => ext(t, &[]),
    })
    .collect();
    let suites = [
        0x1a1a, 0x1301, 0x1302, 0x1303, 0xc02b, 0xc02f, 0xc02c, 0xc030, 0xcca9, 0xcca8, 0xc013,
        0xc014, 0x009c, 0x009d, 0x002f, 0x0035,
    ];
    let mut with_grease = vec![ext(0x0a0a, &[])];
    with_grease.extend(exts);
    with_grease.push(ext(0xfafa, &[0]));
    let ch = parse_client_hello(&client_hello(&[], &suites, Some(&with_grease)), false).unwrap();
    assert_eq!(
        ch.ja4.as_deref(),
        Some("t13d1516h2_8daaf6152771_e5627efa2ab1")
    );
}

#[test]
fn client_hello_without_extensions_and_odd_names() {
    let ch = parse_client_hello(&client_hello(&[], &[0x002f], None), false).unwrap();
    assert!(ch.extensions.is_empty());
    assert_eq!(
        ch.ja4.as_deref(),
        Some("t12i010000_ba72b8082249_000000000000")
    );
    // SNI list with a non-host_name entry first, then a host name with odd bytes.
    let mut list = vec![7u8];
    list.extend(v16(b"xx"));
    list.push(0);
    list.extend(v16(b"a\\b\x01"));
    let ch = parse_client_hello(
        &client_hello(&[], &[0x002f], Some(&[ext(0, &v16(&list))])),
        false,
    )
    .unwrap();
    assert_eq!(ch.sni.as_deref(), Some("a\\x5cb\\x01"));
    // SNI list with no host_name: extension present (JA4 `d`) but no name.
    let mut list = vec![7u8];
    list.extend(v16(b"xx"));
    let ch = parse_client_hello(
        &client_hello(&[], &[0x002f], Some(&[ext(0, &v16(&list))])),
        false,
    )
    .unwrap();
    assert_eq!(ch.sni, None);
    assert!(ch.ja4.unwrap().starts_with("t12d"));
}

#[test]
fn alpn_kept_is_capped() {
    let names: Vec<String> = (0..40).map(|n| format!("p{n}")).collect();
    let refs: Vec<&str> = names.iter().map(String::as_str).collect();
    let ch = parse_client_hello(
        &client_hello(&[], &[0x002f], Some(&[alpn_ext(&refs)])),
        false,
    )
    .unwrap();
    assert_eq!(ch.alpn.len(), MAX_ALPN_KEPT);
    assert_eq!(ch.alpn[15], "p15");
}

#[test]
fn server_hellos() {
    let sh = parse_server_hello(&sh13()).unwrap();
    assert_eq!(
        sh,
        ServerHello {
            legacy_version: 0x0303,
            cipher_suite: 0x1301,
            selected_version: Some(0x0304),
            alpn: None,
            hello_retry_request: false,
        }
    );
    let sh = parse_server_hello(&sh12()).unwrap();
    assert_eq!(sh.selected_version, None);
    assert_eq!(sh.alpn.as_deref(), Some("http/1.1"));
    assert_eq!(sh.cipher_suite, 0xc02f);
    // No extension block at all (TLS 1.0 style).
    let sh = parse_server_hello(&server_hello(0x0301, 0x002f, None)).unwrap();
    assert_eq!(sh.legacy_version, 0x0301);
    assert_eq!((sh.selected_version, sh.alpn), (None, None));
    // HelloRetryRequest.
    let mut hrr = sh13();
    hrr[2..34].copy_from_slice(&HRR_RANDOM);
    assert!(parse_server_hello(&hrr).unwrap().hello_retry_request);
}

#[test]
fn handshake_header_fields() {
    assert_eq!(
        handshake_header(&[1, 0, 1, 2, 9]),
        Some((HandshakeType::CLIENT_HELLO, 258))
    );
    assert_eq!(
        handshake_header(&[2, 1, 0, 0]),
        Some((HandshakeType::SERVER_HELLO, 65536))
    );
    assert_eq!(handshake_header(&[2, 1, 0]), None);
    assert!(is_grease(0x0a0a) && is_grease(0xfafa) && is_grease(0x7a7a));
    assert!(!is_grease(0x0a1a) && !is_grease(0x0304) && !is_grease(0x0b0b));
}

#[test]
fn malformed_client_hellos() {
    let e = |body: &[u8]| parse_client_hello(body, false).unwrap_err();
    // Odd cipher-suite length.
    let mut b = vec![0x03, 0x03];
    b.extend([0; 32]);
    b.extend([0, 0, 3, 0x13, 0x01, 0x13, 1, 0]);
    assert_eq!(e(&b), HelloError::MALFORMED);
    // Session id of 33 bytes.
    assert_eq!(
        e(&client_hello(&[0; 33], &[0x1301], None)),
        HelloError::MALFORMED
    );
    // No compression method.
    let mut b = client_hello(&[], &[0x1301], None);
    let last = b.len() - 2;
    b.truncate(last);
    b.push(0);
    assert_eq!(e(&b), HelloError::MALFORMED);
    // Bytes after the extension block.
    let mut b = ch13(Some("x"));
    b.push(0);
    assert_eq!(e(&b), HelloError::TRAILING_BYTES);
    // A lone byte where the extension block length should be.
    let mut b = client_hello(&[], &[0x1301], None);
    b.push(0);
    assert_eq!(e(&b), HelloError::TRUNCATED);
    // Extension length past the block.
    let mut b = client_hello(&[], &[0x1301], None);
    b.extend([0, 4, 0, 0x17, 0, 1]);
    assert_eq!(e(&b), HelloError::TRUNCATED);
    // Extension block length past the message.
    let mut b = client_hello(&[], &[0x1301], None);
    b.extend([0, 9, 0, 0x17, 0, 0]);
    assert_eq!(e(&b), HelloError::TRUNCATED);
    // Broken extensions this parser reads.
    let bad_exts: [Vec<u8>; 9] = [
        ext(0x0000, &[]),                    // SNI: no list
        ext(0x0000, &[0, 0]),                // SNI: empty list
        ext(0x0000, &[0, 3, 0, 0, 0]),       // SNI: empty host name
        ext(0x0000, &[0, 4, 0, 0, 5, b'a']), // SNI: name past list
        ext(0x0010, &[0, 0]),                // ALPN: empty list
        ext(0x0010, &[0, 3, 5, b'h', b'2']), // ALPN: name past list
        ext(0x002b, &[3, 3, 4, 3]),          // versions: odd
        ext(0x002b, &[4, 3, 4, 3, 3, 0]),    // versions: trailing byte
        ext(0x000d, &[0, 3, 4, 3, 8]),       // sigalgs: odd
    ];
    for x in bad_exts {
        let b = client_hello(&[], &[0x1301], Some(std::slice::from_ref(&x)));
        assert_eq!(e(&b), HelloError::EXTENSION, "{x:02x?}");
    }
    // Unknown extensions are skipped by length whatever they hold.
    let b = client_hello(&[], &[0x1301], Some(&[ext(0x1234, &[0xff; 7])]));
    assert!(parse_client_hello(&b, false).is_ok());
}

#[test]
fn malformed_server_hellos() {
    let e = |body: &[u8]| parse_server_hello(body).unwrap_err();
    assert_eq!(
        e(&server_hello(0x0303, 0x1301, Some(&[ext(0x002b, &[3])]))),
        HelloError::EXTENSION
    );
    assert_eq!(
        e(&server_hello(
            0x0303,
            0x1301,
            Some(&[ext(0x002b, &[3, 4, 0])])
        )),
        HelloError::EXTENSION
    );
    assert_eq!(
        e(&server_hello(0x0303, 0x1301, Some(&[ext(0x0010, &[0, 0])]))),
        HelloError::EXTENSION
    );
    let mut b = sh12();
    b.push(1);
    assert_eq!(e(&b), HelloError::TRAILING_BYTES);
    let mut b = sh12();
    b[34] = 33; // session id length
    assert_eq!(e(&b), HelloError::MALFORMED);
}

/// Lengths where a prefix of a hello is itself a valid hello: right after the compression
/// method(s), where the extension block is optional.
fn fixed_part_len(body: &[u8], client: bool) -> usize {
    let sid = usize::from(body[34]);
    if client {
        let at = 35 + sid;
        let suites = usize::from(u16::from_be_bytes([body[at], body[at + 1]]));
        let comp = usize::from(body[at + 2 + suites]);
        at + 2 + suites + 1 + comp
    } else {
        35 + sid + 3
    }
}

proptest! {
    /// Every truncation of a valid hello is an error, except where the extension block may be
    /// absent; never a panic.
    #[test]
    fn truncations(which in 0usize..4) {
        let body = match which {
            0 => ch13(Some("example.com")),
            1 => CH12_LITERAL.to_vec(),
            2 => sh13(),
            _ => sh12(),
        };
        let client = which < 2;
        let fixed = fixed_part_len(&body, client);
        for n in 0..body.len() {
            let r = if client {
                parse_client_hello(&body[..n], false).map(|_| ())
            } else {
                parse_server_hello(&body[..n]).map(|_| ())
            };
            if n == fixed {
                prop_assert!(r.is_ok(), "len {}", n);
            } else {
                prop_assert!(r.is_err(), "len {}", n);
            }
        }
    }

    /// Arbitrary bytes, and valid hellos with one byte changed, never panic.
    #[test]
    fn random_bytes(data in proptest::collection::vec(any::<u8>(), 0..300), quic: bool) {
        let _ = parse_client_hello(&data, quic);
        let _ = parse_server_hello(&data);
    }

    #[test]
    fn mutated(pos in 0usize..200, val: u8) {
        for mut body in [ch13(Some("example.com")), sh13(), sh12()] {
            let i = pos % body.len();
            body[i] = val;
            let _ = parse_client_hello(&body, false);
            let _ = parse_server_hello(&body);
        }
    }
}
