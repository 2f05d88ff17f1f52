//! Rule and config file problems as `file:line:col: message` with an excerpt.

use crate::text::LineIndex;
use std::fmt;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    pub file: String,
    pub line: u32,
    pub column: u32,
    pub message: String,
    /// The offending source line and a caret under the span.
    pub excerpt: Option<(String, usize, usize)>,
}

impl Diagnostic {
    pub fn at(file: &str, src: &str, start: usize, end: usize, message: impl Into<String>) -> Self {
        Diagnostic::at_indexed(file, src, &LineIndex::new(src), start, end, message)
    }

    /// [`Diagnostic::at`] with the line index of `src` already built: a file with
    /// thousands of problems must not be re-indexed for each one.
    pub fn at_indexed(
        file: &str,
        src: &str,
        index: &LineIndex<'_>,
        start: usize,
        end: usize,
        message: impl Into<String>,
    ) -> Self {
        let (line, column) = index.position(start);
        let text = index.line_text(line);
        let width = src
            .get(start..end.max(start))
            .map_or(1, |s| s.lines().next().unwrap_or("").chars().count().max(1));
        Diagnostic {
            file: file.to_string(),
            line,
            column,
            message: message.into(),
            excerpt: Some((text.to_string(), column as usize, width)),
        }
    }

    pub fn whole_file(file: &str, message: impl Into<String>) -> Self {
        Diagnostic {
            file: file.to_string(),
            line: 1,
            column: 1,
            message: message.into(),
            excerpt: None,
        }
    }
}

/// Tabs become spaces (so carets stay aligned), other control characters `\u{fffd}`.
fn printable(c: char) -> char {
    match c {
        '\t' => ' ',
        c if c.is_control() => '\u{fffd}',
        c => c,
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Messages may quote a value from the file (`fail_on` cannot be `…`), and a
        // project config comes with the scanned repository: masked like evidence, and
        // control characters replaced, so an error can never print a credential or
        // drive the terminal.
        let message: String = crate::redact::scrub_line(&self.message)
            .chars()
            .map(printable)
            .collect();
        write!(f, "{}:{}:{}: {message}", self.file, self.line, self.column)?;
        if let Some((text, column, width)) = &self.excerpt {
            let gutter = self.line.to_string().len();
            let pad = " ".repeat(gutter);
            // The excerpt is text from a user's file: control characters are replaced
            // (tabs by spaces, so the caret stays aligned) and anything credential-
            // shaped is masked, as in evidence (the caret may then be approximate).
            let shown: String = text.chars().take(200).map(printable).collect();
            let shown = crate::redact::scrub_line(&shown);
            let caret_at = (*column).saturating_sub(1).min(shown.chars().count());
            let caret_width = (*width)
                .min(shown.chars().count().saturating_sub(caret_at))
                .max(1);
            write!(
                f,
                "\n{pad} |\n{} | {shown}\n{pad} | {}{}",
                self.line,
                " ".repeat(caret_at),
                "^".repeat(caret_width)
            )?;
        }
        Ok(())
    }
}

/// Every problem found in one or more rule or config files.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Diagnostics(pub Vec<Diagnostic>);

impl fmt::Display for Diagnostics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, d) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("\n")?;
            }
            write!(f, "{d}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Diagnostics {}
