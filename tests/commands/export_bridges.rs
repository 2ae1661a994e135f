//! `kubetour export --as helm-values` and `--as operator`: what they write is checked
//! against the official chart's values (it has no values.schema.json) and the EMQX
//! Operator's CRD schema, kept under tests/data/export with the commits they come from.

use std::path::{Path, PathBuf};

use serde_json::{Value, json};

use crate::openapi_check::{check_schema, check_values};
use crate::support::run as kubetour;
use kubetour::track::export_helm::helm_values;
use kubetour::track::export_operator::operator_resource;
use kubetour::track::{RenderOptions, Track, load};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn data(name: &str) -> PathBuf {
    root().join("tests/data/export").join(name)
}

fn yaml_file(name: &str) -> Value {
    let text = std::fs::read_to_string(data(name)).unwrap();
    kubetour::yaml::to_json(&text, 1).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn track(dir: &Path, profile: &str) -> Track {
    let opts = RenderOptions {
        profile: Some(profile.into()),
        ..RenderOptions::default()
    };
    load(dir, &opts).unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
}

fn parse(text: &str, what: &str) -> Value {
    kubetour::yaml::to_json(text, 1).unwrap_or_else(|e| panic!("{what}: not YAML: {e}\n{text}"))
}

/// The chart's values for a profile, with the keys its templates read beyond them.
fn chart_values(profile: &str) -> Value {
    match profile {
        "5" => yaml_file("chart-emqx-5.8.9-values.yaml"),
        _ => {
            let mut values = yaml_file("chart-emqx-4.4.19-values.yaml");
            let extra = yaml_file("chart-emqx-4.4.19-template-keys.yaml");
            for (key, sub) in extra.as_object().unwrap() {
                for (k, v) in sub.as_object().unwrap() {
                    values[key][k] = v.clone();
                }
            }
            values
        }
    }
}

fn crd_schema() -> Value {
    yaml_file("operator-2.2.29-emqxes-v2beta1.schema.yaml")["openAPIV3Schema"].clone()
}

fn core_replicant() -> Track {
    track(&data("core-replicant"), "5")
}

#[test]
fn helm_values_for_every_stage_and_profile_use_only_keys_the_chart_has_with_its_types() {
    let mut checked = 0;
    for name in ["emqx", "quick"] {
        for profile in ["5", "4"] {
            let t = track(&root().join("stages").join(name), profile);
            let values = chart_values(profile);
            for stage in &t.stages {
                let Ok(text) = helm_values(&t, Some(&stage.id)) else {
                    continue;
                };
                let what = format!("{name}/{profile}/{}", stage.id);
                let written = parse(&text, &what);
                let errors = check_values(&written, &values, &["emqxConfig"]);
                assert!(errors.is_empty(), "{what}: {errors:#?}\n{text}");
                checked += 1;
            }
        }
    }
    // emqx: stages 1–9 for both profiles; quick: its one stage for both.
    assert_eq!(checked, 2 * 9 + 2);
}

#[test]
fn the_operator_resource_for_every_emqx5_stage_passes_the_crds_schema() {
    let schema = crd_schema();
    let mut checked = 0;
    for name in ["emqx", "quick"] {
        let t = track(&root().join("stages").join(name), "5");
        for stage in &t.stages {
            let Ok(text) = operator_resource(&t, Some(&stage.id)) else {
                continue;
            };
            let what = format!("{name}/{}", stage.id);
            let errors = check_schema(&schema, &parse(&text, &what));
            assert!(errors.is_empty(), "{what}: {errors:#?}\n{text}");
            checked += 1;
        }
    }
    assert_eq!(checked, 9 + 1);
    let text = operator_resource(&core_replicant(), None).unwrap();
    let errors = check_schema(&schema, &parse(&text, "core-replicant"));
    assert!(errors.is_empty(), "{errors:#?}\n{text}");
}

#[test]
fn the_schema_checker_catches_unknown_fields_wrong_types_missing_required_and_bad_quantities() {
    let schema = crd_schema();
    let good = parse(
        &operator_resource(&core_replicant(), None).unwrap(),
        "core-replicant",
    );
    assert!(check_schema(&schema, &good).is_empty());
    let broken = |f: &dyn Fn(&mut Value)| {
        let mut v = good.clone();
        f(&mut v);
        check_schema(&schema, &v)
    };
    let e = broken(&|v| v["spec"]["coreTemplate"]["spec"]["replica"] = json!(3));
    assert!(
        e.iter()
            .any(|e| e.contains(".spec.coreTemplate.spec.replica: the schema has no such field")),
        "{e:?}"
    );
    let e = broken(&|v| v["spec"]["coreTemplate"]["spec"]["replicas"] = json!("3"));
    assert!(e.iter().any(|e| e.contains("expected integer")), "{e:?}");
    let e = broken(&|v| {
        v["spec"].as_object_mut().unwrap().remove("image");
    });
    assert!(e.iter().any(|e| e.contains("`image` is required")), "{e:?}");
    let e = broken(&|v| {
        v["spec"]["coreTemplate"]["spec"]["volumeClaimTemplates"]["resources"]["requests"]["storage"] =
            json!("2 gigs")
    });
    assert!(e.iter().any(|e| e.contains("does not match")), "{e:?}");
    let e = broken(&|v| v["spec"]["replicantTemplate"]["spec"]["env"][0] = json!({"value": "x"}));
    assert!(e.iter().any(|e| e.contains("`name` is required")), "{e:?}");
}

#[test]
fn the_values_checker_catches_keys_the_chart_lacks_and_changed_types() {
    let values = chart_values("5");
    let ok = json!({"replicaCount": 3, "emqxConfig": {"EMQX_ANYTHING": "x"}, "service": {"type": "NodePort"}});
    assert!(check_values(&ok, &values, &["emqxConfig"]).is_empty());
    let bad = json!({"replicas": 3, "replicaCount": "3", "persistence": {"storageClass": "x"}, "emqxConfig": {"EMQX_X": 1}});
    let e = check_values(&bad, &values, &["emqxConfig"]);
    assert_eq!(e.len(), 4, "{e:#?}");
    // 4.4.19 calls the storage class differently, and its values.yaml leaves it out.
    let e = check_values(
        &json!({"persistence": {"storageClass": "x"}}),
        &yaml_file("chart-emqx-4.4.19-values.yaml"),
        &[],
    );
    assert_eq!(
        e,
        vec!["persistence.storageClass: the chart's values have no such key"]
    );
}

#[test]
fn helm_values_are_read_from_the_manifests_of_the_end_state() {
    let t = track(&root().join("stages/emqx"), "5");
    let text = helm_values(&t, None).unwrap();
    let v = parse(&text, "emqx end state");
    assert_eq!(v["replicaCount"], json!(3));
    assert_eq!(
        v["image"],
        json!({"repository": "emqx/emqx", "tag": "5.8.9"})
    );
    assert_eq!(
        v["emqxConfig"],
        json!({"EMQX_CLUSTER__DISCOVERY_STRATEGY": "k8s"})
    );
    assert_eq!(
        v["persistence"],
        json!({"enabled": true, "size": "1Gi", "accessMode": "ReadWriteOnce"})
    );
    assert_eq!(v["service"], json!({"type": "ClusterIP"}));
    assert!(
        text.contains("helm install emqx emqx/emqx --version 5.8.9 --namespace emqx"),
        "{text}"
    );
    // The track's own k8s settings are what the chart writes for release `emqx`: no note.
    assert!(!text.contains("Not carried over"), "{text}");

    // Before the StatefulSet: a Deployment with IP addressing, which the chart changes.
    let t4 = track(&root().join("stages/emqx"), "4");
    let text = helm_values(&t4, Some("rbac")).unwrap();
    let v = parse(&text, "emqx 4 rbac");
    assert_eq!(v["emqxConfig"]["EMQX_CLUSTER__DISCOVERY"], json!("k8s"));
    assert_eq!(v["persistence"], json!({"enabled": false}));
    assert!(
        text.contains("emqx/emqx 4.4.19 (github.com/emqx/emqx, tag v4.4.19"),
        "{text}"
    );
    assert!(text.contains("EMQX_CLUSTER__K8S__ADDRESS_TYPE: the chart writes it itself as `hostname` (the track has `ip`)"), "{text}");
    assert!(
        text.contains("Deployment emqx-deployment runs EMQX; the chart always runs a StatefulSet"),
        "{text}"
    );
}

#[test]
fn helm_values_say_plainly_that_the_chart_has_no_replicants() {
    let text = helm_values(&core_replicant(), None).unwrap();
    let v = parse(&text, "core-replicant");
    assert_eq!(v["replicaCount"], json!(3), "the cores only");
    assert_eq!(v["image"]["repository"], json!("emqx/emqx-enterprise"));
    assert_eq!(
        v["emqxConfig"]["EMQX_CLUSTER__DISCOVERY_STRATEGY"],
        json!("dns")
    );
    assert_eq!(
        v["emqxConfig"]["EMQX_LOG__CONSOLE__LEVEL"],
        json!("warning")
    );
    // The chart writes the DNS record name and EMQX_HOST itself (once only in its ConfigMap).
    assert!(
        v["emqxConfig"].get("EMQX_CLUSTER__DNS__NAME").is_none(),
        "{text}"
    );
    assert!(v["emqxConfig"].get("EMQX_HOST").is_none(), "{text}");
    assert_eq!(v["persistence"]["storageClassName"], json!("fast-ssd"));
    assert_eq!(v["persistence"]["size"], json!("2Gi"));
    assert_eq!(v["service"]["type"], json!("LoadBalancer"));
    assert!(
        text.contains("Deployment emqx-replicant runs 2 EMQX replicant(s) (EMQX_NODE__ROLE=replicant): chart 5.8.9 has no replicants"),
        "{text}"
    );
}

#[test]
fn the_operator_maps_cores_to_the_core_template_and_replicants_to_the_replicant_template() {
    let text = operator_resource(&core_replicant(), None).unwrap();
    let v = parse(&text, "core-replicant");
    assert_eq!(v["apiVersion"], json!("apps.emqx.io/v2beta1"));
    assert_eq!(v["kind"], json!("EMQX"));
    assert_eq!(v["metadata"], json!({"name": "emqx", "namespace": "mqtt"}));
    assert_eq!(v["spec"]["image"], json!("emqx/emqx-enterprise:5.8.9"));
    let core = &v["spec"]["coreTemplate"]["spec"];
    assert_eq!(core["replicas"], json!(3));
    assert_eq!(
        core["volumeClaimTemplates"],
        json!({"storageClassName": "fast-ssd", "accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "2Gi"}}})
    );
    // Only what the Operator does not set itself: its discovery would be overridden.
    assert_eq!(
        core["env"],
        json!([{"name": "EMQX_LOG__CONSOLE__LEVEL", "value": "warning"}])
    );
    let replicant = &v["spec"]["replicantTemplate"]["spec"];
    assert_eq!(replicant["replicas"], json!(2));
    assert!(replicant.get("volumeClaimTemplates").is_none());
    assert_eq!(
        v["spec"]["listenersServiceTemplate"]["spec"]["type"],
        json!("LoadBalancer")
    );
    assert!(text.contains("kubectl apply -f emqx.yaml"), "{text}");
    assert!(text.contains("EMQX_CLUSTER__DISCOVERY_STRATEGY, EMQX_CLUSTER__DNS__NAME, EMQX_CLUSTER__DNS__RECORD_TYPE, EMQX_HOST of StatefulSet emqx-core"), "{text}");

    // Before the replicants arrive, the resource has no replicantTemplate.
    let text = operator_resource(&core_replicant(), Some("cores")).unwrap();
    let v = parse(&text, "core-replicant cores");
    assert!(v["spec"].get("replicantTemplate").is_none(), "{text}");
    assert!(
        v["spec"].get("listenersServiceTemplate").is_none(),
        "{text}"
    );
    assert!(
        text.contains("the Operator still makes its listeners Service `emqx-listeners`"),
        "{text}"
    );
}

#[test]
fn the_operator_export_refuses_an_emqx4_profile_naming_what_and_why() {
    let t = track(&root().join("stages/emqx"), "4");
    let e = operator_resource(&t, None).unwrap_err().to_string();
    assert!(
        e.contains("StatefulSet emqx-statefulset runs emqx/emqx:4.4.19"),
        "{e}"
    );
    assert!(e.contains("EMQX 5.1.1 or later only"), "{e}");
    assert!(e.contains("--emqx 5"), "{e}");
}

#[test]
fn export_as_prints_yaml_on_stdout_and_refuses_with_exit_2() {
    let (code, stdout, stderr) =
        kubetour(&["export", "--track", "stages/emqx", "--as", "helm-values"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stdout.starts_with("# kubetour export --as helm-values: track `emqx`"),
        "{stdout}"
    );
    parse(&stdout, "stdout");
    let (code, stdout, _) = kubetour(&[
        "export",
        "--track",
        "stages/emqx",
        "--as",
        "operator",
        "--through",
        "scale",
    ]);
    assert_eq!(code, 0);
    assert_eq!(
        parse(&stdout, "stdout")["spec"]["coreTemplate"]["spec"]["replicas"],
        json!(3)
    );
    let (code, _, stderr) = kubetour(&[
        "export",
        "--track",
        "stages/emqx",
        "--as",
        "operator",
        "--through",
        "preflight",
    ]);
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("the state after stage `preflight` of track `emqx` runs no EMQX workload"),
        "{stderr}"
    );
    let (code, _, stderr) = kubetour(&[
        "export",
        "--track",
        "stages/emqx",
        "--as",
        "operator",
        "--emqx",
        "4",
    ]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("EMQX 5.1.1 or later only"), "{stderr}");
    let (code, _, stderr) = kubetour(&[
        "export",
        "--track",
        "stages/quick",
        "--as",
        "helm-values",
        "--image",
        "emqx/emqx:latest",
    ]);
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("runs emqx/emqx:latest: its tag carries no EMQX version"),
        "{stderr}"
    );
}

#[test]
fn p14_a_cluster_domain_other_than_cluster_local_is_carried_to_the_chart_and_the_operator() {
    // The core-replicant track on a cluster whose domain is `k8s.example`.
    let dir = tempfile::tempdir().unwrap();
    for entry in std::fs::read_dir(data("core-replicant")).unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        let text = text.replace("svc.cluster.local", "svc.k8s.example");
        std::fs::write(dir.path().join(path.file_name().unwrap()), text).unwrap();
    }
    let t = track(dir.path(), "5");
    let text = helm_values(&t, None).unwrap();
    let v = parse(&text, "helm, k8s.example");
    assert_eq!(v["clusterDomain"], json!("k8s.example"), "{text}");
    assert!(check_values(&v, &chart_values("5"), &["emqxConfig"]).is_empty());
    // The chart's EMQX_HOST keeps `svc.cluster.local` whatever clusterDomain says.
    assert!(
        text.contains("EMQX_HOST: the chart writes it itself as `$(POD_NAME).emqx-headless.mqtt.svc.cluster.local` (the track has `$(POD_NAME).emqx-headless.mqtt.svc.k8s.example`)"),
        "{text}"
    );
    let text = operator_resource(&t, None).unwrap();
    let v = parse(&text, "operator, k8s.example");
    assert_eq!(v["spec"]["clusterDomain"], json!("k8s.example"), "{text}");
    assert!(check_schema(&crd_schema(), &v).is_empty());
}
