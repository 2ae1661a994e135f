//! The API server's views into EMQX pods, through kube-rs in-process: proxy forms and
//! their errors, following logs, the service-account token's lifetime.

use crate::support::pods::pod_with_env;
use crate::support::{eventually, fast_sim as sim};
use futures::{AsyncBufReadExt, TryStreamExt};
use k8s_openapi::api::core::v1::{Pod, Service};
use kube::api::{Api, LogParams, PostParams};
use serde_json::json;

async fn emqx_pod(client: &kube::Client, name: &str, image: &str) {
    let pod: Pod = serde_json::from_value(json!({
        "metadata": {"name": name, "labels": {"app": name}},
        "spec": {"containers": [{
            "name": "emqx", "image": image,
            "ports": [{"name": "dashboard", "containerPort": 18083}],
            "readinessProbe": {"httpGet": {"path": "/status", "port": "dashboard"}, "initialDelaySeconds": 10, "periodSeconds": 5}
        }]}
    }))
    .unwrap();
    let api: Api<Pod> = Api::namespaced(client.clone(), "default");
    api.create(&PostParams::default(), &pod).await.unwrap();
    eventually("the pod ready", || async {
        let p = api.get(name).await.ok()?;
        p.status?.container_statuses?.first()?.ready.then_some(())
    })
    .await;
}

async fn get(client: &kube::Client, path: &str) -> Result<String, kube::Error> {
    let req = http::Request::get(path).body(Vec::new()).unwrap();
    client.request_text(req).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pod_and_service_proxies_reach_emqx_and_a_service_without_endpoints_is_503() {
    let sim = sim();
    let client = sim.client();
    emqx_pod(&client, "emqx", "emqx/emqx:5.8.9").await;
    for path in [
        "/api/v1/namespaces/default/pods/emqx:18083/proxy/status",
        "/api/v1/namespaces/default/pods/emqx:dashboard/proxy/status",
        "/api/v1/namespaces/default/pods/http:emqx:18083/proxy/api/v5/status",
    ] {
        let text = get(&client, path).await.unwrap();
        assert!(
            text.contains("Node emqx@") && text.contains("is started"),
            "{path}: {text}"
        );
    }
    let services: Api<Service> = Api::namespaced(client.clone(), "default");
    let svc = |name: &str, app: &str| -> Service {
        serde_json::from_value(json!({
            "metadata": {"name": name},
            "spec": {"selector": {"app": app}, "ports": [{"name": "dashboard", "port": 18083, "targetPort": "dashboard"}]}
        }))
        .unwrap()
    };
    services
        .create(&PostParams::default(), &svc("emqx", "emqx"))
        .await
        .unwrap();
    services
        .create(&PostParams::default(), &svc("nobody", "nobody"))
        .await
        .unwrap();
    let text = eventually("the service proxy", || async {
        get(
            &client,
            "/api/v1/namespaces/default/services/emqx:dashboard/proxy/status",
        )
        .await
        .ok()
    })
    .await;
    assert!(text.contains("is started"), "{text}");
    let err = get(
        &client,
        "/api/v1/namespaces/default/services/nobody:dashboard/proxy/status",
    )
    .await
    .unwrap_err();
    let kube::Error::Api(status) = err else {
        panic!("{err:?}")
    };
    assert_eq!(status.code, 503);
    assert_eq!(
        status.message,
        "no endpoints available for service \"nobody\""
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_followed_log_streams_until_the_pod_is_deleted() {
    let sim = sim();
    let client = sim.client();
    emqx_pod(&client, "emqx", "emqx/emqx:5.8.9").await;
    let api: Api<Pod> = Api::namespaced(client.clone(), "default");
    let params = LogParams {
        follow: true,
        tail_lines: Some(1),
        ..LogParams::default()
    };
    let mut lines = api.log_stream("emqx", &params).await.unwrap().lines();
    let first = lines.try_next().await.unwrap().unwrap();
    assert_eq!(first, "EMQX 5.8.9 is running now!");
    api.delete("emqx", &Default::default()).await.unwrap();
    // The stream ends when the container stops.
    while lines.try_next().await.unwrap().is_some() {}
    eventually("the pod gone", || async {
        api.get_opt("emqx").await.unwrap().is_none().then_some(())
    })
    .await;
    let err = api
        .logs(
            "emqx",
            &LogParams {
                previous: true,
                ..LogParams::default()
            },
        )
        .await
        .unwrap_err();
    let kube::Error::Api(status) = err else {
        panic!("{err:?}")
    };
    assert_eq!(status.code, 404);
}

async fn log_containing(client: &kube::Client, pod: &str, what: &str) -> String {
    let api: Api<Pod> = Api::namespaced(client.clone(), "default");
    eventually(what, || async {
        let log = api.logs(pod, &LogParams::default()).await.ok()?;
        log.contains(what).then_some(log)
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unknown_apiserver_host_is_a_dns_failure_and_the_service_ip_is_the_apiserver() {
    let sim = sim();
    let client = sim.client();
    let k8s = |apiserver: &'static str| {
        vec![
            ("EMQX_NAME", "emqx"),
            ("EMQX_CLUSTER__DISCOVERY", "k8s"),
            ("EMQX_CLUSTER__K8S__APISERVER", apiserver),
            ("EMQX_CLUSTER__K8S__SERVICE_NAME", "emqx"),
            ("EMQX_CLUSTER__K8S__APP_NAME", "emqx"),
            ("EMQX_CLUSTER__K8S__NAMESPACE", "default"),
        ]
    };
    pod_with_env(
        &client,
        "nxdomain",
        "emqx/emqx:4.4.19",
        &k8s("https://kubernetes.example:443"),
    )
    .await;
    pod_with_env(
        &client,
        "by-ip",
        "emqx/emqx:4.4.19",
        &k8s("https://10.96.0.1:443"),
    )
    .await;
    let log = log_containing(&client, "nxdomain", "Discovery error").await;
    assert!(
        log.contains(
            "{failed_connect,[{to_address,{\"kubernetes.example\",443}},{inet,[inet],nxdomain}]}"
        ),
        "{log}"
    );
    let log = log_containing(&client, "by-ip", "Discovery error").await;
    assert!(log.contains("Discovery error: {403,"), "{log}");
    assert!(
        log.contains("system:serviceaccount:default:default"),
        "{log}"
    );
}
