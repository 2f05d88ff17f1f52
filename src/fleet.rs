//! Working with saved JSON reports: `launchgate diff` (what changed between two) and
//! `launchgate merge` (one fleet view over many repositories or services).

use crate::triage::{baseline_from_json, FixedFinding};
use serde::Serialize;
use std::io::{self, Write};

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Diff {
    pub old: String,
    pub new: String,
    pub score_before: f64,
    pub score_after: f64,
    pub score_change: f64,
    pub introduced: Vec<FixedFinding>,
    pub fixed: Vec<FixedFinding>,
}

pub fn diff(old_name: &str, old: &str, new_name: &str, new: &str) -> Result<Diff, String> {
    let before = baseline_from_json(old_name, old)?;
    let after = baseline_from_json(new_name, new)?;
    let pick =
        |from: &crate::triage::Baseline, other: &crate::triage::Baseline| -> Vec<FixedFinding> {
            from.failing
                .iter()
                .filter(|(fp, _)| !other.failing.contains_key(*fp))
                .map(|(_, f)| f.clone())
                .collect()
        };
    let mut introduced = pick(&after, &before);
    let mut fixed = pick(&before, &after);
    let key = |f: &FixedFinding| (f.rule_id.clone(), f.location.clone(), f.message.clone());
    introduced.sort_by_key(key);
    fixed.sort_by_key(key);
    Ok(Diff {
        old: old_name.to_string(),
        new: new_name.to_string(),
        score_before: before.score,
        score_after: after.score,
        score_change: ((after.score - before.score) * 10.0).round() / 10.0,
        introduced,
        fixed,
    })
}

fn md_escape(s: &str) -> String {
    s.replace('|', "\\|").replace('`', "'").replace('\n', " ")
}

pub fn write_diff(d: &Diff, markdown: bool, out: &mut dyn Write) -> io::Result<()> {
    let line = |f: &FixedFinding| {
        format!(
            "{} {} {}: {}",
            f.rule_id,
            f.category,
            f.location.as_deref().unwrap_or("(repository)"),
            f.message
        )
    };
    if markdown {
        writeln!(
            out,
            "### launchgate: {} → {}\n",
            md_escape(&d.old),
            md_escape(&d.new)
        )?;
        writeln!(
            out,
            "Readiness **{} → {}** ({:+})\n",
            d.score_before, d.score_after, d.score_change
        )?;
        for (title, list) in [("New", &d.introduced), ("Fixed", &d.fixed)] {
            writeln!(out, "#### {title} ({})\n", list.len())?;
            if !list.is_empty() {
                writeln!(
                    out,
                    "| Rule | Category | Location | Finding |\n|---|---|---|---|"
                )?;
                for f in list {
                    writeln!(
                        out,
                        "| {} | {} | {} | {} |",
                        f.rule_id,
                        f.category,
                        md_escape(f.location.as_deref().unwrap_or("(repository)")),
                        md_escape(&f.message)
                    )?;
                }
                writeln!(out)?;
            }
        }
        return Ok(());
    }
    writeln!(out, "{} → {}", d.old, d.new)?;
    writeln!(
        out,
        "Readiness {} → {} ({:+})",
        d.score_before, d.score_after, d.score_change
    )?;
    writeln!(out, "New ({}):", d.introduced.len())?;
    for f in &d.introduced {
        writeln!(out, "  + {}", line(f))?;
    }
    writeln!(out, "Fixed ({}):", d.fixed.len())?;
    for f in &d.fixed {
        writeln!(out, "  - {}", line(f))?;
    }
    Ok(())
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ProjectRow {
    pub report: String,
    pub target: String,
    pub score: f64,
    pub grade: String,
    pub verdict: String,
    /// Failing rules per category: zero-function, operational, business, advisory.
    pub failed: [u64; 4],
    pub effort_hours: f64,
    /// Failing zero-function findings, the first ones a fleet owner should see.
    pub blockers: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Fleet {
    pub projects: Vec<ProjectRow>,
    pub ready: usize,
    pub not_ready: usize,
    pub mean_score: f64,
}

const CATEGORIES: [&str; 4] = ["zero-function", "operational", "business", "advisory"];

pub fn merge(reports: &[(String, String)]) -> Result<Fleet, String> {
    let mut projects = Vec::new();
    for (name, text) in reports {
        let json: serde_json::Value = serde_json::from_str(text).map_err(|e| {
            format!(
                "{name}:{}:{}: not a launchgate JSON report: {e}",
                e.line(),
                e.column()
            )
        })?;
        let summary = &json["summary"];
        if summary.is_null() {
            return Err(format!(
                "{name}: not a launchgate JSON report (no `summary`)"
            ));
        }
        let failed = CATEGORIES.map(|c| summary["categories"][c]["failed"].as_u64().unwrap_or(0));
        let blockers = json["findings"]
            .as_array()
            .map(|fs| {
                fs.iter()
                    .filter(|f| {
                        f["outcome"] == "fail"
                            && f["category"] == "zero-function"
                            && f["suppressed"].is_null()
                    })
                    .take(5)
                    .map(|f| {
                        format!(
                            "{}: {}",
                            f["rule_id"].as_str().unwrap_or(""),
                            f["message"].as_str().unwrap_or("")
                        )
                    })
                    .collect()
            })
            .unwrap_or_default();
        projects.push(ProjectRow {
            report: name.clone(),
            target: json["target"]["path"].as_str().unwrap_or("").to_string(),
            score: summary["score"].as_f64().unwrap_or(0.0),
            grade: summary["grade"].as_str().unwrap_or("?").to_string(),
            verdict: summary["verdict"].as_str().unwrap_or("?").to_string(),
            failed,
            effort_hours: summary["effort_hours"].as_f64().unwrap_or(0.0),
            blockers,
        });
    }
    // Worst first: not ready before ready, then most zero-function failures, then lowest score.
    projects.sort_by(|a, b| {
        (a.verdict == "ready")
            .cmp(&(b.verdict == "ready"))
            .then(b.failed[0].cmp(&a.failed[0]))
            .then(a.score.total_cmp(&b.score))
            .then(a.report.cmp(&b.report))
    });
    let ready = projects.iter().filter(|p| p.verdict == "ready").count();
    let mean = if projects.is_empty() {
        0.0
    } else {
        projects.iter().map(|p| p.score).sum::<f64>() / projects.len() as f64
    };
    Ok(Fleet {
        not_ready: projects.len() - ready,
        ready,
        mean_score: (mean * 10.0).round() / 10.0,
        projects,
    })
}

fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FleetFormat {
    Table,
    Markdown,
    Json,
    Html,
}

pub fn write_fleet(f: &Fleet, format: FleetFormat, out: &mut dyn Write) -> io::Result<()> {
    match format {
        FleetFormat::Json => {
            serde_json::to_writer_pretty(&mut *out, f).map_err(io::Error::from)?;
            out.write_all(b"\n")
        }
        FleetFormat::Markdown => {
            writeln!(
                out,
                "### launchgate fleet: {} ready, {} not ready, mean readiness {}\n",
                f.ready, f.not_ready, f.mean_score
            )?;
            writeln!(out, "| Project | Score | Verdict | Zero-function | Operational | Business | Advisory | Effort | Top blockers |")?;
            writeln!(out, "|---|---|---|---|---|---|---|---|---|")?;
            for p in &f.projects {
                writeln!(
                    out,
                    "| {} | {} {} | {} | {} | {} | {} | {} | {} h | {} |",
                    md_escape(&p.target),
                    p.score,
                    p.grade,
                    p.verdict,
                    p.failed[0],
                    p.failed[1],
                    p.failed[2],
                    p.failed[3],
                    p.effort_hours,
                    md_escape(&p.blockers.join("; "))
                )?;
            }
            Ok(())
        }
        FleetFormat::Table => {
            let mut t = comfy_table::Table::new();
            t.load_style(comfy_table::presets::UTF8_FULL_CONDENSED)
                .set_content_arrangement(comfy_table::ContentArrangement::Dynamic)
                .set_width(120)
                .set_header(vec![
                    "Project",
                    "Score",
                    "Verdict",
                    "ZF",
                    "Op",
                    "Biz",
                    "Adv",
                    "Effort",
                    "Top blockers",
                ]);
            for p in &f.projects {
                t.add_row(vec![
                    p.target.clone(),
                    format!("{} {}", p.score, p.grade),
                    p.verdict.clone(),
                    p.failed[0].to_string(),
                    p.failed[1].to_string(),
                    p.failed[2].to_string(),
                    p.failed[3].to_string(),
                    format!("{} h", p.effort_hours),
                    p.blockers
                        .iter()
                        .take(3)
                        .cloned()
                        .collect::<Vec<_>>()
                        .join("\n"),
                ]);
            }
            writeln!(
                out,
                "Fleet: {} ready, {} not ready, mean readiness {}",
                f.ready, f.not_ready, f.mean_score
            )?;
            writeln!(out, "{t}")
        }
        FleetFormat::Html => {
            writeln!(out, "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>launchgate fleet</title>")?;
            writeln!(out, "<style>body{{font-family:system-ui,sans-serif;margin:2rem}}table{{border-collapse:collapse}}td,th{{border:1px solid #ccc;padding:.3rem .6rem;text-align:left}}.not_ready{{color:#b00}}.ready{{color:#070}}</style></head><body>")?;
            writeln!(
                out,
                "<h1>launchgate fleet</h1><p>{} ready, {} not ready, mean readiness {}</p>",
                f.ready, f.not_ready, f.mean_score
            )?;
            writeln!(out, "<table><tr><th>Project</th><th>Score</th><th>Verdict</th><th>Zero-function</th><th>Operational</th><th>Business</th><th>Advisory</th><th>Effort</th><th>Top blockers</th></tr>")?;
            for p in &f.projects {
                writeln!(
                    out,
                    "<tr><td>{}</td><td>{} {}</td><td class=\"{}\">{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{} h</td><td>{}</td></tr>",
                    html_escape(&p.target),
                    p.score,
                    html_escape(&p.grade),
                    html_escape(&p.verdict),
                    html_escape(&p.verdict),
                    p.failed[0],
                    p.failed[1],
                    p.failed[2],
                    p.failed[3],
                    p.effort_hours,
                    p.blockers.iter().map(|b| html_escape(b)).collect::<Vec<_>>().join("<br>")
                )?;
            }
            writeln!(out, "</table></body></html>")
        }
    }
}
