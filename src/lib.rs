//! launchgate: how far a repository and its live service are from a real production
//! launch, with evidence for every gap.
//!
//! Data flow: rule files → [`rules`] (validated pack) → [`inventory`] (one walk) →
//! [`evaluate`] (one evaluator per check kind) → findings → [`score`] → [`report`].
#![warn(clippy::print_stdout, clippy::print_stderr)]

pub mod cli;
pub mod config;
pub mod doc;
pub mod drift;
pub mod evaluate;
pub mod finding;
pub mod fleet;
#[doc(hidden)]
pub mod fuzzing;
pub mod init;
pub mod inventory;
pub mod probe;
pub mod redact;
pub mod report;
pub mod rules;
pub mod score;
pub mod text;
pub mod triage;
