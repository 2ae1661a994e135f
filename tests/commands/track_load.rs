//! Every shipped stage file loads, for both EMQX profiles, and says what the lesson
//! needs it to say (SPEC.md's stage table and observations; EMQX.md's settings).

use std::path::Path;

use kubetour::track::{
    Condition, Kind, Lang, ObservationId, PodFate, RenderOptions, Step, Track, TryAction, load,
};

fn track(name: &str, profile: &str) -> Track {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("stages")
        .join(name);
    let opts = RenderOptions {
        profile: Some(profile.into()),
        ..RenderOptions::default()
    };
    load(&dir, &opts).unwrap_or_else(|e| panic!("{name} / {profile}: {e}"))
}

fn manifest<'a>(t: &'a Track, stage: &str, kind: &str) -> &'a kubetour::track::Manifest {
    t.stage(stage)
        .unwrap()
        .manifests
        .iter()
        .find(|m| m.kind == kind)
        .unwrap()
}

#[test]
fn every_shipped_stage_file_loads_for_both_profiles() {
    for profile in ["5", "4"] {
        let emqx = track("emqx", profile);
        assert_eq!(
            emqx.stage_ids(),
            [
                "preflight",
                "pod",
                "deployment",
                "service",
                "scale",
                "autocluster",
                "rbac",
                "configmap",
                "statefulset",
                "persistence"
            ]
        );
        assert_eq!(track("quick", profile).stage_ids(), ["preflight", "quick"]);
        for stage in &emqx.stages {
            for lang in [Lang::En, Lang::Zh] {
                assert!(
                    !stage.title.get(lang).is_empty() && !stage.narration.get(lang).is_empty(),
                    "{}",
                    stage.id
                );
            }
            assert!(
                !stage.commands.is_empty(),
                "{} shows no kubectl commands",
                stage.id
            );
            assert!(
                stage.commands.iter().all(|c| !c.contains("${")),
                "{}: untemplated command",
                stage.id
            );
            assert!(!stage.checks.is_empty(), "{} has no checks", stage.id);
        }
    }
}

#[test]
fn the_emqx_track_tells_all_twenty_observations_the_parallel_start_and_delivery() {
    let t = track("emqx", "5");
    let mut seen: Vec<ObservationId> = t
        .stages
        .iter()
        .flat_map(|s| s.observations.iter().map(|o| o.id))
        .collect();
    seen.sort();
    seen.dedup();
    assert_eq!(seen, (1..=24).map(ObservationId).collect::<Vec<_>>());
}

#[test]
fn profiles_differ_in_data_not_in_stage_files() {
    let (five, four) = (track("emqx", "5"), track("emqx", "4"));
    assert_eq!(five.profile.image, "emqx/emqx:5.8.9");
    assert_eq!(four.profile.image, "emqx/emqx:4.4.19");
    assert_eq!(
        (five.profile.ctl.join(" "), four.profile.ctl.join(" ")),
        ("emqx ctl".into(), "emqx_ctl".into())
    );
    assert_eq!(
        (five.profile.status_port, four.profile.status_port),
        (18083, 8081)
    );
    let env = |t: &Track| {
        manifest(t, "autocluster", "Deployment").to_json()["spec"]["template"]["spec"]["containers"]
            [0]["env"]
            .clone()
    };
    let names = |t: &Track| -> Vec<String> {
        env(t)
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["name"].as_str().unwrap().to_string())
            .collect()
    };
    assert!(names(&five).contains(&"EMQX_CLUSTER__DISCOVERY_STRATEGY".into()));
    assert!(
        !names(&five)
            .iter()
            .any(|n| n == "EMQX_CLUSTER__K8S__APP_NAME" || n == "EMQX_CLUSTER__DISCOVERY")
    );
    for n in [
        "EMQX_CLUSTER__DISCOVERY",
        "EMQX_NAME",
        "EMQX_CLUSTER__K8S__APP_NAME",
    ] {
        assert!(names(&four).contains(&n.into()), "{n} missing on EMQX 4");
    }
    let ports = |t: &Track| {
        manifest(t, "deployment", "Deployment").to_json()["spec"]["template"]["spec"]["containers"]
            [0]["ports"]
            .clone()
    };
    assert!(ports(&four).to_string().contains("\"mgmt\""));
    assert!(!ports(&five).to_string().contains("8081"));
}

#[test]
fn the_bare_pod_is_not_selected_by_later_stages_and_is_removed_when_moving_on() {
    let t = track("emqx", "5");
    let pod = manifest(&t, "pod", "Pod").to_json();
    assert_eq!(pod["metadata"]["labels"]["run"], "emqx");
    assert!(pod["metadata"]["labels"]["app"].is_null());
    let stage = t.stage("pod").unwrap();
    assert_eq!(
        stage.on_leave,
        vec![Step::Delete {
            kind: Kind::Pod,
            name: "emqx".into(),
            wait_gone: Some(std::time::Duration::from_secs(120))
        }]
    );
    assert!(matches!(
        stage.try_it[0].action,
        TryAction::DeletePod {
            expect: PodFate::Gone,
            ..
        }
    ));
}

#[test]
fn stage_5_expects_the_403_and_points_at_rbac() {
    let t = track("emqx", "5");
    let stage = t.stage("autocluster").unwrap();
    let dep = manifest(&t, "autocluster", "Deployment").to_json();
    assert!(
        dep["spec"]["template"]["spec"]["serviceAccountName"].is_null(),
        "stage 5 must fail with 403"
    );
    assert!(stage.checks.iter().any(|c| matches!(&c.condition, Condition::LogLine { pattern, .. } if pattern.0.is_match("Ekka(AutoCluster): Discovery error: {403,#Ref<0.1.2.3>}"))));
    assert!(
        stage
            .checks
            .iter()
            .any(|c| matches!(c.condition, Condition::EmqxIslands { count: 3, .. }))
    );
    let hint = stage
        .hints
        .iter()
        .find(|h| h.fixed_by.as_deref() == Some("rbac"))
        .unwrap();
    assert!(
        hint.pattern.0.is_match(
            r#"[error] Ekka(AutoCluster): Discovery error: {403,"{\"kind\":\"Status\"}"}"#
        )
    );
}

#[test]
fn rbac_is_v1_and_grants_only_reading_endpoints() {
    let t = track("emqx", "5");
    let role = manifest(&t, "rbac", "Role");
    assert_eq!(role.api_version, "rbac.authorization.k8s.io/v1");
    let rules = &role.to_json()["rules"];
    assert_eq!(
        rules,
        &serde_json::json!([{"apiGroups": [""], "resources": ["endpoints"], "verbs": ["get", "watch", "list"]}])
    );
    let dep = manifest(&t, "rbac", "Deployment").to_json();
    assert_eq!(
        dep["spec"]["template"]["spec"]["serviceAccountName"],
        "emqx"
    );
}

#[test]
fn the_statefulset_stages_use_the_headless_service_and_hostname_addressing() {
    let t = track("emqx", "5");
    let stage = t.stage("statefulset").unwrap();
    assert_eq!(
        stage.before,
        vec![Step::Delete {
            kind: Kind::Deployment,
            name: "emqx-deployment".into(),
            wait_gone: Some(std::time::Duration::from_secs(120))
        }]
    );
    let svc = manifest(&t, "statefulset", "Service").to_json();
    assert_eq!(svc["spec"]["clusterIP"], "None");
    assert_eq!(svc["spec"]["publishNotReadyAddresses"], true);
    let cm = manifest(&t, "statefulset", "ConfigMap").to_json();
    assert_eq!(cm["data"]["EMQX_CLUSTER__K8S__ADDRESS_TYPE"], "hostname");
    assert_eq!(
        cm["data"]["EMQX_CLUSTER__K8S__SERVICE_NAME"],
        "emqx-headless"
    );
    assert_eq!(cm["data"]["EMQX_CLUSTER__K8S__SUFFIX"], "svc.cluster.local");
    assert_eq!(cm["data"]["EMQX_CLUSTER__K8S__NAMESPACE"], "emqx");
    let sts = manifest(&t, "statefulset", "StatefulSet").to_json();
    assert_eq!(sts["spec"]["serviceName"], "emqx-headless");
    assert!(
        sts["spec"]["podManagementPolicy"].is_null(),
        "stage 8 keeps OrderedReady"
    );
}

#[test]
fn persistence_recreates_the_statefulset_parallel_with_a_claim_per_pod() {
    let t = track("emqx", "4");
    let stage = t.stage("persistence").unwrap();
    assert!(matches!(
        &stage.before[..],
        [Step::Delete {
            kind: Kind::StatefulSet,
            ..
        }]
    ));
    let sts = manifest(&t, "persistence", "StatefulSet").to_json();
    assert_eq!(sts["spec"]["podManagementPolicy"], "Parallel");
    let template = &sts["spec"]["volumeClaimTemplates"][0];
    let mount = &sts["spec"]["template"]["spec"]["containers"][0]["volumeMounts"][0];
    assert_eq!(template["metadata"]["name"], mount["name"]);
    assert_eq!(mount["mountPath"], t.profile.data_dir.as_str());
    assert!(template["metadata"]["annotations"].is_null());
    assert_eq!(template["spec"]["accessModes"][0], "ReadWriteOnce");
    assert_eq!(template["spec"]["resources"]["requests"]["storage"], "1Gi");
    assert!(stage.try_it.iter().any(|t| matches!(
        t.action,
        TryAction::DeleteAllPods {
            expect: PodFate::BackWithSameName,
            ..
        }
    )));
}

/// The lines EMQX and Kubernetes really print (EMQX.md §1.2, §2.2, §6), each of which
/// must be recognised by a hint of the named stage, for both profiles.
#[test]
fn hints_recognise_the_exact_lines_emqx_and_kubernetes_print() {
    let samples: &[(&str, &str)] = &[
        (
            "autocluster",
            r#"2024-05-01T10:00:05.101234+00:00 [error] Ekka(AutoCluster): Discovery error: {403,"{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Failure\",\"code\":403}\n"}"#,
        ),
        (
            "autocluster",
            "2025-01-01T00:00:00.000000+00:00 [error] Ekka(AutoCluster): Discovery error: {403,#Ref<0.3590434715.3911712769.105463>}",
        ),
        (
            "autocluster",
            r#"[warning] unknown_env_vars: ["EMQX_CLUSTER__DISCOVERY","EMQX_CLUSTER__K8S__APP_NAME"]"#,
        ),
        (
            "autocluster",
            r#"2024-05-01T10:00:00.039700+00:00 [error] "hosname" is not a valid enum value, acceptable values are: ip, dns, hostname"#,
        ),
        (
            "autocluster",
            r#"escript: exception throw: {emqx_conf_schema,[#{reason => unable_to_convert_to_enum_symbol, value => <<"kubernetes">>,path => "cluster.discovery_strategy", kind => validation_error}]}"#,
        ),
        (
            "rbac",
            r#"[error] Ekka(AutoCluster): Discovery error: {404,"{\"kind\":\"Status\",\"message\":\"endpoints \\\"emqx\\\" not found\",\"code\":404}\n"}"#,
        ),
        (
            "rbac",
            "[error] Ekka(AutoCluster): failed to join 'emqx@10.244.1.5': SINGLE_NODE_LICENSE",
        ),
        (
            "statefulset",
            r#"[error] Ekka(AutoCluster): Discover error: {badkey,<<"hostname">>}, [{maps,get,[<<"hostname">>]}]"#,
        ),
        (
            "statefulset",
            "[warning] Ekka(AutoCluster): discovered nodes outside cluster: ['emqx@emqx-statefulset-1.emqx-headless.default.svc.cluster.local']",
        ),
        (
            "persistence",
            "2021-07-23T17:51:58.350855+00:00 [warning] ekka_mnesia: still waiting for table(s): [emqx_resource,mqtt_app]",
        ),
        (
            "persistence",
            "[warning] mria_mnesia: still waiting for table(s): [emqx_retainer]",
        ),
        (
            "persistence",
            "no persistent volumes available for this claim and no storage class is set",
        ),
    ];
    for profile in ["5", "4"] {
        let t = track("emqx", profile);
        for (stage, line) in samples {
            let hints = &t.stage(stage).unwrap().hints;
            assert!(
                hints.iter().any(|h| h.pattern.0.is_match(line)),
                "profile {profile}: no hint of stage {stage} recognises {line}"
            );
        }
    }
}

#[test]
fn pod_templates_are_marked_as_ours_without_a_label_that_would_roll_them_every_stage() {
    let t = track("emqx", "5");
    for stage in &t.stages {
        for m in stage
            .manifests
            .iter()
            .filter(|m| m.kind == "Deployment" || m.kind == "StatefulSet")
        {
            let labels = &m.to_json()["spec"]["template"]["metadata"]["labels"];
            assert_eq!(labels["app"], "emqx", "{}", stage.id);
            assert_eq!(
                labels["app.kubernetes.io/managed-by"], "kubetour",
                "{}",
                stage.id
            );
            assert!(
                labels["kubetour.io/stage"].is_null(),
                "{}: the stage label would roll the pods",
                stage.id
            );
        }
    }
}

#[test]
fn a_stage_runs_its_steps_then_applies_then_waits() {
    use kubetour::track::Action;
    let t = track("emqx", "5");
    let actions = t.stage("persistence").unwrap().actions();
    assert!(matches!(
        actions[0],
        Action::Step(Step::Delete {
            kind: Kind::StatefulSet,
            ..
        })
    ));
    assert!(matches!(actions[1], Action::Apply(m) if m.len() == 1 && m[0].kind == "StatefulSet"));
    assert!(actions[2..].iter().all(|a| matches!(a, Action::Wait(_))));
    assert_eq!(actions.len(), 2 + 3);
    let preflight = t.stage("preflight").unwrap().actions();
    assert!(
        preflight.iter().all(|a| matches!(a, Action::Wait(_))),
        "preflight applies nothing"
    );
}

#[test]
fn the_quick_tracks_preflight_is_the_emqx_tracks_preflight() {
    // A copy (a track is self-contained), kept identical so the two never disagree.
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("stages");
    let emqx = std::fs::read_to_string(root.join("emqx/00-preflight.yaml")).unwrap();
    let quick = std::fs::read_to_string(root.join("quick/00-preflight.yaml")).unwrap();
    assert_eq!(emqx, quick, "edit both stages/*/00-preflight.yaml together");
}
