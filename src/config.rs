//! The project config, `launchgate.toml` at the target's root (or `--config FILE`):
//! URLs to probe, the production env file, gate settings, extra rule packs, rule
//! overrides and suppressions. Read like rule files: every problem is reported with
//! file:line:col, and a config with problems is a usage error.

use crate::finding::Category;
use crate::rules::parse::compile_globs;
use crate::rules::reader::{Fields, Source};
use crate::rules::{Diagnostic, Diagnostics, Globs};
use crate::score::FailOn;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

pub const FILE_NAME: &str = "launchgate.toml";

/// A calendar date (for suppression expiry), compared as (year, month, day).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Date {
    pub year: i32,
    pub month: u32,
    pub day: u32,
}

impl Date {
    pub fn parse(s: &str) -> Option<Date> {
        let mut it = s.trim().splitn(3, '-');
        let year: i32 = it.next()?.parse().ok()?;
        let month: u32 = it.next()?.parse().ok()?;
        let day: u32 = it.next()?.parse().ok()?;
        let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
        let days_in_month = match month {
            1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
            4 | 6 | 9 | 11 => 30,
            2 if leap => 29,
            2 => 28,
            _ => return None,
        };
        (1..=days_in_month)
            .contains(&day)
            .then_some(Date { year, month, day })
    }

    /// Today in UTC, from the system clock.
    pub fn today() -> Date {
        let secs = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        Date::from_days((secs / 86_400) as i64)
    }

    /// Days since 1970-01-01 to a civil date (Howard Hinnant's algorithm).
    pub fn from_days(days: i64) -> Date {
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z - era * 146_097;
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
        let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
        let year = (yoe + era * 400 + i64::from(month <= 2)) as i32;
        Date { year, month, day }
    }
}

impl std::fmt::Display for Date {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

/// `[[ignore]]`: silence a rule (optionally under a path glob) for a stated reason.
#[derive(Clone, Debug)]
pub struct Ignore {
    pub rule: String,
    pub path: Option<Globs>,
    pub reason: String,
    pub expires: Option<Date>,
    pub owner: Option<String>,
    pub ticket: Option<String>,
    /// `launchgate.toml:LINE`, for the report.
    pub source: String,
}

#[derive(Clone, Debug, Default)]
pub struct ProjectConfig {
    pub file: Option<PathBuf>,
    pub urls: Vec<String>,
    pub env_file: Option<String>,
    pub health_path: Option<String>,
    pub fail_on: Option<FailOn>,
    pub min_score: Option<f64>,
    /// Extra rule packs, resolved against the config file's folder.
    pub rules: Vec<PathBuf>,
    pub disable: Vec<String>,
    /// Opt-in rules to run.
    pub enable: Vec<String>,
    pub categories: BTreeMap<String, Category>,
    pub weights: BTreeMap<String, f64>,
    pub ignores: Vec<Ignore>,
}

/// Reads `explicit`, or `launchgate.toml` in `root` when it exists.
pub fn load(root: &Path, explicit: Option<&Path>) -> Result<ProjectConfig, Diagnostics> {
    let path = match explicit {
        Some(p) => p.to_path_buf(),
        None => {
            let p = root.join(FILE_NAME);
            if !p.is_file() {
                return Ok(ProjectConfig::default());
            }
            p
        }
    };
    let name = path.display().to_string();
    let text = std::fs::read_to_string(&path).map_err(|e| {
        Diagnostics(vec![Diagnostic::whole_file(
            &name,
            format!("cannot read config: {e}"),
        )])
    })?;
    let base = path.parent().map(Path::to_path_buf).unwrap_or_default();
    let mut config = parse(&name, &text, &base)?;
    config.file = Some(path);
    Ok(config)
}

pub fn parse(name: &str, text: &str, base: &Path) -> Result<ProjectConfig, Diagnostics> {
    let mut src = Source::new(name, text);
    let root = match toml_span::parse(text) {
        Ok(v) => v,
        Err(e) => {
            src.error(
                e.span,
                format!(
                    "invalid TOML: {}",
                    crate::rules::describe_toml_error(&e.kind)
                ),
            );
            return Err(Diagnostics(src.problems));
        }
    };
    let mut c = ProjectConfig::default();
    let index = crate::text::LineIndex::new(text);
    if let Some(mut top) = Fields::new(&mut src, &root, "launchgate.toml") {
        c.urls = list(&mut src, &mut top, "urls");
        for (u, span) in top.strings(&mut src, "urls").unwrap_or_default() {
            if !(u.starts_with("https://") || u.starts_with("http://")) {
                src.error(span, format!("`{u}` is not an http(s) URL"));
            }
        }
        c.env_file = top.string(&mut src, "env_file").map(|(s, _)| s);
        c.health_path = top.string(&mut src, "health_path").map(|(s, _)| s);
        c.rules = list(&mut src, &mut top, "rules")
            .into_iter()
            .map(|r| base.join(r))
            .collect();
        c.disable = list(&mut src, &mut top, "disable");
        c.enable = list(&mut src, &mut top, "enable");
        if let Some(v) = top.value("gate") {
            if let Some(mut g) = Fields::new(&mut src, v, "[gate]") {
                c.fail_on = g.string(&mut src, "fail_on").and_then(|(s, span)| {
                    let f = FailOn::parse(&s);
                    if f.is_none() {
                        src.error(span, format!("`fail_on` cannot be `{s}`; expected one of: zero-function, operational, business, never"));
                    }
                    f
                });
                c.min_score = g.number(&mut src, "min_score").and_then(|(n, span)| {
                    if (0.0..=100.0).contains(&n) {
                        Some(n)
                    } else {
                        src.error(span, "`min_score` is between 0 and 100");
                        None
                    }
                });
                g.finish(&mut src);
            }
        }
        if let Some(v) = top.value("overrides") {
            if let Some(table) = v.as_table() {
                for (key, rule) in table {
                    let what = format!("[overrides.{}]", key.name);
                    if let Some(mut o) = Fields::new(&mut src, rule, &what) {
                        if let Some((cat, span)) = o.string(&mut src, "category") {
                            match Category::parse(&cat) {
                                Some(cat) => {
                                    c.categories.insert(key.name.to_string(), cat);
                                }
                                None => src.error(span, format!("unknown category `{cat}`; expected one of: zero-function, operational, business, advisory")),
                            }
                        }
                        if let Some((w, span)) = o.number(&mut src, "weight") {
                            if (0.0..=1000.0).contains(&w) {
                                c.weights.insert(key.name.to_string(), w);
                            } else {
                                src.error(span, "weight must be between 0 and 1000");
                            }
                        }
                        if o.boolean(&mut src, "disable") == Some(true) {
                            c.disable.push(key.name.to_string());
                        }
                        if o.boolean(&mut src, "enable") == Some(true) {
                            c.enable.push(key.name.to_string());
                        }
                        o.finish(&mut src);
                    }
                }
            } else {
                src.error(
                    v.span,
                    "`overrides` must be a table of [overrides.RULE-ID] tables",
                );
            }
        }
        if let Some(v) = top.value("ignore") {
            match v.as_array() {
                Some(items) => {
                    for item in items {
                        if let Some(ignore) = parse_ignore(&mut src, item, &index) {
                            c.ignores.push(ignore);
                        }
                    }
                }
                None => src.error(v.span, "`ignore` must be an array of tables ([[ignore]])"),
            }
        }
        top.finish(&mut src);
    }
    if src.problems.is_empty() {
        Ok(c)
    } else {
        Err(Diagnostics(src.problems))
    }
}

fn list(src: &mut Source<'_>, f: &mut Fields<'_, '_>, key: &'static str) -> Vec<String> {
    f.strings(src, key)
        .unwrap_or_default()
        .into_iter()
        .map(|(s, _)| s)
        .collect()
}

fn parse_ignore(
    src: &mut Source<'_>,
    v: &toml_span::Value<'_>,
    index: &crate::text::LineIndex<'_>,
) -> Option<Ignore> {
    let mut f = Fields::new(src, v, "[[ignore]]")?;
    let before = src.problems.len();
    let rule = f.required_string(src, "rule");
    let path = f
        .strings(src, "path")
        .and_then(|g| compile_globs(src, g, "path"));
    let reason = f.required_string(src, "reason");
    if let Some((r, span)) = &reason {
        if r.trim().len() < 3 {
            src.error(*span, "a suppression needs a real `reason`");
        }
    }
    let expires = f.string(src, "expires").and_then(|(s, span)| {
        let d = Date::parse(&s);
        if d.is_none() {
            src.error(
                span,
                format!("`expires` must be a date written \"YYYY-MM-DD\", found `{s}`"),
            );
        }
        d
    });
    let owner = f.string(src, "owner").map(|(s, _)| s);
    let ticket = f.string(src, "ticket").map(|(s, _)| s);
    let span = f.span();
    f.finish(src);
    if src.problems.len() > before {
        return None;
    }
    let (line, _) = index.position(span.start);
    Some(Ignore {
        rule: rule?.0,
        path,
        reason: reason?.0,
        expires,
        owner,
        ticket,
        source: format!("{}:{line}", src.name),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates() {
        assert_eq!(Date::from_days(0).to_string(), "1970-01-01");
        assert_eq!(Date::from_days(20_454).to_string(), "2026-01-01");
        assert_eq!(
            Date::parse("2024-02-29").map(|d| d.to_string()).as_deref(),
            Some("2024-02-29")
        );
        assert!(Date::parse("2023-02-29").is_none());
        assert!(Date::parse("tomorrow").is_none());
    }

    #[test]
    fn every_problem_is_reported() {
        let text = "urls = [\"ftp://x\"]\nfail_on = \"never\"\n[gate]\nmin_score = 140\n[[ignore]]\nrule = \"ENV001\"\n";
        let err = parse("launchgate.toml", text, Path::new("")).unwrap_err();
        let all = err.to_string();
        assert!(
            all.contains("launchgate.toml:1:10: `ftp://x` is not an http(s) URL"),
            "{all}"
        );
        assert!(
            all.contains("launchgate.toml:2:1: unknown field `fail_on`"),
            "{all}"
        );
        assert!(
            all.contains("launchgate.toml:4:13: `min_score` is between 0 and 100"),
            "{all}"
        );
        assert!(all.contains("missing the required field `reason`"), "{all}");
    }
}
