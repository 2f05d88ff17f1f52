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
        r#"(?i)(?P<key>[A-Za-z0-9_.-]*(?:secret|passw(?:or)?d|pwd|token|api[_-]?key|apikey|private[_-]?key|access[_-]?key|auth|credential|dsn|salt)[A-Za-z0-9_.-]*["']?\s*(?::=|=>|=|:)\s*)(?P<q>["']?)(?P<val>[^"'\s,;)}\]]+)"#,
    )
    .expect("static regex")
});

static TOKEN_SHAPE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"\b(?:sk|pk|rk)_(?:live|test)_[A-Za-z0-9]{8,}|\b(?:AKIA|ASIA)[A-Z0-9]{16}\b|\bgh[pousr]_[A-Za-z0-9]{20,}|\bxox[abposr]-[A-Za-z0-9-]{10,}|\bSG\.[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}|\bwhsec_[A-Za-z0-9]{10,}|\beyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{5,}|\b[A-Za-z0-9+/_-]{40,}={0,2}",
    )
    .expect("static regex")
});

/// Masks credentials in a line of source or config before it is shown as evidence:
/// passwords in URLs, values assigned to secret-looking keys, and token-shaped strings.
pub fn scrub_line(line: &str) -> String {
    let step = URL_USERINFO.replace_all(line, |c: &regex::Captures| {
        format!(
            "{}{}:{}@",
            &c["scheme"],
            &c["user"],
            Redacted::new(&c["pass"])
        )
    });
    let step = SECRET_ASSIGNMENT.replace_all(&step, |c: &regex::Captures| {
        let val = &c["val"];
        if is_harmless_value(val) {
            c[0].to_string()
        } else {
            format!("{}{}{}", &c["key"], &c["q"], Redacted::new(val))
        }
    });
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

/// Values that are references, not secrets: showing them helps and leaks nothing.
fn is_harmless_value(val: &str) -> bool {
    val.contains('…')
        || val.starts_with('$')
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

/// Shortens a line for display without splitting a character.
pub fn clip(text: &str, max_chars: usize) -> String {
    let trimmed = text.trim();
    if trimmed.chars().count() <= max_chars {
        return trimmed.to_string();
    }
    let mut out: String = trimmed.chars().take(max_chars.saturating_sub(1)).collect();
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
    fn keeps_harmless_lines_readable() {
        let line = r#"allow_origins=["*"], allow_credentials=True"#;
        assert_eq!(scrub_line(line), line);
        let line = "password = os.getenv(\"DB_PASSWORD\")";
        assert_eq!(scrub_line(line), line);
    }
}
