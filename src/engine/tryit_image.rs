//! The `set_image` try-it: roll a Deployment to another image (e.g. an EMQX that refuses
//! to run in a cluster without a licence), see its new pods crash-loop while the old
//! ones keep running, then set the image back and wait for the rollout, so the stage
//! ends as it began.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use futures::StreamExt;
use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::Pod;
use kube::ResourceExt;
use kube::api::{Api, LogParams, PostParams};
use tokio::time::Instant;

use super::Engine;
use crate::cluster::errors::explain;
use crate::cluster::retry;
use crate::track::{Check, Condition};
use crate::view::pod_row::PodRow;

/// Restarts that make a crash loop rather than one bad start: the node crashed, was
/// started again, and crashed again.
const CRASH_LOOP: i32 = 2;
/// How long the new pods may take to crash and be restarted.
const CRASHES: Duration = Duration::from_secs(180);
/// How long the rollout back to the old image may take.
const ROLLS_BACK: Duration = Duration::from_secs(240);

/// A Deployment's image before the try-it changed it, to set back afterwards.
pub(super) struct ImageToRestore {
    deployment: String,
    image: String,
}

impl Engine {
    /// Sets `image` on the Deployment's first container and waits until a new pod has
    /// crashed and been restarted twice while every old pod is still Ready. Ok/Err carry what
    /// was seen; the image to set back is returned whenever it was changed.
    pub(super) async fn set_image_expect_crash_loop(
        &mut self,
        deployment: &str,
        image: &str,
    ) -> (Option<ImageToRestore>, Result<String, String>) {
        let old_image = match self.replace_image(deployment, image).await {
            Ok(old) => old,
            Err(e) => return (None, Err(e)),
        };
        let restore = Some(ImageToRestore {
            deployment: deployment.to_string(),
            image: old_image.clone(),
        });
        let Some(labels) = self.deployment_pod_labels(deployment) else {
            return (restore, Err(format!("Deployment {deployment} not seen")));
        };
        let old_pods: BTreeSet<String> = self
            .view
            .pods
            .iter()
            .filter(|p| p.metadata.deletion_timestamp.is_none())
            .filter(|p| labels.iter().all(|(k, v)| p.labels().get(k) == Some(v)))
            .filter_map(|p| p.uid())
            .collect();
        let deadline = Instant::now() + self.limit(CRASHES);
        loop {
            let now = jiff::Timestamp::now();
            let mut crashing = Vec::new();
            let mut old_ready = 0;
            for p in self.view.pods.iter() {
                if p.metadata.deletion_timestamp.is_some()
                    || !labels.iter().all(|(k, v)| p.labels().get(k) == Some(v))
                {
                    continue;
                }
                let row = PodRow::from_pod_at(p, now);
                if p.uid().is_some_and(|u| old_pods.contains(&u)) {
                    old_ready += usize::from(row.is_ready);
                } else if row.restarts >= CRASH_LOOP && !row.is_ready {
                    crashing.push((row.name, row.status, row.restarts));
                }
            }
            let seen = format!(
                "set image {image} on Deployment {deployment} (was {old_image}); new pods: {}; old pods Ready: {old_ready} of {}",
                if crashing.is_empty() {
                    "none crashed yet".to_string()
                } else {
                    crashing
                        .iter()
                        .map(|(name, status, restarts)| {
                            format!("{name} {status} after {restarts} restart(s)")
                        })
                        .collect::<Vec<_>>()
                        .join(", ")
                },
                old_pods.len()
            );
            if !crashing.is_empty() && old_ready == old_pods.len() {
                let api: Api<Pod> = Api::namespaced(self.client.clone(), &self.namespace);
                let last = last_words(api, &crashing[0].0).await;
                return (restore, Ok(format!("{seen}; {last}")));
            }
            if Instant::now() >= deadline {
                return (
                    restore,
                    Err(format!("after {}s: {seen}", self.limit(CRASHES).as_secs())),
                );
            }
            if let Ok(Some(change)) = tokio::time::timeout_at(deadline, self.changes.next()).await {
                self.absorb(change);
            }
        }
    }

    /// Sets the image back and waits until the Deployment has rolled out again.
    pub(super) async fn restore_image(
        &mut self,
        stage: &str,
        restore: ImageToRestore,
    ) -> Result<(), String> {
        self.replace_image(&restore.deployment, &restore.image)
            .await?;
        let rolled_out = Check {
            condition: Condition::DeploymentComplete {
                name: restore.deployment.clone(),
            },
            timeout: ROLLS_BACK,
        };
        self.wait_checks(stage, &[rolled_out], &[])
            .await
            .map_err(|f| {
                format!(
                    "setting image {} back on Deployment {}: {}",
                    restore.image, restore.deployment, f.observed
                )
            })
    }

    /// Replaces the first container's image; the image it had.
    async fn replace_image(&mut self, deployment: &str, image: &str) -> Result<String, String> {
        let api: Api<Deployment> = Api::namespaced(self.client.clone(), &self.namespace);
        let fail = |e: &kube::Error| {
            format!(
                "setting the image of Deployment {deployment}: {}",
                explain(e)
            )
        };
        let mut d = retry::transient(|| api.get(deployment))
            .await
            .map_err(|e| fail(&e))?;
        let container = d
            .spec
            .template
            .spec
            .as_mut()
            .and_then(|s| s.containers.first_mut())
            .ok_or_else(|| format!("Deployment {deployment} has no container"))?;
        let old = container
            .image
            .replace(image.to_string())
            .unwrap_or_default();
        let params = PostParams::default();
        retry::transient(|| api.replace(deployment, &params, &d))
            .await
            .map_err(|e| fail(&e))?;
        Ok(old)
    }

    /// The labels the Deployment's pods carry (its selector's matchLabels).
    fn deployment_pod_labels(&self, deployment: &str) -> Option<BTreeMap<String, String>> {
        let d = self.view.deployments.get(deployment)?;
        Some(d.spec.selector.match_labels.clone().unwrap_or_default())
    }
}

/// The last line a crashed container wrote before it stopped (`kubectl logs --previous`),
/// which says why.
async fn last_words(api: Api<Pod>, pod: &str) -> String {
    let params = LogParams {
        previous: true,
        tail_lines: Some(1),
        ..LogParams::default()
    };
    match retry::transient(|| api.logs(pod, &params)).await {
        Ok(log) => format!("its last log line before the restart: {}", log.trim()),
        Err(e) => format!("its previous log could not be read: {}", explain(&e)),
    }
}
