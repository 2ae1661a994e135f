//! The engine binary's support: the embedded simulated cluster reached through its
//! kubeconfig (the same path a real cluster takes), or the simulated cluster served over
//! TLS behind the fault layer (which also counts requests by path and User-Agent);
//! rendered tracks, shipped or made of shipped and written stages; an engine whose
//! events are collected for assertions.
#![allow(dead_code)]

use std::path::Path;
use std::sync::{Arc, Mutex};

use k8s_openapi::api::core::v1::{Namespace, ServiceAccount};
use k8s_openapi::api::rbac::v1::{ClusterRole, ClusterRoleBinding, Role, RoleBinding};
use kube::api::{Api, PostParams};
use kubetour::cluster::connect::{self, Connection};
use kubetour::commands::embedded::Embedded;
use kubetour::engine::Engine;
use kubetour::engine::events::EngineEvent;
use kubetour::track::{self, Lang, RenderOptions, Track};
use kubetour_sim::cluster::{Served, Sim, SimConfig};
use kubetour_sim::faults::{self, FaultCount, FaultPlan};
use serde_json::{Value, json};

/// The simulated cluster, fast, with or without a default StorageClass.
pub async fn cluster(default_storage_class: bool) -> (Embedded, Connection) {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let embedded = Embedded::start(50.0, default_storage_class).expect("embedded cluster starts");
    let connection = connect::connect(Some(&embedded.kubeconfig), None, "emqx", true)
        .await
        .expect("kubeconfig connects");
    (embedded, connection)
}

pub fn shipped_track(profile: &str) -> Track {
    let dir = track::resolve::track_dir("emqx").expect("shipped track");
    load_track(&dir, profile)
}

pub fn load_track(dir: &Path, profile: &str) -> Track {
    track::load(
        dir,
        &RenderOptions {
            profile: Some(profile.to_string()),
            ..RenderOptions::default()
        },
    )
    .expect("track loads")
}

pub type Events = Arc<Mutex<Vec<EngineEvent>>>;

/// What the headless printer would have printed of the events, for failure messages.
pub fn dump(events: &Events) -> String {
    let printed: Vec<String> = events
        .lock()
        .unwrap()
        .iter()
        .filter_map(kubetour::commands::printer::plain)
        .collect();
    printed.join("\n")
}

pub fn engine(connection: &Connection, track: Track) -> (Engine, Events) {
    let events: Events = Arc::default();
    let sink_events = events.clone();
    let engine = Engine::new(
        connection.client.clone(),
        track,
        Lang::En,
        Box::new(move |e| sink_events.lock().unwrap().push(e)),
    )
    // Every cluster here runs at speed 50 (see `cluster`, `faulty_cluster`).
    .with_time_scale(50.0);
    (engine, events)
}

/// What a run does to enter `stage` (the previous stage's leave steps, this stage's
/// steps, the apply), without waiting for the checks.
pub async fn enter(
    engine: &mut Engine,
    previous: Option<&kubetour::track::Stage>,
    stage: &kubetour::track::Stage,
) -> Vec<kubetour::cluster::apply::Applied> {
    if let Some(p) = previous {
        engine.run_steps(&p.id, &p.on_leave, &[]).await.unwrap();
    }
    engine
        .run_steps(&stage.id, &stage.before, &stage.manifests)
        .await
        .unwrap();
    engine.apply_stage(stage).await.unwrap()
}

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
    let (mut engine, events) = engine(&f.conn, track);
    run_all(&mut engine, &events).await
}

/// Runs the engine's track through stage `through` (no try-its); a failure panics with
/// what was printed.
pub async fn run_through(engine: &mut Engine, events: &Events, through: &str) {
    let options = kubetour::engine::RunOptions {
        try_it: false,
        lang: Lang::En,
    };
    engine
        .run(Some(through), &options)
        .await
        .unwrap_or_else(|e| panic!("{e}\n{}", dump(events)));
}

/// Every telling of observation `id`: (sighting, evidence).
pub fn told(events: &Events, id: &str) -> Vec<(kubetour::engine::events::Sighting, String)> {
    events
        .lock()
        .unwrap()
        .iter()
        .filter_map(|e| match e {
            EngineEvent::Observation {
                id: i,
                sighting,
                evidence,
                ..
            } if i == id => Some((*sighting, evidence.clone())),
            _ => None,
        })
        .collect()
}

async fn create<K>(api: Api<K>, object: Value)
where
    K: kube::Resource + Clone + serde::de::DeserializeOwned + serde::Serialize + std::fmt::Debug,
{
    let k: K = serde_json::from_value(object).unwrap();
    api.create(&PostParams::default(), &k).await.unwrap();
}

/// A service account `learner` that may do everything a track's stages need in `emqx`
/// except `refused` (a pod subresource: `pods/exec`, `pods/portforward`); its token.
/// The simulated API server's own RBAC enforces it, as a real cluster's policy would.
pub async fn learner_without(sim: &Sim, refused: &str) -> String {
    let admin = sim.client();
    create::<Namespace>(
        Api::all(admin.clone()),
        json!({"metadata": {"name": "emqx"}}),
    )
    .await;
    create::<ServiceAccount>(
        Api::namespaced(admin.clone(), "emqx"),
        json!({"metadata": {"name": "learner"}}),
    )
    .await;
    let all = [
        "get", "list", "watch", "create", "patch", "update", "delete",
    ];
    let namespaced: Vec<&str> = [
        "pods",
        "pods/log",
        "pods/exec",
        "pods/portforward",
        "pods/proxy",
        "services",
        "services/proxy",
        "endpoints",
        "events",
        "persistentvolumeclaims",
        "configmaps",
        "serviceaccounts",
    ]
    .into_iter()
    .filter(|r| *r != refused)
    .collect();
    create::<Role>(
        Api::namespaced(admin.clone(), "emqx"),
        json!({"metadata": {"name": "learner"}, "rules": [
            {"apiGroups": [""], "resources": namespaced, "verbs": all},
            {"apiGroups": ["apps"], "resources": ["deployments", "replicasets", "statefulsets"], "verbs": all},
            {"apiGroups": ["rbac.authorization.k8s.io"], "resources": ["roles", "rolebindings"], "verbs": all},
            {"apiGroups": ["events.k8s.io"], "resources": ["events"], "verbs": all}
        ]}),
    )
    .await;
    let subject = json!([{"kind": "ServiceAccount", "name": "learner", "namespace": "emqx"}]);
    create::<RoleBinding>(
        Api::namespaced(admin.clone(), "emqx"),
        json!({"metadata": {"name": "learner"}, "subjects": subject,
               "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "learner"}}),
    )
    .await;
    create::<ClusterRole>(
        Api::all(admin.clone()),
        json!({"metadata": {"name": "learner"}, "rules": [
            {"apiGroups": [""], "resources": ["namespaces", "nodes"], "verbs": ["get", "list"]},
            {"apiGroups": ["storage.k8s.io"], "resources": ["storageclasses"], "verbs": ["get", "list"]}
        ]}),
    )
    .await;
    create::<ClusterRoleBinding>(
        Api::all(admin.clone()),
        json!({"metadata": {"name": "learner"}, "subjects": subject,
               "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "learner"}}),
    )
    .await;
    sim.api_state().world.tokens.issue("emqx", "learner")
}

/// A simulated cluster served on loopback, reached through a kubeconfig as the service
/// account of [`learner_without`]`(refused)`: what a real cluster's RBAC policy looks like
/// to kubetour. The directory holds the kubeconfig (and whatever the test writes there).
pub async fn as_learner_without(refused: &str) -> (Sim, Served, tempfile::TempDir, Connection) {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let sim = Sim::start(SimConfig {
        speed: 50.0,
        ..SimConfig::default()
    });
    let token = learner_without(&sim, refused).await;
    let served = kubetour_sim::api::tls::serve(sim.router(), ([127, 0, 0, 1], 0).into()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let kubeconfig = dir.path().join("kubeconfig");
    let text = kubetour_sim::api::kubeconfig::render(served.addr, &served.ca_pem, &token).unwrap();
    std::fs::write(&kubeconfig, text).unwrap();
    let conn = connect::connect(Some(&kubeconfig), None, "emqx", false)
        .await
        .unwrap();
    (sim, served, dir, conn)
}
