//! What the services of a Compose file say about its purpose. A reader takes a file
//! that runs a mail catcher, mounts the source tree into a container, pulls the
//! project's `:develop` images or starts nothing but databases for a developer's
//! stack, not for the deployment; so does launchgate, and no rule judges it as one.

use crate::doc::{Node, Scalar, Value};
use regex::Regex;
use std::collections::BTreeMap;
use std::sync::LazyLock;

/// Why a Compose file is a developer's stack.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DeveloperStack {
    /// A browser or load-test runner, a mail catcher or a cloud emulator.
    TestTool,
    /// The project's source tree bind-mounted into a service (`.:/app`).
    SourceMount,
    /// An image from a development channel (`:dev`, `:develop`, `:develop-latest`, `:nightly`…).
    DevelopmentImage,
    /// A service builds the development stage of its Dockerfile (`target: dev`), while
    /// the published image is built from another stage (astuto's `target: prod`), or a
    /// Dockerfile named for development (ChiefOnboarding's `dockerfile: ./Dockerfile-dev`).
    DevelopmentTarget,
    /// Only databases, caches, queues, trace viewers and their admin consoles: the dependencies a
    /// developer starts next to the code.
    BackingServicesOnly,
    /// A service runs the application in its test or development environment
    /// (`RAILS_ENVIRONMENT: test`, `NODE_ENV=development`), or with a configuration file
    /// named for one (`./contrib/isso-dev.cfg`).
    TestEnvironment,
    /// Three or more services build the same image side by side (`lemmy-alpha`,
    /// `lemmy-beta`, `lemmy-gamma`): several instances of the application on one
    /// machine, a local test of federation or clustering. A deployment scales with
    /// `replicas`, not with copies.
    LocalCluster,
    /// A service keeps its data in the build output folder (`../build/db-data`), which
    /// a clean build deletes: nobody keeps production data there.
    BuildOutputData,
}

impl DeveloperStack {
    /// Why the file is a developer's stack, as the report says it.
    pub fn reason(self) -> &'static str {
        match self {
            DeveloperStack::TestTool => "a service is a test runner, mail catcher or emulator",
            DeveloperStack::SourceMount => "the source tree is bind-mounted into a service",
            DeveloperStack::DevelopmentImage => {
                "a service runs a development-channel image (:dev, :nightly…)"
            }
            DeveloperStack::DevelopmentTarget => {
                "a service builds a development stage, Dockerfile or folder (target: dev, Dockerfile-dev, ./docker/local-postgres)"
            }
            DeveloperStack::BackingServicesOnly => {
                "only databases, caches and queues, nothing built"
            }
            DeveloperStack::TestEnvironment => {
                "a service runs the application in its test or development environment"
            }
            DeveloperStack::LocalCluster => {
                "several services build the same image to run side by side (a local cluster)"
            }
            DeveloperStack::BuildOutputData => {
                "a service keeps its data in the build output folder (../build/db-data)"
            }
        }
    }
}

static TEST_TOOL_IMAGE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)(?:^|/)(?:cypress|playwright|selenium|standalone-chrome|testcafe|k6|locust|mailhog|mailpit|maildev|smtp4dev|mailcatcher|(?:docker-)?mailslurper|greenmail|localstack|azurite|fake-gcs-server|ps-http-sim)(?:[/:@-]|$)|(?:^|/)(?:dynamodb|documentdb|cosmosdb|spanner|firestore|pubsub|datastore|bigtable)[a-z0-9-]*-local(?:[:@]|$)|(?:^|/)[a-z0-9._-]+-(?:emulator|simulator)(?:[:@]|$)",
    )
    .expect("test tool image pattern compiles")
});

static DEVELOPMENT_TAG: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i):(?:dev|devel|develop|development|nightly|canary|unstable)(?:-latest)?$")
        .expect("development tag pattern compiles")
});

/// A companion that obtains public certificates from Let's Encrypt for the proxy in
/// front: no developer's machine gets one, so the stack is a deployment.
static ACME_COMPANION_IMAGE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)(?:^|/)(?:acme-companion|letsencrypt-nginx-proxy-companion)(?:[:@]|$)")
        .expect("ACME companion image pattern compiles")
});

static BACKING_SERVICE_IMAGE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)^(?:[a-z0-9.-]+(?::[0-9]+)?/)?(?:[a-z0-9._-]+/)*(?:postgres|postgresql|postgis|pgvector|mysql|mariadb|percona|mongo|mongodb|mongo-express|redis|redis-stack|redis-stack-server|valkey|keydb|dragonfly|memcached|elasticsearch|opensearch|rabbitmq|kafka|cp-kafka|zookeeper|cp-zookeeper|cassandra|scylla|clickhouse|clickhouse-server|minio|nats|etcd|adminer|pgadmin4|phpmyadmin|redis-commander|redisinsight|pgbouncer|pgpool|pgpool2|couchdb|meilisearch|typesense|qdrant|neo4j|influxdb|redpanda|redpandadata/console|kafka-ui|kafdrop|cockroach|timescaledb|questdb|jaeger|jaegertracing/all-in-one|zipkin)(?:[:@][^/]*)?$",
    )
    .expect("backing service image pattern compiles")
});

/// A bind mount of the Compose file's folder or its parent (`.:/app`, `../:/src`,
/// `${PWD}:/code`) runs the working copy live.
/// The variables frameworks read for the environment they run in, and the values that
/// name a test or development one.
static ENVIRONMENT_NAME_KEY: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(?:NODE_ENV|RAILS_ENV|RAILS_ENVIRONMENT|RACK_ENV|APP_ENV|FLASK_ENV|DJANGO_ENV|GO_ENV|MIX_ENV|ASPNETCORE_ENVIRONMENT|ENVIRONMENT)$")
        .expect("environment key pattern compiles")
});

static TEST_ENVIRONMENT_VALUE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)^(?:test|testing|dev|development|local|ci)$")
        .expect("test environment value pattern compiles")
});

/// Whether a service sets its framework's environment to a test or development one,
/// in the map form (`RAILS_ENV: test`) or the list form (`- NODE_ENV=development`).
fn runs_test_environment(service: &Node) -> bool {
    match service.get("environment").map(|e| &e.value) {
        Some(Value::Map(entries)) => entries.iter().any(|(key, value)| {
            scalar_text(Some(value)).is_some_and(|v| sets_development_environment(key, v))
        }),
        Some(Value::Seq(items)) => items.iter().any(|item| {
            scalar_text(Some(item))
                .and_then(|s| s.split_once('='))
                .is_some_and(|(key, value)| sets_development_environment(key.trim(), value))
        }),
        _ => false,
    }
}

/// Whether `key=value` sets a framework's environment to a test or development one
/// (`NODE_ENV=development`, `RAILS_ENV: test`, `APP_ENV: ${APP_ENV:-local}`), in a Compose
/// service or an env file.
pub fn sets_development_environment(key: &str, value: &str) -> bool {
    ENVIRONMENT_NAME_KEY.is_match(key)
        && TEST_ENVIRONMENT_VALUE.is_match(default_of_variable(value.trim()))
}

/// The value a Compose variable takes when the shell does not set it: `development` in
/// `${NODE_ENV:-development}` (ever-traduora); any other value as it is.
fn default_of_variable(value: &str) -> &str {
    value
        .strip_prefix("${")
        .and_then(|v| v.strip_suffix('}'))
        .and_then(|v| v.split_once('-'))
        .filter(|(name, _)| {
            let name = name.strip_suffix(':').unwrap_or(name);
            !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        })
        .map_or(value, |(_, default)| default)
}

fn scalar_text(node: Option<&Node>) -> Option<&str> {
    match node.map(|n| &n.value) {
        Some(Value::Scalar(Scalar::Str(s))) => Some(s.as_str()),
        _ => None,
    }
}

/// Each volume a service mounts, as its host side and its container side (`./data` and
/// `/data` in `./data:/data:ro`, or the `source` and `target` of the long syntax).
fn mounts(service: &Node) -> Vec<(&str, Option<&str>)> {
    let Some(Value::Seq(volumes)) = service.get("volumes").map(|v| &v.value) else {
        return Vec::new();
    };
    volumes
        .iter()
        .filter_map(|v| match &v.value {
            Value::Scalar(Scalar::Str(s)) => {
                let mut parts = s.split(':');
                parts.next().map(|source| (source, parts.next()))
            }
            Value::Map(_) => {
                scalar_text(v.get("source")).map(|s| (s, scalar_text(v.get("target"))))
            }
            _ => None,
        })
        .collect()
}

/// The host side of each volume a service mounts: `./data` in `./data:/data:ro`, or the
/// `source` of the long syntax.
pub fn mounted_sources(service: &Node) -> Vec<&str> {
    mounts(service)
        .into_iter()
        .map(|(source, _)| source)
        .collect()
}

/// A configuration file mounted from the repository whose own name marks it for
/// development or tests (`./contrib/isso-dev.cfg`, `./config/test.yml`): the service runs
/// with the development settings.
fn mounts_development_config(service: &Node) -> bool {
    mounted_sources(service).into_iter().any(|src| {
        let file = src.rsplit('/').next().unwrap_or(src).to_ascii_lowercase();
        src.starts_with('.')
            && file.contains('.')
            && file.split(['-', '_', '.']).any(|w| {
                matches!(
                    w,
                    "dev" | "devel" | "development" | "test" | "testing" | "e2e" | "debug"
                )
            })
    })
}

/// The project's source tree mounted into the service (`.:/app`, `..:/src`,
/// `${PWD}:/code`). A mount of the service's own build folder (`./backend:/app`) is not
/// enough: seed 000's only Compose file, its production story, does that.
fn mounts_source(service: &Node) -> bool {
    mounted_sources(service)
        .into_iter()
        .any(|src| matches!(src.trim_end_matches('/'), "." | ".." | "$PWD" | "${PWD}"))
}

/// A data directory (`/var/lib/postgresql/data`, `/data`) mounted from a relative
/// path through a build output folder (`../build/db-data`, `./target/data`).
fn keeps_data_in_build_output(service: &Node) -> bool {
    mounts(service).into_iter().any(|(source, target)| {
        let data_dir = target.is_some_and(|t| {
            t.starts_with("/var/lib/") || t.trim_end_matches('/').split('/').any(|p| p == "data")
        });
        source.starts_with('.')
            && data_dir
            && source.split('/').any(|p| p == "build" || p == "target")
    })
}

fn is_development_word(word: &str) -> bool {
    matches!(
        word,
        "dev" | "devel" | "develop" | "development" | "debug" | "test" | "testing"
    )
}

/// Whether a service builds the development stage of its Dockerfile (`target: dev`), a
/// Dockerfile named for development (`Dockerfile-dev`, `dev.Dockerfile`) or one in a
/// folder named for local development (Unleash's `context: ./docker/local-postgres`).
fn builds_development_target(service: &Node) -> bool {
    let build = service.get("build");
    // A target given by a variable builds its default unless the operator says otherwise
    // (firezone's `target: ${DOCKER_BUILD_TARGET:-debug}`).
    let target = scalar_text(build.and_then(|b| b.get("target"))).map(default_of_variable);
    let dockerfile = scalar_text(build.and_then(|b| b.get("dockerfile")))
        .map(|path| path.rsplit('/').next().unwrap_or(path));
    let context = match build.map(|b| &b.value) {
        Some(Value::Scalar(_)) => scalar_text(build),
        _ => scalar_text(build.and_then(|b| b.get("context"))),
    }
    .map(|path| path.trim_end_matches('/'))
    .map(|path| path.rsplit('/').next().unwrap_or(path));
    if context.is_some_and(|folder| {
        folder
            .to_ascii_lowercase()
            .split(['-', '_', '.'])
            .any(|word| word == "local" || is_development_word(word))
    }) {
        return true;
    }
    target.is_some_and(|t| {
        t.to_ascii_lowercase()
            .split(['-', '_'])
            .any(is_development_word)
    }) || dockerfile.is_some_and(|file| {
        file.to_ascii_lowercase()
            .split(['-', '_', '.'])
            .any(is_development_word)
    })
}

/// What a service builds: its build context and Dockerfile, as one comparable text.
fn build_signature(service: &Node) -> Option<String> {
    let build = service.get("build")?;
    match &build.value {
        Value::Scalar(_) => scalar_text(Some(build)).map(str::to_string),
        Value::Map(_) => Some(format!(
            "{}|{}",
            scalar_text(build.get("context")).unwrap_or("."),
            scalar_text(build.get("dockerfile")).unwrap_or("Dockerfile")
        )),
        _ => None,
    }
}

/// Why the services of a Compose file (all its documents) make it a developer's
/// stack, or `None` when they may describe a deployment.
pub fn developer_stack(docs: &[Node]) -> Option<DeveloperStack> {
    let services: Vec<&Node> = docs
        .iter()
        .filter_map(|d| match d.get("services").map(|s| &s.value) {
            Some(Value::Map(entries)) => Some(entries.iter().map(|(_, s)| s)),
            _ => None,
        })
        .flatten()
        .collect();
    let images: Vec<Option<&str>> = services
        .iter()
        .map(|s| scalar_text(s.get("image")))
        .collect();
    if images
        .iter()
        .flatten()
        .any(|i| ACME_COMPANION_IMAGE.is_match(i))
    {
        return None;
    }
    if images.iter().flatten().any(|i| TEST_TOOL_IMAGE.is_match(i)) {
        return Some(DeveloperStack::TestTool);
    }
    if services.iter().any(|s| mounts_source(s)) {
        return Some(DeveloperStack::SourceMount);
    }
    if images.iter().flatten().any(|i| DEVELOPMENT_TAG.is_match(i)) {
        return Some(DeveloperStack::DevelopmentImage);
    }
    if services.iter().any(|s| builds_development_target(s)) {
        return Some(DeveloperStack::DevelopmentTarget);
    }
    if services
        .iter()
        .any(|s| runs_test_environment(s) || mounts_development_config(s))
    {
        return Some(DeveloperStack::TestEnvironment);
    }
    if services.iter().any(|s| keeps_data_in_build_output(s)) {
        return Some(DeveloperStack::BuildOutputData);
    }
    let mut builds: BTreeMap<String, usize> = BTreeMap::new();
    for signature in services.iter().filter_map(|s| build_signature(s)) {
        *builds.entry(signature).or_default() += 1;
    }
    if builds.values().any(|&n| n >= 3) {
        return Some(DeveloperStack::LocalCluster);
    }
    let backing_only = !services.is_empty()
        && services.iter().zip(&images).all(|(s, image)| {
            s.get("build").is_none() && image.is_some_and(|i| BACKING_SERVICE_IMAGE.is_match(i))
        });
    backing_only.then_some(DeveloperStack::BackingServicesOnly)
}

#[cfg(test)]
mod tests {
    use super::{developer_stack, DeveloperStack::*};
    use crate::doc::{parse_documents, DocFormat};

    fn judge(yaml: &str) -> Option<super::DeveloperStack> {
        developer_stack(&parse_documents(DocFormat::Yaml, yaml).expect("test YAML parses"))
    }

    #[test]
    fn developer_stacks() {
        let cases = [
            ("services:\n  app:\n    build: .\n  mail:\n    image: axllent/mailpit:v1.20\n", TestTool),
            ("services:\n  aws:\n    image: localstack/localstack:3.5\n  app:\n    build: .\n", TestTool),
            ("services:\n  app:\n    build: .\n  mail:\n    image: marcopas/docker-mailslurper:latest\n", TestTool),
            ("services:\n  app:\n    build: .\n    volumes:\n      - .:/app\n", SourceMount),
            ("services:\n  db:\n    image: postgres:11\n    volumes:\n      - ../build/db-data:/var/lib/postgresql/data/\n  app:\n    image: acme/app\n    env_file: [.env]\n", BuildOutputData),
            ("services:\n  app:\n    build: .\n    volumes:\n      - ../:/src:cached\n", SourceMount),
            ("services:\n  app:\n    build: .\n    volumes:\n      - ${PWD}:/code\n", SourceMount),
            ("services:\n  app:\n    build: .\n    volumes:\n      - type: bind\n        source: .\n        target: /app\n", SourceMount),
            ("services:\n  backend:\n    image: ghcr.io/acme/app/backend:develop\n  db:\n    image: postgres:15\n", DevelopmentImage),
            ("services:\n  app:\n    image: acme/app:develop-latest\n    restart: always\n", DevelopmentImage),
            ("services:\n  app:\n    image: acme:dev\n    build: .\n", DevelopmentImage),
            ("services:\n  web:\n    build:\n      context: .\n      target: dev\n  db:\n    image: postgres:14.5\n", DevelopmentTarget),
            ("services:\n  relay:\n    build:\n      context: rust\n      target: ${DOCKER_BUILD_TARGET:-debug}\n", DevelopmentTarget),
            ("services:\n  web:\n    build:\n      context: .\n      dockerfile: ./Dockerfile-dev\n", DevelopmentTarget),
            // Unleash's `docker-compose.postgres.yml`.
            ("services:\n  unleash-postgres:\n    build:\n      context: ./docker/local-postgres\n    environment:\n      POSTGRES_PASSWORD: password\n    healthcheck:\n      test: [CMD, pg_isready]\n", DevelopmentTarget),
            ("services:\n  db:\n    build: ./dev-db/\n    restart: always\n", DevelopmentTarget),
            ("services:\n  db:\n    image: postgres:16.3\n    restart: always\n  cache:\n    image: docker.io/bitnami/redis:7.2\n", BackingServicesOnly),
            ("services:\n  mongodb:\n    image: mongo\n  ui:\n    image: mongo-express\n    restart: always\n", BackingServicesOnly),
            // convoy's `docker-compose.dep.yml`: the dependencies and a trace viewer.
            ("services:\n  jaeger:\n    image: jaegertracing/all-in-one:1.62.0\n  postgres:\n    image: postgres:15.2-alpine\n  redis:\n    image: redis:7-alpine\n", BackingServicesOnly),
            // openpanel's root stack: databases and a Kafka-compatible queue with its console.
            ("services:\n  op-ch:\n    image: clickhouse/clickhouse-server:26.1\n  op-queue:\n    image: redpandadata/redpanda:v25.1.4\n  op-console:\n    image: redpandadata/console:v3.7.2\n", BackingServicesOnly),
            ("services:\n  postal:\n    image: ${POSTAL_IMAGE}\n    environment:\n      RAILS_ENVIRONMENT: test\n  mariadb:\n    image: mariadb\n", TestEnvironment),
            ("services:\n  web:\n    build: .\n    environment:\n      - NODE_ENV=development\n", TestEnvironment),
            ("services:\n  web:\n    image: acme/web:1\n    environment:\n      NODE_ENV: ${NODE_ENV:-development}\n", TestEnvironment),
            ("services:\n  isso:\n    build: .\n    volumes:\n      - type: bind\n        source: ./contrib/isso-dev.cfg\n        target: /config/isso.cfg\n", TestEnvironment),
            ("services:\n  app:\n    image: acme/app:2\n    volumes:\n      - ./config/settings.test.yml:/app/settings.yml:ro\n", TestEnvironment),
            ("x-app: &app\n  build:\n    context: ../..\n    dockerfile: docker/Dockerfile\nservices:\n  alpha:\n    <<: *app\n  beta:\n    <<: *app\n  gamma:\n    <<: *app\n", LocalCluster),
        ];
        for (yaml, why) in cases {
            assert_eq!(judge(yaml), Some(why), "{yaml}");
        }
    }

    #[test]
    fn deployments() {
        for yaml in [
            "services:\n  app:\n    image: ghcr.io/acme/app:1.4.2\n    volumes:\n      - ./config:/config\n      - data:/data\n  db:\n    image: postgres:16.3\n",
            "services:\n  app:\n    build: .\n  db:\n    image: postgres:16.3\n",
            "services:\n  db:\n    image: postgres:16.3\n  app:\n    image: ${APP_IMAGE}\n",
            "services:\n  app:\n    image: acme/devtools-api:2.0\n",
            "services:\n  app:\n    image: acme/app:2.0\n    environment:\n      NODE_ENV: production\n      RAILS_ENV: ${RAILS_ENV:-production}\n      TEST_MODE: test\n",
            "services:\n  app:\n    image: acme/app:2.0\n    environment:\n      NODE_ENV: ${NODE_ENV}\n      APP_ENV: ${APP_ENV-production}\n",
            "services:\n  web:\n    image: nginx:1.27\n",
            "services:\n  web:\n    build:\n      context: .\n      target: production\n",
            "services:\n  web:\n    build:\n      context: .\n      target: ${BUILD_TARGET:-release}\n",
            "services:\n  web:\n    build:\n      context: .\n      target: devops-runtime\n",
            "services:\n  web:\n    build:\n      context: ./localization-service\n  api:\n    build: ./backend\n",
            "services:\n  web:\n    build:\n      context: ./back\n      dockerfile: Dockerfile.prod\n    volumes:\n      - ./back/media:/app/media\n",
            // Seed 000: its only Compose file mounts the backend's folder, and it is the deployment.
            "services:\n  backend:\n    build: ./backend\n    volumes:\n      - ./backend:/app\n",
            "services: {}\n",
            "version: '3'\n",
            // Data kept beside the Compose file, and a build folder holding configuration.
            "services:\n  db:\n    image: postgres:16.3\n    volumes:\n      - ./data/db:/var/lib/postgresql/data\n  web:\n    image: nginx:1.27\n    volumes:\n      - ./build/nginx.conf:/etc/nginx/nginx.conf:ro\n",
            "services:\n  app:\n    image: acme/app:2\n    volumes:\n      - ./config/production.yml:/app/config.yml:ro\n      - ./devices:/dev/bus\n",
            // A web process and its worker built from one Dockerfile are one deployment.
            "services:\n  web:\n    build: .\n  worker:\n    build: .\n    command: worker\n",
            // MediaCMS's HTTPS deployment mounts the project folder, behind an ACME proxy.
            "services:\n  proxy:\n    image: nginxproxy/nginx-proxy\n  acme:\n    image: nginxproxy/acme-companion\n  web:\n    image: mediacms/mediacms:7.1\n    volumes:\n      - ./:/home/mediacms.io/mediacms/\n",
        ] {
            assert_eq!(judge(yaml), None, "{yaml}");
        }
    }
}
