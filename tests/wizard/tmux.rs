//! The wizard binary as a person uses it, in tmux at 120×40 and 80×24: every stage by
//! keys, a try-it, a resize, kubectl in a second terminal against the very cluster the
//! wizard shows, quitting — and the terminal given back each time, SIGTERM included.

use std::process::Command;
use std::time::{Duration, Instant};

use crate::support::tmux::Session;

/// The shipped track's stage ids, in order.
fn stages() -> Vec<String> {
    kubetour::track::load_named("emqx", &Default::default())
        .expect("the shipped track loads")
        .stage_ids()
        .into_iter()
        .map(str::to_string)
        .collect()
}

/// Applies every stage in order with ⏎ and `n`, waiting for each to pass.
fn walk(s: &Session, from: usize) {
    for (i, id) in stages().iter().enumerate().skip(from) {
        if i > from {
            s.keys(&["n"]);
            s.wait_for(&format!("Stage {i} · {id}"), 20);
        }
        s.keys(&["Enter"]);
        // Passed, and the engine done with it (the busy line gone).
        s.wait_until(240, &format!("stage {id} passes"), |screen| {
            screen.contains(&format!("Stage {i} · {id} — passed")) && !screen.contains("c cancels")
        });
    }
}

fn kubectl(kubeconfig: &str, cache: &std::path::Path, args: &[&str]) -> String {
    let out = Command::new("kubectl")
        .arg("--kubeconfig")
        .arg(kubeconfig)
        .arg("--cache-dir")
        .arg(cache)
        .args(args)
        .output()
        .expect("kubectl runs");
    assert!(
        out.status.success(),
        "kubectl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn deployment_pods(kubeconfig: &str, cache: &std::path::Path) -> Vec<String> {
    kubectl(
        kubeconfig,
        cache,
        &["-n", "emqx", "get", "pods", "-o", "name"],
    )
    .lines()
    .filter_map(|l| l.strip_prefix("pod/"))
    .filter(|n| n.starts_with("emqx-deployment-"))
    .map(str::to_string)
    .collect()
}

#[test]
fn at_120x40_a_learner_walks_every_stage_uses_kubectl_beside_it_and_quits_cleanly() {
    let s = Session::start("wide", 120, 40, &["--speed", "50"]);
    let first = s.wait_for("export KUBECONFIG=", 60);
    assert!(first.contains("SIMULATED"), "{first}");
    let kubeconfig = first
        .split("export KUBECONFIG=")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .expect("the export line names a file")
        .to_string();
    assert!(
        kubeconfig.starts_with(&s.state.path().display().to_string()),
        "{kubeconfig}"
    );

    walk(&s, 0);
    // A try-it: delete a StatefulSet pod; it comes back under its name, with its claim.
    s.keys(&["t"]);
    let after = s.wait_until(240, "the persistence try-it", |screen| {
        screen.contains("try-it held:") || screen.contains("try-it of stage `persistence` failed")
    });
    assert!(after.contains("try-it held:"), "{after}");

    // A second terminal: kubectl against the wizard's own cluster. Rewind to the
    // Deployment stage, delete its pod by hand, and watch the wizard show the replacement.
    let cache = tempfile::tempdir().unwrap();
    for _ in 0..7 {
        s.keys(&["p"]);
    }
    s.wait_for("Stage 2 · deployment", 20);
    s.keys(&["r"]);
    s.wait_for("rewound to stage `deployment`", 240);
    let deadline = Instant::now() + Duration::from_secs(60);
    let old = loop {
        let pods = deployment_pods(&kubeconfig, cache.path());
        if pods.len() == 1 {
            break pods[0].clone();
        }
        assert!(
            Instant::now() < deadline,
            "one Deployment pod after the rewind: {pods:?}"
        );
        std::thread::sleep(Duration::from_millis(200));
    };
    let old_tail = &old[old.len() - 5..];
    s.wait_for(old_tail, 30);
    kubectl(
        &kubeconfig,
        cache.path(),
        &["-n", "emqx", "delete", "pod", &old, "--wait=false"],
    );
    let deadline = Instant::now() + Duration::from_secs(60);
    let new = loop {
        if let Some(p) = deployment_pods(&kubeconfig, cache.path())
            .into_iter()
            .find(|p| *p != old)
        {
            break p;
        }
        assert!(Instant::now() < deadline, "a replacement for {old}");
        std::thread::sleep(Duration::from_millis(200));
    };
    let new_tail = new[new.len() - 5..].to_string();
    s.wait_until(60, "the replacement on screen", |screen| {
        screen.contains(&new_tail)
    });

    // Resize: small screens get tabs; back to wide, the panels return.
    s.resize(80, 24);
    s.wait_for("1 Lesson", 20);
    s.resize(120, 40);
    s.wait_for("Objects (", 20);

    s.keys(&["q"]);
    let after = s.assert_restored();
    assert!(
        after.contains("embedded simulated cluster stops"),
        "{after}"
    );
    assert!(after.contains("EXITED 0"), "{after}");
    assert!(
        !std::path::Path::new(&kubeconfig).exists(),
        "the second terminal's kubeconfig is removed with the cluster"
    );
}

#[test]
fn at_80x24_the_whole_track_runs_in_tabs() {
    let s = Session::start("small", 80, 24, &["--speed", "50"]);
    s.wait_for("1 Lesson", 60);
    walk(&s, 0);
    s.keys(&["v"]);
    s.wait_for("Manifest ·", 20);
    s.keys(&["v"]);
    s.wait_for("1 cluster of 3 running nodes", 60);
    s.keys(&["v"]);
    s.wait_for("Log ·", 20);
    s.keys(&["q"]);
    let after = s.assert_restored();
    assert!(after.contains("EXITED 0"), "{after}");
}

#[test]
fn sigterm_mid_stage_gives_the_terminal_back_and_says_what_was_left() {
    let s = Session::start("term", 120, 40, &["--speed", "2"]);
    s.wait_for("export KUBECONFIG=", 60);
    s.keys(&["Enter"]);
    s.wait_for("Stage 0 · preflight — passed", 60);
    s.keys(&["n"]);
    s.wait_for("Stage 1 · pod", 20);
    s.keys(&["Enter"]);
    s.wait_for("c cancels", 20);
    let pid = s.wizard_pid();
    let killed = Command::new("kill")
        .args(["-TERM", &pid.to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let after = s.assert_restored();
    assert!(after.contains("SIGTERM received"), "{after}");
    assert!(
        after.contains("Stopped while stage `pod` was running"),
        "{after}"
    );
}

#[test]
fn a_panic_gives_the_terminal_back_before_its_message() {
    let s = Session::start_with_env(
        "panic",
        120,
        40,
        "RUST_BACKTRACE=0 KUBETOUR_TEST_PANIC=1",
        &[],
    );
    let after = s.assert_restored();
    assert!(after.contains("EXITED 101"), "{after}");
    assert!(after.contains("panicking on purpose"), "{after}");
}
