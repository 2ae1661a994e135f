//! The write guard, driven as a user drives it: `kubetour run` pointed at a cluster it
//! did not start (here: `kubetour sim serve`, reached through its kubeconfig) must not
//! write without --yes, nor to a production-looking context without --allow-production.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

struct Served {
    child: Child,
    kubeconfig: PathBuf,
    _dir: tempfile::TempDir,
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn serve() -> Served {
    let dir = tempfile::tempdir().unwrap();
    let kubeconfig = dir.path().join("kubeconfig");
    let mut child = Command::new(env!("CARGO_BIN_EXE_kubetour"))
        .args(["sim", "serve", "--speed", "50", "--kubeconfig"])
        .arg(&kubeconfig)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    assert!(first.starts_with("export KUBECONFIG="), "{first}");
    Served {
        child,
        kubeconfig,
        _dir: dir,
    }
}

fn run(kubeconfig: &Path, extra: &[&str]) -> (bool, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_kubetour"))
        .args(["run", "--through", "preflight", "--kubeconfig"])
        .arg(kubeconfig)
        .args(extra)
        .env_remove("KUBECONFIG")
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

#[test]
fn a_cluster_kubetour_did_not_start_needs_yes_before_any_write() {
    let served = serve();
    let (ok, text) = run(&served.kubeconfig, &[]);
    assert!(!ok, "{text}");
    assert!(text.contains("--yes"), "{text}");
    assert!(
        text.contains("kubetour-sim"),
        "the refusal names the context: {text}"
    );
    assert!(
        !text.contains("preflight\n"),
        "nothing may run before the guard: {text}"
    );
    let (ok, text) = run(&served.kubeconfig, &["--yes"]);
    assert!(ok, "{text}");
    assert!(text.contains("all checks passed"), "{text}");
}

#[test]
fn a_production_looking_context_also_needs_allow_production() {
    let served = serve();
    let prod = served.kubeconfig.with_file_name("prod-kubeconfig");
    let text = std::fs::read_to_string(&served.kubeconfig).unwrap();
    std::fs::write(&prod, text.replace("kubetour-sim", "eu-prod-1")).unwrap();
    let (ok, text) = run(&prod, &["--yes"]);
    assert!(!ok, "{text}");
    assert!(text.contains("looks like production"), "{text}");
    assert!(text.contains("--allow-production"), "{text}");
    let (ok, text) = run(&prod, &["--yes", "--allow-production"]);
    assert!(ok, "{text}");
}
