//! Settings the setup documentation tells the operator to give a value of their own
//! before deploying. hortusfox-web's README walks through its `docker-compose.yml`:
//! "It is recommended to set custom passwords due to security reasons", then shows
//! `DB_PASSWORD: password`; khoj's setup guide says "Set `KHOJ_ADMIN_PASSWORD`,
//! `KHOJ_DJANGO_SECRET_KEY` … to something secure". A placeholder the deployment guide
//! has the operator replace is a step of the deployment, not a password left in git.

use regex::Regex;
use std::sync::LazyLock;

/// How many lines after an instruction may open the code block it refers to.
const BLOCK_OPENS_WITHIN: usize = 3;
/// How many lines of that code block are read.
const BLOCK_LINES: usize = 40;

/// A sentence telling the reader to choose a secret value of their own.
static INSTRUCTION: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?ix)
        \b(?:set|change|replace|update|edit|adjust|modify|customi[sz]e|configure|choose|generate|pick)\b
            [^\n]{0,120}?\b(?:passwords?|secrets?|credentials|secret\s+keys?)\b
        | \b(?:custom|secure|strong|random|unique|your\s+own)\s+(?:passwords?|secrets?|credentials)\b
        | \bto\s+(?:something|a\s+value|values?)\s+(?:secure|random|strong|unique|safe)\b",
    )
    .expect("instruction pattern compiles")
});

/// An instruction that covers every secret of the Compose files, naming none
/// (opensourcepos's INSTALL.md: "Change the default passwords in the compose file before
/// exposing the containers publicly").
static WHOLE_COMPOSE_FILE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)\b(?:change|replace|update|edit|set)\s+(?:all\s+)?(?:the\s+)?default\s+(?:passwords|secrets|credentials)\b[^\n]{0,40}?\b(?:in|of)\s+(?:the\s+|your\s+)?`?(?:docker[-_ ]?)?compose\b",
    )
    .expect("whole-file instruction pattern compiles")
});

/// What `instructed_secret_settings` returns for an instruction that covers every
/// secret setting of the Compose files.
pub const EVERY_COMPOSE_SECRET: &str = "*";

/// An upper-case setting name that holds a secret.
static SECRET_SETTING: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\b[A-Z][A-Z0-9_]*(?:PASSWORD|PASSWD|SECRET|TOKEN|KEY)[A-Z0-9_]*\b")
        .expect("setting pattern compiles")
});

/// Documentation an operator reads to set the product up: READMEs and guides, not the
/// contributors' development notes.
pub fn is_setup_doc(path: &str) -> bool {
    let lower = path.to_ascii_lowercase();
    let name = lower.rsplit('/').next().unwrap_or(&lower);
    let is_text = [".md", ".mdx", ".rst", ".markdown"]
        .iter()
        .any(|ext| name.ends_with(ext));
    let readme = name.starts_with("readme") || name.starts_with("install");
    let in_docs = lower
        .split('/')
        .any(|part| matches!(part, "docs" | "doc" | "documentation" | "wiki"));
    // Judged by whole words of the path: `docs/latest/` is no test folder.
    let contributors = lower.split(['/', '-', '_', '.']).any(|w| {
        w.starts_with("contribut")
            || w.starts_with("develop")
            || matches!(w, "test" | "tests" | "testing" | "changelog")
    }) || lower.contains("release-notes");
    is_text && (readme || in_docs) && !contributors
}

/// The secret settings an instruction names: on its own line, and in the code block
/// that follows it; `EVERY_COMPOSE_SECRET` for one that covers a whole Compose file.
pub fn instructed_secret_settings(text: &str) -> Vec<String> {
    let lines: Vec<&str> = text.lines().collect();
    let mut settings = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        if WHOLE_COMPOSE_FILE.is_match(line) {
            settings.push(EVERY_COMPOSE_SECRET.to_string());
        }
        if !INSTRUCTION.is_match(line) {
            continue;
        }
        collect(line, &mut settings);
        let opening = lines
            .iter()
            .enumerate()
            .skip(i + 1)
            .take(BLOCK_OPENS_WITHIN)
            .find(|(_, l)| !l.trim().is_empty());
        if let Some((start, l)) = opening {
            if l.trim_start().starts_with("```") {
                for code in lines.iter().skip(start + 1).take(BLOCK_LINES) {
                    if code.trim_start().starts_with("```") {
                        break;
                    }
                    collect(code, &mut settings);
                }
            }
        }
    }
    settings.sort();
    settings.dedup();
    settings
}

fn collect(line: &str, settings: &mut Vec<String>) {
    settings.extend(
        SECRET_SETTING
            .find_iter(line)
            .map(|m| m.as_str().to_string()),
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_in_the_code_block_an_instruction_introduces() {
        let readme = "2. Set environment variables in the `docker-compose.yml`.\n\n\
            It is recommended to set custom passwords due to security reasons.\n\
            ```yaml\nDB_USERNAME: user\nDB_PASSWORD: password\nMARIADB_ROOT_PASSWORD: pw\n```\n\
            Later:\n```\nOTHER_PASSWORD: x\n```\n";
        assert_eq!(
            instructed_secret_settings(readme),
            ["DB_PASSWORD", "MARIADB_ROOT_PASSWORD"]
        );
    }

    #[test]
    fn settings_named_in_the_instruction_itself() {
        let guide = "- Set `KHOJ_ADMIN_PASSWORD`, `KHOJ_DJANGO_SECRET_KEY` (and optionally \
            the `KHOJ_ADMIN_EMAIL`) to something secure.";
        assert_eq!(
            instructed_secret_settings(guide),
            ["KHOJ_ADMIN_PASSWORD", "KHOJ_DJANGO_SECRET_KEY"]
        );
    }

    #[test]
    fn an_instruction_may_cover_the_whole_compose_file() {
        let guide = "**Change the default passwords in the compose file before exposing \
            the containers publicly.**\n";
        assert_eq!(instructed_secret_settings(guide), [EVERY_COMPOSE_SECRET]);
        let other = "Change the default passwords after the first login.\n";
        assert!(instructed_secret_settings(other).is_empty());
    }

    #[test]
    fn a_reference_table_is_no_instruction() {
        let table = "| `DB_PASSWORD` | the database password |\n| `API_TOKEN` | a token |\n";
        assert!(instructed_secret_settings(table).is_empty());
    }

    #[test]
    fn setup_docs_are_readmes_and_guides() {
        assert!(is_setup_doc("README.md"));
        assert!(is_setup_doc("documentation/docs/get-started/setup.mdx"));
        assert!(is_setup_doc("docs/install.rst"));
        assert!(!is_setup_doc("docs/contributing/development.mdx"));
        assert!(!is_setup_doc("src/notes.md"));
        assert!(is_setup_doc("docs/latest/install.md"));
        assert!(!is_setup_doc("docs/testing/setup.md"));
        assert!(!is_setup_doc("docker-compose.yml"));
    }
}
