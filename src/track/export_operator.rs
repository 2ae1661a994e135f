//! `kubetour export --as operator`: a track's state as one `EMQX` resource of the EMQX
//! Operator (`apps.emqx.io/v2beta1`, github.com/emqx/emqx-operator; EMQX.md, "Exporting
//! to the official chart and the Operator").
//!
//! The Operator runs the cores as a StatefulSet (`coreTemplate`) and the replicants as
//! a ReplicaSet (`replicantTemplate`), and clusters them itself with DNS discovery on
//! its own headless Service: it puts its discovery, host name, role and cookie settings
//! first in the pods' env, so the track's own would override them and are left out.

use super::error::TrackError;
use super::export_source::{self, EndState, Workload};
use super::model::Track;
use super::ordered_yaml::Node;

pub const API_VERSION: &str = "apps.emqx.io/v2beta1";
/// The Operator release whose CRD the resource is checked against (tests/data/export).
pub const OPERATOR_VERSION: &str = "2.2.29";
/// The resource's name; the Operator names the cores' StatefulSet, the headless
/// Service and the listeners Service after it.
pub const NAME: &str = "emqx";

/// The env the Operator sets on every EMQX pod (controllers/apps/v2beta1/add_emqx_core.go
/// and add_emqx_repl.go at 2.2.29), ahead of the resource's own env.
pub const OPERATOR_ENV: &[&str] = &[
    "POD_NAME",
    "EMQX_CLUSTER__DISCOVERY_STRATEGY",
    "EMQX_CLUSTER__DNS__RECORD_TYPE",
    "EMQX_CLUSTER__DNS__NAME",
    "EMQX_HOST",
    "EMQX_NODE__DATA_DIR",
    "EMQX_NODE__ROLE",
    "EMQX_NODE__COOKIE",
    "EMQX_API_KEY__BOOTSTRAP_FILE",
];

/// Renders the resource for the state after `through` (the last stage when `None`).
pub fn operator_resource(track: &Track, through: Option<&str>) -> Result<String, TrackError> {
    let state = export_source::read(track, through)?;
    let core = state.core("the Operator's EMQX resource")?;
    check_version(core)?;
    let mut notes = state.notes.clone();
    for r in state.replicants() {
        if r.image != core.image {
            return Err(TrackError::plain(format!(
                "the cores ({}) run {} but the replicants ({}) run {}: the EMQX resource has one image for both",
                core.describe(),
                core.image,
                r.describe(),
                r.image
            ))
            .fix("Run the same image on cores and replicants"));
        }
    }
    let replicants: Vec<&Workload> = state.replicants().collect();
    if replicants.len() > 1 {
        return Err(TrackError::plain(format!(
            "replicants run in {} workloads ({}): the EMQX resource has one replicantTemplate",
            replicants.len(),
            replicants
                .iter()
                .map(|w| w.describe())
                .collect::<Vec<_>>()
                .join(", ")
        ))
        .fix("Keep the replicants in one Deployment"));
    }
    let mut spec = vec![("image".to_string(), Node::Str(core.image.clone()))];
    // The Operator's record name and host names end in `svc.<clusterDomain>`
    // (default `cluster.local`), like the track's own settings.
    if let Some(domain) = core.cluster_domain().filter(|d| *d != "cluster.local") {
        spec.push(("clusterDomain".into(), Node::Str(domain.to_string())));
    }
    spec.push(("coreTemplate".into(), template(core, true, &mut notes)));
    if let Some(r) = replicants.first() {
        spec.push(("replicantTemplate".into(), template(r, false, &mut notes)));
        if replicant_needs_enterprise(r) {
            notes.push(format!(
                "{} runs {}: from EMQX 5.8.0 the open-source edition refuses node role `replicant` (\"only allowed in Enterprise edition\"); use the emqx/emqx-enterprise image",
                r.describe(),
                r.image
            ));
        }
    }
    match &state.client_service {
        Some(svc) => spec.push((
            "listenersServiceTemplate".into(),
            Node::Map(vec![(
                "spec".into(),
                Node::Map(vec![("type".into(), Node::Str(svc.service_type.clone()))]),
            )]),
        )),
        None => notes.push(format!(
            "no client Service (one that is not headless) selects the EMQX pods; the Operator still makes its listeners Service `{NAME}-listeners` (ClusterIP)"
        )),
    }
    let resource = Node::Map(vec![
        ("apiVersion".into(), Node::Str(API_VERSION.into())),
        ("kind".into(), Node::Str("EMQX".into())),
        (
            "metadata".into(),
            Node::Map(vec![
                ("name".into(), Node::Str(NAME.into())),
                ("namespace".into(), Node::Str(state.namespace.clone())),
            ]),
        ),
        ("spec".into(), Node::Map(spec)),
    ]);
    let body = crate::yaml::to_string(&resource).map_err(|e| {
        TrackError::plain(format!("cannot print the resource as YAML: {}", e.message))
    })?;
    Ok(format!("{}{body}", header(&state, &notes)))
}

/// v2beta1 runs EMQX 5.1.1 and later (the Operator's README compatibility table);
/// EMQX 4 had other kinds (`EmqxBroker`, `EmqxEnterprise`) in older APIs.
fn check_version(core: &Workload) -> Result<(), TrackError> {
    match core.version {
        Some((5, minor)) if minor >= 1 => Ok(()),
        Some((major, _)) if major > 5 => Ok(()),
        found => Err(TrackError::plain(format!(
            "{} runs {}: the Operator's {API_VERSION} EMQX resource runs EMQX 5.1.1 or later only ({})",
            core.describe(),
            core.image,
            match found {
                Some((4, _)) => "EMQX 4.4 had the EmqxBroker kind of apps.emqx.io/v1beta4, with Operator 2.1".to_string(),
                Some(_) => "this version is older".to_string(),
                None => "the image's tag carries no EMQX version".to_string(),
            }
        ))
        .fix("Export the EMQX 5 profile: --emqx 5")),
    }
}

fn replicant_needs_enterprise(r: &Workload) -> bool {
    !r.repository.ends_with("emqx-enterprise") && r.version.is_some_and(|v| v >= (5, 8))
}

/// `coreTemplate` or `replicantTemplate`: replicas, the env the Operator does not set
/// itself, and (cores only) the data volume's claim.
fn template(w: &Workload, core: bool, notes: &mut Vec<String>) -> Node {
    let mut spec = vec![("replicas".to_string(), Node::Int(w.replicas))];
    let mut env = Vec::new();
    let mut dropped: Vec<&str> = Vec::new();
    for e in &w.env {
        let discovery =
            e.name.starts_with("EMQX_CLUSTER__K8S__") || e.name.starts_with("EMQX_CLUSTER__DNS__");
        if OPERATOR_ENV.contains(&e.name.as_str()) || discovery {
            // The role is carried by which template the workload lands in.
            if e.name != "POD_NAME" && e.name != "EMQX_NODE__ROLE" {
                dropped.push(&e.name);
            }
            continue;
        }
        env.push(e.raw.clone());
    }
    if !dropped.is_empty() {
        notes.push(format!(
            "{} of {}: the Operator clusters its pods itself, by DNS on its headless Service `{NAME}-headless`, and sets the host name and cookie; these settings would override its own, so they are left out",
            dropped.join(", "),
            w.describe()
        ));
    }
    if !env.is_empty() {
        spec.push(("env".into(), Node::List(env)));
    }
    if core {
        match &w.claim {
            Some(claim) => {
                let mut vct = Vec::new();
                if let Some(class) = &claim.storage_class {
                    vct.push(("storageClassName".to_string(), Node::Str(class.clone())));
                }
                if !claim.access_modes.is_empty() {
                    vct.push((
                        "accessModes".into(),
                        Node::List(claim.access_modes.iter().map(|m| Node::Str(m.clone())).collect()),
                    ));
                }
                vct.push((
                    "resources".into(),
                    Node::Map(vec![(
                        "requests".into(),
                        Node::Map(vec![("storage".into(), Node::Str(claim.size.clone()))]),
                    )]),
                ));
                spec.push(("volumeClaimTemplates".into(), Node::Map(vct)));
            }
            None => notes.push(format!(
                "{} keeps no data volume; without volumeClaimTemplates the Operator gives the cores an emptyDir, as the track does",
                w.describe()
            )),
        }
    } else if w.claim.is_some() {
        notes.push(format!(
            "{} mounts a data volume; replicants keep no data and replicantTemplate has no volumeClaimTemplates",
            w.describe()
        ));
    }
    if w.kind != if core { "StatefulSet" } else { "Deployment" } {
        notes.push(format!(
            "{} runs EMQX; the Operator runs {} as a {}",
            w.describe(),
            if core { "cores" } else { "replicants" },
            if core { "StatefulSet" } else { "ReplicaSet" }
        ));
    }
    Node::Map(vec![("spec".into(), Node::Map(spec))])
}

fn header(state: &EndState, notes: &[String]) -> String {
    let mut out = format!(
        "# kubetour export --as operator: track `{}`, {}.\n\
         # An EMQX resource of {API_VERSION}, for the EMQX Operator (github.com/emqx/emqx-operator; checked against the CRD of {OPERATOR_VERSION}).\n\
         # Use (with the Operator installed, see its README):\n\
         #   kubectl create namespace {} ; kubectl apply -f emqx.yaml\n\
         #   kubectl get emqx {NAME} -n {}   # Ready once the cores (and replicants) have joined\n",
        state.track, state.what, state.namespace, state.namespace
    );
    if !notes.is_empty() {
        out.push_str("# Not carried over, or changed (what and why):\n");
        for n in notes {
            out.push_str(&format!("#   - {n}\n"));
        }
    }
    out
}
