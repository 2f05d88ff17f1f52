//! `launchgate init`: a commented launchgate.toml for the detected stack, and a CI step.

use crate::evaluate::ScanResult;

/// The config text for a scanned repository (never written over an existing file).
pub fn config_for(scan: &ScanResult) -> String {
    let stacks: Vec<&str> = scan.stacks.iter().map(|s| s.name.as_str()).collect();
    let production_env = scan
        .inventory
        .env_files
        .iter()
        .find(|e| e.role == "production")
        .map(|e| e.path.clone());
    let mut out = String::new();
    out.push_str(
        "# launchgate project config. Reference: the README's \"Project config\" section.\n",
    );
    if stacks.is_empty() {
        out.push_str("# Detected stack: nothing yet.\n");
    } else {
        out.push_str(&format!("# Detected stack: {}.\n", stacks.join(", ")));
    }
    out.push_str("\n# Live URLs to probe (TLS, redirects, security headers). Nothing is sent without them.\n");
    out.push_str(
        "# urls = [\"https://staging.example.com\", \"https://api.example.com/health\"]\n",
    );
    out.push_str("# health_path = \"/health\"\n\n");
    match production_env {
        Some(p) => out.push_str(&format!(
            "# The env file that stands for production (found: {p}).\nenv_file = \"{p}\"\n\n"
        )),
        None => out.push_str(
            "# The env file that stands for production.\n# env_file = \".env.production\"\n\n",
        ),
    }
    out.push_str("# Extra rule packs (files or folders of *.toml), relative to this file.\n# rules = [\"launchgate-rules/\"]\n\n");
    out.push_str("# Rules that do not fit this project.\n# disable = [\"DOC005\"]\n\n");
    out.push_str("[gate]\n# The least severe category that fails the gate: zero-function, operational, business or never.\nfail_on = \"business\"\n# min_score = 70\n\n");
    out.push_str("# Change a rule's category or weight without copying it.\n# [overrides.DKR003]\n# category = \"advisory\"\n# weight = 2\n\n");
    out.push_str("# Silence a finding, with a reason. Expired suppressions stop working and are reported.\n# [[ignore]]\n# rule = \"ENV012\"\n# path = \"services/legacy/**\"\n# reason = \"legacy service is retired in Q1\"\n# expires = \"2027-03-31\"\n# owner = \"platform-team\"\n# ticket = \"OPS-123\"\n");
    out
}

/// A GitHub Actions step that runs the gate and uploads SARIF.
pub const CI_STEP: &str = r#"      - name: Production readiness gate
        run: |
          cargo install --locked launchgate
          launchgate scan . --format table --format sarif=launchgate.sarif --format github
      - name: Upload launchgate findings
        if: always()
        uses: github/codeql-action/upload-sarif@v3
        with:
          sarif_file: launchgate.sarif
"#;
