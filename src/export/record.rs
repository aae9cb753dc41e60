//! Record schema version 1 (DESIGN §3): the structs serialized as NDJSON lines.
//!
//! Field order is the declaration order here and is part of the contract: `type` first, then
//! `v` and `probe`. Times are integer microseconds, addresses are strings, and a metric that
//! could not be measured is `null`, never 0.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt;
use std::net::IpAddr;

use serde::Serialize;

/// Schema version carried by every record as `"v"`.
pub const SCHEMA_VERSION: u32 = 1;

/// An endpoint of a flow. `port` is `null` for protocols without ports (ICMP, …).
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct Endpoint {
    pub ip: IpAddr,
    pub port: Option<u16>,
}

/// Per-direction counters of a flow. The TCP-only counters are `null` for other protocols.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct DirRecord {
    pub packets: u64,
    /// Innermost IP packet lengths from their headers (wire bytes).
    pub bytes: u64,
    /// L4 payload bytes (wire lengths).
    pub payload_bytes: u64,
    pub retransmits: Option<u32>,
    pub out_of_order: Option<u32>,
    pub zero_window: Option<u32>,
}

/// The decapsulated outermost tunnel of a flow.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct TunnelRecord {
    pub kind: &'static str,
    /// GTP-U TEID seen on client→server packets.
    pub teid_up: Option<u32>,
    /// GTP-U TEID seen on server→client packets.
    pub teid_down: Option<u32>,
    pub vni: Option<u32>,
    pub key: Option<u32>,
    /// Outer source address of the client's packets.
    pub outer_client: IpAddr,
    /// Outer destination address of the client's packets.
    pub outer_server: IpAddr,
}

#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct DataRttRecord {
    pub count: u32,
    pub min: u64,
    pub mean: u64,
    pub max: u64,
}

#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct TcpRecord {
    pub outcome: &'static str,
    pub syn_retries: u32,
    pub server_rtt_us: Option<u64>,
    pub client_rtt_us: Option<u64>,
    pub handshake_rtt_us: Option<u64>,
    pub ttfb_us: Option<u64>,
    pub data_rtt_us: Option<DataRttRecord>,
    pub rst_by: Option<&'static str>,
}

/// A subscriber id, written as `<kind>:<value>` (e.g. `ip:10.1.2.3`) without building a
/// string first.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SubscriberId<'a> {
    /// Fallback (DESIGN §5): `ip:<address>`.
    Ip(IpAddr),
    /// From the static map, written as given there.
    Named(&'a str),
}

impl fmt::Display for SubscriberId<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SubscriberId::Ip(ip) => write!(f, "ip:{ip}"),
            SubscriberId::Named(name) => f.write_str(name),
        }
    }
}

impl Serialize for SubscriberId<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// `flow` record: one per flow when it ends, plus interim ones (`final: false`). Borrows what
/// it can (probe id, VLAN ids): one is built and serialized per emitted record.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct FlowRecord<'a> {
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub v: u32,
    pub probe: &'a str,
    #[serde(rename = "final")]
    pub is_final: bool,
    pub end_reason: &'static str,
    pub first_us: u64,
    pub last_us: u64,
    /// "tcp" | "udp" | "icmp" | "icmpv6" | "sctp" | the protocol number as a string.
    pub proto: Cow<'static, str>,
    pub client: Endpoint,
    pub server: Endpoint,
    pub vlan: Option<&'a [u16]>,
    pub tunnel: Option<TunnelRecord>,
    pub subscriber: Option<SubscriberId<'a>>,
    pub service: Option<String>,
    pub app: Option<&'static str>,
    /// Transactions the app parser finished for this flow so far (`dns`/`http`/`tls`
    /// records); `null` when the flow has no app parser.
    pub transactions: Option<u32>,
    pub c2s: DirRecord,
    pub s2c: DirRecord,
    pub tcp: Option<TcpRecord>,
    pub quality: Vec<&'static str>,
}

/// `dns` record: one per query/response transaction (DESIGN §3). `client` sent the query.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct DnsRecord<'a> {
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub v: u32,
    pub probe: &'a str,
    /// Time of the query (of the response for `unmatched_response`).
    pub ts_us: u64,
    pub client: Endpoint,
    pub server: Endpoint,
    pub subscriber: Option<SubscriberId<'a>>,
    /// "udp" | "tcp".
    pub transport: &'static str,
    pub id: u16,
    pub qname: &'a str,
    /// Type name (`A`, `AAAA`, … or `TYPE<n>`, RFC 3597).
    pub qtype: Cow<'static, str>,
    /// Response code name (`NOERROR`, `NXDOMAIN`, …); `null` without a response.
    pub rcode: Option<Cow<'static, str>>,
    /// ANCOUNT of the response; `null` without a response.
    pub answers: Option<u16>,
    pub latency_us: Option<u64>,
    /// "answered" | "timeout" | "unmatched_response".
    pub outcome: &'static str,
}

/// `http` record: one per HTTP/1.x request/response (DESIGN §3).
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct HttpRecord<'a> {
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub v: u32,
    pub probe: &'a str,
    /// Time of the packet with the request's first byte.
    pub ts_us: u64,
    pub client: Endpoint,
    pub server: Endpoint,
    pub subscriber: Option<SubscriberId<'a>>,
    pub method: &'a str,
    pub host: Option<&'a str>,
    pub status: Option<u16>,
    pub response_us: Option<u64>,
}

/// `tls` record: one per TLS or QUIC handshake (DESIGN §3).
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct TlsRecord<'a> {
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub v: u32,
    pub probe: &'a str,
    /// Time of the packet with the ClientHello's first byte.
    pub ts_us: u64,
    pub client: Endpoint,
    pub server: Endpoint,
    pub subscriber: Option<SubscriberId<'a>>,
    /// "tcp" | "quic".
    pub transport: &'static str,
    pub sni: Option<&'a str>,
    /// Negotiated version (`TLSv1.3`, `TLSv1.2`, …); `null` without a ServerHello.
    pub version: Option<Cow<'static, str>>,
    pub alpn: Option<&'a str>,
    pub alpn_offered: &'a [String],
    pub hello_us: Option<u64>,
    pub handshake_us: Option<u64>,
    pub ja4: Option<&'a str>,
    /// QUIC version (`v1`, `v2` or the number in hex); `null` over TCP.
    pub quic_version: Option<Cow<'static, str>>,
    /// TLS alerts seen during the handshake.
    pub alerts: u32,
}

/// A transaction record of any type.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
#[serde(untagged)]
pub enum TxnRecord<'a> {
    Dns(DnsRecord<'a>),
    Http(HttpRecord<'a>),
    Tls(TlsRecord<'a>),
}

/// Name of a TLS version number.
pub fn tls_version_name(v: u16) -> Cow<'static, str> {
    match v {
        0x0304 => "TLSv1.3".into(),
        0x0303 => "TLSv1.2".into(),
        0x0302 => "TLSv1.1".into(),
        0x0301 => "TLSv1.0".into(),
        0x0300 => "SSLv3".into(),
        other => format!("0x{other:04x}").into(),
    }
}

/// Name of a QUIC version number.
pub fn quic_version_name(v: u32) -> Cow<'static, str> {
    match v {
        1 => "v1".into(),
        0x6b33_43cf => "v2".into(),
        other => format!("0x{other:08x}").into(),
    }
}

/// `stats` record: probe health for the interval (for `read`: the whole input).
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct StatsRecord {
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub v: u32,
    pub probe: String,
    /// First and last packet timestamps of the interval (`null` when no packet was read).
    pub start_us: Option<u64>,
    pub end_us: Option<u64>,
    /// Frames read from the capture: `decoded + malformed + ignored`.
    pub packets: u64,
    /// Wire bytes of those frames.
    pub bytes: u64,
    pub decoded: u64,
    pub malformed: u64,
    pub ignored: u64,
    /// Malformed frames by reason (only reasons that occurred).
    pub malformed_by_reason: BTreeMap<&'static str, u64>,
    /// Ignored frames by reason (only reasons that occurred).
    pub ignored_by_reason: BTreeMap<&'static str, u64>,
    /// Fragments held for reassembly, datagrams completed, and fragments dropped by reason.
    pub fragments: u64,
    pub reassembled: u64,
    /// Reassembled datagrams that did not decode (or held a fragment again): no flow.
    pub reassembled_malformed: u64,
    pub fragments_dropped: BTreeMap<&'static str, u64>,
    pub flows_created: u64,
    pub flows_active: u64,
    pub flows_evicted: u64,
    pub flow_records: u64,
    /// Kernel drops: `null` offline (no kernel involved).
    pub kernel_drops: Option<u64>,
    /// Capture files that ended in an error (truncated or corrupt).
    pub capture_errors: u64,
    /// App transactions written by record type (`dns`, `http`, `tls`).
    pub app_transactions: BTreeMap<&'static str, u64>,
    /// App parser errors and ignored payloads by stable reason name.
    pub app_errors: BTreeMap<&'static str, u64>,
}
