//! The per-worker flow table: lookup, creation, timeouts, eviction and record emission.
//!
//! Each worker owns one `FlowTable`; nothing in it is shared or locked. Flows live in a slab
//! (`Vec<Flow>` reserved up front, so touching it is the only cost of a new flow) indexed by a
//! `hashbrown::HashTable<u32>` keyed by the canonical [`FlowKey`].
//!
//! Timeouts run on packet time (see `docs/FLOWS.md` for the rules):
//! * idle: a packet for a flow idle ≥ its timeout ends the old flow (`idle`) and starts a new
//!   one; [`FlowTable::expire`] also ends idle flows. Deadlines sit in a min-heap; an entry
//!   whose flow saw later packets is re-queued lazily when it reaches the top (no per-packet
//!   queue work), so expiry is exact at every tick whatever else the table holds.
//! * closed TCP flows linger `close_linger` to absorb late packets, then are emitted with their
//!   fixed `fin`/`rst` end reason.
//! * long flows get an interim record when a packet arrives at or after `first + k × active`.
//! * when the table is full the flow with the earliest idle deadline is evicted (`evicted`,
//!   counted).
//!
//! Records are serialized into `out` as NDJSON lines; the worker ships them to the merger.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::hash::BuildHasher;
use std::net::IpAddr;

use hashbrown::HashTable;

use crate::config::{Cidr, FlowConfig};
use crate::decode::{Decoded, IpProto, TunnelKind, Vlans, L4};
use crate::flow::key::{FlowKey, Side};
use crate::flow::tcp::{Close, Segment, TcpTracker};
use crate::flow::Dir;
use crate::telemetry::Counters;
use crate::time::Timestamp;

/// Packet and byte counts of one direction.
#[derive(Clone, Copy, Debug, Default)]
pub(super) struct DirCount {
    pub(super) packets: u64,
    pub(super) bytes: u64,
    pub(super) payload_bytes: u64,
}

/// Tunnel identity of a flow (boxed: most flows have none).
#[derive(Clone, Debug)]
pub(super) struct FlowTunnel {
    pub(super) kind: TunnelKind,
    pub(super) teid_up: Option<u32>,
    pub(super) teid_down: Option<u32>,
    pub(super) vni: Option<u32>,
    pub(super) key: Option<u32>,
    pub(super) outer_client: IpAddr,
    pub(super) outer_server: IpAddr,
    /// Whether the outer addresses came from a client→server packet (they are reversed from a
    /// server→client one until then).
    pub(super) outer_from_client: bool,
}

/// One tracked flow.
///
/// `repr(C)` to lay the fields out in the order a packet touches them: the key compared on
/// lookup and the state every packet reads share the first cache line, the counters the
/// second; the TCP tracker follows. (Left to itself the compiler put the key last.)
#[derive(Clone, Debug)]
#[repr(C)]
pub(super) struct Flow {
    pub(super) key: FlowKey,
    pub(super) live: bool,
    pub(super) client: Side,
    pub(super) mid_flow_start: bool,
    /// Set when TCP closed: how (and `close_us`: when).
    pub(super) closing: Option<Close>,
    /// Bumped when the slot is freed, so queue entries of an old flow are recognised as stale.
    pub(super) gen: u32,
    pub(super) last_us: u64,
    pub(super) first_us: u64,
    pub(super) dirs: [DirCount; 2],
    pub(super) close_us: u64,
    pub(super) next_active_us: u64,
    pub(super) vlans: Vlans,
    pub(super) tunnel: Option<Box<FlowTunnel>>,
    pub(super) tcp: Option<TcpTracker>,
}

/// A deadline queue entry (ordered by time first).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Deadline {
    at_us: u64,
    slot: u32,
    gen: u32,
}

/// The order of records within a tick: by the flow's first packet time, then its key; an
/// interim record before the final one of the same flow. Records of different flows never
/// share a key; two records of one flow may (an old connection and the one a new SYN started
/// in the same microsecond) and a stable sort keeps their emission order; both live on one
/// worker, so merging sorted worker outputs gives the same sequence for any worker count.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct RecordKey {
    pub first_us: u64,
    pub flow: FlowKey,
    pub is_final: bool,
}

/// Records emitted by a table: NDJSON lines and, per line, its key and byte range.
#[derive(Debug, Default)]
pub struct Output {
    pub lines: Vec<u8>,
    pub index: Vec<(RecordKey, u32, u32)>,
}

impl Output {
    /// The line of entry `i` (without its newline).
    pub fn line(&self, i: usize) -> &[u8] {
        let (_, start, len) = self.index[i];
        &self.lines[start as usize..(start + len) as usize]
    }

    pub fn len(&self) -> usize {
        self.index.len()
    }

    pub fn is_empty(&self) -> bool {
        self.index.is_empty()
    }

    /// Sort the entries by key (lines stay where they are).
    pub fn sort(&mut self) {
        // Stable: records of one flow with equal keys (an old connection and the new one its
        // SYN started, in the same microsecond) keep the order they were emitted in.
        self.index.sort_by_key(|e| e.0);
    }
}

/// Settings a table needs besides the flow config.
#[derive(Clone, Debug)]
pub struct TableOptions {
    pub flow: FlowConfig,
    /// Flows this table may hold (the configured total divided over the workers).
    pub capacity: usize,
    pub probe_id: String,
    pub home_nets: Vec<Cidr>,
    /// Serialize flow records (off when `--records` excludes `flow`: they are only counted).
    pub emit_records: bool,
}

/// A worker's flow table.
pub struct FlowTable {
    opts: TableOptions,
    index: HashTable<u32>,
    hasher: foldhash::fast::FixedState,
    slots: Vec<Flow>,
    free: Vec<u32>,
    live: usize,
    /// Idle deadlines, earliest first (lazy: an entry is re-queued when its flow saw later
    /// packets).
    idle: BinaryHeap<Reverse<Deadline>>,
    /// Close-linger deadlines, earliest first.
    linger: BinaryHeap<Reverse<Deadline>>,
    /// Records emitted since the last [`FlowTable::take_output`].
    out: Output,
}

/// Why a flow record is written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum EndReason {
    Fin,
    Rst,
    Idle,
    Active,
    Eof,
    Evicted,
}

impl EndReason {
    pub(super) fn name(self) -> &'static str {
        match self {
            EndReason::Fin => "fin",
            EndReason::Rst => "rst",
            EndReason::Idle => "idle",
            EndReason::Active => "active",
            EndReason::Eof => "eof",
            EndReason::Evicted => "evicted",
        }
    }
}

impl FlowTable {
    pub fn new(opts: TableOptions) -> Self {
        let capacity = opts.capacity.max(1);
        Self {
            // Grows with the flows: an index sized for `max_flows` up front is sparse, and its
            // lookups miss the caches more (measured: 25% slower on smallpkt64.pcap).
            index: HashTable::with_capacity(capacity.min(1 << 16)),
            hasher: foldhash::fast::FixedState::with_seed(0x6365_6d70_726f_6265),
            // Reserve address space for every flow up front: untouched pages cost no memory,
            // and the slab never reallocates (and copies) on the per-packet path.
            slots: Vec::with_capacity(capacity),
            free: Vec::new(),
            live: 0,
            idle: BinaryHeap::new(),
            linger: BinaryHeap::new(),
            out: Output::default(),
            opts: TableOptions { capacity, ..opts },
        }
    }

    /// Flows currently tracked.
    pub fn len(&self) -> usize {
        self.live
    }

    pub fn is_empty(&self) -> bool {
        self.live == 0
    }

    /// Take the records emitted so far, sorted by [`RecordKey`].
    pub fn take_output(&mut self) -> Output {
        // The next tick's buffers start at this tick's size: no regrowth (and copying) from
        // empty every tick.
        let next = Output {
            lines: Vec::with_capacity(self.out.lines.capacity()),
            index: Vec::with_capacity(self.out.index.capacity()),
        };
        let mut out = std::mem::replace(&mut self.out, next);
        out.sort();
        out
    }

    /// Account one decoded packet (not a fragment: reassemble first) to its flow.
    pub fn update(&mut self, now: Timestamp, d: &Decoded<'_>, c: &mut Counters) {
        let (key, side) = FlowKey::of(d);
        let hash = self.hasher.hash_one(key);
        let now_us = now.as_us();
        let slot = match self.find(hash, &key) {
            Some(slot) => {
                let f = &self.slots[slot as usize];
                let stale = match f.closing {
                    Some(_) => now_us.saturating_sub(f.close_us) >= self.opts.flow.close_linger_us,
                    None => now_us.saturating_sub(f.last_us) >= self.idle_timeout(f),
                };
                if stale {
                    let reason = closing_reason(f).unwrap_or(EndReason::Idle);
                    self.finish(slot, reason, c);
                    self.create(hash, key, side, now_us, d, c)
                } else {
                    slot
                }
            }
            None => self.create(hash, key, side, now_us, d, c),
        };
        self.apply(slot, hash, side, now_us, d, c);
    }

    /// End flows whose idle or linger deadline is at or before `now`. Exact: every such flow
    /// ends at this call, whatever else the table holds, so the tick a record falls in does
    /// not depend on how flows are spread over workers.
    pub fn expire(&mut self, now: Timestamp, c: &mut Counters) {
        let now_us = now.as_us();
        while let Some(&Reverse(e)) = self.idle.peek() {
            if e.at_us > now_us {
                break;
            }
            self.idle.pop();
            let Some(f) = self.live_flow(e) else { continue };
            if f.closing.is_some() {
                continue; // the linger queue owns it now
            }
            let due = f.last_us.saturating_add(self.idle_timeout(f));
            if due <= now_us {
                self.finish(e.slot, EndReason::Idle, c);
            } else {
                self.idle.push(Reverse(Deadline { at_us: due, ..e }));
            }
        }
        while let Some(&Reverse(e)) = self.linger.peek() {
            if e.at_us > now_us {
                break;
            }
            self.linger.pop();
            if let Some(f) = self.live_flow(e) {
                let reason = closing_reason(f).unwrap_or(EndReason::Idle);
                self.finish(e.slot, reason, c);
            }
        }
    }

    /// The flow a deadline entry refers to, if it is still that flow.
    fn live_flow(&self, e: Deadline) -> Option<&Flow> {
        self.slots
            .get(e.slot as usize)
            .filter(|f| f.live && f.gen == e.gen)
    }

    /// End every flow (end of input): `eof`, or the fixed `fin`/`rst` of a lingering flow.
    /// Records are handed to `send` in [`RecordKey`] order, in pieces of about `chunk`
    /// records, so a million open flows never sit serialized in memory at once. Take the
    /// records emitted before this call first ([`FlowTable::take_output`]): they are not
    /// part of this sorted sequence.
    pub fn flush(&mut self, c: &mut Counters, chunk: usize, send: &mut dyn FnMut(Output)) {
        // Slot numbers only (4 bytes a flow), ordered by looking the keys up.
        let mut order: Vec<u32> = (0..self.slots.len() as u32)
            .filter(|&i| self.slots[i as usize].live)
            .collect();
        let slots = &self.slots;
        order.sort_unstable_by_key(|&i| {
            let f = &slots[i as usize];
            (f.first_us, f.key)
        });
        for slot in order {
            let f = &self.slots[slot as usize];
            let reason = closing_reason(f).unwrap_or(EndReason::Eof);
            self.finish(slot, reason, c);
            if self.out.len() >= chunk.max(1) {
                send(std::mem::take(&mut self.out));
            }
        }
        send(std::mem::take(&mut self.out));
        self.idle.clear();
        self.linger.clear();
    }

    fn find(&self, hash: u64, key: &FlowKey) -> Option<u32> {
        let slots = &self.slots;
        self.index
            .find(hash, |&i| slots[i as usize].key == *key)
            .copied()
    }

    fn idle_timeout(&self, f: &Flow) -> u64 {
        if f.key.proto == IpProto::TCP {
            self.opts.flow.tcp_idle_timeout_us
        } else {
            self.opts.flow.idle_timeout_us
        }
    }

    fn create(
        &mut self,
        hash: u64,
        key: FlowKey,
        side: Side,
        now_us: u64,
        d: &Decoded<'_>,
        c: &mut Counters,
    ) -> u32 {
        if self.live >= self.opts.capacity {
            self.evict_oldest(c);
        }
        let (client, mid_flow_start, tcp) = match d.l4 {
            L4::Tcp(t) if t.flags.syn() && !t.flags.ack() => (side, false, Some(TcpTracker::new())),
            L4::Tcp(_) => {
                let client = match key.lo_port.cmp(&key.hi_port) {
                    std::cmp::Ordering::Greater => Side::Lo,
                    std::cmp::Ordering::Less => Side::Hi,
                    std::cmp::Ordering::Equal => side,
                };
                (client, true, Some(TcpTracker::new()))
            }
            _ => (side, false, None),
        };
        let flow = Flow {
            key,
            gen: 0,
            live: true,
            client,
            mid_flow_start,
            closing: None,
            close_us: 0,
            first_us: now_us,
            last_us: now_us,
            next_active_us: now_us.saturating_add(self.opts.flow.active_timeout_us),
            dirs: [DirCount::default(); 2],
            vlans: d.vlans,
            tunnel: None,
            tcp,
        };
        let slot = match self.free.pop() {
            Some(slot) => {
                let gen = self.slots[slot as usize].gen;
                self.slots[slot as usize] = Flow { gen, ..flow };
                slot
            }
            None => {
                self.slots.push(flow);
                (self.slots.len() - 1) as u32
            }
        };
        let slots = &self.slots;
        let hasher = &self.hasher;
        self.index
            .insert_unique(hash, slot, |&i| hasher.hash_one(slots[i as usize].key));
        let f = &self.slots[slot as usize];
        let at_us = now_us.saturating_add(self.idle_timeout(f));
        self.idle.push(Reverse(Deadline {
            at_us,
            slot,
            gen: f.gen,
        }));
        self.live += 1;
        c.flows_created += 1;
        slot
    }

    /// Make room: end the live flow with the earliest idle deadline (closest to timing out
    /// anyway), or else the earliest lingering one.
    fn evict_oldest(&mut self, c: &mut Counters) {
        while let Some(Reverse(e)) = self.idle.pop() {
            let Some(f) = self.live_flow(e) else { continue };
            if f.closing.is_some() {
                continue; // the linger queue owns it
            }
            // Entries are refreshed lazily: re-queue one whose flow saw later packets, so the
            // flow evicted really is the one closest to its idle deadline.
            let due = f.last_us.saturating_add(self.idle_timeout(f));
            if due > e.at_us {
                self.idle.push(Reverse(Deadline { at_us: due, ..e }));
                continue;
            }
            c.flows_evicted += 1;
            self.finish(e.slot, EndReason::Evicted, c);
            return;
        }
        while let Some(Reverse(e)) = self.linger.pop() {
            if let Some(f) = self.live_flow(e) {
                // Already closed: it ends with its own fin/rst reason, counted as evicted.
                let reason = closing_reason(f).unwrap_or(EndReason::Evicted);
                c.flows_evicted += 1;
                self.finish(e.slot, reason, c);
                return;
            }
        }
    }

    fn apply(
        &mut self,
        mut slot: u32,
        hash: u64,
        side: Side,
        now_us: u64,
        d: &Decoded<'_>,
        c: &mut Counters,
    ) {
        // Interim record for long flows, with the state before this packet.
        let f = &self.slots[slot as usize];
        // `u64::MAX` means never: the schedule saturated at the end of time.
        if now_us >= f.next_active_us && f.next_active_us != u64::MAX && f.closing.is_none() {
            self.emit(slot, EndReason::Active, false, c);
            let active = self.opts.flow.active_timeout_us.max(1);
            let f = &mut self.slots[slot as usize];
            // The next multiple of `active` after `now` (first + k × active), computed, not
            // stepped to: a timestamp near the end of time must not loop.
            let periods = now_us.saturating_sub(f.first_us) / active + 1;
            f.next_active_us = f.first_us.saturating_add(periods.saturating_mul(active));
            if f.next_active_us <= now_us {
                f.next_active_us = u64::MAX; // saturated: no further interim records
            }
        }

        if let L4::Tcp(t) = d.l4 {
            let f = &self.slots[slot as usize];
            let dir = if side == f.client { Dir::C2S } else { Dir::S2C };
            let seg = Segment {
                ts: Timestamp(now_us),
                dir,
                seq: t.seq,
                ack: t.ack,
                flags: t.flags,
                window: t.window,
                payload_len: t.payload_len,
                timestamps: t.timestamps,
            };
            let verdict = match self.slots[slot as usize].tcp.as_mut() {
                Some(tcp) => tcp.update(&seg),
                None => Default::default(),
            };
            if verdict.new_connection {
                let f = &self.slots[slot as usize];
                let reason = closing_reason(f).unwrap_or(EndReason::Idle);
                let key = f.key;
                self.finish(slot, reason, c);
                slot = self.create(hash, key, side, now_us, d, c);
                if let Some(tcp) = self.slots[slot as usize].tcp.as_mut() {
                    let seg = Segment {
                        dir: Dir::C2S,
                        ..seg
                    };
                    tcp.update(&seg);
                }
            } else if let Some(close) = verdict.closed {
                let f = &mut self.slots[slot as usize];
                if f.closing.is_none() {
                    f.closing = Some(close);
                    f.close_us = now_us;
                    let at_us = now_us.saturating_add(self.opts.flow.close_linger_us);
                    self.linger.push(Reverse(Deadline {
                        at_us,
                        slot,
                        gen: f.gen,
                    }));
                }
            }
        }

        let f = &mut self.slots[slot as usize];
        let dir = if side == f.client { Dir::C2S } else { Dir::S2C };
        let count = &mut f.dirs[dir.index()];
        count.packets += 1;
        count.bytes += u64::from(d.ip.total_len);
        count.payload_bytes += u64::from(payload_len(d));
        f.last_us = f.last_us.max(now_us);
        if let Some(t) = d.tunnel {
            let tunnel = f.tunnel.get_or_insert_with(|| {
                Box::new(FlowTunnel {
                    kind: t.kind,
                    teid_up: None,
                    teid_down: None,
                    vni: t.vni,
                    key: t.key,
                    outer_client: t.outer_dst,
                    outer_server: t.outer_src,
                    outer_from_client: false,
                })
            });
            if dir == Dir::C2S && !tunnel.outer_from_client {
                // The outer addresses of a client→server packet name the tunnel's ends.
                tunnel.outer_client = t.outer_src;
                tunnel.outer_server = t.outer_dst;
                tunnel.outer_from_client = true;
            }
            if t.kind == TunnelKind::Gtpu && tunnel.kind == TunnelKind::Gtpu {
                let teid = match dir {
                    Dir::C2S => &mut tunnel.teid_up,
                    Dir::S2C => &mut tunnel.teid_down,
                };
                if teid.is_none() {
                    *teid = t.teid;
                }
            }
        }
    }

    /// Emit the final record of a flow and free its slot.
    fn finish(&mut self, slot: u32, reason: EndReason, c: &mut Counters) {
        self.emit(slot, reason, true, c);
        let f = &mut self.slots[slot as usize];
        let key = f.key;
        f.live = false;
        f.gen = f.gen.wrapping_add(1);
        f.tunnel = None;
        let hash = self.hasher.hash_one(key);
        if let Ok(entry) = self.index.find_entry(hash, |&i| i == slot) {
            entry.remove();
        }
        self.free.push(slot);
        self.live -= 1;
    }

    fn emit(&mut self, slot: u32, reason: EndReason, is_final: bool, c: &mut Counters) {
        c.flow_records += 1;
        if !self.opts.emit_records {
            return;
        }
        let f = &self.slots[slot as usize];
        let record = super::record::flow_record(f, reason, is_final, &self.opts);
        let key = RecordKey {
            first_us: f.first_us,
            flow: f.key,
            is_final,
        };
        let start = self.out.lines.len();
        // Serializing plain structs of strings and integers into a Vec cannot fail.
        if serde_json::to_writer(&mut self.out.lines, &record).is_ok() {
            let len = self.out.lines.len() - start;
            self.out.lines.push(b'\n');
            self.out.index.push((key, start as u32, len as u32));
        } else {
            self.out.lines.truncate(start);
        }
    }
}

fn closing_reason(f: &Flow) -> Option<EndReason> {
    f.closing.map(|close| match close {
        Close::Fin => EndReason::Fin,
        Close::Rst => EndReason::Rst,
    })
}

/// L4 payload length per DESIGN §3 / docs/FLOWS.md: TCP/UDP payload from the headers,
/// ICMP/ICMPv6 after the 8-byte header, SCTP after the 12-byte common header, else the IP
/// payload.
fn payload_len(d: &Decoded<'_>) -> u32 {
    match d.l4 {
        L4::Tcp(t) => t.payload_len,
        L4::Udp(u) => u.payload_len,
        L4::Icmp { .. } | L4::Icmpv6 { .. } => d.ip.l4_len.saturating_sub(8),
        L4::Sctp { .. } => d.ip.l4_len.saturating_sub(12),
        L4::Fragment(_) | L4::Other => d.ip.l4_len,
    }
}
