//! Subscriber identity (DESIGN §5). For now: the static map (`--subscribers FILE`); GTPv2-C and
//! RADIUS bindings and the per-subscriber rollup come with the rest of the subscriber issue.

pub mod static_map;
