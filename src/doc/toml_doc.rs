//! TOML to [`Node`], keeping the line of every value.

use super::{DocError, Node, Scalar, Value};
use crate::text::LineIndex;

pub fn parse_toml(text: &str) -> Result<Node, DocError> {
    let index = LineIndex::new(text);
    let value = toml_span::parse(text).map_err(|e| {
        let (line, column) = index.position(e.span.start);
        DocError {
            line,
            column,
            message: crate::rules::describe_toml_error(&e.kind),
        }
    })?;
    Ok(convert(&value, &index))
}

fn convert(value: &toml_span::Value<'_>, index: &LineIndex) -> Node {
    use toml_span::value::ValueInner;
    let (line, column) = index.position(value.span.start);
    let value = match value.as_ref() {
        ValueInner::String(s) => Value::Scalar(Scalar::Str(s.to_string())),
        ValueInner::Integer(i) => Value::Scalar(Scalar::Int(*i)),
        ValueInner::Float(f) => Value::Scalar(Scalar::Float(*f)),
        ValueInner::Boolean(b) => Value::Scalar(Scalar::Bool(*b)),
        ValueInner::Array(items) => Value::Seq(items.iter().map(|v| convert(v, index)).collect()),
        ValueInner::Table(table) => Value::Map(
            table
                .iter()
                .map(|(k, v)| (k.name.to_string(), convert(v, index)))
                .collect(),
        ),
    };
    Node {
        line,
        column,
        value,
    }
}
