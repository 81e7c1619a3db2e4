//! `aznetsim completions`, `aznetsim man` and `aznetsim schema`: shell
//! completions and the manual page, generated from the same clap command
//! as `--help`, so they cannot drift from the flags; the scenario files'
//! JSON Schema and field reference, generated from the loader's structures.

use std::io::Write;
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use clap::CommandFactory;
use clap_complete::Shell;

use crate::args::Cli;

/// The completion script for `shell` on stdout.
pub(crate) fn completions(shell: Shell) -> Result<ExitCode> {
    let mut cmd = Cli::command();
    let mut out = std::io::stdout().lock();
    clap_complete::generate(shell, &mut cmd, "aznetsim", &mut out);
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

/// The manual page (roff) of `aznetsim` on stdout, or with `command` that
/// of `aznetsim-COMMAND`, the page its SEE ALSO / SUBCOMMANDS names.
pub(crate) fn man(command: Option<&str>) -> Result<ExitCode> {
    let mut cmd = Cli::command().disable_help_subcommand(true);
    cmd.build();
    let page_of = match command {
        None => cmd,
        Some(name) => {
            let names: Vec<&str> = cmd.get_subcommands().map(clap::Command::get_name).collect();
            let Some(sub) = cmd.find_subcommand(name) else {
                bail!("man {name}: no such command; commands: {}", names.join(", "));
            };
            sub.clone()
        }
    };
    let mut page = Vec::new();
    clap_mangen::Man::new(page_of).render(&mut page).context("cannot render the manual page")?;
    let mut out = std::io::stdout().lock();
    out.write_all(&page)?;
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

/// The JSON Schema of scenario files on stdout, or with `markdown` the
/// field reference.
pub(crate) fn schema(markdown: bool) -> Result<ExitCode> {
    let text = if markdown {
        sim_scenarios::azure::schema::field_reference()
    } else {
        serde_json::to_string_pretty(&sim_scenarios::azure::schema::scenario_schema())? + "\n"
    };
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())?;
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}
