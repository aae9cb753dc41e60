//! Accounting authenticators (RFC 2866 §3).
//!
//! * Request Authenticator = MD5(Code + Identifier + Length + 16 zero octets + Attributes +
//!   Secret);
//! * Response Authenticator = MD5(Code + Identifier + Length + Request Authenticator +
//!   Attributes + Secret).
//!
//! Only the first `Length` bytes count (the rest is padding, RFC 2865 §3). A packet with a
//! cut header, a Length outside 20..=4096 or fewer bytes than Length never verifies. The
//! comparison is not constant-time: the probe only observes traffic, it answers nobody.

use md5::{Digest, Md5};

use super::parse::{HEADER_LEN, MAX_LENGTH, MIN_LENGTH};

/// The packet's first `Length` bytes, when its header and Length are sane and all captured.
fn framed(packet: &[u8]) -> Option<&[u8]> {
    let len = u16::from_be_bytes([*packet.get(2)?, *packet.get(3)?]);
    if !(MIN_LENGTH..=MAX_LENGTH).contains(&len) {
        return None;
    }
    packet.get(..usize::from(len))
}

/// MD5 over the packet with its authenticator replaced by `auth`, then `secret`.
fn digest(packet: &[u8], auth: &[u8; 16], secret: &[u8]) -> Option<[u8; 16]> {
    let mut h = Md5::new();
    h.update(packet.get(..4)?);
    h.update(auth);
    h.update(packet.get(HEADER_LEN..)?);
    h.update(secret);
    Some(h.finalize().into())
}

/// True when `packet`'s Request Authenticator is right for `secret` (RFC 2866 §3).
pub fn verify_accounting_request(packet: &[u8], secret: &[u8]) -> bool {
    let Some(p) = framed(packet) else {
        return false;
    };
    digest(p, &[0; 16], secret).is_some_and(|d| p.get(4..HEADER_LEN) == Some(&d[..]))
}

/// True when `response`'s Response Authenticator is right for the request that carried
/// `request_authenticator` and for `secret` (RFC 2866 §3).
pub fn verify_accounting_response(
    response: &[u8],
    request_authenticator: &[u8; 16],
    secret: &[u8],
) -> bool {
    let Some(p) = framed(response) else {
        return false;
    };
    digest(p, request_authenticator, secret).is_some_and(|d| p.get(4..HEADER_LEN) == Some(&d[..]))
}
