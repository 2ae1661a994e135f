//! Small facts about objects every controller needs: names the real controllers make,
//! template hashes, label selectors, owner references.

use serde_json::{Map, Value, json};

/// The alphabet of `k8s.io/apimachinery/pkg/util/rand`: no vowels (no words), no
/// look-alikes (no 0/1/3).
const ALPHANUMS: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";

/// `rand.String(n)`: the 5-character suffix of generated names (`emqx-7d9c8-x2k4q`).
pub fn random_suffix(n: usize) -> String {
    (0..n)
        .map(|_| ALPHANUMS[rand::random_range(0..ALPHANUMS.len())] as char)
        .collect()
}

/// `rand.SafeEncodeString`: maps every byte onto the safe alphabet.
pub fn safe_encode(s: &str) -> String {
    s.bytes()
        .map(|b| ALPHANUMS[b as usize % ALPHANUMS.len()] as char)
        .collect()
}

/// 32-bit FNV-1a, the hash the Deployment and StatefulSet controllers use.
pub fn fnv32a(bytes: &[u8]) -> u32 {
    let mut hash: u32 = 0x811c_9dc5;
    for b in bytes {
        hash ^= u32::from(*b);
        hash = hash.wrapping_mul(0x0100_0193);
    }
    hash
}

/// A template hash as the real controllers print it: FNV-1a of the template (keys in
/// sorted order, so equal templates hash equal), plus the collision count, written in
/// decimal and safe-encoded (`5c4c5d76bd`).
pub fn template_hash(template: &Value, collision_count: u32) -> String {
    let mut bytes = serde_json::to_vec(template).unwrap_or_default();
    if collision_count > 0 {
        bytes.extend_from_slice(&collision_count.to_le_bytes());
    }
    safe_encode(&fnv32a(&bytes).to_string())
}

pub fn name(o: &Value) -> &str {
    o.pointer("/metadata/name")
        .and_then(Value::as_str)
        .unwrap_or("")
}

pub fn namespace(o: &Value) -> &str {
    o.pointer("/metadata/namespace")
        .and_then(Value::as_str)
        .unwrap_or("")
}

pub fn uid(o: &Value) -> &str {
    o.pointer("/metadata/uid")
        .and_then(Value::as_str)
        .unwrap_or("")
}

pub fn is_deleting(o: &Value) -> bool {
    o.pointer("/metadata/deletionTimestamp")
        .is_some_and(|v| !v.is_null())
}

pub fn labels(o: &Value) -> Map<String, Value> {
    o.pointer("/metadata/labels")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default()
}

pub fn int_at(o: &Value, pointer: &str) -> Option<i64> {
    o.pointer(pointer).and_then(Value::as_i64)
}

pub fn str_at<'a>(o: &'a Value, pointer: &str) -> Option<&'a str> {
    o.pointer(pointer).and_then(Value::as_str)
}

/// Does a LabelSelector (matchLabels + matchExpressions) select these labels?
/// An empty or missing selector selects nothing, as workload controllers treat it.
pub fn selector_matches(selector: Option<&Value>, labels: &Map<String, Value>) -> bool {
    let Some(selector) = selector.filter(|s| s.as_object().is_some_and(|m| !m.is_empty())) else {
        return false;
    };
    let label = |k: &str| labels.get(k).and_then(Value::as_str);
    let match_labels = selector
        .get("matchLabels")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
        .all(|(k, v)| label(k) == v.as_str());
    let expressions = selector
        .get("matchExpressions")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .all(|e| {
            let key = e.get("key").and_then(Value::as_str).unwrap_or("");
            let values: Vec<&str> = e
                .get("values")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .collect();
            match e.get("operator").and_then(Value::as_str) {
                Some("In") => label(key).is_some_and(|v| values.contains(&v)),
                Some("NotIn") => label(key).is_none_or(|v| !values.contains(&v)),
                Some("Exists") => label(key).is_some(),
                Some("DoesNotExist") => label(key).is_none(),
                _ => false,
            }
        });
    match_labels && expressions
}

/// A Service's plain `selector` map (equality only).
pub fn map_selector_matches(selector: &Map<String, Value>, labels: &Map<String, Value>) -> bool {
    !selector.is_empty()
        && selector
            .iter()
            .all(|(k, v)| labels.get(k).and_then(Value::as_str) == v.as_str())
}

/// The uid of the object's controller owner of the given kind, if any.
pub fn controller_uid<'a>(o: &'a Value, kind: &str) -> Option<&'a str> {
    owner_refs(o)
        .iter()
        .find(|r| {
            r.get("controller").and_then(Value::as_bool) == Some(true)
                && r.get("kind").and_then(Value::as_str) == Some(kind)
        })
        .and_then(|r| r.get("uid").and_then(Value::as_str))
}

/// The name of the object's controller owner of the given kind, if any.
pub fn controller_name<'a>(o: &'a Value, kind: &str) -> Option<&'a str> {
    owner_refs(o)
        .iter()
        .find(|r| {
            r.get("controller").and_then(Value::as_bool) == Some(true)
                && r.get("kind").and_then(Value::as_str) == Some(kind)
        })
        .and_then(|r| r.get("name").and_then(Value::as_str))
}

pub fn owner_refs(o: &Value) -> &[Value] {
    o.pointer("/metadata/ownerReferences")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or(&[])
}

/// The ownerReference a workload controller puts on what it creates.
pub fn controller_ref(owner: &Value, api_version: &str, kind: &str) -> Value {
    json!({
        "apiVersion": api_version,
        "kind": kind,
        "name": name(owner),
        "uid": uid(owner),
        "controller": true,
        "blockOwnerDeletion": true,
    })
}

/// A pod counts as Ready when its Ready condition is True.
pub fn pod_is_ready(pod: &Value) -> bool {
    condition_status(pod, "Ready") == Some("True")
}

pub fn condition_status<'a>(o: &'a Value, kind: &str) -> Option<&'a str> {
    o.pointer("/status/conditions")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .find(|c| c.get("type").and_then(Value::as_str) == Some(kind))
        .and_then(|c| c.get("status").and_then(Value::as_str))
}

pub fn pod_phase(pod: &Value) -> &str {
    str_at(pod, "/status/phase").unwrap_or("Pending")
}

/// Neither terminating nor finished: what ReplicaSets and StatefulSets count.
pub fn pod_is_active(pod: &Value) -> bool {
    !is_deleting(pod) && !matches!(pod_phase(pod), "Succeeded" | "Failed")
}

/// Every object of a kind, as (namespace, name) work-queue keys.
pub fn keys_of(store: &crate::store::Store, res: crate::resources::Res) -> Vec<(String, String)> {
    store
        .list(res, None)
        .0
        .iter()
        .map(|o| (namespace(o).to_string(), name(o).to_string()))
        .collect()
}

/// The key a workload controller reconciles for an event: the workload itself
/// (`own`), or the owner of a `child` it controls (`kind` names the owner's kind).
pub fn owner_key(
    event: &crate::store::WatchEvent,
    own: crate::resources::Res,
    child: crate::resources::Res,
    kind: &str,
) -> Vec<(String, String)> {
    let found = if event.res == own {
        Some(name(&event.object))
    } else if event.res == child {
        controller_name(&event.object, kind)
    } else {
        None
    };
    found
        .map(|n| vec![(event.namespace.clone(), n.to_string())])
        .unwrap_or_default()
}

/// Whether a workload's pod template lists containers. Validation keeps others out;
/// should one get in, it is not a controller's to fix.
pub fn has_containers(workload: &Value) -> bool {
    workload["spec"]["template"]["spec"]["containers"].is_array()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_template_hash_is_stable_and_safe_encoded() {
        let t = json!({"metadata": {"labels": {"app": "emqx"}}, "spec": {"containers": []}});
        let h = template_hash(&t, 0);
        assert_eq!(h, template_hash(&t.clone(), 0));
        assert!(h.len() >= 6 && h.len() <= 10, "{h}");
        assert!(h.bytes().all(|b| ALPHANUMS.contains(&b)), "{h}");
        assert_ne!(h, template_hash(&t, 1));
        let other = json!({"metadata": {"labels": {"app": "web"}}, "spec": {"containers": []}});
        assert_ne!(h, template_hash(&other, 0));
    }

    #[test]
    fn selectors_match_labels_and_expressions() {
        let labels = json!({"app": "emqx", "tier": "core"});
        let labels = labels.as_object().unwrap();
        assert!(selector_matches(
            Some(&json!({"matchLabels": {"app": "emqx"}})),
            labels
        ));
        assert!(!selector_matches(
            Some(&json!({"matchLabels": {"app": "web"}})),
            labels
        ));
        assert!(!selector_matches(Some(&json!({})), labels));
        let expr =
            json!({"matchExpressions": [{"key": "tier", "operator": "In", "values": ["core"]}]});
        assert!(selector_matches(Some(&expr), labels));
        let not = json!({"matchExpressions": [{"key": "tier", "operator": "DoesNotExist"}]});
        assert!(!selector_matches(Some(&not), labels));
    }

    #[test]
    fn random_suffixes_use_the_safe_alphabet() {
        let s = random_suffix(5);
        assert_eq!(s.len(), 5);
        assert!(s.bytes().all(|b| ALPHANUMS.contains(&b)));
    }
}
