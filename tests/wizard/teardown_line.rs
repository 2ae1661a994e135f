//! The line the wizard prints on quitting (issue 22.3): after a session on a kubeconfig
//! passed with `--kubeconfig`, on a production-looking context, the teardown command it
//! prints works as printed — run here from another directory, with no ~/.kube/config and
//! no KUBECONFIG — and it is printed only when the session wrote something.

use std::process::Command;

use crate::common::server::Server;
use crate::common::{kubetour, kubetour_bin, said};
use crate::support::{driven, engine};
use kubetour::app::model::Life;
use kubetour::app::orders::quit_now;
use kubetour::engine::events::EngineEvent;

/// The words the model leaves for the line printed after the screen closes.
fn leaving(m: &kubetour::app::model::Model) -> String {
    let mut m = m.clone();
    quit_now(&mut m, "bye");
    match m.life {
        Life::Quitting(words) => words,
        other => panic!("not quitting: {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_printed_teardown_command_works_as_printed_and_only_after_a_write() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let dir = tempfile::tempdir().unwrap();
    let served = dir.path().join("served");
    let _server = Server::serve(&served);
    // The same cluster under a production-looking context name.
    let text = std::fs::read_to_string(&served).unwrap();
    let context = text
        .lines()
        .find_map(|l| l.strip_prefix("current-context:"))
        .unwrap()
        .trim()
        .trim_matches('"')
        .to_string();
    let kubeconfig = dir.path().join("prod kubeconfig");
    std::fs::write(&kubeconfig, text.replace(&context, "prod-eu")).unwrap();
    let path = kubeconfig.to_str().unwrap();

    // Something of kubetour's on the cluster: the first stage, as the wizard would write it.
    let out = kubetour()
        .args(["run", "--kubeconfig", path, "--yes", "--allow-production"])
        .args(["--through", "pod", "--no-try-it"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", said(&out));

    let (_opened, wizard) = driven::open_wizard(Some(kubeconfig.clone()), true, 50.0).await;
    let mut model = wizard.model;
    let quiet = leaving(&model);
    assert!(!quiet.contains("kubetour teardown"), "{quiet}");
    assert!(quiet.contains("Nothing of kubetour's is left"), "{quiet}");

    crate::support::feed(
        &mut model,
        [engine(EngineEvent::Applied {
            stage: "pod".into(),
            kind: "Pod".into(),
            name: "emqx".into(),
            changed: true,
        })],
    );
    let words = leaving(&model);
    let line = words
        .split('`')
        .find(|w| w.starts_with("kubetour teardown"))
        .unwrap_or_else(|| panic!("no teardown command in: {words}"));
    assert!(line.contains("--context prod-eu"), "{line}");
    assert!(line.contains("--allow-production"), "{line}");
    assert!(line.contains("--yes"), "{line}");

    // As printed: from elsewhere, with no default kubeconfig to fall back on.
    let home = tempfile::tempdir().unwrap();
    let rest = line.strip_prefix("kubetour").unwrap();
    let out = Command::new("sh")
        .arg("-c")
        .arg(format!("'{}'{rest}", kubetour_bin().display()))
        .current_dir(home.path())
        .env("HOME", home.path())
        .env_remove("KUBECONFIG")
        .output()
        .unwrap();
    assert!(out.status.success(), "`{line}` failed:\n{}", said(&out));
    assert!(said(&out).contains("deleted Pod/emqx"), "{}", said(&out));
}
