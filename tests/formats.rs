//! The report formats end to end: SARIF against the official 2.1.0 schema, JUnit through
//! a real XML parser, GitHub annotations, Markdown, badge and HTML (rendered by
//! headless Chromium when it is installed), `--format NAME=PATH`, determinism,
//! redaction, and the published JSON Schema of the JSON report.

use assert_cmd::Command;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Output;

const SECRETS: [&str; 3] = ["dev-jwt-secret-key", "roofradar123", "dev-secret-change-me"];
const FORMATS: [&str; 8] = [
    "table", "json", "sarif", "junit", "markdown", "github", "badge", "html",
];

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn project(name: &str) -> PathBuf {
    root().join("fixtures/projects").join(name)
}

fn launchgate_in(dir: &Path) -> Command {
    let mut c = Command::cargo_bin("launchgate").unwrap();
    c.current_dir(dir);
    c
}

fn json_report(project_name: &str) -> Value {
    let out = launchgate_in(root())
        .args([
            "scan",
            &format!("fixtures/projects/{project_name}"),
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    serde_json::from_slice(&out.stdout).unwrap()
}

fn failing(json: &Value) -> Vec<&Value> {
    json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["outcome"] == "fail")
        .collect()
}

/// Failing occurrences that count: not silenced by a suppression.
fn active(json: &Value) -> Vec<&Value> {
    failing(json)
        .into_iter()
        .filter(|f| f["suppressed"].is_null())
        .collect()
}

/// The SARIF schema CI has beside the repository (`../shared/schemas`), else the copy
/// committed under `tests/schemas/`: the test never skips for want of it.
fn sarif_schema() -> Value {
    let shared = root().join("../shared/schemas/sarif-2.1.0.json");
    let path = if shared.is_file() {
        shared
    } else {
        root().join("tests/schemas/sarif-2.1.0.json")
    };
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap())
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn assert_valid(schema: &Value, instance: &Value, what: &str) {
    let validator = jsonschema::options()
        .should_validate_formats(true)
        .build(schema)
        .unwrap_or_else(|e| panic!("schema for {what} does not compile: {e}"));
    let errors: Vec<String> = validator
        .iter_errors(instance)
        .take(20)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "{what} does not validate:\n{}",
        errors.join("\n")
    );
}

fn attr_count(node: roxmltree::Node<'_, '_>, name: &str) -> usize {
    node.attribute(name)
        .unwrap_or_else(|| panic!("<{}> lacks {name}", node.tag_name().name()))
        .parse()
        .unwrap()
}

fn location_text(f: &Value) -> String {
    let l = &f["location"];
    if let Some(p) = l["path"].as_str() {
        match (l["line"].as_u64(), l["column"].as_u64()) {
            (Some(line), Some(col)) => format!("{p}:{line}:{col}"),
            (Some(line), None) => format!("{p}:{line}"),
            _ => p.to_string(),
        }
    } else if let Some(u) = l["url"].as_str() {
        u.to_string()
    } else {
        "(repository)".to_string()
    }
}

#[test]
fn sarif_junit_and_github_in_one_run() {
    let dir = tempfile::tempdir().unwrap();
    let out = launchgate_in(dir.path())
        .arg("scan")
        .arg(project("not-ready"))
        .args([
            "--format",
            "sarif=r.sarif",
            "--format",
            "junit=r.xml",
            "--format",
            "github",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let json = json_report("not-ready");
    let fails = failing(&json);
    let counted = active(&json);

    // SARIF: valid against the official schema, and what GitHub code scanning needs.
    let sarif: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("r.sarif")).unwrap())
            .unwrap();
    assert_valid(&sarif_schema(), &sarif, "the SARIF report");
    assert_eq!(sarif["version"], "2.1.0");
    let run = &sarif["runs"][0];
    let driver = &run["tool"]["driver"];
    assert_eq!(driver["name"], "launchgate");
    let rules = driver["rules"].as_array().unwrap();
    assert_eq!(
        rules.len(),
        json["summary"]["rules"]["total"].as_u64().unwrap() as usize,
        "every rule of the pack is described"
    );
    for r in rules {
        for key in ["id", "name", "shortDescription", "fullDescription", "help"] {
            assert!(!r[key].is_null(), "rule {} lacks {key}", r["id"]);
        }
        assert!(r["properties"]["tags"].is_array());
        assert!(r["properties"]["category"].is_string());
    }
    let results = run["results"].as_array().unwrap();
    assert_eq!(results.len(), fails.len(), "one result per failing finding");
    for (r, f) in results.iter().zip(&fails) {
        assert_eq!(r["ruleId"], f["rule_id"], "report order");
        let idx = r["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rules[idx]["id"], r["ruleId"]);
        let expected_level = match f["category"].as_str().unwrap() {
            "zero-function" | "operational" => "error",
            "business" => "warning",
            _ => "note",
        };
        assert_eq!(r["level"], expected_level);
        assert_eq!(r["partialFingerprints"]["launchgate/v1"], f["fingerprint"]);
        // GitHub rejects a whole upload when one result lacks a physical location or
        // uses a URI with a scheme.
        let loc = &r["locations"][0]["physicalLocation"];
        let uri = loc["artifactLocation"]["uri"].as_str().unwrap();
        assert!(!uri.is_empty() && !uri.contains("://"), "{uri}");
        assert_eq!(loc["artifactLocation"]["uriBaseId"], "%SRCROOT%");
        if let Some(line) = f["location"]["line"].as_u64() {
            assert_eq!(loc["region"]["startLine"].as_u64(), Some(line));
        }
    }
    assert!(results.iter().any(|r| {
        r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == ".env"
            && r["ruleId"] == "ENV001"
    }));

    // JUnit: a real XML parser reads it, with the summary's counts.
    let xml = std::fs::read_to_string(dir.path().join("r.xml")).unwrap();
    let doc = roxmltree::Document::parse(&xml).unwrap();
    let suites = doc.root_element();
    assert_eq!(suites.tag_name().name(), "testsuites");
    let cases: Vec<_> = suites
        .descendants()
        .filter(|n| n.has_tag_name("testcase"))
        .collect();
    let count = |tag: &str| {
        cases
            .iter()
            .filter(|c| c.children().any(|n| n.has_tag_name(tag)))
            .count()
    };
    let rules_summary = &json["summary"]["rules"];
    let n = |k: &str| rules_summary[k].as_u64().unwrap() as usize;
    assert_eq!(cases.len(), n("total"));
    assert_eq!(count("failure"), n("failed"));
    assert_eq!(count("skipped"), n("not_applicable"));
    assert_eq!(count("error"), n("errors"));
    assert_eq!(attr_count(suites, "tests"), n("total"));
    assert_eq!(attr_count(suites, "failures"), n("failed"));
    assert_eq!(attr_count(suites, "skipped"), n("not_applicable"));
    for suite in suites.children().filter(|n| n.has_tag_name("testsuite")) {
        let in_suite: Vec<_> = suite
            .children()
            .filter(|n| n.has_tag_name("testcase"))
            .collect();
        assert_eq!(attr_count(suite, "tests"), in_suite.len());
        let failures = in_suite
            .iter()
            .filter(|c| c.children().any(|n| n.has_tag_name("failure")))
            .count();
        assert_eq!(attr_count(suite, "failures"), failures);
    }
    // Every failing occurrence is listed in its rule's <failure>.
    for f in &counted {
        let rule = f["rule_id"].as_str().unwrap();
        let case = cases
            .iter()
            .find(|c| {
                c.attribute("name")
                    .is_some_and(|n| n.starts_with(&format!("{rule}: ")))
            })
            .unwrap_or_else(|| panic!("no testcase for {rule}"));
        let failure = case.children().find(|n| n.has_tag_name("failure")).unwrap();
        let text = failure.text().unwrap_or("");
        let line = format!("{}: {}", location_text(f), f["message"].as_str().unwrap());
        assert!(text.contains(&line), "{rule}: `{line}` missing in\n{text}");
    }

    // GitHub annotations: one per failing finding, on the .env lines.
    let stdout = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), counted.len());
    for (line, f) in lines.iter().zip(&counted) {
        let expected = match f["category"].as_str().unwrap() {
            "zero-function" | "operational" => "::error ",
            "business" => "::warning ",
            _ => "::notice ",
        };
        assert!(line.starts_with(expected), "{line}");
        assert!(
            line.contains(&format!("title={} ", f["rule_id"].as_str().unwrap())),
            "{line}"
        );
        match f["location"]["path"].as_str() {
            Some(p) => assert!(line.contains(&format!("file={p}")), "{line}"),
            None => assert!(!line.contains("file="), "{line}"),
        }
    }
    for f in counted.iter().filter(|f| f["rule_id"] == "ENV001") {
        let at = format!(
            "::error file=.env,line={},col=1,title=ENV001 ",
            f["location"]["line"]
        );
        assert!(
            lines.iter().any(|l| l.starts_with(&at)),
            "no annotation {at}"
        );
    }
    for secret in SECRETS {
        assert!(!stdout.contains(secret));
        assert!(!xml.contains(secret));
        assert!(!sarif.to_string().contains(secret));
    }
}

/// Runs one scan of the not-ready project writing every format: `stdout_format` to
/// standard output, the others to files. Returns format name → bytes.
fn all_formats(dir: &Path, stdout_format: &str) -> Vec<(String, Vec<u8>)> {
    let mut cmd = launchgate_in(dir);
    cmd.arg("scan").arg(project("not-ready"));
    for f in FORMATS.iter().filter(|f| **f != stdout_format) {
        cmd.args(["--format", &format!("{f}=out.{f}")]);
    }
    cmd.args(["--format", stdout_format]);
    let out = cmd.output().unwrap();
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    FORMATS
        .iter()
        .map(|f| {
            let bytes = if *f == stdout_format {
                out.stdout.clone()
            } else {
                std::fs::read(dir.join(format!("out.{f}"))).unwrap()
            };
            (f.to_string(), bytes)
        })
        .collect()
}

#[test]
fn every_format_is_byte_identical_and_never_shows_a_secret() {
    let a = tempfile::tempdir().unwrap();
    let b = tempfile::tempdir().unwrap();
    let first = all_formats(a.path(), "table");
    // A second run, with a different format on standard output: a file and standard
    // output carry the same bytes.
    let second = all_formats(b.path(), "json");
    for ((name, x), (_, y)) in first.iter().zip(&second) {
        assert!(!x.is_empty(), "{name} is empty");
        assert!(x == y, "{name} differs between runs");
        let text = String::from_utf8(x.clone()).unwrap();
        for secret in SECRETS {
            assert!(!text.contains(secret), "{name} shows `{secret}`");
        }
        assert!(!text.contains('\u{1b}'), "{name} has colour codes");
    }

    // Same findings, same order: the JSON report's order.
    let get =
        |n: &str| String::from_utf8(first.iter().find(|(f, _)| f == n).unwrap().1.clone()).unwrap();
    let json: Value = serde_json::from_str(&get("json")).unwrap();
    let all: Vec<&Value> = json["findings"].as_array().unwrap().iter().collect();
    let fail_ids: Vec<&str> = active(&json)
        .iter()
        .map(|f| f["rule_id"].as_str().unwrap())
        .collect();
    let html = get("html");
    let html_ids: Vec<&str> = html
        .split("<tr class=\"finding\"")
        .skip(1)
        .map(|row| {
            let start = row.find("<code>").unwrap() + 6;
            &row[start..start + row[start..].find("</code>").unwrap()]
        })
        .collect();
    let all_ids: Vec<&str> = all.iter().map(|f| f["rule_id"].as_str().unwrap()).collect();
    assert_eq!(html_ids, all_ids, "HTML lists every entry in report order");
    let md = get("markdown");
    let mut pos = 0;
    for (f, id) in active(&json).iter().zip(&fail_ids) {
        let cell = format!("| `{id}` | ");
        let at = md[pos..]
            .find(&cell)
            .unwrap_or_else(|| panic!("markdown: {id} ({}) out of order", location_text(f)));
        pos += at + cell.len();
    }

    // Badge and Markdown say what the JSON says.
    let badge: Value = serde_json::from_str(&get("badge")).unwrap();
    let s = &json["summary"];
    assert_eq!(badge["schemaVersion"], 1);
    assert_eq!(badge["label"], "readiness");
    assert_eq!(
        badge["message"],
        format!(
            "{}% {}",
            s["score"].as_f64().unwrap(),
            s["grade"].as_str().unwrap()
        )
    );
    assert_eq!(badge["color"], "red");
    assert!(md.contains(&format!(
        "readiness **{}/100** · grade **{}**",
        s["score"].as_f64().unwrap(),
        s["grade"].as_str().unwrap()
    )));
    for reason in s["gate"]["reasons"].as_array().unwrap() {
        assert!(md.contains(reason.as_str().unwrap()));
    }
    assert!(md.contains("### Areas") && md.contains("### Remaining effort"));
    assert!(md.contains("<details><summary>"), "long tables are folded");
    assert!(md.contains("**Detected stack:**"));
}

#[test]
fn badge_colour_follows_the_grade() {
    let out = launchgate_in(root())
        .args(["scan", "fixtures/projects/clean", "--format", "badge"])
        .output()
        .unwrap();
    let badge: Value = serde_json::from_slice(&out.stdout).unwrap();
    let json = json_report("clean");
    let colour = match json["summary"]["grade"].as_str().unwrap() {
        "A" => "brightgreen",
        "B" => "green",
        "C" => "yellow",
        "D" => "orange",
        _ => "red",
    };
    assert_eq!(badge["color"], colour);
}

#[test]
fn format_arguments_are_checked_before_scanning() {
    let dir = tempfile::tempdir().unwrap();
    let cases: [(&[&str], &str); 5] = [
        (&["--format", "json", "--format", "github"], "at most one"),
        (&["--format", "yaml"], "sarif"),
        (&["--format", "sarif="], "file path"),
        (&["--format", "sarif=a", "--output", "b"], "--output"),
        (
            &["--format", "sarif=a", "--format", "junit=a"],
            "two reports",
        ),
    ];
    for (args, message) in cases {
        launchgate_in(dir.path())
            .arg("scan")
            .arg(project("clean"))
            .args(args)
            .assert()
            .code(2)
            .stderr(predicates::str::contains(message));
    }
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    // --output still redirects the single standard-output format.
    launchgate_in(dir.path())
        .arg("scan")
        .arg(project("clean"))
        .args([
            "--format",
            "sarif",
            "--output",
            "x.sarif",
            "--format",
            "badge=b.json",
        ])
        .assert()
        .code(0)
        .stdout("");
    assert!(dir.path().join("x.sarif").is_file() && dir.path().join("b.json").is_file());
}

/// A rule whose texts try to break every format's syntax.
const HOSTILE_RULES: &str = r#"
[[rule]]
id = "EVIL001"
title = "Title with <script>alert(1)</script> | pipes `ticks` & \"quotes\", colons: %0A"
category = "business"
area = "documentation"
effort = "1h"
description = "Breaks ]]> CDATA and <!-- comments -->"
remediation = "Fix | it `now` <b>bold</b> & [link](javascript:alert(1))"
references = ["https://example.com/a?b=1&c=<2>"]
message = "<img src=x onerror=alert(1)> | `x` & \"q\" 100% : , \u0007"
[rule.file]
paths = ["NO-SUCH-FILE-ANYWHERE"]
must = "exist"
"#;

#[test]
fn hostile_rule_texts_are_escaped_in_every_format() {
    let dir = tempfile::tempdir().unwrap();
    let rules = dir.path().join("evil.toml");
    std::fs::write(&rules, HOSTILE_RULES).unwrap();
    let mut cmd = launchgate_in(dir.path());
    cmd.arg("scan")
        .arg(project("nearly-ready"))
        .arg("--rules")
        .arg(&rules);
    for f in FORMATS {
        cmd.args(["--format", &format!("{f}=out.{f}")]);
    }
    let out = cmd.output().unwrap();
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let read = |f: &str| std::fs::read_to_string(dir.path().join(format!("out.{f}"))).unwrap();

    let html = read("html");
    assert!(!html.contains("<img src=x"), "HTML injection");
    assert!(html.contains("&lt;img src=x onerror=alert(1)&gt;"));
    assert!(!html.contains("<script>alert"));
    assert_eq!(
        html.matches("<script>").count(),
        1,
        "only the filter script"
    );

    let xml = read("junit");
    let doc = roxmltree::Document::parse(&xml).expect("JUnit stays well-formed");
    let case = doc
        .descendants()
        .find(|n| {
            n.has_tag_name("testcase")
                && n.attribute("name")
                    .is_some_and(|a| a.starts_with("EVIL001: "))
        })
        .unwrap();
    assert!(case
        .attribute("name")
        .unwrap()
        .contains("<script>alert(1)</script>"));
    let failure = case.children().find(|n| n.has_tag_name("failure")).unwrap();
    assert!(failure
        .text()
        .unwrap()
        .contains("<img src=x onerror=alert(1)>"));

    let md = read("markdown");
    let row = md
        .lines()
        .find(|l| l.starts_with("| `EVIL001` |"))
        .expect("markdown row");
    let unescaped_pipes = row
        .char_indices()
        .filter(|(i, c)| *c == '|' && (*i == 0 || row.as_bytes()[i - 1] != b'\\'))
        .count();
    assert_eq!(unescaped_pipes, 4, "three cells: {row}");
    assert!(!row.contains("<img"), "{row}");
    assert!(row.contains("\\`x\\`"), "{row}");

    let gh = read("github");
    let line = gh
        .lines()
        .find(|l| l.contains("title=EVIL001 "))
        .expect("annotation");
    assert!(line.starts_with("::warning title=EVIL001 "), "{line}");
    let (props, message) = line[2..].split_once("::").unwrap();
    assert!(!props.contains(':'), "{props}");
    assert!(props.contains("colons%3A %250A"), "{props}");
    assert!(message.contains("100%25 %3A") || message.contains("100%25 :"));
    assert!(!message.contains('\n'));

    let sarif: Value = serde_json::from_str(&read("sarif")).unwrap();
    assert_valid(&sarif_schema(), &sarif, "SARIF with hostile texts");
    let json: Value = serde_json::from_str(&read("json")).unwrap();
    assert!(failing(&json).iter().any(|f| f["rule_id"] == "EVIL001"));
}

/// The published schema with every object closed: a field the report emits but the
/// schema does not document fails the test (the published copy stays open, because
/// fields are added over time).
fn closed(schema: &Value) -> Value {
    match schema {
        Value::Object(map) => {
            let mut out: serde_json::Map<String, Value> = map
                .iter()
                .map(|(k, v)| {
                    if k == "properties" {
                        let props = v
                            .as_object()
                            .unwrap()
                            .iter()
                            .map(|(p, s)| (p.clone(), closed(s)))
                            .collect();
                        (k.clone(), Value::Object(props))
                    } else {
                        (k.clone(), closed(v))
                    }
                })
                .collect();
            if out.contains_key("properties") && !out.contains_key("additionalProperties") {
                out.insert("additionalProperties".into(), Value::Bool(false));
            }
            Value::Object(out)
        }
        Value::Array(items) => Value::Array(items.iter().map(closed).collect()),
        other => other.clone(),
    }
}

#[test]
fn json_reports_match_the_published_schema() {
    let schema: Value = serde_json::from_str(
        &std::fs::read_to_string(root().join("docs/report.schema.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(
        schema["$schema"],
        "https://json-schema.org/draft/2020-12/schema"
    );
    let strict = closed(&schema);
    for name in ["not-ready", "nearly-ready", "clean"] {
        let report = json_report(name);
        assert_valid(&schema, &report, &format!("the {name} JSON report"));
        assert_valid(
            &strict,
            &report,
            &format!("the {name} JSON report (every field documented in docs/report.schema.json)"),
        );
    }
    // The schema is not vacuous.
    let mut broken = json_report("clean");
    broken["summary"]["grade"] = Value::from("Z");
    let validator = jsonschema::validator_for(&schema).unwrap();
    assert!(!validator.is_valid(&broken));
}

// ---- HTML in a real browser --------------------------------------------------------

fn chromium() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("LAUNCHGATE_CHROMIUM") {
        return Some(PathBuf::from(p));
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .flat_map(|d| ["chromium", "chromium-browser"].map(|n| d.join(n)))
        .find(|p| p.is_file())
}

/// Runs headless Chromium on `url` with `extra` flags, killed after 90 s.
fn run_chromium(bin: &Path, profile: &Path, url: &str, extra: &[String]) -> Output {
    use std::io::Read;
    use std::process::Stdio;
    let mut child = std::process::Command::new(bin)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--no-first-run",
            "--enable-logging=stderr",
            "--v=0",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(extra)
        .arg(url)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start chromium");
    let mut stdout = child.stdout.take().unwrap();
    let mut stderr = child.stderr.take().unwrap();
    let out_reader = std::thread::spawn(move || {
        let mut v = Vec::new();
        let _ = stdout.read_to_end(&mut v);
        v
    });
    let err_reader = std::thread::spawn(move || {
        let mut v = Vec::new();
        let _ = stderr.read_to_end(&mut v);
        v
    });
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(90);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            panic!("chromium did not finish within 90 s");
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    };
    Output {
        status,
        stdout: out_reader.join().unwrap(),
        stderr: err_reader.join().unwrap(),
    }
}

fn console_lines(stderr: &[u8]) -> Vec<String> {
    String::from_utf8_lossy(stderr)
        .lines()
        .filter(|l| l.contains(":CONSOLE") || l.contains("Uncaught"))
        .map(str::to_string)
        .collect()
}

#[test]
fn html_report_is_self_contained_and_renders_in_chromium() {
    let dir = tempfile::tempdir().unwrap();
    launchgate_in(dir.path())
        .arg("scan")
        .arg(project("not-ready"))
        .args(["--format", "html=report.html"])
        .assert()
        .code(1);
    let file = dir.path().join("report.html");
    let html = std::fs::read_to_string(&file).unwrap();
    // Self-contained: no element that fetches, no CSS import, and a policy that
    // forbids fetching. Scanned text is escaped, so every `<` opens a real tag.
    for tag in html
        .split('<')
        .skip(1)
        .map(|t| &t[..t.find('>').unwrap_or(t.len())])
    {
        let name: String = tag
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '/' || *c == '!')
            .collect::<String>()
            .to_ascii_lowercase();
        assert!(
            ![
                "link", "img", "iframe", "object", "embed", "video", "audio", "source", "image",
                "use"
            ]
            .contains(&name.as_str()),
            "HTML has a <{name}> element"
        );
        assert!(
            !tag.contains(" src=") && !tag.contains("xlink:href"),
            "<{tag}>"
        );
    }
    assert!(!html.contains("@import") && !html.contains("url("));
    assert!(html.contains("Content-Security-Policy") && html.contains("default-src 'none'"));
    assert!(html.contains("<svg class=\"chart\""));

    let Some(bin) = chromium() else {
        eprintln!(
            "SKIP html_report_is_self_contained_and_renders_in_chromium: no `chromium` on PATH \
             (apt-get install chromium, or set LAUNCHGATE_CHROMIUM)"
        );
        return;
    };
    let url = format!("file://{}", file.display());
    let json = json_report("not-ready");
    let total = json["findings"].as_array().unwrap().len();

    // Rendered: a screenshot is written and the page logs nothing to the console.
    let shot = dir.path().join("shot.png");
    let out = run_chromium(
        &bin,
        &dir.path().join("profile-a"),
        &url,
        &[
            format!("--screenshot={}", shot.display()),
            "--window-size=1280,2000".to_string(),
        ],
    );
    let png = std::fs::read(&shot).unwrap_or_default();
    assert!(
        png.len() > 10_000 && png.starts_with(b"\x89PNG"),
        "no screenshot: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(console_lines(&out.stderr), Vec::<String>::new());

    // The script ran: the DOM after load has the filter applied (failing entries only
    // by default), and `#q=` filters by text.
    let out = run_chromium(
        &bin,
        &dir.path().join("profile-b"),
        &url,
        &["--dump-dom".to_string()],
    );
    assert_eq!(console_lines(&out.stderr), Vec::<String>::new());
    let dom = String::from_utf8_lossy(&out.stdout).to_string();
    let failing_or_error = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| {
            (f["outcome"] == "fail" && f["suppressed"].is_null()) || f["outcome"] == "error"
        })
        .count();
    assert!(
        dom.contains(&format!("{failing_or_error} of {total} entries shown")),
        "filter did not run:\n{}",
        &dom[..dom.len().min(2000)]
    );

    let out = run_chromium(
        &bin,
        &dir.path().join("profile-c"),
        &format!("{url}#q=ENV007"),
        &["--dump-dom".to_string()],
    );
    assert_eq!(console_lines(&out.stderr), Vec::<String>::new());
    let dom = String::from_utf8_lossy(&out.stdout).to_string();
    let rows: Vec<&str> = dom.split("<tr class=\"finding\"").skip(1).collect();
    assert_eq!(rows.len(), total);
    let visible: Vec<&&str> = rows
        .iter()
        .filter(|r| !r[..r.find('>').unwrap()].contains("hidden"))
        .collect();
    assert!(!visible.is_empty());
    assert!(visible.iter().all(|r| r.contains("ENV007")));
    assert!(dom.contains(&format!("{} of {total} entries shown", visible.len())));
}

#[test]
fn suppressed_and_baseline_findings_in_machine_formats() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("lg.toml"),
        "[[ignore]]\nrule = \"ENV001\"\nreason = \"injected by the platform at deploy time\"\n",
    )
    .unwrap();
    let base = launchgate_in(dir.path())
        .arg("scan")
        .arg(project("not-ready"))
        .args(["--format", "json=base.json"])
        .output()
        .unwrap();
    assert_eq!(base.status.code(), Some(1));
    let out = launchgate_in(dir.path())
        .arg("scan")
        .arg(project("not-ready"))
        .args(["--config", "lg.toml", "--baseline", "base.json"])
        .args(["--format", "sarif=r.sarif", "--format", "junit=r.xml"])
        .args(["--format", "json=r.json", "--format", "github"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let read = |f: &str| std::fs::read_to_string(dir.path().join(f)).unwrap();
    let json: Value = serde_json::from_str(&read("r.json")).unwrap();
    let suppressed = failing(&json)
        .iter()
        .filter(|f| !f["suppressed"].is_null())
        .count();
    assert!(suppressed > 0, "the ignore entry silenced nothing");

    let schema: Value = serde_json::from_str(
        &std::fs::read_to_string(root().join("docs/report.schema.json")).unwrap(),
    )
    .unwrap();
    assert_valid(
        &closed(&schema),
        &json,
        "a JSON report with suppressions and a baseline",
    );

    // SARIF keeps suppressed results, marked as such; the others carry a baseline state.
    let sarif: Value = serde_json::from_str(&read("r.sarif")).unwrap();
    assert_valid(&sarif_schema(), &sarif, "SARIF with suppressions");
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), failing(&json).len());
    let marked = results
        .iter()
        .filter(|r| r["suppressions"][0]["kind"] == "external")
        .count();
    assert_eq!(marked, suppressed);
    assert!(results
        .iter()
        .filter(|r| r["suppressions"].is_null())
        .all(|r| r["baselineState"] == "unchanged"));

    // JUnit and annotations count only what still counts.
    let xml = read("r.xml");
    let doc = roxmltree::Document::parse(&xml).unwrap();
    let failures = doc
        .descendants()
        .filter(|n| n.has_tag_name("failure"))
        .count();
    assert_eq!(
        failures as u64,
        json["summary"]["rules"]["failed"].as_u64().unwrap()
    );
    let gh = String::from_utf8(out.stdout).unwrap();
    assert_eq!(gh.lines().count(), active(&json).len());
    assert!(!gh.contains("title=ENV001 "));
}
