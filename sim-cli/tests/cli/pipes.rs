//! A reader that stops early (`aznetsim ... | head -1`) ends the command
//! quietly with success, whatever the output format: a closed stdout is
//! not an error to report.

use std::process::{Command, Stdio};

use super::{SMALL, TINY_SETS, apim};

/// Runs aznetsim with `args`, its stdout a pipe closed before it writes
/// (every command here simulates first), and returns (exit code, stderr).
fn into_a_closed_pipe(args: &[&str]) -> (Option<i32>, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_aznetsim"))
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("aznetsim starts");
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    (out.status.code(), String::from_utf8_lossy(&out.stderr).into_owned())
}

#[test]
fn a_closed_stdout_ends_every_format_quietly() {
    let scenario = apim();
    let scenario = scenario.to_str().unwrap();
    let cases: Vec<Vec<&str>> = vec![
        [&["run", scenario][..], &SMALL, &["--format", "json"]].concat(),
        [&["run", scenario][..], &SMALL].concat(),
        [&["sweep", scenario][..], &TINY_SETS, &["--vary", "seed=1,2", "--format", "jsonl"]]
            .concat(),
        [
            &["capacity", scenario][..],
            &TINY_SETS,
            &["--slo", "p99<=200ms", "--precision", "0.2", "--route", "red", "--format", "json"],
        ]
        .concat(),
    ];
    for args in cases {
        let (code, stderr) = into_a_closed_pipe(&args);
        assert_eq!((code, stderr.as_str()), (Some(0), ""), "aznetsim {}", args.join(" "));
    }
}
