//! The shipped tracks, embedded in the binary. An installed `kubetour` has no source
//! checkout beside it; when no stages directory is found on disk, the embedded copy is
//! written once to a cache directory and read from there like any track directory (so
//! error messages still name a file and a line).

use std::path::PathBuf;

use include_dir::{Dir, include_dir};

use super::error::TrackError;

static STAGES: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/stages");

/// A stages root holding the embedded tracks, written on first use.
pub fn root() -> Result<PathBuf, TrackError> {
    let version = env!("CARGO_PKG_VERSION");
    let base = std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))
        .unwrap_or_else(std::env::temp_dir);
    let root = base
        .join("kubetour")
        .join(format!("stages-{version}-{}", fingerprint()));
    if !root.join(".complete").is_file() {
        write_to(&root)?;
    }
    Ok(root)
}

/// Writes the embedded tracks under `root`.
pub fn write_to(root: &std::path::Path) -> Result<(), TrackError> {
    let fail = |e: std::io::Error| {
        TrackError::plain(format!(
            "could not write the built-in tracks to {}: {e}",
            root.display()
        ))
        .fix("Set XDG_CACHE_HOME to a writable directory, or pass --track PATH")
    };
    std::fs::create_dir_all(root).map_err(fail)?;
    STAGES.extract(root).map_err(fail)?;
    std::fs::write(root.join(".complete"), b"").map_err(fail)?;
    Ok(())
}

/// Changes whenever any embedded file does, so an upgraded binary never reads an old copy.
fn fingerprint() -> String {
    let mut hash: u32 = 0x811c_9dc5;
    let mut feed = |bytes: &[u8]| {
        for b in bytes {
            hash ^= u32::from(*b);
            hash = hash.wrapping_mul(0x0100_0193);
        }
    };
    fn walk(dir: &Dir<'_>, feed: &mut dyn FnMut(&[u8])) {
        for f in dir.files() {
            feed(f.path().to_string_lossy().as_bytes());
            feed(f.contents());
        }
        for d in dir.dirs() {
            walk(d, feed);
        }
    }
    walk(&STAGES, &mut feed);
    format!("{hash:08x}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::track::export::{Selection, export};
    use crate::track::{RenderOptions, load};

    #[test]
    fn the_embedded_tracks_export_exactly_what_the_stages_directory_does() {
        let dir = tempfile::tempdir().unwrap();
        write_to(dir.path()).unwrap();
        let on_disk = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("stages");
        for (track, profiles) in [
            ("emqx", &["5", "4"][..]),
            ("quick", &["5", "4"][..]),
            // EMQX 5 only: replicants and DNS discovery as the Operator runs them.
            ("production", &["5"][..]),
        ] {
            for profile in profiles.iter().copied() {
                let opts = RenderOptions {
                    profile: Some(profile.into()),
                    ..RenderOptions::default()
                };
                let embedded = load(&dir.path().join(track), &opts).unwrap();
                let shipped = load(&on_disk.join(track), &opts).unwrap();
                let all = Selection::Through(None);
                let a = export(&embedded, &all).unwrap();
                let b = export(&shipped, &all).unwrap();
                // Comments name the source file; the objects must be identical.
                let strip = |t: &str| {
                    t.lines()
                        .filter(|l| !l.starts_with('#'))
                        .collect::<Vec<_>>()
                        .join("\n")
                };
                assert_eq!(strip(&a), strip(&b), "track {track}, profile {profile}");
            }
        }
    }
}
