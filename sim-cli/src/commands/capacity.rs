//! `aznetsim capacity`: the highest arrival rate each route sustains within
//! a latency SLO.

use std::io::Write;
use std::process::ExitCode;

use anyhow::{Result, bail};
use sim_scenarios::experiment::{CapacityReport, Objective, Search, SearchProgress, Shard, Slo};

use super::shared;
use crate::EXIT_CHECK_FAILED;
use crate::args::{CapacityArgs, Format};
use crate::output::{pictures, progress, table};
use crate::save;

/// The latency objective and the route of `--slo` and `--route`: one
/// grammar with `run --slo`, a `ROUTE:` prefix standing for `--route`.
fn objective(args: &CapacityArgs) -> Result<(Slo, Option<&str>)> {
    let o = &args.slo;
    let Objective::Latency(slo) = o.objective else {
        bail!(
            "--slo {}: capacity searches for a latency objective (mean or pNN, e.g. p99<=200ms); it already requires that nothing is rejected or times out",
            o.spec
        );
    };
    let route = match (o.route.as_deref(), args.route.as_deref()) {
        (Some(a), Some(b)) if a != b => {
            bail!("--slo {} is for route {a} but --route is {b}: give one of them", o.spec)
        }
        (a, b) => a.or(b),
    };
    Ok((slo, route))
}

/// A route's progress line: runs so far, the rate just tried and the
/// bracket.
fn search_line(p: &SearchProgress<'_>) -> String {
    let rate = |r: Option<f64>| r.map_or_else(|| "?".to_string(), |r| format!("{r:.0}"));
    format!(
        "run {}: {:.0}/s {}; bracket [{}, {}] req/s",
        p.runs,
        p.rate_per_s,
        if p.met { "meets the SLO" } else { "breaks it" },
        rate(p.bracket_per_s[0]),
        rate(p.bracket_per_s[1])
    )
}

/// Exit 1 when some route meets the SLO at no rate tried, or reaches the
/// search ceiling without breaking it; a capacity that does not hold at
/// twice the run length is a warning on stderr.
pub(crate) fn run(args: &CapacityArgs) -> Result<ExitCode> {
    let loaded = shared::load(&args.scenario, &args.overrides.set, &args.sampling.overrides())?;
    let value = &loaded.value;
    let spec = loaded.scenario.spec();
    let (slo, route) = objective(args)?;
    let search = Search { relative_precision: args.precision, ..Search::default() };
    let mut work = shared::scenario_work(&loaded.scenario, spec.replications);
    if route.is_some() {
        work.retain(|(what, _)| *what != "routes");
    }
    work.push(("rates tried", f64::from(search.max_steps)));
    shared::check_work(&args.exec, &work)?;
    let target = shared::save_target(&args.save, &spec.name)?;
    let pool = shared::pool(&args.exec)?;
    let show = progress::show(args.exec.quiet, args.format == Format::Json);
    let names: Vec<String> = match route {
        Some(r) => vec![r.to_string()],
        None => spec.routes.iter().map(|r| r.name.clone()).collect(),
    };
    let (_lines, bars) = progress::lines(&names, show);
    let found = pool.install(|| {
        sim_scenarios::capacity(&loaded.scenario, route, slo, search, &|p| {
            if let Some(i) = names.iter().position(|n| n == p.route) {
                bars[i].set_message(search_line(p));
            }
        })
    });
    bars.iter().for_each(indicatif::ProgressBar::finish_and_clear);
    let found = found?;
    let doc = CapacityReport {
        schema_version: sim_scenarios::report::SCHEMA_VERSION,
        tool: sim_scenarios::report::TOOL.into(),
        version: sim_scenarios::report::VERSION.into(),
        scenario: spec.name.clone(),
        slo: slo.to_string(),
        seed: spec.seed,
        replications: spec.replications,
        routes: found.clone(),
    };
    // The report is printed even when saving it fails: the work is never
    // lost, and the error says what was not saved.
    let saved = target.as_ref().map(|dir| -> Result<()> {
        let m = shared::manifest("capacity", spec, &loaded.overrides, &[], Shard::ALL, 1);
        let mut files = shared::summary_files(m, value, &doc)?;
        if args.save.report {
            pictures::capacity_charts(&mut files, &loaded.scenario, &found, &slo)?;
        }
        save::write_dir(dir, &files, args.save.force)?;
        if !args.exec.quiet {
            eprintln!(
                "aznetsim: results saved in {}",
                sim_scenarios::text::escape(&dir.display().to_string())
            );
        }
        Ok(())
    });
    let mut out = std::io::stdout().lock();
    match args.format {
        Format::Json => shared::write_json(&mut out, &doc)?,
        Format::Table => table::write_capacity(&mut out, &spec.name, &slo, &found)?,
    }
    out.flush()?;
    for w in found.iter().flat_map(|r| r.warnings()) {
        eprintln!("aznetsim: warning: {}", sim_scenarios::text::escape(&w.to_string()));
    }
    let failed = found.iter().any(|r| r.capacity_per_s.is_none() || r.ceiling_reached);
    if let Some(Err(e)) = saved {
        return Err(e.context(save::NOT_SAVED));
    }
    Ok(if failed { ExitCode::from(EXIT_CHECK_FAILED) } else { ExitCode::SUCCESS })
}
