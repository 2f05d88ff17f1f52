//! Rule-model features on small repositories, through the public scan: `documents`,
//! `from_last` and `unless` on content checks, `exclude` on structured checks and
//! stack detectors.

use launchgate::evaluate::{scan, ScanOptions};
use launchgate::finding::Outcome;
use launchgate::inventory::WalkOptions;
use launchgate::rules::{load_pack, PackOptions};

const HEAD: &str = "[[rule]]\nid = \"T1\"\ntitle = \"t\"\ncategory = \"operational\"\narea = \"quality\"\neffort = \"1h\"\nremediation = \"r\"\n";

/// Scans `files` with one rule (plus `extra` rule-file text) and returns the rule's
/// outcome and its failing lines.
/// The error of loading `text` as the only (user) rule file, as debug text.
fn user_pack_error(text: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    let rules = dir.path().join("rules.toml");
    std::fs::write(&rules, text).unwrap();
    let err = load_pack(&PackOptions {
        builtin: false,
        user_paths: vec![rules],
        ..Default::default()
    })
    .unwrap_err();
    format!("{err:?}")
}

fn run(rule: &str, extra: &str, files: &[(&str, &str)]) -> (Outcome, Vec<(String, Option<u32>)>) {
    let dir = tempfile::tempdir().unwrap();
    let rules = dir.path().join("rules.toml");
    std::fs::write(&rules, format!("{HEAD}{rule}\n{extra}")).unwrap();
    let root = dir.path().join("repo");
    for (path, text) in files {
        let p = root.join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
    std::fs::create_dir_all(&root).unwrap();
    let pack = load_pack(&PackOptions {
        builtin: false,
        user_paths: vec![rules],
        ..Default::default()
    })
    .unwrap_or_else(|e| panic!("{e:?}"));
    let result = scan(
        &pack,
        &ScanOptions {
            root,
            env_file: None,
            walk: WalkOptions {
                max_file_size: 2 << 20,
                jobs: 1,
            },
            probes: Vec::new(),
        },
    )
    .unwrap();
    let outcome = result.rule_results[0].outcome;
    let fails = result
        .findings
        .iter()
        .filter(|f| f.outcome == Outcome::Fail)
        .map(|f| {
            let l = f.location.clone().unwrap_or_default();
            (l.path.unwrap_or_default(), l.line)
        })
        .collect();
    (outcome, fails)
}

#[test]
fn content_documents_choose_files_by_shape() {
    let rule = "[rule.content]\npaths = [\"*.yml\"]\npattern = 'PASSWORD: (?P<secret>\\w+)'\nmust = \"not-match\"\ndocuments = [{ path = \"services.*.build\", op = \"exists\" }]";
    let deps_only =
        "services:\n  db:\n    image: postgres:16\n    environment:\n      PASSWORD: devpass\n";
    let deployment = "services:\n  app:\n    build: .\n  db:\n    image: postgres:16\n    environment:\n      PASSWORD: prodpass\n";
    let (o, f) = run(rule, "", &[("deps.yml", deps_only)]);
    assert_eq!(o, Outcome::NotApplicable, "{f:?}");
    let (o, f) = run(
        rule,
        "",
        &[("deps.yml", deps_only), ("app.yml", deployment)],
    );
    assert_eq!(o, Outcome::Fail);
    assert_eq!(f, vec![("app.yml".to_string(), Some(7))]);
    // A file that does not parse is judged: a broken file hides nothing.
    let (o, _) = run(rule, "", &[("broken.yml", "services: [\n  PASSWORD: x1\n")]);
    assert_eq!(o, Outcome::Fail);
}

#[test]
fn from_last_judges_the_final_stage_only() {
    let rule = "[rule.content]\npaths = [\"**/Dockerfile\"]\npattern = '(?m)^USER app'\nmust = \"match\"\nfrom_last = '(?m)^FROM '";
    let root_final = "FROM rust:1 AS build\nUSER app\nRUN cargo build\nFROM debian:12\nCOPY --from=build /app /app\n";
    let (o, f) = run(rule, "", &[("Dockerfile", root_final)]);
    assert_eq!(o, Outcome::Fail, "{f:?}");
    let user_final = "FROM rust:1 AS build\nRUN cargo build\nFROM debian:12\nUSER app\n";
    assert_eq!(
        run(rule, "", &[("Dockerfile", user_final)]).0,
        Outcome::Pass
    );
    // Occurrences of a not-match rule before the judged part are not reported, and
    // the others keep their line in the whole file.
    let nm = "[rule.content]\npaths = [\"**/Dockerfile\"]\npattern = '(?m)^USER root'\nmust = \"not-match\"\nfrom_last = '(?m)^FROM '";
    let two = "FROM a\nUSER root\nFROM b\nRUN x\nUSER root\n";
    assert_eq!(
        run(nm, "", &[("Dockerfile", two)]).1,
        vec![("Dockerfile".to_string(), Some(5))]
    );
}

#[test]
fn unless_exempts_a_file_of_an_each_file_match_rule() {
    let rule = "[rule.content]\npaths = [\"*.conf\"]\npattern = 'secure'\nmust = \"match\"\nunless = '(?m)^# generated'";
    let (o, f) = run(
        rule,
        "",
        &[("a.conf", "# generated\nx\n"), ("b.conf", "x\n")],
    );
    assert_eq!(o, Outcome::Fail);
    assert_eq!(f, vec![("b.conf".to_string(), None)]);
}

#[test]
fn structured_exclude_and_stack_exclude() {
    let rule = "[rule.structured]\npaths = [\"**/*.yml\"]\nexclude = [\"dev/**\"]\nassert = [{ path = \"restart\", op = \"exists\" }]";
    let (o, f) = run(rule, "", &[("dev/a.yml", "image: x\n")]);
    assert_eq!(o, Outcome::NotApplicable, "{f:?}");
    assert_eq!(
        run(rule, "", &[("prod/a.yml", "image: x\n")]).0,
        Outcome::Fail
    );

    let gated = "applies_when = { stack = [\"signup\"] }\n[rule.file]\npaths = [\"TERMS.md\"]\nmust = \"exist\"";
    let stack = "[[stack]]\nid = \"signup\"\nname = \"Sign-up\"\nkind = \"feature\"\npaths = [\"**/*.ts\"]\nexclude = [\"**/seed/**\"]\npattern = '/signup'\n";
    let seed = ("scripts/seed/pages.ts", "export const p = ['/signup'];\n");
    assert_eq!(run(gated, stack, &[seed]).0, Outcome::NotApplicable);
    let app = ("src/routes.ts", "router.post('/signup', h);\n");
    assert_eq!(run(gated, stack, &[seed, app]).0, Outcome::Fail);
    // A detector without a pattern honours `exclude` too.
    let by_file = "[[stack]]\nid = \"signup\"\nname = \"Sign-up\"\nkind = \"feature\"\npaths = [\"**/signup.ts\"]\nexclude = [\"**/seed/**\"]\n";
    assert_eq!(
        run(gated, by_file, &[("seed/signup.ts", "x\n")]).0,
        Outcome::NotApplicable
    );
    assert_eq!(
        run(gated, by_file, &[("src/signup.ts", "x\n")]).0,
        Outcome::Fail
    );
}

#[test]
fn derived_stack_follows_its_with_stack_unless_another() {
    let gated = "applies_when = { stack = [\"operator\"] }\n[rule.file]\npaths = [\"RUNBOOK.md\"]\nmust = \"exist\"";
    let stacks = "[[stack]]\nid = \"released\"\nname = \"Released\"\nkind = \"distribution\"\npaths = [\"release.yml\"]\n\n[[stack]]\nid = \"paid\"\nname = \"Paid\"\nkind = \"feature\"\npaths = [\"billing.ts\"]\n\n[[stack]]\nid = \"operator\"\nname = \"Operator\"\nkind = \"distribution\"\nwith_stack = [\"released\"]\nunless_stack = [\"paid\"]\n";
    let release = ("release.yml", "x\n");
    assert_eq!(
        run(gated, stacks, &[("a.ts", "x\n")]).0,
        Outcome::NotApplicable
    );
    assert_eq!(run(gated, stacks, &[release]).0, Outcome::Fail);
    assert_eq!(
        run(gated, stacks, &[release, ("billing.ts", "x\n")]).0,
        Outcome::NotApplicable
    );
    // A stack derived from a derived stack, whatever their order in the file.
    let chained = format!(
        "[[stack]]\nid = \"runbook-needed\"\nname = \"R\"\nkind = \"k\"\nwith_stack = [\"operator\"]\n\n{stacks}"
    );
    let needs_runbook = "applies_when = { stack = [\"runbook-needed\"] }\n[rule.file]\npaths = [\"RUNBOOK.md\"]\nmust = \"exist\"";
    assert_eq!(run(needs_runbook, &chained, &[release]).0, Outcome::Fail);
    // Without `with_stack`, `paths` is required.
    let err = user_pack_error("[[stack]]\nid = \"s\"\nname = \"S\"\nkind = \"k\"\n");
    assert!(err.contains("`paths`"), "{err}");
}

#[test]
fn min_files_counts_matching_files() {
    let gated = "applies_when = { stack = [\"two\"] }\n[rule.file]\npaths = [\"TRACING.md\"]\nmust = \"exist\"";
    let stacks = "[[stack]]\nid = \"two\"\nname = \"Two\"\nkind = \"architecture\"\npaths = [\"**/Dockerfile\"]\nmin_files = 2\n";
    let api = ("api/Dockerfile", "FROM alpine\n");
    assert_eq!(run(gated, stacks, &[api]).0, Outcome::NotApplicable);
    assert_eq!(
        run(
            gated,
            stacks,
            &[api, ("worker/Dockerfile", "FROM alpine\n")]
        )
        .0,
        Outcome::Fail
    );
    // Only on a stack without `pattern`, and at least 1.
    for bad in ["min_files = 0\n", "min_files = 2\npattern = 'x'\n"] {
        let err = user_pack_error(&format!(
            "[[stack]]\nid = \"s\"\nname = \"S\"\nkind = \"k\"\npaths = [\"a\"]\n{bad}"
        ));
        assert!(err.contains("`min_files`"), "{err}");
    }
}

#[test]
fn with_stack_needs_the_other_stack() {
    let gated = "applies_when = { stack = [\"docs-site\"] }\n[rule.file]\npaths = [\"RUNBOOK.md\"]\nmust = \"exist\"";
    let stacks = "[[stack]]\nid = \"released\"\nname = \"Released\"\nkind = \"distribution\"\npaths = [\"release.yml\"]\n\n[[stack]]\nid = \"docs-site\"\nname = \"Docs site\"\nkind = \"documentation\"\nwith_stack = [\"released\"]\npaths = [\"mkdocs.yml\"]\n";
    let docs = ("mkdocs.yml", "site_name: x\n");
    assert_eq!(run(gated, stacks, &[docs]).0, Outcome::NotApplicable);
    assert_eq!(
        run(gated, stacks, &[docs, ("release.yml", "x\n")]).0,
        Outcome::Fail
    );
    // A stack named in `with_stack` must exist.
    let err = user_pack_error(
        "[[stack]]\nid = \"docs-site\"\nname = \"d\"\nkind = \"documentation\"\nwith_stack = [\"nope\"]\npaths = [\"mkdocs.yml\"]\n",
    );
    assert!(
        err.contains("names unknown stack `nope` in with_stack"),
        "{err}"
    );
}

#[test]
fn skip_development_stages_sets_aside_a_dev_target_only_with_not_match() {
    let dockerfile = "FROM node:22.11 AS base\nRUN npm ci\n\
                      FROM base AS dev\nRUN curl -fsSL https://x.example/i.sh | sh\n\
                      FROM base AS prod\nRUN curl -fsSL https://y.example/i.sh | sh\n";
    let rule = "[rule.content]\npaths = [\"Dockerfile\"]\npattern = 'curl[^|\\n]*\\|\\s*sh'\nmust = \"not-match\"\n";
    let (outcome, fails) = run(rule, "", &[("Dockerfile", dockerfile)]);
    assert_eq!(outcome, Outcome::Fail);
    assert_eq!(fails.len(), 2);
    let (_, fails) = run(
        &format!("{rule}skip_development_stages = true\n"),
        "",
        &[("Dockerfile", dockerfile)],
    );
    assert_eq!(fails, [("Dockerfile".to_string(), Some(6))]);
    let err = user_pack_error(&format!(
        "{HEAD}[rule.content]\npaths = [\"Dockerfile\"]\npattern = 'x'\nmust = \"match\"\nskip_development_stages = true\n"
    ));
    assert!(
        err.contains("`skip_development_stages` applies only to `must = \\\"not-match\\\"`"),
        "{err}"
    );
}
