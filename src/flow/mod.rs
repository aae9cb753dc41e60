//! Flows: canonical keys, the per-worker flow table, the TCP tracker and flow records.

pub mod key;
mod record;
pub mod table;
pub mod tcp;

/// Direction of a packet relative to the flow's client (DESIGN §4: client = sender of the first
/// SYN; UDP: of the first packet; start not seen: the side with the higher port).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Dir {
    /// Client to server.
    C2S = 0,
    /// Server to client.
    S2C = 1,
}

impl Dir {
    pub const fn index(self) -> usize {
        self as usize
    }
    pub const fn reverse(self) -> Dir {
        match self {
            Dir::C2S => Dir::S2C,
            Dir::S2C => Dir::C2S,
        }
    }
}
