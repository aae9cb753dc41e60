//! A worker's subscriber partials for the open interval (DESIGN §1, §3 `subscriber`).
//!
//! The flow table attributes every packet, latency sample and transaction to a subscriber
//! slot here; at an interval boundary the worker drains the slots and hands them to the
//! merger, which merges the partials of all workers by subscriber id.
//!
//! A flow caches its slot index together with the table's *stamp*; the stamp moves whenever
//! the identity bindings change or an interval closes, and a flow whose cached stamp is old
//! resolves its subscriber again before its next packet is counted. So a control-plane
//! message applies from the very next user-plane packet on, at the cost of one integer
//! compare per packet while nothing changes.

use std::hash::BuildHasher;
use std::net::IpAddr;
use std::sync::Arc;

use hashbrown::HashTable;

use super::bindings::Identity;
use super::summary::{Partial, ServiceBytes};

/// Who traffic is attributed to: a learned or mapped subscriber id, or the `ip:` fallback.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum SubKey {
    /// A subscriber id as written (`imsi:…`, `msisdn:…`, `user:…`, or a static-map name).
    Id(Arc<str>),
    /// Fallback `ip:<address>` (DESIGN §5).
    Ip(IpAddr),
}

impl SubKey {
    /// The `subscriber` field of flow and transaction records.
    pub fn as_record(&self) -> crate::export::record::SubscriberId<'_> {
        match self {
            SubKey::Id(s) => crate::export::record::SubscriberId::Named(s),
            SubKey::Ip(ip) => crate::export::record::SubscriberId::Ip(*ip),
        }
    }

    /// The id as written in records.
    pub fn id(&self) -> String {
        match self {
            SubKey::Id(s) => s.to_string(),
            SubKey::Ip(ip) => format!("ip:{ip}"),
        }
    }
}

/// What resolving a flow's subscriber found.
#[derive(Clone, Debug)]
pub struct Resolved {
    pub key: SubKey,
    /// The learned identity (GTP or RADIUS), if any.
    pub identity: Option<Arc<Identity>>,
    /// The subscriber-side address of the flow (none for a control-plane event).
    pub ip: Option<IpAddr>,
    /// The static map's segment of that address.
    pub segment: Option<Arc<str>>,
}

/// One subscriber's slot: its partial, and bytes per service name kept as a small vector
/// (looked up by the flows that cache an index into it; turned into the partial's map when
/// the interval closes).
#[derive(Debug)]
pub struct Slot {
    pub key: SubKey,
    pub partial: Partial,
    pub services: Vec<(Arc<str>, ServiceBytes)>,
}

impl Slot {
    /// Index of `name` in [`Slot::services`], added if new.
    pub fn service(&mut self, name: &str) -> u16 {
        if let Some(i) = self.services.iter().position(|(n, _)| &**n == name) {
            return i as u16;
        }
        if self.services.len() >= usize::from(u16::MAX) {
            return u16::MAX;
        }
        self.services
            .push((Arc::from(name), ServiceBytes::default()));
        (self.services.len() - 1) as u16
    }
}

/// The partials of one worker for the open interval.
pub struct Rollup {
    index: HashTable<u32>,
    hasher: foldhash::fast::FixedState,
    pub slots: Vec<Slot>,
}

impl Default for Rollup {
    fn default() -> Self {
        Self {
            index: HashTable::new(),
            hasher: foldhash::fast::FixedState::with_seed(0x7375_6273),
            slots: Vec::new(),
        }
    }
}

impl Rollup {
    /// The slot of `r.key`, created (with the identity fields filled) if new in this
    /// interval; identity fields are refreshed from a learned identity each time (the latest
    /// binding wins, e.g. a new cell after a handover).
    pub fn slot(&mut self, r: &Resolved) -> u32 {
        let hash = self.hasher.hash_one(&r.key);
        let slots = &self.slots;
        let idx = match self
            .index
            .find(hash, |&i| slots[i as usize].key == r.key)
            .copied()
        {
            Some(i) => i,
            None => {
                let i = self.slots.len() as u32;
                self.slots.push(Slot {
                    key: r.key.clone(),
                    partial: Partial::default(),
                    services: Vec::new(),
                });
                let slots = &self.slots;
                self.index
                    .insert_unique(hash, i, |&j| self.hasher.hash_one(&slots[j as usize].key));
                i
            }
        };
        let p = &mut self.slots[idx as usize].partial;
        if let Some(ip) = r.ip {
            p.ips.insert(ip);
        }
        if r.segment.is_some() {
            p.segment.clone_from(&r.segment);
        }
        if let Some(id) = &r.identity {
            for (dst, src) in [
                (&mut p.imsi, &id.imsi),
                (&mut p.msisdn, &id.msisdn),
                (&mut p.apn, &id.apn),
                (&mut p.cell, &id.cell),
            ] {
                if src.is_some() {
                    dst.clone_from(src);
                }
            }
        }
        idx
    }

    /// Close the interval: every subscriber's id and partial (services folded in), in no
    /// particular order (the merger sorts). Slots are gone afterwards: flows must resolve
    /// again (the caller moves the stamp).
    pub fn drain(&mut self) -> Vec<(String, Partial)> {
        self.index.clear();
        self.slots
            .drain(..)
            .map(|mut s| {
                for (name, bytes) in s.services {
                    let e = s.partial.services.entry(name).or_default();
                    e.up_bytes += bytes.up_bytes;
                    e.down_bytes += bytes.down_bytes;
                }
                (s.key.id(), s.partial)
            })
            .collect()
    }

    pub fn len(&self) -> usize {
        self.slots.len()
    }

    pub fn is_empty(&self) -> bool {
        self.slots.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resolved(key: SubKey, ip: &str) -> Resolved {
        Resolved {
            key,
            identity: None,
            ip: Some(ip.parse().unwrap()),
            segment: None,
        }
    }

    #[test]
    fn same_key_same_slot_and_drain_folds_services() {
        let mut r = Rollup::default();
        let a = r.slot(&resolved(
            SubKey::Ip("10.0.0.1".parse().unwrap()),
            "10.0.0.1",
        ));
        let b = r.slot(&resolved(SubKey::Id(Arc::from("imsi:1")), "10.0.0.2"));
        assert_eq!(
            a,
            r.slot(&resolved(
                SubKey::Ip("10.0.0.1".parse().unwrap()),
                "10.0.0.1"
            ))
        );
        assert_ne!(a, b);
        let s = &mut r.slots[b as usize];
        let yt = s.service("youtube");
        assert_eq!(yt, s.service("youtube"));
        s.services[yt as usize].1.down_bytes += 100;
        let mut out = r.drain();
        out.sort_by(|x, y| x.0.cmp(&y.0));
        assert_eq!(out[0].0, "imsi:1");
        assert_eq!(out[0].1.services[&Arc::from("youtube")].down_bytes, 100);
        assert_eq!(out[1].0, "ip:10.0.0.1");
        assert!(r.is_empty());
    }
}
