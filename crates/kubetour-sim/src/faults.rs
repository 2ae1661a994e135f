//! Trouble on demand: a layer in front of the simulated API server that answers some
//! requests with 500 or 429, cuts watch streams short, or refuses exec as a real cluster
//! without a reachable kubelet (or with RBAC that forbids `pods/exec`) does, so tests
//! can show that a client copes with a cluster having a bad day. Deterministic (every
//! Nth request), so a failing test fails the same way twice. Off unless a test puts it
//! in front.
//!
//! The layer also counts what passes through it, by path and by User-Agent: the
//! server-side view tests use to show how often a client asks (exec requests while a
//! check waits) and how it names itself. (A `/metrics` endpoint with
//! `apiserver_request_total` would be the real server's way; this count works without
//! it, with or without faults.)

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use futures::StreamExt;
use http::{HeaderValue, StatusCode};

/// What goes wrong, and how often.
#[derive(Debug, Clone, Default)]
pub struct FaultPlan {
    /// Every Nth request (not counting watches) answers 500 InternalError.
    pub every_nth_500: Option<u64>,
    /// Every Nth request (not counting watches) answers 429 TooManyRequests, Retry-After 1.
    pub every_nth_429: Option<u64>,
    /// Watch streams break off (without a clean end) after this long.
    pub watch_lifetime: Option<Duration>,
    /// Every Nth watch that resumes from a resourceVersion is told that version is too
    /// old, as after etcd compaction: HTTP 200, then one ERROR event carrying a 410
    /// Expired Status (real-apiserver/55-watch-pods-rv-too-old.http). The client must
    /// relist.
    pub every_nth_rewatch_gone: Option<u64>,
    /// After this many applies (PATCH requests that are not dry runs), the connection
    /// dies: every later request other than a watch gets its answer cut off mid-body,
    /// until the test calls `FaultCount::heal`.
    pub writes_before_outage: Option<u64>,
    /// Every exec request is refused this way.
    pub exec: Option<ExecFault>,
    /// The API server's proxy to pods (`…/pods/<name>:<port>/proxy/…`) cannot reach
    /// them: 503 "error trying to reach service", as when the pod network is down.
    pub pod_proxy_unreachable: bool,
}

/// How a real cluster refuses to run a command in a pod.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExecFault {
    /// kube-apiserver 1.32 whose kubelet is unreachable: the WebSocket upgrade succeeds
    /// (the API server translates the stream itself), then channel 3 carries an
    /// InternalError Status naming the failed dial to port 10250.
    KubeletUnreachable,
    /// RBAC without `pods/exec`: 403 Forbidden before any upgrade (worded for exec over
    /// WebSocket, which a 1.32 API server authorizes as `get pods/exec`).
    Forbidden,
}

#[derive(Debug, Default)]
struct Counters {
    requests: AtomicU64,
    rewatches: AtomicU64,
    writes: AtomicU64,
    healed: std::sync::atomic::AtomicBool,
    injected: AtomicU64,
    /// Requests by path (query left out), watches included.
    by_path: Mutex<BTreeMap<String, u64>>,
    /// Requests by User-Agent ("" for none).
    by_agent: Mutex<BTreeMap<String, u64>>,
}

/// How many faults a layer has injected so far, and what it has seen (for tests).
#[derive(Debug, Clone, Default)]
pub struct FaultCount(Arc<Counters>);

impl FaultCount {
    pub fn injected(&self) -> u64 {
        self.0.injected.load(Ordering::SeqCst)
    }

    /// Ends the outage `writes_before_outage` began: the connection works again.
    pub fn heal(&self) {
        self.0.healed.store(true, Ordering::SeqCst);
    }

    /// Whether the outage is on (the Nth write has passed and no heal yet).
    fn in_outage(&self, plan: &FaultPlan) -> bool {
        plan.writes_before_outage
            .is_some_and(|n| self.0.writes.load(Ordering::SeqCst) >= n)
            && !self.0.healed.load(Ordering::SeqCst)
    }

    /// How many requests had a path that `which` accepts.
    pub fn requests_to(&self, which: impl Fn(&str) -> bool) -> u64 {
        self.0
            .by_path
            .lock()
            .map(|m| m.iter().filter(|(p, _)| which(p)).map(|(_, n)| n).sum())
            .unwrap_or(0)
    }

    /// How many exec requests (`…/pods/<name>/exec`) came through.
    pub fn exec_requests(&self) -> u64 {
        self.requests_to(|p| exec_target(p).is_some())
    }

    /// Requests by the User-Agent they carried ("" when none).
    pub fn user_agents(&self) -> BTreeMap<String, u64> {
        self.0
            .by_agent
            .lock()
            .map(|m| m.clone())
            .unwrap_or_default()
    }

    fn record(&self, req: &Request) {
        let agent = req
            .headers()
            .get(http::header::USER_AGENT)
            .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
            .unwrap_or_default();
        if let Ok(mut m) = self.0.by_path.lock() {
            *m.entry(req.uri().path().to_string()).or_default() += 1;
        }
        if let Ok(mut m) = self.0.by_agent.lock() {
            *m.entry(agent).or_default() += 1;
        }
    }
}

fn is_pod_proxy(path: &str) -> bool {
    let segs: Vec<&str> = path.trim_matches('/').split('/').collect();
    matches!(
        segs.as_slice(),
        ["api", "v1", "namespaces", _, "pods", _, "proxy", ..]
    )
}

/// `(namespace, pod)` of an exec path.
fn exec_target(path: &str) -> Option<(&str, &str)> {
    let segs: Vec<&str> = path.trim_matches('/').split('/').collect();
    match segs.as_slice() {
        ["api", "v1", "namespaces", ns, "pods", pod, "exec"] => Some((ns, pod)),
        _ => None,
    }
}

/// Puts the plan in front of a router.
pub fn layer(router: Router, plan: FaultPlan) -> (Router, FaultCount) {
    let count = FaultCount::default();
    let state = (Arc::new(plan), count.clone());
    (
        router.layer(middleware::from_fn_with_state(state, inject)),
        count,
    )
}

fn is_watch(req: &Request) -> bool {
    req.uri()
        .query()
        .is_some_and(|q| q.split('&').any(|p| p == "watch=true" || p == "watch=1"))
}

async fn inject(
    State((plan, count)): State<(Arc<FaultPlan>, FaultCount)>,
    req: Request,
    next: Next,
) -> Response {
    count.record(&req);
    if let Some(fault) = plan.exec
        && let Some((ns, pod)) = exec_target(req.uri().path())
    {
        count.0.injected.fetch_add(1, Ordering::SeqCst);
        let (ns, pod) = (ns.to_string(), pod.to_string());
        return refuse_exec(fault, req, &ns, &pod).await;
    }
    if plan.pod_proxy_unreachable && is_pod_proxy(req.uri().path()) {
        count.0.injected.fetch_add(1, Ordering::SeqCst);
        return status(
            503,
            "ServiceUnavailable",
            "error trying to reach service: dial tcp 10.244.0.5:18083: connect: no route to host",
        );
    }
    if is_watch(&req) {
        if let (Some(k), Some(rv)) = (plan.every_nth_rewatch_gone, resumed_from(&req)) {
            let n = count.0.rewatches.fetch_add(1, Ordering::SeqCst) + 1;
            if k > 0 && n % k == 0 {
                count.0.injected.fetch_add(1, Ordering::SeqCst);
                return gone(&rv);
            }
        }
        let response = next.run(req).await;
        return match plan.watch_lifetime {
            Some(lifetime) => cut_short(response, lifetime, &count),
            None => response,
        };
    }
    if count.in_outage(&plan) {
        count.0.injected.fetch_add(1, Ordering::SeqCst);
        return dropped();
    }
    if req.method() == http::Method::PATCH
        && !req.uri().query().is_some_and(|q| q.contains("dryRun="))
    {
        count.0.writes.fetch_add(1, Ordering::SeqCst);
    }
    let n = count.0.requests.fetch_add(1, Ordering::SeqCst) + 1;
    if plan.every_nth_500.is_some_and(|k| k > 0 && n % k == 0) {
        count.0.injected.fetch_add(1, Ordering::SeqCst);
        return status(
            500,
            "InternalError",
            "Internal error occurred: injected by the test's fault plan",
        );
    }
    if plan.every_nth_429.is_some_and(|k| k > 0 && n % k == 0) {
        count.0.injected.fetch_add(1, Ordering::SeqCst);
        let mut r = status(
            429,
            "TooManyRequests",
            "Too many requests, please try again later.",
        );
        r.headers_mut()
            .insert("retry-after", HeaderValue::from_static("1"));
        return r;
    }
    next.run(req).await
}

/// A connection that dies mid-answer: the headers go out, the body breaks off.
fn dropped() -> Response {
    let body = futures::stream::once(async {
        Err::<bytes::Bytes, _>(std::io::Error::other(
            "connection dropped by the test's fault plan",
        ))
    });
    Response::new(Body::from_stream(body))
}

/// The resourceVersion a watch resumes from ("" and "0" mean "from now": not resumed).
fn resumed_from(req: &Request) -> Option<String> {
    req.uri()
        .query()?
        .split('&')
        .find_map(|p| p.strip_prefix("resourceVersion="))
        .filter(|rv| !rv.is_empty() && *rv != "0")
        .map(str::to_string)
}

/// A real server's answer to a watch from a compacted resourceVersion: 200, then one
/// ERROR event, then the end of the stream.
fn gone(rv: &str) -> Response {
    let event = serde_json::json!({
        "type": "ERROR",
        "object": {
            "kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
            "message": format!("too old resource version: {rv} ({})", rv.parse::<u64>().map_or(0, |n| n + 1)),
            "reason": "Expired", "code": 410
        }
    });
    (
        StatusCode::OK,
        [("content-type", "application/json")],
        format!("{event}\n"),
    )
        .into_response()
}

fn status(code: u16, reason: &str, message: &str) -> Response {
    let mut body = serde_json::json!({
        "kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
        "message": message, "reason": reason, "code": code
    });
    if code == 429
        && let Some(map) = body.as_object_mut()
    {
        map.insert(
            "details".into(),
            serde_json::json!({"retryAfterSeconds": 1}),
        );
    }
    let code = StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    (
        code,
        [("content-type", "application/json")],
        body.to_string(),
    )
        .into_response()
}

/// Lets the stream run for `lifetime`, then fails it mid-flight, as a dropped connection
/// does (not the clean end a watch timeout gives).
fn cut_short(response: Response, lifetime: Duration, count: &FaultCount) -> Response {
    let (parts, body) = response.into_parts();
    let count = count.clone();
    let deadline = tokio::time::sleep(lifetime);
    let stream = body
        .into_data_stream()
        .map(|chunk| chunk.map_err(std::io::Error::other))
        .take_until(deadline)
        .chain(futures::stream::once(async move {
            count.0.injected.fetch_add(1, Ordering::SeqCst);
            Err(std::io::Error::other(
                "watch dropped by the test's fault plan",
            ))
        }));
    Response::from_parts(parts, Body::from_stream(stream))
}

/// Refuses an exec request the way a real cluster does (see [`ExecFault`]).
async fn refuse_exec(fault: ExecFault, req: Request, ns: &str, pod: &str) -> Response {
    use axum::extract::FromRequestParts;
    use axum::extract::ws::{CloseFrame, Message, WebSocketUpgrade, close_code};
    match fault {
        ExecFault::Forbidden => status(
            403,
            "Forbidden",
            &format!(
                "pods \"{pod}\" is forbidden: User \"learner\" cannot get resource \
                 \"pods/exec\" in API group \"\" in the namespace \"{ns}\""
            ),
        ),
        ExecFault::KubeletUnreachable => {
            let query = req.uri().query().unwrap_or("").to_string();
            let (mut parts, _body) = req.into_parts();
            let upgrade = match WebSocketUpgrade::from_request_parts(&mut parts, &()).await {
                Ok(u) => u,
                Err(e) => return e.into_response(),
            };
            let dial = format!(
                "error sending request: Post \"https://127.0.0.1:10250/exec/{ns}/{pod}/emqx?{query}\": \
                 dial tcp 127.0.0.1:10250: connect: connection refused"
            );
            let body = serde_json::json!({
                "metadata": {}, "status": "Failure",
                "message": format!("Internal error occurred: {dial}"),
                "reason": "InternalError",
                "details": {"causes": [{"message": dial}]},
                "code": 500
            });
            upgrade
                .protocols(["v5.channel.k8s.io", "v4.channel.k8s.io"])
                .on_upgrade(move |mut socket| async move {
                    let mut frame = vec![3u8];
                    frame.extend_from_slice(body.to_string().as_bytes());
                    let _ = socket.send(Message::Binary(frame.into())).await;
                    let close = CloseFrame {
                        code: close_code::NORMAL,
                        reason: "".into(),
                    };
                    let _ = socket.send(Message::Close(Some(close))).await;
                    while let Some(Ok(msg)) = socket.recv().await {
                        if matches!(msg, Message::Close(_)) {
                            break;
                        }
                    }
                })
        }
    }
}
