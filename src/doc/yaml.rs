//! YAML (and JSON) to [`Node`] trees, built from parser events so that aliases and
//! nesting stay within budgets a hostile file cannot exceed.

use super::{DocError, Node, Scalar, Value};
use saphyr_parser::{Event, Parser, ScalarStyle, Span};
use std::collections::HashMap;

#[derive(Clone, Copy, Debug)]
pub struct YamlLimits {
    /// Nodes in all documents of a file, counting every alias expansion.
    pub max_nodes: usize,
    pub max_depth: usize,
}

impl Default for YamlLimits {
    fn default() -> Self {
        YamlLimits {
            max_nodes: 250_000,
            max_depth: 128,
        }
    }
}

enum Frame {
    Seq {
        at: (u32, u32),
        anchor: usize,
        items: Vec<Node>,
    },
    Map {
        at: (u32, u32),
        anchor: usize,
        entries: Vec<(String, Node)>,
        key: Option<String>,
    },
}

struct Builder {
    limits: YamlLimits,
    stack: Vec<Frame>,
    /// Anchored nodes with their size and height, so that an alias is charged for
    /// both: nodes against `max_nodes`, nesting against `max_depth`.
    anchors: HashMap<usize, (Node, usize, usize)>,
    nodes: usize,
    docs: Vec<Node>,
}

fn position(span: &Span) -> (u32, u32) {
    let line = u32::try_from(span.start.line()).unwrap_or(u32::MAX);
    let col = u32::try_from(span.start.col() + 1).unwrap_or(u32::MAX);
    (line, col)
}

/// Nodes in the tree and its height (a scalar is 0). Recursion is bounded:
/// no tree is ever deeper than `max_depth`.
fn measure(node: &Node) -> (usize, usize) {
    let children: Box<dyn Iterator<Item = &Node>> = match &node.value {
        Value::Scalar(_) => return (1, 0),
        Value::Seq(items) => Box::new(items.iter()),
        Value::Map(entries) => Box::new(entries.iter().map(|(_, v)| v)),
    };
    children.fold((1, 1), |(size, height), child| {
        let (s, h) = measure(child);
        (size.saturating_add(s), height.max(h + 1))
    })
}

impl Builder {
    fn error(&self, at: (u32, u32), message: impl Into<String>) -> DocError {
        DocError {
            line: at.0,
            column: at.1,
            message: message.into(),
        }
    }

    fn count(&mut self, n: usize, at: (u32, u32)) -> Result<(), DocError> {
        self.nodes = self.nodes.saturating_add(n);
        if self.nodes > self.limits.max_nodes {
            return Err(self.error(
                at,
                format!(
                    "document has more than {} nodes once aliases are expanded (an alias bomb?); not evaluated",
                    self.limits.max_nodes
                ),
            ));
        }
        Ok(())
    }

    fn open(&mut self, frame: Frame, at: (u32, u32)) -> Result<(), DocError> {
        if self.stack.len() >= self.limits.max_depth {
            return Err(self.error(
                at,
                format!(
                    "nesting deeper than {} levels; not evaluated",
                    self.limits.max_depth
                ),
            ));
        }
        self.count(1, at)?;
        self.stack.push(frame);
        Ok(())
    }

    fn remember(&mut self, anchor: usize, node: &Node) {
        if anchor != 0 {
            let (size, height) = measure(node);
            self.anchors.insert(anchor, (node.clone(), size, height));
        }
    }

    fn push(&mut self, node: Node) {
        match self.stack.last_mut() {
            None => self.docs.push(node),
            Some(Frame::Seq { items, .. }) => items.push(node),
            Some(Frame::Map { entries, key, .. }) => match key.take() {
                None => *key = Some(key_text(&node)),
                Some(k) if k == "<<" => merge_into(entries, node),
                Some(k) => entries.push((k, node)),
            },
        }
    }
}

fn key_text(node: &Node) -> String {
    match &node.value {
        Value::Scalar(s) => s.to_string(),
        _ => node.summary(),
    }
}

/// `<<: *defaults` — merged keys come first so that explicit keys win on lookup.
fn merge_into(entries: &mut Vec<(String, Node)>, merged: Node) {
    let sources = match merged.value {
        Value::Map(m) => vec![m],
        Value::Seq(items) => items
            .into_iter()
            .filter_map(|n| match n.value {
                Value::Map(m) => Some(m),
                _ => None,
            })
            .collect(),
        Value::Scalar(_) => return,
    };
    let mut front: Vec<(String, Node)> = sources.into_iter().flatten().collect();
    front.append(entries);
    *entries = front;
}

pub fn parse_yaml(text: &str, limits: &YamlLimits) -> Result<Vec<Node>, DocError> {
    match parse_events(text, limits) {
        Err(first) if first.message == "invalid indentation" => {
            // saphyr-parser 0.3 rejects a flow collection whose closing bracket sits on
            // its own line at the parent key's indentation (`command: [` … `    ]`),
            // which YAML allows and Compose files use. Indenting such lines like the
            // line before them changes no value and no line number.
            match reindent_closing_brackets(text) {
                Some(fixed) => parse_events(&fixed, limits).map_err(|_| first),
                None => Err(first),
            }
        }
        other => other,
    }
}

/// `text` with each line that starts (after blanks) with `]` or `}` indented at
/// least as deep as the previous non-blank line; None when no line changes.
fn reindent_closing_brackets(text: &str) -> Option<String> {
    let mut out = String::with_capacity(text.len() + 64);
    let mut previous_indent = 0usize;
    let mut changed = false;
    for line in text.split_inclusive('\n') {
        let body = line.trim_start_matches(' ');
        let indent = line.len() - body.len();
        if body.starts_with([']', '}']) && indent < previous_indent {
            out.extend(std::iter::repeat_n(' ', previous_indent));
            out.push_str(body);
            changed = true;
            continue;
        }
        if !body.trim().is_empty() {
            previous_indent = indent;
        }
        out.push_str(line);
    }
    changed.then_some(out)
}

fn parse_events(text: &str, limits: &YamlLimits) -> Result<Vec<Node>, DocError> {
    let mut parser = Parser::new_from_str(text);
    let mut b = Builder {
        limits: *limits,
        stack: Vec::new(),
        anchors: HashMap::new(),
        nodes: 0,
        docs: Vec::new(),
    };
    while let Some(next) = parser.next_event() {
        let (event, span) = next.map_err(|e| DocError {
            line: u32::try_from(e.marker().line()).unwrap_or(u32::MAX),
            column: u32::try_from(e.marker().col() + 1).unwrap_or(u32::MAX),
            message: e.info().to_string(),
        })?;
        let at = position(&span);
        match event {
            Event::StreamEnd => break,
            Event::Scalar(text, style, anchor, tag) => {
                b.count(1, at)?;
                // Keys stay as written: `y:` or `on:` is a key named "y" / "on", not a boolean.
                if let Some(Frame::Map {
                    key: key @ None, ..
                }) = b.stack.last_mut()
                {
                    *key = Some(text.into_owned());
                    continue;
                }
                let scalar = if style == ScalarStyle::Plain && tag.is_none() {
                    Scalar::from_plain(&text)
                } else {
                    Scalar::Str(text.into_owned())
                };
                let node = Node {
                    line: at.0,
                    column: at.1,
                    value: Value::Scalar(scalar),
                };
                b.remember(anchor, &node);
                b.push(node);
            }
            Event::Alias(id) => {
                let Some(&(_, size, height)) = b.anchors.get(&id) else {
                    return Err(b.error(at, "alias to an unknown anchor"));
                };
                // Charged before the copy is made. An alias nests its whole tree where
                // it stands, so aliases of deep anchors inside deep collections must
                // not build a tree deeper than the limit (its drop and clone recurse).
                b.count(size, at)?;
                if b.stack.len() + height > b.limits.max_depth {
                    return Err(b.error(
                        at,
                        format!(
                            "nesting deeper than {} levels once aliases are expanded; not evaluated",
                            b.limits.max_depth
                        ),
                    ));
                }
                let node = b.anchors[&id].0.clone();
                b.push(node);
            }
            Event::SequenceStart(anchor, _) => b.open(
                Frame::Seq {
                    at,
                    anchor,
                    items: Vec::new(),
                },
                at,
            )?,
            Event::MappingStart(anchor, _) => b.open(
                Frame::Map {
                    at,
                    anchor,
                    entries: Vec::new(),
                    key: None,
                },
                at,
            )?,
            Event::SequenceEnd | Event::MappingEnd => {
                let (node, anchor) = match b.stack.pop() {
                    Some(Frame::Seq { at, anchor, items }) => (
                        Node {
                            line: at.0,
                            column: at.1,
                            value: Value::Seq(items),
                        },
                        anchor,
                    ),
                    Some(Frame::Map {
                        at,
                        anchor,
                        entries,
                        ..
                    }) => (
                        Node {
                            line: at.0,
                            column: at.1,
                            value: Value::Map(entries),
                        },
                        anchor,
                    ),
                    None => return Err(b.error(at, "unbalanced collection end")),
                };
                b.remember(anchor, &node);
                b.push(node);
            }
            Event::StreamStart | Event::DocumentStart(_) | Event::DocumentEnd | Event::Nothing => {}
        }
    }
    Ok(b.docs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flow_collection_closed_at_the_key_indentation() {
        // Valid YAML (PyYAML and Compose accept it) that saphyr-parser 0.3 rejects.
        let text = "services:\n  a:\n    command: [\n      \"start\",\n      \"--uri\"\n    ]\n    env: {\n      A: b\n    }\n    image: x\n";
        let docs = parse_yaml(text, &YamlLimits::default()).expect("parses");
        let Value::Map(top) = &docs[0].value else {
            panic!("map")
        };
        let Value::Map(services) = &top[0].1.value else {
            panic!("map")
        };
        let Value::Map(a) = &services[0].1.value else {
            panic!("map")
        };
        let keys: Vec<&str> = a.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(keys, ["command", "env", "image"]);
        let Value::Seq(items) = &a[0].1.value else {
            panic!("seq")
        };
        assert_eq!(items.len(), 2);
        assert_eq!(a[2].1.line, 10, "line numbers are kept");
        // Truly bad indentation is still reported.
        assert!(parse_yaml("a:\n  b: 1\n c: 2\n", &YamlLimits::default()).is_err());
    }

    #[test]
    fn lines_and_yaml11_booleans() {
        let docs = parse_yaml(
            "kind: Deployment\nspec:\n  replicas: 1\n  enabled: yes\n---\nkind: Service\n",
            &YamlLimits::default(),
        )
        .unwrap();
        assert_eq!(docs.len(), 2);
        let spec = docs[0].get("spec").unwrap();
        assert_eq!(spec.get("replicas").unwrap().line, 3);
        assert_eq!(
            spec.get("enabled").unwrap().as_scalar(),
            Some(&Scalar::Bool(true))
        );
        assert_eq!(
            docs[1].get("kind").unwrap().as_scalar(),
            Some(&Scalar::Str("Service".into()))
        );
    }

    #[test]
    fn quoted_scalars_stay_strings() {
        let docs = parse_yaml("a: \"yes\"\nb: '1'\n", &YamlLimits::default()).unwrap();
        assert_eq!(
            docs[0].get("a").unwrap().as_scalar(),
            Some(&Scalar::Str("yes".into()))
        );
    }

    #[test]
    fn merge_keys_and_explicit_keys_win() {
        let text = "x: &d {restart: always, image: a}\ny:\n  <<: *d\n  image: b\n";
        let docs = parse_yaml(text, &YamlLimits::default()).unwrap();
        let y = docs[0].get("y").unwrap();
        assert_eq!(y.get("restart").unwrap().summary(), "always");
        assert_eq!(y.get("image").unwrap().summary(), "b");
    }

    #[test]
    fn alias_bomb_is_refused() {
        let mut text = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..10 {
            let prev = i - 1;
            text.push_str(&format!(
                "a{i}: &a{i} [*a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}]\n"
            ));
        }
        let err = parse_yaml(&text, &YamlLimits::default()).unwrap_err();
        assert!(err.message.contains("alias bomb"), "{err}");
    }

    #[test]
    fn aliases_cannot_nest_past_the_depth_limit() {
        // Each anchor nests the previous one 100 levels deeper: few nodes, but
        // thousands of levels once expanded (this overflowed the stack on drop).
        let mut text = String::new();
        for k in 0..60 {
            let inner = if k == 0 {
                "x".to_string()
            } else {
                format!("*a{}", k - 1)
            };
            text.push_str(&format!(
                "a{k}: &a{k} {}{inner}{}\n",
                "[".repeat(100),
                "]".repeat(100)
            ));
        }
        let err = parse_yaml(&text, &YamlLimits::default()).unwrap_err();
        assert!(err.message.contains("nesting deeper"), "{err}");
        // Shallow aliases are fine.
        let ok = parse_yaml("a: &a [[1]]\nb: [*a, *a]\n", &YamlLimits::default()).unwrap();
        assert_eq!(ok[0].get("b").unwrap().summary(), "[2 items]");
    }

    #[test]
    fn deep_nesting_is_refused() {
        let text = "[".repeat(10_000);
        assert!(parse_yaml(&text, &YamlLimits::default()).is_err());
    }

    #[test]
    fn json_parses_with_lines() {
        let docs = parse_yaml("{\n  \"a\": {\"b\": [1, 2]}\n}\n", &YamlLimits::default()).unwrap();
        assert_eq!(docs[0].get("a").unwrap().line, 2);
    }
}
