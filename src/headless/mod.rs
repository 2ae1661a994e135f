//! The headless commands — `run`, `status`, `teardown` — on the embedded simulated
//! cluster or a named real one, with plain or JSON-lines output.
pub mod printer;
pub mod snapshot;

use std::process::ExitCode;

use anyhow::Context;

use crate::cli::{RunArgs, StatusArgs, TargetArgs, TeardownArgs, TrackArgs};
use crate::cluster::connect::{self, Connection};
use crate::embedded::Embedded;
use crate::engine::{Engine, RunOptions};
use crate::track::{self, Lang, RenderOptions, Track};
use printer::Style;

/// A connected cluster, keeping the embedded one alive while in use.
pub struct Opened {
    pub connection: Connection,
    _embedded: Option<Embedded>,
}

impl Opened {
    /// The kubeconfig kubetour wrote for its embedded cluster (None for a named one).
    pub fn embedded_kubeconfig(&self) -> Option<&std::path::Path> {
        self._embedded.as_ref().map(|e| e.kubeconfig.as_path())
    }
}

/// Connects to the named cluster, or starts the embedded one when none is named.
pub async fn open(target: &TargetArgs, namespace: &str) -> anyhow::Result<Opened> {
    if target.kubeconfig.is_none() && target.context.is_none() {
        let embedded = Embedded::start(target.speed, !target.no_default_storage_class)?;
        let connection =
            connect::connect(Some(&embedded.kubeconfig), None, namespace, true).await?;
        return Ok(Opened {
            connection,
            _embedded: Some(embedded),
        });
    }
    let connection = connect::connect(
        target.kubeconfig.as_deref(),
        target.context.as_deref(),
        namespace,
        false,
    )
    .await?;
    Ok(Opened {
        connection,
        _embedded: None,
    })
}

/// Refuses writes to a cluster that is not the embedded one without --yes (and a
/// production-looking one without --allow-production), after saying where writes go.
pub fn guard(opened: &Opened, target: &TargetArgs) -> anyhow::Result<()> {
    let words: Vec<&str> = target.production_words.iter().map(String::as_str).collect();
    let t = &opened.connection.target;
    if !t.embedded {
        eprintln!("kubetour will write to: {}", t.describe());
    }
    t.check(target.yes, target.allow_production, &words)?;
    Ok(())
}

pub fn load(
    args: &TrackArgs,
    emqx: Option<&str>,
    namespace: Option<&str>,
    image: Option<&str>,
) -> anyhow::Result<Track> {
    let opts = RenderOptions {
        profile: emqx.map(str::to_string),
        namespace: namespace.map(str::to_string),
        image: image.map(str::to_string),
    };
    Ok(track::load_named(&args.track, &opts)?)
}

pub fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")
}

pub fn run(args: &RunArgs) -> anyhow::Result<ExitCode> {
    let lang = track::commands::parse_lang(&args.lang)?;
    let track = load(
        &args.track,
        args.profile.emqx.as_deref(),
        args.profile.namespace.as_deref(),
        args.profile.image.as_deref(),
    )?;
    // The same words as `export --through`: one message for one mistake.
    if let Some(id) = &args.through {
        track::export::stage_index(&track, id)?;
    }
    let style = if args.json { Style::Json } else { Style::Plain };
    runtime()?.block_on(async {
        let opened = open(&args.target, &track.namespace).await?;
        guard(&opened, &args.target)?;
        if style == Style::Plain {
            println!(
                "{}",
                printer::header(&track, lang, &opened.connection.target)
            );
        }
        let mut engine = Engine::new(
            opened.connection.client.clone(),
            track,
            lang,
            printer::sink(style),
        );
        if opened.connection.target.embedded {
            engine = engine.with_time_scale(args.target.speed);
        }
        let options = RunOptions {
            try_it: !args.no_try_it,
            lang,
        };
        Ok(match engine.run(args.through.as_deref(), &options).await {
            Ok(()) => ExitCode::SUCCESS,
            Err(_) => ExitCode::from(1),
        })
    })
}

pub fn status(args: &StatusArgs) -> anyhow::Result<ExitCode> {
    let track = load(
        &args.track,
        args.emqx.as_deref(),
        args.namespace.as_deref(),
        None,
    )?;
    runtime()?.block_on(async {
        let opened = open(&args.target, &track.namespace).await?;
        let snap = snapshot::take(&opened.connection.client, &track).await?;
        if args.json {
            println!("{}", serde_json::to_string_pretty(&snap)?);
        } else {
            print!("{}", snap.plain());
        }
        Ok(ExitCode::SUCCESS)
    })
}

pub fn teardown(args: &TeardownArgs) -> anyhow::Result<ExitCode> {
    let track = load(&args.track, None, args.namespace.as_deref(), None)?;
    let style = if args.json { Style::Json } else { Style::Plain };
    runtime()?.block_on(async {
        let opened = open(&args.target, &track.namespace).await?;
        guard(&opened, &args.target)?;
        let mut engine = Engine::new(
            opened.connection.client.clone(),
            track,
            Lang::En,
            printer::sink(style),
        );
        let deleted = engine
            .delete_ours(None, args.delete_claims, &Default::default())
            .await?;
        if !args.json {
            println!("teardown: deleted {} object(s)", deleted.len());
        }
        Ok(ExitCode::SUCCESS)
    })
}
