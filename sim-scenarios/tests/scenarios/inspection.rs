//! Issue 12 item 1: Azure Firewall Premium TLS inspection (where handshakes
//! end, who must trust whom), the services a client runs on (whether they
//! can be given a custom CA), and APIM's CA-certificate limits.

use serde_json::{Value, json};
use sim_scenarios::azure::catalog::{figure, value};
use sim_scenarios::azure::{Finding, INSPECTION_CA, INSPECTION_ROOT_CA, Severity};
use sim_scenarios::compile::CompiledRoute;
use sim_scenarios::file::{ClientService, set_path};
use sim_scenarios::report::RouteReport;
use sim_scenarios::{Scenario, ScenarioError};
use strum::VariantNames;

use super::tls::{CLIENT_FW, FW_APIM, FW_DELAY};
use super::{load_inline, run, shipped};

fn with(mut v: Value, sets: &[(&str, &str)]) -> Value {
    for (p, x) in sets {
        set_path(&mut v, p, x).unwrap_or_else(|e| panic!("{p}: {e}"));
    }
    v
}

fn load_err(v: Value) -> ScenarioError {
    Scenario::from_value(std::path::Path::new("inline.json"), v).unwrap_err()
}

/// The TLS test route (client → fw → apim → gw → backend, constant
/// latencies, no connection reuse) with the firewall inspecting TLS: the
/// client trusts the inspection root, the firewall APIM's public CA.
fn inspected() -> Value {
    with(
        super::tls::scenario(),
        &[
            ("nodes.fw.sku", "\"premium\""),
            ("nodes.fw.tls_inspection", "true"),
            ("nodes.fw.connection_reuse", "0"),
            ("nodes.client.trusts", &format!("[\"public\", \"{INSPECTION_ROOT_CA}\"]")),
        ],
    )
}

fn only_route(v: Value) -> RouteReport {
    let r = run(&load_inline(v)).routes.into_iter().next().unwrap();
    assert_eq!(r.completed, r.offered, "every request completes");
    r
}

fn hop<'a>(r: &'a RouteReport, node: &str) -> &'a sim_scenarios::report::HopReport {
    r.hops.iter().find(|h| h.node == node).unwrap()
}

fn near(got: f64, want: f64, what: &str) {
    // Sums of nanosecond-rounded constants.
    assert!((got - want).abs() <= 1e-5, "{what}: got {got}, want {want}");
}

fn findings(v: Value) -> Vec<Finding> {
    load_inline(v).routes().iter().flat_map(|r: &CompiledRoute| r.findings.clone()).collect()
}

fn with_check(fs: &[Finding], check: &str) -> Vec<Finding> {
    fs.iter().filter(|f| f.check == check).cloned().collect()
}

#[test]
fn issue_12_inspection_ends_the_handshakes_at_the_firewall() {
    // TCP 1 RTT + TLS 1.2 2 RTT to each terminator.
    let rtts = value("tcp.handshake_rtts") + value("tls.tls12_handshake_rtts");
    // Half of the firewall's traversal (there and back) belongs to each of
    // the two connections it joins.
    let client_fw = 2.0 * CLIENT_FW + FW_DELAY;
    let fw_apim = 2.0 * FW_APIM + FW_DELAY;
    let plain = only_route(super::tls::scenario());
    near(hop(&plain, "client").handshake_ms_mean, rtts * (client_fw + fw_apim), "no inspection");
    assert_eq!(hop(&plain, "fw").handshake_ms_mean, 0.0, "an L4 firewall opens nothing");

    let r = only_route(inspected());
    near(hop(&r, "client").handshake_ms_mean, rtts * client_fw, "client → firewall");
    near(hop(&r, "fw").handshake_ms_mean, rtts * fw_apim, "firewall → apim");
    // APIM → backend is untouched.
    near(hop(&r, "apim").handshake_ms_mean, hop(&plain, "apim").handshake_ms_mean, "apim");
    // The firewall's TLS CPU per client handshake is in its service time.
    let cpu = value("azure_firewall.premium.inspection_handshake_cpu_ms")
        + value("azure_firewall.premium.inspection_certificate_miss")
            * value("azure_firewall.premium.inspection_certificate_generation_ms");
    let premium_plain =
        only_route(with(super::tls::scenario(), &[("nodes.fw.sku", "\"premium\"")]));
    let extra = hop(&r, "fw").service_ms_mean - hop(&premium_plain, "fw").service_ms_mean;
    assert!((extra - cpu).abs() < 1e-3, "firewall TLS CPU: got {extra}, want {cpu}");

    // explain says the same.
    let s = load_inline(inspected());
    let plan = &s.routes()[0].hops;
    let c = plan[0].new_connection.as_deref().unwrap();
    assert!(c.starts_with("to fw (3 RTT of 0.450 ms = 1.350 ms"), "{c}");
    let f = plan[1].new_connection.as_deref().unwrap();
    assert!(f.starts_with("to apim (3 RTT of 0.650 ms = 1.950 ms"), "{f}");
    assert!(plan[1].connection.starts_with("inspects TLS"), "{}", plan[1].connection);
    assert!(plan[1].connection.contains(INSPECTION_CA), "{}", plan[1].connection);
}

#[test]
fn issue_12_network_rules_are_not_inspected() {
    let v = with(inspected(), &[("routes.0.firewall_rules", r#"{"fw": "network"}"#)]);
    let r = only_route(v.clone());
    assert_eq!(hop(&r, "fw").handshake_ms_mean, 0.0, "network rules pass TLS through");
    let s = load_inline(v);
    let plan = &s.routes()[0].hops;
    assert!(plan[1].connection.contains("not inspected"), "{}", plan[1].connection);
}

#[test]
fn issue_12_a_client_must_trust_the_inspection_ca() {
    let v = with(inspected(), &[("nodes.client.trusts", r#"["public"]"#)]);
    let errs = with_check(&findings(v.clone()), "tls_inspection_trust");
    assert_eq!(errs.len(), 1, "{errs:#?}");
    assert_eq!(errs[0].severity, Severity::Error);
    let m = &errs[0].message;
    for part in ["hop 0 → 1", "'client'", "'fw'", INSPECTION_CA, INSPECTION_ROOT_CA] {
        assert!(m.contains(part), "lacks {part:?}: {m}");
    }
    assert!(m.contains(&format!("add \"{INSPECTION_ROOT_CA}\" (the root)")), "{m}");
    assert!(m.contains("nodes.client.trusts"), "{m}");
    // Fixed as the message says: the root, or the intermediate itself…
    for ca in [INSPECTION_ROOT_CA, INSPECTION_CA] {
        let fixed = with(v.clone(), &[("nodes.client.trusts", &format!("[\"public\", \"{ca}\"]"))]);
        assert!(findings(fixed).iter().all(|f| f.severity != Severity::Error), "{ca}");
    }
    // …or no inspection of this traversal.
    let fixed = with(v, &[("routes.0.firewall_rules", r#"{"fw": "network"}"#)]);
    assert!(findings(fixed).iter().all(|f| f.severity != Severity::Error));
}

#[test]
fn issue_12_a_client_that_cannot_take_a_ca_is_told_so_with_its_service() {
    let v = with(
        inspected(),
        &[(
            "nodes.client",
            r#"{"kind": "client", "service": "app_service_linux", "connection_reuse": 0}"#,
        )],
    );
    let errs = with_check(&findings(v.clone()), "tls_inspection_trust");
    assert_eq!(errs.len(), 1, "{errs:#?}");
    let m = &errs[0].message;
    for part in [
        "cannot be given a custom CA at all",
        "service app_service_linux",
        "client.app_service_linux.custom_ca_support",
        "routes[0].firewall_rules: {\"fw\": \"network\"}",
    ] {
        assert!(m.contains(part), "lacks {part:?}: {m}");
    }
    assert!(!m.contains("to nodes.client.trusts"), "not told to trust what it cannot: {m}");
    let fixed = with(v, &[("routes.0.firewall_rules", r#"{"fw": "network"}"#)]);
    assert!(findings(fixed).iter().all(|f| f.severity != Severity::Error));
}

#[test]
fn issue_12_the_firewall_must_trust_the_servers_ca() {
    // APIM behind the firewall presents an on-premises certificate.
    let v = with(inspected(), &[("nodes.apim.certificate_ca", "\"onprem-root\"")]);
    let errs = with_check(&findings(v.clone()), "tls_inspection_server_trust");
    assert_eq!(errs.len(), 1, "{errs:#?}");
    let m = &errs[0].message;
    for part in ["hop 1 → 2", "'fw'", "'apim'", "CA 'onprem-root'", "drops the connection"] {
        assert!(m.contains(part), "lacks {part:?}: {m}");
    }
    assert!(m.contains("add \"onprem-root\" to nodes.fw.trusts"), "{m}");
    assert!(with_check(&findings(v.clone()), "tls_trust").is_empty(), "not reported twice");
    let fixed = with(v.clone(), &[("nodes.fw.trusts", r#"["public", "onprem-root"]"#)]);
    assert!(findings(fixed).iter().all(|f| f.severity != Severity::Error));
    // Uninspected, the client sees APIM's certificate itself and must
    // trust its CA.
    let fixed = with(
        v,
        &[
            ("routes.0.firewall_rules", r#"{"fw": "network"}"#),
            ("nodes.client.trusts", r#"["public", "onprem-root"]"#),
        ],
    );
    assert!(findings(fixed).iter().all(|f| f.severity != Severity::Error));
}

#[test]
fn issue_12_inspection_fields_are_refused_where_they_mean_nothing() {
    let base = super::tls::scenario();
    let cases = [
        (vec![("nodes.fw.tls_inspection", "true")], "nodes.fw.tls_inspection", "premium SKU only"),
        (
            vec![("nodes.fw.trusts", r#"["public"]"#)],
            "nodes.fw.trusts",
            "set tls_inspection to true",
        ),
        (
            vec![("nodes.fw.sku", "\"premium\""), ("nodes.fw.inspection_ca", "\"x\"")],
            "nodes.fw.inspection_ca",
            "set tls_inspection to true",
        ),
        (
            vec![
                ("nodes.fw.sku", "\"premium\""),
                ("nodes.fw.tls_inspection", "true"),
                ("nodes.fw.connection_reuse", "2"),
            ],
            "nodes.fw.connection_reuse",
            "",
        ),
        (
            vec![
                ("nodes.fw.sku", "\"premium\""),
                ("nodes.fw.tls_inspection", "true"),
                ("nodes.fw.inspection_ca", "\"../x\""),
            ],
            "nodes.fw.inspection_ca",
            "CA name",
        ),
        (
            vec![("nodes.client.service", "\"mainframe\"")],
            "nodes.client.service",
            "app_service_windows",
        ),
    ];
    for (sets, path, says) in cases {
        let e = load_err(with(base.clone(), &sets)).to_string();
        assert!(e.contains(path) && e.contains(says), "{sets:?}: {e}");
    }
}

#[test]
fn issue_12_every_service_takes_custom_ca_support_from_its_catalog_row() {
    for name in ClientService::VARIANTS {
        let row = figure(&format!("client.{name}.custom_ca_support"));
        assert!(!row.sources.is_empty() && !row.note.is_empty(), "{name}");
        let custom = r#"["public", "onprem-root"]"#;
        let v = with(
            super::tls::scenario(),
            &[(
                "nodes.client",
                &format!(r#"{{"kind": "client", "service": "{name}", "trusts": {custom}}}"#),
            )],
        );
        // A service that can take a CA loads with one in trusts; one that
        // cannot is refused it, naming the service and its row.
        if row.value == 1.0 {
            load_inline(v);
        } else {
            let e = load_err(v.clone()).to_string();
            assert!(e.contains("nodes.client.trusts") && e.contains(row.key), "{name}: {e}");
        }
    }
    // What the rows say, as the docs do.
    for (name, can) in [
        ("app_service_windows", false),
        ("app_service_linux", false),
        ("app_service_environment", true),
        ("functions_windows_dotnet", false),
        ("functions_linux_python", false),
        ("functions_linux_node", false),
        ("logic_apps_standard", true),
        ("logic_apps_consumption", false),
        ("aks_pod", true),
        ("vm", true),
        ("apim_consumption", false),
    ] {
        assert_eq!(value(&format!("client.{name}.custom_ca_support")) == 1.0, can, "{name}");
    }
    assert!(
        figure("client.app_service_environment.custom_ca_support")
            .note
            .contains("WEBSITE_LOAD_ROOT_CERTIFICATES")
    );
}

/// client → apim, where APIM presents an on-premises certificate.
fn client_to_onprem_apim(client: &str) -> Value {
    with(
        super::tls::scenario(),
        &[("nodes.client", client), ("nodes.apim.certificate_ca", "\"onprem-root\"")],
    )
}

#[test]
fn issue_12_tls_trust_names_the_service_and_how_to_trust_a_ca() {
    let v = client_to_onprem_apim(r#"{"kind": "client", "service": "app_service_environment"}"#);
    let errs = with_check(&findings(v), "tls_trust");
    assert_eq!(errs.len(), 1, "{errs:#?}");
    let m = &errs[0].message;
    assert!(m.contains("add \"onprem-root\" to nodes.client.trusts"), "{m}");
    assert!(
        m.contains("service app_service_environment")
            && m.contains("WEBSITE_LOAD_ROOT_CERTIFICATES"),
        "{m}"
    );
    let v = client_to_onprem_apim(r#"{"kind": "client", "service": "functions_windows_dotnet"}"#);
    let m = &with_check(&findings(v), "tls_trust")[0].message;
    assert!(
        m.contains("cannot be given a custom CA") && m.contains("service functions_windows_dotnet"),
        "{m}"
    );
    assert!(!m.contains("to nodes.client.trusts"), "{m}");
}

#[test]
fn issue_12_an_explicit_custom_ca_support_wins_with_a_warning() {
    let v = client_to_onprem_apim(
        r#"{"kind": "client", "service": "app_service_linux", "custom_ca_support": true, "trusts": ["public", "onprem-root"]}"#,
    );
    let fs = findings(v);
    assert!(fs.iter().all(|f| f.severity != Severity::Error), "the file's value is used: {fs:#?}");
    let w = with_check(&fs, "client_service");
    assert_eq!(w.len(), 1, "{fs:#?}");
    assert_eq!(w[0].severity, Severity::Warning);
    assert!(
        w[0].message.contains("custom_ca_support: true") && w[0].message.contains("it cannot"),
        "{}",
        w[0].message
    );
    // Agreeing with the row says nothing.
    let v = client_to_onprem_apim(
        r#"{"kind": "client", "service": "vm", "custom_ca_support": true, "trusts": ["public", "onprem-root"]}"#,
    );
    assert!(with_check(&findings(v), "client_service").is_empty());
}

fn apim_trusting(tier: &str, cas: usize) -> Value {
    let mut trusts = vec![json!("public")];
    trusts.extend((0..cas).map(|i| json!(format!("ca-{i}"))));
    let mut v = super::tls::scenario();
    v["nodes"]["apim"]["tier"] = json!(tier);
    v["nodes"]["apim"]["trusts"] = json!(trusts);
    v["nodes"]["backend"]["certificate_ca"] = json!("ca-0");
    v
}

#[test]
fn issue_12_a_classic_apim_instance_trusts_at_most_ten_cas() {
    let max = value("apim.max_ca_certificates") as usize;
    assert_eq!(max, 10);
    load_inline(apim_trusting("premium", max));
    let e = load_err(apim_trusting("premium", max + 1)).to_string();
    assert!(e.contains("nodes.apim.trusts") && e.contains("at most 10 CA certificates"), "{e}");
    assert!(e.contains("lists 11 custom CAs"), "{e}");
    // The v2 tiers configure CA details per backend: no instance limit.
    load_inline(apim_trusting("standardv2", max + 1));
}

#[test]
fn issue_12_the_shipped_inspection_scenario_fails_as_its_description_says() {
    let s = Scenario::load(&shipped("apim-hub-proxy-tls-inspection")).unwrap();
    let errors = |name: &str| -> Vec<String> {
        let r = s.routes().iter().find(|r| r.name == name).unwrap();
        r.findings
            .iter()
            .filter(|f| f.severity == Severity::Error)
            .map(|f| f.check.clone())
            .collect()
    };
    assert_eq!(errors("green"), ["tls_inspection_trust", "tls_inspection_server_trust"]);
    assert_eq!(errors("red"), ["tls_inspection_server_trust"]);
    let d = s.spec().description.clone().unwrap();
    assert!(
        d.contains("nodes.hub-fw.trusts") && d.contains("add onprem-root to its trusts"),
        "{d}"
    );
    let fixed = Scenario::load(&shipped("apim-hub-proxy-tls-inspection-fixed")).unwrap();
    for r in fixed.routes() {
        assert!(
            r.findings.iter().all(|f| f.severity != Severity::Error),
            "{}: {:#?}",
            r.name,
            r.findings
        );
    }
}

#[test]
fn issue_12_the_firewall_opens_a_server_connection_per_client_connection() {
    // Without its own connection_reuse, the firewall's connection to APIM
    // is new as often as the client's connection it terminates.
    let mut v = inspected();
    v["nodes"]["fw"].as_object_mut().unwrap().remove("connection_reuse");
    let v = with(v, &[("nodes.client.connection_reuse", "0.75")]);
    let s = load_inline(v.clone());
    let plan = &s.routes()[0].hops;
    for hop in [0, 1] {
        let c = plan[hop].new_connection.as_deref().unwrap();
        assert!(c.ends_with("with probability 0.25"), "hop {hop}: {c}");
    }
    // Given, it is the firewall's own.
    let s = load_inline(with(v, &[("nodes.fw.connection_reuse", "0.5")]));
    let c = s.routes()[0].hops[1].new_connection.clone().unwrap();
    assert!(c.ends_with("with probability 0.50"), "{c}");
}
