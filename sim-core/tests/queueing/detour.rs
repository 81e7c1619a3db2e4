//! Nested calls: a hop calls out (through shared stations) before passing a
//! request on, and the call's whole duration is the hop's sub-call time.

use sim_core::{
    Arrivals, Detour, Direction, Link, Model, RouteBuilder, RunOptions, RunResults, Servers,
    SimDuration, Station, StationId, Workload,
};

use crate::theory::{mm1k, mm1k_sojourn_tail};
use crate::{check_conserved, check_hop_sum, check_rel, const_ns, exp_ms, ns_to_ms, servers};

const SEED: u64 = 0x00A1_0011;

/// Constant parts \[ns\]: links, then service times.
const L_OF: u64 = 500_000;
const L_FA: u64 = 250_000;
const L_AB: u64 = 1_000_000;
const L_FI: u64 = 2_000_000;
const S_FW: u64 = 100_000;
const S_FW_RESPONSE: u64 = 50_000;
const S_APIM: u64 = 300_000;
const S_IDP: u64 = 1_500_000;
const S_BACKEND: u64 = 400_000;

/// Without the call: origin, firewall, APIM, backend.
const BASE: u64 = L_OF + S_FW + L_FA + S_APIM + L_AB + S_BACKEND;
/// The call: back to the firewall, through it, on to the IdP, served, and
/// the same way back (the firewall with its response law).
const CALL: u64 = L_FA + S_FW + L_FI + S_IDP + L_FI + S_FW_RESPONSE + L_FA;

/// The stations of [`gateway`].
struct Ids {
    fw: StationId,
    idp: StationId,
}

/// ```text
/// origin ─L_OF─► fw ─L_FA─► apim ─L_AB─► backend
///                 ▲           │ "token" call (probability p)
///                 └──L_FA◄────┘ then fw ─L_FI─► idp, and back
/// ```
///
/// Everything constant, one request every 10 ms: nothing ever waits. The
/// firewall serves the main path and both directions of the call.
fn gateway(p: f64, requests: u64) -> (RunResults, Ids) {
    let mut b = Model::builder();
    let fw = b.station(
        Station::new("fw", servers(1), const_ns(S_FW))
            .with_response_service(const_ns(S_FW_RESPONSE)),
    );
    let apim = b.station(Station::new("apim", servers(1), const_ns(S_APIM)));
    let idp = b.station(Station::new("idp", servers(1), const_ns(S_IDP)));
    let backend = b.station(Station::new("backend", servers(1), const_ns(S_BACKEND)));
    let of = b.link(Link::new("origin-fw", const_ns(L_OF)));
    let fa = b.link(Link::new("fw-apim", const_ns(L_FA)));
    let ab = b.link(Link::new("apim-backend", const_ns(L_AB)));
    let fi = b.link(Link::new("fw-idp", const_ns(L_FI)));
    let work = Workload::new(Arrivals::constant(100.0).unwrap(), requests).with_warmup(1_000);
    b.route(
        RouteBuilder::new("gateway", work)
            .origin("client")
            .link(of, Direction::Forward)
            .station(fw)
            .link(fa, Direction::Forward)
            .station(apim)
            .detour(
                Detour::new("token", p)
                    .link(fa, Direction::Backward)
                    .station(fw)
                    .link(fi, Direction::Forward)
                    .station(idp),
            )
            .link(ab, Direction::Forward)
            .station(backend),
    );
    let model = b.build().unwrap();
    let results = sim_core::run(&model, &RunOptions::new(SEED, 2)).expect("the run completes");
    (results, Ids { fw, idp })
}

/// With probability 1 every request makes the call: its latency is the base
/// path plus the call's links and services exactly, the APIM hop reports
/// the call as sub-call time, and the firewall, visited three times per
/// request (main path, call out, call back), is busy S_FW + S_FW + S_FW_RESPONSE
/// in every 10 ms, against S_FW without the call.
#[test]
fn certain_call_adds_its_path_exactly() {
    let (none, ids) = gateway(0.0, 11_000);
    let route = &none.routes()[0];
    check_conserved(route, SEED);
    assert_eq!(route.mean_ms(), ns_to_ms(BASE));
    assert_eq!(route.hops()[2].subcall_ms_mean(), 0.0);
    let u_fw_base = none.stations()[ids.fw.index()].utilization().unwrap();
    check_rel("detour p=0 firewall utilization", u_fw_base, S_FW as f64 / 10e6, 1e-9, SEED);
    assert_eq!(none.stations()[ids.idp.index()].utilization(), Some(0.0));

    let (all, ids) = gateway(1.0, 11_000);
    let route = &all.routes()[0];
    check_conserved(route, SEED);
    assert_eq!(route.completed(), 2 * 10_000);
    println!(
        "detour p=1: mean {} ms, max {} ms, expected {} + {} ms",
        route.mean_ms(),
        route.max_ms(),
        ns_to_ms(BASE),
        ns_to_ms(CALL)
    );
    assert_eq!(route.mean_ms(), ns_to_ms(BASE + CALL));
    assert_eq!(route.max_ms(), ns_to_ms(BASE + CALL));
    let hops = route.hops();
    assert_eq!(hops[2].name(), "apim");
    assert_eq!(hops[2].subcall_ms_mean(), ns_to_ms(CALL));
    // The call's visits are the call's: the hops keep their own service.
    assert_eq!(hops[1].service_ms_mean(), ns_to_ms(S_FW));
    assert_eq!(hops[2].service_ms_mean(), ns_to_ms(S_APIM));
    assert_eq!(hops[2].link_ms_mean(), ns_to_ms(L_AB));
    for (i, h) in hops.iter().enumerate() {
        assert_eq!(h.wait_ms_mean(), 0.0, "hop {i}");
        if i != 2 {
            assert_eq!(h.subcall_ms_mean(), 0.0, "hop {i}");
        }
    }
    check_hop_sum(route, SEED);
    let u_fw = all.stations()[ids.fw.index()].utilization().unwrap();
    let u_idp = all.stations()[ids.idp.index()].utilization().unwrap();
    check_rel(
        "detour p=1 firewall utilization (main path + call both ways)",
        u_fw,
        (2 * S_FW + S_FW_RESPONSE) as f64 / 10e6,
        1e-9,
        SEED,
    );
    check_rel("detour p=1 idp utilization", u_idp, S_IDP as f64 / 10e6, 1e-9, SEED);
}

/// With probability 0.25, X of the n requests make the call, X ~
/// Binomial(n, 0.25): the sub-call mean is CALL·X/n (relative standard
/// error √(0.75 / (0.25 n)) ≈ 0.27 % at n = 400 000; tolerance 1.5 %), every
/// latency is BASE or BASE + CALL so the end-to-end mean is BASE plus the
/// sub-call mean, and the per-hop components still add up to the mean.
#[test]
fn partial_call_scales_with_probability() {
    let p = 0.25;
    let (results, ids) = gateway(p, 201_000);
    let route = &results.routes()[0];
    check_conserved(route, SEED);
    let n = route.completed() as f64;
    let subcall = route.hops()[2].subcall_ms_mean();
    let fraction = subcall / ns_to_ms(CALL);
    let calls = fraction * n;
    assert!((calls - calls.round()).abs() < 1e-6, "{calls} calls (seed {SEED:#x})");
    println!(
        "detour p={p}: {} calls out of {n}, standard error {:.3} %",
        calls.round(),
        ((1.0 - p) / (p * n)).sqrt() * 100.0
    );
    check_rel("detour p=0.25 sub-call mean [ms]", subcall, p * ns_to_ms(CALL), 0.015, SEED);
    check_rel(
        "detour p=0.25 end-to-end mean = base + sub-call [ms]",
        route.mean_ms(),
        ns_to_ms(BASE) + subcall,
        1e-12,
        SEED,
    );
    assert_eq!(route.max_ms(), ns_to_ms(BASE + CALL));
    check_hop_sum(route, SEED);
    // The firewall carries the calls actually made (over the window, which
    // holds the measured requests but one).
    let u_fw = results.stations()[ids.fw.index()].utilization().unwrap();
    let want = (S_FW as f64 + fraction * (S_FW + S_FW_RESPONSE) as f64) / 10e6;
    check_rel("detour p=0.25 firewall utilization", u_fw, want, 1e-3, SEED);
}

/// The IdP is a single Exp(1 ms) server with 4 waiting places and every
/// request calls it, at λ = 1.5 per ms: overload. Everything else is
/// unbounded and constant, so the calls reach the IdP as a Poisson stream
/// (a constant shift of the arrivals) and the IdP is an M/M/1/5: a call is
/// rejected with P_K ≈ 0.365 (\[GSTH\] §2.5), and the rejection is counted
/// at the APIM hop, which made the call. With a 10.2 ms timeout (the
/// constant path takes 7.2 ms) an accepted request times out when it spends
/// more than 3 ms at the IdP, with probability `mm1k_sojourn_tail`.
/// completed + rejected + timed out = offered, exactly.
#[test]
fn rejection_inside_a_call_is_counted_at_the_calling_hop() {
    let (lambda, mu, limit) = (1.5, 1.0, 4);
    let (requests, warmup, reps) = (270_000, 20_000, 4);
    let unbounded = |name: &str, ns: u64| Station::new(name, Servers::Unbounded, const_ns(ns));
    let mut b = Model::builder();
    let fw = b.station(unbounded("fw", S_FW).with_response_service(const_ns(S_FW_RESPONSE)));
    let apim = b.station(unbounded("apim", S_APIM));
    let idp = b.station(Station::new("idp", servers(1), exp_ms(1.0 / mu)).with_queue_limit(limit));
    let backend = b.station(unbounded("backend", S_BACKEND));
    let of = b.link(Link::new("origin-fw", const_ns(L_OF)));
    let fa = b.link(Link::new("fw-apim", const_ns(L_FA)));
    let ab = b.link(Link::new("apim-backend", const_ns(L_AB)));
    let fi = b.link(Link::new("fw-idp", const_ns(L_FI)));
    let constant_path = BASE + CALL - S_IDP;
    let slack_ms = 3.0;
    let timeout = SimDuration::from_millis_f64(ns_to_ms(constant_path) + slack_ms).unwrap();
    let work =
        Workload::new(Arrivals::poisson(lambda * 1e3).unwrap(), requests).with_warmup(warmup);
    b.route(
        RouteBuilder::new("gateway", work)
            .origin("client")
            .link(of, Direction::Forward)
            .station(fw)
            .link(fa, Direction::Forward)
            .station(apim)
            .detour(
                Detour::new("token", 1.0)
                    .link(fa, Direction::Backward)
                    .station(fw)
                    .link(fi, Direction::Forward)
                    .station(idp),
            )
            .link(ab, Direction::Forward)
            .station(backend)
            .with_timeout(timeout),
    );
    let model = b.build().unwrap();
    let results = sim_core::run(&model, &RunOptions::new(SEED, reps)).expect("the run completes");
    let route = &results.routes()[0];
    println!(
        "detour rejection: offered {} = completed {} + rejected {} + timed out {}",
        route.offered(),
        route.completed(),
        route.rejected(),
        route.timed_out()
    );
    assert_eq!(route.offered(), reps * (requests - warmup));
    check_conserved(route, SEED);
    assert!(route.rejected() > 0 && route.timed_out() > 0 && route.completed() > 0);
    let hops = route.hops();
    assert_eq!(hops[2].name(), "apim");
    assert_eq!(hops[2].rejected(), route.rejected(), "counted at the calling hop");
    for (i, h) in hops.iter().enumerate() {
        if i != 2 {
            assert_eq!(h.rejected(), 0, "hop {i} (seed {SEED:#x})");
        }
    }
    assert_eq!(results.stations()[idp.index()].max_queue(), u64::from(limit));
    assert!(route.max_ms() <= timeout.as_millis_f64());

    let (blocking, _) = mm1k(lambda, mu, limit + 1);
    let offered = route.offered() as f64;
    check_rel(
        "detour rejection: blocking at idp",
        route.rejected() as f64 / offered,
        blocking,
        0.02,
        SEED,
    );
    let late = (1.0 - blocking) * mm1k_sojourn_tail(lambda, mu, limit + 1, slack_ms);
    check_rel(
        "detour rejection: timed-out fraction",
        route.timed_out() as f64 / offered,
        late,
        0.03,
        SEED,
    );
}
