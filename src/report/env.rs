//! `launchgate env`: the configuration surface as a matrix.

use crate::evaluate::drift::EnvRow;
use comfy_table::{presets::UTF8_FULL_CONDENSED, Cell, ContentArrangement, Table};
use std::io::{self, Write};

fn list(items: &[String]) -> String {
    const SHOWN: usize = 3;
    let mut out = items
        .iter()
        .take(SHOWN)
        .cloned()
        .collect::<Vec<_>>()
        .join("\n");
    if items.len() > SHOWN {
        out.push_str(&format!("\n(+{} more)", items.len() - SHOWN));
    }
    if out.is_empty() {
        "-".to_string()
    } else {
        out
    }
}

pub fn write_env_matrix(
    rows: &[EnvRow],
    json: bool,
    width: u16,
    out: &mut dyn Write,
) -> io::Result<()> {
    if json {
        serde_json::to_writer_pretty(&mut *out, rows).map_err(io::Error::from)?;
        return out.write_all(b"\n");
    }
    let mut t = Table::new();
    t.load_style(UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Dynamic)
        .set_width(width)
        .set_header(vec![
            "Variable",
            "Read at",
            "Default in code",
            "Documented in",
            "Provided by",
            "Status",
        ]);
    for row in rows {
        t.add_row(vec![
            Cell::new(&row.name),
            Cell::new(list(&row.read_at)),
            Cell::new(if row.read_at.is_empty() {
                "-"
            } else if row.default_in_code {
                "yes"
            } else {
                "no"
            }),
            Cell::new(list(&row.documented_in)),
            Cell::new(list(&row.provided_by)),
            Cell::new(&row.status),
        ]);
    }
    writeln!(out, "{t}")?;
    writeln!(out, "{} variable(s)", rows.len())
}
