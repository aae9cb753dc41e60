//! Packet time.
//!
//! Every time inside cemprobe is a [`Timestamp`]: integer microseconds since the Unix epoch taken
//! from the capture headers, never from the wall clock. That makes an offline run deterministic
//! (same capture in, byte-identical records out) and lets timeouts be tested with constructed
//! captures. Spans are plain `u64` microseconds (`*_us` in names).

/// A point in packet time: microseconds since the Unix epoch, from the capture header.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(pub u64);

impl Timestamp {
    /// Microseconds since the Unix epoch.
    pub const fn as_us(self) -> u64 {
        self.0
    }

    /// `self - earlier` in microseconds, 0 when `earlier` is later (captures are not always
    /// perfectly ordered; a negative span is never reported).
    pub const fn since(self, earlier: Timestamp) -> u64 {
        self.0.saturating_sub(earlier.0)
    }

    /// This time plus `us` microseconds (saturating).
    pub const fn plus_us(self, us: u64) -> Timestamp {
        Timestamp(self.0.saturating_add(us))
    }

    /// Build from seconds and a sub-second fraction in units of `10^-digits` seconds
    /// (pcap µs = 6, pcap ns = 9, pcapng `if_tsresol` decimal).
    pub fn from_parts(secs: u64, frac: u64, digits: u8) -> Timestamp {
        let frac_us = match digits {
            0 => 0,
            1..=6 => frac.saturating_mul(10u64.pow(6 - u32::from(digits))),
            7..=19 => frac / 10u64.pow(u32::from(digits) - 6),
            _ => 0,
        };
        Timestamp(secs.saturating_mul(1_000_000).saturating_add(frac_us))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn from_parts_scales_fraction() {
        assert_eq!(Timestamp::from_parts(1, 500_000, 6).as_us(), 1_500_000);
        assert_eq!(Timestamp::from_parts(1, 500_000_123, 9).as_us(), 1_500_000);
        assert_eq!(Timestamp::from_parts(2, 5, 1).as_us(), 2_500_000);
        assert_eq!(Timestamp::from_parts(2, 5, 0).as_us(), 2_000_000);
    }

    #[test]
    fn since_never_negative() {
        assert_eq!(Timestamp(5).since(Timestamp(9)), 0);
        assert_eq!(Timestamp(9).since(Timestamp(5)), 4);
    }
}
