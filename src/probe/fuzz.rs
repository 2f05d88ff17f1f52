//! The probe's parsers driven by arbitrary bytes, for the `probe_headers` fuzz
//! target (see `crate::fuzzing`). Runs exactly the code a hostile server's response
//! head reaches: head parsing, header, cookie, CORS and CSP facts, the Observatory
//! score, the TLS grade and `Location` resolution.

use super::facts::Partial;
use super::http::{parse_head, Response};
use super::url::Url;
use super::{csp, grade, headers, observatory};

/// Parses `head` as a response head and derives every header fact from it, over
/// HTTPS and plain HTTP. Panics only if an invariant breaks: a `Set-Cookie` value
/// must never become a fact.
pub fn response_head(head: &[u8]) {
    let Ok((status, headers_list)) = parse_head(head) else {
        return;
    };
    let resp = Response {
        status,
        headers: headers_list,
        elapsed_ms: 0,
    };
    for https in [true, false] {
        let mut p = Partial::default();
        headers::header_facts(&resp, &mut p);
        headers::security_facts(&resp, https, &mut p);
        headers::cookie_facts(std::iter::once(&resp), &mut p);
        headers::cors_facts(&resp, &mut p);
        let enforced: Vec<String> = resp
            .all("content-security-policy")
            .map(str::to_string)
            .collect();
        let report_only = resp
            .all("content-security-policy-report-only")
            .next()
            .is_some();
        let verdict = csp::analyze(&enforced, report_only, https, &mut p);
        let mut scored = Partial::default();
        observatory::score(&p, verdict, https, &mut scored);
        p.merge(scored);
        let mut g = Partial::default();
        grade::tls_grade(&p, &mut g);
        assert!(
            !p.facts.contains_key("header.set-cookie"),
            "Set-Cookie became a fact"
        );
        if let Some(super::Fact::List(names)) = p.facts.get("cookies.names") {
            for cookie in resp.all("set-cookie") {
                let pair = cookie.split(';').next().unwrap_or_default();
                // No `=`: the whole pair is a value (RFC 6265bis), never a name.
                let bare = pair.trim();
                if !bare.contains('=')
                    && bare.len() >= 8
                    && bare != super::headers::UNNAMED_COOKIE
                    && !pair_names(&resp).any(|n| n == bare)
                {
                    assert!(
                        names.iter().all(|n| n != bare),
                        "nameless cookie's value listed as a name"
                    );
                }
                if let Some((_, value)) = pair.split_once('=') {
                    let value = value.trim();
                    // A value that is not also a name elsewhere must not be listed.
                    if value.len() >= 8
                        && !super::headers::UNNAMED_COOKIE.contains(value)
                        && !pair_names(&resp).any(|n| n.contains(value))
                    {
                        assert!(
                            names.iter().all(|n| !n.contains(value)),
                            "cookie value listed as a name"
                        );
                    }
                }
            }
        }
    }
    let location = resp.all("location").next().map(str::to_string);
    if let (Ok(base), Some(location)) = (Url::parse("https://fuzz.test/a/b?c"), location) {
        if let Ok(next) = base.join(&location) {
            let _ = Url::parse(&next.to_string());
        }
    }
}

/// Names of the cookies that have one (a `name=value` pair).
fn pair_names(resp: &Response) -> impl Iterator<Item = &str> {
    resp.all("set-cookie").filter_map(|c| {
        let pair = c.split(';').next().unwrap_or_default();
        pair.split_once('=').map(|(n, _)| n.trim())
    })
}

/// A content-security-policy value on its own (the CSP parser and classifier).
pub fn csp_policy(text: &str) {
    for https in [true, false] {
        let mut p = Partial::default();
        let _ = csp::analyze(&[text.to_string()], false, https, &mut p);
    }
}

/// An absolute URL and a `Location` value resolved against it.
pub fn url(text: &str) {
    let (a, b) = text.split_once('\n').unwrap_or((text, "/"));
    if let Ok(u) = Url::parse(a) {
        let shown = u.to_string();
        let again = Url::parse(&shown).expect("a displayed URL parses again");
        assert_eq!(again.to_string(), shown, "URL display is stable");
        let _ = u.join(b);
    }
}
