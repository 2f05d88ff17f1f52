//! Path selectors such as `spec.template.spec.containers[*].image`.
//!
//! Grammar: steps separated by `.`; a step is a key, `*` (every value of a map),
//! `[*]` (every item of a list), `[N]` (one item), or a quoted key `"a.b/c"` for keys
//! that contain dots or slashes (Kubernetes annotations). An empty selector is the
//! document root. A leading `$` (`$`, `$.spec.securityContext`) anchors the selector
//! at the document root instead of the node it is applied to, so an assertion on a
//! container can read the pod it inherits from.

use super::{Node, Value};
use std::fmt;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Step {
    Key(String),
    AnyValue,
    AnyItem,
    Index(usize),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Selector {
    steps: Vec<Step>,
    text: String,
    anchored: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SelectorError {
    /// Character offset in the selector text.
    pub offset: usize,
    pub message: String,
}

impl fmt::Display for SelectorError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (at character {})", self.message, self.offset + 1)
    }
}

impl Selector {
    pub fn root() -> Self {
        Selector {
            steps: Vec::new(),
            text: String::new(),
            anchored: false,
        }
    }

    pub fn parse(text: &str) -> Result<Selector, SelectorError> {
        // `$schema` is a key; only `$` alone or followed by a step is the anchor.
        let anchored = text == "$" || text.starts_with("$.") || text.starts_with("$[");
        let rest = if anchored {
            text[1..].strip_prefix('.').unwrap_or(&text[1..])
        } else {
            text
        };
        let skipped = text.chars().count() - rest.chars().count();
        if anchored && rest.is_empty() && text != "$" {
            return Err(SelectorError {
                offset: 1,
                message: "selector ends with `.`".to_string(),
            });
        }
        let mut parsed = Self::parse_steps(rest).map_err(|mut e| {
            e.offset += skipped;
            e
        })?;
        parsed.text = text.to_string();
        parsed.anchored = anchored;
        Ok(parsed)
    }

    fn parse_steps(text: &str) -> Result<Selector, SelectorError> {
        let chars: Vec<char> = text.chars().collect();
        let mut steps = Vec::new();
        let mut i = 0;
        let err = |offset: usize, message: &str| SelectorError {
            offset,
            message: message.to_string(),
        };
        let mut expect_step = !chars.is_empty();
        while i < chars.len() {
            match chars[i] {
                '[' => {
                    let close = chars[i..]
                        .iter()
                        .position(|&c| c == ']')
                        .map(|p| p + i)
                        .ok_or_else(|| err(i, "unclosed `[`"))?;
                    let inner: String = chars[i + 1..close].iter().collect();
                    let step = if inner == "*" {
                        Step::AnyItem
                    } else {
                        let n = inner
                            .parse::<usize>()
                            .map_err(|_| err(i + 1, "expected `*` or a number inside `[]`"))?;
                        Step::Index(n)
                    };
                    steps.push(step);
                    i = close + 1;
                    expect_step = false;
                }
                '.' => {
                    if expect_step {
                        return Err(err(i, "empty step before `.`"));
                    }
                    i += 1;
                    expect_step = true;
                    if i == chars.len() {
                        return Err(err(i - 1, "selector ends with `.`"));
                    }
                }
                '"' => {
                    if !expect_step {
                        return Err(err(i, "expected `.` or `[` between steps"));
                    }
                    let close = chars[i + 1..]
                        .iter()
                        .position(|&c| c == '"')
                        .map(|p| p + i + 1)
                        .ok_or_else(|| err(i, "unclosed quote"))?;
                    steps.push(Step::Key(chars[i + 1..close].iter().collect()));
                    i = close + 1;
                    expect_step = false;
                }
                _ => {
                    if !expect_step {
                        return Err(err(i, "expected `.` or `[` between steps"));
                    }
                    let end = chars[i..]
                        .iter()
                        .position(|&c| c == '.' || c == '[')
                        .map_or(chars.len(), |p| p + i);
                    let key: String = chars[i..end].iter().collect();
                    if key
                        .chars()
                        .any(|c| c == ']' || c == '"' || c.is_whitespace())
                    {
                        return Err(err(i, "unexpected character in key (quote keys with \"\")"));
                    }
                    steps.push(if key == "*" {
                        Step::AnyValue
                    } else {
                        Step::Key(key)
                    });
                    i = end;
                    expect_step = false;
                }
            }
        }
        Ok(Selector {
            steps,
            text: text.to_string(),
            anchored: false,
        })
    }

    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// Starts at the document root (`$…`) rather than at the node it is applied to.
    pub fn is_anchored(&self) -> bool {
        self.anchored
    }

    pub fn is_root(&self) -> bool {
        self.steps.is_empty()
    }

    /// Every node the selector reaches, with its concrete path (`containers[1].image`).
    pub fn select<'n>(&self, root: &'n Node) -> Vec<(String, &'n Node)> {
        let mut current = vec![(String::new(), root)];
        for step in &self.steps {
            let mut next = Vec::new();
            for (path, node) in current {
                match (step, &node.value) {
                    (Step::Key(k), Value::Map(_)) => {
                        if let Some(child) = node.get(k) {
                            next.push((join_key(&path, k), child));
                        }
                    }
                    (Step::AnyValue, Value::Map(entries)) => {
                        for (k, child) in entries {
                            next.push((join_key(&path, k), child));
                        }
                    }
                    (Step::AnyItem, Value::Seq(items)) => {
                        for (i, child) in items.iter().enumerate() {
                            next.push((format!("{path}[{i}]"), child));
                        }
                    }
                    (Step::Index(i), Value::Seq(items)) => {
                        if let Some(child) = items.get(*i) {
                            next.push((format!("{path}[{i}]"), child));
                        }
                    }
                    _ => {}
                }
            }
            current = next;
        }
        current
    }
}

fn join_key(path: &str, key: &str) -> String {
    // Keys come from the scanned document: control characters are replaced so a
    // path in a message can never drive a terminal.
    let key: String = key
        .chars()
        .map(|c| if c.is_control() { '\u{fffd}' } else { c })
        .collect();
    let key = if key.contains(['.', '[', ']', ' ']) {
        format!("\"{key}\"")
    } else {
        key
    };
    if path.is_empty() {
        key
    } else {
        format!("{path}.{key}")
    }
}

/// Joins a prefix path with a relative one for messages.
pub fn join_paths(prefix: &str, rest: &str) -> String {
    match (prefix.is_empty(), rest.is_empty()) {
        (true, _) => rest.to_string(),
        (_, true) => prefix.to_string(),
        _ if rest.starts_with('[') => format!("{prefix}{rest}"),
        _ => format!("{prefix}.{rest}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::doc::{parse_yaml, YamlLimits};

    #[test]
    fn parses_and_selects() {
        let doc = &parse_yaml(
            "spec:\n  containers:\n    - name: a\n      image: x:1\n    - name: b\n      image: y\n",
            &YamlLimits::default(),
        )
        .unwrap()[0];
        let sel = Selector::parse("spec.containers[*].image").unwrap();
        let hits = sel.select(doc);
        assert_eq!(hits.len(), 2);
        assert_eq!(hits[1].0, "spec.containers[1].image");
        assert_eq!(hits[1].1.line, 6);
    }

    #[test]
    fn quoted_keys_and_any_value() {
        let doc = &parse_yaml(
            "services:\n  web: {image: a}\n  db: {image: b}\nmeta: {\"a.b/c\": 1}\n",
            &YamlLimits::default(),
        )
        .unwrap()[0];
        assert_eq!(
            Selector::parse("services.*.image")
                .unwrap()
                .select(doc)
                .len(),
            2
        );
        assert_eq!(
            Selector::parse("meta.\"a.b/c\"").unwrap().select(doc).len(),
            1
        );
    }

    #[test]
    fn anchored_selectors_start_at_the_root() {
        let doc = &parse_yaml(
            "spec:\n  securityContext: {runAsNonRoot: true}\n  containers: [{name: a}]\n$schema: x\n",
            &YamlLimits::default(),
        )
        .unwrap()[0];
        let anchored = Selector::parse("$.spec.securityContext.runAsNonRoot").unwrap();
        assert!(anchored.is_anchored());
        assert_eq!(anchored.as_str(), "$.spec.securityContext.runAsNonRoot");
        assert_eq!(anchored.select(doc).len(), 1);
        assert!(Selector::parse("$").unwrap().is_anchored());
        assert_eq!(Selector::parse("$[0]").unwrap().select(doc).len(), 0);
        // A key that merely begins with `$` is still a key.
        let key = Selector::parse("$schema").unwrap();
        assert!(!key.is_anchored());
        assert_eq!(key.select(doc).len(), 1);
        assert_eq!(Selector::parse("$..a").unwrap_err().offset, 2);
    }

    #[test]
    fn rejects_bad_selectors() {
        for bad in [
            "a..b",
            "a[",
            "a[x]",
            ".a",
            "a.",
            "a b",
            "a\"b",
            "\"a\"\"b\"",
            "a[0]\"b\"",
            "$.",
            "$..a",
        ] {
            assert!(Selector::parse(bad).is_err(), "{bad}");
        }
    }
}
