//! Scenario files for aznetsim: parsing, validation and compilation into
//! `sim-core` models, and the results a run reports.
//!
//! A scenario file (JSON, described in `docs/design.md` and the README)
//! names nodes, the links between them and routes through them, plus the
//! workload each route carries. [`Scenario::load`] checks everything before
//! any simulation: an invalid scenario is a [`ScenarioError`] naming the
//! file, the JSON path of the offending value, and what would be valid.
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
//! let value = sim_scenarios::file::parse_json(Path::new("inline.json"), json).unwrap();
//! let scenario = Scenario::from_value(Path::new("inline.json"), value).unwrap();
//! let report = sim_scenarios::run(&scenario, 7, 2, &|| {}).unwrap();
//! let direct = &report.routes[0];
//! assert_eq!(direct.completed + direct.rejected, direct.offered);
//! // M/M/1 at load 0.5: 2 ms in the station, plus 0.5 ms on the link.
//! assert!((direct.latency_ms.mean.unwrap() - 2.5).abs() < 0.25);
//! ```
//!
//! # Where things live
//!
//! Six folders, each importing only from the folders below it (a test,
//! `tests/scenarios/layers.rs`, reads the sources and checks it):
//!
//! ```text
//!  experiment/  drivers: run, run to a precision, sweeps and shards, capacity
//!      │
//!  report/      what comes out: RunReport (the JSON wire format), one
//!      │        RouteSummary for every command, warnings, saved states, rows
//!  run/         simulating compiled scenarios (Simulated), auto warm-up
//!      │
//!  compile/     spec + Azure → sim-core models, one per route; the hop
//!      │        plan; the bound on the simulated horizon; what the
//!      │        topology pictures show
//!      │
//!  azure/       component kinds, TLS, networks, architecture checks, catalog
//!      │
//!  file/        the scenario file: JSON paths, --set, the serde mirror,
//!               laws and arrivals as sim-core types, the limit table and
//!               the name rule (knows no Azure)
//! ```
//!
//! The crate root holds the entry points ([`Scenario`], [`run`](fn@run),
//! [`simulate`], [`report`](fn@report), [`capacity`](fn@capacity), [`run_sweep`]); each
//! folder's public names are in its module.

pub mod azure;
pub mod compile;
mod error;
pub mod experiment;
pub mod file;
pub mod report;
pub mod run;
pub mod text;

pub use compile::Scenario;
pub use error::ScenarioError;
pub use experiment::{capacity, run, run_sweep};
pub use report::{RunReport, report};
pub use run::simulate;
