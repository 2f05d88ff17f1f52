//! A deliberately tiny HTTP/1.1 client: one request per connection, reads
//! only the response head, and bounds size and total time itself. Owning
//! this keeps slowloris servers and oversized headers from ever being
//! buffered by a general-purpose client.

use std::time::Instant;

use tokio::io::{AsyncReadExt, AsyncWriteExt};

use super::net::{self, Io, NetError, Stage};
use super::url::Url;
use super::Ctx;

const USER_AGENT: &str = concat!("launchgate-probe/", env!("CARGO_PKG_VERSION"));

/// A response head. Deliberately not `Debug`: `Set-Cookie` values live here
/// and must never reach logs or reports.
pub(super) struct Response {
    pub status: u16,
    /// Lowercase names in arrival order; repeated headers stay separate.
    pub headers: Vec<(String, String)>,
    pub elapsed_ms: u64,
}

impl Response {
    pub fn all(&self, name: &str) -> impl Iterator<Item = &str> + '_ {
        let name = name.to_string();
        self.headers
            .iter()
            .filter(move |(n, _)| *n == name)
            .map(|(_, v)| v.as_str())
    }

    /// Repeated headers joined the way RFC 9110 allows recipients to combine them.
    pub fn joined(&self, name: &str) -> Option<String> {
        let values: Vec<&str> = self.all(name).collect();
        (!values.is_empty()).then(|| values.join(", "))
    }

    pub fn is_redirect(&self) -> bool {
        matches!(self.status, 301 | 302 | 303 | 307 | 308)
    }
}

/// One GET, bounded by the step timeout (clipped to the overall deadline).
pub(super) async fn fetch(
    ctx: &Ctx,
    url: &Url,
    origin: Option<&str>,
) -> Result<Response, NetError> {
    let limit = ctx
        .budget
        .limit()
        .map_err(|m| NetError::new(Stage::Connect, m))?;
    let started = Instant::now();
    let mut phase = Phase::Connect;
    let max = ctx.opts.max_header_bytes;
    let attempt = tokio::time::timeout(limit.dur, async {
        let tcp = net::connect(&url.host, url.port, &ctx.opts).await?;
        let mut io: Box<dyn Io> = if url.https {
            phase = Phase::Handshake;
            let setup = ctx
                .tls
                .as_ref()
                .map_err(|e| NetError::new(Stage::Tls, e.clone()))?;
            Box::new(setup.handshake(tcp, &url.host, &[b"http/1.1"]).await?.0)
        } else {
            Box::new(tcp)
        };
        phase = Phase::Send;
        let req = request_bytes(url, origin);
        io.write_all(req.as_bytes()).await.map_err(|e| {
            NetError::new(
                Stage::Http,
                format!("sending request failed: {}", net::describe_io(&e)),
            )
        })?;
        io.flush().await.map_err(|e| {
            NetError::new(
                Stage::Http,
                format!("sending request failed: {}", net::describe_io(&e)),
            )
        })?;
        phase = Phase::Head;
        read_response(&mut io, max).await
    })
    .await;
    match attempt {
        Ok(Ok((status, headers))) => Ok(Response {
            status,
            headers,
            elapsed_ms: started.elapsed().as_millis() as u64,
        }),
        Ok(Err(e)) => Err(e),
        Err(_) => {
            let (stage, what) = match phase {
                Phase::Connect => (Stage::Connect, "while connecting"),
                Phase::Handshake => (Stage::Tls, "during TLS handshake"),
                Phase::Send => (Stage::Http, "while sending request"),
                Phase::Head => (Stage::Http, "waiting for response headers"),
            };
            Err(NetError::new(stage, limit.expired(what)))
        }
    }
}

#[derive(Clone, Copy)]
enum Phase {
    Connect,
    Handshake,
    Send,
    Head,
}

fn request_bytes(url: &Url, origin: Option<&str>) -> String {
    let mut req = format!(
        "GET {} HTTP/1.1\r\nHost: {}\r\nUser-Agent: {USER_AGENT}\r\nAccept: */*\r\nConnection: close\r\n",
        url.path,
        url.authority()
    );
    if let Some(o) = origin {
        req.push_str("Origin: ");
        req.push_str(o);
        req.push_str("\r\n");
    }
    req.push_str("\r\n");
    req
}

type Head = (u16, Vec<(String, String)>);

async fn read_response(io: &mut Box<dyn Io>, max: usize) -> Result<Head, NetError> {
    let err = |m: String| NetError::new(Stage::Http, m);
    let mut buf: Vec<u8> = Vec::with_capacity(4096);
    let mut chunk = [0u8; 4096];
    loop {
        while let Some(end) = head_end(&buf) {
            if end > max {
                return Err(err(format!(
                    "response headers exceed the limit of {max} bytes; aborted"
                )));
            }
            let head: Vec<u8> = buf.drain(..end).collect();
            let (status, headers) = parse_head(&head).map_err(err)?;
            // Interim 1xx responses precede the real one; 101 would switch protocols.
            if (100..200).contains(&status) && status != 101 {
                continue;
            }
            return Ok((status, headers));
        }
        // Fail fast on non-HTTP bytes instead of waiting for a blank line.
        if buf.len() >= 5 && !buf.starts_with(b"HTTP/") {
            return Err(err(
                "server response is not HTTP (no HTTP status line)".to_string()
            ));
        }
        if buf.len() > max {
            return Err(err(format!(
                "response headers exceed the limit of {max} bytes; aborted"
            )));
        }
        let n = match io.read(&mut chunk).await {
            Ok(n) => n,
            // Servers that close without TLS close_notify after a partial head.
            Err(e) => {
                return Err(err(format!(
                    "reading response failed: {}",
                    net::describe_io(&e)
                )))
            }
        };
        if n == 0 {
            return Err(err(if buf.is_empty() {
                "server closed the connection without sending a response".to_string()
            } else {
                "connection closed before response headers were complete".to_string()
            }));
        }
        buf.extend_from_slice(&chunk[..n]);
    }
}

/// Index just past the blank line ending a head; tolerates bare LF.
fn head_end(buf: &[u8]) -> Option<usize> {
    let crlf = buf.windows(4).position(|w| w == b"\r\n\r\n").map(|i| i + 4);
    let lf = buf.windows(2).position(|w| w == b"\n\n").map(|i| i + 2);
    match (crlf, lf) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

pub(super) fn parse_head(head: &[u8]) -> Result<Head, String> {
    let text = String::from_utf8_lossy(head);
    let mut lines = text.split('\n').map(|l| l.strip_suffix('\r').unwrap_or(l));
    let status_line = lines.next().unwrap_or_default();
    if !status_line.starts_with("HTTP/") {
        return Err("server response is not HTTP (no HTTP status line)".to_string());
    }
    let status = status_line
        .split_whitespace()
        .nth(1)
        .filter(|c| c.len() == 3)
        .and_then(|c| c.parse::<u16>().ok())
        .filter(|c| (100..600).contains(c))
        .ok_or_else(|| "server sent a malformed HTTP status line".to_string())?;
    let mut headers: Vec<(String, String)> = Vec::new();
    for line in lines {
        if line.is_empty() {
            continue;
        }
        if line.starts_with([' ', '\t']) {
            // Obsolete line folding: continuation of the previous value.
            if let Some((_, v)) = headers.last_mut() {
                v.push(' ');
                v.push_str(line.trim());
            }
            continue;
        }
        let Some((name, value)) = line.split_once(':') else {
            continue;
        };
        let name = name.trim();
        if name.is_empty() || !name.bytes().all(is_token_byte) {
            continue;
        }
        headers.push((name.to_ascii_lowercase(), value.trim().to_string()));
    }
    Ok((status, headers))
}

fn is_token_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

/// The outcome of following redirects from one starting URL.
#[derive(Default)]
pub(super) struct Chain {
    /// Every response received, with the URL it came from.
    pub hops: Vec<(Url, Response)>,
    /// Location targets in the order they were followed (or refused).
    pub redirects: Vec<String>,
    pub loop_detected: bool,
    pub error: Option<NetError>,
}

impl Chain {
    pub fn last(&self) -> Option<&(Url, Response)> {
        self.hops.last()
    }

    pub fn total_ms(&self) -> u64 {
        self.hops.iter().map(|(_, r)| r.elapsed_ms).sum()
    }

    /// True once any connection got past TCP connect.
    pub fn reached(&self) -> bool {
        !self.hops.is_empty()
            || self
                .error
                .as_ref()
                .is_some_and(|e| e.stage != Stage::Connect)
    }
}

pub(super) async fn follow(ctx: &Ctx, start: &Url, max_redirects: usize) -> Chain {
    let mut chain = Chain::default();
    let mut visited = vec![start.to_string()];
    let mut url = start.clone();
    loop {
        let resp = match fetch(ctx, &url, None).await {
            Ok(r) => r,
            Err(e) => {
                chain.error = Some(e);
                return chain;
            }
        };
        let location = resp
            .is_redirect()
            .then(|| resp.all("location").next().map(str::to_string))
            .flatten();
        chain.hops.push((url.clone(), resp));
        let Some(location) = location else {
            return chain;
        };
        let next = match url.join(&location) {
            Ok(n) => n,
            Err(e) => {
                chain.error = Some(NetError::new(
                    Stage::Http,
                    format!("invalid redirect target: {e}"),
                ));
                return chain;
            }
        };
        let next_str = next.to_string();
        chain.redirects.push(next_str.clone());
        if visited.contains(&next_str) {
            chain.loop_detected = true;
            chain.error = Some(NetError::new(
                Stage::Http,
                format!("redirect loop: {next_str} was already visited"),
            ));
            return chain;
        }
        if chain.redirects.len() > max_redirects {
            chain.error = Some(NetError::new(
                Stage::Http,
                format!("too many redirects: stopped after {max_redirects}"),
            ));
            return chain;
        }
        visited.push(next_str);
        url = next;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_heads() {
        let (s, h) =
            parse_head(b"HTTP/1.1 301 Moved\r\nLocation: /x\r\nX-A: 1\r\n  2\r\nbad line\r\n\r\n")
                .unwrap();
        assert_eq!(s, 301);
        assert_eq!(h[0], ("location".to_string(), "/x".to_string()));
        assert_eq!(h[1].1, "1 2");
        assert_eq!(h.len(), 2);
        assert!(parse_head(b"SSH-2.0-OpenSSH\r\n\r\n").is_err());
        assert!(parse_head(b"HTTP/1.1 2000 OK\r\n\r\n").is_err());
    }

    #[test]
    fn finds_head_end() {
        assert_eq!(head_end(b"HTTP/1.1 200 OK\r\n\r\nbody"), Some(19));
        assert_eq!(head_end(b"HTTP/1.1 200 OK\n\nbody"), Some(17));
        assert_eq!(head_end(b"HTTP/1.1 200 OK\r\n"), None);
    }
}
