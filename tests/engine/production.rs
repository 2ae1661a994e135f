//! The production track (DNS discovery, cores and replicants, a rolling update) run by the
//! engine on the embedded simulated cluster: every observation seen with its evidence,
//! and O25 (one core down at a time) told as not seen when the cores go down together.

use std::path::Path;

use crate::support::{cluster, dump, engine as new_engine, load_track, told};
use kubetour::engine::RunOptions;
use kubetour::engine::events::{EngineEvent, Sighting};
use kubetour::track::{self, Lang, Track};

fn production_dir() -> std::path::PathBuf {
    track::resolve::track_dir("production").expect("the production track is shipped")
}

/// The shipped production track.yaml with the shipped stages named and these written ones.
fn production_with(dir: &Path, shipped: &[&str], written: &[(&str, String)]) -> Track {
    let from = production_dir();
    let tdir = dir.join("production");
    std::fs::create_dir_all(&tdir).unwrap();
    for file in std::iter::once(&"track.yaml").chain(shipped) {
        std::fs::copy(from.join(file), tdir.join(file)).unwrap();
    }
    for (name, text) in written {
        std::fs::write(tdir.join(name), text).unwrap();
    }
    load_track(&tdir, "5")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn o25_the_production_track_passes_and_the_rolling_update_keeps_two_of_three_cores_ready() {
    let (_sim, conn) = cluster(true).await;
    let (mut engine, events) = new_engine(&conn, load_track(&production_dir(), "5"));
    let options = RunOptions {
        try_it: true,
        lang: Lang::En,
    };
    let result = engine.run(None, &options).await;
    assert!(result.is_ok(), "{result:?}\n{}", dump(&events));
    for o in [
        "O5", "O10", "O15", "O16", "O17", "O18", "O21", "O23", "O25", "O26",
    ] {
        let told = told(&events, o);
        assert!(!told.is_empty(), "{o} was never told\n{}", dump(&events));
        for (sighting, evidence) in told {
            assert_eq!(sighting, Sighting::Seen, "{o}: {evidence}");
        }
    }
    let (_, o25) = &told(&events, "O25")[0];
    // Three pods replaced: three dips to 2, each back to 3, never below.
    assert_eq!(o25.matches("3 → 2").count(), 3, "{o25}");
    assert!(o25.contains("never fewer than 2 of 3"), "{o25}");
    let try_its: Vec<bool> = events
        .lock()
        .unwrap()
        .iter()
        .filter_map(|e| match e {
            EngineEvent::TryIt { ok, .. } => Some(*ok),
            _ => None,
        })
        .collect();
    assert_eq!(try_its, [true, true, true], "{}", dump(&events));
    // The new replicant on 5.9 crashed on its licence, twice, while both old ones stayed
    // Ready; then the image was set back.
    let (_, o26) = &told(&events, "O26")[0];
    assert!(o26.contains("after 2 restart(s)"), "{o26}");
    assert!(o26.contains("old pods Ready: 2 of 2"), "{o26}");
    assert!(
        o26.contains("\"SINGLE_NODE_LICENSE, make sure this node"),
        "{o26}"
    );
    assert!(o26.ends_with("image set back, rolled out again"), "{o26}");
}

/// The rolling-update stage's header and observation, but the cores are deleted together
/// before the new template is applied: not one at a time, and told so.
fn all_cores_at_once() -> String {
    let shipped = std::fs::read_to_string(production_dir().join("03-rolling-update.yaml")).unwrap();
    let (_, manifest) = shipped.split_once("\n---").unwrap();
    format!(
        "id: all-at-once\ntitle: {{en: All cores at once, zh: 所有 core 一起}}\n\
         narration: {{en: All at once., zh: 一起。}}\n\
         before:\n\
         {deletes}\
         checks:\n  - statefulset_ready: {{name: emqx-core, timeout: 8m}}\n\
         observations:\n  - id: O25\n    text: {{en: One at a time., zh: 一次一个。}}\n\
         \x20   seen_by:\n      - one_down_at_a_time: {{statefulset: emqx-core}}\n---{manifest}",
        deletes = (0..3)
            .map(|i| format!("  - delete: {{kind: Pod, name: emqx-core-{i}, wait: false}}\n"))
            .collect::<String>()
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn o25_cores_that_go_down_together_are_told_as_not_one_at_a_time() {
    let (_sim, conn) = cluster(true).await;
    let dir = tempfile::tempdir().unwrap();
    let track = production_with(
        dir.path(),
        &["00-preflight.yaml", "01-cores.yaml"],
        &[("03-all-at-once.yaml", all_cores_at_once())],
    );
    let (mut engine, events) = new_engine(&conn, track);
    let options = RunOptions {
        try_it: false,
        lang: Lang::En,
    };
    let result = engine.run(None, &options).await;
    assert!(result.is_ok(), "{result:?}\n{}", dump(&events));
    let o25 = told(&events, "O25");
    assert_eq!(o25.len(), 1, "{}", dump(&events));
    let (sighting, evidence) = &o25[0];
    assert_ne!(*sighting, Sighting::Seen, "{evidence}");
    assert!(evidence.contains("of 3 pods were Ready"), "{evidence}");
}
