//! Connection set-up: a request may wait for a handshake before it leaves a
//! hop, and the connection's terminator spends CPU on it.

use sim_core::{
    Arrivals, Direction, Dist, Link, Model, RouteBuilder, RunOptions, RunResults, Setup, Station,
    Workload,
};

use crate::theory::mm1_sojourn_mean;
use crate::{
    check_conserved, check_hop_sum, check_rel, const_ms, const_ns, exp_ms, ns_to_ms, servers,
};

const SEED: u64 = 0x00A1_0010;

/// Constant parts of the deterministic model \[ns\].
const LINK_OA: u64 = 500_000;
const LINK_AB: u64 = 1_000_000;
const S_A: u64 = 200_000;
const S_B: u64 = 300_000;
const HANDSHAKE: u64 = 2_000_000;
const CPU: u64 = 400_000;

/// origin ─0.5 ms─► A (0.2 ms) ─1 ms─► B (0.3 ms), everything constant, one
/// request every 10 ms (nothing ever waits), with `setup` on the origin hop.
fn deterministic(setup: Option<Setup>, requests: u64) -> RunResults {
    let mut b = Model::builder();
    let a = b.station(Station::new("a", servers(1), const_ns(S_A)));
    let st_b = b.station(Station::new("b", servers(1), const_ns(S_B)));
    let oa = b.link(Link::new("origin-a", const_ns(LINK_OA)));
    let ab = b.link(Link::new("a-b", const_ns(LINK_AB)));
    let work = Workload::new(Arrivals::constant(100.0).unwrap(), requests).with_warmup(100);
    let mut route = RouteBuilder::new("route", work).origin("client");
    if let Some(s) = setup {
        route = route.setup(s);
    }
    b.route(
        route.link(oa, Direction::Forward).station(a).link(ab, Direction::Forward).station(st_b),
    );
    let model = b.build().unwrap();
    sim_core::run(&model, &RunOptions::new(SEED, 2)).expect("the run completes")
}

/// With probability 1 every request pays the handshake D before crossing
/// the first link and the terminator (A or B) serves it C longer: every
/// latency is exactly base + D + C, the hop reports D as handshake time and
/// the terminator C inside its service time (and its utilization).
#[test]
fn certain_setup_adds_handshake_and_cpu_exactly() {
    let base_ns = LINK_OA + S_A + LINK_AB + S_B;
    let base = deterministic(None, 5_000);
    let route = &base.routes()[0];
    assert_eq!(route.mean_ms(), ns_to_ms(base_ns));
    assert_eq!(route.max_ms(), ns_to_ms(base_ns));
    // Probability 0: the set-up never happens.
    let never = deterministic(
        Some(Setup::new(0.0, const_ns(HANDSHAKE)).with_terminator_cpu(2, const_ns(CPU))),
        5_000,
    );
    assert_eq!(never.routes()[0].mean_ms(), ns_to_ms(base_ns));
    assert_eq!(never.routes()[0].hops()[0].handshake_ms_mean(), 0.0);

    for (terminator, services) in [(1, [S_A + CPU, S_B]), (2, [S_A, S_B + CPU])] {
        let setup =
            Setup::new(1.0, const_ns(HANDSHAKE)).with_terminator_cpu(terminator, const_ns(CPU));
        let results = deterministic(Some(setup), 5_000);
        let route = &results.routes()[0];
        check_conserved(route, SEED);
        assert_eq!(route.completed(), 2 * 4_900);
        let want = base_ns + HANDSHAKE + CPU;
        println!(
            "setup p=1, terminator hop {terminator}: mean {} ms, max {} ms, expected {} ms",
            route.mean_ms(),
            route.max_ms(),
            ns_to_ms(want)
        );
        // Every request takes exactly `want`: mean and max agree to the ns.
        assert_eq!(route.mean_ms(), ns_to_ms(want), "terminator {terminator}");
        assert_eq!(route.max_ms(), ns_to_ms(want), "terminator {terminator}");
        assert!((route.quantile_ms(0.0) / ns_to_ms(want) - 1.0).abs() < 1e-3);
        let hops = route.hops();
        assert_eq!(hops[0].handshake_ms_mean(), ns_to_ms(HANDSHAKE));
        assert_eq!(hops[0].link_ms_mean(), ns_to_ms(LINK_OA));
        assert_eq!(hops[1].service_ms_mean(), ns_to_ms(services[0]), "terminator {terminator}");
        assert_eq!(hops[2].service_ms_mean(), ns_to_ms(services[1]), "terminator {terminator}");
        for h in hops {
            assert_eq!(h.wait_ms_mean(), 0.0, "nobody waits");
        }
        for h in &hops[1..] {
            assert_eq!(h.handshake_ms_mean(), 0.0, "only the origin hop sets up");
        }
        check_hop_sum(route, SEED);
        // Each terminator busy (S + C) in every 10 ms gap.
        for (i, s) in services.iter().enumerate() {
            let u = results.stations()[i].utilization().unwrap();
            check_rel(
                &format!("setup p=1 terminator hop {terminator}: utilization of station {i}"),
                u,
                *s as f64 / 10e6,
                1e-9,
                SEED,
            );
        }
    }
}

/// Poisson arrivals at λ = 0.5 per ms through A (M/M/1, 0.5 ms) to B (two
/// servers, Exp(1 ms)); 30 % of requests (reuse ratio 0.7) wait D = 3 ms
/// for a connection that B terminates, spending C = 1 ms of CPU on it.
///
/// - The handshake component is D·X/n with X ~ Binomial(n, 0.3): its mean
///   is 0.3·D and its relative standard error √(0.7 / (0.3 n)) ≈ 0.17 % at
///   n = 800 000; the tolerance is 1 %.
/// - B's mean service is 1 + 0.3·C and its utilization λ(1 + 0.3·C)/2.
///   Against the same seed without the set-up (every other random stream
///   is unchanged: streams are keyed by their source), the utilization
///   rises by λ·0.3·C/2 = 0.075.
#[test]
fn partial_reuse_pays_handshake_in_proportion() {
    let (lambda, p, d, c, s_b) = (0.5, 0.3, 3.0, 1.0, 1.0);
    let (requests, warmup, reps) = (420_000, 20_000, 2);
    let simulate = |setup: Option<Setup>| {
        let mut b = Model::builder();
        let a = b.station(Station::new("a", servers(1), exp_ms(0.5)));
        let st_b = b.station(Station::new("b", servers(2), exp_ms(s_b)));
        let oa = b.link(Link::new("origin-a", const_ms(0.5)));
        let ab = b.link(Link::new("a-b", const_ms(1.0)));
        let work =
            Workload::new(Arrivals::poisson(lambda * 1e3).unwrap(), requests).with_warmup(warmup);
        let mut route = RouteBuilder::new("route", work).origin("client");
        if let Some(s) = setup {
            route = route.setup(s);
        }
        b.route(
            route
                .link(oa, Direction::Forward)
                .station(a)
                .link(ab, Direction::Forward)
                .station(st_b),
        );
        let model = b.build().unwrap();
        let r = sim_core::run(&model, &RunOptions::new(SEED, reps)).expect("the run completes");
        (r, st_b)
    };
    let (without, st_b) = simulate(None);
    let (with, _) = simulate(Some(Setup::new(p, const_ms(d)).with_terminator_cpu(2, const_ms(c))));
    let route = &with.routes()[0];
    check_conserved(route, SEED);
    let n = route.completed() as f64;
    let se = (p * (1.0 - p) / n).sqrt() / p;
    println!("setup p={p}: relative standard error of the set-up fraction {:.3} %", se * 100.0);
    check_rel(
        "setup p=0.3 handshake mean [ms]",
        route.hops()[0].handshake_ms_mean(),
        p * d,
        0.01,
        SEED,
    );
    // The handshake count is integral: handshake mean / D · n is a whole number.
    let count = route.hops()[0].handshake_ms_mean() / d * n;
    assert!((count - count.round()).abs() < 1e-6, "{count} set-ups (seed {SEED:#x})");
    check_rel(
        "setup p=0.3 service at terminator b [ms]",
        route.hops()[2].service_ms_mean(),
        s_b + p * c,
        0.01,
        SEED,
    );
    let u_with = with.stations()[st_b.index()].utilization().unwrap();
    let u_without = without.stations()[st_b.index()].utilization().unwrap();
    check_rel("setup p=0.3 utilization of b", u_with, lambda * (s_b + p * c) / 2.0, 0.01, SEED);
    check_rel(
        "setup p=0.3 utilization rise at b (paired seeds)",
        u_with - u_without,
        lambda * p * c / 2.0,
        0.01,
        SEED,
    );
    // A is not the terminator: no extra CPU there.
    check_rel("setup p=0.3 service at a [ms]", route.hops()[1].service_ms_mean(), 0.5, 0.01, SEED);
    check_hop_sum(route, SEED);
}

/// TLS 1.2 without connection reuse: every request first pays TCP's
/// handshake and TLS 1.2's two round trips, 3 RTT with RTT = 2 × the
/// one-way latency of the first link (1.5 ms): D = 9 ms.
///
/// A constant delay paid by every request before the first link shifts the
/// whole downstream sample path by D, so with the same seed (and thus the
/// same service draws in the same FIFO order) every latency grows by
/// exactly D, queueing at A and B included: the mean and the maximum shift
/// by 3 RTT to the nanosecond. The tandem of two M/M/1 queues also matches
/// Jackson's theorem with the shift added.
#[test]
fn tls12_without_reuse_costs_three_round_trips() {
    let (lambda, s_a, s_b) = (0.9, 0.8, 0.6);
    let (l_oa, l_ab) = (1.5, 0.7);
    let rtt = 2.0 * l_oa;
    let (requests, warmup, reps) = (520_000, 20_000, 2);
    let simulate = |setup: Option<Setup>| {
        let mut b = Model::builder();
        let a = b.station(Station::new("a", servers(1), exp_ms(s_a)));
        let st_b = b.station(Station::new("b", servers(1), exp_ms(s_b)));
        let oa = b.link(Link::new("origin-a", const_ms(l_oa)));
        let ab = b.link(Link::new("a-b", const_ms(l_ab)));
        let work =
            Workload::new(Arrivals::poisson(lambda * 1e3).unwrap(), requests).with_warmup(warmup);
        let mut route = RouteBuilder::new("tls", work).origin("client");
        if let Some(s) = setup {
            route = route.setup(s);
        }
        b.route(
            route
                .link(oa, Direction::Forward)
                .station(a)
                .link(ab, Direction::Forward)
                .station(st_b),
        );
        let model = b.build().unwrap();
        sim_core::run(&model, &RunOptions::new(SEED, reps)).expect("the run completes")
    };
    let plain = simulate(None);
    // Reuse 0: probability 1.
    let tls = simulate(Some(Setup::new(1.0, Dist::constant(3.0 * rtt * 1e6).unwrap())));
    let (p, t) = (&plain.routes()[0], &tls.routes()[0]);
    check_conserved(t, SEED);
    assert_eq!(p.completed(), t.completed());
    let shift = t.mean_ms() - p.mean_ms();
    println!(
        "setup TLS 1.2: mean {:.6} ms without, {:.6} ms with set-up: shift {shift:.9} ms, 3 RTT = {} ms",
        p.mean_ms(),
        t.mean_ms(),
        3.0 * rtt
    );
    assert!((shift - 3.0 * rtt).abs() < 1e-9, "shift {shift} ms (seed {SEED:#x})");
    let max_shift_ns = (t.max_ms() * 1e6).round() - (p.max_ms() * 1e6).round();
    assert_eq!(max_shift_ns, 3.0 * rtt * 1e6, "maximum shift [ns] (seed {SEED:#x})");
    assert_eq!(t.hops()[0].handshake_ms_mean(), 3.0 * rtt);
    for (x, y) in p.hops().iter().zip(t.hops()).skip(1) {
        assert!((x.wait_ms_mean() - y.wait_ms_mean()).abs() < 1e-9, "hop {} wait", x.name());
        assert!((x.service_ms_mean() - y.service_ms_mean()).abs() < 1e-9, "hop {}", x.name());
    }
    let theory = 3.0 * rtt
        + l_oa
        + l_ab
        + mm1_sojourn_mean(lambda, 1.0 / s_a)
        + mm1_sojourn_mean(lambda, 1.0 / s_b);
    check_rel("setup TLS 1.2 end-to-end mean [ms]", t.mean_ms(), theory, 0.02, SEED);
}
