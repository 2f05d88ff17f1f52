//! MDN HTTP Observatory score from observed facts, following the published
//! scoring (grader/charts.js, scanner/index.js): start at 100, add each
//! test's modifier, award bonuses only if the penalties alone leave >= 90,
//! floor at 0, grade by rounding down to a multiple of 5.
//!
//! Deviations (see FACTS.md): no HSTS preload list, subresource integrity
//! and `<meta http-equiv>` are not evaluated (body not fetched), multiple
//! CSP policies are judged by the first one.

use super::csp::Verdict;
use super::facts::Partial;
use super::headers::HSTS_SIX_MONTHS;

struct Test {
    name: &'static str,
    result: &'static str,
    modifier: i64,
}

fn t(name: &'static str, (result, modifier): (&'static str, i64)) -> Test {
    Test {
        name,
        result,
        modifier,
    }
}

/// `https` is whether the final response came over TLS.
pub(super) fn score(f: &Partial, csp: Verdict, https: bool, out: &mut Partial) {
    let hsts = hsts(f, https);
    let tests = [
        t("content-security-policy", (csp.result, csp.modifier)),
        t(
            "cookies",
            cookies(f, hsts.0 == "hsts-implemented-max-age-at-least-six-months"),
        ),
        t("cross-origin-resource-sharing", cors(f)),
        t("redirection", redirection(f)),
        t("referrer-policy", referrer(f)),
        t("strict-transport-security", hsts),
        t(
            "subresource-integrity",
            ("not-evaluated-body-not-fetched", 0),
        ),
        t("x-content-type-options", xcto(f)),
        t("x-frame-options", xfo(f, csp.frame_ancestors)),
        t("cross-origin-resource-policy", corp(f)),
    ];
    let penalties: i64 = tests.iter().map(|t| t.modifier.min(0)).sum();
    let all: i64 = tests.iter().map(|t| t.modifier).sum();
    let uncurved = 100 + penalties;
    let score = if uncurved >= 90 { 100 + all } else { uncurved }.max(0);
    out.int("observatory.score", score);
    // launchgate deviation (docs/probe-facts.md): the Observatory grades headers only,
    // but a page whose certificate browsers reject cannot be loaded at all, so the
    // grade shown beside our score is capped at F. The score stays as computed.
    let browsers_refuse = https && f.get_bool("tls.verified") == Some(false);
    out.str(
        "observatory.grade",
        if browsers_refuse { "F" } else { grade(score) },
    );
    out.list(
        "observatory.tests",
        tests
            .iter()
            .map(|t| format!("{}: {} ({:+})", t.name, t.result, t.modifier))
            .collect(),
    );
}

pub(super) fn grade(score: i64) -> &'static str {
    match (score - score.rem_euclid(5)).min(100) {
        100 => "A+",
        90..=99 => "A",
        85..=89 => "A-",
        80..=84 => "B+",
        70..=79 => "B",
        65..=69 => "B-",
        60..=64 => "C+",
        50..=59 => "C",
        45..=49 => "C-",
        40..=44 => "D+",
        30..=39 => "D",
        25..=29 => "D-",
        _ => "F",
    }
}

fn hsts(f: &Partial, https: bool) -> (&'static str, i64) {
    if !https {
        ("hsts-not-implemented-no-https", -20)
    } else if f.get_bool("tls.verified") != Some(true) {
        ("hsts-invalid-cert", -20)
    } else if f.get_bool("hsts.present") != Some(true) {
        ("hsts-not-implemented", -20)
    } else if f.get_bool("hsts.valid") != Some(true) {
        ("hsts-header-invalid", -20)
    } else if f.get_int("hsts.max_age").unwrap_or(0) < HSTS_SIX_MONTHS {
        ("hsts-implemented-max-age-less-than-six-months", -10)
    } else {
        ("hsts-implemented-max-age-at-least-six-months", 0)
    }
}

fn list<'a>(f: &'a Partial, key: &str) -> &'a [String] {
    match f.facts.get(key) {
        Some(super::Fact::List(v)) => v,
        _ => &[],
    }
}

fn cookies(f: &Partial, hsts_pass: bool) -> (&'static str, i64) {
    // Later entries are worse; a cookie only ever moves the result down.
    const RANKED: [(&str, i64); 7] = [
        ("cookies-without-secure-flag-but-protected-by-hsts", -5),
        ("cookies-without-secure-flag", -20),
        (
            "cookies-session-without-secure-flag-but-protected-by-hsts",
            -10,
        ),
        ("cookies-samesite-flag-invalid", -20),
        ("cookies-anticsrf-without-samesite-flag", -20),
        ("cookies-session-without-httponly-flag", -30),
        ("cookies-session-without-secure-flag", -40),
    ];
    let names: Vec<&String> = list(f, "cookies.names")
        .iter()
        .filter(|n| n.as_str() != "heroku-session-affinity")
        .collect();
    if names.is_empty() {
        return ("cookies-not-found", 0);
    }
    let has = |key: &str, n: &String| list(f, key).contains(n);
    let mut worst: Option<usize> = None;
    let mut bump = |i: usize| worst = Some(worst.map_or(i, |w| w.max(i)));
    let mut missing_samesite = false;
    for n in names {
        let lower = n.to_ascii_lowercase();
        let session = lower.contains("login") || lower.contains("sess");
        let secure = !has("cookies.insecure", n);
        let no_samesite = has("cookies.no_samesite", n);
        if has("cookies.samesite_invalid", n) {
            bump(3);
        }
        if !secure {
            bump(if hsts_pass { 0 } else { 1 });
        }
        if lower.contains("csrf") && no_samesite {
            bump(4);
        }
        if session && !secure {
            bump(if hsts_pass { 2 } else { 6 });
        }
        if session && has("cookies.no_httponly", n) {
            bump(5);
        }
        missing_samesite |= no_samesite;
    }
    match worst {
        Some(i) => RANKED[i],
        None if missing_samesite => ("cookies-secure-with-httponly-sessions", 0),
        None => ("cookies-secure-with-httponly-sessions-and-samesite", 5),
    }
}

fn cors(f: &Partial) -> (&'static str, i64) {
    match f.get_str("cors.allow_origin") {
        None => ("cross-origin-resource-sharing-not-implemented", 0),
        Some("*") => (
            "cross-origin-resource-sharing-implemented-with-public-access",
            0,
        ),
        Some(_)
            if f.get_bool("cors.reflects_origin") == Some(true)
                && f.get_bool("cors.allow_credentials") == Some(true) =>
        {
            (
                "cross-origin-resource-sharing-implemented-with-universal-access",
                -50,
            )
        }
        Some(_) => (
            "cross-origin-resource-sharing-implemented-with-restricted-access",
            0,
        ),
    }
}

fn redirection(f: &Partial) -> (&'static str, i64) {
    if f.get_bool("redirect.http_reachable") != Some(true) {
        return ("redirection-not-needed-no-http", 0);
    }
    let final_https = f.get_bool("redirect.final_https") == Some(true);
    if list(f, "redirect.chain").is_empty() {
        ("redirection-missing", -20)
    } else if final_https && f.get_bool("tls.verified") == Some(false) {
        ("redirection-invalid-cert", -20)
    } else if !final_https {
        ("redirection-not-to-https", -20)
    } else if f.get_bool("http.to_https_redirect") != Some(true) {
        ("redirection-not-to-https-on-initial-redirection", -10)
    } else if f.get_bool("redirect.first_hop_same_host") != Some(true) {
        ("redirection-off-host-from-http", -5)
    } else {
        ("redirection-to-https", 0)
    }
}

fn referrer(f: &Partial) -> (&'static str, i64) {
    const GOOD: [&str; 4] = [
        "no-referrer",
        "same-origin",
        "strict-origin",
        "strict-origin-when-cross-origin",
    ];
    const BAD: [&str; 4] = [
        "origin",
        "origin-when-cross-origin",
        "unsafe-url",
        "no-referrer-when-downgrade",
    ];
    let Some(v) = f.get_str("header.referrer-policy") else {
        return ("referrer-policy-not-implemented", 0);
    };
    // The last recognised token wins, as in browsers.
    let policy = v
        .split(',')
        .map(|p| p.trim().to_ascii_lowercase())
        .rfind(|p| GOOD.contains(&p.as_str()) || BAD.contains(&p.as_str()));
    match policy.as_deref() {
        Some(p) if GOOD.contains(&p) => ("referrer-policy-private", 5),
        Some(_) => ("referrer-policy-unsafe", -5),
        None => ("referrer-policy-header-invalid", -5),
    }
}

fn xcto(f: &Partial) -> (&'static str, i64) {
    match f.get_str("header.x-content-type-options") {
        None => ("x-content-type-options-not-implemented", -5),
        Some(v) if v.trim().eq_ignore_ascii_case("nosniff") => {
            ("x-content-type-options-nosniff", 0)
        }
        Some(_) => ("x-content-type-options-header-invalid", -5),
    }
}

fn xfo(f: &Partial, frame_ancestors: bool) -> (&'static str, i64) {
    if frame_ancestors {
        return ("x-frame-options-implemented-via-csp", 5);
    }
    match f
        .get_str("header.x-frame-options")
        .map(|v| v.trim().to_ascii_lowercase())
    {
        None => ("x-frame-options-not-implemented", -20),
        Some(v) if v == "deny" || v == "sameorigin" => ("x-frame-options-sameorigin-or-deny", 0),
        Some(v) if v.starts_with("allow-from") => ("x-frame-options-allow-from-origin", 0),
        Some(_) => ("x-frame-options-header-invalid", -20),
    }
}

fn corp(f: &Partial) -> (&'static str, i64) {
    match f
        .get_str("header.cross-origin-resource-policy")
        .map(|v| v.trim().to_ascii_lowercase())
        .as_deref()
    {
        None => ("corp-not-implemented", 0),
        Some("same-site") => ("corp-implemented-with-same-site", 10),
        Some("same-origin") => ("corp-implemented-with-same-origin", 10),
        Some("cross-origin") => ("corp-implemented-with-cross-origin", 0),
        Some(_) => ("corp-header-invalid", -5),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grade_chart() {
        assert_eq!(grade(135), "A+");
        assert_eq!(grade(100), "A+");
        assert_eq!(grade(99), "A");
        assert_eq!(grade(85), "A-");
        assert_eq!(grade(74), "B");
        assert_eq!(grade(25), "D-");
        assert_eq!(grade(24), "F");
        assert_eq!(grade(0), "F");
    }

    #[test]
    fn bare_https_site_scores_like_observatory() {
        // Verified TLS, no security headers: CSP -25, HSTS -20, XCTO -5, XFO -20.
        let mut f = Partial::default();
        f.bool("tls.verified", true);
        f.bool("hsts.present", false);
        let csp = Verdict {
            result: "csp-not-implemented",
            modifier: -25,
            frame_ancestors: false,
        };
        let mut out = Partial::default();
        score(&f, csp, true, &mut out);
        assert_eq!(out.get_int("observatory.score"), Some(30));
        assert_eq!(out.get_str("observatory.grade"), Some("D"));
    }

    #[test]
    fn session_cookie_without_flags() {
        let mut f = Partial::default();
        for k in [
            "cookies.names",
            "cookies.insecure",
            "cookies.no_httponly",
            "cookies.no_samesite",
        ] {
            f.list(k, vec!["SESSIONID".to_string()]);
        }
        assert_eq!(
            cookies(&f, false),
            ("cookies-session-without-secure-flag", -40)
        );
        assert_eq!(
            cookies(&f, true),
            ("cookies-session-without-httponly-flag", -30)
        );
    }
}
