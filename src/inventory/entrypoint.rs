//! The programs an image starts, as far as the repository holds them: the script its
//! `ENTRYPOINT` or `CMD` runs (`./start.sh`, `/entrypoint.sh`) and the supervisord
//! configuration it copies. What those files do (drop root with `gosu`, start programs
//! as `user=app`) is part of the image, though no Dockerfile line says it.

use crate::inventory::classify::{file_name, parent_dir};
use crate::inventory::dockerfile_copies::is_copied;
use crate::inventory::dockerfile_stages::shipped_chain_spans;
use std::collections::BTreeSet;

/// Interpreters and init programs: the script they run is named after them.
const LAUNCHERS: &[&str] = &[
    "tini",
    "dumb-init",
    "sh",
    "bash",
    "ash",
    "env",
    "exec",
    "python",
    "python3",
    "node",
    "java",
    "gunicorn",
    "uvicorn",
    "supervisord",
    "s6-svscan",
    "init",
];

/// The arguments of the last `ENTRYPOINT` and of the last `CMD` of the shipped stages.
fn last_entry_commands(text: &str) -> [Option<String>; 2] {
    let mut last = [None, None];
    for span in shipped_chain_spans(text) {
        for line in text.get(span).unwrap_or_default().lines() {
            let Some((instruction, rest)) = line.trim_start().split_once(char::is_whitespace)
            else {
                continue;
            };
            if instruction.eq_ignore_ascii_case("ENTRYPOINT") {
                last[0] = Some(rest.to_string());
            } else if instruction.eq_ignore_ascii_case("CMD") {
                last[1] = Some(rest.to_string());
            }
        }
    }
    last
}

/// The file names the last `ENTRYPOINT` and `CMD` of the shipped stages run that may be
/// scripts from the repository: `*.sh`, or names with `entrypoint`, `start`, `run`.
pub fn entry_scripts(text: &str) -> Vec<String> {
    let mut out: Vec<String> = last_entry_commands(text)
        .iter()
        .flatten()
        .flat_map(|args| args.split(|c: char| c.is_whitespace() || "[]\",".contains(c)))
        .map(|word| word.rsplit('/').next().unwrap_or(word))
        .filter(|name| {
            let lower = name.to_ascii_lowercase();
            !name.is_empty()
                && !LAUNCHERS.contains(&lower.as_str())
                && (lower.ends_with(".sh")
                    || lower.contains("entrypoint")
                    || ["start", "run", "launch", "boot"]
                        .iter()
                        .any(|p| lower.starts_with(p)))
        })
        .map(str::to_string)
        .collect();
    out.sort();
    out.dedup();
    out
}

/// Whether the program the shipped image starts (its last `ENTRYPOINT`, else its last
/// `CMD`, past launchers and their flags) is named for building packages:
/// `build_package`, `build.sh`, `rpmbuild`. Such an image is a package builder run once
/// per release (wazuh's `packages/debs/*/Dockerfile`), not a service.
pub fn starts_a_build(text: &str) -> bool {
    let last = last_entry_commands(text);
    let Some(args) = last.iter().flatten().next() else {
        return false;
    };
    let program = args
        .split(|c: char| c.is_whitespace() || "[]\",'".contains(c))
        .filter(|w| !w.is_empty() && !w.starts_with('-'))
        .map(|w| w.rsplit('/').next().unwrap_or(w).to_ascii_lowercase())
        .find(|name| !LAUNCHERS.contains(&name.as_str()));
    program.is_some_and(|name| {
        let stem = name.strip_suffix(".sh").unwrap_or(&name);
        ["rpmbuild", "dpkg-buildpackage", "makepkg"].contains(&stem)
            || stem == "build"
            || stem
                .strip_prefix("build")
                .and_then(|rest| rest.strip_prefix(['_', '-']))
                .is_some_and(|rest| {
                    ["package", "packages", "deb", "debs", "rpm", "rpms", "pkg"].contains(&rest)
                })
    })
}

/// The repository files that hold what the image at `dockerfile` starts: its entry
/// scripts (the shallowest file of that name in the Dockerfile's folder, or of that name
/// with `.sh`: mbin copies `docker-entrypoint.sh` to `/usr/local/bin/docker-entrypoint`),
/// the supervisord configurations it copies, and the s6-overlay service scripts in the
/// folders it copies (`COPY docker/root /`).
pub fn entry_files<'a>(
    dockerfile: &str,
    scripts: &[String],
    copied: &[String],
    files: impl Iterator<Item = &'a str> + Clone,
) -> Vec<String> {
    let dir = parent_dir(dockerfile);
    let inside = |path: &str| {
        dir.is_empty()
            || path
                .strip_prefix(dir)
                .is_some_and(|rest| rest.starts_with('/'))
    };
    let mut out = Vec::new();
    for script in scripts {
        let shallowest = files
            .clone()
            .filter(|path| {
                let name = file_name(path);
                (name == script || name.strip_suffix(".sh") == Some(script.as_str()))
                    && inside(path)
            })
            .min_by_key(|path| (path.matches('/').count(), path.to_string()));
        out.extend(shallowest.map(str::to_string));
    }
    out.extend(
        copied
            .iter()
            .filter(|path| file_name(path).to_ascii_lowercase().contains("supervisor"))
            .filter(|path| files.clone().any(|f| f == path.as_str()))
            .cloned(),
    );
    let copied_set: BTreeSet<String> = copied.iter().cloned().collect();
    out.extend(
        files
            .filter(|path| is_s6_service_script(path) && is_copied(path, &copied_set))
            .map(str::to_string),
    );
    out.sort();
    out.dedup();
    out
}

/// The `run` script of an s6-overlay service (`root/etc/s6-overlay/s6-rc.d/svc-node/run`,
/// the older `etc/services.d/app/run`): on linuxserver.io base images it starts the
/// application, often as the unprivileged `abc` with `s6-setuidgid`.
fn is_s6_service_script(path: &str) -> bool {
    file_name(path) == "run"
        && (path.contains("/s6-overlay/s6-rc.d/") || path.contains("etc/services.d/"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn package_builders_start_a_build() {
        assert!(starts_a_build(
            "FROM debian:12\nCOPY build.sh /usr/local/bin/build_package\nENTRYPOINT [\"/usr/local/bin/build_package\"]\n"
        ));
        assert!(starts_a_build(
            "FROM centos:7\nCMD [\"bash\", \"-c\", \"/build.sh\"]\n"
        ));
        assert!(starts_a_build(
            "FROM fedora\nENTRYPOINT rpmbuild -ba app.spec\n"
        ));
        assert!(!starts_a_build(
            "FROM node:22\nCMD [\"node\", \"server.js\"]\n"
        ));
        assert!(!starts_a_build("FROM node:22\nCMD [\"./build-server\"]\n"));
        assert!(!starts_a_build(
            "FROM node AS build\nCMD [\"./build.sh\"]\nFROM nginx\nCMD [\"nginx\"]\n"
        ));
        assert!(!starts_a_build("FROM alpine\n"));
    }

    #[test]
    fn scripts_of_the_shipped_stage() {
        let text = "FROM node AS build\nCMD [\"./build.sh\"]\nFROM python:3.12\nCOPY . /app\nENTRYPOINT [ \"./start.sh\" ]\nCMD [ \"python\", \"Tautulli.py\" ]\n";
        assert_eq!(entry_scripts(text), ["start.sh"]);
        let text = "FROM alpine\nENTRYPOINT [\"/sbin/tini\", \"--\", \"/docker-entrypoint\"]\nCMD run-server --port 80\n";
        assert_eq!(entry_scripts(text), ["docker-entrypoint", "run-server"]);
        assert!(
            entry_scripts("FROM alpine\nCMD [\"nginx\", \"-g\", \"daemon off;\"]\n").is_empty()
        );
    }

    #[test]
    fn files_in_the_build_folder() {
        let files = [
            "start.sh",
            "contrib/start.sh",
            "docker/app/entrypoint.sh",
            "docker/other/entrypoint.sh",
            "docker/app/supervisord.conf",
        ];
        let scripts = vec!["start.sh".to_string()];
        assert_eq!(
            entry_files("Dockerfile", &scripts, &[], files.iter().copied()),
            ["start.sh"]
        );
        let scripts = vec!["entrypoint.sh".to_string()];
        let copied = vec![
            "docker/app/supervisord.conf".to_string(),
            "docker/app/missing-supervisor.conf".to_string(),
        ];
        assert_eq!(
            entry_files(
                "docker/app/Dockerfile",
                &scripts,
                &copied,
                files.iter().copied()
            ),
            ["docker/app/entrypoint.sh", "docker/app/supervisord.conf"]
        );
        // multi-scrobbler: `COPY docker/root /` on a linuxserver.io base image.
        let files = [
            "docker/root/etc/s6-overlay/s6-rc.d/svc-node/run",
            "docker/root/etc/s6-overlay/s6-rc.d/svc-node/type",
            "other/etc/s6-overlay/s6-rc.d/svc-x/run",
        ];
        let copied = vec!["docker/root".to_string()];
        assert_eq!(
            entry_files("Dockerfile", &[], &copied, files.iter().copied()),
            ["docker/root/etc/s6-overlay/s6-rc.d/svc-node/run"]
        );
    }
}
