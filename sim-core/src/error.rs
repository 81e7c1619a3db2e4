//! Errors of model construction.

use thiserror::Error;

/// A probability law or arrival process was given impossible parameters.
#[derive(Clone, Debug, Error, PartialEq)]
#[error("{0}")]
pub struct DistError(pub(crate) String);

/// A model is inconsistent; returned by [`crate::ModelBuilder::build`] and
/// the route builder.
#[derive(Clone, Debug, Error, PartialEq)]
#[non_exhaustive]
pub enum ModelError {
    /// Two stations, links or routes share a name.
    #[error("{kind} name '{name}' is used twice; names must be unique")]
    DuplicateName {
        /// "station", "link" or "route".
        kind: &'static str,
        /// The repeated name.
        name: String,
    },
    /// A route has no hop that serves requests.
    #[error("route '{route}' visits no station; a route needs at least one station")]
    EmptyRoute {
        /// The route.
        route: String,
    },
    /// A route's origin (a hop without a station) is not its first hop.
    #[error("route '{route}': hop {hop} has no station; only the first hop may be a bare origin")]
    OriginNotFirst {
        /// The route.
        route: String,
        /// Index of the offending hop.
        hop: usize,
    },
    /// A link does not follow a hop (it starts the path or follows a link).
    #[error("route '{route}': a link must follow a station or the origin")]
    MisplacedLink {
        /// The route.
        route: String,
    },
    /// The last hop of a route has a link leading nowhere.
    #[error("route '{route}': the last hop has a link to a next hop that does not exist")]
    DanglingLink {
        /// The route.
        route: String,
    },
    /// A workload asks for no measured request.
    #[error(
        "route '{route}': warm-up ({warmup}) must be smaller than the request count ({requests})"
    )]
    WarmupTooLong {
        /// The route.
        route: String,
        /// Requests simulated per replication.
        requests: u64,
        /// Requests discarded as warm-up.
        warmup: u64,
    },
    /// An identifier refers to nothing in this model.
    #[error("unknown {kind} id {id}")]
    UnknownId {
        /// "station" or "link".
        kind: &'static str,
        /// The index.
        id: usize,
    },
    /// A bandwidth is not a positive, finite number.
    #[error("link '{link}': bandwidth must be finite and > 0 bit/s, got {bps}")]
    InvalidBandwidth {
        /// The link.
        link: String,
        /// The offending value \[bit/s\].
        bps: f64,
    },
    /// A per-byte service cost is negative or not finite.
    #[error("station '{station}': per-byte cost must be finite and >= 0 ns, got {ns_per_byte}")]
    InvalidPerByte {
        /// The station.
        station: String,
        /// The offending value \[ns/byte\].
        ns_per_byte: f64,
    },
    /// A route's set-ups or nested calls are inconsistent.
    #[error("route '{route}': {reason}")]
    InvalidRoute {
        /// The route.
        route: String,
        /// What is wrong.
        reason: String,
    },
    /// A per-packet cost is negative or not finite, or the packet size is 0.
    #[error(
        "station '{station}': per-packet cost must be finite and >= 0 ns with packets of at least 1 byte, got {ns_per_packet} ns per {mtu_bytes}-byte packet"
    )]
    InvalidPacketCost {
        /// The station.
        station: String,
        /// The offending cost \[ns/packet\].
        ns_per_packet: f64,
        /// The packet size \[bytes\].
        mtu_bytes: u32,
    },
    /// The weights of a mix (see [`crate::ModelBuilder::mix`]) are invalid.
    #[error("mix: {reason}")]
    InvalidMix {
        /// What is wrong.
        reason: String,
    },
    /// Two random sources hash to the same stream.
    #[error("random streams of '{a}' and '{b}' collide; rename one of them")]
    StreamCollision {
        /// First source.
        a: String,
        /// Second source.
        b: String,
    },
}

/// A run could not complete.
#[derive(Clone, Debug, Error, PartialEq)]
#[non_exhaustive]
pub enum RunError {
    /// Simulated time ran past the end of the engine's clock (about 584
    /// years): some law has an extreme tail or the model is unstable for
    /// centuries.
    #[error(
        "simulated time ran past {limit_years:.0} years in replication {replication}; a law with an extreme tail (e.g. pareto with a small shape) or a far overloaded station is the usual cause"
    )]
    TimeOverflow {
        /// The replication that overflowed.
        replication: u64,
        /// The clock's range in years.
        limit_years: f64,
    },
}
