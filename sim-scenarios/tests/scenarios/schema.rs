//! Issue 15 item 5: the JSON Schema of scenario files. Every shipped
//! scenario validates against it (with an independent validator, the
//! `jsonschema` crate), and the schema matches the loader in both directions: for every kind and every
//! nested object, the fields the schema lists are exactly those the loader
//! accepts, and a field the schema does not list is refused by both. (That
//! the committed `docs/scenario.schema.json` is the generated one is a CLI
//! test: `sim-cli/tests/cli/field_reference.rs`.)

use std::path::Path;

use serde_json::{Value, json};
use sim_scenarios::Scenario;
use sim_scenarios::azure::NODE_KINDS;
use sim_scenarios::azure::schema::{node_definition, scenario_schema};

use super::catalog_use::shipped_names;
use super::{shipped, shipped_json};

fn validator() -> jsonschema::Validator {
    jsonschema::validator_for(&scenario_schema()).expect("the generated schema is a valid schema")
}

fn errors(v: &jsonschema::Validator, doc: &Value) -> Vec<String> {
    v.iter_errors(doc).map(|e| format!("{} at {}", e, e.instance_path())).collect()
}

#[test]
fn issue_15_every_shipped_scenario_validates_against_the_schema() {
    let v = validator();
    for name in shipped_names() {
        let file = shipped(&name);
        let raw: Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
        assert_eq!(
            raw["$schema"],
            json!("../docs/scenario.schema.json"),
            "{name}: every shipped scenario names the schema in `$schema`"
        );
        // The file as written (a variant: as a patch) and as resolved.
        assert_eq!(errors(&v, &raw), Vec::<String>::new(), "{name} as written");
        let mut full = shipped_json(&name);
        full["$schema"] = raw["$schema"].clone();
        assert_eq!(errors(&v, &full), Vec::<String>::new(), "{name} resolved");
    }
}

/// The definition `name` of the schema, `$ref`s followed.
fn definition<'a>(schema: &'a Value, name: &str) -> &'a Value {
    &schema["$defs"][name]
}

fn deref<'a>(schema: &'a Value, mut s: &'a Value) -> &'a Value {
    loop {
        if let Some(r) = s.get("$ref").and_then(Value::as_str) {
            s = definition(schema, r.trim_start_matches("#/$defs/"));
        } else if let Some(b) = s.get("anyOf").and_then(Value::as_array) {
            // An optional value: the branch that is not null.
            match b.iter().find(|x| x.get("type") != Some(&json!("null"))) {
                Some(x) if b.len() == 2 => s = x,
                _ => return s,
            }
        } else {
            return s;
        }
    }
}

/// The property names of an object schema.
fn properties(s: &Value) -> Vec<String> {
    let mut out: Vec<String> =
        s["properties"].as_object().map(|m| m.keys().cloned().collect()).unwrap_or_default();
    out.sort();
    out
}

/// The fields the loader accepts in the object at `pointer` of `doc`, from
/// its refusal of a field it cannot know.
fn accepted(doc: &Value, pointer: &str) -> Vec<String> {
    let mut doc = doc.clone();
    doc.pointer_mut(pointer).unwrap()["zz_probe"] = json!(1);
    let e = Scenario::from_value(Path::new("probe.json"), doc).unwrap_err().to_string();
    // serde: "expected one of `a`, `b`, `c`", "expected `a` or `b`", "expected `a`".
    let list = e.split("`, expected ").nth(1).unwrap_or_else(|| panic!("{pointer}: {e}"));
    let list = list.strip_prefix("one of ").unwrap_or(list);
    let list = list.split(" (check").next().unwrap();
    let mut out: Vec<String> = list
        .split(", ")
        .flat_map(|f| f.split(" or "))
        .map(|f| f.trim_matches(|c| c == '`').to_string())
        .collect();
    out.sort();
    out
}

/// Object-valued fields of an object schema (not laws, not maps): the
/// nested objects a probe can reach.
fn nested<'a>(schema: &'a Value, s: &'a Value) -> Vec<(String, &'a Value)> {
    s["properties"]
        .as_object()
        .map(|m| {
            m.iter()
                .map(|(k, p)| (k.clone(), deref(schema, p)))
                .filter(|(_, p)| p.get("properties").is_some() && p.get("oneOf").is_none())
                .collect()
        })
        .unwrap_or_default()
}

/// Checks the object schema `s` against the loader's object at `pointer`
/// of `doc`, then each nested object, recursively.
fn same_fields(schema: &Value, s: &Value, doc: &mut Value, pointer: &str, what: &str) {
    assert_eq!(properties(s), accepted(doc, pointer), "{what}: schema vs loader");
    for (field, sub) in nested(schema, s) {
        let p = format!("{pointer}/{field}");
        let parent = doc.pointer_mut(pointer).unwrap();
        let before = parent.get(&field).cloned();
        parent[&field] = json!({});
        same_fields(schema, sub, doc, &p, &format!("{what}.{field}"));
        // Put it back: an empty object may lack a required field, which the
        // next probe would meet before its own.
        let parent = doc.pointer_mut(pointer).unwrap().as_object_mut().unwrap();
        match before {
            Some(v) => parent.insert(field, v),
            None => parent.remove(&field),
        };
    }
}

#[test]
fn issue_15_the_schema_lists_exactly_the_fields_the_loader_accepts() {
    let schema = scenario_schema();
    let base = shipped_json("generic-green-red");
    for kind in NODE_KINDS {
        let node = definition(&schema, &node_definition(kind));
        let mut doc = base.clone();
        doc["nodes"]["zz-node"] = json!({"kind": kind});
        same_fields(&schema, node, &mut doc, "/nodes/zz-node", kind);
    }
    // The scenario's own objects: the top level, the workload, a link, a
    // route, a law object and an arrival process (by kind).
    let top = definition(&schema, "Scenario");
    let mut top_fields = properties(top);
    top_fields.retain(|f| f != "$schema");
    let mut doc = base.clone();
    assert_eq!(top_fields, accepted(&doc, ""), "top level");
    let workload = deref(&schema, &top["properties"]["workload"]);
    same_fields(&schema, workload, &mut doc, "/workload", "workload");
    let link = deref(&schema, &top["properties"]["links"]["items"]);
    same_fields(&schema, link, &mut base.clone(), "/links/0", "link");
    let route = deref(&schema, &top["properties"]["routes"]["items"]);
    same_fields(&schema, route, &mut base.clone(), "/routes/0", "route");
    // Laws and arrivals: the union of their kinds' fields is what the
    // structure accepts; each kind's set is checked by loading it.
    for (def, pointer) in [("Law", "/links/0/latency_ms"), ("Arrivals", "/workload/arrival")] {
        let mut doc = base.clone();
        *doc.pointer_mut(pointer).unwrap() = json!({"kind": "constant"});
        let mut union: Vec<String> = definition(&schema, def)["oneOf"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(properties)
            .collect();
        union.sort();
        union.dedup();
        assert_eq!(union, accepted(&doc, pointer), "{def}");
    }
}

#[test]
fn issue_15_a_field_the_schema_does_not_list_is_refused_by_both() {
    let v = validator();
    let base = shipped_json("apim-hub-proxy");
    for pointer in [
        "",
        "/workload",
        "/nodes/apim",
        "/nodes/apim/policies/token_exchange",
        "/links/0",
        "/routes/1",
    ] {
        let mut doc = base.clone();
        doc.pointer_mut(pointer).unwrap()["zz_probe"] = json!(1);
        assert!(!errors(&v, &doc).is_empty(), "the schema accepts zz_probe at {pointer}");
        assert!(Scenario::from_value(Path::new("x.json"), doc).is_err(), "{pointer}");
    }
    // A law outside its kind's parameters, a node kind that does not exist.
    let mut doc = base.clone();
    doc["links"][0]["latency_ms"] = json!({"kind": "exponential", "mean": 1, "sd": 1});
    assert!(!errors(&v, &doc).is_empty());
    assert!(Scenario::from_value(Path::new("x.json"), doc).is_err());
    let mut doc = base;
    doc["nodes"]["apim"]["kind"] = json!("apim_v3");
    assert!(!errors(&v, &doc).is_empty());
    // A patch: every field optional, null deletes, typos still caught.
    let patch =
        json!({"extends": "apim-hub-proxy.json", "nodes": {"er-gw": null, "apim": {"units": 3}}});
    assert_eq!(errors(&v, &patch), Vec::<String>::new());
    let typo = json!({"extends": "apim-hub-proxy.json", "nodes": {"apim": {"unitz": 3}}});
    assert!(!errors(&v, &typo).is_empty(), "a patch's typo passes the schema");
}
