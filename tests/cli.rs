//! The binary end to end on the example projects: exit codes, the JSON contract,
//! determinism, redaction, and rule-file errors.

use assert_cmd::Command;
use serde_json::Value;
use std::path::Path;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn launchgate() -> Command {
    let mut c = Command::cargo_bin("launchgate").unwrap();
    c.current_dir(root());
    c
}

fn scan_json(project: &str, extra: &[&str]) -> (i32, Value, String) {
    let out = launchgate()
        .args([
            "scan",
            &format!("fixtures/projects/{project}"),
            "--format",
            "json",
        ])
        .args(extra)
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    let json = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text}"));
    (out.status.code().unwrap(), json, text)
}

fn failing<'a>(json: &'a Value, rule: &str) -> Vec<&'a Value> {
    json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule_id"] == rule && f["outcome"] == "fail")
        .collect()
}

/// Every key with an empty value in the production env file of the not-ready project.
fn empty_keys_in(path: &Path) -> Vec<(String, u32)> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .enumerate()
        .filter_map(|(i, l)| {
            let (k, v) = l.split_once('=')?;
            (!l.trim_start().starts_with('#') && v.trim().is_empty())
                .then(|| (k.trim().to_string(), i as u32 + 1))
        })
        .collect()
}

#[test]
fn not_ready_project_reports_every_empty_key_and_fails_the_gate() {
    let (code, json, text) = scan_json("not-ready", &[]);
    assert_eq!(code, 1);
    assert_eq!(json["summary"]["verdict"], "not_ready");
    let expected = empty_keys_in(&root().join("fixtures/projects/not-ready/.env"));
    assert!(
        expected.len() >= 20,
        "fixture has {} empty keys",
        expected.len()
    );
    let empty = failing(&json, "ENV001");
    for (key, line) in &expected {
        assert!(
            empty.iter().any(|f| f["location"]["path"] == ".env"
                && f["location"]["line"] == *line
                && f["message"].as_str().unwrap().starts_with(key.as_str())
                && f["category"] == "zero-function"),
            "{key} at line {line} not reported"
        );
    }
    assert_eq!(empty.len(), expected.len());
    assert!(
        !failing(&json, "ENV008").is_empty(),
        "development JWT secret not reported"
    );
    assert!(
        !failing(&json, "ENV007").is_empty(),
        "inline database password not reported"
    );
    assert!(
        !failing(&json, "CMP001").is_empty(),
        "hard-coded compose password not reported"
    );
    for secret in ["dev-jwt-secret-key", "roofradar123", "dev-secret-change-me"] {
        assert!(
            !text.contains(secret),
            "secret `{secret}` leaked into the JSON report"
        );
    }
}

#[test]
fn clean_project_is_ready() {
    let (code, json, _) = scan_json("clean", &[]);
    let fails: Vec<String> = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["outcome"] == "fail" && f["category"] != "advisory")
        .map(|f| format!("{} {} {}", f["rule_id"], f["message"], f["location"]))
        .collect();
    assert!(fails.is_empty(), "{fails:#?}");
    assert_eq!(json["summary"]["verdict"], "ready");
    assert_eq!(code, 0);
}

#[test]
fn nearly_ready_project_reproduces_the_seed_gaps() {
    let (code, json, _) = scan_json("nearly-ready", &[]);
    assert_eq!(code, 1);
    // The gaps the seed analysis listed: template, TLS, rate limiting, headers, tracing, deploy automation.
    for rule in ["ENV009", "PRX001", "APP004", "APP005", "OBS004"] {
        assert!(!failing(&json, rule).is_empty(), "{rule} should fail");
    }
    // What the project does have must not be reported.
    for rule in [
        "DKR001", "DKR003", "CMP002", "CMP003", "OBS001", "OBS002", "DAT001", "DAT002", "DLV001",
        "DLV002", "BIZ001", "BIZ002", "APP006", "ENV001",
    ] {
        assert!(failing(&json, rule).is_empty(), "{rule} should not fail");
    }
}

#[test]
fn gate_options_change_the_exit_code() {
    let (code, json, _) = scan_json("nearly-ready", &["--fail-on", "never"]);
    assert_eq!(code, 0);
    assert_eq!(json["summary"]["gate"]["passed"], true);
    let (code, _, _) = scan_json("nearly-ready", &["--fail-on", "never", "--min-score", "99"]);
    assert_eq!(code, 1);
    launchgate()
        .args([
            "scan",
            "fixtures/projects/not-ready",
            "--disable",
            "NOPE999",
        ])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("NOPE999"));
}

#[test]
fn json_contract_has_the_documented_fields() {
    let (_, json, _) = scan_json("not-ready", &[]);
    assert_eq!(json["schema_version"], 1);
    assert_eq!(json["tool"]["name"], "launchgate");
    assert_eq!(json["target"]["path"], "fixtures/projects/not-ready");
    let summary = &json["summary"];
    for key in [
        "score",
        "grade",
        "verdict",
        "categories",
        "areas",
        "effort_hours",
    ] {
        assert!(!summary[key].is_null(), "summary.{key}");
    }
    for cat in ["zero-function", "operational", "business", "advisory"] {
        for key in ["failed", "passed", "effort_hours"] {
            assert!(!summary["categories"][cat][key].is_null(), "{cat}.{key}");
        }
    }
    for f in json["findings"].as_array().unwrap() {
        for key in [
            "rule_id",
            "title",
            "outcome",
            "category",
            "area",
            "message",
            "effort_hours",
            "remediation",
        ] {
            assert!(!f[key].is_null(), "finding.{key} in {f}");
        }
    }
    // Each rule that passed or did not apply appears once.
    let outcomes: Vec<&str> = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["outcome"].as_str().unwrap())
        .collect();
    assert!(outcomes.contains(&"pass") && outcomes.contains(&"not_applicable"));
}

#[test]
fn reports_are_byte_identical_across_runs_and_jobs() {
    for format in ["json", "table"] {
        let run = |jobs: &str| {
            launchgate()
                .args([
                    "scan",
                    "fixtures/projects/not-ready",
                    "--format",
                    format,
                    "--jobs",
                    jobs,
                ])
                .output()
                .unwrap()
                .stdout
        };
        let first = run("1");
        assert_eq!(first, run("1"));
        assert_eq!(first, run("4"));
        assert_eq!(first, run("0"));
    }
}

#[test]
fn table_report_shows_verdict_categories_and_no_secrets() {
    let out = launchgate()
        .args(["scan", "fixtures/projects/not-ready"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("NOT READY"));
    assert!(text.contains("ZERO-FUNCTION"));
    assert!(text.contains("AREAS"));
    assert!(text.contains("Remaining effort"));
    assert!(!text.contains('\u{1b}'), "no colour when not a terminal");
    for secret in ["dev-jwt-secret-key", "roofradar123"] {
        assert!(!text.contains(secret));
    }
}

#[test]
fn output_file_is_written_and_target_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("report.json");
    launchgate()
        .args([
            "scan",
            "fixtures/projects/nearly-ready",
            "--format",
            "json",
            "--output",
        ])
        .arg(&out)
        .assert()
        .code(1)
        .stdout("");
    let json: Value = serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    assert_eq!(json["summary"]["verdict"], "not_ready");
}

#[test]
fn rule_file_with_two_mistakes_lists_every_problem() {
    let expected =
        std::fs::read_to_string(root().join("fixtures/rule-errors/two-mistakes.expected")).unwrap();
    let out = launchgate()
        .args(["rules", "check", "fixtures/rule-errors/two-mistakes.toml"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8(out.stderr).unwrap();
    for line in expected.lines() {
        assert!(stderr.contains(line), "missing `{line}` in:\n{stderr}");
    }
    // The same file used with scan is a usage error too.
    launchgate()
        .args([
            "scan",
            "fixtures/projects/clean",
            "--rules",
            "fixtures/rule-errors/two-mistakes.toml",
        ])
        .assert()
        .code(2);
}

#[test]
fn rules_list_and_explain() {
    let out = launchgate()
        .args(["rules", "list", "--format", "json"])
        .output()
        .unwrap();
    let rules: Value = serde_json::from_slice(&out.stdout).unwrap();
    let rules = rules.as_array().unwrap();
    assert!(rules.len() >= 100);
    let ids: std::collections::BTreeSet<&str> =
        rules.iter().map(|r| r["id"].as_str().unwrap()).collect();
    assert_eq!(ids.len(), rules.len(), "ids are unique");
    launchgate()
        .args(["rules", "explain", "ENV001"])
        .assert()
        .success()
        .stdout(predicates::str::contains("How to fix"));
    launchgate()
        .args(["rules", "explain", "NOPE"])
        .assert()
        .code(2);
}

#[test]
fn missing_target_is_a_usage_error() {
    launchgate()
        .args(["scan", "fixtures/projects/does-not-exist"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("does not exist"));
}

#[test]
fn user_rules_extend_and_override_the_builtin_pack() {
    let dir = tempfile::tempdir().unwrap();
    let rules = dir.path().join("mine.toml");
    std::fs::write(
        &rules,
        r#"
[[rule]]
id = "ACME001"
title = "Readme mentions the on-call rota"
category = "advisory"
area = "documentation"
effort = "15m"
remediation = "Add an On-call section to the README naming the rota."
[rule.content]
paths = ["README.md"]
pattern = "(?i)on-call"
must = "match"

[[override]]
rule = "ENV001"
category = "advisory"
"#,
    )
    .unwrap();
    let (_, json, _) = scan_json("not-ready", &["--rules", rules.to_str().unwrap()]);
    assert!(!failing(&json, "ACME001").is_empty());
    assert!(failing(&json, "ENV001")
        .iter()
        .all(|f| f["category"] == "advisory"));
}

#[test]
fn opt_in_rules_run_only_when_enabled() {
    let listed = launchgate().args(["rules", "list"]).output().unwrap();
    let listed = String::from_utf8(listed.stdout).unwrap();
    assert!(listed.contains("(opt-in)"), "{listed}");
    assert!(listed.contains("3 opt-in"), "{listed}");

    // A rule that ran is in the findings (passing or failing) and in the rule count.
    let ran = |j: &Value, rule: &str| {
        j["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["rule_id"] == rule)
    };
    let total = |j: &Value| j["summary"]["rules"]["total"].as_u64().unwrap();
    let (_, plain, _) = scan_json("not-ready", &["--fail-on", "never"]);
    for rule in ["DRF001", "DRF002", "DRF003"] {
        assert!(!ran(&plain, rule), "{rule} is off by default");
    }
    assert!(ran(&plain, "DRF004"), "DRF004 is not opt-in");
    let (_, json, _) = scan_json(
        "not-ready",
        &[
            "--fail-on",
            "never",
            "--enable",
            "DRF001",
            "--enable",
            "DRF002",
        ],
    );
    assert!(ran(&json, "DRF001") && ran(&json, "DRF002"));
    assert!(!ran(&json, "DRF003"), "DRF003 stays off");
    assert_eq!(total(&json), total(&plain) + 2);

    // From the project config: `enable = [...]` and `[overrides.ID] enable = true`.
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("launchgate.toml");
    std::fs::write(
        &config,
        "enable = [\"DRF002\"]\n[overrides.DRF003]\nenable = true\n",
    )
    .unwrap();
    let config = config.to_str().unwrap();
    let (_, json, _) = scan_json("not-ready", &["--fail-on", "never", "--config", config]);
    assert!(ran(&json, "DRF002") && ran(&json, "DRF003") && !ran(&json, "DRF001"));
    assert_eq!(total(&json), total(&plain) + 2);

    launchgate()
        .args(["scan", "fixtures/projects/not-ready", "--enable", "NOPE999"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains(
            "cannot enable unknown rule `NOPE999`",
        ));
}

#[test]
fn development_setups_are_listed_with_their_reason() {
    let dir = tempfile::tempdir().unwrap();
    let write = |path: &str, text: &str| {
        let full = dir.path().join(path);
        std::fs::create_dir_all(full.parent().unwrap()).unwrap();
        std::fs::write(full, text).unwrap();
    };
    write(
        "compose.yml",
        "services:\n  app:\n    build: .\n    restart: unless-stopped\n",
    );
    write(
        "dev/compose.yml",
        "services:\n  app:\n    build: ..\n    volumes:\n      - ..:/app\n",
    );
    write(
        "deps/compose.yml",
        "services:\n  db:\n    image: postgres:16.4\n    ports: [\"5432:5432\"]\n",
    );
    let target = dir.path().to_str().unwrap();
    let out = launchgate()
        .args(["scan", target, "--format", "json", "--fail-on", "never"])
        .output()
        .unwrap();
    let json: Value = serde_json::from_slice(&out.stdout).unwrap();
    let setups = &json["inventory"]["development_setups"];
    // `dev/` is a development folder by its name, so only `deps/` is listed: it is set
    // aside for what it holds.
    assert_eq!(
        setups,
        &serde_json::json!([{
            "path": "deps/compose.yml",
            "reason": "only databases, caches and queues, nothing built"
        }])
    );
    assert!(
        failing(&json, "CMP002").is_empty(),
        "the listed file is not judged"
    );

    let out = launchgate()
        .args(["scan", target, "--fail-on", "never", "--color", "never"])
        .output()
        .unwrap();
    let table = String::from_utf8(out.stdout).unwrap();
    assert!(
        table.contains("Development setup, not judged: deps/compose.yml (only databases, caches and queues, nothing built)"),
        "{table}"
    );
}

/// Scans a temporary project made of `files` (path, text) and returns the JSON report.
fn scan_files(files: &[(&str, &str)]) -> Value {
    let dir = tempfile::tempdir().unwrap();
    for (path, text) in files {
        let full = dir.path().join(path);
        std::fs::create_dir_all(full.parent().unwrap()).unwrap();
        std::fs::write(full, text).unwrap();
    }
    let out = launchgate()
        .args([
            "scan",
            dir.path().to_str().unwrap(),
            "--format",
            "json",
            "--fail-on",
            "never",
        ])
        .output()
        .unwrap();
    serde_json::from_slice(&out.stdout).unwrap()
}

/// The paths of a rule's failing findings.
fn failing_paths<'a>(json: &'a Value, rule: &str) -> Vec<&'a str> {
    failing(json, rule)
        .iter()
        .filter_map(|f| f["location"]["path"].as_str())
        .collect()
}

#[test]
fn dockerfiles_only_deprecated_services_build_are_set_aside() {
    let json = scan_files(&[
        (
            "prod.Dockerfile",
            "FROM node:20.12.2-alpine\nUSER node\nHEALTHCHECK CMD wget -qO- http://localhost:3000/health\nCMD [\"node\", \"server.js\"]\n",
        ),
        (
            "packages/old-backend/Dockerfile",
            "FROM node:20.12.2\nCOPY . .\nCMD [\"node\", \"server.js\"]\n",
        ),
        (
            "packages/worker/Dockerfile",
            "FROM node:20.12.2\nCOPY . .\nCMD [\"node\", \"worker.js\"]\n",
        ),
        (
            "docker-compose.yml",
            "services:\n  app:\n    build:\n      context: .\n      dockerfile: prod.Dockerfile\n    restart: always\n  old-backend:\n    profiles: [\"deprecated\"]\n    build:\n      context: .\n      dockerfile: packages/old-backend/Dockerfile\n    restart: always\n  worker:\n    profiles: [\"deprecated\", \"workers\"]\n    build:\n      context: .\n      dockerfile: packages/worker/Dockerfile\n    restart: always\n",
        ),
    ]);
    assert_eq!(
        json["inventory"]["development_setups"],
        serde_json::json!([{
            "path": "packages/old-backend/Dockerfile",
            "reason": "built only by deprecated Compose services"
        }])
    );
    assert_eq!(
        failing_paths(&json, "DKR001"),
        vec!["packages/worker/Dockerfile"],
        "a service also started under a current profile still ships its image"
    );
}

#[test]
fn dockerfiles_only_development_compose_files_build_are_set_aside_unless_ci_names_them() {
    let unhardened = "FROM php:8.3.12-fpm-alpine\nCOPY . /app\nCMD [\"php-fpm\"]\n";
    let json = scan_files(&[
        ("infra/php.Dockerfile", unhardened),
        ("infra/worker.Dockerfile", unhardened),
        // A developer stack: the source tree is mounted into the services it builds.
        (
            "docker-compose.yml",
            "services:\n  php:\n    build:\n      context: .\n      dockerfile: ./infra/php.Dockerfile\n    volumes:\n      - ./:/app\n  worker:\n    build:\n      context: .\n      dockerfile: ./infra/worker.Dockerfile\n    volumes:\n      - ./:/app\n",
        ),
        (
            ".github/workflows/release.yml",
            "on: push\njobs:\n  image:\n    runs-on: ubuntu-24.04\n    steps:\n      - run: docker build -f infra/worker.Dockerfile -t acme/worker .\n",
        ),
    ]);
    let setups = json["inventory"]["development_setups"].as_array().unwrap();
    assert!(
        setups.contains(&serde_json::json!({
            "path": "infra/php.Dockerfile",
            "reason": "built only by development Compose files"
        })),
        "{setups:?}"
    );
    assert_eq!(
        failing_paths(&json, "DKR001"),
        vec!["infra/worker.Dockerfile"],
        "the image CI builds is still judged"
    );
}
