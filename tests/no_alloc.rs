//! The per-packet path allocates nothing in steady state (STYLE rule 14): once the flows of a
//! traffic mix exist, decoding and accounting more of their packets makes no heap allocation.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicU64, Ordering};

use cemprobe::capture::{LinkType, PacketRef};
use cemprobe::config::FlowConfig;
use cemprobe::decode::frag::FragConfig;
use cemprobe::flow::table::TableOptions;
use cemprobe::pipeline::Worker;
use cemprobe::time::Timestamp;
use etherparse::PacketBuilder;

struct Counting;

static ALLOCATIONS: AtomicU64 = AtomicU64::new(0);

// SAFETY: every call is passed unchanged to the system allocator; the wrapper only counts.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn frames() -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    for f in 0..200u32 {
        let client = [10, 1, (f >> 8) as u8, f as u8];
        let server = [192, 0, 2, (f % 5) as u8];
        let port = 20_000 + f as u16;
        let mut seq = 1000u32;
        for i in 0..10u32 {
            let mut frame = Vec::new();
            let up = i % 2 == 0;
            let (src, dst, sp, dp) = if up {
                (client, server, port, 443)
            } else {
                (server, client, 443, port)
            };
            let b = PacketBuilder::ethernet2([2; 6], [4; 6])
                .single_vlan(7.try_into().unwrap())
                .ipv4(src, dst, 64);
            if f % 3 == 0 {
                b.udp(sp, dp).write(&mut frame, &[1u8; 40]).unwrap();
            } else {
                b.tcp(sp, dp, seq, 64_000)
                    .ack(seq)
                    .write(&mut frame, &[2u8; 100])
                    .unwrap();
                seq = seq.wrapping_add(100);
            }
            out.push(frame);
        }
    }
    out
}

#[test]
fn steady_state_packets_do_not_allocate() {
    let frames = frames();
    let mut block = Vec::new();
    let mut refs = Vec::new();
    for (i, f) in frames.iter().enumerate() {
        refs.push(PacketRef {
            ts: Timestamp(1_700_000_000_000_000 + i as u64 * 10),
            offset: block.len(),
            caplen: f.len() as u32,
            wire_len: f.len() as u32,
            link: LinkType::ETHERNET,
        });
        block.extend_from_slice(f);
    }
    let table = TableOptions {
        flow: FlowConfig::default(),
        capacity: 1 << 12,
        probe_id: "t".into(),
        home_nets: Vec::new(),
        emit_records: true,
        app: Default::default(),
        static_map: None,
        bindings: Default::default(),
        throughput_min_bytes: 262_144,
    };
    let frag = FragConfig {
        max_datagrams: 16,
        max_bytes: 1 << 16,
        timeout_us: 30_000_000,
        max_datagram_len: 65_535,
    };
    let mut w = Worker::new(table, frag);
    for p in &refs {
        w.packet(p, &block);
    }
    // Same flows again, later in time (no timeout reached): no new flow, no record.
    let shifted: Vec<PacketRef> = refs
        .iter()
        .map(|p| PacketRef {
            ts: Timestamp(p.ts.as_us() + 100_000),
            ..*p
        })
        .collect();
    let before = ALLOCATIONS.load(Ordering::Relaxed);
    for p in &shifted {
        w.packet(p, &block);
    }
    let after = ALLOCATIONS.load(Ordering::Relaxed);
    assert_eq!(
        after - before,
        0,
        "{} allocations for {} steady-state packets",
        after - before,
        shifted.len()
    );
    let c = w.end(None, &mut |_, _| {});
    assert_eq!(c.packets, 2 * refs.len() as u64);
    assert_eq!(c.flows_created, 200);
}
