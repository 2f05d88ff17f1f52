//! The stages of a multi-stage Dockerfile, read from its `FROM` lines, and which of them
//! are build stages: later stages copy files out of them (`COPY --from=build`) but never
//! start from them, so their layers, package caches included, reach no shipped image.

use std::ops::Range;

struct Stage {
    /// Byte range of the stage in the file, from its `FROM` to the next one.
    span: Range<usize>,
    name: Option<String>,
    /// What it starts from: an image or an earlier stage's name.
    base: Base,
    /// The `FROM` word as written, lower-cased.
    from: String,
}

/// A `FROM` base, lower-cased; one with `${VAR}` / `$VAR` parts is compiled once into
/// the pattern of the stage names it can stand for.
enum Base {
    Exact(String),
    Variable(Option<regex::Regex>),
}

fn stages(text: &str) -> Vec<Stage> {
    let mut out: Vec<Stage> = Vec::new();
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let words: Vec<&str> = line.split_whitespace().collect();
        if words
            .first()
            .is_some_and(|w| w.eq_ignore_ascii_case("FROM"))
        {
            if let Some(previous) = out.last_mut() {
                previous.span.end = offset;
            }
            let args: Vec<&str> = words[1..]
                .iter()
                .copied()
                .filter(|w| !w.starts_with("--"))
                .collect();
            let name = match args.as_slice() {
                [_, as_word, name, ..] if as_word.eq_ignore_ascii_case("AS") => {
                    Some(name.to_ascii_lowercase())
                }
                _ => None,
            };
            // A quoted image (`FROM "$BASE_IMAGE" AS builder`, AdGuardHome) is the same image.
            let from = args
                .first()
                .map(|b| b.trim_matches(['"', '\'']).to_ascii_lowercase())
                .unwrap_or_default();
            out.push(Stage {
                span: offset..text.len(),
                name,
                base: Base::new(&from),
                from,
            });
        }
        offset += line.len();
    }
    out
}

impl Base {
    /// `${VAR}` / `$VAR` parts stand for any word without a hyphen (`FROM
    /// ${BASE}-php-ext-base` is `apache-php-ext-base` or `fpm-php-ext-base`, and
    /// `${BASE}-base` neither of them): a build argument picks one of several variants.
    fn new(base: &str) -> Base {
        if !base.contains('$') {
            return Base::Exact(base.to_string());
        }
        let mut pattern = String::from("^");
        let mut rest = base;
        while let Some(i) = rest.find('$') {
            pattern.push_str(&regex::escape(&rest[..i]));
            pattern.push_str("[^-]*");
            let after = &rest[i + 1..];
            rest = match after.strip_prefix('{') {
                Some(inner) => inner.find('}').map_or("", |e| &inner[e + 1..]),
                None => after.trim_start_matches(|c: char| c.is_ascii_alphanumeric() || c == '_'),
            };
        }
        pattern.push_str(&regex::escape(rest));
        pattern.push('$');
        Base::Variable(regex::Regex::new(&pattern).ok())
    }

    /// Whether this base names a stage.
    fn names(&self, stage: &str) -> bool {
        match self {
            Base::Exact(base) => base == stage,
            Base::Variable(pattern) => pattern.as_ref().is_some_and(|p| p.is_match(stage)),
        }
    }
}

/// How the stages of a Dockerfile use one another: which later stages start `FROM`
/// each one, and whether anything copies files out of it.
struct StageUse {
    stages: Vec<Stage>,
    built_on: Vec<Vec<usize>>,
    copied_from: Vec<bool>,
}

impl StageUse {
    fn new(text: &str) -> StageUse {
        let stages = stages(text);
        let lower = text.to_ascii_lowercase();
        let is_copied_from = |reference: &str| {
            ["--from=", "from="].iter().any(|prefix| {
                lower.match_indices(prefix).any(|(i, _)| {
                    let rest = &lower[i + prefix.len()..];
                    let rest = rest.trim_start_matches(['"', '\'']);
                    rest.strip_prefix(reference).is_some_and(|after| {
                        after.chars().next().is_none_or(|c| {
                            !(c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.')
                        })
                    })
                })
            })
        };
        let references = |i: usize| -> Vec<String> {
            stages[i]
                .name
                .iter()
                .cloned()
                .chain(std::iter::once(i.to_string()))
                .collect()
        };
        let built_on = (0..stages.len())
            .map(|i| {
                let refs = references(i);
                (i + 1..stages.len())
                    .filter(|&later| refs.iter().any(|r| stages[later].base.names(r)))
                    .collect()
            })
            .collect();
        let copied_from = (0..stages.len())
            .map(|i| references(i).iter().any(|r| is_copied_from(r)))
            .collect();
        StageUse {
            stages,
            built_on,
            copied_from,
        }
    }

    /// A stage nothing starts from or copies from: the last one, or a `--target` of its own.
    fn is_leaf(&self, i: usize) -> bool {
        self.built_on[i].is_empty() && !self.copied_from[i]
    }
}

/// The byte ranges of the build stages of a Dockerfile. A stage is shipped when it is
/// the last one, when nothing refers to it (a `docker build --target` of its own), or
/// when a shipped stage starts `FROM` it; every other stage is only copied from
/// (`COPY --from=deps`, `--from=0`, `RUN --mount=…,from=deps`), directly or through the
/// stages built on it, and is a build stage.
pub fn build_stage_spans(text: &str) -> Vec<Range<usize>> {
    let graph = StageUse::new(text);
    let count = graph.stages.len();
    let mut shipped: Vec<bool> = (0..count)
        .map(|i| i + 1 == count || graph.is_leaf(i))
        .collect();
    // A stage a shipped stage is built on is shipped; later stages come first.
    for i in (0..count).rev() {
        if !shipped[i] && graph.built_on[i].iter().any(|&later| shipped[later]) {
            shipped[i] = true;
        }
    }
    graph
        .stages
        .iter()
        .zip(&shipped)
        .filter(|(_, shipped)| !**shipped)
        .map(|(stage, _)| stage.span.clone())
        .collect()
}

/// The byte ranges of the development stages of a Dockerfile: a stage named for
/// development or testing (`AS dev`, `AS development`, `AS test`) that is not the last
/// one and that no other stage starts from or copies from. It is a `docker build
/// --target dev` of the contributors' own, beside the image that is shipped (nautobot's
/// `dev` stage installs fnm with `curl | bash`; its `final` image does not).
pub fn development_stage_spans(text: &str) -> Vec<Range<usize>> {
    const DEVELOPMENT_NAMES: &[&str] = &[
        "dev",
        "devel",
        "develop",
        "development",
        "local",
        "debug",
        "test",
        "tests",
        "testing",
        "e2e",
        "ci",
        "lint",
    ];
    let graph = StageUse::new(text);
    let count = graph.stages.len();
    (0..count)
        .filter(|&i| {
            i + 1 < count
                && graph.is_leaf(i)
                && graph.stages[i]
                    .name
                    .as_deref()
                    .is_some_and(|name| DEVELOPMENT_NAMES.contains(&name))
        })
        .map(|i| graph.stages[i].span.clone())
        .collect()
}

/// The image the last stage is built on, lower-cased, following `FROM stage` back through
/// earlier stages (`FROM localhost:5000/lldap/lldap:alpine-base`); `None` for `scratch`,
/// a variable base without a default or a file without `FROM`.
pub fn shipped_base_image(text: &str) -> Option<String> {
    let stages = stages(text);
    let defaults = global_arg_defaults(text);
    let mut current = stages.len().checked_sub(1)?;
    loop {
        let base = stages[current].resolved_base(&defaults)?;
        match stages[..current]
            .iter()
            .rposition(|s| s.name.as_deref() == Some(base.as_str()))
        {
            Some(earlier) => current = earlier,
            None => return (base != "scratch" && !base.is_empty()).then_some(base),
        }
    }
}

impl Stage {
    /// The image the stage starts from. `ARG BASE_IMAGE=silverbullet:test` then `FROM
    /// ${BASE_IMAGE}`: the default is the image a plain `docker build` starts from.
    fn resolved_base(&self, defaults: &[(String, String)]) -> Option<String> {
        match &self.base {
            Base::Exact(base) => Some(base.clone()),
            Base::Variable(_) => substitute(&self.from, defaults),
        }
    }
}

/// The defaults of the build arguments declared before the first `FROM`, by lower-cased
/// name: the only ones a `FROM` line can use.
fn global_arg_defaults(text: &str) -> Vec<(String, String)> {
    text.lines()
        .map(str::trim)
        .take_while(|line| {
            !line
                .split_whitespace()
                .next()
                .is_some_and(|w| w.eq_ignore_ascii_case("FROM"))
        })
        .filter_map(|line| {
            let (keyword, rest) = line.split_once(char::is_whitespace)?;
            if !keyword.eq_ignore_ascii_case("ARG") {
                return None;
            }
            let (name, value) = rest.trim().split_once('=')?;
            let value = value.trim().trim_matches(['"', '\'']);
            Some((name.trim().to_ascii_lowercase(), value.to_ascii_lowercase()))
        })
        .collect()
}

/// `from` with every `${NAME}` / `$NAME` replaced by its default; `None` when one has none.
fn substitute(from: &str, defaults: &[(String, String)]) -> Option<String> {
    let mut out = String::new();
    let mut rest = from;
    while let Some(i) = rest.find('$') {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        let (name, tail) = match after.strip_prefix('{') {
            Some(inner) => {
                let end = inner.find('}')?;
                (&inner[..end], &inner[end + 1..])
            }
            None => {
                let end = after
                    .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                    .unwrap_or(after.len());
                (&after[..end], &after[end..])
            }
        };
        let value = defaults.iter().find(|(n, _)| n == name).map(|(_, v)| v)?;
        out.push_str(value);
        rest = tail;
    }
    out.push_str(rest);
    (!out.is_empty()).then_some(out)
}

/// Where the first stage begins: what comes before is the global build arguments (and
/// comments) every `FROM` line may read. The end of the text when there is no `FROM`.
pub fn first_stage_start(text: &str) -> usize {
    stages(text).first().map_or(text.len(), |s| s.span.start)
}

/// The byte ranges of the stages the shipped image is made of, in file order: the last
/// stage and, through `FROM stage`, each earlier stage it is built on.
pub fn shipped_chain_spans(text: &str) -> Vec<Range<usize>> {
    let stages = stages(text);
    let Some(mut current) = stages.len().checked_sub(1) else {
        return Vec::new();
    };
    let mut chain = vec![stages[current].span.clone()];
    while let Base::Exact(base) = &stages[current].base {
        match stages[..current]
            .iter()
            .rposition(|s| s.name.as_deref() == Some(base.as_str()))
        {
            Some(earlier) => {
                current = earlier;
                chain.push(stages[current].span.clone());
            }
            None => break,
        }
    }
    chain.reverse();
    chain
}

/// Whether the shipped image starts no process of its own: no stage on the way from the
/// last one back through `FROM stage` sets `CMD` or `ENTRYPOINT`, and the chain ends in
/// `scratch` or a bare operating-system image, whose default command is a shell. Such an
/// image is a build output or a stage other Dockerfiles share (`FROM alpine AS builder`
/// that only compiles protobufs), not a service: there is nothing to check the health of
/// and no process whose user matters. So is one built on a builder image.
pub fn starts_no_process(text: &str) -> bool {
    let stages = stages(text);
    let defaults = global_arg_defaults(text);
    let Some(mut current) = stages.len().checked_sub(1) else {
        return false;
    };
    loop {
        let sets_process = text[stages[current].span.clone()].lines().any(|line| {
            line.split_whitespace().next().is_some_and(|w| {
                w.eq_ignore_ascii_case("CMD") || w.eq_ignore_ascii_case("ENTRYPOINT")
            })
        });
        if sets_process {
            return false;
        }
        let Some(base) = stages[current].resolved_base(&defaults) else {
            return false;
        };
        match stages[..current]
            .iter()
            .rposition(|s| s.name.as_deref() == Some(base.as_str()))
        {
            Some(earlier) => current = earlier,
            None => return is_bare_os_image(&base) || is_builder_image(&base),
        }
    }
}

/// An image made to build software in (`electronuserland/builder:wine`,
/// `paketobuildpacks/builder-jammy-base`): with no command of its own, what is built on it
/// is a packaging step (Damselfly's desktop zip), not a service.
fn is_builder_image(base: &str) -> bool {
    image_name(base)
        .split(['-', '_', '.'])
        .any(|w| w == "builder")
}

/// The image's own name, without registry, owner, tag or digest (`ubi-minimal` for
/// `registry.access.redhat.com/ubi9/ubi-minimal:9.4`).
fn image_name(base: &str) -> &str {
    let without_digest = base.split('@').next().unwrap_or(base);
    without_digest
        .rsplit('/')
        .next()
        .unwrap_or(without_digest)
        .split(':')
        .next()
        .unwrap_or("")
}

/// `scratch`, or an operating-system image (`alpine:3.20`, `docker.io/library/debian`,
/// `registry.access.redhat.com/ubi9/ubi-minimal`) rather than a runtime or a server.
fn is_bare_os_image(base: &str) -> bool {
    const OS_IMAGES: &[&str] = &[
        "alpine",
        "debian",
        "ubuntu",
        "busybox",
        "fedora",
        "centos",
        "rockylinux",
        "almalinux",
        "amazonlinux",
        "archlinux",
        "oraclelinux",
        "photon",
        "ubi",
        "ubi-minimal",
        "ubi-micro",
        "leap",
        "tumbleweed",
        "wolfi-base",
    ];
    base == "scratch" || OS_IMAGES.contains(&image_name(base))
}

#[cfg(test)]
mod tests {
    use super::{
        build_stage_spans, development_stage_spans, shipped_base_image, shipped_chain_spans,
        starts_no_process,
    };

    fn build_stage_text(text: &str) -> Vec<&str> {
        build_stage_spans(text)
            .into_iter()
            .map(|span| text[span].lines().next().unwrap_or(""))
            .collect()
    }

    #[test]
    fn stages_only_copied_from_are_build_stages() {
        let text = "FROM python:3.13-slim AS build-deps\nRUN apt-get install -y gcc\n\
                    FROM node:22 AS node-build\nRUN npm ci\n\
                    FROM python:3.13-slim AS linkding\nRUN apt-get install -y curl\n\
                    COPY --from=build-deps /venv /venv\nCOPY --from=node-build /static /static\n\
                    FROM linkding AS linkding-plus\nRUN apt-get install -y chromium\n";
        assert_eq!(
            build_stage_text(text),
            [
                "FROM python:3.13-slim AS build-deps",
                "FROM node:22 AS node-build"
            ]
        );
    }

    #[test]
    fn bases_targets_and_numbered_stages() {
        // `base` is started from; `tools` is referenced by nobody (a --target).
        let text = "FROM debian:12 AS base\nRUN apt-get install -y ca-certificates\n\
                    FROM golang:1.22\nRUN go build -o /app\n\
                    FROM debian:12 AS tools\nRUN apt-get install -y jq\n\
                    FROM base\nCOPY --from=1 /app /app\n";
        assert_eq!(build_stage_text(text), ["FROM golang:1.22"]);
        assert!(build_stage_spans("FROM node:22\nRUN npm ci\n").is_empty());
        assert!(build_stage_spans("").is_empty());
    }

    #[test]
    fn development_targets_beside_the_shipped_image() {
        let text = "FROM python:3.12 AS deps\nRUN pip install poetry\n\
                    FROM deps AS dev\nRUN curl -fsSL https://x/install | bash\n\
                    FROM deps AS final-dev\nRUN make\n\
                    FROM python:3.12-slim AS final\nCOPY --from=deps /venv /venv\n";
        let spans = development_stage_spans(text);
        assert_eq!(spans.len(), 1);
        assert!(text[spans[0].clone()].starts_with("FROM deps AS dev\n"));
        // A development stage something builds on, or the last stage, is not set aside.
        let built_on = "FROM node:22 AS dev\nRUN npm ci\nFROM dev AS prod\nRUN npm run build\n";
        assert!(development_stage_spans(built_on).is_empty());
        assert!(development_stage_spans("FROM node:22 AS base\nFROM base AS dev\n").is_empty());
    }

    #[test]
    fn a_name_is_matched_whole() {
        let text = "FROM node:22 AS build\nRUN npm ci\n\
                    FROM node:22 AS build-tools\nRUN npm i -g x\n\
                    FROM nginx:1.27\nCOPY --from=build-tools /x /x\n";
        assert_eq!(build_stage_text(text), ["FROM node:22 AS build-tools"]);
    }

    #[test]
    fn through_stages_built_on_them_and_variable_bases() {
        // build-deps is only the base of compile-icu, which is only copied from.
        let text = "FROM python:3.13 AS build-deps\nRUN apt-get install -y gcc\n\
                    FROM build-deps AS compile-icu\nRUN make\n\
                    FROM python:3.13 AS app\nCOPY --from=compile-icu /icu.so /icu.so\n";
        assert_eq!(
            build_stage_text(text),
            [
                "FROM python:3.13 AS build-deps",
                "FROM build-deps AS compile-icu"
            ]
        );
        let text = "ARG BASE=apache\n\
                    FROM php:8.3-apache AS apache-php-ext-base\nRUN apt-get install -y libzip-dev\n\
                    FROM ${BASE}-php-ext-base AS php-ext-zip\nRUN docker-php-ext-install zip\n\
                    FROM php:8.3-apache AS apache-base\nRUN apt-get install -y unzip\n\
                    FROM ${BASE}-base AS prod\nCOPY --from=php-ext-zip /zip.so /zip.so\n";
        assert_eq!(
            build_stage_text(text),
            [
                "FROM php:8.3-apache AS apache-php-ext-base",
                "FROM ${BASE}-php-ext-base AS php-ext-zip"
            ]
        );
    }

    #[test]
    fn the_shipped_image_is_built_on() {
        assert_eq!(
            shipped_base_image("FROM localhost:5000/lldap/lldap:alpine-base\nCOPY x /x\n")
                .as_deref(),
            Some("localhost:5000/lldap/lldap:alpine-base")
        );
        let chained = "FROM node:22 AS deps\nRUN npm ci\nFROM ghcr.io/acme/app:base AS base\nFROM base AS final\nCOPY --from=deps /n /n\n";
        assert_eq!(
            shipped_base_image(chained).as_deref(),
            Some("ghcr.io/acme/app:base")
        );
        assert_eq!(
            shipped_base_image("FROM golang:1.23 AS b\nFROM scratch\n"),
            None
        );
        assert_eq!(shipped_base_image("FROM ${BASE}\n"), None);
        // silverbullet's variants: the build argument's default names the base image.
        assert_eq!(
            shipped_base_image(
                "ARG BASE_IMAGE=Silverbullet:test\nFROM ${BASE_IMAGE}\nRUN apk add chromium\n"
            )
            .as_deref(),
            Some("silverbullet:test")
        );
        assert_eq!(
            shipped_base_image("ARG REG=ghcr.io\nARG TAG\nFROM $REG/acme/app:${TAG}\n"),
            None
        );
        assert_eq!(shipped_base_image("# no stage\n"), None);
    }

    #[test]
    fn images_that_start_no_process() {
        // A protobuf build output and a shared stage: nothing runs.
        assert!(starts_no_process(
            "FROM docker.io/library/alpine:3.24.1@sha256:28bd AS builder\nRUN apk add protobuf\n"
        ));
        assert!(starts_no_process(
            "FROM debian:trixie-slim AS build\nRUN make\nFROM debian:trixie-slim AS release\nCOPY --from=build /out /out\n"
        ));
        assert!(starts_no_process(
            "FROM golang AS b\nRUN go build\nFROM scratch\nCOPY --from=b /app /app\n"
        ));
        // A CMD anywhere on the shipped chain, or a base that brings its own command.
        assert!(!starts_no_process(
            "FROM alpine AS base\nCMD [\"/app\"]\nFROM base\nRUN true\n"
        ));
        assert!(!starts_no_process(
            "FROM alpine\nENTRYPOINT [\"/sbin/tini\", \"--\"]\n"
        ));
        assert!(!starts_no_process(
            "FROM docker.io/linkace/base-image:php-8.3-alpine\nCOPY . /app\n"
        ));
        assert!(!starts_no_process(
            "FROM nginx:1.27\nCOPY dist /usr/share/nginx/html\n"
        ));
        assert!(!starts_no_process("FROM ${BASE_IMAGE}\nRUN true\n"));
        assert!(!starts_no_process(""));
        // A quoted base named by a build argument's default: a snap-building image.
        assert!(starts_no_process(
            "ARG BASE_IMAGE=adguard/snap-builder:2.1\nFROM \"$BASE_IMAGE\" AS publisher\nRUN sh ./scripts/snap/upload.sh\n"
        ));
        assert!(!starts_no_process(
            "ARG BASE_IMAGE=node:22\nFROM \"$BASE_IMAGE\"\nRUN npm ci\n"
        ));
    }

    #[test]
    fn the_shipped_chain_follows_from_stage() {
        let text = "FROM ruby:3.4 AS base\nUSER postal\nFROM base AS ci\nRUN rspec\nFROM base AS full\nCMD [\"postal\"]\n";
        let chain: Vec<&str> = shipped_chain_spans(text)
            .into_iter()
            .map(|span| text[span].lines().next().unwrap_or(""))
            .collect();
        assert_eq!(chain, ["FROM ruby:3.4 AS base", "FROM base AS full"]);
        assert!(shipped_chain_spans("").is_empty());
    }
}
