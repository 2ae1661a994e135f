//! Containers that are not EMQX (busybox with `sh -c`, `echo`, `sleep`, `for`, `exit N`)
//! run their command through the container's shell on `kubetour sim serve`: output in
//! `kubectl logs`, the exit code as the container's terminated state, restartPolicy
//! honoured, the pod's phase Succeeded or Failed as a real kubelet sets it.

use crate::support::kubectl::{Cluster, as_str};

fn pod(name: &str, policy: &str, script: &str) -> String {
    format!(
        r#"apiVersion: v1
kind: Pod
metadata: {{name: {name}, namespace: default}}
spec:
  restartPolicy: {policy}
  containers:
  - name: c
    image: busybox:1.36
    command: [sh, -c, '{script}']
"#
    )
}

fn apply(c: &Cluster, name: &str, text: &str) {
    let file = c.write(&format!("{name}.yaml"), text);
    c.ok(&["apply", "-f", as_str(&file)]);
}

fn jsonpath(c: &Cluster, pod: &str, path: &str) -> String {
    c.ok(&["get", "pod", pod, "-o", &format!("jsonpath={path}")])
}

#[test]
fn a_finished_script_leaves_its_output_and_the_pod_succeeds() {
    let c = Cluster::start();
    apply(
        &c,
        "hello",
        &pod(
            "hello",
            "Never",
            "echo hello; for i in 1 2 3; do echo tick $i; sleep 1; done",
        ),
    );
    c.eventually(&["get", "pod", "hello"], |t| t.contains(" Completed "));
    assert_eq!(jsonpath(&c, "hello", "{.status.phase}"), "Succeeded");
    let state = jsonpath(
        &c,
        "hello",
        "{.status.containerStatuses[0].state.terminated}",
    );
    assert!(
        state.contains("\"exitCode\":0") && state.contains("\"reason\":\"Completed\""),
        "{state}"
    );
    assert!(state.contains("\"containerID\":\"containerd://"), "{state}");
    assert_eq!(c.ok(&["logs", "hello"]), "hello\ntick 1\ntick 2\ntick 3\n");
}

#[test]
fn a_failing_script_fails_the_pod_with_its_exit_code_when_never_restarted() {
    let c = Cluster::start();
    apply(&c, "fail", &pod("fail", "Never", "echo bye; exit 3"));
    c.eventually(&["get", "pod", "fail"], |t| t.contains(" Error "));
    assert_eq!(jsonpath(&c, "fail", "{.status.phase}"), "Failed");
    let state = jsonpath(
        &c,
        "fail",
        "{.status.containerStatuses[0].state.terminated}",
    );
    assert!(
        state.contains("\"exitCode\":3") && state.contains("\"reason\":\"Error\""),
        "{state}"
    );
    assert_eq!(c.ok(&["logs", "fail"]), "bye\n");
}

#[test]
fn restart_policies_decide_what_happens_after_the_exit() {
    let c = Cluster::start();
    apply(&c, "always", &pod("always", "Always", "echo once; exit 1"));
    apply(
        &c,
        "onfailure-ok",
        &pod("onfailure-ok", "OnFailure", "echo fine"),
    );
    apply(
        &c,
        "onfailure-bad",
        &pod("onfailure-bad", "OnFailure", "exit 2"),
    );
    c.eventually(&["get", "pod", "always"], |t| {
        t.contains("CrashLoopBackOff")
    });
    assert_eq!(c.ok(&["logs", "always", "--previous"]), "once\n");
    assert_eq!(jsonpath(&c, "always", "{.status.phase}"), "Running");
    c.eventually(&["get", "pod", "onfailure-ok"], |t| {
        t.contains(" Completed ")
    });
    assert_eq!(jsonpath(&c, "onfailure-ok", "{.status.phase}"), "Succeeded");
    let restarts = c.eventually(
        &[
            "get",
            "pod",
            "onfailure-bad",
            "-o",
            "jsonpath={.status.containerStatuses[0].restartCount}",
        ],
        |t| t.parse::<u32>().is_ok_and(|n| n >= 1),
    );
    assert!(!restarts.is_empty());
}

#[test]
fn a_sleeping_container_keeps_running_and_answers_exec() {
    let c = Cluster::start();
    let text = r#"apiVersion: v1
kind: Pod
metadata: {name: sleeper, namespace: default}
spec:
  containers:
  - {name: c, image: busybox:1.36, command: [sleep, "3600"]}
"#;
    apply(&c, "sleeper", text);
    c.eventually(&["get", "pod", "sleeper"], |t| t.contains(" Running "));
    assert_eq!(c.ok(&["exec", "sleeper", "--", "hostname"]), "sleeper\n");
}
