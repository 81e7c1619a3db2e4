//! The simulated horizon a run may need, bounded at load.
//!
//! Each parameter has its own range (the limit table, `file/limits.rs`), but
//! products of values within range can still pass the engine's clock: a
//! terabyte message over a 1 kbit/s link, or 10⁹ requests of an hour's work
//! each. So once compiled, every route's *work per request* is bounded: the
//! sum of the mean times a request spends at every hop (service, size
//! costs, pipeline delays, links, serialisation, connection set-ups and
//! nested calls, both ways on a round trip), as if nothing ran in parallel.
//! However overloaded, a run ends by the last arrival plus the work of every
//! request, so `span + requests × work` within [`MAX_HORIZON_S`] keeps it
//! inside the clock.

use sim_core::{Dist, Leg, Model};

use crate::error::Invalid;
use crate::file::limits::{MAX_HORIZON_S, fmt_limit};

/// The mean of a law \[ns\]; infinite when it has none.
fn mean(d: &Dist) -> f64 {
    d.mean().unwrap_or(f64::INFINITY)
}

/// Mean work per request of route `index` of `model` \[ns\], and the hop
/// that contributes most (its name).
fn work_per_request(model: &Model, index: usize) -> (f64, String) {
    let route = &model.routes()[index];
    let w = route.workload();
    let round_trip = w.is_round_trip();
    let (req_bytes, resp_bytes) = (mean(w.request_bytes()), mean(w.response_bytes()));
    let stations = model.stations();
    let links = model.links();
    let station_work = |id: sim_core::StationId, bytes: f64, response: bool| -> f64 {
        let st = &stations[id.index()];
        let (service, delay) = if response {
            (st.response_service_ns(), st.response_delay_ns().or(st.delay_ns()))
        } else {
            (st.service_ns(), st.delay_ns())
        };
        // Size costs at the mean size, saturating like the engine.
        let size = st.size_cost_ns(bytes.min(u64::MAX as f64) as u64) as f64;
        mean(service) + size + delay.map_or(0.0, mean)
    };
    let link_work = |id: sim_core::LinkId, bytes: f64| -> f64 {
        let l = &links[id.index()];
        mean(l.latency_ns()) + l.bandwidth_bps().map_or(0.0, |bps| bytes * 8e9 / bps)
    };
    let (mut total, mut top, mut top_name) = (0.0_f64, -1.0_f64, String::new());
    for h in route.hops() {
        let mut hop = 0.0;
        if let Some(s) = h.station() {
            if h.serves().has_requests() {
                hop += station_work(s, req_bytes, false);
            }
            if round_trip && h.serves().has_responses() {
                hop += station_work(s, resp_bytes, true);
            }
        }
        if let Some((l, _)) = h.link() {
            hop += link_work(l, req_bytes);
            if round_trip {
                hop += link_work(l, resp_bytes);
            }
        }
        if let Some(setup) = h.setup() {
            let cpu = setup.terminator_cpu().map_or(0.0, |(_, d)| mean(d));
            hop += setup.probability() * (mean(setup.delay_ns()) + cpu);
        }
        for d in h.detours() {
            let (out, back) = d.bytes();
            let legs: f64 = d
                .legs()
                .iter()
                .map(|leg| match *leg {
                    Leg::Station(s) => {
                        station_work(s, out as f64, false) + station_work(s, back as f64, true)
                    }
                    Leg::Link(l, _) => link_work(l, out as f64) + link_work(l, back as f64),
                })
                .sum();
            hop += d.probability() * legs;
        }
        if hop > top {
            (top, top_name) = (hop, h.name().to_string());
        }
        total += hop;
    }
    // A return path other than the reversed one: count its links too
    // (its stations are those of the path, counted above).
    if let Some(legs) = route.return_path() {
        for leg in legs {
            if let Leg::Link(l, _) = *leg {
                total += link_work(l, resp_bytes);
            }
        }
    }
    (total, top_name)
}

/// Checks that the workload's span plus every request's work fits the
/// simulated horizon, for each route's model (`names[i]` is route `i`).
pub(crate) fn check(models: &[(&str, &Model)]) -> Result<(), Invalid> {
    for (name, model) in models {
        let w = model.routes()[0].workload();
        let span_s = w.requests() as f64 / w.arrivals().mean_rate_per_s();
        let (work_ns, top) = work_per_request(model, 0);
        let horizon_s = span_s + w.requests() as f64 * work_ns / 1e9;
        if horizon_s.is_nan() || horizon_s > MAX_HORIZON_S {
            return Err(Invalid::new(
                "workload.requests",
                format!(
                    "route '{name}': {} requests of {:.3e} ms of work each (most of it at '{top}') could keep the simulation busy for {horizon_s:.3e} simulated seconds, past the limit of {} s (the clock ends at 584 years): lower the request count, or the service times, sizes or bandwidths that make a request that long",
                    w.requests(),
                    work_ns / 1e6,
                    fmt_limit(MAX_HORIZON_S)
                ),
            ));
        }
    }
    Ok(())
}
