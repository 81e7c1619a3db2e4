//! Token pools: a concurrency limit spanning a segment of a route.
//!
//! A pool of c tokens held around a segment whose only time is an
//! exponential delay (an unbounded station: nobody queues there) is an
//! M/M/c queue whose "servers" are the tokens: the wait for a token must be
//! Erlang C's, and the pool's occupancy the offered load.

use sim_core::{
    Arrivals, Direction, Link, Model, Pool, RouteBuilder, RunOptions, RunResults, Servers, Station,
    Workload,
};

use crate::theory::erlang_c;
use crate::{check_conserved, check_rel, const_ms, exp_ms, hop_component_sum_ms};

const SEED: u64 = 0x00A1_0030;

/// Origin → `entry` (instant, holds a pool of `tokens` when `Some`) → link
/// (no latency) → `segment` (exponential, mean 1 ms, unbounded servers);
/// round trip, so the token is given back when the response reaches
/// `entry`. λ = `lambda` per ms.
fn pooled(lambda: f64, tokens: Option<u32>, requests: u64, reps: u64) -> RunResults {
    let mut b = Model::builder();
    let entry = b.station(Station::new("entry", Servers::Unbounded, const_ms(0.0)));
    let segment = b.station(
        Station::new("segment", Servers::Unbounded, exp_ms(1.0))
            .with_response_service(const_ms(0.0)),
    );
    let link = b.link(Link::new("entry-segment", const_ms(0.0)));
    let work = Workload::new(Arrivals::poisson(lambda * 1e3).unwrap(), requests)
        .with_warmup(requests / 20)
        .with_round_trip(true);
    let mut route = RouteBuilder::new("only", work).origin("client").station(entry);
    if let Some(c) = tokens {
        let pool = b.pool(Pool::new("entry→segment", c.try_into().unwrap()));
        route = route.hold(pool);
    }
    b.route(route.link(link, Direction::Forward).station(segment));
    let model = b.build().unwrap();
    sim_core::run(&model, &RunOptions::new(SEED, reps)).expect("the run completes")
}

/// c = 4 tokens, λ = 3.2 per ms, μ = 1 per ms (ρ = 0.8): the mean wait for a
/// token is C(4, 3.2) / (4 − 3.2) ms, the mean latency that plus 1 ms, and
/// the pool is 80 % busy.
#[test]
fn pool_around_an_exponential_segment_is_mmc() {
    let (lambda, c) = (3.2, 4);
    let results = pooled(lambda, Some(c), 600_000, 4);
    let route = &results.routes()[0];
    check_conserved(route, SEED);
    assert_eq!(route.completed(), route.offered());
    let wq = erlang_c(c, lambda) / (f64::from(c) - lambda);
    let entry = &route.hops()[1];
    check_rel("pool wait = Erlang C W_q [ms]", entry.pool_wait_ms_mean(), wq, 0.04, SEED);
    check_rel("pooled route mean = W_q + 1 ms", route.mean_ms(), wq + 1.0, 0.02, SEED);
    assert_eq!(entry.wait_ms_mean(), 0.0, "a token wait is not the station's queue wait");
    let busy = results.pools()[0].utilization().unwrap();
    check_rel("pool utilisation = λ / (c μ)", busy, lambda / f64::from(c), 0.01, SEED);
    let sum = hop_component_sum_ms(route);
    assert!((sum - route.mean_ms()).abs() < 1e-9, "hop components {sum} != mean");
}

/// A pool with far more tokens than are ever in use costs nothing: the
/// same seed gives exactly the latencies of the model without it.
#[test]
fn a_pool_that_never_binds_changes_nothing() {
    let without = pooled(3.2, None, 100_000, 2);
    let with = pooled(3.2, Some(1000), 100_000, 2);
    let (a, b) = (&without.routes()[0], &with.routes()[0]);
    assert_eq!(a.completed(), b.completed());
    assert_eq!(a.mean_ms(), b.mean_ms());
    assert_eq!(a.max_ms(), b.max_ms());
    assert_eq!(b.hops()[1].pool_wait_ms_mean(), 0.0);
    assert_eq!(with.pools()[0].max_queue(), 0);
}

/// Tokens go back however a request leaves: on a one-way route at its
/// end, and when a full queue downstream rejects it. A leaked token would
/// exhaust the single-token pool and strand every later request, so the
/// counts would not add up.
#[test]
fn tokens_return_on_one_way_routes_and_rejections() {
    let mut b = Model::builder();
    let entry = b.station(Station::new("entry", Servers::Unbounded, const_ms(0.0)));
    let full = b.station(
        Station::new("full", Servers::finite(1).unwrap(), exp_ms(1.0)).with_queue_limit(0),
    );
    let link = b.link(Link::new("l", const_ms(0.1)));
    let pool = b.pool(Pool::new("p", 2.try_into().unwrap()));
    let work = Workload::new(Arrivals::poisson(1500.0).unwrap(), 50_000);
    b.route(
        RouteBuilder::new("one-way", work)
            .station(entry)
            .hold(pool)
            .link(link, Direction::Forward)
            .station(full),
    );
    let model = b.build().unwrap();
    let results = sim_core::run(&model, &RunOptions::new(SEED, 2)).unwrap();
    let route = &results.routes()[0];
    check_conserved(route, SEED);
    assert!(route.rejected() > 0, "the full queue rejects");
    assert!(route.completed() > 0);
    assert!(route.hops()[0].pool_wait_ms_mean() > 0.0, "two tokens bind at this load");
}

/// A hop holds one pool; a hold before any hop and an unknown pool fail to
/// build.
#[test]
fn misplaced_holds_are_refused() {
    let mut b = Model::builder();
    let s = b.station(Station::new("s", Servers::Unbounded, const_ms(0.0)));
    let p = b.pool(Pool::new("p", 1.try_into().unwrap()));
    let q = b.pool(Pool::new("q", 1.try_into().unwrap()));
    let work = || Workload::new(Arrivals::poisson(1.0).unwrap(), 10);
    b.route(RouteBuilder::new("two", work()).station(s).hold(p).hold(q));
    let err = b.build().unwrap_err().to_string();
    assert!(err.contains("holds two token pools"), "{err}");
    let mut b = Model::builder();
    let p = b.pool(Pool::new("p", 1.try_into().unwrap()));
    b.route(RouteBuilder::new("early", work()).hold(p));
    let err = b.build().unwrap_err().to_string();
    assert!(err.contains("must be held by a hop"), "{err}");
}
