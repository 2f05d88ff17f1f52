//! Go: `os.Getenv`, `os.LookupEnv`, env struct tags (caarlos0/env,
//! kelseyhightower/envconfig) and package-level viper with `AutomaticEnv`.

use std::collections::{HashMap, HashSet};
use std::sync::LazyLock;

use regex::Regex;

use super::common::{
    bound_once, line_before, mask_comments, parse_literal, split_args, CommentStyle, Flavor, Lit,
    Raw,
};
use super::usage::{self, Lang};

static GETENV: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?-u:\b)os[ \t]*\.[ \t]*(Getenv|LookupEnv)[ \t]*\(").expect("valid regex")
});
/// A one-line raw string: struct tags live in these.
static TAG: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"`([^`\n]*)`").expect("valid regex"));
static TAG_KV: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"([A-Za-z_][A-Za-z0-9_]*):"((?:[^"\\\n]|\\.)*)""#).expect("valid regex")
});
static VIPER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?-u:\b)viper[ \t]*\.[ \t]*(Get[A-Za-z0-9]*|IsSet|BindEnv|SetDefault|AutomaticEnv|SetEnvPrefix|SetEnvKeyReplacer)[ \t]*\(")
        .expect("valid regex")
});

const STYLE: CommentStyle = CommentStyle::CLike {
    nested: false,
    backtick: true,
    backtick_escapes: false,
    rust_quotes: false,
};

pub(super) fn extract(text: &str) -> Vec<Raw> {
    let m = mask_comments(text, STYLE);
    let mut out = Vec::new();
    getenv(&m, &mut out);
    tags(&m, &mut out);
    if m.contains("viper") {
        viper(&m, &mut out);
    }
    usage::refine_masked(Lang::Go, &m, &mut out);
    out
}

fn getenv(m: &str, out: &mut Vec<Raw>) {
    // find_iter, not captures_iter: the function name is read off the match text
    // (captures run a slower engine on every call site).
    for whole in GETENV.find_iter(m) {
        let func = if whole.as_str().contains("LookupEnv") {
            "LookupEnv"
        } else {
            "Getenv"
        };
        let args = split_args(m, whole.end(), m.len(), Some(b')'));
        let name = match args.get(m, 0).map(|a| (a, parse_literal(a, Flavor::Go))) {
            Some((_, Lit::Static(s))) => Some(s),
            Some((arg, Lit::Dynamic)) => named_constant(m, arg.trim()),
            _ => continue,
        };
        let end = args.end_or(whole.end());
        // LookupEnv reports presence, so the caller handles "unset"
        if func == "LookupEnv" {
            out.push(Raw::presence(whole.start(), end, name));
            continue;
        }
        // cmp.Or(os.Getenv("X"), "d") falls back to the next argument
        let has_default = line_before(m, whole.start()).ends_with("cmp.Or(");
        out.push(Raw::new(whole.start(), end, name, has_default));
    }
}

/// The string an identifier is bound to once in the file (`const webPortEnv =
/// "ADGUARD_HOME_DEFAULT_WEB_PORT"`, a line of a `const (…)` block, `key := "PORT"`): a
/// read through it has a known name. Bound twice or more, or to anything but a literal,
/// it stays unknown.
fn named_constant(m: &str, ident: &str) -> Option<String> {
    let is_ident = ident
        .bytes()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == b'_')
        && ident
            .bytes()
            .all(|c| c.is_ascii_alphanumeric() || c == b'_');
    if !is_ident {
        return None;
    }
    bound_once(m.lines().filter_map(|line| {
        let line = line.trim_start();
        let line = ["const ", "var "]
            .iter()
            .find_map(|kw| line.strip_prefix(kw))
            .unwrap_or(line)
            .trim_start();
        let rest = line.strip_prefix(ident)?;
        if !rest.starts_with([' ', '\t', '=', ':']) {
            return None;
        }
        let rest = rest.trim_start();
        // An optional type (`name string = "X"`).
        let rest = match rest.split_once('=') {
            Some((before, after))
                if before
                    .trim()
                    .trim_end_matches(':')
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '.' || c.is_whitespace()) =>
            {
                after
            }
            _ => return None,
        };
        if rest.starts_with('=') {
            return None; // a comparison (`==`)
        }
        Some(parse_literal(rest.trim(), Flavor::Go))
    }))
}

fn tags(m: &str, out: &mut Vec<Raw>) {
    for tag in TAG.find_iter(m) {
        // `…`: the content without its backticks
        let (start, end) = (tag.start() + 1, tag.end() - 1);
        let c = &m[start..end];
        if !c.contains("env") {
            continue;
        }
        let mut found: Option<(usize, String)> = None;
        let mut envconfig: Option<(usize, String)> = None;
        let mut has_default = false;
        for kv in TAG_KV.captures_iter(c) {
            let (Some(k), Some(v)) = (kv.get(1), kv.get(2)) else {
                continue;
            };
            let first = v.as_str().split(',').next().unwrap_or("").trim();
            let usable = !first.is_empty() && first != "-";
            match k.as_str() {
                "env" if usable => found = Some((start + k.start(), first.to_string())),
                "envconfig" if usable => {
                    envconfig = Some((start + k.start(), first.to_ascii_uppercase()));
                }
                "envDefault" | "default" => has_default = true,
                _ => {}
            }
        }
        if let Some((start, name)) = found.or(envconfig) {
            out.push(Raw::new(start, end, Some(name), has_default));
        }
    }
}

fn literal_arg(m: &str, args: &super::common::Args, k: usize) -> Option<String> {
    match parse_literal(args.get(m, k)?, Flavor::Go) {
        Lit::Static(s) => Some(s),
        _ => None,
    }
}

/// Package-level viper only. Keys map to `PREFIX_KEY` upper-cased, with the
/// file's `SetEnvKeyReplacer(strings.NewReplacer(...))` applied; keys that
/// would still contain `.` or `-` are skipped (viper would look up a name no
/// shell can set), as are reads when `AutomaticEnv` is not called and the
/// key is not bound with `BindEnv`.
fn viper(m: &str, out: &mut Vec<Raw>) {
    struct Call {
        start: usize,
        end: usize,
        method: String,
        args: super::common::Args,
    }
    let calls: Vec<Call> = VIPER
        .captures_iter(m)
        .filter_map(|cap| {
            let whole = cap.get(0)?;
            let args = split_args(m, whole.end(), m.len(), Some(b')'));
            Some(Call {
                start: whole.start(),
                end: args.end_or(whole.end()),
                method: cap.get(1)?.as_str().to_string(),
                args,
            })
        })
        .collect();
    let auto = calls.iter().any(|c| c.method == "AutomaticEnv");
    let prefix = calls
        .iter()
        .filter(|c| c.method == "SetEnvPrefix")
        .find_map(|c| literal_arg(m, &c.args, 0))
        .unwrap_or_default();
    let mut replacements: Vec<(String, String)> = Vec::new();
    for c in calls.iter().filter(|c| c.method == "SetEnvKeyReplacer") {
        let Some(arg) = c.args.get(m, 0) else {
            continue;
        };
        let Some(p) = arg.find("NewReplacer") else {
            continue;
        };
        let Some(open) = arg[p..].find('(') else {
            continue;
        };
        let inner = &arg[p + open + 1..];
        let ra = split_args(inner, 0, inner.len(), Some(b')'));
        let lits: Vec<String> = (0..ra.items.len())
            .map_while(|k| match parse_literal(ra.get(inner, k)?, Flavor::Go) {
                Lit::Static(s) => Some(s),
                _ => None,
            })
            .collect();
        for pair in lits.chunks(2) {
            if let [old, new] = pair {
                replacements.push((old.clone(), new.clone()));
            }
        }
    }
    let derive = |key: &str| -> Option<String> {
        let mut k = key.to_string();
        for (old, new) in &replacements {
            k = k.replace(old.as_str(), new);
        }
        if k.is_empty() || k.contains(['.', '-']) {
            return None;
        }
        let k = k.to_ascii_uppercase();
        Some(if prefix.is_empty() {
            k
        } else {
            format!("{}_{k}", prefix.to_ascii_uppercase())
        })
    };
    let defaults: HashSet<String> = calls
        .iter()
        .filter(|c| c.method == "SetDefault")
        .filter_map(|c| literal_arg(m, &c.args, 0))
        .map(|k| k.to_ascii_lowercase())
        .collect();
    let mut bound: HashMap<String, String> = HashMap::new();
    for c in calls.iter().filter(|c| c.method == "BindEnv") {
        let Some(key) = literal_arg(m, &c.args, 0) else {
            continue;
        };
        let name = if c.args.items.len() >= 2 {
            literal_arg(m, &c.args, 1)
        } else {
            derive(&key)
        };
        let Some(name) = name else { continue };
        let lower = key.to_ascii_lowercase();
        out.push(Raw::new(
            c.start,
            c.end,
            Some(name.clone()),
            defaults.contains(&lower),
        ));
        bound.insert(lower, name);
    }
    for c in calls
        .iter()
        .filter(|c| c.method.starts_with("Get") || c.method == "IsSet")
    {
        let Some(key) = literal_arg(m, &c.args, 0) else {
            continue;
        };
        let lower = key.to_ascii_lowercase();
        let name = match bound.get(&lower) {
            Some(n) => n.clone(),
            None if auto => match derive(&key) {
                Some(n) => n,
                None => continue,
            },
            None => continue,
        };
        let has_default = defaults.contains(&lower) || c.method == "IsSet";
        out.push(Raw::new(c.start, c.end, Some(name), has_default));
    }
}

#[cfg(test)]
mod tests {
    use super::super::common::testutil::{check, Row};
    use super::super::SourceKind;

    fn go(cases: &[(&str, &[Row])]) {
        check(SourceKind::Go, cases);
    }

    #[test]
    fn getenv() {
        go(&[
            (
                "port := os.Getenv(\"PORT\")",
                &[(Some("PORT"), 1, 9, false)],
            ),
            (
                "v, ok := os.LookupEnv(\"TOKEN\")",
                &[(Some("TOKEN"), 1, 10, true)],
            ),
            (
                "p := cmp.Or(os.Getenv(\"PORT\"), \"8080\")",
                &[(Some("PORT"), 1, 13, true)],
            ),
            ("x := os.Getenv(`RAW`)", &[(Some("RAW"), 1, 6, false)]),
            ("x := os.Getenv(k)", &[(None, 1, 6, false)]),
            (
                "func f() {\n\tconst webPortEnv = \"ADGUARD_HOME_DEFAULT_WEB_PORT\"\n\ts := os.Getenv(webPortEnv)\n}",
                &[(Some("ADGUARD_HOME_DEFAULT_WEB_PORT"), 3, 7, false)],
            ),
            (
                "const (\n\tportEnv string = \"PORT\"\n)\nx := os.Getenv(portEnv)",
                &[(Some("PORT"), 4, 6, false)],
            ),
            (
                "k := \"A\"\nk = \"B\"\nx := os.Getenv(k)",
                &[(None, 3, 6, false)],
            ),
            (
                "if k == \"A\" {}\nx := os.Getenv(k)",
                &[(None, 2, 6, false)],
            ),
            ("x := os.Getenv(prefix + \"_KEY\")", &[(None, 1, 6, false)]),
            ("// x := os.Getenv(\"A\")", &[]),
            ("\t// os.Getenv(\"A\")", &[]),
            (
                "/* os.Getenv(\"A\") */ y := os.Getenv(\"B\")",
                &[(Some("B"), 1, 27, false)],
            ),
            ("x := myos.Getenv(\"A\")", &[]),
            ("x := os.Getenv(\"\")", &[]),
        ]);
    }

    #[test]
    fn struct_tags() {
        go(&[
            (
                "type Config struct {\n\tPort int `env:\"PORT\" envDefault:\"8080\"`\n\tDB string `env:\"DATABASE_URL,required\"`\n\tName string `json:\"name\"`\n\tSkip string `env:\"-\"`\n}",
                &[(Some("PORT"), 2, 12, true), (Some("DATABASE_URL"), 3, 13, false)],
            ),
            (
                "type Spec struct {\n\tDebug bool `envconfig:\"debug\" default:\"false\"`\n\tUser string `envconfig:\"user\" required:\"true\"`\n}",
                &[(Some("DEBUG"), 2, 14, true), (Some("USER"), 3, 15, false)],
            ),
            ("const q = `SELECT env FROM t`", &[]),
        ]);
    }

    #[test]
    fn viper() {
        go(&[
            (
                "viper.SetEnvPrefix(\"app\")\nviper.SetEnvKeyReplacer(strings.NewReplacer(\".\", \"_\"))\nviper.AutomaticEnv()\nviper.SetDefault(\"db.host\", \"localhost\")\nh := viper.GetString(\"db.host\")\np := viper.GetInt(\"port\")",
                &[(Some("APP_DB_HOST"), 5, 6, true), (Some("APP_PORT"), 6, 6, false)],
            ),
            (
                "viper.AutomaticEnv()\na := viper.GetString(\"db.host\")\nb := viper.GetBool(\"debug\")",
                &[(Some("DEBUG"), 3, 6, false)],
            ),
            ("p := viper.GetString(\"port\")", &[]),
            (
                "viper.BindEnv(\"db.url\", \"DATABASE_URL\")\nu := viper.GetString(\"db.url\")",
                &[(Some("DATABASE_URL"), 1, 1, false), (Some("DATABASE_URL"), 2, 6, false)],
            ),
            ("v := viper.New()\nv.AutomaticEnv()\nx := v.GetString(\"port\")", &[]),
        ]);
    }
}
