//! TCP sequence-number arithmetic (RFC 9293 §3.4, RFC 1982 style).
//!
//! Sequence and acknowledgment numbers are 32-bit counters that wrap. Two numbers are compared
//! by the sign of their 32-bit difference, which is correct as long as they are less than 2^31
//! apart; the tracker keeps everything it compares within [`MAX_WINDOW`] (2^30) of each other.

/// The largest possible TCP window (65535 << 14, rounded up to 2^30, RFC 7323 §2.3). Data in
/// flight, holes and retransmissions all lie within this distance of the highest sequence
/// number; anything farther away is a jump the tracker resynchronizes on.
pub const MAX_WINDOW: u32 = 1 << 30;

/// Signed distance `a − b` modulo 2^32.
pub const fn diff(a: u32, b: u32) -> i32 {
    a.wrapping_sub(b) as i32
}

/// `a < b` in sequence space.
pub const fn lt(a: u32, b: u32) -> bool {
    diff(a, b) < 0
}

/// `a ≤ b` in sequence space.
pub const fn le(a: u32, b: u32) -> bool {
    diff(a, b) <= 0
}

/// `a > b` in sequence space.
pub const fn gt(a: u32, b: u32) -> bool {
    lt(b, a)
}

/// `a ≥ b` in sequence space.
pub const fn ge(a: u32, b: u32) -> bool {
    le(b, a)
}

/// The later of `a` and `b` in sequence space.
pub const fn max(a: u32, b: u32) -> u32 {
    if lt(a, b) {
        b
    } else {
        a
    }
}

/// `a` is at or after `b` and at most [`MAX_WINDOW`] beyond it.
pub const fn within_window_after(a: u32, b: u32) -> bool {
    a.wrapping_sub(b) <= MAX_WINDOW
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comparisons_wrap() {
        assert!(lt(0xffff_fff0, 0x10));
        assert!(gt(0x10, 0xffff_fff0));
        assert!(le(5, 5) && ge(5, 5) && !lt(5, 5) && !gt(5, 5));
        assert_eq!(diff(0x10, 0xffff_fff0), 0x20);
        assert_eq!(diff(0xffff_fff0, 0x10), -0x20);
        assert_eq!(max(0xffff_fff0, 0x10), 0x10);
        assert_eq!(max(0x10, 0xffff_fff0), 0x10);
        assert!(within_window_after(0x10, 0xffff_fff0));
        assert!(!within_window_after(0xffff_fff0, 0x10));
        assert!(within_window_after(MAX_WINDOW, 0));
        assert!(!within_window_after(MAX_WINDOW + 1, 0));
    }
}
