//! events.k8s.io/v1 Events: the same objects as core/v1 Events (one store, as in a real
//! server), converted field by field the way the real server converts them
//! (involvedObject -> regarding, message -> note, source -> deprecatedSource, …;
//! compare real-apiserver/88 and 89). get, list and watch present core events; create
//! converts back and stores a core event; delete removes the core event.

use std::sync::Arc;

use axum::http::{Method, StatusCode};
use axum::response::Response;
use serde_json::{Map, Value, json};

use super::ApiState;
use super::authz::Attributes;
use super::handlers::watch::{View, watch_view};
use super::handlers::{Managed, Scope, commit, delete};
use super::request::Req;
use super::router::{Coll, Obj};
use super::selector::Selectors;
use super::status::{ApiError, ApiResult, json_response};
use crate::resources::Res;

pub const GROUP: &str = "events.k8s.io";
const API_VERSION: &str = "events.k8s.io/v1";

pub const VIEW: View = View {
    present,
    api_version: API_VERSION,
    kind: "Event",
    table,
};

fn put(out: &mut Map<String, Value>, key: &str, v: Option<&Value>) {
    if let Some(v) = v {
        out.insert(key.into(), v.clone());
    }
}

/// Puts a value unless it is what Go's omitempty leaves out ("", 0, absent).
fn put_nonempty(out: &mut Map<String, Value>, key: &str, v: Option<&Value>) {
    match v {
        None | Some(Value::Null) => {}
        Some(Value::String(s)) if s.is_empty() => {}
        Some(Value::Number(n)) if n.as_i64() == Some(0) => {}
        Some(v) => {
            out.insert(key.into(), v.clone());
        }
    }
}

/// A core/v1 Event as events.k8s.io/v1 shows it.
pub fn present(core: &Value) -> Value {
    let mut out = Map::new();
    out.insert("kind".into(), json!("Event"));
    out.insert("apiVersion".into(), json!(API_VERSION));
    put(&mut out, "metadata", core.get("metadata"));
    out.insert(
        "eventTime".into(),
        core.get("eventTime").cloned().unwrap_or(Value::Null),
    );
    put(&mut out, "series", core.get("series"));
    put_nonempty(
        &mut out,
        "reportingController",
        core.get("reportingComponent"),
    );
    put_nonempty(&mut out, "reportingInstance", core.get("reportingInstance"));
    put_nonempty(&mut out, "action", core.get("action"));
    put_nonempty(&mut out, "reason", core.get("reason"));
    out.insert(
        "regarding".into(),
        core.get("involvedObject").cloned().unwrap_or(json!({})),
    );
    put(&mut out, "related", core.get("related"));
    put_nonempty(&mut out, "note", core.get("message"));
    put_nonempty(&mut out, "type", core.get("type"));
    out.insert(
        "deprecatedSource".into(),
        core.get("source").cloned().unwrap_or(json!({})),
    );
    for (from, to) in [
        ("firstTimestamp", "deprecatedFirstTimestamp"),
        ("lastTimestamp", "deprecatedLastTimestamp"),
    ] {
        out.insert(to.into(), core.get(from).cloned().unwrap_or(Value::Null));
    }
    put_nonempty(&mut out, "deprecatedCount", core.get("count"));
    Value::Object(out)
}

/// An events.k8s.io/v1 Event as the core/v1 Event stored for it.
pub fn to_core(event: &Value) -> Value {
    let mut out = Map::new();
    out.insert("kind".into(), json!("Event"));
    out.insert("apiVersion".into(), json!("v1"));
    put(&mut out, "metadata", event.get("metadata"));
    put(&mut out, "involvedObject", event.get("regarding"));
    put(&mut out, "reason", event.get("reason"));
    put(&mut out, "message", event.get("note"));
    put(&mut out, "source", event.get("deprecatedSource"));
    put(
        &mut out,
        "firstTimestamp",
        event.get("deprecatedFirstTimestamp"),
    );
    put(
        &mut out,
        "lastTimestamp",
        event.get("deprecatedLastTimestamp"),
    );
    put(&mut out, "count", event.get("deprecatedCount"));
    put(&mut out, "type", event.get("type"));
    put(&mut out, "eventTime", event.get("eventTime"));
    put(&mut out, "series", event.get("series"));
    put(&mut out, "action", event.get("action"));
    put(&mut out, "related", event.get("related"));
    put(
        &mut out,
        "reportingComponent",
        event.get("reportingController"),
    );
    put(
        &mut out,
        "reportingInstance",
        event.get("reportingInstance"),
    );
    Value::Object(out)
}

/// kubectl's table of events.k8s.io Events is the core events' printer.
fn table(events: &[Value], now: jiff::Timestamp, with_columns: bool, meta: Value) -> Value {
    let core: Vec<Value> = events.iter().map(to_core).collect();
    super::table::table(Res::Event.info(), &core, now, with_columns, meta)
}

/// The aggregated-discovery item of the group (as real-apiserver/10).
pub fn aggregated_item() -> Value {
    json!({
        "metadata": {"name": GROUP, "creationTimestamp": null},
        "versions": [{"version": "v1", "resources": [{
            "resource": "events",
            "responseKind": {"group": "", "version": "", "kind": "Event"},
            "scope": "Namespaced", "singularResource": "event",
            "verbs": super::discovery::VERBS, "shortNames": ["ev"]
        }], "freshness": "Current"}]
    })
}

pub fn resource_list() -> Response {
    json_response(
        StatusCode::OK,
        &json!({
            "kind": "APIResourceList", "apiVersion": "v1", "groupVersion": API_VERSION,
            "resources": [{"name": "events", "singularName": "event", "namespaced": true,
                "kind": "Event", "verbs": super::discovery::VERBS, "shortNames": ["ev"]}]
        }),
    )
}

fn respond(r: &Req, code: StatusCode, core: &Value, now: jiff::Timestamp) -> Response {
    let event = present(core);
    if r.wants_table() {
        return json_response(code, &table(&[event], now, true, json!({})));
    }
    if r.wants_metadata() {
        return json_response(code, &super::meta::partial(&event));
    }
    json_response(code, &event)
}

/// Requests under /apis/events.k8s.io/v1.
pub fn route(state: &Arc<ApiState>, r: &Req, rest: &[&str]) -> ApiResult<Response> {
    let (ns, name) = match rest {
        ["events"] => (None, None),
        ["namespaces", ns, "events"] => (Some(*ns), None),
        ["namespaces", ns, "events", name] => (Some(*ns), Some(*name)),
        _ => return Err(ApiError::no_such_path()),
    };
    let core = Res::Event.info();
    let mut attrs = Attributes::of(r, core, ns, name, None);
    attrs.group = GROUP.into();
    state.authorize(r, &attrs)?;
    let now = state.store.clock().now();
    match (r.method.clone(), name) {
        (Method::GET, Some(name)) => {
            let ns = ns.unwrap_or("");
            let found = state.store.get(Res::Event, ns, name);
            let event = found.ok_or_else(|| ApiError::not_found(core, name))?;
            Ok(respond(r, StatusCode::OK, &event, now))
        }
        (Method::GET, None) => {
            let coll = Coll {
                info: core,
                ns: ns.map(String::from),
            };
            if r.flag("watch") {
                return watch_view(state, r, &coll, Some(VIEW));
            }
            // The same registry as core events: the same field labels.
            let selectors = Selectors::for_kind(
                Res::Event,
                r.param("labelSelector"),
                r.param("fieldSelector"),
            )?;
            let (items, rv) = state.store.list(Res::Event, ns);
            let mut events: Vec<Value> = items
                .iter()
                .filter(|e| selectors.matches(e))
                .map(present)
                .collect();
            let metadata = json!({"resourceVersion": rv.to_string()});
            if r.wants_table() {
                return Ok(json_response(
                    StatusCode::OK,
                    &table(&events, now, true, metadata),
                ));
            }
            // List items carry no type meta, as the real server writes them.
            for e in &mut events {
                if let Some(map) = e.as_object_mut() {
                    map.shift_remove("kind");
                    map.shift_remove("apiVersion");
                }
            }
            let list = json!({"kind": "EventList", "apiVersion": API_VERSION,
                "metadata": metadata, "items": events});
            Ok(json_response(StatusCode::OK, &list))
        }
        (Method::POST, None) => {
            let Some(ns) = ns else {
                return Err(ApiError::no_such_path());
            };
            let mut body = r.json_body()?;
            let meta = body
                .as_object_mut()
                .map(|m| m.entry("metadata").or_insert_with(|| json!({})));
            if let Some(Value::Object(meta)) = meta {
                meta.insert("namespace".into(), json!(ns));
                for server_owned in [
                    "uid",
                    "resourceVersion",
                    "creationTimestamp",
                    "managedFields",
                ] {
                    meta.remove(server_owned);
                }
                if !meta.contains_key("name")
                    && let Some(prefix) = meta.get("generateName").and_then(Value::as_str)
                {
                    let generated = super::meta::generate_name(prefix);
                    meta.insert("name".into(), json!(generated));
                }
            }
            let manager = r.update_manager();
            let stored = commit(
                state,
                r,
                core,
                None,
                to_core(&body),
                Scope::Main,
                Managed::Update(&manager),
            )?;
            Ok(respond(r, StatusCode::CREATED, &stored, now))
        }
        (Method::DELETE, Some(name)) => {
            let obj = Obj {
                info: core,
                ns: ns.unwrap_or("").to_string(),
                name: name.to_string(),
            };
            delete::delete(state, r, &obj)
        }
        _ => Err(ApiError::method_not_allowed(
            "the simulator serves get, list, watch, create and delete of events.k8s.io Events",
        )),
    }
}
