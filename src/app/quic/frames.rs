//! Frames of a decrypted Initial payload (RFC 9000 §19) and CRYPTO stream reassembly.
//!
//! Only the frames RFC 9000 §12.4 (Table 3) allows in Initial packets are understood: PADDING,
//! PING, ACK (with and without ECN counts), CRYPTO and CONNECTION_CLOSE. Anything else ends
//! the walk with [`QuicError::UnexpectedFrame`].

use super::packet::varint;
use super::QuicError;

/// One frame of an Initial packet.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Frame<'a> {
    /// A run of PADDING bytes (type 0x00), merged.
    Padding(usize),
    Ping,
    /// ACK (0x02) or ACK_ECN (0x03); only the largest acknowledged number is kept.
    Ack {
        largest: u64,
    },
    Crypto {
        offset: u64,
        data: &'a [u8],
    },
    /// CONNECTION_CLOSE (0x1c transport, 0x1d application) with its error code.
    ConnectionClose {
        error_code: u64,
    },
}

/// Iterator over the frames of a payload; yields `Err` once and then stops.
pub struct Frames<'a> {
    rest: &'a [u8],
    failed: bool,
}

impl<'a> Frames<'a> {
    pub fn new(payload: &'a [u8]) -> Self {
        Frames {
            rest: payload,
            failed: false,
        }
    }

    fn vint(&mut self) -> Result<u64, QuicError> {
        let (v, n) = varint(self.rest).ok_or(QuicError::FrameMalformed)?;
        self.rest = self.rest.get(n..).unwrap_or(&[]);
        Ok(v)
    }

    fn bytes(&mut self, len: u64) -> Result<&'a [u8], QuicError> {
        let len = usize::try_from(len).map_err(|_| QuicError::FrameMalformed)?;
        let (b, rest) = self
            .rest
            .split_at_checked(len)
            .ok_or(QuicError::FrameMalformed)?;
        self.rest = rest;
        Ok(b)
    }

    fn frame(&mut self) -> Result<Frame<'a>, QuicError> {
        let ty = self.vint()?;
        match ty {
            0x00 => {
                let n = 1 + self.rest.iter().take_while(|&&b| b == 0).count();
                self.rest = self.rest.get(n - 1..).unwrap_or(&[]);
                Ok(Frame::Padding(n))
            }
            0x01 => Ok(Frame::Ping),
            0x02 | 0x03 => {
                let largest = self.vint()?;
                let _delay = self.vint()?;
                let ranges = self.vint()?;
                let _first_range = self.vint()?;
                // Each further range is two varints of ≥ 1 byte: a count beyond the bytes
                // left is malformed (and bounds the loop).
                if ranges > self.rest.len() as u64 / 2 {
                    return Err(QuicError::FrameMalformed);
                }
                for _ in 0..ranges {
                    self.vint()?;
                    self.vint()?;
                }
                if ty == 0x03 {
                    for _ in 0..3 {
                        self.vint()?;
                    }
                }
                Ok(Frame::Ack { largest })
            }
            0x06 => {
                let offset = self.vint()?;
                let len = self.vint()?;
                // RFC 9000 §19.6: offset + length must stay below 2^62.
                if offset.checked_add(len).is_none_or(|e| e >= 1 << 62) {
                    return Err(QuicError::FrameMalformed);
                }
                let data = self.bytes(len)?;
                Ok(Frame::Crypto { offset, data })
            }
            0x1c | 0x1d => {
                let error_code = self.vint()?;
                if ty == 0x1c {
                    let _frame_type = self.vint()?;
                }
                let reason_len = self.vint()?;
                self.bytes(reason_len)?;
                Ok(Frame::ConnectionClose { error_code })
            }
            _ => Err(QuicError::UnexpectedFrame),
        }
    }
}

impl<'a> Iterator for Frames<'a> {
    type Item = Result<Frame<'a>, QuicError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.failed || self.rest.is_empty() {
            return None;
        }
        let r = self.frame();
        if r.is_err() {
            self.failed = true;
        }
        Some(r)
    }
}

/// Largest CRYPTO stream cemprobe reassembles per direction of the Initial space. A ClientHello
/// is usually 300–2000 bytes (post-quantum key shares and ECH push it to ~2–3 KiB); 64 KiB is
/// the largest handshake message a 16-bit length could describe and bounds a flow's memory.
pub const MAX_CRYPTO_STREAM: usize = 64 * 1024;
/// Most disjoint received ranges tracked (out-of-order CRYPTO frames); beyond this, data that
/// starts a new range is dropped (counted). Browsers split a ClientHello into a handful.
pub const MAX_CRYPTO_RANGES: usize = 32;

/// Outcome of [`CryptoStream::insert`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Insert {
    /// Stored (possibly partly: duplicate bytes are ignored).
    Stored,
    /// Part or all of the data lies beyond [`MAX_CRYPTO_STREAM`] or needs a range beyond
    /// [`MAX_CRYPTO_RANGES`]; the rest was stored.
    Capped,
}

/// One direction's CRYPTO stream of the Initial packet number space, reassembled by offset.
///
/// The buffer grows to the highest offset written (at most [`MAX_CRYPTO_STREAM`]): an
/// allocation per handshake, not per packet.
#[derive(Clone, Debug, Default)]
pub struct CryptoStream {
    buf: Vec<u8>,
    /// Received byte ranges `[start, end)`, sorted, merged, disjoint.
    ranges: Vec<(usize, usize)>,
}

impl CryptoStream {
    pub fn new() -> Self {
        Self::default()
    }

    /// Forget everything (a Retry makes the client send its CRYPTO data again).
    pub fn clear(&mut self) {
        self.buf.clear();
        self.ranges.clear();
    }

    /// Store `data` at stream offset `offset`.
    pub fn insert(&mut self, offset: u64, data: &[u8]) -> Insert {
        let mut outcome = Insert::Stored;
        let start = usize::try_from(offset).unwrap_or(usize::MAX);
        if start >= MAX_CRYPTO_STREAM {
            return if data.is_empty() {
                Insert::Stored
            } else {
                Insert::Capped
            };
        }
        let mut end = start.saturating_add(data.len());
        if end > MAX_CRYPTO_STREAM {
            end = MAX_CRYPTO_STREAM;
            outcome = Insert::Capped;
        }
        if end == start {
            return outcome;
        }
        // A new range needs room in the list; data touching held ranges merges with them.
        let touching = self
            .ranges
            .iter()
            .filter(|&&(s, e)| !(e < start || s > end))
            .count();
        if self.ranges.len() - touching + 1 > MAX_CRYPTO_RANGES {
            return Insert::Capped;
        }
        if self.buf.len() < end {
            self.buf.resize(end, 0);
        }
        if let (Some(dst), Some(src)) = (self.buf.get_mut(start..end), data.get(..end - start)) {
            dst.copy_from_slice(src);
        }
        let mut merged = (start, end);
        self.ranges.retain(|&(s, e)| {
            if e < start || s > end {
                true
            } else {
                merged = (merged.0.min(s), merged.1.max(e));
                false
            }
        });
        let at = self
            .ranges
            .iter()
            .position(|&(s, _)| s > merged.1)
            .unwrap_or(self.ranges.len());
        self.ranges.insert(at, merged);
        outcome
    }

    /// Bytes available contiguously from offset 0.
    pub fn contiguous(&self) -> &[u8] {
        match self.ranges.first() {
            Some(&(0, e)) => self.buf.get(..e).unwrap_or(&[]),
            _ => &[],
        }
    }

    /// Whether offset 0 has been received.
    pub fn has_start(&self) -> bool {
        matches!(self.ranges.first(), Some(&(0, _)))
    }

    /// The first handshake message `(msg_type, body)` once all of it is contiguous: 4-byte
    /// header (type, 24-bit length) + body (RFC 8446 §4).
    pub fn first_message(&self) -> Option<(u8, &[u8])> {
        let c = self.contiguous();
        let h = c.get(..4)?;
        let len = usize::from(h[1]) << 16 | usize::from(h[2]) << 8 | usize::from(h[3]);
        Some((h[0], c.get(4..4 + len)?))
    }

    /// Whether the first handshake message can never complete: its length exceeds the cap.
    pub fn first_message_too_long(&self) -> bool {
        let c = self.contiguous();
        c.get(..4).is_some_and(|h| {
            let len = usize::from(h[1]) << 16 | usize::from(h[2]) << 8 | usize::from(h[3]);
            4 + len > MAX_CRYPTO_STREAM
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_walk() {
        let payload = [
            0x02, 0x05, 0x00, 0x01, 0x00, 0x01, 0x01, // ACK 5, 1 extra range
            0x03, 0x07, 0x00, 0x00, 0x00, 0x01, 0x02, 0x03, // ACK_ECN 7 + 3 counts
            0x01, // PING
            0x06, 0x40, 0x05, 0x02, b'h', b'i', // CRYPTO off 5 len 2
            0x1c, 0x0a, 0x06, 0x01, b'x', // CONNECTION_CLOSE
            0x00, 0x00, 0x00, // padding
        ];
        let frames: Vec<_> = Frames::new(&payload).collect();
        assert_eq!(
            frames,
            vec![
                Ok(Frame::Ack { largest: 5 }),
                Ok(Frame::Ack { largest: 7 }),
                Ok(Frame::Ping),
                Ok(Frame::Crypto {
                    offset: 5,
                    data: b"hi"
                }),
                Ok(Frame::ConnectionClose { error_code: 10 }),
                Ok(Frame::Padding(3)),
            ]
        );
        // A STREAM frame in an Initial: unexpected, walk stops.
        let bad = [0x01, 0x08, 0x00, 0x01];
        let frames: Vec<_> = Frames::new(&bad).collect();
        assert_eq!(
            frames,
            vec![Ok(Frame::Ping), Err(QuicError::UnexpectedFrame)]
        );
        // Every truncation of the walk above ends in FrameMalformed or fewer frames, never a
        // panic.
        for cut in 0..payload.len() {
            let _ = Frames::new(&payload[..cut]).count();
        }
        let cut: Vec<_> = Frames::new(&payload[..20]).collect();
        assert_eq!(cut.last(), Some(&Err(QuicError::FrameMalformed)));
    }

    #[test]
    fn crypto_out_of_order() {
        let mut s = CryptoStream::new();
        let msg = [1u8, 0, 0, 4, b'a', b'b', b'c', b'd'];
        assert_eq!(s.insert(6, &msg[6..]), Insert::Stored);
        assert!(!s.has_start());
        assert_eq!(s.first_message(), None);
        assert_eq!(s.insert(0, &msg[..3]), Insert::Stored);
        assert_eq!(s.contiguous(), &msg[..3]);
        assert_eq!(s.first_message(), None);
        // Overlapping retransmission fills the hole.
        assert_eq!(s.insert(2, &msg[2..7]), Insert::Stored);
        assert_eq!(s.contiguous(), &msg[..]);
        assert_eq!(s.first_message(), Some((1, &b"abcd"[..])));
        assert_eq!(s.ranges, vec![(0, 8)]);
    }

    #[test]
    fn crypto_caps() {
        let mut s = CryptoStream::new();
        assert_eq!(s.insert(MAX_CRYPTO_STREAM as u64, b"x"), Insert::Capped);
        assert_eq!(
            s.insert(MAX_CRYPTO_STREAM as u64 - 1, b"xy"),
            Insert::Capped
        );
        assert_eq!(s.buf.len(), MAX_CRYPTO_STREAM);
        let mut s = CryptoStream::new();
        for i in 0..MAX_CRYPTO_RANGES as u64 {
            assert_eq!(s.insert(10 + i * 3, b"a"), Insert::Stored);
        }
        assert_eq!(s.insert(1000, b"a"), Insert::Capped);
        assert_eq!(s.ranges.len(), MAX_CRYPTO_RANGES);
        // Filling a gap still works when the list is full.
        assert_eq!(s.insert(11, b"bb"), Insert::Stored);
        assert_eq!(s.ranges.len(), MAX_CRYPTO_RANGES - 1);
        assert_eq!(s.insert(u64::MAX, b"z"), Insert::Capped);
    }
}
