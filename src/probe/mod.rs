//! Live-endpoint probe: TLS, HTTP and security-header facts for URLs.
//!
//! [`probe_all`] is blocking and runs its own tokio runtime. Each URL gets
//! a dedicated TLS handshake whose certificate verdict is *recorded*, not
//! enforced, then HTTP/1.1 requests (main chain with redirects, a CORS
//! request, an optional plain-HTTP redirect check and health check). Every
//! wait is bounded by `timeout` per step and `deadline` overall.
//!
//! rustls speaks only TLS 1.2/1.3, so legacy TLS 1.0/1.1 support is not
//! observed here; launchgate covers it statically via proxy-config rules.
//!
//! Facts form a flat namespace; a key is absent when it could not be
//! observed. FACTS.md carries the same table plus scoring details.
//!
//! | key | type | meaning |
//! | --- | --- | --- |
//! | `reachable` | bool | a TCP connection to the URL's host and port was established |
//! | `scheme` | str | `https` or `http` (a bare host means `https`) |
//! | `host` | str | lowercase host, IPv6 without brackets |
//! | `port` | int | port probed (default 443/80) |
//! | `tls.handshake` | bool | TLS handshake completed (absent if TCP never connected) |
//! | `tls.handshake_ms` | int | connect + handshake time of the TLS-facts connection |
//! | `tls.version` | str | negotiated protocol: `TLSv1.3` or `TLSv1.2` |
//! | `tls.cipher` | str | negotiated suite, e.g. `TLS13_AES_256_GCM_SHA384` |
//! | `tls.kx_group` | str | key-exchange group, e.g. `X25519` |
//! | `tls.alpn` | str | protocol the server chose from `h2`, `http/1.1`; absent if none |
//! | `tls.verified` | bool | full webpki verdict a browser-like client would reach (chain, validity, name) |
//! | `tls.verify_error` | str | why `tls.verified` is false |
//! | `tls.trusted` | bool | leaf chains to a trusted root (webpki-roots + OS store + extra CAs), judged at a time inside the leaf's validity so expiry is reported separately |
//! | `tls.trust_error` | str | why `tls.trusted` is false |
//! | `tls.hostname_match` | bool | leaf is valid for the host name (SAN DNS/IP) |
//! | `tls.self_signed` | bool | leaf subject equals its issuer |
//! | `tls.expired` | bool | now is after the leaf's notAfter |
//! | `tls.not_yet_valid` | bool | now is before the leaf's notBefore |
//! | `tls.days_left` | int | whole days until notAfter (negative once expired) |
//! | `tls.not_before` | str | leaf notBefore, RFC 3339 UTC |
//! | `tls.not_after` | str | leaf notAfter, RFC 3339 UTC |
//! | `tls.subject` | str | leaf subject DN |
//! | `tls.issuer` | str | leaf issuer DN |
//! | `tls.san` | list | leaf subjectAltName DNS names and IP addresses |
//! | `tls.key_type` | str | `RSA`, `EC`, `Ed25519`, `Ed448`, `DSA` or `unknown` |
//! | `tls.key_bits` | int | key size (EC from the named curve) |
//! | `tls.signature_algorithm` | str | leaf signature, e.g. `ecdsa-with-SHA256` |
//! | `tls.chain_length` | int | certificates the server sent, leaf included |
//! | `tls.grade` | str | SSL Labs-like letter: `A+` `A` `A-` `B` `F` `T` `M` (see below) |
//! | `tls.grade_reasons` | list | why that letter |
//! | `http.status` | int | status of the last response in the redirect chain |
//! | `http.final_url` | str | URL of the last response received |
//! | `http.redirects` | list | Location targets followed, in order (the refused one included on a loop or limit) |
//! | `http.redirect_loop` | bool | a redirect pointed back to a URL already visited |
//! | `http.response_ms` | int | summed time to response headers over the whole chain |
//! | `http.to_https_redirect` | bool | plain HTTP's first response redirects to an https URL |
//! | `redirect.http_reachable` | bool | plain HTTP answered (http:// URLs, or the port-80 check of https:// URLs) |
//! | `redirect.http_status` | int | status of plain HTTP's first response |
//! | `redirect.chain` | list | redirect targets followed from plain HTTP |
//! | `redirect.first_hop_same_host` | bool | plain HTTP's first redirect stays on the same host |
//! | `redirect.final_https` | bool | plain HTTP's last redirect target is https |
//! | `redirect.http_error` | str | why plain HTTP could not be reached (not counted as an error) |
//! | `header.<name>` | str | every response header of the final response except `set-cookie`, lowercase name, repeats joined with `, `, cut at 2048 chars |
//! | `headers.names` | list | lowercase names of all final response headers |
//! | `server.version_disclosed` | bool | `Server` or `X-Powered-By` contains a digit |
//! | `hsts.present` | bool | final response is https and has `Strict-Transport-Security` |
//! | `hsts.valid` | bool | has a numeric max-age and was sent once |
//! | `hsts.max_age` | int | max-age seconds |
//! | `hsts.include_subdomains` | bool | `includeSubDomains` directive present |
//! | `hsts.preload` | bool | `preload` directive present (the preload list itself is not consulted) |
//! | `csp.present` | bool | enforced `Content-Security-Policy` header present |
//! | `csp.report_only` | bool | `Content-Security-Policy-Report-Only` present |
//! | `csp.valid` | bool | policy parses (no duplicate directives, not truncated) |
//! | `csp.error` | str | why `csp.valid` is false |
//! | `csp.directives` | list | directive names of the first policy |
//! | `csp.default_src` | str | `default-src` sources, space separated |
//! | `csp.script_src` | str | effective script sources (`script-src`, else `default-src`, else `*`) |
//! | `csp.object_src` | str | effective object sources |
//! | `csp.script_src_unsafe_inline` | bool | effective script sources keep `'unsafe-inline'` (ignored by browsers when a nonce/hash is present, and so here) |
//! | `csp.script_src_unsafe_eval` | bool | `'unsafe-eval'` in effective script or style sources |
//! | `csp.frame_ancestors` | str | `frame-ancestors` sources |
//! | `xcto.nosniff` | bool | `X-Content-Type-Options: nosniff` |
//! | `xfo.value` | str | `X-Frame-Options` value |
//! | `referrer_policy.value` | str | `Referrer-Policy` value |
//! | `permissions_policy.present` | bool | `Permissions-Policy` header present |
//! | `coop.value` | str | `Cross-Origin-Opener-Policy` value |
//! | `corp.value` | str | `Cross-Origin-Resource-Policy` value |
//! | `coep.value` | str | `Cross-Origin-Embedder-Policy` value |
//! | `cookies.names` | list | names of cookies set anywhere in the redirect chain (values are never stored) |
//! | `cookies.insecure` | list | cookie names without `Secure` |
//! | `cookies.no_httponly` | list | cookie names without `HttpOnly` |
//! | `cookies.no_samesite` | list | cookie names without `SameSite` |
//! | `cookies.samesite_invalid` | list | cookie names with a SameSite value other than Lax/Strict, or `None` without `Secure` |
//! | `cors.allow_origin` | str | `Access-Control-Allow-Origin` returned to `Origin: https://launchgate-probe.invalid` |
//! | `cors.allow_credentials` | bool | `Access-Control-Allow-Credentials: true` |
//! | `cors.reflects_origin` | bool | the probe origin was echoed back |
//! | `cors.wildcard_with_credentials` | bool | `*` together with credentials |
//! | `observatory.score` | int | MDN HTTP Observatory score (see below) |
//! | `observatory.grade` | str | Observatory letter |
//! | `observatory.tests` | list | `test: result (modifier)` for each Observatory test |
//! | `health.url` | str | health URL fetched |
//! | `health.status` | int | its status |
//! | `health.response_ms` | int | its time to headers |
//! | `health.ok` | bool | 2xx within the timeout (redirects are not followed) |

mod cert;
mod csp;
mod facts;
#[doc(hidden)]
pub mod fuzz;
mod grade;
mod headers;
mod http;
mod net;
mod observatory;
mod run;
mod tls;
mod url;

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde::Serialize;

pub use self::facts::Fact;
use self::net::Budget;
use self::tls::TlsSetup;

/// Knobs for [`probe_all`]. All waits are bounded by `timeout` per step and
/// by `deadline` for the whole call.
#[derive(Clone, Debug)]
pub struct ProbeOptions {
    /// Per request or handshake, covering connect through response headers.
    pub timeout: Duration,
    /// Overall budget for the whole `probe_all` call.
    pub deadline: Duration,
    /// PEM bytes of extra trusted roots (`--ca-cert`).
    pub extra_ca_pem: Vec<Vec<u8>>,
    /// Like curl `--resolve HOST:PORT:ADDR`; see [`parse_resolve`].
    pub resolve: Vec<(String, u16, IpAddr)>,
    /// URLs probed at once.
    pub concurrency: usize,
    pub max_redirects: usize,
    /// Response heads larger than this are abandoned with an error.
    pub max_header_bytes: usize,
    /// Port for the plain-HTTP redirect check of https:// URLs. `None`
    /// means port 80, and only for URLs without an explicit port.
    pub http_port_for_redirect_check: Option<u16>,
    /// Path (or URL) fetched once, without redirects, as a health check.
    pub health_path: Option<String>,
    /// When false, hosts not covered by `resolve` (or IP literals) fail
    /// instead of being looked up; keeps tests and air-gapped runs offline.
    pub allow_dns: bool,
}

impl Default for ProbeOptions {
    fn default() -> Self {
        ProbeOptions {
            timeout: Duration::from_secs(10),
            deadline: Duration::from_secs(60),
            extra_ca_pem: Vec::new(),
            resolve: Vec::new(),
            concurrency: 16,
            max_redirects: 5,
            max_header_bytes: 64 * 1024,
            http_port_for_redirect_check: None,
            health_path: None,
            allow_dns: true,
        }
    }
}

/// Everything observed about one URL. Contains no cookie values.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ProbeReport {
    pub url: String,
    pub facts: BTreeMap<String, Fact>,
    /// Human-readable problems, in the order they were met.
    pub errors: Vec<String>,
    pub elapsed_ms: u64,
}

impl ProbeReport {
    fn failed(url: &str, msg: String) -> ProbeReport {
        let mut facts = BTreeMap::new();
        facts.insert("reachable".to_string(), Fact::Bool(false));
        ProbeReport {
            url: url.to_string(),
            facts,
            errors: vec![msg],
            elapsed_ms: 0,
        }
    }
}

/// Parses curl-style `HOST:PORT:ADDR`; ADDR may be a bracketed IPv6 literal.
pub fn parse_resolve(s: &str) -> Result<(String, u16, IpAddr), String> {
    let bad = || format!("invalid --resolve {s:?}: expected HOST:PORT:ADDR");
    let (host, rest) = s.split_once(':').ok_or_else(bad)?;
    let (port, addr) = rest.split_once(':').ok_or_else(bad)?;
    let host = host.trim();
    if host.is_empty() || host.contains(['[', ']', '/', '*']) {
        return Err(bad());
    }
    let port = url::parse_port(port.trim()).map_err(|e| format!("invalid --resolve {s:?}: {e}"))?;
    let addr = addr.trim();
    let addr = addr
        .strip_prefix('[')
        .and_then(|a| a.strip_suffix(']'))
        .unwrap_or(addr);
    let ip = addr
        .parse::<IpAddr>()
        .map_err(|_| format!("invalid --resolve {s:?}: {addr:?} is not an IP address"))?;
    Ok((host.to_ascii_lowercase(), port, ip))
}

/// State shared by every probe of one call.
struct Ctx {
    opts: ProbeOptions,
    tls: Result<TlsSetup, String>,
    setup_errors: Vec<String>,
    budget: Budget,
}

/// Probes every URL concurrently (at most `opts.concurrency` at once) and
/// returns one report per URL, in input order. Never panics on server
/// behaviour and returns within roughly `opts.deadline`.
pub fn probe_all(urls: &[String], opts: &ProbeOptions) -> Vec<ProbeReport> {
    if urls.is_empty() {
        return Vec::new();
    }
    if tokio::runtime::Handle::try_current().is_ok() {
        // Blocking on a runtime from inside another runtime panics, so run
        // ours on a thread of its own when called from async code.
        return std::thread::scope(|s| s.spawn(|| run_all(urls, opts)).join())
            .unwrap_or_else(|_| fail_all(urls, "internal error: probe thread panicked"));
    }
    run_all(urls, opts)
}

fn fail_all(urls: &[String], msg: &str) -> Vec<ProbeReport> {
    urls.iter()
        .map(|u| ProbeReport::failed(u, msg.to_string()))
        .collect()
}

fn run_all(urls: &[String], opts: &ProbeOptions) -> Vec<ProbeReport> {
    let start = Instant::now();
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get().min(4));
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(threads)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => return fail_all(urls, &format!("cannot start async runtime: {e}")),
    };
    let (tls, setup_errors) = match TlsSetup::new(&opts.extra_ca_pem) {
        Ok((setup, warnings)) => (Ok(setup), warnings),
        Err(e) => (Err(e), Vec::new()),
    };
    let ctx = Arc::new(Ctx {
        opts: opts.clone(),
        tls,
        setup_errors,
        budget: Budget {
            // Instant + Duration panics on overflow, and the deadline is user input.
            deadline: start
                .checked_add(opts.deadline)
                .unwrap_or_else(|| start + Duration::from_secs(365 * 86_400)),
            overall: opts.deadline,
            step: opts.timeout,
        },
    });
    let reports = rt.block_on(async {
        // Clamped: the semaphore panics above its maximum permit count.
        let permits = Arc::new(tokio::sync::Semaphore::new(
            opts.concurrency.clamp(1, urls.len()),
        ));
        let tasks: Vec<_> = urls
            .iter()
            .map(|u| {
                let (ctx, permits, u) = (ctx.clone(), permits.clone(), u.clone());
                tokio::spawn(async move {
                    let _permit = permits.acquire_owned().await;
                    // Steps already respect the deadline; this is a backstop
                    // so no unforeseen await can outlive it by much.
                    let left = ctx
                        .budget
                        .deadline
                        .saturating_duration_since(Instant::now());
                    let backstop = left.saturating_add(Duration::from_millis(500));
                    match tokio::time::timeout(backstop, run::probe_one(&ctx, &u)).await {
                        Ok(report) => report,
                        Err(_) => ProbeReport::failed(
                            &u,
                            format!(
                                "overall deadline of {} exceeded",
                                net::fmt_duration(ctx.budget.overall)
                            ),
                        ),
                    }
                })
            })
            .collect();
        let mut reports = Vec::with_capacity(tasks.len());
        for (task, u) in tasks.into_iter().zip(urls) {
            reports.push(task.await.unwrap_or_else(|e| {
                ProbeReport::failed(u, format!("internal error: probe task failed: {e}"))
            }));
        }
        reports
    });
    // A DNS lookup stuck in the blocking pool must not hold us past the deadline.
    rt.shutdown_background();
    // Reports show a URL without the password a user may have put in it (the probe
    // never sends userinfo anyway).
    let mut reports = reports;
    for r in &mut reports {
        r.url = crate::redact::scrub_url(&r.url);
    }
    reports
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_resolve() {
        assert_eq!(
            parse_resolve("Example.com:443:127.0.0.1"),
            Ok(("example.com".to_string(), 443, "127.0.0.1".parse().unwrap()))
        );
        assert_eq!(
            parse_resolve("h:8443:[::1]").map(|r| r.2),
            Ok("::1".parse().unwrap())
        );
        assert_eq!(
            parse_resolve("h:80:::1").map(|r| r.2),
            Ok("::1".parse().unwrap())
        );
        assert!(parse_resolve("h:443").is_err());
        assert!(parse_resolve("h:0:127.0.0.1").is_err());
        assert!(parse_resolve(":443:127.0.0.1").is_err());
        assert!(parse_resolve("h:443:nope").is_err());
    }
}
