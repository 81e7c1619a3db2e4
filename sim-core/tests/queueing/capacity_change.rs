//! Scheduled capacity changes (autoscaling, failure).

use sim_core::{Arrivals, Model, RouteBuilder, RunOptions, RunResults, SimTime, Station, Workload};

use crate::theory::mmc_sojourn_mean;
use crate::{check_conserved, check_rel, const_ms, exp_ms, servers};

const SEED: u64 = 0x00A1_000A;

/// Milliseconds as an instant.
fn at_ms(ms: u64) -> SimTime {
    SimTime::from_nanos(ms * 1_000_000)
}

/// λ = 1.5 per ms of Exp(1 ms) work on one server with 20 waiting places
/// (overloaded: it rejects), scaled out to 4 servers at 200 s when `scale`.
fn overloaded(scale: bool, requests: u64, warmup: u64) -> RunResults {
    let mut b = Model::builder();
    let s = b.station(Station::new("s", servers(1), exp_ms(1.0)).with_queue_limit(20));
    if scale {
        b.schedule_servers(at_ms(200_000), s, servers(4));
    }
    let work = Workload::new(Arrivals::poisson(1500.0).unwrap(), requests).with_warmup(warmup);
    b.route(RouteBuilder::new("only", work).station(s));
    sim_core::run(&b.build().unwrap(), &RunOptions::new(SEED, 4)).expect("the run completes")
}

/// Scaling out from 1 to 4 servers at 200 s (arrivals run for ≈ 400 s):
/// - without the change the station stays overloaded (M/M/1/21 at ρ = 1.5);
/// - with it, the run's mean latency is lower, and measuring only requests
///   that arrive from ≈ 220 s on (warm-up of 330 000 arrivals at 1.5 per ms)
///   gives the M/M/4 mean at λ = 1.5, μ = 1 (Erlang C, \[GSTH\] §2.3): the
///   new servers took effect and the backlog of the overload was served;
/// - every request is counted: completed + rejected = offered.
#[test]
fn scale_out_lowers_latency_and_loses_nothing() {
    let n = 600_000;
    let never = overloaded(false, n, 0);
    let whole = overloaded(true, n, 0);
    let after = overloaded(true, n, 330_000);
    for r in [&never, &whole, &after] {
        check_conserved(&r.routes()[0], SEED);
    }
    let (never, whole, after) = (&never.routes()[0], &whole.routes()[0], &after.routes()[0]);
    println!(
        "capacity change: mean without change {:.4} ms, whole run {:.4} ms, after the change {:.4} ms",
        never.mean_ms(),
        whole.mean_ms(),
        after.mean_ms()
    );
    println!(
        "capacity change: rejected without change {}, whole run {}, after the change {}",
        never.rejected(),
        whole.rejected(),
        after.rejected()
    );
    assert!(whole.rejected() > 0 && whole.rejected() < never.rejected(), "seed {SEED:#x}");
    assert!(whole.mean_ms() < never.mean_ms(), "seed {SEED:#x}");
    assert!(after.mean_ms() < whole.mean_ms(), "seed {SEED:#x}");
    assert_eq!(after.rejected(), 0, "seed {SEED:#x}");
    check_rel(
        "capacity change: mean after scale-out [ms]",
        after.mean_ms(),
        mmc_sojourn_mean(1.5, 1.0, 4),
        0.02,
        SEED,
    );
}

/// Utilisation divides busy server-time by scheduled server-time over the
/// measurement window. With constant arrivals every 1 ms the window is known
/// exactly, from the first arrival (1 ms) to the last (400 s), and so is
/// ∫ c(t) dt for servers 1 → 4 at 100 s → 2 at 300 s:
/// 1·(100 s − 1 ms) + 4·200 s + 2·100 s. Servers still busy at the scale-in
/// count until their message is done (a few ms of server time in 1100 s,
/// hence a 1e-4 tolerance rather than exact equality; the hand-simulated
/// test below checks that accounting exactly). The mean busy servers is the
/// offered load λ E\[S\] = 0.9 whatever the capacity.
#[test]
fn utilization_integrates_scheduled_capacity() {
    let requests = 400_000;
    let mut b = Model::builder();
    let s = b.station(Station::new("s", servers(1), exp_ms(0.9)));
    b.schedule_servers(at_ms(300_000), s, servers(2));
    b.schedule_servers(at_ms(100_000), s, servers(4));
    let work = Workload::new(Arrivals::constant(1000.0).unwrap(), requests);
    b.route(RouteBuilder::new("only", work).station(s));
    let model = b.build().unwrap();
    // Changes are kept in time order whatever order they were given in.
    let times: Vec<u64> = model.capacity_changes().iter().map(|c| c.at.as_nanos()).collect();
    assert_eq!(times, [100_000_000_000, 300_000_000_000]);

    let results = sim_core::run(&model, &RunOptions::new(SEED, 2)).expect("the run completes");
    check_conserved(&results.routes()[0], SEED);
    let st = &results.stations()[s.index()];
    let (busy_mean, utilization) = (st.busy_mean().unwrap(), st.utilization().unwrap());
    let window_ns = 400e9 - 1e6;
    let capacity_ns = 1.0 * (100e9 - 1e6) + 4.0 * 200e9 + 2.0 * 100e9;
    // (busy / window) / (busy / capacity) = capacity / window.
    let mean_servers = busy_mean / utilization;
    println!(
        "capacity change: mean scheduled servers {mean_servers:.9}, expected {:.9}; busy {busy_mean:.4}, utilization {utilization:.4}",
        capacity_ns / window_ns
    );
    check_rel(
        "capacity change: mean servers present",
        mean_servers,
        capacity_ns / window_ns,
        1e-4,
        SEED,
    );
    check_rel("capacity change: mean busy servers", busy_mean, 0.9, 0.01, SEED);
    check_rel(
        "capacity change: utilization",
        utilization,
        0.9 * window_ns / capacity_ns,
        0.01,
        SEED,
    );
}

/// A hand-simulated schedule, exact to the nanosecond. One server, constant
/// 10 ms service, arrivals at 1, 2, 3, 4, 5 ms; 4 servers from 2.5 ms, back
/// to 1 server from 3.5 ms. Times in ms:
///
/// | message | arrives | starts | done | latency |
/// |---------|---------|--------|------|---------|
/// | 1       | 1       | 1      | 11   | 10      |
/// | 2       | 2       | 2.5    | 12.5 | 10.5    |
/// | 3       | 3       | 3      | 13   | 10      |
/// | 4       | 4       | 13     | 23   | 19      |
/// | 5       | 5       | 23     | 33   | 28      |
///
/// Message 2 starts the instant servers are added, not at the next
/// departure. After the scale-in, messages 1–3 finish their service, and
/// message 4 waits until fewer than one server is busy.
///
/// Over the measurement window \[1 ms, 5 ms\] the busy servers integrate to
/// 1·1.5 + 2·0.5 + 3·2 = 8.5 server·ms. The servers present integrate to
/// 1·1.5 + 4·1 + 3·1.5 = 10: after the scale-in the two extra servers stay
/// until their message is done, so capacity counts max(scheduled, busy) and
/// utilisation (0.85) never exceeds 1.
#[test]
fn capacity_changes_apply_at_once_and_let_service_finish() {
    let mut b = Model::builder();
    let s = b.station(Station::new("s", servers(1), const_ms(10.0)));
    b.schedule_servers(SimTime::from_nanos(2_500_000), s, servers(4));
    b.schedule_servers(SimTime::from_nanos(3_500_000), s, servers(1));
    let work = Workload::new(Arrivals::constant(1000.0).unwrap(), 5);
    b.route(RouteBuilder::new("only", work).station(s));
    let results =
        sim_core::run(&b.build().unwrap(), &RunOptions::new(SEED, 1)).expect("the run completes");
    let route = &results.routes()[0];
    check_conserved(route, SEED);
    println!(
        "capacity change by hand: mean {} ms, max {} ms, wait {} ms, utilization {:?}",
        route.mean_ms(),
        route.max_ms(),
        route.hops()[0].wait_ms_mean(),
        results.stations()[0].utilization()
    );
    // Every value below is a whole number of nanoseconds divided once: exact.
    assert_eq!(route.completed(), 5);
    assert_eq!(route.mean_ms(), (10.0 + 10.5 + 10.0 + 19.0 + 28.0) / 5.0, "mean latency");
    assert_eq!(route.max_ms(), 28.0, "max latency");
    assert_eq!(route.hops()[0].wait_ms_mean(), (0.5 + 9.0 + 18.0) / 5.0, "mean wait");
    let st = &results.stations()[s.index()];
    assert_eq!(st.busy_mean(), Some(8.5 / 4.0), "mean busy servers");
    assert_eq!(st.utilization(), Some(8.5 / 10.0), "utilization");
}
