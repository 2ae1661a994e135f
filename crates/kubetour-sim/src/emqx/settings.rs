//! EMQX's configuration as derived from the container's environment at boot.
//!
//! Input: the environment `bin/emqx` sees, i.e. the pod's env + envFrom ConfigMaps as
//! read at pod start, plus what the docker entrypoint exported (see `boot`). Output: the
//! settings the node runs with, or the boot failure real EMQX prints (EMQX.md §1.1–1.2).
//! The rules per version live in `settings_v4` (cuttlefish) and `settings_v5` (hocon).
//!
//! Only the `cluster` subtree, the cookie, the licence and the HTTP credentials are
//! modelled; other roots are accepted as they come (4.x and 5.x both take any value there
//! as far as this model is concerned).

use std::collections::BTreeMap;
use std::time::Duration;

use super::line::{BootFailure, Line};
use super::version::{Family, Version};

/// The environment of the EMQX process, name → value.
pub type Env = BTreeMap<String, String>;

/// The default Erlang cookie of every EMQX image (`rebar.config.erl`).
pub const DEFAULT_COOKIE: &str = "emqxsecretcookie";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Strategy {
    Manual,
    Static,
    /// 4.x only.
    Mcast,
    Dns,
    Etcd,
    K8s,
    /// 5.8+ only.
    Singleton,
}

impl Strategy {
    pub fn parse(value: &str) -> Option<Strategy> {
        Some(match value {
            "manual" => Strategy::Manual,
            "static" => Strategy::Static,
            "mcast" => Strategy::Mcast,
            "dns" => Strategy::Dns,
            "etcd" => Strategy::Etcd,
            "k8s" => Strategy::K8s,
            "singleton" => Strategy::Singleton,
            _ => return None,
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AddressType {
    Ip,
    Dns,
    Hostname,
}

impl AddressType {
    pub fn parse(value: &str) -> Option<AddressType> {
        Some(match value {
            "ip" => AddressType::Ip,
            "dns" => AddressType::Dns,
            "hostname" => AddressType::Hostname,
            _ => return None,
        })
    }
}

/// `cluster.dns.record_type` (`emqx_conf_schema`: enum a | aaaa | srv, default a).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecordType {
    A,
    Aaaa,
    Srv,
}

impl RecordType {
    pub fn parse(value: &str) -> Option<RecordType> {
        Some(match value {
            "a" => RecordType::A,
            "aaaa" => RecordType::Aaaa,
            "srv" => RecordType::Srv,
            _ => return None,
        })
    }
}

/// ekka's dns strategy options (`cluster.dns.*`; 5.x passes no `app`, so discovered
/// names take the node's own name prefix).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DnsSettings {
    /// `cluster.dns.name`, default `localhost`.
    pub name: String,
    pub record_type: RecordType,
}

/// `node.role` (5.x, mapped to `mria.node_role`, default core).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Core,
    Replicant,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Core => "core",
            Role::Replicant => "replicant",
        }
    }
}

/// ekka's k8s strategy options (`cluster.k8s.*`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct K8sSettings {
    pub apiserver: String,
    pub service_name: String,
    pub address_type: AddressType,
    /// 4.x only: the node-name prefix discovery builds names with. 5.x uses the prefix of
    /// the node's own name instead.
    pub app_name: Option<String>,
    pub namespace: String,
    pub suffix: String,
}

/// One recognised `EMQX_*` override, as hocon's `-v` (5.x) or cuttlefish (4.x) reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Override {
    pub env: String,
    /// The config path, e.g. `cluster.k8s.suffix`.
    pub path: String,
    pub value: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    pub strategy: Strategy,
    /// Some exactly when `strategy` is `K8s`.
    pub k8s: Option<K8sSettings>,
    /// Some exactly when `strategy` is `Dns` on 5.x (4.x's dns strategy is not modelled).
    pub dns: Option<DnsSettings>,
    /// 5.x `node.role`; 4.x nodes are all `Core` (4.x has no replicants).
    pub role: Role,
    pub cookie: String,
    /// 5.x `license.key` (EMQX_LICENSE__KEY); 5.9+ clusters only with one set.
    pub licence_key: Option<String>,
    /// 5.x dashboard login (also what `/api/v5/login` accepts); 4.x dashboard user.
    pub dashboard_username: String,
    pub dashboard_password: String,
    /// 4.x management API Basic-auth application (`management.default_application.*`).
    pub mgmt_app_id: String,
    pub mgmt_app_secret: String,
    /// `cluster.autoclean`: how long a stopped node stays listed (4.x 5m, 5.x 24h).
    pub autoclean: Duration,
    /// Lines printed at config generation although the boot goes on (5.x
    /// `[warning] unknown_env_vars: …`).
    pub warnings: Vec<Line>,
    /// Recognised overrides, in the order 5.x prints its `VAR [path]: value` lines.
    pub overrides: Vec<Override>,
}

impl Settings {
    pub fn cookie_is_default(&self) -> bool {
        self.cookie == DEFAULT_COOKIE
    }
}

/// Generates the configuration as the version's `bin/emqx` does.
pub fn generate(version: &Version, env: &Env) -> Result<Settings, BootFailure> {
    match version.family() {
        Family::V4 => super::settings_v4::generate(env),
        Family::V5 => super::settings_v5::generate(version, env),
    }
}

/// `EMQX_CLUSTER__K8S__APP_NAME` → `cluster.k8s.app_name`; None for names without `__`
/// (single-underscore names are not config mappings in either version).
pub fn env_to_path(name: &str) -> Option<String> {
    let rest = name.strip_prefix("EMQX_")?;
    if !rest.contains("__") {
        return None;
    }
    let segments: Vec<String> = rest.split("__").map(str::to_ascii_lowercase).collect();
    if segments.iter().any(String::is_empty) {
        return None;
    }
    Some(segments.join("."))
}

/// A duration as EMQX writes them: `5m`, `24h`, `30s`, `1d`, `500ms`.
pub fn parse_duration(text: &str) -> Option<Duration> {
    let text = text.trim();
    let digits_end = text.find(|c: char| !c.is_ascii_digit())?;
    let amount: u64 = text[..digits_end].parse().ok()?;
    let unit_secs = match &text[digits_end..] {
        "ms" => return Some(Duration::from_millis(amount)),
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86400,
        _ => return None,
    };
    Some(Duration::from_secs(amount.checked_mul(unit_secs)?))
}

/// The value of `path` among the overrides.
pub(crate) fn lookup<'a>(overrides: &'a [Override], path: &str) -> Option<&'a str> {
    overrides
        .iter()
        .find(|o| o.path == path)
        .map(|o| o.value.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn double_underscores_map_to_dotted_lowercase_paths() {
        assert_eq!(
            env_to_path("EMQX_CLUSTER__K8S__APP_NAME").as_deref(),
            Some("cluster.k8s.app_name")
        );
        assert_eq!(env_to_path("EMQX_CLUSTER_DISCOVERY"), None);
        assert_eq!(env_to_path("EMQX_NAME"), None);
        assert_eq!(env_to_path("POD_NAME"), None);
    }

    #[test]
    fn durations_in_emqx_units_parse() {
        assert_eq!(parse_duration("5m"), Some(Duration::from_secs(300)));
        assert_eq!(parse_duration("24h"), Some(Duration::from_secs(86400)));
        assert_eq!(parse_duration("500ms"), Some(Duration::from_millis(500)));
        assert_eq!(parse_duration("soon"), None);
    }
}
