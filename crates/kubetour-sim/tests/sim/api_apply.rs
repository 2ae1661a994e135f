//! Contract tests of server-side apply and patches with kube-rs, in-process on paused
//! time: managed fields, conflicts, removal of dropped fields, defaults, and the other
//! patch types kubectl uses.

use std::time::Duration;

use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::ConfigMap;
use kube::api::{Api, Patch, PatchParams};
use serde_json::json;

use crate::support::{api_error, cm, deployment, sim};

#[tokio::test(start_paused = true)]
async fn applying_the_same_configuration_twice_changes_nothing() {
    let sim = sim();
    let api: Api<Deployment> = Api::namespaced(sim.client(), "default");
    let pp = PatchParams::apply("kubetour");
    let first = api
        .patch("web", &pp, &Patch::Apply(deployment("emqx/emqx:5.8.9")))
        .await
        .unwrap();
    // Let the controllers finish writing status, so only the apply could change it.
    tokio::time::sleep(Duration::from_secs(120)).await;
    let current = api.get("web").await.unwrap();
    let again = api
        .patch("web", &pp, &Patch::Apply(deployment("emqx/emqx:5.8.9")))
        .await
        .unwrap();
    assert_eq!(
        again.metadata.resource_version,
        current.metadata.resource_version
    );
    assert_eq!(again.metadata.generation, first.metadata.generation);
    let managed = again.metadata.managed_fields.unwrap();
    let mine: Vec<_> = managed
        .iter()
        .filter(|m| m.manager.as_deref() == Some("kubetour"))
        .collect();
    assert_eq!(mine.len(), 1);
    assert_eq!(mine[0].operation.as_deref(), Some("Apply"));
    let configmaps: Api<ConfigMap> = Api::namespaced(sim.client(), "default");
    let a = configmaps
        .patch("c", &pp, &Patch::Apply(cm("c", "1")))
        .await
        .unwrap();
    let b = configmaps
        .patch("c", &pp, &Patch::Apply(cm("c", "1")))
        .await
        .unwrap();
    assert_eq!(a.metadata.resource_version, b.metadata.resource_version);
}

#[tokio::test(start_paused = true)]
async fn an_applied_deployment_gets_the_real_servers_defaults() {
    let sim = sim();
    let api: Api<Deployment> = Api::namespaced(sim.client(), "default");
    let d = api
        .patch(
            "web",
            &PatchParams::apply("kubetour"),
            &Patch::Apply(deployment("emqx/emqx:5.8.9")),
        )
        .await
        .unwrap();
    let v = serde_json::to_value(&d).unwrap();
    let c = &v["spec"]["template"]["spec"]["containers"][0];
    assert_eq!(c["imagePullPolicy"], "IfNotPresent");
    assert_eq!(c["terminationMessagePath"], "/dev/termination-log");
    assert_eq!(c["ports"][0]["protocol"], "TCP");
    assert_eq!(
        v["spec"]["template"]["spec"]["schedulerName"],
        "default-scheduler"
    );
    assert_eq!(v["spec"]["strategy"]["type"], "RollingUpdate");
    assert_eq!(v["spec"]["revisionHistoryLimit"], 10);
    assert_eq!(v["metadata"]["generation"], 1);
    let fields = &v["metadata"]["managedFields"][0]["fieldsV1"];
    assert_eq!(
        fields["f:spec"]["f:template"]["f:spec"]["f:containers"]["k:{\"name\":\"web\"}"]["f:image"],
        json!({})
    );
}

#[tokio::test(start_paused = true)]
async fn another_managers_apply_conflicts_unless_forced() {
    let sim = sim();
    let api: Api<Deployment> = Api::namespaced(sim.client(), "default");
    api.patch(
        "web",
        &PatchParams::apply("kubetour"),
        &Patch::Apply(deployment("emqx/emqx:5.8.9")),
    )
    .await
    .unwrap();
    let other = PatchParams::apply("other-manager");
    let err = api_error(
        api.patch("web", &other, &Patch::Apply(deployment("emqx/emqx:5.8.10")))
            .await
            .unwrap_err(),
    );
    assert_eq!(err.code, 409);
    assert_eq!(
        err.message,
        "Apply failed with 1 conflict: conflict with \"kubetour\": .spec.template.spec.containers[name=\"web\"].image"
    );
    let forced = api
        .patch(
            "web",
            &other.force(),
            &Patch::Apply(deployment("emqx/emqx:5.8.10")),
        )
        .await
        .unwrap();
    let image = forced.spec.template.spec.unwrap().containers[0]
        .image
        .clone();
    assert_eq!(image.as_deref(), Some("emqx/emqx:5.8.10"));
}

#[tokio::test(start_paused = true)]
async fn fields_dropped_from_an_apply_are_removed() {
    let sim = sim();
    let api: Api<ConfigMap> = Api::namespaced(sim.client(), "default");
    let pp = PatchParams::apply("kubetour");
    let mut two = cm("c", "1");
    two.data.as_mut().unwrap().insert("j".into(), "2".into());
    api.patch("c", &pp, &Patch::Apply(two)).await.unwrap();
    let one = api
        .patch("c", &pp, &Patch::Apply(cm("c", "1")))
        .await
        .unwrap();
    let data = one.data.unwrap();
    assert_eq!(data.len(), 1, "{data:?}");
    assert_eq!(data["k"], "1");
}

#[tokio::test(start_paused = true)]
async fn list_elements_dropped_from_an_apply_are_removed_whole() {
    let sim = sim();
    let api: Api<Deployment> = Api::namespaced(sim.client(), "default");
    let pp = PatchParams::apply("kubetour");
    let mut with_env = deployment("nginx:1.27");
    with_env["spec"]["template"]["spec"]["containers"][0]["env"] =
        json!([{"name": "A", "value": "1"}, {"name": "B", "value": "2"}]);
    api.patch("web", &pp, &Patch::Apply(&with_env))
        .await
        .unwrap();
    let mut only_b = deployment("nginx:1.27");
    only_b["spec"]["template"]["spec"]["containers"][0]["env"] =
        json!([{"name": "B", "value": "2"}]);
    let d = api.patch("web", &pp, &Patch::Apply(&only_b)).await.unwrap();
    let env = d.spec.template.spec.clone().unwrap().containers[0]
        .env
        .clone()
        .unwrap();
    assert_eq!(env.len(), 1, "{env:?}");
    assert_eq!(env[0].name, "B");
    let d = api
        .patch("web", &pp, &Patch::Apply(deployment("nginx:1.27")))
        .await
        .unwrap();
    let env = d.spec.template.spec.unwrap().containers[0]
        .env
        .clone()
        .unwrap_or_default();
    assert!(
        env.is_empty(),
        "no stray fields of removed elements: {env:?}"
    );
}

#[tokio::test(start_paused = true)]
async fn an_apply_conflicts_with_a_scale_done_by_command() {
    let sim = sim();
    let api: Api<Deployment> = Api::namespaced(sim.client(), "default");
    let pp = PatchParams::apply("kubetour");
    api.patch("web", &pp, &Patch::Apply(deployment("emqx/emqx:5.8.9")))
        .await
        .unwrap();
    let by_command = PatchParams {
        field_manager: Some("kubectl".into()),
        ..Default::default()
    };
    api.patch_scale(
        "web",
        &by_command,
        &Patch::Merge(json!({"spec": {"replicas": 3}})),
    )
    .await
    .unwrap();
    let err = api_error(
        api.patch("web", &pp, &Patch::Apply(deployment("emqx/emqx:5.8.9")))
            .await
            .unwrap_err(),
    );
    assert_eq!(
        err.message,
        "Apply failed with 1 conflict: conflict with \"kubectl\" with subresource \"scale\" using apps/v1: .spec.replicas"
    );
    let forced = api
        .patch(
            "web",
            &pp.force(),
            &Patch::Apply(deployment("emqx/emqx:5.8.9")),
        )
        .await
        .unwrap();
    assert_eq!(forced.spec.replicas, Some(1));
}

#[tokio::test(start_paused = true)]
async fn strategic_and_json_patches_edit_the_live_object() {
    let sim = sim();
    let api: Api<Deployment> = Api::namespaced(sim.client(), "default");
    api.patch(
        "web",
        &PatchParams::apply("kubetour"),
        &Patch::Apply(deployment("emqx/emqx:5.8.9")),
    )
    .await
    .unwrap();
    let smp = json!({"spec": {"template": {"spec": {"containers": [{"name": "web", "image": "emqx/emqx:5.8.10"}]}}}});
    let patched = api
        .patch("web", &PatchParams::default(), &Patch::Strategic(smp))
        .await
        .unwrap();
    let c = &patched.spec.template.spec.as_ref().unwrap().containers[0];
    assert_eq!(c.image.as_deref(), Some("emqx/emqx:5.8.10"));
    assert_eq!(
        c.ports.as_ref().unwrap()[0].container_port,
        1883,
        "the rest of the container stays"
    );
    let ops: json_patch::Patch = serde_json::from_value(json!([
        {"op": "replace", "path": "/spec/replicas", "value": 4},
        {"op": "add", "path": "/metadata/labels/tier", "value": "core"}
    ]))
    .unwrap();
    let patched = api
        .patch("web", &PatchParams::default(), &Patch::<()>::Json(ops))
        .await
        .unwrap();
    assert_eq!(patched.spec.replicas, Some(4));
    assert_eq!(patched.metadata.labels.unwrap()["tier"], "core");
    let failing: json_patch::Patch =
        serde_json::from_value(json!([{"op": "test", "path": "/spec/replicas", "value": 9}]))
            .unwrap();
    let err = api_error(
        api.patch("web", &PatchParams::default(), &Patch::<()>::Json(failing))
            .await
            .unwrap_err(),
    );
    assert_eq!(err.code, 422);
}
