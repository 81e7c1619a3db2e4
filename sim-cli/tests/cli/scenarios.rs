//! Every shipped scenario runs (conventions item 24): a short run of each
//! file in `scenarios/`, found at test time.

use serde_json::Value;

use super::{SMALL, aznetsim, resolved, shipped_scenarios, stdout_of};

/// The shipped scenarios that fail `validate` by design, with how many
/// errors and the first: each runs, prints its results, names the failed
/// checks on stderr, and exits 1.
const FAILS_VALIDATE: [(&str, usize, &str); 6] = [
    (
        "onprem-gateway-tls-chain.json",
        3,
        "aznetsim: error [tls_chain]: route 'red', hop 'client' → 'onprem-apigw' (path[0] → path[4]): ",
    ),
    (
        "onprem-gateway-header-limit.json",
        1,
        "aznetsim: error [header_size]: route 'red' (routes[0].path[4]): ",
    ),
    ("onprem-gateway-paas-client.json", 1, "aznetsim: error [tls_trust]: route 'red', hop 0 → 4: "),
    (
        "onprem-gateway-tls-name.json",
        2,
        "aznetsim: error [tls_name]: route 'green', hop 'appgw' → 'onprem-apigw' (path[2] → path[5]): ",
    ),
    (
        "onprem-gateway-mtls.json",
        2,
        "aznetsim: error [tls_client_certificate]: route 'green', hop 'appgw' → 'onprem-apigw' (path[2] → path[5]): ",
    ),
    (
        "apim-hub-proxy-tls-inspection.json",
        3,
        "aznetsim: error [tls_inspection_trust]: route 'green', hop 0 → 1: ",
    ),
];

#[test]
fn every_shipped_scenario_runs() {
    for file in shipped_scenarios() {
        let mut cmd = aznetsim();
        cmd.arg("run").arg(&file).args(SMALL).args(["--format", "json"]);
        let failing =
            FAILS_VALIDATE.iter().find(|(f, ..)| file.file_name().is_some_and(|n| n == *f));
        let routing = super::validate::ALL_FAILING_BY_DESIGN
            .iter()
            .find(|(name, _)| file.file_name().is_some_and(|n| n == *name))
            .filter(|_| failing.is_none());
        let stdout = if let Some((_, check)) = routing {
            // The routing scenarios fail by design: they run, and exit 1.
            let out = cmd.output().unwrap();
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert_eq!(out.status.code(), Some(1), "{}: {stderr}", file.display());
            assert!(stderr.contains(&format!("aznetsim: error [{check}]: ")), "{stderr}");
            String::from_utf8(out.stdout).unwrap()
        } else if let Some((_, count, first)) = failing {
            let out = cmd.output().unwrap();
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert_eq!(out.status.code(), Some(1), "{}: {stderr}", file.display());
            let errors: Vec<&str> =
                stderr.lines().filter(|l| !l.starts_with("aznetsim: warning")).collect();
            assert_eq!(errors.len(), *count, "{}: {stderr}", file.display());
            assert!(errors[0].starts_with(first), "{stderr}");
            String::from_utf8(out.stdout).unwrap()
        } else {
            stdout_of(&mut cmd)
        };
        let report: Value = serde_json::from_str(&stdout)
            .unwrap_or_else(|e| panic!("{}: output is not JSON: {e}", file.display()));
        let spec: Value = resolved(&file);

        // Every route of the file, in file order, and each one did work.
        let want: Vec<&Value> =
            spec["routes"].as_array().unwrap().iter().map(|r| &r["name"]).collect();
        let routes = report["routes"].as_array().unwrap();
        let got: Vec<&Value> = routes.iter().map(|r| &r["name"]).collect();
        assert_eq!(got, want, "{}", file.display());
        for r in routes {
            let completed = r["completed"].as_u64().unwrap();
            assert!(completed > 0, "{}: route {} completed nothing", file.display(), r["name"]);
            assert!(r["latency_ms"]["mean"].as_f64().unwrap() > 0.0, "{}", file.display());
        }
    }
}
