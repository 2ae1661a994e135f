//! Objects in the key order the real API server writes them: `kind`, `apiVersion`,
//! `metadata`, then the fields in Go struct order, map keys sorted. Clients that
//! compare bytes, or report parse errors by column, see the same document either way.
//!
//! The store puts every object it keeps in this order, so gets, lists and watch events
//! all carry it. Fields the schema does not know keep their place after the known ones.

use std::collections::HashMap;
use std::sync::OnceLock;

use serde_json::{Map, Value};

use super::key_order_schema::SCHEMA;

/// What a field holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Child {
    /// Kept as it is.
    Plain,
    /// A struct of the named type.
    Struct(&'static str),
    /// A list of the named type.
    List(&'static str),
    /// A map of plain values: keys sorted.
    Map,
    /// A map of the named type: keys sorted.
    MapOf(&'static str),
    /// A fieldsV1 set, in structured-merge-diff's order.
    FieldSet,
}

type Fields = Vec<(&'static str, Child)>;

fn parse_field(token: &'static str) -> (&'static str, Child) {
    if let Some((name, ty)) = token.split_once(':') {
        return (name, Child::Struct(ty));
    }
    if let Some(name) = token.strip_suffix('~') {
        return (name, Child::FieldSet);
    }
    if let Some(name) = token.strip_suffix("{}") {
        return (name, Child::Map);
    }
    if let Some((name, rest)) = token.split_once('[') {
        return (name, Child::List(rest.trim_end_matches(']')));
    }
    if let Some((name, rest)) = token.split_once('{') {
        return (name, Child::MapOf(rest.trim_end_matches('}')));
    }
    (token, Child::Plain)
}

fn schema() -> &'static HashMap<&'static str, Fields> {
    static TYPES: OnceLock<HashMap<&'static str, Fields>> = OnceLock::new();
    TYPES.get_or_init(|| {
        SCHEMA
            .lines()
            .filter_map(|line| line.split_once(": "))
            .map(|(ty, fields)| {
                (
                    ty.trim(),
                    fields.split_whitespace().map(parse_field).collect(),
                )
            })
            .collect()
    })
}

/// Puts `object` (of the type named, usually its kind) in the real server's order.
/// An unknown type only gets `kind` and `apiVersion` first.
pub fn canonical(ty: &str, object: &mut Value) {
    match schema().get(ty) {
        Some(fields) => order_struct(fields, object),
        None => type_meta_first(object),
    }
}

/// `kind` then `apiVersion` in front, the rest in place.
pub fn type_meta_first(object: &mut Value) {
    let Some(map) = object.as_object_mut() else {
        return;
    };
    let old = std::mem::take(map);
    let mut rest = Vec::with_capacity(old.len());
    let (mut kind, mut api_version) = (None, None);
    for (k, v) in old {
        match k.as_str() {
            "kind" => kind = Some(v),
            "apiVersion" => api_version = Some(v),
            _ => rest.push((k, v)),
        }
    }
    if let Some(v) = kind {
        map.insert("kind".into(), v);
    }
    if let Some(v) = api_version {
        map.insert("apiVersion".into(), v);
    }
    map.extend(rest);
}

fn order_child(child: Child, value: &mut Value) {
    match child {
        Child::Plain => {}
        Child::Struct(ty) => canonical(ty, value),
        Child::List(ty) => {
            for item in value.as_array_mut().into_iter().flatten() {
                canonical(ty, item);
            }
        }
        Child::Map => sort_keys(value),
        Child::FieldSet => crate::api::fields_order::sort_as_smd(value),
        Child::MapOf(ty) => {
            sort_keys(value);
            for item in value.as_object_mut().into_iter().flat_map(Map::values_mut) {
                canonical(ty, item);
            }
        }
    }
}

fn sort_keys(value: &mut Value) {
    if let Some(map) = value.as_object_mut() {
        map.sort_keys();
    }
}

fn order_struct(fields: &Fields, object: &mut Value) {
    let Some(map) = object.as_object_mut() else {
        return;
    };
    let mut old = std::mem::take(map);
    for (name, child) in fields {
        if let Some(mut v) = old.shift_remove(*name) {
            order_child(*child, &mut v);
            map.insert((*name).to_string(), v);
        }
    }
    // Fields the schema does not know stay, after the known ones, in their order.
    map.extend(old);
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn every_named_type_is_described() {
        for (ty, fields) in schema() {
            for (name, child) in fields {
                let named = match child {
                    Child::Struct(t) | Child::List(t) | Child::MapOf(t) => Some(*t),
                    Child::Plain | Child::Map | Child::FieldSet => None,
                };
                if let Some(t) = named {
                    assert!(schema().contains_key(t), "{ty}.{name} names unknown {t}");
                }
            }
        }
    }

    #[test]
    fn a_configmap_is_written_kind_first_with_sorted_data() {
        let mut cm = json!({
            "apiVersion": "v1",
            "data": {"b": "2", "a": "1"},
            "metadata": {"labels": {"z": "1", "app": "x"}, "namespace": "ref", "name": "c"},
            "kind": "ConfigMap",
            "extra": true
        });
        canonical("ConfigMap", &mut cm);
        assert_eq!(
            serde_json::to_string(&cm).unwrap(),
            r#"{"kind":"ConfigMap","apiVersion":"v1","metadata":{"name":"c","namespace":"ref","labels":{"app":"x","z":"1"}},"data":{"a":"1","b":"2"},"extra":true}"#
        );
    }
}
