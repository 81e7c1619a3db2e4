//! Errors of model construction.

use thiserror::Error;

/// A probability law or arrival process was given impossible parameters;
/// returned by the constructors of [`crate::Dist`] and [`crate::Arrivals`].
#[derive(Clone, Debug, Error, PartialEq)]
#[non_exhaustive]
pub enum DistError {
    /// A parameter that must be finite and >= 0 is not.
    #[error("{parameter} must be finite and >= 0, got {value}")]
    NotNonNegative {
        /// The parameter's name, e.g. `"value"` or `"sd"`.
        parameter: &'static str,
        /// The offending value.
        value: f64,
    },
    /// A parameter that must be finite and > 0 is not.
    #[error("{parameter} must be finite and > 0, got {value}")]
    NotPositive {
        /// The parameter's name, e.g. `"mean"` or `"shape"`.
        parameter: &'static str,
        /// The offending value.
        value: f64,
    },
    /// A probability that is not in \[0, 1\].
    #[error("{parameter} must be from 0 to 1, got {value}")]
    NotProbability {
        /// The parameter's name (`"spike probability"`).
        parameter: &'static str,
        /// The offending value.
        value: f64,
    },
    /// A factor that must be finite and at least 1 is not.
    #[error("{parameter} must be finite and >= 1, got {value}")]
    BelowOne {
        /// The parameter's name (`"spike factor"`).
        parameter: &'static str,
        /// The offending value.
        value: f64,
    },
    /// A parameter that must be finite is not.
    #[error("{parameter} must be finite, got {value}")]
    NotFinite {
        /// The parameter's name (`"mu"`).
        parameter: &'static str,
        /// The offending value.
        value: f64,
    },
    /// A uniform law's bounds are the wrong way round.
    #[error("low ({low}) must not exceed high ({high})")]
    LowAboveHigh {
        /// The lower bound.
        low: f64,
        /// The upper bound.
        high: f64,
    },
    /// A lognormal's mean `exp(mu + sigma²/2)` would overflow.
    #[error("mu and sigma give a mean that overflows")]
    MeanOverflows {
        /// Mean of the logarithm.
        mu: f64,
        /// Standard deviation of the logarithm.
        sigma: f64,
    },
    /// A lognormal fit was asked for a p99 below its mean.
    #[error("p99 ({p99}) is below the mean ({mean}); a lognormal's p99 is at least its mean")]
    P99BelowMean {
        /// The requested mean.
        mean: f64,
        /// The requested 99th percentile.
        p99: f64,
    },
    /// A lognormal fit was asked for a p99 above `exp(z²/2) ≈ 14.97` times
    /// its mean, which no lognormal reaches.
    #[error(
        "p99 ({p99}) is {:.2} times the mean ({mean}); no lognormal has p99 above {:.2} times its mean: lower p99 or give mu/sigma",
        .p99 / .mean,
        .max_ratio
    )]
    P99AboveMean {
        /// The requested mean.
        mean: f64,
        /// The requested 99th percentile.
        p99: f64,
        /// The largest p99 / mean ratio a lognormal has.
        max_ratio: f64,
    },
    /// An Erlang law was asked for `k = 0` phases.
    #[error("k must be at least 1")]
    ZeroErlangPhases,
    /// An empirical table has fewer than two points.
    #[error("an empirical table needs at least two points")]
    TooFewPoints,
    /// An empirical table does not start at percentile 0.
    #[error("the first percentile must be 0")]
    FirstPercentileNotZero,
    /// An empirical table does not end at percentile 100.
    #[error("the last percentile must be 100")]
    LastPercentileNotHundred,
    /// An empirical table has a percentile that is not finite.
    #[error("percentiles must be finite")]
    PercentileNotFinite,
    /// An empirical table's percentiles do not increase strictly.
    #[error("percentiles must increase strictly ({previous} then {next})")]
    PercentilesNotIncreasing {
        /// The earlier percentile.
        previous: f64,
        /// The one after it.
        next: f64,
    },
    /// An empirical table's values decrease.
    #[error("values must not decrease ({previous} then {next})")]
    ValuesDecreasing {
        /// The earlier value.
        previous: f64,
        /// The one after it.
        next: f64,
    },
    /// An arrival rate is not finite, > 0 and at most 10⁹ per second.
    #[error("rate must be finite, > 0 and at most 1e9 per second, got {rate_per_s}")]
    InvalidRate {
        /// The offending rate \[1/s\].
        rate_per_s: f64,
    },
    /// An MMPP state's rate is not finite, >= 0 and at most 10⁹ per second.
    #[error("rates must be finite, >= 0 and at most 1e9 per second, got {rate_per_s}")]
    InvalidStateRate {
        /// The offending rate \[1/s\].
        rate_per_s: f64,
    },
    /// Every state of an MMPP has rate 0, so nothing ever arrives.
    #[error("at least one rate must be > 0")]
    NoPositiveRate,
    /// The sampling library refused parameters that passed the checks above
    /// (e.g. a gamma scale `mean / shape` that overflows); its message.
    #[error("{0}")]
    Sampler(String),
}

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
    /// A rate limit's rate is not a positive, finite number or its burst is 0.
    #[error(
        "station '{station}': a rate limit needs a finite rate > 0 per second and a burst >= 1, got {per_s}/s with burst {burst}"
    )]
    InvalidRateLimit {
        /// The station.
        station: String,
        /// The offending rate \[1/s\].
        per_s: f64,
        /// The offending burst.
        burst: u32,
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
    /// A route's set-ups, nested calls or return path are inconsistent.
    #[error("route '{route}': {reason}")]
    InvalidRoute {
        /// The route.
        route: String,
        /// What is wrong.
        reason: RouteProblem,
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

/// What is wrong with a route, in [`ModelError::InvalidRoute`].
#[derive(Clone, Debug, Error, PartialEq)]
#[non_exhaustive]
pub enum RouteProblem {
    /// A connection set-up comes before any hop.
    #[error("a connection set-up must follow a hop")]
    SetupBeforeHop,
    /// A nested call comes before any hop.
    #[error("a nested call must follow a hop")]
    NestedCallBeforeHop,
    /// A set-up's or nested call's probability is outside \[0, 1\].
    #[error("a probability must be between 0 and 1, got {probability}")]
    Probability {
        /// The offending probability.
        probability: f64,
    },
    /// A set-up's terminator is not a station after the hop that opens it.
    #[error(
        "hop {hop}: the connection's terminator must be a station later on the path, got hop {terminator}"
    )]
    TerminatorNotLater {
        /// Index of the hop opening the connection.
        hop: usize,
        /// Index of the hop named as terminator.
        terminator: usize,
    },
    /// One hop has two connection set-ups.
    #[error("hop {hop} has two connection set-ups")]
    TwoSetups {
        /// Index of the hop.
        hop: usize,
    },
    /// A pool hold comes before any hop.
    #[error("a token pool must be held by a hop; add the hop before the hold")]
    HoldBeforeHop,
    /// Added request bytes come before any hop.
    #[error("bytes are added to requests by a hop; add the hop before add_request_bytes")]
    AddedBytesBeforeHop,
    /// One hop holds two token pools.
    #[error("hop {hop} holds two token pools; a hop holds at most one")]
    TwoHolds {
        /// Index of the hop.
        hop: usize,
    },
    /// A nested call visits no station.
    #[error("nested call '{call}' visits no station")]
    NestedCallWithoutStation {
        /// The nested call.
        call: String,
    },
    /// One hop has two nested calls of the same name.
    #[error("hop {hop} has two nested calls named '{call}'")]
    DuplicateNestedCall {
        /// Index of the hop.
        hop: usize,
        /// The repeated name.
        call: String,
    },
    /// The route has more hops than the engine tracks.
    #[error("{hops} hops; at most {max} are supported")]
    TooManyHops {
        /// The route's hop count.
        hops: usize,
        /// The most supported.
        max: u16,
    },
    /// A rate-limited station comes before a nested call's last station.
    #[error(
        "nested call '{call}': station '{station}' has a rate limit but is not the call's last station; only the station that answers a call may throttle it"
    )]
    RateLimitNotLast {
        /// The nested call.
        call: String,
        /// The rate-limited station.
        station: String,
    },
    /// A return path is given for a one-way workload.
    #[error("a return path needs a round-trip workload")]
    ReturnPathOneWay,
    /// A return path does not end where the route starts.
    #[error(
        "a return path must end at the route's origin (a link into a bare origin, or the first station)"
    )]
    ReturnPathNotToOrigin,
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

#[cfg(test)]
mod tests {
    use super::*;

    /// The texts callers print: pinned, so a typed variant never changes one.
    #[test]
    fn route_problems_keep_their_messages() {
        let msg = |reason| ModelError::InvalidRoute { route: "r".into(), reason }.to_string();
        assert_eq!(
            msg(RouteProblem::TerminatorNotLater { hop: 2, terminator: 1 }),
            "route 'r': hop 2: the connection's terminator must be a station later on the path, got hop 1"
        );
        assert_eq!(
            msg(RouteProblem::Probability { probability: 1.5 }),
            "route 'r': a probability must be between 0 and 1, got 1.5"
        );
        assert_eq!(
            msg(RouteProblem::DuplicateNestedCall { hop: 0, call: "idp".into() }),
            "route 'r': hop 0 has two nested calls named 'idp'"
        );
        assert_eq!(
            msg(RouteProblem::NestedCallWithoutStation { call: "idp".into() }),
            "route 'r': nested call 'idp' visits no station"
        );
        assert_eq!(
            msg(RouteProblem::TooManyHops { hops: 65, max: 64 }),
            "route 'r': 65 hops; at most 64 are supported"
        );
        assert_eq!(
            msg(RouteProblem::TwoHolds { hop: 1 }),
            "route 'r': hop 1 holds two token pools; a hop holds at most one"
        );
        assert_eq!(
            msg(RouteProblem::ReturnPathNotToOrigin),
            "route 'r': a return path must end at the route's origin (a link into a bare origin, or the first station)"
        );
    }
}
