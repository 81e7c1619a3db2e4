//! Issue 16: prices as data (`catalog --prices`, `--set prices.KEY=…`) and
//! the cost of each route in the run's table, JSON and CSV.

use serde_json::Value;

use super::{EXIT_INVALID, SMALL, apim, aznetsim, failure_of, stdout_of};

#[test]
fn issue_16_catalog_prices_lists_every_price_with_its_source_and_says_list_prices() {
    let text = stdout_of(aznetsim().args(["catalog", "--prices"]));
    assert!(text.starts_with("Prices in USD: US list prices"), "{text}");
    assert!(text.contains("They are list prices"), "{text}");
    for key in [
        "azure_firewall.standard.data_price_usd_per_gb",
        "apim.premium.price_usd_per_unit_month",
        "app_gateway.waf_v2.price_usd_per_cu_h",
        "expressroute_gateway.ergw2az.price_usd_per_h",
        "network.peering_in_price_usd_per_gb",
        "expressroute.metered_egress_price_usd_per_gb",
    ] {
        assert!(text.contains(&format!("| `{key}` |")), "{key}");
    }
    // Prices only: no latency figure.
    assert!(!text.contains("azure_firewall.latency_sigma"));
    // Their sources, with dates.
    assert!(text.contains("\n| S30 | Understanding pricing"), "{text}");
    assert!(text.contains("\n| PEERING-OVERVIEW |"), "{text}");
    let doc: Value = serde_json::from_str(&stdout_of(
        aznetsim().args(["catalog", "--prices", "--format", "json"]),
    ))
    .unwrap();
    assert_eq!(doc["prices"]["currency"], "USD");
    assert_eq!(doc["prices"]["hours_per_month"], 730.0);
    let figures = doc["figures"].as_array().unwrap();
    assert!(figures.iter().all(|f| f["unit"].as_str().unwrap().starts_with("USD")));
    // The same component filter as the whole catalog.
    let fw = stdout_of(aznetsim().args(["catalog", "azure_firewall", "--prices"]));
    assert!(fw.contains("azure_firewall.premium.price_usd_per_h") && !fw.contains("apim."));
}

/// The run's JSON document with extra arguments.
fn run_json(extra: &[&str]) -> Value {
    let out = stdout_of(
        aznetsim().arg("run").arg(apim()).args(SMALL).args(["--format", "json"]).args(extra),
    );
    serde_json::from_str(&out).unwrap()
}

#[test]
fn issue_16_set_prices_changes_the_cost_and_nothing_else() {
    let base = run_json(&[]);
    let dear = run_json(&["--set", "prices.azure_firewall.standard.data_price_usd_per_gb=0.032"]);
    let line = |doc: &Value, route: usize| -> f64 {
        doc["routes"][route]["cost"]["lines"]
            .as_array()
            .unwrap()
            .iter()
            .find(|l| l["component"] == "hub-fw" && l["share"].is_null())
            .unwrap()["per_month"]
            .as_f64()
            .unwrap()
    };
    for route in [0, 1] {
        let ratio = line(&dear, route) / line(&base, route);
        assert!((ratio - 2.0).abs() < 1e-9, "route {route}: {ratio}");
        // The simulation itself does not change.
        assert_eq!(dear["routes"][route]["latency_ms"], base["routes"][route]["latency_ms"]);
    }
    // A key that is no price: exit 2, naming the path and the fix.
    let err = failure_of(
        aznetsim()
            .arg("run")
            .arg(apim())
            .args(SMALL)
            .args(["--set", "prices.azure_firewall.standard.nope=1"]),
        EXIT_INVALID,
    );
    assert!(err.contains("prices.azure_firewall.standard.nope"), "{err}");
    assert!(err.contains("aznetsim catalog --prices"), "{err}");
}

#[test]
fn issue_16_the_run_table_has_a_cost_section_and_the_csv_cost_columns() {
    let table = stdout_of(aznetsim().arg("run").arg(apim()).args(SMALL));
    assert!(table.contains("Δ USD/month"), "{table}");
    assert!(
        table.contains("\ncost at the measured throughput, USD (US list prices: estimates"),
        "{table}"
    );
    assert!(table.contains("route green: what it costs (USD per month)"), "{table}");
    assert!(
        table.contains("\nroute   per month  per million req  fixed/month  data/month\n")
            || table.contains("per million req"),
        "{table}"
    );
    let csv = stdout_of(aznetsim().arg("run").arg(apim()).args(SMALL).args(["--format", "csv"]));
    let mut rows = csv.lines();
    let header: Vec<&str> = rows.next().unwrap().split(',').collect();
    let at = |c: &str| header.iter().position(|h| *h == c).unwrap();
    let (month, million) = (at("cost_per_month_usd"), at("cost_per_million_usd"));
    let doc = run_json(&[]);
    for (i, row) in rows.enumerate() {
        let cols: Vec<&str> = row.split(',').collect();
        let cost = &doc["routes"][i]["cost"];
        let csv_month: f64 = cols[month].parse().unwrap();
        let json_month = cost["per_month"].as_f64().unwrap();
        assert!((csv_month - json_month).abs() <= 1e-9 * json_month, "{csv_month} vs {json_month}");
        let csv_million: f64 = cols[million].parse().unwrap();
        assert!((csv_million - cost["per_million_requests"].as_f64().unwrap()).abs() < 1e-9);
    }
}
