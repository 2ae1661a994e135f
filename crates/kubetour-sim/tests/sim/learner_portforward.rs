//! `kubectl port-forward` against `kubetour sim serve`: to a Service's pod and to a pod,
//! EMQX's HTTP API answers on the forwarded 18083 what it answers through the API
//! server's proxy, MQTT on 1883 answers CONNECT with a CONNACK, and a port nothing
//! listens on fails as on a real node (the kubelet's message, "lost connection").

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use crate::support::kubectl::Cluster;

const EMQX: &str = r#"apiVersion: v1
kind: Service
metadata: {name: emqx-service, namespace: default}
spec:
  selector: {app: emqx}
  ports:
  - {name: dashboard, port: 18083, targetPort: dashboard}
  - {name: mqtt, port: 1883, targetPort: mqtt}
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: emqx, namespace: default}
spec:
  serviceName: emqx-service
  replicas: 1
  selector: {matchLabels: {app: emqx}}
  template:
    metadata: {labels: {app: emqx}}
    spec:
      containers:
      - name: emqx
        image: emqx/emqx:5.8.9
        ports:
        - {name: dashboard, containerPort: 18083}
        - {name: mqtt, containerPort: 1883}
"#;

/// A running `kubectl port-forward`, and the local port of each remote port.
struct Forward {
    child: Child,
    lines: mpsc::Receiver<String>,
}

impl Forward {
    fn start(cluster: &Cluster, target: &str, remotes: &[u16]) -> (Forward, Vec<u16>) {
        let mut cmd = cluster.kubectl();
        cmd.args(["port-forward", target]);
        for r in remotes {
            cmd.arg(format!(":{r}"));
        }
        let mut child = cmd
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("kubectl runs");
        let (tx, lines) = mpsc::channel();
        for stream in [
            Box::new(child.stdout.take().unwrap()) as Box<dyn Read + Send>,
            Box::new(child.stderr.take().unwrap()),
        ] {
            let tx = tx.clone();
            std::thread::spawn(move || {
                for line in BufReader::new(stream).lines().map_while(Result::ok) {
                    let _ = tx.send(line);
                }
            });
        }
        let mut forward = Forward { child, lines };
        let mut locals = Vec::new();
        for remote in remotes {
            // "Forwarding from 127.0.0.1:40123 -> 18083"
            let line = forward.wait_for(&format!("-> {remote}"));
            let local = line
                .split("127.0.0.1:")
                .nth(1)
                .and_then(|r| r.split_whitespace().next())
                .and_then(|p| p.parse().ok())
                .unwrap_or_else(|| panic!("no local port in {line:?}"));
            locals.push(local);
        }
        (forward, locals)
    }

    fn wait_for(&mut self, text: &str) -> String {
        loop {
            let line = self
                .lines
                .recv_timeout(Duration::from_secs(60))
                .unwrap_or_else(|_| panic!("kubectl port-forward never printed {text:?}"));
            let local = !text.starts_with("->") || line.contains("127.0.0.1");
            if line.contains(text) && local {
                return line;
            }
        }
    }
}

impl Drop for Forward {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn http_get(port: u16, path: &str) -> String {
    let mut s = TcpStream::connect(("127.0.0.1", port)).expect("connects");
    s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).expect("reads the answer");
    out
}

fn running_emqx() -> Cluster {
    Cluster::with_ready_pod(EMQX, "emqx-0")
}

#[test]
fn port_forward_to_the_service_answers_emqx_status_and_the_proxy_agrees() {
    let cluster = running_emqx();
    let (_fw, locals) = Forward::start(&cluster, "svc/emqx-service", &[18083]);
    let answer = http_get(locals[0], "/status");
    assert!(answer.starts_with("HTTP/1.1 200 OK\r\n"), "{answer}");
    let body = answer.split("\r\n\r\n").nth(1).unwrap_or("");
    let proxied = cluster.ok(&[
        "get",
        "--raw",
        "/api/v1/namespaces/default/pods/emqx-0:18083/proxy/status",
    ]);
    assert_eq!(body, proxied, "port-forward and the pod proxy answer alike");
    assert!(
        body.contains("is started") && body.contains("emqx is running"),
        "{body}"
    );
    let page = http_get(locals[0], "/");
    assert!(page.contains("simulated by kubetour"), "{page}");
}

#[test]
fn port_forward_to_mqtt_answers_connect_with_a_connack() {
    let cluster = running_emqx();
    let (_fw, locals) = Forward::start(&cluster, "pod/emqx-0", &[1883]);
    let mut s = TcpStream::connect(("127.0.0.1", locals[0])).expect("connects");
    s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    // CONNECT, MQTT 3.1.1, clean session, keep-alive 60, empty client id.
    let mut connect = vec![0x10, 12, 0, 4];
    connect.extend_from_slice(b"MQTT");
    connect.extend_from_slice(&[4, 2, 0, 60, 0, 0]);
    s.write_all(&connect).unwrap();
    let mut connack = [0u8; 4];
    s.read_exact(&mut connack).expect("a CONNACK");
    assert_eq!(connack, [0x20, 2, 0, 0], "accepted");
    s.write_all(&[0xc0, 0]).unwrap();
    let mut pingresp = [0u8; 2];
    s.read_exact(&mut pingresp).expect("a PINGRESP");
    assert_eq!(pingresp, [0xd0, 0]);
}

#[test]
fn port_forward_to_a_port_nothing_listens_on_fails_as_on_a_real_node() {
    let cluster = running_emqx();
    let (mut fw, locals) = Forward::start(&cluster, "pod/emqx-0", &[9999]);
    let mut s = TcpStream::connect(("127.0.0.1", locals[0])).expect("kubectl accepts locally");
    s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    let _ = s.write_all(b"x");
    let mut buf = Vec::new();
    let _ = s.read_to_end(&mut buf);
    assert!(buf.is_empty(), "nothing comes back from a refused port");
    let line = fw.wait_for("an error occurred forwarding");
    let real = include_str!("../fixtures/real/kubectl-port-forward-refused.txt");
    let real_line = real
        .lines()
        .find(|l| l.contains("an error occurred forwarding"))
        .expect("the fixture has the error");
    assert_eq!(
        normalised(&kubelet_message(&line), 9999),
        normalised(&kubelet_message(real_line), 18083),
        "{line}"
    );
    fw.wait_for("lost connection to pod");
}

/// The kubelet's message inside kubectl's error line (plain or klog structured form).
fn kubelet_message(line: &str) -> String {
    let from = line
        .find("error forwarding port")
        .expect("the kubelet's message");
    line[from..].trim_end_matches('"').replace("\\\"", "\"")
}

/// Ids, namespace paths and the remote port replaced by placeholders.
fn normalised(message: &str, port: u16) -> String {
    let ids = regex::Regex::new(r"[0-9a-f]{64}").unwrap();
    let netns = regex::Regex::new(r"cni-[0-9a-f-]{36}").unwrap();
    let text = ids.replace_all(message, "SANDBOX");
    let text = netns.replace_all(&text, "cni-NETNS");
    text.replace(&port.to_string(), "PORT")
}
