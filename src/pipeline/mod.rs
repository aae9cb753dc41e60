//! The offline pipeline: capture → N workers → merger → sink.
//!
//! Three ways to run, one result (byte-identical output):
//! * one worker: no threads, the reader calls the worker inline;
//! * N workers on regular files ([`threads::run_shared_walk`]): each worker maps the files
//!   and walks every record, keeping the packets of its own flows;
//! * N workers on stdin or a pipe ([`threads::run_threaded`]): a reader thread dispatches
//!   batches, as drawn below.
//!
//! ```text
//!  reader ──Batch{block, [PacketRef]}──▶ worker i ──Records{sorted, last}──▶ merger ──▶ Sink
//!         ◀──────── empty Vec<PacketRef> (recycled) ───┘
//! ```
//!
//! * Dispatch: a symmetric hash of the innermost address pair picks a packet's worker (both
//!   directions and all fragments of a pair meet on one worker); the bytes stay in the shared
//!   block (mapped file or stream chunk). Fragments are reassembled before dispatch, so a
//!   datagram goes to the worker of its inner flow.
//! * Determinism: whenever packet time crosses a second boundary every worker runs its
//!   timeouts (a tick) and hands over the records emitted since the previous tick, sorted by
//!   (first packet time, flow key); the merger merges the workers' sorted runs tick by tick.
//!   Which records fall in which tick depends only on the packets, so output is
//!   byte-identical for any worker count and batch size (unless the flow table overflows:
//!   capacity is divided over the workers).
//! * No per-packet allocation, lock or atomic: batch vectors are recycled, counters are plain
//!   per-worker integers merged at the end.
//! * With one worker there are no threads at all, so one worker costs one core and a second
//!   worker can double the rate.

mod merge;
mod names;
mod threads;
mod worker;

use std::path::PathBuf;
use std::thread;

use crossbeam_channel::{bounded, unbounded, Receiver, Sender};

use crate::capture::{Block, CaptureError, CaptureReader, LinkType, PacketRef};
use crate::config::{Cidr, Config};
use crate::decode::frag::{FragConfig, Reassembler};
use crate::decode::{self, Decoded, FragmentInfo, L4};
use crate::export::record::{StatsRecord, SCHEMA_VERSION};
use crate::export::sink::Sink;
use crate::flow::key::dispatch_hash;
use crate::flow::table::{is_control, FlowTable, Interval, Output, TableOptions};
use crate::telemetry::{Counters, Progress};
use crate::time::Timestamp;

use merge::{Merger, ToMerger};
use threads::{inputs_are_files, run_shared_walk, run_threaded};
use worker::count_frame;
pub use worker::{process_packet, Worker};

/// Packet time between worker ticks (timeouts and record hand-over), µs.
pub const TICK_US: u64 = 1_000_000;

/// Record types `read` can write.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RecordSet {
    pub flow: bool,
    pub stats: bool,
    pub dns: bool,
    pub http: bool,
    pub tls: bool,
    pub subscriber: bool,
    pub cell: bool,
}

impl RecordSet {
    pub const ALL: RecordSet = RecordSet {
        flow: true,
        stats: true,
        dns: true,
        http: true,
        tls: true,
        subscriber: true,
        cell: true,
    };

    /// Parse a comma list of record type names.
    pub fn parse(list: &str) -> Result<RecordSet, String> {
        let mut set = RecordSet {
            flow: false,
            stats: false,
            dns: false,
            http: false,
            tls: false,
            subscriber: false,
            cell: false,
        };
        for name in list.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            match name {
                "flow" => set.flow = true,
                "stats" => set.stats = true,
                "dns" => set.dns = true,
                "http" => set.http = true,
                "tls" => set.tls = true,
                "subscriber" => set.subscriber = true,
                "cell" => set.cell = true,
                other => {
                    return Err(format!(
                        "unknown record type \"{other}\": use a comma list of flow, stats, dns, http, tls, subscriber, cell"
                    ))
                }
            }
        }
        Ok(set)
    }
}

/// Everything `read` needs.
#[derive(Clone, Debug)]
pub struct ReadOptions {
    pub inputs: Vec<PathBuf>,
    pub workers: usize,
    pub batch_size: usize,
    pub config: Config,
    pub home_nets: Vec<Cidr>,
    pub records: RecordSet,
    pub progress: bool,
    /// Summary interval (µs of packet time, aligned to its multiples); 0 = the whole input.
    pub interval_us: u64,
}

/// What a run did.
#[derive(Debug, Default)]
pub struct RunSummary {
    pub counters: Counters,
    /// Files that ended in an error (everything before the damage was processed).
    pub capture_errors: Vec<CaptureError>,
}

/// Where the reader sends packets and ticks.
pub(super) trait Downstream {
    fn packet(&mut self, block: &Block, p: PacketRef);
    /// A whole second of packet time begins (`now`); `close` is the summary interval that
    /// ends with it, if one does.
    fn tick(&mut self, now: Timestamp, close: Option<Interval>);
}

/// One worker, called inline on the reader's thread.
pub(super) struct Inline<'m, 's> {
    worker: Worker,
    merger: &'m mut Merger<'s>,
    /// Packet time of the last tick (file rotation by time).
    last_us: u64,
}

impl Downstream for Inline<'_, '_> {
    #[inline]
    fn packet(&mut self, block: &Block, p: PacketRef) {
        self.worker.packet(&p, block);
    }
    fn tick(&mut self, now: Timestamp, close: Option<Interval>) {
        let out = self.worker.tick(now, close);
        self.last_us = now.as_us();
        self.merger.write(out, self.last_us);
        self.merger.round_done(self.last_us);
    }
}

/// The worker of an address pair.
#[inline]
pub(super) fn owner(src: std::net::IpAddr, dst: std::net::IpAddr, n: usize) -> usize {
    (dispatch_hash(src, dst) % n as u64) as usize
}

/// Flows one worker may hold: an even share of `flow.max_flows` plus 1/8 slack, because the
/// address-pair hash never splits flows exactly evenly (without slack a table full of
/// flows would evict on the busier worker while the other has room).
pub(super) fn worker_capacity(max_flows: usize, workers: usize) -> usize {
    let share = max_flows / workers.max(1);
    if workers > 1 {
        share + share / 8
    } else {
        share
    }
    .max(1)
}

pub(super) fn table_options(opts: &ReadOptions, workers: usize) -> (TableOptions, FragConfig) {
    let table = TableOptions {
        flow: opts.config.flow.clone(),
        capacity: worker_capacity(opts.config.flow.max_flows, workers),
        probe_id: opts.config.probe_id.clone(),
        home_nets: opts.home_nets.clone(),
        emit_records: opts.records.flow,
        static_map: opts.config.static_map.clone(),
        bindings: crate::subscriber::bindings::BindingsConfig {
            radius_secret: opts.config.radius_secret.clone(),
            ..Default::default()
        },
        throughput_min_bytes: opts.config.throughput_min_bytes,
        app: crate::flow::table::AppOptions {
            config: opts.config.app.clone(),
            services: opts.config.services.clone(),
            dns_records: opts.records.dns,
            http_records: opts.records.http,
            tls_records: opts.records.tls,
        },
    };
    let frag = FragConfig {
        max_datagrams: opts.config.decode.frag_max_datagrams,
        max_bytes: opts.config.decode.frag_max_bytes,
        timeout_us: opts.config.decode.frag_timeout_us,
        max_datagram_len: 65_535,
    };
    (table, frag)
}

/// Run `read`: all inputs as one stream, records to `sink`.
pub fn run_read(opts: &ReadOptions, sink: &mut dyn Sink) -> std::io::Result<RunSummary> {
    let n = opts.workers.max(1);
    let mut merger = Merger::new(sink, merge::MergeOptions::of(opts));
    let (capture_errors, counters) = if n == 1 {
        let (table, frag) = table_options(opts, 1);
        let mut down = Inline {
            worker: Worker::new(table, frag),
            merger: &mut merger,
            last_us: 0,
        };
        let (errors, interval) = read_all(opts, &mut down);
        let Inline {
            worker,
            merger,
            last_us,
        } = down;
        let counters = worker.end(interval, &mut |out, last| {
            merger.write(out, last_us);
            if last {
                merger.round_done(last_us);
            }
        });
        (errors, counters)
    } else if inputs_are_files(opts) {
        run_shared_walk(opts, n, &mut merger)?
    } else {
        run_threaded(opts, n, &mut merger)?
    };
    if let Some(e) = merger.error.take() {
        return Err(e);
    }
    if opts.records.stats {
        let line = serde_json::to_vec(&stats_record(
            &opts.config.probe_id,
            &counters,
            capture_errors.len(),
        ))
        .map_err(std::io::Error::other)?;
        merger
            .sink
            .write_line(&line, counters.last_us.unwrap_or(0))?;
    }
    merger.sink.finish()?;
    Ok(RunSummary {
        counters,
        capture_errors,
    })
}

/// Build the `stats` record from merged counters.
pub fn stats_record(probe: &str, c: &Counters, capture_errors: usize) -> StatsRecord {
    StatsRecord {
        kind: "stats",
        v: SCHEMA_VERSION,
        probe: probe.to_owned(),
        start_us: c.first_us,
        end_us: c.last_us,
        packets: c.packets,
        bytes: c.bytes,
        decoded: c.decoded,
        malformed: c.malformed(),
        ignored: c.ignored(),
        malformed_by_reason: c.by_reason(true),
        ignored_by_reason: c.by_reason(false),
        fragments: c.frag.fragments,
        reassembled: c.frag.reassembled,
        reassembled_malformed: c.reassembled_malformed,
        fragments_dropped: c
            .frag
            .dropped_by_reason()
            .into_iter()
            .filter(|&(_, n)| n > 0)
            .collect(),
        flows_created: c.flows_created,
        flows_active: 0,
        flows_evicted: c.flows_evicted,
        flow_records: c.flow_records,
        kernel_drops: None,
        capture_errors: capture_errors as u64,
        app_transactions: c.app.transactions.clone(),
        app_errors: c.app.errors.clone(),
    }
}

/// Summary intervals over a packet stream (DESIGN §3): aligned to multiples of the interval,
/// or one interval from the first to the last packet when the interval is 0. Every worker
/// runs the same sequence on the same timestamps, so all close the same intervals.
pub(super) struct Intervals {
    len_us: u64,
    open: Option<Interval>,
}

impl Intervals {
    pub(super) fn new(len_us: u64) -> Self {
        Self { len_us, open: None }
    }

    /// At a tick (`now`, before the packet at `ts` is processed): the interval that closes.
    #[inline]
    pub(super) fn at_tick(&mut self, now: u64) -> Option<Interval> {
        match self.open {
            Some(i) if self.len_us > 0 && now >= i.end_us => self.open.take(),
            _ => None,
        }
    }

    /// A packet at `ts` is about to be processed.
    #[inline]
    pub(super) fn packet(&mut self, ts: u64) {
        match &mut self.open {
            None if self.len_us == 0 => {
                self.open = Some(Interval {
                    start_us: ts,
                    end_us: ts.saturating_add(1),
                })
            }
            None => {
                let start_us = ts - ts % self.len_us;
                self.open = Some(Interval {
                    start_us,
                    end_us: start_us.saturating_add(self.len_us),
                });
            }
            // The whole-input interval ends after the latest packet.
            Some(i) if self.len_us == 0 => i.end_us = i.end_us.max(ts.saturating_add(1)),
            Some(_) => {}
        }
    }

    /// End of input: the interval still open.
    pub(super) fn finish(self) -> Option<Interval> {
        self.open
    }
}

/// Walk every input in order, sending packets and ticks downstream. Returns the capture
/// errors (a damaged file stops that file only) and the summary interval still open.
pub(super) fn read_all(
    opts: &ReadOptions,
    down: &mut impl Downstream,
) -> (Vec<CaptureError>, Option<Interval>) {
    let mut errors = Vec::new();
    let mut intervals = Intervals::new(opts.interval_us);
    let mut next_tick: Option<u64> = None;
    let progress = Progress::new(&opts.inputs, opts.progress);
    let mut done_bytes = 0u64;
    let mut packets = 0u64;
    for path in &opts.inputs {
        let mut reader = match CaptureReader::open(path) {
            Ok(r) => r,
            Err(e) => {
                errors.push(e);
                continue;
            }
        };
        let file_len = reader.len_hint().unwrap_or(0);
        let result = reader.run(&mut |block: &Block, p: PacketRef| {
            packets += 1;
            if packets % 65_536 == 0 {
                progress.update(done_bytes + p.offset as u64, packets);
            }
            let ts = p.ts.as_us();
            match next_tick {
                None => next_tick = Some((ts - ts % TICK_US).saturating_add(TICK_US)),
                Some(t) if ts >= t => {
                    let now = ts - ts % TICK_US;
                    down.tick(Timestamp(now), intervals.at_tick(now));
                    next_tick = Some(now.saturating_add(TICK_US));
                }
                Some(_) => {}
            }
            intervals.packet(ts);
            down.packet(block, p);
        });
        if let Err(e) = result {
            errors.push(e);
        }
        done_bytes += file_len;
    }
    progress.finish(packets);
    (errors, intervals.finish())
}
