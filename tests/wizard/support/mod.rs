//! The wizard binary's support. Here: a Model of the shipped track brought into a state
//! by the same messages the runtime delivers (engine events, the watched view, EMQX
//! answers, keys), with the clock fixed, drawn on a TestBackend (screens, update,
//! outage_screen, not_verified). And:
//!
//! - `driven`: the wizard opened as the binary opens it, its real loop driven on a
//!   TestBackend (flow, faults, reconnect);
//! - `tmux`: the binary in a tmux session of fixed size (tmux).
#![allow(dead_code)]

pub mod driven;
pub mod tmux;

use kubetour::view::WatchedPod;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use k8s_openapi::api::core::v1::{PersistentVolumeClaim, Pod};
use kube::runtime::watcher::Event;
use kubetour::app::model::{Model, NodeAnswer, Setup};
use kubetour::app::{Msg, update};
use kubetour::cluster::guard::Target;
use kubetour::emqx::cluster_status::ClusterStatus;
use kubetour::engine::events::{Diagnosis, EngineEvent, Sighting};
use kubetour::engine::task::{Order, Outcome, Report};
use kubetour::track::{Lang, RenderOptions, Watched, Witness, load_named};
use kubetour::view::Change;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use serde_json::json;

pub const NOW: &str = "2026-12-04T12:00:00Z";

pub fn now() -> jiff::Timestamp {
    NOW.parse().unwrap()
}

/// Seconds before NOW, as an RFC 3339 time.
pub fn ago(secs: i64) -> String {
    (now() - jiff::SignedDuration::from_secs(secs)).to_string()
}

pub fn model() -> Model {
    model_of("emqx")
}

/// The wizard at its start on a shipped track, on the embedded cluster.
pub fn model_of(track: &str) -> Model {
    let track = load_named(track, &RenderOptions::default()).expect("shipped track");
    let setup = Setup {
        target: Target {
            context: "kubetour-sim".into(),
            server: "https://127.0.0.1:40123".into(),
            namespace: "emqx".into(),
            embedded: true,
        },
        kubeconfig: Some(PathBuf::from(
            "/home/learner/.local/state/kubetour/sim-kubeconfig",
        )),
        trace_file: Some(PathBuf::from(
            "/home/learner/.local/state/kubetour/kubetour.log",
        )),
        production_words: vec!["prod".into(), "production".into(), "live".into()],
        teardown: None,
        track,
    };
    Model::new(setup, Lang::En, now())
}

/// Feeds messages through `update`, as the runtime does.
pub fn feed(m: &mut Model, msgs: impl IntoIterator<Item = Msg>) {
    for msg in msgs {
        update(m, msg);
    }
}

pub fn key(c: char) -> Msg {
    Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE))
}

pub fn code(c: KeyCode) -> Msg {
    Msg::Key(KeyEvent::new(c, KeyModifiers::NONE))
}

pub fn engine(e: EngineEvent) -> Msg {
    Msg::Engine(e)
}

pub fn ended(order: Order) -> Msg {
    Msg::Order(Report::Ended {
        order,
        outcome: Outcome::Done,
    })
}

/// A pod as the watch delivers it.
pub fn pod(name: &str, labels: serde_json::Value, ip: Option<&str>, phase: &str, age: i64) -> Pod {
    let running = phase == "Running";
    let state = if running {
        json!({"running": {"startedAt": ago(age - 2)}})
    } else {
        json!({"waiting": {"reason": phase}})
    };
    let pod_phase = if running { "Running" } else { "Pending" };
    serde_json::from_value(json!({
        "metadata": {"name": name, "namespace": "emqx", "labels": labels, "creationTimestamp": ago(age),
            "resourceVersion": "100"},
        "spec": {"containers": [{"name": "emqx", "image": "emqx/emqx:5.8.9"}], "nodeName": "node-1"},
        "status": {"phase": pod_phase, "podIP": ip,
            "conditions": [{"type": "Ready", "status": if running {"True"} else {"False"}}],
            "containerStatuses": [{"name": "emqx", "ready": running, "restartCount": 0,
                "image": "emqx/emqx:5.8.9", "imageID": "", "state": state}]}
    }))
    .unwrap()
}

pub fn pod_added(p: Pod) -> Change {
    Change::Pod(Event::Apply(WatchedPod::from(p).into()))
}

pub fn pod_deleted(p: Pod) -> Change {
    Change::Pod(Event::Delete(WatchedPod::from(p).into()))
}

/// Watched changes as the runtime delivers them: folded, as the engine folds them (at
/// the model's clock), into the view it last handed over, and handed over again.
pub fn watched(m: &mut Model, changes: impl IntoIterator<Item = Change>) {
    let mut view = (*m.view).clone();
    for c in changes {
        view.fold(c, m.now);
    }
    update(m, Msg::Cluster(Arc::new(view)));
}

pub fn claim(name: &str, volume: &str) -> Change {
    let c: PersistentVolumeClaim = serde_json::from_value(json!({
        "metadata": {"name": name, "namespace": "emqx", "creationTimestamp": ago(60)},
        "spec": {"accessModes": ["ReadWriteOnce"], "volumeName": volume,
            "resources": {"requests": {"storage": "1Gi"}}},
        "status": {"phase": "Bound"}
    }))
    .unwrap();
    Change::Claim(Event::Apply(c.into()))
}

/// EMQX answers: each pod with the running and stopped nodes it reports.
pub fn emqx(answers: &[(&str, &str, &[&str], &[&str])]) -> Msg {
    Msg::Emqx(
        answers
            .iter()
            .map(|(pod, node, running, stopped)| {
                (
                    pod.to_string(),
                    NodeAnswer {
                        node: Some(node.to_string()),
                        cluster: Some(ClusterStatus {
                            running_nodes: running.iter().map(|s| s.to_string()).collect(),
                            stopped_nodes: stopped.iter().map(|s| s.to_string()).collect(),
                        }),
                        trouble: None,
                    },
                )
            })
            .collect(),
    )
}

/// What the engine says when stage `index` starts and its manifests are applied.
pub fn stage_applied(m: &Model, index: usize) -> Vec<Msg> {
    let stage = &m.track().stages[index];
    let mut out = vec![engine(EngineEvent::StageStarted {
        index,
        id: stage.id.clone(),
        title: stage.title.en.clone(),
    })];
    for man in &stage.manifests {
        out.push(engine(EngineEvent::Applied {
            stage: stage.id.clone(),
            kind: man.kind.clone(),
            name: man.name.clone(),
            changed: true,
        }));
    }
    out
}

/// The model on a cluster kubetour did not start, named `context`.
pub fn on_cluster(context: &str) -> Model {
    let mut m = model();
    m.setup.target.embedded = false;
    m.setup.target.context = context.into();
    m.setup.target.server = "https://10.0.0.1:6443".into();
    m
}

/// Everything the engine says when stage `index` runs and passes, check by check.
pub fn stage_passes(m: &Model, index: usize) -> Vec<Msg> {
    let stage = &m.track().stages[index];
    let mut out = stage_applied(m, index);
    for (n, c) in stage.checks.iter().enumerate() {
        out.push(engine(EngineEvent::CheckPassed {
            stage: stage.id.clone(),
            check: c.condition.to_string(),
            observed: "as wanted".into(),
            elapsed: Duration::from_millis(1500 * (n as u64 + 1)),
        }));
    }
    for o in &stage.observations {
        if stage.try_it.iter().any(|t| t.observations.contains(&o.id)) {
            continue;
        }
        // As the engine tells them: teardown's lesson at teardown, a lesson about what
        // goes wrong as a conditional (nothing went wrong here), the rest as seen.
        if o.seen_by
            .iter()
            .any(|w| matches!(w, Witness::Watched(Watched::TeardownKeepsClaims)))
        {
            continue;
        }
        let (text, sighting, evidence) = match &o.otherwise {
            Some(otherwise) => (
                otherwise,
                Sighting::Conditional,
                "every claim was bound before anything had to explain a wait",
            ),
            None => (&o.text, Sighting::Seen, "as wanted"),
        };
        out.push(engine(EngineEvent::Observation {
            stage: stage.id.clone(),
            id: o.id.to_string(),
            text: text.en.trim().to_string(),
            sighting,
            evidence: evidence.to_string(),
        }));
    }
    out.push(engine(EngineEvent::StageDone {
        id: stage.id.clone(),
        elapsed: Duration::from_secs(5),
    }));
    out.push(ended(Order::Enter(index)));
    out
}

/// Applies stages 0..=last as a person would: select, ⏎, and the engine's reports.
pub fn walk_to(m: &mut Model, last: usize) {
    for i in 0..=last {
        while m.selected < i {
            update(m, key('n'));
        }
        update(m, code(KeyCode::Enter));
        let msgs = stage_passes(m, i);
        feed(m, msgs);
    }
}

pub fn the_403() -> Diagnosis {
    let m = model();
    let hint = &m.track().stage("autocluster").unwrap().hints[0];
    Diagnosis {
        source: "emqx-deployment-6c9f7b8d4-2xkqp".into(),
        line: r#"2026-12-04T11:59:40.101234+00:00 [error] Ekka(AutoCluster): Discovery error: {403,"{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Failure\",\"message\":\"endpoints \\\"emqx-service\\\" is forbidden: User \\\"system:serviceaccount:emqx:default\\\" cannot get resource \\\"endpoints\\\""#.into(),
        explanation: hint.explanation.en.clone(),
        fixed_by: hint.fixed_by.clone(),
    }
}

pub const DEPLOY_PODS: [(&str, &str); 3] = [
    ("emqx-deployment-6c9f7b8d4-2xkqp", "10.244.0.5"),
    ("emqx-deployment-6c9f7b8d4-8mzlw", "10.244.1.4"),
    ("emqx-deployment-6c9f7b8d4-tq7vn", "10.244.2.6"),
];

pub fn deployment_pods(age: i64) -> Vec<Change> {
    DEPLOY_PODS
        .iter()
        .map(|(name, ip)| pod_added(pod(name, json!({"app": "emqx"}), Some(ip), "Running", age)))
        .collect()
}

pub fn node_of(ip: &str) -> String {
    format!("emqx@{ip}")
}

/// The screen for the model at `w`×`h`.
pub fn screen(m: &Model, w: u16, h: u16) -> String {
    let mut m = m.clone();
    m.size = (w, h);
    let mut terminal = Terminal::new(TestBackend::new(w, h)).unwrap();
    let frame = terminal.draw(|f| kubetour::ui::draw(f, &m)).unwrap();
    kubetour::app::runtime::screen_text(frame.buffer)
}

/// EMQX's answers at `scale`: the three Deployment pods, each a one-node island.
pub fn islands() -> Msg {
    let n: Vec<String> = DEPLOY_PODS.iter().map(|(_, ip)| node_of(ip)).collect();
    emqx(&[
        (DEPLOY_PODS[0].0, &n[0], &[&n[0]], &[]),
        (DEPLOY_PODS[1].0, &n[1], &[&n[1]], &[]),
        (DEPLOY_PODS[2].0, &n[2], &[&n[2]], &[]),
    ])
}

/// EMQX's answers after `rbac`: the three Deployment pods in one cluster, with `stopped`
/// nodes listed as stopped.
pub fn one_cluster(stopped: &[&str]) -> Msg {
    let n: Vec<String> = DEPLOY_PODS.iter().map(|(_, ip)| node_of(ip)).collect();
    let all: Vec<&str> = n.iter().map(String::as_str).collect();
    emqx(&[
        (DEPLOY_PODS[0].0, &n[0], &all, stopped),
        (DEPLOY_PODS[1].0, &n[1], &all, stopped),
        (DEPLOY_PODS[2].0, &n[2], &all, stopped),
    ])
}

/// A delivery round among `pods`: `across` says whether messages cross pods (one
/// cluster) or stay on the pod they were published on (islands).
pub fn delivery_among(pods: &[&str], across: bool) -> Msg {
    use kubetour::delivery::{Cell, Matrix};
    let pods: Vec<String> = pods.iter().map(|p| p.to_string()).collect();
    let mut matrix = Matrix::empty(pods, Duration::from_secs(3));
    for (f, row) in matrix.cells.iter_mut().enumerate() {
        for (t, cell) in row.iter_mut().enumerate() {
            *cell = if f == t {
                Cell::Delivered(Duration::from_millis(2 + t as u64))
            } else if across {
                Cell::Delivered(Duration::from_millis(5 + (f * 3 + t) as u64))
            } else {
                Cell::Lost
            };
        }
    }
    matrix.elapsed = Duration::from_millis(if across { 40 } else { 3020 });
    Msg::Delivery {
        matrix: Box::new(matrix),
        ours: true,
    }
}
