//! Starts 50 loopback HTTPS servers and probes them all, printing the wall
//! time. Run with `cargo run --release --example probe50`.

use std::net::{IpAddr, Ipv4Addr};
use std::sync::Arc;
use std::time::{Duration, Instant};

use launchgate::probe::{probe_all, Fact, ProbeOptions};
use rcgen::{BasicConstraints, CertificateParams, IsCa, Issuer, KeyPair};
use rustls::pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const SERVERS: usize = 50;
const RESPONSE: &[u8] = b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\
Strict-Transport-Security: max-age=63072000\r\nContent-Security-Policy: default-src 'none'\r\n\
X-Content-Type-Options: nosniff\r\nX-Frame-Options: DENY\r\nReferrer-Policy: no-referrer\r\n\r\n";

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut ca_params = CertificateParams::new(Vec::<String>::new())?;
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let ca_key = KeyPair::generate()?;
    let ca = ca_params.self_signed(&ca_key)?;
    let issuer = Issuer::new(ca_params, ca_key);
    let leaf_key = KeyPair::generate()?;
    let leaf =
        CertificateParams::new(vec!["probe50.test".to_string()])?.signed_by(&leaf_key, &issuer)?;

    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .with_no_client_auth()
        .with_single_cert(
            vec![leaf.der().clone(), ca.der().clone()],
            PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(leaf_key.serialize_der())),
        )?;
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));

    let server_rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()?;
    let mut ports = Vec::new();
    for _ in 0..SERVERS {
        let std_listener = std::net::TcpListener::bind("127.0.0.1:0")?;
        std_listener.set_nonblocking(true)?;
        ports.push(std_listener.local_addr()?.port());
        let listener = {
            let _guard = server_rt.enter();
            tokio::net::TcpListener::from_std(std_listener)?
        };
        let acceptor = acceptor.clone();
        server_rt.spawn(async move {
            while let Ok((tcp, _)) = listener.accept().await {
                let acceptor = acceptor.clone();
                tokio::spawn(async move {
                    let Ok(mut tls) = acceptor.accept(tcp).await else {
                        return;
                    };
                    let mut buf = [0u8; 4096];
                    let _ = tls.read(&mut buf).await;
                    let _ = tls.write_all(RESPONSE).await;
                    let _ = tls.shutdown().await;
                });
            }
        });
    }

    let localhost = IpAddr::V4(Ipv4Addr::LOCALHOST);
    let opts = ProbeOptions {
        timeout: Duration::from_secs(2),
        deadline: Duration::from_secs(10),
        extra_ca_pem: vec![ca.pem().into_bytes()],
        resolve: ports
            .iter()
            .map(|p| ("probe50.test".to_string(), *p, localhost))
            .collect(),
        allow_dns: false,
        ..ProbeOptions::default()
    };
    let urls: Vec<String> = ports
        .iter()
        .map(|p| format!("https://probe50.test:{p}/"))
        .collect();

    let started = Instant::now();
    let reports = probe_all(&urls, &opts);
    let wall = started.elapsed();

    let healthy = reports
        .iter()
        .filter(|r| r.errors.is_empty() && r.facts.get("tls.verified") == Some(&Fact::Bool(true)))
        .count();
    println!(
        "probed {} servers in {:.0} ms ({healthy} verified without errors, concurrency {})",
        reports.len(),
        wall.as_secs_f64() * 1000.0,
        opts.concurrency
    );
    for r in reports.iter().filter(|r| !r.errors.is_empty()).take(3) {
        println!("  {}: {:?}", r.url, r.errors);
    }
    server_rt.shutdown_timeout(Duration::from_secs(1));
    Ok(())
}
