//! What lint knows about EMQX in a set of objects: which containers run EMQX, which
//! version their image is, and which EMQX_* settings reach them (their own `env`, and
//! the ConfigMaps they take with `envFrom`).

use super::input::{LintSet, Obj};
use crate::emqx::discovery_keys::strategy_key;
use crate::track::ordered_yaml::Node;

/// One EMQX_* setting and the object it is written in.
#[derive(Debug, Clone)]
pub struct Setting<'a> {
    pub name: String,
    pub value: Option<String>,
    pub obj: &'a Obj,
}

impl Setting<'_> {
    pub fn line(&self) -> usize {
        self.obj.line_of(&self.name)
    }
}

/// A container running an EMQX image, with the settings it will see.
#[derive(Debug, Clone)]
pub struct EmqxContainer<'a> {
    pub workload: &'a Obj,
    pub image: String,
    /// (major, minor) from the image tag, when it has a numeric one.
    pub version: Option<(u32, u32)>,
    /// envFrom ConfigMaps first, then env: later entries win, as in Kubernetes.
    pub settings: Vec<Setting<'a>>,
    /// The ConfigMaps it takes with envFrom that are in the set.
    pub configmaps: Vec<&'a Obj>,
}

impl<'a> EmqxContainer<'a> {
    pub fn get(&self, name: &str) -> Option<&Setting<'a>> {
        self.settings.iter().rev().find(|s| s.name == name)
    }

    pub fn value(&self, name: &str) -> Option<&str> {
        self.get(name).and_then(|s| s.value.as_deref())
    }

    pub fn major(&self) -> Option<u32> {
        self.version.map(|(m, _)| m)
    }

    /// The discovery strategy, whichever version's key carries it.
    pub fn strategy(&self) -> Option<&str> {
        self.value(strategy_key(self.major()))
            .or_else(|| self.value("EMQX_CLUSTER__DISCOVERY_STRATEGY"))
            .or_else(|| self.value("EMQX_CLUSTER__DISCOVERY"))
    }

    /// The node role: `EMQX_NODE__ROLE` when set, else `core` (EMQX 5's default; 4.x
    /// has no roles, every node is a full one).
    pub fn role(&self) -> &str {
        self.value("EMQX_NODE__ROLE").unwrap_or("core")
    }

    pub fn is_replicant(&self) -> bool {
        self.major() != Some(4) && self.role() == "replicant"
    }

    pub fn replicas(&self) -> i64 {
        match self.workload.kind.as_str() {
            "Deployment" | "StatefulSet" | "ReplicaSet" => self
                .workload
                .body
                .path(&["spec", "replicas"])
                .and_then(Node::as_i64)
                .unwrap_or(1),
            _ => 1,
        }
    }
}

/// The pod spec of a workload object.
pub fn pod_spec(obj: &Obj) -> Option<&Node> {
    match obj.kind.as_str() {
        "Pod" => obj.body.get("spec"),
        "Deployment" | "StatefulSet" | "ReplicaSet" | "DaemonSet" | "Job" => {
            obj.body.path(&["spec", "template", "spec"])
        }
        _ => None,
    }
}

/// Whether an image reference is an EMQX broker image.
pub fn is_emqx_image(image: &str) -> bool {
    let repo = image.split('@').next().unwrap_or(image);
    let last = repo.rsplit('/').next().unwrap_or(repo);
    last.split(':').next().unwrap_or(last).starts_with("emqx")
}

/// (major, minor) of an image tag such as `emqx/emqx:5.8.9` or `emqx/emqx:v4.1-rc.1`.
pub fn image_version(image: &str) -> Option<(u32, u32)> {
    let last = image.rsplit('/').next()?;
    let tag = last.split_once(':')?.1.trim_start_matches('v');
    let mut parts = tag.split(['.', '-']);
    let major = parts.next()?.parse().ok()?;
    let minor = parts.next().and_then(|m| m.parse().ok()).unwrap_or(0);
    Some((major, minor))
}

fn env_settings<'a>(container: &Node, obj: &'a Obj) -> Vec<Setting<'a>> {
    container
        .get("env")
        .map(Node::as_list)
        .unwrap_or_default()
        .iter()
        .filter_map(|e| {
            let name = e.get("name")?.as_str()?.to_string();
            let value = e.get("value").and_then(Node::scalar_text);
            Some(Setting { name, value, obj })
        })
        .collect()
}

/// A ConfigMap's data as settings (every key, EMQX_ or not).
pub fn configmap_settings(cm: &Obj) -> Vec<Setting<'_>> {
    cm.body
        .get("data")
        .map(Node::as_map)
        .unwrap_or_default()
        .iter()
        .map(|(k, v)| Setting {
            name: k.clone(),
            value: v.scalar_text(),
            obj: cm,
        })
        .collect()
}

/// The ConfigMaps in the set a container takes with `envFrom`, in its order.
pub fn env_from_configmaps<'a>(set: &'a LintSet, container: &Node) -> Vec<&'a Obj> {
    container
        .get("envFrom")
        .map(Node::as_list)
        .unwrap_or_default()
        .iter()
        .filter_map(|source| {
            let name = source
                .path(&["configMapRef", "name"])
                .and_then(Node::as_str)?;
            set.find("ConfigMap", name)
        })
        .collect()
}

/// Every container running EMQX in the set.
pub fn emqx_containers(set: &LintSet) -> Vec<EmqxContainer<'_>> {
    let mut out = Vec::new();
    for obj in &set.objects {
        let Some(spec) = pod_spec(obj) else { continue };
        for container in spec
            .get("containers")
            .map(Node::as_list)
            .unwrap_or_default()
        {
            let image = container.get("image").and_then(Node::as_str).unwrap_or("");
            if !is_emqx_image(image) {
                continue;
            }
            let configmaps = env_from_configmaps(set, container);
            let mut settings: Vec<Setting<'_>> = configmaps
                .iter()
                .flat_map(|cm| configmap_settings(cm))
                .collect();
            settings.extend(env_settings(container, obj));
            out.push(EmqxContainer {
                workload: obj,
                image: image.to_string(),
                version: image_version(image),
                settings,
                configmaps,
            });
        }
    }
    out
}

/// Every EMQX_* setting written anywhere in the set: container env of any workload and
/// the data of every ConfigMap.
pub fn all_settings(set: &LintSet) -> Vec<Setting<'_>> {
    let mut out = Vec::new();
    for obj in &set.objects {
        if obj.kind == "ConfigMap" {
            out.extend(configmap_settings(obj));
        } else if let Some(spec) = pod_spec(obj) {
            for c in spec
                .get("containers")
                .map(Node::as_list)
                .unwrap_or_default()
            {
                out.extend(env_settings(c, obj));
            }
        }
    }
    out.retain(|s| s.name.starts_with("EMQX_"));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn image_versions_are_read_from_tags() {
        assert_eq!(image_version("emqx/emqx:5.8.9"), Some((5, 8)));
        assert_eq!(image_version("docker.io/emqx/emqx:v4.1-rc.1"), Some((4, 1)));
        assert_eq!(image_version("registry:5000/emqx/emqx"), None);
        assert_eq!(image_version("emqx/emqx:latest"), None);
        assert!(is_emqx_image("emqx/emqx-enterprise:5.9.0"));
        assert!(!is_emqx_image("busybox:1.36"));
    }
}
