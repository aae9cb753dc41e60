//! The merger: the workers' sorted record streams, tick by tick, into one ordered output.

use std::sync::Arc;

use super::names::DnsNames;
use super::*;
use crate::app::service::ServiceRules;
use crate::flow::table::Extra;

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
    services: Arc<ServiceRules>,
    /// Scratch for a flow line with its service filled in.
    patched: Vec<u8>,
}

impl<'s> Merger<'s> {
    pub(super) fn new(sink: &'s mut dyn Sink, services: Arc<ServiceRules>) -> Self {
        Self {
            sink,
            error: None,
            names: DnsNames::default(),
            services,
            patched: Vec::new(),
        }
    }

    /// Write one sorted output (single worker, or a merged run).
    pub(super) fn write(&mut self, out: &Output, now_us: u64) {
        for i in 0..out.len() {
            self.entry(out, i, now_us);
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
                    .and_then(|name| self.services.service(name));
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
                            .map(|h| (h.out.index[h.pos].key, w))
                    })
                    .min();
                let Some((_, w)) = next else { break };
                let h = heads[w].as_mut().expect("chosen above");
                let i = h.pos;
                h.pos += 1;
                self.entry(&h.out, i, h.now_us);
            }
        }
    }
}
