//! POSIX shell / bash: `$X`, `${X}`, `${X:-d}`, `${X:?msg}` expansions.
//!
//! A small lexer that understands quoting (single quotes and quoted
//! heredocs are literal), comments, command substitution, backticks and
//! `${...}` operators, and tracks which names the script itself assigns
//! (`X=...`, `local`, `read`, `for X in`, `getopts`, `printf -v`) so that
//! later uses of those are not reported as environment reads. Also used for
//! Dockerfile `RUN`/`CMD`/`ENTRYPOINT` bodies.

use std::collections::HashSet;
use std::sync::LazyLock;

use regex::Regex;

use super::common::{is_ident, is_ident_byte, is_ident_start, slice, Raw};

/// Variables the shell or login environment provides; reading them says
/// nothing about the deployment's configuration.
pub(super) const SHELL_BUILTINS: &[&str] = &[
    "HOME",
    "PATH",
    "PWD",
    "OLDPWD",
    "USER",
    "LOGNAME",
    "SHELL",
    "TERM",
    "LANG",
    "LANGUAGE",
    "TMPDIR",
    "HOSTNAME",
    "IFS",
    "RANDOM",
    "SRANDOM",
    "LINENO",
    "SECONDS",
    "EPOCHSECONDS",
    "EPOCHREALTIME",
    "BASH",
    "BASHPID",
    "BASHOPTS",
    "BASH_SOURCE",
    "BASH_VERSION",
    "BASH_VERSINFO",
    "BASH_REMATCH",
    "BASH_LINENO",
    "BASH_ARGC",
    "BASH_ARGV",
    "BASH_ARGV0",
    "BASH_COMMAND",
    "BASH_SUBSHELL",
    "BASH_ENV",
    "FUNCNAME",
    "HOSTTYPE",
    "OSTYPE",
    "MACHTYPE",
    "UID",
    "EUID",
    "PPID",
    "GROUPS",
    "SHLVL",
    "SHELLOPTS",
    "PS1",
    "PS2",
    "PS3",
    "PS4",
    "OPTARG",
    "OPTIND",
    "OPTERR",
    "REPLY",
    "PIPESTATUS",
    "DIRSTACK",
    "HISTFILE",
    "HISTSIZE",
    "HISTFILESIZE",
    "HISTCONTROL",
    "COLUMNS",
    "LINES",
    "MAIL",
    "CDPATH",
    "PROMPT_COMMAND",
    "TIMEFORMAT",
    "TMOUT",
    "COMP_WORDS",
    "COMP_CWORD",
    "COMP_LINE",
    "COMP_POINT",
    "COMPREPLY",
];

/// Whether a name is provided by the shell itself (see [`SHELL_BUILTINS`];
/// also every `LC_*` locale variable).
pub(super) fn is_shell_builtin(name: &str) -> bool {
    SHELL_BUILTINS.contains(&name) || name.starts_with("LC_")
}

static ASSIGN: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^([A-Za-z_][A-Za-z0-9_]*)(?:\[[^\]\n]*\])?\+?=").expect("valid regex")
});

/// Recursion guard for nested `$(`, `${`, quotes and backticks.
const MAX_DEPTH: usize = 64;

pub(super) fn extract(text: &str) -> Vec<Raw> {
    let mut out = Vec::new();
    scan(text, 0, text.len(), &HashSet::new(), &mut out);
    out
}

/// Scans `text[from..to]` as a shell script, appending reads to `out`.
/// `known` names are treated as already assigned (never reported).
pub(super) fn scan(
    text: &str,
    from: usize,
    to: usize,
    known: &HashSet<String>,
    out: &mut Vec<Raw>,
) {
    let (from, to) = (from.min(text.len()), to.min(text.len()));
    // pass 1: names the script declares with local/declare/typeset anywhere
    // (functions may use them before the declaring function's text)
    let mut scratch = Vec::new();
    let mut pre = Lexer::new(text, known.clone(), HashSet::new(), &mut scratch);
    pre.cmds(from, to, Stop::End);
    let declared = std::mem::take(&mut pre.found_declared);
    let mut lx = Lexer::new(text, known.clone(), declared, out);
    lx.cmds(from, to, Stop::End);
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Stop {
    End,
    Paren,
    Backtick,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    None,
    /// after export/local/declare/typeset/readonly
    Decl(DeclKind),
    /// after `for` / `select`
    For,
    /// after read/mapfile/readarray; `true` when the next word is an
    /// option argument
    Read(bool),
    /// after getopts: number of operands seen
    Getopts(u8),
    /// after printf; `true` right after `-v`
    Printf(bool),
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum DeclKind {
    /// `export`: bare names stay environment variables
    Export,
    /// `local`/`declare`/`typeset`: script-local everywhere
    Local,
    /// `readonly`: bare names are locals from here on
    Readonly,
}

struct Heredoc {
    delim: Vec<u8>,
    quoted: bool,
    strip_tabs: bool,
}

struct Lexer<'a, 'o> {
    text: &'a str,
    b: &'a [u8],
    /// names assigned so far (positional)
    locals: HashSet<String>,
    /// names declared local/declare/typeset anywhere (from the first pass)
    declared: HashSet<String>,
    /// what this pass saw declared
    found_declared: HashSet<String>,
    /// names whose assignment value is being scanned (`X="${X:-d}"`)
    assigning: Vec<String>,
    heredocs: Vec<Heredoc>,
    depth: usize,
    out: &'o mut Vec<Raw>,
}

fn is_word_break(c: u8) -> bool {
    matches!(
        c,
        b' ' | b'\t' | b'\r' | b'\n' | b';' | b'&' | b'|' | b'(' | b')' | b'<' | b'>'
    )
}

fn is_simple_word_byte(c: u8) -> bool {
    c.is_ascii_alphanumeric()
        || matches!(
            c,
            b'_' | b'.'
                | b'/'
                | b':'
                | b'+'
                | b'%'
                | b'@'
                | b','
                | b'-'
                | b'='
                | b'!'
                | b'{'
                | b'}'
                | b'['
                | b']'
        )
}

impl<'a, 'o> Lexer<'a, 'o> {
    fn new(
        text: &'a str,
        locals: HashSet<String>,
        declared: HashSet<String>,
        out: &'o mut Vec<Raw>,
    ) -> Self {
        Lexer {
            text,
            b: text.as_bytes(),
            locals,
            declared,
            found_declared: HashSet::new(),
            assigning: Vec::new(),
            heredocs: Vec::new(),
            depth: 0,
            out,
        }
    }

    fn report(&mut self, start: usize, end: usize, name: Option<&str>, has_default: bool) {
        if let Some(n) = name {
            let declared_elsewhere =
                self.declared.contains(n) && !self.assigning.iter().any(|a| a == n);
            if self.locals.contains(n) || declared_elsewhere || is_shell_builtin(n) {
                return;
            }
        }
        self.out
            .push(Raw::new(start, end, name.map(str::to_string), has_default));
    }

    /// Commands until `stop` (or `end`); returns the index after the stop
    /// token.
    fn cmds(&mut self, mut i: usize, end: usize, stop: Stop) -> usize {
        if self.depth >= MAX_DEPTH {
            return end;
        }
        self.depth += 1;
        let b = self.b;
        let arith = stop == Stop::Paren && i > 0 && b[i - 1] == b'(' && b.get(i) == Some(&b'(');
        let mut cmd_pos = true;
        let mut mode = Mode::None;
        let mut pending: Option<String> = None;
        let mut word_start = true;
        let mut parens = 0usize;
        let result = loop {
            if i >= end {
                self.finish(&mut pending);
                break end;
            }
            let c = b[i];
            match c {
                b' ' | b'\t' | b'\r' => {
                    self.finish(&mut pending);
                    word_start = true;
                    i += 1;
                }
                b'\n' => {
                    self.finish(&mut pending);
                    cmd_pos = true;
                    mode = Mode::None;
                    word_start = true;
                    i += 1;
                    if !self.heredocs.is_empty() {
                        i = self.heredoc_bodies(i, end);
                    }
                }
                b';' | b'&' | b'|' => {
                    self.finish(&mut pending);
                    cmd_pos = true;
                    mode = Mode::None;
                    word_start = true;
                    i += 1;
                }
                b'(' => {
                    self.finish(&mut pending);
                    parens += 1;
                    cmd_pos = true;
                    word_start = true;
                    i += 1;
                }
                b')' => {
                    self.finish(&mut pending);
                    if stop == Stop::Paren && parens == 0 {
                        break i + 1;
                    }
                    parens = parens.saturating_sub(1);
                    cmd_pos = true;
                    mode = Mode::None;
                    word_start = true;
                    i += 1;
                }
                b'`' => {
                    if stop == Stop::Backtick {
                        self.finish(&mut pending);
                        break i + 1;
                    }
                    i = self.cmds(i + 1, end, Stop::Backtick);
                    word_start = false;
                }
                b'#' if word_start => {
                    while i < end && b[i] != b'\n' {
                        i += 1;
                    }
                }
                b'\\' => {
                    i += 2;
                    word_start = false;
                }
                b'\'' => {
                    if word_start {
                        Self::complex_word(&mut cmd_pos, &mut mode);
                    }
                    i = skip_single(b, i + 1, end);
                    word_start = false;
                }
                b'"' => {
                    if word_start {
                        Self::complex_word(&mut cmd_pos, &mut mode);
                    }
                    i = self.dquote(i + 1, end);
                    word_start = false;
                }
                b'$' => {
                    if word_start {
                        Self::complex_word(&mut cmd_pos, &mut mode);
                    }
                    i = self.expansion(i, end, false);
                    word_start = false;
                }
                b'<' if !arith && b.get(i + 1) == Some(&b'<') => {
                    if b.get(i + 2) == Some(&b'<') {
                        i += 3; // here-string
                    } else {
                        i = self.heredoc_op(i + 2, end);
                    }
                    word_start = true;
                }
                _ => {
                    if word_start {
                        word_start = false;
                        if cmd_pos || matches!(mode, Mode::Decl(_)) {
                            let window = slice(self.text, i, i.saturating_add(256).min(end));
                            if let Some(cap) = ASSIGN.captures(window) {
                                self.finish(&mut pending);
                                let name = cap[1].to_string();
                                if mode == Mode::Decl(DeclKind::Local) {
                                    self.found_declared.insert(name.clone());
                                }
                                self.assigning.push(name.clone());
                                pending = Some(name);
                                i += cap[0].len();
                                continue;
                            }
                        }
                        let mut e = i;
                        while e < end && is_simple_word_byte(b[e]) {
                            e += 1;
                        }
                        if e > i && (e >= end || is_word_break(b[e])) {
                            let word = slice(self.text, i, e).to_string();
                            self.word(&word, &mut cmd_pos, &mut mode);
                            i = e;
                            continue;
                        }
                        Self::complex_word(&mut cmd_pos, &mut mode);
                    }
                    i += 1;
                }
            }
        };
        self.depth -= 1;
        result
    }

    fn finish(&mut self, pending: &mut Option<String>) {
        if let Some(name) = pending.take() {
            self.assigning.pop();
            self.locals.insert(name);
        }
    }

    /// A plain word: keywords, declaration builtins and their operands.
    fn word(&mut self, w: &str, cmd_pos: &mut bool, mode: &mut Mode) {
        if *cmd_pos {
            *mode = Mode::None;
            match w {
                "if" | "then" | "else" | "elif" | "do" | "while" | "until" | "!" | "{" | "}"
                | "time" | "fi" | "done" | "esac" => return,
                "export" => *mode = Mode::Decl(DeclKind::Export),
                "local" | "declare" | "typeset" => *mode = Mode::Decl(DeclKind::Local),
                "readonly" => *mode = Mode::Decl(DeclKind::Readonly),
                "for" | "select" => *mode = Mode::For,
                "read" | "mapfile" | "readarray" => *mode = Mode::Read(false),
                "getopts" => *mode = Mode::Getopts(0),
                "printf" => *mode = Mode::Printf(false),
                _ => {}
            }
            *cmd_pos = false;
            return;
        }
        match *mode {
            Mode::None => {}
            Mode::Decl(kind) => {
                if kind != DeclKind::Export && is_ident(w) {
                    self.locals.insert(w.to_string());
                    if kind == DeclKind::Local {
                        self.found_declared.insert(w.to_string());
                    }
                }
            }
            Mode::For => {
                if is_ident(w) {
                    self.locals.insert(w.to_string());
                }
                *mode = Mode::None;
            }
            Mode::Read(skip_next) => {
                if skip_next {
                    *mode = Mode::Read(false);
                } else if let Some(opts) = w.strip_prefix('-') {
                    // `-p prompt`, `-d delim`, ... take the next word; `-a NAME` is an array name
                    *mode = Mode::Read(opts.ends_with(['p', 'd', 't', 'n', 'N', 'u', 'i']));
                } else if is_ident(w) {
                    self.locals.insert(w.to_string());
                }
            }
            Mode::Getopts(n) => {
                if !w.starts_with('-') {
                    if n == 1 && is_ident(w) {
                        self.locals.insert(w.to_string());
                    }
                    *mode = Mode::Getopts(n.saturating_add(1));
                }
            }
            Mode::Printf(after_v) => {
                if after_v && is_ident(w) {
                    self.locals.insert(w.to_string());
                }
                *mode = Mode::Printf(w == "-v");
            }
        }
    }

    /// A word that is not a plain literal (quoted, expanded): it still
    /// counts as an operand for the declaration modes.
    fn complex_word(cmd_pos: &mut bool, mode: &mut Mode) {
        if *cmd_pos {
            *cmd_pos = false;
            *mode = Mode::None;
            return;
        }
        *mode = match *mode {
            Mode::Read(_) => Mode::Read(false),
            Mode::Getopts(n) => Mode::Getopts(n.saturating_add(1)),
            Mode::Printf(_) => Mode::Printf(false),
            Mode::For => Mode::None,
            m => m,
        };
    }

    /// Inside double quotes, from after the opening quote.
    fn dquote(&mut self, mut i: usize, end: usize) -> usize {
        if self.depth >= MAX_DEPTH {
            return end;
        }
        self.depth += 1;
        let b = self.b;
        let result = loop {
            if i >= end {
                break end;
            }
            match b[i] {
                b'\\' => i += 2,
                b'"' => break i + 1,
                b'$' => i = self.expansion(i, end, true),
                b'`' => i = self.cmds(i + 1, end, Stop::Backtick),
                _ => i += 1,
            }
        };
        self.depth -= 1;
        result
    }

    /// At a `$`; returns the index after the expansion.
    fn expansion(&mut self, i: usize, end: usize, in_dq: bool) -> usize {
        let b = self.b;
        let j = i + 1;
        if j >= end {
            return j;
        }
        match b[j] {
            b'{' => self.brace(i, end, in_dq),
            b'(' => self.cmds(j + 1, end, Stop::Paren),
            b'\'' if !in_dq => skip_ansi_c(b, j + 1, end),
            b'"' if !in_dq => self.dquote(j + 1, end),
            c if is_ident_start(c) => {
                let mut k = j + 1;
                while k < end && is_ident_byte(b[k]) {
                    k += 1;
                }
                let name = slice(self.text, j, k).to_string();
                self.report(i, k, Some(&name), false);
                k
            }
            c if c.is_ascii_digit()
                || matches!(c, b'@' | b'*' | b'#' | b'?' | b'$' | b'!' | b'-' | b'_') =>
            {
                j + 1
            }
            _ => j,
        }
    }

    /// At `${`; returns the index after the closing `}`.
    fn brace(&mut self, i: usize, end: usize, in_dq: bool) -> usize {
        let b = self.b;
        let mut k = i + 2;
        let mut indirect = false;
        let mut length = false;
        match b.get(k) {
            Some(b'!') if b.get(k + 1).is_some_and(|&c| is_ident_start(c)) => {
                indirect = true;
                k += 1;
            }
            Some(b'#') if b.get(k + 1).is_some_and(|&c| is_ident_start(c)) => {
                length = true;
                k += 1;
            }
            _ => {}
        }
        let name_start = k;
        let name_end = if b.get(k).is_some_and(|&c| is_ident_start(c)) {
            let mut e = k + 1;
            while e < end && is_ident_byte(b[e]) {
                e += 1;
            }
            e
        } else {
            k // positional, special or malformed: nothing to report
        };
        let name =
            (name_end > name_start).then(|| slice(self.text, name_start, name_end).to_string());
        // `${ARR[i]:-d}`: the operator follows the subscript
        let mut op_at = name_end;
        if name.is_some() && b.get(op_at) == Some(&b'[') {
            let lim = end.min(op_at + 256);
            if let Some(p) = b[op_at..lim].iter().position(|&c| c == b']') {
                op_at += p + 1;
            }
        }
        let op = &b[op_at.min(end)..end.min(op_at + 2)];
        let has_default = matches!(op.first(), Some(b'-' | b'=' | b'+'))
            || (op.first() == Some(&b':') && matches!(op.get(1), Some(b'-' | b'=' | b'+')));
        let close = self.brace_word(name_end, end, in_dq);
        if let Some(name) = name {
            let simple_close = b.get(name_end) == Some(&b'}');
            if indirect {
                if simple_close {
                    self.report(i, close, None, false);
                }
            } else {
                self.report(i, close, Some(&name), has_default && !length);
            }
        }
        close
    }

    /// The rest of a `${...}` from `i`, scanning nested expansions; returns
    /// the index after the closing `}`. Stops at an unquoted newline.
    fn brace_word(&mut self, mut i: usize, end: usize, in_dq: bool) -> usize {
        if self.depth >= MAX_DEPTH {
            return end;
        }
        self.depth += 1;
        let b = self.b;
        let mut depth = 0usize;
        let result = loop {
            if i >= end {
                break end;
            }
            match b[i] {
                b'\\' => i += 2,
                b'$' => i = self.expansion(i, end, in_dq),
                b'`' => i = self.cmds(i + 1, end, Stop::Backtick),
                b'\'' if !in_dq => i = skip_single(b, i + 1, end),
                b'"' => i = self.dquote(i + 1, end),
                b'{' => {
                    depth += 1;
                    i += 1;
                }
                b'}' if depth == 0 => break i + 1,
                b'}' => {
                    depth -= 1;
                    i += 1;
                }
                b'\n' => break i,
                _ => i += 1,
            }
        };
        self.depth -= 1;
        result
    }

    /// After `<<`: records the heredoc delimiter; returns the index after it.
    fn heredoc_op(&mut self, mut i: usize, end: usize) -> usize {
        let b = self.b;
        let strip_tabs = b.get(i) == Some(&b'-');
        if strip_tabs {
            i += 1;
        }
        while i < end && matches!(b[i], b' ' | b'\t') {
            i += 1;
        }
        let mut delim = Vec::new();
        let mut quoted = false;
        while i < end && !is_word_break(b[i]) {
            match b[i] {
                q @ (b'\'' | b'"') => {
                    quoted = true;
                    i += 1;
                    while i < end && b[i] != q && b[i] != b'\n' {
                        delim.push(b[i]);
                        i += 1;
                    }
                    i += 1;
                }
                b'\\' => {
                    quoted = true;
                    i += 1;
                }
                c => {
                    delim.push(c);
                    i += 1;
                }
            }
        }
        let plausible = delim.first().is_some_and(|&c| is_ident_start(c))
            && delim
                .iter()
                .all(|&c| is_ident_byte(c) || c == b'-' || c == b'.');
        if plausible {
            self.heredocs.push(Heredoc {
                delim,
                quoted,
                strip_tabs,
            });
        }
        i.min(end)
    }

    /// At the start of the line after a heredoc operator: consumes the
    /// bodies, scanning unquoted ones for expansions.
    fn heredoc_bodies(&mut self, mut i: usize, end: usize) -> usize {
        let docs = std::mem::take(&mut self.heredocs);
        let b = self.b;
        for doc in docs {
            let body_start = i;
            let mut body_end = end;
            while i < end {
                let le = b[i..end]
                    .iter()
                    .position(|&c| c == b'\n')
                    .map_or(end, |p| i + p);
                let mut line = &b[i..le];
                if doc.strip_tabs {
                    while let [b'\t', rest @ ..] = line {
                        line = rest;
                    }
                }
                if let [rest @ .., b'\r'] = line {
                    line = rest;
                }
                if line == doc.delim.as_slice() {
                    body_end = i;
                    i = (le + 1).min(end);
                    break;
                }
                i = (le + 1).min(end);
                if le >= end {
                    break;
                }
            }
            if !doc.quoted {
                self.plain(body_start, body_end.min(end));
            }
        }
        i
    }

    /// Unquoted heredoc body: expansions and backslash escapes only.
    fn plain(&mut self, mut i: usize, end: usize) {
        let b = self.b;
        while i < end {
            match b[i] {
                b'\\' => i += 2,
                b'$' => i = self.expansion(i, end, true),
                b'`' => i = self.cmds(i + 1, end, Stop::Backtick),
                _ => i += 1,
            }
        }
    }
}

fn skip_single(b: &[u8], i: usize, end: usize) -> usize {
    b[i.min(end)..end]
        .iter()
        .position(|&c| c == b'\'')
        .map_or(end, |p| i + p + 1)
}

/// `$'...'` with backslash escapes.
fn skip_ansi_c(b: &[u8], mut i: usize, end: usize) -> usize {
    while i < end {
        match b[i] {
            b'\\' => i += 2,
            b'\'' => return i + 1,
            _ => i += 1,
        }
    }
    end
}

#[cfg(test)]
mod tests {
    use super::super::common::testutil::{check, Row};
    use super::super::SourceKind;

    fn sh(cases: &[(&str, &[Row])]) {
        check(SourceKind::Shell, cases);
    }

    #[test]
    fn expansions() {
        sh(&[
            ("echo $DATABASE_URL", &[(Some("DATABASE_URL"), 1, 6, false)]),
            (
                "echo ${DATABASE_URL}",
                &[(Some("DATABASE_URL"), 1, 6, false)],
            ),
            ("echo \"${PORT:-8080}\"", &[(Some("PORT"), 1, 7, true)]),
            ("echo ${PORT-8080}", &[(Some("PORT"), 1, 6, true)]),
            ("echo ${PORT:=8080}", &[(Some("PORT"), 1, 6, true)]),
            ("echo ${FLAGS:+--verbose}", &[(Some("FLAGS"), 1, 6, true)]),
            (
                "echo ${TOKEN:?TOKEN is required}",
                &[(Some("TOKEN"), 1, 6, false)],
            ),
            ("echo ${TOKEN?missing}", &[(Some("TOKEN"), 1, 6, false)]),
            ("echo ${#TOKEN}", &[(Some("TOKEN"), 1, 6, false)]),
            (
                "echo ${NAME%.*} ${NAME/a/b} ${NAME:0:3}",
                &[
                    (Some("NAME"), 1, 6, false),
                    (Some("NAME"), 1, 17, false),
                    (Some("NAME"), 1, 29, false),
                ],
            ),
            (
                "echo ${A:-${B:-x}}",
                &[(Some("A"), 1, 6, true), (Some("B"), 1, 11, true)],
            ),
            (
                "echo ${A:-\"$B\"}",
                &[(Some("A"), 1, 6, true), (Some("B"), 1, 12, false)],
            ),
            (
                "x=\"$(curl -H \"Authorization: $API_TOKEN\" $URL)\"",
                &[
                    (Some("API_TOKEN"), 1, 30, false),
                    (Some("URL"), 1, 42, false),
                ],
            ),
            ("x=`echo $A`", &[(Some("A"), 1, 9, false)]),
            ("echo ${!REF}", &[(None, 1, 6, false)]),
            (
                "echo $A$B",
                &[(Some("A"), 1, 6, false), (Some("B"), 1, 8, false)],
            ),
            (
                "echo \"$A\"'$B'\"$C\"",
                &[(Some("A"), 1, 7, false), (Some("C"), 1, 15, false)],
            ),
            ("echo é $A", &[(Some("A"), 1, 8, false)]),
            ("echo $'\\n $A' $B", &[(Some("B"), 1, 15, false)]),
            ("echo $((COUNT + $STEP))", &[(Some("STEP"), 1, 17, false)]),
            ("echo $(( 1 << 2 ))\necho $X", &[(Some("X"), 2, 6, false)]),
        ]);
    }

    #[test]
    fn ignored() {
        sh(&[
            ("echo $1 $@ $? $$ $# $! $0 $* $- ${10} ${#} ${@}", &[]),
            (
                "echo $HOME $PATH $PWD $USER $SHELL $IFS $RANDOM $LINENO ${BASH_SOURCE[0]} $LC_ALL",
                &[],
            ),
            ("# echo $X", &[]),
            ("  # ${X}", &[]),
            ("echo a # $X", &[]),
            ("echo a#$X", &[(Some("X"), 1, 8, false)]),
            ("echo '$X ${Y}'", &[]),
            ("echo \\$X", &[]),
            ("echo \"\\$X\"", &[]),
            ("X=1\necho $X", &[]),
            ("export X=1; echo $X", &[]),
            ("local X; echo $X", &[]),
            ("declare -r X=1\necho $X", &[]),
            ("readonly X=1\necho $X", &[]),
            ("for f in *; do echo \"$f\"; done", &[]),
            ("read -r -p \"name: \" NAME\necho $NAME", &[]),
            ("while read -r line; do echo $line; done < f", &[]),
            (
                "while getopts \"ab:\" opt; do case $opt in a) echo $OPTARG;; esac; done",
                &[],
            ),
            ("printf -v OUT '%s' x; echo $OUT", &[]),
            ("arr=(a b)\necho ${arr[@]}", &[]),
            (
                "cat <<'EOF'\n$X ${Y}\nEOF\necho $Z",
                &[(Some("Z"), 4, 6, false)],
            ),
            ("cat <<\"EOF\"\n$X\nEOF", &[]),
            ("f() {\n  local tmp=$1\n  echo $tmp\n}", &[]),
        ]);
    }

    #[test]
    fn locals_are_positional() {
        sh(&[
            ("echo $X\nX=2\necho $X", &[(Some("X"), 1, 6, false)]),
            ("X=\"${X:-default}\"\necho $X", &[(Some("X"), 1, 4, true)]),
            (
                "export PORT=${PORT:-8080}\nexec app --port $PORT",
                &[(Some("PORT"), 1, 13, true)],
            ),
            ("A=1 B=$A", &[]),
            ("echo X=$Y", &[(Some("Y"), 1, 8, false)]),
            (
                "export DB_URL\necho $DB_URL",
                &[(Some("DB_URL"), 2, 6, false)],
            ),
            // declared in a function defined later: still script-local
            ("a() { echo \"${ITEMS[0]:-}\" $ITEMS; }\nb() { declare -ag ITEMS=(); local n; }\necho $n", &[]),
            ("f() { local PORT=\"${PORT:-8080}\"; echo $PORT; }", &[(Some("PORT"), 1, 19, true)]),
            ("readonly LEVEL=\"${LEVEL:-info}\"\necho $LEVEL", &[(Some("LEVEL"), 1, 17, true)]),
            ("ARGS=\"\"\nARGS=\"$ARGS --x\"", &[]),
            ("echo ${ARR[1]:-d} ${MAP[k]}", &[(Some("ARR"), 1, 6, true), (Some("MAP"), 1, 19, false)]),
        ]);
    }

    #[test]
    fn heredocs_and_entrypoint() {
        sh(&[
            ("cat <<EOF > /etc/app.conf\nurl=$DATABASE_URL\nport=${PORT:-80}\nEOF\necho done", &[
                (Some("DATABASE_URL"), 2, 5, false),
                (Some("PORT"), 3, 6, true),
            ]),
            ("cat <<-EOF\n\t$A\n\tEOF\necho $B", &[(Some("A"), 2, 2, false), (Some("B"), 4, 6, false)]),
            (
                "#!/bin/sh\nset -eu\n: \"${SECRET_KEY:?must be set}\"\nif [ -z \"${REDIS_URL:-}\" ]; then\n  echo \"no redis\"\nfi\nexec gunicorn app:app --workers \"${WEB_CONCURRENCY:-2}\"",
                &[
                    (Some("SECRET_KEY"), 3, 4, false),
                    (Some("REDIS_URL"), 4, 10, true),
                    (Some("WEB_CONCURRENCY"), 7, 34, true),
                ],
            ),
        ]);
    }
}
