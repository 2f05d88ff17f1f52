//! `probe` checks: conditions on the facts gathered from live URLs.

use super::{Occurrence, Verdict};
use crate::doc::Scalar;
use crate::finding::{Evidence, Location};
use crate::probe::{Fact, ProbeReport};
use crate::rules::{ProbeCheck, ProbeCondition, ProbeOp, Rule};

fn fact_text(f: &Fact) -> String {
    match f {
        Fact::Bool(b) => b.to_string(),
        Fact::Int(i) => i.to_string(),
        Fact::Str(s) => s.clone(),
        Fact::List(l) if l.is_empty() => "(none)".to_string(),
        Fact::List(l) => l.join(", "),
    }
}

fn equals(f: &Fact, s: &Scalar) -> bool {
    match (f, s) {
        (Fact::Bool(a), Scalar::Bool(b)) => a == b,
        (Fact::Int(a), Scalar::Int(b)) => a == b,
        (Fact::Int(a), Scalar::Float(b)) => (*a as f64) == *b,
        (Fact::Str(a), Scalar::Str(b)) => a.eq_ignore_ascii_case(b),
        (Fact::List(l), Scalar::Str(b)) => l.iter().any(|x| x.eq_ignore_ascii_case(b)),
        _ => false,
    }
}

fn number(f: &Fact) -> Option<f64> {
    match f {
        Fact::Int(i) => Some(*i as f64),
        _ => None,
    }
}

/// `None` when the fact was not observed and the operator needs it.
fn holds_one(op: &ProbeOp, fact: Option<&Fact>) -> Option<bool> {
    match (op, fact) {
        (ProbeOp::Missing, f) => Some(f.is_none()),
        (ProbeOp::Exists, f) => Some(f.is_some()),
        (_, None) => None,
        (ProbeOp::Eq(s), Some(f)) => Some(equals(f, s)),
        (ProbeOp::Ne(s), Some(f)) => Some(!equals(f, s)),
        (ProbeOp::Ge(n), Some(f)) => number(f).map(|v| v >= *n),
        (ProbeOp::Gt(n), Some(f)) => number(f).map(|v| v > *n),
        (ProbeOp::Le(n), Some(f)) => number(f).map(|v| v <= *n),
        (ProbeOp::Lt(n), Some(f)) => number(f).map(|v| v < *n),
        (ProbeOp::Matches(re), Some(f)) => Some(re.is_match(&fact_text(f))),
        (ProbeOp::NotMatches(re), Some(f)) => Some(!re.is_match(&fact_text(f))),
        (ProbeOp::Empty, Some(Fact::List(l))) => Some(l.is_empty()),
        (ProbeOp::NotEmpty, Some(Fact::List(l))) => Some(!l.is_empty()),
        (ProbeOp::Empty | ProbeOp::NotEmpty, Some(_)) => None,
    }
}

/// Any of the condition's facts satisfying it is enough; `None` when none was observed.
fn holds(c: &ProbeCondition, report: &ProbeReport) -> Option<bool> {
    let mut seen = None;
    for name in &c.facts {
        match holds_one(&c.op, report.facts.get(name)) {
            Some(true) => return Some(true),
            Some(false) => seen = Some(false),
            None => {}
        }
    }
    seen
}

pub fn evaluate(rule: &Rule, check: &ProbeCheck, reports: &[ProbeReport]) -> Verdict {
    if reports.is_empty() {
        return Verdict::NotApplicable(
            "no URL was probed (give --url or urls in launchgate.toml)".into(),
        );
    }
    let mut judged = 0usize;
    let mut occurrences = Vec::new();
    for report in reports {
        if !check.when.iter().all(|w| holds(w, report) == Some(true)) {
            continue;
        }
        let Some(ok) = holds(&check.expect, report) else {
            continue;
        };
        judged += 1;
        if ok {
            continue;
        }
        let seen: Vec<String> = check
            .expect
            .facts
            .iter()
            .map(|name| match report.facts.get(name) {
                Some(f) => format!("{name} = {}", fact_text(f)),
                None => format!("{name}: not observed"),
            })
            .collect();
        let mut evidence = seen.join("; ");
        if let Some(err) = report.errors.first() {
            evidence.push_str(&format!(" ({err})"));
        }
        occurrences.push(Occurrence {
            owner: None,
            setting: None,
            location: Some(Location::url(&report.url)),
            message: rule.failure_message(),
            evidence: Some(Evidence::note(evidence)),
        });
    }
    if judged == 0 {
        return Verdict::NotApplicable("no probed URL exposed the facts this rule needs".into());
    }
    Verdict::Checked {
        occurrences,
        summary: format!("{judged} URL(s) checked"),
    }
}
