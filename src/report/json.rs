use super::{Report, Reporter, Style};
use std::io::{self, Write};

/// The public contract: see `Report` for the shape and `schema_version`.
pub struct JsonReporter;

impl Reporter for JsonReporter {
    fn write(&self, report: &Report, _style: &Style, out: &mut dyn Write) -> io::Result<()> {
        serde_json::to_writer_pretty(&mut *out, report).map_err(io::Error::from)?;
        out.write_all(b"\n")
    }
}
