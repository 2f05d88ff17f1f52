//! Escaping shared by the text formats, and the category → severity mapping that
//! SARIF and GitHub annotations share.

use crate::finding::Category;

/// How loudly a failing finding is announced by CI-facing formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Level {
    Error,
    Warning,
    Note,
}

/// Zero-function and operational gaps are errors, business gaps warnings, advisories notes.
pub fn level(category: Category) -> Level {
    match category {
        Category::ZeroFunction | Category::Operational => Level::Error,
        Category::Business => Level::Warning,
        Category::Advisory => Level::Note,
    }
}

/// Text for XML and HTML content and attribute values. Characters XML 1.0 forbids
/// (most C0 controls) become U+FFFD; tabs and line breaks are kept in content and
/// written as character references in attributes, so parsers do not normalise them away.
pub fn xml(text: &str, attribute: bool) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '\n' if attribute => out.push_str("&#10;"),
            '\r' if attribute => out.push_str("&#13;"),
            '\t' if attribute => out.push_str("&#9;"),
            '\n' | '\r' | '\t' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{fffe}' || c == '\u{ffff}' => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
    out
}

/// A repository-relative path as a URI reference: every byte outside RFC 3986's
/// unreserved characters, sub-delimiters, `@` and `/` is percent-encoded (so `:` in a
/// first segment cannot be read as a scheme, and spaces or `#` stay part of the path).
pub fn uri_path(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for b in path.bytes() {
        let keep = b.is_ascii_alphanumeric()
            || matches!(
                b,
                b'-' | b'.'
                    | b'_'
                    | b'~'
                    | b'!'
                    | b'$'
                    | b'&'
                    | b'\''
                    | b'('
                    | b')'
                    | b'*'
                    | b'+'
                    | b','
                    | b';'
                    | b'='
                    | b'@'
                    | b'/'
            );
        if keep {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Hard-wrapped prose (rule texts are wrapped in their TOML files) as one line per
/// paragraph: single line breaks become spaces, blank lines are kept.
pub fn reflow(text: &str) -> String {
    text.trim()
        .split("\n\n")
        .map(|p| p.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join("\n\n")
}

/// Hours as the table shows them: `3 h`, `1.5 h`.
pub fn hours(h: f64) -> String {
    if h.fract() == 0.0 {
        format!("{h:.0} h")
    } else {
        format!("{h:.1} h")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xml_escapes_markup_and_controls() {
        assert_eq!(
            xml("a<b>&\"c'\u{1}", false),
            "a&lt;b&gt;&amp;&quot;c&#39;\u{fffd}"
        );
        assert_eq!(xml("x\ny", true), "x&#10;y");
        assert_eq!(xml("x\ny", false), "x\ny");
    }

    #[test]
    fn reflow_joins_wrapped_lines() {
        assert_eq!(reflow("a b\nc\n\nd\n"), "a b c\n\nd");
    }

    #[test]
    fn uri_path_encodes_what_a_uri_reference_cannot_hold() {
        assert_eq!(uri_path(".env"), ".env");
        assert_eq!(uri_path("a b/c#d:e%"), "a%20b/c%23d%3Ae%25");
        assert_eq!(uri_path("é"), "%C3%A9");
    }
}
