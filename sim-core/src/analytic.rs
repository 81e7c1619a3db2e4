//! An analytic estimate of a route's mean latency, to cross-check the
//! simulation.
//!
//! Every visit of a request (and, on a round trip, of its response) to a
//! station, every link crossing, every possible new connection and nested
//! call is weighted by the probability that it happens. Each station is
//! then treated as a G/G/c queue fed by all the visits it receives:
//!
//! - waiting: the Erlang C waiting time of an M/M/c queue with the same
//!   load, `Wq = C(c, a) · E[S] / (c − a)` (Kleinrock, *Queueing Systems*
//!   vol. 1, §3.5), scaled by the Allen–Cunneen factor `(ca² + cs²) / 2`
//!   (Allen, *Probability, Statistics and Queueing Theory*, 1990), with the
//!   service SCV `cs²` of the mixture of visits and the SCV `ca²` of the
//!   external arrival process (1 for Poisson);
//! - bandwidth-limited links: each direction is an M/G/1 transmitter
//!   (Pollaczek–Khinchine);
//! - unbounded stations do not queue.
//!
//! For exponential FIFO stations fed by Poisson arrivals this is the exact
//! product-form (Jackson/BCMP) mean; for general service it is the usual
//! approximation. Bursty (MMPP) arrivals have no single SCV: they are
//! estimated as Poisson, and the estimate is then a lower bound.

use std::collections::BTreeMap;

use crate::dist::Dist;
use crate::model::{Direction, Leg, Model, Servers};

/// Work offered to one station: (rate multiplier, mean service \[ns\],
/// second moment \[ns²\]) per visit kind.
#[derive(Default)]
struct Load {
    visits: Vec<(f64, f64, f64)>,
}

impl Load {
    fn add(&mut self, m: f64, mean: f64, second: f64) {
        if m > 0.0 {
            self.visits.push((m, mean, second));
        }
    }

    fn weight(&self) -> f64 {
        self.visits.iter().map(|v| v.0).sum()
    }

    /// Mean and SCV of the service of a visit drawn by weight.
    fn moments(&self) -> (f64, f64) {
        let w = self.weight();
        if w == 0.0 {
            return (0.0, 0.0);
        }
        let mean = self.visits.iter().map(|v| v.0 * v.1).sum::<f64>() / w;
        let second = self.visits.iter().map(|v| v.0 * v.2).sum::<f64>() / w;
        let scv = if mean > 0.0 { (second / (mean * mean) - 1.0).max(0.0) } else { 0.0 };
        (mean, scv)
    }
}

/// Erlang C: probability that an arrival waits in an M/M/c queue with
/// offered load `a = λ·E[S]` (Erlangs), `a < c` (Kleinrock, *Queueing
/// Systems* vol. 1, §3.5); the result is meaningless for `a >= c`.
pub fn erlang_c(c: u32, a: f64) -> f64 {
    // Sum of a^k/k! for k < c, computed with running terms to stay finite.
    let mut term = 1.0;
    let mut sum = 0.0;
    for k in 0..c {
        if k > 0 {
            term *= a / f64::from(k);
        }
        sum += term;
    }
    let last = term * a / f64::from(c) * f64::from(c) / (f64::from(c) - a);
    last / (sum + last)
}

/// Mean and second moment of a law (the second from its SCV); `None` when
/// a moment is infinite.
fn moments(d: &Dist) -> Option<(f64, f64)> {
    let m = d.mean()?;
    let scv = d.scv()?;
    Some((m, m * m * (1.0 + scv)))
}

/// The estimated mean latency \[ms\] of route `index` of `model`, or `None`
/// when a station or link is overloaded (ρ ≥ 1) or a law has an infinite
/// moment.
///
/// # Panics
///
/// Panics if `index` is not a route of `model`.
pub fn mean_latency_ms(model: &Model, index: usize) -> Option<f64> {
    let route = &model.routes()[index];
    let w = route.workload();
    let lambda = w.arrivals().mean_rate_per_s() / 1e9; // per ns
    let ca2 = w.arrivals().gap_scv().unwrap_or(1.0);
    let (req_bytes, resp_bytes) = (w.request_bytes().mean()?, w.response_bytes().mean()?);
    let hops = route.hops();
    let mut loads: BTreeMap<usize, Load> = BTreeMap::new();
    // (station, multiplier, own mean service, pipeline delay) of each visit.
    let mut visits: Vec<(usize, f64, f64, f64)> = Vec::new();
    // (link, direction index, multiplier, bytes) of each crossing.
    let mut crossings: Vec<(usize, usize, f64, f64)> = Vec::new();
    let mut fixed_ns = 0.0;
    // Handshake CPU a terminator owes per request (probability × mean).
    let mut cpu_at: BTreeMap<usize, (f64, f64)> = BTreeMap::new();
    for h in hops {
        if let Some(s) = h.setup()
            && let Some((t, cpu)) = s.terminator_cpu()
        {
            let (m, m2) = moments(cpu)?;
            cpu_at.insert(t, (s.probability() * m, s.probability() * m2));
        }
    }
    let mut visit =
        |station: usize, m: f64, response: bool, bytes: f64, cpu: (f64, f64)| -> Option<()> {
            let st = &model.stations()[station];
            let law = if response { st.response_service_ns() } else { st.service_ns() };
            let (mean, second) = moments(law)?;
            let size = st.size_cost_ns(bytes.round() as u64) as f64;
            // Adding a constant shifts the mean; the variance is unchanged.
            let own_mean = mean + size + cpu.0;
            let own_second = second
                + 2.0 * mean * (size + cpu.0)
                + (size + cpu.0).powi(2)
                + (cpu.1 - cpu.0 * cpu.0).max(0.0);
            let delay = if response { st.response_delay_ns() } else { st.delay_ns() };
            let delay_mean = match delay {
                Some(d) => d.mean()?,
                None => 0.0,
            };
            loads.entry(station).or_default().add(m, own_mean, own_second);
            visits.push((station, m, own_mean, delay_mean));
            Some(())
        };
    let dir_index = |d: Direction| usize::from(d == Direction::Backward);
    let reverse = |d: Direction| {
        if d == Direction::Forward { Direction::Backward } else { Direction::Forward }
    };
    for (j, h) in hops.iter().enumerate() {
        if let Some(s) = h.station() {
            visit(s.index(), 1.0, false, req_bytes, cpu_at.get(&j).copied().unwrap_or((0.0, 0.0)))?;
        }
        for d in h.detours() {
            let p = d.probability();
            let (qb, rb) = d.bytes();
            let legs = d.legs();
            let last = legs.iter().rposition(|l| matches!(l, Leg::Station(_)))?;
            for l in &legs[..=last] {
                match *l {
                    Leg::Link(id, dir) => {
                        crossings.push((id.index(), dir_index(dir), p, qb as f64))
                    }
                    Leg::Station(s) => visit(s.index(), p, false, qb as f64, (0.0, 0.0))?,
                }
            }
            for l in legs[..last].iter().rev() {
                match *l {
                    Leg::Link(id, dir) => {
                        crossings.push((id.index(), dir_index(reverse(dir)), p, rb as f64))
                    }
                    Leg::Station(s) => visit(s.index(), p, true, rb as f64, (0.0, 0.0))?,
                }
            }
        }
        if let Some(s) = h.setup() {
            fixed_ns += s.probability() * s.delay_ns().mean()?;
        }
        if let Some((l, dir)) = h.link() {
            crossings.push((l.index(), dir_index(dir), 1.0, req_bytes));
        }
    }
    if w.is_round_trip() {
        match route.return_path() {
            Some(legs) => {
                for l in legs {
                    match *l {
                        Leg::Link(id, dir) => {
                            crossings.push((id.index(), dir_index(dir), 1.0, resp_bytes))
                        }
                        Leg::Station(s) => visit(s.index(), 1.0, true, resp_bytes, (0.0, 0.0))?,
                    }
                }
            }
            None => {
                for h in hops.iter().rev().skip(1) {
                    if let Some((l, dir)) = h.link() {
                        crossings.push((l.index(), dir_index(reverse(dir)), 1.0, resp_bytes));
                    }
                    if let Some(s) = h.station() {
                        visit(s.index(), 1.0, true, resp_bytes, (0.0, 0.0))?;
                    }
                }
            }
        }
    }
    // Waiting per visit at each station.
    let mut wait_ns: BTreeMap<usize, f64> = BTreeMap::new();
    for (s, load) in &loads {
        let wq = match model.stations()[*s].servers() {
            Servers::Unbounded => 0.0,
            Servers::Finite(c) => {
                let c = c.get();
                let (mean, cs2) = load.moments();
                let a = lambda * load.weight() * mean;
                if a >= f64::from(c) {
                    return None;
                }
                erlang_c(c, a) * mean / (f64::from(c) - a) * (ca2 + cs2) / 2.0
            }
        };
        wait_ns.insert(*s, wq);
    }
    let mut total = fixed_ns;
    for (s, m, own, delay) in &visits {
        total += m * (wait_ns[s] + own + delay);
    }
    // Links: latency, and an M/G/1 transmitter per direction.
    let mut tx: BTreeMap<(usize, usize), (f64, f64, f64)> = BTreeMap::new();
    for (l, d, m, bytes) in &crossings {
        let link = &model.links()[*l];
        total += m * link.latency_ns().mean()?;
        if let Some(bps) = link.bandwidth_bps() {
            let t = bytes * 8e9 / bps;
            let e = tx.entry((*l, *d)).or_default();
            e.0 += m;
            e.1 += m * t;
            e.2 += m * t * t;
        }
    }
    for (l, d, m, bytes) in &crossings {
        if let Some(bps) = model.links()[*l].bandwidth_bps() {
            let (_, sum_t, sum_t2) = tx[&(*l, *d)];
            let rho = lambda * sum_t;
            if rho >= 1.0 {
                return None;
            }
            // Pollaczek–Khinchine with the transmission times of the mix
            // (sizes taken at their mean: a lower bound for random sizes).
            let wq = lambda * sum_t2 / (2.0 * (1.0 - rho));
            total += m * (wq + bytes * 8e9 / bps);
        }
    }
    Some(total / 1e6)
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
