//! QUIC long headers (RFC 9000 §17.2, RFC 9369 §3.2): pure parsing, no keys.
//!
//! A long header is parsed up to the start of the (still protected) packet number. Packet
//! boundaries inside a datagram come from the `Length` field, which lets a datagram holding
//! several coalesced packets (RFC 9000 §12.2) be walked without decrypting anything.

use crate::app::Parse;

use super::QuicError;

/// QUIC version 1 (RFC 9000).
pub const VERSION_1: u32 = 1;
/// QUIC version 2 (RFC 9369 §3.1).
pub const VERSION_2: u32 = 0x6b33_43cf;

/// Longest connection ID a v1/v2 long header may carry (RFC 9000 §17.2).
pub const MAX_CID_LEN: usize = 20;

/// Whether cemprobe knows the Initial keys of this version.
pub const fn is_supported_version(version: u32) -> bool {
    version == VERSION_1 || version == VERSION_2
}

/// Long-header packet type, independent of the version's wire encoding.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PacketType {
    Initial,
    ZeroRtt,
    Handshake,
    Retry,
}

impl PacketType {
    /// Decode the two type bits of the first byte. v1 (RFC 9000 §17.2): Initial 0b00, 0-RTT
    /// 0b01, Handshake 0b10, Retry 0b11. v2 (RFC 9369 §3.2): Initial 0b01, 0-RTT 0b10,
    /// Handshake 0b11, Retry 0b00.
    pub const fn from_bits(version: u32, bits: u8) -> PacketType {
        let bits = bits & 0b11;
        let v1_bits = if version == VERSION_2 {
            bits.wrapping_sub(1) & 0b11
        } else {
            bits
        };
        match v1_bits {
            0 => PacketType::Initial,
            1 => PacketType::ZeroRtt,
            2 => PacketType::Handshake,
            _ => PacketType::Retry,
        }
    }
}

/// Read a variable-length integer (RFC 9000 §16) at the start of `data`: `(value, length)`,
/// or `None` when `data` ends inside it.
pub fn varint(data: &[u8]) -> Option<(u64, usize)> {
    let first = *data.first()?;
    let len = 1usize << (first >> 6);
    let bytes = data.get(..len)?;
    let mut v = u64::from(first & 0x3f);
    for b in bytes.iter().skip(1) {
        v = (v << 8) | u64::from(*b);
    }
    Some((v, len))
}

/// A parsed long header; byte positions are relative to the start of the packet.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LongHeader<'a> {
    /// First byte as on the wire (its low bits are still header-protected).
    pub first: u8,
    pub version: u32,
    pub ptype: PacketType,
    pub dcid: &'a [u8],
    pub scid: &'a [u8],
    /// Initial only: the token (empty otherwise).
    pub token: &'a [u8],
    /// Offset of the (protected) packet number: Initial, 0-RTT and Handshake packets.
    pub pn_offset: usize,
    /// End of this packet (Initial, 0-RTT, Handshake: `pn_offset + Length`; Retry: the whole
    /// datagram slice given).
    pub end: usize,
}

/// Parse the long-header packet at the start of `data` (first bit 1).
///
/// `Done { consumed }` = the packet's length, so the next coalesced packet starts at
/// `data[consumed..]`. `NeedMore` when the captured bytes end inside the header or before
/// `Length` bytes (a snaplen-cut datagram). Unknown versions (and Version Negotiation, version 0)
/// are `Malformed(UnsupportedVersion)`: their layout past the connection IDs is unknown.
pub fn parse_long_header(data: &[u8]) -> Parse<LongHeader<'_>, QuicError> {
    let need = |n: usize| Parse::NeedMore { needed: n };
    let Some(&first) = data.first() else {
        return need(1);
    };
    if first & 0x80 == 0 {
        return Parse::Malformed(QuicError::NotLongHeader);
    }
    let Some(vb) = data.get(1..5) else {
        return need(5);
    };
    let version = u32::from_be_bytes([vb[0], vb[1], vb[2], vb[3]]);
    if !is_supported_version(version) {
        return Parse::Malformed(QuicError::UnsupportedVersion);
    }
    // v1/v2 long headers have the fixed bit set (RFC 9000 §17.2).
    if first & 0x40 == 0 {
        return Parse::Malformed(QuicError::BadHeader);
    }
    let mut pos = 5usize;
    let Some(&dlen) = data.get(pos) else {
        return need(pos + 1);
    };
    let dlen = usize::from(dlen);
    if dlen > MAX_CID_LEN {
        return Parse::Malformed(QuicError::BadHeader);
    }
    pos += 1;
    let Some(dcid) = data.get(pos..pos + dlen) else {
        return need(pos + dlen);
    };
    pos += dlen;
    let Some(&slen) = data.get(pos) else {
        return need(pos + 1);
    };
    let slen = usize::from(slen);
    if slen > MAX_CID_LEN {
        return Parse::Malformed(QuicError::BadHeader);
    }
    pos += 1;
    let Some(scid) = data.get(pos..pos + slen) else {
        return need(pos + slen);
    };
    pos += slen;
    let ptype = PacketType::from_bits(version, first >> 4);
    let mut token: &[u8] = &[];
    match ptype {
        PacketType::Retry => {
            // Retry token + 16-byte integrity tag fill the rest of the datagram (§17.2.5).
            if data.len() < pos + 16 {
                return need(pos + 16);
            }
            let hdr = LongHeader {
                first,
                version,
                ptype,
                dcid,
                scid,
                token: data.get(pos..data.len() - 16).unwrap_or(&[]),
                pn_offset: data.len(),
                end: data.len(),
            };
            return Parse::Done {
                value: hdr,
                consumed: data.len(),
            };
        }
        PacketType::Initial => {
            let Some((tlen, n)) = data.get(pos..).and_then(varint) else {
                return need(pos + 1);
            };
            pos += n;
            let Some(t) = usize::try_from(tlen)
                .ok()
                .and_then(|tlen| data.get(pos..pos.checked_add(tlen)?))
            else {
                return need(usize::try_from(tlen).map_or(0, |t| pos.saturating_add(t)));
            };
            token = t;
            pos += t.len();
        }
        PacketType::ZeroRtt | PacketType::Handshake => {}
    }
    let Some((length, n)) = data.get(pos..).and_then(varint) else {
        return need(pos + 1);
    };
    pos += n;
    let pn_offset = pos;
    // The packet number (≥ 1 byte) is inside Length; AEAD needs 16 more.
    if length < 1 {
        return Parse::Malformed(QuicError::BadHeader);
    }
    let end = match usize::try_from(length)
        .ok()
        .and_then(|l| pn_offset.checked_add(l))
    {
        Some(e) => e,
        None => return Parse::Malformed(QuicError::BadHeader),
    };
    if end > data.len() {
        return need(end);
    }
    Parse::Done {
        value: LongHeader {
            first,
            version,
            ptype,
            dcid,
            scid,
            token,
            pn_offset,
            end,
        },
        consumed: end,
    }
}

/// Expand a truncated packet number (RFC 9000 Appendix A.3): the value closest to
/// `largest + 1` whose low `pn_nbits` bits are `truncated`. `largest` = largest packet number
/// successfully processed in this packet number space (`None` before the first).
pub fn decode_packet_number(largest: Option<u64>, truncated: u64, pn_nbits: u32) -> u64 {
    // Signed arithmetic as in the RFC's pseudocode (`expected - hwin` may be negative).
    let expected = largest.map_or(0i128, |l| i128::from(l) + 1);
    let win = 1i128 << pn_nbits.min(32);
    let hwin = win / 2;
    let mask = win - 1;
    let candidate = (expected & !mask) | (i128::from(truncated) & mask);
    let pn = if candidate <= expected - hwin && candidate < (1i128 << 62) - win {
        candidate + win
    } else if candidate > expected + hwin && candidate >= win {
        candidate - win
    } else {
        candidate
    };
    u64::try_from(pn).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn varints_rfc9000_a1() {
        // RFC 9000 §A.1 examples.
        assert_eq!(
            varint(&[0xc2, 0x19, 0x7c, 0x5e, 0xff, 0x14, 0xe8, 0x8c]),
            Some((151_288_809_941_952_652, 8))
        );
        assert_eq!(varint(&[0x9d, 0x7f, 0x3e, 0x7d]), Some((494_878_333, 4)));
        assert_eq!(varint(&[0x7b, 0xbd]), Some((15_293, 2)));
        assert_eq!(varint(&[0x25]), Some((37, 1)));
        assert_eq!(varint(&[0x40, 0x25]), Some((37, 2)));
        assert_eq!(varint(&[0x7b]), None);
        assert_eq!(varint(&[]), None);
    }

    #[test]
    fn packet_number_rfc9000_a3() {
        // RFC 9000 §A.3 example: largest 0xa82f30ea, 16-bit 0x9b32 → 0xa82f9b32.
        assert_eq!(
            decode_packet_number(Some(0xa82f_30ea), 0x9b32, 16),
            0xa82f_9b32
        );
        assert_eq!(decode_packet_number(None, 2, 32), 2);
        assert_eq!(decode_packet_number(Some(255), 0, 8), 256);
        assert_eq!(decode_packet_number(Some(300), 0xff, 8), 255);
    }

    #[test]
    fn type_bits_per_version() {
        assert_eq!(PacketType::from_bits(VERSION_1, 0), PacketType::Initial);
        assert_eq!(PacketType::from_bits(VERSION_1, 3), PacketType::Retry);
        assert_eq!(PacketType::from_bits(VERSION_2, 1), PacketType::Initial);
        assert_eq!(PacketType::from_bits(VERSION_2, 2), PacketType::ZeroRtt);
        assert_eq!(PacketType::from_bits(VERSION_2, 3), PacketType::Handshake);
        assert_eq!(PacketType::from_bits(VERSION_2, 0), PacketType::Retry);
    }

    #[test]
    fn long_header_fields() {
        // v1 Initial: dcid 01 02, scid 03, token "t", length 3 (pn 1 byte + 2 bytes).
        let pkt = [
            0xc0, 0, 0, 0, 1, 2, 1, 2, 1, 3, 1, b't', 3, 0xaa, 0xbb, 0xcc, 0xdd,
        ];
        let Parse::Done { value, consumed } = parse_long_header(&pkt) else {
            panic!("not parsed");
        };
        assert_eq!(consumed, 16);
        assert_eq!(value.version, VERSION_1);
        assert_eq!(value.ptype, PacketType::Initial);
        assert_eq!(value.dcid, &[1, 2]);
        assert_eq!(value.scid, &[3]);
        assert_eq!(value.token, b"t");
        assert_eq!(value.pn_offset, 13);
        assert_eq!(value.end, 16);
        // Every truncation inside the packet asks for more, never panics.
        for cut in 0..16 {
            assert!(
                matches!(parse_long_header(&pkt[..cut]), Parse::NeedMore { .. }),
                "cut {cut}"
            );
        }
        // CID longer than 20.
        let mut bad = pkt;
        bad[5] = 21;
        assert_eq!(
            parse_long_header(&bad),
            Parse::Malformed(QuicError::BadHeader)
        );
        let mut v = pkt;
        v[4] = 2;
        assert_eq!(
            parse_long_header(&v),
            Parse::Malformed(QuicError::UnsupportedVersion)
        );
        assert_eq!(
            parse_long_header(&[0x40, 1]),
            Parse::Malformed(QuicError::NotLongHeader)
        );
    }

    #[test]
    fn handshake_has_no_token() {
        // v2 Handshake (type bits 0b11): no token field.
        let pkt = [0xf0, 0x6b, 0x33, 0x43, 0xcf, 0, 0, 2, 9, 9];
        let Parse::Done { value, consumed } = parse_long_header(&pkt) else {
            panic!("not parsed");
        };
        assert_eq!(value.ptype, PacketType::Handshake);
        assert_eq!(value.pn_offset, 8);
        assert_eq!(consumed, 10);
    }
}
