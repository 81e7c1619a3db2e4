//! One set of flags (issue 17 item 2): the sampling shorthands on every
//! simulating command, one precision syntax, a format for every command,
//! and a scenario from stdin.

use serde_json::Value;

use super::{
    EXIT_INVALID, SMALL, TINY_SETS, apim, aznetsim, failure_of, parse_csv, reference, stdout_of,
};

/// A small run with seed 3, as `--set` overrides.
const AS_SETS: [&str; 8] = [
    "--set",
    "workload.warmup_requests=200",
    "--set",
    "workload.requests=2000",
    "--set",
    "replications=2",
    "--set",
    "seed=3",
];

/// The same, with the shorthand flags.
const AS_FLAGS: [&str; 8] = [
    "--set",
    "workload.warmup_requests=200",
    "--requests",
    "2e3",
    "--replications",
    "2",
    "--seed",
    "3",
];

/// The same small sweep, its shorthands as `--set` or as flags.
#[test]
fn sweep_takes_seed_replications_and_requests() {
    let vary = ["--vary", "workload.arrival.rate_per_s=500,1000", "-q"];
    let sweep =
        |extra: &[&str]| stdout_of(aznetsim().arg("sweep").arg(apim()).args(vary).args(extra));
    let with_flags = sweep(&AS_FLAGS);
    assert_eq!(sweep(&AS_SETS), with_flags);
    assert_ne!(with_flags, sweep(&TINY_SETS), "--seed 3 changed nothing");
}

#[test]
fn capacity_takes_the_shorthands_and_both_precision_forms() {
    let base = ["--slo", "p99<=200ms", "--route", "red", "--format", "json", "-q"];
    let run =
        |extra: &[&str]| stdout_of(aznetsim().arg("capacity").arg(apim()).args(base).args(extra));
    let pct = run(&[&AS_FLAGS[..], &["--precision", "20%"]].concat());
    let frac = run(&[&AS_SETS[..], &["--precision", "0.2"]].concat());
    assert_eq!(pct, frac);
    let doc: Value = serde_json::from_str(&pct).unwrap();
    assert_eq!((doc["seed"].as_u64(), doc["replications"].as_u64()), (Some(3), Some(2)));
}

#[test]
fn a_route_prefix_on_the_capacity_slo_is_the_route() {
    let stderr = failure_of(
        aznetsim().arg("capacity").arg(apim()).args(TINY_SETS).args([
            "--slo",
            "red:p99<=1s",
            "--route",
            "green",
        ]),
        EXIT_INVALID,
    );
    assert!(stderr.contains("is for route red but --route is green"), "{stderr}");
    let stderr = failure_of(
        aznetsim().arg("capacity").arg(apim()).args(TINY_SETS).args(["--slo", "rejected<=1%"]),
        EXIT_INVALID,
    );
    assert!(stderr.contains("capacity searches for a latency objective"), "{stderr}");
}

#[test]
fn run_prints_csv_rows_equal_to_its_saved_summary() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("out");
    let csv = stdout_of(
        aznetsim()
            .arg("run")
            .arg(reference())
            .args(SMALL)
            .args(["--format", "csv", "-q", "--out"])
            .arg(&dir),
    );
    assert_eq!(csv, std::fs::read_to_string(dir.join("summary.csv")).unwrap());
    let rows = parse_csv(&csv);
    assert_eq!(rows[0][..3], ["point", "route", "offered"]);
    assert_eq!(rows.len(), 3, "a header and one row per route:\n{csv}");
    assert_eq!((rows[1][1].as_str(), rows[2][1].as_str()), ("green", "red"));
}

#[test]
fn validate_explain_and_catalog_print_json() {
    let bad = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(bad.path(), "{\"name\": 3}").unwrap();
    let out = aznetsim()
        .args(["validate", "--format", "json"])
        .arg(reference())
        .arg(bad.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(EXIT_INVALID));
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    let files = doc["files"].as_array().unwrap();
    assert_eq!(files[0]["status"], "ok");
    assert_eq!(files[0]["routes"], 2);
    assert_eq!(files[1]["status"], "invalid");
    let error = files[1]["error"].as_str().unwrap();
    assert!(error.starts_with(&bad.path().display().to_string()), "{error}");

    let doc: Value = serde_json::from_str(&stdout_of(
        aznetsim().args(["explain", "--format", "json"]).arg(reference()),
    ))
    .unwrap();
    assert_eq!(doc["scenario"], "generic-green-red");
    assert_eq!(doc["mean_rate_per_s"], 2000.0);
    let routes = doc["routes"].as_array().unwrap();
    assert_eq!(routes.len(), 2);
    for r in routes {
        let hops = r["hops"].as_array().unwrap();
        let floor: f64 = hops.iter().map(|h| h["floor_ms"].as_f64().unwrap()).sum();
        assert!((floor - r["floor_ms"].as_f64().unwrap()).abs() < 1e-9);
        assert_eq!(hops[0]["node"], "client");
    }

    let doc: Value =
        serde_json::from_str(&stdout_of(aznetsim().args(["catalog", "--format", "json"]))).unwrap();
    let tags: Vec<&str> =
        doc["tags"].as_array().unwrap().iter().map(|t| t["tag"].as_str().unwrap()).collect();
    assert_eq!(tags, ["OFF", "MEAS", "SEC", "DER", "EST", "OLD"]);
    let figures = doc["figures"].as_array().unwrap();
    let markdown = stdout_of(aznetsim().arg("catalog"));
    let rows = markdown.lines().filter(|l| l.starts_with("| `")).count();
    assert_eq!(figures.len(), rows, "every figure of the table is in the JSON");
    assert!(figures.iter().all(|f| tags.contains(&f["tag"].as_str().unwrap())));
    // Issue 11 item 8: an estimate's range, with its reasoning; null elsewhere.
    let by_key = |k: &str| figures.iter().find(|f| f["key"] == k).unwrap();
    let r = &by_key("apim.gateway_latency_ms")["range"];
    assert_eq!((r["low"].as_f64(), r["high"].as_f64()), (Some(1.0), Some(10.0)));
    assert!(r["why"].as_str().is_some_and(|w| !w.is_empty()));
    assert!(by_key("tcp.handshake_rtts")["range"].is_null());
}

#[test]
fn the_catalog_explains_its_tags_under_the_table() {
    let markdown = stdout_of(aznetsim().arg("catalog"));
    let table = markdown.find("| key |").expect("the figures table");
    let legend = markdown.find("Tags (how reliable a figure is)").expect("the tags' legend");
    assert!(legend > table, "the legend comes under the figures table");
    for tag in ["OFF", "MEAS", "SEC", "DER", "EST", "OLD"] {
        let at = markdown.find(&format!("- {tag}: ")).unwrap_or_else(|| panic!("{tag} explained"));
        assert!(at > legend, "{tag} is explained in the legend");
    }
}

/// `aznetsim ARGS` with `stdin` as its standard input.
fn with_stdin(args: &[&str], stdin: &str) -> std::process::Output {
    aznetsim().args(args).write_stdin(stdin).output().unwrap()
}

#[test]
fn a_scenario_is_read_from_stdin_with_a_dash() {
    let text = std::fs::read_to_string(reference()).unwrap();
    let from_file =
        stdout_of(aznetsim().arg("run").arg(reference()).args(SMALL).args(["--format", "json"]));
    let out = with_stdin(&[&["run", "-"][..], &SMALL, &["--format", "json"]].concat(), &text);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(String::from_utf8(out.stdout).unwrap(), from_file);
    let out = with_stdin(&["validate", "-"], &text);
    assert!(String::from_utf8(out.stdout).unwrap().starts_with("<stdin>: ok"));
    // Errors name <stdin>, with the JSON path.
    let broken = text.replacen("\"replications\": 4", "\"replications\": \"four\"", 1);
    assert_ne!(broken, text);
    let out = with_stdin(&["explain", "-"], &broken);
    assert_eq!(out.status.code(), Some(EXIT_INVALID));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(stderr.starts_with("aznetsim: error: <stdin>: replications"), "{stderr}");
    let out = with_stdin(&["validate", "-", "-"], &text);
    assert_eq!(out.status.code(), Some(EXIT_INVALID));
    assert!(String::from_utf8_lossy(&out.stderr).contains("stdin holds one scenario"));
}

#[test]
fn bursty_arrivals_state_the_burst_rate_and_the_mean() {
    let mut doc: Value =
        serde_json::from_str(&std::fs::read_to_string(reference()).unwrap()).unwrap();
    doc["workload"]["arrival"] =
        serde_json::json!({"kind": "on_off", "rate_per_s": 4000, "on_ms": 100, "off_ms": 300});
    let tmp = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(tmp.path(), doc.to_string()).unwrap();
    let want = "arrivals on_off: 4000 req/s during bursts (mean burst 100 ms, mean silence 300 ms), mean rate 1000 req/s";
    let explain = stdout_of(aznetsim().arg("explain").arg(tmp.path()));
    assert!(explain.contains(want), "{explain}");
    let table = stdout_of(aznetsim().arg("run").arg(tmp.path()).args(SMALL));
    assert!(table.contains(want), "{table}");
    let json: Value = serde_json::from_str(&stdout_of(
        aznetsim().arg("run").arg(tmp.path()).args(SMALL).args(["--format", "json"]),
    ))
    .unwrap();
    assert!((json["mean_rate_per_s"].as_f64().unwrap() - 1000.0).abs() < 1e-9);
}
