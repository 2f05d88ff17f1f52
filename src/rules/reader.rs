//! Reads spanned TOML tables field by field, collecting every problem instead of
//! stopping at the first (the way cargo-deny reports configuration errors).

use super::diag::Diagnostic;
use crate::text::LineIndex;
use toml_span::value::{Table, ValueInner};
use toml_span::{Span, Value};

/// The file being read and the problems found so far.
pub struct Source<'s> {
    pub name: &'s str,
    pub text: &'s str,
    pub problems: Vec<Diagnostic>,
    /// Built once: positions are needed for every rule and every problem, and a
    /// pack of thousands of rules must not be re-indexed for each.
    index: LineIndex<'s>,
}

impl<'s> Source<'s> {
    pub fn new(name: &'s str, text: &'s str) -> Self {
        Source {
            name,
            text,
            problems: Vec::new(),
            index: LineIndex::new(text),
        }
    }

    /// 1-based line and column of a byte offset.
    pub fn position(&self, offset: usize) -> (u32, u32) {
        self.index.position(offset)
    }

    pub fn error(&mut self, span: Span, message: impl Into<String>) {
        let d = Diagnostic::at_indexed(
            self.name,
            self.text,
            &self.index,
            span.start,
            span.end,
            message,
        );
        self.problems.push(d);
    }
}

pub fn type_name(v: &Value<'_>) -> &'static str {
    match v.as_ref() {
        ValueInner::String(_) => "a string",
        ValueInner::Integer(_) => "an integer",
        ValueInner::Float(_) => "a float",
        ValueInner::Boolean(_) => "a boolean",
        ValueInner::Array(_) => "an array",
        ValueInner::Table(_) => "a table",
    }
}

/// One table being read; unknown keys are reported by [`Fields::finish`].
pub struct Fields<'v, 'de> {
    table: &'v Table<'de>,
    span: Span,
    what: String,
    known: Vec<&'static str>,
}

impl<'v, 'de> Fields<'v, 'de> {
    pub fn new(src: &mut Source<'_>, value: &'v Value<'de>, what: &str) -> Option<Self> {
        match value.as_ref() {
            ValueInner::Table(table) => Some(Fields {
                table,
                span: value.span,
                what: what.to_string(),
                known: Vec::new(),
            }),
            _ => {
                src.error(
                    value.span,
                    format!("{what} must be a table, found {}", type_name(value)),
                );
                None
            }
        }
    }

    pub fn span(&self) -> Span {
        self.span
    }

    pub fn value(&mut self, key: &'static str) -> Option<&'v Value<'de>> {
        self.known.push(key);
        self.table.get(key)
    }

    pub fn has(&self, key: &str) -> bool {
        self.table.contains_key(key)
    }

    pub fn required(&mut self, src: &mut Source<'_>, key: &'static str) -> Option<&'v Value<'de>> {
        let v = self.value(key);
        if v.is_none() {
            let what = self.what.clone();
            src.error(
                self.span_head(),
                format!("{what} is missing the required field `{key}`"),
            );
        }
        v
    }

    /// Points at the table's first line rather than its whole body.
    fn span_head(&self) -> Span {
        Span::new(self.span.start, self.span.start + 1)
    }

    pub fn string(&mut self, src: &mut Source<'_>, key: &'static str) -> Option<(String, Span)> {
        let v = self.value(key)?;
        as_string(src, v, key)
    }

    pub fn required_string(
        &mut self,
        src: &mut Source<'_>,
        key: &'static str,
    ) -> Option<(String, Span)> {
        let v = self.required(src, key)?;
        as_string(src, v, key)
    }

    pub fn boolean(&mut self, src: &mut Source<'_>, key: &'static str) -> Option<bool> {
        let v = self.value(key)?;
        match v.as_bool() {
            Some(b) => Some(b),
            None => {
                src.error(
                    v.span,
                    format!("`{key}` must be true or false, found {}", type_name(v)),
                );
                None
            }
        }
    }

    pub fn number(&mut self, src: &mut Source<'_>, key: &'static str) -> Option<(f64, Span)> {
        let v = self.value(key)?;
        match v.as_ref() {
            ValueInner::Integer(i) => Some((*i as f64, v.span)),
            ValueInner::Float(f) => Some((*f, v.span)),
            _ => {
                src.error(
                    v.span,
                    format!("`{key}` must be a number, found {}", type_name(v)),
                );
                None
            }
        }
    }

    /// A string or an array of strings.
    pub fn strings(
        &mut self,
        src: &mut Source<'_>,
        key: &'static str,
    ) -> Option<Vec<(String, Span)>> {
        let v = self.value(key)?;
        as_strings(src, v, key)
    }

    /// A string or an array of strings, without their positions; none when absent.
    pub fn string_list(&mut self, src: &mut Source<'_>, key: &'static str) -> Vec<String> {
        self.strings(src, key)
            .unwrap_or_default()
            .into_iter()
            .map(|(s, _)| s)
            .collect()
    }

    pub fn finish(self, src: &mut Source<'_>) {
        for (key, _) in self.table.iter() {
            if !self.known.contains(&key.name.as_ref()) {
                let hint = closest(&key.name, &self.known)
                    .map(|k| format!(" (did you mean `{k}`?)"))
                    .unwrap_or_default();
                let mut expected = self.known.clone();
                expected.sort_unstable();
                expected.dedup();
                src.error(
                    key.span,
                    format!(
                        "unknown field `{}` in {}{hint}; expected one of: {}",
                        key.name,
                        self.what,
                        expected.join(", ")
                    ),
                );
            }
        }
    }
}

pub fn as_string(src: &mut Source<'_>, v: &Value<'_>, key: &str) -> Option<(String, Span)> {
    match v.as_str() {
        Some(s) => Some((s.to_string(), v.span)),
        None => {
            src.error(
                v.span,
                format!("`{key}` must be a string, found {}", type_name(v)),
            );
            None
        }
    }
}

pub fn as_strings(src: &mut Source<'_>, v: &Value<'_>, key: &str) -> Option<Vec<(String, Span)>> {
    match v.as_ref() {
        ValueInner::String(s) => Some(vec![(s.to_string(), v.span)]),
        ValueInner::Array(items) => {
            let mut out = Vec::new();
            let mut ok = true;
            for item in items {
                match item.as_str() {
                    Some(s) => out.push((s.to_string(), item.span)),
                    None => {
                        src.error(
                            item.span,
                            format!("`{key}` must hold strings, found {}", type_name(item)),
                        );
                        ok = false;
                    }
                }
            }
            ok.then_some(out)
        }
        _ => {
            src.error(
                v.span,
                format!(
                    "`{key}` must be a string or an array of strings, found {}",
                    type_name(v)
                ),
            );
            None
        }
    }
}

/// The known name within edit distance 2, for "did you mean" hints.
pub fn closest<'k>(name: &str, known: &[&'k str]) -> Option<&'k str> {
    known
        .iter()
        .map(|k| (edit_distance(name, k), *k))
        .filter(|(d, _)| *d <= 2)
        .min()
        .map(|(_, k)| k)
}

pub fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != cb);
            cur[j + 1] = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}
