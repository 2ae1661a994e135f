use k8s_openapi::api::networking::v1::NetworkPolicy;

use super::blocking;
use crate::view::WatchedPod;

fn pod() -> WatchedPod {
    serde_json::from_value(serde_json::json!({
        "metadata": {"name": "emqx-0", "namespace": "emqx", "labels": {"app": "emqx"}},
    }))
    .unwrap()
}

fn policy(name: &str, spec: serde_json::Value) -> NetworkPolicy {
    serde_json::from_value(serde_json::json!({
        "metadata": {"name": name, "namespace": "emqx"},
        "spec": spec,
    }))
    .unwrap()
}

#[test]
fn p19_a_deny_ingress_policy_on_the_emqx_pods_is_named() {
    let deny = policy(
        "deny-cluster-ports",
        serde_json::json!({"podSelector": {"matchLabels": {"app": "emqx"}}, "policyTypes": ["Ingress"]}),
    );
    assert_eq!(
        blocking(&[deny], &pod()),
        Some(vec!["deny-cluster-ports".to_string()])
    );
}

#[test]
fn a_policy_admitting_4370_or_selecting_other_pods_blocks_nothing() {
    let mqtt_only = policy(
        "mqtt",
        serde_json::json!({"podSelector": {}, "ingress": [{"ports": [{"port": 1883}]}]}),
    );
    assert!(blocking(std::slice::from_ref(&mqtt_only), &pod()).is_some());
    let cluster = policy(
        "cluster",
        serde_json::json!({"podSelector": {}, "ingress": [{"ports": [{"port": 4370, "endPort": 4380}]}]}),
    );
    assert_eq!(blocking(&[mqtt_only, cluster], &pod()), None);
    let web = policy(
        "web",
        serde_json::json!({"podSelector": {"matchExpressions": [{"key": "app", "operator": "In", "values": ["web"]}]}}),
    );
    assert_eq!(blocking(&[web], &pod()), None);
    let egress = policy(
        "egress",
        serde_json::json!({"podSelector": {}, "policyTypes": ["Egress"]}),
    );
    assert_eq!(blocking(&[egress], &pod()), None);
}
