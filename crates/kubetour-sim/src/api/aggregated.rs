//! Aggregated discovery (apidiscovery.k8s.io/v2): every resource of every group in one
//! answer for /api and one for /apis, which kubectl 1.30+ asks for first (compare
//! real-apiserver/09-*.http and 10-*.http).

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;
use serde_json::{Value, json};

use super::discovery::{VERBS, categories, groups, subresources};
use super::request::Req;
use super::status::json_response;
use crate::resources::{ALL, ResInfo};

const MEDIA: &str = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList";

/// Whether the client accepts the v2 aggregated form.
pub fn wanted(r: &Req) -> bool {
    r.accept.split(',').any(|part| {
        part.contains("as=APIGroupDiscoveryList")
            && part.contains("g=apidiscovery.k8s.io")
            && part.contains("v=v2")
            && !part.contains("v=v2beta1")
    })
}

fn kind_ref(group: &str, version: &str, kind: &str) -> Value {
    json!({"group": group, "version": version, "kind": kind})
}

fn resource(info: &ResInfo) -> Value {
    let mut r = json!({
        "resource": info.plural,
        "responseKind": kind_ref("", "", info.kind),
        "scope": if info.namespaced { "Namespaced" } else { "Cluster" },
        "singularResource": info.singular,
        "verbs": VERBS,
    });
    if !info.short_names.is_empty() {
        r["shortNames"] = json!(info.short_names);
    }
    let cats = categories(info.res);
    if !cats.is_empty() {
        r["categories"] = json!(cats);
    }
    let subs: Vec<Value> = subresources(info.res)
        .into_iter()
        .map(|(name, kind, group, verbs)| {
            // A kind of the parent's own group version is named without them (Binding).
            let response = if kind.is_empty() {
                kind_ref("", "", info.kind)
            } else if group == info.group {
                kind_ref("", "", kind)
            } else {
                kind_ref(group, "v1", kind)
            };
            json!({"subresource": name, "responseKind": response, "verbs": verbs})
        })
        .collect();
    if !subs.is_empty() {
        r["subresources"] = json!(subs);
    }
    r
}

fn group_item(group: &str) -> Value {
    let mut resources: Vec<Value> = Vec::new();
    if group.is_empty() {
        resources.push(json!({
            "resource": "bindings", "responseKind": kind_ref("", "", "Binding"),
            "scope": "Namespaced", "singularResource": "binding", "verbs": ["create"]
        }));
    }
    resources.extend(ALL.iter().filter(|i| i.group == group).map(resource));
    let mut metadata = json!({"creationTimestamp": null});
    if !group.is_empty() {
        metadata["name"] = json!(group);
    }
    json!({
        "metadata": metadata,
        "versions": [{"version": "v1", "resources": resources, "freshness": "Current"}],
    })
}

fn answer(items: Vec<Value>) -> Response {
    let mut body = json!({
        "kind": "APIGroupDiscoveryList",
        "apiVersion": "apidiscovery.k8s.io/v2",
        "metadata": {},
        "items": items,
    });
    crate::key_order::canonical("APIGroupDiscoveryList", &mut body);
    let mut resp = json_response(StatusCode::OK, &body);
    resp.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(MEDIA));
    resp.headers_mut()
        .insert(header::VARY, HeaderValue::from_static("Accept"));
    resp
}

/// GET /api in aggregated form.
pub fn core() -> Response {
    answer(vec![group_item("")])
}

/// GET /apis in aggregated form.
pub fn named_groups() -> Response {
    let mut items: Vec<Value> = groups().into_iter().map(group_item).collect();
    items.push(super::slices::aggregated_item());
    items.push(super::handlers::reviews::authn_aggregated_item());
    items.push(super::handlers::reviews::aggregated_item());
    items.push(super::events_v1::aggregated_item());
    answer(items)
}
