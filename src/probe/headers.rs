//! Facts derived from response headers. Cookie values are dropped the
//! moment a `Set-Cookie` line is parsed; only names and flags survive.

use std::collections::BTreeSet;

use super::facts::Partial;
use super::http::Response;

/// Sent on the CORS probe. `.invalid` can never be a real origin, so a
/// server echoing it back is reflecting arbitrary origins.
pub(super) const PROBE_ORIGIN: &str = "https://launchgate-probe.invalid";

/// Long values (giant CSPs, tracking headers) are cut to keep reports small.
const MAX_VALUE_CHARS: usize = 2048;

/// Max-age the Observatory treats as "at least six months".
pub(super) const HSTS_SIX_MONTHS: i64 = 15_552_000;

pub(super) fn header_facts(resp: &Response, out: &mut Partial) {
    let names: BTreeSet<&str> = resp.headers.iter().map(|(n, _)| n.as_str()).collect();
    for name in &names {
        if *name == "set-cookie" {
            continue;
        }
        if let Some(v) = resp.joined(name) {
            out.str(&format!("header.{name}"), truncate(&v));
        }
    }
    out.list(
        "headers.names",
        names.iter().map(|s| s.to_string()).collect(),
    );

    let disclosed = ["server", "x-powered-by"]
        .iter()
        .filter_map(|h| resp.joined(h))
        .any(|v| v.bytes().any(|b| b.is_ascii_digit()));
    out.bool("server.version_disclosed", disclosed);
}

fn truncate(v: &str) -> String {
    match v.char_indices().nth(MAX_VALUE_CHARS) {
        Some((i, _)) => format!("{}…", &v[..i]),
        None => v.to_string(),
    }
}

/// Security headers of the final response. HSTS is only meaningful over
/// HTTPS (browsers ignore it on plain HTTP), so it is judged only there.
pub(super) fn security_facts(resp: &Response, https: bool, out: &mut Partial) {
    if https {
        hsts_facts(resp, out);
    }
    out.bool(
        "xcto.nosniff",
        resp.joined("x-content-type-options")
            .is_some_and(|v| v.trim().eq_ignore_ascii_case("nosniff")),
    );
    for (header, key) in [
        ("x-frame-options", "xfo.value"),
        ("referrer-policy", "referrer_policy.value"),
        ("cross-origin-opener-policy", "coop.value"),
        ("cross-origin-resource-policy", "corp.value"),
        ("cross-origin-embedder-policy", "coep.value"),
    ] {
        if let Some(v) = resp.joined(header) {
            out.str(key, truncate(v.trim()));
        }
    }
    out.bool(
        "permissions_policy.present",
        resp.all("permissions-policy").next().is_some(),
    );
}

fn hsts_facts(resp: &Response, out: &mut Partial) {
    let Some(raw) = resp.joined("strict-transport-security") else {
        out.bool("hsts.present", false);
        return;
    };
    out.bool("hsts.present", true);
    let mut max_age = None;
    let mut sub = false;
    let mut preload = false;
    for part in raw.split(';').map(|p| p.trim().to_ascii_lowercase()) {
        if let Some(v) = part.strip_prefix("max-age=") {
            max_age = v.trim().trim_matches('"').parse::<i64>().ok();
        } else if part == "includesubdomains" {
            sub = true;
        } else if part == "preload" {
            preload = true;
        }
    }
    // A comma means the header was sent twice, which the Observatory rejects.
    out.bool("hsts.valid", max_age.is_some() && !raw.contains(','));
    if let Some(a) = max_age {
        out.int("hsts.max_age", a);
    }
    out.bool("hsts.include_subdomains", sub);
    out.bool("hsts.preload", preload);
}

/// Name and flags of one `Set-Cookie`; the value is never stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct CookieFlags {
    pub name: String,
    pub secure: bool,
    pub httponly: bool,
    pub samesite: Option<String>,
}

/// Stands for a cookie whose `Set-Cookie` has no `=`: browsers give it an empty
/// name and take the whole pair as its *value* (RFC 6265bis 5.6), so the pair must
/// not be reported as a name.
pub(super) const UNNAMED_COOKIE: &str = "(unnamed)";

pub(super) fn parse_set_cookie(line: &str) -> Option<CookieFlags> {
    let mut parts = line.split(';');
    let pair = parts.next()?;
    let name = match pair.split_once('=') {
        Some((n, _)) => n.trim(),
        None if pair.trim().is_empty() => return None,
        None => UNNAMED_COOKIE,
    };
    if name.is_empty() {
        return None;
    }
    let mut flags = CookieFlags {
        name: name.to_string(),
        secure: false,
        httponly: false,
        samesite: None,
    };
    for attr in parts {
        let (k, v) = attr.split_once('=').unwrap_or((attr, ""));
        match k.trim().to_ascii_lowercase().as_str() {
            "secure" => flags.secure = true,
            "httponly" => flags.httponly = true,
            "samesite" => flags.samesite = Some(v.trim().to_ascii_lowercase()),
            _ => {}
        }
    }
    Some(flags)
}

/// Cookies from every response in the chain, so one set on a redirect is
/// still judged. A name seen twice keeps its weakest flags.
pub(super) fn cookie_facts<'a>(responses: impl Iterator<Item = &'a Response>, out: &mut Partial) {
    let mut cookies: Vec<CookieFlags> = Vec::new();
    for c in responses
        .flat_map(|r| r.all("set-cookie"))
        .filter_map(parse_set_cookie)
    {
        match cookies.iter_mut().find(|e| e.name == c.name) {
            Some(e) => {
                e.secure &= c.secure;
                e.httponly &= c.httponly;
                if c.samesite.is_none() {
                    e.samesite = None;
                }
            }
            None => cookies.push(c),
        }
    }
    let names = |f: &dyn Fn(&CookieFlags) -> bool| -> Vec<String> {
        cookies
            .iter()
            .filter(|c| f(c))
            .map(|c| c.name.clone())
            .collect()
    };
    out.list("cookies.names", names(&|_| true));
    out.list("cookies.insecure", names(&|c| !c.secure));
    out.list("cookies.no_httponly", names(&|c| !c.httponly));
    out.list("cookies.no_samesite", names(&|c| c.samesite.is_none()));
    out.list(
        "cookies.samesite_invalid",
        names(&|c| match c.samesite.as_deref() {
            None => false,
            Some("lax" | "strict") => false,
            // SameSite=None is only honoured together with Secure.
            Some("none") => !c.secure,
            Some(_) => true,
        }),
    );
}

pub(super) fn cors_facts(resp: &Response, out: &mut Partial) {
    let origin = resp
        .joined("access-control-allow-origin")
        .map(|v| v.trim().to_string());
    let creds = resp
        .joined("access-control-allow-credentials")
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("true"));
    out.bool("cors.allow_credentials", creds);
    out.bool(
        "cors.reflects_origin",
        origin.as_deref() == Some(PROBE_ORIGIN),
    );
    out.bool(
        "cors.wildcard_with_credentials",
        origin.as_deref() == Some("*") && creds,
    );
    if let Some(o) = origin {
        out.str("cors.allow_origin", truncate(&o));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookie_values_are_dropped() {
        let c = parse_set_cookie("sid=SECRET123; Path=/; Secure; HttpOnly; SameSite=Lax").unwrap();
        assert_eq!(c.name, "sid");
        assert!(c.secure && c.httponly);
        assert_eq!(c.samesite.as_deref(), Some("lax"));
        assert!(!format!("{c:?}").contains("SECRET123"));
        assert!(parse_set_cookie("=x").is_none());
        // No `=`: the text is the value of a nameless cookie, never a name.
        let c = parse_set_cookie("VALUEONLY-SECRET-99; Path=/; HttpOnly").unwrap();
        assert_eq!(c.name, UNNAMED_COOKIE);
        assert!(c.httponly && !c.secure);
        assert!(parse_set_cookie("  ; Secure").is_none());
    }

    #[test]
    fn truncates_on_char_boundary() {
        let long = "é".repeat(MAX_VALUE_CHARS + 5);
        assert_eq!(truncate(&long).chars().count(), MAX_VALUE_CHARS + 1);
    }
}
