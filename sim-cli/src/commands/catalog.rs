//! `aznetsim catalog`: every component default with its source and what it
//! feeds in the model.

use std::io::Write;
use std::process::ExitCode;

use anyhow::{Result, bail};
use sim_scenarios::azure::catalog::{components, markdown_table, markdown_table_for};

use crate::args::CatalogArgs;

/// Prints the catalog, or one component's part of it, as Markdown tables.
///
/// # Errors
///
/// A component no figure belongs to (exit 2, with the known names), or a
/// failed write to stdout.
pub(crate) fn run(args: &CatalogArgs) -> Result<ExitCode> {
    let text = match &args.component {
        None => markdown_table(),
        Some(c) => match markdown_table_for(c) {
            Some(t) => t,
            None => bail!(
                "catalog COMPONENT '{c}': no figure belongs to it; give one of {}, or none for the whole catalog",
                components().join(", ")
            ),
        },
    };
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())?;
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}
