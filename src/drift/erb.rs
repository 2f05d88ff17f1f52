//! ERB: the Ruby inside `<% %>` tags of `.erb` templates and of the YAML Rails
//! evaluates (`config/database.yml`: `host: <%= ENV.fetch("DB_HOST") { "db" } %>`).

use super::common::Raw;
use super::ruby;

/// Reads inside the ERB tags of `text`; the rest is blanked first (newlines kept,
/// so offsets and lines stay those of the file).
pub(super) fn extract(text: &str) -> Vec<Raw> {
    if !text.contains("<%") {
        return Vec::new();
    }
    let code = ruby_only(text);
    // (the Ruby extractor judges how each read is used)
    let mut raws = ruby::extract(&code);
    yaml_sections(text, &mut raws);
    raws
}

/// Rails YAML is keyed by environment (`database.yml`: `development:`, `test:`,
/// `production:`) or, for Active Storage, by service (`amazon:`, `local:`), one
/// of which `config.active_storage.service` picks. Reads under `development` or
/// `test` are not production's; reads under a storage service are needed only
/// when that service is the one chosen.
fn yaml_sections(text: &str, raws: &mut Vec<Raw>) {
    // top-level `key:` lines: (offset, key)
    let mut sections: Vec<(usize, &str)> = Vec::new();
    let mut storage = false;
    let mut offset = 0;
    for line in text.split('\n') {
        let at = offset;
        offset += line.len() + 1;
        let body = line.trim_end_matches('\r');
        if body.starts_with(|c: char| c.is_ascii_alphanumeric() || c == '_') {
            if let Some((key, rest)) = body.split_once(':') {
                if !key.contains(' ') && (rest.is_empty() || rest.starts_with([' ', '\t'])) {
                    sections.push((at, key));
                }
            }
        } else if !sections.is_empty() && body.trim_start().starts_with("service:") {
            storage = true;
        }
    }
    if sections.is_empty() {
        return;
    }
    raws.retain_mut(|r| {
        let i = sections.partition_point(|&(at, _)| at <= r.start);
        let Some(&(_, key)) = i.checked_sub(1).and_then(|i| sections.get(i)) else {
            return true;
        };
        if matches!(key, "development" | "test") {
            return false;
        }
        if storage {
            r.checked = true;
            r.has_default = true;
        }
        true
    });
}

/// `text` with everything outside `<% … %>` replaced by spaces (and `<%#`
/// comment tags blanked whole).
fn ruby_only(text: &str) -> String {
    let b = text.as_bytes();
    let mut out = vec![b' '; b.len()];
    for (i, &c) in b.iter().enumerate() {
        if c == b'\n' || c == b'\r' {
            out[i] = c;
        }
    }
    let mut i = 0;
    while let Some(p) = memchr::memmem::find(&b[i..], b"<%") {
        let open = i + p;
        let mut code = open + 2;
        let comment = b.get(code) == Some(&b'#');
        while code < b.len() && matches!(b[code], b'=' | b'-' | b'#' | b'%') {
            code += 1;
        }
        let close = memchr::memmem::find(&b[code..], b"%>").map_or(b.len(), |q| code + q);
        if !comment {
            out[code..close].copy_from_slice(&b[code..close]);
        }
        i = (close + 2).min(b.len());
        if i >= b.len() {
            break;
        }
    }
    // Only whole ASCII-delimited spans were copied, so this is still UTF-8; fall
    // back to nothing rather than panic.
    String::from_utf8(out).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::super::common::testutil::{check, Row};
    use super::super::SourceKind;

    #[test]
    fn database_yml() {
        let cases: &[(&str, &[Row])] = &[
            (
                "default: &default\n  host: <%= ENV.fetch(\"DB_HOST\") { \"127.0.0.1\" } %>\n  password: <%= ENV[\"DB_PASSWORD\"] %>\n  # ENV[\"NOT_ERB\"]\n  <%# ENV[\"COMMENTED\"] %>\n",
                &[
                    (Some("DB_HOST"), 2, 13, true),
                    (Some("DB_PASSWORD"), 3, 17, false),
                ],
            ),
            ("url: ENV[\"PLAIN_YAML\"]\n", &[]),
            ("<% if ENV[\"FLAG\"].present? %>x<% end %>", &[(Some("FLAG"), 1, 7, true)]),
            ("<%= ENV[\"A\"", &[]),
            (
                "development:\n  host: <%= ENV[\"DEV_DB\"] %>\nproduction:\n  host: <%= ENV[\"DB\"] %>\n",
                &[(Some("DB"), 4, 13, false)],
            ),
            (
                "local:\n  service: Disk\namazon:\n  service: S3\n  bucket: <%= ENV[\"S3_BUCKET\"] %>\n",
                &[(Some("S3_BUCKET"), 5, 15, true)],
            ),
            ("é <%= ENV['É'] %> <%", &[(Some("É"), 1, 7, false)]),
        ];
        check(SourceKind::Erb, cases);
    }
}
