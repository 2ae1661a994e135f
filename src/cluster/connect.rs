//! Connecting to a cluster: always through a kubeconfig, whether the cluster is the
//! embedded simulator (which writes one) or a real one the person named.

use std::path::Path;

use std::time::Duration;

use anyhow::Context;
use kube::client::ClientBuilder;
use kube::config::KubeConfigOptions;
use kube::{Client, Config};

use super::guard::Target;
use super::kubeconfig;
use super::reach::{NameTheRoute, Route};

/// How long a TCP connection and TLS handshake with the API server may take.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// `kubetour/<version>`, as every request of ours names itself.
pub fn user_agent() -> http::HeaderValue {
    http::HeaderValue::from_static(concat!("kubetour/", env!("CARGO_PKG_VERSION")))
}

/// A client plus the facts the write guard and the preflight show.
#[derive(Clone)]
pub struct Connection {
    pub client: Client,
    pub target: Target,
}

/// Connects through a kubeconfig file (KUBECONFIG reaches `path` through clap; with `path`
/// None, ~/.kube/config),
/// optionally choosing a context. `embedded` is true only when kubetour started the cluster
/// itself and wrote this kubeconfig: the caller knows, the cluster is never asked.
pub async fn connect(
    path: Option<&Path>,
    context: Option<&str>,
    namespace: &str,
    embedded: bool,
) -> anyhow::Result<Connection> {
    let path = match path {
        Some(p) => p.to_path_buf(),
        None => kubeconfig::default_path().context(
            "no kubeconfig: KUBECONFIG is not set and HOME is unknown; name one with \
             --kubeconfig, or leave out --context to use kubetour's simulated cluster",
        )?,
    };
    let shown = path.display().to_string();
    let kubeconfig = kubeconfig::read(&path)?;
    let chosen = kubeconfig::choose(&kubeconfig, &shown, context)?;
    let context_name = chosen.context.clone();
    let options = KubeConfigOptions {
        context: Some(context_name.clone()),
        cluster: None,
        user: None,
    };
    let mut config = Config::from_custom_kubeconfig(kubeconfig, &options)
        .await
        .with_context(|| {
            format!(
                "loading context `{context_name}` (cluster `{}`) from the kubeconfig {shown}",
                chosen.cluster
            )
        })?;
    // Cluster admins attribute traffic by User-Agent (audit logs, API priority and
    // fairness); without one our requests are anonymous there.
    config
        .headers
        .push((http::header::USER_AGENT, user_agent()));
    // kube's built-in retry repeats every 429/503/504 up to 15 times (minutes, following
    // Retry-After): EMQX's own 503 from `/status` through a proxy ("not started yet",
    // Retry-After 15) and the proxy's "error trying to reach service" would be hidden
    // behind it. Idempotent calls are retried by `retry::transient` instead, which
    // reports what it met; watches back off in the watcher.
    config.default_retry = false;
    // kube waits 30 s for a connection; the preflight tries a call more than once, and
    // a learner staring at a silent terminal for minutes learns nothing. A reachable API
    // server answers a TCP and TLS handshake well within this.
    config.connect_timeout = Some(CONNECT_TIMEOUT);
    let server = config.cluster_url.to_string();
    let route = Route {
        server: server.clone(),
        context: context_name.clone(),
        cluster: chosen.cluster.clone(),
        user: chosen.user.clone(),
        kubeconfig: shown.clone(),
    };
    let client = ClientBuilder::try_from(config)
        .with_context(|| format!("creating a client for {server} (kubeconfig {shown})"))?
        .with_layer(&NameTheRoute(route))
        .build();
    Ok(Connection {
        client,
        target: Target {
            context: context_name,
            server,
            namespace: namespace.to_string(),
            embedded,
        },
    })
}
