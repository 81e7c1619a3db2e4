//! Issue 15 item 5: `"extends"`. The shipped variants are merge patches of
//! their bases; each resolves to exactly the full file it replaced (kept
//! under `tests/replaced/`, as committed before the rewrite) and runs to
//! byte-identical results; chains, cycles, limits and the file an error
//! names.

use std::path::{Path, PathBuf};

use serde_json::{Value, json};
use sim_scenarios::file::{MAX_EXTENDS_DEPTH, resolve, set_path};
use sim_scenarios::{Scenario, ScenarioError};

use super::{root, shipped};

/// The variants rewritten as patches, and their bases.
const VARIANTS: [(&str, &str); 5] = [
    ("apim-hub-proxy-no-token-cache", "apim-hub-proxy"),
    ("apim-hub-proxy-vpn", "apim-hub-proxy"),
    ("apim-hub-proxy-mix", "apim-hub-proxy"),
    ("onprem-gateway-tls13", "onprem-gateway"),
    ("onprem-gateway-paas-client", "onprem-gateway"),
];

/// The full file a variant was before it became a patch.
fn replaced(name: &str) -> PathBuf {
    root().join("sim-scenarios/tests/replaced").join(format!("{name}.json"))
}

fn read(file: &Path) -> String {
    std::fs::read_to_string(file).unwrap_or_else(|e| panic!("{}: {e}", file.display()))
}

fn resolved(file: &Path) -> Value {
    resolve(file, &read(file)).unwrap_or_else(|e| panic!("{e}")).value().clone()
}

/// A short run's report as JSON text: what byte-identical results compare.
fn short_run(scenario: &Scenario) -> String {
    let mut spec = scenario.spec().clone();
    spec.workload.requests = 3_000;
    spec.workload.warmup_requests = sim_scenarios::file::Warmup::Requests(300);
    spec.replications = 2;
    let short = scenario.with_spec(spec).unwrap();
    serde_json::to_string(&sim_scenarios::run(&short, 7, 2, &|| {}).unwrap()).unwrap()
}

#[test]
fn issue_15_every_variant_resolves_to_the_file_it_replaced_and_runs_identically() {
    for (name, base) in VARIANTS {
        let file = shipped(name);
        let patch: Value = serde_json::from_str(&read(&file)).unwrap();
        assert_eq!(patch["extends"], json!(format!("{base}.json")), "{name}");
        let old = read(&replaced(name));
        let old_value: Value = serde_json::from_str(&old).unwrap();
        let new = resolved(&file);
        assert_eq!(new, old_value, "{name} resolves to the file it replaced");
        // The same text too, once serialised: a results directory saves it.
        assert_eq!(new.to_string(), old_value.to_string(), "{name}");
        // A patch, not a copy: well under half its base.
        assert!(read(&file).len() * 2 < old.len(), "{name} is still a near-copy");
        let a = short_run(&Scenario::load(&file).unwrap());
        let b = short_run(&Scenario::from_value(&replaced(name), old_value).unwrap());
        assert_eq!(a, b, "{name}: results differ from the file it replaced");
    }
}

/// A scratch folder with the files given as (name, JSON).
fn folder(files: &[(&str, Value)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (name, v) in files {
        let path = dir.path().join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, serde_json::to_string_pretty(v).unwrap()).unwrap();
    }
    dir
}

fn load_err(file: &Path) -> ScenarioError {
    Scenario::load(file).err().unwrap_or_else(|| panic!("{} loaded", file.display()))
}

/// The file an invalid-value error names, its path and its message.
fn invalid(e: &ScenarioError) -> (PathBuf, String, String) {
    match e {
        ScenarioError::Invalid { file, path, message } => {
            (file.clone(), path.clone(), message.clone())
        }
        other => panic!("not an invalid value: {other}"),
    }
}

#[test]
fn issue_15_a_two_level_chain_resolves_to_exactly_the_file_it_replaced() {
    // top.json extends the shipped no-token-cache variant, itself a patch
    // of apim-hub-proxy.json: a retry policy and another seed on top.
    let scenarios = root().join("scenarios");
    let dir = folder(&[(
        "top.json",
        json!({
            "extends": scenarios.join("apim-hub-proxy-no-token-cache.json"),
            "name": "two-levels",
            "seed": 9,
            "nodes": {"apim": {"policies": {"token_exchange": {
                "retry": {"count": 2, "interval_s": 0}
            }}}}
        }),
    )]);
    let top = dir.path().join("top.json");
    let r = resolve(&top, &read(&top)).unwrap();
    assert_eq!(r.files().len(), 3, "{:?}", r.files());
    // The same edits on the full file the variant replaced.
    let mut want: Value =
        serde_json::from_str(&read(&replaced("apim-hub-proxy-no-token-cache"))).unwrap();
    set_path(&mut want, "name", "two-levels").unwrap();
    set_path(&mut want, "seed", "9").unwrap();
    set_path(
        &mut want,
        "nodes.apim.policies.token_exchange.retry",
        r#"{"count": 2, "interval_s": 0}"#,
    )
    .unwrap();
    assert_eq!(r.value(), &want);
    let a = short_run(&Scenario::from_resolved(&r).unwrap());
    let b = short_run(&Scenario::from_value(Path::new("full.json"), want).unwrap());
    assert_eq!(a, b);
}

#[test]
fn issue_15_errors_name_the_file_that_holds_the_bad_field() {
    let dir = folder(&[
        ("base/base.json", {
            let mut v = resolved(&shipped("apim-hub-proxy"));
            v["nodes"]["hub-fw"]["latency_ms"] = json!(-1);
            v
        }),
        ("patch.json", json!({"extends": "base/base.json", "nodes": {"apim": {"units": 0}}})),
        ("inherits.json", json!({"extends": "base/base.json", "seed": 3})),
        (
            "deletes.json",
            json!({"extends": "base/base.json", "nodes": {"apim": {"tier": null}},
            "workload": {"arrival": {"rate_per_s": 1e99}}}),
        ),
        ("typo.json", json!({"extends": "base/base.json", "nodes": {"apim": {"unitz": 1}}})),
    ]);
    let at = |name: &str| invalid(&load_err(&dir.path().join(name)));
    // Set by the patch: the patch, with serde's JSON path.
    let (file, path, _) = at("patch.json");
    assert_eq!((file, path.as_str()), (dir.path().join("patch.json"), "nodes.apim.units"));
    let (file, path, _) = at("typo.json");
    assert_eq!((file, path.as_str()), (dir.path().join("typo.json"), "nodes.apim.unitz"));
    // Inherited: the base, saying which file extends it.
    let (file, path, message) = at("inherits.json");
    assert_eq!(file, dir.path().join("base/base.json"));
    assert_eq!(path, "nodes.hub-fw.latency_ms");
    assert!(
        message.ends_with(&format!(
            "(read through `extends` from {})",
            dir.path().join("inherits.json").display()
        )),
        "{message}"
    );
    // Deleted by the patch (`null`): the patch.
    let (file, path, _) = at("deletes.json");
    assert_eq!(file, dir.path().join("deletes.json"));
    assert!(path == "nodes.apim.tier" || path == "workload.arrival.rate_per_s", "{path}");
    // An override applies to the file given first, wherever the field came from.
    let mut r =
        resolve(&dir.path().join("inherits.json"), &read(&dir.path().join("inherits.json")))
            .unwrap();
    r.set("nodes.hub-fw.latency_ms", "0.5").unwrap();
    r.set("nodes.apim.units", "0").unwrap();
    let (file, path, _) = invalid(&Scenario::from_resolved(&r).unwrap_err());
    assert_eq!((file, path.as_str()), (dir.path().join("inherits.json"), "nodes.apim.units"));
}

#[test]
fn issue_15_cycles_depth_and_bad_bases_are_refused_with_the_chain() {
    let dir = folder(&[
        ("self.json", json!({"extends": "self.json"})),
        ("a.json", json!({"extends": "b.json"})),
        ("b.json", json!({"extends": "./a.json"})),
        ("missing.json", json!({"extends": "nowhere.json"})),
        ("number.json", json!({"extends": 3})),
        ("list.json", json!({"extends": "list-base.json"})),
        ("list-base.json", json!([1, 2])),
        ("schema.json", json!({"$schema": 1, "name": "x"})),
    ]);
    let msg = |name: &str| load_err(&dir.path().join(name)).to_string();
    assert!(msg("self.json").contains("a cycle: "), "{}", msg("self.json"));
    let cycle = msg("a.json");
    assert!(
        cycle.contains("a.json extends")
            && cycle.contains("b.json extends")
            && cycle.contains("a cycle"),
        "{cycle}"
    );
    assert!(
        msg("missing.json").contains("extends: cannot read the base scenario"),
        "{}",
        msg("missing.json")
    );
    assert!(
        msg("number.json").contains("extends: expected the path of the base scenario"),
        "{}",
        msg("number.json")
    );
    assert!(
        msg("list.json").contains("list-base.json: .: a scenario must be a JSON object"),
        "{}",
        msg("list.json")
    );
    assert!(msg("schema.json").contains("$schema: expected the address"), "{}", msg("schema.json"));
    // A chain as long as the limit loads; one more file is refused.
    let base = resolved(&shipped("generic-green-red"));
    let chain = |n: usize| {
        let mut files = vec![("f0.json".to_string(), base.clone())];
        for i in 1..n {
            files.push((
                format!("f{i}.json"),
                json!({"extends": format!("f{}.json", i - 1), "seed": i}),
            ));
        }
        let files: Vec<(&str, Value)> =
            files.iter().map(|(n, v)| (n.as_str(), v.clone())).collect();
        let dir = folder(&files);
        let top = dir.path().join(format!("f{}.json", n - 1));
        (Scenario::load(&top).map(|s| s.spec().seed), dir)
    };
    assert_eq!(chain(MAX_EXTENDS_DEPTH).0.unwrap(), MAX_EXTENDS_DEPTH as u64 - 1);
    let e = chain(MAX_EXTENDS_DEPTH + 1).0.unwrap_err().to_string();
    assert!(e.contains(&format!("longer than {MAX_EXTENDS_DEPTH} files")), "{e}");
}

#[test]
fn issue_15_schema_is_ignored_and_extends_needs_a_file() {
    let mut doc = resolved(&shipped("generic-green-red"));
    doc["$schema"] = json!("../docs/scenario.schema.json");
    let s = Scenario::from_value(Path::new("s.json"), doc.clone()).unwrap();
    assert_eq!(s.spec().name, "generic-green-red");
    doc["extends"] = json!("base.json");
    let e = Scenario::from_value(Path::new("s.json"), doc).unwrap_err().to_string();
    assert!(
        e.starts_with("s.json: extends: a document built in memory cannot extend a file"),
        "{e}"
    );
    // `$schema` is the only such key: anything else at the top is unknown.
    let mut doc = resolved(&shipped("generic-green-red"));
    doc["$id"] = json!("x");
    assert!(
        Scenario::from_value(Path::new("s.json"), doc)
            .unwrap_err()
            .to_string()
            .contains("unknown field `$id`")
    );
}
