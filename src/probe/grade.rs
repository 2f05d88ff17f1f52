//! An SSL Labs-style letter for the TLS endpoint, approximated from what a
//! single rustls handshake can observe. SSL Labs also scans protocol and
//! cipher support exhaustively; we only see the negotiated result, so this
//! is a floor-and-cap approximation documented in FACTS.md.

use super::facts::Partial;
use super::headers::HSTS_SIX_MONTHS;

pub(super) fn tls_grade(f: &Partial, out: &mut Partial) {
    if f.get_bool("tls.handshake") != Some(true) {
        return;
    }
    let mut reasons: Vec<String> = Vec::new();
    let key_type = f.get_str("tls.key_type").unwrap_or("unknown");
    let bits = f.get_int("tls.key_bits");
    let weak_key = match (key_type, bits) {
        ("RSA", Some(b)) => b < 1024,
        ("EC", Some(b)) => b < 160,
        _ => false,
    };

    let letter = if f.get_bool("tls.expired") == Some(true) {
        reasons.push("F: certificate expired".into());
        "F"
    } else if f.get_bool("tls.not_yet_valid") == Some(true) {
        reasons.push("F: certificate not yet valid".into());
        "F"
    } else if weak_key {
        reasons.push("F: key too short".into());
        "F"
    } else if f.get_bool("tls.trusted") != Some(true) {
        reasons.push("T: certificate chain not trusted".into());
        "T"
    } else if f.get_bool("tls.hostname_match") == Some(false) {
        reasons.push("M: certificate does not match the host name".into());
        "M"
    } else if f.get_bool("tls.verified") == Some(false) {
        // Trusted and matching but still rejected (e.g. wrong key usage).
        reasons.push("T: certificate rejected by verifier".into());
        "T"
    } else if key_type == "RSA" && bits.is_some_and(|b| b < 2048) {
        reasons.push("B: RSA key shorter than 2048 bits".into());
        "B"
    } else if f.get_str("tls.version") != Some("TLSv1.3") {
        reasons.push("A-: TLS 1.3 not negotiated".into());
        "A-"
    } else if f.get_bool("hsts.valid") == Some(true)
        && f.get_int("hsts.max_age").unwrap_or(0) >= HSTS_SIX_MONTHS
    {
        reasons.push("A+: HSTS with max-age of at least six months".into());
        "A+"
    } else {
        reasons.push("A: no long-lived HSTS, so no A+".into());
        "A"
    };
    out.str("tls.grade", letter);
    out.list("tls.grade_reasons", reasons);
}
