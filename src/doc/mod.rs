//! A small document model shared by YAML, JSON and TOML files: every node knows the
//! line and column it came from, so structured findings point at the right place.

mod nginx;
mod select;
mod toml_doc;
mod yaml;

pub use nginx::{parse_nginx, MAX_NGINX_DEPTH};
pub use select::{join_paths as join_selector_paths, Selector, SelectorError, Step};
pub use toml_doc::parse_toml;
pub use yaml::{parse_yaml, YamlLimits};

use std::fmt;

/// A scalar as a rule compares it. YAML 1.1 booleans (`yes`, `on`) are booleans,
/// because Kubernetes and Compose read them that way.
#[derive(Clone, Debug, PartialEq)]
pub enum Scalar {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
}

impl Scalar {
    /// Resolves an unquoted YAML scalar to its type.
    pub fn from_plain(text: &str) -> Scalar {
        match text {
            "" | "~" | "null" | "Null" | "NULL" => return Scalar::Null,
            "true" | "True" | "TRUE" | "yes" | "Yes" | "YES" | "on" | "On" | "ON" => {
                return Scalar::Bool(true)
            }
            "false" | "False" | "FALSE" | "no" | "No" | "NO" | "off" | "Off" | "OFF" => {
                return Scalar::Bool(false)
            }
            _ => {}
        }
        if let Ok(i) = text.parse::<i64>() {
            return Scalar::Int(i);
        }
        let looks_numeric = text
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, '.' | 'e' | 'E' | '+' | '-'))
            && text.chars().any(|c| c.is_ascii_digit());
        if looks_numeric {
            if let Ok(f) = text.parse::<f64>() {
                return Scalar::Float(f);
            }
        }
        Scalar::Str(text.to_string())
    }

    /// Loose equality: a rule that says `equals = true` matches YAML `yes`, and a rule
    /// that says `equals = "3"` matches YAML `3`.
    pub fn loosely_equals(&self, other: &Scalar) -> bool {
        match (self, other) {
            (Scalar::Int(a), Scalar::Float(b)) | (Scalar::Float(b), Scalar::Int(a)) => {
                (*a as f64) == *b
            }
            (Scalar::Str(a), b) | (b, Scalar::Str(a)) if !matches!(b, Scalar::Str(_)) => {
                Scalar::from_plain(a) == *b
            }
            (a, b) => a == b,
        }
    }
}

impl fmt::Display for Scalar {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Scalar::Null => f.write_str("null"),
            Scalar::Bool(b) => write!(f, "{b}"),
            Scalar::Int(i) => write!(f, "{i}"),
            Scalar::Float(x) => write!(f, "{x}"),
            Scalar::Str(s) => f.write_str(s),
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Scalar(Scalar),
    Seq(Vec<Node>),
    /// Keys keep document order; duplicate keys keep the last value, as parsers do.
    Map(Vec<(String, Node)>),
}

#[derive(Clone, Debug, PartialEq)]
pub struct Node {
    pub line: u32,
    pub column: u32,
    pub value: Value,
}

impl Node {
    pub fn get(&self, key: &str) -> Option<&Node> {
        match &self.value {
            Value::Map(entries) => entries.iter().rev().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    pub fn as_scalar(&self) -> Option<&Scalar> {
        match &self.value {
            Value::Scalar(s) => Some(s),
            _ => None,
        }
    }

    /// A one-line rendering for evidence: scalars as they are, collections summarised.
    pub fn summary(&self) -> String {
        match &self.value {
            Value::Scalar(s) => s.to_string(),
            Value::Seq(items) => format!("[{} items]", items.len()),
            Value::Map(entries) => format!("{{{} keys}}", entries.len()),
        }
    }
}

/// A parse failure with the position the parser reported.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DocError {
    pub line: u32,
    pub column: u32,
    pub message: String,
}

impl fmt::Display for DocError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}", self.line, self.column, self.message)
    }
}

/// Which parser a structured file needs, from its name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DocFormat {
    Yaml,
    Json,
    Toml,
    /// nginx configuration; only with `format = "nginx"` (see [`parse_nginx`]).
    Nginx,
}

impl DocFormat {
    pub fn from_path(path: &str) -> Option<DocFormat> {
        let lower = path.to_ascii_lowercase();
        if lower.ends_with(".yaml") || lower.ends_with(".yml") {
            Some(DocFormat::Yaml)
        } else if lower.ends_with(".json") {
            Some(DocFormat::Json)
        } else if lower.ends_with(".toml") {
            Some(DocFormat::Toml)
        } else {
            None
        }
    }

    /// The names `format =` accepts in a structured rule.
    pub const NAMES: [&'static str; 4] = ["yaml", "json", "toml", "nginx"];

    pub fn parse_name(s: &str) -> Option<DocFormat> {
        match s {
            "yaml" => Some(DocFormat::Yaml),
            "json" => Some(DocFormat::Json),
            "toml" => Some(DocFormat::Toml),
            "nginx" => Some(DocFormat::Nginx),
            _ => None,
        }
    }
}

/// Parses every document of a file (YAML streams hold several).
pub fn parse_documents(format: DocFormat, text: &str) -> Result<Vec<Node>, DocError> {
    match format {
        // JSON is read by the YAML parser: it is (for our purposes) a subset of YAML 1.2
        // and this keeps line numbers for every node.
        DocFormat::Yaml | DocFormat::Json => parse_yaml(text, &YamlLimits::default()),
        DocFormat::Toml => parse_toml(text).map(|n| vec![n]),
        DocFormat::Nginx => parse_nginx(text).map(|n| vec![n]),
    }
}
