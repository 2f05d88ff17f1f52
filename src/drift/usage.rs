//! How the code around a read uses the value. A read the code compares, tests
//! in a condition or gives a fallback is optional: only reads that would crash or
//! misbehave without the variable count as required.
//!
//! Works on comment-masked text, looking a bounded distance before and after the
//! read; calls wrapped around the read (`strings.ToLower(os.Getenv("X"))`,
//! `Boolean(process.env.X)`) are looked through. A read assigned to a local that
//! the code later tests (`x = os.getenv("X")` … `if not x:`) is optional too.

use std::collections::HashMap;

use super::common::{is_ident_byte, mask_comments, slice, CommentStyle, Raw};

/// How far the context before a read is looked at, in bytes.
const LOOK_BACK: usize = 256;
/// How many calls wrapped around a read are looked through.
const MAX_WRAPPERS: usize = 4;
/// Reads assigned to locals whose later uses are looked at, per file: beyond
/// that a file is generated or hostile, and its reads stay as extracted.
const MAX_TRACKED: usize = 4096;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Lang {
    Python,
    Js,
    Go,
    Ruby,
    Java,
    Rust,
}

/// What the code around one expression does with its value.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(super) struct Use {
    /// Compared, negated, tested in a condition or used only under one.
    pub checked: bool,
    /// Given a fallback (`||`, `??`, `or`, a `default:` argument).
    pub fallback: bool,
    /// The check holds when the variable is missing (`!x`, `x == ""`,
    /// `.blank?`, `is None`): what follows handles its absence, which may be
    /// stopping the program.
    pub missing: bool,
}

const CHECK: Use = Use {
    checked: true,
    fallback: false,
    missing: false,
};
const MISSING: Use = Use {
    checked: true,
    fallback: false,
    missing: true,
};
const FALLBACK: Use = Use {
    checked: false,
    fallback: true,
    missing: false,
};
const NONE: Use = Use {
    checked: false,
    fallback: false,
    missing: false,
};

impl Use {
    fn any(self) -> bool {
        self.checked || self.fallback
    }
}

/// Marks the reads that the surrounding code treats as optional; `m` is the
/// file with its comments masked.
pub(super) fn refine_masked(lang: Lang, m: &str, raws: &mut [Raw]) {
    mark_alternatives(m, raws);
    let mut tracked: Vec<(usize, Target<'_>)> = Vec::new();
    for (k, r) in raws.iter_mut().enumerate() {
        if r.name.is_none() || r.checked || r.build_time || r.strict {
            continue;
        }
        let u = around(m, r.start, r.end, lang);
        r.checked |= u.checked;
        r.has_default |= u.fallback;
        if !u.any() && tracked.len() < MAX_TRACKED {
            if let Some(t) = assigned_to(m, r.start, lang) {
                tracked.push((k, t));
            }
        }
    }
    if !tracked.is_empty() {
        for (k, u) in local_uses(m, &tracked, lang) {
            if let Some(r) = raws.get_mut(k) {
                r.checked |= u.checked;
                r.has_default |= u.fallback;
            }
        }
    }
    conditional_blocks(m, lang, raws);
}

/// Marks reads that are the fallback of another read (`A ?? B`, `A || B`,
/// `f(env.A) ?? f(env.B)`, `A or B`): an alternative spelling of `A`.
fn mark_alternatives(m: &str, raws: &mut [Raw]) {
    let mut order: Vec<usize> = (0..raws.len()).collect();
    order.sort_by_key(|&k| raws[k].start);
    let mut prev_end: Option<usize> = None;
    for k in order {
        let r = &raws[k];
        if r.name.is_none() {
            continue;
        }
        if let Some(pe) = prev_end.filter(|&pe| pe <= r.start && r.start - pe <= 256) {
            if joins_alternatives(slice(m, pe, r.start)) {
                raws[k].legacy = true;
                raws[k].has_default = true;
            }
        }
        prev_end = Some(raws[k].end);
    }
}

/// Whether the text between two reads is `) ?? f(`-like: closing brackets, a
/// fallback operator, then only call openers.
fn joins_alternatives(between: &str) -> bool {
    let mut t = between.trim_start_matches(|c: char| c.is_whitespace() || c == ')');
    // `ENV["A"] == "true" || ENV["B"] == "true"`
    if let Some(op) = ["===", "!==", "==", "!="]
        .iter()
        .find(|op| t.starts_with(**op))
    {
        let v = t[op.len()..].trim_start();
        let lit_end = match v.as_bytes().first() {
            Some(&q @ (b'"' | b'\'' | b'`')) => v[1..].find(char::from(q)).map(|p| p + 2),
            Some(_) => v.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_')),
            None => None,
        };
        let Some(e) = lit_end else {
            return false;
        };
        t = v[e..].trim_start_matches(|c: char| c.is_whitespace() || c == ')');
    }
    let rest = ["||", "??", "or "].iter().find_map(|op| t.strip_prefix(op));
    let Some(rest) = rest else {
        return false;
    };
    rest.split('(')
        .all(|part| part.trim().bytes().all(|c| is_word_byte(c) || c == b'.'))
}

/// The local a read is assigned to: `x = READ`, `const x = f(READ)`,
/// `self.x = READ`, `@x = READ`, `x := READ`.
#[derive(Clone, Copy, Debug)]
struct Target<'a> {
    name: &'a str,
    /// `self.x` / `this.x` / `@x`: later uses must be members too.
    member: bool,
    /// Where the statement's value ends: later uses start after it.
    from: usize,
}

fn is_word_byte(c: u8) -> bool {
    is_ident_byte(c) || c == b'$'
}

/// Whether `s` ends with the keyword `w` as a whole word.
fn ends_with_word(s: &str, w: &str) -> bool {
    s.ends_with(w)
        && s.as_bytes()
            .get(s.len().wrapping_sub(w.len() + 1))
            .is_none_or(|&c| !is_word_byte(c) && c != b'.')
}

/// The trailing identifier chain of `s` (`strings.ToLower`, `Foo::bar`), as a
/// byte offset into `s`.
fn callee_start(s: &str) -> usize {
    let b = s.as_bytes();
    let mut i = b.len();
    while i > 0 && (is_word_byte(b[i - 1]) || b[i - 1] == b'.' || b[i - 1] == b':') {
        i -= 1;
    }
    i
}

/// Control keywords: a `(` after them opens a condition, not a call.
const CONDITION_WORDS: &[&str] = &["if", "elif", "unless", "while", "until", "switch", "when"];
/// Calls whose result is a truth value about their argument.
const TEST_CALLS: &[&str] = &[
    "Boolean",
    "bool",
    "isset",
    "empty",
    "len",
    "isEmpty",
    "isNotEmpty",
    "isBlank",
    "isNotBlank",
    "hasText",
    "hasLength",
    "nonNull",
    "isNull",
    "IsNullOrEmpty",
    "IsNullOrWhiteSpace",
    "ofNullable",
];
/// Calls that make a missing value fatal: what wraps them says nothing.
const REQUIRE_CALLS: &[&str] = &["requireNonNull", "Must", "must", "required", "require"];

/// The context before `start`: how far back the enclosing expression reaches
/// after looking through wrapping calls, and what that says.
struct Before<'a> {
    /// The text before the outermost wrapper, trimmed.
    rest: &'a str,
    /// Wrapping calls looked through (their `)` come after the read).
    wrappers: usize,
    /// What a wrapper or a negation says, when that settles it.
    verdict: Option<Use>,
    /// The expression is an `if (…)`/`while (…)` condition (`unless` when
    /// `negated`).
    condition: Option<bool>,
}

/// Test calls that hold when their argument is missing.
const EMPTY_TESTS: &[&str] = &[
    "empty",
    "isEmpty",
    "isBlank",
    "isNull",
    "IsNullOrEmpty",
    "IsNullOrWhiteSpace",
];

fn before(m: &str, start: usize, lang: Lang) -> Before<'_> {
    let mut s = slice(m, start.saturating_sub(LOOK_BACK), start).trim_end();
    let mut wrappers = 0;
    let done = |rest, wrappers, v| Before {
        rest,
        wrappers,
        verdict: Some(v),
        condition: None,
    };
    while wrappers < MAX_WRAPPERS {
        // `!x` (missing), `!!x` (set)
        if s.ends_with('!') {
            let prev = s.as_bytes().get(s.len().wrapping_sub(2)).copied();
            if prev == Some(b'!') {
                return done(s, wrappers, CHECK);
            }
            if prev.is_none_or(|c| !is_word_byte(c) && c != b')' && c != b']') {
                return done(s, wrappers, MISSING);
            }
        }
        let Some(inner) = s.strip_suffix('(') else {
            break;
        };
        let inner = inner.trim_end();
        let c = callee_start(inner);
        let callee = &inner[c..];
        let last = callee
            .rsplit(['.', ':'])
            .next()
            .unwrap_or(callee)
            .trim_start_matches('$');
        if CONDITION_WORDS.contains(&last) && callee == last {
            return Before {
                rest: inner,
                wrappers,
                verdict: None,
                condition: Some(last == "unless" || last == "until"),
            };
        }
        if EMPTY_TESTS.contains(&last) {
            return done(inner, wrappers, MISSING);
        }
        // `toOptionalString(env.X)`, `optional(…)`: the wrapper says it may be unset
        if TEST_CALLS.contains(&last) || last.to_ascii_lowercase().contains("optional") {
            return done(inner, wrappers, CHECK);
        }
        if REQUIRE_CALLS.contains(&last) {
            return done(inner, wrappers, NONE);
        }
        s = inner[..c].trim_end();
        if lang == Lang::Js || lang == Lang::Java {
            if let Some(t) = s.strip_suffix("new") {
                if ends_with_word(s, "new") {
                    s = t.trim_end();
                }
            }
        }
        wrappers += 1;
    }
    Before {
        rest: s,
        wrappers,
        verdict: None,
        condition: None,
    }
}

/// What the text just before an expression says about it.
fn before_says(s: &str, lang: Lang) -> Use {
    for op in ["===", "!==", "==", "!=", "&&", "=~"] {
        if s.ends_with(op) {
            return CHECK;
        }
    }
    for op in ["||", "??", "?:"] {
        if s.ends_with(op) {
            return FALLBACK;
        }
    }
    // `cond ? READ : other`: used only when the condition holds
    if s.ends_with('?') && !s.ends_with("??") {
        let prev = s.as_bytes().get(s.len().wrapping_sub(2)).copied();
        if prev.is_none_or(|c| c == b' ' || c == b')' || c == b'\t' || c == b'\n') {
            return CHECK;
        }
    }
    for w in ["not", "unless", "until"] {
        if ends_with_word(s, w) {
            return MISSING;
        }
    }
    for w in CONDITION_WORDS.iter().chain(["and"].iter()) {
        if ends_with_word(s, w) {
            return CHECK;
        }
    }
    if ends_with_word(s, "or") {
        return FALLBACK;
    }
    if ends_with_word(s, "match") && lang == Lang::Rust {
        return CHECK;
    }
    for d in [
        "default:",
        "default=",
        "default =",
        "defaultValue:",
        "fallback:",
    ] {
        if s.ends_with(d) {
            return FALLBACK;
        }
    }
    // `if v := os.Getenv("X"); v != ""`, `if let Ok(v) = env::var("X")`,
    // `if (x = ENV["X"])`, `while let Some(v) = …`
    if let Some(head) = s.strip_suffix(":=").or_else(|| {
        s.strip_suffix('=')
            .filter(|h| !h.ends_with(['=', '!', '<', '>', '+', '-', '*', '/', '|', '&']))
    }) {
        let head = head.trim_end();
        let stmt = head
            .rsplit(['\n', ';', '{', '}'])
            .next()
            .unwrap_or(head)
            .trim_start();
        let stmt = stmt.trim_start_matches('(').trim_start();
        for w in ["if", "elif", "unless", "while"] {
            if let Some(rest) = stmt.strip_prefix(w) {
                if rest.starts_with([' ', '(', '\t']) {
                    return CHECK;
                }
            }
        }
    }
    NONE
}

/// Skips blanks (newlines included) from `i`, at most 256 bytes.
fn ws(b: &[u8], mut i: usize) -> usize {
    let stop = i.saturating_add(256).min(b.len());
    while i < stop && matches!(b[i], b' ' | b'\t' | b'\r' | b'\n') {
        i += 1;
    }
    i
}

fn starts_word(rest: &[u8], w: &str) -> bool {
    rest.starts_with(w.as_bytes()) && rest.get(w.len()).is_none_or(|&c| !is_word_byte(c))
}

/// Methods whose result is a truth value about (or a fallback for) the
/// receiver, and what they say.
const TEST_METHODS: &[(&str, Use)] = &[
    (".present?", CHECK),
    (".blank?", MISSING),
    (".nil?", MISSING),
    (".empty?", MISSING),
    (".presence", FALLBACK),
    ("&.", FALLBACK),
    (".isEmpty()", MISSING),
    (".isBlank()", MISSING),
    (".isPresent()", CHECK),
    (".is_empty()", MISSING),
    (".is_some()", CHECK),
    (".is_none()", MISSING),
    (".is_ok()", CHECK),
    (".is_err()", MISSING),
    (".ok()", FALLBACK),
    (".equals(", CHECK),
    (".equalsIgnoreCase(", CHECK),
    (".includes(", CHECK),
    (".startsWith(", CHECK),
    (".startswith(", CHECK),
    (".match(", CHECK),
    (".test(", CHECK),
];

/// Values a comparison with which asks whether the variable is missing.
const EMPTY_VALUES: &[&str] = &["\"\"", "''", "``", "nil", "null", "undefined", "None"];

/// What the text after an expression (ending at `i`, with `wrappers` wrapping
/// calls to close first) says about it.
fn after_says(m: &str, i: usize, wrappers: usize, lang: Lang) -> Use {
    let b = m.as_bytes();
    let mut j = i;
    let mut closed = 0;
    let mut steps = 0;
    loop {
        steps += 1;
        if steps > 16 {
            return NONE;
        }
        j = ws(b, j);
        let rest = &b[j.min(b.len())..];
        if rest.is_empty() {
            return NONE;
        }
        // TS non-null assertion and casts: `process.env.X!`, `(process.env.X as T)`
        if lang == Lang::Js {
            if rest[0] == b'!' && rest.get(1) != Some(&b'=') {
                j += 1;
                continue;
            }
            if starts_word(rest, "as") {
                j = skip_type(b, j + 2);
                continue;
            }
        }
        for op in ["===", "==", "!==", "!="] {
            if rest.starts_with(op.as_bytes()) {
                let v = &rest[ws(rest, op.len()).min(rest.len())..];
                let empty = EMPTY_VALUES
                    .iter()
                    .any(|e| starts_word(v, e) || v.starts_with(e.as_bytes()));
                return if empty && op.starts_with('=') {
                    MISSING
                } else {
                    CHECK
                };
            }
        }
        if rest.starts_with(b"&&") || rest.starts_with(b"=~") {
            return CHECK;
        }
        for op in ["||", "??", "?:"] {
            if rest.starts_with(op.as_bytes()) {
                // `X ?: error("X missing")`, `ENV["X"] || raise(…)`: no fallback
                let alt = &rest[ws(rest, op.len()).min(rest.len())..];
                return if stops_at(alt) { NONE } else { FALLBACK };
            }
        }
        if rest[0] == b'?'
            && lang != Lang::Rust
            && !matches!(rest.get(1), Some(b'.' | b'?' | b'[' | b'('))
        {
            return CHECK;
        }
        if starts_word(rest, "is") {
            let v = &rest[ws(rest, 2).min(rest.len())..];
            return if starts_word(v, "None") {
                MISSING
            } else {
                CHECK
            };
        }
        if starts_word(rest, "and") || starts_word(rest, "in") {
            return CHECK;
        }
        if starts_word(rest, "if") && lang == Lang::Python {
            // `READ if cond else other`: a conditional expression
            return CHECK;
        }
        if starts_word(rest, "or") {
            let alt = &rest[ws(rest, 2).min(rest.len())..];
            return if stops_at(alt) { NONE } else { FALLBACK };
        }
        if let Some((_, u)) = TEST_METHODS
            .iter()
            .find(|(t, _)| rest.starts_with(t.as_bytes()))
        {
            return *u;
        }
        if rest[0] == b')' && closed < wrappers {
            closed += 1;
            j += 1;
            continue;
        }
        // a method chain on the value: `.lower() == "true"`, `.downcase == "1"`
        if rest[0] == b'.'
            && rest
                .get(1)
                .is_some_and(|&c| c.is_ascii_alphabetic() || c == b'_')
        {
            let mut k = j + 1;
            while k < b.len() && is_word_byte(b[k]) {
                k += 1;
            }
            if b.get(k) == Some(&b'(') {
                k = skip_group(b, k);
            }
            j = k;
            continue;
        }
        return NONE;
    }
}

/// Index after the bracket group opening at `i` (or where scanning stopped).
fn skip_group(b: &[u8], i: usize) -> usize {
    let mut depth = 0usize;
    let stop = i.saturating_add(512).min(b.len());
    let mut k = i;
    while k < stop {
        match b[k] {
            b'(' | b'[' | b'{' => depth += 1,
            b')' | b']' | b'}' => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    return k + 1;
                }
            }
            q @ (b'"' | b'\'' | b'`') => {
                k += 1;
                while k < stop && b[k] != q && b[k] != b'\n' {
                    k += if b[k] == b'\\' { 2 } else { 1 };
                }
            }
            _ => {}
        }
        k += 1;
    }
    stop
}

/// Skips a TypeScript type after `as`, up to a closing bracket, `,`, `;` or a
/// line end at depth 0.
fn skip_type(b: &[u8], i: usize) -> usize {
    let mut depth = 0usize;
    let stop = i.saturating_add(512).min(b.len());
    let mut k = i;
    while k < stop {
        match b[k] {
            b'(' | b'[' | b'{' | b'<' => depth += 1,
            b')' | b']' | b'}' | b'>' => {
                if depth == 0 {
                    return k;
                }
                depth -= 1;
            }
            b',' | b';' | b'\n' if depth == 0 => return k,
            q @ (b'"' | b'\'' | b'`') => {
                k += 1;
                while k < stop && b[k] != q && b[k] != b'\n' {
                    k += if b[k] == b'\\' { 2 } else { 1 };
                }
            }
            _ => {}
        }
        k += 1;
    }
    stop
}

/// What the code around the expression `m[start..end]` does with its value.
pub(super) fn around(m: &str, start: usize, end: usize, lang: Lang) -> Use {
    let u = around_value(m, start, end, lang);
    // `if (!process.env.X) throw …`, `if v == "" { log.Fatal(…) }`: handling the
    // absence by stopping the program makes the variable required
    if u.missing && stops_nearby(m, start, end) {
        return NONE;
    }
    u
}

fn around_value(m: &str, start: usize, end: usize, lang: Lang) -> Use {
    let bf = before(m, start, lang);
    if let Some(v) = bf.verdict {
        return v;
    }
    // what follows is more specific: `if (x == "")` asks about absence
    let a = after_says(m, end, bf.wrappers, lang);
    if a.any() {
        return a;
    }
    match bf.condition {
        Some(true) => return MISSING,
        Some(false) => return CHECK,
        None => {}
    }
    before_says(bf.rest, lang)
}

/// How far after a check a statement stopping the program is looked for.
const STOP_WINDOW: usize = 160;

/// Statements that stop the program (or fail its configuration loading).
const STOPS: &[&str] = &[
    "throw ",
    "throw(",
    "raise ",
    "raise(",
    "panic(",
    "log.Fatal",
    "Fatalf(",
    "Fatal(",
    "Fatalln(",
    "os.Exit(",
    "process.exit(",
    "sys.exit(",
    "exit(1",
    "abort(",
    "System.exit(",
    "ImproperlyConfigured",
    "errors.New(",
    "Errorf(",
    "fail ",
    "die(",
    "IllegalStateException",
    "IllegalArgumentException",
];

/// Whether `rest` starts with a statement stopping the program
/// (`throw`, `raise`, Kotlin `error(…)`, `requireNotNull`).
fn stops_at(rest: &[u8]) -> bool {
    STOPS.iter().any(|s| rest.starts_with(s.as_bytes()))
        || ["error(", "requireNotNull", "fail(", "exit", "abort"]
            .iter()
            .any(|s| rest.starts_with(s.as_bytes()))
}

fn stops_nearby(m: &str, start: usize, end: usize) -> bool {
    let after = slice(m, end, end.saturating_add(STOP_WINDOW));
    // the check's own block, not the code after a blank line
    let after = after.split("\n\n").next().unwrap_or(after);
    // Ruby modifiers: `raise "X is required" unless ENV["X"]`
    let line_start = slice(m, 0, start).rfind('\n').map_or(0, |p| p + 1);
    let before = slice(m, line_start.max(start.saturating_sub(STOP_WINDOW)), start);
    STOPS
        .iter()
        .any(|s| after.contains(s) || (before.contains(s) && !before.contains('{')))
}

/// Marks reads inside a block that runs only when a condition on the
/// environment holds (`if (process.env.ENABLE_TRACING == "1") { … X … }`,
/// `if ENV["PLAID_CLIENT_ID"].present?` … `ENV["PLAID_ENV"]`): needed only when
/// that feature is on, so optional at that read. One pass over the text.
fn conditional_blocks(m: &str, lang: Lang, raws: &mut [Raw]) {
    // `if (process.env.NODE_ENV === "production") { … }` picks an environment,
    // not a feature: production runs that block, so its reads stay required
    let mut starts: Vec<usize> = raws
        .iter()
        .filter(|r| {
            r.name
                .as_deref()
                .is_some_and(|n| !ENVIRONMENT_NAMES.contains(&n))
        })
        .map(|r| r.start)
        .collect();
    starts.sort_unstable();
    let reads_env = |a: usize, b: usize| {
        let i = starts.partition_point(|&s| s < a);
        starts.get(i).is_some_and(|&s| s < b)
    };
    let mut todo: Vec<usize> = (0..raws.len())
        .filter(|&k| {
            let r = &raws[k];
            r.name.is_some() && !r.has_default && !r.checked && !r.build_time
        })
        .collect();
    if todo.is_empty() {
        return;
    }
    todo.sort_by_key(|&k| raws[k].start);
    let guarded = match lang {
        Lang::Python | Lang::Ruby => indented_guards(m, &todo, raws, &reads_env),
        _ => braced_guards(m, &todo, raws, &reads_env),
    };
    for k in guarded {
        if let Some(r) = raws.get_mut(k) {
            r.has_default = true;
        }
    }
}

/// Variables naming the deployment environment rather than switching a feature.
const ENVIRONMENT_NAMES: &[&str] = &[
    "NODE_ENV",
    "RAILS_ENV",
    "RACK_ENV",
    "APP_ENV",
    "ENV",
    "ENVIRONMENT",
    "APP_ENVIRONMENT",
    "FLASK_ENV",
    "DJANGO_ENV",
    "GO_ENV",
    "MIX_ENV",
    "PYTHON_ENV",
    "DEPLOY_ENV",
    "STAGE",
];

/// How far back a block's header is looked at, in bytes.
const HEADER_LOOK_BACK: usize = 512;

/// Reads (of `todo`, sorted by start) inside a `{ }` block opened by an `if`
/// whose condition reads the environment.
fn braced_guards(
    m: &str,
    todo: &[usize],
    raws: &[Raw],
    reads_env: &dyn Fn(usize, usize) -> bool,
) -> Vec<usize> {
    let b = m.as_bytes();
    let mut out = Vec::new();
    // per open `{`: whether its block is guarded
    let mut stack: Vec<bool> = Vec::new();
    let mut guarded_open = 0usize;
    let mut next = todo.iter().peekable();
    let mut last_boundary = 0usize;
    for (i, &c) in b.iter().enumerate() {
        while let Some(&&k) = next.peek() {
            if raws[k].start > i {
                break;
            }
            if guarded_open > 0 {
                out.push(k);
            }
            next.next();
        }
        if next.peek().is_none() {
            break;
        }
        match c {
            b'{' => {
                let h_start = last_boundary.max(i.saturating_sub(HEADER_LOOK_BACK));
                let header = slice(m, h_start, i).trim_start();
                let is_if = header.starts_with("if ")
                    || header.starts_with("if(")
                    || header.starts_with("else if");
                let g = is_if && reads_env(h_start, i);
                guarded_open += usize::from(g);
                stack.push(g);
                last_boundary = i + 1;
            }
            b'}' => {
                if stack.pop() == Some(true) {
                    guarded_open -= 1;
                }
                last_boundary = i + 1;
            }
            b';' => last_boundary = i + 1,
            _ => {}
        }
    }
    out
}

/// Reads (of `todo`, sorted by start) on lines indented under an `if`/`elif`/
/// `unless` line that reads the environment, within the same `def`/`class`.
fn indented_guards(
    m: &str,
    todo: &[usize],
    raws: &[Raw],
    reads_env: &dyn Fn(usize, usize) -> bool,
) -> Vec<usize> {
    let mut out = Vec::new();
    // open blocks: (indent, guarded, is a def/class boundary)
    let mut stack: Vec<(usize, bool, bool)> = Vec::new();
    let mut next = todo.iter().peekable();
    let mut offset = 0usize;
    for line in m.split('\n') {
        let at = offset;
        offset += line.len() + 1;
        if next.peek().is_none() {
            break;
        }
        let t = line.trim_start_matches([' ', '\t']);
        if t.trim().is_empty() {
            continue;
        }
        let indent = line.len() - t.len();
        while stack.last().is_some_and(|&(i, _, _)| i >= indent) {
            stack.pop();
        }
        let guarded = stack
            .iter()
            .rev()
            .take_while(|&&(_, _, boundary)| !boundary)
            .any(|&(_, g, _)| g);
        while let Some(&&k) = next.peek() {
            if raws[k].start >= offset {
                break;
            }
            if guarded && raws[k].start >= at {
                out.push(k);
            }
            next.next();
        }
        if ["def ", "class ", "module "]
            .iter()
            .any(|w| t.starts_with(w))
        {
            stack.push((indent, false, true));
        } else if ["if ", "elif ", "unless ", "when "]
            .iter()
            .any(|w| t.starts_with(w))
        {
            stack.push((indent, reads_env(at, at + line.len()), false));
        } else {
            stack.push((indent, false, false));
        }
    }
    out
}

/// Shell scripts (entrypoints): a read inside a test (`[ -n "$X" ]`,
/// `[[ $X == true ]]`, `test -z "$X"`) or a `case "$X" in` is optional, unless the
/// test asks whether it is missing and the script then exits with an error
/// (`[ -z "$X" ] && { echo "X is required"; exit 1; }`). Reads inside an
/// `if` whose test reads another variable are needed only when that holds.
pub(super) fn refine_shell(text: &str, raws: &mut [Raw]) {
    if raws.iter().all(|r| r.name.is_none() || r.has_default) {
        return;
    }
    let m = mask_comments(text, CommentStyle::LineHash { bang: false });
    for r in raws.iter_mut() {
        if r.name.is_none() || r.has_default || r.checked {
            continue;
        }
        let u = shell_test(&m, r.start);
        if u.missing && shell_fails_after(&m, r.end) {
            continue;
        }
        r.checked |= u.checked;
    }
    let mut starts: Vec<usize> = raws
        .iter()
        .filter(|r| r.name.is_some())
        .map(|r| r.start)
        .collect();
    starts.sort_unstable();
    let reads_env = |a: usize, b: usize| {
        let i = starts.partition_point(|&s| s < a);
        starts.get(i).is_some_and(|&s| s < b)
    };
    let mut todo: Vec<usize> = (0..raws.len())
        .filter(|&k| raws[k].name.is_some() && !raws[k].has_default && !raws[k].checked)
        .collect();
    todo.sort_by_key(|&k| raws[k].start);
    for k in indented_guards(&m, &todo, raws, &reads_env) {
        if let Some(r) = raws.get_mut(k) {
            r.has_default = true;
        }
    }
}

/// Whether the shell expansion at `start` sits in a test or a `case` word.
fn shell_test(m: &str, start: usize) -> Use {
    let line_start = slice(m, 0, start).rfind('\n').map_or(0, |p| p + 1);
    let before = slice(m, line_start.max(start.saturating_sub(LOOK_BACK)), start);
    // the current command: after the last separator
    let cmd_start = ["; ", "&&", "||", "then ", "do "]
        .iter()
        .filter_map(|sep| before.rfind(sep).map(|p| p + sep.len()))
        .max()
        .unwrap_or(0);
    let cmd = before[cmd_start..].trim_start();
    let cmd = cmd
        .strip_prefix("if ")
        .or_else(|| cmd.strip_prefix("elif "))
        .unwrap_or(cmd);
    let cmd = cmd.strip_prefix("! ").unwrap_or(cmd).trim_start();
    if cmd.starts_with("case ") {
        return CHECK;
    }
    let in_test = (cmd.starts_with("[ ") || cmd.starts_with("[[ ") || cmd.starts_with("test "))
        && !cmd.contains(" ]");
    if !in_test {
        return NONE;
    }
    let tail = cmd.trim_end().trim_end_matches(['"', '\'']).trim_end();
    if tail.ends_with("-z") {
        MISSING
    } else {
        CHECK
    }
}

/// Whether the script exits with an error right after `end` (`exit 1`, `die`).
fn shell_fails_after(m: &str, end: usize) -> bool {
    let after = slice(m, end, end.saturating_add(STOP_WINDOW));
    let after = after.split("\n\n").next().unwrap_or(after);
    let b = after.as_bytes();
    after.match_indices("exit").any(|(p, _)| {
        let word_start = p == 0 || !is_word_byte(b[p - 1]);
        let code = after[p + 4..].trim_start();
        word_start && code.starts_with(|c: char| ('1'..='9').contains(&c) || c == '$')
    }) || ["die ", "fatal ", "abort", "return 1"]
        .iter()
        .any(|s| after.contains(s))
}

/// The local the read starting at `start` is assigned to, if the read (possibly
/// inside wrapping calls) is the whole right-hand side.
fn assigned_to(m: &str, start: usize, lang: Lang) -> Option<Target<'_>> {
    let bf = before(m, start, lang);
    if bf.verdict.is_some() {
        return None;
    }
    let s = bf.rest;
    let head = if let Some(h) = s.strip_suffix(":=") {
        h
    } else {
        let h = s.strip_suffix('=')?;
        if h.ends_with([
            '=', '!', '<', '>', '+', '-', '*', '/', '|', '&', '%', '^', '?',
        ]) {
            return None;
        }
        h
    };
    let head = head.trim_end();
    // a type annotation in this statement: `x: str = …`, `let x: string = …`
    let stmt_start = head
        .rfind(['\n', ';', '{', '}', '(', ','])
        .map_or(0, |p| p + 1);
    let head = match lang {
        Lang::Python | Lang::Js if head[stmt_start..].contains(':') => {
            let (h, _) = head.rsplit_once(':')?;
            h.trim_end()
        }
        _ => head,
    };
    let c = {
        let hb = head.as_bytes();
        let mut i = hb.len();
        while i > 0 && (is_word_byte(hb[i - 1]) || hb[i - 1] == b'@') {
            i -= 1;
        }
        i
    };
    let ident = &head[c..];
    if ident.is_empty() || ident.as_bytes()[0].is_ascii_digit() {
        return None;
    }
    let pre = &head[..c];
    if pre.trim_end().ends_with(['(', ',']) {
        return None; // a keyword argument or a parameter default
    }
    let (name, member) = if let Some(n) = ident.strip_prefix('@') {
        (n, true)
    } else if pre.ends_with("self.") || pre.ends_with("this.") {
        (ident, true)
    } else if pre.ends_with('.') {
        return None;
    } else {
        (ident, false)
    };
    if name.is_empty() {
        return None;
    }
    // the statement continues after the read: later uses come after this point
    Some(Target {
        name,
        member,
        from: start,
    })
}

/// For each tracked read, what the later uses of its local say (the first use
/// that tests or defaults it, before the local is assigned again).
fn local_uses(m: &str, tracked: &[(usize, Target<'_>)], lang: Lang) -> Vec<(usize, Use)> {
    let mut by_name: HashMap<&str, Vec<usize>> = HashMap::new();
    for (k, (_, t)) in tracked.iter().enumerate() {
        by_name.entry(t.name).or_default().push(k);
    }
    // every occurrence of a tracked name, in one pass over the text; a word is
    // only hashed when its first byte and length fit some tracked name
    let mut first_bytes = [false; 256];
    let mut lengths: u64 = 0;
    for name in by_name.keys() {
        if let Some(&c) = name.as_bytes().first() {
            first_bytes[usize::from(c)] = true;
        }
        lengths |= 1u64 << name.len().min(63);
    }
    let b = m.as_bytes();
    let mut occ: HashMap<&str, Vec<usize>> = HashMap::new();
    // only uses after an assignment count: start at the earliest one, on a word
    // boundary
    let mut i = tracked
        .iter()
        .map(|(_, t)| t.from)
        .min()
        .unwrap_or(0)
        .min(b.len());
    while i > 0 && i < b.len() && is_word_byte(b[i - 1]) {
        i += 1;
    }
    while i < b.len() {
        let c = b[i];
        if c.is_ascii_alphabetic() || c == b'_' || c == b'$' {
            let s = i;
            while i < b.len() && is_word_byte(b[i]) {
                i += 1;
            }
            if first_bytes[usize::from(c)] && lengths & (1u64 << (i - s).min(63)) != 0 {
                let w = &m[s..i];
                if let Some((key, _)) = by_name.get_key_value(w) {
                    occ.entry(key).or_default().push(s);
                }
            }
            continue;
        }
        if c.is_ascii_digit() {
            while i < b.len() && is_word_byte(b[i]) {
                i += 1;
            }
            continue;
        }
        i += 1;
    }
    let mut out = Vec::new();
    for (raw, t) in tracked {
        let Some(list) = occ.get(t.name) else {
            continue;
        };
        for &p in list.iter().filter(|&&p| p > t.from) {
            let pre = slice(m, p.saturating_sub(5), p);
            let member_at = if pre.ends_with('@') {
                Some(p - 1)
            } else if pre.ends_with("self.") || pre.ends_with("this.") {
                Some(p - 5)
            } else {
                None
            };
            let start = match (t.member, member_at) {
                (true, Some(s)) => s,
                (false, None) if !pre.ends_with('.') => p,
                _ => continue,
            };
            let end = p + t.name.len();
            // assigned again: earlier tests were about another value
            let after = ws(b, end);
            let rest = &b[after.min(b.len())..];
            let reassigned = (rest.first() == Some(&b'=')
                && !matches!(rest.get(1), Some(b'=' | b'~' | b'>')))
                || rest.starts_with(b":=");
            if reassigned {
                break;
            }
            let u = around(m, start, end, lang);
            if u.any() {
                out.push((*raw, u));
                break;
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::common::testutil::rows;
    use super::super::{extract_env_reads, SourceKind};

    /// (name, checked, has_default) of every read.
    fn uses(kind: SourceKind, src: &str) -> Vec<(String, bool, bool)> {
        let reads = extract_env_reads(kind, src);
        let _ = rows(&reads);
        reads
            .into_iter()
            .filter_map(|r| r.name.map(|n| (n, r.checked, r.has_default)))
            .collect()
    }

    /// (checked, has_default) of the read of `X`.
    fn one(kind: SourceKind, src: &str) -> (bool, bool) {
        let u = uses(kind, src);
        let x: Vec<_> = u.iter().filter(|r| r.0 == "X").collect();
        assert_eq!(x.len(), 1, "{src}: {u:?}");
        (x[0].1, x[0].2)
    }

    const REQUIRED: (bool, bool) = (false, false);
    const CHECKED: (bool, bool) = (true, true);
    const DEFAULT: (bool, bool) = (false, true);

    #[test]
    fn go() {
        use SourceKind::Go;
        for (src, want) in [
            ("if os.Getenv(\"X\") == \"1\" {", CHECKED),
            ("x := \"true\" == strings.ToLower(os.Getenv(\"X\"))", CHECKED),
            ("if s := os.Getenv(\"X\"); s != \"\" {", CHECKED),
            ("v := os.Getenv(\"X\")\nif v == \"\" {\n v = \"d\"\n}", CHECKED),
            ("url = os.Getenv(\"X\")\n}\nfunc ok() bool { return url != \"\" }", CHECKED),
            ("dsn := os.Getenv(\"X\")\ndb, err := sql.Open(\"pg\", dsn)", REQUIRED),
            ("v := os.Getenv(\"X\")\nv = \"y\"\nif v == \"\" {}", REQUIRED),
            ("db := connect(os.Getenv(\"X\"))", REQUIRED),
            ("dsn := os.Getenv(\"X\")\nif dsn == \"\" {\n\tlog.Fatal(\"X is required\")\n}", REQUIRED),
            (
                "if s := os.Getenv(\"X\"); s != \"\" {\n\tv, err := time.ParseDuration(s)\n\tif err != nil {\n\t\tlog.Fatalf(\"bad\")\n\t}\n}",
                CHECKED,
            ),
            ("if os.Getenv(\"A\") == \"1\" {\n\tinit(os.Getenv(\"X\"))\n}", DEFAULT),
        ] {
            assert_eq!(one(Go, src), want, "{src}");
        }
    }

    #[test]
    fn javascript() {
        use SourceKind::JavaScript as Js;
        for (src, want) in [
            ("if (process.env.X === 'postgres') {}", CHECKED),
            ("if (!process.env.X && isbot(ua)) {}", CHECKED),
            ("const on = !!process.env.X;", CHECKED),
            ("const on = Boolean(process.env.X);", CHECKED),
            ("{process.env.X && (<Script />)}", CHECKED),
            ("const u = cloud ? process.env.X : base;", CHECKED),
            ("if (\n  process.env.X\n) {}", CHECKED),
            ("const p = process.env.A || process.env.X;", DEFAULT),
            ("const m = (process.env.X as 'a' | 'b') || 'a';", DEFAULT),
            ("const e = process.env.X;\nif (e) {\n  go(e);\n}", CHECKED),
            (
                "const proxy = process.env.X;\nif (!proxy) {\n  return s;\n}",
                CHECKED,
            ),
            ("const c = new URL(process.env.X);", REQUIRED),
            ("const k = process.env.X;\nsign(k);", REQUIRED),
            ("if (x) { y = process.env.X; }", REQUIRED),
            ("this.key = process.env.X;\nif (this.key) {}", CHECKED),
            ("const key = process.env.X;\nif (other.key) {}", REQUIRED),
            (
                "if (!process.env.X) {\n  throw new Error('X is required');\n}",
                REQUIRED,
            ),
            (
                "if (process.env.NODE_ENV === 'production') {\n  use(process.env.X);\n}",
                REQUIRED,
            ),
            (
                "if (process.env.TRACING == '1') {\n  const u = process.env.X;\n  start(u);\n}",
                DEFAULT,
            ),
        ] {
            assert_eq!(one(Js, src), want, "{src}");
        }
    }

    #[test]
    fn ruby() {
        use SourceKind::Ruby;
        for (src, want) in [
            ("ENV[\"X\"] == \"true\"", CHECKED),
            ("if ENV[\"X\"].present?", CHECKED),
            ("return unless ENV[\"X\"]", CHECKED),
            ("pid = ENV[\"X\"]&.to_i", DEFAULT),
            ("k = ENV[\"X\"]\nreturn nil unless k.present?", CHECKED),
            ("@k = ENV[\"X\"]\nreturn if @k.blank?", CHECKED),
            ("@k = ENV[\"X\"]\nraise 'no' if @k.blank?", REQUIRED),
            ("field :k, default: ENV[\"X\"]", DEFAULT),
            ("config.host = ENV[\"X\"]", REQUIRED),
            ("tls: ENV[\"X\"] == \"true\"", CHECKED),
            ("raise \"X is missing\" unless ENV[\"X\"]", REQUIRED),
            ("if ENV[\"A\"].present?\n  c.key = ENV[\"X\"]\nend", DEFAULT),
            ("ok = ENV.fetch(\"X\") == \"1\"", REQUIRED),
        ] {
            assert_eq!(one(Ruby, src), want, "{src}");
        }
    }

    #[test]
    fn shell() {
        use SourceKind::Shell;
        for (src, want) in [
            ("if [ -n \"$X\" ]; then\n  echo on\nfi", CHECKED),
            ("if [[ $X == true ]]; then :; fi", CHECKED),
            ("[ \"$X\" = \"1\" ] && start", CHECKED),
            ("case \"$X\" in\n  on) start;;\nesac", CHECKED),
            ("[ -z \"$X\" ] && exit 0", CHECKED),
            (
                "if [ -z \"$X\" ]; then\n  echo 'X is required' >&2\n  exit 1\nfi",
                REQUIRED,
            ),
            ("if [ -n \"$A\" ]; then\n  curl \"$X\"\nfi", DEFAULT),
            ("exec app --db \"$X\"", REQUIRED),
        ] {
            assert_eq!(one(Shell, src), want, "{src}");
        }
    }

    #[test]
    fn python_java_rust() {
        for (kind, src, want) in [
            (
                SourceKind::Python,
                "if os.getenv(\"X\"):\n    pass",
                CHECKED,
            ),
            (
                SourceKind::Python,
                "on = os.getenv(\"X\", \"\").lower() in (\"1\", \"true\")",
                (true, true),
            ),
            (
                SourceKind::Python,
                "v = os.environ.get(\"X\")\nif v is None:\n    v = 1",
                CHECKED,
            ),
            (
                SourceKind::Python,
                "if not os.environ.get(\"X\"):\n    pass",
                CHECKED,
            ),
            (
                SourceKind::Python,
                "key = os.environ[\"X\"]\nclient = C(key)",
                REQUIRED,
            ),
            (
                SourceKind::Python,
                "if not os.getenv(\"X\"):\n    raise RuntimeError(\"X\")",
                REQUIRED,
            ),
            (
                SourceKind::Python,
                "try:\n    p = os.environ[\"X\"]\nexcept KeyError:\n    p = None",
                CHECKED,
            ),
            (
                SourceKind::Python,
                "try:\n    p = os.environ[\"X\"]\nexcept ValueError:\n    p = None",
                REQUIRED,
            ),
            (
                SourceKind::Java,
                "if (System.getenv(\"X\") != null) {",
                CHECKED,
            ),
            (
                SourceKind::Java,
                "if (StringUtils.isBlank(System.getenv(\"X\"))) {",
                CHECKED,
            ),
            (
                SourceKind::Java,
                "String v = Objects.requireNonNull(System.getenv(\"X\"));",
                REQUIRED,
            ),
            (
                SourceKind::Rust,
                "if let Ok(v) = std::env::var(\"X\") {",
                CHECKED,
            ),
            (
                SourceKind::Rust,
                "let on = env::var(\"X\").is_ok();",
                CHECKED,
            ),
            (
                SourceKind::Rust,
                "let v = env::var(\"X\").expect(\"X\");",
                REQUIRED,
            ),
            (SourceKind::Rust, "let v = env::var(\"X\")?;", REQUIRED),
            (
                SourceKind::Java,
                "val v = System.getenv(\"X\") ?: error(\"X missing\")",
                REQUIRED,
            ),
            (
                SourceKind::Python,
                "if os.environ[\"X\"] == \"1\":\n    pass",
                REQUIRED,
            ),
        ] {
            assert_eq!(one(kind, src), want, "{kind:?}: {src}");
        }
    }
}
