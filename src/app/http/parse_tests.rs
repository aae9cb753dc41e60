//! Unit tests of the pure head parsers, from hand-written bytes.

use super::*;
use proptest::prelude::*;

const REQ: &[u8] = b"GET /index.html?q=1 HTTP/1.1\r\nHost: Example.COM:8080\r\nUser-Agent: t/1\r\n\
Accept: */*\r\nConnection: keep-alive\r\n\r\n";

const RESP: &[u8] = b"HTTP/1.1 404 Not Found\r\nContent-Type: text/plain\r\nContent-Length: 9\r\n\
Connection: close\r\n\r\nnot found";

fn done<T: std::fmt::Debug, E: std::fmt::Debug>(p: Parse<T, E>) -> (T, usize) {
    match p {
        Parse::Done { value, consumed } => (value, consumed),
        other => panic!("expected Done, got {other:?}"),
    }
}

#[test]
fn request_every_field() {
    let (head, consumed) = done(parse_request_head(REQ));
    assert_eq!(consumed, REQ.len());
    assert_eq!(head.method, b"GET");
    assert_eq!(head.target, b"/index.html?q=1");
    assert_eq!(head.version, Version::Http11);
    assert_eq!(head.host, Some(&b"Example.COM:8080"[..]));
    assert_eq!(
        head.framing,
        Framing {
            content_length: None,
            transfer_encoding: TransferCoding::None,
            close: false,
            keep_alive: true,
        }
    );
    assert!(head.framing.persistent(Version::Http11));
    assert_eq!(head.body(), Ok(BodyLen::None));
}

#[test]
fn response_every_field() {
    let (head, consumed) = done(parse_response_head(RESP));
    assert_eq!(consumed, RESP.len() - 9);
    assert_eq!(head.version, Version::Http11);
    assert_eq!(head.status, 404);
    assert_eq!(head.reason, b"Not Found");
    assert_eq!(head.framing.content_length, Some(9));
    assert!(head.framing.close && !head.framing.keep_alive);
    assert!(!head.framing.persistent(Version::Http11));
    assert_eq!(
        response_body(head.status, &head.framing, b"GET"),
        BodyLen::Length(9)
    );
    assert_eq!(
        response_body(head.status, &head.framing, b"HEAD"),
        BodyLen::None
    );
}

#[test]
fn lf_only_leading_empty_lines_and_ows() {
    let req = b"\r\n\nPOST /x HTTP/1.0\nhost:\t a.b \nContent-Length: 5, 5\n\nhello";
    let (head, consumed) = done(parse_request_head(req));
    assert_eq!(consumed, req.len() - 5);
    assert_eq!(head.method, b"POST");
    assert_eq!(head.version, Version::Http10);
    assert_eq!(head.host, Some(&b"a.b"[..]));
    assert_eq!(head.body(), Ok(BodyLen::Length(5)));
    assert!(!head.framing.persistent(Version::Http10));
}

#[test]
fn response_without_reason_and_http10() {
    let (head, consumed) = done(parse_response_head(b"HTTP/1.0 200\r\n\r\n"));
    assert_eq!(
        (head.version, head.status, head.reason),
        (Version::Http10, 200, &b""[..])
    );
    assert_eq!(consumed, 16);
    assert_eq!(
        response_body(200, &head.framing, b"GET"),
        BodyLen::UntilClose
    );
    let (head, _) = done(parse_response_head(b"HTTP/1.1 599 \r\n\r\n"));
    assert_eq!((head.status, head.reason), (599, &b""[..]));
}

#[test]
fn transfer_encoding_rules() {
    let (head, _) = done(parse_request_head(
        b"POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\ntransfer-encoding: CHUNKED\r\nContent-Length: 3\r\n\r\n",
    ));
    assert_eq!(head.framing.transfer_encoding, TransferCoding::Chunked);
    assert_eq!(head.framing.content_length, Some(3));
    assert_eq!(
        head.body(),
        Ok(BodyLen::Chunked),
        "chunked overrides length"
    );
    let (head, _) = done(parse_request_head(
        b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked, gzip\r\n\r\n",
    ));
    assert_eq!(head.body(), Err(HttpError::BadTransferEncoding));
    let f = Framing {
        transfer_encoding: TransferCoding::Other,
        content_length: Some(4),
        ..Framing::default()
    };
    assert_eq!(response_body(200, &f, b"GET"), BodyLen::UntilClose);
}

#[test]
fn response_body_rules() {
    let f = Framing {
        content_length: Some(10),
        ..Framing::default()
    };
    assert_eq!(response_body(100, &f, b"GET"), BodyLen::None);
    assert_eq!(response_body(204, &f, b"GET"), BodyLen::None);
    assert_eq!(response_body(304, &f, b"GET"), BodyLen::None);
    assert_eq!(response_body(200, &f, b"HEAD"), BodyLen::None);
    assert_eq!(response_body(101, &f, b"GET"), BodyLen::Tunnel);
    assert_eq!(response_body(200, &f, b"CONNECT"), BodyLen::Tunnel);
    assert_eq!(response_body(407, &f, b"CONNECT"), BodyLen::Length(10));
    assert_eq!(response_body(503, &f, b"GET"), BodyLen::Length(10));
}

#[test]
fn malformed_requests() {
    let cases: &[(&[u8], HttpError)] = &[
        (b"\x16\x03\x01\x02\x00", HttpError::NotHttp),
        (b"SSH-2.0-OpenSSH\r\n", HttpError::NotHttp),
        (b" GET / HTTP/1.1\r\n\r\n", HttpError::NotHttp),
        (b"GET /\r\n", HttpError::BadRequestLine),
        (b"GET\r\n", HttpError::NotHttp),
        (b"GET  / HTTP/1.1\r\n", HttpError::BadRequestLine),
        (b"GET /a\x01 HTTP/1.1\r\n", HttpError::BadRequestLine),
        (b"GET / HTTP/2.0\r\n\r\n", HttpError::BadVersion),
        (b"GET / HTTQ", HttpError::BadVersion),
        (
            b"GET / HTTP/1.1\r\nX: a\r\n folded\r\n\r\n",
            HttpError::ObsFold,
        ),
        (b"GET / HTTP/1.1\r\nX a\r\n\r\n", HttpError::BadHeader),
        (b"GET / HTTP/1.1\r\nX : a\r\n\r\n", HttpError::BadHeader),
        (b"GET / HTTP/1.1\r\n: a\r\n\r\n", HttpError::BadHeader),
        (b"GET / HTTP/1.1\r\nX: a\0b\r\n\r\n", HttpError::BadHeader),
        (b"GET / HTTP/1.1\r\nX: a\rb\r\n\r\n", HttpError::BadHeader),
        (
            b"GET / HTTP/1.1\r\nContent-Length: x\r\n\r\n",
            HttpError::BadContentLength,
        ),
        (
            b"GET / HTTP/1.1\r\nContent-Length: \r\n\r\n",
            HttpError::BadContentLength,
        ),
        (
            b"GET / HTTP/1.1\r\nContent-Length: 1, 2\r\n\r\n",
            HttpError::BadContentLength,
        ),
        (
            b"GET / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
            HttpError::BadContentLength,
        ),
        (
            b"GET / HTTP/1.1\r\nContent-Length: 99999999999999999999\r\n\r\n",
            HttpError::BadContentLength,
        ),
    ];
    for (bytes, err) in cases {
        assert_eq!(
            parse_request_head(bytes),
            Parse::Malformed(*err),
            "{}",
            String::from_utf8_lossy(bytes)
        );
    }
    let long_method = [&[b'A'; MAX_METHOD_BYTES + 1][..], b" / HTTP/1.1\r\n\r\n"].concat();
    assert_eq!(
        parse_request_head(&long_method),
        Parse::Malformed(HttpError::NotHttp)
    );
}

#[test]
fn malformed_responses() {
    let cases: &[(&[u8], HttpError)] = &[
        (b"SSH-2.0", HttpError::NotHttp),
        (b"GET / HTTP/1.1\r\n", HttpError::NotHttp),
        (b"HTTP/2 200\r\n\r\n", HttpError::BadVersion),
        (b"HTTP/1.1 20\r\n\r\n", HttpError::BadStatusLine),
        (b"HTTP/1.1 099 X\r\n\r\n", HttpError::BadStatusLine),
        (b"HTTP/1.1 2x0 X\r\n", HttpError::BadStatusLine),
        (b"HTTP/1.1  200 OK\r\n", HttpError::BadStatusLine),
        (b"HTTP/1.1 2000 OK\r\n", HttpError::BadStatusLine),
        (b"HTTP/1.1\r\n\r\n", HttpError::BadStatusLine),
        (b"HTTP/1.1 200 OK\r\n\tfold\r\n\r\n", HttpError::ObsFold),
    ];
    for (bytes, err) in cases {
        assert_eq!(
            parse_response_head(bytes),
            Parse::Malformed(*err),
            "{}",
            String::from_utf8_lossy(bytes)
        );
    }
}

#[test]
fn need_more_and_the_cap() {
    assert_eq!(parse_request_head(b""), Parse::NeedMore { needed: 1 });
    assert_eq!(parse_request_head(b"\r"), Parse::NeedMore { needed: 2 });
    assert_eq!(
        parse_response_head(b"HTTP/1.1 200 OK\r"),
        Parse::NeedMore { needed: 17 }
    );
    // Exactly at the cap: accepted; one byte more before the blank line: refused.
    let head = |len: usize| {
        let mut h = b"GET / HTTP/1.1\r\nX: ".to_vec();
        h.resize(len - 4, b'a');
        h.extend_from_slice(b"\r\n\r\n");
        h
    };
    let at_cap = head(MAX_HEAD_BYTES);
    assert_eq!(done(parse_request_head(&at_cap)).1, MAX_HEAD_BYTES);
    let over = head(MAX_HEAD_BYTES + 1);
    assert_eq!(
        parse_request_head(&over),
        Parse::Malformed(HttpError::HeaderTooLong)
    );
    assert_eq!(
        parse_request_head(&over[..MAX_HEAD_BYTES - 1]),
        Parse::NeedMore {
            needed: MAX_HEAD_BYTES
        }
    );
}

#[test]
fn head_end_scan() {
    assert_eq!(find_head_end(b"a\r\n\r\nb", 0), Some(5));
    assert_eq!(find_head_end(b"a\n\nb", 0), Some(3));
    assert_eq!(find_head_end(b"a\r\nb\r\n", 0), None);
    assert_eq!(find_head_end(b"a\n\n", 2), None);
}

#[test]
fn probe_methods() {
    for yes in [
        &b"GET / HTTP/1.1\r\n"[..],
        b"G",
        b"GE",
        b"GET",
        b"GET ",
        b"POST /x",
        b"OPTIONS * HTTP/1.1",
        b"PROPFIND /",
        b"PATC",
    ] {
        assert!(super::super::probe(yes), "{yes:?}");
    }
    for no in [
        &b""[..],
        b"get / HTTP/1.1",
        b"GETX / HTTP/1.1",
        b"GET/",
        b"\x16\x03\x01",
        b"SSH-2.0",
        b"HTTP/1.1 200 OK",
        b"PRI * HTTP/2.0",
    ] {
        assert!(!super::super::probe(no), "{no:?}");
    }
}

#[test]
fn error_names_are_stable_and_distinct() {
    let mut names: Vec<_> = HttpError::ALL.iter().map(|e| e.name()).collect();
    assert!(names.iter().all(|n| n.starts_with("http_")));
    names.sort_unstable();
    names.dedup();
    assert_eq!(names.len(), HttpError::ALL.len());
}

proptest! {
    /// Every strict prefix of a valid head needs more; never an error, never a panic.
    #[test]
    fn truncated_heads_need_more(cut in 0usize..REQ.len()) {
        prop_assert_eq!(parse_request_head(&REQ[..cut]), Parse::NeedMore { needed: cut + 1 });
        let resp_head = RESP.len() - 9;
        let cut = cut.min(resp_head - 1);
        prop_assert_eq!(parse_response_head(&RESP[..cut]), Parse::NeedMore { needed: cut + 1 });
    }

    #[test]
    fn random_bytes_never_panic(data in proptest::collection::vec(any::<u8>(), 0..600)) {
        if let Parse::Done { consumed, .. } = parse_request_head(&data) {
            prop_assert!(consumed <= data.len().min(MAX_HEAD_BYTES));
        }
        if let Parse::Done { consumed, .. } = parse_response_head(&data) {
            prop_assert!(consumed <= data.len().min(MAX_HEAD_BYTES));
        }
        let _ = super::super::probe(&data);
    }

    /// Heads built from random header values parse back to the same fields.
    #[test]
    fn generated_heads_round_trip(
        host in "[a-zA-Z0-9.-]{1,40}(:[0-9]{1,5})?",
        len in any::<u64>(),
        status in 100u16..1000,
        lf_only in any::<bool>(),
    ) {
        let nl = if lf_only { "\n" } else { "\r\n" };
        let req = format!("PUT /p HTTP/1.1{nl}Host: {host}{nl}Content-Length: {len}{nl}{nl}");
        let (head, consumed) = done(parse_request_head(req.as_bytes()));
        prop_assert_eq!(consumed, req.len());
        prop_assert_eq!(head.host, Some(host.as_bytes()));
        prop_assert_eq!(head.body(), Ok(BodyLen::Length(len)));
        let resp = format!("HTTP/1.1 {status} Whatever it is{nl}Transfer-Encoding: chunked{nl}{nl}");
        let (head, consumed) = done(parse_response_head(resp.as_bytes()));
        prop_assert_eq!(consumed, resp.len());
        prop_assert_eq!(head.status, status);
        prop_assert_eq!(head.framing.transfer_encoding, TransferCoding::Chunked);
    }
}

proptest::proptest! {
    /// The word-at-a-time value check agrees with the byte rule on any bytes.
    #[test]
    fn field_byte_check_matches_the_byte_rule(v in proptest::collection::vec(proptest::num::u8::ANY, 0..40)) {
        let byte_rule = v.iter().all(|&b| (b >= b' ' && b != 0x7f) || b == b'\t');
        proptest::prop_assert_eq!(super::all_field_bytes(&v), byte_rule);
    }
}
