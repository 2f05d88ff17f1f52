//! Which configuration files of the repository Compose services mount, and whether
//! only developers' stacks mount them. lemmy's `docker/federation/nginx_alpha.conf`
//! is named like any proxy configuration; what makes it a test fixture is that only the
//! five-instance federation test stack mounts it. Such a file is set aside like a
//! Dockerfile built only by development Compose files.

use crate::doc::{Node, Value};
use crate::inventory::classify::{
    file_name, is_compose_file, is_dockerfile, is_env_file_name, is_setup_config, normalize,
    parent_dir,
};
use crate::inventory::devstack::mounted_sources;
use crate::inventory::dockerfile_copies::is_copied;
use std::collections::{BTreeMap, BTreeSet};

/// A repository path a Compose service mounts (a file or a folder), and whether the
/// Compose file mounting it is a development setup.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ComposeMount {
    pub source: String,
    pub development: bool,
    /// The folder of the Compose file that mounts it (`""` at the root).
    pub dir: String,
}

/// The repository paths the services of a Compose file mount. The Compose file's own
/// folder and the folders above it are left out: mounting them runs the whole working
/// copy, which says nothing about one file in it.
pub fn mounts_in(path: &str, docs: &[Node], development: bool) -> Vec<ComposeMount> {
    let dir = parent_dir(path);
    let mut out = Vec::new();
    for doc in docs {
        let Some(Value::Map(services)) = doc.get("services").map(|s| &s.value) else {
            continue;
        };
        for (_, service) in services {
            for source in mounted_sources(service) {
                // Named volumes (`data:/data`) and host paths (`/var/run/…`, `~/…`,
                // `${HOME}/…`) are not files of the repository.
                if !source.starts_with('.') {
                    continue;
                }
                let Some(resolved) = normalize(&[dir, source]) else {
                    continue;
                };
                let holds_compose_dir = resolved.is_empty()
                    || dir == resolved
                    || dir.starts_with(&format!("{resolved}/"));
                if !holds_compose_dir {
                    out.push(ComposeMount {
                        source: resolved,
                        development,
                        dir: dir.to_string(),
                    });
                }
            }
        }
    }
    out
}

/// Configuration files (proxy configurations, manifests, env files, certificates and keys) that only
/// development Compose files mount, with the reason the report gives. A file also
/// mounted by a Compose file that may be a deployment, or copied into an image by a
/// product Dockerfile, is kept.
pub fn mounted_only_by_development<'a>(
    mounts: &[ComposeMount],
    files: impl Iterator<Item = &'a str>,
    copied_into_images: &BTreeSet<String>,
) -> BTreeMap<String, &'static str> {
    let sources = |development: bool| -> BTreeSet<&str> {
        mounts
            .iter()
            .filter(|m| m.development == development)
            .map(|m| m.source.as_str())
            .collect()
    };
    let development = sources(true);
    if development.is_empty() {
        return BTreeMap::new();
    }
    let deployment = sources(false);
    let development_dirs: BTreeSet<&str> = mounts
        .iter()
        .filter(|m| m.development && !m.dir.is_empty())
        .map(|m| m.dir.as_str())
        .collect();
    let key_beside_development_compose = |path: &str| {
        development_dirs.iter().any(|dir| {
            path.strip_prefix(dir)
                .is_some_and(|rest| rest.starts_with('/'))
        })
    };
    let under = |path: &str, set: &BTreeSet<&str>| {
        set.contains(path)
            || path
                .match_indices('/')
                .any(|(i, _)| set.contains(&path[..i]))
    };
    files
        .filter(|path| {
            // Certificates and keys too, when they sit beside a development Compose file: a
            // development stack's self-signed ones (vanilla's `docker/images/nginx/certs/`,
            // mounted into its PHP containers). Elsewhere the build may ship them (emqx's
            // `apps/emqx/etc/certs/`, which its CI stack also mounts).
            let config = is_setup_config(path)
                || is_env_file_name(file_name(path))
                || ([".pem", ".key", ".crt"]
                    .iter()
                    .any(|ext| file_name(path).ends_with(ext))
                    && key_beside_development_compose(path));
            config
                && !is_compose_file(path)
                && !is_dockerfile(path)
                && under(path, &development)
                && !under(path, &deployment)
                && !is_copied(path, copied_into_images)
        })
        .map(|path| {
            (
                path.to_string(),
                "mounted only by development Compose files",
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::doc::{parse_documents, DocFormat};

    fn mounts(path: &str, yaml: &str, development: bool) -> Vec<ComposeMount> {
        let docs = parse_documents(DocFormat::Yaml, yaml).expect("test YAML parses");
        mounts_in(path, &docs, development)
    }

    #[test]
    fn mounted_sources_resolve_from_the_compose_folder() {
        let yaml = "services:\n  proxy:\n    image: nginx:1.27\n    volumes:\n      - ./nginx_alpha.conf:/etc/nginx/nginx.conf:ro\n      - ../certs:/certs\n      - ../../:/src\n      - .:/app\n      - data:/data\n      - /var/run/docker.sock:/var/run/docker.sock\n      - type: bind\n        source: ./conf.d\n        target: /etc/nginx/conf.d\n";
        let found: Vec<String> = mounts("docker/federation/docker-compose.yml", yaml, true)
            .into_iter()
            .map(|m| m.source)
            .collect();
        assert_eq!(
            found,
            [
                "docker/federation/nginx_alpha.conf",
                "docker/certs",
                "docker/federation/conf.d"
            ]
        );
    }

    #[test]
    fn configs_only_development_stacks_mount_are_set_aside() {
        let mut all = mounts(
            "docker/federation/docker-compose.yml",
            "services:\n  proxy:\n    image: nginx\n    volumes:\n      - ./nginx.conf:/etc/nginx/nginx.conf\n      - ./shared:/etc/shared\n      - ./conf.d:/etc/nginx/conf.d\n      - ./baked.conf:/etc/nginx/baked.conf\n",
            true,
        );
        all.extend(mounts(
            "docker/docker-compose.yml",
            "services:\n  proxy:\n    image: nginx\n    volumes:\n      - ./federation/shared:/etc/shared\n",
            false,
        ));
        let files = [
            "docker/federation/nginx.conf",
            "docker/federation/conf.d/site.conf",
            "docker/federation/conf.d/app.py",
            "docker/federation/shared/proxy.conf",
            "docker/federation/baked.conf",
            "docker/nginx.conf",
        ];
        let copied: BTreeSet<String> = ["docker/federation/baked.conf".to_string()].into();
        let aside = mounted_only_by_development(&all, files.into_iter(), &copied);
        assert_eq!(
            aside.keys().map(String::as_str).collect::<Vec<_>>(),
            [
                "docker/federation/conf.d/site.conf",
                "docker/federation/nginx.conf"
            ]
        );
    }
}
