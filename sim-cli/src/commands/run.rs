//! `aznetsim run`: simulate every route and report latency per route and
//! hop.
//!
//! A pipeline of named steps: load, resolve the warm-up, simulate, report,
//! save, print.

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;
use std::sync::atomic::{AtomicU64, Ordering};

use anyhow::{Context, Result, bail};
use sim_core::RunOptions;
use sim_scenarios::azure::Severity;
use sim_scenarios::experiment::{PrecisionTarget, Shard, check_run};
use sim_scenarios::report::{PrecisionOn, PrecisionOutcome, ReportOptions, RouteState};
use sim_scenarios::run::{Simulated, Twins};
use sim_scenarios::text::escape;
use sim_scenarios::{RunReport, Scenario};

use super::shared::{self, Loaded};
use crate::args::{PrecisionOnArg, RowFormat, RunArgs, RunFormat};
use crate::output::{pictures, progress, table};
use crate::save;

/// The table or JSON report on stdout, then the route checks' findings and
/// the warnings on stderr; exit 1 when a finding is an error (the run
/// completed, a check failed: `validate` fails on the same scenario).
pub(crate) fn run(args: &RunArgs) -> Result<ExitCode> {
    let loaded = shared::load(&args.scenario, &args.overrides.set, &args.sampling.overrides())?;
    let file = &loaded.file;
    let names: Vec<&str> = loaded.scenario.routes().iter().map(|r| r.name.as_str()).collect();
    for o in &args.slo {
        o.check_for_run(&names)?;
    }
    if args.precision.is_some() && args.max_replications < 2 {
        bail!("--max-replications must be at least 2 for an interval");
    }
    let replications = match args.precision {
        Some(_) => args.max_replications.max(loaded.scenario.spec().replications),
        None => loaded.scenario.spec().replications,
    };
    shared::check_work(&args.exec, &shared::scenario_work(&loaded.scenario, replications))?;
    let (scenario, detected_warmup) = sim_scenarios::run::resolve_auto_warmup(&loaded.scenario)
        .with_context(|| format!("{}", file.display()))?;
    let pool = shared::pool(&args.exec)?;
    let target = shared::save_target(&args.save, &scenario.spec().name)?;
    let (sims, outcome) = simulate(args, file, &scenario, &pool)?;
    let mut report = report(args, &scenario, &sims, outcome, detected_warmup.is_some())?;
    report.slo = check_run(&report, &args.slo);
    // The results are printed even when saving them fails: the work is
    // never lost, and the error says what was not saved.
    let saved = target.as_ref().map(|dir| save(args, dir, &loaded, &scenario, &sims, &report));
    print(args, &scenario, &sims, &report)?;
    let failed = write_findings_and_warnings(&scenario, &report)?;
    if let Some(Err(e)) = saved {
        return Err(e.context(save::NOT_SAVED));
    }
    let broken = report.slo.iter().any(|v| !v.met);
    Ok(if failed || broken { ExitCode::from(crate::EXIT_CHECK_FAILED) } else { ExitCode::SUCCESS })
}

/// Every route's replications on `pool`, or, with `--precision`, as many as
/// it takes; with a progress bar on stderr.
fn simulate(
    args: &RunArgs,
    file: &Path,
    scenario: &Scenario,
    pool: &rayon::ThreadPool,
) -> Result<(Simulated, Option<PrecisionOutcome>)> {
    let spec = scenario.spec();
    let (seed, replications) = (spec.seed, spec.replications);
    let show = progress::show(args.exec.quiet, args.format == RunFormat::Json);
    // The bar counts replications as the scenario (or --replications) sets
    // them: a replication is done when every route has run it. Ticks come
    // once per route replication (the authorisation twins of `--auth-cost`
    // run alongside and are not counted).
    let routes = scenario.routes().len() as u64;
    let bar = progress::bar(replications, "replications", show);
    let ticks = AtomicU64::new(0);
    let tick = || {
        let n = ticks.fetch_add(1, Ordering::Relaxed) + 1;
        bar.set_position(n / routes.max(1));
    };
    // The twins cost as much as the routes: only when asked for.
    let twins = if args.auth_cost { Twins::Run } else { Twins::Skip };
    let (sims, outcome) = match args.precision {
        None => {
            let opts = RunOptions::new(seed, replications);
            let sims = pool.install(|| sim_scenarios::simulate(scenario, &opts, twins, &tick));
            (sims, None)
        }
        Some(t) => {
            bar.set_length(args.max_replications);
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
                    twins,
                    &tick,
                )
            }) {
                Ok((sims, outcome)) => (Ok(sims), Some(outcome)),
                Err(e) => (Err(e), None),
            }
        }
    };
    bar.finish_and_clear();
    let sims = sims.with_context(|| format!("{}", file.display()))?;
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

/// Each route's saved state, as a sweep's point 0: what summary.csv and
/// `--format csv` are made from.
fn route_states(scenario: &Scenario, sims: &Simulated) -> Vec<RouteState> {
    let costs = sim_scenarios::report::state_costs(scenario);
    sims.routes(scenario)
        .iter()
        .zip(costs)
        .map(|(run, cost)| RouteState::from_run(0, &[], run, 0, cost))
        .collect()
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
    let states = route_states(scenario, sims);
    let mut m = shared::manifest("run", scenario.spec(), &loaded.overrides, &[], Shard::ALL, 1);
    // With --precision, the replications it took.
    m.replications = report.replications;
    let mut files = shared::common_files(m, &loaded.value, &states)?;
    files.add("summary.json", serde_json::to_string_pretty(report)? + "\n");
    if args.save.report {
        pictures::run_charts(&mut files, report, &states, scenario.topology())?;
    }
    save::write_dir(dir, &files, args.save.force)?;
    if !args.exec.quiet {
        eprintln!("aznetsim: results saved in {}", save::shown(dir));
    }
    Ok(())
}

/// Every route check's findings, each once, the `--slo` verdicts and the
/// report's warnings, on stderr; whether a finding is an error or the
/// overload guard stopped a route.
fn write_findings_and_warnings(scenario: &Scenario, report: &RunReport) -> Result<bool> {
    let mut err = std::io::stderr().lock();
    let mut failed = false;
    for r in scenario.routes() {
        for f in &r.findings {
            failed |= f.severity == Severity::Error;
            writeln!(err, "aznetsim: {} [{}]: {}", f.severity, f.check, escape(&f.message))?;
        }
    }
    for v in &report.slo {
        writeln!(err, "aznetsim: slo: {}", escape(&v.line()))?;
    }
    table::write_warnings(&mut err, report)?;
    // The overload guard stopped a route: the run did not complete as
    // asked, a check failed (exit 1), with the figures so far printed.
    failed |= report.routes.iter().any(|r| r.stopped.is_some());
    Ok(failed)
}

/// The report on stdout, as a table, JSON or CSV rows: results only.
fn print(args: &RunArgs, scenario: &Scenario, sims: &Simulated, report: &RunReport) -> Result<()> {
    let mut out = std::io::stdout().lock();
    match args.format {
        RunFormat::Json => {
            serde_json::to_writer_pretty(&mut out, report).context("cannot write the results")?;
            writeln!(out)?;
        }
        RunFormat::Table => table::write(&mut out, report, scenario.spec())?,
        RunFormat::Csv => {
            let states = route_states(scenario, sims);
            out.write_all(shared::rows_text(&states, &[], RowFormat::Csv)?.as_bytes())?;
        }
    }
    out.flush()?;
    Ok(())
}
