//! What happens to findings between the scan and the report: suppressions (from the
//! project config and inline comments) and the comparison with a baseline report.

use crate::config::{Date, Ignore};
use crate::evaluate::{InlineIgnore, ScanResult};
use crate::finding::{BaselineStatus, Finding, Location, Outcome, Suppressed};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct SuppressionNote {
    pub source: String,
    pub rule: String,
    pub reason: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires: Option<String>,
}

/// How the suppressions fared; the report shows it so the ignore list cannot rot.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct SuppressionSummary {
    /// Failing occurrences silenced.
    pub applied: usize,
    /// Past their `expires` date: they match findings but no longer silence them.
    pub expired: Vec<SuppressionNote>,
    /// Matched no failing occurrence.
    pub stale: Vec<SuppressionNote>,
    /// Inline comments that cannot silence anything (no reason given).
    pub invalid: Vec<SuppressionNote>,
}

impl SuppressionSummary {
    pub fn is_empty(&self) -> bool {
        *self == SuppressionSummary::default()
    }
}

fn rule_matches(pattern: &str, id: &str) -> bool {
    pattern == "*" || pattern.eq_ignore_ascii_case(id)
}

fn config_matches(ignore: &Ignore, f: &Finding) -> bool {
    rule_matches(&ignore.rule, &f.rule_id)
        && match &ignore.path {
            None => true,
            Some(globs) => f
                .location
                .as_ref()
                .and_then(|l| l.path.as_deref())
                .is_some_and(|p| globs.is_match(p)),
        }
}

fn inline_matches(i: &InlineIgnore, loc: &Location, rule: &str) -> bool {
    rule_matches(&i.rule, rule)
        && loc.path.as_deref() == Some(i.path.as_str())
        && loc.line.is_some_and(|l| l == i.line || l == i.line + 1)
}

/// Marks suppressed findings and recomputes each rule's outcome: a rule whose every
/// failing occurrence is suppressed no longer fails.
pub fn apply_suppressions(
    result: &mut ScanResult,
    ignores: &[Ignore],
    today: Date,
) -> SuppressionSummary {
    let mut summary = SuppressionSummary::default();
    let mut used = vec![false; ignores.len()];
    let mut expired_used = vec![false; ignores.len()];
    for f in result
        .findings
        .iter_mut()
        .filter(|f| f.outcome == Outcome::Fail)
    {
        let mut silenced = None;
        for (i, ig) in ignores.iter().enumerate() {
            if !config_matches(ig, f) {
                continue;
            }
            if ig.expires.is_some_and(|d| d < today) {
                expired_used[i] = true;
                continue;
            }
            used[i] = true;
            silenced = Some(Suppressed {
                reason: ig.reason.clone(),
                source: ig.source.clone(),
                expires: ig.expires.map(|d| d.to_string()),
                owner: ig.owner.clone(),
                ticket: ig.ticket.clone(),
            });
            break;
        }
        if silenced.is_none() {
            if let Some(loc) = &f.location {
                if let Some(i) = result
                    .inline_ignores
                    .iter()
                    .find(|i| !i.reason.is_empty() && inline_matches(i, loc, &f.rule_id))
                {
                    silenced = Some(Suppressed {
                        reason: i.reason.clone(),
                        source: format!("inline ({}:{})", i.path, i.line),
                        expires: None,
                        owner: None,
                        ticket: None,
                    });
                }
            }
        }
        if silenced.is_some() {
            summary.applied += 1;
        }
        f.suppressed = silenced;
    }
    for (i, ig) in ignores.iter().enumerate() {
        let note = SuppressionNote {
            source: ig.source.clone(),
            rule: ig.rule.clone(),
            reason: ig.reason.clone(),
            expires: ig.expires.map(|d| d.to_string()),
        };
        if expired_used[i] && !used[i] {
            summary.expired.push(note);
        } else if !used[i] {
            summary.stale.push(note);
        }
    }
    summary.invalid = result
        .inline_ignores
        .iter()
        .filter(|i| i.reason.is_empty())
        .map(|i| SuppressionNote {
            source: format!("{}:{}", i.path, i.line),
            rule: i.rule.clone(),
            reason: "no reason given: `launchgate:ignore RULE-ID reason`".into(),
            expires: None,
        })
        .collect();

    let mut active: BTreeMap<&str, usize> = BTreeMap::new();
    for f in result.findings.iter().filter(|f| f.is_active_failure()) {
        *active.entry(f.rule_id.as_str()).or_default() += 1;
    }
    for r in result
        .rule_results
        .iter_mut()
        .filter(|r| r.outcome == Outcome::Fail)
    {
        r.failures = active.get(r.rule_id.as_str()).copied().unwrap_or(0);
        if r.failures == 0 {
            r.outcome = Outcome::Pass;
        }
    }
    summary
}

/// What a previous report said, reduced to what the comparison needs.
#[derive(Clone, Debug, Default)]
pub struct Baseline {
    pub file: String,
    pub score: f64,
    /// Active failing occurrences by fingerprint.
    pub failing: BTreeMap<String, FixedFinding>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct FixedFinding {
    pub rule_id: String,
    pub title: String,
    pub category: String,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct BaselineSummary {
    pub file: String,
    pub score_before: f64,
    pub score_change: f64,
    pub new: usize,
    pub unchanged: usize,
    pub fixed: Vec<FixedFinding>,
}

/// Reads a JSON report written by launchgate (any format version with findings).
pub fn read_baseline(path: &std::path::Path) -> Result<Baseline, String> {
    let name = path.display().to_string();
    let text =
        std::fs::read_to_string(path).map_err(|e| format!("cannot read baseline {name}: {e}"))?;
    baseline_from_json(&name, &text)
}

pub fn baseline_from_json(name: &str, text: &str) -> Result<Baseline, String> {
    let json: serde_json::Value = serde_json::from_str(text).map_err(|e| {
        format!(
            "{name}:{}:{}: not a launchgate JSON report: {e}",
            e.line(),
            e.column()
        )
    })?;
    let findings = json["findings"]
        .as_array()
        .ok_or_else(|| format!("{name}: not a launchgate JSON report (no `findings` array)"))?;
    let mut failing = BTreeMap::new();
    for f in findings {
        if f["outcome"] != "fail" || !f["suppressed"].is_null() {
            continue;
        }
        let Some(fp) = f["fingerprint"].as_str() else {
            continue;
        };
        let text = |k: &str| f[k].as_str().unwrap_or("").to_string();
        let location = f["location"].as_object().map(|l| {
            let mut s = l
                .get("path")
                .or_else(|| l.get("url"))
                .and_then(|v| v.as_str())
                .unwrap_or("")
                .to_string();
            if let Some(line) = l.get("line").and_then(serde_json::Value::as_u64) {
                s.push_str(&format!(":{line}"));
            }
            s
        });
        failing.insert(
            fp.to_string(),
            FixedFinding {
                rule_id: text("rule_id"),
                title: text("title"),
                category: text("category"),
                message: text("message"),
                location,
            },
        );
    }
    Ok(Baseline {
        file: name.to_string(),
        score: json["summary"]["score"].as_f64().unwrap_or(0.0),
        failing,
    })
}

/// Marks each active failing finding new or unchanged; returns the summary without
/// the score change (known once the new score is computed).
pub fn mark_against_baseline(findings: &mut [Finding], baseline: &Baseline) -> BaselineSummary {
    let mut now: BTreeSet<&str> = BTreeSet::new();
    let (mut new, mut unchanged) = (0, 0);
    for f in findings.iter_mut().filter(|f| f.is_active_failure()) {
        let Some(fp) = f.fingerprint.as_deref() else {
            continue;
        };
        if baseline.failing.contains_key(fp) {
            f.baseline = Some(BaselineStatus::Unchanged);
            unchanged += 1;
        } else {
            f.baseline = Some(BaselineStatus::New);
            new += 1;
        }
    }
    for f in findings.iter().filter(|f| f.is_active_failure()) {
        if let Some(fp) = f.fingerprint.as_deref() {
            now.insert(fp);
        }
    }
    let fixed = baseline
        .failing
        .iter()
        .filter(|(fp, _)| !now.contains(fp.as_str()))
        .map(|(_, f)| f.clone())
        .collect::<Vec<_>>();
    let mut fixed = fixed;
    fixed.sort_by(|a, b| {
        (&a.rule_id, &a.location, &a.message).cmp(&(&b.rule_id, &b.location, &b.message))
    });
    BaselineSummary {
        file: baseline.file.clone(),
        score_before: baseline.score,
        score_change: 0.0,
        new,
        unchanged,
        fixed,
    }
}
