//! Content-Security-Policy parsing and the MDN HTTP Observatory's CSP
//! classification, ported from its published rules (analyzer/tests/csp.js).

use std::collections::BTreeMap;

use super::facts::Partial;

type Policy = BTreeMap<String, Vec<String>>;

/// The Observatory's CSP verdict: expectation name and score modifier.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Verdict {
    pub result: &'static str,
    pub modifier: i64,
    /// Whether a CSP `frame-ancestors` directive makes XFO unnecessary.
    pub frame_ancestors: bool,
}

const BROAD: &[&str] = &[
    "ftp:",
    "http:",
    "https:",
    "*",
    "http://*",
    "http://*.*",
    "https://*",
    "https://*.*",
];
const UNSAFE_INLINE: &[&str] = &["'unsafe-inline'", "data:"];

fn is_broad(s: &str) -> bool {
    BROAD.contains(&s)
}

fn is_broad_or_inline(s: &str) -> bool {
    is_broad(s) || UNSAFE_INLINE.contains(&s)
}

fn has_nonce_or_hash(sources: &[String]) -> bool {
    sources.iter().any(|s| {
        ["'sha256-", "'sha384-", "'sha512-", "'nonce-"]
            .iter()
            .any(|p| s.starts_with(p))
    })
}

/// Splits header values into policies (commas separate policies per CSP3).
/// Errors mirror the Observatory: too-short policies and duplicated
/// directives (other than report-uri/report-to) make the header invalid.
pub(super) fn parse(values: &[String]) -> Result<Vec<Policy>, String> {
    let mut policies = Vec::new();
    for raw in values.iter().flat_map(|v| v.split(',')) {
        let text: String = raw.chars().filter(|c| *c != '\r' && *c != '\n').collect();
        let text = text.trim();
        if text.len() < 6 {
            return Err(format!("policy {text:?} is too short to be valid"));
        }
        let mut policy = Policy::new();
        for entry in text.split(';') {
            let mut words = entry.split_whitespace();
            let Some(directive) = words.next().map(str::to_ascii_lowercase) else {
                continue;
            };
            let mut sources: Vec<String> = words.map(str::to_ascii_lowercase).collect();
            if sources.is_empty() && directive.ends_with("-src") {
                sources.push("'none'".to_string());
            }
            if policy.contains_key(&directive) {
                if directive == "report-uri" || directive == "report-to" {
                    continue;
                }
                return Err(format!("directive {directive} appears twice"));
            }
            policy.insert(directive, sources);
        }
        policies.push(policy);
    }
    Ok(policies)
}

fn effective<'a>(p: &'a Policy, directive: &str) -> Option<&'a Vec<String>> {
    p.get(directive).or_else(|| p.get("default-src"))
}

/// Writes `csp.*` facts and returns the Observatory verdict.
pub(super) fn analyze(
    enforced: &[String],
    report_only: bool,
    https: bool,
    out: &mut Partial,
) -> Verdict {
    out.bool("csp.report_only", report_only);
    let not_implemented = Verdict {
        result: if report_only {
            "csp-not-implemented-but-reporting-enabled"
        } else {
            "csp-not-implemented"
        },
        modifier: -25,
        frame_ancestors: false,
    };
    if enforced.is_empty() {
        out.bool("csp.present", false);
        return not_implemented;
    }
    out.bool("csp.present", true);
    let policies = match parse(enforced) {
        Ok(p) => p,
        Err(e) => {
            out.bool("csp.valid", false);
            out.str("csp.error", e);
            return Verdict {
                result: "csp-header-invalid",
                modifier: -25,
                frame_ancestors: false,
            };
        }
    };
    out.bool("csp.valid", true);
    // Deviation: with several policies the Observatory intersects their
    // source lists; we judge the first policy only.
    let Some(policy) = policies.first() else {
        return not_implemented;
    };
    let star = vec!["*".to_string()];
    let joined = |v: &Vec<String>| v.join(" ");
    out.list("csp.directives", policy.keys().cloned().collect());
    if let Some(v) = policy.get("default-src") {
        out.str("csp.default_src", joined(v));
    }
    if let Some(v) = policy.get("frame-ancestors") {
        out.str("csp.frame_ancestors", joined(v));
    }
    let mut script = effective(policy, "script-src").unwrap_or(&star).clone();
    let mut style = effective(policy, "style-src").unwrap_or(&star).clone();
    let object = effective(policy, "object-src").unwrap_or(&star).clone();
    out.str("csp.script_src", joined(&script));
    out.str("csp.object_src", joined(&object));

    // Browsers ignore 'unsafe-inline' once a nonce or hash is present.
    for list in [&mut script, &mut style] {
        if has_nonce_or_hash(list) {
            list.retain(|s| s != "'unsafe-inline'");
        }
    }
    let mut result: Option<(&'static str, i64)> = None;
    let mut set = |r: (&'static str, i64)| {
        if result.is_none() {
            result = Some(r);
        }
    };
    if script.iter().any(|s| s == "'strict-dynamic'") {
        if has_nonce_or_hash(&script) {
            script.retain(|s| {
                !(BROAD.iter().any(|b| s.starts_with(b)) || s == "'self'" || s == "'unsafe-inline'")
            });
        } else {
            set(("csp-header-invalid", -25));
        }
    }
    out.bool(
        "csp.script_src_unsafe_inline",
        script.iter().any(|s| s == "'unsafe-inline'"),
    );
    let unsafe_eval = script.iter().chain(&style).any(|s| s == "'unsafe-eval'");
    out.bool("csp.script_src_unsafe_eval", unsafe_eval);

    let passive_dirs = ["img-src", "media-src"];
    let mut active: Vec<&String> = policy
        .iter()
        .filter(|(d, _)| !passive_dirs.contains(&d.as_str()) && d.as_str() != "script-src")
        .flat_map(|(_, v)| v)
        .collect();
    active.extend(script.iter());
    let passive: Vec<&String> = passive_dirs
        .iter()
        .filter_map(|d| effective(policy, d))
        .flatten()
        .collect();
    let insecure = |s: &&String| s.starts_with("http:") || s.starts_with("ftp:");

    if script.iter().any(|s| is_broad_or_inline(s)) || object.iter().any(|s| is_broad(s)) {
        set(("csp-implemented-with-unsafe-inline", -20));
    }
    if https && active.iter().any(insecure) {
        set(("csp-implemented-with-insecure-scheme", -20));
    }
    if unsafe_eval {
        set(("csp-implemented-with-unsafe-eval", -10));
    }
    if https && passive.iter().any(insecure) {
        set((
            "csp-implemented-with-insecure-scheme-in-passive-content-only",
            -10,
        ));
    }
    if style.iter().any(|s| is_broad_or_inline(s)) {
        set(("csp-implemented-with-unsafe-inline-in-style-src-only", 0));
    }
    if policy
        .get("default-src")
        .is_some_and(|v| v.len() == 1 && v[0] == "'none'")
    {
        set(("csp-implemented-with-no-unsafe-default-src-none", 10));
    }
    set(("csp-implemented-with-no-unsafe", 5));
    let (result, modifier) = result.unwrap_or(("csp-implemented-with-no-unsafe", 5));
    Verdict {
        result,
        modifier,
        frame_ancestors: policy.contains_key("frame-ancestors"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn verdict(csp: &str) -> Verdict {
        analyze(&[csp.to_string()], false, true, &mut Partial::default())
    }

    #[test]
    fn classifies_like_the_observatory() {
        assert_eq!(
            verdict("default-src 'none'; frame-ancestors 'none'").modifier,
            10
        );
        assert_eq!(verdict("default-src 'self'").modifier, 5);
        assert_eq!(
            verdict("default-src 'self'; script-src 'self' 'unsafe-inline'").modifier,
            -20
        );
        assert_eq!(
            verdict("default-src 'self'; script-src 'self' 'unsafe-eval'").modifier,
            -10
        );
        assert_eq!(
            verdict("default-src 'self'; img-src http://x.test").modifier,
            -10
        );
        assert_eq!(
            verdict("default-src 'self'; style-src 'unsafe-inline'").modifier,
            0
        );
        assert_eq!(
            verdict("script-src 'self'").result,
            "csp-implemented-with-unsafe-inline"
        );
        assert_eq!(
            verdict("default-src 'self'; script-src 'nonce-abc' 'unsafe-inline' 'strict-dynamic'")
                .modifier,
            5
        );
        assert_eq!(
            verdict("default-src 'self'; script-src 'strict-dynamic'").result,
            "csp-header-invalid"
        );
        assert_eq!(
            verdict("default-src 'self'; default-src 'none'").result,
            "csp-header-invalid"
        );
        assert_eq!(verdict("x").result, "csp-header-invalid");
    }

    #[test]
    fn records_facts() {
        let mut p = Partial::default();
        analyze(
            &[
                "default-src 'self'; script-src 'self' 'unsafe-inline'; frame-ancestors 'none'"
                    .to_string(),
            ],
            false,
            true,
            &mut p,
        );
        assert_eq!(p.get_bool("csp.script_src_unsafe_inline"), Some(true));
        assert_eq!(p.get_str("csp.frame_ancestors"), Some("'none'"));
        assert_eq!(p.get_str("csp.default_src"), Some("'self'"));
    }
}
