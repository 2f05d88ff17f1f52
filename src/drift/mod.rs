//! Environment-variable drift: finds where source code, config and container
//! files read environment variables, so they can be compared with what is
//! documented (`.env.example`, README) and provided (Dockerfile `ENV`,
//! compose `environment:`, deployment manifests).
//!
//! Extraction is lexical (regexes compiled once plus small hand-written
//! scanners), never executes or fully parses code, and never panics on any
//! `&str` input.
//!
//! Entry points: [`source_kind`] picks an extractor from a path,
//! [`extract_env_reads`] runs it, [`extract_dockerfile_provided`] lists the
//! variables a Dockerfile sets with `ENV`, [`is_test_or_vendored`] tells which
//! paths to leave out, and [`similar_names`] powers "did you mean" hints.

mod common;
mod docker;
mod erb;
mod golang;
mod javascript;
mod jvm;
mod paths;
mod python;
mod ruby;
mod rust_lang;
mod shell;
mod similar;
mod usage;

pub use self::docker::extract_dockerfile_provided;
pub use self::paths::{is_test_or_vendored, source_kind};
pub use self::similar::similar_names;

/// One place where a program reads an environment variable.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct EnvRead {
    /// The variable name, or `None` when it is computed at run time
    /// (`f"{prefix}_KEY"`, `process.env[varName]`, `os.Getenv(k)`).
    pub name: Option<String>,
    /// 1-based line of the start of the read expression.
    pub line: u32,
    /// 1-based column, counted in chars, of the start of the read expression.
    pub column: u32,
    /// Whether the code copes with the variable being unset at this read: an
    /// explicit default, a fallback (`||`, `??`, `or`, `.unwrap_or`), a presence
    /// check, a comparison, or a declared default (`ARG X=d`, pydantic field
    /// default, `${X:-d}`).
    pub has_default: bool,
    /// The code tests whether the variable is set or compares its value
    /// (`os.LookupEnv`, `if os.getenv("X")`, `ENV["X"].present?`,
    /// `System.getenv("X") != null`, `os.environ["X"]` under `except KeyError`,
    /// a local assigned from the read and then tested): the project treats the
    /// variable as optional, so its other reads are not evidence that it is
    /// required either.
    pub checked: bool,
    /// Read while an image is built (Dockerfile `ARG`, `$X` in `RUN`/`COPY`…),
    /// not by the running service.
    pub build_time: bool,
    /// An older or alternative spelling: the fallback of another variable's read
    /// (`env.SLACK_CLIENT_ID ?? env.SLACK_KEY`) or a read marked deprecated.
    pub legacy: bool,
    /// The matched source snippet: whitespace collapsed, trimmed, at most 80
    /// chars (ending in `…` when cut).
    pub expr: String,
    /// How the read reaches the environment; see [`Via`].
    pub via: Via,
}

/// How a read reaches the environment. Only [`Via::Env`] records are reads by
/// themselves; the others are resolved across files after the walk.
#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
pub enum Via {
    /// A read of the environment (directly or through an alias in the same file).
    #[default]
    Env,
    /// A member read (`env.SECRET_KEY`) on a binding imported from another
    /// module: a read of `name` only if that module exports an env object.
    Import {
        /// The module specifier as written (`"./utils/environment"`).
        module: String,
        /// The export the binding refers to (`"default"` or a name).
        export: String,
    },
    /// This file exports an env object under `export` (`export default
    /// withFileSecrets(process.env)`); `name` is `None`. `wrapped` when a call
    /// (a schema, a proxy) stands between the environment and the export, so
    /// whether a member is required is the wrapper's business.
    Export { export: String, wrapped: bool },
    /// The environment is handed whole to code that picks its own names
    /// (`cleanEnv(process.env, …)`, `Object.keys(process.env)`); `name` is
    /// `None`. Not a read of any known name, but any name may be read.
    Opaque,
}

/// Which extractor applies to a file; see [`source_kind`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SourceKind {
    /// `.py`
    Python,
    /// `.js .jsx .ts .tsx .mjs .cjs .mts .cts .vue .svelte`
    JavaScript,
    /// `.go`
    Go,
    /// `.rs`
    Rust,
    /// `.rb .rake .ru`, `Rakefile`
    Ruby,
    /// `.java .kt .kts`
    Java,
    /// `application*.yml|yaml|properties`, `bootstrap*.yml|yaml|properties`
    SpringConfig,
    /// `.sh .bash .zsh .ksh`, extension-less `*entrypoint*` scripts
    Shell,
    /// `Dockerfile`, `Dockerfile.*`, `*.Dockerfile`, `Containerfile`
    Dockerfile,
    /// `docker-compose*.yml|yaml`, `compose*.yml|yaml`
    Compose,
    /// `.erb` templates and YAML under `config/` (Rails evaluates ERB there):
    /// Ruby inside `<% %>` tags.
    Erb,
}

/// Every environment-variable read in `text`, interpreted as `kind`, sorted
/// by (line, column).
pub fn extract_env_reads(kind: SourceKind, text: &str) -> Vec<EnvRead> {
    if !may_read(kind, text) {
        return Vec::new();
    }
    let mut raws = match kind {
        SourceKind::Python => python::extract(text),
        SourceKind::JavaScript => javascript::extract(text),
        SourceKind::Go => golang::extract(text),
        SourceKind::Rust => rust_lang::extract(text),
        SourceKind::Ruby => ruby::extract(text),
        SourceKind::Java => jvm::extract_java(text),
        SourceKind::SpringConfig => jvm::extract_spring_config(text),
        SourceKind::Shell => shell::extract(text),
        SourceKind::Dockerfile => docker::extract_dockerfile(text),
        SourceKind::Compose => docker::extract_compose(text),
        SourceKind::Erb => erb::extract(text),
    };
    // (the language extractors judge how each read is used on their masked text)
    if kind == SourceKind::Shell {
        usage::refine_shell(text, &mut raws);
    }
    common::finalize(text, raws)
}

/// Whether `text` holds a word every read of its language contains (`env`,
/// `ENV`, `getenv`…): most source files read no configuration, and are skipped
/// before the comment masking and the scanners.
fn may_read(kind: SourceKind, text: &str) -> bool {
    let words: &[&str] = match kind {
        SourceKind::Python => &["env", "decouple", "BaseSettings"],
        SourceKind::JavaScript => &["env", "import", "require"],
        SourceKind::Go => &["env", "Env"],
        SourceKind::Rust => &["env"],
        SourceKind::Ruby | SourceKind::Erb => &["ENV"],
        SourceKind::Java => &["getenv", "Value", "Environment"],
        _ => return true,
    };
    words
        .iter()
        .any(|w| memchr::memmem::find(text.as_bytes(), w.as_bytes()).is_some())
}

/// Variables a file gives a value to by itself, with their 1-based line:
/// Dockerfile `ENV`, and the `env` block of `next.config.*` (inlined into the
/// build, so the code's `process.env.X` never reads the runtime environment).
pub fn extract_provided(path: &str, kind: SourceKind, text: &str) -> Vec<(String, u32)> {
    match kind {
        SourceKind::Dockerfile => extract_dockerfile_provided(text),
        SourceKind::JavaScript if javascript::is_next_config(path) => {
            javascript::next_config_env(text)
        }
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ALL: [SourceKind; 11] = [
        SourceKind::Python,
        SourceKind::JavaScript,
        SourceKind::Go,
        SourceKind::Rust,
        SourceKind::Ruby,
        SourceKind::Java,
        SourceKind::SpringConfig,
        SourceKind::Shell,
        SourceKind::Dockerfile,
        SourceKind::Compose,
        SourceKind::Erb,
    ];

    /// Garbage, truncated constructs and huge lines must never panic.
    #[test]
    fn never_panics_on_hostile_input() {
        let mut inputs: Vec<String> = vec![
            String::new(),
            "\"".into(),
            "'".into(),
            "`".into(),
            "${".into(),
            "$".into(),
            "$(".into(),
            "${X:-".into(),
            "${X:-${Y:-${Z".into(),
            "os.getenv(".into(),
            "os.environ[".into(),
            "process.env[".into(),
            "process.env.".into(),
            "const { A, B = ".into(),
            "{ A } = process.env".into(),
            "ENV.fetch".into(),
            "ENV[".into(),
            "System.getenv(".into(),
            "@Value(\"${".into(),
            "env::var(".into(),
            "env!(".into(),
            "r#\"".into(),
            "'\\".into(),
            "class S(BaseSettings):\n    x: int = Field(\n".into(),
            "class S(BaseSettings):\n  a: str = (\"\n".into(),
            "cat <<EOF\n$X".into(),
            "cat <<'EOF'\n$X".into(),
            "ARG".into(),
            "ENV".into(),
            "RUN \\".into(),
            "environment:\n  - ".into(),
            "/*".into(),
            "\"\"\"".into(),
            "=begin".into(),
            "é${É}ü$Ü".into(),
            "os.getenv(\"é\")".into(),
            "\u{0}\u{1}\u{7f}\u{feff}$\u{10ffff}".into(),
            "viper.AutomaticEnv()\nviper.GetString(".into(),
            "`env:\"".into(),
            "#[arg(env".into(),
            "const env = process.env;\nenv.".into(),
            "const env = process.env;\nenv[".into(),
            "import e from \"./x\";\ne.".into(),
            "export default f(process.env".into(),
            "{ ...process.env".into(),
            "é{ ...process.env }".into(),
            "if (é process.env.X) {".into(),
            "x = ENV[\"X\"]\nunless x".into(),
            "try:\n  os.environ[\"X\"]\nexcept".into(),
            "<%= ENV[".into(),
            "<%".into(),
            "é: <%= ENV['X'] %>\n  é".into(),
            "ARG X=1 #".into(),
            "@Deprecated(\n public A = process.env.".into(),
            "process.env.A ?? process.env.".into(),
            "os.Getenv(\"A\") == \"\" || os.Getenv(\"".into(),
        ];
        inputs.push(format!("{}process.env.X", "é{".repeat(3000)));
        inputs.push("if (process.env.A) {\n".repeat(5000) + "x = process.env.B");
        inputs.push("if ENV[\"A\"]\n  ".repeat(3000) + "ENV[\"B\"]");
        inputs.push("x = process.env.A\nif (x) {}\n".repeat(5000));
        inputs.push("$(".repeat(5000));
        inputs.push("${X:-".repeat(5000));
        inputs.push("\"$(".repeat(3000));
        inputs.push("(".repeat(20000) + "process.env.X");
        inputs.push(format!("x = \"{}\" + process.env.X", "a".repeat(1_000_000)));
        inputs.push("process.env.A || ".repeat(20000));
        inputs.push("os.getenv(\"X\", ".repeat(20000));
        let bytes: String = (0u32..2000)
            .filter_map(|c| char::from_u32(c * 37 % 0x2FFF))
            .collect();
        inputs.push(bytes);
        for input in &inputs {
            for kind in ALL {
                let reads = extract_env_reads(kind, input);
                for w in reads.windows(2) {
                    assert!((w[0].line, w[0].column) <= (w[1].line, w[1].column));
                }
            }
            let _ = extract_dockerfile_provided(input);
        }
    }

    #[test]
    fn huge_single_line_is_linear() {
        let line = "process.env.A + ".repeat(100_000);
        let reads = extract_env_reads(SourceKind::JavaScript, &line);
        assert_eq!(reads.len(), 100_000);
        assert_eq!(reads[99_999].column, 1 + 16 * 99_999);
    }

    /// CRLF line endings give the same reads as LF.
    #[test]
    fn crlf_matches_lf() {
        let samples: &[(SourceKind, &str)] = &[
            (
                SourceKind::Python,
                "import os\nclass S(BaseSettings):\n    model_config = SettingsConfigDict(env_prefix='A_')\n    x: int = 1\n    y: str\n# os.getenv('NO')\nv = os.getenv(\n  'V', 'd')\n",
            ),
            (SourceKind::JavaScript, "const {\n  A,\n  B = 1,\n} = process.env;\n// process.env.NO\nx = process.env.C\n"),
            (SourceKind::Go, "x := os.Getenv(\"A\")\n/* os.Getenv(\"NO\")\n*/ y := os.LookupEnv(\"B\")\n"),
            (SourceKind::Rust, "let a = env::var(\"A\")\n  .unwrap_or_default();\n// env::var(\"NO\")\n"),
            (SourceKind::Ruby, "a = ENV.fetch('A') do\n 1\nend\n=begin\nENV['NO']\n=end\nb = ENV['B']\n"),
            (SourceKind::Java, "@Value(\"${A:1}\")\nString a;\nString b = System.getenv(\"B\");\n"),
            (SourceKind::SpringConfig, "a: ${A}\n# b: ${NO}\nc: ${C:x}\n"),
            (SourceKind::Shell, "X=1\necho $X \\\n  $A\ncat <<EOF\n$B\nEOF\necho ${C:-d}\n"),
            (SourceKind::Dockerfile, "ARG A=1\nRUN echo $A \\\n  && echo $B\n# RUN $NO\nCMD $C\n"),
            (SourceKind::Compose, "services:\n  a:\n    environment:\n      - A\n      B:\n    image: ${C:-x}\n"),
        ];
        for (kind, lf) in samples {
            let crlf = lf.replace('\n', "\r\n");
            let a = extract_env_reads(*kind, lf);
            let b = extract_env_reads(*kind, &crlf);
            assert!(!a.is_empty(), "{kind:?}");
            assert!(
                a.iter().all(|r| r.name.as_deref() != Some("NO")),
                "{kind:?}: {a:?}"
            );
            let strip = |v: &[EnvRead]| {
                v.iter()
                    .map(|r| (r.name.clone(), r.line, r.column, r.has_default))
                    .collect::<Vec<_>>()
            };
            assert_eq!(strip(&a), strip(&b), "{kind:?}");
        }
    }

    #[test]
    fn sorted_by_line_then_column() {
        let src = "b = os.environ['B']; a = os.getenv('A')\nc = os.getenv('C')\nclass S(BaseSettings):\n    z: int\n";
        let reads = extract_env_reads(SourceKind::Python, src);
        let pos: Vec<(u32, u32)> = reads.iter().map(|r| (r.line, r.column)).collect();
        assert_eq!(pos, vec![(1, 5), (1, 26), (2, 5), (4, 5)]);
    }

    #[test]
    fn columns_count_chars_not_bytes() {
        let reads = extract_env_reads(SourceKind::Python, "é = 'ü'; os.getenv(\"X\")");
        assert_eq!(reads[0].column, 10);
        assert_eq!(reads[0].expr, "os.getenv(\"X\")");
    }
}
