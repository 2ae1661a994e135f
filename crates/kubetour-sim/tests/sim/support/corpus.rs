//! What the fuzzers kept, for the tests that replay it. `CARGO_MANIFEST_DIR` is the
//! crate compiling this file: the simulator's fuzz/ here, the wizard's in tests/common.

use std::path::{Path, PathBuf};

/// The kept inputs of fuzz target `target` (fuzz/corpus/<target>), sorted; never empty.
pub fn corpus(target: &str) -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz/corpus")
        .join(target);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no corpus in {}", dir.display());
    files
}
