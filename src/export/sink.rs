//! Record sinks: NDJSON on stdout, or rotating `.ndjson.zst` files in a directory.
//!
//! A file sink writes `DIR/.<name>.tmp` and renames it to `DIR/<name>` only when the file is
//! complete (rotation or end of run), so a reader polling the directory never sees a partial
//! file. Rotation happens after `rotate_bytes` of uncompressed NDJSON or `rotate_interval` of
//! packet time, whichever comes first. Names carry the probe id, the packet time of the
//! file's first record and a sequence number: `cemprobe-<probe>-<first_us>-<seq>.ndjson.zst`.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use crate::config::OutputConfig;

/// Where records go.
pub trait Sink {
    /// Write one NDJSON line (without its newline). `now_us` is the packet time the merger
    /// has reached (used for time-based rotation).
    fn write_line(&mut self, line: &[u8], now_us: u64) -> io::Result<()>;
    /// Flush and close everything.
    fn finish(&mut self) -> io::Result<()>;
}

/// NDJSON lines on standard output.
pub struct StdoutSink {
    out: BufWriter<io::Stdout>,
}

impl StdoutSink {
    pub fn new() -> Self {
        Self {
            out: BufWriter::with_capacity(256 << 10, io::stdout()),
        }
    }
}

impl Default for StdoutSink {
    fn default() -> Self {
        Self::new()
    }
}

impl Sink for StdoutSink {
    fn write_line(&mut self, line: &[u8], _now_us: u64) -> io::Result<()> {
        self.out.write_all(line)?;
        self.out.write_all(b"\n")
    }
    fn finish(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}

/// Lines collected in memory (tests, benches).
#[derive(Default)]
pub struct VecSink {
    pub lines: Vec<u8>,
}

impl Sink for VecSink {
    fn write_line(&mut self, line: &[u8], _now_us: u64) -> io::Result<()> {
        self.lines.extend_from_slice(line);
        self.lines.push(b'\n');
        Ok(())
    }
    fn finish(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// Lines are staged and handed to zstd this many bytes at a time: one compression call per
/// batch instead of two per line (measured: zstd work fell by a third on realistic.pcap, and
/// large contiguous inputs keep it off its slower external-dictionary path).
const STAGE_BYTES: usize = 256 << 10;

struct OpenFile {
    tmp: PathBuf,
    done: PathBuf,
    enc: zstd::stream::write::Encoder<'static, BufWriter<File>>,
    /// Lines not yet handed to `enc`.
    stage: Vec<u8>,
    raw_bytes: u64,
    first_us: u64,
}

/// Rotating zstd-compressed NDJSON files.
pub struct ZstdDirSink {
    dir: PathBuf,
    probe: String,
    cfg: OutputConfig,
    seq: u64,
    current: Option<OpenFile>,
    /// Files completed so far.
    pub files: Vec<PathBuf>,
}

impl ZstdDirSink {
    /// Create the directory if needed.
    pub fn new(dir: &Path, probe: &str, cfg: OutputConfig) -> io::Result<Self> {
        std::fs::create_dir_all(dir).map_err(|e| {
            io::Error::new(
                e.kind(),
                format!("{}: cannot create the output directory: {e}", dir.display()),
            )
        })?;
        let probe = probe
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        Ok(Self {
            dir: dir.to_owned(),
            probe,
            cfg,
            seq: 0,
            current: None,
            files: Vec::new(),
        })
    }

    fn open(&mut self, now_us: u64) -> io::Result<&mut OpenFile> {
        if self.current.is_none() {
            let name = format!(
                "cemprobe-{}-{}-{:04}.ndjson.zst",
                self.probe, now_us, self.seq
            );
            self.seq += 1;
            let done = self.dir.join(&name);
            let tmp = self.dir.join(format!(".{name}.tmp"));
            let file = File::create(&tmp).map_err(|e| {
                io::Error::new(e.kind(), format!("{}: cannot create: {e}", tmp.display()))
            })?;
            let enc = zstd::stream::write::Encoder::new(
                BufWriter::with_capacity(256 << 10, file),
                self.cfg.zstd_level,
            )?;
            self.current = Some(OpenFile {
                tmp,
                done,
                enc,
                stage: Vec::with_capacity(STAGE_BYTES + 4096),
                raw_bytes: 0,
                first_us: now_us,
            });
        }
        Ok(self.current.as_mut().expect("opened above"))
    }

    fn close(&mut self) -> io::Result<()> {
        if let Some(mut f) = self.current.take() {
            f.enc.write_all(&f.stage)?;
            let mut inner = f.enc.finish()?;
            inner.flush()?;
            inner.get_ref().sync_all()?;
            std::fs::rename(&f.tmp, &f.done)?;
            self.files.push(f.done);
        }
        Ok(())
    }
}

impl Sink for ZstdDirSink {
    fn write_line(&mut self, line: &[u8], now_us: u64) -> io::Result<()> {
        let rotate = self.current.as_ref().is_some_and(|f| {
            f.raw_bytes >= self.cfg.rotate_bytes
                || now_us.saturating_sub(f.first_us) >= self.cfg.rotate_interval_us
        });
        if rotate {
            self.close()?;
        }
        let f = self.open(now_us)?;
        f.stage.extend_from_slice(line);
        f.stage.push(b'\n');
        if f.stage.len() >= STAGE_BYTES {
            f.enc.write_all(&f.stage)?;
            f.stage.clear();
        }
        f.raw_bytes += line.len() as u64 + 1;
        Ok(())
    }

    fn finish(&mut self) -> io::Result<()> {
        self.close()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rotates_and_renames_complete_files() {
        let dir = std::env::temp_dir().join(format!("cemprobe-sink-test-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let cfg = OutputConfig {
            rotate_bytes: 5,
            rotate_interval_us: 1_000_000,
            zstd_level: 1,
        };
        let mut sink = ZstdDirSink::new(&dir, "p/1", cfg).unwrap();
        sink.write_line(b"{\"a\":1}", 5).unwrap();
        sink.write_line(b"{\"b\":22}", 6).unwrap();
        sink.write_line(b"{\"c\":3}", 7).unwrap();
        sink.finish().unwrap();
        assert_eq!(sink.files.len(), 3);
        let mut all = Vec::new();
        for f in &sink.files {
            assert!(f
                .file_name()
                .unwrap()
                .to_str()
                .unwrap()
                .starts_with("cemprobe-p_1-"));
            let bytes = std::fs::read(f).unwrap();
            let mut dec = zstd::stream::read::Decoder::new(&bytes[..]).unwrap();
            std::io::Read::read_to_end(&mut dec, &mut all).unwrap();
        }
        assert_eq!(all, b"{\"a\":1}\n{\"b\":22}\n{\"c\":3}\n");
        let leftovers: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .filter_map(|e| e.ok())
            .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
            .collect();
        assert!(leftovers.is_empty());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
