//! STUB
use super::summary::Partial;
pub fn subscriber_record(
    probe: &str,
    start_us: u64,
    end_us: u64,
    id: &str,
    p: &Partial,
    score: (f64, Option<&str>),
    _top: usize,
) -> serde_json::Value {
    serde_json::json!({"type":"subscriber","v":1,"probe":probe,"start_us":start_us,"end_us":end_us,"subscriber":id,"up_bytes":p.up_bytes,"score":score.0})
}
