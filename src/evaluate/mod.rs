//! Evaluators, one per check kind, and the scan that feeds them: one walk routes
//! each file to the rules that want it (one glob set for all), reads it once and
//! evaluates it on the walking thread; repository-wide checks run after the walk.

mod compose_builds;
mod compose_mounts;
pub mod content;
pub mod drift;
pub mod env;
pub mod file;
mod file_index;
mod prefilter;
pub mod probe;
mod set_aside;
pub mod structured;
mod unshipped;

use crate::doc::{parse_documents, DocFormat, Node};
use crate::finding::{Evidence, Finding, Location, Outcome};
use crate::inventory::platform_checks::{fly_checked_dockerfile, is_fly_config};
use crate::inventory::{
    classify::is_ci_config,
    classify::{
        file_name, is_compose_file, is_container_setup, is_dockerfile, is_env_file_name,
        is_folder_readme, is_in_development_folder, is_in_docs_folder, is_in_example_folder,
        is_in_helper_scripts_folder, is_non_production, is_stack_evidence_excluded,
        is_test_or_vendored, parent_dir,
    },
    env_units, parse_env, walk, EnvFile, EnvUnit, ParsedEnv, Problem, Skipped, WalkOptions,
    WalkedFile,
};
use crate::rules::{Check, Rule, RulePack, Stack};
use file_index::{FileIndex, Group};
use globset::{GlobSet, GlobSetBuilder};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};

/// One failing place of a rule.
#[derive(Clone, Debug, PartialEq)]
pub struct Occurrence {
    pub location: Option<Location>,
    pub message: String,
    pub evidence: Option<Evidence>,
    /// The GitHub owner the match names (a capture named `owner`): the repository's own
    /// organisation is no third party, and its matches are dropped after the walk.
    pub owner: Option<String>,
    /// The setting the match assigns (a capture named `setting`): one the setup guide
    /// has the operator choose is no secret left in git, and its matches are dropped.
    pub setting: Option<String>,
}

/// What an evaluator concluded about a rule.
#[derive(Clone, Debug)]
pub enum Verdict {
    NotApplicable(String),
    Checked {
        occurrences: Vec<Occurrence>,
        summary: String,
    },
}

impl Rule {
    pub fn failure_message(&self) -> String {
        self.message.clone().unwrap_or_else(|| self.title.clone())
    }
}

#[derive(Clone, Debug)]
pub struct ScanOptions {
    pub root: PathBuf,
    /// `--env-file`, relative to the root.
    pub env_file: Option<String>,
    pub walk: WalkOptions,
    /// Facts gathered from live URLs before the scan (the network stays outside the
    /// evaluators).
    pub probes: Vec<crate::probe::ProbeReport>,
}

#[derive(Debug, thiserror::Error)]
pub enum ScanError {
    #[error("target `{0}` does not exist or cannot be read")]
    TargetMissing(String),
    #[error("target `{0}` is not a directory")]
    TargetNotDirectory(String),
    #[error(
        "--env-file `{0}` was not found in the target (give a path relative to the target root)"
    )]
    EnvFileMissing(String),
}

/// A rule's overall result, which the score is computed from.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RuleResult {
    pub rule_id: String,
    pub outcome: Outcome,
    pub failures: usize,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct DetectedStack {
    pub id: String,
    pub name: String,
    pub kind: String,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct EnvFileInfo {
    pub path: String,
    pub role: &'static str,
    pub gitignored: bool,
}

/// A container setup set aside as a development setup because of what it says, not
/// where it lies: no rule or stack detector reads it.
#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct DevelopmentSetup {
    pub path: String,
    pub reason: &'static str,
}

/// What the walk saw and what it could not read.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct InventorySummary {
    pub files_seen: usize,
    pub files_read: usize,
    pub skipped_binary: usize,
    pub skipped_too_large: usize,
    pub symlinks_skipped: usize,
    pub env_files: Vec<EnvFileInfo>,
    pub development_setups: Vec<DevelopmentSetup>,
    pub problems: Vec<Problem>,
}

pub struct ScanResult {
    pub findings: Vec<Finding>,
    pub rule_results: Vec<RuleResult>,
    pub stacks: Vec<DetectedStack>,
    pub inventory: InventorySummary,
    /// Variable × (read at, documented, provided, default): `launchgate env`.
    pub env_matrix: drift::EnvMatrix,
    /// `launchgate:ignore RULE reason` comments found in the files read.
    pub inline_ignores: Vec<InlineIgnore>,
}

/// A `launchgate:ignore RULE-ID reason` comment; it silences that rule on its own
/// line and on the line below.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct InlineIgnore {
    pub path: String,
    pub line: u32,
    pub rule: String,
    /// Empty when the comment gave none (then it does not suppress).
    pub reason: String,
}

const INLINE_MARKER: &str = "launchgate:ignore";

fn inline_ignores(path: &str, text: &str) -> Vec<InlineIgnore> {
    if !text.contains(INLINE_MARKER) {
        return Vec::new();
    }
    text.lines()
        .enumerate()
        .filter_map(|(i, line)| {
            let at = line.find(INLINE_MARKER)?;
            let rest = line[at + INLINE_MARKER.len()..].trim_start();
            let mut words = rest.splitn(2, char::is_whitespace);
            let rule = words
                .next()?
                .trim_end_matches(|c: char| !c.is_ascii_alphanumeric());
            let reason = words
                .next()
                .unwrap_or("")
                .trim()
                .trim_end_matches(['-', '>', '*', '/', ' '])
                .trim();
            (!rule.is_empty()).then(|| InlineIgnore {
                path: path.to_string(),
                line: u32::try_from(i + 1).unwrap_or(u32::MAX),
                rule: rule.to_string(),
                reason: crate::redact::clip(&crate::redact::scrub_line(reason), 200),
            })
        })
        .collect()
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Target {
    Content(usize),
    Structured(usize),
    Stack(usize),
}

struct Router {
    set: GlobSet,
    targets: Vec<Target>,
    /// Literal prefilter over the content and stack patterns (ids: rule index, then
    /// the number of rules plus the stack index).
    prefilter: prefilter::Prefilter,
    /// Per rule: files checked and whether one matched, across walking threads.
    tallies: Vec<content::Tally>,
    /// Per stack: detected from a file's text.
    stack_hits: Vec<AtomicBool>,
    /// Configuration reads, merged as files are walked.
    drift_reads: drift::ReadCollector,
    /// Some rule compares configuration reads with what is provided.
    drift: bool,
    /// Some rule asks what the Compose services that build a Dockerfile set.
    builds_wanted: bool,
    /// Some rule drops matches on settings the setup documentation has the operator
    /// choose (a capture named `setting`).
    instructions_wanted: bool,
}

impl Router {
    fn new(pack: &RulePack) -> Router {
        let mut builder = GlobSetBuilder::new();
        let mut targets = Vec::new();
        let mut add = |patterns: &[String], target: Target| {
            for p in patterns {
                // Patterns were validated when the pack was loaded.
                if let Ok(g) = crate::rules::compile_glob(p) {
                    builder.add(g);
                    targets.push(target);
                }
            }
        };
        for (i, rule) in pack.rules.iter().enumerate() {
            match &rule.check {
                Check::Content(c) => add(&c.paths.patterns, Target::Content(i)),
                Check::Structured(s) => {
                    add(&s.paths.patterns, Target::Structured(i));
                    if let Some(o) = &s.overlays {
                        add(&o.patterns, Target::Structured(i));
                    }
                }
                Check::File(_) | Check::Env(_) | Check::Probe(_) | Check::Drift(_) => {}
            }
        }
        for (i, stack) in pack.stacks.iter().enumerate() {
            if stack.pattern.is_some() {
                add(&stack.paths.patterns, Target::Stack(i));
            }
        }
        let set = builder.build().unwrap_or_else(|_| GlobSet::empty());
        let drift = pack
            .rules
            .iter()
            .any(|r| matches!(r.check, Check::Drift(_)));
        // Compose builds also tell which Dockerfiles are built only for deprecated
        // services or by development Compose files, which every rule leaves alone.
        let builds_wanted = pack
            .rules
            .iter()
            .any(|r| matches!(r.check, Check::Content(_) | Check::Structured(_)));
        let instructions_wanted = pack.rules.iter().any(|r| match &r.check {
            Check::Content(c) => c.pattern.capture_names().any(|n| n == Some("setting")),
            _ => false,
        });
        let patterns = pack
            .rules
            .iter()
            .map(|r| match &r.check {
                Check::Content(c) => Some(c.pattern.as_str().to_string()),
                _ => None,
            })
            .chain(
                pack.stacks
                    .iter()
                    .map(|s| s.pattern.as_ref().map(|p| p.as_str().to_string())),
            )
            .collect();
        Router {
            set,
            targets,
            drift,
            builds_wanted,
            instructions_wanted,
            prefilter: prefilter::Prefilter::new(patterns),
            tallies: pack
                .rules
                .iter()
                .map(|_| content::Tally::default())
                .collect(),
            stack_hits: pack.stacks.iter().map(|_| AtomicBool::new(false)).collect(),
            drift_reads: drift::ReadCollector::default(),
        }
    }

    /// Whether a routed target evaluates this file at all (tests, vendored code and
    /// development setups are skipped unless the rule includes them; `exclude` globs).
    /// Stack detectors also skip documentation sites and demos.
    fn selects(&self, pack: &RulePack, target: Target, path: &str, non_product: bool) -> bool {
        match target {
            Target::Content(i) => match &pack.rules[i].check {
                Check::Content(c) => {
                    (c.include_tests || !non_product)
                        && !c.exclude.as_ref().is_some_and(|x| x.is_match(path))
                }
                _ => false,
            },
            Target::Structured(i) => match &pack.rules[i].check {
                Check::Structured(c) => {
                    (c.include_tests || !non_product)
                        && !c.exclude.as_ref().is_some_and(|x| x.is_match(path))
                }
                _ => false,
            },
            Target::Stack(i) => {
                pack.stacks[i].considers(path, non_product || is_stack_evidence_excluded(path))
            }
        }
    }

    /// Whether any rule or detector reads this file (others are never opened), and
    /// what `visit_file` needs to know about it.
    fn reads(&self, pack: &RulePack, path: &str) -> Option<Routed> {
        let env = is_env_file_name(file_name(path));
        let targets = self.route(path);
        let drift_kind =
            self.drift && (drift::read_kind(path).is_some() || drift::is_platform_file(path));
        let compose = self.builds_wanted && is_compose_file(path);
        let ci = self.builds_wanted && is_ci_config(path);
        let names_owner = crate::inventory::identity::names_owner(path);
        let folder_readme =
            self.builds_wanted && is_folder_readme(path) && !is_test_or_vendored(path);
        let platform = self.builds_wanted && is_fly_config(path);
        let setup_doc = self.instructions_wanted
            && crate::inventory::instructions::is_setup_doc(path)
            && !is_test_or_vendored(path);
        if targets.is_empty()
            && !setup_doc
            && !drift_kind
            && !env
            && !compose
            && !ci
            && !names_owner
            && !folder_readme
            && !platform
        {
            return None;
        }
        let non_product = is_non_production(path);
        // Drift reads configuration from every file but tests and vendored code (a
        // development Compose file still provides variables).
        let drift_source = !is_test_or_vendored(path);
        let wanted = env
            || setup_doc
            || names_owner
            || folder_readme
            || platform
            || compose
            || ci
            || (drift_kind && (drift_source || drift::aux_reads_wanted(path)))
            || targets
                .iter()
                .any(|t| self.selects(pack, *t, path, non_product));
        wanted.then_some(Routed {
            targets,
            non_product,
            drift_source,
            setup_doc,
        })
    }

    /// For each routed target, whether its pattern may match `text` (false for
    /// targets that do not select the file and for structured rules).
    fn may_match(
        &self,
        pack: &RulePack,
        targets: &[Target],
        path: &str,
        text: &str,
        non_product: bool,
    ) -> Vec<bool> {
        let mut ids = Vec::new();
        let mut at = Vec::new();
        for (k, &t) in targets.iter().enumerate() {
            let id = match t {
                Target::Content(i) => i,
                Target::Stack(i) => pack.rules.len() + i,
                Target::Structured(_) => continue,
            };
            if self.selects(pack, t, path, non_product) {
                ids.push(u32::try_from(id).unwrap_or(u32::MAX));
                at.push(k);
            }
        }
        let mut hits = Vec::new();
        self.prefilter.candidates(&ids, text, &mut hits);
        let mut out = vec![false; targets.len()];
        for (k, hit) in at.into_iter().zip(hits) {
            out[k] = hit;
        }
        out
    }

    fn route(&self, path: &str) -> Vec<Target> {
        let mut out: Vec<Target> = self
            .set
            .matches(path)
            .into_iter()
            .map(|i| self.targets[i])
            .collect();
        out.sort_unstable();
        out.dedup();
        out
    }
}

#[derive(Default)]
struct FileOutput {
    inline_ignores: Vec<InlineIgnore>,
    reads: Vec<crate::drift::EnvRead>,
    provided: Vec<drift::Provision>,
    content: Vec<(usize, content::FileResult)>,
    structured: Vec<(usize, structured::FileResult)>,
    env: Option<ParsedEnv>,
    problems: Vec<Problem>,
    compose_builds: Vec<compose_builds::ComposeBuild>,
    /// The repository paths the services of a Compose file mount.
    compose_mounts: Vec<compose_mounts::ComposeMount>,
    /// The patch files a Kustomization merges into its bases.
    kustomize_patches: Vec<String>,
    /// A folder whose README says it is for development or tests.
    development_folder: Option<String>,
    /// The Dockerfile whose machines a hosting platform's configuration health-checks.
    platform_checked_dockerfile: Option<String>,
    /// The stacks a configuration file shows (by their patterns). Such a file may be
    /// set aside once the walk is over, and its evidence with it.
    config_stack_hits: Vec<usize>,
    /// A Compose file that its header or its services show to be a developer's stack.
    developer_stack: bool,
    /// Why a container setup is a development setup by its content, when it is one.
    development_setup: Option<&'static str>,
    owner_hints: Vec<crate::inventory::identity::OwnerHint>,
    pulled_images: Vec<compose_builds::PulledImage>,
    /// Images the documentation has operators pull: in the root README's examples and in
    /// Compose files under example and docs folders.
    documented_pulls: Vec<String>,
    /// Compose services other services wait on to complete, at their lines.
    one_shot_jobs: Vec<(String, u32)>,
    /// Compose services other services wait on to report healthy, at their lines.
    awaited_healthy: Vec<(String, u32)>,
    /// A product Dockerfile that declares a `HEALTHCHECK`.
    healthchecked_image: bool,
    /// A product Dockerfile that runs none of the product's own code as a service: its
    /// final stage is a web server's image (nginx, Caddy…) or a database's, a cache's or
    /// an admin screen's (mariadb, redis, phpmyadmin), or it starts no process (a data
    /// image that only holds `database.sql` for the database to load).
    no_service_image: bool,
    /// A product Dockerfile's shipped base image (`FROM ghcr.io/acme/app:base`).
    shipped_base_image: Option<String>,
    /// The repository paths a product Dockerfile copies into its image.
    copied_into_image: Vec<String>,
    /// The text of a CI configuration, which may name the Dockerfiles it publishes.
    ci_text: Option<String>,
    /// The Python distributions a requirements file lists.
    requirements: Vec<String>,
    /// The scripts a product Dockerfile's `ENTRYPOINT` and `CMD` run, by file name.
    entry_scripts: Vec<String>,
    /// Secret settings a setup guide tells the operator to choose.
    instructed_settings: Vec<String>,
}

/// What the walk learned about a file it decided to read.
struct Routed {
    targets: Vec<Target>,
    /// Tests, fixtures, examples, vendored or generated code, development setups.
    non_product: bool,
    /// Not test or vendored code: drift reads its configuration.
    drift_source: bool,
    /// A README or guide read for the settings it tells the operator to choose.
    setup_doc: bool,
}

fn visit_file(
    pack: &RulePack,
    router: &Router,
    file: &WalkedFile,
    text: &str,
    routed: Routed,
) -> FileOutput {
    let mut out = FileOutput::default();
    let path = file.path.as_str();
    out.inline_ignores = inline_ignores(path, text);
    if is_env_file_name(file_name(path)) {
        let parsed = parse_env(text);
        out.problems.extend(parsed.problems.iter().map(|p| Problem {
            path: path.to_string(),
            line: Some(p.line),
            message: p.message.clone(),
        }));
        out.env = Some(parsed);
    }
    out.owner_hints = crate::inventory::identity::owner_hints(path, text);
    let Routed {
        targets,
        non_product,
        drift_source,
        setup_doc,
    } = routed;
    if setup_doc {
        out.instructed_settings = crate::inventory::instructions::instructed_secret_settings(text);
    }
    // A container setup whose opening comment says it is for development only is one,
    // whatever its name; an image that builds a tool (a code generator) is no service.
    let mut setup_reason = if !is_container_setup(path) {
        None
    } else if crate::inventory::intent::header_declares_development(text) {
        Some("its opening comment says it is for development or tests")
    } else if is_dockerfile(path) && crate::inventory::intent::dockerfile_builds_a_tool(text) {
        Some("its final stage builds a tool, not a service")
    } else {
        None
    };
    let mut developer_setup = setup_reason.is_some();
    let mut docs: Option<(DocFormat, Result<Vec<Node>, ()>)> = None;
    // So does a Compose file whose services are a developer's stack (a mail catcher,
    // the source tree mounted live, `:develop` images, only databases).
    if !non_product && !developer_setup && is_compose_file(path) {
        let parsed = parse_documents(DocFormat::Yaml, text).map_err(|e| {
            out.problems.push(Problem {
                path: path.to_string(),
                line: Some(e.line),
                message: format!("not parsed as {:?}: {}", DocFormat::Yaml, e.message),
            });
        });
        if let Ok(d) = &parsed {
            let stack = crate::inventory::devstack::developer_stack(d);
            developer_setup = stack.is_some();
            setup_reason = stack.map(|s| s.reason());
        }
        docs = Some((DocFormat::Yaml, parsed));
    }
    out.developer_stack = developer_setup && !non_product && is_compose_file(path);
    if !non_product {
        out.development_setup = setup_reason;
    }
    // Go code behind a custom build tag (`//go:build pprof`) is not in the release build.
    let needs_build_tag = path.ends_with(".go")
        && !non_product
        && crate::inventory::go_build::excluded_by_default(text);
    let non_product = non_product || developer_setup || needs_build_tag;
    let may_match = router.may_match(pack, &targets, path, text, non_product);
    let may_be_set_aside = set_aside::may_be_set_aside(path);
    for (target, may_match) in targets.into_iter().zip(may_match) {
        match target {
            Target::Content(i) => {
                let rule = &pack.rules[i];
                let Check::Content(check) = &rule.check else {
                    continue;
                };
                if !router.selects(pack, target, path, non_product) {
                    continue;
                }
                let tally = &router.tallies[i];
                if let Some(r) =
                    content::evaluate_selected(rule, check, path, text, may_match, tally)
                {
                    out.content.push((i, r));
                }
            }
            Target::Structured(i) => {
                let rule = &pack.rules[i];
                let Check::Structured(check) = &rule.check else {
                    continue;
                };
                if !router.selects(pack, target, path, non_product) {
                    continue;
                }
                let Some(format) = check.format.or_else(|| DocFormat::from_path(path)) else {
                    continue;
                };
                if docs.as_ref().is_none_or(|(f, _)| *f != format) {
                    let parsed = parse_documents(format, text).map_err(|e| {
                        out.problems.push(Problem {
                            path: path.to_string(),
                            line: Some(e.line),
                            message: format!("not parsed as {format:?}: {}", e.message),
                        });
                    });
                    docs = Some((format, parsed));
                }
                if let Some((_, Ok(d))) = &docs {
                    let r = structured::evaluate_documents(rule, check, path, d);
                    // Files where no document applies change nothing in the verdict,
                    // unless they are overlays of other files.
                    if r.keep() {
                        out.structured.push((i, r));
                    }
                }
            }
            Target::Stack(i) => {
                // `may_match` is false unless the detector selects this file.
                let hit = &router.stack_hits[i];
                if may_match
                    && (may_be_set_aside || !hit.load(Ordering::Relaxed))
                    && pack.stacks[i]
                        .pattern
                        .as_ref()
                        .is_some_and(|p| p.is_match(text))
                    && !pack.stacks[i]
                        .unless
                        .as_ref()
                        .is_some_and(|u| u.is_match(text))
                {
                    if may_be_set_aside {
                        out.config_stack_hits.push(i);
                    } else {
                        hit.store(true, Ordering::Relaxed);
                    }
                }
            }
        }
    }
    if crate::inventory::kustomize::is_kustomization(path) {
        let parsed;
        let kustomization: &[Node] = match &docs {
            Some((DocFormat::Yaml, Ok(d))) => d,
            _ => {
                parsed = parse_documents(DocFormat::Yaml, text).unwrap_or_default();
                &parsed
            }
        };
        out.kustomize_patches = crate::inventory::kustomize::patch_files(path, kustomization);
    }
    if router.builds_wanted
        && is_folder_readme(path)
        && crate::inventory::intent::readme_declares_development(text)
    {
        out.development_folder = Some(parent_dir(path).to_string());
    }
    if router.builds_wanted && !non_product && is_fly_config(path) {
        match fly_checked_dockerfile(path, text) {
            Ok(checked) => out.platform_checked_dockerfile = checked,
            Err(e) => out.problems.push(Problem {
                path: path.to_string(),
                line: Some(e.line),
                message: format!("not parsed as {:?}: {}", DocFormat::Toml, e.message),
            }),
        }
    }
    if router.builds_wanted && is_ci_config(path) {
        out.ci_text = Some(without_comment_lines(path, text));
    }
    if !non_product && crate::inventory::vendored::lists_requirements(path) {
        out.requirements = crate::inventory::vendored::requirement_names(path, text);
    }
    if router.builds_wanted && is_compose_file(path) {
        let parsed;
        let compose_docs: &[Node] = match &docs {
            Some((DocFormat::Yaml, Ok(d))) => d,
            Some((DocFormat::Yaml, Err(()))) => &[],
            _ => {
                parsed = parse_documents(DocFormat::Yaml, text).unwrap_or_default();
                &parsed
            }
        };
        out.compose_builds = compose_builds::builds_in(path, compose_docs, non_product);
        out.compose_mounts = compose_mounts::mounts_in(path, compose_docs, non_product);
        if non_product && compose_builds::is_documented_example(path) {
            out.documented_pulls = compose_builds::pulled_images(path, compose_docs)
                .into_iter()
                .map(|p| p.image)
                .collect();
        }
        if !non_product {
            out.pulled_images = compose_builds::pulled_images(path, compose_docs);
            out.one_shot_jobs = compose_builds::one_shot_jobs(path, compose_docs);
            out.awaited_healthy = compose_builds::awaited_healthy(path, compose_docs);
        }
    }
    if router.builds_wanted && crate::inventory::classify::is_root_readme(path) {
        out.documented_pulls = compose_builds::images_in_readme(text);
    }
    if !non_product && is_dockerfile(path) {
        let base = crate::inventory::dockerfile_stages::shipped_base_image(text);
        out.no_service_image = base.as_deref().is_some_and(|base| {
            crate::inventory::intent::serves_files(base)
                || crate::inventory::intent::runs_supporting_service(base)
        }) || crate::inventory::dockerfile_stages::starts_no_process(text);
        if router.builds_wanted {
            out.shipped_base_image = base;
        }
    }
    if router.builds_wanted && !non_product && is_dockerfile(path) {
        out.healthchecked_image = crate::inventory::intent::declares_healthcheck(text);
        out.copied_into_image = crate::inventory::dockerfile_copies::copied_sources(path, text);
        out.entry_scripts = crate::inventory::entrypoint::entry_scripts(text);
    }
    if router.drift && (drift_source || drift::aux_reads_wanted(path)) {
        collect_drift(path, text, docs, &mut out);
        router.drift_reads.add(path, std::mem::take(&mut out.reads));
    }
    out
}

/// A YAML CI file without its comment lines: a step or matrix entry commented out names
/// nothing CI builds.
fn without_comment_lines(path: &str, text: &str) -> String {
    if !(path.ends_with(".yml") || path.ends_with(".yaml")) {
        return text.to_string();
    }
    text.lines()
        .filter(|line| !line.trim_start().starts_with('#'))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Configuration reads and provisions of one file, from the text already in memory
/// (and the documents already parsed, when a structured rule parsed them).
fn collect_drift(
    path: &str,
    text: &str,
    docs: Option<(DocFormat, Result<Vec<Node>, ()>)>,
    out: &mut FileOutput,
) {
    use crate::drift::SourceKind;
    let kind = drift::read_kind(path);
    // Tests and tooling only show which variables are used; they provide nothing.
    let product = drift::provides_for_production(path);
    if let Some(kind) = kind {
        out.reads = crate::drift::extract_env_reads(kind, text)
            .into_iter()
            .filter(drift::keep_read)
            .collect();
        if product {
            out.provided.extend(
                crate::drift::extract_provided(path, kind, text)
                    .into_iter()
                    .map(|(name, line)| drift::Provision {
                        name,
                        path: path.to_string(),
                        line,
                        commented: false,
                    }),
            );
        }
    }
    if !product {
        return;
    }
    let Some(format) = DocFormat::from_path(path) else {
        return;
    };
    let wanted = kind == Some(SourceKind::Compose)
        || drift::is_platform_file(path)
        || (format == DocFormat::Yaml && text.contains("kind:"));
    if !wanted {
        return;
    }
    let parsed = match docs {
        Some((f, Ok(d))) if f == format => d,
        Some((f, Err(()))) if f == format => return,
        _ => match parse_documents(format, text) {
            Ok(d) => d,
            Err(_) => return,
        },
    };
    out.provided
        .extend(drift::provided_by_documents(path, text, &parsed));
}

/// A language is the project's when its files are outside the top-level folders of helper
/// scripts: nitter's `tools/*.py` session helpers and invidious's
/// `scripts/create-release.py` make neither Nim nor Crystal project a Python one.
/// A stack with `min_files` needs that many such files (two product images).
fn stack_detected_by_files(files: &[&WalkedFile], stack: &Stack) -> bool {
    files
        .iter()
        .filter(|f| {
            stack.considers(&f.path, is_stack_evidence_excluded(&f.path))
                && !(stack.kind == "language" && is_in_helper_scripts_folder(&f.path))
        })
        .take(stack.min_files)
        .count()
        == stack.min_files
}

fn applies(
    rule: &Rule,
    stacks: &BTreeSet<&str>,
    has_files: impl FnOnce() -> bool,
) -> Result<(), String> {
    let w = &rule.applies_when;
    if !w.stack.is_empty() && !w.stack.iter().any(|s| stacks.contains(s.as_str())) {
        return Err(format!("applies to {}; none detected", w.stack.join(", ")));
    }
    if let Some(s) = w.not_stack.iter().find(|s| stacks.contains(s.as_str())) {
        return Err(format!("does not apply when {s} is used"));
    }
    if let Some(globs) = &w.files {
        if !has_files() {
            return Err(format!(
                "applies when a file matches {}",
                globs.patterns.join(", ")
            ));
        }
    }
    Ok(())
}

/// Scans the target with the pack and returns every finding, sorted.
pub fn scan(pack: &RulePack, options: &ScanOptions) -> Result<ScanResult, ScanError> {
    let display = options.root.display().to_string();
    let meta =
        std::fs::metadata(&options.root).map_err(|_| ScanError::TargetMissing(display.clone()))?;
    if !meta.is_dir() {
        return Err(ScanError::TargetNotDirectory(display));
    }
    let router = Router::new(pack);
    let walked = walk(
        &options.root,
        &options.walk,
        |path| router.reads(pack, path),
        |file, text, routed| visit_file(pack, &router, file, text, routed),
    );

    let mut inventory = InventorySummary {
        files_seen: walked.files.len(),
        files_read: walked.outputs.len(),
        symlinks_skipped: walked.symlinks.len(),
        ..Default::default()
    };
    for (path, skip) in &walked.skipped {
        match skip {
            Skipped::Binary => inventory.skipped_binary += 1,
            Skipped::TooLarge(_) => inventory.skipped_too_large += 1,
            Skipped::Unreadable(e) => inventory.problems.push(Problem {
                path: path.clone(),
                line: None,
                message: format!("cannot read: {e}"),
            }),
        }
    }

    let mut content_results: Vec<Vec<(&str, content::FileResult)>> =
        vec![Vec::new(); pack.rules.len()];
    let mut structured_results: Vec<Vec<(&str, structured::FileResult)>> =
        vec![Vec::new(); pack.rules.len()];
    let mut stack_hits: Vec<bool> = router
        .stack_hits
        .iter()
        .map(|h| h.load(Ordering::Relaxed))
        .collect();
    let mut env_files: Vec<EnvFile> = Vec::new();
    let mut provisions: Vec<drift::Provision> = Vec::new();
    let mut all_inline: Vec<InlineIgnore> = Vec::new();
    let gitignored: BTreeSet<&str> = walked
        .files
        .iter()
        .filter(|f| f.gitignored)
        .map(|f| f.path.as_str())
        .collect();
    let mut compose_builds = Vec::new();
    let mut compose_mounts = Vec::new();
    let mut kustomize_patches: Vec<String> = Vec::new();
    let mut development_folders: Vec<String> = Vec::new();
    let mut platform_checked: BTreeSet<String> = BTreeSet::new();
    let mut config_stack_evidence: Vec<(String, Vec<usize>)> = Vec::new();
    let mut developer_stack_dirs: BTreeSet<String> = BTreeSet::new();
    let mut owner_hints = Vec::new();
    let mut instructed_settings: BTreeSet<String> = BTreeSet::new();
    let mut pulled_images = Vec::new();
    let mut documented_pulls: Vec<String> = Vec::new();
    let mut one_shot_jobs: BTreeSet<(String, u32)> = BTreeSet::new();
    let mut awaited_healthy: BTreeSet<(String, u32)> = BTreeSet::new();
    let mut healthchecked_dockerfiles: BTreeSet<String> = BTreeSet::new();
    let mut no_service_images: BTreeSet<String> = BTreeSet::new();
    let mut base_images: Vec<(String, String)> = Vec::new();
    let mut ci_text = String::new();
    let mut requirements: BTreeSet<String> = BTreeSet::new();
    // Dockerfile → (its entry scripts by name, the repository files it copies).
    let mut image_entries: BTreeMap<String, (Vec<String>, Vec<String>)> = BTreeMap::new();
    for (path, out) in walked.outputs {
        let FileOutput {
            inline_ignores: mut file_ignores,
            reads: _,
            provided,
            content,
            structured,
            env,
            mut problems,
            compose_builds: mut builds,
            compose_mounts: mounts,
            kustomize_patches: patches,
            development_folder,
            platform_checked_dockerfile,
            config_stack_hits,
            developer_stack,
            development_setup,
            owner_hints: mut hints,
            pulled_images: mut pulled,
            documented_pulls: mut documented,
            one_shot_jobs: jobs,
            awaited_healthy: awaited,
            healthchecked_image,
            no_service_image,
            shipped_base_image,
            copied_into_image,
            ci_text: ci_config,
            requirements: listed,
            entry_scripts,
            instructed_settings: instructed,
        } = out;
        instructed_settings.extend(instructed);
        requirements.extend(listed);
        if !entry_scripts.is_empty() || !copied_into_image.is_empty() {
            image_entries.insert(path.clone(), (entry_scripts, copied_into_image.clone()));
        }
        owner_hints.append(&mut hints);
        pulled_images.append(&mut pulled);
        documented_pulls.append(&mut documented);
        one_shot_jobs.extend(jobs);
        awaited_healthy.extend(awaited);
        if no_service_image {
            no_service_images.insert(path.clone());
        }
        if healthchecked_image {
            healthchecked_dockerfiles.insert(path.clone());
        }
        if let Some(text) = ci_config {
            ci_text.push_str(&text);
            ci_text.push('\n');
        }
        if let Some(image) = shipped_base_image {
            base_images.push((path.clone(), image));
        }
        if developer_stack {
            developer_stack_dirs.insert(parent_dir(&path).to_string());
        }
        if let Some(reason) = development_setup {
            inventory.development_setups.push(DevelopmentSetup {
                path: path.clone(),
                reason,
            });
        }
        compose_builds.append(&mut builds);
        compose_mounts.extend(mounts);
        kustomize_patches.extend(patches);
        development_folders.extend(development_folder);
        platform_checked.extend(platform_checked_dockerfile);
        if !config_stack_hits.is_empty() {
            config_stack_evidence.push((path.clone(), config_stack_hits));
        }
        provisions.extend(provided);
        all_inline.append(&mut file_ignores);
        let path_ref: &str = walked
            .files
            .binary_search_by(|f| f.path.as_str().cmp(path.as_str()))
            .map_or("", |i| walked.files[i].path.as_str());
        for (i, r) in content {
            content_results[i].push((path_ref, r));
        }
        for (i, r) in structured {
            structured_results[i].push((path_ref, r));
        }
        if let Some(parsed) = env {
            env_files.push(EnvFile {
                gitignored: gitignored.contains(path.as_str()),
                path,
                parsed,
            });
        }
        inventory.problems.append(&mut problems);
    }

    let forced_env_file: Option<&str> = options
        .env_file
        .as_deref()
        .map(|e| e.trim_start_matches("./"));
    if let Some(forced) = forced_env_file {
        if !env_files.iter().any(|f| f.path == forced) {
            return Err(ScanError::EnvFileMissing(forced.to_string()));
        }
    }
    let is_forced = |f: &EnvFile| forced_env_file == Some(f.path.as_str());
    // A `.env` that only sets Compose's own variables (`COMPOSE_PROJECT_NAME=paperless`)
    // configures the `docker compose` command, not the application: it is no env file of
    // the service for the env rules, for drift, or for file checks (ENV010 "not
    // git-ignored", ENV009 "no template"). One named with `--env-file` is kept.
    // Nor is a `.env` in a sub-folder that holds a developer's Compose stack (hedgedoc's
    // `docker/`, with `:develop` images): it fills in that stack's variables. At the root
    // a `.env` is the application's own. Nor is a file whose every value is a template
    // expression (`{{ .Base }}`): a program renders it into the build. Nor is one in a
    // documentation folder (Mailu's `docs/compose/.env`): a sample the docs show, whose
    // empty and `ChangeMe` values each installation fills in. Nor is one in a folder named
    // for development (Hi.Events' `docker/development/.env`), nor one in an example folder
    // (booklore's `example-docker/.env`: "Replace with a secure password"), nor a `.env`
    // that is a blank form, every value empty (rustypaste's `AUTH_TOKEN=`); templates are
    // often that.
    let not_app_env_files: BTreeSet<String> = env_files
        .iter()
        .filter(|f| {
            let dir = parent_dir(&f.path);
            let compose_cli = f.parsed.only_compose_settings();
            let developer_stack = !dir.is_empty() && developer_stack_dirs.contains(dir);
            let name = f.path.rsplit('/').next().unwrap_or(&f.path);
            let blank_form = f.parsed.only_blank_values() && name == ".env";
            let rendered = f.parsed.only_template_values() || blank_form;
            !is_forced(f)
                && (compose_cli
                    || developer_stack
                    || rendered
                    || is_in_docs_folder(&f.path)
                    || is_in_example_folder(&f.path)
                    || is_in_development_folder(&f.path))
        })
        .map(|f| f.path.clone())
        .collect();
    // For the file checks (ENV009 "no template", ENV010 "not git-ignored") neither is a
    // `.env` that git does not ignore and that names no secret (image versions, ports,
    // public build variables): the project commits it on purpose as its defaults file
    // (otel-demo, a Vite `ui/.env`). The env rules still read it: `DEBUG=true` there is
    // what a deploy gets. Nor is a committed file that sets nothing at all (halo's empty
    // `ui/.env.production`, kept so the bundler's mode has its file).
    let mut not_secret_env_files = not_app_env_files.clone();
    not_secret_env_files.extend(
        env_files
            .iter()
            .filter(|f| {
                let name = f.path.rsplit('/').next().unwrap_or(&f.path);
                let production_name = matches!(name, ".env" | ".env.production" | ".env.prod");
                let sets_nothing = f.parsed.entries.is_empty() && f.parsed.problems.is_empty();
                production_name
                    && !is_forced(f)
                    && !f.gitignored
                    && (f.parsed.holds_no_secrets() || sets_nothing)
            })
            .map(|f| f.path.clone()),
    );
    // Nor is a committed `.env` beside a git-ignored `.env.local` (the dotenv convention
    // of Symfony, Next.js, Vite…): it is the documented defaults file, committed on
    // purpose, and each deployment sets its own values over it.
    let layered_env_files: BTreeSet<String> = env_files
        .iter()
        .filter(|f| !is_forced(f) && walked.env_defaults_files.contains(&f.path))
        .map(|f| f.path.clone())
        .collect();
    not_secret_env_files.extend(layered_env_files.iter().cloned());
    // Of those, the ones holding a developer's values, none of them production's: the
    // header says it holds defaults, or no Compose file beside it reads it and it sets the
    // development mode or reaches every service at `localhost` (a monorepo package's
    // `.env`; a root `.env` that the deployment's Compose file reads is still judged).
    let compose_beside = |env_path: &str| {
        walked
            .files
            .iter()
            .any(|w| is_compose_file(&w.path) && parent_dir(&w.path) == parent_dir(env_path))
    };
    let developer_env_files: BTreeSet<String> = env_files
        .iter()
        .filter(|f| layered_env_files.contains(&f.path))
        .filter(|f| {
            f.parsed.declares_defaults
                || ((f.parsed.declares_development_mode()
                    || f.parsed.addresses_only_local_services())
                    && !compose_beside(&f.path))
        })
        .map(|f| f.path.clone())
        .collect();
    env_files.retain(|f| !not_app_env_files.contains(&f.path));
    let units = env_units(&env_files, &walked.files, forced_env_file);
    inventory.env_files = env_file_roles(&env_files, &units);

    let identity = crate::inventory::identity::identify(&options.root, &owner_hints);
    let own_owners = &identity.owners;
    // Services whose image brings a HEALTHCHECK: they build a Dockerfile declaring one,
    // or pull the project's own image while a product Dockerfile declares one.
    let mut own_image_services =
        compose_builds::services_building(&compose_builds, &env_files, &healthchecked_dockerfiles);
    // Dockerfiles built on the project's own image, which brings its HEALTHCHECK. Its
    // images are named as the repository or published by its CI (`etherpad/etherpad`
    // from `etherpad-lite`).
    let mut built_on_own_image: BTreeSet<String> = BTreeSet::new();
    let published = compose_builds::published_image_names(&ci_text);
    // `getmaxun/maxun-backend` is maxun's own too: a part of the product named after it.
    // Mailu's `mailu/nginx` is its own too: an image under the project's namespace.
    let own_image = |image: &str| {
        let name = compose_builds::image_name(image);
        identity.names.contains(&name)
            || published.contains(&name)
            || compose_builds::image_namespace(image).is_some_and(|namespace| {
                identity.owners.contains(&namespace) || identity.names.contains(&namespace)
            })
            || identity.names.iter().any(|own| {
                own.len() >= 5
                    && name
                        .strip_prefix(own.as_str())
                        .is_some_and(|rest| rest.starts_with(['-', '_']))
            })
    };
    if !healthchecked_dockerfiles.is_empty() {
        built_on_own_image.extend(
            base_images
                .iter()
                .filter(|(_, image)| own_image(image))
                .map(|(path, _)| path.clone()),
        );
        own_image_services.extend(
            pulled_images
                .iter()
                .filter(|p| own_image(&p.image))
                .map(|p| (p.path.clone(), p.line)),
        );
    }
    // Configuration files only development stacks mount, Kustomize patches and the
    // setups of folders declared for tests are no candidates of the rules that skip
    // development setups: a rule that looks for a directive in any file judges the
    // files that remain.
    let vendored_folders = crate::inventory::vendored::folders(
        walked.files.iter().map(|f| f.path.as_str()),
        &requirements,
    );
    // Images only development Compose files build (or only retired services) ship nothing;
    // what they copy in is that environment's (vanilla's `docker/images/nginx/` copies the
    // development `nginx.conf` and self-signed certificates).
    let built_outside_deployments =
        compose_builds::built_only_outside_deployments(&compose_builds, &env_files, &ci_text);
    let copied_into_images: BTreeSet<String> = image_entries
        .iter()
        .filter(|(dockerfile, _)| !built_outside_deployments.contains_key(*dockerfile))
        .flat_map(|(_, (_, copied))| copied.iter().cloned())
        .collect();
    let set_aside_configs = set_aside::configs(
        set_aside::Evidence {
            compose_mounts: &compose_mounts,
            kustomize_patches,
            development_folders: &development_folders,
            copied_into_images: &copied_into_images,
            vendored_folders: vendored_folders.clone(),
        },
        walked.files.iter().map(|f| f.path.as_str()),
    );
    // What the Compose services that pull the project's own image set for it
    // (tubearchivist's `bbilly1/tubearchivist` with a `healthcheck:`): the image the
    // documented deployment runs is the root Dockerfile's, or the only product one.
    let own_pulled: Vec<&compose_builds::PulledImage> = pulled_images
        .iter()
        .filter(|p| !set_aside_configs.contains_key(&p.path) && own_image(&p.image))
        .collect();
    let own_pulled_keys: BTreeSet<&str> = own_pulled
        .iter()
        .flat_map(|p| p.keys.iter().map(String::as_str))
        .collect();
    // Images nothing ships, and contributors' stacks that build a published image.
    let ci_builds = unshipped::CiBuilds::new(&ci_text);
    let deployed = compose_builds::deployment_dockerfiles(&compose_builds, &env_files);
    let dockerfiles: Vec<&str> = walked
        .files
        .iter()
        .map(|f| f.path.as_str())
        .filter(|p| is_dockerfile(p))
        .collect();
    let mut unshipped_images =
        unshipped::dockerfiles(dockerfiles.iter().copied(), &ci_builds, &deployed);
    for (path, reason) in unshipped::beside_development_compose(
        dockerfiles.iter().copied(),
        &compose_builds,
        &ci_builds,
        &deployed,
    ) {
        unshipped_images.entry(path).or_insert(reason);
    }
    let index = FileIndex::build(pack, &walked.files, options.walk.jobs);
    // A configuration file set aside is no evidence of a stack either (hanko's test
    // cluster manifests do not make it a Kubernetes deployment).
    for (path, hits) in &config_stack_evidence {
        if !set_aside_configs.contains_key(path) {
            for &i in hits {
                stack_hits[i] = true;
            }
        }
    }
    let pulls_own_image = !own_pulled.is_empty();
    for (i, stack) in pack.stacks.iter().enumerate() {
        if stack.pulls_own_image && pulls_own_image {
            stack_hits[i] = true;
        }
        if stack.pattern.is_none() {
            let mut files = index.files(Group::Stack(i), &walked.files);
            // Nor is an image nothing ships (mbin's CI job image is no second service), nor,
            // for a count of images, one that runs none of the product's own code.
            files.retain(|f| {
                !set_aside_configs.contains_key(&f.path)
                    && !unshipped_images.contains_key(&f.path)
                    && (stack.min_files <= 1 || !no_service_images.contains(&f.path))
            });
            if stack_detected_by_files(&files, stack) {
                stack_hits[i] = true;
            }
        }
    }
    // A derived stack is found with the stacks it is derived from (`operator-release`
    // with `released-software`), derived ones included: repeat until nothing changes.
    loop {
        let mut changed = false;
        for (i, stack) in pack.stacks.iter().enumerate() {
            if stack.is_derived() && !stack_hits[i] {
                let derived = pack
                    .stacks
                    .iter()
                    .zip(&stack_hits)
                    .any(|(s, hit)| *hit && stack.with_stack.contains(&s.id));
                if derived {
                    stack_hits[i] = true;
                    changed = true;
                }
            }
        }
        if !changed {
            break;
        }
    }
    // `unless_stack` is judged on the stacks found by their own files, `with_stack` on
    // what remains of them (software that takes payments is no operator release).
    for with in [false, true] {
        let found = stack_hits.clone();
        let found_id = |id: &String| {
            pack.stacks
                .iter()
                .zip(&found)
                .any(|(s, hit)| *hit && &s.id == id)
        };
        for (i, stack) in pack.stacks.iter().enumerate() {
            let drop = if with {
                !stack.with_stack.is_empty() && !stack.with_stack.iter().any(found_id)
            } else {
                stack.unless_stack.iter().any(found_id)
            };
            if drop {
                stack_hits[i] = false;
            }
        }
    }
    let stacks: Vec<DetectedStack> = pack
        .stacks
        .iter()
        .zip(&stack_hits)
        .filter(|(_, hit)| **hit)
        .map(|(s, _)| DetectedStack {
            id: s.id.clone(),
            name: s.name.clone(),
            kind: s.kind.clone(),
        })
        .collect();
    let stack_ids: BTreeSet<&str> = stacks.iter().map(|s| s.id.as_str()).collect();

    let mut findings = Vec::new();
    let mut rule_results = Vec::new();
    let drift_inventory = drift::DriftInventory {
        reads: router.drift_reads.finish(),
        provisions,
        env_files: &env_files,
        units: &units,
    };
    let mut set_by_deployment = None;
    let mut set_aside = built_outside_deployments;
    // Contributors' stacks that build a published image.
    let docs_site_setups = unshipped::docs_site_setups(
        &unshipped_images,
        walked.files.iter().map(|f| f.path.as_str()),
    );
    let documentation_pulls_own_image = documented_pulls.iter().any(|image| own_image(image));
    let files_pulling_own_image: BTreeSet<&str> =
        own_pulled.iter().map(|p| p.path.as_str()).collect();
    let unshipped = unshipped_images
        .into_iter()
        .chain(docs_site_setups)
        .chain(unshipped::compose_files_building_published(
            &compose_builds,
            &env_files,
            &ci_builds,
        ))
        .chain(unshipped::root_compose_files_building_from_source(
            &compose_builds,
            documentation_pulls_own_image,
            &files_pulling_own_image,
        ));
    for (path, reason) in unshipped {
        set_aside.entry(path).or_insert(reason);
    }
    for (i, rule) in pack.rules.iter().enumerate() {
        let include_tests = match &rule.check {
            Check::Content(c) => c.include_tests,
            Check::Structured(c) => c.include_tests,
            _ => continue,
        };
        if !include_tests {
            content_results[i].retain(|(path, _)| !set_aside_configs.contains_key(*path));
            structured_results[i].retain(|(path, _)| !set_aside_configs.contains_key(*path));
        }
    }
    set_aside.extend(set_aside_configs);
    inventory.development_setups.extend(
        set_aside
            .iter()
            .filter(|(_, reason)| **reason != set_aside::VENDORED)
            .map(|(path, reason)| DevelopmentSetup {
                path: path.clone(),
                reason,
            })
            .chain(vendored_folders.iter().map(|folder| DevelopmentSetup {
                path: format!("{folder}/"),
                reason: set_aside::VENDORED,
            })),
    );
    inventory.development_setups.sort();
    let set_aside_files: BTreeSet<String> = set_aside.into_keys().collect();
    for (i, rule) in pack.rules.iter().enumerate() {
        let has_files = || {
            index
                .files(Group::AppliesWhen(i), &walked.files)
                .iter()
                .any(|f| !not_secret_env_files.contains(&f.path))
        };
        let verdict = match applies(rule, &stack_ids, has_files) {
            Err(why) => Verdict::NotApplicable(why),
            Ok(()) => match &rule.check {
                Check::File(c) => {
                    let mut matching = index.files(Group::FileCheck(i), &walked.files);
                    matching.retain(|f| !not_secret_env_files.contains(&f.path));
                    file::evaluate(rule, c, matching, &walked.symlinks)
                }
                Check::Env(c) => env::evaluate(
                    rule,
                    c,
                    &env_files,
                    &units,
                    &not_secret_env_files,
                    &layered_env_files,
                    &developer_env_files,
                ),
                Check::Content(c) => {
                    let mut files = std::mem::take(&mut content_results[i]);
                    if !c.unless_compose_sets.is_empty() {
                        // What the deployment sets for an image: the Compose services
                        // that build it, and a platform that health-checks it.
                        let set_by = set_by_deployment.get_or_insert_with(|| {
                            let mut keys =
                                compose_builds::keys_by_dockerfile(&compose_builds, &env_files);
                            // An image CI publishes is run by others too: the
                            // platform checks only the authors' own deployment of it
                            // (alerta's demo on Fly).
                            let published_by_ci = |dockerfile: &str| {
                                compose_builds::names_whole(&ci_text, dockerfile)
                                    || (dockerfile == "Dockerfile" && !published.is_empty())
                            };
                            for dockerfile in &platform_checked {
                                if !published_by_ci(dockerfile)
                                    || crate::inventory::platform_checks::fly_deploys_in_ci(
                                        &ci_text, dockerfile,
                                    )
                                {
                                    keys.entry(dockerfile.clone())
                                        .or_default()
                                        .insert("healthcheck".to_string());
                                }
                            }
                            // A pulled own image CI builds from a known Dockerfile
                            // (wanderer's `flomp/wanderer-db` from `db/`), or named for
                            // its part (openpanel's `openpanel-api`, `apps/api/`): what
                            // the service sets is set for that Dockerfile's image.
                            for pulled in &own_pulled {
                                let name = compose_builds::image_name(&pulled.image);
                                if let Some(d) = ci_builds
                                    .dockerfile_of_image(&name, &dockerfiles)
                                    .or_else(|| {
                                        compose_builds::dockerfile_named_for(
                                            &name,
                                            &identity.names,
                                            &dockerfiles,
                                        )
                                    })
                                {
                                    keys.entry(d.to_string())
                                        .or_default()
                                        .extend(pulled.keys.iter().cloned());
                                }
                            }
                            keys
                        });
                        let set_for_own_image = c
                            .unless_compose_sets
                            .iter()
                            .any(|k| own_pulled_keys.contains(k.as_str()));
                        let sole_candidate = router.tallies[i]
                            .checked
                            .load(std::sync::atomic::Ordering::Relaxed)
                            == 1;
                        content::pass_where(&mut files, |path| {
                            set_by.get(path).is_some_and(|set| {
                                c.unless_compose_sets.iter().any(|k| set.contains(k))
                            }) || (set_for_own_image
                                && (sole_candidate
                                    || matches!(path, "Dockerfile" | "Containerfile")))
                        });
                    }
                    if let Some(pattern) = &c.unless_entrypoint_matches {
                        content::pass_where(&mut files, |dockerfile| {
                            image_entries
                                .get(dockerfile)
                                .is_some_and(|(scripts, copied)| {
                                    crate::inventory::entrypoint::entry_files(
                                        dockerfile,
                                        scripts,
                                        copied,
                                        walked.files.iter().map(|f| f.path.as_str()),
                                    )
                                    .iter()
                                    .filter_map(|path| read_small(&options.root, path))
                                    .any(|text| pattern.is_match(&text))
                                })
                                // An entry script the Dockerfile writes itself with a
                                // heredoc (`cat << 'EOF' > /entrypoint.sh`, reitti).
                                || read_small(&options.root, dockerfile)
                                    .is_some_and(|text| text.contains("<<") && pattern.is_match(&text))
                        });
                    }
                    if c.unless_own_image_healthcheck {
                        content::pass_where(&mut files, |path| built_on_own_image.contains(path));
                    }
                    if c.unless_in_image.is_some() {
                        let tally = content::tally_outside_images(&files, &copied_into_images);
                        if tally.checked.load(std::sync::atomic::Ordering::Relaxed) == 0
                            && !files.is_empty()
                        {
                            Verdict::NotApplicable(format!(
                                "each of the {} candidate file(s) is copied into an image by a \
                                 Dockerfile: the image's internal server",
                                files.len()
                            ))
                        } else {
                            content::finish(
                                rule,
                                c,
                                &tally,
                                files,
                                own_owners,
                                &instructed_settings,
                            )
                        }
                    } else {
                        content::finish(
                            rule,
                            c,
                            &router.tallies[i],
                            files,
                            own_owners,
                            &instructed_settings,
                        )
                    }
                }
                Check::Structured(c) => {
                    let verdict = structured::finish(c, std::mem::take(&mut structured_results[i]));
                    let at = |location: &Location, services: &BTreeSet<(String, u32)>| {
                        location
                            .path
                            .as_ref()
                            .zip(location.line)
                            .is_some_and(|(p, line)| services.contains(&(p.clone(), line)))
                    };
                    let verdict = if c.unless_own_image_healthcheck {
                        drop_where(verdict, |location| at(location, &own_image_services))
                    } else {
                        verdict
                    };
                    let verdict = if c.unless_awaited_healthy {
                        drop_where(verdict, |location| at(location, &awaited_healthy))
                    } else {
                        verdict
                    };
                    if c.unless_one_shot_job {
                        drop_where(verdict, |location| at(location, &one_shot_jobs))
                    } else {
                        verdict
                    }
                }
                Check::Probe(c) => probe::evaluate(rule, c, &options.probes),
                Check::Drift(c) => drift::evaluate(rule, *c, &drift_inventory),
            },
        };
        let verdict = drop_where(verdict, |location| {
            location
                .path
                .as_ref()
                .is_some_and(|p| set_aside_files.contains(p))
        });
        let (result, mut produced) = findings_for(rule, verdict);
        rule_results.push(result);
        findings.append(&mut produced);
    }
    findings.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    inventory.problems.sort();
    inventory.problems.dedup();
    let env_matrix = drift_inventory.into_matrix();
    Ok(ScanResult {
        findings,
        rule_results,
        stacks,
        inventory,
        env_matrix,
        inline_ignores: all_inline,
    })
}

/// An image's entry script or supervisord configuration, when it is small enough to be
/// one. Which files those are is known only once every Dockerfile is read, so they are
/// read here, after the walk, and only for the images DKR001 would otherwise report; a
/// script that another rule's paths select (`**/*.sh`) was also read by the walk.
fn read_small(root: &std::path::Path, path: &str) -> Option<String> {
    const MAX_SCRIPT_BYTES: u64 = 256 * 1024;
    let full = root.join(path);
    let meta = std::fs::symlink_metadata(&full).ok()?;
    if !meta.is_file() || meta.len() > MAX_SCRIPT_BYTES {
        return None;
    }
    let bytes = std::fs::read(full).ok()?;
    Some(String::from_utf8_lossy(&bytes).into_owned())
}

/// Drops the occurrences whose location satisfies `dropped`.
fn drop_where(verdict: Verdict, dropped: impl Fn(&Location) -> bool) -> Verdict {
    match verdict {
        Verdict::Checked {
            occurrences,
            summary,
        } => Verdict::Checked {
            occurrences: occurrences
                .into_iter()
                .filter(|o| !o.location.as_ref().is_some_and(&dropped))
                .collect(),
            summary,
        },
        v => v,
    }
}

/// Judges only the `probe` rules, for `launchgate probe` (no repository).
pub fn evaluate_probes_only(pack: &RulePack, probes: &[crate::probe::ProbeReport]) -> ScanResult {
    let mut findings = Vec::new();
    let mut rule_results = Vec::new();
    for rule in &pack.rules {
        let Check::Probe(c) = &rule.check else {
            continue;
        };
        let (result, mut produced) = findings_for(rule, probe::evaluate(rule, c, probes));
        rule_results.push(result);
        findings.append(&mut produced);
    }
    findings.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    ScanResult {
        findings,
        rule_results,
        stacks: Vec::new(),
        inventory: InventorySummary::default(),
        env_matrix: Default::default(),
        inline_ignores: Vec::new(),
    }
}

fn env_file_roles(files: &[EnvFile], units: &[EnvUnit]) -> Vec<EnvFileInfo> {
    files
        .iter()
        .enumerate()
        .map(|(i, f)| {
            let role = if units.iter().any(|u| u.production == Some(i)) {
                "production"
            } else if units.iter().any(|u| u.template == Some(i)) {
                "template"
            } else {
                "other"
            };
            EnvFileInfo {
                path: f.path.clone(),
                role,
                gitignored: f.gitignored,
            }
        })
        .collect()
}

fn findings_for(rule: &Rule, verdict: Verdict) -> (RuleResult, Vec<Finding>) {
    let base = |outcome: Outcome, message: String| Finding {
        rule_id: rule.id.clone(),
        title: rule.title.clone(),
        outcome,
        category: rule.category,
        area: rule.area,
        message,
        location: None,
        evidence: None,
        effort_hours: 0.0,
        remediation: rule.remediation.clone(),
        fingerprint: None,
        suppressed: None,
        baseline: None,
    };
    match verdict {
        Verdict::NotApplicable(why) => (
            RuleResult {
                rule_id: rule.id.clone(),
                outcome: Outcome::NotApplicable,
                failures: 0,
            },
            vec![base(
                Outcome::NotApplicable,
                format!("not applicable: {why}"),
            )],
        ),
        Verdict::Checked {
            occurrences,
            summary,
        } if occurrences.is_empty() => (
            RuleResult {
                rule_id: rule.id.clone(),
                outcome: Outcome::Pass,
                failures: 0,
            },
            vec![base(Outcome::Pass, format!("passed: {summary}"))],
        ),
        Verdict::Checked { occurrences, .. } => {
            let failures = occurrences.len();
            let mut seen: std::collections::HashMap<String, usize> =
                std::collections::HashMap::new();
            let findings = occurrences
                .into_iter()
                .map(|o| {
                    let place = o
                        .location
                        .as_ref()
                        .and_then(|l| l.path.clone().or_else(|| l.url.clone()))
                        .unwrap_or_default();
                    let anchor = o
                        .evidence
                        .as_ref()
                        .map_or(o.message.as_str(), |e| e.as_str())
                        .to_string();
                    let nth = seen.entry(format!("{place}\0{anchor}")).or_insert(0);
                    let fp = crate::finding::fingerprint(&rule.id, &place, &anchor, *nth);
                    *nth += 1;
                    Finding {
                        location: o.location,
                        evidence: o.evidence,
                        effort_hours: rule.effort_hours(),
                        fingerprint: Some(fp),
                        ..base(Outcome::Fail, o.message)
                    }
                })
                .collect();
            (
                RuleResult {
                    rule_id: rule.id.clone(),
                    outcome: Outcome::Fail,
                    failures,
                },
                findings,
            )
        }
    }
}
