//! A kube client over the router itself (no sockets), for tests on paused time.

use axum::Router;
use axum::http::{HeaderValue, Request, header};
use tower::ServiceBuilder;

pub fn client(router: Router, token: &str) -> kube::Client {
    let auth = HeaderValue::from_str(&format!("Bearer {token}"))
        .unwrap_or_else(|_| HeaderValue::from_static("Bearer invalid"));
    let service = ServiceBuilder::new()
        .map_request(move |mut req: Request<kube::client::Body>| {
            req.headers_mut()
                .insert(header::AUTHORIZATION, auth.clone());
            req
        })
        .service(router);
    kube::Client::new(service, "default")
}
