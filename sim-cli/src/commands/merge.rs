//! `aznetsim merge`: join the shards of a sweep by merging their
//! histograms exactly.

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use sim_scenarios::Scenario;
use sim_scenarios::experiment::Shard;
use sim_scenarios::file::parse_json;
use sim_scenarios::report::{RouteState, merge_states};
use sim_scenarios::text::Shown;

use super::shared;
use crate::args::{MergeArgs, RowFormat};
use crate::output::pictures;
use crate::save::{self, Manifest};

/// The rows of the whole sweep on stdout, and with `--out` a results
/// directory of the whole sweep (with `--report`, its charts), as an
/// unsharded sweep would write it; fails unless every shard of one
/// experiment is given exactly once.
pub(crate) fn run(args: &MergeArgs) -> Result<ExitCode> {
    let (m, all) = save::read_shards(&args.dirs)?;
    let states = merge_states(all)?;
    let paths: Vec<String> = m.varies.iter().map(|v| v.path.clone()).collect();
    let text = shared::rows_text(&states, &paths, args.format)?;
    shared::warn_unstable(&states)?;
    if args.save.out.is_some() {
        save_merged(args, &args.dirs[0], &m, &states, &text)?;
    }
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())?;
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

/// `--out`: the merged results as one unsharded directory of `m`'s
/// command (the scenario document from `first`, the first directory
/// given), with the sweep's charts under `--report`.
fn save_merged(
    args: &MergeArgs,
    first: &Path,
    m: &Manifest,
    states: &[RouteState],
    text: &str,
) -> Result<()> {
    if m.command != "sweep" {
        bail!(
            "{}: merge --out saves joined sweep shards, and this is a {} directory, already whole: copy it, or run {} --out --report for charts",
            Shown(&first.display().to_string()),
            m.command,
            m.command
        );
    }
    let scenario_file = first.join("scenario.json");
    let text_of = std::fs::read_to_string(&scenario_file)
        .with_context(|| format!("{}: cannot read the scenario", scenario_file.display()))?;
    let value = parse_json(&scenario_file, &text_of)?;
    let scenario = Scenario::from_value(&scenario_file, value.clone())?;
    let dir = shared::save_target(&args.save, &m.scenario)?.expect("--out was given");
    let merged = Manifest { shard: Shard::ALL, ..m.clone() };
    let mut files = shared::common_files(merged, &value, states)?;
    if args.format == RowFormat::Jsonl {
        files.add("summary.jsonl", text.to_string());
    }
    if args.save.report {
        pictures::sweep_charts(&mut files, &scenario, states, &m.varies)?;
    }
    save::write_dir(&dir, &files, args.save.force)?;
    eprintln!("aznetsim: results saved in {}", Shown(&dir.display().to_string()));
    Ok(())
}
