//! The tutorials' pitfalls met on a running cluster: the engine names the cause.

use std::path::Path;

use crate::support::{cluster, engine as new_engine, load_track};
use kubetour::engine::RunOptions;
use kubetour::engine::events::EngineEvent;
use kubetour::track::Lang;

/// The shipped EMQX track, copied, with `edit` applied to one stage file's text.
pub fn edited_track(file: &str, edit: impl Fn(&str) -> String) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("stages/emqx");
    for entry in std::fs::read_dir(&src).unwrap() {
        let path = entry.unwrap().path();
        let mut text = std::fs::read_to_string(&path).unwrap();
        if path.file_name().unwrap() == file {
            let edited = edit(&text);
            assert_ne!(edited, text, "the edit changed nothing in {file}");
            text = edited;
        }
        std::fs::write(dir.path().join(path.file_name().unwrap()), text).unwrap();
    }
    dir
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn p06_a_configmap_without_the_discovery_strategy_is_named_when_the_nodes_stay_alone() {
    let dir = edited_track("07-configmap.yaml", |t| {
        t.replace("  ${discovery_key}: k8s\n", "")
    });
    let (_sim, conn) = cluster(true).await;
    let (mut engine, events) = new_engine(&conn, load_track(dir.path(), "5"));
    let options = RunOptions {
        try_it: false,
        lang: Lang::En,
    };
    let err = engine
        .run(Some("configmap"), &options)
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("stage `configmap`"), "{err}");
    let events = events.lock().unwrap().clone();
    let diagnoses: Vec<_> = events
        .iter()
        .filter_map(|e| match e {
            EngineEvent::CheckFailed {
                stage, diagnoses, ..
            } if stage == "configmap" => Some(diagnoses.clone()),
            _ => None,
        })
        .flatten()
        .collect();
    let d = diagnoses
        .iter()
        .find(|d| d.line.contains("EMQX_CLUSTER__DISCOVERY_STRATEGY"))
        .unwrap_or_else(|| panic!("no diagnosis names the missing strategy: {diagnoses:#?}"));
    assert!(
        d.line.contains(
            "set in neither ConfigMap emqx-config nor the env of Deployment emqx-deployment"
        ),
        "{d:#?}"
    );
    // The k8s settings that are there are not reported missing.
    assert!(
        !d.line.contains("EMQX_CLUSTER__K8S__SERVICE_NAME"),
        "{d:#?}"
    );
    assert!(
        d.explanation.contains("discovery is not turned on"),
        "{d:#?}"
    );
    assert!(d.explanation.contains("rollout restart"), "{d:#?}");
}
