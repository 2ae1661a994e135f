//! `kubetour stages`, `export` and `lint`: the glue between the command line and the
//! track modules. Output goes to stdout; errors come back to `main`, which prints them.
use std::io::Write;
use std::process::ExitCode;

use crate::cli::{ExportArgs, LintArgs, StagesArgs};

use super::export::{Selection, export as render_export};
use super::load::{RenderOptions, load};
use super::model::{Lang, Track};
use super::resolve::track_dir;

/// `kubetour stages`: one line per stage.
pub fn stages(args: &StagesArgs) -> anyhow::Result<ExitCode> {
    let lang = parse_lang(&args.lang)?;
    let track = load(&track_dir(&args.track.track)?, &RenderOptions::default())?;
    print(&stage_lines(&track, lang))?;
    Ok(ExitCode::SUCCESS)
}

/// The `stages` listing as text.
pub fn stage_lines(track: &Track, lang: Lang) -> String {
    let width = track.stages.iter().map(|s| s.id.len()).max().unwrap_or(0);
    let mut out = String::new();
    for stage in &track.stages {
        out.push_str(&format!(
            "{:>2}  {:<width$}  {}\n",
            stage.index,
            stage.id,
            stage.title.get(lang)
        ));
    }
    out
}

/// `--lang`: en or zh.
pub fn parse_lang(lang: &str) -> anyhow::Result<Lang> {
    match lang {
        "en" => Ok(Lang::En),
        "zh" => Ok(Lang::Zh),
        other => anyhow::bail!("unknown language `{other}`. Use `--lang en` or `--lang zh`."),
    }
}

/// `kubetour export`.
pub fn export(args: &ExportArgs) -> anyhow::Result<ExitCode> {
    let opts = RenderOptions {
        profile: args.emqx.clone(),
        namespace: args.namespace.clone(),
        image: args.image.clone(),
    };
    let track = load(&track_dir(&args.track.track)?, &opts)?;
    let selection = match (&args.stage, &args.through) {
        (Some(stage), _) => Selection::Stage(stage.clone()),
        (None, through) => Selection::Through(through.clone()),
    };
    print(&render_export(&track, &selection)?)?;
    Ok(ExitCode::SUCCESS)
}

/// `kubetour lint`.
pub fn lint(args: &LintArgs) -> anyhow::Result<ExitCode> {
    super::lint::run(&args.paths)
}

fn print(text: &str) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        // `kubetour export | head` closes the pipe early: not an error worth reporting.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => Ok(other?),
    }
}
