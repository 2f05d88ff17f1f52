//! JavaScript / TypeScript: `process.env`, `import.meta.env` (Vite),
//! `Bun.env`, `Deno.env.get`, destructuring from `process.env`.

use std::sync::LazyLock;

use regex::Regex;

use super::common::{
    followed_by, followed_by_assignment, line_before, mask_comments, parse_literal, skip_ws, slice,
    split_args, trimmed_start, CommentStyle, Flavor, Lit, Raw,
};

/// The env object itself; what follows it is classified in code.
static ENV_OBJ: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?-u:\b)(?:process[ \t]*(?:\?\.|\.)[ \t]*env|(import)[ \t]*\.[ \t]*meta[ \t]*\.[ \t]*env|Bun[ \t]*\.[ \t]*env)(?-u:\b)")
        .expect("valid regex")
});
/// `{ A, B: b, C = "d" } = process.env`
static DESTRUCTURE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\{([^{}]*)\}[ \t\r\n]*=[ \t\r\n]*(?:process[ \t]*(?:\?\.|\.)[ \t]*env|import[ \t]*\.[ \t]*meta[ \t]*\.[ \t]*env|Bun[ \t]*\.[ \t]*env)(?-u:\b)")
        .expect("valid regex")
});
static DENO: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?-u:\b)Deno[ \t]*\.[ \t]*env[ \t]*\.[ \t]*(get|has)[ \t]*\(")
        .expect("valid regex")
});
/// `"X" in process.env`
static MEMBERSHIP: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r#"(["'])([A-Za-z_$][A-Za-z0-9_$]*)["'][ \t]+in[ \t]+process[ \t]*\.[ \t]*env(?-u:\b)"#,
    )
    .expect("valid regex")
});

/// Variables Vite defines itself on `import.meta.env`.
const VITE_BUILTINS: &[&str] = &["MODE", "DEV", "PROD", "SSR", "BASE_URL"];

const STYLE: CommentStyle = CommentStyle::CLike {
    nested: false,
    backtick: true,
    backtick_escapes: true,
    rust_quotes: false,
};

pub(super) fn extract(text: &str) -> Vec<Raw> {
    let m = mask_comments(text, STYLE);
    let mut out = Vec::new();
    member_reads(&m, &mut out);
    destructuring(&m, &mut out);
    deno(&m, &mut out);
    for cap in MEMBERSHIP.captures_iter(&m) {
        if let (Some(w), Some(n)) = (cap.get(0), cap.get(2)) {
            out.push(Raw::new(
                w.start(),
                w.end(),
                Some(n.as_str().to_string()),
                true,
            ));
        }
    }
    out
}

fn js_ident_end(b: &[u8], i: usize) -> usize {
    if i >= b.len() || !(b[i].is_ascii_alphabetic() || b[i] == b'_' || b[i] == b'$') {
        return i;
    }
    let mut j = i + 1;
    while j < b.len() && (b[j].is_ascii_alphanumeric() || b[j] == b'_' || b[j] == b'$') {
        j += 1;
    }
    j
}

/// `||` or `??` after a read (optionally after a TS non-null `!`).
fn fallback_after(b: &[u8], i: usize) -> bool {
    let mut j = i;
    if b.get(j) == Some(&b'!') && b.get(j + 1) != Some(&b'=') {
        j += 1;
    }
    followed_by(b, j, "||") || followed_by(b, j, "??")
}

fn member_reads(m: &str, out: &mut Vec<Raw>) {
    let b = m.as_bytes();
    for cap in ENV_OBJ.captures_iter(m) {
        let Some(whole) = cap.get(0) else { continue };
        let vite = cap.get(1).is_some();
        let start = whole.start();
        let before = line_before(m, start);
        let member_of_other = before.ends_with('.')
            && !before.ends_with("globalThis.")
            && !before.ends_with("global.");
        if before.ends_with("delete") || member_of_other {
            continue;
        }
        let mut j = skip_ws(b, whole.end(), 64);
        let optional = b.get(j) == Some(&b'?') && b.get(j + 1) == Some(&b'.');
        if optional {
            j += 2;
        }
        match b.get(j) {
            Some(b'[') => {
                let args = split_args(m, j + 1, m.len(), Some(b']'));
                let Some(close) = args.close else { continue };
                if followed_by_assignment(b, close + 1) {
                    continue;
                }
                let name = match args.get(m, 0).map(|a| parse_literal(a, Flavor::Js)) {
                    Some(Lit::Static(s)) => Some(s),
                    Some(Lit::Dynamic) => None,
                    _ => continue,
                };
                if vite && name.as_deref().is_some_and(|n| VITE_BUILTINS.contains(&n)) {
                    continue;
                }
                out.push(Raw::new(
                    start,
                    close + 1,
                    name,
                    fallback_after(b, close + 1),
                ));
            }
            Some(b'.') if !optional => {
                let k = skip_ws(b, j + 1, 64);
                dot_read(m, start, k, vite, out);
            }
            Some(_) if optional => dot_read(m, start, j, vite, out),
            _ => {}
        }
    }
}

fn dot_read(m: &str, start: usize, k: usize, vite: bool, out: &mut Vec<Raw>) {
    let b = m.as_bytes();
    let e = js_ident_end(b, k);
    if e == k {
        return;
    }
    let name = &m[k..e];
    if vite && VITE_BUILTINS.contains(&name) {
        return;
    }
    if followed_by(b, e, "(") || followed_by_assignment(b, e) {
        return; // process.env.hasOwnProperty(...) / process.env.X = ...
    }
    out.push(Raw::new(
        start,
        e,
        Some(name.to_string()),
        fallback_after(b, e),
    ));
}

fn destructuring(m: &str, out: &mut Vec<Raw>) {
    let b = m.as_bytes();
    for cap in DESTRUCTURE.captures_iter(m) {
        let (Some(whole), Some(list)) = (cap.get(0), cap.get(1)) else {
            continue;
        };
        let after = skip_ws(b, whole.end(), 64);
        if matches!(b.get(after), Some(b'.' | b'[')) {
            continue;
        }
        let args = split_args(m, list.start(), list.end(), None);
        for &(a, e) in &args.items {
            let item = slice(m, a, e).trim();
            if item.is_empty() || item.starts_with("...") {
                continue;
            }
            let s = trimmed_start(m, a);
            let ib = item.as_bytes();
            let (name, key_end) = match ib[0] {
                b'[' => (None, 0),
                b'"' | b'\'' => {
                    let close = item[1..].find(ib[0] as char).map_or(item.len(), |p| p + 2);
                    match parse_literal(&item[..close], Flavor::Js) {
                        Lit::Static(n) => (Some(n), close),
                        _ => continue,
                    }
                }
                _ => {
                    let ke = js_ident_end(ib, 0);
                    if ke == 0 {
                        continue;
                    }
                    (Some(item[..ke].to_string()), ke)
                }
            };
            let has_default = has_top_level_default(&item[key_end..]);
            out.push(Raw::new(s, s + item.len(), name, has_default));
        }
    }
}

/// A destructuring default `= value` at bracket depth 0.
fn has_top_level_default(s: &str) -> bool {
    let b = s.as_bytes();
    let mut depth = 0usize;
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            q @ (b'"' | b'\'' | b'`') => {
                let mut j = i + 1;
                while j < b.len() && b[j] != q {
                    j += if b[j] == b'\\' { 2 } else { 1 };
                }
                i = j + 1;
                continue;
            }
            b'(' | b'[' | b'{' => depth += 1,
            b')' | b']' | b'}' => depth = depth.saturating_sub(1),
            b'=' if depth == 0 => {
                let prev = if i > 0 { b[i - 1] } else { b' ' };
                if !matches!(b.get(i + 1), Some(b'=' | b'>'))
                    && !matches!(prev, b'=' | b'!' | b'<' | b'>')
                {
                    return true;
                }
            }
            _ => {}
        }
        i += 1;
    }
    false
}

fn deno(m: &str, out: &mut Vec<Raw>) {
    let b = m.as_bytes();
    for cap in DENO.captures_iter(m) {
        let (Some(whole), Some(method)) = (cap.get(0), cap.get(1)) else {
            continue;
        };
        let args = split_args(m, whole.end(), m.len(), Some(b')'));
        let name = match args.get(m, 0).map(|a| parse_literal(a, Flavor::Js)) {
            Some(Lit::Static(s)) => Some(s),
            Some(Lit::Dynamic) => None,
            _ => continue,
        };
        let end = args.end_or(whole.end());
        let has_default =
            method.as_str() == "has" || args.close.is_some_and(|c| fallback_after(b, c + 1));
        out.push(Raw::new(whole.start(), end, name, has_default));
    }
}

#[cfg(test)]
mod tests {
    use super::super::common::testutil::{check, Row};
    use super::super::{extract_env_reads, SourceKind};

    fn js(cases: &[(&str, &[Row])]) {
        check(SourceKind::JavaScript, cases);
    }

    #[test]
    fn member_access() {
        js(&[
            (
                "const a = process.env.API_URL;",
                &[(Some("API_URL"), 1, 11, false)],
            ),
            (
                "const a = process.env['API_URL'];",
                &[(Some("API_URL"), 1, 11, false)],
            ),
            (
                "const a = process.env[\"API_URL\"];",
                &[(Some("API_URL"), 1, 11, false)],
            ),
            (
                "const a = process.env[`API_URL`];",
                &[(Some("API_URL"), 1, 11, false)],
            ),
            (
                "const p = process.env.PORT || 3000;",
                &[(Some("PORT"), 1, 11, true)],
            ),
            (
                "const p = process.env.PORT ?? '3000';",
                &[(Some("PORT"), 1, 11, true)],
            ),
            (
                "const p = process.env.PORT!;",
                &[(Some("PORT"), 1, 11, false)],
            ),
            (
                "const p = process.env.PORT! ?? 'x';",
                &[(Some("PORT"), 1, 11, true)],
            ),
            (
                "const p = process.env['PORT'] || 1;",
                &[(Some("PORT"), 1, 11, true)],
            ),
            (
                "const p =\n  process.env.PORT\n  || 1;",
                &[(Some("PORT"), 2, 3, true)],
            ),
            ("const v = process?.env?.X;", &[(Some("X"), 1, 11, false)]),
            ("const v = process.env?.X;", &[(Some("X"), 1, 11, false)]),
            (
                "const v = import.meta.env.VITE_API;",
                &[(Some("VITE_API"), 1, 11, false)],
            ),
            ("if (import.meta.env.DEV) {}", &[]),
            ("const m = import.meta.env.MODE;", &[]),
            ("const v = Bun.env.TOKEN;", &[(Some("TOKEN"), 1, 11, false)]),
            (
                "const v = Deno.env.get(\"TOKEN\") ?? 'x';",
                &[(Some("TOKEN"), 1, 11, true)],
            ),
            ("if (Deno.env.has(\"T\")) {}", &[(Some("T"), 1, 5, true)]),
            ("if ('X' in process.env) {}", &[(Some("X"), 1, 5, true)]),
            (
                "const u = `${process.env.HOST}:${process.env.PORT}`;",
                &[(Some("HOST"), 1, 14, false), (Some("PORT"), 1, 34, false)],
            ),
        ]);
    }

    #[test]
    fn dynamic_writes_and_comments() {
        js(&[
            ("const v = process.env[name];", &[(None, 1, 11, false)]),
            (
                "const v = process.env[`${p}_KEY`];",
                &[(None, 1, 11, false)],
            ),
            (
                "const v = process.env['A_' + k] || 'd';",
                &[(None, 1, 11, true)],
            ),
            ("process.env.X = 'y';", &[]),
            ("process.env['X'] = 'y';", &[]),
            ("delete process.env.X;", &[]),
            ("if (process.env.X === 'y') {}", &[(Some("X"), 1, 5, false)]),
            ("const e = { ...process.env };", &[]),
            ("spawn('x', { env: process.env });", &[]),
            ("process.env.hasOwnProperty('X');", &[]),
            ("// const a = process.env.A;", &[]),
            ("   // process.env.A", &[]),
            (
                "/* process.env.A\n process.env.B */ process.env.C",
                &[(Some("C"), 2, 19, false)],
            ),
            (
                "const url = 'http://x'; // process.env.A\nprocess.env.B",
                &[(Some("B"), 2, 1, false)],
            ),
            (
                "const s = \"// not a comment\" + process.env.A;",
                &[(Some("A"), 1, 32, false)],
            ),
            ("const s = myprocess.env.A;", &[]),
            ("const s = foo.process.env.A;", &[]),
            (
                "const s = globalThis.process.env.A;",
                &[(Some("A"), 1, 22, false)],
            ),
        ]);
    }

    #[test]
    fn destructuring() {
        js(&[
            ("const { A, B: b, C = \"d\" } = process.env;", &[
                (Some("A"), 1, 9, false),
                (Some("B"), 1, 12, false),
                (Some("C"), 1, 18, true),
            ]),
            (
                "const {\n  DATABASE_URL,\n  PORT = '3000',\n  'QUOTED': q,\n  LOG: level = f(1, 2),\n  ...rest\n} = process.env;",
                &[
                    (Some("DATABASE_URL"), 2, 3, false),
                    (Some("PORT"), 3, 3, true),
                    (Some("QUOTED"), 4, 3, false),
                    (Some("LOG"), 5, 3, true),
                ],
            ),
            ("let { VITE_X } = import.meta.env;", &[(Some("VITE_X"), 1, 7, false)]),
            ("({ A } = process.env);", &[(Some("A"), 1, 4, false)]),
            ("const { [k]: v } = process.env;", &[(None, 1, 9, false)]),
            ("const { a } = process.env.CONFIG;", &[(Some("CONFIG"), 1, 15, false)]),
            ("const { a } = obj;", &[]),
            ("const { a } = process.environment;", &[]),
        ]);
    }

    #[test]
    fn expr_snippet() {
        let r = extract_env_reads(SourceKind::JavaScript, "x = process.env.PORT || 1");
        assert_eq!(r[0].expr, "process.env.PORT");
        let r = extract_env_reads(SourceKind::JavaScript, "x = process.env[ 'PORT' ]");
        assert_eq!(r[0].expr, "process.env[ 'PORT' ]");
    }
}
