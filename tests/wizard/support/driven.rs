//! Opening the wizard as the binary does — target, track, options — for the tests that
//! drive its real loop on a TestBackend (flow, faults, reconnect), and driving it.

use std::path::PathBuf;
use std::time::Duration;

use crossterm::event::Event;
use futures::channel::mpsc::{UnboundedSender, unbounded};
use kubetour::app::model::Model;
use kubetour::app::runtime::{self, Observed};
use kubetour::cli::TargetArgs;
use kubetour::commands::target::Opened;
use kubetour::commands::tour::{Options, Wizard};
use kubetour::track::{Lang, RenderOptions, load_named};
use kubetour::ui::theme::ThemeName;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use tokio::sync::watch;
use tokio::task::JoinHandle;

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
    let opened = kubetour::commands::target::open(&target, &track.namespace)
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
        // As the binary does: the teardown line derived from how the wizard was started.
        teardown: kubetour::commands::teardown_line::teardown_line(
            &target,
            "emqx",
            &track.namespace,
            &opened.connection.target,
        ),
    };
    let wizard = Wizard::start(&opened, track, &options);
    (opened, wizard)
}

/// A wizard's real loop, running on a TestBackend of `width`×`height`.
pub struct Driven {
    /// Terminal input: what a person types.
    pub keys: UnboundedSender<std::io::Result<Event>>,
    /// Every frame drawn, with the model it was drawn from.
    pub frames: watch::Receiver<Observed>,
    /// The loop itself: its model once it ends.
    pub looped: JoinHandle<anyhow::Result<Model>>,
}

/// Runs `wizard`'s loop as the binary does, but with scripted keys, no signals and an
/// observer of every frame.
pub fn drive(wizard: Wizard, width: u16, height: u16) -> Driven {
    let Wizard {
        mut model,
        mut services,
        msgs,
    } = wizard;
    let (keys, input) = unbounded();
    let (tx, frames) = watch::channel(Observed {
        model: model.clone(),
        screen: String::new(),
        frames: 0,
    });
    let looped = tokio::spawn(async move {
        let mut terminal = Terminal::new(TestBackend::new(width, height))?;
        runtime::run(
            &mut terminal,
            &mut model,
            input,
            futures::stream::pending(),
            msgs,
            &mut services,
            Some(tx),
        )
        .await?;
        Ok(model)
    });
    Driven {
        keys,
        frames,
        looped,
    }
}

/// Waits until a frame satisfies `what`; fails after `secs` with the last screen, the
/// stages' states and the notice.
pub async fn until(
    frames: &mut watch::Receiver<Observed>,
    secs: u64,
    label: &str,
    what: impl Fn(&Observed) -> bool,
) -> Observed {
    let found = {
        let wait = frames.wait_for(|o| what(o));
        match tokio::time::timeout(Duration::from_secs(secs), wait).await {
            Ok(Ok(o)) => Some(Ok(o.clone())),
            Ok(Err(_)) => Some(Err(())),
            Err(_) => None,
        }
    };
    match found {
        Some(Ok(o)) => o,
        Some(Err(())) => panic!("the wizard stopped before: {label}"),
        None => {
            let last = frames.borrow();
            panic!(
                "{label}: not seen in {secs}s; last screen:\n{}\nstages: {:?}\nnotice: {:?}",
                last.screen,
                last.model
                    .stages
                    .iter()
                    .map(|s| s.state)
                    .collect::<Vec<_>>(),
                last.model.notice
            )
        }
    }
}
