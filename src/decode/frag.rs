//! IPv4 and IPv6 fragment reassembly, per worker, with bounded memory and packet-time timeouts.
//!
//! A [`Reassembler`] owns every fragment a worker holds. It is single-threaded state (no locks,
//! no atomics), so it requires the dispatcher to send all fragments of a datagram to the same
//! worker (for fragments, hash the addresses only: non-first fragments carry no ports).
//!
//! **Key.** A datagram is identified by (source, destination, protocol, identification), as in
//! RFC 791 §3.2. IPv4 uses the 16-bit header id, IPv6 the 32-bit Fragment header id. The
//! addresses are [`IpAddr`]s, so an IPv4 and an IPv6 datagram never share a key. IPv6 keys also
//! include the protocol (the Fragment header's next header): RFC 8200 §4.5 allows the fragments
//! of one packet to carry different next headers, such a datagram never completes here and is
//! counted as a timeout. That keeps the protocol of the completing fragment, which the caller
//! uses to decode the datagram, the protocol of the whole datagram.
//!
//! **Storage.** Fragment data is copied at its datagram offset into fixed [`CHUNK_LEN`]-byte
//! chunks of one arena; a datagram maps each `CHUNK_LEN` window of its offsets to a chunk,
//! allocated when the first byte in that window arrives. Received ranges are kept as a sorted
//! list of disjoint, non-touching intervals. A datagram completes when its last fragment
//! (`more = false`) fixed its length and the intervals are exactly `[0, length)`; it is then
//! copied once into an output buffer that [`Reassembler::push`] lends until the next call.
//! Chunks, slots and buffers are recycled: after warm-up a fragment allocates nothing.
//!
//! **Bounds, at all times.**
//! - At most `max_datagrams` table entries (datagrams in progress plus tombstones, below).
//! - The arena never exceeds `max_bytes` rounded down to a multiple of [`CHUNK_LEN`]. This is a
//!   memory bound, not a data count: a datagram holding 8 bytes at offset 60000 uses one chunk.
//!   Besides the arena: the output buffer (≤ `max_datagram_len`), a chunk table of
//!   `max_datagram_len / CHUNK_LEN` (≤ 64) `u32`s per slot, and the interval lists: 8 bytes per
//!   received run; runs start at multiples of 8 and are separated by gaps of ≥ 8 bytes, so a
//!   list is at most about half the size of its datagram's chunks, and a recycled slot keeps at
//!   most 64 entries of capacity.
//! - No datagram ends beyond `max_datagram_len` (≤ [`MAX_DATAGRAM_LEN`]; IPv6 jumbograms are
//!   not supported).
//!
//! **Capacity policy: the oldest is evicted.** A new datagram that finds the table full evicts
//! the oldest entry (by creation order); a fragment that needs chunks beyond the byte bound
//! evicts the oldest other datagrams until it fits. The fragments of evicted datagrams count as
//! `frag_capacity`. Only when the datagram cannot fit even alone (or `max_datagrams` is 0) is
//! it refused: its fragments, this one included, count as `frag_capacity`.
//!
//! **What it refuses.** Every refused fragment is counted by reason ([`FragStats`]); a refusal
//! drops the whole datagram, because a datagram with one bad fragment cannot be decoded
//! correctly:
//! - overlapping fragments whose bytes differ (`frag_overlap`): a rewrite of received bytes,
//!   the teardrop / overlap evasion pattern. RFC 5722 requires this for IPv6; we do the same for
//!   IPv4. Overlaps with identical bytes are accepted, exact duplicates are ignored (counted as
//!   `duplicates`, not a drop);
//! - data beyond `max_datagram_len` (`frag_too_big`), e.g. an offset above 65535;
//! - a fragment whose data was not fully captured (snaplen) (`frag_truncated`);
//! - an offset that is not a multiple of 8, a non-last fragment whose length is not a positive
//!   multiple of 8, two last fragments with different ends, or data beyond the end a last
//!   fragment fixed (`frag_malformed`).
//!
//! After such a drop the key stays in the table as a *tombstone* (no data) until the timeout, so
//! the datagram's later fragments are counted under the same reason instead of starting a
//! datagram that could only time out (RFC 5722: discard fragments received after the overlap).
//! Tombstones never evict: one is only created while the table has room.
//!
//! **Time.** Only packet time. A datagram expires when `now` is more than `timeout_us` after its
//! first fragment's timestamp, in [`Reassembler::expire`] (which walks entries in creation
//! order and stops at the first one still young) or when a later fragment of it arrives. Its
//! held fragments count as `frag_timeout`.
//!
//! **Atomic fragments** (offset 0 and `more = false`, IPv6 RFC 6946) are returned at once (and
//! counted in `reassembled`); they never touch the table.

use std::net::IpAddr;

use hashbrown::HashMap;

use super::{FragmentInfo, IpInfo, IpProto};
use crate::time::Timestamp;

/// The largest datagram (fragmentable part) that can be reassembled: IPv4 total length and the
/// IPv6 payload length are 16-bit fields. Jumbograms (RFC 2675) are not supported.
pub const MAX_DATAGRAM_LEN: usize = 65_535;

/// Size of one storage chunk. Small enough that a stray fragment costs little, large enough
/// that a 64 KiB datagram needs only 64 chunk indices.
pub const CHUNK_LEN: usize = 1024;

/// Interval-list capacity a recycled slot keeps (a datagram sent in order needs one).
const KEEP_COVER: usize = 64;

/// "No slot / no chunk" in the `u32` index links.
const NIL: u32 = u32::MAX;

/// Reassembly limits. Every field is a hard bound (see the module docs).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FragConfig {
    /// Table entries: datagrams in progress plus tombstones. Default 4096.
    pub max_datagrams: usize,
    /// Bytes of fragment storage (rounded down to a multiple of [`CHUNK_LEN`]). Default 8 MiB.
    pub max_bytes: usize,
    /// Age (µs of packet time since the first fragment) after which an incomplete datagram is
    /// dropped. Default 30 s.
    pub timeout_us: u64,
    /// Largest datagram end (offset + length of the fragmentable part), capped at
    /// [`MAX_DATAGRAM_LEN`]. Default 65535.
    pub max_datagram_len: usize,
}

impl Default for FragConfig {
    fn default() -> Self {
        FragConfig {
            max_datagrams: 4096,
            max_bytes: 8 << 20,
            timeout_us: 30_000_000,
            max_datagram_len: MAX_DATAGRAM_LEN,
        }
    }
}

/// Reassembly counters of one worker; merged with `+=`.
///
/// Every fragment pushed is counted once in `fragments` and ends in exactly one of: a
/// reassembled datagram, `duplicates`, one `dropped_*` counter, or still held.
#[derive(Clone, Copy, Default, Debug, PartialEq, Eq)]
pub struct FragStats {
    /// Fragments pushed.
    pub fragments: u64,
    /// Datagrams completed (atomic fragments included).
    pub reassembled: u64,
    /// Fragments ignored because the same bytes were already held (not a drop).
    pub duplicates: u64,
    /// `frag_timeout`: fragments of datagrams that did not complete within the timeout.
    pub dropped_timeout: u64,
    /// `frag_overlap`: fragments of datagrams in which a fragment rewrote received bytes.
    pub dropped_overlap: u64,
    /// `frag_too_big`: fragments of datagrams with data beyond `max_datagram_len`.
    pub dropped_too_big: u64,
    /// `frag_truncated`: fragments of datagrams in which a fragment was not fully captured.
    pub dropped_truncated: u64,
    /// `frag_capacity`: fragments of datagrams evicted (oldest first) or refused because the
    /// table or the byte bound was full.
    pub dropped_capacity: u64,
    /// `frag_malformed`: fragments of datagrams with a misaligned offset or length, or
    /// inconsistent ends.
    pub dropped_malformed: u64,
}

impl FragStats {
    /// Number of drop reasons.
    pub const REASONS: usize = 6;

    /// Dropped fragments by reason, with stable names (exported in `stats` records).
    pub fn dropped_by_reason(&self) -> [(&'static str, u64); Self::REASONS] {
        [
            ("frag_timeout", self.dropped_timeout),
            ("frag_overlap", self.dropped_overlap),
            ("frag_too_big", self.dropped_too_big),
            ("frag_truncated", self.dropped_truncated),
            ("frag_capacity", self.dropped_capacity),
            ("frag_malformed", self.dropped_malformed),
        ]
    }

    /// All dropped fragments.
    pub fn dropped(&self) -> u64 {
        self.dropped_by_reason().iter().map(|&(_, n)| n).sum()
    }

    fn count(&mut self, reason: Cause, n: u64) {
        let c = match reason {
            Cause::Timeout => &mut self.dropped_timeout,
            Cause::Overlap => &mut self.dropped_overlap,
            Cause::TooBig => &mut self.dropped_too_big,
            Cause::Truncated => &mut self.dropped_truncated,
            Cause::Capacity => &mut self.dropped_capacity,
            Cause::Malformed => &mut self.dropped_malformed,
        };
        *c += n;
    }
}

impl std::ops::AddAssign for FragStats {
    fn add_assign(&mut self, o: Self) {
        self.fragments += o.fragments;
        self.reassembled += o.reassembled;
        self.duplicates += o.duplicates;
        self.dropped_timeout += o.dropped_timeout;
        self.dropped_overlap += o.dropped_overlap;
        self.dropped_too_big += o.dropped_too_big;
        self.dropped_truncated += o.dropped_truncated;
        self.dropped_capacity += o.dropped_capacity;
        self.dropped_malformed += o.dropped_malformed;
    }
}

/// Why a datagram was dropped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Cause {
    Timeout,
    Overlap,
    TooBig,
    Truncated,
    Capacity,
    Malformed,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
struct Key {
    src: IpAddr,
    dst: IpAddr,
    proto: IpProto,
    id: u32,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    Live,
    /// Dropped for this reason; later fragments are counted under it until the timeout.
    Dead(Cause),
}

/// One table entry. Slots are recycled with their vectors' capacity.
struct Slot {
    key: Key,
    first: Timestamp,
    state: State,
    /// Datagram length, once the last fragment was seen.
    end: Option<u32>,
    /// Fragments held (not duplicates).
    frags: u32,
    /// Received byte ranges `[start, end)`: sorted, disjoint and not touching.
    cover: Vec<(u32, u32)>,
    /// Chunk index for each `CHUNK_LEN` window of datagram offsets, `NIL` when none.
    chunks: Vec<u32>,
    /// Creation-order list.
    prev: u32,
    next: u32,
}

/// Fragment reassembly state of one worker. See the module docs for bounds and policies.
pub struct Reassembler {
    cfg: FragConfig,
    max_chunks: usize,
    map: HashMap<Key, u32, foldhash::fast::RandomState>,
    slots: Vec<Slot>,
    free_slots: Vec<u32>,
    /// Oldest and newest entry of the creation-order list.
    head: u32,
    tail: u32,
    arena: Vec<u8>,
    free_chunks: Vec<u32>,
    chunks_used: usize,
    live: usize,
    /// Fragments that ended in a reassembled datagram (for the conservation check).
    used_frags: u64,
    out: Vec<u8>,
    stats: FragStats,
}

impl Reassembler {
    pub fn new(mut cfg: FragConfig) -> Self {
        cfg.max_datagram_len = cfg.max_datagram_len.min(MAX_DATAGRAM_LEN);
        Reassembler {
            cfg,
            max_chunks: cfg.max_bytes / CHUNK_LEN,
            map: HashMap::with_capacity_and_hasher(
                cfg.max_datagrams.min(4096),
                foldhash::fast::RandomState::default(),
            ),
            slots: Vec::new(),
            free_slots: Vec::new(),
            head: NIL,
            tail: NIL,
            arena: Vec::new(),
            free_chunks: Vec::new(),
            chunks_used: 0,
            live: 0,
            used_frags: 0,
            out: Vec::new(),
            stats: FragStats::default(),
        }
    }

    /// Add one fragment (`ip` = the innermost IP header info of this fragment, `frag` = its
    /// fragment info). Returns the complete datagram payload (transport header onwards; its
    /// length is the whole datagram payload) when this fragment completes it. The returned
    /// slice is valid until the next call.
    pub fn push(&mut self, now: Timestamp, ip: &IpInfo, frag: &FragmentInfo<'_>) -> Option<&[u8]> {
        self.stats.fragments += 1;
        let key = Key {
            src: ip.src,
            dst: ip.dst,
            proto: frag.proto,
            id: frag.id,
        };
        let start = u64::from(frag.offset);
        let end = start + u64::from(frag.data_len);
        let data = usize::try_from(frag.data_len)
            .ok()
            .and_then(|n| frag.data.get(..n));
        let bad = if start % 8 != 0 || (frag.more && (frag.data_len == 0 || frag.data_len % 8 != 0))
        {
            Some(Cause::Malformed)
        } else if end > self.cfg.max_datagram_len as u64 {
            Some(Cause::TooBig)
        } else if data.is_none() {
            Some(Cause::Truncated)
        } else {
            None
        };

        if start == 0 && !frag.more {
            // Atomic fragment: processed in isolation (RFC 6946 §4).
            return match (bad, data) {
                (None, Some(data)) => {
                    self.stats.reassembled += 1;
                    self.used_frags += 1;
                    self.out.clear();
                    self.out.extend_from_slice(data);
                    Some(&self.out)
                }
                (reason, _) => {
                    self.stats.count(reason.unwrap_or(Cause::Truncated), 1);
                    None
                }
            };
        }

        let found = self.lookup_fresh(now, &key);
        let (Some(data), None) = (data, bad) else {
            self.reject(now, key, found, bad.unwrap_or(Cause::Truncated));
            return None;
        };
        // Both fit in u32: end <= max_datagram_len <= 65535.
        let (s, e) = (start as u32, end as u32);

        let i = match found {
            Some(i) => match self.slot(i).state {
                State::Dead(reason) => {
                    self.stats.count(reason, 1);
                    return None;
                }
                State::Live => i,
            },
            None => {
                if self.map.len() >= self.cfg.max_datagrams && !self.evict_oldest_except(NIL) {
                    self.stats.count(Cause::Capacity, 1);
                    return None;
                }
                self.new_slot(key, now, State::Live)
            }
        };

        if !self.insert(i, s, e, frag.more, data) {
            return None;
        }
        self.take_datagram(i).then_some(self.out.as_slice())
    }

    /// Add the fragment `[s, e)` to live entry `i`; true when the datagram is now complete.
    /// A fragment that breaks the datagram drops it (counted) and returns false.
    fn insert(&mut self, i: u32, s: u32, e: u32, more: bool, data: &[u8]) -> bool {
        // Consistency of the datagram's end.
        let slot = self.slot(i);
        let known_end = slot.end;
        let max_seen = slot.cover.last().map_or(0, |&(_, b)| b);
        let inconsistent = if more {
            known_end.is_some_and(|n| e > n)
        } else {
            known_end.is_some_and(|n| n != e) || max_seen > e
        };
        if inconsistent {
            self.kill(i, Cause::Malformed, 1);
            return false;
        }

        // Overlaps must repeat the received bytes exactly.
        let mut covered = s == e;
        let mut rewrite = false;
        let first = slot.cover.partition_point(|&(_, b)| b <= s);
        for &(a, b) in slot.cover.iter().skip(first).take_while(|&&(a, _)| a < e) {
            let (lo, hi) = (a.max(s), b.min(e));
            let new = data
                .get((lo - s) as usize..(hi - s) as usize)
                .unwrap_or_default();
            rewrite |= !arena_eq(&self.arena, &slot.chunks, lo as usize, new);
            covered |= a <= s && e <= b;
        }
        if rewrite {
            self.kill(i, Cause::Overlap, 1);
            return false;
        }
        if covered && (more || known_end.is_some()) {
            self.stats.duplicates += 1;
            return false;
        }

        if !covered {
            let needed = window(s, e)
                .filter(|&w| slot.chunks.get(w).is_some_and(|&c| c == NIL))
                .count();
            while self.chunks_used + needed > self.max_chunks {
                if !self.evict_oldest_except(i) {
                    let held = u64::from(self.slot(i).frags);
                    self.stats.count(Cause::Capacity, held + 1);
                    self.free_slot(i);
                    return false;
                }
            }
            self.store(i, s, data);
        }

        let Some(slot) = self.slots.get_mut(i as usize) else {
            return false;
        };
        if !more {
            slot.end = Some(e);
        }
        slot.frags += 1;
        slot.end.is_some_and(|n| slot.cover.as_slice() == [(0, n)])
    }

    /// Copy complete entry `i` into the output buffer and free it.
    fn take_datagram(&mut self, i: u32) -> bool {
        let Some(slot) = self.slots.get(i as usize) else {
            return false;
        };
        let n = slot.end.unwrap_or(0) as usize;
        self.out.clear();
        for (w, &c) in slot.chunks.iter().enumerate().take(n.div_ceil(CHUNK_LEN)) {
            let len = CHUNK_LEN.min(n - w * CHUNK_LEN);
            let at = c as usize * CHUNK_LEN;
            self.out
                .extend_from_slice(self.arena.get(at..at + len).unwrap_or_default());
        }
        self.stats.reassembled += 1;
        self.used_frags += u64::from(slot.frags);
        self.free_slot(i);
        true
    }

    /// Drop incomplete datagrams (and tombstones) whose first fragment is more than
    /// `timeout_us` older than `now`. Entries are visited in creation order, stopping at the
    /// first one that is still young.
    pub fn expire(&mut self, now: Timestamp) {
        while self.head != NIL {
            let i = self.head;
            if now.since(self.slot(i).first) <= self.cfg.timeout_us {
                break;
            }
            self.drop_entry(i, Cause::Timeout);
        }
    }

    /// When the entry created first expires (packet time), if any: the time from which
    /// [`expire`](Self::expire) has work to do.
    pub fn next_deadline(&self) -> Option<Timestamp> {
        (self.head != NIL).then(|| {
            self.slot(self.head)
                .first
                .plus_us(self.cfg.timeout_us.saturating_add(1))
        })
    }

    pub fn stats(&self) -> FragStats {
        self.stats
    }

    /// Datagrams in progress (tombstones excluded).
    pub fn held(&self) -> usize {
        self.live
    }

    /// Bytes of fragment storage in use (whole chunks), always `<= max_bytes`.
    pub fn held_bytes(&self) -> usize {
        self.chunks_used * CHUNK_LEN
    }

    fn slot(&self, i: u32) -> &Slot {
        // Indices come from the map and the list, which only hold allocated slots.
        &self.slots[i as usize]
    }

    /// The entry for `key`, after dropping it as a timeout if it is too old.
    fn lookup_fresh(&mut self, now: Timestamp, key: &Key) -> Option<u32> {
        let i = *self.map.get(key)?;
        if now.since(self.slot(i).first) > self.cfg.timeout_us {
            self.drop_entry(i, Cause::Timeout);
            return None;
        }
        Some(i)
    }

    /// A bad fragment: drop its datagram (or count it under its own reason against a
    /// tombstone), and leave a tombstone if there is room.
    fn reject(&mut self, now: Timestamp, key: Key, found: Option<u32>, reason: Cause) {
        match found {
            Some(i) if self.slot(i).state == State::Live => self.kill(i, reason, 1),
            Some(_) => self.stats.count(reason, 1),
            None => {
                self.stats.count(reason, 1);
                if self.map.len() < self.cfg.max_datagrams {
                    self.new_slot(key, now, State::Dead(reason));
                }
            }
        }
    }

    /// Drop a live datagram for `reason`, counting its fragments plus `extra`, and turn it into
    /// a tombstone.
    fn kill(&mut self, i: u32, reason: Cause, extra: u64) {
        let held = u64::from(self.slot(i).frags);
        self.stats.count(reason, held + extra);
        self.release_data(i);
        if let Some(slot) = self.slots.get_mut(i as usize) {
            slot.state = State::Dead(reason);
        }
        self.live -= 1;
    }

    /// Remove an entry; a live one's fragments count under `reason`.
    fn drop_entry(&mut self, i: u32, reason: Cause) {
        if self.slot(i).state == State::Live {
            let held = u64::from(self.slot(i).frags);
            self.stats.count(reason, held);
        }
        self.free_slot(i);
    }

    /// Evict the oldest entry other than `keep`; false when there is none.
    fn evict_oldest_except(&mut self, keep: u32) -> bool {
        let mut j = self.head;
        if j == keep && j != NIL {
            j = self.slot(j).next;
        }
        if j == NIL {
            return false;
        }
        self.drop_entry(j, Cause::Capacity);
        true
    }

    fn new_slot(&mut self, key: Key, now: Timestamp, state: State) -> u32 {
        let windows = self.cfg.max_datagram_len.div_ceil(CHUNK_LEN);
        let slot = Slot {
            key,
            first: now,
            state,
            end: None,
            frags: 0,
            cover: Vec::new(),
            chunks: Vec::new(),
            prev: self.tail,
            next: NIL,
        };
        let i = match self.free_slots.pop() {
            Some(i) => {
                let old = &mut self.slots[i as usize];
                let (cover, chunks) = (
                    std::mem::take(&mut old.cover),
                    std::mem::take(&mut old.chunks),
                );
                *old = Slot {
                    cover,
                    chunks,
                    ..slot
                };
                i
            }
            None => {
                self.slots.push(Slot {
                    chunks: vec![NIL; windows],
                    ..slot
                });
                (self.slots.len() - 1) as u32
            }
        };
        match self.slots.get_mut(self.tail as usize) {
            Some(t) => t.next = i,
            None => self.head = i,
        }
        self.tail = i;
        self.map.insert(key, i);
        if state == State::Live {
            self.live += 1;
        }
        i
    }

    /// Return an entry's chunks to the pool and forget its ranges.
    fn release_data(&mut self, i: u32) {
        let Some(slot) = self.slots.get_mut(i as usize) else {
            return;
        };
        for c in slot.chunks.iter_mut().filter(|c| **c != NIL) {
            self.free_chunks.push(*c);
            self.chunks_used -= 1;
            *c = NIL;
        }
        slot.cover.clear();
        // A pathological datagram may have left a long list: keep a bounded capacity.
        slot.cover.shrink_to(KEEP_COVER);
        slot.end = None;
        slot.frags = 0;
    }

    /// Remove an entry from the map and the list and recycle its slot.
    fn free_slot(&mut self, i: u32) {
        self.release_data(i);
        let (key, prev, next, live) = {
            let s = self.slot(i);
            (s.key, s.prev, s.next, s.state == State::Live)
        };
        self.map.remove(&key);
        match self.slots.get_mut(prev as usize) {
            Some(p) => p.next = next,
            None => self.head = next,
        }
        match self.slots.get_mut(next as usize) {
            Some(n) => n.prev = prev,
            None => self.tail = prev,
        }
        if live {
            self.live -= 1;
        }
        self.free_slots.push(i);
    }

    /// Copy `data` to offset `s` of entry `i`, allocating chunks (the caller checked the
    /// bound), and add the range to its cover.
    fn store(&mut self, i: u32, s: u32, data: &[u8]) {
        let e = s + data.len() as u32;
        let Some(slot) = self.slots.get_mut(i as usize) else {
            return;
        };
        for w in window(s, e) {
            let Some(c) = slot.chunks.get_mut(w) else {
                continue;
            };
            if *c == NIL {
                *c = match self.free_chunks.pop() {
                    Some(free) => free,
                    None => {
                        self.arena.resize(self.arena.len() + CHUNK_LEN, 0);
                        (self.arena.len() / CHUNK_LEN - 1) as u32
                    }
                };
                self.chunks_used += 1;
            }
        }
        let (mut pos, mut rest) = (s as usize, data);
        while !rest.is_empty() {
            let (w, off) = (pos / CHUNK_LEN, pos % CHUNK_LEN);
            let n = rest.len().min(CHUNK_LEN - off);
            let at = slot.chunks.get(w).copied().unwrap_or(NIL) as usize * CHUNK_LEN + off;
            if let (Some(dst), Some(src)) = (self.arena.get_mut(at..at + n), rest.get(..n)) {
                dst.copy_from_slice(src);
            }
            rest = rest.get(n..).unwrap_or_default();
            pos += n;
        }
        add_range(&mut slot.cover, s, e);
    }
}

/// Chunk windows touched by `[s, e)` (empty when `s == e`).
fn window(s: u32, e: u32) -> std::ops::Range<usize> {
    if s >= e {
        return 0..0;
    }
    s as usize / CHUNK_LEN..(e as usize - 1) / CHUNK_LEN + 1
}

/// Whether the stored bytes at datagram offset `pos` equal `data` (all chunks allocated).
fn arena_eq(arena: &[u8], chunks: &[u32], mut pos: usize, mut data: &[u8]) -> bool {
    while !data.is_empty() {
        let (w, off) = (pos / CHUNK_LEN, pos % CHUNK_LEN);
        let n = data.len().min(CHUNK_LEN - off);
        let Some(&c) = chunks.get(w) else {
            return false;
        };
        let at = c as usize * CHUNK_LEN + off;
        if arena.get(at..at + n) != data.get(..n) {
            return false;
        }
        data = data.get(n..).unwrap_or_default();
        pos += n;
    }
    true
}

/// Add `[s, e)` to a sorted list of disjoint, non-touching ranges, merging what it touches.
fn add_range(cover: &mut Vec<(u32, u32)>, s: u32, e: u32) {
    let i = cover.partition_point(|&(_, b)| b < s);
    let j = cover.partition_point(|&(a, _)| a <= e);
    if i >= j {
        cover.insert(i, (s, e));
        return;
    }
    let last_end = cover.get(j - 1).map_or(e, |&(_, b)| b);
    if let Some(first) = cover.get_mut(i) {
        *first = (first.0.min(s), last_end.max(e));
    }
    cover.drain(i + 1..j);
}

#[cfg(test)]
mod tests;
