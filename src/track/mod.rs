//! The lesson as data: stage files, templating per EMQX profile, export and lint.
//!
//! - `raw`: the files as written (serde, unknown fields refused);
//! - `model`: the typed track the engine consumes (`Track`, `Stage`, `Check`, ...);
//! - `load` (track.yaml, profiles), `stage_file` (one stage file), `stage` (header
//!   parts; `stage_observations`: observations and their witnesses), `manifest` (one
//!   manifest document): raw -> model, with errors naming file
//!   and line (`error`, `locate`);
//! - `template`: `${var}` substitution on parsed YAML; `ordered_yaml`: a YAML value
//!   (`Node`) whose maps keep their written key order;
//! - `schema`: manifest fields checked against the Kubernetes API types;
//! - `shipped`: the shipped tracks embedded in the binary, for an installed kubetour;
//! - `state`: the cumulative objects after a stage; `export`: printing them;
//!   `export_source` reads the EMQX workloads out of that state for `export_helm`
//!   (values for the official chart) and `export_operator` (an EMQX Operator resource);
//! - `resolve`: finding a track by name; `describe`: conditions as short sentences;
//! - `diagnosis`: the table of causes of "no cluster" (`diagnosis.yaml`);
//! - `lint`: the seeds' pitfalls, caught in tracks and plain manifest files.
pub mod describe;
pub mod diagnosis;
pub mod error;
pub mod export;
pub mod export_helm;
pub mod export_operator;
pub mod export_source;
pub mod lint;
pub mod load;
pub mod locate;
pub mod manifest;
pub mod model;
pub mod ordered_yaml;
pub mod raw;
pub mod resolve;
pub mod schema;
pub mod shipped;
pub mod stage;
pub mod stage_file;
mod stage_observations;
pub mod state;
pub mod template;

pub use error::TrackError;
pub use load::{RenderOptions, load};
pub use model::*;

/// Finds a track by name (under the stages roots) or path, and loads it.
pub fn load_named(name_or_path: &str, opts: &RenderOptions) -> Result<Track, TrackError> {
    load(&resolve::track_dir(name_or_path)?, opts)
}
