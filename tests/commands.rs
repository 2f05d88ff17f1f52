//! init, diff, merge, completions and man.

use assert_cmd::Command;

fn lg() -> Command {
    let mut c = Command::cargo_bin("launchgate").unwrap();
    c.current_dir(env!("CARGO_MANIFEST_DIR"));
    c
}

fn save_report(project: &str, dir: &std::path::Path) -> std::path::PathBuf {
    let path = dir.join(format!("{project}.json"));
    let out = lg()
        .args([
            "scan",
            &format!("fixtures/projects/{project}"),
            "--format",
            "json",
            "-q",
            "-o",
        ])
        .arg(&path)
        .output()
        .unwrap();
    assert!(
        out.status.code().is_some_and(|c| c < 2),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    path
}

#[test]
fn init_writes_a_config_once_and_it_is_valid() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join(".env.production"),
        "API_URL=https://api.example.org\n",
    )
    .unwrap();
    lg().arg("init")
        .arg(dir.path())
        .assert()
        .success()
        .stdout(predicates::str::contains("upload-sarif"));
    let text = std::fs::read_to_string(dir.path().join("launchgate.toml")).unwrap();
    assert!(text.contains("env_file = \".env.production\""), "{text}");
    // The written config is accepted by scan, and init never overwrites it.
    lg().arg("scan")
        .arg(dir.path())
        .args(["-q"])
        .assert()
        .code(predicates::ord::lt(2));
    lg().arg("init")
        .arg(dir.path())
        .assert()
        .code(2)
        .stderr(predicates::str::contains("never overwrites"));
    assert_eq!(
        std::fs::read_to_string(dir.path().join("launchgate.toml")).unwrap(),
        text
    );
}

#[test]
fn diff_and_merge_saved_reports() {
    let dir = tempfile::tempdir().unwrap();
    let bad = save_report("not-ready", dir.path());
    let good = save_report("clean", dir.path());
    let out = lg()
        .arg("diff")
        .arg(&bad)
        .arg(&good)
        .args(["--format", "markdown"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("#### Fixed") && text.contains("ENV001"),
        "{text}"
    );

    let out = lg()
        .arg("merge")
        .arg(&good)
        .arg(&bad)
        .args(["--format", "json"])
        .output()
        .unwrap();
    let fleet: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(fleet["ready"], 1);
    assert_eq!(
        fleet["projects"][0]["target"], "fixtures/projects/not-ready",
        "worst first"
    );
    for format in ["table", "markdown", "html"] {
        lg().arg("merge")
            .arg(&good)
            .arg(&bad)
            .args(["--format", format])
            .assert()
            .success();
    }
    std::fs::write(dir.path().join("junk.json"), "{}").unwrap();
    lg().arg("merge")
        .arg(dir.path().join("junk.json"))
        .assert()
        .code(2);
}

#[test]
fn completions_and_man_page() {
    for shell in ["bash", "zsh", "fish"] {
        lg().args(["completions", shell])
            .assert()
            .success()
            .stdout(predicates::str::contains("launchgate"));
    }
    lg().arg("man")
        .assert()
        .success()
        .stdout(predicates::str::contains(".TH launchgate"));
}
