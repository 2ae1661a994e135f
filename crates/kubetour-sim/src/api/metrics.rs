//! `/metrics`: what a real kube-apiserver exposes for counting requests, in Prometheus
//! text format — `apiserver_request_total` (every request, every client, including
//! the 401s and 403s) and `apiserver_longrunning_requests` (watches in flight).
//!
//! Labels as k8s.io/apiserver/pkg/endpoints/metrics names them: `verb` is the
//! installer's (GET, LIST, WATCH, POST, PUT, PATCH, DELETE, DELETECOLLECTION) cleaned
//! by `CleanVerb` (WATCH for `?watch`, APPLY for an apply patch, CONNECT for exec,
//! attach, portforward and proxy); `scope` by `CleanScope` (`resource` for a named
//! object or a create, `namespace`, `cluster`, or empty for non-resource paths, whose
//! path goes in `subresource`).
//!
//! A watch is counted when its stream starts (the real server counts it when it ends)
//! so that a client holding one shows up at once.
//!
//! Cheap on the hot path: a read lock on the series map and an atomic add; the write
//! lock is taken only the first time a label set is seen.

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, RwLock};

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use futures::StreamExt;

use super::ApiState;
use super::access::attributes;
use crate::rbac::{Attributes, UserInfo};

/// The labels of one request series (code is added for the counter).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Series {
    pub verb: String,
    pub group: String,
    pub version: String,
    pub resource: String,
    pub subresource: String,
    pub scope: String,
}

#[derive(Debug, Default)]
pub struct Metrics {
    requests: RwLock<HashMap<(Series, u16), Arc<AtomicU64>>>,
    longrunning: RwLock<HashMap<Series, Arc<AtomicI64>>>,
}

fn slot<K: Clone + Eq + std::hash::Hash, V: Default>(
    map: &RwLock<HashMap<K, Arc<V>>>,
    key: &K,
) -> Arc<V> {
    if let Some(v) = map.read().unwrap_or_else(|p| p.into_inner()).get(key) {
        return v.clone();
    }
    map.write()
        .unwrap_or_else(|p| p.into_inner())
        .entry(key.clone())
        .or_default()
        .clone()
}

/// Decrements the in-flight gauge when the watch's response body is dropped.
struct InFlight(Arc<AtomicI64>);

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}

impl Metrics {
    pub fn count(&self, series: &Series, code: u16) {
        slot(&self.requests, &(series.clone(), code)).fetch_add(1, Ordering::Relaxed);
    }

    /// How many requests of this verb and resource were answered so far (any code).
    pub fn total(&self, verb: &str, resource: &str, subresource: &str) -> u64 {
        self.requests
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
            .filter(|((s, _), _)| {
                s.verb == verb && s.resource == resource && s.subresource == subresource
            })
            .map(|(_, n)| n.load(Ordering::Relaxed))
            .sum()
    }

    fn start_long(&self, series: &Series) -> InFlight {
        let gauge = slot(&self.longrunning, series);
        gauge.fetch_add(1, Ordering::Relaxed);
        InFlight(gauge)
    }

    /// The Prometheus text exposition.
    pub fn render(&self) -> String {
        let labels = |s: &Series| {
            format!(
                "component=\"apiserver\",group=\"{}\",resource=\"{}\",scope=\"{}\",subresource=\"{}\",verb=\"{}\",version=\"{}\"",
                s.group, s.resource, s.scope, s.subresource, s.verb, s.version
            )
        };
        let mut out = String::from(
            "# HELP apiserver_longrunning_requests [STABLE] Gauge of all active long-running apiserver requests broken out by verb, group, version, resource, scope and component. Not all requests are tracked this way.\n# TYPE apiserver_longrunning_requests gauge\n",
        );
        let long: BTreeMap<Series, i64> = self
            .longrunning
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
            .map(|(s, n)| (s.clone(), n.load(Ordering::Relaxed)))
            .collect();
        for (s, n) in long {
            out.push_str(&format!(
                "apiserver_longrunning_requests{{{}}} {n}\n",
                labels(&s)
            ));
        }
        out.push_str("# HELP apiserver_request_total [STABLE] Counter of apiserver requests broken out for each verb, dry run value, group, version, resource, scope, component, and HTTP response code.\n# TYPE apiserver_request_total counter\n");
        let counts: BTreeMap<(u16, Series), u64> = self
            .requests
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
            .map(|((s, code), n)| ((*code, s.clone()), n.load(Ordering::Relaxed)))
            .collect();
        for ((code, s), n) in counts {
            let l = labels(&s).replacen(",group=", ",dry_run=\"\",group=", 1);
            out.push_str(&format!(
                "apiserver_request_total{{code=\"{code}\",{l}}} {n}\n"
            ));
        }
        out
    }
}

const CONNECT_SUBRESOURCES: [&str; 4] = ["exec", "attach", "portforward", "proxy"];

/// The series a request belongs to, from its method, path, query and content type.
pub fn series_of(req: &Request) -> Series {
    let query = axum::extract::Query::<HashMap<String, String>>::try_from_uri(req.uri())
        .map(|q| q.0)
        .unwrap_or_default();
    let nobody = UserInfo {
        name: String::new(),
        groups: Vec::new(),
    };
    let path = req.uri().path();
    let method = req.method();
    match attributes(nobody, method, path, &query) {
        Attributes::Resource {
            verb,
            group,
            resource,
            subresource,
            namespace,
            name,
            ..
        } => {
            let version = version_of(path);
            let scope = if !name.is_empty() || verb == "create" {
                "resource"
            } else if !namespace.is_empty() {
                "namespace"
            } else {
                "cluster"
            };
            let apply = req
                .headers()
                .get(header::CONTENT_TYPE)
                .is_some_and(|v| v.as_bytes().starts_with(b"application/apply-patch"));
            let verb = if CONNECT_SUBRESOURCES.contains(&subresource.as_str()) {
                "CONNECT".to_string()
            } else {
                match verb.as_str() {
                    "get" => "GET",
                    "list" => "LIST",
                    "watch" => "WATCH",
                    "create" => "POST",
                    "update" => "PUT",
                    "patch" if apply => "APPLY",
                    "patch" => "PATCH",
                    "delete" => "DELETE",
                    "deletecollection" => "DELETECOLLECTION",
                    _ => "other",
                }
                .to_string()
            };
            Series {
                verb,
                group,
                version,
                resource,
                subresource,
                scope: scope.to_string(),
            }
        }
        Attributes::NonResource { .. } => Series {
            verb: method.as_str().to_string(),
            group: String::new(),
            version: String::new(),
            resource: String::new(),
            subresource: path.to_string(),
            scope: String::new(),
        },
    }
}

fn version_of(path: &str) -> String {
    let segs: Vec<&str> = path.trim_matches('/').split('/').collect();
    match segs.as_slice() {
        ["api", v, ..] => v.to_string(),
        ["apis", _, v, ..] => v.to_string(),
        _ => String::new(),
    }
}

/// axum middleware (outermost): counts every request once answered; watches count as
/// long-running until their stream ends.
pub async fn count(State(state): State<Arc<ApiState>>, req: Request, next: Next) -> Response {
    let series = series_of(&req);
    let resp = next.run(req).await;
    state.metrics.count(&series, resp.status().as_u16());
    if series.verb != "WATCH" || !resp.status().is_success() {
        return resp;
    }
    let in_flight = state.metrics.start_long(&series);
    let (parts, body) = resp.into_parts();
    let stream = body.into_data_stream().map(move |chunk| {
        let _keep = &in_flight;
        chunk
    });
    Response::from_parts(parts, Body::from_stream(stream))
}

/// `GET /metrics`.
pub fn endpoint(state: &ApiState, method: &Method) -> Response {
    if method != Method::GET {
        return StatusCode::METHOD_NOT_ALLOWED.into_response();
    }
    let mut resp = state.metrics.render().into_response();
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
    );
    resp
}
