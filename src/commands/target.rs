//! The target every cluster command works on: the cluster named by the flags, or the
//! embedded simulated one started when none is named; and the write guard in front of
//! the commands that write (`run`, `teardown`; the wizard asks on screen instead).

use super::embedded::Embedded;
use crate::cli::TargetArgs;
use crate::cluster::connect::{self, Connection};

/// A connected cluster, keeping the embedded one alive while in use.
pub struct Opened {
    pub connection: Connection,
    _embedded: Option<Embedded>,
}

impl Opened {
    /// The kubeconfig kubetour wrote for its embedded cluster (None for a named one).
    pub fn embedded_kubeconfig(&self) -> Option<&std::path::Path> {
        self._embedded.as_ref().map(|e| e.kubeconfig.as_path())
    }
}

/// Connects to the named cluster, or starts the embedded one when none is named.
pub async fn open(target: &TargetArgs, namespace: &str) -> anyhow::Result<Opened> {
    if target.kubeconfig.is_none() && target.context.is_none() {
        let embedded = Embedded::start(target.speed, !target.no_default_storage_class)?;
        let connection =
            connect::connect(Some(&embedded.kubeconfig), None, namespace, true).await?;
        return Ok(Opened {
            connection,
            _embedded: Some(embedded),
        });
    }
    let connection = connect::connect(
        target.kubeconfig.as_deref(),
        target.context.as_deref(),
        namespace,
        false,
    )
    .await?;
    Ok(Opened {
        connection,
        _embedded: None,
    })
}

/// Refuses writes to a cluster that is not the embedded one without --yes (and a
/// production-looking one without --allow-production), after saying where writes go.
pub fn guard(opened: &Opened, target: &TargetArgs) -> anyhow::Result<()> {
    let words: Vec<&str> = target.production_words.iter().map(String::as_str).collect();
    let t = &opened.connection.target;
    if !t.embedded {
        eprintln!("kubetour will write to: {}", t.describe());
    }
    t.check(target.yes, target.allow_production, &words)?;
    Ok(())
}
