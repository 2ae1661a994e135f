use std::sync::Arc;

use crate::view::WatchedPod;
use kube::runtime::watcher::Event;
use serde_json::json;

use super::*;
use crate::emqx::cluster_status::ClusterStatus;
use crate::engine::evidence::PodEvidence;
use crate::track::diagnosis::parse;
use crate::view::Change;

fn table() -> Vec<Cause> {
    let text = include_str!("../../stages/emqx/diagnosis.yaml");
    parse(std::path::Path::new("diagnosis.yaml"), text, None).unwrap()
}

/// An EMQX pod of a StatefulSet with these env values and this many restarts.
fn pod(name: &str, env: &[(&str, &str)], restarts: i32) -> WatchedPod {
    let env: Vec<_> = env
        .iter()
        .map(|(n, v)| json!({"name": n, "value": v}))
        .collect();
    serde_json::from_value(json!({
        "metadata": {"name": name, "namespace": "emqx", "uid": name},
        "spec": {"containers": [{"name": "emqx", "image": "emqx/emqx:5.8.9", "env": env}]},
        "status": {"phase": "Running", "containerStatuses": [{
            "name": "emqx", "image": "emqx/emqx:5.8.9", "imageID": "", "ready": false,
            "restartCount": restarts,
            "state": {"waiting": {"reason": "CrashLoopBackOff"}}
        }]}
    }))
    .unwrap()
}

fn view_of(pods: &[WatchedPod]) -> ClusterView {
    let mut view = ClusterView::default();
    for p in pods {
        view.apply(Change::Pod(Event::Apply(Arc::new(p.clone()))));
    }
    view
}

fn seen(logs: &[(&str, &str)], alone: &[(&str, &str)]) -> Seen {
    let mut seen = Seen::default();
    for (pod, log) in logs {
        seen.pods.entry(pod.to_string()).or_default().log = Some(log.to_string());
    }
    for (pod, node) in alone {
        let e: &mut PodEvidence = seen.pods.entry(pod.to_string()).or_default();
        e.cluster = Some(Ok(ClusterStatus {
            running_nodes: vec![node.to_string()],
            stopped_nodes: Vec::new(),
        }));
    }
    seen
}

#[test]
fn p14_a_silent_restart_with_hostname_addressing_and_a_wrong_suffix_is_named() {
    let env = [
        ("EMQX_CLUSTER__K8S__ADDRESS_TYPE", "hostname"),
        ("EMQX_CLUSTER__K8S__SUFFIX", "svc.corp.example"),
    ];
    let p = pod("emqx-0", &env, 3);
    let view = view_of(std::slice::from_ref(&p));
    let found = name_causes(&table(), &view, &seen(&[], &[]), &[&p], Lang::En);
    let d = found
        .iter()
        .find(|d| d.explanation.starts_with("P14: "))
        .unwrap_or_else(|| panic!("{found:#?}"));
    assert!(
        d.line.contains("restarted 3 time(s), nothing in its log"),
        "{d:#?}"
    );
    assert!(d.explanation.contains(".svc.corp.example"), "{d:#?}");
    // The same pod with something in its log is not a silent exit.
    let logged = seen(&[("emqx-0", "EMQX 5.8.9 is running now!")], &[]);
    let found = name_causes(&table(), &view, &logged, &[&p], Lang::En);
    assert!(
        !found.iter().any(|d| d.explanation.starts_with("P14: ")),
        "{found:#?}"
    );
}

#[test]
fn p17_the_refused_connection_line_names_the_cookie_in_both_languages() {
    let p = pod("emqx-0", &[], 0);
    let view = view_of(std::slice::from_ref(&p));
    let line = "2026-12-07T01:00:00.000000+00:00 [error] ** Connection attempt from node 'emqx@10.244.1.5' rejected. Invalid challenge reply. **";
    let ev = seen(&[("emqx-0", line)], &[]);
    for (lang, word) in [(Lang::En, "cookie"), (Lang::Zh, "cookie")] {
        let found = name_causes(&table(), &view, &ev, &[&p], lang);
        let d = found
            .iter()
            .find(|d| d.explanation.starts_with("P17: "))
            .unwrap_or_else(|| panic!("{found:#?}"));
        assert!(d.explanation.contains(word), "{d:#?}");
        assert_eq!(d.source, "emqx-0");
    }
}

#[test]
fn p11_short_node_names_are_named_only_when_the_nodes_are_split() {
    let a = pod("emqx-0", &[], 0);
    let b = pod("emqx-1", &[], 0);
    let view = view_of(&[a.clone(), b.clone()]);
    let split = seen(&[], &[("emqx-0", "emqx@emqx-0"), ("emqx-1", "emqx@emqx-1")]);
    let found = name_causes(&table(), &view, &split, &[&a, &b], Lang::En);
    assert!(
        found.iter().any(|d| d.explanation.starts_with("P11: ")),
        "{found:#?}"
    );
    // One node answering alone is no split: nothing to explain.
    let one = seen(&[], &[("emqx-0", "emqx@emqx-0")]);
    let found = name_causes(&table(), &view, &one, &[&a, &b], Lang::En);
    assert!(found.is_empty(), "{found:#?}");
}

#[test]
fn a_setting_named_in_a_text_but_given_to_no_pod_reads_unset() {
    let p = pod("emqx-0", &[], 0);
    let view = view_of(std::slice::from_ref(&p));
    let ev = seen(
        &[(
            "emqx-0",
            "[error] Ekka(AutoCluster): Discovery error: {404,#Ref<0.1.2.3>}",
        )],
        &[],
    );
    let found = name_causes(&table(), &view, &ev, &[&p], Lang::En);
    let d = found
        .iter()
        .find(|d| d.explanation.starts_with("P18: "))
        .unwrap_or_else(|| panic!("{found:#?}"));
    assert!(d.explanation.contains("Service `(unset)`"), "{d:#?}");
}

/// `pod` made Ready (the Ready condition and its container ready).
fn ready(mut p: WatchedPod) -> WatchedPod {
    let status = p.status.as_mut().unwrap();
    status.conditions = Some(vec![crate::view::pod::PodCondition {
        type_: "Ready".into(),
        status: "True".into(),
    }]);
    p
}

fn headless_service(publish: bool) -> Change {
    let svc: k8s_openapi::api::core::v1::Service = serde_json::from_value(json!({
        "metadata": {"name": "emqx-headless", "namespace": "emqx"},
        "spec": {"clusterIP": "None", "publishNotReadyAddresses": publish}
    }))
    .unwrap();
    Change::Service(Event::Apply(Arc::new(svc)))
}

#[test]
fn p13_names_the_unpublished_headless_service_only_while_a_pod_is_not_ready() {
    let env = [
        ("EMQX_CLUSTER__DISCOVERY_STRATEGY", "dns"),
        (
            "EMQX_CLUSTER__DNS__NAME",
            "emqx-headless.emqx.svc.cluster.local",
        ),
    ];
    let (a, b) = (pod("emqx-0", &env, 0), pod("emqx-1", &env, 0));
    let named_p13 = |pods: &[WatchedPod], publish: bool| {
        let mut view = view_of(pods);
        view.apply(headless_service(publish));
        let refs: Vec<&WatchedPod> = pods.iter().collect();
        name_causes(&table(), &view, &seen(&[], &[]), &refs, Lang::En)
            .into_iter()
            .find(|d| d.explanation.starts_with("P13: "))
    };
    let d = named_p13(&[ready(a.clone()), b.clone()], false).expect("P13 named");
    assert!(d.line.ends_with("not in DNS: emqx-1"), "{d:#?}");
    assert_eq!(d.source, "emqx-0", "the first evidence's pod");
    assert!(named_p13(&[a.clone(), b.clone()], true).is_none());
    assert!(named_p13(&[ready(a), ready(b)], false).is_none());
}

#[test]
fn p20_names_a_replicant_only_while_no_core_is_ready() {
    let replicant = pod("emqx-replicant-x", &[("EMQX_NODE__ROLE", "replicant")], 0);
    let core = pod("emqx-core-0", &[], 0);
    let named_p20 = |others: &[WatchedPod]| {
        let mut all = vec![replicant.clone()];
        all.extend_from_slice(others);
        let view = view_of(&all);
        name_causes(&table(), &view, &seen(&[], &[]), &[&replicant], Lang::Zh)
            .into_iter()
            .find(|d| d.explanation.starts_with("P20: "))
    };
    let d = named_p20(&[]).expect("P20 named with no core");
    assert!(d.line.contains("only replicants"), "{d:#?}");
    assert!(d.explanation.contains("核心节点"), "{d:#?}");
    let d = named_p20(std::slice::from_ref(&core)).expect("P20 named with a core not Ready");
    assert!(d.line.contains("emqx-core-0 CrashLoopBackOff"), "{d:#?}");
    assert!(named_p20(&[ready(core)]).is_none());
}
