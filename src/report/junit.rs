//! JUnit XML for CI test dashboards: one test suite per category, one test case per
//! rule. A failing rule has one `<failure>` listing every occurrence, a rule that could
//! not be evaluated an `<error>`, a rule that does not apply `<skipped>`; a passing
//! rule is a plain test case. Written by hand (no timestamps, no host name) so that
//! reports stay byte-identical between runs.

use super::escape::xml;
use super::{Report, Reporter, Style};
use crate::finding::{Category, Finding, Outcome};
use std::io::{self, Write};

pub struct JunitReporter;

/// One rule's entries, in report order.
struct Case<'a> {
    first: &'a Finding,
    entries: Vec<&'a Finding>,
}

fn cases(findings: &[Finding], category: Category) -> Vec<Case<'_>> {
    let mut out: Vec<Case<'_>> = Vec::new();
    for f in findings.iter().filter(|f| f.category == category) {
        match out.iter_mut().find(|c| c.first.rule_id == f.rule_id) {
            Some(c) => c.entries.push(f),
            None => out.push(Case {
                first: f,
                entries: vec![f],
            }),
        }
    }
    out
}

/// The outcome of the rule as a whole: it fails if it fails anywhere; a suppressed
/// occurrence no longer counts.
fn outcome(case: &Case<'_>) -> Outcome {
    case.entries
        .iter()
        .map(|f| match f.outcome {
            Outcome::Fail if !f.is_active_failure() => Outcome::Pass,
            o => o,
        })
        .min()
        .unwrap_or(Outcome::Pass)
}

/// Suppressed occurrences, listed so that they stay visible.
fn suppressed_note(case: &Case<'_>) -> Option<String> {
    let lines: Vec<String> = case
        .entries
        .iter()
        .filter_map(|f| {
            let s = f.suppressed.as_ref()?;
            Some(format!(
                "suppressed ({}): {} — {}",
                s.source,
                occurrence(f),
                s.reason
            ))
        })
        .collect();
    (!lines.is_empty()).then(|| lines.join("\n"))
}

fn occurrence(f: &Finding) -> String {
    let at = f
        .location
        .as_ref()
        .map_or_else(|| "(repository)".to_string(), ToString::to_string);
    let mut s = format!("{at}: {}", f.message);
    if let Some(e) = &f.evidence {
        s.push_str(&format!("\n    evidence: {e}"));
    }
    s
}

#[derive(Default)]
struct Counts {
    tests: usize,
    failures: usize,
    errors: usize,
    skipped: usize,
}

impl Counts {
    fn add(&mut self, o: Outcome) {
        self.tests += 1;
        match o {
            Outcome::Fail => self.failures += 1,
            Outcome::Error => self.errors += 1,
            Outcome::NotApplicable => self.skipped += 1,
            Outcome::Pass => {}
        }
    }

    fn attrs(&self) -> String {
        format!(
            "tests=\"{}\" failures=\"{}\" errors=\"{}\" skipped=\"{}\"",
            self.tests, self.failures, self.errors, self.skipped
        )
    }
}

fn write_case(case: &Case<'_>, out: &mut dyn Write) -> io::Result<()> {
    let f = case.first;
    let name = format!("{}: {}", f.rule_id, f.title);
    let class = format!("launchgate.{}.{}", f.category.as_str(), f.area.as_str());
    let open = format!(
        "    <testcase name=\"{}\" classname=\"{}\"",
        xml(&name, true),
        xml(&class, true)
    );
    let note = suppressed_note(case);
    match outcome(case) {
        Outcome::Pass if note.is_none() => writeln!(out, "{open}/>"),
        Outcome::Pass => {
            writeln!(out, "{open}>")?;
            writeln!(
                out,
                "      <system-out>{}</system-out>",
                xml(note.as_deref().unwrap_or(""), false)
            )?;
            writeln!(out, "    </testcase>")
        }
        Outcome::NotApplicable => {
            writeln!(out, "{open}>")?;
            writeln!(
                out,
                "      <skipped message=\"{}\"/>",
                xml(&format!("not applicable: {}", f.message), true)
            )?;
            writeln!(out, "    </testcase>")
        }
        Outcome::Error => {
            let errs: Vec<&&Finding> = case
                .entries
                .iter()
                .filter(|e| e.outcome == Outcome::Error)
                .collect();
            let body: Vec<String> = errs.iter().map(|e| occurrence(e)).collect();
            writeln!(out, "{open}>")?;
            writeln!(
                out,
                "      <error message=\"{}\" type=\"{}\">{}</error>",
                xml(&format!("rule could not be evaluated: {}", f.message), true),
                xml(&f.rule_id, true),
                xml(&body.join("\n"), false)
            )?;
            writeln!(out, "    </testcase>")
        }
        Outcome::Fail => {
            let fails: Vec<&&Finding> = case
                .entries
                .iter()
                .filter(|e| e.is_active_failure())
                .collect();
            let effort: f64 = fails.iter().map(|e| e.effort_hours).sum();
            let mut body: Vec<String> = fails.iter().map(|e| occurrence(e)).collect();
            body.push(format!(
                "\nCategory: {} · area: {} · effort: {}",
                f.category,
                f.area,
                super::escape::hours((effort * 10.0).round() / 10.0)
            ));
            body.push(format!(
                "How to fix: {}",
                super::escape::reflow(&f.remediation)
            ));
            if let Some(note) = &note {
                body.push(note.clone());
            }
            let message = format!(
                "{} occurrence(s); first: {}",
                fails.len(),
                fails.first().map_or("", |e| e.message.as_str())
            );
            writeln!(out, "{open}>")?;
            writeln!(
                out,
                "      <failure message=\"{}\" type=\"{}\">{}</failure>",
                xml(&message, true),
                xml(f.category.as_str(), true),
                xml(&body.join("\n"), false)
            )?;
            writeln!(out, "    </testcase>")
        }
    }
}

impl Reporter for JunitReporter {
    fn write(&self, report: &Report, _style: &Style, out: &mut dyn Write) -> io::Result<()> {
        let suites: Vec<(Category, Vec<Case<'_>>)> = Category::ALL
            .into_iter()
            .map(|c| (c, cases(&report.findings, c)))
            .collect();
        let mut total = Counts::default();
        for (_, cs) in &suites {
            for c in cs {
                total.add(outcome(c));
            }
        }
        writeln!(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>")?;
        writeln!(
            out,
            "<testsuites name=\"{}\" {}>",
            xml(&format!("launchgate {}", report.target.path), true),
            total.attrs()
        )?;
        for (category, cs) in &suites {
            let mut counts = Counts::default();
            for c in cs {
                counts.add(outcome(c));
            }
            writeln!(
                out,
                "  <testsuite name=\"{}\" {}>",
                xml(category.as_str(), true),
                counts.attrs()
            )?;
            for c in cs {
                write_case(c, out)?;
            }
            writeln!(out, "  </testsuite>")?;
        }
        writeln!(out, "</testsuites>")
    }
}
