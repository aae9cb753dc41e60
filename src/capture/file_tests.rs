//! Reader tests over hand-built captures: both formats, both byte orders, every cut length,
//! streamed input split at random places.

use std::io::{self, Read};

use proptest::prelude::*;

use super::*;
use crate::capture::testkit::{pcap, pcap_modified, Ng};
use crate::capture::{Corruption, LinkType, Truncation};

// ---------------------------------------------------------------------------------------------
// Readers

#[derive(Clone, Debug, PartialEq, Eq)]
struct Got {
    ts: u64,
    data: Vec<u8>,
    wire_len: u32,
    link: LinkType,
}

fn collect(r: &mut CaptureReader) -> (Vec<Got>, Result<ReadSummary, CaptureError>) {
    let mut got = Vec::new();
    let res = r.run(&mut |block: &Block, p: PacketRef| {
        assert_eq!(
            p.data(block).len(),
            p.caplen as usize,
            "packet ref outside its block"
        );
        got.push(Got {
            ts: p.ts.as_us(),
            data: p.data(block).to_vec(),
            wire_len: p.wire_len,
            link: p.link,
        });
    });
    (got, res)
}

fn read_bytes(bytes: &[u8]) -> (Vec<Got>, Result<ReadSummary, CaptureError>) {
    collect(&mut CaptureReader::from_bytes("t.pcap", bytes.to_vec()))
}

/// A reader that returns reads of pseudo-random sizes 1..=max, then optionally an error.
struct Choppy {
    data: Vec<u8>,
    pos: usize,
    seed: u64,
    max: usize,
    fail_at_end: bool,
}

impl Read for Choppy {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.pos == self.data.len() {
            if self.fail_at_end {
                return Err(io::Error::other("cable pulled"));
            }
            return Ok(0);
        }
        self.seed ^= self.seed << 13;
        self.seed ^= self.seed >> 7;
        self.seed ^= self.seed << 17;
        if self.seed % 5 == 0 {
            // Interrupted reads happen on pipes; the reader must retry.
            return Err(io::ErrorKind::Interrupted.into());
        }
        let n = (self.seed as usize % self.max + 1)
            .min(buf.len())
            .min(self.data.len() - self.pos);
        buf[..n].copy_from_slice(&self.data[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}

fn read_stream(
    bytes: &[u8],
    chunk: usize,
    seed: u64,
) -> (Vec<Got>, Result<ReadSummary, CaptureError>) {
    let src = Choppy {
        data: bytes.to_vec(),
        pos: 0,
        seed: seed | 1,
        max: 13,
        fail_at_end: false,
    };
    collect(&mut CaptureReader::from_reader("<stdin>", src).with_chunk_size(chunk))
}

fn err_of<T: std::fmt::Debug>(r: Result<T, CaptureError>) -> CaptureError {
    r.expect_err("an error")
}

// ---------------------------------------------------------------------------------------------
// Classic pcap

const P1: &[u8] = &[1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
const P2: &[u8] = &[0xaa; 60];
const P3: &[u8] = &[0x55; 3];

fn three(be: bool, ns: bool) -> Vec<u8> {
    let f = if ns { 123_456_789 } else { 123_456 };
    pcap(
        be,
        ns,
        1,
        &[
            (1_700_000_000, f, P1, 10),
            (1_700_000_001, 0, P2, 1514),
            (1_700_000_002, 999, P3, 0),
        ],
    )
}

#[test]
fn classic_pcap_all_four_magics() {
    for be in [false, true] {
        for ns in [false, true] {
            let (got, res) = read_bytes(&three(be, ns));
            let sum = res.unwrap();
            assert_eq!(
                sum,
                ReadSummary {
                    packets: 3,
                    bytes: 10 + 1514 + 3,
                    captured_bytes: 73
                }
            );
            let frac2 = if ns { 0 } else { 999 };
            assert_eq!(
                got,
                vec![
                    Got {
                        ts: 1_700_000_000_123_456,
                        data: P1.to_vec(),
                        wire_len: 10,
                        link: LinkType::ETHERNET
                    },
                    Got {
                        ts: 1_700_000_001_000_000,
                        data: P2.to_vec(),
                        wire_len: 1514,
                        link: LinkType::ETHERNET
                    },
                    // Original length 0 (a lying writer): wire_len falls back to caplen.
                    Got {
                        ts: 1_700_000_002_000_000 + frac2,
                        data: P3.to_vec(),
                        wire_len: 3,
                        link: LinkType::ETHERNET
                    },
                ],
                "be={be} ns={ns}"
            );
        }
    }
}

#[test]
fn linktype_upper_bits_are_ignored() {
    // FCS-present flag and length in the upper bits of LinkType, LINUX_SLL below.
    let (got, res) = read_bytes(&pcap(false, false, 0x1400_0071, &[(0, 0, P1, 10)]));
    res.unwrap();
    assert_eq!(got[0].link, LinkType::LINUX_SLL);
}

#[test]
fn empty_and_header_only_are_zero_packets() {
    assert_eq!(read_bytes(&[]).1.unwrap(), ReadSummary::default());
    assert_eq!(
        read_bytes(&pcap(true, true, 1, &[])).1.unwrap(),
        ReadSummary::default()
    );
    let ng = Ng::new().shb(false).idb(1, None, None).out.clone();
    assert_eq!(read_bytes(&ng).1.unwrap(), ReadSummary::default());
    assert_eq!(read_stream(&[], 4, 1).1.unwrap(), ReadSummary::default());
}

#[test]
fn not_a_capture_file_names_the_bytes() {
    let e = err_of(read_bytes(b"GET / HTTP/1.1\r\n").1);
    assert!(
        matches!(&e, CaptureError::NotCapture { found, .. } if found == b"GET "),
        "{e}"
    );
    assert!(e.to_string().contains("47 45 54 20"), "{e}");
    // Too short for a magic and not the start of one: still "not a capture".
    let e = err_of(read_bytes(b"ab").1);
    assert!(
        matches!(&e, CaptureError::NotCapture { found, .. } if found == b"ab"),
        "{e}"
    );
    // The message lists every accepted magic.
    let e = err_of(read_bytes(&[0xa1, 0xb2, 0xc3, 0xd5]).1);
    for magic in ["a1b2c3d4", "a1b23c4d", "a1b2cd34", "0a0d0d0a"] {
        assert!(e.to_string().contains(magic), "{e}");
    }
    // Kuznetsov's modified pcap, in either byte order, is a capture (here a cut one).
    for start in [[0x34, 0xcd, 0xb2, 0xa1], [0xa1, 0xb2, 0xcd, 0x34]] {
        let mut bytes = start.to_vec();
        bytes.extend_from_slice(&[2, 0, 4, 0]);
        let e = err_of(read_bytes(&bytes).1);
        assert!(
            matches!(
                e,
                CaptureError::Truncated {
                    offset: 0,
                    what: Truncation::FileHeader { need: 24, have: 8 },
                    ..
                }
            ),
            "{e}"
        );
        let e = err_of(read_bytes(&start[..3]).1);
        assert!(matches!(e, CaptureError::Truncated { .. }), "{e}");
    }
    // The start of a real magic is a cut file.
    let e = err_of(read_bytes(&[0xd4, 0xc3]).1);
    assert!(matches!(
        e,
        CaptureError::Truncated {
            offset: 0,
            what: Truncation::FileHeader { need: 4, have: 2 },
            ..
        }
    ));
}

#[test]
fn absurd_caplen_is_corrupt_after_delivering_earlier_packets() {
    let mut bytes = three(false, false);
    // Third record starts after header 24 + (16 + 10) + (16 + 60) = 126; caplen at +8.
    bytes[126 + 8..126 + 12].copy_from_slice(&(262_145u32).to_le_bytes());
    let (got, res) = read_bytes(&bytes);
    assert_eq!(got.len(), 2);
    let e = err_of(res);
    assert!(
        matches!(
            e,
            CaptureError::Corrupt {
                offset: 126,
                what: Corruption::CaplenTooLarge { caplen: 262_145 },
                ..
            }
        ),
        "{e}"
    );
}

/// Record boundaries of `three()`: header, then each record's start.
const STARTS: [usize; 4] = [24, 50, 126, 145];
const CAPLENS: [u32; 3] = [10, 60, 3];

/// Cut `full` (a classic pcap whose records start at `starts`, the last entry being its end,
/// with `rec_hdr`-byte record headers and `caplens` captured bytes) at every length, mapped
/// and streamed: the packets before the cut are delivered, then a clean end on a record
/// boundary or the truncation of the record the cut falls in.
fn check_every_cut(full: &[u8], starts: &[usize], rec_hdr: usize, caplens: &[u32]) {
    assert_eq!(Some(&full.len()), starts.last());
    for cut in 0..=full.len() {
        let want_pkts = starts[1..].iter().filter(|&&end| end <= cut).count();
        let check = |(got, res): (Vec<Got>, Result<ReadSummary, CaptureError>), how: &str| {
            assert_eq!(got.len(), want_pkts, "{how} cut={cut}");
            if cut == 0 || starts.contains(&cut) {
                assert_eq!(res.unwrap().packets, want_pkts as u64, "{how} cut={cut}");
                return;
            }
            let e = err_of(res);
            let rec_start = if cut < 24 {
                0
            } else {
                *starts.iter().rev().find(|&&s| s <= cut).unwrap()
            };
            assert_eq!(e.offset(), Some(rec_start as u64), "{how} cut={cut}: {e}");
            let have = (cut - rec_start) as u32;
            let want_what = if cut < 4 {
                Truncation::FileHeader { need: 4, have }
            } else if cut < 24 {
                Truncation::FileHeader { need: 24, have }
            } else if (have as usize) < rec_hdr {
                Truncation::RecordHeader {
                    need: rec_hdr as u32,
                    have,
                }
            } else {
                let caplen = caplens[starts.iter().position(|&s| s == rec_start).unwrap()];
                Truncation::RecordData {
                    caplen,
                    have: have - rec_hdr as u32,
                }
            };
            assert!(
                matches!(&e, CaptureError::Truncated { what, path, .. } if *what == want_what && !path.as_os_str().is_empty()),
                "{how} cut={cut}: {e:?}"
            );
        };
        check(read_bytes(&full[..cut]), "mapped");
        for chunk in [1, 5, 16, 64] {
            check(
                read_stream(&full[..cut], chunk, cut as u64 * 31 + chunk as u64),
                "stream",
            );
        }
    }
}

#[test]
fn every_cut_of_a_classic_capture() {
    for be in [false, true] {
        check_every_cut(&three(be, false), &STARTS, 16, &CAPLENS);
    }
}

// ---------------------------------------------------------------------------------------------
// Modified (Kuznetsov) pcap

/// `three()` in the modified format (µs only).
fn three_modified(be: bool) -> Vec<u8> {
    pcap_modified(
        be,
        1,
        &[
            (1_700_000_000, 123_456, P1, 10),
            (1_700_000_001, 0, P2, 1514),
            (1_700_000_002, 999, P3, 0),
        ],
    )
}

/// Record boundaries of `three_modified()`: 24-byte record headers.
const STARTS_MODIFIED: [usize; 4] = [24, 58, 142, 169];

#[test]
fn modified_pcap_both_byte_orders() {
    for be in [false, true] {
        let bytes = three_modified(be);
        let (got, res) = read_bytes(&bytes);
        assert_eq!(
            res.unwrap(),
            ReadSummary {
                packets: 3,
                bytes: 10 + 1514 + 3,
                captured_bytes: 73
            },
            "be={be}"
        );
        // The same packets as the classic µs file (whose values are pinned above).
        assert_eq!(got, read_bytes(&three(be, false)).0, "be={be}");
        for chunk in [1, 7, 24, 25, 100] {
            let (sgot, sres) = read_stream(&bytes, chunk, chunk as u64);
            assert_eq!(sres.unwrap().packets, 3, "be={be} chunk={chunk}");
            assert_eq!(sgot, got, "be={be} chunk={chunk}");
        }
        // The link type comes from the hand-parsed file header, upper bits ignored.
        let (got, res) = read_bytes(&pcap_modified(be, 0x1400_0071, &[(7, 8, P1, 10)]));
        res.unwrap();
        assert_eq!(
            got,
            vec![Got {
                ts: 7_000_008,
                data: P1.to_vec(),
                wire_len: 10,
                link: LinkType::LINUX_SLL
            }],
            "be={be}"
        );
    }
}

#[test]
fn every_cut_of_a_modified_capture() {
    for be in [false, true] {
        check_every_cut(&three_modified(be), &STARTS_MODIFIED, 24, &CAPLENS);
    }
}

#[test]
fn modified_absurd_caplen_is_corrupt_at_its_record() {
    let mut bytes = three_modified(true);
    let third = STARTS_MODIFIED[2];
    bytes[third + 8..third + 12].copy_from_slice(&(262_145u32).to_be_bytes());
    let (got, res) = read_bytes(&bytes);
    assert_eq!(got.len(), 2);
    let e = err_of(res);
    assert!(
        matches!(
            e,
            CaptureError::Corrupt {
                offset: 142,
                what: Corruption::CaplenTooLarge { caplen: 262_145 },
                ..
            }
        ),
        "{e}"
    );
}

/// A modified-format capture from pcap-parser's test assets (external, not in the repo).
const MODIFIED_SAMPLE: &str = "pcap-parser/assets/modified-format.pcap";

#[test]
fn real_modified_sample() {
    let Some(path) = crate::ext_fixtures::dir().map(|d| d.join(MODIFIED_SAMPLE)) else {
        eprintln!("real_modified_sample skipped: ../shared/fixtures-ext is absent");
        return;
    };
    let path = path.as_path();
    if !path.is_file() {
        eprintln!("real_modified_sample skipped: {} is absent", path.display());
        return;
    }
    let file_len = std::fs::metadata(path).unwrap().len();
    let (got, res) = collect(&mut CaptureReader::open(path).unwrap());
    let sum = res.unwrap();
    assert!(sum.packets > 0);
    assert_eq!(sum.packets, got.len() as u64);
    // Every byte is a file header, a 24-byte record header or packet data.
    assert_eq!(24 + 24 * sum.packets + sum.captured_bytes, file_len);
    let mut prev = 0;
    for (i, g) in got.iter().enumerate() {
        assert_eq!(g.link, LinkType::ETHERNET, "packet {i}");
        // 2000-01-01 ..= 2100-01-01, in file order.
        assert!(
            (946_684_800_000_000..=4_102_444_800_000_000).contains(&g.ts),
            "packet {i}: ts {}",
            g.ts
        );
        assert!(g.ts >= prev, "packet {i}: ts {} before {prev}", g.ts);
        prev = g.ts;
        assert!(g.wire_len as usize >= g.data.len(), "packet {i}");
        // An Ethernet frame with a known EtherType: a misaligned record would not be.
        assert!(
            matches!(
                g.data.get(12..14),
                Some([0x08, 0x00] | [0x86, 0xdd] | [0x08, 0x06] | [0x81, 0x00])
            ),
            "packet {i}: {:02x?}",
            g.data.get(..14)
        );
    }
}

#[test]
fn streamed_equals_whole_for_any_chunking() {
    let bytes = three(true, true);
    let whole = read_bytes(&bytes).0;
    for chunk in [1, 2, 3, 7, 16, 17, 100, 1 << 20] {
        for seed in 1..5 {
            let (got, res) = read_stream(&bytes, chunk, seed);
            assert_eq!(res.unwrap().packets, 3);
            assert_eq!(got, whole, "chunk={chunk} seed={seed}");
        }
    }
}

#[test]
fn io_error_mid_stream_delivers_what_came_before() {
    let bytes = three(false, false);
    let cut = 100; // inside the second record
    let src = Choppy {
        data: bytes[..cut].to_vec(),
        pos: 0,
        seed: 9,
        max: 13,
        fail_at_end: true,
    };
    let (got, res) = collect(&mut CaptureReader::from_reader("<stdin>", src).with_chunk_size(32));
    assert_eq!(got.len(), 1);
    let e = err_of(res);
    assert!(matches!(e, CaptureError::Io { offset: 100, .. }), "{e:?}");
    assert!(
        e.to_string()
            .starts_with("<stdin>: read error at byte 100: cable pulled"),
        "{e}"
    );
}

#[test]
fn whole_sources_rerun_streams_run_once() {
    let mut r = CaptureReader::from_bytes("m", three(false, false));
    assert_eq!(r.len_hint(), Some(145));
    assert_eq!(collect(&mut r).0.len(), 3);
    assert_eq!(collect(&mut r).0.len(), 3);
    let mut s = CaptureReader::from_reader("s", io::Cursor::new(three(false, false)));
    assert_eq!(s.len_hint(), None);
    assert_eq!(collect(&mut s).0.len(), 3);
    assert_eq!(collect(&mut s).1.unwrap(), ReadSummary::default());
}

#[test]
fn open_maps_files_and_reports_open_failures() {
    let dir = std::env::temp_dir().join(format!("cemprobe-capture-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("three.pcap");
    std::fs::write(&path, three(true, false)).unwrap();
    let mut r = CaptureReader::open(&path).unwrap();
    assert_eq!(r.path(), path.as_path());
    assert_eq!(r.len_hint(), Some(145));
    assert_eq!(collect(&mut r).0, read_bytes(&three(true, false)).0);
    let mut s = CaptureReader::open_streaming(&path)
        .unwrap()
        .with_chunk_size(10);
    assert_eq!(collect(&mut s).0.len(), 3);
    let empty = dir.join("empty.pcap");
    std::fs::write(&empty, b"").unwrap();
    assert_eq!(
        collect(&mut CaptureReader::open(&empty).unwrap())
            .1
            .unwrap()
            .packets,
        0
    );
    let cut = dir.join("cut.pcap");
    std::fs::write(&cut, &three(true, false)[..144]).unwrap();
    let e = err_of(collect(&mut CaptureReader::open(&cut).unwrap()).1);
    assert!(
        e.to_string()
            .starts_with(&format!("{}: packet record at byte 126", cut.display())),
        "{e}"
    );
    let missing = dir.join("missing.pcap");
    let e = CaptureReader::open(&missing).err().unwrap();
    assert!(matches!(e, CaptureError::Open { .. }));
    assert!(e
        .to_string()
        .starts_with(&format!("{}: cannot open:", missing.display())));
    assert_eq!(
        CaptureReader::open(Path::new("-")).unwrap().path(),
        Path::new("-")
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

// ---------------------------------------------------------------------------------------------
// pcapng

/// Two sections of different byte orders, interfaces of different link types and resolutions.
fn two_sections() -> Vec<u8> {
    let mut ng = Ng::new();
    ng.shb(false)
        .idb(1, Some(9), None) // if 0: Ethernet, ns
        .idb(101, Some(0x80 | 10), None) // if 1: raw IP, 2^-10 s
        .idb(113, None, Some(-100)) // if 2: SLL, default µs, offset -100 s
        .block(4, &[0, 0, 0, 0]) // name resolution: skipped
        .epb(0, 1_700_000_000_123_456_789, P1, 10)
        .epb(1, 1_700_000_000 * 1024 + 256, P2, 60)
        .epb(2, 1_700_000_100_000_001, P3, 3)
        // No timestamp: the previous packet's. A cut packet in an SPB of an interface without
        // snaplen: the padding cannot be told from data (the format's own limit).
        .spb(P1, 1514)
        .epb(7, 5, P3, 3) // an interface the section never described
        .block(5, &[0; 8]) // interface statistics: skipped
        .block(0x0000_0BAD, &[1, 2, 3]) // custom: skipped
        .shb(true) // a big-endian section: interfaces start over
        .idb(228, None, Some(100))
        .epb(0, 1_000_000, P2, 60)
        .pb(0, 2_000_000, P1, 10)
        .epb(1, 3_000_000, P3, 3); // interface 1 belonged to the first section only
    ng.out.clone()
}

fn expected_two_sections() -> Vec<Got> {
    let g = |ts, data: &[u8], wire_len, link| Got {
        ts,
        data: data.to_vec(),
        wire_len,
        link,
    };
    vec![
        g(1_700_000_000_123_456, P1, 10, LinkType::ETHERNET),
        g(1_700_000_000_250_000, P2, 60, LinkType::RAW),
        g(1_700_000_000_000_001, P3, 3, LinkType::LINUX_SLL),
        g(
            1_700_000_000_000_001,
            &[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 0, 0],
            1514,
            LinkType::ETHERNET,
        ),
        g(5, P3, 3, LinkType::UNKNOWN_INTERFACE),
        g(101_000_000, P2, 60, LinkType::IPV4),
        g(102_000_000, P1, 10, LinkType::IPV4),
        g(3_000_000, P3, 3, LinkType::UNKNOWN_INTERFACE),
    ]
}

#[test]
fn pcapng_sections_interfaces_resolutions() {
    let (got, res) = read_bytes(&two_sections());
    assert_eq!(res.unwrap().packets, 8);
    assert_eq!(got, expected_two_sections());
}

#[test]
fn pcapng_streamed_equals_whole() {
    let bytes = two_sections();
    for chunk in [1, 3, 12, 13, 64, 4096] {
        let (got, res) = read_stream(&bytes, chunk, chunk as u64);
        assert_eq!(res.unwrap().packets, 8, "chunk={chunk}");
        assert_eq!(got, expected_two_sections(), "chunk={chunk}");
    }
}

#[test]
fn pcapng_spb_caplen_is_capped_by_orig_len_and_snaplen() {
    // 3 bytes of packet padded to 4 inside the block: caplen is 3, not 4.
    let mut ng = Ng::new();
    ng.shb(true).idb(1, None, None).spb(P3, 3);
    let (got, res) = read_bytes(&ng.out);
    res.unwrap();
    assert_eq!(got[0].data, P3);
    assert_eq!(got[0].ts, 0);
    // A cut packet: interface 0's snaplen tells data from padding.
    let mut ng = Ng::new();
    ng.shb(false).idb_snap(1, 10, None, None).spb(P1, 1514);
    let (got, res) = read_bytes(&ng.out);
    res.unwrap();
    assert_eq!((got[0].data.as_slice(), got[0].wire_len), (P1, 1514));
}

#[test]
fn every_cut_of_a_pcapng_capture() {
    let full = two_sections();
    // Block boundaries, from the framing itself.
    let mut ends = vec![0usize];
    let mut be = false;
    let mut pos = 0;
    while pos < full.len() {
        if full[pos..pos + 4] == [0x0a, 0x0d, 0x0d, 0x0a] {
            be = full[pos + 8] == 0x1a;
        }
        let l: [u8; 4] = full[pos + 4..pos + 8].try_into().unwrap();
        pos += if be {
            u32::from_be_bytes(l)
        } else {
            u32::from_le_bytes(l)
        } as usize;
        ends.push(pos);
    }
    let whole = expected_two_sections();
    for cut in 0..=full.len() {
        let (got, res) = read_bytes(&full[..cut]);
        assert_eq!(got[..], whole[..got.len()], "cut={cut}");
        let start = *ends.iter().rev().find(|&&e| e <= cut).unwrap();
        match res {
            Ok(_) => assert_eq!(
                start, cut,
                "cut={cut} at no block boundary read as complete"
            ),
            Err(e) => {
                assert_ne!(start, cut, "cut={cut}");
                assert_eq!(e.offset(), Some(start as u64), "cut={cut}: {e}");
                assert!(
                    matches!(e, CaptureError::Truncated { .. }),
                    "cut={cut}: {e}"
                );
            }
        }
        let (sgot, sres) = read_stream(&full[..cut], 7, cut as u64);
        assert_eq!(sgot, got, "stream cut={cut}");
        assert_eq!(
            sres.map_err(|e| e.to_string()),
            read_bytes(&full[..cut])
                .1
                .map_err(|e| e.to_string().replace("t.pcap", "<stdin>"))
        );
    }
}

#[test]
fn pcapng_corruption_names_the_block() {
    // Block length not a multiple of 4, after one good packet.
    let mut ng = Ng::new();
    ng.shb(false).idb(1, None, None).epb(0, 1, P1, 10);
    let bad_at = ng.out.len();
    ng.epb(0, 2, P1, 10);
    let mut bytes = ng.out.clone();
    bytes[bad_at + 4] = bytes[bad_at + 4].wrapping_add(1);
    let (got, res) = read_bytes(&bytes);
    assert_eq!(got.len(), 1);
    let e = err_of(res);
    assert!(
        matches!(
            e,
            CaptureError::Corrupt {
                what: Corruption::NgBlockLength { block_type: 6, .. },
                ..
            }
        ),
        "{e}"
    );
    assert_eq!(e.offset(), Some(bad_at as u64));

    // Trailing length differs.
    let mut bytes = ng.out.clone();
    let last = bytes.len() - 4;
    bytes[last] ^= 0x40;
    let e = err_of(read_bytes(&bytes).1);
    assert!(
        matches!(
            e,
            CaptureError::Corrupt {
                what: Corruption::NgTrailer { .. },
                ..
            }
        ),
        "{e}"
    );
    assert_eq!(e.offset(), Some(bad_at as u64));

    // Captured length beyond the block.
    let mut bytes = ng.out.clone();
    bytes[bad_at + 20..bad_at + 24].copy_from_slice(&200u32.to_le_bytes());
    let e = err_of(read_bytes(&bytes).1);
    assert!(
        matches!(
            e,
            CaptureError::Corrupt {
                what: Corruption::NgBlockBody { block_type: 6, .. },
                ..
            }
        ),
        "{e}"
    );

    // Bad byte-order magic.
    let mut bytes = ng.out.clone();
    bytes[8] = 0;
    let e = err_of(read_bytes(&bytes).1);
    assert!(
        matches!(
            e,
            CaptureError::Corrupt {
                offset: 0,
                what: Corruption::NgByteOrder { .. },
                ..
            }
        ),
        "{e}"
    );

    // Unusable if_tsresol.
    let mut ng = Ng::new();
    ng.shb(false).idb(1, Some(0x80 | 64), None);
    let e = err_of(read_bytes(&ng.out).1);
    assert!(
        matches!(
            e,
            CaptureError::Corrupt {
                what: Corruption::NgTsresol { if_tsresol: 0xc0 },
                ..
            }
        ),
        "{e}"
    );
}

proptest! {
    /// Arbitrary bytes, alone or after a valid header: never a panic, and streamed reading
    /// agrees with whole reading.
    #[test]
    fn garbage_never_panics(prefix in 0usize..4, tail in proptest::collection::vec(any::<u8>(), 0..600), chunk in 1usize..40) {
        let mut bytes = match prefix {
            0 => Vec::new(),
            1 => pcap(false, false, 1, &[]),
            2 => pcap_modified(true, 1, &[]),
            _ => Ng::new().shb(true).idb(1, Some(9), None).out.clone(),
        };
        bytes.extend_from_slice(&tail);
        let (got, res) = read_bytes(&bytes);
        let (sgot, sres) = read_stream(&bytes, chunk, tail.len() as u64);
        prop_assert_eq!(sgot, got);
        prop_assert_eq!(
            sres.map_err(|e| e.to_string()),
            res.map_err(|e| e.to_string().replace("t.pcap", "<stdin>"))
        );
    }
}
