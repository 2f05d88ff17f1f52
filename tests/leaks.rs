//! No secret leaks: a repository seeded with distinctive secret values, scanned in
//! every report format the CLI offers (read from `Format::NAMES`, so a new format is
//! covered the day it is added), with `--verbose`, and through error paths (a
//! malformed env line, rule-file and config errors); a loopback server that sets
//! cookies and sends secret-looking headers, probed in every format. None of the
//! values may appear in stdout, stderr or any written file.

use crate::support::*;
use assert_cmd::Command;
use std::path::Path;
use std::time::Duration;

/// The distinctive part of every planted secret. A report may show the first few
/// characters of a long value (`sk_l… (40 chars)`), never these cores.
const CORES: [&str; 14] = [
    "QzStripeCoreQ7w3",
    "QzJwtCoreR8x2",
    "QzDbPassCoreT5",
    "QzAwsSecretCoreU4v9",
    "AKIAQZLEAKTESTX7Y3AB",
    "QzPemCoreLineV6",
    "QzEnvLoneTokenW2",
    "QzExportedCoreX1",
    "QzComposeCoreY9",
    "QzK8sCoreZ3a",
    "QzDockerCoreB4",
    "QzSourceCoreC5",
    "QzNginxCoreD6",
    "QzJsonCoreE7",
];

fn write(root: &Path, rel: &str, text: &str) {
    let path = root.join(rel);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

fn seeded_repo() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let r = dir.path();
    let c = CORES;
    write(
        r,
        ".env.production",
        &format!(
            "STRIPE_SECRET_KEY=sk_live_{0}aaaaaaaaaaaaaaaa\n\
             JWT_SECRET=dev-{1}\n\
             DATABASE_URL=postgres://app:{2}@db.internal:5432/app\n\
             AWS_SECRET_ACCESS_KEY={3}abcdefghijabcdefghij0123\n\
             AWS_ACCESS_KEY_ID={4}\n\
             PRIVATE_KEY=\"-----BEGIN PRIVATE KEY-----\n{5}MIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----\"\n\
             ghp_{6}aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n\
             export API_TOKEN='{7} with spaces'\n\
             API_TOKEN=\"{7}-dup\"\n\
             SESSION_SECRET=\"unterminated {1}\n",
            c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]
        ),
    );
    write(r, ".env.example", "STRIPE_SECRET_KEY=\nJWT_SECRET=\n");
    write(
        r,
        "docker-compose.yml",
        &format!(
            "services:\n  db:\n    image: postgres:16\n    ports: [\"5432:5432\"]\n    environment:\n      POSTGRES_PASSWORD: \"correct horse {0}\"\n      SMTP_PASSWORD: horse {0} staple  # relay\n      - API_KEY={0}x\n      DATABASE_URL: postgres://u:{0}@db/x\n",
            c[8]
        ),
    );
    write(
        r,
        "k8s/deployment.yaml",
        &format!(
            "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 1\n  template:\n    spec:\n      containers:\n        - name: web\n          image: web:latest\n          env:\n            - name: DB_PASSWORD\n              value: \"{0} horse battery\"\n            - name: API_TOKEN\n              value: {0}tok\n---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: s\nstringData:\n  password: {0}-secret\n",
            c[9]
        ),
    );
    write(
        r,
        "Dockerfile",
        &format!(
            "FROM python:3.12\nENV API_TOKEN \"{0} with spaces\"\nARG GITHUB_TOKEN=ghp_{0}aaaaaaaaaaaaaaaaaaaaaaaa\nENV DB_PASSWORD={0}pw\nCMD [\"python\", \"app.py\"]\n",
            c[10]
        ),
    );
    write(
        r,
        "app.py",
        &format!(
            "import os\nSTRIPE_KEY = \"sk_live_{0}bbbbbbbbbbbbbbbb\"\nAWS_KEY = \"{1}\"\npassword = \"correct horse {0}\"\nDEBUG = True  # secret_key = \"{0}\"\nurl = \"https://admin:{0}@api.example.com/\"\n",
            c[11], c[4]
        ),
    );
    write(
        r,
        "src/config.js",
        &format!(
            "const jwtSecret = \"{0}js\";\napp.use(cors({{ origin: \"*\", credentials: true }}));\nconst token = 'xoxb-{0}-abcdefghij';\n",
            c[11]
        ),
    );
    write(
        r,
        "keys/server.pem",
        &format!(
            "-----BEGIN RSA PRIVATE KEY-----\n{0}MIIEowIBAAKCAQEAx\nAAAAB3NzaC1yc2EAAAADAQABAAABAQ\n-----END RSA PRIVATE KEY-----\n",
            c[5]
        ),
    );
    write(
        r,
        "nginx/nginx.conf",
        &format!(
            "http {{\n  server {{\n    listen 80;\n    proxy_set_header Authorization \"Bearer {0}\";\n    location / {{ proxy_pass http://app; }}\n  }}\n}}\n",
            c[12]
        ),
    );
    write(
        r,
        "config/settings.json",
        &format!(
            "{{\"api_key\": \"{0} spaced\", \"db\": {{\"password\": \"{0}\"}},}}\n",
            c[13]
        ),
    );
    write(
        r,
        "config/app.toml",
        &format!(
            "[db]\npassword = \"{0}\"\nurl = \"mysql://root:{0}@db/app\"\n",
            c[13]
        ),
    );
    write(
        r,
        "config/broken.toml",
        &format!(
            "[db]\npassword = \"{0}\"\n[broken\ntoken = \"{0}\"\n",
            c[13]
        ),
    );
    dir
}

/// Structured rules over JSON, TOML and nginx files that fail on the seeded values,
/// so secrets reach the evaluators of every kind.
const LEAK_RULES: &str = r#"
[[rule]]
id = "LEAK001"
title = "JSON password set"
category = "advisory"
area = "security"
effort = "15m"
remediation = "r"
[rule.structured]
paths = ["**/*.json"]
select = "db"
assert = [{ path = "password", op = "missing" }]

[[rule]]
id = "LEAK002"
title = "TOML password set"
category = "advisory"
area = "security"
effort = "15m"
remediation = "r"
[rule.structured]
paths = ["**/*.toml"]
assert = [{ path = "db.password", op = "equals", value = "x" }]

[[rule]]
id = "LEAK003"
title = "nginx header"
category = "advisory"
area = "security"
effort = "15m"
remediation = "r"
[rule.structured]
paths = ["**/nginx.conf"]
format = "nginx"
select = "http[*].block.server[*].block.proxy_set_header[*]"
assert = [{ path = "args[1]", op = "not-matches", pattern = "Bearer" }]
secret = true

[[rule]]
id = "LEAK004"
title = "Bearer token in nginx"
category = "advisory"
area = "security"
effort = "15m"
remediation = "r"
[rule.content]
paths = ["**/nginx.conf"]
pattern = 'Bearer\s+\S+'
must = "not-match"

[[rule]]
id = "LEAK005"
title = "Any line with a password"
category = "advisory"
area = "security"
effort = "15m"
remediation = "r"
[rule.content]
paths = ["**/*"]
pattern = '(?i).*(password|secret|token|key).*'
must = "not-match"

[[rule]]
id = "LEAK006"
title = "Secret env values"
category = "advisory"
area = "security"
effort = "15m"
remediation = "r"
[rule.env]
keys = '.*'
condition = "matches"
pattern = '.'
"#;

fn bin() -> Command {
    let mut c = Command::cargo_bin("launchgate").unwrap();
    c.timeout(Duration::from_secs(120));
    c
}

/// Every output of one run: stdout, stderr and the files written to `out_dir`.
fn collect(out: &std::process::Output, out_dir: Option<&Path>) -> String {
    let mut all = String::from_utf8_lossy(&out.stdout).into_owned();
    all.push_str(&String::from_utf8_lossy(&out.stderr));
    if let Some(dir) = out_dir {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            all.push_str(&String::from_utf8_lossy(&std::fs::read(path).unwrap()));
        }
    }
    assert!(
        !all.contains("panicked"),
        "launchgate panicked:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    all
}

fn assert_no_cores(what: &str, text: &str, cores: &[&str]) {
    for core in cores {
        assert!(
            !text.contains(core),
            "{what}: secret `{core}` leaked:\n{}",
            text.lines()
                .filter(|l| l.contains(core))
                .take(5)
                .collect::<Vec<_>>()
                .join("\n")
        );
    }
}

/// The format names the CLI accepts; each must also be offered by `scan --help`.
fn formats() -> Vec<&'static str> {
    let help = bin().args(["scan", "--help"]).output().unwrap();
    let help = String::from_utf8_lossy(&help.stdout);
    let names: Vec<&'static str> = launchgate::report::Format::NAMES.to_vec();
    assert!(names.len() >= 2);
    for n in &names {
        assert!(help.contains(n), "`{n}` missing from scan --help");
    }
    names
}

fn has_flag(sub: &str, flag: &str) -> bool {
    let help = bin().args([sub, "--help"]).output().unwrap();
    String::from_utf8_lossy(&help.stdout).contains(flag)
}

#[test]
fn seeded_secrets_never_reach_any_report_format() {
    let repo = seeded_repo();
    let rules_dir = tempfile::tempdir().unwrap();
    let rules = rules_dir.path().join("leak.toml");
    std::fs::write(&rules, LEAK_RULES).unwrap();
    let verbose = has_flag("scan", "--verbose");
    let formats = formats();

    // The scan really does look at the secrets: they produce findings.
    let out = bin()
        .arg("scan")
        .arg(repo.path())
        .args(["--format", "json", "--rules"])
        .arg(&rules)
        .output()
        .unwrap();
    let all = collect(&out, None);
    assert_no_cores("json", &all, &CORES);
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let failing: Vec<&str> = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["outcome"] == "fail")
        .map(|f| f["rule_id"].as_str().unwrap())
        .collect();
    for rule in [
        "ENV007", "ENV008", "SEC002", "SEC003", "SEC004", "LEAK001", "LEAK002", "LEAK003",
        "LEAK004", "LEAK005", "LEAK006",
    ] {
        assert!(failing.contains(&rule), "{rule} should fail: {failing:?}");
    }
    let problems = json["inventory"]["problems"].to_string();
    assert!(problems.contains(".env.production"), "{problems}");
    assert!(problems.contains("config/broken.toml"), "{problems}");

    // Every format, on stdout, and all of them at once into files.
    for format in &formats {
        let mut cmd = bin();
        cmd.arg("scan")
            .arg(repo.path())
            .args(["--format", format, "--show-passed", "--rules"])
            .arg(&rules);
        if verbose {
            cmd.arg("--verbose");
        }
        let out = cmd.output().unwrap();
        assert!(
            matches!(out.status.code(), Some(0 | 1)),
            "{format}: {out:?}"
        );
        assert_no_cores(format, &collect(&out, None), &CORES);
    }
    let out_dir = tempfile::tempdir().unwrap();
    let mut cmd = bin();
    cmd.arg("scan").arg(repo.path()).arg("--rules").arg(&rules);
    for format in &formats {
        cmd.arg("--format").arg(format!(
            "{format}={}",
            out_dir.path().join(format).display()
        ));
    }
    let out = cmd.output().unwrap();
    assert!(matches!(out.status.code(), Some(0 | 1)), "{out:?}");
    assert_eq!(
        std::fs::read_dir(out_dir.path()).unwrap().count(),
        formats.len()
    );
    assert_no_cores(
        "all formats to files",
        &collect(&out, Some(out_dir.path())),
        &CORES,
    );
}

#[test]
fn error_messages_never_echo_secrets() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // A rule file whose broken lines hold secret-shaped values.
    let bad_rules = d.join("bad.toml");
    std::fs::write(
        &bad_rules,
        "[[rule]]\nid = \"X1\"\ntitle = \"t\"\ncategory = \"sk_live_QzRuleCategoryF8aaaaaaaa\"\narea = \"quality\"\neffort = \"15m\"\nremediation = \"r\"\ntoken = \"ghp_QzRuleTokenG9aaaaaaaaaaaaaaaaaaaaaaaaaa\"\n[rule.content]\npaths = [\"**/*\"]\npattern = '(unclosed QzRulePatternH1'\nmust = \"not-match\"\napi_key = \"QzRuleApiKeyI2 with spaces\"\n",
    )
    .unwrap();
    let cores = [
        "QzRuleCategoryF8",
        "QzRuleTokenG9",
        "QzRuleApiKeyI2",
        "QzConfigJ3",
        "QzConfigUrlK4",
    ];
    for args in [
        vec![
            "rules".to_string(),
            "check".into(),
            bad_rules.display().to_string(),
        ],
        vec![
            "scan".into(),
            d.display().to_string(),
            "--rules".into(),
            bad_rules.display().to_string(),
        ],
    ] {
        let out = bin().args(&args).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}: {out:?}");
        let text = collect(&out, None);
        assert!(text.contains("bad.toml:4:"), "{text}");
        assert_no_cores("rule-file error", &text, &cores);
    }
    // A project config with secrets on its broken lines.
    let repo = tempfile::tempdir().unwrap();
    std::fs::write(
        repo.path().join("launchgate.toml"),
        "api_token = \"QzConfigJ3-abcdefghij\"\nwebhook = \"https://deploy:QzConfigUrlK4@hooks.example.com/x\"\n[gate]\nfail_on = \"sk_live_QzConfigJ3aaaaaaaaaaaa\"\n",
    )
    .unwrap();
    let out = bin().arg("scan").arg(repo.path()).output().unwrap();
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    assert_no_cores("config error", &collect(&out, None), &cores);
}

/// The probe path: cookies with distinctive values (one without `=`, whose whole
/// text is the value), secret-looking headers, a redirect carrying a token, and a
/// URL with a password, probed in every format.
#[test]
fn probed_cookie_values_and_secret_headers_never_leak() {
    const COOKIES: [&str; 4] = [
        "QzCookieSid11",
        "QzCookieBare22",
        "QzCookieRedirect33",
        "QzCookieHost44",
    ];
    let servers = Servers::new();
    let port = servers.http(handler(|req| {
        if req.path == "/" {
            return response(
                302,
                &[
                    ("Location", "/home?access_token=QzRedirectTok55abcdef"),
                    ("Set-Cookie", "redir=QzCookieRedirect33; Path=/"),
                ],
            );
        }
        response(
            200,
            &[
                ("Set-Cookie", "sid=QzCookieSid11; Path=/; HttpOnly"),
                ("Set-Cookie", "QzCookieBare22"),
                ("Set-Cookie", "__Host-x=QzCookieHost44; Secure; Path=/"),
                ("X-Api-Key", "sk_live_QzHeaderKey66aaaaaaaaaa"),
                (
                    "Authorization",
                    "Bearer eyJQzHeaderJwt77aaaa.eyJbbbbbbbbbbbb.cccccccccc",
                ),
                ("Server", "nginx/1.25 token=QzServerTok88"),
                ("Referrer-Policy", "secret=QzReferrer99abc"),
            ],
        )
    }));
    let url = format!("http://probe:QzUrlPass00@127.0.0.1:{port}/");
    let mut cores: Vec<&str> = COOKIES.to_vec();
    cores.extend([
        "QzRedirectTok55",
        "QzHeaderKey66",
        "QzHeaderJwt77",
        "QzServerTok88",
        "QzReferrer99",
        "QzUrlPass00",
    ]);
    for format in formats() {
        let out = bin()
            .args(["probe", &url, "--timeout", "3", "--format", format])
            .output()
            .unwrap();
        assert!(
            matches!(out.status.code(), Some(0 | 1)),
            "{format}: {out:?}"
        );
        assert_no_cores(format, &collect(&out, None), &cores);
    }
    // The cookies were seen (by name), so the values were really on the wire.
    let out = bin()
        .args([
            "probe",
            &url,
            "--timeout",
            "3",
            "--format",
            "json",
            "--show-passed",
        ])
        .output()
        .unwrap();
    let text = collect(&out, None);
    assert!(text.contains("sid") && text.contains("(unnamed)"), "{text}");
    assert_no_cores("json", &text, &cores);
}
