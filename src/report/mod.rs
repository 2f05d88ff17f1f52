//! The report model (also the public JSON contract) and one reporter per format.
//! The library never prints: reporters write to what the caller hands them.

mod badge;
pub mod env;
pub mod escape;
pub mod github;
mod html;
mod json;
mod junit;
pub mod markdown;
pub mod rules;
pub mod sarif;
mod table;

use crate::evaluate::{DetectedStack, InventorySummary, ScanResult};
use crate::finding::{Area, Category, Finding};
use crate::rules::Rule;
use crate::score::{summarize, Gate, Summary};
use serde::Serialize;
use std::io::{self, Write};

pub use badge::BadgeReporter;
pub use github::GithubReporter;
pub use html::HtmlReporter;
pub use json::JsonReporter;
pub use junit::JunitReporter;
pub use markdown::MarkdownReporter;
pub use sarif::SarifReporter;
pub use table::TableReporter;

/// Bumped only for incompatible changes; fields are added, never renamed.
pub const SCHEMA_VERSION: u32 = 1;

#[derive(Clone, Debug, Serialize)]
pub struct Tool {
    pub name: &'static str,
    pub version: &'static str,
}

#[derive(Clone, Debug, Serialize)]
pub struct Target {
    /// The path as the user gave it, so reports do not depend on the machine.
    pub path: String,
    pub stack: Vec<DetectedStack>,
}

/// Per-URL grades shown beside the score, so users can compare with tools they know.
#[derive(Clone, Debug, Serialize)]
pub struct ProbeSummary {
    pub url: String,
    pub reachable: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tls_grade: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub observatory_grade: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub observatory_score: Option<i64>,
    pub errors: Vec<String>,
}

impl ProbeSummary {
    pub fn from_report(r: &crate::probe::ProbeReport) -> Self {
        let text = |k: &str| {
            r.facts
                .get(k)
                .and_then(|f| f.as_str())
                .map(|s| crate::redact::clip(s, 40))
        };
        ProbeSummary {
            url: r.url.clone(),
            reachable: r
                .facts
                .get("reachable")
                .and_then(|f| f.as_bool())
                .unwrap_or(false),
            tls_grade: text("tls.grade"),
            observatory_grade: text("observatory.grade"),
            observatory_score: r.facts.get("observatory.score").and_then(|f| f.as_int()),
            errors: r
                .errors
                .iter()
                .map(|e| crate::redact::scrub_line(e))
                .collect(),
        }
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct Report {
    pub schema_version: u32,
    pub tool: Tool,
    pub target: Target,
    pub summary: Summary,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub probes: Vec<ProbeSummary>,
    /// With `--baseline`: what is new, unchanged and fixed, and the score change.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub baseline: Option<crate::triage::BaselineSummary>,
    /// Suppressions applied, expired and stale (absent when there are none).
    #[serde(skip_serializing_if = "crate::triage::SuppressionSummary::is_empty")]
    pub suppressions: crate::triage::SuppressionSummary,
    pub findings: Vec<Finding>,
    pub inventory: InventorySummary,
    /// Every rule of the pack, in pack order, for formats that describe rules
    /// (SARIF `rules`, HTML references). Not part of the JSON report.
    #[serde(skip)]
    pub catalogue: Vec<RuleInfo>,
}

/// What a report format may say about a rule, whatever its outcome.
#[derive(Clone, Debug, PartialEq)]
pub struct RuleInfo {
    pub id: String,
    pub title: String,
    pub category: Category,
    pub area: Area,
    pub effort_hours: f64,
    pub weight: f64,
    pub description: String,
    pub remediation: String,
    pub references: Vec<String>,
}

impl RuleInfo {
    pub fn from_rule(rule: &Rule) -> Self {
        RuleInfo {
            id: rule.id.clone(),
            title: rule.title.clone(),
            category: rule.category,
            area: rule.area,
            effort_hours: rule.effort_hours(),
            weight: rule.weight(),
            description: rule.description.clone(),
            remediation: rule.remediation.clone(),
            references: rule.references.clone(),
        }
    }
}

impl Report {
    pub fn new(
        target_path: &str,
        rules: &[Rule],
        scan: ScanResult,
        probes: &[crate::probe::ProbeReport],
        gate: &Gate,
    ) -> Report {
        Report::with_triage(
            target_path,
            rules,
            scan,
            probes,
            gate,
            Default::default(),
            None,
        )
    }

    /// A report whose findings went through suppressions and a baseline comparison.
    pub fn with_triage(
        target_path: &str,
        rules: &[Rule],
        scan: ScanResult,
        probes: &[crate::probe::ProbeReport],
        gate: &Gate,
        suppressions: crate::triage::SuppressionSummary,
        baseline: Option<crate::triage::BaselineSummary>,
    ) -> Report {
        let summary = summarize(rules, &scan.rule_results, &scan.findings, gate);
        let baseline = baseline.map(|mut b| {
            b.score_change = ((summary.score - b.score_before) * 10.0).round() / 10.0;
            b
        });
        Report {
            schema_version: SCHEMA_VERSION,
            tool: Tool {
                name: "launchgate",
                version: env!("CARGO_PKG_VERSION"),
            },
            target: Target {
                path: target_path.to_string(),
                stack: scan.stacks,
            },
            summary,
            probes: probes.iter().map(ProbeSummary::from_report).collect(),
            baseline,
            suppressions,
            findings: scan.findings,
            inventory: scan.inventory,
            catalogue: rules.iter().map(RuleInfo::from_rule).collect(),
        }
    }
}

/// How a terminal report may look; machine formats ignore it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Style {
    pub color: bool,
    /// Table width in columns; fixed when not writing to a terminal so that
    /// reports stay byte-identical.
    pub width: u16,
    pub show_passed: bool,
}

impl Default for Style {
    fn default() -> Self {
        Style {
            color: false,
            width: 120,
            show_passed: false,
        }
    }
}

pub trait Reporter {
    fn write(&self, report: &Report, style: &Style, out: &mut dyn Write) -> io::Result<()>;
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Format {
    Table,
    Json,
    Sarif,
    Junit,
    Markdown,
    Github,
    Badge,
    Html,
}

impl Format {
    pub const ALL: [Format; 8] = [
        Format::Table,
        Format::Json,
        Format::Sarif,
        Format::Junit,
        Format::Markdown,
        Format::Github,
        Format::Badge,
        Format::Html,
    ];
    pub const NAMES: [&'static str; 8] = [
        "table", "json", "sarif", "junit", "markdown", "github", "badge", "html",
    ];

    pub fn as_str(self) -> &'static str {
        Self::NAMES[self as usize]
    }

    pub fn parse(s: &str) -> Option<Format> {
        Format::ALL.into_iter().find(|f| f.as_str() == s)
    }

    pub fn reporter(self) -> Box<dyn Reporter> {
        match self {
            Format::Table => Box::new(TableReporter),
            Format::Json => Box::new(JsonReporter),
            Format::Sarif => Box::new(SarifReporter),
            Format::Junit => Box::new(JunitReporter),
            Format::Markdown => Box::new(MarkdownReporter),
            Format::Github => Box::new(GithubReporter),
            Format::Badge => Box::new(BadgeReporter),
            Format::Html => Box::new(HtmlReporter),
        }
    }
}
