//! `kubetour` / `kubetour tour`: the composition of the wizard — the target (the
//! embedded simulated cluster unless one is named), the engine task with its folded
//! view and EMQX answers tapped into the model, the stable kubeconfig for a second
//! terminal, the trace file, the terminal, and the main loop. Tests build the same [`Wizard`] and run the same
//! loop on a `TestBackend`.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use tokio::sync::mpsc;

use super::embedded;
use super::load::{load_profile, parse_lang};
use super::target::{Opened, open};
use crate::app::model::{Autopilot, Model, NodeAnswer, Setup};
use crate::app::msg::Msg;
use crate::app::runtime::{self, Services};
use crate::cli::TourArgs;
use crate::engine::evidence::Evidence;
use crate::engine::task::EngineTask;
use crate::engine::{Engine, RunOptions, Taps};
use crate::track::{Lang, Track};
use crate::ui::theme::ThemeName;

/// How the wizard starts, beyond the track and the target.
#[derive(Debug, Clone)]
pub struct Options {
    pub lang: Lang,
    pub theme: ThemeName,
    pub autopilot: Autopilot,
    pub no_color: bool,
    /// The embedded cluster's speed (its time limits shrink with it).
    pub speed: f64,
    /// Where the kubeconfig for a second terminal goes (embedded cluster only).
    pub stable_kubeconfig: Option<PathBuf>,
    pub trace_file: Option<PathBuf>,
    pub production_words: Vec<String>,
    /// `--yes` (and `--allow-production` for a production-looking context): writes to a
    /// cluster kubetour did not start need no on-screen yes.
    pub yes: bool,
    pub allow_production: bool,
    /// The teardown command that works for this session's cluster (None: embedded).
    pub teardown: Option<String>,
}

/// A wizard ready to run: its model, its services, and the messages for the loop.
pub struct Wizard {
    pub model: Model,
    pub services: Services,
    pub msgs: mpsc::UnboundedReceiver<Msg>,
}

/// EMQX's answers as the model keeps them, by pod.
pub fn answers(e: &Evidence) -> Vec<(String, NodeAnswer)> {
    e.pods
        .iter()
        .map(|(pod, p)| {
            let (cluster, trouble) = match &p.cluster {
                Some(Ok(c)) => (Some(c.clone()), None),
                Some(Err(why)) => (None, Some(why.clone())),
                None => (None, None),
            };
            let node = match &p.node {
                Some(Ok(s)) => Some(s.node.clone()),
                _ => None,
            };
            (
                pod.clone(),
                NodeAnswer {
                    node,
                    cluster,
                    trouble,
                },
            )
        })
        .collect()
}

impl Wizard {
    /// Wires the engine task to a new model. Needs a tokio runtime.
    pub fn start(opened: &Opened, track: Track, options: &Options) -> Wizard {
        let (tx, msgs) = mpsc::unbounded_channel();
        let connection = &opened.connection;
        let (etx, ctx, vtx, rtx) = (tx.clone(), tx.clone(), tx.clone(), tx.clone());
        let mut engine = Engine::new(
            connection.client.clone(),
            track.clone(),
            options.lang,
            Box::new(move |e| {
                let _ = etx.send(Msg::Engine(e));
            }),
        )
        .with_taps(Taps {
            view: Box::new(move |v| {
                let _ = ctx.send(Msg::Cluster(v));
            }),
            evidence: Box::new({
                // The engine's delivery rounds are shown too, each once.
                let mut shown: Option<crate::delivery::Matrix> = None;
                move |e| {
                    let _ = vtx.send(Msg::Emqx(answers(e)));
                    if e.delivery.is_some() && e.delivery != shown {
                        shown.clone_from(&e.delivery);
                        if let Some(m) = &e.delivery {
                            let _ = vtx.send(Msg::Delivery {
                                matrix: Box::new(m.clone()),
                                ours: false,
                            });
                        }
                    }
                }
            }),
            ..Taps::default()
        });
        if connection.target.embedded {
            engine = engine.with_time_scale(options.speed);
        }
        let task = EngineTask::spawn(
            engine,
            RunOptions {
                try_it: false,
                lang: options.lang,
            },
            move |r| {
                let _ = rtx.send(Msg::Order(r));
            },
        );
        let setup = Setup {
            target: connection.target.clone(),
            kubeconfig: options.stable_kubeconfig.clone(),
            trace_file: options.trace_file.clone(),
            production_words: options.production_words.clone(),
            teardown: options.teardown.clone(),
            track: track.clone(),
        };
        let mut model = Model::new(setup, options.lang, jiff::Timestamp::now());
        model.theme = options.theme;
        model.no_color = options.no_color;
        model.autopilot = options.autopilot;
        let words: Vec<&str> = options
            .production_words
            .iter()
            .map(String::as_str)
            .collect();
        model.write_confirmed = options.yes
            && connection
                .target
                .check(true, options.allow_production, &words)
                .is_ok();
        let services = Services::new(task, connection.client.clone(), track.namespace.clone(), tx);
        Wizard {
            model,
            services,
            msgs,
        }
    }
}

/// Where kubetour keeps files that outlive one command: `KUBETOUR_STATE_DIR`, else
/// `$XDG_STATE_HOME/kubetour`, else `~/.local/state/kubetour`.
pub fn state_dir() -> Option<PathBuf> {
    let from = |k: &str| {
        std::env::var_os(k)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    };
    from("KUBETOUR_STATE_DIR")
        .or_else(|| from("XDG_STATE_HOME").map(|d| d.join("kubetour")))
        .or_else(|| from("HOME").map(|h| h.join(".local/state/kubetour")))
}

/// Sends tracing to a file (never onto the screen); returns its path.
fn trace_to_file(dir: &Path) -> Option<PathBuf> {
    std::fs::create_dir_all(dir).ok()?;
    let path = dir.join("kubetour.log");
    let file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
        .ok()?;
    let filter = tracing_subscriber::EnvFilter::try_from_env("KUBETOUR_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("kubetour=info,kube=warn"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(false)
        .with_writer(std::sync::Mutex::new(file))
        .try_init()
        .ok()?;
    Some(path)
}

pub fn run(args: &TourArgs) -> anyhow::Result<ExitCode> {
    let lang = parse_lang(&args.lang)?;
    let theme = ThemeName::parse(&args.theme).map_err(anyhow::Error::msg)?;
    let track = load_profile(&args.track, &args.profile)?;
    let state = state_dir();
    let trace_file = state.as_deref().and_then(trace_to_file);
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    super::runtime::runtime()?.block_on(async {
        let opened = open(&args.target, &track.namespace).await?;
        let stable = match (&opened.embedded_kubeconfig(), &state) {
            (Some(from), Some(dir)) => Some(embedded::stable_kubeconfig(from, dir)?),
            (Some(from), None) => Some(from.to_path_buf()),
            _ => None,
        };
        let options = Options {
            lang,
            theme,
            autopilot: Autopilot {
                on: args.autopilot,
                pause: args.pause,
                waiting: false,
            },
            no_color,
            speed: args.target.speed,
            stable_kubeconfig: stable.clone(),
            trace_file,
            production_words: args.target.production_words.clone(),
            yes: args.target.yes,
            allow_production: args.target.allow_production,
            teardown: super::teardown_line::teardown_line(
                &args.target,
                &args.track.track,
                &track.namespace,
                &opened.connection.target,
            ),
        };
        let mut wizard = Wizard::start(&opened, track, &options);
        let (mut terminal, guard) = crate::app::terminal::enter()?;
        let size = terminal.size().context("reading the terminal's size")?;
        wizard.model.size = (size.width, size.height);
        // tests/wizard_tmux.rs proves the panic hook gives the terminal back; a correct
        // program has no other way to panic on demand.
        if std::env::var_os("KUBETOUR_TEST_PANIC").is_some() {
            terminal.draw(|f| crate::ui::draw(f, &wizard.model))?;
            panic!("KUBETOUR_TEST_PANIC is set: panicking on purpose after the first frame");
        }
        let input = crossterm::event::EventStream::new();
        let signals = runtime::signals().context("listening for signals")?;
        let result = runtime::run(
            &mut terminal,
            &mut wizard.model,
            input,
            signals,
            wizard.msgs,
            &mut wizard.services,
            None,
        )
        .await;
        drop(guard);
        // The copy for the second terminal points at a cluster that is about to stop.
        if let Some(path) = &stable
            && opened.embedded_kubeconfig().is_some()
        {
            let _ = std::fs::remove_file(path);
        }
        result?;
        if let crate::app::model::Life::Quitting(words) = &wizard.model.life {
            println!("{words}");
        }
        Ok(ExitCode::SUCCESS)
    })
}
