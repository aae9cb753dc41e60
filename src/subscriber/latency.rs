//! STUB
#[derive(Clone, Debug, Default)]
pub struct Samples {
    v: Vec<u64>,
}
impl Samples {
    pub fn record(&mut self, v: u64) {
        self.v.push(v)
    }
    pub fn merge(&mut self, o: &Samples) {
        self.v.extend_from_slice(&o.v)
    }
    pub fn count(&self) -> u64 {
        self.v.len() as u64
    }
}
