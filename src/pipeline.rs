//! The offline pipeline: one reader thread, N workers, and the merger on the calling thread.
//!
//! ```text
//!  reader ──Batch{block, [PacketRef]}──▶ worker i ──Chunk{tick, lines}──▶ merger ──▶ Sink
//!         ◀──────── empty Vec<PacketRef> (recycled) ───┘
//! ```
//!
//! * The reader walks the capture files in order, picks a worker per packet by a symmetric hash
//!   of the innermost address pair (both directions and all fragments of a pair meet on one
//!   worker) and sends batches of packet references; the bytes stay in the shared block.
//! * Determinism: whenever packet time crosses a second boundary the reader flushes its
//!   batches and sends every worker a `Tick`. Workers run their timeouts at ticks only and ship
//!   the records emitted since the previous tick as one chunk; the merger writes a tick's
//!   chunks once all workers delivered them, lines sorted. Which records fall in which tick
//!   depends only on the packets, so output is byte-identical for any worker count and batch
//!   size (unless the flow table overflows: capacity is divided over the workers).
//! * No per-packet allocation, lock or atomic: batch vectors are recycled, counters are plain
//!   per-worker integers merged at the end.
//! * With one worker there are no threads at all: the reader calls the worker inline, so one
//!   worker costs one core and a second worker can double the rate.

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
use crate::flow::table::{FlowTable, Output, TableOptions};
use crate::telemetry::{Counters, Progress};
use crate::time::Timestamp;

/// Packet time between worker ticks (timeouts and record hand-over), µs.
pub const TICK_US: u64 = 1_000_000;

/// Record types `read` can write.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RecordSet {
    pub flow: bool,
    pub stats: bool,
}

impl RecordSet {
    pub const ALL: RecordSet = RecordSet {
        flow: true,
        stats: true,
    };

    /// Parse a comma list; names of record types of later milestones are accepted and produce
    /// nothing yet.
    pub fn parse(list: &str) -> Result<RecordSet, String> {
        let mut set = RecordSet {
            flow: false,
            stats: false,
        };
        for name in list.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            match name {
                "flow" => set.flow = true,
                "stats" => set.stats = true,
                "dns" | "http" | "tls" | "subscriber" | "cell" => {}
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
}

/// What a run did.
#[derive(Debug, Default)]
pub struct RunSummary {
    pub counters: Counters,
    /// Files that ended in an error (everything before the damage was processed).
    pub capture_errors: Vec<CaptureError>,
}

struct Batch {
    block: Block,
    pkts: Vec<PacketRef>,
}

enum ToWorker {
    Batch(Batch),
    /// Run timeouts at `now` and ship the records emitted since the previous tick.
    Tick {
        now: Timestamp,
    },
    /// End of input: flush every flow.
    End,
    /// A datagram reassembled by the reader, with the decoded fragment that completed it.
    Datagram {
        ts: Timestamp,
        outer: Decoded<'static>,
        bytes: Vec<u8>,
    },
}

enum ToMerger {
    /// Records of one tick, sorted; `last` marks a worker's final piece of that tick.
    Records {
        out: Output,
        now_us: u64,
        last: bool,
    },
    Done(Box<Counters>),
}

/// Records of one flush piece at most (bounds the merger's memory at end of input).
const FLUSH_CHUNK: usize = 1024;

/// One worker's state: its flow table, fragment reassembler and counters.
pub struct Worker {
    table: FlowTable,
    reasm: Reassembler,
    counters: Counters,
}

impl Worker {
    pub fn new(table: TableOptions, frag: FragConfig) -> Self {
        Self {
            table: FlowTable::new(table),
            reasm: Reassembler::new(frag),
            counters: Counters::default(),
        }
    }

    /// Account one packet.
    #[inline]
    pub fn packet(&mut self, p: &PacketRef, block: &[u8]) {
        process_packet(
            &mut self.table,
            &mut self.reasm,
            &mut self.counters,
            p,
            block,
        );
    }

    /// Account a packet in a worker that walks the whole capture itself (see
    /// [`run_shared_walk`]): only packets of its own flows, by the same dispatch hash the reader
    /// thread uses. Fragments are reassembled by every worker (each needs the datagrams of its
    /// flows) but counted by worker 0, which also counts every frame that does not decode.
    fn shared_walk_packet(&mut self, p: &PacketRef, block: &[u8], me: usize, n: usize) {
        let data = p.data(block);
        if p.link == LinkType::ETHERNET {
            if let Some((src, dst)) = decode::fast::dispatch_pair(data, p.wire_len) {
                if owner(src, dst, n) == me {
                    self.packet(p, block);
                }
                return;
            }
        }
        let c = &mut self.counters;
        match decode::frame(p.link, data, p.wire_len) {
            Ok(d) => {
                if let L4::Fragment(f) = d.l4 {
                    if me == 0 {
                        count_frame(c, p);
                        c.decoded += 1;
                    }
                    if let Some(datagram) = self.reasm.push(p.ts, &d.ip, &f) {
                        let whole = decode::resume(&d, datagram);
                        let w = match &whole {
                            Ok(inner) if !matches!(inner.l4, L4::Fragment(_)) => {
                                owner(inner.ip.src, inner.ip.dst, n)
                            }
                            _ => 0,
                        };
                        if w == me {
                            account_datagram(&mut self.table, c, p.ts, whole);
                        }
                    }
                } else if owner(d.ip.src, d.ip.dst, n) == me {
                    count_frame(c, p);
                    c.decoded += 1;
                    self.table.update(p.ts, &d, c);
                }
            }
            Err(skip) => {
                if me == 0 {
                    count_frame(c, p);
                    c.skip(skip.reason());
                }
            }
        }
    }

    /// Account a datagram reassembled elsewhere (its fragments were counted there).
    pub fn datagram(&mut self, ts: Timestamp, outer: &Decoded<'_>, bytes: &[u8]) {
        let whole = decode::resume(outer, bytes);
        account_datagram(&mut self.table, &mut self.counters, ts, whole);
    }

    /// Run timeouts at `now`; return the records emitted since the last call, sorted.
    pub fn tick(&mut self, now: Timestamp) -> Output {
        self.table.expire(now, &mut self.counters);
        self.reasm.expire(now);
        self.table.take_output()
    }

    /// End of input: hand over the records emitted since the last tick as one complete
    /// sorted run (`last = true`), then flush every flow as a second run, in sorted pieces of
    /// which the final one has `last = true`. Two runs, so that merging the runs of all
    /// workers gives the same order as one worker. Returns the counters.
    pub fn end(mut self, send: &mut dyn FnMut(Output, bool)) -> Counters {
        send(self.table.take_output(), true);
        let mut held: Option<Output> = None;
        self.table
            .flush(&mut self.counters, FLUSH_CHUNK, &mut |out| {
                if let Some(prev) = held.replace(out) {
                    send(prev, false);
                }
            });
        send(held.unwrap_or_default(), true);
        self.counters.frag = self.reasm.stats();
        self.counters
    }
}

/// Writes records in order: tick by tick, and within a tick the workers' sorted outputs merged
/// by [`RecordKey`].
struct Merger<'s> {
    sink: &'s mut dyn Sink,
    error: Option<std::io::Error>,
}

impl<'s> Merger<'s> {
    fn new(sink: &'s mut dyn Sink) -> Self {
        Self { sink, error: None }
    }

    /// Write one sorted output (single worker, or a merged run).
    fn write(&mut self, out: &Output, now_us: u64) {
        for i in 0..out.len() {
            self.line(out.line(i), now_us);
        }
    }

    fn line(&mut self, line: &[u8], now_us: u64) {
        if self.error.is_none() {
            if let Err(e) = self.sink.write_line(line, now_us) {
                self.error = Some(e);
            }
        }
    }

    /// Merge the workers' streams, tick by tick, until every worker is done; return the
    /// merged counters. Each worker sends, per tick, sorted pieces ending with `last`, then
    /// `Done` after its final tick.
    fn merge(&mut self, rxs: &[Receiver<ToMerger>]) -> Counters {
        struct Head {
            out: Output,
            pos: usize,
            last: bool,
            now_us: u64,
        }
        let mut counters = Counters::default();
        let mut done = vec![false; rxs.len()];
        loop {
            let mut heads: Vec<Option<Head>> = Vec::with_capacity(rxs.len());
            for (w, rx) in rxs.iter().enumerate() {
                heads.push(match (done[w], rx.recv()) {
                    (
                        false,
                        Ok(ToMerger::Records {
                            out, now_us, last, ..
                        }),
                    ) => Some(Head {
                        out,
                        pos: 0,
                        last,
                        now_us,
                    }),
                    (false, Ok(ToMerger::Done(c))) => {
                        counters += &c;
                        done[w] = true;
                        None
                    }
                    _ => {
                        done[w] = true;
                        None
                    }
                });
            }
            if done.iter().all(|&d| d) {
                return counters;
            }
            loop {
                // Refill exhausted heads that have more pieces coming for this tick.
                for (w, slot) in heads.iter_mut().enumerate() {
                    while let Some(h) = slot.as_mut().filter(|h| h.pos >= h.out.len() && !h.last) {
                        match rxs[w].recv() {
                            Ok(ToMerger::Records {
                                out, now_us, last, ..
                            }) => {
                                *h = Head {
                                    out,
                                    pos: 0,
                                    last,
                                    now_us,
                                };
                            }
                            _ => *slot = None,
                        }
                    }
                }
                let next = heads
                    .iter()
                    .enumerate()
                    .filter_map(|(w, h)| {
                        h.as_ref()
                            .filter(|h| h.pos < h.out.len())
                            .map(|h| (h.out.index[h.pos].0, w))
                    })
                    .min();
                let Some((_, w)) = next else { break };
                let h = heads[w].as_mut().expect("chosen above");
                let now_us = h.now_us;
                let i = h.pos;
                h.pos += 1;
                let (_, start, len) = h.out.index[i];
                let range = start as usize..(start + len) as usize;
                if self.error.is_none() {
                    if let Err(e) = self.sink.write_line(&h.out.lines[range], now_us) {
                        self.error = Some(e);
                    }
                }
            }
        }
    }
}

/// Where the reader sends packets and ticks.
trait Downstream {
    fn packet(&mut self, block: &Block, p: PacketRef);
    fn tick(&mut self, now: Timestamp);
}

/// One worker, called inline on the reader's thread.
struct Inline<'m, 's> {
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
    fn tick(&mut self, now: Timestamp) {
        let out = self.worker.tick(now);
        self.last_us = now.as_us();
        self.merger.write(&out, self.last_us);
    }
}

/// N worker threads fed in batches.
///
/// IP fragments are reassembled here, on the reader, not in the workers: a fragment's worker
/// would be chosen by the addresses of the fragmented (often outer, tunnel) IP header, while
/// the reassembled datagram belongs to the worker of its innermost flow. Completed datagrams
/// are sent to that worker in stream order; the fragment frames are counted here.
struct Threaded {
    txs: Vec<Sender<ToWorker>>,
    pending: Vec<Option<Batch>>,
    recycle: Receiver<Vec<PacketRef>>,
    batch_size: usize,
    reasm: Reassembler,
    /// Counters of the frames consumed here (fragments).
    counters: Counters,
}

impl Threaded {
    fn flush(&mut self) {
        for (w, slot) in self.pending.iter_mut().enumerate() {
            if let Some(b) = slot.take() {
                let _ = self.txs[w].send(ToWorker::Batch(b));
            }
        }
    }

    /// A fragment frame: count it, reassemble, and ship a completed datagram to the worker of
    /// its innermost flow.
    fn fragment(&mut self, p: &PacketRef, d: &Decoded<'_>, f: &FragmentInfo<'_>) {
        count_frame(&mut self.counters, p);
        self.counters.decoded += 1;
        let Some(datagram) = self.reasm.push(p.ts, &d.ip, f) else {
            return;
        };
        // What `decode::resume` needs of the fragment: everything but its bytes.
        let outer = Decoded {
            vlans: d.vlans,
            mpls_labels: d.mpls_labels,
            tunnel: d.tunnel,
            ip: d.ip,
            l4: L4::Fragment(FragmentInfo { data: &[], ..*f }),
        };
        let w = match decode::resume(&outer, datagram) {
            Ok(inner) => {
                (dispatch_hash(inner.ip.src, inner.ip.dst) % self.txs.len() as u64) as usize
            }
            Err(_) => 0,
        };
        let bytes = datagram.to_vec();
        if let Some(b) = self.pending[w].take() {
            let _ = self.txs[w].send(ToWorker::Batch(b));
        }
        let _ = self.txs[w].send(ToWorker::Datagram {
            ts: p.ts,
            outer,
            bytes,
        });
    }
}

impl Threaded {
    /// Append a packet to worker `w`'s batch; send the batch when full or when the packet
    /// lives in another block.
    #[inline]
    fn push(&mut self, w: usize, block: &Block, p: PacketRef) {
        let slot = &mut self.pending[w];
        if slot
            .as_ref()
            .is_some_and(|b| !std::sync::Arc::ptr_eq(&b.block, block))
        {
            let _ = self.txs[w].send(ToWorker::Batch(slot.take().expect("checked")));
        }
        let batch_size = self.batch_size;
        let recycle = &self.recycle;
        let batch = slot.get_or_insert_with(|| Batch {
            block: block.clone(),
            pkts: recycle
                .try_recv()
                .unwrap_or_else(|_| Vec::with_capacity(batch_size)),
        });
        batch.pkts.push(p);
        if batch.pkts.len() >= batch_size {
            let _ = self.txs[w].send(ToWorker::Batch(slot.take().expect("just filled")));
        }
    }
}

impl Downstream for Threaded {
    #[inline]
    fn packet(&mut self, block: &Block, p: PacketRef) {
        let n = self.txs.len();
        let data = p.data(block);
        let quick = if p.link == LinkType::ETHERNET {
            decode::fast::dispatch_pair(data, p.wire_len)
        } else {
            None
        };
        if let Some((src, dst)) = quick {
            let w = (dispatch_hash(src, dst) % n as u64) as usize;
            self.push(w, block, p);
            return;
        }
        let w = match decode::frame(p.link, data, p.wire_len) {
            Ok(d) => {
                if let L4::Fragment(f) = d.l4 {
                    self.fragment(&p, &d, &f);
                    return;
                }
                (dispatch_hash(d.ip.src, d.ip.dst) % n as u64) as usize
            }
            // Frames that do not decode go to worker 0, which counts them.
            Err(_) => 0,
        };
        self.push(w, block, p);
    }
    fn tick(&mut self, now: Timestamp) {
        self.flush();
        self.reasm.expire(now);
        for tx in &self.txs {
            let _ = tx.send(ToWorker::Tick { now });
        }
    }
}

/// The worker of an address pair.
#[inline]
fn owner(src: std::net::IpAddr, dst: std::net::IpAddr, n: usize) -> usize {
    (dispatch_hash(src, dst) % n as u64) as usize
}

/// A worker walking the whole capture itself, keeping its own packets.
struct SharedWalk {
    worker: Worker,
    me: usize,
    n: usize,
    merger: Sender<ToMerger>,
    last_us: u64,
}

impl Downstream for SharedWalk {
    #[inline]
    fn packet(&mut self, block: &Block, p: PacketRef) {
        self.worker.shared_walk_packet(&p, block, self.me, self.n);
    }
    fn tick(&mut self, now: Timestamp) {
        self.last_us = now.as_us();
        let out = self.worker.tick(now);
        let _ = self.merger.send(ToMerger::Records {
            out,
            now_us: self.last_us,
            last: true,
        });
    }
}

/// Whether every input can be read by every worker at once (regular files: each worker maps
/// them itself); stdin and pipes need the reader thread.
fn inputs_are_files(opts: &ReadOptions) -> bool {
    opts.inputs
        .iter()
        .all(|p| p.as_os_str() != "-" && std::fs::metadata(p).is_ok_and(|m| m.is_file()))
}

/// N workers without a reader thread: each maps the capture files and walks every record
/// header (a few ns a packet), keeping the packets whose flows hash to it. No batches, no
/// channels on the packet path, and no third thread competing for the cores. Ticks come from
/// the same timestamps in every worker, so the output is the same as with the reader thread.
fn run_shared_walk(
    opts: &ReadOptions,
    n: usize,
    merger: &mut Merger<'_>,
) -> std::io::Result<(Vec<CaptureError>, Counters)> {
    let mut merger_rxs = Vec::with_capacity(n);
    let mut handles = Vec::with_capacity(n);
    for me in 0..n {
        let (merger_tx, merger_rx) = bounded::<ToMerger>(4);
        merger_rxs.push(merger_rx);
        let (table, frag) = table_options(opts, n);
        let mut walk_opts = opts.clone();
        walk_opts.progress = opts.progress && me == 0;
        handles.push(
            thread::Builder::new()
                .name(format!("cemprobe-worker-{me}"))
                .spawn(move || {
                    let mut down = SharedWalk {
                        worker: Worker::new(table, frag),
                        me,
                        n,
                        merger: merger_tx,
                        last_us: 0,
                    };
                    let errors = read_all(&walk_opts, &mut down);
                    let SharedWalk {
                        worker,
                        merger,
                        last_us,
                        ..
                    } = down;
                    let mut counters = worker.end(&mut |out, last| {
                        let _ = merger.send(ToMerger::Records {
                            out,
                            now_us: last_us,
                            last,
                        });
                    });
                    if me != 0 {
                        // Every worker reassembled every fragment; worker 0 reports it once.
                        counters.frag = Default::default();
                    }
                    let _ = merger.send(ToMerger::Done(Box::new(counters)));
                    if me == 0 {
                        errors
                    } else {
                        Vec::new()
                    }
                })?,
        );
    }
    let counters = merger.merge(&merger_rxs);
    let mut errors = Vec::new();
    for h in handles {
        errors.extend(h.join().map_err(|_| {
            std::io::Error::other("a worker thread panicked: this is a bug, please report it")
        })?);
    }
    Ok((errors, counters))
}

/// Flows one worker may hold: an even share of `flow.max_flows` plus 1/8 slack, because the
/// address-pair hash never splits flows exactly evenly (without slack a table full of
/// flows would evict on the busier worker while the other has room).
fn worker_capacity(max_flows: usize, workers: usize) -> usize {
    let share = max_flows / workers.max(1);
    if workers > 1 {
        share + share / 8
    } else {
        share
    }
    .max(1)
}

fn table_options(opts: &ReadOptions, workers: usize) -> (TableOptions, FragConfig) {
    let table = TableOptions {
        flow: opts.config.flow.clone(),
        capacity: worker_capacity(opts.config.flow.max_flows, workers),
        probe_id: opts.config.probe_id.clone(),
        home_nets: opts.home_nets.clone(),
        emit_records: opts.records.flow,
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
    let mut merger = Merger::new(sink);
    let (capture_errors, counters) = if n == 1 {
        let (table, frag) = table_options(opts, 1);
        let mut down = Inline {
            worker: Worker::new(table, frag),
            merger: &mut merger,
            last_us: 0,
        };
        let errors = read_all(opts, &mut down);
        let Inline {
            worker,
            merger,
            last_us,
        } = down;
        let counters = worker.end(&mut |out, _| merger.write(&out, last_us));
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

fn run_threaded(
    opts: &ReadOptions,
    n: usize,
    merger: &mut Merger<'_>,
) -> std::io::Result<(Vec<CaptureError>, Counters)> {
    let (recycle_tx, recycle_rx) = unbounded::<Vec<PacketRef>>();
    let mut txs = Vec::with_capacity(n);
    let mut merger_rxs = Vec::with_capacity(n);
    let mut handles = Vec::with_capacity(n);
    for i in 0..n {
        let (tx, rx) = bounded::<ToWorker>(16);
        txs.push(tx);
        // Bounded per worker: a worker ahead of the merge waits instead of piling up records.
        let (merger_tx, merger_rx) = bounded::<ToMerger>(4);
        merger_rxs.push(merger_rx);
        let recycle_tx = recycle_tx.clone();
        let (table, frag) = table_options(opts, n);
        handles.push(
            thread::Builder::new()
                .name(format!("cemprobe-worker-{i}"))
                .spawn(move || {
                    worker_thread(rx, merger_tx, recycle_tx, Worker::new(table, frag))
                })?,
        );
    }
    let reader_opts = opts.clone();
    let batch_size = opts.batch_size.max(1);
    let (_, frag) = table_options(opts, n);
    let reader = thread::Builder::new()
        .name("cemprobe-reader".into())
        .spawn(move || {
            let mut down = Threaded {
                pending: (0..txs.len()).map(|_| None).collect(),
                txs,
                recycle: recycle_rx,
                batch_size,
                reasm: Reassembler::new(frag),
                counters: Counters::default(),
            };
            let errors = read_all(&reader_opts, &mut down);
            down.flush();
            for tx in &down.txs {
                let _ = tx.send(ToWorker::End);
            }
            let mut counters = down.counters;
            counters.frag = down.reasm.stats();
            (errors, counters)
        })?;
    let mut counters = merger.merge(&merger_rxs);
    for h in handles {
        h.join().map_err(|_| {
            std::io::Error::other("a worker thread panicked: this is a bug, please report it")
        })?;
    }
    let (errors, reader_counters) = reader.join().map_err(|_| {
        std::io::Error::other("the reader thread panicked: this is a bug, please report it")
    })?;
    counters += &reader_counters;
    Ok((errors, counters))
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
    }
}

/// Walk every input in order, sending packets and ticks downstream. Returns the capture
/// errors (a damaged file stops that file only).
fn read_all(opts: &ReadOptions, down: &mut impl Downstream) -> Vec<CaptureError> {
    let mut errors = Vec::new();
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
                    down.tick(Timestamp(now));
                    next_tick = Some(now.saturating_add(TICK_US));
                }
                Some(_) => {}
            }
            down.packet(block, p);
        });
        if let Err(e) = result {
            errors.push(e);
        }
        done_bytes += file_len;
    }
    progress.finish(packets);
    errors
}

fn worker_thread(
    rx: Receiver<ToWorker>,
    merger: Sender<ToMerger>,
    recycle: Sender<Vec<PacketRef>>,
    mut w: Worker,
) {
    let mut last_us = 0;
    for msg in rx {
        match msg {
            ToWorker::Batch(mut b) => {
                for p in &b.pkts {
                    w.packet(p, &b.block);
                }
                b.pkts.clear();
                let _ = recycle.send(b.pkts);
            }
            ToWorker::Datagram { ts, outer, bytes } => w.datagram(ts, &outer, &bytes),
            ToWorker::Tick { now } => {
                last_us = now.as_us();
                let _ = merger.send(ToMerger::Records {
                    out: w.tick(now),
                    now_us: last_us,
                    last: true,
                });
            }
            ToWorker::End => {
                let counters = w.end(&mut |out, last| {
                    let _ = merger.send(ToMerger::Records {
                        out,
                        now_us: last_us,
                        last,
                    });
                });
                let _ = merger.send(ToMerger::Done(Box::new(counters)));
                return;
            }
        }
    }
}

/// Decode one packet and account it: the per-packet hot path.
#[inline]
pub fn process_packet(
    table: &mut FlowTable,
    reasm: &mut Reassembler,
    c: &mut Counters,
    p: &PacketRef,
    block: &[u8],
) {
    count_frame(c, p);
    match decode::frame(p.link, p.data(block), p.wire_len) {
        Err(skip) => c.skip(skip.reason()),
        Ok(d) => {
            c.decoded += 1;
            if let L4::Fragment(f) = d.l4 {
                if let Some(datagram) = reasm.push(p.ts, &d.ip, &f) {
                    account_datagram(table, c, p.ts, decode::resume(&d, datagram));
                }
            } else {
                table.update(p.ts, &d, c);
            }
        }
    }
}

/// Count a frame read: packets, wire bytes, first and last timestamp.
#[inline]
fn count_frame(c: &mut Counters, p: &PacketRef) {
    c.packets += 1;
    c.bytes += u64::from(p.wire_len);
    let ts = p.ts.as_us();
    if c.first_us.is_none_or(|f| ts < f) {
        c.first_us = Some(ts);
    }
    if c.last_us.is_none_or(|l| ts > l) {
        c.last_us = Some(ts);
    }
}

/// Account a reassembled datagram. One that does not decode, or whose inner IP packet is
/// itself a fragment (a tunnel carrying fragments inside a fragmented datagram: not
/// reassembled twice), is counted as `reassembled_malformed` and touches no flow.
fn account_datagram(
    table: &mut FlowTable,
    c: &mut Counters,
    ts: Timestamp,
    whole: Result<Decoded<'_>, decode::Skip>,
) {
    match whole {
        Ok(d) if !matches!(d.l4, L4::Fragment(_)) => table.update(ts, &d, c),
        _ => c.reassembled_malformed += 1,
    }
}
