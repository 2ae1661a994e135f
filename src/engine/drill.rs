//! Drills: one cause of "no cluster" (a pitfall of the diagnosis table) put on purpose
//! into the running state, for a learner to find with kubectl, then undone.
//!
//! A drill either changes the env of the EMQX container of the workload that runs EMQX
//! (the Deployment or StatefulSet): the change rolls the pods as any template edit does,
//! and the undo puts the saved env back (and rolls them again); or it adds one pod of
//! that template with its own env beside them (the Service selects it too), and the undo
//! deletes it. A drill may also add a NetworkPolicy denying ingress to the EMQX pods
//! (with one extra pod, which then finds its peers unreachable; established connections
//! are left alone, as CNIs that track connections do); the undo deletes the policy too.
//! A drill that could not be undone that way (deleting data) is not offered.

use k8s_openapi::api::apps::v1::{Deployment, StatefulSet};
use k8s_openapi::api::core::v1::{EnvVar, EnvVarSource, ObjectFieldSelector, Pod, PodTemplateSpec};
use k8s_openapi::api::networking::v1::{NetworkPolicy, NetworkPolicySpec};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, ObjectMeta};
use kube::api::{Api, DeleteParams, ListParams, PostParams};
use kube::{Client, ResourceExt};

/// One change to the EMQX container's env.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EnvChange {
    /// Set to a literal value (an empty one is set, not removed).
    Set(&'static str, &'static str),
    /// Set from a downward-API field (`status.podIP`, `metadata.name`).
    Field(&'static str, &'static str),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Drill {
    pub name: &'static str,
    /// The pitfall of the diagnosis table it causes.
    pub pitfall: &'static str,
    /// What it does, for `drill list` and the trainer.
    pub breaks: &'static str,
    pub changes: &'static [EnvChange],
    /// The changes go to one extra pod of the workload's template, not the workload.
    pub odd_pod: bool,
    /// Adds a NetworkPolicy that selects the workload's pods and admits no ingress.
    pub deny_ingress: bool,
}

/// Every drill, in the order `drill list` shows them.
pub const DRILLS: &[Drill] = &[
    Drill {
        name: "wrong-service",
        pitfall: "P18",
        breaks: "points discovery at a Service that does not exist (emqx-nowhere)",
        changes: &[EnvChange::Set(
            "EMQX_CLUSTER__K8S__SERVICE_NAME",
            "emqx-nowhere",
        )],
        odd_pod: false,
        deny_ingress: false,
    },
    Drill {
        name: "no-suffix",
        pitfall: "P14",
        breaks: "switches discovery to `dns` addressing with an empty suffix",
        changes: &[
            EnvChange::Set("EMQX_CLUSTER__K8S__ADDRESS_TYPE", "dns"),
            EnvChange::Set("EMQX_CLUSTER__K8S__SUFFIX", ""),
        ],
        odd_pod: false,
        deny_ingress: false,
    },
    Drill {
        name: "ip-names",
        pitfall: "P12",
        breaks: "names the nodes by pod IP while discovery builds DNS names",
        changes: &[
            EnvChange::Field("EMQX_HOST", "status.podIP"),
            EnvChange::Set("EMQX_CLUSTER__K8S__ADDRESS_TYPE", "dns"),
            EnvChange::Set("EMQX_CLUSTER__K8S__SUFFIX", "pod.cluster.local"),
        ],
        odd_pod: false,
        deny_ingress: false,
    },
    Drill {
        name: "odd-cookie",
        pitfall: "P17",
        breaks: "adds one EMQX pod beside the others with another Erlang cookie",
        changes: &[EnvChange::Set("EMQX_NODE__COOKIE", "drill-odd-cookie")],
        odd_pod: true,
        deny_ingress: false,
    },
    Drill {
        name: "deny-cluster-ports",
        pitfall: "P19",
        breaks: "adds a NetworkPolicy denying all ingress to the EMQX pods, and one more EMQX pod",
        changes: &[],
        odd_pod: true,
        deny_ingress: true,
    },
];

/// The name of the NetworkPolicy `deny-cluster-ports` adds.
const DENY_POLICY: &str = "kubetour-drill-deny-ingress";

/// The drill of that name, or what the names are.
pub fn find(name: &str) -> Result<&'static Drill, String> {
    DRILLS.iter().find(|d| d.name == name).ok_or_else(|| {
        let names: Vec<&str> = DRILLS.iter().map(|d| d.name).collect();
        format!(
            "there is no drill `{name}`; the drills are: {}",
            names.join(", ")
        )
    })
}

/// What a drill changed, so it can be put back.
#[derive(Debug, Clone, PartialEq)]
pub struct Undo {
    /// "Deployment" or "StatefulSet".
    pub kind: &'static str,
    pub name: String,
    pub container: String,
    /// The container's env before the drill.
    pub env: Option<Vec<EnvVar>>,
    /// The extra pod the drill added (then the workload was not changed).
    pub odd_pod: Option<String>,
    /// The NetworkPolicy the drill added.
    pub policy: Option<String>,
}

fn is_emqx_template(t: &PodTemplateSpec) -> Option<String> {
    t.spec.as_ref()?.containers.iter().find_map(|c| {
        c.image
            .as_deref()
            .is_some_and(|i| i.contains("emqx"))
            .then(|| c.name.clone())
    })
}

/// Applies `drill` to the workload running EMQX in `namespace`.
pub async fn apply(client: &Client, namespace: &str, drill: &Drill) -> anyhow::Result<Undo> {
    let deployments: Api<Deployment> = Api::namespaced(client.clone(), namespace);
    for mut d in deployments.list(&ListParams::default()).await?.items {
        // k8s-openapi 0.29: a Deployment's spec is a plain struct.
        if d.spec.replicas == Some(0) {
            continue;
        }
        let name = d.name_any();
        if let Some(undo) = change(&mut d.spec.template, "Deployment", &name, drill) {
            if drill.odd_pod {
                let (t, deny) = (&d.spec.template, drill.deny_ingress);
                return add_odd_pod(client, namespace, t, None, undo, deny).await;
            }
            deployments
                .replace(&name, &PostParams::default(), &d)
                .await?;
            return Ok(undo);
        }
    }
    let sets: Api<StatefulSet> = Api::namespaced(client.clone(), namespace);
    for mut s in sets.list(&ListParams::default()).await?.items {
        let name = s.name_any();
        if let Some(undo) = change(&mut s.spec.template, "StatefulSet", &name, drill) {
            if drill.odd_pod {
                let service = s.spec.service_name.clone();
                let (t, deny) = (&s.spec.template, drill.deny_ingress);
                return add_odd_pod(client, namespace, t, service, undo, deny).await;
            }
            sets.replace(&name, &PostParams::default(), &s).await?;
            return Ok(undo);
        }
    }
    anyhow::bail!(
        "no Deployment or StatefulSet in namespace {namespace} runs EMQX: run the track at \
         least through the stage `rbac` first (or name the namespace with -n)"
    )
}

/// Changes the EMQX container's env in `template`; the undo, if it runs EMQX.
fn change(
    template: &mut PodTemplateSpec,
    kind: &'static str,
    name: &str,
    drill: &Drill,
) -> Option<Undo> {
    let container_name = is_emqx_template(template)?;
    let container = template
        .spec
        .as_mut()?
        .containers
        .iter_mut()
        .find(|c| c.name == container_name)?;
    let undo = Undo {
        kind,
        name: name.to_string(),
        container: container_name,
        env: container.env.clone(),
        odd_pod: None,
        policy: None,
    };
    let env = container.env.get_or_insert_with(Vec::new);
    for c in drill.changes {
        let var = match *c {
            EnvChange::Set(n, v) => EnvVar {
                name: n.to_string(),
                value: Some(v.to_string()),
                value_from: None,
            },
            EnvChange::Field(n, path) => EnvVar {
                name: n.to_string(),
                value: None,
                value_from: Some(EnvVarSource {
                    field_ref: Some(ObjectFieldSelector {
                        field_path: path.to_string(),
                        api_version: None,
                    }),
                    ..EnvVarSource::default()
                }),
            },
        };
        match env.iter_mut().find(|e| e.name == var.name) {
            Some(e) => *e = var,
            None => env.push(var),
        }
    }
    Some(undo)
}

/// One pod of `template` (already changed) beside the workload's: labelled as they are,
/// so their Service selects it; for a StatefulSet, with a host name under its headless
/// Service as the workload's pods have (discovery by `hostname` needs one).
async fn add_odd_pod(
    client: &Client,
    namespace: &str,
    template: &PodTemplateSpec,
    service: Option<String>,
    mut undo: Undo,
    deny_ingress: bool,
) -> anyhow::Result<Undo> {
    if deny_ingress {
        let labels = template.metadata.as_ref().and_then(|m| m.labels.clone());
        let policy = NetworkPolicy {
            metadata: ObjectMeta {
                name: Some(DENY_POLICY.to_string()),
                ..ObjectMeta::default()
            },
            spec: Some(NetworkPolicySpec {
                pod_selector: Some(LabelSelector {
                    match_labels: labels,
                    match_expressions: None,
                }),
                policy_types: Some(vec!["Ingress".to_string()]),
                ingress: None,
                egress: None,
            }),
        };
        let policies: Api<NetworkPolicy> = Api::namespaced(client.clone(), namespace);
        policies.create(&PostParams::default(), &policy).await?;
        undo.policy = Some(DENY_POLICY.to_string());
    }
    let name = format!("{}-drill-odd", undo.name);
    let mut spec = template.spec.clone().unwrap_or_default();
    if service.is_some() {
        spec.hostname = Some(name.clone());
        spec.subdomain = service;
    }
    let pod = Pod {
        metadata: ObjectMeta {
            name: Some(name.clone()),
            labels: template.metadata.as_ref().and_then(|m| m.labels.clone()),
            ..ObjectMeta::default()
        },
        spec: Some(spec),
        status: None,
    };
    let pods: Api<Pod> = Api::namespaced(client.clone(), namespace);
    pods.create(&PostParams::default(), &pod).await?;
    undo.odd_pod = Some(name);
    Ok(undo)
}

/// Deletes the policy the drill added, then puts the container's env back as it was
/// before the drill, or deletes its extra pod.
pub async fn undo(client: &Client, namespace: &str, undo: &Undo) -> anyhow::Result<()> {
    if let Some(name) = &undo.policy {
        let policies: Api<NetworkPolicy> = Api::namespaced(client.clone(), namespace);
        policies.delete(name, &DeleteParams::default()).await?;
    }
    if let Some(name) = &undo.odd_pod {
        let pods: Api<Pod> = Api::namespaced(client.clone(), namespace);
        pods.delete(name, &DeleteParams::default()).await?;
        return Ok(());
    }
    let restore = |t: &mut PodTemplateSpec| {
        if let Some(c) = t
            .spec
            .as_mut()
            .and_then(|s| s.containers.iter_mut().find(|c| c.name == undo.container))
        {
            c.env.clone_from(&undo.env);
        }
    };
    match undo.kind {
        "Deployment" => {
            let api: Api<Deployment> = Api::namespaced(client.clone(), namespace);
            let mut d = api.get(&undo.name).await?;
            restore(&mut d.spec.template);
            api.replace(&undo.name, &PostParams::default(), &d).await?;
        }
        _ => {
            let api: Api<StatefulSet> = Api::namespaced(client.clone(), namespace);
            let mut s = api.get(&undo.name).await?;
            restore(&mut s.spec.template);
            api.replace(&undo.name, &PostParams::default(), &s).await?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_drill_is_found_by_name_and_an_unknown_one_lists_the_names() {
        for d in DRILLS {
            assert_eq!(find(d.name).unwrap().pitfall, d.pitfall);
        }
        let err = find("nope").unwrap_err();
        assert!(
            err.contains("wrong-service, no-suffix, ip-names, odd-cookie"),
            "{err}"
        );
    }

    #[test]
    fn a_drill_overrides_an_existing_setting_and_the_undo_keeps_the_old_env() {
        let mut t: PodTemplateSpec = serde_json::from_value(serde_json::json!({
            "spec": {"containers": [{"name": "emqx", "image": "emqx/emqx:5.8.9",
                "env": [{"name": "EMQX_CLUSTER__K8S__SERVICE_NAME", "value": "emqx-service"}]}]}
        }))
        .unwrap();
        let undo = change(&mut t, "Deployment", "emqx", find("wrong-service").unwrap()).unwrap();
        let env = t.spec.as_ref().unwrap().containers[0].env.clone().unwrap();
        assert_eq!(env.len(), 1);
        assert_eq!(env[0].value.as_deref(), Some("emqx-nowhere"));
        assert_eq!(undo.env.unwrap()[0].value.as_deref(), Some("emqx-service"));
    }
}
