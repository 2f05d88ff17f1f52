//! The terminal report: verdict first, then what blocks, then the shape of the gap.

use super::{Report, Reporter, Style};
use crate::finding::{Category, Finding, Outcome};
use anstyle::{AnsiColor, Effects, Style as Ansi};
use comfy_table::{presets::UTF8_FULL_CONDENSED, Cell, ContentArrangement, Table};
use std::io::{self, Write};

pub struct TableReporter;

fn paint(style: &Style, ansi: Ansi, text: &str) -> String {
    if style.color {
        format!("{}{text}{}", ansi.render(), ansi.render_reset())
    } else {
        text.to_string()
    }
}

fn category_colour(c: Category) -> Ansi {
    let colour = match c {
        Category::ZeroFunction => AnsiColor::Red,
        Category::Operational => AnsiColor::Yellow,
        Category::Business => AnsiColor::Magenta,
        Category::Advisory => AnsiColor::Cyan,
    };
    Ansi::new()
        .fg_color(Some(colour.into()))
        .effects(Effects::BOLD)
}

fn hours(h: f64) -> String {
    if h.fract() == 0.0 {
        format!("{h:.0} h")
    } else {
        format!("{h:.1} h")
    }
}

fn new_table(style: &Style, header: &[&str]) -> Table {
    let mut t = Table::new();
    t.load_style(UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Dynamic)
        .set_width(style.width)
        .set_header(header.iter().map(Cell::new));
    t
}

fn finding_cell(f: &Finding) -> String {
    let new = if f.baseline == Some(crate::finding::BaselineStatus::New) {
        "[new] "
    } else {
        ""
    };
    match &f.evidence {
        Some(e) => format!("{new}{}\n↳ {}", f.message, e),
        None => format!("{new}{}", f.message),
    }
}

impl Reporter for TableReporter {
    fn write(&self, report: &Report, style: &Style, out: &mut dyn Write) -> io::Result<()> {
        let s = &report.summary;
        let bold = Ansi::new().effects(Effects::BOLD);
        writeln!(
            out,
            "{} {} · {}",
            paint(style, bold, "launchgate"),
            report.tool.version,
            report.target.path
        )?;
        if !report.target.stack.is_empty() {
            let names: Vec<&str> = report
                .target
                .stack
                .iter()
                .map(|s| s.name.as_str())
                .collect();
            writeln!(out, "Stack: {}", names.join(", "))?;
        }
        writeln!(out)?;
        let verdict = if s.gate.passed {
            paint(
                style,
                Ansi::new()
                    .fg_color(Some(AnsiColor::Green.into()))
                    .effects(Effects::BOLD),
                "READY",
            )
        } else {
            paint(
                style,
                Ansi::new()
                    .fg_color(Some(AnsiColor::Red.into()))
                    .effects(Effects::BOLD),
                "NOT READY",
            )
        };
        writeln!(
            out,
            "Readiness {}/100 · grade {} · {verdict}",
            s.score, s.grade
        )?;
        if !s.gate.passed {
            writeln!(
                out,
                "Gate (fail on {}): {}",
                s.gate.fail_on.as_str(),
                s.gate.reasons.join("; ")
            )?;
        }

        for p in &report.probes {
            let grade = |g: &Option<String>| g.clone().unwrap_or_else(|| "-".into());
            writeln!(
                out,
                "Probe {}: TLS grade {} · HTTP Observatory grade {} ({}){}",
                p.url,
                grade(&p.tls_grade),
                grade(&p.observatory_grade),
                p.observatory_score
                    .map_or_else(|| "-".to_string(), |s| s.to_string()),
                if p.reachable {
                    String::new()
                } else {
                    format!(" · unreachable: {}", p.errors.join("; "))
                }
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
            writeln!(out)?;
            writeln!(
                out,
                "{} · {} rule(s) failed · {} finding(s) · {}",
                paint(
                    style,
                    category_colour(category),
                    &category.as_str().to_uppercase()
                ),
                c.failed,
                c.findings,
                hours(c.effort_hours)
            )?;
            let mut t = new_table(style, &["Rule", "Location", "Finding"]);
            for f in failing {
                t.add_row(vec![
                    Cell::new(&f.rule_id),
                    Cell::new(
                        f.location
                            .as_ref()
                            .map_or_else(|| "(repository)".to_string(), ToString::to_string),
                    ),
                    Cell::new(finding_cell(f)),
                ]);
            }
            writeln!(out, "{t}")?;
        }

        if style.show_passed {
            let others: Vec<&Finding> = report
                .findings
                .iter()
                .filter(|f| f.outcome != Outcome::Fail)
                .collect();
            if !others.is_empty() {
                writeln!(out)?;
                writeln!(out, "{}", paint(style, bold, "PASSED AND NOT APPLICABLE"))?;
                let mut t = new_table(style, &["Rule", "Outcome", "Detail"]);
                for f in others {
                    t.add_row(vec![
                        Cell::new(&f.rule_id),
                        Cell::new(f.outcome.as_str()),
                        Cell::new(&f.message),
                    ]);
                }
                writeln!(out, "{t}")?;
            }
        }

        if !s.areas.is_empty() {
            writeln!(out)?;
            writeln!(out, "{}", paint(style, bold, "AREAS"))?;
            let mut t = new_table(
                style,
                &["Area", "Score", "Failed", "Passed", "Not applicable"],
            );
            for a in &s.areas {
                t.add_row(vec![
                    Cell::new(a.area.as_str()),
                    Cell::new(format!("{}%", a.score)),
                    Cell::new(a.failed),
                    Cell::new(a.passed),
                    Cell::new(a.not_applicable),
                ]);
            }
            writeln!(out, "{t}")?;
        }

        if let Some(b) = &report.baseline {
            writeln!(out)?;
            writeln!(
                out,
                "Baseline {}: score {} → {} ({:+}), {} new, {} unchanged, {} fixed",
                b.file,
                b.score_before,
                s.score,
                b.score_change,
                b.new,
                b.unchanged,
                b.fixed.len()
            )?;
            for f in &b.fixed {
                writeln!(
                    out,
                    "  fixed: {} {} ({})",
                    f.rule_id,
                    f.location.as_deref().unwrap_or("(repository)"),
                    f.message
                )?;
            }
        }
        let sup = &report.suppressions;
        if !sup.is_empty() {
            writeln!(out)?;
            writeln!(
                out,
                "Suppressed: {} finding(s) (listed with their reasons in machine formats)",
                sup.applied
            )?;
            for n in &sup.expired {
                writeln!(
                    out,
                    "Expired suppression {} ({}, expired {}): no longer suppressing — {}",
                    n.source,
                    n.rule,
                    n.expires.as_deref().unwrap_or("?"),
                    n.reason
                )?;
            }
            for n in &sup.stale {
                writeln!(
                    out,
                    "Stale suppression {} ({}): matched nothing — remove it",
                    n.source, n.rule
                )?;
            }
            for n in &sup.invalid {
                writeln!(
                    out,
                    "Ignored inline suppression {} ({}): {}",
                    n.source, n.rule, n.reason
                )?;
            }
        }

        writeln!(out)?;
        let efforts: Vec<String> = Category::ALL
            .iter()
            .map(|c| {
                format!(
                    "{} {}",
                    c.as_str(),
                    hours(s.categories[c.as_str()].effort_hours)
                )
            })
            .collect();
        writeln!(
            out,
            "Remaining effort: {} (total {})",
            efforts.join(" · "),
            hours(s.effort_hours)
        )?;
        writeln!(
            out,
            "Checked {} rules: {} failed, {} passed, {} not applicable{}",
            s.rules.total,
            s.rules.failed,
            s.rules.passed,
            s.rules.not_applicable,
            if style.show_passed {
                ""
            } else {
                " (--show-passed lists them)"
            }
        )?;
        let inv = &report.inventory;
        writeln!(
            out,
            "Files: {} seen, {} read, {} binary and {} too large skipped, {} symlinks not followed",
            inv.files_seen,
            inv.files_read,
            inv.skipped_binary,
            inv.skipped_too_large,
            inv.symlinks_skipped
        )?;
        for e in &inv.env_files {
            let ignored = if e.gitignored {
                ", git-ignored but audited"
            } else {
                ""
            };
            writeln!(out, "Env file: {} ({}{ignored})", e.path, e.role)?;
        }
        for d in &inv.development_setups {
            writeln!(
                out,
                "Development setup, not judged: {} ({})",
                d.path, d.reason
            )?;
        }
        const MAX_PROBLEMS: usize = 20;
        for p in inv.problems.iter().take(MAX_PROBLEMS) {
            let at = p
                .line
                .map_or_else(|| p.path.clone(), |l| format!("{}:{l}", p.path));
            writeln!(out, "Not read: {at}: {}", p.message)?;
        }
        if inv.problems.len() > MAX_PROBLEMS {
            writeln!(
                out,
                "… and {} more (see --format json)",
                inv.problems.len() - MAX_PROBLEMS
            )?;
        }
        Ok(())
    }
}
