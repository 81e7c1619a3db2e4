//! A bare number is the constant law of that value, wherever a law is
//! accepted (issue 17): `"latency_ms": 0.5` compiles to exactly the model
//! of `{"kind": "constant", "value": 0.5}`.

use serde_json::{Value, json};

use super::{load_inline, shipped_json};

/// Every law field, as (shipped scenario, JSON pointer of the field).
const LAW_FIELDS: [(&str, &str); 16] = [
    ("generic-green-red", "/links/0/latency_ms"),
    ("generic-green-red", "/nodes/backend/service_ms"),
    ("generic-green-red", "/nodes/backend/response_service_ms"),
    ("generic-green-red", "/workload/request_bytes"),
    ("generic-green-red", "/workload/response_bytes"),
    ("apim-hub-proxy", "/nodes/hub-fw/latency_ms"),
    ("apim-hub-proxy", "/nodes/apim/gateway_latency_ms"),
    ("apim-hub-proxy", "/nodes/er-gw/latency_ms"),
    ("apim-hub-proxy", "/nodes/backend/service_ms"),
    ("apim-hub-proxy", "/nodes/backend/response_service_ms"),
    ("apim-hub-proxy", "/nodes/entra/token_ms"),
    ("onprem-gateway", "/nodes/appgw/latency_ms"),
    ("onprem-gateway", "/nodes/onprem-fw/latency_ms"),
    ("onprem-gateway", "/nodes/onprem-apigw/latency_ms"),
    ("onprem-gateway", "/links/5/latency_ms"),
    ("onprem-gateway", "/workload/request_bytes"),
];

/// `doc` with `value` at `pointer` (the last key may be new).
fn with(mut doc: Value, pointer: &str, value: Value) -> Value {
    let (parent, key) = pointer.rsplit_once('/').unwrap();
    let parent = doc.pointer_mut(parent).unwrap_or_else(|| panic!("{pointer}"));
    match parent {
        Value::Object(m) => {
            m.insert(key.to_string(), value);
        }
        Value::Array(a) => a[key.parse::<usize>().unwrap()] = value,
        _ => panic!("{pointer} is not in an object or a list"),
    }
    doc
}

/// The compiled models of a document, as text.
fn models(doc: Value) -> String {
    let s = load_inline(doc);
    s.routes().iter().map(|r| format!("{:?}\n{:?}", r.model, r.model_without_auth)).collect()
}

#[test]
fn a_bare_number_is_the_constant_law_in_every_law_field() {
    for (base, pointer) in LAW_FIELDS {
        let doc = shipped_json(base);
        let bare = models(with(doc.clone(), pointer, json!(0.5)));
        let object =
            models(with(doc.clone(), pointer, json!({ "kind": "constant", "value": 0.5 })));
        assert_eq!(bare, object, "{base}{pointer}");
        // And the field is really used: another constant is another model.
        let other = models(with(doc, pointer, json!(0.75)));
        assert_ne!(bare, other, "{base}{pointer} does not change the model");
    }
}

#[test]
fn a_bare_number_out_of_range_is_named_at_the_field() {
    let doc = with(shipped_json("apim-hub-proxy"), "/nodes/hub-fw/latency_ms", json!(-0.5));
    let e = sim_scenarios::Scenario::from_value(std::path::Path::new("s.json"), doc).unwrap_err();
    assert_eq!(e.path(), Some("nodes.hub-fw.latency_ms"), "{e}");
    assert!(e.to_string().contains("must be >= 0 and at most 1e9 ms, got -0.5"), "{e}");
}

#[test]
fn a_law_field_of_the_wrong_type_says_what_it_accepts() {
    let doc = with(shipped_json("apim-hub-proxy"), "/nodes/hub-fw/latency_ms", json!("0.2ms"));
    let e = sim_scenarios::Scenario::from_value(std::path::Path::new("s.json"), doc).unwrap_err();
    assert_eq!(
        e.to_string(),
        "s.json: nodes.hub-fw.latency_ms: invalid type: string \"0.2ms\", expected a number of milliseconds (a constant, e.g. 0.5) or a law such as {\"kind\": \"lognormal\", \"mean\": 2, \"p99\": 8}"
    );
    let doc = with(shipped_json("apim-hub-proxy"), "/workload/request_bytes", json!(true));
    let e = sim_scenarios::Scenario::from_value(std::path::Path::new("s.json"), doc).unwrap_err();
    assert!(e.to_string().contains("expected a number of bytes (a constant"), "{e}");
}
