//! kubetour — learn, teach and bootstrap a clustered EMQX on Kubernetes, one stage at a time.
//!
//! # Map of the modules
//!
//! - [`cli`](kubetour::cli): the command line (clap): subcommands and kubectl-style flags. Parsing only.
//! - [`yaml`](kubetour::yaml): the one place that touches `serde_yaml` (deprecated upstream), so swapping
//!   it is a one-file change. Multi-document parsing with line numbers for error messages.
//! - [`track`](kubetour::track): the lesson as data. Stage files under `stages/<track>/` are parsed into
//!   `deny_unknown_fields` raw types, then into validated domain types; manifests are
//!   templated per EMQX profile; `lint` catches the seed authors' pitfalls with file:line.
//! - [`emqx`](kubetour::emqx): reading what real EMQX prints (`cluster status`, `status`,
//!   HTTP `/status`), for both the 4.x and 5.x profiles. Shares no code with the
//!   simulator's EMQX model, so a formatting mistake on one side cannot hide in both.
//! - [`cluster`](kubetour::cluster): kube-rs: connecting through a kubeconfig, the write
//!   guard for clusters kubetour did not start, and the one write path (server-side apply
//!   through discovery, whole-stage dry run first).
//! - [`sim`](kubetour::sim): the embedded simulated cluster — a Kubernetes API server on 127.0.0.1 with
//!   simulated nodes, controllers and EMQX. Nothing else in the crate imports it except
//!   the composition root here: the wizard reaches it only through a kubeconfig, exactly
//!   as it reaches a real cluster.
//!
//! Composition root: `main` parses the command line, installs the one rustls crypto
//! provider (see NOTES.md: none or two panic at run time), and dispatches.
#![forbid(unsafe_code)]

use kubetour::cli;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    // kube (rustls) and the sim's TLS server must agree on exactly one provider.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let cli = cli::Cli::parse();
    match cli::dispatch(cli) {
        Ok(code) => code,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::from(2)
        }
    }
}
