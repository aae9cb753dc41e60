//! Decode outcomes other than success, with stable counter names.
//!
//! (Skeleton: the decode work fills in every variant; the API below is what the rest of the
//! crate relies on.)

/// The protocol layer at which decoding stopped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Layer {
    Ethernet,
}

/// Why a frame is malformed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    #[error("{layer:?} needs {need} bytes at offset {offset}, only {have} captured")]
    Truncated { layer: Layer, offset: u16, need: u16, have: u16 },
}

/// Why a well-formed frame carries no flow (not IP, unknown link type, …).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ignored {
    NotIp { ethertype: u16 },
}

/// A frame that was not decoded into a flow.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Skip {
    Malformed(DecodeError),
    Ignored(Ignored),
}

/// A stable counter name for every malformed or ignored outcome: a dense index for per-worker
/// counter arrays, and the name exported in `stats` records.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[repr(u8)]
pub enum Reason {
    EthernetTruncated,
    NotIp,
}

impl Reason {
    pub const COUNT: usize = 2;
    pub const ALL: [Reason; Self::COUNT] = [Reason::EthernetTruncated, Reason::NotIp];
    pub const fn name(self) -> &'static str {
        match self {
            Reason::EthernetTruncated => "ethernet_truncated",
            Reason::NotIp => "not_ip",
        }
    }
    pub const fn is_malformed(self) -> bool {
        matches!(self, Reason::EthernetTruncated)
    }
    pub const fn index(self) -> usize {
        self as usize
    }
}

impl Skip {
    pub const fn reason(&self) -> Reason {
        match self {
            Skip::Malformed(DecodeError::Truncated { .. }) => Reason::EthernetTruncated,
            Skip::Ignored(Ignored::NotIp { .. }) => Reason::NotIp,
        }
    }
}
