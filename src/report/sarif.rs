//! SARIF 2.1.0 for GitHub code scanning and other SARIF viewers.
//!
//! One run; `tool.driver.rules` holds the whole pack (so a viewer can explain a rule
//! that has no result) and `results` holds one entry per failing finding, in report
//! order. GitHub rejects a whole file when a result has no physical location or a
//! location URI with a scheme, so findings without a file (repository-wide gaps and
//! live URLs) are anchored at the pseudo path `(repository)`; a URL is kept as a
//! logical location, in the message and in the result's properties.

use super::escape::{level, reflow, uri_path, Level};
use super::{Report, Reporter, RuleInfo, Style};
use crate::finding::{Finding, Outcome};
use serde::Serialize;
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;
use std::io::{self, Write};

pub struct SarifReporter;

/// The key of `partialFingerprints`; bump the suffix if the fingerprint recipe changes.
pub const FINGERPRINT_KEY: &str = "launchgate/v1";
/// Where findings that point at no file are anchored.
pub const REPOSITORY_ANCHOR: &str = "(repository)";
const SCHEMA_URI: &str = "https://json.schemastore.org/sarif-2.1.0.json";
const SRCROOT: &str = "%SRCROOT%";

fn information_uri() -> &'static str {
    match (env!("CARGO_PKG_REPOSITORY"), env!("CARGO_PKG_HOMEPAGE")) {
        (r, _) if r.starts_with("https://") => r,
        (_, h) if h.starts_with("https://") => h,
        _ => "https://crates.io/crates/launchgate",
    }
}

#[derive(Serialize)]
struct Log {
    #[serde(rename = "$schema")]
    schema: &'static str,
    version: &'static str,
    runs: Vec<Run>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Run {
    tool: Tool,
    column_kind: &'static str,
    results: Vec<SarifResult>,
    properties: Value,
}

#[derive(Serialize)]
struct Tool {
    driver: Driver,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Driver {
    name: &'static str,
    version: &'static str,
    semantic_version: &'static str,
    information_uri: &'static str,
    rules: Vec<Descriptor>,
}

#[derive(Serialize)]
struct Text {
    text: String,
}

#[derive(Serialize)]
struct Help {
    text: String,
    markdown: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Descriptor {
    id: String,
    name: String,
    short_description: Text,
    full_description: Text,
    help: Help,
    #[serde(skip_serializing_if = "Option::is_none")]
    help_uri: Option<String>,
    default_configuration: Value,
    properties: Value,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifResult {
    rule_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    rule_index: Option<usize>,
    level: &'static str,
    message: Text,
    locations: Vec<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    partial_fingerprints: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    baseline_state: Option<&'static str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    suppressions: Vec<Value>,
    properties: Value,
}

fn level_name(l: Level) -> &'static str {
    match l {
        Level::Error => "error",
        Level::Warning => "warning",
        Level::Note => "note",
    }
}

/// `Empty value in the production env file` → `EmptyValueInTheProductionEnvFile`.
fn rule_name(title: &str) -> String {
    title
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| {
            let mut cs = w.chars();
            cs.next()
                .map(|c| c.to_uppercase().chain(cs).collect::<String>())
                .unwrap_or_default()
        })
        .collect()
}

/// A reference usable as `helpUri`: an absolute http(s) URL made only of the
/// characters RFC 3986 allows, with well-formed percent escapes.
fn is_web_uri(s: &str) -> bool {
    let b = s.as_bytes();
    (s.starts_with("https://") || s.starts_with("http://"))
        && b.iter().enumerate().all(|(i, &c)| {
            c.is_ascii_alphanumeric()
                || b"-._~:/?#[]@!$&'()*+,;=".contains(&c)
                || (c == b'%'
                    && b.get(i + 1).is_some_and(u8::is_ascii_hexdigit)
                    && b.get(i + 2).is_some_and(u8::is_ascii_hexdigit))
        })
}

fn tags(rule: &RuleInfo) -> Vec<&'static str> {
    let mut tags = vec![rule.category.as_str(), rule.area.as_str()];
    tags.dedup();
    tags
}

fn descriptor(rule: &RuleInfo) -> Descriptor {
    let mut help_text = reflow(&rule.remediation);
    let mut help_md = help_text.clone();
    if !rule.references.is_empty() {
        help_text.push_str("\n\nReferences:");
        help_md.push_str("\n\n**References**\n");
        for r in &rule.references {
            help_text.push_str(&format!("\n- {r}"));
            help_md.push_str(&format!("\n- <{r}>"));
        }
    }
    let full = if rule.description.trim().is_empty() {
        rule.title.clone()
    } else {
        reflow(&rule.description)
    };
    Descriptor {
        id: rule.id.clone(),
        name: rule_name(&rule.title),
        short_description: Text {
            text: rule.title.clone(),
        },
        full_description: Text { text: full },
        help: Help {
            text: help_text,
            markdown: help_md,
        },
        help_uri: rule.references.first().filter(|r| is_web_uri(r)).cloned(),
        default_configuration: json!({ "level": level_name(level(rule.category)) }),
        properties: json!({
            "category": rule.category.as_str(),
            "area": rule.area.as_str(),
            "effort_hours": rule.effort_hours,
            "weight": rule.weight,
            "tags": tags(rule),
        }),
    }
}

fn location(f: &Finding) -> Value {
    let loc = f.location.as_ref();
    let path = loc.and_then(|l| l.path.as_deref());
    let url = loc.and_then(|l| l.url.as_deref());
    let mut physical = Map::new();
    physical.insert(
        "artifactLocation".into(),
        json!({ "uri": uri_path(path.unwrap_or(REPOSITORY_ANCHOR)), "uriBaseId": SRCROOT }),
    );
    if let (Some(_), Some(line)) = (path, loc.and_then(|l| l.line)) {
        let mut region = Map::new();
        region.insert("startLine".into(), json!(line.max(1)));
        if let Some(col) = loc.and_then(|l| l.column) {
            region.insert("startColumn".into(), json!(col.max(1)));
        }
        physical.insert("region".into(), Value::Object(region));
    }
    let mut location = json!({ "physicalLocation": physical });
    if let (None, Some(url)) = (path, url) {
        location["logicalLocations"] =
            json!([{ "fullyQualifiedName": url, "name": url, "kind": "resource" }]);
    }
    location
}

fn result(f: &Finding, index: Option<usize>) -> SarifResult {
    let mut text = f.message.clone();
    let url = f.location.as_ref().and_then(|l| l.url.as_deref());
    let on_file = f.location.as_ref().is_some_and(|l| l.path.is_some());
    if let (false, Some(url)) = (on_file, url) {
        if !text.contains(url) {
            text = format!("{url}: {text}");
        }
    }
    if let Some(e) = &f.evidence {
        text.push_str(&format!("\nEvidence: {e}"));
    }
    let mut props = json!({
        "category": f.category.as_str(),
        "area": f.area.as_str(),
        "effort_hours": f.effort_hours,
        "title": f.title,
    });
    if let Some(e) = &f.evidence {
        props["evidence"] = json!(e.as_str());
    }
    if let (false, Some(url)) = (on_file, url) {
        props["url"] = json!(url);
    }
    let suppressions = f
        .suppressed
        .iter()
        .map(|s| {
            let kind = if s.source.starts_with("inline") {
                "inSource"
            } else {
                "external"
            };
            json!({ "kind": kind, "status": "accepted", "justification": s.reason,
                    "properties": { "source": s.source } })
        })
        .collect();
    SarifResult {
        rule_id: f.rule_id.clone(),
        rule_index: index,
        level: level_name(level(f.category)),
        message: Text { text },
        locations: vec![location(f)],
        partial_fingerprints: f
            .fingerprint
            .as_ref()
            .map(|fp| json!({ FINGERPRINT_KEY: fp })),
        baseline_state: f.baseline.map(|b| match b {
            crate::finding::BaselineStatus::New => "new",
            crate::finding::BaselineStatus::Unchanged => "unchanged",
        }),
        suppressions,
        properties: props,
    }
}

fn log(report: &Report) -> Log {
    let index: BTreeMap<&str, usize> = report
        .catalogue
        .iter()
        .enumerate()
        .map(|(i, r)| (r.id.as_str(), i))
        .collect();
    let driver = Driver {
        name: report.tool.name,
        version: report.tool.version,
        semantic_version: report.tool.version,
        information_uri: information_uri(),
        rules: report.catalogue.iter().map(descriptor).collect(),
    };
    let results = report
        .findings
        .iter()
        .filter(|f| f.outcome == Outcome::Fail)
        .map(|f| result(f, index.get(f.rule_id.as_str()).copied()))
        .collect();
    let s = &report.summary;
    Log {
        schema: SCHEMA_URI,
        version: "2.1.0",
        runs: vec![Run {
            tool: Tool { driver },
            column_kind: "unicodeCodePoints",
            results,
            properties: json!({
                "target": report.target.path,
                "score": s.score,
                "grade": s.grade,
                "verdict": s.verdict,
                "gate": { "passed": s.gate.passed, "reasons": s.gate.reasons },
            }),
        }],
    }
}

/// The SARIF log as a JSON value (for tests and tools that post-process it).
pub fn to_value(report: &Report) -> Value {
    serde_json::to_value(log(report)).unwrap_or(Value::Null)
}

impl Reporter for SarifReporter {
    fn write(&self, report: &Report, _style: &Style, out: &mut dyn Write) -> io::Result<()> {
        serde_json::to_writer_pretty(&mut *out, &log(report)).map_err(io::Error::from)?;
        out.write_all(b"\n")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rule_names_are_camel_case() {
        assert_eq!(
            rule_name("Empty value in the production env file"),
            "EmptyValueInTheProductionEnvFile"
        );
        assert_eq!(rule_name("HSTS max-age ≥ 1 year"), "HSTSMaxAge1Year");
    }

    #[test]
    fn help_uri_must_be_a_valid_web_uri() {
        assert!(is_web_uri("https://owasp.org/a_b?c=1&d=%20#x"));
        assert!(!is_web_uri("https://example.com/a?c=<2>"));
        assert!(!is_web_uri("https://example.com/a b"));
        assert!(!is_web_uri("https://example.com/%zz"));
        assert!(!is_web_uri("docs/local.md"));
    }
}
