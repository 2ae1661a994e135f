//! The entry point for the track fuzz target (fuzz/, run with `cargo fuzz`) and for the
//! test that replays its corpus on every `cargo test`. Whatever the bytes, loading must end
//! in a track or an error, never a panic. (The simulator's own target is in its crate.)
//!
//! Not part of kubetour's interface; public only so that the fuzz crate and the tests
//! can reach it.

use crate::track::{RenderOptions, load};

const TRACK: &str = r#"name: fuzz
title: {en: Fuzz, zh: 模糊}
defaults: {namespace: emqx, profile: "5"}
profiles:
  "5": {image: "emqx/emqx:5.8.9", version: 5.8.9, ctl: [emqx, ctl], status_port: 18083, data_dir: /opt/emqx/data, vars: {discovery_key: EMQX_CLUSTER__DISCOVERY_STRATEGY}}
"#;

/// Loads a track whose one stage file holds `data`: it loads, or says what is wrong.
pub fn track_stage(data: &[u8]) {
    let Ok(dir) = tempfile::tempdir() else { return };
    if std::fs::write(dir.path().join("track.yaml"), TRACK).is_err()
        || std::fs::write(dir.path().join("01-stage.yaml"), data).is_err()
    {
        return;
    }
    let _ = load(dir.path(), &RenderOptions::default());
}
