//! Scenario files for aznetsim: parsing, validation and compilation into
//! `sim-core` models, and the results a run reports.
//!
//! A scenario file (JSON, described in `design.md` and the README) names
//! nodes, the links between them and routes through them, plus the workload
//! each route carries. [`Scenario::load`] checks everything before any
//! simulation: an invalid scenario is a [`ScenarioError`] naming the file,
//! the JSON path of the offending value, and what would be valid.
//!
//! ```
//! use std::path::Path;
//! use sim_scenarios::Scenario;
//!
//! let json = r#"{
//!   "name": "one-queue", "seed": 7, "replications": 2,
//!   "workload": { "arrival": { "kind": "poisson", "rate_per_s": 500 }, "requests": 20000 },
//!   "nodes": {
//!     "client": { "kind": "client" },
//!     "api": { "kind": "station", "servers": 1, "service_ms": { "kind": "exponential", "mean": 1.0 } }
//!   },
//!   "links": [ { "between": ["client", "api"], "latency_ms": { "kind": "constant", "value": 0.5 } } ],
//!   "routes": [ { "name": "direct", "path": ["client", "api"] } ]
//! }"#;
//! let value = sim_scenarios::parse_json(Path::new("inline.json"), json).unwrap();
//! let scenario = Scenario::from_value(Path::new("inline.json"), value).unwrap();
//! let report = sim_scenarios::run(&scenario, 7, 2, &|| {}).unwrap();
//! let direct = &report.routes[0];
//! assert_eq!(direct.completed + direct.rejected, direct.offered);
//! // M/M/1 at load 0.5: 2 ms in the station, plus 0.5 ms on the link.
//! assert!((direct.latency_ms.mean - 2.5).abs() < 0.25);
//! ```

mod analytic;
mod azure;
mod compile;
mod error;
mod experiment;
mod file;
mod report;
mod run;

pub use azure::catalog::{
    FIGURES, Figure, SOURCES, Source, Tag, figure, markdown_table, source, try_figure, value,
};

pub use analytic::{erlang_c, mean_latency_ms};
pub use azure::checks::{Finding, Severity};
pub use azure::{Kind, NODE_KINDS, ONPREM_CA, PUBLIC_CA};
pub use compile::Scenario;
pub use compile::plan::HopPlan;
pub use compile::routes::CompiledRoute;
pub use error::ScenarioError;
pub use experiment::capacity::{
    CapacityReport, Probe, RouteCapacity, Search, Slo, SloMetric, capacity,
};
pub use experiment::precision::simulate_to_precision;
pub use experiment::run;
pub use experiment::sweep::{MAX_POINTS, PointError, Shard, Vary, grid, run_sweep};
pub use file::json::parse_json;
pub use file::limits::{MAX_BYTES, MAX_DURATION_MS, MAX_REPLICATIONS};
pub use file::overrides::{OverrideError, parse_assignment, set_path};
pub use file::spec::{
    ArrivalKind, ArrivalSpec, ClientSpec, DistKind, DistSpec, LinkSpec, Mode, NetworkKind,
    RouteSpec, ScenarioSpec, StationSpec, Warmup, WorkloadSpec,
};
pub use report::rows::{ROW_COLUMNS, Row, csv_header};
pub use report::state::{
    ResourceState, RouteState, SweepError, decode_histogram, encode_histogram, merge_states,
};
pub use report::warnings::{SATURATED, UNSTABLE, Warning, WarningKind};
pub use report::{
    AuthCost, Difference, Estimate, HopReport, LatencyReport, PrecisionOn, PrecisionOutcome,
    RouteReport, RunReport, SCHEMA_VERSION, report, report_against,
};
pub use run::warmup::{PILOT_REPLICATION, WarmupError, resolve_auto_warmup};
pub use run::{Simulated, route_views, simulate};
