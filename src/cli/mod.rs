//! Wires the stages for the binary and maps results to exit codes:
//! 0 gate passed, 1 gate failed, 2 usage, rule, config or target error.

pub mod args;
pub use args::Cli;

use crate::evaluate::{scan, ScanOptions};
use crate::finding::Category;
use crate::inventory::WalkOptions;
use crate::report::{Format, Report, Style};
use crate::rules::{load_pack, PackOptions, RulePack};
use crate::score::{FailOn, Gate};
use anyhow::{bail, Context, Result};
use args::{
    ColorArg, Command, FailOnArg, FormatArg, OutputArgs, PackArgs, ProbeArgs, RulesCommand,
    ScanArgs,
};
use clap::Parser;
use std::io::{IsTerminal, Write};
use std::process::ExitCode;

pub const EXIT_PASS: u8 = 0;
pub const EXIT_GATE_FAILED: u8 = 1;
pub const EXIT_ERROR: u8 = 2;

/// A usage-level failure whose message is already complete (rule diagnostics).
#[derive(Debug)]
struct Reported(String);

impl std::fmt::Display for Reported {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Reported {}

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => ExitCode::from(code),
        Err(err) => {
            let mut stderr = std::io::stderr().lock();
            if let Some(r) = err.downcast_ref::<Reported>() {
                let _ = writeln!(stderr, "{r}");
            } else {
                let _ = writeln!(stderr, "error: {err:#}");
            }
            ExitCode::from(EXIT_ERROR)
        }
    }
}

fn run(cli: Cli) -> Result<u8> {
    match cli.command {
        Command::Scan(args) => run_scan(args),
        Command::Diff { old, new, format } => {
            let read = |p: &std::path::Path| {
                std::fs::read_to_string(p).with_context(|| format!("cannot read {}", p.display()))
            };
            let d = crate::fleet::diff(
                &old.display().to_string(),
                &read(&old)?,
                &new.display().to_string(),
                &read(&new)?,
            )
            .map_err(|e| anyhow::anyhow!(e))?;
            write_stdout(|out| {
                crate::fleet::write_diff(&d, matches!(format, args::DiffFormat::Markdown), out)
            })?;
            Ok(EXIT_PASS)
        }
        Command::Merge { reports, format } => {
            let mut texts = Vec::new();
            for p in &reports {
                texts.push((
                    p.display().to_string(),
                    std::fs::read_to_string(p)
                        .with_context(|| format!("cannot read {}", p.display()))?,
                ));
            }
            let fleet = crate::fleet::merge(&texts).map_err(|e| anyhow::anyhow!(e))?;
            let format = match format {
                args::FleetFormatArg::Table => crate::fleet::FleetFormat::Table,
                args::FleetFormatArg::Markdown => crate::fleet::FleetFormat::Markdown,
                args::FleetFormatArg::Json => crate::fleet::FleetFormat::Json,
                args::FleetFormatArg::Html => crate::fleet::FleetFormat::Html,
            };
            write_stdout(|out| crate::fleet::write_fleet(&fleet, format, out))?;
            Ok(EXIT_PASS)
        }
        Command::Init { path } => {
            let target = path.join(crate::config::FILE_NAME);
            if target.exists() {
                bail!(
                    "{} already exists; launchgate init never overwrites it",
                    target.display()
                );
            }
            let pack = load(&PackArgs::default())?;
            let result = scan(
                &pack,
                &ScanOptions {
                    root: path.clone(),
                    env_file: None,
                    walk: WalkOptions {
                        max_file_size: 2 << 20,
                        jobs: 0,
                    },
                    probes: Vec::new(),
                },
            )?;
            let text = crate::init::config_for(&result);
            std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(&target)
                .and_then(|mut f| f.write_all(text.as_bytes()))
                .with_context(|| format!("cannot write {}", target.display()))?;
            write_stdout(|out| {
                writeln!(out, "wrote {}", target.display())?;
                writeln!(
                    out,
                    "\nA GitHub Actions step for your workflow:\n\n{}",
                    crate::init::CI_STEP
                )
            })?;
            Ok(EXIT_PASS)
        }
        Command::Completions { shell } => {
            let mut cmd = <Cli as clap::CommandFactory>::command();
            write_stdout(|out| {
                clap_complete::generate(shell, &mut cmd, "launchgate", out);
                Ok(())
            })?;
            Ok(EXIT_PASS)
        }
        Command::Man => {
            let cmd = <Cli as clap::CommandFactory>::command();
            write_stdout(|out| clap_mangen::Man::new(cmd).render(out))?;
            Ok(EXIT_PASS)
        }
        Command::Env(args) => {
            let pack = load_pack(&PackOptions {
                builtin: true,
                ..Default::default()
            })
            .map_err(|d| Reported(d.to_string()))?;
            let result = scan(
                &pack,
                &ScanOptions {
                    root: args.path.clone(),
                    env_file: args.env_file.clone(),
                    walk: WalkOptions {
                        max_file_size: 2 << 20,
                        jobs: 0,
                    },
                    probes: Vec::new(),
                },
            )?;
            let json = matches!(args.format, args::MatrixFormat::Json);
            let width = if std::io::stdout().is_terminal() {
                terminal_width()
            } else {
                120
            };
            write_stdout(|out| {
                crate::report::env::write_env_matrix(&result.env_matrix, json, width, out)
            })?;
            Ok(EXIT_PASS)
        }
        Command::Probe(args) => {
            plan_outputs(&args.output)?;
            let pack = load(&args.pack)?;
            let mut urls = args.targets.clone();
            urls.extend(args.probe.urls.iter().cloned());
            let bar = spinner(args.output.quiet, format!("probing {} URL(s)…", urls.len()));
            let reports = run_probes(&args.probe, &urls);
            if let Some(bar) = bar {
                bar.finish_and_clear();
            }
            let reports = reports?;
            let result = crate::evaluate::evaluate_probes_only(&pack, &reports);
            let label = urls
                .iter()
                .map(|u| crate::redact::scrub_url(u))
                .collect::<Vec<_>>()
                .join(" ");
            let gate = gate_from(&args.output, None, None, false);
            emit(
                &args.output,
                &label,
                &pack,
                result,
                &reports,
                &gate,
                Default::default(),
                None,
            )
        }
        Command::Rules(RulesCommand::Doc { pack }) => {
            let pack = load_catalogue(&pack)?;
            write_stdout(|out| {
                out.write_all(crate::report::rules::reference_markdown(&pack).as_bytes())
            })?;
            Ok(EXIT_PASS)
        }
        Command::Rules(RulesCommand::List { format, pack }) => {
            let pack = load_catalogue(&pack)?;
            write_stdout(|out| {
                crate::report::rules::list(&pack, matches!(format, FormatArg::Json), out)
            })?;
            Ok(EXIT_PASS)
        }
        Command::Rules(RulesCommand::Explain { id, pack }) => {
            let pack = load_catalogue(&pack)?;
            let Some(rule) = pack.rules.iter().find(|r| r.id.eq_ignore_ascii_case(&id)) else {
                bail!("no rule with id `{id}` (see `launchgate rules list`)");
            };
            write_stdout(|out| crate::report::rules::explain(rule, out))?;
            Ok(EXIT_PASS)
        }
        Command::Rules(RulesCommand::Check { files }) => {
            let options = PackOptions {
                builtin: true,
                user_paths: files.clone(),
                ..Default::default()
            };
            let pack = load_pack(&options).map_err(|d| {
                Reported(format!(
                    "{d}\nerror: rule files are invalid ({} problem(s))",
                    d.0.len()
                ))
            })?;
            let user = pack
                .rules
                .iter()
                .filter(|r| !r.origin.file.starts_with(crate::rules::BUILTIN_PREFIX))
                .count();
            write_stdout(|out| writeln!(out, "ok: {} file(s), {user} rule(s) valid", files.len()))?;
            Ok(EXIT_PASS)
        }
    }
}

fn load(args: &PackArgs) -> Result<RulePack> {
    load_with_config(args, &crate::config::ProjectConfig::default())
}

/// The pack as `rules list`, `explain` and `doc` show it: opt-in rules included.
fn load_catalogue(args: &PackArgs) -> Result<RulePack> {
    let mut options = pack_options(args, &crate::config::ProjectConfig::default())?;
    options.opt_in = crate::rules::OptIn::All;
    load_options(&options)
}

fn load_with_config(args: &PackArgs, config: &crate::config::ProjectConfig) -> Result<RulePack> {
    load_options(&pack_options(args, config)?)
}

fn pack_options(args: &PackArgs, config: &crate::config::ProjectConfig) -> Result<PackOptions> {
    let mut category_overrides = config.categories.clone();
    for spec in &args.set_category {
        let Some((id, cat)) = spec.split_once('=') else {
            bail!("--set-category expects ID=CATEGORY, got `{spec}`");
        };
        let Some(cat) = Category::parse(cat.trim()) else {
            bail!("--set-category: unknown category `{cat}` (zero-function, operational, business, advisory)");
        };
        category_overrides.insert(id.trim().to_string(), cat);
    }
    let mut user_paths = config.rules.clone();
    user_paths.extend(args.rules.iter().cloned());
    let mut disable = config.disable.clone();
    disable.extend(args.disable.iter().cloned());
    let mut enable = config.enable.clone();
    enable.extend(args.enable.iter().cloned());
    let options = PackOptions {
        builtin: !args.no_builtin,
        user_paths,
        disable,
        category_overrides,
        weight_overrides: config.weights.clone(),
        opt_in: crate::rules::OptIn::Enabled(enable),
    };
    Ok(options)
}

fn load_options(options: &PackOptions) -> Result<RulePack> {
    load_pack(options).map_err(|d| {
        Reported(format!(
            "{d}\nerror: rule files are invalid ({} problem(s))",
            d.0.len()
        ))
        .into()
    })
}

fn run_probes(args: &ProbeArgs, urls: &[String]) -> Result<Vec<crate::probe::ProbeReport>> {
    if urls.is_empty() {
        return Ok(Vec::new());
    }
    if args.offline {
        bail!(
            "--offline refuses network probes, but {} URL(s) were given",
            urls.len()
        );
    }
    let mut extra_ca_pem = Vec::new();
    for path in &args.ca_cert {
        extra_ca_pem.push(
            std::fs::read(path)
                .with_context(|| format!("cannot read --ca-cert {}", path.display()))?,
        );
    }
    let mut resolve = Vec::new();
    for spec in &args.resolve {
        resolve.push(
            crate::probe::parse_resolve(spec)
                .map_err(|e| anyhow::anyhow!("--resolve {spec}: {e}"))?,
        );
    }
    let options = crate::probe::ProbeOptions {
        timeout: std::time::Duration::from_secs(args.timeout.max(1)),
        deadline: std::time::Duration::from_secs(args.deadline.max(1)),
        extra_ca_pem,
        resolve,
        concurrency: args.probe_concurrency.max(1),
        health_path: args.health_path.clone(),
        ..Default::default()
    };
    Ok(crate::probe::probe_all(urls, &options))
}

fn run_scan(args: ScanArgs) -> Result<u8> {
    plan_outputs(&args.output)?;
    let config = crate::config::load(&args.path, args.config.as_deref()).map_err(|d| {
        Reported(format!(
            "{d}\nerror: the project config is invalid ({} problem(s))",
            d.0.len()
        ))
    })?;
    let pack = load_with_config(&args.pack, &config)?;
    let mut urls = args.probe.urls.clone();
    // Config URLs are probed unless the user asked for an offline run.
    if !args.probe.offline {
        urls.extend(
            config
                .urls
                .iter()
                .filter(|u| !urls.contains(u))
                .cloned()
                .collect::<Vec<_>>(),
        );
    }
    let mut probe_args = args.probe.clone();
    if probe_args.health_path.is_none() {
        probe_args.health_path = config.health_path.clone();
    }
    let bar = spinner(
        args.output.quiet || urls.is_empty(),
        format!("probing {} URL(s)…", urls.len()),
    );
    let probes = run_probes(&probe_args, &urls)?;
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    let options = ScanOptions {
        root: args.path.clone(),
        env_file: args.env_file.clone().or_else(|| config.env_file.clone()),
        walk: WalkOptions {
            max_file_size: args.max_file_size,
            jobs: args.jobs,
        },
        probes,
    };
    let bar = spinner(
        args.output.quiet,
        format!("scanning {}…", args.path.display()),
    );
    let scanned = scan(&pack, &options);
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    let mut result = scanned?;
    if args.verbose {
        let mut err = std::io::stderr().lock();
        let _ = verbose_log(&mut err, &config, &pack, &result, &urls);
    }
    let today = match &args.today {
        Some(t) => crate::config::Date::parse(t)
            .ok_or_else(|| anyhow::anyhow!("--today expects YYYY-MM-DD, got `{t}`"))?,
        None => crate::config::Date::today(),
    };
    let suppressions = crate::triage::apply_suppressions(&mut result, &config.ignores, today);
    let baseline = match &args.baseline {
        Some(path) => {
            let b = crate::triage::read_baseline(path).map_err(|e| anyhow::anyhow!(e))?;
            Some(crate::triage::mark_against_baseline(
                &mut result.findings,
                &b,
            ))
        }
        None => None,
    };
    let gate = gate_from(
        &args.output,
        config.fail_on,
        config.min_score,
        args.fail_on_new,
    );
    emit(
        &args.output,
        &args.path.display().to_string(),
        &pack,
        result,
        &options.probes,
        &gate,
        suppressions,
        baseline,
    )
}

/// `--verbose`: what was read and decided. Names and counts only, never values.
fn verbose_log(
    err: &mut dyn Write,
    config: &crate::config::ProjectConfig,
    pack: &RulePack,
    result: &crate::evaluate::ScanResult,
    urls: &[String],
) -> std::io::Result<()> {
    match &config.file {
        Some(f) => writeln!(
            err,
            "launchgate: config {} ({} suppression(s))",
            f.display(),
            config.ignores.len()
        )?,
        None => writeln!(err, "launchgate: no launchgate.toml; defaults apply")?,
    }
    writeln!(
        err,
        "launchgate: {} rules, {} stack detectors loaded",
        pack.rules.len(),
        pack.stacks.len()
    )?;
    let inv = &result.inventory;
    writeln!(
        err,
        "launchgate: {} files seen, {} read, {} binary, {} too large, {} symlinks not followed",
        inv.files_seen,
        inv.files_read,
        inv.skipped_binary,
        inv.skipped_too_large,
        inv.symlinks_skipped
    )?;
    for e in &inv.env_files {
        writeln!(
            err,
            "launchgate: env file {} as {}{}",
            e.path,
            e.role,
            if e.gitignored { " (git-ignored)" } else { "" }
        )?;
    }
    for d in &inv.development_setups {
        writeln!(
            err,
            "launchgate: development setup {}: {}",
            d.path, d.reason
        )?;
    }
    let stacks: Vec<&str> = result.stacks.iter().map(|s| s.id.as_str()).collect();
    writeln!(err, "launchgate: stack {}", stacks.join(", "))?;
    for p in &inv.problems {
        writeln!(
            err,
            "launchgate: not read {}{}: {}",
            p.path,
            p.line.map(|l| format!(":{l}")).unwrap_or_default(),
            p.message
        )?;
    }
    for u in urls {
        writeln!(err, "launchgate: probed {u}")?;
    }
    Ok(())
}

/// A spinner on stderr while the scan or the probes run: only on a terminal, never
/// with --quiet, and gone before the report is printed.
fn spinner(quiet: bool, message: String) -> Option<indicatif::ProgressBar> {
    if quiet || !std::io::stderr().is_terminal() {
        return None;
    }
    let bar = indicatif::ProgressBar::new_spinner();
    bar.set_message(message);
    bar.enable_steady_tick(std::time::Duration::from_millis(100));
    Some(bar)
}

fn gate_from(
    args: &OutputArgs,
    config_fail_on: Option<FailOn>,
    config_min: Option<f64>,
    only_new: bool,
) -> Gate {
    Gate {
        fail_on: match args.fail_on {
            Some(FailOnArg::ZeroFunction) => FailOn::ZeroFunction,
            Some(FailOnArg::Operational) => FailOn::Operational,
            Some(FailOnArg::Business) => FailOn::Business,
            Some(FailOnArg::Never) => FailOn::Never,
            None => config_fail_on.unwrap_or(FailOn::Business),
        },
        min_score: args.min_score.or(config_min),
        only_new,
    }
}

#[allow(clippy::too_many_arguments)]
fn emit(
    args: &OutputArgs,
    target: &str,
    pack: &RulePack,
    result: crate::evaluate::ScanResult,
    probes: &[crate::probe::ProbeReport],
    gate: &Gate,
    suppressions: crate::triage::SuppressionSummary,
    baseline: Option<crate::triage::BaselineSummary>,
) -> Result<u8> {
    let report = Report::with_triage(
        target,
        &pack.rules,
        result,
        probes,
        gate,
        suppressions,
        baseline,
    );
    let plan = plan_outputs(args)?;
    let to_terminal = plan.stdout.is_some() && std::io::stdout().is_terminal();
    let color = match args.color {
        ColorArg::Always => true,
        ColorArg::Never => false,
        ColorArg::Auto => to_terminal && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()),
    };
    let style = Style {
        color,
        width: if to_terminal { terminal_width() } else { 120 },
        show_passed: args.show_passed,
    };
    let file_style = Style {
        color: args.color == ColorArg::Always,
        width: 120,
        show_passed: args.show_passed,
    };
    for (format, path) in &plan.files {
        let mut buf = Vec::new();
        format.reporter().write(&report, &file_style, &mut buf)?;
        std::fs::write(path, buf)
            .with_context(|| format!("cannot write report to {}", path.display()))?;
    }
    if !plan.files.is_empty() && !args.quiet {
        let paths: Vec<String> = plan
            .files
            .iter()
            .map(|(_, p)| p.display().to_string())
            .collect();
        let mut err = std::io::stderr().lock();
        let _ = writeln!(
            err,
            "launchgate: readiness {}/100 ({}), {}; report written to {}",
            report.summary.score,
            report.summary.grade,
            report.summary.verdict,
            paths.join(", ")
        );
    }
    if let (Some(format), false) = (plan.stdout, args.quiet) {
        write_stdout(|out| format.reporter().write(&report, &style, out))?;
    }
    Ok(if report.summary.gate.passed {
        EXIT_PASS
    } else {
        EXIT_GATE_FAILED
    })
}

/// Where each report format goes: `--format NAME=PATH` to a file, at most one bare
/// `--format NAME` (default `table`) to standard output, which `--output FILE` redirects.
struct OutputPlan {
    stdout: Option<Format>,
    files: Vec<(Format, std::path::PathBuf)>,
}

fn plan_outputs(args: &OutputArgs) -> Result<OutputPlan> {
    let mut stdout = None;
    let mut files = Vec::new();
    for spec in &args.format {
        match &spec.path {
            Some(path) => files.push((spec.format, path.clone())),
            None if stdout.is_some() => bail!(
                "--format: at most one format goes to standard output; write the others to files with NAME=PATH"
            ),
            None => stdout = Some(spec.format),
        }
    }
    if args.format.is_empty() {
        stdout = Some(Format::Table);
    }
    if let Some(path) = &args.output {
        let Some(format) = stdout.take() else {
            bail!(
                "--output needs a --format without =PATH (or write --format NAME={})",
                path.display()
            );
        };
        files.push((format, path.clone()));
    }
    for (i, (_, path)) in files.iter().enumerate() {
        if files[..i].iter().any(|(_, p)| p == path) {
            bail!(
                "--format: two reports would be written to {}",
                path.display()
            );
        }
    }
    Ok(OutputPlan { stdout, files })
}

fn terminal_width() -> u16 {
    std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.parse().ok())
        .unwrap_or(120)
        .clamp(60, 400)
}

/// Writes to stdout; a closed pipe (`| head`) ends output quietly.
fn write_stdout(f: impl FnOnce(&mut dyn Write) -> std::io::Result<()>) -> Result<()> {
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    match f(&mut out).and_then(|()| out.flush()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => other.map_err(Into::into),
    }
}
