//! Issue 6 acceptance: configuration read in code, compared with the template and
//! production, on projects written here.

use launchgate::evaluate::{scan, ScanOptions, ScanResult};
use launchgate::finding::Outcome;
use launchgate::inventory::WalkOptions;
use launchgate::rules::{load_pack, PackOptions};
use std::collections::BTreeSet;

fn scan_files(files: &[(&str, String)]) -> ScanResult {
    let dir = tempfile::tempdir().unwrap();
    for (rel, text) in files {
        let path = dir.path().join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    let pack = load_pack(&PackOptions {
        builtin: true,
        ..Default::default()
    })
    .unwrap();
    scan(
        &pack,
        &ScanOptions {
            root: dir.path().to_path_buf(),
            env_file: None,
            walk: WalkOptions {
                max_file_size: 2 << 20,
                jobs: 1,
            },
            probes: Vec::new(),
        },
    )
    .unwrap()
}

/// (variable, line) of each failing finding of a rule.
fn reported(result: &ScanResult, rule: &str) -> BTreeSet<(String, u32)> {
    result
        .findings
        .iter()
        .filter(|f| f.rule_id == rule && f.outcome == Outcome::Fail)
        .map(|f| {
            let name = f.message.split_whitespace().next().unwrap().to_string();
            (name, f.location.as_ref().unwrap().line.unwrap())
        })
        .collect()
}

#[test]
fn fastapi_settings_with_25_variables() {
    let names: Vec<String> = (1..=25).map(|i| format!("SETTING_{i:02}")).collect();
    let mut settings = String::from(
        "from pydantic_settings import BaseSettings, SettingsConfigDict\n\n\nclass Settings(BaseSettings):\n    model_config = SettingsConfigDict(env_prefix=\"APP_\")\n\n",
    );
    // Settings 1-20 have defaults; 21-25 are required.
    for (i, n) in names.iter().enumerate() {
        let field = n.to_lowercase();
        if i < 20 {
            settings.push_str(&format!("    {field}: str = \"d{i}\"\n"));
        } else {
            settings.push_str(&format!("    {field}: str\n"));
        }
    }
    let line_of = |n: &str| 7 + names.iter().position(|x| x == n).unwrap() as u32;
    let undocumented = ["SETTING_03", "SETTING_11", "SETTING_22"];
    let unprovided = ["SETTING_24", "SETTING_25"];
    let template: String = names
        .iter()
        .filter(|n| !undocumented.contains(&n.as_str()))
        .map(|n| format!("APP_{n}=\n"))
        .collect();
    let production: String = names
        .iter()
        .filter(|n| !unprovided.contains(&n.as_str()))
        .map(|n| format!("APP_{n}=value-{n}\n"))
        .collect();
    let result = scan_files(&[
        (
            "requirements.txt",
            "fastapi==0.115.0\npydantic-settings==2.5.2\n".into(),
        ),
        ("app/settings.py", settings),
        (".env.example", template),
        (".env.production", production),
    ]);
    let expect = |list: &[&str]| -> BTreeSet<(String, u32)> {
        list.iter()
            .map(|n| (format!("APP_{n}"), line_of(n)))
            .collect()
    };
    assert_eq!(reported(&result, "DRF002"), expect(&undocumented));
    assert_eq!(reported(&result, "DRF001"), expect(&unprovided));
}

#[test]
fn node_destructuring_and_spring_placeholders() {
    let result = scan_files(&[
        ("package.json", "{\"dependencies\": {\"express\": \"^4.19.0\"}}\n".into()),
        (
            "src/config.js",
            "const {\n  API_URL,\n  SESSION_SECRET,\n  PORT = 3000,\n} = process.env;\nexport const sentry = process.env.SENTRY_DSN_FRONTEND ?? \"\";\n".into(),
        ),
        (
            "api/src/main/resources/application.yml",
            "spring:\n  datasource:\n    url: ${DB_URL}\n    password: ${DB_PASSWORD:}\n  profiles: ${spring.profiles.active}\n".into(),
        ),
        (".env.example", "API_URL=\nDB_URL=\nDB_PASSWORD=\n".into()),
        (".env", "API_URL=https://api.example.org\nDB_PASSWORD=s3cret-db-pass-1234\n".into()),
    ]);
    assert_eq!(
        reported(&result, "DRF002"),
        [
            ("SESSION_SECRET".to_string(), 3),
            ("PORT".to_string(), 4),
            ("SENTRY_DSN_FRONTEND".to_string(), 6)
        ]
        .into_iter()
        .collect()
    );
    let unprovided: BTreeSet<String> = reported(&result, "DRF001")
        .into_iter()
        .map(|(n, _)| n)
        .collect();
    assert_eq!(
        unprovided,
        ["DB_URL", "SESSION_SECRET"]
            .into_iter()
            .map(String::from)
            .collect()
    );
}

#[test]
fn env_matrix_command_lists_every_variable() {
    let out = assert_cmd::Command::cargo_bin("launchgate")
        .unwrap()
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(["env", "fixtures/projects/not-ready", "--format", "json"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let rows: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let jwt = rows
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == "JWT_SECRET")
        .unwrap();
    assert!(!jwt["read_at"].as_array().unwrap().is_empty());
    assert!(!jwt["provided_by"].as_array().unwrap().is_empty());
    assert!(!String::from_utf8_lossy(&out.stdout).contains("dev-jwt-secret-key"));
}

/// Second pass on real projects: reads through an imported alias of `process.env`
/// count (DRF003 no longer calls every documented key unused), optional reads are
/// not required, tests and tooling only show use, and `launchgate env` gives each
/// variable the status the rules give it.
#[test]
fn aliases_optional_reads_and_matrix_statuses() {
    let result = scan_files(&[
        ("package.json", "{\"dependencies\": {\"koa\": \"^2.15.0\"}}\n".into()),
        (
            "server/utils/environment.ts",
            "export default withFileSecrets(process.env);\n".into(),
        ),
        (
            "server/env.ts",
            "import environment from \"./utils/environment\";\nexport class Environment {\n  public SECRET_KEY = environment.SECRET_KEY ?? \"\";\n  public SMTP_HOST = this.toOptionalString(environment.SMTP_HOST);\n}\n".into(),
        ),
        (
            "server/mailer.ts",
            "const host = process.env.MAIL_RELAY;\nif (!host) {\n  console.warn(\"no relay\");\n}\nexport const from = process.env.MAIL_FROM;\n".into(),
        ),
        (
            "server/tests/mail.test.ts",
            "export const inbox = process.env.MAILPIT_HOST;\n".into(),
        ),
        (
            ".env.sample",
            "SECRET_KEY=\nMAILPIT_HOST=\nMAIL_FROM=\nSTALE_KEY=\n".into(),
        ),
        (".env", "SECRET_KEY=0123456789abcdef0123456789abcdef\n".into()),
    ]);
    assert_eq!(
        reported(&result, "DRF003"),
        [("STALE_KEY".to_string(), 4)].into_iter().collect()
    );
    assert_eq!(
        reported(&result, "DRF002"),
        [("SMTP_HOST".to_string(), 4), ("MAIL_RELAY".to_string(), 1)]
            .into_iter()
            .collect()
    );
    assert_eq!(
        reported(&result, "DRF001"),
        [("MAIL_FROM".to_string(), 5)].into_iter().collect()
    );
    let status = |name: &str| {
        result
            .env_matrix
            .iter()
            .find(|r| r.name == name)
            .map(|r| r.status.clone())
            .unwrap_or_default()
    };
    assert_eq!(status("MAIL_FROM"), "not provided");
    assert_eq!(status("SMTP_HOST"), "undocumented");
    assert_eq!(status("STALE_KEY"), "never read");
    assert_eq!(status("MAILPIT_HOST"), "build or tooling only");
    assert_eq!(status("SECRET_KEY"), "ok");
}
