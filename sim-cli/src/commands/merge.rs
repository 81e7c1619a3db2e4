//! `aznetsim merge`: join the shards of a sweep by merging their
//! histograms exactly.

use std::io::Write;
use std::process::ExitCode;

use anyhow::Result;
use sim_scenarios::report::merge_states;

use super::shared;
use crate::args::MergeArgs;
use crate::save;

/// The rows of the whole sweep on stdout; fails unless every shard of one
/// experiment is given exactly once.
pub(crate) fn run(args: &MergeArgs) -> Result<ExitCode> {
    let (m, all) = save::read_shards(&args.dirs)?;
    let states = merge_states(all)?;
    let paths: Vec<String> = m.varies.iter().map(|v| v.path.clone()).collect();
    let mut out = std::io::stdout().lock();
    out.write_all(shared::rows_text(&states, &paths, args.format)?.as_bytes())?;
    shared::warn_unstable(&states)?;
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}
