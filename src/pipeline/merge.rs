//! The merger: the workers' sorted record streams, tick by tick, into one ordered output.

use super::*;

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
}

impl<'s> Merger<'s> {
    pub(super) fn new(sink: &'s mut dyn Sink) -> Self {
        Self { sink, error: None }
    }

    /// Write one sorted output (single worker, or a merged run).
    pub(super) fn write(&mut self, out: &Output, now_us: u64) {
        for i in 0..out.len() {
            self.line(out.line(i), now_us);
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
