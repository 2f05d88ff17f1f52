//! Go build constraints: a file behind `//go:build pprof` (or `devcert`, `integration`,
//! `ignore`) is compiled only when someone passes that tag, so it is not part of the
//! release build and its code is no evidence about the deployed program.

/// Whether a Go file's `//go:build` line excludes it from every default build: the
/// expression is false whatever the platform, with all custom tags unset.
pub fn excluded_by_default(text: &str) -> bool {
    build_expression(text).is_some_and(|expr| Parser::new(expr).parse() == Some(Tri::False))
}

/// The constraint expression, which Go reads only in the leading comment block
/// before the package clause.
fn build_expression(text: &str) -> Option<&str> {
    for line in text.lines().take(60) {
        let line = line.trim();
        if let Some(expr) = line.strip_prefix("//go:build ") {
            return Some(expr.trim());
        }
        if line.is_empty() || line.starts_with("//") {
            continue;
        }
        // A block comment (a licence header) may precede it; anything else ends the search.
        if line.starts_with("/*") || line.starts_with('*') || line.ends_with("*/") {
            continue;
        }
        return None;
    }
    None
}

/// Three-valued truth: a platform tag may be set or not, a custom tag is never set.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Tri {
    True,
    False,
    Either,
}

impl Tri {
    fn not(self) -> Tri {
        match self {
            Tri::True => Tri::False,
            Tri::False => Tri::True,
            Tri::Either => Tri::Either,
        }
    }
    fn and(self, other: Tri) -> Tri {
        match (self, other) {
            (Tri::False, _) | (_, Tri::False) => Tri::False,
            (Tri::True, Tri::True) => Tri::True,
            _ => Tri::Either,
        }
    }
    fn or(self, other: Tri) -> Tri {
        match (self, other) {
            (Tri::True, _) | (_, Tri::True) => Tri::True,
            (Tri::False, Tri::False) => Tri::False,
            _ => Tri::Either,
        }
    }
}

const PLATFORM_TAGS: &[&str] = &[
    "aix",
    "android",
    "darwin",
    "dragonfly",
    "freebsd",
    "hurd",
    "illumos",
    "ios",
    "js",
    "linux",
    "nacl",
    "netbsd",
    "openbsd",
    "plan9",
    "solaris",
    "wasip1",
    "windows",
    "zos",
    "unix",
    "386",
    "amd64",
    "amd64p32",
    "arm",
    "armbe",
    "arm64",
    "arm64be",
    "loong64",
    "mips",
    "mipsle",
    "mips64",
    "mips64le",
    "mips64p32",
    "mips64p32le",
    "ppc",
    "ppc64",
    "ppc64le",
    "riscv",
    "riscv64",
    "s390",
    "s390x",
    "sparc",
    "sparc64",
    "wasm",
    "cgo",
    "gc",
    "gccgo",
];

fn tag_value(tag: &str) -> Tri {
    let release = tag
        .strip_prefix("go1.")
        .is_some_and(|v| !v.is_empty() && v.bytes().all(|b| b.is_ascii_digit()));
    if release || tag.starts_with("goexperiment.") || PLATFORM_TAGS.contains(&tag) {
        Tri::Either
    } else {
        Tri::False
    }
}

/// `or := and ('||' and)*; and := unary ('&&' unary)*; unary := '!' unary | '(' or ')' | tag`.
/// Anything it cannot read gives `None`, and the file is kept.
struct Parser<'e> {
    rest: &'e str,
}

impl<'e> Parser<'e> {
    fn new(expr: &'e str) -> Self {
        Parser { rest: expr }
    }

    fn parse(mut self) -> Option<Tri> {
        let value = self.or()?;
        self.skip_space();
        self.rest.is_empty().then_some(value)
    }

    fn skip_space(&mut self) {
        self.rest = self.rest.trim_start();
    }

    fn eat(&mut self, token: &str) -> bool {
        self.skip_space();
        match self.rest.strip_prefix(token) {
            Some(rest) => {
                self.rest = rest;
                true
            }
            None => false,
        }
    }

    fn or(&mut self) -> Option<Tri> {
        let mut value = self.and()?;
        while self.eat("||") {
            value = value.or(self.and()?);
        }
        Some(value)
    }

    fn and(&mut self) -> Option<Tri> {
        let mut value = self.unary()?;
        while self.eat("&&") {
            value = value.and(self.unary()?);
        }
        Some(value)
    }

    fn unary(&mut self) -> Option<Tri> {
        if self.eat("!") {
            return Some(self.unary()?.not());
        }
        if self.eat("(") {
            let value = self.or()?;
            return self.eat(")").then_some(value);
        }
        self.skip_space();
        let end = self
            .rest
            .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == '.'))
            .unwrap_or(self.rest.len());
        if end == 0 {
            return None;
        }
        let (tag, rest) = self.rest.split_at(end);
        self.rest = rest;
        Some(tag_value(tag))
    }
}

#[cfg(test)]
mod tests {
    use super::excluded_by_default;

    fn file(constraint: &str) -> String {
        format!("// Copyright 2024 The Authors.\n\n//go:build {constraint}\n\npackage main\n")
    }

    #[test]
    fn custom_tags_exclude_a_file_from_default_builds() {
        for c in [
            "pprof",
            "devcert",
            "ignore",
            "integration && linux",
            "(e2e || bench) && !windows",
        ] {
            assert!(excluded_by_default(&file(c)), "{c}");
        }
    }

    #[test]
    fn platform_tags_and_negated_custom_tags_keep_a_file() {
        for c in [
            "linux",
            "!pprof",
            "linux || pprof",
            "go1.21",
            "cgo && !windows",
            "(",
            "a &&",
        ] {
            assert!(!excluded_by_default(&file(c)), "{c}");
        }
        assert!(!excluded_by_default("package main\n"));
        assert!(!excluded_by_default("package main\n\n//go:build pprof\n"));
    }

    #[test]
    fn a_licence_block_comment_may_precede_the_constraint() {
        let text = "/*\n * Licensed under MIT.\n */\n\n//go:build pprof\n\npackage main\n";
        assert!(excluded_by_default(text));
    }
}
