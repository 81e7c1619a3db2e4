//! JSON in: parsing with exact positions, JSON paths, typed
//! deserialisation with actionable messages, numbers as people write them.

use std::path::Path;

use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::error::{Invalid, ScenarioError};

/// Parses JSON text, reporting malformed or truncated input by line and
/// column, and by the JSON path where the parser was (e.g. a number too
/// large for a double, such as `1e999`, names its field).
///
/// # Errors
///
/// Fails on any JSON syntax error.
pub fn parse_json(file: &Path, text: &str) -> Result<Value, ScenarioError> {
    let syntax = |e: serde_json::Error, path: &str| {
        let what = match e.classify() {
            serde_json::error::Category::Eof => {
                "the file ends too early (truncated?); check that every { and [ is closed".into()
            }
            _ => strip_position(&e.to_string()),
        };
        ScenarioError::Syntax {
            file: file.to_path_buf(),
            line: e.line(),
            column: e.column(),
            // "." is the whole document: it adds nothing to line and column.
            message: if path == "." { what } else { format!("{what} (in {path})") },
        }
    };
    let mut de = serde_json::Deserializer::from_str(text);
    let value: Value = serde_path_to_error::deserialize(&mut de).map_err(|e| {
        // A key that failed to parse shows as a trailing "?": name the
        // object that holds it instead.
        let path = e.path().to_string();
        let path = match path.strip_suffix('?').map(|p| p.strip_suffix('.').unwrap_or(p)) {
            Some("") => ".".to_string(),
            Some(p) => p.to_string(),
            None => path,
        };
        syntax(e.into_inner(), &path)
    })?;
    // Trailing characters after the document.
    de.end().map_err(|e| syntax(e, "."))?;
    Ok(value)
}

/// serde_json appends " at line L column C"; the error already says where.
pub(crate) fn strip_position(msg: &str) -> String {
    msg.rfind(" at line ").map_or(msg, |i| &msg[..i]).to_string()
}

/// The JSON path of `key` inside `base`, quoting keys that are not plain
/// identifiers.
pub(crate) fn key_path(base: &str, key: &str) -> String {
    let plain =
        !key.is_empty() && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    let base = if base == "." { "" } else { base };
    match (plain, base.is_empty()) {
        (true, true) => key.to_string(),
        (true, false) => format!("{base}.{key}"),
        (false, _) => format!("{base}[{key:?}]"),
    }
}

pub(crate) fn index_path(base: &str, i: usize) -> String {
    format!("{base}[{i}]")
}

/// Deserialises `value` into `T`, prefixing serde's path with `base`.
pub(crate) fn typed<T: DeserializeOwned>(value: &Value, base: &str) -> Result<T, Invalid> {
    serde_path_to_error::deserialize(value).map_err(|e| {
        let mut inner = e.path().to_string();
        let message = e.into_inner().to_string();
        // serde reports a missing field at its parent; point at the field.
        if let Some(field) =
            message.strip_prefix("missing field `").and_then(|m| m.split('`').next())
        {
            inner = if matches!(inner.as_str(), "." | "") {
                field.to_string()
            } else {
                format!("{inner}.{field}")
            };
        }
        let path = match inner.as_str() {
            "." | "" => base.to_string(),
            p if base == "." || base.is_empty() => p.to_string(),
            p if p.starts_with('[') => format!("{base}{p}"),
            p => format!("{base}.{p}"),
        };
        Invalid::new(path, explain_serde(&message))
    })
}

/// A number as a person would write it: plain for everyday magnitudes,
/// scientific otherwise (never a 300-digit decimal).
pub(crate) fn fmt_num(v: f64) -> String {
    if v == 0.0 || (1e-4..1e15).contains(&v.abs()) || !v.is_finite() {
        format!("{v}")
    } else {
        format!("{v:e}")
    }
}

/// Makes serde's messages actionable where it can.
pub(crate) fn explain_serde(msg: &str) -> String {
    let msg = strip_position(msg);
    if msg.contains("expected u64") || msg.contains("expected u32") {
        format!("{msg}: use a whole number within range")
    } else if msg.starts_with("unknown field") {
        format!("{msg} (check the spelling; unknown fields are never ignored)")
    } else {
        msg
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;

    #[test]
    fn key_paths_quote_unusual_names() {
        assert_eq!(key_path("nodes", "hub-fw"), "nodes.hub-fw");
        assert_eq!(key_path("nodes", "a.b"), "nodes[\"a.b\"]");
        assert_eq!(key_path(".", "seed"), "seed");
    }

    #[test]
    fn syntax_errors_name_the_json_path() {
        let f = Path::new("s.json");
        let msg = |text: &str| parse_json(f, text).unwrap_err().to_string();
        // serde_json refuses numbers beyond f64 while parsing, before any
        // validation could name the field.
        assert_eq!(
            msg(r#"{"links": [{"latency_ms": {"value": 1e999}}]}"#),
            "s.json:1:41: not valid JSON: number out of range (in links[0].latency_ms.value)"
        );
        // A key that fails to parse names its object, not "?".
        assert!(msg(r#"{"nodes": {"a": {"kind" 1}}}"#).ends_with("(in nodes.a)"));
        assert!(msg("{\"nodes\": {").contains("truncated"));
        assert!(!msg("{} x").contains("(in"), "trailing characters are at the top level");
    }
}
