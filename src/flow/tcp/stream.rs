//! One direction of a TCP connection as the probe sees it: the highest sequence number, the
//! holes below it, the data segments still waiting for an acknowledgment (data RTT), the FIN
//! state and the per-direction counters of DESIGN §4.
//!
//! Invariants: everything stored (holes, timed segments) lies within [`seq::MAX_WINDOW`] below
//! `high`, so the modular comparisons of [`seq`] stay valid. Storage is fixed-size: at most
//! [`MAX_HOLES`] holes and [`MAX_OUTSTANDING`] timed segments; nothing here allocates.

use super::seq::{self, MAX_WINDOW};
use super::{DirCounters, Segment};

/// Holes remembered per direction. When a new hole would exceed the bound, the lowest hole
/// (the oldest loss) is forgotten: its range then counts as seen, so a later segment filling
/// it is a retransmit, not out-of-order.
pub const MAX_HOLES: usize = 4;

/// Data segments timed per direction for data RTT (10 bytes each; 7 keeps the whole
/// [`super::TcpTracker`] within 320 bytes). When all slots are busy, a new data segment is
/// not timed and never gives a sample: the outstanding segments are kept, they are
/// acknowledged first, so slots free up and a bulk transfer still gives up to
/// [`MAX_OUTSTANDING`] samples per round trip.
pub const MAX_OUTSTANDING: usize = 7;

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

/// One timed data segment: its payload is `end − len .. end`, sent `at` µs after the
/// tracker's RTT base. Packed to 10 bytes (fields are only copied, never borrowed).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[repr(C, packed)]
struct Sent {
    /// Sequence number after the last payload byte.
    end: u32,
    at: u32,
    /// Payload length (≤ 65535: longer segments are not timed).
    len: u16,
}

impl Sent {
    /// First payload sequence number.
    fn start(self) -> u32 {
        self.end.wrapping_sub(u32::from(self.len))
    }

    /// The payload shares at least one sequence number with `[s, e)`.
    fn overlaps(self, s: u32, e: u32) -> bool {
        seq::lt(s, self.end) && seq::lt(self.start(), e)
    }
}

/// Up to [`MAX_OUTSTANDING`] timed data segments waiting for their ACK, in arrival order
/// (out-of-order segments make their sequence order differ).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Timed {
    sent: [Sent; MAX_OUTSTANDING],
    /// Slots used: `sent[..n]`.
    n: u8,
}

impl Timed {
    fn is_full(&self) -> bool {
        usize::from(self.n) >= MAX_OUTSTANDING
    }

    fn push(&mut self, s: Sent) {
        if let Some(slot) = self.sent.get_mut(usize::from(self.n)) {
            *slot = s;
            self.n += 1;
        }
    }

    /// Replace every entry by `f(entry)`, dropping those that give `None` (order kept).
    fn filter_map(&mut self, mut f: impl FnMut(Sent) -> Option<Sent>) {
        let mut kept = 0u8;
        for i in 0..usize::from(self.n) {
            let Some(&s) = self.sent.get(i) else {
                break;
            };
            if let Some(s) = f(s) {
                if let Some(slot) = self.sent.get_mut(usize::from(kept)) {
                    *slot = s;
                    kept += 1;
                }
            }
        }
        self.n = kept;
    }

    fn clear(&mut self) {
        self.n = 0;
    }
}

const KNOWN: u8 = 1 << 0;
const ISN_KNOWN: u8 = 1 << 1;
const FIN_SEEN: u8 = 1 << 2;
const FIN_ACKED: u8 = 1 << 3;

/// Sequence state of one direction.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Stream {
    /// ISN of this direction (valid with `ISN_KNOWN`).
    isn: u32,
    /// One past the highest sequence number seen (the next expected one), valid with `KNOWN`.
    high: u32,
    holes: Holes,
    /// Data segments carrying new data, timed for data RTT and not yet acknowledged.
    timed: Timed,
    pub counters: DirCounters,
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

    /// Restart tracking at `seg` (first segment, new ISN, or a jump beyond the window): all
    /// its data counts as new, so a data segment is timed; earlier timed segments are
    /// forgotten without a sample.
    fn resync(&mut self, seg: &Segment, at: u32) {
        let (end, data_end) = ranges(seg);
        self.high = end;
        self.holes = Holes::default();
        self.timed.clear();
        self.flags |= KNOWN;
        if seg.flags.fin() {
            self.flags |= FIN_SEEN;
        }
        if let Some(data_end) = data_end {
            self.time_segment(data_end, seg.payload_len, at);
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
    /// Data RTT bookkeeping (DESIGN §4 `data_rtt_us`, Karn), `at` being the send time:
    ///
    /// * a segment carrying new data — payload beyond `high`, or payload filling (part of) a
    ///   hole — is timed by [`Stream::time_segment`], whatever its class (an out-of-order hole
    ///   fill is not a retransmission);
    /// * the part of its range below `high` that was not a hole, `[seq, min(end, high))`,
    ///   was already sent: every timed segment whose payload shares a byte with it was
    ///   retransmitted and is forgotten, so it never gives a sample (Karn). Hole ranges were
    ///   never seen, so no timed payload lies in them and the hole fill marks nothing;
    /// * a segment re-sending only old data (a retransmission) is not timed.
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
            self.advance(end);
            if let Some(data_end) = data_end {
                self.time_segment(data_end, seg.payload_len, at);
            }
            return Class::New;
        }
        let old_high = self.high;
        let old_end = if seq::le(end, old_high) {
            end
        } else {
            old_high
        };
        let filled = self.holes.fill(seg.seq, old_end);
        // Karn: timed segments with bytes in [seq, old_end) outside the holes were sent again.
        self.timed
            .filter_map(|s| (!s.overlaps(seg.seq, old_end)).then_some(s));
        let extended = seq::gt(end, old_high);
        if extended {
            self.advance(end);
        }
        if let Some(data_end) = data_end {
            if filled || seq::gt(data_end, old_high) {
                self.time_segment(data_end, seg.payload_len, at);
            }
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

    /// `high` moves forward to `end`; holes and timed segments falling more than
    /// [`MAX_WINDOW`] below it are forgotten (no sample).
    fn advance(&mut self, end: u32) {
        self.high = end;
        self.holes.prune(end);
        self.timed
            .filter_map(|s| (end.wrapping_sub(s.end) <= MAX_WINDOW).then_some(s));
    }

    /// Time a data segment carrying new data (payload `data_end − payload_len .. data_end`,
    /// sent at `at`) for data RTT. Not timed, so it never gives a sample: when all
    /// [`MAX_OUTSTANDING`] slots hold segments not yet acknowledged, or when the payload is
    /// longer than 65535 bytes (only IPv6 jumbograms).
    fn time_segment(&mut self, data_end: u32, payload_len: u32, at: u32) {
        let Ok(len) = u16::try_from(payload_len) else {
            return;
        };
        if len == 0 || self.timed.is_full() {
            return;
        }
        self.timed.push(Sent {
            end: data_end,
            at,
            len,
        });
    }

    /// An ACK from the other side acknowledging `ack`, at `now` µs since the RTT base.
    ///
    /// `data_rtt_us` (DESIGN §4): every timed segment (data segment carrying new data, never
    /// retransmitted, see [`Stream::on_segment`]) whose last payload byte `ack` covers — `ack`
    /// at or up to [`MAX_WINDOW`] beyond its end, modulo 2^32 — gives one sample,
    /// `now − its send time`, passed to `sample`, and is retired. One ACK covering several
    /// segments thus gives one sample per segment; a later ACK covering them again gives
    /// none (only the first covering ACK counts). Also marks this direction's FIN
    /// acknowledged when `ack` reaches `high` after the FIN.
    pub fn on_ack(&mut self, ack: u32, now: u64, mut sample: impl FnMut(u64)) {
        if !self.has(KNOWN) {
            return;
        }
        if self.has(FIN_SEEN) && seq::within_window_after(ack, self.high) {
            self.flags |= FIN_ACKED;
        }
        self.timed.filter_map(|s| {
            if seq::within_window_after(ack, s.end) {
                sample(now.saturating_sub(u64::from(s.at)));
                None
            } else {
                Some(s)
            }
        });
    }

    /// The RTT base moved `delta` µs later: shift send times, forgetting segments sent before
    /// the new base (outstanding for over 2^31 µs; they give no sample).
    pub fn rebase(&mut self, delta: u32) {
        self.timed.filter_map(|s| {
            let at = s.at.checked_sub(delta)?;
            Some(Sent { at, ..s })
        });
    }

    /// Forget all timed segments.
    pub fn clear_timed(&mut self) {
        self.timed.clear();
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
