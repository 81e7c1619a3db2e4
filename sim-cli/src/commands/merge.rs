//! `aznetsim merge`: join the shards of a sweep by merging their
//! histograms exactly.

use std::collections::BTreeSet;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Result, bail};
use sim_scenarios::report::merge_states;

use super::shared;
use crate::args::MergeArgs;
use crate::save::{self, Manifest};

/// The rows of the whole sweep on stdout; fails unless every shard of one
/// experiment is given exactly once.
pub(crate) fn run(args: &MergeArgs) -> Result<ExitCode> {
    let mut all = Vec::new();
    let mut first: Option<(PathBuf, Manifest)> = None;
    let mut shards_seen = BTreeSet::new();
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
    out.write_all(shared::rows_text(&states, &paths, args.format)?.as_bytes())?;
    shared::warn_unstable(&states)?;
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}
