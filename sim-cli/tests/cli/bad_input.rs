//! Invalid input: exit code 2, nothing on stdout, and one message on stderr
//! naming the file, the JSON path and what is wrong. Never a panic.

use std::path::Path;

use serde_json::{Value, json};

use super::{EXIT_INVALID, Mutation, aznetsim, reference};

/// A valid scenario small enough to read at a glance; every case breaks it
/// in exactly one place.
fn minimal() -> Value {
    json!({
        "name": "minimal",
        "seed": 5,
        "replications": 2,
        "workload": {
            "arrival": { "kind": "poisson", "rate_per_s": 100 },
            "requests": 200,
            "warmup_requests": 20
        },
        "nodes": {
            "client": { "kind": "client" },
            "fw": { "kind": "station", "servers": 1,
                    "service_ms": { "kind": "constant", "value": 0.1 } },
            "backend": { "kind": "station", "servers": 2,
                         "service_ms": { "kind": "lognormal", "mean": 1.0, "p99": 4.0 } }
        },
        "links": [
            { "between": ["client", "fw"], "latency_ms": { "kind": "constant", "value": 0.5 } },
            { "between": ["fw", "backend"], "latency_ms": { "kind": "constant", "value": 1.0 },
              "bandwidth_mbps": 1000 }
        ],
        "routes": [ { "name": "direct", "path": ["client", "fw", "backend"] } ]
    })
}

/// How a case breaks the minimal scenario.
enum Edit {
    /// Changes the document.
    Json(Mutation),
    /// Writes raw text at a JSON pointer: numbers that a `Value` cannot hold.
    Raw(&'static str, &'static str),
    /// Rewrites the pretty-printed file.
    Text(fn(String) -> String),
}

struct Case {
    /// Also the file name, so a message naming the wrong file shows.
    name: &'static str,
    edit: Edit,
    /// The JSON path the message must name (`None`: there is none, e.g. an
    /// empty file).
    path: Option<&'static str>,
    /// A fragment of what the message must say.
    says: &'static str,
}

const fn case(name: &'static str, edit: Edit, path: &'static str, says: &'static str) -> Case {
    Case { name, edit, path: Some(path), says }
}

const fn case_without_path(name: &'static str, edit: Edit, says: &'static str) -> Case {
    Case { name, edit, path: None, says }
}

fn set(v: &mut Value, pointer: &str, new: Value) {
    *v.pointer_mut(pointer).unwrap_or_else(|| panic!("{pointer} exists")) = new;
}

fn push(v: &mut Value, pointer: &str, new: Value) {
    v.pointer_mut(pointer).and_then(Value::as_array_mut).expect("an array").push(new);
}

fn insert(v: &mut Value, pointer: &str, key: &str, new: Value) {
    v.pointer_mut(pointer)
        .and_then(Value::as_object_mut)
        .expect("an object")
        .insert(key.into(), new);
}

/// Every case of the issue, and a few more. One row per case: the table
/// reads best unwrapped.
#[rustfmt::skip]
fn cases() -> Vec<Case> {
    use Edit::{Json, Raw, Text};
    vec![
        // Not JSON, or not a scenario object.
        case("malformed-json", Text(|s| s.replacen("\"servers\": 1,", "\"servers\": 1", 1)), "nodes.fw", "not valid JSON"),
        case_without_path("truncated-json", Text(|s| s[..s.len() / 2].to_string()), "truncated"),
        case_without_path("empty-file", Text(|_| String::new()), "truncated"),
        case_without_path("trailing-characters", Text(|s| s + "}"), "trailing characters"),
        case_without_path("not-an-object", Json(|v| *v = json!([1, 2])), "must be a JSON object"),
        // Unknown fields, at every level, and a missing one.
        case("unknown-field-top-level", Json(|v| insert(v, "", "seeed", json!(1))), "seeed", "unknown field"),
        case("unknown-field-workload", Json(|v| insert(v, "/workload", "round_trips", json!(true))), "workload.round_trips", "unknown field"),
        case("unknown-field-node", Json(|v| insert(v, "/nodes/backend", "queue_limt", json!(8))), "nodes.backend.queue_limt", "unknown field"),
        case("unknown-field-distribution", Json(|v| insert(v, "/nodes/backend/service_ms", "p95", json!(3.0))), "nodes.backend.service_ms.p95", "unknown field"),
        case("unknown-field-link", Json(|v| insert(v, "/links/1", "bandwidth_mpbs", json!(100))), "links[1].bandwidth_mpbs", "unknown field"),
        case("unknown-field-route", Json(|v| insert(v, "/routes/0", "weigth", json!(0.5))), "routes[0].weigth", "unknown field"),
        case("missing-field", Json(|v| { v["nodes"]["backend"].as_object_mut().unwrap().remove("service_ms"); }), "nodes.backend.service_ms", "missing field `service_ms`"),
        // Unknown kinds.
        case("unknown-node-kind", Json(|v| set(v, "/nodes/backend/kind", json!("router"))), "nodes.backend.kind", "router"),
        case("unknown-distribution-kind", Json(|v| set(v, "/nodes/backend/service_ms/kind", json!("weibull"))), "nodes.backend.service_ms.kind", "weibull"),
        case("unknown-arrival-kind", Json(|v| set(v, "/workload/arrival/kind", json!("hawkes"))), "workload.arrival.kind", "hawkes"),
        // Routes.
        case("repeated-route-name", Json(|v| push(v, "/routes", json!({"name": "direct", "path": ["client", "fw"]}))), "routes[1].name", "direct"),
        case("path-unknown-node", Json(|v| set(v, "/routes/0/path/2", json!("ghost"))), "routes[0].path[2]", "unknown node 'ghost'"),
        case("path-without-link", Json(|v| set(v, "/routes/0/path", json!(["client", "backend"]))), "routes[0].path[1]", "no link between 'client' and 'backend'"),
        case("path-of-one-node", Json(|v| set(v, "/routes/0/path", json!(["client"]))), "routes[0].path", "at least two nodes"),
        case("path-empty", Json(|v| set(v, "/routes/0/path", json!([]))), "routes[0].path", "at least two nodes"),
        case("client-mid-path", Json(|v| set(v, "/routes/0/path", json!(["fw", "client", "backend"]))), "routes[0].path[1]", "can only start a route"),
        // Links.
        case("link-unknown-node", Json(|v| set(v, "/links/1/between/1", json!("ghost"))), "links[1].between[1]", "unknown node 'ghost'"),
        case("duplicate-link", Json(|v| push(v, "/links", json!({"between": ["fw", "client"], "latency_ms": {"kind": "constant", "value": 1}}))), "links[2].between", "already linked"),
        case("zero-bandwidth", Json(|v| set(v, "/links/1/bandwidth_mbps", json!(0))), "links[1].bandwidth_mbps", "must be > 0"),
        // Numbers outside their domain.
        case("negative-duration", Json(|v| set(v, "/links/0/latency_ms/value", json!(-1))), "links[0].latency_ms.value", "got -1"),
        case("non-finite-duration", Raw("/links/0/latency_ms/value", "1e999"), "links[0].latency_ms.value", "out of range"),
        case("negative-rate", Json(|v| set(v, "/workload/arrival/rate_per_s", json!(-100))), "workload.arrival.rate_per_s", "got -100"),
        case("zero-servers", Json(|v| set(v, "/nodes/backend/servers", json!(0))), "nodes.backend.servers", "got 0"),
        case("negative-servers", Json(|v| set(v, "/nodes/backend/servers", json!(-2))), "nodes.backend.servers", "got -2"),
        case("fractional-servers", Json(|v| set(v, "/nodes/backend/servers", json!(1.5))), "nodes.backend.servers", "got 1.5"),
        case("zero-mean", Json(|v| set(v, "/nodes/backend/service_ms/mean", json!(0))), "nodes.backend.service_ms.mean", "must be > 0"),
        case("negative-mean", Json(|v| set(v, "/nodes/backend/service_ms/mean", json!(-1))), "nodes.backend.service_ms.mean", "must be > 0"),
        case("lognormal-p99-below-mean", Json(|v| set(v, "/nodes/backend/service_ms/p99", json!(0.5))), "nodes.backend.service_ms.p99", "below the mean"),
        case("warmup-equals-requests", Json(|v| set(v, "/workload/warmup_requests", json!(200))), "workload.warmup_requests", "must be smaller"),
        case("warmup-above-requests", Json(|v| set(v, "/workload/warmup_requests", json!(500))), "workload.warmup_requests", "must be smaller"),
        case("zero-replications", Json(|v| set(v, "/replications", json!(0))), "replications", "got 0"),
        case("requests-overflow", Raw("/workload/requests", "1e30"), "workload.requests", "whole number"),
        case("seed-overflow", Raw("/seed", "18446744073709551616"), "seed", "whole number"),
        case("negative-seed", Json(|v| set(v, "/seed", json!(-1))), "seed", "whole number"),
        case("servers-overflow", Json(|v| set(v, "/nodes/backend/servers", json!(99_999_999_999u64))), "nodes.backend.servers", "got 99999999999"),
        case("empirical-not-from-zero", Json(|v| set(v, "/nodes/backend/service_ms", json!({"kind": "empirical", "percentiles": [[5, 0.5], [100, 2.0]]}))), "nodes.backend.service_ms.percentiles", "first percentile must be 0"),
        // Valid elsewhere, not here.
        case("mix-mode-without-weight", Json(|v| insert(v, "", "mode", json!("mix"))), "routes[0].weight", "needs a weight"),
        case("zero-weight-in-mix-mode", Json(|v| { insert(v, "", "mode", json!("mix")); insert(v, "/routes/0", "weight", json!(0)); }), "routes[0].weight", "must be > 0"),
        case("weight-in-compare-mode", Json(|v| insert(v, "/routes/0", "weight", json!(0.5))), "routes[0].weight", "mix"),
        // Issue 10: a key given twice (the last used to win silently).
        case("duplicate-key", Text(|s| s.replacen("\"seed\": 5,", "\"seed\": 5,\n  \"seed\": 6,", 1)), "seed", "duplicate key \"seed\""),
        case("duplicate-key-in-node", Text(|s| s.replacen("\"servers\": 2,", "\"servers\": 2, \"servers\": 3,", 1)), "nodes.backend.servers", "duplicate key \"servers\""),
        // Issue 10: names that became file names outside --out, or reached
        // the terminal raw.
        case("route-name-parent-dir", Json(|v| set(v, "/routes/0/name", json!("../x"))), "routes[0].name", "is not allowed"),
        case("route-name-absolute", Json(|v| set(v, "/routes/0/name", json!("/tmp/x"))), "routes[0].name", "is not allowed"),
        case("route-name-newline", Json(|v| set(v, "/routes/0/name", json!("a\nb"))), "routes[0].name", "is not allowed"),
        case("route-name-ansi-escape", Json(|v| set(v, "/routes/0/name", json!("\u{1b}[31mred"))), "routes[0].name", "is not allowed"),
        case("scenario-name-hidden", Json(|v| set(v, "/name", json!(".hidden"))), "name", "is not allowed"),
        case("node-name-with-dot", Text(|s| s.replace("\"fw\"", "\"hub.fw\"")), "nodes[\"hub.fw\"]", "node names may hold"),
        // Issue 10: values validate accepted and the run failed on.
        case("pareto-infinite-mean", Json(|v| set(v, "/nodes/backend/service_ms", json!({"kind": "pareto", "scale": 1, "shape": 0.9}))), "nodes.backend.service_ms.shape", "infinite mean"),
        case("tiny-bandwidth", Json(|v| set(v, "/links/1/bandwidth_mbps", json!(5e-324))), "links[1].bandwidth_mbps", "at least"),
        case("servers-near-2-to-the-31", Json(|v| set(v, "/nodes/backend/servers", json!(2_147_483_647))), "nodes.backend.servers", "from 1 to 100000"),
    ]
}

/// Writes the case's file into `dir` and returns its path.
fn write_case(dir: &Path, c: &Case) -> std::path::PathBuf {
    let mut doc = minimal();
    let text = match &c.edit {
        Edit::Json(f) => {
            f(&mut doc);
            serde_json::to_string_pretty(&doc).unwrap()
        }
        Edit::Raw(pointer, raw) => {
            set(&mut doc, pointer, json!("@RAW@"));
            serde_json::to_string_pretty(&doc).unwrap().replacen("\"@RAW@\"", raw, 1)
        }
        Edit::Text(f) => f(serde_json::to_string_pretty(&doc).unwrap()),
    };
    let file = dir.join(format!("{}.json", c.name));
    std::fs::write(&file, text).unwrap();
    file
}

/// What is wrong with a failed run's output, if anything.
pub(super) fn check_failure(
    out: &std::process::Output,
    file: &str,
    path: Option<&str>,
    says: &str,
) -> Vec<String> {
    let stderr = String::from_utf8_lossy(&out.stderr);
    let mut problems = Vec::new();
    if out.status.code() != Some(EXIT_INVALID) {
        problems.push(format!("exit status {:?}, want {EXIT_INVALID}", out.status));
    }
    if !out.stdout.is_empty() {
        problems.push(format!("stdout not empty: {}", String::from_utf8_lossy(&out.stdout)));
    }
    if stderr.contains("panicked") {
        problems.push("panicked".into());
    }
    if !stderr.contains(file) {
        problems.push(format!("does not name the file {file}"));
    }
    // The file name may contain the words a case looks for: look after it.
    let message = stderr.rsplit(file).next().unwrap_or_default();
    if let Some(p) = path {
        // Invalid content reads "FILE: PATH: ...", a syntax error
        // "FILE:LINE:COL: ... (in PATH)".
        if !message.starts_with(&format!(": {p}: ")) && !message.contains(&format!("(in {p})")) {
            problems.push(format!("does not name the JSON path {p}"));
        }
    }
    if !message.contains(says) {
        problems.push(format!("does not say {says:?}"));
    }
    // Conventions item 13: no trailing period.
    if stderr.trim_end().ends_with('.') {
        problems.push("ends with a period".into());
    }
    problems
}

#[test]
fn the_minimal_scenario_is_valid() {
    // Otherwise every case below would fail for the wrong reason.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("minimal.json");
    std::fs::write(&file, serde_json::to_string_pretty(&minimal()).unwrap()).unwrap();
    aznetsim().arg("run").arg(&file).arg("--quiet").assert().success();
}

#[test]
fn every_invalid_scenario_exits_2_naming_file_and_path() {
    let dir = tempfile::tempdir().unwrap();
    let mut failures = Vec::new();
    let cases = cases();
    for c in &cases {
        let file = write_case(dir.path(), c);
        let out = aznetsim().arg("run").arg(&file).output().unwrap();
        let problems = check_failure(&out, &file.display().to_string(), c.path, c.says);
        if !problems.is_empty() {
            failures.push(format!(
                "{}: {}\n  stderr: {}",
                c.name,
                problems.join("; "),
                String::from_utf8_lossy(&out.stderr).trim_end()
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

/// Runs `aznetsim ARGS` and expects a usage error: exit 2, empty stdout, no
/// panic, and `says` on stderr.
fn usage_error(args: &[&str], says: &[&str]) {
    let out = aznetsim().args(args).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(EXIT_INVALID), "{args:?}\nstderr: {stderr}");
    assert!(out.stdout.is_empty(), "{args:?}: stdout {}", String::from_utf8_lossy(&out.stdout));
    assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
    for s in says {
        assert!(stderr.contains(s), "{args:?}: stderr does not say {s:?}:\n{stderr}");
    }
}

#[test]
fn missing_file_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("no-such-scenario.json");
    let missing = missing.to_str().unwrap();
    usage_error(&["run", missing], &[missing, "cannot read"]);
}

#[test]
fn a_directory_is_not_a_scenario() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_str().unwrap();
    usage_error(&["run", d], &[d, "cannot read"]);
}

#[test]
fn unknown_flag_is_a_usage_error() {
    let r = reference();
    usage_error(&["run", r.to_str().unwrap(), "--sead", "3"], &["--sead"]);
    usage_error(&["frobnicate"], &["frobnicate"]);
    usage_error(&[], &["Usage"]);
}

#[test]
fn zero_threads_is_refused() {
    let r = reference();
    usage_error(&["run", r.to_str().unwrap(), "--threads", "0"], &["--threads"]);
}

#[test]
fn out_of_range_flags_are_refused() {
    let r = reference();
    let r = r.to_str().unwrap();
    usage_error(&["run", r, "--seed", "-1"], &[]);
    usage_error(&["run", r, "--requests", "18446744073709551616"], &["--requests"]);
    usage_error(&["run", r, "--replications", "0"], &["replications", "got 0"]);
    usage_error(&["run", r, "--format", "xml"], &["xml"]);
}

#[test]
fn set_with_a_wrong_path_names_it_and_what_exists() {
    let r = reference();
    let r = r.to_str().unwrap();
    usage_error(
        &["run", r, "--set", "workload.arival.rate_per_s=5000"],
        &[r, "workload.arival.rate_per_s", "'arival' does not exist", "arrival"],
    );
    usage_error(&["run", r, "--set", "routes.7.name=x"], &["routes.7.name", "list of 2"]);
    usage_error(&["run", r, "--set", "seed"], &["PATH=VALUE"]);
    // A path that exists but a value that does not fit is a scenario error.
    usage_error(
        &["run", r, "--set", "workload.arrival.rate_per_s=fast"],
        &[r, "workload.arrival.rate_per_s", "fast"],
    );
}

/// Regression: per-parameter bounds do not bound each sample or the time a
/// queue accumulates; `sim-core` used to panic when simulated time overflowed
/// its u64 nanoseconds. It now stops with `RunError::TimeOverflow`, which the
/// CLI reports as exit 2 (or the run is bounded and exits 0).
#[test]
fn extreme_but_accepted_values_do_not_panic() {
    let cases: [(&str, Mutation); 4] = [
        ("pareto-heavy-tail", |v| {
            set(
                v,
                "/nodes/backend/service_ms",
                json!({"kind": "pareto", "scale": 1, "shape": 0.01}),
            );
        }),
        ("queue-of-long-services", |v| {
            set(v, "/nodes/backend/service_ms", json!({"kind": "constant", "value": 1e9}));
            set(v, "/workload/arrival/rate_per_s", json!(1e9));
            set(v, "/workload/requests", json!(100_000));
        }),
        ("huge-message-slow-link", |v| {
            set(v, "/links/1/bandwidth_mbps", json!(1e-6));
            insert(v, "/workload", "request_bytes", json!({"kind": "constant", "value": 1e12}));
        }),
        ("huge-message-per-byte-service", |v| {
            insert(v, "/nodes/backend", "service_ns_per_byte", json!(1e9));
            insert(v, "/workload", "request_bytes", json!({"kind": "constant", "value": 1e12}));
        }),
    ];
    let dir = tempfile::tempdir().unwrap();
    let mut failures = Vec::new();
    for (name, edit) in cases {
        let mut doc = minimal();
        edit(&mut doc);
        let file = dir.path().join(format!("{name}.json"));
        std::fs::write(&file, serde_json::to_string_pretty(&doc).unwrap()).unwrap();
        let out = aznetsim().arg("run").arg(&file).arg("--quiet").output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        let ok = match out.status.code() {
            Some(0) => stderr.is_empty(),
            Some(EXIT_INVALID) => stderr.contains(&file.display().to_string()),
            _ => false,
        };
        if !ok || stderr.contains("panicked") {
            let first = stderr.lines().find(|l| !l.trim().is_empty()).unwrap_or_default();
            failures.push(format!("{name}: {:?}: {first}", out.status));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Issue 10: a catalog override near the smallest double panicked (exit
/// 101) in validate, run, explain and sweep.
#[test]
fn issue_10_tiny_catalog_overrides_exit_2_in_every_command() {
    let file = super::root().join("scenarios/apim-hub-proxy.json");
    let file = file.to_str().unwrap();
    let path = "nodes.apim.capacity_per_unit_per_s";
    let set = format!("{path}=5e-324");
    let vary = format!("{path}=5e-324,1000");
    let commands: [&[&str]; 4] = [
        &["validate", file, "--set", &set],
        &["run", file, "--set", &set, "--quiet"],
        &["explain", file, "--set", &set],
        &["sweep", file, "--vary", &vary, "--quiet"],
    ];
    for args in commands {
        usage_error(args, &[path, "must be at least 0.001"]);
    }
}

/// Issue 10: a route named `../x` wrote `x.hlog` outside `--out DIR`; it
/// is refused before anything is simulated or written.
#[test]
fn issue_10_a_route_name_cannot_write_outside_out() {
    let dir = tempfile::tempdir().unwrap();
    let mut doc = minimal();
    set(&mut doc, "/routes/0/name", json!("../escape"));
    let file = dir.path().join("escape.json");
    std::fs::write(&file, serde_json::to_string_pretty(&doc).unwrap()).unwrap();
    let out = dir.path().join("results").join("run");
    usage_error(
        &["run", file.to_str().unwrap(), "--out", out.to_str().unwrap(), "--quiet"],
        &["routes[0].name", "is not allowed"],
    );
    assert!(!dir.path().join("results").join("escape.hlog").exists());
    assert!(!out.exists());
}
