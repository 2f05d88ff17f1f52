//! launchgate.toml, suppressions, baselines: issue 5's acceptance on small repositories
//! written here.

use assert_cmd::Command;
use serde_json::Value;
use std::path::Path;

fn write(root: &Path, files: &[(&str, &str)]) {
    for (rel, text) in files {
        let p = root.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
}

fn scan(root: &Path, extra: &[&str]) -> (i32, Value, String) {
    let out = Command::cargo_bin("launchgate")
        .unwrap()
        .arg("scan")
        .arg(root)
        .args(["--format", "json", "--today", "2026-11-21"])
        .args(extra)
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    let json = serde_json::from_str(&text)
        .unwrap_or_else(|e| panic!("{e}: {text}\n{}", String::from_utf8_lossy(&out.stderr)));
    (
        out.status.code().unwrap(),
        json,
        String::from_utf8(out.stderr).unwrap(),
    )
}

fn failing(json: &Value, rule: &str) -> Vec<Value> {
    json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule_id"] == rule && f["outcome"] == "fail")
        .cloned()
        .collect()
}

/// A repository whose only gating gap is one empty key (ENV001).
fn small_repo(root: &Path) {
    write(
        root,
        &[
            (".env", "API_URL=https://api.example.org\nMAPS_API_KEY=\n"),
            (".env.example", "API_URL=\nMAPS_API_KEY=\n"),
            (".gitignore", ".env\n"),
            ("README.md", "# demo\n\n## Setup\n\n```\nmake run\n```\n"),
            (".github/workflows/ci.yml", "on: push\njobs:\n  t:\n    runs-on: ubuntu-latest\n    steps:\n      - run: make test\n"),
        ],
    );
}

#[test]
fn suppression_with_reason_lifts_the_gate_until_it_expires() {
    let dir = tempfile::tempdir().unwrap();
    small_repo(dir.path());
    let (code, _, _) = scan(dir.path(), &[]);
    assert_eq!(code, 1, "the empty key fails the gate");

    write(
        dir.path(),
        &[(
            "launchgate.toml",
            "[[ignore]]\nrule = \"ENV001\"\npath = \".env\"\nreason = \"maps are switched off until the Q1 launch\"\nexpires = \"2027-01-31\"\nowner = \"web-team\"\nticket = \"WEB-42\"\n\n[[ignore]]\nrule = \"DKR001\"\nreason = \"no Dockerfile yet\"\n",
        )],
    );
    let (code, json, _) = scan(dir.path(), &[]);
    assert_eq!(code, 0, "{}", json["summary"]);
    let f = &failing(&json, "ENV001")[0];
    assert_eq!(
        f["suppressed"]["reason"],
        "maps are switched off until the Q1 launch"
    );
    assert_eq!(f["suppressed"]["ticket"], "WEB-42");
    assert_eq!(json["suppressions"]["applied"], 1);
    assert_eq!(
        json["suppressions"]["stale"][0]["rule"], "DKR001",
        "unused suppression is listed as stale"
    );

    // The same suppression, expired: it no longer suppresses, and the report says why.
    let config = std::fs::read_to_string(dir.path().join("launchgate.toml")).unwrap();
    write(
        dir.path(),
        &[(
            "launchgate.toml",
            &config.replace("2027-01-31", "2026-01-31"),
        )],
    );
    let (code, json, _) = scan(dir.path(), &[]);
    assert_eq!(code, 1);
    assert!(failing(&json, "ENV001")[0]["suppressed"].is_null());
    assert_eq!(json["suppressions"]["expired"][0]["expires"], "2026-01-31");
    let table = Command::cargo_bin("launchgate")
        .unwrap()
        .arg("scan")
        .arg(dir.path())
        .args(["--today", "2026-11-21"])
        .output()
        .unwrap();
    let text = String::from_utf8(table.stdout).unwrap();
    assert!(
        text.contains("Expired suppression") && text.contains("no longer suppressing"),
        "{text}"
    );
}

#[test]
fn inline_suppression_needs_a_reason() {
    let dir = tempfile::tempdir().unwrap();
    small_repo(dir.path());
    write(dir.path(), &[(".env", "API_URL=https://api.example.org\n# launchgate:ignore ENV001 maps launch in Q1\nMAPS_API_KEY=\n")]);
    let (code, json, _) = scan(dir.path(), &[]);
    assert_eq!(code, 0, "{}", json["summary"]);
    assert!(failing(&json, "ENV001")[0]["suppressed"]["source"]
        .as_str()
        .unwrap()
        .starts_with("inline"));

    write(
        dir.path(),
        &[(
            ".env",
            "API_URL=https://api.example.org\nMAPS_API_KEY= # launchgate:ignore ENV001\n",
        )],
    );
    let (code, json, _) = scan(dir.path(), &[]);
    assert_eq!(code, 1);
    assert_eq!(json["suppressions"]["invalid"][0]["rule"], "ENV001");
}

#[test]
fn baseline_shows_the_fixed_gap_and_the_score_going_up() {
    let dir = tempfile::tempdir().unwrap();
    small_repo(dir.path());
    write(
        dir.path(),
        &[(
            ".env",
            "API_URL=https://api.example.org\nMAPS_API_KEY=\nSMS_TOKEN=\n",
        )],
    );
    let before = tempfile::tempdir().unwrap();
    let baseline = before.path().join("before.json");
    let (_, first, _) = scan(dir.path(), &[]);
    std::fs::write(&baseline, serde_json::to_string(&first).unwrap()).unwrap();

    // Fix one gap (and shift every line, which must not matter).
    write(dir.path(), &[(".env", "# production\n\nAPI_URL=https://api.example.org\nMAPS_API_KEY=\nSMS_TOKEN=tok_live_5f2d8c1e9a7b4c3d\n")]);
    let (_, json, _) = scan(dir.path(), &["--baseline", baseline.to_str().unwrap()]);
    let b = &json["baseline"];
    assert_eq!(b["fixed"].as_array().unwrap().len(), 1, "{b}");
    assert!(b["fixed"][0]["message"]
        .as_str()
        .unwrap()
        .starts_with("SMS_TOKEN"));
    assert_eq!(b["new"], 0);
    let remaining = failing(&json, "ENV001");
    assert_eq!(remaining[0]["baseline"], "unchanged");

    // A new gap gates with --fail-on-new; the unchanged one does not.
    let (code, _, _) = scan(
        dir.path(),
        &["--baseline", baseline.to_str().unwrap(), "--fail-on-new"],
    );
    assert_eq!(code, 0);
    write(dir.path(), &[(".env", "API_URL=https://api.example.org\nMAPS_API_KEY=\nSMS_TOKEN=tok_live_5f2d8c1e9a7b4c3d\nMAIL_KEY=\n")]);
    let (code, json, _) = scan(
        dir.path(),
        &["--baseline", baseline.to_str().unwrap(), "--fail-on-new"],
    );
    assert_eq!(code, 1);
    let new_env001: Vec<Value> = failing(&json, "ENV001")
        .into_iter()
        .filter(|f| f["baseline"] == "new")
        .collect();
    assert_eq!(new_env001.len(), 1);
    assert!(new_env001[0]["message"]
        .as_str()
        .unwrap()
        .starts_with("MAIL_KEY"));
}

#[test]
fn score_goes_up_when_a_rule_is_fixed() {
    let dir = tempfile::tempdir().unwrap();
    small_repo(dir.path());
    let before_file = tempfile::NamedTempFile::new().unwrap();
    let (_, first, _) = scan(dir.path(), &[]);
    std::fs::write(before_file.path(), serde_json::to_string(&first).unwrap()).unwrap();
    write(
        dir.path(),
        &[(
            ".env",
            "API_URL=https://api.example.org\nMAPS_API_KEY=maps_live_8c1e9a7b4c3d5f2d\n",
        )],
    );
    let (code, json, _) = scan(
        dir.path(),
        &["--baseline", before_file.path().to_str().unwrap()],
    );
    assert!(
        json["baseline"]["score_change"].as_f64().unwrap() > 0.0,
        "{}",
        json["baseline"]
    );
    assert_eq!(json["baseline"]["fixed"].as_array().unwrap().len(), 1);
    assert_eq!(code, 0);
}

#[test]
fn config_sets_gate_env_file_and_overrides_with_line_numbers_on_errors() {
    let dir = tempfile::tempdir().unwrap();
    small_repo(dir.path());
    write(
        dir.path(),
        &[(
            "launchgate.toml",
            "disable = [\"DOC001\"]\n[gate]\nfail_on = \"zero-function\"\nmin_score = 10\n[overrides.ENV001]\ncategory = \"advisory\"\n",
        )],
    );
    let (code, json, _) = scan(dir.path(), &[]);
    assert_eq!(code, 0);
    assert_eq!(failing(&json, "ENV001")[0]["category"], "advisory");
    assert_eq!(json["summary"]["gate"]["fail_on"], "zero-function");
    // Command-line flags win over the config.
    let (code, _, _) = scan(
        dir.path(),
        &[
            "--fail-on",
            "advisory".replace("advisory", "business").as_str(),
            "--min-score",
            "100",
        ],
    );
    assert_eq!(code, 1);

    write(
        dir.path(),
        &[(
            "launchgate.toml",
            "[gate]\nfail_on = \"sometimes\"\nunknown = 1\n",
        )],
    );
    let out = Command::cargo_bin("launchgate")
        .unwrap()
        .arg("scan")
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.contains("launchgate.toml:2:12: `fail_on` cannot be `sometimes`"),
        "{err}"
    );
    assert!(
        err.contains("launchgate.toml:3:1: unknown field `unknown`"),
        "{err}"
    );
}
