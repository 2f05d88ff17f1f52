//! Configuration files that the walk read like any other but that, once every file is
//! known, turn out to configure no deployment: files only development Compose stacks
//! mount, Kustomize patches (fragments of a base, not manifests), and the setups in a
//! folder whose README says it is for development or tests. Rules that skip development
//! setups do not judge them, and they are no evidence of a stack.

use super::compose_mounts::{self, ComposeMount};
use crate::inventory::classify::{
    file_name, is_container_setup, is_env_file_name, is_setup_config,
};
use std::collections::{BTreeMap, BTreeSet};

/// Why a file in a folder of vendored packages is set aside; the report lists the
/// folder once, not each of its files.
pub const VENDORED: &str =
    "a copy of third-party packages the project lists as requirements (vendored)";

/// What the walk gathered that decides which configuration files are set aside.
pub struct Evidence<'a> {
    pub compose_mounts: &'a [ComposeMount],
    pub kustomize_patches: Vec<String>,
    /// Folders whose README says they are for development or tests.
    pub development_folders: &'a [String],
    pub copied_into_images: &'a BTreeSet<String>,
    /// Folders holding copies of the third-party packages the project requires.
    pub vendored_folders: Vec<String>,
}

/// A file that may be set aside once every file is read: a container setup, a
/// manifest or proxy configuration, an env file.
pub fn may_be_set_aside(path: &str) -> bool {
    is_container_setup(path) || is_setup_config(path) || is_env_file_name(file_name(path))
}

/// The configuration files set aside among `files`, with the reason for each.
pub fn configs<'a>(
    evidence: Evidence<'_>,
    files: impl Iterator<Item = &'a str> + Clone,
) -> BTreeMap<String, &'static str> {
    let mut out = compose_mounts::mounted_only_by_development(
        evidence.compose_mounts,
        files.clone(),
        evidence.copied_into_images,
    );
    out.extend(evidence.kustomize_patches.into_iter().map(|path| {
        (
            path,
            "a Kustomize patch, merged into the resources of its base",
        )
    }));
    let under = |folders: &[String], path: &str| {
        folders.iter().any(|folder| {
            path.strip_prefix(folder.as_str())
                .is_some_and(|rest| rest.starts_with('/'))
        })
    };
    let in_development_folder = |path: &str| under(evidence.development_folders, path);
    out.extend(
        files
            .clone()
            .filter(|path| under(&evidence.vendored_folders, path))
            .map(|path| (path.to_string(), VENDORED)),
    );
    out.extend(
        files
            .filter(|path| in_development_folder(path) && may_be_set_aside(path))
            .map(|path| {
                (
                    path.to_string(),
                    "the README of its folder says the folder is for development or tests, or retired",
                )
            }),
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folders_and_patches() {
        let folders = vec!["deploy/k8s".to_string()];
        let copied = BTreeSet::new();
        let files = [
            "deploy/k8s/base/deployment.yaml",
            "deploy/k8s/README.md",
            "deploy/k8s-prod/deployment.yaml",
            "deploy/k8s/overlays/prod/ingress-patch.yaml",
            "backend/main.go",
            "backend/lib/requests/adapters.py",
        ];
        let out = configs(
            Evidence {
                compose_mounts: &[],
                kustomize_patches: vec!["deploy/k8s/overlays/prod/ingress-patch.yaml".into()],
                development_folders: &folders,
                copied_into_images: &copied,
                vendored_folders: vec!["backend/lib".to_string()],
            },
            files.iter().copied(),
        );
        let paths: Vec<&str> = out.keys().map(String::as_str).collect();
        assert_eq!(
            paths,
            [
                "backend/lib/requests/adapters.py",
                "deploy/k8s/base/deployment.yaml",
                "deploy/k8s/overlays/prod/ingress-patch.yaml"
            ]
        );
        // A patch in a development folder is listed for the folder.
        assert!(out["deploy/k8s/overlays/prod/ingress-patch.yaml"].contains("folder"));
    }
}
