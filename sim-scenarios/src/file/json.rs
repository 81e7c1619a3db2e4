//! JSON in: parsing with exact positions, JSON paths, typed
//! deserialisation with actionable messages, numbers as people write them.

use std::path::Path;

use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::error::{Invalid, ScenarioError};
use crate::file::spec::LAW_EXAMPLE;

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
            // serde_json says column 0 for an error at a line break; the
            // message promises 1-based columns.
            column: e.column().max(1),
            // "." is the whole document: it adds nothing to line and column.
            message: if path == "." { what } else { format!("{what} (in {path})") },
        }
    };
    let mut de = serde_json::Deserializer::from_str(text);
    let Strict(value) = serde_path_to_error::deserialize(&mut de).map_err(|e| {
        // A key that failed to parse shows as a trailing "?": name the
        // object that holds it instead.
        let path = e.path().to_string();
        let path = match path.strip_suffix('?').map(|p| p.strip_suffix('.').unwrap_or(p)) {
            Some("") => ".".to_string(),
            Some(p) => p.to_string(),
            None => path,
        };
        let e = e.into_inner();
        // A duplicate key: name the key itself, not only its object.
        match duplicate_key(&e) {
            Some(key) => syntax(e, &key_path(&path, &key)),
            None => syntax(e, &path),
        }
    })?;
    // Trailing characters after the document.
    de.end().map_err(|e| syntax(e, "."))?;
    Ok(value)
}

/// The start of the message of a duplicate key, followed by the key as a
/// JSON string.
const DUPLICATE_KEY: &str = "duplicate key ";

/// The key a duplicate-key error is about.
fn duplicate_key(e: &serde_json::Error) -> Option<String> {
    let msg = e.to_string();
    let rest = msg.strip_prefix(DUPLICATE_KEY)?;
    serde_json::Deserializer::from_str(rest).into_iter::<String>().next()?.ok()
}

/// A JSON document read like [`serde_json::Value`], except that an object
/// holding the same key twice is an error: `Value` keeps the last one,
/// which would silently ignore the first (a typo or a merge accident).
struct Strict(Value);

impl<'de> serde::Deserialize<'de> for Strict {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(StrictVisitor).map(Strict)
    }
}

struct StrictVisitor;

impl<'de> serde::de::Visitor<'de> for StrictVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        // JSON text holds no NaN or infinity; `Value::from` maps them to null.
        Ok(Value::from(v))
    }

    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_string()))
    }

    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        while let Some(Strict(v)) = seq.next_element()? {
            items.push(v);
        }
        Ok(Value::Array(items))
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut out = serde_json::Map::new();
        while let Some(key) = map.next_key::<String>()? {
            if out.contains_key(&key) {
                return Err(serde::de::Error::custom(format!(
                    "{DUPLICATE_KEY}{}: this object already has it, and the later value would silently replace the earlier one; keep one",
                    Value::String(key)
                )));
            }
            let Strict(v) = map.next_value()?;
            out.insert(key, v);
        }
        Ok(Value::Object(out))
    }
}

/// Parses a JSON value the way [`parse_json`] does (duplicate keys are
/// errors), without file or path: for `--set` values.
pub(crate) fn parse_value(text: &str) -> Result<Value, serde_json::Error> {
    serde_json::from_str::<Strict>(text).map(|Strict(v)| v)
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
        let pointer = pointer_of(e.path());
        let message = e.into_inner().to_string();
        let message = plain_types::<T>(&message, value, pointer.as_deref(), &inner);
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

/// The JSON pointer of a serde path, to look at (or change) the value an
/// error is about; `None` when a segment is not a plain key or index.
fn pointer_of(path: &serde_path_to_error::Path) -> Option<String> {
    use serde_path_to_error::Segment;
    let mut out = String::new();
    for seg in path.iter() {
        match seg {
            Segment::Seq { index } => out.push_str(&format!("/{index}")),
            Segment::Map { key } => {
                out.push('/');
                out.push_str(&key.replace('~', "~0").replace('/', "~1"));
            }
            Segment::Enum { .. } | Segment::Unknown => return None,
        }
    }
    Some(out)
}

/// The names serde lists for a value that is not one of them (`expected one
/// of `a`, `b``), found by deserialising again with a value at `pointer`
/// that cannot match: serde names a closed set's choices or an object's
/// fields only when it sees a wrong name, not a wrong type.
fn choices<T: DeserializeOwned>(value: &Value, pointer: &str, probe: Value) -> Option<String> {
    let mut changed = value.clone();
    *changed.pointer_mut(pointer)? = probe;
    let msg = serde_json::from_value::<T>(changed).err()?.to_string();
    let list = msg.split_once(", expected ")?.1;
    Some(strip_position(list.strip_prefix("one of ").unwrap_or(list)))
}

/// serde's "invalid type", "invalid value" and "invalid length" messages,
/// said in the scenario file's words: what was found and what the field
/// accepts, never a Rust type (`u32`, `f64`, `struct LinkSpec`) or serde's
/// data model (`map`, `sequence`, `tuple`).
fn plain_types<T: DeserializeOwned>(
    msg: &str,
    value: &Value,
    pointer: Option<&str>,
    path: &str,
) -> String {
    let msg = strip_position(msg);
    let Some((head, expected)) = msg.rsplit_once(", expected ") else { return msg };
    let head = if let Some(n) = head.strip_prefix("invalid length ") {
        format!("got a list of {n}")
    } else {
        let (what, found) = head.split_once(": ").unwrap_or(("", head));
        let found = match found {
            "map" => "an object",
            "sequence" => "a list",
            "unit" => "null",
            other => other,
        };
        if what.is_empty() { found.to_string() } else { format!("{what}: {found}") }
    };
    let whole = |max: u64| format!("a whole number from 0 to {max}");
    let accepted = match expected {
        "f32" | "f64" => "a number".to_string(),
        "u8" => whole(u8::MAX.into()),
        "u16" => whole(u16::MAX.into()),
        "u32" => whole(u32::MAX.into()),
        "u64" | "usize" => whole(u64::MAX),
        "i8" | "i16" | "i32" | "i64" | "isize" => "a whole number".to_string(),
        "a boolean" => "true or false".to_string(),
        "a string" => "a string in quotes".to_string(),
        "a sequence" => "a list [...]".to_string(),
        "a map" => "an object {...}".to_string(),
        "string or map" | "map with a single key" => {
            // A closed set of names (serde_json's wording for an enum).
            match pointer.and_then(|p| choices::<T>(value, p, Value::from("\u{0}"))) {
                Some(names) => format!("a name in quotes: {names}"),
                None => "a name in quotes".to_string(),
            }
        }
        e if e.starts_with("struct ") => {
            match pointer.and_then(|p| choices::<T>(value, p, serde_json::json!({ "\u{0}": null })))
            {
                Some(fields) => format!("an object {{...}} with the fields {fields}"),
                None => "an object {...}".to_string(),
            }
        }
        e if e.starts_with("a tuple of size ") || e.starts_with("an array of length ") => {
            let n = e.rsplit(' ').next().unwrap_or("2");
            format!("a list of {n} values")
        }
        "fewer elements in array" => "fewer values".to_string(),
        e if e.ends_with(LAW_EXAMPLE) => match law_unit(path) {
            Some(unit) => {
                format!("a number of {unit} (a constant, e.g. 0.5) or a law such as {LAW_EXAMPLE}")
            }
            None => e.to_string(),
        },
        other => other.to_string(),
    };
    format!("{head}, expected {accepted}")
}

/// The unit of a law field, from its name (conventions: units belong in the
/// name): `latency_ms` holds milliseconds, `request_bytes` bytes.
fn law_unit(path: &str) -> Option<&'static str> {
    let field = path.rsplit(['.', '[']).next()?;
    if field.ends_with("_ms") {
        Some("milliseconds")
    } else if field.ends_with("_bytes") {
        Some("bytes")
    } else {
        None
    }
}

/// "a" or "an" before a lowercase name, by sound: "a uniform", "an
/// exponential", "an apim", "a vnet_gateway".
pub(crate) fn a_or_an(word: &str) -> &'static str {
    if word.starts_with(['a', 'e', 'i', 'o']) { "an" } else { "a" }
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
    if msg.starts_with("unknown field") {
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
        // Issue 10 (fuzz): a control character at a line break was column 0.
        assert!(
            msg("{\"name\": \"a\n\"}").starts_with("s.json:2:1: "),
            "{}",
            msg("{\"name\": \"a\n\"}")
        );
        assert!(!msg("{} x").contains("(in"), "trailing characters are at the top level");
        // Issue 10: the last of two equal keys used to win silently.
        assert_eq!(
            msg("{\"seed\": 1,\n \"seed\": 2}"),
            "s.json:2:7: not valid JSON: duplicate key \"seed\": this object already has it, and the later value would silently replace the earlier one; keep one (in seed)"
        );
        let nested = msg(r#"{"nodes": {"apim": {"units": 1, "tier": "premium", "units": 2}}}"#);
        assert!(nested.ends_with("(in nodes.apim.units)"), "{nested}");
        assert!(msg(r#"{"a": [{"x": 1}, {"x": 2, "x": 3}]}"#).ends_with("(in a[1].x)"));
        // Equal keys in different objects are no duplicates.
        assert!(parse_json(f, r#"{"a": {"x": 1}, "b": {"x": 1}, "x": [1, 1]}"#).is_ok());
    }
}
