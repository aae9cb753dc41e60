//! Chunked transfer coding (RFC 9112 §7.1), skipped by count.
//!
//! [`ChunkDecoder`] is a byte-level state machine: it reads chunk-size lines (hex size,
//! extensions ignored), skips chunk data by count without looking at it, checks the line end
//! after each chunk, and skips the trailer section up to its empty line. It keeps no bytes,
//! so a chunked body split anywhere across calls costs nothing but this small `Copy` state.

use super::parse::MAX_HEAD_BYTES;
use super::HttpError;

/// Cap on one chunk-size line (size + extensions + line end). Real lines are a few bytes;
/// chunk extensions are practically unused, so a longer line is taken as garbage rather than
/// skipped forever.
pub const MAX_CHUNK_LINE_BYTES: usize = 4096;

/// Hex digits in a chunk size: 16 fill a `u64`.
const MAX_SIZE_DIGITS: u8 = 16;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    /// Reading the hex size (`digits` read so far).
    Size { value: u64, digits: u8 },
    /// After the size: extensions or CR, skipped until LF.
    Ext { value: u64 },
    /// Skipping chunk data: bytes left.
    Data(u64),
    /// After the data: CR or LF expected.
    DataEnd,
    /// After the data and CR: LF expected.
    DataLf,
    /// Trailer section; `at_line_start` when the current line has no byte but CR yet.
    Trailer { at_line_start: bool },
    /// The empty line after the trailers was read.
    Done,
}

/// Position inside a chunked body.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ChunkDecoder {
    state: State,
    /// Bytes of the current chunk-size line, or of the whole trailer section.
    line_bytes: usize,
}

impl Default for ChunkDecoder {
    fn default() -> Self {
        Self::new()
    }
}

impl ChunkDecoder {
    /// At the start of a chunked body.
    pub const fn new() -> Self {
        ChunkDecoder {
            state: State::Size {
                value: 0,
                digits: 0,
            },
            line_bytes: 0,
        }
    }

    /// Whether the body (last chunk and trailers) is complete.
    pub fn is_done(&self) -> bool {
        self.state == State::Done
    }

    /// Consume body bytes from the start of `data`; returns how many belonged to the body
    /// (all of `data` unless the body ended inside it). Errors are final.
    pub fn advance(&mut self, data: &[u8]) -> Result<usize, HttpError> {
        let mut i = 0;
        while i < data.len() {
            if let State::Data(left) = self.state {
                let take = left.min((data.len() - i) as u64);
                i += take as usize;
                self.state = if take == left {
                    State::DataEnd
                } else {
                    State::Data(left - take)
                };
                continue;
            }
            let Some(&b) = data.get(i) else { break };
            if self.state == State::Done {
                return Ok(i);
            }
            i += 1;
            self.step(b)?;
        }
        Ok(i)
    }

    fn step(&mut self, b: u8) -> Result<(), HttpError> {
        self.state = match self.state {
            State::Size { value, digits } => {
                self.count_line_byte()?;
                match (b, char::from(b).to_digit(16)) {
                    (_, Some(d)) if digits < MAX_SIZE_DIGITS => State::Size {
                        value: value << 4 | u64::from(d),
                        digits: digits + 1,
                    },
                    (b';' | b' ' | b'\t' | b'\r', None) if digits > 0 => State::Ext { value },
                    (b'\n', None) if digits > 0 => self.size_line_end(value),
                    _ => return Err(HttpError::BadChunk),
                }
            }
            State::Ext { value } => {
                self.count_line_byte()?;
                if b == b'\n' {
                    self.size_line_end(value)
                } else {
                    State::Ext { value }
                }
            }
            State::DataEnd | State::DataLf => match (self.state, b) {
                (State::DataEnd, b'\r') => State::DataLf,
                (_, b'\n') => State::Size {
                    value: 0,
                    digits: 0,
                },
                _ => return Err(HttpError::BadChunk),
            },
            State::Trailer { at_line_start } => {
                self.line_bytes += 1;
                if self.line_bytes > MAX_HEAD_BYTES {
                    return Err(HttpError::HeaderTooLong);
                }
                match b {
                    b'\n' if at_line_start => State::Done,
                    b'\n' => State::Trailer {
                        at_line_start: true,
                    },
                    b'\r' => State::Trailer { at_line_start },
                    _ => State::Trailer {
                        at_line_start: false,
                    },
                }
            }
            // `advance` handles these before calling `step`.
            State::Data(_) | State::Done => self.state,
        };
        Ok(())
    }

    fn count_line_byte(&mut self) -> Result<(), HttpError> {
        self.line_bytes += 1;
        if self.line_bytes > MAX_CHUNK_LINE_BYTES {
            return Err(HttpError::ChunkLineTooLong);
        }
        Ok(())
    }

    fn size_line_end(&mut self, value: u64) -> State {
        self.line_bytes = 0;
        if value == 0 {
            State::Trailer {
                at_line_start: true,
            }
        } else {
            State::Data(value)
        }
    }

    /// `len` body bytes were lost: fine inside chunk data that is at least that long (the
    /// count goes on); `false` when the hole reaches framing bytes (size line, line end,
    /// trailers), which cannot be resynchronised.
    pub fn skip_gap(&mut self, len: u64) -> bool {
        match self.state {
            State::Data(left) if len <= left => {
                self.state = if len == left {
                    State::DataEnd
                } else {
                    State::Data(left - len)
                };
                true
            }
            _ => len == 0,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(body: &[u8]) -> (Result<usize, HttpError>, bool) {
        let mut d = ChunkDecoder::new();
        let r = d.advance(body);
        (r, d.is_done())
    }

    #[test]
    fn simple_body_and_what_follows() {
        let body = b"5\r\nhello\r\n6;ext=1\r\n world\r\n0\r\n\r\nNEXT";
        assert_eq!(run(body), (Ok(body.len() - 4), true));
    }

    #[test]
    fn lf_only_and_trailers() {
        let body = b"a\nabcdefghij\n0\nExpires: never\r\nX: y\n\nGET";
        assert_eq!(run(body), (Ok(body.len() - 3), true));
    }

    #[test]
    fn upper_case_hex_and_leading_zeros() {
        let mut data = b"000F\r\n".to_vec();
        data.extend_from_slice(&[b'x'; 15]);
        data.extend_from_slice(b"\r\n0\r\n\r\n");
        assert_eq!(run(&data), (Ok(data.len()), true));
    }

    #[test]
    fn byte_by_byte_equals_one_call() {
        let body = b"3;a=b\r\nabc\r\n10\r\n0123456789abcdef\r\n0\r\nT: 1\r\n\r\n";
        let mut d = ChunkDecoder::new();
        for (i, b) in body.iter().enumerate() {
            assert!(!d.is_done(), "done early at {i}");
            assert_eq!(d.advance(std::slice::from_ref(b)), Ok(1));
        }
        assert!(d.is_done());
        assert_eq!(d.advance(b"more"), Ok(0));
    }

    #[test]
    fn malformed() {
        assert_eq!(run(b"x\r\n").0, Err(HttpError::BadChunk));
        assert_eq!(run(b"\r\n").0, Err(HttpError::BadChunk));
        assert_eq!(run(b";\r\n").0, Err(HttpError::BadChunk));
        assert_eq!(run(b"2\r\nabX").0, Err(HttpError::BadChunk));
        assert_eq!(run(b"2\r\nab\rX").0, Err(HttpError::BadChunk));
        // 17 hex digits overflow a u64.
        assert_eq!(run(b"10000000000000000\r\n").0, Err(HttpError::BadChunk));
        let long = [b"1;".as_slice(), &[b'e'; MAX_CHUNK_LINE_BYTES]].concat();
        assert_eq!(run(&long).0, Err(HttpError::ChunkLineTooLong));
        let trailers = [b"0\r\n".as_slice(), &[b't'; MAX_HEAD_BYTES + 1]].concat();
        assert_eq!(run(&trailers).0, Err(HttpError::HeaderTooLong));
    }

    #[test]
    fn max_size_is_accepted_and_counted() {
        let mut d = ChunkDecoder::new();
        assert_eq!(d.advance(b"ffffffffffffffff\r\nab"), Ok(20));
        assert_eq!(d.state, State::Data(u64::MAX - 2));
    }

    #[test]
    fn gap_inside_data_only() {
        let mut d = ChunkDecoder::new();
        assert_eq!(d.advance(b"10\r\n0123"), Ok(8));
        assert!(d.skip_gap(10));
        assert!(d.skip_gap(2));
        assert_eq!(d.advance(b"\r\n0\r\n\r\n"), Ok(7));
        assert!(d.is_done());

        let mut d = ChunkDecoder::new();
        assert_eq!(d.advance(b"4\r\nab"), Ok(5));
        assert!(!d.skip_gap(3), "hole reaches the chunk's line end");
        let mut d = ChunkDecoder::new();
        assert!(!d.skip_gap(1), "hole in the size line");
    }
}
