//! One parallel, `.gitignore`-aware walk. Hidden files are included, symlinks are
//! never followed, and each wanted file is read once and handed to a visitor on the
//! walking thread, so its text is dropped as soon as it has been evaluated.
//!
//! `.env*` files are the exception to `.gitignore`: they are usually ignored, yet
//! they are what must be audited. The walk's entry filter sees every entry of each
//! folder the walk enters (so never one inside an ignored folder such as
//! `node_modules/`); the `.env*` files it filters out are read after the walk and
//! marked as git-ignored. No folder is listed twice and no file is stat'ed by path:
//! the size check uses the open file.

use super::classify::{file_name, is_env_file_name, is_root_document};
use super::ignorefiles::IgnoreRules;
use ignore::{WalkBuilder, WalkState};
use std::borrow::Cow;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

#[derive(Clone, Debug)]
pub struct WalkOptions {
    pub max_file_size: u64,
    /// Worker threads; 0 lets the walker choose.
    pub jobs: usize,
}

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct WalkedFile {
    pub path: String,
    pub gitignored: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Skipped {
    Binary,
    TooLarge(u64),
    Unreadable(String),
}

pub struct Walk<R> {
    /// Every regular file seen, sorted by path.
    pub files: Vec<WalkedFile>,
    /// What the visitor returned for each file it was given, sorted by path.
    pub outputs: Vec<(String, R)>,
    pub skipped: Vec<(String, Skipped)>,
    pub symlinks: Vec<String>,
    /// Committed `.env` files whose folder's ignore rules ignore a `.env.local`: the
    /// dotenv convention of Symfony, Next.js, Vite and create-react-app, where `.env`
    /// holds the committed defaults and `.env.local` each machine's own values.
    pub env_defaults_files: Vec<String>,
}

struct Shared<R> {
    files: Vec<WalkedFile>,
    outputs: Vec<(String, R)>,
    skipped: Vec<(String, Skipped)>,
    symlinks: Vec<String>,
}

impl<R> Shared<R> {
    fn new() -> Self {
        Shared {
            files: Vec::new(),
            outputs: Vec::new(),
            skipped: Vec::new(),
            symlinks: Vec::new(),
        }
    }
}

const NUL_SNIFF_BYTES: usize = 8192;

/// The repository-relative path as reports show it: `/`-separated, invalid UTF-8
/// replaced, and control characters (a file may be named `\x1b]0;…\x07` or hold a
/// newline) replaced by `\u{fffd}`, so a path can never drive a terminal or break
/// a one-line format.
fn relative(root: &Path, path: &Path) -> String {
    let rel = path.strip_prefix(root).unwrap_or(path);
    let mut out = String::new();
    for (i, part) in rel.components().enumerate() {
        if i > 0 {
            out.push('/');
        }
        let name = part.as_os_str().to_string_lossy();
        out.extend(
            name.chars()
                .map(|c| if c.is_control() { '\u{fffd}' } else { c }),
        );
    }
    out
}

/// Reads at most `max + 1` bytes so that a file growing (or a sparse giant) cannot
/// make us read more than the cap. `buf` is the walking thread's buffer, reused from
/// file to file; the text borrows it unless the file is not valid UTF-8.
fn read_capped<'b>(
    path: &Path,
    max: u64,
    buf: &'b mut Vec<u8>,
) -> Result<Result<Cow<'b, str>, Skipped>, String> {
    let file = std::fs::File::open(path).map_err(|e| e.to_string())?;
    // fstat on the open descriptor: no second path lookup, and only for files read.
    let size = file.metadata().map(|m| m.len()).unwrap_or(0);
    if size > max {
        return Ok(Err(Skipped::TooLarge(size)));
    }
    buf.clear();
    buf.reserve(usize::try_from(size.saturating_add(1)).unwrap_or(0));
    file.take(max.saturating_add(1))
        .read_to_end(buf)
        .map_err(|e| e.to_string())?;
    if buf.len() as u64 > max {
        return Ok(Err(Skipped::TooLarge(buf.len() as u64)));
    }
    if buf[..buf.len().min(NUL_SNIFF_BYTES)].contains(&0) {
        return Ok(Err(Skipped::Binary));
    }
    Ok(Ok(match std::str::from_utf8(buf) {
        Ok(s) => Cow::Borrowed(s.strip_prefix('\u{feff}').unwrap_or(s)),
        Err(_) => {
            let text = String::from_utf8_lossy(buf).into_owned();
            match text.strip_prefix('\u{feff}') {
                Some(rest) => Cow::Owned(rest.to_string()),
                None => Cow::Owned(text),
            }
        }
    }))
}

/// Walks `root`; `wants` decides from a relative path whether the file is read (and
/// what the visitor is told about it, so nothing is worked out twice), `visit` gets
/// the text.
pub fn walk<R, T, W, V>(root: &Path, options: &WalkOptions, wants: W, visit: V) -> Walk<R>
where
    R: Send,
    W: Fn(&str) -> Option<T> + Sync,
    V: Fn(&WalkedFile, &str, T) -> R + Sync,
{
    let shared = Mutex::new(Shared::new());
    let handle = |path: &Path, gitignored: bool, local: &mut Shared<R>, buf: &mut Vec<u8>| {
        let rel = relative(root, path);
        if let Some(wanted) = wants(&rel) {
            match read_capped(path, options.max_file_size, buf) {
                Ok(Ok(text)) => {
                    let walked = WalkedFile {
                        path: rel.clone(),
                        gitignored,
                    };
                    let out = visit(&walked, &text, wanted);
                    local.outputs.push((rel.clone(), out));
                }
                Ok(Err(skip)) => local.skipped.push((rel.clone(), skip)),
                Err(e) => local.skipped.push((rel.clone(), Skipped::Unreadable(e))),
            }
        }
        local.files.push(WalkedFile {
            path: rel,
            gitignored,
        });
    };

    // Ignore files are read by `IgnoreRules`, never by the walker, which would open
    // them through symlinks, FIFOs and devices (see `ignorefiles`).
    let ignore_rules = IgnoreRules::new(root);
    let filter_rules = ignore_rules.clone();
    let ignored_env: Arc<Mutex<Vec<PathBuf>>> = Arc::default();
    let env_sink = Arc::clone(&ignored_env);
    let walk_root = root.to_path_buf();
    let mut builder = WalkBuilder::new(root);
    builder
        .standard_filters(false)
        .hidden(false)
        .parents(false)
        .ignore(false)
        .git_global(false)
        .git_ignore(false)
        .git_exclude(false)
        .require_git(false)
        .follow_links(false)
        .threads(options.jobs)
        .filter_entry(move |e| {
            let is_dir = e.file_type().is_some_and(|t| t.is_dir());
            if is_dir && matches!(e.file_name().to_str(), Some(".git" | ".hg" | ".svn")) {
                return false;
            }
            let mut keep = filter_rules.keep(e.path(), is_dir);
            // What GitHub reads in `.github/` (workflows, the security policy) acts only
            // when committed; a git ignore rule that catches it (squidex and WonderCMS list
            // `.github` beside `.idea`, Elkarte `.github/workflows/*.yaml`) cannot un-track
            // it. The user's own `.launchgateignore` still can.
            if !keep
                && is_root_github_path(&walk_root, e.path())
                && !filter_rules.ignored_by_user(e.path(), is_dir)
            {
                if is_dir {
                    filter_rules.keep_anyway(e.path());
                }
                keep = true;
            }
            // An ignored env file is still read (is it committed? is it the production
            // one?), and so is a root document an ignore rule catches by accident
            // (`*.txt` ignoring a tracked `LICENSE.txt`): git keeps tracked files.
            if !keep
                && e.file_type().is_some_and(|t| t.is_file())
                && e.file_name().to_str().is_some_and(|n| {
                    is_env_file_name(file_name(n)) || (e.depth() == 1 && is_root_document(n))
                })
            {
                env_sink
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .push(e.path().to_path_buf());
            }
            keep
        });
    builder.build_parallel().run(|| {
        let handle = &handle;
        let mut flush = FlushOnDrop {
            local: Some(Shared::new()),
            shared: &shared,
        };
        let mut buf = Vec::new();
        Box::new(move |entry| {
            let Some(local) = flush.local.as_mut() else {
                return WalkState::Quit;
            };
            let entry = match entry {
                Ok(e) => e,
                Err(err) => {
                    let (path, msg) = describe_walk_error(root, &err);
                    local.skipped.push((path, Skipped::Unreadable(msg)));
                    return WalkState::Continue;
                }
            };
            let Some(ft) = entry.file_type() else {
                return WalkState::Continue;
            };
            if ft.is_symlink() {
                local.symlinks.push(relative(root, entry.path()));
            } else if ft.is_file() {
                handle(entry.path(), false, local, &mut buf);
            }
            WalkState::Continue
        })
    });

    let mut shared = shared.into_inner().unwrap_or_else(|p| p.into_inner());
    let ignore_problems = std::mem::take(
        &mut *ignore_rules
            .problems
            .lock()
            .unwrap_or_else(|p| p.into_inner()),
    );
    for (path, skip) in ignore_problems {
        shared.skipped.push((relative(root, &path), skip));
    }
    shared.files.sort();
    let mut extra: Vec<PathBuf> =
        std::mem::take(&mut *ignored_env.lock().unwrap_or_else(|p| p.into_inner()));
    extra.sort();
    extra.dedup();
    let mut ignored = Shared::new();
    let mut buf = Vec::new();
    for path in extra {
        handle(&path, true, &mut ignored, &mut buf);
    }
    shared.files.append(&mut ignored.files);
    shared.outputs.append(&mut ignored.outputs);
    shared.skipped.append(&mut ignored.skipped);
    shared.files.sort();
    shared.outputs.sort_by(|a, b| a.0.cmp(&b.0));
    shared.skipped.sort();
    shared.symlinks.sort();
    let env_defaults_files = shared
        .files
        .iter()
        .filter(|f| !f.gitignored && file_name(&f.path) == ".env")
        .filter(|f| !ignore_rules.keep(&root.join(&f.path).with_file_name(".env.local"), false))
        .map(|f| f.path.clone())
        .collect();
    Walk {
        env_defaults_files,
        files: shared.files,
        outputs: shared.outputs,
        skipped: shared.skipped,
        symlinks: shared.symlinks,
    }
}

/// Hands a thread's findings to the shared lists once, when the thread is done.
struct FlushOnDrop<'a, R> {
    local: Option<Shared<R>>,
    shared: &'a Mutex<Shared<R>>,
}

impl<R> Drop for FlushOnDrop<'_, R> {
    fn drop(&mut self) {
        if let Some(mut local) = self.local.take() {
            let mut shared = self.shared.lock().unwrap_or_else(|p| p.into_inner());
            shared.files.append(&mut local.files);
            shared.outputs.append(&mut local.outputs);
            shared.skipped.append(&mut local.skipped);
            shared.symlinks.append(&mut local.symlinks);
        }
    }
}

/// Whether `path` is the target's `.github/`, a file or folder in it, or a file in one of
/// its folders (`.github/workflows/ci.yml`, `.github/SECURITY.md`,
/// `.github/ISSUE_TEMPLATE/config.yml`): what GitHub reads. Deeper paths (an action's
/// `node_modules/`) follow the ignore rules.
fn is_root_github_path(root: &Path, path: &Path) -> bool {
    let Ok(relative) = path.strip_prefix(root) else {
        return false;
    };
    let mut parts = relative.iter();
    parts.next().is_some_and(|first| first == ".github") && parts.count() <= 2
}

fn describe_walk_error(root: &Path, err: &ignore::Error) -> (String, String) {
    fn inner(root: &Path, err: &ignore::Error) -> Option<(String, String)> {
        match err {
            ignore::Error::WithPath { path, err } => Some((relative(root, path), err.to_string())),
            ignore::Error::WithDepth { err, .. } | ignore::Error::WithLineNumber { err, .. } => {
                inner(root, err)
            }
            ignore::Error::Loop { child, .. } => {
                Some((relative(root, child), "symlink loop".to_string()))
            }
            _ => None,
        }
    }
    inner(root, err).unwrap_or_else(|| (String::from("(walk)"), err.to_string()))
}
