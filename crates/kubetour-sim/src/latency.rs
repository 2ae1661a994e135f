//! A slow API server on demand (`sim serve --latency 2s`): every answer, watches
//! included, starts that much later. For showing that a client's screen does not wait
//! for the cluster (the benchmark's start-up figure); off unless asked for.

use std::time::Duration;

use axum::Router;
use axum::extract::{Request, State};
use axum::middleware::{self, Next};
use axum::response::Response;

/// Puts `delay` in front of every request the router answers.
pub fn layer(router: Router, delay: Duration) -> Router {
    router.layer(middleware::from_fn_with_state(delay, slow))
}

async fn slow(State(delay): State<Duration>, req: Request, next: Next) -> Response {
    tokio::time::sleep(delay).await;
    next.run(req).await
}
