//! Regexes of the built-in pack are compiled on first use: `rules list` and
//! `rules explain` never need them, and a scan needs only those whose literals
//! occur in some file (see `evaluate::prefilter`). User rule files are still
//! compiled while they are loaded, so their errors keep their positions.

use regex::{Regex, RegexBuilder};
use std::sync::OnceLock;

/// Compiled regexes above this size are refused: a rule pack must not be a way to
/// make every scan slow.
pub(crate) const REGEX_SIZE_LIMIT: usize = 4 << 20;

/// Builds a regex the way every rule pattern is built.
pub(crate) fn build_regex(pattern: &str) -> Result<Regex, regex::Error> {
    RegexBuilder::new(pattern)
        .size_limit(REGEX_SIZE_LIMIT)
        .dfa_size_limit(REGEX_SIZE_LIMIT)
        .build()
}

/// A rule regex, compiled now (user rules) or on first use (built-in rules, whose
/// every pattern the test suite compiles).
#[derive(Clone, Debug)]
pub struct LazyRegex {
    pattern: String,
    compiled: OnceLock<Regex>,
}

impl LazyRegex {
    pub fn compiled(regex: Regex) -> Self {
        LazyRegex {
            pattern: regex.as_str().to_string(),
            compiled: OnceLock::from(regex),
        }
    }

    /// A pattern known to be valid, compiled when first used.
    pub fn deferred(pattern: String) -> Self {
        LazyRegex {
            pattern,
            compiled: OnceLock::new(),
        }
    }

    /// The pattern as written (does not compile it).
    pub fn as_str(&self) -> &str {
        &self.pattern
    }

    pub fn regex(&self) -> &Regex {
        self.compiled.get_or_init(|| {
            build_regex(&self.pattern).unwrap_or_else(|e| {
                panic!("built-in pattern failed to compile: {}: {e}", self.pattern)
            })
        })
    }
}

impl std::ops::Deref for LazyRegex {
    type Target = Regex;

    fn deref(&self) -> &Regex {
        self.regex()
    }
}

#[cfg(test)]
mod tests {
    use super::build_regex;
    use crate::rules::{load_pack, Check, PackOptions};

    /// Built-in patterns are compiled on first use; this is where a broken one fails.
    #[test]
    fn every_builtin_pattern_compiles() {
        let pack = load_pack(&PackOptions {
            builtin: true,
            ..Default::default()
        })
        .expect("built-in pack loads");
        let mut patterns: Vec<(String, &str)> = Vec::new();
        for rule in &pack.rules {
            if let Check::Content(c) = &rule.check {
                patterns.push((rule.id.clone(), c.pattern.as_str()));
                if let Some(u) = &c.unless {
                    patterns.push((format!("{} unless", rule.id), u.as_str()));
                }
            }
        }
        for stack in &pack.stacks {
            if let Some(p) = &stack.pattern {
                patterns.push((format!("stack {}", stack.id), p.as_str()));
            }
        }
        assert!(patterns.len() > 50);
        for (what, pattern) in patterns {
            if let Err(e) = build_regex(pattern) {
                panic!("{what}: {e}");
            }
        }
    }
}
