//! EMQX 5 with ekka's dns strategy on the simulated cluster: what cluster DNS answers
//! (A and SRV, not-ready addresses only when the Service publishes them), the node names
//! ekka builds, core and replicant roles as the EMQX Operator deploys them (3 cores in a
//! StatefulSet, 2 replicants in a Deployment, applied with kubectl), and pitfalls P13
//! (unpublished not-ready addresses), P16 (5.9 without a licence) and P20 (a replicant
//! with no core).

use std::sync::Arc;
use std::time::Duration;

use kubetour_sim::emqx::settings::RecordType;
use kubetour_sim::resources::Res;
use kubetour_sim::workloads::World;
use kubetour_sim::workloads::dns::lookup;
use kubetour_sim::workloads::logbook::RunLog;
use serde_json::{Value, json};

use crate::support::fast_sim;
use crate::support::kubectl::{Cluster, as_str};

const SVC: &str = "emqx-headless.default.svc.cluster.local";

fn key(pod: &str) -> (String, String, String) {
    ("default".into(), pod.into(), "emqx".into())
}

fn uid(world: &World, pod: &str) -> String {
    let p = world.store.get(Res::Pod, "default", pod).unwrap();
    p["metadata"]["uid"].as_str().unwrap().to_string()
}

/// `emqx ctl cluster status` in a pod; None while it runs no node.
fn cluster_status(world: &World, pod: &str) -> Option<String> {
    ctl(world, pod, "cluster status")
}

/// `emqx ctl <args>` in a pod; None while it runs no node.
fn ctl(world: &World, pod: &str, args: &str) -> Option<String> {
    let mut argv: Vec<String> = vec!["emqx".into(), "ctl".into()];
    argv.extend(args.split(' ').map(String::from));
    let uid = world
        .store
        .get(Res::Pod, "default", pod)?
        .get("metadata")?
        .get("uid")?
        .as_str()?
        .to_string();
    world.exec(&key(pod), &uid, &argv).map(|o| o.stdout)
}

fn logs(world: &World, pod: &str) -> String {
    let uid = uid(world, pod);
    lock_logs(world, pod, &uid)
}

fn lock_logs(world: &World, pod: &str, uid: &str) -> String {
    let containers = world.containers.lock().unwrap();
    containers
        .get(&key(pod))
        .filter(|c| c.log.uid == uid)
        .map(|c| text(&c.log.current))
        .unwrap_or_default()
}

fn text(run: &RunLog) -> String {
    run.lines.iter().map(|l| format!("{}\n", l.text)).collect()
}

fn headless(publish: bool, selector: Value) -> Value {
    json!({"apiVersion": "v1", "kind": "Service",
           "metadata": {"name": "emqx-headless", "namespace": "default"},
           "spec": {"clusterIP": "None", "publishNotReadyAddresses": publish,
                    "selector": selector,
                    "ports": [{"name": "ekka", "port": 4370}]}})
}

/// The EMQX Operator's core pod env (`add_emqx_core.go`), with a literal cookie.
fn core_env(image: &str, extra: &[(&str, &str)]) -> Value {
    let mut env = vec![
        json!({"name": "EMQX_CLUSTER__DISCOVERY_STRATEGY", "value": "dns"}),
        json!({"name": "EMQX_CLUSTER__DNS__RECORD_TYPE", "value": "srv"}),
        json!({"name": "EMQX_CLUSTER__DNS__NAME", "value": SVC}),
        json!({"name": "POD_NAME", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}}),
        json!({"name": "EMQX_HOST", "value": "$(POD_NAME).$(EMQX_CLUSTER__DNS__NAME)"}),
        json!({"name": "EMQX_NODE__COOKIE", "value": "tour-cookie"}),
    ];
    env.extend(extra.iter().map(|(k, v)| json!({"name": k, "value": v})));
    json!({"name": "emqx", "image": image, "env": env,
           "readinessProbe": {"httpGet": {"path": "/status", "port": 18083},
                              "initialDelaySeconds": 10, "periodSeconds": 5}})
}

fn statefulset(name: &str, replicas: u32, container: Value, labels: Value) -> Value {
    json!({"apiVersion": "apps/v1", "kind": "StatefulSet",
           "metadata": {"name": name, "namespace": "default"},
           "spec": {"serviceName": "emqx-headless", "podManagementPolicy": "Parallel",
                    "replicas": replicas, "selector": {"matchLabels": labels},
                    "template": {"metadata": {"labels": labels},
                                 "spec": {"containers": [container]}}}})
}

/// Polls `check` every 20 ms (one simulated second at the fast sim's speed 50).
async fn until<T>(secs: u64, what: &str, mut check: impl FnMut() -> Option<T>) -> T {
    for _ in 0..secs * 50 {
        if let Some(v) = check() {
            return v;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("{what} never happened");
}

fn running_nodes(status: &str) -> usize {
    let running = status.split("stopped_nodes").next().unwrap_or("");
    running.matches("'emqx@").count()
}

fn world_of(sim: &kubetour_sim::Sim) -> Arc<World> {
    sim.api_state().world.clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn p13_dns_without_published_not_ready_addresses_answers_only_ready_pods() {
    let sim = fast_sim();
    let world = world_of(&sim);
    let labels = json!({"app": "emqx"});
    // A readiness probe that never passes stands for one that needs the cluster.
    let mut container = core_env("emqx/emqx:5.8.9", &[]);
    container["readinessProbe"] = json!({"httpGet": {"path": "/status", "port": 1},
                                          "periodSeconds": 1});
    world
        .store
        .create(Res::Service, headless(false, labels.clone()))
        .unwrap();
    world
        .store
        .create(Res::StatefulSet, statefulset("emqx", 2, container, labels))
        .unwrap();
    until(60, "both nodes running", || {
        (0..2)
            .all(|i| cluster_status(&world, &format!("emqx-{i}")).is_some_and(|s| !s.is_empty()))
            .then_some(())
    })
    .await;
    tokio::time::sleep(Duration::from_secs(1)).await; // 50 simulated seconds
    assert!(lookup(&world.store, "default", SVC, RecordType::Srv).is_empty());
    assert!(lookup(&world.store, "default", SVC, RecordType::A).is_empty());
    // The pods' own names do not resolve either: CoreDNS has no endpoint for them.
    let own = format!("emqx-0.{SVC}");
    assert!(lookup(&world.store, "default", &own, RecordType::A).is_empty());
    for i in 0..2 {
        let status = cluster_status(&world, &format!("emqx-{i}")).unwrap();
        assert_eq!(running_nodes(&status), 1, "{status}");
    }
    // Publishing not-ready addresses breaks the wait: DNS answers, the nodes cluster.
    let mut svc = world
        .store
        .get(Res::Service, "default", "emqx-headless")
        .unwrap();
    svc["spec"]["publishNotReadyAddresses"] = json!(true);
    world.store.update(Res::Service, svc).unwrap();
    let targets = until(20, "SRV records", || {
        let t = lookup(&world.store, "default", SVC, RecordType::Srv);
        (t.len() == 2).then_some(t)
    })
    .await;
    assert_eq!(
        targets,
        [format!("emqx-0.{SVC}"), format!("emqx-1.{SVC}")],
        "SRV targets are <hostname>.<service> for pods with hostname + subdomain"
    );
    let ips = lookup(&world.store, "default", "emqx-headless", RecordType::A);
    assert_eq!(
        ips.len(),
        2,
        "the search path resolves the short name: {ips:?}"
    );
    let status = until(30, "a two-node cluster", || {
        cluster_status(&world, "emqx-1").filter(|s| running_nodes(s) == 2)
    })
    .await;
    assert!(status.contains(&format!("'emqx@emqx-0.{SVC}'")), "{status}");
}

/// Simulated time from the first container of a 3-pod srv StatefulSet (chart probes)
/// running to a three-node cluster (image pulls and scheduling left out).
async fn formation_time(publish: bool) -> jiff::SignedDuration {
    let sim = fast_sim();
    let world = world_of(&sim);
    let labels = json!({"app": "emqx"});
    world
        .store
        .create(Res::Service, headless(publish, labels.clone()))
        .unwrap();
    world
        .store
        .create(
            Res::StatefulSet,
            statefulset("emqx", 3, core_env("emqx/emqx:5.8.9", &[]), labels),
        )
        .unwrap();
    // From the first container running: no DNS record exists before a pod is Ready,
    // and the first probe comes 10 s after the first start at the earliest.
    until(60, "a container running", || {
        (0..3)
            .any(|i| cluster_status(&world, &format!("emqx-{i}")).is_some())
            .then_some(())
    })
    .await;
    let start = world.now();
    let status = until(60, "a three-node cluster", || {
        cluster_status(&world, "emqx-0").filter(|s| running_nodes(s) == 3)
    })
    .await;
    assert!(!squeezed(&status).contains("stopped_nodes=>['"), "{status}");
    world.now().duration_since(start)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn p13_with_the_status_probe_unpublished_addresses_only_delay_the_cluster() {
    // /status does not need the cluster: each pod gets Ready alone, DNS then lists it.
    let unpublished = formation_time(false).await;
    let published = formation_time(true).await;
    eprintln!("three nodes clustered after {unpublished:#} unpublished, {published:#} published");
    assert!(
        unpublished.as_secs() >= 10,
        "not before the first readiness probe (initialDelaySeconds 10): {unpublished:#}"
    );
    // That publishing does not wait for readiness at all is the test above (no pod is
    // ever Ready there); the published time is printed for EMQX.md §8.3 only, as it
    // stretches when the machine is loaded.
}

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

/// Without the layout's whitespace (`io_lib_pretty` packs short names on one line).
fn squeezed(text: &str) -> String {
    text.chars().filter(|c| !c.is_whitespace()).collect()
}

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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_clusterip_service_answers_its_ip_and_its_own_name_and_nothing_else_resolves() {
    use k8s_openapi::api::core::v1::Service;
    use kube::api::{Api, PostParams};
    let sim = fast_sim();
    let world = world_of(&sim);
    let api: Api<Service> = Api::namespaced(sim.client(), "default");
    let svc: Service = serde_json::from_value(json!({
        "metadata": {"name": "emqx"},
        "spec": {"selector": {"app": "emqx"},
                 "ports": [{"name": "mqtt", "port": 1883}, {"name": "ekka", "port": 4370}]}
    }))
    .unwrap();
    let created = api.create(&PostParams::default(), &svc).await.unwrap();
    let ip = created.spec.unwrap().cluster_ip.unwrap();
    let fqdn = "emqx.default.svc.cluster.local";
    assert_eq!(lookup(&world.store, "default", fqdn, RecordType::A), [ip]);
    assert_eq!(
        lookup(&world.store, "other", "emqx.default", RecordType::A).len(),
        1
    );
    // ekka would build emqx@<these>: no node has such a name.
    assert_eq!(
        lookup(&world.store, "default", fqdn, RecordType::Srv),
        [fqdn, fqdn]
    );
    assert!(lookup(&world.store, "default", fqdn, RecordType::Aaaa).is_empty());
    assert!(lookup(&world.store, "default", "nope", RecordType::A).is_empty());
    assert!(
        lookup(
            &world.store,
            "default",
            "emqx.other.svc.cluster.local",
            RecordType::A
        )
        .is_empty()
    );
}
