//! Command-line arguments.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Compare Azure hybrid network routes by latency and capacity: a
/// deterministic discrete-event simulator.
///
/// Exit codes: 0 success; 1 the run completed but a check it was asked for
/// failed; 2 invalid input, usage or I/O error (the message names the file,
/// the JSON path and the fix).
#[derive(Debug, Parser)]
#[command(name = "aznetsim", version, about, long_about, help_expected = true)]
pub(crate) struct Cli {
    #[command(subcommand)]
    pub(crate) command: Command,
}

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Simulate every route of a scenario and report latency per route and hop.
    Run(RunArgs),
    /// Check scenario files without simulating: schema, values, certificate
    /// trust on every TLS connection, firewall inspection.
    Validate(ValidateArgs),
    /// Print each route hop by hop: component, what it terminates, latency
    /// floor, capacity, new connections and nested calls.
    Explain(ExplainArgs),
    /// Print the component catalog: every default with its source.
    Catalog,
}

/// Output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum Format {
    /// A table for people.
    Table,
    /// One JSON document (the stable interface for scripts).
    Json,
}

#[derive(Debug, Args)]
pub(crate) struct RunArgs {
    /// The scenario file (JSON).
    #[arg(value_name = "SCENARIO")]
    pub(crate) scenario: PathBuf,
    /// Master seed (overrides the scenario's `seed`).
    #[arg(long, value_name = "N")]
    pub(crate) seed: Option<u64>,
    /// Independent replications (overrides `replications`).
    #[arg(long, value_name = "N")]
    pub(crate) replications: Option<u64>,
    /// Arrivals per route and replication, warm-up included (overrides `workload.requests`).
    #[arg(long, value_name = "N")]
    pub(crate) requests: Option<u64>,
    /// Worker threads (default: one per core). Results do not depend on it.
    #[arg(long, value_name = "N")]
    pub(crate) threads: Option<usize>,
    /// Override any scenario field by its JSON path, e.g. workload.arrival.rate_per_s=5000.
    #[arg(long, value_name = "PATH=VALUE")]
    pub(crate) set: Vec<String>,
    /// Output format on stdout.
    #[arg(long, value_enum, default_value_t = Format::Table, value_name = "FORMAT")]
    pub(crate) format: Format,
    /// No progress bar on stderr.
    #[arg(long, short)]
    pub(crate) quiet: bool,
}

#[derive(Debug, Args)]
pub(crate) struct ValidateArgs {
    /// Scenario files (JSON).
    #[arg(value_name = "SCENARIO", required = true)]
    pub(crate) scenarios: Vec<PathBuf>,
    /// Override any scenario field by its JSON path before checking.
    #[arg(long, value_name = "PATH=VALUE")]
    pub(crate) set: Vec<String>,
}

#[derive(Debug, Args)]
pub(crate) struct ExplainArgs {
    /// The scenario file (JSON).
    #[arg(value_name = "SCENARIO")]
    pub(crate) scenario: PathBuf,
    /// Override any scenario field by its JSON path before explaining.
    #[arg(long, value_name = "PATH=VALUE")]
    pub(crate) set: Vec<String>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli_is_well_formed() {
        Cli::command().debug_assert();
    }
}
