//! Hand-built segment sequences with exact expected metrics, one per DESIGN §4 definition.

use super::*;
use proptest::prelude::*;

const C: Dir = Dir::C2S;
const S: Dir = Dir::S2C;
const SYN: u8 = TcpFlags::SYN;
const ACK: u8 = TcpFlags::ACK;
const SYNACK: u8 = TcpFlags::SYN | TcpFlags::ACK;
const PSH: u8 = TcpFlags::PSH | TcpFlags::ACK;
const FIN: u8 = TcpFlags::FIN | TcpFlags::ACK;
const RST: u8 = TcpFlags::RST;
const RSTACK: u8 = TcpFlags::RST | TcpFlags::ACK;

fn seg(ts: u64, dir: Dir, flags: u8, seq: u32, ack: u32, len: u32) -> Segment {
    Segment {
        ts: Timestamp(ts),
        dir,
        seq,
        ack,
        flags: TcpFlags(flags),
        window: 1000,
        payload_len: len,
        timestamps: None,
    }
}

fn run(segs: &[Segment]) -> (TcpReport, Vec<Verdict>) {
    let mut t = TcpTracker::new();
    let v = segs.iter().map(|s| t.update(s)).collect();
    (t.report(), v)
}

/// Client ISN 100, server ISN 5000: SYN at 1000, SYN-ACK at 1500, ACK at 1700.
fn handshake() -> Vec<Segment> {
    vec![
        seg(1000, C, SYN, 100, 0, 0),
        seg(1500, S, SYNACK, 5000, 101, 0),
        seg(1700, C, ACK, 101, 5001, 0),
    ]
}

fn with(mut a: Vec<Segment>, b: &[Segment]) -> Vec<Segment> {
    a.extend_from_slice(b);
    a
}

fn closes(v: &[Verdict]) -> Vec<(usize, Close)> {
    v.iter()
        .enumerate()
        .filter_map(|(i, v)| v.closed.map(|c| (i, c)))
        .collect()
}

#[test]
fn tracker_fits_in_320_bytes() {
    eprintln!(
        "size_of::<TcpTracker>() = {}",
        std::mem::size_of::<TcpTracker>()
    );
    assert!(
        std::mem::size_of::<TcpTracker>() <= 320,
        "{}",
        std::mem::size_of::<TcpTracker>()
    );
}

#[test]
fn clean_request_response_and_fin_close() {
    let segs = with(
        handshake(),
        &[
            seg(2000, C, PSH, 101, 5001, 100),
            seg(2600, S, ACK, 5001, 201, 0),
            seg(3000, S, PSH, 5001, 201, 1000),
            seg(3100, C, ACK, 201, 6001, 0),
            seg(4000, C, FIN, 201, 6001, 0),
            seg(4100, S, FIN, 6001, 202, 0),
            seg(4200, C, ACK, 202, 6002, 0),
            // A repeated last ACK does not report the close again.
            seg(4300, C, ACK, 202, 6002, 0),
        ],
    );
    let (r, v) = run(&segs);
    assert_eq!(
        r,
        TcpReport {
            outcome: Outcome::Established,
            syn_retries: 0,
            attempts: 1,
            server_rtt_us: Some(500),
            client_rtt_us: Some(200),
            handshake_rtt_us: Some(700),
            ttfb_us: Some(1000),
            data_rtt: Some(RttStats {
                count: 2,
                min: 100,
                mean: 350,
                max: 600
            }),
            rst_by: None,
            dirs: [DirCounters::default(); 2],
        }
    );
    assert_eq!(closes(&v), vec![(9, Close::Fin)]);
    assert!(v.iter().all(|v| !v.new_connection));
}

#[test]
fn syn_retries_then_success() {
    let (r, _) = run(&[
        seg(0, C, SYN, 100, 0, 0),
        seg(1_000_000, C, SYN, 100, 0, 0),
        seg(3_000_000, C, SYN, 100, 0, 0),
        seg(3_000_400, S, SYNACK, 5000, 101, 0),
        seg(3_000_500, C, ACK, 101, 5001, 0),
    ]);
    assert_eq!(r.outcome, Outcome::Established);
    assert_eq!(r.syn_retries, 2);
    assert_eq!(r.attempts, 1);
    assert_eq!(r.server_rtt_us, Some(400));
    assert_eq!(r.client_rtt_us, Some(100));
    assert_eq!(r.handshake_rtt_us, Some(500));
    assert_eq!(r.dirs[C.index()].retransmits, 2);
    assert_eq!(r.dirs[S.index()].retransmits, 0);
}

#[test]
fn new_isn_before_completion_is_a_new_attempt() {
    let (r, v) = run(&[
        seg(0, C, SYN, 100, 0, 0),
        seg(10, C, SYN, 100, 0, 0),
        seg(1_000_000, C, SYN, 9000, 0, 0),
        seg(2_000_000, C, SYN, 9000, 0, 0),
        seg(2_000_300, S, SYNACK, 5000, 9001, 0),
        seg(2_000_350, C, ACK, 9001, 5001, 0),
    ]);
    assert!(v.iter().all(|v| v.closed.is_none() && !v.new_connection));
    assert_eq!(r.attempts, 2);
    assert_eq!(r.syn_retries, 2);
    assert_eq!(r.dirs[C.index()].retransmits, 2);
    assert_eq!(r.server_rtt_us, Some(300));
    assert_eq!(r.client_rtt_us, Some(50));
    assert_eq!(r.outcome, Outcome::Established);
}

#[test]
fn syn_ack_for_an_old_attempt_is_ignored() {
    let (r, _) = run(&[
        seg(0, C, SYN, 100, 0, 0),
        seg(1_000_000, C, SYN, 9000, 0, 0),
        seg(1_000_100, S, SYNACK, 5000, 101, 0),
    ]);
    assert_eq!(r.outcome, Outcome::Unanswered);
    assert_eq!(r.server_rtt_us, None);
}

#[test]
fn unanswered_syn() {
    let (r, v) = run(&[
        seg(0, C, SYN, 100, 0, 0),
        seg(1_000_000, C, SYN, 100, 0, 0),
        seg(3_000_000, C, SYN, 100, 0, 0),
    ]);
    assert!(v.iter().all(|v| v.closed.is_none() && !v.new_connection));
    assert_eq!(r.outcome, Outcome::Unanswered);
    assert_eq!(r.syn_retries, 2);
    assert_eq!(r.attempts, 1);
    assert_eq!((r.server_rtt_us, r.client_rtt_us), (None, None));
    assert_eq!(
        (r.handshake_rtt_us, r.ttfb_us, r.data_rtt),
        (None, None, None)
    );
    assert_eq!(r.rst_by, None);
}

#[test]
fn syn_ack_never_acknowledged_is_unanswered() {
    let (r, _) = run(&[
        seg(0, C, SYN, 100, 0, 0),
        seg(200, S, SYNACK, 5000, 101, 0),
        seg(1_000_000, C, SYN, 100, 0, 0),
        seg(1_000_300, S, SYNACK, 5000, 101, 0),
    ]);
    assert_eq!(r.outcome, Outcome::Unanswered);
    assert_eq!(r.server_rtt_us, Some(200));
    assert_eq!(r.client_rtt_us, None);
    assert_eq!(r.handshake_rtt_us, None);
    assert_eq!(r.syn_retries, 1);
    assert_eq!(r.dirs[S.index()].retransmits, 1);
}

#[test]
fn refused_then_retry_then_new_connection() {
    let (r, v) = run(&[
        seg(0, C, SYN, 100, 0, 0),
        seg(300, S, RSTACK, 0, 101, 0),
        // Windows retries the SYN after a RST, with the same ISN.
        seg(500_000, C, SYN, 100, 0, 0),
        seg(500_300, S, RSTACK, 0, 101, 0),
        seg(1_000_000, C, SYN, 7777, 0, 0),
    ]);
    assert_eq!(r.outcome, Outcome::Refused);
    assert_eq!(r.rst_by, Some(S));
    assert_eq!(r.syn_retries, 1);
    assert_eq!(r.attempts, 1);
    assert_eq!(r.server_rtt_us, None);
    assert_eq!(closes(&v), vec![(1, Close::Rst)]);
    assert!(!v[2].new_connection);
    assert!(v[4].new_connection);
}

#[test]
fn rst_before_completion_decision_table() {
    // Server RST after a SYN-ACK: refused.
    let (r, _) = run(&[
        seg(0, C, SYN, 100, 0, 0),
        seg(100, S, SYNACK, 5000, 101, 0),
        seg(200, S, RST, 5001, 0, 0),
    ]);
    assert_eq!((r.outcome, r.rst_by), (Outcome::Refused, Some(S)));
    assert_eq!(r.server_rtt_us, Some(100));
    // Client RST after a SYN-ACK (SYN scan): reset by the client.
    let (r, _) = run(&[
        seg(0, C, SYN, 100, 0, 0),
        seg(100, S, SYNACK, 5000, 101, 0),
        seg(150, C, RST, 101, 0, 0),
    ]);
    assert_eq!((r.outcome, r.rst_by), (Outcome::Reset, Some(C)));
    // Client RST before any SYN-ACK: unanswered.
    let (r, v) = run(&[seg(0, C, SYN, 100, 0, 0), seg(150, C, RST, 101, 0, 0)]);
    assert_eq!((r.outcome, r.rst_by), (Outcome::Unanswered, Some(C)));
    assert_eq!(closes(&v), vec![(1, Close::Rst)]);
}

#[test]
fn rst_mid_stream_is_reset_once() {
    let (r, v) = run(&with(
        handshake(),
        &[
            seg(2000, C, PSH, 101, 5001, 10),
            seg(2100, S, RSTACK, 5001, 111, 0),
            seg(2200, S, RSTACK, 5001, 111, 0),
            seg(2300, C, RST, 111, 0, 0),
        ],
    ));
    assert_eq!((r.outcome, r.rst_by), (Outcome::Reset, Some(S)));
    assert_eq!(closes(&v), vec![(4, Close::Rst)]);
    // The RST's ACK is not an RTT sample.
    assert_eq!(r.data_rtt, None);
}

#[test]
fn rst_after_fin_close_changes_nothing() {
    let (r, v) = run(&with(
        handshake(),
        &[
            seg(4000, C, FIN, 101, 5001, 0),
            seg(4100, S, FIN, 5001, 102, 0),
            seg(4200, C, ACK, 102, 5002, 0),
            seg(4300, C, RST, 102, 0, 0),
        ],
    ));
    assert_eq!((r.outcome, r.rst_by), (Outcome::Established, None));
    assert_eq!(closes(&v), vec![(5, Close::Fin)]);
}

#[test]
fn rst_after_half_close_is_reset() {
    let (r, v) = run(&with(
        handshake(),
        &[
            seg(4000, C, FIN, 101, 5001, 0),
            seg(4100, S, ACK, 5001, 102, 0),
            seg(4300, S, RST, 5001, 0, 0),
        ],
    ));
    assert_eq!((r.outcome, r.rst_by), (Outcome::Reset, Some(S)));
    assert_eq!(closes(&v), vec![(5, Close::Rst)]);
}

#[test]
fn retransmission_after_loss_and_partial_overlap() {
    let (r, _) = run(&with(
        handshake(),
        &[
            seg(2000, C, PSH, 101, 5001, 100),
            seg(2010, C, PSH, 201, 5001, 100),
            // 201..301 again: retransmit.
            seg(2500, C, PSH, 201, 5001, 100),
            // 251..351: half old, half new: new data, not a retransmit.
            seg(2600, C, PSH, 251, 5001, 100),
            // 101..351 again in one segment: retransmit.
            seg(2700, C, PSH, 101, 5001, 250),
            // FIN, then the FIN again: the second is a retransmit.
            seg(2800, C, FIN, 351, 5001, 0),
            seg(3800, C, FIN, 351, 5001, 0),
        ],
    ));
    assert_eq!(
        r.dirs[C.index()],
        DirCounters {
            retransmits: 3,
            out_of_order: 0,
            zero_window: 0
        }
    );
    assert_eq!(r.dirs[S.index()], DirCounters::default());
}

#[test]
fn loss_before_the_probe_fills_a_hole_out_of_order() {
    let (r, _) = run(&with(
        handshake(),
        &[
            seg(2000, C, PSH, 101, 5001, 100),
            // 201..301 lost before the probe.
            seg(2010, C, PSH, 301, 5001, 100),
            seg(2020, C, PSH, 401, 5001, 100),
            // Fill the first half of the hole, then the rest: two out-of-order segments.
            seg(2500, C, PSH, 201, 5001, 50),
            seg(2510, C, PSH, 251, 5001, 50),
            // Everything is seen now: a retransmit.
            seg(2600, C, PSH, 201, 5001, 100),
            // Overlapping old data and the end of the stream: new data.
            seg(2700, C, PSH, 451, 5001, 100),
        ],
    ));
    assert_eq!(
        r.dirs[C.index()],
        DirCounters {
            retransmits: 1,
            out_of_order: 2,
            zero_window: 0
        }
    );
}

#[test]
fn reordered_segments() {
    let (r, _) = run(&with(
        handshake(),
        &[
            seg(2000, S, PSH, 5001, 101, 1000),
            seg(2001, S, PSH, 7001, 101, 1000),
            seg(2002, S, PSH, 6001, 101, 1000),
            seg(2003, S, PSH, 8001, 101, 1000),
        ],
    ));
    assert_eq!(
        r.dirs[S.index()],
        DirCounters {
            retransmits: 0,
            out_of_order: 1,
            zero_window: 0
        }
    );
}

#[test]
fn hole_overflow_forgets_the_lowest_hole() {
    // Five holes of 10 bytes each above 101: 101..111 is forgotten when the fifth appears.
    let mut segs = handshake();
    for i in 0..5u32 {
        segs.push(seg(2000 + u64::from(i), C, PSH, 111 + 20 * i, 5001, 10));
    }
    segs.push(seg(3000, C, PSH, 101, 5001, 10)); // forgotten hole: retransmit
    segs.push(seg(3001, C, PSH, 121, 5001, 10)); // remembered hole: out of order
    let (r, _) = run(&segs);
    assert_eq!(r.dirs[C.index()].retransmits, 1);
    assert_eq!(r.dirs[C.index()].out_of_order, 1);
}

#[test]
fn zero_window_counts_only_plain_segments() {
    let zw = |mut s: Segment| {
        s.window = 0;
        s
    };
    let (r, _) = run(&[
        zw(seg(0, C, SYN, 100, 0, 0)),
        zw(seg(10, S, SYNACK, 5000, 101, 0)),
        seg(20, C, ACK, 101, 5001, 0),
        seg(30, S, PSH, 5001, 101, 100),
        zw(seg(40, C, ACK, 101, 5101, 0)),
        zw(seg(50, C, ACK, 101, 5101, 0)),
        zw(seg(60, C, FIN, 101, 5101, 0)),
        zw(seg(70, C, RSTACK, 102, 5101, 0)),
    ]);
    assert_eq!(r.dirs[C.index()].zero_window, 2);
    assert_eq!(r.dirs[S.index()].zero_window, 0);
}

#[test]
fn keep_alives_are_not_counted() {
    let (r, _) = run(&with(
        handshake(),
        &[
            // A server keep-alive (1 garbage byte at next − 1) before any payload: no
            // retransmit, and the server does not "speak first".
            seg(1_000_000, S, ACK, 5000, 101, 1),
            seg(1_000_100, C, ACK, 101, 5001, 0),
            seg(2_000_000, C, PSH, 101, 5001, 100),
            // Client keep-alives: zero and one byte at next − 1.
            seg(60_000_000, C, ACK, 200, 5001, 0),
            seg(120_000_000, C, ACK, 200, 5001, 1),
            seg(120_000_500, S, PSH, 5001, 201, 10),
        ],
    ));
    assert_eq!(r.dirs, [DirCounters::default(); 2]);
    assert_eq!(r.ttfb_us, Some(118_000_500));
}

#[test]
fn sequence_numbers_wrap() {
    let isn = 0xffff_ff00u32;
    let s1 = isn.wrapping_add(1); // 0xffff_ff01
    let (r, v) = run(&[
        seg(0, C, SYN, isn, 0, 0),
        seg(100, S, SYNACK, 0xffff_fff0, s1, 0),
        seg(200, C, ACK, s1, 0xffff_fff1, 0),
        // 0xffff_ff01..0x0000_0001 then 0x1..0x101 (hole) 0x101..0x201.
        seg(1000, C, PSH, s1, 0xffff_fff1, 0x100),
        seg(1010, C, PSH, 0x101, 0xffff_fff1, 0x100),
        // Fills the hole across nothing: out of order.
        seg(1020, C, PSH, 0x1, 0xffff_fff1, 0x100),
        // Whole range across the wrap again: retransmit.
        seg(1030, C, PSH, 0xffff_ff81, 0xffff_fff1, 0x100),
        // Server data crossing 2^32, acknowledged across the wrap.
        seg(2000, S, PSH, 0xffff_fff1, 0x201, 0x20),
        seg(2070, C, ACK, 0x201, 0x11, 0),
        seg(3000, C, FIN, 0x201, 0x11, 0),
        seg(3100, S, FIN, 0x11, 0x202, 0),
        seg(3200, C, ACK, 0x202, 0x12, 0),
    ]);
    assert_eq!(
        r.dirs[C.index()],
        DirCounters {
            retransmits: 1,
            out_of_order: 1,
            zero_window: 0
        }
    );
    assert_eq!(r.dirs[S.index()], DirCounters::default());
    assert_eq!(r.client_rtt_us, Some(100));
    // DESIGN §4 skips only segments whose bytes were sent again. The retransmission
    // 0xffff_ff81..0x81 re-sends bytes of the first segment (..0x1) and of the hole fill
    // (0x1..0x101): both give no sample. The segment 0x101..0x201 was sent once; the server
    // segment's ack 0x201 (at 2000) is the first to cover it: 2000 − 1010 = 990. The server
    // segment itself is covered by the client ack 0x11: 2070 − 2000 = 70.
    assert_eq!(
        r.data_rtt,
        Some(RttStats {
            count: 2,
            min: 70,
            mean: 530,
            max: 990
        })
    );
    assert_eq!(closes(&v), vec![(11, Close::Fin)]);
}

#[test]
fn mid_flow_start() {
    let (r, v) = run(&[
        seg(1000, C, PSH, 70_000, 9_000, 100),
        seg(1400, S, ACK, 9_000, 70_100, 0),
        seg(1500, S, PSH, 9_000, 70_100, 500),
        seg(1600, C, ACK, 70_100, 9_500, 0),
        // Retransmission of data sent before the capture started.
        seg(1700, C, PSH, 69_000, 9_500, 100),
        seg(1800, C, SYN, 1, 0, 0),
    ]);
    assert_eq!(r.outcome, Outcome::NoHandshake);
    assert_eq!((r.attempts, r.syn_retries), (0, 0));
    assert_eq!((r.server_rtt_us, r.client_rtt_us), (None, None));
    assert_eq!(r.ttfb_us, Some(500));
    assert_eq!(
        r.data_rtt,
        Some(RttStats {
            count: 2,
            min: 100,
            mean: 250,
            max: 400
        })
    );
    assert_eq!(r.dirs[C.index()].retransmits, 1);
    assert!(v[5].new_connection);
    assert!(v[..5].iter().all(|v| !v.new_connection));
}

#[test]
fn mid_flow_rst_keeps_no_handshake() {
    let (r, v) = run(&[seg(0, S, RSTACK, 9000, 70_000, 0)]);
    assert_eq!((r.outcome, r.rst_by), (Outcome::NoHandshake, Some(S)));
    assert_eq!(closes(&v), vec![(0, Close::Rst)]);
}

#[test]
fn ttfb_null_when_server_speaks_first() {
    let (r, _) = run(&with(
        handshake(),
        &[
            seg(2000, S, PSH, 5001, 101, 50), // banner
            seg(3000, C, PSH, 101, 5051, 20),
            seg(4000, S, PSH, 5051, 121, 50),
        ],
    ));
    assert_eq!(r.ttfb_us, None);
}

#[test]
fn ttfb_null_when_server_never_answers() {
    let (r, _) = run(&with(
        handshake(),
        &[
            seg(2000, C, PSH, 101, 5001, 50),
            seg(2100, S, ACK, 5001, 151, 0),
            seg(3000, C, PSH, 151, 5001, 50),
        ],
    ));
    assert_eq!(r.ttfb_us, None);
}

#[test]
fn ttfb_from_first_client_payload_even_in_the_handshake_ack() {
    let (r, _) = run(&[
        seg(1000, C, SYN, 100, 0, 0),
        seg(1500, S, SYNACK, 5000, 101, 0),
        seg(1700, C, PSH, 101, 5001, 30),
        seg(1800, C, PSH, 131, 5001, 30),
        seg(2700, S, PSH, 5001, 161, 10),
    ]);
    assert_eq!(r.client_rtt_us, Some(200));
    assert_eq!(r.ttfb_us, Some(1000));
}

#[test]
fn karn_skips_retransmitted_segments() {
    let (r, _) = run(&with(
        handshake(),
        &[
            seg(10_000, C, PSH, 101, 5001, 100),
            seg(10_300, C, PSH, 101, 5001, 100), // retransmitted
            seg(10_310, S, ACK, 5001, 201, 0),   // ambiguous: no sample
            seg(20_000, C, PSH, 201, 5001, 100),
            seg(20_050, S, ACK, 5001, 301, 0), // clean: 50
        ],
    ));
    assert_eq!(
        r.data_rtt,
        Some(RttStats {
            count: 1,
            min: 50,
            mean: 50,
            max: 50
        })
    );
}

#[test]
fn acks_that_waited_for_a_hole_still_give_samples() {
    let (r, _) = run(&with(
        handshake(),
        &[
            seg(10_000, C, PSH, 101, 5001, 100),
            seg(10_010, C, PSH, 301, 5001, 100), // 201..301 lost upstream
            seg(10_100, S, ACK, 5001, 201, 0),   // first segment: 100
            seg(10_300, C, PSH, 201, 5001, 100), // fills the hole (not a retransmission)
            seg(10_400, S, ACK, 5001, 401, 0),   // hole fill: 100; 301..401: 390
        ],
    ));
    // DESIGN §4 skips only retransmitted segments. 301..401 was sent once, so the first ACK
    // covering it (which had to wait for the hole) gives 10_400 − 10_010 = 390, however
    // inflated; the hole fill 201..301 gives 10_400 − 10_300 = 100. Mean 590 / 3 = 196.
    assert_eq!(
        r.data_rtt,
        Some(RttStats {
            count: 3,
            min: 100,
            mean: 196,
            max: 390
        })
    );
}

#[test]
fn out_of_order_hole_fill_is_sampled() {
    // The tcp_reorder fixture: the client's 1101..1200 (at 70 ms) is seen before 1001..1100
    // (72 ms), which fills the hole; one server ACK 1201 at 130 ms covers both.
    let ms = 1000;
    let (r, _) = run(&[
        seg(0, C, SYN, 1000, 0, 0),
        seg(50 * ms, S, SYNACK, 5000, 1001, 0),
        seg(60 * ms, C, ACK, 1001, 5001, 0),
        seg(70 * ms, C, PSH, 1101, 5001, 100),
        seg(72 * ms, C, PSH, 1001, 5001, 100),
        seg(130 * ms, S, PSH, 5001, 1201, 100),
        seg(140 * ms, C, ACK, 1201, 5101, 0),
    ]);
    assert_eq!(r.dirs[C.index()].out_of_order, 1);
    assert_eq!(r.dirs[C.index()].retransmits, 0);
    // 130 − 70 = 60 ms, 130 − 72 = 58 ms, and the server segment 140 − 130 = 10 ms.
    assert_eq!(
        r.data_rtt,
        Some(RttStats {
            count: 3,
            min: 10_000,
            mean: 42_666,
            max: 60_000
        })
    );
}

#[test]
fn retransmitted_segment_not_sampled_but_its_neighbours_are() {
    let (r, _) = run(&with(
        handshake(),
        &[
            seg(10_000, C, PSH, 101, 5001, 100), // A
            seg(10_010, C, PSH, 201, 5001, 100), // B
            seg(10_020, C, PSH, 301, 5001, 100), // C
            seg(10_500, C, PSH, 201, 5001, 100), // B again: B gives no sample, A and C do
            seg(10_600, S, ACK, 5001, 401, 0),
        ],
    ));
    assert_eq!(r.dirs[C.index()].retransmits, 1);
    // A: 10_600 − 10_000 = 600; C: 10_600 − 10_020 = 580. The retransmission is not timed.
    assert_eq!(
        r.data_rtt,
        Some(RttStats {
            count: 2,
            min: 580,
            mean: 590,
            max: 600
        })
    );
}

#[test]
fn karn_marks_every_segment_sharing_a_resent_byte() {
    let (r, _) = run(&with(
        handshake(),
        &[
            seg(10_000, C, PSH, 101, 5001, 100), // A 101..201
            seg(10_010, C, PSH, 201, 5001, 100), // B 201..301
            seg(10_020, C, PSH, 401, 5001, 100), // D 401..501 (301..401 lost upstream)
            // Repacketized: re-sends the last byte of A and the first of B: both marked.
            seg(10_030, C, PSH, 200, 5001, 2),
            // Fills the hole 301..401 and re-sends 401 (D's first byte): D marked, the hole
            // fill itself carries new data and is timed.
            seg(10_040, C, PSH, 301, 5001, 101),
            // Partly new (451..551 with 501..551 new): re-sends D's bytes, timed itself.
            seg(10_050, C, PSH, 451, 5001, 100),
            seg(10_600, S, ACK, 5001, 551, 0),
        ],
    ));
    assert_eq!(
        r.dirs[C.index()],
        DirCounters {
            retransmits: 1,
            out_of_order: 1,
            zero_window: 0
        }
    );
    // Samples: the hole fill 10_600 − 10_040 = 560 and 451..551 10_600 − 10_050 = 550.
    assert_eq!(
        r.data_rtt,
        Some(RttStats {
            count: 2,
            min: 550,
            mean: 555,
            max: 560
        })
    );
}

#[test]
fn one_ack_covering_several_segments_gives_one_sample_per_segment() {
    let (r, _) = run(&with(
        handshake(),
        &[
            seg(10_100, S, PSH, 5001, 101, 100),
            seg(10_200, S, PSH, 5101, 101, 100),
            seg(10_300, S, PSH, 5201, 101, 100),
            seg(10_350, C, ACK, 101, 5301, 0),
            // A duplicate ACK covers nothing new.
            seg(10_400, C, ACK, 101, 5301, 0),
        ],
    ));
    // DESIGN §4 gives each segment its own sample at the first ACK covering its last byte:
    // 10_350 − 10_100 = 250, − 10_200 = 150, − 10_300 = 50 (mean 150).
    assert_eq!(
        r.data_rtt,
        Some(RttStats {
            count: 3,
            min: 50,
            mean: 150,
            max: 250
        })
    );
}

#[test]
fn one_ack_covering_two_segments_gives_two_samples() {
    let (r, _) = run(&with(
        handshake(),
        &[
            seg(10_000, C, PSH, 101, 5001, 100),
            seg(10_040, C, PSH, 201, 5001, 100),
            seg(10_100, S, ACK, 5001, 301, 0),
        ],
    ));
    assert_eq!(
        r.data_rtt,
        Some(RttStats {
            count: 2,
            min: 60,
            mean: 80,
            max: 100
        })
    );
}

#[test]
fn full_ring_does_not_time_newer_segments() {
    let n = stream::MAX_OUTSTANDING as u32;
    let mut segs = handshake();
    // n + 2 server segments of 100 bytes, 10 µs apart: the last two find the ring full.
    for i in 0..n + 2 {
        segs.push(seg(
            10_000 + u64::from(i) * 10,
            S,
            PSH,
            5001 + i * 100,
            101,
            100,
        ));
    }
    // One ACK covering all of them: one sample per timed segment, 1000 − 10 i µs.
    let all = 5001 + (n + 2) * 100;
    segs.push(seg(11_000, C, ACK, 101, all, 0));
    // The ring is free again: the next segment is timed.
    segs.push(seg(20_000, S, PSH, all, 101, 100));
    segs.push(seg(20_030, C, ACK, 101, all + 100, 0));
    let (r, _) = run(&segs);
    let d = r.data_rtt.unwrap();
    assert_eq!(d.count, n + 1);
    assert_eq!(d.min, 30);
    assert_eq!(d.max, 1000);
    let sum: u64 = (0..u64::from(n)).map(|i| 1000 - 10 * i).sum::<u64>() + 30;
    assert_eq!(d.mean, sum / u64::from(n + 1));
}

#[test]
fn later_acks_give_no_second_sample() {
    let (r, _) = run(&with(
        handshake(),
        &[
            seg(10_000, C, PSH, 101, 5001, 100),
            seg(10_100, S, ACK, 5001, 151, 0), // covers half: no sample
            seg(10_200, S, ACK, 5001, 201, 0), // first covering the last byte: 200
            seg(10_300, S, ACK, 5001, 201, 0), // duplicate: nothing
            seg(10_400, S, PSH, 5001, 201, 10),
        ],
    ));
    assert_eq!(
        r.data_rtt,
        Some(RttStats {
            count: 1,
            min: 200,
            mean: 200,
            max: 200
        })
    );
}

#[test]
fn handshake_ack_not_captured() {
    // The ACK of the SYN-ACK is missing; the next client segment acknowledges server data.
    let (r, _) = run(&[
        seg(1000, C, SYN, 100, 0, 0),
        seg(1500, S, SYNACK, 5000, 101, 0),
        seg(1600, S, PSH, 5001, 101, 10),
        seg(1900, C, PSH, 101, 5011, 10),
    ]);
    assert_eq!(r.outcome, Outcome::Established);
    assert_eq!(r.server_rtt_us, Some(500));
    assert_eq!((r.client_rtt_us, r.handshake_rtt_us), (None, None));
}

#[test]
fn syn_ack_not_captured() {
    let (r, _) = run(&[
        seg(1000, C, SYN, 100, 0, 0),
        seg(1700, C, ACK, 101, 5001, 0),
    ]);
    assert_eq!(r.outcome, Outcome::Established);
    assert_eq!((r.server_rtt_us, r.client_rtt_us), (None, None));
}

#[test]
fn retransmitted_syn_ack_moves_only_client_rtt() {
    let (r, _) = run(&[
        seg(1000, C, SYN, 100, 0, 0),
        seg(1500, S, SYNACK, 5000, 101, 0),
        seg(2_000_000, C, SYN, 100, 0, 0),
        seg(2_000_200, S, SYNACK, 5000, 101, 0),
        seg(2_000_300, C, ACK, 101, 5001, 0),
    ]);
    assert_eq!(r.server_rtt_us, Some(500));
    assert_eq!(r.client_rtt_us, Some(100));
    assert_eq!(r.handshake_rtt_us, Some(600));
    assert_eq!(r.syn_retries, 1);
    assert_eq!(r.dirs[S.index()].retransmits, 1);
    assert_eq!(r.dirs[C.index()].retransmits, 1);
}

#[test]
fn new_connection_detection() {
    // After establishment: same ISN is a retransmitted SYN, a new ISN a new connection.
    let (r, v) = run(&with(
        handshake(),
        &[
            seg(2000, C, SYN, 100, 0, 0),
            seg(3000, C, SYN, 555, 0, 0),
            seg(3001, S, SYN, 777, 0, 0),
        ],
    ));
    assert_eq!(
        v.iter().map(|v| v.new_connection).collect::<Vec<_>>(),
        vec![false, false, false, false, true, true]
    );
    assert_eq!(r.syn_retries, 1);
    assert_eq!(r.attempts, 1);
    assert_eq!(r.dirs[C.index()].retransmits, 1);
    // After a FIN close.
    let (_, v) = run(&with(
        handshake(),
        &[
            seg(4000, C, FIN, 101, 5001, 0),
            seg(4100, S, FIN, 5001, 102, 0),
            seg(4200, C, ACK, 102, 5002, 0),
            seg(9000, C, SYN, 123_456, 0, 0),
        ],
    ));
    assert!(v[6].new_connection);
    assert_eq!(closes(&v), vec![(5, Close::Fin)]);
}

#[test]
fn simultaneous_close() {
    let (_, v) = run(&with(
        handshake(),
        &[
            seg(4000, C, FIN, 101, 5001, 0),
            seg(4001, S, FIN, 5001, 101, 0),
            seg(4100, S, ACK, 5002, 102, 0),
            seg(4101, C, ACK, 102, 5002, 0),
        ],
    ));
    assert_eq!(closes(&v), vec![(6, Close::Fin)]);
}

#[test]
fn long_flows_keep_rtt_samples_and_drop_absurd_ones() {
    let h = 3_600_000_000u64; // one hour in µs
    let (r, _) = run(&with(
        handshake(),
        &[
            // Outstanding for two hours: the base moves past it, no sample.
            seg(10_000, C, PSH, 101, 5001, 10),
            seg(2 * h, S, ACK, 5001, 111, 0),
            // Three hours in: a normal sample.
            seg(3 * h, C, PSH, 111, 5001, 10),
            seg(3 * h + 80, S, ACK, 5001, 121, 0),
            seg(3 * h + 100, S, PSH, 5001, 121, 10),
            seg(3 * h + 190, C, ACK, 121, 5011, 0),
        ],
    ));
    assert_eq!(
        r.data_rtt,
        Some(RttStats {
            count: 2,
            min: 80,
            mean: 85,
            max: 90
        })
    );
}

#[test]
fn jump_beyond_the_window_resyncs() {
    let (r, _) = run(&with(
        handshake(),
        &[
            seg(2000, C, PSH, 101, 5001, 100),
            seg(2100, C, PSH, 101 + (1 << 30) + 200, 5001, 100),
            seg(2200, C, PSH, 101 + (1 << 30) + 300, 5001, 100),
            seg(2300, C, PSH, 101 + (1 << 30) + 200, 5001, 100),
        ],
    ));
    assert_eq!(
        r.dirs[C.index()],
        DirCounters {
            retransmits: 1,
            out_of_order: 0,
            zero_window: 0
        }
    );
}

#[test]
fn report_before_any_segment() {
    let r = TcpTracker::new().report();
    assert_eq!(r.outcome, Outcome::NoHandshake);
    assert_eq!(r.attempts, 0);
    assert_eq!(r.data_rtt, None);
}

fn arb_segment() -> impl Strategy<Value = Segment> {
    (
        0u64..10_000_000_000,
        any::<bool>(),
        prop_oneof![any::<u32>(), 0u32..4000, 0xffff_f000u32..=u32::MAX],
        prop_oneof![any::<u32>(), 0u32..4000, 0xffff_f000u32..=u32::MAX],
        any::<u8>(),
        prop_oneof![Just(0u16), any::<u16>()],
        prop_oneof![Just(0u32), 0u32..1500, any::<u32>()],
    )
        .prop_map(|(ts, c2s, seq, ack, flags, window, len)| Segment {
            ts: Timestamp(ts),
            dir: if c2s { C } else { S },
            seq,
            ack,
            flags: TcpFlags(flags),
            window,
            payload_len: len,
            timestamps: None,
        })
}

proptest! {
    #[test]
    fn random_segments_never_panic(mut segs in prop::collection::vec(arb_segment(), 0..60),
                                   sorted in any::<bool>()) {
        if sorted {
            segs.sort_by_key(|s| s.ts);
        }
        let mut t = TcpTracker::new();
        let mut closes = 0;
        for s in &segs {
            let v = t.update(s);
            closes += usize::from(v.closed.is_some());
            prop_assert!(!(v.new_connection && v.closed.is_some()));
            let r = t.report();
            if let Some(d) = r.data_rtt {
                prop_assert!(d.count > 0 && d.min <= d.mean && d.mean <= d.max);
            }
            prop_assert_eq!(
                r.handshake_rtt_us,
                r.server_rtt_us.zip(r.client_rtt_us).map(|(a, b)| a + b)
            );
        }
        prop_assert!(closes <= 1);
    }
}

#[test]
fn rebase_keeps_recent_outstanding_segments() {
    // The client segment is timed at 4.2e9 µs after the base; the server segment at 4.4e9 µs
    // no longer fits in 32 bits and moves the base, the client segment stays timed.
    let (r, _) = run(&with(
        handshake(),
        &[
            seg(4_200_001_000, C, PSH, 101, 5001, 10),
            seg(4_400_001_000, S, PSH, 5001, 101, 10),
            seg(4_400_001_100, S, ACK, 5011, 111, 0),
            seg(4_400_001_150, C, ACK, 111, 5011, 0),
        ],
    ));
    assert_eq!(
        r.data_rtt,
        Some(RttStats {
            count: 2,
            min: 150,
            mean: 100_000_125,
            max: 200_000_100
        })
    );
}
