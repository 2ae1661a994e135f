//! The EMQX track, stage by stage, on the simulated cluster (both EMQX profiles): the
//! engine applies the shipped stages; the assertions use only the public API (kube-rs
//! exec, logs, proxy, lists), and compare with the exact strings of EMQX.md.

use crate::common::eventually;
use crate::common::pods::{exec, logs, pod_names};
use crate::support::{cluster, engine, shipped_track};
use kubetour::engine::RunOptions;

const NS: &str = "emqx";

fn ctl(profile: &str) -> Vec<&'static str> {
    match profile {
        "4" => vec!["emqx_ctl"],
        _ => vec!["emqx", "ctl"],
    }
}

async fn through(conn: &kubetour::cluster::connect::Connection, profile: &str, stage: &str) {
    let (mut e, events) = engine(conn, shipped_track(profile));
    let result = e
        .run(
            Some(stage),
            &RunOptions {
                try_it: false,
                lang: kubetour::track::Lang::En,
            },
        )
        .await;
    assert!(result.is_ok(), "{result:?}\n{:#?}", events.lock().unwrap());
}

async fn cluster_status(client: &kube::Client, pod: &str, profile: &str) -> String {
    let mut argv = ctl(profile);
    argv.extend(["cluster", "status"]);
    let (out, err, code) = exec(client, NS, pod, &argv).await;
    assert_eq!(code, 0, "{out}{err}");
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn o02_emqx_ctl_status_reports_the_node_started() {
    for profile in ["5", "4"] {
        let (_sim, conn) = cluster(true).await;
        through(&conn, profile, "pod").await;
        let mut argv = ctl(profile);
        argv.push("status");
        let (out, _, code) = exec(&conn.client, NS, "emqx", &argv).await;
        assert_eq!(code, 0);
        assert!(out.contains("is started"), "{profile}: {out}");
        let log = logs(&conn.client, NS, "emqx").await;
        assert!(log.contains("is running now!"), "{profile}: {log}");
        let (_, err, code) = exec(&conn.client, NS, "emqx", &["curl", "localhost"]).await;
        assert_eq!((err.as_str(), code), ("sh: curl: not found\n", 127));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn o07_emqx_status_answers_through_the_service() {
    for profile in ["5", "4"] {
        let (_sim, conn) = cluster(true).await;
        through(&conn, profile, "service").await;
        let port = if profile == "4" { "mgmt" } else { "dashboard" };
        let path = format!("/api/v1/namespaces/{NS}/services/emqx-service:{port}/proxy/status");
        let req = http::Request::get(path).body(Vec::new()).unwrap();
        let text = conn.client.request_text(req).await.unwrap();
        assert!(text.contains("is started"), "{profile}: {text}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn o08_three_pods_make_three_one_node_clusters() {
    for profile in ["5", "4"] {
        let (_sim, conn) = cluster(true).await;
        through(&conn, profile, "scale").await;
        let pods = pod_names(&conn.client, NS, "app=emqx").await;
        assert_eq!(pods.len(), 3, "{pods:?}");
        for pod in &pods {
            let out = cluster_status(&conn.client, pod, profile).await;
            assert_eq!(count_running(&out, profile), 1, "{profile} {pod}: {out}");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn o09_discovery_is_forbidden_before_rbac() {
    for profile in ["5", "4"] {
        let (_sim, conn) = cluster(true).await;
        through(&conn, profile, "autocluster").await;
        let pods = pod_names(&conn.client, NS, "app=emqx").await;
        assert_eq!(pods.len(), 3, "{pods:?}");
        for pod in &pods {
            let log = eventually("the discovery error", || async {
                let log = logs(&conn.client, NS, pod).await;
                log.contains("Discovery error").then_some(log)
            })
            .await;
            assert!(log.contains("{403,"), "{profile} {pod}: {log}");
            if profile == "4" {
                // EMQX.md §2.2, with this track's service and namespace.
                let forbidden = r#"[error] Ekka(AutoCluster): Discovery error: {403,"{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Failure\",\"message\":\"endpoints \\\"emqx-service\\\" is forbidden: User \\\"system:serviceaccount:emqx:default\\\" cannot get resource \\\"endpoints\\\" in API group \\\"\\\" in the namespace \\\"emqx\\\"\",\"reason\":\"Forbidden\",\"details\":{\"name\":\"emqx-service\",\"kind\":\"endpoints\"},\"code\":403}\n"}"#;
                assert!(log.contains(forbidden), "{profile} {pod}: {log}");
            }
            let out = cluster_status(&conn.client, pod, profile).await;
            assert_eq!(count_running(&out, profile), 1, "{profile} {pod}: {out}");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn o10_o11_after_rbac_one_cluster_forms_and_a_replacement_joins() {
    for profile in ["5", "4"] {
        let (_sim, conn) = cluster(true).await;
        through(&conn, profile, "rbac").await;
        let pods = pod_names(&conn.client, NS, "app=emqx").await;
        assert_eq!(pods.len(), 3, "{pods:?}");
        let out = cluster_status(&conn.client, &pods[0], profile).await;
        assert_eq!(count_running(&out, profile), 3, "{profile}: {out}");
        let stopped_before = count_stopped(&out);
        let api: kube::Api<k8s_openapi::api::core::v1::Pod> =
            kube::Api::namespaced(conn.client.clone(), NS);
        api.delete(&pods[0], &Default::default()).await.unwrap();
        let survivor = pods[1].clone();
        let out = eventually("the replacement to join", || async {
            let now = pod_names(&conn.client, NS, "app=emqx").await;
            if now.len() != 3 || now.contains(&pods[0]) {
                return None;
            }
            let out = cluster_status(&conn.client, &survivor, profile).await;
            (count_stopped(&out) == stopped_before + 1 && count_running(&out, profile) == 3)
                .then_some(out)
        })
        .await;
        assert!(out.contains("stopped_nodes"), "{profile}: {out}");
    }
}

/// Running members in `cluster status` output (the part before stopped_nodes).
fn count_running(out: &str, _profile: &str) -> usize {
    let running = out.split("stopped_nodes").next().unwrap_or("");
    running.matches('@').count()
}

fn count_stopped(out: &str) -> usize {
    out.split("stopped_nodes")
        .nth(1)
        .unwrap_or("")
        .matches('@')
        .count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn o01_o03_the_bare_pod_runs_ready_and_stays_gone_once_deleted() {
    let (_sim, conn) = cluster(true).await;
    through(&conn, "5", "pod").await;
    let api: kube::Api<k8s_openapi::api::core::v1::Pod> =
        kube::Api::namespaced(conn.client.clone(), NS);
    let pod = api.get("emqx").await.unwrap();
    let status = pod.status.unwrap();
    assert_eq!(status.phase.as_deref(), Some("Running"));
    assert!(status.container_statuses.unwrap()[0].ready);
    api.delete("emqx", &Default::default()).await.unwrap();
    eventually("the pod to be gone", || async {
        api.get_opt("emqx").await.unwrap().is_none().then_some(())
    })
    .await;
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    assert!(pod_names(&conn.client, NS, "").await.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn o04_o05_o06_the_deployment_pod_is_replaced_under_a_new_name_behind_the_service() {
    let (_sim, conn) = cluster(true).await;
    through(&conn, "4", "service").await;
    let pods = pod_names(&conn.client, NS, "app=emqx").await;
    assert_eq!(pods.len(), 1, "{pods:?}");
    assert!(pods[0].starts_with("emqx-deployment-"), "{pods:?}");
    let api: kube::Api<k8s_openapi::api::core::v1::Pod> =
        kube::Api::namespaced(conn.client.clone(), NS);
    let ip = api
        .get(&pods[0])
        .await
        .unwrap()
        .status
        .unwrap()
        .pod_ip
        .unwrap();
    let eps: kube::Api<k8s_openapi::api::core::v1::Endpoints> =
        kube::Api::namespaced(conn.client.clone(), NS);
    let ep = eps.get("emqx-service").await.unwrap();
    let addrs: Vec<String> = ep.subsets.unwrap()[0]
        .addresses
        .clone()
        .unwrap()
        .into_iter()
        .map(|a| a.ip)
        .collect();
    assert_eq!(addrs, [ip]);
    api.delete(&pods[0], &Default::default()).await.unwrap();
    let replaced = eventually("a replacement", || async {
        let now = pod_names(&conn.client, NS, "app=emqx").await;
        (now.len() == 1 && now[0] != pods[0]).then(|| now[0].clone())
    })
    .await;
    assert!(replaced.starts_with("emqx-deployment-"), "{replaced}");
}
