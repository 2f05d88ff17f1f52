//! `launchgate probe` against a real nginx on 127.0.0.1: a hardened server, a
//! bare one, one with an expired certificate and a plain-HTTP redirect, all
//! configured here in a tempdir with certificates minted by rcgen.
//!
//! Runs only where an nginx binary exists (`$LAUNCHGATE_TEST_NGINX`, `PATH`
//! or `/usr/sbin/nginx`); elsewhere it prints `SKIP: nginx not installed` and
//! passes. `.ci/run` installs nginx from Debian.

use std::fs::File;
use std::io::Write;
use std::net::{IpAddr, Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command as StdCommand, Stdio};
use std::time::{Duration, Instant};

use assert_cmd::Command;
use launchgate::probe::{probe_all, Fact, ProbeOptions};
use serde_json::Value;

use crate::support::Pki;

/// Overrides where nginx is looked for. Not `NGINX`: nginx itself reads that
/// variable (sockets inherited on a binary upgrade).
const NGINX_ENV: &str = "LAUNCHGATE_TEST_NGINX";

/// `$LAUNCHGATE_TEST_NGINX` if set, else `nginx` on `PATH`, else
/// `/usr/sbin/nginx` (not on a non-root user's `PATH`).
fn nginx_binary() -> Result<PathBuf, String> {
    if let Some(p) = std::env::var_os(NGINX_ENV) {
        let p = PathBuf::from(p);
        return if p.is_file() {
            Ok(p)
        } else {
            Err(format!("{NGINX_ENV}={} is not a file", p.display()))
        };
    }
    std::env::var_os("PATH")
        .and_then(|paths| {
            std::env::split_paths(&paths)
                .map(|d| d.join("nginx"))
                .find(|p| p.is_file())
        })
        .or_else(|| Some(PathBuf::from("/usr/sbin/nginx")).filter(|p| p.is_file()))
        .ok_or_else(|| "no nginx on PATH or at /usr/sbin/nginx".to_string())
}

/// Written straight to stderr so it shows even when libtest captures output.
fn skip(why: &str) {
    let _ = writeln!(
        std::io::stderr(),
        "SKIP: nginx not installed ({why}); tests/nginx_lab.rs did not run \
         (apt-get install nginx-light, or set {NGINX_ENV}=/path/to/nginx)"
    );
}

#[derive(Clone, Copy)]
struct Ports {
    hardened: u16,
    bare: u16,
    expired: u16,
    redirect: u16,
}

/// Free loopback ports, all held at once so they differ, then released for
/// nginx. Another process may grab one in between; `Nginx::start` retries.
fn free_ports() -> Ports {
    let held: Vec<TcpListener> = (0..4)
        .map(|_| TcpListener::bind("127.0.0.1:0").unwrap())
        .collect();
    let p: Vec<u16> = held
        .iter()
        .map(|l| l.local_addr().unwrap().port())
        .collect();
    Ports {
        hardened: p[0],
        bare: p[1],
        expired: p[2],
        redirect: p[3],
    }
}

const HARDENED_HEADERS: &str = r#"
        server_tokens off;
        add_header Strict-Transport-Security "max-age=63072000; includeSubDomains" always;
        add_header Content-Security-Policy "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'" always;
        add_header X-Content-Type-Options nosniff always;
        add_header X-Frame-Options DENY always;
        add_header Referrer-Policy no-referrer always;"#;

/// One process (`master_process off`), so killing the child leaves no
/// workers behind. Every listener is on 127.0.0.1. Responses come from
/// `return`, so nginx never reads files after start-up.
fn config(dir: &Path, p: Ports) -> String {
    let d = dir.display();
    let tls = |cert: &str| {
        format!(
            "ssl_certificate {d}/{cert}.crt;\n        \
             ssl_certificate_key {d}/{cert}.key;"
        )
    };
    let (good_cert, expired_cert) = (tls("good"), tls("expired"));
    format!(
        r#"master_process off;
error_log {d}/error.log warn;
events {{ worker_connections 256; }}
http {{
    access_log off;
    client_body_temp_path {d}/tmp/body;
    proxy_temp_path {d}/tmp/proxy;
    fastcgi_temp_path {d}/tmp/fastcgi;
    uwsgi_temp_path {d}/tmp/uwsgi;
    scgi_temp_path {d}/tmp/scgi;
    default_type text/html;

    # hardened: TLS 1.2/1.3, every security header, no version in Server
    server {{
        listen 127.0.0.1:{hardened} ssl;
        server_name hardened.test;
        {good_cert}
        ssl_protocols TLSv1.2 TLSv1.3;{HARDENED_HEADERS}
        location / {{ return 200 "ok\n"; }}
    }}

    # bare: nginx defaults, no security headers, version in Server
    server {{
        listen 127.0.0.1:{bare} ssl;
        server_name bare.test;
        {good_cert}
        server_tokens on;
        location / {{ return 200 "ok\n"; }}
    }}

    # expired certificate, otherwise hardened
    server {{
        listen 127.0.0.1:{expired} ssl;
        server_name expired.test;
        {expired_cert}
        ssl_protocols TLSv1.2 TLSv1.3;{HARDENED_HEADERS}
        location / {{ return 200 "ok\n"; }}
    }}

    # plain HTTP on the hardened host: 301 to HTTPS
    server {{
        listen 127.0.0.1:{redirect};
        server_name hardened.test;
        server_tokens off;
        return 301 https://hardened.test:{hardened}$request_uri;
    }}
}}
"#,
        hardened = p.hardened,
        bare = p.bare,
        expired = p.expired,
        redirect = p.redirect,
    )
}

/// The running nginx; dropping it (also while a failed assertion unwinds)
/// kills and reaps the process.
struct Nginx {
    child: Child,
}

impl Drop for Nginx {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn listening(port: u16) -> bool {
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok()
}

impl Nginx {
    /// Writes the config, starts nginx in the foreground and waits until
    /// every port accepts connections. Retries with new ports when one was
    /// taken between `free_ports` and nginx's bind.
    fn start(bin: &Path, dir: &Path) -> (Nginx, Ports) {
        let mut last_log = String::new();
        for _attempt in 0..3 {
            let ports = free_ports();
            let conf = dir.join("nginx.conf");
            std::fs::write(&conf, config(dir, ports)).unwrap();
            let _ = std::fs::remove_file(dir.join("error.log"));
            let stderr = File::create(dir.join("stderr.log")).unwrap();
            let child = StdCommand::new(bin)
                .arg("-p")
                .arg(dir)
                .arg("-c")
                .arg(&conf)
                .arg("-e")
                .arg(dir.join("error.log"))
                .arg("-g")
                .arg(format!(
                    "daemon off; pid {};",
                    dir.join("nginx.pid").display()
                ))
                .env_remove("NGINX")
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(stderr)
                .spawn()
                .unwrap_or_else(|e| panic!("cannot run {}: {e}", bin.display()));
            let mut nginx = Nginx { child };
            let all = [ports.hardened, ports.bare, ports.expired, ports.redirect];
            let until = Instant::now() + Duration::from_secs(15);
            let mut seen_listening = false;
            loop {
                // nginx logs a failed bind at once but keeps retrying for a
                // few seconds, while someone else holds the port: start over.
                if logs(dir).contains("Address already in use") {
                    last_log = logs(dir);
                    break;
                }
                if let Some(status) = nginx.child.try_wait().unwrap() {
                    panic!("nginx exited with {status} at start-up:\n{}", logs(dir));
                }
                if all.iter().all(|&p| listening(p)) {
                    // Once more after a pause, so a bind error that came
                    // just after the last port answered is seen.
                    if seen_listening {
                        return (nginx, ports);
                    }
                    seen_listening = true;
                }
                assert!(
                    Instant::now() < until,
                    "nginx did not listen on {all:?} within 15 s:\n{}",
                    logs(dir)
                );
                std::thread::sleep(Duration::from_millis(50));
            }
        }
        panic!("nginx could not bind free ports in 3 attempts:\n{last_log}");
    }
}

fn logs(dir: &Path) -> String {
    ["stderr.log", "error.log"]
        .iter()
        .map(|f| std::fs::read_to_string(dir.join(f)).unwrap_or_default())
        .collect::<Vec<_>>()
        .join("\n")
}

/// (rule id, category) of every failing finding located at `url`.
fn failing_at(json: &Value, url: &str) -> Vec<(String, String)> {
    json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["outcome"] == "fail" && f["location"]["url"] == url)
        .map(|f| {
            (
                f["rule_id"].as_str().unwrap().to_string(),
                f["category"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn probe_summary<'a>(json: &'a Value, url: &str) -> &'a Value {
    json["probes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["url"] == url)
        .unwrap_or_else(|| panic!("no probe summary for {url}: {}", json["probes"]))
}

#[test]
fn probes_a_real_nginx() {
    let bin = match nginx_binary() {
        Ok(bin) => bin,
        Err(why) => return skip(&why),
    };
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::create_dir_all(d.join("tmp")).unwrap();

    let pki = Pki::new();
    let ca = d.join("ca.pem");
    std::fs::write(&ca, &pki.ca_pem).unwrap();
    for (name, names, from, to) in [
        ("good", &["hardened.test", "bare.test"][..], 2020, 2090),
        ("expired", &["expired.test"][..], 2019, 2021),
    ] {
        let (cert, key) = pki.leaf_pem(names, from, to);
        std::fs::write(d.join(format!("{name}.crt")), cert).unwrap();
        std::fs::write(d.join(format!("{name}.key")), key).unwrap();
    }

    // Declared after `dir`, so nginx is stopped before its files go.
    let (_nginx, p) = Nginx::start(&bin, d);

    let hardened = format!("https://hardened.test:{}/", p.hardened);
    let bare = format!("https://bare.test:{}/", p.bare);
    let expired = format!("https://expired.test:{}/", p.expired);
    // The plain-HTTP check of an https:// URL with a port is skipped, so
    // the redirect server is probed as an http:// URL of its own.
    let redirect = format!("http://hardened.test:{}/", p.redirect);

    let mut cmd = Command::cargo_bin("launchgate").unwrap();
    cmd.arg("probe")
        .args([&hardened, &bare, &expired, &redirect])
        .arg("--ca-cert")
        .arg(&ca);
    for (host, port) in [
        ("hardened.test", p.hardened),
        ("hardened.test", p.redirect),
        ("bare.test", p.bare),
        ("expired.test", p.expired),
    ] {
        cmd.args(["--resolve", &format!("{host}:{port}:127.0.0.1")]);
    }
    let out = cmd
        .args(["--timeout", "5", "--deadline", "30", "--format", "json"])
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    let json: Value = serde_json::from_str(&text).unwrap_or_else(|e| {
        panic!(
            "{e}: {text}\nstderr: {}",
            String::from_utf8_lossy(&out.stderr)
        )
    });
    let ctx = || format!("probes: {:#}\nnginx logs:\n{}", json["probes"], logs(d));

    for url in [&hardened, &bare, &expired, &redirect] {
        let s = probe_summary(&json, url);
        assert_eq!(s["reachable"], true, "{url}\n{}", ctx());
        assert_eq!(s["errors"], serde_json::json!([]), "{url}\n{}", ctx());
    }

    // Hardened: nothing fails, Observatory A or better, SSL Labs-like A+.
    assert_eq!(
        failing_at(&json, &hardened),
        Vec::<(String, String)>::new(),
        "{}",
        ctx()
    );
    let h = probe_summary(&json, &hardened);
    let grade = h["observatory_grade"].as_str().unwrap_or_default();
    assert!(matches!(grade, "A" | "A+"), "{grade}\n{}", ctx());
    assert_eq!(h["tls_grade"], "A+", "{}", ctx());

    // Bare: one failing finding per missing header, and the version nginx
    // discloses with `server_tokens on`.
    let bare_fails = failing_at(&json, &bare);
    for (rule, what) in [
        ("PRB011", "Strict-Transport-Security"),
        ("PRB013", "Content-Security-Policy"),
        ("PRB015", "X-Content-Type-Options"),
        ("PRB016", "X-Frame-Options / frame-ancestors"),
        ("PRB017", "Referrer-Policy"),
        ("PRB022", "Server: nginx/x.y.z"),
    ] {
        let n = bare_fails.iter().filter(|(id, _)| id == rule).count();
        assert_eq!(n, 1, "{rule} ({what}) on {bare}: {bare_fails:?}");
    }

    // Expired certificate: a zero-function failure, Observatory capped at F.
    let expired_fails = failing_at(&json, &expired);
    assert!(
        expired_fails.contains(&("PRB003".into(), "zero-function".into())),
        "{expired_fails:?}"
    );
    assert_eq!(
        probe_summary(&json, &expired)["observatory_grade"],
        "F",
        "{}",
        ctx()
    );

    // Redirect: PRB008 judged (only the http:// URL has the fact) and passed.
    assert_eq!(failing_at(&json, &redirect), Vec::new(), "{}", ctx());
    let prb008: Vec<&Value> = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule_id"] == "PRB008")
        .collect();
    assert_eq!(prb008.len(), 1, "{prb008:?}");
    assert_eq!(prb008[0]["outcome"], "pass", "{prb008:?}");
    assert!(
        prb008[0]["message"]
            .as_str()
            .unwrap_or_default()
            .contains("1 URL(s) checked"),
        "{prb008:?}"
    );

    assert_eq!(json["summary"]["verdict"], "not_ready");
    assert_eq!(out.status.code(), Some(1), "failing findings fail the gate");

    // The fact behind PRB008, straight from the library.
    let local = IpAddr::V4(Ipv4Addr::LOCALHOST);
    let opts = ProbeOptions {
        timeout: Duration::from_secs(5),
        deadline: Duration::from_secs(15),
        extra_ca_pem: vec![pki.ca_pem.clone().into_bytes()],
        resolve: vec![
            ("hardened.test".into(), p.redirect, local),
            ("hardened.test".into(), p.hardened, local),
        ],
        allow_dns: false,
        ..ProbeOptions::default()
    };
    let r = probe_all(std::slice::from_ref(&redirect), &opts).remove(0);
    let fact = |k: &str| r.facts.get(k).cloned();
    assert_eq!(
        fact("http.to_https_redirect"),
        Some(Fact::Bool(true)),
        "{r:?}"
    );
    assert_eq!(fact("redirect.http_status"), Some(Fact::Int(301)), "{r:?}");
    assert_eq!(
        fact("redirect.final_https"),
        Some(Fact::Bool(true)),
        "{r:?}"
    );
    assert_eq!(fact("http.final_url"), Some(Fact::Str(hardened.clone())));
    assert_eq!(fact("http.status"), Some(Fact::Int(200)), "{r:?}");
}
