//! `--set`, `--vary`, `--slo` and `--shard` on arbitrary text: no panic, a
//! flag error names its flag, and a `--set` that applies to a shipped
//! scenario either loads or fails with a JSON path.

#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;
use sim_scenarios::Scenario;
use sim_scenarios::experiment::{Shard, Slo, Vary, grid};
use sim_scenarios::file::{parse_assignment, parse_json, set_path};

const SCENARIO: &str = include_str!("../../scenarios/apim-hub-proxy.json");

fuzz_target!(|data: &[u8]| {
    let Ok(arg) = std::str::from_utf8(data) else { return };
    match Vary::parse(arg) {
        Ok(v) => {
            if let Err(e) = grid(&[v.clone(), v]) {
                assert!(e.to_string().starts_with("--vary"), "{e}");
            }
        }
        Err(e) => assert!(e.to_string().starts_with("--vary"), "{e}"),
    }
    if let Err(e) = Shard::parse(arg) {
        assert!(e.to_string().starts_with("--shard"), "{e}");
    }
    if let Err(e) = Slo::parse(arg) {
        assert!(e.to_string().starts_with("--slo"), "{e}");
    }
    let Ok((path, value)) = parse_assignment(arg) else { return };
    let file = Path::new("apim-hub-proxy.json");
    let mut doc = parse_json(file, SCENARIO).expect("the shipped scenario parses");
    if let Err(e) = set_path(&mut doc, &path, &value) {
        assert!(!e.path.is_empty() && !e.message.is_empty(), "{e:?}");
        return;
    }
    if let Err(e) = Scenario::from_value(file, doc) {
        assert!(e.path().is_some_and(|p| !p.is_empty()), "{e}");
    }
});
