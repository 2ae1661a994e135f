//! Invalid EMQX settings on the simulated cluster: the container exits with the real
//! lines, the pod goes to CrashLoopBackOff, and the pod log API shows why (P3, P4, P5,
//! a missing required 4.x key, hostname addressing without a subdomain).

use crate::support::pods::pod_with_env;
use crate::support::{eventually, fast_sim as sim};
use k8s_openapi::api::core::v1::Pod;
use kube::api::{Api, LogParams};

/// Waits for CrashLoopBackOff; returns the current and the previous run's logs.
async fn crash_logs(client: &kube::Client, name: &str) -> (String, String) {
    let api: Api<Pod> = Api::namespaced(client.clone(), "default");
    eventually("CrashLoopBackOff", || async {
        let pod = api.get(name).await.ok()?;
        let s = pod.status?.container_statuses?.into_iter().next()?;
        let waiting = s.state?.waiting?.reason?;
        (waiting == "CrashLoopBackOff").then_some(())
    })
    .await;
    let current = api.logs(name, &LogParams::default()).await.unwrap();
    let previous = api
        .logs(
            name,
            &LogParams {
                previous: true,
                ..LogParams::default()
            },
        )
        .await
        .unwrap();
    (current, previous)
}

const V4: &str = "emqx/emqx:4.4.19";
const V5: &str = "emqx/emqx:5.8.9";
const K8S_4: [(&str, &str); 5] = [
    (
        "EMQX_CLUSTER__K8S__APISERVER",
        "https://kubernetes.default.svc:443",
    ),
    ("EMQX_CLUSTER__K8S__SERVICE_NAME", "emqx"),
    ("EMQX_CLUSTER__K8S__APP_NAME", "emqx"),
    ("EMQX_CLUSTER__K8S__NAMESPACE", "default"),
    ("EMQX_NAME", "emqx"),
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn p03_kubernetes_instead_of_k8s_crash_loops_with_the_real_lines() {
    let sim = sim();
    let client = sim.client();
    let mut env = K8S_4.to_vec();
    env.push(("EMQX_CLUSTER__DISCOVERY", "kubernetes"));
    pod_with_env(&client, "v4", V4, &env).await;
    pod_with_env(
        &client,
        "v5",
        V5,
        &[("EMQX_CLUSTER__DISCOVERY_STRATEGY", "kubernetes")],
    )
    .await;
    let (current, previous) = crash_logs(&client, "v4").await;
    for log in [&current, &previous] {
        assert!(
            log.contains("[error] Error generating configuration in phase apply_translations\n"),
            "{log}"
        );
        assert!(log.contains("[error] Error running translation for ekka.cluster_discovery, [error, function_clause]\n"), "{log}");
        assert!(
            log.contains("cluster.discovery = \"kubernetes\"\n"),
            "{log}"
        );
    }
    let (current, _) = crash_logs(&client, "v5").await;
    assert!(
        current.contains("path => \"cluster.discovery_strategy\""),
        "{current}"
    );
    assert!(current.contains("ERROR: call_hocon_failed: -s emqx_conf_schema -c /opt/emqx/etc/emqx.conf multi_get node.data_dir node.name node.cookie node.db_backend cluster.proto_dist node.dist_net_ticktime\n"), "{current}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn p05_hosname_crash_loops_with_the_enum_error() {
    let sim = sim();
    let client = sim.client();
    let mut env = K8S_4.to_vec();
    env.push(("EMQX_CLUSTER__DISCOVERY", "k8s"));
    env.push(("EMQX_CLUSTER__K8S__ADDRESS_TYPE", "hosname"));
    pod_with_env(&client, "v4", V4, &env).await;
    let (current, _) = crash_logs(&client, "v4").await;
    assert!(
        current.contains("[error] Error transforming datatype for: cluster.k8s.address_type\n"),
        "{current}"
    );
    assert!(current.contains("[error] \"hosname\" is not a valid enum value, acceptable values are: ip, dns, hostname\n"), "{current}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_required_4x_key_crash_loops_naming_it() {
    let sim = sim();
    let client = sim.client();
    let env: Vec<_> = K8S_4
        .iter()
        .copied()
        .filter(|(k, _)| *k != "EMQX_CLUSTER__K8S__APP_NAME")
        .chain([("EMQX_CLUSTER__DISCOVERY", "k8s")])
        .collect();
    pod_with_env(&client, "v4", V4, &env).await;
    let (current, _) = crash_logs(&client, "v4").await;
    assert!(current.contains("[error] Translation for 'ekka.cluster_discovery' expected to find setting 'cluster.k8s.app_name' but was missing\n"), "{current}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostname_addressing_without_a_subdomain_exits_silently() {
    let sim = sim();
    let client = sim.client();
    let env = [
        ("EMQX_CLUSTER__DISCOVERY_STRATEGY", "k8s"),
        ("EMQX_CLUSTER__K8S__NAMESPACE", "default"),
        ("EMQX_CLUSTER__K8S__ADDRESS_TYPE", "hostname"),
    ];
    pod_with_env(&client, "v5", V5, &env).await;
    let (current, previous) = crash_logs(&client, "v5").await;
    assert_eq!((current.as_str(), previous.as_str()), ("", ""));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn p04_a_4x_name_under_5x_warns_and_never_clusters() {
    let sim = sim();
    let client = sim.client();
    let env = [
        ("EMQX_CLUSTER__DISCOVERY", "k8s"),
        ("EMQX_CLUSTER__K8S__APP_NAME", "emqx"),
    ];
    pod_with_env(&client, "v5", V5, &env).await;
    let api: Api<Pod> = Api::namespaced(client.clone(), "default");
    let log = eventually("the node running", || async {
        let log = api.logs("v5", &LogParams::default()).await.ok()?;
        log.contains("is running now!").then_some(log)
    })
    .await;
    assert!(log.contains("[warning] unknown_env_vars: [\"EMQX_CLUSTER__DISCOVERY\",\"EMQX_CLUSTER__K8S__APP_NAME\"]\n"), "{log}");
    assert!(!log.contains("Discovery"), "discovery never runs: {log}");
    let pod = api.get("v5").await.unwrap();
    let s = pod.status.unwrap().container_statuses.unwrap().remove(0);
    assert_eq!(s.restart_count, 0);
}
