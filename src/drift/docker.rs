//! Dockerfiles (`ARG` reads, `ENV` provisions, `$X` references) and compose
//! files (`${X}` interpolation, `environment:` pass-through entries).

use std::collections::HashSet;
use std::sync::LazyLock;

use regex::Regex;

use super::common::{
    is_ident, is_ident_byte, is_ident_start, mask_comments, slice, CommentStyle, Raw,
};
use super::shell::{self, is_shell_builtin};

/// Build args Docker/BuildKit define themselves.
const PREDEFINED_ARGS: &[&str] = &[
    "HTTP_PROXY",
    "http_proxy",
    "HTTPS_PROXY",
    "https_proxy",
    "FTP_PROXY",
    "ftp_proxy",
    "NO_PROXY",
    "no_proxy",
    "ALL_PROXY",
    "all_proxy",
    "TARGETPLATFORM",
    "TARGETOS",
    "TARGETARCH",
    "TARGETVARIANT",
    "BUILDPLATFORM",
    "BUILDOS",
    "BUILDARCH",
    "BUILDVARIANT",
    "SOURCE_DATE_EPOCH",
];

fn docker_builtin(name: &str) -> bool {
    PREDEFINED_ARGS.contains(&name) || name.starts_with("BUILDKIT_") || is_shell_builtin(name)
}

/// Host variables compose reads that are never deployment configuration.
const COMPOSE_BUILTINS: &[&str] = &[
    "HOME", "PWD", "OLDPWD", "PATH", "USER", "LOGNAME", "SHELL", "TERM", "LANG", "TMPDIR",
];

fn compose_builtin(name: &str) -> bool {
    COMPOSE_BUILTINS.contains(&name)
}

static ENV_KEY: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^(?:-[ \t]+)?environment[ \t]*:[ \t]*$").expect("valid regex"));
static MAP_NULL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"^(["']?)([A-Za-z_][A-Za-z0-9_]*)["']?[ \t]*:[ \t]*(?:~|null|Null|NULL)?[ \t]*$"#)
        .expect("valid regex")
});

// ---------------------------------------------------------------------------
// Dockerfile
// ---------------------------------------------------------------------------

/// One instruction, continuation lines included.
struct Instr {
    keyword: String,
    body_start: usize,
    end: usize,
}

fn escape_char(text: &str) -> u8 {
    // parser directives sit at the very top, before anything else
    for line in text.lines().take(5) {
        let t = line.trim();
        let Some(d) = t.strip_prefix('#') else { break };
        let d = d.trim().to_ascii_lowercase();
        if let Some(v) = d.strip_prefix("escape") {
            if v.trim_start().strip_prefix('=').map(str::trim) == Some("`") {
                return b'`';
            }
        }
    }
    b'\\'
}

fn instructions(m: &str, esc: u8) -> Vec<Instr> {
    let b = m.as_bytes();
    let n = b.len();
    let mut out = Vec::new();
    let mut i = 0;
    let line_end = |i: usize| b[i..].iter().position(|&c| c == b'\n').map_or(n, |p| i + p);
    while i < n {
        let le = line_end(i);
        let mut s = i;
        while s < le && matches!(b[s], b' ' | b'\t' | b'\r') {
            s += 1;
        }
        if s >= le {
            i = le + 1;
            continue;
        }
        let mut kw_end = s;
        while kw_end < le && b[kw_end].is_ascii_alphabetic() {
            kw_end += 1;
        }
        let keyword = m[s..kw_end].to_ascii_uppercase();
        // heredoc delimiter(s) on the first line (BuildKit `RUN <<EOF`)
        let first_line = slice(m, kw_end, le);
        let heredoc = first_line.find("<<").and_then(|p| {
            let rest = first_line[p + 2..].trim_start_matches('-').trim_start();
            let rest = rest.trim_start_matches(['"', '\'']);
            let d: String = rest
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            (!d.is_empty() && d.as_bytes()[0].is_ascii_alphabetic()).then_some(d)
        });
        // follow continuation lines
        let mut end = le;
        let mut cur_end = le;
        loop {
            let mut t = cur_end;
            while t > i && matches!(b[t - 1], b' ' | b'\t' | b'\r') {
                t -= 1;
            }
            if t == 0 || b[t - 1] != esc || cur_end >= n {
                break;
            }
            // skip blank lines (masked comments) inside the continuation
            let mut next = cur_end + 1;
            loop {
                if next >= n {
                    break;
                }
                let nle = line_end(next);
                if slice(m, next, nle).trim().is_empty() {
                    next = nle + 1;
                    continue;
                }
                break;
            }
            if next >= n {
                break;
            }
            cur_end = line_end(next);
            end = cur_end;
        }
        if let Some(delim) = heredoc {
            let mut j = end + 1;
            while j < n {
                let e = line_end(j);
                let line = slice(m, j, e)
                    .trim_end_matches('\r')
                    .trim_start_matches('\t');
                end = e;
                j = e + 1;
                if line == delim {
                    break;
                }
            }
        }
        out.push(Instr {
            keyword,
            body_start: kw_end,
            end: end.min(n),
        });
        i = end + 1;
    }
    out
}

/// `KEY=value` pairs (or legacy `KEY value`) of an ENV/ARG body with the
/// byte offset of each key.
fn assignments(
    m: &str,
    from: usize,
    to: usize,
    esc: u8,
    legacy: bool,
) -> Vec<(usize, usize, String, bool)> {
    let b = m.as_bytes();
    let mut out = Vec::new();
    let mut i = from;
    let mut first = true;
    while i < to {
        while i < to
            && (b[i].is_ascii_whitespace()
                || (b[i] == esc && b.get(i + 1).is_some_and(u8::is_ascii_whitespace)))
        {
            i += 1;
        }
        if i >= to {
            break;
        }
        if b[i] == b'#' {
            // `ARG RUN_TESTS=0 # 0=never, 1=native only`: the rest is a comment
            break;
        }
        let key_start = i;
        let key_end = if is_ident_start(b[i]) {
            let mut e = i + 1;
            while e < to && (is_ident_byte(b[e]) || b[e] == b'.' || b[e] == b'-') {
                e += 1;
            }
            e
        } else {
            i
        };
        // token end, honouring quotes
        let mut j = key_end.max(i);
        while j < to && !b[j].is_ascii_whitespace() {
            match b[j] {
                q @ (b'"' | b'\'') => {
                    j += 1;
                    while j < to && b[j] != q {
                        j += if b[j] == esc && q == b'"' { 2 } else { 1 };
                    }
                    j += 1;
                }
                c if c == esc => j += 2,
                _ => j += 1,
            }
        }
        let j = j.min(to);
        let has_eq = b.get(key_end) == Some(&b'=');
        if key_end > key_start {
            let key = m[key_start..key_end].to_string();
            if legacy && first && !has_eq && key_end == j {
                // legacy `ENV KEY value with spaces`
                out.push((key_start, to, key, false));
                return out;
            }
            out.push((key_start, j, key, has_eq));
        }
        first = false;
        i = j.max(i + 1);
    }
    out
}

/// `${X}`/`$X` substitution (Docker instructions, compose files). `${X:-d}`,
/// `${X-d}`, `${X:+d}`, `${X+d}`, `${X:=d}` count as defaults; `${X:?e}` and
/// `${X?e}` are required.
fn interpolations(m: &str, from: usize, to: usize, compose: bool, esc: u8, out: &mut Vec<Raw>) {
    let b = m.as_bytes();
    let to = to.min(b.len());
    let mut i = from;
    let skip = |name: &str| {
        if compose {
            compose_builtin(name)
        } else {
            docker_builtin(name)
        }
    };
    while i < to {
        let c = b[i];
        if !compose && c == esc {
            i += 2;
            continue;
        }
        if c != b'$' || i + 1 >= to {
            i += 1;
            continue;
        }
        let next = b[i + 1];
        if compose && next == b'$' {
            i += 2;
            continue;
        }
        if next == b'{' {
            let ns = i + 2;
            let mut ne = ns;
            if ne < to && is_ident_start(b[ne]) {
                ne += 1;
                while ne < to && is_ident_byte(b[ne]) {
                    ne += 1;
                }
            }
            if ne == ns || ne >= to {
                i = ns;
                continue;
            }
            let op = &b[ne..to.min(ne + 2)];
            let (has_default, op_len) = match op {
                [b'}', ..] => (false, 0),
                [b':', b'-' | b'+' | b'=', ..] => (true, 2),
                [b':', b'?', ..] => (false, 2),
                [b'-' | b'+' | b'=', ..] => (true, 1),
                [b'?', ..] => (false, 1),
                _ => {
                    i = ne;
                    continue;
                }
            };
            // matching brace, for the snippet
            let mut end = ne + 1;
            if op_len > 0 {
                let mut depth = 0usize;
                let mut j = ne + op_len;
                let lim = to.min(j + 1024);
                while j < lim && b[j] != b'\n' {
                    match b[j] {
                        b'{' => depth += 1,
                        b'}' if depth == 0 => {
                            end = j + 1;
                            break;
                        }
                        b'}' => depth -= 1,
                        _ => {}
                    }
                    j += 1;
                }
            }
            let name = &m[ns..ne];
            if !skip(name) {
                out.push(Raw::new(i, end, Some(name.to_string()), has_default));
            }
            // continue inside the default/message: it may hold more references
            i = if op_len == 0 { ne + 1 } else { ne + op_len };
            continue;
        }
        if is_ident_start(next) {
            let mut e = i + 2;
            while e < to && is_ident_byte(b[e]) {
                e += 1;
            }
            let name = &m[i + 1..e];
            if !skip(name) {
                out.push(Raw::new(i, e, Some(name.to_string()), false));
            }
            i = e;
            continue;
        }
        i += 1;
    }
}

/// Dockerfile reads: `ARG` declarations (default when `ARG X=d`) and `$X` /
/// `${X}` references in any instruction (`RUN`/`CMD`/`ENTRYPOINT`/
/// `HEALTHCHECK`/`ONBUILD` bodies are lexed as shell, so shell locals and
/// quoting are honoured). A reference to a name an earlier `ENV` or
/// `ARG X=d` gave a value counts as having a default, and so does a stage's
/// `ARG X` after a global `ARG X=d` (it inherits the default).
///
/// Everything but `CMD`, `ENTRYPOINT` and `HEALTHCHECK` runs while the image
/// is built: those reads are build arguments, not runtime configuration.
pub(super) fn extract_dockerfile(text: &str) -> Vec<Raw> {
    let m = mask_comments(text, CommentStyle::LineHash { bang: false });
    let esc = escape_char(text);
    let mut out = Vec::new();
    // names given a value so far: (offset, name)
    let mut valued: Vec<(usize, String)> = Vec::new();
    // `ARG X=d` before the first `FROM`: stages that redeclare `ARG X` get `d`
    let mut global_defaults: HashSet<String> = HashSet::new();
    let mut before_first_from = true;
    let none = HashSet::new();
    for ins in instructions(&m, esc) {
        let mut refs = Vec::new();
        let runtime = matches!(ins.keyword.as_str(), "CMD" | "ENTRYPOINT" | "HEALTHCHECK");
        match ins.keyword.as_str() {
            "FROM" => {
                interpolations(&m, ins.body_start, ins.end, false, esc, &mut refs);
                before_first_from = false;
            }
            "ARG" => {
                for (start, end, name, has_eq) in
                    assignments(&m, ins.body_start, ins.end, esc, false)
                {
                    if docker_builtin(&name) {
                        continue;
                    }
                    if has_eq {
                        valued.push((start, name.clone()));
                        interpolations(&m, start + name.len() + 1, end, false, esc, &mut refs);
                        if before_first_from {
                            global_defaults.insert(name.clone());
                        }
                    }
                    let inherited =
                        !has_eq && !before_first_from && global_defaults.contains(&name);
                    out.push(Raw {
                        build_time: true,
                        ..Raw::new(start, end, Some(name), has_eq || inherited)
                    });
                }
            }
            "ENV" => {
                for (start, end, name, _) in assignments(&m, ins.body_start, ins.end, esc, true) {
                    interpolations(&m, start + name.len(), end, false, esc, &mut refs);
                    valued.push((start, name));
                }
            }
            "RUN" | "CMD" | "ENTRYPOINT" | "HEALTHCHECK" | "ONBUILD" | "SHELL" if esc == b'\\' => {
                shell::scan(&m, ins.body_start, ins.end, &none, &mut refs);
                refs.retain(|r| r.name.as_deref().is_none_or(|n| !docker_builtin(n)));
            }
            _ => interpolations(&m, ins.body_start, ins.end, false, esc, &mut refs),
        }
        for mut r in refs {
            if let Some(n) = &r.name {
                if valued.iter().any(|(at, v)| v == n && *at < r.start) {
                    r.has_default = true;
                }
            }
            r.build_time = !runtime;
            out.push(r);
        }
    }
    out
}

/// Variables a Dockerfile sets with `ENV` (both `ENV K=V ...` and legacy
/// `ENV K V`), with their 1-based line, in file order.
pub fn extract_dockerfile_provided(text: &str) -> Vec<(String, u32)> {
    let m = mask_comments(text, CommentStyle::LineHash { bang: false });
    let esc = escape_char(text);
    let mut found: Vec<(usize, String)> = Vec::new();
    for ins in instructions(&m, esc)
        .into_iter()
        .filter(|i| i.keyword == "ENV")
    {
        for (start, _, name, _) in assignments(&m, ins.body_start, ins.end, esc, true) {
            if is_ident(&name) {
                found.push((start, name));
            }
        }
    }
    let b = m.as_bytes();
    let (mut pos, mut line) = (0usize, 1u32);
    found
        .into_iter()
        .map(|(at, name)| {
            let at = at.min(b.len());
            if at >= pos {
                line =
                    line.saturating_add(b[pos..at].iter().filter(|&&c| c == b'\n').count() as u32);
                pos = at;
            }
            (name, line)
        })
        .collect()
}

// ---------------------------------------------------------------------------
// Compose
// ---------------------------------------------------------------------------

/// Compose files: `${X}`, `$X`, `${X:-d}`, `${X-d}`, `${X:?e}`, `${X?e}`
/// interpolation anywhere (`$$` is an escape), plus `environment:` entries
/// without a value (`- API_KEY`, `API_KEY:`), which pass the host variable
/// through.
pub(super) fn extract_compose(text: &str) -> Vec<Raw> {
    let m = mask_comments(text, CommentStyle::Yaml);
    let mut out = Vec::new();
    interpolations(&m, 0, m.len(), true, b'\\', &mut out);
    pass_through(&m, &mut out);
    out
}

fn pass_through(m: &str, out: &mut Vec<Raw>) {
    let mut env_indent: Option<usize> = None;
    let mut offset = 0usize;
    for line in m.split('\n') {
        let line_start = offset;
        offset += line.len() + 1;
        let body = line.trim_end_matches('\r');
        let trimmed = body.trim_start();
        if trimmed.is_empty() {
            continue;
        }
        let indent = body.len() - trimmed.len();
        let item_pos = line_start + indent;
        if let Some(ei) = env_indent {
            if indent > ei
                || (indent == ei && trimmed.starts_with('-') && !ENV_KEY.is_match(trimmed))
            {
                if let Some(item) = trimmed.strip_prefix('-') {
                    if !item.starts_with([' ', '\t']) && !item.is_empty() {
                        continue;
                    }
                    let lead = item.len() - item.trim_start().len();
                    let value = item.trim();
                    let unquoted = value.trim_matches(|c| c == '"' || c == '\'');
                    let quote_off = usize::from(unquoted.len() != value.len());
                    if is_ident(unquoted) && !compose_builtin(unquoted) {
                        let start = item_pos + 1 + lead + quote_off;
                        out.push(Raw::new(
                            start,
                            start + unquoted.len(),
                            Some(unquoted.to_string()),
                            false,
                        ));
                    }
                } else if let Some(cap) = MAP_NULL.captures(trimmed) {
                    let name = &cap[2];
                    if !compose_builtin(name) {
                        let start = item_pos + cap[1].len();
                        out.push(Raw::new(
                            start,
                            start + name.len(),
                            Some(name.to_string()),
                            false,
                        ));
                    }
                }
                continue;
            }
            env_indent = None;
        }
        if ENV_KEY.is_match(trimmed) {
            env_indent = Some(indent + if trimmed.starts_with('-') { 2 } else { 0 });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::common::testutil::{check, Row};
    use super::super::SourceKind;
    use super::extract_dockerfile_provided;

    #[test]
    fn dockerfile() {
        let cases: &[(&str, &[Row])] = &[
            (
                "FROM python:3.12\nARG VERSION\nARG PIP_INDEX=https://pypi.org\nENV APP_HOME=/app PORT=8000\nRUN echo ${VERSION} && pip install -i $PIP_INDEX app\nCMD gunicorn -b 0.0.0.0:${PORT} --workers ${WORKERS:-2}\n",
                &[
                    (Some("VERSION"), 2, 5, false),
                    (Some("PIP_INDEX"), 3, 5, true),
                    (Some("VERSION"), 5, 10, false),
                    (Some("PIP_INDEX"), 5, 39, true),
                    (Some("PORT"), 6, 25, true),
                    (Some("WORKERS"), 6, 43, true),
                ],
            ),
            ("ARG BASE=alpine\nFROM ${BASE}:3.19", &[(Some("BASE"), 1, 5, true), (Some("BASE"), 2, 6, true)]),
            ("FROM alpine\nARG TARGETARCH\nARG A B=1\nRUN echo $TARGETARCH $HOME $PATH", &[
                (Some("A"), 3, 5, false),
                (Some("B"), 3, 7, true),
            ]),
            (
                "RUN for f in /etc/*.conf; do \\\n      echo \"$f\" $CONF_DIR; \\\n    done",
                &[(Some("CONF_DIR"), 2, 17, false)],
            ),
            ("# RUN echo $X\n  # ARG Y\nRUN echo '$Z' \\$W", &[]),
            ("ENV PATH=/app/bin:$PATH LOG=${LOG_LEVEL:-info}", &[(Some("LOG_LEVEL"), 1, 29, true)]),
            ("RUN <<EOF\napt-get install -y $PKG\nEOF\nRUN echo $AFTER", &[
                (Some("PKG"), 2, 20, false),
                (Some("AFTER"), 4, 10, false),
            ]),
            ("CMD [\"sh\", \"-c\", \"exec app --port $PORT\"]", &[(Some("PORT"), 1, 35, false)]),
        ];
        check(SourceKind::Dockerfile, cases);
    }

    #[test]
    fn stage_args_inherit_global_defaults_and_comments_are_not_names() {
        let cases: &[(&str, &[Row])] = &[
            (
                "ARG APP_PATH=/opt/app\nFROM node:22 AS base\nARG APP_PATH\nWORKDIR $APP_PATH\nFROM base\nARG OTHER\n",
                &[
                    (Some("APP_PATH"), 1, 5, true),
                    (Some("APP_PATH"), 3, 5, true),
                    (Some("APP_PATH"), 4, 9, true),
                    (Some("OTHER"), 6, 5, false),
                ],
            ),
            // a stage's own `ARG X` does not inherit from an earlier stage's `ARG X=d`
            (
                "FROM a\nARG X=1\nFROM b\nARG X\n",
                &[(Some("X"), 2, 5, true), (Some("X"), 4, 5, false)],
            ),
            (
                "FROM a\nARG RUN_TESTS=0 # 0=never, 1=native only\nENV MODE=prod # the mode\n",
                &[(Some("RUN_TESTS"), 2, 5, true)],
            ),
        ];
        check(SourceKind::Dockerfile, cases);
        assert_eq!(
            extract_dockerfile_provided("FROM a\nENV MODE=prod # the mode\n"),
            vec![("MODE".to_string(), 2)]
        );
    }

    /// Build steps read build arguments; only `CMD`/`ENTRYPOINT`/`HEALTHCHECK`
    /// run in the container.
    #[test]
    fn build_time_and_runtime_reads() {
        let src = "FROM a\nARG VERSION\nRUN echo $TOKEN\nCOPY $SRC /app\nCMD serve --port $PORT\nENTRYPOINT [\"sh\", \"-c\", \"run $MODE\"]\n";
        let got: Vec<(String, bool)> = super::super::extract_env_reads(SourceKind::Dockerfile, src)
            .into_iter()
            .filter_map(|r| r.name.map(|n| (n, r.build_time)))
            .collect();
        let want: Vec<(String, bool)> = [
            ("VERSION", true),
            ("TOKEN", true),
            ("SRC", true),
            ("PORT", false),
            ("MODE", false),
        ]
        .iter()
        .map(|(n, b)| (n.to_string(), *b))
        .collect();
        assert_eq!(got, want);
    }

    #[test]
    fn dockerfile_provided() {
        let src = "FROM x\n# ENV NOPE=1\nENV A=1 B=\"two words\" \\\n    C=3\nENV LEGACY some value\nenv lower=1\nARG NOT_ENV=1\n";
        assert_eq!(
            extract_dockerfile_provided(src),
            vec![
                ("A".to_string(), 3),
                ("B".to_string(), 3),
                ("C".to_string(), 4),
                ("LEGACY".to_string(), 5),
                ("lower".to_string(), 6),
            ]
        );
        assert!(extract_dockerfile_provided("").is_empty());
    }

    #[test]
    fn compose() {
        let cases: &[(&str, &[Row])] = &[
            (
                "services:\n  web:\n    image: \"app:${TAG:-latest}\"\n    ports:\n      - \"${PORT}:8000\"\n    environment:\n      - DATABASE_URL=${DATABASE_URL:?set it}\n      - DEBUG=0\n      - API_KEY\n      - \"QUOTED\"\n      - REDIS=${REDIS-redis://r}\n    command: sh -c 'echo $$HOME $${X}'\n",
                &[
                    (Some("TAG"), 3, 17, true),
                    (Some("PORT"), 5, 10, false),
                    (Some("DATABASE_URL"), 7, 22, false),
                    (Some("API_KEY"), 9, 9, false),
                    (Some("QUOTED"), 10, 10, false),
                    (Some("REDIS"), 11, 15, true),
                ],
            ),
            (
                "services:\n  db:\n    environment:\n      POSTGRES_PASSWORD: ${PG_PASS:?required}\n      PASSTHROUGH:\n      EXPLICIT_NULL: ~\n      SET: value\n    volumes:\n      - data:/var/lib\n",
                &[
                    (Some("PG_PASS"), 4, 26, false),
                    (Some("PASSTHROUGH"), 5, 7, false),
                    (Some("EXPLICIT_NULL"), 6, 7, false),
                ],
            ),
            ("x: ${A?err} ${B:+alt} $C ${D+x}", &[
                (Some("A"), 1, 4, false),
                (Some("B"), 1, 13, true),
                (Some("C"), 1, 23, false),
                (Some("D"), 1, 26, true),
            ]),
            ("x: ${A:-${B:-d}}", &[(Some("A"), 1, 4, true), (Some("B"), 1, 9, true)]),
            ("# image: ${IMG}\nx: y # ${COMMENT}\nv: ${PWD}/data:${HOME}", &[]),
            ("x: ${1} ${-} ${ A } $ {A}", &[]),
        ];
        check(SourceKind::Compose, cases);
    }
}
