//! Flow records: the `flow` record (DESIGN §3) of a tracked flow.
//!
//! Field rules beyond the schema (docs/FLOWS.md): the client side was fixed when the flow was
//! created; `subscriber` is the flow's subscriber (see `table/subscribers.rs`);
//! `quality` holds `mid_flow_start` (TCP whose first packet was not a client SYN) and
//! `one_direction` (packets seen in one direction only when the record is written); the TCP
//! counters are `null` for other protocols.

use std::borrow::Cow;

use crate::app::Txn;
use crate::decode::IpProto;
use crate::export::record::{
    quic_version_name, tls_version_name, DataRttRecord, DirRecord, DnsRecord, Endpoint, FlowRecord,
    HttpRecord, SubscriberId, TcpRecord, TlsRecord, TunnelRecord, TxnRecord, SCHEMA_VERSION,
};
use crate::flow::key::Side;
use crate::flow::table::{EndReason, Flow, TableOptions};
use crate::flow::Dir;

fn proto_name(p: IpProto) -> Cow<'static, str> {
    match p {
        IpProto::TCP => "tcp".into(),
        IpProto::UDP => "udp".into(),
        IpProto::ICMP => "icmp".into(),
        IpProto::ICMPV6 => "icmpv6".into(),
        IpProto::SCTP => "sctp".into(),
        IpProto(n) => n.to_string().into(),
    }
}

pub(super) fn flow_record<'a>(
    f: &'a Flow,
    reason: EndReason,
    is_final: bool,
    opts: &'a TableOptions,
    subscriber: SubscriberId<'a>,
) -> FlowRecord<'a> {
    let client = f.client;
    let server = client.other();
    let endpoint = |side: Side| Endpoint {
        ip: f.key.addr(side),
        port: f.key.has_ports().then(|| f.key.port(side)),
    };
    let report = f.tcp.as_ref().map(|t| t.report());
    let dir = |d: Dir| {
        let n = f.dirs[d.index()];
        let tcp = report.map(|r| r.dirs[d.index()]);
        DirRecord {
            packets: n.packets,
            bytes: n.bytes,
            payload_bytes: n.payload_bytes,
            retransmits: tcp.map(|t| t.retransmits),
            out_of_order: tcp.map(|t| t.out_of_order),
            zero_window: tcp.map(|t| t.zero_window),
        }
    };
    let tcp = report.map(|r| TcpRecord {
        outcome: r.outcome.name(),
        syn_retries: r.syn_retries,
        server_rtt_us: r.server_rtt_us,
        client_rtt_us: r.client_rtt_us,
        handshake_rtt_us: r.handshake_rtt_us,
        ttfb_us: r.ttfb_us,
        data_rtt_us: r.data_rtt.map(|s| DataRttRecord {
            count: s.count,
            min: s.min,
            mean: s.mean,
            max: s.max,
        }),
        rst_by: r.rst_by.map(|d| match d {
            Dir::C2S => "client",
            Dir::S2C => "server",
        }),
    });
    let mut quality = Vec::new();
    if f.mid_flow_start {
        quality.push("mid_flow_start");
    }
    if f.dirs[0].packets == 0 || f.dirs[1].packets == 0 {
        quality.push("one_direction");
    }
    FlowRecord {
        kind: "flow",
        v: SCHEMA_VERSION,
        probe: &opts.probe_id,
        is_final,
        end_reason: reason.name(),
        first_us: f.first_us,
        last_us: f.last_us,
        proto: proto_name(f.key.proto),
        client: endpoint(client),
        server: endpoint(server),
        vlan: (!f.vlans.is_empty()).then(|| f.vlans.as_slice()),
        tunnel: f.tunnel.as_ref().map(|t| TunnelRecord {
            kind: t.kind.name(),
            teid_up: t.teid_up,
            teid_down: t.teid_down,
            vni: t.vni,
            key: t.key,
            outer_client: t.outer_client,
            outer_server: t.outer_server,
        }),
        subscriber: Some(subscriber),
        service: f
            .app
            .as_ref()
            .and_then(|a| a.host())
            .and_then(|h| opts.app.services.service(h)),
        app: f.app.as_ref().map(|a| a.name()),
        transactions: f.app.as_ref().map(|a| a.transactions()),
        c2s: dir(Dir::C2S),
        s2c: dir(Dir::S2C),
        tcp,
        quality,
    }
}

/// The `dns`/`http`/`tls` record of a transaction of flow `f`.
pub(super) fn txn_record<'a>(
    f: &Flow,
    txn: &'a Txn,
    opts: &'a TableOptions,
    subscriber: SubscriberId<'a>,
) -> TxnRecord<'a> {
    // A DNS transaction's client is the query's sender, which need not be the flow's.
    let client_side = match txn {
        Txn::Dns(d) if d.query_dir == Dir::S2C => f.client.other(),
        _ => f.client,
    };
    let server_side = client_side.other();
    let endpoint = |side: Side| Endpoint {
        ip: f.key.addr(side),
        port: f.key.has_ports().then(|| f.key.port(side)),
    };
    let client = endpoint(client_side);
    let server = endpoint(server_side);
    let subscriber = Some(subscriber);
    let probe = opts.probe_id.as_str();
    match txn {
        Txn::Dns(d) => TxnRecord::Dns(DnsRecord {
            kind: "dns",
            v: SCHEMA_VERSION,
            probe,
            ts_us: d.ts_us,
            client,
            server,
            subscriber,
            transport: if d.tcp { "tcp" } else { "udp" },
            id: d.id,
            qname: &d.qname,
            qtype: crate::app::dns::qtype_name(d.qtype),
            rcode: d.rcode.map(crate::app::dns::rcode_name),
            answers: d.answers,
            latency_us: d.latency_us,
            outcome: d.outcome.name(),
        }),
        Txn::Http(h) => TxnRecord::Http(HttpRecord {
            kind: "http",
            v: SCHEMA_VERSION,
            probe,
            ts_us: h.ts_us,
            client,
            server,
            subscriber,
            method: &h.method,
            host: h.host.as_deref(),
            status: h.status,
            response_us: h.response_us,
        }),
        Txn::Tls(t) => TxnRecord::Tls(TlsRecord {
            kind: "tls",
            v: SCHEMA_VERSION,
            probe,
            ts_us: t.ts_us,
            client,
            server,
            subscriber,
            transport: match t.transport {
                crate::app::TlsTransport::Tcp => "tcp",
                crate::app::TlsTransport::Quic => "quic",
            },
            sni: t.sni.as_deref(),
            version: t.version.map(tls_version_name),
            alpn: t.alpn.as_deref(),
            alpn_offered: &t.alpn_offered,
            hello_us: t.hello_us,
            handshake_us: t.handshake_us,
            ja4: t.ja4.as_deref(),
            quic_version: t.quic_version.map(quic_version_name),
            alerts: t.alerts,
        }),
    }
}
