//! `…/pods/<name>/exec` over WebSocket with the channel protocols kubectl and kube-rs
//! speak (`v5.channel.k8s.io`, `v4.channel.k8s.io`): each binary frame starts with its
//! channel (0 stdin, 1 stdout, 2 stderr, 3 the final Status, 4 resize). Commands run
//! in the container's shell (`exec_session`): `emqx ctl` goes to the EMQX model.

use std::sync::Arc;

use axum::extract::FromRequestParts;
use axum::extract::Request;
use axum::extract::ws::WebSocketUpgrade;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::exec_session::{self, ExecRequest};
use super::logs::{container_status, pick_container};
use crate::api::ApiState;
use crate::api::status::ApiError;
use crate::resources::Res;

const PROTOCOLS: [&str; 4] = [
    "v5.channel.k8s.io",
    "v4.channel.k8s.io",
    "v3.channel.k8s.io",
    "v2.channel.k8s.io",
];

/// Whether a path is a pod's exec subresource: `(namespace, pod)`.
pub fn target(path: &str) -> Option<(String, String)> {
    pod_subresource(path, "exec")
}

/// `(namespace, pod)` when `path` is `/api/v1/namespaces/NS/pods/NAME/<sub>`.
pub fn pod_subresource(path: &str, sub: &str) -> Option<(String, String)> {
    let segs: Vec<&str> = path.trim_matches('/').split('/').collect();
    match segs.as_slice() {
        ["api", "v1", "namespaces", ns, "pods", name, s] if *s == sub => {
            Some((ns.to_string(), name.to_string()))
        }
        _ => None,
    }
}

/// `%XX` and `+` decoding of one query component.
fn decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => match u8::from_str_radix(&s[i + 1..i + 3], 16) {
                Ok(b) => {
                    out.push(b);
                    i += 2;
                }
                Err(_) => out.push(b'%'),
            },
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// All values of a repeated query parameter, in order.
fn params(query: &str, name: &str) -> Vec<String> {
    query
        .split('&')
        .filter_map(|kv| kv.split_once('=').or(Some((kv, ""))))
        .filter(|(k, _)| decode(k) == name)
        .map(|(_, v)| decode(v))
        .collect()
}

pub async fn handle(state: Arc<ApiState>, req: Request, ns: String, name: String) -> Response {
    let query = req.uri().query().unwrap_or("").to_string();
    let argv = params(&query, "command");
    let wanted = params(&query, "container").into_iter().next();
    let Some(pod) = state.store.get(Res::Pod, &ns, &name) else {
        return ApiError::not_found(Res::Pod.info(), &name).into_response();
    };
    let container = match pick_container(&pod, wanted.as_deref()) {
        Ok(c) => c,
        Err(e) => return e.into_response(),
    };
    if let Some(refusal) = not_running(&pod, &container) {
        return refusal;
    }
    if argv.is_empty() {
        return ApiError::bad_request("you must specify at least 1 command").into_response();
    }
    let (mut parts, _body) = req.into_parts();
    let upgrade = match WebSocketUpgrade::from_request_parts(&mut parts, &state).await {
        Ok(u) => u,
        Err(e) => {
            return ApiError::bad_request(format!("Upgrade request required: {e}")).into_response();
        }
    };
    let flag = |name: &str| {
        params(&query, name)
            .first()
            .is_some_and(|v| matches!(v.as_str(), "true" | "1"))
    };
    let request = ExecRequest {
        argv,
        stdin: flag("stdin"),
        tty: flag("tty"),
    };
    upgrade
        .protocols(PROTOCOLS)
        .on_upgrade(move |socket| exec_session::serve(socket, state, pod, container, request))
}

/// What the real server answers for a container that is not running.
fn not_running(pod: &Value, container: &str) -> Option<Response> {
    let phase = pod["status"]["phase"].as_str().unwrap_or("Pending");
    if matches!(phase, "Succeeded" | "Failed") {
        return Some(
            ApiError::bad_request(format!(
                "cannot exec into a container in a completed pod; current phase is {phase}"
            ))
            .into_response(),
        );
    }
    let pod_name = pod["metadata"]["name"].as_str().unwrap_or("");
    if pod["spec"]["nodeName"].as_str().unwrap_or("").is_empty() {
        return Some(
            ApiError::bad_request(format!("pod {pod_name} does not have a host assigned"))
                .into_response(),
        );
    }
    let running =
        container_status(pod, container).is_some_and(|s| s["state"]["running"].is_object());
    if running {
        return None;
    }
    Some(
        (
            StatusCode::NOT_FOUND,
            format!("container not found (\"{container}\")"),
        )
            .into_response(),
    )
}

/// The final Status on channel 3, as the kubelet's streaming server writes it.
pub fn exit_status(argv: &[String], code: i32) -> Value {
    if code == 0 {
        return json!({"metadata": {}, "status": "Success"});
    }
    json!({
        "metadata": {},
        "status": "Failure",
        "message": format!(
            "command terminated with non-zero exit code: error executing command [{}], exit code {code}",
            argv.join(" ")
        ),
        "reason": "NonZeroExitCode",
        "details": {"causes": [{"reason": "ExitCode", "message": code.to_string()}]}
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeated_command_parameters_keep_their_order() {
        let q = "command=emqx&command=ctl&command=cluster%20status&container=emqx&stdout=true";
        assert_eq!(params(q, "command"), ["emqx", "ctl", "cluster status"]);
        assert_eq!(params(q, "container"), ["emqx"]);
    }

    #[test]
    fn a_failed_command_carries_its_exit_code_as_a_cause() {
        let s = exit_status(&["nope".to_string()], 127);
        assert_eq!(s["reason"], "NonZeroExitCode");
        assert_eq!(s["details"]["causes"][0]["message"], "127");
        assert_eq!(exit_status(&[], 0)["status"], "Success");
    }
}
