//! `run --out DIR`: a results directory written whole or not at all, never
//! over an existing one without `--force`, which `merge` reads back.

use std::path::Path;
use std::time::Duration;

use serde_json::Value;

use super::{EXIT_INVALID, SMALL, apim, aznetsim, entries, failure_of, parse_csv, stdout_of};

/// What `run --out` writes for apim-hub-proxy.json, and nothing else.
const RUN_FILES: [&str; 7] = [
    "green.hlog",
    "manifest.json",
    "red.hlog",
    "scenario.json",
    "states.jsonl",
    "summary.csv",
    "summary.json",
];

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn json(path: &Path) -> Value {
    serde_json::from_str(&read(path)).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn run_out_writes_the_documented_files_and_merge_reads_them_back() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("run");
    let stdout = stdout_of(
        aznetsim()
            .arg("run")
            .arg(apim())
            .args(SMALL)
            .args(["--set", "workload.arrival.rate_per_s=900", "--format", "json", "--quiet"])
            .arg("--out")
            .arg(&dir),
    );
    assert_eq!(entries(tmp.path()), ["run"], "nothing beside the directory");
    assert_eq!(entries(&dir), RUN_FILES);

    // The resolved scenario: the file with every override applied.
    let scenario = json(&dir.join("scenario.json"));
    assert_eq!(scenario["name"], "apim-hub-proxy");
    assert_eq!(scenario["workload"]["arrival"]["rate_per_s"], 900);
    assert_eq!(scenario["workload"]["requests"], 5000);
    assert_eq!(scenario["replications"], 2);

    // summary.json is the run JSON, the very bytes printed on stdout.
    assert_eq!(read(&dir.join("summary.json")), stdout);
    let summary = json(&dir.join("summary.json"));
    assert_eq!(summary["scenario"], "apim-hub-proxy");
    assert_eq!(summary["replications"], 2);
    let routes = summary["routes"].as_array().unwrap();

    let manifest = json(&dir.join("manifest.json"));
    assert_eq!(manifest["command"], "run");
    assert_eq!(manifest["scenario"], "apim-hub-proxy");
    assert_eq!((manifest["seed"].as_u64(), manifest["replications"].as_u64()), (Some(42), Some(2)));

    let states = read(&dir.join("states.jsonl"));
    let names: Vec<Value> = states
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap()["route"].clone())
        .collect();
    assert_eq!(names, ["green", "red"]);

    let csv = read(&dir.join("summary.csv"));
    assert!(csv.starts_with("point,route,offered,completed,"), "{csv}");
    let records = parse_csv(&csv);
    let routes_in_csv: Vec<&str> = records[1..].iter().map(|r| r[1].as_str()).collect();
    assert_eq!(routes_in_csv, ["green", "red"], "{csv}");

    // One HdrHistogram interval log per route: comment lines, then one
    // interval tagged with the route whose histogram is V2 compressed
    // (base64 "HISTF...") and holds every completed request.
    for route in routes {
        let name = route["name"].as_str().unwrap();
        let log = read(&dir.join(format!("{name}.hlog")));
        assert!(log.starts_with('#'), "{name}.hlog:\n{log}");
        let tagged: Vec<&str> =
            log.lines().filter(|l| l.starts_with(&format!("Tag={name},"))).collect();
        assert_eq!(tagged.len(), 1, "{name}.hlog:\n{log}");
        let fields: Vec<&str> = tagged[0].split(',').collect();
        assert_eq!(fields.len(), 5, "Tag, start, length, max and histogram: {}", tagged[0]);
        let encoded = fields[4];
        assert!(encoded.starts_with("HISTF"), "not a V2 compressed histogram: {encoded}");
        let h = sim_scenarios::report::decode_histogram(encoded).expect("the histogram decodes");
        assert_eq!(h.len(), route["completed"].as_u64().unwrap(), "{name}");
        let max_ms: f64 = fields[3].parse().unwrap();
        let reported = route["latency_ms"]["max"].as_f64().unwrap();
        assert!((max_ms - reported).abs() <= 0.001 * reported, "{name}: {max_ms} vs {reported}");
    }

    // merge of the directory prints its summary.csv byte for byte.
    assert_eq!(stdout_of(aznetsim().arg("merge").arg(&dir)), csv);
}

#[test]
fn an_existing_dir_is_left_untouched_without_force_and_replaced_with_it() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("run");
    std::fs::create_dir(&dir).unwrap();
    std::fs::write(dir.join("keep.txt"), "mine").unwrap();

    // Refused before any simulation: this run would take minutes.
    let stderr = failure_of(
        aznetsim()
            .timeout(Duration::from_secs(20))
            .arg("run")
            .arg(apim())
            .args(["--requests", "100000000", "--replications", "8", "--out"])
            .arg(&dir),
        EXIT_INVALID,
    );
    assert!(stderr.contains(&format!("{}: already exists", dir.display())), "{stderr}");
    assert!(stderr.contains("--force"), "{stderr}");
    assert_eq!(entries(&dir), ["keep.txt"]);
    assert_eq!(read(&dir.join("keep.txt")), "mine");

    stdout_of(
        aznetsim().arg("run").arg(apim()).args(SMALL).args(["-q", "--force", "--out"]).arg(&dir),
    );
    assert_eq!(entries(&dir), RUN_FILES);
    assert_eq!(entries(tmp.path()), ["run"], "nothing left beside the directory");
}

#[test]
fn a_run_that_fails_writes_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    // Invalid before the simulation.
    let dir = tmp.path().join("run");
    let stderr = failure_of(
        aznetsim()
            .arg("run")
            .arg(apim())
            .args(SMALL)
            .args(["--set", "workload.arrival.rate_per_s=fast"])
            .arg("--out")
            .arg(&dir),
        EXIT_INVALID,
    );
    assert!(stderr.contains("workload.arrival.rate_per_s"), "{stderr}");
    assert!(entries(tmp.path()).is_empty(), "left behind: {:?}", entries(tmp.path()));

    // Fails after the simulation, when writing: the parent is a file.
    let file = tmp.path().join("file");
    std::fs::write(&file, "").unwrap();
    let stderr = failure_of(
        aznetsim().arg("run").arg(apim()).args(SMALL).arg("--out").arg(file.join("run")),
        EXIT_INVALID,
    );
    assert!(stderr.contains(&file.display().to_string()), "{stderr}");
    assert_eq!(entries(tmp.path()), ["file"]);
}

/// `--out` without a value, run in a fresh current directory, with the
/// arguments before and after it.
fn default_out(args_after: &[&str]) {
    let cwd = tempfile::tempdir().unwrap();
    let out = aznetsim()
        .current_dir(cwd.path())
        .arg("run")
        .arg(apim())
        .args(SMALL)
        .args(["--format", "json", "--out"])
        .args(args_after)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    // stdout holds the results alone; where they were saved goes to stderr.
    serde_json::from_slice::<Value>(&out.stdout).expect("stdout is the run JSON");
    assert_eq!(entries(cwd.path()), ["results"]);
    let by_scenario = cwd.path().join("results/apim-hub-proxy");
    let stamps = entries(&by_scenario);
    assert_eq!(stamps.len(), 1, "{stamps:?}");
    // YYYYMMDDTHHMMSSZ, UTC.
    let stamp = stamps[0].as_bytes();
    assert!(
        stamp.len() == 16
            && stamp[8] == b'T'
            && stamp[15] == b'Z'
            && stamp.iter().enumerate().all(|(i, c)| i == 8 || i == 15 || c.is_ascii_digit()),
        "{}",
        stamps[0]
    );
    assert_eq!(entries(&by_scenario.join(&stamps[0])), RUN_FILES);
    if args_after.is_empty() {
        let saved = format!("aznetsim: results saved in results/apim-hub-proxy/{}", stamps[0]);
        let mut lines = stderr.lines();
        assert_eq!(lines.next(), Some(saved.as_str()), "{stderr}");
        assert!(lines.all(|l| l.starts_with("aznetsim: warning")), "{stderr}");
    }
}

#[test]
fn out_without_a_value_saves_under_results_scenario_timestamp() {
    default_out(&[]);
    default_out(&["--quiet"]);
}
