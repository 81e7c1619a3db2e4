//! Mistakes that used to load and simulate a wrong model without a word
//! (issue 17): each is now an error naming the JSON path and the fix, and
//! each test applies that fix and sees the scenario load clean.

use std::path::Path;

use serde_json::{Value, json};
use sim_scenarios::Scenario;
use sim_scenarios::azure::Finding;

use super::load_inline;

/// client → fw → apim → fw → gw (VPN) → backend, the token exchange through
/// the firewall to the identity provider: valid, and no route check finds
/// anything.
fn base() -> Value {
    json!({
        "name": "silent",
        "workload": { "arrival": { "kind": "poisson", "rate_per_s": 10 }, "requests": 100 },
        "nodes": {
            "client": { "kind": "client", "trusts": ["public", "onprem-root"] },
            "fw": { "kind": "azure_firewall", "sku": "standard" },
            "apim": { "kind": "apim", "tier": "developer", "trusts": ["public", "onprem-root"],
                      "policies": { "token_exchange": { "via": ["fw", "idp"], "cache_hit_ratio": 0.9 } } },
            "idp": { "kind": "identity_provider" },
            "gw": { "kind": "vnet_gateway", "gateway": "vpn", "sku": "VpnGw1AZ" },
            "backend": { "kind": "backend", "servers": 8, "service_ms": 20 }
        },
        "links": [
            { "between": ["client", "fw"], "network": "peering" },
            { "between": ["fw", "apim"], "network": "intra_zone" },
            { "between": ["fw", "idp"], "latency_ms": 2 },
            { "between": ["fw", "gw"], "network": "intra_zone" },
            { "between": ["gw", "backend"], "network": "vpn" }
        ],
        "routes": [ { "name": "r", "path": ["client", "fw", "apim", "fw", "gw", "backend"] } ]
    })
}

/// The path and message of loading `doc`, which must fail.
fn invalid(doc: Value) -> (String, String) {
    match Scenario::from_value(Path::new("s.json"), doc) {
        Ok(_) => panic!("loaded"),
        Err(e) => {
            let path = e.path().expect("an invalid value, with its path").to_string();
            let msg = e.to_string();
            (path, msg)
        }
    }
}

fn findings(doc: Value) -> Vec<Finding> {
    load_inline(doc).routes().iter().flat_map(|r| r.findings.clone()).collect()
}

fn assert_says(msg: &str, fragments: &[&str]) {
    for f in fragments {
        assert!(msg.contains(f), "message lacks {f:?}: {msg}");
    }
}

#[test]
fn the_base_scenario_is_clean() {
    assert!(findings(base()).is_empty(), "{:#?}", findings(base()));
}

#[test]
fn a_route_must_start_at_a_client() {
    let mut v = base();
    v["routes"][0]["path"] = json!(["fw", "apim", "fw", "gw", "backend"]);
    let (path, msg) = invalid(v.clone());
    assert_eq!(path, "routes[0].path[0]");
    assert_says(
        &msg,
        &["starts at a client", "'fw' is an azure_firewall", "put a client first (here: client)"],
    );
    // Fixed as the message says.
    v["routes"][0]["path"] = json!(["client", "fw", "apim", "fw", "gw", "backend"]);
    assert!(findings(v).is_empty());
    // Without any client, the message says how to add one.
    let mut v = base();
    v["nodes"].as_object_mut().unwrap().remove("client");
    v["links"].as_array_mut().unwrap().remove(0);
    v["routes"][0]["path"] = json!(["fw", "apim", "fw", "gw", "backend"]);
    let (_, msg) = invalid(v);
    assert_says(&msg, &["add a node {\"kind\": \"client\"}, link it to 'fw' and put it first"]);
}

#[test]
fn a_route_must_end_where_tls_ends() {
    let mut v = base();
    v["routes"][0]["path"] = json!(["client", "fw", "apim", "fw", "gw"]);
    let found = findings(v.clone());
    let f = found.iter().find(|f| f.check == "tls_termination").expect("a tls_termination finding");
    assert_eq!(f.severity, sim_scenarios::azure::Severity::Error);
    assert_says(
        &f.message,
        &[
            "routes[0].path[4]",
            "'gw', a vnet_gateway",
            "answers nothing",
            "end the route at the node that serves the request",
        ],
    );
    v["routes"][0]["path"] = json!(["client", "fw", "apim", "fw", "gw", "backend"]);
    assert!(findings(v).is_empty());
}

#[test]
fn a_nested_call_must_end_at_an_identity_provider() {
    for (policy, pointer) in [
        ("token_exchange", "/nodes/apim/policies/token_exchange/via"),
        ("validate_jwt", "/nodes/apim/policies/validate_jwt/jwks_via"),
    ] {
        let mut v = base();
        v["nodes"]["apim"]["policies"]["validate_jwt"] = json!({ "jwks_via": ["fw", "idp"] });
        *v.pointer_mut(pointer).unwrap() = json!(["fw", "gw"]);
        let (path, msg) = invalid(v.clone());
        let field = pointer.rsplit('/').next().unwrap();
        assert_eq!(path, format!("nodes.apim.policies.{policy}.{field}[1]"));
        assert_says(
            &msg,
            &[
                "ends at 'gw', a vnet_gateway",
                "only an identity provider answers it",
                "name the identity provider last (here: idp)",
            ],
        );
        *v.pointer_mut(pointer).unwrap() = json!(["fw", "idp"]);
        assert!(findings(v).is_empty());
    }
}

#[test]
fn a_network_kind_must_match_its_gateway() {
    // (link, network, path, what the message says, the fix it names)
    let cases = [
        (
            0,
            "vpn",
            "neither 'client' (client) nor 'fw' (azure_firewall) is one: use \"peering\"",
            "peering",
        ),
        (1, "expressroute", "use \"intra_zone\" for this link", "intra_zone"),
        (
            4,
            "expressroute",
            "'gw' is a VPN gateway and does not speak \"expressroute\": set network to \"vpn\"",
            "vpn",
        ),
        (
            3,
            "vpn",
            "\"vpn\" is the on-premises side of 'gw', but 'fw' (azure_firewall) is in Azure: use \"intra_zone\"",
            "intra_zone",
        ),
        (
            4,
            "peering",
            "'gw' reaches on-premises 'backend' over its VPN connection, not over \"peering\": set network to \"vpn\"",
            "vpn",
        ),
    ];
    for (link, network, says, fix) in cases {
        let mut v = base();
        v["links"][link]["network"] = json!(network);
        let (path, msg) = invalid(v.clone());
        assert_eq!(path, format!("links[{link}].network"), "{msg}");
        assert_says(&msg, &[says]);
        v["links"][link]["network"] = json!(fix);
        assert!(findings(v).is_empty());
    }
    // An ExpressRoute gateway with a vpn link, fixed by changing the gateway.
    let mut v = base();
    v["nodes"]["gw"] =
        json!({ "kind": "vnet_gateway", "gateway": "expressroute", "sku": "ErGw1AZ" });
    let (path, msg) = invalid(v.clone());
    assert_eq!(path, "links[4].network");
    assert_says(&msg, &["'gw' is an ExpressRoute gateway", "set network to \"expressroute\""]);
    v["links"][4]["network"] = json!("expressroute");
    assert!(findings(v).is_empty());
    // A client may reach a VPN gateway over the VPN (point-to-site), and two
    // VPN gateways may be joined over it (VNet-to-VNet); a gateway of the
    // other type at either end is refused.
    let mut v = base();
    v["links"]
        .as_array_mut()
        .unwrap()
        .push(json!({ "between": ["client", "gw"], "network": "vpn" }));
    v["nodes"]["gw2"] = json!({ "kind": "vnet_gateway", "gateway": "vpn", "sku": "VpnGw1AZ" });
    v["links"].as_array_mut().unwrap().push(json!({ "between": ["gw", "gw2"], "network": "vpn" }));
    v["links"]
        .as_array_mut()
        .unwrap()
        .push(json!({ "between": ["gw2", "backend"], "network": "vpn" }));
    assert!(findings(v.clone()).is_empty());
    v["nodes"]["gw2"] =
        json!({ "kind": "vnet_gateway", "gateway": "expressroute", "sku": "ErGw1AZ" });
    let (path, msg) = invalid(v);
    assert_eq!(path, "links[6].network");
    assert_says(&msg, &["'gw2' is an ExpressRoute gateway", "nodes.gw2.gateway"]);
    // A measured latency instead of a network kind is always allowed.
    let mut v = base();
    v["links"][4] = json!({ "between": ["gw", "backend"], "latency_ms": 12 });
    assert!(findings(v).is_empty());
}

#[test]
fn a_path_that_bounces_back_through_a_pass_through_node_is_an_error() {
    // The newcomer's path: to the VPN gateway, back to the firewall, and
    // to the gateway again.
    ping_pong_fixed_by(
        base(),
        json!(["client", "fw", "gw", "fw", "gw", "backend"]),
        &["routes[0].path[3]", "'fw' → 'gw' → 'fw'", "remove 'gw' and the second 'fw'"],
        json!(["client", "fw", "gw", "backend"]),
    );
    // Through a proxy, fw → apim → fw is the usual hub hairpin.
    assert!(findings(base()).is_empty());
}

#[test]
fn a_path_that_loops_is_an_error() {
    let c = |v: f64| json!({ "kind": "constant", "value": v });
    let st = || json!({ "kind": "station", "servers": 1, "service_ms": 0.1 });
    let v = json!({
        "name": "loop",
        "workload": { "arrival": { "kind": "poisson", "rate_per_s": 10 }, "requests": 100 },
        "nodes": { "client": { "kind": "client" }, "a": st(), "b": st(), "c": st() },
        "links": [
            { "between": ["client", "a"], "latency_ms": c(0.1) },
            { "between": ["a", "b"], "latency_ms": c(0.1) },
            { "between": ["b", "c"], "latency_ms": c(0.1) }
        ],
        "routes": [ { "name": "r", "path": [] } ]
    });
    ping_pong_fixed_by(
        v,
        json!(["client", "a", "b", "a", "b", "c"]),
        &["routes[0].path[4]", "crosses 'a' → 'b' a second time", "remove path[2] to path[3]"],
        json!(["client", "a", "b", "c"]),
    );
}

/// With `path`, route 0 of `doc` has one finding, a ping_pong saying
/// `says`; with `fixed`, none.
fn ping_pong_fixed_by(mut doc: Value, path: Value, says: &[&str], fixed: Value) {
    doc["routes"][0]["path"] = path;
    let found = findings(doc.clone());
    assert_eq!(found.len(), 1, "one mistake, one finding: {found:#?}");
    assert_eq!(found[0].check, "ping_pong");
    assert_says(&found[0].message, says);
    doc["routes"][0]["path"] = fixed;
    assert!(findings(doc).is_empty());
}

#[test]
fn a_node_repeated_in_a_row_is_told_so_not_to_link_itself() {
    let mut v = base();
    v["routes"][0]["path"] = json!(["client", "fw", "fw", "apim", "fw", "gw", "backend"]);
    let (path, msg) = invalid(v);
    assert_eq!(path, "routes[0].path[2]");
    assert_says(&msg, &["'fw' is repeated", "remove the second 'fw'"]);
    assert!(!msg.contains("between"), "no self-link advice: {msg}");
    // In a nested call's via and in a return path too.
    let mut v = base();
    v["nodes"]["apim"]["policies"]["token_exchange"]["via"] = json!(["fw", "fw", "idp"]);
    let (path, msg) = invalid(v);
    assert_eq!(path, "nodes.apim.policies.token_exchange.via[1]");
    assert_says(&msg, &["'fw' is repeated"]);
    let mut v = base();
    v["workload"]["round_trip"] = json!(true);
    v["routes"][0]["return_path"] = json!(["backend", "gw", "gw", "fw", "apim", "fw", "client"]);
    let (path, msg) = invalid(v.clone());
    assert_eq!(path, "routes[0].return_path[2]");
    assert_says(&msg, &["'gw' is repeated"]);
    v["routes"][0]["return_path"] = json!(["backend", "gw", "fw", "apim", "fw", "client"]);
    assert!(findings(v).is_empty());
}
