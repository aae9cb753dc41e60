//! RADIUS accounting (RFC 2866) and access (RFC 2865) packets: the pure parser and the
//! accounting authenticator checks. Groundwork for subscriber identity (DESIGN §5, issue 4):
//! Accounting Start/Interim-Update bind Framed-IP-Address to User-Name, Calling-Station-Id
//! (MSISDN) and 3GPP-IMSI; Stop unbinds.
//!
//! What this module owns:
//! * [`parse`]: one datagram → [`RadiusPacket`]: header, and the attributes identity needs
//!   (RFC 2865/2866/2869/3162/6911 and 3GPP vendor 10415, TS 29.061 §16.4.7);
//! * [`verify_accounting_request`] and [`verify_accounting_response`] (RFC 2866 §3).
//!
//! What it refuses to do: it holds no state, never panics on input, never reads past the
//! packet's Length field (the rest is padding), and never fails on an unknown code, attribute
//! or vendor (they are data, skipped). Every error has a stable counter name
//! ([`RadiusError::name`]).

mod auth;
pub mod parse;

#[cfg(test)]
mod captures;
#[cfg(test)]
mod parse_tests;

pub use auth::{verify_accounting_request, verify_accounting_response};
pub use parse::{
    parse, push_text, AcctStatusType, Attrs3gpp, Code, Ipv6Prefix, RadiusError, RadiusPacket,
    MAX_LENGTH, MIN_LENGTH, VENDOR_3GPP,
};
