//! JA4 TLS client fingerprint (FoxIO JA4 specification, `technical_details/JA4.md`).
//!
//! `JA4 = a_b_c`:
//! * `a` = transport (`q` QUIC, `t` TLS over TCP) + version (highest non-GREASE
//!   supported_versions value, else the ClientHello legacy_version: `13`, `12`, `11`, `10`, `s3`,
//!   `s2`, `d1`/`d2`/`d3`, unknown `00`) + `d` if a server_name extension is present else `i` +
//!   2-digit count of non-GREASE cipher suites (capped at 99) + 2-digit count of non-GREASE
//!   extensions, SNI and ALPN included (capped at 99) + first and last character of the first
//!   ALPN value (`00` without one; its hex form's first and last character when either byte is
//!   not ASCII alphanumeric);
//! * `b` = first 12 hex characters of SHA-256 over the non-GREASE cipher suites as 4-digit
//!   lower-case hex, sorted, comma-separated (`000000000000` when none);
//! * `c` = the same over the non-GREASE extension types sorted without server_name (0000) and
//!   ALPN (0010), then `_` and the signature algorithms in wire order (no `_` when there are
//!   none); `000000000000` when that extension list is empty.
//!
//! Pure: allocates the fingerprint string and two short scratch strings per ClientHello.

use std::fmt::Write;

use sha2::{Digest, Sha256};

use super::hello::{ext, is_grease};

/// What JA4 needs of a ClientHello (raw lists, GREASE still in).
#[derive(Clone, Copy, Debug)]
pub struct Input<'a> {
    pub quic: bool,
    pub legacy_version: u16,
    /// supported_versions offered (GREASE may or may not have been removed).
    pub supported_versions: &'a [u16],
    /// A server_name extension is present.
    pub sni: bool,
    pub cipher_suites: &'a [u16],
    /// Extension types in wire order.
    pub extensions: &'a [u16],
    /// The first ALPN protocol name, raw bytes.
    pub first_alpn: Option<&'a [u8]>,
    pub signature_algorithms: &'a [u16],
}

/// The JA4 fingerprint of a ClientHello.
pub fn fingerprint(i: &Input<'_>) -> String {
    let version = i
        .supported_versions
        .iter()
        .copied()
        .filter(|v| !is_grease(*v))
        .max()
        .unwrap_or(i.legacy_version);
    let ciphers = i.cipher_suites.iter().filter(|v| !is_grease(**v)).count();
    let exts = i.extensions.iter().filter(|v| !is_grease(**v)).count();
    let mut s = String::with_capacity(36);
    s.push(if i.quic { 'q' } else { 't' });
    s.push_str(version_code(version));
    s.push(if i.sni { 'd' } else { 'i' });
    let _ = write!(s, "{:02}{:02}", ciphers.min(99), exts.min(99));
    let (first, last) = alpn_chars(i.first_alpn);
    s.push(first);
    s.push(last);
    s.push('_');

    let mut sorted: Vec<u16> = i
        .cipher_suites
        .iter()
        .copied()
        .filter(|v| !is_grease(*v))
        .collect();
    sorted.sort_unstable();
    s.push_str(&hash12(&hex_list(&sorted), sorted.is_empty()));
    s.push('_');

    sorted.clear();
    sorted.extend(
        i.extensions
            .iter()
            .copied()
            .filter(|v| !is_grease(*v) && *v != ext::SERVER_NAME && *v != ext::ALPN),
    );
    sorted.sort_unstable();
    let mut text = hex_list(&sorted);
    let sigalgs: Vec<u16> = i
        .signature_algorithms
        .iter()
        .copied()
        .filter(|v| !is_grease(*v))
        .collect();
    if !sigalgs.is_empty() {
        text.push('_');
        text.push_str(&hex_list(&sigalgs));
    }
    s.push_str(&hash12(&text, sorted.is_empty()));
    s
}

/// JA4 version code of a protocol version number.
fn version_code(v: u16) -> &'static str {
    match v {
        0x0304 => "13",
        0x0303 => "12",
        0x0302 => "11",
        0x0301 => "10",
        0x0300 => "s3",
        0x0002 => "s2",
        0xfeff => "d1",
        0xfefd => "d2",
        0xfefc => "d3",
        _ => "00",
    }
}

/// First and last character of the first ALPN value (see the module doc).
fn alpn_chars(alpn: Option<&[u8]>) -> (char, char) {
    let (Some(&first), Some(&last)) = (alpn.and_then(|a| a.first()), alpn.and_then(|a| a.last()))
    else {
        return ('0', '0');
    };
    if first.is_ascii_alphanumeric() && last.is_ascii_alphanumeric() {
        (char::from(first), char::from(last))
    } else {
        (hex_char(first >> 4), hex_char(last & 0xf))
    }
}

fn hex_char(n: u8) -> char {
    char::from(b"0123456789abcdef"[usize::from(n & 0xf)])
}

/// `0a0b,1301,…`: 4-digit lower-case hex, comma-separated.
fn hex_list(values: &[u16]) -> String {
    let mut s = String::with_capacity(values.len() * 5);
    for (n, v) in values.iter().enumerate() {
        if n > 0 {
            s.push(',');
        }
        for shift in [12, 8, 4, 0] {
            s.push(hex_char((v >> shift) as u8));
        }
    }
    s
}

/// First 12 lower-case hex characters of SHA-256(`text`), or twelve zeros when `empty`.
fn hash12(text: &str, empty: bool) -> String {
    if empty {
        return "000000000000".to_owned();
    }
    let digest = Sha256::digest(text.as_bytes());
    let mut s = String::with_capacity(12);
    for b in digest.iter().take(6) {
        s.push(hex_char(b >> 4));
        s.push(hex_char(*b));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The spec's worked example (JA4.md "Example"): 15 ciphers, 16 extensions, h2,
    /// `t13d1516h2_8daaf6152771_e5627efa2ab1`.
    fn spec_input() -> (Vec<u16>, Vec<u16>, Vec<u16>) {
        let ciphers = vec![
            0x1301, 0x1302, 0x1303, 0xc02b, 0xc02f, 0xc02c, 0xc030, 0xcca9, 0xcca8, 0xc013, 0xc014,
            0x009c, 0x009d, 0x002f, 0x0035,
        ];
        let exts = vec![
            0x001b, 0x0000, 0x0033, 0x0010, 0x4469, 0x0017, 0x002d, 0x000d, 0x0005, 0x0023, 0x0012,
            0x002b, 0xff01, 0x000b, 0x000a, 0x0015,
        ];
        let sigalgs = vec![
            0x0403, 0x0804, 0x0401, 0x0503, 0x0805, 0x0501, 0x0806, 0x0601,
        ];
        (ciphers, exts, sigalgs)
    }

    #[test]
    fn spec_example() {
        let (ciphers, exts, sigalgs) = spec_input();
        let input = Input {
            quic: false,
            legacy_version: 0x0303,
            supported_versions: &[0x0304, 0x0303],
            sni: true,
            cipher_suites: &ciphers,
            extensions: &exts,
            first_alpn: Some(b"h2"),
            signature_algorithms: &sigalgs,
        };
        assert_eq!(fingerprint(&input), "t13d1516h2_8daaf6152771_e5627efa2ab1");
        // GREASE anywhere changes nothing.
        let mut gc = ciphers.clone();
        gc.insert(0, 0x8a8a);
        let mut ge = exts.clone();
        ge.insert(3, 0xfafa);
        ge.push(0x0a0a);
        let grease = Input {
            supported_versions: &[0x3a3a, 0x0304, 0x0303],
            cipher_suites: &gc,
            extensions: &ge,
            ..input
        };
        assert_eq!(fingerprint(&grease), "t13d1516h2_8daaf6152771_e5627efa2ab1");
        // Without signature algorithms: the spec's second hash `6d807ffa2a79`.
        let nosig = Input {
            signature_algorithms: &[],
            quic: true,
            ..input
        };
        assert_eq!(fingerprint(&nosig), "q13d1516h2_8daaf6152771_6d807ffa2a79");
    }

    #[test]
    fn empty_lists_and_versions() {
        let input = Input {
            quic: false,
            legacy_version: 0x0301,
            supported_versions: &[],
            sni: false,
            cipher_suites: &[],
            extensions: &[],
            first_alpn: None,
            signature_algorithms: &[],
        };
        assert_eq!(fingerprint(&input), "t10i000000_000000000000_000000000000");
        // Only SNI + ALPN: counted in `a`, but `c`'s list is empty.
        let only = Input {
            legacy_version: 0x0300,
            extensions: &[0x0000, 0x0010],
            sni: true,
            first_alpn: Some(b""),
            ..input
        };
        assert_eq!(fingerprint(&only), "ts3d000200_000000000000_000000000000");
        let unknown = Input {
            legacy_version: 0x0305,
            ..input
        };
        assert!(fingerprint(&unknown).starts_with("t00i"));
    }

    #[test]
    fn alpn_characters() {
        assert_eq!(alpn_chars(Some(b"http/1.1")), ('h', '1'));
        assert_eq!(alpn_chars(Some(b"h")), ('h', 'h'));
        assert_eq!(alpn_chars(Some(b"")), ('0', '0'));
        assert_eq!(alpn_chars(None), ('0', '0'));
        // The spec's non-alphanumeric examples.
        assert_eq!(alpn_chars(Some(&[0xab])), ('a', 'b'));
        assert_eq!(alpn_chars(Some(&[0xab, 0xcd])), ('a', 'd'));
        assert_eq!(alpn_chars(Some(&[0x30, 0xab])), ('3', 'b'));
        assert_eq!(alpn_chars(Some(&[0x30, 0x31, 0xab, 0xcd])), ('3', 'd'));
        assert_eq!(alpn_chars(Some(&[0x30, 0xab, 0xcd, 0x31])), ('0', '1'));
    }

    #[test]
    fn counts_cap_at_99() {
        let ciphers: Vec<u16> = (1..=150).collect();
        let input = Input {
            quic: false,
            legacy_version: 0x0303,
            supported_versions: &[],
            sni: false,
            cipher_suites: &ciphers,
            extensions: &ciphers,
            first_alpn: None,
            signature_algorithms: &[],
        };
        assert!(fingerprint(&input).starts_with("t12i999900_"));
    }
}
