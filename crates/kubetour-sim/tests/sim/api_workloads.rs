//! Contract tests through the API with kube-rs, in-process on paused time, with the
//! controllers running: what a client sees when it deletes workloads and their pods.

use std::time::Duration;

use k8s_openapi::api::apps::v1::{Deployment, ReplicaSet, StatefulSet};
use k8s_openapi::api::core::v1::{PersistentVolumeClaim, Pod};
use kube::api::{Api, DeleteParams, ListParams, Patch, PatchParams};
use kubetour_sim::cluster::{Sim, SimConfig};
use serde_json::{Value, json};

fn template(app: &str) -> Value {
    json!({
        "metadata": {"labels": {"app": app}},
        "spec": {"containers": [{"name": "emqx", "image": "emqx/emqx:5.8.9",
            "ports": [{"name": "mqtt", "containerPort": 1883}]}]}
    })
}

fn deployment(replicas: i64) -> Value {
    json!({
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "web", "namespace": "default"},
        "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": "web"}}, "template": template("web")}
    })
}

/// Waits (in simulated time) until `check` holds; panics after ten simulated minutes.
async fn until<F, Fut>(what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    for _ in 0..600 {
        if check().await {
            return;
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
    panic!("never happened: {what}");
}

async fn running_pods(pods: &Api<Pod>, selector: &str) -> Vec<String> {
    pods.list(&ListParams::default().labels(selector))
        .await
        .unwrap()
        .items
        .into_iter()
        .filter(|p| p.metadata.deletion_timestamp.is_none())
        .filter(|p| p.status.as_ref().and_then(|s| s.phase.as_deref()) == Some("Running"))
        .filter_map(|p| p.metadata.name)
        .collect()
}

#[tokio::test(start_paused = true)]
async fn deleting_a_deployment_removes_its_replicasets_and_pods() {
    let sim = Sim::start(SimConfig::default());
    let deployments: Api<Deployment> = Api::namespaced(sim.client(), "default");
    let sets: Api<ReplicaSet> = Api::namespaced(sim.client(), "default");
    let pods: Api<Pod> = Api::namespaced(sim.client(), "default");
    deployments
        .patch(
            "web",
            &PatchParams::apply("kubetour"),
            &Patch::Apply(deployment(2)),
        )
        .await
        .unwrap();
    until("two pods run", || async {
        running_pods(&pods, "app=web").await.len() == 2
    })
    .await;
    assert_eq!(
        sets.list(&ListParams::default()).await.unwrap().items.len(),
        1
    );
    deployments
        .delete("web", &DeleteParams::background())
        .await
        .unwrap();
    until("the replicaset and pods are gone", || async {
        sets.list(&ListParams::default())
            .await
            .unwrap()
            .items
            .is_empty()
            && pods
                .list(&ListParams::default().labels("app=web"))
                .await
                .unwrap()
                .items
                .is_empty()
    })
    .await;
}

#[tokio::test(start_paused = true)]
async fn foreground_deletion_shows_the_deployment_until_its_pods_are_gone() {
    let sim = Sim::start(SimConfig::default());
    let deployments: Api<Deployment> = Api::namespaced(sim.client(), "default");
    let pods: Api<Pod> = Api::namespaced(sim.client(), "default");
    deployments
        .patch(
            "web",
            &PatchParams::apply("kubetour"),
            &Patch::Apply(deployment(1)),
        )
        .await
        .unwrap();
    until("a pod runs", || async {
        running_pods(&pods, "app=web").await.len() == 1
    })
    .await;
    let answer = deployments
        .delete("web", &DeleteParams::foreground())
        .await
        .unwrap();
    let pending = answer
        .left()
        .expect("the deployment is still there, being deleted");
    assert!(pending.metadata.deletion_timestamp.is_some());
    assert_eq!(
        pending.metadata.finalizers,
        Some(vec!["foregroundDeletion".to_string()])
    );
    until("the deployment is gone", || async {
        deployments.get_opt("web").await.unwrap().is_none()
    })
    .await;
    assert!(
        pods.list(&ListParams::default().labels("app=web"))
            .await
            .unwrap()
            .items
            .is_empty()
    );
}

#[tokio::test(start_paused = true)]
async fn deleting_a_replicaset_owned_pod_brings_a_new_one() {
    let sim = Sim::start(SimConfig::default());
    let deployments: Api<Deployment> = Api::namespaced(sim.client(), "default");
    let pods: Api<Pod> = Api::namespaced(sim.client(), "default");
    deployments
        .patch(
            "web",
            &PatchParams::apply("kubetour"),
            &Patch::Apply(deployment(2)),
        )
        .await
        .unwrap();
    until("two pods run", || async {
        running_pods(&pods, "app=web").await.len() == 2
    })
    .await;
    let victim = running_pods(&pods, "app=web").await.remove(0);
    let answer = pods
        .delete(&victim, &DeleteParams::default())
        .await
        .unwrap();
    let terminating = answer.left().expect("a running pod terminates gracefully");
    assert_eq!(terminating.metadata.deletion_grace_period_seconds, Some(30));
    until("a replacement runs", || async {
        let names = running_pods(&pods, "app=web").await;
        names.len() == 2 && !names.contains(&victim)
    })
    .await;
    until("the deleted pod is gone", || async {
        pods.get_opt(&victim).await.unwrap().is_none()
    })
    .await;
}

#[tokio::test(start_paused = true)]
async fn statefulset_claims_survive_the_deletion_of_the_set() {
    let sim = Sim::start(SimConfig::default());
    let sets: Api<StatefulSet> = Api::namespaced(sim.client(), "default");
    let pods: Api<Pod> = Api::namespaced(sim.client(), "default");
    let claims: Api<PersistentVolumeClaim> = Api::namespaced(sim.client(), "default");
    let mut tpl = template("core");
    tpl["spec"]["containers"][0]["volumeMounts"] =
        json!([{"name": "data", "mountPath": "/opt/emqx/data"}]);
    let sts = json!({
        "apiVersion": "apps/v1", "kind": "StatefulSet",
        "metadata": {"name": "emqx", "namespace": "default"},
        "spec": {
            "serviceName": "emqx-headless", "replicas": 2,
            "selector": {"matchLabels": {"app": "core"}}, "template": tpl,
            "volumeClaimTemplates": [{"metadata": {"name": "data"},
                "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}}}]
        }
    });
    sets.patch("emqx", &PatchParams::apply("kubetour"), &Patch::Apply(sts))
        .await
        .unwrap();
    until("both ordinals run", || async {
        running_pods(&pods, "app=core").await.len() == 2
    })
    .await;
    let bound = |c: &PersistentVolumeClaim| {
        c.status.as_ref().and_then(|s| s.phase.as_deref()) == Some("Bound")
    };
    for name in ["data-emqx-0", "data-emqx-1"] {
        assert!(bound(&claims.get(name).await.unwrap()), "{name} is bound");
    }
    sets.delete("emqx", &DeleteParams::default()).await.unwrap();
    until("the pods are gone", || async {
        pods.list(&ListParams::default().labels("app=core"))
            .await
            .unwrap()
            .items
            .is_empty()
    })
    .await;
    for name in ["data-emqx-0", "data-emqx-1"] {
        assert!(
            bound(&claims.get(name).await.unwrap()),
            "{name} survives the set"
        );
    }
}

#[tokio::test(start_paused = true)]
async fn documents_applied_through_discovery_roll_out_and_report_completion() {
    use kube::api::{DynamicObject, GroupVersionKind};
    use kube::discovery::Discovery;
    use kube::runtime::wait::{await_condition, conditions};
    let sim = Sim::start(SimConfig::default());
    let client = sim.client();
    let discovery = Discovery::new(client.clone()).run().await.unwrap();
    let docs = [
        json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "emqx"}}),
        json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "emqx-config", "namespace": "emqx"},
            "data": {"EMQX_NAME": "emqx"}}),
        {
            let mut d = deployment(2);
            d["metadata"]["namespace"] = json!("emqx");
            d
        },
    ];
    for doc in docs {
        let obj: DynamicObject = serde_json::from_value(doc).unwrap();
        let types = obj.types.clone().unwrap();
        let gvk = GroupVersionKind::try_from(&types).unwrap();
        let (resource, caps) = discovery.resolve_gvk(&gvk).expect("the kind is discovered");
        let api: Api<DynamicObject> = if caps.scope == kube::discovery::Scope::Namespaced {
            Api::namespaced_with(
                client.clone(),
                obj.metadata.namespace.as_deref().unwrap(),
                &resource,
            )
        } else {
            Api::all_with(client.clone(), &resource)
        };
        let name = obj.metadata.name.clone().unwrap();
        api.patch(
            &name,
            &PatchParams::apply("kubetour").force(),
            &Patch::Apply(&obj),
        )
        .await
        .unwrap();
    }
    let deployments: Api<Deployment> = Api::namespaced(client.clone(), "emqx");
    let done = await_condition(deployments, "web", conditions::is_deployment_completed());
    let finished = tokio::time::timeout(Duration::from_secs(600), done)
        .await
        .expect("the rollout completes")
        .unwrap();
    let status = finished.unwrap().status.unwrap();
    assert_eq!(status.available_replicas, Some(2));
}

/// As kube-controller-manager and the StorageObjectInUseProtection plugin do: every new
/// claim carries `kubernetes.io/pvc-protection`; deleted while a pod mounts it, the
/// claim stays (Terminating) until the pod has gone through Terminating and is gone.
#[tokio::test(start_paused = true)]
async fn a_claim_deleted_under_a_pod_stays_until_the_pod_is_gone() {
    let sim = Sim::start(SimConfig::default());
    let pods: Api<Pod> = Api::namespaced(sim.client(), "default");
    let claims: Api<PersistentVolumeClaim> = Api::namespaced(sim.client(), "default");
    let claim: PersistentVolumeClaim = serde_json::from_value(json!({
        "metadata": {"name": "data"},
        "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}}
    }))
    .unwrap();
    let created = claims.create(&Default::default(), &claim).await.unwrap();
    assert_eq!(
        created.metadata.finalizers.as_deref(),
        Some(&["kubernetes.io/pvc-protection".to_string()][..])
    );
    let mut tpl = template("holder");
    tpl["metadata"]["name"] = json!("holder");
    tpl["spec"]["containers"][0]["volumeMounts"] =
        json!([{"name": "data", "mountPath": "/opt/emqx/data"}]);
    tpl["spec"]["volumes"] =
        json!([{"name": "data", "persistentVolumeClaim": {"claimName": "data"}}]);
    let pod: Pod = serde_json::from_value(tpl).unwrap();
    pods.create(&Default::default(), &pod).await.unwrap();
    until("the pod runs", || async {
        running_pods(&pods, "app=holder").await.len() == 1
    })
    .await;

    claims
        .delete("data", &DeleteParams::default())
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_secs(5)).await;
    let held = claims.get("data").await.unwrap();
    assert!(
        held.metadata.deletion_timestamp.is_some(),
        "marked for deletion"
    );

    pods.delete("holder", &DeleteParams::default())
        .await
        .unwrap();
    let terminating = pods.get("holder").await.unwrap();
    assert!(
        terminating.metadata.deletion_timestamp.is_some(),
        "the pod goes through Terminating"
    );
    until("the claim is gone", || async {
        claims.get_opt("data").await.unwrap().is_none()
    })
    .await;
    assert!(pods.get_opt("holder").await.unwrap().is_none());
}
