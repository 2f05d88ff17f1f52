//! Third-party packages copied into the tree under a folder that no path rule marks as
//! vendored. Tautulli ships its dependencies in `lib/` (`lib/requests/`, `lib/cheroot/`,
//! `lib/jwt/`…) and lists them in `requirements.txt`: their TLS and token code is the
//! libraries', not the application's. A folder most of whose Python packages are named
//! in the project's requirements is such a copy.

use crate::inventory::classify::{file_name, parent_dir};
use regex::Regex;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::LazyLock;

/// At least this many of a folder's packages must be requirements…
const MIN_REQUIRED_CHILDREN: usize = 8;
/// …and at least this share (in percent) of its Python packages and modules: the rest
/// are the requirements' own dependencies (`idna`, `urllib3`), which no file lists.
const MIN_REQUIRED_SHARE: usize = 30;

/// Whether the walk should read requirement names from this file.
pub fn lists_requirements(path: &str) -> bool {
    let name = file_name(path).to_ascii_lowercase();
    (name.starts_with("requirements") && name.ends_with(".txt")) || name == "pyproject.toml"
}

static REQUIREMENT_LINE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r#"(?m)^[ \t]*"?([A-Za-z0-9][A-Za-z0-9._-]*)\s*(?:\[[^\]\n]*\]\s*)?(?:[<>=!~;@,"]|$)"#,
    )
    .expect("requirement line pattern compiles")
});

/// The distribution names a requirements file or `pyproject.toml` lists, normalised
/// as import names are spelled (`cherrypy-cors` → `cherrypy_cors`).
pub fn requirement_names(path: &str, text: &str) -> Vec<String> {
    let pyproject = file_name(path).eq_ignore_ascii_case("pyproject.toml");
    REQUIREMENT_LINE
        .captures_iter(text)
        // In `pyproject.toml` only quoted entries are requirements, not `name = "x"`.
        .filter(|c| !pyproject || c[0].trim_start().starts_with('"'))
        .map(|c| normalise(&c[1]))
        .collect()
}

fn normalise(name: &str) -> String {
    name.to_ascii_lowercase().replace(['-', '.'], "_")
}

/// The folders holding copies of required packages, given every walked path.
pub fn folders<'a>(
    paths: impl Iterator<Item = &'a str>,
    requirements: &BTreeSet<String>,
) -> Vec<String> {
    if requirements.len() < MIN_REQUIRED_CHILDREN {
        return Vec::new();
    }
    // Folder → its Python packages (sub-folders holding Python files) and modules.
    let mut children: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for path in paths.filter(|p| p.ends_with(".py")) {
        let dir = parent_dir(path);
        let module = file_name(path).trim_end_matches(".py");
        if module != "__init__" {
            children.entry(dir).or_default().insert(module);
        }
        if let Some((outer, package)) = dir.rsplit_once('/').or(Some(("", dir))) {
            if !package.is_empty() {
                children.entry(outer).or_default().insert(package);
            }
        }
    }
    children
        .into_iter()
        .filter(|(dir, names)| {
            let required = names
                .iter()
                .filter(|n| requirements.contains(&normalise(n)))
                .count();
            !dir.is_empty()
                && required >= MIN_REQUIRED_CHILDREN
                && required * 100 >= names.len() * MIN_REQUIRED_SHARE
        })
        .map(|(dir, _)| dir.to_string())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_from_requirements_and_pyproject() {
        let txt = "# pinned\napscheduler==3.11.2\ncherrypy-cors==1.7.0\nrequests[socks]>=2\n  PyJWT ; python_version>'3'\n-r base.txt\ngit+https://x/y.git\n";
        assert_eq!(
            requirement_names("requirements.txt", txt),
            ["apscheduler", "cherrypy_cors", "requests", "pyjwt"]
        );
        let toml = "[project]\nname = \"app\"\ndependencies = [\n  \"fastapi>=0.1\",\n  \"uvicorn[standard]\",\n]\n";
        assert_eq!(
            requirement_names("pyproject.toml", toml),
            ["fastapi", "uvicorn"]
        );
    }

    #[test]
    fn a_folder_of_required_packages() {
        let required: BTreeSet<String> = [
            "requests", "cheroot", "cherrypy", "arrow", "bleach", "six", "redis", "certifi", "mako",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let files = [
            "lib/requests/adapters.py",
            "lib/requests/__init__.py",
            "lib/cheroot/ssl/builtin.py",
            "lib/cherrypy/__init__.py",
            "lib/arrow/api.py",
            "lib/bleach/clean.py",
            "lib/six.py",
            "lib/certifi/core.py",
            "lib/mako/template.py",
            "lib/redis/client.py",
            "lib/idna/core.py",
            "lib/urllib3/poolmanager.py",
            "lib/hashing_passwords.py",
            // The application names modules after libraries it wraps.
            "app/redis.py",
            "app/six.py",
            "app/mako.py",
            "app/certifi.py",
            "app/views.py",
            "app/models.py",
        ];
        assert_eq!(folders(files.iter().copied(), &required), ["lib"]);
        // Too few requirements to tell.
        let few: BTreeSet<String> = ["requests".to_string()].into();
        assert!(folders(files.iter().copied(), &few).is_empty());
    }
}
