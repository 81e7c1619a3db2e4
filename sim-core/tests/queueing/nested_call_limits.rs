//! A nested call's own service law at its callee, and its timeout.

use sim_core::{
    Arrivals, Detour, Direction, Link, Model, RouteBuilder, RunOptions, RunResults, Servers,
    SimDuration, Station, Workload,
};

use crate::{check_conserved, check_rel, const_ms, exp_ms};

const SEED: u64 = 0x00A1_0031;

/// `apim` (instant) calls `idp` on every request over a link of 1 ms each
/// way, then passes the request to `backend` (instant). The idp's own law
/// is a constant 150 ms; `callee` replaces it for this call; `timeout`
/// fails the request when the call takes longer.
fn calling(callee: Option<f64>, timeout_ms: Option<f64>, requests: u64) -> RunResults {
    let mut b = Model::builder();
    let apim = b.station(Station::new("apim", Servers::Unbounded, const_ms(0.0)));
    let idp = b.station(Station::new("idp", Servers::Unbounded, const_ms(150.0)));
    let backend = b.station(Station::new("backend", Servers::Unbounded, const_ms(0.0)));
    let ai = b.link(Link::new("apim-idp", const_ms(1.0)));
    let ab = b.link(Link::new("apim-backend", const_ms(0.0)));
    let mut call = Detour::new("keys", 1.0).link(ai, Direction::Forward).station(idp);
    if let Some(mean) = callee {
        call = call.with_callee_service(exp_ms(mean));
    }
    if let Some(t) = timeout_ms {
        call = call.with_timeout(SimDuration::from_millis_f64(t).unwrap());
    }
    let work = Workload::new(Arrivals::poisson(100.0).unwrap(), requests);
    b.route(
        RouteBuilder::new("r", work)
            .station(apim)
            .detour(call)
            .link(ab, Direction::Forward)
            .station(backend),
    );
    let model = b.build().unwrap();
    sim_core::run(&model, &RunOptions::new(SEED, 2)).expect("the run completes")
}

/// The call takes the callee law given for it (exponential, mean 20 ms,
/// plus 2 ms of links), not the station's own 150 ms.
#[test]
fn a_call_uses_its_own_callee_law() {
    let results = calling(Some(20.0), None, 40_000);
    let route = &results.routes()[0];
    check_conserved(route, SEED);
    check_rel(
        "call time = 20 ms + 2 ms links",
        route.hops()[0].subcall_ms_mean(),
        22.0,
        0.02,
        SEED,
    );
    let own = calling(None, None, 1_000);
    assert_eq!(own.routes()[0].hops()[0].subcall_ms_mean(), 152.0);
}

/// Calls of exponential length (mean 20 ms, plus 2 ms of links) against a
/// 42 ms timeout: the caller stops waiting for a share e^(−2) ≈ 13.5 % of
/// the calls, and with no retry those requests fail; the rest complete, and
/// no completed request's call took longer than the timeout.
#[test]
fn a_call_past_its_timeout_times_its_request_out() {
    let results = calling(Some(20.0), Some(42.0), 40_000);
    let route = &results.routes()[0];
    check_conserved(route, SEED);
    let share = route.failed() as f64 / route.offered() as f64;
    check_rel("failed share = e^-2", share, (-2.0f64).exp(), 0.05, SEED);
    assert_eq!(route.timed_out(), 0, "a call's timeout fails its request, it does not time it out");
    assert!(route.max_ms() <= 42.0, "max {} ms", route.max_ms());
    let without = calling(Some(20.0), None, 40_000);
    assert_eq!(without.routes()[0].failed(), 0);
}
