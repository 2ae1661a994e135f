//! O22 and O23 with a learner's own tools: `kubetour sim serve`, `kubectl port-forward`
//! to two different EMQX pods, Debian's `mosquitto_sub` on one and `mosquitto_pub` on the
//! other (the README's two-terminal exercise). After `autocluster` the three nodes are
//! islands and nothing arrives; after `rbac` they are one cluster and the message does.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use crate::common::server::Server;
use crate::support::output;

const TOPIC: &str = "kubetour/e2e";

/// kubectl against the served cluster, with a discovery cache of its own.
struct Kubectl {
    kubeconfig: PathBuf,
    cache: tempfile::TempDir,
}

impl Kubectl {
    fn command(&self) -> Command {
        let mut c = Command::new("kubectl");
        c.arg("--kubeconfig")
            .arg(&self.kubeconfig)
            .arg("--cache-dir")
            .arg(self.cache.path())
            .args(["-n", "emqx"]);
        c
    }

    fn run(&self, args: &[&str]) -> Output {
        self.command()
            .args(args)
            .output()
            .expect("kubectl runs (.ci/run installs it)")
    }

    fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(out.status.success(), "kubectl {args:?}: {}", said(&out));
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Polls until `pred` holds on stdout; never a fixed sleep.
    fn eventually(&self, args: &[&str], pred: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + Duration::from_secs(90);
        loop {
            let out = self.run(args);
            let text = String::from_utf8_lossy(&out.stdout).into_owned();
            if out.status.success() && pred(&text) {
                return text;
            }
            assert!(
                Instant::now() < deadline,
                "kubectl {args:?} never got there; last: {}",
                said(&out)
            );
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    fn apply_through(&self, dir: &Path, stage: &str) {
        let out = output(&["export", "--through", stage]);
        assert!(out.status.success(), "{}", said(&out));
        let file = dir.join(format!("{stage}.yaml"));
        std::fs::write(&file, &out.stdout).unwrap();
        self.ok(&["apply", "-f", file.to_str().unwrap()]);
    }

    /// The three EMQX pods, once the rollout is over and no pod is going away.
    fn three_ready_pods(&self) -> Vec<String> {
        self.ok(&[
            "rollout",
            "status",
            "deployment/emqx-deployment",
            "--timeout=90s",
        ]);
        let listed = self.eventually(&["get", "pods", "-l", "app=emqx", "--no-headers"], |t| {
            let lines: Vec<&str> = t.lines().collect();
            lines.len() == 3
                && lines
                    .iter()
                    .all(|l| l.contains(" 1/1 ") && l.contains("Running"))
        });
        listed
            .lines()
            .filter_map(|l| l.split_whitespace().next())
            .map(str::to_string)
            .collect()
    }

    /// `kubectl port-forward pod/NAME :1883`: the child and the local port it chose.
    fn port_forward(&self, pod: &str) -> Forward {
        let mut child = self
            .command()
            .args(["port-forward", "--address", "127.0.0.1"])
            .arg(format!("pod/{pod}"))
            .arg(":1883")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("kubectl port-forward starts");
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let mut first = String::new();
        stdout.read_line(&mut first).unwrap();
        // kubectl says "Handling connection for PORT" on every connection: keep reading,
        // or its next write hits a closed pipe and kills it.
        std::thread::spawn(move || std::io::copy(&mut stdout, &mut std::io::sink()));
        // "Forwarding from 127.0.0.1:41234 -> 1883"
        let port = first
            .split_whitespace()
            .nth(2)
            .and_then(|a| a.rsplit(':').next())
            .and_then(|p| p.parse().ok())
            .unwrap_or_else(|| panic!("port-forward said {first:?}"));
        Forward { child, port }
    }
}

struct Forward {
    child: Child,
    port: u16,
}

impl Drop for Forward {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn said(out: &Output) -> String {
    crate::support::said(out)
}

/// `mosquitto_sub` on `sub_port` until it has its SUBACK, then `mosquitto_pub` on
/// `pub_port`; what the subscriber printed (the message, or nothing within 4 s).
fn publish_across(sub_port: u16, pub_port: u16, message: &str) -> String {
    // mosquitto_sub's stdout is block-buffered on a pipe: without stdbuf its SUBACK line
    // would only arrive when it exits, long after the moment to publish.
    let mut sub = Command::new("stdbuf")
        .args([
            "-oL",
            "mosquitto_sub",
            "-h",
            "127.0.0.1",
            "-p",
            &sub_port.to_string(),
        ])
        .args(["-t", TOPIC, "-q", "1", "-C", "1", "-W", "4", "-v", "-d"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("mosquitto_sub runs (.ci/run installs mosquitto-clients)");
    let (lines, seen) = mpsc::channel();
    let stdout = sub.stdout.take().unwrap();
    let reader = std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = lines.send(line);
        }
    });
    let mut printed = Vec::new();
    loop {
        let line = seen
            .recv_timeout(Duration::from_secs(10))
            .unwrap_or_else(|_| panic!("mosquitto_sub never subscribed: {printed:?}"));
        let subscribed = line.contains("SUBACK");
        printed.push(line);
        if subscribed {
            break;
        }
    }
    let publish = Command::new("mosquitto_pub")
        .args(["-h", "127.0.0.1", "-p", &pub_port.to_string()])
        .args(["-t", TOPIC, "-q", "1", "-m", message])
        .output()
        .expect("mosquitto_pub runs");
    assert!(
        publish.status.success(),
        "mosquitto_pub: {}",
        said(&publish)
    );
    let _ = sub.wait();
    let _ = reader.join();
    printed.extend(seen.try_iter());
    printed
        .into_iter()
        .filter(|l| !l.starts_with("Client ") && !l.contains("PUBACK"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// How many nodes `emqx ctl cluster status` lists as running (the replaced pods' nodes
/// stay listed as stopped).
fn running_nodes(status: &str) -> usize {
    status
        .split("running_nodes =>")
        .nth(1)
        .and_then(|rest| rest.split(']').next())
        .map_or(0, |list| list.matches("emqx@").count())
}

#[test]
fn o22_o23_mosquitto_through_kubectl_port_forward_sees_islands_then_one_cluster() {
    let dir = tempfile::tempdir().unwrap();
    let kubeconfig = dir.path().join("kubeconfig");
    let _server = Server::serve(&kubeconfig);
    let kubectl = Kubectl {
        kubeconfig,
        cache: tempfile::tempdir().unwrap(),
    };

    // Three pods with discovery settings but no RBAC: three one-node clusters.
    kubectl.apply_through(dir.path(), "autocluster");
    let pods = kubectl.three_ready_pods();
    let (a, b) = (
        kubectl.port_forward(&pods[0]),
        kubectl.port_forward(&pods[1]),
    );
    let got = publish_across(b.port, a.port, "islands");
    assert!(
        !got.contains("islands"),
        "O22: published on {} and received on {}, islands must route nothing: {got}",
        pods[0],
        pods[1]
    );
    drop((a, b));

    // RBAC lets discovery read the endpoints: one cluster of three.
    kubectl.apply_through(dir.path(), "rbac");
    let pods = kubectl.three_ready_pods();
    kubectl.eventually(
        &["exec", &pods[0], "--", "emqx", "ctl", "cluster", "status"],
        |t| running_nodes(t) == 3,
    );
    let (a, b) = (
        kubectl.port_forward(&pods[0]),
        kubectl.port_forward(&pods[2]),
    );
    let got = publish_across(b.port, a.port, "one-cluster");
    assert!(
        got.contains(&format!("{TOPIC} one-cluster")),
        "O23: published on {}, expected on {}: {got:?}",
        pods[0],
        pods[2]
    );
}
