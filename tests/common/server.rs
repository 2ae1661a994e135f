//! `kubetour sim serve` as a child process: plain (a cluster kubetour did not start),
//! or with `--state FILE`, stopped (SIGTERM or kill -9) and started again on the same
//! port, as an API server restarts while its clients stay connected.
#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub struct Server {
    child: Child,
    pub port: u16,
}

/// Where the server's files live: the state file, the kubeconfig, its log.
pub struct Files {
    pub dir: tempfile::TempDir,
    pub state: PathBuf,
    pub kubeconfig: PathBuf,
}

impl Files {
    pub fn new() -> Files {
        let dir = tempfile::tempdir().unwrap();
        Files {
            state: dir.path().join("state.json"),
            kubeconfig: dir.path().join("kubeconfig"),
            dir,
        }
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("server.log")).unwrap_or_default()
    }
}

/// `kubetour sim serve` at speed 50 on `port` (0: a free one), writing `kubeconfig`.
fn command(kubeconfig: &Path, port: u16) -> Command {
    let mut c = super::kubetour();
    c.args(["sim", "serve", "--speed", "50", "--listen"])
        .arg(format!("127.0.0.1:{port}"))
        .arg("--kubeconfig")
        .arg(kubeconfig)
        .stdout(Stdio::piped());
    c
}

/// Starts `command`, waits until the server listens (its first line), and names the
/// port it took.
fn started(mut command: Command, kubeconfig: &Path, log: impl Fn() -> String) -> Server {
    let mut child = command.spawn().expect("kubetour starts");
    let stdout = child.stdout.take().unwrap();
    let mut first = String::new();
    BufReader::new(stdout).read_line(&mut first).unwrap();
    assert!(
        first.starts_with("export KUBECONFIG="),
        "the server did not start: {first:?}\n{}",
        log()
    );
    let port = port_of(kubeconfig);
    Server { child, port }
}

impl Server {
    /// A plain `kubetour sim serve` on a free port, its kubeconfig written to `kubeconfig`.
    pub fn serve(kubeconfig: &Path) -> Server {
        let mut c = command(kubeconfig, 0);
        c.stderr(Stdio::null());
        started(c, kubeconfig, String::new)
    }

    /// Starts the server keeping its state in `files` on `port` (0: a free one) and
    /// waits until it listens.
    pub fn start(files: &Files, port: u16) -> Server {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(files.dir.path().join("server.log"))
            .unwrap();
        let mut c = command(&files.kubeconfig, port);
        c.arg("--state").arg(&files.state).stderr(log);
        started(c, &files.kubeconfig, || files.log())
    }

    /// kill -9: no chance to save at exit.
    pub fn kill(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// SIGTERM, and its exit status.
    pub fn terminate(mut self) -> std::process::ExitStatus {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        self.child.wait().unwrap()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The port of the kubeconfig's server URL.
pub fn port_of(kubeconfig: &Path) -> u16 {
    let text = std::fs::read_to_string(kubeconfig).unwrap();
    let server = text
        .lines()
        .find_map(|l| l.trim().strip_prefix("server: "))
        .unwrap();
    server.rsplit(':').next().unwrap().trim().parse().unwrap()
}

/// Waits until the state file holds `text` (it is written within about a second of a
/// change); fails after `secs`.
pub fn saved_with(files: &Files, text: &str, secs: u64) {
    let deadline = Instant::now() + Duration::from_secs(secs);
    loop {
        let saved = std::fs::read_to_string(&files.state).unwrap_or_default();
        if saved.contains(text) {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "the state file never held {text:?}\n{}",
            files.log()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// A kube client from the kubeconfig the server wrote.
pub async fn client(files: &Files) -> kube::Client {
    let kubeconfig = kube::config::Kubeconfig::read_from(&files.kubeconfig).unwrap();
    let config = kube::Config::from_custom_kubeconfig(kubeconfig, &Default::default())
        .await
        .unwrap();
    kube::Client::try_from(config).unwrap()
}
