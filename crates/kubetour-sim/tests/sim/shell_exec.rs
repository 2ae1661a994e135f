//! A shell in the simulated container through kubectl against `kubetour sim serve`:
//! `exec -it POD -- sh` on a terminal, `exec -- sh -c` scripts, and `kubectl cp` in and
//! out of the pod (tar over exec stdin/stdout).

use std::io::{Read, Write};
use std::process::Stdio;
use std::sync::mpsc;
use std::time::Duration;

use crate::support::kubectl::{Cluster, as_str};

const EMQX: &str = r#"apiVersion: v1
kind: Service
metadata: {name: emqx-headless, namespace: default}
spec:
  clusterIP: None
  selector: {app: emqx}
  ports:
  - {name: ekka, port: 4370}
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: emqx, namespace: default}
spec:
  serviceName: emqx-headless
  replicas: 1
  selector: {matchLabels: {app: emqx}}
  template:
    metadata: {labels: {app: emqx}}
    spec:
      containers:
      - name: emqx
        image: emqx/emqx:5.8.9
        env:
        - {name: GREETING, value: hello}
"#;

fn running() -> Cluster {
    Cluster::with_ready_pod(EMQX, "emqx-0")
}

/// Waits until the terminal output so far contains `text`; returns all of it.
fn wait_for(rx: &mpsc::Receiver<Vec<u8>>, seen: &mut Vec<u8>, text: &str) -> String {
    loop {
        let now = String::from_utf8_lossy(seen).into_owned();
        if now.contains(text) {
            return now;
        }
        match rx.recv_timeout(Duration::from_secs(60)) {
            Ok(bytes) => seen.extend(bytes),
            Err(_) => panic!("the terminal never showed {text:?}; it shows:\n{now}"),
        }
    }
}

#[test]
fn exec_it_sh_opens_an_interactive_shell_that_runs_what_tutorials_type() {
    let cluster = running();
    // `script` gives kubectl a real terminal, as a learner's has.
    let command = format!(
        "kubectl --kubeconfig {} exec -it emqx-0 -- sh",
        as_str(&cluster.kubeconfig)
    );
    let mut child = std::process::Command::new("script")
        .args(["-qec", &command, "/dev/null"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("script (util-linux) runs");
    let mut stdin = child.stdin.take().unwrap();
    let mut stdout = child.stdout.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut buf = [0u8; 4096];
        while let Ok(n) = stdout.read(&mut buf) {
            if n == 0 || tx.send(buf[..n].to_vec()).is_err() {
                break;
            }
        }
    });
    let mut seen = Vec::new();
    wait_for(&rx, &mut seen, "$ ");
    let mut typed = |line: &str, expect: &str| {
        stdin.write_all(format!("{line}\r").as_bytes()).unwrap();
        stdin.flush().unwrap();
        wait_for(&rx, &mut seen, expect)
    };
    typed(
        "hostname -f",
        "emqx-0.emqx-headless.default.svc.cluster.local\r\n$ ",
    );
    typed("echo $GREETING", "hello\r\n$ ");
    typed("emqx ctl status", "5.8.9 is started\r\n");
    typed("cat /etc/resolv.conf", "options ndots:5\r\n");
    typed("ls /opt/emqx/data", "mnesia\r\n");
    typed("top", "sh: top: not found\r\n$ ");
    // Ctrl-C ends a running sleep (an hour of simulated time) and its command line.
    typed("sleep 3600; echo never", "sleep 3600; echo never\r\n");
    typed("\u{3}", "never\r\n^C\r\n$ ");
    let all = typed("exit 7", "command terminated with exit code 7");
    assert!(all.contains("$ hostname -f\r\n"), "input is echoed: {all}");
    let status = child.wait().expect("kubectl ends");
    assert_eq!(status.code(), Some(7), "{all}");
}

#[test]
fn exec_sh_dash_c_runs_loops_and_and_or_lists_with_the_exit_code() {
    let cluster = running();
    let out = cluster.run(&[
        "exec",
        "emqx-0",
        "--",
        "sh",
        "-c",
        "for n in a b; do echo $n; done; false || echo recovered && exit 3",
    ]);
    assert_eq!(String::from_utf8_lossy(&out.stdout), "a\nb\nrecovered\n");
    assert_eq!(out.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&out.stderr).contains("command terminated with exit code 3"));
}

#[test]
fn kubectl_cp_copies_files_out_of_and_into_the_pod() {
    let cluster = running();
    let local = cluster.path("hosts");
    let out = cluster.run(&["cp", "emqx-0:/etc/hosts", as_str(&local)]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let hosts = std::fs::read_to_string(&local).expect("copied");
    assert!(
        hosts.starts_with("# Kubernetes-managed hosts file.\n"),
        "{hosts}"
    );
    assert!(
        hosts.contains("emqx-0.emqx-headless.default.svc.cluster.local\temqx-0"),
        "{hosts}"
    );
    let note = cluster.write("note.txt", "copied in\n");
    cluster.ok(&["cp", as_str(&note), "emqx-0:/tmp/note.txt"]);
    let back = cluster.ok(&["exec", "emqx-0", "--", "cat", "/tmp/note.txt"]);
    assert_eq!(back, "copied in\n");
}
