//! Which charts each command saves with `--report`.

use anyhow::Result;
use sim_scenarios::RunReport;
use sim_scenarios::experiment::{RouteCapacity, Slo, Vary};
use sim_scenarios::report::{RouteState, decode_histogram};

use crate::output::charts;
use crate::save::Files;

/// `run --report`: every route's latency distribution on one chart, and
/// where the time goes.
pub(crate) fn run_charts(
    files: &mut Files,
    report: &RunReport,
    states: &[RouteState],
) -> Result<()> {
    let hists = states
        .iter()
        .map(|s| decode_histogram(&s.histogram).map(|h| (s.route.clone(), h, s.max_ns)))
        .collect::<Result<Vec<_>, _>>()?;
    let refs: Vec<(String, &hdrhistogram::Histogram<u64>, u64)> =
        hists.iter().map(|(n, h, m)| (n.clone(), h, *m)).collect();
    files.add(
        "latency.svg",
        charts::latency_distribution(
            &format!("{}: end-to-end latency by percentile", report.scenario),
            &refs,
        ),
    );
    files.add(
        "breakdown.svg",
        charts::hop_breakdown(
            &format!("{}: where the time goes (mean per request)", report.scenario),
            report,
        ),
    );
    Ok(())
}

/// `sweep --report`: p99 against the swept value, per route (the first
/// varied field is the x axis; other fields split the series).
pub(crate) fn sweep_charts(
    files: &mut Files,
    states: &[RouteState],
    varies: &[Vary],
) -> Result<()> {
    let Some(first) = varies.first() else { return Ok(()) };
    let mut series: Vec<(String, Vec<(f64, f64)>)> = Vec::new();
    for s in states {
        let Some(x) = s.values.first().and_then(|v| v.parse::<f64>().ok()) else { continue };
        let rest = s.values[1..].join(", ");
        let name = if rest.is_empty() { s.route.clone() } else { format!("{} ({rest})", s.route) };
        let row = s.row()?;
        // A point where nothing completed has no p99 to draw.
        let Some(p99) = row.p99_ms else { continue };
        match series.iter_mut().find(|(n, _)| *n == name) {
            Some((_, pts)) => pts.push((x, p99)),
            None => series.push((name, vec![(x, p99)])),
        }
    }
    if !series.is_empty() {
        files.add(
            "p99-against-load.svg",
            charts::p99_against_load(
                &format!("p99 against {}", first.path),
                if first.path == "workload.arrival.rate_per_s" {
                    charts::ARRIVAL_RATE
                } else {
                    &first.path
                },
                &series,
                None,
            ),
        );
    }
    Ok(())
}

/// `capacity --report`: p99 at every rate the search tried, per route,
/// with the SLO when it is on p99.
pub(crate) fn capacity_charts(files: &mut Files, found: &[RouteCapacity], slo: &Slo) -> Result<()> {
    let series: Vec<(String, Vec<(f64, f64)>)> = found
        .iter()
        .map(|r| {
            let mut pts: Vec<(f64, f64)> =
                r.probes.iter().map(|p| (p.rate_per_s, p.p99_ms)).collect();
            pts.sort_by(|a, b| a.0.total_cmp(&b.0));
            (r.name.clone(), pts)
        })
        .collect();
    let slo_line = match slo.metric {
        sim_scenarios::experiment::SloMetric::Quantile(q) if (q - 0.99).abs() < 1e-12 => {
            Some(slo.limit_ms)
        }
        _ => None,
    };
    files.add(
        "p99-against-load.svg",
        charts::p99_against_load(
            "p99 against arrival rate (capacity search)",
            charts::ARRIVAL_RATE,
            &series,
            slo_line,
        ),
    );
    Ok(())
}
