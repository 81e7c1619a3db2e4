//! The table a person reads first: routes side by side, then where the time
//! goes hop by hop.

use std::io::{self, Write};

use sim_scenarios::{RouteReport, RunReport};

fn opt_pct(v: Option<f64>) -> String {
    v.map_or_else(|| "-".to_string(), |u| format!("{:.0}%", u * 100.0))
}

/// Milliseconds with 3 significant digits, at most 3 decimals.
fn ms(v: f64) -> String {
    let decimals = if v >= 100.0 {
        1
    } else if v >= 10.0 {
        2
    } else {
        3
    };
    format!("{v:.decimals$}")
}

fn ci(r: &RouteReport) -> String {
    r.latency_ms
        .mean_ci95
        .map_or_else(|| "-".to_string(), |[lo, hi]| format!("±{}", ms((hi - lo) / 2.0)))
}

fn bottleneck(r: &RouteReport) -> String {
    match (&r.bottleneck, r.bottleneck_utilization) {
        (Some(n), Some(u)) => format!("{n} ({:.0}%)", u * 100.0),
        _ => "-".to_string(),
    }
}

/// Writes the whole table.
pub(crate) fn write(out: &mut impl Write, report: &RunReport) -> io::Result<()> {
    writeln!(
        out,
        "scenario {} · seed {} · {} replications × {} requests per route ({} warm-up)",
        report.scenario, report.seed, report.replications, report.requests, report.warmup_requests
    )?;
    writeln!(out)?;
    let header = [
        "route",
        "mean ms",
        "±95%",
        "p50",
        "p90",
        "p99",
        "p99.9",
        "max",
        "req/s",
        "rejected",
        "bottleneck",
    ];
    let rows: Vec<Vec<String>> = report
        .routes
        .iter()
        .map(|r| {
            let l = &r.latency_ms;
            vec![
                r.name.clone(),
                ms(l.mean),
                ci(r),
                ms(l.p50),
                ms(l.p90),
                ms(l.p99),
                ms(l.p999),
                ms(l.max),
                format!("{:.0}", r.throughput_per_s),
                r.rejected.to_string(),
                bottleneck(r),
            ]
        })
        .collect();
    write_grid(out, &header, &rows)?;

    for r in &report.routes {
        writeln!(out)?;
        writeln!(out, "route {}: where the time goes (mean ms per request)", r.name)?;
        let header = ["node", "wait", "service", "link", "serialise", "utilisation", "rejected"];
        let rows: Vec<Vec<String>> = r
            .hops
            .iter()
            .map(|h| {
                vec![
                    h.node.clone(),
                    ms(h.wait_ms_mean),
                    ms(h.service_ms_mean),
                    ms(h.link_ms_mean),
                    ms(h.serialization_ms_mean),
                    opt_pct(h.utilization),
                    h.rejected.to_string(),
                ]
            })
            .collect();
        write_grid(out, &header, &rows)?;
    }
    Ok(())
}

/// Left-aligns the first column, right-aligns the others (numbers).
fn write_grid(out: &mut impl Write, header: &[&str], rows: &[Vec<String>]) -> io::Result<()> {
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let line = |cells: Vec<&str>| -> String {
        cells
            .iter()
            .zip(&widths)
            .enumerate()
            .map(|(i, (c, &w))| {
                let pad = w - c.chars().count();
                if i == 0 {
                    format!("{c}{}", " ".repeat(pad))
                } else {
                    format!("{}{c}", " ".repeat(pad))
                }
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
