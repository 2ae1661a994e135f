//! `kubetour export` for every stage and both EMQX profiles, parsed back and compared
//! with the reviewed golden files under tests/golden/. Regenerate them with
//! `UPDATE_GOLDEN=1 cargo test --test commands export::`, then read the diff before committing:
//! the golden files are the reviewed truth of what kubetour applies.

use std::path::{Path, PathBuf};

use kubetour::track::export::{Selection, export};
use kubetour::track::{RenderOptions, load};

const TRACKS: [&str; 2] = ["emqx", "quick"];
const PROFILES: [&str; 2] = ["5", "4"];

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn parse_all(text: &str, what: &str) -> Vec<serde_json::Value> {
    kubetour::yaml::split_documents(text)
        .iter()
        .map(|d| {
            kubetour::yaml::to_json(&d.text, d.start_line)
                .unwrap_or_else(|e| panic!("{what}: not valid YAML: {e}"))
        })
        .collect()
}

fn check_golden(path: &Path, actual: &str, failures: &mut Vec<String>) {
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, actual).unwrap();
        return;
    }
    let Ok(expected) = std::fs::read_to_string(path) else {
        failures.push(format!(
            "{} is missing (run with UPDATE_GOLDEN=1)",
            path.display()
        ));
        return;
    };
    let what = path.display().to_string();
    if parse_all(actual, &what) != parse_all(&expected, &what) {
        failures.push(format!(
            "{what}: the exported objects differ from the golden file"
        ));
    } else if actual != expected {
        failures.push(format!(
            "{what}: same objects, different text (comments or layout)"
        ));
    }
}

/// Every exported object must be ready for `kubectl apply -f -` into the namespace,
/// and carry kubetour's labels so that teardown finds it.
fn check_objects(text: &str, namespace: &str, what: &str) {
    for obj in parse_all(text, what) {
        let kind = obj["kind"]
            .as_str()
            .unwrap_or_else(|| panic!("{what}: object without kind"));
        assert!(
            obj["apiVersion"].is_string(),
            "{what}: {kind} without apiVersion"
        );
        assert!(
            obj["metadata"]["name"].is_string(),
            "{what}: {kind} without name"
        );
        let labels = &obj["metadata"]["labels"];
        assert_eq!(
            labels["app.kubernetes.io/managed-by"], "kubetour",
            "{what}: {kind}"
        );
        if kind != "Namespace" {
            assert_eq!(obj["metadata"]["namespace"], namespace, "{what}: {kind}");
            assert!(
                labels["kubetour.io/stage"].is_string(),
                "{what}: {kind} without stage label"
            );
        }
    }
}

#[test]
fn every_stage_and_profile_exports_exactly_the_golden_manifests() {
    let mut failures = Vec::new();
    let mut count = 0;
    for track_name in TRACKS {
        let dir = root().join("stages").join(track_name);
        for profile in PROFILES {
            let opts = RenderOptions {
                profile: Some(profile.into()),
                ..RenderOptions::default()
            };
            let track = load(&dir, &opts).unwrap_or_else(|e| panic!("{e}"));
            for stage in &track.stages {
                for (label, selection) in [
                    ("stage", Selection::Stage(stage.id.clone())),
                    ("through", Selection::Through(Some(stage.id.clone()))),
                ] {
                    let text = export(&track, &selection).unwrap();
                    let name = format!("{:02}-{}.{label}.yaml", stage.index, stage.id);
                    let path: PathBuf = root()
                        .join("tests/golden")
                        .join(track_name)
                        .join(format!("emqx{profile}"))
                        .join(name);
                    check_objects(&text, "emqx", &path.display().to_string());
                    check_golden(&path, &text, &mut failures);
                    count += 1;
                }
            }
        }
    }
    assert!(count >= 2 * 2 * 10, "only {count} exports compared");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn the_last_stage_is_the_default_and_the_quick_track_applies_the_same_objects() {
    let opts = RenderOptions::default();
    let emqx = load(&root().join("stages/emqx"), &opts).unwrap();
    let quick = load(&root().join("stages/quick"), &opts).unwrap();
    let full = export(&emqx, &Selection::Through(None)).unwrap();
    assert_eq!(
        full,
        export(&emqx, &Selection::Through(Some("persistence".into()))).unwrap()
    );
    // Same objects, apart from the labels naming track and stage.
    fn strip_labels(v: &mut serde_json::Value) {
        match v {
            serde_json::Value::Object(map) => {
                map.remove("kubetour.io/track");
                map.remove("kubetour.io/stage");
                map.values_mut().for_each(strip_labels);
            }
            serde_json::Value::Array(items) => items.iter_mut().for_each(strip_labels),
            _ => {}
        }
    }
    let strip = |text: &str| {
        let mut docs = parse_all(text, "export");
        docs.iter_mut().for_each(strip_labels);
        docs
    };
    assert_eq!(
        strip(&full),
        strip(&export(&quick, &Selection::Through(None)).unwrap())
    );
}

#[test]
fn namespace_and_image_overrides_reach_every_object() {
    let opts = RenderOptions {
        profile: Some("4".into()),
        namespace: Some("workshop-7".into()),
        image: Some("registry.local/emqx/emqx:4.4.19".into()),
    };
    let track = load(&root().join("stages/emqx"), &opts).unwrap();
    let text = export(&track, &Selection::Through(None)).unwrap();
    check_objects(&text, "workshop-7", "override");
    assert!(
        text.contains("image: registry.local/emqx/emqx:4.4.19"),
        "{text}"
    );
    assert!(!text.contains("image: emqx/emqx"), "{text}");
    assert!(
        text.contains("EMQX_CLUSTER__K8S__NAMESPACE: workshop-7"),
        "{text}"
    );
}
