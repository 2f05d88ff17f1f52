//! `.gitignore`, `.launchgateignore` and `.git/info/exclude`, read by launchgate
//! itself rather than by the `ignore` crate's walker. A project's `.ignore` is not
//! read: it is ripgrep's file for search noise, and projects list product files there
//! (goatcounter hides `/db/migrate`), which a readiness scan must still see.
//!
//! The walker's own ignore handling opens each ignore file by path, so a hostile
//! repository could make it follow a symlink out of the target (`.gitignore ->
//! /home/me/.ssh/id_rsa`), block forever on a FIFO named `.gitignore`, or read
//! `/dev/zero` until memory runs out. Here every ignore file is checked with
//! `lstat` first (a regular file, not a symlink), re-checked after opening (same
//! inode), and read up to [`MAX_IGNORE_FILE_BYTES`]. Ignore files of folders
//! *above* the target are not read either: launchgate reads only inside the root.
//!
//! Precedence follows the `ignore` crate (and so ripgrep): per kind, the deepest
//! folder with a matching pattern (ignore or `!whitelist`) decides; across kinds,
//! `.launchgateignore` beats `.gitignore`, which beats `.git/info/exclude`. `.gitignore` and `exclude` patterns stop applying above the
//! folder that holds `.git` (a nested repository has its own rules).

use super::walk::Skipped;
use ignore::gitignore::{Gitignore, GitignoreBuilder};
use ignore::Match;
use std::collections::HashMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

/// Ignore files larger than this are not used (a real one is a few KiB).
pub const MAX_IGNORE_FILE_BYTES: u64 = 1 << 20;

/// The rules of one folder that has ignore files or a `.git`, linked to the
/// nearest such folder above it. Folders without either share their parent's
/// node, so matching walks only the folders that have rules.
struct Node {
    custom: Gitignore,
    git: Gitignore,
    exclude: Gitignore,
    has_git: bool,
    parent: Option<Arc<Node>>,
}

/// What a folder's entries are matched against: `None` when no folder from the
/// root down to it has any ignore file.
type Chain = Option<Arc<Node>>;

pub struct IgnoreRules {
    chains: Mutex<HashMap<PathBuf, Chain>>,
    /// Ignore files that were not used (symlinks, FIFOs, too large, unreadable),
    /// by path; reported like other files that could not be read.
    pub problems: Mutex<Vec<(PathBuf, Skipped)>>,
}

impl IgnoreRules {
    pub fn new(root: &Path) -> Arc<IgnoreRules> {
        let rules = Arc::new(IgnoreRules {
            chains: Mutex::new(HashMap::new()),
            problems: Mutex::new(Vec::new()),
        });
        let chain = rules.load(root, None);
        rules.lock().insert(root.to_path_buf(), chain);
        rules
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<PathBuf, Chain>> {
        self.chains.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Whether the walk should enter or yield `path` (an entry of a folder the walk
    /// is in). A folder that is kept gets its own rules loaded here, before any of
    /// its entries are filtered.
    pub fn keep(&self, path: &Path, is_dir: bool) -> bool {
        let Some(parent) = path.parent() else {
            return true;
        };
        let chain = self.lock().get(parent).cloned().flatten();
        if is_ignored(chain.as_deref(), path, is_dir) {
            return false;
        }
        if is_dir {
            self.enter(path, chain);
        }
        true
    }

    /// Whether the user's own `.launchgateignore` ignores `path`, whatever git's rules say:
    /// the exclusions the walk never overrides.
    pub fn ignored_by_user(&self, path: &Path, is_dir: bool) -> bool {
        let Some(parent) = path.parent() else {
            return false;
        };
        let chain = self.lock().get(parent).cloned().flatten();
        let mut node = chain.as_deref();
        while let Some(n) = node {
            match n.custom.matched(path, is_dir) {
                Match::Ignore(_) => return true,
                Match::Whitelist(_) => return false,
                Match::None => node = n.parent.as_deref(),
            }
        }
        false
    }

    /// Enters a folder that git's ignore rules catch but that the walk reads anyway (the
    /// root `.github/`, see `walk`): its own rules are loaded for what is below.
    pub fn keep_anyway(&self, path: &Path) {
        let chain = path
            .parent()
            .and_then(|parent| self.lock().get(parent).cloned().flatten());
        self.enter(path, chain);
    }

    fn enter(&self, path: &Path, chain: Chain) {
        let own = self.load(path, chain);
        self.lock().insert(path.to_path_buf(), own);
    }

    fn load(&self, dir: &Path, parent: Chain) -> Chain {
        let git_meta = std::fs::symlink_metadata(dir.join(".git")).ok();
        let has_git = git_meta.is_some();
        let custom = self.read(dir, &[".launchgateignore"]);
        let git = self.read(dir, &[".gitignore"]);
        // A `.git` file (worktree, submodule) points elsewhere: not followed.
        let exclude = if git_meta.is_some_and(|m| m.is_dir()) {
            self.read(dir, &[".git", "info", "exclude"])
        } else {
            Gitignore::empty()
        };
        if !has_git && custom.is_empty() && git.is_empty() && exclude.is_empty() {
            return parent;
        }
        Some(Arc::new(Node {
            custom,
            git,
            exclude,
            has_git,
            parent,
        }))
    }

    /// Builds the matcher for `dir/parts…`, or an empty one when the file is
    /// absent or unsafe to read.
    fn read(&self, dir: &Path, parts: &[&str]) -> Gitignore {
        let mut path = dir.to_path_buf();
        for (i, part) in parts.iter().enumerate() {
            path.push(part);
            let Ok(meta) = std::fs::symlink_metadata(&path) else {
                return Gitignore::empty();
            };
            let last = i + 1 == parts.len();
            if meta.file_type().is_symlink() {
                self.problem(&path, "ignore file is a symlink; not followed");
                return Gitignore::empty();
            }
            if !last && !meta.is_dir() {
                return Gitignore::empty();
            }
            if last && !meta.is_file() {
                self.problem(&path, "ignore file is not a regular file; not read");
                return Gitignore::empty();
            }
            if last && meta.len() > MAX_IGNORE_FILE_BYTES {
                self.problem(
                    &path,
                    &format!("ignore file is larger than {MAX_IGNORE_FILE_BYTES} bytes; not used"),
                );
                return Gitignore::empty();
            }
        }
        let text = match read_regular(&path) {
            Ok(t) => t,
            Err(e) => {
                self.problem(&path, &format!("ignore file not read: {e}"));
                return Gitignore::empty();
            }
        };
        let mut builder = GitignoreBuilder::new(dir);
        for line in text.lines() {
            // A pattern that does not parse is skipped, as git does; its text is not
            // echoed (it came from the repository and is not ours to print).
            let _ = builder.add_line(Some(path.clone()), line);
        }
        builder.build().unwrap_or_else(|_| Gitignore::empty())
    }

    fn problem(&self, path: &Path, message: &str) {
        self.problems
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push((path.to_path_buf(), Skipped::Unreadable(message.to_string())));
    }
}

/// Opens `path` and reads it only if it is still the regular file `lstat` saw
/// (a swap for a FIFO or symlink between the two calls is refused), up to the cap.
fn read_regular(path: &Path) -> Result<String, String> {
    let before = std::fs::symlink_metadata(path).map_err(|e| e.to_string())?;
    let file = std::fs::File::open(path).map_err(|e| e.to_string())?;
    let after = file.metadata().map_err(|e| e.to_string())?;
    if !after.is_file() || !same_file(&before, &after) {
        return Err("file changed while being opened".to_string());
    }
    let mut bytes = Vec::new();
    file.take(MAX_IGNORE_FILE_BYTES)
        .read_to_end(&mut bytes)
        .map_err(|e| e.to_string())?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

#[cfg(unix)]
fn same_file(a: &std::fs::Metadata, b: &std::fs::Metadata) -> bool {
    use std::os::unix::fs::MetadataExt;
    a.dev() == b.dev() && a.ino() == b.ino()
}

#[cfg(not(unix))]
fn same_file(a: &std::fs::Metadata, b: &std::fs::Metadata) -> bool {
    a.len() == b.len() && a.is_file() == b.is_file()
}

fn is_ignored(mut node: Option<&Node>, path: &Path, is_dir: bool) -> bool {
    let (mut custom, mut git, mut exclude) = (Match::None, Match::None, Match::None);
    let mut saw_git = false;
    while let Some(n) = node {
        if custom.is_none() {
            custom = n.custom.matched(path, is_dir).map(|_| ());
        }
        if !saw_git {
            if git.is_none() {
                git = n.git.matched(path, is_dir).map(|_| ());
            }
            if exclude.is_none() {
                exclude = n.exclude.matched(path, is_dir).map(|_| ());
            }
        }
        saw_git |= n.has_git;
        node = n.parent.as_deref();
    }
    custom.or(git).or(exclude).is_ignore()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn precedence_and_nesting() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::create_dir_all(root.join("a/b")).unwrap();
        std::fs::write(root.join("a/.gitignore"), "!keep.log\n").unwrap();
        std::fs::write(root.join(".launchgateignore"), "secret.txt\n").unwrap();
        std::fs::write(root.join(".gitignore"), "*.log\nbuild/\n!secret.txt\n").unwrap();
        // ripgrep's `.ignore` is search noise, not the project's file list.
        std::fs::write(root.join(".ignore"), "src/\n").unwrap();
        let rules = IgnoreRules::new(root);
        assert!(rules.ignored_by_user(&root.join("secret.txt"), false));
        assert!(!rules.ignored_by_user(&root.join("x.log"), false));
        assert!(!rules.keep(&root.join("x.log"), false));
        assert!(!rules.keep(&root.join("build"), true));
        assert!(rules.keep(&root.join("src"), true));
        assert!(
            !rules.keep(&root.join("secret.txt"), false),
            "custom beats .gitignore"
        );
        assert!(rules.keep(&root.join("a"), true));
        assert!(
            rules.keep(&root.join("a/keep.log"), false),
            "deeper whitelist wins"
        );
        assert!(!rules.keep(&root.join("a/other.log"), false));
        assert!(rules.keep(&root.join("a/b"), true));
        assert!(!rules.keep(&root.join("a/b/y.log"), false));
    }

    #[cfg(unix)]
    #[test]
    fn unsafe_ignore_files_are_not_read() {
        let dir = tempfile::tempdir().unwrap();
        let outside = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::write(outside.path().join("patterns"), "*\n").unwrap();
        std::os::unix::fs::symlink(outside.path().join("patterns"), root.join(".gitignore"))
            .unwrap();
        std::os::unix::fs::symlink("/dev/zero", root.join(".launchgateignore")).unwrap();
        let rules = IgnoreRules::new(root);
        assert!(rules.keep(&root.join("anything.txt"), false));
        assert_eq!(rules.problems.lock().unwrap().len(), 2);
    }
}
