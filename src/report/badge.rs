//! A shields.io endpoint badge: `{"schemaVersion":1,"label":"readiness","message":"72% B","color":"green"}`.
//! Serve the file and point `https://img.shields.io/endpoint?url=…` at it.

use super::{Report, Reporter, Style};
use serde::Serialize;
use std::io::{self, Write};

pub struct BadgeReporter;

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Badge<'a> {
    schema_version: u32,
    label: &'a str,
    message: String,
    color: &'a str,
}

pub fn colour(grade: &str) -> &'static str {
    match grade {
        "A" => "brightgreen",
        "B" => "green",
        "C" => "yellow",
        "D" => "orange",
        _ => "red",
    }
}

impl Reporter for BadgeReporter {
    fn write(&self, report: &Report, _style: &Style, out: &mut dyn Write) -> io::Result<()> {
        let s = &report.summary;
        let badge = Badge {
            schema_version: 1,
            label: "readiness",
            message: format!("{}% {}", s.score, s.grade),
            color: colour(s.grade),
        };
        serde_json::to_writer(&mut *out, &badge).map_err(io::Error::from)?;
        out.write_all(b"\n")
    }
}
