//! Configuration: the TOML file as written ([`RawConfig`]) → a validated [`Config`].
//!
//! Every key is optional and has a documented default; unknown keys are rejected so that a
//! typo never silently falls back to a default. Durations are strings with a unit
//! (`"500ms"`, `"60s"`, `"5m"`, `"1h"`), never bare numbers. Errors name the key and the fix.

use std::path::Path;

use serde::Deserialize;

/// The config file as written.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawConfig {
    #[serde(default)]
    pub probe: RawProbe,
    #[serde(default)]
    pub flow: RawFlow,
    #[serde(default)]
    pub decode: RawDecode,
    #[serde(default)]
    pub output: RawOutput,
    #[serde(default)]
    pub app: RawApp,
    #[serde(default)]
    pub dns: RawDns,
    #[serde(default)]
    pub services: RawServices,
    #[serde(default)]
    pub subscribers: RawSubscribers,
    #[serde(default)]
    pub throughput: RawThroughput,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSubscribers {
    /// Static subscriber map, CSV `cidr,subscriber[,segment]` (default: none). `read
    /// --subscribers FILE` overrides it.
    pub static_map: Option<String>,
    /// File holding the RADIUS shared secret: accounting requests whose authenticator does
    /// not verify are ignored and counted (default: no check).
    pub radius_secret_file: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawThroughput {
    /// Downstream payload bytes a TCP flow needs to give a goodput sample (default 262144).
    pub min_bytes: Option<u64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawApp {
    /// Parse DNS, HTTP/1.x, TLS and QUIC (default true).
    pub enabled: Option<bool>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawDns {
    /// A query with no response this long after it is a `timeout` (default "5s").
    pub timeout: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawServices {
    /// Use the shipped default rules (`config/services.toml`) after these (default true).
    pub defaults: Option<bool>,
    /// Service name → domain suffixes, e.g. `youtube = ["youtube.com", "googlevideo.com"]`.
    #[serde(default)]
    pub rules: std::collections::BTreeMap<String, Vec<String>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawProbe {
    /// Probe id carried by every record (default: the host name).
    pub id: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawFlow {
    /// Flows tracked at once over all workers (default 1000000).
    pub max_flows: Option<usize>,
    /// Idle timeout of non-TCP flows (default "60s").
    pub idle_timeout: Option<String>,
    /// Idle timeout of TCP flows (default "300s").
    pub tcp_idle_timeout: Option<String>,
    /// Interim record period for long flows (default "300s").
    pub active_timeout: Option<String>,
    /// How long a closed TCP flow stays to absorb late packets (default "2s").
    pub close_linger: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawDecode {
    /// Incomplete fragmented datagrams are dropped after this (default "30s").
    pub frag_timeout: Option<String>,
    /// Datagrams under reassembly at once, per worker (default 4096).
    pub frag_max_datagrams: Option<usize>,
    /// Bytes buffered for reassembly, per worker (default "8MiB" given as bytes: 8388608).
    pub frag_max_bytes: Option<usize>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawOutput {
    /// Rotate `--out` files after this many uncompressed bytes (default 268435456).
    pub rotate_bytes: Option<u64>,
    /// Rotate `--out` files after this much packet time (default "300s").
    pub rotate_interval: Option<String>,
    /// zstd level for `--out` files (default 3).
    pub zstd_level: Option<i32>,
}

/// Flow table settings (all times in microseconds of packet time).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FlowConfig {
    pub max_flows: usize,
    pub idle_timeout_us: u64,
    pub tcp_idle_timeout_us: u64,
    pub active_timeout_us: u64,
    pub close_linger_us: u64,
}

impl Default for FlowConfig {
    fn default() -> Self {
        Self {
            max_flows: 1_000_000,
            idle_timeout_us: 60_000_000,
            tcp_idle_timeout_us: 300_000_000,
            active_timeout_us: 300_000_000,
            close_linger_us: 2_000_000,
        }
    }
}

/// Decoder settings.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DecodeConfig {
    pub frag_timeout_us: u64,
    pub frag_max_datagrams: usize,
    pub frag_max_bytes: usize,
}

impl Default for DecodeConfig {
    fn default() -> Self {
        Self {
            frag_timeout_us: 30_000_000,
            frag_max_datagrams: 4096,
            frag_max_bytes: 8 << 20,
        }
    }
}

/// File output settings.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OutputConfig {
    pub rotate_bytes: u64,
    pub rotate_interval_us: u64,
    pub zstd_level: i32,
}

impl Default for OutputConfig {
    fn default() -> Self {
        Self {
            rotate_bytes: 256 << 20,
            rotate_interval_us: 300_000_000,
            zstd_level: 3,
        }
    }
}

/// The validated configuration.
#[derive(Clone, Debug, PartialEq)]
pub struct Config {
    pub probe_id: String,
    pub flow: FlowConfig,
    pub decode: DecodeConfig,
    pub output: OutputConfig,
    pub app: crate::app::flow::AppConfig,
    /// `[services]`: config rules, then (unless `defaults = false`) the shipped ones.
    pub services: std::sync::Arc<crate::app::service::ServiceRules>,
    /// `[subscribers] static_map`, loaded.
    pub static_map: Option<std::sync::Arc<crate::subscriber::static_map::StaticMap>>,
    /// `[subscribers] radius_secret_file`, read: RADIUS accounting requests whose
    /// authenticator does not verify with it are ignored (counted).
    pub radius_secret: Option<Vec<u8>>,
    /// `[throughput] min_bytes`: downstream payload a TCP flow needs for a goodput sample.
    pub throughput_min_bytes: u64,
    /// `[score]`: experience score weights and thresholds (DESIGN §4).
    pub score: crate::subscriber::score::ScoreConfig,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            probe_id: default_probe_id(),
            flow: FlowConfig::default(),
            decode: DecodeConfig::default(),
            output: OutputConfig::default(),
            app: crate::app::flow::AppConfig::default(),
            services: std::sync::Arc::new(crate::app::service::ServiceRules::defaults()),
            static_map: None,
            radius_secret: None,
            throughput_min_bytes: 256 << 10,
            score: Default::default(),
        }
    }
}

/// A configuration error, naming the key (or file) and what to do.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{path}: cannot read the config file: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("{path}: {message}")]
    Parse { path: String, message: String },
    #[error("`{key}`: {message}")]
    Invalid { key: &'static str, message: String },
}

impl Config {
    /// Read and validate a TOML config file.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.display().to_string(),
            source,
        })?;
        Self::from_toml(&text).map_err(|e| match e {
            ConfigError::Parse { message, .. } => ConfigError::Parse {
                path: path.display().to_string(),
                message,
            },
            other => other,
        })
    }

    /// Parse and validate TOML text.
    pub fn from_toml(text: &str) -> Result<Config, ConfigError> {
        let raw: RawConfig = toml::from_str(text).map_err(|e| ConfigError::Parse {
            path: String::new(),
            message: e.to_string().trim_end().to_owned(),
        })?;
        Config::try_from(raw)
    }
}

impl TryFrom<RawConfig> for Config {
    type Error = ConfigError;

    fn try_from(raw: RawConfig) -> Result<Config, ConfigError> {
        let d = Config::default();
        let flow = FlowConfig {
            max_flows: positive("flow.max_flows", raw.flow.max_flows, d.flow.max_flows)?,
            idle_timeout_us: duration(
                "flow.idle_timeout",
                raw.flow.idle_timeout,
                d.flow.idle_timeout_us,
            )?,
            tcp_idle_timeout_us: duration(
                "flow.tcp_idle_timeout",
                raw.flow.tcp_idle_timeout,
                d.flow.tcp_idle_timeout_us,
            )?,
            active_timeout_us: duration(
                "flow.active_timeout",
                raw.flow.active_timeout,
                d.flow.active_timeout_us,
            )?,
            close_linger_us: duration(
                "flow.close_linger",
                raw.flow.close_linger,
                d.flow.close_linger_us,
            )?,
        };
        for (key, v) in [
            ("flow.idle_timeout", flow.idle_timeout_us),
            ("flow.tcp_idle_timeout", flow.tcp_idle_timeout_us),
            ("flow.active_timeout", flow.active_timeout_us),
        ] {
            if v < 1_000_000 {
                return Err(ConfigError::Invalid {
                    key,
                    message:
                        "must be at least \"1s\" (flows are swept once per second of packet time)"
                            .into(),
                });
            }
        }
        let decode = DecodeConfig {
            frag_timeout_us: duration(
                "decode.frag_timeout",
                raw.decode.frag_timeout,
                d.decode.frag_timeout_us,
            )?,
            frag_max_datagrams: positive(
                "decode.frag_max_datagrams",
                raw.decode.frag_max_datagrams,
                d.decode.frag_max_datagrams,
            )?,
            frag_max_bytes: positive(
                "decode.frag_max_bytes",
                raw.decode.frag_max_bytes,
                d.decode.frag_max_bytes,
            )?,
        };
        let output = OutputConfig {
            rotate_bytes: positive(
                "output.rotate_bytes",
                raw.output.rotate_bytes,
                d.output.rotate_bytes,
            )?,
            rotate_interval_us: duration(
                "output.rotate_interval",
                raw.output.rotate_interval,
                d.output.rotate_interval_us,
            )?,
            zstd_level: match raw.output.zstd_level {
                None => d.output.zstd_level,
                Some(l) if (1..=19).contains(&l) => l,
                Some(l) => {
                    return Err(ConfigError::Invalid {
                        key: "output.zstd_level",
                        message: format!("{l} is out of range: use 1 (fastest) to 19 (smallest)"),
                    })
                }
            },
        };
        let probe_id = match raw.probe.id {
            Some(id) if id.trim().is_empty() => {
                return Err(ConfigError::Invalid {
                    key: "probe.id",
                    message: "must not be empty: remove the key to use the host name".into(),
                })
            }
            Some(id) => id,
            None => d.probe_id,
        };
        let app = crate::app::flow::AppConfig {
            enabled: raw.app.enabled.unwrap_or(d.app.enabled),
            dns_timeout_us: duration("dns.timeout", raw.dns.timeout, d.app.dns_timeout_us)?,
        };
        if app.dns_timeout_us == 0 {
            return Err(ConfigError::Invalid {
                key: "dns.timeout",
                message: "must be greater than 0, e.g. \"5s\"".into(),
            });
        }
        for (name, suffixes) in &raw.services.rules {
            if name.trim().is_empty() || suffixes.iter().any(|s| s.trim().is_empty()) {
                return Err(ConfigError::Invalid {
                    key: "services.rules",
                    message: format!(
                        "rule \"{name}\": names and suffixes must not be empty, e.g. youtube = [\"youtube.com\"]"
                    ),
                });
            }
        }
        let mut services = crate::app::service::ServiceRules::new(
            raw.services
                .rules
                .iter()
                .map(|(n, s)| (n.as_str(), s.as_slice())),
        );
        if raw.services.defaults.unwrap_or(true) {
            services.extend_missing(crate::app::service::ServiceRules::defaults());
        }
        let static_map = match raw.subscribers.static_map {
            None => None,
            Some(path) => Some(std::sync::Arc::new(
                crate::subscriber::static_map::StaticMap::load(std::path::Path::new(&path))
                    .map_err(|e| ConfigError::Invalid {
                        key: "subscribers.static_map",
                        message: e.to_string(),
                    })?,
            )),
        };
        let radius_secret = match raw.subscribers.radius_secret_file {
            None => None,
            Some(path) => {
                let bytes = std::fs::read(&path).map_err(|e| ConfigError::Invalid {
                    key: "subscribers.radius_secret_file",
                    message: format!("{path}: cannot read the RADIUS shared secret: {e}"),
                })?;
                // A trailing newline from `echo secret > file` is not part of the secret.
                let end = bytes
                    .iter()
                    .rposition(|&b| b != b'\n' && b != b'\r')
                    .map_or(0, |i| i + 1);
                if end == 0 {
                    return Err(ConfigError::Invalid {
                        key: "subscribers.radius_secret_file",
                        message: format!("{path} is empty: put the shared secret in it, or remove the key to skip the check"),
                    });
                }
                Some(bytes[..end].to_vec())
            }
        };
        Ok(Config {
            probe_id,
            flow,
            decode,
            output,
            app,
            services: std::sync::Arc::new(services),
            static_map,
            radius_secret,
            throughput_min_bytes: positive(
                "throughput.min_bytes",
                raw.throughput.min_bytes,
                d.throughput_min_bytes,
            )?,
            score: d.score,
        })
    }
}

fn positive<T: PartialOrd + Default + Copy + std::fmt::Display>(
    key: &'static str,
    value: Option<T>,
    default: T,
) -> Result<T, ConfigError> {
    match value {
        None => Ok(default),
        Some(v) if v > T::default() => Ok(v),
        Some(v) => Err(ConfigError::Invalid {
            key,
            message: format!("{v} must be greater than 0"),
        }),
    }
}

fn duration(key: &'static str, value: Option<String>, default_us: u64) -> Result<u64, ConfigError> {
    match value {
        None => Ok(default_us),
        Some(text) => parse_duration_us(&text).ok_or_else(|| ConfigError::Invalid {
            key,
            message: format!(
                "\"{text}\" is not a duration: write a number with a unit, e.g. \"500ms\", \"60s\", \"5m\", \"1h\""
            ),
        }),
    }
}

/// Parse `"<integer><unit>"` with unit `us`, `ms`, `s`, `m` or `h` into microseconds.
pub fn parse_duration_us(text: &str) -> Option<u64> {
    let text = text.trim();
    let split = text.find(|c: char| !c.is_ascii_digit())?;
    let (digits, unit) = text.split_at(split);
    let n: u64 = digits.parse().ok()?;
    let scale = match unit.trim() {
        "us" | "µs" => 1,
        "ms" => 1_000,
        "s" => 1_000_000,
        "m" | "min" => 60_000_000,
        "h" => 3_600_000_000,
        _ => return None,
    };
    n.checked_mul(scale)
}

/// The host name, for the default probe id (falls back to "cemprobe").
pub fn default_probe_id() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "cemprobe".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_need_units() {
        assert_eq!(parse_duration_us("60s"), Some(60_000_000));
        assert_eq!(parse_duration_us("500ms"), Some(500_000));
        assert_eq!(parse_duration_us("5m"), Some(300_000_000));
        assert_eq!(parse_duration_us("60"), None);
        assert_eq!(parse_duration_us("s"), None);
    }

    #[test]
    fn app_dns_services_and_static_map_sections() {
        let dir = std::env::temp_dir().join(format!("cemprobe-config-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let map = dir.join("map.csv");
        std::fs::write(&map, "192.0.2.0/24,cust-1,gold\n").unwrap();
        let text = format!(
            "[app]\nenabled = false\n[dns]\ntimeout = \"2s\"\n[services]\ndefaults = false\n[services.rules]\nmine = [\"example.net\"]\n[subscribers]\nstatic_map = \"{}\"\n",
            map.display()
        );
        let c = Config::from_toml(&text).unwrap();
        assert!(!c.app.enabled);
        assert_eq!(c.app.dns_timeout_us, 2_000_000);
        assert_eq!(c.services.service("a.example.net").as_deref(), Some("mine"));
        // Without the defaults, a YouTube host is its own service.
        assert_eq!(
            c.services.service("www.youtube.com").as_deref(),
            Some("www.youtube.com")
        );
        let m = c.static_map.expect("map loaded");
        let e = m.lookup("192.0.2.9".parse().unwrap()).unwrap();
        assert_eq!(
            (&*e.subscriber, e.segment.as_deref()),
            ("cust-1", Some("gold"))
        );
        let missing = Config::from_toml("[subscribers]\nstatic_map = \"/no/such.csv\"\n")
            .unwrap_err()
            .to_string();
        assert!(
            missing.contains("subscribers.static_map") && missing.contains("/no/such.csv"),
            "{missing}"
        );
        let zero = Config::from_toml("[dns]\ntimeout = \"0s\"\n")
            .unwrap_err()
            .to_string();
        assert!(zero.contains("dns.timeout"), "{zero}");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn unknown_keys_are_rejected_with_their_name() {
        let err = Config::from_toml("[flow]\nidle_timout = \"5s\"\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("idle_timout"), "{err}");
    }

    #[test]
    fn invalid_values_name_the_key() {
        let err = Config::from_toml("[flow]\nidle_timeout = \"60\"\n")
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("`flow.idle_timeout`"), "{err}");
        let err = Config::from_toml("[flow]\nmax_flows = 0\n")
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("`flow.max_flows`"), "{err}");
    }

    #[test]
    fn defaults_apply() {
        let c = Config::from_toml("[probe]\nid = \"p1\"\n").unwrap();
        assert_eq!(c.probe_id, "p1");
        assert_eq!(c.flow, FlowConfig::default());
    }
}

/// An IP prefix (`10.0.0.0/8`, `2001:db8::/32`), for `--home-net`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cidr {
    addr: std::net::IpAddr,
    len: u8,
}

impl Cidr {
    /// The prefix's address as written (host bits may be set).
    pub fn addr(&self) -> std::net::IpAddr {
        self.addr
    }

    /// The prefix length in bits.
    pub fn prefix_len(&self) -> u8 {
        self.len
    }

    /// Whether `ip` is inside this prefix (an IPv4 prefix never holds an IPv6 address).
    pub fn contains(&self, ip: std::net::IpAddr) -> bool {
        use std::net::IpAddr::{V4, V6};
        match (self.addr, ip) {
            (V4(net), V4(a)) => {
                let mask = u32::MAX.checked_shl(32 - u32::from(self.len)).unwrap_or(0);
                u32::from(net) & mask == u32::from(a) & mask
            }
            (V6(net), V6(a)) => {
                let mask = u128::MAX
                    .checked_shl(128 - u32::from(self.len))
                    .unwrap_or(0);
                u128::from(net) & mask == u128::from(a) & mask
            }
            _ => false,
        }
    }
}

impl std::str::FromStr for Cidr {
    type Err = String;
    fn from_str(s: &str) -> Result<Cidr, String> {
        let (a, l) = s.split_once('/').unwrap_or((s, ""));
        let addr: std::net::IpAddr = a
            .trim()
            .parse()
            .map_err(|_| format!("\"{s}\" is not an address/prefix like 10.0.0.0/8"))?;
        let max = if addr.is_ipv4() { 32 } else { 128 };
        let len = if l.is_empty() {
            max
        } else {
            l.trim()
                .parse::<u8>()
                .ok()
                .filter(|&n| n <= max)
                .ok_or_else(|| format!("\"{s}\": prefix length must be 0..={max}"))?
        };
        Ok(Cidr { addr, len })
    }
}

#[cfg(test)]
mod cidr_tests {
    use super::Cidr;

    #[test]
    fn contains() {
        let c: Cidr = "10.1.0.0/16".parse().unwrap();
        assert!(c.contains("10.1.2.3".parse().unwrap()));
        assert!(!c.contains("10.2.0.1".parse().unwrap()));
        assert!(!c.contains("::1".parse().unwrap()));
        let all: Cidr = "0.0.0.0/0".parse().unwrap();
        assert!(all.contains("1.2.3.4".parse().unwrap()));
        let v6: Cidr = "2001:db8::/32".parse().unwrap();
        assert!(v6.contains("2001:db8::5".parse().unwrap()));
        assert!("10.0.0.0/33".parse::<Cidr>().is_err());
    }
}
