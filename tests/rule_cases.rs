//! Every rule has fixtures in `fixtures/rules/<ID>.toml`: small repositories written
//! inline, each with the outcome the rule must give. This test walks the registry,
//! so a rule without a failing and a passing case (and a not-applicable one when it
//! has `applies_when`) fails the build.

use launchgate::evaluate::{scan, ScanOptions};
use launchgate::finding::Outcome;
use launchgate::inventory::WalkOptions;
use launchgate::probe::{Fact, ProbeReport};
use launchgate::rules::{load_pack, PackOptions, RulePack};
use std::collections::BTreeMap;
use std::path::Path;
use toml_span::value::ValueInner;

struct Case {
    name: String,
    expect: Outcome,
    count: Option<usize>,
    lines: Option<Vec<u32>>,
    files: BTreeMap<String, String>,
    /// Facts of one probed URL, for `probe` rules (their fact gathering is tested
    /// against real servers in tests/probe.rs).
    probe: Option<BTreeMap<String, Fact>>,
}

fn outcome(s: &str) -> Outcome {
    match s {
        "fail" => Outcome::Fail,
        "pass" => Outcome::Pass,
        "not_applicable" => Outcome::NotApplicable,
        other => panic!("unknown expect `{other}` (fail, pass, not_applicable)"),
    }
}

fn read_cases(path: &Path) -> Vec<Case> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let root = toml_span::parse(&text).unwrap_or_else(|e| panic!("{}: {e:?}", path.display()));
    let cases = root
        .as_table()
        .and_then(|t| t.get("case"))
        .and_then(|c| c.as_array())
        .unwrap_or_else(|| panic!("{}: expected [[case]] entries", path.display()));
    cases
        .iter()
        .map(|c| {
            let t = c.as_table().expect("case table");
            let get_str = |k: &str| t.get(k).and_then(|v| v.as_str()).map(str::to_string);
            let files = match t.get("files").map(|f| f.as_ref()) {
                Some(ValueInner::Table(files)) => files
                    .iter()
                    .map(|(k, v)| {
                        (
                            k.name.to_string(),
                            v.as_str().expect("file content is a string").to_string(),
                        )
                    })
                    .collect(),
                _ => BTreeMap::new(),
            };
            for key in t.keys() {
                assert!(
                    ["name", "expect", "count", "lines", "files", "probe"]
                        .contains(&key.name.as_ref()),
                    "{}: unknown case key `{}`",
                    path.display(),
                    key.name
                );
            }
            Case {
                name: get_str("name").unwrap_or_default(),
                expect: outcome(&get_str("expect").expect("case needs `expect`")),
                count: t
                    .get("count")
                    .and_then(|v| v.as_integer())
                    .map(|n| n as usize),
                lines: t.get("lines").and_then(|v| v.as_array()).map(|a| {
                    a.iter()
                        .map(|v| v.as_integer().expect("line number") as u32)
                        .collect()
                }),
                files,
                probe: match t.get("probe").map(|f| f.as_ref()) {
                    Some(ValueInner::Table(facts)) => Some(
                        facts
                            .iter()
                            .map(|(k, v)| {
                                let fact = match v.as_ref() {
                                    ValueInner::Boolean(b) => Fact::Bool(*b),
                                    ValueInner::Integer(i) => Fact::Int(*i),
                                    ValueInner::String(s) => Fact::Str(s.to_string()),
                                    ValueInner::Array(items) => Fact::List(
                                        items
                                            .iter()
                                            .map(|i| {
                                                i.as_str().expect("list of strings").to_string()
                                            })
                                            .collect(),
                                    ),
                                    _ => panic!("{}: unsupported fact value", path.display()),
                                };
                                (k.name.to_string(), fact)
                            })
                            .collect(),
                    ),
                    _ => None,
                },
            }
        })
        .collect()
}

fn builtin() -> RulePack {
    load_pack(&PackOptions {
        builtin: true,
        ..Default::default()
    })
    .expect("built-in pack loads")
}

fn run_case(pack: &RulePack, rule_id: &str, case: &Case) -> Result<(), String> {
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    for (rel, content) in &case.files {
        let path = dir.path().join(rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|e| e.to_string())?;
        }
        std::fs::write(&path, content).map_err(|e| e.to_string())?;
    }
    let result = scan(
        pack,
        &ScanOptions {
            root: dir.path().to_path_buf(),
            env_file: None,
            walk: WalkOptions {
                max_file_size: 2 << 20,
                jobs: 1,
            },
            probes: case
                .probe
                .iter()
                .map(|facts| ProbeReport {
                    url: "https://app.example.test/".to_string(),
                    facts: facts.clone(),
                    errors: Vec::new(),
                    elapsed_ms: 0,
                })
                .collect(),
        },
    )
    .map_err(|e| e.to_string())?;
    let rule = result
        .rule_results
        .iter()
        .find(|r| r.rule_id == rule_id)
        .ok_or("rule missing from results")?;
    let findings: Vec<_> = result
        .findings
        .iter()
        .filter(|f| f.rule_id == rule_id)
        .collect();
    let describe = || {
        findings
            .iter()
            .map(|f| format!("  {:?} {} @ {:?}", f.outcome, f.message, f.location))
            .collect::<Vec<_>>()
            .join("\n")
    };
    if rule.outcome != case.expect {
        return Err(format!(
            "expected {:?}, got {:?}\n{}",
            case.expect,
            rule.outcome,
            describe()
        ));
    }
    if let Some(n) = case.count {
        if rule.failures != n {
            return Err(format!(
                "expected {n} failing occurrence(s), got {}\n{}",
                rule.failures,
                describe()
            ));
        }
    }
    if let Some(lines) = &case.lines {
        let got: Vec<u32> = findings
            .iter()
            .filter_map(|f| f.location.as_ref()?.line)
            .collect();
        if &got != lines {
            return Err(format!(
                "expected lines {lines:?}, got {got:?}\n{}",
                describe()
            ));
        }
    }
    Ok(())
}

#[test]
fn every_rule_has_passing_failing_and_not_applicable_cases() {
    let pack = builtin();
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/rules");
    let mut problems = Vec::new();
    let mut ran = 0;
    for rule in &pack.rules {
        let path = dir.join(format!("{}.toml", rule.id));
        if !path.exists() {
            problems.push(format!("{}: no fixture file {}", rule.id, path.display()));
            continue;
        }
        let cases = read_cases(&path);
        let has = |o: Outcome| cases.iter().any(|c| c.expect == o);
        if !has(Outcome::Fail) {
            problems.push(format!("{}: no failing case", rule.id));
        }
        if !has(Outcome::Pass) {
            problems.push(format!("{}: no passing case", rule.id));
        }
        if !rule.applies_when.is_always() && !has(Outcome::NotApplicable) {
            problems.push(format!(
                "{}: has applies_when but no not_applicable case",
                rule.id
            ));
        }
        for case in &cases {
            ran += 1;
            if let Err(e) = run_case(&pack, &rule.id, case) {
                problems.push(format!("{} case `{}`: {e}", rule.id, case.name));
            }
        }
    }
    for entry in std::fs::read_dir(&dir)
        .expect("fixtures/rules exists")
        .flatten()
    {
        let name = entry.file_name().to_string_lossy().to_string();
        if let Some(id) = name.strip_suffix(".toml") {
            if !pack.rules.iter().any(|r| r.id == id) {
                problems.push(format!("fixture {name} names no rule"));
            }
        }
    }
    assert!(
        problems.is_empty(),
        "{} problem(s) in {ran} case(s):\n{}",
        problems.len(),
        problems.join("\n")
    );
}

#[test]
fn every_rule_is_documented() {
    let pack = builtin();
    for rule in &pack.rules {
        assert!(
            !rule.description.trim().is_empty(),
            "{}: no description",
            rule.id
        );
        assert!(
            rule.remediation.trim().len() >= 20,
            "{}: remediation too short",
            rule.id
        );
        assert!(!rule.references.is_empty(), "{}: no references", rule.id);
    }
}

#[test]
fn command_line_definition_is_consistent() {
    use clap::CommandFactory;
    launchgate::cli::Cli::command().debug_assert();
}

#[test]
fn rule_reference_is_current() {
    let expected = launchgate::report::rules::reference_markdown(&builtin());
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/rules.md");
    if std::env::var_os("LAUNCHGATE_UPDATE_DOCS").is_some() {
        std::fs::write(&path, &expected).unwrap();
    }
    let actual = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        actual == expected,
        "docs/rules.md is stale: run `cargo run -q -- rules doc > docs/rules.md`"
    );
}
