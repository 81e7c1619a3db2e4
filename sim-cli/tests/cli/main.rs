//! End-to-end tests of the `aznetsim` binary, one module per behaviour.
//!
//! Every run is small (a few thousand requests, two replications), so the
//! whole binary takes seconds; every command has a timeout, so a hang fails
//! instead of stalling CI.

mod azure_bad_input;
mod bad_input;
mod bounds;
mod capacity;
mod cost;
mod determinism;
mod docs;
mod draw;
mod explain;
mod extends;
mod field_reference;
mod flags;
mod golden;
mod out;
mod pipes;
mod progress;
mod report_svg;
mod run_json;
mod run_table;
mod scenarios;
mod sensitivity;
mod shards;
mod slo;
mod sweep;
mod tamper;
mod throttling;
mod validate;

use std::path::{Path, PathBuf};
use std::time::Duration;

use assert_cmd::Command;

/// Longest any single invocation may take.
const TIMEOUT: Duration = Duration::from_secs(60);

/// Flags for a short run. The shipped scenarios warm up for more requests
/// than this, and a warm-up must be smaller than the request count, so it is
/// lowered too.
const SMALL: [&str; 6] =
    ["--requests", "5000", "--replications", "2", "--set", "workload.warmup_requests=500"];

/// [`SMALL`] as `--set` overrides, for the commands without the shorthand
/// flags (sweep, capacity).
const SMALL_SETS: [&str; 6] = [
    "--set",
    "workload.requests=5000",
    "--set",
    "workload.warmup_requests=500",
    "--set",
    "replications=2",
];

/// Smaller still, for tests of the shape of a sweep (grids, shards, thread
/// counts) rather than of its numbers.
const TINY_SETS: [&str; 6] = [
    "--set",
    "workload.requests=2000",
    "--set",
    "workload.warmup_requests=200",
    "--set",
    "replications=2",
];

/// Exit code when a check failed on valid input, e.g. `validate` found a
/// route whose initiator does not trust the terminator's CA.
const EXIT_CHECK_FAILED: i32 = 1;

/// Exit code for invalid input, usage and I/O errors (design.md, "CLI").
const EXIT_INVALID: i32 = 2;

/// A change to a scenario document.
type Mutation = fn(&mut serde_json::Value);

/// The workspace root.
fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// A scenario file as the loader sees it: its `extends` chain resolved (a
/// shipped variant is a patch of its base).
fn resolved(file: &Path) -> serde_json::Value {
    let text = std::fs::read_to_string(file).unwrap();
    sim_scenarios::file::resolve(file, &text).unwrap_or_else(|e| panic!("{e}")).value().clone()
}

/// The reference scenario every other test builds on.
fn reference() -> PathBuf {
    root().join("scenarios/generic-green-red.json")
}

/// Topology A (two routes, green and red): what the sweep, capacity and
/// `--out` tests run.
fn apim() -> PathBuf {
    root().join("scenarios/apim-hub-proxy.json")
}

/// Every shipped scenario, found at test time so a new file is covered
/// without touching the tests.
fn shipped_scenarios() -> Vec<PathBuf> {
    let dir = root().join("scenarios");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()))
        .map(|entry| entry.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no scenario files in {}", dir.display());
    files
}

/// The binary under test, with a timeout.
fn aznetsim() -> Command {
    let mut cmd = Command::cargo_bin("aznetsim").expect("the aznetsim binary is built");
    cmd.timeout(TIMEOUT);
    cmd
}

/// Runs `cmd`, expects success with nothing on stderr but warnings (a
/// shipped scenario may deserve some: they go to stderr, never stdout),
/// and returns stdout.
fn stdout_of(cmd: &mut Command) -> String {
    let out = cmd.output().expect("aznetsim runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{cmd:?} exited with {:?}\nstderr:\n{stderr}", out.status);
    for line in stderr.lines() {
        assert!(line.starts_with("aznetsim: warning"), "{cmd:?} wrote on stderr:\n{stderr}");
    }
    String::from_utf8(out.stdout).expect("stdout is UTF-8")
}

/// Runs `cmd`, expects exit `code` with nothing on stdout, and returns
/// stderr.
fn failure_of(cmd: &mut Command, code: i32) -> String {
    let out = cmd.output().expect("aznetsim runs");
    let stderr = String::from_utf8(out.stderr).expect("stderr is UTF-8");
    assert_eq!(out.status.code(), Some(code), "{cmd:?}\nstderr:\n{stderr}");
    assert!(
        out.stdout.is_empty(),
        "{cmd:?} wrote on stdout:\n{}",
        String::from_utf8_lossy(&out.stdout)
    );
    stderr
}

/// The records of CSV text, header first, read by the `csv` crate: an
/// independent reader of the CSV the sweep writes by hand, so quoting,
/// field counts (every record as long as the header) and line ends are
/// checked against RFC 4180 rather than against a second copy of the
/// writer's own rules.
fn parse_csv(text: &str) -> Vec<Vec<String>> {
    assert!(text.ends_with('\n'), "the last line has no line end:\n{text}");
    csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(text.as_bytes())
        .records()
        .map(|r| {
            let record = r.unwrap_or_else(|e| panic!("not valid CSV: {e}\n{text}"));
            record.iter().map(str::to_string).collect()
        })
        .collect()
}

/// The names of the entries of `dir`, sorted (hidden ones included).
fn entries(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()))
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}
