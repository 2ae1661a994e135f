//! Steps around a stage's apply: deleting what the stage replaces (the Deployment before
//! the StatefulSet, the StatefulSet whose immutable fields change), optionally waiting
//! until it and its pods are gone.

use std::collections::BTreeMap;
use std::time::Duration;

use futures::StreamExt;
use kube::api::DeleteParams;
use tokio::time::Instant;

use super::events::EngineEvent;
use super::{Engine, RunError};
use crate::cluster::apply::{ApplyError, Manifest as ApplyManifest};
use crate::cluster::errors::explain;
use crate::cluster::retry;
use crate::track::{Kind, Manifest, Step};

impl Engine {
    /// Runs steps. A Delete of an object that `replacing` (the stage's own manifests)
    /// re-creates happens only when the server would refuse to update it in place (its
    /// immutable fields differ): re-running a stage must not tear down what it built.
    pub async fn run_steps(
        &mut self,
        stage: &str,
        steps: &[Step],
        replacing: &[Manifest],
    ) -> Result<(), RunError> {
        for step in steps {
            match step {
                Step::Delete {
                    kind,
                    name,
                    wait_gone,
                } => {
                    let same = replacing
                        .iter()
                        .find(|m| m.kind == kind.name() && m.name == *name);
                    if let Some(m) = same
                        && self.accepts_in_place(stage, m).await?
                    {
                        self.emit(EngineEvent::StepDone {
                            stage: stage.to_string(),
                            description: format!(
                                "{} {name} already takes this stage's fields in place; not re-created",
                                kind.name()
                            ),
                        });
                        continue;
                    }
                    self.delete_step(stage, *kind, name, *wait_gone).await?;
                }
            }
        }
        Ok(())
    }

    /// Whether applying `m` over what exists would be accepted (true when it exists and
    /// the dry run passes; false when it is absent or the server refuses the change).
    async fn accepts_in_place(&mut self, stage: &str, m: &Manifest) -> Result<bool, RunError> {
        let exists = match m.kind.as_str() {
            "StatefulSet" => self.view.stateful_sets.get(&m.name).is_some(),
            "Deployment" => self.view.deployments.get(&m.name).is_some(),
            "Service" => self.view.services.get(&m.name).is_some(),
            "Pod" => self.view.pods.get(&m.name).is_some(),
            _ => true,
        };
        if !exists {
            return Ok(false);
        }
        let manifest = ApplyManifest {
            object: m.to_json(),
            origin: format!("{}:{}", m.source.file.display(), m.source.line),
        };
        match self.applier.dry_run(&manifest).await {
            Ok(()) => Ok(true),
            Err(ApplyError::Refused { code: 422, .. }) => Ok(false),
            Err(e) => Err(RunError::Stage {
                stage: stage.to_string(),
                message: e.to_string(),
            }),
        }
    }

    async fn delete_step(
        &mut self,
        stage: &str,
        kind: Kind,
        name: &str,
        wait_gone: Option<Duration>,
    ) -> Result<(), RunError> {
        let fail = |message: String| RunError::Stage {
            stage: stage.to_string(),
            message,
        };
        // The pods it owns, by its selector, so we can wait for them too.
        let selector = self.selector_of(kind, name);
        let namespace = self.namespace.clone();
        let api = self
            .applier
            .api_for(kind.api_version(), kind.name(), Some(&namespace), stage)
            .await
            .map_err(|e| fail(e.to_string()))?;
        let params = DeleteParams::background();
        let existed = match retry::transient(|| api.delete(name, &params)).await {
            Ok(_) => true,
            Err(kube::Error::Api(s)) if s.code == 404 => false,
            Err(e) => {
                return Err(fail(format!(
                    "deleting {} {name}: {}",
                    kind.name(),
                    explain(&e)
                )));
            }
        };
        if existed {
            self.emit(EngineEvent::StepDone {
                stage: stage.to_string(),
                description: format!("deleted {} {name}", kind.name()),
            });
        }
        let Some(limit) = wait_gone.map(|d| self.limit(d)) else {
            return Ok(());
        };
        let deadline = Instant::now() + limit;
        while self.still_there(kind, name, &selector) {
            match tokio::time::timeout_at(deadline, self.changes.next()).await {
                Ok(Some(change)) => self.absorb(change),
                Ok(None) => break,
                Err(_) => {
                    return Err(fail(format!(
                        "{} {name} and its pods were not gone after {}s",
                        kind.name(),
                        limit.as_secs()
                    )));
                }
            }
        }
        if existed {
            self.emit(EngineEvent::StepDone {
                stage: stage.to_string(),
                description: format!("{} {name} and its pods are gone", kind.name()),
            });
        }
        Ok(())
    }

    fn selector_of(&self, kind: Kind, name: &str) -> BTreeMap<String, String> {
        let labels = match kind {
            Kind::Deployment => self
                .view
                .deployments
                .get(name)
                .and_then(|d| d.spec.selector.match_labels.clone()),
            Kind::StatefulSet => self
                .view
                .stateful_sets
                .get(name)
                .and_then(|s| s.spec.selector.match_labels.clone()),
            _ => None,
        };
        labels.unwrap_or_default()
    }

    fn still_there(&self, kind: Kind, name: &str, selector: &BTreeMap<String, String>) -> bool {
        let object = match kind {
            Kind::Pod => self.view.pods.get(name).is_some(),
            Kind::Deployment => self.view.deployments.get(name).is_some(),
            Kind::StatefulSet => self.view.stateful_sets.get(name).is_some(),
            Kind::Service => self.view.services.get(name).is_some(),
            Kind::PersistentVolumeClaim => self.view.claims.get(name).is_some(),
            Kind::ConfigMap | Kind::ServiceAccount | Kind::Role | Kind::RoleBinding => false,
        };
        let pods = !selector.is_empty()
            && self.view.pods.iter().any(|p| {
                let labels = p.metadata.labels.clone().unwrap_or_default();
                selector.iter().all(|(k, v)| labels.get(k) == Some(v))
            });
        object || pods
    }
}
