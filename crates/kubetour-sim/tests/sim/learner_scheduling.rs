//! The scheduler spreads the pods of one owner over the Ready nodes (the default soft
//! PodTopologySpread on kubernetes.io/hostname), so `kubectl get pods -o wide` shows a
//! three-replica StatefulSet on three nodes, as on kind or a real cluster.

use std::collections::BTreeSet;

use crate::support::kubectl::{Cluster, as_str};

fn sts(name: &str, parallel: bool, claims: bool) -> String {
    let policy = if parallel { "Parallel" } else { "OrderedReady" };
    let mut text = format!(
        r#"apiVersion: apps/v1
kind: StatefulSet
metadata: {{name: {name}, namespace: default}}
spec:
  serviceName: {name}
  podManagementPolicy: {policy}
  replicas: 3
  selector: {{matchLabels: {{app: {name}}}}}
  template:
    metadata: {{labels: {{app: {name}}}}}
    spec:
      containers:
      - {{name: c, image: busybox:1.36, command: [sleep, "3600"]}}
"#
    );
    if claims {
        text.push_str(
            r#"  volumeClaimTemplates:
  - metadata: {name: data}
    spec:
      accessModes: [ReadWriteOnce]
      resources: {requests: {storage: 1Gi}}
"#,
        );
    }
    text
}

/// The NODE column of `get pods -o wide` for the pods of `app`, once all run.
fn nodes_of(c: &Cluster, app: &str) -> BTreeSet<String> {
    let selector = format!("app={app}");
    let out = c.eventually(&["get", "pods", "-l", &selector, "-o", "wide"], |t| {
        t.lines()
            .skip(1)
            .filter(|l| l.contains(" Running "))
            .count()
            == 3
    });
    let header = out.lines().next().unwrap_or("");
    let col = header.find("NODE ").expect("a NODE column");
    out.lines()
        .skip(1)
        .map(|l| l[col..].split_whitespace().next().unwrap_or("").to_string())
        .collect()
}

#[test]
fn a_parallel_statefulset_with_claims_lands_on_three_nodes() {
    let c = Cluster::start();
    let file = c.write("sts.yaml", &sts("spread", true, true));
    c.ok(&["apply", "-f", as_str(&file)]);
    let nodes = nodes_of(&c, "spread");
    assert_eq!(nodes.len(), 3, "{nodes:?}");
}

#[test]
fn an_ordered_statefulset_without_claims_lands_on_three_nodes() {
    let c = Cluster::start();
    let file = c.write("sts.yaml", &sts("ordered", false, false));
    c.ok(&["apply", "-f", as_str(&file)]);
    let nodes = nodes_of(&c, "ordered");
    assert_eq!(nodes.len(), 3, "{nodes:?}");
}
