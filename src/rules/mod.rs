//! The rule model: TOML rule files, read with positions, validated into a typed
//! [`RulePack`] whose patterns are compiled once.

mod builtin;
pub mod diag;
mod lazy;
pub(crate) mod parse;
pub(crate) mod reader;

pub use builtin::{builtin_sources, BUILTIN_PREFIX};
pub use diag::{Diagnostic, Diagnostics};
pub use lazy::LazyRegex;
pub use parse::describe_toml_error;

use crate::doc::{DocFormat, Scalar, Selector};
use crate::finding::{Area, Category};
use globset::GlobSet;
use regex::Regex;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Where a rule was defined, for error messages and `rules explain`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Origin {
    pub file: String,
    pub line: u32,
}

/// Compiles one rule glob the way every glob of the pack is compiled (`*` never
/// crosses `/`; `**/` spans folders), so the glob sets built from the same
/// patterns elsewhere (routing, the file index) match exactly what the rule does.
pub fn compile_glob(pattern: &str) -> Result<globset::Glob, globset::Error> {
    globset::GlobBuilder::new(pattern)
        .literal_separator(true)
        .build()
}

/// Globs as written, plus the compiled set (`*` never crosses `/`; `**/` spans dirs).
/// The built-in pack's sets are built on first use (each glob is still checked when
/// the pack is loaded), so commands that only list rules start fast.
#[derive(Clone, Debug)]
pub struct Globs {
    pub patterns: Vec<String>,
    set: std::sync::OnceLock<GlobSet>,
}

impl Globs {
    pub fn compiled(patterns: Vec<String>, set: GlobSet) -> Self {
        Globs {
            patterns,
            set: std::sync::OnceLock::from(set),
        }
    }

    /// Globs already validated one by one; the set is built when first needed.
    pub fn deferred(patterns: Vec<String>) -> Self {
        Globs {
            patterns,
            set: std::sync::OnceLock::new(),
        }
    }

    pub fn set(&self) -> &GlobSet {
        self.set.get_or_init(|| {
            let mut builder = globset::GlobSetBuilder::new();
            for p in &self.patterns {
                if let Ok(g) = compile_glob(p) {
                    builder.add(g);
                }
            }
            builder.build().unwrap_or_else(|_| GlobSet::empty())
        })
    }

    pub fn is_match(&self, path: &str) -> bool {
        self.set().is_match(path)
    }
}

#[derive(Clone, Debug, Default)]
pub struct AppliesWhen {
    /// Any of these detected stacks.
    pub stack: Vec<String>,
    /// None of these detected stacks.
    pub not_stack: Vec<String>,
    /// Any file matching these globs exists.
    pub files: Option<Globs>,
}

impl AppliesWhen {
    pub fn is_always(&self) -> bool {
        self.stack.is_empty() && self.not_stack.is_empty() && self.files.is_none()
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileMust {
    Exist,
    NotExist,
    BeIgnored,
}

#[derive(Clone, Debug)]
pub struct FileCheck {
    pub paths: Globs,
    pub must: FileMust,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ContentMust {
    /// Every selected file must contain a match.
    MatchEachFile,
    /// At least one selected file in the repository must contain a match.
    MatchAnyFile,
    /// Every match is a failing occurrence.
    NotMatch,
}

#[derive(Clone, Debug)]
pub struct ContentCheck {
    pub paths: Globs,
    pub exclude: Option<Globs>,
    pub pattern: LazyRegex,
    pub must: ContentMust,
    /// A file in which this matches anywhere passes (`apt-get install` is fine when
    /// the lists are removed; with `scope = "each-file"`, a file that is not a
    /// runtime image needs no `USER`).
    pub unless: Option<LazyRegex>,
    /// With `must = "not-match"`: a match is no occurrence when this matches the lines
    /// that enclose it (less indented, among the four before) plus its own line up to
    /// the match: the setting is an operator's
    /// opt-in (`if (notification.unsafeTls) {`, `case "accept_invalid_certs":`, a
    /// ternary) or sits in a comment, not a default.
    pub unless_guarded: Option<LazyRegex>,
    /// With `must = "not-match"`: a match in whose text this also matches is no
    /// occurrence (the SLSA generator's reusable workflows, which must be referenced by
    /// tag, among unpinned actions).
    pub unless_matched: Option<LazyRegex>,
    /// With `must = "not-match"` on a Dockerfile: a match in a build stage, one that
    /// later stages only copy files from (`COPY --from=build`) and never start `FROM`,
    /// is no occurrence: its layers never reach a shipped image.
    pub skip_build_stages: bool,
    /// With `must = "not-match"` on a Dockerfile: a match in a development stage (`AS
    /// dev`, `AS test`, not the last, nothing built on it or copied from it) is no
    /// occurrence: it is the contributors' own `--target`, not the shipped image.
    pub skip_development_stages: bool,
    /// Only the text from the last match of this regex on is judged (the final stage
    /// of a multi-stage Dockerfile is what runs).
    pub from_last: Option<LazyRegex>,
    /// With `must = "match"` on Dockerfiles: the pattern is judged on the stages the
    /// shipped image is made of, the last one and those it is built `FROM`.
    pub shipped_stages: bool,
    /// With `must = "match"`: a selected file whose path matches counts as a match
    /// whatever its text (file-system routes: `app/api/health/route.ts` is the route).
    pub match_paths: Option<Globs>,
    /// A structured file is judged only when one of its documents satisfies all of
    /// these (a Compose file that describes a deployment, not only local databases).
    /// Files that cannot be parsed are judged, so a broken file hides nothing.
    pub documents: Vec<Assertion>,
    /// With `scope = "each-file"`: a Dockerfile that a production Compose service builds
    /// passes when that service sets one of these keys itself (`healthcheck`, `user`).
    pub unless_compose_sets: Vec<String>,
    /// With `scope = "each-file"`: a Dockerfile whose shipped stage starts from the
    /// project's own image (named as the repository) passes when a product Dockerfile
    /// declares a `HEALTHCHECK`: the base image brings it.
    pub unless_own_image_healthcheck: bool,
    /// With `scope = "each-file"` on Dockerfiles: an image that starts no process of its
    /// own (no `CMD` or `ENTRYPOINT` on its shipped chain, built on `scratch` or a bare OS
    /// image), or whose entry program builds packages (`build_package`, `build.sh`),
    /// passes: a build output, a shared stage or a package builder is not a service.
    pub unless_no_process: bool,
    /// With `scope = "each-file"` on Dockerfiles: an image passes when the script its
    /// `ENTRYPOINT` or `CMD` runs, or a supervisord configuration it copies, matches this
    /// (the entrypoint drops root with `exec gosu app "$@"`; supervisord starts the
    /// programs as `user=app`).
    pub unless_entrypoint_matches: Option<LazyRegex>,
    /// With `scope = "any-file"`: a selected file that a product Dockerfile copies into
    /// its image, and in which this does not match, is no candidate: it is the image's
    /// internal server, behind the operator's edge (an nginx that listens on plain HTTP).
    pub unless_in_image: Option<LazyRegex>,
    /// With `scope = "any-file"`: no selected file at all is a failure, not "not
    /// applicable" (no SECURITY.md and no README to hold the policy either).
    pub fail_without_files: bool,
    pub include_tests: bool,
    /// The whole match is a secret: evidence shows only a redacted hint.
    pub secret: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EnvTarget {
    Production,
    Template,
}

#[derive(Clone, Debug)]
pub enum EnvCondition {
    Empty,
    Missing,
    Placeholder,
    WeakSecret { min_length: usize },
    Localhost,
    InsecureUrl,
    InlineCredentials,
    Matches(LazyRegex),
    NotInTemplate,
    NotInProduction,
}

impl EnvCondition {
    pub const NAMES: [&'static str; 10] = [
        "empty",
        "missing",
        "placeholder",
        "weak-secret",
        "localhost",
        "insecure-url",
        "inline-credentials",
        "matches",
        "not-in-template",
        "not-in-production",
    ];
}

#[derive(Clone, Debug)]
pub struct EnvCheck {
    pub file: EnvTarget,
    pub keys: LazyRegex,
    pub exclude_keys: Option<LazyRegex>,
    pub condition: EnvCondition,
}

#[derive(Clone, Debug)]
pub enum AssertOp {
    Exists,
    Missing,
    Equals(Vec<Scalar>),
    NotEquals(Vec<Scalar>),
    Matches(LazyRegex),
    NotMatches(LazyRegex),
}

/// How many of the nodes a path reaches must satisfy an assertion.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Quantifier {
    /// Every node reached (the default; `not-equals`/`not-matches` mean "none is").
    #[default]
    All,
    /// At least one node reached.
    Some,
}

#[derive(Clone, Debug)]
pub struct Assertion {
    /// Several paths mean "any of": the assertion holds if it holds for one of them.
    pub paths: Vec<Selector>,
    pub op: AssertOp,
    pub quantifier: Quantifier,
    pub message: Option<String>,
}

#[derive(Clone, Debug)]
pub struct StructuredCheck {
    pub paths: Globs,
    pub exclude: Option<Globs>,
    /// Overlay files (`compose.prod.yml` merged with `-f` at deploy time): a failing
    /// assertion on a node of a file in the same folder passes when an overlay sets
    /// it for the same node path.
    pub overlays: Option<Globs>,
    pub format: Option<DocFormat>,
    pub include_tests: bool,
    pub documents: Vec<Assertion>,
    /// Several selectors choose the union of their nodes (containers and initContainers, say).
    pub select: Vec<Selector>,
    pub filter: Vec<Assertion>,
    pub assert: Vec<Assertion>,
    pub secret: bool,
    /// A Compose service passes when its image brings a `HEALTHCHECK`: it builds a
    /// Dockerfile declaring one, or it pulls the project's own image (its name is the
    /// repository's) while a product Dockerfile declares one.
    pub unless_own_image_healthcheck: bool,
    /// A Compose service that another waits on to complete
    /// (`condition: service_completed_successfully`) is a one-shot job and passes.
    pub unless_one_shot_job: bool,
    /// A Compose service another service waits on to report healthy
    /// (`condition: service_healthy`) passes: its image brings the health check.
    pub unless_awaited_healthy: bool,
}

/// A comparison on a probe fact (see docs/probe-facts.md for the names).
#[derive(Clone, Debug)]
pub enum ProbeOp {
    Eq(Scalar),
    Ne(Scalar),
    Ge(f64),
    Gt(f64),
    Le(f64),
    Lt(f64),
    Exists,
    Missing,
    Matches(LazyRegex),
    NotMatches(LazyRegex),
    Empty,
    NotEmpty,
}

impl ProbeOp {
    pub const NAMES: [&'static str; 12] = [
        "==",
        "!=",
        ">=",
        ">",
        "<=",
        "<",
        "exists",
        "missing",
        "matches",
        "not-matches",
        "empty",
        "not-empty",
    ];
}

#[derive(Clone, Debug)]
pub struct ProbeCondition {
    /// Several facts mean "any of": the condition holds if one of them satisfies it.
    pub facts: Vec<String>,
    pub op: ProbeOp,
}

#[derive(Clone, Debug)]
pub struct ProbeCheck {
    pub expect: ProbeCondition,
    /// The URL is judged only when all of these hold (e.g. only RSA keys).
    pub when: Vec<ProbeCondition>,
}

/// What a `drift` check compares (see `src/evaluate/drift.rs`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DriftCondition {
    /// Read in code without a default and not provided for production.
    Unprovided,
    /// Read in code but not documented in the env template.
    Undocumented,
    /// Documented or provided but never read.
    Unused,
    /// Read with a name computed at run time: reported as not checked.
    Dynamic,
}

impl DriftCondition {
    pub const NAMES: [(&'static str, DriftCondition); 4] = [
        ("unprovided", DriftCondition::Unprovided),
        ("undocumented", DriftCondition::Undocumented),
        ("unused", DriftCondition::Unused),
        ("dynamic", DriftCondition::Dynamic),
    ];
}

#[derive(Clone, Debug)]
pub enum Check {
    File(FileCheck),
    Content(Box<ContentCheck>),
    Env(EnvCheck),
    Structured(StructuredCheck),
    Probe(ProbeCheck),
    Drift(DriftCondition),
}

impl Check {
    pub const KINDS: [&'static str; 6] = ["file", "content", "env", "structured", "probe", "drift"];

    pub fn kind(&self) -> &'static str {
        match self {
            Check::File(_) => "file",
            Check::Content(_) => "content",
            Check::Env(_) => "env",
            Check::Structured(_) => "structured",
            Check::Probe(_) => "probe",
            Check::Drift(_) => "drift",
        }
    }
}

#[derive(Clone, Debug)]
pub struct Rule {
    pub id: String,
    pub title: String,
    pub category: Category,
    pub area: Area,
    pub effort_minutes: u32,
    pub weight: Option<f64>,
    pub description: String,
    pub remediation: String,
    pub references: Vec<String>,
    pub message: Option<String>,
    pub applies_when: AppliesWhen,
    pub check: Check,
    pub origin: Origin,
    /// Off unless enabled (`--enable ID`, `enable = [..]`): a rule whose findings
    /// are too often wrong on real projects to gate a release by default.
    pub opt_in: bool,
}

impl Rule {
    pub fn weight(&self) -> f64 {
        self.weight
            .unwrap_or_else(|| self.category.default_weight())
    }

    pub fn effort_hours(&self) -> f64 {
        f64::from(self.effort_minutes) / 60.0
    }
}

/// A technology the repository uses, detected from files (and optionally their text).
#[derive(Clone, Debug)]
pub struct Stack {
    pub id: String,
    pub name: String,
    pub kind: String,
    pub paths: Globs,
    /// Files that are never evidence for this detector (demo-data seeders, say).
    pub exclude: Option<Globs>,
    pub pattern: Option<LazyRegex>,
    /// A file in which this matches is no evidence (a `package.json` of an Electron
    /// app lists `express` for its local window server, not for a web service).
    pub unless: Option<LazyRegex>,
    /// Not detected when one of these stacks is (as found by their own files): software
    /// released for operators is their business unless it takes payments itself.
    pub unless_stack: Vec<String>,
    /// Detected only when one of these stacks is too: a documentation site stands for
    /// an operations guide only in software released for operators to run.
    pub with_stack: Vec<String>,
    /// Also detected when a deployment Compose file pulls the project's own image
    /// (maxun's documented `docker-compose.yml` runs `getmaxun/maxun-backend`).
    pub pulls_own_image: bool,
    pub include_tests: bool,
    /// How many files matching `paths` it takes (1 unless set; only without `pattern`).
    pub min_files: usize,
    pub origin: Origin,
}

impl Stack {
    /// A stack without `paths` of its own: detected from its `with_stack`.
    pub fn is_derived(&self) -> bool {
        self.paths.patterns.is_empty()
    }

    /// Whether this detector looks at a file at all (its paths, outside tests and
    /// vendored code unless it includes them, and outside `exclude`).
    pub fn considers(&self, path: &str, non_product: bool) -> bool {
        (self.include_tests || !non_product)
            && !self.exclude.as_ref().is_some_and(|x| x.is_match(path))
    }
}

/// A user's change to a rule defined elsewhere (usually the built-in pack).
#[derive(Clone, Debug)]
pub struct Override {
    pub rule: String,
    pub disable: bool,
    pub category: Option<Category>,
    pub weight: Option<f64>,
    pub origin: Origin,
}

/// What one rule file holds before packs are merged.
#[derive(Clone, Debug, Default)]
pub struct RuleFile {
    pub rules: Vec<Rule>,
    pub stacks: Vec<Stack>,
    pub overrides: Vec<Override>,
}

#[derive(Clone, Debug, Default)]
pub struct RulePack {
    pub rules: Vec<Rule>,
    pub stacks: Vec<Stack>,
}

/// Parses and validates one rule file; `name` is used in messages.
pub fn parse_rule_file(name: &str, text: &str) -> Result<RuleFile, Diagnostics> {
    parse::parse_rule_file(name, text)
}

/// How to assemble a pack: the built-in rules, then user files, then overrides.
#[derive(Clone, Debug, Default)]
pub struct PackOptions {
    pub builtin: bool,
    /// Rule files or folders of `*.toml` files.
    pub user_paths: Vec<std::path::PathBuf>,
    /// Rule ids to disable (from the command line or a project config).
    pub disable: Vec<String>,
    pub category_overrides: BTreeMap<String, Category>,
    pub weight_overrides: BTreeMap<String, f64>,
    /// Which opt-in rules the pack keeps.
    pub opt_in: OptIn,
}

/// Which opt-in rules ([`Rule::opt_in`]) a pack keeps.
#[derive(Clone, Debug, Default)]
pub enum OptIn {
    /// All of them: for listing and documenting the pack, and for tests.
    #[default]
    All,
    /// Only these ids: a scan runs an opt-in rule only when the user enabled it.
    Enabled(Vec<String>),
}

/// Reads every rule source and reports all of their problems together.
pub fn load_pack(options: &PackOptions) -> Result<RulePack, Diagnostics> {
    let mut sources: Vec<(String, String)> = Vec::new();
    let mut problems = Vec::new();
    if options.builtin {
        sources.extend(
            builtin_sources()
                .iter()
                .map(|(name, text)| (name.to_string(), text.to_string())),
        );
    }
    for path in &options.user_paths {
        match read_rule_paths(path) {
            Ok(found) => sources.extend(found),
            Err(d) => problems.push(d),
        }
    }
    let mut files = Vec::new();
    for (name, text) in &sources {
        match parse_rule_file(name, text) {
            Ok(f) => files.push(f),
            Err(Diagnostics(mut d)) => problems.append(&mut d),
        }
    }
    if !problems.is_empty() {
        return Err(Diagnostics(problems));
    }
    merge(files, options)
}

/// A rule file, or every `*.toml` in a folder (sorted, not recursive).
pub fn read_rule_paths(path: &Path) -> Result<Vec<(String, String)>, Diagnostic> {
    let display = path.display().to_string();
    let meta = std::fs::metadata(path)
        .map_err(|e| Diagnostic::whole_file(&display, format!("cannot read rule path: {e}")))?;
    let files: Vec<std::path::PathBuf> = if meta.is_dir() {
        let mut found: Vec<_> = std::fs::read_dir(path)
            .map_err(|e| Diagnostic::whole_file(&display, format!("cannot list rule folder: {e}")))?
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "toml") && p.is_file())
            .collect();
        found.sort();
        found
    } else {
        vec![path.to_path_buf()]
    };
    let mut out = Vec::new();
    for file in files {
        let name = file.display().to_string();
        let text = std::fs::read(&file)
            .map_err(|e| Diagnostic::whole_file(&name, format!("cannot read rule file: {e}")))?;
        let text = String::from_utf8(text)
            .map_err(|_| Diagnostic::whole_file(&name, "rule file is not valid UTF-8"))?;
        out.push((name, text));
    }
    Ok(out)
}

fn merge(files: Vec<RuleFile>, options: &PackOptions) -> Result<RulePack, Diagnostics> {
    let mut problems = Vec::new();
    let mut pack = RulePack::default();
    let mut seen: BTreeMap<String, Origin> = BTreeMap::new();
    let mut stack_seen: BTreeMap<String, Origin> = BTreeMap::new();
    let mut overrides = Vec::new();
    for file in files {
        for rule in file.rules {
            if let Some(first) = seen.get(&rule.id) {
                problems.push(Diagnostic {
                    file: rule.origin.file.clone(),
                    line: rule.origin.line,
                    column: 1,
                    message: format!(
                        "duplicate rule id `{}` (first defined at {}:{}); to replace a built-in rule, disable it with [[override]] and give yours a new id",
                        rule.id, first.file, first.line
                    ),
                    excerpt: None,
                });
                continue;
            }
            seen.insert(rule.id.clone(), rule.origin.clone());
            pack.rules.push(rule);
        }
        for stack in file.stacks {
            if let Some(first) = stack_seen.get(&stack.id) {
                problems.push(Diagnostic {
                    file: stack.origin.file.clone(),
                    line: stack.origin.line,
                    column: 1,
                    message: format!(
                        "duplicate stack id `{}` (first defined at {}:{})",
                        stack.id, first.file, first.line
                    ),
                    excerpt: None,
                });
                continue;
            }
            stack_seen.insert(stack.id.clone(), stack.origin.clone());
            pack.stacks.push(stack);
        }
        overrides.extend(file.overrides);
    }
    let stack_ids: BTreeSet<&str> = pack.stacks.iter().map(|s| s.id.as_str()).collect();
    for rule in &pack.rules {
        for id in rule
            .applies_when
            .stack
            .iter()
            .chain(&rule.applies_when.not_stack)
        {
            if !stack_ids.contains(id.as_str()) {
                problems.push(Diagnostic {
                    file: rule.origin.file.clone(),
                    line: rule.origin.line,
                    column: 1,
                    message: format!(
                        "rule `{}` names unknown stack `{id}` in applies_when",
                        rule.id
                    ),
                    excerpt: None,
                });
            }
        }
    }
    for stack in &pack.stacks {
        let named = stack
            .unless_stack
            .iter()
            .map(|id| (id, "unless_stack"))
            .chain(stack.with_stack.iter().map(|id| (id, "with_stack")));
        for (id, key) in named {
            if !stack_ids.contains(id.as_str()) {
                problems.push(Diagnostic {
                    file: stack.origin.file.clone(),
                    line: stack.origin.line,
                    column: 1,
                    message: format!("stack `{}` names unknown stack `{id}` in {key}", stack.id),
                    excerpt: None,
                });
            }
        }
    }
    for o in &overrides {
        let Some(rule) = pack.rules.iter_mut().find(|r| r.id == o.rule) else {
            problems.push(Diagnostic {
                file: o.origin.file.clone(),
                line: o.origin.line,
                column: 1,
                message: format!("[[override]] names unknown rule `{}`", o.rule),
                excerpt: None,
            });
            continue;
        };
        if let Some(c) = o.category {
            rule.category = c;
        }
        if let Some(w) = o.weight {
            rule.weight = Some(w);
        }
    }
    let mut disabled: BTreeSet<String> = options.disable.iter().cloned().collect();
    disabled.extend(
        overrides
            .iter()
            .filter(|o| o.disable)
            .map(|o| o.rule.clone()),
    );
    for (id, category) in &options.category_overrides {
        match pack.rules.iter_mut().find(|r| &r.id == id) {
            Some(rule) => rule.category = *category,
            None => problems.push(Diagnostic::whole_file(
                "(options)",
                format!("category override names unknown rule `{id}`"),
            )),
        }
    }
    for (id, weight) in &options.weight_overrides {
        match pack.rules.iter_mut().find(|r| &r.id == id) {
            Some(rule) => rule.weight = Some(*weight),
            None => problems.push(Diagnostic::whole_file(
                "(options)",
                format!("weight override names unknown rule `{id}`"),
            )),
        }
    }
    for id in &options.disable {
        if !seen.contains_key(id) {
            problems.push(Diagnostic::whole_file(
                "(options)",
                format!("cannot disable unknown rule `{id}`"),
            ));
        }
    }
    if let OptIn::Enabled(ids) = &options.opt_in {
        for id in ids {
            if !seen.contains_key(id) {
                problems.push(Diagnostic::whole_file(
                    "(options)",
                    format!("cannot enable unknown rule `{id}`"),
                ));
            }
        }
    }
    if !problems.is_empty() {
        return Err(Diagnostics(problems));
    }
    pack.rules.retain(|r| {
        !disabled.contains(&r.id)
            && match &options.opt_in {
                OptIn::All => true,
                OptIn::Enabled(ids) => !r.opt_in || ids.contains(&r.id),
            }
    });
    pack.rules.sort_by(|a, b| a.id.cmp(&b.id));
    pack.stacks.sort_by(|a, b| a.id.cmp(&b.id));
    Ok(pack)
}
