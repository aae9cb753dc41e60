//! Service names: a host name (SNI, HTTP Host, DNS answer) mapped through suffix rules.
//!
//! A rule is a service name with a list of domain suffixes. The service of a host is the name
//! of the rule with the longest suffix that equals the host or ends it after a dot
//! (`googlevideo.com` matches `r3.sn-4g5e6nzz.googlevideo.com`, not `notgooglevideo.com`),
//! compared case-insensitively, with a trailing dot and an HTTP `:port` removed first. A host
//! no rule matches is its own service (lower-cased), so no name the flow announced is lost.
//! Config rules (`[services.rules]`) win over the shipped defaults (`config/services.toml`) on
//! equal suffixes.

use std::collections::BTreeMap;

/// The default rules shipped with cemprobe.
pub const DEFAULT_RULES: &str = include_str!("../../config/services.toml");

/// Longest host name considered (DNS names are at most 253 characters).
const MAX_HOST: usize = 253;

/// Compiled suffix rules.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ServiceRules {
    /// Lower-cased suffix → service name (ordered: `check-config` prints it deterministically).
    by_suffix: BTreeMap<String, String>,
}

impl ServiceRules {
    /// Rules from `(service, suffixes)` pairs; earlier pairs win on equal suffixes.
    pub fn new<'a>(rules: impl IntoIterator<Item = (&'a str, &'a [String])>) -> Self {
        let mut by_suffix = BTreeMap::new();
        for (name, suffixes) in rules {
            for s in suffixes {
                let s = s.trim().trim_end_matches('.').to_ascii_lowercase();
                if !s.is_empty() {
                    by_suffix.entry(s).or_insert_with(|| name.to_string());
                }
            }
        }
        Self { by_suffix }
    }

    /// The shipped default rules.
    pub fn defaults() -> Self {
        Self::new(
            parse_rules(DEFAULT_RULES)
                .unwrap_or_default()
                .iter()
                .map(|(n, s)| (n.as_str(), s.as_slice())),
        )
    }

    /// Add `other`'s suffixes that `self` does not have.
    pub fn extend_missing(&mut self, other: ServiceRules) {
        for (k, v) in other.by_suffix {
            self.by_suffix.entry(k).or_insert(v);
        }
    }

    /// The service of `host`; `None` for an empty or over-long host.
    pub fn service(&self, host: &str) -> Option<String> {
        let host = normalize(host)?;
        // Walk the suffixes at label boundaries, longest first.
        let mut rest = host.as_str();
        loop {
            if let Some(name) = self.by_suffix.get(rest) {
                return Some(name.clone());
            }
            match rest.find('.') {
                Some(i) => rest = &rest[i + 1..],
                None => return Some(host),
            }
        }
    }
}

/// Lower-case, without a trailing dot or a `:port`, and without brackets of an IPv6 literal.
fn normalize(host: &str) -> Option<String> {
    let host = host.trim();
    let host = if let Some(v6) = host.strip_prefix('[') {
        v6.split(']').next().unwrap_or(v6)
    } else {
        match host.rsplit_once(':') {
            Some((h, port)) if !h.contains(':') && port.bytes().all(|b| b.is_ascii_digit()) => h,
            _ => host,
        }
    };
    let host = host.trim_end_matches('.');
    if host.is_empty() || host.len() > MAX_HOST {
        return None;
    }
    Some(host.to_ascii_lowercase())
}

/// Parse a rules file: `name = ["suffix", ...]` lines (TOML).
pub fn parse_rules(text: &str) -> Result<Vec<(String, Vec<String>)>, toml::de::Error> {
    let map: std::collections::BTreeMap<String, Vec<String>> = toml::from_str(text)?;
    Ok(map.into_iter().collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn longest_suffix_on_label_boundaries() {
        let rules = ServiceRules::new([
            ("google", &["google.com".to_string()][..]),
            ("maps", &["maps.google.com".to_string()][..]),
        ]);
        assert_eq!(rules.service("www.google.com").as_deref(), Some("google"));
        assert_eq!(rules.service("a.maps.google.com").as_deref(), Some("maps"));
        assert_eq!(rules.service("Maps.Google.COM.").as_deref(), Some("maps"));
        assert_eq!(
            rules.service("notgoogle.com").as_deref(),
            Some("notgoogle.com")
        );
        assert_eq!(rules.service("google.com:8080").as_deref(), Some("google"));
        assert_eq!(
            rules.service("[2001:db8::1]:443").as_deref(),
            Some("2001:db8::1")
        );
        assert_eq!(rules.service(""), None);
    }

    #[test]
    fn defaults_parse_and_cover_big_services() {
        let rules = ServiceRules::defaults();
        assert_eq!(
            rules
                .service("rr4---sn-5hne6nzd.googlevideo.com")
                .as_deref(),
            Some("youtube")
        );
        assert_eq!(
            rules.service("ipv4-c001.1.oca.nflxvideo.net").as_deref(),
            Some("netflix")
        );
        assert_eq!(
            rules.service("scontent.xx.fbcdn.net").as_deref(),
            Some("facebook")
        );
        assert_eq!(
            rules.service("mmg.whatsapp.net").as_deref(),
            Some("whatsapp")
        );
        assert_eq!(
            rules.service("teams.microsoft.com").as_deref(),
            Some("teams")
        );
        assert_eq!(
            rules.service("www.microsoft.com").as_deref(),
            Some("microsoft")
        );
    }

    #[test]
    fn config_rules_win_on_equal_suffixes() {
        let mut rules = ServiceRules::new([("mine", &["googlevideo.com".to_string()][..])]);
        rules.extend_missing(ServiceRules::defaults());
        assert_eq!(rules.service("x.googlevideo.com").as_deref(), Some("mine"));
        assert_eq!(rules.service("www.youtube.com").as_deref(), Some("youtube"));
    }
}
