//! `kubetour status`: one snapshot of what the wizard's panels show — pods, kubetour's
//! objects and their state, EMQX membership as each node reports it, and recent warning
//! events and log lines with their diagnoses, and the causes of the diagnosis table that
//! hold (why there is no cluster). It needs nothing kubetour made: pointed at any
//! namespace (`--namespace`) it reads whatever EMQX pods run there.

use std::collections::BTreeSet;
use std::process::ExitCode;

use k8s_openapi::api::apps::v1::{Deployment, ReplicaSet, StatefulSet};
use k8s_openapi::api::core::v1::{
    ConfigMap, Endpoints, PersistentVolumeClaim, Service, ServiceAccount,
};
use k8s_openapi::api::rbac::v1::{Role, RoleBinding};
use kube::api::{Api, ListParams};
use kube::runtime::watcher::Event;
use kube::{Client, ResourceExt};
use serde::Serialize;

use super::load::load;
use super::runtime::runtime;
use super::target::open;
use crate::cli::StatusArgs;
use crate::engine::diagnose::diagnose;
use crate::engine::events::Diagnosis;
use crate::engine::evidence::Evidence;
use crate::engine::probe::{self, Wants};
use crate::engine::session::runs_emqx;
use crate::track::{Hint, Lang, Track};
use crate::view::objects::{ObjectLine, about_live_object, event_time, involved, objects};
use crate::view::pod_row::PodRow;
use crate::view::{Change, ClusterView, WatchedEvent};

/// `kubetour status`.
pub fn status(args: &StatusArgs) -> anyhow::Result<ExitCode> {
    let track = load(
        &args.track,
        args.emqx.as_deref(),
        args.namespace.as_deref(),
        None,
    )?;
    runtime()?.block_on(async {
        let opened = open(&args.target, &track.namespace).await?;
        let snap = take(&opened.connection.client, &track).await?;
        if args.json {
            println!("{}", serde_json::to_string_pretty(&snap)?);
        } else {
            print!("{}", snap.plain());
        }
        Ok(ExitCode::SUCCESS)
    })
}

#[derive(Debug, Serialize)]
pub struct NodeLine {
    pub pod: String,
    /// What `<ctl> status` said, or why it could not be asked.
    pub node: String,
    pub running_nodes: Vec<String>,
    pub stopped_nodes: Vec<String>,
}

#[derive(Debug, Serialize)]
pub struct WarningLine {
    pub object: String,
    pub reason: String,
    pub message: String,
}

#[derive(Debug, Serialize)]
pub struct Snapshot {
    pub namespace: String,
    pub pods: Vec<PodRow>,
    pub objects: Vec<ObjectLine>,
    pub emqx: Vec<NodeLine>,
    /// "1 cluster of 3 running nodes", "3 separate one-node clusters", ...
    pub membership: String,
    pub warnings: Vec<WarningLine>,
    /// Warnings about objects that no longer exist (deleted, or replaced by a namesake):
    /// history, not shown and never diagnosed.
    pub earlier_warnings: usize,
    pub diagnoses: Vec<Diagnosis>,
}

/// Lists one kind into the view, each object as the view keeps it (`V`: the object
/// itself, or its projection for pods and events).
async fn list_into<K, V>(
    client: &Client,
    ns: &str,
    wrap: fn(Event<std::sync::Arc<V>>) -> Change,
    view: &mut ClusterView,
) -> anyhow::Result<()>
where
    K: kube::Resource<DynamicType = (), Scope = k8s_openapi::NamespaceResourceScope>
        + Clone
        + std::fmt::Debug
        + serde::de::DeserializeOwned,
    V: From<K>,
{
    let api: Api<K> = Api::namespaced(client.clone(), ns);
    // kube's own Display of a failed request is "ServiceError: client error (Connect)";
    // `explain` says which server, context and kubeconfig, and why.
    let list = api
        .list(&ListParams::default())
        .await
        .map_err(|e| anyhow::anyhow!("{}", crate::cluster::errors::explain(&e)))?;
    for item in list.items {
        view.apply(wrap(Event::Apply(std::sync::Arc::new(item.into()))));
    }
    Ok(())
}

pub async fn take(client: &Client, track: &Track) -> anyhow::Result<Snapshot> {
    let ns = track.namespace.as_str();
    let mut view = ClusterView::default();
    list_into::<crate::view::WatchedPod, _>(client, ns, Change::Pod, &mut view).await?;
    list_into::<Deployment, _>(client, ns, Change::Deployment, &mut view).await?;
    list_into::<ReplicaSet, _>(client, ns, Change::ReplicaSet, &mut view).await?;
    list_into::<StatefulSet, _>(client, ns, Change::StatefulSet, &mut view).await?;
    list_into::<Service, _>(client, ns, Change::Service, &mut view).await?;
    list_into::<Endpoints, _>(client, ns, Change::Endpoints, &mut view).await?;
    list_into::<PersistentVolumeClaim, _>(client, ns, Change::Claim, &mut view).await?;
    list_into::<ConfigMap, _>(client, ns, Change::ConfigMap, &mut view).await?;
    list_into::<ServiceAccount, _>(client, ns, Change::ServiceAccount, &mut view).await?;
    list_into::<Role, _>(client, ns, Change::Role, &mut view).await?;
    list_into::<RoleBinding, _>(client, ns, Change::RoleBinding, &mut view).await?;
    list_into::<WatchedEvent, _>(client, ns, Change::Event, &mut view).await?;

    let now = jiff::Timestamp::now();
    let rows: Vec<PodRow> = view
        .pods
        .iter()
        .map(|p| PodRow::from_pod_at(p, now))
        .collect();
    let emqx_pods: Vec<&crate::view::WatchedPod> =
        view.pods.iter().filter(|p| runs_emqx(p)).collect();
    let mut evidence = Evidence::default();
    probe::probe_pods(
        client,
        ns,
        &track.profile,
        &emqx_pods,
        Wants {
            ctl: true,
            logs: true,
        },
        &mut evidence,
    )
    .await;
    let names: Vec<String> = emqx_pods.iter().map(|p| p.name_any()).collect();
    let membership = evidence
        .membership(names.iter().map(String::as_str))
        .summary();
    let emqx = names
        .iter()
        .map(|name| {
            let e = evidence.pods.get(name).cloned().unwrap_or_default();
            let node = match &e.node {
                Some(Ok(s)) => format!("{} is {}", s.node, s.status),
                Some(Err(err)) => err.clone(),
                None => "not running".to_string(),
            };
            let (running, stopped) = match &e.cluster {
                Some(Ok(c)) => (c.running_nodes.clone(), c.stopped_nodes.clone()),
                _ => (Vec::new(), Vec::new()),
            };
            NodeLine {
                pod: name.clone(),
                node,
                running_nodes: running,
                stopped_nodes: stopped,
            }
        })
        .collect();
    let hints: Vec<Hint> = track.stages.iter().flat_map(|s| s.hints.clone()).collect();
    let mut seen = BTreeSet::new();
    let causes = crate::engine::causes::name_causes(
        &track.diagnosis,
        &view,
        &evidence,
        &emqx_pods,
        Lang::En,
    );
    let diagnoses = diagnose(&hints, &view, &evidence, &names, Lang::En)
        .into_iter()
        .chain(causes)
        .filter(|d| seen.insert((d.source.clone(), d.explanation.clone())))
        .collect();
    // Warnings about the objects that exist now; those about deleted namesakes (the
    // previous install's pods and claims) are history, only counted.
    let (mut warnings, history): (Vec<&WatchedEvent>, Vec<&WatchedEvent>) = view
        .events
        .iter()
        .filter(|e| e.type_.as_deref() == Some("Warning"))
        .partition(|e| about_live_object(&view, e));
    warnings.sort_by_key(|e| event_time(e));
    let warnings = warnings
        .iter()
        .rev()
        .take(10)
        .map(|e| WarningLine {
            object: involved(e),
            reason: e.reason.clone().unwrap_or_default(),
            message: e.message.clone().unwrap_or_default(),
        })
        .collect();
    Ok(Snapshot {
        namespace: ns.to_string(),
        pods: rows,
        objects: objects(&view),
        emqx,
        membership,
        warnings,
        earlier_warnings: history.len(),
        diagnoses,
    })
}

impl Snapshot {
    /// The snapshot as text, in panels.
    pub fn plain(&self) -> String {
        let mut out = format!("namespace {}\n\nPODS\n", self.namespace);
        if self.pods.is_empty() {
            out.push_str("  (none)\n");
        }
        for p in &self.pods {
            out.push_str(&format!(
                "  {:<40} {:<6} {:<18} {:<3} {:<7} {}\n",
                p.name,
                p.ready,
                p.status,
                p.restarts,
                p.age,
                p.ip.clone().unwrap_or_default()
            ));
        }
        out.push_str("\nOBJECTS\n");
        for o in &self.objects {
            out.push_str(&format!("  {}/{}: {}\n", o.kind, o.name, o.state));
        }
        out.push_str(&format!("\nEMQX: {}\n", self.membership));
        for n in &self.emqx {
            out.push_str(&format!("  {}: {}\n", n.pod, n.node));
            if !n.running_nodes.is_empty() {
                out.push_str(&format!("    running: {}\n", n.running_nodes.join(", ")));
            }
            if !n.stopped_nodes.is_empty() {
                out.push_str(&format!("    stopped: {}\n", n.stopped_nodes.join(", ")));
            }
        }
        if !self.warnings.is_empty() {
            out.push_str("\nWARNINGS\n");
            for w in &self.warnings {
                out.push_str(&format!("  {} {}: {}\n", w.object, w.reason, w.message));
            }
        }
        if self.earlier_warnings > 0 {
            out.push_str(&format!(
                "\n({} earlier warning(s) about objects that no longer exist, not shown)\n",
                self.earlier_warnings
            ));
        }
        if !self.diagnoses.is_empty() {
            out.push_str("\nDIAGNOSES\n");
            for d in &self.diagnoses {
                out.push_str(&format!(
                    "  {}: {}\n    {}\n",
                    d.source, d.line, d.explanation
                ));
                if let Some(s) = &d.fixed_by {
                    out.push_str(&format!("    fixed by stage `{s}`\n"));
                }
            }
        }
        out
    }
}
