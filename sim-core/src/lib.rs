//! A deterministic discrete-event simulator of queueing networks.
//!
//! `sim-core` simulates messages (requests and, on round trips, their
//! responses) travelling along **routes** through **stations** (servers with
//! a FIFO queue and a service-time law) joined by **links** (a latency law
//! and an optional bandwidth). A station may appear several times on one
//! route: every visit shares its queue and servers. A station may limit the
//! rate of requests it accepts ([`RateLimit`], a token bucket): a request
//! beyond it is throttled, and fails unless the nested call it belongs to
//! retries ([`Retry`]). Every measured request ends completed, rejected,
//! timed out or failed. It knows nothing of any
//! particular network technology; higher layers compile their components
//! into these three concepts.
//!
//! A run is a set of independent **replications**, each a pure function of
//! (model, master seed, replication index). They run in parallel on rayon and
//! merge exactly: counters and time sums are integers, latency distributions
//! are HdrHistograms whose counts add. Memory is bounded by the model and the
//! number of messages in flight, never by the number of requests simulated.
//!
//! Each route normally has its own arrival process. A **mix**
//! ([`ModelBuilder::mix`]) makes the routes of one model share a single
//! arrival process instead, each arrival drawing its route by weight (e.g.
//! 70 % on one route, 30 % on another, through shared stations).
//!
//! Time is an integer number of nanoseconds ([`SimTime`]); the pending-event
//! list orders by (time, insertion sequence). Each random source draws from
//! its own ChaCha8 stream named after the source ([`rng::StreamId`]).
//!
//! ```text
//!   arrivals ──► origin ──link──► [station A] ──link──► [station B] ──► done
//!                  ▲                 queue+c             queue+c      │
//!                  └──────── response (round trip), reversed path ◄───┘
//! ```
//!
//! # Example: an M/M/1 queue
//!
//! A single server with exponential service of mean 1 ms, fed by Poisson
//! arrivals at 800 per second (load 0.8). Queueing theory says the mean time
//! in system is 1 / (μ − λ) = 5 ms.
//!
//! ```
//! use sim_core::{Arrivals, Dist, Model, RouteBuilder, RunOptions, Servers, Station, Workload};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let mut b = Model::builder();
//! let server = b.station(Station::new(
//!     "server",
//!     Servers::finite(1).unwrap(),
//!     Dist::exponential(1e6)?, // nanoseconds
//! ));
//! let work = Workload::new(Arrivals::poisson(800.0)?, 200_000).with_warmup(20_000);
//! b.route(RouteBuilder::new("only", work).station(server));
//! let model = b.build()?;
//!
//! let results = sim_core::run(&model, &RunOptions::new(42, 4))?;
//! let route = &results.routes()[0];
//! assert_eq!(route.offered(), 4 * 180_000);
//! assert_eq!(route.completed() + route.rejected(), route.offered());
//! assert!((route.mean_ms() - 5.0).abs() < 0.5, "mean {}", route.mean_ms());
//! let utilization = results.stations()[0].utilization().unwrap();
//! assert!((utilization - 0.8).abs() < 0.02);
//! # Ok(())
//! # }
//! ```
//!
//! # Where things are
//!
//! - The crate root holds the concepts: the model ([`Model`], built with
//!   [`ModelBuilder`] from [`Station`]s, [`Link`]s and [`RouteBuilder`]s,
//!   each route with a [`Workload`]), its laws ([`Dist`], [`Arrivals`]),
//!   time ([`SimTime`], [`SimDuration`]), running it ([`run()`],
//!   [`RunOptions`]) and what a run returns ([`RunResults`]), plus the
//!   errors of each step.
//! - [`stats`]: the per-route, per-hop and per-resource results inside
//!   [`RunResults`], and the estimators that read them (confidence
//!   intervals, paired differences, MSER warm-up detection), each with its
//!   reference.
//! - [`rng`]: the named random streams every source draws from.
//! - [`analytic`]: a queueing-theory estimate of a route's mean latency, to
//!   cross-check a simulation.
//!
//! # Determinism guarantees
//!
//! - Events at the same instant run in the order they were scheduled.
//! - Every random stream is keyed by (master seed, replication, source name),
//!   so results do not depend on thread count, scheduling, or the order
//!   in which components were added.
//! - Replications are merged in index order with integer arithmetic: the
//!   same model, seed and replication count give bit-identical results.
//!   They are merged as they finish (a small reorder buffer), so a run
//!   holds one replication's results per thread plus two, however many it
//!   runs.
//! - Durations are rounded to whole nanoseconds once, when a law is sampled;
//!   no floating-point time ever orders events.

pub mod analytic;
mod dist;
mod engine;
mod error;
mod model;
mod queue;
pub mod rng;
mod run;
pub mod stats;
mod time;

pub use dist::{Arrivals, Dist};
pub use error::{DistError, ModelError, RouteProblem, RunError};
pub use model::{
    CapacityChange, DEFAULT_MAX_IN_FLIGHT, Detour, Direction, Hop, Leg, Link, LinkId, Model,
    ModelBuilder, Pool, PoolId, RateLimit, Retry, Route, RouteBuilder, Servers, Serves, Setup,
    Station, StationId, Workload,
};
pub use run::{RunOptions, pilot_batch_means, run, run_with_progress, simulate_replication};
pub use stats::RunResults;
pub use time::{SimDuration, SimTime};

/// Internals exposed for the benchmarks only (feature `bench-internals`);
/// not a stable API.
#[cfg(feature = "bench-internals")]
#[doc(hidden)]
pub mod bench_internals {
    pub use crate::queue::EventList;
}
