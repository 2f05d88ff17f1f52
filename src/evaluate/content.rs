//! `content` checks: a regex that must, or must not, match in selected files.

use super::{Occurrence, Verdict};
use crate::finding::{Evidence, Location};
use crate::redact::Redacted;
use crate::rules::{ContentCheck, ContentMust, Rule};
use crate::text::LineIndex;

/// A file with more matches than this reports the first ones and a count.
const MAX_OCCURRENCES_PER_FILE: usize = 25;

#[derive(Clone, Debug)]
pub enum FileResult {
    Occurrences(Vec<Occurrence>),
    Matched(bool),
}

pub fn evaluate_file(rule: &Rule, check: &ContentCheck, path: &str, text: &str) -> FileResult {
    match check.must {
        ContentMust::MatchEachFile | ContentMust::MatchAnyFile => {
            FileResult::Matched(check.pattern.is_match(text))
        }
        ContentMust::NotMatch => {
            let mut out = Vec::new();
            if check.unless.as_ref().is_some_and(|u| u.is_match(text)) {
                return FileResult::Occurrences(out);
            }
            let mut index: Option<LineIndex> = None;
            let mut extra = 0usize;
            for caps in check.pattern.captures_iter(text) {
                let Some(m) = caps.get(0) else { continue };
                if out.len() >= MAX_OCCURRENCES_PER_FILE {
                    extra += 1;
                    continue;
                }
                let index = index.get_or_insert_with(|| LineIndex::new(text));
                let (line, column) = index.position(m.start());
                let evidence = if check.secret {
                    Evidence::note(format!("{}", Redacted::new(m.as_str())))
                } else if let Some(secret) = caps.name("secret") {
                    let full = index.line_text(line);
                    let (ls, _) = line_bounds(text, m.start());
                    let start = secret.start().saturating_sub(ls);
                    let end = secret.end().saturating_sub(ls).min(full.len());
                    match (full.get(..start), full.get(end..)) {
                        (Some(pre), Some(post)) => Evidence::line(&format!(
                            "{pre}{}{post}",
                            Redacted::new(secret.as_str())
                        )),
                        _ => Evidence::note(Redacted::new(secret.as_str()).to_string()),
                    }
                } else {
                    Evidence::line(index.line_text(line))
                };
                out.push(Occurrence {
                    location: Some(Location::at(path, line, column)),
                    message: rule.failure_message(),
                    evidence: Some(evidence),
                });
            }
            if extra > 0 {
                if let Some(last) = out.last_mut() {
                    last.message = format!("{} (and {extra} more in this file)", last.message);
                }
            }
            FileResult::Occurrences(out)
        }
    }
}

fn line_bounds(text: &str, offset: usize) -> (usize, usize) {
    let start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
    let end = text[offset..].find('\n').map_or(text.len(), |i| offset + i);
    (start, end)
}

pub fn finish(rule: &Rule, check: &ContentCheck, files: Vec<(&str, FileResult)>) -> Verdict {
    if files.is_empty() {
        return Verdict::NotApplicable(format!(
            "no file matches {}",
            check.paths.patterns.join(", ")
        ));
    }
    let checked = files.len();
    let mut occurrences = Vec::new();
    match check.must {
        ContentMust::NotMatch => {
            for (_, r) in files {
                if let FileResult::Occurrences(mut o) = r {
                    occurrences.append(&mut o);
                }
            }
        }
        ContentMust::MatchEachFile => {
            for (path, r) in files {
                if matches!(r, FileResult::Matched(false)) {
                    occurrences.push(Occurrence {
                        location: Some(Location::file(path)),
                        message: rule.failure_message(),
                        evidence: Some(Evidence::note(format!(
                            "no match for /{}/",
                            crate::redact::clip(check.pattern.as_str(), 80)
                        ))),
                    });
                }
            }
        }
        ContentMust::MatchAnyFile => {
            if !files
                .iter()
                .any(|(_, r)| matches!(r, FileResult::Matched(true)))
            {
                occurrences.push(Occurrence {
                    location: None,
                    message: rule.failure_message(),
                    evidence: Some(Evidence::note(format!(
                        "searched {checked} candidate file(s); none matches"
                    ))),
                });
            }
        }
    }
    Verdict::Checked {
        occurrences,
        summary: format!("{checked} file(s) checked"),
    }
}
