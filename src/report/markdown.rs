//! GitHub-flavoured Markdown for a pull-request comment or a release note: the
//! verdict first, then what blocks, then the shape of the gap. Every piece of text
//! from the scan is escaped, so a message cannot break a table or inject markup.

use super::escape::hours;
use super::{Report, Reporter, Style};
use crate::finding::{Category, Finding, Outcome};
use std::io::{self, Write};

pub struct MarkdownReporter;

/// Tables with more rows than this are folded into `<details>`.
const FOLD_ROWS: usize = 10;

/// Escapes text for Markdown inline context, including table cells: Markdown
/// punctuation is backslash-escaped, HTML-significant characters become entities and
/// line breaks become `<br>`.
pub fn md(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '\\' | '`' | '*' | '_' | '[' | ']' | '|' | '~' | '#' | '!' | '$' => {
                out.push('\\');
                out.push(c);
            }
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '\n' => out.push_str("<br>"),
            '\r' => {}
            c if c.is_control() => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
    out
}

fn title_case(c: Category) -> &'static str {
    match c {
        Category::ZeroFunction => "Zero-function",
        Category::Operational => "Operational",
        Category::Business => "Business",
        Category::Advisory => "Advisory",
    }
}

/// Rule ids are letters, digits, `-` and `_`, safe inside a code span; anything else
/// (a future id scheme) is escaped as text instead.
fn rule_id(id: &str) -> String {
    if !id.is_empty()
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        format!("`{id}`")
    } else {
        md(id)
    }
}

fn location(f: &Finding) -> String {
    md(&f
        .location
        .as_ref()
        .map_or_else(|| "(repository)".to_string(), ToString::to_string))
}

fn finding_cell(f: &Finding) -> String {
    let new = if f.baseline == Some(crate::finding::BaselineStatus::New) {
        "**new** "
    } else {
        ""
    };
    match &f.evidence {
        Some(e) => format!("{new}{}<br>↳ {}", md(&f.message), md(e.as_str())),
        None => format!("{new}{}", md(&f.message)),
    }
}

/// Writes `rows` under `header`, folded when long.
fn table(
    out: &mut dyn Write,
    summary: &str,
    header: &[&str],
    rows: &[Vec<String>],
) -> io::Result<()> {
    let fold = rows.len() > FOLD_ROWS;
    if fold {
        writeln!(out, "<details><summary>{summary}</summary>")?;
        writeln!(out)?;
    }
    writeln!(out, "| {} |", header.join(" | "))?;
    writeln!(
        out,
        "|{}",
        header.iter().map(|_| "---|").collect::<String>()
    )?;
    for r in rows {
        writeln!(out, "| {} |", r.join(" | "))?;
    }
    if fold {
        writeln!(out)?;
        writeln!(out, "</details>")?;
    }
    writeln!(out)
}

impl Reporter for MarkdownReporter {
    fn write(&self, report: &Report, _style: &Style, out: &mut dyn Write) -> io::Result<()> {
        let s = &report.summary;
        let verdict = if s.gate.passed {
            "✅ READY"
        } else {
            "❌ NOT READY"
        };
        writeln!(
            out,
            "## launchgate: {verdict} · readiness **{}/100** · grade **{}**",
            s.score, s.grade
        )?;
        writeln!(out)?;
        writeln!(
            out,
            "Target {} · launchgate {} · {}",
            md(&report.target.path),
            md(report.tool.version),
            s.rules.checked_line()
        )?;
        writeln!(out)?;
        if !s.gate.passed {
            writeln!(out, "**Gate** (fail on {}):", md(s.gate.fail_on.as_str()))?;
            writeln!(out)?;
            for r in &s.gate.reasons {
                writeln!(out, "- {}", md(r))?;
            }
            writeln!(out)?;
        }
        if !report.target.stack.is_empty() {
            let names: Vec<String> = report.target.stack.iter().map(|s| md(&s.name)).collect();
            writeln!(out, "**Detected stack:** {}", names.join(", "))?;
            writeln!(out)?;
        }

        if !report.probes.is_empty() {
            writeln!(out, "### Live probes")?;
            writeln!(out)?;
            let grade = |g: &Option<String>| g.as_deref().map_or_else(|| "-".to_string(), md);
            let rows: Vec<Vec<String>> = report
                .probes
                .iter()
                .map(|p| {
                    vec![
                        md(&p.url),
                        if p.reachable { "yes" } else { "no" }.to_string(),
                        grade(&p.tls_grade),
                        format!(
                            "{} ({})",
                            grade(&p.observatory_grade),
                            p.observatory_score
                                .map_or_else(|| "-".to_string(), |s| s.to_string())
                        ),
                    ]
                })
                .collect();
            table(
                out,
                "probed URLs",
                &["URL", "Reachable", "TLS grade", "HTTP Observatory"],
                &rows,
            )?;
        }

        for category in Category::ALL {
            let failing: Vec<&Finding> = report
                .findings
                .iter()
                .filter(|f| f.category == category && f.is_active_failure())
                .collect();
            if failing.is_empty() {
                continue;
            }
            let c = &s.categories[category.as_str()];
            writeln!(
                out,
                "### {} · {} rule(s) failed · {} finding(s) · {}",
                title_case(category),
                c.failed,
                c.findings,
                hours(c.effort_hours)
            )?;
            writeln!(out)?;
            let rows: Vec<Vec<String>> = failing
                .iter()
                .map(|f| vec![rule_id(&f.rule_id), location(f), finding_cell(f)])
                .collect();
            table(
                out,
                &format!("{} {} finding(s)", failing.len(), category.as_str()),
                &["Rule", "Location", "Finding"],
                &rows,
            )?;
        }

        let suppressed: Vec<&Finding> = report
            .findings
            .iter()
            .filter(|f| f.outcome == Outcome::Fail && f.suppressed.is_some())
            .collect();
        if !suppressed.is_empty() {
            writeln!(out, "### Suppressed")?;
            writeln!(out)?;
            let rows: Vec<Vec<String>> = suppressed
                .iter()
                .map(|f| {
                    let reason = f.suppressed.as_ref().map_or(String::new(), |s| {
                        format!("{} ({})", md(&s.reason), md(&s.source))
                    });
                    vec![rule_id(&f.rule_id), location(f), md(&f.message), reason]
                })
                .collect();
            table(
                out,
                &format!("{} suppressed finding(s)", suppressed.len()),
                &["Rule", "Location", "Finding", "Reason"],
                &rows,
            )?;
        }

        let errors: Vec<&Finding> = report
            .findings
            .iter()
            .filter(|f| f.outcome == Outcome::Error)
            .collect();
        if !errors.is_empty() {
            writeln!(out, "### Rules that could not be evaluated")?;
            writeln!(out)?;
            let rows: Vec<Vec<String>> = errors
                .iter()
                .map(|f| vec![rule_id(&f.rule_id), md(&f.message)])
                .collect();
            table(out, "rule errors", &["Rule", "Problem"], &rows)?;
        }

        if !s.areas.is_empty() {
            writeln!(out, "### Areas")?;
            writeln!(out)?;
            let rows: Vec<Vec<String>> = s
                .areas
                .iter()
                .map(|a| {
                    vec![
                        a.area.as_str().to_string(),
                        format!("{}%", a.score),
                        a.failed.to_string(),
                        a.passed.to_string(),
                        a.not_applicable.to_string(),
                    ]
                })
                .collect();
            table(
                out,
                "areas",
                &["Area", "Score", "Failed", "Passed", "Not applicable"],
                &rows,
            )?;
        }

        writeln!(out, "### Remaining effort")?;
        writeln!(out)?;
        let mut rows: Vec<Vec<String>> = Category::ALL
            .iter()
            .map(|c| {
                let cs = &s.categories[c.as_str()];
                vec![
                    c.as_str().to_string(),
                    cs.failed.to_string(),
                    cs.findings.to_string(),
                    hours(cs.effort_hours),
                ]
            })
            .collect();
        rows.push(vec![
            "**total**".to_string(),
            s.rules.failed.to_string(),
            s.categories
                .values()
                .map(|c| c.findings)
                .sum::<usize>()
                .to_string(),
            format!("**{}**", hours(s.effort_hours)),
        ]);
        table(
            out,
            "effort",
            &["Category", "Failed rules", "Findings", "Effort"],
            &rows,
        )?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::md;

    #[test]
    fn escapes_table_breakers_and_markup() {
        assert_eq!(md("a|b`c`"), "a\\|b\\`c\\`");
        assert_eq!(md("<img src=x>"), "&lt;img src=x&gt;");
        assert_eq!(md("x\ny"), "x<br>y");
        assert_eq!(md("[link](u)"), "\\[link\\](u)");
    }
}
