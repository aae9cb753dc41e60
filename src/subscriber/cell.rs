//! STUB
use super::summary::Partial;
pub fn cell_records(
    _probe: &str,
    _start_us: u64,
    _end_us: u64,
    _subs: &[(&str, &Partial, f64)],
    _worst_n: usize,
) -> Vec<serde_json::Value> {
    Vec::new()
}
