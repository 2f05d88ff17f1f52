//! GitHub Actions workflow commands: one `::error`, `::warning` or `::notice`
//! annotation per failing finding, in report order, with `file`, `line` and `col`
//! when the finding points into the repository.

use super::escape::{level, reflow, Level};
use super::{Report, Reporter, Style};
use crate::finding::Finding;
use std::io::{self, Write};

pub struct GithubReporter;

/// Escapes a workflow-command message (the part after `::`), as the runner's
/// `escapeData` does; other control characters become U+FFFD.
pub fn escape_data(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '%' => out.push_str("%25"),
            '\r' => out.push_str("%0D"),
            '\n' => out.push_str("%0A"),
            '\t' => out.push(c),
            c if c.is_control() => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
    out
}

/// Escapes a workflow-command property value (`file=…`, `title=…`).
pub fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

fn command(l: Level) -> &'static str {
    match l {
        Level::Error => "error",
        Level::Warning => "warning",
        Level::Note => "notice",
    }
}

pub fn annotation(f: &Finding) -> String {
    let mut props = Vec::new();
    let loc = f.location.as_ref();
    if let Some(path) = loc.and_then(|l| l.path.as_deref()) {
        props.push(format!("file={}", escape_property(path)));
        if let Some(line) = loc.and_then(|l| l.line) {
            props.push(format!("line={line}"));
            if let Some(col) = loc.and_then(|l| l.column) {
                props.push(format!("col={col}"));
            }
        }
    }
    props.push(format!(
        "title={}",
        escape_property(&format!("{} {}", f.rule_id, f.title))
    ));
    let mut message = String::new();
    if let (None, Some(url)) = (
        loc.and_then(|l| l.path.as_deref()),
        loc.and_then(|l| l.url.as_deref()),
    ) {
        message.push_str(url);
        message.push_str(": ");
    }
    message.push_str(&f.message);
    if let Some(e) = &f.evidence {
        message.push_str("\nEvidence: ");
        message.push_str(e.as_str());
    }
    message.push_str(&format!("\n[{}] {}", f.category, reflow(&f.remediation)));
    format!(
        "::{} {}::{}",
        command(level(f.category)),
        props.join(","),
        escape_data(&message)
    )
}

impl Reporter for GithubReporter {
    fn write(&self, report: &Report, _style: &Style, out: &mut dyn Write) -> io::Result<()> {
        for f in report.findings.iter().filter(|f| f.is_active_failure()) {
            writeln!(out, "{}", annotation(f))?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_follow_the_runner() {
        assert_eq!(escape_data("100% done\r\nnext"), "100%25 done%0D%0Anext");
        assert_eq!(escape_property("a:b,c%"), "a%3Ab%2Cc%25");
        assert_eq!(escape_data("bell\u{7}"), "bell\u{fffd}");
    }
}
