//! `kubectl get --raw /metrics` against `kubetour sim serve`: Prometheus text with
//! `apiserver_request_total` labelled as a real kube-apiserver labels it, counting
//! every client's requests, and `apiserver_longrunning_requests` for open watches.

use std::process::Stdio;

use crate::support::kubectl::{Cluster, as_str};

const POD: &str = r#"apiVersion: v1
kind: Pod
metadata: {name: box, namespace: default}
spec:
  containers:
  - {name: box, image: busybox:1.36, command: [sleep, "3600"]}
"#;

/// `kubectl get pods -w` running in the background (kill it to end the watch).
fn watch_pods(c: &Cluster) -> std::process::Child {
    c.kubectl()
        .args(["get", "pods", "-w"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("kubectl runs")
}

/// The value of the series whose line contains every one of `labels`.
fn value(metrics: &str, name: &str, labels: &[&str]) -> Option<u64> {
    metrics
        .lines()
        .filter(|l| l.starts_with(&format!("{name}{{")))
        .filter(|l| labels.iter().all(|want| l.contains(want)))
        .map(|l| {
            l.rsplit(' ')
                .next()
                .and_then(|n| n.parse::<u64>().ok())
                .unwrap_or(0)
        })
        .reduce(|a, b| a + b)
}

#[test]
fn metrics_count_requests_with_the_real_servers_labels() {
    let c = Cluster::start();
    let file = c.write("pod.yaml", POD);
    c.ok(&["apply", "-f", as_str(&file)]);
    c.eventually(&["get", "pod", "box"], |o| o.contains("Running"));
    let before = c.ok(&["get", "--raw", "/metrics"]);
    assert!(
        before.contains("# TYPE apiserver_request_total counter\n")
            && before.contains("# TYPE apiserver_longrunning_requests gauge\n"),
        "{before}"
    );
    let exec = [
        "verb=\"CONNECT\"",
        "resource=\"pods\"",
        "subresource=\"exec\"",
        "scope=\"resource\"",
    ];
    let execs_before = value(&before, "apiserver_request_total", &exec).unwrap_or(0);
    c.ok(&["exec", "box", "--", "hostname"]);
    c.ok(&["exec", "box", "--", "hostname"]);
    c.ok(&["get", "pods"]);
    let after = c.ok(&["get", "--raw", "/metrics"]);
    assert_eq!(
        value(&after, "apiserver_request_total", &exec),
        Some(execs_before + 2),
        "one CONNECT per exec:\n{after}"
    );
    let list = [
        "code=\"200\"",
        "component=\"apiserver\"",
        "dry_run=\"\"",
        "group=\"\"",
        "resource=\"pods\"",
        "scope=\"namespace\"",
        "verb=\"LIST\"",
        "version=\"v1\"",
    ];
    assert!(
        value(&after, "apiserver_request_total", &list).is_some(),
        "{after}"
    );
    let created = [
        "code=\"201\"",
        "verb=\"POST\"",
        "scope=\"resource\"",
        "resource=\"pods\"",
    ];
    assert_eq!(
        value(&after, "apiserver_request_total", &created),
        Some(1),
        "{after}"
    );
}

#[test]
fn an_open_watch_is_a_longrunning_request_until_it_ends() {
    let c = Cluster::start();
    let watching = ["verb=\"WATCH\"", "resource=\"pods\"", "scope=\"namespace\""];
    let mut watch = watch_pods(&c);
    c.eventually(&["get", "--raw", "/metrics"], |m| {
        value(m, "apiserver_longrunning_requests", &watching) == Some(1)
    });
    let _ = watch.kill();
    let _ = watch.wait();
    c.eventually(&["get", "--raw", "/metrics"], |m| {
        value(m, "apiserver_longrunning_requests", &watching) == Some(0)
    });
}

/// The label names of a series line, in order.
fn label_names(line: &str) -> Vec<String> {
    let inside = line
        .split_once('{')
        .and_then(|(_, r)| r.split_once('}'))
        .map(|(l, _)| l)
        .unwrap_or("");
    inside
        .split(',')
        .filter_map(|kv| kv.split_once('=').map(|(k, _)| k.to_string()))
        .collect()
}

#[test]
fn help_type_and_label_names_are_the_real_servers() {
    let c = Cluster::start();
    let mut watch = watch_pods(&c);
    let ours = c.eventually(&["get", "--raw", "/metrics"], |m| {
        m.contains("apiserver_longrunning_requests{")
    });
    let _ = watch.kill();
    let _ = watch.wait();
    let real = include_str!("../fixtures/real/metrics-apiserver-stable.txt");
    for line in real.lines().filter(|l| l.starts_with('#')) {
        assert!(
            ours.contains(&format!("{line}\n")),
            "missing {line:?} in:\n{ours}"
        );
    }
    for name in ["apiserver_request_total", "apiserver_longrunning_requests"] {
        let sample = real
            .lines()
            .find(|l| l.starts_with(&format!("{name}{{")))
            .expect("a sample");
        for line in ours.lines().filter(|l| l.starts_with(&format!("{name}{{"))) {
            assert_eq!(label_names(line), label_names(sample), "{line}");
        }
    }
}
