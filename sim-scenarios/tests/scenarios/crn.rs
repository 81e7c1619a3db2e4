//! Common random numbers: routes compared on the same demand.

use std::path::Path;

use sim_core::RunOptions;
use sim_scenarios::file::{parse_json, set_path};
use sim_scenarios::report::{ReportOptions, report_against};
use sim_scenarios::run::Twins;
use sim_scenarios::{Scenario, simulate};

/// Width of the 95 % interval of red − green (mean latency) on the shipped
/// topology-A scenario, with or without common random numbers.
fn difference_width(crn: bool) -> f64 {
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("../scenarios/apim-hub-proxy.json");
    let mut v = parse_json(&file, &std::fs::read_to_string(&file).unwrap()).unwrap();
    for (p, x) in [
        ("workload.requests", "20000"),
        ("workload.warmup_requests", "2000"),
        ("replications", "10"),
        ("workload.common_random_numbers", if crn { "true" } else { "false" }),
    ] {
        set_path(&mut v, p, x).unwrap();
    }
    let scenario = Scenario::from_value(&file, v).unwrap();
    let sims = simulate(&scenario, &RunOptions::new(42, 10), Twins::Run, &|| {}).unwrap();
    let report = report_against(
        &scenario,
        42,
        10,
        &sims,
        &ReportOptions { baseline: Some("green"), ..ReportOptions::default() },
    )
    .unwrap();
    let red = report.routes.iter().find(|r| r.name == "red").unwrap();
    let [lo, hi] = red.vs_baseline.as_ref().unwrap().mean.ci95.unwrap();
    hi - lo
}

#[test]
fn common_random_numbers_narrow_the_difference_at_least_twofold() {
    let (with, without) = (difference_width(true), difference_width(false));
    eprintln!("interval width of red − green: {with:.4} ms with CRN, {without:.4} ms without");
    assert!(with * 2.0 <= without, "with CRN {with} ms, independent {without} ms");
}
