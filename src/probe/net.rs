//! Connecting (honouring `--resolve`), time budgets and turning I/O errors
//! into messages an operator can act on.

use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::time::{Duration, Instant};

use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;

use super::ProbeOptions;

/// Anything we can speak HTTP/1.1 over: plain TCP or a TLS stream.
pub(super) trait Io: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Io for T {}

/// Per-step timeout clipped to what is left of the overall deadline, so a
/// slow early step can never push the whole probe past the deadline.
#[derive(Clone, Copy, Debug)]
pub(super) struct Budget {
    pub deadline: Instant,
    pub overall: Duration,
    pub step: Duration,
}

#[derive(Clone, Copy, Debug)]
pub(super) struct Limit {
    pub dur: Duration,
    by_deadline: bool,
    step: Duration,
    overall: Duration,
}

impl Budget {
    pub fn limit(&self) -> Result<Limit, String> {
        let remaining = self.deadline.saturating_duration_since(Instant::now());
        if remaining.is_zero() {
            return Err(format!(
                "overall deadline of {} exceeded; check skipped",
                fmt_duration(self.overall)
            ));
        }
        let by_deadline = remaining < self.step;
        Ok(Limit {
            dur: if by_deadline { remaining } else { self.step },
            by_deadline,
            step: self.step,
            overall: self.overall,
        })
    }
}

impl Limit {
    /// `what` completes the sentence, e.g. "waiting for response headers".
    pub fn expired(&self, what: &str) -> String {
        if self.by_deadline {
            format!(
                "overall deadline of {} exceeded {what}",
                fmt_duration(self.overall)
            )
        } else {
            format!("timed out after {} {what}", fmt_duration(self.step))
        }
    }
}

pub(super) fn fmt_duration(d: Duration) -> String {
    let ms = d.as_millis();
    if ms.is_multiple_of(1000) {
        format!("{}s", ms / 1000)
    } else if ms > 1000 {
        format!("{:.1}s", d.as_secs_f64())
    } else {
        format!("{ms}ms")
    }
}

/// Where a request failed; decides whether the target counts as reachable.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Stage {
    Connect,
    Tls,
    Http,
}

#[derive(Clone, Debug)]
pub(super) struct NetError {
    pub stage: Stage,
    pub msg: String,
}

impl NetError {
    pub fn new(stage: Stage, msg: impl Into<String>) -> Self {
        NetError {
            stage,
            msg: msg.into(),
        }
    }
}

async fn addresses(host: &str, port: u16, opts: &ProbeOptions) -> Result<Vec<SocketAddr>, String> {
    if let Some((_, _, ip)) = opts
        .resolve
        .iter()
        .find(|(h, p, _)| *p == port && h.eq_ignore_ascii_case(host))
    {
        return Ok(vec![SocketAddr::new(*ip, port)]);
    }
    if let Ok(ip) = host.parse::<IpAddr>() {
        return Ok(vec![SocketAddr::new(ip, port)]);
    }
    // RFC 6761 reserves these; answering locally avoids a pointless DNS query.
    if host == "localhost" || host.ends_with(".localhost") {
        return Ok(vec![
            SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), port),
            SocketAddr::new(IpAddr::V6(Ipv6Addr::LOCALHOST), port),
        ]);
    }
    if host == "invalid" || host.ends_with(".invalid") {
        return Err(format!(
            "DNS resolution failed for {host}: .invalid names never resolve (RFC 6761)"
        ));
    }
    if !opts.allow_dns {
        return Err(format!(
            "DNS resolution failed for {host}: DNS lookups are disabled and no --resolve entry matches {host}:{port}"
        ));
    }
    match tokio::net::lookup_host((host, port)).await {
        Ok(addrs) => {
            let addrs: Vec<SocketAddr> = addrs.collect();
            if addrs.is_empty() {
                Err(format!("DNS resolution failed for {host}: no addresses"))
            } else {
                Ok(addrs)
            }
        }
        Err(e) => Err(format!("DNS resolution failed for {host}: {e}")),
    }
}

/// Tries each resolved address in turn; the caller bounds the total time.
pub(super) async fn connect(
    host: &str,
    port: u16,
    opts: &ProbeOptions,
) -> Result<TcpStream, NetError> {
    let addrs = addresses(host, port, opts)
        .await
        .map_err(|m| NetError::new(Stage::Connect, m))?;
    let mut last = String::new();
    for addr in addrs {
        match TcpStream::connect(addr).await {
            Ok(s) => {
                // Requests are single small writes; Nagle would only add latency.
                let _ = s.set_nodelay(true);
                return Ok(s);
            }
            Err(e) if e.kind() == io::ErrorKind::ConnectionRefused => {
                last = format!("connection refused ({addr})");
            }
            Err(e) => last = format!("could not connect to {addr}: {}", describe_io(&e)),
        }
    }
    Err(NetError::new(Stage::Connect, last))
}

pub(super) fn describe_io(e: &io::Error) -> String {
    match e.kind() {
        io::ErrorKind::ConnectionReset => "connection reset by peer".to_string(),
        io::ErrorKind::ConnectionAborted => "connection aborted".to_string(),
        io::ErrorKind::UnexpectedEof => "connection closed by peer".to_string(),
        io::ErrorKind::BrokenPipe => "connection closed by peer (broken pipe)".to_string(),
        _ => e.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_naturally() {
        assert_eq!(fmt_duration(Duration::from_secs(10)), "10s");
        assert_eq!(fmt_duration(Duration::from_millis(1500)), "1.5s");
        assert_eq!(fmt_duration(Duration::from_millis(250)), "250ms");
    }
}
