//! `structured` checks: YAML / JSON / TOML documents filtered by `documents`, nodes
//! chosen by `select` and `filter`, and `assert`ions on each chosen node.

use super::{Occurrence, Verdict};
use crate::doc::{join_selector_paths, Node, Scalar, Selector, Value};
use crate::finding::{Evidence, Location};
use crate::redact::Redacted;
use crate::rules::{AssertOp, Assertion, Rule, StructuredCheck};

#[derive(Clone, Debug, Default)]
pub struct FileResult {
    /// At least one document passed the `documents` filter.
    pub applicable: bool,
    pub occurrences: Vec<Occurrence>,
}

fn present(node: &Node) -> bool {
    !matches!(node.value, Value::Scalar(Scalar::Null))
}

fn scalar_text(node: &Node) -> Option<String> {
    match &node.value {
        Value::Scalar(Scalar::Null) => None,
        Value::Scalar(s) => Some(s.to_string()),
        _ => None,
    }
}

/// Whether the assertion holds for `node` through any of its paths, and the nodes
/// the first path reached (for evidence).
fn holds<'n>(a: &Assertion, node: &'n Node) -> (bool, Vec<(String, &'n Node)>) {
    let mut first = None;
    for path in &a.paths {
        let (ok, targets) = holds_at(&a.op, path, node);
        if ok {
            return (true, targets);
        }
        first.get_or_insert(targets);
    }
    (false, first.unwrap_or_default())
}

fn holds_at<'n>(op: &AssertOp, path: &Selector, node: &'n Node) -> (bool, Vec<(String, &'n Node)>) {
    let targets: Vec<(String, &Node)> = path
        .select(node)
        .into_iter()
        .filter(|(_, n)| present(n))
        .collect();
    let ok = match op {
        AssertOp::Exists => !targets.is_empty(),
        AssertOp::Missing => targets.is_empty(),
        AssertOp::Equals(values) => {
            !targets.is_empty()
                && targets.iter().all(|(_, n)| {
                    n.as_scalar()
                        .is_some_and(|s| values.iter().any(|v| v.loosely_equals(s)))
                })
        }
        AssertOp::NotEquals(values) => targets.iter().all(|(_, n)| {
            !n.as_scalar()
                .is_some_and(|s| values.iter().any(|v| v.loosely_equals(s)))
        }),
        AssertOp::Matches(re) => {
            !targets.is_empty()
                && targets
                    .iter()
                    .all(|(_, n)| scalar_text(n).is_some_and(|t| re.is_match(&t)))
        }
        AssertOp::NotMatches(re) => targets
            .iter()
            .all(|(_, n)| !scalar_text(n).is_some_and(|t| re.is_match(&t))),
    };
    (ok, targets)
}

fn op_text(op: &AssertOp) -> String {
    let list = |v: &[Scalar]| {
        v.iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(" | ")
    };
    match op {
        AssertOp::Exists => "expected to exist".into(),
        AssertOp::Missing => "expected to be absent".into(),
        AssertOp::Equals(v) => format!("expected {}", list(v)),
        AssertOp::NotEquals(v) => format!("must not be {}", list(v)),
        AssertOp::Matches(re) => format!("expected to match /{}/", re.as_str()),
        AssertOp::NotMatches(re) => format!("must not match /{}/", re.as_str()),
    }
}

pub fn evaluate_documents(
    rule: &Rule,
    check: &StructuredCheck,
    path: &str,
    docs: &[Node],
) -> FileResult {
    let mut result = FileResult::default();
    for doc in docs {
        if !check.documents.iter().all(|a| holds(a, doc).0) {
            continue;
        }
        result.applicable = true;
        for (node_path, node) in check.select.iter().flat_map(|s| s.select(doc)) {
            if !present(node) || !check.filter.iter().all(|a| holds(a, node).0) {
                continue;
            }
            for a in &check.assert {
                let (ok, targets) = holds(a, node);
                if ok {
                    continue;
                }
                let shown_path = a
                    .paths
                    .iter()
                    .map(Selector::as_str)
                    .collect::<Vec<_>>()
                    .join(" or ");
                let full = join_selector_paths(&node_path, &shown_path);
                let (line, column, seen) = match targets.first() {
                    Some((sub, t)) => {
                        let shown = if check.secret {
                            scalar_text(t)
                                .map_or_else(|| t.summary(), |s| Redacted::new(&s).to_string())
                        } else {
                            t.summary()
                        };
                        (
                            t.line,
                            t.column,
                            format!("{} = {shown}", join_selector_paths(&node_path, sub)),
                        )
                    }
                    None => (node.line, node.column, format!("{full}: missing")),
                };
                let message = a.message.clone().unwrap_or_else(|| {
                    format!("{}: `{full}` {}", rule.failure_message(), op_text(&a.op))
                });
                result.occurrences.push(Occurrence {
                    location: Some(Location::at(path, line, column)),
                    message,
                    evidence: Some(Evidence::note(seen)),
                });
            }
        }
    }
    result
}

pub fn finish(check: &StructuredCheck, files: Vec<(&str, FileResult)>) -> Verdict {
    let applicable: Vec<FileResult> = files
        .into_iter()
        .filter(|(_, r)| r.applicable)
        .map(|(_, r)| r)
        .collect();
    if applicable.is_empty() {
        return Verdict::NotApplicable(format!(
            "no matching document in {}",
            check.paths.patterns.join(", ")
        ));
    }
    let checked = applicable.len();
    Verdict::Checked {
        occurrences: applicable.into_iter().flat_map(|r| r.occurrences).collect(),
        summary: format!("{checked} file(s) checked"),
    }
}
