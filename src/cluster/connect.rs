//! Connecting to a cluster: always through a kubeconfig, whether the cluster is the
//! embedded simulator (which writes one) or a real one the person named.

use std::path::Path;

use anyhow::Context;
use kube::config::{KubeConfigOptions, Kubeconfig};
use kube::{Client, Config};

use super::guard::Target;

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

/// Connects through a kubeconfig file (or, with `path` None, KUBECONFIG / ~/.kube/config),
/// optionally choosing a context. `embedded` is true only when kubetour started the cluster
/// itself and wrote this kubeconfig: the caller knows, the cluster is never asked.
pub async fn connect(
    path: Option<&Path>,
    context: Option<&str>,
    namespace: &str,
    embedded: bool,
) -> anyhow::Result<Connection> {
    let kubeconfig = match path {
        Some(p) if !p.exists() => anyhow::bail!(
            "the kubeconfig {} does not exist; name an existing file with --kubeconfig, or \
             leave it (and KUBECONFIG) out to use kubetour's simulated cluster",
            p.display()
        ),
        Some(p) => Kubeconfig::read_from(p)
            .with_context(|| format!("reading kubeconfig {}", p.display()))?,
        None => Kubeconfig::read().context(
            "reading the kubeconfig from KUBECONFIG or ~/.kube/config (leave out \
             --kubeconfig/--context to use kubetour's simulated cluster instead)",
        )?,
    };
    let context_name = context
        .map(str::to_string)
        .or_else(|| kubeconfig.current_context.clone())
        .unwrap_or_default();
    if let Some(wanted) = context
        && !kubeconfig.contexts.iter().any(|c| c.name == wanted)
    {
        let known: Vec<&str> = kubeconfig
            .contexts
            .iter()
            .map(|c| c.name.as_str())
            .collect();
        anyhow::bail!(
            "context `{wanted}` is not in the kubeconfig; it has: {}",
            if known.is_empty() {
                "no contexts".to_string()
            } else {
                known.join(", ")
            }
        );
    }
    let options = KubeConfigOptions {
        context: context.map(str::to_string),
        cluster: None,
        user: None,
    };
    let mut config = Config::from_custom_kubeconfig(kubeconfig, &options)
        .await
        .with_context(|| format!("loading context `{context_name}` from the kubeconfig"))?;
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
    let server = config.cluster_url.to_string();
    let client =
        Client::try_from(config).with_context(|| format!("creating a client for {server}"))?;
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
