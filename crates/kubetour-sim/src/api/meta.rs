//! Object metadata as the registry fills it: type meta, generateName, and managedFields
//! for Update operations (create, update, non-apply patches).

use rand::Rng;
use serde_json::{Value, json};

use super::fields::{self, FieldSet};
use crate::resources::ResInfo;
use crate::store::metadata_mut;

/// Sets apiVersion and kind (stored objects always carry them).
pub fn ensure_type_meta(object: &mut Value, info: &ResInfo) {
    if let Some(map) = object.as_object_mut() {
        map.insert("kind".into(), json!(info.kind));
        map.insert("apiVersion".into(), json!(info.api_version()));
    }
    // Both first, as the real server writes them (a body may have had neither).
    crate::key_order::type_meta_first(object);
}

/// An object reduced to its metadata (PartialObjectMetadata).
pub fn partial(object: &Value) -> Value {
    json!({
        "kind": "PartialObjectMetadata",
        "apiVersion": "meta.k8s.io/v1",
        "metadata": object.get("metadata").cloned().unwrap_or(json!({})),
    })
}

pub fn name_of(object: &Value) -> &str {
    object
        .pointer("/metadata/name")
        .and_then(Value::as_str)
        .unwrap_or("")
}

/// `prefix` + 5 characters from the alphabet the real server uses (no vowels).
pub fn generate_name(prefix: &str) -> String {
    const ALPHABET: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";
    let mut rng = rand::rng();
    let suffix: String = (0..5)
        .map(|_| char::from(ALPHABET[rng.random_range(0..ALPHABET.len())]))
        .collect();
    format!("{prefix}{suffix}")
}

/// One managedFields entry.
#[derive(Debug, Clone, PartialEq)]
pub struct Managed {
    pub manager: String,
    pub operation: String,
    pub api_version: String,
    pub time: String,
    pub subresource: Option<String>,
    pub set: FieldSet,
}

pub fn read_managed(object: &Value) -> Vec<Managed> {
    object
        .pointer("/metadata/managedFields")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|e| Managed {
            manager: str_field(e, "manager"),
            operation: str_field(e, "operation"),
            api_version: str_field(e, "apiVersion"),
            time: str_field(e, "time"),
            subresource: e
                .get("subresource")
                .and_then(Value::as_str)
                .map(String::from),
            set: e
                .get("fieldsV1")
                .map(fields::from_fields_v1)
                .unwrap_or_default(),
        })
        .collect()
}

fn str_field(v: &Value, k: &str) -> String {
    v.get(k).and_then(Value::as_str).unwrap_or("").to_string()
}

pub fn write_managed(object: &mut Value, entries: &[Managed]) {
    let meta = metadata_mut(object);
    if entries.is_empty() {
        meta.remove("managedFields");
        return;
    }
    let list: Vec<Value> = entries
        .iter()
        .map(|m| {
            let mut e = json!({
                "manager": m.manager,
                "operation": m.operation,
                "apiVersion": m.api_version,
                "time": m.time,
                "fieldsType": "FieldsV1",
                "fieldsV1": fields::to_fields_v1(&m.set),
            });
            if let Some(s) = &m.subresource {
                e["subresource"] = json!(s);
            }
            e
        })
        .collect();
    meta.insert("managedFields".into(), Value::Array(list));
}

/// Records an Update operation by `manager`: it now owns what it changed, and other
/// managers lose those fields.
pub fn record_update(
    object: &mut Value,
    old: Option<&Value>,
    info: &ResInfo,
    manager: &str,
    subresource: Option<&str>,
    now: &str,
) {
    let with_status = subresource == Some("status");
    let changed = match old {
        Some(o) => fields::changed(o, object, with_status),
        None => fields::of_object_with_maps(object, with_status),
    };
    let mut entries = old.map(read_managed).unwrap_or_default();
    give_to(
        &mut entries,
        changed,
        manager,
        "Update",
        &info.api_version(),
        subresource,
        now,
    );
    write_managed(object, &entries);
}

/// Moves `set` to the entry (manager, operation, subresource), creating it if needed.
pub fn give_to(
    entries: &mut Vec<Managed>,
    set: FieldSet,
    manager: &str,
    operation: &str,
    api_version: &str,
    subresource: Option<&str>,
    now: &str,
) {
    if set.is_empty() {
        return;
    }
    let is_target = |m: &Managed| {
        m.manager == manager && m.operation == operation && m.subresource.as_deref() == subresource
    };
    for m in entries.iter_mut().filter(|m| !is_target(m)) {
        m.set.retain(|p| !set.contains(p));
    }
    entries.retain(|m| is_target(m) || !m.set.is_empty());
    match entries.iter_mut().find(|m| is_target(m)) {
        Some(m) => {
            let before = m.set.len();
            m.set.extend(set);
            if m.set.len() != before {
                m.time = now.to_string();
            }
        }
        None => entries.push(Managed {
            manager: manager.to_string(),
            operation: operation.to_string(),
            api_version: api_version.to_string(),
            time: now.to_string(),
            subresource: subresource.map(String::from),
            set,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resources::Res;

    #[test]
    fn an_update_takes_ownership_from_other_managers() {
        let info = Res::ConfigMap.info();
        let mut a = json!({"metadata": {"name": "c"}, "data": {"k": "1", "j": "1"}});
        record_update(&mut a, None, info, "curl", None, "t1");
        let mut b = a.clone();
        b["data"]["k"] = json!("2");
        record_update(&mut b, Some(&a), info, "kubectl", None, "t2");
        let entries = read_managed(&b);
        assert_eq!(entries.len(), 2);
        assert_eq!(entries[0].manager, "curl");
        // curl keeps the map it created and the key nobody else changed.
        assert_eq!(
            b["metadata"]["managedFields"][0]["fieldsV1"],
            json!({"f:data": {".": {}, "f:j": {}}})
        );
        assert_eq!(entries[1].manager, "kubectl");
        assert_eq!(
            b["metadata"]["managedFields"][1]["fieldsV1"],
            json!({"f:data": {"f:k": {}}})
        );
        assert!(generate_name("web-").starts_with("web-"));
        assert_eq!(generate_name("x").len(), 6);
    }
}
