//! Helpers shared by the per-language extractors: raw read records, position
//! conversion, comment masking, string-literal and argument-list parsing.
//!
//! Every scanner here works on byte offsets and only ever slices the text at
//! ASCII delimiters (or through [`slice`], which snaps to char boundaries), so
//! no input can make it panic.

use super::{EnvRead, Via};

/// Longest snippet kept in [`EnvRead::expr`], in chars.
const EXPR_MAX_CHARS: usize = 80;
/// Longest stretch of source looked at when building a snippet, in bytes.
const EXPR_MAX_BYTES: usize = 400;
/// How far an argument list is followed before giving up, in bytes.
const ARGS_MAX_BYTES: usize = 2048;
/// Longest accepted variable name, in bytes.
const NAME_MAX_BYTES: usize = 200;

/// A read found by an extractor, still in byte offsets.
#[derive(Clone, Debug)]
pub(super) struct Raw {
    pub start: usize,
    pub end: usize,
    pub name: Option<String>,
    pub has_default: bool,
    /// See [`EnvRead::checked`].
    pub checked: bool,
    /// See [`EnvRead::build_time`].
    pub build_time: bool,
    /// See [`EnvRead::legacy`].
    pub legacy: bool,
    /// The read itself fails when the variable is missing (`os.environ["X"]`,
    /// `ENV.fetch("X")`, `env::var("X")?`): comparing or testing its value
    /// afterwards does not make it optional.
    pub strict: bool,
    pub via: Via,
}

impl Raw {
    pub fn new(start: usize, end: usize, name: Option<String>, has_default: bool) -> Self {
        Raw {
            start,
            end: end.max(start),
            name,
            has_default,
            checked: false,
            build_time: false,
            legacy: false,
            strict: false,
            via: Via::Env,
        }
    }

    /// A read that tests whether the variable is set (`os.LookupEnv`,
    /// `"X" in os.environ`, `ENV.key?`).
    pub fn presence(start: usize, end: usize, name: Option<String>) -> Self {
        Raw {
            checked: true,
            ..Raw::new(start, end, name, true)
        }
    }

    /// A record of how the environment is reached, not a read of a name.
    pub fn link(start: usize, end: usize, via: Via) -> Self {
        Raw {
            via,
            ..Raw::new(start, end, None, true)
        }
    }
}

/// Converts raw reads into sorted [`EnvRead`]s (1-based line, 1-based column
/// counted in chars), de-duplicating reads reported twice at the same spot.
pub(super) fn finalize(text: &str, mut raws: Vec<Raw>) -> Vec<EnvRead> {
    raws.sort_by(|a, b| a.start.cmp(&b.start).then(b.end.cmp(&a.end)));
    raws.dedup_by(|later, earlier| {
        later.start == earlier.start && later.name == earlier.name && later.via == earlier.via
    });
    let mut out = Vec::with_capacity(raws.len());
    let (mut pos, mut line, mut col) = (0usize, 1u32, 1u32);
    for raw in raws {
        let start = floor_boundary(text, raw.start);
        if start < pos || raw.name.as_ref().is_some_and(|n| n.len() > NAME_MAX_BYTES) {
            continue;
        }
        let seg = &text[pos..start];
        let count = |s: &str| u32::try_from(s.chars().count()).unwrap_or(u32::MAX);
        match memchr::memrchr(b'\n', seg.as_bytes()) {
            Some(last) => {
                let lines = memchr::memchr_iter(b'\n', seg.as_bytes()).count();
                line = line.saturating_add(u32::try_from(lines).unwrap_or(u32::MAX));
                col = 1u32.saturating_add(count(&seg[last + 1..]));
            }
            None => col = col.saturating_add(count(seg)),
        }
        pos = start;
        out.push(EnvRead {
            name: raw.name,
            line,
            column: col,
            has_default: raw.has_default || raw.checked,
            checked: raw.checked,
            build_time: raw.build_time,
            legacy: raw.legacy,
            expr: snippet(text, start, raw.end),
            via: raw.via,
        });
    }
    out
}

/// The source between `start` and `end` on one line: whitespace runs
/// collapsed, trimmed, at most [`EXPR_MAX_CHARS`] chars.
pub(super) fn snippet(text: &str, start: usize, end: usize) -> String {
    let end = end.min(start.saturating_add(EXPR_MAX_BYTES));
    let raw = slice(text, start, end);
    let mut s = String::with_capacity(raw.len().min(EXPR_MAX_CHARS * 2));
    let mut count = 0usize;
    let mut truncated = false;
    for word in raw.split_whitespace() {
        if !s.is_empty() {
            if count + 1 > EXPR_MAX_CHARS {
                truncated = true;
                break;
            }
            s.push(' ');
            count += 1;
        }
        for ch in word.chars() {
            if count + 1 > EXPR_MAX_CHARS {
                truncated = true;
                break;
            }
            s.push(ch);
            count += 1;
        }
        if truncated {
            break;
        }
    }
    if truncated {
        s.pop();
        s.push('…');
    }
    s
}

/// Largest char boundary `<= i` (clamped to the text length).
pub(super) fn floor_boundary(text: &str, i: usize) -> usize {
    let mut i = i.min(text.len());
    while i > 0 && !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// `text[a..b]`, snapped to char boundaries; never panics.
pub(super) fn slice(text: &str, a: usize, b: usize) -> &str {
    let a = floor_boundary(text, a);
    let b = floor_boundary(text, b).max(a);
    &text[a..b]
}

/// Index of the first non-blank (space, tab, CR, LF) byte at or after `i`,
/// looking at most `limit` bytes ahead.
pub(super) fn skip_ws(b: &[u8], mut i: usize, limit: usize) -> usize {
    let stop = i.saturating_add(limit).min(b.len());
    while i < stop && matches!(b[i], b' ' | b'\t' | b'\r' | b'\n') {
        i += 1;
    }
    i
}

/// Whether the text starting at `i` (after blanks) starts with `pat`.
pub(super) fn followed_by(b: &[u8], i: usize, pat: &str) -> bool {
    let j = skip_ws(b, i, 256);
    b.get(j..)
        .is_some_and(|rest| rest.starts_with(pat.as_bytes()))
}

/// Whether the text starting at `i` (after spaces/tabs) is an assignment
/// operator `=` (not `==`, `=>`, `=~`).
pub(super) fn followed_by_assignment(b: &[u8], i: usize) -> bool {
    let mut j = i;
    while j < b.len() && matches!(b[j], b' ' | b'\t') {
        j += 1;
    }
    b.get(j) == Some(&b'=') && !matches!(b.get(j + 1), Some(b'=') | Some(b'>') | Some(b'~'))
}

/// The text before `i` on the same line, without trailing blanks.
pub(super) fn line_before(text: &str, i: usize) -> &str {
    // bounded look-back: this runs once per match, and lines can be huge
    let i = floor_boundary(text, i);
    let window = slice(text, i.saturating_sub(EXPR_MAX_BYTES), i);
    let window = window.rfind('\n').map_or(window, |p| &window[p + 1..]);
    window.trim_end()
}

pub(super) fn is_ident_start(c: u8) -> bool {
    c.is_ascii_alphabetic() || c == b'_'
}

pub(super) fn is_ident_byte(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_'
}

/// Whether `s` is `[A-Za-z_][A-Za-z0-9_]*`.
pub(super) fn is_ident(s: &str) -> bool {
    let b = s.as_bytes();
    !b.is_empty() && is_ident_start(b[0]) && b.iter().all(|&c| is_ident_byte(c))
}

/// Whether `s` is an UPPER_SNAKE_CASE name (`[A-Z][A-Z0-9_]*`).
pub(super) fn is_upper_snake(s: &str) -> bool {
    let b = s.as_bytes();
    !b.is_empty()
        && b[0].is_ascii_uppercase()
        && b.iter()
            .all(|&c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == b'_')
}

/// End (exclusive) of the identifier starting at `i`, or `i` if none.
pub(super) fn ident_end(b: &[u8], i: usize) -> usize {
    if i >= b.len() || !is_ident_start(b[i]) {
        return i;
    }
    let mut j = i + 1;
    while j < b.len() && is_ident_byte(b[j]) {
        j += 1;
    }
    j
}

// ---------------------------------------------------------------------------
// Comment masking
// ---------------------------------------------------------------------------

/// How comments look in a language; see [`mask_comments`].
#[derive(Clone, Copy, Debug)]
pub(super) enum CommentStyle {
    /// `//` and `/* */`.
    CLike {
        /// Block comments nest (Rust).
        nested: bool,
        /// Backtick strings exist (JS templates, Go raw strings).
        backtick: bool,
        /// Backslash escapes work inside backtick strings (JS, not Go).
        backtick_escapes: bool,
        /// `'` is a char literal or a lifetime (Rust), not a string quote.
        rust_quotes: bool,
    },
    /// `#` outside strings; `'''`/`"""` strings.
    Python,
    /// `#` outside strings; `=begin`/`=end` blocks.
    Ruby,
    /// `#` at line start or after a blank, outside quoted scalars.
    Yaml,
    /// Whole lines whose trimmed start is `#` (or `!` when `bang`).
    LineHash { bang: bool },
}

/// Returns a copy of `text` where comments are replaced by spaces (newlines
/// kept), so byte offsets and line numbers are unchanged. String literals are
/// tracked only so that comment markers inside them are not taken for comments.
pub(super) fn mask_comments(text: &str, style: CommentStyle) -> String {
    let b = text.as_bytes();
    let mut out = b.to_vec();
    match style {
        CommentStyle::CLike {
            nested,
            backtick,
            backtick_escapes,
            rust_quotes,
        } => mask_clike(b, &mut out, nested, backtick, backtick_escapes, rust_quotes),
        CommentStyle::Python => mask_hash(b, &mut out, true, false),
        CommentStyle::Ruby => mask_hash(b, &mut out, false, true),
        CommentStyle::Yaml => mask_yaml(b, &mut out),
        CommentStyle::LineHash { bang } => mask_line_hash(b, &mut out, bang),
    }
    // Only whole comments (delimited by ASCII bytes) were blanked, so this is
    // still UTF-8; fall back to the original text rather than panic.
    String::from_utf8(out).unwrap_or_else(|_| text.to_string())
}

/// Finds the next byte that may start a comment or a string, so the maskers skip
/// plain code with `memchr` instead of stepping byte by byte.
struct Jump {
    needles: (u8, u8, u8),
    extra: Option<u8>,
    /// First `extra` byte at or after some earlier position (valid while >= `i`).
    next_extra: Option<usize>,
}

impl Jump {
    fn new(needles: (u8, u8, u8), extra: Option<u8>) -> Self {
        Jump {
            needles,
            extra,
            next_extra: None,
        }
    }

    /// The first needle at or after `i`, or `b.len()`.
    fn next(&mut self, b: &[u8], i: usize) -> usize {
        let n = b.len();
        if i >= n {
            return n;
        }
        let (x, y, z) = self.needles;
        let main = memchr::memchr3(x, y, z, &b[i..]).map_or(n, |p| i + p);
        match self.extra {
            None => main,
            Some(e) => {
                let next = match self.next_extra {
                    Some(p) if p >= i => p,
                    _ => memchr::memchr(e, &b[i..]).map_or(n, |p| i + p),
                };
                self.next_extra = Some(next);
                main.min(next)
            }
        }
    }
}

fn blank(out: &mut [u8], from: usize, to: usize) {
    let to = to.min(out.len());
    for c in out.iter_mut().take(to).skip(from) {
        if *c != b'\n' && *c != b'\r' {
            *c = b' ';
        }
    }
}

fn line_end(b: &[u8], i: usize) -> usize {
    b[i.min(b.len())..]
        .iter()
        .position(|&c| c == b'\n')
        .map_or(b.len(), |p| i + p)
}

/// Skips a quoted string starting at the opening quote `i`; returns the index
/// after the closing quote (or where scanning stopped).
fn skip_quoted(b: &[u8], i: usize, q: u8, multiline: bool, escapes: bool) -> usize {
    let mut j = i + 1;
    while j < b.len() {
        let c = b[j];
        if escapes && c == b'\\' {
            j += 2;
            continue;
        }
        if c == q {
            return j + 1;
        }
        if c == b'\n' && !multiline {
            return j;
        }
        j += 1;
    }
    b.len()
}

fn mask_clike(
    b: &[u8],
    out: &mut [u8],
    nested: bool,
    backtick: bool,
    backtick_escapes: bool,
    rust_quotes: bool,
) {
    let n = b.len();
    // Rust's `r"…"` and lifetimes make too many bytes interesting: step there.
    let mut jump = (!rust_quotes).then(|| Jump::new((b'/', b'"', b'\''), backtick.then_some(b'`')));
    let mut i = 0;
    while i < n {
        match b[i] {
            b'/' if b.get(i + 1) == Some(&b'/') => {
                let e = line_end(b, i);
                blank(out, i, e);
                i = e;
            }
            b'/' if b.get(i + 1) == Some(&b'*') => {
                let mut depth = 1usize;
                let mut j = i + 2;
                while j < n {
                    if nested && b[j] == b'/' && b.get(j + 1) == Some(&b'*') {
                        depth += 1;
                        j += 2;
                    } else if b[j] == b'*' && b.get(j + 1) == Some(&b'/') {
                        depth -= 1;
                        j += 2;
                        if depth == 0 {
                            break;
                        }
                    } else {
                        j += 1;
                    }
                }
                let j = j.min(n);
                blank(out, i, j);
                i = j;
            }
            b'"' => i = skip_quoted(b, i, b'"', rust_quotes, true),
            b'`' if backtick => i = skip_quoted(b, i, b'`', true, backtick_escapes),
            b'\'' if rust_quotes => {
                // char literal ('a', '\n', '\u{1F600}') or lifetime ('a)
                if b.get(i + 1) == Some(&b'\\') {
                    let lim = (i + 12).min(n);
                    let close = (i + 2..lim).find(|&k| b[k] == b'\'');
                    i = close.map_or(i + 1, |k| k + 1);
                } else {
                    let len = b.get(i + 1).map_or(1, |&c| utf8_len(c));
                    if b.get(i + 1 + len) == Some(&b'\'') {
                        i += len + 2;
                    } else {
                        i += 1;
                    }
                }
            }
            b'\'' => i = skip_quoted(b, i, b'\'', false, true),
            b'r' if rust_quotes && (i == 0 || !is_ident_byte(b[i - 1])) => {
                // raw string r"..." / r#"..."#
                let mut j = i + 1;
                while j < n && b[j] == b'#' {
                    j += 1;
                }
                if j < n && b[j] == b'"' {
                    let hashes = j - i - 1;
                    let mut k = j + 1;
                    let mut end = n;
                    while k < n {
                        if b[k] == b'"'
                            && b[k + 1..]
                                .iter()
                                .take(hashes)
                                .filter(|&&c| c == b'#')
                                .count()
                                == hashes
                        {
                            end = k + 1 + hashes;
                            break;
                        }
                        k += 1;
                    }
                    i = end;
                } else {
                    i += 1;
                }
            }
            _ => {
                i = match jump.as_mut() {
                    Some(j) => j.next(b, i + 1),
                    None => i + 1,
                }
            }
        }
    }
}

fn utf8_len(first: u8) -> usize {
    match first {
        0xF0..=0xFF => 4,
        0xE0..=0xEF => 3,
        0xC0..=0xDF => 2,
        _ => 1,
    }
}

fn at_line_start(b: &[u8], i: usize) -> bool {
    i == 0 || b[i - 1] == b'\n'
}

fn mask_hash(b: &[u8], out: &mut [u8], python: bool, ruby: bool) {
    let n = b.len();
    let mut jump = Jump::new((b'#', b'"', b'\''), ruby.then_some(b'='));
    let mut i = 0;
    while i < n {
        match b[i] {
            b'#' => {
                let e = line_end(b, i);
                blank(out, i, e);
                i = e;
            }
            b'=' if ruby && at_line_start(b, i) && b[i..].starts_with(b"=begin") => {
                // blank through the end of the `=end` line
                let mut j = line_end(b, i);
                while j < n {
                    let ls = j + 1;
                    if ls >= n {
                        j = n;
                        break;
                    }
                    j = line_end(b, ls);
                    if b[ls..].starts_with(b"=end") {
                        break;
                    }
                }
                blank(out, i, j);
                i = j;
            }
            q @ (b'"' | b'\'') => {
                if python && b.get(i + 1) == Some(&q) && b.get(i + 2) == Some(&q) {
                    // triple-quoted string
                    let mut j = i + 3;
                    let mut end = n;
                    while j < n {
                        if b[j] == b'\\' {
                            j += 2;
                            continue;
                        }
                        if b[j] == q && b.get(j + 1) == Some(&q) && b.get(j + 2) == Some(&q) {
                            end = j + 3;
                            break;
                        }
                        j += 1;
                    }
                    // Docstrings and other non-f triple-quoted strings are
                    // prose: blank their content (quotes kept).
                    let mut p = i;
                    while p > 0
                        && i - p < 2
                        && matches!(
                            b[p - 1],
                            b'r' | b'R' | b'b' | b'B' | b'u' | b'U' | b'f' | b'F'
                        )
                    {
                        p -= 1;
                    }
                    let is_prefix = p == 0 || !is_ident_byte(b[p - 1]);
                    let f_string = is_prefix && b[p..i].iter().any(|&c| c == b'f' || c == b'F');
                    if !f_string {
                        let inner_end = if end == n && !b.ends_with(&[q, q, q]) {
                            n
                        } else {
                            end - 3
                        };
                        blank(out, i + 3, inner_end.max(i + 3));
                    }
                    i = end;
                } else {
                    i = skip_quoted(b, i, q, false, true);
                }
            }
            _ => i = jump.next(b, i + 1),
        }
    }
}

fn mask_yaml(b: &[u8], out: &mut [u8]) {
    let n = b.len();
    let mut i = 0;
    while i < n {
        let e = line_end(b, i);
        let mut j = i;
        let mut prev_sig: Option<u8> = None; // previous non-blank byte on the line
        while j < e {
            let c = b[j];
            match c {
                b'#' if j == i || matches!(b[j - 1], b' ' | b'\t') => {
                    blank(out, j, e);
                    break;
                }
                b'"' | b'\''
                    if matches!(
                        prev_sig,
                        None | Some(b':' | b'-' | b'[' | b'{' | b',' | b'?')
                    ) =>
                {
                    let k = skip_quoted(b, j, c, false, c == b'"');
                    j = k.min(e).max(j + 1);
                    prev_sig = Some(c);
                    continue;
                }
                b' ' | b'\t' | b'\r' => {}
                _ => prev_sig = Some(c),
            }
            j += 1;
        }
        i = e + 1;
    }
}

fn mask_line_hash(b: &[u8], out: &mut [u8], bang: bool) {
    let n = b.len();
    let mut i = 0;
    while i < n {
        let e = line_end(b, i);
        let mut j = i;
        while j < e && matches!(b[j], b' ' | b'\t') {
            j += 1;
        }
        if j < e && (b[j] == b'#' || (bang && b[j] == b'!')) {
            blank(out, j, e);
        }
        i = e + 1;
    }
}

// ---------------------------------------------------------------------------
// String literals and argument lists
// ---------------------------------------------------------------------------

/// Which string-literal syntax [`parse_literal`] accepts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Flavor {
    Python,
    Js,
    Go,
    Rust,
    Ruby,
    Java,
}

/// What an argument turned out to be.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum Lit {
    /// A plain string literal with a usable name.
    Static(String),
    /// Anything computed: identifiers, interpolations, concatenations.
    Dynamic,
    /// Nothing usable (missing, empty or whitespace-containing literal).
    Invalid,
}

/// The name a constant stands for, given the literals each of its bindings in a file was
/// parsed as: known only when it is bound exactly once, to a plain string literal.
pub(super) fn bound_once(mut bindings: impl Iterator<Item = Lit>) -> Option<String> {
    match (bindings.next(), bindings.next()) {
        (Some(Lit::Static(name)), None) => Some(name),
        _ => None,
    }
}

/// Classifies one (untrimmed) argument as a static literal name, a dynamic
/// expression or garbage.
pub(super) fn parse_literal(arg: &str, flavor: Flavor) -> Lit {
    let s = arg.trim();
    if s.is_empty() {
        return Lit::Invalid;
    }
    let b = s.as_bytes();
    let mut i = 0;
    let mut interpolating = false;
    match flavor {
        Flavor::Python => {
            while i < b.len()
                && i < 2
                && matches!(b[i], b'r' | b'R' | b'b' | b'B' | b'u' | b'U' | b'f' | b'F')
            {
                interpolating |= matches!(b[i], b'f' | b'F');
                i += 1;
            }
        }
        Flavor::Rust if b[0] == b'r' => {
            i = 1;
            let mut hashes = 0;
            while i < b.len() && b[i] == b'#' {
                i += 1;
                hashes += 1;
            }
            if b.get(i) != Some(&b'"') || b.len() < i + 2 + hashes {
                return Lit::Dynamic;
            }
            let inner_end = b.len() - hashes;
            if !b[inner_end..].iter().all(|&c| c == b'#')
                || b[inner_end - 1] != b'"'
                || inner_end - 1 <= i
            {
                return Lit::Dynamic;
            }
            return check_name(&s[i + 1..inner_end - 1], b'"', false);
        }
        _ => {}
    }
    let Some(&q) = b.get(i) else {
        return Lit::Dynamic;
    };
    let quote_ok = match flavor {
        Flavor::Python | Flavor::Ruby => q == b'"' || q == b'\'',
        Flavor::Js => q == b'"' || q == b'\'' || q == b'`',
        Flavor::Go => q == b'"' || q == b'`',
        Flavor::Rust | Flavor::Java => q == b'"',
    };
    if !quote_ok {
        return Lit::Dynamic;
    }
    let rest = &s[i..];
    let rb = rest.as_bytes();
    // Python triple quotes
    if flavor == Flavor::Python && rb.len() >= 6 && rb[1] == q && rb[2] == q {
        if rb[rb.len() - 1] == q && rb[rb.len() - 2] == q && rb[rb.len() - 3] == q {
            return finish_lit(&rest[3..rest.len() - 3], q, interpolating, flavor);
        }
        return Lit::Dynamic;
    }
    if rb.len() < 2 || rb[rb.len() - 1] != q {
        return Lit::Dynamic;
    }
    finish_lit(&rest[1..rest.len() - 1], q, interpolating, flavor)
}

fn finish_lit(inner: &str, q: u8, f_string: bool, flavor: Flavor) -> Lit {
    let interp = match flavor {
        Flavor::Python => f_string && inner.contains('{'),
        Flavor::Js => q == b'`' && inner.contains("${"),
        Flavor::Ruby => q == b'"' && inner.contains("#{"),
        Flavor::Java => inner.contains('$'),
        Flavor::Go | Flavor::Rust => false,
    };
    if interp {
        return Lit::Dynamic;
    }
    check_name(inner, q, flavor != Flavor::Go || q != b'`')
}

fn check_name(inner: &str, q: u8, escapes: bool) -> Lit {
    let b = inner.as_bytes();
    // an unescaped quote inside means two literals glued together ("A" + "B")
    let mut k = 0;
    while k < b.len() {
        if escapes && b[k] == b'\\' {
            k += 2;
            continue;
        }
        if b[k] == q {
            return Lit::Dynamic;
        }
        k += 1;
    }
    if inner.is_empty()
        || inner.len() > NAME_MAX_BYTES
        || inner.chars().any(|c| c.is_whitespace() || c.is_control())
    {
        return Lit::Invalid;
    }
    Lit::Static(inner.to_string())
}

/// An argument list split at top-level commas.
#[derive(Clone, Debug, Default)]
pub(super) struct Args {
    /// Byte spans of the arguments (untrimmed; empty trailing ones dropped).
    pub items: Vec<(usize, usize)>,
    /// Index of the closing bracket, if it was found.
    pub close: Option<usize>,
}

impl Args {
    pub fn get<'t>(&self, text: &'t str, k: usize) -> Option<&'t str> {
        self.items.get(k).map(|&(a, b)| slice(text, a, b))
    }

    /// End of the whole call for snippets: after the closing bracket, or
    /// `fallback` when it was not found.
    pub fn end_or(&self, fallback: usize) -> usize {
        self.close.map_or(fallback, |c| c + 1)
    }
}

/// Splits the argument list that starts right after an opening bracket at
/// `from`, up to the matching `close` byte (or, with `close == None`, up to
/// `to`). Nested brackets and quoted strings are skipped. Scans at most
/// [`ARGS_MAX_BYTES`].
pub(super) fn split_args(text: &str, from: usize, to: usize, close: Option<u8>) -> Args {
    let b = text.as_bytes();
    let to = to.min(b.len()).min(from.saturating_add(ARGS_MAX_BYTES));
    let mut args = Args::default();
    let mut depth = 0usize;
    let mut item_start = from;
    let mut i = from;
    let push = |args: &mut Args, a: usize, e: usize| {
        if e > a || !args.items.is_empty() {
            args.items.push((a, e));
        }
    };
    while i < to {
        let c = b[i];
        match c {
            b'"' | b'\'' | b'`' => {
                i = skip_quoted(b, i, c, c == b'`', true).min(to).max(i + 1);
                continue;
            }
            b'(' | b'[' | b'{' => depth += 1,
            b')' | b']' | b'}' => {
                if depth == 0 {
                    if Some(c) == close {
                        push(&mut args, item_start, i);
                        args.close = Some(i);
                    }
                    break;
                }
                depth -= 1;
            }
            b',' if depth == 0 => {
                push(&mut args, item_start, i);
                item_start = i + 1;
            }
            _ => {}
        }
        i += 1;
    }
    if close.is_none() {
        push(&mut args, item_start, i);
    }
    // drop a trailing empty item (trailing comma / empty list)
    if let Some(&(a, e)) = args.items.last() {
        if slice(text, a, e).trim().is_empty() {
            args.items.pop();
        }
    }
    args
}

/// `name=value` keyword argument (Python/Kotlin style): returns the keyword and
/// the value text.
pub(super) fn kwarg(arg: &str) -> Option<(&str, &str)> {
    let s = arg.trim_start();
    let b = s.as_bytes();
    let e = ident_end(b, 0);
    if e == 0 {
        return None;
    }
    let mut j = e;
    while j < b.len() && matches!(b[j], b' ' | b'\t' | b'\r' | b'\n') {
        j += 1;
    }
    if b.get(j) == Some(&b'=') && b.get(j + 1) != Some(&b'=') {
        Some((&s[..e], s[j + 1..].trim()))
    } else {
        None
    }
}

/// Byte offset of `arg.trim_start()` inside `text`, given the span start.
pub(super) fn trimmed_start(text: &str, span_start: usize) -> usize {
    let b = text.as_bytes();
    let mut i = span_start;
    while i < b.len() && matches!(b[i], b' ' | b'\t' | b'\r' | b'\n') {
        i += 1;
    }
    i
}

#[cfg(test)]
pub(super) mod testutil {
    use super::super::{extract_env_reads, EnvRead, SourceKind};

    /// (name, line, column, has_default)
    pub type Row = (Option<&'static str>, u32, u32, bool);

    pub fn rows(reads: &[EnvRead]) -> Vec<(Option<String>, u32, u32, bool)> {
        reads
            .iter()
            .map(|r| (r.name.clone(), r.line, r.column, r.has_default))
            .collect()
    }

    /// Runs a table of `(source, expected rows)` cases for one source kind.
    pub fn check(kind: SourceKind, cases: &[(&str, &[Row])]) {
        for (src, want) in cases {
            let got = extract_env_reads(kind, src);
            let want: Vec<_> = want
                .iter()
                .map(|(n, l, c, d)| (n.map(str::to_string), *l, *c, *d))
                .collect();
            assert_eq!(rows(&got), want, "\nsource:\n{src}\nreads: {got:#?}");
            for r in &got {
                assert!(r.expr.chars().count() <= 80, "expr too long: {:?}", r.expr);
                assert_eq!(r.expr, r.expr.trim());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literals() {
        use Flavor::*;
        let s = |x: &str| Lit::Static(x.to_string());
        let table: &[(&str, Flavor, Lit)] = &[
            (r#""X""#, Python, s("X")),
            ("'X'", Python, s("X")),
            (r#"f"X""#, Python, s("X")),
            (r#"f"{p}_KEY""#, Python, Lit::Dynamic),
            (r#"rb"X""#, Python, s("X")),
            (r#""""X""""#, Python, s("X")),
            ("name", Python, Lit::Dynamic),
            (r#""A" + "B""#, Js, Lit::Dynamic),
            (r#""A" + x"#, Js, Lit::Dynamic),
            ("`X`", Js, s("X")),
            ("`${p}X`", Js, Lit::Dynamic),
            ("`X`", Go, s("X")),
            ("`X`", Rust, Lit::Dynamic),
            (r##"r#"X"#"##, Rust, s("X")),
            (r#"r"X""#, Rust, s("X")),
            (r##""#{a}X""##, Ruby, Lit::Dynamic),
            ("'#{a}X'", Ruby, s("#{a}X")),
            (r#""$X""#, Java, Lit::Dynamic),
            (r#""""#, Js, Lit::Invalid),
            (r#""a b""#, Js, Lit::Invalid),
            ("", Js, Lit::Invalid),
            ("\"", Js, Lit::Dynamic),
            ("'", Python, Lit::Dynamic),
            ("r#", Rust, Lit::Dynamic),
            ("r#\"", Rust, Lit::Dynamic),
            ("r\"\"", Rust, Lit::Invalid),
        ];
        for (src, fl, want) in table {
            assert_eq!(&parse_literal(src, *fl), want, "{src:?}");
        }
    }

    #[test]
    fn args_split() {
        let t = r#"f("A", g(1, 2), [3, 4], "x,y") tail"#;
        let a = split_args(t, 2, t.len(), Some(b')'));
        let items: Vec<_> = (0..a.items.len())
            .map(|k| a.get(t, k).unwrap().trim())
            .collect();
        assert_eq!(items, vec![r#""A""#, "g(1, 2)", "[3, 4]", r#""x,y""#]);
        assert_eq!(a.close, Some(29));
        let t = "f()";
        assert!(split_args(t, 2, 3, Some(b')')).items.is_empty());
        let t = "f(a, ";
        let a = split_args(t, 2, t.len(), Some(b')'));
        assert_eq!(a.close, None);
    }

    #[test]
    fn snippets() {
        assert_eq!(snippet("  a\n   b  ", 0, 10), "a b");
        let long = "x".repeat(200);
        let s = snippet(&long, 0, 200);
        assert_eq!(s.chars().count(), 80);
        assert!(s.ends_with('…'));
        assert_eq!(snippet("é", 1, 2), "é");
        assert_eq!(snippet("ab", 5, 9), "");
    }

    #[test]
    fn masking() {
        let m = mask_comments(
            "a // b\n\"//x\" /* c\n d */ e",
            CommentStyle::CLike {
                nested: false,
                backtick: true,
                backtick_escapes: true,
                rust_quotes: false,
            },
        );
        assert_eq!(m, "a     \n\"//x\"     \n      e");
        let m = mask_comments("x = '#' # é c\ny", CommentStyle::Python);
        assert_eq!(m, format!("x = '#'{}\ny", " ".repeat(7)));
        assert_eq!(m.len(), "x = '#' # é c\ny".len());
        let m = mask_comments("a: 'x # y' # z\n# w\nb: c#d", CommentStyle::Yaml);
        assert_eq!(m, "a: 'x # y'    \n   \nb: c#d");
        let m = mask_comments(
            "fn f<'a>(x: &'a str) { let c = '\"'; } // z",
            CommentStyle::CLike {
                nested: true,
                backtick: false,
                backtick_escapes: false,
                rust_quotes: true,
            },
        );
        assert!(m.ends_with("}     "));
    }
}
