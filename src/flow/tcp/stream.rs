//! One direction of a TCP connection as the probe sees it: the highest sequence number, the
//! holes below it, the data segments still waiting for an acknowledgment (data RTT), the FIN
//! state and the per-direction counters of DESIGN §4.
//!
//! Invariants: everything stored (holes, outstanding segment ends, the Karn taint mark) lies
//! within [`seq::MAX_WINDOW`] below `high`, so the modular comparisons of [`seq`] stay valid.
//! Storage is fixed-size: at most [`MAX_HOLES`] holes and [`MAX_OUTSTANDING`] timed segments;
//! nothing here allocates.

use super::seq::{self, MAX_WINDOW};
use super::{DirCounters, Segment};

/// Holes remembered per direction. When a new hole would exceed the bound, the lowest hole
/// (the oldest loss) is forgotten: its range then counts as seen, so a later segment filling
/// it is a retransmit, not out-of-order.
pub const MAX_HOLES: usize = 4;

/// Data segments timed per direction for data RTT. When all slots are busy, a new segment is
/// not timed (the oldest outstanding segments are kept: they are acknowledged first, so the
/// slots free up and bulk transfers still give about [`MAX_OUTSTANDING`] samples per RTT).
pub const MAX_OUTSTANDING: usize = 4;

/// How one segment's sequence range relates to what this direction already sent.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Class {
    /// No sequence space used (pure ACK, zero-length segment).
    NoData,
    /// First segment of the direction, a new ISN, or a jump beyond [`MAX_WINDOW`]: tracking
    /// (re)starts at this segment, which is not counted.
    Untracked,
    /// Entirely or partly beyond the highest sequence seen and filling no hole.
    New,
    /// The whole range was already seen: counted in `retransmits`.
    Retransmit,
    /// Starts below the highest sequence seen and fills (part of) a hole: `out_of_order`.
    OutOfOrder,
    /// A keep-alive (seq = next − 1, ≤ 1 byte, no SYN/FIN/RST): not counted.
    KeepAlive,
}

/// A range of sequence numbers below `high` never seen; `start == end` marks an unused slot.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Hole {
    start: u32,
    end: u32,
}

impl Hole {
    const fn is_empty(self) -> bool {
        self.start == self.end
    }
}

/// Up to [`MAX_HOLES`] holes, used slots first, in ascending sequence order.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Holes([Hole; MAX_HOLES]);

impl Holes {
    fn len(&self) -> usize {
        self.0.iter().take_while(|h| !h.is_empty()).count()
    }

    /// Append a hole above all others; on overflow forget the lowest one.
    fn push(&mut self, hole: Hole) {
        if hole.is_empty() {
            return;
        }
        let len = self.len();
        if len == MAX_HOLES {
            self.0.copy_within(1.., 0);
            if let Some(last) = self.0.last_mut() {
                *last = hole;
            }
        } else if let Some(slot) = self.0.get_mut(len) {
            *slot = hole;
        }
    }

    /// Remove `[s, e)` from the holes; true when it intersected at least one.
    fn fill(&mut self, s: u32, e: u32) -> bool {
        let mut out = Holes::default();
        let mut hit = false;
        for h in self.0.iter().copied().take_while(|h| !h.is_empty()) {
            if seq::lt(s, h.end) && seq::lt(h.start, e) {
                hit = true;
                if seq::lt(h.start, s) {
                    out.push(Hole {
                        start: h.start,
                        end: s,
                    });
                }
                if seq::lt(e, h.end) {
                    out.push(Hole {
                        start: e,
                        end: h.end,
                    });
                }
            } else {
                out.push(h);
            }
        }
        *self = out;
        hit
    }

    /// Forget holes that start more than [`MAX_WINDOW`] below `high` (they can no longer be
    /// filled by a valid segment, and keeping them would break modular comparisons).
    fn prune(&mut self, high: u32) {
        let mut out = Holes::default();
        for h in self.0.iter().copied().take_while(|h| !h.is_empty()) {
            if high.wrapping_sub(h.start) <= MAX_WINDOW {
                out.push(h);
            }
        }
        *self = out;
    }
}

const KNOWN: u8 = 1 << 0;
const ISN_KNOWN: u8 = 1 << 1;
const TAINTED: u8 = 1 << 2;
const FIN_SEEN: u8 = 1 << 3;
const FIN_ACKED: u8 = 1 << 4;

/// Sequence state of one direction.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Stream {
    /// ISN of this direction (valid with `ISN_KNOWN`).
    isn: u32,
    /// One past the highest sequence number seen (the next expected one), valid with `KNOWN`.
    high: u32,
    /// End of the retransmitted or hole-filling data not yet acknowledged (valid with
    /// `TAINTED`): ACKs below or reaching it give no RTT sample (Karn).
    taint_end: u32,
    holes: Holes,
    /// Outstanding timed data segments: sequence number after their last payload byte, and
    /// send time in µs since the tracker's RTT base; `n_sent` used, ascending ends.
    sent_end: [u32; MAX_OUTSTANDING],
    sent_at: [u32; MAX_OUTSTANDING],
    pub counters: DirCounters,
    n_sent: u8,
    flags: u8,
}

impl Stream {
    const fn has(&self, flag: u8) -> bool {
        self.flags & flag != 0
    }

    /// ISN of this direction, when its SYN was seen.
    pub const fn isn(&self) -> Option<u32> {
        if self.has(ISN_KNOWN) {
            Some(self.isn)
        } else {
            None
        }
    }

    /// This direction sent a FIN.
    pub const fn fin_seen(&self) -> bool {
        self.has(FIN_SEEN)
    }

    /// This direction's FIN was acknowledged by the other side.
    pub const fn fin_acked(&self) -> bool {
        self.has(FIN_ACKED)
    }

    /// Start a new sequence space at a SYN with a new ISN (a new connection attempt, or a
    /// SYN-ACK with a new server ISN). Counters are kept; everything else restarts.
    pub fn start(&mut self, seg: &Segment, at: u32) {
        let counters = self.counters;
        *self = Stream {
            counters,
            isn: seg.seq,
            flags: ISN_KNOWN,
            ..Stream::default()
        };
        self.resync(seg, at);
    }

    /// Restart tracking at `seg` (first segment, new ISN, or a jump beyond the window).
    fn resync(&mut self, seg: &Segment, at: u32) {
        let (end, data_end) = ranges(seg);
        self.high = end;
        self.holes = Holes::default();
        self.n_sent = 0;
        self.flags = (self.flags & !TAINTED) | KNOWN;
        if seg.flags.fin() {
            self.flags |= FIN_SEEN;
        }
        if let Some(data_end) = data_end {
            self.time_segment(data_end, at);
        }
    }

    /// Classify a non-RST segment of this direction and update the sequence state
    /// (DESIGN §4 `retransmits`, `out_of_order`):
    ///
    /// * keep-alive: seq = high − 1, payload ≤ 1 byte, no SYN/FIN → [`Class::KeepAlive`], no
    ///   state change;
    /// * range `[seq, seq + SYN + payload + FIN)` empty → [`Class::NoData`];
    /// * starts at or beyond `high` → [`Class::New`] (a gap becomes a hole);
    /// * starts below `high` and intersects a hole → [`Class::OutOfOrder`] (the hole shrinks);
    /// * starts below `high`, no hole, but ends beyond `high` → [`Class::New`] (partly new
    ///   data is not a retransmit);
    /// * entirely below `high`, no hole → [`Class::Retransmit`];
    /// * first segment, or more than [`MAX_WINDOW`] away from `high` → [`Class::Untracked`].
    ///
    /// Data below `high` that was not a hole (retransmitted, or filling a hole) taints the
    /// direction for Karn until it is acknowledged. `at` is the send time for data RTT.
    pub fn on_segment(&mut self, seg: &Segment, at: u32) -> Class {
        let f = seg.flags;
        if f.fin() {
            self.flags |= FIN_SEEN;
        }
        if self.has(KNOWN)
            && !f.syn()
            && !f.fin()
            && seg.payload_len <= 1
            && seg.seq == self.high.wrapping_sub(1)
        {
            return Class::KeepAlive;
        }
        let len = seq_len(seg);
        if len == 0 {
            return Class::NoData;
        }
        let ahead = seq::diff(seg.seq, self.high);
        if !self.has(KNOWN) || len > u64::from(MAX_WINDOW) || ahead.unsigned_abs() > MAX_WINDOW {
            self.resync(seg, at);
            return Class::Untracked;
        }
        let (end, data_end) = ranges(seg);
        if ahead >= 0 {
            self.holes.push(Hole {
                start: self.high,
                end: seg.seq,
            });
            self.advance(end, data_end, at);
            return Class::New;
        }
        let old_end = if seq::le(end, self.high) {
            end
        } else {
            self.high
        };
        let filled = self.holes.fill(seg.seq, old_end);
        self.taint(old_end);
        let extended = seq::gt(end, self.high);
        if extended {
            self.advance(end, data_end, at);
        }
        if filled {
            self.counters.out_of_order = self.counters.out_of_order.saturating_add(1);
            Class::OutOfOrder
        } else if extended {
            Class::New
        } else {
            self.counters.retransmits = self.counters.retransmits.saturating_add(1);
            Class::Retransmit
        }
    }

    fn advance(&mut self, end: u32, data_end: Option<u32>, at: u32) {
        self.high = end;
        self.holes.prune(end);
        if let Some(data_end) = data_end {
            self.time_segment(data_end, at);
        }
    }

    fn taint(&mut self, end: u32) {
        self.taint_end = if self.has(TAINTED) {
            seq::max(self.taint_end, end)
        } else {
            end
        };
        self.flags |= TAINTED;
    }

    /// Remember a data segment for data RTT, if a slot is free and it ends beyond the
    /// segments already timed.
    fn time_segment(&mut self, data_end: u32, at: u32) {
        let n = usize::from(self.n_sent);
        if n >= MAX_OUTSTANDING {
            return;
        }
        if let Some(&last) = n.checked_sub(1).and_then(|i| self.sent_end.get(i)) {
            if !seq::gt(data_end, last) {
                return;
            }
        }
        if let (Some(e), Some(t)) = (self.sent_end.get_mut(n), self.sent_at.get_mut(n)) {
            *e = data_end;
            *t = at;
            self.n_sent += 1;
        }
    }

    /// An ACK from the other side acknowledging `ack`, at `now` µs since the RTT base.
    ///
    /// Returns the data RTT sample: `now` − send time of the earliest outstanding segment whose
    /// last byte `ack` covers (one sample per ACK; all covered segments are retired). No
    /// sample while the direction is tainted (Karn): the ACK may acknowledge data sent more
    /// than once, or have waited for a hole; the ACK reaching the taint end clears it (and
    /// itself gives no sample). Also marks this direction's FIN acknowledged when `ack`
    /// reaches `high` after the FIN.
    pub fn on_ack(&mut self, ack: u32, now: u64) -> Option<u64> {
        if !self.has(KNOWN) {
            return None;
        }
        if self.has(FIN_SEEN) && seq::within_window_after(ack, self.high) {
            self.flags |= FIN_ACKED;
        }
        let tainted = self.has(TAINTED);
        if tainted && seq::within_window_after(ack, self.taint_end) {
            self.flags &= !TAINTED;
        }
        let n = usize::from(self.n_sent);
        let covered = self
            .sent_end
            .iter()
            .take(n)
            .take_while(|&&end| seq::within_window_after(ack, end))
            .count();
        if covered == 0 {
            return None;
        }
        let first_at = self.sent_at.first().copied().unwrap_or(0);
        self.sent_end.copy_within(covered..n, 0);
        self.sent_at.copy_within(covered..n, 0);
        self.n_sent = u8::try_from(n - covered).unwrap_or(0);
        if tainted {
            None
        } else {
            Some(now.saturating_sub(u64::from(first_at)))
        }
    }

    /// The RTT base moved `delta` µs later: shift send times, forgetting segments sent before
    /// the new base (outstanding for over 2^31 µs; they give no sample).
    pub fn rebase(&mut self, delta: u32) {
        let n = usize::from(self.n_sent);
        let mut kept = 0;
        for i in 0..n.min(MAX_OUTSTANDING) {
            let (Some(&end), Some(&at)) = (self.sent_end.get(i), self.sent_at.get(i)) else {
                break;
            };
            if let Some(at) = at.checked_sub(delta) {
                if let (Some(e), Some(t)) =
                    (self.sent_end.get_mut(kept), self.sent_at.get_mut(kept))
                {
                    *e = end;
                    *t = at;
                    kept += 1;
                }
            }
        }
        self.n_sent = u8::try_from(kept).unwrap_or(0);
    }

    /// Forget all timed segments.
    pub fn clear_timed(&mut self) {
        self.n_sent = 0;
    }
}

/// Sequence space used by a segment: SYN + payload + FIN.
fn seq_len(seg: &Segment) -> u64 {
    u64::from(seg.payload_len) + u64::from(seg.flags.syn()) + u64::from(seg.flags.fin())
}

/// End of the segment's sequence range, and end of its payload when it carries any.
fn ranges(seg: &Segment) -> (u32, Option<u32>) {
    // Truncation to 32 bits is sequence arithmetic (lengths over 2^30 resync anyway).
    let end = seg.seq.wrapping_add(seq_len(seg) as u32);
    let data_end = (seg.payload_len > 0).then(|| {
        seg.seq
            .wrapping_add(u32::from(seg.flags.syn()))
            .wrapping_add(seg.payload_len)
    });
    (end, data_end)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn holes(list: &[(u32, u32)]) -> Holes {
        let mut h = Holes::default();
        for &(start, end) in list {
            h.push(Hole { start, end });
        }
        h
    }

    fn as_vec(h: &Holes) -> Vec<(u32, u32)> {
        h.0.iter()
            .take_while(|h| !h.is_empty())
            .map(|h| (h.start, h.end))
            .collect()
    }

    #[test]
    fn holes_split_and_overflow_drops_lowest() {
        let mut h = holes(&[(10, 20), (30, 40)]);
        assert!(h.fill(12, 15));
        assert_eq!(as_vec(&h), vec![(10, 12), (15, 20), (30, 40)]);
        assert!(!h.fill(20, 30));
        assert!(h.fill(0, 100));
        assert_eq!(as_vec(&h), vec![]);

        let mut h = holes(&[(10, 20), (30, 40), (50, 60), (70, 80)]);
        h.push(Hole { start: 90, end: 95 });
        assert_eq!(as_vec(&h), vec![(30, 40), (50, 60), (70, 80), (90, 95)]);
        // Splitting a hole of a full set also forgets the lowest.
        assert!(h.fill(52, 55));
        assert_eq!(as_vec(&h), vec![(50, 52), (55, 60), (70, 80), (90, 95)]);
    }

    #[test]
    fn holes_across_wrap() {
        let mut h = holes(&[(0xffff_fff0, 0x10)]);
        assert!(h.fill(0xffff_fffe, 0x2));
        assert_eq!(as_vec(&h), vec![(0xffff_fff0, 0xffff_fffe), (0x2, 0x10)]);
        h.prune(0x20);
        assert_eq!(h.len(), 2);
        h.prune(0x10 + MAX_WINDOW + 0x20);
        assert_eq!(h.len(), 0);
    }
}
