//! The scenario loader on arbitrary bytes: no panic, every error names a
//! JSON path or a line:column, and what loads runs (briefly) without error.

#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;
use sim_scenarios::file::{Warmup, parse_json};
use sim_scenarios::{Scenario, ScenarioError};

fn located(e: &ScenarioError) {
    match e {
        ScenarioError::Syntax { line, column, .. } => assert!(*line > 0 && *column > 0, "{e}"),
        ScenarioError::Invalid { path, .. } => assert!(!path.is_empty(), "{e}"),
        other => panic!("an error without a path: {other}"),
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let file = Path::new("fuzz.json");
    let value = match parse_json(file, text) {
        Ok(v) => v,
        Err(e) => return located(&e),
    };
    let scenario = match Scenario::from_value(file, value) {
        Ok(s) => s,
        Err(e) => return located(&e),
    };
    // A short run: a hundred requests, one replication.
    let mut spec = scenario.spec().clone();
    spec.workload.requests = spec.workload.requests.min(100);
    spec.workload.warmup_requests = Warmup::Requests(0);
    spec.replications = 1;
    let short = match scenario.with_spec(spec) {
        Ok(s) => s,
        Err(e) => return located(&e),
    };
    if let Err(e) = sim_scenarios::run(&short, 1, 1, &|| {}) {
        panic!("validate accepted it, the run failed: {e}");
    }
});
