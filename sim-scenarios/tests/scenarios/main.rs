//! Integration tests of scenario loading and running.

mod analytic;
mod apim_units;
mod app_gateway;
mod azure_models;
mod azure_runs;
mod bare_numbers;
mod capacity;
mod catalog_use;
mod certs;
mod checks;
mod cost;
mod crn;
mod extends;
mod firewall;
mod fuzz;
mod golden;
mod honest;
mod identity;
mod inspection;
mod layers;
mod load;
mod messages;
mod mix;
mod platform;
mod precision;
mod routing;
mod schema;
mod sensitivity;
mod silent_models;
mod throttling;
mod tls;
mod wan;
mod warmup;
mod warnings;

use std::path::{Path, PathBuf};

use serde_json::Value;
use sim_scenarios::file::{resolve, set_path};
use sim_scenarios::{RunReport, Scenario};

/// The workspace root.
fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// A shipped scenario file by name, e.g. `"apim-hub-proxy"`.
fn shipped(name: &str) -> PathBuf {
    root().join("scenarios").join(format!("{name}.json"))
}

/// The shipped scenarios built from Azure components.
const AZURE_SCENARIOS: [&str; 16] = [
    "apim-hub-proxy",
    "apim-hub-proxy-tls-inspection",
    "apim-hub-proxy-tls-inspection-fixed",
    "apim-hub-proxy-routing",
    "apim-hub-proxy-forced-tunnel",
    "apim-hub-proxy-asymmetric",
    "apim-hub-proxy-group-overage",
    "onprem-gateway-header-limit",
    "apim-hub-proxy-vpn",
    "apim-hub-proxy-no-token-cache",
    "onprem-gateway",
    "onprem-gateway-paas-client",
    "onprem-gateway-tls13",
    "onprem-gateway-tls-name",
    "onprem-gateway-tls-chain",
    "onprem-gateway-mtls",
];

/// A shipped scenario as JSON, to change before loading.
fn shipped_json(name: &str) -> Value {
    let file = shipped(name);
    let text = std::fs::read_to_string(&file)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", file.display()));
    // A variant is a patch of its base: the document its `extends` resolves to.
    resolve(&file, &text).unwrap_or_else(|e| panic!("{e}")).value().clone()
}

/// Loads a shipped scenario after `PATH=VALUE` overrides.
fn load_with(name: &str, sets: &[(&str, &str)]) -> Scenario {
    let mut value = shipped_json(name);
    for (p, v) in sets {
        set_path(&mut value, p, v).unwrap_or_else(|e| panic!("{name}: {e}"));
    }
    Scenario::from_value(&shipped(name), value).unwrap_or_else(|e| panic!("{e}"))
}

/// Loads an inline scenario document.
fn load_inline(value: Value) -> Scenario {
    Scenario::from_value(Path::new("inline.json"), value).unwrap_or_else(|e| panic!("{e}"))
}

/// Runs with the scenario's seed and replications.
fn run(scenario: &Scenario) -> RunReport {
    let spec = scenario.spec();
    sim_scenarios::run(scenario, spec.seed, spec.replications, &|| {}).unwrap()
}
