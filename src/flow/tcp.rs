//! TCP connection tracker: handshake, outcome, RTTs, TTFB, retransmissions (DESIGN §4).

use crate::decode::TcpFlags;
use crate::flow::Dir;
use crate::time::Timestamp;

/// One TCP segment as the tracker sees it, direction already resolved by the flow table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Segment {
    pub ts: Timestamp,
    pub dir: Dir,
    pub seq: u32,
    pub ack: u32,
    pub flags: TcpFlags,
    /// Advertised window, unscaled as in the header.
    pub window: u16,
    /// Payload length from the IP header (wire length).
    pub payload_len: u32,
    /// TCP timestamps option (TSval, TSecr).
    pub timestamps: Option<(u32, u32)>,
}

/// How a connection closed, when the tracker saw it close.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Close {
    /// Both FINs seen and the second one acknowledged.
    Fin,
    /// A RST was seen.
    Rst,
}

/// What the tracker tells the flow table about one segment.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Verdict {
    /// The connection just closed with this segment (reported once).
    pub closed: Option<Close>,
    /// This segment is a client SYN with a new ISN after the connection was established or
    /// closed: a new connection reusing the 4-tuple. The tracker did NOT apply it; the table
    /// ends this flow and starts a new one with the segment.
    pub new_connection: bool,
}

/// TCP outcome (DESIGN §4).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    Established,
    Reset,
    Refused,
    Unanswered,
    NoHandshake,
}

impl Outcome {
    pub const fn name(self) -> &'static str {
        match self {
            Outcome::Established => "established",
            Outcome::Reset => "reset",
            Outcome::Refused => "refused",
            Outcome::Unanswered => "unanswered",
            Outcome::NoHandshake => "no_handshake",
        }
    }
}

/// Summary statistics of data RTT samples, in microseconds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RttStats {
    pub count: u32,
    pub min: u64,
    /// Integer mean (floor of sum / count).
    pub mean: u64,
    pub max: u64,
}

/// Per-direction TCP counters.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DirCounters {
    pub retransmits: u32,
    pub out_of_order: u32,
    pub zero_window: u32,
}

/// Everything the flow record needs from the tracker.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TcpReport {
    pub outcome: Outcome,
    pub syn_retries: u32,
    /// Distinct client ISNs seen (connection attempts).
    pub attempts: u32,
    pub server_rtt_us: Option<u64>,
    pub client_rtt_us: Option<u64>,
    pub handshake_rtt_us: Option<u64>,
    pub ttfb_us: Option<u64>,
    pub data_rtt: Option<RttStats>,
    pub rst_by: Option<Dir>,
    /// Indexed by [`Dir::index`].
    pub dirs: [DirCounters; 2],
}

/// Per-connection TCP state.
#[derive(Clone, Debug, Default)]
pub struct TcpTracker {}

impl TcpTracker {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn update(&mut self, _seg: &Segment) -> Verdict {
        Verdict::default()
    }

    pub fn report(&self) -> TcpReport {
        TcpReport {
            outcome: Outcome::NoHandshake,
            syn_retries: 0,
            attempts: 0,
            server_rtt_us: None,
            client_rtt_us: None,
            handshake_rtt_us: None,
            ttfb_us: None,
            data_rtt: None,
            rst_by: None,
            dirs: [DirCounters::default(); 2],
        }
    }
}
