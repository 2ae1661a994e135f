//! The simulated cluster served on loopback over TLS, in this process (the server
//! `kubetour sim serve` runs), and the machine's kubectl against it.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use kubetour_sim::{Sim, SimConfig};

pub struct Cluster {
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    server: Option<std::thread::JoinHandle<()>>,
    dir: tempfile::TempDir,
    pub kubeconfig: PathBuf,
}

impl Cluster {
    /// Starts a simulated cluster on a free loopback port, fast (speed 20), on a runtime
    /// of its own (a thread), and writes its kubeconfig.
    pub fn start() -> Cluster {
        let dir = tempfile::tempdir().unwrap();
        let kubeconfig = dir.path().join("kubeconfig");
        let (ready_tx, ready_rx) = std::sync::mpsc::channel();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let path = kubeconfig.clone();
        let server = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .unwrap();
            runtime.block_on(async move {
                let sim = Sim::start(SimConfig {
                    speed: 20.0,
                    ..SimConfig::default()
                });
                let served = sim.serve_tls(([127, 0, 0, 1], 0).into()).unwrap();
                let config = sim.kubeconfig(&served).unwrap();
                kubetour_sim::write_kubeconfig(&path, &config).unwrap();
                ready_tx.send(()).unwrap();
                let _ = stopped.await;
                served.handle.shutdown();
            });
            runtime.shutdown_background();
        });
        ready_rx.recv().expect("the simulated cluster starts");
        Cluster {
            stop: Some(stop),
            server: Some(server),
            dir,
            kubeconfig,
        }
    }

    /// A cluster with `manifest` applied and pod `pod` (namespace default) ready.
    pub fn with_ready_pod(manifest: &str, pod: &str) -> Cluster {
        let cluster = Cluster::start();
        let file = cluster.write("manifest.yaml", manifest);
        cluster.ok(&["apply", "-f", as_str(&file)]);
        cluster.eventually(&["get", "pod", pod], |o| o.contains("1/1"));
        cluster
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// A kubectl command with this cluster's kubeconfig and a fresh discovery cache.
    pub fn kubectl(&self) -> Command {
        let cache = tempfile::tempdir().unwrap().keep();
        let mut cmd = Command::new("kubectl");
        cmd.arg("--kubeconfig")
            .arg(&self.kubeconfig)
            .arg("--cache-dir")
            .arg(cache);
        cmd
    }

    /// Runs kubectl; panics with its output unless it succeeds. Returns stdout.
    pub fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(
            out.status.success(),
            "kubectl {args:?} failed:\n{}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    pub fn run(&self, args: &[&str]) -> Output {
        self.kubectl()
            .args(args)
            .output()
            .expect("kubectl runs (install it: .ci/run does)")
    }

    /// Polls `kubectl args` until `pred` holds on its stdout (the cluster works in
    /// simulated time, sped up; never a fixed sleep).
    pub fn eventually(&self, args: &[&str], pred: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let out = self.run(args);
            let text = String::from_utf8_lossy(&out.stdout).into_owned();
            if out.status.success() && pred(&text) {
                return text;
            }
            assert!(
                Instant::now() < deadline,
                "kubectl {args:?} never satisfied the check; last:\n{text}"
            );
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    pub fn write(&self, name: &str, text: &str) -> PathBuf {
        let p = self.path(name);
        std::fs::write(&p, text).unwrap();
        p
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(server) = self.server.take() {
            let _ = server.join();
        }
    }
}

pub fn as_str(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// What a learner applies: namespace, config, a Deployment and its Service, and a
/// StatefulSet with a claim template behind a headless Service.
pub const MANIFEST: &str = r#"apiVersion: v1
kind: Namespace
metadata:
  name: emqx
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: emqx-config
  namespace: emqx
data:
  EMQX_NODE__COOKIE: emqxsecretcookie
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: emqx-deployment
  namespace: emqx
  labels:
    app: emqx
spec:
  replicas: 2
  selector:
    matchLabels:
      app: emqx
  template:
    metadata:
      labels:
        app: emqx
    spec:
      containers:
      - name: emqx
        image: emqx/emqx:5.8.9
        ports:
        - name: mqtt
          containerPort: 1883
        envFrom:
        - configMapRef:
            name: emqx-config
---
apiVersion: v1
kind: Service
metadata:
  name: emqx-service
  namespace: emqx
spec:
  selector:
    app: emqx
  ports:
  - name: mqtt
    port: 1883
    targetPort: mqtt
---
apiVersion: v1
kind: Service
metadata:
  name: emqx-headless
  namespace: emqx
spec:
  clusterIP: None
  publishNotReadyAddresses: true
  selector:
    app: emqx-core
  ports:
  - name: ekka
    port: 4370
---
apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: emqx-core
  namespace: emqx
spec:
  serviceName: emqx-headless
  replicas: 1
  selector:
    matchLabels:
      app: emqx-core
  template:
    metadata:
      labels:
        app: emqx-core
    spec:
      containers:
      - name: emqx
        image: emqx/emqx:5.8.9
        ports:
        - name: ekka
          containerPort: 4370
        volumeMounts:
        - name: data
          mountPath: /opt/emqx/data
  volumeClaimTemplates:
  - metadata:
      name: data
    spec:
      accessModes: ["ReadWriteOnce"]
      resources:
        requests:
          storage: 1Gi
"#;
