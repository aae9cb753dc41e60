//! Per-flow tests: matching, retransmissions, timeouts, unmatched and duplicate responses, TCP
//! framing and gaps.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use proptest::prelude::*;

use super::testkit::{framed, query, response, Harness};
use super::{DUPLICATE_RESPONSE, LATE_RESPONSE, MAX_PENDING, TCP_GAP, TOO_MANY_PENDING};
use crate::app::{DnsOutcome, DnsTxn};
use crate::flow::Dir::{C2S, S2C};

const T: u64 = 5_000_000;
const A: u16 = 1;
const AAAA: u16 = 28;

fn v4(a: u8, b: u8, c: u8, d: u8) -> IpAddr {
    IpAddr::V4(Ipv4Addr::new(a, b, c, d))
}

#[test]
fn answered_udp_every_field() {
    let mut h = Harness::new(T, false);
    let v6: IpAddr = IpAddr::V6(Ipv6Addr::LOCALHOST);
    h.udp(1_000, C2S, &query(7, "www.example.com", A));
    assert_eq!(h.flow.next_deadline_us(), Some(1_000 + T));
    assert!(h.txns.is_empty());
    h.udp(
        1_500,
        S2C,
        &response(7, 0, "www.example.com", A, &[v4(1, 2, 3, 4), v6], None),
    );
    assert_eq!(
        h.dns(),
        vec![&DnsTxn {
            ts_us: 1_000,
            query_dir: C2S,
            tcp: false,
            id: 7,
            qname: "www.example.com".into(),
            qtype: A,
            rcode: Some(0),
            answers: Some(2),
            latency_us: Some(500),
            outcome: DnsOutcome::Answered,
            addrs: vec![v4(1, 2, 3, 4), v6],
        }]
    );
    assert_eq!(h.flow.transactions(), 1);
    assert_eq!(h.counters.transactions.get("dns"), Some(&1));
    assert_eq!(h.flow.next_deadline_us(), None);
    assert_eq!(h.errors(), 0);
}

#[test]
fn rcodes_nxdomain_servfail_badvers() {
    let mut h = Harness::new(T, false);
    h.udp(10, C2S, &query(1, "nope.example", A));
    h.udp(20, C2S, &query(2, "broken.example", A));
    h.udp(30, C2S, &query(3, "edns.example", AAAA));
    h.udp(40, S2C, &response(1, 3, "nope.example", A, &[], None));
    h.udp(50, S2C, &response(2, 2, "broken.example", A, &[], None));
    h.udp(60, S2C, &response(3, 0, "edns.example", AAAA, &[], Some(1)));
    let got: Vec<_> = h
        .dns()
        .iter()
        .map(|t| (t.id, t.rcode, t.answers, t.latency_us))
        .collect();
    assert_eq!(
        got,
        vec![
            (1, Some(3), Some(0), Some(30)),
            (2, Some(2), Some(0), Some(30)),
            (3, Some(16), Some(0), Some(30)),
        ]
    );
}

#[test]
fn retransmission_keeps_first_query_time() {
    let mut h = Harness::new(T, false);
    h.udp(1_000, C2S, &query(9, "a.example", A));
    h.udp(1_000_000, C2S, &query(9, "A.EXAMPLE", A)); // same question, other case
    h.udp(
        1_200_000,
        S2C,
        &response(9, 0, "a.example", A, &[v4(9, 9, 9, 9)], None),
    );
    let t = h.dns();
    assert_eq!(t.len(), 1);
    assert_eq!((t[0].ts_us, t[0].latency_us), (1_000, Some(1_199_000)));
    assert_eq!(t[0].qname, "a.example");
    assert_eq!(h.flow.next_deadline_us(), None);
}

#[test]
fn retry_with_new_id_is_its_own_transaction() {
    let mut h = Harness::new(T, false);
    h.udp(1_000, C2S, &query(1, "a.example", A));
    h.udp(2_001_000, C2S, &query(2, "a.example", A));
    h.udp(2_001_500, S2C, &response(2, 0, "a.example", A, &[], None));
    assert_eq!(h.flow.next_deadline_us(), Some(1_000 + T));
    h.expire(1_000 + T - 1);
    assert_eq!(h.dns().len(), 1);
    h.expire(1_000 + T);
    let t = h.dns();
    assert_eq!(t.len(), 2);
    assert_eq!(
        (t[0].id, t[0].outcome, t[0].latency_us),
        (2, DnsOutcome::Answered, Some(500))
    );
    assert_eq!(
        (t[1].id, t[1].outcome, t[1].ts_us),
        (1, DnsOutcome::Timeout, 1_000)
    );
}

#[test]
fn duplicate_response_is_counted_and_ignored() {
    let mut h = Harness::new(T, false);
    h.udp(0, C2S, &query(4, "d.example", A));
    h.udp(5, C2S, &query(4, "d.example", A));
    let r = response(4, 0, "d.example", A, &[v4(1, 1, 1, 1)], None);
    h.udp(10, S2C, &r);
    h.udp(15, S2C, &r);
    assert_eq!(h.dns().len(), 1);
    assert_eq!(h.dns()[0].latency_us, Some(10));
    assert_eq!(h.err(DUPLICATE_RESPONSE), 1);
    assert_eq!(h.errors(), 1);
}

#[test]
fn timeout_via_expire_then_late_response() {
    let mut h = Harness::new(T, false);
    h.udp(100, C2S, &query(5, "slow.example", AAAA));
    h.expire(100 + T - 1);
    assert!(h.txns.is_empty());
    h.expire(100 + T);
    assert_eq!(
        h.dns(),
        vec![&DnsTxn {
            ts_us: 100,
            query_dir: C2S,
            tcp: false,
            id: 5,
            qname: "slow.example".into(),
            qtype: AAAA,
            rcode: None,
            answers: None,
            latency_us: None,
            outcome: DnsOutcome::Timeout,
            addrs: vec![],
        }]
    );
    assert_eq!(h.flow.next_deadline_us(), None);
    h.udp(
        100 + T + 7,
        S2C,
        &response(5, 0, "slow.example", AAAA, &[], None),
    );
    assert_eq!(h.dns().len(), 1);
    assert_eq!(h.err(LATE_RESPONSE), 1);
}

#[test]
fn response_at_the_deadline_is_late_even_without_expire() {
    let mut h = Harness::new(T, false);
    h.udp(0, C2S, &query(5, "x.example", A));
    h.udp(T, S2C, &response(5, 0, "x.example", A, &[], None));
    assert_eq!(h.dns().len(), 1);
    assert_eq!(h.dns()[0].outcome, DnsOutcome::Timeout);
    assert_eq!(h.err(LATE_RESPONSE), 1);
}

#[test]
fn timeout_via_finish() {
    let mut h = Harness::new(T, false);
    h.udp(100, C2S, &query(1, "one.example", A));
    h.udp(200, C2S, &query(2, "two.example", A));
    h.finish(300);
    let got: Vec<_> = h
        .dns()
        .iter()
        .map(|t| (t.id, t.outcome, t.ts_us, t.rcode))
        .collect();
    assert_eq!(
        got,
        vec![
            (1, DnsOutcome::Timeout, 100, None),
            (2, DnsOutcome::Timeout, 200, None)
        ]
    );
    assert_eq!(h.flow.transactions(), 2);
}

#[test]
fn unmatched_response_first_packet_of_the_flow() {
    let mut h = Harness::new(T, false);
    // The capture started late: the first packet (C2S by definition) is a response.
    let r = response(3, 3, "late.example", A, &[], None);
    h.udp(500, C2S, &r);
    assert_eq!(
        h.dns(),
        vec![&DnsTxn {
            ts_us: 500,
            query_dir: S2C,
            tcp: false,
            id: 3,
            qname: "late.example".into(),
            qtype: A,
            rcode: Some(3),
            answers: Some(0),
            latency_us: None,
            outcome: DnsOutcome::UnmatchedResponse,
            addrs: vec![],
        }]
    );
    h.udp(600, C2S, &r);
    assert_eq!(h.dns().len(), 1);
    assert_eq!(h.err(DUPLICATE_RESPONSE), 1);
}

#[test]
fn response_must_travel_against_the_query() {
    let mut h = Harness::new(T, false);
    h.udp(0, C2S, &query(1, "x.example", A));
    h.udp(10, C2S, &response(1, 0, "x.example", A, &[], None));
    h.udp(20, S2C, &response(1, 0, "y.example", A, &[], None)); // other question
    h.udp(30, S2C, &response(1, 0, "x.example", AAAA, &[], None)); // other type
    let got: Vec<_> = h.dns().iter().map(|t| (t.outcome, t.query_dir)).collect();
    let u = DnsOutcome::UnmatchedResponse;
    assert_eq!(got, vec![(u, S2C), (u, C2S), (u, C2S)]);
    h.finish(40);
    assert_eq!(h.dns()[3].outcome, DnsOutcome::Timeout);
}

#[test]
fn response_without_question_matches_a_unique_id() {
    let mut h = Harness::new(T, false);
    h.udp(0, C2S, &query(1, "x.example", A));
    // FORMERR with QDCOUNT 0.
    let formerr = [0, 1, 0x81, 0x81, 0, 0, 0, 0, 0, 0, 0, 0];
    h.udp(10, S2C, &formerr);
    let t = h.dns();
    assert_eq!(
        (t[0].outcome, t[0].rcode, t[0].qname.as_str()),
        (DnsOutcome::Answered, Some(1), "x.example")
    );
    h.udp(20, S2C, &formerr);
    assert_eq!(h.err(DUPLICATE_RESPONSE), 1);
    // Two pending with that id: ambiguous, unmatched (empty qname).
    h.udp(30, C2S, &query(2, "p.example", A));
    h.udp(31, C2S, &query(2, "q.example", A));
    h.udp(40, S2C, &[0, 2, 0x81, 0x81, 0, 0, 0, 0, 0, 0, 0, 0]);
    let t = h.dns();
    assert_eq!(
        (t[1].outcome, t[1].qname.as_str(), t[1].qtype),
        (DnsOutcome::UnmatchedResponse, "", 0)
    );
}

#[test]
fn too_many_pending_pushes_the_oldest_out() {
    let mut h = Harness::new(T, false);
    for id in 0..=MAX_PENDING as u16 {
        h.udp(u64::from(id), C2S, &query(id, "many.example", A));
    }
    assert_eq!(h.err(TOO_MANY_PENDING), 1);
    let t = h.dns();
    assert_eq!(
        (t.len(), t[0].id, t[0].outcome),
        (1, 0, DnsOutcome::Timeout)
    );
    h.udp(100, S2C, &response(0, 0, "many.example", A, &[], None));
    assert_eq!(h.err(LATE_RESPONSE), 1);
    h.udp(101, S2C, &response(64, 0, "many.example", A, &[], None));
    assert_eq!(h.dns()[1].latency_us, Some(101 - 64));
    h.finish(200);
    assert_eq!(h.dns().len(), 1 + 1 + (MAX_PENDING - 1));
}

#[test]
fn snaplen_cut_and_malformed_messages() {
    let mut h = Harness::new(T, false);
    h.udp(0, C2S, &query(1, "cut.example", A));
    let r = response(
        1,
        0,
        "cut.example",
        A,
        &[v4(1, 1, 1, 1), v4(2, 2, 2, 2)],
        None,
    );
    // Cut in the middle of the second address: the first is kept, the cut is counted.
    h.udp(10, S2C, &r[..r.len() - 2]);
    let t = h.dns();
    assert_eq!(
        (t[0].answers, &t[0].addrs[..]),
        (Some(2), &[v4(1, 1, 1, 1)][..])
    );
    assert_eq!(h.err("dns_truncated"), 1);
    // Cut inside the question: nothing to match with.
    let q = query(2, "cut.example", A);
    h.udp(20, C2S, &q[..q.len() - 1]);
    h.udp(21, C2S, &q[..5]);
    assert_eq!(h.err("dns_truncated"), 3);
    // A pointer loop in the question.
    let mut lp = q[..12].to_vec();
    lp.extend_from_slice(&[0xc0, 12, 0, 1, 0, 1]);
    h.udp(30, C2S, &lp);
    assert_eq!(h.err("dns_pointer_loop"), 1);
    assert_eq!(h.flow.next_deadline_us(), None);
    assert_eq!(h.dns().len(), 1);
}

#[test]
fn tcp_two_messages_in_one_call() {
    let mut h = Harness::new(T, true);
    let mut both = framed(&query(1, "one.example", A));
    both.extend_from_slice(&framed(&query(2, "two.example", AAAA)));
    h.tcp(1_000, C2S, &both);
    assert!(h.txns.is_empty());
    let mut answers = framed(&response(2, 0, "two.example", AAAA, &[], None));
    answers.extend_from_slice(&framed(&response(
        1,
        0,
        "one.example",
        A,
        &[v4(1, 2, 3, 4)],
        None,
    )));
    h.tcp(3_000, S2C, &answers);
    let got: Vec<_> = h
        .dns()
        .iter()
        .map(|t| (t.id, t.tcp, t.ts_us, t.latency_us, t.addrs.len()))
        .collect();
    assert_eq!(
        got,
        vec![
            (2, true, 1_000, Some(2_000), 0),
            (1, true, 1_000, Some(2_000), 1)
        ]
    );
    assert_eq!(h.errors(), 0);
}

#[test]
fn tcp_message_split_over_three_calls() {
    let mut h = Harness::new(T, true);
    let q = framed(&query(7, "split.example", A));
    h.tcp(100, C2S, &q[..1]); // half the length prefix
    h.tcp(200, C2S, &q[1..9]);
    h.tcp(300, C2S, &q[9..]);
    assert_eq!(h.flow.next_deadline_us(), Some(100 + T));
    let r = framed(&response(7, 0, "split.example", A, &[v4(5, 6, 7, 8)], None));
    // The end of one message and a whole next one (a duplicate) in one call, then a partial.
    h.tcp(1_000, S2C, &r[..20]);
    let mut rest = r[20..].to_vec();
    rest.extend_from_slice(&r);
    rest.extend_from_slice(&r[..3]);
    h.tcp(2_000, S2C, &rest);
    let t = h.dns();
    assert_eq!((t.len(), t[0].ts_us, t[0].latency_us), (1, 100, Some(900)));
    assert_eq!(h.err(DUPLICATE_RESPONSE), 1);
    // The 3 bytes left are an incomplete message at the end.
    h.finish(3_000);
    assert_eq!(h.err("dns_truncated"), 1);
}

#[test]
fn tcp_short_message_is_counted_and_the_stream_continues() {
    let mut h = Harness::new(T, true);
    let mut data = vec![0, 0, 0, 3, 1, 2, 3];
    data.extend_from_slice(&framed(&query(1, "ok.example", A)));
    h.tcp(0, C2S, &data);
    assert_eq!(h.err("dns_truncated"), 2);
    assert_eq!(h.flow.next_deadline_us(), Some(T));
}

#[test]
fn tcp_gap_gives_up_the_direction() {
    let mut h = Harness::new(T, true);
    let q = framed(&query(1, "gap.example", A));
    h.tcp(0, C2S, &q);
    let r = framed(&response(1, 0, "gap.example", A, &[], None));
    h.tcp(10, S2C, &r[..10]);
    h.gap(S2C, 100);
    h.gap(S2C, 5);
    h.tcp(20, S2C, &r); // would be a valid message, but the direction is given up
    assert!(h.txns.is_empty());
    assert_eq!(h.err(TCP_GAP), 1);
    assert!(!h.flow.is_done());
    h.gap(C2S, 1);
    assert!(h.flow.is_done());
    h.finish(30);
    assert_eq!(
        (h.dns().len(), h.dns()[0].outcome),
        (1, DnsOutcome::Timeout)
    );
    assert_eq!(h.err("dns_truncated"), 0);
}

proptest! {
    /// A TCP stream split anywhere gives the same transactions as in one call.
    #[test]
    fn tcp_split_invariance(cuts in prop::collection::vec(any::<prop::sample::Index>(), 0..8)) {
        let mut stream = Vec::new();
        for id in 0..4u16 {
            stream.extend_from_slice(&framed(&query(id, "s.example", A)));
        }
        let mut answers = Vec::new();
        for id in (0..4u16).rev() {
            answers.extend_from_slice(&framed(&response(id, 0, "s.example", A, &[v4(1, 0, 0, id as u8)], None)));
        }
        let mut whole = Harness::new(T, true);
        whole.tcp(1, C2S, &stream);
        whole.tcp(2, S2C, &answers);
        let mut split = Harness::new(T, true);
        let mut points: Vec<usize> = cuts.iter().map(|c| c.index(answers.len() + 1)).collect();
        points.sort_unstable();
        split.tcp(1, C2S, &stream);
        let mut last = 0;
        for p in points.into_iter().chain([answers.len()]) {
            split.tcp(2, S2C, &answers[last..p]);
            last = p;
        }
        prop_assert_eq!(&whole.txns, &split.txns);
        prop_assert_eq!(whole.txns.len(), 4);
        prop_assert_eq!(split.errors(), 0);
    }

    /// Random messages, bytes and operations never panic, and every query gets one record.
    #[test]
    fn random_operations(ops in prop::collection::vec((0u8..6, any::<bool>(), prop::collection::vec(any::<u8>(), 0..80), 0u64..3_000_000), 0..40)) {
        for tcp in [false, true] {
            let mut h = Harness::new(1_000_000, tcp);
            let mut now = 0;
            for (op, c2s, bytes, dt) in &ops {
                now += dt;
                let dir = if *c2s { C2S } else { S2C };
                let id = u16::from(bytes.first().copied().unwrap_or(0) % 4);
                match op {
                    0 => h.udp(now, dir, &query(id, "r.example", A)),
                    1 => h.udp(now, dir, &response(id, 0, "r.example", A, &[], None)),
                    2 => h.udp(now, dir, bytes),
                    3 => h.tcp(now, dir, bytes),
                    4 => h.gap(dir, u32::from(id)),
                    _ => h.expire(now),
                }
                prop_assert!(h.flow.next_deadline_us().is_none_or(|d| d > now || *op != 5));
            }
            h.finish(now);
            prop_assert_eq!(h.flow.next_deadline_us(), None);
            prop_assert_eq!(h.flow.transactions() as usize, h.txns.len());
        }
    }
}
