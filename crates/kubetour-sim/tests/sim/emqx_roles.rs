//! EMQX 5 core and replicant roles on the simulated cluster: 3 cores (StatefulSet) and 2
//! replicants (Deployment) as the EMQX Operator deploys them, applied with kubectl and
//! discovering each other through dns/srv; the replicant role refused by the 5.8
//! open-source image; P20 (a replicant with no core) and P16 (5.9 without a licence).

use std::time::Duration;

use kubetour_sim::resources::Res;
use serde_json::json;

use crate::support::emqx_world::*;
use crate::support::fast_sim;
use crate::support::kubectl::{Cluster, as_str};

/// The EMQX Operator's shape: 3 cores (StatefulSet, headless Service selecting cores
/// only, publishing not-ready addresses) and 2 replicants (Deployment, `EMQX_HOST` the
/// pod IP), all with dns/srv discovery of the headless Service. Enterprise 5.8.9: the
/// open-source 5.8 image has no replicant role.
const CORE_REPLICANT: &str = r#"apiVersion: v1
kind: Service
metadata: {name: emqx-headless, namespace: default}
spec:
  clusterIP: None
  publishNotReadyAddresses: true
  selector: {app: emqx, role: core}
  ports:
  - {name: ekka, port: 4370}
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: emqx-core, namespace: default}
spec:
  serviceName: emqx-headless
  podManagementPolicy: Parallel
  replicas: 3
  selector: {matchLabels: {app: emqx, role: core}}
  template:
    metadata: {labels: {app: emqx, role: core}}
    spec:
      containers:
      - name: emqx
        image: emqx/emqx-enterprise:5.8.9
        readinessProbe: {httpGet: {path: /status, port: 18083}, initialDelaySeconds: 10, periodSeconds: 5}
        env:
        - {name: EMQX_CLUSTER__DISCOVERY_STRATEGY, value: dns}
        - {name: EMQX_CLUSTER__DNS__RECORD_TYPE, value: srv}
        - {name: EMQX_CLUSTER__DNS__NAME, value: emqx-headless.default.svc.cluster.local}
        - name: POD_NAME
          valueFrom: {fieldRef: {fieldPath: metadata.name}}
        - {name: EMQX_HOST, value: "$(POD_NAME).$(EMQX_CLUSTER__DNS__NAME)"}
        - {name: EMQX_NODE__ROLE, value: core}
        - {name: EMQX_NODE__COOKIE, value: tour-cookie}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: emqx-replicant, namespace: default}
spec:
  replicas: 2
  selector: {matchLabels: {app: emqx, role: replicant}}
  template:
    metadata: {labels: {app: emqx, role: replicant}}
    spec:
      containers:
      - name: emqx
        image: emqx/emqx-enterprise:5.8.9
        readinessProbe: {httpGet: {path: /status, port: 18083}, initialDelaySeconds: 10, periodSeconds: 5}
        env:
        - {name: EMQX_CLUSTER__DISCOVERY_STRATEGY, value: dns}
        - {name: EMQX_CLUSTER__DNS__RECORD_TYPE, value: srv}
        - {name: EMQX_CLUSTER__DNS__NAME, value: emqx-headless.default.svc.cluster.local}
        - name: EMQX_HOST
          valueFrom: {fieldRef: {fieldPath: status.podIP}}
        - {name: EMQX_NODE__ROLE, value: replicant}
        - {name: EMQX_NODE__COOKIE, value: tour-cookie}
"#;

/// What `cluster status` prints for a cluster, squeezed: `~p` of the map, running names
/// sorted (`mria:running_nodes/0` is a `lists:usort/1`).
fn expected_status(names: &[String]) -> String {
    let mut sorted: Vec<&String> = names.iter().collect();
    sorted.sort();
    let quoted: Vec<String> = sorted.iter().map(|n| format!("'{n}'")).collect();
    format!(
        "Clusterstatus:#{{running_nodes=>[{}],stopped_nodes=>[]}}",
        quoted.join(",")
    )
}

#[test]
fn three_cores_and_two_replicants_form_one_cluster_through_dns_srv() {
    let c = Cluster::start();
    let file = c.write("emqx.yaml", CORE_REPLICANT);
    c.ok(&["apply", "-f", as_str(&file)]);
    c.eventually(&["get", "pods", "-l", "app=emqx"], |t| {
        t.lines().filter(|l| l.contains(" 1/1 ")).count() == 5
    });
    let ips = c.ok(&[
        "get",
        "pods",
        "-l",
        "role=replicant",
        "-o",
        "jsonpath={range .items[*]}{.metadata.name} {.status.podIP}{\"\\n\"}{end}",
    ]);
    let replicants: Vec<(&str, &str)> = ips.lines().filter_map(|l| l.split_once(' ')).collect();
    assert_eq!(replicants.len(), 2, "{ips}");
    let mut names: Vec<String> = (0..3)
        .map(|i| format!("emqx@emqx-core-{i}.{SVC}"))
        .collect();
    names.extend(replicants.iter().map(|(_, ip)| format!("emqx@{ip}")));
    let want = expected_status(&names);
    let core = c.eventually(
        &[
            "exec",
            "emqx-core-0",
            "--",
            "emqx",
            "ctl",
            "cluster",
            "status",
        ],
        |t| squeezed(t) == want,
    );
    eprintln!("core:\n{core}");
    // A replicant sees the same cluster: running cores plus running replicants.
    let replicant = c.ok(&[
        "exec",
        replicants[0].0,
        "--",
        "emqx",
        "ctl",
        "cluster",
        "status",
    ]);
    eprintln!("replicant:\n{replicant}");
    assert_eq!(replicant, core, "the same map, printed the same way");
    let logs = c.ok(&["logs", replicants[0].0]);
    assert!(
        logs.contains("EMQX_NODE__ROLE [node.role]: replicant\n"),
        "{logs}"
    );
    assert!(
        logs.contains("EMQX Enterprise 5.8.9 is running now!\n"),
        "{logs}"
    );
    // A replicant that goes away is not listed as stopped; a core is.
    c.ok(&["scale", "deployment", "emqx-replicant", "--replicas=1"]);
    c.ok(&["scale", "statefulset", "emqx-core", "--replicas=2"]);
    let after = c.eventually(
        &[
            "exec",
            "emqx-core-0",
            "--",
            "emqx",
            "ctl",
            "cluster",
            "status",
        ],
        |t| {
            let t = squeezed(t);
            t.contains(&format!("stopped_nodes=>['emqx@emqx-core-2.{SVC}']"))
                && t.matches("'emqx@10.").count() == 1
        },
    );
    eprintln!("after scaling down:\n{after}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_open_source_5_8_image_refuses_the_replicant_role_at_boot() {
    let sim = fast_sim();
    let world = world_of(&sim);
    let container = core_env("emqx/emqx:5.8.9", &[("EMQX_NODE__ROLE", "replicant")]);
    world
        .store
        .create(
            Res::Pod,
            json!({"apiVersion": "v1", "kind": "Pod",
                   "metadata": {"name": "emqx-0", "namespace": "default"},
                   "spec": {"containers": [container]}}),
        )
        .unwrap();
    let log = until(30, "the boot failure", || {
        let pod = world.store.get(Res::Pod, "default", "emqx-0")?;
        let uid = pod["metadata"]["uid"].as_str()?.to_string();
        let text = lock_logs(&world, "emqx-0", &uid);
        text.contains("ERROR: call_hocon_failed").then_some(text)
    })
    .await;
    assert!(
        squeezed(&log).contains(&squeezed(
            "#{reason => \"Node role 'replicant' is only allowed in Enterprise edition since \
             5.8.0\", value => replicant,path => \"node.role\", kind => validation_error}"
        )),
        "{log}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn p20_a_replicant_with_no_core_never_finishes_booting_and_serves_nothing() {
    let sim = fast_sim();
    let world = world_of(&sim);
    // Its headless Service selects cores, and there are none.
    world
        .store
        .create(
            Res::Service,
            headless(true, json!({"app": "emqx", "role": "core"})),
        )
        .unwrap();
    let mut container = core_env(
        "emqx/emqx-enterprise:5.8.9",
        &[("EMQX_NODE__ROLE", "replicant")],
    );
    container["env"][4] = json!({"name": "EMQX_HOST",
                                 "valueFrom": {"fieldRef": {"fieldPath": "status.podIP"}}});
    world
        .store
        .create(
            Res::Pod,
            json!({"apiVersion": "v1", "kind": "Pod",
                   "metadata": {"name": "replicant", "namespace": "default",
                                "labels": {"app": "emqx", "role": "replicant"}},
                   "spec": {"containers": [container]}}),
        )
        .unwrap();
    until(30, "the container running", || {
        cluster_status(&world, "replicant").map(|_| ())
    })
    .await;
    tokio::time::sleep(Duration::from_secs(2)).await; // 100 simulated seconds
    let pod_uid = uid(&world, "replicant");
    assert!(!world.listening(&key("replicant"), &pod_uid));
    let pod = world.store.get(Res::Pod, "default", "replicant").unwrap();
    assert_eq!(pod["status"]["containerStatuses"][0]["ready"], json!(false));
    let log = logs(&world, "replicant");
    assert!(!log.contains("is running now!"), "{log}");
    assert!(
        !log.contains("[error]"),
        "mria waits silently at the default level: {log}"
    );
    let status = ctl(&world, "replicant", "status").unwrap();
    assert!(status.ends_with(" 5.8.9 is starting\n"), "{status}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn p16_5_9_without_a_licence_crash_loops_every_node_but_the_first() {
    let sim = fast_sim();
    let world = world_of(&sim);
    let labels = json!({"app": "emqx"});
    world
        .store
        .create(Res::Service, headless(true, labels.clone()))
        .unwrap();
    world
        .store
        .create(
            Res::StatefulSet,
            statefulset("emqx", 2, core_env("emqx/emqx:5.9.0", &[]), labels),
        )
        .unwrap();
    let crashed = until(60, "a restart", || {
        (0..2).find_map(|i| {
            let pod = world.store.get(Res::Pod, "default", &format!("emqx-{i}"))?;
            let restarts = pod["status"]["containerStatuses"][0]["restartCount"].as_i64()?;
            (restarts > 0).then_some(i)
        })
    })
    .await;
    let survivor = 1 - crashed;
    let pod = world
        .store
        .get(Res::Pod, "default", &format!("emqx-{crashed}"))
        .unwrap();
    let last = &pod["status"]["containerStatuses"][0]["lastState"]["terminated"];
    assert_eq!(last["exitCode"], json!(1), "{pod:#}");
    let previous = {
        let uid = uid(&world, &format!("emqx-{crashed}"));
        let containers = world.containers.lock().unwrap();
        containers
            .get(&key(&format!("emqx-{crashed}")))
            .filter(|c| c.log.uid == uid)
            .and_then(|c| c.log.previous.as_ref().map(text))
            .unwrap_or_default()
    };
    assert!(
        previous.contains(
            "Kernel pid terminated (application_controller) ({application_start_failure,emqx_license,{\"SINGLE_NODE_LICENSE, make sure this node and peer nodes are configured with a valid license\",{emqx_license_app,start,[normal,[]]}}})\n"
        ),
        "{previous}"
    );
    let status = cluster_status(&world, &format!("emqx-{survivor}")).unwrap();
    assert!(
        squeezed(&status).contains(&format!("stopped_nodes=>['emqx@emqx-{crashed}.{SVC}']")),
        "{status}"
    );
}
