//! Who owns the repository on GitHub, from what it says about itself: the `origin`
//! remote in `.git/config`, workflow guards (`if: github.repository_owner ==
//! 'getsentry'`), CODEOWNERS teams (`@getsentry/owners`), the module path in `go.mod`,
//! the `repository` of `package.json`, `Cargo.toml` or `pyproject.toml`, and README links
//! to the repository itself, and actions named after the repository
//! (`audiobookshelf/audiobookshelf-i18n-updater`, a maintainer's `JC5/firefly-iii-dev`).
//! An action from the repository's own organisation (`getsentry/action-release`) is no
//! third party.

use regex::Regex;
use std::collections::BTreeSet;
use std::path::Path;
use std::sync::LazyLock;

/// An owner named by a file; `repo` set means it counts only when that repository name
/// is one of the repository's own names (a README links to many repositories), or,
/// with `named_after`, starts with one (`firefly-iii-dev` for `firefly-iii`).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct OwnerHint {
    pub owner: String,
    pub repo: Option<String>,
    pub named_after: bool,
}

/// Shorter names (`api`, `app`) begin too many unrelated repositories' names.
const MIN_NAME_FOR_PREFIX: usize = 4;

impl OwnerHint {
    fn counts_for(&self, names: &BTreeSet<String>) -> bool {
        let Some(repo) = &self.repo else {
            return true;
        };
        names.contains(repo)
            || (self.named_after
                && names.iter().any(|name| {
                    name.len() >= MIN_NAME_FOR_PREFIX
                        && repo
                            .strip_prefix(name.as_str())
                            .is_some_and(|rest| rest.starts_with(['-', '_']))
                }))
    }
}

fn regex(pattern: &str) -> Regex {
    Regex::new(pattern).expect("identity pattern compiles")
}

static WORKFLOW_GUARD: LazyLock<Regex> = LazyLock::new(|| {
    regex(
        r#"github\.repository_owner\s*==\s*['"]([\w.-]+)['"]|github\.repository\s*==\s*['"]([\w.-]+)/[\w.-]+['"]"#,
    )
});
static CODEOWNERS_TEAM: LazyLock<Regex> =
    LazyLock::new(|| regex(r"(?m)(?:^|\s)@([\w.-]+)/[\w.-]+"));
static GO_MODULE: LazyLock<Regex> =
    LazyLock::new(|| regex(r"(?m)^module\s+github\.com/([\w.-]+)/"));
static MANIFEST_REPOSITORY: LazyLock<Regex> = LazyLock::new(|| {
    regex(
        r#"(?im)^\s*"?(?:repository|url|homepage|source|code|source code)"?\s*[:=]\s*"(?:git\+)?(?:https?://|ssh://git@|git@|git://)?github\.com[/:]([\w.-]+)/|^\s*"repository"\s*:\s*"(?:github:)?([\w.-]+)/[\w.-]+""#,
    )
});
static ACTION_USE: LazyLock<Regex> =
    LazyLock::new(|| regex(r#"(?m)^[ \t]*(?:-[ \t]+)?uses:[ \t]*["']?([\w.-]+)/([\w.-]+)"#));
static README_LINK: LazyLock<Regex> =
    LazyLock::new(|| regex(r"github\.com/([\w.-]+)/([\w.-]+?)(?:\.git)?(?:[/#?)\s\]>'`]|$)"));
static GIT_REMOTE: LazyLock<Regex> = LazyLock::new(|| {
    regex(
        r#"(?m)^\s*url\s*=\s*(?:https?://(?:[^@/\s]+@)?|ssh://git@|git@)github\.com[/:]([\w.-]+)/([\w.-]+?)(?:\.git)?/?\s*$"#,
    )
});

/// Whether `path` (relative to the target root) can name the owner.
pub fn names_owner(path: &str) -> bool {
    let in_workflows = path
        .strip_prefix(".github/workflows/")
        .is_some_and(|f| !f.contains('/') && (f.ends_with(".yml") || f.ends_with(".yaml")));
    in_workflows
        || matches!(
            path,
            "CODEOWNERS"
                | ".github/CODEOWNERS"
                | "docs/CODEOWNERS"
                | "go.mod"
                | "package.json"
                | "Cargo.toml"
                | "pyproject.toml"
                | "README.md"
                | "README"
                | "README.rst"
        )
}

/// The owners `text`, the contents of `path`, names.
pub fn owner_hints(path: &str, text: &str) -> Vec<OwnerHint> {
    if !names_owner(path) {
        return Vec::new();
    }
    let any = |owner: &str| OwnerHint {
        owner: owner.to_ascii_lowercase(),
        repo: None,
        named_after: false,
    };
    let of_repository = |c: regex::Captures, named_after: bool| OwnerHint {
        owner: c[1].to_ascii_lowercase(),
        repo: Some(c[2].to_ascii_lowercase()),
        named_after,
    };
    let groups = |re: &Regex| -> Vec<OwnerHint> {
        re.captures_iter(text)
            .filter_map(|c| c.iter().skip(1).flatten().next().map(|m| any(m.as_str())))
            .collect()
    };
    let mut out = match path {
        p if p.starts_with(".github/workflows/") => {
            let mut hints = groups(&WORKFLOW_GUARD);
            hints.extend(
                ACTION_USE
                    .captures_iter(text)
                    .map(|c| of_repository(c, true)),
            );
            hints
        }
        p if p.ends_with("CODEOWNERS") => groups(&CODEOWNERS_TEAM),
        "go.mod" => groups(&GO_MODULE),
        "package.json" | "Cargo.toml" | "pyproject.toml" => groups(&MANIFEST_REPOSITORY),
        _ => README_LINK
            .captures_iter(text)
            .map(|c| of_repository(c, false))
            .collect(),
    };
    out.sort();
    out.dedup();
    out
}

/// Who the scanned repository is: its GitHub owners and its own names.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Identity {
    pub owners: BTreeSet<String>,
    /// The scanned folder's name and the `origin` remote's repository name.
    pub names: BTreeSet<String>,
}

/// Suffixes that name a sister organisation of the same team: `SyliusLabs` beside `Sylius`,
/// `ory-corp` beside `ory`.
const SISTER_ORGANISATION_SUFFIXES: &[&str] = &[
    "labs", "-labs", "corp", "-corp", "hq", "-hq", "inc", "-inc", "-oss", "-io", "-dev", "-bot",
];

/// Whether `owner` (as written, any case) is one of the repository's own `owners`
/// (lower-cased) or a sister organisation of one.
pub fn is_own_owner(owner: &str, owners: &BTreeSet<String>) -> bool {
    let owner = owner.to_ascii_lowercase();
    owners.contains(&owner)
        || owners.iter().any(|own| {
            owner
                .strip_prefix(own.as_str())
                .is_some_and(|rest| SISTER_ORGANISATION_SUFFIXES.contains(&rest))
        })
}

/// Owner and repository of the `origin` remote (or the first GitHub remote) in
/// `root/.git/config`, lower-cased.
fn git_remote(root: &Path) -> Option<(String, String)> {
    let config = std::fs::read_to_string(root.join(".git").join("config")).ok()?;
    let origin = config
        .split("[remote ")
        .find(|section| section.starts_with("\"origin\""))
        .and_then(|section| GIT_REMOTE.captures(section));
    origin
        .or_else(|| GIT_REMOTE.captures(&config))
        .map(|c| (c[1].to_ascii_lowercase(), c[2].to_ascii_lowercase()))
}

/// The scanned folder's own name, lower-cased (`.` resolved).
fn folder_name(root: &Path) -> Option<String> {
    let path = root.canonicalize().ok()?;
    Some(path.file_name()?.to_string_lossy().to_ascii_lowercase())
}

/// The repository's identity: the git remote's owner and name, the folder's name, and
/// the owners the files name (README links only when they point at a repository of one
/// of those names).
pub fn identify(root: &Path, hints: &[OwnerHint]) -> Identity {
    let mut id = Identity::default();
    id.names.extend(folder_name(root));
    if let Some((owner, repo)) = git_remote(root) {
        id.owners.insert(owner);
        id.names.insert(repo);
    }
    for hint in hints {
        if hint.counts_for(&id.names) {
            id.owners.insert(hint.owner.clone());
        }
    }
    id
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn own_and_sister_owners() {
        let owners: BTreeSet<String> = ["sylius".to_string(), "ory".to_string()].into();
        for owner in ["Sylius", "SyliusLabs", "ory-corp", "ory"] {
            assert!(is_own_owner(owner, &owners), "{owner}");
        }
        for owner in ["syliusfoo", "orya", "oryx-labs", "docker"] {
            assert!(!is_own_owner(owner, &owners), "{owner}");
        }
    }

    /// The owners `identify` finds from `hints` for a checkout in a folder named `folder`.
    fn owners_in_folder(folder: &str, hints: &[OwnerHint]) -> Vec<String> {
        let dir = std::env::temp_dir()
            .join(format!("lg-identity-{folder}-{}", std::process::id()))
            .join(folder);
        std::fs::create_dir_all(&dir).expect("temp dir");
        let found = identify(&dir, hints);
        std::fs::remove_dir_all(dir.parent().expect("parent")).ok();
        found.owners.into_iter().collect()
    }

    fn owners_of(path: &str, text: &str) -> Vec<String> {
        owner_hints(path, text)
            .into_iter()
            .map(|h| h.owner)
            .collect()
    }

    #[test]
    fn hints_from_files() {
        assert_eq!(
            owners_of(
                ".github/workflows/release.yml",
                "jobs:\n  r:\n    if: github.repository_owner == 'getsentry'\n"
            ),
            ["getsentry"]
        );
        assert_eq!(
            owners_of(
                ".github/workflows/ci.yml",
                "if: ${{ github.repository == \"Flagsmith/flagsmith\" }}\n"
            ),
            ["flagsmith"]
        );
        assert_eq!(
            owners_of("CODEOWNERS", "* @getsentry/owners @someone\n"),
            ["getsentry"]
        );
        assert_eq!(
            owners_of(
                "go.mod",
                "module github.com/go-vikunja/vikunja\n\ngo 1.22\n"
            ),
            ["go-vikunja"]
        );
        assert_eq!(
            owners_of("package.json", "{\n  \"repository\": {\n    \"type\": \"git\",\n    \"url\": \"git+https://github.com/louislam/uptime-kuma.git\"\n  }\n}\n"),
            ["louislam"]
        );
        assert_eq!(
            owners_of(
                "package.json",
                "{\n  \"repository\": \"github:acme/app\"\n}\n"
            ),
            ["acme"]
        );
        assert_eq!(
            owners_of(
                "Cargo.toml",
                "[package]\nrepository = \"https://github.com/lldap/lldap\"\n"
            ),
            ["lldap"]
        );
        // Not the repository's own files, or not an owner.
        assert!(owners_of(
            "api/package.json",
            "\"url\": \"https://github.com/acme/app\""
        )
        .is_empty());
        assert!(owners_of(".github/workflows/ci.yml", "if: true\n").is_empty());
        assert!(owners_of("go.mod", "module example.com/shop\n").is_empty());
    }

    #[test]
    fn readme_links_count_for_the_folder_name_only() {
        let hints = owner_hints(
            "README.md",
            "[![CI](https://github.com/Flagsmith/flagsmith/actions)](x) uses [lib](https://github.com/other/lib).\n",
        );
        assert_eq!(owners_in_folder("flagsmith", &hints), ["flagsmith"]);
    }

    #[test]
    fn actions_named_after_the_repository_are_its_own() {
        let hints = owner_hints(
            ".github/workflows/release.yml",
            "steps:\n  - uses: JC5/firefly-iii-dev@main\n  - uses: other/firefly-iii@v1\n  - uses: third/firefly-iiix-tool@v1\n  - uses: docker/login-action@v3\n",
        );
        // Named after it (`firefly-iii-dev`) or the same name; not `firefly-iiix-tool`,
        // not `login-action`.
        assert_eq!(owners_in_folder("firefly-iii", &hints), ["jc5", "other"]);
    }

    #[test]
    fn short_names_are_not_prefixes() {
        let hints = owner_hints(".github/workflows/ci.yml", "- uses: someone/api-tools@v1\n");
        assert!(owners_in_folder("api", &hints).is_empty());
    }

    #[test]
    fn git_remotes() {
        let dir = std::env::temp_dir().join(format!("lg-remote-{}", std::process::id()));
        std::fs::create_dir_all(dir.join(".git")).expect("temp dir");
        std::fs::write(
            dir.join(".git/config"),
            "[remote \"fork\"]\n\turl = git@github.com:me/app.git\n[remote \"origin\"]\n\turl = https://github.com/Acme/app.git\n",
        )
        .expect("write config");
        let id = identify(&dir, &[]);
        std::fs::remove_dir_all(&dir).ok();
        assert!(
            id.owners.contains("acme") && !id.owners.contains("me"),
            "{id:?}"
        );
        assert!(id.names.contains("app"), "{id:?}");
    }
}
