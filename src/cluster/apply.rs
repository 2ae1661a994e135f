//! The one write path: server-side apply with one field manager, kinds resolved through
//! discovery (never guessed plurals), a dry run of the whole set first so that a stage is
//! applied whole or not at all.

use std::collections::HashMap;

use kube::Client;
use kube::api::{Api, DynamicObject, Patch, PatchParams};
use kube::core::{ApiResource, GroupVersionKind};
use kube::discovery::{self, ApiCapabilities, Scope};
use serde_json::Value;

use super::retry;

/// The field manager of every kubetour write.
pub const FIELD_MANAGER: &str = "kubetour";

/// One object to apply, with where it came from (for error messages).
#[derive(Debug, Clone)]
pub struct Manifest {
    pub object: Value,
    /// e.g. "stages/emqx/06-rbac.yaml, manifest 2 (Role emqx)"
    pub origin: String,
}

/// The outcome for one applied object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Applied {
    pub kind: String,
    pub name: String,
    pub namespace: Option<String>,
    pub resource_version: String,
    /// False when the apply changed nothing (same resourceVersion as before).
    pub changed: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum ApplyError {
    #[error("{origin}: the manifest has no {what}")]
    Malformed { origin: String, what: &'static str },
    #[error(
        "{origin}: the cluster does not serve kind {kind} in version {api_version} \
         (\"no matches for kind {kind} in version {api_version}\"){hint}"
    )]
    UnknownKind {
        origin: String,
        kind: String,
        api_version: String,
        hint: &'static str,
    },
    #[error("{origin}: {phase} was refused ({code} {reason}): {message}{causes}")]
    Refused {
        origin: String,
        phase: &'static str,
        code: u16,
        reason: String,
        message: String,
        causes: String,
    },
    #[error(
        "{origin}: talking to the cluster failed during {phase}: {}",
        super::errors::explain(source)
    )]
    Transport {
        origin: String,
        phase: &'static str,
        #[source]
        source: kube::Error,
    },
    /// The dry runs passed, then a write failed (the connection died mid-stage): some
    /// objects are on the cluster, the rest are not. Applying the stage again finishes
    /// it (server-side apply of what is already there changes nothing).
    #[error("{cause}\n{}", partly(applied, not_applied))]
    Partly {
        /// `Kind/name` of the objects written, in order.
        applied: Vec<String>,
        /// `Kind/name` of those not written, the failed one first.
        not_applied: Vec<String>,
        cause: Box<ApplyError>,
    },
}

fn partly(applied: &[String], not_applied: &[String]) -> String {
    let missing = not_applied.join(", ");
    if applied.is_empty() {
        format!(
            "nothing of the stage was applied (not applied: {missing}); applying it again is safe"
        )
    } else {
        format!(
            "the stage is partly applied: applied {}; not applied {missing}; applying it again finishes it",
            applied.join(", ")
        )
    }
}

/// `Kind/name` of a manifest, as the messages name it.
fn label(m: &Manifest) -> String {
    format!(
        "{}/{}",
        m.object["kind"].as_str().unwrap_or("?"),
        m.object["metadata"]["name"].as_str().unwrap_or("?")
    )
}

/// Applies manifests; remembers discovery answers for the life of the applier.
pub struct Applier {
    client: Client,
    kinds: HashMap<GroupVersionKind, (ApiResource, ApiCapabilities)>,
}

impl Applier {
    pub fn new(client: Client) -> Self {
        Applier {
            client,
            kinds: HashMap::new(),
        }
    }

    /// Dry-runs every manifest, then applies them in order. Nothing is written when any
    /// dry run fails.
    pub async fn apply_all(&mut self, manifests: &[Manifest]) -> Result<Vec<Applied>, ApplyError> {
        let mut resolved = Vec::with_capacity(manifests.len());
        for m in manifests {
            resolved.push(self.resolve(m).await?);
        }
        for (m, api) in manifests.iter().zip(&resolved) {
            self.patch(m, api, true).await?;
        }
        let mut applied = Vec::with_capacity(manifests.len());
        for (i, (m, api)) in manifests.iter().zip(&resolved).enumerate() {
            match self.patch(m, api, false).await {
                Ok(a) => applied.push(a),
                // Say what is on the cluster and what is not: the learner (and the next
                // apply) must not take a half-written stage for a whole one.
                Err(cause) => {
                    return Err(ApplyError::Partly {
                        applied: manifests[..i].iter().map(label).collect(),
                        not_applied: manifests[i..].iter().map(label).collect(),
                        cause: Box::new(cause),
                    });
                }
            }
        }
        Ok(applied)
    }

    /// Dry-runs one manifest: would the server accept it as it stands?
    pub async fn dry_run(&mut self, m: &Manifest) -> Result<(), ApplyError> {
        let api = self.resolve(m).await?;
        self.patch(m, &api, true).await.map(|_| ())
    }

    /// The namespaced or cluster-wide Api for a manifest, through discovery.
    pub async fn resolve(&mut self, m: &Manifest) -> Result<Api<DynamicObject>, ApplyError> {
        let api_version = str_at(&m.object, "/apiVersion", m, "apiVersion")?;
        let kind = str_at(&m.object, "/kind", m, "kind")?;
        let namespace = m
            .object
            .pointer("/metadata/namespace")
            .and_then(Value::as_str);
        self.api_for(api_version, kind, namespace, &m.origin).await
    }

    /// The Api for a kind, through discovery. `namespace` is required for namespaced kinds.
    pub async fn api_for(
        &mut self,
        api_version: &str,
        kind: &str,
        namespace: Option<&str>,
        origin: &str,
    ) -> Result<Api<DynamicObject>, ApplyError> {
        let (resource, caps) = self.resource_for(api_version, kind, origin).await?;
        Ok(match caps.scope {
            Scope::Namespaced => {
                let ns =
                    namespace
                        .filter(|n| !n.is_empty())
                        .ok_or_else(|| ApplyError::Malformed {
                            origin: origin.to_string(),
                            what: "metadata.namespace",
                        })?;
                Api::namespaced_with(self.client.clone(), ns, &resource)
            }
            Scope::Cluster => Api::all_with(self.client.clone(), &resource),
        })
    }

    /// What discovery says about a kind: its resource (plural, group) and capabilities.
    pub async fn resource_for(
        &mut self,
        api_version: &str,
        kind: &str,
        origin: &str,
    ) -> Result<(ApiResource, ApiCapabilities), ApplyError> {
        let (group, version) = match api_version.split_once('/') {
            Some((g, v)) => (g, v),
            None => ("", api_version),
        };
        let gvk = GroupVersionKind::gvk(group, version, kind);
        if let Some(found) = self.kinds.get(&gvk) {
            return Ok(found.clone());
        }
        let found = retry::transient(|| discovery::pinned_kind(&self.client, &gvk))
            .await
            .map_err(|e| {
                // Only an answer about the kind means the kind is unknown: a server that
                // was not reached, or refused our credentials, said nothing about it.
                if retry::is_transient(&e) || super::reach::unreached(&e).is_some() {
                    ApplyError::Transport {
                        origin: origin.to_string(),
                        phase: "discovery",
                        source: e,
                    }
                } else {
                    ApplyError::UnknownKind {
                        origin: origin.to_string(),
                        kind: kind.to_string(),
                        api_version: api_version.to_string(),
                        hint: unknown_kind_hint(api_version),
                    }
                }
            })?;
        self.kinds.insert(gvk, found.clone());
        Ok(found)
    }

    async fn patch(
        &self,
        m: &Manifest,
        api: &Api<DynamicObject>,
        dry_run: bool,
    ) -> Result<Applied, ApplyError> {
        let name = str_at(&m.object, "/metadata/name", m, "metadata.name")?;
        let phase = if dry_run { "the dry run" } else { "the apply" };
        let before = match retry::transient(|| api.get_opt(name)).await {
            Ok(found) => found,
            Err(e) => return Err(refused(m, phase, e)),
        };
        // force: kubetour's stage is the desired state of the fields it manages; another
        // manager's conflicting value (e.g. a learner's `kubectl scale`) is taken back.
        let mut params = PatchParams::apply(FIELD_MANAGER).force();
        if dry_run {
            params = params.dry_run();
        }
        let patch = Patch::Apply(&m.object);
        let after = retry::transient(|| api.patch(name, &params, &patch))
            .await
            .map_err(|e| refused(m, phase, e))?;
        let resource_version = after.metadata.resource_version.clone().unwrap_or_default();
        Ok(Applied {
            kind: m.object["kind"].as_str().unwrap_or_default().to_string(),
            name: name.to_string(),
            namespace: after.metadata.namespace.clone(),
            changed: before.is_none_or(|b| desired_state(&b) != desired_state(&after)),
            resource_version,
        })
    }
}

/// What an apply can change: everything but status and the server's bookkeeping.
/// Controllers keep writing status (and so resourceVersion) while a stage converges;
/// comparing this instead tells whether *our* apply wrote anything.
fn desired_state(o: &DynamicObject) -> (Value, Value) {
    let mut data = o.data.clone();
    if let Some(map) = data.as_object_mut() {
        map.remove("status");
    }
    let meta = serde_json::json!({
        "labels": o.metadata.labels,
        "annotations": o.metadata.annotations,
        "ownerReferences": o.metadata.owner_references,
        "finalizers": o.metadata.finalizers,
        "generation": o.metadata.generation,
    });
    (data, meta)
}

fn str_at<'a>(
    object: &'a Value,
    pointer: &str,
    m: &Manifest,
    what: &'static str,
) -> Result<&'a str, ApplyError> {
    object
        .pointer(pointer)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .ok_or_else(|| ApplyError::Malformed {
            origin: m.origin.clone(),
            what,
        })
}

fn unknown_kind_hint(api_version: &str) -> &'static str {
    if api_version.starts_with("rbac.authorization.k8s.io/v1beta1")
        || api_version.starts_with("rbac.authorization.k8s.io/v1alpha1")
    {
        "; RBAC v1beta1 is no longer served since Kubernetes 1.22: use rbac.authorization.k8s.io/v1"
    } else {
        ""
    }
}

fn refused(m: &Manifest, phase: &'static str, e: kube::Error) -> ApplyError {
    match e {
        kube::Error::Api(status) => {
            let causes = status
                .details
                .as_ref()
                .map(|d| {
                    d.causes
                        .iter()
                        .map(|c| format!("\n  - {}: {}", c.field, c.message))
                        .collect::<String>()
                })
                .unwrap_or_default();
            ApplyError::Refused {
                origin: m.origin.clone(),
                phase,
                code: status.code,
                reason: status.reason.clone(),
                message: status.message.clone(),
                causes,
            }
        }
        other => ApplyError::Transport {
            origin: m.origin.clone(),
            phase,
            source: other,
        },
    }
}
