//! The watch tail at scale (issue 23), in-process: with BACKGROUND pods of a Deployment
//! running in a namespace, how long after the API answers a bare pod's create does a
//! pod watch of that namespace carry its ADDED, and after the delete its DELETED; and
//! how much CPU the whole simulated cluster spends per create + delete (a figure that
//! holds on a shared machine, where wall-clock percentiles do not).
//!
//! Run: `cargo run -p kubetour-sim --example watch_tail -- [BACKGROUND] [SAMPLES]`
//! (defaults 1000 and 200; the nodes are BACKGROUND/100 + 2, as scripts/bench/run.py
//! starts them). Same shape as scripts/bench/watch_floor.py, without sockets or TLS.

use std::time::{Duration, Instant};

use futures::StreamExt;
use kubetour_sim::resources::Res;
use kubetour_sim::{Sim, SimConfig};
use serde_json::{Value, json};
use tower::ServiceExt;

#[path = "support/request.rs"]
mod support;
use support::request;

const NS: &str = "bench";

async fn call(sim: &Sim, method: &str, uri: &str, body: Value) -> u16 {
    let resp = sim
        .router()
        .oneshot(request(sim.admin_token(), method, uri, &body))
        .await;
    let Ok(resp) = resp;
    let status = resp.status().as_u16();
    let _ = axum::body::to_bytes(resp.into_body(), usize::MAX).await;
    status
}

/// CPU seconds this process has used (every thread), user + system.
fn cpu_seconds() -> f64 {
    // SAFETY: getrusage only writes the struct it is given.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut usage) };
    let secs = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    secs(usage.ru_utime) + secs(usage.ru_stime)
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn summary(what: &str, mut samples: Vec<Duration>) {
    samples.sort();
    println!(
        "{what:<8} p50 {:>9.2?}  p90 {:>9.2?}  p99 {:>9.2?}  max {:>9.2?}  over {}",
        percentile(&samples, 0.5),
        percentile(&samples, 0.9),
        percentile(&samples, 0.99),
        samples[samples.len() - 1],
        samples.len()
    );
}

fn running(sim: &Sim) -> usize {
    sim.store
        .list(Res::Pod, Some(NS))
        .0
        .iter()
        .filter(|p| p["status"]["phase"] == "Running")
        .count()
}

/// Reads watch lines until one of type `kind` names `name`.
async fn wait_for<S>(stream: &mut S, pending: &mut Vec<u8>, kind: &str, name: &str)
where
    S: futures::Stream<Item = Result<bytes::Bytes, axum::Error>> + Unpin,
{
    loop {
        while let Some(pos) = pending.iter().position(|b| *b == b'\n') {
            let line: Vec<u8> = pending.drain(..=pos).collect();
            let ev: Value = serde_json::from_slice(&line).unwrap_or(Value::Null);
            if ev["type"] == kind && ev["object"]["metadata"]["name"] == name {
                return;
            }
        }
        let Some(Ok(chunk)) = stream.next().await else {
            panic!("the watch ended")
        };
        pending.extend_from_slice(&chunk);
    }
}

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    let mut args = std::env::args().skip(1);
    let background: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(1000);
    let samples: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(200);
    let sim = Sim::start(SimConfig {
        node_count: (background / 100 + 2).max(3),
        ..SimConfig::default()
    });
    let ns = json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": NS}});
    assert_eq!(call(&sim, "POST", "/api/v1/namespaces", ns).await, 201);
    let load = json!({"apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "load", "namespace": NS},
        "spec": {"replicas": background, "selector": {"matchLabels": {"app": "load"}},
                 "template": {"metadata": {"labels": {"app": "load"}},
                              "spec": {"containers": [{"name": "pause",
                                                       "image": "registry.k8s.io/pause:3.10"}]}}}});
    let t = Instant::now();
    let uri = format!("/apis/apps/v1/namespaces/{NS}/deployments");
    assert_eq!(call(&sim, "POST", &uri, load).await, 201);
    while running(&sim) < background {
        tokio::time::sleep(Duration::from_millis(500)).await;
        assert!(
            t.elapsed() < Duration::from_secs(900),
            "{background} pods did not run in 900 s"
        );
    }
    println!(
        "{background} background pods running after {:.1?}",
        t.elapsed()
    );
    // Let the last status writes and events settle.
    tokio::time::sleep(Duration::from_secs(5)).await;

    let rv = sim.store.current_rv();
    let uri = format!(
        "/api/v1/namespaces/{NS}/pods?watch=1&resourceVersion={rv}&allowWatchBookmarks=false"
    );
    let resp = sim
        .router()
        .oneshot(request(sim.admin_token(), "GET", &uri, &Value::Null))
        .await;
    let Ok(resp) = resp;
    let mut stream = resp.into_body().into_data_stream();
    let mut pending = Vec::new();
    let (mut added, mut deleted) = (Vec::new(), Vec::new());
    let cpu = cpu_seconds();
    let wall = Instant::now();
    for i in 0..samples {
        let name = format!("fresh-{i:04}");
        let pod = json!({"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": name, "labels": {"bench": "freshness"}},
            "spec": {"containers": [{"name": "pause", "image": "registry.k8s.io/pause:3.10"}],
                     "terminationGracePeriodSeconds": 0}});
        let uri = format!("/api/v1/namespaces/{NS}/pods");
        assert_eq!(call(&sim, "POST", &uri, pod).await, 201);
        let answered = Instant::now();
        wait_for(&mut stream, &mut pending, "ADDED", &name).await;
        added.push(answered.elapsed());
        // The pod starts (scheduling, kubelet, events) before it goes, as in the harness.
        tokio::time::sleep(Duration::from_millis(300)).await;
        let uri = format!("/api/v1/namespaces/{NS}/pods/{name}?gracePeriodSeconds=0");
        let status = call(&sim, "DELETE", &uri, Value::Null).await;
        assert!(status == 200 || status == 202, "delete {name}: {status}");
        let answered = Instant::now();
        wait_for(&mut stream, &mut pending, "DELETED", &name).await;
        deleted.push(answered.elapsed());
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let cpu = cpu_seconds() - cpu;
    println!(
        "{samples} creates + deletes with {background} pods in the namespace, {:.1?} wall",
        wall.elapsed()
    );
    summary("ADDED", added);
    summary("DELETED", deleted);
    println!(
        "CPU     {:.1} ms per create + delete ({:.2} s over the run)",
        cpu * 1000.0 / samples as f64,
        cpu
    );
}
