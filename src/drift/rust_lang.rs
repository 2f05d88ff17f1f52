//! Rust: `std::env::var`, `env::var_os`, `dotenvy::var`, `env!`,
//! `option_env!`, and clap/structopt `#[arg(env = "X")]` attributes.

use std::sync::LazyLock;

use regex::Regex;

use super::common::{
    followed_by, ident_end, kwarg, line_before, mask_comments, parse_literal, skip_ws, slice,
    split_args, trimmed_start, CommentStyle, Flavor, Lit, Raw,
};
use super::usage::{self, Lang};

static VAR: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?-u:\b)(?:(?:std|core)[ \t]*::[ \t]*)?(?:env|dotenvy|dotenv)[ \t]*::[ \t]*(?:var_os|var)[ \t]*\(")
        .expect("valid regex")
});
static MACRO: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?-u:\b)(option_env|env)[ \t]*![ \t]*\(").expect("valid regex"));
static CLAP_ATTR: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"#[ \t]*\[[ \t]*(?:arg|clap|structopt)[ \t]*\(").expect("valid regex")
});
/// `if let Ok(v) = ` right before the read.
static IF_LET: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:if|while)[ \t]+let[ \t]+(?:Ok|Some)[ \t]*\([^()]*\)[ \t]*=$")
        .expect("valid regex")
});
/// The field a clap attribute belongs to.
static FIELD: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(?:pub(?:[ \t]*\([^)]*\))?[ \t]+)?([A-Za-z_][A-Za-z0-9_]*)[ \t]*:[ \t]*([A-Za-z_][A-Za-z0-9_:]*)")
        .expect("valid regex")
});

/// Methods that turn a missing variable into a value or a check.
const DEFAULTING: &[&str] = &[
    "unwrap_or",
    "unwrap_or_else",
    "unwrap_or_default",
    "ok",
    "is_ok",
    "is_err",
    "is_some",
    "is_none",
    "map_or",
    "map_or_else",
];

const STYLE: CommentStyle = CommentStyle::CLike {
    nested: true,
    backtick: false,
    backtick_escapes: false,
    rust_quotes: true,
};

pub(super) fn extract(text: &str) -> Vec<Raw> {
    let m = mask_comments(text, STYLE);
    let mut out = Vec::new();
    calls(&m, &mut out);
    macros(&m, &mut out);
    if m.contains("env") {
        clap(&m, &mut out);
    }
    usage::refine_masked(Lang::Rust, &m, &mut out);
    out
}

fn name_of(m: &str, args: &super::common::Args) -> Option<Option<String>> {
    match args.get(m, 0).map(|a| parse_literal(a, Flavor::Rust)) {
        Some(Lit::Static(s)) => Some(Some(s)),
        Some(Lit::Dynamic) => Some(None),
        _ => None,
    }
}

/// `.unwrap_or(...)` & co. chained directly after the call closing at `close`.
fn chained_default(b: &[u8], after: usize) -> bool {
    let j = skip_ws(b, after, 256);
    if b.get(j) != Some(&b'.') {
        return false;
    }
    let k = skip_ws(b, j + 1, 256);
    let e = ident_end(b, k);
    e > k && std::str::from_utf8(&b[k..e]).is_ok_and(|w| DEFAULTING.contains(&w))
}

fn calls(m: &str, out: &mut Vec<Raw>) {
    let b = m.as_bytes();
    for whole in VAR.find_iter(m) {
        let args = split_args(m, whole.end(), m.len(), Some(b')'));
        let Some(name) = name_of(m, &args) else {
            continue;
        };
        let has_default = args.close.is_some_and(|c| chained_default(b, c + 1))
            || IF_LET.is_match(line_before(m, whole.start()));
        // `env::var("X")?`, `.unwrap()`, `.expect(…)`: an error when X is missing
        let strict = !has_default
            && args.close.is_some_and(|c| {
                followed_by(b, c + 1, "?")
                    || followed_by(b, c + 1, ".unwrap()")
                    || followed_by(b, c + 1, ".expect(")
            });
        out.push(Raw {
            strict,
            ..Raw::new(whole.start(), args.end_or(whole.end()), name, has_default)
        });
    }
}

/// Set by cargo at build time; not deployment configuration.
fn cargo_provided(name: &str) -> bool {
    name.starts_with("CARGO_")
        || matches!(name, "OUT_DIR" | "TARGET" | "HOST" | "PROFILE" | "RUSTC")
}

fn macros(m: &str, out: &mut Vec<Raw>) {
    for cap in MACRO.captures_iter(m) {
        let (Some(whole), Some(which)) = (cap.get(0), cap.get(1)) else {
            continue;
        };
        let args = split_args(m, whole.end(), m.len(), Some(b')'));
        let Some(name) = name_of(m, &args) else {
            continue;
        };
        if name.as_deref().is_some_and(cargo_provided) {
            continue;
        }
        let has_default = which.as_str() == "option_env";
        out.push(Raw::new(
            whole.start(),
            args.end_or(whole.end()),
            name,
            has_default,
        ));
    }
}

/// `#[arg(long, env = "X", default_value = "d")]`; a bare `env` uses the
/// field name in SCREAMING_SNAKE_CASE. `Option<_>`, `bool` and `Vec<_>` fields
/// are optional, so they count as having a default.
fn clap(m: &str, out: &mut Vec<Raw>) {
    for whole in CLAP_ATTR.find_iter(m) {
        let args = split_args(m, whole.end(), m.len(), Some(b')'));
        let mut env: Option<(usize, Option<String>)> = None;
        let mut has_default = false;
        for (k, &(a, _)) in args.items.iter().enumerate() {
            let Some(item) = args.get(m, k) else { continue };
            let pos = trimmed_start(m, a);
            match kwarg(item) {
                Some(("env", v)) => {
                    if let Lit::Static(s) = parse_literal(v, Flavor::Rust) {
                        env = Some((pos, Some(s)));
                    }
                }
                Some((
                    "default_value" | "default_value_t" | "default_values_t" | "default_value_os"
                    | "default_values" | "default_values_os",
                    _,
                )) => has_default = true,
                Some(_) => {}
                None if item.trim() == "env" => env = Some((pos, None)),
                None => {}
            }
        }
        let Some((pos, explicit)) = env else { continue };
        let Some(close) = args.close else { continue };
        let field = next_field(m, close);
        if field
            .as_ref()
            .is_some_and(|(_, ty)| matches!(ty.as_str(), "Option" | "bool" | "Vec"))
        {
            has_default = true;
        }
        let name = match explicit {
            Some(n) => n,
            None => match field {
                Some((f, _)) => f.trim_start_matches("r#").to_ascii_uppercase(),
                None => continue,
            },
        };
        out.push(Raw::new(pos, close, Some(name), has_default));
    }
}

/// `(field name, outer type name)` of the first field declared after `from`,
/// skipping further attributes.
fn next_field(m: &str, from: usize) -> Option<(String, String)> {
    let rest = slice(m, from, from.saturating_add(4096));
    let mut lines = rest.lines();
    lines.next(); // the rest of the attribute line
    for line in lines.take(20) {
        let t = line.trim();
        if t.is_empty() || t.starts_with('#') || t.starts_with("//") {
            continue;
        }
        let cap = FIELD.captures(t)?;
        let ty = cap[2].rsplit("::").next().unwrap_or("").to_string();
        return Some((cap[1].to_string(), ty));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::super::common::testutil::{check, Row};
    use super::super::SourceKind;

    fn rs(cases: &[(&str, &[Row])]) {
        check(SourceKind::Rust, cases);
    }

    #[test]
    fn env_calls() {
        rs(&[
            (
                "let u = std::env::var(\"DATABASE_URL\")?;",
                &[(Some("DATABASE_URL"), 1, 9, false)],
            ),
            (
                "let u = env::var(\"X\").expect(\"set X\");",
                &[(Some("X"), 1, 9, false)],
            ),
            ("let u = env::var_os(\"X\");", &[(Some("X"), 1, 9, false)]),
            ("let u = dotenvy::var(\"X\")?;", &[(Some("X"), 1, 9, false)]),
            (
                "let p = env::var(\"PORT\").unwrap_or(\"8080\".into());",
                &[(Some("PORT"), 1, 9, true)],
            ),
            (
                "let p = env::var(\"PORT\")\n    .unwrap_or_else(|_| \"8080\".into());",
                &[(Some("PORT"), 1, 9, true)],
            ),
            (
                "let p = env::var(\"P\").unwrap_or_default();",
                &[(Some("P"), 1, 9, true)],
            ),
            ("let p = env::var(\"P\").ok();", &[(Some("P"), 1, 9, true)]),
            (
                "let d = env::var_os(\"P\").is_some();",
                &[(Some("P"), 1, 9, true)],
            ),
            (
                "if let Ok(v) = std::env::var(\"P\") {}",
                &[(Some("P"), 1, 16, true)],
            ),
            (
                "let p = env::var(\"P\").map(|v| v).unwrap_or(1);",
                &[(Some("P"), 1, 9, false)],
            ),
            (
                "let p = env::var(r#\"RAW\"#)?;",
                &[(Some("RAW"), 1, 9, false)],
            ),
            ("let p = env::var(key)?;", &[(None, 1, 9, false)]),
            (
                "let p = env::var(format!(\"{p}_KEY\"))?;",
                &[(None, 1, 9, false)],
            ),
            ("// let p = env::var(\"A\");", &[]),
            (
                "/* env::var(\"A\") /* nested */ env::var(\"B\") */ env::var(\"C\")",
                &[(Some("C"), 1, 48, false)],
            ),
            ("/// Reads `env::var(\"A\")`\nfn f() {}", &[]),
            (
                "let c = '\"'; let v = env::var(\"X\");",
                &[(Some("X"), 1, 22, false)],
            ),
            (
                "fn f<'a>(s: &'a str) { env::var(\"X\"); }",
                &[(Some("X"), 1, 24, false)],
            ),
        ]);
    }

    #[test]
    fn macros() {
        rs(&[
            (
                "const K: &str = env!(\"API_KEY\");",
                &[(Some("API_KEY"), 1, 17, false)],
            ),
            (
                "const K: Option<&str> = option_env!(\"API_KEY\");",
                &[(Some("API_KEY"), 1, 25, true)],
            ),
            ("const V: &str = env!(\"CARGO_PKG_VERSION\");", &[]),
            ("let o = concat!(env!(\"OUT_DIR\"), \"/x.rs\");", &[]),
        ]);
    }

    #[test]
    fn clap_attributes() {
        rs(&[
            (
                "struct Cli {\n    #[arg(long, env = \"APP_PORT\", default_value_t = 8080)]\n    port: u16,\n    #[arg(long, env = \"DATABASE_URL\")]\n    database_url: String,\n    #[arg(long, env)]\n    log_level: Option<String>,\n    #[clap(env = \"TOKEN\")]\n    /// doc\n    #[arg(long)]\n    pub token: std::string::String,\n}",
                &[
                    (Some("APP_PORT"), 2, 17, true),
                    (Some("DATABASE_URL"), 4, 17, false),
                    (Some("LOG_LEVEL"), 6, 17, true),
                    (Some("TOKEN"), 8, 12, false),
                ],
            ),
            ("#[arg(long)]\nport: u16,", &[]),
        ]);
    }
}
