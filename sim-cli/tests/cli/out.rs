//! `run --out DIR`: a results directory written whole or not at all, never
//! over an existing one without `--force`, which `merge` reads back.

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::Value;

use super::{EXIT_INVALID, SMALL, apim, aznetsim, entries, failure_of, parse_csv, stdout_of};

/// A run that would take minutes: refusing it within the timeout proves
/// the refusal came before simulating.
const LONG: [&str; 4] = ["--requests", "100000000", "--replications", "8"];

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
    stdout_of(aznetsim().arg("run").arg(apim()).args(SMALL).args(["-q", "--out"]).arg(&dir));
    std::fs::write(dir.join("keep.txt"), "mine").unwrap();
    let mut before = RUN_FILES.map(String::from).to_vec();
    before.push("keep.txt".into());
    before.sort();

    // Refused before any simulation: this run would take minutes.
    let stderr = refused(&dir, &[]);
    assert!(stderr.contains(&format!("{}: already exists", dir.display())), "{stderr}");
    assert!(stderr.contains("--force"), "{stderr}");
    assert_eq!(entries(&dir), before);
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

/// A long run into `out` with `flags`, refused before simulating (within
/// a timeout far shorter than the run); its stderr.
fn refused(out: &Path, flags: &[&str]) -> String {
    failure_of(
        aznetsim()
            .timeout(Duration::from_secs(20))
            .arg("run")
            .arg(apim())
            .args(LONG)
            .args(flags)
            .arg("--out")
            .arg(out),
        EXIT_INVALID,
    )
}

fn refused_with_force(out: &Path) -> String {
    refused(out, &["--force"])
}

/// Issue 10, item 2: `--force` replaced any directory recursively, and
/// pointed at a regular file it exited 2 after simulating, with the results
/// written and a hidden `.f.old-PID` left behind.
#[test]
fn issue_10_force_replaces_only_a_results_directory_and_refuses_before_simulating() {
    let tmp = tempfile::tempdir().unwrap();
    // A directory of the user's.
    let mine = tmp.path().join("mine");
    std::fs::create_dir(&mine).unwrap();
    std::fs::write(mine.join("thesis.tex"), "years of work").unwrap();
    let stderr = refused_with_force(&mine);
    assert!(stderr.contains("holds no aznetsim manifest.json"), "{stderr}");
    assert_eq!(read(&mine.join("thesis.tex")), "years of work");
    // A regular file.
    let file = tmp.path().join("f");
    std::fs::write(&file, "data").unwrap();
    let stderr = refused_with_force(&file);
    assert!(stderr.contains("is not a directory"), "{stderr}");
    assert_eq!(read(&file), "data");
    // A directory whose manifest.json is someone else's.
    let other = tmp.path().join("other");
    std::fs::create_dir(&other).unwrap();
    std::fs::write(other.join("manifest.json"), r#"{"tool": "webpack"}"#).unwrap();
    let stderr = refused_with_force(&other);
    assert!(stderr.contains("holds no aznetsim manifest.json"), "{stderr}");
    #[cfg(unix)]
    {
        // A link to a results directory, and a dangling link.
        let results = tmp.path().join("results");
        stdout_of(
            aznetsim().arg("run").arg(apim()).args(SMALL).args(["-q", "--out"]).arg(&results),
        );
        let link = tmp.path().join("link");
        std::os::unix::fs::symlink(&results, &link).unwrap();
        let stderr = refused_with_force(&link);
        assert!(stderr.contains("is a symbolic link"), "{stderr}");
        assert_eq!(entries(&results), RUN_FILES);
        let dangling = tmp.path().join("dangling");
        std::os::unix::fs::symlink(tmp.path().join("nowhere"), &dangling).unwrap();
        let stderr = refused_with_force(&dangling);
        assert!(stderr.contains("is a symbolic link"), "{stderr}");
        let stderr = refused(&dangling, &[]);
        assert!(stderr.contains("already exists"), "{stderr}");
        assert!(!tmp.path().join("nowhere").exists());
    }
    let mut left = entries(tmp.path());
    left.retain(|n| n.starts_with('.'));
    assert!(left.is_empty(), "hidden leftovers: {left:?}");
}

/// Issue 10, item 2: a parent where nothing can be created is found by a
/// probe before simulating, not after hours of work. (`/proc/self` takes
/// no new directory, not even from root, for whom permission bits do not
/// count.)
#[cfg(target_os = "linux")]
#[test]
fn issue_10_an_unwritable_parent_is_found_before_simulating() {
    let out = Path::new("/proc/self/aznetsim-results");
    let stderr = refused(out, &[]);
    assert!(stderr.contains("/proc/self: cannot write there"), "{stderr}");
    assert!(stderr.contains("checked before simulating"), "{stderr}");
}

/// Starts a run into `dir` that pauses in its write phase (the test-only
/// hook) and returns it once its temporary directory holds its first
/// file.
#[expect(clippy::zombie_processes, reason = "the caller waits for the child it is given")]
fn paused_in_write(dir: &Path, pause_ms: u64) -> (std::process::Child, PathBuf) {
    let parent = dir.parent().unwrap();
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("aznetsim"))
        .arg("run")
        .arg(apim())
        .args(SMALL)
        .args(["-q", "--format", "json", "--out"])
        .arg(dir)
        .env("AZNETSIM_TEST_PAUSE_IN_WRITE_MS", pause_ms.to_string())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let prefix = format!(".{}.tmp-{}-", dir.file_name().unwrap().to_string_lossy(), child.id());
    let start = std::time::Instant::now();
    loop {
        // Once its first file is written, the write pauses.
        if let Some(t) = entries(parent).into_iter().find(|n| n.starts_with(&prefix))
            && parent.join(&t).join("scenario.json").is_file()
        {
            return (child, parent.join(t));
        }
        if start.elapsed() > Duration::from_secs(50) {
            let _ = child.kill();
            let out = child.wait_with_output().unwrap();
            panic!("no temporary in {}: {out:?}", parent.display());
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Issue 10, item 3: a SIGINT or SIGTERM during the write left a
/// `.NAME.tmp-PID/` behind, a new one each time.
#[cfg(target_os = "linux")]
#[test]
fn issue_10_a_signal_during_the_write_removes_the_temporary() {
    use std::os::unix::process::ExitStatusExt;
    for (signal, number) in [("TERM", 15), ("INT", 2), ("HUP", 1)] {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("run");
        let (child, temporary) = paused_in_write(&dir, 30_000);
        assert!(temporary.join("scenario.json").is_file(), "the write has begun");
        // The shell's own kill: no separate binary needed.
        let killed = std::process::Command::new("sh")
            .arg("-c")
            .arg(format!("kill -{signal} {}", child.id()))
            .status()
            .unwrap();
        assert!(killed.success());
        let out = child.wait_with_output().unwrap();
        assert_eq!(out.status.signal(), Some(number), "SIG{signal}: {:?}", out.status);
        assert!(entries(tmp.path()).is_empty(), "SIG{signal} left {:?}", entries(tmp.path()));
    }
}

/// Issue 10, item 3: temporaries of processes that ended (killed with
/// SIGKILL, the machine lost power) are removed at the next write to the
/// same target; those of live processes, of other targets and anything
/// not of our pattern are kept.
#[cfg(target_os = "linux")]
#[test]
fn issue_10_stale_temporaries_of_dead_processes_are_removed_at_the_next_write() {
    let tmp = tempfile::tempdir().unwrap();
    let mut gone = std::process::Command::new("true").spawn().unwrap();
    let dead = gone.id();
    gone.wait().unwrap();
    let alive = std::process::id();
    let stale = [format!(".run.tmp-{dead}-aB3xYz"), format!(".run.old-{dead}")];
    let kept = [
        format!(".run.tmp-{alive}-aB3xYz"),
        format!(".other.tmp-{dead}-aB3xYz"),
        format!(".run.tmp-{dead}-mine"),
        format!(".run.tmp-{dead}-aB3xYz.bak"),
    ];
    for name in stale.iter().chain(&kept) {
        std::fs::create_dir(tmp.path().join(name)).unwrap();
        std::fs::write(tmp.path().join(name).join("states.jsonl"), "").unwrap();
    }
    let out = aznetsim()
        .arg("run")
        .arg(apim())
        .args(SMALL)
        .args(["-q", "--out"])
        .arg(tmp.path().join("run"))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    for name in &stale {
        assert!(
            stderr.contains(&format!("removed {}", tmp.path().join(name).display())),
            "{stderr}"
        );
    }
    let mut want: Vec<String> = kept.to_vec();
    want.push("run".into());
    want.sort();
    assert_eq!(entries(tmp.path()), want);
}

/// Issue 10, item 2: when the write fails at the end after all (here the
/// target appeared while the run wrote), the results are still printed on
/// stdout and the error says they were not saved; what appeared is kept.
#[cfg(unix)]
#[test]
fn issue_10_a_write_that_fails_at_the_end_still_prints_the_results() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("run");
    let (child, _) = paused_in_write(&dir, 1_500);
    std::fs::create_dir(&dir).unwrap();
    std::fs::write(dir.join("theirs.txt"), "keep").unwrap();
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(EXIT_INVALID), "{stderr}");
    let report: Value = serde_json::from_slice(&out.stdout).expect("the results are on stdout");
    assert_eq!(report["scenario"], "apim-hub-proxy");
    assert!(stderr.contains("printed on stdout above, but they were not saved"), "{stderr}");
    assert!(stderr.contains(&format!("{}: already exists", dir.display())), "{stderr}");
    assert_eq!(entries(&dir), ["theirs.txt"]);
    assert_eq!(entries(tmp.path()), ["run"], "no temporary left");
}

/// Issue 10, item 1: a route named `../x` wrote `DIR/../x.hlog`, outside
/// DIR. Refused at load, or saved under a sanitised name inside DIR: never
/// outside.
#[test]
fn issue_10_a_route_named_dot_dot_slash_writes_nothing_outside_dir() {
    let tmp = tempfile::tempdir().unwrap();
    let mut doc = json(&apim());
    doc["routes"][0]["name"] = "../x".into();
    doc["routes"][1]["name"] = "/tmp/aznetsim-abs".into();
    let file = tmp.path().join("s.json");
    std::fs::write(&file, doc.to_string()).unwrap();
    let box_dir = tmp.path().join("box");
    std::fs::create_dir(&box_dir).unwrap();
    let dir = box_dir.join("run");
    let out = aznetsim()
        .arg("run")
        .arg(&file)
        .args(SMALL)
        .args(["-q", "--out"])
        .arg(&dir)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    match out.status.code() {
        Some(0) => {
            let hlogs: Vec<String> =
                entries(&dir).into_iter().filter(|n| n.ends_with(".hlog")).collect();
            assert_eq!(hlogs, ["_._x.hlog", "_tmp_aznetsim-abs.hlog"]);
        }
        Some(2) => {
            assert!(stderr.contains("routes[0].name"), "refused without its JSON path: {stderr}")
        }
        other => panic!("exit {other:?}: {stderr}"),
    }
    assert_eq!(entries(tmp.path()), ["box", "s.json"]);
    assert!(entries(&box_dir).iter().all(|n| n == "run"), "{:?}", entries(&box_dir));
    assert!(!Path::new("/tmp/aznetsim-abs.hlog").exists());
}

/// Issue 10, item 8: errors print names (here a file name) escaped, so
/// the message stays one line and no ANSI escape reaches the terminal.
#[test]
fn issue_10_control_characters_in_an_error_are_escaped() {
    let tmp = tempfile::tempdir().unwrap();
    let name = tmp.path().join("s\naznetsim: ok\u{1b}[2K.json");
    let stderr = failure_of(aznetsim().arg("run").arg(&name), EXIT_INVALID);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(!stderr.contains('\u{1b}'), "{stderr}");
    assert!(
        stderr.contains("s\\naznetsim: ok\\u{1b}[2K.json: cannot read the scenario"),
        "{stderr}"
    );
}
