//! `structured` checks: YAML / JSON / TOML documents filtered by `documents`, nodes
//! chosen by `select` and `filter`, and `assert`ions on each chosen node.

use super::{Occurrence, Verdict};
use crate::doc::{join_selector_paths, parse_documents, DocFormat, Node, Scalar, Selector, Value};
use crate::finding::{Evidence, Location};
use crate::inventory::classify::parent_dir;
use crate::redact::Redacted;
use crate::rules::{AssertOp, Assertion, Quantifier, Rule, StructuredCheck};

#[derive(Clone, Debug, Default)]
pub struct FileResult {
    /// At least one document passed the `documents` filter.
    pub applicable: bool,
    /// Failing places, each with the node path and assertion that failed there (an
    /// overlay setting the same node can still make it pass, see [`finish`]).
    pub occurrences: Vec<(Occurrence, Failed)>,
    /// The file's documents when it is an overlay of the check.
    pub overlay: Option<Vec<Node>>,
    /// The file's documents when it is a base file an overlay of the check completes.
    pub base: Option<Vec<Node>>,
}

impl FileResult {
    /// Whether the verdict needs this file: it was judged, or it is an overlay.
    pub fn keep(&self) -> bool {
        self.applicable || self.overlay.is_some()
    }
}

/// Where an assertion failed: the concrete path of the selected node and the index
/// of the assertion in `assert`.
#[derive(Clone, Debug)]
pub struct Failed {
    node_path: String,
    assertion: usize,
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

/// Whether the assertion holds for `node` (in document `doc`, for `$` paths) through
/// any of its paths, and for evidence the nodes reached by the first path that
/// reached any (the value that is wrong rather than the place it could have been).
fn holds<'n>(a: &Assertion, node: &'n Node, doc: &'n Node) -> (bool, Vec<(String, &'n Node)>) {
    let mut first: Option<Vec<(String, &Node)>> = None;
    for path in &a.paths {
        let base = if path.is_anchored() { doc } else { node };
        let (ok, targets) = holds_at(&a.op, a.quantifier, path, base);
        if ok {
            return (true, targets);
        }
        if first.as_ref().is_none_or(Vec::is_empty) {
            first = Some(targets);
        }
    }
    (false, first.unwrap_or_default())
}

fn holds_at<'n>(
    op: &AssertOp,
    quantifier: Quantifier,
    path: &Selector,
    node: &'n Node,
) -> (bool, Vec<(String, &'n Node)>) {
    let targets: Vec<(String, &Node)> = path
        .select(node)
        .into_iter()
        .filter(|(_, n)| present(n))
        .collect();
    let equals = |n: &Node, values: &[Scalar]| {
        n.as_scalar()
            .is_some_and(|s| values.iter().any(|v| v.loosely_equals(s)))
    };
    let matches =
        |n: &Node, re: &crate::rules::LazyRegex| scalar_text(n).is_some_and(|t| re.is_match(&t));
    let test = |n: &Node| match op {
        AssertOp::Exists | AssertOp::Missing => true,
        AssertOp::Equals(values) => equals(n, values),
        AssertOp::NotEquals(values) => !equals(n, values),
        AssertOp::Matches(re) => matches(n, re),
        AssertOp::NotMatches(re) => !matches(n, re),
    };
    let ok = match (op, quantifier) {
        (AssertOp::Exists, _) => !targets.is_empty(),
        (AssertOp::Missing, _) => targets.is_empty(),
        // "Some" needs a node that satisfies the op.
        (_, Quantifier::Some) => targets.iter().any(|(_, n)| test(n)),
        // "All" of nothing: a positive op needs something to hold on, a negative
        // one (none equals, none matches) holds.
        (AssertOp::Equals(_) | AssertOp::Matches(_), Quantifier::All) => {
            !targets.is_empty() && targets.iter().all(|(_, n)| test(n))
        }
        (_, Quantifier::All) => targets.iter().all(|(_, n)| test(n)),
    };
    (ok, targets)
}

/// Whether one document of a structured file satisfies every assertion (the
/// `documents` filter of a `content` check). A file whose format is unknown or that
/// does not parse counts as satisfying it: a broken file must not hide a finding.
pub fn some_document_holds(assertions: &[Assertion], path: &str, text: &str) -> bool {
    let Some(format) = DocFormat::from_path(path) else {
        return true;
    };
    match parse_documents(format, text) {
        Ok(docs) => docs
            .iter()
            .any(|d| assertions.iter().all(|a| holds(a, d, d).0)),
        Err(_) => true,
    }
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
    match &check.overlays {
        Some(o) if o.is_match(path) => result.overlay = Some(docs.to_vec()),
        Some(_) if check.paths.is_match(path) => result.base = Some(docs.to_vec()),
        _ => {}
    }
    // Routed here only as an overlay: it is not judged on its own.
    if !check.paths.is_match(path) {
        return result;
    }
    for doc in docs {
        if !check.documents.iter().all(|a| holds(a, doc, doc).0) {
            continue;
        }
        result.applicable = true;
        for (node_path, node) in check.select.iter().flat_map(|s| s.select(doc)) {
            if !present(node) || !check.filter.iter().all(|a| holds(a, node, doc).0) {
                continue;
            }
            for (index, a) in check.assert.iter().enumerate() {
                let (ok, targets) = holds(a, node, doc);
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
                result.occurrences.push((
                    Occurrence {
                        owner: None,
                        setting: None,
                        location: Some(Location::at(path, line, column)),
                        message,
                        evidence: Some(Evidence::note(seen)),
                    },
                    Failed {
                        node_path: node_path.clone(),
                        assertion: index,
                    },
                ));
            }
        }
    }
    result
}

/// Whether an overlay document sets, for the node at `failed.node_path`, what the
/// assertion asks (`backend: {restart: always}` in `compose.deploy.yml`). The overlay
/// must set the asserted path itself: an entry that does not mention `image` says
/// nothing about the base's image, although "no image matches `:latest`" holds on it.
fn overlay_satisfies(check: &StructuredCheck, failed: &Failed, overlay: &[Node]) -> bool {
    let Some(a) = check.assert.get(failed.assertion) else {
        return false;
    };
    // Node paths are built from the document's keys, quoted where needed; a key
    // that cannot be written back as a selector is simply not looked up.
    let Ok(selector) = Selector::parse(&failed.node_path) else {
        return false;
    };
    overlay.iter().any(|doc| {
        selector.select(doc).into_iter().any(|(_, node)| {
            present(node)
                && a.paths.iter().any(|path| {
                    let base = if path.is_anchored() { doc } else { node };
                    let (ok, targets) = holds_at(&a.op, a.quantifier, path, base);
                    ok && !targets.is_empty()
                })
        })
    })
}

/// Each file's occurrences are dropped where another file merged with it at deploy time
/// sets what is asked for the same node: an overlay in the same folder completes a base
/// file (`backend: {restart: always}` in `compose.deploy.yml`), and a judged overlay is
/// completed by the base file it is merged over (coolify's `docker-compose.prod.yml`
/// over `docker-compose.yml`, which sets `restart: always`).
pub fn finish(check: &StructuredCheck, files: Vec<(&str, FileResult)>) -> Verdict {
    let overlays: Vec<(&str, Vec<Node>)> = files
        .iter()
        .filter_map(|(path, r)| r.overlay.clone().map(|docs| (*path, docs)))
        .collect();
    let bases: Vec<(&str, Vec<Node>)> = files
        .iter()
        .filter(|(_, r)| r.applicable)
        .filter_map(|(path, r)| r.base.clone().map(|docs| (*path, docs)))
        .collect();
    let applicable: Vec<(&str, FileResult)> =
        files.into_iter().filter(|(_, r)| r.applicable).collect();
    if applicable.is_empty() {
        return Verdict::NotApplicable(format!(
            "no matching document in {}",
            check.paths.patterns.join(", ")
        ));
    }
    let checked = applicable.len();
    let occurrences = applicable
        .into_iter()
        .flat_map(|(path, r)| {
            let dir = parent_dir(path);
            let merged_with = if r.overlay.is_some() {
                &bases
            } else {
                &overlays
            };
            let same_folder: Vec<&[Node]> = merged_with
                .iter()
                .filter(|(o, _)| *o != path && parent_dir(o) == dir)
                .map(|(_, docs)| docs.as_slice())
                .collect();
            r.occurrences
                .into_iter()
                .filter(move |(_, failed)| {
                    !same_folder
                        .iter()
                        .any(|docs| overlay_satisfies(check, failed, docs))
                })
                .map(|(o, _)| o)
        })
        .collect();
    Verdict::Checked {
        occurrences,
        summary: format!("{checked} file(s) checked"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::{parse_rule_file, Check};

    fn rule(check: &str) -> Rule {
        let text = format!(
            "[[rule]]\nid = \"T1\"\ntitle = \"t\"\ncategory = \"advisory\"\narea = \"quality\"\neffort = \"1h\"\nremediation = \"r\"\n[rule.structured]\n{check}\n"
        );
        parse_rule_file("t.toml", &text)
            .unwrap_or_else(|e| panic!("{e:?}"))
            .rules
            .remove(0)
    }

    fn docs(yaml: &str) -> Vec<Node> {
        parse_documents(DocFormat::Yaml, yaml).unwrap()
    }

    fn failures(rule: &Rule, files: &[(&str, &str)]) -> Vec<(String, u32)> {
        let Check::Structured(check) = &rule.check else {
            panic!("structured")
        };
        let parsed: Vec<(&str, Vec<Node>)> = files.iter().map(|(p, y)| (*p, docs(y))).collect();
        let results = parsed
            .iter()
            .map(|(p, d)| (*p, evaluate_documents(rule, check, p, d)))
            .filter(|(_, r)| r.keep())
            .collect();
        match finish(check, results) {
            Verdict::Checked { occurrences, .. } => occurrences
                .into_iter()
                .map(|o| {
                    let l = o.location.unwrap();
                    (l.path.unwrap(), l.line.unwrap())
                })
                .collect(),
            Verdict::NotApplicable(why) => vec![(why, 0)],
        }
    }

    #[test]
    fn some_quantifier_needs_one_satisfying_node() {
        let r = rule(
            "paths = [\"*.yml\"]\nassert = [{ path = \"items[*]\", op = \"equals\", value = \"b\", quantifier = \"some\" }]",
        );
        assert!(failures(&r, &[("a.yml", "items: [a, b]\n")]).is_empty());
        assert_eq!(failures(&r, &[("a.yml", "items: [a, c]\n")]).len(), 1);
        assert_eq!(failures(&r, &[("a.yml", "items: []\n")]).len(), 1);
        // The default still means every node.
        let all = rule("paths = [\"*.yml\"]\nassert = [{ path = \"items[*]\", op = \"equals\", value = \"b\" }]");
        assert_eq!(failures(&all, &[("a.yml", "items: [a, b]\n")]).len(), 1);
        let none = rule(
            "paths = [\"*.yml\"]\nassert = [{ path = \"items[*]\", op = \"not-matches\", pattern = \"^a$\", quantifier = \"some\" }]",
        );
        assert!(failures(&none, &[("a.yml", "items: [a, b]\n")]).is_empty());
        assert_eq!(failures(&none, &[("a.yml", "items: [a]\n")]).len(), 1);
    }

    #[test]
    fn anchored_paths_read_the_document_root() {
        let r = rule(
            "paths = [\"*.yml\"]\nselect = \"spec.containers[*]\"\nassert = [{ path = [\"securityContext.runAsNonRoot\", \"$.spec.securityContext.runAsNonRoot\"], op = \"equals\", value = true }]",
        );
        let inherited = "spec:\n  securityContext: {runAsNonRoot: true}\n  containers:\n    - name: a\n    - name: b\n";
        assert!(failures(&r, &[("p.yml", inherited)]).is_empty());
        let partial = "spec:\n  containers:\n    - name: a\n      securityContext: {runAsNonRoot: true}\n    - name: b\n";
        assert_eq!(
            failures(&r, &[("p.yml", partial)]),
            vec![("p.yml".to_string(), 5)]
        );
    }

    #[test]
    fn overlays_in_the_same_folder_satisfy_the_base() {
        let r = rule(
            "paths = [\"**/compose.yml\", \"**/compose.prod.yml\"]\noverlays = [\"**/compose.prod.yml\", \"**/compose.deploy.yml\"]\nselect = \"services.*\"\nfilter = [{ path = \"image\", op = \"exists\" }]\nassert = [{ path = \"restart\", op = \"exists\" }]",
        );
        let base = "services:\n  web:\n    image: web:1\n  db:\n    image: postgres:16\n";
        let overlay = "services:\n  web:\n    restart: always\n";
        // Only `db` is left failing, still reported at the base file's line.
        assert_eq!(
            failures(
                &r,
                &[("compose.yml", base), ("compose.deploy.yml", overlay)]
            ),
            vec![("compose.yml".to_string(), 5)]
        );
        // An overlay entry that does not set the asserted path proves nothing.
        let pinned = rule(
            "paths = [\"**/compose.yml\"]\noverlays = [\"**/compose.deploy.yml\"]\nselect = \"services.*\"\nassert = [{ path = \"image\", op = \"not-matches\", pattern = \":latest$\" }]",
        );
        let latest = "services:\n  web:\n    image: web:latest\n";
        assert_eq!(
            failures(
                &pinned,
                &[("compose.yml", latest), ("compose.deploy.yml", overlay)]
            )
            .len(),
            1
        );
        let repinned = "services:\n  web:\n    image: web:1.2\n";
        assert!(failures(
            &pinned,
            &[("compose.yml", latest), ("compose.deploy.yml", repinned)]
        )
        .is_empty());
        // An overlay of another folder does not apply.
        assert_eq!(
            failures(
                &r,
                &[("compose.yml", base), ("other/compose.deploy.yml", overlay)]
            )
            .len(),
            2
        );
        // An overlay alone, without a base, is judged only when `paths` selects it.
        let alone = failures(&r, &[("x/compose.deploy.yml", overlay)]);
        assert_eq!(alone.len(), 1);
        assert!(alone[0].0.starts_with("no matching document"), "{alone:?}");
    }
}
