//! Leaf-certificate facts: names, validity, key and trust, each judged on
//! its own so one problem does not hide the others.

use rustls::client::{verify_server_cert_signed_by_trust_anchor, verify_server_name};
use rustls::pki_types::{ServerName, UnixTime};
use rustls::server::ParsedCertificate;
use x509_parser::prelude::{FromDer, GeneralName, ParsedExtension, X509Certificate};
use x509_parser::public_key::PublicKey;

use super::facts::Partial;
use super::tls::{Seen, TlsSetup};

const DAY: i64 = 86_400;

pub(super) fn analyze(seen: &Seen, host: &str, setup: &TlsSetup, out: &mut Partial) {
    out.int("tls.chain_length", seen.chain.len() as i64);
    let Some(leaf_der) = seen.chain.first() else {
        return;
    };
    let now = seen.now.as_secs() as i64;

    let (not_before, not_after) = match X509Certificate::from_der(leaf_der.as_ref()) {
        Ok((_, leaf)) => {
            let nb = leaf.validity().not_before.timestamp();
            let na = leaf.validity().not_after.timestamp();
            describe_leaf(&leaf, now, out);
            (nb, na)
        }
        Err(e) => {
            out.error(format!("could not parse server certificate: {e}"));
            return;
        }
    };

    let Ok(parsed) = ParsedCertificate::try_from(leaf_der) else {
        out.bool("tls.trusted", false);
        return;
    };
    if let Ok(name) = ServerName::try_from(host.to_string()) {
        out.bool(
            "tls.hostname_match",
            verify_server_name(&parsed, &name).is_ok(),
        );
    }
    // Judge the chain at a moment inside the leaf's validity window, so an
    // expired certificate from a trusted CA reads as "trusted but expired"
    // rather than as an anonymous trust failure.
    let at = now.clamp(not_before, not_after.max(not_before)).max(0) as u64;
    let trust = verify_server_cert_signed_by_trust_anchor(
        &parsed,
        setup.roots(),
        &seen.chain[1..],
        UnixTime::since_unix_epoch(std::time::Duration::from_secs(at)),
        setup.provider().signature_verification_algorithms.all,
    );
    out.bool("tls.trusted", trust.is_ok());
    if let Err(e) = trust {
        out.str("tls.trust_error", e.to_string());
    }
}

fn describe_leaf(leaf: &X509Certificate<'_>, now: i64, out: &mut Partial) {
    let nb = leaf.validity().not_before.timestamp();
    let na = leaf.validity().not_after.timestamp();
    out.str("tls.not_before", rfc3339(nb));
    out.str("tls.not_after", rfc3339(na));
    out.int("tls.days_left", (na - now).div_euclid(DAY));
    out.bool("tls.expired", now > na);
    out.bool("tls.not_yet_valid", now < nb);
    out.bool(
        "tls.self_signed",
        leaf.subject().as_raw() == leaf.issuer().as_raw(),
    );
    out.str("tls.subject", leaf.subject().to_string());
    out.str("tls.issuer", leaf.issuer().to_string());

    let sans: Vec<String> = leaf
        .extensions()
        .iter()
        .filter_map(|ext| match ext.parsed_extension() {
            ParsedExtension::SubjectAlternativeName(san) => Some(&san.general_names),
            _ => None,
        })
        .flatten()
        .filter_map(|n| match n {
            GeneralName::DNSName(d) => Some(d.to_string()),
            GeneralName::IPAddress(b) => ip_string(b),
            _ => None,
        })
        .collect();
    out.list("tls.san", sans);

    out.str(
        "tls.signature_algorithm",
        signature_name(&leaf.signature_algorithm.algorithm.to_id_string()),
    );

    let spki = leaf.public_key();
    let alg = spki.algorithm.algorithm.to_id_string();
    let (kind, bits) = match alg.as_str() {
        "1.2.840.113549.1.1.1" | "1.2.840.113549.1.1.10" => {
            let bits = match spki.parsed() {
                Ok(PublicKey::RSA(rsa)) => Some(rsa.key_size() as i64),
                _ => None,
            };
            ("RSA", bits)
        }
        "1.2.840.10045.2.1" => {
            let curve = spki
                .algorithm
                .parameters
                .as_ref()
                .and_then(|p| p.as_oid().ok())
                .map(|o| o.to_id_string());
            let bits = match curve.as_deref() {
                Some("1.2.840.10045.3.1.7") => Some(256),
                Some("1.3.132.0.34") => Some(384),
                Some("1.3.132.0.35") => Some(521),
                _ => None,
            };
            ("EC", bits)
        }
        "1.3.101.112" => ("Ed25519", Some(256)),
        "1.3.101.113" => ("Ed448", Some(456)),
        "1.2.840.10040.4.1" => ("DSA", None),
        _ => ("unknown", None),
    };
    out.str("tls.key_type", kind);
    if let Some(b) = bits {
        out.int("tls.key_bits", b);
    }
}

fn ip_string(b: &[u8]) -> Option<String> {
    match b.len() {
        4 => <[u8; 4]>::try_from(b)
            .ok()
            .map(|a| std::net::Ipv4Addr::from(a).to_string()),
        16 => <[u8; 16]>::try_from(b)
            .ok()
            .map(|a| std::net::Ipv6Addr::from(a).to_string()),
        _ => None,
    }
}

fn signature_name(oid: &str) -> String {
    match oid {
        "1.2.840.113549.1.1.4" => "md5WithRSAEncryption",
        "1.2.840.113549.1.1.5" => "sha1WithRSAEncryption",
        "1.2.840.113549.1.1.10" => "rsassaPss",
        "1.2.840.113549.1.1.11" => "sha256WithRSAEncryption",
        "1.2.840.113549.1.1.12" => "sha384WithRSAEncryption",
        "1.2.840.113549.1.1.13" => "sha512WithRSAEncryption",
        "1.2.840.10045.4.1" => "ecdsa-with-SHA1",
        "1.2.840.10045.4.3.2" => "ecdsa-with-SHA256",
        "1.2.840.10045.4.3.3" => "ecdsa-with-SHA384",
        "1.2.840.10045.4.3.4" => "ecdsa-with-SHA512",
        "1.3.101.112" => "Ed25519",
        "1.3.101.113" => "Ed448",
        other => other,
    }
    .to_string()
}

/// Unix seconds to `YYYY-MM-DDTHH:MM:SSZ` (proleptic Gregorian, UTC).
pub(super) fn rfc3339(ts: i64) -> String {
    let days = ts.div_euclid(DAY);
    let secs = ts.rem_euclid(DAY);
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        secs / 3600,
        secs % 3600 / 60,
        secs % 60
    )
}

#[cfg(test)]
mod tests {
    use super::rfc3339;

    #[test]
    fn formats_dates() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(rfc3339(1_767_225_599), "2025-12-31T23:59:59Z");
        assert_eq!(rfc3339(-86_400), "1969-12-31T00:00:00Z");
    }
}
