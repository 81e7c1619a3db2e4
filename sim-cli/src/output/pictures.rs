//! Which charts each command saves with `--report`.

use anyhow::Result;
use sim_scenarios::experiment::{RouteCapacity, SensitivityReport, Slo, Vary};
use sim_scenarios::file::{ScenarioSpec, Warmup};
use sim_scenarios::report::{RouteState, decode_histogram};
use sim_scenarios::{RunReport, Scenario};

use sim_scenarios::compile::Topology;

use crate::output::charts::{self, Caption, LoadChart, LoadSeries, TornadoBar, TornadoPanel};
use crate::output::topology;
use crate::save::Files;

/// `run --report`: every route's latency distribution on one chart, where
/// the time goes, what each route costs, and the topology with each hop's
/// mean time and utilisation.
pub(crate) fn run_charts(
    files: &mut Files,
    report: &RunReport,
    states: &[RouteState],
    topology: &Topology,
) -> Result<()> {
    let hists = states
        .iter()
        .map(|s| decode_histogram(&s.histogram).map(|h| (s.route.clone(), h, s.max_ns)))
        .collect::<Result<Vec<_>, _>>()?;
    let refs: Vec<(String, &hdrhistogram::Histogram<u64>, u64)> =
        hists.iter().map(|(n, h, m)| (n.clone(), h, *m)).collect();
    let caption = Caption::of_run(report);
    files.add(
        "latency.svg",
        charts::safe_text(charts::latency_distribution(
            &format!("{}: end-to-end latency by percentile", report.scenario),
            &refs,
            &caption,
        )),
    );
    files.add(
        "breakdown.svg",
        charts::safe_text(charts::hop_breakdown(
            &format!("{}: where the time goes, hop by hop (mean per request)", report.scenario),
            report,
            &caption,
        )),
    );
    // Generic stations have no price: no cost chart.
    if report.routes.iter().any(|r| r.cost.as_ref().is_some_and(|c| !c.lines.is_empty())) {
        files.add(
            "cost.svg",
            charts::safe_text(charts::cost_breakdown(
                &format!("{}: what each route costs per month", report.scenario),
                report,
                &caption,
            )),
        );
    }
    files.add("topology.svg", topology::svg(topology, Some(report)));
    Ok(())
}

/// The caption of a sweep's or capacity search's charts: the scenario's
/// settings, "varied" for those a `--vary` changes.
fn caption_of(spec: &ScenarioSpec, varies: &[Vary]) -> Caption {
    let or_varied = |path: &str, value: String| {
        if varies.iter().any(|v| v.path == path) { "varied".to_string() } else { value }
    };
    let warmup = match spec.workload.warmup_requests {
        Warmup::Requests(n) => n.to_string(),
        Warmup::Auto => "auto".to_string(),
    };
    Caption {
        scenario: spec.name.clone(),
        seed: or_varied("seed", spec.seed.to_string()),
        replications: or_varied("replications", spec.replications.to_string()),
        requests: or_varied("workload.requests", spec.workload.requests.to_string()),
        warmup: or_varied("workload.warmup_requests", warmup),
    }
}

/// `sweep --report`: the topology (as `draw` shows it) and p99 against the
/// swept value, per route (the first varied field is the x axis; other
/// fields split the series).
pub(crate) fn sweep_charts(
    files: &mut Files,
    scenario: &Scenario,
    states: &[RouteState],
    varies: &[Vary],
) -> Result<()> {
    let spec = scenario.spec();
    files.add("topology.svg", topology::svg(scenario.topology(), None));
    let Some(first) = varies.first() else { return Ok(()) };
    let mut series: Vec<LoadSeries> = Vec::new();
    for s in states {
        let Some(x) = s.values.first().and_then(|v| v.parse::<f64>().ok()) else { continue };
        let rest = s.values[1..].join(", ");
        let name = if rest.is_empty() { s.route.clone() } else { format!("{} ({rest})", s.route) };
        let row = s.row()?;
        // A point where nothing completed has no p99 to draw.
        let Some(p99) = row.p99_ms else { continue };
        match series.iter_mut().find(|l| l.name == name) {
            Some(l) => l.points.push((x, p99)),
            None => series.push(LoadSeries {
                name,
                route: s.route.clone(),
                points: vec![(x, p99)],
                capacity: None,
            }),
        }
    }
    if !series.is_empty() {
        let title = format!("p99 against {}", first.path);
        let x_desc = if first.path == "workload.arrival.rate_per_s" {
            charts::ARRIVAL_RATE
        } else {
            &first.path
        };
        files.add(
            "p99-against-load.svg",
            charts::safe_text(charts::latency_against_load(&LoadChart {
                title: &title,
                x_desc,
                metric: "p99",
                series: &series,
                slo_ms: None,
                log_y: false,
                caption: &caption_of(spec, varies),
            })),
        );
    }
    Ok(())
}

/// `capacity --report`: the SLO's metric at every rate the search tried,
/// per route, on a log axis, with a ring at each capacity found and the
/// SLO line.
pub(crate) fn capacity_charts(
    files: &mut Files,
    scenario: &Scenario,
    found: &[RouteCapacity],
    slo: &Slo,
) -> Result<()> {
    let spec = scenario.spec();
    files.add("topology.svg", topology::svg(scenario.topology(), None));
    let series: Vec<LoadSeries> = found
        .iter()
        .map(|r| LoadSeries {
            name: r.name.clone(),
            route: r.name.clone(),
            points: r.probes.iter().map(|p| (p.rate_per_s, p.metric_ms)).collect(),
            capacity: Some(r.capacity_per_s.zip(r.metric_at_capacity_ms)),
        })
        .collect();
    // `p99<=50ms` → `p99`: the metric as the SLO names it.
    let text = slo.to_string();
    let metric = text.split_once("<=").map_or(text.as_str(), |(m, _)| m);
    let title = format!("{metric} against arrival rate (capacity search, SLO {text})");
    files.add(
        "p99-against-load.svg",
        charts::safe_text(charts::latency_against_load(&LoadChart {
            title: &title,
            x_desc: charts::ARRIVAL_RATE,
            metric,
            series: &series,
            slo_ms: Some(slo.limit_ms),
            log_y: true,
            caption: &caption_of(spec, &[]),
        })),
    );
    Ok(())
}

/// `sensitivity --report`: tornado.svg, one panel per difference from the
/// baseline (or the lone route's mean), the figures by swing.
pub(crate) fn sensitivity_charts(files: &mut Files, doc: &SensitivityReport, spec: &ScenarioSpec) {
    let panels: Vec<TornadoPanel> = doc
        .tornadoes
        .iter()
        .map(|t| TornadoPanel {
            title: match &t.baseline {
                Some(b) => format!(
                    "{} - {}: mean difference, each estimate at the ends of its range",
                    t.route, b
                ),
                None => {
                    format!("{}: mean latency, each estimate at the ends of its range", t.route)
                }
            },
            base: t.mean.estimate,
            bars: t
                .bars
                .iter()
                .map(|b| {
                    let range =
                        doc.figures.iter().find(|f| f.key == b.key).map_or_else(String::new, |f| {
                            format!(
                                " ({}..{} {})",
                                charts::number(f.low),
                                charts::number(f.high),
                                f.unit
                            )
                        });
                    TornadoBar {
                        label: format!("{}{range}", b.key),
                        at_low: b.mean_at_low,
                        at_high: b.mean_at_high,
                    }
                })
                .collect(),
        })
        .collect();
    let x_desc = if doc.tornadoes.iter().all(|t| t.baseline.is_some()) {
        "mean difference from the baseline [ms]"
    } else {
        "mean latency [ms]"
    };
    files.add(
        "tornado.svg",
        charts::safe_text(charts::tornado(&panels, x_desc, &caption_of(spec, &[]))),
    );
}
