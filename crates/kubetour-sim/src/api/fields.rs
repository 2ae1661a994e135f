//! Field sets, as managedFields records them (`fieldsV1`): which fields of an object a
//! manager owns. A set is kept flat, as paths of `f:<field>` / `k:<key json>` steps;
//! `fieldsV1` trees convert to and from it (a "." child marks a path that is itself a
//! member while also having members below it).

use std::collections::BTreeSet;

use serde_json::{Map, Value, json};

pub type Path = Vec<String>;
pub type FieldSet = BTreeSet<Path>;

/// Metadata fields the server owns; never part of a field set.
const SERVER_METADATA: &[&str] = &[
    "name",
    "namespace",
    "uid",
    "resourceVersion",
    "generation",
    "creationTimestamp",
    "deletionTimestamp",
    "deletionGracePeriodSeconds",
    "managedFields",
    "selfLink",
];

/// The key fields of associative lists (as in the real schemas' `x-kubernetes-list-map-keys`).
/// None: the list is atomic (replaced as a whole).
pub fn list_keys(field: &str, items: &[Value]) -> Option<&'static [&'static str]> {
    match field {
        "containers"
        | "initContainers"
        | "ephemeralContainers"
        | "env"
        | "volumes"
        | "imagePullSecrets" => Some(&["name"]),
        "volumeMounts" => Some(&["mountPath"]),
        "conditions" => Some(&["type"]),
        "ownerReferences" => Some(&["uid"]),
        "hostAliases" => Some(&["ip"]),
        "ports" => {
            let container = items.iter().any(|i| i.get("containerPort").is_some());
            if container {
                Some(&["containerPort", "protocol"])
            } else {
                Some(&["port", "protocol"])
            }
        }
        _ => None,
    }
}

/// Maps that are replaced as a whole (`x-kubernetes-map-type: atomic`).
fn atomic_map(field: &str) -> bool {
    matches!(field, "selector" | "roleRef")
}

/// The `k:{...}` step of a list element; None if a key field is missing.
pub fn element_key(keys: &[&str], item: &Value) -> Option<String> {
    let mut m = Map::new();
    for k in keys {
        let v = match (item.get(*k), *k) {
            (Some(v), _) => v.clone(),
            // The schemas default protocol before keys are taken.
            (None, "protocol") => json!("TCP"),
            (None, _) => return None,
        };
        m.insert((*k).to_string(), v);
    }
    Some(format!("k:{}", Value::Object(m)))
}

/// Maps with free-form keys; an Update that creates one owns the map itself too (".").
const KEYED_MAPS: &[&str] = &[
    "labels",
    "annotations",
    "data",
    "binaryData",
    "stringData",
    "nodeSelector",
    "limits",
    "requests",
];

/// Every field set in `object`, as an applied configuration's ownership.
/// `status` is included only when `with_status`.
pub fn of_object(object: &Value, with_status: bool) -> FieldSet {
    collect_fields(object, with_status, false)
}

/// Like `of_object`, also listing keyed maps themselves (what Update operations own).
pub fn of_object_with_maps(object: &Value, with_status: bool) -> FieldSet {
    collect_fields(object, with_status, true)
}

fn collect_fields(object: &Value, with_status: bool, maps: bool) -> FieldSet {
    let mut out = FieldSet::new();
    let Some(map) = object.as_object() else {
        return out;
    };
    for (k, v) in map {
        match k.as_str() {
            "apiVersion" | "kind" => {}
            "status" if !with_status => {}
            "metadata" => {
                if let Some(meta) = v.as_object() {
                    for (mk, mv) in meta {
                        if !SERVER_METADATA.contains(&mk.as_str()) {
                            walk(mk, mv, &mut vec!["f:metadata".into()], &mut out, maps);
                        }
                    }
                }
            }
            _ => walk(k, v, &mut Vec::new(), &mut out, maps),
        }
    }
    out
}

fn walk(field: &str, value: &Value, prefix: &mut Path, out: &mut FieldSet, maps: bool) {
    // A zero timestamp (a template's `creationTimestamp: null`) is no field anyone set.
    if field == "creationTimestamp" && value.is_null() {
        return;
    }
    prefix.push(format!("f:{field}"));
    match value {
        Value::Object(map) if !map.is_empty() && !atomic_map(field) => {
            if maps && KEYED_MAPS.contains(&field) {
                out.insert(prefix.clone());
            }
            for (k, v) in map {
                walk(k, v, prefix, out, maps);
            }
        }
        Value::Array(items) => match list_keys(field, items) {
            Some(keys) if !items.is_empty() => {
                for item in items {
                    let Some(key) = element_key(keys, item) else {
                        continue;
                    };
                    prefix.push(key);
                    out.insert(prefix.clone());
                    if let Some(m) = item.as_object() {
                        for (k, v) in m {
                            walk(k, v, prefix, out, maps);
                        }
                    }
                    prefix.pop();
                }
            }
            _ => {
                out.insert(prefix.clone());
            }
        },
        _ => {
            out.insert(prefix.clone());
        }
    }
    prefix.pop();
}

/// The value at a path, if present.
pub fn get_at<'a>(object: &'a Value, path: &[String]) -> Option<&'a Value> {
    let mut cur = object;
    for step in path {
        cur = step_into(cur, step)?;
    }
    Some(cur)
}

fn step_into<'a>(cur: &'a Value, step: &str) -> Option<&'a Value> {
    if let Some(f) = step.strip_prefix("f:") {
        return cur.get(f);
    }
    if let Some(k) = step.strip_prefix("k:") {
        let key: Value = serde_json::from_str(k).ok()?;
        return cur.as_array()?.iter().find(|item| key_matches(&key, item));
    }
    None
}

fn key_matches(key: &Value, item: &Value) -> bool {
    key.as_object().is_some_and(|k| {
        k.iter().all(|(f, v)| match item.get(f) {
            Some(got) => got == v,
            None => f == "protocol" && v == "TCP",
        })
    })
}

/// Removes the field or list element at a path (no-op when absent).
pub fn remove_at(object: &mut Value, path: &[String]) {
    let Some((last, parents)) = path.split_last() else {
        return;
    };
    let mut cur = object;
    for step in parents {
        let next = if let Some(f) = step.strip_prefix("f:") {
            cur.get_mut(f)
        } else if let Some(k) = step.strip_prefix("k:") {
            let Ok(key) = serde_json::from_str::<Value>(k) else {
                return;
            };
            cur.as_array_mut()
                .and_then(|a| a.iter_mut().find(|item| key_matches(&key, item)))
        } else {
            None
        };
        match next {
            Some(n) => cur = n,
            None => return,
        }
    }
    if let Some(f) = last.strip_prefix("f:") {
        if let Some(m) = cur.as_object_mut() {
            m.remove(f);
        }
    } else if let Some(k) = last.strip_prefix("k:")
        && let Ok(key) = serde_json::from_str::<Value>(k)
        && let Some(a) = cur.as_array_mut()
    {
        a.retain(|item| !key_matches(&key, item));
    }
}

/// Paths of `new` whose values differ from `old` (what an Update operation changed).
pub fn changed(old: &Value, new: &Value, with_status: bool) -> FieldSet {
    of_object_with_maps(new, with_status)
        .into_iter()
        .filter(|p| match get_at(new, p) {
            // A map or list element counts as changed only when it is new.
            Some(Value::Object(_)) => get_at(old, p).is_none(),
            now => get_at(old, p) != now,
        })
        .collect()
}

/// Whether `path` is a leaf of `set` (no member lies below it).
pub fn is_leaf(set: &FieldSet, path: &Path) -> bool {
    set.range(path.clone()..)
        .nth(1)
        .is_none_or(|next| !next.starts_with(path))
}

pub fn from_fields_v1(tree: &Value) -> FieldSet {
    let mut out = FieldSet::new();
    collect(tree, &mut Vec::new(), &mut out);
    out
}

fn collect(tree: &Value, prefix: &mut Path, out: &mut FieldSet) {
    let Some(map) = tree.as_object() else {
        return;
    };
    if map.is_empty() && !prefix.is_empty() {
        out.insert(prefix.clone());
        return;
    }
    for (k, v) in map {
        if k == "." {
            out.insert(prefix.clone());
            continue;
        }
        prefix.push(k.clone());
        collect(v, prefix, out);
        prefix.pop();
    }
}

pub fn to_fields_v1(set: &FieldSet) -> Value {
    let mut root = Map::new();
    for path in set {
        let leaf = is_leaf(set, path);
        let mut cur = &mut root;
        for step in path {
            let entry = cur
                .entry(step.clone())
                .or_insert_with(|| Value::Object(Map::new()));
            if !entry.is_object() {
                *entry = Value::Object(Map::new());
            }
            cur = match entry.as_object_mut() {
                Some(m) => m,
                None => return Value::Object(root),
            };
        }
        if !leaf {
            cur.insert(".".into(), json!({}));
        }
    }
    let mut out = Value::Object(root);
    super::fields_order::sort_as_smd(&mut out);
    out
}

/// `.spec.template.spec.containers[name="emqx"].image`, as conflict messages show a path.
pub fn display(path: &Path) -> String {
    let mut out = String::new();
    for step in path {
        if let Some(f) = step.strip_prefix("f:") {
            out.push('.');
            out.push_str(f);
        } else if let Some(k) = step.strip_prefix("k:") {
            let parts: Vec<String> = serde_json::from_str::<Map<String, Value>>(k)
                .unwrap_or_default()
                .iter()
                .map(|(f, v)| format!("{f}={v}"))
                .collect();
            out.push_str(&format!("[{}]", parts.join(",")));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn deployment() -> Value {
        json!({
            "apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "d", "labels": {"app": "emqx"}},
            "spec": {
                "replicas": 1,
                "selector": {"matchLabels": {"app": "emqx"}},
                "template": {"spec": {"containers": [
                    {"name": "emqx", "image": "emqx:5", "ports": [{"containerPort": 1883, "name": "mqtt"}]}
                ]}}
            }
        })
    }

    #[test]
    fn an_applied_object_owns_its_leaves_and_list_elements_by_key() {
        let set = of_object(&deployment(), false);
        let tree = to_fields_v1(&set);
        let c = &tree["f:spec"]["f:template"]["f:spec"]["f:containers"]["k:{\"name\":\"emqx\"}"];
        assert_eq!(c["."], json!({}));
        assert_eq!(c["f:image"], json!({}));
        assert_eq!(
            c["f:ports"]["k:{\"containerPort\":1883,\"protocol\":\"TCP\"}"]["f:name"],
            json!({})
        );
        assert_eq!(tree["f:spec"]["f:selector"], json!({}));
        assert_eq!(tree["f:metadata"], json!({"f:labels": {"f:app": {}}}));
        assert_eq!(from_fields_v1(&tree), set);
    }

    #[test]
    fn paths_find_and_remove_list_elements_by_key() {
        let mut d = deployment();
        let path: Path = [
            "f:spec",
            "f:template",
            "f:spec",
            "f:containers",
            "k:{\"name\":\"emqx\"}",
            "f:image",
        ]
        .map(String::from)
        .to_vec();
        assert_eq!(get_at(&d, &path), Some(&json!("emqx:5")));
        assert_eq!(
            display(&path),
            ".spec.template.spec.containers[name=\"emqx\"].image"
        );
        remove_at(&mut d, &path);
        assert_eq!(get_at(&d, &path), None);
        remove_at(&mut d, &path[..5]);
        assert_eq!(d["spec"]["template"]["spec"]["containers"], json!([]));
    }

    #[test]
    fn changed_lists_only_differing_fields() {
        let old = deployment();
        let mut new = old.clone();
        new["spec"]["replicas"] = json!(3);
        let set = changed(&old, &new, false);
        assert_eq!(set.len(), 1);
        assert!(set.contains(&vec!["f:spec".to_string(), "f:replicas".to_string()]));
    }
}
