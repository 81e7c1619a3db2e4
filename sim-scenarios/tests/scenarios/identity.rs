//! Issue 12 item 2: identity at scale. APIM's built-in token cache is
//! emptied by updates and scale events and kept per region; users in
//! group overage send APIM to Microsoft Graph; the token's size grows the
//! requests after APIM and meets the on-premises servers' header limits;
//! an on-premises gateway delegates with Kerberos at a domain controller;
//! and every one of these exchanges can fail, counted per call.

use serde_json::{Value, json};
use sim_scenarios::azure::Severity;
use sim_scenarios::file::set_path;
use sim_scenarios::report::{CallReport, RouteReport};
use sim_scenarios::{RunReport, Scenario};

use super::{load_inline, run, shipped, shipped_json};

const OVERAGE: &str = "apim-hub-proxy-group-overage";
const HEADER: &str = "onprem-gateway-header-limit";

/// Short runs: 20,000 requests a replication (2,000 warm-up), two
/// replications: 36,000 measured requests per route.
const SHORT: [(&str, &str); 3] =
    [("workload.requests", "20000"), ("workload.warmup_requests", "2000"), ("replications", "2")];

/// `doc` with the short run's settings, loaded.
fn short(mut doc: Value) -> Scenario {
    for (p, v) in SHORT {
        set_path(&mut doc, p, v).unwrap();
    }
    load_inline(doc)
}

fn call<'a>(r: &'a RouteReport, name: &str) -> &'a CallReport {
    r.calls.iter().find(|c| c.call == name).unwrap_or_else(|| panic!("{}: no {name}", r.name))
}

fn route<'a>(report: &'a RunReport, name: &str) -> &'a RouteReport {
    report.routes.iter().find(|r| r.name == name).unwrap()
}

/// `|got − want| ≤ 4` standard errors of a binomial share over `n` tries.
fn check_share(what: &str, hits: u64, n: u64, p: f64) {
    let sd = (n as f64 * p * (1.0 - p)).sqrt();
    let want = n as f64 * p;
    assert!(
        (hits as f64 - want).abs() <= 4.0 * sd,
        "{what}: {hits} of {n}, expected {want:.1} ± {:.1} (p = {p:.5})",
        4.0 * sd
    );
}

/// The token exchange of apim-hub-proxy with 50,000 users and a 75 min
/// lifetime, its built-in cache emptied 96 times a day (every 15 min) in
/// each of two regions: each user's entry lasts min(L, time to the next
/// flush), so a user misses f / (1 − e^(−fL)) times a second per cache,
/// 2 × 50,000 × that over 1,000 requests/s = 0.1119 (lifetimes alone
/// would give 0.0222; adding f to 1 / L, 0.1333).
#[test]
fn issue_12_cache_flushes_add_misses_per_region_as_the_renewal_formula_says() {
    let mut doc = shipped_json("apim-hub-proxy");
    doc["nodes"]["apim"]["regions"] = json!(2);
    doc["nodes"]["apim"]["policies"]["token_exchange"]["cache_flushes_per_day"] = json!(96);
    let (f, l): (f64, f64) = (96.0 / 86_400.0, 75.0 * 60.0);
    let p = 2.0 * 50_000.0 * f / (1.0 - (-f * l).exp()) / 1000.0;
    assert!((p - 0.1119).abs() < 1e-4, "{p}");
    let report = run(&short(doc));
    for r in &report.routes {
        let c = call(r, "token_exchange");
        check_share(&format!("{} token_exchange", r.name), c.attempts, r.offered, p);
    }
}

/// Without a flush count the built-in cache takes the catalog's (one a
/// day, EST) and `explain` splits the misses; an external cache is not
/// flushed by APIM's events and serves every region, so two regions do not
/// double its misses.
#[test]
fn explain_splits_lifetime_and_flush_misses_and_an_external_cache_keeps_them_per_instance() {
    let apim_calls = |doc: Value| -> Vec<String> {
        let s = load_inline(doc);
        let red = s.routes().iter().find(|r| r.name == "red").unwrap();
        red.hops[1].calls.clone()
    };
    let built_in = apim_calls(shipped_json("apim-hub-proxy"));
    let exchange = &built_in[0];
    for fragment in [
        "misses 11.403/s",
        "50000 users × 1 cache / 75 min lifetime = 11.111/s",
        "plus 0.292/s after 1 flush a day (EST: built-in cache",
    ] {
        assert!(exchange.contains(fragment), "{fragment:?} not in {exchange}");
    }
    let mut doc = shipped_json("apim-hub-proxy");
    doc["nodes"]["apim"]["regions"] = json!(3);
    doc["nodes"]["apim"]["policies"]["token_exchange"]["cache"] = json!("external");
    let external = apim_calls(doc);
    assert!(
        external[0].contains("11.111/s, plus 0/s after 0 flushes a day (EST: external cache"),
        "{}",
        external[0]
    );
    let mut doc = shipped_json("apim-hub-proxy");
    doc["nodes"]["apim"]["regions"] = json!(3);
    let per_region = apim_calls(doc);
    assert!(per_region[0].contains("50000 users × 3 caches (one per region)"), "{}", per_region[0]);
}

/// Multi-region is Premium's, and flushes need the users they empty.
#[test]
fn regions_and_flushes_are_refused_where_they_cannot_apply() {
    let mut doc = shipped_json("apim-hub-proxy");
    doc["nodes"]["apim"]["tier"] = json!("standardv2");
    doc["nodes"]["apim"]["units"] = json!(1);
    doc["nodes"]["apim"]["regions"] = json!(2);
    let e = Scenario::from_value(&shipped("apim-hub-proxy"), doc).unwrap_err().to_string();
    assert!(e.contains("nodes.apim.regions") && e.contains("Premium"), "{e}");
    let doc = shipped_json("apim-hub-proxy-no-token-cache");
    let mut doc = doc;
    doc["nodes"]["apim"]["policies"]["token_exchange"]["cache_flushes_per_day"] = json!(4);
    let e = Scenario::from_value(&shipped("apim-hub-proxy"), doc).unwrap_err().to_string();
    assert!(e.contains("cache_flushes_per_day") && e.contains("give users"), "{e}");
}

/// The group-overage scenario without validate-jwt's CPU, the Graph call directly
/// linked to Graph (3 ms each way, constant) and a constant 50 ms answer,
/// 20 % of users in overage: the per-hop calls column at APIM is
/// 0.2 × 56 ms = 11.2 ms a request (± 0.47, four standard errors).
#[test]
fn issue_12_the_graph_call_costs_its_share_times_its_mean_in_the_calls_column() {
    let mut doc = shipped_json(OVERAGE);
    let policies = &mut doc["nodes"]["apim"]["policies"];
    policies.as_object_mut().unwrap().remove("validate_jwt");
    policies["graph_call"]["via"] = json!(["graph"]);
    doc["nodes"]["graph"]["service_ms"] = json!({"kind": "constant", "value": 50});
    doc["links"].as_array_mut().unwrap().push(
        json!({"between": ["apim", "graph"], "latency_ms": {"kind": "constant", "value": 3}}),
    );
    let report = run(&short(doc));
    for r in &report.routes {
        let hop = r.hops.iter().find(|h| h.node == "apim").unwrap();
        assert!(
            (hop.subcall_ms_mean - 11.2).abs() < 0.47,
            "{}: calls at apim {} ms, expected 11.2",
            r.name,
            hop.subcall_ms_mean
        );
        check_share(
            &format!("{} graph_call", r.name),
            call(r, "graph_call").attempts,
            r.offered,
            0.2,
        );
    }
}

/// The shipped group-overage scenario runs its Graph call through the
/// firewall; a token in overage without a Graph call, or a Graph call
/// without a token description, is refused with the fix.
#[test]
fn group_overage_needs_a_graph_call_and_a_graph_call_needs_overage() {
    let s = Scenario::load(&shipped(OVERAGE)).unwrap();
    let red = s.routes().iter().find(|r| r.name == "red").unwrap();
    let graph = red.hops[1].calls.iter().find(|c| c.starts_with("graph_call")).unwrap();
    assert!(graph.contains("via hub-fw → graph with probability 0.2000"), "{graph}");
    assert!(graph.contains("400 memberOf calls/s"), "{graph}");
    let mut doc = shipped_json(OVERAGE);
    doc["nodes"]["apim"]["policies"].as_object_mut().unwrap().remove("graph_call");
    let e = Scenario::from_value(&shipped(OVERAGE), doc).unwrap_err().to_string();
    assert!(e.contains("policies.user_token") && e.contains("add policies.graph_call"), "{e}");
    let mut doc = shipped_json(OVERAGE);
    doc["nodes"]["apim"]["policies"]["user_token"] = json!({"groups_per_user": 40});
    let e = Scenario::from_value(&shipped(OVERAGE), doc).unwrap_err().to_string();
    assert!(e.contains("graph_call") && e.contains("never calls Graph"), "{e}");
    // 250 groups: above the JWT limit, every user is in overage.
    let mut doc = shipped_json(OVERAGE);
    doc["nodes"]["apim"]["policies"]["user_token"] = json!({"groups_per_user": 250});
    let s = Scenario::from_value(&shipped(OVERAGE), doc).unwrap();
    let red = s.routes().iter().find(|r| r.name == "red").unwrap();
    assert!(red.hops[1].calls.iter().any(|c| c.contains("graph with probability 1.0000")));
    // The Graph call must end at Microsoft Graph.
    let mut doc = shipped_json(OVERAGE);
    doc["nodes"]["entra"] = json!({"kind": "identity_provider"});
    doc["links"]
        .as_array_mut()
        .unwrap()
        .push(json!({"between": ["hub-fw", "entra"], "network": "intra_zone"}));
    doc["nodes"]["apim"]["policies"]["graph_call"]["via"] = json!(["hub-fw", "entra"]);
    let e = Scenario::from_value(&shipped(OVERAGE), doc).unwrap_err().to_string();
    assert!(e.contains("only a microsoft graph answers it"), "{e}");
}

fn header_errors(s: &Scenario) -> Vec<String> {
    s.routes()
        .iter()
        .flat_map(|r| r.findings.iter())
        .filter(|f| f.check == "header_size")
        .inspect(|f| assert_eq!(f.severity, Severity::Error))
        .map(|f| f.message.clone())
        .collect()
}

fn header_with(f: impl FnOnce(&mut Value)) -> Scenario {
    let mut doc = shipped_json(HEADER);
    f(&mut doc);
    Scenario::from_value(&shipped(HEADER), doc).unwrap()
}

/// 150 groups make a 1,600 + 150 × 52 = 9,400-byte token, over nginx's
/// 8 KB: the shipped scenario fails; each fix in its message clears it.
#[test]
fn issue_12_a_token_over_the_gateway_header_limit_fails_validate_and_each_fix_clears_it() {
    let errs = header_errors(&Scenario::load(&shipped(HEADER)).unwrap());
    assert_eq!(errs.len(), 1, "{errs:#?}");
    for fragment in [
        "route 'red' (routes[0].path[4])",
        "9400 bytes",
        "150 groups",
        "'onprem-apigw' accepts at most 8192",
        "raise nodes.onprem-apigw.max_header_bytes",
        "app roles",
        "forwarded: false",
    ] {
        assert!(errs[0].contains(fragment), "{fragment:?} not in {}", errs[0]);
    }
    type Fix = Box<dyn FnOnce(&mut Value)>;
    let fixes: [(&str, Fix); 3] = [
        (
            "a 16 KB limit",
            Box::new(|d| d["nodes"]["onprem-apigw"]["max_header_bytes"] = json!(16384)),
        ),
        (
            "100 groups",
            Box::new(|d| {
                d["nodes"]["apim"]["policies"]["user_token"]["groups_per_user"] = json!(100)
            }),
        ),
        (
            "not forwarded",
            Box::new(|d| d["nodes"]["apim"]["policies"]["user_token"]["forwarded"] = json!(false)),
        ),
    ];
    for (what, fix) in fixes {
        assert!(header_errors(&header_with(fix)).is_empty(), "{what} still fails");
    }
    // The gateway swaps the token for a Kerberos ticket, so the backend's
    // smaller limit never sees it; without delegation the backend does.
    let s = header_with(|d| {
        d["nodes"]["onprem-apigw"]["max_header_bytes"] = json!(16384);
        d["nodes"]["backend"]["max_header_bytes"] = json!(4096);
    });
    assert!(header_errors(&s).is_empty());
    let s = header_with(|d| {
        d["nodes"]["onprem-apigw"]["max_header_bytes"] = json!(16384);
        d["nodes"]["onprem-apigw"].as_object_mut().unwrap().remove("kerberos");
        d["nodes"]["backend"]["max_header_bytes"] = json!(4096);
    });
    let errs = header_errors(&s);
    assert!(errs.len() == 1 && errs[0].contains("'backend' accepts at most 4096"), "{errs:#?}");
}

/// A limit is bytes or a known server's default, nothing else.
#[test]
fn a_header_limit_names_its_fix() {
    let mut doc = shipped_json(HEADER);
    doc["nodes"]["onprem-apigw"]["max_header_bytes"] = json!("apache");
    let e = Scenario::from_value(&shipped(HEADER), doc).unwrap_err().to_string();
    assert!(e.contains("nodes.onprem-apigw.max_header_bytes") && e.contains("\"nginx\""), "{e}");
}

/// The forwarded token rides in every request after APIM: the static
/// floor of the ExpressRoute hop (1 Gbit/s circuit) grows by at least its
/// serialisation, 9,400 × 8 bits / 1 Gbit/s = 0.0752 ms.
#[test]
fn the_forwarded_token_adds_its_bytes_after_apim() {
    let floor = |forwarded: bool| -> (f64, f64) {
        let s = header_with(|d| {
            d["nodes"]["apim"]["policies"]["user_token"]["forwarded"] = json!(forwarded)
        });
        let hops = &s.routes()[0].hops;
        (hops[0].floor_ms, hops[3].floor_ms)
    };
    let ((client_off, er_off), (client_on, er_on)) = (floor(false), floor(true));
    assert_eq!(client_on, client_off, "the link before APIM carries the client's request only");
    assert!(er_on - er_off >= 0.0752 - 1e-9, "{er_on} − {er_off}");
}

/// Kerberos delegation at the gateway with half the tickets cached and a
/// constant 4 ms at the domain controller over a 0.2 ms LAN: the calls
/// column at the gateway is 0.5 × 4.4 = 2.2 ms a request (± 0.05).
#[test]
fn issue_12_kerberos_delegation_is_a_call_to_the_domain_controller() {
    let mut doc = shipped_json(HEADER);
    doc["nodes"]["onprem-apigw"]["max_header_bytes"] = json!(16384);
    doc["nodes"]["onprem-apigw"]["kerberos"] = json!({"kdc": "dc", "ticket_cache_hit_ratio": 0.5});
    doc["nodes"]["dc"]["service_ms"] = json!({"kind": "constant", "value": 4});
    let report = run(&short(doc));
    let r = route(&report, "red");
    let hop = r.hops.iter().find(|h| h.node == "onprem-apigw").unwrap();
    assert!((hop.subcall_ms_mean - 2.2).abs() < 0.05, "{}", hop.subcall_ms_mean);
    check_share("kerberos", call(r, "kerberos").attempts, r.offered, 0.5);
    // The KDC must be a domain controller linked to the gateway.
    let mut doc = shipped_json(HEADER);
    doc["nodes"]["onprem-apigw"]["kerberos"]["kdc"] = json!("backend");
    let e = Scenario::from_value(&shipped(HEADER), doc).unwrap_err().to_string();
    assert!(e.contains("kerberos.kdc") && e.contains("only a domain controller answers it"), "{e}");
}

/// Each exchange fails with its own probability; the failures are counted
/// per call and fail their requests (no retry).
#[test]
fn issue_12_graph_and_kerberos_failures_are_counted_per_call() {
    let mut doc = shipped_json(OVERAGE);
    doc["nodes"]["apim"]["policies"]["graph_call"]["failure_probability"] = json!(0.1);
    let report = run(&short(doc));
    for r in &report.routes {
        let c = call(r, "graph_call");
        check_share(&format!("{} graph errors", r.name), c.errors, c.attempts, 0.1);
        assert!(r.failed >= c.errors, "{}: {} failed < {} errors", r.name, r.failed, c.errors);
    }
    let mut doc = shipped_json(HEADER);
    doc["nodes"]["onprem-apigw"]["kerberos"] =
        json!({"kdc": "dc", "ticket_cache_hit_ratio": 0.5, "failure_probability": 0.05});
    let report = run(&short(doc));
    let r = route(&report, "red");
    let c = call(r, "kerberos");
    check_share("kerberos errors", c.errors, c.attempts, 0.05);
    assert_eq!(r.failed, c.errors, "each failed delegation fails its request");
}
