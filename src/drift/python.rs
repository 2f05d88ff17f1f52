//! Python: `os.getenv` / `os.environ` (and `from os import ...` aliases),
//! django-environ, python-decouple and pydantic `BaseSettings` classes.

use std::collections::{HashMap, HashSet};
use std::sync::LazyLock;

use regex::Regex;

use super::common::{
    bound_once, followed_by_assignment, is_ident_byte, kwarg, line_before, mask_comments,
    parse_literal, slice, split_args, trimmed_start, CommentStyle, Flavor, Lit, Raw,
};
use super::usage::{self, Lang};

/// A dotted name followed by `(` or `[` (a call or an index), at the start of the
/// haystack; the word boundary before it is checked by the caller, and the callee
/// is classified in code.
static CALL_AT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^([A-Za-z_][A-Za-z0-9_]*(?:[ \t]*\.[ \t]*[A-Za-z_][A-Za-z0-9_]*)*)[ \t]*([\[(])")
        .expect("valid regex")
});
/// `"X" in os.environ` / `'X' not in environ`
static MEMBERSHIP: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"(["'])([A-Za-z_][A-Za-z0-9_]*)["'][ \t]+(?:not[ \t]+)?in[ \t]+([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)?)(?-u:\b)"#)
        .expect("valid regex")
});
static FROM_IMPORT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?m)^[ \t]*from[ \t]+([A-Za-z_.][A-Za-z0-9_.]*)[ \t]+import[ \t]+(\([^)]*\)|[^\n]*)",
    )
    .expect("valid regex")
});
static IMPORT: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?m)^[ \t]*import[ \t]+([^\n]*)").expect("valid regex"));
/// `name = dotted.path(` or `name = dotted.path` at end of line.
static ASSIGN: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?m)^[ \t]*([A-Za-z_][A-Za-z0-9_]*)[ \t]*=[ \t]*([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)[ \t\r]*(\(|$)")
        .expect("valid regex")
});
static CLASS_HEAD: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?s)^class[ \t]+([A-Za-z_][A-Za-z0-9_]*)[ \t]*(?:\((.*)\))?[ \t]*:[ \t]*$")
        .expect("valid regex")
});
static FIELD: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?s)^([A-Za-z_][A-Za-z0-9_]*)[ \t]*:([^=].*)$").expect("valid regex")
});
static ENV_PREFIX: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"(?:(?-u:\b)env_prefix[ \t]*(?::[^=\n]*)?=|["']env_prefix["'][ \t]*:)[ \t]*[rRuU]?(?:"([^"\n]*)"|'([^'\n]*)')"#)
        .expect("valid regex")
});
static CASE_SENSITIVE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"(?:(?-u:\b)case_sensitive[ \t]*(?::[^=\n]*)?=|["']case_sensitive["'][ \t]*:)[ \t]*(True|False)"#)
        .expect("valid regex")
});

/// django-environ methods that take the variable name first.
const DJANGO_METHODS: &[&str] = &[
    "str",
    "bool",
    "int",
    "float",
    "json",
    "list",
    "tuple",
    "dict",
    "url",
    "db_url",
    "db",
    "cache_url",
    "cache",
    "email_url",
    "email",
    "search_url",
    "path",
    "bytes",
    "decimal",
    "get_value",
];

const PY_KEYWORDS: &[&str] = &[
    "if", "elif", "else", "for", "while", "try", "except", "finally", "with", "def", "class",
    "return", "match", "case", "lambda", "async", "await", "pass",
];

pub(super) fn extract(text: &str) -> Vec<Raw> {
    let masked = mask_comments(text, CommentStyle::Python);
    let ctx = Ctx::build(&masked);
    let mut out = Vec::new();
    calls(&masked, &ctx, &mut out);
    membership(&masked, &ctx, &mut out);
    if out.iter().any(|r| !r.has_default) && masked.contains("except") {
        handled_key_errors(&masked, &mut out);
    }
    if masked.contains("BaseSettings") {
        pydantic(&masked, &mut out);
    }
    usage::refine_masked(Lang::Python, &masked, &mut out);
    out
}

/// Names that refer to `os`, `os.getenv`, `os.environ`, decouple's `config`
/// and django-environ's `Env` instances in this file.
#[derive(Default)]
struct Ctx {
    os: HashSet<String>,
    getenv: HashSet<String>,
    environ: HashSet<String>,
    decouple_mod: HashSet<String>,
    decouple_config: HashSet<String>,
    django_env: HashSet<String>,
    django_defaults: HashSet<String>,
}

fn import_items(list: &str) -> Vec<(String, String)> {
    list.trim()
        .trim_start_matches('(')
        .trim_end_matches(')')
        .split(',')
        .filter_map(|item| {
            let item = item.trim().trim_end_matches('\\').trim();
            let mut parts = item.split_whitespace();
            let name = parts.next()?;
            let alias = match (parts.next(), parts.next()) {
                (Some("as"), Some(a)) => a,
                _ => name,
            };
            Some((name.to_string(), alias.to_string()))
        })
        .collect()
}

impl Ctx {
    fn build(m: &str) -> Ctx {
        let mut c = Ctx::default();
        c.os.insert("os".into());
        let mut env_class: HashSet<String> = HashSet::new();
        let mut imports_environ = false;
        for cap in IMPORT.captures_iter(m) {
            for (name, alias) in import_items(&cap[1]) {
                match name.as_str() {
                    "os" => {
                        c.os.insert(alias);
                    }
                    "environ" => imports_environ = true,
                    "decouple" => {
                        c.decouple_mod.insert(alias);
                    }
                    _ => {}
                }
            }
        }
        for cap in FROM_IMPORT.captures_iter(m) {
            let module = &cap[1];
            for (name, alias) in import_items(&cap[2]) {
                match (module, name.as_str()) {
                    ("os", "getenv") => {
                        c.getenv.insert(alias);
                    }
                    ("os", "environ") => {
                        c.environ.insert(alias);
                    }
                    ("os", _) => {}
                    ("decouple", "config") => {
                        c.decouple_config.insert(alias);
                    }
                    ("decouple", "AutoConfig" | "Config") => {
                        env_class.insert(format!("decouple:{alias}"));
                    }
                    ("environ", "Env") => {
                        env_class.insert(format!("environ:{alias}"));
                    }
                    // `from config.settings.base import env`: a shared Env instance
                    (_, "env") if module != "decouple" => {
                        c.django_env.insert(alias);
                    }
                    _ => {}
                }
            }
        }
        if imports_environ {
            c.django_env.insert("env".into());
        }
        for cap in ASSIGN.captures_iter(m) {
            let (var, rhs, is_call) = (&cap[1], &cap[2], &cap[3] == "(");
            let rhs_last = rhs.rsplit('.').next().unwrap_or(rhs);
            let rhs_head = rhs.split('.').next().unwrap_or(rhs);
            if is_call {
                // (no class imported: skip building the keys for every call)
                let known = |prefix: &str| {
                    !env_class.is_empty() && env_class.contains(&format!("{prefix}:{rhs}"))
                };
                let django = (rhs == "environ.Env" && imports_environ) || known("environ");
                let decouple = known("decouple")
                    || (c.decouple_mod.contains(rhs_head)
                        && matches!(rhs_last, "AutoConfig" | "Config"));
                if django {
                    c.django_env.insert(var.to_string());
                    let open = cap.get(3).map_or(0, |g| g.end());
                    let args = split_args(m, open, m.len(), Some(b')'));
                    for k in 0..args.items.len() {
                        if let Some((kw, val)) = args.get(m, k).and_then(kwarg) {
                            if let Some(inner) = val.strip_prefix('(') {
                                if split_args(inner, 0, inner.len(), Some(b')')).items.len() >= 2 {
                                    c.django_defaults.insert(kw.to_string());
                                }
                            }
                        }
                    }
                } else if decouple {
                    c.decouple_config.insert(var.to_string());
                }
            } else {
                let is_os_environ = rhs
                    .split_once('.')
                    .is_some_and(|(h, t)| t == "environ" && c.os.contains(h));
                if is_os_environ || c.environ.contains(rhs) {
                    c.environ.insert(var.to_string());
                }
            }
        }
        c
    }

    fn is_environ(&self, callee: &str) -> bool {
        if self.environ.contains(callee) {
            return true;
        }
        matches!(callee.split_once('.'), Some((h, "environ")) if self.os.contains(h))
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// os.getenv / os.environ.get / decouple config: 2nd positional or `default=`
    Get,
    /// os.environ.setdefault: always a default
    SetDefault,
    /// os.environ["X"]
    Index,
    /// env("X", cast, default): only `default=` (or a third positional)
    DjangoCall,
    /// env.str("X", default): 2nd positional or `default=`
    DjangoMethod,
}

fn classify<'a>(ctx: &Ctx, callee: &'a str, bracket: u8) -> Option<(Kind, Option<&'a str>)> {
    let (head, last) = match callee.rsplit_once('.') {
        Some((h, l)) => (Some(h), l),
        None => (None, callee),
    };
    if bracket == b'[' {
        return ctx.is_environ(callee).then_some((Kind::Index, None));
    }
    match head {
        None => {
            if ctx.getenv.contains(callee) || ctx.decouple_config.contains(callee) {
                Some((Kind::Get, None))
            } else if ctx.django_env.contains(callee) {
                Some((Kind::DjangoCall, None))
            } else {
                None
            }
        }
        Some(h) => {
            if last == "getenv" && ctx.os.contains(h) {
                return Some((Kind::Get, None));
            }
            if ctx.is_environ(h) {
                return match last {
                    "get" => Some((Kind::Get, None)),
                    "setdefault" => Some((Kind::SetDefault, None)),
                    _ => None,
                };
            }
            if last == "config" && ctx.decouple_mod.contains(h) {
                return Some((Kind::Get, None));
            }
            if ctx.django_env.contains(h) && DJANGO_METHODS.contains(&last) {
                return Some((Kind::DjangoMethod, Some(last)));
            }
            None
        }
    }
}

/// The call sites (as `(start, end)` of [`CALL_AT`] matches) whose dotted name
/// starts with a name `classify` can accept: `os`, an alias of it, of `getenv`,
/// `environ`, decouple or a django-environ instance. Only those can be reads, so
/// instead of matching every call in the file, each occurrence of those few names
/// is tried: at a word boundary, and not after a `.` (then it is the tail of
/// another dotted name, which a scan of every call would have matched whole).
fn call_sites(m: &str, ctx: &Ctx) -> Vec<(usize, usize)> {
    let mut heads: Vec<&str> = [
        &ctx.os,
        &ctx.getenv,
        &ctx.environ,
        &ctx.decouple_mod,
        &ctx.decouple_config,
        &ctx.django_env,
    ]
    .into_iter()
    .flatten()
    .filter_map(|n| n.split('.').next())
    .filter(|h| !h.is_empty())
    .collect();
    heads.sort_unstable();
    heads.dedup();
    let b = m.as_bytes();
    let mut sites: Vec<(usize, usize)> = Vec::new();
    for head in heads {
        for p in memchr::memmem::find_iter(b, head.as_bytes()) {
            let after = p + head.len();
            if (p > 0 && is_ident_byte(b[p - 1])) || b.get(after).is_some_and(|&c| is_ident_byte(c))
            {
                continue;
            }
            let before = b[..p].iter().rposition(|&c| c != b' ' && c != b'\t');
            if before.is_some_and(|i| b[i] == b'.') {
                continue;
            }
            if let Some(found) = CALL_AT.find(&m[p..]) {
                sites.push((p, p + found.end()));
            }
        }
    }
    sites.sort_unstable();
    sites.dedup();
    sites
}

fn calls(m: &str, ctx: &Ctx, out: &mut Vec<Raw>) {
    let b = m.as_bytes();
    // The groups are read off the match (the dotted name, blanks, then the bracket
    // as its last byte) rather than run the slower capturing engines.
    for (whole_start, whole_end) in call_sites(m, ctx) {
        let whole_text = &m[whole_start..whole_end];
        let Some((&bracket, head)) = whole_text.as_bytes().split_last() else {
            continue;
        };
        let head = &whole_text[..head.len()];
        let dotted = head.trim_end_matches([' ', '\t']);
        let callee: std::borrow::Cow<'_, str> = if dotted.contains([' ', '\t']) {
            dotted.chars().filter(|c| !c.is_whitespace()).collect()
        } else {
            dotted.into()
        };
        let Some((kind, method)) = classify(ctx, &callee, bracket) else {
            continue;
        };
        let start = whole_start;
        let close = if bracket == b'[' { b']' } else { b')' };
        let args = split_args(m, whole_end, m.len(), Some(close));
        let end = args.end_or(whole_end);
        if kind == Kind::Index {
            if args.close.is_some_and(|c| followed_by_assignment(b, c + 1)) {
                continue; // os.environ["X"] = ... is a write
            }
            let before = line_before(m, start);
            if before == "del" || before.ends_with(" del") || before.ends_with("\tdel") {
                continue;
            }
        }
        // name: first positional argument, or key=/var=/option=
        let mut name_arg: Option<&str> = None;
        let mut positional = 0usize;
        let mut default_kw = false;
        for k in 0..args.items.len() {
            let Some(arg) = args.get(m, k) else { continue };
            match kwarg(arg) {
                Some(("key" | "var" | "option", v)) if name_arg.is_none() => name_arg = Some(v),
                Some(("default" | "default_factory", _)) => default_kw = true,
                Some(_) => {}
                None => {
                    if positional == 0 && name_arg.is_none() {
                        name_arg = Some(arg);
                    }
                    positional += 1;
                }
            }
        }
        let name = match name_arg.map(|a| (a, parse_literal(a, Flavor::Python))) {
            Some((_, Lit::Static(s))) => Some(s),
            Some((arg, Lit::Dynamic)) => {
                str_wrapped(arg).or_else(|| module_constant(m, arg.trim()))
            }
            Some((_, Lit::Invalid)) => continue,
            None => {
                // env.db() & co. read a conventional variable
                let implied = match method {
                    Some("db" | "db_url") => "DATABASE_URL",
                    Some("cache" | "cache_url") => "CACHE_URL",
                    Some("email" | "email_url") => "EMAIL_URL",
                    Some("search_url") => "SEARCH_URL",
                    _ => continue,
                };
                Some(implied.to_string())
            }
        };
        let mut has_default = match kind {
            Kind::Get | Kind::DjangoMethod => positional >= 2 || default_kw,
            Kind::SetDefault => true,
            Kind::Index => false,
            Kind::DjangoCall => positional >= 3 || default_kw,
        };
        if matches!(kind, Kind::DjangoCall | Kind::DjangoMethod) {
            has_default |= name
                .as_ref()
                .is_some_and(|n| ctx.django_defaults.contains(n));
        }
        if let Some(c) = args.close {
            has_default |= followed_by_or(b, c + 1);
        }
        out.push(Raw {
            // os.environ["X"] raises KeyError when X is missing
            strict: kind == Kind::Index && !has_default,
            ..Raw::new(start, end, name, has_default)
        });
    }
}

/// A literal wrapped in `str(…)`, a Python 2 habit (`os.environ[str('HOME')]`,
/// reviewboard): its name is the literal's.
fn str_wrapped(arg: &str) -> Option<String> {
    let inner = arg.trim().strip_prefix("str(")?.strip_suffix(')')?;
    match parse_literal(inner, Flavor::Python) {
        Lit::Static(name) => Some(name),
        _ => None,
    }
}

/// The string a module-level constant names, when the read passes one
/// (`_NR_CONFIG_FILE_LOCATION_VAR = "NEW_RELIC_CONFIG_FILE"` at column 0, assigned once):
/// its name is then known, not computed at run time.
fn module_constant(m: &str, ident: &str) -> Option<String> {
    let is_constant = !ident.is_empty()
        && ident
            .bytes()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == b'_')
        && ident.bytes().any(|c| c.is_ascii_uppercase());
    if !is_constant {
        return None;
    }
    bound_once(m.lines().filter_map(|line| {
        let rest = line.strip_prefix(ident)?.trim_start_matches([' ', '\t']);
        let value = rest.strip_prefix('=').filter(|v| !v.starts_with('='))?;
        Some(parse_literal(value, Flavor::Python))
    }))
}

/// `... or fallback` right after a read.
fn followed_by_or(b: &[u8], i: usize) -> bool {
    let mut j = i;
    while j < b.len() && matches!(b[j], b' ' | b'\t') {
        j += 1;
    }
    b.get(j..j + 2) == Some(b"or")
        && b.get(j + 2)
            .is_none_or(|c| !c.is_ascii_alphanumeric() && *c != b'_')
}

fn membership(m: &str, ctx: &Ctx, out: &mut Vec<Raw>) {
    for cap in MEMBERSHIP.captures_iter(m) {
        let (Some(whole), Some(name), Some(recv)) = (cap.get(0), cap.get(2), cap.get(3)) else {
            continue;
        };
        if ctx.is_environ(recv.as_str()) {
            out.push(Raw::presence(
                whole.start(),
                whole.end(),
                Some(name.as_str().to_string()),
            ));
        }
    }
}

/// Marks reads inside a `try:` whose handler catches the `KeyError` a missing
/// variable raises (`except KeyError`, `LookupError`, `Exception`, bare `except`):
/// the code copes with the variable being unset.
fn handled_key_errors(m: &str, out: &mut [Raw]) {
    let lines = logical_lines(m);
    let text = |l: &LLine| slice(m, l.start, l.end);
    let header = |t: &str, w: &str| {
        t.strip_prefix(w)
            .is_some_and(|r| r.starts_with([':', ' ', '\t', '(']))
    };
    for r in out
        .iter_mut()
        .filter(|r| !r.has_default && r.name.is_some())
    {
        let Some(k) = lines.partition_point(|l| l.start <= r.start).checked_sub(1) else {
            continue;
        };
        let mut indent = lines[k].indent;
        let mut found = None;
        for j in (0..k).rev() {
            let l = &lines[j];
            if l.indent >= indent {
                continue;
            }
            let t = text(l);
            if header(t, "try") {
                found = Some(j);
                break;
            }
            if ["def", "async", "class", "except", "finally", "else"]
                .iter()
                .any(|w| header(t, w))
            {
                break;
            }
            indent = l.indent;
        }
        let Some(try_at) = found else { continue };
        let t_indent = lines[try_at].indent;
        for l in &lines[k + 1..] {
            if l.indent > t_indent {
                continue;
            }
            if l.indent < t_indent {
                break;
            }
            let t = text(l);
            if !header(t, "except") {
                if header(t, "else") || header(t, "finally") {
                    continue;
                }
                break;
            }
            let clause = t["except".len()..].trim_start();
            if clause.starts_with(':')
                || ["KeyError", "LookupError", "Exception", "BaseException"]
                    .iter()
                    .any(|e| clause.contains(e))
            {
                r.checked = true;
                r.has_default = true;
                break;
            }
        }
    }
}

// ---------------------------------------------------------------------------
// pydantic BaseSettings
// ---------------------------------------------------------------------------

/// A logical line: a statement, with bracketed continuations joined.
struct LLine {
    start: usize,
    end: usize,
    indent: usize,
}

/// Splits (comment-masked) Python into logical lines with their indentation.
fn logical_lines(m: &str) -> Vec<LLine> {
    let b = m.as_bytes();
    let n = b.len();
    let mut lines = Vec::new();
    let mut i = 0;
    while i < n {
        let mut indent = 0usize;
        while i < n && matches!(b[i], b' ' | b'\t' | b'\x0c') {
            indent = if b[i] == b'\t' {
                (indent / 8 + 1) * 8
            } else {
                indent + 1
            };
            i += 1;
        }
        if i >= n {
            break;
        }
        if b[i] == b'\n' || b[i] == b'\r' {
            i += 1;
            continue;
        }
        let start = i;
        let mut depth = 0usize;
        let end;
        loop {
            if i >= n {
                end = n;
                break;
            }
            match b[i] {
                q @ (b'"' | b'\'') => {
                    if b.get(i + 1) == Some(&q) && b.get(i + 2) == Some(&q) {
                        let mut j = i + 3;
                        i = n;
                        while j + 2 < n {
                            if b[j] == b'\\' {
                                j += 2;
                                continue;
                            }
                            if b[j] == q && b[j + 1] == q && b[j + 2] == q {
                                i = j + 3;
                                break;
                            }
                            j += 1;
                        }
                    } else {
                        let mut j = i + 1;
                        while j < n && b[j] != q && b[j] != b'\n' {
                            j += if b[j] == b'\\' { 2 } else { 1 };
                        }
                        i = (j + 1).min(n);
                        if j < n && b[j] == b'\n' {
                            i = j;
                        }
                    }
                }
                b'(' | b'[' | b'{' => {
                    depth += 1;
                    i += 1;
                }
                b')' | b']' | b'}' => {
                    depth = depth.saturating_sub(1);
                    i += 1;
                }
                b'\\' => i += 2,
                b'\n' if depth == 0 => {
                    end = i;
                    i += 1;
                    break;
                }
                _ => i += 1,
            }
        }
        let end = end.min(n);
        let mut e = end;
        while e > start && matches!(b[e - 1], b' ' | b'\t' | b'\r') {
            e -= 1;
        }
        lines.push(LLine {
            start,
            end: e,
            indent,
        });
    }
    lines
}

struct Class {
    name: String,
    bases: Vec<String>,
    /// index of the header in the logical lines
    head: usize,
    /// one past the last body line
    body_end: usize,
    prefix: Option<String>,
    case_sensitive: Option<bool>,
    /// Offset of an `env_nested_delimiter` setting.
    nested: Option<usize>,
}

fn pydantic(m: &str, out: &mut Vec<Raw>) {
    let lines = logical_lines(m);
    let mut classes: Vec<Class> = Vec::new();
    for (k, ll) in lines.iter().enumerate() {
        let s = slice(m, ll.start, ll.end);
        if !s.starts_with("class") {
            continue;
        }
        let Some(cap) = CLASS_HEAD.captures(s) else {
            continue;
        };
        let mut body_end = k + 1;
        while body_end < lines.len() && lines[body_end].indent > ll.indent {
            body_end += 1;
        }
        let mut bases = Vec::new();
        let mut header_kw = String::new();
        if let Some(bl) = cap.get(2) {
            let bl = bl.as_str();
            let args = split_args(bl, 0, bl.len(), None);
            for kk in 0..args.items.len() {
                let Some(item) = args.get(bl, kk) else {
                    continue;
                };
                if kwarg(item).is_some() {
                    header_kw.push_str(item);
                    header_kw.push('\n');
                } else {
                    let base = item.trim();
                    let base = base.split('[').next().unwrap_or(base);
                    let last = base.rsplit('.').next().unwrap_or(base).trim();
                    bases.push(last.to_string());
                }
            }
        }
        // config may live in the header kwargs, `class Config`, or model_config
        let region_end = if body_end > k + 1 {
            lines[body_end - 1].end
        } else {
            ll.end
        };
        let region = format!("{header_kw}{}", slice(m, ll.end, region_end));
        let prefix = ENV_PREFIX
            .captures(&region)
            .and_then(|c| c.get(1).or(c.get(2)))
            .map(|g| g.as_str().to_string());
        let case_sensitive = CASE_SENSITIVE.captures(&region).map(|c| &c[1] == "True");
        // nested models read `PREFIX_FIELD__SUB`: names the fields do not list
        let nested = slice(m, ll.start, region_end)
            .find("env_nested_delimiter")
            .map(|p| ll.start + p);
        classes.push(Class {
            name: cap[1].to_string(),
            bases,
            head: k,
            body_end,
            prefix,
            case_sensitive,
            nested,
        });
    }
    // which classes are settings classes (directly or via a local base)
    let mut settings: HashSet<String> = HashSet::new();
    loop {
        let mut changed = false;
        for c in &classes {
            if !settings.contains(&c.name)
                && c.bases
                    .iter()
                    .any(|b| b == "BaseSettings" || settings.contains(b))
            {
                settings.insert(c.name.clone());
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
    let by_name: HashMap<&str, &Class> = classes.iter().map(|c| (c.name.as_str(), c)).collect();
    for c in classes.iter().filter(|c| settings.contains(&c.name)) {
        if let Some(at) = c.nested {
            // the delimiter's literal narrows which keys the nested reads may be
            let end = m[at..].find(['\n', ',', ')']).map_or(m.len(), |e| at + e);
            out.push(Raw::link(at, end, super::Via::Opaque));
        }
        let prefix = inherited(c, &by_name, |c| c.prefix.clone()).unwrap_or_default();
        let case_sensitive = inherited(c, &by_name, |c| c.case_sensitive).unwrap_or(false);
        let body = &lines[c.head + 1..c.body_end];
        let Some(body_indent) = body.first().map(|l| l.indent) else {
            continue;
        };
        for ll in body.iter().filter(|l| l.indent == body_indent) {
            if let Some(raws) = field(m, ll, &prefix, case_sensitive) {
                out.extend(raws);
            }
        }
    }
}

/// A class's own setting, else the nearest local settings base's.
fn inherited<T>(
    c: &Class,
    by_name: &HashMap<&str, &Class>,
    get: impl Fn(&Class) -> Option<T>,
) -> Option<T> {
    let mut cur = c;
    for _ in 0..32 {
        if let Some(v) = get(cur) {
            return Some(v);
        }
        cur = cur
            .bases
            .iter()
            .find_map(|b| by_name.get(b.as_str()).copied())?;
    }
    None
}

/// What a `Field(...)` call says about the env names and default.
#[derive(Default)]
struct FieldInfo {
    has_default: bool,
    /// The names the field is read under, the first one preferred
    /// (`AliasChoices("A", "B")` reads `A`, else `B`).
    names: Vec<String>,
}

fn field_info(call_args: &str) -> FieldInfo {
    let mut info = FieldInfo::default();
    let args = split_args(call_args, 0, call_args.len(), Some(b')'));
    let (mut env, mut valias, mut alias) = (Vec::new(), Vec::new(), Vec::new());
    for k in 0..args.items.len() {
        let Some(arg) = args.get(call_args, k) else {
            continue;
        };
        match kwarg(arg) {
            Some(("default", v)) => info.has_default |= v != "..." && v != "Ellipsis",
            Some(("default_factory", _)) => info.has_default = true,
            Some(("env", v)) => env = literals(v),
            Some(("validation_alias", v)) => valias = literals(v),
            Some(("alias", v)) => alias = literals(v),
            Some(_) => {}
            None if k == 0 => {
                let v = arg.trim();
                info.has_default |= v != "..." && v != "Ellipsis";
            }
            None => {}
        }
    }
    info.names = [env, valias, alias]
        .into_iter()
        .find(|n| !n.is_empty())
        .unwrap_or_default();
    info
}

/// `"X"`, `["X", "Y"]`, `("X",)`, `AliasChoices("X", "Y")` → the names, in order.
fn literals(v: &str) -> Vec<String> {
    let v = v.trim();
    if let Lit::Static(s) = parse_literal(v, Flavor::Python) {
        return vec![s];
    }
    let inner = if let Some(rest) = v.strip_prefix("AliasChoices") {
        rest.trim_start().strip_prefix('(')
    } else {
        v.strip_prefix(['[', '(', '{'])
    };
    let Some(inner) = inner else {
        return Vec::new();
    };
    let args = split_args(inner, 0, inner.len(), None);
    (0..args.items.len())
        .map_while(
            |k| match parse_literal(args.get(inner, k)?, Flavor::Python) {
                Lit::Static(s) => Some(s),
                _ => None,
            },
        )
        .collect()
}

/// Text of the arguments of the first `Field(` call in `s` (from after `(`).
fn field_call(s: &str) -> Option<&str> {
    let b = s.as_bytes();
    let mut from = 0;
    while let Some(p) = s[from..].find("Field") {
        let at = from + p;
        let before_ok = at == 0 || !(b[at - 1].is_ascii_alphanumeric() || b[at - 1] == b'_');
        let mut j = at + 5;
        while j < b.len() && matches!(b[j], b' ' | b'\t') {
            j += 1;
        }
        if before_ok && b.get(j) == Some(&b'(') {
            return Some(&s[j + 1..]);
        }
        from = at + 5;
    }
    None
}

/// Top-level `=` splitting `annotation = default`.
fn split_default(s: &str) -> (&str, Option<&str>) {
    let b = s.as_bytes();
    let mut depth = 0usize;
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            q @ (b'"' | b'\'') => {
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
                if !matches!(prev, b'=' | b'!' | b'<' | b'>' | b':') && b.get(i + 1) != Some(&b'=')
                {
                    return (&s[..i], Some(&s[i + 1..]));
                }
            }
            _ => {}
        }
        i += 1;
    }
    (s, None)
}

/// The reads of one settings field: its env name, and any further alias choices as
/// alternatives of the first.
fn field(m: &str, ll: &LLine, prefix: &str, case_sensitive: bool) -> Option<Vec<Raw>> {
    let s = slice(m, ll.start, ll.end);
    let cap = FIELD.captures(s)?;
    let name = cap.get(1)?.as_str();
    if name.starts_with('_') || name == "model_config" || PY_KEYWORDS.contains(&name) {
        return None;
    }
    let (annotation, default) = split_default(cap.get(2)?.as_str());
    let annotation = annotation.trim();
    if annotation.is_empty()
        || annotation.starts_with("ClassVar")
        || annotation.starts_with("typing.ClassVar")
    {
        return None;
    }
    let ann_info = field_call(annotation).map(field_info).unwrap_or_default();
    let mut has_default = ann_info.has_default;
    let mut names = ann_info.names;
    if let Some(d) = default.map(str::trim) {
        let d_is_field = d.starts_with("Field") || d.starts_with("pydantic.Field");
        match field_call(d).filter(|_| d_is_field) {
            Some(args) => {
                let info = field_info(args);
                has_default |= info.has_default;
                if !info.names.is_empty() {
                    names = info.names;
                }
            }
            None => has_default = true,
        }
    }
    if names.is_empty() {
        names.push(format!("{prefix}{name}"));
    }
    let start = trimmed_start(m, ll.start);
    Some(
        names
            .into_iter()
            .enumerate()
            .map(|(k, n)| {
                let n = if case_sensitive {
                    n
                } else {
                    n.to_ascii_uppercase()
                };
                Raw {
                    legacy: k > 0,
                    ..Raw::new(start, ll.end, Some(n), has_default || k > 0)
                }
            })
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::super::common::testutil::{check, Row};
    use super::super::{extract_env_reads, SourceKind};

    fn py(cases: &[(&str, &[Row])]) {
        check(SourceKind::Python, cases);
    }

    #[test]
    fn os_module() {
        py(&[
            (
                "import os\nx = os.getenv(\"X\")",
                &[(Some("X"), 2, 5, false)],
            ),
            ("x = os.getenv('X', 'd')", &[(Some("X"), 1, 5, true)]),
            (
                "x = os.getenv(\"X\", default=None)",
                &[(Some("X"), 1, 5, true)],
            ),
            ("x = os.getenv(key=\"X\")", &[(Some("X"), 1, 5, false)]),
            ("x = os.environ[\"X\"]", &[(Some("X"), 1, 5, false)]),
            (
                "x = os.environ['X'].split(',')",
                &[(Some("X"), 1, 5, false)],
            ),
            ("x = os.environ.get(\"X\")", &[(Some("X"), 1, 5, false)]),
            ("x = os.environ.get(\"X\", 3)", &[(Some("X"), 1, 5, true)]),
            (
                "os.environ.setdefault(\"X\", \"v\")",
                &[(Some("X"), 1, 1, true)],
            ),
            (
                "x = os.environ.get(\"X\") or \"d\"",
                &[(Some("X"), 1, 5, true)],
            ),
            ("x = os.getenv(\"X\") or 'd'", &[(Some("X"), 1, 5, true)]),
            ("x = os.getenv(\"X\") order", &[(Some("X"), 1, 5, false)]),
            (
                "x = int(os.getenv(\n    \"X\",\n    \"5\",\n))",
                &[(Some("X"), 1, 9, true)],
            ),
            (
                "from os import getenv\nx = getenv(\"X\")",
                &[(Some("X"), 2, 5, false)],
            ),
            (
                "from os import getenv as ge\nx = ge(\"X\", 1)",
                &[(Some("X"), 2, 5, true)],
            ),
            (
                "from os import environ\nx = environ[\"X\"]\ny = environ.get(\"Y\")",
                &[(Some("X"), 2, 5, false), (Some("Y"), 3, 5, false)],
            ),
            (
                "from os import (\n  path,\n  environ as E,\n)\nx = E.get('X')",
                &[(Some("X"), 5, 5, false)],
            ),
            (
                "import os as o\nx = o.environ['X']",
                &[(Some("X"), 2, 5, false)],
            ),
            (
                "import os\nenv = os.environ\nx = env['X']",
                &[(Some("X"), 3, 5, false)],
            ),
            ("if \"X\" in os.environ: pass", &[(Some("X"), 1, 4, true)]),
            ("if 'X' not in os.environ: pass", &[(Some("X"), 1, 4, true)]),
            ("if 'X' in d: pass", &[]),
            ("def f():\n    \"\"\"Reads os.getenv('DOC') and\n    os.environ['DOC2'].\"\"\"\n    return os.getenv('REAL')", &[
                (Some("REAL"), 4, 12, false),
            ]),
            ("x = f\"\"\"{os.getenv('IN_F')}\"\"\"", &[(Some("IN_F"), 1, 10, false)]),
            ("x = '''\nos.getenv('NO')'''\ny = os.getenv('YES')", &[(Some("YES"), 3, 5, false)]),
        ]);
    }

    #[test]
    fn dynamic_and_negative() {
        py(&[
            ("x = os.getenv(f\"{prefix}_KEY\")", &[(None, 1, 5, false)]),
            (
                "x = os.getenv(f\"STATIC\")",
                &[(Some("STATIC"), 1, 5, false)],
            ),
            ("x = os.environ[name]", &[(None, 1, 5, false)]),
            (
                "os.environ.setdefault(str('DJANGO_SETTINGS_MODULE'), 'app.settings')",
                &[(Some("DJANGO_SETTINGS_MODULE"), 1, 1, true)],
            ),
            ("x = os.getenv(str(name))", &[(None, 1, 5, false)]),
            (
                "_VAR = \"NEW_RELIC_CONFIG_FILE\"\nx = os.environ.get(_VAR, None)",
                &[(Some("NEW_RELIC_CONFIG_FILE"), 2, 5, true)],
            ),
            (
                "VAR = \"A\"\nVAR = \"B\"\nx = os.getenv(VAR)",
                &[(None, 3, 5, false)],
            ),
            (
                "def f():\n    VAR = \"A\"\n    return os.getenv(VAR)",
                &[(None, 3, 12, false)],
            ),
            ("x = os.getenv(\"A_\" + suffix)", &[(None, 1, 5, false)]),
            ("x = os.getenv(\"\")", &[]),
            ("# x = os.getenv(\"X\")", &[]),
            ("    # os.environ['X']", &[]),
            ("y = 1  # os.getenv(\"X\")", &[]),
            (
                "s = '# not a comment'; x = os.getenv('X')",
                &[(Some("X"), 1, 28, false)],
            ),
            ("os.environ[\"X\"] = \"1\"", &[]),
            ("del os.environ[\"X\"]", &[]),
            (
                "if os.environ[\"X\"] == \"1\": pass",
                &[(Some("X"), 1, 4, false)],
            ),
            ("x = getenv(\"X\")", &[]),
            ("x = environ[\"X\"]", &[]),
            ("x = my.os.getenv(\"X\")", &[]),
            ("x = config(\"X\")", &[]),
            ("x = env(\"X\")", &[]),
            ("x = app.config[\"X\"]", &[]),
        ]);
    }

    #[test]
    fn django_environ_and_decouple() {
        py(&[
            (
                "import environ\nenv = environ.Env(DEBUG=(bool, False))\nDEBUG = env('DEBUG')\nSECRET_KEY = env('SECRET_KEY')\nX = env('X', default='d')\nY = env.str('Y', 'd')\nZ = env.bool('Z', default=False)\nN = env.int('N')\nDATABASES = {'default': env.db()}\nC = env.db('REPLICA_URL')",
                &[
                    (Some("DEBUG"), 3, 9, true),
                    (Some("SECRET_KEY"), 4, 14, false),
                    (Some("X"), 5, 5, true),
                    (Some("Y"), 6, 5, true),
                    (Some("Z"), 7, 5, true),
                    (Some("N"), 8, 5, false),
                    (Some("DATABASE_URL"), 9, 25, false),
                    (Some("REPLICA_URL"), 10, 5, false),
                ],
            ),
            ("import environ\nenv = environ.Env()\nX = env('X', int)", &[(Some("X"), 3, 5, false)]),
            ("from environ import Env\ne = Env()\nX = e.list('X')", &[(Some("X"), 3, 5, false)]),
            ("from .base import env\nX = env('X')", &[(Some("X"), 2, 5, false)]),
            ("from decouple import config, Csv\nA = config('A')\nB = config('B', default=1, cast=int)\nC = config('C', 'x')", &[
                (Some("A"), 2, 5, false),
                (Some("B"), 3, 5, true),
                (Some("C"), 4, 5, true),
            ]),
            ("import decouple\nA = decouple.config('A')", &[(Some("A"), 2, 5, false)]),
            ("from decouple import AutoConfig\nconfig = AutoConfig(search_path='.')\nA = config('A')", &[
                (Some("A"), 3, 5, false),
            ]),
        ]);
    }

    #[test]
    fn pydantic_nested_delimiter_is_not_a_list_of_names() {
        let src = "class S(BaseSettings):\n    model_config = SettingsConfigDict(env_nested_delimiter=\"__\")\n    db: Db\n";
        let reads = extract_env_reads(SourceKind::Python, src);
        assert!(
            reads
                .iter()
                .any(|r| r.via == super::super::Via::Opaque
                    && r.expr == "env_nested_delimiter=\"__\"")
        );
        assert!(reads.iter().any(|r| r.name.as_deref() == Some("DB")));
    }

    #[test]
    fn pydantic_basics() {
        py(&[
            (
                "from pydantic_settings import BaseSettings, SettingsConfigDict\nclass S(BaseSettings):\n    model_config = SettingsConfigDict(env_prefix=\"APP_\")\n    db_url: str\n    debug: bool = False\n    name: str = Field(...)\n    token: str = Field(default=\"x\")\n    other: str = Field(\"d\")\n    secret: str = Field(..., env=\"MY_SECRET\")\n    key: str = Field(alias=\"API_KEY\")\n    va: str = Field(validation_alias=AliasChoices(\"V1\", \"V2\"))\n    _private: int = 1\n    limit: ClassVar[int] = 3\n\n    def method(self) -> str:\n        x: int = 1\n        return x\n",
                &[
                    (Some("APP_DB_URL"), 4, 5, false),
                    (Some("APP_DEBUG"), 5, 5, true),
                    (Some("APP_NAME"), 6, 5, false),
                    (Some("APP_TOKEN"), 7, 5, true),
                    (Some("APP_OTHER"), 8, 5, true),
                    (Some("MY_SECRET"), 9, 5, false),
                    (Some("API_KEY"), 10, 5, false),
                    (Some("V1"), 11, 5, false),
                    (Some("V2"), 11, 5, true),
                ],
            ),
            (
                "from pydantic import BaseSettings\nclass S(BaseSettings):\n    port: int = 8000\n    class Config:\n        env_prefix = 'svc_'\n        case_sensitive = False\n",
                &[(Some("SVC_PORT"), 3, 5, true)],
            ),
            (
                "class S(pydantic.BaseSettings):\n    redis_url: str = Field(\n        ...,\n        env='REDIS',\n    )\n    class Config:\n        case_sensitive = True\n",
                &[(Some("REDIS"), 2, 5, false)],
            ),
            (
                "class S(BaseSettings):\n    mode: str\n    class Config:\n        case_sensitive = True\n",
                &[(Some("mode"), 2, 5, false)],
            ),
            (
                "class Base(BaseSettings):\n    model_config = {'env_prefix': 'X_'}\n    a: int\nclass Child(Base):\n    b: int = 2\nclass Plain(BaseModel):\n    c: int\n",
                &[(Some("X_A"), 3, 5, false), (Some("X_B"), 5, 5, true)],
            ),
            (
                "class S(BaseSettings, env_prefix='K_'):\n    a: Annotated[int, Field(default=3)]\n    b: Annotated[str, Field(alias='BEE')]\n",
                &[(Some("K_A"), 2, 5, true), (Some("BEE"), 3, 5, false)],
            ),
            ("class M(BaseModel):\n    a: int\n", &[]),
            (
                "class S(BaseSettings):\n    \"\"\"Docs: x: int = 3\"\"\"\n    # c: int\n    a: int  # trailing\n",
                &[(Some("A"), 4, 5, false)],
            ),
        ]);
    }

    #[test]
    fn fastapi_settings_25_fields() {
        let src = r#"
from functools import lru_cache
from typing import Optional

from pydantic import AnyHttpUrl, Field, PostgresDsn, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Application settings, read from the environment."""

    model_config = SettingsConfigDict(
        env_prefix="APP_",
        env_file=".env",
        extra="ignore",
    )

    # --- general ---
    project_name: str = "launch api"
    environment: str = "production"
    debug: bool = False
    log_level: str = "INFO"
    api_prefix: str = "/api/v1"
    secret_key: SecretStr
    allowed_hosts: list[str] = ["*"]
    cors_origins: list[AnyHttpUrl] = []

    # --- database ---
    database_url: PostgresDsn
    db_pool_size: int = 5
    db_max_overflow: int = Field(default=10, ge=0)
    db_echo: bool = False

    # --- cache / queues ---
    redis_url: str = "redis://localhost:6379/0"
    celery_broker_url: Optional[str] = None
    cache_ttl_seconds: int = 300

    # --- auth ---
    jwt_algorithm: str = "HS256"
    access_token_expire_minutes: int = 30
    refresh_token_expire_days: int = 7
    oauth_client_id: str = Field(...)
    oauth_client_secret: SecretStr = Field(
        ...,
        description="OAuth client secret",
    )

    # --- integrations ---
    sentry_dsn: Optional[str] = None
    smtp_host: str = "localhost"
    smtp_port: int = 25
    stripe_api_key: SecretStr = Field(default=SecretStr(""))
    s3_bucket: str

    @property
    def is_production(self) -> bool:
        return self.environment == "production"


@lru_cache
def get_settings() -> Settings:
    return Settings()
"#;
        let reads = extract_env_reads(SourceKind::Python, src);
        let names: Vec<&str> = reads.iter().filter_map(|r| r.name.as_deref()).collect();
        let want = [
            "PROJECT_NAME",
            "ENVIRONMENT",
            "DEBUG",
            "LOG_LEVEL",
            "API_PREFIX",
            "SECRET_KEY",
            "ALLOWED_HOSTS",
            "CORS_ORIGINS",
            "DATABASE_URL",
            "DB_POOL_SIZE",
            "DB_MAX_OVERFLOW",
            "DB_ECHO",
            "REDIS_URL",
            "CELERY_BROKER_URL",
            "CACHE_TTL_SECONDS",
            "JWT_ALGORITHM",
            "ACCESS_TOKEN_EXPIRE_MINUTES",
            "REFRESH_TOKEN_EXPIRE_DAYS",
            "OAUTH_CLIENT_ID",
            "OAUTH_CLIENT_SECRET",
            "SENTRY_DSN",
            "SMTP_HOST",
            "SMTP_PORT",
            "STRIPE_API_KEY",
            "S3_BUCKET",
        ];
        let want: Vec<String> = want.iter().map(|n| format!("APP_{n}")).collect();
        assert_eq!(names, want);
        assert_eq!(reads.len(), 25);
        let required: Vec<&str> = reads
            .iter()
            .filter(|r| !r.has_default)
            .filter_map(|r| r.name.as_deref())
            .collect();
        assert_eq!(
            required,
            [
                "APP_SECRET_KEY",
                "APP_DATABASE_URL",
                "APP_OAUTH_CLIENT_ID",
                "APP_OAUTH_CLIENT_SECRET",
                "APP_S3_BUCKET"
            ]
        );
        let secret = reads
            .iter()
            .find(|r| r.name.as_deref() == Some("APP_SECRET_KEY"))
            .unwrap();
        assert_eq!((secret.line, secret.column), (24, 5));
        assert_eq!(secret.expr, "secret_key: SecretStr");
    }
}
