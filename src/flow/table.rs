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

use crate::app::flow::{AppConfig, AppFlow, TcpStart};
use crate::app::service::ServiceRules;
use crate::app::stream::TcpBytes;
use crate::app::{AppOut, Txn};
use crate::config::{Cidr, FlowConfig};
use crate::decode::{Decoded, IpProto, TunnelKind, Vlans, L4};
use crate::flow::key::{FlowKey, Side};
use crate::flow::tcp::{Close, Segment, TcpTracker};
use crate::flow::Dir;
use crate::subscriber::bindings::{Bindings, BindingsConfig};
use crate::subscriber::rollup::{Rollup, SubKey};
use crate::subscriber::summary::Partial;
use crate::telemetry::Counters;
use crate::time::Timestamp;

mod subscribers;
use subscribers::SegmentSamples;
pub use subscribers::{is_control, is_control_port};

/// [`Flow::svc`] of a flow without a service slot.
const NO_SERVICE: u16 = u16::MAX;

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
#[derive(Debug)]
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
    /// App parser state (DNS, HTTP, TLS, QUIC), for flows that have one.
    pub(super) app: Option<Box<AppFlow>>,
    /// The app of this flow was decided (TCP: at its first payload).
    pub(super) app_checked: bool,
    /// Direction from the subscriber's side (`up`).
    pub(super) sub_up: Dir,
    /// Index of the flow's service in its subscriber slot, or [`NO_SERVICE`].
    pub(super) svc: u16,
    /// The flow's subscriber slot in the table's rollup, valid while `sub_stamp` is the
    /// table's stamp (see `subscriber::rollup`); `u32::MAX` before the first resolution.
    pub(super) sub: u32,
    pub(super) sub_stamp: u32,
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

/// One emitted record: its order key, its line's byte range in [`Output::lines`] (empty when
/// the record type is not written but its side data matters) and its side data.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Entry {
    pub key: RecordKey,
    pub start: u32,
    pub len: u32,
    /// Index into [`Output::extras`], or `NO_EXTRA`.
    pub extra: u32,
}

/// [`Entry::extra`] of an entry without side data.
pub const NO_EXTRA: u32 = u32::MAX;

/// Side data the merger needs to name services from DNS answers (DESIGN §3 `service`): it
/// sees every record in output order, whatever worker wrote it, so names found there are the
/// same for any worker count.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Extra {
    /// A flow record whose `service` is still `null` at byte `at` of its line: the merger
    /// fills it with the name a DNS answer gave for `server` before the flow began.
    ServiceLookup { server: IpAddr, at: u32 },
    /// A DNS answer: at `resp_us` (the response's time), `name` resolved to `addrs`.
    Answer {
        resp_us: u64,
        name: String,
        addrs: Vec<IpAddr>,
    },
}

/// A summary interval of packet time, `[start_us, end_us)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Interval {
    pub start_us: u64,
    pub end_us: u64,
}

/// Records emitted by a table: NDJSON lines and, per line, its key and byte range; and, when
/// an interval closed, the subscriber partials of that interval.
#[derive(Debug, Default)]
pub struct Output {
    pub lines: Vec<u8>,
    pub index: Vec<Entry>,
    pub extras: Vec<Extra>,
    /// Subscriber partials of the interval that closed (`interval`), by subscriber id.
    pub subscribers: Vec<(String, Partial)>,
    pub interval: Option<Interval>,
}

impl Output {
    /// The line of entry `i` (without its newline).
    pub fn line(&self, i: usize) -> &[u8] {
        let e = self.index[i];
        &self.lines[e.start as usize..(e.start + e.len) as usize]
    }

    /// The side data of entry `i`.
    pub fn extra(&self, i: usize) -> Option<&Extra> {
        self.extras.get(self.index[i].extra as usize)
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
        self.index.sort_by_key(|e| e.key);
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
    pub app: AppOptions,
    /// Static subscriber map (`--subscribers FILE`): names the subscriber of a flow.
    pub static_map: Option<std::sync::Arc<crate::subscriber::static_map::StaticMap>>,
    /// GTPv2-C / RADIUS binding settings.
    pub bindings: BindingsConfig,
    /// Downstream payload a TCP flow needs for a goodput sample (`throughput.min_bytes`).
    pub throughput_min_bytes: u64,
}

/// App-parser settings of a table.
#[derive(Clone, Debug)]
pub struct AppOptions {
    pub config: AppConfig,
    pub services: std::sync::Arc<ServiceRules>,
    /// Write `dns` / `http` / `tls` records (`--records`).
    pub dns_records: bool,
    pub http_records: bool,
    pub tls_records: bool,
}

impl Default for AppOptions {
    fn default() -> Self {
        Self {
            config: AppConfig::default(),
            services: std::sync::Arc::new(ServiceRules::defaults()),
            dns_records: true,
            http_records: true,
            tls_records: true,
        }
    }
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
    /// App deadlines (DNS timeouts), earliest first (lazy like `idle`).
    app_deadlines: BinaryHeap<Reverse<Deadline>>,
    /// Transactions the app parsers finished, waiting to be written (scratch, reused).
    txns: Vec<Txn>,
    /// Records emitted since the last [`FlowTable::take_output`].
    out: Output,
    /// Identities learned from GTPv2-C and RADIUS (identical in every worker).
    bindings: Bindings,
    bind_gen: u64,
    /// Per-subscriber partials of the open interval.
    rollup: Rollup,
    /// Moves when a binding changes or an interval closes: a flow whose `sub_stamp` differs
    /// resolves its subscriber again.
    stamp: u32,
    /// The stamp at the last interval close: cached slot indexes older than it are void.
    epoch_stamp: u32,
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
            app_deadlines: BinaryHeap::new(),
            txns: Vec::new(),
            out: Output::default(),
            bindings: Bindings::new(opts.bindings.clone()),
            bind_gen: 0,
            rollup: Rollup::default(),
            stamp: 1,
            epoch_stamp: 1,
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
            ..Output::default()
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
        while let Some(&Reverse(e)) = self.app_deadlines.peek() {
            if e.at_us > now_us {
                break;
            }
            self.app_deadlines.pop();
            let Some(f) = self.live_flow(e) else { continue };
            if f.app.as_ref().and_then(|a| a.queued_deadline) != Some(e.at_us) {
                continue; // superseded by an earlier entry
            }
            let f = &mut self.slots[e.slot as usize];
            if let Some(app) = f.app.as_mut() {
                app.queued_deadline = None;
                let mut out = AppOut {
                    txns: &mut self.txns,
                    counters: &mut c.app,
                };
                app.expire(now, &mut out);
            }
            self.after_app(e.slot);
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

    /// End of input, before [`FlowTable::flush`]: let every flow's app parser emit what is
    /// pending (in flow order; [`FlowTable::take_output`] sorts the records).
    pub fn finish_apps(&mut self, c: &mut Counters) {
        for slot in 0..self.slots.len() as u32 {
            let live = self.slots[slot as usize].live;
            if live {
                self.finish_app(slot, c);
            }
        }
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
        self.app_deadlines.clear();
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
            app: match d.l4 {
                L4::Udp(u) => {
                    let ports = (key.lo_port, key.hi_port);
                    AppFlow::udp(&self.opts.app.config, ports, u.payload)
                }
                _ => None,
            },
            app_checked: !matches!(d.l4, L4::Tcp(_)),
            sub_up: Dir::C2S,
            svc: NO_SERVICE,
            sub: u32::MAX,
            sub_stamp: 0,
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

        let mut samples = SegmentSamples::default();
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
                Some(tcp) => tcp.update_with(&seg, |us| samples.push(us)),
                None => Default::default(),
            };
            samples.events = verdict.events;
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
                    samples = SegmentSamples::default();
                    let events = tcp.update_with(&seg, |us| samples.push(us)).events;
                    samples.events = events;
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
        self.count_for_subscriber(slot, dir, u64::from(d.ip.total_len), &samples);
        let f = &self.slots[slot as usize];
        if f.app.is_some() || !f.app_checked {
            self.app_packet(slot, now_us, dir, d, c);
            if self.slots[slot as usize].svc == NO_SERVICE {
                self.attach_service(slot);
            }
        }
    }

    /// Hand a packet's payload to the flow's app parser (deciding the app of a TCP flow at
    /// its first payload).
    fn app_packet(&mut self, slot: u32, now_us: u64, dir: Dir, d: &Decoded<'_>, c: &mut Counters) {
        let ts = Timestamp(now_us);
        let f = &mut self.slots[slot as usize];
        match d.l4 {
            L4::Tcp(t) => {
                if !f.app_checked {
                    if t.payload_len == 0 {
                        return;
                    }
                    f.app_checked = true;
                    let isn = |dir| {
                        f.tcp
                            .as_ref()
                            .and_then(|tcp| tcp.isn(dir))
                            .map(|isn: u32| isn.wrapping_add(1))
                    };
                    let next = (isn(Dir::C2S), isn(Dir::S2C));
                    let server = f.client.other();
                    let start = t.seq.wrapping_add(u32::from(t.flags.syn()));
                    match AppFlow::tcp(
                        &self.opts.app.config,
                        f.key.port(f.client),
                        f.key.port(server),
                        dir,
                        start,
                        t.payload,
                        next,
                    ) {
                        TcpStart::App(app) => f.app = Some(app),
                        TcpStart::NotApp(Some(reason)) => c.app.error(reason),
                        TcpStart::NotApp(None) => {}
                    }
                }
                let Some(app) = f.app.as_mut() else { return };
                let mut out = AppOut {
                    txns: &mut self.txns,
                    counters: &mut c.app,
                };
                let seg = TcpBytes {
                    ts,
                    dir,
                    seq: t.seq,
                    syn: t.flags.syn(),
                    data: t.payload,
                    wire_len: t.payload_len,
                };
                app.segment(seg, &mut out);
            }
            L4::Udp(u) => {
                let Some(app) = f.app.as_mut() else { return };
                let mut out = AppOut {
                    txns: &mut self.txns,
                    counters: &mut c.app,
                };
                app.datagram(ts, dir, u.payload, &mut out);
            }
            _ => return,
        }
        self.after_app(slot);
    }

    /// Write the transactions the app parser of `slot` just finished, and queue its next
    /// deadline.
    fn after_app(&mut self, slot: u32) {
        let f = &mut self.slots[slot as usize];
        if let Some(app) = f.app.as_mut() {
            if let Some(at_us) = app.next_deadline_us() {
                if app.queued_deadline.is_none_or(|q| at_us < q) {
                    app.queued_deadline = Some(at_us);
                    self.app_deadlines.push(Reverse(Deadline {
                        at_us,
                        slot,
                        gen: f.gen,
                    }));
                }
            }
        }
        if self.txns.is_empty() {
            return;
        }
        let mut txns = std::mem::take(&mut self.txns);
        for txn in txns.drain(..) {
            self.emit_txn(slot, txn);
        }
        self.txns = txns;
    }

    /// Write one transaction record (`dns`, `http`, `tls`) of the flow in `slot`.
    fn emit_txn(&mut self, slot: u32, mut txn: Txn) {
        self.txn_for_subscriber(slot, &txn);
        let mut sub = self.sub_key(slot);
        let f = &self.slots[slot as usize];
        if let (Txn::Dns(dns), SubKey::Ip(ip)) = (&txn, &sub) {
            // A flow first seen with a response took the responder for its client: by the
            // address fallback, a DNS record's subscriber is the query's sender.
            let querier = match dns.query_dir {
                Dir::C2S => f.client,
                Dir::S2C => f.client.other(),
            };
            let querier = f.key.addr(querier);
            if *ip != querier && !self.opts.home_nets.iter().any(|n| n.contains(*ip)) {
                sub = SubKey::Ip(querier);
            }
        }
        let key = RecordKey {
            first_us: txn.ts_us(),
            flow: f.key,
            is_final: false,
        };
        let write = match txn {
            Txn::Dns(_) => self.opts.app.dns_records,
            Txn::Http(_) => self.opts.app.http_records,
            Txn::Tls(_) => self.opts.app.tls_records,
        };
        let start = self.out.lines.len();
        let mut len = 0;
        if write {
            let record = super::record::txn_record(f, &txn, &self.opts, sub.as_record());
            if serde_json::to_writer(&mut self.out.lines, &record).is_ok() {
                len = self.out.lines.len() - start;
                self.out.lines.push(b'\n');
            } else {
                self.out.lines.truncate(start);
            }
        }
        let mut extra = NO_EXTRA;
        if let Txn::Dns(dns) = &mut txn {
            if let (Some(latency), false) = (dns.latency_us, dns.addrs.is_empty()) {
                extra = self.out.extras.len() as u32;
                // The record is written: its name and addresses move to the merger.
                self.out.extras.push(Extra::Answer {
                    resp_us: dns.ts_us.saturating_add(latency),
                    name: std::mem::take(&mut dns.qname),
                    addrs: std::mem::take(&mut dns.addrs),
                });
            }
        }
        if len > 0 || extra != NO_EXTRA {
            self.out.index.push(Entry {
                key,
                start: start as u32,
                len: len as u32,
                extra,
            });
        }
    }

    /// Let the app parser of `slot` emit what is pending (once: later calls do nothing).
    fn finish_app(&mut self, slot: u32, c: &mut Counters) {
        let f = &mut self.slots[slot as usize];
        if let Some(app) = f.app.as_mut() {
            let mut out = AppOut {
                txns: &mut self.txns,
                counters: &mut c.app,
            };
            app.finish(Timestamp(f.last_us), &mut out);
            self.after_app(slot);
        }
    }

    /// Emit the final record of a flow and free its slot.
    fn finish(&mut self, slot: u32, reason: EndReason, c: &mut Counters) {
        self.finish_app(slot, c);
        self.final_for_subscriber(slot);
        self.emit(slot, reason, true, c);
        let f = &mut self.slots[slot as usize];
        let key = f.key;
        f.live = false;
        f.gen = f.gen.wrapping_add(1);
        f.tunnel = None;
        f.app = None;
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
        let sub = self.sub_key(slot);
        let f = &self.slots[slot as usize];
        let record = super::record::flow_record(f, reason, is_final, &self.opts, sub.as_record());
        let key = RecordKey {
            first_us: f.first_us,
            flow: f.key,
            is_final,
        };
        let lookup = record.service.is_none() && record.app != Some("dns");
        let server = f.key.addr(f.client.other());
        let start = self.out.lines.len();
        // Serializing plain structs of strings and integers into a Vec cannot fail.
        if serde_json::to_writer(&mut self.out.lines, &record).is_ok() {
            let len = self.out.lines.len() - start;
            self.out.lines.push(b'\n');
            let mut extra = NO_EXTRA;
            if lookup {
                // `"service":null` occurs once: it is a key, and JSON strings escape quotes.
                const NEEDLE: &[u8] = b"\"service\":null";
                let line = &self.out.lines[start..start + len];
                if let Some(i) = memchr::memmem::find(line, NEEDLE) {
                    extra = self.out.extras.len() as u32;
                    self.out.extras.push(Extra::ServiceLookup {
                        server,
                        at: (i + NEEDLE.len() - 4) as u32,
                    });
                }
            }
            self.out.index.push(Entry {
                key,
                start: start as u32,
                len: len as u32,
                extra,
            });
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
