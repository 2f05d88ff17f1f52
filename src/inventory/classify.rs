//! What a path is, from its name alone: env files, and code that is not the product
//! (tests, fixtures, examples, vendored and generated files).

/// Production env files in the order they win within one folder.
pub const PRODUCTION_ENV_NAMES: [&str; 3] = [".env.production", ".env.prod", ".env"];
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

const NON_PRODUCT_DIRS: [&str; 22] = [
    "test",
    "tests",
    "__tests__",
    "__mocks__",
    "spec",
    "specs",
    "testdata",
    "test-data",
    "fixtures",
    "__fixtures__",
    "examples",
    "example",
    "samples",
    "vendor",
    "third_party",
    "third-party",
    "node_modules",
    ".venv",
    "venv",
    "site-packages",
    "dist",
    "bower_components",
];

/// Tests, fixtures, examples, vendored or generated code: source rules skip these by
/// default, because a finding there is not a gap in the product.
pub fn is_test_or_vendored(path: &str) -> bool {
    let mut segments = path.split('/').peekable();
    while let Some(seg) = segments.next() {
        if segments.peek().is_none() {
            return is_test_or_generated_file(seg);
        }
        let lower = seg.to_ascii_lowercase();
        if NON_PRODUCT_DIRS.contains(&lower.as_str()) {
            return true;
        }
    }
    false
}

fn is_test_or_generated_file(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    (lower.starts_with("test_") && lower.ends_with(".py"))
        || lower.ends_with("_test.py")
        || lower.ends_with("_test.go")
        || lower.ends_with("_spec.rb")
        || lower.ends_with("_test.rb")
        || lower.contains(".test.")
        || lower.contains(".spec.")
        || lower == "conftest.py"
        || lower.ends_with(".min.js")
        || lower.ends_with(".min.css")
        || lower.ends_with("_pb2.py")
        || lower.ends_with(".pb.go")
        || lower.ends_with(".generated.ts")
        || lower.ends_with(".g.dart")
        || (lower.ends_with("test.java") || lower.ends_with("tests.java"))
        || (lower.ends_with("test.kt") || lower.ends_with("tests.kt"))
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
