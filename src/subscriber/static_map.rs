//! The static subscriber map: CSV `cidr,subscriber[,segment]`, longest prefix wins (DESIGN §5).
//!
//! File format: one entry per line; blank lines and lines starting with `#` are skipped, and a
//! first line `cidr,subscriber[,segment]` is taken for a header. `cidr` is an IPv4 or IPv6
//! address with an optional prefix length (host bits are ignored); `subscriber` is written into
//! the records as given (e.g. `msisdn:4915112345678` or `cust-0042`); `segment` is an optional
//! label (`enterprise`, `prepaid`, …) kept for the subscriber records. The same prefix twice is
//! an error (which one was meant?), naming both lines.
//!
//! Lookup: one hash probe per prefix length present in the map, longest first, so at most 33
//! (IPv4) or 129 (IPv6) probes, and usually a handful; done once per record, never per packet.

use std::collections::HashMap;
use std::net::IpAddr;
use std::path::Path;
use std::sync::Arc;

use crate::config::Cidr;

/// What an address maps to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    pub subscriber: Arc<str>,
    pub segment: Option<Arc<str>>,
}

/// A loaded map.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct StaticMap {
    v4: HashMap<(u8, u32), (Entry, usize)>,
    v6: HashMap<(u8, u128), (Entry, usize)>,
    /// Prefix lengths present, longest first.
    v4_lens: Vec<u8>,
    v6_lens: Vec<u8>,
}

/// Why a map could not be loaded: the file and line, and what to do.
#[derive(Debug, thiserror::Error)]
pub enum StaticMapError {
    #[error("{path}: cannot read the subscriber map: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("{path}:{line}: {message}")]
    Line {
        path: String,
        line: usize,
        message: String,
    },
}

fn mask_v4(a: u32, len: u8) -> u32 {
    a & u32::MAX.checked_shl(32 - u32::from(len)).unwrap_or(0)
}

fn mask_v6(a: u128, len: u8) -> u128 {
    a & u128::MAX.checked_shl(128 - u32::from(len)).unwrap_or(0)
}

impl StaticMap {
    /// Load a CSV file.
    pub fn load(path: &Path) -> Result<StaticMap, StaticMapError> {
        let text = std::fs::read_to_string(path).map_err(|source| StaticMapError::Read {
            path: path.display().to_string(),
            source,
        })?;
        Self::parse(&text).map_err(|(line, message)| StaticMapError::Line {
            path: path.display().to_string(),
            line,
            message,
        })
    }

    /// Parse CSV text; errors give the 1-based line and the message.
    pub fn parse(text: &str) -> Result<StaticMap, (usize, String)> {
        let mut map = StaticMap::default();
        for (i, raw) in text.lines().enumerate() {
            let line_no = i + 1;
            let line = raw.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let fields: Vec<&str> = line.split(',').map(str::trim).collect();
            if line_no == 1 && fields.first() == Some(&"cidr") {
                continue;
            }
            let (cidr, subscriber, segment) = match fields.as_slice() {
                [c, s] => (*c, *s, None),
                [c, s, g] => (*c, *s, (!g.is_empty()).then_some(*g)),
                _ => {
                    return Err((
                        line_no,
                        format!(
                            "expected `cidr,subscriber[,segment]`, got {} fields",
                            fields.len()
                        ),
                    ))
                }
            };
            let cidr: Cidr = cidr.parse().map_err(|e| (line_no, e))?;
            if subscriber.is_empty() {
                return Err((line_no, "the subscriber field is empty".into()));
            }
            let entry = Entry {
                subscriber: Arc::from(subscriber),
                segment: segment.map(Arc::from),
            };
            let len = cidr.prefix_len();
            let previous = match cidr.addr() {
                IpAddr::V4(a) => {
                    let key = (len, mask_v4(u32::from(a), len));
                    map.v4.insert(key, (entry, line_no))
                }
                IpAddr::V6(a) => {
                    let key = (len, mask_v6(u128::from(a), len));
                    map.v6.insert(key, (entry, line_no))
                }
            };
            if let Some((_, first)) = previous {
                return Err((
                    line_no,
                    format!("the same prefix is already on line {first}: keep one of them"),
                ));
            }
        }
        let mut v4: Vec<u8> = map.v4.keys().map(|k| k.0).collect();
        v4.sort_unstable_by(|a, b| b.cmp(a));
        v4.dedup();
        let mut v6: Vec<u8> = map.v6.keys().map(|k| k.0).collect();
        v6.sort_unstable_by(|a, b| b.cmp(a));
        v6.dedup();
        map.v4_lens = v4;
        map.v6_lens = v6;
        Ok(map)
    }

    /// Entries loaded.
    pub fn len(&self) -> usize {
        self.v4.len() + self.v6.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The entry of the longest prefix holding `ip`.
    pub fn lookup(&self, ip: IpAddr) -> Option<&Entry> {
        match ip {
            IpAddr::V4(a) => {
                let a = u32::from(a);
                self.v4_lens
                    .iter()
                    .find_map(|&len| self.v4.get(&(len, mask_v4(a, len))))
                    .map(|(e, _)| e)
            }
            IpAddr::V6(a) => {
                let a = u128::from(a);
                self.v6_lens
                    .iter()
                    .find_map(|&len| self.v6.get(&(len, mask_v6(a, len))))
                    .map(|(e, _)| e)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn longest_prefix_wins_and_segments_are_kept() {
        let map = StaticMap::parse(
            "cidr,subscriber,segment\n# comment\n\n10.0.0.0/8,corp,enterprise\n10.1.2.0/24 , cust-7\n10.1.2.3,msisdn:4915100000001,prepaid\n2001:db8::/32,v6-sub\n",
        )
        .unwrap();
        assert_eq!(map.len(), 4);
        let e = map.lookup(ip("10.1.2.3")).unwrap();
        assert_eq!(&*e.subscriber, "msisdn:4915100000001");
        assert_eq!(e.segment.as_deref(), Some("prepaid"));
        assert_eq!(&*map.lookup(ip("10.1.2.4")).unwrap().subscriber, "cust-7");
        assert_eq!(map.lookup(ip("10.1.2.4")).unwrap().segment, None);
        assert_eq!(&*map.lookup(ip("10.200.0.1")).unwrap().subscriber, "corp");
        assert_eq!(map.lookup(ip("11.0.0.1")), None);
        assert_eq!(
            &*map.lookup(ip("2001:db8:1::5")).unwrap().subscriber,
            "v6-sub"
        );
        assert_eq!(map.lookup(ip("2001:db9::5")), None);
    }

    #[test]
    fn errors_name_the_line() {
        assert_eq!(StaticMap::parse("10.0.0.0/8\n").unwrap_err().0, 1);
        assert_eq!(StaticMap::parse("# x\nnot-an-ip,a\n").unwrap_err().0, 2);
        assert_eq!(StaticMap::parse("10.0.0.0/33,a\n").unwrap_err().0, 1);
        assert_eq!(StaticMap::parse("10.0.0.0/8,\n").unwrap_err().0, 1);
        let dup = StaticMap::parse("10.0.0.0/8,a\n10.9.9.9/8,b\n").unwrap_err();
        assert_eq!(dup.0, 2);
        assert!(dup.1.contains("line 1"), "{}", dup.1);
    }

    #[test]
    fn zero_length_prefix_matches_everything_of_its_family() {
        let map = StaticMap::parse("0.0.0.0/0,all-v4\n").unwrap();
        assert_eq!(&*map.lookup(ip("192.0.2.1")).unwrap().subscriber, "all-v4");
        assert_eq!(map.lookup(ip("::1")), None);
    }
}
