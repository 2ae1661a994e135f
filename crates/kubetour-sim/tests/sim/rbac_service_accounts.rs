//! ServiceAccount admission on the simulated cluster: a pod naming a missing service
//! account is refused with the real message, and a Deployment surfaces it as the
//! ReplicaSet's FailedCreate event.

use crate::support::eventually;
use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::{Event, Pod};
use kube::api::{Api, ListParams, PostParams};
use kubetour_sim::cluster::{Sim, SimConfig};
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pod_with_a_missing_service_account_is_refused_and_a_deployment_reports_it() {
    let sim = Sim::start(SimConfig {
        speed: 50.0,
        ..SimConfig::default()
    });
    let client = sim.client();
    let pods: Api<Pod> = Api::namespaced(client.clone(), "default");
    let pod: Pod = serde_json::from_value(json!({
        "metadata": {"name": "x"},
        "spec": {"serviceAccountName": "emqx", "containers": [{"name": "c", "image": "nginx:1.27"}]}
    }))
    .unwrap();
    let err = pods.create(&PostParams::default(), &pod).await.unwrap_err();
    let kube::Error::Api(status) = err else {
        panic!("{err:?}")
    };
    assert_eq!(status.code, 403);
    assert_eq!(
        status.message,
        "pods \"x\" is forbidden: error looking up service account default/emqx: serviceaccount \"emqx\" not found"
    );
    let deploy: Deployment = serde_json::from_value(json!({
        "metadata": {"name": "web"},
        "spec": {
            "selector": {"matchLabels": {"app": "web"}},
            "template": {
                "metadata": {"labels": {"app": "web"}},
                "spec": {"serviceAccountName": "emqx", "containers": [{"name": "c", "image": "nginx:1.27"}]}
            }
        }
    }))
    .unwrap();
    let deploys: Api<Deployment> = Api::namespaced(client.clone(), "default");
    deploys
        .create(&PostParams::default(), &deploy)
        .await
        .unwrap();
    let events: Api<Event> = Api::namespaced(client.clone(), "default");
    let message = eventually("a FailedCreate event", || async {
        let list = events.list(&ListParams::default()).await.ok()?;
        list.items
            .into_iter()
            .find(|e| e.reason.as_deref() == Some("FailedCreate"))
            .and_then(|e| e.message)
    })
    .await;
    assert!(
        message.starts_with("Error creating: pods \"web-"),
        "{message}"
    );
    assert!(
        message.ends_with("\" is forbidden: error looking up service account default/emqx: serviceaccount \"emqx\" not found"),
        "{message}"
    );
}
