//! Per-connection tests: hand-written exchanges with exact timings, then proptests.

use proptest::prelude::*;

use super::*;
use crate::app::{AppCounters, AppOut, HttpTxn, Txn};
use crate::flow::Dir::{self, C2S, S2C};
use crate::time::Timestamp;

#[derive(Default)]
struct Run {
    flow: HttpFlow,
    txns: Vec<Txn>,
    counters: AppCounters,
}

impl Run {
    fn data(&mut self, ts: u64, dir: Dir, bytes: &[u8]) -> &mut Self {
        let mut out = AppOut {
            txns: &mut self.txns,
            counters: &mut self.counters,
        };
        self.flow.on_data(Timestamp(ts), dir, bytes, &mut out);
        self
    }

    fn gap(&mut self, dir: Dir, len: u32) -> &mut Self {
        let mut out = AppOut {
            txns: &mut self.txns,
            counters: &mut self.counters,
        };
        self.flow.on_gap(dir, len, &mut out);
        self
    }

    fn finish(&mut self) -> &mut Self {
        let mut out = AppOut {
            txns: &mut self.txns,
            counters: &mut self.counters,
        };
        self.flow.finish(&mut out);
        self
    }

    fn http(&self) -> Vec<HttpTxn> {
        self.txns
            .iter()
            .map(|t| match t {
                Txn::Http(h) => h.clone(),
                other => panic!("not http: {other:?}"),
            })
            .collect()
    }

    fn errors(&self) -> Vec<(&'static str, u64)> {
        self.counters.errors.iter().map(|(k, v)| (*k, *v)).collect()
    }
}

fn txn(ts: u64, method: &str, host: Option<&str>, response: Option<(u16, u64)>) -> HttpTxn {
    HttpTxn {
        ts_us: ts,
        method: method.to_string(),
        host: host.map(str::to_string),
        status: response.map(|r| r.0),
        response_us: response.map(|r| r.1),
    }
}

const GET_A: &[u8] = b"GET /a HTTP/1.1\r\nHost: www.Example.com\r\n\r\n";
const GET_B: &[u8] = b"GET /b HTTP/1.1\r\nHost: cdn.example.com:8080\r\n\r\n";
const GET_C: &[u8] = b"GET /c HTTP/1.1\r\n\r\n";
const OK_5: &[u8] = b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello";
const NOT_FOUND_CHUNKED: &[u8] = b"HTTP/1.1 404 Not Found\r\nTransfer-Encoding: chunked\r\n\r\n\
4\r\nnope\r\n0\r\n\r\n";

#[test]
fn keep_alive_200_404_503_slow_server() {
    let mut r = Run::default();
    r.data(1_000_000, C2S, GET_A)
        .data(1_020_000, S2C, OK_5)
        .data(2_000_000, C2S, GET_B)
        .data(2_500_000, S2C, NOT_FOUND_CHUNKED)
        .data(3_000_000, C2S, GET_C);
    assert_eq!(r.flow.transactions(), 2);
    // The slow server: 5 s before the first byte, head and body over three packets.
    r.data(8_000_000, S2C, b"HTTP/1.1 503 Service Unavail")
        .data(8_100_000, S2C, b"able\r\nContent-Length: 7\r\n\r\nbu")
        .data(8_200_000, S2C, b"sy!!!");
    assert!(!r.flow.is_done());
    r.finish();
    assert_eq!(
        r.http(),
        vec![
            txn(
                1_000_000,
                "GET",
                Some("www.Example.com"),
                Some((200, 20_000))
            ),
            txn(
                2_000_000,
                "GET",
                Some("cdn.example.com:8080"),
                Some((404, 500_000))
            ),
            txn(3_000_000, "GET", None, Some((503, 5_000_000))),
        ]
    );
    assert_eq!(r.flow.host(), Some("www.Example.com"));
    assert_eq!(r.flow.transactions(), 3);
    assert_eq!(r.errors(), vec![]);
    assert_eq!(r.counters.transactions.get("http"), Some(&3));
}

#[test]
fn pipelined_requests_match_in_order() {
    let mut r = Run::default();
    let burst = [GET_A, GET_B, GET_C].concat();
    r.data(10, C2S, &burst)
        .data(50, S2C, &[OK_5, NOT_FOUND_CHUNKED].concat())
        .data(70, S2C, b"HTTP/1.1 204 No Content\r\n\r\n");
    assert_eq!(
        r.http(),
        vec![
            txn(10, "GET", Some("www.Example.com"), Some((200, 40))),
            txn(10, "GET", Some("cdn.example.com:8080"), Some((404, 40))),
            txn(10, "GET", None, Some((204, 60))),
        ]
    );
    r.finish();
    assert_eq!(r.flow.transactions(), 3);
    assert_eq!(r.errors(), vec![]);
}

#[test]
fn heads_split_byte_by_byte() {
    let mut r = Run::default();
    for (i, b) in GET_A.iter().enumerate() {
        r.data(100 + i as u64, C2S, std::slice::from_ref(b));
    }
    for (i, b) in OK_5.iter().enumerate() {
        assert_eq!(r.flow.transactions(), 0);
        r.data(1000 + i as u64, S2C, std::slice::from_ref(b));
        if i == OK_5.len() - 6 {
            // The blank line completed the head: emitted before the body.
            assert_eq!(r.flow.transactions(), 1);
            break;
        }
    }
    r.data(2000, S2C, b"hello").data(3000, C2S, GET_C);
    r.finish();
    assert_eq!(
        r.http(),
        vec![
            txn(100, "GET", Some("www.Example.com"), Some((200, 900))),
            txn(3000, "GET", None, None),
        ]
    );
    assert_eq!(r.errors(), vec![]);
}

#[test]
fn chunked_bodies_split_inside_framing() {
    let resp = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n\
1a;name=v\r\nabcdefghijklmnopqrstuvwxyz\r\n3\r\nxyz\r\n0\r\nX-Trailer: 1\r\n\r\n";
    for cut in 0..=resp.len() {
        let mut r = Run::default();
        r.data(1, C2S, GET_A).data(2, C2S, GET_C);
        r.data(5, S2C, &resp[..cut]).data(6, S2C, &resp[cut..]);
        r.data(9, S2C, OK_5);
        let t = r.http();
        assert_eq!(t.len(), 2, "cut {cut}");
        assert_eq!(t[1], txn(2, "GET", None, Some((200, 7))), "cut {cut}");
        assert_eq!(r.errors(), vec![], "cut {cut}");
    }
    // A request body in chunks too.
    let mut r = Run::default();
    r.data(
        1,
        C2S,
        b"POST /up HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n",
    )
    .data(2, C2S, b"ok\r\n0\r\n")
    .data(3, C2S, b"\r\n")
    .data(4, C2S, GET_C)
    .finish();
    assert_eq!(
        r.http(),
        vec![txn(1, "POST", None, None), txn(4, "GET", None, None)]
    );
}

#[test]
fn content_length_body_crossing_calls() {
    let mut r = Run::default();
    r.data(
        1,
        C2S,
        b"POST /form HTTP/1.1\r\nHost: h\r\nContent-Length: 10\r\n\r\n012",
    )
    .data(2, C2S, b"3456")
    .data(3, C2S, b"789GET /c HTTP/1.1\r\n\r\n")
    .data(
        4,
        S2C,
        b"HTTP/1.1 201 Created\r\nContent-Length: 4\r\n\r\nab",
    )
    .data(5, S2C, b"cdHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
    assert_eq!(
        r.http(),
        vec![
            txn(1, "POST", Some("h"), Some((201, 3))),
            txn(3, "GET", None, Some((200, 2)))
        ]
    );
    assert_eq!(r.errors(), vec![]);
}

#[test]
fn head_and_304_have_no_body() {
    let mut r = Run::default();
    r.data(1, C2S, b"HEAD /big HTTP/1.1\r\nHost: h\r\n\r\n")
        .data(
            2,
            C2S,
            b"GET /cached HTTP/1.1\r\nIf-None-Match: \"x\"\r\n\r\n",
        )
        .data(3, C2S, GET_C)
        .data(
            10,
            S2C,
            b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n\
HTTP/1.1 304 Not Modified\r\nContent-Length: 100000\r\n\r\n",
        )
        .data(11, S2C, OK_5);
    assert_eq!(
        r.http(),
        vec![
            txn(1, "HEAD", Some("h"), Some((200, 9))),
            txn(2, "GET", None, Some((304, 8))),
            txn(3, "GET", None, Some((200, 8))),
        ]
    );
    assert_eq!(r.errors(), vec![]);
}

#[test]
fn continue_is_interim() {
    let mut r = Run::default();
    r.data(
        0,
        C2S,
        b"PUT /f HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\n",
    )
    .data(10, S2C, b"HTTP/1.1 100 Continue\r\n\r\n");
    assert_eq!(r.flow.transactions(), 0);
    r.data(20, C2S, b"abc")
        .data(
            25,
            S2C,
            b"HTTP/1.1 103 Early Hints\r\nLink: </s.css>\r\n\r\n",
        )
        .data(30, S2C, b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
        .finish();
    assert_eq!(r.http(), vec![txn(0, "PUT", None, Some((200, 30)))]);
    assert_eq!(r.errors(), vec![]);
}

#[test]
fn gap_in_body_keeps_going() {
    let mut r = Run::default();
    r.data(1, C2S, GET_A)
        .data(2, S2C, b"HTTP/1.1 200 OK\r\nContent-Length: 3000\r\n\r\nxx")
        .gap(S2C, 2000)
        .data(3, S2C, &[b'y'; 998])
        .data(4, C2S, GET_C)
        .data(
            5,
            S2C,
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n10\r\n",
        )
        .gap(S2C, 16)
        .data(6, S2C, b"\r\n0\r\n\r\n");
    assert!(!r.flow.is_done());
    assert_eq!(r.http().len(), 2);
    assert_eq!(r.http()[1], txn(4, "GET", None, Some((200, 1))));
    assert_eq!(r.errors(), vec![]);
}

#[test]
fn gap_in_head_or_past_the_body_gives_up() {
    let mut r = Run::default();
    r.data(1, C2S, b"GET /a HTTP/1.1\r\nHo").gap(C2S, 10);
    assert!(r.flow.is_done());
    r.finish();
    assert_eq!(r.http(), vec![]);
    assert_eq!(r.errors(), vec![("http_gap", 1)]);

    let mut r = Run::default();
    r.data(1, C2S, GET_A)
        .data(2, S2C, b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n")
        .gap(S2C, 11);
    assert!(r.flow.is_done());
    r.data(3, C2S, GET_C).finish();
    assert_eq!(r.http().len(), 1);
    assert_eq!(r.errors(), vec![("http_gap", 1)]);

    // Between messages a gap hides the next head.
    let mut r = Run::default();
    r.data(1, C2S, GET_A).gap(C2S, 1).finish();
    assert_eq!(r.http(), vec![txn(1, "GET", Some("www.Example.com"), None)]);
    assert_eq!(r.errors(), vec![("http_gap", 1)]);
}

#[test]
fn non_http_bytes_give_up() {
    let mut r = Run::default();
    r.data(1, C2S, GET_A)
        .data(2, S2C, b"SSH-2.0-OpenSSH_9.6\r\n");
    assert!(r.flow.is_done());
    r.finish();
    assert_eq!(r.http(), vec![txn(1, "GET", Some("www.Example.com"), None)]);
    assert_eq!(r.errors(), vec![("http_not_http", 1)]);

    let mut r = Run::default();
    r.data(1, C2S, GET_A)
        .data(2, C2S, b"\x16\x03\x01\x00\xa5\x01");
    assert!(r.flow.is_done());
    assert_eq!(r.errors(), vec![("http_not_http", 1)]);

    let mut r = Run::default();
    r.data(1, C2S, b"GET / HTTP/1.1\r\nX: a\r\n  b\r\n\r\n");
    assert_eq!(r.errors(), vec![("http_obs_fold", 1)]);
    assert!(r.flow.is_done());
}

#[test]
fn unmatched_response_is_counted_and_skipped() {
    let mut r = Run::default();
    r.data(1, S2C, OK_5)
        .data(2, C2S, GET_C)
        .data(3, S2C, NOT_FOUND_CHUNKED);
    assert_eq!(r.http(), vec![txn(2, "GET", None, Some((404, 1)))]);
    assert_eq!(r.errors(), vec![("http_unmatched_response", 1)]);
    assert!(!r.flow.is_done());
}

#[test]
fn connect_and_upgrade_tunnels() {
    let mut r = Run::default();
    r.data(1, C2S, b"CONNECT a.b:443 HTTP/1.1\r\nHost: a.b:443\r\n\r\n")
        .data(2, S2C, b"HTTP/1.1 200 Connection established\r\n\r\n");
    assert!(r.flow.is_done());
    r.finish();
    assert_eq!(
        r.http(),
        vec![txn(1, "CONNECT", Some("a.b:443"), Some((200, 1)))]
    );
    assert_eq!(r.errors(), vec![]);

    // Refused: the client speaks HTTP again.
    let mut r = Run::default();
    r.data(1, C2S, b"CONNECT a.b:443 HTTP/1.1\r\n\r\n")
        .data(2, S2C, b"HTTP/1.1 407 Auth\r\nContent-Length: 2\r\n\r\nno")
        .data(3, C2S, GET_C)
        .data(4, S2C, OK_5);
    assert!(!r.flow.is_done());
    assert_eq!(r.http()[1], txn(3, "GET", None, Some((200, 1))));

    let mut r = Run::default();
    r.data(
        1,
        C2S,
        b"GET /ws HTTP/1.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n",
    )
    .data(
        5,
        S2C,
        b"HTTP/1.1 101 Switching Protocols\r\n\r\n\x81\x05hello",
    );
    assert!(r.flow.is_done());
    assert_eq!(r.http(), vec![txn(1, "GET", None, Some((101, 4)))]);
}

#[test]
fn body_until_close() {
    let mut r = Run::default();
    r.data(1, C2S, b"GET / HTTP/1.0\r\n\r\n")
        .data(
            2,
            S2C,
            b"HTTP/1.0 200 OK\r\n\r\nHTTP/1.1 500 not a head\r\n\r\n",
        )
        .data(3, S2C, b"\x00\x01 more body")
        .gap(S2C, 100_000)
        .finish();
    assert_eq!(r.http(), vec![txn(1, "GET", None, Some((200, 1)))]);
    assert_eq!(r.errors(), vec![]);
}

#[test]
fn finish_emits_pending_and_counts_a_cut_head() {
    let mut r = Run::default();
    r.data(7, C2S, &[GET_A, GET_B].concat())
        .data(8, C2S, b"GET /partial HT")
        .finish();
    assert_eq!(
        r.http(),
        vec![
            txn(7, "GET", Some("www.Example.com"), None),
            txn(7, "GET", Some("cdn.example.com:8080"), None),
        ]
    );
    assert_eq!(r.errors(), vec![("http_incomplete_head", 1)]);
    r.finish();
    assert_eq!(r.flow.transactions(), 2, "a second finish emits nothing");
}

#[test]
fn empty_lines_between_messages() {
    let mut r = Run::default();
    r.data(1, C2S, b"POST / HTTP/1.1\r\nContent-Length: 1\r\n\r\nx\r\n")
        .data(2, C2S, b"\r\n")
        .data(3, C2S, GET_C)
        .finish();
    assert_eq!(
        r.http(),
        vec![txn(1, "POST", None, None), txn(3, "GET", None, None)]
    );
    assert_eq!(r.errors(), vec![]);
}

#[test]
fn head_over_the_cap_across_calls() {
    let mut r = Run::default();
    r.data(1, C2S, b"GET / HTTP/1.1\r\nCookie: ");
    let mut sent = 24;
    while !r.flow.is_done() {
        r.data(2, C2S, &[b'c'; 1000]);
        sent += 1000;
    }
    // Refused by the call that reached the cap, not before.
    assert!(
        (MAX_HEAD_BYTES..MAX_HEAD_BYTES + 1000).contains(&sent),
        "{sent}"
    );
    assert_eq!(r.errors(), vec![("http_header_too_long", 1)]);
}

#[test]
fn pending_queue_is_capped() {
    let mut r = Run::default();
    for i in 0..MAX_PENDING as u64 + 2 {
        r.data(i, C2S, GET_C);
    }
    assert_eq!(r.http().len(), 2);
    assert_eq!(r.http()[0], txn(0, "GET", None, None));
    assert_eq!(r.errors(), vec![("http_pending_overflow", 2)]);
    r.data(100, S2C, OK_5);
    assert_eq!(r.http()[2], txn(2, "GET", None, Some((200, 98))));
}

/// A keep-alive exchange of many shapes; each message is sent at its own time.
fn exchange() -> Vec<(u64, Dir, Vec<u8>)> {
    let m = |ts, dir, b: &[u8]| (ts, dir, b.to_vec());
    vec![
        m(100, C2S, GET_A),
        m(150, S2C, OK_5),
        m(200, C2S, b"POST /p HTTP/1.1\r\nHost: p\r\nExpect: 100-continue\r\nContent-Length: 6\r\n\r\n"),
        m(210, S2C, b"HTTP/1.1 100 Continue\r\n\r\n"),
        m(220, C2S, b"abcdef"),
        m(300, S2C, NOT_FOUND_CHUNKED),
        m(400, C2S, b"HEAD / HTTP/1.1\nHost: q\n\n"),
        m(450, S2C, b"HTTP/1.1 200 OK\nContent-Length: 55\n\n"),
        m(500, C2S, b"PUT /c HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5;x=y\r\n12345\r\nA\r\n0123456789\r\n0\r\nT: v\r\n\r\n"),
        m(600, S2C, b"HTTP/1.1 503 Busy\r\nTransfer-Encoding: chunked\r\nRetry-After: 1\r\n\r\n1\r\n!\r\n0\r\n\r\n"),
        m(700, C2S, GET_C),
        m(790, S2C, b"HTTP/1.1 304 Not Modified\r\nContent-Length: 5\r\n\r\n"),
        m(800, C2S, GET_B),
    ]
}

fn expected() -> Vec<HttpTxn> {
    vec![
        txn(100, "GET", Some("www.Example.com"), Some((200, 50))),
        txn(200, "POST", Some("p"), Some((404, 100))),
        txn(400, "HEAD", Some("q"), Some((200, 50))),
        txn(500, "PUT", None, Some((503, 100))),
        txn(700, "GET", None, Some((304, 90))),
        txn(800, "GET", Some("cdn.example.com:8080"), None),
    ]
}

#[test]
fn whole_exchange() {
    let mut r = Run::default();
    for (ts, dir, bytes) in exchange() {
        r.data(ts, dir, &bytes);
    }
    r.finish();
    assert_eq!(r.http(), expected());
    assert_eq!(r.errors(), vec![]);
}

proptest! {
    /// Any split of each message into calls (later pieces of a message at later times) gives
    /// the same transactions as whole messages.
    #[test]
    fn any_split_gives_the_same_transactions(
        cuts in proptest::collection::vec(
            proptest::collection::vec(any::<proptest::sample::Index>(), 0..10), 13),
    ) {
        let mut r = Run::default();
        for ((ts, dir, bytes), cuts) in exchange().into_iter().zip(cuts) {
            let mut at: Vec<usize> = cuts.iter().map(|c| c.index(bytes.len() + 1)).collect();
            at.push(0);
            at.push(bytes.len());
            at.sort_unstable();
            at.dedup();
            for (k, w) in at.windows(2).enumerate() {
                r.data(ts + k as u64 * 3 % 7, dir, &bytes[w[0]..w[1]]);
            }
        }
        r.finish();
        prop_assert_eq!(r.http(), expected());
        prop_assert_eq!(r.errors(), vec![]);
    }

    /// Stopping each direction anywhere, then finishing, never panics and never invents a
    /// transaction.
    #[test]
    fn truncated_exchange_never_panics(
        c2s_cut in any::<proptest::sample::Index>(),
        s2c_cut in any::<proptest::sample::Index>(),
    ) {
        let ex = exchange();
        let c2s: Vec<u8> = ex.iter().filter(|m| m.1 == C2S).flat_map(|m| m.2.clone()).collect();
        let s2c: Vec<u8> = ex.iter().filter(|m| m.1 == S2C).flat_map(|m| m.2.clone()).collect();
        let mut r = Run::default();
        r.data(1, C2S, &c2s[..c2s_cut.index(c2s.len() + 1)]);
        r.data(2, S2C, &s2c[..s2c_cut.index(s2c.len() + 1)]);
        r.finish();
        prop_assert!(r.http().len() <= 6);
        prop_assert_eq!(r.flow.transactions() as usize, r.http().len());
        // With every request seen, a cut response stream is never mistaken for garbage
        // (without the requests, a response to HEAD is read as having a body).
        if c2s_cut.index(c2s.len() + 1) == c2s.len() {
            prop_assert!(!r.counters.errors.contains_key("http_not_http"));
        }
    }

    /// Random bytes, gaps and directions never panic; counts stay consistent.
    #[test]
    fn random_calls_never_panic(
        calls in proptest::collection::vec(
            (any::<bool>(), any::<bool>(), proptest::collection::vec(any::<u8>(), 0..64)),
            0..40),
        prefix in any::<bool>(),
    ) {
        let mut r = Run::default();
        if prefix {
            r.data(0, C2S, GET_A).data(0, S2C, b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n");
        }
        for (i, (c2s, gap, bytes)) in calls.iter().enumerate() {
            let dir = if *c2s { C2S } else { S2C };
            if *gap {
                r.gap(dir, bytes.len() as u32);
            } else {
                r.data(i as u64, dir, bytes);
            }
        }
        r.finish();
        prop_assert_eq!(r.flow.transactions() as usize, r.http().len());
    }
}
