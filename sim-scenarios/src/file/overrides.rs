//! `--set PATH=VALUE`: overriding any field of a scenario by its JSON path.

use serde_json::Value;

/// Why an override could not be applied.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{path}: {message}")]
pub struct OverrideError {
    /// The path as given.
    pub path: String,
    /// What is wrong and what exists there.
    pub message: String,
}

/// Splits `PATH=VALUE`.
///
/// # Errors
///
/// Fails when there is no `=` or the path is empty.
pub fn parse_assignment(s: &str) -> Result<(String, String), OverrideError> {
    match s.split_once('=') {
        Some((p, v)) if !p.trim().is_empty() => Ok((p.trim().to_string(), v.to_string())),
        _ => Err(OverrideError {
            path: s.to_string(),
            message: "expected PATH=VALUE, e.g. workload.arrival.rate_per_s=5000".into(),
        }),
    }
}

/// Sets the value at a dotted JSON path (`routes.0.name` or `routes[0].name`
/// index arrays). `raw` is read as JSON when it parses (numbers, booleans,
/// objects), otherwise as a string. Intermediate objects and arrays must
/// exist, except under `prices` (`prices.azure_firewall.standard.…`: a
/// price's catalog key), where missing objects are made; the last key may
/// be new (an optional field), and the scenario's validation then checks
/// that it is a real field.
///
/// # Errors
///
/// Fails when the path walks through something that does not exist or is
/// not an object or array; the message lists what exists there.
pub fn set_path(doc: &mut Value, path: &str, raw: &str) -> Result<(), OverrideError> {
    let err = |message: String| OverrideError { path: path.to_string(), message };
    let keys: Vec<String> = path
        .replace('[', ".")
        .replace(']', "")
        .split('.')
        .filter(|k| !k.is_empty())
        .map(str::to_string)
        .collect();
    if keys.is_empty() {
        return Err(err("empty path".into()));
    }
    // Text that is not JSON is a string; JSON with a key twice is refused,
    // as in a file.
    let new_value = match crate::file::json::parse_value(raw) {
        Ok(v) => v,
        Err(e) if serde_json::from_str::<Value>(raw).is_ok() => {
            return Err(err(format!(
                "{}; the value must not give a key twice",
                crate::file::json::strip_position(&e.to_string())
            )));
        }
        Err(_) => Value::String(raw.into()),
    };
    let mut cur = doc;
    let mut walked = String::new();
    for (i, key) in keys.iter().enumerate() {
        let last = i == keys.len() - 1;
        let here =
            if walked.is_empty() { "the top level".to_string() } else { format!("'{walked}'") };
        cur = match cur {
            Value::Object(map) => {
                if last {
                    map.insert(key.clone(), new_value);
                    return Ok(());
                }
                // A price is keyed by its catalog key, whose dots make
                // nested objects: under `prices` they are made as needed.
                if keys[0] == "prices" && !map.contains_key(key) {
                    map.insert(key.clone(), Value::Object(serde_json::Map::new()));
                }
                if !map.contains_key(key) {
                    let keys: Vec<&str> = map.keys().map(String::as_str).collect();
                    return Err(err(format!(
                        "'{key}' does not exist at {here}; it has: {}",
                        keys.join(", ")
                    )));
                }
                match map.get_mut(key) {
                    Some(v) => v,
                    None => return Err(err(format!("'{key}' does not exist at {here}"))),
                }
            }
            Value::Array(items) => {
                let len = items.len();
                let idx = key.parse::<usize>().ok().filter(|&i| i < len).ok_or_else(|| {
                    err(format!(
                        "{here} is a list of {len}; use an index from 0 to {}",
                        len.saturating_sub(1)
                    ))
                })?;
                if last {
                    items[idx] = new_value;
                    return Ok(());
                }
                &mut items[idx]
            }
            other => {
                return Err(err(format!(
                    "{here} is {}, not an object or a list, so it has no '{key}'",
                    kind_of(other)
                )));
            }
        };
        if !walked.is_empty() {
            walked.push('.');
        }
        walked.push_str(key);
    }
    unreachable!("the last key returns inside the loop")
}

fn kind_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_price_makes_the_objects_of_its_key() {
        let mut v = json!({"name": "s"});
        set_path(&mut v, "prices.azure_firewall.standard.data_price_usd_per_gb", "0.02").unwrap();
        set_path(&mut v, "prices.azure_firewall.premium.price_usd_per_h", "2").unwrap();
        assert_eq!(v["prices"]["azure_firewall"]["standard"]["data_price_usd_per_gb"], json!(0.02));
        assert_eq!(v["prices"]["azure_firewall"]["premium"]["price_usd_per_h"], json!(2));
        // Elsewhere a missing object is still an error.
        assert!(set_path(&mut v, "workload.arrival.rate_per_s", "1").is_err());
    }

    #[test]
    fn sets_numbers_strings_and_indices() {
        let mut v = json!({"workload": {"arrival": {"rate_per_s": 1}}, "routes": [{"name": "a"}]});
        set_path(&mut v, "workload.arrival.rate_per_s", "5000").unwrap();
        set_path(&mut v, "routes[0].name", "green").unwrap();
        set_path(&mut v, "routes.0.weight", "0.3").unwrap();
        assert_eq!(v["workload"]["arrival"]["rate_per_s"], json!(5000));
        assert_eq!(v["routes"][0]["name"], json!("green"));
        assert_eq!(v["routes"][0]["weight"], json!(0.3));
    }

    #[test]
    fn wrong_paths_say_what_exists() {
        let mut v = json!({"workload": {"arrival": {}}, "routes": [{"name": "a"}]});
        let e = set_path(&mut v, "workload.arival.rate_per_s", "1").unwrap_err();
        assert!(e.message.contains("it has: arrival"), "{}", e.message);
        let e = set_path(&mut v, "routes.3.name", "x").unwrap_err();
        assert!(e.message.contains("list of 1"), "{}", e.message);
        let e = set_path(&mut v, "routes.0.name.x", "x").unwrap_err();
        assert!(e.message.contains("a string"), "{}", e.message);
        assert!(parse_assignment("novalue").is_err());
        // Issue 10: a key given twice in a value is refused, as in a file.
        let e = set_path(&mut v, "workload.arrival", r#"{"kind": "poisson", "kind": "constant"}"#)
            .unwrap_err();
        assert!(e.message.contains("duplicate key \"kind\""), "{}", e.message);
    }
}
