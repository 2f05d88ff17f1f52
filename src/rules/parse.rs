//! Rule files: TOML → validated [`RuleFile`]. Every problem is collected with its
//! position; nothing is returned until the whole file has been read.

use super::reader::{as_strings, type_name, Fields, Source};
use super::*;
use crate::doc::Scalar;
use crate::finding::parse_effort;
use globset::GlobSetBuilder;
use toml_span::value::ValueInner;
use toml_span::{ErrorKind, Span, Value};

pub fn describe_toml_error(kind: &ErrorKind) -> String {
    match kind {
        ErrorKind::UnexpectedEof => "unexpected end of file".into(),
        ErrorKind::ExceededDepthLimit => "tables or arrays nested too deeply".into(),
        ErrorKind::InvalidCharInString(c) => format!("invalid character {c:?} in string"),
        ErrorKind::InvalidEscape(c) => format!("invalid escape \\{c} in string"),
        ErrorKind::InvalidHexEscape(c) => format!("invalid hex escape {c:?}"),
        ErrorKind::InvalidEscapeValue(v) => format!("invalid escape value {v}"),
        ErrorKind::Unexpected(c) => format!("unexpected character {c:?}"),
        ErrorKind::UnterminatedString => "unterminated string".into(),
        ErrorKind::InvalidNumber => "invalid number".into(),
        ErrorKind::OutOfRange(what) => format!("number out of range for {what}"),
        ErrorKind::Wanted { expected, found } => format!("expected {expected}, found {found}"),
        ErrorKind::DuplicateTable { name, .. } => format!("table `{name}` is defined twice"),
        ErrorKind::DuplicateKey { key, .. } => format!("key `{key}` is defined twice"),
        ErrorKind::RedefineAsArray => "table redefined as an array".into(),
        ErrorKind::MultilineStringKey => "multi-line strings cannot be keys".into(),
        ErrorKind::DottedKeyInvalidType { .. } => {
            "dotted key conflicts with an earlier value".into()
        }
        ErrorKind::UnquotedString => "string values must be quoted".into(),
        other => format!("{other:?}"),
    }
}

pub fn parse_rule_file(name: &str, text: &str) -> Result<RuleFile, Diagnostics> {
    let mut src = Source::new(name, text);
    let root = match toml_span::parse(text) {
        Ok(v) => v,
        Err(e) => {
            src.error(
                e.span,
                format!("invalid TOML: {}", describe_toml_error(&e.kind)),
            );
            return Err(Diagnostics(src.problems));
        }
    };
    let mut out = RuleFile::default();
    if let Some(mut top) = Fields::new(&mut src, &root, "the rule file") {
        if let Some(v) = top.value("rule") {
            for item in array_of_tables(&mut src, v, "rule") {
                if let Some(rule) = parse_rule(&mut src, item) {
                    out.rules.push(rule);
                }
            }
        }
        if let Some(v) = top.value("stack") {
            for item in array_of_tables(&mut src, v, "stack") {
                if let Some(stack) = parse_stack(&mut src, item) {
                    out.stacks.push(stack);
                }
            }
        }
        if let Some(v) = top.value("override") {
            for item in array_of_tables(&mut src, v, "override") {
                if let Some(o) = parse_override(&mut src, item) {
                    out.overrides.push(o);
                }
            }
        }
        top.finish(&mut src);
    }
    if src.problems.is_empty() {
        Ok(out)
    } else {
        Err(Diagnostics(src.problems))
    }
}

fn array_of_tables<'v, 'de>(
    src: &mut Source<'_>,
    v: &'v Value<'de>,
    key: &str,
) -> Vec<&'v Value<'de>> {
    match v.as_ref() {
        ValueInner::Array(items) => items.iter().collect(),
        _ => {
            src.error(
                v.span,
                format!(
                    "`{key}` must be an array of tables ([[{key}]]), found {}",
                    type_name(v)
                ),
            );
            Vec::new()
        }
    }
}

fn origin(src: &Source<'_>, span: Span) -> Origin {
    let (line, _) = src.position(span.start);
    Origin {
        file: src.name.to_string(),
        line,
    }
}

fn valid_id(id: &str) -> bool {
    let mut chars = id.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && id.len() <= 64
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

fn parse_rule(src: &mut Source<'_>, v: &Value<'_>) -> Option<Rule> {
    let mut f = Fields::new(src, v, "[[rule]]")?;
    let before = src.problems.len();
    let id = f.required_string(src, "id");
    if let Some((id, span)) = &id {
        if !valid_id(id) {
            src.error(
                *span,
                "rule id must start with a letter and hold only letters, digits, `-` and `_` (at most 64)",
            );
        }
    }
    let what = id
        .as_ref()
        .map_or("[[rule]]".to_string(), |(id, _)| format!("rule `{id}`"));
    let title = f.required_string(src, "title");
    let category = f.required_string(src, "category").and_then(|(s, span)| {
        let c = Category::parse(&s);
        if c.is_none() {
            src.error(
                span,
                format!(
                    "unknown category `{s}`; expected one of: zero-function, operational, business, advisory"
                ),
            );
        }
        c
    });
    let area = f.required_string(src, "area").and_then(|(s, span)| {
        let a = Area::parse(&s);
        if a.is_none() {
            let names: Vec<&str> = Area::ALL.iter().map(|a| a.as_str()).collect();
            src.error(
                span,
                format!("unknown area `{s}`; expected one of: {}", names.join(", ")),
            );
        }
        a
    });
    let effort = f.required_string(src, "effort").and_then(|(s, span)| {
        let m = parse_effort(&s);
        if m.is_none() {
            src.error(
                span,
                format!("effort `{s}` is not a duration; write it like \"30m\", \"2h\", \"1.5h\" or \"1d\""),
            );
        }
        m
    });
    let weight = f.number(src, "weight").and_then(|(w, span)| {
        if !(0.0..=1000.0).contains(&w) {
            src.error(span, "weight must be between 0 and 1000");
            None
        } else {
            Some(w)
        }
    });
    let description = f.string(src, "description").map(|(s, _)| s);
    let remediation = f.required_string(src, "remediation");
    let references = f
        .strings(src, "references")
        .unwrap_or_default()
        .into_iter()
        .filter_map(|(r, span)| {
            if r.starts_with("https://") || r.starts_with("http://") {
                Some(r)
            } else {
                src.error(span, "references must be URLs (https://…)");
                None
            }
        })
        .collect();
    let message = f.string(src, "message").map(|(s, _)| s);
    let opt_in = f.boolean(src, "opt_in").unwrap_or(false);
    let applies_when = match f.value("applies_when") {
        Some(v) => parse_applies_when(src, v),
        None => Some(AppliesWhen::default()),
    };
    let check = parse_check(src, &mut f, &what);
    f.finish(src);
    if src.problems.len() > before {
        return None;
    }
    let (id, id_span) = id?;
    Some(Rule {
        origin: origin(src, id_span),
        id,
        title: title?.0,
        category: category?,
        area: area?,
        effort_minutes: effort?,
        weight,
        description: description.unwrap_or_default(),
        remediation: remediation?.0,
        references,
        message,
        applies_when: applies_when?,
        check: check?,
        opt_in,
    })
}

fn parse_check(src: &mut Source<'_>, f: &mut Fields<'_, '_>, what: &str) -> Option<Check> {
    let present: Vec<&'static str> = Check::KINDS.iter().copied().filter(|k| f.has(k)).collect();
    match present.as_slice() {
        [] => {
            src.error(
                f.span(),
                format!(
                    "{what} has no check: add exactly one of [rule.file], [rule.content], [rule.env], [rule.structured], [rule.probe], [rule.drift]"
                ),
            );
            None
        }
        [kind] => {
            let v = f.value(kind)?;
            match *kind {
                "file" => parse_file_check(src, v).map(Check::File),
                "content" => parse_content_check(src, v).map(|c| Check::Content(Box::new(c))),
                "env" => parse_env_check(src, v).map(Check::Env),
                "probe" => parse_probe_check(src, v).map(Check::Probe),
                "drift" => parse_drift_check(src, v).map(Check::Drift),
                _ => parse_structured_check(src, v).map(Check::Structured),
            }
        }
        several => {
            for k in several {
                if let Some(v) = f.value(k) {
                    src.error(
                        v.span,
                        format!(
                            "{what} has {} checks ({}); a rule has exactly one",
                            several.len(),
                            several.join(", ")
                        ),
                    );
                }
            }
            None
        }
    }
}

pub(crate) fn compile_globs(
    src: &mut Source<'_>,
    globs: Vec<(String, Span)>,
    key: &str,
) -> Option<Globs> {
    if globs.is_empty() {
        return None;
    }
    let mut builder = GlobSetBuilder::new();
    let mut ok = true;
    let mut patterns = Vec::new();
    for (g, span) in globs {
        if g.starts_with('/') || g.contains('\\') {
            src.error(
                span,
                format!(
                    "`{key}` globs are relative to the repository root and use `/` (found `{g}`)"
                ),
            );
            ok = false;
            continue;
        }
        if src.name.starts_with(BUILTIN_PREFIX) {
            // Built in: compiled on first use (the test suite compiles every one).
            patterns.push(g);
            continue;
        }
        match super::compile_glob(&g) {
            Ok(glob) => {
                builder.add(glob);
                patterns.push(g);
            }
            Err(e) => {
                src.error(span, format!("invalid glob `{g}`: {}", e.kind()));
                ok = false;
            }
        }
    }
    if !ok {
        return None;
    }
    if src.name.starts_with(BUILTIN_PREFIX) {
        return Some(Globs::deferred(patterns));
    }
    match builder.build() {
        Ok(set) => Some(Globs::compiled(patterns, set)),
        Err(e) => {
            src.error(Span::default(), format!("cannot build glob set: {e}"));
            None
        }
    }
}

fn required_globs(
    src: &mut Source<'_>,
    f: &mut Fields<'_, '_>,
    key: &'static str,
) -> Option<Globs> {
    let v = f.required(src, key)?;
    let globs = as_strings(src, v, key)?;
    if globs.is_empty() {
        src.error(v.span, format!("`{key}` needs at least one glob"));
        return None;
    }
    compile_globs(src, globs, key)
}

fn optional_globs(
    src: &mut Source<'_>,
    f: &mut Fields<'_, '_>,
    key: &'static str,
) -> Option<Option<Globs>> {
    match f.strings(src, key) {
        None if f.has(key) => None,
        None => Some(None),
        Some(g) if g.is_empty() => Some(None),
        Some(g) => compile_globs(src, g, key).map(Some),
    }
}

pub(super) fn compile_regex(
    src: &mut Source<'_>,
    (pattern, span): (String, Span),
    key: &str,
) -> Option<Regex> {
    match super::lazy::build_regex(&pattern) {
        Ok(r) => Some(r),
        Err(e) => {
            let detail = e.to_string();
            let last = detail.lines().last().unwrap_or("").trim().to_string();
            src.error(span, format!("invalid regex in `{key}`: {last}"));
            None
        }
    }
}

/// Rule regexes: the built-in pack's are compiled on first use (the test suite
/// compiles each of them), user files' now, so their errors keep their positions.
/// An optional regex field that only some checks accept: where it is not `allowed`, the
/// rule file gets an error naming what it `applies_only_to`.
fn restricted_regex(
    src: &mut Source<'_>,
    f: &mut Fields<'_, '_>,
    key: &'static str,
    allowed: bool,
    applies_only_to: &str,
) -> Option<Option<LazyRegex>> {
    f.string(src, key).map(|value| {
        if !allowed {
            src.error(
                value.1,
                format!("`{key}` applies only to {applies_only_to}"),
            );
        }
        compile_lazy_regex(src, value, key)
    })
}

fn compile_lazy_regex(
    src: &mut Source<'_>,
    (pattern, span): (String, Span),
    key: &str,
) -> Option<LazyRegex> {
    if src.name.starts_with(BUILTIN_PREFIX) {
        return Some(LazyRegex::deferred(pattern));
    }
    compile_regex(src, (pattern, span), key).map(LazyRegex::compiled)
}

fn parse_applies_when(src: &mut Source<'_>, v: &Value<'_>) -> Option<AppliesWhen> {
    let mut f = Fields::new(src, v, "applies_when")?;
    let before = src.problems.len();
    let stack = f.string_list(src, "stack");
    let not_stack = f.string_list(src, "not_stack");
    let files = optional_globs(src, &mut f, "files");
    f.finish(src);
    if src.problems.len() > before {
        return None;
    }
    Some(AppliesWhen {
        stack,
        not_stack,
        files: files?,
    })
}

fn choice<T: Copy>(
    src: &mut Source<'_>,
    value: Option<(String, Span)>,
    key: &str,
    options: &[(&str, T)],
    default: T,
) -> Option<T> {
    let Some((s, span)) = value else {
        return Some(default);
    };
    match options.iter().find(|(name, _)| *name == s) {
        Some((_, v)) => Some(*v),
        None => {
            let names: Vec<&str> = options.iter().map(|(n, _)| *n).collect();
            src.error(
                span,
                format!(
                    "`{key}` cannot be `{s}`; expected one of: {}",
                    names.join(", ")
                ),
            );
            None
        }
    }
}

fn parse_file_check(src: &mut Source<'_>, v: &Value<'_>) -> Option<FileCheck> {
    let mut f = Fields::new(src, v, "[rule.file]")?;
    let before = src.problems.len();
    let paths = required_globs(src, &mut f, "paths");
    let must = f.required_string(src, "must");
    let must = must.and_then(|m| {
        choice(
            src,
            Some(m),
            "must",
            &[
                ("exist", FileMust::Exist),
                ("not-exist", FileMust::NotExist),
                ("be-ignored", FileMust::BeIgnored),
            ],
            FileMust::Exist,
        )
    });
    f.finish(src);
    if src.problems.len() > before {
        return None;
    }
    Some(FileCheck {
        paths: paths?,
        must: must?,
    })
}

fn parse_content_check(src: &mut Source<'_>, v: &Value<'_>) -> Option<ContentCheck> {
    let mut f = Fields::new(src, v, "[rule.content]")?;
    let before = src.problems.len();
    let paths = required_globs(src, &mut f, "paths");
    let exclude = optional_globs(src, &mut f, "exclude");
    let pattern = f
        .required_string(src, "pattern")
        .and_then(|p| compile_lazy_regex(src, p, "pattern"));
    let must = f.required_string(src, "must");
    let scope = f.string(src, "scope");
    let must = match must {
        Some((m, span)) => match (m.as_str(), scope) {
            ("not-match", None) => Some(ContentMust::NotMatch),
            ("not-match", Some((_, sspan))) => {
                src.error(sspan, "`scope` applies only to `must = \"match\"`");
                None
            }
            ("match", scope) => choice(
                src,
                scope,
                "scope",
                &[
                    ("each-file", ContentMust::MatchEachFile),
                    ("any-file", ContentMust::MatchAnyFile),
                ],
                ContentMust::MatchEachFile,
            ),
            _ => {
                src.error(
                    span,
                    format!("`must` cannot be `{m}`; expected one of: match, not-match"),
                );
                None
            }
        },
        None => None,
    };
    let unless = f.string(src, "unless").map(|u| {
        let span = u.1;
        // With `any-file` one passing file would decide for the repository, which
        // is what `pattern` already says; `unless` would only blur it.
        if must == Some(ContentMust::MatchAnyFile) {
            src.error(
                span,
                "`unless` applies only to `must = \"not-match\"` and `scope = \"each-file\"`",
            );
        }
        compile_lazy_regex(src, u, "unless")
    });
    let unless_in_image = restricted_regex(
        src,
        &mut f,
        "unless_in_image",
        must == Some(ContentMust::MatchAnyFile),
        "`must = \"match\"` with `scope = \"any-file\"`",
    );
    let from_last = f
        .string(src, "from_last")
        .map(|p| compile_lazy_regex(src, p, "from_last"));
    let not_match = must == Some(ContentMust::NotMatch);
    let unless_guarded = restricted_regex(
        src,
        &mut f,
        "unless_guarded",
        not_match,
        "`must = \"not-match\"`",
    );
    let unless_matched = restricted_regex(
        src,
        &mut f,
        "unless_matched",
        not_match,
        "`must = \"not-match\"`",
    );
    let match_paths = optional_globs(src, &mut f, "match_paths");
    if let (Some(Some(_)), Some(ContentMust::NotMatch)) = (&match_paths, must) {
        src.error(
            f.value("match_paths").map_or(f.span(), |v| v.span),
            "`match_paths` applies only to `must = \"match\"`",
        );
    }
    let documents = assertions(src, &mut f, "documents");
    let unless_compose_sets = f.string_list(src, "unless_compose_sets");
    if !unless_compose_sets.is_empty() && must != Some(ContentMust::MatchEachFile) {
        src.error(
            f.value("unless_compose_sets").map_or(f.span(), |v| v.span),
            "`unless_compose_sets` applies only to `must = \"match\"` with `scope = \"each-file\"`",
        );
    }
    let unless_own_image_healthcheck = f
        .boolean(src, "unless_own_image_healthcheck")
        .unwrap_or(false);
    if unless_own_image_healthcheck && must != Some(ContentMust::MatchEachFile) {
        src.error(
            f.value("unless_own_image_healthcheck")
                .map_or(f.span(), |v| v.span),
            "`unless_own_image_healthcheck` applies only to `must = \"match\"` with `scope = \"each-file\"`",
        );
    }
    let shipped_stages = f.boolean(src, "shipped_stages").unwrap_or(false);
    let unless_entrypoint_matches = restricted_regex(
        src,
        &mut f,
        "unless_entrypoint_matches",
        must == Some(ContentMust::MatchEachFile),
        "`must = \"match\"` with `scope = \"each-file\"`",
    );
    let unless_no_process = f.boolean(src, "unless_no_process").unwrap_or(false);
    if unless_no_process && must != Some(ContentMust::MatchEachFile) {
        src.error(
            f.value("unless_no_process").map_or(f.span(), |v| v.span),
            "`unless_no_process` applies only to `must = \"match\"` with `scope = \"each-file\"`",
        );
    }
    let fail_without_files = f.boolean(src, "fail_without_files").unwrap_or(false);
    if fail_without_files && must != Some(ContentMust::MatchAnyFile) {
        src.error(
            f.value("fail_without_files").map_or(f.span(), |v| v.span),
            "`fail_without_files` applies only to `must = \"match\"` with `scope = \"any-file\"`",
        );
    }
    let skip_build_stages = f.boolean(src, "skip_build_stages").unwrap_or(false);
    if skip_build_stages && must != Some(ContentMust::NotMatch) {
        src.error(
            f.value("skip_build_stages").map_or(f.span(), |v| v.span),
            "`skip_build_stages` applies only to `must = \"not-match\"`",
        );
    }
    let skip_development_stages = f.boolean(src, "skip_development_stages").unwrap_or(false);
    if skip_development_stages && must != Some(ContentMust::NotMatch) {
        src.error(
            f.value("skip_development_stages")
                .map_or(f.span(), |v| v.span),
            "`skip_development_stages` applies only to `must = \"not-match\"`",
        );
    }
    let include_tests = f.boolean(src, "include_tests").unwrap_or(false);
    let secret = f.boolean(src, "secret").unwrap_or(false);
    f.finish(src);
    if src.problems.len() > before {
        return None;
    }
    Some(ContentCheck {
        skip_build_stages,
        skip_development_stages,
        fail_without_files,
        unless_compose_sets,
        unless_own_image_healthcheck,
        unless_no_process,
        unless_entrypoint_matches: unless_entrypoint_matches.flatten(),
        unless_in_image: unless_in_image.flatten(),
        unless: unless.flatten(),
        unless_guarded: unless_guarded.flatten(),
        unless_matched: unless_matched.flatten(),
        from_last: from_last.flatten(),
        shipped_stages,
        match_paths: match_paths?,
        documents: documents?,
        paths: paths?,
        exclude: exclude?,
        pattern: pattern?,
        must: must?,
        include_tests,
        secret,
    })
}

fn parse_env_check(src: &mut Source<'_>, v: &Value<'_>) -> Option<EnvCheck> {
    let mut f = Fields::new(src, v, "[rule.env]")?;
    let before = src.problems.len();
    let file = f.string(src, "file");
    let file = choice(
        src,
        file,
        "file",
        &[
            ("production", EnvTarget::Production),
            ("template", EnvTarget::Template),
        ],
        EnvTarget::Production,
    );
    let keys = match f.string(src, "keys") {
        Some(k) => compile_lazy_regex(src, k, "keys"),
        None => Some(LazyRegex::deferred(".*".to_string())),
    };
    let exclude_keys = f
        .string(src, "exclude_keys")
        .map(|k| compile_lazy_regex(src, k, "exclude_keys"));
    let pattern = f.string(src, "pattern");
    let min_length = f.number(src, "min_length");
    let condition = f.required_string(src, "condition").and_then(|(c, span)| {
        let cond = match c.as_str() {
            "empty" => EnvCondition::Empty,
            "missing" => EnvCondition::Missing,
            "placeholder" => EnvCondition::Placeholder,
            "weak-secret" => EnvCondition::WeakSecret {
                min_length: min_length.map_or(32, |(n, _)| n.clamp(1.0, 4096.0) as usize),
            },
            "localhost" => EnvCondition::Localhost,
            "insecure-url" => EnvCondition::InsecureUrl,
            "inline-credentials" => EnvCondition::InlineCredentials,
            "matches" => match &pattern {
                Some(p) => EnvCondition::Matches(compile_lazy_regex(src, p.clone(), "pattern")?),
                None => {
                    src.error(
                        span,
                        "condition `matches` needs a `pattern` (a regex for the value)",
                    );
                    return None;
                }
            },
            "not-in-template" => EnvCondition::NotInTemplate,
            "not-in-production" => EnvCondition::NotInProduction,
            other => {
                src.error(
                    span,
                    format!(
                        "unknown env condition `{other}`; expected one of: {}",
                        EnvCondition::NAMES.join(", ")
                    ),
                );
                return None;
            }
        };
        Some(cond)
    });
    if let (Some((_, span)), Some(c)) = (&pattern, &condition) {
        if !matches!(c, EnvCondition::Matches(_)) {
            src.error(*span, "`pattern` is used only with condition `matches`");
        }
    }
    if let (Some((_, span)), Some(c)) = (&min_length, &condition) {
        if !matches!(c, EnvCondition::WeakSecret { .. }) {
            src.error(
                *span,
                "`min_length` is used only with condition `weak-secret`",
            );
        }
    }
    f.finish(src);
    if src.problems.len() > before {
        return None;
    }
    Some(EnvCheck {
        file: file?,
        keys: keys?,
        exclude_keys: exclude_keys.flatten(),
        condition: condition?,
    })
}

fn parse_structured_check(src: &mut Source<'_>, v: &Value<'_>) -> Option<StructuredCheck> {
    let mut f = Fields::new(src, v, "[rule.structured]")?;
    let before = src.problems.len();
    let paths = required_globs(src, &mut f, "paths");
    let exclude = optional_globs(src, &mut f, "exclude");
    let overlays = optional_globs(src, &mut f, "overlays");
    let format = f.string(src, "format").and_then(|(s, span)| {
        let fmt = DocFormat::parse_name(&s);
        if fmt.is_none() {
            src.error(
                span,
                format!(
                    "`format` cannot be `{s}`; expected one of: {}",
                    DocFormat::NAMES.join(", ")
                ),
            );
        }
        fmt
    });
    let include_tests = f.boolean(src, "include_tests").unwrap_or(false);
    let documents = assertions(src, &mut f, "documents");
    let select = match f.strings(src, "select") {
        Some(list) if !list.is_empty() => {
            let before = src.problems.len();
            let out: Vec<Selector> = list.into_iter().filter_map(|s| selector(src, s)).collect();
            (src.problems.len() == before).then_some(out)
        }
        Some(_) => {
            src.error(f.span(), "`select` needs at least one selector");
            None
        }
        None if f.has("select") => None,
        None => Some(vec![Selector::root()]),
    };
    let filter = assertions(src, &mut f, "filter");
    let assert = assertions(src, &mut f, "assert");
    if let Some(a) = &assert {
        if a.is_empty() {
            src.error(f.span(), "[rule.structured] needs at least one `assert`");
        }
    }
    let unless_own_image_healthcheck = f
        .boolean(src, "unless_own_image_healthcheck")
        .unwrap_or(false);
    let unless_one_shot_job = f.boolean(src, "unless_one_shot_job").unwrap_or(false);
    let unless_awaited_healthy = f.boolean(src, "unless_awaited_healthy").unwrap_or(false);
    let secret = f.boolean(src, "secret").unwrap_or(false);
    f.finish(src);
    if src.problems.len() > before {
        return None;
    }
    Some(StructuredCheck {
        unless_own_image_healthcheck,
        unless_one_shot_job,
        unless_awaited_healthy,
        paths: paths?,
        exclude: exclude?,
        overlays: overlays?,
        format,
        include_tests,
        documents: documents?,
        select: select?,
        filter: filter?,
        assert: assert?,
        secret,
    })
}

fn selector(src: &mut Source<'_>, (text, span): (String, Span)) -> Option<Selector> {
    match Selector::parse(&text) {
        Ok(s) => Some(s),
        Err(e) => {
            src.error(span, format!("invalid path selector `{text}`: {e}"));
            None
        }
    }
}

fn assertions(
    src: &mut Source<'_>,
    f: &mut Fields<'_, '_>,
    key: &'static str,
) -> Option<Vec<Assertion>> {
    let Some(v) = f.value(key) else {
        return Some(Vec::new());
    };
    let items: Vec<&Value<'_>> = match v.as_ref() {
        ValueInner::Array(items) => items.iter().collect(),
        ValueInner::Table(_) => vec![v],
        _ => {
            src.error(
                v.span,
                format!(
                    "`{key}` must be a table or an array of tables, found {}",
                    type_name(v)
                ),
            );
            return None;
        }
    };
    let before = src.problems.len();
    let out: Vec<Assertion> = items
        .into_iter()
        .filter_map(|i| parse_assertion(src, i, key))
        .collect();
    (src.problems.len() == before).then_some(out)
}

const OPS: [&str; 6] = [
    "exists",
    "missing",
    "equals",
    "not-equals",
    "matches",
    "not-matches",
];

fn parse_assertion(src: &mut Source<'_>, v: &Value<'_>, key: &str) -> Option<Assertion> {
    let mut f = Fields::new(src, v, &format!("an entry of `{key}`"))?;
    let before = src.problems.len();
    let paths = f
        .required(src, "path")
        .and_then(|v| as_strings(src, v, "path"))
        .and_then(|list| {
            if list.is_empty() {
                src.error(f.span(), "`path` needs at least one selector");
                return None;
            }
            let before = src.problems.len();
            let out: Vec<Selector> = list.into_iter().filter_map(|p| selector(src, p)).collect();
            (src.problems.len() == before).then_some(out)
        });
    let op = f.required_string(src, "op");
    let value = f.value("value");
    let pattern = f.string(src, "pattern");
    let message = f.string(src, "message").map(|(m, _)| m);
    let quantifier_text = f.string(src, "quantifier");
    let quantifier_span = quantifier_text.as_ref().map(|(_, span)| *span);
    let quantifier = choice(
        src,
        quantifier_text,
        "quantifier",
        &[("all", Quantifier::All), ("some", Quantifier::Some)],
        Quantifier::All,
    );
    let op = op.and_then(|(op, span)| match op.as_str() {
        "exists" => Some(AssertOp::Exists),
        "missing" => Some(AssertOp::Missing),
        "equals" | "not-equals" => {
            let Some(v) = value else {
                src.error(
                    span,
                    format!("op `{op}` needs a `value` (a scalar or an array of scalars)"),
                );
                return None;
            };
            let scalars = scalars(src, v)?;
            Some(if op == "equals" {
                AssertOp::Equals(scalars)
            } else {
                AssertOp::NotEquals(scalars)
            })
        }
        "matches" | "not-matches" => {
            let Some(p) = pattern.clone() else {
                src.error(span, format!("op `{op}` needs a `pattern` (a regex)"));
                return None;
            };
            let re = compile_lazy_regex(src, p, "pattern")?;
            Some(if op == "matches" {
                AssertOp::Matches(re)
            } else {
                AssertOp::NotMatches(re)
            })
        }
        other => {
            src.error(
                span,
                format!("unknown op `{other}`; expected one of: {}", OPS.join(", ")),
            );
            None
        }
    });
    if let (Some(span), Some(AssertOp::Exists | AssertOp::Missing)) = (quantifier_span, &op) {
        src.error(
            span,
            "`quantifier` applies only to ops equals, not-equals, matches and not-matches",
        );
    }
    f.finish(src);
    if src.problems.len() > before {
        return None;
    }
    Some(Assertion {
        paths: paths?,
        op: op?,
        quantifier: quantifier?,
        message,
    })
}

fn scalars(src: &mut Source<'_>, v: &Value<'_>) -> Option<Vec<Scalar>> {
    let one = |v: &Value<'_>| -> Option<Scalar> {
        match v.as_ref() {
            ValueInner::String(s) => Some(Scalar::Str(s.to_string())),
            ValueInner::Integer(i) => Some(Scalar::Int(*i)),
            ValueInner::Float(x) => Some(Scalar::Float(*x)),
            ValueInner::Boolean(b) => Some(Scalar::Bool(*b)),
            _ => None,
        }
    };
    match v.as_ref() {
        ValueInner::Array(items) => {
            let out: Option<Vec<Scalar>> = items.iter().map(one).collect();
            if out.is_none() {
                src.error(
                    v.span,
                    "`value` array must hold only strings, numbers or booleans",
                );
            }
            out
        }
        _ => match one(v) {
            Some(s) => Some(vec![s]),
            None => {
                src.error(
                    v.span,
                    format!("`value` must be a scalar, found {}", type_name(v)),
                );
                None
            }
        },
    }
}

fn parse_stack(src: &mut Source<'_>, v: &Value<'_>) -> Option<Stack> {
    let mut f = Fields::new(src, v, "[[stack]]")?;
    let before = src.problems.len();
    let id = f.required_string(src, "id");
    if let Some((id, span)) = &id {
        if !valid_id(id) {
            src.error(
                *span,
                "stack id must start with a letter and hold only letters, digits, `-` and `_`",
            );
        }
    }
    let name = f.required_string(src, "name");
    let kind = f.required_string(src, "kind");
    let unless_stack = f.string_list(src, "unless_stack");
    let with_stack = f.string_list(src, "with_stack");
    // Without `paths`, a stack is derived: detected when one of its `with_stack` is
    // (and none of its `unless_stack`).
    let paths = if f.has("paths") || with_stack.is_empty() {
        required_globs(src, &mut f, "paths")
    } else {
        Some(Globs::compiled(Vec::new(), globset::GlobSet::empty()))
    };
    let exclude = optional_globs(src, &mut f, "exclude");
    let pattern = f
        .string(src, "pattern")
        .map(|p| compile_lazy_regex(src, p, "pattern"));
    let unless = f
        .string(src, "unless")
        .map(|p| compile_lazy_regex(src, p, "unless"));
    let pulls_own_image = f.boolean(src, "pulls_own_image").unwrap_or(false);
    let include_tests = f.boolean(src, "include_tests").unwrap_or(false);
    let min_files = match f.number(src, "min_files") {
        None => 1,
        Some((n, span)) => {
            if n < 1.0 || n.fract() != 0.0 || n > 1000.0 || pattern.is_some() {
                src.error(
                    span,
                    "`min_files` must be a whole number from 1 to 1000, on a stack without `pattern`",
                );
            }
            (n as usize).clamp(1, 1000)
        }
    };
    f.finish(src);
    if src.problems.len() > before {
        return None;
    }
    let (id, span) = id?;
    Some(Stack {
        min_files,
        unless_stack,
        with_stack,
        pulls_own_image,
        origin: origin(src, span),
        id,
        name: name?.0,
        kind: kind?.0,
        paths: paths?,
        exclude: exclude?,
        pattern: pattern.flatten(),
        unless: unless.flatten(),
        include_tests,
    })
}

fn parse_override(src: &mut Source<'_>, v: &Value<'_>) -> Option<Override> {
    let mut f = Fields::new(src, v, "[[override]]")?;
    let before = src.problems.len();
    let rule = f.required_string(src, "rule");
    let disable = f.boolean(src, "disable").unwrap_or(false);
    let category = f.string(src, "category").and_then(|(s, span)| {
        let c = Category::parse(&s);
        if c.is_none() {
            src.error(span, format!("unknown category `{s}`"));
        }
        c
    });
    let weight = f.number(src, "weight").map(|(w, _)| w);
    f.finish(src);
    if src.problems.len() > before {
        return None;
    }
    let (rule, span) = rule?;
    Some(Override {
        origin: origin(src, span),
        rule,
        disable,
        category,
        weight,
    })
}

fn parse_probe_condition(src: &mut Source<'_>, f: &mut Fields<'_, '_>) -> Option<ProbeCondition> {
    let before = src.problems.len();
    let facts = f
        .required(src, "fact")
        .and_then(|v| as_strings(src, v, "fact"));
    let op = f.required_string(src, "op");
    let value = f.value("value");
    let pattern = f.string(src, "pattern");
    let op = op.and_then(|(op, span)| {
        let number = |src: &mut Source<'_>| -> Option<f64> {
            match value.and_then(|v| v.as_integer().map(|i| i as f64).or_else(|| v.as_float())) {
                Some(n) => Some(n),
                None => {
                    src.error(span, format!("op `{op}` needs a numeric `value`"));
                    None
                }
            }
        };
        let scalar = |src: &mut Source<'_>| -> Option<Scalar> {
            let v = value.or_else(|| {
                src.error(span, format!("op `{op}` needs a `value`"));
                None
            })?;
            match scalars(src, v)?.as_slice() {
                [one] => Some(one.clone()),
                _ => {
                    src.error(v.span, "`value` must be a single scalar here");
                    None
                }
            }
        };
        let regex = |src: &mut Source<'_>| -> Option<LazyRegex> {
            match pattern.clone() {
                Some(p) => compile_lazy_regex(src, p, "pattern"),
                None => {
                    src.error(span, format!("op `{op}` needs a `pattern` (a regex)"));
                    None
                }
            }
        };
        Some(match op.as_str() {
            "==" => ProbeOp::Eq(scalar(src)?),
            "!=" => ProbeOp::Ne(scalar(src)?),
            ">=" => ProbeOp::Ge(number(src)?),
            ">" => ProbeOp::Gt(number(src)?),
            "<=" => ProbeOp::Le(number(src)?),
            "<" => ProbeOp::Lt(number(src)?),
            "exists" => ProbeOp::Exists,
            "missing" => ProbeOp::Missing,
            "matches" => ProbeOp::Matches(regex(src)?),
            "not-matches" => ProbeOp::NotMatches(regex(src)?),
            "empty" => ProbeOp::Empty,
            "not-empty" => ProbeOp::NotEmpty,
            other => {
                src.error(
                    span,
                    format!(
                        "unknown op `{other}`; expected one of: {}",
                        ProbeOp::NAMES.join(", ")
                    ),
                );
                return None;
            }
        })
    });
    if src.problems.len() > before {
        return None;
    }
    Some(ProbeCondition {
        facts: facts?.into_iter().map(|(f, _)| f).collect(),
        op: op?,
    })
}

fn parse_probe_check(src: &mut Source<'_>, v: &Value<'_>) -> Option<ProbeCheck> {
    let mut f = Fields::new(src, v, "[rule.probe]")?;
    let before = src.problems.len();
    let expect = parse_probe_condition(src, &mut f);
    let mut when = Vec::new();
    if let Some(w) = f.value("when") {
        let items: Vec<&Value<'_>> = match w.as_ref() {
            ValueInner::Array(items) => items.iter().collect(),
            _ => vec![w],
        };
        for item in items {
            if let Some(mut wf) = Fields::new(src, item, "an entry of `when`") {
                if let Some(c) = parse_probe_condition(src, &mut wf) {
                    when.push(c);
                }
                wf.finish(src);
            }
        }
    }
    f.finish(src);
    if src.problems.len() > before {
        return None;
    }
    Some(ProbeCheck {
        expect: expect?,
        when,
    })
}

fn parse_drift_check(src: &mut Source<'_>, v: &Value<'_>) -> Option<DriftCondition> {
    let mut f = Fields::new(src, v, "[rule.drift]")?;
    let condition = f.required_string(src, "condition").and_then(|c| {
        choice(
            src,
            Some(c),
            "condition",
            &DriftCondition::NAMES,
            DriftCondition::Unprovided,
        )
    });
    f.finish(src);
    condition
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problems(text: &str) -> Vec<(u32, u32, String)> {
        match parse_rule_file("r.toml", text) {
            Ok(_) => Vec::new(),
            Err(Diagnostics(d)) => d
                .into_iter()
                .map(|d| (d.line, d.column, d.message))
                .collect(),
        }
    }

    const HEAD: &str = "[[rule]]\nid = \"T1\"\ntitle = \"t\"\ncategory = \"advisory\"\narea = \"quality\"\neffort = \"1h\"\nremediation = \"r\"\n";

    #[test]
    fn new_keys_parse() {
        let text = format!(
            "{HEAD}[rule.structured]\npaths = [\"*.yml\"]\nexclude = [\"dev/**\"]\noverlays = [\"*.prod.yml\"]\nselect = \"items[*]\"\nassert = [{{ path = [\"a\", \"$.b\"], op = \"equals\", value = 1, quantifier = \"some\" }}]\n\n[[stack]]\nid = \"s\"\nname = \"S\"\nkind = \"feature\"\npaths = [\"**/*.py\"]\nexclude = [\"seed/**\"]\n"
        );
        let file = parse_rule_file("r.toml", &text).unwrap_or_else(|e| panic!("{e:?}"));
        let Check::Structured(c) = &file.rules[0].check else {
            panic!("structured")
        };
        assert!(c.exclude.as_ref().unwrap().is_match("dev/compose.yml"));
        assert!(c.overlays.as_ref().unwrap().is_match("compose.prod.yml"));
        assert_eq!(c.assert[0].quantifier, Quantifier::Some);
        assert!(c.assert[0].paths[1].is_anchored());
        assert!(file.stacks[0]
            .exclude
            .as_ref()
            .unwrap()
            .is_match("seed/x.py"));

        let text = format!(
            "{HEAD}[rule.content]\npaths = [\"**/Dockerfile\"]\npattern = \"USER\"\nmust = \"match\"\nunless = \"CMD\"\nfrom_last = \"(?m)^FROM\"\nmatch_paths = [\"**/health/route.ts\"]\ndocuments = [{{ path = \"services\", op = \"exists\" }}]\n"
        );
        let file = parse_rule_file("r.toml", &text).unwrap_or_else(|e| panic!("{e:?}"));
        let Check::Content(c) = &file.rules[0].check else {
            panic!("content")
        };
        assert!(c.unless.is_some() && c.from_last.is_some());
        assert!(c
            .match_paths
            .as_ref()
            .unwrap()
            .is_match("app/api/health/route.ts"));
        assert_eq!(c.documents.len(), 1);
    }

    #[test]
    fn new_keys_report_precise_errors() {
        let text = format!(
            "{HEAD}[rule.structured]\npaths = [\"*.yml\"]\nexclude = [\"/abs\"]\noverlays = [\"a[\"]\nassert = [{{ path = \"a\", op = \"exists\", quantifier = \"some\" }}, {{ path = \"$.\", op = \"equals\", value = 1, quantifier = \"most\" }}]\n"
        );
        let p = problems(&text);
        assert!(
            p.iter()
                .any(|(l, c, m)| *l == 10 && *c == 13 && m.contains("relative")),
            "{p:?}"
        );
        assert!(
            p.iter()
                .any(|(l, _, m)| *l == 11 && m.contains("invalid glob")),
            "{p:?}"
        );
        assert!(
            p.iter()
                .any(|(l, c, m)| *l == 12 && *c == 54 && m.contains("`quantifier` applies only")),
            "{p:?}"
        );
        assert!(
            p.iter()
                .any(|(l, _, m)| *l == 12 && m.contains("`quantifier` cannot be `most`")),
            "{p:?}"
        );
        assert!(
            p.iter()
                .any(|(l, _, m)| *l == 12 && m.contains("invalid path selector `$.`")),
            "{p:?}"
        );

        let text = format!(
            "{HEAD}[rule.content]\npaths = [\"x\"]\npattern = \"a\"\nmust = \"match\"\nscope = \"any-file\"\nunless = \"b\"\nfrom_last = \"(\"\ndocuments = [{{ path = \"a\", op = \"nope\" }}]\n"
        );
        let p = problems(&text);
        assert!(
            p.iter()
                .any(|(l, c, m)| *l == 13 && *c == 11 && m.contains("`unless` applies only")),
            "{p:?}"
        );
        assert!(
            p.iter()
                .any(|(l, _, m)| *l == 14 && m.contains("invalid regex in `from_last`")),
            "{p:?}"
        );
        assert!(
            p.iter()
                .any(|(l, _, m)| *l == 15 && m.contains("unknown op `nope`")),
            "{p:?}"
        );

        let text = format!(
            "{HEAD}[rule.content]\npaths = [\"x\"]\npattern = \"a\"\nmust = \"not-match\"\nmatch_paths = [\"y\"]\n"
        );
        let p = problems(&text);
        assert!(
            p.iter()
                .any(|(l, _, m)| *l == 12 && m.contains("`match_paths` applies only")),
            "{p:?}"
        );

        let text = format!(
            "{HEAD}[rule.content]\npaths = [\"x\"]\npattern = \"a\"\nmust = \"not-match\"\nunless_entrypoint_matches = \"gosu\"\n"
        );
        let p = problems(&text);
        assert!(
            p.iter().any(|(l, _, m)| *l == 12
                && m.contains("`unless_entrypoint_matches` applies only")),
            "{p:?}"
        );

        let text = format!(
            "{HEAD}opt_in = \"yes\"\n[rule.content]\npaths = [\"x\"]\npattern = \"a\"\nmust = \"not-match\"\nunless_compose_sets = [\"healthcheck\"]\n"
        );
        let p = problems(&text);
        assert!(
            p.iter()
                .any(|(l, _, m)| *l == 13 && m.contains("`unless_compose_sets` applies only")),
            "{p:?}"
        );
        assert!(
            p.iter().any(|(l, _, _)| *l == 8),
            "opt_in must be a boolean: {p:?}"
        );

        let text = "[[stack]]\nid = \"s\"\nname = \"S\"\nkind = \"k\"\npaths = [\"a\"]\nexclude = 3\nexclud = []\n";
        let p = problems(text);
        assert!(
            p.iter().any(|(l, _, m)| *l == 6 && m.contains("exclude")),
            "{p:?}"
        );
        assert!(
            p.iter()
                .any(|(l, _, m)| *l == 7 && m.contains("did you mean `exclude`")),
            "{p:?}"
        );
    }
}
