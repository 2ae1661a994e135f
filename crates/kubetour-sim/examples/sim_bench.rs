//! Throughput and watch latency of the simulated API server, in-process (the router as
//! a tower Service, no sockets, no TLS), on a multi-threaded runtime in real time.
//!
//! Run: `cargo run --example sim_bench` (add `--release` for optimised figures).
//! Figures are recorded in docs/sim-bench.md.

use std::time::{Duration, Instant};

use futures::StreamExt;
use kubetour_sim::{Sim, SimConfig};
use serde_json::{Value, json};
use tower::ServiceExt;

#[path = "support/request.rs"]
mod support;
use support::request;

const OBJECTS: usize = 500;
const GETS: usize = 5_000;
const LISTS: usize = 200;
const LATENCY_SAMPLES: usize = 1_000;
const WATCHERS: usize = 10;
const FANOUT_WRITES: usize = 2_000;

fn rate(n: usize, took: Duration) -> String {
    format!(
        "{n} in {:.2?} = {:.0}/s",
        took,
        n as f64 / took.as_secs_f64()
    )
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    // No controllers would matter for ConfigMaps; the full cluster runs anyway, as served.
    let sim = Sim::start(SimConfig::default());
    let token = sim.admin_token().to_string();
    let router = sim.router();
    let ns = "default";

    let t = Instant::now();
    for i in 0..OBJECTS {
        let body = json!({"metadata": {"name": format!("cm-{i:04}"), "labels": {"bench": "yes"}}, "data": {"k": "v"}});
        let resp = router
            .clone()
            .oneshot(request(
                &token,
                "POST",
                &format!("/api/v1/namespaces/{ns}/configmaps"),
                &body,
            ))
            .await;
        assert!(resp.is_ok_and(|r| r.status() == 201));
    }
    println!("CREATE configmap        {}", rate(OBJECTS, t.elapsed()));

    let t = Instant::now();
    let mut handles = Vec::new();
    for w in 0..4 {
        let (router, token) = (router.clone(), token.clone());
        handles.push(tokio::spawn(async move {
            for i in 0..GETS / 4 {
                let uri = format!(
                    "/api/v1/namespaces/default/configmaps/cm-{:04}",
                    (i * 7 + w) % OBJECTS
                );
                let resp = router
                    .clone()
                    .oneshot(request(&token, "GET", &uri, &Value::Null))
                    .await;
                let Ok(resp) = resp;
                let _ = axum::body::to_bytes(resp.into_body(), usize::MAX).await;
            }
        }));
    }
    for h in handles {
        let _ = h.await;
    }
    println!(
        "GET one configmap       {} (4 concurrent clients)",
        rate(GETS, t.elapsed())
    );

    let t = Instant::now();
    let mut items = 0;
    for _ in 0..LISTS {
        let resp = router
            .clone()
            .oneshot(request(
                &token,
                "GET",
                "/api/v1/namespaces/default/configmaps?labelSelector=bench%3Dyes",
                &Value::Null,
            ))
            .await;
        let Ok(resp) = resp;
        let bytes = axum::body::to_bytes(resp.into_body(), usize::MAX)
            .await
            .unwrap_or_default();
        let v: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        items += v["items"].as_array().map_or(0, Vec::len);
    }
    let took = t.elapsed();
    println!(
        "LIST {OBJECTS} configmaps    {} ({:.0} items/s)",
        rate(LISTS, took),
        items as f64 / took.as_secs_f64()
    );

    // Watch latency: one write at a time, from sending the write to reading its event.
    let resp = router
        .clone()
        .oneshot(request(
            &token,
            "GET",
            "/api/v1/namespaces/default/configmaps?watch=true&resourceVersion=0&timeoutSeconds=600",
            &Value::Null,
        ))
        .await;
    let Ok(resp) = resp;
    let mut stream = resp.into_body().into_data_stream();
    let mut pending = String::new();
    let mut initial = 0;
    while initial < OBJECTS {
        let Some(Ok(chunk)) = stream.next().await else {
            panic!("watch ended")
        };
        pending.push_str(&String::from_utf8_lossy(&chunk));
        while let Some(pos) = pending.find('\n') {
            pending.drain(..=pos);
            initial += 1;
        }
    }
    let mut latencies = Vec::with_capacity(LATENCY_SAMPLES);
    for i in 0..LATENCY_SAMPLES {
        let body = json!({"metadata": {"name": format!("cm-{:04}", i % OBJECTS)}, "data": {"k": format!("{i}")}});
        let t = Instant::now();
        let uri = format!(
            "/api/v1/namespaces/default/configmaps/cm-{:04}",
            i % OBJECTS
        );
        let _ = router
            .clone()
            .oneshot(request(&token, "PUT", &uri, &body))
            .await;
        loop {
            if let Some(pos) = pending.find('\n') {
                pending.drain(..=pos);
                break;
            }
            let Some(Ok(chunk)) = stream.next().await else {
                panic!("watch ended")
            };
            pending.push_str(&String::from_utf8_lossy(&chunk));
        }
        latencies.push(t.elapsed());
    }
    latencies.sort();
    println!(
        "WATCH latency (PUT -> event) p50 {:.2?}  p99 {:.2?}  max {:.2?}  over {LATENCY_SAMPLES} writes",
        percentile(&latencies, 0.5),
        percentile(&latencies, 0.99),
        latencies[latencies.len() - 1]
    );

    // Watch fan-out: WATCHERS streams, FANOUT_WRITES store writes, until all delivered.
    let mut tasks = Vec::new();
    let start_rv = sim.store.current_rv();
    for _ in 0..WATCHERS {
        let uri = format!(
            "/api/v1/namespaces/default/configmaps?watch=true&resourceVersion={start_rv}&timeoutSeconds=600"
        );
        let resp = router
            .clone()
            .oneshot(request(&token, "GET", &uri, &Value::Null))
            .await;
        let Ok(resp) = resp;
        let mut stream = resp.into_body().into_data_stream();
        tasks.push(tokio::spawn(async move {
            let mut seen = 0;
            while seen < FANOUT_WRITES {
                let Some(Ok(chunk)) = stream.next().await else {
                    break;
                };
                seen += chunk.iter().filter(|b| **b == b'\n').count();
            }
            seen
        }));
    }
    let t = Instant::now();
    for i in 0..FANOUT_WRITES {
        let name = format!("cm-{:04}", i % OBJECTS);
        sim.store.mutate(
            kubetour_sim::resources::Res::ConfigMap,
            "default",
            &name,
            |o| {
                o["data"]["k"] = json!(format!("fan-{i}"));
                true
            },
        );
    }
    let mut delivered = 0;
    for task in tasks {
        delivered += task.await.unwrap_or(0);
    }
    println!(
        "WATCH fan-out           {} events delivered to {WATCHERS} watchers ({})",
        delivered,
        rate(delivered, t.elapsed())
    );
}
