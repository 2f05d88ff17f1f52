//! `env` checks: conditions on the keys of the production env file or its template.
//! Values are judged here and leave only as redacted hints.

use super::{Occurrence, Verdict};
use crate::finding::{Evidence, Location};
use crate::inventory::{EnvEntry, EnvFile, EnvUnit};
use crate::rules::{EnvCheck, EnvCondition, EnvTarget, Rule};
use regex::Regex;
use std::collections::BTreeSet;
use std::sync::LazyLock;

static PLACEHOLDER_EXACT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?ix)^(?:
            change[-_ ]?me|change[-_ ]?this|changeit|replace[-_ ]?me|replace[-_ ]?this|
            todo|tbd|tba|fixme|x{3,}|\*{3,}|\.{3}|placeholder|dummy|sample|example|
            none|null|nil|undefined|n/?a|
            <[^>]*>|\{\{[^}]*\}\}|
            (?:your|my|insert|enter|put|add|set)[-_ ].*|
            your[a-z]*(?:key|token|secret|password|id|here|url)|
            .*[-_ ]here
        )$",
    )
    .expect("static regex")
});

static PLACEHOLDER_PART: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)changeme|change_me|change-me|replace[-_]?me|xxxxx|your[-_](?:api[-_])?(?:key|token|secret|password|domain|account|project)|<your")
        .expect("static regex")
});

static DEV_MARKER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)dev|local|test|insecure|changeme|example|sample|dummy|default|secret[-_]?key|supersecret|mysecret|keyboard cat|password|qwerty|12345|letmein|admin")
        .expect("static regex")
});

static URL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)^(?P<scheme>[a-z][a-z0-9+.-]*)://(?:(?P<user>[^:@/\s]*)(?::(?P<pass>[^@/\s]*))?@)?(?P<host>\[[^\]]*\]|[^:/?#\s]*)(?::(?P<port>\d+))?",
    )
    .expect("static regex")
});

const LOCAL_HOSTS: [&str; 5] = [
    "localhost",
    "127.0.0.1",
    "0.0.0.0",
    "[::1]",
    "host.docker.internal",
];

fn is_local_host(host: &str) -> bool {
    let host = host.to_ascii_lowercase();
    LOCAL_HOSTS.contains(&host.as_str()) || host.starts_with("127.") || host.ends_with(".localhost")
}

/// A host only a private network resolves: a Compose or Kubernetes service name
/// (`otel-collector`, `api.default.svc.cluster.local`), an `.internal`/`.local` name or a
/// private IPv4 address. Plain http between services on that network is the usual
/// design (TLS ends at the edge), not a public endpoint without TLS.
fn is_private_host(host: &str) -> bool {
    let host = host.to_ascii_lowercase();
    if host.starts_with('[') {
        return false;
    }
    let octets: Vec<u8> = host.split('.').filter_map(|p| p.parse().ok()).collect();
    if octets.len() == 4 && host.split('.').count() == 4 {
        return matches!(octets[..], [10, ..] | [192, 168, ..])
            || matches!(octets[..], [172, b, ..] if (16..=31).contains(&b));
    }
    !host.contains('.')
        || [
            ".svc",
            ".svc.cluster.local",
            ".cluster.local",
            ".internal",
            ".local",
            ".lan",
        ]
        .iter()
        .any(|s| host.ends_with(s))
}

pub fn is_placeholder(value: &str) -> bool {
    let v = value.trim();
    !v.is_empty() && (PLACEHOLDER_EXACT.is_match(v) || PLACEHOLDER_PART.is_match(v))
}

/// `LOG_DEPRECATIONS_CHANNEL=null`, `BROADCAST_DRIVER=null`, `CACHE_STORE=none`: a key that
/// picks a driver names the framework's no-op driver with these words (Laravel's `null`
/// log channel and mailer), a deliberate choice rather than a template left unfilled.
fn selects_no_op_driver(key: &str, value: &str) -> bool {
    const DRIVER_KEYS: [&str; 9] = [
        "_CHANNEL",
        "_DRIVER",
        "_CONNECTION",
        "_MAILER",
        "_STORE",
        "_BROADCASTER",
        "_TRANSPORT",
        "_BACKEND",
        "_HANDLER",
    ];
    let key = key.to_ascii_uppercase();
    matches!(
        value.trim().to_ascii_lowercase().as_str(),
        "null" | "none" | "nil"
    ) && DRIVER_KEYS.iter().any(|suffix| key.ends_with(suffix))
}

fn is_reference(value: &str) -> bool {
    value.starts_with('$')
}

/// Shannon entropy in bits per character.
fn entropy(value: &str) -> f64 {
    let mut counts = std::collections::HashMap::new();
    let mut n = 0usize;
    for c in value.chars() {
        *counts.entry(c).or_insert(0usize) += 1;
        n += 1;
    }
    if n == 0 {
        return 0.0;
    }
    counts
        .values()
        .map(|&c| {
            let p = c as f64 / n as f64;
            -p * p.log2()
        })
        .sum()
}

/// Why a secret is weak, or `None` when it looks strong.
pub fn weakness(value: &str, min_length: usize) -> Option<String> {
    let len = value.chars().count();
    if DEV_MARKER.is_match(value) {
        return Some("looks like a development or default value".into());
    }
    if len < min_length {
        return Some(format!(
            "is {len} characters long; at least {min_length} expected"
        ));
    }
    let e = entropy(value);
    if e < 3.0 {
        return Some(format!("has low entropy ({e:.1} bits per character)"));
    }
    None
}

struct UrlParts<'a> {
    scheme: &'a str,
    host: &'a str,
    port: Option<&'a str>,
    user: Option<&'a str>,
    pass: Option<&'a str>,
}

fn parse_url(value: &str) -> Option<UrlParts<'_>> {
    let c = URL.captures(value.trim())?;
    Some(UrlParts {
        scheme: c.name("scheme")?.as_str(),
        host: c.name("host").map_or("", |m| m.as_str()),
        port: c.name("port").map(|m| m.as_str()),
        user: c.name("user").map(|m| m.as_str()),
        pass: c.name("pass").map(|m| m.as_str()),
    })
}

fn origin_of(u: &UrlParts<'_>) -> String {
    match u.port {
        Some(p) => format!("{}://{}:{p}", u.scheme, u.host),
        None => format!("{}://{}", u.scheme, u.host),
    }
}

static SECRETISH_KEY: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)secret|passw|pwd|token|key|auth|credential|dsn|salt|private|cookie|session|signature",
    )
    .expect("static regex")
});

/// A front-end build variable for the API's base address, the app's own host or a log
/// level (`VITE_APP_API_BASE_URL=`, `VUE_APP_API_ENDPOINT=`): left empty in the bundle's
/// production file, the code falls back to the page's own origin or the default level.
fn defaults_when_empty(key: &str) -> bool {
    const SUFFIXES: [&str; 8] = [
        "_URL",
        "_URI",
        "_ENDPOINT",
        "_HOST",
        "_BASE",
        "_PATH",
        "_PREFIX",
        "_LOG_LEVEL",
    ];
    let key = key.to_ascii_uppercase();
    crate::inventory::envfile::is_public_build_key(&key)
        && SUFFIXES.iter().any(|s| key.ends_with(s))
}

/// One env entry judged against one condition: the failure message and evidence.
fn judge(cond: &EnvCondition, e: &EnvEntry) -> Option<(String, Evidence)> {
    let v = e.value.as_str();
    let key = e.key.as_str();
    match cond {
        EnvCondition::Empty => (v.trim().is_empty() && !defaults_when_empty(key))
            .then(|| (format!("{key} is empty"), Evidence::secret(key, v))),
        EnvCondition::Placeholder => {
            (is_placeholder(v) && !selects_no_op_driver(key, v)).then(|| {
                (
                    format!("{key} holds a placeholder value"),
                    Evidence::secret(key, v),
                )
            })
        }
        EnvCondition::WeakSecret { min_length } => {
            if v.trim().is_empty() || is_reference(v) || is_placeholder(v) {
                return None;
            }
            weakness(v, *min_length).map(|why| (format!("{key} {why}"), Evidence::secret(key, v)))
        }
        EnvCondition::Localhost => {
            // A bare 0.0.0.0 is a bind address (listen everywhere), which is right in
            // production; only a bare loopback name is a destination.
            let bare = v.trim();
            let bare_local = is_local_host(bare) && bare != "0.0.0.0" && !v.contains("://");
            match parse_url(v) {
                Some(u) if is_local_host(u.host) => Some((
                    format!("{key} points at {}", u.host),
                    Evidence::note(format!("{key} = {}", origin_of(&u))),
                )),
                _ if bare_local => Some((
                    format!("{key} points at {}", v.trim()),
                    Evidence::note(format!("{key} = {}", v.trim())),
                )),
                _ => None,
            }
        }
        EnvCondition::InsecureUrl => {
            let u = parse_url(v)?;
            let plain = matches!(u.scheme.to_ascii_lowercase().as_str(), "http" | "ws");
            (plain && !is_local_host(u.host) && !is_private_host(u.host) && !u.host.is_empty())
                .then(|| {
                    (
                        format!("{key} uses plain {}://", u.scheme.to_ascii_lowercase()),
                        Evidence::note(format!("{key} = {}", origin_of(&u))),
                    )
                })
        }
        EnvCondition::InlineCredentials => {
            let u = parse_url(v)?;
            let pass = u.pass.filter(|p| !p.is_empty() && !is_reference(p))?;
            Some((
                format!("{key} embeds a password in the URL"),
                Evidence::note(format!(
                    "{key} = {}://{}:{}@{}",
                    u.scheme,
                    u.user.unwrap_or(""),
                    crate::redact::Redacted::new(pass),
                    u.host
                )),
            ))
        }
        EnvCondition::Matches(re) => re.is_match(v).then(|| {
            let evidence = if SECRETISH_KEY.is_match(key) {
                Evidence::secret(key, v)
            } else {
                Evidence::line(&format!("{key}={v}"))
            };
            (
                format!("{key} has a value that is not fit for production"),
                evidence,
            )
        }),
        EnvCondition::Missing | EnvCondition::NotInTemplate | EnvCondition::NotInProduction => None,
    }
}

fn selected<'a>(check: &EnvCheck, file: &'a EnvFile) -> Vec<&'a EnvEntry> {
    file.parsed
        .effective()
        .into_iter()
        .filter(|e| check.keys.is_match(&e.key))
        .filter(|e| {
            !check
                .exclude_keys
                .as_ref()
                .is_some_and(|x| x.is_match(&e.key))
        })
        .collect()
}

/// `defaults_files`: production env files committed as defaults with no secret in them
/// (see `evaluate::scan`); the real environment layers the rest over them.
/// `layered_files`: those committed beside a git-ignored `.env.local`, which each
/// deployment writes over them; `developer_files`: the layered files that hold a
/// developer's values (see `evaluate::scan`), none of them production's.
pub fn evaluate(
    rule: &Rule,
    check: &EnvCheck,
    files: &[EnvFile],
    units: &[EnvUnit],
    defaults_files: &BTreeSet<String>,
    layered_files: &BTreeSet<String>,
    developer_files: &BTreeSet<String>,
) -> Verdict {
    let mut occurrences = Vec::new();
    let mut checked = 0usize;
    for unit in units {
        let target = match check.file {
            EnvTarget::Production => unit.production,
            EnvTarget::Template => unit.template,
        };
        let Some(target) = target.and_then(|i| files.get(i)) else {
            continue;
        };
        let other = match check.file {
            EnvTarget::Production => unit.template,
            EnvTarget::Template => unit.production,
        }
        .and_then(|i| files.get(i));
        let entries = selected(check, target);
        match &check.condition {
            EnvCondition::Missing => {
                checked += 1;
                if entries.is_empty() {
                    occurrences.push(Occurrence {
                        owner: None,
                        setting: None,
                        location: Some(Location::file(&target.path)),
                        message: rule.failure_message(),
                        evidence: Some(Evidence::note(format!(
                            "no key matching /{}/ in {}",
                            crate::redact::clip(check.keys.as_str(), 60),
                            target.path
                        ))),
                    });
                }
            }
            EnvCondition::NotInTemplate | EnvCondition::NotInProduction => {
                let Some(other) = other else { continue };
                // A committed defaults file is not the whole of production's configuration:
                // the keys it leaves out (the secrets first of all) come from the
                // environment the deployment sets over it.
                if matches!(check.condition, EnvCondition::NotInProduction)
                    && defaults_files.contains(&other.path)
                {
                    continue;
                }
                // A layered file that holds a developer's values (Symfony's "contains
                // default values …" header, amplication's `NODE_ENV=development`) is no
                // production file for a template to mirror.
                let production = match check.condition {
                    EnvCondition::NotInTemplate => target,
                    _ => other,
                };
                if developer_files.contains(&production.path) {
                    continue;
                }
                checked += 1;
                let (here, there) = match check.condition {
                    EnvCondition::NotInTemplate => ("production file", "template"),
                    _ => ("template", "production file"),
                };
                for e in entries {
                    if other.parsed.get(&e.key).is_none() {
                        occurrences.push(Occurrence {
                            owner: None,
                            setting: None,
                            location: Some(Location::at(&target.path, e.line, e.column)),
                            message: format!(
                                "{} is set in the {here} but missing from the {there} ({})",
                                e.key, other.path
                            ),
                            evidence: Some(Evidence::note(&e.key)),
                        });
                    }
                }
            }
            cond => {
                checked += 1;
                // An empty or placeholder value in a committed defaults file (Symfony's
                // `.env` beside a git-ignored `.env.local`) marks an optional feature as
                // off until a deployment sets it over the file: it is not production's value.
                // When the file also says so in its header (Symfony's "contains default
                // values …", "DO NOT DEFINE PRODUCTION SECRETS IN THIS FILE"), none of its
                // values is production's: `APP_ENV=dev` and a local database are what a
                // developer's checkout runs with (Sylius). So when it sets the development
                // mode itself (amplication's `packages/*/.env`: `NODE_ENV=development`).
                if developer_files.contains(&target.path)
                    || (layered_files.contains(&target.path)
                        && matches!(cond, EnvCondition::Empty | EnvCondition::Placeholder))
                {
                    continue;
                }
                for e in entries {
                    if let Some((message, evidence)) = judge(cond, e) {
                        occurrences.push(Occurrence {
                            owner: None,
                            setting: None,
                            location: Some(Location::at(&target.path, e.line, e.column)),
                            message,
                            evidence: Some(evidence),
                        });
                    }
                }
            }
        }
    }
    if checked == 0 {
        let what = match (check.file, &check.condition) {
            (_, EnvCondition::NotInTemplate | EnvCondition::NotInProduction) => {
                "no folder has both a production env file and a template"
            }
            (EnvTarget::Production, _) => {
                "no production env file (.env.production, .env.prod or .env)"
            }
            (EnvTarget::Template, _) => {
                "no env template (.env.example, .env.sample, .env.template or .env.dist)"
            }
        };
        return Verdict::NotApplicable(what.to_string());
    }
    Verdict::Checked {
        occurrences,
        summary: format!("{checked} env file(s) checked"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders() {
        for v in [
            "changeme",
            "your-api-key-here",
            "xxx",
            "<your key>",
            "TODO",
            "your_stripe_key",
            "https://your-domain.com",
        ] {
            assert!(is_placeholder(v), "{v}");
        }
        for v in [
            "sk_live_abc123",
            "production",
            "https://api.example.org",
            "42",
        ] {
            assert!(!is_placeholder(v), "{v}");
        }
    }

    #[test]
    fn no_op_drivers_are_chosen_not_placeholders() {
        assert!(selects_no_op_driver("LOG_DEPRECATIONS_CHANNEL", "null"));
        assert!(selects_no_op_driver("broadcast_driver", "NULL"));
        assert!(selects_no_op_driver("CACHE_STORE", "none"));
        assert!(!selects_no_op_driver("STRIPE_SECRET", "null"));
        assert!(!selects_no_op_driver("MAIL_MAILER", "smtp"));
    }

    #[test]
    fn weak_secrets() {
        assert!(weakness("dev-jwt-secret-key", 32).is_some());
        assert!(weakness("short", 32).is_some());
        assert!(weakness(&"a".repeat(40), 32).is_some());
        assert!(weakness("9f8e7d6c5b4a39281706f5e4d3c2b1a09f8e7d6c5b4a3928", 32).is_none());
    }

    #[test]
    fn urls() {
        let e = |v: &str| EnvEntry {
            key: "URL".into(),
            value: v.into(),
            line: 1,
            column: 1,
            quoted: false,
        };
        assert!(judge(&EnvCondition::Localhost, &e("http://localhost:3000")).is_some());
        assert!(judge(&EnvCondition::Localhost, &e("https://app.example.com")).is_none());
        assert!(judge(&EnvCondition::InsecureUrl, &e("http://api.example.com")).is_some());
        assert!(judge(&EnvCondition::InsecureUrl, &e("http://localhost")).is_none());
        for internal in [
            "http://otel-collector:4317",
            "http://api.default.svc.cluster.local/x",
            "http://metadata.google.internal",
            "http://10.0.3.7:8080",
            "http://172.20.0.5",
        ] {
            assert!(
                judge(&EnvCondition::InsecureUrl, &e(internal)).is_none(),
                "{internal}"
            );
        }
        for public in [
            "http://172.32.0.1",
            "http://8.8.8.8",
            "ws://app.example.com",
        ] {
            assert!(
                judge(&EnvCondition::InsecureUrl, &e(public)).is_some(),
                "{public}"
            );
        }
        let (_, ev) = judge(
            &EnvCondition::InlineCredentials,
            &e("postgresql://u:hunter2secret@db:5432/x"),
        )
        .unwrap();
        assert!(!ev.as_str().contains("hunter2"), "{ev}");
        assert!(judge(&EnvCondition::InlineCredentials, &e("postgresql://u@db/x")).is_none());
        assert!(judge(
            &EnvCondition::InlineCredentials,
            &e("postgresql://u:${PW}@db/x")
        )
        .is_none());
    }
}
