//! `aznetsim run`: simulate every route and report latency per route and
//! hop.
//!
//! A pipeline of named steps: load, resolve the warm-up, simulate, report,
//! save, print.

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use sim_core::RunOptions;
use sim_scenarios::azure::Severity;
use sim_scenarios::experiment::PrecisionTarget;
use sim_scenarios::experiment::Shard;
use sim_scenarios::report::{PrecisionOn, PrecisionOutcome, ReportOptions, RouteState};
use sim_scenarios::run::{Simulated, Twins};
use sim_scenarios::{RunReport, Scenario};

use super::shared::{self, Loaded};
use crate::args::{Format, PrecisionOnArg, RunArgs};
use crate::output::{pictures, progress, table};
use crate::save;

/// The table or JSON report on stdout, then the route checks' findings and
/// the warnings on stderr; exit 1 when a finding is an error (the run
/// completed, a check failed: `validate` fails on the same scenario).
pub(crate) fn run(args: &RunArgs) -> Result<ExitCode> {
    let loaded = load(args)?;
    let (scenario, detected_warmup) = sim_scenarios::run::resolve_auto_warmup(&loaded.scenario)
        .with_context(|| format!("{}", args.scenario.display()))?;
    let pool = shared::pool(args.exec.threads)?;
    let target = shared::save_target(&args.save, &scenario.spec().name)?;
    let (sims, outcome) = simulate(args, &scenario, &pool)?;
    let report = report(args, &scenario, &sims, outcome, detected_warmup.is_some())?;
    if let Some(dir) = &target {
        save(args, dir, &loaded, &scenario, &sims, &report)?;
    }
    print(args, &report)?;
    let failed = write_findings_and_warnings(&scenario, &report)?;
    Ok(if failed { ExitCode::from(crate::EXIT_CHECK_FAILED) } else { ExitCode::SUCCESS })
}

/// The scenario with `--requests`, `--replications` and `--seed` applied as
/// overrides, after the `--set` ones.
fn load(args: &RunArgs) -> Result<Loaded> {
    let mut extra = Vec::new();
    if let Some(n) = args.requests {
        extra.push(("workload.requests".to_string(), n.to_string()));
    }
    if let Some(n) = args.replications {
        extra.push(("replications".to_string(), n.to_string()));
    }
    if let Some(n) = args.seed {
        extra.push(("seed".to_string(), n.to_string()));
    }
    shared::load(&args.scenario, &args.set, &extra)
}

/// Every route's replications on `pool`, or, with `--precision`, as many as
/// it takes; with a progress bar on stderr.
fn simulate(
    args: &RunArgs,
    scenario: &Scenario,
    pool: &rayon::ThreadPool,
) -> Result<(Simulated, Option<PrecisionOutcome>)> {
    let spec = scenario.spec();
    let (seed, replications) = (spec.seed, spec.replications);
    let show = progress::show(args.exec.quiet, args.format == Format::Json);
    // One tick per replication of a route; the authorisation twins the
    // report needs run alongside and are not counted.
    let routes = scenario.routes().len() as u64;
    let bar = progress::bar(replications * routes, "replications", show);
    let (sims, outcome) = match args.precision {
        None => {
            let opts = RunOptions::new(seed, replications);
            let sims = pool
                .install(|| sim_scenarios::simulate(scenario, &opts, Twins::Run, &|| bar.inc(1)));
            (sims, None)
        }
        Some(t) => {
            if args.max_replications < 2 {
                bail!("--max-replications must be at least 2 for an interval");
            }
            bar.set_length(args.max_replications * routes);
            let on = match args.precision_on {
                PrecisionOnArg::Mean => PrecisionOn::Mean,
                PrecisionOnArg::P99 => PrecisionOn::P99,
            };
            match pool.install(|| {
                sim_scenarios::experiment::simulate_to_precision(
                    scenario,
                    seed,
                    replications,
                    &PrecisionTarget {
                        relative_half_width: t,
                        on,
                        max_replications: args.max_replications,
                    },
                    Twins::Run,
                    &|| bar.inc(1),
                )
            }) {
                Ok((sims, outcome)) => (Ok(sims), Some(outcome)),
                Err(e) => (Err(e), None),
            }
        }
    };
    bar.finish_and_clear();
    let sims = sims.with_context(|| format!("{}", args.scenario.display()))?;
    Ok((sims, outcome))
}

/// The report of the simulated routes against `--baseline`, with how
/// `--precision` ended and whether the warm-up was detected.
fn report(
    args: &RunArgs,
    scenario: &Scenario,
    sims: &Simulated,
    outcome: Option<PrecisionOutcome>,
    warmup_auto: bool,
) -> Result<RunReport> {
    let spec = scenario.spec();
    let replications = outcome.as_ref().map_or(spec.replications, |o| o.replications);
    let options =
        ReportOptions { baseline: args.baseline.as_deref(), precision: outcome, warmup_auto };
    Ok(sim_scenarios::report::report_against(scenario, spec.seed, replications, sims, &options)?)
}

/// The results directory of `--out`: the common files, `summary.json` and,
/// with `--report`, the charts.
fn save(
    args: &RunArgs,
    dir: &Path,
    loaded: &Loaded,
    scenario: &Scenario,
    sims: &Simulated,
    report: &RunReport,
) -> Result<()> {
    let states: Vec<RouteState> =
        sims.routes(scenario).iter().map(|run| RouteState::from_run(0, &[], run, 0)).collect();
    let m = shared::manifest("run", scenario.spec(), &[], Shard::ALL, 1);
    let mut files = shared::common_files(&m, &loaded.value, &states)?;
    files.add("summary.json", serde_json::to_string_pretty(report)? + "\n");
    if args.save.report {
        pictures::run_charts(&mut files, report, &states, scenario.topology())?;
    }
    save::write_dir(dir, &files, args.save.force)?;
    if !args.exec.quiet {
        eprintln!("aznetsim: results saved in {}", dir.display());
    }
    Ok(())
}

/// Every route check's findings, each once, and the report's warnings, on
/// stderr; whether a finding is an error.
fn write_findings_and_warnings(scenario: &Scenario, report: &RunReport) -> Result<bool> {
    let mut err = std::io::stderr().lock();
    let mut failed = false;
    for r in scenario.routes() {
        for f in &r.findings {
            failed |= f.severity == Severity::Error;
            writeln!(err, "aznetsim: {} [{}]: {}", f.severity, f.check, f.message)?;
        }
    }
    table::write_warnings(&mut err, report)?;
    Ok(failed)
}

/// The report on stdout, as a table or JSON: results only.
fn print(args: &RunArgs, report: &RunReport) -> Result<()> {
    let mut out = std::io::stdout().lock();
    match args.format {
        Format::Json => {
            serde_json::to_writer_pretty(&mut out, report).context("cannot write the results")?;
            writeln!(out)?;
        }
        Format::Table => table::write(&mut out, report)?,
    }
    out.flush()?;
    Ok(())
}
