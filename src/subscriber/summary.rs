//! STUB
use super::latency::Samples;
use std::collections::{BTreeMap, BTreeSet};
use std::net::IpAddr;
use std::sync::Arc;
#[derive(Clone, Debug, Default)]
pub struct Latencies {
    pub server_rtt_us: Samples,
    pub client_rtt_us: Samples,
    pub handshake_rtt_us: Samples,
    pub data_rtt_us: Samples,
    pub ttfb_us: Samples,
    pub dns_us: Samples,
    pub http_response_us: Samples,
    pub tls_hello_us: Samples,
    pub tls_handshake_us: Samples,
}
#[derive(Clone, Debug, Default)]
pub struct ServiceBytes {
    pub up_bytes: u64,
    pub down_bytes: u64,
}
#[derive(Clone, Debug, Default)]
pub struct Partial {
    pub ips: BTreeSet<IpAddr>,
    pub imsi: Option<Arc<str>>,
    pub msisdn: Option<Arc<str>>,
    pub apn: Option<Arc<str>>,
    pub cell: Option<Arc<str>>,
    pub segment: Option<Arc<str>>,
    pub up_bytes: u64,
    pub down_bytes: u64,
    pub up_packets: u64,
    pub down_packets: u64,
    pub flows: u64,
    pub tcp_attempts: u64,
    pub tcp_established: u64,
    pub tcp_refused: u64,
    pub tcp_unanswered: u64,
    pub tcp_reset: u64,
    pub data_packets_up: u64,
    pub retransmits_up: u64,
    pub data_packets_down: u64,
    pub retransmits_down: u64,
    pub dns_queries: u64,
    pub dns_noerror: u64,
    pub dns_nxdomain: u64,
    pub dns_servfail: u64,
    pub dns_other_errors: u64,
    pub dns_timeouts: u64,
    pub http_transactions: u64,
    pub http_4xx: u64,
    pub http_5xx: u64,
    pub tls_handshakes: u64,
    pub tls_alerts: u64,
    pub gtp_create_failures: u64,
    pub latency: Latencies,
    pub throughput_down_bps: Samples,
    pub services: BTreeMap<Arc<str>, ServiceBytes>,
}
impl Partial {
    pub fn merge(&mut self, o: &Partial) {
        self.up_bytes += o.up_bytes;
    }
}
