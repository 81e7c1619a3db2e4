//! The headline numbers of the reference scenario, pinned.
//!
//! A change here changes what users see for a fixed seed: it must be
//! deliberate, reviewed, and recorded in CHANGELOG.md. Regenerate with
//! `UPDATE_GOLDEN=1 cargo test -p sim-scenarios --test scenarios golden`.

use sim_scenarios::Scenario;
use sim_scenarios::file::{parse_json, set_path};

use super::root;

#[test]
fn reference_scenario_headline_numbers_are_pinned() {
    let file = root().join("scenarios/generic-green-red.json");
    let text = std::fs::read_to_string(&file).unwrap();
    let mut value = parse_json(&file, &text).unwrap();
    set_path(&mut value, "workload.requests", "30000").unwrap();
    set_path(&mut value, "workload.warmup_requests", "3000").unwrap();
    let scenario = Scenario::from_value(&file, value).unwrap();
    let report = sim_scenarios::run(&scenario, 42, 2, &|| {}).unwrap();
    let got = serde_json::to_string_pretty(&report).unwrap() + "\n";

    let golden = root().join("sim-scenarios/tests/golden/generic-green-red.json");
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(&golden, &got).unwrap();
    }
    let want = std::fs::read_to_string(&golden)
        .expect("golden file exists; set UPDATE_GOLDEN=1 to create it");
    assert!(
        got == want,
        "results changed for a fixed seed; if deliberate, regenerate (see module docs) and add a CHANGELOG entry\n{got}"
    );
}
