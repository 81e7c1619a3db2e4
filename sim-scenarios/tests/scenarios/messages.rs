//! Error messages speak the scenario file's language, never Rust's: every
//! field of every shipped scenario (and every optional field its objects
//! accept, found by asking for an unknown one) is given values of the wrong
//! type, and no message may name a Rust type or serde's jargon.

use std::collections::BTreeSet;
use std::path::Path;

use serde_json::{Value, json};
use sim_scenarios::Scenario;

use super::shipped_json;

/// Scenarios that between them hold every node kind, both modes and every
/// law and link form.
const BASES: [&str; 4] =
    ["apim-hub-proxy-mix", "onprem-gateway", "generic-green-red", "apim-hub-proxy-vpn"];

/// Spellings of Rust types and serde's internals that mean nothing to
/// someone writing JSON.
const RUST_SPELLINGS: [&str; 22] = [
    "struct ",
    "enum ",
    "u8",
    "u16",
    "u32",
    "u64",
    "usize",
    "i32",
    "i64",
    "f32",
    "f64",
    "DistSpec",
    "LawSpec",
    "Spec`",
    "Option<",
    "Vec<",
    "String",
    "variant identifier",
    "a map",
    "sequence",
    "tuple",
    "newtype",
];

/// Values of every JSON type, some of them right for some fields.
fn wrong_values() -> Vec<Value> {
    vec![
        json!(7),
        json!(-1),
        json!(1.5),
        json!("0.2ms"),
        json!(true),
        Value::Null,
        json!([]),
        json!([1, 2]),
        json!(["a", "b", "c"]),
        json!({}),
        json!({ "zz": 1 }),
    ]
}

/// The message of loading `doc`, if it fails.
fn message(doc: Value) -> Option<String> {
    Scenario::from_value(Path::new("probe.json"), doc).err().map(|e| e.to_string())
}

/// Every JSON pointer in `v`, containers included, the root excluded.
fn pointers(v: &Value, here: String, out: &mut Vec<String>) {
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                let p = format!("{here}/{}", k.replace('~', "~0").replace('/', "~1"));
                out.push(p.clone());
                pointers(x, p, out);
            }
        }
        Value::Array(a) => {
            for (i, x) in a.iter().enumerate() {
                let p = format!("{here}/{i}");
                out.push(p.clone());
                pointers(x, p, out);
            }
        }
        _ => {}
    }
}

/// The fields an object accepts, read from the message for an unknown one
/// (`expected one of `a`, `b``); none when the object is a free map.
fn accepted_fields(doc: &Value, pointer: &str) -> Vec<String> {
    let mut probe = doc.clone();
    let Some(obj) = probe.pointer_mut(pointer).and_then(Value::as_object_mut) else {
        return Vec::new();
    };
    obj.insert("zz_unknown".into(), json!(1));
    let Some(msg) = message(probe) else { return Vec::new() };
    let Some(list) = msg.split("expected one of ").nth(1) else { return Vec::new() };
    list.split(',').filter_map(|f| f.trim().split('`').nth(1)).map(str::to_string).collect()
}

#[test]
fn no_message_names_a_rust_type() {
    let mut seen = BTreeSet::new();
    let mut bad = BTreeSet::new();
    let mut probes = 0;
    for base in BASES {
        let doc = shipped_json(base);
        let mut targets = Vec::new();
        pointers(&doc, String::new(), &mut targets);
        // Optional fields the shipped files leave out.
        let mut objects = vec![String::new()];
        objects.extend(
            targets.iter().filter(|p| doc.pointer(p).is_some_and(Value::is_object)).cloned(),
        );
        for obj in &objects {
            for field in accepted_fields(&doc, obj) {
                let p = format!("{obj}/{field}");
                if doc.pointer(&p).is_none() {
                    targets.push(p);
                }
            }
        }
        for target in &targets {
            let (parent, key) = target.rsplit_once('/').expect("a pointer");
            for wrong in wrong_values() {
                let mut probe = doc.clone();
                match probe.pointer_mut(parent) {
                    Some(Value::Object(m)) => {
                        m.insert(key.replace("~1", "/").replace("~0", "~"), wrong);
                    }
                    Some(Value::Array(a)) => a[key.parse::<usize>().expect("an index")] = wrong,
                    _ => continue,
                }
                probes += 1;
                if let Some(m) = message(probe) {
                    if RUST_SPELLINGS.iter().any(|s| m.contains(s)) {
                        bad.insert(format!("{base}{target}: {m}"));
                    }
                    seen.insert(m);
                }
            }
        }
    }
    assert!(probes > 1000 && seen.len() > 100, "{probes} probes, {} messages", seen.len());
    assert!(
        bad.is_empty(),
        "{} messages name Rust types:\n{}",
        bad.len(),
        bad.into_iter().collect::<Vec<_>>().join("\n")
    );
}
