//! `…/pods/<name>/exec` over WebSocket with the channel protocols kubectl and kube-rs
//! speak (`v5.channel.k8s.io`, `v4.channel.k8s.io`): each binary frame starts with its
//! channel (1 stdout, 2 stderr, 3 the final Status). Commands in an `emqx/emqx`
//! container go to the EMQX model; anything else answers as a minimal shell.

use std::sync::Arc;

use axum::extract::FromRequestParts;
use axum::extract::Request;
use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::logs::{container_status, pick_container};
use crate::sim::api::ApiState;
use crate::sim::api::status::ApiError;
use crate::sim::emqx::ctl::ExecOutput;
use crate::sim::resources::Res;

const PROTOCOLS: [&str; 4] = [
    "v5.channel.k8s.io",
    "v4.channel.k8s.io",
    "v3.channel.k8s.io",
    "v2.channel.k8s.io",
];

/// Whether a path is a pod's exec subresource: `(namespace, pod)`.
pub fn target(path: &str) -> Option<(String, String)> {
    let segs: Vec<&str> = path.trim_matches('/').split('/').collect();
    match segs.as_slice() {
        ["api", "v1", "namespaces", ns, "pods", name, "exec"] => {
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
    let uid = pod["metadata"]["uid"].as_str().unwrap_or("").to_string();
    let key = (ns, name, container);
    let output = state
        .world
        .exec(&key, &uid, &argv)
        .unwrap_or_else(|| shell(&argv));
    upgrade
        .protocols(PROTOCOLS)
        .on_upgrade(move |socket| send(socket, output, argv))
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

/// A container without the EMQX model: a shell that knows no commands.
fn shell(argv: &[String]) -> ExecOutput {
    let first = argv.first().map(String::as_str).unwrap_or("");
    ExecOutput {
        stdout: String::new(),
        stderr: format!("sh: {first}: not found\n"),
        exit_code: 127,
    }
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

fn frame(channel: u8, data: &[u8]) -> Message {
    let mut bytes = Vec::with_capacity(data.len() + 1);
    bytes.push(channel);
    bytes.extend_from_slice(data);
    Message::Binary(bytes.into())
}

async fn send(mut socket: WebSocket, output: ExecOutput, argv: Vec<String>) {
    if !output.stdout.is_empty() {
        let _ = socket.send(frame(1, output.stdout.as_bytes())).await;
    }
    if !output.stderr.is_empty() {
        let _ = socket.send(frame(2, output.stderr.as_bytes())).await;
    }
    let status = serde_json::to_vec(&exit_status(&argv, output.exit_code)).unwrap_or_default();
    let _ = socket.send(frame(3, &status)).await;
    // A normal closure (1000): kubectl's gorilla reader treats a bare close as an error.
    let close = CloseFrame {
        code: axum::extract::ws::close_code::NORMAL,
        reason: "".into(),
    };
    let _ = socket.send(Message::Close(Some(close))).await;
    // Drain until the client closes, so it reads everything before the TCP close.
    while let Some(Ok(msg)) = socket.recv().await {
        if matches!(msg, Message::Close(_)) {
            break;
        }
    }
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
