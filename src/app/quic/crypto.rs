//! Initial packet protection (RFC 9001 §5, RFC 9369 §3.3): key derivation, header protection
//! removal and AEAD_AES_128_GCM opening.
//!
//! Initial keys are public by design (derived from the client's first Destination Connection
//! ID and a per-version salt), so an observer can read the Initial packets — and only them:
//! Handshake and 1-RTT packets stay opaque.

use aes::cipher::{BlockEncrypt, KeyInit};
use aes::Aes128;
use aes_gcm::aead::generic_array::GenericArray;
use aes_gcm::{AeadInPlace, Aes128Gcm};
use hkdf::Hkdf;
use sha2::Sha256;

use super::packet::{decode_packet_number, VERSION_2};
use super::QuicError;

/// v1 Initial salt (RFC 9001 §5.2).
const SALT_V1: [u8; 20] = [
    0x38, 0x76, 0x2c, 0xf7, 0xf5, 0x59, 0x34, 0xb3, 0x4d, 0x17, 0x9a, 0xe6, 0xa4, 0xc8, 0x0c, 0xad,
    0xcc, 0xbb, 0x7f, 0x0a,
];
/// v2 Initial salt (RFC 9369 §3.3.1).
const SALT_V2: [u8; 20] = [
    0x0d, 0xed, 0xe3, 0xde, 0xf7, 0x00, 0xa6, 0xdb, 0x81, 0x93, 0x81, 0xbe, 0x6e, 0x26, 0x9d, 0xcb,
    0xf9, 0xbd, 0x2e, 0xd9,
];

/// AEAD tag length of AES-128-GCM.
pub const TAG_LEN: usize = 16;
/// Header protection sample length (RFC 9001 §5.4.2).
pub const SAMPLE_LEN: usize = 16;

/// Which endpoint's Initial secret.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Side {
    Client,
    Server,
}

/// HKDF-Expand-Label (RFC 8446 §7.1) with an empty context, SHA-256:
/// `HkdfLabel = uint16 length ‖ opaque label<7..255> = "tls13 " + label ‖ opaque context<0..255>`.
fn expand_label(prk: &Hkdf<Sha256>, label: &[u8], out: &mut [u8]) {
    let len = u16::try_from(out.len()).unwrap_or(0).to_be_bytes();
    let label_len = [u8::try_from(6 + label.len()).unwrap_or(0)];
    let info: [&[u8]; 5] = [&len, &label_len, b"tls13 ", label, &[0u8]];
    // Only fails for outputs longer than 255 × 32 bytes; ours are ≤ 32.
    let _ = prk.expand_multi_info(&info, out);
}

/// The Initial secret of one side: HKDF-Extract(salt of `version`, `dcid`), then
/// HKDF-Expand-Label(…, "client in" | "server in", "", 32).
pub fn initial_secret(version: u32, dcid: &[u8], side: Side) -> [u8; 32] {
    let salt: &[u8] = if version == VERSION_2 {
        &SALT_V2
    } else {
        &SALT_V1
    };
    let (_, initial) = Hkdf::<Sha256>::extract(Some(salt), dcid);
    let label: &[u8] = match side {
        Side::Client => b"client in",
        Side::Server => b"server in",
    };
    let mut secret = [0u8; 32];
    expand_label(&initial, label, &mut secret);
    secret
}

/// Raw key material of one side's Initial keys (for tests against the RFC vectors).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct KeyMaterial {
    pub key: [u8; 16],
    pub iv: [u8; 12],
    pub hp: [u8; 16],
}

impl KeyMaterial {
    /// Packet protection key, IV and header protection key from an Initial secret: labels
    /// "quic key"/"quic iv"/"quic hp" (v1, RFC 9001 §5.1) or "quicv2 key"/"quicv2 iv"/
    /// "quicv2 hp" (v2, RFC 9369 §3.3.2).
    pub fn from_secret(version: u32, secret: &[u8; 32]) -> KeyMaterial {
        let prk = match Hkdf::<Sha256>::from_prk(secret) {
            Ok(p) => p,
            // A 32-byte PRK is always accepted for SHA-256.
            Err(_) => Hkdf::<Sha256>::new(None, secret),
        };
        let (lk, li, lh): (&[u8], &[u8], &[u8]) = if version == VERSION_2 {
            (b"quicv2 key", b"quicv2 iv", b"quicv2 hp")
        } else {
            (b"quic key", b"quic iv", b"quic hp")
        };
        let mut m = KeyMaterial {
            key: [0; 16],
            iv: [0; 12],
            hp: [0; 16],
        };
        expand_label(&prk, lk, &mut m.key);
        expand_label(&prk, li, &mut m.iv);
        expand_label(&prk, lh, &mut m.hp);
        m
    }
}

/// Ready-to-use Initial keys of one side.
#[derive(Clone)]
pub struct InitialKeys {
    aead: Aes128Gcm,
    iv: [u8; 12],
    hp: Aes128,
}

impl std::fmt::Debug for InitialKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("InitialKeys")
    }
}

impl InitialKeys {
    /// Keys of `side` for a connection whose client chose `dcid` in its first Initial.
    pub fn derive(version: u32, dcid: &[u8], side: Side) -> InitialKeys {
        Self::from_material(&KeyMaterial::from_secret(
            version,
            &initial_secret(version, dcid, side),
        ))
    }

    pub fn from_material(m: &KeyMaterial) -> InitialKeys {
        InitialKeys {
            aead: Aes128Gcm::new(GenericArray::from_slice(&m.key)),
            iv: m.iv,
            hp: Aes128::new(GenericArray::from_slice(&m.hp)),
        }
    }

    /// Header protection mask: AES-ECB(hp, sample) (RFC 9001 §5.4.3).
    pub fn mask(&self, sample: &[u8; SAMPLE_LEN]) -> [u8; 16] {
        let mut block = GenericArray::clone_from_slice(sample);
        self.hp.encrypt_block(&mut block);
        let mut out = [0u8; 16];
        out.copy_from_slice(&block);
        out
    }
}

/// An opened (decrypted) long-header packet.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Opened {
    /// Full (expanded) packet number.
    pub pn: u64,
    /// Packet number length in bytes (1..=4).
    pub pn_len: usize,
    /// Range of the plaintext payload inside the buffer given to [`open`].
    pub payload_start: usize,
    pub payload_end: usize,
}

/// Remove header protection and decrypt one long-header packet in place.
///
/// `packet` holds exactly one packet (header through tag) and is modified: the first byte and
/// the packet number are unmasked and the payload is decrypted in place (on failure its
/// contents are unspecified). `pn_offset` is where the protected packet number starts.
/// `largest` = largest packet number already opened in this packet number space, used to
/// expand the truncated number (RFC 9000 §A.3).
///
/// Steps (RFC 9001 §5.4–5.5): sample = 16 bytes at `pn_offset + 4`; mask = AES-ECB(hp,
/// sample); first byte ^= mask[0] & 0x0f (long header); packet number length = (first & 3) + 1;
/// packet number bytes ^= mask[1..]; nonce = iv XOR packet number (left-padded);
/// AAD = header through the packet number; AES-128-GCM open of the rest with its last 16 bytes
/// as the tag.
pub fn open(
    keys: &InitialKeys,
    packet: &mut [u8],
    pn_offset: usize,
    largest: Option<u64>,
) -> Result<Opened, QuicError> {
    let sample_at = pn_offset + 4;
    let sample: [u8; SAMPLE_LEN] = packet
        .get(sample_at..sample_at + SAMPLE_LEN)
        .and_then(|s| s.try_into().ok())
        .ok_or(QuicError::Truncated)?;
    let mask = keys.mask(&sample);
    let first = packet.first_mut().ok_or(QuicError::Truncated)?;
    *first ^= mask[0] & 0x0f;
    let pn_len = usize::from(*first & 0x03) + 1;
    let pn_bytes = packet
        .get_mut(pn_offset..pn_offset + pn_len)
        .ok_or(QuicError::Truncated)?;
    let mut truncated = 0u64;
    for (b, m) in pn_bytes.iter_mut().zip(mask.iter().skip(1)) {
        *b ^= *m;
        truncated = (truncated << 8) | u64::from(*b);
    }
    let pn = decode_packet_number(largest, truncated, 8 * pn_len as u32);
    let payload_start = pn_offset + pn_len;
    let tag_start = packet
        .len()
        .checked_sub(TAG_LEN)
        .filter(|&t| t >= payload_start)
        .ok_or(QuicError::Truncated)?;
    let mut nonce = keys.iv;
    for (n, p) in nonce.iter_mut().skip(4).zip(pn.to_be_bytes()) {
        *n ^= p;
    }
    let (head, tag) = packet.split_at_mut(tag_start);
    let (aad, payload) = head.split_at_mut(payload_start);
    keys.aead
        .decrypt_in_place_detached(
            GenericArray::from_slice(&nonce),
            aad,
            payload,
            GenericArray::from_slice(tag),
        )
        .map_err(|_| QuicError::DecryptFailed)?;
    Ok(Opened {
        pn,
        pn_len,
        payload_start,
        payload_end: tag_start,
    })
}
