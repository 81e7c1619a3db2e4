//! Issue 10, the loader: unsafe names, values out of range (catalog
//! overrides included), products of values that pass the simulated clock,
//! and duplicate keys are refused at load, each with its JSON path (or
//! line:column) and never with a panic.

use std::path::Path;

use serde_json::Value;
use sim_scenarios::file::{parse_json, set_path};
use sim_scenarios::{Scenario, ScenarioError};

use super::{shipped, shipped_json};

/// Loads `name` after `PATH=VALUE` overrides, expecting a refusal at `path`
/// whose message says `says`.
fn refused(name: &str, sets: &[(&str, &str)], path: &str, says: &str) {
    let mut value = shipped_json(name);
    for (p, v) in sets {
        set_path(&mut value, p, v).unwrap_or_else(|e| panic!("{name}: {e}"));
    }
    refused_value(name, value, path, says);
}

fn refused_value(name: &str, value: Value, path: &str, says: &str) {
    let outcome = std::panic::catch_unwind(|| Scenario::from_value(&shipped(name), value));
    let Ok(result) = outcome else { panic!("{name} {path}: panicked") };
    let e = result.err().unwrap_or_else(|| panic!("{name}: {path} ({says}) was accepted"));
    assert_eq!(e.path(), Some(path), "{e}");
    let msg = e.to_string();
    assert!(msg.contains(says), "{name}: {msg}\ndoes not say {says:?}");
    assert!(!msg.chars().any(char::is_control), "a control character reaches the message: {msg:?}");
}

#[test]
fn issue_10_unsafe_route_and_scenario_names_are_refused() {
    for bad in ["../x", "/abs/path", "a\nb", "\u{1b}[31mred", ".hidden", "-rf", "a/b"] {
        refused("apim-hub-proxy", &[("routes.0.name", bad)], "routes[0].name", "is not allowed");
        refused("apim-hub-proxy", &[("name", bad)], "name", "is not allowed");
    }
    // What the rule allows: spaces, dots not leading, digits.
    super::load_with("apim-hub-proxy", &[("routes.0.name", "Green via hub v1.2")]);
}

#[test]
fn issue_10_node_names_that_no_set_path_reaches_are_refused() {
    // A dot or bracket in a node name made messages print `nodes["hub.fw"]`,
    // which `--set` cannot address.
    for bad in ["hub.fw", "a[0]", "a b", "x\u{7}"] {
        let mut v = shipped_json("generic-green-red");
        let node = v["nodes"].as_object_mut().unwrap().remove("backend").unwrap();
        v["nodes"].as_object_mut().unwrap().insert(bad.into(), node);
        let quoted = format!("nodes[{bad:?}]");
        refused_value("generic-green-red", v, &quoted, "node names may hold letters");
    }
    // Names that refer to nodes follow the same rule.
    refused(
        "apim-hub-proxy",
        &[("routes.0.path.1", "hub.fw")],
        "routes[0].path[1]",
        "is not allowed",
    );
    refused(
        "apim-hub-proxy",
        &[("links.0.between.0", "../x")],
        "links[0].between[0]",
        "is not allowed",
    );
    refused(
        "apim-hub-proxy",
        &[("nodes.apim.policies.token_exchange.via.0", "a\tb")],
        "nodes.apim.policies.token_exchange.via[0]",
        "is not allowed",
    );
    refused(
        "apim-hub-proxy",
        &[("nodes.client.trusts", r#"["public", "x\u001b"]"#)],
        "nodes.client.trusts[1]",
        "CA name",
    );
}

/// One override of a shipped scenario that must be refused: (scenario,
/// `--set` path, value, the JSON path the error names, what it says).
type Row = (&'static str, &'static str, &'static str, &'static str, &'static str);

fn refused_rows(rows: &[Row]) {
    for &(name, set, value, path, says) in rows {
        refused(name, &[(set, value)], path, says);
    }
}

#[test]
#[rustfmt::skip]
fn issue_10_tiny_catalog_overrides_are_refused_not_panics() {
    // These panicked (exit 101) on `expect` of a law built from 1000 / x.
    const A: &str = "apim-hub-proxy";
    const B: &str = "onprem-gateway";
    for tiny in ["5e-324", "1e-300", "0.0000001"] {
        refused_rows(&[
            (A, "nodes.apim.capacity_per_unit_per_s", tiny, "nodes.apim.capacity_per_unit_per_s", "must be at least 0.001 requests per second"),
            (B, "nodes.onprem-apigw.capacity_per_node_per_s", tiny, "nodes.onprem-apigw.capacity_per_node_per_s", "must be at least"),
            (B, "nodes.appgw.capacity_units_per_instance", tiny, "nodes.appgw.capacity_units_per_instance", "must be at least"),
            (A, "nodes.hub-fw.throughput_per_instance_gbps", tiny, "nodes.hub-fw.throughput_per_instance_gbps", "must be at least"),
        ]);
    }
    refused_rows(&[(A, "nodes.apim.capacity_per_unit_per_s", "1e300", "nodes.apim.capacity_per_unit_per_s", "at most 1e9")]);
}

#[test]
#[rustfmt::skip]
fn issue_10_values_validate_accepted_but_run_failed_on_are_refused() {
    const A: &str = "apim-hub-proxy";
    const SERVICE: &str = "nodes.backend.service_ms";
    refused_rows(&[
        (A, "links.0.bandwidth_mbps", "1e-300", "links[0].bandwidth_mbps", "1 kbit/s"),
        (A, SERVICE, r#"{"kind": "pareto", "scale": 1, "shape": 1}"#, "nodes.backend.service_ms.shape", "infinite mean"),
        (A, "nodes.apim.policies.token_exchange.request_bytes", "18446744073709551615", "nodes.apim.policies.token_exchange.request_bytes", "at most 1e12 bytes"),
        (A, "nodes.apim.policies.validate_jwt.cpu_ms", "1e12", "nodes.apim.policies.validate_jwt.cpu_ms", "at most 1e9 ms"),
        (A, "nodes.apim.policies.forward_request_timeout_ms", "1e12", "nodes.apim.policies.forward_request_timeout_ms", "at most 1e9 ms"),
        (A, "nodes.apim.policies.token_exchange.token_lifetime_min", "1e12", "nodes.apim.policies.token_exchange.token_lifetime_min", "at most"),
        (A, "nodes.apim.policies.token_exchange.users", "0", "nodes.apim.policies.token_exchange.users", "from 1 to"),
        // Servers near 2³¹ used to hang the theory estimate.
        (A, "nodes.backend.servers", "2147483647", "nodes.backend.servers", "from 1 to 100000"),
        ("generic-green-red", "nodes.backend.queue_limit", "4294967295", "nodes.backend.queue_limit", "at most"),
        (A, SERVICE, r#"{"kind": "erlang", "k": 4000000000, "mean": 1}"#, "nodes.backend.service_ms.k", "from 1 to 1000"),
        // Tails that reach past the clock once in 10⁹ draws.
        (A, SERVICE, r#"{"kind": "lognormal", "mu": -20, "sigma": 9}"#, SERVICE, "tail reaches"),
        (A, SERVICE, r#"{"kind": "pareto", "scale": 10000, "shape": 1.01}"#, SERVICE, "tail reaches"),
    ]);
}

#[test]
fn issue_10_a_run_past_the_clock_is_refused_at_load_with_a_path() {
    // Each value is within its own range; together a request takes 8·10⁶ s
    // on the link (10¹⁰ bytes at 10 kbit/s), so 120,000 requests pass the
    // clock: "simulated time ran past 585 years" in the run, before.
    refused(
        "apim-hub-proxy",
        &[
            ("workload.request_bytes", r#"{"kind": "constant", "value": 1e10}"#),
            ("links.5.bandwidth_mbps", "0.01"),
        ],
        "workload.requests",
        "past the limit of 1e10 s",
    );
}

#[test]
fn issue_10_duplicate_keys_are_refused_with_line_column_and_path() {
    let text = "{\n  \"name\": \"a\",\n  \"seed\": 1,\n  \"seed\": 2\n}";
    let e = parse_json(Path::new("dup.json"), text).unwrap_err();
    let ScenarioError::Syntax { line, column, message, .. } = &e else { panic!("{e}") };
    assert_eq!((*line, *column), (4, 8), "{e}");
    assert!(message.contains("duplicate key \"seed\"") && message.ends_with("(in seed)"), "{e}");
    // In a shipped scenario, deep inside a node.
    let file = shipped("apim-hub-proxy");
    let text =
        std::fs::read_to_string(&file).unwrap().replacen("\"tier\":", "\"units\": 3, \"tier\":", 1);
    let e = parse_json(&file, &text).unwrap_err().to_string();
    assert!(e.contains("duplicate key \"units\"") && e.contains("(in nodes.apim.units)"), "{e}");
}

#[test]
fn issue_10_an_accepted_scenario_runs() {
    // The other side of every refusal above: the limits leave the shipped
    // scenarios and ordinary values alone.
    let s = super::load_with(
        "apim-hub-proxy",
        &[
            ("nodes.apim.capacity_per_unit_per_s", "0.5"),
            ("nodes.backend.servers", "100000"),
            ("workload.requests", "300"),
            ("workload.warmup_requests", "0"),
        ],
    );
    let report = sim_scenarios::run(&s, 1, 1, &|| {}).unwrap();
    assert_eq!(report.routes.len(), 2);
}
