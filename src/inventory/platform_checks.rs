//! Health checks a hosting platform runs for an image. A `fly.toml` with
//! `[[http_service.checks]]` (typebot's `apps/workflows/fly.toml`) has Fly probe the
//! machine built from its Dockerfile: the image needs no `HEALTHCHECK` of its own.

use super::classify::{file_name, normalize, parent_dir};
use crate::doc::{parse_documents, DocError, DocFormat, Node, Value};

/// Whether a path is a Fly.io configuration (`fly.toml`, `fly.production.toml`).
pub fn is_fly_config(path: &str) -> bool {
    let name = file_name(path);
    name == "fly.toml" || (name.starts_with("fly.") && name.ends_with(".toml"))
}

fn non_empty(node: Option<&Node>) -> bool {
    match node.map(|n| &n.value) {
        Some(Value::Seq(items)) => !items.is_empty(),
        Some(Value::Map(entries)) => !entries.is_empty(),
        _ => false,
    }
}

/// The Dockerfile (relative to the repository root) whose machines a Fly configuration
/// health-checks: `[build] dockerfile`, relative to the configuration's folder, or the
/// `Dockerfile` beside it. `None` when it declares no check; an error when it is no TOML.
pub fn fly_checked_dockerfile(path: &str, text: &str) -> Result<Option<String>, DocError> {
    let Some(doc) = parse_documents(DocFormat::Toml, text)?.into_iter().next() else {
        return Ok(None);
    };
    let service_checks = |service: &Node| {
        non_empty(service.get("checks"))
            || non_empty(service.get("http_checks"))
            || non_empty(service.get("tcp_checks"))
    };
    let services_checked = match doc.get("services").map(|s| &s.value) {
        Some(Value::Seq(services)) => services.iter().any(service_checks),
        _ => false,
    };
    let checked = non_empty(doc.get("checks"))
        || doc.get("http_service").is_some_and(service_checks)
        || services_checked;
    // A machine started from a prebuilt `[build] image` is no Dockerfile's.
    let build = doc.get("build");
    if !checked || build.is_some_and(|b| b.get("image").is_some()) {
        return Ok(None);
    }
    let dockerfile = build
        .and_then(|b| b.get("dockerfile"))
        .and_then(Node::as_scalar)
        .map_or_else(|| "Dockerfile".to_string(), ToString::to_string);
    Ok(normalize(&[parent_dir(path), &dockerfile]))
}

/// Whether a CI step deploys this Dockerfile to Fly (`flyctl deploy --dockerfile
/// apps/webapp/Dockerfile`): the authors' own deployment, which the platform checks,
/// even when another step pushes the image to a registry.
pub fn fly_deploys_in_ci(ci_text: &str, dockerfile: &str) -> bool {
    ci_text.lines().any(|line| {
        (line.contains("flyctl deploy") || line.contains("fly deploy"))
            && line
                .split_whitespace()
                .map(|word| word.strip_prefix("--dockerfile=").unwrap_or(word))
                .any(|word| word.trim_matches(['"', '\'']) == dockerfile)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn checked(path: &str, text: &str) -> Option<String> {
        fly_checked_dockerfile(path, text).expect("test TOML parses")
    }

    #[test]
    fn fly_deploys_named_dockerfiles() {
        let ci = "      - run: flyctl deploy --remote-only --app shelf --dockerfile apps/webapp/Dockerfile\n";
        assert!(fly_deploys_in_ci(ci, "apps/webapp/Dockerfile"));
        assert!(!fly_deploys_in_ci(ci, "apps/webapp/Dockerfile.image"));
        assert!(fly_deploys_in_ci(
            "fly deploy --dockerfile=web/Dockerfile",
            "web/Dockerfile"
        ));
        assert!(!fly_deploys_in_ci(
            "docker build -f apps/webapp/Dockerfile .",
            "apps/webapp/Dockerfile"
        ));
    }

    #[test]
    fn fly_checks() {
        let http = "app = 'x'\n[build]\ndockerfile = \"Dockerfile\"\n[http_service]\ninternal_port = 3007\n  [[http_service.checks]]\n  path = \"/healthz\"\n";
        assert_eq!(
            checked("apps/workflows/fly.toml", http).as_deref(),
            Some("apps/workflows/Dockerfile")
        );
        let services = "[build]\ndockerfile = \"../docker/api.Dockerfile\"\n[[services]]\ninternal_port = 8080\n  [[services.tcp_checks]]\n  interval = \"15s\"\n";
        assert_eq!(
            checked("deploy/fly.toml", services).as_deref(),
            Some("docker/api.Dockerfile")
        );
        assert_eq!(
            checked("fly.toml", "[checks.alive]\ntype = \"http\"\nport = 8080\n").as_deref(),
            Some("Dockerfile")
        );
        // No check declared, or a prebuilt image: nothing of the repository is checked.
        assert_eq!(
            checked("fly.toml", "[http_service]\ninternal_port = 80\n"),
            None
        );
        assert_eq!(
            checked(
                "fly.toml",
                "[build]\nimage = \"ghcr.io/acme/api:1\"\n[checks.alive]\nport = 80\n"
            ),
            None
        );
        // A file that is no TOML is an error the scan reports, with its line.
        let err = fly_checked_dockerfile("fly.toml", "app = 'x'\n[[[ broken\n").unwrap_err();
        assert_eq!(err.line, 2);
        assert!(is_fly_config("apps/web/fly.production.toml"));
        assert!(!is_fly_config("flyway.toml"));
    }
}
