//! STUB
use super::summary::Partial;
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ScoreConfig {}
pub fn score(_p: &Partial, _cfg: &ScoreConfig) -> (f64, Option<&'static str>) {
    (100.0, None)
}
