//! The entry point for the API server fuzz target (crates/kubetour-sim/fuzz, run with
//! `cargo fuzz`) and for the test that replays its corpus on every `cargo test`. Whatever
//! the bytes, the server must answer, never panic.
//!
//! Not part of the crate's interface; public only so that the fuzz crate can reach it.

use std::sync::OnceLock;
use std::time::Duration;

use axum::Router;
use http::Request;
use http_body_util::BodyExt;
use tower::ServiceExt;

use crate::cluster::{Sim, SimConfig};

const METHODS: [&str; 5] = ["GET", "POST", "PUT", "PATCH", "DELETE"];
const CONTENT_TYPES: [&str; 6] = [
    "application/json",
    "application/merge-patch+json",
    "application/strategic-merge-patch+json",
    "application/json-patch+json",
    "application/apply-patch+yaml",
    "application/vnd.kubernetes.protobuf",
];

/// One request to the simulated API server, in process, as the admin. `data` is: a byte
/// choosing the method, a byte choosing the content type, the path and query up to the
/// first newline, then the body. Returns the answer's status code, when a request could
/// be made of the bytes.
pub fn sim_request(data: &[u8]) -> Option<u16> {
    let [method, content_type, rest @ ..] = data else {
        return None;
    };
    let (target, body) = match rest.iter().position(|b| *b == b'\n') {
        Some(i) => (&rest[..i], &rest[i + 1..]),
        None => (rest, &[][..]),
    };
    let target = std::str::from_utf8(target).ok()?;
    let sim = shared();
    let request = Request::builder()
        .method(METHODS[usize::from(*method) % METHODS.len()])
        .uri(if target.starts_with('/') {
            target.to_string()
        } else {
            format!("/{target}")
        })
        .header("authorization", format!("Bearer {}", sim.token))
        .header(
            "content-type",
            CONTENT_TYPES[usize::from(*content_type) % CONTENT_TYPES.len()],
        )
        .header("accept", "application/json")
        .body(axum::body::Body::from(body.to_vec()));
    let request = request.ok()?;
    let router = sim.router.clone();
    sim.runtime.block_on(async move {
        let Ok(response) = router.oneshot(request).await;
        let code = response.status().as_u16();
        // Read the answer (a watch streams on: stop after a moment).
        let _ =
            tokio::time::timeout(Duration::from_millis(200), response.into_body().collect()).await;
        Some(code)
    })
}

/// One simulated cluster for every input of a run (starting one per input would make
/// fuzzing a thousand times slower); state carries over between inputs, as it does on a
/// real server.
struct Shared {
    runtime: tokio::runtime::Runtime,
    router: Router,
    token: String,
    _sim: Sim,
}

fn shared() -> &'static Shared {
    static SHARED: OnceLock<Shared> = OnceLock::new();
    SHARED.get_or_init(|| {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            // Without a runtime there is nothing to fuzz: failing loudly is the answer.
            .expect("a tokio runtime for the fuzzed simulator");
        let sim = runtime.block_on(async {
            Sim::start(SimConfig {
                speed: 50.0,
                ..SimConfig::default()
            })
        });
        Shared {
            router: sim.router(),
            token: sim.admin_token().to_string(),
            runtime,
            _sim: sim,
        }
    })
}
