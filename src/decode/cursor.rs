//! A checked position in a frame: the captured bytes left, how many bytes the wire (or the
//! enclosing header's length) says are left, and the offset from the start of the frame.
//!
//! Invariant: `data.len() <= wire`. Every decoder reads fields through [`Cursor::take`], which
//! returns exactly the header bytes or a counted [`DecodeError::Truncated`], and then through
//! the panic-free `be16`/`be32` helpers. No decoder indexes input bytes directly.

use super::error::{DecodeError, Layer};

/// Captured bytes from some position of a frame, with the wire length they stand for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cursor<'a> {
    /// The captured bytes from this position (a prefix of the `wire` bytes).
    pub data: &'a [u8],
    /// Bytes from this position to the end of the enclosing packet on the wire.
    pub wire: usize,
    /// Offset of this position from the start of the frame (for error messages).
    pub pos: usize,
}

impl<'a> Cursor<'a> {
    /// A whole frame: `wire_len` below the captured length (a lying file) counts as captured.
    pub fn new(data: &'a [u8], wire_len: usize) -> Self {
        Cursor {
            data,
            wire: wire_len.max(data.len()),
            pos: 0,
        }
    }

    /// The first `n` bytes, or `Truncated` naming `layer` when fewer were captured.
    #[inline]
    pub fn take(&self, layer: Layer, n: usize) -> Result<&'a [u8], DecodeError> {
        self.data.get(..n).ok_or(DecodeError::Truncated {
            layer,
            offset: sat16(self.pos),
            need: sat16(n),
            have: sat16(self.data.len()),
        })
    }

    /// The position `n` bytes further (empty when past the end).
    #[inline]
    pub fn advance(&self, n: usize) -> Self {
        Cursor {
            data: self.data.get(n..).unwrap_or(&[]),
            wire: self.wire.saturating_sub(n),
            pos: self.pos.saturating_add(n),
        }
    }

    /// The same position limited to `len` bytes on the wire (drops padding after a packet).
    #[inline]
    pub fn limit(&self, len: usize) -> Self {
        let wire = self.wire.min(len);
        Cursor {
            data: self.data.get(..wire).unwrap_or(self.data),
            wire,
            pos: self.pos,
        }
    }
}

/// Saturating conversion for offsets and lengths in errors.
#[inline]
pub fn sat16(n: usize) -> u16 {
    u16::try_from(n).unwrap_or(u16::MAX)
}

/// Big-endian u16 at `i`; 0 if out of range (callers check lengths first with `take`).
#[inline]
pub fn be16(b: &[u8], i: usize) -> u16 {
    match b.get(i..i.wrapping_add(2)) {
        Some(&[x, y]) => u16::from_be_bytes([x, y]),
        _ => 0,
    }
}

/// Big-endian u32 at `i`; 0 if out of range.
#[inline]
pub fn be32(b: &[u8], i: usize) -> u32 {
    match b.get(i..i.wrapping_add(4)) {
        Some(&[w, x, y, z]) => u32::from_be_bytes([w, x, y, z]),
        _ => 0,
    }
}

/// Byte at `i`; 0 if out of range.
#[inline]
pub fn byte(b: &[u8], i: usize) -> u8 {
    b.get(i).copied().unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn take_advance_limit() {
        let c = Cursor::new(&[1, 2, 3, 4, 5], 10);
        assert_eq!(c.wire, 10);
        assert_eq!(c.take(Layer::Udp, 2), Ok(&[1u8, 2][..]));
        assert_eq!(
            c.advance(3).take(Layer::Udp, 4),
            Err(DecodeError::Truncated {
                layer: Layer::Udp,
                offset: 3,
                need: 4,
                have: 2
            })
        );
        let l = c.limit(3);
        assert_eq!((l.data, l.wire), (&[1u8, 2, 3][..], 3));
        let l = c.limit(7);
        assert_eq!((l.data.len(), l.wire), (5, 7));
        let a = c.advance(20);
        assert_eq!((a.data.len(), a.wire, a.pos), (0, 0, 20));
        assert_eq!(Cursor::new(&[1, 2, 3], 1).wire, 3);
        assert_eq!(be16(&[1, 2, 3], 1), 0x0203);
        assert_eq!(be16(&[1, 2, 3], 2), 0);
        assert_eq!(be32(&[1, 2, 3, 4], 0), 0x0102_0304);
        assert_eq!(be32(&[1, 2, 3, 4], usize::MAX), 0);
    }
}
