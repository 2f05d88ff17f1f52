//! The vocabulary shared by every stage: categories, areas, outcomes, locations,
//! evidence and the finding itself.

use crate::redact::{clip, scrub_line, Redacted};
use serde::Serialize;
use std::fmt;

/// How badly a failing rule blocks a launch, most severe first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Category {
    ZeroFunction,
    Operational,
    Business,
    Advisory,
}

impl Category {
    pub const ALL: [Category; 4] = [
        Category::ZeroFunction,
        Category::Operational,
        Category::Business,
        Category::Advisory,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Category::ZeroFunction => "zero-function",
            Category::Operational => "operational",
            Category::Business => "business",
            Category::Advisory => "advisory",
        }
    }

    pub fn parse(s: &str) -> Option<Category> {
        Category::ALL.into_iter().find(|c| c.as_str() == s)
    }

    /// Weight of one rule of this category in the score, unless the rule sets its own.
    pub fn default_weight(self) -> f64 {
        match self {
            Category::ZeroFunction => 10.0,
            Category::Operational => 5.0,
            Category::Business => 3.0,
            Category::Advisory => 1.0,
        }
    }
}

impl fmt::Display for Category {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The part of a launch a rule speaks to; the report scores each area on its own.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Area {
    Configuration,
    Security,
    Infrastructure,
    Operations,
    Data,
    Delivery,
    Quality,
    Documentation,
    Business,
}

impl Area {
    pub const ALL: [Area; 9] = [
        Area::Configuration,
        Area::Security,
        Area::Infrastructure,
        Area::Operations,
        Area::Data,
        Area::Delivery,
        Area::Quality,
        Area::Documentation,
        Area::Business,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Area::Configuration => "configuration",
            Area::Security => "security",
            Area::Infrastructure => "infrastructure",
            Area::Operations => "operations",
            Area::Data => "data",
            Area::Delivery => "delivery",
            Area::Quality => "quality",
            Area::Documentation => "documentation",
            Area::Business => "business",
        }
    }

    pub fn parse(s: &str) -> Option<Area> {
        Area::ALL.into_iter().find(|a| a.as_str() == s)
    }
}

impl fmt::Display for Area {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Ordered so that sorting puts what needs attention first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Fail,
    Error,
    Pass,
    NotApplicable,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Fail => "fail",
            Outcome::Error => "error",
            Outcome::Pass => "pass",
            Outcome::NotApplicable => "not_applicable",
        }
    }
}

/// Where a finding points: a repository-relative path (with line and column when
/// known) or a URL.
#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Location {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub column: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

impl Location {
    pub fn file(path: &str) -> Self {
        Location {
            path: Some(path.to_string()),
            ..Default::default()
        }
    }

    pub fn at(path: &str, line: u32, column: u32) -> Self {
        Location {
            path: Some(path.to_string()),
            line: Some(line),
            column: Some(column),
            url: None,
        }
    }

    pub fn url(url: &str) -> Self {
        Location {
            url: Some(url.to_string()),
            ..Default::default()
        }
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.path, &self.url) {
            (Some(p), _) => {
                f.write_str(p)?;
                if let Some(l) = self.line {
                    write!(f, ":{l}")?;
                    if let Some(c) = self.column {
                        write!(f, ":{c}")?;
                    }
                }
                Ok(())
            }
            (None, Some(u)) => f.write_str(u),
            (None, None) => f.write_str("(repository)"),
        }
    }
}

/// What was seen, in a form that is safe to print: it can only be built from a
/// redacted hint, a scrubbed source line, or text known to hold no secret.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct Evidence(String);

const EVIDENCE_MAX_CHARS: usize = 160;

impl Evidence {
    /// `KEY = sk_l… (40 chars)`
    pub fn secret(label: &str, raw_value: &str) -> Self {
        Evidence(format!("{label} = {}", Redacted::new(raw_value)))
    }

    /// A line of a scanned file, with anything credential-shaped masked.
    pub fn line(text: &str) -> Self {
        Evidence(clip(&scrub_line(text), EVIDENCE_MAX_CHARS))
    }

    /// Text the tool composed itself from non-secret facts (a key name, a path, a
    /// header name, a URL host); still scrubbed, because a fact can surprise.
    pub fn note(text: impl AsRef<str>) -> Self {
        Evidence(clip(&scrub_line(text.as_ref()), EVIDENCE_MAX_CHARS))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Evidence {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// One line of the report: a failing occurrence of a rule, or the single entry of a
/// rule that passed, did not apply, or could not be evaluated.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Finding {
    pub rule_id: String,
    pub title: String,
    pub outcome: Outcome,
    pub category: Category,
    pub area: Area,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<Location>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub evidence: Option<Evidence>,
    pub effort_hours: f64,
    pub remediation: String,
    /// Stable identity of a failing occurrence across runs: it survives unrelated line
    /// shifts and moves within a file (see [`fingerprint`]). Absent on pass and
    /// not-applicable entries.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fingerprint: Option<String>,
    /// Set when a suppression (project config or inline comment) silences this
    /// failing occurrence: it stays visible here but no longer counts.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub suppressed: Option<Suppressed>,
    /// With `--baseline`: `new` or `unchanged` for failing occurrences.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub baseline: Option<BaselineStatus>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Suppressed {
    pub reason: String,
    /// `launchgate.toml:LINE` or `inline`.
    pub source: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ticket: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum BaselineStatus {
    New,
    Unchanged,
}

impl Finding {
    /// A failing occurrence that still counts (not silenced by a suppression).
    pub fn is_active_failure(&self) -> bool {
        self.outcome == Outcome::Fail && self.suppressed.is_none()
    }
}

/// Content-addressed identity of an occurrence: the rule, the file (or URL), and the
/// already-redacted evidence or message — never a secret value — plus the index among
/// identical occurrences in that file. Line numbers are deliberately left out.
pub fn fingerprint(rule_id: &str, place: &str, anchor: &str, nth: usize) -> String {
    fn fnv1a(seed: u64, parts: &[&[u8]]) -> u64 {
        let mut h = seed;
        for part in parts {
            for b in part.iter().chain(&[0xff]) {
                h ^= u64::from(*b);
                h = h.wrapping_mul(0x0100_0000_01b3);
            }
        }
        h
    }
    let anchor: String = anchor.split_whitespace().collect::<Vec<_>>().join(" ");
    let nth = nth.to_string();
    let parts: [&[u8]; 4] = [
        rule_id.as_bytes(),
        place.as_bytes(),
        anchor.as_bytes(),
        nth.as_bytes(),
    ];
    format!(
        "{:016x}{:016x}",
        fnv1a(0xcbf2_9ce4_8422_2325, &parts),
        fnv1a(0x6c62_272e_07bb_0142, &parts)
    )
}

impl Finding {
    /// Report order: category, outcome, rule, then location.
    pub fn sort_key(&self) -> (Category, Outcome, &str, Option<&Location>, &str) {
        (
            self.category,
            self.outcome,
            self.rule_id.as_str(),
            self.location.as_ref(),
            self.message.as_str(),
        )
    }
}

/// `"30m"`, `"2h"`, `"1.5h"`, `"1d"` (a working day, 8 h), `"1w"` (40 h) as minutes.
pub fn parse_effort(text: &str) -> Option<u32> {
    let text = text.trim();
    let split = text.find(|c: char| c.is_ascii_alphabetic())?;
    let (num, unit) = text.split_at(split);
    let num: f64 = num.trim().parse().ok()?;
    if !num.is_finite() || num < 0.0 {
        return None;
    }
    let minutes = match unit.trim() {
        "m" | "min" => num,
        "h" => num * 60.0,
        "d" => num * 8.0 * 60.0,
        "w" => num * 40.0 * 60.0,
        _ => return None,
    };
    if minutes > 1_000_000.0 {
        return None;
    }
    Some(minutes.round() as u32)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn effort_units() {
        assert_eq!(parse_effort("30m"), Some(30));
        assert_eq!(parse_effort("1.5h"), Some(90));
        assert_eq!(parse_effort("1d"), Some(480));
        assert_eq!(parse_effort("2 h"), Some(120));
        assert_eq!(parse_effort("soon"), None);
        assert_eq!(parse_effort("3y"), None);
        assert_eq!(parse_effort("-1h"), None);
    }
}
