//! The wizard while its API server goes away and comes back on the same port
//! (`kubetour sim serve --state` killed with -9 and started again): the panels say the
//! connection is lost instead of a client error, and after the return the wizard
//! reconnects by itself, relists, and a pod deleted meanwhile leaves the pods panel.

use std::time::Instant;

use crate::common::server::{Files, Server, client, saved_with};
use crate::support::driven;
use k8s_openapi::api::core::v1::{ConfigMap, Namespace, Pod};
use kube::api::{Api, DeleteParams, PostParams};
use kubetour::app::runtime::Observed;
use kubetour::view::outage::Cause;
use serde_json::json;

fn pod(name: &str) -> Pod {
    serde_json::from_value(json!({
        "metadata": {"name": name},
        "spec": {"containers": [{"name": "web", "image": "nginx:1.27"}]}
    }))
    .unwrap()
}

fn pod_names(o: &Observed) -> Vec<String> {
    o.model.pod_names()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_wizard_says_the_connection_is_lost_and_after_the_return_shows_no_stale_rows() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let files = Files::new();
    let first = Server::start(&files, 0);
    let port = first.port;
    let direct = client(&files).await;
    let namespaces: Api<Namespace> = Api::all(direct.clone());
    let ns: Namespace = serde_json::from_value(json!({"metadata": {"name": "emqx"}})).unwrap();
    namespaces
        .create(&PostParams::default(), &ns)
        .await
        .unwrap();
    let pods: Api<Pod> = Api::namespaced(direct.clone(), "emqx");
    for name in ["stays", "goes"] {
        pods.create(&PostParams::default(), &pod(name))
            .await
            .unwrap();
    }

    let (_opened, wizard) = driven::open_wizard(Some(files.kubeconfig.clone()), false, 1.0).await;
    let driven::Driven {
        keys: _keys,
        mut frames,
        looped: _looped,
    } = driven::drive(wizard, 120, 40);

    driven::until(&mut frames, 60, "both pods listed", |o| {
        pod_names(o) == ["goes", "stays"] && o.model.view.trouble.is_none()
    })
    .await;
    // Both pods running and in the state file before the server dies.
    let cms: Api<ConfigMap> = Api::namespaced(direct.clone(), "emqx");
    driven::until(&mut frames, 60, "both pods running", |o| {
        o.screen.matches("Running").count() >= 2
    })
    .await;
    let marker: ConfigMap =
        serde_json::from_value(json!({"metadata": {"name": "marker"}})).unwrap();
    cms.create(&PostParams::default(), &marker).await.unwrap();
    saved_with(&files, "\"marker\"", 10);

    first.kill();
    let lost = driven::until(&mut frames, 30, "the connection is lost", |o| {
        o.model
            .view
            .trouble
            .as_ref()
            .is_some_and(|t| t.trouble.cause == Cause::Unreachable)
            && o.screen.contains("connection to the API server lost")
    })
    .await;
    eprintln!("while the server is down:\n{}", lost.screen);
    assert!(!lost.screen.contains("ServiceError"), "{}", lost.screen);
    assert!(lost.screen.contains("lost since "), "{}", lost.screen);
    assert!(
        lost.screen.contains("as last seen, connection lost"),
        "{}",
        lost.screen
    );

    let _second = Server::start(&files, port);
    let back = Instant::now();
    // Deleted at once, most likely before the wizard's next try (it retries at most
    // about a second apart): its watches find it gone when they relist.
    pods.delete("goes", &DeleteParams::default().grace_period(0))
        .await
        .unwrap();
    let o = driven::until(
        &mut frames,
        10,
        "reconnected, without the deleted pod",
        |o| o.model.view.trouble.is_none() && pod_names(o) == ["stays"],
    )
    .await;
    let took = back.elapsed();
    eprintln!("recovered {took:?} after the server returned");
    assert!(
        !o.screen.contains("connection to the API server lost"),
        "{}",
        o.screen
    );
    // (Its events stay listed, as they do on a real cluster.)
    assert!(o.screen.contains("Pods (1) "), "{}", o.screen);
    assert!(!o.screen.contains("goes  1/1"), "{}", o.screen);
}
