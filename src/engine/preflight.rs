//! Preflight: before anything is written, what the learner (or operator) should know
//! about the cluster. Each finding is ok, a warning, or blocking, with advice.

use std::collections::BTreeSet;

use futures::StreamExt;
use k8s_openapi::api::core::v1::Namespace;
use kube::ResourceExt;
use kube::api::{Api, Patch, PatchParams};

use super::events::{EngineEvent, Finding, Severity};
use super::{Engine, RunError};
use crate::cluster::apply::FIELD_MANAGER;
use crate::cluster::errors::explain;
use crate::cluster::{facts, retry};
use crate::track::Condition;
use crate::track::manifest::MANAGED_BY;

/// How many access reviews preflight has in flight: enough that a slow server does not
/// multiply its delay by eighty, few enough to stay polite to a shared one.
const ACCESS_QUESTIONS_AT_ONCE: usize = 8;

/// The subject of the finding about exec into pods.
pub const EXEC_SUBJECT: &str = "exec into pods";

/// Conditions answered by running EMQX's ctl in a pod.
fn needs_exec(condition: &Condition) -> bool {
    matches!(
        condition,
        Condition::EmqxStarted { .. }
            | Condition::EmqxCluster { .. }
            | Condition::EmqxIslands { .. }
            | Condition::EmqxStopped { .. }
    )
}

fn finding(severity: Severity, subject: &str, advice: impl Into<String>) -> Finding {
    Finding {
        severity,
        subject: subject.to_string(),
        advice: advice.into(),
    }
}

impl Engine {
    /// Runs the preflight, emits its findings, and stops on a blocking one. Writes
    /// nothing: the namespace is created by the first stage that applies something.
    pub(super) async fn preflight_or_stop(&mut self) -> Result<(), RunError> {
        let findings = self.preflight().await;
        self.findings = findings.clone();
        let blocking: Vec<String> = findings
            .iter()
            .filter(|f| f.severity == Severity::Blocking)
            .map(|f| format!("{}: {}", f.subject, f.advice))
            .collect();
        self.emit(EngineEvent::Preflight { findings });
        if !blocking.is_empty() {
            return Err(RunError::Preflight(blocking.join("; ")));
        }
        Ok(())
    }

    pub async fn preflight(&mut self) -> Vec<Finding> {
        let mut out = Vec::new();
        let client = self.client.clone();
        let ns = self.namespace.clone();
        match retry::transient(|| facts::server_version(&client)).await {
            Ok(v) => out.push(finding(
                Severity::Ok,
                "API server",
                format!("Kubernetes {v}"),
            )),
            Err(e) => {
                // An unreached server's sentence already names server, context and
                // kubeconfig and says what to do; anything else gets the generic advice.
                let advice = match crate::cluster::reach::unreached(&e) {
                    Some(u) => u.to_string(),
                    None => format!(
                        "cannot reach it: {}. Check the kubeconfig and that the cluster is up.",
                        explain(&e)
                    ),
                };
                out.push(finding(Severity::Blocking, "API server", advice));
                return out;
            }
        }
        match retry::transient(|| facts::nodes(&client)).await {
            Ok(nodes) => {
                let ready = nodes.iter().filter(|(_, r)| *r).count();
                let severity = if ready == 0 {
                    Severity::Blocking
                } else {
                    Severity::Ok
                };
                out.push(finding(
                    severity,
                    "nodes",
                    format!(
                        "{ready} of {} Ready{}",
                        nodes.len(),
                        if ready == 0 {
                            ": pods cannot run anywhere; start or repair a node first"
                        } else {
                            ""
                        }
                    ),
                ));
            }
            Err(e) => out.push(finding(
                Severity::Warning,
                "nodes",
                format!("cannot list nodes: {}", explain(&e)),
            )),
        }
        match retry::transient(|| facts::namespace_exists(&client, &ns)).await {
            Ok(true) => out.push(finding(Severity::Ok, "namespace", format!("{ns} exists"))),
            Ok(false) => out.push(finding(
                Severity::Ok,
                "namespace",
                format!("{ns} will be created"),
            )),
            Err(e) => out.push(finding(
                Severity::Warning,
                "namespace",
                format!("cannot read {ns}: {}", explain(&e)),
            )),
        }
        match retry::transient(|| facts::default_storage_class(&client)).await {
            Ok(Some(c)) => out.push(finding(
                Severity::Ok,
                "default StorageClass",
                format!(
                    "{} ({}, {}){}",
                    c.name,
                    c.provisioner,
                    c.binding_mode,
                    if c.binding_mode == "WaitForFirstConsumer" {
                        ": claims bind when their pod is scheduled"
                    } else {
                        ""
                    }
                ),
            )),
            Ok(None) => out.push(finding(
                Severity::Warning,
                "default StorageClass",
                "none: the persistence stage's claims will stay Pending (O19). Install a \
                 provisioner (e.g. local-path) and mark its class default, or stop before \
                 the persistence stage.",
            )),
            Err(e) => out.push(finding(
                Severity::Warning,
                "default StorageClass",
                format!("cannot list StorageClasses: {}", explain(&e)),
            )),
        }
        for selector in self.foreign_pod_selectors() {
            match retry::transient(|| facts::pods_matching(&client, &ns, &selector)).await {
                Ok(pods) => {
                    let foreign: Vec<String> = pods
                        .iter()
                        .filter(|p| {
                            p.labels().get(MANAGED_BY.0).map(String::as_str) != Some(MANAGED_BY.1)
                        })
                        .map(|p| p.name_any())
                        .collect();
                    if foreign.is_empty() {
                        out.push(finding(
                            Severity::Ok,
                            "leftover EMQX pods",
                            format!("no other pods match {selector}"),
                        ));
                    } else {
                        out.push(finding(
                            Severity::Warning,
                            "leftover EMQX pods",
                            format!(
                                "{} match {selector} but are not kubetour's: {} (P7). Services \
                                 select them and EMQX discovery will try to join them. Remove \
                                 that install, or use another --namespace.",
                                foreign.len(),
                                foreign.join(", ")
                            ),
                        ));
                    }
                }
                Err(e) => out.push(finding(
                    Severity::Warning,
                    "leftover EMQX pods",
                    format!("cannot list pods: {}", explain(&e)),
                )),
            }
        }
        out.extend(self.access_findings().await);
        out
    }

    /// "stages/emqx/03-service.yaml:60, stage `service`, manifest 1 (Servic emqx-service)"
    /// for the first manifest of this kind, or "preflight" for one no stage applies (Pod).
    fn first_use(&self, api_version: &str, kind: &str) -> String {
        self.track
            .stages
            .iter()
            .flat_map(|s| s.manifests.iter().map(move |m| (s, m)))
            .find(|(_, m)| m.api_version == api_version && m.kind == kind)
            .map_or("preflight".to_string(), |(s, m)| {
                format!(
                    "{}:{}, stage `{}`, manifest {} ({} {})",
                    m.source.file.display(),
                    m.source.line,
                    s.id,
                    m.source.position,
                    m.kind,
                    m.name
                )
            })
    }

    fn foreign_pod_selectors(&self) -> Vec<String> {
        let set: BTreeSet<String> = self
            .track
            .stages
            .iter()
            .flat_map(|s| &s.checks)
            .filter_map(|c| match &c.condition {
                Condition::NoForeignPods { selector } => Some(selector.to_string()),
                _ => None,
            })
            .collect();
        set.into_iter().collect()
    }

    /// One access review per verb and resource the track needs.
    async fn access_findings(&mut self) -> Vec<Finding> {
        let mut kinds = self.track.kinds();
        kinds.insert(("v1".into(), "Pod".into()));
        let mut needs: Vec<(String, String, &'static str)> = Vec::new();
        for (api_version, kind) in &kinds {
            // A kind the cluster does not serve is a mistake in a stage file: name the
            // first place that asks for it, so the message says where to fix it.
            let origin = self.first_use(api_version, kind);
            match self.applier.resource_for(api_version, kind, &origin).await {
                Ok((r, _)) => {
                    for verb in ["get", "list", "watch", "create", "patch", "delete"] {
                        needs.push((r.group.clone(), r.plural.clone(), verb));
                    }
                }
                Err(e) => {
                    return vec![finding(Severity::Blocking, "kinds", e.to_string())];
                }
            }
        }
        // Exec over WebSocket (what kube-rs and kubectl 1.30+ use) is a GET: a 1.32 API
        // server authorizes it as `get pods/exec`; SPDY and newer servers ask `create`.
        needs.push((String::new(), "pods/exec".into(), "create"));
        needs.push((String::new(), "pods/exec".into(), "get"));
        needs.push((String::new(), "pods/log".into(), "get"));
        needs.push((String::new(), "services/proxy".into(), "get"));
        // Delivery checks reach MQTT through port-forwards (O22-O24).
        if self.track_has_delivery() {
            needs.push((String::new(), "pods/portforward".into(), "create"));
        }
        let mut denied = Vec::new();
        let mut unknown = None;
        // Some eighty questions: asked a few at a time, in order, so a slow API server
        // (2 s an answer) costs seconds here, not minutes.
        // (Owned values in each future: a spawned task's future must not borrow.)
        let asks: Vec<_> = needs
            .iter()
            .cloned()
            .map(|(group, question, verb)| {
                let (client, namespace) = (self.client.clone(), self.namespace.clone());
                async move {
                    let answer = retry::transient(|| {
                        facts::may(&client, &namespace, verb, &group, &question)
                    })
                    .await;
                    (format!("{verb} {question}"), answer)
                }
            })
            .collect();
        let mut answers = futures::stream::iter(asks).buffered(ACCESS_QUESTIONS_AT_ONCE);
        while let Some((what, answer)) = answers.next().await {
            match answer {
                Ok(a) if a.allowed => {}
                Ok(_) => denied.push(what),
                Err(e) => unknown = Some(explain(&e)),
            }
        }
        // Without exec the stages still apply; only the checks that ask EMQX itself
        // cannot be verified, so a refused exec is a warning that names them.
        let is_exec = |d: &String| d.ends_with(" pods/exec");
        let exec_denied: Vec<String> = denied.iter().filter(|d| is_exec(d)).cloned().collect();
        denied.retain(|d| !is_exec(d));
        // Likewise without port-forwarding: only the delivery checks cannot be verified.
        let is_forward = |d: &String| d.ends_with(" pods/portforward");
        let forward_denied: Vec<String> =
            denied.iter().filter(|d| is_forward(d)).cloned().collect();
        denied.retain(|d| !is_forward(d));
        let mut out = Vec::new();
        if !exec_denied.is_empty() {
            out.push(self.exec_denied_finding(&exec_denied));
        }
        if !forward_denied.is_empty() {
            out.push(self.portforward_denied_finding(&forward_denied));
        }
        if let Some(e) = unknown {
            out.push(finding(
                Severity::Warning,
                "permissions",
                format!("cannot ask the API server: {e}"),
            ));
            return out;
        }
        out.push(if denied.is_empty() {
            finding(
                Severity::Ok,
                "permissions",
                format!(
                    "may do all {} operations the track needs in {}",
                    needs.len() - exec_denied.len() - forward_denied.len(),
                    self.namespace
                ),
            )
        } else {
            finding(
                Severity::Blocking,
                "permissions",
                format!(
                    "not allowed in {}: {}. Ask a cluster admin for these rights, or use \
                     kubetour's simulated cluster.",
                    self.namespace,
                    denied.join(", ")
                ),
            )
        });
        out
    }

    /// Exec into pods is not allowed: which checks cannot be verified, by stage.
    fn exec_denied_finding(&self, denied: &[String]) -> Finding {
        let unverifiable: Vec<String> = self
            .track
            .stages
            .iter()
            .flat_map(|s| s.checks.iter().map(move |c| (s, c)))
            .filter(|(_, c)| needs_exec(&c.condition))
            .map(|(s, c)| format!("`{}`: {}", s.id, c.condition))
            .collect();
        finding(
            Severity::Warning,
            EXEC_SUBJECT,
            format!(
                "not allowed ({} in {}): kubetour cannot ask EMQX itself, so \
                 these checks cannot be verified here and their stages will end as applied, \
                 not verified: {}. Whether EMQX started is asked through the pod proxy \
                 instead. Ask a cluster admin for get and create on pods/exec to verify them.",
                denied.join(", "),
                self.namespace,
                if unverifiable.is_empty() {
                    "none in this track".to_string()
                } else {
                    unverifiable.join("; ")
                }
            ),
        )
    }

    /// Creates the namespace, labelled as ours, when it is missing.
    pub(super) async fn ensure_namespace(&mut self) -> Result<(), RunError> {
        let api: Api<Namespace> = Api::all(self.client.clone());
        let exists = retry::transient(|| api.get_opt(&self.namespace))
            .await
            .map_err(|e| {
                RunError::Preflight(format!(
                    "reading namespace {}: {}",
                    self.namespace,
                    explain(&e)
                ))
            })?;
        if exists.is_some() {
            return Ok(());
        }
        let ns = serde_json::json!({
            "apiVersion": "v1",
            "kind": "Namespace",
            "metadata": {"name": self.namespace, "labels": {MANAGED_BY.0: MANAGED_BY.1}},
        });
        let params = PatchParams::apply(FIELD_MANAGER);
        let patch = Patch::Apply(&ns);
        retry::transient(|| api.patch(&self.namespace, &params, &patch))
            .await
            .map_err(|e| {
                RunError::Preflight(format!(
                    "creating namespace {}: {}",
                    self.namespace,
                    explain(&e)
                ))
            })?;
        Ok(())
    }
}
