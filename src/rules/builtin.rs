//! The built-in pack, embedded so the installed binary needs no files beside it.
//! Each file is registered under a virtual path so errors can point into it.

pub const BUILTIN_PREFIX: &str = "builtin:";

macro_rules! builtin {
    ($($name:literal),* $(,)?) => {
        &[$((concat!("builtin:checks/", $name), include_str!(concat!("../../checks/", $name)))),*]
    };
}

static SOURCES: &[(&str, &str)] = builtin!(
    "stacks.toml",
    "env.toml",
    "secrets.toml",
    "docker.toml",
    "compose.toml",
    "kubernetes.toml",
    "proxy.toml",
    "app.toml",
    "observability.toml",
    "data.toml",
    "terraform.toml",
    "delivery.toml",
    "quality.toml",
    "docs.toml",
    "business.toml",
    "probe.toml",
    "drift.toml",
);

pub fn builtin_sources() -> &'static [(&'static str, &'static str)] {
    SOURCES
}
