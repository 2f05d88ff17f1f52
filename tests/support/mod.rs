//! Real loopback servers for the probe tests: rustls over tokio with
//! certificates minted by rcgen. Every server lives on the `Servers`
//! runtime, and dropping `Servers` shuts the runtime down, which closes
//! every listener and connection.
#![allow(dead_code)]

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair, KeyUsagePurpose};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::runtime::Runtime;
use tokio_rustls::TlsAcceptor;

pub struct Identity {
    pub chain: Vec<CertificateDer<'static>>,
    pub key: PrivateKeyDer<'static>,
}

/// A throwaway CA whose PEM goes into `ProbeOptions::extra_ca_pem`.
pub struct Pki {
    pub ca_pem: String,
    ca_der: CertificateDer<'static>,
    issuer: Issuer<'static, KeyPair>,
}

impl Pki {
    pub fn new() -> Pki {
        let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params
            .distinguished_name
            .push(DnType::CommonName, "launchgate test CA");
        params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        params.not_before = rcgen::date_time_ymd(2020, 1, 1);
        params.not_after = rcgen::date_time_ymd(2090, 1, 1);
        let key = KeyPair::generate().unwrap();
        let cert = params.self_signed(&key).unwrap();
        Pki {
            ca_pem: cert.pem(),
            ca_der: cert.der().clone(),
            issuer: Issuer::new(params, key),
        }
    }

    /// Leaf for `names`, valid between the given years, signed by the CA.
    pub fn leaf(&self, names: &[&str], from_year: i32, to_year: i32) -> Identity {
        let mut params = leaf_params(names, from_year, to_year);
        params.use_authority_key_identifier_extension = true;
        let key = KeyPair::generate().unwrap();
        let cert = params.signed_by(&key, &self.issuer).unwrap();
        Identity {
            chain: vec![cert.der().clone(), self.ca_der.clone()],
            key: pkcs8(&key),
        }
    }

    /// Like [`Pki::leaf`], as PEM files for servers that read them (nginx):
    /// the leaf certificate and its PKCS#8 key.
    pub fn leaf_pem(&self, names: &[&str], from_year: i32, to_year: i32) -> (String, String) {
        let mut params = leaf_params(names, from_year, to_year);
        params.use_authority_key_identifier_extension = true;
        let key = KeyPair::generate().unwrap();
        let cert = params.signed_by(&key, &self.issuer).unwrap();
        (cert.pem(), key.serialize_pem())
    }
}

fn leaf_params(names: &[&str], from_year: i32, to_year: i32) -> CertificateParams {
    let mut params =
        CertificateParams::new(names.iter().map(|n| n.to_string()).collect::<Vec<_>>()).unwrap();
    params.distinguished_name.push(DnType::CommonName, names[0]);
    params.not_before = rcgen::date_time_ymd(from_year, 1, 1);
    params.not_after = rcgen::date_time_ymd(to_year, 1, 1);
    params
}

pub fn self_signed(names: &[&str]) -> Identity {
    let key = KeyPair::generate().unwrap();
    let cert = leaf_params(names, 2020, 2090).self_signed(&key).unwrap();
    Identity {
        chain: vec![cert.der().clone()],
        key: pkcs8(&key),
    }
}

fn pkcs8(key: &KeyPair) -> PrivateKeyDer<'static> {
    PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der()))
}

pub struct Req {
    pub path: String,
    pub origin: Option<String>,
}

pub enum Reply {
    Bytes(Vec<u8>),
    /// Read the request, then never answer.
    Stall,
    /// Status line, then one header byte every 50 ms, forever.
    Slowloris,
}

pub type Handler = Arc<dyn Fn(&Req) -> Reply + Send + Sync>;

pub fn handler(f: impl Fn(&Req) -> Reply + Send + Sync + 'static) -> Handler {
    Arc::new(f)
}

/// A complete response head with an empty body.
pub fn response(status: u16, headers: &[(&str, &str)]) -> Reply {
    let mut s = format!("HTTP/1.1 {status} X\r\nContent-Length: 0\r\nConnection: close\r\n");
    for (k, v) in headers {
        s.push_str(&format!("{k}: {v}\r\n"));
    }
    s.push_str("\r\n");
    Reply::Bytes(s.into_bytes())
}

pub fn ok(headers: &[(&str, &str)]) -> Handler {
    let reply = match response(200, headers) {
        Reply::Bytes(b) => b,
        _ => unreachable!(),
    };
    handler(move |_| Reply::Bytes(reply.clone()))
}

/// Raw TCP behaviours for handshake-level failures.
#[derive(Clone, Copy)]
pub enum Raw {
    /// Accept and never read or write.
    Silent,
    /// Send non-TLS bytes, then close.
    Garbage,
    /// Read the ClientHello, then reset the connection.
    Reset,
}

pub struct Servers {
    rt: Option<Runtime>,
}

impl Servers {
    pub fn new() -> Servers {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        Servers { rt: Some(rt) }
    }

    fn rt(&self) -> &Runtime {
        self.rt.as_ref().unwrap()
    }

    fn listen(&self) -> (TcpListener, u16) {
        let std = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        std.set_nonblocking(true).unwrap();
        let port = std.local_addr().unwrap().port();
        let _guard = self.rt().enter();
        (TcpListener::from_std(std).unwrap(), port)
    }

    pub fn https(&self, id: Identity, h: Handler) -> u16 {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut cfg = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_no_client_auth()
            .with_single_cert(id.chain, id.key)
            .unwrap();
        cfg.alpn_protocols = vec![b"http/1.1".to_vec()];
        let acceptor = TlsAcceptor::from(Arc::new(cfg));
        let (listener, port) = self.listen();
        self.rt().spawn(async move {
            while let Ok((tcp, _)) = listener.accept().await {
                let (acceptor, h) = (acceptor.clone(), h.clone());
                tokio::spawn(async move {
                    if let Ok(tls) = acceptor.accept(tcp).await {
                        serve(tls, h).await;
                    }
                });
            }
        });
        port
    }

    pub fn http(&self, h: Handler) -> u16 {
        let (listener, port) = self.listen();
        self.rt().spawn(async move {
            while let Ok((tcp, _)) = listener.accept().await {
                tokio::spawn(serve(tcp, h.clone()));
            }
        });
        port
    }

    pub fn raw(&self, kind: Raw) -> u16 {
        let (listener, port) = self.listen();
        self.rt().spawn(async move {
            while let Ok((tcp, _)) = listener.accept().await {
                tokio::spawn(raw(tcp, kind));
            }
        });
        port
    }
}

impl Drop for Servers {
    fn drop(&mut self) {
        if let Some(rt) = self.rt.take() {
            rt.shutdown_timeout(Duration::from_secs(1));
        }
    }
}

/// A port with nothing listening: bind, note the port, release it.
pub fn closed_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}

pub fn connect_refused(port: u16) -> bool {
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    std::net::TcpStream::connect_timeout(&addr, Duration::from_millis(500)).is_err()
}

async fn read_request<S: AsyncRead + Unpin>(s: &mut S) -> Option<Req> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 2048];
    while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
        let n = tokio::time::timeout(Duration::from_secs(3), s.read(&mut chunk))
            .await
            .ok()?
            .ok()?;
        if n == 0 || buf.len() > 16 * 1024 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    let text = String::from_utf8_lossy(&buf);
    let path = text.split_whitespace().nth(1)?.to_string();
    let origin = text.lines().find_map(|l| {
        let (k, v) = l.split_once(':')?;
        k.eq_ignore_ascii_case("origin")
            .then(|| v.trim().to_string())
    });
    Some(Req { path, origin })
}

async fn serve<S: AsyncRead + AsyncWrite + Unpin>(mut s: S, h: Handler) {
    let Some(req) = read_request(&mut s).await else {
        return;
    };
    match h(&req) {
        Reply::Bytes(b) => {
            let _ = s.write_all(&b).await;
            let _ = s.shutdown().await;
        }
        Reply::Stall => std::future::pending::<()>().await,
        Reply::Slowloris => {
            if s.write_all(b"HTTP/1.1 200 OK\r\n").await.is_err() {
                return;
            }
            let _ = s.flush().await;
            loop {
                tokio::time::sleep(Duration::from_millis(50)).await;
                if s.write_all(b"x").await.is_err() || s.flush().await.is_err() {
                    return;
                }
            }
        }
    }
}

async fn raw(mut tcp: TcpStream, kind: Raw) {
    match kind {
        Raw::Silent => std::future::pending::<()>().await,
        Raw::Garbage => {
            let _ = tcp
                .write_all(b"SSH-2.0-NotTLS garbage garbage garbage\r\n")
                .await;
            let _ = tcp.shutdown().await;
        }
        Raw::Reset => {
            let mut buf = [0u8; 64];
            let _ = tcp.read(&mut buf).await;
            // Linger 0 turns the close into an RST.
            let _ = tcp.set_zero_linger();
            drop(tcp);
        }
    }
}

/// A 1 MiB header, written until the client gives up.
pub fn huge_header() -> Handler {
    let mut s = String::from("HTTP/1.1 200 OK\r\nX-Big: ");
    s.push_str(&"a".repeat(1 << 20));
    s.push_str("\r\n\r\n");
    let bytes = s.into_bytes();
    handler(move |_| Reply::Bytes(bytes.clone()))
}
