//! GTPv2-C (3GPP TS 29.274) control messages: the pure parser (issue 4 groundwork).
//!
//! What this module owns:
//! * [`parse`]: one message: the header (§5.1: version 2, piggyback flag, TEID, sequence
//!   number, message type) and the IEs that bind a subscriber to addresses and tunnels
//!   (DESIGN §5): IMSI, MSISDN, MEI, APN, ULI (through [`crate::app::uli`]), PAA, F-TEIDs,
//!   Bearer Contexts (grouped: EBI, F-TEIDs, Cause), Cause and RAT type;
//! * [`messages`]: every message of a UDP datagram, the piggybacked one included (§5.5.1);
//! * [`ies`]: the checked IE walk (§8.2) the decoders are built on.
//!
//! What it refuses to do: it never panics on input, keeps no state, and bounds what it keeps
//! ([`MAX_FTEIDS`], [`MAX_BEARERS`], [`MAX_BEARER_FTEIDS`], [`MAX_DIGITS_LEN`]). Unknown IEs
//! and message types are data: skipped or kept as numbers, never errors. Every error has a
//! stable counter name ([`GtpcError::name`]). Matching requests with responses and binding
//! identities is the job of per-flow state, not of this module.

mod parse;

#[cfg(test)]
mod captures;
#[cfg(test)]
mod parse_tests;

pub use parse::{
    header, ies, messages, parse, BearerContext, Cause, Fteid, FteidInterface, GtpcError,
    GtpcMessage, Header, Ie, IeIter, IeType, Messages, MsgType, Paa, PdnType, RatType, MAX_BEARERS,
    MAX_BEARER_FTEIDS, MAX_DIGITS_LEN, MAX_FTEIDS, MAX_MESSAGES,
};
