//! Contract tests of the simulated API server with kube-rs, in-process on paused time:
//! the same client calls the wizard makes against a real cluster.

use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::{ConfigMap, Pod, Service};
use kube::api::{Api, DeleteParams, ListParams, Patch, PatchParams, PostParams};
use serde_json::json;

use crate::support::{api_error, cm, deployment, sim};

#[tokio::test(start_paused = true)]
async fn a_stale_update_is_a_conflict() {
    let sim = sim();
    let api: Api<ConfigMap> = Api::namespaced(sim.client(), "default");
    let created = api
        .create(&PostParams::default(), &cm("c", "1"))
        .await
        .unwrap();
    let mut first = created.clone();
    first.data = Some([("k".to_string(), "2".to_string())].into());
    let updated = api
        .replace("c", &PostParams::default(), &first)
        .await
        .unwrap();
    assert_ne!(
        updated.metadata.resource_version,
        created.metadata.resource_version
    );
    let mut stale = created.clone();
    stale.data = Some([("k".to_string(), "3".to_string())].into());
    let err = api_error(
        api.replace("c", &PostParams::default(), &stale)
            .await
            .unwrap_err(),
    );
    assert_eq!(err.code, 409);
    assert_eq!(err.reason, "Conflict");
    assert_eq!(
        err.message,
        "Operation cannot be fulfilled on configmaps \"c\": the object has been modified; please apply your changes to the latest version and try again"
    );
    let err = api_error(
        api.create(&PostParams::default(), &cm("c", "1"))
            .await
            .unwrap_err(),
    );
    assert_eq!((err.code, err.reason.as_str()), (409, "AlreadyExists"));
}

#[tokio::test(start_paused = true)]
async fn an_invalid_pod_is_rejected_with_field_causes() {
    let sim = sim();
    let api: Api<Pod> = Api::namespaced(sim.client(), "default");
    let pod: Pod = serde_json::from_value(json!({
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": "EMQX_Pod"},
        "spec": {"containers": [{"name": "emqx"}]}
    }))
    .unwrap();
    let err = api_error(api.create(&PostParams::default(), &pod).await.unwrap_err());
    assert_eq!(err.code, 422);
    assert_eq!(err.reason, "Invalid");
    assert!(
        err.message.starts_with(
            "Pod \"EMQX_Pod\" is invalid: [metadata.name: Invalid value: \"EMQX_Pod\""
        ),
        "{}",
        err.message
    );
    let causes = err.details.unwrap().causes;
    let fields: Vec<_> = causes.iter().map(|c| c.field.as_str()).collect();
    assert_eq!(fields, ["metadata.name", "spec.containers[0].image"]);
    assert!(
        api.list(&ListParams::default())
            .await
            .unwrap()
            .items
            .is_empty()
    );
}

#[tokio::test(start_paused = true)]
async fn a_selector_that_misses_the_template_is_invalid() {
    let sim = sim();
    let api: Api<Deployment> = Api::namespaced(sim.client(), "default");
    let mut d = deployment("emqx/emqx:5.8.9");
    d["spec"]["template"]["metadata"]["labels"] = json!({"app": "other"});
    let err = api_error(
        api.patch("web", &PatchParams::apply("kubetour"), &Patch::Apply(d))
            .await
            .unwrap_err(),
    );
    assert_eq!(err.code, 422);
    assert_eq!(
        err.details.unwrap().causes[0].field,
        "spec.template.metadata.labels"
    );
}

#[tokio::test(start_paused = true)]
async fn a_missing_object_is_not_found() {
    let sim = sim();
    let api: Api<Pod> = Api::namespaced(sim.client(), "default");
    let err = api_error(api.get("does-not-exist").await.unwrap_err());
    assert_eq!(err.code, 404);
    assert_eq!(err.message, "pods \"does-not-exist\" not found");
    let missing_ns: Api<ConfigMap> = Api::namespaced(sim.client(), "nowhere");
    let mut c = cm("c", "1");
    c.metadata.namespace = None;
    let err = api_error(
        missing_ns
            .create(&PostParams::default(), &c)
            .await
            .unwrap_err(),
    );
    assert_eq!(err.message, "namespaces \"nowhere\" not found");
}

#[tokio::test(start_paused = true)]
async fn lists_page_with_limit_and_continue_and_filter_by_selectors() {
    let sim = sim();
    let api: Api<ConfigMap> = Api::namespaced(sim.client(), "default");
    for (i, tier) in ["core", "core", "replicant"].iter().enumerate() {
        let mut c = cm(&format!("c{i}"), "1");
        c.metadata.labels = Some([("tier".to_string(), tier.to_string())].into());
        api.create(&PostParams::default(), &c).await.unwrap();
    }
    let page = api
        .list(&ListParams::default().labels("tier").limit(2))
        .await
        .unwrap();
    assert_eq!(page.items.len(), 2);
    let token = page.metadata.continue_.clone().unwrap();
    let rest = api
        .list(
            &ListParams::default()
                .labels("tier")
                .limit(2)
                .continue_token(&token),
        )
        .await
        .unwrap();
    assert_eq!(rest.items.len(), 1);
    assert_eq!(rest.items[0].metadata.name.as_deref(), Some("c2"));
    let core = api
        .list(&ListParams::default().labels("tier=core"))
        .await
        .unwrap();
    assert_eq!(core.items.len(), 2);
    let named = api
        .list(&ListParams::default().fields("metadata.name=c1"))
        .await
        .unwrap();
    assert_eq!(named.items.len(), 1);
}

#[tokio::test(start_paused = true)]
async fn a_dry_run_writes_nothing() {
    let sim = sim();
    let api: Api<ConfigMap> = Api::namespaced(sim.client(), "default");
    let pp = PostParams {
        dry_run: true,
        ..Default::default()
    };
    let answered = api.create(&pp, &cm("dry", "1")).await.unwrap();
    assert_eq!(answered.metadata.name.as_deref(), Some("dry"));
    assert_eq!(answered.metadata.uid.as_ref().map(String::len), Some(36));
    assert!(answered.metadata.creation_timestamp.is_some());
    assert!(api.get_opt("dry").await.unwrap().is_none());
}

#[tokio::test(start_paused = true)]
async fn services_get_a_cluster_ip_and_headless_ones_keep_none() {
    let sim = sim();
    let api: Api<Service> = Api::namespaced(sim.client(), "default");
    let svc = |name: &str, cluster_ip: Option<&str>| -> Service {
        let mut v = json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": name},
            "spec": {"selector": {"app": "web"}, "ports": [{"name": "mqtt", "port": 1883}]}});
        if let Some(ip) = cluster_ip {
            v["spec"]["clusterIP"] = json!(ip);
        }
        serde_json::from_value(v).unwrap()
    };
    let normal = api
        .create(&PostParams::default(), &svc("web", None))
        .await
        .unwrap();
    let spec = normal.spec.unwrap();
    let ip = spec.cluster_ip.unwrap();
    assert!(ip.starts_with("10."), "{ip}");
    assert_eq!(
        spec.ports.unwrap()[0].target_port,
        Some(k8s_openapi::apimachinery::pkg::util::intstr::IntOrString::Int(1883))
    );
    let headless = api
        .create(&PostParams::default(), &svc("web-headless", Some("None")))
        .await
        .unwrap();
    assert_eq!(headless.spec.unwrap().cluster_ip.as_deref(), Some("None"));
}

#[tokio::test(start_paused = true)]
async fn the_scale_subresource_sets_replicas() {
    let sim = sim();
    let api: Api<Deployment> = Api::namespaced(sim.client(), "default");
    api.patch(
        "web",
        &PatchParams::apply("kubetour"),
        &Patch::Apply(deployment("emqx/emqx:5.8.9")),
    )
    .await
    .unwrap();
    let scale = api
        .patch_scale(
            "web",
            &PatchParams::default(),
            &Patch::Merge(json!({"spec": {"replicas": 3}})),
        )
        .await
        .unwrap();
    assert_eq!(scale.spec.unwrap().replicas, Some(3));
    assert_eq!(api.get("web").await.unwrap().spec.replicas, Some(3));
    assert_eq!(
        api.get_scale("web")
            .await
            .unwrap()
            .status
            .unwrap()
            .selector
            .as_deref(),
        Some("app=web")
    );
}

#[tokio::test(start_paused = true)]
async fn deleting_a_configmap_answers_a_success_status() {
    let sim = sim();
    let api: Api<ConfigMap> = Api::namespaced(sim.client(), "default");
    api.create(&PostParams::default(), &cm("gone", "1"))
        .await
        .unwrap();
    let answer = api.delete("gone", &DeleteParams::default()).await.unwrap();
    assert!(answer.is_right(), "a ConfigMap is deleted at once");
    assert!(api.get_opt("gone").await.unwrap().is_none());
}

#[tokio::test(start_paused = true)]
async fn delete_collection_removes_only_the_selected_objects() {
    let sim = sim();
    let api: Api<ConfigMap> = Api::namespaced(sim.client(), "default");
    for (name, tier) in [("a", "x"), ("b", "x"), ("c", "y")] {
        let mut c = cm(name, "1");
        c.metadata.labels = Some([("tier".to_string(), tier.to_string())].into());
        api.create(&PostParams::default(), &c).await.unwrap();
    }
    api.delete_collection(
        &DeleteParams::default(),
        &ListParams::default().labels("tier=x"),
    )
    .await
    .unwrap();
    let left: Vec<String> = api
        .list(&ListParams::default().labels("tier"))
        .await
        .unwrap()
        .items
        .into_iter()
        .filter_map(|c| c.metadata.name)
        .collect();
    assert_eq!(left, ["c"]);
}

#[tokio::test(start_paused = true)]
async fn endpoint_slices_mirror_the_endpoints_of_services() {
    use k8s_openapi::api::discovery::v1::EndpointSlice;
    let sim = sim();
    let api: Api<EndpointSlice> = Api::namespaced(sim.client(), "default");
    let slices = api
        .list(&ListParams::default().labels("kubernetes.io/service-name=kubernetes"))
        .await
        .unwrap();
    assert_eq!(slices.items.len(), 1);
    let slice = &slices.items[0];
    assert_eq!(slice.address_type, "IPv4");
    assert_eq!(slice.ports.as_ref().unwrap()[0].port, Some(6443));
    let name = slice.metadata.name.clone().unwrap();
    assert!(name.starts_with("kubernetes-"), "{name}");
    assert_eq!(api.get(&name).await.unwrap().metadata.name, Some(name));
    let err = api_error(
        api.delete("kubernetes-x", &DeleteParams::default())
            .await
            .unwrap_err(),
    );
    assert_eq!(err.code, 405);
}

#[tokio::test(start_paused = true)]
async fn binding_a_pod_assigns_its_node_once() {
    let sim = sim();
    let api: Api<Pod> = Api::namespaced(sim.client(), "default");
    let pod: Pod = serde_json::from_value(json!({
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": "by-hand"},
        "spec": {"schedulerName": "by-hand", "containers": [{"name": "c", "image": "emqx/emqx:5.8.9"}]}
    }))
    .unwrap();
    api.create(&PostParams::default(), &pod).await.unwrap();
    let binding = json!({"apiVersion": "v1", "kind": "Binding", "metadata": {"name": "by-hand"},
        "target": {"apiVersion": "v1", "kind": "Node", "name": "sim-node-2"}});
    let req = |body: &serde_json::Value| {
        http::Request::post("/api/v1/namespaces/default/pods/by-hand/binding")
            .header("content-type", "application/json")
            .body(serde_json::to_vec(body).unwrap())
            .unwrap()
    };
    let client = sim.client();
    let status: kube::core::Status = client.request(req(&binding)).await.unwrap();
    assert_eq!(status.code, 201);
    let bound = api.get("by-hand").await.unwrap();
    assert_eq!(bound.spec.unwrap().node_name.as_deref(), Some("sim-node-2"));
    let err = client
        .request::<kube::core::Status>(req(&binding))
        .await
        .unwrap_err();
    assert_eq!(api_error(err).code, 409);
}

#[tokio::test(start_paused = true)]
async fn status_is_written_only_through_the_status_subresource() {
    let sim = sim();
    let api: Api<Deployment> = Api::namespaced(sim.client(), "default");
    let mut d = deployment("emqx/emqx:5.8.9");
    d["spec"]["template"]["spec"]["schedulerName"] = json!("nobody");
    d["spec"]["replicas"] = json!(0);
    api.patch("web", &PatchParams::apply("kubetour"), &Patch::Apply(d))
        .await
        .unwrap();
    let pp = PatchParams::default();
    let main = api
        .patch(
            "web",
            &pp,
            &Patch::Merge(json!({"status": {"observedGeneration": 42}})),
        )
        .await
        .unwrap();
    assert_ne!(main.status.and_then(|s| s.observed_generation), Some(42));
    let via_status = api
        .patch_status(
            "web",
            &pp,
            &Patch::Merge(json!({"status": {"observedGeneration": 42}, "spec": {"replicas": 5}})),
        )
        .await
        .unwrap();
    assert_eq!(via_status.status.unwrap().observed_generation, Some(42));
    assert_eq!(
        via_status.spec.replicas,
        Some(0),
        "spec is not written through status"
    );
}

#[tokio::test(start_paused = true)]
async fn dry_run_updates_and_deletes_change_nothing() {
    let sim = sim();
    let api: Api<ConfigMap> = Api::namespaced(sim.client(), "default");
    let created = api
        .create(&PostParams::default(), &cm("c", "1"))
        .await
        .unwrap();
    let pp = PatchParams {
        dry_run: true,
        ..Default::default()
    };
    let answered = api
        .patch("c", &pp, &Patch::Merge(json!({"data": {"k": "2"}})))
        .await
        .unwrap();
    assert_eq!(answered.data.unwrap()["k"], "2");
    let dp = DeleteParams {
        dry_run: true,
        ..Default::default()
    };
    api.delete("c", &dp).await.unwrap();
    let current = api.get("c").await.unwrap();
    assert_eq!(current.data.unwrap()["k"], "1");
    assert_eq!(
        current.metadata.resource_version,
        created.metadata.resource_version
    );
}

#[tokio::test(start_paused = true)]
async fn a_created_pod_gets_its_service_account_token_volume() {
    let sim = sim();
    let api: Api<Pod> = Api::namespaced(sim.client(), "default");
    let pod: Pod = serde_json::from_value(json!({
        "apiVersion": "v1", "kind": "Pod", "metadata": {"name": "emqx"},
        "spec": {"containers": [{"name": "emqx", "image": "emqx/emqx:5.8.9"}]}
    }))
    .unwrap();
    let created = api.create(&PostParams::default(), &pod).await.unwrap();
    let spec = created.spec.unwrap();
    assert_eq!(spec.service_account_name.as_deref(), Some("default"));
    let volume = &spec.volumes.unwrap()[0];
    assert!(
        volume.name.starts_with("kube-api-access-"),
        "{}",
        volume.name
    );
    let mount = &spec.containers[0].volume_mounts.as_ref().unwrap()[0];
    assert_eq!(
        mount.mount_path,
        "/var/run/secrets/kubernetes.io/serviceaccount"
    );
    assert_eq!(created.status.unwrap().phase.as_deref(), Some("Pending"));
}
