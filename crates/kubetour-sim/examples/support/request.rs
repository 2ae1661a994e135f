//! What the in-process benchmarks share: one authenticated JSON request to the
//! simulator's router (no socket, no TLS), so they time the API server alone.

use axum::body::Body;
use axum::http::{Request, header};
use serde_json::Value;

/// `method uri` with `body` as JSON (none when it is null), as the admin `token`.
pub fn request(token: &str, method: &str, uri: &str, body: &Value) -> Request<Body> {
    let body = if body.is_null() {
        Body::empty()
    } else {
        Body::from(body.to_string())
    };
    Request::builder()
        .method(method)
        .uri(uri)
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .header(header::CONTENT_TYPE, "application/json")
        .body(body)
        .unwrap_or_else(|e| panic!("request {method} {uri}: {e}"))
}
