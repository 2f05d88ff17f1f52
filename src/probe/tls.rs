//! TLS handshakes that record the certificate verdict instead of aborting,
//! so expired, self-signed and wrong-host certificates still yield facts.
//!
//! rustls only speaks TLS 1.2 and 1.3. Whether a server still accepts
//! TLS 1.0/1.1 cannot be observed here; launchgate covers legacy protocols
//! statically through its proxy-configuration rules instead of guessing.

use std::sync::{Arc, Mutex, OnceLock};
use std::time::Instant;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::WebPkiServerVerifier;
use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme};
use tokio::net::TcpStream;
use tokio_rustls::client::TlsStream;
use tokio_rustls::TlsConnector;

use super::cert;
use super::facts::Partial;
use super::net::{self, NetError, Stage};
use super::url::Url;
use super::Ctx;

/// Shared, immutable TLS state for one `probe_all` call.
pub(super) struct TlsSetup {
    provider: Arc<CryptoProvider>,
    roots: Arc<RootCertStore>,
    webpki: Arc<WebPkiServerVerifier>,
}

/// webpki-roots plus the OS store. Loading the OS store reads and parses
/// ~150 files, so it is done once per process.
fn base_roots() -> &'static RootCertStore {
    static ROOTS: OnceLock<RootCertStore> = OnceLock::new();
    ROOTS.get_or_init(|| {
        let mut roots = RootCertStore {
            roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
        };
        // Errors (missing or unreadable store) just leave webpki-roots in place.
        let native = rustls_native_certs::load_native_certs();
        roots.add_parsable_certificates(native.certs);
        roots
    })
}

impl TlsSetup {
    /// Returns the setup plus warnings about unusable extra CA input.
    pub fn new(extra_ca_pem: &[Vec<u8>]) -> Result<(TlsSetup, Vec<String>), String> {
        let mut warnings = Vec::new();
        let mut roots = base_roots().clone();
        for (i, pem) in extra_ca_pem.iter().enumerate() {
            let mut found = 0usize;
            for cert in CertificateDer::pem_slice_iter(pem) {
                match cert {
                    Ok(der) => match roots.add(der) {
                        Ok(()) => found += 1,
                        Err(e) => {
                            warnings.push(format!("extra CA #{}: certificate rejected: {e}", i + 1))
                        }
                    },
                    Err(e) => warnings.push(format!("extra CA #{}: invalid PEM: {e}", i + 1)),
                }
            }
            if found == 0 {
                warnings.push(format!("extra CA #{}: no usable certificates found", i + 1));
            }
        }
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let roots = Arc::new(roots);
        let webpki = WebPkiServerVerifier::builder_with_provider(roots.clone(), provider.clone())
            .build()
            .map_err(|e| format!("cannot build certificate verifier: {e}"))?;
        Ok((
            TlsSetup {
                provider,
                roots,
                webpki,
            },
            warnings,
        ))
    }

    fn client_config(
        &self,
        alpn: &[&[u8]],
    ) -> Result<(ClientConfig, Arc<RecordingVerifier>), String> {
        let verifier = Arc::new(RecordingVerifier {
            inner: self.webpki.clone(),
            seen: Mutex::new(None),
        });
        let mut config = ClientConfig::builder_with_provider(self.provider.clone())
            .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])
            .map_err(|e| format!("TLS configuration error: {e}"))?
            .dangerous()
            .with_custom_certificate_verifier(verifier.clone())
            .with_no_client_auth();
        config.alpn_protocols = alpn.iter().map(|p| p.to_vec()).collect();
        Ok((config, verifier))
    }

    /// Handshake over an established TCP stream. The verifier is returned so
    /// the caller can read what the certificate check concluded.
    pub async fn handshake(
        &self,
        tcp: TcpStream,
        host: &str,
        alpn: &[&[u8]],
    ) -> Result<(TlsStream<TcpStream>, Arc<RecordingVerifier>), NetError> {
        let name = ServerName::try_from(host.to_string()).map_err(|_| {
            NetError::new(
                Stage::Tls,
                format!("{host:?} is not a valid TLS server name"),
            )
        })?;
        let (config, verifier) = self
            .client_config(alpn)
            .map_err(|m| NetError::new(Stage::Tls, m))?;
        let stream = TlsConnector::from(Arc::new(config))
            .connect(name, tcp)
            .await
            .map_err(|e| NetError::new(Stage::Tls, handshake_error(&e)))?;
        Ok((stream, verifier))
    }
}

fn handshake_error(e: &std::io::Error) -> String {
    let detail = net::describe_io(e);
    let hint = if detail.contains("InvalidContentType") || detail.contains("corrupt message") {
        " (the port does not seem to speak TLS)"
    } else {
        ""
    };
    format!("TLS handshake failed: {detail}{hint}")
}

/// What the certificate check saw during one handshake.
#[derive(Debug)]
pub(super) struct Seen {
    pub chain: Vec<CertificateDer<'static>>,
    pub verdict: Result<(), rustls::Error>,
    pub now: UnixTime,
}

/// Runs the normal webpki verification, stores the verdict and lets the
/// handshake continue. Handshake signatures are still checked for real, so
/// a server cannot complete the handshake without the certificate's key.
#[derive(Debug)]
pub(super) struct RecordingVerifier {
    inner: Arc<WebPkiServerVerifier>,
    seen: Mutex<Option<Seen>>,
}

impl RecordingVerifier {
    pub fn take(&self) -> Option<Seen> {
        self.seen.lock().unwrap_or_else(|p| p.into_inner()).take()
    }
}

impl ServerCertVerifier for RecordingVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let verdict = self
            .inner
            .verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now)
            .map(|_| ());
        let chain = std::iter::once(end_entity)
            .chain(intermediates)
            .map(|c| c.clone().into_owned())
            .collect();
        *self.seen.lock().unwrap_or_else(|p| p.into_inner()) = Some(Seen {
            chain,
            verdict,
            now,
        });
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.inner.supported_verify_schemes()
    }
}

/// The dedicated TLS-facts handshake. It offers h2 as well as http/1.1 so
/// `tls.alpn` shows what the server prefers; HTTP requests use their own
/// connections offering only http/1.1.
pub(super) async fn probe(ctx: &Ctx, url: &Url) -> (Partial, bool) {
    let mut out = Partial::default();
    let setup = match &ctx.tls {
        Ok(s) => s,
        Err(e) => {
            out.error(e.clone());
            return (out, false);
        }
    };
    let limit = match ctx.budget.limit() {
        Ok(l) => l,
        Err(e) => {
            out.error(e);
            return (out, false);
        }
    };
    let mut phase = Stage::Connect;
    let started = Instant::now();
    let attempt = tokio::time::timeout(limit.dur, async {
        let tcp = net::connect(&url.host, url.port, &ctx.opts).await?;
        phase = Stage::Tls;
        setup.handshake(tcp, &url.host, &[b"h2", b"http/1.1"]).await
    })
    .await;
    let (stream, verifier) = match attempt {
        Ok(Ok(pair)) => pair,
        Ok(Err(e)) => {
            let reached = e.stage != Stage::Connect;
            if reached {
                out.bool("tls.handshake", false);
            }
            out.error(e.msg);
            return (out, reached);
        }
        Err(_) => {
            let what = match phase {
                Stage::Connect => "while connecting",
                _ => "during TLS handshake",
            };
            if phase != Stage::Connect {
                out.bool("tls.handshake", false);
            }
            out.error(limit.expired(what));
            return (out, phase != Stage::Connect);
        }
    };
    out.bool("tls.handshake", true);
    out.int("tls.handshake_ms", started.elapsed().as_millis() as i64);
    let conn = stream.get_ref().1;
    if let Some(v) = conn.protocol_version() {
        let name = match v {
            rustls::ProtocolVersion::TLSv1_3 => "TLSv1.3".to_string(),
            rustls::ProtocolVersion::TLSv1_2 => "TLSv1.2".to_string(),
            other => format!("{other:?}"),
        };
        out.str("tls.version", name);
    }
    if let Some(suite) = conn.negotiated_cipher_suite() {
        out.str("tls.cipher", format!("{:?}", suite.suite()));
    }
    if let Some(group) = conn.negotiated_key_exchange_group() {
        out.str("tls.kx_group", format!("{:?}", group.name()));
    }
    if let Some(alpn) = conn.alpn_protocol() {
        out.str("tls.alpn", String::from_utf8_lossy(alpn));
    }
    if let Some(seen) = verifier.take() {
        out.bool("tls.verified", seen.verdict.is_ok());
        if let Err(e) = &seen.verdict {
            out.str("tls.verify_error", e.to_string());
        }
        cert::analyze(&seen, &url.host, setup, &mut out);
    }
    (out, true)
}

impl TlsSetup {
    pub fn roots(&self) -> &RootCertStore {
        &self.roots
    }

    pub fn provider(&self) -> &CryptoProvider {
        &self.provider
    }
}
