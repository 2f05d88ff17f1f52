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
use crate::drift::{similar_names, EnvRead, SourceKind, Via};
use crate::finding::{Evidence, Location};
use crate::inventory::classify::parent_dir;
use crate::inventory::{EnvFile, EnvUnit};
use crate::rules::{DriftCondition, Rule};
use aho_corasick::AhoCorasick;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::{LazyLock, Mutex, OnceLock};

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
    /// The first read the running service performs, in product code: `None` when
    /// the variable is only read while building an image, or by tests and tooling
    /// (those reads only show that the variable is used).
    pub first: Option<Read>,
    /// The first such read without a default.
    pub first_required: Option<Read>,
    /// Some read of the running service tests whether the variable is set or
    /// compares its value: the project treats it as optional.
    pub checked: bool,
    /// Every read of the running service is an alternative or deprecated spelling
    /// (`A ?? B`): the template should list `A`, not `B`.
    pub legacy_only: bool,
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
    /// Reads in product code whose variable name is computed at run time, in path
    /// order.
    pub dynamic: Vec<Read>,
    /// Places in product code that hand the whole environment to code choosing
    /// its own names (`cleanEnv(process.env, …)`, `Object.keys(process.env)`).
    pub opaque: Vec<Read>,
    /// Reads in product code.
    pub count: usize,
}

#[derive(Debug, Default)]
struct Collected {
    files: Vec<String>,
    by_name: HashMap<String, NameReads>,
    dynamic: Vec<Read>,
    opaque: Vec<Read>,
    /// Per path, the env objects the file exports: (export, wrapped).
    exports: HashMap<String, Vec<(String, bool)>>,
    /// Member reads on imported bindings, resolved once every file is in: (file
    /// index, outside the product, read).
    imports: Vec<(u32, bool, EnvRead)>,
    count: usize,
}

impl Collected {
    fn merge(&mut self, file: u32, aux: bool, read: EnvRead) {
        // Runs under the collector's lock for every read: nothing is cloned unless
        // it is kept.
        let path_of = |files: &[String]| files.get(file as usize).cloned().unwrap_or_default();
        let Some(name) = read.name.as_deref() else {
            if !aux {
                let path = path_of(&self.files);
                self.dynamic.push(Read { path, read });
            }
            return;
        };
        let n = match self.by_name.get_mut(name) {
            Some(n) => n,
            None => self
                .by_name
                .entry(name.to_string())
                .or_insert_with(|| NameReads {
                    first: None,
                    first_required: None,
                    checked: false,
                    legacy_only: true,
                    all_default: true,
                    at: Vec::new(),
                }),
        };
        n.at.push((file, read.line));
        n.all_default &= read.has_default;
        if aux || read.build_time {
            return;
        }
        n.checked |= read.checked;
        n.legacy_only &= read.legacy;
        let required = !read.has_default;
        let path = self.files.get(file as usize).map_or("", String::as_str);
        let key = (path, read.line, read.column);
        let earlier = n.first.as_ref().is_none_or(|f| key < read_key(f));
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
                n.first = Some(r);
            }
        }
    }
}

/// Collects reads from the walking threads.
#[derive(Debug, Default)]
pub struct ReadCollector(Mutex<Collected>);

impl ReadCollector {
    /// Adds one file's reads (sorted by line and column, as extracted). Reads of
    /// tests, vendored code and tooling only count as showing that a variable is
    /// used.
    pub fn add(&self, path: &str, reads: Vec<EnvRead>) {
        if reads.is_empty() {
            return;
        }
        let aux = !is_product_path(path);
        let mut c = self.0.lock().unwrap_or_else(|p| p.into_inner());
        let file = u32::try_from(c.files.len()).unwrap_or(u32::MAX);
        c.files.push(path.to_string());
        for read in reads {
            match &read.via {
                Via::Env => {
                    if !aux {
                        c.count += 1;
                    }
                    c.merge(file, aux, read);
                }
                Via::Import { .. } => c.imports.push((file, aux, read)),
                Via::Export { export, wrapped } => {
                    let e = (export.clone(), *wrapped);
                    c.exports.entry(path.to_string()).or_default().push(e);
                }
                Via::Opaque => {
                    if !aux {
                        c.opaque.push(Read {
                            path: path.to_string(),
                            read,
                        });
                    }
                }
            }
        }
    }

    pub fn finish(&self) -> Reads {
        let mut c = std::mem::take(&mut *self.0.lock().unwrap_or_else(|p| p.into_inner()));
        // Imports in path order, so which read is "first" never depends on threads.
        let mut imports = std::mem::take(&mut c.imports);
        imports.sort_by(|a, b| {
            let pa = c.files.get(a.0 as usize);
            let pb = c.files.get(b.0 as usize);
            (pa, a.2.line, a.2.column).cmp(&(pb, b.2.line, b.2.column))
        });
        let exports = std::mem::take(&mut c.exports);
        let modules = ModuleIndex::new(&exports);
        for (file, aux, mut read) in imports {
            let Via::Import { module, export } = &read.via else {
                continue;
            };
            let importer = c.files.get(file as usize).map_or("", String::as_str);
            let Some(wrapped) = modules.resolve(importer, module, export) else {
                continue;
            };
            read.via = Via::Env;
            // a wrapper (schema, proxy) decides what is required, not this read
            read.has_default |= wrapped;
            if !aux {
                c.count += 1;
            }
            c.merge(file, aux, read);
        }
        let mut dynamic = c.dynamic;
        // Stable: reads of one file stay in their order.
        dynamic.sort_by(|a, b| read_key(a).cmp(&read_key(b)));
        let mut opaque = c.opaque;
        opaque.sort_by(|a, b| read_key(a).cmp(&read_key(b)));
        Reads {
            files: c.files,
            by_name: c.by_name.into_iter().collect(),
            dynamic,
            opaque,
            count: c.count,
        }
    }
}

/// JavaScript/TypeScript module files that export an env object, by the paths an
/// import specifier can name them with.
struct ModuleIndex<'a> {
    /// Module path without extension (and without `/index`) → exports.
    by_stem: BTreeMap<String, &'a [(String, bool)]>,
}

const MODULE_EXTS: [&str; 8] = ["ts", "tsx", "js", "jsx", "mjs", "cjs", "mts", "cts"];

fn module_stem(path: &str) -> &str {
    let stem = match path.rsplit_once('.') {
        Some((s, ext)) if MODULE_EXTS.contains(&ext) && !s.ends_with('/') => s,
        _ => path,
    };
    stem.strip_suffix("/index").unwrap_or(stem)
}

/// `a/b/../c/./d` → `a/c/d`; `None` when it climbs above the root.
fn normalize(path: &str) -> Option<String> {
    let mut parts: Vec<&str> = Vec::new();
    for seg in path.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            s => parts.push(s),
        }
    }
    Some(parts.join("/"))
}

impl<'a> ModuleIndex<'a> {
    fn new(exports: &'a HashMap<String, Vec<(String, bool)>>) -> Self {
        ModuleIndex {
            by_stem: exports
                .iter()
                .map(|(p, e)| (module_stem(p).to_string(), e.as_slice()))
                .collect(),
        }
    }

    /// Whether `export` of the module `spec` imported by `importer` is an env
    /// object, and whether it is wrapped. Relative specifiers are resolved
    /// exactly; others (`@server/utils/environment`, `~/env`, `src/env`: path
    /// aliases) by the longest path suffix they name.
    fn resolve(&self, importer: &str, spec: &str, export: &str) -> Option<bool> {
        if self.by_stem.is_empty() {
            return None;
        }
        let exports = if spec.starts_with("./") || spec.starts_with("../") {
            let dir = crate::inventory::classify::parent_dir(importer);
            let joined = normalize(&format!("{dir}/{spec}"))?;
            self.by_stem.get(module_stem(&joined)).copied()
        } else {
            // a bare name is a package, not a file of the project
            if !spec.contains('/') && !spec.starts_with('#') {
                return None;
            }
            let rest = match spec.split_once('/') {
                Some((head, rest)) if head.starts_with(['@', '~', '#']) => rest,
                _ => spec.trim_start_matches(['/', '#']),
            };
            let rest = module_stem(rest);
            if rest.is_empty() {
                return None;
            }
            let suffix = format!("/{rest}");
            let mut found = self
                .by_stem
                .iter()
                .filter(|(stem, _)| stem.as_str() == rest || stem.ends_with(&suffix));
            let first = found.next().map(|(_, e)| *e);
            // two modules answer to the alias: which one it means is not known
            if found.next().is_some() {
                return None;
            }
            first
        };
        exports?
            .iter()
            .find(|(e, _)| e == export)
            .map(|&(_, wrapped)| wrapped)
    }
}

/// A variable given a value for production somewhere in the tree.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Provision {
    pub name: String,
    pub path: String,
    pub line: u32,
    /// Listed commented out (`# - name: FRONTEND_MESSAGE` in a Deployment's
    /// `env`): not provided, but documented by the deployment as optional.
    pub commented: bool,
}

impl Provision {
    fn at(name: String, path: &str, line: u32) -> Provision {
        Provision {
            name,
            path: path.to_string(),
            line,
            commented: false,
        }
    }
}

/// Scripts that run in CI or on a developer's machine, documentation, tasks run
/// by hand, old migrations and development-only configuration read variables
/// production never needs: their reads only show that a variable is used.
fn is_tooling_path(path: &str) -> bool {
    /// Folders (and files) that are tooling wherever they sit.
    const DIRS: [&str; 26] = [
        ".github/",
        "scripts/",
        "script/",
        "ci/",
        ".circleci/",
        "hack/",
        "tools/",
        "bin/",
        ".devcontainer/",
        "docs/",
        "doc/",
        "testing/",
        "cypress/",
        "e2e/",
        "playwright/",
        "migrations/",
        "db/migrate/",
        "alembic/versions/",
        "seeds/",
        "seed/",
        "lib/tasks/",
        "benchmarks/",
        "benchmark/",
        ".storybook/",
        "config/environments/development.rb",
        "config/environments/test.rb",
    ];
    static MATCHER: LazyLock<Option<AhoCorasick>> = LazyLock::new(|| AhoCorasick::new(DIRS).ok());
    // Below a JVM source root the folders are package names (`com/acme/doc/`),
    // not project layout.
    let layout = path.find("src/main/").map_or(path, |i| &path[..i]);
    let b = layout.as_bytes();
    // a match counts at the start of a path segment
    let in_dirs = MATCHER.as_ref().is_some_and(|ac| {
        ac.find_overlapping_iter(layout)
            .any(|m| m.start() == 0 || b[m.start() - 1] == b'/')
    });
    if in_dirs {
        return true;
    }
    let name = crate::inventory::classify::file_name(path);
    let lower = name.to_ascii_lowercase();
    if lower.ends_with(".rake")
        || lower == "rakefile"
        || lower == "seeds.rb"
        || lower.contains(".stories.")
        || [
            "playwright.config.",
            "cypress.config.",
            "vitest.config.",
            "jest.config.",
        ]
        .iter()
        .any(|p| lower.starts_with(p))
    {
        return true;
    }
    is_dev_container_file(&lower)
}

/// Compose files and Dockerfiles named for development or tests
/// (`compose.override.yml`, `docker-compose.dev.yml`, `Dockerfile.test`): not the
/// deployment, so they neither require nor provide production configuration.
fn is_dev_container_file(lower_name: &str) -> bool {
    let kind = crate::drift::source_kind(lower_name);
    if !matches!(kind, Some(SourceKind::Compose | SourceKind::Dockerfile)) {
        return false;
    }
    lower_name.split(['.', '-', '_']).any(|t| {
        matches!(
            t,
            "dev"
                | "development"
                | "local"
                | "test"
                | "tests"
                | "ci"
                | "override"
                | "e2e"
                | "debug"
        )
    })
}

/// Vendored and built code: not read for drift at all.
fn is_vendored(path: &str) -> bool {
    path.split('/').any(|seg| {
        matches!(
            seg,
            "node_modules"
                | "vendor"
                | "third_party"
                | "third-party"
                | "bower_components"
                | "site-packages"
                | ".venv"
                | "venv"
                | ".tox"
                | "dist"
        )
    })
}

/// Whether a file's reads are the running product's (not tests, fixtures,
/// examples, vendored or generated code, CI or developer tooling), and whether
/// what it provides counts for production.
pub fn is_product_path(path: &str) -> bool {
    !crate::drift::is_test_or_vendored(path) && !is_tooling_path(path)
}

/// Whether what a file sets counts as provided for production: product files, and
/// the CI workflow of the deployment (see [`is_platform_file`]).
pub fn provides_for_production(path: &str) -> bool {
    is_product_path(path) || (is_workflow(path) && !crate::drift::is_test_or_vendored(path))
}

/// Whether a file outside the product is still read for drift: a variable that
/// only tests or tooling read is not "never read".
pub fn aux_reads_wanted(path: &str) -> bool {
    !is_vendored(path)
}

/// Whether a file's reads count, and which extractor applies.
pub fn read_kind(path: &str) -> Option<SourceKind> {
    crate::drift::source_kind(path)
}

/// Platform files whose env sections provide variables, and CI workflows (the
/// `env` of the job that deploys).
pub fn is_platform_file(path: &str) -> bool {
    matches!(
        crate::inventory::classify::file_name(path),
        "fly.toml" | "render.yaml" | "app.yaml" | "app.json"
    ) || is_workflow(path)
}

fn is_workflow(path: &str) -> bool {
    (path.starts_with(".github/workflows/") || path.contains("/.github/workflows/"))
        && (path.ends_with(".yml") || path.ends_with(".yaml"))
}

/// Commands that deploy (not build or test): a job running one is the deployment.
const DEPLOY_COMMANDS: [&str; 12] = [
    "docker compose",
    "docker-compose",
    "docker stack deploy",
    "kubectl apply",
    "helm upgrade",
    "helm install",
    "fly deploy",
    "flyctl deploy",
    "gcloud run deploy",
    "gcloud app deploy",
    "kamal deploy",
    "railway up",
];

/// The variables a GitHub Actions workflow gives the job that deploys: the
/// workflow's and the job's `env`, and the `env` of its deploying steps. A job
/// deploys when its id or name says so, it targets a GitHub environment, or a step
/// runs a deploy command (`docker compose … up`, `kubectl apply`, `helm upgrade`…);
/// jobs named for tests never do.
fn workflow_provisions(path: &str, doc: &Node, out: &mut Vec<Provision>) {
    let Some(Value::Map(jobs)) = doc.get("jobs").map(|j| &j.value) else {
        return;
    };
    let mut any = false;
    for (id, job) in jobs {
        let name = job.get("name").and_then(scalar_key).unwrap_or_default();
        let label = format!("{id} {name}").to_ascii_lowercase();
        if label.contains("test") || label.contains("lint") || label.contains("check") {
            continue;
        }
        let steps = select(job, "steps[*]");
        let deploys_in = |step: &Node| {
            step.get("run").and_then(scalar_key).is_some_and(|run| {
                let run = run.to_ascii_lowercase();
                DEPLOY_COMMANDS
                    .iter()
                    .any(|c| run.contains(c) && (!c.contains("compose") || run.contains(" up")))
            })
        };
        let deploy_steps: Vec<&&Node> = steps.iter().filter(|s| deploys_in(s)).collect();
        let deploys = label.contains("deploy")
            || job.get("environment").is_some()
            || !deploy_steps.is_empty();
        if !deploys {
            continue;
        }
        any = true;
        if let Some(env) = job.get("env") {
            push_keys(out, path, env);
        }
        for step in deploy_steps {
            if let Some(env) = step.get("env") {
                push_keys(out, path, env);
            }
        }
    }
    if any {
        if let Some(env) = doc.get("env") {
            push_keys(out, path, env);
        }
    }
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
            out.push(Provision::at(k.clone(), path, v.line));
        }
    }
}

fn select<'n>(doc: &'n Node, selector: &str) -> Vec<&'n Node> {
    Selector::parse(selector)
        .map(|s| s.select(doc).into_iter().map(|(_, n)| n).collect())
        .unwrap_or_default()
}

/// How deep kustomize patches are followed (a patch is itself parsed YAML).
const PATCH_DEPTH: usize = 2;

/// Variables provided by parsed YAML / TOML / JSON documents of a file (`text` is
/// the file, for the env entries a manifest lists commented out).
pub fn provided_by_documents(path: &str, text: &str, docs: &[Node]) -> Vec<Provision> {
    let mut out = Vec::new();
    for doc in docs {
        document_provisions(path, doc, 0, &mut out);
    }
    let workload = docs.iter().any(|d| {
        matches!(
            d.get("kind").and_then(scalar_key).as_deref(),
            Some("Deployment" | "StatefulSet" | "DaemonSet" | "Job" | "CronJob" | "Pod")
        )
    });
    let compose = crate::drift::source_kind(path) == Some(SourceKind::Compose);
    if workload || compose {
        commented_env(path, text, compose, &mut out);
    }
    out
}

/// `# - name: FRONTEND_MESSAGE` (Kubernetes) or `# - API_KEY=…` / `# API_KEY: …`
/// (Compose): an env entry the deployment documents as optional. Only
/// UPPER_SNAKE names, so commented ports and containers are not taken.
fn commented_env(path: &str, text: &str, compose: bool, out: &mut Vec<Provision>) {
    for (k, line) in text.lines().enumerate() {
        let Some(body) = line.trim_start().strip_prefix('#') else {
            continue;
        };
        let body = body.trim_start();
        let name = if compose {
            let item = body.strip_prefix('-').map_or(body, str::trim_start);
            let end = item
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(item.len());
            let rest = item[end..].trim_start();
            (rest.starts_with('=') || rest.starts_with(':')).then(|| &item[..end])
        } else {
            body.strip_prefix('-')
                .map(str::trim_start)
                .and_then(|b| b.strip_prefix("name:"))
                .map(|n| n.trim().trim_matches(['"', '\'']))
        };
        let Some(name) = name.filter(|n| {
            n.starts_with(|c: char| c.is_ascii_uppercase())
                && n.bytes()
                    .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == b'_')
        }) else {
            continue;
        };
        out.push(Provision {
            commented: true,
            ..Provision::at(
                name.to_string(),
                path,
                u32::try_from(k + 1).unwrap_or(u32::MAX),
            )
        });
    }
}

/// Workload containers' `env` names under `doc` (a Deployment… or a strategic
/// merge patch of one).
fn workload_env(path: &str, doc: &Node, line: Option<u32>, out: &mut Vec<Provision>) {
    for prefix in [
        "spec.template.spec",
        "spec.jobTemplate.spec.template.spec",
        "spec",
    ] {
        for list in ["containers", "initContainers"] {
            for env in select(doc, &format!("{prefix}.{list}[*].env[*]")) {
                if let Some(name) = env.get("name").and_then(scalar_key) {
                    out.push(Provision::at(name, path, line.unwrap_or(env.line)));
                }
            }
        }
    }
}

/// Kustomize: env entries its patches add to workloads (JSON 6902 `add` of an
/// `env` item, or a strategic merge patch), and the keys of its ConfigMap and
/// Secret generators' `literals`. A component or overlay is a documented variant
/// of the deployment.
fn kustomize_provisions(path: &str, doc: &Node, depth: usize, out: &mut Vec<Provision>) {
    for g in ["configMapGenerator", "secretGenerator"] {
        for lit in select(doc, &format!("{g}[*].literals[*]")) {
            if let Some((k, _)) = scalar_key(lit).as_deref().and_then(|l| l.split_once('=')) {
                out.push(Provision::at(k.trim().to_string(), path, lit.line));
            }
        }
    }
    if depth >= PATCH_DEPTH {
        return;
    }
    for patch in select(doc, "patches[*].patch") {
        let Some(text) = scalar_key(patch) else {
            continue;
        };
        let Ok(inner) = crate::doc::parse_documents(crate::doc::DocFormat::Yaml, &text) else {
            continue;
        };
        for d in &inner {
            match &d.value {
                // JSON 6902: `- op: add  path: /spec/template/spec/containers/0/env/-`
                Value::Seq(ops) => {
                    for op in ops {
                        let target = op.get("path").and_then(scalar_key).unwrap_or_default();
                        if !target.contains("/env") {
                            continue;
                        }
                        let Some(value) = op.get("value") else {
                            continue;
                        };
                        let items: Vec<&Node> = match &value.value {
                            Value::Seq(items) => items.iter().collect(),
                            _ => vec![value],
                        };
                        for item in items {
                            if let Some(name) = item.get("name").and_then(scalar_key) {
                                out.push(Provision::at(name, path, patch.line));
                            }
                        }
                    }
                }
                Value::Map(_) => workload_env(path, d, Some(patch.line), out),
                Value::Scalar(_) => {}
            }
        }
    }
}

fn document_provisions(path: &str, doc: &Node, depth: usize, out: &mut Vec<Provision>) {
    {
        let out = &mut *out;
        let compose = crate::drift::source_kind(path) == Some(SourceKind::Compose);
        if compose {
            for env in select(doc, "services.*.environment") {
                match &env.value {
                    Value::Map(_) => push_keys(out, path, env),
                    Value::Seq(items) => {
                        for item in items {
                            // `- KEY` alone passes the host's value through: a read, not a provision.
                            if let Some((k, _)) =
                                scalar_key(item).as_deref().and_then(|s| s.split_once('='))
                            {
                                out.push(Provision::at(k.trim().to_string(), path, item.line));
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
                        push_keys(out, path, n);
                    }
                }
            }
            "Deployment" | "StatefulSet" | "DaemonSet" | "Job" | "CronJob" | "Pod" => {
                workload_env(path, doc, None, out);
            }
            "Kustomization" | "Component" => kustomize_provisions(path, doc, depth, out),
            _ => {}
        }
        if is_workflow(path) {
            workflow_provisions(path, doc, out);
            return;
        }
        match crate::inventory::classify::file_name(path) {
            "fly.toml" => {
                if let Some(env) = doc.get("env") {
                    push_keys(out, path, env);
                }
            }
            "app.yaml" => {
                if let Some(env) = doc.get("env_variables") {
                    push_keys(out, path, env);
                }
            }
            "app.json" => {
                if let Some(env) = doc.get("env") {
                    push_keys(out, path, env);
                }
            }
            "render.yaml" => {
                for v in select(doc, "services[*].envVars[*]") {
                    if let Some(name) = v.get("key").and_then(scalar_key) {
                        out.push(Provision::at(name, path, v.line));
                    }
                }
            }
            _ => {}
        }
    }
}

/// Names the operating system, the shell, CI, the orchestrator, the hosting
/// platform or the language runtime set or consume by themselves: never
/// configuration the team has to document.
fn is_system(name: &str) -> bool {
    const EXACT: &[&str] = &[
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
        "PYTHONDONTWRITEBYTECODE",
        "VIRTUAL_ENV",
        "EDITOR",
        // systemd: socket activation, notify and watchdog, service directories
        "LISTEN_PID",
        "LISTEN_FDS",
        "LISTEN_FDNAMES",
        "NOTIFY_SOCKET",
        "WATCHDOG_USEC",
        "WATCHDOG_PID",
        "INVOCATION_ID",
        "JOURNAL_STREAM",
        "RUNTIME_DIRECTORY",
        "STATE_DIRECTORY",
        "CACHE_DIRECTORY",
        "LOGS_DIRECTORY",
        "CONFIGURATION_DIRECTORY",
        "CREDENTIALS_DIRECTORY",
        // proxies and CA bundles every HTTP client honours
        "HTTP_PROXY",
        "HTTPS_PROXY",
        "NO_PROXY",
        "ALL_PROXY",
        "SSL_CERT_FILE",
        "SSL_CERT_DIR",
        "REQUESTS_CA_BUNDLE",
        "NODE_EXTRA_CA_CERTS",
        // runtimes and their process managers
        "NODE_OPTIONS",
        "GEM_HOME",
        "GEM_PATH",
        "RUBYOPT",
        "RAILS_ENV",
        "RACK_ENV",
        "RAILS_MAX_THREADS",
        "RAILS_MIN_THREADS",
        "RAILS_LOG_LEVEL",
        "WEB_CONCURRENCY",
        "PIDFILE",
        "MALLOC_ARENA_MAX",
        "JAVA_TOOL_OPTIONS",
        "GOMAXPROCS",
        "GOMEMLIMIT",
        "GOGC",
        "GODEBUG",
        // hosting platforms
        "DYNO",
        "INSTANCE_ID",
        "K_SERVICE",
        "K_REVISION",
        // build and release metadata CI, Heroku or Docker Hub set
        "SOURCE_VERSION",
        "SOURCE_COMMIT",
        "RELEASE",
        "GIT_SHA",
        "GIT_COMMIT",
        "GIT_COMMIT_SHA",
        "GIT_REV",
        "COMMIT_SHA",
        "COMMIT_HASH",
        "BUILD_ID",
        "BUILD_NUMBER",
        "BUILD_SHA",
    ];
    const PREFIXES: &[&str] = &[
        "GITHUB_",
        "RUNNER_",
        "KUBERNETES_",
        "POD_",
        "LC_",
        "XDG_",
        "BUNDLE_",
        "BUNDLER_",
        "HEROKU_",
        "FLY_",
        "RENDER_",
        "VERCEL_",
        "RAILWAY_",
        "GAE_",
        "DD_",
        "npm_",
    ];
    EXACT.contains(&name)
        || PREFIXES.iter().any(|p| name.starts_with(p))
        // curl's lower-case `https_proxy`, `no_proxy`…
        || matches!(name, "http_proxy" | "https_proxy" | "no_proxy" | "all_proxy")
}

/// Names made of a development, debugging, test or demo word (`AI_DEBUG_MODE`,
/// `DEV_WEBHOOKS_URL`, `DEMO_DATA_SEED`): switches for working on the code, not
/// configuration production needs or its template must list.
fn is_development_name(name: &str) -> bool {
    name.split('_').any(|t| {
        matches!(
            t.to_ascii_uppercase().as_str(),
            "DEBUG"
                | "DEV"
                | "DEVELOPMENT"
                | "TEST"
                | "TESTS"
                | "TESTING"
                | "DEMO"
                | "E2E"
                | "MOCK"
        )
    })
}

/// Variables of database and cache images (`POSTGRES_DB`), read by the image
/// itself; a Compose file interpolating them with a default only passes a value on.
fn is_image_variable(name: &str) -> bool {
    ["POSTGRES_", "MYSQL_", "MARIADB_", "MONGO_INITDB_", "PG"]
        .iter()
        .any(|p| name.starts_with(p))
}

/// Names the runtime, the platform or a library provides or consumes by itself:
/// never reported as unprovided or unused.
fn is_ambient(name: &str) -> bool {
    const EXACT: [&str; 11] = [
        "PORT",
        "HOST",
        "DEBUG",
        "NODE_ENV",
        "LOG_LEVEL",
        "DATABASE_URL",
        "REDIS_URL",
        "GOOGLE_APPLICATION_CREDENTIALS",
        "COMPOSE_PROJECT_NAME",
        "DOCKER_HOST",
        "SENTRY_DSN",
    ];
    const PREFIXES: [&str; 12] = [
        "AWS_",
        "OTEL_",
        "SENTRY_",
        "NEW_RELIC_",
        "MYSQL_",
        "MARIADB_",
        "MONGO_INITDB_",
        "POSTGRES_",
        "REDIS_",
        "GUNICORN_",
        "UVICORN_",
        "NPM_",
    ];
    is_system(name)
        || is_image_variable(name)
        || EXACT.contains(&name)
        || PREFIXES.iter().any(|p| name.starts_with(p))
}

/// Everything the drift checks and `launchgate env` need, assembled after the walk.
pub struct DriftInventory<'a> {
    pub reads: Reads,
    pub provisions: Vec<Provision>,
    pub env_files: &'a [EnvFile],
    pub units: &'a [EnvUnit],
}

impl DriftInventory<'_> {
    fn view(&self) -> View<'_> {
        View {
            reads: &self.reads,
            provisions: &self.provisions,
            env_files: self.env_files,
            units: self.units,
        }
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

/// The judgements the rules and the matrix share, over borrowed inputs.
struct View<'a> {
    reads: &'a Reads,
    provisions: &'a [Provision],
    env_files: &'a [EnvFile],
    units: &'a [EnvUnit],
}

/// Whether a configured key is read.
enum Use<'a> {
    /// By a literal name, or the key is the platform's.
    Read,
    /// By no literal name, but a read computing its name at run time may read it.
    Maybe(&'a Read),
    Never,
}

impl<'a> View<'a> {
    fn unit_for(&self, path: &str) -> Option<&'a EnvUnit> {
        let dir = parent_dir(path);
        self.units
            .iter()
            .filter(|u| u.dir.is_empty() || dir == u.dir || dir.starts_with(&format!("{}/", u.dir)))
            .max_by_key(|u| u.dir.len())
    }

    fn template_of(&self, unit: Option<&EnvUnit>) -> Option<&'a EnvFile> {
        unit.and_then(|u| u.template)
            .and_then(|i| self.env_files.get(i))
    }

    fn production_keys(&self) -> BTreeSet<&'a str> {
        let mut keys: BTreeSet<&str> = self
            .provisions
            .iter()
            .filter(|p| !p.commented)
            .map(|p| p.name.as_str())
            .collect();
        for u in self.units {
            if let Some(f) = u.production.and_then(|i| self.env_files.get(i)) {
                keys.extend(f.parsed.entries.iter().map(|e| e.key.as_str()));
            }
        }
        keys
    }

    fn has_production_source(&self) -> bool {
        self.provisions.iter().any(|p| !p.commented)
            || self.units.iter().any(|u| u.production.is_some())
    }

    /// Names the deployment lists commented out, or a template documents as a
    /// commented-out assignment: known to be optional, not forgotten.
    fn documented_optional(&self) -> BTreeSet<&'a str> {
        let mut names: BTreeSet<&str> = self
            .provisions
            .iter()
            .filter(|p| p.commented)
            .map(|p| p.name.as_str())
            .collect();
        for u in self.units {
            if let Some(f) = u.template.and_then(|i| self.env_files.get(i)) {
                names.extend(f.parsed.commented.iter().map(String::as_str));
            }
        }
        names
    }

    /// Names a Dockerfile's `ENV` sets: the image provides them itself, nobody
    /// configures them per environment.
    fn baked(&self) -> BTreeSet<&'a str> {
        self.provisions
            .iter()
            .filter(|p| {
                !p.commented && crate::drift::source_kind(&p.path) == Some(SourceKind::Dockerfile)
            })
            .map(|p| p.name.as_str())
            .collect()
    }

    /// DRF001: the first read without a default, when nothing provides `name`
    /// and no read treats it as optional.
    fn unprovided(
        &self,
        name: &str,
        reads: &'a NameReads,
        provided: &BTreeSet<&str>,
        optional: &BTreeSet<&str>,
    ) -> Option<&'a Read> {
        if provided.contains(name)
            || optional.contains(name)
            || is_ambient(name)
            || reads.checked
            || is_development_name(name)
        {
            return None;
        }
        reads.first_required.as_ref()
    }

    /// DRF002: the first read of the running service and the template of its
    /// folder, when that template does not list `name`.
    fn undocumented(
        &self,
        name: &str,
        reads: &'a NameReads,
        baked: &BTreeSet<&str>,
    ) -> Option<(&'a Read, &'a EnvFile)> {
        let first = reads.first.as_ref()?;
        let template = self.template_of(self.unit_for(&first.path))?;
        let documented = template.parsed.get(name).is_some()
            || template.parsed.commented.iter().any(|k| k == name);
        let skip = documented
            || reads.legacy_only
            || is_development_name(name)
            || is_system(name)
            || baked.contains(name)
            || (is_image_variable(name) && reads.all_default);
        (!skip).then_some((first, template))
    }

    /// Whether a unit's template or production env file sets `key`.
    fn configured(&self, key: &str) -> bool {
        self.units.iter().any(|u| {
            [u.template, u.production]
                .into_iter()
                .flatten()
                .filter_map(|i| self.env_files.get(i))
                .any(|f| f.parsed.get(key).is_some())
        })
    }

    /// Reads whose names the extractor cannot list, with the literal parts of
    /// their names.
    fn computed(&self) -> Vec<(&'a Read, Vec<String>)> {
        self.reads
            .dynamic
            .iter()
            .map(|r| (r, computed_name_parts(&r.read.expr)))
            .chain(
                self.reads
                    .opaque
                    .iter()
                    .map(|r| (r, computed_name_parts(&r.read.expr))),
            )
            .collect()
    }

    /// DRF003: whether a configured key is read.
    fn key_use(&self, key: &str, computed: &[(&'a Read, Vec<String>)]) -> Use<'a> {
        if self.reads.by_name.contains_key(key) || is_ambient(key) {
            return Use::Read;
        }
        match computed
            .iter()
            .find(|(_, parts)| may_be_read_by(parts, key))
        {
            Some((r, _)) => Use::Maybe(r),
            None => Use::Never,
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
    fn view(&self) -> View<'_> {
        View {
            reads: &self.reads,
            provisions: &self.provisions,
            env_files: &self.env_files,
            units: &self.units,
        }
    }

    /// The matrix behind `launchgate env`: one row per variable, its status
    /// decided as the rules decide.
    fn rows(&self) -> Vec<EnvRow> {
        let view = self.view();
        let provided_keys = view.production_keys();
        let optional = view.documented_optional();
        let production = view.has_production_source();
        let baked = view.baked();
        let computed = view.computed();
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
                at.dedup();
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
                        .filter(|p| p.name == name && !p.commented)
                        .map(|p| format!("{}:{}", p.path, p.line)),
                );
                provided.dedup();
                let status = match reads {
                    Some(r)
                        if production
                            && view
                                .unprovided(&name, r, &provided_keys, &optional)
                                .is_some() =>
                    {
                        "not provided"
                    }
                    Some(r) if view.undocumented(&name, r, &baked).is_some() => "undocumented",
                    Some(r) if r.first.is_none() => "build or tooling only",
                    Some(_) => "ok",
                    // DRF003 judges the keys of templates and production env
                    // files; what else is provided is for images and tools
                    None if !view.configured(&name) => "ok",
                    None => match view.key_use(&name, &computed) {
                        Use::Read => "ok",
                        Use::Maybe(_) => "maybe read",
                        Use::Never => "never read",
                    },
                };
                EnvRow {
                    read_at: at
                        .into_iter()
                        .map(|(path, line)| format!("{path}:{line}"))
                        .collect(),
                    default_in_code: reads.is_some_and(|r| r.all_default),
                    documented_in: documented,
                    provided_by: provided,
                    status: status.to_string(),
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
    /// `not provided`, `undocumented`, `never read` (as DRF001–DRF003 judge),
    /// `maybe read` (a configured key only a read computing its name may read),
    /// `build or tooling only` (read only while building an image, or by tests
    /// and tooling), or `ok`.
    pub status: String,
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

/// What a product read whose name is computed at run time may read: every name
/// containing all the literal parts of the expression (`f"{p}_API_KEY"` →
/// `_API_KEY`); a read without literal parts may read any name.
fn computed_name_parts(expr: &str) -> Vec<String> {
    // the name is in the call's arguments (`os.getenv(f"{p}_KEY")`); a setting such
    // as `env_nested_delimiter="__"` is its own argument
    let args = expr.find(['(', '[']).map_or(expr, |p| &expr[p..]);
    let b = args.as_bytes();
    let mut parts = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let q = b[i];
        if !matches!(q, b'"' | b'\'' | b'`') {
            i += 1;
            continue;
        }
        let mut j = i + 1;
        let mut cur = String::new();
        let mut depth = 0usize;
        while j < b.len() && b[j] != q {
            let c = b[j];
            match c {
                b'{' => depth += 1,
                b'}' => depth = depth.saturating_sub(1),
                _ if depth == 0 && (c.is_ascii_alphanumeric() || c == b'_') => {
                    cur.push(char::from(c));
                    j += 1;
                    continue;
                }
                _ => {}
            }
            if !cur.is_empty() {
                parts.push(std::mem::take(&mut cur));
            }
            j += 1;
        }
        if !cur.is_empty() {
            parts.push(cur);
        }
        i = j + 1;
    }
    // `${`/`#{` leave a `$`/`#` fragment-free; single letters say nothing
    parts.retain(|p| p.len() >= 2);
    parts
}

fn may_be_read_by(parts: &[String], key: &str) -> bool {
    let upper = key.to_ascii_uppercase();
    parts
        .iter()
        .all(|p| upper.contains(&p.to_ascii_uppercase()))
}

pub fn evaluate(rule: &Rule, condition: DriftCondition, inv: &DriftInventory<'_>) -> Verdict {
    let view = inv.view();
    let named = &inv.reads.by_name;
    if inv.reads.count == 0 {
        return Verdict::NotApplicable("no configuration read found in code".into());
    }
    let mut occurrences = Vec::new();
    let mut summary = format!("{} variable(s) read in code", named.len());
    match condition {
        DriftCondition::Unprovided => {
            if !view.has_production_source() {
                return Verdict::NotApplicable("no production configuration found (env file, Compose, Kubernetes, platform file)".into());
            }
            let provided = view.production_keys();
            let optional = view.documented_optional();
            for (name, reads) in named {
                let Some(first) = view.unprovided(name, reads, &provided, &optional) else {
                    continue;
                };
                occurrences.push(Occurrence {
                    owner: None,
                    setting: None,
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
            let any_template = named.values().any(|r| {
                r.first
                    .as_ref()
                    .is_some_and(|f| view.template_of(view.unit_for(&f.path)).is_some())
            });
            if !any_template {
                return Verdict::NotApplicable("no env template to compare with".into());
            }
            let baked = view.baked();
            for (name, reads) in named {
                let Some((first, template)) = view.undocumented(name, reads, &baked) else {
                    continue;
                };
                let keys = template.parsed.entries.iter().map(|e| e.key.as_str());
                occurrences.push(Occurrence {
                    owner: None,
                    setting: None,
                    location: Some(read_location(first)),
                    message: format!(
                        "{name} is read in code but not documented in {}{}",
                        template.path,
                        did_you_mean(name, keys)
                    ),
                    evidence: Some(Evidence::note(&first.read.expr)),
                });
            }
        }
        DriftCondition::Unused => {
            let read_names: BTreeSet<&str> = named.keys().map(String::as_str).collect();
            // Reads whose names the extractor cannot list: a key they may read is
            // not claimed "never read".
            let computed = view.computed();
            let mut seen = BTreeSet::new();
            let mut unsure: Vec<&Read> = Vec::new();
            let mut judged = 0usize;
            for unit in inv.units {
                for file in [unit.template, unit.production]
                    .into_iter()
                    .flatten()
                    .filter_map(|i| inv.env_files.get(i))
                {
                    for e in file.parsed.effective() {
                        if !seen.insert(e.key.clone()) {
                            continue;
                        }
                        match view.key_use(&e.key, &computed) {
                            Use::Read => {
                                judged += 1;
                                continue;
                            }
                            Use::Maybe(r) => {
                                unsure.push(r);
                                continue;
                            }
                            Use::Never => {}
                        }
                        judged += 1;
                        occurrences.push(Occurrence {
                            owner: None,
                            setting: None,
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
            if let Some(first) = unsure.iter().min_by(|a, b| read_key(a).cmp(&read_key(b))) {
                let why = format!(
                    "{} configured key(s) are read by no literal name, but the code also reads variables whose names are not known before run time ({}:{}): they are not reported as never read",
                    unsure.len(),
                    first.path,
                    first.read.line
                );
                if judged == 0 {
                    return Verdict::NotApplicable(why);
                }
                summary = format!("{summary}; {why}");
            }
        }
        DriftCondition::Dynamic => {
            for r in &inv.reads.dynamic {
                occurrences.push(Occurrence {
                    owner: None,
                    setting: None,
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
        summary,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::doc::{parse_documents, DocFormat};

    #[test]
    fn module_specifiers_resolve_to_env_exports() {
        let mut exports: HashMap<String, Vec<(String, bool)>> = HashMap::new();
        exports.insert(
            "server/utils/environment.ts".into(),
            vec![("default".into(), true)],
        );
        exports.insert("src/env/index.mjs".into(), vec![("env".into(), false)]);
        let idx = ModuleIndex::new(&exports);
        let cases = [
            (
                "server/env.ts",
                "./utils/environment",
                "default",
                Some(true),
            ),
            (
                "server/a/b.ts",
                "../utils/environment",
                "default",
                Some(true),
            ),
            (
                "plugins/x/env.ts",
                "@server/utils/environment",
                "default",
                Some(true),
            ),
            (
                "vite.config.ts",
                "./server/utils/environment",
                "default",
                Some(true),
            ),
            ("app/page.tsx", "~/env", "env", Some(false)),
            ("src/a.ts", "./env", "env", Some(false)),
            ("src/a.ts", "./env", "default", None),
            ("server/env.ts", "./utils/other", "default", None),
            ("server/env.ts", "../../../../x", "default", None),
            ("src/a.ts", "environment", "default", None),
        ];
        for (importer, spec, export, want) in cases {
            assert_eq!(
                idx.resolve(importer, spec, export),
                want,
                "{importer} {spec}"
            );
        }
        // two modules answer to one alias: not guessed
        exports.insert(
            "web/utils/environment.js".into(),
            vec![("default".into(), false)],
        );
        let idx = ModuleIndex::new(&exports);
        assert_eq!(idx.resolve("a.ts", "@x/utils/environment", "default"), None);
    }

    #[test]
    fn computed_names_keep_their_literal_parts() {
        let cases: [(&str, &[&str]); 6] = [
            ("os.getenv(f\"{provider}_API_KEY\")", &["_API_KEY"]),
            ("os.LookupEnv(env + \"_FILE\")", &["_FILE"]),
            ("process.env[`${p}_KEY`]", &["_KEY"]),
            ("ENV[\"#{prefix}_TOKEN\"]", &["_TOKEN"]),
            ("os.Getenv(envKey)", &[]),
            ("process.env[name]", &[]),
        ];
        for (expr, want) in cases {
            assert_eq!(computed_name_parts(expr), want, "{expr}");
        }
        assert!(may_be_read_by(&["_API_KEY".into()], "OPENAI_API_KEY"));
        assert!(!may_be_read_by(&["_API_KEY".into()], "OPENAI_TOKEN"));
        assert!(may_be_read_by(&[], "ANYTHING"));
    }

    #[test]
    fn product_tooling_and_vendored_paths() {
        for p in [
            "app/models/user.rb",
            "src/server.ts",
            "config/environments/production.rb",
            "cmd/api/main.go",
            "docker-compose.yml",
            "compose.prod.yml",
            "api/src/main/java/com/acme/doc/DocService.java",
            "src/main/kotlin/org/x/testing/Fixtures.kt",
        ] {
            assert!(is_product_path(p), "{p}");
        }
        for p in [
            "docs/releasing/make-images.sh",
            "lib/tasks/benchmark.rake",
            "perf.rake",
            "server/migrations/2022-add.js",
            "db/migrate/001_init.rb",
            "config/environments/development.rb",
            "netbox/utilities/testing/query_counts.py",
            "frontend/cypress/support/e2e.ts",
            "frontend/playwright.config.ts",
            "compose.override.yml",
            "docker-compose.dev.yml",
            "docker/Dockerfile.test",
            "scripts/deploy.sh",
            ".devcontainer/Dockerfile",
            "tests/test_app.py",
        ] {
            assert!(!is_product_path(p), "{p}");
        }
        assert!(aux_reads_wanted("tests/test_app.py"));
        assert!(!aux_reads_wanted("web/node_modules/x/index.js"));
        assert!(!aux_reads_wanted("vendor/github.com/x/y.go"));
    }

    #[test]
    fn well_known_and_development_names() {
        for n in [
            "XDG_CONFIG_HOME",
            "LISTEN_PID",
            "NOTIFY_SOCKET",
            "HTTPS_PROXY",
            "https_proxy",
            "WEB_CONCURRENCY",
            "PIDFILE",
            "DD_ENV",
            "INSTANCE_ID",
            "HEROKU_DYNO_ID",
            "NODE_OPTIONS",
            "BUNDLE_GEMFILE",
            "RAILS_ENV",
            "GOMAXPROCS",
            "RELEASE",
            "SOURCE_VERSION",
        ] {
            assert!(is_system(n) && is_ambient(n), "{n}");
        }
        for n in [
            "GOOGLE_CLIENT_ID",
            "NODE_ENV",
            "STRIPE_SECRET_KEY",
            "RAILS_FORCE_SSL",
        ] {
            assert!(!is_system(n), "{n}");
        }
        assert!(is_ambient("POSTGRES_DB"));
        for n in [
            "AI_DEBUG_MODE",
            "DEV_WEBHOOKS_URL",
            "DEMO_DATA_SEED",
            "ENABLE_TEST_CONSOLE",
        ] {
            assert!(is_development_name(n), "{n}");
        }
        for n in ["DEVICE_ID", "LATEST_VERSION", "CONTEST_URL"] {
            assert!(!is_development_name(n), "{n}");
        }
    }

    fn provisions(path: &str, yaml: &str) -> Vec<String> {
        let docs = parse_documents(DocFormat::Yaml, yaml).unwrap();
        provided_by_documents(path, yaml, &docs)
            .into_iter()
            .map(|p| p.name)
            .collect()
    }

    #[test]
    fn kustomize_patches_generators_and_commented_entries() {
        let component = "apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\npatches:\n- target:\n    kind: Deployment\n    name: frontend\n  patch: |-\n    - op: add\n      path: /spec/template/spec/containers/0/env/-\n      value:\n        name: BASE_URL\n        value: /shop\n    - op: replace\n      path: /spec/template/spec/containers/0/livenessProbe/httpGet/path\n      value: /shop/_healthz\n- patch: |-\n    apiVersion: apps/v1\n    kind: Deployment\n    metadata:\n      name: cart\n    spec:\n      template:\n        spec:\n          containers:\n          - name: server\n            env:\n            - name: REDIS_ADDR\n              value: redis:6379\nconfigMapGenerator:\n- name: cfg\n  literals:\n  - FEATURE_X=on\n";
        assert_eq!(
            provisions(
                "kustomize/components/base-url/kustomization.yaml",
                component
            ),
            vec!["FEATURE_X", "BASE_URL", "REDIS_ADDR"]
        );
        let deployment = "apiVersion: apps/v1\nkind: Deployment\nspec:\n  template:\n    spec:\n      containers:\n        - name: web\n          env:\n            - name: PORT\n              value: \"8080\"\n            # - name: FRONTEND_MESSAGE\n            #   value: \"hello\"\n          # - name: http\n";
        let docs = parse_documents(DocFormat::Yaml, deployment).unwrap();
        let got: Vec<(String, bool)> = provided_by_documents("k8s/web.yaml", deployment, &docs)
            .into_iter()
            .map(|p| (p.name, p.commented))
            .collect();
        assert_eq!(
            got,
            vec![
                ("PORT".to_string(), false),
                ("FRONTEND_MESSAGE".to_string(), true)
            ]
        );
        let compose = "services:\n  web:\n    environment:\n      - A=1\n      # - OPTIONAL_TOKEN=xyz\n      # MAYBE: 1\n      # plain prose: here\n";
        let docs = parse_documents(DocFormat::Yaml, compose).unwrap();
        let got: Vec<(String, bool)> = provided_by_documents("docker-compose.yml", compose, &docs)
            .into_iter()
            .map(|p| (p.name, p.commented))
            .collect();
        assert_eq!(
            got,
            vec![
                ("A".to_string(), false),
                ("OPTIONAL_TOKEN".to_string(), true),
                ("MAYBE".to_string(), true)
            ]
        );
    }

    #[test]
    fn deploy_job_env_of_a_workflow_is_provided() {
        let deploy = "env:\n  REGISTRY: ghcr.io\njobs:\n  deploy:\n    runs-on: self-hosted\n    env:\n      DOMAIN: ${{ vars.DOMAIN }}\n      SECRET_KEY: ${{ secrets.SECRET_KEY }}\n    steps:\n      - run: docker compose -f compose.yml up -d\n        env:\n          STACK: prod\n      - run: echo done\n        env:\n          NOT_DEPLOYING: x\n";
        assert_eq!(
            provisions(".github/workflows/deploy.yml", deploy),
            vec!["DOMAIN", "SECRET_KEY", "STACK", "REGISTRY"]
        );
        let test = "jobs:\n  test-compose:\n    env:\n      SECRET_KEY: test\n    steps:\n      - run: docker compose up -d --wait\n  build:\n    env:\n      TAG: x\n    steps:\n      - run: docker build .\n";
        assert!(provisions(".github/workflows/test.yml", test).is_empty());
        let env_target = "jobs:\n  ship:\n    environment: production\n    env:\n      API_URL: https://x\n    steps:\n      - run: ./ship.sh\n";
        assert_eq!(
            provisions(".github/workflows/ship.yaml", env_target),
            vec!["API_URL"]
        );
        assert!(provisions("ci/workflows/deploy.yml", deploy).is_empty());
    }
}
