//! Issue 11 item 5 (a–c): Azure Firewall rule collections, latency spikes
//! and the packet-rate dimension, each against a figure computed by hand.

use serde_json::{Value, json};
use sim_scenarios::azure::catalog::value;
use sim_scenarios::file::set_path;
use sim_scenarios::report::{HopReport, RouteReport, WarningKind};
use sim_scenarios::{Scenario, ScenarioError};

use super::{load_inline, run};

use super::tls::{CLIENT_FW, FW_APIM, FW_DELAY, GW_BACKEND, GW_DELAY};

/// The firewall → gateway link, as long as `tls.rs`'s APIM → gateway one.
const FW_GW: f64 = super::tls::APIM_GW;

/// Handshake waits are sums of nanosecond-rounded constants.
const EXACT: f64 = 1e-5;

/// The hub hairpin: `tls.rs`'s scenario (no connection ever reused, tiny
/// load, constant latencies) with APIM's egress sent back through the
/// firewall: client → fw → apim → fw → gw → backend.
fn hairpin() -> Value {
    let mut v = super::tls::scenario();
    v["links"][2] = json!({ "between": ["fw", "gw"], "latency_ms": FW_GW });
    v["routes"][0]["path"] = json!(["client", "fw", "apim", "fw", "gw", "backend"]);
    v
}

fn with(mut v: Value, sets: &[(&str, &str)]) -> Value {
    for (p, x) in sets {
        set_path(&mut v, p, x).unwrap_or_else(|e| panic!("{p}: {e}"));
    }
    v
}

fn load_err(v: Value) -> ScenarioError {
    Scenario::from_value(std::path::Path::new("inline.json"), v).unwrap_err()
}

fn route(v: Value) -> RouteReport {
    let r = run(&load_inline(v)).routes.into_iter().next().unwrap();
    assert_eq!(r.completed, r.offered, "every request completes");
    r
}

fn hop<'a>(r: &'a RouteReport, node: &str) -> &'a HopReport {
    r.hops.iter().find(|h| h.node == node).unwrap()
}

fn near(got: f64, want: f64, tol: f64, what: &str) {
    assert!((got - want).abs() <= tol, "{what}: got {got}, want {want} (± {tol})");
}

/// Issue 11 item 5(a): with application rules the firewall proxies TCP,
/// so a new connection's TCP handshake ends there and the firewall opens
/// the next one (after the ClientHello), while TLS still runs end to end:
/// one round trip more per proxy. The firewall's traversal latency is the
/// path through it, so each TCP leg takes half of its round trip (0.25 ms)
/// and the legs sum to the end-to-end round trip. By hand (TCP 1 RTT, TLS
/// 1.2 2 RTT):
/// - client → apim through fw (hop 1), RTT 2·(0.1 + 0.2) + 2·0.25 = 1.1 ms:
///   network rules 3 RTT, 3 × 1.1 = 3.3 ms; application rules 4 RTT, TCP
///   (2·0.1 + 0.25) + TCP (2·0.2 + 0.25) + TLS 2 × 1.1 = 0.45 + 0.65 +
///   2.2 = 3.3 ms;
/// - apim → backend through fw (hop 3) and gw, RTT 2·(0.2 + 0.4 + 1.5) +
///   2·0.25 + 0.3 = 5.0 ms (the ExpressRoute gateway serves only the
///   on-premises → Azure direction, so its 0.3 ms counts once per round
///   trip): network rules 3 × 5.0 = 15.0 ms; application rules TCP
///   (2·0.2 + 0.25) + TCP (2·(0.4 + 1.5) + 0.3 + 0.25) + TLS 2 × 5.0 =
///   0.65 + 4.35 + 10.0 = 15.0 ms.
///
/// A firewall that proxied TCP but charged its latency on neither leg
/// would make the handshake 0.5 ms faster than passing it through.
#[test]
fn issue_11_application_rules_split_the_tcp_handshake() {
    assert_eq!(value("tcp.handshake_rtts"), 1.0);
    assert_eq!(value("tls.tls12_handshake_rtts"), 2.0);
    let rtt_client_apim = 2.0 * (CLIENT_FW + FW_APIM) + 2.0 * FW_DELAY;
    let rtt_apim_backend = 2.0 * (FW_APIM + FW_GW + GW_BACKEND) + 2.0 * FW_DELAY + GW_DELAY;
    let legs_client = [2.0 * CLIENT_FW + FW_DELAY, 2.0 * FW_APIM + FW_DELAY];
    let legs_apim = [2.0 * FW_APIM + FW_DELAY, 2.0 * (FW_GW + GW_BACKEND) + GW_DELAY + FW_DELAY];
    let network = (3.0 * rtt_client_apim, 3.0 * rtt_apim_backend);
    let application = (
        legs_client.iter().sum::<f64>() + 2.0 * rtt_client_apim,
        legs_apim.iter().sum::<f64>() + 2.0 * rtt_apim_backend,
    );
    near(network.0, 3.3, 1e-12, "by hand");
    near(application.0, 3.3, 1e-12, "by hand");
    near(application.1, 15.0, 1e-12, "by hand");
    // (round trips at the client, at APIM; handshake ms at the client, at APIM)
    let net = |(a, b): (f64, f64)| ((3.0, 3.0), (a, b));
    let cases = [
        ("default", hairpin(), net(network)),
        ("rule network", with(hairpin(), &[("nodes.fw.rule", "\"network\"")]), net(network)),
        (
            "rule application",
            with(hairpin(), &[("nodes.fw.rule", "\"application\"")]),
            ((4.0, 4.0), application),
        ),
        (
            "per traversal",
            with(
                hairpin(),
                &[("routes.0.firewall_rules", r#"{"fw": ["network", "application"]}"#)],
            ),
            ((3.0, 4.0), (network.0, application.1)),
        ),
        (
            "route overrides node",
            with(
                hairpin(),
                &[
                    ("nodes.fw.rule", "\"application\""),
                    ("routes.0.firewall_rules", r#"{"fw": "network"}"#),
                ],
            ),
            net(network),
        ),
    ];
    for (what, doc, ((rt_client, rt_apim), (client, apim))) in cases {
        let r = route(doc.clone());
        near(hop(&r, "client").handshake_ms_mean, client, EXACT, &format!("{what}: client"));
        near(hop(&r, "apim").handshake_ms_mean, apim, EXACT, &format!("{what}: apim"));
        // The plan `explain` prints says the same, round trips included.
        let s = load_inline(doc);
        let plan = &s.routes()[0].hops;
        let text = plan[0].new_connection.as_deref().unwrap();
        assert!(text.contains(&format!("{rt_client} RTT")), "{what}: {text}");
        assert!(text.contains(&format!("{client:.3} ms")), "{what}: {text}");
        let text = plan[2].new_connection.as_deref().unwrap();
        assert!(text.contains(&format!("{rt_apim} RTT")), "{what}: {text}");
        assert!(text.contains(&format!("{apim:.3} ms")), "{what}: {text}");
    }
    // The proxied handshake reads leg by leg, and the hop says it proxies.
    let doc =
        with(hairpin(), &[("routes.0.firewall_rules", r#"{"fw": ["application", "network"]}"#)]);
    let s = load_inline(doc);
    let plan = &s.routes()[0].hops;
    assert_eq!(
        plan[0].new_connection.as_deref().unwrap(),
        format!(
            "to apim (TCP 1 RTT of {:.3} ms client → fw + TCP 1 RTT of {:.3} ms fw → apim + TLS 2 RTT of 1.100 ms end to end = 4 RTT, 3.300 ms; TCP proxied by application rules, + 1.400 ms CPU there) with probability 1.00",
            legs_client[0], legs_client[1]
        )
    );
    assert!(
        plan[1].connection.starts_with("proxies TCP (application rules"),
        "{}",
        plan[1].connection
    );
    assert_eq!(plan[3].connection, "passes TCP/TLS through (network rules)");
}

#[test]
fn issue_11_firewall_rules_refuse_what_they_cannot_mean() {
    let cases = [
        (r#"{"apim": "application"}"#, "routes[0].firewall_rules.apim", "not an Azure Firewall"),
        (r#"{"fw": ["network"]}"#, "routes[0].firewall_rules.fw", "crosses 'fw' 2 times"),
        (r#"{"fw": "proxy"}"#, "routes[0].firewall_rules.fw", "\"network\" or \"application\""),
        (r#"{"fw": ["network", 3]}"#, "routes[0].firewall_rules.fw[1]", "got 3"),
    ];
    for (rules, path, says) in cases {
        let e = load_err(with(hairpin(), &[("routes.0.firewall_rules", rules)])).to_string();
        assert!(e.contains(path) && e.contains(says), "{rules}: {e}");
    }
    let e = load_err(with(hairpin(), &[("nodes.fw.rule", "\"l7\"")])).to_string();
    assert!(e.contains("nodes.fw.rule"), "{e}");
}

/// client → apim → fw → gw → backend with the response sent back
/// gw → apim, skipping the firewall.
fn asymmetric(rule: &str) -> Value {
    json!({
        "name": "asym",
        "workload": {
            "arrival": { "kind": "poisson", "rate_per_s": 100 },
            "requests": 200, "round_trip": true
        },
        "nodes": {
            "client": { "kind": "client" },
            "apim": { "kind": "apim", "tier": "premium", "trusts": ["public", "onprem-root"] },
            "fw": { "kind": "azure_firewall", "sku": "standard", "rule": rule },
            "gw": { "kind": "vnet_gateway", "gateway": "expressroute", "sku": "ErGw1AZ" },
            "backend": { "kind": "backend" }
        },
        "links": [
            { "between": ["client", "apim"], "network": "peering" },
            { "between": ["apim", "fw"], "network": "intra_zone" },
            { "between": ["apim", "gw"], "network": "intra_zone" },
            { "between": ["fw", "gw"], "network": "intra_zone" },
            { "between": ["gw", "backend"], "network": "expressroute" }
        ],
        "routes": [ {
            "name": "r", "path": ["client", "apim", "fw", "gw", "backend"],
            "return_path": ["backend", "gw", "apim", "client"]
        } ]
    })
}

/// Issue 11 item 5(a): application rules SNAT, so the response comes back
/// through the firewall whatever the routing: no asymmetric-path error,
/// a warning that the return path as written is not what happens.
#[test]
fn issue_11_application_rules_suppress_the_asymmetric_path_finding() {
    let checks = |rule: &str| -> Vec<(String, String)> {
        load_inline(asymmetric(rule)).routes()[0]
            .findings
            .iter()
            .map(|f| (f.check.clone(), f.severity.to_string()))
            .collect()
    };
    let network = checks("network");
    assert!(network.contains(&("asymmetric_path".into(), "error".into())), "{network:?}");
    assert!(!network.iter().any(|f| f.0 == "snat_return"), "{network:?}");
    let application = checks("application");
    assert!(!application.iter().any(|f| f.0 == "asymmetric_path"), "{application:?}");
    assert!(application.contains(&("snat_return".into(), "warning".into())), "{application:?}");
    // Crossed twice, once with network rules: that traversal still needs
    // the response back through the firewall.
    let mut doc = asymmetric("network");
    doc["routes"][0]["path"] = json!(["client", "apim", "fw", "apim", "fw", "gw", "backend"]);
    doc["routes"][0]["firewall_rules"] = json!({"fw": ["network", "application"]});
    let s = Scenario::from_value(std::path::Path::new("inline.json"), doc).unwrap();
    assert!(s.routes()[0].findings.iter().any(|f| f.check == "asymmetric_path"));
}

/// One traversal of the catalog's firewall and nothing else: links and the
/// backend take no time, messages are empty.
fn one_traversal(spikes: Option<Value>) -> Value {
    let mut fw = json!({ "kind": "azure_firewall", "sku": "standard" });
    if let Some(s) = spikes {
        fw["spikes"] = s;
    }
    json!({
        "name": "spikes",
        "seed": 3,
        "replications": 2,
        "workload": {
            "arrival": { "kind": "poisson", "rate_per_s": 1000 },
            "requests": 200000, "warmup_requests": 0
        },
        "nodes": {
            "client": { "kind": "client", "connection_reuse": 1 },
            "fw": fw,
            "api": { "kind": "station", "servers": "unbounded", "service_ms": 0 }
        },
        "links": [
            { "between": ["client", "fw"], "latency_ms": 0 },
            { "between": ["fw", "api"], "latency_ms": 0 }
        ],
        "routes": [ { "name": "r", "path": ["client", "fw", "api"] } ]
    })
}

/// Standard normal distribution function (Abramowitz & Stegun 26.2.17,
/// absolute error below 7.5e-8).
fn big_phi(x: f64) -> f64 {
    let t = 1.0 / (1.0 + 0.231_641_9 * x.abs());
    let poly = t
        * (0.319_381_530
            + t * (-0.356_563_782
                + t * (1.781_477_937 + t * (-1.821_255_978 + t * 1.330_274_429))));
    let tail = (-x * x / 2.0).exp() / (2.0 * std::f64::consts::PI).sqrt() * poly;
    if x >= 0.0 { 1.0 - tail } else { tail }
}

/// The q-quantile \[ms\] of a lognormal (median `m`, shape `s`) whose draws
/// are multiplied by `f` with probability `p`: the root of
/// (1 − p)·Φ(ln(x/m)/s) + p·Φ(ln(x/(f·m))/s) = q, by bisection.
fn mixture_quantile(m: f64, s: f64, p: f64, f: f64, q: f64) -> f64 {
    let cdf = |x: f64| (1.0 - p) * big_phi((x / m).ln() / s) + p * big_phi((x / (f * m)).ln() / s);
    let (mut lo, mut hi) = (m * 1e-3, m * f * 1e3);
    for _ in 0..200 {
        let mid = (lo * hi).sqrt();
        if cdf(mid) < q { lo = mid } else { hi = mid }
    }
    lo
}

/// Issue 11 item 5(b): the catalog's spikes (1 % of traversals × 5, EST)
/// move the traversal's p99 to the mixture's quantile and leave its median
/// where the lognormal's is; `spikes.probability: 0` removes them.
#[test]
fn issue_11_spikes_move_the_p99_not_the_median() {
    let (m, s) =
        (value("azure_firewall.latency_unaligned_ms"), value("azure_firewall.latency_sigma"));
    let (p, f) = (value("azure_firewall.spike_probability"), value("azure_firewall.spike_factor"));
    assert_eq!((p, f), (0.01, 5.0));
    let with = route(one_traversal(None));
    let without = route(one_traversal(Some(json!({"probability": 0}))));
    let (q50, q99) = (mixture_quantile(m, s, p, f, 0.5), mixture_quantile(m, s, p, f, 0.99));
    let (b50, b99) = (mixture_quantile(m, s, 0.0, f, 0.5), mixture_quantile(m, s, 0.0, f, 0.99));
    near(b50, m, 1e-9, "lognormal median");
    // The spikes move the p99 by about a fifth, the median by under 1 %.
    assert!(q99 / b99 > 1.2 && q50 / b50 < 1.01, "{q99} vs {b99}, {q50} vs {b50}");
    let end_to_end = |r: &RouteReport| (r.latency_ms.p50.unwrap(), r.latency_ms.p99.unwrap());
    let (w50, w99) = end_to_end(&with);
    let (o50, o99) = end_to_end(&without);
    near(w99, q99, 0.02 * q99, "p99 with spikes = mixture quantile");
    near(o99, b99, 0.02 * b99, "p99 without spikes = lognormal quantile");
    near(w50, q50, 0.01 * q50, "median with spikes");
    near(o50, b50, 0.01 * b50, "median without spikes");
    // The hop's own percentiles (2 significant digits: within 1 % plus noise).
    let h = hop(&with, "fw");
    near(h.time_p99_ms, q99, 0.03 * q99, "hop p99");
    near(h.time_p50_ms, q50, 0.02 * q50, "hop p50");
    // Means: the lognormal's × (1 + p (f − 1)).
    let base_mean = m * (s * s / 2.0).exp();
    near(hop(&without, "fw").service_ms_mean, base_mean, 0.01 * base_mean, "mean off");
    let spiked = base_mean * (1.0 + p * (f - 1.0));
    near(h.service_ms_mean, spiked, 0.01 * spiked, "mean with spikes");
    // A file's own spikes, and the explanation says which are estimates.
    let s2 = load_inline(one_traversal(Some(json!({"probability": 0.05, "factor": 3}))));
    let cap = &s2.routes()[0].hops[1].capacity;
    assert!(cap.ends_with("spikes 5 % × 3"), "{cap}");
    let capacity = |spikes: Option<Value>| {
        load_inline(one_traversal(spikes)).routes()[0].hops[1].capacity.clone()
    };
    let cap = capacity(None);
    assert!(cap.ends_with("spikes 1 % × 5 (EST)"), "{cap}");
    let cap = capacity(Some(json!({"probability": 0})));
    assert!(!cap.contains("spikes"), "{cap}");
    // Bad spikes name their field.
    for (spikes, path) in [
        (json!({"probability": 2}), "nodes.fw.spikes.probability"),
        (json!({"factor": 0.5}), "nodes.fw.spikes.factor"),
        (json!({"factor": 11}), "nodes.fw.spikes.factor"),
        (json!({"probabilty": 0.1}), "nodes.fw.spikes"),
    ] {
        let e = load_err(one_traversal(Some(spikes.clone()))).to_string();
        assert!(e.contains(path), "{spikes}: {e}");
    }
}

/// A law given in the file is a measurement, spikes included: the catalog's
/// spikes are not added to it unless `spikes` asks.
#[test]
fn issue_11_a_given_latency_law_takes_no_catalog_spikes() {
    let mut doc = one_traversal(None);
    doc["nodes"]["fw"]["latency_ms"] = json!(0.5);
    let r = route(doc.clone());
    near(hop(&r, "fw").service_ms_mean, 0.5, EXACT, "constant, no spikes");
    doc["nodes"]["fw"]["spikes"] = json!({"probability": 0.5, "factor": 3});
    let r = route(doc);
    near(hop(&r, "fw").service_ms_mean, 0.5 * (1.0 + 0.5 * 2.0), 0.02, "constant with spikes");
}

/// A firewall hop's work per request, by hand: 2,048-byte requests are 2
/// packets, 16,384-byte responses 11 (1,500-byte packets); a standard
/// instance takes 8 µs per packet (1.5 Gbit/s per instance: 1,500 × 8 bit
/// in 8 µs, and 125,000 packets/s, EST); the hairpin crosses the firewall
/// twice each way: 2 × 13 × 8 µs = 208 µs on one of 2 instances, so it
/// saturates at 2 / 208 µs = 9,615 requests/s.
fn saturating(packets: Option<f64>) -> Value {
    let mut v = hairpin();
    v["workload"] = json!({
        "arrival": { "kind": "poisson", "rate_per_s": 1000 },
        "requests": 40000, "warmup_requests": 4000, "round_trip": true,
        "request_bytes": 2048, "response_bytes": 16384
    });
    // Warm connections: no handshake CPU saturates APIM at this load.
    v["nodes"]["client"]["connection_reuse"] = json!(1);
    v["nodes"]["apim"]["connection_reuse"] = json!(1);
    if let Some(p) = packets {
        v["nodes"]["fw"]["packets_per_s_per_instance"] = json!(p);
    }
    v
}

/// Issue 11 item 5(c): the firewall charges whole packets, at whichever of
/// its throughput and its packet rate binds; with the packet rate the
/// catalog's estimate, the run and the plan say where it would saturate.
#[test]
fn issue_11_the_firewall_says_where_it_would_saturate() {
    assert_eq!(value("azure_firewall.packet_bytes"), 1500.0);
    assert_eq!(value("azure_firewall.rated_packet_bytes"), 1500.0);
    let work_s = 2.0 * (2.0 + 11.0) * 8e-6;
    let saturates = 2.0 / work_s;
    let s = load_inline(saturating(None));
    let plan = &s.routes()[0].hops;
    near(plan[1].unpublished_limit_per_s.unwrap(), saturates, 1e-6, "plan");
    assert!(plan[3].unpublished_limit_per_s.is_none(), "once per firewall");
    assert!(plan[1].capacity.contains("125000 packets/s each (EST)"), "{}", plan[1].capacity);
    let report = run(&s);
    let w: Vec<_> = report
        .warnings
        .iter()
        .filter(|w| matches!(w.kind, WarningKind::FirewallLimitUnpublished { .. }))
        .collect();
    assert_eq!(w.len(), 1, "{:?}", report.warnings);
    assert!(
        w[0].message.contains("near 9615 req/s") && w[0].message.contains("offered 1000"),
        "{}",
        w[0].message
    );
    assert!(w[0].message.contains("packets_per_s_per_instance"), "{}", w[0].message);
    // The simulated busy share is that work at the offered load.
    let fw = report.routes[0].hops.iter().find(|h| h.node == "fw").unwrap();
    near(fw.utilization.unwrap(), 1000.0 * work_s / 2.0, 0.01, "utilisation");
    // A measured packet rate binds when it is the slower dimension, and
    // silences the note.
    let s = load_inline(saturating(Some(50_000.0)));
    assert!(s.routes()[0].hops.iter().all(|h| h.unpublished_limit_per_s.is_none()));
    let report = run(&s);
    assert!(
        !report
            .warnings
            .iter()
            .any(|w| matches!(w.kind, WarningKind::FirewallLimitUnpublished { .. }))
    );
    let fw = report.routes[0].hops.iter().find(|h| h.node == "fw").unwrap();
    near(
        fw.utilization.unwrap(),
        1000.0 * 2.0 * 13.0 / 50_000.0 / 2.0,
        0.01,
        "at 50,000 packets/s",
    );
    let e = load_err(saturating(Some(0.0))).to_string();
    assert!(e.contains("nodes.fw.packets_per_s_per_instance"), "{e}");
}

/// In mode `mix` a route carries its weight's share: the note compares the
/// saturation rate with that share (green 0.7, red 0.3 of 1,000 req/s).
#[test]
fn issue_11_the_saturation_note_uses_the_route_share_in_mix() {
    let s = super::load_with("apim-hub-proxy-mix", &[]);
    let offered: Vec<f64> = (0..2).map(|i| s.offered_per_s(i)).collect();
    assert_eq!(offered, [700.0, 300.0]);
    let compare = super::load_with("apim-hub-proxy", &[]);
    assert_eq!(compare.offered_per_s(1), 1000.0);
}
