//! Subscribers (DESIGN §5): who a flow belongs to, and what each subscriber experienced.
//!
//! * [`static_map`]: the CSV map `cidr,subscriber[,segment]` (`--subscribers FILE`).
//! * [`bindings`]: identities learned from GTPv2-C and RADIUS accounting, one replica per
//!   worker, updated in capture order (every worker sees every control packet).
//! * [`rollup`]: a worker's per-subscriber partials for the open interval.
//! * [`summary`], [`latency`]: the partial itself and its latency distributions; the merger
//!   merges the workers' partials into one `subscriber` record per subscriber.

pub mod bindings;
pub mod cell;
pub mod latency;
pub mod record;
pub mod rollup;
pub mod score;
pub mod static_map;
pub mod summary;
