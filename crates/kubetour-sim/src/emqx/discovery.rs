//! ekka's k8s discovery strategy (`ekka_cluster_k8s.erl`, EMQX.md §2): the request it
//! makes, how it reads the Endpoints answer, the node names it builds, and the error
//! terms it logs. Pure: the integration performs the GET with the pod's token.

use serde_json::Value;

use super::erl::Term;
use super::settings::{AddressType, K8sSettings};
use super::version::{DiscoveryClient, Family, Version};

/// The GET ekka sends: `<apiserver>/api/v1/namespaces/<ns>/endpoints/<svc>`, joined with
/// `"/"` exactly as `Addr ++ "/" ++ Path` (an apiserver ending in `/` gives `//api`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EndpointsRequest {
    pub url: String,
    pub scheme: String,
    pub host: String,
    pub port: u16,
    /// Everything after `host[:port]`, starting with `/`.
    pub path: String,
}

/// Why a connection never produced an HTTP answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConnectFailure {
    /// The host name does not resolve.
    Nxdomain,
    /// Nothing listens on the port.
    Econnrefused,
    Timeout,
}

impl ConnectFailure {
    fn atom(self) -> &'static str {
        match self {
            ConnectFailure::Nxdomain => "nxdomain",
            ConnectFailure::Econnrefused => "econnrefused",
            ConnectFailure::Timeout => "timeout",
        }
    }
}

/// A failed discovery round, before it is printed.
#[derive(Debug, Clone, PartialEq)]
pub enum DiscoveryError {
    /// `cluster.k8s.apiserver` is not `http(s)://host[:port]…`.
    BadUrl(String),
    Connect {
        host: String,
        port: u16,
        reason: ConnectFailure,
    },
    /// A non-2xx answer. The body is what the API server sent (a Status JSON plus `\n`).
    Http { status: u16, body: Vec<u8> },
    /// `address_type=hostname` and an endpoint address without `hostname`: ekka crashes
    /// in `maps:get/2`. Carries the address object for the stacktrace.
    BadKey { address: Value },
    /// A 2xx body that is not JSON (jsx raises badarg).
    BadJson,
}

/// Builds ekka's request from the k8s settings.
pub fn request(k8s: &K8sSettings) -> Result<EndpointsRequest, DiscoveryError> {
    let url = format!(
        "{}/api/v1/namespaces/{}/endpoints/{}",
        k8s.apiserver, k8s.namespace, k8s.service_name
    );
    let bad = || DiscoveryError::BadUrl(k8s.apiserver.clone());
    let (scheme, rest) = url.split_once("://").ok_or_else(bad)?;
    let default_port = match scheme {
        "https" => 443,
        "http" => 80,
        _ => return Err(bad()),
    };
    let (authority, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, "/"),
    };
    let (host, port) = match authority.rsplit_once(':') {
        Some((h, p)) => (h, p.parse::<u16>().map_err(|_| bad())?),
        None => (authority, default_port),
    };
    if host.is_empty() {
        return Err(bad());
    }
    Ok(EndpointsRequest {
        url: url.clone(),
        scheme: scheme.to_string(),
        host: host.to_string(),
        port,
        path: path.to_string(),
    })
}

/// Reads an HTTP answer as `ekka_httpc:parse_response/1` + `ekka_cluster_k8s` do and
/// returns the discovered node names. `own_node` is the node's own name: 5.x takes the
/// name prefix from it, 4.x uses `app_name`.
pub fn parse_response(
    family: Family,
    k8s: &K8sSettings,
    own_node: &str,
    status: u16,
    body: &[u8],
) -> Result<Vec<String>, DiscoveryError> {
    match status {
        200 | 201 => {}
        204 => return Ok(Vec::new()),
        _ => {
            return Err(DiscoveryError::Http {
                status,
                body: body.to_vec(),
            });
        }
    }
    let json: Value = serde_json::from_slice(body).map_err(|_| DiscoveryError::BadJson)?;
    let app = match family {
        Family::V4 => k8s.app_name.clone().unwrap_or_default(),
        Family::V5 => own_node.split('@').next().unwrap_or("").to_string(),
    };
    let mut names = Vec::new();
    for host in hosts(&json, k8s.address_type)? {
        names.push(node_name(&app, &host, k8s));
    }
    Ok(names)
}

/// `subsets[].addresses[]` only: `notReadyAddresses` is ignored.
fn hosts(json: &Value, address_type: AddressType) -> Result<Vec<String>, DiscoveryError> {
    let mut out = Vec::new();
    let subsets = json.get("subsets").and_then(Value::as_array);
    for subset in subsets.into_iter().flatten() {
        let addresses = subset.get("addresses").and_then(Value::as_array);
        for address in addresses.into_iter().flatten() {
            let field = match address_type {
                AddressType::Ip | AddressType::Dns => "ip",
                AddressType::Hostname => "hostname",
            };
            let Some(value) = address.get(field).and_then(Value::as_str) else {
                return Err(DiscoveryError::BadKey {
                    address: address.clone(),
                });
            };
            out.push(match address_type {
                AddressType::Dns => value.replace('.', "-"),
                AddressType::Ip | AddressType::Hostname => value.to_string(),
            });
        }
    }
    Ok(out)
}

/// `node_name/6`: `App@host.svc.ns.suffix` (hostname), `App@a-b-c-d.ns.suffix` (dns),
/// otherwise, or with an empty suffix, `App@addr`.
pub fn node_name(app: &str, host: &str, k8s: &K8sSettings) -> String {
    let suffix = k8s.suffix.as_str();
    match k8s.address_type {
        AddressType::Hostname if !suffix.is_empty() => format!(
            "{app}@{host}.{}.{}.{suffix}",
            k8s.service_name, k8s.namespace
        ),
        AddressType::Dns if !suffix.is_empty() => {
            format!("{app}@{host}.{}.{suffix}", k8s.namespace)
        }
        _ => format!("{app}@{host}"),
    }
}

/// An Erlang reference as printed: `#Ref<0.A.B.C>`. Made from a seed so output is
/// deterministic (the integration can seed with the node and the round number).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ErlRef(pub u32, pub u32, pub u32);

impl ErlRef {
    pub fn from_seed(seed: u64) -> ErlRef {
        // splitmix64: spreads consecutive seeds over the whole range, as real refs look.
        let mut x = seed.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut next = || {
            x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = x;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^ (z >> 31)
        };
        let a = (next() % 4_000_000_000) as u32 + 100_000_000;
        let b = (next() % 4_000_000_000) as u32 + 100_000_000;
        let c = (next() % 1_000_000) as u32;
        ErlRef(a, b, c)
    }
}

impl std::fmt::Display for ErlRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "#Ref<0.{}.{}.{}>", self.0, self.1, self.2)
    }
}

/// The `Reason` term of `{error, Reason}` as the version's HTTP client produces it,
/// printed with `~0p`. Not for `BadKey` (a crash, see `badkey_term`).
pub fn error_term(version: &Version, err: &DiscoveryError, reference: ErlRef) -> String {
    let client = version.discovery_client();
    match err {
        DiscoveryError::Http { status, body } => match client {
            DiscoveryClient::Httpc => {
                Term::Tuple(vec![Term::Int(i64::from(*status)), Term::Str(body.clone())]).write()
            }
            DiscoveryClient::Hackney => Term::Tuple(vec![
                Term::Int(i64::from(*status)),
                Term::Opaque(reference.to_string()),
            ])
            .write(),
        },
        DiscoveryError::Connect { host, port, reason } => match client {
            DiscoveryClient::Httpc => Term::Tuple(vec![
                Term::atom("failed_connect"),
                Term::List(vec![
                    Term::Tuple(vec![
                        Term::atom("to_address"),
                        Term::Tuple(vec![Term::str(host), Term::Int(i64::from(*port))]),
                    ]),
                    Term::Tuple(vec![
                        Term::atom("inet"),
                        Term::List(vec![Term::atom("inet")]),
                        Term::atom(reason.atom()),
                    ]),
                ]),
            ])
            .write(),
            DiscoveryClient::Hackney => match reason {
                ConnectFailure::Timeout => "connect_timeout".to_string(),
                ConnectFailure::Nxdomain | ConnectFailure::Econnrefused => {
                    reason.atom().to_string()
                }
            },
        },
        DiscoveryError::BadUrl(_) => match client {
            DiscoveryClient::Httpc => "no_scheme".to_string(),
            DiscoveryClient::Hackney => "{invalid_uri,<<>>}".to_string(),
        },
        DiscoveryError::BadKey { .. } => "{badkey,<<\"hostname\">>}".to_string(),
        DiscoveryError::BadJson => "badarg".to_string(),
    }
}

/// The crash `{badkey,<<"hostname">>}` and its stacktrace, both `~0p`. The frames below
/// `maps:get/2` are modelled on ekka's call path; their line numbers are illustrative
/// (EMQX.md elides them).
pub fn badkey_term(version: &Version, address: &Value) -> (String, String) {
    let reason = Term::Tuple(vec![Term::atom("badkey"), Term::bin("hostname")]);
    let loc = |file: &str, line: i64| {
        Term::List(vec![
            Term::Tuple(vec![Term::atom("file"), Term::str(file)]),
            Term::Tuple(vec![Term::atom("line"), Term::Int(line)]),
        ])
    };
    let frame = |m: &str, f: &str, arity: i64, file: &str, line: i64| {
        Term::Tuple(vec![
            Term::atom(m),
            Term::atom(f),
            Term::Int(arity),
            loc(file, line),
        ])
    };
    let maps_get = Term::Tuple(vec![
        Term::atom("maps"),
        Term::atom("get"),
        Term::List(vec![Term::bin("hostname"), Term::from_json(address)]),
        Term::List(vec![Term::Tuple(vec![
            Term::atom("error_info"),
            Term::Map(vec![(
                Term::atom("module"),
                Term::atom("erl_stdlib_errors"),
            )]),
        ])]),
    ]);
    let k8s = "ekka_cluster_k8s.erl";
    let mut frames = vec![
        maps_get,
        frame("ekka_cluster_k8s", "-discover/1-lc$^1/1-1-", 2, k8s, 59),
        frame("ekka_cluster_k8s", "-discover/1-lc$^0/1-0-", 2, k8s, 59),
        frame("ekka_cluster_k8s", "discover", 1, k8s, 59),
    ];
    match version.family() {
        Family::V4 => {
            frames.push(frame(
                "ekka_autocluster",
                "discover_and_join",
                0,
                "ekka_autocluster.erl",
                88,
            ));
            frames.push(frame(
                "ekka_autocluster",
                "-run/1-fun-0-",
                1,
                "ekka_autocluster.erl",
                58,
            ));
        }
        Family::V5 => {
            frames.push(frame(
                "ekka_autocluster",
                "discover",
                1,
                "ekka_autocluster.erl",
                362,
            ));
            frames.push(frame(
                "ekka_autocluster",
                "discover_and_join",
                0,
                "ekka_autocluster.erl",
                275,
            ));
        }
    }
    (reason.write(), Term::List(frames).write())
}

#[cfg(test)]
#[path = "discovery_tests.rs"]
mod tests;
