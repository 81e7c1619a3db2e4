//! `aznetsim`: compare Azure hybrid network routes by latency and capacity.
//!
//! Thin: argument parsing, thread pool, progress on stderr, output on
//! stdout. Everything about scenarios lives in `sim-scenarios`; the engine
//! in `sim-core`.

mod args;
mod progress;
mod table;

use std::io::{IsTerminal, Write};
use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use clap::Parser;
use sim_scenarios::{Finding, Scenario, Severity, parse_assignment, parse_json, set_path};

use crate::args::{Cli, Command, ExplainArgs, Format, RunArgs, ValidateArgs};

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
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

fn run(cli: Cli) -> Result<ExitCode> {
    match cli.command {
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
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("{}: cannot read the scenario", path.display()))?;
    let mut value = parse_json(path, &text)?;
    for s in sets {
        let (p, v) = parse_assignment(s)?;
        set_path(&mut value, &p, &v).with_context(|| format!("{}", path.display()))?;
    }
    for (p, v) in extra {
        set_path(&mut value, p, v).with_context(|| format!("{}", path.display()))?;
    }
    Ok(Scenario::from_value(path, value)?)
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
    let scenario = load(&args.scenario, &args.set, &extra)?;
    let spec = scenario.spec();
    let (seed, replications) = (spec.seed, spec.replications);
    let threads = args.threads.unwrap_or(0);
    if args.threads == Some(0) {
        bail!("--threads must be at least 1 (leave it out to use every core)");
    }
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .context("cannot start the worker threads")?;
    let show = !args.quiet && args.format == Format::Table && std::io::stderr().is_terminal();
    let models: u64 =
        scenario.routes().iter().map(|r| 1 + u64::from(r.model_without_auth.is_some())).sum();
    let total = replications * models;
    let bar = progress::bar(total, "replications", show);
    let report = pool.install(|| sim_scenarios::run(&scenario, seed, replications, &|| bar.inc(1)));
    bar.finish_and_clear();
    let report = report.with_context(|| format!("{}", args.scenario.display()))?;
    if !args.quiet {
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
        Format::Table => table::write(&mut out, &report)?,
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
                    let label = match f.severity {
                        Severity::Error => "error",
                        Severity::Warning => "warning",
                    };
                    writeln!(out, "  {label} [{}]: {}", f.check, f.message)?;
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
