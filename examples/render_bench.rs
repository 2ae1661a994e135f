//! How long drawing one frame takes: the wizard's whole screen at 200×60 with 1,000 pods
//! in the pods panel (and as many objects), drawn again and again on ratatui's
//! TestBackend (the diffing to a real terminal is ratatui's, not measured here).
//!
//! `cargo run --release --example render_bench [PODS]` prints the mean, p50, p99 and max
//! time per frame. scripts/bench/run.sh records it in BENCHMARKS.md.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use k8s_openapi::api::core::v1::Pod;
use kube::runtime::watcher::Event;
use kubetour::app::model::{Model, Setup};
use kubetour::app::{Msg, update};
use kubetour::cluster::guard::Target;
use kubetour::track::{Lang, RenderOptions, load_named};
use kubetour::view::{Change, ClusterView};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use serde_json::json;

fn main() -> anyhow::Result<()> {
    let pods: usize = match std::env::args().nth(1) {
        Some(n) => n
            .parse()
            .map_err(|_| anyhow::anyhow!("`{n}` is not a number of pods"))?,
        None => 1000,
    };
    let mut m = model()?;
    let mut view = ClusterView::default();
    for i in 0..pods {
        view.apply(Change::Pod(Event::Apply(pod(i)?.into())));
    }
    update(&mut m, Msg::Cluster(Arc::new(view)));
    let mut terminal = Terminal::new(TestBackend::new(200, 60))?;
    // Warm up (first frames size the layout caches), then measure.
    for _ in 0..20 {
        terminal.draw(|f| kubetour::ui::draw(f, &m))?;
    }
    let frames = 500;
    let mut times: Vec<Duration> = Vec::with_capacity(frames);
    for _ in 0..frames {
        let started = Instant::now();
        terminal.draw(|f| kubetour::ui::draw(f, &m))?;
        times.push(started.elapsed());
    }
    times.sort();
    let mean = times.iter().sum::<Duration>() / frames as u32;
    let at = |p: f64| times[((times.len() - 1) as f64 * p).round() as usize];
    println!(
        "{pods} pods, 200x60, {frames} frames: mean {:.3} ms, p50 {:.3} ms, p99 {:.3} ms, max {:.3} ms",
        ms(mean),
        ms(at(0.5)),
        ms(at(0.99)),
        ms(times[times.len() - 1])
    );
    Ok(())
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn model() -> anyhow::Result<Model> {
    let track = load_named("emqx", &RenderOptions::default())?;
    let setup = Setup {
        target: Target {
            context: "bench".into(),
            server: "https://127.0.0.1:6443".into(),
            namespace: "emqx".into(),
            embedded: false,
        },
        kubeconfig: Some(PathBuf::from("/tmp/bench-kubeconfig")),
        trace_file: None,
        production_words: vec!["prod".into()],
        track,
        teardown: None,
    };
    Ok(Model::new(setup, Lang::En, jiff::Timestamp::now()))
}

/// A Running, Ready pod of a Deployment, as the watch delivers it.
fn pod(i: usize) -> anyhow::Result<Pod> {
    let started = jiff::Timestamp::now().to_string();
    Ok(serde_json::from_value(json!({
        "metadata": {"name": format!("load-6c9f7b8d4-{i:05}"), "namespace": "emqx",
            "uid": format!("uid-{i}"), "labels": {"app": "load"},
            "creationTimestamp": started, "resourceVersion": format!("{}", 100 + i)},
        "spec": {"containers": [{"name": "pause", "image": "registry.k8s.io/pause:3.10"}],
            "nodeName": format!("node-{}", i % 3)},
        "status": {"phase": "Running", "podIP": format!("10.244.{}.{}", i / 250, i % 250),
            "conditions": [{"type": "Ready", "status": "True"}],
            "containerStatuses": [{"name": "pause", "ready": true, "restartCount": 0,
                "image": "registry.k8s.io/pause:3.10", "imageID": "",
                "state": {"running": {"startedAt": started}}}]}
    }))?)
}
