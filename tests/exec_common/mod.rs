//! Shared set-up for the exec tests: the simulated cluster served over TLS behind the
//! fault layer (which also counts requests by path and User-Agent), reached through a
//! kubeconfig as a real cluster is, and small tracks made of shipped and written stages.
#![allow(dead_code)]

use std::path::Path;
use std::sync::{Arc, Mutex};

use kubetour::cluster::connect::{self, Connection};
use kubetour::engine::Engine;
use kubetour::engine::events::EngineEvent;
use kubetour::track::{self, Lang, RenderOptions, Track};
use kubetour_sim::cluster::{Served, Sim, SimConfig};
use kubetour_sim::faults::{self, FaultCount, FaultPlan};

pub struct Faulty {
    pub conn: Connection,
    pub count: FaultCount,
    pub dir: tempfile::TempDir,
    _served: Served,
    _sim: Sim,
}

/// The simulated cluster at speed 50 behind `plan`.
pub async fn faulty_cluster(plan: FaultPlan) -> Faulty {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let sim = Sim::start(SimConfig {
        speed: 50.0,
        ..SimConfig::default()
    });
    let (router, count) = faults::layer(sim.router(), plan);
    let served = kubetour_sim::api::tls::serve(router, ([127, 0, 0, 1], 0).into()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let kubeconfig = dir.path().join("kubeconfig");
    std::fs::write(&kubeconfig, sim.kubeconfig(&served).unwrap()).unwrap();
    let conn = connect::connect(Some(&kubeconfig), None, "emqx", true)
        .await
        .unwrap();
    Faulty {
        conn,
        count,
        dir,
        _served: served,
        _sim: sim,
    }
}

/// A shipped stage file of the EMQX track, as text.
pub fn shipped_stage(file: &str) -> String {
    let dir = track::resolve::track_dir("emqx").unwrap();
    std::fs::read_to_string(dir.join(file)).unwrap()
}

/// A track of the shipped track.yaml and these stage files (name, text), profile 5.
pub fn track_of(dir: &Path, stages: &[(&str, String)]) -> Track {
    let shipped = track::resolve::track_dir("emqx").unwrap();
    let tdir = dir.join("track");
    std::fs::create_dir_all(&tdir).unwrap();
    std::fs::copy(shipped.join("track.yaml"), tdir.join("track.yaml")).unwrap();
    for (name, text) in stages {
        std::fs::write(tdir.join(name), text).unwrap();
    }
    track::load(
        &tdir,
        &RenderOptions {
            profile: Some("5".to_string()),
            ..RenderOptions::default()
        },
    )
    .unwrap()
}

/// A one-pod stage (the shipped `pod` stage's manifest) with these checks.
pub fn pod_stage_with_checks(checks: &str) -> String {
    let pod = shipped_stage("01-pod.yaml");
    let manifest = pod.split_once("\n---").map(|(_, m)| m).unwrap_or_default();
    format!(
        "id: pod\ntitle: {{en: One EMQX pod, zh: 一个 EMQX Pod}}\n\
         narration: {{en: One pod., zh: 一个 Pod。}}\nchecks:\n{checks}\n---{manifest}"
    )
}

pub type Events = Arc<Mutex<Vec<EngineEvent>>>;

/// An engine whose events are collected; `scale` as the time scale.
pub fn engine(conn: &Connection, track: Track, scale: f64) -> (Engine, Events) {
    let events: Events = Arc::default();
    let sink = events.clone();
    let engine = Engine::new(
        conn.client.clone(),
        track,
        Lang::En,
        Box::new(move |e| sink.lock().unwrap().push(e)),
    )
    .with_time_scale(scale);
    (engine, events)
}

/// Runs every stage of the engine's track (no try-its); a hang is a failure. Returns the
/// result and the events it emitted.
pub async fn run_all(
    engine: &mut Engine,
    events: &Events,
) -> (Result<(), kubetour::engine::RunError>, Vec<EngineEvent>) {
    let options = kubetour::engine::RunOptions {
        try_it: false,
        lang: Lang::En,
    };
    let result = tokio::time::timeout(
        std::time::Duration::from_secs(120),
        engine.run(None, &options),
    )
    .await
    .expect("the run must not hang");
    let events = events.lock().unwrap().clone();
    (result, events)
}

/// The shipped `pod` stage alone, run on `f` at speed 50.
pub async fn run_pod_stage(
    f: &Faulty,
    stage_text: String,
) -> (Result<(), kubetour::engine::RunError>, Vec<EngineEvent>) {
    let track = track_of(f.dir.path(), &[("01-pod.yaml", stage_text)]);
    let (mut engine, events) = engine(&f.conn, track, 50.0);
    run_all(&mut engine, &events).await
}
