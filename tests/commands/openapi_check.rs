//! Two small structural checkers for the export tests, written here rather than taken
//! from a crate (the JSON-Schema crates pull in an HTTP client and do not know
//! Kubernetes' extensions).
//!
//! - [`check_schema`]: the subset of OpenAPI v3 that CRD schemas use: `type`,
//!   `properties`, `required`, `items`, `additionalProperties`,
//!   `x-kubernetes-preserve-unknown-fields`, `x-kubernetes-int-or-string`, `anyOf`,
//!   `enum` and `pattern`. Stricter than the API server in one way: a field the schema
//!   does not list is an error (the server would prune it silently, which is how a
//!   misspelt field gets lost). An object schema with neither `properties` nor
//!   `additionalProperties` (the root `metadata`, which the server checks as ObjectMeta)
//!   takes any field. Not evaluated: CEL rules (`x-kubernetes-validations`) and
//!   `format`.
//! - [`check_values`]: a Helm values file against the chart's own values.yaml, for
//!   charts without a values.schema.json: every key must be there, with the same type.

use serde_json::Value;

/// Every way `value` breaks `schema`, as "path: what".
pub fn check_schema(schema: &Value, value: &Value) -> Vec<String> {
    let mut errors = Vec::new();
    walk(schema, value, "", &mut errors);
    errors
}

fn walk(schema: &Value, value: &Value, path: &str, errors: &mut Vec<String>) {
    let at = if path.is_empty() { "." } else { path };
    if schema["x-kubernetes-int-or-string"] == Value::Bool(true) {
        if !(value.is_i64() || value.is_u64() || value.is_string()) {
            errors.push(format!("{at}: {value} is neither an integer nor a string"));
            return;
        }
    } else if let Some(branches) = schema["anyOf"].as_array()
        && !branches.iter().any(|b| check_schema(b, value).is_empty())
    {
        errors.push(format!("{at}: {value} matches none of anyOf"));
        return;
    }
    if let Some(t) = schema["type"].as_str() {
        let ok = match t {
            "object" => value.is_object(),
            "array" => value.is_array(),
            "string" => value.is_string(),
            "integer" => value.is_i64() || value.is_u64(),
            "number" => value.is_number(),
            "boolean" => value.is_boolean(),
            other => {
                errors.push(format!("{at}: the schema has an unknown type `{other}`"));
                return;
            }
        };
        if !ok {
            errors.push(format!("{at}: expected {t}, found {value}"));
            return;
        }
    }
    if let Some(allowed) = schema["enum"].as_array()
        && !allowed.contains(value)
    {
        errors.push(format!("{at}: {value} is not one of {allowed:?}"));
    }
    if let (Some(pattern), Some(text)) = (schema["pattern"].as_str(), value.as_str()) {
        match regex::Regex::new(pattern) {
            Ok(re) if re.is_match(text) => {}
            Ok(_) => errors.push(format!("{at}: `{text}` does not match {pattern}")),
            Err(e) => errors.push(format!("{at}: the schema's pattern does not compile: {e}")),
        }
    }
    if let (Some(items), Some(item_schema)) = (value.as_array(), schema.get("items")) {
        for (i, item) in items.iter().enumerate() {
            walk(item_schema, item, &format!("{path}[{i}]"), errors);
        }
    }
    let Some(map) = value.as_object() else { return };
    let required = schema["required"].as_array().into_iter().flatten();
    for name in required.filter_map(Value::as_str) {
        if !map.contains_key(name) {
            errors.push(format!("{at}: `{name}` is required"));
        }
    }
    let preserve = schema["x-kubernetes-preserve-unknown-fields"] == Value::Bool(true);
    let properties = schema["properties"].as_object();
    for (key, child) in map {
        let child_path = format!("{path}.{key}");
        if let Some(s) = properties.and_then(|p| p.get(key)) {
            walk(s, child, &child_path, errors);
        } else if let Some(extra) = schema.get("additionalProperties") {
            match extra {
                Value::Bool(false) => errors.push(format!("{child_path}: not allowed")),
                Value::Bool(true) => {}
                s => walk(s, child, &child_path, errors),
            }
        } else if !preserve && properties.is_some() {
            errors.push(format!("{child_path}: the schema has no such field"));
        }
    }
}

/// Every key of `written` the chart's `values` lacks or types differently, as
/// "path: what". Under the keys in `free_maps`, any key is accepted, with a string value.
pub fn check_values(written: &Value, values: &Value, free_maps: &[&str]) -> Vec<String> {
    let mut errors = Vec::new();
    values_walk(written, values, "", free_maps, &mut errors);
    errors
}

fn values_walk(
    written: &Value,
    chart: &Value,
    path: &str,
    free_maps: &[&str],
    errors: &mut Vec<String>,
) {
    let Some(map) = written.as_object() else {
        errors.push(format!("{path}: expected a map"));
        return;
    };
    for (key, value) in map {
        let child_path = if path.is_empty() {
            key.clone()
        } else {
            format!("{path}.{key}")
        };
        if free_maps.contains(&path) {
            if !value.is_string() {
                errors.push(format!("{child_path}: expected a string, found {value}"));
            }
            continue;
        }
        let Some(theirs) = chart.get(key) else {
            errors.push(format!("{child_path}: the chart's values have no such key"));
            continue;
        };
        if free_maps.contains(&child_path.as_str()) || (theirs.is_object() && value.is_object()) {
            values_walk(value, theirs, &child_path, free_maps, errors);
        } else if type_name(theirs) != type_name(value) {
            errors.push(format!(
                "{child_path}: the chart has a {}, the export writes a {}",
                type_name(theirs),
                type_name(value)
            ));
        }
    }
}

fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "list",
        Value::Object(_) => "map",
    }
}
