//! `aznetsim sweep`: a grid of scenario variants, one row per point and
//! route.

use std::io::Write;
use std::process::ExitCode;

use anyhow::{Result, bail};
use std::sync::atomic::{AtomicU64, Ordering};

use sim_scenarios::experiment::{Shard, SweepProgress, grid};
use sim_scenarios::report::merge_states;
use sim_scenarios::run_sweep;

use super::shared;
use crate::args::{RowFormat, SweepArgs};
use crate::output::{pictures, progress};
use crate::save;

/// One row per point and route on stdout, and with `--out` the results
/// directory that `merge` reads.
pub(crate) fn run(args: &SweepArgs) -> Result<ExitCode> {
    // Validate the base scenario once, so its errors name no point.
    let loaded = shared::load(&args.scenario, &args.overrides.set, &args.sampling.overrides())?;
    let value = &loaded.value;
    let spec = loaded.scenario.spec();
    let varies = &args.vary;
    let shard = args.shard.unwrap_or(Shard::ALL);
    let points = grid(varies)?.len();
    let target = shared::save_target(&args.save, &spec.name)?;
    if shard != Shard::ALL && target.is_none() {
        bail!("--shard needs --out DIR: each shard saves its results for aznetsim merge");
    }
    let mine = (0..points).filter(|p| shard.owns(*p)).count() as u64;
    let mut work = shared::scenario_work(&loaded.scenario, spec.replications);
    work.push(("points", mine as f64));
    shared::check_work(&args.exec, &work)?;
    let pool = shared::pool(&args.exec)?;
    // JSON Lines are rows, not one document: the bar shows with either
    // row format, as it always has. It counts route replications (the
    // points' own, a --vary of replications aside), so it moves long
    // before the first point is done (in mode mix too: a replication of
    // the shared model counts once per route); the message counts points.
    let ticks = spec.routes.len() as u64 * spec.replications * mine;
    let bar = progress::bar(ticks, "replications", progress::show(args.exec.quiet, false));
    let done = AtomicU64::new(0);
    bar.set_message(format!("(0/{mine} points)"));
    let states = pool.install(|| {
        run_sweep(&loaded.file, value, varies, shard, &|p| match p {
            SweepProgress::Replication => bar.inc(1),
            SweepProgress::Point => {
                let n = done.fetch_add(1, Ordering::Relaxed) + 1;
                bar.set_message(format!("({n}/{mine} points)"));
            }
        })
    });
    bar.finish_and_clear();
    let states = merge_states(states?)?;
    let paths: Vec<String> = varies.iter().map(|v| v.path.clone()).collect();
    let text = shared::rows_text(&states, &paths, args.format)?;
    shared::warn_unstable(&states)?;
    // The rows are printed even when saving them fails: the work is never
    // lost, and the error says what was not saved.
    let saved = target.as_ref().map(|dir| -> Result<()> {
        let m = shared::manifest("sweep", spec, &loaded.overrides, varies, shard, points);
        let mut files = shared::common_files(m, value, &states)?;
        if args.format == RowFormat::Jsonl {
            files.add("summary.jsonl", text.clone());
        }
        if args.save.report {
            pictures::sweep_charts(&mut files, &loaded.scenario, &states, varies)?;
        }
        save::write_dir(dir, &files, args.save.force)?;
        if !args.exec.quiet {
            eprintln!("aznetsim: results saved in {}", save::shown(dir));
        }
        Ok(())
    });
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())?;
    out.flush()?;
    if let Some(Err(e)) = saved {
        return Err(e.context(save::NOT_SAVED));
    }
    Ok(ExitCode::SUCCESS)
}
