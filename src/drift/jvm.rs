//! Java / Kotlin (`System.getenv`, Spring `@Value("${X:d}")`,
//! `#{systemEnvironment['X']}`) and Spring config files
//! (`application*.yml|yaml|properties` placeholders).

use std::sync::LazyLock;

use regex::Regex;

use super::common::{
    followed_by, is_upper_snake, line_before, mask_comments, parse_literal, skip_ws, split_args,
    CommentStyle, Flavor, Lit, Raw,
};
use super::usage::{self, Lang};

static GETENV: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?-u:\b)System[ \t]*\.[ \t]*getenv[ \t]*\(").expect("valid regex")
});
/// `System.getenv().get("X")` / `.getOrDefault(` / `.containsKey(` / Kotlin `[`
static MAP_ACCESS: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^[ \t\r\n]*(?:\.[ \t\r\n]*(get|getOrDefault|containsKey)[ \t]*\(|(\[))")
        .expect("valid regex")
});
static VALUE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"@(?:[A-Za-z_][A-Za-z0-9_.]*\.)?Value[ \t]*\([ \t]*(?:value[ \t]*=[ \t]*)?""#)
        .expect("valid regex")
});
static SPEL_ENV: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"systemEnvironment[ \t]*\[[ \t]*\\?['"]([A-Za-z_][A-Za-z0-9_]*)\\?['"][ \t]*\]"#)
        .expect("valid regex")
});

const STYLE: CommentStyle = CommentStyle::CLike {
    nested: false,
    backtick: false,
    backtick_escapes: false,
    rust_quotes: false,
};

/// How far a placeholder's closing brace is searched for.
const PLACEHOLDER_MAX_BYTES: usize = 1024;

pub(super) fn extract_java(text: &str) -> Vec<Raw> {
    let m = mask_comments(text, STYLE);
    let b = m.as_bytes();
    let mut out = Vec::new();
    for whole in GETENV.find_iter(&m) {
        let start = whole.start();
        let args = split_args(&m, whole.end(), m.len(), Some(b')'));
        let Some(close) = args.close else { continue };
        let (name, end, mut has_default) = if args.items.is_empty() {
            // System.getenv() map access
            let Some(cap) = MAP_ACCESS.captures(&m[close + 1..]) else {
                continue;
            };
            let Some(op) = cap.get(0) else { continue };
            let open = close + 1 + op.end();
            let closer = if cap.get(2).is_some() { b']' } else { b')' };
            let inner = split_args(&m, open, m.len(), Some(closer));
            let name = match inner.get(&m, 0).map(|a| parse_literal(a, Flavor::Java)) {
                Some(Lit::Static(s)) => Some(s),
                Some(Lit::Dynamic) => None,
                _ => continue,
            };
            let method = cap.get(1).map_or("", |g| g.as_str());
            let end = inner.end_or(open);
            if method == "containsKey" {
                out.push(Raw::presence(start, end, name));
                continue;
            }
            (name, end, method == "getOrDefault")
        } else {
            let name = match args.get(&m, 0).map(|a| parse_literal(a, Flavor::Java)) {
                Some(Lit::Static(s)) => Some(s),
                Some(Lit::Dynamic) => None,
                _ => continue,
            };
            (name, close + 1, false)
        };
        // Kotlin elvis, Optional.ofNullable(...).orElse(...), requireNonNullElse(...)
        if followed_by(b, end, "?:") {
            // `?: "d"` is a default; `?: error(...)` / `?: throw` is not
            let j = skip_ws(b, skip_ws(b, end, 64) + 2, 64);
            let rest = &b[j.min(b.len())..];
            has_default |= !(rest.starts_with(b"throw")
                || rest.starts_with(b"error(")
                || rest.starts_with(b"requireNotNull"));
        }
        let before = line_before(&m, start);
        if before.ends_with("ofNullable(") {
            let j = skip_ws(b, end, 64);
            if b.get(j) == Some(&b')')
                && (followed_by(b, j + 1, ".orElse") || followed_by(b, j + 1, ".isPresent"))
            {
                has_default = true;
            }
        }
        has_default |=
            before.ends_with("requireNonNullElse(") || before.ends_with("requireNonNullElseGet(");
        out.push(Raw::new(start, end, name, has_default));
    }
    for whole in VALUE.find_iter(&m) {
        // the annotation's string, up to the closing quote on the same line
        let from = whole.end();
        let mut k = from;
        while k < b.len() && b[k] != b'"' && b[k] != b'\n' {
            k += if b[k] == b'\\' && b.get(k + 1) != Some(&b'$') {
                2
            } else {
                1
            };
        }
        placeholders(&m, from, k.min(b.len()), &mut out);
    }
    for cap in SPEL_ENV.captures_iter(&m) {
        if let (Some(w), Some(n)) = (cap.get(0), cap.get(1)) {
            out.push(Raw::new(
                w.start(),
                w.end(),
                Some(n.as_str().to_string()),
                false,
            ));
        }
    }
    usage::refine_masked(Lang::Java, &m, &mut out);
    out
}

pub(super) fn extract_spring_config(text: &str) -> Vec<Raw> {
    let m = mask_comments(text, CommentStyle::Yaml);
    let mut out = Vec::new();
    placeholders(&m, 0, m.len(), &mut out);
    out
}

/// Spring `${NAME}` / `${NAME:default}` placeholders in `m[from..to]`,
/// including ones nested in defaults (`${A:${B:x}}`). Only UPPER_SNAKE names
/// are environment variables; `${spring.datasource.url}` is a property.
fn placeholders(m: &str, from: usize, to: usize, out: &mut Vec<Raw>) {
    let b = m.as_bytes();
    let to = to.min(b.len());
    let mut i = from;
    while i + 1 < to {
        if b[i] != b'$' || b[i + 1] != b'{' {
            i += 1;
            continue;
        }
        let start = i;
        let name_start = i + 2;
        let mut k = name_start;
        while k < to && !matches!(b[k], b':' | b'}' | b'$' | b'{' | b'\n' | b'"') {
            k += 1;
        }
        if k >= to || !matches!(b[k], b':' | b'}') {
            i = name_start;
            continue;
        }
        let name = &m[name_start..k];
        let has_default = b[k] == b':';
        // end of the placeholder (matching brace), for the snippet
        let mut end = k + 1;
        if has_default {
            let mut depth = 0usize;
            let lim = to.min(k + PLACEHOLDER_MAX_BYTES);
            let mut j = k + 1;
            while j < lim {
                match b[j] {
                    b'{' => depth += 1,
                    b'}' if depth == 0 => {
                        end = j + 1;
                        break;
                    }
                    b'}' => depth -= 1,
                    b'\n' => break,
                    _ => {}
                }
                j += 1;
            }
        }
        if is_upper_snake(name) {
            out.push(Raw::new(start, end, Some(name.to_string()), has_default));
        }
        // keep scanning inside the default for nested placeholders
        i = k + 1;
    }
}

#[cfg(test)]
mod tests {
    use super::super::common::testutil::{check, Row};
    use super::super::SourceKind;

    #[test]
    fn java() {
        let cases: &[(&str, &[Row])] = &[
            (
                "String u = System.getenv(\"DATABASE_URL\");",
                &[(Some("DATABASE_URL"), 1, 12, false)],
            ),
            ("String u = System.getenv(name);", &[(None, 1, 12, false)]),
            (
                "String u = System.getenv().get(\"X\");",
                &[(Some("X"), 1, 12, false)],
            ),
            (
                "String u = System.getenv().getOrDefault(\"X\", \"d\");",
                &[(Some("X"), 1, 12, true)],
            ),
            ("Map<String, String> e = System.getenv();", &[]),
            (
                "val u = System.getenv(\"X\") ?: \"d\"",
                &[(Some("X"), 1, 9, true)],
            ),
            (
                "val u = System.getenv()[\"X\"]",
                &[(Some("X"), 1, 9, false)],
            ),
            ("val u = System.getenv(\"${p}_X\")", &[(None, 1, 9, false)]),
            (
                "val u = System.getenv(\"X\") ?: error(\"X missing\")",
                &[(Some("X"), 1, 9, false)],
            ),
            (
                "val u = System.getenv(\"X\")\n    ?: throw IllegalStateException()",
                &[(Some("X"), 1, 9, false)],
            ),
            (
                "String u = Optional.ofNullable(System.getenv(\"X\")).orElse(\"d\");",
                &[(Some("X"), 1, 32, true)],
            ),
            (
                "String u = Objects.requireNonNullElse(System.getenv(\"X\"), \"d\");",
                &[(Some("X"), 1, 39, true)],
            ),
            ("// String u = System.getenv(\"X\");", &[]),
            ("/* System.getenv(\"X\") */", &[]),
            (
                "@Value(\"${DB_URL}\")\nprivate String url;",
                &[(Some("DB_URL"), 1, 9, false)],
            ),
            (
                "@Value(\"${DB_URL:jdbc:postgresql://localhost/db}\")",
                &[(Some("DB_URL"), 1, 9, true)],
            ),
            (
                "@Value(value = \"${A:${B:x}}\")",
                &[(Some("A"), 1, 17, true), (Some("B"), 1, 21, true)],
            ),
            ("@Value(\"${server.port}\")", &[]),
            (
                "@Value(\"${server.port:${PORT:8080}}\")",
                &[(Some("PORT"), 1, 23, true)],
            ),
            (
                "@Value(\"\\${API_KEY}\") lateinit var k: String",
                &[(Some("API_KEY"), 1, 10, false)],
            ),
            (
                "@Value(\"#{systemEnvironment['HOME_DIR']}\")",
                &[(Some("HOME_DIR"), 1, 11, false)],
            ),
            ("String s = \"${NOT_AN_ANNOTATION}\";", &[]),
        ];
        check(SourceKind::Java, cases);
    }

    #[test]
    fn spring_config() {
        let cases: &[(&str, &[Row])] = &[
            (
                "spring:\n  datasource:\n    url: ${DATABASE_URL}\n    username: ${DB_USER:app}\n    password: ${DB_PASSWORD:}\nserver:\n  port: ${PORT:8080}\n  address: ${server.host:0.0.0.0}\n",
                &[
                    (Some("DATABASE_URL"), 3, 10, false),
                    (Some("DB_USER"), 4, 15, true),
                    (Some("DB_PASSWORD"), 5, 15, true),
                    (Some("PORT"), 7, 9, true),
                ],
            ),
            ("spring.datasource.url=${JDBC_URL:jdbc:h2:mem:x}\nlogging.level=${spring.profiles.active}", &[
                (Some("JDBC_URL"), 1, 23, true),
            ]),
            ("# url: ${COMMENTED}\nurl: x # ${TRAILING}\nurl2: \"a # ${QUOTED}\"", &[(Some("QUOTED"), 3, 12, false)]),
            ("a: ${Mixed_Case}\nb: ${lower}\nc: ${ X }\nd: ${}", &[]),
            ("a: ${A:${B:${C}}}", &[(Some("A"), 1, 4, true), (Some("B"), 1, 8, true), (Some("C"), 1, 12, false)]),
        ];
        check(SourceKind::SpringConfig, cases);
    }
}
