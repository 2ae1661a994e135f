//! Why is there no cluster (pitfalls P11–P20): the simulated cluster reproduces each
//! cause from the objects alone, and the diagnosis table names it, with its fix.

use crate::pitfalls::edited_track;
use crate::support::{cluster, engine as new_engine, load_track};
use kubetour::engine::RunOptions;
use kubetour::engine::events::{Diagnosis, EngineEvent};
use kubetour::track::Lang;
use kubetour::track::lint::lint_track;

/// Runs the track through `rbac` with `edit` applied to the rbac stage file; the stage
/// must fail, and the diagnoses of its failed checks are returned.
async fn rbac_fails_with(edit: impl Fn(&str) -> String) -> Vec<Diagnosis> {
    stage_fails_with("06-rbac.yaml", "rbac", edit).await
}

/// Runs the track through `stage` with `edit` applied to `file`; the stage must fail, and
/// the diagnoses of its failed checks are returned.
async fn stage_fails_with(
    file: &str,
    stage: &str,
    edit: impl Fn(&str) -> String,
) -> Vec<Diagnosis> {
    let dir = edited_track(file, edit);
    let (_sim, conn) = cluster(true).await;
    let (mut engine, events) = new_engine(&conn, load_track(dir.path(), "5"));
    let options = RunOptions {
        try_it: false,
        lang: Lang::En,
    };
    let err = match engine.run(Some(stage), &options).await {
        Err(err) => err,
        Ok(()) => panic!("the stage passed:\n{}", crate::support::dump(&events)),
    };
    assert!(
        err.to_string().contains(&format!("stage `{stage}`")),
        "{err}"
    );
    let events = events.lock().unwrap().clone();
    events
        .iter()
        .filter_map(|e| match e {
            EngineEvent::CheckFailed {
                stage: failed,
                diagnoses,
                ..
            } if failed == stage => Some(diagnoses.clone()),
            _ => None,
        })
        .flatten()
        .collect()
}

/// Whether lint flags `file` of the track edited by `edit` with `rule`, for `pitfall`.
fn lint_flags(file: &str, edit: impl Fn(&str) -> String, rule: &str, pitfall: &str) {
    let dir = edited_track(file, edit);
    let found = lint_track(dir.path()).unwrap();
    assert!(
        found
            .iter()
            .any(|f| f.rule == rule && f.pitfall == Some(pitfall)),
        "lint does not flag {pitfall} ({rule}): {found:#?}"
    );
}

/// The diagnosis naming `pitfall`, or a failure listing what was named instead.
fn named<'a>(diagnoses: &'a [Diagnosis], pitfall: &str) -> &'a Diagnosis {
    diagnoses
        .iter()
        .find(|d| d.explanation.starts_with(&format!("{pitfall}: ")))
        .unwrap_or_else(|| panic!("nothing names {pitfall}: {diagnoses:#?}"))
}

/// Extra env entries for the rbac stage's Deployment (before the apiserver setting).
fn with_env(text: &str, entries: &str) -> String {
    text.replace(
        "            - name: EMQX_CLUSTER__K8S__APISERVER\n",
        &format!("{entries}            - name: EMQX_CLUSTER__K8S__APISERVER\n"),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn p17_a_pod_with_another_erlang_cookie_stays_alone_and_the_cookie_is_named() {
    // Two pods of the track's Deployment (default cookie) and one of a second Deployment
    // behind the same Service, given its own cookie.
    let diagnoses = rbac_fails_with(|t| {
        let odd = t
            .split("\n---\n")
            .find(|d| d.contains("kind: Deployment"))
            .unwrap()
            .replace("name: emqx-deployment", "name: emqx-odd")
            .replace("replicas: 3", "replicas: 1")
            .replace(
                "      app: emqx\n  template",
                "      app: emqx\n      odd: \"yes\"\n  template",
            )
            .replace(
                "        app: emqx\n    spec",
                "        app: emqx\n        odd: \"yes\"\n    spec",
            );
        let odd = with_env(
            &odd,
            "            - name: EMQX_NODE__COOKIE\n              value: another-cookie\n",
        );
        format!("{}\n---\n{odd}", t.replace("replicas: 3", "replicas: 2"))
    })
    .await;
    let d = named(&diagnoses, "P17");
    assert!(
        d.line.contains("EMQX_NODE__COOKIE differs between pods"),
        "{d:#?}"
    );
    assert!(
        !d.line.contains("another-cookie"),
        "a cookie is a secret: {d:#?}"
    );
    assert!(d.explanation.contains("same cookie"), "{d:#?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn p18_discovery_of_a_service_that_does_not_exist_is_a_404_and_named_so() {
    let diagnoses =
        rbac_fails_with(|t| t.replace("value: emqx-service", "value: emqx-nowhere")).await;
    let d = named(&diagnoses, "P18");
    assert!(d.line.contains("Discovery error: {404"), "{d:#?}");
    assert!(d.explanation.contains("Service `emqx-nowhere`"), "{d:#?}");
    assert!(d.explanation.contains("not the 403"), "{d:#?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn p11_node_names_with_a_short_host_name_never_meet() {
    // StatefulSet pods named by their short host name (emqx@emqx-statefulset-0) while
    // discovery builds the full DNS names. (On a Deployment the rollout hides it in the
    // simulator: new pods join the old, IP-named ones, see the report.)
    let diagnoses = stage_fails_with("08-statefulset.yaml", "statefulset", |t| {
        t.replace(
            "          envFrom:\n",
            "          env:\n            - name: EMQX_HOST\n              valueFrom:\n                fieldRef:\n                  fieldPath: metadata.name\n          envFrom:\n",
        )
    })
    .await;
    let d = named(&diagnoses, "P11");
    assert!(d.line.contains("is node emqx@emqx-statefulset-"), "{d:#?}");
    assert!(
        !diagnoses.iter().any(|d| d.explanation.starts_with("P12: ")),
        "{diagnoses:#?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn p12_nodes_named_by_ip_while_discovery_builds_dns_names_never_meet() {
    let diagnoses = rbac_fails_with(|t| {
        with_env(
            &t.replace("              value: ip\n", "              value: dns\n"),
            "            - name: EMQX_HOST\n              valueFrom:\n                fieldRef:\n                  fieldPath: status.podIP\n",
        )
    })
    .await;
    let d = named(&diagnoses, "P12");
    assert!(
        d.line.contains("EMQX_CLUSTER__K8S__ADDRESS_TYPE=dns"),
        "{d:#?}"
    );
    assert!(d.explanation.contains("address type `dns`"), "{d:#?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn p14_dns_addressing_without_a_suffix_names_nodes_that_discovery_never_finds() {
    let diagnoses = rbac_fails_with(|t| {
        t.replace("              value: ip\n", "              value: dns\n").replace(
            "            - name: EMQX_CLUSTER__K8S__SUFFIX\n              value: pod.cluster.local\n",
            "",
        )
    })
    .await;
    let d = named(&diagnoses, "P14");
    assert!(d.line.contains("EMQX_CLUSTER__K8S__SUFFIX unset"), "{d:#?}");
    assert!(
        !diagnoses.iter().any(|d| d.explanation.starts_with("P12: ")),
        "{diagnoses:#?}"
    );
}

/// The statefulset stage with DNS discovery (srv records of the headless Service, node
/// names that are the pods' DNS names, as the chart and the Operator set them), all pods
/// started at once, and the headless Service edited by `service`.
fn dns_discovery(t: &str, service: impl Fn(&str) -> String) -> String {
    let t = t
        .replace(
            "  ${discovery_key}: k8s\n",
            "  ${discovery_key}: dns\n  EMQX_CLUSTER__DNS__NAME: emqx-headless.${namespace}.svc.cluster.local\n  EMQX_CLUSTER__DNS__RECORD_TYPE: srv\n",
        )
        .replace(
            "  # podManagementPolicy is left at its default, OrderedReady: pods start one by one.\n",
            "  podManagementPolicy: Parallel\n",
        )
        .replace(
            "          envFrom:\n",
            "          env:\n            - name: POD_NAME\n              valueFrom:\n                fieldRef:\n                  fieldPath: metadata.name\n            - name: EMQX_HOST\n              value: $(POD_NAME).emqx-headless.${namespace}.svc.cluster.local\n          envFrom:\n",
        );
    service(&t)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn p13_dns_discovery_without_published_not_ready_addresses_deadlocks_and_is_named() {
    // A readiness that never passes stands for one that needs the cluster (the simulator
    // does not model a probe counting nodes): no pod is Ready, DNS lists none, and every
    // node stays alone.
    let edit = |t: &str| {
        dns_discovery(t, |t| {
            t.replace("  publishNotReadyAddresses: true    # discovery and DNS must see pods that are not Ready yet\n", "")
                .replace("              port: ${status_port}\n", "              port: 1\n")
        })
    };
    lint_flags("08-statefulset.yaml", edit, "headless-service", "P13");
    let diagnoses = stage_fails_with("08-statefulset.yaml", "statefulset", edit).await;
    let d = named(&diagnoses, "P13");
    assert!(
        d.line.contains("Service emqx-headless (EMQX_CLUSTER__DNS__NAME=emqx-headless.emqx.svc.cluster.local) is headless without publishNotReadyAddresses"),
        "{d:#?}"
    );
    assert!(d.line.contains("emqx-statefulset-2"), "{d:#?}");
    assert!(
        d.explanation.contains("publishNotReadyAddresses: true"),
        "{d:#?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn p13_is_not_named_when_the_headless_service_publishes_not_ready_addresses() {
    // The same never-ready pods, but DNS lists them: the nodes cluster, so the stage
    // fails on readiness alone and P13 is not the cause.
    let diagnoses = stage_fails_with("08-statefulset.yaml", "statefulset", |t| {
        dns_discovery(t, |t| {
            t.replace(
                "              port: ${status_port}\n",
                "              port: 1\n",
            )
        })
    })
    .await;
    assert!(
        !diagnoses.iter().any(|d| d.explanation.starts_with("P13: ")),
        "{diagnoses:#?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn p20_replicants_without_a_core_never_become_ready_and_are_named() {
    // The open-source 5.8 image refuses the replicant role; the Enterprise one accepts it.
    let edit = |t: &str| {
        t.replace(
            "          image: ${image}\n",
            "          image: emqx/emqx-enterprise:5.8.9\n",
        )
        .replace(
            "  EMQX_CLUSTER__K8S__ADDRESS_TYPE: hostname\n",
            "  EMQX_CLUSTER__K8S__ADDRESS_TYPE: hostname\n  EMQX_NODE__ROLE: replicant\n",
        )
    };
    lint_flags("08-statefulset.yaml", edit, "replicant-needs-core", "P20");
    let diagnoses = stage_fails_with("08-statefulset.yaml", "statefulset", edit).await;
    let d = named(&diagnoses, "P20");
    assert!(d.line.contains("EMQX_NODE__ROLE=replicant"), "{d:#?}");
    assert!(
        d.line.contains("no EMQX core pod exists in the namespace"),
        "{d:#?}"
    );
    assert!(d.explanation.contains("never Ready"), "{d:#?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn p16_emqx_5_9_without_a_licence_crash_loops_its_joiners_and_is_named() {
    let edit = |t: &str| {
        t.replace(
            "    image: emqx/emqx:5.8.9\n    version: 5.8.9\n",
            "    image: emqx/emqx:5.9.0\n    version: 5.9.0\n",
        )
    };
    lint_flags("track.yaml", edit, "licence", "P16");
    let diagnoses = stage_fails_with("track.yaml", "rbac", edit).await;
    let d = named(&diagnoses, "P16");
    assert!(d.line.contains("SINGLE_NODE_LICENSE"), "{d:#?}");
    assert!(d.explanation.contains("5.8"), "{d:#?}");
}

#[test]
fn p15_an_even_number_of_cores_is_flagged_by_lint_only() {
    // The simulator has no network partitions, so a split into two halves is never
    // reproduced and the diagnosis table has no P15 row (docs/diagnosis.md): a split seen
    // for another cause must not be blamed on the core count.
    lint_flags(
        "08-statefulset.yaml",
        |t| t.replace("  replicas: 3\n", "  replicas: 4\n"),
        "odd-cores",
        "P15",
    );
    let shipped = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("stages/emqx");
    assert!(
        !lint_track(&shipped)
            .unwrap()
            .iter()
            .any(|f| f.pitfall == Some("P15")),
        "the shipped three cores are odd"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn p19_a_network_policy_denying_ingress_to_the_emqx_pods_keeps_every_node_alone() {
    // The rbac stage plus a policy that selects the EMQX pods and admits no ingress: each
    // node discovers its peers but cannot reach their distribution port.
    let diagnoses = rbac_fails_with(|t| {
        format!(
            "{t}\n---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: deny-emqx\nspec:\n  podSelector:\n    matchLabels:\n      app: emqx\n  policyTypes: [Ingress]\n"
        )
    })
    .await;
    let d = named(&diagnoses, "P19");
    assert!(
        d.line
            .contains("NetworkPolicy deny-emqx selects emqx-deployment-"),
        "{d:#?}"
    );
    assert!(d.line.contains("port 4370"), "{d:#?}");
    assert!(d.explanation.contains("admits TCP 4370"), "{d:#?}");
}
