//! Endpoints for Services and namespace deletion, driven directly against the store on
//! paused time.

use crate::support::controllers::*;
use kubetour_sim::config::SimConfig;
use kubetour_sim::resources::Res;
use serde_json::{Value, json};

fn service(name: &str, app: &str, headless: bool, publish_not_ready: bool) -> Value {
    let mut s = json!({
        "apiVersion": "v1", "kind": "Service",
        "metadata": {"name": name, "namespace": "emqx", "labels": {"app": app}},
        "spec": {
            "selector": {"app": app},
            "ports": [{"name": "mqtt", "port": 1883, "targetPort": "mqtt", "protocol": "TCP"},
                      {"name": "dashboard", "port": 80, "targetPort": 18083, "protocol": "TCP"}],
            "publishNotReadyAddresses": publish_not_ready,
        },
    });
    if headless {
        s["spec"]["clusterIP"] = json!("None");
    }
    s
}

fn statefulset(name: &str, replicas: i64, delay: i64) -> Value {
    let mut t = template(name, "emqx/emqx:5.8.9");
    t["spec"]["containers"][0]["readinessProbe"] =
        json!({"tcpSocket": {"port": 1883}, "initialDelaySeconds": delay, "periodSeconds": 5});
    json!({
        "apiVersion": "apps/v1", "kind": "StatefulSet",
        "metadata": {"name": name, "namespace": "emqx"},
        "spec": {
            "replicas": replicas, "serviceName": "emqx-headless", "podManagementPolicy": "Parallel",
            "selector": {"matchLabels": {"app": name}}, "template": t,
        },
    })
}

fn addresses(e: &Value, field: &str) -> Vec<Value> {
    e["subsets"][0][field]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

#[tokio::test(start_paused = true)]
async fn endpoints_list_ready_and_not_ready_addresses_with_resolved_ports() {
    let c = cluster(SimConfig::default());
    c.store
        .create(Res::Service, service("emqx-service", "emqx", false, false))
        .unwrap();
    c.store
        .create(Res::StatefulSet, statefulset("emqx", 2, 60))
        .unwrap();
    // Running but not yet past the probe's initial delay: not ready.
    let e = wait_for(30, "not-ready addresses", || {
        let e = c.store.get(Res::Endpoints, "emqx", "emqx-service")?;
        (addresses(&e, "notReadyAddresses").len() == 2).then_some(e)
    })
    .await;
    assert!(addresses(&e, "addresses").is_empty());
    assert_eq!(
        e["subsets"][0]["ports"],
        json!([{"name": "mqtt", "port": 1883, "protocol": "TCP"}, {"name": "dashboard", "port": 18083, "protocol": "TCP"}])
    );
    let e = wait_for(120, "ready addresses", || {
        let e = c.store.get(Res::Endpoints, "emqx", "emqx-service")?;
        (addresses(&e, "addresses").len() == 2).then_some(e)
    })
    .await;
    let first = &addresses(&e, "addresses")[0];
    assert!(first["ip"].as_str().unwrap().starts_with("10.244."));
    assert!(first["nodeName"].as_str().unwrap().starts_with("sim-node-"));
    assert_eq!(first["targetRef"]["kind"], "Pod");
    assert!(
        first.get("hostname").is_none(),
        "subdomain is not this service"
    );
    assert_eq!(e["metadata"]["labels"]["app"], "emqx");
    assert!(
        e["metadata"]["annotations"]["endpoints.kubernetes.io/last-change-trigger-time"]
            .is_string()
    );
}

#[tokio::test(start_paused = true)]
async fn a_headless_service_gives_hostnames_and_publishes_not_ready_pods() {
    let c = cluster(SimConfig::default());
    c.store
        .create(Res::Service, service("emqx-headless", "emqx", true, true))
        .unwrap();
    c.store
        .create(Res::StatefulSet, statefulset("emqx", 2, 600))
        .unwrap();
    let e = wait_for(60, "published addresses", || {
        let e = c.store.get(Res::Endpoints, "emqx", "emqx-headless")?;
        (addresses(&e, "addresses").len() == 2).then_some(e)
    })
    .await;
    assert!(addresses(&e, "notReadyAddresses").is_empty());
    assert!(
        ready_pods(&c.store, "emqx-").is_empty(),
        "published although not ready"
    );
    let mut hostnames: Vec<String> = addresses(&e, "addresses")
        .iter()
        .map(|a| a["hostname"].as_str().unwrap().to_string())
        .collect();
    hostnames.sort();
    assert_eq!(hostnames, ["emqx-0", "emqx-1"]);
    assert_eq!(
        e["metadata"]["labels"]["service.kubernetes.io/headless"],
        ""
    );
}

#[tokio::test(start_paused = true)]
async fn deleting_a_service_removes_its_endpoints() {
    let c = cluster(SimConfig::default());
    c.store
        .create(Res::Service, service("web", "web", false, false))
        .unwrap();
    wait_for(10, "endpoints", || {
        c.store.get(Res::Endpoints, "emqx", "web")
    })
    .await;
    c.store.delete(Res::Service, "emqx", "web").unwrap();
    wait_for(10, "gone", || {
        c.store
            .get(Res::Endpoints, "emqx", "web")
            .is_none()
            .then_some(())
    })
    .await;
}

#[tokio::test(start_paused = true)]
async fn a_new_namespace_gets_its_default_service_account_and_root_ca() {
    let c = cluster(SimConfig::default());
    wait_for(10, "sa and ca", || {
        let sa = c.store.get(Res::ServiceAccount, "emqx", "default")?;
        let ca = c.store.get(Res::ConfigMap, "emqx", "kube-root-ca.crt")?;
        Some((sa, ca))
    })
    .await;
    assert_eq!(c.store.list(Res::Node, None).0.len(), 3);
    assert!(c.store.get(Res::Service, "default", "kubernetes").is_some());
    assert!(c.store.get(Res::StorageClass, "", "standard").is_some());
    for ns in ["default", "kube-system", "kube-public", "kube-node-lease"] {
        assert!(
            c.store.get(Res::ServiceAccount, ns, "default").is_some(),
            "{ns}"
        );
    }
}

#[tokio::test(start_paused = true)]
async fn deleting_a_namespace_removes_its_contents_then_the_namespace() {
    let c = cluster(SimConfig::default());
    c.store
        .create(Res::Deployment, deployment("web", 2, "nginx:1.27"))
        .unwrap();
    c.store
        .create(Res::Service, service("web", "web", false, false))
        .unwrap();
    wait_for(60, "ready", || {
        (ready_pods(&c.store, "web-").len() == 2).then_some(())
    })
    .await;
    // What the API does on DELETE of a namespace.
    c.store
        .mutate(Res::Namespace, "", "emqx", |n| {
            n["metadata"]["deletionTimestamp"] = json!("2030-01-01T00:00:00Z");
            n["metadata"]["deletionGracePeriodSeconds"] = json!(0);
            n["status"]["phase"] = json!("Terminating");
            true
        })
        .unwrap();
    wait_for(120, "namespace gone", || {
        c.store
            .get(Res::Namespace, "", "emqx")
            .is_none()
            .then_some(())
    })
    .await;
    for res in [
        Res::Pod,
        Res::ReplicaSet,
        Res::Deployment,
        Res::Service,
        Res::Endpoints,
        Res::ServiceAccount,
        Res::ConfigMap,
    ] {
        let left = c.store.list(res, Some("emqx")).0;
        assert!(left.is_empty(), "{res:?} left: {left:#?}");
    }
}

#[tokio::test(start_paused = true)]
async fn the_root_ca_written_to_kube_system_reaches_every_namespace() {
    let c = cluster(SimConfig::default());
    wait_for(10, "emqx ca", || {
        c.store.get(Res::ConfigMap, "emqx", "kube-root-ca.crt")
    })
    .await;
    let pem = "-----BEGIN CERTIFICATE-----\nMIIBreal\n-----END CERTIFICATE-----\n";
    c.store
        .mutate(Res::ConfigMap, "kube-system", "kube-root-ca.crt", |cm| {
            cm["data"]["ca.crt"] = json!(pem);
            true
        })
        .unwrap();
    for ns in ["emqx", "default", "kube-public"] {
        wait_for(10, ns, || {
            let cm = c.store.get(Res::ConfigMap, ns, "kube-root-ca.crt")?;
            (cm["data"]["ca.crt"] == pem).then_some(())
        })
        .await;
    }
}

#[tokio::test(start_paused = true)]
async fn a_fresh_cluster_runs_coredns_behind_kube_dns() {
    let c = cluster(SimConfig::default());
    let e = wait_for(60, "kube-dns endpoints", || {
        let e = c.store.get(Res::Endpoints, "kube-system", "kube-dns")?;
        (addresses(&e, "addresses").len() == 2).then_some(e)
    })
    .await;
    let ports = e["subsets"][0]["ports"].as_array().unwrap();
    assert_eq!(ports.len(), 3);
    let svc = c
        .store
        .get(Res::Service, "kube-system", "kube-dns")
        .unwrap();
    assert_eq!(svc["spec"]["clusterIP"], "10.96.0.10");
    let pods = c.store.list(Res::Pod, Some("kube-system")).0;
    assert_eq!(pods.len(), 2);
    for p in pods {
        assert!(
            p["metadata"]["name"]
                .as_str()
                .unwrap()
                .starts_with("coredns-")
        );
        assert_eq!(p["status"]["qosClass"], "Burstable");
    }
}

#[tokio::test(start_paused = true)]
async fn node_heartbeats_keep_advancing() {
    let c = cluster(SimConfig::default());
    let beat = |store: &kubetour_sim::store::Store| {
        let node = store.get(Res::Node, "", "sim-node-1").unwrap();
        condition(&node, "Ready").unwrap()["lastHeartbeatTime"].clone()
    };
    let first = beat(&c.store);
    tokio::time::sleep(std::time::Duration::from_secs(601)).await;
    assert_ne!(beat(&c.store), first);
}
