//! Every input the fuzzers kept (fuzz/corpus/, seeds and finds alike) goes through the
//! same entry points again: a crash fixed once stays fixed. See fuzz/Cargo.toml for how
//! to run the fuzzers themselves.

use std::path::{Path, PathBuf};

fn corpus(target: &str) -> Vec<PathBuf> {
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

#[test]
fn every_kept_stage_file_loads_or_is_refused_without_a_panic() {
    for file in corpus("track_stage") {
        let data = std::fs::read(&file).unwrap();
        kubetour::fuzzing::track_stage(&data);
    }
}
