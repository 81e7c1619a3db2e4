//! Round trips: the response walks the path back, with the response law.

use sim_core::{
    Arrivals, Direction, Link, Model, RouteBuilder, RunOptions, Servers, Station, Workload,
};

use crate::theory::mm1_sojourn_mean;
use crate::{check_conserved, check_rel, const_ms, exp_ms, servers};

const SEED: u64 = 0x00A1_0007;

/// origin ─0.5 ms─► A ─1 ms─► C ─1.5 ms─► B and back: the request visits
/// A, C, B; the response visits C and A again, crossing each link in the
/// backward direction.
///
/// - A: one FIFO server, exponential of mean 0.5 ms for requests *and*
///   responses (set explicitly with `with_response_service`). Visited twice
///   with the same law, it is an M/M/1 at load 2λ·0.5 = 0.7, and each visit
///   takes 1/(μ_A − 2λ) on average (product form with class-independent
///   exponential FIFO service: Kelly 1979 ch. 3; \[BCMP\]).
/// - C: unbounded servers (an M/G/∞ delay, BCMP type 3, product form for any
///   law): requests take Exp(0.5 ms), responses a constant 2 ms, so its
///   contribution, 2.5 ms, shows the response law is the one used.
/// - B: the turnaround, visited once: M/M/1 at ρ = 0.7.
///
/// Links are constant: each counts twice.
#[test]
fn response_returns_along_reversed_path() {
    let lambda = 0.7;
    let links = [0.5, 1.0, 1.5];
    let (s_a, s_c_req, s_c_resp, s_b) = (0.5, 0.5, 2.0, 1.0);
    let (requests, warmup, reps) = (1_050_000, 50_000, 4);
    let mut b = Model::builder();
    let a =
        b.station(Station::new("a", servers(1), exp_ms(s_a)).with_response_service(exp_ms(s_a)));
    let c = b.station(
        Station::new("c", Servers::Unbounded, exp_ms(s_c_req))
            .with_response_service(const_ms(s_c_resp)),
    );
    let st_b = b.station(Station::new("b", servers(1), exp_ms(s_b)));
    let l: Vec<_> = links
        .iter()
        .enumerate()
        .map(|(i, &ms)| b.link(Link::new(format!("link-{i}"), const_ms(ms))))
        .collect();
    let work = Workload::new(Arrivals::poisson(lambda * 1e3).unwrap(), requests)
        .with_warmup(warmup)
        .with_round_trip(true);
    b.route(
        RouteBuilder::new("round-trip", work)
            .origin("client")
            .link(l[0], Direction::Forward)
            .station(a)
            .link(l[1], Direction::Forward)
            .station(c)
            .link(l[2], Direction::Forward)
            .station(st_b),
    );
    let model = b.build().unwrap();
    assert!(model.routes()[0].workload().is_round_trip());

    let results = sim_core::run(&model, &RunOptions::new(SEED, reps)).expect("the run completes");
    let route = &results.routes()[0];
    check_conserved(route, SEED);
    let w_a = mm1_sojourn_mean(2.0 * lambda, 1.0 / s_a);
    let w_b = mm1_sojourn_mean(lambda, 1.0 / s_b);
    let theory = 2.0 * links.iter().sum::<f64>() + 2.0 * w_a + (s_c_req + s_c_resp) + w_b;
    check_rel("round trip mean end-to-end [ms]", route.mean_ms(), theory, 0.02, SEED);

    let hops = route.hops();
    // Each link is crossed once each way: its hop carries twice its delay.
    for (i, &ms) in links.iter().enumerate() {
        assert_eq!(hops[i].link_ms_mean(), 2.0 * ms, "hop {i} (seed {SEED:#x})");
    }
    assert_eq!(hops[3].link_ms_mean(), 0.0, "seed {SEED:#x}");
    // C: no queue, request plus response service.
    assert_eq!(hops[2].wait_ms_mean(), 0.0, "seed {SEED:#x}");
    check_rel(
        "round trip service at c (request + response)",
        hops[2].service_ms_mean(),
        2.5,
        0.01,
        SEED,
    );
    // A serves every message twice: load 2λ s_A.
    let u_a = results.stations()[a.index()].utilization().unwrap();
    check_rel("round trip utilization of a", u_a, 2.0 * lambda * s_a, 0.01, SEED);
    check_rel(
        "round trip sojourn at a, both ways [ms]",
        hops[1].wait_ms_mean() + hops[1].service_ms_mean(),
        2.0 * w_a,
        0.02,
        SEED,
    );
    // The turnaround B is served once per round trip: load λ s_B.
    let u_b = results.stations()[st_b.index()].utilization().unwrap();
    check_rel("round trip utilization of b (turnaround, once)", u_b, lambda * s_b, 0.01, SEED);
}
