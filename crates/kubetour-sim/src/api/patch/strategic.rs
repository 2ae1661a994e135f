//! Strategic merge patch: maps merge, lists with a merge key (containers by name, ports
//! by port, env by name, ...) merge element by element, other lists are replaced; and
//! the directives `$patch`, `$retainKeys`, `$setElementOrder/<list>` and
//! `$deleteFromPrimitiveList/<list>` that kubectl generates.

use serde_json::{Map, Value};

/// The strategic-merge key of a list field (None: the list is replaced).
fn merge_key(field: &str, items: &[Value], target: Option<&Value>) -> Option<&'static str> {
    let probe: Vec<Value> = items
        .iter()
        .chain(target.and_then(Value::as_array).into_iter().flatten())
        .cloned()
        .collect();
    match field {
        "ports" => {
            let container = probe.iter().any(|i| i.get("containerPort").is_some());
            Some(if container { "containerPort" } else { "port" })
        }
        _ => crate::api::fields::list_keys(field, &probe).and_then(|k| k.first().copied()),
    }
}

/// Primitive lists merged as sets (`patchStrategy: merge` on a list of strings).
fn primitive_merge(field: &str) -> bool {
    field == "finalizers"
}

pub fn merge(target: &mut Value, patch: &Value) {
    let Some(p) = patch.as_object() else {
        *target = patch.clone();
        return;
    };
    if p.get("$patch").and_then(Value::as_str) == Some("replace") {
        *target = strip(patch);
        return;
    }
    if !target.is_object() {
        *target = Value::Object(Map::new());
    }
    let mut orders: Vec<(&str, &Value)> = Vec::new();
    for (k, v) in p {
        if let Some(field) = k.strip_prefix("$setElementOrder/") {
            orders.push((field, v));
            continue;
        }
        if let Some(field) = k.strip_prefix("$deleteFromPrimitiveList/") {
            if let (Some(list), Some(remove)) = (
                target.get_mut(field).and_then(Value::as_array_mut),
                v.as_array(),
            ) {
                list.retain(|x| !remove.contains(x));
            }
            continue;
        }
        if k.starts_with('$') {
            continue;
        }
        let Some(t) = target.as_object_mut() else {
            return;
        };
        match v {
            Value::Null => {
                t.remove(k);
            }
            Value::Object(inner) => {
                if inner.get("$patch").and_then(Value::as_str) == Some("delete") {
                    t.remove(k);
                    continue;
                }
                let slot = t.entry(k.clone()).or_insert(Value::Null);
                if slot.is_object() {
                    merge(slot, v);
                } else {
                    *slot = strip(v);
                }
            }
            Value::Array(items) => {
                let current = t.get(k);
                let key = merge_key(k, items, current);
                let merged = match (key, current) {
                    (Some(key), Some(Value::Array(existing))) => merge_list(existing, items, key),
                    (None, Some(Value::Array(existing))) if primitive_merge(k) => {
                        let mut out = existing.clone();
                        for i in items {
                            if !out.contains(i) {
                                out.push(i.clone());
                            }
                        }
                        out
                    }
                    _ => items
                        .iter()
                        .filter(|i| i.get("$patch").is_none())
                        .map(strip)
                        .collect(),
                };
                t.insert(k.clone(), Value::Array(merged));
            }
            scalar => {
                t.insert(k.clone(), scalar.clone());
            }
        }
    }
    if let Some(retain) = p.get("$retainKeys").and_then(Value::as_array)
        && let Some(t) = target.as_object_mut()
    {
        t.retain(|k, _| retain.iter().any(|r| r == k));
    }
    for (field, order) in orders {
        if let (Some(list), Some(order)) = (
            target.get_mut(field).and_then(Value::as_array_mut),
            order.as_array(),
        ) {
            reorder(list, order);
        }
    }
}

fn merge_list(existing: &[Value], patch: &[Value], key: &str) -> Vec<Value> {
    if patch
        .iter()
        .any(|i| i.get("$patch").and_then(Value::as_str) == Some("replace"))
    {
        return patch
            .iter()
            .filter(|i| i.get("$patch").is_none())
            .map(strip)
            .collect();
    }
    let mut out: Vec<Value> = existing.to_vec();
    for item in patch {
        let id = item.get(key);
        let pos = out.iter().position(|e| id.is_some() && e.get(key) == id);
        let delete = item.get("$patch").and_then(Value::as_str) == Some("delete");
        match (pos, delete) {
            (Some(i), true) => {
                out.remove(i);
            }
            (None, true) => {}
            (Some(i), false) => merge(&mut out[i], item),
            (None, false) => out.push(strip(item)),
        }
    }
    out
}

/// Orders `list` as `order` says (elements not named keep their relative order, after).
fn reorder(list: &mut Vec<Value>, order: &[Value]) {
    let position = |e: &Value| {
        order.iter().position(|o| match o.as_object() {
            Some(keys) => keys.iter().all(|(k, v)| e.get(k) == Some(v)),
            None => o == e,
        })
    };
    let mut indexed: Vec<(usize, Value)> = list
        .drain(..)
        .map(|e| (position(&e).unwrap_or(usize::MAX), e))
        .collect();
    indexed.sort_by_key(|(p, _)| *p);
    list.extend(indexed.into_iter().map(|(_, e)| e));
}

/// A patch fragment without directives (what lands in the object).
fn strip(v: &Value) -> Value {
    match v {
        Value::Object(m) => Value::Object(
            m.iter()
                .filter(|(k, _)| !k.starts_with('$'))
                .map(|(k, v)| (k.clone(), strip(v)))
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(strip).collect()),
        other => other.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn containers_merge_by_name_and_other_lists_are_replaced() {
        let mut d = json!({"spec": {"containers": [
            {"name": "a", "image": "a:1", "args": ["x"]},
            {"name": "b", "image": "b:1"}
        ]}});
        merge(
            &mut d,
            &json!({"spec": {"containers": [{"name": "b", "image": "b:2", "args": ["y"]}]}}),
        );
        assert_eq!(d["spec"]["containers"][0]["image"], "a:1");
        assert_eq!(d["spec"]["containers"][1]["image"], "b:2");
        assert_eq!(d["spec"]["containers"][1]["args"], json!(["y"]));
    }

    #[test]
    fn kubectl_directives_are_honoured() {
        let mut d = json!({"metadata": {"labels": {"a": "1", "b": "2"}}, "spec": {"containers": [
            {"name": "a", "image": "a:1"}, {"name": "b", "image": "b:1"}]}});
        merge(
            &mut d,
            &json!({
                "metadata": {"labels": {"b": null}},
                "spec": {
                    "$setElementOrder/containers": [{"name": "b"}, {"name": "a"}],
                    "containers": [{"name": "a", "$patch": "delete"}, {"name": "c", "image": "c:1"}]
                }
            }),
        );
        assert_eq!(d["metadata"]["labels"], json!({"a": "1"}));
        let names: Vec<&str> = d["spec"]["containers"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["name"].as_str().unwrap())
            .collect();
        assert_eq!(names, ["b", "c"]);
    }
}
