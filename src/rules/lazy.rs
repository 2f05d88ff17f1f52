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
    use crate::rules::{
        load_pack, AssertOp, Check, EnvCondition, Globs, PackOptions, ProbeCondition, ProbeOp,
    };

    /// Built-in regexes and glob sets are compiled on first use; this is where a
    /// broken one fails.
    #[test]
    fn every_builtin_pattern_and_glob_set_compiles() {
        let pack = load_pack(&PackOptions {
            builtin: true,
            ..Default::default()
        })
        .expect("built-in pack loads");
        let mut patterns: Vec<(String, String)> = Vec::new();
        let mut globs: Vec<(String, &Globs)> = Vec::new();
        let mut add = |what: &str, p: &str| patterns.push((what.to_string(), p.to_string()));
        let probe = |c: &ProbeCondition| match &c.op {
            ProbeOp::Matches(r) | ProbeOp::NotMatches(r) => Some(r.as_str().to_string()),
            _ => None,
        };
        for rule in &pack.rules {
            let id = rule.id.as_str();
            if let Some(g) = &rule.applies_when.files {
                globs.push((id.to_string(), g));
            }
            match &rule.check {
                Check::Content(c) => {
                    add(id, c.pattern.as_str());
                    if let Some(u) = &c.unless {
                        add(id, u.as_str());
                    }
                    if let Some(f) = &c.from_last {
                        add(id, f.as_str());
                    }
                    if let Some(g) = &c.unless_guarded {
                        add(id, g.as_str());
                    }
                    for a in &c.documents {
                        if let AssertOp::Matches(r) | AssertOp::NotMatches(r) = &a.op {
                            add(id, r.as_str());
                        }
                    }
                    globs.push((id.to_string(), &c.paths));
                    for g in c.exclude.iter().chain(&c.match_paths) {
                        globs.push((id.to_string(), g));
                    }
                }
                Check::Env(c) => {
                    add(id, c.keys.as_str());
                    if let Some(x) = &c.exclude_keys {
                        add(id, x.as_str());
                    }
                    if let EnvCondition::Matches(r) = &c.condition {
                        add(id, r.as_str());
                    }
                }
                Check::Structured(c) => {
                    globs.push((id.to_string(), &c.paths));
                    for g in c.exclude.iter().chain(&c.overlays) {
                        globs.push((id.to_string(), g));
                    }
                    for a in c.documents.iter().chain(&c.filter).chain(&c.assert) {
                        if let AssertOp::Matches(r) | AssertOp::NotMatches(r) = &a.op {
                            add(id, r.as_str());
                        }
                    }
                }
                Check::Probe(c) => {
                    for p in std::iter::once(&c.expect).chain(&c.when).filter_map(probe) {
                        add(id, &p);
                    }
                }
                Check::File(c) => globs.push((id.to_string(), &c.paths)),
                _ => {}
            }
        }
        for stack in &pack.stacks {
            if let Some(p) = &stack.pattern {
                add(&stack.id, p.as_str());
            }
            globs.push((stack.id.clone(), &stack.paths));
            if let Some(x) = &stack.exclude {
                globs.push((stack.id.clone(), x));
            }
        }
        assert!(patterns.len() > 50);
        for (what, pattern) in patterns {
            if let Err(e) = build_regex(&pattern) {
                panic!("{what}: {e}");
            }
        }
        for (what, g) in globs {
            let mut builder = globset::GlobSetBuilder::new();
            for p in &g.patterns {
                match crate::rules::compile_glob(p) {
                    Ok(glob) => {
                        builder.add(glob);
                    }
                    Err(e) => panic!("{what}: {p}: {e}"),
                }
            }
            builder.build().unwrap_or_else(|e| panic!("{what}: {e}"));
        }
    }
}
