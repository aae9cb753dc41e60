//! TlsFlow tests: hand-written TLS 1.2 / 1.3 exchanges, timings, errors, any-split proptests.

use super::hello::parse_client_hello;
use super::testkit::*;
use super::*;
use crate::app::AppCounters;
use proptest::prelude::*;

const C: Dir = Dir::C2S;
const S: Dir = Dir::S2C;

/// One captured packet's payload.
type Pkt = (u64, Dir, Vec<u8>);

struct Run {
    txns: Vec<Txn>,
    counters: AppCounters,
    flow: TlsFlow,
}

impl Run {
    fn new() -> Self {
        Self {
            txns: Vec::new(),
            counters: AppCounters::default(),
            flow: TlsFlow::new(),
        }
    }
    fn data(&mut self, ts: u64, dir: Dir, bytes: &[u8]) {
        let mut out = AppOut {
            txns: &mut self.txns,
            counters: &mut self.counters,
        };
        self.flow.on_data(Timestamp(ts), dir, bytes, &mut out);
    }
    fn gap(&mut self, dir: Dir, len: u32) {
        let mut out = AppOut {
            txns: &mut self.txns,
            counters: &mut self.counters,
        };
        self.flow.on_gap(dir, len, &mut out);
    }
    fn finish(&mut self) {
        let mut out = AppOut {
            txns: &mut self.txns,
            counters: &mut self.counters,
        };
        self.flow.finish(&mut out);
    }
    fn tls(&self) -> &TlsTxn {
        assert_eq!(self.txns.len(), 1, "{:?}", self.txns);
        match &self.txns[0] {
            Txn::Tls(t) => t,
            t => panic!("{t:?}"),
        }
    }
    fn errors(&self) -> Vec<(&'static str, u64)> {
        self.counters.errors.iter().map(|(k, v)| (*k, *v)).collect()
    }
}

fn run(pkts: &[Pkt]) -> Run {
    let mut r = Run::new();
    for (ts, dir, b) in pkts {
        r.data(*ts, *dir, b);
    }
    r.finish();
    r
}

/// TLS 1.3: ClientHello at 1000, server flight at 1500, client Finished (type 23) at 1600.
fn tls13() -> Vec<Pkt> {
    let ch = record(22, &handshake(1, &ch13(Some("example.com"))));
    let mut sf = record(22, &handshake(2, &sh13()));
    sf.extend(record(20, &[1]));
    sf.extend(record(23, &[0x55; 300]));
    let mut cf = record(20, &[1]);
    cf.extend(record(23, &[0x66; 53]));
    vec![(1000, C, ch), (1500, S, sf), (1600, C, cf)]
}

/// TLS 1.2 full handshake, no SNI; server picks ALPN http/1.1.
fn tls12() -> Vec<Pkt> {
    let exts = [alpn_ext(&["h2", "http/1.1"]), ext(0x0017, &[])];
    let ch = client_hello(&[], &[0xc02f, 0x009c], Some(&exts));
    let mut flight = handshake(2, &sh12());
    flight.extend(handshake(11, &[0x77; 400]));
    flight.extend(handshake(14, &[]));
    let mut kx = record(22, &handshake(16, &[0x88; 33]));
    kx.extend(record(20, &[1]));
    kx.extend(record(22, &[0x99; 40]));
    let mut sfin = record(20, &[1]);
    sfin.extend(record(22, &[0xaa; 40]));
    vec![
        (10, C, record(22, &handshake(1, &ch))),
        (110, S, record(22, &flight)),
        (210, C, kx),
        (310, S, sfin),
        (420, C, record(23, &[0xbb; 64])),
        (430, S, record(23, &[0xcc; 64])),
    ]
}

#[test]
fn tls13_exchange() {
    let mut r = Run::new();
    let pkts = tls13();
    r.data(pkts[0].0, pkts[0].1, &pkts[0].2);
    assert_eq!(r.flow.sni(), Some("example.com"));
    assert!(!r.flow.is_done());
    r.data(pkts[1].0, pkts[1].1, &pkts[1].2);
    assert!(r.txns.is_empty());
    r.data(pkts[2].0, pkts[2].1, &pkts[2].2);
    assert!(r.flow.is_done());
    assert_eq!(r.flow.transactions(), 1);
    r.finish();
    let expected_ja4 = parse_client_hello(&ch13(Some("example.com")), false)
        .unwrap()
        .ja4;
    assert_eq!(
        *r.tls(),
        TlsTxn {
            ts_us: 1000,
            transport: TlsTransport::Tcp,
            sni: Some("example.com".into()),
            version: Some(0x0304),
            alpn: Some("h2".into()),
            alpn_offered: vec!["h2".into(), "http/1.1".into()],
            hello_us: Some(500),
            handshake_us: Some(600),
            ja4: expected_ja4,
            quic_version: None,
            alerts: 0,
        }
    );
    assert!(r.tls().ja4.as_deref().unwrap().starts_with("t13d0305h2_"));
    assert!(r.counters.errors.is_empty());
    assert_eq!(r.counters.transactions.get("tls"), Some(&1));
    assert_eq!(r.flow.sni(), Some("example.com"));
}

#[test]
fn tls12_exchange() {
    let r = run(&tls12());
    let t = r.tls();
    assert_eq!(t.ts_us, 10);
    assert_eq!(t.sni, None);
    assert_eq!(t.version, Some(0x0303));
    assert_eq!(t.alpn.as_deref(), Some("http/1.1"));
    assert_eq!(t.alpn_offered, vec!["h2".to_owned(), "http/1.1".to_owned()]);
    assert_eq!(t.hello_us, Some(100));
    // The encrypted Finished at 210 is a handshake record: the first type-23 record is at 420.
    assert_eq!(t.handshake_us, Some(410));
    assert_eq!(t.alerts, 0);
    assert!(t.ja4.as_deref().unwrap().starts_with("t12i0202h2_"));
    assert!(r.counters.errors.is_empty());
}

#[test]
fn client_hello_over_three_segments_and_two_records() {
    // A post-quantum-sized ClientHello (1.3 KiB key share): more than one 1200-byte segment.
    let exts = [
        sni_ext("split.example"),
        alpn_ext(&["h2"]),
        versions_ext(&[0x0304]),
        ext(0x0033, &[0x42; 1300]),
    ];
    let body = handshake(1, &client_hello(&[], &[0x1301], Some(&exts)));
    // Three segments of one record: the first only 3 bytes (record header not complete).
    let rec = record(22, &body);
    let mut r = Run::new();
    r.data(100, C, &rec[..3]);
    r.data(200, C, &rec[3..1200]);
    assert_eq!(r.flow.sni(), None);
    r.data(300, C, &rec[1200..]);
    assert_eq!(r.flow.sni(), Some("split.example"));
    r.data(400, S, &record(22, &handshake(2, &sh13())));
    r.data(450, C, &record(23, &[1; 20]));
    let t = r.tls().clone();
    assert_eq!(
        (t.ts_us, t.hello_us, t.handshake_us),
        (100, Some(300), Some(350))
    );

    // Two records (handshake header split across them), over two segments.
    let mut two = record(22, &body[..2]);
    let second = record(22, &body[2..]);
    two.extend_from_slice(&second[..700]);
    let mut r2 = Run::new();
    r2.data(100, C, &two);
    r2.data(150, C, &second[700..]);
    r2.data(400, S, &record(22, &handshake(2, &sh13())));
    r2.data(450, C, &record(23, &[1; 20]));
    let t2 = r2.tls();
    assert_eq!(t2.sni.as_deref(), Some("split.example"));
    assert_eq!(
        (t2.ts_us, t2.hello_us, t2.handshake_us),
        (100, Some(300), Some(350))
    );
    assert_eq!(t2.ja4, t.ja4);
    assert!(r2.counters.errors.is_empty());
}

#[test]
fn alerts_counted_in_both_directions() {
    // Server refuses with a plaintext alert: no ServerHello.
    let mut pkts = tls13();
    pkts.truncate(1);
    pkts.push((2000, S, record(21, &[2, 40])));
    let r = run(&pkts);
    let t = r.tls();
    assert_eq!(
        (t.version, t.hello_us, t.handshake_us, t.alerts),
        (None, None, None, 1)
    );
    assert_eq!(t.alpn.as_deref(), Some("h2"));
    assert!(r.counters.errors.is_empty());

    // Encrypted alerts after the ServerHello, from both sides; no client ApplicationData.
    let mut pkts = tls13();
    pkts.truncate(2);
    pkts.push((1700, C, record(21, &[0x12; 19])));
    pkts.push((1800, S, record(21, &[0x13; 19])));
    let r = run(&pkts);
    let t = r.tls();
    assert_eq!((t.hello_us, t.handshake_us, t.alerts), (Some(500), None, 2));
}

#[test]
fn tls13_encrypted_alerts() {
    // The client rejects the certificate: a 19-byte type-23 record is an alert, not the end of
    // the handshake; the server's encrypted alert too.
    let mut pkts = tls13();
    pkts.truncate(2);
    pkts.push((1600, C, record(23, &[0x12; 19])));
    pkts.push((1700, S, record(23, &[0x13; 19])));
    let r = run(&pkts);
    let t = r.tls();
    assert_eq!((t.hello_us, t.handshake_us, t.alerts), (Some(500), None, 2));
    // TLS 1.2: a 19-byte type-23 record is application data.
    let mut pkts = tls12();
    pkts[4].2 = record(23, &[0xbb; 19]);
    let r = run(&pkts);
    assert_eq!((r.tls().handshake_us, r.tls().alerts), (Some(410), 0));
}

#[test]
fn early_data_before_server_hello_is_not_the_handshake_end() {
    let mut pkts = tls13();
    pkts.insert(1, (1100, C, record(23, &[0x44; 100])));
    let r = run(&pkts);
    assert_eq!(r.tls().handshake_us, Some(600));
}

#[test]
fn zero_length_records_and_hello_retry() {
    // HelloRetryRequest at 1500 is the server's hello; the second ClientHello and the real
    // ServerHello are skipped; handshake ends at the client's first type-23 record.
    let mut hrr = sh13();
    hrr[2..34].copy_from_slice(&[
        0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c, 0x02, 0x1e, 0x65, 0xb8,
        0x91, 0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb, 0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8,
        0x33, 0x9c,
    ]);
    let mut ch2 = record(20, &[1]);
    ch2.extend(record(22, &handshake(1, &ch13(Some("other.example")))));
    let pkts = vec![
        (
            1000,
            C,
            record(22, &handshake(1, &ch13(Some("example.com")))),
        ),
        (1500, S, record(22, &handshake(2, &hrr))),
        (1510, C, ch2),
        (2000, S, record(22, &handshake(2, &sh13()))),
        (2100, C, record(23, &[])),
    ];
    let r = run(&pkts);
    let t = r.tls();
    assert_eq!(t.sni.as_deref(), Some("example.com"));
    assert_eq!(
        (t.version, t.hello_us, t.handshake_us),
        (Some(0x0304), Some(500), Some(1100))
    );
    assert!(r.counters.errors.is_empty());
}

fn one_error(pkts: &[Pkt], reason: &str, txn: bool) -> Run {
    let r = run(pkts);
    assert_eq!(r.errors(), vec![(reason_static(reason), 1)], "{reason}");
    assert_eq!(r.txns.len(), usize::from(txn), "{reason}: {:?}", r.txns);
    assert!(r.flow.is_done());
    r
}

fn reason_static(s: &str) -> &'static str {
    [
        reason::NOT_TLS,
        reason::SSLV2_HELLO,
        reason::RECORD_MALFORMED,
        reason::RECORD_TOO_LONG,
        reason::HELLO_TOO_LONG,
        reason::UNEXPECTED_HANDSHAKE,
        reason::NO_CLIENT_HELLO,
        reason::GAP,
        "tls_hello_truncated",
        "tls_hello_malformed",
        "tls_extension_malformed",
    ]
    .into_iter()
    .find(|r| *r == s)
    .unwrap()
}

#[test]
fn refusals_before_the_client_hello() {
    one_error(
        &[(1, C, b"GET / HTTP/1.1\r\n".to_vec())],
        reason::NOT_TLS,
        false,
    );
    let sslv2 = vec![
        0x80, 0x2e, 0x01, 0x03, 0x01, 0x00, 0x15, 0x00, 0x00, 0x00, 0x10,
    ];
    one_error(&[(1, C, sslv2)], reason::SSLV2_HELLO, false);
    one_error(
        &[(1, C, vec![22, 3, 1, 0x48, 0x01])],
        reason::RECORD_TOO_LONG,
        false,
    );
    one_error(&[(1, C, vec![22, 2, 0, 0, 4])], reason::NOT_TLS, false);
    one_error(&[(1, C, vec![22, 3, 5, 0, 4])], reason::NOT_TLS, false);
    // Capture began late: client ApplicationData first, or the ServerHello first.
    one_error(
        &[(1, C, record(23, &[0; 10]))],
        reason::NO_CLIENT_HELLO,
        false,
    );
    let sh = record(22, &handshake(2, &sh13()));
    one_error(&[(1, S, sh.clone())], reason::NO_CLIENT_HELLO, false);
    one_error(
        &[(1, C, record(22, &handshake(2, &sh13())))],
        reason::UNEXPECTED_HANDSHAKE,
        false,
    );
    // Handshake length 65537: over MAX_HELLO_LEN.
    one_error(
        &[(1, C, record(22, &[1, 1, 0, 1, 3, 3]))],
        reason::HELLO_TOO_LONG,
        false,
    );
    // Malformed ClientHello body: the parser's reason.
    one_error(
        &[(1, C, record(22, &handshake(1, &[3, 3, 0])))],
        "tls_hello_truncated",
        false,
    );
    let mut bad = ch13(None);
    bad.push(0);
    bad.push(0);
    let r = run(&[(1, C, record(22, &handshake(1, &bad)))]);
    assert_eq!(r.errors(), vec![("tls_hello_trailing_bytes", 1)]);
    assert!(r.txns.is_empty());
    // An incomplete ClientHello when the flow ends: no record, no error.
    let rec = record(22, &handshake(1, &ch13(None)));
    let r = run(&[(1, C, rec[..100].to_vec())]);
    assert!(r.txns.is_empty() && r.counters.errors.is_empty() && r.flow.is_done());
}

#[test]
fn refusals_after_the_client_hello_keep_the_record() {
    let ch = tls13().remove(0);
    let r = one_error(
        &[ch.clone(), (5, S, b"HTTP/1.1 400".to_vec())],
        reason::NOT_TLS,
        true,
    );
    assert_eq!(r.tls().sni.as_deref(), Some("example.com"));
    assert_eq!(r.tls().version, None);
    let mut pk = tls13();
    pk.insert(2, (1550, S, vec![99, 3, 3, 0, 1, 0]));
    let r = one_error(&pk, reason::RECORD_MALFORMED, true);
    assert_eq!((r.tls().hello_us, r.tls().handshake_us), (Some(500), None));
    // ServerHello malformed; first server handshake message not a ServerHello.
    let bad_sh = record(
        22,
        &handshake(2, &server_hello(0x0303, 1, Some(&[ext(0x2b, &[3])]))),
    );
    one_error(
        &[ch.clone(), (5, S, bad_sh)],
        "tls_extension_malformed",
        true,
    );
    one_error(
        &[ch.clone(), (5, S, record(22, &handshake(11, &[0; 9])))],
        reason::UNEXPECTED_HANDSHAKE,
        true,
    );
    one_error(
        &[ch, (5, S, vec![22, 3, 3, 0xff, 0xff])],
        reason::RECORD_TOO_LONG,
        true,
    );
}

#[test]
fn gaps() {
    let pkts = tls12();
    // Gap inside the ClientHello: give up, no record.
    let mut r = Run::new();
    r.data(10, C, &pkts[0].2[..50]);
    r.gap(C, 20);
    assert!(r.flow.is_done());
    r.finish();
    assert_eq!(r.errors(), vec![(reason::GAP, 1)]);
    assert!(r.txns.is_empty());

    // Gap inside the server's certificate record after the ServerHello: skipped by length.
    let flight = &pkts[1].2;
    let mut r = Run::new();
    r.data(10, C, &pkts[0].2);
    r.data(110, S, &flight[..200]);
    r.gap(S, 100);
    r.data(111, S, &flight[300..]);
    for (ts, dir, b) in &pkts[2..] {
        r.data(*ts, *dir, b);
    }
    r.finish();
    assert!(r.counters.errors.is_empty());
    assert_eq!(r.tls().handshake_us, Some(410));

    // Gap across a record boundary after the hellos: give up but keep the record.
    let mut r = Run::new();
    r.data(10, C, &pkts[0].2);
    r.data(110, S, &flight[..200]);
    r.gap(S, flight.len() as u32);
    assert_eq!(r.errors(), vec![(reason::GAP, 1)]);
    let t = r.tls();
    assert_eq!(
        (t.hello_us, t.handshake_us, t.version),
        (Some(100), None, Some(0x0303))
    );
}

#[test]
fn probe_first_bytes() {
    let ch = record(22, &handshake(1, &ch13(None)));
    assert!(probe(&ch));
    for n in 1..=6 {
        assert!(probe(&ch[..n]), "{n}");
    }
    assert!(probe(&[22, 3, 1, 0, 5, 1]) && probe(&[22, 3, 4]) && probe(&[22, 3, 0]));
    assert!(!probe(&[]));
    assert!(!probe(&[23, 3, 3, 0, 5, 1]));
    assert!(!probe(&[22, 2, 0, 0, 5, 1]));
    assert!(!probe(&[22, 3, 5, 0, 5, 1]));
    assert!(!probe(&[22, 3, 3, 0, 5, 2]));
    assert!(!probe(b"GET / HTTP/1.1"));
    assert!(!probe(&[0x80, 0x2e, 0x01, 0x03, 0x01]));
}

/// Feed `pkts`, each packet cut into calls at `cuts` (positions taken modulo its length).
fn run_split(pkts: &[Pkt], cuts: &[usize]) -> Run {
    let mut r = Run::new();
    let mut k = 0;
    for (ts, dir, b) in pkts {
        let mut at: Vec<usize> = cuts
            .iter()
            .skip(k)
            .take(3)
            .map(|c| c % (b.len() + 1))
            .collect();
        k += 3;
        at.push(0);
        at.push(b.len());
        at.sort_unstable();
        for w in at.windows(2) {
            r.data(*ts, *dir, &b[w[0]..w[1]]);
        }
    }
    r.finish();
    r
}

/// Every truncation of the exchange (then the flow ends) never panics and gives at most one
/// record; a record exactly when the whole ClientHello was delivered.
#[test]
fn truncations() {
    for pkts in [tls13(), tls12()] {
        let total: usize = pkts.iter().map(|p| p.2.len()).sum();
        for cut in 0..=total {
            let mut left = cut;
            let mut r = Run::new();
            for (ts, dir, b) in &pkts {
                let n = left.min(b.len());
                r.data(*ts, *dir, &b[..n]);
                left -= n;
            }
            r.finish();
            assert_eq!(r.txns.len(), usize::from(cut >= pkts[0].2.len()), "{cut}");
            assert!(r.counters.errors.is_empty());
        }
    }
}

proptest! {
    /// Any split of each packet's bytes into calls gives the same transaction and counters.
    #[test]
    fn any_split_same_txn(cuts in proptest::collection::vec(any::<usize>(), 24), which: bool) {
        let pkts = if which { tls13() } else { tls12() };
        let whole = run(&pkts);
        let split = run_split(&pkts, &cuts);
        prop_assert_eq!(&whole.txns, &split.txns);
        prop_assert_eq!(&whole.counters, &split.counters);
        prop_assert_eq!(whole.txns.len(), 1);
    }

    /// Arbitrary bytes in both directions, with gaps, never panic; at most one record.
    #[test]
    fn random_streams(ops in proptest::collection::vec(
        (any::<bool>(), proptest::collection::vec(any::<u8>(), 0..64), 0u32..4), 0..20),
        prefix: bool,
    ) {
        let mut r = Run::new();
        if prefix {
            r.data(0, C, &tls13()[0].2);
        }
        for (i, (dir, bytes, gap)) in ops.iter().enumerate() {
            let dir = if *dir { C } else { S };
            if *gap == 3 {
                r.gap(dir, bytes.len() as u32);
            } else {
                r.data(i as u64, dir, bytes);
            }
        }
        r.finish();
        prop_assert!(r.txns.len() <= 1);
        prop_assert!(r.flow.is_done());
    }
}
