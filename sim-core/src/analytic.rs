//! An analytic estimate of a route's mean latency, to cross-check the
//! simulation, and how far it can be trusted.
//!
//! Every visit of a request (and, on a round trip, of its response) to a
//! station, every link crossing, every possible new connection and nested
//! call is weighted by the probability that it happens. Each queueing
//! resource (a station with finitely many servers, or one direction of a
//! bandwidth-limited link) is then treated as a queue fed by all the visits
//! it receives:
//!
//! - a station with `c` servers and an unlimited queue: the Erlang C waiting
//!   time of an M/M/c queue with the same load,
//!   `Wq = C(c, a) · E[S] / (c − a)` (Kleinrock, *Queueing Systems* vol. 1,
//!   §3.5), scaled by the Allen–Cunneen factor `(ca² + cs²) / 2` (Allen,
//!   *Probability, Statistics and Queueing Theory*, 2nd ed. 1990, §6.4),
//!   with the service SCV `cs²` of the mixture of visits and the SCV `ca²`
//!   of the external arrival process (1 for Poisson). With one server and
//!   Poisson arrivals this is the Pollaczek–Khinchine mean;
//! - a station with `c` servers and `K` waiting places: the M/M/c/K
//!   blocking probability and the mean wait of admitted requests
//!   (Gross, Shortle, Thompson, Harris, *Fundamentals of Queueing Theory*,
//!   4th ed. 2008, §2.5), scaled by the same factor for non-exponential
//!   service; stations after it see the admitted rate `λ (1 − P_block)`;
//! - one direction of a bandwidth-limited link: an M/G/1 transmitter
//!   (Pollaczek–Khinchine);
//! - unbounded stations, link latencies and pipeline delays do not queue:
//!   they add their mean.
//!
//! Service times that depend on the message size `X` (per-byte cost `b`,
//! serialisation at a bandwidth) are `S = S₀ + b·X` with `S₀` independent
//! of `X`, so `Var S = Var S₀ + b² Var X`: the true second moment of the
//! size law enters the queue, not the size taken at its mean.
//!
//! # Accuracy
//!
//! Each estimate carries its class ([`Accuracy`]):
//!
//! - [`Accuracy::Exact`]: Poisson arrivals, no timeout (of the route or a
//!   nested call), no token pool (its wait is left out), no capacity change,
//!   and either every queueing resource is an exponential FIFO station
//!   without a queue limit whose visits share one mean (Jackson / BCMP
//!   product form, any routing, revisits included), or the queueing
//!   resources visited in order are such stations, each visited once,
//!   followed by one last resource visited once that is a single FIFO
//!   server with any service law (M/G/1, Pollaczek–Khinchine: a
//!   transmitter, or a one-server station; its arrivals are Poisson by
//!   Burke's theorem) or, when it is the only queueing resource, an
//!   exponential station with a queue limit (M/M/c/K). Unbounded stations
//!   and delays are M/G/∞ and keep arrivals Poisson. The formula is then
//!   the model's true mean; the simulation should agree within its own
//!   interval ([`Accuracy::tolerance`]: 1 % for rounding and bias).
//! - [`Accuracy::Approximation`]: anything else: several servers with
//!   non-exponential service (Allen–Cunneen), non-Poisson arrivals (MMPP
//!   is estimated as Poisson and the estimate is then a lower bound), a
//!   non-exponential queue feeding another queue, a finite queue that is
//!   not alone or not exponential, packets of a random size, timeouts,
//!   scheduled capacity changes. The stated tolerance is 15 % of the mean at
//!   low load: Allen–Cunneen's waiting time is typically within 10–20 %
//!   for moderate variability (Whitt, "Approximations for the GI/G/m
//!   queue", *Production and Operations Management* 2(2), 1993), and at
//!   low load the wait is a small part of the sojourn.

use std::collections::BTreeMap;
use std::fmt;

use crate::dist::Dist;
use crate::model::{Direction, Leg, Model, Servers, Station};

/// How far an estimate can be trusted (see the module documentation).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Accuracy {
    /// The formula is the model's true mean (product form, M/G/1, M/M/c/K).
    Exact,
    /// A standard approximation (Allen–Cunneen and the like).
    Approximation,
}

impl Accuracy {
    /// The relative difference \[fraction of the estimate\] the class allows
    /// between the estimate and a simulated mean, on top of the simulated
    /// mean's own 95 % interval: 0.01 for exact estimates (nanosecond
    /// rounding, warm-up bias), 0.15 for approximations at low load.
    pub fn tolerance(self) -> f64 {
        match self {
            Accuracy::Exact => 0.01,
            Accuracy::Approximation => 0.15,
        }
    }

    /// `"exact"` or `"approximation"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Accuracy::Exact => "exact",
            Accuracy::Approximation => "approximation",
        }
    }
}

impl fmt::Display for Accuracy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A queueing-theory estimate of a route's mean latency and its class.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TheoryEstimate {
    /// The estimated mean latency of completed requests \[ms\].
    pub mean_ms: f64,
    /// Whether the formula is exact for the model or an approximation.
    pub class: Accuracy,
}

/// Erlang B: the probability that an arrival finds all `c` servers busy in
/// an M/M/c/c loss system with offered load `a` Erlangs (any `a >= 0`).
///
/// Computed as `1 / Σ_{j=0}^{c} c! / ((c − j)! · a^j)` (the inverse of the
/// Erlang B formula summed from the top term down), with a running scale
/// so nothing overflows and two stopping rules: once the sum exceeds
/// `e^700` the result is below `e^−700` and is returned as 0, and past the
/// largest term (where `c − j < a`) the sum stops when a term no longer
/// changes it at f64 precision. Far from saturation either rule stops after
/// a few thousand terms whatever `c`; near it the terms that matter span
/// `c − a` plus a few `√a`, so even 2³² servers take at most a few million
/// steps.
pub fn erlang_b(c: u32, a: f64) -> f64 {
    let inverse = inverse_erlang_b(c, a);
    if inverse.is_infinite() { 0.0 } else { 1.0 / inverse }
}

/// `1 / B(c, a)`, `+∞` when it exceeds `e^700` (see [`erlang_b`]).
fn inverse_erlang_b(c: u32, a: f64) -> f64 {
    const RESCALE: f64 = 1e200;
    const LOG_LIMIT: f64 = 700.0;
    if a <= 0.0 {
        return f64::INFINITY;
    }
    let cf = f64::from(c);
    let (mut term, mut sum, mut log_scale) = (1.0_f64, 1.0_f64, 0.0_f64);
    for j in 0..c {
        let ratio = (cf - f64::from(j)) / a;
        term *= ratio;
        sum += term;
        if sum > RESCALE {
            sum /= RESCALE;
            term /= RESCALE;
            log_scale += RESCALE.ln();
        }
        if log_scale + sum.ln() > LOG_LIMIT {
            return f64::INFINITY;
        }
        if ratio < 1.0 && term < sum * 1e-17 {
            break;
        }
    }
    sum * log_scale.exp()
}

/// Erlang C: probability that an arrival waits in an M/M/c queue with
/// offered load `a = λ·E[S]` (Erlangs), `a < c` (Kleinrock, *Queueing
/// Systems* vol. 1, §3.5), from Erlang B as
/// `C = B / (1 − ρ + ρ B)`, `ρ = a / c`; 1 when `a >= c` (the queue grows
/// without bound). Stable for any `c` and `a` (see [`erlang_b`]).
pub fn erlang_c(c: u32, a: f64) -> f64 {
    let cf = f64::from(c);
    if a >= cf {
        return 1.0;
    }
    let b = erlang_b(c, a);
    let rho = a / cf;
    b / ((1.0 - rho) + rho * b)
}

/// `(Σ_{j=1}^{n} r^j, Σ_{j=1}^{n} j r^j)` for `0 <= r <= 1`: summed term by
/// term (stopping once the terms vanish at f64 precision) for up to a
/// million terms, by the closed forms beyond.
fn geometric(r: f64, n: u32) -> (f64, f64) {
    if n <= 1_000_000 {
        let (mut term, mut s0, mut s1) = (1.0, 0.0, 0.0);
        for j in 1..=n {
            term *= r;
            let jf = f64::from(j);
            s0 += term;
            s1 += jf * term;
            if jf * term <= s1 * 1e-17 {
                break;
            }
        }
        return (s0, s1);
    }
    let nf = f64::from(n);
    if r >= 1.0 {
        return (nf, nf * (nf + 1.0) / 2.0);
    }
    let rn = r.powf(nf);
    let s0 = r * (1.0 - rn) / (1.0 - r);
    let s1 = r * (1.0 - (nf + 1.0) * rn + nf * rn * r) / ((1.0 - r) * (1.0 - r));
    (s0, s1)
}

/// M/M/c/K with `c` servers, `limit` waiting places (`K = c + limit`) and
/// offered load `a` Erlangs (any `a >= 0`, overload included): the blocking
/// probability `P_K` and the mean number waiting `Lq` (\[GSTH\] §2.5).
///
/// With `ρ = a / c` the state probabilities are `p_n = p_c · ρ^(n−c)` above
/// `c` and `Σ_{n≤c} p_n = p_c / B(c, a)` below (Erlang B), so
/// `p_c = 1 / (1/B + Σ_{j=1}^{limit} ρ^j)`, `P_K = p_c ρ^limit` and
/// `Lq = p_c Σ_j j ρ^j`. Above `ρ = 1` everything is taken relative to
/// `p_K` instead, so that `ρ^limit` never overflows.
fn mmck(c: u32, limit: u32, a: f64) -> (f64, f64) {
    if a <= 0.0 {
        return (0.0, 0.0);
    }
    let rho = a / f64::from(c);
    let inverse_b = inverse_erlang_b(c, a);
    if limit == 0 {
        return (1.0 / inverse_b, 0.0);
    }
    if rho <= 1.0 {
        let (s0, s1) = geometric(rho, limit);
        let pc = 1.0 / (inverse_b + s0);
        (pc * rho.powf(f64::from(limit)), pc * s1)
    } else {
        // j = limit − i waiting: p_(c+j) / p_K = q^i with q = 1/ρ.
        let q = 1.0 / rho;
        let (g0, g1) = geometric(q, limit - 1);
        let top = 1.0 + g0;
        let below = (inverse_b.ln() + f64::from(limit) * q.ln()).exp();
        let pk = 1.0 / (below + top);
        (pk, pk * (f64::from(limit) * top - g1))
    }
}

/// Mean and second moment of a law (the second from its SCV); `None` when
/// a moment is infinite.
fn moments(d: &Dist) -> Option<(f64, f64)> {
    let m = d.mean()?;
    let scv = d.scv()?;
    Some((m, m * m * (1.0 + scv)))
}

/// A message-size law's mean \[bytes\] and variance \[bytes²\].
#[derive(Clone, Copy)]
struct Size {
    mean: f64,
    var: f64,
}

impl Size {
    fn of(d: &Dist) -> Option<Self> {
        let (mean, second) = moments(d)?;
        Some(Size { mean, var: (second - mean * mean).max(0.0) })
    }

    fn constant(bytes: u64) -> Self {
        Size { mean: bytes as f64, var: 0.0 }
    }

    /// The same size `bytes` larger (a header added on the way).
    fn plus(self, bytes: u64) -> Self {
        Size { mean: self.mean + bytes as f64, ..self }
    }
}

/// Something requests queue for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Resource {
    Station(usize),
    /// A link and its direction (0 forward, 1 backward).
    Transmitter(usize, usize),
}

/// One visit to a queueing resource.
struct Visit {
    resource: Resource,
    /// Probability that a request makes it.
    m: f64,
    /// Mean \[ns\] and second moment \[ns²\] of its service.
    mean: f64,
    second: f64,
    /// Whether the service is exponential (nothing size-dependent added).
    exponential: bool,
}

/// A route's visits in the order a request makes them, and what does not
/// queue.
struct Walk<'a> {
    model: &'a Model,
    visits: Vec<Visit>,
    /// Mean time that does not queue \[ns\]: link latencies, pipeline
    /// delays, handshakes.
    fixed_ns: f64,
    /// A size-dependent cost is only approximated (packets of a random size).
    approximate_sizes: bool,
}

impl Walk<'_> {
    /// A visit to station `s` with probability `m`, carrying a message of
    /// `size`, plus handshake CPU `cpu` = (probability × mean, probability ×
    /// second moment) \[ns, ns²\], served with `law` instead of the
    /// station's own law when given (a nested call's callee law).
    fn station(
        &mut self,
        s: usize,
        m: f64,
        response: bool,
        size: Size,
        cpu: (f64, f64),
        law: Option<&Dist>,
    ) -> Option<()> {
        let st = &self.model.stations()[s];
        let own = if response { st.response_service_ns() } else { st.service_ns() };
        let law = law.unwrap_or(own);
        let (mean, second) = moments(law)?;
        let (size_mean, size_var) = self.size_cost(st, size);
        let own_mean = mean + size_mean + cpu.0;
        let own_var = (second - mean * mean).max(0.0) + size_var + (cpu.1 - cpu.0 * cpu.0).max(0.0);
        let delay = if response { st.response_delay_ns() } else { st.delay_ns() };
        if let Some(d) = delay {
            self.fixed_ns += m * d.mean()?;
        }
        if m > 0.0 {
            self.visits.push(Visit {
                resource: Resource::Station(s),
                m,
                mean: own_mean,
                second: own_var + own_mean * own_mean,
                exponential: law.is_exponential()
                    && size_mean == 0.0
                    && size_var == 0.0
                    && cpu.0 == 0.0,
            });
        }
        Some(())
    }

    /// The mean \[ns\] and variance \[ns²\] of the size-dependent part of a
    /// service at `st`: per byte plus per packet.
    fn size_cost(&mut self, st: &Station, size: Size) -> (f64, f64) {
        // At the mean size, as the engine rounds: exact for constant sizes.
        let at_mean = st.size_cost_ns(size.mean.round() as u64) as f64;
        if size.var == 0.0 {
            return (at_mean, 0.0);
        }
        // Per packet, a random size is linearised (ceil(X / mtu) ≈ X / mtu).
        let per_packet = match st.packet_cost {
            Some((ns, mtu)) if mtu > 0 && ns > 0.0 => ns / f64::from(mtu),
            _ => 0.0,
        };
        if per_packet > 0.0 {
            self.approximate_sizes = true;
        }
        let slope = st.ns_per_byte() + per_packet;
        (at_mean, slope * slope * size.var)
    }

    /// A crossing of link `l` in direction `dir` with probability `m`.
    fn link(&mut self, l: usize, dir: Direction, m: f64, size: Size) -> Option<()> {
        let link = &self.model.links()[l];
        self.fixed_ns += m * link.latency_ns().mean()?;
        if let Some(bps) = link.bandwidth_bps()
            && m > 0.0
        {
            let k = 8e9 / bps; // [ns/byte]
            self.visits.push(Visit {
                resource: Resource::Transmitter(l, usize::from(dir == Direction::Backward)),
                m,
                mean: size.mean * k,
                second: (size.var + size.mean * size.mean) * k * k,
                exponential: false,
            });
        }
        Some(())
    }

    fn leg(&mut self, leg: Leg, reversed: bool, m: f64, size: Size) -> Option<()> {
        match leg {
            Leg::Link(id, dir) => {
                self.link(id.index(), if reversed { reverse(dir) } else { dir }, m, size)
            }
            Leg::Station(s) => self.station(s.index(), m, reversed, size, (0.0, 0.0), None),
        }
    }
}

fn reverse(d: Direction) -> Direction {
    if d == Direction::Forward { Direction::Backward } else { Direction::Forward }
}

/// The estimated mean latency \[ms\] of route `index` of `model`, or `None`
/// when a station without a queue limit or a link is overloaded (ρ ≥ 1) or
/// a law has an infinite moment. Shorthand for [`estimate`]'s value.
///
/// # Panics
///
/// Panics if `index` is not a route of `model`.
pub fn mean_latency_ms(model: &Model, index: usize) -> Option<f64> {
    estimate(model, index).map(|e| e.mean_ms)
}

/// The estimated mean latency of route `index` of `model` and whether it is
/// exact for the model (see the module documentation), or `None` when a
/// station without a queue limit or a link is overloaded (ρ ≥ 1) or a law
/// has an infinite moment. The route is taken alone, carrying its own
/// workload.
///
/// # Panics
///
/// Panics if `index` is not a route of `model`.
pub fn estimate(model: &Model, index: usize) -> Option<TheoryEstimate> {
    let route = &model.routes()[index];
    let w = route.workload();
    let lambda = w.arrivals().mean_rate_per_s() / 1e9; // per ns
    let gap_scv = w.arrivals().gap_scv();
    let ca2 = gap_scv.unwrap_or(1.0);
    let (mut req, resp) = (Size::of(w.request_bytes())?, Size::of(w.response_bytes())?);
    let hops = route.hops();
    // Handshake CPU a terminator owes per request (probability × moments).
    let mut cpu_at: BTreeMap<usize, (f64, f64)> = BTreeMap::new();
    for h in hops {
        if let Some(s) = h.setup()
            && let Some((t, cpu)) = s.terminator_cpu()
        {
            let (m, m2) = moments(cpu)?;
            cpu_at.insert(t, (s.probability() * m, s.probability() * m2));
        }
    }
    let mut walk = Walk { model, visits: Vec::new(), fixed_ns: 0.0, approximate_sizes: false };
    for (j, h) in hops.iter().enumerate() {
        if let Some(s) = h.station().filter(|_| h.serves().has_requests()) {
            walk.station(
                s.index(),
                1.0,
                false,
                req,
                cpu_at.get(&j).copied().unwrap_or((0.0, 0.0)),
                None,
            )?;
        }
        for d in h.detours() {
            let p = d.probability();
            let (qb, rb) = d.bytes();
            let legs = d.legs();
            let last = legs.iter().rposition(|l| matches!(l, Leg::Station(_)))?;
            for l in &legs[..last] {
                walk.leg(*l, false, p, Size::constant(qb))?;
            }
            let Leg::Station(callee) = legs[last] else { unreachable!("found as a station") };
            let (law, size) = (d.callee_service_ns(), Size::constant(qb));
            walk.station(callee.index(), p, false, size, (0.0, 0.0), law)?;
            for l in legs[..last].iter().rev() {
                walk.leg(*l, true, p, Size::constant(rb))?;
            }
        }
        if let Some(s) = h.setup() {
            walk.fixed_ns += s.probability() * s.delay_ns().mean()?;
        }
        req = req.plus(h.added_request_bytes());
        if let Some((l, dir)) = h.link() {
            walk.link(l.index(), dir, 1.0, req)?;
        }
    }
    if w.is_round_trip() {
        match route.return_path() {
            Some(legs) => {
                for l in legs {
                    // A return path is given in travel order, directions included.
                    match *l {
                        Leg::Link(id, dir) => walk.link(id.index(), dir, 1.0, resp)?,
                        Leg::Station(s) => {
                            walk.station(s.index(), 1.0, true, resp, (0.0, 0.0), None)?
                        }
                    }
                }
            }
            None => {
                for h in hops.iter().rev().skip(1) {
                    if let Some((l, dir)) = h.link() {
                        walk.link(l.index(), reverse(dir), 1.0, resp)?;
                    }
                    if let Some(s) = h.station().filter(|_| h.serves().has_responses()) {
                        walk.station(s.index(), 1.0, true, resp, (0.0, 0.0), None)?;
                    }
                }
            }
        }
    }
    let waits = waits_ns(model, &walk.visits, lambda, ca2)?;
    let mut total = walk.fixed_ns;
    for v in &walk.visits {
        total += v.m * (waits[&v.resource] + v.mean);
    }
    // A token pool's wait and a nested call's timeout are outside the
    // queueing formulas: the estimate ignores them, so it is approximate.
    let limits = hops.iter().any(|h| h.pool().is_some())
        || route.hops().iter().flat_map(|h| h.detours()).any(|d| d.timeout().is_some());
    let exact = gap_scv == Some(1.0)
        && route.timeout().is_none()
        && !limits
        && model.capacity_changes().is_empty()
        && !walk.approximate_sizes
        && is_exact(model, &walk.visits);
    let class = if exact { Accuracy::Exact } else { Accuracy::Approximation };
    Some(TheoryEstimate { mean_ms: total / 1e6, class })
}

/// The mean wait \[ns\] at each resource the visits use, or `None` when a
/// resource without a queue limit is overloaded. Rejections at a station
/// with a queue limit thin the flow to every later visit: the blocking
/// probabilities are a fixed point, found by iteration (one pass when no
/// station has a limit, a few when a limited station is revisited).
fn waits_ns(
    model: &Model,
    visits: &[Visit],
    lambda: f64,
    ca2: f64,
) -> Option<BTreeMap<Resource, f64>> {
    let limited = |r: Resource| match r {
        Resource::Station(s) => {
            let st = &model.stations()[s];
            st.queue_limit().filter(|_| st.servers().count().is_some())
        }
        Resource::Transmitter(..) => None,
    };
    let mut blocking: BTreeMap<Resource, f64> = BTreeMap::new();
    let mut waits = BTreeMap::new();
    for _ in 0..200 {
        // Visit rates per request, thinned by the rejections before them.
        let mut loads: BTreeMap<Resource, Vec<(f64, &Visit)>> = BTreeMap::new();
        let mut admitted = 1.0;
        for v in visits {
            loads.entry(v.resource).or_default().push((v.m * admitted, v));
            if let Some(p) = blocking.get(&v.resource) {
                admitted *= 1.0 - v.m * p;
            }
        }
        let mut next = BTreeMap::new();
        waits.clear();
        for (r, load) in &loads {
            let weight: f64 = load.iter().map(|(w, _)| w).sum();
            let mean = load.iter().map(|(w, v)| w * v.mean).sum::<f64>() / weight;
            let second = load.iter().map(|(w, v)| w * v.second).sum::<f64>() / weight;
            let cs2 = if mean > 0.0 { (second / (mean * mean) - 1.0).max(0.0) } else { 0.0 };
            let rate = lambda * weight; // per ns
            let wq = match *r {
                Resource::Transmitter(..) => {
                    let rho = rate * mean;
                    if rho >= 1.0 {
                        return None;
                    }
                    // Pollaczek–Khinchine: Wq = λ E[S²] / (2 (1 − ρ)).
                    rate * second / (2.0 * (1.0 - rho))
                }
                Resource::Station(s) => match model.stations()[s].servers() {
                    Servers::Unbounded => 0.0,
                    Servers::Finite(c) => {
                        let c = c.get();
                        let a = rate * mean;
                        let factor = (ca2 + cs2) / 2.0;
                        match limited(*r) {
                            Some(limit) => {
                                let (p, lq) = mmck(c, limit, a);
                                next.insert(*r, p);
                                let admitted_rate = rate * (1.0 - p);
                                if admitted_rate > 0.0 { lq / admitted_rate * factor } else { 0.0 }
                            }
                            None => {
                                if a >= f64::from(c) {
                                    return None;
                                }
                                erlang_c(c, a) * mean / (f64::from(c) - a) * factor
                            }
                        }
                    }
                },
            };
            waits.insert(*r, wq);
        }
        let change = next
            .iter()
            .map(|(r, p)| (p - blocking.get(r).copied().unwrap_or(0.0)).abs())
            .fold(0.0, f64::max);
        blocking = next;
        if change < 1e-14 {
            break;
        }
    }
    Some(waits)
}

/// Whether the estimate is the model's true mean (see the module
/// documentation for the rule and why).
fn is_exact(model: &Model, visits: &[Visit]) -> bool {
    let station = |r: Resource| match r {
        Resource::Station(s) => Some(&model.stations()[s]),
        Resource::Transmitter(..) => None,
    };
    let mut by_resource: BTreeMap<Resource, Vec<&Visit>> = BTreeMap::new();
    for v in visits {
        by_resource.entry(v.resource).or_default().push(v);
    }
    // Unbounded stations and resources that never hold anyone do not queue.
    let queues = |r: Resource| {
        station(r).is_none_or(|st| st.servers().count().is_some())
            && by_resource[&r].iter().any(|v| v.mean > 0.0)
    };
    let exponential = |r: Resource| {
        let vs = &by_resource[&r];
        vs.iter().all(|v| v.exponential && (v.mean - vs[0].mean).abs() <= 1e-12 * vs[0].mean)
    };
    let product_form =
        |r: Resource| station(r).is_some_and(|st| st.queue_limit().is_none()) && exponential(r);
    let queueing: Vec<&Visit> = visits.iter().filter(|v| queues(v.resource)).collect();
    if queueing.iter().all(|v| product_form(v.resource)) {
        return true;
    }
    let Some((last, before)) = queueing.split_last() else { return true };
    if before.iter().any(|v| !product_form(v.resource))
        || queueing.iter().any(|v| by_resource[&v.resource].len() != 1)
    {
        return false;
    }
    match station(last.resource) {
        None => true, // a transmitter: M/G/1
        Some(st) => match st.queue_limit() {
            Some(_) => before.is_empty() && exponential(last.resource),
            None => st.servers().count() == Some(1),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn erlang_c_known_values() {
        // M/M/1: P(wait) = ρ.
        assert!((erlang_c(1, 0.8) - 0.8).abs() < 1e-12);
        // M/M/4 at ρ = 0.9 (a = 3.6): 0.787753 (Kleinrock's tables / direct sum).
        assert!((erlang_c(4, 3.6) - 0.787_753).abs() < 1e-6);
        // Many servers stay finite.
        assert!(erlang_c(500, 450.0).is_finite());
    }

    /// Erlang B by its textbook recursion B(k) = a B(k−1) / (k + a B(k−1)),
    /// B(0) = 1 (Jagerman 1974): a different route to the same number.
    fn erlang_b_recursion(c: u32, a: f64) -> f64 {
        (1..=c).fold(1.0, |b, k| a * b / (f64::from(k) + a * b))
    }

    #[test]
    fn erlang_b_matches_the_recursion() {
        for (c, a) in [(1, 0.5), (3, 2.7), (10, 3.0), (50, 49.0), (1000, 900.0), (1000, 1200.0)] {
            let (got, want) = (erlang_b(c, a), erlang_b_recursion(c, a));
            assert!((got / want - 1.0).abs() < 1e-10, "B({c}, {a}) = {got}, recursion {want}");
        }
    }

    /// Issue: Erlang C overflowed to NaN past about 709 Erlangs.
    #[test]
    fn erlang_c_past_709_erlangs_is_finite_and_right() {
        for (c, a) in [(710, 700.0), (1000, 900.0), (5000, 4990.0), (100_000, 99_000.0)] {
            let got = erlang_c(c, a);
            let b = erlang_b_recursion(c, a);
            let rho = a / f64::from(c);
            let want = b / (1.0 - rho * (1.0 - b));
            assert!(
                got.is_finite() && (got / want - 1.0).abs() < 1e-9,
                "C({c}, {a}) = {got}, want {want}"
            );
        }
    }

    /// Issue: Erlang C looped once per server (2³¹ servers took 25 s).
    #[test]
    fn erlang_c_with_two_to_the_31_servers_returns_quickly() {
        let c = 1u32 << 31;
        let cf = f64::from(c);
        let start = std::time::Instant::now();
        for a in [10.0, 0.5 * cf, 0.9 * cf, cf - 1e5, cf - 1000.0, cf - 1.0] {
            let p = erlang_c(c, a);
            assert!((0.0..=1.0).contains(&p), "C(2^31, {a}) = {p}");
        }
        // Far from saturation nobody waits; next to it almost everyone does.
        assert_eq!(erlang_c(c, 0.9 * cf), 0.0);
        assert!(erlang_c(c, cf - 1.0) > 0.99);
        // Halfin–Whitt: with c − a = β √a, C tends to
        // [1 + β Φ(β) / φ(β)]⁻¹; β = 1 gives 1 / (1 + 0.841345 / 0.241971) = 0.22336.
        let a = cf - cf.sqrt();
        assert!((erlang_c(c, a) - 0.22336).abs() < 1e-4, "{}", erlang_c(c, a));
        let elapsed = start.elapsed();
        assert!(elapsed.as_secs_f64() < 1.0, "took {elapsed:?}");
        // u32::MAX servers too.
        assert!(erlang_c(u32::MAX, 0.99 * f64::from(u32::MAX)).is_finite());
    }

    #[test]
    fn mmck_by_hand() {
        // M/M/1/K (limit K − 1): P_K = (1 − ρ) ρ^K / (1 − ρ^{K+1}).
        let (rho, k) = (0.5_f64, 3);
        let (p, _) = mmck(1, k - 1, rho);
        assert!((p - (1.0 - rho) * rho.powi(3) / (1.0 - rho.powi(4))).abs() < 1e-12);
        // Overloaded, same formula.
        let (rho, k) = (1.5_f64, 5);
        let (p, _) = mmck(1, k - 1, rho);
        assert!((p - (1.0 - rho) * rho.powi(5) / (1.0 - rho.powi(6))).abs() < 1e-12);
        // No waiting room: Erlang B.
        assert!((mmck(3, 0, 2.7).0 - erlang_b(3, 2.7)).abs() < 1e-15);
        // Huge limits, light or heavy load: finite, sensible.
        let (p, lq) = mmck(4, u32::MAX, 3.0);
        assert!(p == 0.0 && (lq / (erlang_c(4, 3.0) * 3.0) - 1.0).abs() < 1e-9, "{p} {lq}");
        let (p, lq) = mmck(4, u32::MAX, 8.0);
        assert!((p - 0.5).abs() < 1e-9 && lq > 1e9, "{p} {lq}");
    }

    #[test]
    fn mm1_estimate_is_exact() {
        use crate::dist::Arrivals;
        use crate::model::{RouteBuilder, Station, Workload};
        // λ = 800/s, E[S] = 1 ms: W = 1 / (μ − λ) = 5 ms.
        let mut b = Model::builder();
        let server = b.station(Station::new(
            "server",
            Servers::finite(1).unwrap(),
            Dist::exponential(1e6).unwrap(),
        ));
        let work = Workload::new(Arrivals::poisson(800.0).unwrap(), 1000);
        b.route(RouteBuilder::new("only", work).station(server));
        let model = b.build().unwrap();
        let w = mean_latency_ms(&model, 0).unwrap();
        assert!((w - 5.0).abs() < 1e-9, "{w}");
    }
}
