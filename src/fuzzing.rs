//! Entry points for the fuzz targets in `fuzz/` and their regression tests; not an
//! API. Each takes arbitrary bytes, runs one parser the way a hostile repository or
//! server would reach it, and panics only when an invariant breaks (a panic is what
//! the fuzzer reports). Inputs that are not UTF-8 are decoded lossily, as the walker
//! does with files.

use crate::doc::{parse_nginx, parse_yaml, Node, Selector, Value, YamlLimits, MAX_NGINX_DEPTH};
use std::borrow::Cow;

fn text(data: &[u8]) -> Cow<'_, str> {
    String::from_utf8_lossy(data)
}

fn line_count(text: &str) -> u32 {
    u32::try_from(text.split('\n').count()).unwrap_or(u32::MAX)
}

/// Lines as YAML counts them: a lone CR is a line break too (YAML 1.2, 5.4).
fn yaml_line_count(text: &str) -> u32 {
    let lone_cr = text
        .as_bytes()
        .windows(2)
        .filter(|w| w[0] == b'\r' && w[1] != b'\n')
        .count()
        + usize::from(text.ends_with('\r'));
    line_count(text).saturating_add(u32::try_from(lone_cr).unwrap_or(u32::MAX))
}

/// The `.env` parser: every entry and problem points at a real line, and problems
/// never repeat the text of their line.
pub fn env(data: &[u8]) {
    let text = text(data);
    let lines = line_count(&text);
    let parsed = crate::inventory::parse_env(&text);
    for e in &parsed.entries {
        assert!(
            e.line >= 1 && e.line <= lines,
            "entry line {} of {lines}",
            e.line
        );
        assert!(e.column >= 1);
        assert!(!e.key.is_empty());
    }
    let all: Vec<&str> = text.split('\n').collect();
    for p in &parsed.problems {
        assert!(
            p.line >= 1 && p.line <= lines,
            "problem line {} of {lines}",
            p.line
        );
        // A line without `=` may be a pasted secret: its problem is the fixed
        // message, which echoes nothing.
        let line = all[p.line as usize - 1];
        if !line.contains('=') {
            assert_eq!(
                p.message, "expected KEY=VALUE (no `=` after the first word)",
                "problem for a line without `=` echoes text"
            );
        }
    }
    assert!(parsed.effective().len() <= parsed.entries.len());
}

/// The rule loader: errors carry positions inside the file and render.
pub fn rule_file(data: &[u8]) {
    let text = text(data);
    let lines = line_count(&text);
    if let Err(diags) = crate::rules::parse_rule_file("fuzz.toml", &text) {
        assert!(!diags.0.is_empty());
        for d in &diags.0 {
            assert!(
                d.line >= 1 && d.line <= lines,
                "diagnostic line {} of {lines}",
                d.line
            );
            let shown = d.to_string();
            assert!(
                !shown.chars().any(|c| c.is_control() && c != '\n'),
                "control character in a diagnostic"
            );
        }
    }
}

/// Height of a tree, without recursion (a deep tree is what is being checked).
fn height(root: &Node) -> usize {
    let mut max = 0;
    let mut stack = vec![(root, 1usize)];
    while let Some((node, depth)) = stack.pop() {
        max = max.max(depth);
        match &node.value {
            Value::Seq(items) => stack.extend(items.iter().map(|n| (n, depth + 1))),
            Value::Map(entries) => stack.extend(entries.iter().map(|(_, n)| (n, depth + 1))),
            Value::Scalar(_) => {}
        }
    }
    max
}

/// The YAML parser and path selectors. The first line is a selector, the rest a
/// YAML (or JSON) stream; documents stay within the node and depth limits.
pub fn yaml_select(data: &[u8]) {
    let text = text(data);
    let (selector, doc) = text.split_once('\n').unwrap_or(("", &text));
    let limits = YamlLimits {
        max_nodes: 20_000,
        max_depth: 64,
    };
    let selector = Selector::parse(selector).ok();
    match parse_yaml(doc, &limits) {
        Ok(docs) => {
            for d in &docs {
                assert!(
                    height(d) <= limits.max_depth + 1,
                    "tree deeper than the limit"
                );
                if let Some(sel) = &selector {
                    for (path, _) in sel.select(d) {
                        assert!(!path.contains(|c: char| c.is_control()));
                    }
                }
            }
        }
        Err(e) => assert!(e.line <= yaml_line_count(doc).saturating_add(1)),
    }
}

/// The nginx parser: lines are real, nesting is bounded.
pub fn nginx(data: &[u8]) {
    let text = text(data);
    let lines = line_count(&text);
    match parse_nginx(&text) {
        Ok(doc) => {
            assert!(height(&doc) <= 4 * (MAX_NGINX_DEPTH + 1) + 2);
            let mut stack = vec![&doc];
            while let Some(n) = stack.pop() {
                assert!(
                    n.line >= 1 && n.line <= lines,
                    "node line {} of {lines}",
                    n.line
                );
                match &n.value {
                    Value::Seq(items) => stack.extend(items.iter()),
                    Value::Map(entries) => stack.extend(entries.iter().map(|(_, v)| v)),
                    Value::Scalar(_) => {}
                }
            }
        }
        Err(e) => assert!(
            e.line >= 1 && e.line <= lines,
            "error line {} of {lines}",
            e.line
        ),
    }
}

/// A response head as a server would send it, through every header parser.
pub fn probe_headers(data: &[u8]) {
    crate::probe::fuzz::response_head(data);
    let text = text(data);
    crate::probe::fuzz::csp_policy(&text);
    crate::probe::fuzz::url(&text);
}

/// The redaction helpers: scrubbing is idempotent and output is printable.
pub fn redact(data: &[u8]) {
    let text = text(data);
    let once = crate::redact::scrub_line(&text);
    let clipped = crate::redact::clip(&once, 160);
    assert!(!clipped.chars().any(|c| c.is_control()));
    let _ = crate::redact::scrub_url(&text);
}
