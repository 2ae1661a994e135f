//! A stage file of any bytes: the track loads, or the loader says what is wrong.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    kubetour::fuzzing::track_stage(data);
});
