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

/// Joins path pieces and folds `.` and `..`; `None` for an absolute path or one that
/// leaves the target.
pub fn normalize(parts: &[&str]) -> Option<String> {
    let mut segments: Vec<&str> = Vec::new();
    for part in parts {
        if part.starts_with('/') {
            return None;
        }
        for seg in part.split('/') {
            match seg {
                "" | "." => {}
                ".." => {
                    segments.pop()?;
                }
                s => segments.push(s),
            }
        }
    }
    Some(segments.join("/"))
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
    // Test suites named in one word (DefectDojo's `unittests/scans/`, sample scanner reports).
    "unittests",
    "unittest",
    "integrationtests",
    "integrationtest",
    "functionaltests",
    "acceptancetests",
    // squidex's `tools/TestSuite/`, the API tests and the stacks CI runs them against.
    "testsuite",
    "testsuites",
    // Helpers only tests import (maddy's `internal/testutils/`, with a throw-away key).
    "testutils",
    "testutil",
    "testhelpers",
    "testhelper",
    // End-to-end suites: their code drives a browser against a running copy.
    "e2e",
    "playwright",
    "cypress",
    // Integration suites (`internal/suites/`): scenarios, their PKI and their clients.
    "suites",
    "examples",
    "example",
    "samples",
    "specs",
    "test-data",
    "third-party",
    "vendor",
    "third_party",
    // Yarn Berry's own bundled plugins and releases (`.yarn/plugins/`, `.yarn/releases/`).
    ".yarn",
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
    // A project template's files are rendered into someone else's project
    // (cookiecutter's `{{ cookiecutter.project_slug }}/`, copier's `{{ name }}/`).
    if segments
        .iter()
        .any(|d| d.contains("{{") && d.contains("}}"))
    {
        return true;
    }
    if segments.iter().any(|d| {
        // A hidden folder is named for what it holds too (`.examples/`).
        let bare = d.strip_prefix('.').unwrap_or(d);
        SKIP_DIRS
            .iter()
            .any(|s| d.eq_ignore_ascii_case(s) || bare.eq_ignore_ascii_case(s))
            || is_test_folder_compound(bare)
    }) {
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
        // Django's default name for an app's test module (bugsink's `files/tests.py`).
        || lower == "tests.py"
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
        if JS_EXTS.contains(&ext) && matches!(marker, "test" | "spec" | "e2e" | "mock" | "mocks") {
            return true;
        }
    }
    // A module of test doubles beside the code it stands in for (logto's connector
    // `src/mock.ts`, with a throwaway key for the unit tests).
    matches!(parts.as_slice(), ["mock" | "mocks", ext] if JS_EXTS.contains(ext))
}

/// A folder named for tests in compound form: `e2e_tests/`, `integration-tests/`,
/// `api_test/` (parts split on `-`, `_` and `.`; `latest/` or `contest/` are one part), or
/// for test doubles: `fake-server/` (peekaping's local target for trying monitors), or for
/// a demo program (dendrite's `cmd/dendrite-demo-pinecone/`),
/// `mock-api/`, `stub_services/`.
fn is_test_folder_compound(dir: &str) -> bool {
    let dir = dir.to_ascii_lowercase();
    // A package of test doubles in one word: gonic's `lastfm/mockclient/`.
    if ["mockclient", "mockserver", "mockapi", "mockhttp"].contains(&dir.as_str()) {
        return true;
    }
    // Parts are split on `.` too: a .NET test project is named for the assembly it tests
    // (`Squidex.Domain.Apps.Core.Tests/`).
    if !dir.contains(['-', '_', '.']) {
        return false;
    }
    let mut parts = dir.split(['-', '_', '.']);
    matches!(parts.next(), Some("mock" | "mocks" | "stub" | "stubs"))
        || dir.split(['-', '_', '.']).any(|p| {
            matches!(
                p,
                "test"
                    | "tests"
                    | "testing"
                    | "unittests"
                    | "integrationtests"
                    | "e2e"
                    | "testdata"
                    | "fake"
                    | "fakes"
                    | "demo"
            )
        })
}

/// Words that, as a folder name or a part of one, mark a development, test or demo
/// setup: `dev/`, `docker/development/`, `local-dev/`, `docker/debug/`, `playwright/`,
/// `demo/`… Parts are split on `-`, `_` and `.`, so `devops/` or `latest/` are not
/// matched. These mark Kubernetes and other YAML manifests too.
const DEV_FOLDER_WORDS: &[&str] = &[
    "dev",
    "devel",
    "develop",
    "development",
    "devcontainer",
    // penpot's `docker/devenv/`, a contributor workspace such as `docker/gitpod/`.
    "devenv",
    "gitpod",
    // Local development environments: DDEV's `.ddev/` (passbolt), Lando's `.lando/`.
    "ddev",
    "lando",
    "local",
    "test",
    "tests",
    "testing",
    // An integration suite's own setup (concourse's `integration/ops/overrides/nginx.conf`),
    // and ory's `oryx/watcherx/integrationtest/`.
    "integration",
    "integrationtest",
    "integrationtests",
    "e2e",
    "debug",
    "sandbox",
    "playground",
    // Files that CI runs the tests with (emqx's `.ci/docker-compose-file/`, its nginx test
    // proxies and certificates), and Travis CI's own folder (cypht's `.travis/.env`, the
    // test environment its setup script moves into place).
    "ci",
    "travis",
    "testsuite",
    "testsuites",
    // A Go or Kubernetes project's developer folder: concourse's `hack/` holds its local
    // Compose overrides, nginx configurations and test certificates.
    "hack",
    // Pull-request preview environments: Uffizzi's `uffizzi/` (crater), Bunnyshell's
    // `.bunnyshell/` (Sylius), with fixtures and mail catchers, torn down after review.
    "uffizzi",
    "bunnyshell",
];

/// Folder words that mark only a Compose file or Dockerfile as a development, test or
/// demo setup. Manifests are not judged by them: `chart/templates/` is a Helm chart and a
/// documented sample of manifests (`examples/k8s/`) is a deployment template.
const DEV_CONTAINER_FOLDER_WORDS: &[&str] = &[
    // Stand-ins for external services in a development stack (photoprism's
    // `docker/dummy/oidc/`).
    "dummy",
    "dummies",
    "mock",
    "mocks",
    "playwright",
    "cypress",
    "selenium",
    "demo",
    "demos",
    "example",
    "examples",
    "sample",
    "samples",
    "bench",
    "benchmark",
    "benchmarks",
    // Smoke-test stacks (emqx's `plugins/*/smoke/`) and load-test harnesses (cerbos's
    // `hack/loadtest/`).
    "smoke",
    "loadtest",
    "loadtests",
    "loadtesting",
    "seed",
    "seeds",
    "seeding",
    // A catalogue of other applications' stacks a tool offers to start (Dockge's
    // `extra/templates/uptime-kuma/compose.yaml`).
    "templates",
];

/// Folders of a development workspace matched by their whole name, whose word alone is
/// too short to tell: `.gp/`, the workspace folder of the gitpod-laravel-starter template
/// (concretecms's `.gp/conf/nginx/nginx.conf`, started by its `.gitpod.yml`), while a
/// `gp-api/` folder may be anything.
const DEV_WORKSPACE_FOLDERS: &[&str] = &[".gp"];

/// Words that, as a part of a Compose file's or Dockerfile's own name, mark it as a
/// development or test variant: `docker-compose.dev.yml`, `compose.ci-test.yml`,
/// `Dockerfile.debug`, `dev.Dockerfile`. `override` is Compose's auto-loaded
/// development overlay. `ci` is not one: `Dockerfile.ci` often builds the image
/// that is published.
const DEV_SETUP_NAME_WORDS: &[&str] = &[
    "dev",
    "devel",
    "develop",
    "development",
    "devcontainer",
    "devenv",
    "gitpod",
    "local",
    "test",
    "tests",
    "testing",
    "integration",
    "e2e",
    "debug",
    "playwright",
    "cypress",
    "override",
    // `Dockerfile.coverage`: an instrumented build for the test suite.
    "coverage",
    // Debugging, IDE and toolchain images (typesense's `debugger.Dockerfile`,
    // `clion-remote-cpp-env-arm.Dockerfile`, `ubuntu-12-04-gcc.Dockerfile` and
    // `packager.Dockerfile`): a developer's or a package builder's environment.
    "debugger",
    "debugging",
    "clion",
    "vscode",
    "codespaces",
    "toolchain",
    "gcc",
    "clang",
    "sccache",
    "packager",
    // A cross-compilation image (`Dockerfile.cross`): a build environment.
    "cross",
];

fn words(s: &str) -> impl Iterator<Item = &str> {
    s.split(['-', '_', '.']).filter(|w| !w.is_empty())
}

/// A project document kept at the repository root: license, readme, security policy,
/// contributing guide, changelog, notice (`LICENSE.txt`, `SECURITY.md`, `COPYING`).
pub fn is_root_document(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    let stem = lower.split('.').next().unwrap_or(&lower);
    matches!(
        stem,
        "license"
            | "licence"
            | "copying"
            | "readme"
            | "security"
            | "contributing"
            | "changelog"
            | "notice"
    ) || stem.starts_with("license-")
        || stem.starts_with("licence-")
}

/// A Compose file or a Dockerfile (`Dockerfile`, `Dockerfile.*`, `*.Dockerfile`,
/// `Containerfile`, `docker-compose*.yml`, `compose*.yaml`, `podman-compose.yml`).
pub fn is_container_setup_file(name: &str) -> bool {
    let l = name.to_ascii_lowercase();
    let yaml = l.ends_with(".yml") || l.ends_with(".yaml");
    is_dockerfile(&l)
        || (yaml
            && (l.starts_with("docker-compose")
                || l.starts_with("compose.")
                || l.starts_with("compose-")
                || l.starts_with("podman-compose")
                // `picsur.docker-compose.yml`, `dev.docker-compose.yml`.
                || l.contains(".docker-compose.")
                || l.contains("-docker-compose.")))
}

/// A Dockerfile or Containerfile by name (`Dockerfile`, `Dockerfile.*`, `*.Dockerfile`).
pub fn is_dockerfile(path: &str) -> bool {
    let l = file_name(path).to_ascii_lowercase();
    // `Dockerfile.dev.dockerignore` is the ignore file BuildKit pairs with that Dockerfile.
    if l.ends_with(".dockerignore") {
        return false;
    }
    l == "dockerfile"
        || l.starts_with("dockerfile.")
        || l.ends_with(".dockerfile")
        || l == "containerfile"
        || l.starts_with("containerfile.")
}

/// A Compose file or Dockerfile by name ([`is_container_setup_file`]), or a YAML file
/// in a `docker-compose/` folder.
pub fn is_container_setup(path: &str) -> bool {
    let file = file_name(path);
    is_container_setup_file(file)
        || (file_name(parent_dir(path)).eq_ignore_ascii_case("docker-compose")
            && (file.ends_with(".yml") || file.ends_with(".yaml")))
}

/// A Compose file: a container setup ([`is_container_setup`]) that is not a Dockerfile.
/// Whether a path is CI or release configuration that may build and publish images:
/// GitHub workflows and actions, GitLab CI (with its included files), Depot CI,
/// CircleCI, Azure Pipelines, Woodpecker,
/// Buildkite, Drone, Bitbucket Pipelines, Jenkins, GoReleaser.
pub fn is_ci_config(path: &str) -> bool {
    let path = path.trim_start_matches("./");
    let yaml = path.ends_with(".yml") || path.ends_with(".yaml");
    // GitHub reads workflows only at the top of `.github/workflows/`; a Compose file in a
    // folder below it (meltano's `.github/workflows/resources/`) is a service CI starts.
    let github_workflow = path
        .strip_prefix(".github/workflows/")
        .is_some_and(|rest| !rest.contains('/'));
    (yaml
        && (github_workflow
            || path.starts_with(".woodpecker/")
            || path.starts_with(".buildkite/")
            // GitLab's `include:` files and Depot CI's GitHub-style workflows.
            || path.starts_with(".gitlab-ci/")
            || path.starts_with(".gitlab/ci/")
            || path.starts_with(".depot/workflows/")
            || (path.starts_with(".github/actions/") && file_name(path).starts_with("action."))))
        || matches!(
            path,
            ".gitlab-ci.yml"
                | ".circleci/config.yml"
                | "azure-pipelines.yml"
                | ".goreleaser.yml"
                | ".goreleaser.yaml"
                | ".woodpecker.yml"
                | ".woodpecker.yaml"
                | ".drone.yml"
                | "bitbucket-pipelines.yml"
                | "Jenkinsfile"
        )
}

pub fn is_compose_file(path: &str) -> bool {
    is_container_setup(path) && !is_dockerfile(path)
}

/// Whether a Compose file or Dockerfile sets up development, tests or a demo rather
/// than a deployment: it sits in a folder named for one (`dev/`, `docker/development/`,
/// `docker/testing/`, `e2e/`, `playwright/`, `demo/`, `examples/`, `.devcontainer/`…)
/// or its own name says so (`docker-compose.dev.yml`, `compose.test.yml`,
/// `Dockerfile.dev`). Manifests (YAML) and proxy configurations (`*.conf`, `*.vhost`,
/// a `Caddyfile`) in such a folder set up the same development environment
/// (`dev/kubernetes.yml`, `deploy/local/deployment.yaml`,
/// `contrib/local-environment/nginx.conf`); their own name is not read, since
/// `values-override.yaml` may well be production. Other files are not
/// judged here: a `dev/` folder of source code may well be part of the product.
pub fn is_development_setup(path: &str) -> bool {
    let path = path.trim_start_matches("./");
    let container_setup = is_container_setup(path);
    if !container_setup && !is_setup_config(path) {
        return false;
    }
    let lower = path.to_ascii_lowercase();
    let mut segments: Vec<&str> = lower.split('/').filter(|s| !s.is_empty()).collect();
    let Some(name) = segments.pop() else {
        return false;
    };
    // A Dockerfile in a `ci/` folder may build the published image; a Compose file or a
    // proxy configuration there sets up the tests.
    let dockerfile = is_dockerfile(name);
    let folder_word = |w: &str| {
        (DEV_FOLDER_WORDS.contains(&w) && !(dockerfile && w == "ci"))
            || (container_setup && DEV_CONTAINER_FOLDER_WORDS.contains(&w))
    };
    // A Compose file named for building (`docker-compose.build.yml`) builds the images
    // from source for CI and contributors (langfuse's, started by its `test-docker-build`
    // job; typebot's); a `Dockerfile.build` may well build the shipped image.
    let compose_build =
        container_setup && !is_dockerfile(name) && words(name).any(|w| w == "build");
    // A Compose file in a CI system's folder starts services for the jobs (meltano's
    // `.github/workflows/resources/docker-compose.mssql.yaml`); a Dockerfile there may
    // build the published image (lldap's `.github/workflows/Dockerfile.ci.alpine`).
    let ci_folder = container_setup
        && !is_dockerfile(name)
        && [
            ".github/",
            ".gitlab/",
            ".circleci/",
            ".buildkite/",
            ".woodpecker/",
        ]
        .iter()
        .any(|prefix| lower.starts_with(prefix));
    segments
        .iter()
        .any(|d| DEV_WORKSPACE_FOLDERS.contains(d) || words(d).any(folder_word))
        || (container_setup && words(name).any(|w| DEV_SETUP_NAME_WORDS.contains(&w)))
        || compose_build
        || ci_folder
}

/// A README in a sub-folder (`deploy/k8s/README.md`), which may say what the folder is for.
pub fn is_folder_readme(path: &str) -> bool {
    let path = path.trim_start_matches("./");
    path.contains('/') && is_readme_name(file_name(path))
}

/// Whether `path` is the README at the root of the target.
pub fn is_root_readme(path: &str) -> bool {
    let path = path.trim_start_matches("./");
    !path.contains('/') && is_readme_name(path)
}

fn is_readme_name(name: &str) -> bool {
    matches!(
        name.to_ascii_lowercase().as_str(),
        "readme" | "readme.md" | "readme.markdown" | "readme.rst" | "readme.txt"
    )
}

/// A manifest or proxy configuration by name: YAML, `*.conf`, `*.vhost`, `*.nginx`, a
/// `Caddyfile`.
pub fn is_setup_config(path: &str) -> bool {
    let file = file_name(path);
    [".yml", ".yaml", ".conf", ".vhost", ".nginx"]
        .iter()
        .any(|ext| file.ends_with(ext))
        || file == "Caddyfile"
}

/// Whether a path is not evidence about the deployed product for rules and stack
/// detectors: test, vendored or generated code ([`is_test_or_vendored`]) or a
/// development, test or demo container setup ([`is_development_setup`]).
/// CI configuration is always evidence: a folder named for the tests it runs
/// (`.gitlab-ci/jobs/php_unit_tests/`) describes the pipeline, not test code.
pub fn is_non_production(path: &str) -> bool {
    !is_ci_config(path)
        && (is_test_or_vendored(path) || is_development_setup(path) || is_development_config(path))
}

/// Configuration modules for development or tests by convention: Django settings
/// modules named for them (`settings/test.py`, `settings/local_dev.py`), and bundler
/// configs of the dev server (`rspack.config.local.js`, `webpack.dev.js`).
pub fn is_development_config(path: &str) -> bool {
    let path = path.trim_start_matches("./");
    let (dir, file) = path.rsplit_once('/').unwrap_or(("", path));
    let lower = file.to_ascii_lowercase();
    let dev_word = |w: &str| {
        matches!(
            w,
            "dev"
                | "devel"
                | "development"
                | "local"
                | "test"
                | "tests"
                | "testing"
                | "ci"
                | "debug"
                | "pytest"
        )
    };
    if let Some(stem) = lower.strip_suffix(".py") {
        if dir.split('/').any(is_development_project_folder) {
            return true;
        }
        // `local_settings.py` often holds a deployment's own values: not read as dev.
        let py_dev_word = |w: &str| w != "local" && dev_word(w);
        let mut parents = dir.rsplit('/');
        let parent = parents.next().unwrap_or("");
        let in_settings = parent == "settings";
        let named_settings = stem.split('_').any(|w| w == "settings");
        // A settings package per environment: `core/settings/debug/__init__.py`.
        let settings_package = parents.next() == Some("settings")
            && parent.to_ascii_lowercase().split('_').any(py_dev_word);
        return settings_package
            || ((in_settings || named_settings) && stem.split('_').any(py_dev_word));
    }
    let parts: Vec<&str> = lower.split('.').collect();
    let Some((ext, stem)) = parts.split_last() else {
        return false;
    };
    let bundler = ["webpack", "rspack", "vite", "rollup", "esbuild"];
    // A development server script of its own (wealthfolio's add-on `dev-server.mjs`).
    let dev_server =
        matches!(stem, [name] if matches!(*name, "dev-server" | "devserver" | "dev_server"));
    dev_server
        || (JS_EXTS.contains(ext)
            && stem.len() >= 2
            && (stem.contains(&"config") || bundler.contains(&stem[0]))
            && stem[1..].iter().any(|w| dev_word(w)))
}

/// A Django project kept to develop or test a reusable application (Misago's
/// `devproject/`, `testproject/`, `dev_project/`, `testsite/`): its settings are a
/// developer's, and the deployment's live elsewhere.
fn is_development_project_folder(dir: &str) -> bool {
    let dir = dir.to_ascii_lowercase();
    let Some(prefix) = dir
        .strip_suffix("project")
        .or_else(|| dir.strip_suffix("site"))
    else {
        return false;
    };
    matches!(
        prefix.trim_end_matches(['_', '-']),
        "dev" | "devel" | "development" | "test" | "testing"
    )
}

/// Folders that hold a documentation site: its `package.json` (a Next.js or Docusaurus
/// docs site) or `requirements.txt` (Sphinx, with the framework for autodoc) says what
/// the docs are built with, not what the product runs on.
const DOCS_SITE_DIRS: &[&str] = &[
    "docs",
    "doc",
    "documentation",
    "docs-site",
    "docsite",
    "docs-website",
];

/// Whether `path` is in a top-level folder of helper scripts (`scripts/`, `tools/`,
/// `hack/`, `contrib/`, `utils/`): the build and maintenance tooling around a product,
/// in whatever language is handy.
pub fn is_in_helper_scripts_folder(path: &str) -> bool {
    path.trim_start_matches("./")
        .split_once('/')
        .is_some_and(|(first, _)| {
            matches!(
                first.to_ascii_lowercase().as_str(),
                "scripts" | "script" | "tools" | "hack" | "contrib" | "utils"
            )
        })
}

/// Whether `path` lies in a folder named for a development or test setup
/// (Hi.Events' `docker/development/.env`, `deploy/local/`, `e2e/`): what is there sets up
/// that environment, not the deployment.
pub fn is_in_development_folder(path: &str) -> bool {
    let lower = path.trim_start_matches("./").to_ascii_lowercase();
    lower
        .split('/')
        .rev()
        .skip(1)
        .any(|d| DEV_WORKSPACE_FOLDERS.contains(&d))
        || in_folder_with_word(path, |w| DEV_FOLDER_WORDS.contains(&w))
}

/// Whether one of the folders above `path` has a word (split on `-`, `_`, `.`,
/// lower-cased) for which `is_word` holds.
fn in_folder_with_word(path: &str, is_word: impl Fn(&str) -> bool) -> bool {
    let lower = path.trim_start_matches("./").to_ascii_lowercase();
    let mut segments: Vec<&str> = lower.split('/').filter(|s| !s.is_empty()).collect();
    segments.pop();
    segments.iter().any(|d| words(d).any(&is_word))
}

/// Whether `path` lies in a folder named for examples or samples (`example/`,
/// `examples/`, booklore's `example-docker/`): what is there is a sample an operator
/// copies and fills in, not the deployment's own configuration.
pub fn is_in_example_folder(path: &str) -> bool {
    in_folder_with_word(path, |w| {
        matches!(w, "example" | "examples" | "sample" | "samples")
    })
}

/// Whether `path` lies in a documentation folder (`docs/compose/.env`): what is there
/// illustrates the documentation.
pub fn is_in_docs_folder(path: &str) -> bool {
    let mut segments: Vec<&str> = path.trim_start_matches("./").split('/').collect();
    segments.pop();
    segments
        .iter()
        .any(|d| DOCS_SITE_DIRS.contains(&d.to_ascii_lowercase().as_str()))
}

/// Whether a path is no evidence of which stacks the product uses: non-production
/// ([`is_non_production`]), a documentation site, or a demo or sandbox folder.
pub fn is_stack_evidence_excluded(path: &str) -> bool {
    if is_non_production(path) {
        return true;
    }
    let path = path.trim_start_matches("./");
    let mut segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    segments.pop();
    segments.iter().any(|d| {
        let d = d.to_ascii_lowercase();
        DOCS_SITE_DIRS.contains(&d.as_str())
            || matches!(d.as_str(), "demo" | "demos" | "sandbox" | "playground")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn development_folders() {
        for p in [
            "docker/development/.env",
            "deploy/local/.env",
            "e2e/.env",
            ".devcontainer/.env",
            ".gp/conf/.env",
            ".travis/.env",
            "tools/TestSuite/docker-compose.yml",
        ] {
            assert!(is_in_development_folder(p), "{p}");
        }
        for p in [
            ".env",
            "docker/.env",
            "docker/all-in-one/.env",
            "devops/.env",
            "latest/.env",
            "gp-api/.env",
            ".gp",
        ] {
            assert!(!is_in_development_folder(p), "{p}");
        }
    }

    #[test]
    fn development_configs() {
        for p in [
            "api/app/settings/test.py",
            "settings/local_dev.py",
            "app/settings/development.py",
            "proj/test_settings.py",
            "proj/settings_ci.py",
            "frontend/rspack/rspack.config.local.js",
            "webpack.dev.js",
            "packages/addon-sdk/dev-server.mjs",
            "web/vite.config.dev.ts",
            "apprise_api/core/settings/debug/__init__.py",
            "apprise_api/core/settings/pytest/__init__.py",
            "devproject/settings.py",
            "tests/testproject/urls.py",
            "dev_project/settings.py",
        ] {
            assert!(is_development_config(p), "{p}");
        }
        for p in [
            "api/app/settings/common.py",
            "api/app/settings/production.py",
            "settings.py",
            "app/local.py",
            "proj/local_settings.py",
            "app/settings/local.py",
            "webpack.config.js",
            "rspack.config.prod.js",
            "src/dev-tools.js",
            "src/config/local.ts",
            "apprise_api/core/settings/__init__.py",
            "core/settings/production/__init__.py",
            "myproject/settings.py",
            "website/settings.py",
            "devsite-builder/build.js",
        ] {
            assert!(!is_development_config(p), "{p}");
        }
    }

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
            "files/tests.py",
            "src/app.test.ts",
            "pkg/x_test.go",
            "third_party/vendor/lib.min.js",
            "services/a/node_modules/x/index.js",
            "examples/demo/main.py",
            ".examples/kubernetes/gatus.yaml",
            ".yarn/plugins/@yarnpkg/plugin-interactive-tools.cjs",
            ".examples/docker-compose-mtls/certs/server/server.key",
            "e2e/login.ts",
            "frontend/cypress/support/commands.js",
            "packages/connectors/connector-alipay-web/src/mock.ts",
            "src/api/client.mock.ts",
            "apps/fake-server/src/index.ts",
            "tools/mock-api/server.go",
            "internal/testutils/smtp_server.go",
            "lastfm/mockclient/mockclient.go",
            "cmd/dendrite-demo-pinecone/main.go",
            "unittests/scans/kubelinter/many_findings.yaml",
            "IntegrationTests/app.py",
            "plugin-boilerplate/{{ cookiecutter.project_slug }}/.env",
            "plugin-boilerplate/{{ cookiecutter.project_slug }}/docker-compose.yml",
        ] {
            assert!(is_test_or_vendored(p), "{p}");
        }
        for p in [
            "app/main.py",
            "src/contest.ts",
            "src/mockingbird.ts",
            "apps/mock/server.ts",
            "services/api-stubborn/main.go",
            "latest/app.py",
            "Dockerfile",
        ] {
            assert!(!is_test_or_vendored(p), "{p}");
        }
    }

    #[test]
    fn compound_test_folders() {
        for p in [
            "packages/e2e_tests/setup/nginx/default.conf",
            "integration-tests/app.py",
            "src/api_test/main.go",
            "backend/tests/Squidex.Domain.Apps.Core.Tests/Model/Schema.cs",
            "src/Acme.Api.UnitTests/Startup.cs",
            "tools/TestSuite/TestSuite.ApiTests/AppTests.cs",
        ] {
            assert!(is_test_or_vendored(p), "{p}");
        }
        for p in [
            "latest/app.py",
            "contest/main.go",
            "src/Acme.Api/Startup.cs",
            "src/Acme.Testimonials/Startup.cs",
            "src/ab_testimonials/app.py",
            "e2e.md",
        ] {
            assert!(!is_test_or_vendored(p), "{p}");
        }
    }

    #[test]
    fn root_documents() {
        for name in [
            "LICENSE.txt",
            "LICENSE",
            "COPYING",
            "README.md",
            "SECURITY.md",
            "LICENSE-MIT",
        ] {
            assert!(is_root_document(name), "{name}");
        }
        for name in ["notes.txt", "licenses.json", "readme-images"] {
            assert!(!is_root_document(name), "{name}");
        }
    }

    #[test]
    fn compose_files_named_for_their_project() {
        assert!(is_compose_file("support/picsur.docker-compose.yml"));
        assert!(is_compose_file("deploy/prod-docker-compose.yaml"));
        assert!(!is_compose_file("docs/docker-compose-guide.md"));
    }

    #[test]
    fn development_setups() {
        for p in [
            "dev/docker-compose.yml",
            "docker/development/compose.yml",
            "docker/testing/compose.yml",
            "deployment/docker/debug/Dockerfile",
            "playwright/compose/warden/Dockerfile",
            "dev/app.Dockerfile",
            "local-dev/compose.yaml",
            "demo/docker-compose.yml",
            ".devcontainer/Dockerfile",
            ".ddev/web-build/Dockerfile.ddev-cron",
            ".ddev/docker-compose.openldap.yaml",
            "docker-compose.dev.yml",
            "compose.ci-test.yaml",
            "docker/compose/docker-compose.devcontainer.sqlite.yml",
            "Dockerfile.debug",
            "compose.override.yml",
            "contrib/docker-compose/dev.yml",
            "packages/benchmarks/docker-compose.yml",
            "tools/seed-snapshot/docker-compose.yml",
            "extra/templates/uptime-kuma/compose.yaml",
            "dev/kubernetes.yml",
            "contrib/local-environment/nginx.conf",
            "deploy/local/deployment.yaml",
            "Dockerfile.coverage",
            "docker/debugger.Dockerfile",
            "docker/clion-remote-cpp-env-arm.Dockerfile",
            "docker/ubuntu-12-04-gcc.Dockerfile",
            "docker/packager.Dockerfile",
            "uffizzi/docker-compose.uffizzi.yml",
            "oryx/watcherx/integrationtest/event_logger.yml",
            "client/ui/build/docker/Dockerfile.cross",
            ".bunnyshell/docker/php/Dockerfile",
            "docker-compose.build.yml",
            "docker/develop/bookworm/Dockerfile",
            "docker/devenv/docker-compose.main.yml",
            "docker/devenv/files/nginx.conf",
            "docker/gitpod/Dockerfile",
            ".gp/conf/nginx/nginx.conf",
            "docker/dummy/oidc/Dockerfile",
            "support/dev.docker-compose.yml",
            "hack/loadtest/docker-compose.yml",
            "perf/loadtests/compose.yaml",
            "hack/nginx/nginx.conf",
            ".ci/docker-compose-file/docker-compose-kafka.yaml",
            ".ci/nginx/nginx.conf",
            "plugins/emqx_offline_message/smoke/docker-compose.yml",
            ".github/workflows/resources/docker-compose.mssql.yaml",
        ] {
            assert!(is_development_setup(p), "{p}");
            assert!(is_non_production(p), "{p}");
        }
        for p in [
            "docker-compose.yml",
            "docker/production/compose.yml",
            "docker/compose/docker-compose.postgres-tika.yml",
            "devops/docker-compose.yml",
            "gp-api/docker-compose.yml",
            "compose.deploy.yml",
            "Dockerfile",
            "docker/Dockerfile.alpine",
            ".github/workflows/Dockerfile.ci.alpine",
            "dev/main.go",
            "latest/compose.yml",
            "contrib/docker-compose/traefik.yml",
            "k8s/values-override.yaml",
            "deploy/nginx/site.conf",
            "local_settings.py",
            "chart/templates/deployment.yaml",
            "examples/k8s/deployment.yaml",
            "deploy/kubernetes.yml",
            ".github/workflows/deploy.yml",
            "Dockerfile.coverage.dockerignore",
            "Dockerfile.build",
            "docker/builder/compose.yml",
            "ci/docker/Dockerfile",
        ] {
            assert!(!is_development_setup(p), "{p}");
        }
    }

    #[test]
    fn stack_evidence() {
        for p in [
            "apps/docs/package.json",
            "docs/requirements.txt",
            "demo/package.json",
            "docs-website/nginx.conf",
        ] {
            assert!(is_stack_evidence_excluded(p), "{p}");
        }
        for p in ["apps/web/package.json", "package.json", "docs.py"] {
            assert!(!is_stack_evidence_excluded(p), "{p}");
        }
    }

    #[test]
    fn ci_configurations() {
        for p in [
            ".github/workflows/ci.yml",
            ".gitlab-ci.yml",
            ".gitlab-ci/jobs/php_unit_tests/sequential/php_unit_tests.yml",
            ".gitlab/ci/test.yml",
            ".depot/workflows/job_go.yaml",
            ".woodpecker/build.yaml",
        ] {
            assert!(is_ci_config(p), "{p}");
        }
        for p in [
            "ci/config.yml",
            ".github/dependabot.yml",
            "docs/.gitlab-ci.md",
        ] {
            assert!(!is_ci_config(p), "{p}");
        }
    }
}
