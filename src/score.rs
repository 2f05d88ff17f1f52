//! The readiness score, pure over rule results.
//!
//! Each applicable rule weighs its `weight` (by default 10, 5, 3, 1 for
//! zero-function, operational, business, advisory). The score is the weighted share
//! of applicable rules that pass, 0–100; rules that do not apply leave the
//! denominator. A rule fails as a whole if it fails anywhere.

use crate::evaluate::RuleResult;
use crate::finding::{Area, Category, Finding, Outcome};
use crate::rules::Rule;
use serde::Serialize;
use std::collections::BTreeMap;

/// The least severe category that still fails the gate.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum FailOn {
    ZeroFunction,
    Operational,
    Business,
    Never,
}

impl FailOn {
    pub fn gates(self, category: Category) -> bool {
        match self {
            FailOn::ZeroFunction => category == Category::ZeroFunction,
            FailOn::Operational => {
                matches!(category, Category::ZeroFunction | Category::Operational)
            }
            FailOn::Business => category != Category::Advisory,
            FailOn::Never => false,
        }
    }

    pub fn parse(s: &str) -> Option<FailOn> {
        match s {
            "zero-function" => Some(FailOn::ZeroFunction),
            "operational" => Some(FailOn::Operational),
            "business" => Some(FailOn::Business),
            "never" => Some(FailOn::Never),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            FailOn::ZeroFunction => "zero-function",
            FailOn::Operational => "operational",
            FailOn::Business => "business",
            FailOn::Never => "never",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Gate {
    pub fail_on: FailOn,
    pub min_score: Option<f64>,
    /// Gate only on failing occurrences absent from the baseline (`--fail-on-new`).
    pub only_new: bool,
}

impl Default for Gate {
    fn default() -> Self {
        Gate {
            fail_on: FailOn::Business,
            min_score: None,
            only_new: false,
        }
    }
}

#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct CategorySummary {
    /// Rules that failed.
    pub failed: usize,
    pub passed: usize,
    pub not_applicable: usize,
    /// Failing occurrences.
    pub findings: usize,
    pub effort_hours: f64,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct AreaSummary {
    pub area: Area,
    pub score: f64,
    pub failed: usize,
    pub passed: usize,
    pub not_applicable: usize,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct GateResult {
    pub fail_on: FailOn,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub only_new: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min_score: Option<f64>,
    pub passed: bool,
    /// Why the gate failed, one line per reason.
    pub reasons: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Summary {
    pub score: f64,
    pub grade: &'static str,
    pub verdict: &'static str,
    pub categories: BTreeMap<&'static str, CategorySummary>,
    pub areas: Vec<AreaSummary>,
    pub effort_hours: f64,
    pub rules: RuleCounts,
    pub gate: GateResult,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct RuleCounts {
    pub total: usize,
    pub failed: usize,
    pub passed: usize,
    pub not_applicable: usize,
    pub errors: usize,
}

impl RuleCounts {
    /// `170 rules checked: 54 failed, 25 passed, 91 not applicable`, plus the rules
    /// that could not be evaluated when there are any (the Markdown and HTML headers).
    pub fn checked_line(&self) -> String {
        let mut line = format!(
            "{} rules checked: {} failed, {} passed, {} not applicable",
            self.total, self.failed, self.passed, self.not_applicable
        );
        if self.errors > 0 {
            line.push_str(&format!(", {} could not be evaluated", self.errors));
        }
        line
    }
}

pub fn grade(score: f64) -> &'static str {
    match score {
        s if s >= 90.0 => "A",
        s if s >= 80.0 => "B",
        s if s >= 70.0 => "C",
        s if s >= 60.0 => "D",
        _ => "F",
    }
}

fn round1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

fn weighted_score<'a>(items: impl Iterator<Item = (&'a Rule, Outcome)>) -> Option<f64> {
    let (mut total, mut passed) = (0.0, 0.0);
    for (rule, outcome) in items {
        match outcome {
            Outcome::Pass => {
                total += rule.weight();
                passed += rule.weight();
            }
            Outcome::Fail => total += rule.weight(),
            Outcome::NotApplicable | Outcome::Error => {}
        }
    }
    (total > 0.0).then(|| round1(100.0 * passed / total))
}

pub fn summarize(
    rules: &[Rule],
    results: &[RuleResult],
    findings: &[Finding],
    gate: &Gate,
) -> Summary {
    let by_id: BTreeMap<&str, &Rule> = rules.iter().map(|r| (r.id.as_str(), r)).collect();
    let pairs: Vec<(&Rule, &RuleResult)> = results
        .iter()
        .filter_map(|r| by_id.get(r.rule_id.as_str()).map(|rule| (*rule, r)))
        .collect();

    let score = weighted_score(pairs.iter().map(|(r, res)| (*r, res.outcome))).unwrap_or(100.0);

    let mut categories: BTreeMap<&'static str, CategorySummary> = Category::ALL
        .iter()
        .map(|c| (c.as_str(), CategorySummary::default()))
        .collect();
    let mut counts = RuleCounts::default();
    for (rule, res) in &pairs {
        let c = categories.entry(rule.category.as_str()).or_default();
        counts.total += 1;
        match res.outcome {
            Outcome::Fail => {
                c.failed += 1;
                c.findings += res.failures;
                counts.failed += 1;
            }
            Outcome::Pass => {
                c.passed += 1;
                counts.passed += 1;
            }
            Outcome::NotApplicable => {
                c.not_applicable += 1;
                counts.not_applicable += 1;
            }
            Outcome::Error => counts.errors += 1,
        }
    }
    for f in findings.iter().filter(|f| f.is_active_failure()) {
        if let Some(c) = categories.get_mut(f.category.as_str()) {
            c.effort_hours += f.effort_hours;
        }
    }
    for c in categories.values_mut() {
        c.effort_hours = round1(c.effort_hours);
    }
    let effort_hours = round1(categories.values().map(|c| c.effort_hours).sum());

    let areas = Area::ALL
        .iter()
        .filter_map(|area| {
            let in_area: Vec<&(&Rule, &RuleResult)> =
                pairs.iter().filter(|(r, _)| r.area == *area).collect();
            let score = weighted_score(in_area.iter().map(|(r, res)| (*r, res.outcome)))?;
            let count = |o: Outcome| in_area.iter().filter(|(_, r)| r.outcome == o).count();
            Some(AreaSummary {
                area: *area,
                score,
                failed: count(Outcome::Fail),
                passed: count(Outcome::Pass),
                not_applicable: count(Outcome::NotApplicable),
            })
        })
        .collect();

    let mut reasons = Vec::new();
    for category in Category::ALL {
        if !gate.fail_on.gates(category) {
            continue;
        }
        if gate.only_new {
            let new = findings
                .iter()
                .filter(|f| {
                    f.category == category
                        && f.is_active_failure()
                        && f.baseline == Some(crate::finding::BaselineStatus::New)
                })
                .count();
            if new > 0 {
                reasons.push(format!(
                    "{new} new {category} finding(s) since the baseline"
                ));
            }
        } else {
            let failed = categories.get(category.as_str()).map_or(0, |c| c.failed);
            if failed > 0 {
                reasons.push(format!("{failed} {category} rule(s) failed"));
            }
        }
    }
    if let Some(min) = gate.min_score {
        if score < min {
            reasons.push(format!("score {score} is below the minimum {min}"));
        }
    }
    let passed = reasons.is_empty();
    Summary {
        score,
        grade: grade(score),
        verdict: if passed { "ready" } else { "not_ready" },
        categories,
        areas,
        effort_hours,
        rules: counts,
        gate: GateResult {
            fail_on: gate.fail_on,
            only_new: gate.only_new,
            min_score: gate.min_score,
            passed,
            reasons,
        },
    }
}
