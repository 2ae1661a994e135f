//! Every input the fuzzers kept (fuzz/corpus/, seeds and finds alike) goes through the
//! same entry points again: a crash fixed once stays fixed. See fuzz/Cargo.toml for how
//! to run the fuzzers themselves.

use crate::support::corpus::corpus;

#[test]
fn every_kept_request_is_answered_by_the_simulated_api_server_without_a_panic() {
    let mut answered = Vec::new();
    for file in corpus("sim_request") {
        let data = std::fs::read(&file).unwrap();
        let code = kubetour_sim::fuzzing::sim_request(&data);
        answered.push((
            file.file_name().unwrap().to_string_lossy().to_string(),
            code,
        ));
    }
    // The seeds are real requests: the server must have understood them.
    let code = |name: &str| {
        answered
            .iter()
            .find(|(n, _)| n == name)
            .and_then(|(_, c)| *c)
    };
    assert_eq!(code("discovery"), Some(200), "{answered:?}");
    assert_eq!(code("create-configmap"), Some(201), "{answered:?}");
    assert_eq!(code("list-pods-selector"), Some(200), "{answered:?}");
}
