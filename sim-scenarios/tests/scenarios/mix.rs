//! Mode `mix`: one simulation in which the routes share the stations, each
//! arrival taking a route by weight.

use serde_json::{Value, json};
use sim_scenarios::report::RouteReport;
use sim_scenarios::{RunReport, Scenario};

use super::{load_inline, run, shipped, shipped_json};

/// A short run: few requests, two replications.
const SMALL: [(&str, &str); 3] =
    [("workload.requests", "8000"), ("workload.warmup_requests", "800"), ("replications", "2")];

/// `apim-hub-proxy` with `mode` and, in mode `mix`, weights 0.7 / 0.3.
fn apim(mode: &str) -> Value {
    let mut value = shipped_json("apim-hub-proxy");
    for (p, v) in SMALL {
        sim_scenarios::file::set_path(&mut value, p, v).unwrap();
    }
    value["mode"] = json!(mode);
    if mode == "mix" {
        value["routes"][0]["weight"] = json!(0.7);
        value["routes"][1]["weight"] = json!(0.3);
    }
    value
}

fn route<'a>(r: &'a RunReport, name: &str) -> &'a RouteReport {
    r.routes.iter().find(|x| x.name == name).unwrap_or_else(|| panic!("no route {name}"))
}

/// The utilisation of every `node` hop of a route.
fn utilizations(r: &RouteReport, node: &str) -> Vec<f64> {
    r.hops
        .iter()
        .filter(|h| h.node == node)
        .map(|h| h.utilization.expect("finite servers"))
        .collect()
}

#[test]
fn a_mix_shares_the_hub_firewall_between_the_routes() {
    let scenario = load_inline(apim("mix"));
    let model = scenario.mix_model().expect("mode mix compiles one shared model");
    assert_eq!(model.mix_weights(), Some(&[0.7, 0.3][..]));
    assert_eq!(model.routes().len(), 2);
    // One hub-fw station, shared by both routes and visited twice by green.
    assert_eq!(model.stations().iter().filter(|s| s.name() == "hub-fw").count(), 1);
    assert!(scenario.mix_model_without_auth().is_some(), "APIM validates JWTs");

    let mix = run(&scenario);
    assert_eq!(mix.mode, "mix");
    // `requests` counts arrivals over both routes.
    assert_eq!((mix.requests, mix.warmup_requests), (8000, 800));
    let names: Vec<&str> = mix.routes.iter().map(|r| r.name.as_str()).collect();
    assert_eq!(names, ["green", "red"]);
    let offered: u64 = mix.routes.iter().map(|r| r.offered).sum();
    assert_eq!(offered, 2 * (8000 - 800));
    for r in &mix.routes {
        assert_eq!(r.completed + r.rejected + r.timed_out, r.offered, "route {}", r.name);
        assert!(r.completed > 0 && r.latency_ms.mean.unwrap() > 0.0, "route {}", r.name);
        assert!(r.auth_added_ms.is_some(), "route {}", r.name);
    }
    // 70 / 30 within five binomial standard deviations.
    let share = route(&mix, "green").offered as f64 / offered as f64;
    let sd = (0.7 * 0.3 / offered as f64).sqrt();
    assert!((share - 0.7).abs() <= 5.0 * sd, "green share {share}");
    // The findings are the routes' own.
    assert!(route(&mix, "red").findings.iter().any(|f| f.check == "firewall_bypass"));

    // One firewall: every hub-fw hop of both routes reports one utilisation.
    let (green, red) = (route(&mix, "green"), route(&mix, "red"));
    let fw: Vec<f64> =
        utilizations(green, "hub-fw").into_iter().chain(utilizations(red, "hub-fw")).collect();
    assert_eq!(fw.len(), 3);
    assert!(fw.iter().all(|&u| u == fw[0]), "hub-fw utilisations {fw:?}");
    assert_eq!(utilizations(green, "apim"), utilizations(red, "apim"));

    // Alone, red crosses the firewall once per direction; in the mix 70 %
    // of the requests cross it twice: about 1.7 times the load.
    let compare = run(&load_inline(apim("compare")));
    assert_eq!(compare.mode, "compare");
    let red_alone = utilizations(route(&compare, "red"), "hub-fw")[0];
    assert!(fw[0] > red_alone, "mix hub-fw {} vs red alone {red_alone}", fw[0]);
    let ratio = fw[0] / red_alone;
    assert!((1.5..=1.9).contains(&ratio), "mix / red-alone hub-fw utilisation {ratio}");
}

#[test]
fn a_mix_is_the_same_on_any_number_of_threads() {
    let scenario = load_inline(apim("mix"));
    let on = |threads: usize| {
        let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
        let report = pool.install(|| sim_scenarios::run(&scenario, 42, 2, &|| {}).unwrap());
        serde_json::to_string(&report).unwrap()
    };
    assert_eq!(on(1), on(2));
}

#[test]
fn progress_counts_one_replication_per_route() {
    use std::sync::atomic::{AtomicU64, Ordering};
    let scenario = load_inline(apim("mix"));
    let ticks = AtomicU64::new(0);
    sim_scenarios::run(&scenario, 42, 2, &|| {
        ticks.fetch_add(1, Ordering::Relaxed);
    })
    .unwrap();
    // As in compare mode: per route, its replications; the authorisation
    // twins run alongside and are not counted.
    assert!(scenario.routes().iter().any(|r| r.model_without_auth.is_some()));
    assert_eq!(ticks.load(Ordering::Relaxed), 2 * scenario.routes().len() as u64);
}

#[test]
fn the_shipped_mix_scenario_loads() {
    let s = Scenario::load(&shipped("apim-hub-proxy-mix")).unwrap();
    assert_eq!(s.spec().mode, sim_scenarios::file::Mode::Mix);
    assert_eq!(s.mix_model().and_then(|m| m.mix_weights()), Some(&[0.7, 0.3][..]));
    assert!(Scenario::load(&shipped("apim-hub-proxy")).unwrap().mix_model().is_none());
}

#[test]
fn weights_are_checked_by_mode() {
    let error = |value: Value| {
        Scenario::from_value(std::path::Path::new("w.json"), value).unwrap_err().to_string()
    };
    let mut missing = apim("mix");
    missing["routes"][1].as_object_mut().unwrap().remove("weight");
    let e = error(missing);
    assert!(e.contains("routes[1].weight") && e.contains("needs a weight"), "{e}");
    for bad in [json!(0), json!(-0.3), json!(2e9)] {
        let mut v = apim("mix");
        v["routes"][0]["weight"] = bad.clone();
        let e = error(v);
        assert!(e.contains("routes[0].weight") && e.contains("must be > 0"), "{bad}: {e}");
    }
    let mut compare = apim("compare");
    compare["routes"][0]["weight"] = json!(0.5);
    let e = error(compare);
    assert!(e.contains("routes[0].weight") && e.contains("only in mode \"mix\""), "{e}");
}
