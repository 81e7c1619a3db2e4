//! Bursty (MMPP-2) arrivals.

use sim_core::{Arrivals, Model, RouteBuilder, RunOptions, RunResults, Station, Workload};

use crate::theory::mm1_sojourn_mean;
use crate::{check_conserved, check_rel, exp_ms, servers};

const SEED: u64 = 0x00A1_000C;

fn mm1_fed_by(arrivals: Arrivals, requests: u64, warmup: u64, reps: u64) -> RunResults {
    let mut b = Model::builder();
    let s = b.station(Station::new("server", servers(1), exp_ms(1.0)));
    b.route(
        RouteBuilder::new("only", Workload::new(arrivals, requests).with_warmup(warmup)).station(s),
    );
    sim_core::run(&b.build().unwrap(), &RunOptions::new(SEED, reps)).expect("the run completes")
}

/// An on/off source (1600 per s for Exp(50 ms), then silent for Exp(50 ms))
/// has the mean rate of Poisson at 800 per s, but while on it overloads the
/// 1 ms server (ρ = 1.6) and builds a queue that the off period drains. At
/// the same mean rate, burstier arrivals mean longer queues (for a
/// single-server queue, more variable arrivals give longer waits: Kingman's
/// G/G/1 bound, Kingman 1962; \[GSTH\] §7.1), so the mean latency must exceed
/// the Poisson (M/M/1) value of 5 ms by a wide margin. There is no simple
/// closed form for MMPP/M/1, so this is a sanity check; the arrival count
/// and the long-run rate are checked exactly and within 3 %.
#[test]
fn bursty_source_waits_longer_than_poisson_at_same_rate() {
    let (requests, warmup, reps) = (1_020_000, 20_000, 4);
    let bursty = Arrivals::mmpp2([1600.0, 0.0], [50.0, 50.0]).unwrap();
    assert_eq!(bursty.mean_rate_per_s(), 800.0);
    assert_eq!(bursty.gap_scv(), None);
    let mmpp = mm1_fed_by(bursty, requests, warmup, reps);
    let poisson = mm1_fed_by(Arrivals::poisson(800.0).unwrap(), requests, warmup, reps);
    let (m, p) = (&mmpp.routes()[0], &poisson.routes()[0]);
    for r in [m, p] {
        check_conserved(r, SEED);
        assert_eq!(r.offered(), reps * (requests - warmup), "seed {SEED:#x}");
    }
    println!(
        "mmpp: mean {:.4} ms (p99 {:.4}) vs Poisson {:.4} ms (p99 {:.4}) at the same mean rate",
        m.mean_ms(),
        m.quantile_ms(0.99),
        p.mean_ms(),
        p.quantile_ms(0.99)
    );
    assert!(m.mean_ms() > 2.0 * p.mean_ms(), "seed {SEED:#x}");
    assert!(m.quantile_ms(0.99) > 2.0 * p.quantile_ms(0.99), "seed {SEED:#x}");
    // The long-run arrival rate is right: the server is busy λ E[S] = 0.8.
    check_rel(
        "mmpp busy servers (λ E[S])",
        mmpp.stations()[0].busy_mean().unwrap(),
        0.8,
        0.03,
        SEED,
    );
}

/// An MMPP-2 with equal rates in both states is a Poisson process (the
/// exponential gap is memoryless across state switches), so the queue is
/// M/M/1 at ρ = 0.8 again: mean 5 ms within 2 %.
#[test]
fn mmpp_with_equal_rates_is_poisson() {
    let equal = Arrivals::mmpp2([800.0, 800.0], [3.0, 7.0]).unwrap();
    let results = mm1_fed_by(equal, 1_550_000, 50_000, 4);
    let route = &results.routes()[0];
    check_conserved(route, SEED);
    check_rel(
        "mmpp equal rates: mean sojourn [ms]",
        route.mean_ms(),
        mm1_sojourn_mean(0.8, 1.0),
        0.02,
        SEED,
    );
}
