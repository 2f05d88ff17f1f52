//! The fact value type and a small builder used by every probe step.

use std::collections::BTreeMap;

use serde::Serialize;

/// One observed value. Serialises as the bare JSON value so reports stay
/// easy to consume from rules (`true`, `42`, `"TLSv1.3"`, `["a","b"]`).
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Fact {
    Bool(bool),
    Int(i64),
    Str(String),
    List(Vec<String>),
}

impl Fact {
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Fact::Bool(b) => Some(*b),
            _ => None,
        }
    }

    pub fn as_int(&self) -> Option<i64> {
        match self {
            Fact::Int(i) => Some(*i),
            _ => None,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Fact::Str(s) => Some(s),
            _ => None,
        }
    }
}

/// Facts and errors produced by one step. Steps run concurrently and are
/// merged in a fixed order afterwards so reports are deterministic.
#[derive(Default)]
pub(super) struct Partial {
    pub facts: BTreeMap<String, Fact>,
    pub errors: Vec<String>,
}

impl Partial {
    pub fn bool(&mut self, key: &str, v: bool) {
        self.facts.insert(key.to_string(), Fact::Bool(v));
    }

    pub fn int(&mut self, key: &str, v: i64) {
        self.facts.insert(key.to_string(), Fact::Int(v));
    }

    pub fn str(&mut self, key: &str, v: impl Into<String>) {
        self.facts.insert(key.to_string(), Fact::Str(v.into()));
    }

    pub fn list(&mut self, key: &str, v: Vec<String>) {
        self.facts.insert(key.to_string(), Fact::List(v));
    }

    pub fn error(&mut self, msg: impl Into<String>) {
        self.errors.push(msg.into());
    }

    pub fn merge(&mut self, other: Partial) {
        self.facts.extend(other.facts);
        self.errors.extend(other.errors);
    }

    pub fn get_bool(&self, key: &str) -> Option<bool> {
        self.facts.get(key).and_then(Fact::as_bool)
    }

    pub fn get_int(&self, key: &str) -> Option<i64> {
        self.facts.get(key).and_then(Fact::as_int)
    }

    pub fn get_str(&self, key: &str) -> Option<&str> {
        self.facts.get(key).and_then(Fact::as_str)
    }
}
