//! The stage conditions judged on views and evidence made by hand.

use super::*;
use crate::emqx::cluster_status::ClusterStatus;
use crate::engine::evidence::PodEvidence;
use crate::view::Change;
use crate::view::WatchedPod;
use k8s_openapi::api::core::v1::Pod;
use kube::runtime::watcher::Event;

fn now() -> jiff::Timestamp {
    "2026-11-22T12:00:00Z".parse().unwrap()
}

fn app_emqx() -> PodTarget {
    PodTarget::Selected(LabelSelector(vec![("app".into(), "emqx".into())]))
}

fn pod(name: &str, ready: bool) -> Pod {
    serde_json::from_value(serde_json::json!({
        "metadata": {"name": name, "labels": {"app": "emqx"}, "creationTimestamp": "2026-11-22T11:59:00Z"},
        "spec": {"containers": [{"name": "emqx"}]},
        "status": {"phase": "Running",
            "conditions": [{"type": "Ready", "status": if ready {"True"} else {"False"}}],
            "containerStatuses": [{"name": "emqx", "ready": ready, "restartCount": 0, "image": "", "imageID": "",
                "state": {"running": {}}}]}
    }))
    .unwrap()
}

fn view(pods: &[Pod]) -> ClusterView {
    let mut v = ClusterView::default();
    for p in pods {
        v.apply(Change::Pod(Event::Apply(WatchedPod::from(p).into())));
    }
    v
}

fn answers(e: &mut Evidence, pod: &str, running: &[&str]) {
    e.pods.insert(
        pod.into(),
        PodEvidence {
            cluster: Some(Ok(ClusterStatus {
                running_nodes: running.iter().map(|s| s.to_string()).collect(),
                stopped_nodes: vec![],
            })),
            ..Default::default()
        },
    );
}

#[test]
fn pods_ready_waits_for_every_pod_and_says_which_are_not() {
    let c = Condition::PodsReady {
        pods: app_emqx(),
        count: 3,
    };
    let v = view(&[pod("a", true), pod("b", false), pod("c", true)]);
    let verdict = evaluate(&c, &v, &Evidence::default(), now());
    assert!(!verdict.met);
    assert!(
        verdict.observed.contains("2/3 pods Ready"),
        "{}",
        verdict.observed
    );
    assert!(
        verdict.observed.contains("b: Running"),
        "{}",
        verdict.observed
    );
    let v = view(&[pod("a", true), pod("b", true), pod("c", true)]);
    assert!(evaluate(&c, &v, &Evidence::default(), now()).met);
}

#[test]
fn three_islands_are_not_one_cluster_and_one_cluster_is_not_islands() {
    let v = view(&[pod("a", true), pod("b", true), pod("c", true)]);
    let mut islands = Evidence::default();
    answers(&mut islands, "a", &["emqx@a"]);
    answers(&mut islands, "b", &["emqx@b"]);
    answers(&mut islands, "c", &["emqx@c"]);
    let cluster = Condition::EmqxCluster {
        pods: app_emqx(),
        running: 3,
    };
    let three_islands = Condition::EmqxIslands {
        pods: app_emqx(),
        count: 3,
    };
    assert!(evaluate(&three_islands, &v, &islands, now()).met);
    assert!(!evaluate(&cluster, &v, &islands, now()).met);
    let mut one = Evidence::default();
    for p in ["a", "b", "c"] {
        answers(&mut one, p, &["emqx@a", "emqx@b", "emqx@c"]);
    }
    assert!(evaluate(&cluster, &v, &one, now()).met);
    assert!(!evaluate(&three_islands, &v, &one, now()).met);
}

#[test]
fn a_cluster_is_not_judged_before_every_pod_has_answered() {
    let v = view(&[pod("a", true), pod("b", true), pod("c", true)]);
    let mut e = Evidence::default();
    answers(&mut e, "a", &["emqx@a", "emqx@b", "emqx@c"]);
    let verdict = evaluate(
        &Condition::EmqxCluster {
            pods: app_emqx(),
            running: 3,
        },
        &v,
        &e,
        now(),
    );
    assert!(!verdict.met);
    assert!(
        verdict.observed.contains("1/3 pods answered"),
        "{}",
        verdict.observed
    );
}

#[test]
fn a_log_line_must_appear_in_every_pod() {
    let v = view(&[pod("a", true), pod("b", true)]);
    let mut e = Evidence::default();
    e.pods.insert(
        "a".into(),
        PodEvidence {
            log: Some("x\nDiscovery error: {403,\ny".into()),
            ..Default::default()
        },
    );
    let c = Condition::LogLine {
        pods: app_emqx(),
        pattern: crate::track::Regex(regex::Regex::new("Discovery error: \\{403").unwrap()),
    };
    assert!(!evaluate(&c, &v, &e, now()).met);
    e.pods.insert(
        "b".into(),
        PodEvidence {
            log: Some("Discovery error: {403,#Ref<0.1.2.3>}".into()),
            ..Default::default()
        },
    );
    assert!(evaluate(&c, &v, &e, now()).met);
}

#[test]
fn a_missing_deployment_is_reported_by_name() {
    let verdict = evaluate(
        &Condition::DeploymentComplete {
            name: "emqx-deployment".into(),
        },
        &ClusterView::default(),
        &Evidence::default(),
        now(),
    );
    assert!(!verdict.met);
    assert_eq!(verdict.observed, "Deployment emqx-deployment not found");
}

#[test]
fn an_endpoint_of_a_replaced_pod_does_not_count() {
    let mut live = pod("emqx-0", true);
    live.metadata.uid = Some("new-uid".into());
    let mut v = view(&[live]);
    let svc: k8s_openapi::api::core::v1::Service = serde_json::from_value(serde_json::json!({
        "metadata": {"name": "emqx"}, "spec": {"clusterIP": "10.96.0.10"}
    }))
    .unwrap();
    v.apply(Change::Service(Event::Apply(svc.into())));
    let endpoints: k8s_openapi::api::core::v1::Endpoints =
        serde_json::from_value(serde_json::json!({
            "metadata": {"name": "emqx"},
            "subsets": [{"addresses": [
                {"ip": "10.244.0.5", "targetRef": {"kind": "Pod", "name": "emqx-0", "uid": "old-uid"}},
                {"ip": "10.244.0.9", "targetRef": {"kind": "Pod", "name": "emqx-0", "uid": "new-uid"}}
            ]}]
        }))
        .unwrap();
    v.apply(Change::Endpoints(Event::Apply(endpoints.into())));
    let verdict = service_endpoints(&v, "emqx", 1);
    assert!(verdict.met, "{}", verdict.observed);
    assert_eq!(
        verdict.observed,
        "ClusterIP 10.96.0.10, endpoints [10.244.0.9]"
    );
}
