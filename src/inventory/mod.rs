//! The target as launchgate sees it: every file (walked once), the env files parsed
//! with positions, and what could not be read.

pub mod classify;
pub mod devstack;
pub mod dockerfile_copies;
pub mod dockerfile_stages;
pub mod entrypoint;
pub mod envfile;
pub mod go_build;
pub mod identity;
pub mod ignorefiles;
pub mod instructions;
pub mod intent;
pub mod kustomize;
pub mod platform_checks;
pub mod vendored;
pub mod walk;

use classify::{
    file_name, is_frontend_build_config, is_test_or_vendored, parent_dir, PRODUCTION_ENV_NAMES,
    TEMPLATE_ENV_NAMES,
};
pub use envfile::{parse_env, EnvEntry, ParsedEnv};
use serde::Serialize;
pub use walk::{walk, Skipped, Walk, WalkOptions, WalkedFile};

#[derive(Clone, Debug)]
pub struct EnvFile {
    pub path: String,
    pub gitignored: bool,
    pub parsed: ParsedEnv,
}

/// One folder's env files: the file standing for production and the template that
/// documents it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EnvUnit {
    pub dir: String,
    pub production: Option<usize>,
    pub template: Option<usize>,
}

/// Something that could not be read or parsed; the scan went on without it.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Problem {
    pub path: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<u32>,
    pub message: String,
}

/// Picks, per folder, the production env file and its template.
///
/// With `forced` (from `--env-file`), that file alone stands for production.
/// Otherwise every folder outside tests, fixtures, examples and vendored code with an
/// env file forms a unit: production is the first of `.env.production`, `.env.prod`,
/// `.env`; the template is the first of `.env.example`, `.env.sample`,
/// `.env.template`, `.env.dist`. In the folder of a front-end build tool that loads
/// env files by mode (`vite.config.ts`, `next.config.js`…, among `files`), `.env`
/// holds development defaults and only `.env.production` / `.env.prod` stand for
/// production.
pub fn env_units(
    env_files: &[EnvFile],
    files: &[WalkedFile],
    forced: Option<&str>,
) -> Vec<EnvUnit> {
    let frontend: std::collections::BTreeSet<&str> = files
        .iter()
        .filter(|f| is_frontend_build_config(file_name(&f.path)))
        .map(|f| parent_dir(&f.path))
        .collect();
    let find = |dir: &str, names: &[&str]| {
        names.iter().find_map(|name| {
            env_files
                .iter()
                .position(|f| parent_dir(&f.path) == dir && file_name(&f.path) == *name)
        })
    };
    if let Some(forced) = forced {
        let dir = parent_dir(forced);
        return vec![EnvUnit {
            dir: dir.to_string(),
            production: env_files.iter().position(|f| f.path == forced),
            template: find(dir, &TEMPLATE_ENV_NAMES),
        }];
    }
    let mut dirs: Vec<&str> = env_files
        .iter()
        .filter(|f| !is_test_or_vendored(&f.path))
        .map(|f| parent_dir(&f.path))
        .collect();
    dirs.sort_unstable();
    dirs.dedup();
    dirs.into_iter()
        .map(|dir| EnvUnit {
            dir: dir.to_string(),
            production: if frontend.contains(dir) {
                find(dir, &[".env.production", ".env.prod"])
            } else {
                find(dir, &PRODUCTION_ENV_NAMES)
            },
            template: find(dir, &TEMPLATE_ENV_NAMES),
        })
        .filter(|u| u.production.is_some() || u.template.is_some())
        .collect()
}
