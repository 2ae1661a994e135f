//! What `kubetour export --as helm-values|operator` reads from a track's state: the EMQX
//! workloads (replicas, image, role, the settings their pods see, their volume claim)
//! and the Service clients reach them by, parsed from the manifests themselves.

use super::error::TrackError;
use super::export::stage_index;
use super::lint::emqx::{env_from_configmaps, image_version, is_emqx_image, pod_spec};
use super::lint::rules_dns::{is_headless, selects};
use super::lint::{LintSet, Obj};
use super::model::Track;
use super::ordered_yaml::Node;
use super::state;

/// The EMQX side of a track's state after one stage.
#[derive(Debug, Clone)]
pub struct EndState {
    /// "the state after stage `persistence`", for headers and errors.
    pub what: String,
    pub track: String,
    pub namespace: String,
    /// Cores first (in manifest order), then replicants.
    pub workloads: Vec<Workload>,
    /// The Service clients use: one that is not headless and selects EMQX pods.
    pub client_service: Option<ClientService>,
    /// Things seen while reading that an export cannot carry (each says what and why).
    pub notes: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Core,
    Replicant,
}

/// One workload running EMQX.
#[derive(Debug, Clone)]
pub struct Workload {
    pub kind: String,
    pub name: String,
    pub image: String,
    /// `emqx/emqx` of `emqx/emqx:5.8.9`.
    pub repository: String,
    pub tag: Option<String>,
    pub version: Option<(u32, u32)>,
    pub role: Role,
    pub replicas: i64,
    /// Every env entry the EMQX container gets: its ConfigMaps' data (as plain values)
    /// then its own `env`, a later name replacing an earlier one, as in Kubernetes.
    pub env: Vec<EnvEntry>,
    /// The volume claim mounted at EMQX's data directory, when there is one.
    pub claim: Option<Claim>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct EnvEntry {
    pub name: String,
    /// The literal value; `None` for `valueFrom`.
    pub value: Option<String>,
    /// The entry as a Kubernetes `EnvVar` (name + value or valueFrom).
    pub raw: Node,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Claim {
    pub size: String,
    pub storage_class: Option<String>,
    pub access_modes: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct ClientService {
    pub name: String,
    pub service_type: String,
}

impl Workload {
    pub fn value(&self, name: &str) -> Option<&str> {
        self.env
            .iter()
            .find(|e| e.name == name)
            .and_then(|e| e.value.as_deref())
    }

    pub fn major(&self) -> Option<u32> {
        self.version.map(|(m, _)| m)
    }

    pub fn describe(&self) -> String {
        format!("{} {}", self.kind, self.name)
    }

    /// The cluster domain the discovery settings name: the part after `svc.` in the k8s
    /// suffix (`svc.cluster.local`) or in the DNS record name (`emqx-headless.ns.svc.…`).
    pub fn cluster_domain(&self) -> Option<&str> {
        let after_svc = |v: &'_ str| -> Option<usize> {
            if v.starts_with("svc.") {
                Some(4)
            } else {
                v.find(".svc.").map(|i| i + 5)
            }
        };
        ["EMQX_CLUSTER__K8S__SUFFIX", "EMQX_CLUSTER__DNS__NAME"]
            .iter()
            .filter_map(|k| self.value(k))
            .find_map(|v| after_svc(v).map(|i| &v[i..]))
            .filter(|d| !d.is_empty())
    }
}

impl EndState {
    pub fn cores(&self) -> impl Iterator<Item = &Workload> {
        self.workloads.iter().filter(|w| w.role == Role::Core)
    }

    pub fn replicants(&self) -> impl Iterator<Item = &Workload> {
        self.workloads.iter().filter(|w| w.role == Role::Replicant)
    }

    /// The one core workload, or an error saying why there is not exactly one.
    pub fn core(&self, target: &str) -> Result<&Workload, TrackError> {
        let cores: Vec<&Workload> = self.cores().collect();
        match cores.as_slice() {
            [one] => Ok(one),
            [] => Err(TrackError::plain(format!(
                "{} of track `{}` runs no EMQX core nodes: {target} needs them",
                self.what, self.track
            ))
            .fix("Export a later stage with --through STAGE")),
            many => Err(TrackError::plain(format!(
                "{} of track `{}` runs EMQX core nodes in {} workloads ({}): {target} has one set of cores",
                self.what,
                self.track,
                many.len(),
                many.iter().map(|w| w.describe()).collect::<Vec<_>>().join(", ")
            ))
            .fix("Keep the cores in one StatefulSet")),
        }
    }
}

/// Reads the state after `through` (the last stage when `None`).
pub fn read(track: &Track, through: Option<&str>) -> Result<EndState, TrackError> {
    let index = match through {
        Some(id) => stage_index(track, id)?,
        None => track.stages.len().saturating_sub(1),
    };
    let what = match track.stages.get(index) {
        Some(stage) => format!("the state after stage `{}`", stage.id),
        None => "the empty state".to_string(),
    };
    let objects: Vec<Obj> = state::through(track, index)
        .iter()
        .map(Obj::from_manifest)
        .collect();
    let set = LintSet {
        objects,
        commands: Vec::new(),
    };
    let mut notes = Vec::new();
    let mut workloads = Vec::new();
    for obj in &set.objects {
        let Some(spec) = pod_spec(obj) else { continue };
        let emqx: Vec<&Node> = spec
            .get("containers")
            .map(Node::as_list)
            .unwrap_or_default()
            .iter()
            .filter(|c| {
                c.get("image")
                    .and_then(Node::as_str)
                    .is_some_and(is_emqx_image)
            })
            .collect();
        let Some(container) = emqx.first() else {
            continue;
        };
        if emqx.len() > 1 {
            notes.push(format!(
                "{} {} has {} EMQX containers; only the first is exported",
                obj.kind,
                obj.name,
                emqx.len()
            ));
        }
        workloads.push(workload(
            &set,
            obj,
            container,
            &track.profile.data_dir,
            &mut notes,
        ));
    }
    if workloads.is_empty() {
        return Err(TrackError::plain(format!(
            "{what} of track `{}` runs no EMQX workload: there is nothing to export",
            track.name
        ))
        .fix("Export a later stage with --through STAGE"));
    }
    workloads.sort_by_key(|w| w.role == Role::Replicant);
    let client_service = client_service(&set, &workloads, &mut notes);
    Ok(EndState {
        what,
        track: track.name.clone(),
        namespace: track.namespace.clone(),
        workloads,
        client_service,
        notes,
    })
}

fn workload(
    set: &LintSet,
    obj: &Obj,
    container: &Node,
    data_dir: &str,
    notes: &mut Vec<String>,
) -> Workload {
    let image = container
        .get("image")
        .and_then(Node::as_str)
        .unwrap_or_default()
        .to_string();
    let (repository, tag) = split_image(&image);
    let version = image_version(&image);
    let env = env_of(set, container);
    let role = match env.iter().find(|e| e.name == "EMQX_NODE__ROLE") {
        Some(e)
            if version.map(|(m, _)| m) != Some(4) && e.value.as_deref() == Some("replicant") =>
        {
            Role::Replicant
        }
        _ => Role::Core,
    };
    let replicas = match obj.kind.as_str() {
        "Pod" => 1,
        _ => obj
            .body
            .path(&["spec", "replicas"])
            .and_then(Node::as_i64)
            .unwrap_or(1),
    };
    Workload {
        kind: obj.kind.clone(),
        name: obj.name.clone(),
        image: image.clone(),
        repository,
        tag,
        version,
        role,
        replicas,
        env,
        claim: claim(obj, container, data_dir, notes),
    }
}

/// `registry:5000/emqx/emqx:5.8.9` → (`registry:5000/emqx/emqx`, `5.8.9`).
pub fn split_image(image: &str) -> (String, Option<String>) {
    let without_digest = image.split('@').next().unwrap_or(image);
    let slash = without_digest.rfind('/').map_or(0, |i| i + 1);
    match without_digest[slash..].split_once(':') {
        Some((_, tag)) => (
            without_digest[..without_digest.len() - tag.len() - 1].to_string(),
            Some(tag.to_string()),
        ),
        None => (without_digest.to_string(), None),
    }
}

fn env_of(set: &LintSet, container: &Node) -> Vec<EnvEntry> {
    let mut out: Vec<EnvEntry> = Vec::new();
    let mut put = |entry: EnvEntry| match out.iter_mut().find(|e| e.name == entry.name) {
        Some(existing) => *existing = entry,
        None => out.push(entry),
    };
    for cm in env_from_configmaps(set, container) {
        for (key, value) in cm.body.get("data").map(Node::as_map).unwrap_or_default() {
            let value = value.scalar_text().unwrap_or_default();
            put(EnvEntry {
                name: key.clone(),
                raw: env_var(key, &value),
                value: Some(value),
            });
        }
    }
    for e in container.get("env").map(Node::as_list).unwrap_or_default() {
        let Some(name) = e.get("name").and_then(Node::as_str) else {
            continue;
        };
        let value = if e.get("valueFrom").is_some() {
            None
        } else {
            Some(
                e.get("value")
                    .and_then(Node::scalar_text)
                    .unwrap_or_default(),
            )
        };
        put(EnvEntry {
            name: name.to_string(),
            value,
            raw: e.clone(),
        });
    }
    out
}

/// A Kubernetes `EnvVar` with a literal value.
pub fn env_var(name: &str, value: &str) -> Node {
    Node::Map(vec![
        ("name".into(), Node::Str(name.into())),
        ("value".into(), Node::Str(value.into())),
    ])
}

/// The claim template whose volume the EMQX container mounts at the data directory.
fn claim(obj: &Obj, container: &Node, data_dir: &str, notes: &mut Vec<String>) -> Option<Claim> {
    let templates = obj
        .body
        .path(&["spec", "volumeClaimTemplates"])
        .map(Node::as_list)
        .unwrap_or_default();
    if templates.is_empty() {
        return None;
    }
    let mounted = container
        .get("volumeMounts")
        .map(Node::as_list)
        .unwrap_or_default()
        .iter()
        .find(|m| m.get("mountPath").and_then(Node::as_str) == Some(data_dir))
        .and_then(|m| m.get("name").and_then(Node::as_str));
    let template = templates
        .iter()
        .find(|t| t.path(&["metadata", "name"]).and_then(Node::as_str) == mounted);
    let Some(template) = template else {
        notes.push(format!(
            "{} {} has volume claim templates, but none is mounted at EMQX's data directory {data_dir}: not exported as persistence",
            obj.kind, obj.name
        ));
        return None;
    };
    let spec = template.get("spec");
    let text = |path: &[&str]| {
        spec.and_then(|s| s.path(path))
            .and_then(Node::scalar_text)
            .filter(|s| !s.is_empty())
    };
    let Some(size) = text(&["resources", "requests", "storage"]) else {
        notes.push(format!(
            "{} {}: the data volume's claim template requests no storage size: not exported as persistence",
            obj.kind, obj.name
        ));
        return None;
    };
    Some(Claim {
        size,
        storage_class: text(&["storageClassName"]),
        access_modes: spec
            .and_then(|s| s.get("accessModes"))
            .map(Node::as_list)
            .unwrap_or_default()
            .iter()
            .filter_map(|m| m.as_str().map(str::to_string))
            .collect(),
    })
}

/// The Service clients reach EMQX by: not headless, selecting the first EMQX workload
/// that one selects (replicants are usually the ones serving clients, but any will do).
fn client_service(
    set: &LintSet,
    workloads: &[Workload],
    notes: &mut Vec<String>,
) -> Option<ClientService> {
    let selected: Vec<&Obj> = set
        .of_kind("Service")
        .filter(|s| !is_headless(s))
        .filter(|s| {
            workloads.iter().any(|w| {
                set.objects
                    .iter()
                    .find(|o| o.kind == w.kind && o.name == w.name)
                    .is_some_and(|o| selects(s, o))
            })
        })
        .collect();
    let first = selected.first()?;
    if selected.len() > 1 {
        notes.push(format!(
            "{} Services reach the EMQX pods ({}); the type of the first, {}, is exported",
            selected.len(),
            selected
                .iter()
                .map(|s| s.name.as_str())
                .collect::<Vec<_>>()
                .join(", "),
            first.name
        ));
    }
    Some(ClientService {
        name: first.name.clone(),
        service_type: first
            .body
            .path(&["spec", "type"])
            .and_then(Node::as_str)
            .unwrap_or("ClusterIP")
            .to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::split_image;

    #[test]
    fn images_split_into_repository_and_tag_even_with_a_registry_port() {
        assert_eq!(
            split_image("emqx/emqx:5.8.9"),
            ("emqx/emqx".into(), Some("5.8.9".into()))
        );
        assert_eq!(
            split_image("registry:5000/emqx/emqx"),
            ("registry:5000/emqx/emqx".into(), None)
        );
        assert_eq!(
            split_image("registry:5000/emqx/emqx-enterprise:5.8.9@sha256:ab"),
            (
                "registry:5000/emqx/emqx-enterprise".into(),
                Some("5.8.9".into())
            )
        );
    }
}
