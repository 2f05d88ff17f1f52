mod cli;
mod drift;
mod probe;
mod probe_cli;
mod rule_cases;
mod support;
