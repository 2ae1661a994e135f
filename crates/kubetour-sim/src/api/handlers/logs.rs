//! `GET /api/v1/namespaces/{ns}/pods/{name}/log`: a container's output, as the kubelet
//! serves it through the API server (container, follow, tailLines, sinceSeconds,
//! sinceTime, timestamps, previous, limitBytes), with the real errors.

use std::sync::Arc;

use axum::body::Body;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::Value;

use crate::api::ApiState;
use crate::api::request::Req;
use crate::api::status::{ApiError, ApiResult};
use crate::resources::Res;
use crate::workloads::logbook::{self, LogLine, LogQuery};
use crate::workloads::world::{CtrKey, World, lock};

/// The container a request names, or the only one; the real errors otherwise.
pub fn pick_container(pod: &Value, wanted: Option<&str>) -> ApiResult<String> {
    let pod_name = pod["metadata"]["name"].as_str().unwrap_or("");
    let names: Vec<&str> = pod["spec"]["containers"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|c| c["name"].as_str())
        .collect();
    match wanted.filter(|w| !w.is_empty()) {
        Some(w) if names.contains(&w) => Ok(w.to_string()),
        Some(w) => Err(ApiError::bad_request(format!(
            "container {w} is not valid for pod {pod_name}"
        ))),
        None if names.len() == 1 => Ok(names[0].to_string()),
        None => Err(ApiError::bad_request(format!(
            "a container name must be specified for pod {pod_name}, choose one of: [{}]",
            names.join(" ")
        ))),
    }
}

/// The container's status entry, if the kubelet wrote one.
pub fn container_status<'a>(pod: &'a Value, container: &str) -> Option<&'a Value> {
    pod["status"]["containerStatuses"]
        .as_array()?
        .iter()
        .find(|s| s["name"].as_str() == Some(container))
}

/// A container that never ran cannot be read: `is waiting to start: <reason>`.
fn never_started(pod: &Value, container: &str) -> Option<ApiError> {
    let pod_name = pod["metadata"]["name"].as_str().unwrap_or("");
    let status = container_status(pod, container);
    let ran = status.is_some_and(|s| {
        s["state"]["running"].is_object()
            || s["state"]["terminated"].is_object()
            || s["lastState"]["terminated"].is_object()
    });
    if ran {
        return None;
    }
    let reason = status
        .and_then(|s| s["state"]["waiting"]["reason"].as_str())
        .unwrap_or("ContainerCreating");
    Some(ApiError::bad_request(format!(
        "container \"{container}\" in pod \"{pod_name}\" is waiting to start: {reason}"
    )))
}

fn query(r: &Req, world: &World) -> ApiResult<LogQuery> {
    let number = |name: &str| -> ApiResult<Option<i64>> {
        r.param(name)
            .map(|v| {
                v.parse::<i64>()
                    .map_err(|_| ApiError::bad_request(format!("invalid value {v:?} for {name}")))
            })
            .transpose()
    };
    let since = match (number("sinceSeconds")?, r.param("sinceTime")) {
        (Some(secs), _) if secs < 1 => {
            return Err(ApiError::bad_request(
                "PodLogOptions \"\" is invalid: sinceSeconds: Invalid value: 0: must be greater than 0",
            ));
        }
        (Some(secs), _) => world
            .now()
            .checked_sub(jiff::SignedDuration::from_secs(secs))
            .ok(),
        (None, Some(t)) => t.parse::<jiff::Timestamp>().ok(),
        (None, None) => None,
    };
    Ok(LogQuery {
        tail_lines: number("tailLines")?.map(|n| n.max(0) as usize),
        since,
        timestamps: r.flag("timestamps"),
        limit_bytes: number("limitBytes")?.map(|n| n.max(0) as usize),
    })
}

pub fn get(state: &Arc<ApiState>, r: &Req, ns: &str, name: &str) -> ApiResult<Response> {
    let Some(pod) = state.store.get(Res::Pod, ns, name) else {
        return Err(ApiError::not_found(Res::Pod.info(), name));
    };
    let container = pick_container(&pod, r.param("container"))?;
    let world = state.world.clone();
    let q = query(r, &world)?;
    let uid = pod["metadata"]["uid"].as_str().unwrap_or("").to_string();
    let key: CtrKey = (ns.to_string(), name.to_string(), container.clone());
    if r.flag("previous") {
        let restarted = container_status(&pod, &container)
            .is_some_and(|s| s["lastState"]["terminated"].is_object());
        let lines = lock(&world.containers)
            .get(&key)
            .filter(|c| c.log.uid == uid)
            .and_then(|c| c.log.previous.as_ref().map(|p| p.lines.clone()));
        return match (restarted, lines) {
            (true, lines) => Ok(text(logbook::render(&lines.unwrap_or_default(), &q))),
            (false, _) => Err(ApiError::bad_request(format!(
                "previous terminated container \"{container}\" in pod \"{name}\" not found"
            ))),
        };
    }
    if let Some(e) = never_started(&pod, &container) {
        return Err(e);
    }
    let known = lock(&world.containers)
        .get(&key)
        .filter(|c| c.log.uid == uid)
        .map(|c| {
            let run = &c.log.current;
            (run.lines.clone(), run.ended, run.written())
        });
    let Some((lines, ended, written)) = known else {
        // A container without a model prints nothing; a follower waits for its end.
        if r.flag("follow") {
            return Ok(follow_silent(state.clone(), key, uid));
        }
        return Ok(text(String::new()));
    };
    let first = logbook::render(&lines, &q);
    if !r.flag("follow") || ended {
        return Ok(text(first));
    }
    Ok(follow(world, key, uid, written, first, q))
}

fn text(body: String) -> Response {
    let mut resp = (StatusCode::OK, body).into_response();
    resp.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain"));
    resp
}

struct Follow {
    world: Arc<World>,
    key: CtrKey,
    uid: String,
    next: usize,
    first: Option<String>,
    q: LogQuery,
    sent: usize,
    changed: Option<tokio::sync::watch::Receiver<u64>>,
}

/// Streams what the container writes until its run ends or the client goes away.
fn follow(
    world: Arc<World>,
    key: CtrKey,
    uid: String,
    next: usize,
    first: String,
    q: LogQuery,
) -> Response {
    let changed = lock(&world.containers)
        .get(&key)
        .map(|c| c.log.changed.subscribe());
    let state = Follow {
        world,
        key,
        uid,
        next,
        first: Some(first),
        q,
        sent: 0,
        changed,
    };
    let stream = futures::stream::unfold(state, |mut f| async move {
        if let Some(first) = f.first.take() {
            f.sent += first.len();
            return Some((Ok::<_, std::io::Error>(first), f));
        }
        loop {
            if f.q.limit_bytes.is_some_and(|l| f.sent >= l) {
                return None;
            }
            let (fresh, ended, next) = new_lines(&f);
            f.next = next;
            if !fresh.is_empty() {
                let mut chunk: String = fresh
                    .iter()
                    .map(|l| logbook::render_line(l, f.q.timestamps))
                    .collect();
                if let Some(limit) = f.q.limit_bytes {
                    logbook::truncate_bytes(&mut chunk, limit - f.sent);
                }
                f.sent += chunk.len();
                return Some((Ok(chunk), f));
            }
            if ended {
                return None;
            }
            let rx = f.changed.as_mut()?;
            rx.changed().await.ok()?;
        }
    });
    let mut resp = Body::from_stream(stream).into_response();
    resp.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain"));
    resp
}

/// Lines written since the follower's position, and whether the run is over.
/// The lines after `f.next`, whether the run is over, and where to go on from.
fn new_lines(f: &Follow) -> (Vec<LogLine>, bool, usize) {
    let containers = lock(&f.world.containers);
    let Some(c) = containers.get(&f.key).filter(|c| c.log.uid == f.uid) else {
        return (Vec::new(), true, f.next);
    };
    // A restart replaced the run being followed: that run is over.
    let run = &c.log.current;
    if run.written() < f.next {
        return (Vec::new(), true, f.next);
    }
    // `next` counts from the run's first line; a rotation since skips what it dropped.
    let start = f.next.saturating_sub(run.rotated);
    let fresh = run.lines[start..].to_vec();
    (fresh, run.ended, run.written())
}

/// Follows a container that writes nothing: the stream stays open while it runs.
fn follow_silent(state: Arc<ApiState>, key: CtrKey, uid: String) -> Response {
    let stream = futures::stream::unfold((), move |()| {
        let state = state.clone();
        let (key, uid) = (key.clone(), uid.clone());
        async move {
            loop {
                tokio::time::sleep(std::time::Duration::from_millis(500)).await;
                let running = state
                    .store
                    .get(Res::Pod, &key.0, &key.1)
                    .filter(|p| p["metadata"]["uid"].as_str() == Some(uid.as_str()))
                    .is_some_and(|p| {
                        container_status(&p, &key.2)
                            .is_some_and(|s| s["state"]["running"].is_object())
                    });
                if !running {
                    return None::<(Result<String, std::io::Error>, ())>;
                }
            }
        }
    });
    let mut resp = Body::from_stream(stream).into_response();
    resp.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain"));
    resp
}
