//! The API server's proxy: `…/services/<name>[:<port>]/proxy/<path>` and
//! `…/pods/<name>[:<port>]/proxy/<path>` (also `http:<name>:<port>`), reaching the HTTP
//! of the container behind it — EMQX's model for `emqx/emqx` containers. A Service
//! picks a ready endpoint; none gives the real 503.

use std::sync::Arc;

use axum::http::{HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::Value;

use crate::api::ApiState;
use crate::api::request::Req;
use crate::api::status::{ApiError, ApiResult};
use crate::emqx::http::{HttpAnswer, HttpRequest};
use crate::resources::Res;
use crate::workloads::ports::pod_http;
use crate::workloads::runtime::resolve_port;

/// `[scheme:]name[:port]` of a proxy URL.
fn split_target(target: &str) -> (&str, Option<&str>) {
    let parts: Vec<&str> = target.split(':').collect();
    match parts.as_slice() {
        ["http" | "https", name, port] => (name, Some(*port).filter(|p| !p.is_empty())),
        ["http" | "https", name] => (name, None),
        [name, port] => (name, Some(*port).filter(|p| !p.is_empty())),
        _ => (target, None),
    }
}

fn unavailable(message: String) -> ApiError {
    ApiError::new(503, "ServiceUnavailable", message)
}

pub fn service(
    state: &Arc<ApiState>,
    r: &Req,
    ns: &str,
    target: &str,
    path: &[&str],
) -> ApiResult<Response> {
    let (name, port) = split_target(target);
    let Some(svc) = state.store.get(Res::Service, ns, name) else {
        return Err(ApiError::not_found(Res::Service.info(), name));
    };
    let ports = svc["spec"]["ports"].as_array().cloned().unwrap_or_default();
    let svc_port = match port {
        None => ports.first().cloned(),
        Some(p) => ports
            .iter()
            .find(|sp| {
                sp["name"].as_str() == Some(p)
                    || sp["port"].as_u64().map(|n| n.to_string()).as_deref() == Some(p)
            })
            .cloned(),
    };
    let Some(svc_port) = svc_port else {
        return Err(unavailable(format!(
            "no endpoints available for service \"{name}\""
        )));
    };
    let endpoints = state.store.get(Res::Endpoints, ns, name);
    let ready: Vec<String> = endpoints
        .iter()
        .flat_map(|e| e["subsets"].as_array().cloned().unwrap_or_default())
        .flat_map(|s| s["addresses"].as_array().cloned().unwrap_or_default())
        .filter_map(|a| a["targetRef"]["name"].as_str().map(str::to_string))
        .collect();
    let Some(pod_name) = pick(&ready) else {
        return Err(unavailable(format!(
            "no endpoints available for service \"{name}\""
        )));
    };
    let Some(pod) = state.store.get(Res::Pod, ns, &pod_name) else {
        return Err(unavailable(format!(
            "no endpoints available for service \"{name}\""
        )));
    };
    let target_port = match &svc_port["targetPort"] {
        Value::Null => svc_port["port"].clone(),
        t => t.clone(),
    };
    let port = pod_port(&pod, &target_port)
        .ok_or_else(|| unavailable(format!("no endpoints available for service \"{name}\"")))?;
    forward(state, r, &pod, port, path, true)
}

/// A ready endpoint, spread over requests as kube-proxy would.
fn pick(ready: &[String]) -> Option<String> {
    if ready.is_empty() {
        return None;
    }
    let i = rand::random_range(0..ready.len());
    Some(ready[i].clone())
}

/// A port number, or a container port's name, in any of the pod's containers.
fn pod_port(pod: &Value, port: &Value) -> Option<u16> {
    pod["spec"]["containers"]
        .as_array()?
        .iter()
        .find_map(|c| resolve_port(c, port))
}

pub fn pod(
    state: &Arc<ApiState>,
    r: &Req,
    ns: &str,
    target: &str,
    path: &[&str],
) -> ApiResult<Response> {
    let (name, port) = split_target(target);
    let Some(pod) = state.store.get(Res::Pod, ns, name) else {
        return Err(ApiError::not_found(Res::Pod.info(), name));
    };
    let port = match port {
        None => Some(80),
        Some(p) => pod_port(&pod, &Value::String(p.to_string())),
    };
    let Some(port) = port else {
        return Err(ApiError::bad_request(format!(
            "no such port {} on pod {name}",
            target
        )));
    };
    forward(state, r, &pod, port, path, false)
}

fn forward(
    state: &Arc<ApiState>,
    r: &Req,
    pod: &Value,
    port: u16,
    path: &[&str],
    via_service: bool,
) -> ApiResult<Response> {
    let ip = pod["status"]["podIP"].as_str().unwrap_or("");
    let path = format!("/{}", path.join("/"));
    let query: Vec<String> = r.query.iter().map(|(k, v)| format!("{k}={v}")).collect();
    let query = query.join("&");
    let req = HttpRequest {
        method: r.method.as_str(),
        path: &path,
        query: &query,
        // The API server consumed the client's Authorization header itself.
        authorization: None,
        body: &r.body,
    };
    let answer = pod_http(&state.world, pod, port, &req);
    let refused = || {
        let what = if via_service { "service" } else { "pod" };
        unavailable(format!(
            "error trying to reach {what}: dial tcp {ip}:{port}: connect: connection refused"
        ))
    };
    match answer {
        Some(HttpAnswer::Response(resp)) => {
            let code = StatusCode::from_u16(resp.status).unwrap_or(StatusCode::BAD_GATEWAY);
            let mut out = (code, resp.body).into_response();
            for (k, v) in &resp.headers {
                if let (Ok(k), Ok(v)) = (
                    HeaderName::from_bytes(k.as_bytes()),
                    HeaderValue::from_str(v),
                ) {
                    out.headers_mut().insert(k, v);
                }
            }
            Ok(out)
        }
        Some(HttpAnswer::ConnectionRefused) | None => Err(refused()),
    }
}
