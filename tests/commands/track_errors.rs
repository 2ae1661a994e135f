//! Bad input anywhere is one paragraph naming file, line (and stage and manifest where
//! they apply) and what to do; never a panic.

use std::path::{Path, PathBuf};

use kubetour::track::export::{Selection, export};
use kubetour::track::{RenderOptions, TrackError, load};

const TRACK: &str = r#"name: t
title: {en: Test, zh: 测试}
defaults: {namespace: emqx, profile: "5"}
profiles:
  "5": {image: "emqx/emqx:5.8.9", version: 5.8.9, ctl: [emqx, ctl], status_port: 18083, data_dir: /opt/emqx/data}
  "4": {image: "emqx/emqx:4.4.19", version: 4.4.19, ctl: [emqx_ctl], status_port: 8081, data_dir: /opt/emqx/data}
"#;

const HEADER: &str = "id: deployment\ntitle: {en: D, zh: D}\nnarration: {en: N, zh: N}\n";

const DEPLOYMENT: &str = "apiVersion: apps/v1
kind: Deployment
metadata:
  name: emqx-deployment
spec:
  replicas: 1
  selector:
    matchLabels: {app: emqx}
  template:
    metadata:
      labels: {app: emqx}
    spec:
      containers:
        - name: emqx
          image: ${image}
";

/// A track directory holding one stage file with `stage` as its text.
fn track_with(stage: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("track.yaml"), TRACK).unwrap();
    let file = dir.path().join("02-deployment.yaml");
    std::fs::write(&file, stage).unwrap();
    (dir, file)
}

fn load_err(stage: &str) -> (String, PathBuf, tempfile::TempDir) {
    let (dir, file) = track_with(stage);
    let err: TrackError = load(dir.path(), &RenderOptions::default()).unwrap_err();
    (err.to_string(), file, dir)
}

fn one_paragraph(msg: &str) {
    assert!(!msg.contains('\n'), "not one paragraph: {msg}");
    assert!(
        msg.ends_with('.') || msg.ends_with('?'),
        "not a sentence: {msg}"
    );
}

#[test]
fn a_well_formed_stage_loads() {
    let (dir, _) = track_with(&format!("{HEADER}---\n{DEPLOYMENT}"));
    let track = load(dir.path(), &RenderOptions::default()).unwrap();
    assert_eq!(track.stages[0].manifests[0].name, "emqx-deployment");
}

#[test]
fn an_unknown_header_field_names_file_line_stage_and_the_likely_field() {
    let (msg, file, _d) =
        load_err("id: deployment\ntitle: {en: D, zh: D}\nnarations: {en: N, zh: N}\n");
    assert!(
        msg.starts_with(&format!(
            "{}:3: stage `deployment`: unknown field `narations`, expected one of",
            file.display()
        )),
        "{msg}"
    );
    assert!(msg.ends_with("Did you mean `narration`?"), "{msg}");
    one_paragraph(&msg);
}

#[test]
fn an_unknown_manifest_field_names_stage_manifest_line_and_suggests_the_right_one() {
    let stage = format!(
        "{HEADER}---\n{}",
        DEPLOYMENT.replace("  replicas: 1", "  replica: 1")
    );
    let (msg, file, _d) = load_err(&stage);
    // The manifest starts on line 5; `replica` is its 6th line.
    assert_eq!(
        msg,
        format!(
            "{}:10: stage `deployment`, manifest 1 (Deployment emqx-deployment): unknown field `replica` (at `spec.replica`). Did you mean `replicas`?",
            file.display()
        )
    );
}

#[test]
fn bad_yaml_in_a_manifest_names_its_line_in_the_whole_file() {
    let stage = format!("{HEADER}---\napiVersion: v1\nkind: ConfigMap\nmetadata: {{name: [x\n");
    let (msg, file, _d) = load_err(&stage);
    let prefix = format!("{}:", file.display());
    assert!(msg.starts_with(&prefix), "{msg}");
    let line: usize = msg[prefix.len()..]
        .split(':')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    assert!((7..=8).contains(&line), "line {line}: {msg}");
    assert!(msg.contains("stage `deployment`, manifest 1"), "{msg}");
    one_paragraph(&msg);
}

#[test]
fn a_manifest_without_a_name_says_where_to_put_one() {
    let stage = format!(
        "{HEADER}---\n{}",
        DEPLOYMENT.replace("  name: emqx-deployment\n", "  labels: {app: emqx}\n")
    );
    let (msg, file, _d) = load_err(&stage);
    assert!(
        msg.starts_with(&format!(
            "{}:7: stage `deployment`, manifest 1 (Deployment <no name>): missing `metadata.name`",
            file.display()
        )),
        "{msg}"
    );
    assert!(msg.contains("Give the object a name"), "{msg}");
}

#[test]
fn an_unknown_variable_names_its_line_and_the_known_ones() {
    let stage = format!(
        "{HEADER}---\n{}",
        DEPLOYMENT.replace("${image}", "${imgae}")
    );
    let (msg, file, _d) = load_err(&stage);
    assert!(
        msg.starts_with(&format!("{}:19: stage `deployment`", file.display())),
        "{msg}"
    );
    assert!(
        msg.contains("unknown template variable `${imgae}`"),
        "{msg}"
    );
    assert!(msg.contains("image"), "{msg}");
}

#[test]
fn an_unknown_profile_lists_the_valid_ones() {
    let (dir, _) = track_with(&format!("{HEADER}---\n{DEPLOYMENT}"));
    let opts = RenderOptions {
        profile: Some("6".into()),
        ..RenderOptions::default()
    };
    let msg = load(dir.path(), &opts).unwrap_err().to_string();
    assert!(
        msg.ends_with(
            "track.yaml: unknown EMQX profile `6`. Choose one of: 4, 5 (e.g. `--emqx 5`)."
        ),
        "{msg}"
    );
}

#[test]
fn an_unknown_stage_id_lists_the_valid_ones() {
    let track = load(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("stages/emqx"),
        &RenderOptions::default(),
    )
    .unwrap();
    let msg = export(&track, &Selection::Stage("statefullset".into()))
        .unwrap_err()
        .to_string();
    assert_eq!(
        msg,
        "track `emqx` has no stage `statefullset`. Use one of: preflight, pod, deployment, service, scale, autocluster, rbac, configmap, statefulset, persistence"
            .to_string()
            + "."
    );
}

#[test]
fn a_check_needing_pods_without_any_is_refused_at_its_line() {
    let stage = format!("{HEADER}checks:\n  - pods_ready: {{count: 3}}\n---\n{DEPLOYMENT}");
    let (msg, file, _d) = load_err(&stage);
    assert!(
        msg.starts_with(&format!(
            "{}:5: stage `deployment`: `pods_ready` needs exactly one of `pod` or `selector`",
            file.display()
        )),
        "{msg}"
    );
}

#[test]
fn a_hint_pointing_at_a_missing_stage_is_refused() {
    let stage = format!(
        "{HEADER}hints:\n  - source: logs\n    pattern: x\n    explain: {{en: e, zh: e}}\n    fixed_by: rbca\n---\n{DEPLOYMENT}"
    );
    let (msg, file, _d) = load_err(&stage);
    assert!(
        msg.starts_with(&format!(
            "{}:8: stage `deployment`: hint names stage `rbca`",
            file.display()
        )),
        "{msg}"
    );
}

#[test]
fn the_cli_prints_one_paragraph_and_exits_2_without_a_backtrace() {
    let out = crate::support::kubetour(&["export", "--through", "nope", "--emqx", "4"])
        .env("RUST_BACKTRACE", "1")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.starts_with("error: track `emqx` has no stage `nope`. Use one of: preflight,"),
        "{stderr}"
    );
    assert!(out.stdout.is_empty());
}

#[test]
fn a_delete_step_may_wait_or_not_and_a_bad_duration_is_named() {
    use kubetour::track::{Kind, Step};
    use std::time::Duration;
    let steps = "before:\n  - delete: {kind: Pod, name: a, wait: false}\n  - delete: {kind: Pod, name: b, wait: 3m}\n";
    let (dir, _) = track_with(&format!("{HEADER}{steps}---\n{DEPLOYMENT}"));
    let track = load(dir.path(), &RenderOptions::default()).unwrap();
    assert_eq!(
        track.stages[0].before,
        [
            Step::Delete {
                kind: Kind::Pod,
                name: "a".into(),
                wait_gone: None
            },
            Step::Delete {
                kind: Kind::Pod,
                name: "b".into(),
                wait_gone: Some(Duration::from_secs(180))
            },
        ]
    );
    let (msg, file, _d) = load_err(&format!(
        "{HEADER}before:\n  - delete: {{kind: Pod, name: a, wait: soon}}\n"
    ));
    assert!(
        msg.starts_with(&format!(
            "{}:5: stage `deployment`: `soon` is not a duration",
            file.display()
        )),
        "{msg}"
    );
    let (msg, _, _d) = load_err(&format!(
        "{HEADER}before:\n  - delete: {{kind: Secret, name: a}}\n"
    ));
    assert!(
        msg.contains("a step cannot delete kind `Secret`. Use one of: Pod, Deployment"),
        "{msg}"
    );
}

/// A stage file whose observation O4 has these extra lines (under `- id: O4`).
fn with_observation(lines: &str) -> String {
    format!(
        "{HEADER}observations:\n  - id: O4\n    text: {{en: Seen, zh: 看见}}\n{lines}---\n{DEPLOYMENT}"
    )
}

#[test]
fn an_observation_that_nothing_sees_is_refused_with_where_to_say_how() {
    let (msg, file, _d) = load_err(&with_observation(""));
    assert!(
        msg.starts_with(&format!("{}:5: stage `deployment`", file.display())),
        "{msg}"
    );
    assert!(
        msg.contains("observation O4 says nothing about how it is seen"),
        "{msg}"
    );
    assert!(msg.contains("`seen_by`"), "{msg}");
    one_paragraph(&msg);
}

#[test]
fn a_witness_with_a_timeout_is_refused_because_nothing_waits_for_it() {
    let (msg, _file, _d) = load_err(&with_observation(
        "    seen_by:\n      - deployment_complete: {name: emqx-deployment, timeout: 1m}\n",
    ));
    assert!(msg.contains("takes no timeout"), "{msg}");
    one_paragraph(&msg);
}

#[test]
fn a_watch_history_witness_under_checks_is_refused_with_where_it_belongs() {
    let stage = format!(
        "{HEADER}checks:\n  - ordered_start: {{statefulset: emqx-statefulset}}\n---\n{DEPLOYMENT}"
    );
    let (msg, _file, _d) = load_err(&stage);
    assert!(msg.contains("cannot be waited for"), "{msg}");
    assert!(msg.contains("seen_by"), "{msg}");
    one_paragraph(&msg);
}

#[test]
fn an_observation_with_its_witnesses_loads() {
    let (dir, _) = track_with(&with_observation(
        "    seen_by:\n      - deployment_complete: {name: emqx-deployment}\n",
    ));
    let track = load(dir.path(), &RenderOptions::default()).unwrap();
    assert_eq!(track.stages[0].observations[0].seen_by.len(), 1);
}

/// A try-it block for the deployment stage with this action and expectation.
fn with_try_it(action: &str, expect: &str) -> String {
    format!(
        "{HEADER}try_it:\n  - title: {{en: T, zh: T}}\n    command: kubectl set image\n    action: {action}\n    expect: {expect}\n---\n{DEPLOYMENT}"
    )
}

#[test]
fn set_image_can_only_expect_a_crash_loop_and_deleting_a_pod_cannot() {
    let set_image = "{set_image: {deployment: emqx-deployment, image: 'emqx/emqx:5.9.0'}}";
    let (dir, _) = track_with(&with_try_it(set_image, "crash_loop"));
    let track = load(dir.path(), &RenderOptions::default()).unwrap();
    assert_eq!(
        track.stages[0].try_it[0].action.to_string(),
        "set image emqx/emqx:5.9.0 on Deployment emqx-deployment: its new pods crash-loop, the old ones keep running"
    );

    let (msg, file, _d) = load_err(&with_try_it(set_image, "gone"));
    assert!(
        msg.starts_with(&format!(
            "{}:7: stage `deployment`: `set_image` can only expect `crash_loop`",
            file.display()
        )),
        "{msg}"
    );
    one_paragraph(&msg);

    let (msg, file, _d) = load_err(&with_try_it(
        "{delete_pod: {selector: app=emqx}}",
        "crash_loop",
    ));
    assert!(
        msg.starts_with(&format!(
            "{}:8: stage `deployment`: `delete_pod` cannot expect `crash_loop`",
            file.display()
        )),
        "{msg}"
    );
    one_paragraph(&msg);
}
