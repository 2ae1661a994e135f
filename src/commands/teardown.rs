//! `kubetour teardown`: everything kubetour created in the namespace deleted, newest
//! first (the claims only when asked).
use std::process::ExitCode;

use super::load::load;
use super::printer::{self, Style};
use super::runtime::runtime;
use super::target::{guard, open};
use crate::cli::TeardownArgs;
use crate::engine::Engine;
use crate::track::Lang;

/// `kubetour teardown`.
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
