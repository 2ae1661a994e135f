//! kubectl against `kubetour sim serve` for what a real server serves and the sim
//! used not to (issue 12): field selectors on unset defaults, Jobs from a file, drain
//! (cordon + eviction), `create token`, `debug`, node leases in `describe node`,
//! APIServices and events.k8s.io.

use crate::support::kubectl::{Cluster, as_str};

const JOB: &str = r#"apiVersion: batch/v1
kind: Job
metadata:
  name: hello
  namespace: default
spec:
  template:
    spec:
      restartPolicy: Never
      containers:
      - name: hello
        image: busybox:1.36
        command: ["sh", "-c", "echo hello"]
"#;

const WEB: &str = r#"apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: default
spec:
  replicas: 3
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: web
        image: nginx:1.27
"#;

#[test]
fn get_nodes_by_unschedulable_false_lists_every_schedulable_node() {
    let c = Cluster::start();
    let all = c.ok(&["get", "nodes", "-o", "name"]);
    let schedulable = c.ok(&[
        "get",
        "nodes",
        "--field-selector",
        "spec.unschedulable=false",
        "-o",
        "name",
    ]);
    assert_eq!(schedulable, all);
    assert!(all.lines().count() >= 2, "{all}");
    let out = c.run(&["get", "nodes", "--field-selector", "spec.podCIDR=x"]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("field label not supported: spec.podCIDR"),
        "{err}"
    );
}

#[test]
fn a_job_applied_from_a_file_is_listed_with_its_pod() {
    let c = Cluster::start();
    let file = c.write("job.yaml", JOB);
    let out = c.ok(&["apply", "-f", as_str(&file)]);
    assert!(out.contains("job.batch/hello created"), "{out}");
    let jobs = c.ok(&["get", "jobs"]);
    let header: Vec<&str> = jobs.lines().next().unwrap().split_whitespace().collect();
    assert_eq!(header, ["NAME", "STATUS", "COMPLETIONS", "DURATION", "AGE"]);
    c.eventually(
        &["get", "pods", "-l", "batch.kubernetes.io/job-name=hello"],
        |t| t.contains("hello-"),
    );
    let all = c.ok(&["get", "all"]);
    assert!(all.contains("job.batch/hello"), "{all}");
}

#[test]
fn drain_cordons_the_node_and_evicts_its_pods() {
    let c = Cluster::start();
    let file = c.write("web.yaml", WEB);
    c.ok(&["apply", "-f", as_str(&file)]);
    let placed = c.eventually(&["get", "pods", "-l", "app=web", "-o", "wide"], |t| {
        t.lines().filter(|l| l.contains("Running")).count() == 3
    });
    let node = placed
        .lines()
        .skip(1)
        .map(|l| l.split_whitespace().nth(6).unwrap().to_string())
        .next()
        .unwrap();
    let out = c.ok(&[
        "drain",
        &node,
        "--ignore-daemonsets",
        "--delete-emptydir-data",
        "--timeout=60s",
    ]);
    assert!(out.contains(&format!("node/{node} cordoned")), "{out}");
    assert!(out.contains("evicted"), "{out}");
    assert!(out.contains(&format!("node/{node} drained")), "{out}");
    let nodes = c.ok(&["get", "node", &node]);
    assert!(nodes.contains("SchedulingDisabled"), "{nodes}");
    // The Deployment's replacements land elsewhere.
    c.eventually(&["get", "pods", "-l", "app=web", "-o", "wide"], |t| {
        let running: Vec<&str> = t.lines().filter(|l| l.contains("Running")).collect();
        running.len() == 3 && running.iter().all(|l| !l.contains(&format!(" {node} ")))
    });
    let out = c.ok(&["uncordon", &node]);
    assert!(out.contains("uncordoned"), "{out}");
}

#[test]
fn create_token_prints_a_token_the_cluster_accepts_as_the_service_account() {
    let c = Cluster::start();
    c.eventually(&["get", "serviceaccount", "default"], |t| {
        t.contains("default")
    });
    let token = c.ok(&["create", "token", "default", "--duration=20m"]);
    let token = token.trim();
    assert_eq!(token.split('.').count(), 3, "{token}");
    let out = c.run(&["--token", token, "get", "configmaps"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(
            "User \"system:serviceaccount:default:default\" cannot list resource \"configmaps\""
        ),
        "{err}"
    );
}

#[test]
fn debug_adds_an_ephemeral_container_to_the_pod() {
    let c = Cluster::start();
    c.eventually(&["get", "serviceaccount", "default"], |t| {
        t.contains("default")
    });
    c.ok(&[
        "run",
        "target",
        "--image=busybox:1.36",
        "--",
        "sleep",
        "3600",
    ]);
    c.ok(&["debug", "target", "--image=busybox:1.36", "--container=dbg"]);
    let names = c.ok(&[
        "get",
        "pod",
        "target",
        "-o",
        "jsonpath={.spec.ephemeralContainers[*].name}/{.status.ephemeralContainerStatuses[*].name}",
    ]);
    assert_eq!(names, "dbg/dbg");
}

#[test]
fn describe_node_shows_the_lease_and_get_lists_apiservices_and_events() {
    let c = Cluster::start();
    let out = c.eventually(&["describe", "node", "sim-node-1"], |t| {
        t.contains("HolderIdentity:  sim-node-1")
    });
    assert!(!out.contains("Failed to get lease"), "{out}");
    let services = c.ok(&["get", "apiservices"]);
    let apps = services
        .lines()
        .find(|l| l.starts_with("v1.apps "))
        .unwrap_or_else(|| panic!("{services}"));
    let cells: Vec<&str> = apps.split_whitespace().collect();
    assert_eq!(&cells[..3], ["v1.apps", "Local", "True"], "{services}");
    let events = c.ok(&["get", "events.v1.events.k8s.io", "-A"]);
    assert!(events.lines().count() > 1, "{events}");
}

#[test]
fn create_job_and_cronjob_from_the_command_line_are_stored() {
    let c = Cluster::start();
    let out = c.ok(&[
        "create",
        "job",
        "once",
        "--image=busybox:1.36",
        "--",
        "echo",
        "hi",
    ]);
    assert!(out.contains("job.batch/once created"), "{out}");
    let command = c.ok(&[
        "get",
        "job",
        "once",
        "-o",
        "jsonpath={.spec.template.spec.containers[0].command}/{.spec.template.spec.restartPolicy}",
    ]);
    assert_eq!(command, r#"["echo","hi"]/Never"#);
    let out = c.ok(&[
        "create",
        "cronjob",
        "nightly",
        "--image=busybox:1.36",
        "--schedule=0 3 * * *",
    ]);
    assert!(out.contains("cronjob.batch/nightly created"), "{out}");
    let list = c.ok(&["get", "cronjobs"]);
    assert!(list.contains("0 3 * * *"), "{list}");
}
