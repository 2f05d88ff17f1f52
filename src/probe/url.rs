//! Just enough URL handling for probing: absolute http(s) URLs and
//! resolving `Location` headers. A full URL crate would pull in IDNA tables
//! for no gain, since hosts we connect to must already be ASCII.

use std::fmt;

#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct Url {
    pub https: bool,
    /// Lowercase host without IPv6 brackets.
    pub host: String,
    pub port: u16,
    pub explicit_port: bool,
    /// Path plus query, always starting with `/`.
    pub path: String,
}

impl Url {
    pub fn parse(input: &str) -> Result<Url, String> {
        let s = input.trim();
        let (https, rest) = match s.split_once("://") {
            Some((scheme, rest)) => match scheme.to_ascii_lowercase().as_str() {
                "https" => (true, rest),
                "http" => (false, rest),
                other => return Err(format!("unsupported URL scheme {other:?}")),
            },
            // A bare host is the common CLI shorthand; production services are https.
            None => (true, s),
        };
        let rest = rest.split('#').next().unwrap_or_default();
        let split_at = rest.find(['/', '?']).unwrap_or(rest.len());
        let (authority, path) = rest.split_at(split_at);
        let authority = authority.rsplit('@').next().unwrap_or_default();
        let (host, port) = split_host_port(authority)?;
        if host.is_empty() {
            return Err(format!("URL {input:?} has no host"));
        }
        if !host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | ':'))
        {
            return Err(format!("URL host {host:?} contains unsupported characters"));
        }
        let default_port = if https { 443 } else { 80 };
        let path = if path.is_empty() {
            "/".to_string()
        } else if path.starts_with('?') {
            encode_path(&format!("/{path}"))
        } else {
            encode_path(path)
        };
        Ok(Url {
            https,
            host: host.to_ascii_lowercase(),
            port: port.unwrap_or(default_port),
            explicit_port: port.is_some(),
            path,
        })
    }

    pub fn scheme(&self) -> &'static str {
        if self.https {
            "https"
        } else {
            "http"
        }
    }

    fn default_port(&self) -> u16 {
        if self.https {
            443
        } else {
            80
        }
    }

    /// `host[:port]` as it belongs in a Host header or URL authority.
    pub fn authority(&self) -> String {
        let host = if self.host.contains(':') {
            format!("[{}]", self.host)
        } else {
            self.host.clone()
        };
        if self.port == self.default_port() {
            host
        } else {
            format!("{host}:{}", self.port)
        }
    }

    /// Resolves a `Location` header value against this URL.
    pub fn join(&self, location: &str) -> Result<Url, String> {
        let loc = location.trim();
        if loc.contains("://") {
            return Url::parse(loc);
        }
        if let Some(rest) = loc.strip_prefix("//") {
            return Url::parse(&format!("{}://{rest}", self.scheme()));
        }
        let path = if loc.starts_with('/') {
            loc.to_string()
        } else if loc.starts_with('?') {
            let base = self.path.split('?').next().unwrap_or("/");
            format!("{base}{loc}")
        } else {
            let base = self.path.split('?').next().unwrap_or("/");
            let dir = base.rsplit_once('/').map(|(d, _)| d).unwrap_or("");
            format!("{dir}/{loc}")
        };
        let path = encode_path(path.split('#').next().unwrap_or("/"));
        Ok(Url {
            path,
            ..self.clone()
        })
    }
}

impl fmt::Display for Url {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}://{}{}", self.scheme(), self.authority(), self.path)
    }
}

/// Percent-encodes what may not stand in a request target (RFC 3986): spaces,
/// control characters (a CR from a hostile `Location` would otherwise end up in the
/// request line), non-ASCII and a few delimiters. `%` is kept, so an encoded path
/// stays as it is and a URL shown and parsed again is the same URL.
fn encode_path(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for &b in path.as_bytes() {
        if b <= b' ' || b >= 0x7f || b"\"<>\\^`{|}".contains(&b) {
            out.push_str(&format!("%{b:02X}"));
        } else {
            out.push(char::from(b));
        }
    }
    out
}

fn split_host_port(authority: &str) -> Result<(&str, Option<u16>), String> {
    if let Some(rest) = authority.strip_prefix('[') {
        let (host, after) = rest
            .split_once(']')
            .ok_or_else(|| format!("unterminated IPv6 literal in {authority:?}"))?;
        return match after.strip_prefix(':') {
            Some(p) => Ok((host, Some(parse_port(p)?))),
            None if after.is_empty() => Ok((host, None)),
            None => Err(format!(
                "unexpected text after IPv6 literal in {authority:?}"
            )),
        };
    }
    match authority.rsplit_once(':') {
        Some((host, p)) if !host.contains(':') => Ok((host, Some(parse_port(p)?))),
        _ => Ok((authority, None)),
    }
}

pub(super) fn parse_port(p: &str) -> Result<u16, String> {
    match p.parse::<u16>() {
        Ok(0) | Err(_) => Err(format!("invalid port {p:?}")),
        Ok(n) => Ok(n),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_joins() {
        let u = Url::parse("HTTPS://Example.COM:8443/a/b?x=1#frag").unwrap();
        assert_eq!(u.host, "example.com");
        assert_eq!(u.port, 8443);
        assert!(u.explicit_port);
        assert_eq!(u.path, "/a/b?x=1");
        assert_eq!(u.to_string(), "https://example.com:8443/a/b?x=1");
        assert_eq!(u.join("c").unwrap().path, "/a/c");
        assert_eq!(u.join("/z").unwrap().path, "/z");
        assert_eq!(u.join("?q").unwrap().path, "/a/b?q");
        let other = u.join("//other.test/p").unwrap();
        assert_eq!((other.host.as_str(), other.port), ("other.test", 443));
        let plain = u.join("http://h.test").unwrap();
        assert_eq!(
            (plain.https, plain.port, plain.path.as_str()),
            (false, 80, "/")
        );
    }

    #[test]
    fn request_targets_are_encoded() {
        let u = Url::parse("https://h.test/a b\r\nX: y/é?q=<1>").unwrap();
        assert_eq!(u.path, "/a%20b%0D%0AX:%20y/%C3%A9?q=%3C1%3E");
        assert_eq!(Url::parse(&u.to_string()).unwrap(), u);
        let j = u.join("/next\rInjected: 1").unwrap();
        assert_eq!(j.path, "/next%0DInjected:%201");
        assert_eq!(u.join("/ok%20already").unwrap().path, "/ok%20already");
    }

    #[test]
    fn ipv6_and_errors() {
        let u = Url::parse("http://[::1]:8080").unwrap();
        assert_eq!((u.host.as_str(), u.port), ("::1", 8080));
        assert_eq!(u.authority(), "[::1]:8080");
        assert!(Url::parse("ftp://x").is_err());
        assert!(Url::parse("https://:443/").is_err());
        assert!(Url::parse("https://host:99999/").is_err());
        assert_eq!(Url::parse("example.com").unwrap().port, 443);
    }
}
