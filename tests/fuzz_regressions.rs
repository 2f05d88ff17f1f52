//! Every input in `fuzz/regressions/<target>/` — crashes the fuzzers found, and
//! hostile inputs that broke an invariant before a fix — run through the same entry
//! point as its fuzz target (`launchgate::fuzzing`), so each stays fixed.

use std::path::Path;

type Target = fn(&[u8]);

const TARGETS: [(&str, Target); 5] = [
    ("env_parser", launchgate::fuzzing::env),
    ("rule_loader", launchgate::fuzzing::rule_file),
    ("yaml_select", launchgate::fuzzing::yaml_select),
    ("nginx_parser", launchgate::fuzzing::nginx),
    ("probe_headers", launchgate::fuzzing::probe_headers),
];

#[test]
fn every_fuzz_regression_input_passes_its_target() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/regressions");
    let mut ran = 0;
    for (name, target) in TARGETS {
        let dir = root.join(name);
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        let mut files: Vec<_> = entries.map(|e| e.unwrap().path()).collect();
        files.sort();
        for file in files {
            let bytes = std::fs::read(&file).unwrap();
            let result = std::panic::catch_unwind(|| target(&bytes));
            assert!(result.is_ok(), "{name}: {} fails again", file.display());
            // Every input also goes through the other parsers: a crash input for one
            // is a hostile input for all.
            for (_, other) in TARGETS {
                other(&bytes);
            }
            ran += 1;
        }
    }
    assert!(ran >= 5, "only {ran} regression inputs found");
}
