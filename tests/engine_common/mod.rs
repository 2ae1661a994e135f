//! Shared set-up for engine tests: the embedded simulated cluster reached through its
//! kubeconfig (the same path a real cluster takes), a rendered track, an engine whose
//! events are collected for assertions.
#![allow(dead_code)]

use std::path::Path;
use std::sync::{Arc, Mutex};

use kubetour::cluster::connect::{self, Connection};
use kubetour::commands::embedded::Embedded;
use kubetour::engine::Engine;
use kubetour::engine::events::EngineEvent;
use kubetour::track::{self, Lang, RenderOptions, Track};

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
    // The embedded cluster runs at speed 50 (see `cluster`).
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
