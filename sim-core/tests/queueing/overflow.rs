//! Simulated time past the end of the clock (u64 nanoseconds, ≈ 584
//! years) is an error the caller gets back, never a panic or a wrapped
//! clock.

use rayon::ThreadPoolBuilder;
use sim_core::{
    Arrivals, Direction, Dist, Link, Model, RouteBuilder, RunError, RunOptions, Station, Workload,
    simulate_replication,
};

use crate::{check_conserved, const_ms, const_ns, servers};

const SEED: u64 = 0x00A1_0014;

/// One single-server station with service law `service`, fed by
/// `requests` arrivals `arrivals`.
fn single(service: Dist, arrivals: Arrivals, requests: u64) -> Model {
    let mut b = Model::builder();
    let s = b.station(Station::new("server", servers(1), service));
    b.route(RouteBuilder::new("only", Workload::new(arrivals, requests)).station(s));
    b.build().unwrap()
}

fn expect_overflow(result: Result<sim_core::RunResults, RunError>, what: &str) -> u64 {
    match result {
        Err(RunError::TimeOverflow { replication, limit_years }) => {
            // u64::MAX ns in Julian years.
            assert!((limit_years - 584.54).abs() < 0.01, "{what}: limit {limit_years} years");
            println!("overflow, {what}: replication {replication}, limit {limit_years:.2} years");
            replication
        }
        Err(e) => panic!("{what}: unexpected error {e}"),
        Ok(r) => panic!(
            "{what}: expected a time overflow, the run completed with mean {} ms",
            r.routes()[0].mean_ms()
        ),
    }
}

/// Pareto with tail index 0.01 (a scale of 1 ms): a draw exceeds the clock's
/// 1.8·10¹⁹ ns with probability (10⁶ / 1.8·10¹⁹)^0.01 ≈ 0.67, so the first
/// few services end past the clock.
#[test]
fn pareto_with_tiny_shape_overflows_with_an_error() {
    let model =
        single(Dist::pareto(1e6, 0.01).unwrap(), Arrivals::poisson(1000.0).unwrap(), 10_000);
    let rep = expect_overflow(sim_core::run(&model, &RunOptions::new(SEED, 2)), "pareto 0.01");
    assert!(rep < 2);
}

/// A constant service of S = u64::MAX / 10 ns (≈ 58 years) on one server,
/// the first request arriving at 1 ms: the tenth service would end at
/// 1 ms + 10 S, past the clock. Replication indices are reported as the run
/// numbered them.
#[test]
fn constant_huge_service_overflows_with_an_error() {
    let model = single(const_ns(u64::MAX / 10), Arrivals::constant(1000.0).unwrap(), 100);
    assert_eq!(expect_overflow(sim_core::run(&model, &RunOptions::new(SEED, 1)), "constant"), 0);
    let mut opts = RunOptions::new(SEED, 1);
    opts.first_replication = 7;
    assert_eq!(expect_overflow(sim_core::run(&model, &opts), "constant, replication 7"), 7);
    assert_eq!(expect_overflow(simulate_replication(&model, SEED, 3), "single replication"), 3);
    // Nine such services fit on the clock: no error, and the results are exact.
    let fits = single(const_ns(u64::MAX / 10), Arrivals::constant(1000.0).unwrap(), 9);
    let results = sim_core::run(&fits, &RunOptions::new(SEED, 1)).expect("10 services fit");
    let route = &results.routes()[0];
    check_conserved(route, SEED);
    assert_eq!(route.completed(), 9);
    // The last request (arrived at 9 ms) leaves at 1 ms + 9 S.
    let last = 9 * (u64::MAX / 10) - 8 * 1_000_000;
    assert_eq!(route.max_ms(), last as f64 / 1e6);
}

/// The same station with a 1 ms service: a normal run, `Ok`.
#[test]
fn normal_model_runs() {
    let model = single(const_ms(0.5), Arrivals::poisson(1000.0).unwrap(), 10_000);
    let results = sim_core::run(&model, &RunOptions::new(SEED, 2)).expect("no overflow");
    check_conserved(&results.routes()[0], SEED);
    assert_eq!(results.routes()[0].completed(), 20_000);
}

/// A station visited twice by the same request (request, then response on
/// a round trip), each visit 0.6 × u64::MAX ns: each service fits on the
/// clock alone, but the second ends past it. The run must report the
/// overflow, not panic while accumulating the hop's time.
#[test]
fn time_accumulated_over_visits_overflows_with_an_error() {
    let huge = const_ns((u64::MAX / 10) * 6);
    let mut b = Model::builder();
    let a = b.station(Station::new("a", servers(1), huge.clone()).with_response_service(huge));
    let st_b = b.station(Station::new("b", servers(1), const_ms(1.0)));
    let l = b.link(Link::new("wire", const_ms(1.0)));
    let work = Workload::new(Arrivals::constant(1.0).unwrap(), 1).with_round_trip(true);
    b.route(
        RouteBuilder::new("rt", work)
            .origin("client")
            .link(l, Direction::Forward)
            .station(a)
            .link(l, Direction::Forward)
            .station(st_b),
    );
    let model = b.build().unwrap();
    expect_overflow(sim_core::run(&model, &RunOptions::new(SEED, 1)), "two visits");
}

/// With several replications overflowing, the error names the first of
/// them in index order whatever the thread count, like every other output
/// of a run. Pareto service with tail index 0.5 and a 1 s scale: a single
/// server's clock (about the sum of the services, which grows like n²)
/// passes 584 years after some 10⁵ services, a number that varies widely
/// between replications, so with several threads the replication that
/// overflows first in wall-clock time is often not the lowest-numbered one.
#[test]
fn reported_replication_does_not_depend_on_threads() {
    let model =
        single(Dist::pareto(1e10, 0.5).unwrap(), Arrivals::poisson(1000.0).unwrap(), 200_000);
    let reps = 8;
    let opts = RunOptions::new(SEED, reps);
    let outcomes: Vec<bool> =
        (0..reps).map(|k| simulate_replication(&model, SEED, k).is_err()).collect();
    println!("overflow: replications that overflow {outcomes:?}");
    let first = outcomes.iter().position(|&e| e).expect("some replication overflows") as u64;
    for threads in [1, 2, 4] {
        let pool = ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
        for attempt in 0..6 {
            let rep =
                expect_overflow(pool.install(|| sim_core::run(&model, &opts)), "8 replications");
            assert_eq!(rep, first, "{threads} threads, attempt {attempt} (seed {SEED:#x})");
        }
    }
}
