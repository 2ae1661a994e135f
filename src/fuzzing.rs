//! Entry points for the fuzz targets (fuzz/, run with `cargo fuzz`) and for the test that
//! replays their corpus on every `cargo test` (tests/fuzz_corpus_replay.rs). Whatever the
//! bytes, each must end in an answer or an error, never a panic.
//!
//! Not part of kubetour's interface; public only so that the fuzz crate and the tests
//! can reach it.

use std::sync::OnceLock;
use std::time::Duration;

use axum::Router;
use http::Request;
use http_body_util::BodyExt;
use tower::ServiceExt;

use crate::sim::cluster::{Sim, SimConfig};
use crate::track::{RenderOptions, load};

const TRACK: &str = r#"name: fuzz
title: {en: Fuzz, zh: 模糊}
defaults: {namespace: emqx, profile: "5"}
profiles:
  "5": {image: "emqx/emqx:5.8.9", version: 5.8.9, ctl: [emqx, ctl], status_port: 18083, data_dir: /opt/emqx/data, vars: {discovery_key: EMQX_CLUSTER__DISCOVERY_STRATEGY}}
"#;

/// Loads a track whose one stage file holds `data`: it loads, or says what is wrong.
pub fn track_stage(data: &[u8]) {
    let Ok(dir) = tempfile::tempdir() else { return };
    if std::fs::write(dir.path().join("track.yaml"), TRACK).is_err()
        || std::fs::write(dir.path().join("01-stage.yaml"), data).is_err()
    {
        return;
    }
    let _ = load(dir.path(), &RenderOptions::default());
}

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
