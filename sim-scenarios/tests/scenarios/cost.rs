//! Issue 16: what each route costs, from the catalog's prices and the
//! simulation's counts.

use serde_json::json;
use sim_scenarios::RunReport;
use sim_scenarios::azure::catalog::value;
use sim_scenarios::compile::CostPlan;
use sim_scenarios::report::CostReport;

use crate::{load_with, run, shipped, shipped_json};

/// Topology A with constant sizes (2 KB requests, 16 KB responses), no
/// nested calls (no JWT policies), short runs.
fn constant_sizes() -> serde_json::Value {
    let mut doc = shipped_json("apim-hub-proxy");
    doc["workload"]["request_bytes"] = json!({"kind": "constant", "value": 2048});
    doc["workload"]["response_bytes"] = json!({"kind": "constant", "value": 16384});
    doc["workload"]["requests"] = json!(6000);
    doc["workload"]["warmup_requests"] = json!(600);
    doc["replications"] = json!(2);
    doc["nodes"]["apim"].as_object_mut().unwrap().remove("policies");
    doc
}

fn load(doc: serde_json::Value) -> sim_scenarios::Scenario {
    sim_scenarios::Scenario::from_value(&shipped("apim-hub-proxy"), doc).unwrap()
}

/// The line of `plan` for `component` whose meter starts with `meter`.
fn line<'a>(
    plan: &'a CostPlan,
    component: &str,
    meter: &str,
) -> &'a sim_scenarios::compile::CostLine {
    plan.lines
        .iter()
        .find(|l| l.component == component && l.meter.starts_with(meter))
        .unwrap_or_else(|| panic!("no line {component}: {meter}… in {plan:#?}"))
}

fn cost<'a>(report: &'a RunReport, route: &str) -> &'a CostReport {
    report.routes.iter().find(|r| r.name == route).unwrap().cost.as_ref().unwrap()
}

#[test]
fn issue_16_green_processes_twice_the_firewall_bytes_of_red_and_pays_twice() {
    let scenario = load(constant_sizes());
    let (green, red) = (&scenario.routes()[0].cost, &scenario.routes()[1].cost);
    let (g, r) = (line(green, "hub-fw", "data processed"), line(red, "hub-fw", "data processed"));
    assert_eq!(g.bytes_per_request, 2.0 * 18432.0);
    assert_eq!(r.bytes_per_request, 18432.0);
    assert_eq!(g.usd_per_request, 2.0 * r.usd_per_request);
    // The same workload through both (common random numbers): the monthly
    // firewall data charge follows the bytes and the measured throughput.
    let report = run(&scenario);
    let month = |route: &str| {
        let c = cost(&report, route);
        let l = c.lines.iter().find(|l| l.component == "hub-fw" && l.share.is_none()).unwrap();
        let thr = report.routes.iter().find(|x| x.name == route).unwrap().throughput_per_s;
        (l.per_month, thr)
    };
    let ((g_month, g_thr), (r_month, r_thr)) = (month("green"), month("red"));
    let ratio = (g_month / g_thr) / (r_month / r_thr);
    assert!((ratio - 2.0).abs() < 1e-12, "green / red per request: {ratio}");
    // Both pay the deployment once: one firewall.
    assert_eq!(
        line(green, "hub-fw", "deployment").usd_per_h,
        value("azure_firewall.standard.price_usd_per_h")
    );
}

#[test]
fn issue_16_peering_is_charged_at_both_ends_of_every_crossing() {
    let scenario = load(constant_sizes());
    let red = &scenario.routes()[1].cost;
    let p = line(red, "client<->apim", "");
    // The request crosses it one way, the response the other: both pay
    // egress at one end and ingress at the other.
    assert_eq!(p.bytes_per_request, 18432.0);
    let both = value("network.peering_in_price_usd_per_gb")
        + value("network.peering_out_price_usd_per_gb");
    assert!((p.usd_per_request - 18432.0 / 1e9 * both).abs() < 1e-18);
    // Free ingress: half the charge, as the prices say.
    let mut doc = constant_sizes();
    doc["prices"] = json!({"network": {"peering_in_price_usd_per_gb": 0}});
    let free_in = load(doc);
    let half = line(&free_in.routes()[1].cost, "client<->apim", "").usd_per_request;
    assert!((half - 18432.0 / 1e9 * value("network.peering_out_price_usd_per_gb")).abs() < 1e-18);
}

#[test]
fn issue_16_a_cost_difference_matches_the_hand_computation() {
    // Prices set in the file (dotted and nested keys alike), so the hand
    // computation below does not depend on the catalog's values.
    let mut doc = constant_sizes();
    doc["prices"] = json!({
        "azure_firewall.standard.price_usd_per_h": 1.25,
        "azure_firewall": {"standard": {"data_price_usd_per_gb": 0.016}},
        "apim.premium.price_usd_per_unit_month": 2920,
        "expressroute_gateway.ergw2az.price_usd_per_h": 1.0,
        "network.peering_in_price_usd_per_gb": 0.01,
        "network.peering_out_price_usd_per_gb": 0.01
    });
    let report = run(&load(doc));
    let month_s = 730.0 * 3600.0;
    let exchange_gb = (2048.0 + 16384.0) / 1e9;
    // Fixed: firewall 1.25/h, 2 premium units at 2,920 a month, the
    // gateway 1/h; per request: the firewall per traversal, peering both
    // ends.
    let fixed = 1.25 * 730.0 + 2.0 * 2920.0 + 730.0;
    let hand = |traversals: f64, thr: f64| {
        fixed + thr * month_s * exchange_gb * (traversals * 0.016 + 0.02)
    };
    let thr =
        |route: &str| report.routes.iter().find(|r| r.name == route).unwrap().throughput_per_s;
    let (g, r) = (hand(2.0, thr("green")), hand(1.0, thr("red")));
    let close = |a: f64, b: f64| (a - b).abs() <= 1e-9 * b.abs().max(1.0);
    assert!(
        close(cost(&report, "green").per_month, g),
        "{} vs {g}",
        cost(&report, "green").per_month
    );
    assert!(close(cost(&report, "red").per_month, r));
    let d = report.routes[1].vs_baseline.as_ref().unwrap().cost.as_ref().unwrap();
    assert!(close(d.per_month, r - g), "{} vs {}", d.per_month, r - g);
    let per_million = |v: f64, t: f64| v / (t * month_s) * 1e6;
    assert!(close(
        d.per_million_requests.unwrap(),
        per_million(r, thr("red")) - per_million(g, thr("green"))
    ));
}

#[test]
fn issue_16_mix_splits_the_shared_firewall_by_bytes_and_adds_up_to_one() {
    let scenario = load_with(
        "apim-hub-proxy-mix",
        &[
            ("workload.requests", "6000"),
            ("workload.warmup_requests", "600"),
            ("replications", "2"),
        ],
    );
    let report = run(&scenario);
    let deployment = |route: &str| {
        cost(&report, route)
            .lines
            .iter()
            .find(|l| l.component == "hub-fw" && l.share.is_some())
            .map(|l| (l.per_month, l.share.unwrap()))
            .unwrap()
    };
    let ((g, gs), (r, rs)) = (deployment("green"), deployment("red"));
    assert!((gs + rs - 1.0).abs() < 1e-12);
    assert!((g + r - value("azure_firewall.standard.price_usd_per_h") * 730.0).abs() < 1e-9);
    // Green sends more bytes through it (70 % of the traffic, twice).
    assert!(gs > 0.8, "{gs}");
}

#[test]
fn issue_16_expressroute_egress_is_charged_on_a_metered_plan_only() {
    let gw = |plan: Option<&str>| {
        let mut doc = constant_sizes();
        if let Some(p) = plan {
            doc["nodes"]["er-gw"]["data_plan"] = json!(p);
        }
        load(doc)
    };
    let egress = |s: &sim_scenarios::Scenario| {
        s.routes()[1].cost.lines.iter().find(|l| l.meter.contains("metered egress")).cloned()
    };
    assert!(egress(&gw(None)).is_none());
    assert!(egress(&gw(Some("unlimited"))).is_none());
    let metered = egress(&gw(Some("metered"))).unwrap();
    // Only the requests leave Azure (VNet to on-premises); responses come in.
    assert_eq!(metered.bytes_per_request, 2048.0);
    assert_eq!(metered.component, "er-gw<->backend");
    let price = value("expressroute.metered_egress_price_usd_per_gb");
    assert!((metered.usd_per_request - 2048.0 / 1e9 * price).abs() < 1e-18);
}

#[test]
fn issue_16_bad_prices_name_their_path_and_the_fix() {
    let err = |prices: serde_json::Value| {
        let mut doc = constant_sizes();
        doc["prices"] = prices;
        sim_scenarios::Scenario::from_value(std::path::Path::new("p.json"), doc)
            .unwrap_err()
            .to_string()
    };
    let e = err(json!({"azure_firewall": {"standard": {"nope_usd": 1}}}));
    assert!(e.contains("prices.azure_firewall.standard.nope_usd"), "{e}");
    assert!(e.contains("aznetsim catalog --prices"), "{e}");
    // A figure that is not a price cannot be set here.
    let e = err(json!({"azure_firewall.latency_sigma": 1}));
    assert!(e.contains("no such price"), "{e}");
    let e = err(json!({"azure_firewall.standard.price_usd_per_h": -1}));
    assert!(
        e.contains("prices.azure_firewall.standard.price_usd_per_h") && e.contains(">= 0"),
        "{e}"
    );
    let e = err(json!({"azure_firewall.standard.price_usd_per_h": "cheap"}));
    assert!(e.contains("must be a number in USD/h"), "{e}");
    // data_plan is an ExpressRoute setting.
    let mut doc = shipped_json("apim-hub-proxy-vpn");
    doc["nodes"]["vpn-gw"]["data_plan"] = json!("metered");
    let e = sim_scenarios::Scenario::from_value(std::path::Path::new("v.json"), doc)
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("nodes.vpn-gw.data_plan") && e.contains("ExpressRoute gateways only"),
        "{e}"
    );
}
