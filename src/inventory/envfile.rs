//! A line-aware `.env` parser following dotenvy's quoting rules (`export`, single and
//! double quotes, escapes, multi-line quoted values, `#` comments), keeping the line
//! and column of every key. Variable references (`${X}`) are kept as written: the
//! audit judges the file, not the environment of the machine running the audit.

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EnvEntry {
    pub key: String,
    /// The raw value. It never leaves the evaluators except as a redacted hint.
    pub value: String,
    pub line: u32,
    pub column: u32,
    pub quoted: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EnvProblem {
    pub line: u32,
    pub message: String,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ParsedEnv {
    /// Every assignment in file order, duplicates included.
    pub entries: Vec<EnvEntry>,
    pub problems: Vec<EnvProblem>,
    /// Keys of commented-out assignments (`# S3_BUCKET=`): a template documents
    /// optional variables that way.
    pub commented: Vec<String>,
    /// A comment says the file holds defaults that the environment overrides, as the
    /// header of Symfony's `.env` does ("contains default values for the environment
    /// variables needed by the app", "DO NOT DEFINE PRODUCTION SECRETS IN THIS FILE").
    pub declares_defaults: bool,
}

impl ParsedEnv {
    /// The value each key ends up with (the last assignment wins, as in dotenvy).
    pub fn effective(&self) -> Vec<&EnvEntry> {
        let mut out: Vec<&EnvEntry> = Vec::new();
        for e in &self.entries {
            if let Some(slot) = out.iter_mut().find(|x| x.key == e.key) {
                *slot = e;
            } else {
                out.push(e);
            }
        }
        out
    }

    /// Whether the file sets its program's mode to development or tests
    /// (`NODE_ENV=development`, `APP_ENV=local`, `RAILS_ENV=test`): it describes a
    /// developer's checkout.
    pub fn declares_development_mode(&self) -> bool {
        self.effective()
            .iter()
            .any(|e| super::devstack::sets_development_environment(&e.key, &e.value))
    }

    /// Whether every service the file addresses (a URL's host, a `…_HOST` or `…_BROKERS`
    /// value) is on the developer's own machine (`localhost`, `127.0.0.1`), and there is
    /// at least one: amplication's `packages/gpt-gateway/.env` reaches its database and
    /// Kafka at `localhost`.
    pub fn addresses_only_local_services(&self) -> bool {
        let mut hosts = self
            .effective()
            .into_iter()
            .filter_map(|e| addressed_host(e));
        let Some(first) = hosts.next() else {
            return false;
        };
        is_local_host(first) && hosts.all(is_local_host)
    }

    /// Whether the file only configures the `docker compose` command itself: every key
    /// is one of Compose's own variables (`COMPOSE_PROJECT_NAME`, `COMPOSE_FILE`,
    /// `COMPOSE_PROFILES`…). Compose reads `.env` for them, and such a file holds no
    /// application configuration and no secret. An empty file is not one.
    pub fn only_compose_settings(&self) -> bool {
        !self.entries.is_empty() && self.entries.iter().all(|e| e.key.starts_with("COMPOSE_"))
    }

    /// Whether every value is a template expression another program fills in before the
    /// file is read (`VITE_BASEPATH={{ .Base }}`, which Authelia's server renders): the
    /// file is a template of the build, not configuration. An empty file is not one.
    pub fn only_template_values(&self) -> bool {
        !self.entries.is_empty()
            && self.entries.iter().all(|e| {
                let v = e.value.trim();
                v.starts_with("{{") && v.ends_with("}}")
            })
    }

    /// Whether every value is empty (rustypaste's committed `.env` of one `AUTH_TOKEN=`):
    /// a blank form the operator fills in, not a configuration anything runs with. An empty
    /// file is not one, and one value set anywhere makes it configuration (seed 000's `.env`).
    pub fn only_blank_values(&self) -> bool {
        !self.entries.is_empty() && self.entries.iter().all(|e| e.value.trim().is_empty())
    }

    /// Whether no key names a secret and no value carries URL credentials: image
    /// versions, ports, public build variables (`VITE_*`, `EXPO_PUBLIC_*`). A file like
    /// that, committed on purpose, is the project's defaults file (otel-demo's `.env`,
    /// a Vite `ui/.env`), not a production env file. An empty file is not one.
    pub fn holds_no_secrets(&self) -> bool {
        !self.entries.is_empty()
            && self.entries.iter().all(|e| {
                (is_public_build_key(&e.key) || !names_secret(&e.key))
                    && !has_url_credentials(&e.value)
            })
    }

    pub fn get(&self, key: &str) -> Option<&EnvEntry> {
        self.entries.iter().rev().find(|e| e.key == key)
    }
}

/// A variable a front-end bundler inlines into the code it ships to browsers (`VITE_`,
/// `NEXT_PUBLIC_`, `REACT_APP_`…): whatever its name, its value is public by design
/// (excalidraw's `VITE_APP_PLUS_EXPORT_PUBLIC_KEY`).
pub fn is_public_build_key(key: &str) -> bool {
    const PREFIXES: [&str; 8] = [
        "VITE_",
        "NEXT_PUBLIC_",
        "REACT_APP_",
        "VUE_APP_",
        "NUXT_PUBLIC_",
        "EXPO_PUBLIC_",
        "GATSBY_",
        "PUBLIC_",
    ];
    PREFIXES.iter().any(|p| key.starts_with(p))
}

/// A key one of whose `_`-separated words is, or ends in, a secret word: `JWT_SECRET`,
/// `STRIPE_APIKEY`, `DB_PASS`, `AUTH_TOKEN`. Words are matched whole so that
/// `PB_OAUTH2_DOCS` or `KEYCLOAK_URL` are not secrets.
fn names_secret(key: &str) -> bool {
    const WORDS: [&str; 16] = [
        "secret",
        "password",
        "passwd",
        "pass",
        "pwd",
        "token",
        "key",
        "auth",
        "credential",
        "credentials",
        "dsn",
        "salt",
        "private",
        "cookie",
        "session",
        "signature",
    ];
    key.split(['_', '-', '.']).any(|word| {
        let word = word.to_ascii_lowercase();
        WORDS.contains(&word.as_str())
            || ["key", "secret", "token", "password"]
                .iter()
                .any(|end| word.ends_with(end))
    })
}

/// `scheme://user:password@host`.
fn has_url_credentials(value: &str) -> bool {
    value.split("://").skip(1).any(|rest| {
        let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
        authority
            .rsplit_once('@')
            .is_some_and(|(userinfo, _)| userinfo.contains(':'))
    })
}

fn is_key_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || c == '.' || c == '-'
}

/// `KEY` of a comment reading `KEY=…` (after `#`, blanks and an optional
/// `export`).
fn commented_key(comment: &str) -> Option<&str> {
    let c = comment.trim_start_matches('#').trim_start();
    let c = c.strip_prefix("export ").map_or(c, str::trim_start);
    let end = c.find(|ch: char| !(ch.is_ascii_alphanumeric() || ch == '_'))?;
    let key = &c[..end];
    let starts_ok = key.starts_with(|ch: char| ch.is_ascii_alphabetic() || ch == '_');
    (starts_ok && c[end..].starts_with('=')).then_some(key)
}

static DEFAULTS_COMMENT: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
    regex::Regex::new(
        r"(?i)\bcontains\s+default\s+values\b|\bdo\s+not\s+define\s+production\s+secrets\b",
    )
    .expect("defaults comment pattern compiles")
});

pub fn parse_env(text: &str) -> ParsedEnv {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let lines: Vec<&str> = text
        .split('\n')
        .map(|l| l.strip_suffix('\r').unwrap_or(l))
        .collect();
    let mut out = ParsedEnv::default();
    let mut i = 0;
    while i < lines.len() {
        let line_no = u32::try_from(i + 1).unwrap_or(u32::MAX);
        let raw = lines[i];
        i += 1;
        let trimmed = raw.trim_start();
        if let Some(comment) = trimmed.strip_prefix('#') {
            if let Some(key) = commented_key(comment) {
                out.commented.push(key.to_string());
            } else if DEFAULTS_COMMENT.is_match(comment) {
                out.declares_defaults = true;
            }
            continue;
        }
        if trimmed.is_empty() {
            continue;
        }
        let indent = raw.len() - trimmed.len();
        let (body, export_len) = match trimmed.strip_prefix("export") {
            Some(rest) if rest.starts_with([' ', '\t']) => {
                let r = rest.trim_start();
                (r, trimmed.len() - r.len())
            }
            _ => (trimmed, 0),
        };
        let key_len = body.find(|c: char| !is_key_char(c)).unwrap_or(body.len());
        let key = &body[..key_len];
        let rest = body[key_len..].trim_start();
        let Some(after_eq) = rest.strip_prefix('=') else {
            // The text is not echoed: a line without `=` is as likely a pasted value
            // (a token on its own line) as a variable name.
            out.problems.push(EnvProblem {
                line: line_no,
                message: "expected KEY=VALUE (no `=` after the first word)".to_string(),
            });
            continue;
        };
        if key.is_empty() || key.starts_with(|c: char| c.is_ascii_digit()) {
            out.problems.push(EnvProblem {
                line: line_no,
                message: "expected a variable name before `=`".to_string(),
            });
            continue;
        }
        let column = u32::try_from(raw[..indent].chars().count() + export_len + 1).unwrap_or(1);
        let value_src = after_eq.trim_start();
        let (value, quoted) = match value_src.chars().next() {
            Some(q @ ('"' | '\'')) => {
                let mut buf = value_src[1..].to_string();
                let mut closed = find_close(&buf, q);
                // Quoted values may continue over several lines.
                while closed.is_none() && i < lines.len() {
                    buf.push('\n');
                    buf.push_str(lines[i]);
                    i += 1;
                    closed = find_close(&buf, q);
                }
                match closed {
                    Some(end) => {
                        let inner = &buf[..end];
                        let after = buf[end + 1..].trim();
                        if !after.is_empty() && !after.starts_with('#') {
                            out.problems.push(EnvProblem {
                                line: line_no,
                                message: format!(
                                    "unexpected text after the closing quote of `{key}`"
                                ),
                            });
                        }
                        let v = if q == '"' {
                            unescape(inner)
                        } else {
                            inner.to_string()
                        };
                        (v, true)
                    }
                    None => {
                        out.problems.push(EnvProblem {
                            line: line_no,
                            message: format!("unterminated quoted value for `{key}`"),
                        });
                        continue;
                    }
                }
            }
            _ => (unquoted(value_src), false),
        };
        out.entries.push(EnvEntry {
            key: key.to_string(),
            value,
            line: line_no,
            column,
            quoted,
        });
    }
    out
}

/// Byte index of the closing quote, honouring backslash escapes in double quotes.
fn find_close(s: &str, q: char) -> Option<usize> {
    let mut escaped = false;
    for (i, c) in s.char_indices() {
        if q == '"' && c == '\\' && !escaped {
            escaped = true;
            continue;
        }
        if c == q && !escaped {
            return Some(i);
        }
        escaped = false;
    }
    None
}

fn unescape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('r') => out.push('\r'),
            Some('t') => out.push('\t'),
            Some(other) => out.push(other),
            None => out.push('\\'),
        }
    }
    out
}

/// An unquoted value ends at a `#` that follows whitespace; trailing space is dropped.
fn unquoted(s: &str) -> String {
    let mut end = s.len();
    let mut prev_space = true;
    for (i, c) in s.char_indices() {
        if c == '#' && prev_space {
            end = i;
            break;
        }
        prev_space = c == ' ' || c == '\t';
    }
    s[..end].trim_end().to_string()
}

/// The host a setting addresses: a URL's (`postgres://admin:admin@localhost:5432/db`) or,
/// for a key named for a host or broker list, the value's first (`localhost:9092,…`).
fn addressed_host(entry: &EnvEntry) -> Option<&str> {
    let value = entry.value.trim();
    let authority = if let Some((_, rest)) = value.split_once("://") {
        let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
        let authority = &rest[..end];
        authority
            .rsplit_once('@')
            .map_or(authority, |(_, host)| host)
    } else {
        let key = entry.key.to_ascii_uppercase();
        let names_host = ["HOST", "HOSTNAME", "BROKERS", "BROKER"]
            .iter()
            .any(|suffix| key == *suffix || key.ends_with(&format!("_{suffix}")));
        if !names_host || value.is_empty() {
            return None;
        }
        value.split(',').next().unwrap_or(value)
    };
    let host = if authority.starts_with('[') {
        authority
            .split_once(']')
            .map_or(authority, |(h, _)| &h[1..])
    } else {
        authority.split(':').next().unwrap_or(authority)
    };
    (!host.is_empty() && !host.contains('$')).then_some(host)
}

fn is_local_host(host: &str) -> bool {
    let host = host.to_ascii_lowercase();
    matches!(host.as_str(), "localhost" | "127.0.0.1" | "0.0.0.0" | "::1")
        || host.ends_with(".localhost")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn development_mode_and_local_services() {
        assert!(parse_env("DEBUG_MODE=1\nNODE_ENV=development\n").declares_development_mode());
        assert!(!parse_env("NODE_ENV=production\nAPP_ENV=prod\n").declares_development_mode());
        let local = parse_env(
            "DB_URL=postgres://admin:admin@localhost:5432/gpt\nKAFKA_BROKERS=localhost:9092,127.0.0.1:9093\nREDIS_HOST=\"127.0.0.1\"\nPORT=3008\n",
        );
        assert!(local.addresses_only_local_services());
        for text in [
            "DB_URL=postgres://admin:admin@db:5432/app\nREDIS_HOST=localhost\n",
            "APP_URL=https://example.com\n",
            "PORT=3000\nJWT_EXPIRATION=2d\n",
            "API_URL=http://${HOST}:8080\n",
        ] {
            assert!(!parse_env(text).addresses_only_local_services(), "{text}");
        }
    }

    #[test]
    fn commented_assignments_are_listed() {
        let p = parse_env("# Optional\n# S3_BUCKET=\n#export S3_REGION=us-east-1\n## CDN_URL=x # note\n# Set FOO=bar to enable\n# 9BAD=1\nA=1\n");
        assert_eq!(p.commented, vec!["S3_BUCKET", "S3_REGION", "CDN_URL"]);
        assert_eq!(p.entries.len(), 1);
    }

    #[test]
    fn parses_the_common_shapes() {
        let env = parse_env(
            "# c\nA=1\nexport B = two # comment\nC=\"x\\ny\"\nD='raw $X'\nE=\nF=\"multi\nline\"\nG=after#hash\nA=3\n",
        );
        let get = |k: &str| env.get(k).map(|e| e.value.clone());
        assert_eq!(get("A").as_deref(), Some("3"));
        assert_eq!(get("B").as_deref(), Some("two"));
        assert_eq!(get("C").as_deref(), Some("x\ny"));
        assert_eq!(get("D").as_deref(), Some("raw $X"));
        assert_eq!(get("E").as_deref(), Some(""));
        assert_eq!(get("F").as_deref(), Some("multi\nline"));
        assert_eq!(get("G").as_deref(), Some("after#hash"));
        assert_eq!(env.get("B").unwrap().line, 3);
        assert_eq!(env.get("B").unwrap().column, 8);
        assert_eq!(env.get("A").unwrap().line, 10);
        assert_eq!(env.effective().len(), 7);
        assert!(env.problems.is_empty(), "{:?}", env.problems);
    }

    #[test]
    fn reports_bad_lines_and_keeps_going() {
        let env = parse_env("garbage line\nOK=1\nBAD=\"open\n");
        assert_eq!(env.problems.len(), 2);
        assert_eq!(env.problems[0].line, 1);
        assert_eq!(env.get("OK").unwrap().value, "1");
    }

    #[test]
    fn problems_never_echo_the_line() {
        let env = parse_env("ghp_0123456789abcdefSECRETSECRET0123456789\nhunter2 pass\n");
        assert_eq!(env.problems.len(), 2);
        for p in &env.problems {
            assert!(!p.message.contains("SECRET"), "{}", p.message);
            assert!(!p.message.contains("hunter2"), "{}", p.message);
        }
    }

    #[test]
    fn crlf_and_bom() {
        let env = parse_env("\u{feff}A=1\r\nB=2\r\n");
        assert_eq!(env.get("A").unwrap().value, "1");
        assert_eq!(env.get("B").unwrap().value, "2");
    }

    #[test]
    fn compose_only_files() {
        assert!(parse_env("COMPOSE_PROJECT_NAME=paperless\n").only_compose_settings());
        assert!(
            parse_env("# name\nCOMPOSE_FILE=a.yml:b.yml\nCOMPOSE_PROFILES=x\n")
                .only_compose_settings()
        );
        assert!(!parse_env("COMPOSE_PROJECT_NAME=x\nSECRET_KEY=y\n").only_compose_settings());
        assert!(!parse_env("").only_compose_settings());
    }

    #[test]
    fn template_values() {
        assert!(
            parse_env("VITE_BASEPATH={{ .Base }}\nVITE_THEME={{.Theme}}\n").only_template_values()
        );
        assert!(!parse_env("VITE_BASEPATH={{ .Base }}\nVITE_THEME=dark\n").only_template_values());
        assert!(!parse_env("").only_template_values());
    }

    #[test]
    fn blank_forms() {
        assert!(parse_env("AUTH_TOKEN=\n").only_blank_values());
        assert!(parse_env("# fill in\nAPI_KEY=\nSECRET=\"\"\n").only_blank_values());
        assert!(!parse_env("API_KEY=\nJWT_SECRET=dev-jwt-secret-key\n").only_blank_values());
        assert!(!parse_env("").only_blank_values());
    }

    #[test]
    fn defaults_files_hold_no_secrets() {
        let defaults = "IMAGE_VERSION=3.0.0\nPOSTGRES_IMAGE=postgres:18.4\nPB_OAUTH2_DOCS=https://x/docs\nKEYCLOAK_URL=http://kc\n";
        assert!(parse_env(defaults).holds_no_secrets());
        assert!(parse_env("EXPO_PUBLIC_FRONTEND_PROXY_PORT=8080\n").holds_no_secrets());
        for secret in [
            "JWT_SECRET=\n",
            "STRIPE_APIKEY=x\n",
            "DB_PASS=x\n",
            "SECRETKEY=x\n",
            "LAUNCHPAD_RPC_SHARED_SECRET=supersecret\n",
            "DATABASE_URL=postgres://app:hunter2@db/app\n",
        ] {
            assert!(!parse_env(secret).holds_no_secrets(), "{secret}");
        }
        assert!(parse_env("DATABASE_URL=postgres://db:5432/app\n").holds_no_secrets());
        assert!(!parse_env("").holds_no_secrets());
    }
}
