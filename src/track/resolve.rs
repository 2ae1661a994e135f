//! Finding a track directory from what the user typed: a path, or a track name looked
//! up under the stages roots (`$KUBETOUR_STAGES`, `./stages`, the source checkout's
//! `stages/`, and last the copy embedded in the binary).

use std::path::{Path, PathBuf};

use super::error::TrackError;
use super::load::TRACK_FILE;

/// The directories that may hold tracks, most specific first.
pub fn stage_roots() -> Vec<PathBuf> {
    let mut roots = Vec::new();
    if let Some(dir) = std::env::var_os("KUBETOUR_STAGES") {
        roots.push(PathBuf::from(dir));
    }
    roots.push(PathBuf::from("stages"));
    roots.push(Path::new(env!("CARGO_MANIFEST_DIR")).join("stages"));
    roots
}

/// The stages roots on disk, then (extracted on first use) the tracks embedded in the
/// binary, which an installed kubetour relies on.
fn roots_with_embedded() -> impl Iterator<Item = PathBuf> {
    stage_roots()
        .into_iter()
        .chain(std::iter::once_with(|| super::shipped::root().ok()).flatten())
}

/// The track directory for `name_or_path`.
pub fn track_dir(name_or_path: &str) -> Result<PathBuf, TrackError> {
    let as_path = PathBuf::from(name_or_path);
    if as_path.join(TRACK_FILE).is_file() {
        return Ok(as_path);
    }
    // A directory named by path, without the file that makes it a track: say that,
    // rather than "no track found" for a directory that plainly exists.
    if name_or_path.contains(std::path::MAIN_SEPARATOR) && as_path.is_dir() {
        return Err(TrackError::plain(format!(
            "{name_or_path} is a directory but holds no {TRACK_FILE}, so it is not a track"
        ))
        .fix(format!(
            "A track directory holds {TRACK_FILE} and one file per stage (see \
             docs/track-format.md); the shipped ones are under stages/"
        )));
    }
    for root in roots_with_embedded() {
        let dir = root.join(name_or_path);
        if dir.join(TRACK_FILE).is_file() {
            return Ok(dir);
        }
    }
    let known = shipped_tracks();
    let names: Vec<String> = known
        .iter()
        .filter_map(|d| d.file_name().and_then(|n| n.to_str()).map(str::to_string))
        .collect();
    Err(
        TrackError::plain(format!("no track `{name_or_path}` found")).fix(format!(
            "Use one of: {} (or a path to a directory holding {TRACK_FILE})",
            if names.is_empty() {
                "<none found>".to_string()
            } else {
                names.join(", ")
            }
        )),
    )
}

/// Every track directory under the first stages root that has any.
pub fn shipped_tracks() -> Vec<PathBuf> {
    for root in roots_with_embedded() {
        let Ok(entries) = std::fs::read_dir(&root) else {
            continue;
        };
        let mut dirs: Vec<PathBuf> = entries
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.join(TRACK_FILE).is_file())
            .collect();
        if !dirs.is_empty() {
            dirs.sort();
            return dirs;
        }
    }
    Vec::new()
}
