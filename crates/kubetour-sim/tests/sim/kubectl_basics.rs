//! kubectl (the one on this machine) against `kubetour sim serve`: discovery, nodes,
//! client-side and server-side apply of a multi-document manifest, errors.

use crate::support::kubectl::{Cluster, MANIFEST, as_str};

#[test]
fn kubectl_version_reports_a_1_33_server() {
    let c = Cluster::start();
    let out = c.ok(&["version"]);
    assert!(out.contains("Server Version: v1.33."), "{out}");
}

#[test]
fn api_resources_lists_the_served_kinds() {
    let c = Cluster::start();
    let out = c.ok(&["api-resources"]);
    for line in [
        "pods                     po           v1",
        "deployments              deploy       apps/v1",
        "statefulsets             sts          apps/v1",
        "persistentvolumeclaims   pvc          v1",
        "storageclasses           sc           storage.k8s.io/v1",
    ] {
        let words: Vec<&str> = line.split_whitespace().collect();
        assert!(
            out.lines()
                .any(|l| l.split_whitespace().take(3).eq(words.iter().copied())),
            "missing {line:?} in\n{out}"
        );
    }
}

#[test]
fn get_nodes_shows_three_ready_nodes() {
    let c = Cluster::start();
    let out = c.ok(&["get", "nodes"]);
    let header: Vec<&str> = out.lines().next().unwrap().split_whitespace().collect();
    assert_eq!(header, ["NAME", "STATUS", "ROLES", "AGE", "VERSION"]);
    let ready = out
        .lines()
        .skip(1)
        .filter(|l| l.split_whitespace().nth(1) == Some("Ready"))
        .count();
    assert_eq!(ready, 3, "{out}");
}

#[test]
fn apply_creates_then_leaves_a_manifest_unchanged() {
    let c = Cluster::start();
    let file = c.write("emqx.yaml", MANIFEST);
    let out = c.ok(&["apply", "-f", as_str(&file)]);
    for line in [
        "namespace/emqx created",
        "configmap/emqx-config created",
        "deployment.apps/emqx-deployment created",
        "service/emqx-service created",
        "statefulset.apps/emqx-core created",
    ] {
        assert!(out.contains(line), "missing {line:?} in\n{out}");
    }
    let again = c.ok(&["apply", "-f", as_str(&file)]);
    assert!(
        again.contains("deployment.apps/emqx-deployment unchanged"),
        "{again}"
    );
    let changed = c.write(
        "emqx2.yaml",
        &MANIFEST.replace("replicas: 2", "replicas: 3"),
    );
    let out = c.ok(&["apply", "-f", as_str(&changed)]);
    assert!(
        out.contains("deployment.apps/emqx-deployment configured"),
        "{out}"
    );
    let replicas = c.ok(&[
        "-n",
        "emqx",
        "get",
        "deploy",
        "emqx-deployment",
        "-o",
        "jsonpath={.spec.replicas}",
    ]);
    assert_eq!(replicas, "3");
}

#[test]
fn server_side_apply_is_idempotent() {
    let c = Cluster::start();
    let file = c.write("emqx.yaml", MANIFEST);
    let out = c.ok(&["apply", "--server-side", "-f", as_str(&file)]);
    assert!(
        out.contains("deployment.apps/emqx-deployment serverside-applied"),
        "{out}"
    );
    let rv = |c: &Cluster| {
        c.ok(&[
            "-n",
            "emqx",
            "get",
            "cm",
            "emqx-config",
            "-o",
            "jsonpath={.metadata.resourceVersion}",
        ])
    };
    let before = rv(&c);
    c.ok(&["apply", "--server-side", "-f", as_str(&file)]);
    assert_eq!(rv(&c), before, "a repeated apply writes nothing");
    let managers = c.ok(&[
        "-n",
        "emqx",
        "get",
        "cm",
        "emqx-config",
        "--show-managed-fields",
        "-o",
        "jsonpath={.metadata.managedFields[*].manager}",
    ]);
    assert_eq!(managers, "kubectl");
}

#[test]
fn invalid_objects_are_refused_with_the_servers_message() {
    let c = Cluster::start();
    let bad = c.write(
        "bad.yaml",
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: EMQX_Pod\nspec:\n  containers:\n  - name: emqx\n",
    );
    let out = c.run(&["apply", "-f", as_str(&bad)]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("is invalid"), "{err}");
    assert!(
        err.contains("spec.containers[0].image: Required value"),
        "{err}"
    );
    let typo = c.write("typo.yaml", &MANIFEST.replace("replicas: 2", "replica: 2"));
    let out = c.run(&["apply", "-f", as_str(&typo)]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("strict decoding error: unknown field \"spec.replica\""),
        "{err}"
    );
    let missing = c.run(&["get", "pod", "nope"]);
    assert!(String::from_utf8_lossy(&missing.stderr).contains("pods \"nope\" not found"));
}

#[test]
fn kubectl_create_generators_work_though_they_send_protobuf() {
    let c = Cluster::start();
    assert!(
        c.ok(&["create", "namespace", "emqx"])
            .contains("namespace/emqx created")
    );
    c.ok(&[
        "-n",
        "emqx",
        "create",
        "configmap",
        "emqx-config",
        "--from-literal=EMQX_NAME=emqx",
    ]);
    c.ok(&[
        "-n",
        "emqx",
        "create",
        "deployment",
        "web",
        "--image=emqx/emqx:5.8.9",
        "--port=1883",
        "--replicas=2",
    ]);
    c.ok(&[
        "-n",
        "emqx",
        "create",
        "service",
        "nodeport",
        "web",
        "--tcp=1883:1883",
    ]);
    c.ok(&["-n", "emqx", "create", "serviceaccount", "emqx"]);
    c.ok(&[
        "-n",
        "emqx",
        "create",
        "role",
        "reader",
        "--verb=get,list",
        "--resource=endpoints",
    ]);
    c.ok(&[
        "-n",
        "emqx",
        "create",
        "rolebinding",
        "reader",
        "--role=reader",
        "--serviceaccount=emqx:emqx",
    ]);
    let data = c.ok(&[
        "-n",
        "emqx",
        "get",
        "cm",
        "emqx-config",
        "-o",
        "jsonpath={.data.EMQX_NAME}",
    ]);
    assert_eq!(data, "emqx");
    let image = c.ok(&["-n", "emqx", "get", "deploy", "web", "-o", "jsonpath={.spec.replicas} {.spec.template.spec.containers[0].image} {.spec.template.spec.containers[0].ports[0].containerPort}"]);
    assert_eq!(image, "2 emqx/emqx:5.8.9 1883");
    let ports = c.ok(&[
        "-n",
        "emqx",
        "get",
        "svc",
        "web",
        "-o",
        "jsonpath={.spec.type} {.spec.ports[0].nodePort}",
    ]);
    let (kind, node_port) = ports.split_once(' ').unwrap();
    assert_eq!(kind, "NodePort");
    assert!(
        (30000..=32767).contains(&node_port.parse::<i32>().unwrap()),
        "{ports}"
    );
    let subject = c.ok(&[
        "-n",
        "emqx",
        "get",
        "rolebinding",
        "reader",
        "-o",
        "jsonpath={.subjects[0].kind}/{.subjects[0].name} {.roleRef.name}",
    ]);
    assert_eq!(subject, "ServiceAccount/emqx reader");
}

#[test]
fn p19_a_network_policy_is_applied_listed_with_its_pod_selector_and_deleted() {
    let c = Cluster::start();
    c.ok(&["create", "namespace", "emqx"]);
    let file = c.write(
        "netpol.yaml",
        "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: deny-emqx\n  namespace: emqx\nspec:\n  podSelector:\n    matchLabels:\n      app: emqx\n  policyTypes: [Ingress]\n",
    );
    let out = c.ok(&["apply", "-f", as_str(&file)]);
    assert!(
        out.contains("networkpolicy.networking.k8s.io/deny-emqx created"),
        "{out}"
    );
    let out = c.ok(&["get", "netpol", "-n", "emqx"]);
    let header: Vec<&str> = out.lines().next().unwrap().split_whitespace().collect();
    assert_eq!(header, ["NAME", "POD-SELECTOR", "AGE"], "{out}");
    assert!(out.contains("deny-emqx   app=emqx"), "{out}");
    let out = c.ok(&["delete", "networkpolicy", "deny-emqx", "-n", "emqx"]);
    assert!(out.contains("deleted"), "{out}");
}
