//! Every input the fuzzers kept (fuzz/corpus/, seeds and finds alike) goes through the
//! same entry points again: a crash fixed once stays fixed. See fuzz/Cargo.toml for how
//! to run the fuzzers themselves.

use crate::common::corpus::corpus;

#[test]
fn every_kept_stage_file_loads_or_is_refused_without_a_panic() {
    for file in corpus("track_stage") {
        let data = std::fs::read(&file).unwrap();
        kubetour::fuzzing::track_stage(&data);
    }
}
