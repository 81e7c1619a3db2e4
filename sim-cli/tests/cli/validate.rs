//! `validate`: static checks only, one verdict per file.

use std::path::PathBuf;
use std::time::Duration;

use super::{EXIT_CHECK_FAILED, EXIT_INVALID, aznetsim, shipped_scenarios, stdout_of};

/// A file that does not load is invalid input (design.md, "CLI",
/// amended): exit 2, for `validate` too.
const EXIT_VALIDATE_FOUND_A_PROBLEM: i32 = EXIT_INVALID;

/// The shipped scenario whose client cannot be given the on-premises CA,
/// which route red needs.
const PAAS_CLIENT: &str = "onprem-gateway-paas-client.json";

/// The shipped scenarios that fail a check by design (issue 12 item 4: one
/// per family of finding).
const FAILS_BY_DESIGN: [&str; 4] = [
    PAAS_CLIENT,
    "onprem-gateway-tls-name.json",
    "onprem-gateway-mtls.json",
    "onprem-gateway-tls-chain.json",
];

/// Issue 12: the firewall inspects TLS; its client cannot trust the
/// inspection CA and it does not trust the on-premises CA.
const INSPECTION_FAILS_BY_DESIGN: &str = "apim-hub-proxy-tls-inspection.json";

/// The routing scenarios that fail by design (issue 12 item 3).
const ROUTING_FAILS_BY_DESIGN: [(&str, &str); 2] = [
    ("apim-hub-proxy-forced-tunnel.json", "apim_management_forced_tunnel"),
    ("apim-hub-proxy-asymmetric.json", "asymmetric_route"),
];

/// Every shipped scenario that fails `validate` by design, with the check
/// it fails (issue 12 item 4: one per family of finding).
pub(super) const ALL_FAILING_BY_DESIGN: &[(&str, &str)] = &[
    (FAILS_BY_DESIGN[0], "tls_trust"),
    (FAILS_BY_DESIGN[1], "tls_name"),
    (FAILS_BY_DESIGN[2], "tls_client_certificate"),
    (FAILS_BY_DESIGN[3], "tls_chain"),
    (INSPECTION_FAILS_BY_DESIGN, "tls_inspection_trust"),
    ROUTING_FAILS_BY_DESIGN[0],
    ROUTING_FAILS_BY_DESIGN[1],
    ("onprem-gateway-header-limit.json", "header_size"),
];

fn fails_any_by_design(f: &std::path::Path) -> bool {
    f.file_name().is_some_and(|n| ALL_FAILING_BY_DESIGN.iter().any(|(name, _)| n == *name))
}

/// Every shipped scenario but the one that fails a check by design.
fn passing_scenarios() -> Vec<PathBuf> {
    shipped_scenarios().into_iter().filter(|f| !fails_any_by_design(f)).collect()
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
    assert_eq!(
        files.len() + ALL_FAILING_BY_DESIGN.len(),
        shipped_scenarios().len(),
        "every scenario failing by design is shipped"
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
    let file = shipped_scenarios().into_iter().find(|f| f.ends_with(PAAS_CLIENT)).unwrap();
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
fn issue_12_the_inspection_scenario_fails_and_is_fixed_as_its_description_says() {
    let file = shipped_scenarios()
        .into_iter()
        .find(|f| f.file_name().is_some_and(|n| n == INSPECTION_FAILS_BY_DESIGN))
        .unwrap();
    let out = aznetsim().arg("validate").arg(&file).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(EXIT_CHECK_FAILED), "{stdout}");
    assert!(
        stdout.starts_with(&format!("{}: FAILED (2 routes, 3 errors", file.display())),
        "{stdout}"
    );
    assert_eq!(stdout.matches("error [tls_inspection_trust]").count(), 1, "{stdout}");
    assert_eq!(stdout.matches("error [tls_inspection_server_trust]").count(), 2, "{stdout}");
    // The description's fixes: a client that can trust the inspection
    // root, and the on-premises CA in the firewall's trusts.
    let stdout = stdout_of(aznetsim().arg("validate").arg(&file).args([
        "--set",
        r#"nodes.client={"kind":"client","service":"aks_pod","trusts":["public","onprem-root"]}"#,
        "--set",
        r#"nodes.hub-fw.trusts=["public","onprem-root"]"#,
    ]));
    assert!(stdout.starts_with(&format!("{}: ok (2 routes, 0 errors", file.display())), "{stdout}");
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

/// Issue 12 item 1: the two certificate scenarios fail by design, each
/// with its check on green and third, and the fix their message names
/// makes them pass.
#[test]
fn the_certificate_scenarios_fail_their_check_and_pass_once_fixed() {
    let find = |n: &str| shipped_scenarios().into_iter().find(|f| f.ends_with(n)).unwrap();
    for (file, check, set) in [
        (
            "onprem-gateway-tls-name.json",
            "tls_name",
            r#"nodes.appgw.backend_host_name="api.contoso.local""#,
        ),
        (
            "onprem-gateway-mtls.json",
            "tls_client_certificate",
            "nodes.onprem-apigw.client_certificate_trusts=null",
        ),
    ] {
        let file = find(file);
        let out = aznetsim().arg("validate").arg(&file).output().unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert_eq!(out.status.code(), Some(EXIT_CHECK_FAILED), "{stdout}");
        assert_eq!(stdout.matches(&format!("error [{check}]")).count(), 2, "{stdout}");
        for route in ["'green'", "'third'"] {
            assert!(
                stdout.contains(&format!("route {route}, hop 'appgw' → 'onprem-apigw'")),
                "{stdout}"
            );
        }
        let fixed = stdout_of(aznetsim().arg("validate").arg(&file).args(["--set", set]));
        assert!(fixed.contains(": ok (3 routes, 0 errors"), "{fixed}");
    }
}

/// Expiry is checked against --today (default: the clock), an error once
/// past, a warning within --cert-warning-days; a run ignores the date.
#[test]
fn certificate_expiry_follows_today_and_the_warning_window() {
    let mut doc: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(super::root().join("scenarios/onprem-gateway.json")).unwrap(),
    )
    .unwrap();
    doc["nodes"]["onprem-apigw"]["certificate_expires"] = serde_json::json!("2027-03-31");
    let tmp = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(tmp.path(), doc.to_string()).unwrap();
    let validate = |args: &[&str]| {
        let out = aznetsim().arg("validate").arg(tmp.path()).args(args).output().unwrap();
        (out.status.code(), String::from_utf8_lossy(&out.stdout).into_owned())
    };
    let (code, stdout) = validate(&["--today", "2027-01-01"]);
    assert_eq!(code, Some(0), "{stdout}");
    assert!(!stdout.contains("certificate_expiry"), "{stdout}");
    let (code, stdout) = validate(&["--today", "2027-03-10"]);
    assert_eq!(code, Some(0), "a warning does not fail: {stdout}");
    assert_eq!(
        stdout.matches("warning [certificate_expiry]").count(),
        3,
        "one per route: {stdout}"
    );
    assert!(stdout.contains("expires on 2027-03-31 (21 days after 2027-03-10"), "{stdout}");
    let (code, stdout) = validate(&["--today", "2027-03-10", "--cert-warning-days", "7"]);
    assert_eq!(code, Some(0), "{stdout}");
    assert!(!stdout.contains("certificate_expiry"), "{stdout}");
    let (code, stdout) = validate(&["--today", "2027-04-01"]);
    assert_eq!(code, Some(EXIT_CHECK_FAILED), "{stdout}");
    assert!(
        stdout.contains("error [certificate_expiry]: route 'red', hop 'client' → 'onprem-apigw'"),
        "{stdout}"
    );
    assert!(stdout.contains("nodes.onprem-apigw.certificate_expires"), "{stdout}");
    // Bad flags are usage errors naming the flag.
    for bad in [["--today", "2027-02-30"], ["--cert-warning-days", "4000"]] {
        let out = aznetsim().arg("validate").arg(tmp.path()).args(bad).output().unwrap();
        assert_eq!(out.status.code(), Some(EXIT_INVALID));
        assert!(String::from_utf8_lossy(&out.stderr).contains(bad[0]));
    }
    // A run does not look at the date (nor fail on it).
    stdout_of(aznetsim().arg("run").arg(tmp.path()).args(super::SMALL));
}

/// Issue 12 item 3: the routing scenarios that fail by design exit 1 and
/// name their check, with the fix their description gives.
#[test]
fn the_routing_scenarios_fail_their_checks_with_exit_1() {
    for (name, check) in &ROUTING_FAILS_BY_DESIGN {
        let file = shipped_scenarios()
            .into_iter()
            .find(|f| f.file_name().is_some_and(|n| n == *name))
            .unwrap_or_else(|| panic!("{name} is shipped"));
        let out = aznetsim().arg("validate").arg(&file).output().unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert_eq!(out.status.code(), Some(EXIT_CHECK_FAILED), "{stdout}");
        assert!(stdout.contains(&format!("error [{check}]: route 'green'")), "{stdout}");
        let spec: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
        let description = spec["description"].as_str().unwrap();
        assert!(description.contains(check) && description.contains("Fix:"), "{description}");
    }
}

/// Issue 12 item 2: the header-limit scenario fails its one check with
/// exit 1 and says the fix; the fix it names makes it pass.
#[test]
fn issue_12_the_header_limit_scenario_fails_header_size_with_exit_1_and_its_fix_passes() {
    for (name, check) in [ALL_FAILING_BY_DESIGN[0], ALL_FAILING_BY_DESIGN[7]] {
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
