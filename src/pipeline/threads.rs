//! Worker threads: the shared-walk mode for files and the reader-thread mode for streams.

use super::*;

pub(super) struct Batch {
    block: Block,
    pkts: Vec<PacketRef>,
}

pub(super) enum ToWorker {
    Batch(Batch),
    /// Run timeouts at `now` and ship the records emitted since the previous tick (and the
    /// partials of the interval `close`, if one ends).
    Tick {
        now: Timestamp,
        close: Option<Interval>,
    },
    /// End of input: flush every flow and close the last interval.
    End {
        interval: Option<Interval>,
    },
    /// A control-plane packet another worker counts, copied for this worker's bindings.
    Control {
        ts: Timestamp,
        link: LinkType,
        wire_len: u32,
        bytes: Vec<u8>,
    },
    /// A datagram reassembled by the reader, with the decoded fragment that completed it.
    Datagram {
        ts: Timestamp,
        outer: Decoded<'static>,
        bytes: Vec<u8>,
    },
}

/// N worker threads fed in batches.
///
/// IP fragments are reassembled here, on the reader, not in the workers: a fragment's worker
/// would be chosen by the addresses of the fragmented (often outer, tunnel) IP header, while
/// the reassembled datagram belongs to the worker of its innermost flow. Completed datagrams
/// are sent to that worker in stream order; the fragment frames are counted here.
pub(super) struct Threaded {
    txs: Vec<Sender<ToWorker>>,
    pending: Vec<Option<Batch>>,
    recycle: Receiver<Vec<PacketRef>>,
    batch_size: usize,
    reasm: Reassembler,
    /// Counters of the frames consumed here (fragments).
    counters: Counters,
}

impl Threaded {
    pub(super) fn flush(&mut self) {
        for (w, slot) in self.pending.iter_mut().enumerate() {
            if let Some(b) = slot.take() {
                let _ = self.txs[w].send(ToWorker::Batch(b));
            }
        }
    }

    /// A fragment frame: count it, reassemble, and ship a completed datagram to the worker of
    /// its innermost flow.
    pub(super) fn fragment(&mut self, p: &PacketRef, d: &Decoded<'_>, f: &FragmentInfo<'_>) {
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
            Ok(inner) => owner(inner.ip.src, inner.ip.dst, self.txs.len()),
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
    /// Copy a control-plane packet to every worker but its owner `w`, after the packets
    /// before it (their pending batches go first), so every worker's bindings change at the
    /// same point of the stream.
    fn broadcast_control(&mut self, w: usize, p: &PacketRef, data: &[u8]) {
        for (i, tx) in self.txs.iter().enumerate() {
            if i == w {
                continue;
            }
            if let Some(b) = self.pending[i].take() {
                let _ = tx.send(ToWorker::Batch(b));
            }
            let _ = tx.send(ToWorker::Control {
                ts: p.ts,
                link: p.link,
                wire_len: p.wire_len,
                bytes: data.to_vec(),
            });
        }
    }

    /// Append a packet to worker `w`'s batch; send the batch when full or when the packet
    /// lives in another block.
    #[inline]
    pub(super) fn push(&mut self, w: usize, block: &Block, p: PacketRef) {
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
            let w = owner(src, dst, n);
            self.push(w, block, p);
            return;
        }
        let w = match decode::frame(p.link, data, p.wire_len) {
            Ok(d) => {
                if let L4::Fragment(f) = d.l4 {
                    self.fragment(&p, &d, &f);
                    return;
                }
                let w = owner(d.ip.src, d.ip.dst, n);
                if is_control(&d) {
                    self.broadcast_control(w, &p, data);
                }
                w
            }
            // Frames that do not decode go to worker 0, which counts them.
            Err(_) => 0,
        };
        self.push(w, block, p);
    }
    fn tick(&mut self, now: Timestamp, close: Option<Interval>) {
        self.flush();
        self.reasm.expire(now);
        for tx in &self.txs {
            let _ = tx.send(ToWorker::Tick { now, close });
        }
    }
}

/// A worker walking the whole capture itself, keeping its own packets.
pub(super) struct SharedWalk {
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
    fn tick(&mut self, now: Timestamp, close: Option<Interval>) {
        self.last_us = now.as_us();
        let out = self.worker.tick(now, close);
        let _ = self.merger.send(ToMerger::Records {
            out,
            now_us: self.last_us,
            last: true,
        });
    }
}

/// Whether every input can be read by every worker at once (regular files: each worker maps
/// them itself); stdin and pipes need the reader thread.
pub(super) fn inputs_are_files(opts: &ReadOptions) -> bool {
    opts.inputs
        .iter()
        .all(|p| p.as_os_str() != "-" && std::fs::metadata(p).is_ok_and(|m| m.is_file()))
}

/// N workers without a reader thread: each maps the capture files and walks every record
/// header (a few ns a packet), keeping the packets whose flows hash to it. No batches, no
/// channels on the packet path, and no third thread competing for the cores. Ticks come from
/// the same timestamps in every worker, so the output is the same as with the reader thread.
pub(super) fn run_shared_walk(
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
                    let (errors, interval) = read_all(&walk_opts, &mut down);
                    let SharedWalk {
                        worker,
                        merger,
                        last_us,
                        ..
                    } = down;
                    let mut counters = worker.end(interval, &mut |out, last| {
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

pub(super) fn run_threaded(
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
            let (errors, interval) = read_all(&reader_opts, &mut down);
            down.flush();
            for tx in &down.txs {
                let _ = tx.send(ToWorker::End { interval });
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

pub(super) fn worker_thread(
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
            ToWorker::Control {
                ts,
                link,
                wire_len,
                bytes,
            } => w.control_copy(ts, link, &bytes, wire_len),
            ToWorker::Tick { now, close } => {
                last_us = now.as_us();
                let _ = merger.send(ToMerger::Records {
                    out: w.tick(now, close),
                    now_us: last_us,
                    last: true,
                });
            }
            ToWorker::End { interval } => {
                let counters = w.end(interval, &mut |out, last| {
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
