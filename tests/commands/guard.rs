//! The write guard, driven as a user drives it: `kubetour run` pointed at a cluster it
//! did not start (here: `kubetour sim serve`, reached through its kubeconfig) must not
//! write without --yes, nor to a production-looking context without --allow-production.

use std::path::{Path, PathBuf};

use crate::common::server::Server;
use crate::support::said;

/// A `kubetour sim serve` and the kubeconfig it wrote.
struct Served {
    _server: Server,
    kubeconfig: PathBuf,
    _dir: tempfile::TempDir,
}

fn serve() -> Served {
    let dir = tempfile::tempdir().unwrap();
    let kubeconfig = dir.path().join("kubeconfig");
    Served {
        _server: Server::serve(&kubeconfig),
        kubeconfig,
        _dir: dir,
    }
}

fn run(kubeconfig: &Path, extra: &[&str]) -> (bool, String) {
    let out = crate::common::kubetour()
        .args(["run", "--through", "preflight", "--kubeconfig"])
        .arg(kubeconfig)
        .args(extra)
        .env_remove("KUBECONFIG")
        .output()
        .unwrap();
    (out.status.success(), said(&out))
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
