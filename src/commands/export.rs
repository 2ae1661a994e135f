//! `kubetour export`: a track's manifests as multi-document YAML.
use std::process::ExitCode;

use super::printer::print;
use crate::cli::ExportArgs;
use crate::track::export::{Selection, export as render_export};
use crate::track::resolve::track_dir;
use crate::track::{RenderOptions, load};

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
