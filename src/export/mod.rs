//! Export: record schema and sinks (stdout NDJSON, rotating zstd files).

pub mod record;
pub mod sink;
