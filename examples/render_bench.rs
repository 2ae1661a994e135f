//! How long drawing one frame takes: the wizard's whole screen at 200×60 with 1,000 pods
//! in the pods panel (and as many objects), drawn again and again on ratatui's
//! TestBackend (the diffing to a real terminal is ratatui's, not measured here).
//!
//! `cargo run --release --example render_bench [PODS] [EVENTS_PER_POD]` prints the mean,
//! p50, p99 and max time per frame. EVENTS_PER_POD (default 0) adds each pod's events as
//! the simulator writes them (Scheduled, Pulling, Pulled, Created, Started: a namespace of
//! 1,000 pods holds about 6,000), for the events panel's share of a frame. scripts/bench/run.sh records it in BENCHMARKS.md.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use k8s_openapi::api::core::v1::{Event as K8sEvent, Pod};
use kube::runtime::watcher::Event;
use kubetour::app::model::{Model, Setup};
use kubetour::app::{Msg, update};
use kubetour::cluster::guard::Target;
use kubetour::track::{Lang, RenderOptions, load_named};
use kubetour::view::{Change, ClusterView, WatchedEvent, WatchedPod};
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
    let events_per_pod: usize = match std::env::args().nth(2) {
        Some(n) => n
            .parse()
            .map_err(|_| anyhow::anyhow!("`{n}` is not a number of events per pod"))?,
        None => 0,
    };
    let mut m = model()?;
    let mut view = ClusterView::default();
    for i in 0..pods {
        view.apply(Change::Pod(Event::Apply(WatchedPod::from(pod(i)?).into())));
        for e in 0..events_per_pod {
            view.apply(Change::Event(Event::Apply(
                WatchedEvent::from(event(i, e)?).into(),
            )));
        }
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
        "{pods} pods, {} events, 200x60, {frames} frames: mean {:.3} ms, p50 {:.3} ms, p99 {:.3} ms, max {:.3} ms",
        view_events(&m),
        ms(mean),
        ms(at(0.5)),
        ms(at(0.99)),
        ms(times[times.len() - 1])
    );
    Ok(())
}

fn view_events(m: &Model) -> usize {
    m.view.events.len()
}

/// One of a pod's events, as the simulator's kubelet writes them.
fn event(pod: usize, n: usize) -> anyhow::Result<K8sEvent> {
    const REASONS: [&str; 6] = [
        "Scheduled",
        "Pulling",
        "Pulled",
        "Created",
        "Started",
        "Killing",
    ];
    let at = jiff::Timestamp::now().to_string();
    Ok(serde_json::from_value(json!({
        "metadata": {"name": format!("load-6c9f7b8d4-{pod:05}.{n:x}"), "namespace": "emqx",
            "uid": format!("ev-{pod}-{n}"), "creationTimestamp": at},
        "involvedObject": {"kind": "Pod", "name": format!("load-6c9f7b8d4-{pod:05}"),
            "namespace": "emqx", "uid": format!("uid-{pod}")},
        "reason": REASONS[n % REASONS.len()], "message": "a message of the usual length about the pod",
        "type": "Normal", "count": 1, "lastTimestamp": at, "firstTimestamp": at,
        "source": {"component": "kubelet", "host": "node-1"}
    }))?)
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
