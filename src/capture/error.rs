//! Why a capture file stopped being read.
//!
//! Every error names the file and the byte offset in the file (for a stream: from the start of
//! the stream) where the damage starts, and says what to do about it. Every packet before that
//! offset has already been delivered when the error is returned. Errors are per file, never per
//! packet, so they may allocate (paths, found bytes).

use std::fmt;
use std::path::PathBuf;

/// The largest captured length a packet record may claim. libpcap's `MAXIMUM_SNAPLEN` is
/// 262144: no capture tool writes more per packet, so a larger value means the record header
/// is garbage (a cut and re-joined file, a wrong byte order, random data).
pub const MAX_CAPLEN: u32 = 262_144;

/// The largest pcapng block accepted. A packet block holds at most [`MAX_CAPLEN`] bytes plus
/// options; 16 MiB leaves room for big name-resolution or custom blocks while still catching a
/// garbage length before it makes a stream reader buffer gigabytes.
pub const MAX_NG_BLOCK_LEN: u32 = 16 * 1024 * 1024;

/// What the reader expected when the input ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Truncation {
    /// The file header (24 bytes for classic pcap; the first 4 bytes for the magic).
    FileHeader { need: u32, have: u32 },
    /// A classic pcap record header (16 bytes; 24 in the modified format).
    RecordHeader { need: u32, have: u32 },
    /// A classic pcap record whose header is complete but whose packet bytes are not.
    RecordData { caplen: u32, have: u32 },
    /// A pcapng block: its 12-byte header, or the length its header announced.
    NgBlock {
        block_type: u32,
        need: u32,
        have: u32,
    },
}

impl Truncation {
    fn describe(&self, offset: u64) -> String {
        match *self {
            Truncation::FileHeader { need, have } => format!(
                "the file header at byte {offset} needs {need} bytes but the file ends after {have}"
            ),
            Truncation::RecordHeader { need, have } => format!(
                "packet record header at byte {offset} needs {need} bytes but the file ends after \
                 {have}"
            ),
            Truncation::RecordData { caplen, have } => format!(
                "packet record at byte {offset} claims {caplen} captured bytes but the file ends \
                 after {have}"
            ),
            Truncation::NgBlock {
                block_type,
                need,
                have,
            } => format!(
                "pcapng block (type 0x{block_type:08x}) at byte {offset} needs {need} bytes but \
                 the file ends after {have}"
            ),
        }
    }
}

/// What is wrong with a record or block that is present but cannot be right.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Corruption {
    /// A packet claims more captured bytes than [`MAX_CAPLEN`].
    CaplenTooLarge { caplen: u32 },
    /// A pcapng block length below 12, not a multiple of 4, or above [`MAX_NG_BLOCK_LEN`].
    NgBlockLength { block_type: u32, len: u32 },
    /// The trailing length of a pcapng block differs from the leading one.
    NgTrailer {
        block_type: u32,
        len: u32,
        trailer: u32,
    },
    /// A section header whose byte-order magic is not 0x1A2B3C4D in either order.
    NgByteOrder { found: u32 },
    /// A pcapng block too short for its fixed fields, or whose packet overruns the block.
    NgBlockBody { block_type: u32, len: u32 },
    /// An interface description block whose fields or options do not parse.
    NgInterface { len: u32 },
    /// An interface description block whose `if_tsresol` is not a usable resolution
    /// (10^-n with n > 19, or 2^-n with n > 63).
    NgTsresol { if_tsresol: u8 },
}

impl fmt::Display for Corruption {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Corruption::CaplenTooLarge { caplen } => write!(
                f,
                "packet claims {caplen} captured bytes, more than the {MAX_CAPLEN} any capture \
                 tool writes"
            ),
            Corruption::NgBlockLength { block_type, len } => write!(
                f,
                "pcapng block (type 0x{block_type:08x}) has length {len}; a block length is a \
                 multiple of 4 between 12 and {MAX_NG_BLOCK_LEN}"
            ),
            Corruption::NgTrailer {
                block_type,
                len,
                trailer,
            } => write!(
                f,
                "pcapng block (type 0x{block_type:08x}) starts with length {len} but ends with \
                 length {trailer}"
            ),
            Corruption::NgByteOrder { found } => write!(
                f,
                "pcapng section header has byte-order magic 0x{found:08x}, expected 0x1a2b3c4d"
            ),
            Corruption::NgBlockBody { block_type, len } => write!(
                f,
                "pcapng block (type 0x{block_type:08x}) of length {len} is too short for its \
                 fields or its packet"
            ),
            Corruption::NgInterface { len } => write!(
                f,
                "pcapng interface description block of length {len} does not parse (its fields \
                 or options overrun the block)"
            ),
            Corruption::NgTsresol { if_tsresol } => write!(
                f,
                "pcapng interface description block has if_tsresol {if_tsresol:#04x}, which is \
                 no usable resolution (10^-n needs n <= 19, 2^-n needs n <= 63)"
            ),
        }
    }
}

/// Why a capture file could not be read to its end.
#[derive(Debug, thiserror::Error)]
pub enum CaptureError {
    #[error("{path}: cannot open: {source}")]
    Open {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(
        "{path}: not a capture file: it starts with bytes {}; accepted formats are classic pcap \
         (magic a1b2c3d4, a1b23c4d, or a1b2cd34 for the modified format; either byte order) and \
         pcapng (0a0d0d0a)",
        hex(.found)
    )]
    NotCapture { path: PathBuf, found: Vec<u8> },
    #[error(
        "{path}: {}: the file was cut (still being written, or copied partially); every packet \
         before that byte was read",
        .what.describe(*.offset)
    )]
    Truncated {
        path: PathBuf,
        offset: u64,
        what: Truncation,
    },
    #[error(
        "{path}: corrupt data at byte {offset}: {what}; every packet before that byte was read, \
         nothing after it can be trusted"
    )]
    Corrupt {
        path: PathBuf,
        offset: u64,
        what: Corruption,
    },
    #[error("{path}: read error at byte {offset}: {source}")]
    Io {
        path: PathBuf,
        offset: u64,
        source: std::io::Error,
    },
}

impl CaptureError {
    /// The byte offset in the file where the damage starts (none for open failures).
    pub fn offset(&self) -> Option<u64> {
        match self {
            CaptureError::Open { .. } => None,
            CaptureError::NotCapture { .. } => Some(0),
            CaptureError::Truncated { offset, .. }
            | CaptureError::Corrupt { offset, .. }
            | CaptureError::Io { offset, .. } => Some(*offset),
        }
    }
}

fn hex(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(bytes.len() * 3);
    for (i, b) in bytes.iter().enumerate() {
        if i > 0 {
            s.push(' ');
        }
        s.push_str(&format!("{b:02x}"));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_name_file_offset_and_cause() {
        let e = CaptureError::Truncated {
            path: "x.pcap".into(),
            offset: 123_456,
            what: Truncation::RecordData {
                caplen: 1514,
                have: 800,
            },
        };
        assert_eq!(
            e.to_string(),
            "x.pcap: packet record at byte 123456 claims 1514 captured bytes but the file ends \
             after 800: the file was cut (still being written, or copied partially); every \
             packet before that byte was read"
        );
        let e = CaptureError::Truncated {
            path: "m.pcap".into(),
            offset: 24,
            what: Truncation::RecordHeader { need: 24, have: 5 },
        };
        assert!(e.to_string().starts_with(
            "m.pcap: packet record header at byte 24 needs 24 bytes but the file ends after 5:"
        ));
        let e = CaptureError::NotCapture {
            path: "a.txt".into(),
            found: vec![0x3c, 0x21, 0x44],
        };
        assert!(e
            .to_string()
            .starts_with("a.txt: not a capture file: it starts with bytes 3c 21 44;"));
        assert_eq!(e.offset(), Some(0));
        let e = CaptureError::Corrupt {
            path: "c.pcapng".into(),
            offset: 28,
            what: Corruption::NgBlockLength {
                block_type: 6,
                len: 13,
            },
        };
        assert!(e.to_string().contains(
            "c.pcapng: corrupt data at byte 28: pcapng block (type 0x00000006) has length 13"
        ));
    }
}
