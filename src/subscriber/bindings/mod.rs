//! STUB (lead's placeholder until the bindings branch lands).
use std::net::IpAddr;
use std::sync::Arc;
#[derive(Debug)]
pub struct Identity {
    pub id: Arc<str>,
    pub imsi: Option<Arc<str>>,
    pub msisdn: Option<Arc<str>>,
    pub user: Option<Arc<str>>,
    pub mei: Option<Arc<str>>,
    pub apn: Option<Arc<str>>,
    pub cell: Option<Arc<str>>,
}
#[derive(Debug, Default, Clone)]
pub struct BindingsConfig {
    pub radius_secret: Option<Vec<u8>>,
    pub max_sessions: usize,
}
#[derive(Debug, Default)]
pub struct BindingCounters {}
pub enum ControlEvent {
    Nothing,
    Bound(Arc<Identity>),
    Unbound(Arc<Identity>),
    CreateFailed(Arc<Identity>),
    Malformed(&'static str),
}
#[derive(Debug, Default)]
pub struct Bindings {
    c: BindingCounters,
}
impl Bindings {
    pub fn new(_cfg: BindingsConfig) -> Self {
        Self::default()
    }
    pub fn on_gtpc(&mut self, _ts: u64, _s: IpAddr, _d: IpAddr, _p: &[u8]) -> ControlEvent {
        ControlEvent::Nothing
    }
    pub fn on_radius(&mut self, _ts: u64, _s: IpAddr, _d: IpAddr, _p: &[u8]) -> ControlEvent {
        ControlEvent::Nothing
    }
    pub fn by_ip(&self, _ip: IpAddr) -> Option<&Arc<Identity>> {
        None
    }
    pub fn by_fteid(&self, _a: IpAddr, _t: u32) -> Option<&Arc<Identity>> {
        None
    }
    pub fn by_teid(&self, _t: u32) -> Option<&Arc<Identity>> {
        None
    }
    pub fn generation(&self) -> u64 {
        0
    }
    pub fn counters(&self) -> &BindingCounters {
        &self.c
    }
}
