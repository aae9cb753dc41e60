//! The merger: the workers' sorted record streams, tick by tick, into one ordered output.

use std::collections::BTreeMap;
use std::sync::Arc;

use super::names::DnsNames;
use super::*;
use crate::app::service::ServiceRules;
use crate::flow::table::Extra;
use crate::subscriber::score::ScoreConfig;
use crate::subscriber::summary::Partial;

/// An experience score and the KPI that cost the most (DESIGN §4).
type Score = (f64, Option<&'static str>);

/// What the merger needs besides the sink.
pub(super) struct MergeOptions {
    pub(super) services: Arc<ServiceRules>,
    pub(super) probe: String,
    pub(super) subscriber_records: bool,
    pub(super) cell_records: bool,
    pub(super) score: ScoreConfig,
    /// Services listed per subscriber record (by bytes).
    pub(super) top_services: usize,
    /// Worst subscribers listed per cell record.
    pub(super) worst_subscribers: usize,
}

impl MergeOptions {
    pub(super) fn of(opts: &ReadOptions) -> Self {
        Self {
            services: opts.config.services.clone(),
            probe: opts.config.probe_id.clone(),
            subscriber_records: opts.records.subscriber,
            cell_records: opts.records.cell,
            score: opts.config.score.clone(),
            top_services: 5,
            worst_subscribers: 5,
        }
    }
}

pub(super) enum ToMerger {
    /// Records of one tick, sorted; `last` marks a worker's final piece of that tick.
    Records {
        out: Output,
        now_us: u64,
        last: bool,
    },
    Done(Box<Counters>),
}

/// Writes records in order: tick by tick, and within a tick the workers' sorted outputs merged
/// by [`RecordKey`].
pub(super) struct Merger<'s> {
    pub(super) sink: &'s mut dyn Sink,
    pub(super) error: Option<std::io::Error>,
    /// Names from DNS answers, for flows that announced no host (see [`super::names`]).
    names: DnsNames,
    opts: MergeOptions,
    /// Scratch for a flow line with its service filled in.
    patched: Vec<u8>,
    /// Subscriber partials of the interval being closed, merged over the workers.
    partials: BTreeMap<String, Partial>,
    /// The interval whose partials arrived: written when the round ends.
    closing: Option<Interval>,
}

impl<'s> Merger<'s> {
    pub(super) fn new(sink: &'s mut dyn Sink, opts: MergeOptions) -> Self {
        Self {
            sink,
            error: None,
            names: DnsNames::default(),
            opts,
            patched: Vec::new(),
            partials: BTreeMap::new(),
            closing: None,
        }
    }

    /// Write one sorted output (single worker, or a merged run).
    pub(super) fn write(&mut self, mut out: Output, now_us: u64) {
        self.absorb(&mut out);
        for i in 0..out.len() {
            self.entry(&out, i, now_us);
        }
    }

    /// Take the subscriber partials a worker's output carries.
    fn absorb(&mut self, out: &mut Output) {
        for (id, p) in out.subscribers.drain(..) {
            match self.partials.entry(id) {
                std::collections::btree_map::Entry::Vacant(e) => {
                    e.insert(p);
                }
                std::collections::btree_map::Entry::Occupied(mut e) => e.get_mut().merge(&p),
            }
        }
        if let Some(interval) = out.interval {
            self.closing = Some(interval);
        }
    }

    /// A round (one tick of every worker) is written: if it closed an interval, write its
    /// `subscriber` records (by id) and then its `cell` records (by cell).
    pub(super) fn round_done(&mut self, now_us: u64) {
        let Some(interval) = self.closing.take() else {
            return;
        };
        let partials = std::mem::take(&mut self.partials);
        let scored: Vec<(&str, &Partial, Score)> = partials
            .iter()
            .map(|(id, p)| {
                let s = crate::subscriber::score::score(p, &self.opts.score);
                (id.as_str(), p, s)
            })
            .collect();
        let mut line = Vec::new();
        if self.opts.subscriber_records {
            for (id, p, score) in &scored {
                let record = crate::subscriber::record::subscriber_record(
                    &self.opts.probe,
                    interval.start_us,
                    interval.end_us,
                    id,
                    p,
                    *score,
                    self.opts.top_services,
                );
                line.clear();
                if serde_json::to_writer(&mut line, &record).is_ok() {
                    self.line(&line, now_us);
                }
            }
        }
        if self.opts.cell_records {
            let subs: Vec<(&str, &Partial, f64)> =
                scored.iter().map(|(id, p, s)| (*id, *p, s.0)).collect();
            for record in crate::subscriber::cell::cell_records(
                &self.opts.probe,
                interval.start_us,
                interval.end_us,
                &subs,
                self.opts.worst_subscribers,
            ) {
                line.clear();
                if serde_json::to_writer(&mut line, &record).is_ok() {
                    self.line(&line, now_us);
                }
            }
        }
    }

    /// Write entry `i` of `out`, using and feeding its side data.
    fn entry(&mut self, out: &Output, i: usize, now_us: u64) {
        let line = out.line(i);
        match out.extra(i) {
            Some(Extra::Answer {
                resp_us,
                name,
                addrs,
            }) => {
                self.names.answer(*resp_us, name, addrs);
            }
            Some(Extra::ServiceLookup { server, at }) => {
                let first_us = out.index[i].key.first_us;
                let service = self
                    .names
                    .lookup(*server, first_us)
                    .and_then(|name| self.opts.services.service(name));
                let at = *at as usize;
                if let (Some(service), Some(head), Some(tail)) =
                    (service, line.get(..at), line.get(at + 4..))
                {
                    let mut patched = std::mem::take(&mut self.patched);
                    patched.clear();
                    patched.extend_from_slice(head);
                    // A service name is a host name or a rule name: serialize it as a string.
                    if serde_json::to_writer(&mut patched, &service).is_ok() {
                        patched.extend_from_slice(tail);
                        self.line(&patched, now_us);
                        self.patched = patched;
                        return;
                    }
                    self.patched = patched;
                }
            }
            None => {}
        }
        if !line.is_empty() {
            self.line(line, now_us);
        }
    }

    pub(super) fn line(&mut self, line: &[u8], now_us: u64) {
        if self.error.is_none() {
            if let Err(e) = self.sink.write_line(line, now_us) {
                self.error = Some(e);
            }
        }
    }

    /// Merge the workers' streams, tick by tick, until every worker is done; return the
    /// merged counters. Each worker sends, per tick, sorted pieces ending with `last`, then
    /// `Done` after its final tick.
    pub(super) fn merge(&mut self, rxs: &[Receiver<ToMerger>]) -> Counters {
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
                            mut out,
                            now_us,
                            last,
                            ..
                        }),
                    ) => {
                        self.absorb(&mut out);
                        Some(Head {
                            out,
                            pos: 0,
                            last,
                            now_us,
                        })
                    }
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
                                mut out,
                                now_us,
                                last,
                                ..
                            }) => {
                                self.absorb(&mut out);
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
                            .map(|h| (h.out.index[h.pos].key, w))
                    })
                    .min();
                let Some((_, w)) = next else {
                    let now_us = heads.iter().flatten().map(|h| h.now_us).max();
                    self.round_done(now_us.unwrap_or(0));
                    break;
                };
                let h = heads[w].as_mut().expect("chosen above");
                let i = h.pos;
                h.pos += 1;
                self.entry(&h.out, i, h.now_us);
            }
        }
    }
}
