#![no_main]
//! See `launchgate::fuzzing::yaml_select` for what this target checks.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    launchgate::fuzzing::yaml_select(data);
});
