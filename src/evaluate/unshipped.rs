//! Container setups the project ships nothing from. A reader asks which images reach a
//! deployment before judging them: the container of a CI action (mathesar's
//! `.github/actions/ansible/Dockerfile`) and the documentation site's image (wanderer's
//! `docs/Dockerfile`) run no part of the product; when CI publishes the project's images
//! from Dockerfiles it names, another Dockerfile that neither CI nor a deployment Compose
//! file builds is a builder or a leftover (Gokapi's `build/Dockerfile`, wanderer's
//! deprecated `search/Dockerfile`); and a Compose file in a subfolder that builds from
//! source an image CI publishes is a contributor's stack: deployments pull the published
//! image (papermerge's `docker/standard/docker-compose.yml`).

use super::compose_builds::{dockerfile_of, names_whole, ComposeBuild};
use crate::inventory::classify::{file_name, is_dockerfile, parent_dir};
use crate::inventory::EnvFile;
use regex::Regex;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::LazyLock;

/// Folders, as a Dockerfile's first path segment, that hold a documentation site.
const DOCS_SITE_FOLDERS: &[&str] = &["docs", "doc", "documentation", "website"];

/// Folders of CI systems and of CI images: a Dockerfile there is the container of a CI
/// action or of CI jobs (mbin's `ci/Dockerfile`, the pipeline's job container).
const CI_FOLDERS: &[&str] = &[".github", ".gitea", ".forgejo", ".circleci", "ci", ".ci"];

/// Top-level folders of developer tooling: a Dockerfile there that neither CI nor a
/// deployment builds is a developer's image (typecho's all-in-one `tools/Dockerfile`, awx's
/// `tools/` environments).
const TOOLING_FOLDERS: &[&str] = &["tools", "hack"];

/// Words in a Compose file's path that present it as a deployment, built from source or not.
const DEPLOYMENT_WORDS: &[&str] = &[
    "prod",
    "production",
    "deploy",
    "deployment",
    "release",
    "selfhost",
    "self-host",
    "self-hosted",
];

/// A CI line that names its Dockerfile or build context through a variable: what CI
/// builds cannot be read from the text, so no Dockerfile is judged unbuilt by it.
static VARIABLE_BUILD_INPUT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?im)(?:^[ \t]*-?[ \t]*(?:file|dockerfile|context)[ \t]*:[^\n]*\$|(?:^|\s)(?:-f|--file)[ \t=]+\S*\$)")
        .expect("variable build input pattern compiles")
});

/// A matrix variable in a build input (`file: ${{ matrix.dockerfile }}`).
static MATRIX_VARIABLE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\$\{\{\s*matrix\.([\w-]+)\s*\}\}").expect("matrix variable pattern compiles")
});

/// Whether the build input `line` names its Dockerfile or context through a matrix
/// variable whose values the workflow writes out (`dockerfile: ./Dockerfile.ci` entries,
/// or a list under `dockerfile:`): then the names CI builds are in the text after all,
/// and a value commented out of the matrix is no longer built (Piped's OpenJ9 images).
fn matrix_values_written(text: &str, line: &str) -> bool {
    let Some(key) = MATRIX_VARIABLE.captures(line).map(|c| c[1].to_string()) else {
        return false;
    };
    let lines: Vec<&str> = text.lines().collect();
    let mut written = false;
    for (i, l) in lines.iter().enumerate() {
        let entry = l.trim_start().trim_start_matches('-').trim_start();
        let Some(value) = entry
            .strip_prefix(key.as_str())
            .and_then(|rest| rest.trim_start().strip_prefix(':'))
            .map(str::trim)
        else {
            continue;
        };
        let values: Vec<&str> = if value.is_empty() {
            lines[i + 1..]
                .iter()
                .map(|l| l.trim())
                .take_while(|l| l.starts_with('-'))
                .map(|l| l.trim_start_matches('-').trim())
                .collect()
        } else {
            vec![value]
        };
        if values.is_empty() || values.iter().any(|v| v.contains('$')) {
            return false;
        }
        written = true;
    }
    written
}

/// The line of `text` that holds byte offset `at`.
fn line_at(text: &str, at: usize) -> &str {
    let start = text[..at].rfind('\n').map_or(0, |i| i + 1);
    let end = text[at..].find('\n').map_or(text.len(), |i| at + i);
    &text[start..end]
}

/// A CI step that pushes an image to a registry.
static PUSHES_IMAGE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)[\w.-]+/build-push-action|[\w.-]+/bake-action|redhat-actions/push-image|\bdocker\s+(?:image\s+)?push\b|\bbuildx\s+build\b(?:[^\n]|\\\r?\n)*--push|\bbuildah\s+push\b|\bkaniko\b|\bplugin-docker-buildx\b|\bplugins/docker\b")
        .expect("image push pattern compiles")
});

/// What CI configuration says about the images it builds.
pub struct CiBuilds<'a> {
    text: &'a str,
    /// CI pushes images to a registry.
    publishes: bool,
    /// Every Dockerfile and build context CI names is written out, not a variable.
    literal: bool,
}

impl<'a> CiBuilds<'a> {
    pub fn new(text: &'a str) -> CiBuilds<'a> {
        CiBuilds {
            text,
            publishes: PUSHES_IMAGE.is_match(text),
            literal: VARIABLE_BUILD_INPUT
                .find_iter(text)
                .all(|m| matrix_values_written(text, line_at(text, m.start()))),
        }
    }

    /// Whether CI names `dockerfile`: by its path, by a distinctive file name
    /// (`Dockerfile.cli-tool`), or, for a plain `Dockerfile`, by its folder as a build
    /// context (`docker buildx build db/ --push`, `context: ./web`).
    pub fn names(&self, dockerfile: &str) -> bool {
        let name = file_name(dockerfile);
        if names_whole(self.text, dockerfile)
            || (!name.eq_ignore_ascii_case("Dockerfile") && names_whole(self.text, name))
        {
            return true;
        }
        let dir = parent_dir(dockerfile);
        !dir.is_empty() && name.eq_ignore_ascii_case("Dockerfile") && self.names_context(dir)
    }

    /// The Dockerfile among `dockerfiles` that CI builds the image `name` from: a line
    /// that names the Dockerfile (or its folder) with the image's tag a few lines away
    /// (`docker buildx build db/ -t flomp/wanderer-db:$VERSION --push`, or a
    /// `build-push-action` step's `file:` and `tags:`). `None` unless exactly one does.
    pub fn dockerfile_of_image<'d>(&self, name: &str, dockerfiles: &[&'d str]) -> Option<&'d str> {
        let lines: Vec<&str> = self.text.lines().collect();
        let tags_image = |line: &str| {
            line.match_indices(name).any(|(at, _)| {
                line[..at].ends_with('/')
                    && !line[at + name.len()..]
                        .chars()
                        .next()
                        .is_some_and(|c| c.is_alphanumeric() || matches!(c, '.' | '-' | '_'))
            })
        };
        // The tag on the Dockerfile's own line first (a `docker build` command), then
        // within a step's few lines (an action's `with:` block).
        for window in [0, 6] {
            let mut found = dockerfiles.iter().filter(|dockerfile| {
                lines.iter().enumerate().any(|(i, line)| {
                    CiBuilds {
                        text: line,
                        ..*self
                    }
                    .names(dockerfile)
                        && lines[i.saturating_sub(window)..(i + window + 1).min(lines.len())]
                            .iter()
                            .any(|l| tags_image(l))
                })
            });
            match (found.next(), found.next()) {
                (Some(only), None) => return Some(only),
                (Some(_), Some(_)) => return None,
                _ => {}
            }
        }
        None
    }

    /// A folder named as a build context: after `context`, or written as a path
    /// (`./web`, `db/`) on a build line, so the `build` of `docker buildx build` is no
    /// folder `build/`.
    fn names_context(&self, dir: &str) -> bool {
        self.text.lines().any(|line| {
            let lower = line.to_ascii_lowercase();
            let context_line = lower.contains("context");
            (context_line || lower.contains("build"))
                && line
                    .split(|c: char| c.is_whitespace() || "\"'=,:".contains(c))
                    .any(|token| {
                        let written_as_path = token.starts_with("./") || token.ends_with('/');
                        (context_line || written_as_path)
                            && token.trim_start_matches("./").trim_end_matches('/') == dir
                    })
        })
    }
}

/// The Dockerfiles among `dockerfiles` that ship no image, with the reason for each.
/// `deployed` are the Dockerfiles a deployment Compose file builds.
pub fn dockerfiles<'a>(
    dockerfiles: impl Iterator<Item = &'a str>,
    ci: &CiBuilds<'_>,
    deployed: &BTreeSet<String>,
) -> BTreeMap<String, &'static str> {
    let dockerfiles: Vec<&str> = dockerfiles.collect();
    let in_ci_folder = |path: &str| path.split('/').any(|segment| CI_FOLDERS.contains(&segment));
    let in_tooling_folder = |path: &str| {
        path.split_once('/')
            .is_some_and(|(first, _)| TOOLING_FOLDERS.contains(&first))
    };
    let in_docs_site = |path: &str| {
        path.split_once('/')
            .is_some_and(|(first, _)| DOCS_SITE_FOLDERS.contains(&first))
    };
    // Only when CI both publishes and names, literally, at least one of the product's
    // Dockerfiles is the set it builds known.
    let ci_builds_known = ci.publishes
        && ci.literal
        && dockerfiles
            .iter()
            .any(|d| !in_ci_folder(d) && !in_docs_site(d) && ci.names(d));
    let mut out = BTreeMap::new();
    for &path in &dockerfiles {
        let reason = if in_ci_folder(path) {
            "the container of a CI action: only CI runs it"
        } else if in_docs_site(path) {
            DOCS_SITE_IMAGE
        } else if ci_builds_known
            && path != "Dockerfile"
            && !deployed.contains(path)
            && !ci.names(path)
        {
            "CI publishes the project's images from other Dockerfiles, and no deployment builds this one"
        } else if in_tooling_folder(path)
            && ci.literal
            && !deployed.contains(path)
            && !ci.names(path)
        {
            "in the developer tooling folder, and neither CI nor a deployment builds it"
        } else {
            continue;
        };
        out.insert(path.to_string(), reason);
    }
    out
}

/// Why a file beside the documentation site's image is set aside.
const DOCS_SITE_SETUP: &str = "beside the documentation site's image: the site's own setup";

/// The Compose files, proxy configurations and env files in the folder of a
/// documentation-site image (rybbit's `docs/docker-compose.yml` and `docs/Caddyfile`,
/// which serve the docs site): the site's own setup. Only the folder itself: an example
/// configuration deeper in `docs/` may well be the documented deployment.
pub fn docs_site_setups<'a>(
    unshipped: &BTreeMap<String, &'static str>,
    files: impl Iterator<Item = &'a str>,
) -> BTreeMap<String, &'static str> {
    let folders: BTreeSet<&str> = unshipped
        .iter()
        .filter(|(_, reason)| **reason == DOCS_SITE_IMAGE)
        .map(|(path, _)| parent_dir(path))
        .collect();
    files
        .filter(|path| {
            folders.contains(parent_dir(path))
                && !is_dockerfile(path)
                && super::set_aside::may_be_set_aside(path)
        })
        .map(|path| (path.to_string(), DOCS_SITE_SETUP))
        .collect()
}

/// Why a documentation-site image is set aside.
const DOCS_SITE_IMAGE: &str = "the image of the documentation site, not of the product";

/// Dockerfiles in a folder (not the root) whose main Compose file (`docker-compose.yml`,
/// `compose.yaml`…) is a development setup that builds images, or below it, that neither
/// a deployment Compose file builds nor CI names: the development environment's other
/// images (vanilla's `docker/`, whose `docker-compose.yml` bind-mounts the source, holds
/// the xdebug PHP base images it is built on). A folder whose
/// main Compose file is a deployment (conductor's `docker/`, beside its `-e2e` variants)
/// keeps its images.
pub fn beside_development_compose<'a>(
    dockerfiles: impl Iterator<Item = &'a str>,
    builds: &[ComposeBuild],
    ci: &CiBuilds<'_>,
    deployed: &BTreeSet<String>,
) -> BTreeMap<String, &'static str> {
    let is_main = |path: &str| {
        matches!(
            file_name(path),
            "docker-compose.yml" | "docker-compose.yaml" | "compose.yml" | "compose.yaml"
        )
    };
    let folders: BTreeSet<&str> = builds
        .iter()
        .filter(|b| b.development && !b.dir.is_empty() && is_main(&b.path))
        .map(|b| b.dir.as_str())
        .collect();
    if folders.is_empty() {
        return BTreeMap::new();
    }
    dockerfiles
        .filter(|path| {
            folders.iter().any(|folder| {
                path.strip_prefix(folder)
                    .is_some_and(|rest| rest.starts_with('/'))
            }) && !deployed.contains(*path)
                && !ci.names(path)
        })
        .map(|path| {
            (
                path.to_string(),
                "beside a development Compose file, built by no deployment and no CI job",
            )
        })
        .collect()
}

/// Compose files in a subfolder whose every building service builds, from source and
/// without naming an image to pull, a Dockerfile CI publishes: contributors' stacks.
pub fn compose_files_building_published(
    builds: &[ComposeBuild],
    env_files: &[EnvFile],
    ci: &CiBuilds<'_>,
) -> BTreeMap<String, &'static str> {
    if !ci.publishes {
        return BTreeMap::new();
    }
    let mut verdicts: BTreeMap<&str, bool> = BTreeMap::new();
    for b in builds.iter().filter(|b| !b.development) {
        let from_published_source =
            !b.keys.contains("image") && dockerfile_of(b, env_files).is_some_and(|d| ci.names(&d));
        let verdict = verdicts.entry(b.path.as_str()).or_insert(true);
        *verdict &= from_published_source;
    }
    verdicts
        .into_iter()
        .filter(|(path, all)| {
            let lower = path.to_ascii_lowercase();
            *all && path.contains('/')
                && !lower
                    .split(['/', '.', '-', '_'])
                    .any(|w| DEPLOYMENT_WORDS.contains(&w))
                && !DEPLOYMENT_WORDS
                    .iter()
                    .any(|w| w.contains('-') && lower.contains(w))
        })
        .map(|(path, _)| {
            (
                path.to_string(),
                "builds from source an image the project's CI publishes: a contributors' stack",
            )
        })
        .collect()
}

/// Root Compose files whose every service builds from source, without naming an image to
/// pull, while the documentation has operators pull the project's published image
/// (seatsurfing's README and `example/` Compose file run `ghcr.io/seatsurfing/backend`):
/// the deployment is the documented one, and the root file is the contributors' stack.
/// A root file that itself pulls the project's image is kept.
pub fn root_compose_files_building_from_source(
    builds: &[ComposeBuild],
    documentation_pulls_own_image: bool,
    files_pulling_own_image: &BTreeSet<&str>,
) -> BTreeMap<String, &'static str> {
    if !documentation_pulls_own_image {
        return BTreeMap::new();
    }
    let mut verdicts: BTreeMap<&str, bool> = BTreeMap::new();
    for b in builds.iter().filter(|b| b.dir.is_empty() && !b.development) {
        let verdict = verdicts.entry(b.path.as_str()).or_insert(true);
        *verdict &= !b.keys.contains("image");
    }
    verdicts
        .into_iter()
        .filter(|(path, all)| *all && !files_pulling_own_image.contains(path))
        .map(|(path, _)| {
            (
                path.to_string(),
                "builds from source the image the documentation has operators pull: a contributors' stack",
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const WANDERER_CI: &str = "      - run: |\n          docker buildx build db/ --no-cache -t flomp/wanderer-db:$VERSION --push\n          docker buildx build web/ -t flomp/wanderer-web:$VERSION --push\n";

    #[test]
    fn names_paths_names_and_contexts() {
        let ci = CiBuilds::new(WANDERER_CI);
        assert!(ci.literal);
        assert!(ci.names("db/Dockerfile"));
        assert!(ci.names("web/Dockerfile"));
        assert!(!ci.names("search/Dockerfile"));
        // The `build` of `docker buildx build` is no build context `build/`.
        assert!(!ci.names("build/Dockerfile"));
        let dockerfiles = [
            "Dockerfile",
            "db/Dockerfile",
            "web/Dockerfile",
            "search/Dockerfile",
        ];
        assert_eq!(
            ci.dockerfile_of_image("wanderer-db", &dockerfiles),
            Some("db/Dockerfile")
        );
        assert_eq!(
            ci.dockerfile_of_image("wanderer-web", &dockerfiles),
            Some("web/Dockerfile")
        );
        assert_eq!(ci.dockerfile_of_image("wanderer", &dockerfiles), None);
        let ci = CiBuilds::new("  file: docker/standard/Dockerfile\n  -f Dockerfile.cli-tool\n");
        assert!(ci.names("docker/standard/Dockerfile"));
        assert!(ci.names("Dockerfile.cli-tool"));
        assert!(!ci.names("docker/oidc/Dockerfile"));
        let ci = CiBuilds::new("  context: ./server\n");
        assert!(ci.names("server/Dockerfile"));
        assert!(!ci.names("server/worker/Dockerfile"));
    }

    #[test]
    fn unshipped_dockerfiles() {
        let ci = CiBuilds::new(WANDERER_CI);
        let files = [
            "Dockerfile",
            "db/Dockerfile",
            "web/Dockerfile",
            "search/Dockerfile",
            "compose-built/Dockerfile",
            "docs/Dockerfile",
            ".github/actions/ansible/Dockerfile",
        ];
        let deployed = BTreeSet::from(["compose-built/Dockerfile".to_string()]);
        let out = dockerfiles(files.iter().copied(), &ci, &deployed);
        let paths: Vec<&str> = out.keys().map(String::as_str).collect();
        assert_eq!(
            paths,
            [
                ".github/actions/ansible/Dockerfile",
                "docs/Dockerfile",
                "search/Dockerfile"
            ]
        );
        let beside = [
            "docs/docker-compose.yml",
            "docs/Caddyfile",
            "docs/package.json",
            "docs/examples/nginx.conf",
            "docker-compose.yml",
        ];
        let setups = docs_site_setups(&out, beside.iter().copied());
        let paths: Vec<&str> = setups.keys().map(String::as_str).collect();
        assert_eq!(paths, ["docs/Caddyfile", "docs/docker-compose.yml"]);
    }

    #[test]
    fn unknown_ci_builds_keep_every_dockerfile() {
        let files = ["db/Dockerfile", "search/Dockerfile"];
        let none = BTreeSet::new();
        // A variable build context: what CI builds is unknown.
        let ci = CiBuilds::new(
            "  uses: docker/build-push-action@v6\n  context: ${{ matrix.dir }}\n  context: db\n",
        );
        assert!(dockerfiles(files.iter().copied(), &ci, &none).is_empty());
        // A matrix variable without written values is unknown too.
        let ci = CiBuilds::new(
            "  uses: docker/build-push-action@v6\n  file: ${{ matrix.dockerfile }}\n  file: db/Dockerfile\n",
        );
        assert!(dockerfiles(files.iter().copied(), &ci, &none).is_empty());
        // CI that publishes nothing says nothing about what ships.
        let ci = CiBuilds::new("  run: docker buildx build db/ -t flomp/wanderer-db:$VERSION\n");
        assert!(dockerfiles(files.iter().copied(), &ci, &none).is_empty());
    }

    #[test]
    fn developer_tooling_images() {
        let files = [
            "tools/Dockerfile",
            "tools/release/Dockerfile",
            "tools_docker/Dockerfile",
        ];
        let none = BTreeSet::new();
        let ci = CiBuilds::new("  run: docker build -f tools/release/Dockerfile .\n");
        let out = dockerfiles(files.iter().copied(), &ci, &none);
        let paths: Vec<&str> = out.keys().map(String::as_str).collect();
        assert_eq!(paths, ["tools/Dockerfile"]);
        // What CI builds is unknown: every image is kept.
        let ci = CiBuilds::new("  file: ${{ matrix.dockerfile }}\n");
        assert!(dockerfiles(files.iter().copied(), &ci, &none).is_empty());
    }

    #[test]
    fn matrix_values_name_what_ci_builds() {
        // Piped: the OpenJ9 image is commented out of the publish matrix (comment lines
        // never reach CiBuilds).
        let ci = CiBuilds::new(
            "    strategy:\n      matrix:\n        include:\n          - image: piped:hotspot\n            dockerfile: ./Dockerfile.ci\n          - image: piped:azul\n            dockerfile: ./Dockerfile.azul.ci\n        jdk:\n          - Dockerfile.graalvm.ci\n    steps:\n      - uses: docker/build-push-action@v6\n        with:\n          file: ${{ matrix.dockerfile }}\n          file: ${{ matrix.jdk }}\n",
        );
        assert!(ci.literal);
        let files = [
            "Dockerfile",
            "Dockerfile.ci",
            "Dockerfile.azul.ci",
            "Dockerfile.graalvm.ci",
            "Dockerfile.openj9.ci",
        ];
        let out = dockerfiles(files.iter().copied(), &ci, &BTreeSet::new());
        let paths: Vec<&str> = out.keys().map(String::as_str).collect();
        assert_eq!(paths, ["Dockerfile.openj9.ci"]);
    }

    fn build(path: &str, context: &str, dockerfile: &str, keys: &[&str]) -> ComposeBuild {
        ComposeBuild {
            path: path.to_string(),
            line: 1,
            dir: parent_dir(path).to_string(),
            context: context.to_string(),
            dockerfile: Some(dockerfile.to_string()),
            keys: keys.iter().map(|k| k.to_string()).collect(),
            deprecated: false,
            development: false,
        }
    }

    #[test]
    fn root_compose_files_building_what_the_docs_pull() {
        let builds = [
            build(
                "docker-compose.yaml",
                ".",
                "Dockerfile",
                &["build", "ports"],
            ),
            build("compose.yml", ".", "Dockerfile", &["build", "image"]),
            build("deploy/docker-compose.yml", "..", "Dockerfile", &["build"]),
        ];
        let none = BTreeSet::new();
        let out = root_compose_files_building_from_source(&builds, true, &none);
        assert_eq!(out.keys().collect::<Vec<_>>(), ["docker-compose.yaml"]);
        assert!(root_compose_files_building_from_source(&builds, false, &none).is_empty());
        let pulling = BTreeSet::from(["docker-compose.yaml"]);
        assert!(root_compose_files_building_from_source(&builds, true, &pulling).is_empty());
    }

    #[test]
    fn contributors_compose_files() {
        let ci = CiBuilds::new(
            "  uses: docker/build-push-action@v6\n  file: docker/standard/Dockerfile\n",
        );
        let builds = [
            build(
                "docker/standard/docker-compose.yml",
                "../..",
                "docker/standard/Dockerfile",
                &["build", "ports"],
            ),
            // Names the image it builds: `docker compose pull` takes the published one.
            build(
                "docker/pull/docker-compose.yml",
                "../..",
                "docker/standard/Dockerfile",
                &["build", "image"],
            ),
            // At the root, or named for production: presented as the deployment.
            build(
                "docker-compose.yml",
                ".",
                "docker/standard/Dockerfile",
                &["build"],
            ),
            build(
                "deploy/docker-compose.yml",
                "..",
                "docker/standard/Dockerfile",
                &["build"],
            ),
            // Builds a Dockerfile CI does not publish.
            build(
                "docker/other/docker-compose.yml",
                "../..",
                "docker/other/Dockerfile",
                &["build"],
            ),
        ];
        let out = compose_files_building_published(&builds, &[], &ci);
        let paths: Vec<&str> = out.keys().map(String::as_str).collect();
        assert_eq!(paths, ["docker/standard/docker-compose.yml"]);
        let quiet = CiBuilds::new("  file: docker/standard/Dockerfile\n");
        assert!(compose_files_building_published(&builds, &[], &quiet).is_empty());
    }
}
