//! Probe health counters.
//!
//! Each worker owns a [`Counters`] of plain `u64`s (no atomics, no registry lookups on the
//! per-packet path); the pipeline merges them with `+=` when it publishes a `stats` record.
//! The invariant every test checks: `packets == decoded + malformed + ignored`, where
//! malformed and ignored are the sums of their per-reason arrays.

use std::collections::BTreeMap;
use std::ops::AddAssign;

use crate::decode::frag::FragStats;
use crate::decode::Reason;

/// Counters of one worker (or, merged, of the probe).
#[derive(Clone, Debug)]
pub struct Counters {
    /// Frames read.
    pub packets: u64,
    /// Wire bytes of those frames.
    pub bytes: u64,
    /// Frames decoded to an IP flow view (fragments included).
    pub decoded: u64,
    /// Malformed or ignored frames by [`Reason::index`].
    pub skipped: [u64; Reason::COUNT],
    /// Reassembled datagrams that then failed to decode (counted apart: their fragments are
    /// already counted as decoded frames).
    pub reassembled_malformed: u64,
    pub frag: FragStats,
    pub flows_created: u64,
    pub flows_evicted: u64,
    pub flow_records: u64,
    /// App parser errors and transactions.
    pub app: crate::app::AppCounters,
    /// First and last packet timestamps seen (µs).
    pub first_us: Option<u64>,
    pub last_us: Option<u64>,
}

impl Default for Counters {
    fn default() -> Self {
        Self {
            packets: 0,
            bytes: 0,
            decoded: 0,
            skipped: [0; Reason::COUNT],
            reassembled_malformed: 0,
            frag: FragStats::default(),
            flows_created: 0,
            flows_evicted: 0,
            flow_records: 0,
            app: Default::default(),
            first_us: None,
            last_us: None,
        }
    }
}

impl Counters {
    /// Count a frame skipped for `reason`.
    #[inline]
    pub fn skip(&mut self, reason: Reason) {
        self.skipped[reason.index()] += 1;
    }

    /// Total of malformed frames.
    pub fn malformed(&self) -> u64 {
        self.by_reason(true).values().sum()
    }

    /// Total of ignored frames.
    pub fn ignored(&self) -> u64 {
        self.by_reason(false).values().sum()
    }

    /// Non-zero per-reason counts, malformed (`true`) or ignored (`false`).
    pub fn by_reason(&self, malformed: bool) -> BTreeMap<&'static str, u64> {
        Reason::ALL
            .iter()
            .filter(|r| r.is_malformed() == malformed)
            .map(|r| (r.name(), self.skipped[r.index()]))
            .filter(|&(_, n)| n > 0)
            .collect()
    }
}

impl AddAssign<&Counters> for Counters {
    fn add_assign(&mut self, o: &Counters) {
        self.packets += o.packets;
        self.bytes += o.bytes;
        self.decoded += o.decoded;
        for (a, b) in self.skipped.iter_mut().zip(o.skipped.iter()) {
            *a += b;
        }
        self.reassembled_malformed += o.reassembled_malformed;
        self.frag += o.frag;
        self.flows_created += o.flows_created;
        self.flows_evicted += o.flows_evicted;
        self.flow_records += o.flow_records;
        self.app += &o.app;
        self.first_us = min_opt(self.first_us, o.first_us);
        self.last_us = self.last_us.max(o.last_us);
    }
}

fn min_opt(a: Option<u64>, b: Option<u64>) -> Option<u64> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, None) => a,
        (None, b) => b,
    }
}

/// The progress bar: on a terminal unless disabled; never on the per-packet path.
pub struct Progress {
    bar: Option<indicatif::ProgressBar>,
    start: std::time::Instant,
}

impl Progress {
    /// A bar over the total size of `inputs`, shown only when `enabled` and stderr is a terminal.
    pub fn new(inputs: &[std::path::PathBuf], enabled: bool) -> Self {
        // Wall clock for the operator's progress display only; never reaches records.
        #[allow(clippy::disallowed_methods)]
        let start = std::time::Instant::now();
        if !enabled || !std::io::IsTerminal::is_terminal(&std::io::stderr()) {
            return Self { bar: None, start };
        }
        let total: u64 = inputs
            .iter()
            .filter_map(|p| std::fs::metadata(p).ok())
            .map(|m| m.len())
            .sum();
        let bar = indicatif::ProgressBar::new(total);
        bar.set_style(
            indicatif::ProgressStyle::with_template(
                "{spinner} [{elapsed_precise}] {wide_bar} {bytes}/{total_bytes} ({bytes_per_sec}) {msg}",
            )
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        Self {
            bar: Some(bar),
            start,
        }
    }

    pub fn update(&self, pos: u64, packets: u64) {
        if let Some(bar) = &self.bar {
            bar.set_position(pos);
            let secs = self.start.elapsed().as_secs_f64().max(1e-3);
            bar.set_message(format!(
                "{packets} packets, {:.2} M packets/s",
                packets as f64 / secs / 1e6
            ));
        }
    }

    pub fn finish(&self, _packets: u64) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}
