//! `rules list` and `rules explain`.

use crate::rules::{AppliesWhen, Check, Rule, RulePack};
use comfy_table::{presets::UTF8_FULL_CONDENSED, ContentArrangement, Table};
use serde::Serialize;
use std::io::{self, Write};

#[derive(Serialize)]
struct RuleEntry<'a> {
    id: &'a str,
    title: &'a str,
    category: &'a str,
    area: &'a str,
    kind: &'a str,
    effort_hours: f64,
    weight: f64,
    applies_when: String,
    remediation: &'a str,
    references: &'a [String],
    defined_at: String,
    opt_in: bool,
}

fn entry(rule: &Rule) -> RuleEntry<'_> {
    RuleEntry {
        id: &rule.id,
        title: &rule.title,
        category: rule.category.as_str(),
        area: rule.area.as_str(),
        kind: rule.check.kind(),
        effort_hours: rule.effort_hours(),
        weight: rule.weight(),
        applies_when: describe_applies(&rule.applies_when),
        remediation: &rule.remediation,
        references: &rule.references,
        defined_at: format!("{}:{}", rule.origin.file, rule.origin.line),
        opt_in: rule.opt_in,
    }
}

pub fn describe_applies(w: &AppliesWhen) -> String {
    let mut parts = Vec::new();
    if !w.stack.is_empty() {
        parts.push(format!("stack is one of: {}", w.stack.join(", ")));
    }
    if !w.not_stack.is_empty() {
        parts.push(format!("stack is none of: {}", w.not_stack.join(", ")));
    }
    if let Some(f) = &w.files {
        parts.push(format!("a file matches {}", f.patterns.join(", ")));
    }
    if parts.is_empty() {
        "always".to_string()
    } else {
        parts.join("; ")
    }
}

pub fn list(pack: &RulePack, json: bool, out: &mut dyn Write) -> io::Result<()> {
    if json {
        let entries: Vec<RuleEntry<'_>> = pack.rules.iter().map(entry).collect();
        serde_json::to_writer_pretty(&mut *out, &entries).map_err(io::Error::from)?;
        return out.write_all(b"\n");
    }
    let mut t = Table::new();
    t.load_style(UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Dynamic)
        .set_width(120)
        .set_header(vec!["Id", "Category", "Area", "Kind", "Title"]);
    for r in &pack.rules {
        t.add_row(vec![
            r.id.clone(),
            r.category.as_str().to_string(),
            r.area.as_str().to_string(),
            r.check.kind().to_string(),
            titled(r),
        ]);
    }
    writeln!(out, "{t}")?;
    let opt_in = pack.rules.iter().filter(|r| r.opt_in).count();
    writeln!(
        out,
        "{} rules ({opt_in} opt-in: run only with --enable ID), {} stack detectors",
        pack.rules.len(),
        pack.stacks.len()
    )
}

/// How an opt-in rule is switched on, for `explain` and the reference.
fn opt_in_note(id: &str) -> String {
    format!("scans run it only with `--enable {id}` or `enable = [\"{id}\"]` in `launchgate.toml`")
}

/// The title, marked when the rule is off unless enabled.
fn titled(rule: &Rule) -> String {
    if rule.opt_in {
        format!("{} (opt-in)", rule.title)
    } else {
        rule.title.clone()
    }
}

fn check_summary(check: &Check) -> String {
    match check {
        Check::File(c) => format!("file {:?}: {}", c.must, c.paths.patterns.join(", ")),
        Check::Content(c) => format!(
            "content {:?} /{}/ in {}",
            c.must,
            c.pattern.as_str(),
            c.paths.patterns.join(", ")
        ),
        Check::Env(c) => format!(
            "env {:?} file, condition {:?}, keys /{}/",
            c.file,
            condition_name(&c.condition),
            c.keys.as_str()
        ),
        Check::Drift(c) => format!("drift: {c:?}"),
        Check::Probe(c) => format!(
            "probe: {} {:?} (when {} condition(s))",
            c.expect.facts.join(" or "),
            c.expect.op,
            c.when.len()
        ),
        Check::Structured(c) => format!(
            "structured: {} → select `{}` ({} assertion(s))",
            c.paths.patterns.join(", "),
            c.select
                .iter()
                .map(|s| s.as_str())
                .collect::<Vec<_>>()
                .join(" | "),
            c.assert.len()
        ),
    }
}

fn condition_name(c: &crate::rules::EnvCondition) -> &'static str {
    use crate::rules::EnvCondition as C;
    match c {
        C::Empty => "empty",
        C::Missing => "missing",
        C::Placeholder => "placeholder",
        C::WeakSecret { .. } => "weak-secret",
        C::Localhost => "localhost",
        C::InsecureUrl => "insecure-url",
        C::InlineCredentials => "inline-credentials",
        C::Matches(_) => "matches",
        C::NotInTemplate => "not-in-template",
        C::NotInProduction => "not-in-production",
    }
}

pub fn explain(rule: &Rule, out: &mut dyn Write) -> io::Result<()> {
    writeln!(out, "{} — {}", rule.id, rule.title)?;
    writeln!(
        out,
        "category: {} · area: {} · effort: {} h per occurrence · weight: {}",
        rule.category,
        rule.area,
        rule.effort_hours(),
        rule.weight()
    )?;
    writeln!(
        out,
        "applies when: {}",
        describe_applies(&rule.applies_when)
    )?;
    writeln!(out, "checks: {}", check_summary(&rule.check))?;
    if rule.opt_in {
        writeln!(out, "opt-in: {}", opt_in_note(&rule.id))?;
    }
    if !rule.description.is_empty() {
        writeln!(out, "\nWhy it matters:\n{}", rule.description.trim_end())?;
    }
    writeln!(out, "\nHow to fix:\n{}", rule.remediation.trim_end())?;
    if !rule.references.is_empty() {
        writeln!(out, "\nReferences:")?;
        for r in &rule.references {
            writeln!(out, "  {r}")?;
        }
    }
    writeln!(
        out,
        "\nDefined at {}:{}",
        rule.origin.file, rule.origin.line
    )
}

/// `docs/rules.md`: the rule reference, generated from the pack (kept current by a test).
pub fn reference_markdown(pack: &RulePack) -> String {
    let mut out = String::from(
        "# launchgate rule reference\n\nGenerated from the built-in pack (`checks/*.toml`) by `launchgate rules doc`; a test fails when this file is stale.\n\n",
    );
    out.push_str(&format!(
        "{} rules.\n\n| Id | Category | Area | Kind | Title |\n|---|---|---|---|---|\n",
        pack.rules.len()
    ));
    for r in &pack.rules {
        out.push_str(&format!(
            "| [{id}](#{anchor}) | {} | {} | {} | {} |\n",
            r.category,
            r.area,
            r.check.kind(),
            titled(r).replace('|', "\\|"),
            id = r.id,
            anchor = r.id.to_ascii_lowercase()
        ));
    }
    for r in &pack.rules {
        out.push_str(&format!("\n## {}\n\n**{}**\n\n", r.id, r.title));
        out.push_str(&format!(
            "- category: `{}` · area: `{}` · kind: `{}` · effort: {} h per occurrence · weight: {}\n- applies when: {}\n\n",
            r.category,
            r.area,
            r.check.kind(),
            r.effort_hours(),
            r.weight(),
            describe_applies(&r.applies_when)
        ));
        if r.opt_in {
            out.push_str(&format!("Opt-in: {}.\n\n", opt_in_note(&r.id)));
        }
        if !r.description.trim().is_empty() {
            out.push_str(&format!("{}\n\n", r.description.trim()));
        }
        out.push_str(&format!("**How to fix.** {}\n", r.remediation.trim()));
        if !r.references.is_empty() {
            out.push_str("\nReferences:\n");
            for u in &r.references {
                out.push_str(&format!("- <{u}>\n"));
            }
        }
    }
    out
}
