//! The table a person reads first: routes side by side, then where the time
//! goes hop by hop.

use std::io::{self, Write};

use sim_scenarios::experiment::{RouteCapacity, Slo};
use sim_scenarios::file::{ArrivalKind, ScenarioSpec};
use sim_scenarios::report::{CostReport, PrecisionOn, RouteReport};
use sim_scenarios::text::{Shown, escape};
use sim_scenarios::{RunReport, Scenario};

pub(crate) fn opt_pct(v: Option<f64>) -> String {
    v.map_or_else(|| "-".to_string(), |u| format!("{:.0}%", u * 100.0))
}

/// Milliseconds with 3 significant digits, at most 3 decimals.
pub(crate) fn ms(v: f64) -> String {
    let decimals = if v >= 100.0 {
        1
    } else if v >= 10.0 {
        2
    } else {
        3
    };
    format!("{v:.decimals$}")
}

/// A rate: whole requests per second from 100/s, else 3 significant digits.
fn per_s(v: f64) -> String {
    if v >= 100.0 { format!("{v:.0}") } else { ms(v) }
}

/// A latency, or `-` when the route completed nothing.
fn opt_ms(v: Option<f64>) -> String {
    v.map_or_else(|| "-".to_string(), ms)
}

/// The half-width of a 95 % interval, `±x`; `-` without one.
fn half_width(ci: Option<[f64; 2]>) -> String {
    ci.map_or_else(|| "-".to_string(), |[lo, hi]| format!("±{}", ms((hi - lo) / 2.0)))
}

fn busiest(r: &RouteReport) -> String {
    match (&r.bottleneck, r.bottleneck_utilization) {
        (Some(n), Some(u)) => format!("{n} ({:.0}%)", u * 100.0),
        _ => "-".to_string(),
    }
}

/// `n word` with the plural when n is not 1 (`1 replication`, `4 replications`).
pub(crate) fn count(n: u64, word: &str) -> String {
    if n == 1 { format!("{n} {word}") } else { format!("{n} {word}s") }
}

/// Writes the whole table: the routes side by side, their differences,
/// what authorisation adds, and where the time goes hop by hop. Warnings
/// and findings are not part of it: they go to stderr.
/// For a bursty workload (`on_off`, `mmpp2`), a line saying what
/// `rate_per_s` means and the mean rate it gives; `None` for a steady one,
/// whose `rate_per_s` is the mean.
pub(crate) fn arrival_line(spec: &ScenarioSpec, mean_rate_per_s: f64) -> Option<String> {
    let a = &spec.workload.arrival;
    let rate = a.rate_per_s.as_ref().map_or_else(String::new, ToString::to_string);
    match a.kind {
        ArrivalKind::OnOff => Some(format!(
            "arrivals on_off: {rate} req/s during bursts (mean burst {} ms, mean silence {} ms), mean rate {} req/s",
            a.on_ms.unwrap_or(0.0),
            a.off_ms.unwrap_or(0.0),
            per_s(mean_rate_per_s)
        )),
        ArrivalKind::Mmpp2 => Some(format!(
            "arrivals mmpp2: {rate} req/s in its two states, mean rate {} req/s",
            per_s(mean_rate_per_s)
        )),
        ArrivalKind::Poisson | ArrivalKind::Constant => None,
    }
}

pub(crate) fn write(
    out: &mut impl Write,
    report: &RunReport,
    spec: &ScenarioSpec,
) -> io::Result<()> {
    writeln!(
        out,
        "scenario {} · seed {} · {} × {} {} ({} warm-up)",
        Shown(&report.scenario),
        report.seed,
        count(report.replications, "replication"),
        count(report.requests, "request"),
        if report.mode == "mix" { "shared by the routes (mode mix)" } else { "per route" },
        report.warmup_requests
    )?;
    if let Some(line) = arrival_line(spec, report.mean_rate_per_s) {
        writeln!(out, "{line}")?;
    }
    if report.warmup_auto {
        writeln!(
            out,
            "warm-up detected by MSER-5 on five pilot replications: {} requests",
            report.warmup_requests
        )?;
    }
    if let Some(p) = &report.precision {
        let worst =
            p.worst_relative_half_width.map_or("-".into(), |w| format!("{:.2}%", w * 100.0));
        let on = match p.on {
            PrecisionOn::Mean => "mean",
            PrecisionOn::P99 => "p99",
        };
        let verdict = if p.reached { "reached" } else { "NOT reached" };
        writeln!(
            out,
            "precision {verdict}: 95 % interval of the {on} within ±{:.2}% wanted, worst ±{worst}, after {}",
            p.target * 100.0,
            count(p.replications, "replication")
        )?;
    }
    writeln!(out)?;
    writeln!(
        out,
        "latency of completed requests, ms; ±95%: half-width of the 95 % interval across replications"
    )?;
    if report.routes.iter().any(|r| r.platform_ms != r.latency_ms) {
        writeln!(
            out,
            "platform: the latency minus the time at the backends (your API: an input, not an Azure figure)"
        )?;
    }
    // Failures (throttling, failed calls) get a column whenever a route has
    // any: they never disappear from the table.
    let failures = report.routes.iter().any(|r| r.failed > 0 || r.throttled > 0 || r.retries > 0);
    let mut header = vec![
        "route",
        "mean",
        "mean ±95%",
        "platform",
        "platform ±95%",
        "theory",
        "p50",
        "p90",
        "p99",
        "p99 ±95%",
        "platform p99",
        "p99.9",
        "max",
        "req/s",
        "rejected",
        "timed out",
    ];
    if failures {
        header.extend(["failed", "retries"]);
    }
    header.push("busiest");
    let rows: Vec<Vec<String>> = report
        .routes
        .iter()
        .map(|r| {
            let (l, p) = (&r.latency_ms, &r.platform_ms);
            let mut row = vec![
                r.name.clone(),
                opt_ms(l.mean),
                half_width(l.mean_ci95),
                opt_ms(p.mean),
                half_width(p.mean_ci95),
                opt_ms(r.analytic_mean_ms),
                opt_ms(l.p50),
                opt_ms(l.p90),
                opt_ms(l.p99),
                half_width(l.p99_ci95),
                opt_ms(p.p99),
                opt_ms(l.p999),
                opt_ms(l.max),
                format!("{:.0}", r.throughput_per_s),
                r.rejected.to_string(),
                r.timed_out.to_string(),
            ];
            if failures {
                row.extend([r.failed.to_string(), r.retries.to_string()]);
            }
            row.push(match &r.stopped {
                // The overload guard stopped it: say so in the row.
                Some(_) => format!("{} STOPPED: overload", busiest(r)),
                None => busiest(r),
            });
            row
        })
        .collect();
    write_grid(out, &header, &rows)?;
    write_calls(out, report)?;
    for r in report.routes.iter().filter(|r| r.stopped.is_some()) {
        writeln!(
            out,
            "{} STOPPED: the route cannot carry this load (more than workload.max_in_flight requests in flight); its figures are those so far",
            r.name
        )?;
    }
    if failures {
        writeln!(
            out,
            "failed: no latency (throttled with HTTP 429, or a nested call that failed after its retries); latency figures are of the completed requests only"
        )?;
    }
    if report.routes.iter().any(|r| r.analytic_mean_ms.is_none()) {
        let why = if report.mode == "mix" {
            "in mode mix the routes share stations, and the estimate is of a route alone"
        } else {
            "a station or link on the route is at or over capacity, so no steady state exists"
        };
        writeln!(out, "theory -: no queueing-theory estimate: {why}")?;
    }

    let differences: Vec<&RouteReport> =
        report.routes.iter().filter(|r| r.vs_baseline.is_some()).collect();
    if !differences.is_empty() {
        writeln!(out)?;
        let demand = if report.common_random_numbers {
            "the same demand in every replication: common random numbers"
        } else if report.mode == "mix" {
            "in mode mix each route carries its own share of the arrivals"
        } else {
            "independent demand (common_random_numbers is off)"
        };
        writeln!(
            out,
            "difference from {} (paired by replication, {demand}; 95 % interval of the paired difference)",
            report.baseline
        )?;
        let mut header = vec![
            "route",
            "Δ mean ms",
            "95% interval",
            "Δ p99 ms",
            "95% interval ",
            "Δ platform mean",
            "95% interval  ",
        ];
        // A cost column where a route has something to pay for (generic
        // stations have no price).
        let priced = is_priced(report);
        if priced {
            header.push("Δ USD/month");
        }
        let interval = |e: &sim_scenarios::report::Estimate| {
            e.ci95.map_or_else(|| "-".to_string(), |[l, h]| format!("[{}, {}]", ms(l), ms(h)))
        };
        let rows: Vec<Vec<String>> = differences
            .iter()
            .filter_map(|r| {
                let d = r.vs_baseline.as_ref()?;
                let mark = if d.comparable { "" } else { " *" };
                let mut row = vec![
                    format!("{}{mark}", r.name),
                    ms(d.mean.estimate),
                    interval(&d.mean),
                    ms(d.p99.estimate),
                    interval(&d.p99),
                    ms(d.platform_mean.estimate),
                    interval(&d.platform_mean),
                ];
                if priced {
                    row.push(
                        d.cost
                            .as_ref()
                            .map_or_else(|| "-".to_string(), |c| usd_signed(c.per_month)),
                    );
                }
                Some(row)
            })
            .collect();
        write_grid(out, &header, &rows)?;
        if differences.iter().any(|r| r.vs_baseline.as_ref().is_some_and(|d| !d.comparable)) {
            writeln!(
                out,
                "* not comparable: the two routes completed shares of their requests more than 1 % apart, so the difference compares different requests"
            )?;
        }
    }

    write_costs(out, report)?;

    if report.routes.iter().any(|r| r.auth_added_ms.is_some()) {
        writeln!(out)?;
        writeln!(
            out,
            "what end-user authorisation adds (route minus its twin without it, same seed; estimates without an interval: a p50 or p99 difference can come out negative by chance)"
        )?;
        let header = ["route", "mean ms", "p50", "p99"];
        let rows: Vec<Vec<String>> = report
            .routes
            .iter()
            .filter_map(|r| {
                let a = r.auth_added_ms.as_ref()?;
                Some(vec![r.name.clone(), ms(a.mean), ms(a.p50), ms(a.p99)])
            })
            .collect();
        write_grid(out, &header, &rows)?;
    }

    for r in &report.routes {
        writeln!(out)?;
        writeln!(
            out,
            "route {}: where the time goes (mean ms per completed request)",
            Shown(&r.name)
        )?;
        // The wait for a pooled connection (APIM's backend connections) is
        // shown only on a route where it happened, so routes without a pool
        // keep their table.
        let pooled = r.hops.iter().any(|h| h.pool_wait_ms_mean > 0.0);
        let mut header = vec!["node", "wait", "service", "link", "serialise", "handshake"];
        if pooled {
            header.push("conn wait");
        }
        header.extend(["calls", "utilisation", "rejected"]);
        let rows: Vec<Vec<String>> = r
            .hops
            .iter()
            .map(|h| {
                let mut row = vec![
                    h.node.clone(),
                    ms(h.wait_ms_mean),
                    ms(h.service_ms_mean),
                    ms(h.link_ms_mean),
                    ms(h.serialization_ms_mean),
                    ms(h.handshake_ms_mean),
                ];
                if pooled {
                    row.push(ms(h.pool_wait_ms_mean));
                }
                row.extend([ms(h.subcall_ms_mean), opt_pct(h.utilization), h.rejected.to_string()]);
                row
            })
            .collect();
        write_grid(out, &header, &rows)?;
    }
    Ok(())
}

/// Whether a route of the report has a billing meter (generic stations
/// have none: their scenarios show no cost).
fn is_priced(report: &RunReport) -> bool {
    report.routes.iter().any(|r| r.cost.as_ref().is_some_and(|c| !c.lines.is_empty()))
}

/// An amount of money, to the cent.
fn usd(v: f64) -> String {
    format!("{v:.2}")
}

/// A difference of money, signed, to the cent.
fn usd_signed(v: f64) -> String {
    format!("{v:+.2}")
}

/// The cost section: each route's cost per month and per million requests
/// at its measured throughput, then each route's meters.
fn write_costs(out: &mut impl Write, report: &RunReport) -> io::Result<()> {
    let costed: Vec<(&RouteReport, &CostReport)> =
        report.routes.iter().filter_map(|r| Some((r, r.cost.as_ref()?))).collect();
    let Some((_, first)) = costed.first().filter(|_| is_priced(report)) else { return Ok(()) };
    writeln!(out)?;
    let split = if report.mode == "mix" {
        "; mode mix: a shared component's fixed charge is split between the routes by the bytes each sends through it"
    } else {
        "; each route pays the whole fixed charge of every component it uses"
    };
    writeln!(
        out,
        "cost at the measured throughput, {} (US list prices: estimates, `aznetsim catalog --prices` says which and where from; a month is {} h; no interval: exact given the counts){split}",
        first.currency, first.hours_per_month
    )?;
    let header = ["route", "per month", "per million req", "fixed/month", "data/month"];
    let rows: Vec<Vec<String>> = costed
        .iter()
        .map(|(r, c)| {
            vec![
                r.name.clone(),
                usd(c.per_month),
                c.per_million_requests.map_or_else(|| "-".to_string(), usd),
                usd(c.fixed_per_month),
                usd(c.data_per_month),
            ]
        })
        .collect();
    write_grid(out, &header, &rows)?;
    for (r, c) in &costed {
        writeln!(out)?;
        writeln!(out, "route {}: what it costs ({} per month)", Shown(&r.name), c.currency)?;
        let header = ["component", "per month", "share", "meter"];
        let rows: Vec<Vec<String>> = c
            .lines
            .iter()
            .map(|l| {
                vec![
                    l.component.clone(),
                    usd(l.per_month),
                    l.share.map_or_else(|| "-".to_string(), |s| format!("{:.0}%", s * 100.0)),
                    l.meter.clone(),
                ]
            })
            .collect();
        write_grid(out, &header, &rows)?;
    }
    Ok(())
}

/// Warnings about the results, with their advice (for stderr).
pub(crate) fn write_warnings(out: &mut impl Write, report: &RunReport) -> io::Result<()> {
    for w in &report.warnings {
        writeln!(out, "aznetsim: warning [{}]: {}", w.kind.name(), Shown(&w.message))?;
    }
    Ok(())
}

/// The compiled model, route by route and hop by hop.
pub(crate) fn write_explain(out: &mut impl Write, scenario: &Scenario) -> io::Result<()> {
    let file = scenario.file().display().to_string();
    writeln!(out, "scenario {} ({})", Shown(&scenario.spec().name), Shown(&file))?;
    let line = arrival_line(scenario.spec(), scenario.mean_rate_per_s()).unwrap_or_else(|| {
        format!(
            "arrivals {}: {} req/s",
            scenario.spec().workload.arrival.kind,
            per_s(scenario.mean_rate_per_s())
        )
    });
    writeln!(out, "{line}")?;
    for (i, r) in scenario.routes().iter().enumerate() {
        writeln!(out)?;
        let floor: f64 = r.hops.iter().map(|h| h.floor_ms).sum();
        let estimate = sim_core::analytic::estimate(&r.model, 0).map_or_else(
            || "none (a station without a queue limit, or a link, is overloaded)".to_string(),
            |e| format!("{} ms ({})", ms(e.mean_ms), e.class),
        );
        writeln!(
            out,
            "route {}: static latency floor {} ms (no queueing, no new connections)",
            Shown(&r.name),
            ms(floor)
        )?;
        writeln!(
            out,
            "  queueing-theory estimate of the mean: {estimate}; exact for Poisson arrivals into exponential FIFO stations (one last single-server or finite queue allowed), an approximation (Allen–Cunneen, about 15 %) otherwise"
        )?;
        let header = ["#", "node", "kind", "connection", "floor ms", "capacity"];
        let rows: Vec<Vec<String>> = r
            .hops
            .iter()
            .enumerate()
            .map(|(j, h)| {
                vec![
                    j.to_string(),
                    h.node.clone(),
                    h.kind.clone(),
                    h.connection.clone(),
                    ms(h.floor_ms),
                    h.capacity.clone(),
                ]
            })
            .collect();
        write_grid(out, &header, &rows)?;
        for (j, h) in r.hops.iter().enumerate() {
            if let Some(i) = &h.input {
                writeln!(out, "  hop {j} {} is an {}", Shown(&h.node), Shown(i))?;
            }
            if let Some(c) = &h.new_connection {
                writeln!(out, "  hop {j} {} opens a new connection {}", Shown(&h.node), Shown(c))?;
            }
            if let Some(t) = &h.token {
                writeln!(out, "  hop {j} {} receives the {}", Shown(&h.node), Shown(t))?;
            }
            if let Some(m) = &h.max_header {
                writeln!(out, "  hop {j} {} accepts {}", Shown(&h.node), Shown(m))?;
            }
            for c in &h.calls {
                writeln!(out, "  hop {j} {} calls {}", Shown(&h.node), Shown(c))?;
            }
            if let Some(per_s) = h.unpublished_limit_per_s {
                let note =
                    sim_scenarios::compile::limit_note(&h.node, per_s, scenario.offered_per_s(i));
                writeln!(out, "  note: {}", Shown(&note))?;
            }
            if let Some(m) = &h.meter {
                writeln!(out, "  hop {j} {}: {}", Shown(&h.node), Shown(&m.note))?;
            }
        }
        if let Some(d) = &r.derived {
            write_derived(out, d)?;
        }
        for f in &r.findings {
            writeln!(out, "  {} [{}]: {}", f.severity, f.check, Shown(&f.message))?;
        }
    }
    Ok(())
}

/// The paths the `routing` section derives, next to the written ones, with
/// the route that decided each hop.
fn write_derived(out: &mut impl Write, d: &sim_scenarios::azure::DerivedRoute) -> io::Result<()> {
    let one = |out: &mut dyn Write,
               what: &str,
               written: &[String],
               p: &sim_scenarios::azure::DerivedPath|
     -> io::Result<()> {
        let same = p.stopped.is_none() && p.nodes() == written;
        let verdict =
            if same { "equal to the written path" } else { "differs from the written path" };
        writeln!(out, "  {what} as written: {}", Shown(&written.join(" → ")))?;
        writeln!(out, "  {what} as routed:  {} ({verdict})", Shown(&p.nodes().join(" → ")))?;
        for h in &p.hops {
            if let Some(by) = &h.decided_by {
                writeln!(out, "    → {}: {}", Shown(&h.node), Shown(by))?;
            }
        }
        if let Some(why) = &p.stopped {
            writeln!(out, "    stops: {}", Shown(why))?;
        }
        Ok(())
    };
    writeln!(out, "  derived from routing (route tables, peerings, BGP):")?;
    one(out, "request ", &d.written, &d.request)?;
    one(out, "response", &d.written_return, &d.response)?;
    for c in &d.calls {
        one(out, &format!("call {}", c.call), &c.written, &c.derived)?;
    }
    Ok(())
}

/// Writes a table: columns padded to their widest cell, each cell
/// [`escape`]d (a name from a file cannot break the table's lines).
fn write_grid(out: &mut impl Write, header: &[&str], rows: &[Vec<String>]) -> io::Result<()> {
    let rows: Vec<Vec<String>> =
        rows.iter().map(|r| r.iter().map(|c| escape(c).into_owned()).collect()).collect();
    let rows = rows.as_slice();
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    // A column of numbers is right-aligned, header included; text is not.
    let numeric: Vec<bool> = (0..header.len())
        .map(|i| i > 0 && !rows.is_empty() && rows.iter().all(|r| is_numeric(&r[i])))
        .collect();
    let line = |cells: Vec<&str>| -> String {
        cells
            .iter()
            .zip(widths.iter().zip(&numeric))
            .map(|(c, (&w, &right))| {
                let pad = " ".repeat(w - c.chars().count());
                if right { format!("{pad}{c}") } else { format!("{c}{pad}") }
            })
            .collect::<Vec<_>>()
            .join("  ")
    };
    writeln!(out, "{}", line(header.to_vec()).trim_end())?;
    for row in rows {
        writeln!(out, "{}", line(row.iter().map(String::as_str).collect()).trim_end())?;
    }
    Ok(())
}

/// Whether a cell holds a number (possibly with ±, a % sign, or "-" for none).
fn is_numeric(c: &str) -> bool {
    let t = c.trim_start_matches('±').trim_end_matches('%');
    t == "-" || t.parse::<f64>().is_ok()
}

/// The capacity planner's table: per route, the highest rate within the SLO.
pub(crate) fn write_capacity(
    out: &mut impl Write,
    scenario: &str,
    slo: &Slo,
    found: &[RouteCapacity],
) -> io::Result<()> {
    writeln!(out, "scenario {} · SLO {slo} (and nothing rejected or timed out)", Shown(scenario))?;
    writeln!(out)?;
    let header = [
        "route",
        "capacity req/s",
        "95% interval req/s",
        "metric at capacity ms",
        "breaks at",
        "bottleneck",
        "2x length",
        "runs",
    ];
    let rate = |r: Option<f64>| r.map_or_else(|| "?".to_string(), |r| format!("{r:.0}"));
    let rows: Vec<Vec<String>> = found
        .iter()
        .map(|r| {
            let [lo, hi] = r.capacity_interval_per_s;
            let capacity = match r.capacity_per_s {
                None => "none".to_string(),
                Some(c) if r.ceiling_reached => format!(">= {c:.0}"),
                Some(c) => format!("{c:.0}"),
            };
            vec![
                r.name.clone(),
                capacity,
                if lo.is_none() && hi.is_none() {
                    "-".to_string()
                } else {
                    format!("[{}, {}]", rate(lo), rate(hi))
                },
                r.metric_at_capacity_ms.map_or_else(|| "-".into(), ms),
                r.breaks_at_per_s.map_or_else(|| "-".into(), |b| format!("{b:.0}")),
                match (&r.bottleneck, r.bottleneck_utilization) {
                    (Some(n), Some(u)) => format!("{n} ({:.0}%)", u * 100.0),
                    _ => "-".into(),
                },
                match r.holds_at_twice_the_length {
                    Some(true) => "holds".to_string(),
                    Some(false) => "FAILS".to_string(),
                    None => "-".to_string(),
                },
                (r.probes.len() + usize::from(r.twice_the_length.is_some())).to_string(),
            ]
        })
        .collect();
    write_grid(out, &header, &rows)?;
    for r in found {
        if let Some(p) = &r.without_backend_limits {
            let [lo, hi] = p.capacity_interval_per_s;
            let capacity = match p.capacity_per_s {
                None => "none".to_string(),
                Some(c) if p.ceiling_reached => format!(">= {c:.0} req/s"),
                Some(c) => format!("{c:.0} req/s"),
            };
            let bottleneck = match (&p.bottleneck, p.bottleneck_utilization) {
                (Some(n), Some(u)) => format!("{} ({:.0}%)", Shown(n), u * 100.0),
                _ => "-".into(),
            };
            writeln!(
                out,
                "route {}: the bottleneck is a backend, an input (your API), not an Azure figure; with every backend unbounded the platform holds {capacity}, 95% interval [{}, {}], bottleneck {bottleneck}",
                Shown(&r.name),
                rate(lo),
                rate(hi)
            )?;
        }
    }
    writeln!(out)?;
    writeln!(
        out,
        "capacity: highest rate seen to meet the SLO (stable runs only); 95% interval: from the highest rate that meets it with confidence to the lowest that breaks it with confidence (? where no rate tried does); 2x length: the SLO at the capacity in a run twice as long"
    )?;
    if found.iter().any(|r| r.capacity_per_s.is_none()) {
        writeln!(
            out,
            "no rate tried meets the SLO on a route marked none: even the unloaded latency breaks it"
        )?;
    }
    if found.iter().any(|r| r.ceiling_reached) {
        writeln!(
            out,
            "a capacity marked >= reached the search ceiling without breaking the SLO: it is a lower bound"
        )?;
    }
    Ok(())
}

/// One line per nested call that was throttled, failed, timed out or
/// retried: its attempts and how they ended.
fn write_calls(out: &mut impl Write, report: &RunReport) -> io::Result<()> {
    for r in &report.routes {
        for c in r.calls.iter().filter(|c| c.throttled + c.errors + c.timed_out + c.retries > 0) {
            writeln!(
                out,
                "{}: {} at {}: {} attempts, {} throttled (429), {} failed, {} timed out, {} retries",
                r.name, c.call, c.node, c.attempts, c.throttled, c.errors, c.timed_out, c.retries
            )?;
        }
    }
    Ok(())
}

/// Milliseconds with a sign, as [`ms`] gives the magnitude.
fn signed_ms(v: f64) -> String {
    if v < 0.0 { format!("-{}", ms(-v)) } else { format!("+{}", ms(v)) }
}

/// The sensitivity tables: per difference from the baseline (or a lone
/// route's latency), the figures ranked by swing, under the value at the
/// catalog's figures with its interval; then what the numbers are and are
/// not, and the figures skipped.
pub(crate) fn write_sensitivity(
    out: &mut impl Write,
    doc: &sim_scenarios::experiment::SensitivityReport,
) -> io::Result<()> {
    let opt = |v: Option<f64>| v.map_or_else(|| "-".to_string(), signed_ms);
    let swing = |v: Option<f64>| v.map_or_else(|| "-".to_string(), ms);
    writeln!(
        out,
        "scenario {} · seed {} · {} replications of {} requests · {} EST figures varied ({} runs)",
        Shown(&doc.scenario),
        doc.seed,
        doc.replications,
        doc.requests,
        doc.figures.len(),
        1 + 2 * doc.figures.len()
    )?;
    for t in &doc.tornadoes {
        writeln!(out)?;
        let what = match &t.baseline {
            Some(b) => format!("{} - {}", Shown(&t.route), Shown(b)),
            None => format!("{} latency", Shown(&t.route)),
        };
        let interval = |e: &sim_scenarios::report::Estimate| {
            e.ci95
                .map_or_else(String::new, |[l, h]| format!(" [{}, {}]", signed_ms(l), signed_ms(h)))
        };
        writeln!(
            out,
            "{what} at the catalog's values: mean {} ms{}, p99 {} ms{} (95% intervals: simulation noise only; a mean swing above the mean interval's width is above noise)",
            signed_ms(t.mean.estimate),
            interval(&t.mean),
            signed_ms(t.p99.estimate),
            interval(&t.p99)
        )?;
        let header = [
            "figure",
            "tag",
            "low",
            "high",
            "unit",
            "mean at low ms",
            "mean at high ms",
            "swing ms",
            "p99 at low ms",
            "p99 at high ms",
            "p99 swing ms",
            "above noise",
        ];
        let rows: Vec<Vec<String>> = t
            .bars
            .iter()
            .map(|b| {
                let f = doc.figures.iter().find(|f| f.key == b.key);
                let (tag, low, high, unit) = f.map_or_else(Default::default, |f| {
                    (
                        f.tag.clone(),
                        crate::output::charts::number(f.low),
                        crate::output::charts::number(f.high),
                        f.unit.clone(),
                    )
                });
                vec![
                    b.key.clone(),
                    tag,
                    low,
                    high,
                    unit,
                    opt(b.mean_at_low),
                    opt(b.mean_at_high),
                    swing(b.mean_swing),
                    opt(b.p99_at_low),
                    opt(b.p99_at_high),
                    swing(b.p99_swing),
                    match (b.mean_swing, t.noise_ms) {
                        (Some(s), Some(n)) if s > n => "yes".into(),
                        (Some(_), Some(_)) => "no".into(),
                        _ => "-".into(),
                    },
                ]
            })
            .collect();
        write_grid(out, &header, &rows)?;
    }
    writeln!(out)?;
    writeln!(
        out,
        "Each figure was set to the low, then the high end of its range with every other at its default, and the scenario rerun with the same seed and replications; swing = |at high - at low|. The ranges are judgement (`aznetsim catalog` gives each one's reasoning); the 95% intervals cover simulation noise only; figures move one at a time, so interactions are not seen."
    )?;
    for s in &doc.skipped {
        writeln!(out, "skipped {}: {}", s.key, s.reason)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Issue 10, item 8: a name with a newline or an ANSI escape went to
    /// the terminal raw, so a route could print a line of its own.
    #[test]
    fn issue_10_names_with_control_characters_stay_in_their_cell() {
        let mut out = Vec::new();
        let rows = vec![
            vec!["red\naznetsim: all checks passed".to_string(), "1.5".into()],
            vec!["\u{1b}[2J\u{1b}[32mgreen".to_string(), "2".into()],
        ];
        write_grid(&mut out, &["route", "mean"], &rows).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert_eq!(
            text,
            "route                             mean\n\
             red\\naznetsim: all checks passed   1.5\n\
             \\u{1b}[2J\\u{1b}[32mgreen             2\n"
        );
    }
}
