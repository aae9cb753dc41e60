//! The flow table's side of the subscriber rollup (DESIGN §3 `subscriber`, §5): identity
//! bindings from control-plane packets, each flow's subscriber, and what each packet,
//! latency sample and transaction adds to that subscriber's partial.
//!
//! Attribution rules (also in docs/SUBSCRIBERS.md):
//! * A flow's subscriber is, in this order: the identity bound to its GTP-U user-plane TEID
//!   (uplink F-TEID = TEID of client→server packets at the outer server address, then the
//!   downlink one, then the TEID alone), the identity bound to its client address, then to
//!   its server address (GTP PAA, RADIUS Framed-IP); the static map's entry for the client,
//!   then the server; `ip:` of the side inside `home_nets`, else of the client.
//! * It is resolved again whenever a binding changes and at every interval boundary, before
//!   the next packet is counted, so every packet goes to the subscriber bound when it was
//!   seen. `up` is the direction from the subscriber's side.
//! * Packets and bytes (IP length, wire length), data segments and retransmissions count in
//!   the interval the packet is seen; a latency sample in the interval it completes; TCP
//!   outcomes (`tcp_attempts` = distinct client ISNs, `tcp_established`, `tcp_refused`,
//!   `tcp_unanswered`, `tcp_reset`) and the goodput sample when the flow's final record is
//!   written; `flows` counts the flows with traffic attributed to the subscriber in the
//!   interval.

use std::net::IpAddr;
use std::sync::Arc;

use super::{FlowTable, NO_SERVICE};
use crate::app::{DnsOutcome, Txn};
use crate::decode::{Decoded, TunnelKind, L4};
use crate::flow::tcp::{event, Outcome, TcpReport};
use crate::flow::Dir;
use crate::subscriber::bindings::ControlEvent;
use crate::subscriber::rollup::{Resolved, SubKey};
use crate::subscriber::summary::Partial;

/// GTPv2-C (TS 29.274 §4.2).
pub const GTPC_PORT: u16 = 2123;

/// UDP ports whose datagrams feed the identity bindings: GTPv2-C 2123, RADIUS accounting
/// 1813 and its old port 1646.
#[inline]
pub fn is_control_port(port: u16) -> bool {
    matches!(port, GTPC_PORT | 1813 | 1646)
}

/// Whether a decoded packet is a control-plane datagram every worker must see.
#[inline]
pub fn is_control(d: &Decoded<'_>) -> bool {
    matches!(d.l4, L4::Udp(u) if is_control_port(u.src_port) || is_control_port(u.dst_port))
}

/// Latency samples a segment produced, collected during the TCP update and attributed after
/// the flow's subscriber is known.
#[derive(Default)]
pub(super) struct SegmentSamples {
    pub(super) events: u8,
    pub(super) rtts: [u32; 8],
    pub(super) n: u8,
}

impl SegmentSamples {
    pub(super) fn push(&mut self, us: u64) {
        if let (Some(slot), Ok(v)) = (self.rtts.get_mut(usize::from(self.n)), u32::try_from(us)) {
            *slot = v;
            self.n += 1;
        }
    }
}

impl FlowTable {
    /// A control-plane datagram (see [`is_control`]), seen by every worker in capture order.
    /// `owned`: this worker also counts the packet's flow, and so counts per-subscriber
    /// outcomes (a failed Create Session) once.
    pub fn control(&mut self, ts_us: u64, d: &Decoded<'_>, owned: bool) {
        let L4::Udp(u) = d.l4 else { return };
        let event = if u.src_port == GTPC_PORT || u.dst_port == GTPC_PORT {
            self.bindings.on_gtpc(ts_us, d.ip.src, d.ip.dst, u.payload)
        } else {
            self.bindings
                .on_radius(ts_us, d.ip.src, d.ip.dst, u.payload)
        };
        let gen = self.bindings.generation();
        if gen != self.bind_gen {
            self.bind_gen = gen;
            self.stamp = self.stamp.wrapping_add(1);
        }
        if let (true, ControlEvent::CreateFailed(identity)) = (owned, event) {
            let idx = self.rollup.slot(&Resolved {
                key: SubKey::Id(identity.id.clone()),
                identity: Some(identity),
                ip: None,
                segment: None,
            });
            self.rollup.slots[idx as usize].partial.gtp_create_failures += 1;
        }
    }

    /// Close the interval: hand over every subscriber's partial; flows resolve again.
    pub fn close_interval(&mut self) -> Vec<(String, Partial)> {
        self.stamp = self.stamp.wrapping_add(1);
        self.epoch_stamp = self.stamp;
        self.rollup.drain()
    }

    /// The flow's subscriber slot, resolving it if bindings changed or an interval closed
    /// since it was last resolved.
    #[inline]
    pub(super) fn sub_slot(&mut self, slot: u32) -> u32 {
        let f = &self.slots[slot as usize];
        if f.sub_stamp == self.stamp {
            f.sub
        } else {
            self.resolve(slot)
        }
    }

    /// The flow's subscriber key (resolved if needed).
    pub(super) fn sub_key(&mut self, slot: u32) -> SubKey {
        let idx = self.sub_slot(slot);
        self.rollup.slots[idx as usize].key.clone()
    }

    #[cold]
    fn resolve(&mut self, slot: u32) -> u32 {
        let f = &self.slots[slot as usize];
        let (r, up) = self.who(f);
        // The cached index still points into this interval's slots.
        let valid = self.stamp.wrapping_sub(f.sub_stamp)
            <= self.stamp.wrapping_sub(self.epoch_stamp)
            && f.sub != u32::MAX;
        let idx = self.rollup.slot(&r);
        let f = &mut self.slots[slot as usize];
        if !(valid && f.sub == idx) {
            self.rollup.slots[idx as usize].partial.flows += 1;
            f.sub = idx;
            f.svc = NO_SERVICE;
        }
        f.sub_up = up;
        f.sub_stamp = self.stamp;
        self.attach_service(slot);
        idx
    }

    /// Who a flow belongs to, and the direction from the subscriber (module doc).
    fn who(&self, f: &super::Flow) -> (Resolved, Dir) {
        let client = f.key.addr(f.client);
        let server = f.key.addr(f.client.other());
        let b = &self.bindings;
        let learned = |identity: &Arc<crate::subscriber::bindings::Identity>, ip| Resolved {
            key: SubKey::Id(identity.id.clone()),
            identity: Some(identity.clone()),
            ip: Some(ip),
            segment: self.segment(ip),
        };
        if let Some(t) = f.tunnel.as_deref().filter(|t| t.kind == TunnelKind::Gtpu) {
            let found = t
                .teid_up
                .and_then(|teid| b.by_fteid(t.outer_server, teid))
                .or_else(|| {
                    t.teid_down
                        .and_then(|teid| b.by_fteid(t.outer_client, teid))
                })
                .or_else(|| t.teid_up.and_then(|teid| b.by_teid(teid)))
                .or_else(|| t.teid_down.and_then(|teid| b.by_teid(teid)));
            if let Some(identity) = found {
                // The UE is the client unless the identity is bound to the server address.
                let ue_is_server = b.by_ip(server).is_some_and(|s| Arc::ptr_eq(s, identity));
                return if ue_is_server {
                    (learned(identity, server), Dir::S2C)
                } else {
                    (learned(identity, client), Dir::C2S)
                };
            }
        }
        if let Some(identity) = b.by_ip(client) {
            return (learned(identity, client), Dir::C2S);
        }
        if let Some(identity) = b.by_ip(server) {
            return (learned(identity, server), Dir::S2C);
        }
        if let Some(map) = &self.opts.static_map {
            for (ip, up) in [(client, Dir::C2S), (server, Dir::S2C)] {
                if let Some(e) = map.lookup(ip) {
                    let r = Resolved {
                        key: SubKey::Id(e.subscriber.clone()),
                        identity: None,
                        ip: Some(ip),
                        segment: e.segment.clone(),
                    };
                    return (r, up);
                }
            }
        }
        let home = |ip: IpAddr| self.opts.home_nets.iter().any(|n| n.contains(ip));
        let (ip, up) = if !home(client) && home(server) {
            (server, Dir::S2C)
        } else {
            (client, Dir::C2S)
        };
        let r = Resolved {
            key: SubKey::Ip(ip),
            identity: None,
            ip: Some(ip),
            segment: self.segment(ip),
        };
        (r, up)
    }

    fn segment(&self, ip: IpAddr) -> Option<Arc<str>> {
        self.opts
            .static_map
            .as_ref()
            .and_then(|m| m.lookup(ip))
            .and_then(|e| e.segment.clone())
    }

    /// Give the flow its service slot once its app parser named the host (SNI, Host).
    pub(super) fn attach_service(&mut self, slot: u32) {
        let f = &self.slots[slot as usize];
        if f.svc != NO_SERVICE || f.sub_stamp != self.stamp {
            return;
        }
        let Some(name) = f
            .app
            .as_ref()
            .and_then(|a| a.host())
            .and_then(|h| self.opts.app.services.service(h))
        else {
            return;
        };
        let idx = f.sub as usize;
        let svc = self.rollup.slots[idx].service(&name);
        self.slots[slot as usize].svc = svc;
    }

    /// Count one packet of `slot` (direction `dir`, IP length `bytes`) for its subscriber,
    /// with what its TCP segment produced.
    #[inline]
    pub(super) fn count_for_subscriber(
        &mut self,
        slot: u32,
        dir: Dir,
        bytes: u64,
        seg: &SegmentSamples,
    ) {
        let idx = self.sub_slot(slot);
        let f = &self.slots[slot as usize];
        let up = dir == f.sub_up;
        let s = &mut self.rollup.slots[idx as usize];
        if let Some((_, svc)) = s.services.get_mut(usize::from(f.svc)) {
            if up {
                svc.up_bytes += bytes;
            } else {
                svc.down_bytes += bytes;
            }
        }
        let p = &mut s.partial;
        let data = seg.events & event::DATA != 0;
        let retx = u64::from(seg.events & event::RETRANSMIT != 0);
        if up {
            p.up_packets += 1;
            p.up_bytes += bytes;
            p.data_packets_up += u64::from(data);
            p.retransmits_up += retx;
        } else {
            p.down_packets += 1;
            p.down_bytes += bytes;
            p.data_packets_down += u64::from(data);
            p.retransmits_down += retx;
        }
        for &us in &seg.rtts[..usize::from(seg.n)] {
            p.latency.data_rtt_us.record(u64::from(us));
        }
        if seg.events & (event::ESTABLISHED | event::TTFB) != 0 {
            if let Some(r) = f.tcp.as_ref().map(|t| t.report()) {
                let l = &mut p.latency;
                if seg.events & event::ESTABLISHED != 0 {
                    if let Some(v) = r.server_rtt_us {
                        l.server_rtt_us.record(v);
                    }
                    if let Some(v) = r.client_rtt_us {
                        l.client_rtt_us.record(v);
                    }
                    if let Some(v) = r.handshake_rtt_us {
                        l.handshake_rtt_us.record(v);
                    }
                }
                if seg.events & event::TTFB != 0 {
                    if let Some(v) = r.ttfb_us {
                        l.ttfb_us.record(v);
                    }
                }
            }
        }
    }

    /// A finished transaction of `slot`'s flow.
    pub(super) fn txn_for_subscriber(&mut self, slot: u32, txn: &Txn) {
        let idx = self.sub_slot(slot);
        let p = &mut self.rollup.slots[idx as usize].partial;
        match txn {
            Txn::Dns(t) => {
                if t.outcome == DnsOutcome::UnmatchedResponse {
                    return;
                }
                p.dns_queries += 1;
                match (t.outcome, t.rcode) {
                    (DnsOutcome::Timeout, _) => p.dns_timeouts += 1,
                    (_, Some(0)) => p.dns_noerror += 1,
                    (_, Some(3)) => p.dns_nxdomain += 1,
                    (_, Some(2)) => p.dns_servfail += 1,
                    _ => p.dns_other_errors += 1,
                }
                if let Some(v) = t.latency_us {
                    p.latency.dns_us.record(v);
                }
            }
            Txn::Http(t) => {
                p.http_transactions += 1;
                match t.status {
                    Some(400..=499) => p.http_4xx += 1,
                    Some(500..=599) => p.http_5xx += 1,
                    _ => {}
                }
                if let Some(v) = t.response_us {
                    p.latency.http_response_us.record(v);
                }
            }
            Txn::Tls(t) => {
                p.tls_handshakes += 1;
                p.tls_alerts += u64::from(t.alerts);
                if let Some(v) = t.hello_us {
                    p.latency.tls_hello_us.record(v);
                }
                if let Some(v) = t.handshake_us {
                    p.latency.tls_handshake_us.record(v);
                }
            }
        }
    }

    /// The final record of `slot`'s flow is being written: its TCP outcome and goodput.
    pub(super) fn final_for_subscriber(&mut self, slot: u32) {
        let idx = self.sub_slot(slot);
        let min_bytes = self.opts.throughput_min_bytes;
        let f = &self.slots[slot as usize];
        let Some(r) = f.tcp.as_ref().map(|t| t.report()) else {
            return;
        };
        let down = f.sub_up.reverse();
        let goodput = goodput_bps(f, &r, down, min_bytes);
        let p = &mut self.rollup.slots[idx as usize].partial;
        p.tcp_attempts += u64::from(r.attempts);
        match r.outcome {
            Outcome::Established => p.tcp_established += 1,
            Outcome::Refused => p.tcp_refused += 1,
            Outcome::Unanswered => p.tcp_unanswered += 1,
            Outcome::Reset => p.tcp_reset += 1,
            Outcome::NoHandshake => {}
        }
        if let Some(bps) = goodput {
            p.throughput_down_bps.record(bps);
        }
    }
}

/// `throughput_down_bps` of one flow (DESIGN §4): for a flow with at least `min_bytes` of
/// downstream payload, payload bytes not retransmitted × 8 / time from the first to the last
/// downstream data packet. Retransmitted bytes are estimated as retransmitted segments × the
/// mean downstream segment payload; the span is taken from the flow's first to its last
/// packet when the direction's own data times are not tracked. `None` below the threshold or
/// over a zero span.
fn goodput_bps(f: &super::Flow, r: &TcpReport, down: Dir, min_bytes: u64) -> Option<u64> {
    let n = f.dirs[down.index()];
    if n.payload_bytes < min_bytes || n.packets == 0 {
        return None;
    }
    let retx = u64::from(r.dirs[down.index()].retransmits);
    let mean = n.payload_bytes / n.packets;
    let good = n.payload_bytes.saturating_sub(retx.saturating_mul(mean));
    let span = f.last_us.saturating_sub(f.first_us);
    (span > 0).then(|| good.saturating_mul(8).saturating_mul(1_000_000) / span)
}
