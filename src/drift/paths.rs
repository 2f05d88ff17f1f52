//! Path classification: which extractor applies, and which files are tests,
//! vendored or generated code.

use super::SourceKind;

/// Picks the extractor for a repo-relative, `/`-separated path by file name
/// and extension. `None` for files that are not scanned.
pub fn source_kind(path: &str) -> Option<SourceKind> {
    let name = path.rsplit('/').next().unwrap_or(path);
    let lower = name.to_ascii_lowercase();
    if lower == "dockerfile"
        || lower == "containerfile"
        || lower.starts_with("dockerfile.")
        || lower.starts_with("containerfile.")
        || lower.ends_with(".dockerfile")
    {
        return Some(SourceKind::Dockerfile);
    }
    let (stem, ext) = match lower.rfind('.') {
        Some(p) if p > 0 => (&lower[..p], &lower[p + 1..]),
        _ => (lower.as_str(), ""),
    };
    if matches!(ext, "yml" | "yaml")
        && (stem.starts_with("docker-compose") || stem.starts_with("compose"))
    {
        return Some(SourceKind::Compose);
    }
    if matches!(ext, "yml" | "yaml" | "properties")
        && (stem.starts_with("application") || stem.starts_with("bootstrap"))
    {
        return Some(SourceKind::SpringConfig);
    }
    // Rails runs the YAML under `config/` through ERB (`database.yml`, `cable.yml`…)
    let in_config = path.starts_with("config/") || path.contains("/config/");
    if ext == "erb" || (matches!(ext, "yml" | "yaml") && in_config) {
        return Some(SourceKind::Erb);
    }
    let kind = match ext {
        "py" => SourceKind::Python,
        "js" | "jsx" | "ts" | "tsx" | "mjs" | "cjs" | "mts" | "cts" | "vue" | "svelte" => {
            SourceKind::JavaScript
        }
        "go" => SourceKind::Go,
        "rs" => SourceKind::Rust,
        "rb" | "rake" | "ru" => SourceKind::Ruby,
        "java" | "kt" | "kts" => SourceKind::Java,
        "sh" | "bash" | "zsh" | "ksh" => SourceKind::Shell,
        "" if lower == "rakefile" => SourceKind::Ruby,
        "" if lower.contains("entrypoint") => SourceKind::Shell,
        _ => return None,
    };
    Some(kind)
}

/// Directory names whose contents are tests, vendored, built or generated.
pub use crate::inventory::classify::is_test_or_vendored;

#[cfg(test)]
mod tests {
    use super::*;
    use SourceKind::*;

    #[test]
    fn kinds() {
        let table: &[(&str, Option<SourceKind>)] = &[
            ("app/settings.py", Some(Python)),
            ("web/src/a.tsx", Some(JavaScript)),
            ("a.mjs", Some(JavaScript)),
            ("a.cjs", Some(JavaScript)),
            ("a.jsx", Some(JavaScript)),
            ("a.d.ts", Some(JavaScript)),
            ("cmd/main.go", Some(Go)),
            ("src/main.rs", Some(Rust)),
            ("config/puma.rb", Some(Ruby)),
            ("lib/tasks/x.rake", Some(Ruby)),
            ("Rakefile", Some(Ruby)),
            ("src/main/java/A.java", Some(Java)),
            ("src/main/kotlin/A.kt", Some(Java)),
            ("src/main/resources/application.yml", Some(SpringConfig)),
            ("application-prod.yaml", Some(SpringConfig)),
            ("application.properties", Some(SpringConfig)),
            ("scripts/deploy.sh", Some(Shell)),
            ("x.bash", Some(Shell)),
            ("docker/entrypoint", Some(Shell)),
            ("docker-entrypoint.sh", Some(Shell)),
            ("Dockerfile", Some(Dockerfile)),
            ("docker/Dockerfile.prod", Some(Dockerfile)),
            ("api.Dockerfile", Some(Dockerfile)),
            ("Containerfile", Some(Dockerfile)),
            ("docker-compose.yml", Some(Compose)),
            ("docker-compose.prod.yaml", Some(Compose)),
            ("compose.yaml", Some(Compose)),
            ("compose.override.yml", Some(Compose)),
            ("config.yml", None),
            ("config/database.yml", Some(Erb)),
            ("backend/config/cable.yaml", Some(Erb)),
            ("app/views/layouts/application.html.erb", Some(Erb)),
            ("config/application.yml", Some(SpringConfig)),
            (".github/workflows/ci.yml", None),
            ("README.md", None),
            (".env", None),
            ("Makefile", None),
            ("src/app.py.bak", None),
        ];
        for (p, want) in table {
            assert_eq!(source_kind(p), *want, "{p}");
        }
    }

    #[test]
    fn tests_and_vendored() {
        let yes = [
            "tests/test_app.py",
            "pkg/test/util.go",
            "src/__tests__/a.ts",
            "spec/models/user_spec.rb",
            "app/user_spec.rb",
            "pkg/server_test.go",
            "app/test_settings.py",
            "app/settings_test.py",
            "app/conftest.py",
            "src/a.test.ts",
            "src/a.spec.js",
            "src/a.test.tsx",
            "fixtures/app.py",
            "internal/testdata/x.go",
            "examples/basic/main.go",
            "vendor/github.com/x/y.go",
            "third_party/lib.py",
            "web/node_modules/dotenv/lib/main.js",
            "web/dist/bundle.js",
            ".venv/lib/python3.12/site-packages/x.py",
            "lib/site-packages/x.py",
            "static/jquery.min.js",
            "api/gen/api.go",
            "proto/service_pb2.py",
            "proto/service.pb.go",
            "src/test/java/com/x/AppTest.java",
            "src/main/java/com/x/AppTests.java",
            "./tests/a.py",
            "Tests/A.py",
        ];
        for p in yes {
            assert!(is_test_or_vendored(p), "{p}");
        }
        let no = [
            "app/settings.py",
            "src/index.ts",
            "cmd/server/main.go",
            "src/testing_utils.rs",
            "app/latest.py",
            "src/main/java/com/x/Contest.java",
            "src/contest.ts",
            "test.py",
            "spec.rb",
            "builder/main.go",
            "generator/x.py",
            "Dockerfile",
            "",
        ];
        for p in no {
            assert!(!is_test_or_vendored(p), "{p}");
        }
    }
}
