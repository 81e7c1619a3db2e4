//! `aznetsim catalog`: every component default with its source.

use std::io::Write;
use std::process::ExitCode;

use anyhow::Result;

/// Prints the catalog as a Markdown table.
pub(crate) fn run() -> Result<ExitCode> {
    let mut out = std::io::stdout().lock();
    out.write_all(sim_scenarios::azure::catalog::markdown_table().as_bytes())?;
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}
