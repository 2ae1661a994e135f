//! kubectl against `kubetour sim serve` while the controllers run: watching, scaling,
//! deleting pods, rollout status, waiting for Ready, claims, endpoints, describe, events.

use std::process::Stdio;
use std::time::Duration;

use crate::support::kubectl::{Cluster, MANIFEST, as_str};

fn applied() -> Cluster {
    let c = Cluster::start();
    let file = c.write("emqx.yaml", MANIFEST);
    c.ok(&["apply", "-f", as_str(&file)]);
    c
}

fn running_pods(text: &str) -> usize {
    text.lines()
        .filter(|l| l.split_whitespace().nth(2) == Some("Running"))
        .count()
}

#[test]
fn rollout_status_and_wait_follow_the_deployment_to_ready() {
    let c = applied();
    let out = c.ok(&[
        "-n",
        "emqx",
        "rollout",
        "status",
        "deployment/emqx-deployment",
        "--timeout=60s",
    ]);
    assert!(
        out.contains("deployment \"emqx-deployment\" successfully rolled out"),
        "{out}"
    );
    let out = c.ok(&[
        "-n",
        "emqx",
        "wait",
        "--for=condition=Ready",
        "pod",
        "-l",
        "app=emqx",
        "--timeout=60s",
    ]);
    assert_eq!(out.matches("condition met").count(), 2, "{out}");
    let pods = c.ok(&["-n", "emqx", "get", "pods", "-l", "app=emqx"]);
    assert_eq!(running_pods(&pods), 2, "{pods}");
}

#[test]
fn get_pods_watch_shows_scaling_as_it_happens() {
    let c = applied();
    c.eventually(&["-n", "emqx", "get", "pods", "-l", "app=emqx"], |t| {
        running_pods(t) == 2
    });
    let watch = c
        .kubectl()
        .args(["-n", "emqx", "get", "pods", "-l", "app=emqx", "-w"])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(800));
    let out = c.ok(&[
        "-n",
        "emqx",
        "scale",
        "deployment/emqx-deployment",
        "--replicas=3",
    ]);
    assert!(
        out.contains("deployment.apps/emqx-deployment scaled"),
        "{out}"
    );
    c.eventually(&["-n", "emqx", "get", "pods", "-l", "app=emqx"], |t| {
        running_pods(t) == 3
    });
    std::thread::sleep(Duration::from_millis(500));
    let mut watch = watch;
    let _ = watch.kill();
    let out = watch.wait_with_output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    let names: std::collections::BTreeSet<&str> = text
        .lines()
        .skip(1)
        .filter_map(|l| l.split_whitespace().next())
        .collect();
    assert_eq!(
        names.len(),
        3,
        "the watch showed the third pod arrive:\n{text}"
    );
    assert!(
        text.lines()
            .any(|l| l.contains("ContainerCreating") || l.contains("Pending")),
        "{text}"
    );
}

#[test]
fn a_deleted_pod_is_replaced() {
    let c = applied();
    let pods = c.eventually(
        &["-n", "emqx", "get", "pods", "-l", "app=emqx", "-o", "name"],
        |t| t.lines().count() == 2,
    );
    let victim = pods.lines().next().unwrap().to_string();
    let out = c.ok(&["-n", "emqx", "delete", &victim]);
    assert!(out.contains("deleted"), "{out}");
    c.eventually(
        &["-n", "emqx", "get", "pods", "-l", "app=emqx", "-o", "name"],
        |t| t.lines().count() == 2 && !t.lines().any(|l| l == victim),
    );
}

#[test]
fn claims_endpoints_describe_and_events_read_like_a_real_cluster() {
    let c = applied();
    let pvc = c.eventually(&["-n", "emqx", "get", "pvc"], |t| {
        t.contains("data-emqx-core-0")
    });
    let header: Vec<&str> = pvc.lines().next().unwrap().split_whitespace().collect();
    assert_eq!(header[..4], ["NAME", "STATUS", "VOLUME", "CAPACITY"]);
    let eps = c.eventually(&["-n", "emqx", "get", "endpoints", "emqx-service"], |t| {
        t.contains(":1883")
    });
    assert!(eps.lines().next().unwrap().starts_with("NAME"), "{eps}");
    let out = c.run(&["-n", "emqx", "get", "endpoints"]);
    assert!(
        String::from_utf8_lossy(&out.stderr).contains(
            "Warning: v1 Endpoints is deprecated in v1.33+; use discovery.k8s.io/v1 EndpointSlice"
        ),
        "a 1.33 server warns about v1 Endpoints"
    );
    let pod = c.eventually(
        &["-n", "emqx", "get", "pods", "-l", "app=emqx", "-o", "name"],
        |t| !t.is_empty(),
    );
    let pod = pod.lines().next().unwrap();
    c.ok(&[
        "-n",
        "emqx",
        "wait",
        "--for=condition=Ready",
        pod,
        "--timeout=60s",
    ]);
    let described = c.ok(&["-n", "emqx", "describe", pod]);
    for needle in [
        "Namespace:        emqx",
        "Image:          emqx/emqx:5.8.9",
        "Status:           Running",
        "Events:",
    ] {
        assert!(
            described.contains(needle),
            "missing {needle:?} in\n{described}"
        );
    }
    let events = c.ok(&["-n", "emqx", "get", "events"]);
    let header: Vec<&str> = events.lines().next().unwrap().split_whitespace().collect();
    assert_eq!(
        header,
        ["LAST", "SEEN", "TYPE", "REASON", "OBJECT", "MESSAGE"]
    );
    assert!(events.contains("Scheduled"), "{events}");
    let sorted = c.ok(&["-n", "emqx", "get", "events", "--sort-by=.lastTimestamp"]);
    assert!(
        sorted.contains("Scheduled"),
        "sorting needs whole objects in rows:\n{sorted}"
    );
}
