//! `file` checks: a path glob must exist, must not exist, or must be git-ignored.

use super::{Occurrence, Verdict};
use crate::finding::{Evidence, Location};
use crate::inventory::WalkedFile;
use crate::rules::{FileCheck, FileMust, Rule};

/// `matching`: the walked files that match `check.paths`, in path order. `symlinks`: the
/// symbolic links the walk saw and did not follow; a link is never read, but its name
/// exists (lemmy's `.dockerignore -> .gitignore`), so it satisfies `must = "exist"`.
pub fn evaluate(
    rule: &Rule,
    check: &FileCheck,
    matching: Vec<&WalkedFile>,
    symlinks: &[String],
) -> Verdict {
    let occurrences = match check.must {
        FileMust::Exist => {
            if matching.is_empty() && !symlinks.iter().any(|p| check.paths.is_match(p)) {
                vec![Occurrence {
                    owner: None,
                    setting: None,
                    location: None,
                    message: rule.failure_message(),
                    evidence: Some(Evidence::note(format!(
                        "no file matches {}",
                        crate::redact::clip(&check.paths.patterns.join(", "), 100)
                    ))),
                }]
            } else {
                Vec::new()
            }
        }
        FileMust::NotExist => matching
            .iter()
            .map(|f| Occurrence {
                owner: None,
                setting: None,
                location: Some(Location::file(&f.path)),
                message: rule.failure_message(),
                evidence: Some(Evidence::note(format!("{} exists", f.path))),
            })
            .collect(),
        FileMust::BeIgnored => {
            if matching.is_empty() {
                return Verdict::NotApplicable(format!(
                    "no file matches {}",
                    check.paths.patterns.join(", ")
                ));
            }
            matching
                .iter()
                .filter(|f| !f.gitignored)
                .map(|f| Occurrence {
                    owner: None,
                    setting: None,
                    location: Some(Location::file(&f.path)),
                    message: rule.failure_message(),
                    evidence: Some(Evidence::note(format!(
                        "{} is not matched by any .gitignore",
                        f.path
                    ))),
                })
                .collect()
        }
    };
    Verdict::Checked {
        occurrences,
        summary: format!("{} matching file(s)", matching.len()),
    }
}
