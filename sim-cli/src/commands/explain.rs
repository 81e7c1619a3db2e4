//! `aznetsim explain`: each route hop by hop.

use std::io::Write;
use std::process::ExitCode;

use anyhow::Result;
use serde::Serialize;
use sim_scenarios::Scenario;
use sim_scenarios::azure::{DerivedRoute, Finding};
use sim_scenarios::compile::HopPlan;

use super::shared;
use crate::args::{ExplainArgs, Format};
use crate::output::table;

/// `explain --format json`: what the table shows, as one document.
#[derive(Debug, Serialize)]
struct ExplainDoc<'a> {
    schema_version: u32,
    tool: &'static str,
    version: &'static str,
    scenario: &'a str,
    /// The file, or `<stdin>`.
    file: String,
    /// The workload's mean arrival rate \[1/s\] (for `on_off`, the burst
    /// rate times the share of time in bursts).
    mean_rate_per_s: f64,
    routes: Vec<ExplainRoute<'a>>,
}

#[derive(Debug, Serialize)]
struct ExplainRoute<'a> {
    name: &'a str,
    /// Sum of the hops' floors \[ms\].
    floor_ms: f64,
    /// Queueing-theory estimate of the mean \[ms\]; `null` when a station
    /// without a queue limit, or a link, is overloaded.
    analytic_mean_ms: Option<f64>,
    /// `"exact"` or `"approximation"`.
    analytic_class: Option<String>,
    hops: &'a [HopPlan],
    /// The paths the scenario's `routing` section derives, next to the
    /// written ones; absent without a `routing` section.
    #[serde(skip_serializing_if = "Option::is_none")]
    derived: Option<&'a DerivedRoute>,
    findings: &'a [Finding],
}

/// Prints each route hop by hop: kind, what it terminates, latency floor,
/// capacity, connections opened and nested calls; as a table or JSON.
pub(crate) fn run(args: &ExplainArgs) -> Result<ExitCode> {
    let loaded = shared::load(&args.scenario, &args.overrides.set, &[])?;
    let mut out = std::io::stdout().lock();
    match args.format {
        Format::Table => table::write_explain(&mut out, &loaded.scenario)?,
        Format::Json => {
            serde_json::to_writer_pretty(&mut out, &doc(&loaded.scenario))?;
            writeln!(out)?;
        }
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

fn doc(scenario: &Scenario) -> ExplainDoc<'_> {
    let spec = scenario.spec();
    ExplainDoc {
        schema_version: sim_scenarios::report::SCHEMA_VERSION,
        tool: sim_scenarios::report::TOOL,
        version: sim_scenarios::report::VERSION,
        scenario: &spec.name,
        file: scenario.file().display().to_string(),
        mean_rate_per_s: scenario.mean_rate_per_s(),
        routes: scenario
            .routes()
            .iter()
            .map(|r| {
                let estimate = sim_core::analytic::estimate(&r.model, 0);
                ExplainRoute {
                    name: &r.name,
                    floor_ms: r.hops.iter().map(|h| h.floor_ms).sum(),
                    analytic_mean_ms: estimate.as_ref().map(|e| e.mean_ms),
                    analytic_class: estimate.map(|e| e.class.to_string()),
                    hops: &r.hops,
                    derived: r.derived.as_ref(),
                    findings: &r.findings,
                }
            })
            .collect(),
    }
}
