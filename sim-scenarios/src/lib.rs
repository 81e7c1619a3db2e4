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
mod capacity;
mod compile;
mod error;
mod overrides;
mod precision;
mod report;
mod routes;
mod spec;
mod sweep;
mod warmup;
mod warnings;

mod catalog;
pub use catalog::{
    FIGURES, Figure, SOURCES, Source, Tag, figure, markdown_table, source, try_figure, value,
};

pub use analytic::{erlang_c, mean_latency_ms};
pub use azure::{Kind, NODE_KINDS, ONPREM_CA, PUBLIC_CA};
pub use capacity::{CapacityReport, Probe, RouteCapacity, Search, Slo, SloMetric, capacity};
pub use compile::{MAX_BYTES, MAX_DURATION_MS, MAX_REPLICATIONS, Scenario, parse_json};
pub use error::ScenarioError;
pub use overrides::{OverrideError, parse_assignment, set_path};
pub use precision::{PrecisionOn, PrecisionOutcome, simulate_to_precision};
pub use report::{
    AuthCost, Difference, Estimate, HopReport, LatencyReport, RouteReport, RunReport,
    SCHEMA_VERSION, Simulated, report, report_against, route_views, run, simulate,
};
pub use routes::{CompiledRoute, Finding, HopPlan, Severity};
pub use spec::{
    ArrivalKind, ArrivalSpec, ClientSpec, DistKind, DistSpec, LinkSpec, Mode, NetworkKind,
    RouteSpec, ScenarioSpec, StationSpec, Warmup, WorkloadSpec,
};
pub use sweep::{
    MAX_POINTS, PointError, ROW_COLUMNS, ResourceState, RouteState, Row, Shard, SweepError, Vary,
    csv_header, decode_histogram, encode_histogram, grid, merge_states, run_sweep,
};
pub use warmup::{PILOT_REPLICATION, WarmupError, resolve_auto_warmup};
pub use warnings::{SATURATED, UNSTABLE, Warning, WarningKind};
