//! Ruby: `ENV["X"]`, `ENV.fetch("X"[, d]) [{ ... }]`, `ENV.key?("X")`.

use std::sync::LazyLock;

use regex::Regex;

use super::common::{
    followed_by, followed_by_assignment, mask_comments, parse_literal, skip_ws, split_args, Args,
    CommentStyle, Flavor, Lit, Raw,
};
use super::usage::{self, Lang};

static ENV_RE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?-u:\b)ENV[ \t]*(?:(\[)|\.[ \t]*(fetch)(?-u:\b)|\.[ \t]*(key\?|has_key\?|include\?|member\?))")
        .expect("valid regex")
});

pub(super) fn extract(text: &str) -> Vec<Raw> {
    let m = mask_comments(text, CommentStyle::Ruby);
    let b = m.as_bytes();
    let mut out = Vec::new();
    for cap in ENV_RE.captures_iter(&m) {
        let Some(whole) = cap.get(0) else { continue };
        let start = whole.start();
        if start > 0 && matches!(b[start - 1], b'.' | b'@' | b'$') {
            continue;
        }
        let presence = cap.get(3).is_some();
        let (args, end, has_default) = if cap.get(1).is_some() {
            let args = split_args(&m, whole.end(), m.len(), Some(b']'));
            let Some(close) = args.close else { continue };
            let after = close + 1;
            if followed_by_assignment(b, after) {
                continue; // ENV["X"] = "v"
            }
            (args, after, fallback_after(b, after))
        } else {
            let (args, end) = call_args(&m, whole.end());
            let block = followed_by(b, end, "{") || followed_by_do(b, end);
            let has_default = if cap.get(2).is_some() {
                args.items.len() >= 2 || block || fallback_after(b, end)
            } else {
                true // key? / include?: a presence check
            };
            (args, end, has_default)
        };
        let name = match args.get(&m, 0).map(|a| parse_literal(a, Flavor::Ruby)) {
            Some(Lit::Static(s)) => Some(s),
            Some(Lit::Dynamic) => None,
            _ => continue,
        };
        out.push(if presence {
            Raw::presence(start, end, name)
        } else {
            Raw {
                // ENV.fetch("X") raises KeyError when X is missing
                strict: cap.get(2).is_some() && !has_default,
                ..Raw::new(start, end, name, has_default)
            }
        });
    }
    usage::refine_masked(Lang::Ruby, &m, &mut out);
    out
}

/// Arguments of `fetch("X", d)` or paren-less `fetch "X", d`; returns them
/// and the index right after the argument list.
fn call_args(m: &str, from: usize) -> (Args, usize) {
    let b = m.as_bytes();
    let mut j = from;
    while j < b.len() && matches!(b[j], b' ' | b'\t') {
        j += 1;
    }
    if b.get(j) == Some(&b'(') {
        let args = split_args(m, j + 1, m.len(), Some(b')'));
        let end = args.end_or(j + 1);
        return (args, end);
    }
    // paren-less: up to a block opener or the end of the line
    let mut k = j;
    let lim = b.len().min(j.saturating_add(512));
    while k < lim && b[k] != b'\n' && b[k] != b'{' {
        match b[k] {
            q @ (b'"' | b'\'') => {
                k += 1;
                while k < lim && b[k] != q && b[k] != b'\n' {
                    k += if b[k] == b'\\' { 2 } else { 1 };
                }
            }
            b'd' if b[k..].starts_with(b"do")
                && k > j
                && b[k - 1] == b' '
                && b.get(k + 2)
                    .is_none_or(|c| !c.is_ascii_alphanumeric() && *c != b'_') =>
            {
                break;
            }
            _ => {}
        }
        k += 1;
    }
    let k = k.min(lim);
    let mut e = k;
    while e > j && matches!(b[e - 1], b' ' | b'\t' | b'\r') {
        e -= 1;
    }
    (split_args(m, j, e, None), e)
}

fn followed_by_do(b: &[u8], i: usize) -> bool {
    let j = skip_ws(b, i, 64);
    b.get(j..j + 2) == Some(b"do")
        && b.get(j + 2)
            .is_none_or(|c| !c.is_ascii_alphanumeric() && *c != b'_')
}

/// `|| "d"`, `||= "d"`, `or "d"`, optionally after `.presence`.
fn fallback_after(b: &[u8], i: usize) -> bool {
    let mut j = skip_ws(b, i, 64);
    if b[j.min(b.len())..].starts_with(b".presence") {
        j += ".presence".len();
    }
    let j = skip_ws(b, j, 64);
    let rest = &b[j.min(b.len())..];
    rest.starts_with(b"||")
        || (rest.starts_with(b"or") && rest.get(2).is_some_and(|c| *c == b' ' || *c == b'\t'))
}

#[cfg(test)]
mod tests {
    use super::super::common::testutil::{check, Row};
    use super::super::SourceKind;

    fn rb(cases: &[(&str, &[Row])]) {
        check(SourceKind::Ruby, cases);
    }

    #[test]
    fn reads() {
        rb(&[
            (
                "url = ENV[\"DATABASE_URL\"]",
                &[(Some("DATABASE_URL"), 1, 7, false)],
            ),
            (
                "url = ENV['DATABASE_URL']",
                &[(Some("DATABASE_URL"), 1, 7, false)],
            ),
            ("url = ENV.fetch(\"X\")", &[(Some("X"), 1, 7, false)]),
            ("url = ENV.fetch(\"X\", \"d\")", &[(Some("X"), 1, 7, true)]),
            ("url = ENV.fetch(\"X\", nil)", &[(Some("X"), 1, 7, true)]),
            (
                "url = ENV.fetch(\"X\") { \"d\" }",
                &[(Some("X"), 1, 7, true)],
            ),
            (
                "url = ENV.fetch(\"X\") do |k|\n  raise k\nend",
                &[(Some("X"), 1, 7, true)],
            ),
            ("url = ENV.fetch \"X\", 5", &[(Some("X"), 1, 7, true)]),
            ("url = ENV.fetch \"X\"", &[(Some("X"), 1, 7, false)]),
            ("url = ENV.fetch 'X' do 1 end", &[(Some("X"), 1, 7, true)]),
            ("url = ENV[\"X\"] || \"d\"", &[(Some("X"), 1, 7, true)]),
            (
                "url = ENV[\"X\"].presence || \"d\"",
                &[(Some("X"), 1, 7, true)],
            ),
            ("ENV[\"X\"] ||= \"d\"", &[(Some("X"), 1, 1, true)]),
            ("if ENV.key?(\"X\") then 1 end", &[(Some("X"), 1, 4, true)]),
            ("port = ::ENV[\"PORT\"]", &[(Some("PORT"), 1, 10, false)]),
            (
                "threads = Integer(ENV.fetch(\"RAILS_MAX_THREADS\") { 5 })",
                &[(Some("RAILS_MAX_THREADS"), 1, 19, true)],
            ),
            ("x = ENV[\"#{prefix}_KEY\"]", &[(None, 1, 5, false)]),
            ("x = ENV[name]", &[(None, 1, 5, false)]),
            (
                "x = ENV['#{not_interp}']",
                &[(Some("#{not_interp}"), 1, 5, false)],
            ),
            ("ENV[\"X\"] = \"v\"", &[]),
            // ENV["X"] is nil when unset: comparing it copes with that
            (
                "if ENV[\"X\"] == \"1\" then end",
                &[(Some("X"), 1, 4, true)],
            ),
            // ENV.fetch raises before the comparison
            (
                "if ENV.fetch(\"X\") == \"1\" then end",
                &[(Some("X"), 1, 4, false)],
            ),
            ("# ENV[\"X\"]", &[]),
            ("  # ENV.fetch(\"X\")", &[]),
            ("x = 1 # ENV[\"X\"]", &[]),
            (
                "=begin\nENV[\"X\"]\n=end\nENV[\"Y\"]",
                &[(Some("Y"), 4, 1, false)],
            ),
            ("x = MY_ENV[\"X\"]", &[]),
            ("x = s.ENV[\"X\"]", &[]),
        ]);
    }
}
