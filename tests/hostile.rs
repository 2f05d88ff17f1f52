//! Hostile inputs end to end, through the binary: repositories built to break a
//! scanner (generated here, in temporary folders), rule files and configs built to
//! break the loader, and loopback servers built to hang a prober. Every run must end
//! within a bound, never panic, report what it could not read, and exit with the code
//! its findings deserve; the target is never modified; reports are byte-identical
//! across runs and `--jobs` values.
#![cfg(unix)]

use crate::support::*;
use assert_cmd::Command;
use serde_json::Value;
use std::collections::BTreeMap;
use std::os::unix::fs::{symlink, MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// A hang guard, not a benchmark: every run here takes a second or two.
const BOUND: Duration = Duration::from_secs(60);

/// The file outside every target that symlinks point at; it must never be read.
const OUTSIDE_SECRET: &str = "QzOutsideSecretNeverRead42";

/// Rules that make the scan read (and parse) every kind of file in the corpus.
const HOSTILE_RULES: &str = r#"
[[rule]]
id = "HOST001"
title = "JSON documents have a name"
category = "advisory"
area = "quality"
effort = "15m"
remediation = "r"
[rule.structured]
paths = ["**/*.json"]
assert = [{ path = "name", op = "exists" }]

[[rule]]
id = "HOST002"
title = "TOML documents have a name"
category = "advisory"
area = "quality"
effort = "15m"
remediation = "r"
[rule.structured]
paths = ["**/*.toml"]
assert = [{ path = "name", op = "exists" }]

[[rule]]
id = "HOST003"
title = "nginx hides its version"
category = "advisory"
area = "security"
effort = "15m"
remediation = "r"
[rule.structured]
paths = ["**/*.conf"]
format = "nginx"
select = "http[*].block"
assert = [{ path = "server_tokens", op = "exists" }]

[[rule]]
id = "HOST004"
title = "YAML documents have a kind"
category = "advisory"
area = "quality"
effort = "15m"
remediation = "r"
[rule.structured]
paths = ["**/*.yaml", "**/*.yml"]
include_tests = true
assert = [{ path = "kind", op = "exists" }]

[[rule]]
id = "HOST006"
title = "Deployments run more than one replica"
category = "advisory"
area = "infrastructure"
effort = "15m"
remediation = "r"
[rule.structured]
paths = ["**/*.yaml"]
documents = [{ path = "kind", op = "equals", value = "Deployment" }]
assert = [{ path = "spec.replicas", op = "not-equals", value = 1 }]

[[rule]]
id = "HOST005"
title = "No password in any file"
category = "advisory"
area = "security"
effort = "15m"
remediation = "r"
[rule.content]
paths = ["**/*"]
pattern = '(?i)password'
must = "not-match"
include_tests = true
"#;

fn bin() -> Command {
    let mut c = Command::cargo_bin("launchgate").unwrap();
    // Kills a hung run, so the bound below fails instead of the suite hanging.
    c.timeout(BOUND + Duration::from_secs(30));
    c
}

struct Run {
    code: i32,
    stdout: Vec<u8>,
    stderr: String,
}

/// Runs the binary and checks what every hostile run must do: end within the bound,
/// exit with 0, 1 or 2 (never killed, never a panic).
fn run(cmd: &mut Command, what: &str) -> Run {
    let start = Instant::now();
    let out = cmd.output().unwrap();
    let elapsed = start.elapsed();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(elapsed < BOUND, "{what}: took {elapsed:?}");
    assert!(!stderr.contains("panicked"), "{what}: panicked:\n{stderr}");
    let code = out
        .status
        .code()
        .unwrap_or_else(|| panic!("{what}: killed ({:?}) after {elapsed:?}", out.status));
    assert!((0..=2).contains(&code), "{what}: exit {code}\n{stderr}");
    Run {
        code,
        stdout: out.stdout,
        stderr,
    }
}

fn rules_file(dir: &Path) -> PathBuf {
    let path = dir.join("hostile-rules.toml");
    std::fs::write(&path, HOSTILE_RULES).unwrap();
    path
}

/// `scan --format json` with the hostile rules; the exit code must be the one the
/// findings deserve (0 when the gate passed, 1 when it failed; never 2).
fn scan_json(root: &Path, what: &str) -> Value {
    let rules_dir = tempfile::tempdir().unwrap();
    let out = run(
        bin()
            .arg("scan")
            .arg(root)
            .args(["--format", "json", "--rules"])
            .arg(rules_file(rules_dir.path())),
        what,
    );
    let json: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{what}: {e}\n{}", out.stderr));
    let passed = json["summary"]["gate"]["passed"].as_bool().unwrap();
    assert_eq!(
        out.code,
        if passed { 0 } else { 1 },
        "{what}: {}",
        out.stderr
    );
    json
}

fn problems(json: &Value) -> Vec<(String, String)> {
    json["inventory"]["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["path"].as_str().unwrap().to_string(),
                p["message"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn has_problem(json: &Value, path_part: &str, message_part: &str) -> bool {
    problems(json)
        .iter()
        .any(|(p, m)| p.contains(path_part) && m.contains(message_part))
}

fn count(json: &Value, key: &str) -> u64 {
    json["inventory"][key].as_u64().unwrap()
}

fn failing_at<'a>(json: &'a Value, rule: &str) -> Vec<&'a Value> {
    json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule_id"] == rule && f["outcome"] == "fail")
        .map(|f| &f["location"])
        .collect()
}

fn write(root: &Path, rel: &str, bytes: impl AsRef<[u8]>) {
    let path = root.join(rel);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, bytes).unwrap();
}

fn mkfifo(path: &Path) -> bool {
    std::process::Command::new("mkfifo")
        .arg(path)
        .status()
        .is_ok_and(|s| s.success())
}

/// Whether permission bits are enforced for us (they are not for root).
fn permissions_enforced(dir: &Path) -> bool {
    let probe = dir.join(".perm-probe");
    std::fs::write(&probe, "x").unwrap();
    std::fs::set_permissions(&probe, std::fs::Permissions::from_mode(0o000)).unwrap();
    let enforced = std::fs::read(&probe).is_err();
    std::fs::set_permissions(&probe, std::fs::Permissions::from_mode(0o600)).unwrap();
    std::fs::remove_file(&probe).unwrap();
    enforced
}

// ---------------------------------------------------------------------------------
// The corpus: one builder per hostile shape, each writing under `root`.
// ---------------------------------------------------------------------------------

fn invalid_utf8(root: &Path) {
    write(
        root,
        "app/latin1.py",
        b"name = 'caf\xe9'\npassword = 'x\xff\xfe'\n",
    );
    write(root, "app/ok.py", "print('fine')\n");
}

fn nul_bytes(root: &Path) {
    write(root, "app/blob.js", b"const a = 1;\x00\x00\x00password\x00");
}

fn crlf_and_bom(root: &Path) {
    write(
        root,
        "k8s/deploy.yaml",
        "\u{feff}apiVersion: apps/v1\r\nkind: Deployment\r\nmetadata:\r\n  name: web\r\nspec:\r\n  replicas: 1\r\n",
    );
    write(
        root,
        "svc/.env",
        "\u{feff}A=1\r\nEMPTY_TOKEN=\r\nB=\"two\"\r\n",
    );
}

fn sparse_giant(root: &Path) {
    let f = std::fs::File::create(root.join("big.js")).unwrap();
    f.set_len(1 << 30).unwrap();
}

fn long_lines(root: &Path) {
    // 5 MB on one line: over the default size limit.
    write(root, "public/app.bundle.js", "var a=1;".repeat(5 << 17));
    // 1.5 MB on one line, read and matched hundreds of times.
    write(
        root,
        "src/long-line.js",
        "x={password:\"hunter2hunter2\"};".repeat(50_000),
    );
}

/// `depth` nested folders `d/d/…/d` holding `leaf.yaml`, built without ever using a
/// long path: the chain so far is moved into a new folder, level by level.
fn nested(root: &Path, depth: usize) -> Nested {
    let base = root.join("deep");
    std::fs::create_dir_all(base.join("d")).unwrap();
    std::fs::write(base.join("d/leaf.yaml"), "kind: Leaf\n").unwrap();
    for _ in 1..depth {
        std::fs::create_dir(base.join("t")).unwrap();
        std::fs::rename(base.join("d"), base.join("t/d")).unwrap();
        std::fs::rename(base.join("t"), base.join("d")).unwrap();
    }
    Nested(base)
}

/// Takes a `nested` chain apart level by level (paths past PATH_MAX cannot be
/// removed by path), whatever way the test ends.
struct Nested(PathBuf);

impl Drop for Nested {
    fn drop(&mut self) {
        let (d, t) = (self.0.join("d"), self.0.join("t"));
        while d.join("d").is_dir() {
            if std::fs::rename(d.join("d"), &t).is_err()
                || std::fs::remove_dir_all(&d).is_err()
                || std::fs::rename(&t, &d).is_err()
            {
                return;
            }
        }
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Symlink loops, and links out of the target to a secret file, a folder and a FIFO.
fn symlinks(root: &Path, outside: &Path) {
    std::fs::create_dir_all(root.join("links/sub")).unwrap();
    symlink("loop_b", root.join("links/loop_a")).unwrap();
    symlink("loop_a", root.join("links/loop_b")).unwrap();
    symlink(".", root.join("links/self")).unwrap();
    symlink("..", root.join("links/sub/up")).unwrap();
    symlink(
        outside.join("secret.env"),
        root.join("links/.env.production"),
    )
    .unwrap();
    symlink(outside.join("secret.env"), root.join("links/.env")).unwrap();
    symlink(outside.join("secret.yaml"), root.join("links/config.yaml")).unwrap();
    symlink(outside, root.join("links/outside-dir")).unwrap();
    // A `*` pattern: if this ignore file were followed, every file would vanish.
    symlink(outside.join("patterns"), root.join("links/.gitignore")).unwrap();
    if outside.join("fifo").exists() {
        // Opening this would block forever: the bound proves it is never opened.
        symlink(outside.join("fifo"), root.join("links/fifo-link.yaml")).unwrap();
    }
    write(root, "links/real.yaml", "kind: Real\n");
}

fn outside_dir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let o = dir.path();
    std::fs::write(o.join("secret.env"), format!("API_KEY={OUTSIDE_SECRET}\n")).unwrap();
    std::fs::write(
        o.join("secret.yaml"),
        format!("kind: Secret\npassword: {OUTSIDE_SECRET}\n"),
    )
    .unwrap();
    std::fs::write(o.join("patterns"), "*\n").unwrap();
    std::fs::write(
        o.join("inside-dir.yaml"),
        format!("password: {OUTSIDE_SECRET}\n"),
    )
    .unwrap();
    mkfifo(&o.join("fifo"));
    dir
}

/// FIFOs and devices where files are expected, ignore files included.
fn special_files(root: &Path) -> bool {
    std::fs::create_dir_all(root.join("special/sub")).unwrap();
    write(root, "special/ok.yaml", "kind: Ok\n");
    symlink("/dev/zero", root.join("special/.launchgateignore")).unwrap();
    mkfifo(&root.join("special/pipe.yaml")) && mkfifo(&root.join("special/sub/.gitignore"))
}

fn unreadable(root: &Path) {
    write(root, "locked/secret.yaml", "kind: Locked\npassword: x\n");
    write(root, "locked-dir/inner.yaml", "kind: Inner\n");
    std::fs::set_permissions(
        root.join("locked/secret.yaml"),
        std::fs::Permissions::from_mode(0o000),
    )
    .unwrap();
    std::fs::set_permissions(
        root.join("locked-dir"),
        std::fs::Permissions::from_mode(0o000),
    )
    .unwrap();
}

fn relock(root: &Path) {
    for p in ["locked/secret.yaml", "locked-dir"] {
        let _ = std::fs::set_permissions(root.join(p), std::fs::Permissions::from_mode(0o755));
    }
}

fn bombs(root: &Path) {
    // Billion laughs: ten levels of ten aliases.
    let mut bomb =
        String::from("version: '3'\nservices: {}\na0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
    for i in 1..10 {
        let p = format!("*a{}", i - 1);
        bomb.push_str(&format!("a{i}: &a{i} [{}]\n", vec![p; 10].join(", ")));
    }
    write(root, "bombs/docker-compose.yml", bomb);
    // Aliases nesting deep anchors in deep lists: few nodes, thousands of levels.
    let mut deep = String::new();
    for k in 0..60 {
        let inner = if k == 0 {
            "x".to_string()
        } else {
            format!("*a{}", k - 1)
        };
        deep.push_str(&format!(
            "a{k}: &a{k} {}{inner}{}\n",
            "[".repeat(100),
            "]".repeat(100)
        ));
    }
    write(root, "bombs/alias-deep.yaml", deep);
    write(root, "bombs/deep.yaml", "[".repeat(100_000));
    write(root, "bombs/deep.json", "{\"a\":".repeat(50_000));
    write(
        root,
        "bombs/deep.toml",
        format!("name = 1\na = {}\n", "[".repeat(50_000)),
    );
    write(root, "bombs/deep.conf", "http {".repeat(50_000));
}

fn malformed(root: &Path) {
    write(root, "bad/broken.yaml", "kind: X\nspec: [1, 2\nother: }\n");
    write(root, "bad/broken.json", "{\"name\": [1, 2,, }\n");
    write(root, "bad/broken.toml", "name = \"x\"\n[table\nkey = \n");
    write(root, "bad/fly.toml", "app = 'x'\n[[http_service.checks\n");
    write(
        root,
        "bad/nginx.conf",
        "http {\n  server {\n    listen 80\n",
    );
    write(
        root,
        "bad/.env",
        "GOOD=1\nthis line has no equals\n=novalue\nQ=\"open\n",
    );
}

fn env_shapes(root: &Path) {
    write(
        root,
        "envs/.env",
        "# production\nexport API_URL=\"https://api.example.com\"\nJWT_SECRET='dev'\nMULTI=\"line one\nline two\"\nJWT_SECRET=\"kY8#vQ2$mN7@pL4!xR9%wT3^zB6&cF1*\"\nEMPTY_TOKEN=\nexport   SPACED = value # comment\n",
    );
    write(
        root,
        "envs/.env.example",
        "API_URL=\nJWT_SECRET=\nMULTI=\nEMPTY_TOKEN=\nSPACED=\n",
    );
}

fn control_names(root: &Path) {
    write(
        root,
        "ctl/evil\u{1b}]0;pwned\u{7}.yaml",
        "kind: Deployment\nspec:\n  \"\u{1b}[31mred\": 1\n",
    );
    write(root, "ctl/new\nline.yaml", "kind: X\n");
}

fn no_escape_bytes(what: &str, out: &[u8]) {
    assert!(!out.contains(&0x1b), "{what}: ESC byte in output");
    assert!(
        !String::from_utf8_lossy(out).contains("\\u001b"),
        "{what}: escaped ESC in output"
    );
}

// ---------------------------------------------------------------------------------
// One scan per hostile shape.
// ---------------------------------------------------------------------------------

#[test]
fn invalid_utf8_nul_crlf_and_bom() {
    let dir = tempfile::tempdir().unwrap();
    invalid_utf8(dir.path());
    nul_bytes(dir.path());
    crlf_and_bom(dir.path());
    let json = scan_json(dir.path(), "encodings");
    assert_eq!(count(&json, "skipped_binary"), 1);
    // Lossily decoded, still matched at the right line.
    assert!(failing_at(&json, "HOST005")
        .iter()
        .any(|l| l["path"] == "app/latin1.py" && l["line"] == 2));
    // BOM and CRLF do not shift lines: `replicas: 1` is on line 6.
    let k8s = failing_at(&json, "HOST006");
    assert!(
        k8s.iter()
            .any(|l| l["path"] == "k8s/deploy.yaml" && l["line"] == 6),
        "{k8s:?}"
    );
    assert!(failing_at(&json, "ENV001")
        .iter()
        .any(|l| l["path"] == "svc/.env" && l["line"] == 2));
}

#[test]
fn giant_sparse_and_single_line_files() {
    let dir = tempfile::tempdir().unwrap();
    sparse_giant(dir.path());
    long_lines(dir.path());
    let json = scan_json(dir.path(), "giant files");
    assert_eq!(count(&json, "skipped_too_large"), 2);
    // The 1.5 MB line is read; its many matches are capped per file.
    let hits = failing_at(&json, "HOST005");
    assert!(!hits.is_empty() && hits.len() <= 25, "{}", hits.len());
}

#[test]
fn ten_thousand_nested_folders() {
    let dir = tempfile::tempdir().unwrap();
    let _guard = nested(dir.path(), 10_000);
    write(dir.path(), "top.yaml", "kind: Top\n");
    let json = scan_json(dir.path(), "nested folders");
    // Past PATH_MAX the walk cannot go on: that is reported, and the rest is scanned.
    let deep_problem = problems(&json)
        .iter()
        .any(|(p, _)| p.starts_with("deep/d/d/d"));
    assert!(deep_problem, "{:?}", problems(&json).len());
    assert!(count(&json, "files_seen") >= 1);
}

#[test]
fn symlinks_are_never_followed() {
    let outside = outside_dir();
    let dir = tempfile::tempdir().unwrap();
    symlinks(dir.path(), outside.path());
    let json = scan_json(dir.path(), "symlinks");
    let text = json.to_string();
    assert!(!text.contains(OUTSIDE_SECRET));
    assert!(
        count(&json, "symlinks_skipped") >= 8,
        "{}",
        count(&json, "symlinks_skipped")
    );
    // Links are neither env files nor documents; the symlinked .gitignore was not
    // used (its `*` would have hidden real.yaml) and is reported.
    assert!(json["inventory"]["env_files"]
        .as_array()
        .unwrap()
        .is_empty());
    assert!(
        has_problem(&json, "links/.gitignore", "symlink"),
        "{:?}",
        problems(&json)
    );
    assert!(failing_at(&json, "HOST004").is_empty());
    assert!(text.contains("links/real.yaml") || count(&json, "files_read") >= 1);
    // The table too.
    let rules_dir = tempfile::tempdir().unwrap();
    let out = run(
        bin()
            .arg("scan")
            .arg(dir.path())
            .arg("--show-passed")
            .arg("--rules")
            .arg(rules_file(rules_dir.path())),
        "symlinks table",
    );
    assert!(!String::from_utf8_lossy(&out.stdout).contains(OUTSIDE_SECRET));
}

/// A link is never followed, but its name exists: lemmy's `.dockerignore -> .gitignore`
/// is a `.dockerignore` for DKR008, whose only question is whether one exists.
#[test]
fn a_symlinked_file_exists_for_existence_rules() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "Dockerfile", "FROM alpine:3.20\nCOPY . /app\n");
    write(dir.path(), ".gitignore", "target\n");
    let outcome = |what: &str| {
        let out = run(
            bin()
                .arg("scan")
                .arg(dir.path())
                .args(["--format", "json", "--fail-on", "never"]),
            what,
        );
        let json: Value = serde_json::from_slice(&out.stdout).unwrap();
        json["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["rule_id"] == "DKR008")
            .map(|f| f["outcome"].as_str().unwrap().to_string())
    };
    assert_eq!(outcome("no .dockerignore").as_deref(), Some("fail"));
    symlink(".gitignore", dir.path().join(".dockerignore")).unwrap();
    assert_eq!(outcome("symlinked .dockerignore").as_deref(), Some("pass"));
}

#[test]
fn fifos_and_devices_never_block_the_walk() {
    let dir = tempfile::tempdir().unwrap();
    let fifos = special_files(dir.path());
    let json = scan_json(dir.path(), "special files");
    assert!(
        has_problem(&json, "special/.launchgateignore", "symlink"),
        "{:?}",
        problems(&json)
    );
    if fifos {
        assert!(has_problem(
            &json,
            "special/sub/.gitignore",
            "not a regular file"
        ));
    } else {
        eprintln!("note: mkfifo unavailable; FIFO cases skipped");
    }
    assert!(failing_at(&json, "HOST004").is_empty());
}

#[test]
fn unreadable_files_and_folders_are_reported() {
    let dir = tempfile::tempdir().unwrap();
    let enforced = permissions_enforced(dir.path());
    unreadable(dir.path());
    let json = scan_json(dir.path(), "unreadable");
    relock(dir.path());
    if enforced {
        assert!(
            has_problem(&json, "locked/secret.yaml", "cannot read"),
            "{:?}",
            problems(&json)
        );
        assert!(
            has_problem(&json, "locked-dir", "cannot read"),
            "{:?}",
            problems(&json)
        );
    } else {
        // Running as root: permission bits do not apply, so the weaker property is
        // that the scan completes and sees the files (checked above and here).
        eprintln!("note: running with privileges; chmod 000 does not deny reads");
        assert!(count(&json, "files_seen") >= 2);
    }
}

#[test]
fn alias_bombs_deep_nesting_and_malformed_documents() {
    let dir = tempfile::tempdir().unwrap();
    bombs(dir.path());
    malformed(dir.path());
    let json = scan_json(dir.path(), "documents");
    let expect = [
        ("bombs/docker-compose.yml", "alias bomb"),
        ("bombs/alias-deep.yaml", "nesting deeper"),
        // The YAML parser's own recursion limit or ours, whichever comes first.
        ("bombs/deep.yaml", "not parsed as Yaml"),
        ("bombs/deep.json", "not parsed as Json"),
        ("bombs/deep.toml", "nested too deeply"),
        ("bombs/deep.conf", "nested deeper"),
        ("bad/broken.yaml", "not parsed"),
        ("bad/broken.json", "not parsed"),
        ("bad/broken.toml", "not parsed"),
        ("bad/fly.toml", "not parsed as Toml"),
        ("bad/nginx.conf", "missing its"),
        ("bad/.env", "expected KEY=VALUE"),
        ("bad/.env", "unterminated"),
    ];
    for (path, message) in expect {
        assert!(
            has_problem(&json, path, message),
            "{path}: {message}\n{:#?}",
            problems(&json)
        );
    }
    // Problems carry the line they are about.
    for p in json["inventory"]["problems"].as_array().unwrap() {
        if p["path"] == "bad/.env" {
            assert!(p["line"].as_u64().unwrap() >= 2, "{p}");
        }
    }
}

#[test]
fn env_file_shapes() {
    let dir = tempfile::tempdir().unwrap();
    env_shapes(dir.path());
    let json = scan_json(dir.path(), "env shapes");
    assert!(problems(&json).is_empty(), "{:?}", problems(&json));
    let env = &json["inventory"]["env_files"];
    assert!(env.to_string().contains("\"production\""), "{env}");
    // The last assignment of a duplicate key counts: the strong secret on line 6.
    assert!(failing_at(&json, "ENV008").is_empty());
    assert!(failing_at(&json, "ENV001")
        .iter()
        .any(|l| l["path"] == "envs/.env" && l["line"] == 7));
}

#[test]
fn control_characters_in_names_and_keys_never_reach_the_terminal() {
    let dir = tempfile::tempdir().unwrap();
    control_names(dir.path());
    let json = scan_json(dir.path(), "control characters");
    no_escape_bytes("json", json.to_string().as_bytes());
    let out = run(
        bin()
            .arg("scan")
            .arg(dir.path())
            .args(["--show-passed", "--color", "never"]),
        "control characters table",
    );
    no_escape_bytes("table", &out.stdout);
}

// ---------------------------------------------------------------------------------
// The whole corpus at once: read-only, determinism, secrets.
// ---------------------------------------------------------------------------------

/// Fields drop in order: the nested chain is taken apart before the folder goes.
struct Corpus {
    _nested: Nested,
    dir: tempfile::TempDir,
    _outside: tempfile::TempDir,
}

impl Drop for Corpus {
    fn drop(&mut self) {
        relock(&self.dir.path().join("unreadable"));
    }
}

fn corpus() -> Corpus {
    let outside = outside_dir();
    let dir = tempfile::tempdir().unwrap();
    let part = |name: &str| {
        let p = dir.path().join(name);
        std::fs::create_dir_all(&p).unwrap();
        p
    };
    invalid_utf8(&part("encodings"));
    nul_bytes(&part("encodings"));
    crlf_and_bom(&part("encodings"));
    sparse_giant(&part("giants"));
    long_lines(&part("giants"));
    // Past PATH_MAX already (the 10,000-level case has its own test).
    let nested = nested(&part("nested"), 2_500);
    symlinks(&part("symlinks"), outside.path());
    special_files(&part("special"));
    unreadable(&part("unreadable"));
    bombs(&part("documents"));
    malformed(&part("documents"));
    env_shapes(&part("env"));
    control_names(&part("names"));
    write(dir.path(), ".env.production", "JWT_SECRET=dev\n");
    Corpus {
        dir,
        _outside: outside,
        _nested: nested,
    }
}

/// Contents, modes, sizes and modification times of everything under `root`,
/// without following links or opening anything but regular files. Files above
/// 8 MiB (the sparse giant) are fingerprinted by their first and last MiB.
fn fingerprint(root: &Path) -> BTreeMap<String, String> {
    fn content(path: &Path, size: u64) -> String {
        use std::io::{Read, Seek, SeekFrom};
        let Ok(mut f) = std::fs::File::open(path) else {
            return "unreadable".into();
        };
        let mut bytes = Vec::new();
        if size > 8 << 20 {
            let mut head = vec![0; 1 << 20];
            let _ = f.read_exact(&mut head);
            let _ = f.seek(SeekFrom::End(-(1 << 20)));
            let mut tail = vec![0; 1 << 20];
            let _ = f.read_exact(&mut tail);
            bytes.extend(head);
            bytes.extend(tail);
        } else {
            let _ = f.read_to_end(&mut bytes);
        }
        // FNV-1a: enough to notice any change.
        let h = bytes.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
            (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3)
        });
        format!("{h:016x}")
    }
    let mut out = BTreeMap::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        // Past PATH_MAX nothing can be opened by path, by us or by the scan.
        if dir.as_os_str().len() > 3500 {
            continue;
        }
        let Ok(entries) = std::fs::read_dir(&dir) else {
            out.insert(dir.display().to_string(), "unlistable".into());
            continue;
        };
        for e in entries.flatten() {
            let path = e.path();
            let Ok(meta) = std::fs::symlink_metadata(&path) else {
                continue;
            };
            let kind = meta.file_type();
            let body = if kind.is_symlink() {
                format!("-> {}", std::fs::read_link(&path).unwrap().display())
            } else if kind.is_file() {
                content(&path, meta.len())
            } else {
                String::new()
            };
            out.insert(
                path.display().to_string(),
                format!(
                    "{:o} {} {}.{} {body}",
                    meta.mode(),
                    meta.len(),
                    meta.mtime(),
                    meta.mtime_nsec()
                ),
            );
            if kind.is_dir() {
                stack.push(path);
            }
        }
    }
    out
}

fn is_empty_dir(dir: &Path) -> bool {
    std::fs::read_dir(dir).unwrap().next().is_none()
}

#[test]
fn the_whole_corpus_read_only_deterministic_and_without_outside_secrets() {
    let corpus = corpus();
    let root = corpus.dir.path();
    let rules_dir = tempfile::tempdir().unwrap();
    let rules = rules_file(rules_dir.path());
    let before = fingerprint(root);
    assert!(before.len() > 40, "{}", before.len());

    // Every format at once into files; the working directory, HOME and TMPDIR are
    // empty folders that must stay empty.
    let cwd = tempfile::tempdir().unwrap();
    let home = tempfile::tempdir().unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let reports = tempfile::tempdir().unwrap();
    let formats = launchgate::report::Format::NAMES;
    let mut cmd = bin();
    cmd.current_dir(cwd.path())
        .env("HOME", home.path())
        .env("TMPDIR", tmp.path())
        .env("XDG_CACHE_HOME", home.path().join("cache"))
        .env("XDG_CONFIG_HOME", home.path().join("config"))
        .arg("scan")
        .arg(root)
        .arg("--rules")
        .arg(&rules);
    for f in formats {
        cmd.arg("--format").arg(format!(
            "{f}={}",
            reports.path().join(format!("report.{f}")).display()
        ));
    }
    let out = run(&mut cmd, "corpus, every format");
    assert!(out.code <= 1, "{}", out.stderr);
    assert!(is_empty_dir(cwd.path()), "wrote into the working directory");
    assert!(is_empty_dir(home.path()), "wrote into HOME");
    assert!(is_empty_dir(tmp.path()), "wrote into TMPDIR");
    let written: Vec<String> = std::fs::read_dir(reports.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(written.len(), formats.len(), "{written:?}");
    for name in &written {
        let text = std::fs::read(reports.path().join(name)).unwrap();
        assert!(
            !String::from_utf8_lossy(&text).contains(OUTSIDE_SECRET),
            "{name} holds the outside secret"
        );
        no_escape_bytes(name, &text);
    }

    // Byte-identical across runs and `--jobs` values, JSON and table.
    let report = |format: &str, jobs: &str| {
        run(
            bin()
                .current_dir(cwd.path())
                .arg("scan")
                .arg(root)
                .args(["--format", format, "--jobs", jobs, "--rules"])
                .arg(&rules),
            "corpus determinism",
        )
        .stdout
    };
    let json_report = report("json", "0");
    assert!(!json_report.is_empty());
    assert_eq!(json_report, report("json", "0"), "json: two runs differ");
    assert_eq!(json_report, report("json", "1"), "json: --jobs 1 differs");
    let table = report("table", "0");
    assert_eq!(table, report("table", "1"), "table: --jobs 1 differs");
    let json: Value = serde_json::from_slice(&json_report).unwrap();
    for (path, message) in [
        ("documents/bombs/docker-compose.yml", "alias bomb"),
        ("symlinks/links/.gitignore", "symlink"),
        ("special/special/.launchgateignore", "symlink"),
        ("nested/deep/d/d", ""),
    ] {
        assert!(
            has_problem(&json, path, message),
            "{path}\n{:#?}",
            problems(&json)
        );
    }
    assert!(count(&json, "skipped_too_large") >= 2);
    assert!(count(&json, "skipped_binary") >= 1);

    // Nothing in the target changed: contents, modes, sizes, times.
    let after = fingerprint(root);
    assert_eq!(before.len(), after.len());
    for (path, was) in &before {
        assert_eq!(Some(was), after.get(path), "{path} changed");
    }
}

// ---------------------------------------------------------------------------------
// Hostile rule files and configs: clear errors with positions, exit 2.
// ---------------------------------------------------------------------------------

const RULE_HEAD: &str = "[[rule]]\nid = \"R1\"\ntitle = \"t\"\ncategory = \"advisory\"\narea = \"quality\"\neffort = \"15m\"\nremediation = \"r\"\n";

fn generated_pack(n: usize, broken: bool) -> String {
    let mut s = String::new();
    for i in 0..n {
        s.push_str(&format!(
            "[[rule]]\nid = \"GEN{i:05}\"\ntitle = \"Generated {i}\"\ncategory = \"{}\"\narea = \"quality\"\neffort = \"15m\"\nremediation = \"r\"\n[rule.content]\npaths = [\"**/*.txt\"]\npattern = '{}needle{i}\\b'\nmust = \"not-match\"\n\n",
            if broken { "advisory-ish" } else { "advisory" },
            if broken { "(" } else { "" },
        ));
    }
    s
}

#[test]
fn hostile_rule_files_give_positioned_errors() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let mut cases: Vec<(&str, Vec<u8>, &str)> = vec![
        (
            "huge-regex.toml",
            format!("{RULE_HEAD}[rule.content]\npaths = [\"**/*\"]\npattern = '(?:a{{1000}}){{1000}}'\nmust = \"not-match\"\n").into_bytes(),
            "size limit",
        ),
        (
            "bad-globs.toml",
            format!("{RULE_HEAD}[rule.content]\npaths = [\"**/[\", \"a/{{b,{{c\", \"/abs\", \"a\\\\b\"]\npattern = 'x'\nmust = \"not-match\"\n").into_bytes(),
            "invalid glob",
        ),
        (
            "deep-tables.toml",
            format!("[{}]\nx = 1\n", vec!["a"; 5_000].join(".")).into_bytes(),
            "nested too deeply",
        ),
        (
            "deep-arrays.toml",
            format!("x = {}\n", "[".repeat(100_000)).into_bytes(),
            "nested too deeply",
        ),
        (
            "deep-inline.toml",
            format!("x = {}1{}\n", "{a = ".repeat(5_000), "}".repeat(5_000)).into_bytes(),
            "nested too deeply",
        ),
        (
            "wrong-types.toml",
            b"[[rule]]\nid = 5\ntitle = [\"t\"]\ncategory = true\narea = 1.5\neffort = {}\nremediation = 3\nweight = \"heavy\"\n[rule.content]\npaths = 7\npattern = []\nmust = false\n".to_vec(),
            "must be a string",
        ),
        (
            "not-arrays.toml",
            b"rule = \"x\"\nstack = 3\noverride = {a = 1}\n".to_vec(),
            "must be an array of tables",
        ),
        (
            "structured.toml",
            format!("{RULE_HEAD}[rule.structured]\npaths = [\"**/*.conf\"]\nformat = \"nginxx\"\nselect = \"a..b\"\nassert = [{{ path = \"x[\", op = \"equals\" }}]\n").into_bytes(),
            "expected one of: yaml, json, toml, nginx",
        ),
        ("nul.toml", format!("{RULE_HEAD}\0").into_bytes(), "unexpected character"),
        ("invalid-utf8.toml", b"[[rule]]\nid = \"\xff\"\n".to_vec(), "not valid UTF-8"),
        (
            "many-broken.toml",
            generated_pack(5_000, true).into_bytes(),
            "unknown category",
        ),
    ];
    cases.push((
        "huge-file.toml",
        format!(
            "{RULE_HEAD}[rule.file]\npaths = [\"x\"]\nmust = \"exist\"\nbogus = \"{}\"\n",
            "y".repeat(3 << 20)
        )
        .into_bytes(),
        "unknown field `bogus`",
    ));
    for (name, bytes, needle) in cases {
        let path = d.join(name);
        std::fs::write(&path, bytes).unwrap();
        let out = run(bin().args(["rules", "check"]).arg(&path), name);
        assert_eq!(out.code, 2, "{name}: {}", out.stderr);
        let first = out.stderr.lines().next().unwrap_or_default();
        let prefix = format!("{}:", path.display());
        let rest = first
            .strip_prefix(&prefix)
            .unwrap_or_else(|| panic!("{name}: {first}"));
        let mut parts = rest.splitn(3, ':');
        let line: u32 = parts
            .next()
            .unwrap()
            .parse()
            .unwrap_or_else(|_| panic!("{name}: {first}"));
        let col: u32 = parts
            .next()
            .unwrap()
            .parse()
            .unwrap_or_else(|_| panic!("{name}: {first}"));
        assert!(line >= 1 && col >= 1, "{name}: {first}");
        assert!(
            out.stderr.contains(needle),
            "{name}: expected `{needle}` in\n{}",
            clip(&out.stderr)
        );
        // Excerpts are bounded: a 3 MB line is not echoed.
        assert!(
            out.stderr.lines().all(|l| l.len() < 2_000),
            "{name}: huge excerpt"
        );
        // The same file given to `scan` is a usage error too.
        let empty = tempfile::tempdir().unwrap();
        let out = run(
            bin()
                .arg("scan")
                .arg(empty.path())
                .arg("--rules")
                .arg(&path),
            name,
        );
        assert_eq!(out.code, 2, "{name} via scan");
    }
    // Every one of the 10,000 problems of the broken pack is listed.
    let out = run(
        bin()
            .args(["rules", "check"])
            .arg(d.join("many-broken.toml")),
        "many broken",
    );
    assert!(
        out.stderr.contains("(10000 problem(s))"),
        "{}",
        clip(&out.stderr)
    );
}

fn clip(s: &str) -> String {
    s.chars().take(3000).collect()
}

#[test]
fn five_thousand_generated_rules_load_and_scan() {
    let dir = tempfile::tempdir().unwrap();
    let pack = dir.path().join("pack.toml");
    std::fs::write(&pack, generated_pack(5_000, false)).unwrap();
    let out = run(bin().args(["rules", "check"]).arg(&pack), "5000 rules");
    assert_eq!(out.code, 0, "{}", out.stderr);
    let repo = tempfile::tempdir().unwrap();
    write(repo.path(), "notes.txt", "needle42 and needle4999\n");
    let out = run(
        bin()
            .arg("scan")
            .arg(repo.path())
            .args(["--format", "json", "--no-builtin", "--rules"])
            .arg(&pack),
        "5000 rules scan",
    );
    let json: Value = serde_json::from_slice(&out.stdout).unwrap();
    let failing: Vec<&str> = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["outcome"] == "fail")
        .map(|f| f["rule_id"].as_str().unwrap())
        .collect();
    assert_eq!(failing, ["GEN00042", "GEN04999"]);
}

#[test]
fn hostile_project_configs_give_positioned_errors() {
    for (name, text) in [
        ("deep", format!("[{}]\nx = 1\n", vec!["a"; 5_000].join("."))),
        (
            "types",
            "urls = 5\n[gate]\nfail_on = 3\nmin_score = \"x\"\n".to_string(),
        ),
        ("syntax", "[gate\nfail_on = \n".to_string()),
    ] {
        let repo = tempfile::tempdir().unwrap();
        std::fs::write(repo.path().join("launchgate.toml"), text).unwrap();
        let out = run(bin().arg("scan").arg(repo.path()).arg("--offline"), name);
        assert_eq!(out.code, 2, "{name}: {}", out.stderr);
        assert!(
            out.stderr.contains("launchgate.toml:"),
            "{name}: {}",
            out.stderr
        );
    }
}

// ---------------------------------------------------------------------------------
// Hostile servers, all in one `launchgate probe` run.
// ---------------------------------------------------------------------------------

#[test]
fn one_probe_run_survives_every_hostile_server() {
    let pki = Pki::new();
    let servers = Servers::new();
    let leaf = |name: &str| pki.leaf(&[name], 2020, 2090);
    let good = servers.https(
        leaf("good.test"),
        ok(&[
            ("Strict-Transport-Security", "max-age=63072000"),
            ("X-Content-Type-Options", "nosniff"),
        ]),
    );
    let slow = servers.https(leaf("slow.test"), handler(|_| Reply::Slowloris));
    let stall = servers.https(leaf("stall.test"), handler(|_| Reply::Stall));
    let huge = servers.https(leaf("huge.test"), huge_header());
    let redirects = servers.http(handler(|req| {
        let n: u64 = req.path.trim_start_matches("/r").parse().unwrap_or(0);
        response(302, &[("Location", &format!("/r{}", n + 1))])
    }));
    let garbage = servers.raw(Raw::Garbage);
    let reset = servers.raw(Raw::Reset);
    let silent = servers.raw(Raw::Silent);
    let closed = closed_port();
    let urls = [
        format!("https://good.test:{good}/"),
        format!("https://slow.test:{slow}/"),
        format!("https://stall.test:{stall}/"),
        format!("https://huge.test:{huge}/"),
        format!("http://127.0.0.1:{redirects}/r0"),
        format!("https://127.0.0.1:{garbage}/"),
        format!("https://127.0.0.1:{reset}/"),
        format!("https://127.0.0.1:{silent}/"),
        format!("https://127.0.0.1:{closed}/"),
    ];
    let dir = tempfile::tempdir().unwrap();
    let ca = dir.path().join("ca.pem");
    std::fs::write(&ca, &pki.ca_pem).unwrap();
    let mut cmd = bin();
    cmd.arg("probe").args(&urls).arg("--ca-cert").arg(&ca);
    for (host, port) in [
        ("good.test", good),
        ("slow.test", slow),
        ("stall.test", stall),
        ("huge.test", huge),
    ] {
        cmd.args(["--resolve", &format!("{host}:{port}:127.0.0.1")]);
    }
    cmd.args(["--timeout", "2", "--deadline", "20", "--format", "json"]);
    let start = Instant::now();
    let out = run(&mut cmd, "hostile servers");
    let elapsed = start.elapsed();
    assert!(elapsed < Duration::from_secs(30), "{elapsed:?}");
    assert_eq!(out.code, 1, "{}", out.stderr);
    let json: Value = serde_json::from_slice(&out.stdout).unwrap();
    let probes = json["probes"].as_array().unwrap();
    assert_eq!(probes.len(), urls.len());
    let findings = json["findings"].as_array().unwrap();
    for (url, probe) in urls.iter().zip(probes) {
        assert_eq!(probe["url"], *url);
        let failing_here = findings
            .iter()
            .any(|f| f["outcome"] == "fail" && f["location"]["url"] == *url);
        if url.contains("good.test") {
            // The good server is fully probed despite its neighbours.
            assert_eq!(probe["reachable"], true, "{probe}");
            assert!(probe["errors"].as_array().unwrap().is_empty(), "{probe}");
            assert!(
                probe["tls_grade"].is_string() && probe["observatory_grade"].is_string(),
                "{probe}"
            );
        } else {
            let errors = probe["errors"].as_array().unwrap();
            assert!(!errors.is_empty() || failing_here, "{url}: {probe}");
        }
    }
    let error_of = |i: usize| probes[i]["errors"].to_string();
    assert!(error_of(1).contains("timed out"), "{}", error_of(1));
    assert!(error_of(2).contains("timed out"), "{}", error_of(2));
    assert!(error_of(3).contains("exceed"), "{}", error_of(3));
    assert!(error_of(4).contains("redirect"), "{}", error_of(4));
    assert!(
        error_of(5).contains("TLS handshake failed"),
        "{}",
        error_of(5)
    );
    assert!(error_of(7).contains("timed out"), "{}", error_of(7));
}
