//! Issue 12 item 1 (certs): certificate names (SNI), chains, client
//! certificates (mTLS) and expiry. Each check on a minimal scenario that
//! triggers it, then the same scenario fixed as the message says; the
//! handshake cost of a client certificate against its static value.

use serde_json::{Value, json};
use sim_scenarios::Scenario;
use sim_scenarios::azure::Finding;
use sim_scenarios::azure::catalog::value;
use sim_scenarios::file::{Date, set_path};

use super::tls::{APIM_GW, GW_BACKEND, GW_DELAY, scenario};
use super::{load_inline, run};

/// The TLS scenario (client → fw → apim → gw → backend) with `sets`.
fn doc(sets: &[(&str, &str)]) -> Value {
    let mut v = scenario();
    for (p, x) in sets {
        set_path(&mut v, p, x).unwrap_or_else(|e| panic!("{p}: {e}"));
    }
    v
}

fn findings(v: Value) -> Vec<Finding> {
    load_inline(v).routes().iter().flat_map(|r| r.findings.clone()).collect()
}

/// The one finding of check `check`, and that no other error came with it.
fn only(v: Value, check: &str) -> String {
    let f = findings(v);
    let errors: Vec<&Finding> = f.iter().filter(|f| f.severity.to_string() == "error").collect();
    assert_eq!(errors.len(), 1, "{f:#?}");
    assert_eq!(errors[0].check, check, "{f:#?}");
    errors[0].message.clone()
}

fn clean(v: Value) {
    let f = findings(v);
    assert!(f.iter().all(|f| f.severity.to_string() != "error"), "{f:#?}");
}

fn has(message: &str, fragments: &[&str]) {
    for s in fragments {
        assert!(message.contains(s), "{s:?} not in {message}");
    }
}

// ---- tls_name ----

const NAMES: (&str, &str) = ("nodes.backend.certificate_names", r#"["api.contoso.local"]"#);

#[test]
fn a_backend_host_name_not_on_the_certificate_is_a_tls_name_error() {
    let m = only(
        doc(&[
            ("nodes.apim.trusts", r#"["public","onprem-root"]"#),
            NAMES,
            ("nodes.apim.backend_host_name", "\"backend.contoso.local\""),
        ]),
        "tls_name",
    );
    has(
        &m,
        &[
            "route 'r', hop 'apim' → 'backend' (path[2] → path[4])",
            "'backend.contoso.local'",
            "nodes.apim.backend_host_name",
            "the host of the backend URL",
            "'api.contoso.local'",
            "nodes.backend.certificate_names",
        ],
    );
    // Fixed as the message says: the name on the certificate.
    clean(doc(&[NAMES, ("nodes.apim.backend_host_name", "\"api.contoso.local\"")]));
    // Or a wildcard on the certificate, which covers one label.
    let wild = ("nodes.backend.certificate_names", r#"["*.contoso.local"]"#);
    clean(doc(&[wild, ("nodes.apim.backend_host_name", "\"Backend.Contoso.Local\"")]));
    only(doc(&[wild, ("nodes.apim.backend_host_name", "\"a.b.contoso.local\"")]), "tls_name");
}

#[test]
fn the_terminators_host_name_is_the_default_and_absent_names_are_not_checked() {
    // No override: the initiator connects to the terminator's host_name.
    let m = only(doc(&[NAMES, ("nodes.backend.host_name", "\"gw01.corp\"")]), "tls_name");
    has(&m, &["'gw01.corp'", "from nodes.backend.host_name"]);
    clean(doc(&[NAMES, ("nodes.backend.host_name", "\"api.contoso.local\"")]));
    // A name with nothing to check it against, or names with no name to
    // check: nothing is said.
    clean(doc(&[("nodes.apim.backend_host_name", "\"anything.example\"")]));
    clean(doc(&[NAMES]));
}

#[test]
fn a_client_connects_to_its_target_or_the_routes() {
    let apim_names = ("nodes.apim.certificate_names", r#"["apim.contoso.net"]"#);
    let m = only(
        doc(&[apim_names, ("nodes.client.target_host_name", "\"api.contoso.net\"")]),
        "tls_name",
    );
    has(&m, &["hop 'client' → 'apim'", "nodes.client.target_host_name"]);
    // The route's own target wins over the client's.
    let fixed = doc(&[
        apim_names,
        ("nodes.client.target_host_name", "\"api.contoso.net\""),
        ("routes[0].target_host_name", "\"apim.contoso.net\""),
    ]);
    clean(fixed);
    let m = only(doc(&[apim_names, ("routes[0].target_host_name", "\"x.net\"")]), "tls_name");
    has(&m, &["from routes[0].target_host_name"]);
}

#[test]
fn bad_names_are_refused_with_their_json_path() {
    for (path, v, want) in [
        ("nodes.backend.certificate_names", r#"["a..b"]"#, "nodes.backend.certificate_names[0]"),
        ("nodes.backend.certificate_names", "[]", "nodes.backend.certificate_names"),
        ("nodes.apim.backend_host_name", "\"*.contoso.local\"", "nodes.apim.backend_host_name"),
        ("nodes.backend.host_name", "\"a b\"", "nodes.backend.host_name"),
        (
            "nodes.backend.certificate_expires",
            "\"2027-02-30\"",
            "nodes.backend.certificate_expires",
        ),
        (
            "nodes.backend.client_certificate_trusts",
            "[]",
            "nodes.backend.client_certificate_trusts",
        ),
        (
            "nodes.apim.client_certificate",
            r#"{"ca": "x", "pin": 1}"#,
            "nodes.apim.client_certificate",
        ),
    ] {
        let e = Scenario::from_value(std::path::Path::new("s.json"), doc(&[(path, v)]))
            .err()
            .unwrap_or_else(|| panic!("{path}={v} was accepted"))
            .to_string();
        assert!(e.contains(want), "{path}={v}: {e}");
    }
}

// ---- chains: tls_chain and tls_trust ----

fn chained(sets: &[(&str, &str)]) -> Value {
    let mut v = doc(sets);
    v["certificate_authorities"] = json!({"contoso-issuing": {"issued_by": "contoso-root"}});
    v["nodes"]["backend"]["certificate_ca"] = json!("contoso-issuing");
    v
}

#[test]
fn a_root_trusted_without_the_intermediates_sent_is_a_tls_chain_error() {
    let trust_root = ("nodes.apim.trusts", r#"["public","contoso-root"]"#);
    // The server sends its intermediates (the default): the root will do.
    clean(chained(&[trust_root]));
    let not_sent = ("nodes.backend.sends_intermediates", "false");
    let m = only(chained(&[trust_root, not_sent]), "tls_chain");
    has(
        &m,
        &[
            "hop 'apim' → 'backend'",
            "contoso-issuing → contoso-root",
            "nodes.backend.sends_intermediates",
            "add the issuing CA 'contoso-issuing' to nodes.apim.trusts",
        ],
    );
    // Either fix in the message works.
    clean(chained(&[trust_root, not_sent, ("nodes.backend.sends_intermediates", "true")]));
    clean(chained(&[not_sent, ("nodes.apim.trusts", r#"["public","contoso-issuing"]"#)]));
}

#[test]
fn trusting_no_ca_of_the_chain_names_the_root_to_trust() {
    let m = only(chained(&[("nodes.apim.trusts", r#"["public"]"#)]), "tls_trust");
    has(&m, &["CA 'contoso-issuing'", "add \"contoso-root\" to nodes.apim.trusts"]);
    // Without a chain nothing changed: the CA is its own root.
    let m = only(doc(&[("nodes.apim.trusts", r#"["public"]"#)]), "tls_trust");
    has(&m, &["add \"onprem-root\" to nodes.apim.trusts"]);
}

/// client → appgw → gw → backend: Application Gateway as the initiator.
fn app_gateway(trusts: &str, sets: &[(&str, &str)]) -> Value {
    let c = |v: f64| json!({ "kind": "constant", "value": v });
    let mut v = json!({
        "name": "appgw-chain",
        "workload": { "arrival": { "kind": "constant", "rate_per_s": 10 }, "requests": 100 },
        "certificate_authorities": {
            "contoso-issuing": { "issued_by": "contoso-root" },
            "contoso-root": {}
        },
        "nodes": {
            "client": { "kind": "client" },
            "appgw": { "kind": "app_gateway", "sku": "standard_v2", "instances": 2,
                       "trusts": serde_json::from_str::<Value>(trusts).unwrap() },
            "gw": { "kind": "vnet_gateway", "gateway": "expressroute", "sku": "ErGw1AZ" },
            "backend": { "kind": "backend", "servers": 4, "service_ms": c(1.0),
                         "certificate_ca": "contoso-issuing" }
        },
        "links": [
            { "between": ["client", "appgw"], "latency_ms": c(0.1) },
            { "between": ["appgw", "gw"], "latency_ms": c(0.1) },
            { "between": ["gw", "backend"], "latency_ms": c(1.0) }
        ],
        "routes": [ { "name": "r", "path": ["client", "appgw", "gw", "backend"] } ]
    });
    for (p, x) in sets {
        set_path(&mut v, p, x).unwrap();
    }
    v
}

#[test]
fn application_gateway_needs_the_root_not_the_intermediate() {
    let m = only(app_gateway(r#"["public","contoso-issuing"]"#, &[]), "tls_chain");
    has(
        &m,
        &[
            "hop 'appgw' → 'backend'",
            "'contoso-issuing' is an intermediate CA",
            "upload the root 'contoso-root' instead",
            "nodes.appgw.trusts",
        ],
    );
    clean(app_gateway(r#"["public","contoso-root"]"#, &[]));
    // With the root, Application Gateway still needs the intermediates
    // sent, and cannot be told to trust the intermediate instead.
    let m = only(
        app_gateway(
            r#"["public","contoso-root"]"#,
            &[("nodes.backend.sends_intermediates", "false")],
        ),
        "tls_chain",
    );
    assert!(!m.contains("add the issuing CA"), "{m}");
}

#[test]
fn issued_by_links_that_loop_are_refused() {
    let mut v = doc(&[]);
    v["certificate_authorities"] = json!({"a": {"issued_by": "b"}, "b": {"issued_by": "a"}});
    let e = Scenario::from_value(std::path::Path::new("s.json"), v).err().unwrap().to_string();
    assert!(e.contains("certificate_authorities.a.issued_by") && e.contains("loop"), "{e}");
    // A root may name itself.
    let mut v = doc(&[]);
    v["certificate_authorities"] = json!({"onprem-root": {"issued_by": "onprem-root"}});
    clean(v);
}

// ---- tls_client_certificate ----

const REQUIRES: (&str, &str) =
    ("nodes.backend.client_certificate_trusts", r#"["contoso-clients"]"#);

#[test]
fn a_required_client_certificate_must_be_presented_and_trusted() {
    let m = only(doc(&[REQUIRES]), "tls_client_certificate");
    has(&m, &["hop 'apim' → 'backend'", "presents none", "nodes.apim.client_certificate"]);
    clean(doc(&[REQUIRES, ("nodes.apim.client_certificate", r#"{"ca": "contoso-clients"}"#)]));
    let m = only(
        doc(&[REQUIRES, ("nodes.apim.client_certificate", r#"{"ca": "other-ca"}"#)]),
        "tls_client_certificate",
    );
    has(&m, &["issued by 'other-ca'", "add 'other-ca' to nodes.backend.client_certificate_trusts"]);
    // A client certificate nobody asks for is not sent, and not an error.
    clean(doc(&[("nodes.apim.client_certificate", r#"{"ca": "other-ca"}"#)]));
}

#[test]
fn application_gateway_cannot_present_a_client_certificate() {
    let m =
        only(app_gateway(r#"["public","contoso-root"]"#, &[REQUIRES]), "tls_client_certificate");
    has(&m, &["Application Gateway v2 cannot present a client certificate", "requires one"]);
    let m = only(
        app_gateway(
            r#"["public","contoso-root"]"#,
            &[("nodes.appgw.client_certificate", r#"{"ca": "contoso-clients"}"#)],
        ),
        "tls_client_certificate",
    );
    has(&m, &["remove nodes.appgw.client_certificate"]);
}

// ---- what a client certificate costs ----

#[test]
fn a_client_certificate_costs_the_signature_and_the_verifications() {
    let rtt_apim_backend = 2.0 * (APIM_GW + GW_BACKEND) + GW_DELAY;
    let hop = |r: &sim_scenarios::report::RouteReport, n: &str| {
        r.hops.iter().find(|h| h.node == n).unwrap().clone()
    };
    let plain = run(&load_inline(doc(&[]))).routes.remove(0);
    for (key, sign, verify) in [
        ("rsa2048", "tls.rsa2048_handshake_cpu_ms", "tls.rsa2048_verify_ms"),
        ("ecdsa_p256", "tls.ecdsa_p256_handshake_cpu_ms", "tls.ecdsa_p256_verify_ms"),
    ] {
        let cert = format!(r#"{{"ca": "contoso-clients", "key": "{key}"}}"#);
        let v = doc(&[REQUIRES, ("nodes.apim.client_certificate", &cert)]);
        let s = load_inline(v);
        let r = run(&s).routes.remove(0);
        // The static value: TCP + TLS 1.2 (3 RTT), no extra flight, plus
        // the client's signature; every connection is new here.
        assert_eq!(value("tls.client_certificate_extra_rtts"), 0.0);
        let want = 3.0 * rtt_apim_backend + value(sign);
        let got = hop(&r, "apim").handshake_ms_mean;
        assert!((got - want).abs() < 1e-5, "{key}: handshake {got}, want {want}");
        // The backend verifies two signatures per new connection.
        let extra = hop(&r, "backend").service_ms_mean - hop(&plain, "backend").service_ms_mean;
        let want = value("tls.client_certificate_verifications") * value(verify);
        assert!((extra - want).abs() < 1e-5, "{key}: verification {extra}, want {want}");
        // explain says the same.
        let text = s.routes()[0].hops[2].new_connection.clone().unwrap();
        has(
            &text,
            &[
                &format!("+ {:.3} ms to sign here", value(sign)),
                &format!("+ {want:.3} ms CPU to verify there"),
            ],
        );
    }
    // Without the requirement the certificate is not sent and costs nothing.
    let r = run(&load_inline(doc(&[("nodes.apim.client_certificate", r#"{"ca": "c"}"#)])))
        .routes
        .remove(0);
    assert_eq!(hop(&r, "apim").handshake_ms_mean, hop(&plain, "apim").handshake_ms_mean);
}

// ---- expiry ----

fn date(s: &str) -> Date {
    s.parse().unwrap()
}

#[test]
fn expiry_is_an_error_when_past_and_a_warning_within_the_window() {
    let v = doc(&[
        REQUIRES,
        ("nodes.backend.certificate_expires", "\"2027-01-31\""),
        ("nodes.apim.client_certificate", r#"{"ca": "contoso-clients", "expires": "2027-03-01"}"#),
    ]);
    let s = load_inline(v);
    let r = &s.routes()[0];
    // The compiled findings never depend on the date.
    assert!(r.findings.iter().all(|f| f.check != "certificate_expiry"));
    assert!(r.expiry_findings(date("2026-12-01"), 30).is_empty());
    let f = r.expiry_findings(date("2027-01-10"), 30);
    assert_eq!(f.len(), 1, "{f:#?}");
    assert_eq!(
        (f[0].check.as_str(), f[0].severity.to_string()),
        ("certificate_expiry", "warning".into())
    );
    has(
        &f[0].message,
        &[
            "the certificate of 'backend'",
            "2027-01-31",
            "21 days",
            "nodes.backend.certificate_expires",
        ],
    );
    // The last valid day is still valid; the day after is not.
    assert_eq!(r.expiry_findings(date("2027-01-31"), 0)[0].severity.to_string(), "warning");
    let f = r.expiry_findings(date("2027-02-15"), 30);
    assert_eq!(f.len(), 2, "{f:#?}");
    assert_eq!(f[0].severity.to_string(), "error");
    has(&f[0].message, &["expired on 2027-01-31 (15 days before 2027-02-15)", "renew it"]);
    assert_eq!(f[1].severity.to_string(), "warning");
    has(
        &f[1].message,
        &["the client certificate of 'apim'", "nodes.apim.client_certificate.expires"],
    );
    // Renewed as the message says.
    let s = load_inline(doc(&[("nodes.backend.certificate_expires", "\"2028-01-31\"")]));
    assert!(s.routes()[0].expiry_findings(date("2027-02-15"), 30).is_empty());
}
