//! One worker's state and the per-packet hot path.

use super::*;

/// Records of one flush piece at most (bounds the merger's memory at end of input).
pub(super) const FLUSH_CHUNK: usize = 1024;

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
    pub(super) fn shared_walk_packet(&mut self, p: &PacketRef, block: &[u8], me: usize, n: usize) {
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
                    if is_control(&d) {
                        self.table.control(p.ts.as_us(), &d, true);
                    }
                    self.table.update(p.ts, &d, c);
                } else if is_control(&d) {
                    self.table.control(p.ts.as_us(), &d, false);
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

    /// A control-plane packet another worker counts (stdin mode: the reader broadcasts them,
    /// so that every worker's identity bindings follow capture order).
    pub fn control_copy(&mut self, ts: Timestamp, link: LinkType, data: &[u8], wire_len: u32) {
        if let Ok(d) = decode::frame(link, data, wire_len) {
            if is_control(&d) {
                self.table.control(ts.as_us(), &d, false);
            }
        }
    }

    /// Account a datagram reassembled elsewhere (its fragments were counted there).
    pub fn datagram(&mut self, ts: Timestamp, outer: &Decoded<'_>, bytes: &[u8]) {
        let whole = decode::resume(outer, bytes);
        account_datagram(&mut self.table, &mut self.counters, ts, whole);
    }

    /// Run timeouts at `now`; return the records emitted since the last call, sorted, and
    /// when `close` is given the subscriber partials of that interval (closed after the
    /// timeouts, so what they end belongs to it).
    pub fn tick(&mut self, now: Timestamp, close: Option<Interval>) -> Output {
        self.table.expire(now, &mut self.counters);
        self.reasm.expire(now);
        let mut out = self.table.take_output();
        if let Some(interval) = close {
            out.subscribers = self.table.close_interval();
            out.interval = Some(interval);
        }
        out
    }

    /// End of input: hand over the records emitted since the last tick as one complete
    /// sorted run (`last = true`), the app parsers' pending transactions as a second, then
    /// flush every flow as a third run, in sorted pieces of
    /// which the final one has `last = true`. Two runs, so that merging the runs of all
    /// workers gives the same order as one worker. Returns the counters.
    /// The last interval (`interval`, if any packet was read) closes with the final piece.
    pub fn end(
        mut self,
        interval: Option<Interval>,
        send: &mut dyn FnMut(Output, bool),
    ) -> Counters {
        send(self.table.take_output(), true);
        // App parsers hand over what is pending (unanswered queries, requests without a
        // response, handshakes without application data) as a run of their own: those records
        // sort by their own times, which the flow flush below does not follow.
        self.table.finish_apps(&mut self.counters);
        send(self.table.take_output(), true);
        let mut held: Option<Output> = None;
        self.table
            .flush(&mut self.counters, FLUSH_CHUNK, &mut |out| {
                if let Some(prev) = held.replace(out) {
                    send(prev, false);
                }
            });
        let mut last = held.unwrap_or_default();
        if let Some(interval) = interval {
            last.subscribers = self.table.close_interval();
            last.interval = Some(interval);
        }
        send(last, true);
        self.counters.frag = self.reasm.stats();
        self.counters
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
                if is_control(&d) {
                    table.control(p.ts.as_us(), &d, true);
                }
                table.update(p.ts, &d, c);
            }
        }
    }
}

/// Count a frame read: packets, wire bytes, first and last timestamp.
#[inline]
pub(super) fn count_frame(c: &mut Counters, p: &PacketRef) {
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
pub(super) fn account_datagram(
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
