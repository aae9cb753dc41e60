//! The fixture cases: packets (built from literal parameters) and literal README text.
//!
//! The `calc` text of every case is the hand calculation of `expected.ndjson` and
//! `expected-stats.json`; keep the three in sync by hand when a case changes.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use anyhow::Result;

use crate::build::*;

/// T0 = 1700000000.000000 s in µs.
pub const T0_US: u64 = 1_700_000_000_000_000;

pub struct Pkt {
    /// Offset from T0 in µs.
    pub t_us: u64,
    pub data: Vec<u8>,
    pub wire_len: u32,
    /// pcapng interface id (0 for pcap).
    pub iface: u32,
    pub desc: String,
}

#[derive(Clone, Copy)]
pub struct Interface {
    pub link: u16,
    /// `if_tsresol` option value (power of ten); `None` = option absent (µs).
    pub tsresol: Option<u8>,
}

pub enum Format {
    Pcap { link: u16 },
    Pcapng { interfaces: Vec<Interface> },
}

impl Format {
    pub fn describe(&self) -> String {
        match self {
            Format::Pcap { link } => format!("classic pcap (little-endian, µs), link type {link}"),
            Format::Pcapng { interfaces } => {
                let ifs: Vec<String> = interfaces
                    .iter()
                    .enumerate()
                    .map(|(i, f)| match f.tsresol {
                        Some(r) => {
                            format!("if {i}: link type {}, if_tsresol {r} (10^-{r} s)", f.link)
                        }
                        None => format!("if {i}: link type {}, no if_tsresol (default µs)", f.link),
                    })
                    .collect();
                format!("pcapng, one section; {}", ifs.join("; "))
            }
        }
    }
}

pub struct Case {
    pub name: &'static str,
    pub what: &'static str,
    pub calc: &'static str,
    pub format: Format,
    pub packets: Vec<Pkt>,
}

const ETHERNET: Format = Format::Pcap { link: 1 };

fn pkt(ms: u64, data: Vec<u8>, desc: impl Into<String>) -> Pkt {
    let wire_len = data.len() as u32;
    Pkt {
        t_us: ms * 1000,
        data,
        wire_len,
        iface: 0,
        desc: desc.into(),
    }
}

const C4: [u8; 4] = [10, 0, 0, 1];
const S4: [u8; 4] = [10, 0, 0, 2];
const WIN: u16 = 64240;

/// Client 10.0.0.1:40000 → server 10.0.0.2:80 segment.
fn c(ms: u64, seq: u32, ack: u32, flags: &'static str, len: usize) -> Result<Pkt> {
    cw(ms, seq, ack, flags, len, WIN)
}
fn cw(ms: u64, seq: u32, ack: u32, flags: &'static str, len: usize, win: u16) -> Result<Pkt> {
    let t = Tcp {
        sport: 40000,
        dport: 80,
        seq,
        ack,
        flags,
        win,
        len,
    };
    Ok(pkt(ms, eth_tcp4(true, C4, S4, t)?, tcp_desc("C→S", &t)))
}
/// Server 10.0.0.2:80 → client 10.0.0.1:40000 segment.
fn s(ms: u64, seq: u32, ack: u32, flags: &'static str, len: usize) -> Result<Pkt> {
    sw(ms, seq, ack, flags, len, WIN)
}
fn sw(ms: u64, seq: u32, ack: u32, flags: &'static str, len: usize, win: u16) -> Result<Pkt> {
    let t = Tcp {
        sport: 80,
        dport: 40000,
        seq,
        ack,
        flags,
        win,
        len,
    };
    Ok(pkt(ms, eth_tcp4(false, S4, C4, t)?, tcp_desc("S→C", &t)))
}
fn tcp_desc(dir: &str, t: &Tcp) -> String {
    let ack = if t.flags.contains('A') {
        format!(" ack={}", t.ack)
    } else {
        String::new()
    };
    format!(
        "{dir} TCP [{}] seq={}{ack} win={} len={} (IP total {})",
        t.flags,
        t.seq,
        t.win,
        t.len,
        40 + t.len
    )
}

fn v4(a: [u8; 4]) -> IpAddr {
    IpAddr::V4(Ipv4Addr::from(a))
}
fn v6(a: [u8; 16]) -> IpAddr {
    IpAddr::V6(Ipv6Addr::from(a))
}
const C6: [u8; 16] = [0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1];
const S6: [u8; 16] = [0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2];
const DNS6: [u8; 16] = [0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x53];

pub fn all() -> Result<Vec<Case>> {
    let mut cases = vec![
        tcp_clean()?,
        tcp_syn_retry()?,
        tcp_syn_unanswered()?,
        tcp_refused()?,
        tcp_rst_mid()?,
        tcp_retransmission()?,
        tcp_reorder()?,
        tcp_zero_window()?,
        tcp_keepalive()?,
        tcp_seq_wrap()?,
        dns_udp()?,
        icmp_echo()?,
        ipv4_frag()?,
        ipv6_frag()?,
        vlan_qinq()?,
        mpls()?,
        gre_key()?,
        erspan2()?,
        vxlan()?,
        gtpu()?,
        sll2()?,
        pcapng_two_if()?,
        malformed()?,
    ];
    cases.extend(crate::app_cases::all()?);
    Ok(cases)
}

// ---------------------------------------------------------------------------------------------
// TCP. Every TCP frame: Ethernet 14 + IPv4 20 + TCP 20 (no options) = 54 + payload bytes;
// IP total length = 40 + payload. Client 10.0.0.1:40000, server 10.0.0.2:80.
// ---------------------------------------------------------------------------------------------

fn tcp_clean() -> Result<Case> {
    Ok(Case {
        name: "tcp_clean",
        what: "A clean TCP connection: handshake, one request, one response, FIN/FIN/ACK close.
The request and the response each carry the FIN of their sender, so every FIN rides on a data
segment and the data RTT samples do not depend on whether a bare FIN is a \"data segment\".",
        calc: r#"Frame sizes: SYN/SYN-ACK/ACK 54 B (IP 40); request 54+100 = 154 (IP 140); response 54+300 = 354 (IP 340).

Flow record (one, end_reason "fin": both FINs seen and the second FIN (#5) is ACKed by #6; emitted at end of input while lingering):
- client = 10.0.0.1:40000 (sender of the SYN), server 10.0.0.2:80; vlan null, tunnel null, subscriber "ip:10.0.0.1".
- first_us = 1700000000000000 (#1), last_us = 1700000000140000 (#6).
- c2s: packets #1,#3,#4,#6 = 4; bytes 40+40+140+40 = 260; payload_bytes 100; retransmits 0, out_of_order 0, zero_window 0.
- s2c: packets #2,#5 = 2; bytes 40+340 = 380; payload_bytes 300; 0, 0, 0.
- outcome "established" (handshake, no RST); syn_retries 0.
- server_rtt_us = t#2 − t#1 = 1700000000.050000 − 1700000000.000000 = 50000.
- client_rtt_us = t#3 − t#2 = 60 ms − 50 ms = 10000.
- handshake_rtt_us = 50000 + 10000 = 60000.
- ttfb_us = t#5 − t#4 = 130 − 70 ms = 60000.
- data_rtt_us: #4 (seq 1001..1100 + FIN = 1101) is covered by #5 ack=1102 → 130−70 = 60000;
  #5 (5001..5300 + FIN) covered by #6 ack=5302 → 140−130 = 10000.
  count 2, min 10000, mean (60000+10000)/2 = 35000, max 60000.
- rst_by null; quality [].

Stats: packets 6; bytes 54+54+54+154+354+54 = 724; decoded 6; malformed 0; ignored 0;
flows_created 1; flow_records 1; start_us 1700000000000000; end_us 1700000000140000."#,
        format: ETHERNET,
        packets: vec![
            c(0, 1000, 0, "S", 0)?,
            s(50, 5000, 1001, "SA", 0)?,
            c(60, 1001, 5001, "A", 0)?,
            c(70, 1001, 5001, "FPA", 100)?,
            s(130, 5001, 1102, "FPA", 300)?,
            c(140, 1102, 5302, "A", 0)?,
        ],
    })
}

fn tcp_syn_retry() -> Result<Case> {
    Ok(Case {
        name: "tcp_syn_retry",
        what: "Two SYN retransmissions (same ISN) before the SYN-ACK, then the same exchange as
tcp_clean. server_rtt_us must be measured from the LATEST SYN before the SYN-ACK.",
        calc: r#"Frames: SYN/ACK 54 B (IP 40), request 154 (IP 140), response 354 (IP 340).

Flow record (end_reason "fin": second FIN #7 ACKed by #8):
- client 10.0.0.1:40000, server 10.0.0.2:80; first_us 1700000000000000 (#1); last_us 1700000003140000 (#8).
- c2s: packets #1,#2,#3,#5,#6,#8 = 6; bytes 5×40 + 140 = 340; payload_bytes 100;
  retransmits 2 (the SYNs #2 and #3 repeat a sequence range (the SYN) already fully seen: DESIGN §4
  counts SYN/FIN segments as data segments for retransmits); out_of_order 0; zero_window 0.
- s2c: packets #4,#7 = 2; bytes 40+340 = 380; payload_bytes 300; 0, 0, 0.
- outcome "established"; syn_retries = 3 SYNs with ISN 1000 − 1 = 2.
- server_rtt_us = t#4 − t#3 (latest SYN before the SYN-ACK) = 3050 − 3000 ms = 50000.
- client_rtt_us = t#5 − t#4 = 3060 − 3050 = 10000; handshake_rtt_us = 60000.
- ttfb_us = t#7 − t#6 = 3130 − 3070 = 60000.
- data_rtt_us: #6 → #7 (ack 1102) 60000; #7 → #8 (ack 5302) 10000 → count 2, min 10000, mean 35000, max 60000.
- rst_by null; quality [].

Stats: packets 8; bytes 6×54 (#1,#2,#3,#4,#5,#8) + 154 + 354 = 324 + 508 = 832; decoded 8;
malformed 0; ignored 0; flows_created 1; flow_records 1; start_us 1700000000000000; end_us 1700000003140000."#,
        format: ETHERNET,
        packets: vec![
            c(0, 1000, 0, "S", 0)?,
            c(1000, 1000, 0, "S", 0)?,
            c(3000, 1000, 0, "S", 0)?,
            s(3050, 5000, 1001, "SA", 0)?,
            c(3060, 1001, 5001, "A", 0)?,
            c(3070, 1001, 5001, "FPA", 100)?,
            s(3130, 5001, 1102, "FPA", 300)?,
            c(3140, 1102, 5302, "A", 0)?,
        ],
    })
}

fn tcp_syn_unanswered() -> Result<Case> {
    Ok(Case {
        name: "tcp_syn_unanswered",
        what: "Three SYNs with the same ISN and no answer at all.",
        calc: r#"Frames: 3 × 54 B (IP 40).

Flow record (end_reason "eof", nothing closed it):
- client 10.0.0.1:40000 (SYN sender), server 10.0.0.2:80; first_us 1700000000000000; last_us 1700000003000000.
- c2s: packets 3; bytes 3×40 = 120; payload_bytes 0; retransmits 2 (SYNs #2, #3 repeat the SYN already seen); out_of_order 0; zero_window 0.
- s2c: packets 0; bytes 0; payload_bytes 0; retransmits 0; out_of_order 0; zero_window 0 (a TCP flow: counters are numbers, not null).
- outcome "unanswered"; syn_retries 3 − 1 = 2; all RTTs null (no SYN-ACK); ttfb null; data_rtt null; rst_by null.
- quality ["one_direction"] (only client→server packets).

Stats: packets 3; bytes 3×54 = 162; decoded 3; malformed 0; ignored 0; flows_created 1; flow_records 1;
start_us 1700000000000000; end_us 1700000003000000."#,
        format: ETHERNET,
        packets: vec![
            c(0, 1000, 0, "S", 0)?,
            c(1000, 1000, 0, "S", 0)?,
            c(3000, 1000, 0, "S", 0)?,
        ],
    })
}

fn tcp_refused() -> Result<Case> {
    Ok(Case {
        name: "tcp_refused",
        what: "The server answers the SYN with RST-ACK (port closed).",
        calc: r#"Frames: 2 × 54 B (IP 40).

Flow record (end_reason "rst", the RST closed it):
- client 10.0.0.1:40000, server 10.0.0.2:80; first_us 1700000000000000; last_us 1700000000001000.
- c2s: 1 packet, 40 bytes, payload 0, retransmits/out_of_order/zero_window 0.
- s2c: 1 packet, 40 bytes, payload 0, 0/0/0 (an RST is excluded from zero_window even with window 0; here window is 64240 anyway).
- outcome "refused" (RST answers the SYN); syn_retries 0; server/client/handshake RTT null (no SYN-ACK); ttfb null; data_rtt null.
- rst_by "server" (the side that sent the RST; ASSUMPTION: rst_by names the RST sender for a refused attempt too).
- quality [].

Stats: packets 2; bytes 108; decoded 2; malformed 0; ignored 0; flows_created 1; flow_records 1;
start_us 1700000000000000; end_us 1700000000001000."#,
        format: ETHERNET,
        packets: vec![c(0, 1000, 0, "S", 0)?, s(1, 0, 1001, "RA", 0)?],
    })
}

fn tcp_rst_mid() -> Result<Case> {
    Ok(Case {
        name: "tcp_rst_mid",
        what: "Established connection with request and response, then the client resets it (RST
without ACK flag, after a pure ACK of the response).",
        calc: r#"Frames: 54 B for #1,#2,#3,#6,#7 (IP 40); #4 154 (IP 140); #5 554 (IP 540).

Flow record (end_reason "rst"):
- client 10.0.0.1:40000, server 10.0.0.2:80; first_us 1700000000000000; last_us 1700000000150000.
- c2s: #1,#3,#4,#6,#7 = 5 packets; bytes 40+40+140+40+40 = 300; payload 100; 0/0/0.
- s2c: #2,#5 = 2 packets; bytes 40+540 = 580; payload 500; 0/0/0.
- outcome "reset" (handshake completed, then RST); rst_by "client"; syn_retries 0.
- server_rtt 50000 (50−0 ms); client_rtt 10000 (60−50); handshake 60000.
- ttfb = t#5 − t#4 = 130 − 70 = 60000.
- data_rtt: #4 (1001..1100) ← #5 ack 1101: 60000; #5 (5001..5500) ← #6 ack 5501: 140−130 = 10000 → count 2, min 10000, mean 35000, max 60000.
- quality [].

Stats: packets 7; bytes 5×54 + 154 + 554 = 270 + 708 = 978; decoded 7; malformed 0; ignored 0;
flows_created 1; flow_records 1; start_us 1700000000000000; end_us 1700000000150000."#,
        format: ETHERNET,
        packets: vec![
            c(0, 1000, 0, "S", 0)?,
            s(50, 5000, 1001, "SA", 0)?,
            c(60, 1001, 5001, "A", 0)?,
            c(70, 1001, 5001, "PA", 100)?,
            s(130, 5001, 1101, "PA", 500)?,
            c(140, 1101, 5501, "A", 0)?,
            c(150, 1101, 0, "R", 0)?,
        ],
    })
}

fn tcp_retransmission() -> Result<Case> {
    Ok(Case {
        name: "tcp_retransmission",
        what:
            "Retransmission after loss: the probe sees segments A (1001..1100) and B (1101..1200);
B is lost after the probe, the server ACKs only A, the client retransmits B 250 ms later.
Karn: B's sample is skipped.",
        calc: r#"Frames: 54 B for #1,#2,#3,#6,#9; 154 B (IP 140) for #4,#5,#7; 254 B (IP 240) for #8.

Flow record (end_reason "eof"):
- client 10.0.0.1:40000, server 10.0.0.2:80; first_us 1700000000000000; last_us 1700000000390000.
- c2s: #1,#3,#4,#5,#7,#9 = 6 packets; bytes 40+40+140+140+140+40 = 540; payload 300;
  retransmits 1 (#7 repeats 1101..1200 already seen in #5); out_of_order 0; zero_window 0.
- s2c: #2,#6,#8 = 3 packets; bytes 40+40+240 = 320; payload 200; 0/0/0.
- outcome "established"; syn_retries 0; server_rtt 50000; client_rtt 10000; handshake 60000.
- ttfb = t#8 − t#4 (first server payload after the first client payload) = 380 − 70 = 310000.
- data_rtt: #4 (..1100) ← #6 ack 1101: 130−70 = 60000; #5/#7 skipped (retransmitted, Karn);
  #8 (5001..5200) ← #9 ack 5201: 390−380 = 10000 → count 2, min 10000, mean 35000, max 60000.
- rst_by null; quality [].

Stats: packets 9; bytes 5×54 + 3×154 + 254 = 270 + 462 + 254 = 986; decoded 9; malformed 0; ignored 0;
flows_created 1; flow_records 1; start_us 1700000000000000; end_us 1700000000390000."#,
        format: ETHERNET,
        packets: vec![
            c(0, 1000, 0, "S", 0)?,
            s(50, 5000, 1001, "SA", 0)?,
            c(60, 1001, 5001, "A", 0)?,
            c(70, 1001, 5001, "PA", 100)?,
            c(80, 1101, 5001, "PA", 100)?,
            s(130, 5001, 1101, "A", 0)?,
            c(330, 1101, 5001, "PA", 100)?,
            s(380, 5001, 1201, "PA", 200)?,
            c(390, 1201, 5201, "A", 0)?,
        ],
    })
}

fn tcp_reorder() -> Result<Case> {
    Ok(Case {
        name: "tcp_reorder",
        what: "Reordered segments: the probe sees B (1101..1200) 2 ms before A (1001..1100). A is below
the highest sequence seen and fills a hole never seen before: one out_of_order, no retransmit.",
        calc: r#"Frames: 54 B for #1,#2,#3,#7; 154 B (IP 140) for #4,#5,#6.

Flow record (end_reason "eof"):
- client 10.0.0.1:40000, server 10.0.0.2:80; first_us 1700000000000000; last_us 1700000000140000.
- c2s: #1,#3,#4,#5,#7 = 5 packets; bytes 40+40+140+140+40 = 400; payload 200; retransmits 0; out_of_order 1 (#5); zero_window 0.
- s2c: #2,#6 = 2 packets; bytes 40+140 = 180; payload 100; 0/0/0.
- outcome "established"; server_rtt 50000; client_rtt 10000; handshake 60000.
- ttfb = t#6 − t#4 (#4 is the first client payload packet) = 130 − 70 = 60000.
- data_rtt: #4 (..1200) ← #6 ack 1201: 130−70 = 60000; #5 (..1100) ← #6: 130−72 = 58000;
  #6 (5001..5100) ← #7 ack 5101: 140−130 = 10000.
  count 3, min 10000, mean floor((60000+58000+10000)/3) = floor(128000/3) = 42666, max 60000.
- rst_by null; quality [].

Stats: packets 7; bytes 4×54 + 3×154 = 216 + 462 = 678; decoded 7; malformed 0; ignored 0;
flows_created 1; flow_records 1; start_us 1700000000000000; end_us 1700000000140000."#,
        format: ETHERNET,
        packets: vec![
            c(0, 1000, 0, "S", 0)?,
            s(50, 5000, 1001, "SA", 0)?,
            c(60, 1001, 5001, "A", 0)?,
            c(70, 1101, 5001, "PA", 100)?,
            c(72, 1001, 5001, "PA", 100)?,
            s(130, 5001, 1201, "PA", 100)?,
            c(140, 1201, 5101, "A", 0)?,
        ],
    })
}

fn tcp_zero_window() -> Result<Case> {
    Ok(Case {
        name: "tcp_zero_window",
        what: "The server ACKs the first request with window 0, opens the window 200 ms later
(window update), then the client sends a second segment. The server never sends payload.",
        calc: r#"Frames: 54 B for #1,#2,#3,#5,#6,#8; 154 B (IP 140) for #4,#7.

Flow record (end_reason "eof"):
- client 10.0.0.1:40000, server 10.0.0.2:80; first_us 1700000000000000; last_us 1700000000400000.
- c2s: #1,#3,#4,#7 = 4 packets; bytes 40+40+140+140 = 360; payload 200; 0/0/0.
- s2c: #2,#5,#6,#8 = 4 packets; bytes 4×40 = 160; payload 0; retransmits 0; out_of_order 0; zero_window 1 (#5: window 0, no SYN/FIN/RST).
- outcome "established"; server_rtt 50000; client_rtt 10000; handshake 60000.
- ttfb null (the server never sends payload).
- data_rtt: #4 (..1100) ← #5 ack 1101: 130−70 = 60000; #7 (1101..1200) ← #8 ack 1201: 400−340 = 60000
  → count 2, min 60000, mean 60000, max 60000.
- rst_by null; quality [].

Stats: packets 8; bytes 6×54 + 2×154 = 324 + 308 = 632; decoded 8; malformed 0; ignored 0;
flows_created 1; flow_records 1; start_us 1700000000000000; end_us 1700000000400000."#,
        format: ETHERNET,
        packets: vec![
            c(0, 1000, 0, "S", 0)?,
            s(50, 5000, 1001, "SA", 0)?,
            c(60, 1001, 5001, "A", 0)?,
            c(70, 1001, 5001, "PA", 100)?,
            sw(130, 5001, 1101, "A", 0, 0)?,
            s(330, 5001, 1101, "A", 0)?,
            c(340, 1101, 5001, "PA", 100)?,
            s(400, 5001, 1201, "A", 0)?,
        ],
    })
}

fn tcp_keepalive() -> Result<Case> {
    Ok(Case {
        name: "tcp_keepalive",
        what:
            "After one request/response the client sends two keep-alives (seq = next − 1): one with
1 byte of garbage (at 10.14 s) and one with 0 bytes (at 20.14 s). The server never answers them
(so no ACK could make an RTT sample of the 1-byte probe). Keep-alives are not retransmits.",
        calc: r#"Frames: 54 B for #1,#2,#3,#6,#8; 154 B (IP 140) for #4,#5; 55 B (IP 41) for #7.

Flow record (end_reason "eof"; 20.14 s idle gaps are far below tcp_idle_timeout 300 s):
- client 10.0.0.1:40000, server 10.0.0.2:80; first_us 1700000000000000; last_us 1700000020140000.
- c2s: #1,#3,#4,#6,#7,#8 = 6 packets; bytes 40+40+140+40+41+40 = 341; payload 100+1 = 101;
  retransmits 0 (#7 is a keep-alive: seq 1100 = next 1101 − 1, 1 byte; #8 likewise with 0 bytes); out_of_order 0; zero_window 0.
- s2c: #2,#5 = 2 packets; bytes 40+140 = 180; payload 100; 0/0/0.
- outcome "established"; server_rtt 50000; client_rtt 10000; handshake 60000; ttfb = 130 − 70 = 60000.
- data_rtt: #4 ← #5 ack 1101: 60000; #5 (5001..5100) ← #6 ack 5101: 10000 → count 2, min 10000, mean 35000, max 60000.
- rst_by null; quality [].

Stats: packets 8; bytes 5×54 + 2×154 + 55 = 270 + 308 + 55 = 633; decoded 8; malformed 0; ignored 0;
flows_created 1; flow_records 1; start_us 1700000000000000; end_us 1700000020140000."#,
        format: ETHERNET,
        packets: vec![
            c(0, 1000, 0, "S", 0)?,
            s(50, 5000, 1001, "SA", 0)?,
            c(60, 1001, 5001, "A", 0)?,
            c(70, 1001, 5001, "PA", 100)?,
            s(130, 5001, 1101, "PA", 100)?,
            c(140, 1101, 5101, "A", 0)?,
            c(10140, 1100, 5101, "A", 1)?,
            c(20140, 1100, 5101, "A", 0)?,
        ],
    })
}

fn tcp_seq_wrap() -> Result<Case> {
    Ok(Case {
        name: "tcp_seq_wrap",
        what:
            "Sequence numbers wrap: client ISN 4294967200, server ISN 4294967100. The client's first
data segment (200 bytes) and the server's response (400 bytes) both cross 2^32; the client
retransmits its wrapping segment once before any ACK (Karn skips it).",
        calc: r#"2^32 = 4294967296. Client data #4 = 4294967201..4294967400, next = 4294967401 − 4294967296 = 105.
Server data #6 = 4294967101..4294967500, next = 4294967501 − 4294967296 = 205. Client #8 = 105..204, next 205.
Frames: 54 B for #1,#2,#3,#7,#9; 254 B (IP 240) for #4,#5; 454 B (IP 440) for #6; 154 B (IP 140) for #8.

Flow record (end_reason "eof"):
- client 10.0.0.1:40000, server 10.0.0.2:80; first_us 1700000000000000; last_us 1700000000210000.
- c2s: #1,#3,#4,#5,#7,#8 = 6 packets; bytes 40+40+240+240+40+140 = 740; payload 200+200+100 = 500;
  retransmits 1 (#5 = #4 again); out_of_order 0; zero_window 0.
- s2c: #2,#6,#9 = 3 packets; bytes 40+440+40 = 520; payload 400; 0/0/0.
- outcome "established"; server_rtt 50000; client_rtt 10000; handshake 60000; ttfb = t#6 − t#4 = 130 − 70 = 60000.
- data_rtt: #4/#5 skipped (retransmitted); #6 ← #7 ack 205: 140−130 = 10000; #8 ← #9 ack 205: 210−150 = 60000
  → count 2, min 10000, mean 35000, max 60000.
- rst_by null; quality [].

Stats: packets 9; bytes 5×54 + 2×254 + 454 + 154 = 270 + 508 + 454 + 154 = 1386; decoded 9; malformed 0;
ignored 0; flows_created 1; flow_records 1; start_us 1700000000000000; end_us 1700000000210000."#,
        format: ETHERNET,
        packets: vec![
            c(0, 4294967200, 0, "S", 0)?,
            s(50, 4294967100, 4294967201, "SA", 0)?,
            c(60, 4294967201, 4294967101, "A", 0)?,
            c(70, 4294967201, 4294967101, "PA", 200)?,
            c(75, 4294967201, 4294967101, "PA", 200)?,
            s(130, 4294967101, 105, "PA", 400)?,
            c(140, 105, 205, "A", 0)?,
            c(150, 105, 205, "PA", 100)?,
            s(210, 205, 205, "A", 0)?,
        ],
    })
}

// ---------------------------------------------------------------------------------------------
// UDP / ICMP / IP fragments. Ethernet + IPv4 + UDP frame = 42 + payload (IP total 28 + payload);
// Ethernet + IPv6 + UDP = 62 + payload (IP total 48 + payload).
// ---------------------------------------------------------------------------------------------

fn dns_udp() -> Result<Case> {
    let r = [10, 0, 0, 53];
    Ok(Case {
        name: "dns_udp",
        what:
            "Plain UDP flows carrying DNS: an answered IPv4 query, an unanswered IPv4 query (other
source port), and an answered IPv6 query. Every flow has UDP port 53, so it gets the DNS parser:
`app` \"dns\", `transactions`, and one `dns` record per query.",
        calc: r#"DNS messages: A query for example.com = 12 + 13 (name) + 4 = 29 bytes; A response = 29 + 16 (answer) = 45;
AAAA query 29; AAAA response = 29 + 28 = 57.
Frames: #1 42+29 = 71 (IP 57); #2 42+45 = 87 (IP 73); #3 71 (IP 57); #4 62+29 = 91 (IP 77); #5 62+57 = 119 (IP 105).

Flow A (10.0.0.1:53001 → 10.0.0.53:53): end_reason "eof", first_us 1700000000000000, last_us 1700000000020000;
  c2s 1 packet, 57 bytes, payload 29; s2c 1 packet, 73 bytes, payload 45; TCP counters null; tcp null; quality [].
Flow B (10.0.0.1:53002 → 10.0.0.53:53): first = last = 1700000000100000; c2s 1/57/29; s2c 0/0/0;
  quality ["one_direction"].
Flow C (fd00::1:53003 → fd00::53:53): first 1700000000200000, last 1700000000215000; c2s 1 packet, 77 bytes, payload 29;
  s2c 1 packet, 105 bytes, payload 57; quality []; subscriber "ip:fd00::1".
Idle gaps are < 1 s (idle_timeout 60 s), so every flow ends at end of input ("eof").
Every flow: app "dns" (UDP port 53), transactions 1, service null (a DNS flow names no host).

dns records (client = the query's sender; subscriber = ip of that client, no home-net configured):
- id 0x1001 = 4097, ts_us 1700000000000000 (#1), 10.0.0.1:53001 → 10.0.0.53:53, transport "udp", qname "example.com",
  qtype "A", rcode "NOERROR", answers 1 (ANCOUNT), latency_us = t#2 − t#1 = 20 ms = 20000, outcome "answered".
- id 0x1002 = 4098, ts_us 1700000000100000 (#3), 10.0.0.1:53002: never answered; the input ends at 215 ms, before the
  5 s dns.timeout, and pending queries are written as "timeout" when the flow ends: rcode null, answers null,
  latency_us null, outcome "timeout".
- id 0x1003 = 4099, ts_us 1700000000200000 (#4), [fd00::1]:53003 → [fd00::53]:53, qtype "AAAA", rcode "NOERROR", answers 1,
  latency_us = 215 − 200 ms = 15000, "answered"; subscriber "ip:fd00::1".

Stats: packets 5; bytes 71+87+71+91+119 = 439; decoded 5; malformed 0; ignored 0; flows_created 3;
flow_records 3; start_us 1700000000000000; end_us 1700000000215000; app_transactions {"dns": 3}; app_errors {}."#,
        format: ETHERNET,
        packets: vec![
            pkt(
                0,
                eth_udp4(true, C4, r, 53001, 53, &dns_query(0x1001, 1))?,
                "C→R UDP 10.0.0.1:53001 → 10.0.0.53:53 DNS A? example.com (29 B)",
            ),
            pkt(
                20,
                eth_udp4(false, r, C4, 53, 53001, &dns_response(0x1001, 1))?,
                "R→C UDP DNS response NOERROR, 1 A (45 B)",
            ),
            pkt(
                100,
                eth_udp4(true, C4, r, 53002, 53, &dns_query(0x1002, 1))?,
                "C→R UDP 10.0.0.1:53002 → 10.0.0.53:53 DNS A? example.com (29 B), never answered",
            ),
            pkt(
                200,
                eth_udp6(true, C6, DNS6, 53003, 53, &dns_query(0x1003, 28))?,
                "C→R UDP [fd00::1]:53003 → [fd00::53]:53 DNS AAAA? example.com (29 B)",
            ),
            pkt(
                215,
                eth_udp6(false, DNS6, C6, 53, 53003, &dns_response(0x1003, 28))?,
                "R→C UDP DNS response NOERROR, 1 AAAA (57 B)",
            ),
        ],
    })
}

fn icmp_echo() -> Result<Case> {
    Ok(Case {
        name: "icmp_echo",
        what: "ICMP echo (two request/reply pairs, one flow: key = address pair + protocol) and one
ICMPv6 echo pair. Ports are null; payload_bytes = IP payload − 8.",
        calc: r#"Every echo carries 56 data bytes. IPv4: IP total 20 + 8 + 56 = 84, frame 98. IPv6: IP total 40 + 8 + 56 = 104, frame 118.

Flow 1 (proto "icmp", client 10.0.0.1 port null = sender of the first packet, server 10.0.0.2 port null):
  first_us 1700000000000000, last_us 1700000001010000; c2s 2 packets, 2×84 = 168 bytes, payload 2×(84−20−8) = 112;
  s2c the same 2/168/112; retransmits/out_of_order/zero_window null; tcp null; quality []; end "eof".
Flow 2 (proto "icmpv6", client fd00::1, server fd00::2, ports null): first 1700000002000000, last 1700000002010000;
  c2s 1 packet, 104 bytes, payload 104−40−8 = 56; s2c 1/104/56; quality []; end "eof".

Stats: packets 6; bytes 4×98 + 2×118 = 392 + 236 = 628; decoded 6; malformed 0; ignored 0; flows_created 2;
flow_records 2; start_us 1700000000000000; end_us 1700000002010000."#,
        format: ETHERNET,
        packets: vec![
            pkt(
                0,
                eth_icmp4_echo(true, C4, S4, false, 7, 1, 56)?,
                "C→S ICMP echo request id 7 seq 1, 56 data bytes (IP 84)",
            ),
            pkt(
                10,
                eth_icmp4_echo(false, S4, C4, true, 7, 1, 56)?,
                "S→C ICMP echo reply id 7 seq 1 (IP 84)",
            ),
            pkt(
                1000,
                eth_icmp4_echo(true, C4, S4, false, 7, 2, 56)?,
                "C→S ICMP echo request id 7 seq 2 (IP 84)",
            ),
            pkt(
                1010,
                eth_icmp4_echo(false, S4, C4, true, 7, 2, 56)?,
                "S→C ICMP echo reply id 7 seq 2 (IP 84)",
            ),
            pkt(
                2000,
                eth_icmp6_echo(true, C6, S6, false, 8, 1, 56)?,
                "C→S ICMPv6 echo request fd00::1 → fd00::2 id 8 seq 1 (IP 104)",
            ),
            pkt(
                2010,
                eth_icmp6_echo(false, S6, C6, true, 8, 1, 56)?,
                "S→C ICMPv6 echo reply (IP 104)",
            ),
        ],
    })
}

/// The fragmented UDP datagram of the fragment cases: UDP header 8 + 392 payload = 400 bytes.
fn frag_datagram(src: IpAddr, dst: IpAddr) -> Vec<u8> {
    udp(src, dst, 5000, 6000, &filler(392))
}

fn ipv4_frag() -> Result<Case> {
    let d = frag_datagram(v4(C4), v4(S4));
    let part = |a: usize, b: usize| d.get(a..b).unwrap_or(&[]).to_vec();
    const MF: u16 = 0x2000;
    Ok(Case {
        name: "ipv4_frag",
        what: "An IPv4 UDP datagram (UDP length 400, payload 392) in 3 fragments of 160 + 160 + 80
bytes, captured out of order (last, first, middle), between an unfragmented client packet and
an unfragmented reply of the same flow (so first_us/last_us do not depend on the timestamp given
to the reassembled datagram).",
        calc: r#"Fragments (IP id 0x0100): offset 0 (160 B data, MF) IP 180 / frame 194; offset 160 (MF) IP 180 / frame 194;
offset 320 (80 B, last) IP 100 / frame 114. Reassembled datagram = one packet, bytes = 20 + 400 = 420, payload 392.
#1 UDP payload 100: IP 128, frame 142. #5 reply payload 50: IP 78, frame 92.

Flow (udp, client 10.0.0.1:5000 = first sender, server 10.0.0.2:6000), end "eof":
  first_us 1700000000000000 (#1), last_us 1700000000040000 (#5);
  c2s packets 2 (#1 + the reassembled datagram), bytes 128 + 420 = 548, payload 100 + 392 = 492;
  s2c 1 packet, 78 bytes, payload 50; TCP counters null; tcp null; quality [].

Stats: packets 5 (each fragment frame counts as decoded); bytes 142 + 114 + 194 + 194 + 92 = 736;
decoded 5; malformed 0; ignored 0; flows_created 1; flow_records 1; reassembled 1;
start_us 1700000000000000; end_us 1700000000040000."#,
        format: ETHERNET,
        packets: vec![
            pkt(0, eth_udp4(true, C4, S4, 5000, 6000, &filler(100))?, "C→S UDP 5000 → 6000, 100 B payload (IP 128)"),
            pkt(10, eth(true, ETH_IPV4, &ipv4(C4, S4, 17, 0x0100, 40, &part(320, 400))), "C→S IPv4 fragment id 0x0100 offset 320 (field 40), 80 B, MF=0 (IP 100)"),
            pkt(20, eth(true, ETH_IPV4, &ipv4(C4, S4, 17, 0x0100, MF, &part(0, 160))), "C→S IPv4 fragment id 0x0100 offset 0, 160 B (UDP header + 152), MF=1 (IP 180)"),
            pkt(30, eth(true, ETH_IPV4, &ipv4(C4, S4, 17, 0x0100, MF | 20, &part(160, 320))), "C→S IPv4 fragment id 0x0100 offset 160 (field 20), 160 B, MF=1 (IP 180): completes the datagram"),
            pkt(40, eth_udp4(false, S4, C4, 6000, 5000, &filler(50))?, "S→C UDP 6000 → 5000, 50 B payload (IP 78)"),
        ],
    })
}

fn ipv6_frag() -> Result<Case> {
    let d = frag_datagram(v6(C6), v6(S6));
    let frag = |off: usize, end: usize, more: bool| {
        let mut f = vec![17u8, 0];
        let field = ((off / 8) as u16) << 3 | u16::from(more);
        f.extend_from_slice(&field.to_be_bytes());
        f.extend_from_slice(&0x0000_0200u32.to_be_bytes());
        f.extend_from_slice(d.get(off..end).unwrap_or(&[]));
        eth(true, ETH_IPV6, &ipv6(C6, S6, 44, &f))
    };
    Ok(Case {
        name: "ipv6_frag",
        what: "An IPv6 UDP datagram (UDP length 400) in 3 fragments (Fragment header, id 0x200) of
160 + 160 + 80 bytes, captured out of order (middle, last, first), between an unfragmented client
packet and an unfragmented reply of the same flow.",
        calc: r#"Fragment frames: 14 + 40 + 8 (Fragment header) + data: offset 0 / 160 → IP 40+8+160 = 208, frame 222;
offset 320 (80 B) → IP 128, frame 142. Reassembled datagram: one packet, bytes = IPv6 header 40 + 400 = 440
(the Fragment header is not part of the datagram), payload 392.
#1 payload 100: IP 148, frame 162. #5 reply payload 50: IP 98, frame 112.

Flow (udp, client [fd00::1]:5000, server [fd00::2]:6000), end "eof":
  first_us 1700000000000000, last_us 1700000000040000;
  c2s 2 packets, bytes 148 + 440 = 588, payload 100 + 392 = 492; s2c 1 packet, 98 bytes, payload 50;
  TCP counters null; tcp null; quality []; subscriber "ip:fd00::1".

Stats: packets 5; bytes 162 + 222 + 142 + 222 + 112 = 860; decoded 5; malformed 0; ignored 0;
flows_created 1; flow_records 1; reassembled 1; start_us 1700000000000000; end_us 1700000000040000."#,
        format: ETHERNET,
        packets: vec![
            pkt(0, eth_udp6(true, C6, S6, 5000, 6000, &filler(100))?, "C→S UDP [fd00::1]:5000 → [fd00::2]:6000, 100 B (IP 148)"),
            pkt(10, frag(160, 320, true), "C→S IPv6 fragment id 0x200 offset 160, 160 B, M=1 (IP 208)"),
            pkt(20, frag(320, 400, false), "C→S IPv6 fragment id 0x200 offset 320, 80 B, M=0 (IP 128)"),
            pkt(30, frag(0, 160, true), "C→S IPv6 fragment id 0x200 offset 0, 160 B (UDP header + 152), M=1 (IP 208): completes the datagram"),
            pkt(40, eth_udp6(false, S6, C6, 6000, 5000, &filler(50))?, "S→C UDP 6000 → 5000, 50 B (IP 98)"),
        ],
    })
}

// ---------------------------------------------------------------------------------------------
// Link layers and tunnels. Every inner packet: IPv4 + UDP with a 10-byte payload = IP 38 bytes.
// ---------------------------------------------------------------------------------------------

fn vlan_qinq() -> Result<Case> {
    let (a1, a2, b1, b2) = ([10, 0, 1, 1], [10, 0, 1, 2], [10, 0, 2, 1], [10, 0, 2, 2]);
    let p = filler(10);
    Ok(Case {
        name: "vlan_qinq",
        what: "One UDP flow in a single 802.1Q tag (VLAN 100) and one in QinQ (802.1ad S-tag 200,
802.1Q C-tag 100). VLAN ids are reported outer first and are not part of the flow key.",
        calc: r#"Single tag: frame 14 + 4 + 38 = 56. QinQ: 14 + 8 + 38 = 60. IP total 38, UDP payload 10.

Flow A (10.0.1.1:1111 → 10.0.1.2:2222): vlan [100]; first 1700000000000000, last 1700000000010000;
  c2s 1/38/10, s2c 1/38/10; end "eof"; quality [].
Flow B (10.0.2.1:1111 → 10.0.2.2:2222): vlan [200, 100]; first 1700000000020000, last 1700000000030000;
  c2s 1/38/10, s2c 1/38/10; end "eof"; quality [].

Stats: packets 4; bytes 2×56 + 2×60 = 232; decoded 4; malformed 0; ignored 0; flows_created 2; flow_records 2;
start_us 1700000000000000; end_us 1700000000030000."#,
        format: ETHERNET,
        packets: vec![
            pkt(
                0,
                eth_vlan_udp4(true, &[100], a1, a2, 1111, 2222, &p)?,
                "C→S 802.1Q vid 100, UDP 10.0.1.1:1111 → 10.0.1.2:2222, 10 B",
            ),
            pkt(
                10,
                eth_vlan_udp4(false, &[100], a2, a1, 2222, 1111, &p)?,
                "S→C 802.1Q vid 100, UDP reply, 10 B",
            ),
            pkt(
                20,
                eth_vlan_udp4(true, &[200, 100], b1, b2, 1111, 2222, &p)?,
                "C→S 802.1ad vid 200 + 802.1Q vid 100, UDP 10.0.2.1:1111 → 10.0.2.2:2222, 10 B",
            ),
            pkt(
                30,
                eth_vlan_udp4(false, &[200, 100], b2, b1, 2222, 1111, &p)?,
                "S→C QinQ 200/100, UDP reply, 10 B",
            ),
        ],
    })
}

fn mpls_label(label: u32, bottom: bool) -> [u8; 4] {
    (label << 12 | u32::from(bottom) << 8 | 64).to_be_bytes()
}

fn mpls() -> Result<Case> {
    let (a, b) = ([10, 0, 3, 1], [10, 0, 3, 2]);
    let mut down = Vec::new();
    down.extend_from_slice(&mpls_label(16, false));
    down.extend_from_slice(&mpls_label(17, true));
    down.extend_from_slice(&ip_udp4(a, b, 1111, 2222, &filler(10))?);
    let mut up = Vec::new();
    up.extend_from_slice(&mpls_label(18, true));
    up.extend_from_slice(&ip_udp4(b, a, 2222, 1111, &filler(10))?);
    Ok(Case {
        name: "mpls",
        what: "MPLS unicast (ethertype 0x8847): a request under two labels (16, 17 bottom of stack) and a
reply under one label (18), both carrying IPv4 directly. Labels are not a tunnel and not in the key.",
        calc: r#"Frames: 14 + 2×4 + 38 = 60 and 14 + 4 + 38 = 56; IP total 38, UDP payload 10.

Flow (10.0.3.1:1111 → 10.0.3.2:2222): vlan null, tunnel null; first 1700000000000000, last 1700000000010000;
  c2s 1/38/10, s2c 1/38/10; end "eof"; quality [].

Stats: packets 2; bytes 60 + 56 = 116; decoded 2; malformed 0; ignored 0; flows_created 1; flow_records 1;
start_us 1700000000000000; end_us 1700000000010000."#,
        format: ETHERNET,
        packets: vec![
            pkt(0, eth(true, 0x8847, &down), "C→S MPLS labels 16, 17(S), IPv4 UDP 10.0.3.1:1111 → 10.0.3.2:2222, 10 B"),
            pkt(10, eth(false, 0x8847, &up), "S→C MPLS label 18(S), IPv4 UDP reply, 10 B"),
        ],
    })
}

fn gre_key() -> Result<Case> {
    let (o1, o2) = ([192, 168, 0, 1], [192, 168, 0, 2]);
    let (a, b) = ([10, 0, 4, 1], [10, 0, 4, 2]);
    let gre = |inner: Vec<u8>| {
        let mut g = vec![0x20, 0x00, 0x08, 0x00];
        g.extend_from_slice(&4660u32.to_be_bytes());
        g.extend_from_slice(&inner);
        g
    };
    let up = ipv4(
        o1,
        o2,
        47,
        1,
        0,
        &gre(ip_udp4(a, b, 1111, 2222, &filler(10))?),
    );
    let down = ipv4(
        o2,
        o1,
        47,
        2,
        0,
        &gre(ip_udp4(b, a, 2222, 1111, &filler(10))?),
    );
    Ok(Case {
        name: "gre_key",
        what: "GRE (RFC 2890) with the Key bit set (key 4660 = 0x1234) carrying IPv4 (protocol 0x0800),
both directions, outer 192.168.0.1 ↔ 192.168.0.2.",
        calc: r#"GRE header 4 + key 4 = 8. Outer IP total = 20 + 8 + 38 = 66; frame 14 + 66 = 80. Inner IP 38, UDP payload 10.

Flow (inner 10.0.4.1:1111 → 10.0.4.2:2222): first 1700000000000000, last 1700000000010000;
  c2s 1/38/10, s2c 1/38/10; tunnel {kind "gre", teid_up null, teid_down null, vni null, key 4660,
  outer_client "192.168.0.1", outer_server "192.168.0.2"} (outer source/destination of the c2s packet #1);
  subscriber "ip:10.0.4.1"; end "eof"; quality [].

Stats: packets 2; bytes 80 + 80 = 160; decoded 2; malformed 0; ignored 0; flows_created 1; flow_records 1;
start_us 1700000000000000; end_us 1700000000010000."#,
        format: ETHERNET,
        packets: vec![
            pkt(0, eth(true, ETH_IPV4, &up), "192.168.0.1 → 192.168.0.2 GRE key 4660 [IPv4 UDP 10.0.4.1:1111 → 10.0.4.2:2222, 10 B]"),
            pkt(10, eth(false, ETH_IPV4, &down), "192.168.0.2 → 192.168.0.1 GRE key 4660 [IPv4 UDP 10.0.4.2:2222 → 10.0.4.1:1111, 10 B]"),
        ],
    })
}

fn erspan2() -> Result<Case> {
    let (o1, o2) = ([192, 168, 1, 1], [192, 168, 1, 2]);
    let (a, b) = ([10, 0, 5, 1], [10, 0, 5, 2]);
    let mirror = |seq: u32, from_client: bool, inner_ip: Vec<u8>| {
        // GRE: S bit, protocol 0x88BE (ERSPAN type II), sequence number.
        let mut g = vec![0x10, 0x00, 0x88, 0xbe];
        g.extend_from_slice(&seq.to_be_bytes());
        // ERSPAN II: ver 1, VLAN 0, COS 0, En 0, T 0, session id 42; reserved + index 0.
        g.extend_from_slice(&(1u32 << 28 | 42).to_be_bytes());
        g.extend_from_slice(&0u32.to_be_bytes());
        g.extend_from_slice(&eth(from_client, ETH_IPV4, &inner_ip));
        eth(true, ETH_IPV4, &ipv4(o1, o2, 47, seq as u16, 0, &g))
    };
    Ok(Case {
        name: "erspan2",
        what: "ERSPAN type II (GRE protocol 0x88BE, sequence bit set, session id 42) mirroring both
directions of a UDP flow from 192.168.1.1 to the collector 192.168.1.2; the inner frame is
Ethernet + IPv4.",
        calc: r#"GRE 4 + seq 4 = 8, ERSPAN II 8, inner Ethernet 14, inner IP 38. Outer IP total = 20 + 8 + 8 + 14 + 38 = 88;
frame 14 + 88 = 102.

Flow (inner 10.0.5.1:1111 → 10.0.5.2:2222): first 1700000000000000, last 1700000000010000; c2s 1/38/10; s2c 1/38/10;
  vlan null (outer frame untagged); tunnel {kind "erspan", teid_up null, teid_down null, vni null, key 42 (session id),
  outer_client "192.168.1.1", outer_server "192.168.1.2"} (outer src/dst of the c2s packet #1);
  subscriber "ip:10.0.5.1"; end "eof"; quality [].

Stats: packets 2; bytes 2×102 = 204; decoded 2; malformed 0; ignored 0; flows_created 1; flow_records 1;
start_us 1700000000000000; end_us 1700000000010000."#,
        format: ETHERNET,
        packets: vec![
            pkt(0, mirror(1, true, ip_udp4(a, b, 1111, 2222, &filler(10))?), "192.168.1.1 → 192.168.1.2 GRE seq 1 ERSPAN II session 42 [Eth, IPv4 UDP 10.0.5.1:1111 → 10.0.5.2:2222, 10 B]"),
            pkt(10, mirror(2, false, ip_udp4(b, a, 2222, 1111, &filler(10))?), "192.168.1.1 → 192.168.1.2 GRE seq 2 ERSPAN II session 42 [Eth, IPv4 UDP 10.0.5.2:2222 → 10.0.5.1:1111, 10 B]"),
        ],
    })
}

fn vxlan() -> Result<Case> {
    let (o1, o2) = ([172, 16, 0, 1], [172, 16, 0, 2]);
    let (a, b) = ([10, 0, 6, 1], [10, 0, 6, 2]);
    let frame = |from_client: bool, inner_ip: Vec<u8>| -> Result<Vec<u8>> {
        let mut v = vec![0x08, 0, 0, 0];
        v.extend_from_slice(&(5001u32 << 8).to_be_bytes());
        v.extend_from_slice(&eth(from_client, ETH_IPV4, &inner_ip));
        if from_client {
            eth_udp4(true, o1, o2, 50000, 4789, &v)
        } else {
            eth_udp4(false, o2, o1, 50001, 4789, &v)
        }
    };
    Ok(Case {
        name: "vxlan",
        what: "VXLAN (UDP port 4789, VNI 5001) carrying Ethernet + IPv4 UDP, both directions; outer
172.16.0.1 ↔ 172.16.0.2.",
        calc: r#"VXLAN 8 + inner Ethernet 14 + inner IP 38 = outer UDP payload 60; outer IP = 20 + 8 + 60 = 88; frame 102.

Flow (inner 10.0.6.1:1111 → 10.0.6.2:2222): first 1700000000000000, last 1700000000010000; c2s 1/38/10; s2c 1/38/10;
  tunnel {kind "vxlan", teid_up null, teid_down null, vni 5001, key null, outer_client "172.16.0.1",
  outer_server "172.16.0.2"}; subscriber "ip:10.0.6.1"; end "eof"; quality [].

Stats: packets 2; bytes 204; decoded 2; malformed 0; ignored 0; flows_created 1; flow_records 1;
start_us 1700000000000000; end_us 1700000000010000."#,
        format: ETHERNET,
        packets: vec![
            pkt(0, frame(true, ip_udp4(a, b, 1111, 2222, &filler(10))?)?, "172.16.0.1:50000 → 172.16.0.2:4789 VXLAN VNI 5001 [Eth, IPv4 UDP 10.0.6.1:1111 → 10.0.6.2:2222, 10 B]"),
            pkt(10, frame(false, ip_udp4(b, a, 2222, 1111, &filler(10))?)?, "172.16.0.2:50001 → 172.16.0.1:4789 VXLAN VNI 5001 [Eth, IPv4 UDP reply, 10 B]"),
        ],
    })
}

/// GTP-U G-PDU with E flag and a PDU Session Container extension header.
fn gtpu_pdu(teid: u32, uplink: bool, inner_ip: &[u8]) -> Vec<u8> {
    let mut g = vec![0x34, 0xff];
    g.extend_from_slice(&((8 + inner_ip.len()) as u16).to_be_bytes());
    g.extend_from_slice(&teid.to_be_bytes());
    g.extend_from_slice(&[0, 0, 0, 0x85]); // sequence, N-PDU, next ext = PDU Session Container
                                           // Extension: length 1 (×4 bytes), PDU type (UL = 1, DL = 0) in the high nibble, QFI 9, next 0.
    g.extend_from_slice(&[1, if uplink { 0x10 } else { 0x00 }, 9, 0]);
    g.extend_from_slice(inner_ip);
    g
}

fn gtpu() -> Result<Case> {
    let (gnb, upf) = ([172, 20, 0, 1], [172, 20, 0, 2]);
    let (ue, dns) = ([10, 45, 0, 2], [8, 8, 8, 8]);
    let ul = gtpu_pdu(
        256,
        true,
        &ip_udp4(ue, dns, 40000, 53, &dns_query(0x2001, 1))?,
    );
    let dl = gtpu_pdu(
        512,
        false,
        &ip_udp4(dns, ue, 53, 40000, &dns_response(0x2001, 1))?,
    );
    Ok(Case {
        name: "gtpu",
        what: "GTP-U (UDP 2152) G-PDUs with a PDU Session Container extension header (QFI 9): uplink
TEID 256 from the gNB 172.20.0.1 to the UPF 172.20.0.2, downlink TEID 512 back; the inner flow is
a DNS query/response of the UE 10.45.0.2.",
        calc: r#"GTP-U header 8 + (seq, N-PDU, next-ext) 4 + PDU Session Container 4 = 16 bytes.
Uplink: inner IP 28 + 29 = 57; outer UDP payload 16 + 57 = 73; outer IP 20 + 8 + 73 = 101; frame 115.
Downlink: inner IP 28 + 45 = 73; outer UDP payload 89; outer IP 117; frame 131.

Flow (inner 10.45.0.2:40000 → 8.8.8.8:53, client = sender of the first packet): first 1700000000000000,
  last 1700000000030000; c2s 1 packet, 57 bytes, payload 29; s2c 1 packet, 73 bytes, payload 45;
  tunnel {kind "gtpu", teid_up 256 (first c2s G-PDU), teid_down 512 (first s2c G-PDU), vni null, key null,
  outer_client "172.20.0.1", outer_server "172.20.0.2"}; subscriber "ip:10.45.0.2"; end "eof"; quality [];
  app "dns" (inner UDP port 53), transactions 1, service null.

dns record: ts_us 1700000000000000, client 10.45.0.2:40000, server 8.8.8.8:53, subscriber "ip:10.45.0.2", transport "udp",
  id 0x2001 = 8193, qname "example.com", qtype "A", rcode "NOERROR", answers 1, latency_us = 30 − 0 ms = 30000, "answered".

Stats: packets 2; bytes 115 + 131 = 246; decoded 2; malformed 0; ignored 0; flows_created 1; flow_records 1;
start_us 1700000000000000; end_us 1700000000030000; app_transactions {"dns": 1}; app_errors {}."#,
        format: ETHERNET,
        packets: vec![
            pkt(0, eth_udp4(true, gnb, upf, 2152, 2152, &ul)?, "gNB 172.20.0.1 → UPF 172.20.0.2 GTP-U TEID 256, PDU Session Container UL QFI 9 [IPv4 UDP 10.45.0.2:40000 → 8.8.8.8:53 DNS query 29 B]"),
            pkt(30, eth_udp4(false, upf, gnb, 2152, 2152, &dl)?, "UPF 172.20.0.2 → gNB 172.20.0.1 GTP-U TEID 512, PDU Session Container DL QFI 9 [IPv4 UDP 8.8.8.8:53 → 10.45.0.2:40000 DNS response 45 B]"),
        ],
    })
}

fn sll2() -> Result<Case> {
    let (a, b) = ([10, 0, 7, 1], [10, 0, 7, 2]);
    let frame = |outgoing: bool, ip: Vec<u8>| {
        let mut f = Vec::new();
        f.extend_from_slice(&ETH_IPV4.to_be_bytes()); // protocol type
        f.extend_from_slice(&[0, 0]); // reserved
        f.extend_from_slice(&3u32.to_be_bytes()); // interface index
        f.extend_from_slice(&1u16.to_be_bytes()); // ARPHRD_ETHER
        f.push(if outgoing { 4 } else { 0 }); // packet type
        f.push(6); // address length
        f.extend_from_slice(&[0x02, 0, 0, 0, 0, if outgoing { 1 } else { 2 }, 0, 0]);
        f.extend_from_slice(&ip);
        f
    };
    Ok(Case {
        name: "sll2",
        what: "Linux cooked capture v2 (LINKTYPE_LINUX_SLL2 = 276): 20-byte SLL2 header, protocol
0x0800, one outgoing and one incoming UDP packet.",
        calc: r#"Frame = SLL2 20 + IP 38 = 58 bytes; UDP payload 10.

Flow (10.0.7.1:1111 → 10.0.7.2:2222): first 1700000000000000, last 1700000000010000; c2s 1/38/10; s2c 1/38/10;
  vlan null; tunnel null; end "eof"; quality [].

Stats: packets 2; bytes 116; decoded 2; malformed 0; ignored 0; flows_created 1; flow_records 1;
start_us 1700000000000000; end_us 1700000000010000."#,
        format: Format::Pcap { link: 276 },
        packets: vec![
            pkt(
                0,
                frame(true, ip_udp4(a, b, 1111, 2222, &filler(10))?),
                "SLL2 outgoing, UDP 10.0.7.1:1111 → 10.0.7.2:2222, 10 B",
            ),
            pkt(
                10,
                frame(false, ip_udp4(b, a, 2222, 1111, &filler(10))?),
                "SLL2 incoming, UDP reply, 10 B",
            ),
        ],
    })
}

fn pcapng_two_if() -> Result<Case> {
    let (a1, a2, b1, b2) = ([10, 0, 8, 1], [10, 0, 8, 2], [10, 0, 9, 1], [10, 0, 9, 2]);
    let mut ps = vec![
        pkt(
            0,
            eth_udp4(true, a1, a2, 1111, 2222, &filler(10))?,
            "if 0 (Ethernet): UDP 10.0.8.1:1111 → 10.0.8.2:2222, 10 B",
        ),
        pkt(
            10,
            ip_udp4(b1, b2, 3333, 4444, &filler(20))?,
            "if 1 (raw IPv4, ns timestamps): UDP 10.0.9.1:3333 → 10.0.9.2:4444, 20 B",
        ),
        pkt(
            20,
            eth_udp4(false, a2, a1, 2222, 1111, &filler(10))?,
            "if 0: UDP reply 10.0.8.2:2222 → 10.0.8.1:1111, 10 B",
        ),
        pkt(
            30,
            ip_udp4(b2, b1, 4444, 3333, &filler(20))?,
            "if 1: UDP reply 10.0.9.2:4444 → 10.0.9.1:3333, 20 B",
        ),
    ];
    for (i, p) in ps.iter_mut().enumerate() {
        p.iface = (i % 2) as u32;
    }
    Ok(Case {
        name: "pcapng_two_if",
        what: "pcapng with two interfaces of different link types and timestamp resolutions:
interface 0 = Ethernet without if_tsresol (µs), interface 1 = raw IP (LINKTYPE_RAW 101) with
if_tsresol 9 (ns). Packets of both interfaces interleave.",
        calc: r#"Interface 1 timestamps are stored in ns: #2 = 1700000000010000000 ns = 1700000000010000 µs;
#4 = 1700000000030000000 ns = 1700000000030000 µs.
Frames: if 0 = 42 + 10 = 52 bytes (IP 38); if 1 = IP only, 28 + 20 = 48 bytes (IP 48).

Flow A (10.0.8.1:1111 → 10.0.8.2:2222): first 1700000000000000, last 1700000000020000; c2s 1/38/10; s2c 1/38/10; end "eof"; quality [].
Flow B (10.0.9.1:3333 → 10.0.9.2:4444): first 1700000000010000, last 1700000000030000; c2s 1/48/20; s2c 1/48/20; end "eof"; quality [].

Stats: packets 4; bytes 52 + 48 + 52 + 48 = 200; decoded 4; malformed 0; ignored 0; flows_created 2; flow_records 2;
start_us 1700000000000000; end_us 1700000000030000."#,
        format: Format::Pcapng {
            interfaces: vec![
                Interface {
                    link: 1,
                    tsresol: None,
                },
                Interface {
                    link: 101,
                    tsresol: Some(9),
                },
            ],
        },
        packets: ps,
    })
}

fn malformed() -> Result<Case> {
    let (a, b) = ([10, 0, 10, 1], [10, 0, 10, 2]);
    let good = eth_udp4(true, a, b, 1111, 2222, &filler(10))?;
    // Truncated IPv4 header: Ethernet + the first 10 bytes of the header (frame ends there).
    let trunc_ip = good.get(..24).unwrap_or(&[]).to_vec();
    // Bad IHL: the same packet with IHL 4.
    let mut bad_ihl = good.clone();
    if let Some(x) = bad_ihl.get_mut(14) {
        *x = 0x44;
    }
    // TCP data offset 3 (< 5).
    let mut bad_doff = eth_tcp4(
        true,
        a,
        b,
        Tcp {
            sport: 40000,
            dport: 80,
            seq: 1,
            ack: 0,
            flags: "S",
            win: WIN,
            len: 0,
        },
    )?;
    if let Some(x) = bad_doff.get_mut(14 + 20 + 12) {
        *x = 0x30;
    }
    // ARP request (who-has 10.0.10.2 tell 10.0.10.1): 14 + 28 = 42 bytes.
    let mut arp = vec![0, 1, 0x08, 0x00, 6, 4, 0, 1];
    arp.extend_from_slice(&MAC_C);
    arp.extend_from_slice(&a);
    arp.extend_from_slice(&[0; 6]);
    arp.extend_from_slice(&b);
    let arp = eth(true, 0x0806, &arp);
    // Snaplen-cut reply: 500-byte payload on the wire, only 10 payload bytes captured.
    let full = eth_udp4(false, b, a, 2222, 1111, &filler(500))?;
    let cut = Pkt {
        t_us: 50_000,
        wire_len: full.len() as u32,
        data: full.get(..52).unwrap_or(&[]).to_vec(),
        iface: 0,
        desc: "S→C UDP 10.0.10.2:2222 → 10.0.10.1:1111, 500 B payload on the wire (IP 528), cut by snaplen to 52 captured bytes".into(),
    };
    Ok(Case {
        name: "malformed",
        what:
            "Malformed frames among valid ones: a truncated IPv4 header, an IPv4 header with IHL 4,
a TCP header with data offset 3, and an ARP frame (not IP: ignored), around a valid UDP exchange
whose reply was cut by the snaplen (it still counts with its wire length).",
        calc: r#"#1 valid UDP 10.0.10.1:1111 → 10.0.10.2:2222, payload 10: frame 52, IP 38.
#2 truncated IPv4 header: 24-byte frame (caplen = wire len = 24) → malformed.
#3 IHL 4 (< 5): 52-byte frame → malformed.
#4 TCP data offset 3 (< 5): 54-byte frame → malformed.
#5 ARP: 42-byte frame → ignored (reason "not_ip").
#6 reply: wire length 14 + 528 = 542, captured 52; IP total 528 (from the header), UDP payload 500.
Malformed frames belong to no flow (the bad-IHL frame has the same addresses as the flow but does not count in it).

Flow (10.0.10.1:1111 → 10.0.10.2:2222): first 1700000000000000, last 1700000000050000; c2s 1 packet, 38 bytes, payload 10;
  s2c 1 packet, 528 bytes, payload 500 (wire lengths); end "eof"; quality [].

Stats: packets 6; bytes 52 + 24 + 52 + 54 + 42 + 542 = 766; decoded 2; malformed 3; ignored 1;
ignored_by_reason {"not_ip": 1}; flows_created 1; flow_records 1; start_us 1700000000000000; end_us 1700000000050000.
(malformed_by_reason is not checked: the reason names are defined by the decoder.)"#,
        format: ETHERNET,
        packets: vec![
            pkt(
                0,
                good,
                "C→S UDP 10.0.10.1:1111 → 10.0.10.2:2222, 10 B (valid)",
            ),
            pkt(
                10,
                trunc_ip,
                "Ethernet + first 10 bytes of an IPv4 header (truncated header)",
            ),
            pkt(
                20,
                bad_ihl,
                "IPv4 with IHL 4 (invalid), otherwise the packet of #1",
            ),
            pkt(
                30,
                bad_doff,
                "IPv4 TCP 10.0.10.1:40000 → 10.0.10.2:80 with data offset 3 (invalid)",
            ),
            pkt(40, arp, "ARP who-has 10.0.10.2 tell 10.0.10.1 (not IP)"),
            cut,
        ],
    })
}
