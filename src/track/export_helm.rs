//! `kubetour export --as helm-values`: values for the official EMQX Helm chart
//! (`emqx/emqx`, from github.com/emqx/emqx `deploy/charts/emqx`) that reproduce a
//! track's state: replicas, image, discovery, persistence and the client Service's type.
//!
//! The chart at the tags we target (v5.8.9 for EMQX 5, v4.4.19 for EMQX 4; EMQX.md,
//! "Exporting to the official chart and the Operator") runs one StatefulSet with a
//! headless Service named after the release, and writes the discovery settings that
//! name them itself. So the values carry the strategy, and every other EMQX setting goes
//! to `emqxConfig`; what the chart cannot express is listed in the header, with the
//! reason.

use super::error::TrackError;
use super::export_source::{self, EndState, Workload};
use super::model::Track;
use super::ordered_yaml::Node;

/// The release name the header's `helm install` uses. The chart's full name is the
/// release name when it contains `emqx`, so its objects are `emqx` and `emqx-headless`.
pub const RELEASE: &str = "emqx";

/// One chart version: where it comes from and how its values are named.
pub struct Chart {
    pub version: &'static str,
    /// The git tag of github.com/emqx/emqx it is taken from.
    pub tag: &'static str,
    pub strategy_key: &'static str,
    /// `persistence.storageClassName` (5.x) or `persistence.storageClass` (4.x).
    pub storage_class_key: &'static str,
    major: u32,
}

pub const CHART_5: Chart = Chart {
    version: "5.8.9",
    tag: "v5.8.9",
    strategy_key: "EMQX_CLUSTER__DISCOVERY_STRATEGY",
    storage_class_key: "storageClassName",
    major: 5,
};

pub const CHART_4: Chart = Chart {
    version: "4.4.19",
    tag: "v4.4.19",
    strategy_key: "EMQX_CLUSTER__DISCOVERY",
    storage_class_key: "storageClass",
    major: 4,
};

impl Chart {
    /// The settings the chart writes itself (its env ConfigMap and StatefulSet), with
    /// the values it gives them for release `emqx` in `ns`, for one strategy. The 5.x
    /// chart takes the cluster domain from `clusterDomain` (except in EMQX_HOST, where
    /// it writes `cluster.local`); the 4.x chart always writes `cluster.local`.
    pub fn owned_settings(
        &self,
        strategy: &str,
        ns: &str,
        domain: &str,
    ) -> Vec<(&'static str, String)> {
        let domain = if self.major == 5 {
            domain
        } else {
            "cluster.local"
        };
        let headless = format!("{RELEASE}-headless");
        let record = format!("{headless}.{ns}.svc.{domain}");
        let mut out = vec![("EMQX_NAME", RELEASE.to_string())];
        if self.major == 5 {
            out.push((
                "EMQX_HOST",
                format!("$(POD_NAME).{headless}.{ns}.svc.cluster.local"),
            ));
        }
        match (self.major, strategy) {
            (_, "k8s") => {
                if self.major == 4 {
                    out.push(("EMQX_CLUSTER__K8S__APP_NAME", RELEASE.into()));
                }
                out.extend([
                    (
                        "EMQX_CLUSTER__K8S__APISERVER",
                        "https://kubernetes.default.svc:443".to_string(),
                    ),
                    ("EMQX_CLUSTER__K8S__SERVICE_NAME", headless),
                    ("EMQX_CLUSTER__K8S__NAMESPACE", ns.to_string()),
                    ("EMQX_CLUSTER__K8S__ADDRESS_TYPE", "hostname".into()),
                    ("EMQX_CLUSTER__K8S__SUFFIX", format!("svc.{domain}")),
                ]);
            }
            (5, "dns") => out.extend([
                ("EMQX_CLUSTER__DNS__NAME", record),
                ("EMQX_CLUSTER__DNS__RECORD_TYPE", "srv".to_string()),
            ]),
            (_, "dns") => out.extend([
                ("EMQX_CLUSTER__DNS__APP", RELEASE.to_string()),
                ("EMQX_CLUSTER__DNS__NAME", record),
                ("EMQX_CLUSTER__DNS__TYPE", "srv".to_string()),
            ]),
            _ => {}
        }
        out
    }
}

/// Renders the values file for the state after `through` (the last stage when `None`).
pub fn helm_values(track: &Track, through: Option<&str>) -> Result<String, TrackError> {
    let state = export_source::read(track, through)?;
    let core = state.core("the Helm chart")?;
    let chart = match core.major() {
        Some(5) => &CHART_5,
        Some(4) => &CHART_4,
        other => {
            return Err(TrackError::plain(format!(
                "{} runs {}: {}, so kubetour cannot tell which chart (5.8.9 or 4.4.19) fits",
                core.describe(),
                core.image,
                match other {
                    Some(m) => format!("EMQX {m} has no official chart here"),
                    None => "its tag carries no EMQX version".to_string(),
                }
            ))
            .fix("Use an image tagged with its EMQX version, e.g. emqx/emqx:5.8.9"));
        }
    };
    let mut notes = state.notes.clone();
    let values = values(chart, &state, core, &mut notes);
    let body = crate::yaml::to_string(&values).map_err(|e| {
        TrackError::plain(format!("cannot print the values as YAML: {}", e.message))
    })?;
    Ok(format!("{}{body}", header(chart, &state, &notes)))
}

fn values(chart: &Chart, state: &EndState, core: &Workload, notes: &mut Vec<String>) -> Node {
    let mut out: Vec<(String, Node)> = vec![("replicaCount".into(), Node::Int(core.replicas))];
    let mut image = vec![("repository".into(), Node::Str(core.repository.clone()))];
    match &core.tag {
        Some(tag) => image.push(("tag".into(), Node::Str(tag.clone()))),
        None => notes.push(format!(
            "{} runs {} with no tag; the chart then uses its appVersion {}",
            core.describe(),
            core.image,
            chart.version
        )),
    }
    out.push(("image".into(), Node::Map(image)));
    if let Some(domain) = core.cluster_domain().filter(|d| *d != "cluster.local") {
        if chart.major == 5 {
            out.push(("clusterDomain".into(), Node::Str(domain.to_string())));
        } else {
            notes.push(format!(
                "the discovery settings name the cluster domain `{domain}`; chart {} always writes `cluster.local`",
                chart.version
            ));
        }
    }
    out.push((
        "emqxConfig".into(),
        Node::Map(emqx_config(chart, state, core, notes)),
    ));
    out.push(("persistence".into(), persistence(chart, core, notes)));
    match &state.client_service {
        Some(svc) => out.push((
            "service".into(),
            Node::Map(vec![("type".into(), Node::Str(svc.service_type.clone()))]),
        )),
        None => notes.push(format!(
            "no client Service (one that is not headless) selects the EMQX pods; the chart always makes Service `{RELEASE}` (its default type, ClusterIP)"
        )),
    }
    if core.kind != "StatefulSet" {
        notes.push(format!(
            "{} runs EMQX; the chart always runs a StatefulSet `{RELEASE}` (pods {RELEASE}-0, {RELEASE}-1, …) with the headless Service `{RELEASE}-headless`",
            core.describe()
        ));
    }
    for r in state.replicants() {
        notes.push(format!(
            "{} runs {} EMQX replicant(s) (EMQX_NODE__ROLE=replicant): chart {} has no replicants (one StatefulSet of core nodes; its templates never set a node role), so they are left out. `kubetour export --as operator` carries them as replicantTemplate",
            r.describe(),
            r.replicas,
            chart.version
        ));
    }
    Node::Map(out)
}

/// The strategy, then every other EMQX setting the chart does not write itself.
fn emqx_config(
    chart: &Chart,
    state: &EndState,
    core: &Workload,
    notes: &mut Vec<String>,
) -> Vec<(String, Node)> {
    let strategy = core
        .value(chart.strategy_key)
        .filter(|s| !s.is_empty())
        .map(str::to_string);
    let strategy = strategy.unwrap_or_else(|| {
        notes.push(format!(
            "{} sets no discovery strategy (EMQX's default is manual: nodes join only when told); the values say so, as the chart's own default is {}",
            core.describe(),
            if chart.major == 5 { "dns" } else { "k8s" }
        ));
        "manual".to_string()
    });
    let domain = core.cluster_domain().unwrap_or("cluster.local");
    let owned = chart.owned_settings(&strategy, &state.namespace, domain);
    let mut out = vec![(chart.strategy_key.to_string(), Node::Str(strategy.clone()))];
    for e in &core.env {
        if e.name == chart.strategy_key {
            continue;
        }
        if let Some((_, theirs)) = owned.iter().find(|(k, _)| *k == e.name) {
            // Writing it again would give the chart's ConfigMap the key twice.
            if e.value.as_deref() != Some(theirs.as_str()) {
                notes.push(format!(
                    "{}: the chart writes it itself as `{theirs}` (the track has {})",
                    e.name,
                    e.value
                        .as_deref()
                        .map_or("a valueFrom".to_string(), |v| format!("`{v}`"))
                ));
            }
            continue;
        }
        if !e.name.starts_with("EMQX_") {
            if !(chart.major == 5 && e.name == "POD_NAME") {
                notes.push(format!(
                    "env {} is not an EMQX setting; emqxConfig carries only EMQX_* settings",
                    e.name
                ));
            }
            continue;
        }
        match e.value.as_deref() {
            None => notes.push(format!(
                "{} comes from a valueFrom; emqxConfig holds plain values only (the chart's envFromSecret can take it from a Secret)",
                e.name
            )),
            Some("") => notes.push(format!(
                "{} is empty; the chart leaves out empty emqxConfig values",
                e.name
            )),
            Some(v) => out.push((e.name.clone(), Node::Str(v.to_string()))),
        }
    }
    out
}

fn persistence(chart: &Chart, core: &Workload, notes: &mut Vec<String>) -> Node {
    let Some(claim) = &core.claim else {
        return Node::Map(vec![("enabled".into(), Node::Bool(false))]);
    };
    let mut out = vec![
        ("enabled".into(), Node::Bool(true)),
        ("size".into(), Node::Str(claim.size.clone())),
    ];
    if let Some(class) = &claim.storage_class {
        out.push((chart.storage_class_key.into(), Node::Str(class.clone())));
    }
    if let Some(mode) = claim.access_modes.first() {
        out.push(("accessMode".into(), Node::Str(mode.clone())));
        if claim.access_modes.len() > 1 {
            notes.push(format!(
                "the data volume asks for access modes {}; the chart takes one, the first",
                claim.access_modes.join(", ")
            ));
        }
    }
    Node::Map(out)
}

fn header(chart: &Chart, state: &EndState, notes: &[String]) -> String {
    let mut out = format!(
        "# kubetour export --as helm-values: track `{}`, {}.\n\
         # Values for the official EMQX Helm chart emqx/emqx {} (github.com/emqx/emqx, tag {}, deploy/charts/emqx).\n\
         # Use:\n\
         #   helm repo add emqx https://repos.emqx.io/charts\n\
         #   helm install {RELEASE} emqx/emqx --version {} --namespace {} --create-namespace -f values.yaml\n\
         # With release `{RELEASE}` the chart names its objects `{RELEASE}` and `{RELEASE}-headless`, and writes the discovery settings that name them.\n",
        state.track, state.what, chart.version, chart.tag, chart.version, state.namespace
    );
    if !notes.is_empty() {
        out.push_str("# Not carried over, or changed (what and why):\n");
        for n in notes {
            out.push_str(&format!("#   - {n}\n"));
        }
    }
    out
}
