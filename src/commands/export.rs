//! `kubetour export`: a track's manifests as multi-document YAML, or (`--as`) values for
//! the official Helm chart or a resource for the EMQX Operator.
use std::process::ExitCode;

use super::printer::print;
use crate::cli::{ExportArgs, ExportAs};
use crate::track::export::{Selection, export as render_export};
use crate::track::export_helm::helm_values;
use crate::track::export_operator::operator_resource;
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
    let through = args.through.as_deref();
    match args.format.unwrap_or(ExportAs::Manifests) {
        ExportAs::HelmValues => return print_out(&helm_values(&track, through)?),
        ExportAs::Operator => return print_out(&operator_resource(&track, through)?),
        ExportAs::Manifests => {}
    }
    let selection = match (&args.stage, &args.through) {
        (Some(stage), _) => Selection::Stage(stage.clone()),
        (None, through) => Selection::Through(through.clone()),
    };
    print_out(&render_export(&track, &selection)?)
}

fn print_out(text: &str) -> anyhow::Result<ExitCode> {
    print(text)?;
    Ok(ExitCode::SUCCESS)
}
