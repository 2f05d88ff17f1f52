//! One self-contained HTML page: no stylesheet, script, font or image is fetched
//! (a Content-Security-Policy forbids it), so the file can be archived as a CI artefact
//! and opened anywhere. Summary header, an inline SVG chart of the area scores, effort
//! and stack, then every entry of the report grouped by category, with a small
//! vanilla-JS filter. Every piece of text from the scan is escaped.

use super::escape::{hours, reflow, xml};
use super::{Report, Reporter, Style};
use crate::finding::{Category, Finding, Outcome};
use crate::score::grade;
use std::io::{self, Write};

pub struct HtmlReporter;

const CSP: &str = "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'";

const CSS: &str = r#"
:root{--fg:#1f2328;--muted:#59636e;--line:#d1d9e0;--bg:#fff;--soft:#f6f8fa;
--zf:#cf222e;--op:#bc4c00;--bz:#8250df;--ad:#0969da;
--ga:#1a7f37;--gb:#4c9a2a;--gc:#9a6700;--gd:#bc4c00;--gf:#cf222e}
*{box-sizing:border-box}
[hidden]{display:none!important}
body{margin:0;font:14px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;color:var(--fg);background:var(--bg)}
header.summary{display:flex;gap:24px;align-items:center;padding:24px 32px;border-bottom:1px solid var(--line);background:var(--soft)}
.score{min-width:150px;text-align:center;border-radius:12px;padding:12px 16px;color:#fff}
.score .num{font-size:42px;font-weight:700;line-height:1}
.score .of{font-size:16px;opacity:.85}
.score .grade{display:block;font-size:15px;margin-top:4px;font-weight:600}
.g-A{background:var(--ga)}.g-B{background:var(--gb)}.g-C{background:var(--gc)}.g-D{background:var(--gd)}.g-F{background:var(--gf)}
h1{margin:0;font-size:26px}
h1 .verdict-ready{color:var(--ga)}h1 .verdict-not_ready{color:var(--gf)}
.meta{color:var(--muted);margin:4px 0 8px}
ul.reasons{margin:0;padding-left:20px}
main{padding:16px 32px 32px}
.cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(340px,1fr));gap:16px;margin-bottom:16px}
svg.chart{display:block;width:100%;max-width:560px;height:auto}
#effort td,#effort th{white-space:nowrap;padding:5px 6px}
.card{border:1px solid var(--line);border-radius:8px;padding:12px 16px}
.card h2{font-size:16px;margin:0 0 8px}
table{border-collapse:collapse;width:100%}
th,td{text-align:left;vertical-align:top;padding:6px 8px;border-bottom:1px solid var(--line)}
th{background:var(--soft);font-weight:600}
td.num,th.num{text-align:right}
.chips span{display:inline-block;border:1px solid var(--line);border-radius:12px;padding:1px 10px;margin:2px 4px 2px 0;background:var(--soft)}
.chips small{color:var(--muted)}
#filters{position:sticky;top:0;z-index:1;display:flex;flex-wrap:wrap;gap:8px 20px;align-items:center;padding:10px 0;background:var(--bg);border-bottom:1px solid var(--line);margin-bottom:8px}
#filters input[type=search]{min-width:260px;padding:5px 8px;border:1px solid var(--line);border-radius:6px;font:inherit}
#filters fieldset{border:0;margin:0;padding:0;display:flex;gap:10px;align-items:center}
#filters legend{float:left;margin-right:6px;color:var(--muted)}
#count{color:var(--muted)}
section.category h2{font-size:18px;margin:20px 0 6px;padding-left:8px;border-left:4px solid var(--line)}
section[data-category=zero-function] h2{border-color:var(--zf)}
section[data-category=operational] h2{border-color:var(--op)}
section[data-category=business] h2{border-color:var(--bz)}
section[data-category=advisory] h2{border-color:var(--ad)}
section.category h2 small{font-weight:400;color:var(--muted);font-size:13px}
td.rule code{font-weight:600}
td.rule .title{color:var(--muted);font-size:12px}
td.loc{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:12px;word-break:break-all;max-width:280px}
.evidence{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:12px;color:var(--muted);word-break:break-all}
details summary{cursor:pointer;color:var(--ad);font-size:12px}
details p{white-space:pre-wrap;margin:4px 0}
details ul{margin:4px 0;padding-left:18px;font-size:12px}
.o{display:inline-block;border-radius:10px;padding:0 8px;font-size:12px;font-weight:600;white-space:nowrap}
.o-fail{background:#ffebe9;color:var(--zf)}.o-error{background:#fff8c5;color:var(--gc)}
.o-pass{background:#dafbe1;color:var(--ga)}.o-not_applicable,.o-suppressed{background:var(--soft);color:var(--muted)}
.o-new{background:#ddf4ff;color:var(--ad)}
footer{padding:16px 32px;color:var(--muted);border-top:1px solid var(--line);font-size:12px}
footer ul{margin:4px 0;padding-left:18px}
@media print{#filters{display:none}details{display:block}}
"#;

const JS: &str = r#"
(function () {
  'use strict';
  var q = document.getElementById('q');
  var boxes = Array.prototype.slice.call(document.querySelectorAll('#filters input[type=checkbox]'));
  var rows = Array.prototype.slice.call(document.querySelectorAll('tr.finding'));
  var sections = Array.prototype.slice.call(document.querySelectorAll('section.category'));
  var count = document.getElementById('count');
  var empty = document.getElementById('empty');
  function selected(kind) {
    var set = {};
    boxes.forEach(function (b) {
      if (b.getAttribute('data-kind') === kind && b.checked) { set[b.value] = true; }
    });
    return set;
  }
  function apply() {
    var text = q.value.trim().toLowerCase();
    var categories = selected('category');
    var outcomes = selected('outcome');
    var shown = 0;
    rows.forEach(function (r) {
      var ok = categories[r.getAttribute('data-category')] === true &&
        outcomes[r.getAttribute('data-outcome')] === true &&
        (text === '' || r.textContent.toLowerCase().indexOf(text) !== -1);
      r.hidden = !ok;
      if (ok) { shown += 1; }
    });
    sections.forEach(function (s) {
      s.hidden = s.querySelector('tr.finding:not([hidden])') === null;
    });
    count.textContent = shown + ' of ' + rows.length + ' entries shown';
    empty.hidden = shown !== 0;
  }
  // `report.html#q=ENV001` opens the page filtered.
  if (window.location.hash.indexOf('#q=') === 0) {
    try { q.value = decodeURIComponent(window.location.hash.slice(3)); } catch (err) { q.value = ''; }
  }
  q.addEventListener('input', apply);
  boxes.forEach(function (b) { b.addEventListener('change', apply); });
  apply();
}());
"#;

fn e(s: &str) -> String {
    xml(s, false)
}

fn a(s: &str) -> String {
    xml(s, true)
}

fn title_case(c: Category) -> &'static str {
    match c {
        Category::ZeroFunction => "Zero-function",
        Category::Operational => "Operational",
        Category::Business => "Business",
        Category::Advisory => "Advisory",
    }
}

fn outcome_label(o: Outcome) -> &'static str {
    match o {
        Outcome::Fail => "fail",
        Outcome::Error => "error",
        Outcome::Pass => "pass",
        Outcome::NotApplicable => "not applicable",
    }
}

/// The row's outcome for the filter: a suppressed failure is its own kind.
fn row_outcome(f: &Finding) -> (&'static str, &'static str) {
    if f.outcome == Outcome::Fail && f.suppressed.is_some() {
        ("suppressed", "suppressed")
    } else {
        (f.outcome.as_str(), outcome_label(f.outcome))
    }
}

fn grade_colour(g: &str) -> &'static str {
    match g {
        "A" => "#1a7f37",
        "B" => "#4c9a2a",
        "C" => "#9a6700",
        "D" => "#bc4c00",
        _ => "#cf222e",
    }
}

fn area_chart(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    let areas = &report.summary.areas;
    const LABEL: u32 = 110;
    const BAR: u32 = 210;
    const ROW: u32 = 26;
    let height = ROW * u32::try_from(areas.len()).unwrap_or(0) + 8;
    let width = LABEL + BAR + 52;
    writeln!(
        out,
        "<svg class=\"chart\" role=\"img\" aria-label=\"Score per area\" width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\" xmlns=\"http://www.w3.org/2000/svg\" font-size=\"13\">"
    )?;
    for (i, area) in areas.iter().enumerate() {
        let y = ROW * u32::try_from(i).unwrap_or(0) + 4;
        let filled = (area.score.clamp(0.0, 100.0) * f64::from(BAR) / 100.0).round();
        writeln!(
            out,
            "<g><title>{}: {}% ({} failed, {} passed, {} not applicable)</title>\
<text x=\"0\" y=\"{}\" fill=\"#1f2328\">{}</text>\
<rect x=\"{LABEL}\" y=\"{}\" width=\"{BAR}\" height=\"16\" rx=\"3\" fill=\"#eaeef2\"/>\
<rect class=\"bar\" x=\"{LABEL}\" y=\"{}\" width=\"{filled}\" height=\"16\" rx=\"3\" fill=\"{}\"/>\
<text x=\"{}\" y=\"{}\" fill=\"#1f2328\">{}%</text></g>",
            e(area.area.as_str()),
            area.score,
            area.failed,
            area.passed,
            area.not_applicable,
            y + 13,
            e(area.area.as_str()),
            y,
            y,
            grade_colour(grade(area.score)),
            LABEL + BAR + 8,
            y + 13,
            area.score
        )?;
    }
    writeln!(out, "</svg>")
}

fn finding_row(f: &Finding, references: &[String], out: &mut dyn Write) -> io::Result<()> {
    let location = f
        .location
        .as_ref()
        .map_or_else(|| "(repository)".to_string(), ToString::to_string);
    let (outcome, label) = row_outcome(f);
    write!(
        out,
        "<tr class=\"finding\" data-category=\"{}\" data-outcome=\"{}\">\
<td class=\"rule\"><code>{}</code><div class=\"title\">{}</div></td>\
<td class=\"loc\">{}</td><td class=\"msg\">{}",
        a(f.category.as_str()),
        a(outcome),
        e(&f.rule_id),
        e(&f.title),
        e(&location),
        e(&f.message)
    )?;
    if let Some(ev) = &f.evidence {
        write!(out, "<div class=\"evidence\">↳ {}</div>", e(ev.as_str()))?;
    }
    if let Some(s) = &f.suppressed {
        write!(
            out,
            "<div class=\"evidence\">suppressed ({}): {}</div>",
            e(&s.source),
            e(&s.reason)
        )?;
    }
    if matches!(f.outcome, Outcome::Fail | Outcome::Error) && !f.remediation.trim().is_empty() {
        write!(
            out,
            "<details><summary>How to fix ({})</summary><p>{}</p>",
            e(&hours(f.effort_hours)),
            e(&reflow(&f.remediation))
        )?;
        if !references.is_empty() {
            write!(out, "<ul>")?;
            for r in references {
                if r.starts_with("https://") || r.starts_with("http://") {
                    write!(
                        out,
                        "<li><a href=\"{}\" rel=\"noopener noreferrer\">{}</a></li>",
                        a(r),
                        e(r)
                    )?;
                } else {
                    write!(out, "<li>{}</li>", e(r))?;
                }
            }
            write!(out, "</ul>")?;
        }
        write!(out, "</details>")?;
    }
    let new = if f.baseline == Some(crate::finding::BaselineStatus::New) {
        " <span class=\"o o-new\">new</span>"
    } else {
        ""
    };
    writeln!(
        out,
        "</td><td><span class=\"o o-{}\">{}</span>{new}</td></tr>",
        a(outcome),
        label
    )
}

impl Reporter for HtmlReporter {
    fn write(&self, report: &Report, _style: &Style, out: &mut dyn Write) -> io::Result<()> {
        let s = &report.summary;
        writeln!(out, "<!DOCTYPE html>")?;
        writeln!(out, "<html lang=\"en\">")?;
        writeln!(out, "<head>")?;
        writeln!(out, "<meta charset=\"utf-8\">")?;
        writeln!(
            out,
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
        )?;
        writeln!(
            out,
            "<meta http-equiv=\"Content-Security-Policy\" content=\"{CSP}\">"
        )?;
        writeln!(
            out,
            "<title>launchgate · {} · {}/100 ({})</title>",
            e(&report.target.path),
            s.score,
            e(s.grade)
        )?;
        writeln!(out, "<style>{CSS}</style>")?;
        writeln!(out, "</head>")?;
        writeln!(out, "<body>")?;

        // Summary header.
        let (verdict_class, verdict_text) = if s.gate.passed {
            ("ready", "Ready")
        } else {
            ("not_ready", "Not ready")
        };
        writeln!(out, "<header class=\"summary\">")?;
        writeln!(
            out,
            "<div class=\"score g-{}\"><span class=\"num\">{}</span><span class=\"of\">/100</span><span class=\"grade\">grade {}</span></div>",
            a(s.grade),
            s.score,
            e(s.grade)
        )?;
        writeln!(out, "<div>")?;
        writeln!(
            out,
            "<h1>Readiness: <span class=\"verdict-{verdict_class}\">{verdict_text}</span></h1>"
        )?;
        writeln!(
            out,
            "<p class=\"meta\">{} · launchgate {} · {}</p>",
            e(&report.target.path),
            e(report.tool.version),
            e(&s.rules.checked_line())
        )?;
        if !s.gate.passed {
            writeln!(
                out,
                "<p>Gate (fail on {}):</p><ul class=\"reasons\">",
                e(s.gate.fail_on.as_str())
            )?;
            for r in &s.gate.reasons {
                writeln!(out, "<li>{}</li>", e(r))?;
            }
            writeln!(out, "</ul>")?;
        } else {
            writeln!(
                out,
                "<p>The gate passed (fail on {}).</p>",
                e(s.gate.fail_on.as_str())
            )?;
        }
        writeln!(out, "</div>")?;
        writeln!(out, "</header>")?;
        writeln!(out, "<main>")?;

        // Overview cards.
        writeln!(out, "<div class=\"cards\">")?;
        if !s.areas.is_empty() {
            writeln!(out, "<section class=\"card\" id=\"areas\"><h2>Areas</h2>")?;
            area_chart(report, out)?;
            writeln!(out, "</section>")?;
        }
        writeln!(
            out,
            "<section class=\"card\" id=\"effort\"><h2>Remaining effort</h2>"
        )?;
        writeln!(
            out,
            "<table><thead><tr><th>Category</th><th class=\"num\">Failed rules</th><th class=\"num\">Findings</th><th class=\"num\">Effort</th></tr></thead><tbody>"
        )?;
        for c in Category::ALL {
            let cs = &s.categories[c.as_str()];
            writeln!(
                out,
                "<tr><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
                e(c.as_str()),
                cs.failed,
                cs.findings,
                e(&hours(cs.effort_hours))
            )?;
        }
        writeln!(
            out,
            "<tr><th>total</th><th class=\"num\">{}</th><th class=\"num\">{}</th><th class=\"num\">{}</th></tr>",
            s.rules.failed,
            s.categories.values().map(|c| c.findings).sum::<usize>(),
            e(&hours(s.effort_hours))
        )?;
        writeln!(out, "</tbody></table></section>")?;
        writeln!(
            out,
            "<section class=\"card\" id=\"stack\"><h2>Detected stack</h2><div class=\"chips\">"
        )?;
        if report.target.stack.is_empty() {
            writeln!(out, "<p>Nothing detected.</p>")?;
        }
        for st in &report.target.stack {
            writeln!(
                out,
                "<span>{} <small>{}</small></span>",
                e(&st.name),
                e(&st.kind)
            )?;
        }
        writeln!(out, "</div></section>")?;
        if !report.probes.is_empty() {
            writeln!(
                out,
                "<section class=\"card\" id=\"probes\"><h2>Live probes</h2><table><thead><tr><th>URL</th><th>TLS</th><th>HTTP Observatory</th></tr></thead><tbody>"
            )?;
            for p in &report.probes {
                let g = |g: &Option<String>| g.as_deref().map_or_else(|| "-".to_string(), e);
                writeln!(
                    out,
                    "<tr><td class=\"loc\">{}{}</td><td>{}</td><td>{} ({})</td></tr>",
                    e(&p.url),
                    if p.reachable {
                        String::new()
                    } else {
                        format!(
                            "<div class=\"evidence\">unreachable: {}</div>",
                            e(&p.errors.join("; "))
                        )
                    },
                    g(&p.tls_grade),
                    g(&p.observatory_grade),
                    p.observatory_score
                        .map_or_else(|| "-".to_string(), |s| s.to_string())
                )?;
            }
            writeln!(out, "</tbody></table></section>")?;
        }
        writeln!(out, "</div>")?;

        // Filter.
        writeln!(
            out,
            "<form id=\"filters\" role=\"search\" onsubmit=\"return false\">"
        )?;
        writeln!(
            out,
            "<input type=\"search\" id=\"q\" placeholder=\"Filter: rule, file, message…\" aria-label=\"Filter findings\">"
        )?;
        writeln!(out, "<fieldset><legend>Category</legend>")?;
        for c in Category::ALL {
            writeln!(
                out,
                "<label><input type=\"checkbox\" data-kind=\"category\" value=\"{}\" checked> {}</label>",
                a(c.as_str()),
                e(c.as_str())
            )?;
        }
        writeln!(out, "</fieldset>")?;
        writeln!(out, "<fieldset><legend>Outcome</legend>")?;
        for o in [
            Outcome::Fail,
            Outcome::Error,
            Outcome::Pass,
            Outcome::NotApplicable,
        ] {
            let checked = if matches!(o, Outcome::Fail | Outcome::Error) {
                " checked"
            } else {
                ""
            };
            writeln!(
                out,
                "<label><input type=\"checkbox\" data-kind=\"outcome\" value=\"{}\"{checked}> {}</label>",
                a(o.as_str()),
                outcome_label(o)
            )?;
        }
        if report
            .findings
            .iter()
            .any(|f| f.outcome == Outcome::Fail && f.suppressed.is_some())
        {
            writeln!(
                out,
                "<label><input type=\"checkbox\" data-kind=\"outcome\" value=\"suppressed\"> suppressed</label>"
            )?;
        }
        writeln!(out, "</fieldset>")?;
        writeln!(
            out,
            "<span id=\"count\">{} entries</span>",
            report.findings.len()
        )?;
        writeln!(out, "</form>")?;

        // Findings by category.
        let refs: std::collections::BTreeMap<&str, &[String]> = report
            .catalogue
            .iter()
            .map(|r| (r.id.as_str(), r.references.as_slice()))
            .collect();
        for c in Category::ALL {
            let entries: Vec<&Finding> =
                report.findings.iter().filter(|f| f.category == c).collect();
            if entries.is_empty() {
                continue;
            }
            let cs = &s.categories[c.as_str()];
            writeln!(
                out,
                "<section class=\"category\" data-category=\"{}\">",
                a(c.as_str())
            )?;
            writeln!(
                out,
                "<h2>{} <small>{} rule(s) failed · {} finding(s) · {} passed · {} not applicable · {}</small></h2>",
                title_case(c),
                cs.failed,
                cs.findings,
                cs.passed,
                cs.not_applicable,
                e(&hours(cs.effort_hours))
            )?;
            writeln!(
                out,
                "<table class=\"findings\"><thead><tr><th>Rule</th><th>Location</th><th>Finding</th><th>Outcome</th></tr></thead><tbody>"
            )?;
            for f in entries {
                finding_row(f, refs.get(f.rule_id.as_str()).copied().unwrap_or(&[]), out)?;
            }
            writeln!(out, "</tbody></table>")?;
            writeln!(out, "</section>")?;
        }
        writeln!(
            out,
            "<p id=\"empty\" hidden>No entry matches the filter (tick <em>pass</em> or <em>not applicable</em> to see what was checked).</p>"
        )?;
        writeln!(out, "</main>")?;

        // What was read.
        let inv = &report.inventory;
        writeln!(out, "<footer>")?;
        writeln!(
            out,
            "<p>Files: {} seen, {} read, {} binary and {} too large skipped, {} symlinks not followed.</p>",
            inv.files_seen,
            inv.files_read,
            inv.skipped_binary,
            inv.skipped_too_large,
            inv.symlinks_skipped
        )?;
        if !inv.env_files.is_empty() {
            writeln!(out, "<ul>")?;
            for ef in &inv.env_files {
                writeln!(
                    out,
                    "<li>Env file {} ({}{})</li>",
                    e(&ef.path),
                    e(ef.role),
                    if ef.gitignored {
                        ", git-ignored but audited"
                    } else {
                        ""
                    }
                )?;
            }
            writeln!(out, "</ul>")?;
        }
        if !inv.problems.is_empty() {
            writeln!(
                out,
                "<details><summary>{} file(s) not read</summary><ul>",
                inv.problems.len()
            )?;
            for p in &inv.problems {
                let at = p
                    .line
                    .map_or_else(|| p.path.clone(), |l| format!("{}:{l}", p.path));
                writeln!(out, "<li>{}: {}</li>", e(&at), e(&p.message))?;
            }
            writeln!(out, "</ul></details>")?;
        }
        writeln!(out, "</footer>")?;
        writeln!(out, "<script>{JS}</script>")?;
        writeln!(out, "</body>")?;
        writeln!(out, "</html>")
    }
}
