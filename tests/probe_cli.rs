//! The probe path end to end: real TLS servers on 127.0.0.1 (certificates minted
//! here), the `launchgate probe` binary, and the JSON report.

use crate::support::*;
use assert_cmd::Command;
use serde_json::Value;

const HARDENED: &[(&str, &str)] = &[
    (
        "Content-Security-Policy",
        "default-src 'none'; frame-ancestors 'none'; form-action 'none'",
    ),
    (
        "Strict-Transport-Security",
        "max-age=63072000; includeSubDomains; preload",
    ),
    ("X-Content-Type-Options", "nosniff"),
    ("X-Frame-Options", "DENY"),
    ("Referrer-Policy", "no-referrer"),
    ("Permissions-Policy", "camera=()"),
    ("Cross-Origin-Opener-Policy", "same-origin"),
    ("Cross-Origin-Resource-Policy", "same-origin"),
    (
        "Set-Cookie",
        "__Host-sid=s3cr3t-cookie-value-7731; Path=/; Secure; HttpOnly; SameSite=Strict",
    ),
];

fn probe(pki: &Pki, host: &str, port: u16) -> (i32, Value, String) {
    let dir = tempfile::tempdir().unwrap();
    let ca = dir.path().join("ca.pem");
    std::fs::write(&ca, &pki.ca_pem).unwrap();
    let out = Command::cargo_bin("launchgate")
        .unwrap()
        .args(["probe", &format!("https://{host}:{port}/")])
        .arg("--ca-cert")
        .arg(&ca)
        .args([
            "--resolve",
            &format!("{host}:{port}:127.0.0.1"),
            "--timeout",
            "3",
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    let json: Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text}"));
    (out.status.code().unwrap(), json, text)
}

fn failing(json: &Value) -> Vec<(String, String)> {
    json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["outcome"] == "fail")
        .map(|f| {
            (
                f["rule_id"].as_str().unwrap().to_string(),
                f["category"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[test]
fn expired_certificate_without_headers_fails_the_gate() {
    let pki = Pki::new();
    let servers = Servers::new();
    let port = servers.https(pki.leaf(&["old.test"], 2019, 2021), ok(&[]));
    let (code, json, _) = probe(&pki, "old.test", port);
    assert_eq!(code, 1);
    let failing = failing(&json);
    assert!(
        failing.contains(&("PRB003".into(), "zero-function".into())),
        "{failing:?}"
    );
    for header_rule in ["PRB011", "PRB013", "PRB015", "PRB016", "PRB017"] {
        assert!(
            failing.iter().any(|(id, _)| id == header_rule),
            "{header_rule} missing in {failing:?}"
        );
    }
    assert_eq!(
        json["probes"][0]["observatory_grade"], "F",
        "{}",
        json["probes"]
    );
    assert_eq!(json["summary"]["verdict"], "not_ready");
}

#[test]
fn hardened_endpoint_passes_with_grade_a() {
    let pki = Pki::new();
    let servers = Servers::new();
    let port = servers.https(pki.leaf(&["good.test"], 2020, 2090), ok(HARDENED));
    let (code, json, text) = probe(&pki, "good.test", port);
    assert_eq!(failing(&json), Vec::<(String, String)>::new());
    assert_eq!(code, 0);
    let grade = json["probes"][0]["observatory_grade"].as_str().unwrap();
    assert!(grade.starts_with('A'), "{grade}");
    assert!(
        !text.contains("s3cr3t-cookie-value-7731"),
        "cookie value leaked"
    );
}

#[test]
fn offline_refuses_probes() {
    Command::cargo_bin("launchgate")
        .unwrap()
        .args(["probe", "https://127.0.0.1:9/", "--offline"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("--offline"));
}
