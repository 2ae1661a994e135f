//! `kubetour stages`: the stages of a track, one line each.
use std::process::ExitCode;

use super::load::parse_lang;
use super::printer::print;
use crate::cli::StagesArgs;
use crate::track::resolve::track_dir;
use crate::track::{Lang, RenderOptions, Track, load};

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
