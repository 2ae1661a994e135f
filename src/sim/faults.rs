//! Trouble on demand: a layer in front of the simulated API server that answers some
//! requests with 500 or 429 and cuts watch streams short, so tests can show that a
//! client copes with a cluster having a bad day. Deterministic (every Nth request), so a
//! failing test fails the same way twice. Off unless a test puts it in front.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
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
}

#[derive(Debug, Default)]
struct Counters {
    requests: AtomicU64,
    injected: AtomicU64,
}

/// How many faults a layer has injected so far (for tests to show they happened).
#[derive(Debug, Clone, Default)]
pub struct FaultCount(Arc<Counters>);

impl FaultCount {
    pub fn injected(&self) -> u64 {
        self.0.injected.load(Ordering::SeqCst)
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
    if is_watch(&req) {
        let response = next.run(req).await;
        return match plan.watch_lifetime {
            Some(lifetime) => cut_short(response, lifetime, &count),
            None => response,
        };
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
