//! IPv4 and IPv6 fragment reassembly. (Skeleton: replaced by the real implementation.)
use super::{FragmentInfo, IpInfo};
use crate::time::Timestamp;

#[derive(Clone, Copy, Debug)]
pub struct FragConfig {
    pub max_datagrams: usize,
    pub max_bytes: usize,
    pub timeout_us: u64,
    pub max_datagram_len: usize,
}

#[derive(Clone, Copy, Default, Debug, PartialEq, Eq)]
pub struct FragStats {
    pub fragments: u64,
    pub reassembled: u64,
}
impl FragStats {
    pub fn dropped_by_reason(&self) -> [(&'static str, u64); 0] {
        []
    }
}
impl std::ops::AddAssign for FragStats {
    fn add_assign(&mut self, o: Self) {
        self.fragments += o.fragments;
        self.reassembled += o.reassembled;
    }
}
pub struct Reassembler {
    stats: FragStats,
}
impl Reassembler {
    pub fn new(_cfg: FragConfig) -> Self {
        Self {
            stats: FragStats::default(),
        }
    }
    pub fn push(
        &mut self,
        _now: Timestamp,
        _ip: &IpInfo,
        _frag: &FragmentInfo<'_>,
    ) -> Option<&[u8]> {
        self.stats.fragments += 1;
        None
    }
    pub fn expire(&mut self, _now: Timestamp) {}
    pub fn stats(&self) -> FragStats {
        self.stats
    }
}
