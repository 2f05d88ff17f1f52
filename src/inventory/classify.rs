//! What a path is, from its name alone: env files, and code that is not the product
//! (tests, fixtures, examples, vendored and generated files).

/// Production env files in the order they win within one folder.
pub const PRODUCTION_ENV_NAMES: [&str; 3] = [".env.production", ".env.prod", ".env"];

/// Whether a file name is the configuration of a front-end build tool that loads
/// env files by mode (Vite and what builds on it, Next.js, Nuxt, Astro, Vue CLI).
/// Those tools read `.env` in every mode, development included, and take production
/// values from `.env.production` and the build's environment: in their folder `.env`
/// holds development defaults, not production configuration.
pub fn is_frontend_build_config(name: &str) -> bool {
    let Some((stem, ext)) = name.rsplit_once('.') else {
        return false;
    };
    matches!(ext, "js" | "mjs" | "cjs" | "ts" | "mts" | "cts")
        && matches!(
            stem,
            "vite.config" | "next.config" | "nuxt.config" | "astro.config" | "vue.config"
        )
}
/// Documented templates in the order they win within one folder.
pub const TEMPLATE_ENV_NAMES: [&str; 4] =
    [".env.example", ".env.sample", ".env.template", ".env.dist"];

pub fn file_name(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

pub fn parent_dir(path: &str) -> &str {
    path.rsplit_once('/').map_or("", |(d, _)| d)
}

/// `.env`, `.env.production`, `.env.local`… (but not `.envrc` or `.env.d/`).
pub fn is_env_file_name(name: &str) -> bool {
    name == ".env" || (name.starts_with(".env.") && name.len() > 5)
}

const SKIP_DIRS: &[&str] = &[
    "tests",
    "test",
    "__tests__",
    "spec",
    "__mocks__",
    "fixtures",
    "__fixtures__",
    "testdata",
    "examples",
    "example",
    "samples",
    "specs",
    "test-data",
    "third-party",
    "vendor",
    "third_party",
    "node_modules",
    "bower_components",
    "dist",
    ".venv",
    "venv",
    ".tox",
    "site-packages",
    "gen",
    "generated",
    "__generated__",
];

const JS_EXTS: &[&str] = &["js", "ts", "jsx", "tsx", "mjs", "cjs", "mts", "cts"];

/// Whether a repo-relative path is test code, a fixture/example, vendored or
/// built output, or generated code — places where env reads are not evidence
/// about the deployed service.
pub fn is_test_or_vendored(path: &str) -> bool {
    let path = path.trim_start_matches("./");
    // Below a JVM source root the folders are package names (`org/acme/samples/…`),
    // not project layout: only the part above `src/main/` is judged by folder.
    let path = match path.find("src/main/") {
        Some(i) => {
            let (head, tail) = path.split_at(i);
            let file = tail.rsplit('/').next().unwrap_or(tail);
            return is_test_or_vendored(&format!("{head}{file}"));
        }
        None => path,
    };
    let mut segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    let Some(file) = segments.pop() else {
        return false;
    };
    if segments
        .iter()
        .any(|d| SKIP_DIRS.iter().any(|s| d.eq_ignore_ascii_case(s)))
    {
        return true;
    }
    let lower = file.to_ascii_lowercase();
    if lower.ends_with("_test.go")
        || lower.ends_with(".pb.go")
        || lower.ends_with(".pb.gw.go")
        || lower.ends_with("_generated.go")
        || lower.ends_with(".gen.go")
        || lower.starts_with("zz_generated")
        || lower.ends_with("_pb2.py")
        || lower.ends_with("_pb2_grpc.py")
        || lower.ends_with("_pb2.pyi")
        || (lower.starts_with("test_") && lower.ends_with(".py"))
        || lower.ends_with("_test.py")
        || lower == "conftest.py"
        || lower.ends_with("_spec.rb")
        || lower.ends_with("_test.rb")
        || lower.ends_with(".min.js")
    {
        return true;
    }
    // Java/Kotlin test classes: case-sensitive so `Contest.java` is kept.
    if ["Test.java", "Tests.java", "IT.java", "Test.kt", "Tests.kt"]
        .iter()
        .any(|s| file.ends_with(s) && file.len() > s.len())
    {
        return true;
    }
    // foo.test.ts, foo.spec.js, foo.test-d.ts is not covered on purpose
    let parts: Vec<&str> = lower.split('.').collect();
    if parts.len() >= 3 {
        let ext = parts[parts.len() - 1];
        let marker = parts[parts.len() - 2];
        if JS_EXTS.contains(&ext) && matches!(marker, "test" | "spec" | "e2e") {
            return true;
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn env_names() {
        assert!(is_env_file_name(".env"));
        assert!(is_env_file_name(".env.production"));
        assert!(!is_env_file_name(".envrc"));
        assert!(!is_env_file_name(".env."));
        assert!(!is_env_file_name("env"));
    }

    #[test]
    fn frontend_build_configs() {
        for n in [
            "vite.config.ts",
            "vite.config.mjs",
            "next.config.js",
            "nuxt.config.ts",
        ] {
            assert!(is_frontend_build_config(n), "{n}");
        }
        for n in [
            "vite.config",
            "webpack.config.js",
            "next.config.json",
            "config.ts",
        ] {
            assert!(!is_frontend_build_config(n), "{n}");
        }
    }

    #[test]
    fn non_product_paths() {
        for p in [
            "tests/test_api.py",
            "app/tests/helpers.py",
            "src/app.test.ts",
            "pkg/x_test.go",
            "third_party/vendor/lib.min.js",
            "services/a/node_modules/x/index.js",
            "examples/demo/main.py",
        ] {
            assert!(is_test_or_vendored(p), "{p}");
        }
        for p in [
            "app/main.py",
            "src/contest.ts",
            "latest/app.py",
            "Dockerfile",
        ] {
            assert!(!is_test_or_vendored(p), "{p}");
        }
    }
}
