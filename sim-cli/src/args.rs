//! Command-line arguments.

use std::error::Error;
use std::fmt;
use std::path::PathBuf;

use clap::builder::TypedValueParser as _;
use clap::{Args, Parser, Subcommand, ValueEnum};
use sim_scenarios::experiment::{RouteObjective, Shard, Vary};

/// The version `--version` prints: the package version and the commit it
/// was built from (`unknown` outside a git checkout; see build.rs).
const LONG_VERSION: &str =
    concat!(env!("CARGO_PKG_VERSION"), " (commit ", env!("AZNETSIM_COMMIT"), ")");

/// The EXAMPLES section of the top-level `--help`.
const EXAMPLES: &str = "\
Examples:
  aznetsim validate scenarios/apim-hub-proxy.json
  aznetsim explain scenarios/apim-hub-proxy.json
  aznetsim run scenarios/apim-hub-proxy.json --seed 3 --replications 8
  aznetsim run scenarios/apim-hub-proxy.json --slo 'p99<=200ms' --slo 'red:mean<=50ms'
  aznetsim run scenarios/apim-hub-proxy.json --precision 1% --out --report
  aznetsim sweep scenarios/apim-hub-proxy.json --vary workload.arrival.rate_per_s=500..2000:500
  aznetsim capacity scenarios/apim-hub-proxy.json --slo 'p99<=200ms' --precision 2%
  aznetsim sensitivity scenarios/apim-hub-proxy.json --out --report
  cat s.json | aznetsim run - --format csv
  aznetsim completions bash > ~/.local/share/bash-completion/completions/aznetsim
  aznetsim man > aznetsim.1

Exit codes: 0 success; 1 completed, but a check failed (a route check,
an --slo broken); 2 invalid input, usage or I/O error.";

/// Compare Azure hybrid network routes by latency and capacity: a
/// deterministic discrete-event simulator.
///
/// Exit codes: 0 success; 1 the run completed but a check it was asked for
/// failed; 2 invalid input, usage or I/O error (the message names the file,
/// the JSON path and the fix).
#[derive(Debug, Parser)]
#[command(
    name = "aznetsim",
    version,
    long_version = LONG_VERSION,
    about,
    long_about,
    after_help = EXAMPLES,
    help_expected = true
)]
pub(crate) struct Cli {
    #[command(subcommand)]
    pub(crate) command: Command,
}

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Simulate every route of a scenario and report latency per route and hop.
    ///
    /// `platform` is each route's latency without its backends (their wait,
    /// service and delay): a `backend` is your API, an input, not an Azure
    /// figure. Results go to stdout; warnings, route-check findings and `--slo`
    /// verdicts to stderr (and, with `--format json`, in the document).
    /// Exit 1 after printing the results when a route check finds an error
    /// (as `validate` does), a route breaks an `--slo`, or the overload guard
    /// stopped a route (more than `workload.max_in_flight` requests in
    /// flight: it cannot carry the load).
    Run(RunArgs),
    /// Check scenario files without simulating: schema, values, certificate
    /// trust on every TLS connection, firewall inspection, asymmetric return
    /// paths (except through an Azure Firewall's application rules, which
    /// SNAT).
    Validate(ValidateArgs),
    /// Print each route hop by hop: component, what it terminates (an Azure
    /// Firewall with application rules proxies TCP), latency floor,
    /// capacity, new connections and their round trips, nested calls, and
    /// where an Azure Firewall without a published per-request limit would
    /// saturate.
    ///
    /// For APIM the capacity shows the effective requests/s on that route
    /// (cores × units at the nominal busy share, divided by the mean CPU per
    /// request including validate-jwt and new client connections' handshakes)
    /// next to the nominal units × capacity_per_unit_per_s.
    Explain(ExplainArgs),
    /// Print the component catalog: every default with its source and
    /// what it feeds in the model.
    ///
    /// The "used by" column names the component (node kind, `link` or
    /// `route`) and the field whose default the figure gives, or says "not
    /// modelled yet" for a figure listed for reference only. The tags' meaning
    /// (OFF, MEAS, SEC, DER, EST, OLD) is printed under the table. The
    /// "range" column gives an estimate's low and high values, the ones
    /// `aznetsim sensitivity` tries, with the reasoning (a judgement). Give
    /// a component, e.g. `aznetsim catalog apim`, for its figures only.
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
    /// depends on the run length. When the bottleneck is a `backend` (an
    /// input: your API), the search runs again with every backend unbounded
    /// and a line gives that capacity: the platform's.
    ///
    /// Exit 1 when a route meets the SLO at no rate tried, or when no rate up
    /// to the 1e9/s ceiling breaks it (its capacity is then shown as `>=`).
    Capacity(CapacityArgs),
    /// Which estimate decides the answer: every EST catalog figure the
    /// routes use, set to the low and then the high end of its range, one
    /// at a time, each rerun with the same seed and replications.
    ///
    /// Prints one tornado table per route compared with the baseline: the
    /// figures ranked by how far they move its difference (swing =
    /// |difference at high − difference at low|), under the difference at
    /// the catalog's values with its 95 % interval. The ranges are
    /// judgement (`aznetsim catalog` shows each with its reasoning); the
    /// interval is simulation noise only; figures move one at a time, so
    /// interactions are not seen. Figures the scenario sets itself (a
    /// node's `latency_ms`, say) change nothing and are listed as skipped.
    /// It runs 1 + 2 x figures times the scenario's work. `--out DIR`
    /// saves the resolved scenario and summary.json (the JSON document);
    /// `--report` adds tornado.svg.
    Sensitivity(SensitivityArgs),
    /// Join the shards of a sweep (or re-read one results directory) by
    /// merging their histograms exactly; every shard must be given.
    Merge(MergeArgs),
    /// Print a shell completion script on stdout.
    ///
    /// bash: `aznetsim completions bash > ~/.local/share/bash-completion/completions/aznetsim`;
    /// zsh: into a directory on `$fpath` as `_aznetsim`; fish:
    /// `~/.config/fish/completions/aznetsim.fish`; PowerShell: add the
    /// output to your `$PROFILE`.
    Completions(CompletionsArgs),
    /// Print the manual page (roff) on stdout: `aznetsim man > aznetsim.1`,
    /// then `man ./aznetsim.1`; `aznetsim man run > aznetsim-run.1` for a
    /// command's own page.
    Man(ManArgs),
    /// Draw the scenario's topology: SVG (default), Graphviz dot or Mermaid.
    ///
    /// Nodes are grouped into spokes, hub (Azure services below it) and
    /// on-premises, as their kinds and links place them; links carry their
    /// network, mean one-way latency and bandwidth; each route is a line of
    /// its colour (the charts' colour, from its name) along every link it
    /// crosses; nodes that terminate TLS show the CA of their certificate;
    /// nested calls are dashed. Nothing is simulated: `run --out --report`
    /// saves the same picture as topology.svg with each hop's mean time and
    /// utilisation (sweep, capacity and merge --report save it as drawn).
    /// The output is the same bytes for the same scenario.
    Draw(DrawArgs),
    /// Print the JSON Schema of scenario files, or with `--markdown` the
    /// field reference (every kind, every field, its unit, default and
    /// catalog source).
    ///
    /// Both are generated from the structures the loader reads, so they
    /// never drift from it; the repository keeps the output as
    /// `docs/scenario.schema.json` (`aznetsim schema >
    /// docs/scenario.schema.json`), which every shipped scenario names in
    /// `"$schema"` so that editors complete and check its fields, and
    /// `docs/scenario-fields.md` (`aznetsim schema --markdown >
    /// docs/scenario-fields.md`). A file with `"extends": "base.json"` is
    /// a merge patch (RFC 7396) of its base, resolved relative to the file:
    /// the schema checks it as one (every field optional, `null` deletes).
    Schema(SchemaArgs),
}

#[derive(Debug, Args)]
pub(crate) struct SchemaArgs {
    /// Print the field reference (Markdown) instead of the JSON Schema.
    #[arg(long)]
    pub(crate) markdown: bool,
}

/// `draw` output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum DrawFormat {
    /// A standalone SVG picture.
    Svg,
    /// Graphviz dot (render with `dot -Tsvg`).
    Dot,
    /// A Mermaid flowchart (for Markdown that renders Mermaid).
    Mermaid,
}

#[derive(Debug, Args)]
pub(crate) struct DrawArgs {
    /// The scenario file (JSON).
    #[arg(value_name = "SCENARIO")]
    pub(crate) scenario: PathBuf,
    /// Output format.
    #[arg(long, value_enum, default_value_t = DrawFormat::Svg, value_name = "FORMAT")]
    pub(crate) format: DrawFormat,
    /// Write the picture to FILE (replaced if it exists) instead of stdout.
    #[arg(long, short, value_name = "FILE")]
    pub(crate) out: Option<PathBuf>,
    /// Override any scenario field by its JSON path before drawing.
    #[arg(long, value_name = "PATH=VALUE")]
    pub(crate) set: Vec<String>,
}

/// The overrides applied to a scenario document before it is checked.
#[derive(Debug, Args)]
pub(crate) struct Overrides {
    /// Override any scenario field by its JSON path, e.g.
    /// workload.arrival.rate_per_s=5000 (the value is read as JSON when it
    /// parses, else as a string).
    #[arg(long, value_name = "PATH=VALUE")]
    pub(crate) set: Vec<String>,
}

/// The shorthands for the three overrides every simulating command takes.
/// They are applied after the `--set` ones.
#[derive(Debug, Args)]
pub(crate) struct Sampling {
    /// Master seed (overrides the scenario's `seed`).
    #[arg(long, value_name = "N", value_parser = count)]
    pub(crate) seed: Option<u64>,
    /// Independent replications (overrides `replications`).
    #[arg(long, value_name = "N", value_parser = count)]
    pub(crate) replications: Option<u64>,
    /// Arrivals per replication, warm-up included: per route, or in total in
    /// mode mix (overrides `workload.requests`); 20000 or 2e4.
    #[arg(long, value_name = "N", value_parser = count)]
    pub(crate) requests: Option<u64>,
}

impl Sampling {
    /// The shorthands as `--set` overrides: (JSON path, value).
    pub(crate) fn overrides(&self) -> Vec<(String, String)> {
        [
            ("workload.requests", self.requests),
            ("replications", self.replications),
            ("seed", self.seed),
        ]
        .into_iter()
        .filter_map(|(p, v)| Some((p.to_string(), v?.to_string())))
        .collect()
    }
}

/// How a command runs: threads, progress and how much work it may start.
/// None of them changes the results.
#[derive(Debug, Args)]
pub(crate) struct ExecArgs {
    /// Worker threads (default: one per core; at most the larger of 64 and
    /// twice the cores, more is lowered to that with a note). Results do
    /// not depend on it.
    #[arg(long, value_name = "N")]
    pub(crate) threads: Option<usize>,
    /// No progress bar on stderr.
    #[arg(long, short)]
    pub(crate) quiet: bool,
    /// Start even when the estimated work is past the limit (1e10 simulated
    /// requests: requests x replications x routes, x points for a sweep,
    /// x 30 rates for a capacity search, x (1 + 2 x figures) for
    /// sensitivity).
    #[arg(long)]
    pub(crate) yes: bool,
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
    /// Replace DIR if it is a results directory (holds aznetsim's
    /// manifest.json); anything else that exists is an error, before
    /// simulating.
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

/// Sweep and merge output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum RowFormat {
    /// Comma-separated values with a header line.
    Csv,
    /// One JSON object per line.
    Jsonl,
}

/// Output format of `capacity`, `sensitivity`, `validate`, `explain` and
/// `catalog`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum Format {
    /// Text for people (a table; Markdown for `catalog`).
    Table,
    /// One JSON document (the stable interface for scripts).
    Json,
}

/// Output format of `run`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum RunFormat {
    /// A table for people.
    Table,
    /// One JSON document (the stable interface for scripts).
    Json,
    /// One CSV row per route, the columns of `sweep` (as summary.csv).
    Csv,
}

#[derive(Debug, Args)]
pub(crate) struct SweepArgs {
    /// The scenario file (JSON); `-` reads it from stdin.
    #[arg(value_name = "SCENARIO")]
    pub(crate) scenario: PathBuf,
    /// A field to vary: PATH=V1,V2,... or PATH=START..END:STEP; several make a grid.
    #[arg(long, value_name = "PATH=VALUES", required = true, value_parser = vary)]
    pub(crate) vary: Vec<Vary>,
    #[command(flatten)]
    pub(crate) overrides: Overrides,
    #[command(flatten)]
    pub(crate) sampling: Sampling,
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
    /// The scenario file (JSON); `-` reads it from stdin.
    #[arg(value_name = "SCENARIO")]
    pub(crate) scenario: PathBuf,
    /// The objective: `[ROUTE:]METRIC<=LIMIT`, METRIC mean or pNN (p50, p99,
    /// p99.9), LIMIT in ms, s or us; a ROUTE: prefix is --route.
    #[arg(long, value_name = "SLO", value_parser = objective)]
    pub(crate) slo: RouteObjective,
    /// Only this route (default: every route).
    #[arg(long, value_name = "NAME")]
    pub(crate) route: Option<String>,
    /// Relative precision of the search: 1% or 0.01 (default), from 0.01 %
    /// (1e-4) to below 100 %.
    #[arg(long, value_name = "PCT", default_value = "1%", value_parser = relative)]
    pub(crate) precision: f64,
    #[command(flatten)]
    pub(crate) overrides: Overrides,
    #[command(flatten)]
    pub(crate) sampling: Sampling,
    /// Output format on stdout.
    #[arg(long, value_enum, default_value_t = Format::Table, value_name = "FORMAT")]
    pub(crate) format: Format,
    #[command(flatten)]
    pub(crate) exec: ExecArgs,
    #[command(flatten)]
    pub(crate) save: SaveArgs,
}

#[derive(Debug, Args)]
pub(crate) struct SensitivityArgs {
    /// The scenario file (JSON); `-` reads it from stdin.
    #[arg(value_name = "SCENARIO")]
    pub(crate) scenario: PathBuf,
    #[command(flatten)]
    pub(crate) overrides: Overrides,
    #[command(flatten)]
    pub(crate) sampling: Sampling,
    /// Route the others are compared with, replication by replication
    /// (default: the first route).
    #[arg(long, value_name = "NAME")]
    pub(crate) baseline: Option<String>,
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
    #[command(flatten)]
    pub(crate) save: SaveArgs,
}

#[derive(Debug, Args)]
pub(crate) struct RunArgs {
    /// The scenario file (JSON); `-` reads it from stdin.
    #[arg(value_name = "SCENARIO")]
    pub(crate) scenario: PathBuf,
    #[command(flatten)]
    pub(crate) overrides: Overrides,
    #[command(flatten)]
    pub(crate) sampling: Sampling,
    /// Output format on stdout.
    #[arg(long, value_enum, default_value_t = RunFormat::Table, value_name = "FORMAT")]
    pub(crate) format: RunFormat,
    /// Route the others are compared with, replication by replication
    /// (default: the first route).
    #[arg(long, value_name = "NAME")]
    pub(crate) baseline: Option<String>,
    /// An objective every route (or ROUTE) must meet, else exit 1:
    /// `[ROUTE:]METRIC<=LIMIT` with METRIC mean, p50, p90, p99 or p99.9 and
    /// LIMIT in ms, s or us (p99<=200ms), or rejected / timed_out / failed
    /// with a share (rejected<=0.1%); repeat for several. The point estimate
    /// decides; a 95 % interval that contains the limit is reported as not
    /// certain at this precision. A failed request (throttled, or a call
    /// that failed after its retries) is not a success: a mean objective
    /// breaks with any, a pNN one when more than 100 − NN % failed.
    #[arg(long, value_name = "SLO", value_parser = objective)]
    pub(crate) slo: Vec<RouteObjective>,
    /// Add replications (in batches of the scenario's count) until every
    /// route's 95 % interval has at most this relative half-width: 1% or
    /// 0.01, from 0.01 % (1e-4) to below 100 %.
    #[arg(long, value_name = "PCT", value_parser = relative)]
    pub(crate) precision: Option<f64>,
    /// Which estimate --precision applies to.
    #[arg(long, value_enum, default_value_t = PrecisionOnArg::Mean, value_name = "ESTIMATE", requires = "precision")]
    pub(crate) precision_on: PrecisionOnArg,
    /// Stop adding replications here even if --precision is not reached.
    #[arg(long, value_name = "N", default_value_t = 200, value_parser = count, requires = "precision")]
    pub(crate) max_replications: u64,
    /// Also report what end-user authorisation adds to each route that does
    /// any (`auth_added_ms`): the route minus a twin of itself without it,
    /// run with the same seed. The twins double the run's cost.
    #[arg(long)]
    pub(crate) auth_cost: bool,
    #[command(flatten)]
    pub(crate) exec: ExecArgs,
    #[command(flatten)]
    pub(crate) save: SaveArgs,
}

#[derive(Debug, Args)]
pub(crate) struct ValidateArgs {
    /// Scenario files (JSON); `-` reads one from stdin.
    #[arg(value_name = "SCENARIO", required = true)]
    pub(crate) scenarios: Vec<PathBuf>,
    #[command(flatten)]
    pub(crate) overrides: Overrides,
    /// Output format on stdout.
    #[arg(long, value_enum, default_value_t = Format::Table, value_name = "FORMAT")]
    pub(crate) format: Format,
    /// The date certificate expiry is checked against (`certificate_expires`,
    /// `client_certificate.expires`), YYYY-MM-DD; default: today (UTC, the
    /// system clock). Give it for reproducible checks in tests and scripts.
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub(crate) today: Option<sim_scenarios::file::Date>,
    /// Warn about a certificate that expires within this many days (0 to
    /// 3650); an expired one is an error.
    #[arg(long, value_name = "DAYS", default_value_t = 30,
          value_parser = clap::value_parser!(u32).range(0..=i64::from(sim_scenarios::file::limits::MAX_CERT_WARNING_DAYS)))]
    pub(crate) cert_warning_days: u32,
}

#[derive(Debug, Args)]
pub(crate) struct CatalogArgs {
    /// Only the figures of this component: a key's first part (`apim`,
    /// `vpn_gateway`, `tls`, …) or what a figure is used by (a node kind
    /// such as `vnet_gateway`, `link` or `route`). An unknown name lists
    /// the known ones.
    #[arg(value_name = "COMPONENT")]
    pub(crate) component: Option<String>,
    /// Only the prices (list prices, USD, US regions): what `run` charges
    /// each route, with their sources; a scenario's `prices` (or `--set
    /// prices.KEY=VALUE`) replaces any of them.
    #[arg(long)]
    pub(crate) prices: bool,
    /// Output format on stdout (table: Markdown).
    #[arg(long, value_enum, default_value_t = Format::Table, value_name = "FORMAT")]
    pub(crate) format: Format,
}

#[derive(Debug, Args)]
pub(crate) struct ExplainArgs {
    /// The scenario file (JSON); `-` reads it from stdin.
    #[arg(value_name = "SCENARIO")]
    pub(crate) scenario: PathBuf,
    #[command(flatten)]
    pub(crate) overrides: Overrides,
    /// Output format on stdout.
    #[arg(long, value_enum, default_value_t = Format::Table, value_name = "FORMAT")]
    pub(crate) format: Format,
}

#[derive(Debug, Args)]
pub(crate) struct ManArgs {
    /// A command (run, sweep, …): its own page, aznetsim-COMMAND(1).
    #[arg(value_name = "COMMAND")]
    pub(crate) command: Option<String>,
}

#[derive(Debug, Args)]
pub(crate) struct CompletionsArgs {
    /// The shell.
    #[arg(value_enum, value_name = "SHELL")]
    pub(crate) shell: clap_complete::Shell,
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

/// `--slo`, by [`RouteObjective::parse`] (one grammar for `run` and
/// `capacity`).
fn objective(s: &str) -> Result<RouteObjective, FlagError> {
    RouteObjective::parse(s).map_err(|e| FlagError(e.to_string()))
}

/// The smallest relative precision taken: below it a capacity search
/// bisects for ever and a run adds replications by the million.
pub(crate) const MIN_PRECISION: f64 = 1e-4;

/// `--precision` of `run` and `capacity`: a relative half-width or
/// bracket, `1%` or `0.01`, from [`MIN_PRECISION`] to below 1.
fn relative(s: &str) -> Result<f64, FlagError> {
    let v = match s.trim().strip_suffix('%') {
        Some(p) => p.trim().parse::<f64>().map(|p| p / 100.0),
        None => s.trim().parse::<f64>(),
    };
    match v {
        Ok(v) if (MIN_PRECISION..1.0).contains(&v) => Ok(v),
        Ok(v) if v > 0.0 && v < MIN_PRECISION => Err(FlagError(format!(
            "--precision {s}: at most 0.01 % (1e-4) is resolved; a finer precision would run for ever: use 0.01% or more"
        ))),
        _ => Err(FlagError(format!(
            "--precision {s}: expected a relative precision such as 1% or 0.01, from 0.01 % to below 100 %"
        ))),
    }
}

/// A count (`--seed`, `--replications`, `--requests`,
/// `--max-replications`): a whole number, also written `2e4`. The error is
/// no [`FlagError`], so clap names the flag before it.
fn count(s: &str) -> Result<u64, String> {
    let t = s.trim();
    if let Ok(n) = t.parse::<u64>() {
        return Ok(n);
    }
    match t.parse::<f64>() {
        Ok(v) if v >= 0.0 && v.fract() == 0.0 && v < u64::MAX as f64 => Ok(v as u64),
        _ => Err("expected a whole number from 0 to 18446744073709551615 (e.g. 20000 or 2e4)"
            .to_string()),
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
        // One syntax for precision: a percentage or a fraction, everywhere.
        for (flag, want) in [("2%", 0.02), ("0.02", 0.02), ("0.01%", 1e-4)] {
            let cli = Cli::try_parse_from([
                "aznetsim",
                "capacity",
                "s.json",
                "--slo",
                "p99<=5ms",
                "--precision",
                flag,
            ])
            .unwrap();
            let Command::Capacity(args) = cli.command else { panic!("not a capacity") };
            assert!((args.precision - want).abs() < 1e-15, "{flag}");
        }
        let cli = Cli::try_parse_from(["aznetsim", "capacity", "s.json", "--slo", "p99<=5ms"]);
        let Command::Capacity(args) = cli.unwrap().command else { panic!("not a capacity") };
        assert_eq!(args.precision, 0.01);
    }

    #[test]
    fn counts_take_scientific_notation_and_refuse_fractions() {
        let cli = Cli::try_parse_from([
            "aznetsim",
            "sweep",
            "s.json",
            "--vary",
            "seed=1",
            "--requests",
            "2e4",
            "--seed",
            "3",
            "--replications",
            "4",
        ])
        .unwrap();
        let Command::Sweep(args) = cli.command else { panic!("not a sweep") };
        assert_eq!(
            args.sampling.overrides(),
            [
                ("workload.requests".to_string(), "20000".to_string()),
                ("replications".to_string(), "4".to_string()),
                ("seed".to_string(), "3".to_string()),
            ]
        );
        for bad in ["2.5", "-1", "x", "1e30"] {
            let e = refused(&["run", "s.json", &format!("--requests={bad}")]);
            assert!(FlagError::of(&e).is_none(), "{bad}");
            let e = e.to_string();
            assert!(e.contains("for '--requests <N>'") && e.contains("whole number"), "{bad}");
        }
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
            "--precision 1: expected a relative precision such as 1% or 0.01, from 0.01 % to below 100 %"
        );
        // Issue 10 item 6: a precision no search reaches is refused.
        let e = refused(&["capacity", "s.json", "--slo", "p99<=5ms", "--precision", "1e-17"]);
        let flag = FlagError::of(&e).expect("a flag error");
        assert!(flag.to_string().contains("at most 0.01 % (1e-4) is resolved"), "{flag}");
        let e = refused(&["run", "s.json", "--precision", "0.001%"]);
        assert!(FlagError::of(&e).is_some_and(|f| f.to_string().contains("1e-4")));
    }
}
