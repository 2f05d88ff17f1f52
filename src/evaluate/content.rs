//! `content` checks: a regex that must, or must not, match in selected files.

use super::{Occurrence, Verdict};
use crate::finding::{Evidence, Location};
use crate::inventory::classify::is_compose_file;
use crate::inventory::instructions::EVERY_COMPOSE_SECRET;
use crate::redact::Redacted;
use crate::rules::{ContentCheck, ContentMust, Rule};
use crate::text::LineIndex;
use std::collections::BTreeSet;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

/// A file with more matches than this reports the first ones and a count.
const MAX_OCCURRENCES_PER_FILE: usize = 25;

#[derive(Clone, Debug)]
pub enum FileResult {
    Occurrences(Vec<Occurrence>),
    Matched(bool),
    /// An `any-file` candidate judged after the walk (`unless_in_image`): whether it
    /// matched, and whether it stays a candidate even when an image copies it.
    Candidate {
        matched: bool,
        kept_in_image: bool,
    },
}

/// What the walk counts for a rule over all files, whatever the order of its threads.
#[derive(Debug, Default)]
pub struct Tally {
    /// Files selected for the rule.
    pub checked: AtomicUsize,
    /// Some selected file matched (all that `scope = "any-file"` needs).
    pub matched: AtomicBool,
}

/// Evaluates one selected file. `may_match` is false when the prefilter showed the
/// pattern cannot match. Only what the verdict needs is kept: occurrences, or (for
/// `each-file`) a file without a match; `any-file` needs only the tally, so once a
/// file matched the others are not searched.
pub fn evaluate_selected(
    rule: &Rule,
    check: &ContentCheck,
    path: &str,
    text: &str,
    may_match: bool,
    tally: &Tally,
) -> Option<FileResult> {
    // A file of the wrong shape is not a candidate at all (it is not counted).
    if !check.documents.is_empty()
        && !super::structured::some_document_holds(&check.documents, path, text)
    {
        return None;
    }
    tally.checked.fetch_add(1, Ordering::Relaxed);
    let judged = judged_text(check, text);
    let judged = judged.as_ref();
    let may_match = may_match || matched_by_path(check, path);
    match check.must {
        ContentMust::MatchAnyFile if check.unless_in_image.is_some() => {
            Some(FileResult::Candidate {
                matched: may_match
                    && (matched_by_path(check, path) || check.pattern.is_match(judged)),
                kept_in_image: check
                    .unless_in_image
                    .as_ref()
                    .is_some_and(|keep| keep.is_match(text)),
            })
        }
        ContentMust::MatchAnyFile => {
            if may_match
                && !tally.matched.load(Ordering::Relaxed)
                && (matched_by_path(check, path) || check.pattern.is_match(judged))
            {
                tally.matched.store(true, Ordering::Relaxed);
            }
            None
        }
        ContentMust::MatchEachFile => (!(may_match
            && (matched_by_path(check, path) || check.pattern.is_match(judged)))
            && !passes_unless(check, text))
        .then_some(FileResult::Matched(false)),
        ContentMust::NotMatch => {
            if !may_match {
                return None;
            }
            match evaluate_file(rule, check, path, text) {
                FileResult::Occurrences(o) if o.is_empty() => None,
                r => Some(r),
            }
        }
    }
}

/// An each-file check's escapes, judged on the whole file: `unless`, and an image that
/// starts no process or only a package build (`unless_no_process`).
fn passes_unless(check: &ContentCheck, text: &str) -> bool {
    check.unless.as_ref().is_some_and(|u| u.is_match(text))
        || (check.unless_no_process
            && (crate::inventory::dockerfile_stages::starts_no_process(text)
                || crate::inventory::entrypoint::starts_a_build(text)))
}

fn matched_by_path(check: &ContentCheck, path: &str) -> bool {
    check.match_paths.as_ref().is_some_and(|g| g.is_match(path))
}

/// The text `from_last` leaves to judge: from its last match on (the whole text
/// without it, or when it does not match).
fn judged_part<'t>(check: &ContentCheck, text: &'t str) -> &'t str {
    let start = check
        .from_last
        .as_ref()
        .and_then(|re| re.find_iter(text).last())
        .map_or(0, |m| m.start());
    &text[start..]
}

/// The text a `match` pattern is judged on: with `shipped_stages`, the Dockerfile stages
/// the shipped image is made of (the last one and those it is built `FROM`, whose `USER`
/// it inherits), after the global build arguments a `FROM $BASE` line reads; otherwise
/// what `from_last` leaves.
fn judged_text<'t>(check: &ContentCheck, text: &'t str) -> std::borrow::Cow<'t, str> {
    if check.shipped_stages {
        let spans = crate::inventory::dockerfile_stages::shipped_chain_spans(text);
        if !spans.is_empty() {
            let global_args = &text[..crate::inventory::dockerfile_stages::first_stage_start(text)];
            return std::borrow::Cow::Owned(
                std::iter::once(global_args)
                    .chain(spans.into_iter().map(|span| &text[span]))
                    .collect(),
            );
        }
    }
    std::borrow::Cow::Borrowed(judged_part(check, text))
}

pub fn evaluate_file(rule: &Rule, check: &ContentCheck, path: &str, text: &str) -> FileResult {
    match check.must {
        ContentMust::MatchEachFile | ContentMust::MatchAnyFile => FileResult::Matched(
            matched_by_path(check, path)
                || check.pattern.is_match(&judged_text(check, text))
                || (check.must == ContentMust::MatchEachFile && passes_unless(check, text)),
        ),
        ContentMust::NotMatch => {
            let mut out = Vec::new();
            if check.unless.as_ref().is_some_and(|u| u.is_match(text)) {
                return FileResult::Occurrences(out);
            }
            // Matches before the judged part are not occurrences; positions stay
            // those of the whole file.
            let skip = text.len() - judged_part(check, text).len();
            let mut index: Option<LineIndex> = None;
            let mut set_aside_stages = if check.skip_build_stages {
                crate::inventory::dockerfile_stages::build_stage_spans(text)
            } else {
                Vec::new()
            };
            if check.skip_development_stages {
                set_aside_stages
                    .extend(crate::inventory::dockerfile_stages::development_stage_spans(text));
            }
            // With `shipped_stages`, a match in a stage the shipped image is not made of
            // (a `development` stage beside `production`) is no occurrence.
            let shipped = if check.shipped_stages {
                crate::inventory::dockerfile_stages::shipped_chain_spans(text)
            } else {
                Vec::new()
            };
            let mut extra = 0usize;
            for caps in check.pattern.captures_iter(text) {
                let Some(m) = caps.get(0) else { continue };
                if m.start() < skip {
                    continue;
                }
                if caps
                    .name("stage")
                    .is_some_and(|stage| names_earlier_stage(&text[..m.start()], stage.as_str()))
                {
                    continue;
                }
                if set_aside_stages
                    .iter()
                    .any(|span| span.contains(&m.start()))
                {
                    continue;
                }
                if !shipped.is_empty() && !shipped.iter().any(|span| span.contains(&m.start())) {
                    continue;
                }
                if check
                    .unless_guarded
                    .as_ref()
                    .is_some_and(|guard| guard.is_match(&guarding_text(text, m.start())))
                {
                    continue;
                }
                if check
                    .unless_matched
                    .as_ref()
                    .is_some_and(|u| u.is_match(m.as_str()))
                {
                    continue;
                }
                if out.len() >= MAX_OCCURRENCES_PER_FILE {
                    extra += 1;
                    continue;
                }
                let index = index.get_or_insert_with(|| LineIndex::new(text));
                // A pattern may begin by matching blank lines or indentation: point at
                // the first character that is not white space.
                let lead = m.as_str().len() - m.as_str().trim_start().len();
                let (line, column) =
                    index.position(m.start() + lead.min(m.len().saturating_sub(1)));
                let evidence = if check.secret {
                    Evidence::note(format!("{}", Redacted::new(m.as_str())))
                } else if let Some(secret) = caps.name("secret") {
                    let full = index.line_text(line);
                    let (ls, _) = line_bounds(text, m.start());
                    let start = secret.start().saturating_sub(ls);
                    let mut end = secret.end().saturating_sub(ls).min(full.len());
                    // A quoted secret is hidden up to its closing quote (or the end of
                    // the line), an unquoted one up to a ` #` comment (or the end of the
                    // line): a pattern that stops at a space must not leave
                    // `"correct horse battery"` or `PASSWORD: correct horse battery`
                    // showing "horse battery".
                    let rest = full.get(end..).unwrap_or("");
                    end += match full.get(..start).and_then(|p| p.chars().last()) {
                        Some(q @ ('"' | '\'')) => rest.find(q).unwrap_or(rest.len()),
                        _ => rest.find(" #").unwrap_or(rest.len()),
                    };
                    end = start + full.get(start..end).map_or(0, |v| v.trim_end().len());
                    match (full.get(..start), full.get(end..)) {
                        (Some(pre), Some(post)) => Evidence::line(&format!(
                            "{pre}{}{post}",
                            Redacted::new(full.get(start..end).unwrap_or(secret.as_str()))
                        )),
                        _ => Evidence::note(Redacted::new(secret.as_str()).to_string()),
                    }
                } else {
                    Evidence::line(index.line_text(line))
                };
                out.push(Occurrence {
                    owner: caps.name("owner").map(|o| o.as_str().to_string()),
                    setting: caps
                        .name("setting")
                        .map(|s| s.as_str().to_ascii_uppercase()),
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

/// Whether `before`, the Dockerfile text before a `FROM`, declares a build stage
/// named `name` (`FROM node:22 AS node`): `FROM node` then starts from that stage.
fn names_earlier_stage(before: &str, name: &str) -> bool {
    before.lines().any(|line| {
        let words: Vec<&str> = line.split_whitespace().collect();
        words
            .first()
            .is_some_and(|w| w.eq_ignore_ascii_case("FROM"))
            && words.len() >= 2
            && words[words.len() - 2].eq_ignore_ascii_case("AS")
            && words[words.len() - 1].eq_ignore_ascii_case(name)
    })
}

/// Where a condition or a comment that guards the match at `offset` would be written:
/// its own line up to the match, after the lines that enclose it, that is each of the
/// four code lines before it (comment lines skipped) that is indented less than
/// everything after it (`if (x) {` above an indented body). A same-level
/// `if not ok: raise` above it guards nothing.
fn guarding_text(text: &str, offset: usize) -> String {
    let line_start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
    let indent = |line: &str| line.len() - line.trim_start().len();
    // The line's own indentation, also when the match takes it in (`^[ \t]*SECRET_KEY`).
    let (_, line_end) = line_bounds(text, offset);
    let mut level = indent(&text[line_start..line_end]);
    let mut enclosing: Vec<&str> = Vec::new();
    // Comment lines explaining the branch are not lines of code: they neither count
    // towards the four nor enclose.
    let is_code = |line: &&str| {
        let t = line.trim_start();
        !t.is_empty() && !["//", "#", "/*", "*"].iter().any(|c| t.starts_with(c))
    };
    for line in text[..line_start].lines().rev().filter(is_code).take(4) {
        if indent(line) < level {
            level = indent(line);
            enclosing.push(line);
        }
    }
    enclosing.reverse();
    enclosing.push(&text[line_start..offset]);
    enclosing.join("\n")
}

fn line_bounds(text: &str, offset: usize) -> (usize, usize) {
    let start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
    let end = text[offset..].find('\n').map_or(text.len(), |i| offset + i);
    (start, end)
}

/// Files without a match pass when `passes` holds for their path: a Compose service
/// that builds them sets the key themselves (`unless_compose_sets`), or they are built
/// on the project's own image (`unless_own_image_healthcheck`).
pub fn pass_where(files: &mut [(&str, FileResult)], passes: impl Fn(&str) -> bool) {
    for (path, result) in files.iter_mut() {
        if matches!(result, FileResult::Matched(false)) && passes(path) {
            *result = FileResult::Matched(true);
        }
    }
}

/// An `any-file` check with `unless_in_image`: the candidates that remain once the
/// files copied into an image (and not kept by the regex) are set aside, as a tally.
/// Files copied in one folder with a kept candidate (`COPY docker/rootfs /`) are that
/// server's snippets and stay too: nginx-proxy-manager's `conf.d/include/force-ssl.conf`,
/// included by its TLS server.
pub fn tally_outside_images(files: &[(&str, FileResult)], copied: &BTreeSet<String>) -> Tally {
    fn copied_folders<'a>(path: &'a str, copied: &BTreeSet<String>) -> Vec<&'a str> {
        path.match_indices('/')
            .map(|(i, _)| &path[..i])
            .filter(|folder| copied.contains(*folder))
            .collect()
    }
    let kept_folders: BTreeSet<&str> = files
        .iter()
        .filter(|(_, r)| {
            matches!(
                r,
                FileResult::Candidate {
                    kept_in_image: true,
                    ..
                }
            )
        })
        .flat_map(|(path, _)| copied_folders(path, copied))
        .collect();
    let tally = Tally::default();
    for (path, r) in files {
        if let FileResult::Candidate {
            matched,
            kept_in_image,
        } = r
        {
            let with_kept = || {
                copied_folders(path, copied)
                    .iter()
                    .any(|folder| kept_folders.contains(folder))
            };
            if *kept_in_image
                || !crate::inventory::dockerfile_copies::is_copied(path, copied)
                || with_kept()
            {
                tally.checked.fetch_add(1, Ordering::Relaxed);
                if *matched {
                    tally.matched.store(true, Ordering::Relaxed);
                }
            }
        }
    }
    tally
}

/// The rule's verdict from its tally and the files [`evaluate_selected`] kept, in
/// path order.
pub fn finish(
    rule: &Rule,
    check: &ContentCheck,
    tally: &Tally,
    files: Vec<(&str, FileResult)>,
    own_owners: &BTreeSet<String>,
    instructed_settings: &BTreeSet<String>,
) -> Verdict {
    let checked = tally.checked.load(Ordering::Relaxed);
    if checked == 0 && !check.fail_without_files {
        return Verdict::NotApplicable(format!(
            "no file matches {}",
            check.paths.patterns.join(", ")
        ));
    }
    let mut occurrences = Vec::new();
    match check.must {
        ContentMust::NotMatch => {
            for (_, r) in files {
                if let FileResult::Occurrences(o) = r {
                    occurrences.extend(o.into_iter().filter(|o| {
                        !o.owner.as_ref().is_some_and(|owner| {
                            crate::inventory::identity::is_own_owner(owner, own_owners)
                        }) && !o.setting.as_ref().is_some_and(|s| {
                            instructed_settings.contains(s)
                                || (instructed_settings.contains(EVERY_COMPOSE_SECRET)
                                    && o.location
                                        .as_ref()
                                        .and_then(|l| l.path.as_deref())
                                        .is_some_and(is_compose_file))
                        })
                    }));
                }
            }
        }
        ContentMust::MatchEachFile => {
            for (path, r) in files {
                if matches!(r, FileResult::Matched(false)) {
                    occurrences.push(Occurrence {
                        owner: None,
                        setting: None,
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
            if !tally.matched.load(Ordering::Relaxed) {
                occurrences.push(Occurrence {
                    owner: None,
                    setting: None,
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
