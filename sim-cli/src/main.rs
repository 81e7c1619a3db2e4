//! `aznetsim`: compare Azure hybrid network routes by latency and capacity.
//!
//! Thin: argument parsing, thread pool, progress on stderr, output on
//! stdout. Everything about scenarios lives in `sim-scenarios`; the engine
//! in `sim-core`.

mod args;
mod charts;
mod pictures;
mod progress;
mod save;
mod table;

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use clap::Parser;
use serde_json::Value;
use sim_core::RunOptions;
use sim_scenarios::{
    CapacityReport, Finding, PrecisionOn, RouteState, Scenario, Search, Severity, Shard, Slo, Vary,
    csv_header, grid, merge_states, parse_assignment, parse_json, run_sweep, set_path,
};

use crate::args::{
    CapacityArgs, Cli, Command, ExplainArgs, Format, MergeArgs, PrecisionOnArg, RowFormat, RunArgs,
    SaveArgs, SweepArgs, ValidateArgs,
};
use crate::save::{Files, Manifest};

/// Exit code: the run completed but a check it was asked for failed.
const EXIT_CHECK_FAILED: u8 = 1;
/// Exit code: invalid input, usage or I/O error.
const EXIT_ERROR: u8 = 2;

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            // clap prints help and version on stdout with success, usage
            // errors on stderr; usage errors exit with 2 as documented.
            let _ = e.print();
            return if e.use_stderr() { ExitCode::from(EXIT_ERROR) } else { ExitCode::SUCCESS };
        }
    };
    match run(cli) {
        Ok(code) => code,
        Err(e) if is_broken_pipe(&e) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("aznetsim: error: {e:#}");
            ExitCode::from(EXIT_ERROR)
        }
    }
}

fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        // serde_json wraps the I/O error of a JSON writer without exposing
        // it as a source: ask it for the kind.
        let kind = c
            .downcast_ref::<std::io::Error>()
            .map(std::io::Error::kind)
            .or_else(|| c.downcast_ref::<serde_json::Error>().and_then(|j| j.io_error_kind()));
        kind == Some(std::io::ErrorKind::BrokenPipe)
    })
}

fn run(cli: Cli) -> Result<ExitCode> {
    match cli.command {
        Command::Sweep(args) => cmd_sweep(&args),
        Command::Capacity(args) => cmd_capacity(&args),
        Command::Merge(args) => cmd_merge(&args),
        Command::Run(args) => cmd_run(&args),
        Command::Validate(args) => cmd_validate(&args),
        Command::Explain(args) => cmd_explain(&args),
        Command::Catalog => {
            let mut out = std::io::stdout().lock();
            out.write_all(sim_scenarios::markdown_table().as_bytes())?;
            out.flush()?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// Loads a scenario, applying `--set` overrides (and the shorthand flags
/// that are overrides too) to the JSON before validation.
fn load(path: &Path, sets: &[String], extra: &[(String, String)]) -> Result<Scenario> {
    let value = load_value(path, sets, extra)?;
    Ok(Scenario::from_value(path, value)?)
}

/// The scenario document after overrides, not yet validated.
fn load_value(path: &Path, sets: &[String], extra: &[(String, String)]) -> Result<Value> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("{}: cannot read the scenario", path.display()))?;
    let mut value = parse_json(path, &text)?;
    for s in sets {
        let (p, v) = parse_assignment(s)?;
        set_path(&mut value, &p, &v).with_context(|| format!("{}: --set", path.display()))?;
    }
    for (p, v) in extra {
        set_path(&mut value, p, v).with_context(|| format!("{}", path.display()))?;
    }
    Ok(value)
}

/// A rayon pool of `threads` workers (all cores when `None`).
fn pool(threads: Option<usize>) -> Result<rayon::ThreadPool> {
    if threads == Some(0) {
        bail!("--threads must be at least 1 (leave it out to use every core)");
    }
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads.unwrap_or(0))
        .build()
        .context("cannot start the worker threads")
}

/// Where `--out` saves, checked before any simulation.
fn save_target(save: &SaveArgs, scenario: &str) -> Result<Option<PathBuf>> {
    let Some(out) = &save.out else { return Ok(None) };
    let dir = save::target_dir(out, scenario);
    save::check_target(&dir, save.force)?;
    Ok(Some(dir))
}

fn manifest(
    command: &str,
    value: &Value,
    varies: &[Vary],
    shard: Shard,
    points: usize,
) -> Manifest {
    Manifest {
        tool: "aznetsim".into(),
        version: env!("CARGO_PKG_VERSION").into(),
        command: command.into(),
        scenario: value["name"].as_str().unwrap_or_default().to_string(),
        seed: value["seed"].as_u64().unwrap_or(1),
        replications: value["replications"].as_u64().unwrap_or(4),
        varies: varies.to_vec(),
        shard,
        points,
    }
}

/// The rows of `states`, as the sweep prints them.
fn rows_text(states: &[RouteState], paths: &[String], format: RowFormat) -> Result<String> {
    let mut out = String::new();
    if format == RowFormat::Csv {
        out.push_str(&csv_header(paths));
        out.push('\n');
    }
    for st in states {
        let row = st.row()?;
        match format {
            RowFormat::Csv => out.push_str(&row.to_csv()),
            RowFormat::Jsonl => out.push_str(&serde_json::to_string(&row.to_json(paths))?),
        }
        out.push('\n');
    }
    Ok(out)
}

/// The files every results directory holds: the manifest, the resolved
/// scenario, the route states, the rows as CSV and one histogram log per
/// route.
fn common_files(m: &Manifest, value: &Value, states: &[RouteState]) -> Result<Files> {
    let mut files = Files::default();
    files.add("manifest.json", serde_json::to_string_pretty(m)? + "\n");
    files.add("scenario.json", serde_json::to_string_pretty(value)? + "\n");
    let mut lines = String::new();
    for st in states {
        lines.push_str(&serde_json::to_string(st)?);
        lines.push('\n');
    }
    files.add("states.jsonl", lines);
    let paths: Vec<String> = m.varies.iter().map(|v| v.path.clone()).collect();
    files.add("summary.csv", rows_text(states, &paths, RowFormat::Csv)?);
    for st in states {
        let name = if m.varies.is_empty() {
            format!("{}.hlog", st.route)
        } else {
            format!("point{:05}-{}.hlog", st.point, st.route)
        };
        files.add(name, save::histogram_log(&st.route, st)?);
    }
    Ok(files)
}

fn cmd_run(args: &RunArgs) -> Result<ExitCode> {
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
    let value = load_value(&args.scenario, &args.set, &extra)?;
    let scenario = Scenario::from_value(&args.scenario, value.clone())?;
    let (scenario, detected_warmup) = sim_scenarios::resolve_auto_warmup(&scenario)
        .with_context(|| format!("{}", args.scenario.display()))?;
    let spec = scenario.spec();
    let (seed, replications) = (spec.seed, spec.replications);
    let pool = pool(args.exec.threads)?;
    let target = save_target(&args.save, &spec.name)?;
    let show = !args.exec.quiet && args.format == Format::Table && std::io::stderr().is_terminal();
    let models: u64 =
        scenario.routes().iter().map(|r| 1 + u64::from(r.model_without_auth.is_some())).sum();
    let total = replications * models;
    let bar = progress::bar(total, "replications", show);
    let precision = args.precision.as_deref().map(parse_precision).transpose()?;
    let (sims, outcome) = match precision {
        None => {
            let opts = RunOptions::new(seed, replications);
            let sims = pool.install(|| sim_scenarios::simulate(&scenario, &opts, &|| bar.inc(1)));
            (sims, None)
        }
        Some(t) => {
            if args.max_replications < 2 {
                bail!("--max-replications must be at least 2 for an interval");
            }
            bar.set_length(args.max_replications * models);
            let on = match args.precision_on {
                PrecisionOnArg::Mean => PrecisionOn::Mean,
                PrecisionOnArg::P99 => PrecisionOn::P99,
            };
            match pool.install(|| {
                sim_scenarios::simulate_to_precision(
                    &scenario,
                    seed,
                    replications,
                    t,
                    on,
                    args.max_replications,
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
    let replications = outcome.as_ref().map_or(replications, |o| o.replications);
    let mut report = sim_scenarios::report_against(
        &scenario,
        seed,
        replications,
        &sims,
        args.baseline.as_deref(),
    )
    .map_err(anyhow::Error::msg)?;
    report.precision = outcome;
    report.warmup_auto = detected_warmup.is_some();
    if let Some(dir) = &target {
        let states: Vec<RouteState> = sim_scenarios::route_views(&scenario, &sims)
            .into_iter()
            .map(|(model, results, index)| {
                RouteState::from_results(0, &[], model, results, index, 0)
            })
            .collect();
        let m = manifest("run", &value, &[], Shard::ALL, 1);
        let mut files = common_files(&m, &value, &states)?;
        files.add("summary.json", serde_json::to_string_pretty(&report)? + "\n");
        if args.save.report {
            pictures::run_charts(&mut files, &report, &states)?;
        }
        save::write_dir(dir, &files, args.save.force)?;
        if !args.exec.quiet {
            eprintln!("aznetsim: results saved in {}", dir.display());
        }
    }
    if !args.exec.quiet {
        for f in scenario.routes().iter().flat_map(|r| &r.findings) {
            if f.severity == Severity::Error {
                eprintln!("aznetsim: warning: {} (aznetsim validate fails on this)", f.message);
            }
        }
    }

    let mut out = std::io::stdout().lock();
    match args.format {
        Format::Json => {
            serde_json::to_writer_pretty(&mut out, &report).context("cannot write the results")?;
            writeln!(out)?;
        }
        Format::Table => {
            table::write(&mut out, &report)?;
            table::write_warnings(&mut out, &report)?;
        }
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

/// Loads every file; prints each route's findings. Exit 2 if a file does
/// not load, else 1 if a check found an error, else 0.
fn cmd_validate(args: &ValidateArgs) -> Result<ExitCode> {
    let (mut invalid, mut check_failed) = (false, false);
    let mut out = std::io::stdout().lock();
    for path in &args.scenarios {
        match load(path, &args.set, &[]) {
            Ok(s) => {
                let findings: Vec<&Finding> = s.routes().iter().flat_map(|r| &r.findings).collect();
                let errors = findings.iter().filter(|f| f.severity == Severity::Error).count();
                let verdict = if errors > 0 { "FAILED" } else { "ok" };
                writeln!(
                    out,
                    "{}: {verdict} ({} routes, {errors} errors, {} warnings)",
                    path.display(),
                    s.routes().len(),
                    findings.len() - errors
                )?;
                for f in findings {
                    writeln!(out, "  {} [{}]: {}", f.severity, f.check, f.message)?;
                }
                check_failed |= errors > 0;
            }
            Err(e) => {
                eprintln!("aznetsim: error: {e:#}");
                invalid = true;
            }
        }
    }
    out.flush()?;
    Ok(if invalid {
        ExitCode::from(EXIT_ERROR)
    } else if check_failed {
        ExitCode::from(EXIT_CHECK_FAILED)
    } else {
        ExitCode::SUCCESS
    })
}

/// Prints each route hop by hop: kind, what it terminates, latency floor,
/// capacity, connections opened and nested calls.
fn cmd_explain(args: &ExplainArgs) -> Result<ExitCode> {
    let scenario = load(&args.scenario, &args.set, &[])?;
    let mut out = std::io::stdout().lock();
    table::write_explain(&mut out, &scenario)?;
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

/// `1%` or `0.01`: a relative half-width.
fn parse_precision(s: &str) -> Result<f64> {
    let v = match s.trim().strip_suffix('%') {
        Some(p) => p.trim().parse::<f64>().map(|p| p / 100.0),
        None => s.trim().parse::<f64>(),
    };
    match v {
        Ok(v) if v > 0.0 && v < 1.0 => Ok(v),
        _ => bail!(
            "--precision {s}: expected a relative half-width such as 1% or 0.01 (between 0 and 100 %)"
        ),
    }
}

fn cmd_sweep(args: &SweepArgs) -> Result<ExitCode> {
    let value = load_value(&args.scenario, &args.set, &[])?;
    // Validate the base scenario once, so its errors name no point.
    Scenario::from_value(&args.scenario, value.clone())?;
    let varies = args.vary.iter().map(|v| Vary::parse(v)).collect::<Result<Vec<_>, _>>()?;
    let shard = args.shard.as_deref().map(Shard::parse).transpose()?.unwrap_or(Shard::ALL);
    let points = grid(&varies)?.len();
    let name = value["name"].as_str().unwrap_or_default().to_string();
    let target = save_target(&args.save, &name)?;
    if shard != Shard::ALL && target.is_none() {
        bail!("--shard needs --out DIR: each shard saves its results for aznetsim merge");
    }
    let pool = pool(args.exec.threads)?;
    let mine = (0..points).filter(|p| shard.owns(*p)).count() as u64;
    let bar = progress::bar(mine, "points", !args.exec.quiet && std::io::stderr().is_terminal());
    let states = pool.install(|| run_sweep(&args.scenario, &value, &varies, shard, &|| bar.inc(1)));
    bar.finish_and_clear();
    let states = merge_states(states?)?;
    let paths: Vec<String> = varies.iter().map(|v| v.path.clone()).collect();
    let text = rows_text(&states, &paths, args.format)?;
    if let Some(dir) = &target {
        let m = manifest("sweep", &value, &varies, shard, points);
        let mut files = common_files(&m, &value, &states)?;
        if args.format == RowFormat::Jsonl {
            files.add("summary.jsonl", text.clone());
        }
        if args.save.report {
            pictures::sweep_charts(&mut files, &states, &varies)?;
        }
        save::write_dir(dir, &files, args.save.force)?;
        if !args.exec.quiet {
            eprintln!("aznetsim: results saved in {}", dir.display());
        }
    }
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())?;
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

fn cmd_merge(args: &MergeArgs) -> Result<ExitCode> {
    let mut all = Vec::new();
    let mut first: Option<(PathBuf, Manifest)> = None;
    let mut shards_seen = std::collections::BTreeSet::new();
    for dir in &args.dirs {
        let (m, states) = save::read_dir(dir)?;
        if !shards_seen.insert(m.shard.index) && m.shard.count > 1 {
            bail!("{}: shard {}/{} is given twice", dir.display(), m.shard.index, m.shard.count);
        }
        if let Some((d0, m0)) = &first {
            if !m0.same_experiment(&m) {
                bail!(
                    "{}: not from the same experiment as {} (scenario, seed, replications, varied fields and points must match)",
                    dir.display(),
                    d0.display()
                );
            }
        } else {
            first = Some((dir.clone(), m.clone()));
        }
        all.extend(states);
    }
    let (_, m) = first.expect("clap requires at least one directory");
    let missing: Vec<String> = (0..m.shard.count)
        .filter(|k| !shards_seen.contains(k))
        .map(|k| format!("{k}/{}", m.shard.count))
        .collect();
    if !missing.is_empty() {
        bail!(
            "shards {} are missing: merge needs every shard of the sweep (--shard K/N for K = 0..N-1)",
            missing.join(", ")
        );
    }
    let states = merge_states(all)?;
    let paths: Vec<String> = m.varies.iter().map(|v| v.path.clone()).collect();
    let mut out = std::io::stdout().lock();
    out.write_all(rows_text(&states, &paths, args.format)?.as_bytes())?;
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

fn cmd_capacity(args: &CapacityArgs) -> Result<ExitCode> {
    let value = load_value(&args.scenario, &args.set, &[])?;
    Scenario::from_value(&args.scenario, value.clone())?;
    let slo = Slo::parse(&args.slo).map_err(anyhow::Error::msg)?;
    if !(args.precision > 0.0 && args.precision < 1.0) {
        bail!(
            "--precision must be between 0 and 1 (a fraction: 0.01 is 1 %), got {}",
            args.precision
        );
    }
    let name = value["name"].as_str().unwrap_or_default().to_string();
    let target = save_target(&args.save, &name)?;
    let pool = pool(args.exec.threads)?;
    let show = !args.exec.quiet && args.format == Format::Table && std::io::stderr().is_terminal();
    let bar = progress::spinner("simulations", show);
    let search = Search { relative_precision: args.precision, ..Search::default() };
    let found = pool.install(|| {
        sim_scenarios::capacity(&args.scenario, &value, args.route.as_deref(), slo, search, &|| {
            bar.inc(1)
        })
    });
    bar.finish_and_clear();
    let found = found?;
    let doc = CapacityReport {
        schema_version: sim_scenarios::SCHEMA_VERSION,
        tool: "aznetsim".into(),
        version: env!("CARGO_PKG_VERSION").into(),
        scenario: name.clone(),
        slo: slo.to_string(),
        seed: value["seed"].as_u64().unwrap_or(1),
        replications: value["replications"].as_u64().unwrap_or(4),
        routes: found.clone(),
    };
    if let Some(dir) = &target {
        let m = manifest("capacity", &value, &[], Shard::ALL, 1);
        let mut files = Files::default();
        files.add("manifest.json", serde_json::to_string_pretty(&m)? + "\n");
        files.add("scenario.json", serde_json::to_string_pretty(&value)? + "\n");
        files.add("summary.json", serde_json::to_string_pretty(&doc)? + "\n");
        files.add("states.jsonl", "");
        if args.save.report {
            pictures::capacity_charts(&mut files, &found, &slo)?;
        }
        save::write_dir(dir, &files, args.save.force)?;
    }
    let mut out = std::io::stdout().lock();
    match args.format {
        Format::Json => {
            serde_json::to_writer_pretty(&mut out, &doc)?;
            writeln!(out)?;
        }
        Format::Table => table::write_capacity(&mut out, &name, &slo, &found)?,
    }
    out.flush()?;
    let none_met = found.iter().any(|r| r.capacity_per_s.is_none());
    Ok(if none_met { ExitCode::from(EXIT_CHECK_FAILED) } else { ExitCode::SUCCESS })
}
