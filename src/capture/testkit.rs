//! Test-only writers of classic pcap and pcapng captures, byte by byte, so reader tests and
//! other modules' tests can build exactly the file they need (odd byte orders, cut blocks,
//! options, several sections).

pub(crate) fn put32(out: &mut Vec<u8>, be: bool, v: u32) {
    out.extend_from_slice(&if be { v.to_be_bytes() } else { v.to_le_bytes() });
}

pub(crate) fn put16(out: &mut Vec<u8>, be: bool, v: u16) {
    out.extend_from_slice(&if be { v.to_be_bytes() } else { v.to_le_bytes() });
}

/// The 24-byte classic pcap file header (version 2.4, snaplen 65535) with `magic`.
fn pcap_header(be: bool, magic: u32, network: u32) -> Vec<u8> {
    let mut out = Vec::new();
    put32(&mut out, be, magic);
    put16(&mut out, be, 2);
    put16(&mut out, be, 4);
    put32(&mut out, be, 0); // thiszone
    put32(&mut out, be, 0); // sigfigs
    put32(&mut out, be, 65535); // snaplen
    put32(&mut out, be, network);
    out
}

/// A classic pcap record: (seconds, fraction, data, original length).
pub(crate) type Rec<'a> = (u32, u32, &'a [u8], u32);

pub(crate) fn pcap(be: bool, ns: bool, network: u32, recs: &[Rec<'_>]) -> Vec<u8> {
    let mut out = pcap_header(be, if ns { 0xa1b2_3c4d } else { 0xa1b2_c3d4 }, network);
    for &(s, f, data, orig) in recs {
        put32(&mut out, be, s);
        put32(&mut out, be, f);
        put32(&mut out, be, data.len() as u32);
        put32(&mut out, be, orig);
        out.extend_from_slice(data);
    }
    out
}

/// A "modified" (Kuznetsov) pcap: magic 0xa1b2cd34, µs, 24-byte records whose extra fields
/// (ifindex, protocol, pkt_type, pad) are filled with non-zero values a reader must skip.
pub(crate) fn pcap_modified(be: bool, network: u32, recs: &[Rec<'_>]) -> Vec<u8> {
    let mut out = pcap_header(be, 0xa1b2_cd34, network);
    for (i, &(s, f, data, orig)) in recs.iter().enumerate() {
        put32(&mut out, be, s);
        put32(&mut out, be, f);
        put32(&mut out, be, data.len() as u32);
        put32(&mut out, be, orig);
        put32(&mut out, be, 2 + i as u32); // ifindex
        put16(&mut out, be, 0x0800); // protocol
        out.push(4); // pkt_type: PACKET_OUTGOING
        out.push(0xee); // pad
        out.extend_from_slice(data);
    }
    out
}

/// A pcapng writer: one block at a time, in the byte order of the current section.
pub(crate) struct Ng {
    pub be: bool,
    pub out: Vec<u8>,
}

impl Ng {
    pub(crate) fn new() -> Self {
        Ng {
            be: false,
            out: Vec::new(),
        }
    }
    pub(crate) fn block(&mut self, ty: u32, body: &[u8]) -> &mut Self {
        let padded = body.len().div_ceil(4) * 4;
        let len = (12 + padded) as u32;
        put32(&mut self.out, self.be, ty);
        put32(&mut self.out, self.be, len);
        self.out.extend_from_slice(body);
        self.out.resize(self.out.len() + padded - body.len(), 0);
        put32(&mut self.out, self.be, len);
        self
    }
    pub(crate) fn shb(&mut self, be: bool) -> &mut Self {
        self.be = be;
        let mut b = Vec::new();
        put32(&mut b, be, 0x1A2B_3C4D);
        put16(&mut b, be, 1);
        put16(&mut b, be, 0);
        b.extend_from_slice(&[0xff; 8]); // section length: unknown
        self.block(0x0A0D_0D0A, &b)
    }
    /// An IDB with optional if_tsresol and if_tsoffset.
    pub(crate) fn idb(
        &mut self,
        link: u16,
        tsresol: Option<u8>,
        tsoffset: Option<i64>,
    ) -> &mut Self {
        self.idb_snap(link, 0, tsresol, tsoffset)
    }
    pub(crate) fn idb_snap(
        &mut self,
        link: u16,
        snaplen: u32,
        tsresol: Option<u8>,
        tsoffset: Option<i64>,
    ) -> &mut Self {
        let be = self.be;
        let mut b = Vec::new();
        put16(&mut b, be, link);
        put16(&mut b, be, 0);
        put32(&mut b, be, snaplen);
        if let Some(r) = tsresol {
            put16(&mut b, be, 9);
            put16(&mut b, be, 1);
            b.extend_from_slice(&[r, 0, 0, 0]);
        }
        if let Some(o) = tsoffset {
            put16(&mut b, be, 14);
            put16(&mut b, be, 8);
            b.extend_from_slice(&if be { o.to_be_bytes() } else { o.to_le_bytes() });
        }
        if tsresol.is_some() || tsoffset.is_some() {
            put32(&mut b, be, 0); // opt_endofopt
        }
        self.block(1, &b)
    }
    pub(crate) fn epb(&mut self, if_id: u32, units: u64, data: &[u8], orig: u32) -> &mut Self {
        let be = self.be;
        let mut b = Vec::new();
        put32(&mut b, be, if_id);
        put32(&mut b, be, (units >> 32) as u32);
        put32(&mut b, be, units as u32);
        put32(&mut b, be, data.len() as u32);
        put32(&mut b, be, orig);
        b.extend_from_slice(data);
        b.resize(b.len().div_ceil(4) * 4, 0);
        // An epb_flags option, to show options are skipped.
        put16(&mut b, be, 2);
        put16(&mut b, be, 4);
        put32(&mut b, be, 1);
        put32(&mut b, be, 0);
        self.block(6, &b)
    }
    pub(crate) fn spb(&mut self, data: &[u8], orig: u32) -> &mut Self {
        let mut b = Vec::new();
        put32(&mut b, self.be, orig);
        b.extend_from_slice(data);
        self.block(3, &b)
    }
    pub(crate) fn pb(&mut self, if_id: u16, units: u64, data: &[u8], orig: u32) -> &mut Self {
        let be = self.be;
        let mut b = Vec::new();
        put16(&mut b, be, if_id);
        put16(&mut b, be, 0); // drops
        put32(&mut b, be, (units >> 32) as u32);
        put32(&mut b, be, units as u32);
        put32(&mut b, be, data.len() as u32);
        put32(&mut b, be, orig);
        b.extend_from_slice(data);
        self.block(2, &b)
    }
}
