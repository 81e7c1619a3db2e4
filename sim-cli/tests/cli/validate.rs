//! `validate`: static checks only, one verdict per file.

use std::path::PathBuf;
use std::time::Duration;

use super::{EXIT_CHECK_FAILED, EXIT_INVALID, aznetsim, shipped_scenarios, stdout_of};

/// A file that does not load is invalid input (design.md, "CLI",
/// amended): exit 2, for `validate` too.
const EXIT_VALIDATE_FOUND_A_PROBLEM: i32 = EXIT_INVALID;

/// The shipped scenario that fails a check by design: its client cannot be
/// given the on-premises CA, and route red needs it.
const FAILS_BY_DESIGN: &str = "onprem-gateway-paas-client.json";

/// Every shipped scenario that fails a check by design, with its check:
/// the one above, and issue 12's, one per family of finding.
const ALL_FAILING_BY_DESIGN: [(&str, &str); 2] =
    [(FAILS_BY_DESIGN, "tls_trust"), ("onprem-gateway-header-limit.json", "header_size")];

fn fails_by_design(f: &std::path::Path) -> bool {
    f.file_name().is_some_and(|n| ALL_FAILING_BY_DESIGN.iter().any(|(d, _)| n == *d))
}

/// Every shipped scenario but the one that fails a check by design.
fn passing_scenarios() -> Vec<PathBuf> {
    shipped_scenarios().into_iter().filter(|f| !fails_by_design(f)).collect()
}

const BAD: &str = r#"{
  "name": "bad", "workload": { "arrival": { "kind": "poisson", "rate_per_s": 10 }, "requests": 100 },
  "nodes": { "client": { "kind": "client" },
             "api": { "kind": "station", "servers": 0, "service_ms": { "kind": "exponential", "mean": 1 } } },
  "links": [ { "between": ["client", "api"], "latency_ms": { "kind": "constant", "value": 1 } } ],
  "routes": [ { "name": "r", "path": ["client", "api"] } ]
}"#;

#[test]
fn every_shipped_scenario_is_valid() {
    let files = passing_scenarios();
    assert!(
        files.len() + ALL_FAILING_BY_DESIGN.len() == shipped_scenarios().len(),
        "{ALL_FAILING_BY_DESIGN:?} are shipped"
    );
    let stdout = stdout_of(aznetsim().arg("validate").args(&files));
    for f in &files {
        let line = format!("{}: ok", f.display());
        assert!(stdout.lines().any(|l| l.starts_with(&line)), "no {line:?} in:\n{stdout}");
    }
    // One at a time too: each exits 0 on its own.
    for f in &files {
        stdout_of(aznetsim().arg("validate").arg(f));
    }
}

#[test]
fn the_paas_client_scenario_fails_its_tls_check_with_exit_1() {
    let file = shipped_scenarios()
        .into_iter()
        .find(|f| f.file_name().is_some_and(|n| n == FAILS_BY_DESIGN))
        .unwrap();
    let out = aznetsim().arg("validate").arg(&file).output().unwrap();
    let (stdout, stderr) =
        (String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert_eq!(out.status.code(), Some(EXIT_CHECK_FAILED), "{stdout}\n{stderr}");
    assert!(stderr.is_empty(), "{stderr}");
    let verdict = format!("{}: FAILED (3 routes, 1 error, ", file.display());
    assert!(stdout.lines().next().is_some_and(|l| l.starts_with(&verdict)), "{stdout}");
    let error = stdout
        .lines()
        .find(|l| l.trim_start().starts_with("error [tls_trust]: "))
        .unwrap_or_else(|| panic!("no tls_trust error in:\n{stdout}"));
    for fragment in ["route 'red'", "'onprem-apigw'", "'onprem-root'", "Application Gateway"] {
        assert!(error.contains(fragment), "{fragment:?} not in {error}");
    }
    assert_eq!(stdout.matches("error [").count(), 1, "{stdout}");

    // With every shipped file, the one failure decides the exit code and
    // the others still get their verdict.
    let out = aznetsim().arg("validate").args(shipped_scenarios()).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(EXIT_CHECK_FAILED), "{stdout}");
    for f in passing_scenarios() {
        assert!(stdout.contains(&format!("{}: ok", f.display())), "{stdout}");
    }

    // Giving the client the CA (it must then accept custom CAs) fixes it.
    let stdout = stdout_of(aznetsim().arg("validate").arg(&file).args([
        "--set",
        "nodes.client.custom_ca_support=true",
        "--set",
        r#"nodes.client.trusts=["public","onprem-root"]"#,
    ]));
    assert!(stdout.starts_with(&format!("{}: ok (3 routes, 0 errors", file.display())), "{stdout}");
    // The CA alone is refused: the client says it cannot take one.
    let out = aznetsim()
        .arg("validate")
        .arg(&file)
        .args(["--set", r#"nodes.client.trusts=["public","onprem-root"]"#])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(EXIT_INVALID), "{stderr}");
    assert!(stderr.contains("nodes.client.trusts") && stderr.contains("custom_ca_support"));
}

#[test]
fn validate_does_not_simulate() {
    // A billion requests would take minutes to run; checking them is instant.
    let files = passing_scenarios();
    let mut cmd = aznetsim();
    cmd.timeout(Duration::from_secs(20))
        .arg("validate")
        .args(&files)
        .args(["--set", "workload.requests=1000000000"]);
    stdout_of(&mut cmd);
}

#[test]
fn a_bad_file_is_named_with_its_json_path() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.json");
    std::fs::write(&bad, BAD).unwrap();
    let out = aznetsim().arg("validate").arg(&bad).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(EXIT_VALIDATE_FOUND_A_PROBLEM), "{stderr}");
    assert!(out.stdout.is_empty(), "{}", String::from_utf8_lossy(&out.stdout));
    assert!(stderr.contains(&format!("{}: nodes.api.servers: ", bad.display())), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn every_file_gets_a_verdict_even_after_a_bad_one() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.json");
    std::fs::write(&bad, BAD).unwrap();
    let missing = dir.path().join("missing.json");
    let good = &passing_scenarios()[0];
    let out = aznetsim().arg("validate").arg(&bad).arg(&missing).arg(good).output().unwrap();
    let (stdout, stderr) =
        (String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert_eq!(out.status.code(), Some(EXIT_VALIDATE_FOUND_A_PROBLEM), "{stderr}");
    assert!(stdout.contains(&format!("{}: ok", good.display())), "{stdout}");
    assert!(stderr.contains(&bad.display().to_string()), "{stderr}");
    assert!(stderr.contains(&missing.display().to_string()), "{stderr}");
}

#[test]
fn validate_set_with_a_wrong_path_fails() {
    let good = &passing_scenarios()[0];
    let out = aznetsim().arg("validate").arg(good).args(["--set", "nodez.x=1"]).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(EXIT_INVALID), "{stderr}");
    assert!(stderr.contains("nodez") && stderr.contains("it has:"), "{stderr}");
}

/// Issue 17: a path that bounces off the VPN gateway (`hub-fw → vpn-gw →
/// hub-fw`) and a route that ends at the gateway loaded as ok; they are
/// route errors now, with the hop's JSON path and the fix.
#[test]
fn a_path_that_bounces_or_ends_at_a_gateway_fails_with_exit_1() {
    let file = super::root().join("scenarios/apim-hub-proxy-vpn.json");
    for (path, check, says) in [
        (
            r#"routes.1.path=["client","apim","hub-fw","vpn-gw","hub-fw","vpn-gw","backend"]"#,
            "ping_pong",
            "routes[1].path[4]",
        ),
        (
            r#"routes.1.path=["client","apim","hub-fw","vpn-gw"]"#,
            "tls_termination",
            "routes[1].path[3]",
        ),
    ] {
        let out = aznetsim().arg("validate").arg(&file).args(["--set", path]).output().unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert_eq!(out.status.code(), Some(EXIT_CHECK_FAILED), "{path}: {stdout}");
        let error = stdout
            .lines()
            .find(|l| l.trim_start().starts_with(&format!("error [{check}]: ")))
            .unwrap_or_else(|| panic!("no {check} error in:\n{stdout}"));
        assert!(error.contains(says), "{says:?} not in {error}");
    }
}

/// Issue 17: the README says any field can be overridden with --set, and a
/// law field now takes a plain number: the same bytes as the constant law.
#[test]
fn set_a_law_to_a_number_is_the_constant_law() {
    let file = super::apim();
    let run = |value: &str| {
        stdout_of(aznetsim().arg("run").arg(&file).args(super::SMALL).args([
            "--format",
            "json",
            "--set",
            &format!("nodes.hub-fw.latency_ms={value}"),
        ]))
    };
    let bare = run("0.5");
    assert_eq!(bare, run(r#"{"kind":"constant","value":0.5}"#));
    assert_ne!(bare, run("0.25"), "the override is applied");
}

/// Issue 12 item 2: the header-limit scenario fails its one check with
/// exit 1 and says the fix; the fix it names makes it pass.
#[test]
fn issue_12_the_header_limit_scenario_fails_header_size_with_exit_1_and_its_fix_passes() {
    for (name, check) in ALL_FAILING_BY_DESIGN {
        let file = super::root().join("scenarios").join(name);
        let out = aznetsim().arg("validate").arg(&file).output().unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert_eq!(out.status.code(), Some(EXIT_CHECK_FAILED), "{name}: {stdout}");
        assert!(stdout.contains(&format!("error [{check}]: ")), "{name}: {stdout}");
        assert_eq!(stdout.matches("error [").count(), 1, "{name}: {stdout}");
    }
    let file = super::root().join("scenarios/onprem-gateway-header-limit.json");
    let stdout = stdout_of(
        aznetsim()
            .arg("validate")
            .arg(&file)
            .args(["--set", "nodes.onprem-apigw.max_header_bytes=16384"]),
    );
    assert!(stdout.starts_with(&format!("{}: ok (1 route, 0 errors", file.display())), "{stdout}");
}
