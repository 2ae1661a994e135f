//! A container's effective environment as the kubelet builds it at container start:
//! `envFrom` ConfigMaps first (read now, never again), then `env` entries in order with
//! `$(VAR)` expansion and `valueFrom` (fieldRef, configMapKeyRef); plus the pod facts
//! (hostname, IP, the FQDN /etc/hosts carries when hostname and subdomain are set).

use serde_json::Value;

use crate::emqx::nodename::PodFacts;
use crate::emqx::settings::Env;
use crate::resources::Res;
use crate::store::Store;

/// The env the container's process sees.
pub fn effective_env(store: &Store, pod: &Value, container: &Value) -> Env {
    let ns = pod["metadata"]["namespace"].as_str().unwrap_or("");
    let mut env = Env::new();
    for source in container["envFrom"].as_array().into_iter().flatten() {
        let prefix = source["prefix"].as_str().unwrap_or("");
        let data = if let Some(name) = source["configMapRef"]["name"].as_str() {
            store
                .get(Res::ConfigMap, ns, name)
                .map(|cm| cm["data"].clone())
        } else if let Some(name) = source["secretRef"]["name"].as_str() {
            store
                .get(Res::Secret, ns, name)
                .map(|s| decoded(&s["data"]))
        } else {
            None
        };
        for (k, v) in data
            .as_ref()
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
        {
            if let Some(v) = v.as_str() {
                env.insert(format!("{prefix}{k}"), v.to_string());
            }
        }
    }
    for entry in container["env"].as_array().into_iter().flatten() {
        let Some(name) = entry["name"].as_str() else {
            continue;
        };
        let value = if let Some(v) = entry["value"].as_str() {
            Some(expand(v, &env))
        } else if let Some(from) = entry.get("valueFrom") {
            value_from(store, pod, ns, from)
        } else {
            Some(String::new())
        };
        if let Some(value) = value {
            env.insert(name.to_string(), value);
        }
    }
    env
}

fn decoded(data: &Value) -> Value {
    use base64::Engine;
    let mut out = serde_json::Map::new();
    for (k, v) in data.as_object().into_iter().flatten() {
        let bytes = v
            .as_str()
            .and_then(|s| base64::engine::general_purpose::STANDARD.decode(s).ok());
        if let Some(text) = bytes.and_then(|b| String::from_utf8(b).ok()) {
            out.insert(k.clone(), Value::String(text));
        }
    }
    Value::Object(out)
}

fn value_from(store: &Store, pod: &Value, ns: &str, from: &Value) -> Option<String> {
    if let Some(path) = from["fieldRef"]["fieldPath"].as_str() {
        return Some(field(pod, path));
    }
    let cm = &from["configMapKeyRef"];
    if let (Some(name), Some(key)) = (cm["name"].as_str(), cm["key"].as_str()) {
        return store
            .get(Res::ConfigMap, ns, name)
            .and_then(|c| c["data"][key].as_str().map(str::to_string));
    }
    let secret = &from["secretKeyRef"];
    if let (Some(name), Some(key)) = (secret["name"].as_str(), secret["key"].as_str()) {
        return store
            .get(Res::Secret, ns, name)
            .and_then(|s| decoded(&s["data"])[key].as_str().map(str::to_string));
    }
    None
}

/// The downward API fields a container may read.
fn field(pod: &Value, path: &str) -> String {
    let pointer = match path {
        "metadata.name" => "/metadata/name",
        "metadata.namespace" => "/metadata/namespace",
        "metadata.uid" => "/metadata/uid",
        "spec.nodeName" => "/spec/nodeName",
        "spec.serviceAccountName" => "/spec/serviceAccountName",
        "status.podIP" => "/status/podIP",
        "status.hostIP" => "/status/hostIP",
        other => {
            if let Some(key) = other
                .strip_prefix("metadata.labels['")
                .and_then(|k| k.strip_suffix("']"))
            {
                return pod["metadata"]["labels"][key]
                    .as_str()
                    .unwrap_or("")
                    .to_string();
            }
            return String::new();
        }
    };
    pod.pointer(pointer)
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string()
}

/// `$(VAR)` references to earlier variables are replaced; `$$(VAR)` escapes; unknown
/// references stay as written (the kubelet's expansion rules).
pub fn expand(value: &str, env: &Env) -> String {
    let mut out = String::new();
    let mut rest = value;
    while let Some(i) = rest.find('$') {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        if let Some(tail) = after.strip_prefix('$') {
            out.push('$');
            rest = tail;
        } else if let Some(inner) = after.strip_prefix('(')
            && let Some(end) = inner.find(')')
        {
            let name = &inner[..end];
            match env.get(name) {
                Some(v) => out.push_str(v),
                None => {
                    out.push_str("$(");
                    out.push_str(name);
                    out.push(')');
                }
            }
            rest = &inner[end + 1..];
        } else {
            out.push('$');
            rest = after;
        }
    }
    out.push_str(rest);
    out
}

/// The pod's hostname, IP and (with hostname + subdomain) FQDN, as the kubelet sets them.
pub fn pod_facts(pod: &Value) -> PodFacts {
    let name = pod["metadata"]["name"].as_str().unwrap_or("");
    let ns = pod["metadata"]["namespace"].as_str().unwrap_or("");
    let hostname = pod["spec"]["hostname"]
        .as_str()
        .filter(|h| !h.is_empty())
        .unwrap_or(name);
    let hostname: String = hostname.chars().take(63).collect();
    let ip = pod["status"]["podIP"].as_str().unwrap_or("");
    let fqdn = match (
        pod["spec"]["hostname"].as_str().filter(|h| !h.is_empty()),
        pod["spec"]["subdomain"].as_str().filter(|s| !s.is_empty()),
    ) {
        (Some(h), Some(sub)) => Some(format!("{h}.{sub}.{ns}.svc.cluster.local")),
        _ => None,
    };
    PodFacts::new(&hostname, ip, fqdn.as_deref())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_expand_to_earlier_variables_only() {
        let mut env = Env::new();
        env.insert("POD_NAME".into(), "emqx-0".into());
        assert_eq!(
            expand("$(POD_NAME).emqx-headless", &env),
            "emqx-0.emqx-headless"
        );
        assert_eq!(expand("$(NOPE)x", &env), "$(NOPE)x");
        assert_eq!(expand("$$(POD_NAME)", &env), "$(POD_NAME)");
        assert_eq!(expand("a$b", &env), "a$b");
    }

    #[test]
    fn a_statefulset_pod_has_an_fqdn_and_a_bare_pod_has_none() {
        let sts = serde_json::json!({
            "metadata": {"name": "emqx-0", "namespace": "ns"},
            "spec": {"hostname": "emqx-0", "subdomain": "emqx-headless"},
            "status": {"podIP": "10.244.1.5"}
        });
        assert!(
            pod_facts(&sts)
                .etc_hosts
                .contains("emqx-0.emqx-headless.ns.svc.cluster.local")
        );
        let bare = serde_json::json!({
            "metadata": {"name": "emqx", "namespace": "ns"},
            "spec": {},
            "status": {"podIP": "10.244.1.6"}
        });
        let facts = pod_facts(&bare);
        assert_eq!(facts.hostname, "emqx");
        assert!(!facts.etc_hosts.contains("svc.cluster.local"));
    }
}
