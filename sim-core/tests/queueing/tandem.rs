//! A tandem of M/M/c stations joined by constant links (Jackson network).

use sim_core::{Arrivals, Direction, Link, Model, RouteBuilder, RunOptions, Station, Workload};

use crate::theory::mmc_sojourn_mean;
use crate::{check_conserved, check_rel, const_ms, exp_ms, servers};

const SEED: u64 = 0x00A1_0004;

/// origin ─2 ms─► A (M/M/2, ρ = 0.7) ─1 ms─► B (M/M/3, mean service 1.5 ms,
/// ρ = 0.7), λ = 1.4 per ms.
///
/// By Burke's theorem (Burke, Oper. Res. 4, 1956) the departures of a
/// stationary M/M/c queue are Poisson, and a constant delay shifts a Poisson
/// process without changing it, so B is again an M/M/c queue; the network is
/// a Jackson network in series whose mean end-to-end time is the sum of the
/// link delays and the stations' M/M/c sojourn means (Jackson, Oper. Res.
/// 5, 1957; \[GSTH\] §4.1–4.2). Links are BCMP infinite-server nodes, whose
/// product form holds for any delay law (\[BCMP\]).
#[test]
fn mean_is_sum_of_links_and_station_sojourns() {
    let lambda = 1.4;
    let (link_oa, link_ab) = (2.0, 1.0);
    let (c_a, s_a, c_b, s_b) = (2, 1.0, 3, 1.5);
    let (requests, warmup, reps) = (1_550_000, 50_000, 4);
    let mut b = Model::builder();
    let a = b.station(Station::new("a", servers(c_a), exp_ms(s_a)));
    let st_b = b.station(Station::new("b", servers(c_b), exp_ms(s_b)));
    let oa = b.link(Link::new("origin-a", const_ms(link_oa)));
    let ab = b.link(Link::new("a-b", const_ms(link_ab)));
    let work =
        Workload::new(Arrivals::poisson(lambda * 1e3).unwrap(), requests).with_warmup(warmup);
    b.route(
        RouteBuilder::new("tandem", work)
            .origin("client")
            .link(oa, Direction::Forward)
            .station(a)
            .link(ab, Direction::Forward)
            .station(st_b),
    );
    let model = b.build().unwrap();

    let results = sim_core::run(&model, &RunOptions::new(SEED, reps)).expect("the run completes");
    let route = &results.routes()[0];
    check_conserved(route, SEED);
    let w_a = mmc_sojourn_mean(lambda, 1.0 / s_a, c_a);
    let w_b = mmc_sojourn_mean(lambda, 1.0 / s_b, c_b);
    let theory = link_oa + link_ab + w_a + w_b;
    check_rel("tandem mean end-to-end [ms]", route.mean_ms(), theory, 0.01, SEED);

    // Where the time goes, hop by hop: constant links exactly, each station
    // as its own M/M/c.
    let hops = route.hops();
    assert_eq!(hops[0].link_ms_mean(), link_oa, "seed {SEED:#x}");
    assert_eq!(hops[1].link_ms_mean(), link_ab, "seed {SEED:#x}");
    assert_eq!(hops[2].link_ms_mean(), 0.0, "seed {SEED:#x}");
    let at = |i: usize| hops[i].wait_ms_mean() + hops[i].service_ms_mean();
    check_rel("tandem station a sojourn [ms]", at(1), w_a, 0.02, SEED);
    check_rel("tandem station b sojourn [ms]", at(2), w_b, 0.02, SEED);
    for (id, c, s) in [(a, c_a, s_a), (st_b, c_b, s_b)] {
        let u = results.stations()[id.index()].utilization().unwrap();
        check_rel("tandem utilization", u, lambda * s / f64::from(c), 0.01, SEED);
    }
}
