//! A request of any shape to the simulated API server: it answers, never panics.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    kubetour_sim::fuzzing::sim_request(data);
});
