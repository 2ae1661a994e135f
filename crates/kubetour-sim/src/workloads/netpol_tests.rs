use serde_json::{Value, json};

use super::admits;

fn pod(ns: &str, app: &str, ip: &str) -> Value {
    json!({
        "metadata": {"namespace": ns, "labels": {"app": app}},
        "spec": {"containers": [{"ports": [{"name": "ekka", "containerPort": 4370}]}]},
        "status": {"podIP": ip},
    })
}

fn policy(ns: &str, spec: Value) -> Value {
    json!({"metadata": {"namespace": ns, "name": "p"}, "spec": spec})
}

fn ns(name: &str, labels: Value) -> Value {
    json!({"metadata": {"name": name, "labels": labels}})
}

#[test]
fn a_pod_no_policy_selects_accepts_everything() {
    let a = pod("emqx", "emqx", "10.244.0.5");
    let other = policy(
        "emqx",
        json!({"podSelector": {"matchLabels": {"app": "web"}}}),
    );
    assert!(admits(&[], &[], &a, &a, 4370));
    assert!(admits(&[other], &[], &a, &a, 4370));
}

#[test]
fn p19_a_deny_all_ingress_policy_blocks_the_distribution_port() {
    let a = pod("emqx", "emqx", "10.244.0.5");
    let b = pod("emqx", "emqx", "10.244.0.6");
    let deny = policy(
        "emqx",
        json!({"podSelector": {"matchLabels": {"app": "emqx"}}, "policyTypes": ["Ingress"]}),
    );
    assert!(!admits(std::slice::from_ref(&deny), &[], &a, &b, 4370));
    // A policy of another namespace does not select the pod.
    let elsewhere = pod("other", "emqx", "10.244.0.7");
    assert!(admits(&[deny], &[], &a, &elsewhere, 4370));
}

#[test]
fn an_egress_only_policy_leaves_ingress_alone() {
    let a = pod("emqx", "emqx", "10.244.0.5");
    let egress = policy(
        "emqx",
        json!({"podSelector": {}, "policyTypes": ["Egress"]}),
    );
    assert!(admits(&[egress], &[], &a, &a, 4370));
}

#[test]
fn rules_admit_by_port_number_range_or_name_and_by_source() {
    let a = pod("emqx", "emqx", "10.244.0.5");
    let web = pod("emqx", "web", "10.244.0.9");
    let only_mqtt = policy(
        "emqx",
        json!({"podSelector": {}, "ingress": [{"ports": [{"port": 1883}]}]}),
    );
    assert!(admits(std::slice::from_ref(&only_mqtt), &[], &a, &a, 1883));
    assert!(!admits(std::slice::from_ref(&only_mqtt), &[], &a, &a, 4370));
    let range = policy(
        "emqx",
        json!({"podSelector": {}, "ingress": [{"ports": [{"port": 4370, "endPort": 4380}]}]}),
    );
    assert!(admits(&[only_mqtt.clone(), range], &[], &a, &a, 4372));
    let named = policy(
        "emqx",
        json!({"podSelector": {}, "ingress": [{"ports": [{"port": "ekka"}]}]}),
    );
    assert!(admits(&[named], &[], &a, &a, 4370));
    let udp = policy(
        "emqx",
        json!({"podSelector": {}, "ingress": [{"ports": [{"port": 4370, "protocol": "UDP"}]}]}),
    );
    assert!(!admits(&[udp], &[], &a, &a, 4370));
    let from_emqx = policy(
        "emqx",
        json!({"podSelector": {}, "ingress": [{"from": [{"podSelector": {"matchLabels": {"app": "emqx"}}}]}]}),
    );
    assert!(admits(std::slice::from_ref(&from_emqx), &[], &a, &a, 4370));
    assert!(!admits(&[from_emqx], &[], &web, &a, 4370));
}

#[test]
fn namespace_selectors_and_ip_blocks_match_the_source() {
    let a = pod("emqx", "emqx", "10.244.0.5");
    let outsider = pod("tools", "emqx", "10.244.1.5");
    let namespaces = [ns("emqx", json!({"team": "mq"})), ns("tools", json!({}))];
    let by_ns = policy(
        "emqx",
        json!({"podSelector": {}, "ingress": [{"from": [{"namespaceSelector": {"matchLabels": {"team": "mq"}}}]}]}),
    );
    assert!(admits(
        std::slice::from_ref(&by_ns),
        &namespaces,
        &a,
        &a,
        4370
    ));
    assert!(!admits(&[by_ns], &namespaces, &outsider, &a, 4370));
    let block = policy(
        "emqx",
        json!({"podSelector": {}, "ingress": [{"from": [{"ipBlock": {"cidr": "10.244.0.0/24", "except": ["10.244.0.5/32"]}}]}]}),
    );
    assert!(!admits(std::slice::from_ref(&block), &[], &a, &a, 4370));
    let b = pod("emqx", "emqx", "10.244.0.6");
    assert!(admits(std::slice::from_ref(&block), &[], &b, &a, 4370));
    assert!(!admits(&[block], &[], &outsider, &a, 4370));
}
