//! Teardown and rewind: remove exactly what kubetour created — objects carrying its
//! labels for this track — newest stage first, and nothing else. Claims (which a
//! StatefulSet deletion keeps, with the data in them) go only when asked, and the
//! engine says so either way.

use std::collections::{BTreeMap, BTreeSet};

use kube::ResourceExt;
use kube::api::{DeleteParams, DynamicObject, ListParams};

use super::events::EngineEvent;
use super::witness::ClaimsAtTeardown;
use super::{Engine, RunError};
use crate::cluster::errors::explain;
use crate::cluster::retry;
use crate::track::manifest::{MANAGED_BY, STAGE_LABEL, TRACK_LABEL};
use crate::track::state;

/// One of our objects, found in the cluster.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Ours {
    /// Stage index (from the stage label), for newest-first ordering.
    stage: usize,
    position: usize,
    api_version: String,
    kind: String,
    name: String,
}

impl Engine {
    /// Deletes every object of ours whose stage is after `keep_through` (None: all).
    /// Returns the (kind, name) pairs deleted.
    pub async fn delete_ours(
        &mut self,
        keep_through: Option<usize>,
        delete_claims: bool,
        keep: &BTreeSet<(String, String)>,
    ) -> Result<Vec<(String, String)>, RunError> {
        // The watches' first list, so that waiting for what goes starts from the truth.
        self.listed().await;
        let mut ours = self.find_ours().await?;
        ours.retain(|o| keep_through.is_none_or(|k| o.stage > k));
        ours.retain(|o| !keep.contains(&(o.kind.clone(), o.name.clone())));
        let (claims, mut others): (Vec<Ours>, Vec<Ours>) = ours
            .into_iter()
            .partition(|o| o.kind == "PersistentVolumeClaim");
        others.sort();
        others.reverse();
        let mut deleted = Vec::new();
        let mut at_teardown = ClaimsAtTeardown {
            asked_to_delete: delete_claims,
            ..Default::default()
        };
        for o in &others {
            self.delete_one(o).await?;
            deleted.push((o.kind.clone(), o.name.clone()));
        }
        // Pods go through Terminating; a claim deleted while a pod still mounts it would
        // only be marked (pvc-protection), so the claims wait for the pods to be gone.
        if !others.is_empty() {
            self.wait_gone(&deleted, keep_through.is_none()).await;
        }
        if !claims.is_empty() {
            let names: Vec<&str> = claims.iter().map(|c| c.name.as_str()).collect();
            if delete_claims {
                self.emit(EngineEvent::StepDone {
                    stage: "teardown".into(),
                    description: format!(
                        "deleting {} PersistentVolumeClaim(s) and the data in them: {}",
                        claims.len(),
                        names.join(", ")
                    ),
                });
                let mut asked = Vec::new();
                for c in &claims {
                    self.delete_one(c).await?;
                    asked.push((c.kind.clone(), c.name.clone()));
                }
                let left = self.wait_gone(&asked, true).await;
                for (kind, name) in asked {
                    // A claim still held (by a pod that has not gone) is not deleted yet.
                    let prefix = format!("{}/{name} (", kind.to_lowercase());
                    if left.iter().any(|l| l.starts_with(&prefix)) {
                        at_teardown.kept.push(name.clone());
                    } else {
                        at_teardown.deleted.push(name.clone());
                    }
                    deleted.push((kind, name));
                }
            } else {
                self.emit(EngineEvent::StepDone {
                    stage: "teardown".into(),
                    description: format!(
                        "keeping {} PersistentVolumeClaim(s) with EMQX's data: {} (delete them with --delete-claims)",
                        claims.len(),
                        names.join(", ")
                    ),
                });
                at_teardown.kept = names.iter().map(|n| n.to_string()).collect();
            }
        }
        // A whole teardown (not a rewind) is when the lesson about the claims (O20) is seen.
        if keep_through.is_none() {
            self.tell_teardown(&at_teardown);
        }
        Ok(deleted)
    }

    /// Goes back to the state right after stage `index`: deletes what later stages
    /// created, then re-applies the cumulative state of stages up to `index`.
    pub async fn rewind(&mut self, index: usize) -> Result<(), RunError> {
        let wanted = state::through(&self.track, index);
        let keep: BTreeSet<(String, String)> = wanted
            .iter()
            .map(|m| (m.kind.clone(), m.name.clone()))
            .collect();
        self.delete_ours(Some(index), false, &keep).await?;
        let manifests: Vec<crate::cluster::apply::Manifest> = wanted
            .iter()
            .map(|m| crate::cluster::apply::Manifest {
                object: m.to_json(),
                origin: format!("{}:{}", m.source.file.display(), m.source.line),
            })
            .collect();
        self.applier
            .apply_all(&manifests)
            .await
            .map_err(|e| RunError::Stage {
                stage: self.track.stages[index].id.clone(),
                message: e.to_string(),
            })?;
        Ok(())
    }

    async fn delete_one(&mut self, o: &Ours) -> Result<(), RunError> {
        let ns = self.namespace.clone();
        let api = self
            .applier
            .api_for(&o.api_version, &o.kind, Some(&ns), "teardown")
            .await
            .map_err(|e| RunError::Stage {
                stage: "teardown".into(),
                message: e.to_string(),
            })?;
        let params = DeleteParams::background();
        match retry::transient(|| api.delete(&o.name, &params)).await {
            Ok(_) => {}
            Err(kube::Error::Api(s)) if s.code == 404 => return Ok(()),
            Err(e) => {
                return Err(RunError::Stage {
                    stage: "teardown".into(),
                    message: format!("deleting {} {}: {}", o.kind, o.name, explain(&e)),
                });
            }
        }
        self.emit(EngineEvent::Deleted {
            kind: o.kind.clone(),
            name: o.name.clone(),
        });
        Ok(())
    }

    /// Our objects in the namespace: carrying our managed-by and track labels, of every
    /// kind the track applies plus claims; never children a controller owns (the
    /// garbage collector removes those with their owner).
    async fn find_ours(&mut self) -> Result<Vec<Ours>, RunError> {
        let mut kinds = self.track.kinds();
        kinds.insert(("v1".into(), "PersistentVolumeClaim".into()));
        let positions: BTreeMap<String, usize> = self
            .track
            .stages
            .iter()
            .map(|s| (s.id.clone(), s.index))
            .collect();
        let selector = format!(
            "{}={},{}={}",
            MANAGED_BY.0, MANAGED_BY.1, TRACK_LABEL, self.track.name
        );
        let ns = self.namespace.clone();
        let mut ours = Vec::new();
        for (api_version, kind) in kinds {
            if kind == "Namespace" {
                continue;
            }
            let api = self
                .applier
                .api_for(&api_version, &kind, Some(&ns), "teardown")
                .await
                .map_err(|e| RunError::Stage {
                    stage: "teardown".into(),
                    message: e.to_string(),
                })?;
            let params = ListParams::default().labels(&selector);
            let list =
                retry::transient(|| api.list(&params))
                    .await
                    .map_err(|e| RunError::Stage {
                        stage: "teardown".into(),
                        message: format!("listing {kind}: {}", explain(&e)),
                    })?;
            for (position, o) in list.items.iter().enumerate() {
                if is_owned(o) {
                    continue;
                }
                let stage = o
                    .labels()
                    .get(STAGE_LABEL)
                    .and_then(|s| positions.get(s))
                    .copied()
                    .unwrap_or(usize::MAX);
                ours.push(Ours {
                    stage,
                    position,
                    api_version: api_version.clone(),
                    kind: kind.clone(),
                    name: o.name_any(),
                });
            }
        }
        Ok(ours)
    }
}

fn is_owned(o: &DynamicObject) -> bool {
    o.owner_references()
        .iter()
        .any(|r| r.controller == Some(true))
}
