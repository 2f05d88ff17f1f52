//! End-to-end probes against real loopback TLS servers (no mocks).

use std::net::{IpAddr, Ipv4Addr};
use std::time::{Duration, Instant};

use crate::support::*;
use launchgate::probe::{probe_all, Fact, ProbeOptions, ProbeReport};

const LOCAL: IpAddr = IpAddr::V4(Ipv4Addr::LOCALHOST);

fn opts(pki: &Pki, resolve: &[(&str, u16)]) -> ProbeOptions {
    ProbeOptions {
        timeout: Duration::from_secs(1),
        deadline: Duration::from_secs(5),
        extra_ca_pem: vec![pki.ca_pem.clone().into_bytes()],
        resolve: resolve
            .iter()
            .map(|(h, p)| (h.to_string(), *p, LOCAL))
            .collect(),
        allow_dns: false,
        ..ProbeOptions::default()
    }
}

fn one(url: String, o: &ProbeOptions) -> ProbeReport {
    let mut r = probe_all(&[url], o);
    assert_eq!(r.len(), 1);
    r.remove(0)
}

fn b(r: &ProbeReport, k: &str) -> Option<bool> {
    match r.facts.get(k) {
        Some(Fact::Bool(v)) => Some(*v),
        _ => None,
    }
}

fn i(r: &ProbeReport, k: &str) -> Option<i64> {
    match r.facts.get(k) {
        Some(Fact::Int(v)) => Some(*v),
        _ => None,
    }
}

fn s<'a>(r: &'a ProbeReport, k: &str) -> Option<&'a str> {
    match r.facts.get(k) {
        Some(Fact::Str(v)) => Some(v),
        _ => None,
    }
}

fn l<'a>(r: &'a ProbeReport, k: &str) -> Vec<&'a str> {
    match r.facts.get(k) {
        Some(Fact::List(v)) => v.iter().map(String::as_str).collect(),
        _ => Vec::new(),
    }
}

fn has_error(r: &ProbeReport, needle: &str) -> bool {
    r.errors.iter().any(|e| e.contains(needle))
}

const FULL_HEADERS: &[(&str, &str)] = &[
    (
        "Content-Security-Policy",
        "default-src 'none'; frame-ancestors 'none'; form-action 'none'",
    ),
    (
        "Strict-Transport-Security",
        "max-age=63072000; includeSubDomains; preload",
    ),
    ("X-Content-Type-Options", "nosniff"),
    ("X-Frame-Options", "DENY"),
    ("Referrer-Policy", "no-referrer"),
    ("Permissions-Policy", "camera=()"),
    ("Cross-Origin-Opener-Policy", "same-origin"),
    ("Cross-Origin-Resource-Policy", "same-origin"),
    (
        "Set-Cookie",
        "__Host-sid=abc; Path=/; Secure; HttpOnly; SameSite=Strict",
    ),
    ("Server", "launchgate-test"),
];

#[test]
fn valid_certificate_with_full_headers_scores_a_plus() {
    let pki = Pki::new();
    let servers = Servers::new();
    let port = servers.https(pki.leaf(&["good.test"], 2020, 2090), ok(FULL_HEADERS));
    let mut o = opts(&pki, &[("good.test", port)]);
    o.health_path = Some("/healthz".into());
    let r = one(format!("https://good.test:{port}/"), &o);

    assert!(r.errors.is_empty(), "{:?}", r.errors);
    assert_eq!(b(&r, "reachable"), Some(true));
    assert_eq!(b(&r, "tls.verified"), Some(true));
    assert_eq!(b(&r, "tls.trusted"), Some(true));
    assert_eq!(b(&r, "tls.hostname_match"), Some(true));
    assert_eq!(b(&r, "tls.expired"), Some(false));
    assert_eq!(b(&r, "tls.self_signed"), Some(false));
    assert_eq!(s(&r, "tls.version"), Some("TLSv1.3"));
    assert_eq!(s(&r, "tls.alpn"), Some("http/1.1"));
    assert_eq!(s(&r, "tls.key_type"), Some("EC"));
    assert_eq!(i(&r, "tls.key_bits"), Some(256));
    assert_eq!(s(&r, "tls.signature_algorithm"), Some("ecdsa-with-SHA256"));
    assert_eq!(i(&r, "tls.chain_length"), Some(2));
    assert_eq!(s(&r, "tls.not_after"), Some("2090-01-01T00:00:00Z"));
    assert!(i(&r, "tls.days_left").unwrap() > 20_000);
    assert_eq!(l(&r, "tls.san"), vec!["good.test"]);
    assert_eq!(s(&r, "tls.grade"), Some("A+"));
    assert_eq!(i(&r, "http.status"), Some(200));
    assert_eq!(b(&r, "hsts.present"), Some(true));
    assert_eq!(i(&r, "hsts.max_age"), Some(63_072_000));
    assert_eq!(b(&r, "hsts.include_subdomains"), Some(true));
    assert_eq!(b(&r, "hsts.preload"), Some(true));
    assert_eq!(b(&r, "csp.present"), Some(true));
    assert_eq!(s(&r, "csp.default_src"), Some("'none'"));
    assert_eq!(s(&r, "csp.frame_ancestors"), Some("'none'"));
    assert_eq!(b(&r, "csp.script_src_unsafe_inline"), Some(false));
    assert_eq!(b(&r, "xcto.nosniff"), Some(true));
    assert_eq!(s(&r, "xfo.value"), Some("DENY"));
    assert_eq!(s(&r, "referrer_policy.value"), Some("no-referrer"));
    assert_eq!(b(&r, "permissions_policy.present"), Some(true));
    assert_eq!(s(&r, "coop.value"), Some("same-origin"));
    assert_eq!(s(&r, "corp.value"), Some("same-origin"));
    assert_eq!(l(&r, "cookies.names"), vec!["__Host-sid"]);
    assert!(l(&r, "cookies.insecure").is_empty());
    assert_eq!(b(&r, "server.version_disclosed"), Some(false));
    assert!(s(&r, "header.set-cookie").is_none());
    assert_eq!(b(&r, "cors.reflects_origin"), Some(false));
    assert_eq!(b(&r, "health.ok"), Some(true));
    assert_eq!(i(&r, "health.status"), Some(200));
    // 100 + CSP 10 + cookies 5 + referrer 5 + XFO-via-CSP 5 + CORP 10.
    assert_eq!(i(&r, "observatory.score"), Some(135));
    assert_eq!(s(&r, "observatory.grade"), Some("A+"));
}

#[test]
fn missing_headers_are_reported_and_penalised() {
    let pki = Pki::new();
    let servers = Servers::new();
    let port = servers.https(
        pki.leaf(&["bare.test"], 2020, 2090),
        ok(&[("Server", "nginx/1.25.3"), ("X-Powered-By", "PHP/8.2")]),
    );
    let r = one(
        format!("https://bare.test:{port}/"),
        &opts(&pki, &[("bare.test", port)]),
    );
    assert!(r.errors.is_empty(), "{:?}", r.errors);
    assert_eq!(b(&r, "hsts.present"), Some(false));
    assert_eq!(b(&r, "csp.present"), Some(false));
    assert_eq!(b(&r, "xcto.nosniff"), Some(false));
    assert_eq!(s(&r, "xfo.value"), None);
    assert_eq!(b(&r, "permissions_policy.present"), Some(false));
    assert_eq!(b(&r, "server.version_disclosed"), Some(true));
    assert_eq!(s(&r, "header.server"), Some("nginx/1.25.3"));
    assert_eq!(s(&r, "header.x-powered-by"), Some("PHP/8.2"));
    assert!(l(&r, "headers.names").contains(&"server"));
    // CSP -25, HSTS -20, XCTO -5, XFO -20.
    assert_eq!(i(&r, "observatory.score"), Some(30));
    assert_eq!(s(&r, "observatory.grade"), Some("D"));
    assert_eq!(s(&r, "tls.grade"), Some("A"));
}

#[test]
fn expired_certificate_still_yields_facts() {
    let pki = Pki::new();
    let servers = Servers::new();
    let port = servers.https(pki.leaf(&["old.test"], 2019, 2021), ok(&[]));
    let r = one(
        format!("https://old.test:{port}/"),
        &opts(&pki, &[("old.test", port)]),
    );
    assert_eq!(b(&r, "tls.expired"), Some(true));
    assert_eq!(b(&r, "tls.trusted"), Some(true));
    assert_eq!(b(&r, "tls.verified"), Some(false));
    assert!(s(&r, "tls.verify_error")
        .unwrap()
        .to_lowercase()
        .contains("expired"));
    assert!(i(&r, "tls.days_left").unwrap() < -1000);
    assert_eq!(s(&r, "tls.grade"), Some("F"));
    assert_eq!(i(&r, "http.status"), Some(200));
}

#[test]
fn wrong_hostname_is_a_mismatch() {
    let pki = Pki::new();
    let servers = Servers::new();
    let port = servers.https(pki.leaf(&["other.test"], 2020, 2090), ok(&[]));
    let r = one(
        format!("https://wrong.test:{port}/"),
        &opts(&pki, &[("wrong.test", port)]),
    );
    assert_eq!(b(&r, "tls.hostname_match"), Some(false));
    assert_eq!(b(&r, "tls.trusted"), Some(true));
    assert_eq!(b(&r, "tls.verified"), Some(false));
    assert_eq!(s(&r, "tls.grade"), Some("M"));
    assert_eq!(i(&r, "http.status"), Some(200));
}

#[test]
fn self_signed_certificate_is_untrusted() {
    let pki = Pki::new();
    let servers = Servers::new();
    let port = servers.https(self_signed(&["self.test"]), ok(&[]));
    let r = one(
        format!("https://self.test:{port}/"),
        &opts(&pki, &[("self.test", port)]),
    );
    assert_eq!(b(&r, "tls.self_signed"), Some(true));
    assert_eq!(b(&r, "tls.trusted"), Some(false));
    assert_eq!(b(&r, "tls.hostname_match"), Some(true));
    assert_eq!(i(&r, "tls.chain_length"), Some(1));
    assert_eq!(s(&r, "tls.grade"), Some("T"));
    // HSTS cannot count on an untrusted certificate.
    assert!(l(&r, "observatory.tests")
        .iter()
        .any(|t| t.contains("hsts-invalid-cert")));
}

#[test]
fn http_redirects_to_https() {
    let pki = Pki::new();
    let servers = Servers::new();
    let tls_port = servers.https(pki.leaf(&["site.test"], 2020, 2090), ok(FULL_HEADERS));
    let target = format!("https://site.test:{tls_port}/");
    let http_port = servers.http(handler(move |_| response(301, &[("Location", &target)])));
    let mut o = opts(&pki, &[("site.test", tls_port), ("site.test", http_port)]);
    o.http_port_for_redirect_check = Some(http_port);

    let urls = [
        format!("https://site.test:{tls_port}/"),
        format!("http://site.test:{http_port}/"),
    ];
    let r = probe_all(&urls, &o);
    assert_eq!(r.len(), 2);
    for rep in &r {
        assert!(rep.errors.is_empty(), "{:?}", rep.errors);
        assert_eq!(b(rep, "redirect.http_reachable"), Some(true));
        assert_eq!(b(rep, "http.to_https_redirect"), Some(true));
        assert_eq!(b(rep, "redirect.first_hop_same_host"), Some(true));
        assert_eq!(b(rep, "redirect.final_https"), Some(true));
        assert_eq!(i(rep, "redirect.http_status"), Some(301));
        assert!(l(rep, "observatory.tests")
            .iter()
            .any(|t| t.contains("redirection-to-https")));
    }
    // The http:// URL lands on https, so TLS facts describe that endpoint.
    assert_eq!(s(&r[1], "http.final_url"), Some(urls[0].as_str()));
    assert_eq!(l(&r[1], "http.redirects"), vec![urls[0].as_str()]);
    assert_eq!(b(&r[1], "tls.verified"), Some(true));
    assert_eq!(s(&r[1], "scheme"), Some("http"));
}

#[test]
fn plain_http_without_redirect_is_penalised() {
    let pki = Pki::new();
    let servers = Servers::new();
    let tls_port = servers.https(pki.leaf(&["nr.test"], 2020, 2090), ok(FULL_HEADERS));
    let http_port = servers.http(ok(&[]));
    let mut o = opts(&pki, &[("nr.test", tls_port), ("nr.test", http_port)]);
    o.http_port_for_redirect_check = Some(http_port);
    let r = one(format!("https://nr.test:{tls_port}/"), &o);
    assert_eq!(b(&r, "http.to_https_redirect"), Some(false));
    assert!(l(&r, "observatory.tests")
        .iter()
        .any(|t| t.contains("redirection-missing (-20)")));
    // Penalties leave 80 < 90, so the Observatory withholds every bonus.
    assert_eq!(i(&r, "observatory.score"), Some(80));
    assert_eq!(s(&r, "observatory.grade"), Some("B+"));
}

#[test]
fn redirect_loop_is_bounded() {
    let pki = Pki::new();
    let servers = Servers::new();
    let port = servers.https(
        pki.leaf(&["loop.test"], 2020, 2090),
        handler(|req| {
            let next = if req.path == "/a" { "/b" } else { "/a" };
            response(302, &[("Location", next)])
        }),
    );
    let r = one(
        format!("https://loop.test:{port}/a"),
        &opts(&pki, &[("loop.test", port)]),
    );
    assert_eq!(b(&r, "http.redirect_loop"), Some(true));
    assert!(has_error(&r, "redirect loop"), "{:?}", r.errors);
    assert_eq!(l(&r, "http.redirects").len(), 2);
    assert_eq!(i(&r, "http.status"), Some(302));
}

#[test]
fn endless_redirects_stop_at_the_limit() {
    let pki = Pki::new();
    let servers = Servers::new();
    let port = servers.https(
        pki.leaf(&["far.test"], 2020, 2090),
        handler(|req| {
            let n: u32 = req.path.trim_start_matches("/r").parse().unwrap_or(0);
            response(307, &[("Location", &format!("/r{}", n + 1))])
        }),
    );
    let mut o = opts(&pki, &[("far.test", port)]);
    o.max_redirects = 3;
    let r = one(format!("https://far.test:{port}/r0"), &o);
    assert!(
        has_error(&r, "too many redirects: stopped after 3"),
        "{:?}",
        r.errors
    );
    assert_eq!(b(&r, "http.redirect_loop"), Some(false));
}

#[test]
fn silent_server_times_out_during_handshake() {
    let pki = Pki::new();
    let servers = Servers::new();
    let port = servers.raw(Raw::Silent);
    let t = Instant::now();
    let r = one(format!("https://127.0.0.1:{port}/"), &opts(&pki, &[]));
    assert!(t.elapsed() < Duration::from_secs(3));
    assert_eq!(b(&r, "reachable"), Some(true));
    assert_eq!(b(&r, "tls.handshake"), Some(false));
    assert!(
        has_error(&r, "timed out after 1s during TLS handshake"),
        "{:?}",
        r.errors
    );
}

#[test]
fn server_that_never_answers_http_times_out() {
    let pki = Pki::new();
    let servers = Servers::new();
    let port = servers.https(
        pki.leaf(&["stall.test"], 2020, 2090),
        handler(|_| Reply::Stall),
    );
    let t = Instant::now();
    let r = one(
        format!("https://stall.test:{port}/"),
        &opts(&pki, &[("stall.test", port)]),
    );
    assert!(t.elapsed() < Duration::from_secs(3));
    assert_eq!(b(&r, "tls.handshake"), Some(true));
    assert!(
        has_error(&r, "timed out after 1s waiting for response headers"),
        "{:?}",
        r.errors
    );
    assert_eq!(i(&r, "http.status"), None);
}

#[test]
fn slowloris_is_cut_off_by_the_total_request_timeout() {
    let pki = Pki::new();
    let servers = Servers::new();
    let port = servers.https(
        pki.leaf(&["slow.test"], 2020, 2090),
        handler(|_| Reply::Slowloris),
    );
    let t = Instant::now();
    let r = one(
        format!("https://slow.test:{port}/"),
        &opts(&pki, &[("slow.test", port)]),
    );
    assert!(t.elapsed() < Duration::from_secs(3), "{:?}", t.elapsed());
    assert!(
        has_error(&r, "timed out after 1s waiting for response headers"),
        "{:?}",
        r.errors
    );
}

#[test]
fn garbage_instead_of_tls() {
    let pki = Pki::new();
    let servers = Servers::new();
    let port = servers.raw(Raw::Garbage);
    let r = one(format!("https://127.0.0.1:{port}/"), &opts(&pki, &[]));
    assert_eq!(b(&r, "reachable"), Some(true));
    assert_eq!(b(&r, "tls.handshake"), Some(false));
    assert!(has_error(&r, "TLS handshake failed"), "{:?}", r.errors);
}

#[test]
fn reset_mid_handshake() {
    let pki = Pki::new();
    let servers = Servers::new();
    let port = servers.raw(Raw::Reset);
    let r = one(format!("https://127.0.0.1:{port}/"), &opts(&pki, &[]));
    assert_eq!(b(&r, "tls.handshake"), Some(false));
    assert!(
        r.errors
            .iter()
            .any(|e| e.starts_with("TLS handshake failed: connection")),
        "{:?}",
        r.errors
    );
}

#[test]
fn huge_header_hits_the_cap() {
    let pki = Pki::new();
    let servers = Servers::new();
    let port = servers.https(pki.leaf(&["big.test"], 2020, 2090), huge_header());
    let r = one(
        format!("https://big.test:{port}/"),
        &opts(&pki, &[("big.test", port)]),
    );
    assert!(
        has_error(&r, "exceed the limit of 65536 bytes"),
        "{:?}",
        r.errors
    );
    assert_eq!(i(&r, "http.status"), None);
}

#[test]
fn refused_and_unresolvable_hosts() {
    let pki = Pki::new();
    let port = closed_port();
    let urls = [
        format!("https://127.0.0.1:{port}/"),
        "https://nowhere.invalid/".to_string(),
        format!("https://unlisted.test:{port}/"),
        "gopher://x".to_string(),
    ];
    let r = probe_all(&urls, &opts(&pki, &[]));
    assert!(r.iter().all(|x| b(x, "reachable") == Some(false)));
    assert!(has_error(&r[0], "connection refused"), "{:?}", r[0].errors);
    assert!(
        has_error(&r[1], "DNS resolution failed for nowhere.invalid"),
        "{:?}",
        r[1].errors
    );
    assert!(
        has_error(&r[2], "DNS lookups are disabled"),
        "{:?}",
        r[2].errors
    );
    assert!(has_error(&r[3], "invalid URL"), "{:?}", r[3].errors);
}

#[test]
fn deadline_shorter_than_timeout_wins() {
    let pki = Pki::new();
    let servers = Servers::new();
    let port = servers.raw(Raw::Silent);
    let mut o = opts(&pki, &[]);
    o.timeout = Duration::from_secs(10);
    o.deadline = Duration::from_millis(700);
    let t = Instant::now();
    let r = one(format!("https://127.0.0.1:{port}/"), &o);
    assert!(t.elapsed() < Duration::from_secs(2));
    assert!(
        has_error(&r, "overall deadline of 700ms exceeded"),
        "{:?}",
        r.errors
    );
}

#[test]
fn cookie_values_never_leave_the_probe() {
    const SECRET: &str = "LGSECRET-7f3a9c51";
    let pki = Pki::new();
    let servers = Servers::new();
    let port = servers.https(
        pki.leaf(&["jar.test"], 2020, 2090),
        ok(&[
            ("Set-Cookie", &format!("SESSIONID={SECRET}; Path=/")),
            (
                "Set-Cookie",
                &format!("csrf_token={SECRET}x; Secure; HttpOnly"),
            ),
            (
                "Set-Cookie",
                &format!("pref={SECRET}y; Secure; HttpOnly; SameSite=Lax"),
            ),
        ]),
    );
    let r = one(
        format!("https://jar.test:{port}/"),
        &opts(&pki, &[("jar.test", port)]),
    );
    assert_eq!(
        l(&r, "cookies.names"),
        vec!["SESSIONID", "csrf_token", "pref"]
    );
    assert_eq!(l(&r, "cookies.insecure"), vec!["SESSIONID"]);
    assert_eq!(l(&r, "cookies.no_httponly"), vec!["SESSIONID"]);
    assert_eq!(
        l(&r, "cookies.no_samesite"),
        vec!["SESSIONID", "csrf_token"]
    );
    assert!(l(&r, "observatory.tests")
        .iter()
        .any(|t| t.contains("cookies-session-without-secure-flag (-40)")));
    let debug = format!("{r:?} {:#?}", r);
    let json = serde_json::to_string(&r).unwrap();
    assert!(!debug.contains(SECRET) && !json.contains(SECRET));
    assert!(!r.errors.iter().any(|e| e.contains(SECRET)));
}

#[test]
fn reflected_cors_with_credentials_is_flagged() {
    let pki = Pki::new();
    let servers = Servers::new();
    let port = servers.https(
        pki.leaf(&["cors.test"], 2020, 2090),
        handler(|req| match &req.origin {
            Some(o) => response(
                200,
                &[
                    ("Access-Control-Allow-Origin", o),
                    ("Access-Control-Allow-Credentials", "true"),
                ],
            ),
            None => response(200, &[]),
        }),
    );
    let r = one(
        format!("https://cors.test:{port}/"),
        &opts(&pki, &[("cors.test", port)]),
    );
    assert_eq!(
        s(&r, "cors.allow_origin"),
        Some("https://launchgate-probe.invalid")
    );
    assert_eq!(b(&r, "cors.reflects_origin"), Some(true));
    assert_eq!(b(&r, "cors.allow_credentials"), Some(true));
    assert!(l(&r, "observatory.tests")
        .iter()
        .any(|t| t.contains("universal-access (-50)")));
}

#[test]
fn failures_do_not_hold_up_other_urls() {
    let pki = Pki::new();
    let servers = Servers::new();
    let good = servers.https(pki.leaf(&["mix.test"], 2020, 2090), ok(FULL_HEADERS));
    let slow = servers.https(
        pki.leaf(&["mix.test"], 2020, 2090),
        handler(|_| Reply::Slowloris),
    );
    let silent = servers.raw(Raw::Silent);
    let garbage = servers.raw(Raw::Garbage);
    let o = opts(&pki, &[("mix.test", good), ("mix.test", slow)]);
    let urls = vec![
        format!("https://mix.test:{slow}/"),
        format!("https://127.0.0.1:{silent}/"),
        format!("https://mix.test:{good}/"),
        format!("https://127.0.0.1:{garbage}/"),
        format!("https://127.0.0.1:{}/", closed_port()),
    ];
    let t = Instant::now();
    let r = probe_all(&urls, &o);
    assert!(
        t.elapsed() < Duration::from_millis(2500),
        "{:?}",
        t.elapsed()
    );
    assert_eq!(r.iter().map(|x| x.url.as_str()).collect::<Vec<_>>(), urls);
    assert!(r[2].errors.is_empty(), "{:?}", r[2].errors);
    assert_eq!(s(&r[2], "observatory.grade"), Some("A+"));
    assert!(r
        .iter()
        .enumerate()
        .all(|(n, x)| n == 2 || !x.errors.is_empty()));
}

#[test]
fn servers_are_gone_after_drop() {
    let pki = Pki::new();
    let servers = Servers::new();
    let port = servers.https(
        pki.leaf(&["gone.test"], 2020, 2090),
        handler(|_| Reply::Stall),
    );
    assert!(!connect_refused(port));
    drop(servers);
    assert!(connect_refused(port));
}

#[test]
fn works_when_called_from_async_code() {
    let pki = Pki::new();
    let servers = Servers::new();
    let port = servers.https(pki.leaf(&["async.test"], 2020, 2090), ok(&[]));
    let o = opts(&pki, &[("async.test", port)]);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let r = rt.block_on(async { probe_all(&[format!("https://async.test:{port}/")], &o) });
    assert_eq!(i(&r[0], "http.status"), Some(200));
}

#[test]
fn every_fact_key_is_documented() {
    let facts_md =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/probe-facts.md"))
            .unwrap();
    let mod_rs =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/src/probe/mod.rs")).unwrap();
    let pki = Pki::new();
    let servers = Servers::new();
    let tls_port = servers.https(pki.leaf(&["doc.test"], 2020, 2090), ok(FULL_HEADERS));
    let http_port = servers.http(ok(&[("Location", "/x")]));
    let mut o = opts(&pki, &[("doc.test", tls_port), ("doc.test", http_port)]);
    o.http_port_for_redirect_check = Some(http_port);
    o.health_path = Some("/health".into());
    let urls = [
        format!("https://doc.test:{tls_port}/"),
        format!("http://doc.test:{http_port}/"),
        format!("https://127.0.0.1:{}/", closed_port()),
    ];
    for r in probe_all(&urls, &o) {
        for key in r.facts.keys() {
            let needle = if key.starts_with("header.") {
                "`header.<name>`".to_string()
            } else {
                format!("`{key}`")
            };
            assert!(
                facts_md.contains(&needle),
                "fact {key} missing from docs/probe-facts.md"
            );
            assert!(
                mod_rs.contains(&needle),
                "fact {key} missing from the mod.rs table"
            );
        }
    }
}

#[test]
fn extreme_options_do_not_panic() {
    let pki = Pki::new();
    let servers = Servers::new();
    let tls_port = servers.https(pki.leaf(&["x.test"], 2020, 2090), ok(&[]));
    let garbage = servers.raw(Raw::Garbage);
    let mut o = opts(&pki, &[("x.test", tls_port)]);
    o.deadline = Duration::MAX;
    o.concurrency = usize::MAX;
    o.max_redirects = 0;
    o.max_header_bytes = 10;
    o.extra_ca_pem.push(b"not a pem".to_vec());
    let urls = [
        format!("https://x.test:{tls_port}/"),
        format!("http://127.0.0.1:{garbage}/"),
    ];
    let r = probe_all(&urls, &o);
    assert!(
        has_error(&r[0], "exceed the limit of 10 bytes"),
        "{:?}",
        r[0].errors
    );
    assert!(has_error(&r[0], "extra CA #2"), "{:?}", r[0].errors);
    assert_eq!(b(&r[0], "tls.verified"), Some(true));
    assert!(has_error(&r[1], "not HTTP"), "{:?}", r[1].errors);

    o.timeout = Duration::ZERO;
    let r = one(format!("https://x.test:{tls_port}/"), &o);
    // Timer granularity (~1 ms) may let a loopback step finish first, so
    // only require a bounded, non-panicking failure.
    assert!(
        has_error(&r, "timed out after 0s") || has_error(&r, "exceed the limit"),
        "{:?}",
        r.errors
    );
}
