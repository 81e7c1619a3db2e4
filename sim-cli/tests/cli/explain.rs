//! `explain` (each route hop by hop) and `catalog` (every default with its
//! source and what it feeds).

use serde_json::Value;
use sim_scenarios::azure::catalog::{FIGURES, SOURCES};

use super::{aznetsim, failure_of, resolved, root, stdout_of};

/// Kinds that terminate TCP and TLS; the other non-client kinds pass
/// connections through (design.md, "TLS, certificate authorities and
/// authorisation").
const TERMINATING: [&str; 5] =
    ["apim", "app_gateway", "onprem_api_gateway", "backend", "identity_provider"];

/// The cells of a table row: columns are separated by at least two spaces.
fn cells(line: &str) -> Vec<&str> {
    line.split("  ").map(str::trim).filter(|c| !c.is_empty()).collect()
}

/// The section of `stdout` about route `name`: from its heading to the next.
fn section<'a>(stdout: &'a str, name: &str) -> &'a str {
    let head = format!("route {name}: static latency floor ");
    let start = stdout.find(&head).unwrap_or_else(|| panic!("no {head:?} in:\n{stdout}"));
    let rest = &stdout[start + head.len()..];
    let end = rest.find("\nroute ").map_or(rest.len(), |i| i + 1);
    &stdout[start..start + head.len() + end]
}

/// Checks every route and hop of `scenario` in `explain`'s output.
fn check_explain(scenario: &str, calls: &[&str]) {
    let file = root().join("scenarios").join(format!("{scenario}.json"));
    let stdout = stdout_of(aznetsim().arg("explain").arg(&file));
    let spec: Value = resolved(&file);
    assert!(stdout.starts_with(&format!("scenario {scenario} (")), "{stdout}");
    let routes = spec["routes"].as_array().unwrap();
    // Every route, in file order.
    let headings: Vec<&str> = stdout
        .lines()
        .filter_map(|l| l.strip_prefix("route "))
        .filter_map(|l| l.split(':').next())
        .collect();
    let names: Vec<&str> = routes.iter().map(|r| r["name"].as_str().unwrap()).collect();
    assert_eq!(headings, names, "{scenario}");
    for r in routes {
        let name = r["name"].as_str().unwrap();
        let text = section(&stdout, name);
        let path: Vec<&str> =
            r["path"].as_array().unwrap().iter().map(|n| n.as_str().unwrap()).collect();
        let mut lines = text.lines();
        let heading = lines.next().unwrap();
        let floor_total: f64 = heading
            .split("floor ")
            .nth(1)
            .and_then(|t| t.split(" ms").next())
            .and_then(|t| t.parse().ok())
            .unwrap_or_else(|| panic!("{scenario}/{name}: no floor in {heading:?}"));
        // The queueing-theory estimate of the mean, above the floor.
        let estimate_line = lines.next().unwrap();
        let estimate: f64 = estimate_line
            .split("of the mean: ")
            .nth(1)
            .and_then(|t| t.split(" ms").next())
            .and_then(|t| t.parse().ok())
            .unwrap_or_else(|| panic!("{scenario}/{name}: no estimate in {estimate_line:?}"));
        assert!(estimate >= floor_total, "{scenario}/{name}: estimate {estimate} below the floor");
        // Its class, next to it.
        assert!(
            estimate_line.contains(" ms (exact)") || estimate_line.contains(" ms (approximation)"),
            "{scenario}/{name}: no class in {estimate_line:?}"
        );
        let header = cells(lines.next().unwrap());
        assert_eq!(header, ["#", "node", "kind", "connection", "floor ms", "capacity"]);
        let mut floors = 0.0;
        for (j, node) in path.iter().enumerate() {
            let row = lines.next().unwrap_or_else(|| panic!("{scenario}/{name}: hop {j}"));
            let c = cells(row);
            assert_eq!(c.len(), 6, "{scenario}/{name}: {row:?}");
            assert_eq!((c[0], c[1]), (j.to_string().as_str(), *node), "{scenario}/{name}: {row}");
            let kind = spec["nodes"][node]["kind"].as_str().unwrap();
            assert_eq!(c[2], kind, "{scenario}/{name}: {row}");
            let wording = if kind == "client" {
                "origin"
            } else if TERMINATING.contains(&kind) {
                "terminates TCP+TLS (certificate from CA '"
            } else {
                "passes TCP/TLS through"
            };
            assert!(c[3].starts_with(wording), "{scenario}/{name}: {row}");
            let floor: f64 =
                c[4].parse().unwrap_or_else(|_| panic!("{scenario}/{name}: floor in {row}"));
            assert!(floor > 0.0, "{scenario}/{name}: {row}");
            floors += floor;
            assert!(!c[5].is_empty(), "{scenario}/{name}: capacity in {row}");
        }
        // The heading's floor is the hops' sum (each rounded to 3 digits).
        assert!(
            (floors - floor_total).abs() <= 0.01 * floor_total,
            "{scenario}/{name}: hops sum to {floors}, heading says {floor_total}"
        );
        // Each initiator opens a connection to the next terminator.
        let opens: Vec<&str> =
            text.lines().filter(|l| l.contains(" opens a new connection to ")).collect();
        assert!(
            opens.iter().any(|l| l.starts_with("  hop 0 client opens a new connection to ")),
            "{scenario}/{name}: {text}"
        );
        for l in &opens {
            assert!(
                l.contains(" RTT of ") && l.contains(" ms CPU there) with probability "),
                "{l}"
            );
        }
        for call in calls {
            assert!(
                text.lines().any(|l| l.contains(" calls ") && l.contains(call)),
                "{scenario}/{name}: no call {call:?} in:\n{text}"
            );
        }
    }
}

#[test]
fn explain_topology_a_lists_every_route_and_hop() {
    check_explain(
        "apim-hub-proxy",
        &["token_exchange via hub-fw → entra", "jwks_fetch via hub-fw → entra"],
    );
    let file = root().join("scenarios/apim-hub-proxy.json");
    let stdout = stdout_of(aznetsim().arg("explain").arg(&file));
    // The firewall shows its capacity from the catalog; APIM its units.
    assert!(stdout.contains("2 instances × 1.5 Gbps"), "{stdout}");
    assert!(stdout.contains("2 units × 4000 requests/s"), "{stdout}");
    // TLS 1.2 by default: TCP 1 + TLS 2 round trips.
    assert!(
        stdout.contains("  hop 0 client opens a new connection to apim (3 RTT of "),
        "{stdout}"
    );
    assert!(stdout.contains("warning [firewall_bypass]: route 'red'"), "{stdout}");
}

#[test]
fn explain_topology_b_lists_every_route_and_hop() {
    check_explain(
        "onprem-gateway",
        &["protocol_transition via onprem-idp with probability 0.0500"],
    );
    check_explain("onprem-gateway-tls13", &["protocol_transition via onprem-idp"]);
    let file = root().join("scenarios/onprem-gateway-tls13.json");
    let stdout = stdout_of(aznetsim().arg("explain").arg(&file));
    // TLS 1.3: TCP 1 + TLS 1 round trips, and nothing pays 3.
    assert!(stdout.contains("opens a new connection to appgw (2 RTT of "), "{stdout}");
    assert!(!stdout.contains("(3 RTT of "), "{stdout}");
    assert!(stdout.contains("TLS 1.3)"), "{stdout}");
}

#[test]
fn explain_shows_trust_errors_but_exits_0() {
    let file = root().join("scenarios/onprem-gateway-paas-client.json");
    let stdout = stdout_of(aznetsim().arg("explain").arg(&file));
    let red = section(&stdout, "red");
    assert!(red.contains("error [tls_trust]: route 'red'"), "{red}");
    assert!(!section(&stdout, "green").contains("error ["), "{stdout}");
}

#[test]
fn catalog_prints_every_figure_with_its_sources() {
    let stdout = stdout_of(aznetsim().arg("catalog"));
    assert!(
        stdout.contains("| `azure_firewall.standard.throughput_per_instance_gbps` |"),
        "{stdout}"
    );
    assert!(stdout.contains("\n| S1 |"), "{stdout}");
    for f in FIGURES {
        assert!(stdout.contains(&format!("| `{}` |", f.key)), "{} missing", f.key);
    }
    for s in SOURCES {
        assert!(stdout.contains(&format!("\n| {} |", s.id)), "source {} missing", s.id);
    }
    // The firewall row gives value, unit and the sources it cites.
    let row = stdout
        .lines()
        .find(|l| l.contains("`azure_firewall.standard.throughput_per_instance_gbps`"))
        .unwrap();
    assert!(row.contains("1.5") && row.contains("Gbps") && row.contains("S1"), "{row}");
}

#[test]
fn catalog_says_what_each_figure_feeds_and_what_the_tags_mean() {
    let stdout = stdout_of(aznetsim().arg("catalog"));
    let header = stdout.lines().next().unwrap();
    assert_eq!(header, "| key | value | unit | tag | sources | used by | note | range |");
    let row = |key: &str| {
        let row = stdout.lines().find(|l| l.starts_with(&format!("| `{key}` |"))).unwrap();
        row.split(" | ").nth(5).unwrap().to_string()
    };
    assert_eq!(
        row("azure_firewall.latency_sigma"),
        "azure_firewall: latency_ms (σ of the default law)"
    );
    // Issue 16: the prices feed each route's cost.
    assert_eq!(
        row("azure_firewall.standard.price_usd_per_h"),
        "azure_firewall: cost, deployment hours (sku standard)"
    );
    assert_eq!(row("azure_firewall.snat_ports_per_ip_per_instance"), "not modelled yet");
    // Issue 11 item 8: an estimate's range and why, in the last column.
    let last = |key: &str| {
        let row = stdout.lines().find(|l| l.starts_with(&format!("| `{key}` |"))).unwrap();
        row.rsplit(" | ").next().unwrap().trim_end_matches(" |").to_string()
    };
    assert!(last("azure_firewall.latency_sigma").starts_with("0.25..1: lognormal shape"));
    for f in FIGURES {
        assert_eq!(row(f.key), f.used_by.unwrap_or("not modelled yet"), "{}", f.key);
    }
    // The tags' meanings come under the figures, before the sources.
    let tags = stdout.find("Tags (how reliable a figure is):").unwrap();
    assert!(tags > stdout.find("| `tcp.handshake_rtts` |").unwrap());
    assert!(tags < stdout.find("| id | title |").unwrap());
    for line in [
        "- OFF: official",
        "- MEAS: measured",
        "- SEC: second-hand",
        "- DER: derived",
        "- EST: estimate",
        "- OLD: official but old",
    ] {
        assert!(stdout[tags..].contains(line), "{line}");
    }
}

#[test]
fn catalog_component_shows_only_that_components_figures() {
    let stdout = stdout_of(aznetsim().args(["catalog", "apim"]));
    let keys: Vec<&str> = stdout.lines().filter_map(|l| l.strip_prefix("| `")).collect();
    assert!(keys.iter().any(|k| k.starts_with("apim.premium.capacity_per_unit_per_s`")));
    assert!(keys.iter().all(|k| k.starts_with("apim.") || k.contains("| apim: ")), "{stdout}");
    assert!(!stdout.contains("| `azure_firewall."), "{stdout}");
    assert!(stdout.contains("Tags (how reliable a figure is):"));
    // A node kind selects the figures it uses under other prefixes.
    let gw = stdout_of(aznetsim().args(["catalog", "vnet_gateway"]));
    assert!(gw.contains("| `vpn_gateway.vpngw2az.per_tunnel_mbps` |"), "{gw}");
    assert!(gw.contains("| `expressroute.max_packet_bytes` |"), "{gw}");
}

#[test]
fn catalog_unknown_component_is_a_usage_error_listing_the_known_ones() {
    let stderr = failure_of(aznetsim().args(["catalog", "firewall"]), 2);
    assert!(stderr.contains("catalog COMPONENT 'firewall': no figure belongs to it"), "{stderr}");
    assert!(stderr.contains("azure_firewall, ") && stderr.contains(", vnet_gateway"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}

/// Issue 11 item 5: `explain` says where an Azure Firewall without a
/// published per-request limit would saturate, once per route, and shows
/// the TCP legs an application-rule traversal proxies; `run --format json`
/// carries the same note as a typed warning.
#[test]
fn issue_11_explain_shows_firewall_limits_and_proxied_handshakes() {
    let out = stdout_of(aznetsim().arg("explain").arg(super::apim()));
    for (route, rate) in [("green", "9594"), ("red", "19147")] {
        let s = section(&out, route);
        let notes: Vec<&str> = s.lines().filter(|l| l.starts_with("  note: ")).collect();
        assert_eq!(notes.len(), 1, "{route}: {s}");
        assert!(notes[0].contains(&format!("near {rate} req/s on this route")), "{}", notes[0]);
    }
    let sets = ["--set", r#"routes.0.firewall_rules={"hub-fw": ["application", "network"]}"#];
    let out = stdout_of(aznetsim().arg("explain").arg(super::apim()).args(sets));
    let green = section(&out, "green");
    assert!(green.contains("proxies TCP (application rules"), "{green}");
    assert!(green.contains("+ TLS 2 RTT of 2.011 ms end to end = 4 RTT, 6.033 ms"), "{green}");
    // A measured packet rate: no note.
    let sets = ["--set", "nodes.hub-fw.packets_per_s_per_instance=200000"];
    let out = stdout_of(aznetsim().arg("explain").arg(super::apim()).args(sets));
    assert!(!out.contains("  note: "), "{out}");
    let json = stdout_of(
        aznetsim().arg("run").arg(super::apim()).args(super::TINY_SETS).args(["--format", "json"]),
    );
    let doc: Value = serde_json::from_str(&json).unwrap();
    let kinds: Vec<&str> = doc["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|w| w["kind"] == "firewall_limit_unpublished")
        .map(|w| w["firewall"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["hub-fw", "hub-fw"], "{json}");
}

/// Issue 12 item 3: with a `routing` section, `explain` shows each route's
/// derived path next to the written one and the route that decided each
/// hop, in the table and in JSON; without one, neither appears.
#[test]
fn explain_shows_the_derived_path_next_to_the_written_one() {
    let file = root().join("scenarios/apim-hub-proxy-routing.json");
    let table = stdout_of(aznetsim().arg("explain").arg(&file));
    for line in [
        "  request  as written: client → hub-fw → apim → hub-fw → er-gw → backend",
        "  request  as routed:  client → hub-fw → apim → hub-fw → er-gw → backend (equal to the written path)",
        "    → hub-fw: routing.route_tables.gateway-rt[0]: 10.0.2.0/27 → virtual_appliance 'hub-fw'",
        "    → apim: system route 10.0.0.0/16 → VNet peering 'hub'",
    ] {
        assert!(table.lines().any(|l| l == line), "no {line:?} in:\n{table}");
    }
    let json: Value = serde_json::from_str(&stdout_of(
        aznetsim().arg("explain").arg(&file).args(["--format", "json"]),
    ))
    .unwrap();
    let green = &json["routes"][0]["derived"];
    assert_eq!(green["request"]["hops"][1]["node"], "hub-fw");
    assert_eq!(
        green["written"],
        green["request"]["hops"]
            .as_array()
            .unwrap()
            .iter()
            .map(|h| h["node"].clone())
            .collect::<Value>()
    );
    let plain = root().join("scenarios/apim-hub-proxy.json");
    assert!(!stdout_of(aznetsim().arg("explain").arg(&plain)).contains("as routed"));
    let json: Value = serde_json::from_str(&stdout_of(
        aznetsim().arg("explain").arg(&plain).args(["--format", "json"]),
    ))
    .unwrap();
    assert!(json["routes"][0].get("derived").is_none());
}
