//! Names that DNS answers gave to addresses, for the `service` of later flows.
//!
//! DESIGN §3/issue 3: a flow that announced no host itself (no SNI, no HTTP Host) takes the
//! service of "the name a DNS answer gave for the server address earlier in packet time". The
//! DNS flow and the flow it named usually sit on different workers, so the lookup runs in the
//! merger, which sees every record in output order for any worker count: a DNS record (keyed by
//! its query time) that answered before a flow's first packet is always written before that
//! flow's records, in an earlier tick or earlier in the same tick. The result is therefore the
//! same for any worker count and batch size.
//!
//! Bounded: at most [`MAX_ADDRS`] addresses (the oldest first-seen address is forgotten first)
//! and [`NAMES_PER_ADDR`] latest names per address.

use std::collections::{HashMap, VecDeque};
use std::net::IpAddr;
use std::rc::Rc;

/// Addresses remembered (1 M addresses ≈ 100 MB at worst; a probe sees far fewer servers).
pub const MAX_ADDRS: usize = 1 << 20;
/// Names kept per address (CDN addresses serve many names; the latest few are the relevant).
pub const NAMES_PER_ADDR: usize = 4;

#[derive(Debug, Default)]
pub struct DnsNames {
    by_addr: HashMap<IpAddr, Vec<(u64, Rc<str>)>>,
    order: VecDeque<IpAddr>,
}

impl DnsNames {
    /// At `resp_us` a DNS answer gave `name` for each of `addrs`.
    pub fn answer(&mut self, resp_us: u64, name: &str, addrs: &[IpAddr]) {
        if name.is_empty() {
            return;
        }
        let name: Rc<str> = Rc::from(name);
        for &addr in addrs {
            let names = self.by_addr.entry(addr).or_insert_with(|| {
                self.order.push_back(addr);
                Vec::new()
            });
            if names.len() >= NAMES_PER_ADDR {
                names.remove(0);
            }
            names.push((resp_us, name.clone()));
        }
        while self.order.len() > MAX_ADDRS {
            if let Some(old) = self.order.pop_front() {
                self.by_addr.remove(&old);
            }
        }
    }

    /// The latest name an answer before `before_us` gave for `addr`.
    pub fn lookup(&self, addr: IpAddr, before_us: u64) -> Option<&str> {
        self.by_addr
            .get(&addr)?
            .iter()
            .rev()
            .find(|(t, _)| *t < before_us)
            .map(|(_, n)| &**n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn latest_answer_before_the_flow() {
        let a: IpAddr = "192.0.2.1".parse().unwrap();
        let mut names = DnsNames::default();
        names.answer(10, "one.example", &[a]);
        names.answer(20, "two.example", &[a]);
        assert_eq!(names.lookup(a, 5), None);
        assert_eq!(names.lookup(a, 15), Some("one.example"));
        assert_eq!(names.lookup(a, 20), Some("one.example"));
        assert_eq!(names.lookup(a, 21), Some("two.example"));
        for i in 0..10 {
            names.answer(30 + i, "x.example", &[a]);
        }
        assert_eq!(names.by_addr[&a].len(), NAMES_PER_ADDR);
    }
}
