//! Opening the wizard as the binary does — target, track, options — for the tests that
//! drive its real loop on a TestBackend (flow, faults, reconnect).

use std::path::PathBuf;

use kubetour::app::tour::{Options, Wizard};
use kubetour::cli::TargetArgs;
use kubetour::headless::Opened;
use kubetour::track::{Lang, RenderOptions, load_named};
use kubetour::ui::theme::ThemeName;

/// The cluster in `kubeconfig` (the embedded one when `None`), the EMQX track, English,
/// `yes` answering the production guard. Keep the returned `Opened`: dropping it stops
/// an embedded cluster.
pub async fn open_wizard(kubeconfig: Option<PathBuf>, yes: bool, speed: f64) -> (Opened, Wizard) {
    let target = TargetArgs {
        kubeconfig,
        context: None,
        yes,
        allow_production: false,
        production_words: vec!["prod".into()],
        speed,
        no_default_storage_class: false,
    };
    let track = load_named("emqx", &RenderOptions::default()).unwrap();
    let opened = kubetour::headless::open(&target, &track.namespace)
        .await
        .unwrap();
    let options = Options {
        lang: Lang::En,
        theme: ThemeName::Dark,
        autopilot: Default::default(),
        no_color: false,
        speed,
        // As the binary does: the embedded cluster's kubeconfig for a second terminal.
        stable_kubeconfig: opened.embedded_kubeconfig().map(|p| p.to_path_buf()),
        trace_file: None,
        production_words: vec!["prod".into()],
        yes,
        allow_production: false,
    };
    let wizard = Wizard::start(&opened, track, &options);
    (opened, wizard)
}
