//! Offline capture files: classic pcap and pcapng, memory-mapped or streamed.
//!
//! A regular file is memory-mapped and handed to the sink as one [`Block`]; a pipe, a
//! character device or stdin (`-`) is read in large chunks (4 MiB by default), each chunk one
//! `Block`. A record that spans two chunks is completed by carrying the unconsumed tail of a
//! chunk into the next one: one copy of at most one record per chunk, never one per packet.
//!
//! Damage stops the file: [`CaptureReader::run`] delivers every packet before the damaged
//! record, then returns a [`CaptureError`] naming the file and the byte offset of that record.
//! An empty file, or one holding only a file header, is a capture of zero packets.

use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::format::{Fault, Parser, Progress, Stall};
use super::{Block, BlockBuf, PacketRef};

pub use super::error::{CaptureError, Corruption, Truncation};

/// Chunk size for streamed input: large enough that the tail copy and the per-chunk `Arc` are
/// noise, small enough that the first packets reach the workers quickly.
pub const DEFAULT_CHUNK_SIZE: usize = 4 << 20;

/// Totals of one read.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ReadSummary {
    /// Packets delivered to the sink.
    pub packets: u64,
    /// Sum of their original (wire) lengths.
    pub bytes: u64,
    /// Sum of their captured lengths.
    pub captured_bytes: u64,
}

enum Source {
    /// The whole capture in one block (a mapped file or bytes in memory); can be run again.
    Whole(Block),
    /// A stream, read in chunks; `None` once it has been run.
    Stream(Option<Box<dyn Read + Send>>),
}

/// A reader of one pcap or pcapng capture.
pub struct CaptureReader {
    /// The path as given (`-` for stdin).
    path: PathBuf,
    /// The name used in error messages (`<stdin>` for `-`).
    name: PathBuf,
    source: Source,
    len_hint: Option<u64>,
    chunk_size: usize,
}

impl CaptureReader {
    /// Open `path`: `-` is stdin (streamed), a regular file is memory-mapped, anything else
    /// (a FIFO, `/dev/stdin`, a process substitution) is streamed.
    pub fn open(path: &Path) -> Result<Self, CaptureError> {
        if path == Path::new("-") {
            let mut r = Self::from_reader("<stdin>", std::io::stdin());
            r.path = path.to_owned();
            return Ok(r);
        }
        let open_err = |source| CaptureError::Open {
            path: path.to_owned(),
            source,
        };
        let file = File::open(path).map_err(open_err)?;
        let meta = file.metadata().map_err(open_err)?;
        if !meta.is_file() {
            return Ok(Self::streamed(path, file, None));
        }
        let block = if meta.len() == 0 {
            BlockBuf::Owned(Vec::new())
        } else {
            let map = map_file(&file).map_err(open_err)?;
            // Best effort: a hint for kernel read-ahead, the read is correct without it.
            #[cfg(unix)]
            let _ = map.advise(memmap2::Advice::Sequential);
            BlockBuf::Mapped(map)
        };
        let len = block.len() as u64;
        Ok(CaptureReader {
            path: path.to_owned(),
            name: path.to_owned(),
            source: Source::Whole(Arc::new(block)),
            len_hint: Some(len),
            chunk_size: DEFAULT_CHUNK_SIZE,
        })
    }

    /// Open a file but read it in chunks instead of mapping it: for a file that another
    /// process may modify or truncate while it is read (a mapping would see the change).
    pub fn open_streaming(path: &Path) -> Result<Self, CaptureError> {
        let open_err = |source| CaptureError::Open {
            path: path.to_owned(),
            source,
        };
        let file = File::open(path).map_err(open_err)?;
        let meta = file.metadata().map_err(open_err)?;
        let len = meta.is_file().then_some(meta.len());
        Ok(Self::streamed(path, file, len))
    }

    /// A capture held in memory (tests, benches, data received from elsewhere). `name` is used
    /// in error messages.
    pub fn from_bytes(name: &str, bytes: Vec<u8>) -> Self {
        let len = bytes.len() as u64;
        CaptureReader {
            path: PathBuf::from(name),
            name: PathBuf::from(name),
            source: Source::Whole(Arc::new(BlockBuf::Owned(bytes))),
            len_hint: Some(len),
            chunk_size: DEFAULT_CHUNK_SIZE,
        }
    }

    /// A capture read from any byte stream, in chunks of [`DEFAULT_CHUNK_SIZE`] (see
    /// [`with_chunk_size`](Self::with_chunk_size)). `name` is used in error messages; error
    /// offsets count from the start of the stream.
    pub fn from_reader(name: &str, reader: impl Read + Send + 'static) -> Self {
        CaptureReader {
            path: PathBuf::from(name),
            name: PathBuf::from(name),
            source: Source::Stream(Some(Box::new(reader))),
            len_hint: None,
            chunk_size: DEFAULT_CHUNK_SIZE,
        }
    }

    fn streamed(path: &Path, file: File, len_hint: Option<u64>) -> Self {
        CaptureReader {
            path: path.to_owned(),
            name: path.to_owned(),
            source: Source::Stream(Some(Box::new(file))),
            len_hint,
            chunk_size: DEFAULT_CHUNK_SIZE,
        }
    }

    /// Set the chunk size of a streamed source in bytes (at least 1; a record larger than a
    /// chunk gets a chunk of its own size). No effect on mapped or in-memory sources.
    pub fn with_chunk_size(mut self, bytes: usize) -> Self {
        self.chunk_size = bytes.max(1);
        self
    }

    /// The size of the input in bytes when known (a file), for a progress bar.
    pub fn len_hint(&self) -> Option<u64> {
        self.len_hint
    }

    /// The path as given to [`open`](Self::open) (`-` for stdin), or the name given to the
    /// in-memory and stream constructors.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Deliver every packet in file order to `sink`, as the block holding it and its position.
    ///
    /// On damage, every packet before the damaged record has been delivered when the error is
    /// returned. A mapped or in-memory source reads from the start on every call; a stream can
    /// be read once (later calls deliver nothing).
    pub fn run(
        &mut self,
        sink: &mut impl FnMut(&Block, PacketRef),
    ) -> Result<ReadSummary, CaptureError> {
        match &mut self.source {
            Source::Whole(block) => {
                let block = Arc::clone(block);
                let mut parser = Parser::new();
                let mut progress = Progress::default();
                // Drop the pages of a mapped file well behind the reader, so a 1 GB capture
                // does not end up resident (RSS) as a whole.
                let mut dropped_to = 0usize;
                let mut sink = |b: &Block, p: PacketRef| {
                    sink(b, p);
                    if p.offset >= dropped_to + DROP_BEHIND + DROP_STEP {
                        if let BlockBuf::Mapped(map) = &**b {
                            let end = (p.offset - DROP_BEHIND) & !(PAGE - 1);
                            drop_pages(map, dropped_to, end);
                            dropped_to = end;
                        }
                    }
                };
                let stall = parser
                    .parse(&block, 0, &mut sink, &mut progress)
                    .map_err(|f| fault_error(&self.name, f, 0))?;
                finish(&self.name, &parser, stall, &block, 0)?;
                Ok(progress.summary)
            }
            Source::Stream(reader) => match reader.take() {
                Some(reader) => run_stream(&self.name, reader, self.chunk_size, sink),
                None => Ok(ReadSummary::default()),
            },
        }
    }
}

/// How far behind the reader mapped pages are dropped: more than the packets in flight to the
/// workers (their channels hold 16 batches of 256 packets each, ~6 MB of full-size frames),
/// so a worker rarely touches a dropped page; if one does, the page is read again from the
/// page cache.
const DROP_BEHIND: usize = 16 << 20;
/// Drop in steps of this much, to keep `madvise` calls rare.
const DROP_STEP: usize = 4 << 20;
const PAGE: usize = 4096;

/// Release the resident pages of `map[start..end]` (`start`, `end` page-aligned).
#[allow(unsafe_code)]
fn drop_pages(map: &memmap2::Mmap, start: usize, end: usize) {
    if end <= start || end > map.len() {
        return;
    }
    // SAFETY: `MADV_DONTNEED` on a private, read-only file mapping only discards the page
    // table entries: nothing was ever written through the mapping, so no data is lost, and a
    // later access (a worker still holding a slice into this range) faults the same file
    // bytes back in from the page cache. Slices lent out stay valid and keep their contents
    // under the same assumption the mapping itself makes (the file is not rewritten in
    // place while it is read). A failure only means the pages stay resident.
    let _ = unsafe {
        map.unchecked_advise_range(memmap2::UncheckedAdvice::DontNeed, start, end - start)
    };
}

/// Map a regular, non-empty file read-only.
#[allow(unsafe_code)]
fn map_file(file: &File) -> std::io::Result<memmap2::Mmap> {
    // SAFETY: `Mmap::map` is unsafe because the mapping aliases the file: if another process
    // truncates the file while it is mapped, touching the lost pages raises SIGBUS, and if it
    // rewrites bytes in place, slices we lent out change under their readers. The mapping is
    // read-only and covers the length the file had when it was opened, so a capture tool
    // appending to the file (the normal case for a file "still being written") is harmless:
    // bytes past that length are never read. Rewriting or truncating a capture in place while
    // it is read is outside what an offline reader can defend against (ripgrep makes the same
    // trade); `CaptureReader::open_streaming` exists for that case.
    unsafe { memmap2::Mmap::map(file) }
}

/// Read a stream chunk by chunk, carrying the unconsumed tail of each chunk into the next.
fn run_stream<F: FnMut(&Block, PacketRef)>(
    name: &Path,
    mut reader: Box<dyn Read + Send>,
    chunk_size: usize,
    sink: &mut F,
) -> Result<ReadSummary, CaptureError> {
    let mut parser = Parser::new();
    let mut progress = Progress::default();
    let mut buf: Vec<u8> = Vec::with_capacity(chunk_size);
    // Stream offset of buf[0].
    let mut base: u64 = 0;
    // Bytes wanted in buf before parsing: a chunk, or the whole pending record if larger.
    let mut want = chunk_size;
    loop {
        let missing = want.saturating_sub(buf.len()).max(1);
        let (eof, io_error) = match (&mut reader).take(missing as u64).read_to_end(&mut buf) {
            Ok(n) => (n < missing, None),
            // `read_to_end` keeps what it read before the error: deliver that first.
            Err(e) => (true, Some(e)),
        };
        let block: Block = Arc::new(BlockBuf::Owned(buf));
        let stall = parser
            .parse(&block, 0, sink, &mut progress)
            .map_err(|f| fault_error(name, f, base))?;
        if let Some(source) = io_error {
            let offset = base + block.len() as u64;
            return Err(CaptureError::Io {
                path: name.to_owned(),
                offset,
                source,
            });
        }
        if eof {
            finish(name, &parser, stall, &block, base)?;
            return Ok(progress.summary);
        }
        let tail = stall.at.min(block.len());
        base += tail as u64;
        want = chunk_size.max(stall.need);
        buf = carry_tail(block, tail, want);
    }
}

/// The next chunk's buffer, starting with the bytes of `block` from `from`: the same
/// allocation when no consumer still holds the block, a new one otherwise.
fn carry_tail(block: Block, from: usize, capacity: usize) -> Vec<u8> {
    match Arc::try_unwrap(block) {
        Ok(BlockBuf::Owned(mut v)) => {
            v.drain(..from.min(v.len()));
            v.reserve(capacity.saturating_sub(v.len()));
            v
        }
        Ok(other) => tail_copy(&other, from, capacity),
        Err(shared) => tail_copy(&shared, from, capacity),
    }
}

fn tail_copy(bytes: &[u8], from: usize, capacity: usize) -> Vec<u8> {
    let tail = bytes.get(from..).unwrap_or(&[]);
    let mut v = Vec::with_capacity(capacity.max(tail.len()));
    v.extend_from_slice(tail);
    v
}

/// Decide how the input ended, given the final stall inside the last block.
fn finish(
    name: &Path,
    parser: &Parser,
    stall: Stall,
    block: &[u8],
    base: u64,
) -> Result<(), CaptureError> {
    let tail = block.get(stall.at..).unwrap_or(&[]);
    if let Some(fault) = parser.eof_fault(tail) {
        return Err(fault_error(name, fault, base));
    }
    match stall.at_eof(tail.len()) {
        None => Ok(()),
        Some(what) => Err(CaptureError::Truncated {
            path: name.to_owned(),
            offset: base + stall.at as u64,
            what,
        }),
    }
}

fn fault_error(name: &Path, fault: Fault, base: u64) -> CaptureError {
    match fault {
        Fault::NotCapture { found } => CaptureError::NotCapture {
            path: name.to_owned(),
            found,
        },
        Fault::Corrupt { at, what } => CaptureError::Corrupt {
            path: name.to_owned(),
            offset: base + at as u64,
            what,
        },
    }
}

#[cfg(test)]
#[path = "file_tests.rs"]
mod tests;
