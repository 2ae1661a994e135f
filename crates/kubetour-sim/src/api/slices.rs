//! discovery.k8s.io/v1 EndpointSlices, served read-only as a view of the Endpoints the
//! endpoints controller maintains (one slice per Endpoints). kubectl 1.33's `describe
//! service` reads its "Endpoints:" line from slices; clients may list and watch them.

use std::sync::Arc;

use axum::http::{Method, StatusCode};
use axum::response::Response;
use jiff::Timestamp;
use serde_json::{Value, json};

use super::ApiState;
use super::handlers::watch::{View, watch_view};
use super::request::Req;
use super::router::Coll;
use super::selector::Selectors;
use super::status::{ApiError, ApiResult, json_response};
use super::table::human_duration;
use crate::resources::Res;

pub const GROUP: &str = "discovery.k8s.io";
const API_VERSION: &str = "discovery.k8s.io/v1";
const KIND: &str = "EndpointSlice";

pub const VIEW: View = View {
    present,
    api_version: API_VERSION,
    kind: KIND,
    table,
};

fn str_at<'a>(v: &'a Value, p: &str) -> &'a str {
    v.pointer(p).and_then(Value::as_str).unwrap_or("")
}

/// `emqx-service-` + five characters derived from the Endpoints' uid (stable).
fn slice_name(service: &str, uid: &str) -> String {
    const ALPHABET: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";
    let suffix: String = uid
        .bytes()
        .filter(u8::is_ascii_hexdigit)
        .take(5)
        .map(|b| char::from(ALPHABET[usize::from(b) % ALPHABET.len()]))
        .collect();
    format!("{service}-{suffix}")
}

/// The EndpointSlice for one Endpoints object.
pub fn present(ep: &Value) -> Value {
    let service = str_at(ep, "/metadata/name");
    let mut labels = ep.pointer("/metadata/labels").cloned().unwrap_or(json!({}));
    labels["endpointslice.kubernetes.io/managed-by"] = json!("endpointslice-controller.k8s.io");
    labels["kubernetes.io/service-name"] = json!(service);
    let mut endpoints = Vec::new();
    let mut ports = Vec::new();
    for subset in ep
        .get("subsets")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        for p in subset
            .get("ports")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            if !ports.contains(p) {
                ports.push(p.clone());
            }
        }
        for (list, ready) in [("addresses", true), ("notReadyAddresses", false)] {
            for a in subset
                .get(list)
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                let mut e = json!({
                    "addresses": [str_at(a, "/ip")],
                    "conditions": {"ready": ready, "serving": ready, "terminating": false},
                });
                for k in ["hostname", "targetRef", "nodeName"] {
                    if let Some(v) = a.get(k) {
                        e[k] = v.clone();
                    }
                }
                endpoints.push(e);
            }
        }
    }
    let mut metadata = json!({
        "name": slice_name(service, str_at(ep, "/metadata/uid")),
        "generateName": format!("{service}-"),
        "namespace": str_at(ep, "/metadata/namespace"),
        "uid": str_at(ep, "/metadata/uid"),
        "resourceVersion": str_at(ep, "/metadata/resourceVersion"),
        "generation": 1,
        "creationTimestamp": ep.pointer("/metadata/creationTimestamp").cloned().unwrap_or(Value::Null),
        "labels": labels,
    });
    if let Some(a) = ep.pointer("/metadata/annotations") {
        metadata["annotations"] = a.clone();
    }
    let mut slice = json!({
        "apiVersion": API_VERSION,
        "kind": KIND,
        "metadata": metadata,
        "addressType": "IPv4",
        "endpoints": endpoints,
        "ports": ports,
    });
    crate::key_order::canonical(KIND, &mut slice);
    slice
}

fn table(slices: &[Value], now: Timestamp, with_columns: bool, metadata: Value) -> Value {
    let col = |name: &str| json!({"name": name, "type": "string", "format": if name == "Name" { "name" } else { "" }, "description": "", "priority": 0});
    let rows: Vec<Value> = slices
        .iter()
        .map(|s| {
            let ports: Vec<String> = s["ports"].as_array().into_iter().flatten().map(|p| p["port"].to_string()).collect();
            let addrs: Vec<&str> = s["endpoints"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|e| e.pointer("/addresses/0").and_then(Value::as_str))
                .collect();
            let mut shown = addrs.iter().take(3).copied().collect::<Vec<_>>().join(",");
            if addrs.len() > 3 {
                shown.push_str(&format!(" + {} more...", addrs.len() - 3));
            }
            let age = str_at(s, "/metadata/creationTimestamp")
                .parse::<Timestamp>()
                .map(|t| human_duration(now.duration_since(t).as_secs()))
                .unwrap_or_else(|_| "<unknown>".into());
            json!({
                "cells": [str_at(s, "/metadata/name"), "IPv4", if ports.is_empty() { "<unset>".to_string() } else { ports.join(",") },
                    if shown.is_empty() { "<unset>".to_string() } else { shown }, age],
                "object": {"kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1", "metadata": s["metadata"].clone()},
            })
        })
        .collect();
    json!({
        "kind": "Table",
        "apiVersion": "meta.k8s.io/v1",
        "metadata": metadata,
        "columnDefinitions": if with_columns {
            json!(["Name", "AddressType", "Ports", "Endpoints", "Age"].map(col))
        } else {
            Value::Null
        },
        "rows": rows,
    })
}

pub fn resource_list() -> Response {
    json_response(
        StatusCode::OK,
        &json!({
            "kind": "APIResourceList", "apiVersion": "v1", "groupVersion": API_VERSION,
            "resources": [{"name": "endpointslices", "singularName": "endpointslice", "namespaced": true,
                "kind": KIND, "verbs": ["get", "list", "watch"]}]
        }),
    )
}

/// The aggregated-discovery item of the group.
pub fn aggregated_item() -> Value {
    json!({
        "metadata": {"name": GROUP, "creationTimestamp": null},
        "versions": [{"version": "v1", "freshness": "Current", "resources": [{
            "resource": "endpointslices",
            "responseKind": {"group": "", "version": "", "kind": KIND},
            "scope": "Namespaced", "singularResource": "endpointslice", "verbs": ["get", "list", "watch"]
        }]}]
    })
}

fn read_only() -> ApiError {
    ApiError::method_not_allowed(
        "EndpointSlices are maintained by the cluster in this simulator; they are read-only",
    )
}

/// Requests under /apis/discovery.k8s.io/v1.
pub fn route(state: &Arc<ApiState>, r: &Req, rest: &[&str]) -> ApiResult<Response> {
    let (ns, name) = match rest {
        ["endpointslices"] => (None, None),
        ["namespaces", ns, "endpointslices"] => (Some(*ns), None),
        ["namespaces", ns, "endpointslices", name] => (Some(*ns), Some(*name)),
        _ => return Err(ApiError::no_such_path()),
    };
    let attrs = super::authz::Attributes {
        verb: match (name, r.flag("watch")) {
            (Some(_), _) => "get",
            (None, true) => "watch",
            (None, false) => "list",
        }
        .into(),
        group: GROUP.into(),
        resource: "endpointslices".into(),
        subresource: String::new(),
        namespace: ns.unwrap_or("").into(),
        name: name.unwrap_or("").into(),
    };
    state.authorize(r, &attrs)?;
    if r.method != Method::GET {
        return Err(read_only());
    }
    let coll = Coll {
        info: Res::Endpoints.info(),
        ns: ns.map(String::from),
    };
    if name.is_none() && r.flag("watch") {
        return watch_view(state, r, &coll, Some(VIEW));
    }
    let selectors = Selectors::from_query(r.param("labelSelector"), r.param("fieldSelector"))?;
    let (items, rv) = state.store.list(Res::Endpoints, ns);
    let mut slices: Vec<Value> = items
        .iter()
        .map(present)
        .filter(|s| selectors.matches(s))
        .collect();
    let now = state.store.clock().now();
    if let Some(name) = name {
        let Some(one) = slices
            .into_iter()
            .find(|s| str_at(s, "/metadata/name") == name)
        else {
            return Err(ApiError::new(
                404,
                "NotFound",
                format!("endpointslices.discovery.k8s.io \"{name}\" not found"),
            ));
        };
        if r.wants_table() {
            return Ok(json_response(
                StatusCode::OK,
                &table(&[one], now, true, json!({})),
            ));
        }
        return Ok(json_response(StatusCode::OK, &one));
    }
    let metadata = json!({"resourceVersion": rv.to_string()});
    if r.wants_table() {
        return Ok(json_response(
            StatusCode::OK,
            &table(&slices, now, true, metadata),
        ));
    }
    // List items carry no type meta, as the real server writes them (real 31, 38).
    for s in &mut slices {
        if let Some(map) = s.as_object_mut() {
            map.shift_remove("kind");
            map.shift_remove("apiVersion");
        }
    }
    Ok(json_response(
        StatusCode::OK,
        &json!({"kind": "EndpointSliceList", "apiVersion": API_VERSION, "metadata": metadata, "items": slices}),
    ))
}
