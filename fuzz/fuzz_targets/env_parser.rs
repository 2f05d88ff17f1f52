#![no_main]
//! See `launchgate::fuzzing::env` for what this target checks.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    launchgate::fuzzing::env(data);
});
