//! `aznetsim sensitivity`: which estimate decides the answer.

use std::io::Write;
use std::process::ExitCode;

use anyhow::{Context, Result};
use sim_scenarios::experiment::{Shard, plan, sensitivity};
use sim_scenarios::text::escape;

use super::shared;
use crate::args::{Format, SensitivityArgs};
use crate::output::{pictures, progress, table};
use crate::save;

/// The tornado tables (or the JSON document) on stdout, the runs' warnings
/// on stderr; exit 0 when every run completed.
pub(crate) fn run(args: &SensitivityArgs) -> Result<ExitCode> {
    let loaded = shared::load(&args.scenario, &args.overrides.set, &args.sampling.overrides())?;
    let file = &loaded.file;
    let in_file = || format!("{}", file.display());
    // The work bound counts every run: the plan says how many.
    let runs = plan(&loaded.scenario).with_context(in_file)?.runs();
    let spec = loaded.scenario.spec();
    let mut work = shared::scenario_work(&loaded.scenario, spec.replications);
    work.push(("runs (1 + 2 x EST figures)", runs as f64));
    shared::check_work(&args.exec, &work)?;
    // One warm-up for every run, so that all measure the same requests.
    let (scenario, _) =
        sim_scenarios::run::resolve_auto_warmup(&loaded.scenario).with_context(in_file)?;
    let plan = plan(&scenario).with_context(in_file)?;
    let target = shared::save_target(&args.save, &scenario.spec().name)?;
    let pool = shared::pool(&args.exec)?;
    let show = progress::show(args.exec.quiet, args.format == Format::Json);
    let bar = progress::bar(plan.runs() as u64, "runs", show);
    let doc =
        pool.install(|| sensitivity(&scenario, &plan, args.baseline.as_deref(), &|| bar.inc(1)));
    bar.finish_and_clear();
    let doc = doc.with_context(in_file)?;
    // The report is printed even when saving it fails: the work is never
    // lost, and the error says what was not saved.
    let saved = target.as_ref().map(|dir| -> Result<()> {
        let m =
            shared::manifest("sensitivity", scenario.spec(), &loaded.overrides, &[], Shard::ALL, 1);
        let mut files = shared::summary_files(m, &loaded.value, &doc)?;
        if args.save.report {
            pictures::sensitivity_charts(&mut files, &doc, scenario.spec());
        }
        save::write_dir(dir, &files, args.save.force)?;
        if !args.exec.quiet {
            eprintln!("aznetsim: results saved in {}", save::shown(dir));
        }
        Ok(())
    });
    let mut out = std::io::stdout().lock();
    match args.format {
        Format::Json => shared::write_json(&mut out, &doc)?,
        Format::Table => table::write_sensitivity(&mut out, &doc)?,
    }
    out.flush()?;
    for w in &doc.warnings {
        eprintln!("aznetsim: warning: {}", escape(w));
    }
    if let Some(Err(e)) = saved {
        return Err(e.context(save::NOT_SAVED));
    }
    Ok(ExitCode::SUCCESS)
}
