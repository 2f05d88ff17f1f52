//! The command line, defined once with clap.

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

#[derive(Debug, Parser)]
#[command(
    name = "launchgate",
    version,
    about = "How far is this repository from a real production launch? Evidence, score, and a CI gate.",
    propagate_version = true
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Audit a repository and print a scored gap report.
    Scan(ScanArgs),
    /// List, explain and validate rules.
    #[command(subcommand)]
    Rules(RulesCommand),
    /// Probe live URLs only (TLS, redirects, security headers), with the same report.
    Probe(ProbeCommandArgs),
    /// The configuration surface: each variable × where it is read, documented and provided.
    Env(EnvArgs),
    /// What changed between two saved JSON reports.
    Diff {
        old: PathBuf,
        new: PathBuf,
        #[arg(long, value_enum, default_value_t = DiffFormat::Table)]
        format: DiffFormat,
    },
    /// One fleet view over many saved JSON reports (one per repository or service).
    Merge {
        #[arg(required = true, value_name = "REPORT.json")]
        reports: Vec<PathBuf>,
        #[arg(long, value_enum, default_value_t = FleetFormatArg::Table)]
        format: FleetFormatArg,
    },
    /// Write a commented launchgate.toml for the detected stack (never overwrites) and print a CI step.
    Init {
        #[arg(default_value = ".")]
        path: PathBuf,
    },
    /// Shell completions: bash, zsh, fish, elvish or powershell.
    Completions { shell: clap_complete::Shell },
    /// The man page (roff) on standard output.
    Man,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum DiffFormat {
    Table,
    Markdown,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum FleetFormatArg {
    Table,
    Markdown,
    Json,
    Html,
}

#[derive(Debug, Args)]
pub struct EnvArgs {
    /// The repository to inspect.
    #[arg(default_value = ".")]
    pub path: PathBuf,
    /// Output format.
    #[arg(long, value_enum, default_value_t = MatrixFormat::Table)]
    pub format: MatrixFormat,
    /// The env file that stands for production, relative to the target root.
    #[arg(long, value_name = "FILE")]
    pub env_file: Option<String>,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum MatrixFormat {
    Table,
    Json,
}

#[derive(Debug, Clone, Args)]
pub struct ProbeArgs {
    /// A live URL to probe (repeatable). Nothing is sent over the network without one.
    #[arg(long = "url", value_name = "URL")]
    pub urls: Vec<String>,
    /// Refuse every network probe.
    #[arg(long)]
    pub offline: bool,
    /// Extra trusted CA certificate (PEM), e.g. an internal staging CA (repeatable).
    #[arg(long, value_name = "FILE")]
    pub ca_cert: Vec<PathBuf>,
    /// Connect HOST:PORT to ADDR instead of resolving it, like curl --resolve (repeatable).
    #[arg(long, value_name = "HOST:PORT:ADDR")]
    pub resolve: Vec<String>,
    /// Seconds allowed for each connection, handshake or request.
    #[arg(long, value_name = "SECS", default_value_t = 10)]
    pub timeout: u64,
    /// Seconds allowed for all probes together.
    #[arg(long, value_name = "SECS", default_value_t = 60)]
    pub deadline: u64,
    /// URLs probed at the same time.
    #[arg(long, value_name = "N", default_value_t = 16)]
    pub probe_concurrency: usize,
    /// Path of a health endpoint to check on every URL's host (e.g. /health).
    #[arg(long, value_name = "PATH")]
    pub health_path: Option<String>,
}

#[derive(Debug, Args)]
pub struct ProbeCommandArgs {
    /// URLs to probe.
    #[arg(required = true, value_name = "URL")]
    pub targets: Vec<String>,
    #[command(flatten)]
    pub output: OutputArgs,
    #[command(flatten)]
    pub pack: PackArgs,
    #[command(flatten)]
    pub probe: ProbeArgs,
}

#[derive(Debug, Args)]
pub struct OutputArgs {
    /// Report format: table, json, sarif, junit, markdown, github, badge or html
    /// (default table). NAME=PATH writes that format to PATH; repeatable, with at
    /// most one format on standard output.
    #[arg(long, value_name = "NAME[=PATH]", value_parser = parse_format_spec)]
    pub format: Vec<FormatSpec>,
    /// Write the standard-output format to this file instead.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// The least severe category whose failures fail the gate (default: business, or
    /// `[gate] fail_on` in launchgate.toml).
    #[arg(long, value_enum)]
    pub fail_on: Option<FailOnArg>,
    /// Fail the gate when the readiness score is below this (0-100).
    #[arg(long, value_name = "N", value_parser = parse_score)]
    pub min_score: Option<f64>,
    /// Also list the rules that passed or did not apply (table format).
    #[arg(long)]
    pub show_passed: bool,
    /// When to colour the table.
    #[arg(long, value_enum, default_value_t = ColorArg::Auto)]
    pub color: ColorArg,
    /// Print nothing but errors (the exit code still tells the verdict).
    #[arg(long, short = 'q')]
    pub quiet: bool,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum FormatArg {
    Table,
    Json,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum FailOnArg {
    ZeroFunction,
    Operational,
    Business,
    Never,
}

#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum ColorArg {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Default, Args)]
pub struct PackArgs {
    /// Extra rule file or folder of *.toml rule files (repeatable).
    #[arg(long = "rules", value_name = "PATH")]
    pub rules: Vec<PathBuf>,
    /// Do not load the built-in rule pack.
    #[arg(long)]
    pub no_builtin: bool,
    /// Disable a rule by id (repeatable).
    #[arg(long, value_name = "ID")]
    pub disable: Vec<String>,
    /// Enable an opt-in rule by id (repeatable; `rules list` marks opt-in rules).
    #[arg(long, value_name = "ID")]
    pub enable: Vec<String>,
    /// Change a rule's category: ID=zero-function|operational|business|advisory (repeatable).
    #[arg(long, value_name = "ID=CATEGORY")]
    pub set_category: Vec<String>,
}

#[derive(Debug, Args)]
pub struct ScanArgs {
    /// The repository to audit.
    #[arg(default_value = ".")]
    pub path: PathBuf,
    #[command(flatten)]
    pub output: OutputArgs,
    /// The env file that stands for production, relative to the target root.
    #[arg(long, value_name = "FILE")]
    pub env_file: Option<String>,
    /// Skip files larger than this (bytes, or with K/M/G suffix, e.g. 2M).
    #[arg(long, value_name = "SIZE", default_value = "2M", value_parser = parse_size)]
    pub max_file_size: u64,
    /// Worker threads for the walk (0 = one per core).
    #[arg(long, short = 'j', default_value_t = 0)]
    pub jobs: usize,
    /// Project config (default: launchgate.toml at the target's root, if present).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// A previous JSON report: mark findings new or unchanged and list what was fixed.
    #[arg(long, value_name = "REPORT.json")]
    pub baseline: Option<PathBuf>,
    /// Gate only on findings absent from the --baseline report.
    #[arg(long, requires = "baseline")]
    pub fail_on_new: bool,
    /// Explain on stderr what was read and decided (config, rules, files, env files).
    #[arg(long, short = 'v')]
    pub verbose: bool,
    /// The date suppression expiry is judged against (default: today, UTC).
    #[arg(long, value_name = "YYYY-MM-DD", hide = true)]
    pub today: Option<String>,
    #[command(flatten)]
    pub pack: PackArgs,
    #[command(flatten)]
    pub probe: ProbeArgs,
}

#[derive(Debug, Subcommand)]
pub enum RulesCommand {
    /// The catalogue: id, category, area, kind, title.
    List {
        #[arg(long, value_enum, default_value_t = FormatArg::Table)]
        format: FormatArg,
        #[command(flatten)]
        pack: PackArgs,
    },
    /// What a rule checks, why it matters, how to fix it, and the effort.
    Explain {
        id: String,
        #[command(flatten)]
        pack: PackArgs,
    },
    /// The rule reference (Markdown) of the loaded pack, as in docs/rules.md.
    Doc {
        #[command(flatten)]
        pack: PackArgs,
    },
    /// Validate rule files (together with the built-in pack they extend).
    Check {
        #[arg(required = true, value_name = "FILE")]
        files: Vec<PathBuf>,
    },
}

/// One `--format` value: a report format, and the file it goes to (standard output
/// when `None`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FormatSpec {
    pub format: crate::report::Format,
    pub path: Option<PathBuf>,
}

fn parse_format_spec(s: &str) -> Result<FormatSpec, String> {
    let (name, path) = match s.split_once('=') {
        Some((name, "")) => return Err(format!("`{name}=` needs a file path after `=`")),
        Some((name, path)) => (name, Some(PathBuf::from(path))),
        None => (s, None),
    };
    let format = crate::report::Format::parse(name.trim()).ok_or_else(|| {
        format!(
            "unknown format `{name}` (one of: {})",
            crate::report::Format::NAMES.join(", ")
        )
    })?;
    Ok(FormatSpec { format, path })
}

fn parse_score(s: &str) -> Result<f64, String> {
    let v: f64 = s.parse().map_err(|_| format!("`{s}` is not a number"))?;
    if (0.0..=100.0).contains(&v) {
        Ok(v)
    } else {
        Err("the score is between 0 and 100".into())
    }
}

pub fn parse_size(s: &str) -> Result<u64, String> {
    let t = s.trim();
    let (num, mult) = match t.char_indices().find(|(_, c)| c.is_ascii_alphabetic()) {
        Some((i, _)) => {
            let unit = t[i..].to_ascii_lowercase();
            let mult: u64 = match unit.as_str() {
                "k" | "kb" | "kib" => 1 << 10,
                "m" | "mb" | "mib" => 1 << 20,
                "g" | "gb" | "gib" => 1 << 30,
                "b" => 1,
                _ => return Err(format!("unknown size unit `{}` (use K, M or G)", &t[i..])),
            };
            (&t[..i], mult)
        }
        None => (t, 1),
    };
    let n: u64 = num
        .trim()
        .parse()
        .map_err(|_| format!("`{s}` is not a size"))?;
    n.checked_mul(mult)
        .ok_or_else(|| format!("`{s}` is too large"))
}
