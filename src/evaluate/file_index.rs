//! Which walked files match the path globs of `file` checks, `applies_when.files`
//! and file-detected stacks. Every path is matched once against one glob set of
//! all those globs, on all walking threads, instead of once per rule: on a tree of
//! 100,000 files the per-rule loop was the largest single-threaded step after the
//! walk.

use crate::inventory::WalkedFile;
use crate::rules::{Check, Globs, RulePack};
use globset::{GlobSet, GlobSetBuilder};
use std::collections::BTreeMap;

/// A question asked of the file list.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Group {
    /// The `paths` of rule `i`'s `file` check.
    FileCheck(usize),
    /// Rule `i`'s `applies_when.files`.
    AppliesWhen(usize),
    /// Stack `i`, detected by the presence of files.
    Stack(usize),
}

/// For every group, the indices (into the walked files) of the files that match.
pub struct FileIndex {
    matches: BTreeMap<Group, Vec<usize>>,
}

impl FileIndex {
    pub fn build(pack: &RulePack, files: &[WalkedFile], jobs: usize) -> FileIndex {
        let mut groups = Vec::new();
        let mut builder = GlobSetBuilder::new();
        let mut owner = Vec::new();
        let mut add = |globs: &Globs, group: Group| {
            let id = groups.len();
            groups.push(group);
            for p in &globs.patterns {
                // Patterns were validated when the pack was loaded.
                if let Ok(g) = crate::rules::compile_glob(p) {
                    builder.add(g);
                    owner.push(id);
                }
            }
        };
        for (i, rule) in pack.rules.iter().enumerate() {
            if let Check::File(c) = &rule.check {
                add(&c.paths, Group::FileCheck(i));
            }
            if let Some(globs) = &rule.applies_when.files {
                add(globs, Group::AppliesWhen(i));
            }
        }
        for (i, stack) in pack.stacks.iter().enumerate() {
            if stack.pattern.is_none() {
                add(&stack.paths, Group::Stack(i));
            }
        }
        let set = builder.build().unwrap_or_else(|_| GlobSet::empty());
        let per_file = match_all(&set, &owner, files, jobs);
        let mut matches: BTreeMap<Group, Vec<usize>> = BTreeMap::new();
        for (file, ids) in per_file {
            for id in ids {
                matches.entry(groups[id]).or_default().push(file);
            }
        }
        FileIndex { matches }
    }

    /// The files of `group`, in walk (path) order.
    pub fn files<'f>(&self, group: Group, files: &'f [WalkedFile]) -> Vec<&'f WalkedFile> {
        self.matches
            .get(&group)
            .map_or(&[][..], Vec::as_slice)
            .iter()
            .map(|&i| &files[i])
            .collect()
    }
}

/// `(file index, matching group ids)` for every file that matches something, in
/// file order, computed on `jobs` threads.
fn match_all(
    set: &GlobSet,
    owner: &[usize],
    files: &[WalkedFile],
    jobs: usize,
) -> Vec<(usize, Vec<usize>)> {
    let one_chunk = |start: usize, chunk: &[WalkedFile]| {
        let mut hits = Vec::new();
        let mut out = Vec::new();
        for (k, f) in chunk.iter().enumerate() {
            set.matches_into(f.path.as_str(), &mut hits);
            if hits.is_empty() {
                continue;
            }
            let mut ids: Vec<usize> = hits.iter().map(|&g| owner[g]).collect();
            ids.sort_unstable();
            ids.dedup();
            out.push((start + k, ids));
        }
        out
    };
    let threads = if jobs == 0 {
        std::thread::available_parallelism().map_or(1, |n| n.get())
    } else {
        jobs
    };
    // Below this many files a thread costs more than it saves.
    if threads <= 1 || files.len() < 4096 || set.is_empty() {
        return one_chunk(0, files);
    }
    let size = files.len().div_ceil(threads);
    std::thread::scope(|scope| {
        let handles: Vec<_> = files
            .chunks(size)
            .enumerate()
            .map(|(n, chunk)| scope.spawn(move || one_chunk(n * size, chunk)))
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap_or_default())
            .collect()
    })
}
