//! Secret values never leave this module: a [`Redacted`] keeps only a hint, and
//! [`scrub_line`] masks anything that looks like a credential before a source line
//! is shown as evidence.

use regex::Regex;
use serde::Serialize;
use std::fmt;
use std::sync::LazyLock;

/// A hint of a secret value: at most its first four characters and its length.
/// The raw value is dropped at construction, so no reporter can print it.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct Redacted(String);

impl Redacted {
    pub fn new(raw: &str) -> Self {
        let len = raw.chars().count();
        if len == 0 {
            return Redacted("(empty)".to_string());
        }
        // Short values reveal too much with four characters shown; long ones keep a
        // prefix because it tells the reader *which* key this is (sk_live_, ghp_, AKIA).
        let shown = match len {
            0..=11 => 0,
            12..=19 => 2,
            _ => 4,
        };
        let prefix: String = raw.chars().take(shown).collect();
        Redacted(format!("{prefix}… ({len} chars)"))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Redacted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

static URL_USERINFO: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*://)(?P<user>[^\s:/@'\x22]*):(?P<pass>[^\s@/'\x22]+)@",
    )
    .expect("static regex")
});

static SECRET_ASSIGNMENT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r#"(?i)(?P<key>[A-Za-z0-9_.-]*(?:secret|passw(?:or)?d|pwd|token|api[_-]?key|apikey|private[_-]?key|access[_-]?key|auth|credential|dsn|salt)[A-Za-z0-9_.-]*["']?(?:\s*(?::=|=>|=|:)\s*|(?P<ws>[ \t]+)))(?:"(?P<dq>[^"]*)"?|'(?P<sq>[^']*)'?|(?P<val>[^"'\s,;)}\]]+))"#,
    )
    .expect("static regex")
});

/// The words that follow the hint of an unquoted value (`SMTP_PASSWORD: correct horse
/// battery` gives `corr… (7 chars) horse battery`): an unquoted YAML or env value runs to
/// the end of the line or to a ` #` comment, so they are part of the secret.
static UNQUOTED_TAIL: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(… \(\d+ chars\))(?:[ \t]+[^\s#]\S*)+").expect("static regex"));

static TOKEN_SHAPE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"\b(?:sk|pk|rk)_(?:live|test)_[A-Za-z0-9]{8,}|\b(?:AKIA|ASIA)[A-Z0-9]{16}\b|\bgh[pousr]_[A-Za-z0-9]{20,}|\bxox[abposr]-[A-Za-z0-9-]{10,}|\bSG\.[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}|\bwhsec_[A-Za-z0-9]{10,}|\beyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{5,}|\b[A-Za-z0-9+/_-]{40,}={0,2}",
    )
    .expect("static regex")
});

/// Only this much of a line is scrubbed (and so can be shown): evidence is clipped
/// to a few hundred characters anyway, and scrubbing a 2 MB minified line for each
/// of its occurrences made one file take seconds.
pub const SCRUB_WINDOW_BYTES: usize = 16 * 1024;

/// Masks credentials in a line of source or config before it is shown as evidence:
/// passwords in URLs, values assigned to secret-looking keys, and token-shaped strings.
/// Text past [`SCRUB_WINDOW_BYTES`] is dropped (marked `…`).
pub fn scrub_line(line: &str) -> String {
    let cut = if line.len() > SCRUB_WINDOW_BYTES {
        let mut end = SCRUB_WINDOW_BYTES;
        while !line.is_char_boundary(end) {
            end -= 1;
        }
        Some(&line[..end])
    } else {
        None
    };
    let mut out = scrub(cut.unwrap_or(line));
    if cut.is_some() {
        out.push('…');
    }
    out
}

fn scrub(line: &str) -> String {
    let step = URL_USERINFO.replace_all(line, |c: &regex::Captures| {
        format!(
            "{}{}:{}@",
            &c["scheme"],
            &c["user"],
            Redacted::new(&c["pass"])
        )
    });
    let step = SECRET_ASSIGNMENT.replace_all(&step, |c: &regex::Captures| {
        // A quoted value is redacted up to its closing quote (or the end of the
        // line): `password = "correct horse battery"` must not keep "horse battery".
        let quoted = [("dq", '"'), ("sq", '\'')]
            .into_iter()
            .find_map(|(name, q)| c.name(name).map(|m| (m.as_str(), q)));
        match quoted {
            Some((val, _)) if val.is_empty() || is_redacted_hint(val) || is_harmless_value(val) => {
                c[0].to_string()
            }
            Some((val, q)) => {
                let close = if c[0].ends_with(q) && c[0].len() > c["key"].len() + 1 {
                    q.to_string()
                } else {
                    String::new()
                };
                format!("{}{q}{}{close}", &c["key"], Redacted::new(val))
            }
            None => {
                let val = &c["val"];
                // `KEY value` (Dockerfile `ENV`) counts only with a quoted value:
                // unquoted, it is as likely prose ("token expired").
                if c.name("ws").is_some() || val.contains('…') || is_harmless_value(val) {
                    c[0].to_string()
                } else {
                    format!("{}{}", &c["key"], Redacted::new(val))
                }
            }
        }
    });
    let step = UNQUOTED_TAIL.replace_all(&step, "$1 …");
    let step = TOKEN_SHAPE.replace_all(&step, |c: &regex::Captures| {
        let m = &c[0];
        if m.contains('…') {
            m.to_string()
        } else {
            Redacted::new(m).to_string()
        }
    });
    step.into_owned()
}

/// A hint [`Redacted`] produced (`sk_l… (40 chars)`, `(empty)`), so already safe.
fn is_redacted_hint(val: &str) -> bool {
    static HINT: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"^(?:\(empty\)|[^…]{0,4}… \(\d+ chars\))$").expect("static regex")
    });
    HINT.is_match(val)
}

/// A URL as reports may show it: a password in its userinfo and secret-looking
/// query values (`?access_token=…`) become hints; the rest is kept as written.
pub fn scrub_url(url: &str) -> String {
    let step = URL_USERINFO.replace_all(url, |c: &regex::Captures| {
        format!(
            "{}{}:{}@",
            &c["scheme"],
            &c["user"],
            Redacted::new(&c["pass"])
        )
    });
    let step = SECRET_ASSIGNMENT.replace_all(&step, |c: &regex::Captures| match c.name("val") {
        Some(v)
            if c.name("ws").is_none()
                && !v.as_str().contains('…')
                && !is_harmless_value(v.as_str()) =>
        {
            format!("{}{}", &c["key"], Redacted::new(v.as_str()))
        }
        _ => c[0].to_string(),
    });
    clip(&step, 2048)
}

/// Values that are references, not secrets: showing them helps and leaks nothing.
fn is_harmless_value(val: &str) -> bool {
    val.starts_with('$')
        || val.starts_with("${")
        || val.starts_with('<')
        || matches!(
            val.to_ascii_lowercase().as_str(),
            "true" | "false" | "none" | "null" | "nil" | "required" | "optional"
        )
        || val.contains("getenv")
        || val.contains("environ")
        || val.contains("process.env")
        || val.contains("settings.")
        || val.contains("config.")
        || val.contains("secretKeyRef")
        || val.ends_with('(')
}

/// Shortens a line for display without splitting a character. Control characters
/// become `\u{fffd}` (tabs become spaces), so that text from a scanned file can
/// never move a terminal's cursor, set its title or break a one-line format.
pub fn clip(text: &str, max_chars: usize) -> String {
    let trimmed = text.trim();
    let printable = |c: char| match c {
        '\t' => ' ',
        c if c.is_control() => '\u{fffd}',
        c => c,
    };
    if trimmed.chars().count() <= max_chars {
        return trimmed.chars().map(printable).collect();
    }
    let mut out: String = trimmed
        .chars()
        .take(max_chars.saturating_sub(1))
        .map(printable)
        .collect();
    out.push('…');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hint_never_contains_more_than_four_chars() {
        let raw = "sk_live_51Habcdefghijklmnopqrstuvwxyz";
        let hint = Redacted::new(raw).to_string();
        assert_eq!(hint, "sk_l… (37 chars)");
        assert!(!hint.contains("51Hab"));
    }

    #[test]
    fn short_values_show_only_length() {
        assert_eq!(Redacted::new("hunter2").to_string(), "… (7 chars)");
        assert_eq!(Redacted::new("").to_string(), "(empty)");
    }

    #[test]
    fn scrubs_url_passwords_and_assignments() {
        let line = r#"DATABASE_URL: postgresql://app:s3cr3tP4ss@db:5432/app"#;
        let out = scrub_line(line);
        assert!(!out.contains("s3cr3tP4ss"), "{out}");
        assert!(out.contains("postgresql://app:"), "{out}");

        let out = scrub_line(r#"    POSTGRES_PASSWORD: "correct-horse-battery""#);
        assert!(!out.contains("correct-horse"), "{out}");

        let out = scrub_line(r#"api_key = "AKIAIOSFODNN7EXAMPLE""#);
        assert!(!out.contains("IOSFODNN7"), "{out}");
    }

    #[test]
    fn unquoted_values_are_redacted_to_the_comment() {
        let out = scrub_line("SMTP_PASSWORD: correct horse battery  # relay");
        assert!(!out.contains("horse"), "{out}");
        assert!(!out.contains("battery"), "{out}");
        assert!(out.ends_with("# relay"), "{out}");
    }

    #[test]
    fn quoted_values_are_redacted_whole() {
        for line in [
            r#"POSTGRES_PASSWORD: "correct horse battery staple""#,
            r#"password = 'correct horse battery staple'"#,
            r#"{"api_key": "correct horse battery staple", "x": 1}"#,
            r#"secret: "correct horse battery staple"#,
        ] {
            let out = scrub_line(line);
            assert!(!out.contains("horse"), "{line} -> {out}");
            assert!(!out.contains("staple"), "{line} -> {out}");
        }
        assert_eq!(
            scrub_line(r#"{"api_key": "correct horse battery", "x": 1}"#),
            r#"{"api_key": "corr… (21 chars)", "x": 1}"#
        );
        // A line already carrying a hint is left alone.
        let once = scrub_line(r#"token: "abcdefghijklmnopqrstuvwxyz""#);
        assert_eq!(scrub_line(&once), once);
        assert_eq!(scrub_line(r#"password: """#), r#"password: """#);
        // Dockerfile `ENV KEY "value"`: a quoted value after a space counts too, an
        // unquoted word does not (prose).
        let out = scrub_line(r#"ENV API_TOKEN "correct horse battery""#);
        assert!(!out.contains("horse"), "{out}");
        assert_eq!(scrub_line("the token expired"), "the token expired");
        // A quoted value that only partly is a hint is redacted again.
        let out = scrub_line(r#"DB_PASSWORD: "… (7 chars) horse battery""#);
        assert!(!out.contains("horse"), "{out}");
    }

    #[test]
    fn long_lines_are_scrubbed_within_a_window() {
        let line = format!("{}password=hunter2secret", "x ".repeat(20_000));
        let out = scrub_line(&line);
        assert!(out.len() <= SCRUB_WINDOW_BYTES + 3 && out.ends_with('…'));
        assert!(!out.contains("hunter2"));
        let line = format!("token=\"{}", "é".repeat(20_000));
        // An unterminated quoted value cut by the window is still redacted whole.
        assert!(
            scrub_line(&line).chars().count() < 40,
            "{}",
            scrub_line(&line)
        );
    }

    #[test]
    fn clip_removes_control_characters() {
        assert_eq!(clip("a\tb\u{1b}[31mc\u{7}", 80), "a b\u{fffd}[31mc\u{fffd}");
        assert_eq!(clip("\u{1b}]0;x\u{7}\u{1b}]0;x\u{7}", 4), "\u{fffd}]0…");
    }

    #[test]
    fn urls_lose_passwords_and_tokens() {
        assert_eq!(
            scrub_url("https://admin:hunter2-pass-77@staging.example.com:8443/x?a=1&access_token=abcdef123456789"),
            "https://admin:hu… (15 chars)@staging.example.com:8443/x?a=1&access_token=ab… (15 chars)"
        );
        let plain = "https://example.com/a-very-long-path-segment-that-is-longer-than-forty-chars";
        assert_eq!(scrub_url(plain), plain);
    }

    #[test]
    fn keeps_harmless_lines_readable() {
        let line = r#"allow_origins=["*"], allow_credentials=True"#;
        assert_eq!(scrub_line(line), line);
        let line = "password = os.getenv(\"DB_PASSWORD\")";
        assert_eq!(scrub_line(line), line);
    }
}
