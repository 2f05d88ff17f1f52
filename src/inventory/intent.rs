//! What a container setup says about itself in the comment at its top: shiori's
//! `docker-compose.yaml` opens with "Docker compose for development purposes only",
//! dub's with "This is meant for local development only. Do not use this in
//! production." A reader takes such a file for a development setup whatever its name;
//! so does launchgate.

use regex::Regex;
use std::sync::LazyLock;

/// At most this many leading lines are read as the header.
const HEADER_LINES: usize = 40;

static DEVELOPMENT_ONLY: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?ix)
        \b(?:meant|intended|designed|only)\s+(?:(?:solely|only|exclusively|purely)\s+)?(?:to\s+be\s+used\s+)?for\s+(?:the\s+)?(?:local\s+)?(?:development|dev|testing|tests|debugging)\b
        | \b(?:development|dev|testing|debugging)(?:\s+|-)(?:purposes?\s+|use\s+)?only\b
        | \b(?:purely|solely|strictly|exclusively)\s+for\s+(?:local\s+)?(?:development|dev|testing|tests|debugging)\b
        | \byou\s+can\s+use\s+this\s+to\s+test\b
        | \bfor\s+(?:local\s+)?(?:development|dev|testing)\s+purposes?\b
        | \bfor\s+debugging\s+(?:issues|problems|bugs|reports)\b
        | \b(?:local\s+)?dev(?:elopment)?\s+(?:environment|setup|stack)\s+(?:only|for\s+(?:contributors|developers))\b
        | \blocal\s+development\s+(?:stack|setup|environment)\b
        | \b(?:stack|setup|environment)\s+development\s+tools\b
        | \blocal[\s-]dev(?:elopment)?\s+(?:stack|setup|environment|workflows?)\b
        | \bnot\s+(?:meant\s+|intended\s+|suitable\s+|ready\s+|designed\s+)?(?:to\s+be\s+used\s+)?(?:for|in)\s+production\b
        | \b(?:do\s+not|don'?t|avoid)\s+(?:use|using|run|running)\s+(?:this\s+|it\s+)?(?:(?:compose\s+)?file\s+|configuration\s+|config\s+|setup\s+|stack\s+)?(?:in|for)\s+(?:a\s+|your\s+)?prod(?:uction)?\b
        | \bthis\s+is\s+(?:a|the)\s+(?:development|dev|local|testing|test)\s+(?:version|variant|edition)\b
        | \b(?:meant|intended|designed)\s+(?:to\s+be\s+used\s+)?for\s+demo(?:nstration)?s?\b
        | \b(?:to|for)\s+(?:develop(?:ing)?|test(?:ing)?)(?:\s+and\s+(?:develop(?:ing)?|test(?:ing)?))?\s+[^.\n]{0,40}?\blocally\b
        | \bnot\s+for\s+prod(?:uction)?\b
        | \b(?:not|nor|never)\b[^.\n]{0,60}?\b(?:suitable|ready|fit)\s+for\s+production\b
        | \b(?:intended|meant)\s+use\s+is\s+(?:for\s+)?(?:the\s+)?(?:local\s+)?(?:development|dev|testing|tests|debugging)\b
        | \bnot\s+the\s+(?:published|production|official|released)\s+(?:[\w./:-]+\s+)?image\b
        | \bfor\s+demo(?:nstration)?\s+(?:purposes?\s+)?only\b
        | \bnot\s+(?:to\s+be\s+)?used\s+for\s+(?:your\s+|personal\s+|real\s+|production\s+)?deployments?\b
        | \bfor\s+internal\s+testing\b
        | \b(?:file|stack|setup|configuration)\s+is\s+(?:only\s+)?used\s+(?:to\s+test|for\s+test(?:s|ing))\b
        | \bfiles?\s+(?:that\s+)?we\s+use\s+(?:for\s+test(?:s|ing)|to\s+test)\b
        | \btesting\s+files\s+are\b
        | \bused\s+internall?y\s+(?:by\s+(?:[\w.-]+\s+){1,3}?)?(?:to\s+test|for\s+test(?:ing|s)?)\b
        | \bnot\s+(?:intended|meant|designed)\s+(?:for|to\s+be\s+used\s+by)\s+end[\s-]users\b
        | \bfor\s+testing\s+(?:your|the|a)\s+(?:current\s+|local\s+)?(?:branch|changes|code|build)\b
        | ^\s*(?:docker-)?compose[.-](?:dev|development|local|test)\.ya?ml\s*$",
    )
    .expect("development header pattern compiles")
});

/// Whether the comment block that opens the file (`#` lines before the first
/// instruction or key; blank lines and `---` allowed) says it is for development,
/// tests or debugging only.
pub fn header_declares_development(text: &str) -> bool {
    let mut header = String::new();
    for line in text.lines().take(HEADER_LINES) {
        let line = line.trim();
        if line.is_empty() || line == "---" {
            continue;
        }
        let Some(comment) = line.strip_prefix('#') else {
            break;
        };
        header.push_str(comment);
        header.push(' ');
    }
    !header.is_empty() && DEVELOPMENT_ONLY.is_match(&header)
}

/// A setup its folder's README retires: "It is not developed anymore … what is kept
/// here is the historical setup" (wekan's `docs/Databases/ToroDB/`).
static RETIRED: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?ix)
        \bnot\s+(?:developed|maintained|supported)\s+any\s?more\b
        | \bno\s+longer\s+(?:developed|maintained|supported)\b
        | \bhistorical\s+(?:setup|configuration|reference)\b
        | \bkept\s+(?:here\s+)?(?:only\s+)?for\s+(?:history|reference|historical\s+reasons)\b
        | \bthis\s+(?:setup|folder|directory)\s+is\s+(?:deprecated|obsolete|unmaintained)\b",
    )
    .expect("retired setup pattern compiles")
});

/// Whether a folder's README says, in its title and first paragraph, that what the
/// folder holds is for development or tests, or is retired and kept only for history: hanko's `deploy/k8s/README.md` opens with
/// "This folder is used internaly by hanko to test hanko in a kubernetes setup".
/// Later paragraphs often contrast the folder with something else ("The `dev/` overlay is
/// for development only"), so they are read only when they speak of the folder's own
/// setup, opening with "This" or "These": lago's `docker/README.md` follows "This is the
/// official one docker image for Lago." with "This docker image is designed for testing
/// and staging environments only."
pub fn readme_declares_development(text: &str) -> bool {
    // Emphasis is no word: "using Docker for **development** purposes" (mahara).
    let text = text.replace("**", "");
    let mut intro = String::new();
    let mut later: Vec<String> = Vec::new();
    let mut paragraph_lines = 0;
    let mut in_intro = true;
    for line in text.lines().take(HEADER_LINES) {
        let line = line.trim();
        let underline = !line.is_empty() && line.chars().all(|c| "=-~^*".contains(c));
        if underline && paragraph_lines == 1 && in_intro {
            // The line above was a reStructuredText or Setext title.
            paragraph_lines = 0;
            continue;
        }
        if line.is_empty() || underline || line.starts_with('#') {
            if paragraph_lines > 0 {
                in_intro = false;
                paragraph_lines = 0;
            }
            if in_intro {
                intro.push_str(line.trim_start_matches('#'));
                intro.push(' ');
            }
            continue;
        }
        if in_intro {
            intro.push_str(line);
            intro.push(' ');
        } else if paragraph_lines == 0 {
            later.push(format!("{line} "));
        } else if let Some(paragraph) = later.last_mut() {
            paragraph.push_str(line);
            paragraph.push(' ');
        }
        paragraph_lines += 1;
    }
    DEVELOPMENT_ONLY.is_match(&intro)
        || RETIRED.is_match(&intro)
        || later
            .iter()
            .filter(|p| SPEAKS_OF_ITSELF.is_match(p))
            .any(|p| DEVELOPMENT_ONLY.is_match(p))
}

/// A paragraph that opens by naming the folder's own setup: "This docker image …",
/// "These manifests …", "You can use this to test …".
static SPEAKS_OF_ITSELF: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(?:This|These|You\s+can\s+use\s+this)\s")
        .expect("self-reference pattern compiles")
});

/// Web servers whose image, with the project's files copied in, serves a built front end
/// or passes requests on: nginx, Caddy, Apache httpd, lighttpd, OpenResty.
static WEB_SERVER_BASE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)^(?:[^\s/]+\.[^\s/]+/)?(?:library/|nginxinc/)?(?:nginx|nginx-unprivileged|caddy|httpd|lighttpd|openresty/openresty|joseluisq/static-web-server)(?:[:@]|$)",
    )
    .expect("web server pattern compiles")
});

/// Databases, caches, brokers and their admin screens: an image built on one of these,
/// with a configuration or a schema copied in, runs that program, not the product's code.
static SUPPORTING_SERVICE_BASE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)^(?:[^\s/]+\.[^\s/]+/)?(?:library/|bitnami/)?(?:mariadb|mysql|percona|postgres|postgis/postgis|redis|valkey/valkey|valkey|mongo|memcached|rabbitmq|phpmyadmin(?:/phpmyadmin)?|adminer|elasticsearch|opensearchproject/opensearch|clickhouse/clickhouse-server)(?:[:@]|$)",
    )
    .expect("supporting service pattern compiles")
});

/// Whether a Dockerfile's shipped image (its base, `shipped_base_image`) is a web
/// server's: the image serves files or proxies (budget-board's and booklogr's front ends,
/// an SPA built in an earlier stage), so it is no second service of the product's own code.
pub fn serves_files(base: &str) -> bool {
    WEB_SERVER_BASE.is_match(base)
}

/// Whether a Dockerfile's shipped image is built on a database's, cache's, broker's or
/// admin screen's (InvoicePlane's `resources/docker/mariadb/` and `phpmyadmin/`): it runs
/// that program beside the product, not a second service of the product's own code.
pub fn runs_supporting_service(base: &str) -> bool {
    SUPPORTING_SERVICE_BASE.is_match(base)
}

/// Official language and build-tool images: without a command of its own, an image on
/// one of these runs a compiler or a shell, not a service.
static TOOLCHAIN_BASE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)^(?:[^\s/]+\.[^\s/]+/)?(?:library/)?(?:golang|rust|gcc|clang|node|python|ruby|maven|gradle|eclipse-temurin|openjdk|amazoncorretto|mcr\.microsoft\.com/dotnet/sdk|dotnet/sdk|reactnativecommunity/react-native-android|cimg/[a-z]+|bufbuild/buf|namely/protoc[a-z-]*)(?:[:@]|$)",
    )
    .expect("toolchain pattern compiles")
});

/// Whether a Dockerfile builds a tool rather than a service: its final stage starts
/// from a language or build-tool image (`golang`, `node`, `maven`…) and gives no
/// `CMD`, `ENTRYPOINT` or `EXPOSE` of its own and copies in no whole build context —
/// opentelemetry-demo's `genproto/` images, which run `protoc` once to generate code.
pub fn dockerfile_builds_a_tool(text: &str) -> bool {
    let mut base: Option<&str> = None;
    let mut is_service = false;
    for line in text.lines() {
        let mut words = line.split_whitespace();
        let Some(instruction) = words.next() else {
            continue;
        };
        if instruction.eq_ignore_ascii_case("FROM") {
            base = words.find(|w| !w.starts_with("--"));
            is_service = false;
        } else if ["CMD", "ENTRYPOINT", "EXPOSE"]
            .iter()
            .any(|i| instruction.eq_ignore_ascii_case(i))
        {
            is_service = true;
        } else if instruction.eq_ignore_ascii_case("COPY") {
            // A stage that copies the whole build context ships the application, whose
            // command the deployment gives (chaskiq's Rails image, run by `command:`).
            if words
                .find(|w| !w.starts_with("--"))
                .is_some_and(|source| matches!(source, "." | "./"))
            {
                is_service = true;
            }
        }
    }
    !is_service && base.is_some_and(|b| TOOLCHAIN_BASE.is_match(b))
}

/// Whether some stage of a Dockerfile declares a `HEALTHCHECK` (not `NONE`). Published
/// images are often built from a named target (`--target release`) rather than the last
/// stage, and only a runtime stage has a reason to declare one.
pub fn declares_healthcheck(text: &str) -> bool {
    text.lines().any(|line| {
        let mut words = line.split_whitespace();
        words
            .next()
            .is_some_and(|w| w.eq_ignore_ascii_case("HEALTHCHECK"))
            && words
                .next()
                .is_some_and(|a| !a.eq_ignore_ascii_case("NONE"))
    })
}

#[cfg(test)]
mod tests {
    use super::dockerfile_builds_a_tool as tool;
    use super::header_declares_development as dev;

    #[test]
    fn folder_readmes() {
        use super::readme_declares_development as readme;
        assert!(readme("# k8s deploy\nThis folder is used internaly by hanko to test hanko in a kubernetes setup using\n[skaffold](https://skaffold.dev/).\n\nWhile this is a tailored setup you can use these yamls as a base.\n"));
        assert!(readme("Kubernetes manifests\n====================\n\nThese manifests are for testing purposes only.\n"));
        assert!(readme("# Local cluster\n\nNot meant for production.\n"));
        assert!(readme("# Mahara Docker\n\nThis directory contains tools for standing up Mahara using Docker for\n**development** purposes.\n"));
        assert!(readme("# Docker ELK / Elastic Stack Development Tools\n\nThese are tools to run a containerized version of ELK stack.\n"));
        assert!(!readme(
            "# Stack\n\nDeploy the stack with `make deploy`. Development tools are in `dev/`.\n"
        ));
        assert!(readme("# ToroDB\n\nToroDB was a MongoDB proxy that stored the data in PostgreSQL or MySQL, written\nin Java. **It is not developed anymore**, and WeKan does not run on it — what is\nkept here is the historical setup and the note about what to use instead.\n"));
        assert!(!readme(
            "# Storage\n\nThe old S3 driver is no longer needed: use the new one.\n"
        ));
        assert!(readme("# Introduction\n\nThis dockerfile is used to build a stash docker container using the current source code. This is ideal for testing your current branch in docker.\n"));
        // Only the first paragraph speaks for the folder.
        assert!(!readme("# Deploy\n\nProduction manifests for the service.\n\nThe `dev/` overlay is for development only.\n"));
        assert!(!readme("# Deploy\n\nRun `kubectl apply -k .` to deploy.\n"));
        // lago's `docker/README.md`: the second paragraph speaks of the image itself.
        assert!(readme("# Lago Docker Image\n\nThis is the official one docker image for Lago.\n\nThis docker image is designed for testing and staging environments only. It is not\nrecommended for production use.\n"));
        assert!(!readme("# Deploy\n\nProduction manifests.\n\n## Development\n\nThe `dev/` overlay is for development only.\n\nA note: not meant for production is the old overlay.\n"));
        // Maintainerr's `docker/nginx-reverse-subfolder/README.md`: no title.
        assert!(readme("This is a straight forward nginx reverse proxy setup for Maintainerr, served under a subfolder at http://localhost:8080/maintainerr\nIt's intended use is for testing the BASE_PATH feature locally, and as such does not persist any data nor make any attempt to be suitable for production.\n"));
        assert!(!readme(
            "# Deploy\n\nThese manifests are suitable for production.\n"
        ));
        // rundeck's `docker/yuminstall/Readme.md`.
        assert!(readme("# Yum install in docker\n\nCentos 6:\n\nYou can use this to test install of a locally build .rpms for rundeck.\n"));
        assert!(!readme("# Image\n\nThe published image.\n\nYou can use this to run the server in production.\n"));
        assert!(!readme(""));
    }

    #[test]
    fn health_checks() {
        use super::declares_healthcheck as hc;
        assert!(hc("FROM node:22 AS build\nRUN npm ci\nFROM node:22-slim\nHEALTHCHECK CMD curl -f http://localhost:3000/ || exit 1\n"));
        assert!(hc("FROM base AS release\nHEALTHCHECK --interval=60s CMD extra/healthcheck\nFROM release AS rootless\nUSER node\n"));
        assert!(!hc("FROM base\nHEALTHCHECK NONE\n"));
        assert!(!hc("FROM base\n# HEALTHCHECK CMD true\n"));
        assert!(!hc(""));
    }

    #[test]
    fn tool_images() {
        assert!(tool("FROM docker.io/library/golang:1.26.6-alpine@sha256:38\nWORKDIR /build\nRUN apk add --no-cache protobuf-dev\nRUN go install tool\n"));
        assert!(tool("FROM node:20 AS deps\nCMD [\"node\"]\nFROM --platform=linux/amd64 maven:3.9\nRUN mvn package\n"));
        // A service: its own command, a port, or a base image that brings the command.
        assert!(!tool(
            "FROM node:20-alpine\nCOPY . .\nCMD [\"node\", \"server.js\"]\n"
        ));
        assert!(!tool("FROM golang:1.22 AS build\nRUN go build\nFROM gcr.io/distroless/static\nCOPY --from=build /app /app\n"));
        assert!(!tool("FROM python:3.12-slim\nEXPOSE 8000\n"));
        // The application copied in, its command given by the deployment.
        assert!(!tool("ARG RUBY_VERSION\nFROM ruby:$RUBY_VERSION-slim-bullseye\nUSER docker\nCOPY --chown=docker:docker . /usr/src/app/\nRUN bundle exec rails assets:precompile\n"));
        assert!(!tool("FROM nginx:1.27\nCOPY dist /usr/share/nginx/html\n"));
        assert!(!tool(""));
    }

    #[test]
    fn web_server_images() {
        let serves = |text: &str| {
            crate::inventory::dockerfile_stages::shipped_base_image(text)
                .is_some_and(|base| super::serves_files(&base))
        };
        assert!(serves("FROM node:22 AS build\nRUN npm run build\nFROM nginx:1.27-alpine\nCOPY --from=build /app/dist /usr/share/nginx/html\n"));
        assert!(serves(
            "FROM --platform=$BUILDPLATFORM caddy:2.8\nCOPY Caddyfile /etc/caddy/Caddyfile\n"
        ));
        assert!(!serves(
            "FROM nginx:1.27 AS assets\nFROM python:3.12-slim\nCMD [\"gunicorn\"]\n"
        ));
        assert!(!serves(
            "FROM node:22-alpine\nCMD [\"node\", \"server.js\"]\n"
        ));
        assert!(!serves(""));
    }

    #[test]
    fn supporting_service_images() {
        let supporting = |text: &str| {
            crate::inventory::dockerfile_stages::shipped_base_image(text)
                .is_some_and(|base| super::runs_supporting_service(&base))
        };
        assert!(supporting(
            "FROM mariadb:10.9\nCOPY my.cnf /etc/mysql/conf.d/\n"
        ));
        assert!(supporting(
            "FROM phpmyadmin/phpmyadmin:5\nCOPY config.user.inc.php /etc/phpmyadmin/\n"
        ));
        assert!(supporting("FROM docker.io/library/postgres:17-alpine\nCOPY init.sql /docker-entrypoint-initdb.d/\n"));
        assert!(!supporting("FROM php:8.1-fpm\nCOPY . /var/www\n"));
        assert!(!supporting(
            "FROM postgres:17 AS schema\nFROM node:22\nCMD [\"node\", \"server.js\"]\n"
        ));
        assert!(!supporting("FROM acme/mariadb-backup:1\n"));
    }

    #[test]
    fn development_headers() {
        for text in [
            "# Docker compose for development purposes only.\n# Edit it to fit your current development needs.\nservices:\n",
            "# This is meant for local development only. Do not use this in production.\nversion: \"3.8\"\n",
            "# syntax=docker/dockerfile:1\n# This Dockerfile is intended for Development purposes only.\nFROM golang:1.22\n",
            "---\n# Not suitable for production\nservices: {}\n",
            "# THIS IS NOT TO BE USED FOR PERSONAL DEPLOYMENTS!\n# Internal Docker Compose Image used for internal testing deployments\nservices: {}\n",
            "# Local development stack:\n#   docker compose up\nservices: {}\n",
            "# Builds third-party libraries for the main image.\n# Not intended for end-users or runtime execution.\nFROM debian:bookworm\n",
            "###\n### ~ Monica dev Dockerfile\n###\n### This file is used for dev purpose.\n###\nFROM node:22 AS yarn\n",
            // The file names itself as the development variant.
            "# docker-compose.dev.yml\nversion: '3'\nservices: {}\n",
            "# DEVELOPMENT image — builds this monorepo from source.\n#\n# This is NOT the published evershop/evershop image. That one is built from\n# docker/Dockerfile.\nFROM node:20\n",
            "# Reproduces the Debian install guide as closely as possible, for debugging issues reported\n# by users who followed that guide.\nFROM debian:13\n",
            // logto's demo stack.
            "# This compose file is for demonstration only, do not use in prod.\nservices: {}\n",
            // Mailu's `setup/docker-compose.yml`.
            "# This file is used to test the mailu/setup utility\n# Deployment files can be found on github.com/mailu/infra\nservices: {}\n",
            // Maintainerr's `docker/nginx-reverse-subfolder/README.md`.
            "# It's intended use is for testing the BASE_PATH feature locally, and as such does not\n# persist any data nor make any attempt to be suitable for production.\nservices: {}\n",
            // Misago's root Dockerfile.
            "# This Dockerfile is intended solely for local development of Misago\n# If you are seeking a suitable Docker setup for running Misago in a\n# production, please use misago-docker instead\nFROM python:3.12-bookworm\n",
            // trigger.dev's `docker/docker-compose.yml` and its extras.
            "# Core local-dev stack: the minimum a contributor needs to boot the webapp.\nname: x\n",
            "# Optional services for advanced local-dev workflows. Pair with\n# `docker-compose.yml`.\nservices: {}\n",
            // baserow's `deploy/nginx/README.md`, read as a header.
            "# This folder contains docker-compose files we use for testing our example nginx\n# configuration.\nservices: {}\n",
            // kanidm's `scripts/otel/docker-compose.yml`.
            "---\n# It should be *very* clear that this is an insecure, dev-only configuration. Don't run this in production!\nservices: {}\n",
            // Vendure's `docker-compose.yml`.
            "# This contains the services required to develop and test Vendure\n# locally. It includes multiple SQL databases.\nname: vendure-monorepo\nservices: {}\n",
            // Unleash's `docker-compose.yml`.
            "# NOTE: please do not use this configuration for production setups.\nservices: {}\n",
            "# This is intended to be used for demo, development, and learning\n# purposes only.\nservices: {}\n",
            // concourse's root `Dockerfile`.
            "# NOTE: this Dockerfile is purely for local development! it is *not* used for\n# the official 'concourse/concourse' image.\nARG base_image=concourse/dev\n",
            // bigcapital's `docker-compose.yml`.
            "# WARNING!\n# This is a development version of THE Bigcapital docker-compose.yml file.\n# Avoid using this file in your production environment.\nversion: '3.3'\n",
        ] {
            assert!(dev(text), "{text}");
        }
    }

    #[test]
    fn other_headers() {
        for text in [
            "# Production stack. Copy .env.example to .env first.\nservices: {}\n",
            "services:\n  # for development only\n  web: {}\n",
            "# syntax=docker/dockerfile:1\nFROM node:20\n# dev dependencies are dropped below\n",
            "# Ready for production; see docs/deploy.md\nservices: {}\n",
            "# For development, use docker-compose.override.yml (loaded automatically).\nservices: {}\n",
            "# For local development, see CONTRIBUTING.md\nservices: {}\n",
            "# docker-compose.yml\n# Copy it next to your .env, or use docker-compose.dev.yml for development.\nservices: {}\n",
            "# Used for deployments of the demo site and of customer instances\nservices: {}\n",
            "# The published image. For a development image, see Dockerfile.dev.\nFROM node:20\n",
            "# This file is used in production and by the end-to-end tests.\nservices: {}\n",
            "# This is the production version; avoid using docker-compose.yml in production.\nservices: {}\n",
            "# Run the stack locally or on a server; see docs/deploy.md for production.\nservices: {}\n",
            "",
            "FROM scratch\n",
        ] {
            assert!(!dev(text), "{text}");
        }
    }
}
