//! TCP connection tracker: handshake, outcome, RTTs, TTFB, retransmissions (DESIGN §4).
//!
//! One [`TcpTracker`] per TCP flow. The flow table resolves each segment's direction (client =
//! sender of the first SYN without ACK; start not seen: the higher port) and calls
//! [`TcpTracker::update`] for every segment in capture order; [`TcpTracker::report`] gives
//! the `tcp` object and the per-direction counters of the flow record. Every metric's
//! definition is in the doc comment of the code computing it.
//!
//! The tracker is sans-IO and bounded: time comes from the segments, the state is a fixed
//! ≤ 320-byte struct (no heap), sequence numbers are compared modulo 2^32 ([`seq`], RFC 9293
//! §3.4). It refuses to guess: a metric whose events were not captured is `None`, never 0.
//!
//! Not done: TCP timestamps (TSval/TSecr) give no extra RTT samples; RSTs are not checked
//! against the window.

pub mod seq;
mod stream;
#[cfg(test)]
mod tests;

use self::stream::{Class, Stream};
use crate::decode::TcpFlags;
use crate::flow::Dir;
use crate::time::Timestamp;

/// One TCP segment as the tracker sees it, direction already resolved by the flow table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Segment {
    pub ts: Timestamp,
    pub dir: Dir,
    pub seq: u32,
    pub ack: u32,
    pub flags: TcpFlags,
    /// Advertised window, unscaled as in the header.
    pub window: u16,
    /// Payload length from the IP header (wire length).
    pub payload_len: u32,
    /// TCP timestamps option (TSval, TSecr).
    pub timestamps: Option<(u32, u32)>,
}

/// How a connection closed, when the tracker saw it close.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Close {
    /// Both FINs seen and the second one acknowledged.
    Fin,
    /// A RST was seen.
    Rst,
}

/// What the tracker tells the flow table about one segment.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Verdict {
    /// The connection just closed with this segment (reported once).
    pub closed: Option<Close>,
    /// This segment is a SYN without ACK that opens a new connection reusing the 4-tuple: a SYN
    /// with an ISN other than the client's after the handshake completed or after the close
    /// was reported, or any SYN without ACK in a flow whose start was not seen. The tracker
    /// did NOT apply it; the table ends this flow and starts a new one with the segment.
    pub new_connection: bool,
    /// What this segment did, as [`event`] bits (for the subscriber rollup).
    pub events: u8,
}

/// Bits of [`Verdict::events`].
pub mod event {
    /// The handshake completed with this segment (RTTs in [`super::TcpTracker::report`]).
    pub const ESTABLISHED: u8 = 1;
    /// `ttfb_us` was measured with this segment.
    pub const TTFB: u8 = 2;
    /// A retransmission (counted in `retransmits`).
    pub const RETRANSMIT: u8 = 4;
    /// A data segment: payload > 0 and not a keep-alive.
    pub const DATA: u8 = 8;
}

/// TCP outcome (DESIGN §4), decided by the handshake state when the flow is reported, or
/// frozen at the first RST:
///
/// * `Established`: the handshake completed (client SYN, SYN-ACK acknowledging its ISN, client
///   ACK acknowledging the SYN-ACK) and no RST was seen before the connection closed.
/// * `Reset`: the first RST came after the handshake completed (either side), or from the
///   client after a SYN-ACK but before the handshake completed (the server accepted, the
///   client aborted, e.g. a SYN scan). `rst_by` says who.
/// * `Refused`: the first RST came from the server before the handshake completed (whether a
///   SYN-ACK was seen or not; its ACK number is not checked).
/// * `Unanswered`: client SYN(s) but the handshake never completed and no RST was seen; also a
///   client RST before any SYN-ACK (the client gave up waiting). SYN-ACKs may have been seen
///   when the client never acknowledged them (e.g. lost on the far side of the probe).
/// * `NoHandshake`: the first segment of the flow was not a client SYN without ACK (the start
///   was not seen); stays so whatever follows, RSTs included.
///
/// A RST after the FIN close was reported ([`Close::Fin`]) changes nothing (many stacks reset
/// after the FIN exchange).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    Established,
    Reset,
    Refused,
    Unanswered,
    NoHandshake,
}

impl Outcome {
    pub const fn name(self) -> &'static str {
        match self {
            Outcome::Established => "established",
            Outcome::Reset => "reset",
            Outcome::Refused => "refused",
            Outcome::Unanswered => "unanswered",
            Outcome::NoHandshake => "no_handshake",
        }
    }
}

/// Summary statistics of data RTT samples, in microseconds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RttStats {
    pub count: u32,
    pub min: u64,
    /// Integer mean (floor of sum / count).
    pub mean: u64,
    pub max: u64,
}

/// Per-direction TCP counters.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DirCounters {
    /// Segments using sequence space (payload, SYN or FIN) whose whole range was already seen
    /// in this direction; keep-alives excluded. A SYN sent again with the same ISN counts.
    pub retransmits: u32,
    /// Segments starting below the highest sequence seen that fill (part of) a hole not seen
    /// before. At most 4 holes are remembered per direction (the lowest is forgotten).
    pub out_of_order: u32,
    /// Segments advertising window 0 carrying none of SYN, FIN, RST.
    pub zero_window: u32,
}

/// Everything the flow record needs from the tracker.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TcpReport {
    pub outcome: Outcome,
    /// Client SYNs (no ACK) repeating their attempt's ISN, summed over attempts.
    pub syn_retries: u32,
    /// Distinct client ISNs seen (connection attempts); 0 when the start was not seen.
    pub attempts: u32,
    /// t(first SYN-ACK acknowledging the attempt) − t(latest client SYN before it); latest
    /// attempt only.
    pub server_rtt_us: Option<u64>,
    /// t(client ACK with ack = server ISN + 1 completing the handshake) − t(latest SYN-ACK).
    pub client_rtt_us: Option<u64>,
    /// `server_rtt_us + client_rtt_us`; `None` when either is.
    pub handshake_rtt_us: Option<u64>,
    /// t(first server payload after the first client payload) − t(first client payload).
    pub ttfb_us: Option<u64>,
    /// `data_rtt_us`: one sample per data segment carrying new data, = t(first reverse ACK
    /// covering its last payload byte) − t(segment), skipping segments whose bytes were
    /// sent again later (Karn); both directions pooled. See [`TcpTracker::update`].
    pub data_rtt: Option<RttStats>,
    /// Sender of the first RST (before any FIN close), whatever the outcome.
    pub rst_by: Option<Dir>,
    /// Indexed by [`Dir::index`].
    pub dirs: [DirCounters; 2],
}

/// Handshake progress of the connection.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
enum Phase {
    /// Nothing seen yet.
    #[default]
    Start,
    /// Client SYN seen, no SYN-ACK acknowledging its ISN yet.
    SynSent,
    /// SYN-ACK acknowledging the attempt seen, client ACK not yet.
    SynAckSeen,
    /// Handshake completed.
    Established,
    /// The first segment was not a client SYN without ACK.
    NoHandshake,
}

/// A span in µs stored in 32 bits (capped at about 71 minutes); `u32::MAX` = not measured.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Span32(u32);

impl Span32 {
    const NONE: Span32 = Span32(u32::MAX);

    fn new(us: u64) -> Span32 {
        Span32(u32::try_from(us).unwrap_or(u32::MAX - 1).min(u32::MAX - 1))
    }

    fn get(self) -> Option<u64> {
        (self != Self::NONE).then_some(u64::from(self.0))
    }
}

impl Default for Span32 {
    fn default() -> Self {
        Self::NONE
    }
}

/// Running `data_rtt_us` statistics (count, min, sum, max) in fixed space. Packed to 20
/// bytes (fields are only copied, never borrowed) to keep the tracker small.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[repr(C, packed(4))]
struct RttAcc {
    sum: u64,
    count: u32,
    min: u32,
    max: u32,
}

impl RttAcc {
    /// Add one sample (see [`TcpTracker::update`]); samples of 2^32 µs or more are dropped.
    fn add(&mut self, us: u64) {
        let Ok(us32) = u32::try_from(us) else {
            return;
        };
        if self.count == 0 {
            self.min = us32;
            self.max = us32;
        } else {
            self.min = self.min.min(us32);
            self.max = self.max.max(us32);
        }
        self.count = self.count.saturating_add(1);
        self.sum = self.sum.saturating_add(us);
    }

    fn stats(&self) -> Option<RttStats> {
        (self.count > 0).then(|| RttStats {
            count: self.count,
            min: u64::from(self.min),
            mean: self.sum / u64::from(self.count),
            max: u64::from(self.max),
        })
    }
}

/// Close (FIN or RST) already reported in a [`Verdict`].
const CLOSED: u8 = 1 << 0;
/// First client payload seen; `ttfb_slot` holds its time.
const TTFB_REQUEST: u8 = 1 << 1;
/// TTFB measured; `ttfb_slot` holds it.
const TTFB_DONE: u8 = 1 << 2;
/// Server payload came before any client payload: no TTFB.
const SERVER_FIRST: u8 = 1 << 3;

/// Per-connection TCP state (DESIGN §4). Fixed size (≤ 320 bytes, tested), no allocation.
///
/// Feed every segment of the flow in capture order to [`TcpTracker::update`] with its
/// direction resolved by the flow table; read the metrics with [`TcpTracker::report`].
#[derive(Clone, Debug, Default)]
pub struct TcpTracker {
    /// Indexed by [`Dir::index`].
    streams: [Stream; 2],
    /// Origin of the 32-bit send times of timed data segments (moved forward when a time no
    /// longer fits, see [`TcpTracker::sent_offset`]).
    rtt_base: Timestamp,
    /// Time of the latest client SYN of the attempt (`SynSent`) or of the latest SYN-ACK
    /// acknowledging it (`SynAckSeen`).
    hs_ts: Timestamp,
    /// Time (µs since epoch) of the first client payload, then the TTFB once measured.
    ttfb_slot: u64,
    /// `data_rtt_us` samples so far.
    rtt: RttAcc,
    server_rtt: Span32,
    client_rtt: Span32,
    syn_retries: u32,
    attempts: u32,
    phase: Phase,
    rst_by: Option<Dir>,
    /// Outcome frozen at the first RST (before any reported close).
    rst_outcome: Option<Outcome>,
    flags: u8,
}

impl TcpTracker {
    pub fn new() -> Self {
        Self::default()
    }

    /// Initial sequence number of `dir`, when its SYN (or SYN-ACK) was seen: the app-layer
    /// stream of that direction starts at ISN + 1.
    pub fn isn(&self, dir: Dir) -> Option<u32> {
        self.stream(dir).isn()
    }

    fn stream(&self, dir: Dir) -> &Stream {
        match dir {
            Dir::C2S => &self.streams[0],
            Dir::S2C => &self.streams[1],
        }
    }

    fn stream_mut(&mut self, dir: Dir) -> &mut Stream {
        match dir {
            Dir::C2S => &mut self.streams[0],
            Dir::S2C => &mut self.streams[1],
        }
    }

    const fn has(&self, flag: u8) -> bool {
        self.flags & flag != 0
    }

    /// Apply one segment (capture order, direction resolved by the flow table).
    ///
    /// Order of work: new-connection check, RST handling, `zero_window`, sequence tracking
    /// (`retransmits`, `out_of_order`, data segments timed), handshake, TTFB, ACK processing
    /// (data RTT, FIN acknowledged, close).
    ///
    /// `data_rtt_us` (DESIGN §4): data segment → first reverse ACK covering its last byte,
    /// skipping segments that were retransmitted (Karn). Taken literally:
    ///
    /// * every data segment (payload > 0) carrying new data is timed with its own capture
    ///   time — in-order segments, and out-of-order segments filling a hole (a hole fill is
    ///   not a retransmission);
    /// * the first ACK of the other direction whose ack number is at or (within 2^30, modulo
    ///   2^32) beyond the segment's last payload byte + 1 gives one sample per segment it
    ///   covers: t(ACK) − t(segment). An ACK covering three segments gives three samples;
    /// * Karn: a segment any of whose payload bytes a later segment of the same direction
    ///   sends again gives no sample; a segment re-sending only old data is not timed (one
    ///   carrying some new data as well is);
    /// * not timed, hence no sample: segments arriving while `MAX_OUTSTANDING` (7)
    ///   segments of their direction await their ACK (ring full), keep-alives, RST segments,
    ///   payloads over 65535 bytes; samples of 2^32 µs or more are dropped; segments still
    ///   outstanding when their direction resynchronizes (new ISN, jump beyond 2^30) or sent
    ///   over 2^31 µs before a move of the 32-bit time base are forgotten.
    ///
    /// TCP timestamps (TSval/TSecr) give no extra samples.
    ///
    /// [`Verdict::new_connection`] is set (and nothing applied) for a SYN without ACK that
    /// cannot belong to this connection: after the handshake completed, or after the close was
    /// reported, a SYN whose sequence number is not the client's ISN (or any SYN from the
    /// server side); and any SYN without ACK in a flow whose start was not seen
    /// (`no_handshake`). Before completion, a client SYN with a new ISN is a new attempt in
    /// the same flow.
    pub fn update(&mut self, seg: &Segment) -> Verdict {
        self.update_with(seg, |_| {})
    }

    /// [`TcpTracker::update`], calling `on_rtt` with each `data_rtt_us` sample it takes.
    pub fn update_with(&mut self, seg: &Segment, mut on_rtt: impl FnMut(u64)) -> Verdict {
        let f = seg.flags;
        let opening_syn = f.syn() && !f.ack() && !f.rst();
        if self.phase == Phase::Start {
            self.rtt_base = seg.ts;
            if !(opening_syn && seg.dir == Dir::C2S) {
                self.phase = Phase::NoHandshake;
            }
        } else if opening_syn && self.starts_new_connection(seg) {
            return Verdict {
                closed: None,
                new_connection: true,
                events: 0,
            };
        }
        if f.rst() {
            return self.on_rst(seg.dir);
        }
        // zero_window: segments advertising window 0 that carry none of SYN, FIN, RST,
        // counted in the direction of their sender (DESIGN §4).
        if seg.window == 0 && !f.syn() && !f.fin() {
            let c = &mut self.stream_mut(seg.dir).counters;
            c.zero_window = c.zero_window.saturating_add(1);
        }
        let at = self.sent_offset(seg.ts);
        // A SYN with an ISN not seen before in its direction starts a new sequence space: a
        // client SYN without ACK is a new attempt, any server SYN a new server ISN.
        let new_space = match seg.dir {
            Dir::C2S => opening_syn && self.stream(Dir::C2S).isn() != Some(seg.seq),
            Dir::S2C => f.syn() && self.stream(Dir::S2C).isn() != Some(seg.seq),
        };
        let class = if new_space {
            if seg.dir == Dir::C2S {
                self.begin_attempt(seg.ts);
            }
            self.stream_mut(seg.dir).start(seg, at);
            Class::Untracked
        } else {
            self.stream_mut(seg.dir).on_segment(seg, at)
        };
        let mut verdict = Verdict::default();
        let was_established = self.phase == Phase::Established;
        self.on_handshake(seg, opening_syn, new_space);
        if !was_established && self.phase == Phase::Established {
            verdict.events |= event::ESTABLISHED;
        }
        if class == Class::Retransmit {
            verdict.events |= event::RETRANSMIT;
        }
        if seg.payload_len > 0 && class != Class::KeepAlive {
            verdict.events |= event::DATA;
            let had_ttfb = self.has(TTFB_DONE);
            self.on_payload(seg);
            if !had_ttfb && self.has(TTFB_DONE) {
                verdict.events |= event::TTFB;
            }
        }
        if f.ack() {
            let now = seg.ts.since(self.rtt_base);
            let [c2s, s2c] = &mut self.streams;
            let acked = match seg.dir.reverse() {
                Dir::C2S => c2s,
                Dir::S2C => s2c,
            };
            let rtt = &mut self.rtt;
            acked.on_ack(seg.ack, now, |us| {
                rtt.add(us);
                on_rtt(us);
            });
            // Close::Fin: both directions sent a FIN and each FIN was acknowledged by the
            // other side (the second FIN's ACK normally completes it).
            if !self.has(CLOSED) && self.streams.iter().all(|s| s.fin_seen() && s.fin_acked()) {
                self.flags |= CLOSED;
                verdict.closed = Some(Close::Fin);
            }
        }
        verdict
    }

    /// Whether a SYN without ACK (not applied yet) starts a new connection on this 4-tuple.
    fn starts_new_connection(&self, seg: &Segment) -> bool {
        let same_client_isn = seg.dir == Dir::C2S && self.stream(Dir::C2S).isn() == Some(seg.seq);
        match self.phase {
            Phase::Start => false,
            Phase::NoHandshake => true,
            Phase::SynSent | Phase::SynAckSeen => self.has(CLOSED) && !same_client_isn,
            Phase::Established => !same_client_isn,
        }
    }

    /// A client SYN with a new ISN: `attempts` counts distinct client ISNs. The handshake RTTs
    /// describe the latest attempt, so they restart.
    fn begin_attempt(&mut self, ts: Timestamp) {
        self.attempts = self.attempts.saturating_add(1);
        self.phase = Phase::SynSent;
        self.hs_ts = ts;
        self.server_rtt = Span32::NONE;
        self.client_rtt = Span32::NONE;
    }

    /// Handshake RTTs and completion (DESIGN §4):
    ///
    /// * `syn_retries` += 1 for every client SYN (no ACK) carrying the attempt's ISN again,
    ///   summed over attempts; a retry while waiting for the SYN-ACK moves the SYN time.
    /// * `server_rtt_us` = t(first SYN-ACK whose ack = client ISN + 1) − t(latest client SYN
    ///   with that ISN before it). Later SYN-ACKs only move the SYN-ACK time (and a different
    ///   server ISN replaces the one the client must acknowledge).
    /// * Completion: the first client segment with ACK and without SYN whose ack is at or
    ///   (within 2^30) beyond server ISN + 1. `client_rtt_us` = its time − t(latest SYN-ACK)
    ///   only when ack = server ISN + 1 exactly (it may carry data); a larger ack means the
    ///   real handshake ACK was not captured: completed, `client_rtt_us` null.
    /// * A client ACK (no SYN) with seq = client ISN + 1 while no SYN-ACK was seen also
    ///   completes the handshake (the SYN-ACK was not captured); both RTTs stay null.
    fn on_handshake(&mut self, seg: &Segment, opening_syn: bool, new_space: bool) {
        let f = seg.flags;
        let client_isn = self.stream(Dir::C2S).isn();
        let acks_attempt = client_isn.map(|isn| isn.wrapping_add(1)) == Some(seg.ack);
        let client_ack = seg.dir == Dir::C2S && f.ack() && !f.syn();
        let syn_ack = seg.dir == Dir::S2C && f.syn() && f.ack();
        match self.phase {
            _ if opening_syn && seg.dir == Dir::C2S && !new_space => {
                self.syn_retries = self.syn_retries.saturating_add(1);
                if self.phase == Phase::SynSent {
                    self.hs_ts = seg.ts;
                }
            }
            Phase::SynSent if syn_ack && acks_attempt => {
                self.server_rtt = Span32::new(seg.ts.since(self.hs_ts));
                self.phase = Phase::SynAckSeen;
                self.hs_ts = seg.ts;
            }
            Phase::SynSent
                if client_ack && client_isn.map(|isn| isn.wrapping_add(1)) == Some(seg.seq) =>
            {
                self.phase = Phase::Established;
            }
            Phase::SynAckSeen if syn_ack && acks_attempt => self.hs_ts = seg.ts,
            Phase::SynAckSeen if client_ack => {
                let Some(server_isn) = self.stream(Dir::S2C).isn() else {
                    return;
                };
                let want = server_isn.wrapping_add(1);
                if seq::within_window_after(seg.ack, want) {
                    self.phase = Phase::Established;
                    if seg.ack == want {
                        self.client_rtt = Span32::new(seg.ts.since(self.hs_ts));
                    }
                }
            }
            _ => {}
        }
    }

    /// `ttfb_us` = t(first server payload segment after the first client payload) − t(first
    /// client payload segment) (DESIGN §4). Null when server payload comes before any client
    /// payload, or no server payload follows. Payload = payload_len > 0 on a non-RST segment
    /// that is not a keep-alive (retransmissions and SYN data count).
    fn on_payload(&mut self, seg: &Segment) {
        match seg.dir {
            Dir::C2S => {
                if !self.has(TTFB_REQUEST | SERVER_FIRST) {
                    self.ttfb_slot = seg.ts.as_us();
                    self.flags |= TTFB_REQUEST;
                }
            }
            Dir::S2C => {
                if !self.has(TTFB_REQUEST) {
                    self.flags |= SERVER_FIRST;
                } else if !self.has(TTFB_DONE) {
                    self.ttfb_slot = seg.ts.since(Timestamp(self.ttfb_slot));
                    self.flags |= TTFB_DONE;
                }
            }
        }
    }

    /// The first RST before any reported close closes the connection ([`Close::Rst`]), sets
    /// `rst_by` to its sender and freezes the outcome (see [`Outcome`]). Later RSTs, and RSTs
    /// after a FIN close, change nothing. RST segments take no part in sequence tracking,
    /// zero-window counting, TTFB or ACK processing.
    fn on_rst(&mut self, dir: Dir) -> Verdict {
        if self.has(CLOSED) {
            return Verdict::default();
        }
        self.flags |= CLOSED;
        self.rst_by = Some(dir);
        self.rst_outcome = Some(match (self.phase, dir) {
            (Phase::Established, _) => Outcome::Reset,
            (Phase::Start | Phase::NoHandshake, _) => Outcome::NoHandshake,
            (Phase::SynSent | Phase::SynAckSeen, Dir::S2C) => Outcome::Refused,
            (Phase::SynSent, Dir::C2S) => Outcome::Unanswered,
            (Phase::SynAckSeen, Dir::C2S) => Outcome::Reset,
        });
        Verdict {
            closed: Some(Close::Rst),
            new_connection: false,
            events: 0,
        }
    }

    /// Send time of a segment in µs since `rtt_base`, in 32 bits. When it does not fit
    /// (2^32 µs ≈ 71 min after the base), the base moves to 2^31 µs before `ts`; timed
    /// segments sent before the new base are forgotten without a sample.
    fn sent_offset(&mut self, ts: Timestamp) -> u32 {
        const HALF: u32 = 1 << 31;
        if let Ok(off) = u32::try_from(ts.since(self.rtt_base)) {
            return off;
        }
        let new_base = Timestamp(ts.as_us().saturating_sub(u64::from(HALF)));
        match u32::try_from(new_base.since(self.rtt_base)) {
            Ok(delta) => self.streams.iter_mut().for_each(|s| s.rebase(delta)),
            Err(_) => self.streams.iter_mut().for_each(Stream::clear_timed),
        }
        self.rtt_base = new_base;
        HALF
    }

    /// The flow's TCP metrics so far (see each field's definition).
    pub fn report(&self) -> TcpReport {
        let outcome = self.rst_outcome.unwrap_or(match self.phase {
            Phase::Start | Phase::NoHandshake => Outcome::NoHandshake,
            Phase::SynSent | Phase::SynAckSeen => Outcome::Unanswered,
            Phase::Established => Outcome::Established,
        });
        let server_rtt_us = self.server_rtt.get();
        let client_rtt_us = self.client_rtt.get();
        TcpReport {
            outcome,
            syn_retries: self.syn_retries,
            attempts: self.attempts,
            server_rtt_us,
            client_rtt_us,
            handshake_rtt_us: server_rtt_us.zip(client_rtt_us).map(|(s, c)| s + c),
            ttfb_us: self.has(TTFB_DONE).then_some(self.ttfb_slot),
            data_rtt: self.rtt.stats(),
            rst_by: self.rst_by,
            dirs: [self.streams[0].counters, self.streams[1].counters],
        }
    }
}
