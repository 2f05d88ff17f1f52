//! `drift` checks: configuration the code reads, compared with the template that
//! documents it and the deployment that provides it.
//!
//! Reads are extracted per language on the walking thread (the same single read of
//! each file as every other check). Provided for production: the production env
//! files, Compose `environment:`, Kubernetes container `env` and ConfigMap / Secret
//! keys, Dockerfile `ENV`, and platform files (fly.toml `[env]`, render.yaml
//! `envVars`, app.yaml `env_variables`, app.json `env`).

use super::{Occurrence, Verdict};
use crate::doc::{Node, Scalar, Selector, Value};
use crate::drift::{similar_names, EnvRead, SourceKind};
use crate::finding::{Evidence, Location};
use crate::inventory::classify::parent_dir;
use crate::inventory::{EnvFile, EnvUnit};
use crate::rules::{DriftCondition, Rule};
use serde::Serialize;
use std::collections::hash_map::Entry;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::{Mutex, OnceLock};

/// A read found in a file, kept with its path.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Read {
    pub path: String,
    pub read: EnvRead,
}

/// The reads of one variable. Walking threads merge files in any order, so "first"
/// is the smallest (path, line, column): the read met first in path order.
#[derive(Clone, Debug)]
pub struct NameReads {
    pub first: Read,
    /// The first read without a default.
    pub first_required: Option<Read>,
    pub all_default: bool,
    /// Every read as (file index, line), for `launchgate env`.
    at: Vec<(u32, u32)>,
}

fn read_key(r: &Read) -> (&str, u32, u32) {
    (r.path.as_str(), r.read.line, r.read.column)
}

/// Every read of the scan, merged as files are walked: per variable only what the
/// checks need (first reads) and a compact list of places, so memory grows with the
/// number of variables and reads, not with copies of every snippet and path.
#[derive(Debug, Default)]
pub struct Reads {
    /// Paths of the files with reads (indexed by `NameReads::at`).
    files: Vec<String>,
    pub by_name: BTreeMap<String, NameReads>,
    /// Reads whose variable name is computed at run time, in path order.
    pub dynamic: Vec<Read>,
    pub count: usize,
}

#[derive(Debug, Default)]
struct Collected {
    files: Vec<String>,
    by_name: HashMap<String, NameReads>,
    dynamic: Vec<Read>,
    count: usize,
}

/// Collects reads from the walking threads.
#[derive(Debug, Default)]
pub struct ReadCollector(Mutex<Collected>);

impl ReadCollector {
    /// Adds one file's reads (sorted by line and column, as extracted).
    pub fn add(&self, path: &str, reads: Vec<EnvRead>) {
        if reads.is_empty() {
            return;
        }
        let mut c = self.0.lock().unwrap_or_else(|p| p.into_inner());
        let file = u32::try_from(c.files.len()).unwrap_or(u32::MAX);
        c.files.push(path.to_string());
        c.count += reads.len();
        for read in reads {
            let Some(name) = read.name.clone() else {
                c.dynamic.push(Read {
                    path: path.to_string(),
                    read,
                });
                continue;
            };
            let line = read.line;
            let required = !read.has_default;
            match c.by_name.entry(name) {
                Entry::Vacant(e) => {
                    let first = Read {
                        path: path.to_string(),
                        read,
                    };
                    e.insert(NameReads {
                        first_required: required.then(|| first.clone()),
                        all_default: !required,
                        at: vec![(file, line)],
                        first,
                    });
                }
                Entry::Occupied(mut e) => {
                    let n = e.get_mut();
                    n.at.push((file, line));
                    n.all_default &= !required;
                    let key = (path, read.line, read.column);
                    let earlier = key < read_key(&n.first);
                    let earlier_required =
                        required && n.first_required.as_ref().is_none_or(|f| key < read_key(f));
                    if earlier || earlier_required {
                        let r = Read {
                            path: path.to_string(),
                            read,
                        };
                        if earlier_required {
                            n.first_required = Some(r.clone());
                        }
                        if earlier {
                            n.first = r;
                        }
                    }
                }
            }
        }
    }

    pub fn finish(&self) -> Reads {
        let c = std::mem::take(&mut *self.0.lock().unwrap_or_else(|p| p.into_inner()));
        let mut dynamic = c.dynamic;
        // Stable: reads of one file stay in their order.
        dynamic.sort_by(|a, b| read_key(a).cmp(&read_key(b)));
        Reads {
            files: c.files,
            by_name: c.by_name.into_iter().collect(),
            dynamic,
            count: c.count,
        }
    }
}

/// A variable given a value for production somewhere in the tree.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Provision {
    pub name: String,
    pub path: String,
    pub line: u32,
}

/// Scripts that run in CI or on a developer's machine read variables production
/// never needs; their reads are not evidence about the service.
fn is_tooling_path(path: &str) -> bool {
    [
        "/.github/",
        "/scripts/",
        "/script/",
        "/ci/",
        "/.circleci/",
        "/hack/",
        "/tools/",
        "/bin/",
        "/.devcontainer/",
    ]
    .iter()
    // `/{path}` contains `d`, without building that string for every file.
    .any(|d| path.contains(d) || path.starts_with(&d[1..]))
}

/// Whether a file's reads count, and which extractor applies.
pub fn read_kind(path: &str) -> Option<SourceKind> {
    let kind = crate::drift::source_kind(path)?;
    if is_tooling_path(path) {
        return None;
    }
    Some(kind)
}

/// Platform files whose env sections provide variables.
pub fn is_platform_file(path: &str) -> bool {
    matches!(
        crate::inventory::classify::file_name(path),
        "fly.toml" | "render.yaml" | "app.yaml" | "app.json"
    )
}

/// Reads worth keeping: compile-time `env!` is not configuration.
pub fn keep_read(r: &EnvRead) -> bool {
    !r.expr.starts_with("env!") && !r.expr.starts_with("option_env!")
}

fn scalar_key(n: &Node) -> Option<String> {
    match &n.value {
        Value::Scalar(Scalar::Null) => None,
        Value::Scalar(s) => Some(s.to_string()),
        _ => None,
    }
}

fn push_keys(out: &mut Vec<Provision>, path: &str, node: &Node) {
    if let Value::Map(entries) = &node.value {
        for (k, v) in entries {
            out.push(Provision {
                name: k.clone(),
                path: path.to_string(),
                line: v.line,
            });
        }
    }
}

fn select<'n>(doc: &'n Node, selector: &str) -> Vec<&'n Node> {
    Selector::parse(selector)
        .map(|s| s.select(doc).into_iter().map(|(_, n)| n).collect())
        .unwrap_or_default()
}

/// Variables provided by parsed YAML / TOML / JSON documents of a file.
pub fn provided_by_documents(path: &str, docs: &[Node]) -> Vec<Provision> {
    let mut out = Vec::new();
    let compose = crate::drift::source_kind(path) == Some(SourceKind::Compose);
    for doc in docs {
        if compose {
            for env in select(doc, "services.*.environment") {
                match &env.value {
                    Value::Map(_) => push_keys(&mut out, path, env),
                    Value::Seq(items) => {
                        for item in items {
                            // `- KEY` alone passes the host's value through: a read, not a provision.
                            if let Some((k, _)) =
                                scalar_key(item).as_deref().and_then(|s| s.split_once('='))
                            {
                                out.push(Provision {
                                    name: k.trim().to_string(),
                                    path: path.to_string(),
                                    line: item.line,
                                });
                            }
                        }
                    }
                    Value::Scalar(_) => {}
                }
            }
        }
        let kind = doc.get("kind").and_then(scalar_key).unwrap_or_default();
        match kind.as_str() {
            "ConfigMap" | "Secret" => {
                for section in ["data", "stringData"] {
                    if let Some(n) = doc.get(section) {
                        push_keys(&mut out, path, n);
                    }
                }
            }
            "Deployment" | "StatefulSet" | "DaemonSet" | "Job" | "CronJob" | "Pod" => {
                for prefix in [
                    "spec.template.spec",
                    "spec.jobTemplate.spec.template.spec",
                    "spec",
                ] {
                    for list in ["containers", "initContainers"] {
                        for env in select(doc, &format!("{prefix}.{list}[*].env[*]")) {
                            if let Some(name) = env.get("name").and_then(scalar_key) {
                                out.push(Provision {
                                    name,
                                    path: path.to_string(),
                                    line: env.line,
                                });
                            }
                        }
                    }
                }
            }
            _ => {}
        }
        match crate::inventory::classify::file_name(path) {
            "fly.toml" => {
                if let Some(env) = doc.get("env") {
                    push_keys(&mut out, path, env);
                }
            }
            "app.yaml" => {
                if let Some(env) = doc.get("env_variables") {
                    push_keys(&mut out, path, env);
                }
            }
            "app.json" => {
                if let Some(env) = doc.get("env") {
                    push_keys(&mut out, path, env);
                }
            }
            "render.yaml" => {
                for v in select(doc, "services[*].envVars[*]") {
                    if let Some(name) = v.get("key").and_then(scalar_key) {
                        out.push(Provision {
                            name,
                            path: path.to_string(),
                            line: v.line,
                        });
                    }
                }
            }
            _ => {}
        }
    }
    out
}

/// Names the operating system, CI or the orchestrator sets: never configuration the
/// team has to document.
fn is_system(name: &str) -> bool {
    const EXACT: [&str; 13] = [
        "HOME",
        "PATH",
        "USER",
        "HOSTNAME",
        "PWD",
        "SHELL",
        "TERM",
        "LANG",
        "TZ",
        "CI",
        "TMPDIR",
        "PYTHONPATH",
        "PYTHONUNBUFFERED",
    ];
    const PREFIXES: [&str; 5] = ["GITHUB_", "RUNNER_", "KUBERNETES_", "POD_", "LC_"];
    EXACT.contains(&name) || PREFIXES.iter().any(|p| name.starts_with(p))
}

/// Names the runtime, the platform or a library provides or consumes by itself:
/// never reported as unprovided or unused.
fn is_ambient(name: &str) -> bool {
    const EXACT: [&str; 24] = [
        "HOME",
        "PATH",
        "USER",
        "HOSTNAME",
        "PWD",
        "SHELL",
        "TERM",
        "LANG",
        "TZ",
        "CI",
        "PORT",
        "HOST",
        "TMPDIR",
        "DEBUG",
        "NODE_ENV",
        "PYTHONPATH",
        "PYTHONUNBUFFERED",
        "LOG_LEVEL",
        "WEB_CONCURRENCY",
        "DATABASE_URL",
        "REDIS_URL",
        "GOOGLE_APPLICATION_CREDENTIALS",
        "COMPOSE_PROJECT_NAME",
        "DOCKER_HOST",
    ];
    const PREFIXES: [&str; 19] = [
        "AWS_",
        "OTEL_",
        "SENTRY_",
        "NEW_RELIC_",
        "DD_",
        "GITHUB_",
        "RUNNER_",
        "KUBERNETES_",
        "POD_",
        "POSTGRES_",
        "PG",
        "MYSQL_",
        "MARIADB_",
        "MONGO_INITDB_",
        "REDIS_",
        "GUNICORN_",
        "UVICORN_",
        "NPM_",
        "LC_",
    ];
    EXACT.contains(&name) || PREFIXES.iter().any(|p| name.starts_with(p))
}

/// Everything the drift checks and `launchgate env` need, assembled after the walk.
pub struct DriftInventory<'a> {
    pub reads: Reads,
    pub provisions: Vec<Provision>,
    pub env_files: &'a [EnvFile],
    pub units: &'a [EnvUnit],
}

impl DriftInventory<'_> {
    fn unit_for(&self, path: &str) -> Option<&EnvUnit> {
        let dir = parent_dir(path);
        self.units
            .iter()
            .filter(|u| u.dir.is_empty() || dir == u.dir || dir.starts_with(&format!("{}/", u.dir)))
            .max_by_key(|u| u.dir.len())
    }

    fn template_of(&self, unit: Option<&EnvUnit>) -> Option<&EnvFile> {
        unit.and_then(|u| u.template)
            .and_then(|i| self.env_files.get(i))
    }

    fn production_keys(&self) -> BTreeSet<&str> {
        let mut keys: BTreeSet<&str> = self.provisions.iter().map(|p| p.name.as_str()).collect();
        for u in self.units {
            if let Some(f) = u.production.and_then(|i| self.env_files.get(i)) {
                keys.extend(f.parsed.entries.iter().map(|e| e.key.as_str()));
            }
        }
        keys
    }

    fn has_production_source(&self) -> bool {
        !self.provisions.is_empty() || self.units.iter().any(|u| u.production.is_some())
    }

    /// What `launchgate env` needs to build its matrix later (only if asked).
    pub fn into_matrix(self) -> EnvMatrix {
        EnvMatrix {
            rows: OnceLock::new(),
            source: Some(Box::new(MatrixSource {
                reads: self.reads,
                provisions: self.provisions,
                env_files: self.env_files.to_vec(),
                units: self.units.to_vec(),
            })),
        }
    }
}

struct MatrixSource {
    reads: Reads,
    provisions: Vec<Provision>,
    env_files: Vec<EnvFile>,
    units: Vec<EnvUnit>,
}

impl MatrixSource {
    /// The matrix behind `launchgate env`: one row per variable.
    fn rows(&self) -> Vec<EnvRow> {
        let mut names: BTreeSet<String> = self.reads.by_name.keys().cloned().collect();
        names.extend(self.provisions.iter().map(|p| p.name.clone()));
        for f in &self.env_files {
            names.extend(f.parsed.entries.iter().map(|e| e.key.clone()));
        }
        names
            .into_iter()
            .map(|name| {
                let reads = self.reads.by_name.get(name.as_str());
                let mut at: Vec<(&str, u32)> = reads.map_or_else(Vec::new, |r| {
                    r.at.iter()
                        .map(|&(f, line)| (self.reads.files[f as usize].as_str(), line))
                        .collect()
                });
                at.sort();
                let documented: Vec<String> = self
                    .units
                    .iter()
                    .filter_map(|u| u.template.and_then(|i| self.env_files.get(i)))
                    .filter(|f| f.parsed.get(&name).is_some())
                    .map(|f| f.path.clone())
                    .collect();
                let mut provided: Vec<String> = self
                    .units
                    .iter()
                    .filter_map(|u| u.production.and_then(|i| self.env_files.get(i)))
                    .filter_map(|f| {
                        f.parsed
                            .get(&name)
                            .map(|e| format!("{}:{}", f.path, e.line))
                    })
                    .collect();
                provided.extend(
                    self.provisions
                        .iter()
                        .filter(|p| p.name == name)
                        .map(|p| format!("{}:{}", p.path, p.line)),
                );
                EnvRow {
                    read_at: at
                        .into_iter()
                        .map(|(path, line)| format!("{path}:{line}"))
                        .collect(),
                    default_in_code: reads.is_some_and(|r| r.all_default),
                    documented_in: documented,
                    provided_by: provided,
                    name,
                }
            })
            .collect()
    }
}

/// The rows of `launchgate env`, built on first use: a scan that does not show
/// them does not pay for them.
#[derive(Default)]
pub struct EnvMatrix {
    rows: OnceLock<Vec<EnvRow>>,
    source: Option<Box<MatrixSource>>,
}

impl std::ops::Deref for EnvMatrix {
    type Target = [EnvRow];

    fn deref(&self) -> &[EnvRow] {
        self.rows
            .get_or_init(|| self.source.as_ref().map(|s| s.rows()).unwrap_or_default())
    }
}

impl std::fmt::Debug for EnvMatrix {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EnvMatrix").finish_non_exhaustive()
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct EnvRow {
    pub name: String,
    pub read_at: Vec<String>,
    pub default_in_code: bool,
    pub documented_in: Vec<String>,
    pub provided_by: Vec<String>,
}

fn did_you_mean<'k>(name: &str, candidates: impl Iterator<Item = &'k str>) -> String {
    let close: BTreeSet<&str> = candidates
        .filter(|c| *c != name && similar_names(name, c))
        .collect();
    if close.is_empty() {
        String::new()
    } else {
        format!(
            " (did you mean {}?)",
            close.into_iter().collect::<Vec<_>>().join(" or ")
        )
    }
}

fn read_location(r: &Read) -> Location {
    Location::at(&r.path, r.read.line, r.read.column)
}

pub fn evaluate(rule: &Rule, condition: DriftCondition, inv: &DriftInventory<'_>) -> Verdict {
    let named = &inv.reads.by_name;
    if inv.reads.count == 0 {
        return Verdict::NotApplicable("no configuration read found in code".into());
    }
    let mut occurrences = Vec::new();
    match condition {
        DriftCondition::Unprovided => {
            if !inv.has_production_source() {
                return Verdict::NotApplicable("no production configuration found (env file, Compose, Kubernetes, platform file)".into());
            }
            let provided = inv.production_keys();
            for (name, reads) in named {
                let name = name.as_str();
                if provided.contains(name) || is_ambient(name) {
                    continue;
                }
                let Some(first) = &reads.first_required else {
                    continue;
                };
                occurrences.push(Occurrence {
                    location: Some(read_location(first)),
                    message: format!(
                        "{name} is read without a default and nothing provides it for production{}",
                        did_you_mean(name, provided.iter().copied())
                    ),
                    evidence: Some(Evidence::note(&first.read.expr)),
                });
            }
        }
        DriftCondition::Undocumented => {
            let mut any_template = false;
            for (name, reads) in named {
                let name = name.as_str();
                let first = &reads.first;
                let Some(template) = inv.template_of(inv.unit_for(&first.path)) else {
                    continue;
                };
                any_template = true;
                if template.parsed.get(name).is_some() || is_system(name) {
                    continue;
                }
                let keys = template.parsed.entries.iter().map(|e| e.key.as_str());
                occurrences.push(Occurrence {
                    location: Some(read_location(first)),
                    message: format!(
                        "{name} is read in code but not documented in {}{}",
                        template.path,
                        did_you_mean(name, keys)
                    ),
                    evidence: Some(Evidence::note(&first.read.expr)),
                });
            }
            if !any_template {
                return Verdict::NotApplicable("no env template to compare with".into());
            }
        }
        DriftCondition::Unused => {
            let read_names: BTreeSet<&str> = named.keys().map(String::as_str).collect();
            let mut seen = BTreeSet::new();
            for unit in inv.units {
                for file in [unit.template, unit.production]
                    .into_iter()
                    .flatten()
                    .filter_map(|i| inv.env_files.get(i))
                {
                    for e in file.parsed.effective() {
                        if read_names.contains(e.key.as_str())
                            || is_ambient(&e.key)
                            || !seen.insert(e.key.clone())
                        {
                            continue;
                        }
                        occurrences.push(Occurrence {
                            location: Some(Location::at(&file.path, e.line, e.column)),
                            message: format!(
                                "{} is configured in {} but never read{}",
                                e.key,
                                file.path,
                                did_you_mean(&e.key, read_names.iter().copied())
                            ),
                            evidence: Some(Evidence::note(&e.key)),
                        });
                    }
                }
            }
        }
        DriftCondition::Dynamic => {
            for r in &inv.reads.dynamic {
                occurrences.push(Occurrence {
                    location: Some(read_location(r)),
                    message: "environment variable with a name computed at run time: not checked"
                        .into(),
                    evidence: Some(Evidence::note(&r.read.expr)),
                });
            }
        }
    }
    let _ = rule;
    Verdict::Checked {
        occurrences,
        summary: format!("{} variable(s) read in code", named.len()),
    }
}
