//! Per-URL orchestration: TLS facts first (a failed handshake makes every
//! HTTP step pointless), then the main request chain, the plain-HTTP
//! redirect check and the health check concurrently, then scoring.

use std::time::Instant;

use super::csp::{self, Verdict};
use super::facts::Partial;
use super::headers::{self, PROBE_ORIGIN};
use super::http::{self, Chain};
use super::url::Url;
use super::{grade, observatory, tls, Ctx, ProbeReport};

pub(super) async fn probe_one(ctx: &Ctx, raw: &str) -> ProbeReport {
    let started = Instant::now();
    let mut out = Partial::default();
    out.errors.extend(ctx.setup_errors.iter().cloned());
    let url = match Url::parse(raw) {
        Ok(u) => u,
        Err(e) => {
            out.bool("reachable", false);
            out.error(format!("invalid URL: {e}"));
            return finish(raw, out, started);
        }
    };
    out.str("scheme", url.scheme());
    out.str("host", url.host.clone());
    out.int("port", i64::from(url.port));

    if url.https {
        let (facts, reached) = tls::probe(ctx, &url).await;
        let handshake_ok = facts.get_bool("tls.handshake") == Some(true);
        out.merge(facts);
        if !handshake_ok {
            out.bool("reachable", reached);
            return finish(raw, out, started);
        }
    }

    let (main, plain, health) = tokio::join!(
        main_step(ctx, &url),
        plain_step(ctx, &url),
        health_step(ctx, &url)
    );
    let reachable = url.https || main.reached;
    out.merge(main.partial);
    out.merge(plain);
    out.merge(health);

    // For an http:// URL that lands on https, describe that TLS endpoint.
    if let Some(final_https) = main.final_url.as_ref().filter(|u| u.https && !url.https) {
        let (facts, _) = tls::probe(ctx, final_https).await;
        out.merge(facts);
    }
    if let (Some(verdict), Some(final_url)) = (main.csp, &main.final_url) {
        if main.final_2xx {
            let mut scored = Partial::default();
            observatory::score(&out, verdict, final_url.https, &mut scored);
            out.merge(scored);
        }
    }
    let mut g = Partial::default();
    grade::tls_grade(&out, &mut g);
    out.merge(g);
    out.bool("reachable", reachable);
    finish(raw, out, started)
}

fn finish(raw: &str, out: Partial, started: Instant) -> ProbeReport {
    ProbeReport {
        url: raw.to_string(),
        facts: out.facts,
        errors: out.errors,
        elapsed_ms: started.elapsed().as_millis() as u64,
    }
}

struct Main {
    partial: Partial,
    reached: bool,
    final_url: Option<Url>,
    final_2xx: bool,
    csp: Option<Verdict>,
}

async fn main_step(ctx: &Ctx, url: &Url) -> Main {
    let chain = http::follow(ctx, url, ctx.opts.max_redirects).await;
    let mut p = Partial::default();
    p.list("http.redirects", chain.redirects.clone());
    p.bool("http.redirect_loop", chain.loop_detected);
    if let Some(e) = &chain.error {
        p.error(e.msg.clone());
    }
    if !url.https {
        redirect_facts(&chain, url, &mut p);
    }
    let reached = chain.reached();
    let Some((final_url, resp)) = chain.last() else {
        return Main {
            partial: p,
            reached,
            final_url: None,
            final_2xx: false,
            csp: None,
        };
    };
    p.int("http.status", i64::from(resp.status));
    p.str("http.final_url", final_url.to_string());
    p.int("http.response_ms", chain.total_ms() as i64);
    headers::header_facts(resp, &mut p);
    headers::security_facts(resp, final_url.https, &mut p);
    headers::cookie_facts(chain.hops.iter().map(|(_, r)| r), &mut p);
    let enforced: Vec<String> = resp
        .all("content-security-policy")
        .map(str::to_string)
        .collect();
    let report_only = resp
        .all("content-security-policy-report-only")
        .next()
        .is_some();
    let verdict = csp::analyze(&enforced, report_only, final_url.https, &mut p);

    // A chain that already failed would only fail again (and maybe slowly).
    if chain.error.is_none() {
        match http::fetch(ctx, final_url, Some(PROBE_ORIGIN)).await {
            Ok(r) => headers::cors_facts(&r, &mut p),
            Err(e) => p.error(format!("CORS check failed: {}", e.msg)),
        }
    }
    Main {
        final_2xx: (200..300).contains(&resp.status),
        final_url: Some(final_url.clone()),
        partial: p,
        reached,
        csp: Some(verdict),
    }
}

/// Facts about how plain HTTP redirects, from a chain that started at an
/// http:// URL.
fn redirect_facts(chain: &Chain, start: &Url, p: &mut Partial) {
    p.bool("redirect.http_reachable", !chain.hops.is_empty());
    let Some((_, first)) = chain.hops.first() else {
        return;
    };
    p.int("redirect.http_status", i64::from(first.status));
    p.list("redirect.chain", chain.redirects.clone());
    let parse = |s: &String| Url::parse(s).ok();
    match chain.redirects.first().and_then(parse) {
        Some(target) => {
            p.bool("http.to_https_redirect", target.https);
            p.bool("redirect.first_hop_same_host", target.host == start.host);
            let last_https = chain
                .redirects
                .last()
                .and_then(parse)
                .is_some_and(|u| u.https);
            p.bool("redirect.final_https", last_https);
        }
        None => p.bool("http.to_https_redirect", false),
    }
}

/// For https:// URLs: does plain HTTP on the same host redirect to HTTPS?
/// Only checked on port 80 when the URL has no explicit port (an explicit
/// port says nothing about where plain HTTP would live), or on the port
/// the caller names.
async fn plain_step(ctx: &Ctx, url: &Url) -> Partial {
    let mut p = Partial::default();
    if !url.https {
        return p;
    }
    let port = match (ctx.opts.http_port_for_redirect_check, url.explicit_port) {
        (Some(port), _) => port,
        (None, false) => 80,
        (None, true) => return p,
    };
    let start = Url {
        https: false,
        host: url.host.clone(),
        port,
        explicit_port: port != 80,
        path: "/".to_string(),
    };
    let chain = http::follow(ctx, &start, ctx.opts.max_redirects).await;
    redirect_facts(&chain, &start, &mut p);
    match (&chain.error, chain.hops.is_empty()) {
        // Nothing listening on plain HTTP is fine, not an error.
        (Some(e), true) => p.str("redirect.http_error", e.msg.clone()),
        (Some(e), false) => p.error(format!("HTTP->HTTPS redirect check: {}", e.msg)),
        (None, _) => {}
    }
    p
}

async fn health_step(ctx: &Ctx, url: &Url) -> Partial {
    let mut p = Partial::default();
    let Some(path) = &ctx.opts.health_path else {
        return p;
    };
    let target = match url.join(path) {
        Ok(t) => t,
        Err(e) => {
            p.bool("health.ok", false);
            p.error(format!("health check: invalid path {path:?}: {e}"));
            return p;
        }
    };
    p.str("health.url", target.to_string());
    match http::fetch(ctx, &target, None).await {
        Ok(r) => {
            p.int("health.status", i64::from(r.status));
            p.int("health.response_ms", r.elapsed_ms as i64);
            p.bool("health.ok", (200..300).contains(&r.status));
        }
        Err(e) => {
            p.bool("health.ok", false);
            p.error(format!("health check {target} failed: {}", e.msg));
        }
    }
    p
}
