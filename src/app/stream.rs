//! In-order TCP bytes for the app parsers: a small per-direction reassembler.
//!
//! The parsers want each direction's bytes exactly once and in sequence order; the capture
//! gives segments with retransmissions, overlaps, reordering and holes. [`Reassembler`] keeps
//! the next expected sequence number of each direction and:
//! * delivers a segment's new bytes at once when it starts at or before that number (the
//!   common case: no copy, the bytes are the packet's);
//! * holds a segment that starts beyond it (a hole: reordering or loss) — the only copy — up to
//!   [`HELD_MAX_BYTES`] / [`HELD_MAX_SEGMENTS`] per direction, and delivers it when the hole is
//!   filled;
//! * declares a gap ([`Piece::Gap`]) when the held data outgrows those caps, when the flow ends
//!   with a hole, and for the part of a segment cut by the snaplen; bytes resume after it.
//!
//! Sequence numbers compare modulo 2^32 (RFC 9293 §3.4). Each piece carries the timestamp of
//! the packet its bytes came in, so parsers time transactions by their own packets.

use crate::flow::tcp::seq;
use crate::flow::Dir;
use crate::time::Timestamp;

/// Bytes held per direction while waiting for a hole to fill. 64 KiB covers a full receive
/// window of a typical early-connection exchange (hellos and request heads are what the
/// parsers need); beyond it the hole is declared lost.
pub const HELD_MAX_BYTES: usize = 64 * 1024;
/// Segments held per direction (bounds the bookkeeping of many tiny segments).
pub const HELD_MAX_SEGMENTS: usize = 64;

/// What the reassembler hands to a parser.
#[derive(Debug, PartialEq, Eq)]
pub enum Piece<'a> {
    /// The next in-order bytes of `dir`, carried by a packet captured at `ts`.
    Data {
        ts: Timestamp,
        dir: Dir,
        data: &'a [u8],
    },
    /// `len` bytes of `dir` were never captured; bytes resume after them.
    Gap { dir: Dir, len: u32 },
}

/// One TCP segment as the reassembler sees it.
#[derive(Clone, Copy, Debug)]
pub struct TcpBytes<'a> {
    /// Capture time of the packet.
    pub ts: Timestamp,
    pub dir: Dir,
    /// Sequence number of the segment.
    pub seq: u32,
    /// The SYN flag (it takes one sequence number before the data).
    pub syn: bool,
    /// Captured payload.
    pub data: &'a [u8],
    /// Payload length from the headers (≥ `data.len()`).
    pub wire_len: u32,
}

#[derive(Debug)]
struct Held {
    seq: u32,
    ts: Timestamp,
    /// Sequence space the segment covers (wire payload length).
    len: u32,
    /// Captured bytes (≤ `len`).
    data: Vec<u8>,
}

/// One direction's reassembly state.
#[derive(Debug, Default)]
struct Direction {
    /// Next expected sequence number, once known.
    next: Option<u32>,
    held: Vec<Held>,
    held_bytes: usize,
}

/// Per-flow reassembler of both directions.
#[derive(Debug, Default)]
pub struct Reassembler {
    dirs: [Direction; 2],
}

impl Reassembler {
    /// A reassembler whose directions start at the given next sequence numbers (ISN + 1 when
    /// the SYN was seen; `None`: start at the first data segment seen).
    pub fn new(c2s_next: Option<u32>, s2c_next: Option<u32>) -> Self {
        let mut r = Self::default();
        r.dirs[0].next = c2s_next;
        r.dirs[1].next = s2c_next;
        r
    }

    /// Next expected sequence number of `dir`, once known.
    pub fn next(&self, dir: Dir) -> Option<u32> {
        self.dirs[dir.index()].next
    }

    /// Feed one segment; in-order bytes and gaps go to `deliver`.
    pub fn segment(&mut self, seg: TcpBytes<'_>, deliver: &mut dyn FnMut(Piece<'_>)) {
        let TcpBytes {
            ts,
            dir,
            seq,
            syn,
            data,
            wire_len,
        } = seg;
        let d = &mut self.dirs[dir.index()];
        let start = if syn { seq.wrapping_add(1) } else { seq };
        if syn && d.next.is_none() {
            d.next = Some(start);
        }
        let wire_len = wire_len.max(data.len() as u32);
        if wire_len == 0 {
            return;
        }
        let next = *d.next.get_or_insert(start);
        if seq::gt(start, next) {
            d.hold(ts, start, data, wire_len, dir, deliver);
            return;
        }
        d.apply(ts, start, data, wire_len, dir, deliver);
        d.drain(dir, deliver);
    }

    /// The flow ends: deliver held segments with gaps for the holes before them.
    pub fn flush(&mut self, deliver: &mut dyn FnMut(Piece<'_>)) {
        for (i, d) in self.dirs.iter_mut().enumerate() {
            let dir = if i == 0 { Dir::C2S } else { Dir::S2C };
            d.release_all(dir, deliver);
        }
    }
}

impl Direction {
    /// Deliver the part of a segment at or after `next` (the segment starts at or before it).
    fn apply(
        &mut self,
        ts: Timestamp,
        start: u32,
        data: &[u8],
        wire_len: u32,
        dir: Dir,
        deliver: &mut dyn FnMut(Piece<'_>),
    ) {
        let Some(next) = self.next else { return };
        let end = start.wrapping_add(wire_len);
        if seq::le(end, next) {
            return; // all seen before: a retransmission
        }
        // Bytes before `next` were delivered already.
        let skip = next.wrapping_sub(start) as usize;
        let captured_end = skip.max(data.len());
        if let Some(fresh) = data.get(skip..).filter(|b| !b.is_empty()) {
            deliver(Piece::Data {
                ts,
                dir,
                data: fresh,
            });
        }
        let cut = (wire_len as usize).saturating_sub(captured_end);
        if cut > 0 {
            deliver(Piece::Gap {
                dir,
                len: cut as u32,
            });
        }
        self.next = Some(end);
    }

    /// Keep a segment that starts beyond a hole; declare the hole lost when over the caps.
    fn hold(
        &mut self,
        ts: Timestamp,
        seq: u32,
        data: &[u8],
        wire_len: u32,
        dir: Dir,
        deliver: &mut dyn FnMut(Piece<'_>),
    ) {
        if self.held_bytes + data.len() > HELD_MAX_BYTES || self.held.len() >= HELD_MAX_SEGMENTS {
            self.release_all(dir, deliver);
            // Now `next` is at or beyond the end of everything held: this segment may apply
            // directly, or starts beyond a new hole.
            let next = self.next.unwrap_or(seq);
            if seq::gt(seq, next) {
                deliver(Piece::Gap {
                    dir,
                    len: seq.wrapping_sub(next),
                });
                self.next = Some(seq);
            }
            self.apply(ts, seq, data, wire_len, dir, deliver);
            return;
        }
        self.held_bytes += data.len();
        self.held.push(Held {
            seq,
            ts,
            len: wire_len,
            data: data.to_vec(),
        });
    }

    /// Deliver held segments that now start at or before `next`, in sequence order.
    fn drain(&mut self, dir: Dir, deliver: &mut dyn FnMut(Piece<'_>)) {
        while let Some(next) = self.next {
            let Some(i) = self.earliest() else { return };
            if seq::gt(self.held[i].seq, next) {
                return;
            }
            let h = self.held.swap_remove(i);
            self.held_bytes -= h.data.len();
            self.apply(h.ts, h.seq, &h.data, h.len, dir, deliver);
        }
    }

    /// Deliver everything held, declaring each hole before it a gap.
    fn release_all(&mut self, dir: Dir, deliver: &mut dyn FnMut(Piece<'_>)) {
        while let Some(i) = self.earliest() {
            let h = self.held.swap_remove(i);
            self.held_bytes -= h.data.len();
            let next = *self.next.get_or_insert(h.seq);
            if seq::gt(h.seq, next) {
                deliver(Piece::Gap {
                    dir,
                    len: h.seq.wrapping_sub(next),
                });
                self.next = Some(h.seq);
            }
            self.apply(h.ts, h.seq, &h.data, h.len, dir, deliver);
        }
    }

    /// Index of the held segment with the lowest sequence number (relative to `next`).
    fn earliest(&self) -> Option<usize> {
        let base = self.next.unwrap_or(0);
        (0..self.held.len()).min_by_key(|&i| self.held[i].seq.wrapping_sub(base))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, PartialEq, Eq)]
    enum Got {
        Data(u64, Dir, Vec<u8>),
        Gap(Dir, u32),
    }

    type Seg<'a> = (u64, Dir, u32, bool, &'a [u8], u32);

    fn run(r: &mut Reassembler, segs: &[Seg<'_>]) -> Vec<Got> {
        let mut got = Vec::new();
        for &(ts, dir, seq, syn, data, wire_len) in segs {
            let seg = TcpBytes {
                ts: Timestamp(ts),
                dir,
                seq,
                syn,
                data,
                wire_len,
            };
            r.segment(seg, &mut |p| {
                got.push(match p {
                    Piece::Data { ts, dir, data } => Got::Data(ts.0, dir, data.to_vec()),
                    Piece::Gap { dir, len } => Got::Gap(dir, len),
                })
            });
        }
        got
    }

    fn flush(r: &mut Reassembler) -> Vec<Got> {
        let mut got = Vec::new();
        r.flush(&mut |p| {
            got.push(match p {
                Piece::Data { ts, dir, data } => Got::Data(ts.0, dir, data.to_vec()),
                Piece::Gap { dir, len } => Got::Gap(dir, len),
            })
        });
        got
    }

    use Dir::{C2S, S2C};

    #[test]
    fn in_order_after_syn_and_retransmission_dropped() {
        let mut r = Reassembler::default();
        let got = run(
            &mut r,
            &[
                (1, C2S, 100, true, b"", 0),
                (2, C2S, 101, false, b"abc", 3),
                (3, C2S, 101, false, b"abc", 3),
                (4, C2S, 102, false, b"bcde", 4),
            ],
        );
        assert_eq!(
            got,
            vec![
                Got::Data(2, C2S, b"abc".to_vec()),
                Got::Data(4, C2S, b"de".to_vec())
            ]
        );
        assert_eq!(r.next(C2S), Some(106));
    }

    #[test]
    fn reordered_segment_is_held_then_delivered_with_its_own_time() {
        let mut r = Reassembler::new(Some(1), None);
        let got = run(
            &mut r,
            &[(5, C2S, 4, false, b"def", 3), (6, C2S, 1, false, b"abc", 3)],
        );
        assert_eq!(
            got,
            vec![
                Got::Data(6, C2S, b"abc".to_vec()),
                Got::Data(5, C2S, b"def".to_vec())
            ]
        );
    }

    #[test]
    fn hole_at_end_of_flow_is_a_gap() {
        let mut r = Reassembler::new(Some(1), Some(1000));
        let got = run(&mut r, &[(1, S2C, 1010, false, b"xy", 2)]);
        assert!(got.is_empty());
        assert_eq!(
            flush(&mut r),
            vec![Got::Gap(S2C, 10), Got::Data(1, S2C, b"xy".to_vec())]
        );
    }

    #[test]
    fn snaplen_cut_payload_gives_data_then_gap() {
        let mut r = Reassembler::new(Some(1), None);
        let got = run(
            &mut r,
            &[(1, C2S, 1, false, b"ab", 10), (2, C2S, 11, false, b"z", 1)],
        );
        assert_eq!(
            got,
            vec![
                Got::Data(1, C2S, b"ab".to_vec()),
                Got::Gap(C2S, 8),
                Got::Data(2, C2S, b"z".to_vec())
            ]
        );
    }

    #[test]
    fn sequence_wraps() {
        let mut r = Reassembler::new(Some(u32::MAX - 1), None);
        let got = run(
            &mut r,
            &[
                (1, C2S, 0, false, b"cd", 2),
                (2, C2S, u32::MAX - 1, false, b"ab", 2),
                (3, C2S, u32::MAX, false, b"bc", 2),
            ],
        );
        assert_eq!(
            got,
            vec![
                Got::Data(2, C2S, b"ab".to_vec()),
                Got::Data(1, C2S, b"cd".to_vec())
            ]
        );
    }

    #[test]
    fn overflow_declares_the_hole_lost() {
        let mut r = Reassembler::new(Some(0), None);
        let big = vec![7u8; 1000];
        let mut segs = Vec::new();
        for i in 0..HELD_MAX_SEGMENTS as u32 {
            segs.push((i as u64, C2S, 100 + i * 1000, false, &big[..], 1000));
        }
        assert!(run(&mut r, &segs).is_empty());
        let got = run(&mut r, &[(99, C2S, 100_000, false, b"q", 1)]);
        assert_eq!(got.first(), Some(&Got::Gap(C2S, 100)));
        // Gap before the held data, the held data, the gap up to the new segment, the segment.
        assert_eq!(got.len(), 1 + HELD_MAX_SEGMENTS + 2);
        assert_eq!(got[got.len() - 2], Got::Gap(C2S, 100_000 - 100 - 64_000));
        assert_eq!(got.last(), Some(&Got::Data(99, C2S, b"q".to_vec())));
    }

    proptest::proptest! {
        /// Any order of a stream's segments (with duplicates) delivers every byte exactly
        /// once, in order, without gaps.
        #[test]
        fn any_order_gives_the_stream(
            cuts in proptest::collection::vec(1usize..40, 1..12),
            order in proptest::collection::vec(0usize..100, 0..30),
            isn: u32,
        ) {
            let mut stream = Vec::new();
            let mut segs = Vec::new();
            let mut at = 0usize;
            for (i, c) in cuts.iter().enumerate() {
                let data: Vec<u8> = (0..*c).map(|j| (i * 7 + j) as u8).collect();
                segs.push((at, data.clone()));
                stream.extend_from_slice(&data);
                at += c;
            }
            let mut feed: Vec<usize> = order.iter().map(|o| o % segs.len()).collect();
            feed.extend(0..segs.len());
            let mut r = Reassembler::new(Some(isn.wrapping_add(1)), None);
            let mut got = Vec::new();
            for i in feed {
                let (off, data) = &segs[i];
                let s = isn.wrapping_add(1).wrapping_add(*off as u32);
                let seg = TcpBytes { ts: Timestamp(0), dir: C2S, seq: s, syn: false, data, wire_len: data.len() as u32 };
                r.segment(seg, &mut |p| match p {
                    Piece::Data { data, .. } => got.extend_from_slice(data),
                    Piece::Gap { .. } => panic!("no gap expected"),
                });
            }
            proptest::prop_assert_eq!(got, stream);
        }
    }
}
