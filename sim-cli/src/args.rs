//! Command-line arguments.

use std::error::Error;
use std::fmt;
use std::path::PathBuf;

use clap::builder::TypedValueParser as _;
use clap::{Args, Parser, Subcommand, ValueEnum};
use sim_scenarios::experiment::{Shard, Slo, Vary};

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
    ///
    /// Results go to stdout; warnings and route-check findings to stderr.
    /// Exit 1 after printing the results when a route check finds an error
    /// (as `validate` does).
    Run(RunArgs),
    /// Check scenario files without simulating: schema, values, certificate
    /// trust on every TLS connection, firewall inspection.
    Validate(ValidateArgs),
    /// Print each route hop by hop: component, what it terminates, latency
    /// floor, capacity, new connections and nested calls.
    Explain(ExplainArgs),
    /// Print the component catalog: every default with its source and
    /// what it feeds in the model.
    ///
    /// The "used by" column names the component (node kind, `link` or
    /// `route`) and the field whose default the figure gives, or says "not
    /// modelled yet" for a figure listed for reference only. The tags' meaning
    /// (OFF, MEAS, SEC, DER, EST, OLD) is printed under the table. Give a
    /// component, e.g. `aznetsim catalog apim`, for its figures only.
    Catalog(CatalogArgs),
    /// Run a grid of scenario variants (--vary) and print one row per point
    /// and route.
    Sweep(SweepArgs),
    /// Find the highest arrival rate each route sustains within a latency SLO.
    ///
    /// `capacity` is the highest rate seen to meet the SLO (the metric within
    /// the limit, nothing rejected or timed out, and the run stable: no
    /// resource 98 % busy or more). `breaks at` is the next rate tried above
    /// it, one `--precision` step up: the search's resolution, not a
    /// confidence statement. The `95% interval` is: from the highest rate
    /// whose metric's 95 % interval across replications lies within the
    /// limit, to the lowest whose interval lies above it (or that is
    /// unstable); it needs 2 or more replications and a mean, p50, p90, p99
    /// or p99.9 SLO. `2x length` re-runs the capacity with twice the requests
    /// and warm-up; `FAILS` (also a warning on stderr) means the result
    /// depends on the run length.
    ///
    /// Exit 1 when a route meets the SLO at no rate tried, or when no rate up
    /// to the 1e9/s ceiling breaks it (its capacity is then shown as `>=`).
    Capacity(CapacityArgs),
    /// Join the shards of a sweep (or re-read one results directory) by
    /// merging their histograms exactly; every shard must be given.
    Merge(MergeArgs),
}

/// How a command runs: threads and progress. Neither changes the results.
#[derive(Debug, Args)]
pub(crate) struct ExecArgs {
    /// Worker threads (default: one per core). Results do not depend on it.
    #[arg(long, value_name = "N")]
    pub(crate) threads: Option<usize>,
    /// No progress bar on stderr.
    #[arg(long, short)]
    pub(crate) quiet: bool,
}

/// Options shared by commands that save results.
#[derive(Debug, Args)]
pub(crate) struct SaveArgs {
    /// Save results in DIR (default: results/SCENARIO/UTC-TIMESTAMP/):
    /// the resolved scenario, summary.json, summary.csv, states.jsonl and
    /// each route's latency histogram (HdrHistogram log, V2 compressed).
    // The default is signalled by an empty path, which clap's PathBuf parser
    // rejects ("a value is required"): parse as OsString, which takes it.
    #[arg(
        long,
        value_name = "DIR",
        num_args = 0..=1,
        default_missing_value = "",
        value_parser = clap::builder::OsStringValueParser::new().map(PathBuf::from)
    )]
    pub(crate) out: Option<PathBuf>,
    /// Replace DIR if it exists (otherwise an existing DIR is an error).
    #[arg(long, requires = "out")]
    pub(crate) force: bool,
    /// Also write SVG charts into DIR (needs --out).
    #[arg(long, requires = "out")]
    pub(crate) report: bool,
}

/// The estimate `--precision` applies to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum PrecisionOnArg {
    /// The mean latency.
    Mean,
    /// The 99th percentile.
    P99,
}

/// Sweep output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum RowFormat {
    /// Comma-separated values with a header line.
    Csv,
    /// One JSON object per line.
    Jsonl,
}

#[derive(Debug, Args)]
pub(crate) struct SweepArgs {
    /// The scenario file (JSON).
    #[arg(value_name = "SCENARIO")]
    pub(crate) scenario: PathBuf,
    /// A field to vary: PATH=V1,V2,... or PATH=START..END:STEP; several make a grid.
    #[arg(long, value_name = "PATH=VALUES", required = true, value_parser = vary)]
    pub(crate) vary: Vec<Vary>,
    /// Override any scenario field by its JSON path, for every point.
    #[arg(long, value_name = "PATH=VALUE")]
    pub(crate) set: Vec<String>,
    /// Run only the K-th of N slices of the points (K from 0); join with merge.
    #[arg(long, value_name = "K/N", value_parser = shard)]
    pub(crate) shard: Option<Shard>,
    /// Output format on stdout.
    #[arg(long, value_enum, default_value_t = RowFormat::Csv, value_name = "FORMAT")]
    pub(crate) format: RowFormat,
    #[command(flatten)]
    pub(crate) exec: ExecArgs,
    #[command(flatten)]
    pub(crate) save: SaveArgs,
}

#[derive(Debug, Args)]
pub(crate) struct CapacityArgs {
    /// The scenario file (JSON).
    #[arg(value_name = "SCENARIO")]
    pub(crate) scenario: PathBuf,
    /// The objective: METRIC<=LIMIT, METRIC mean or pNN (p50, p99, p99.9), LIMIT in ms or s.
    #[arg(long, value_name = "SLO", value_parser = slo)]
    pub(crate) slo: Slo,
    /// Only this route (default: every route).
    #[arg(long, value_name = "NAME")]
    pub(crate) route: Option<String>,
    /// Relative precision of the search (default 0.01 = 1 %).
    #[arg(long, value_name = "FRACTION", default_value_t = 0.01, value_parser = fraction)]
    pub(crate) precision: f64,
    /// Override any scenario field by its JSON path.
    #[arg(long, value_name = "PATH=VALUE")]
    pub(crate) set: Vec<String>,
    /// Output format on stdout.
    #[arg(long, value_enum, default_value_t = Format::Table, value_name = "FORMAT")]
    pub(crate) format: Format,
    #[command(flatten)]
    pub(crate) exec: ExecArgs,
    #[command(flatten)]
    pub(crate) save: SaveArgs,
}

#[derive(Debug, Args)]
pub(crate) struct MergeArgs {
    /// Results directories written with --out (sweep shards or runs).
    #[arg(value_name = "DIR", required = true)]
    pub(crate) dirs: Vec<PathBuf>,
    /// Output format on stdout.
    #[arg(long, value_enum, default_value_t = RowFormat::Csv, value_name = "FORMAT")]
    pub(crate) format: RowFormat,
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
    /// Arrivals per replication, warm-up included: per route, or in total in mode mix (overrides `workload.requests`).
    #[arg(long, value_name = "N")]
    pub(crate) requests: Option<u64>,
    /// Override any scenario field by its JSON path, e.g. workload.arrival.rate_per_s=5000.
    #[arg(long, value_name = "PATH=VALUE")]
    pub(crate) set: Vec<String>,
    /// Output format on stdout.
    #[arg(long, value_enum, default_value_t = Format::Table, value_name = "FORMAT")]
    pub(crate) format: Format,
    /// Route the others are compared with, replication by replication
    /// (default: the first route).
    #[arg(long, value_name = "NAME")]
    pub(crate) baseline: Option<String>,
    /// Add replications (in batches of the scenario's count) until every
    /// route's 95 % interval has at most this relative half-width, e.g. 1%.
    #[arg(long, value_name = "PCT", value_parser = half_width)]
    pub(crate) precision: Option<f64>,
    /// Which estimate --precision applies to.
    #[arg(long, value_enum, default_value_t = PrecisionOnArg::Mean, value_name = "ESTIMATE", requires = "precision")]
    pub(crate) precision_on: PrecisionOnArg,
    /// Stop adding replications here even if --precision is not reached.
    #[arg(long, value_name = "N", default_value_t = 200, requires = "precision")]
    pub(crate) max_replications: u64,
    #[command(flatten)]
    pub(crate) exec: ExecArgs,
    #[command(flatten)]
    pub(crate) save: SaveArgs,
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
pub(crate) struct CatalogArgs {
    /// Only the figures of this component: a key's first part (`apim`,
    /// `vpn_gateway`, `tls`, …) or what a figure is used by (a node kind
    /// such as `vnet_gateway`, `link` or `route`). An unknown name lists
    /// the known ones.
    #[arg(value_name = "COMPONENT")]
    pub(crate) component: Option<String>,
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

/// A flag value that has the right type but means nothing, e.g.
/// `--shard 2/2`. Its message names the flag and the accepted form, so
/// `main` prints it as aznetsim's own one-line error rather than under
/// clap's "invalid value" preamble; the exit code is clap's usage code 2.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct FlagError(String);

impl fmt::Display for FlagError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl Error for FlagError {}

impl FlagError {
    /// The flag error behind a clap error, if clap refused one of the
    /// values parsed here.
    pub(crate) fn of(e: &clap::Error) -> Option<&FlagError> {
        e.source().and_then(|s| s.downcast_ref::<FlagError>())
    }
}

/// `--vary`, by [`Vary::parse`].
fn vary(s: &str) -> Result<Vary, FlagError> {
    Vary::parse(s).map_err(|e| FlagError(e.to_string()))
}

/// `--shard`, by [`Shard::parse`].
fn shard(s: &str) -> Result<Shard, FlagError> {
    Shard::parse(s).map_err(|e| FlagError(e.to_string()))
}

/// `capacity --slo`, by [`Slo::parse`].
fn slo(s: &str) -> Result<Slo, FlagError> {
    Slo::parse(s).map_err(|e| FlagError(e.to_string()))
}

/// `run --precision`: `1%` or `0.01`, a relative half-width.
fn half_width(s: &str) -> Result<f64, FlagError> {
    let v = match s.trim().strip_suffix('%') {
        Some(p) => p.trim().parse::<f64>().map(|p| p / 100.0),
        None => s.trim().parse::<f64>(),
    };
    match v {
        Ok(v) if v > 0.0 && v < 1.0 => Ok(v),
        _ => Err(FlagError(format!(
            "--precision {s}: expected a relative half-width such as 1% or 0.01 (between 0 and 100 %)"
        ))),
    }
}

/// `capacity --precision`: a fraction strictly between 0 and 1. Text that
/// is no number gets clap's own message, as for any number flag.
fn fraction(s: &str) -> Result<f64, Box<dyn Error + Send + Sync>> {
    let v: f64 = s.parse()?;
    if v > 0.0 && v < 1.0 {
        Ok(v)
    } else {
        Err(Box::new(FlagError(format!(
            "--precision must be between 0 and 1 (a fraction: 0.01 is 1 %), got {v}"
        ))))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli_is_well_formed() {
        Cli::command().debug_assert();
    }

    /// The clap error for `args`, which must be refused.
    fn refused(args: &[&str]) -> clap::Error {
        Cli::try_parse_from([&["aznetsim"][..], args].concat()).expect_err("refused")
    }

    #[test]
    fn flag_values_are_typed_at_parse_time() {
        let cli = Cli::try_parse_from([
            "aznetsim", "sweep", "s.json", "--vary", "seed=1,2", "--shard", "1/3", "--out", "d",
        ])
        .unwrap();
        let Command::Sweep(args) = cli.command else { panic!("not a sweep") };
        assert_eq!(args.vary, [Vary { path: "seed".into(), values: vec!["1".into(), "2".into()] }]);
        assert_eq!(args.shard, Some(Shard { index: 1, count: 3 }));
        let cli = Cli::try_parse_from(["aznetsim", "run", "s.json", "--precision", "2%"]).unwrap();
        let Command::Run(args) = cli.command else { panic!("not a run") };
        assert_eq!(args.precision, Some(0.02));
    }

    #[test]
    fn a_meaningless_flag_value_is_a_flag_error_with_the_old_message() {
        let e = refused(&["sweep", "s.json", "--vary", "seed=1", "--shard", "2/2"]);
        assert!(e.use_stderr());
        let flag = FlagError::of(&e).expect("a flag error");
        assert!(flag.to_string().starts_with("--shard 2/2: expected K/N"), "{flag}");
        let e = refused(&["capacity", "s.json", "--slo", "p99<=5ms", "--precision", "1"]);
        let flag = FlagError::of(&e).expect("a flag error");
        assert_eq!(
            flag.to_string(),
            "--precision must be between 0 and 1 (a fraction: 0.01 is 1 %), got 1"
        );
        // Text that is no number at all keeps clap's own message.
        let e = refused(&["capacity", "s.json", "--slo", "p99<=5ms", "--precision", "x"]);
        assert!(FlagError::of(&e).is_none());
        assert!(e.to_string().contains("invalid float literal"), "{e}");
    }
}
