//! `kubetour run`: the stages in order on the target, with line-by-line progress (plain
//! or JSON lines): the engine's `run`, printed as it goes.
use std::process::ExitCode;

use super::load::{load_profile, parse_lang};
use super::printer::{self, Style};
use super::runtime::runtime;
use super::target::{guard, open};
use crate::cli::RunArgs;
use crate::engine::{Engine, RunOptions};

/// `kubetour run`.
pub fn run(args: &RunArgs) -> anyhow::Result<ExitCode> {
    let lang = parse_lang(&args.lang)?;
    let track = load_profile(&args.track, &args.profile)?;
    // The same words as `export --through`: one message for one mistake.
    if let Some(id) = &args.through {
        crate::track::export::stage_index(&track, id)?;
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
