//! kubectl against `kubetour sim serve` running an EMQX 5.8.9 StatefulSet as EMQX.md's
//! appendix writes it (namespace `default`): `kubectl logs`, `kubectl exec -- emqx ctl
//! cluster status` and `kubectl auth can-i`, checked against EMQX.md's exact strings.

use crate::support::kubectl::{Cluster, as_str};

const EMQX: &str = r#"apiVersion: v1
kind: ServiceAccount
metadata: {name: emqx, namespace: default}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: emqx, namespace: default}
rules:
- apiGroups: [""]
  resources: [endpoints]
  verbs: [get, watch, list]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: emqx, namespace: default}
subjects:
- {kind: ServiceAccount, name: emqx, namespace: default}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: emqx}
---
apiVersion: v1
kind: Service
metadata: {name: emqx-headless, namespace: default}
spec:
  clusterIP: None
  publishNotReadyAddresses: true
  selector: {app: emqx}
  ports:
  - {name: dashboard, port: 18083}
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: emqx, namespace: default}
spec:
  serviceName: emqx-headless
  podManagementPolicy: Parallel
  replicas: 3
  selector: {matchLabels: {app: emqx}}
  template:
    metadata: {labels: {app: emqx}}
    spec:
      serviceAccountName: emqx
      containers:
      - name: emqx
        image: emqx/emqx:5.8.9
        ports:
        - {name: dashboard, containerPort: 18083}
        readinessProbe: {httpGet: {path: /status, port: 18083}, initialDelaySeconds: 10, periodSeconds: 5}
        env:
        - {name: EMQX_CLUSTER__DISCOVERY_STRATEGY, value: k8s}
        - {name: EMQX_CLUSTER__K8S__APISERVER, value: "https://kubernetes.default.svc:443"}
        - {name: EMQX_CLUSTER__K8S__SERVICE_NAME, value: emqx-headless}
        - {name: EMQX_CLUSTER__K8S__NAMESPACE, value: default}
        - {name: EMQX_CLUSTER__K8S__ADDRESS_TYPE, value: hostname}
        - {name: EMQX_CLUSTER__K8S__SUFFIX, value: svc.cluster.local}
        - name: POD_NAME
          valueFrom: {fieldRef: {fieldPath: metadata.name}}
        - {name: EMQX_HOST, value: "$(POD_NAME).emqx-headless.default.svc.cluster.local"}
"#;

/// EMQX.md §4, the three-node hostname cluster, byte for byte.
const THREE_NODES: &str = "Cluster status: #{running_nodes =>
                      ['emqx@emqx-0.emqx-headless.default.svc.cluster.local',
                       'emqx@emqx-1.emqx-headless.default.svc.cluster.local',
                       'emqx@emqx-2.emqx-headless.default.svc.cluster.local'],
                  stopped_nodes => []}
";

fn running() -> Cluster {
    let c = Cluster::start();
    let file = c.write("emqx.yaml", EMQX);
    c.ok(&["apply", "-f", as_str(&file)]);
    c.eventually(&["get", "pods", "-l", "app=emqx"], |t| {
        t.lines().filter(|l| l.contains(" 1/1 ")).count() == 3
    });
    c
}

#[test]
fn kubectl_exec_shows_the_three_node_cluster_exactly_as_emqx_prints_it() {
    let c = running();
    let out = c.eventually(
        &["exec", "emqx-0", "--", "emqx", "ctl", "cluster", "status"],
        |t| t.contains("emqx-2.emqx-headless"),
    );
    assert_eq!(out, THREE_NODES);
    let out = c.ok(&["exec", "emqx-1", "--", "emqx_ctl", "cluster", "status"]);
    assert_eq!(out, THREE_NODES);
    // `ls` is a builtin of the container's shell now; a tool the image lacks is not.
    let denied = c.run(&["exec", "emqx-0", "--", "curl", "localhost"]);
    assert_eq!(denied.status.code(), Some(127));
    let stderr = String::from_utf8_lossy(&denied.stderr);
    assert!(stderr.contains("sh: curl: not found"), "{stderr}");
    assert!(
        stderr.contains("command terminated with exit code 127"),
        "{stderr}"
    );
}

#[test]
fn kubectl_logs_shows_the_boot_lines_and_tail_and_previous_behave() {
    let c = running();
    let out = c.ok(&["logs", "emqx-0"]);
    assert!(
        out.starts_with("WARNING: Default (insecure) Erlang cookie is in use.\n"),
        "{out}"
    );
    assert!(
        out.contains(
            "EMQX_NODE__NAME [node.name]: emqx@emqx-0.emqx-headless.default.svc.cluster.local\n"
        ),
        "{out}"
    );
    let last = c.eventually(&["logs", "emqx-0", "--tail", "1"], |t| !t.is_empty());
    assert_eq!(last.lines().count(), 1, "{last}");
    let full = c.ok(&["logs", "emqx-0"]);
    assert!(full.contains("EMQX 5.8.9 is running now!\n"), "{full}");
    let previous = c.run(&["logs", "emqx-0", "--previous"]);
    assert!(!previous.status.success());
    let stderr = String::from_utf8_lossy(&previous.stderr);
    assert!(
        stderr.contains("previous terminated container \"emqx\" in pod \"emqx-0\" not found"),
        "{stderr}"
    );
}

#[test]
fn kubectl_auth_can_i_answers_for_service_accounts() {
    let c = running();
    let yes = c.ok(&[
        "auth",
        "can-i",
        "get",
        "endpoints",
        "--as=system:serviceaccount:default:emqx",
    ]);
    assert_eq!(yes, "yes\n");
    let no = c.run(&[
        "auth",
        "can-i",
        "get",
        "endpoints",
        "--as=system:serviceaccount:default:default",
    ]);
    assert_eq!(no.status.code(), Some(1));
    assert_eq!(String::from_utf8_lossy(&no.stdout), "no\n");
    assert_eq!(c.ok(&["auth", "can-i", "create", "deployments"]), "yes\n");
}
