//! JavaScript / TypeScript: `process.env`, `import.meta.env` (Vite),
//! `Bun.env`, `Deno.env.get`, destructuring from `process.env`, and aliases of
//! the env object: `const env = process.env; env.X`, a module exporting it
//! (`export default withFileSecrets(process.env)`) and the member reads of
//! bindings imported from such a module (resolved after the walk).

use std::collections::HashMap;
use std::sync::LazyLock;

use regex::Regex;

use super::common::{
    floor_boundary, followed_by, followed_by_assignment, is_upper_snake, line_before,
    mask_comments, parse_literal, skip_ws, slice, split_args, trimmed_start, CommentStyle, Flavor,
    Lit, Raw,
};
use super::usage::{self, Lang};
use super::Via;

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

/// `import a from "m"`, `import a, { b as c } from "m"`, `import { b } from "m"`.
static IMPORT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"^import[ \t]+(?:([A-Za-z_$][A-Za-z0-9_$]*)[ \t]*(?:,[ \t]*)?)?(?:\{([^{}]*)\})?[ \t\r\n]*from[ \t]*["']([^"'\n]+)["']"#)
        .expect("valid regex")
});
/// `const a = require("m")`, `const { b, c: d } = require("m")`.
static REQUIRE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"(?-u:\b)(?:const|let|var)[ \t]+(?:([A-Za-z_$][A-Za-z0-9_$]*)|\{([^{}]*)\})[ \t]*=[ \t]*require[ \t]*\([ \t]*["']([^"'\n]+)["'][ \t]*\)"#)
        .expect("valid regex")
});
/// `export default a`, `module.exports = a`.
static EXPORT_IDENT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?-u:\b)(?:export[ \t]+default|module[ \t]*\.[ \t]*exports[ \t]*=)[ \t]+([A-Za-z_$][A-Za-z0-9_$]*)[ \t]*(?:;|\r?\n|$)")
        .expect("valid regex")
});
/// `export { a, b as c }` (not re-exports `export { a } from "m"`).
static EXPORT_LIST: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?-u:\b)export[ \t]*\{([^{}]*)\}").expect("valid regex"));
/// `{ A, B } = binding`
static DESTRUCTURE_ANY: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\{([^{}]*)\}[ \t\r\n]*=[ \t\r\n]*([A-Za-z_$][A-Za-z0-9_$]*)").expect("valid regex")
});
/// `env: { A: …, B }` in a Next.js config.
static NEXT_ENV: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?-u:\b)env[ \t]*:[ \t\r\n]*\{").expect("valid regex"));

/// Calls that read the whole environment by their own schema: the names they
/// read are not in the code as member reads.
const SCHEMA_CALLS: &[&str] = &[
    "cleanEnv",
    "parse",
    "safeParse",
    "parseAsync",
    "safeParseAsync",
    "createEnv",
    "validate",
    "validateSync",
    "validateEnv",
    "envsafe",
    "loadEnv",
    "from",
    "load",
];
/// Calls that enumerate the environment's names.
const ENUMERATING_CALLS: &[&str] = &[
    "Object.keys",
    "Object.entries",
    "Object.values",
    "Object.getOwnPropertyNames",
    "Reflect.ownKeys",
];

/// How far back the context of a whole-object use is looked at, in bytes.
const OBJ_LOOK_BACK: usize = 512;

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
    let mut bindings = Bindings::default();
    // every read names `env` (process.env, import.meta.env, Bun.env, Deno.env);
    // only imports can bring an alias from elsewhere
    let has_env = memchr::memmem::find(m.as_bytes(), b"env").is_some();
    let has_imports = memchr::memmem::find(m.as_bytes(), b"import").is_some()
        || memchr::memmem::find(m.as_bytes(), b"require").is_some();
    if has_env {
        member_reads(&m, &mut out, &mut bindings);
        destructuring(&m, &mut out);
        deno(&m, &mut out);
        for cap in MEMBERSHIP.captures_iter(&m) {
            if let (Some(w), Some(n)) = (cap.get(0), cap.get(2)) {
                out.push(Raw::presence(
                    w.start(),
                    w.end(),
                    Some(n.as_str().to_string()),
                ));
            }
        }
        if !bindings.is_empty() {
            exported_aliases(&m, &bindings, &mut out);
        }
    }
    if has_imports {
        imports(&m, &mut bindings);
    }
    if !bindings.is_empty() {
        binding_reads(&m, &bindings, &mut out);
    }
    if m.contains("@Deprecated") {
        for r in out.iter_mut().filter(|r| r.name.is_some()) {
            r.legacy |= deprecated_member(&m, r.start);
        }
    }
    usage::refine_masked(Lang::Js, &m, &mut out);
    out
}

fn is_js_ident_byte(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_' || c == b'$'
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

fn member_reads(m: &str, out: &mut Vec<Raw>, bindings: &mut Bindings) {
    let b = m.as_bytes();
    for cap in ENV_OBJ.captures_iter(m) {
        let Some(whole) = cap.get(0) else { continue };
        let vite = cap.get(1).is_some();
        let start = whole.start();
        let before = line_before(m, start);
        let member_of_other = before.ends_with('.')
            && !before.ends_with("...")
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
            _ => {
                if !followed_by_assignment(b, j) {
                    whole_object(m, start, whole.end(), bindings, out);
                }
            }
        }
    }
}

/// What a file binds to the env object: local aliases and imports.
#[derive(Clone, Debug)]
enum Binding {
    /// `const env = process.env` (`wrapped`: `const env = cleanEnv(process.env, …)`).
    Local { wrapped: bool },
    /// `import env from "./env"`: `export` of `module`.
    Imported { module: String, export: String },
}

type Bindings = HashMap<String, Binding>;

/// The trailing identifier chain of `s` (`Object.keys`, `z.object`), as a
/// byte offset into `s`.
fn chain_start(s: &str) -> usize {
    let b = s.as_bytes();
    let mut i = b.len();
    while i > 0 && (b[i - 1].is_ascii_alphanumeric() || matches!(b[i - 1], b'_' | b'$' | b'.')) {
        i -= 1;
    }
    i
}

fn strip_word<'a>(s: &'a str, w: &str) -> Option<&'a str> {
    let rest = s.strip_suffix(w)?;
    let ok = rest
        .as_bytes()
        .last()
        .is_none_or(|&c| !(c.is_ascii_alphanumeric() || c == b'_' || c == b'$' || c == b'.'));
    ok.then(|| rest.trim_end())
}

/// Index of the unmatched `open` bracket before the end of `s`, if any.
fn enclosing(s: &str, open: u8, close: u8) -> Option<usize> {
    let b = s.as_bytes();
    let mut depth = 0usize;
    let mut i = b.len();
    while i > 0 {
        i -= 1;
        let c = b[i];
        if c == close {
            depth += 1;
        } else if c == open {
            if depth == 0 {
                return Some(i);
            }
            depth -= 1;
        }
    }
    None
}

/// The env object used whole (`process.env` not followed by a member): an
/// alias, an export, a schema or enumeration over it, or a copy (ignored).
fn whole_object(m: &str, start: usize, end: usize, bindings: &mut Bindings, out: &mut Vec<Raw>) {
    let mut s = slice(m, start.saturating_sub(OBJ_LOOK_BACK), start).trim_end();
    let mut callees: Vec<&str> = Vec::new();
    let mut spread = false;
    for _ in 0..4 {
        if let Some(inner) = s.strip_suffix("...") {
            // `{ ...process.env, A: 1 }`: a copy of the object literal's context
            let Some(brace) = enclosing(inner, b'{', b'}') else {
                return;
            };
            s = inner[..brace].trim_end();
            spread = true;
            continue;
        }
        let inner = if let Some(inner) = s.strip_suffix('(') {
            inner.trim_end()
        } else if s.ends_with(',') {
            // a later argument: `cleanEnv(process.env, …)` has it first
            let Some(open) = enclosing(s, b'(', b')') else {
                return;
            };
            s[..open].trim_end()
        } else if s.ends_with(':') && s.ends_with("runtimeEnv:") {
            // t3-env: `createEnv({ runtimeEnv: process.env })`
            let Some(brace) = enclosing(s, b'{', b'}') else {
                return;
            };
            let Some(inner) = s[..brace].trim_end().strip_suffix('(') else {
                return;
            };
            inner.trim_end()
        } else {
            break;
        };
        let c = chain_start(inner);
        let callee = &inner[c..];
        if !callee.is_empty() {
            callees.push(callee);
        }
        s = inner[..c].trim_end();
        for w in ["new", "await"] {
            if let Some(rest) = strip_word(s, w) {
                s = rest;
            }
        }
    }
    let at = |via: Via| Raw::link(start, end, via);
    if callees.iter().any(|c| ENUMERATING_CALLS.contains(c)) || for_in_loop(s) {
        out.push(at(Via::Opaque));
        return;
    }
    let wrapped = !callees.is_empty() || spread;
    if strip_word(s, "export default").is_some()
        || s.ends_with("module.exports =")
        || s.ends_with("module.exports=")
    {
        out.push(at(Via::Export {
            export: "default".into(),
            wrapped,
        }));
        return;
    }
    if let Some(head) = s.strip_suffix('=') {
        if head.ends_with(['=', '!', '<', '>', '+', '-', '*', '/', '|', '&', '?']) {
            return;
        }
        let mut head = head.trim_end();
        // `const env: Env = …`
        if let Some((h, _)) = head.rsplit_once(':') {
            if h.trim_end()
                .ends_with(|c: char| c.is_ascii_alphanumeric() || c == '_' || c == '$')
            {
                head = h.trim_end();
            }
        }
        let c = chain_start(head);
        let target = &head[c..];
        if target.starts_with("process.env") {
            return; // `process.env = { ...process.env }`
        }
        if let Some(name) = target
            .strip_prefix("module.exports.")
            .or_else(|| target.strip_prefix("exports."))
        {
            out.push(at(Via::Export {
                export: name.to_string(),
                wrapped,
            }));
            return;
        }
        if target.is_empty() || target.contains('.') {
            return;
        }
        bindings.insert(target.to_string(), Binding::Local { wrapped });
        let pre = head[..c].trim_end();
        let decl = ["const", "let", "var"]
            .iter()
            .find_map(|w| strip_word(pre, w));
        if decl.is_some_and(|p| strip_word(p, "export").is_some()) {
            out.push(at(Via::Export {
                export: target.to_string(),
                wrapped,
            }));
        }
        return;
    }
    // a schema over the environment, its result not kept in a binding we follow
    if callees.last().is_some_and(|c| {
        let last = c.rsplit('.').next().unwrap_or(c);
        SCHEMA_CALLS.contains(&last)
    }) {
        out.push(at(Via::Opaque));
    }
}

/// Whether `s` ends with the head of `for (const k in` (not `"X" in`).
fn for_in_loop(s: &str) -> bool {
    let Some(head) = strip_word(s, "in") else {
        return false;
    };
    let c = chain_start(head);
    if c == head.len() {
        return false;
    }
    let mut rest = head[..c].trim_end();
    for w in ["const", "let", "var"] {
        if let Some(r) = strip_word(rest, w) {
            rest = r;
        }
    }
    rest.strip_suffix('(')
        .is_some_and(|r| strip_word(r.trim_end(), "for").is_some())
}

/// `export default env` / `export { env as e }` / `module.exports = env` of a
/// local alias.
fn exported_aliases(m: &str, bindings: &Bindings, out: &mut Vec<Raw>) {
    let wrapped_of = |name: &str| match bindings.get(name) {
        Some(Binding::Local { wrapped }) => Some(*wrapped),
        _ => None,
    };
    for cap in EXPORT_IDENT.captures_iter(m) {
        let (Some(w), Some(id)) = (cap.get(0), cap.get(1)) else {
            continue;
        };
        if let Some(wrapped) = wrapped_of(id.as_str()) {
            out.push(Raw::link(
                w.start(),
                w.end(),
                Via::Export {
                    export: "default".into(),
                    wrapped,
                },
            ));
        }
    }
    let b = m.as_bytes();
    for cap in EXPORT_LIST.captures_iter(m) {
        let (Some(w), Some(list)) = (cap.get(0), cap.get(1)) else {
            continue;
        };
        if followed_by(b, w.end(), "from") {
            continue;
        }
        for item in list.as_str().split(',') {
            let mut parts = item.split_whitespace();
            let (Some(local), alias) = (parts.next(), parts.nth(1)) else {
                continue;
            };
            if let Some(wrapped) = wrapped_of(local) {
                out.push(Raw::link(
                    w.start(),
                    w.end(),
                    Via::Export {
                        export: alias.unwrap_or(local).to_string(),
                        wrapped,
                    },
                ));
            }
        }
    }
}

/// Whether an import specifier can name a file of the project (not a package)
/// that holds configuration: `./utils/environment`, `~/env`, `@/config`.
fn local_module(spec: &str) -> bool {
    let local = spec.starts_with(['.', '@', '~', '#', '/']) || spec.contains('/');
    let last = spec.rsplit('/').next().unwrap_or(spec).to_ascii_lowercase();
    local
        && ["env", "conf", "setting", "secret"]
            .iter()
            .any(|w| last.contains(w))
}

/// The quoted specifier after the first `keyword` of `window` (`from "./env"`,
/// `require("./env")`).
fn statement_spec<'w>(window: &'w str, keyword: &str) -> Option<&'w str> {
    let b = window.as_bytes();
    memchr::memmem::find_iter(b, keyword.as_bytes()).find_map(|at| {
        let mut i = at + keyword.len();
        while i < b.len() && matches!(b[i], b' ' | b'\t' | b'\r' | b'\n' | b'(') {
            i += 1;
        }
        let q = *b.get(i).filter(|c| matches!(c, b'"' | b'\''))?;
        let len = memchr::memchr2(q, b'\n', &b[i + 1..])?;
        // the quotes are ASCII, so both ends are char boundaries
        window.get(i + 1..i + 1 + len)
    })
}

/// How far an import statement is followed, in bytes.
const IMPORT_MAX_BYTES: usize = 1024;

/// Bindings imported from project modules: `import env from "./env"`,
/// `import { env as e } from "@/env"`, `const env = require("./env")`.
fn imports(m: &str, bindings: &mut Bindings) {
    let mut add = |local: &str, module: &str, export: &str| {
        if !local.is_empty() && local_module(module) && !bindings.contains_key(local) {
            bindings.insert(
                local.to_string(),
                Binding::Imported {
                    module: module.to_string(),
                    export: export.to_string(),
                },
            );
        }
    };
    let named = |list: &str, sep: &str| -> Vec<(String, String)> {
        list.split(',')
            .filter_map(|item| {
                let item = item.trim().trim_start_matches("type ").trim();
                let (name, local) = match item.split_once(sep) {
                    Some((n, l)) => (n.trim(), l.trim()),
                    None => (item, item),
                };
                let ok = |s: &str| {
                    !s.is_empty()
                        && s.bytes()
                            .all(|c| c.is_ascii_alphanumeric() || c == b'_' || c == b'$')
                };
                (ok(name) && ok(local)).then(|| (name.to_string(), local.to_string()))
            })
            .collect()
    };
    let b = m.as_bytes();
    // anchored at each `import` keyword: one regex run over the whole file with
    // captures costs more than the few statements it finds
    for p in memchr::memmem::find_iter(b, b"import") {
        if p > 0 && (is_js_ident_byte(b[p - 1]) || b[p - 1] == b'.') {
            continue;
        }
        if !matches!(b.get(p + 6), Some(b' ' | b'\t')) {
            continue;
        }
        let window = slice(m, p, p.saturating_add(IMPORT_MAX_BYTES));
        // most imports are packages or modules without configuration: look at
        // the specifier before running the regex
        if !statement_spec(window, "from").is_some_and(local_module) {
            continue;
        }
        let Some(cap) = IMPORT.captures(window) else {
            continue;
        };
        let Some(module) = cap.get(3).map(|g| g.as_str()) else {
            continue;
        };
        if let Some(d) = cap.get(1) {
            if d.as_str() != "type" {
                add(d.as_str(), module, "default");
            }
        }
        if let Some(list) = cap.get(2) {
            for (name, local) in named(list.as_str(), " as ") {
                add(&local, module, &name);
            }
        }
    }
    for p in memchr::memmem::find_iter(b, b"require") {
        let look = floor_boundary(m, p.saturating_sub(IMPORT_MAX_BYTES));
        let from = slice(m, look, p)
            .rfind(['\n', ';'])
            .map_or(look, |q| look + q + 1);
        let window = slice(m, from, p.saturating_add(IMPORT_MAX_BYTES));
        if !statement_spec(&window[p - from..], "require").is_some_and(local_module) {
            continue;
        }
        let Some(cap) = REQUIRE.captures(window) else {
            continue;
        };
        let Some(module) = cap.get(3).map(|g| g.as_str()) else {
            continue;
        };
        if let Some(d) = cap.get(1) {
            add(d.as_str(), module, "default");
        }
        if let Some(list) = cap.get(2) {
            for (name, local) in named(list.as_str(), ":") {
                add(&local, module, &name);
            }
        }
    }
}

/// Member reads (`env.X`, `env["X"]`, `const { X } = env`) on the file's
/// bindings of the env object.
fn binding_reads(m: &str, bindings: &Bindings, out: &mut Vec<Raw>) {
    let b = m.as_bytes();
    let mut push =
        |start: usize, end: usize, name: Option<String>, has_default: bool, bind: &Binding| {
            match bind {
                Binding::Local { wrapped } => {
                    out.push(Raw::new(start, end, name, has_default || *wrapped));
                }
                Binding::Imported { module, export } => {
                    // only names that look like variables: most imports are not env objects
                    if let Some(n) = name.filter(|n| is_upper_snake(n)) {
                        out.push(Raw {
                            via: Via::Import {
                                module: module.clone(),
                                export: export.clone(),
                            },
                            ..Raw::new(start, end, Some(n), has_default)
                        });
                    }
                }
            }
        };
    // Each binding's occurrences, found with memmem: a file binds a handful of
    // names, and most of its identifiers are not among them.
    let mut names: Vec<&String> = bindings.keys().collect();
    names.sort();
    let mut hits: Vec<(usize, &Binding, usize)> = Vec::new();
    for name in names {
        let Some(bind) = bindings.get(name) else {
            continue;
        };
        for p in memchr::memmem::find_iter(b, name.as_bytes()) {
            let end = p + name.len();
            let before_ok = p == 0 || !(b[p - 1] == b'.' || is_js_ident_byte(b[p - 1]));
            if !before_ok || b.get(end).is_some_and(|&c| is_js_ident_byte(c)) {
                continue;
            }
            let j = skip_ws(b, end, 64);
            let op_end = match (b.get(j), b.get(j + 1)) {
                (Some(b'?'), Some(b'.')) => j + 2,
                (Some(b'.'), _) => j + 1,
                (Some(b'['), _) => j + 1,
                _ => continue,
            };
            hits.push((p, bind, op_end));
        }
    }
    hits.sort_by_key(|h| h.0);
    for (start, bind, op_end) in hits {
        if b[op_end - 1] == b'[' {
            let args = split_args(m, op_end, m.len(), Some(b']'));
            let Some(close) = args.close else { continue };
            if followed_by_assignment(b, close + 1) {
                continue;
            }
            let name = match args.get(m, 0).map(|a| parse_literal(a, Flavor::Js)) {
                Some(Lit::Static(s)) => Some(s),
                Some(Lit::Dynamic) if matches!(bind, Binding::Local { .. }) => None,
                _ => continue,
            };
            push(start, close + 1, name, fallback_after(b, close + 1), bind);
            continue;
        }
        let k = skip_ws(b, op_end, 64);
        let e = js_ident_end(b, k);
        if e == k || followed_by(b, e, "(") || followed_by_assignment(b, e) {
            continue;
        }
        push(
            start,
            e,
            Some(m[k..e].to_string()),
            fallback_after(b, e),
            bind,
        );
    }
    for cap in DESTRUCTURE_ANY.captures_iter(m) {
        let (Some(whole), Some(list), Some(id)) = (cap.get(0), cap.get(1), cap.get(2)) else {
            continue;
        };
        let Some(bind) = bindings.get(id.as_str()) else {
            continue;
        };
        let after = skip_ws(b, whole.end(), 64);
        if matches!(b.get(after), Some(b'.' | b'[' | b'(')) {
            continue;
        }
        for (s, e, name, has_default) in destructured(m, list.start(), list.end()) {
            push(s, e, name, has_default, bind);
        }
    }
}

/// Whether the class member a read initialises is decorated `@Deprecated(…)`.
fn deprecated_member(m: &str, start: usize) -> bool {
    let s = slice(m, start.saturating_sub(OBJ_LOOK_BACK), start);
    let member = s.rfind([';', '{', '}']).map_or(s, |p| &s[p + 1..]);
    member.contains("@Deprecated")
}

/// Whether a path is a Next.js config, whose `env` block is inlined at build.
pub(super) fn is_next_config(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    name.strip_prefix("next.config.")
        .is_some_and(|ext| matches!(ext, "js" | "mjs" | "cjs" | "ts" | "mts" | "cts"))
}

/// Keys of the `env: { … }` blocks of a Next.js config, with their line.
pub(super) fn next_config_env(text: &str) -> Vec<(String, u32)> {
    let m = mask_comments(text, STYLE);
    let b = m.as_bytes();
    let mut out = Vec::new();
    for w in NEXT_ENV.find_iter(&m) {
        let before = line_before(&m, w.start());
        if before.ends_with('.') {
            continue;
        }
        let args = split_args(&m, w.end(), m.len(), Some(b'}'));
        for &(a, e) in &args.items {
            let item = slice(&m, a, e).trim();
            if item.starts_with("...") {
                continue;
            }
            let key_end = item.find(':').unwrap_or(item.len());
            let key = item[..key_end].trim();
            let name = match parse_literal(key, Flavor::Js) {
                Lit::Static(s) => s,
                _ if key_end < item.len() || !key.is_empty() => {
                    if key
                        .bytes()
                        .all(|c| c.is_ascii_alphanumeric() || c == b'_' || c == b'$')
                        && !key.is_empty()
                    {
                        key.to_string()
                    } else {
                        continue;
                    }
                }
                _ => continue,
            };
            let at = trimmed_start(&m, a);
            let line = 1 + b[..at.min(b.len())].iter().filter(|&&c| c == b'\n').count();
            out.push((name, u32::try_from(line).unwrap_or(u32::MAX)));
        }
    }
    out
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
        for (s, e, name, has_default) in destructured(m, list.start(), list.end()) {
            out.push(Raw::new(s, e, name, has_default));
        }
    }
}

/// The keys of a destructuring pattern `m[from..to]` (inside the braces):
/// (start, end, name, has a default).
fn destructured(m: &str, from: usize, to: usize) -> Vec<(usize, usize, Option<String>, bool)> {
    let mut out = Vec::new();
    let args = split_args(m, from, to, None);
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
        out.push((s, s + item.len(), name, has_default));
    }
    out
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
        if method.as_str() == "has" {
            out.push(Raw::presence(whole.start(), end, name));
            continue;
        }
        let has_default = args.close.is_some_and(|c| fallback_after(b, c + 1));
        out.push(Raw::new(whole.start(), end, name, has_default));
    }
}

#[cfg(test)]
mod tests {
    use super::super::common::testutil::{check, Row};
    use super::super::{extract_env_reads, SourceKind, Via};
    use super::{is_next_config, next_config_env};

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
            ("if (process.env.X === 'y') {}", &[(Some("X"), 1, 5, true)]),
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

    /// (name or via, has_default) of every record, for alias tests.
    fn records(src: &str) -> Vec<(String, bool)> {
        extract_env_reads(SourceKind::JavaScript, src)
            .into_iter()
            .map(|r| {
                let what = match (&r.via, &r.name) {
                    (Via::Env, Some(n)) => n.clone(),
                    (Via::Env, None) => "<computed>".into(),
                    (Via::Import { module, export }, n) => {
                        format!("{}@{module}#{export}", n.clone().unwrap_or_default())
                    }
                    (Via::Export { export, wrapped }, _) => format!("export {export} {wrapped}"),
                    (Via::Opaque, _) => "<opaque>".into(),
                };
                (what, r.has_default)
            })
            .collect()
    }

    fn rec(list: &[(&str, bool)]) -> Vec<(String, bool)> {
        list.iter().map(|(s, d)| (s.to_string(), *d)).collect()
    }

    #[test]
    fn local_aliases() {
        let cases: &[(&str, &[(&str, bool)])] = &[
            (
                "const env = process.env;\nconst a = env.API_URL;\nconst b = env['TOKEN'] || 'x';\nconst { PORT, HOST = '0' } = env;",
                &[("API_URL", false), ("TOKEN", true), ("PORT", false), ("HOST", true)],
            ),
            // a schema decides what is required: reads through it are not claimed
            (
                "const env = cleanEnv(process.env, { API_URL: str() });\nfetch(env.API_URL);",
                &[("API_URL", true)],
            ),
            ("const env = process.env;\nconst v = env[name];", &[("<computed>", false)]),
            ("const env = process.env;\nenv.X = '1';\nenv.toString();", &[]),
            ("const e = { ...process.env, A: '1' };\nuse(e.API_URL);", &[("API_URL", true)]),
            ("spawn('x', { env: process.env });\nspawn('y', { env: { ...process.env } });", &[]),
            ("process.env = { ...defaults, ...process.env };", &[]),
            ("myenv.process.env;", &[]),
        ];
        for (src, want) in cases {
            assert_eq!(records(src), rec(want), "{src}");
        }
    }

    #[test]
    fn exports_imports_and_opaque_uses() {
        let cases: &[(&str, &[(&str, bool)])] = &[
            ("export default withFileSecrets(process.env);", &[("export default true", true)]),
            ("export default process.env;", &[("export default false", true)]),
            ("module.exports = process.env;", &[("export default false", true)]),
            ("export const env = createEnv({ runtimeEnv: process.env });", &[("export env true", true)]),
            ("const env = process.env;\nexport default env;", &[("export default false", true)]),
            ("const env = process.env;\nexport { env as config };", &[("export config false", true)]),
            (
                "import environment from \"./utils/environment\";\nconst k = environment.SECRET_KEY ?? \"\";\nconst u = environment.url;",
                &[("SECRET_KEY@./utils/environment#default", true)],
            ),
            (
                "import { fromEnv, env as e } from \"~/env\";\nimport React from \"react\";\nuse(e.API_URL, React.CONSTANT);",
                &[("API_URL@~/env#env", false)],
            ),
            (
                "const { env } = require(\"../env\");\nconst { API_URL } = env;",
                &[("API_URL@../env#env", false)],
            ),
            ("for (const k in process.env) {}", &[("<opaque>", true)]),
            ("const keys = Object.keys(process.env);", &[("<opaque>", true)]),
            ("envalid.cleanEnv(process.env, spec);", &[("<opaque>", true)]),
            ("if ('X' in process.env) {}", &[("X", true)]),
        ];
        for (src, want) in cases {
            assert_eq!(records(src), rec(want), "{src}");
        }
    }

    #[test]
    fn deprecated_members_and_alternatives() {
        let src = "class E {\n  @IsOptional()\n  @Deprecated(\"Use A\")\n  public OLD = env.OLD;\n  public A = process.env.A ?? process.env.A_LEGACY;\n  public B = f(process.env.B) ?? f(process.env.B_OLD);\n}\nconst env = process.env;";
        let legacy: Vec<(String, bool)> = extract_env_reads(SourceKind::JavaScript, src)
            .into_iter()
            .filter_map(|r| r.name.map(|n| (n, r.legacy)))
            .collect();
        assert_eq!(
            legacy,
            rec(&[
                ("OLD", true),
                ("A", false),
                ("A_LEGACY", true),
                ("B", false),
                ("B_OLD", true)
            ])
        );
    }

    #[test]
    fn next_config_env_block() {
        assert!(is_next_config("web/next.config.mjs"));
        assert!(is_next_config("next.config.ts"));
        assert!(!is_next_config("next.config.json"));
        assert!(!is_next_config("src/next.js"));
        let src = "const basePath = process.env.BASE_PATH || '';\nexport default {\n  env: {\n    basePath,\n    cloudUrl: process.env.CLOUD_URL,\n    'quoted': 1,\n    ...extra,\n  },\n  basePath,\n};\n// env: { COMMENTED: 1 }\n";
        assert_eq!(
            next_config_env(src),
            vec![
                ("basePath".to_string(), 4),
                ("cloudUrl".to_string(), 5),
                ("quoted".to_string(), 6)
            ]
        );
        assert!(next_config_env("env: {").is_empty());
    }
}
