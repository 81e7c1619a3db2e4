//! `aznetsim explain`: each route hop by hop.

use std::io::Write;
use std::process::ExitCode;

use anyhow::Result;

use super::shared;
use crate::args::ExplainArgs;
use crate::output::table;

/// Prints each route hop by hop: kind, what it terminates, latency floor,
/// capacity, connections opened and nested calls.
pub(crate) fn run(args: &ExplainArgs) -> Result<ExitCode> {
    let loaded = shared::load(&args.scenario, &args.set, &[])?;
    let mut out = std::io::stdout().lock();
    table::write_explain(&mut out, &loaded.scenario)?;
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}
