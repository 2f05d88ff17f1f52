//! Which Dockerfiles a Compose file builds, and what each building service sets
//! itself: a `healthcheck:` in the service is the image's health check as Compose runs
//! it, a `user:` its user. Content rules name such keys in `unless_compose_sets`, so
//! opentelemetry-demo's `src/ad/Dockerfile`, whose `ad` service has a health check in
//! `compose.yaml`, is not reported for lacking a `HEALTHCHECK`.

use crate::doc::{Node, Scalar, Value};
use crate::inventory::classify::{normalize, parent_dir};
use crate::inventory::EnvFile;
use regex::Regex;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::LazyLock;

/// One service with a `build:` section, as written (variables unresolved).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ComposeBuild {
    /// The Compose file and the service's line in it.
    pub path: String,
    pub line: u32,
    /// The Compose file's folder, relative to the target root (`""` at the root).
    pub dir: String,
    pub context: String,
    pub dockerfile: Option<String>,
    /// The service's own keys (`healthcheck`, `user`…).
    pub keys: BTreeSet<String>,
    /// Every profile the service starts under is named for retired services
    /// (`profiles: ["deprecated"]`): kept for old setups, not for new deployments.
    pub deprecated: bool,
    /// The Compose file is a development setup (by its folder, name, header or content).
    pub development: bool,
}

/// Profile names for services a Compose file keeps only for old setups.
const RETIRED_PROFILES: &[&str] = &["deprecated", "legacy", "obsolete", "old"];

/// The `build:` services of every document of a Compose file.
pub fn builds_in(path: &str, docs: &[Node], development: bool) -> Vec<ComposeBuild> {
    let dir = parent_dir(path).to_string();
    let mut out = Vec::new();
    for doc in docs {
        let Some(Value::Map(services)) = doc.get("services").map(|s| &s.value) else {
            continue;
        };
        for (_, service) in services {
            let Some(build) = service.get("build") else {
                continue;
            };
            let (context, dockerfile) = match &build.value {
                Value::Scalar(Scalar::Str(c)) => (c.clone(), None),
                Value::Map(_) => (
                    text(build.get("context")).unwrap_or_else(|| ".".to_string()),
                    text(build.get("dockerfile")),
                ),
                _ => continue,
            };
            let keys = service_keys(service);
            let deprecated = match service.get("profiles").map(|p| &p.value) {
                Some(Value::Seq(profiles)) if !profiles.is_empty() => {
                    profiles.iter().all(|p| {
                        p.as_scalar().is_some_and(|s| {
                            matches!(s, Scalar::Str(name) if RETIRED_PROFILES.contains(&name.to_ascii_lowercase().as_str()))
                        })
                    })
                }
                _ => false,
            };
            out.push(ComposeBuild {
                development,
                deprecated,
                path: path.to_string(),
                line: service.line,
                dir: dir.clone(),
                context,
                dockerfile,
                keys,
            });
        }
    }
    out
}

/// The keys a service sets itself (`healthcheck`, `user`…), less those it disables
/// (`healthcheck: {disable: true}`).
fn service_keys(service: &Node) -> BTreeSet<String> {
    match &service.value {
        Value::Map(entries) => entries
            .iter()
            .filter(|(k, v)| !disabled(k, v))
            .map(|(k, _)| k.clone())
            .collect(),
        _ => BTreeSet::new(),
    }
}

/// A service that pulls an image instead of building one, at the service's line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PulledImage {
    pub path: String,
    pub line: u32,
    pub image: String,
    /// The service's own keys (`healthcheck`, `user`…).
    pub keys: BTreeSet<String>,
}

/// The services of a Compose file that pull an image (`image:` without `build:`).
pub fn pulled_images(path: &str, docs: &[Node]) -> Vec<PulledImage> {
    let mut out = Vec::new();
    for doc in docs {
        let Some(Value::Map(services)) = doc.get("services").map(|s| &s.value) else {
            continue;
        };
        for (_, service) in services {
            if service.get("build").is_some() {
                continue;
            }
            if let Some(image) = text(service.get("image")) {
                out.push(PulledImage {
                    path: path.to_string(),
                    line: service.line,
                    image,
                    keys: service_keys(service),
                });
            }
        }
    }
    out
}

/// Whether a Compose file sits in an example or documentation folder (`example/`,
/// `docs/compose/`): what it pulls is what the documentation has operators run.
pub fn is_documented_example(path: &str) -> bool {
    crate::inventory::classify::is_in_docs_folder(path)
        || crate::inventory::classify::is_in_example_folder(path)
}

/// The images a README's examples pull: `image:` lines of a Compose snippet and
/// `docker pull` commands.
pub fn images_in_readme(text: &str) -> Vec<String> {
    static IMAGE: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(
            r#"(?m)^[ \t]*image:[ \t]*["']?([A-Za-z0-9][\w./:@-]*)|\bdocker[ \t]+pull[ \t]+([A-Za-z0-9][\w./:@-]*)"#,
        )
        .expect("README image pattern compiles")
    });
    IMAGE
        .captures_iter(text)
        .filter_map(|c| c.get(1).or_else(|| c.get(2)))
        .map(|m| m.as_str().to_string())
        .collect()
}

/// The one-shot jobs of a Compose file (a migration, a `chown` of a volume) that run and
/// exit, at their lines, so a restart policy, a health check or a resource limit is no
/// concern of theirs: services another waits on to finish
/// (`depends_on: {migrate: {condition: service_completed_successfully}}`), services
/// told never to restart (`restart: "no"`), services named for a schema migration
/// (bigcapital's `database_migration`, which waits for the database, migrates and exits),
/// and services whose command builds the front end into a shared volume and exits
/// (padloc's `pwa`, `command: ["build"]`; `npm run build`).
pub fn one_shot_jobs(path: &str, docs: &[Node]) -> Vec<(String, u32)> {
    let mut out = awaited(path, docs, "service_completed_successfully");
    for doc in docs {
        let Some(Value::Map(services)) = doc.get("services").map(|s| &s.value) else {
            continue;
        };
        for (name, service) in services {
            // An unquoted `restart: no` reads as YAML 1.1's false.
            let never_restarts = service
                .get("restart")
                .and_then(Node::as_scalar)
                .is_some_and(|r| {
                    r.loosely_equals(&Scalar::Str("no".to_string()))
                        || r.loosely_equals(&Scalar::Bool(false))
                });
            if never_restarts || is_migration_job_name(name) || runs_a_build(service) {
                out.push((path.to_string(), service.line));
            }
        }
    }
    out.sort();
    out.dedup();
    out
}

/// Whether a service's command is a build: `build` as the whole command handed to the
/// image's entry point, or a package manager's build script.
fn runs_a_build(service: &Node) -> bool {
    let command: Vec<String> = match service.get("command").map(|c| &c.value) {
        Some(Value::Seq(items)) => items.iter().filter_map(|i| text(Some(i))).collect(),
        _ => text(service.get("command"))
            .map(|c| c.split_whitespace().map(str::to_string).collect())
            .unwrap_or_default(),
    };
    let command: Vec<&str> = command.iter().map(String::as_str).collect();
    matches!(
        command.as_slice(),
        ["build"]
            | ["npm", "run", "build"]
            | ["yarn", "build"]
            | ["yarn", "run", "build"]
            | ["pnpm", "build"]
            | ["pnpm", "run", "build"]
    )
}

/// `migrate`, `migration`, `db-migrations`, `database_migration`, `migrator`, `api-migrate`.
fn is_migration_job_name(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    lower
        .rsplit(['-', '_'])
        .next()
        .is_some_and(|last| matches!(last, "migrate" | "migration" | "migrations" | "migrator"))
}

/// The services of a Compose file that another service waits on to report healthy
/// (`depends_on: {db: {condition: service_healthy}}`), at their lines. Compose starts
/// the dependent only once the dependency is healthy, so the dependency has a health
/// check: its own, or its image's (`pgautoupgrade/pgautoupgrade` declares one).
pub fn awaited_healthy(path: &str, docs: &[Node]) -> Vec<(String, u32)> {
    awaited(path, docs, "service_healthy")
}

fn awaited(path: &str, docs: &[Node], condition: &str) -> Vec<(String, u32)> {
    let mut out = Vec::new();
    for doc in docs {
        let Some(Value::Map(services)) = doc.get("services").map(|s| &s.value) else {
            continue;
        };
        for (_, service) in services {
            let Some(Value::Map(dependencies)) = service.get("depends_on").map(|d| &d.value) else {
                continue;
            };
            for (name, dependency) in dependencies {
                let completes = text(dependency.get("condition")).is_some_and(|c| c == condition);
                if let (true, Some(job)) = (completes, services.iter().find(|(n, _)| n == name)) {
                    out.push((path.to_string(), job.1.line));
                }
            }
        }
    }
    out.sort();
    out.dedup();
    out
}

/// Image references that CI configuration publishes: `images: etherpad/etherpad`
/// (docker/metadata-action), `tags: ghcr.io/acme/app:1.2`, `docker build -t acme/app`,
/// `docker push acme/app`.
static PUBLISHED_IMAGE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?m)(?:^[ \t]*-?[ \t]*(?:images|tags)[ \t]*:[ \t]*|[ \t](?:-t|--tag)[ \t=]+|\bdocker[ \t]+(?:image[ \t]+)?push[ \t]+)[\x22']?((?:[A-Za-z0-9.-]+(?::[0-9]+)?/)?[A-Za-z0-9._-]+/[A-Za-z0-9._-]+)",
    )
    .expect("published image pattern compiles")
});

/// The repository names (`etherpad` for `etherpad/etherpad:latest`) of the images the
/// project's CI configuration publishes: its own images, whatever the repository is
/// called (`etherpad-lite`).
pub fn published_image_names(ci_text: &str) -> BTreeSet<String> {
    PUBLISHED_IMAGE
        .captures_iter(ci_text)
        .map(|c| image_name(&c[1]))
        .filter(|name| !name.is_empty() && !name.contains('$'))
        .collect()
}

/// The repository part of an image reference, lower-cased: `uptime-kuma` for
/// `louislam/uptime-kuma:2`, `linkwarden` for `ghcr.io/linkwarden/linkwarden@sha256:…`.
/// An image given as a variable with a default (`${WHOOGLE_IMAGE:-benbusby/whoogle-search}`)
/// is the default.
/// The namespace an image is published under, lower-cased: `mailu` for
/// `ghcr.io/mailu/nginx:2.0` and for `${DOCKER_ORG:-mailu}/setup` (a variable's default
/// stands for it). `None` for an image without one (`redis:7`).
pub fn image_namespace(image: &str) -> Option<String> {
    let mut resolved = String::new();
    let mut rest = image.trim();
    while let Some(start) = rest.find("${") {
        resolved.push_str(&rest[..start]);
        let inner = &rest[start + 2..];
        let end = inner.find('}')?;
        let default = inner[..end]
            .split_once('-')
            .map(|(_, d)| d.trim_start_matches(['-', '=']))?;
        resolved.push_str(default);
        rest = &inner[end + 1..];
    }
    resolved.push_str(rest);
    let without_digest = resolved.split('@').next().unwrap_or(&resolved);
    let segments: Vec<&str> = without_digest.split('/').collect();
    let namespace = segments.len().checked_sub(2).map(|i| segments[i])?;
    (!namespace.is_empty() && !namespace.contains(['.', ':', '$']))
        .then(|| namespace.to_ascii_lowercase())
}

/// The Dockerfile among `dockerfiles` an own image named `<project>-<part>` is built
/// from: the only one in a folder named `<part>` (`openpanel-api` from
/// `apps/api/Dockerfile`) or named for it (`Dockerfile.api`, `api.Dockerfile`).
pub fn dockerfile_named_for<'d>(
    image_name: &str,
    own_names: &std::collections::BTreeSet<String>,
    dockerfiles: &[&'d str],
) -> Option<&'d str> {
    let part = own_names.iter().find_map(|own| {
        image_name
            .strip_prefix(own.as_str())
            .and_then(|rest| rest.strip_prefix(['-', '_']))
            .filter(|part| !part.is_empty())
    })?;
    let mut found = dockerfiles.iter().filter(|path| {
        let name = crate::inventory::classify::file_name(path).to_ascii_lowercase();
        let folder = crate::inventory::classify::parent_dir(path)
            .rsplit('/')
            .next()
            .unwrap_or("")
            .to_ascii_lowercase();
        (folder == part && name == "dockerfile")
            || name == format!("dockerfile.{part}")
            || name == format!("{part}.dockerfile")
    });
    match (found.next(), found.next()) {
        (Some(only), None) => Some(only),
        _ => None,
    }
}

pub fn image_name(image: &str) -> String {
    let image = image
        .trim()
        .strip_prefix("${")
        .and_then(|rest| rest.strip_suffix('}'))
        .and_then(|inner| inner.split_once('-'))
        .map_or(image, |(_, default)| default);
    let without_digest = image.split('@').next().unwrap_or(image);
    let last = without_digest.rsplit('/').next().unwrap_or(without_digest);
    last.split(':').next().unwrap_or(last).to_ascii_lowercase()
}

fn text(node: Option<&Node>) -> Option<String> {
    match node?.as_scalar()? {
        Scalar::Str(s) => Some(s.clone()),
        _ => None,
    }
}

/// `healthcheck: {disable: true}` switches the image's check off: it is no check.
fn disabled(key: &str, value: &Node) -> bool {
    key == "healthcheck"
        && value
            .get("disable")
            .and_then(Node::as_scalar)
            .is_some_and(|s| s.loosely_equals(&Scalar::Bool(true)))
}

/// Dockerfile path (relative to the target root) → the keys set by the services that
/// build it.
pub fn keys_by_dockerfile(
    builds: &[ComposeBuild],
    env_files: &[EnvFile],
) -> BTreeMap<String, BTreeSet<String>> {
    let mut out: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for b in builds.iter().filter(|b| !b.development) {
        if let Some(path) = dockerfile_of(b, env_files) {
            out.entry(path).or_default().extend(b.keys.iter().cloned());
        }
    }
    out
}

/// The Dockerfiles that the current services of deployment Compose files build.
pub fn deployment_dockerfiles(builds: &[ComposeBuild], env_files: &[EnvFile]) -> BTreeSet<String> {
    builds
        .iter()
        .filter(|b| !b.development && !b.deprecated)
        .filter_map(|b| dockerfile_of(b, env_files))
        .collect()
}

/// The services (Compose file, line) that build one of `dockerfiles`: they run the
/// image that Dockerfile makes, its `HEALTHCHECK` included.
pub fn services_building(
    builds: &[ComposeBuild],
    env_files: &[EnvFile],
    dockerfiles: &BTreeSet<String>,
) -> BTreeSet<(String, u32)> {
    builds
        .iter()
        .filter(|b| !b.development)
        .filter(|b| dockerfile_of(b, env_files).is_some_and(|d| dockerfiles.contains(&d)))
        .map(|b| (b.path.clone(), b.line))
        .collect()
}

/// Dockerfiles that Compose builds only outside a deployment, with the reason: only for
/// deprecated services (hoppscotch's `packages/hoppscotch-backend/Dockerfile`, behind
/// `profiles: ["deprecated"]`) or only from development Compose files (shlink's
/// `data/infra/php.Dockerfile`, built by a Compose file that bind-mounts the source).
/// A root `Dockerfile` and one that CI configuration names (`ci_text`: a path, or a
/// distinctive file name) may be what the project publishes, and are kept.
pub fn built_only_outside_deployments(
    builds: &[ComposeBuild],
    env_files: &[EnvFile],
    ci_text: &str,
) -> BTreeMap<String, &'static str> {
    let mut outside: BTreeMap<String, &'static str> = BTreeMap::new();
    let mut current = BTreeSet::new();
    for b in builds {
        let Some(path) = dockerfile_of(b, env_files) else {
            continue;
        };
        if b.deprecated && !b.development {
            outside.insert(path, "built only by deprecated Compose services");
        } else if b.development {
            outside
                .entry(path)
                .or_insert("built only by development Compose files");
        } else {
            current.insert(path);
        }
    }
    outside.retain(|path, _| {
        let name = crate::inventory::classify::file_name(path);
        let named_by_ci = names_whole(ci_text, path)
            || (!name.eq_ignore_ascii_case("Dockerfile") && names_whole(ci_text, name))
            || (name == "Dockerfile" && names_build_context(ci_text, parent_dir(path)));
        !current.contains(path) && path != "Dockerfile" && !named_by_ci
    });
    outside
}

/// Whether CI configuration builds the folder `dir` as a build context (`context: rust`
/// in docker/build-push-action, firezone's published gateway image): its `Dockerfile` is
/// what CI builds.
fn names_build_context(ci_text: &str, dir: &str) -> bool {
    !dir.is_empty()
        && ci_text.lines().any(|line| {
            line.trim_start()
                .trim_start_matches("- ")
                .strip_prefix("context:")
                .map(|value| {
                    value
                        .trim()
                        .trim_matches(['"', '\''])
                        .trim_start_matches("./")
                        .trim_end_matches('/')
                })
                .is_some_and(|value| value == dir)
        })
}

/// Whether `text` names `file` as a whole word: `Dockerfile.client.production` does
/// not name `Dockerfile.client` (your_spotify's development image).
pub fn names_whole(text: &str, file: &str) -> bool {
    let part_of_name = |c: char| c.is_alphanumeric() || matches!(c, '.' | '-' | '_');
    text.match_indices(file).any(|(at, _)| {
        !text[..at].chars().next_back().is_some_and(part_of_name)
            && !text[at + file.len()..]
                .chars()
                .next()
                .is_some_and(part_of_name)
    })
}

/// The Dockerfile a service builds, relative to the target root. Variables
/// (`dockerfile: ${AD_DOCKERFILE}`) are resolved from the `.env` beside the Compose
/// file, as `docker compose` does; an unresolvable one gives `None`.
pub(super) fn dockerfile_of(b: &ComposeBuild, env_files: &[EnvFile]) -> Option<String> {
    let env = env_files.iter().find(|f| {
        parent_dir(&f.path) == b.dir && crate::inventory::classify::file_name(&f.path) == ".env"
    });
    let resolve = |s: &str| interpolate(s, env);
    let context = resolve(&b.context)?;
    let dockerfile = match &b.dockerfile {
        Some(d) => resolve(d)?,
        None => "Dockerfile".to_string(),
    };
    // Compose resolves `dockerfile` against the context.
    normalize(&[&b.dir, &context, &dockerfile])
}

/// `${NAME}`, `$NAME` and `${NAME:-default}` from the env file; `None` when a name has
/// no value (the path is unknown).
fn interpolate(s: &str, env: Option<&EnvFile>) -> Option<String> {
    if !s.contains('$') {
        return Some(s.to_string());
    }
    let lookup = |name: &str| {
        env.and_then(|e| {
            e.parsed
                .entries
                .iter()
                .rev()
                .find(|x| x.key == name)
                .map(|x| x.value.clone())
        })
        .filter(|v| !v.is_empty())
    };
    let mut out = String::new();
    let mut rest = s;
    while let Some(at) = rest.find('$') {
        out.push_str(&rest[..at]);
        let after = &rest[at + 1..];
        if let Some(inner) = after.strip_prefix('{') {
            let end = inner.find('}')?;
            let expr = &inner[..end];
            let (name, op) = expr.split_at(identifier_len(expr));
            let value = match op.trim_start_matches(':').split_at_checked(1) {
                None => lookup(name),
                Some(("-", default)) => lookup(name).or_else(|| Some(default.to_string())),
                // `${X:?message}` requires the variable; `${X:+alt}` is not followed.
                Some(("?", _)) => lookup(name),
                Some(_) => None,
            };
            out.push_str(&value?);
            rest = &inner[end + 1..];
        } else {
            let len = identifier_len(after);
            if len == 0 {
                return None;
            }
            out.push_str(&lookup(&after[..len])?);
            rest = &after[len..];
        }
    }
    out.push_str(rest);
    Some(out)
}

fn identifier_len(s: &str) -> usize {
    s.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(s.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn images_a_readme_has_operators_pull() {
        let readme = "```yaml\nservices:\n  server:\n    image: ghcr.io/seatsurfing/backend\n  db:\n    image: \"postgres:17\"\n```\nOr `docker pull acme/app:1.2`.\n";
        assert_eq!(
            images_in_readme(readme),
            ["ghcr.io/seatsurfing/backend", "postgres:17", "acme/app:1.2"]
        );
        assert!(crate::inventory::classify::is_root_readme("README.md"));
        assert!(!crate::inventory::classify::is_root_readme(
            "docs/README.md"
        ));
        assert!(is_documented_example("example/docker-compose.yml"));
        assert!(is_documented_example("docs/compose/compose.yaml"));
        assert!(!is_documented_example("docker-compose.yml"));
        assert!(is_documented_example("example-docker/docker-compose.yml"));
        assert!(is_documented_example("deploy/samples/compose.yaml"));
        assert!(!is_documented_example("counterexample/docker-compose.yml"));
    }

    #[test]
    fn dockerfiles_named_for_a_part() {
        let own = std::collections::BTreeSet::from(["openpanel".to_string()]);
        let files = [
            "apps/api/Dockerfile",
            "apps/start/Dockerfile",
            "Dockerfile.worker",
        ];
        let of = |image: &str| dockerfile_named_for(image, &own, &files);
        assert_eq!(of("openpanel-api"), Some("apps/api/Dockerfile"));
        assert_eq!(of("openpanel-worker"), Some("Dockerfile.worker"));
        assert_eq!(of("openpanel-dashboard"), None);
        assert_eq!(of("openpanel"), None);
        assert_eq!(of("other-api"), None);
    }

    #[test]
    fn image_namespaces() {
        let ns = |image: &str| image_namespace(image);
        assert_eq!(ns("ghcr.io/Mailu/nginx:2.0").as_deref(), Some("mailu"));
        assert_eq!(ns("mailu/nginx:$VERSION").as_deref(), Some("mailu"));
        assert_eq!(
            ns("${DOCKER_ORG:-mailu}/setup:${MAILU_VERSION:-master}").as_deref(),
            Some("mailu")
        );
        assert_eq!(
            ns("${DOCKER_ORG:-ghcr.io/mailu}/admin").as_deref(),
            Some("mailu")
        );
        assert_eq!(ns("redis:7"), None);
        assert_eq!(ns("quay.io/keycloak"), None);
        assert_eq!(ns("${REGISTRY}/app"), None);
    }

    #[test]
    fn whole_file_names() {
        assert!(super::names_whole(
            "file: ./Dockerfile.client\n",
            "Dockerfile.client"
        ));
        assert!(super::names_whole(
            "-f docker/app.Dockerfile .",
            "docker/app.Dockerfile"
        ));
        assert!(!super::names_whole(
            "file: ./Dockerfile.client.production\n",
            "Dockerfile.client"
        ));
        assert!(!super::names_whole("file: web.Dockerfile", "b.Dockerfile"));
    }

    #[test]
    fn images_ci_publishes() {
        let ci = "      - uses: docker/metadata-action@v5\n        with:\n          images: etherpad/etherpad\n      - run: docker build -t ghcr.io/acme/api:${{ github.sha }} .\n      - run: docker push registry.example.com:5000/team/worker:1.2\n          tags: ${{ steps.meta.outputs.tags }}\n";
        let names: Vec<String> = published_image_names(ci).into_iter().collect();
        assert_eq!(names, ["api", "etherpad", "worker"]);
    }

    #[test]
    fn image_names() {
        assert_eq!(image_name("louislam/uptime-kuma:2"), "uptime-kuma");
        assert_eq!(
            image_name("${WHOOGLE_IMAGE:-benbusby/whoogle-search}"),
            "whoogle-search"
        );
        assert_eq!(image_name("${IMAGE-ghcr.io/acme/app:1.2}"), "app");
        assert_eq!(image_name("ghcr.io/acme/app@sha256:00"), "app");
    }
    use crate::doc::{parse_documents, DocFormat};
    use crate::inventory::parse_env;

    fn keys(compose: &str, env: &str) -> BTreeMap<String, BTreeSet<String>> {
        let docs = parse_documents(DocFormat::Yaml, compose).unwrap();
        let builds = builds_in("deploy/compose.yaml", &docs, false);
        let env = EnvFile {
            path: "deploy/.env".to_string(),
            gitignored: false,
            parsed: parse_env(env),
        };
        keys_by_dockerfile(&builds, &[env])
    }

    #[test]
    fn build_paths_resolve_like_compose() {
        let k = keys(
            "services:\n  ad:\n    build:\n      context: ../\n      dockerfile: ${AD_DOCKERFILE}\n    healthcheck:\n      test: [CMD, true]\n  web:\n    build: ./web\n    user: \"1000\"\n  off:\n    build: {context: ../off}\n    healthcheck: {disable: true}\n  unknown:\n    build: {context: ., dockerfile: $MISSING}\n",
            "AD_DOCKERFILE=./src/ad/Dockerfile\n",
        );
        assert!(k["src/ad/Dockerfile"].contains("healthcheck"));
        assert!(k["deploy/web/Dockerfile"].contains("user"));
        assert!(!k["off/Dockerfile"].contains("healthcheck"));
        assert_eq!(k.len(), 3);
    }

    #[test]
    fn interpolation() {
        assert_eq!(interpolate("${X:-a/b}/c", None).as_deref(), Some("a/b/c"));
        assert_eq!(interpolate("$X", None), None);
        assert_eq!(interpolate("${X:?set-it}/Dockerfile", None), None);
        assert_eq!(interpolate("${X-a}", None).as_deref(), Some("a"));
        assert_eq!(interpolate("${X:+b}", None), None);
        assert_eq!(normalize(&["a", "../..", "b"]), None);
        assert_eq!(
            normalize(&["", "./", "Dockerfile"]).as_deref(),
            Some("Dockerfile")
        );
    }
}
