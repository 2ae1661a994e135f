//! `kubetour stages` and `kubetour export` driven through the binary, as a user runs them.

use crate::support::run as kubetour;

#[test]
fn stages_lists_one_line_per_stage_in_either_language() {
    let (code, en, _) = kubetour(&["stages"]);
    assert_eq!(code, 0);
    let lines: Vec<&str> = en.lines().collect();
    assert_eq!(lines.len(), 10, "{en}");
    assert!(lines[0].starts_with(" 0  preflight"), "{en}");
    assert!(lines[9].starts_with(" 9  persistence"), "{en}");
    let (code, zh, _) = kubetour(&["stages", "--lang", "zh", "--track", "stages/emqx"]);
    assert_eq!(code, 0);
    assert!(zh.contains("StatefulSet"), "{zh}");
    assert_ne!(en, zh);
}

#[test]
fn stages_refuses_an_unknown_language_and_track() {
    let (code, _, err) = kubetour(&["stages", "--lang", "fr"]);
    assert_eq!(code, 2);
    assert!(err.contains("--lang en"), "{err}");
    let (code, _, err) = kubetour(&["stages", "--track", "nope"]);
    assert_eq!(code, 2);
    assert!(err.contains("Use one of: emqx, production, quick"), "{err}");
}

#[test]
fn export_prints_yaml_that_parses_back_into_the_objects_to_apply() {
    let (code, out, _) = kubetour(&["export", "--emqx", "4", "-n", "lab", "--through", "rbac"]);
    assert_eq!(code, 0);
    let kinds: Vec<String> = kubetour::yaml::split_documents(&out)
        .iter()
        .map(|d| {
            kubetour::yaml::to_json(&d.text, d.start_line).unwrap()["kind"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    assert_eq!(
        kinds,
        [
            "Namespace",
            "Service",
            "ServiceAccount",
            "Role",
            "RoleBinding",
            "Deployment"
        ]
    );
    assert!(out.contains("namespace: lab"), "{out}");
    assert!(out.contains("image: emqx/emqx:4.4.19"), "{out}");
}

#[test]
fn export_of_one_stage_prints_only_what_it_applies() {
    let (code, out, _) = kubetour(&["export", "--stage", "statefulset"]);
    assert_eq!(code, 0);
    let docs = kubetour::yaml::split_documents(&out);
    assert_eq!(docs.len(), 3, "{out}");
    assert!(!out.contains("kind: Namespace"));
}
