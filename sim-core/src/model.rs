//! The queueing network a run simulates: stations, links, routes and their
//! workloads, and scheduled capacity changes.

use std::collections::BTreeMap;
use std::num::NonZeroU32;

use crate::dist::{Arrivals, Dist};
use crate::error::{ModelError, RouteProblem};
use crate::rng::StreamId;
use crate::time::{SimDuration, SimTime};

/// Index of a station in its model.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct StationId(pub(crate) u32);

/// Index of a link in its model.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct LinkId(pub(crate) u32);

/// Index of a token pool in its model.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PoolId(pub(crate) u32);

impl StationId {
    /// The index, for looking results up.
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

impl LinkId {
    /// The index, for looking results up.
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

impl PoolId {
    /// The index, for looking results up.
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

/// How many messages a station serves at once.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Servers {
    /// `c` identical servers sharing one FIFO queue.
    Finite(NonZeroU32),
    /// As many servers as there are messages: nobody ever waits.
    Unbounded,
}

impl Servers {
    /// `c` servers, or `None` if `c` is 0.
    pub fn finite(c: u32) -> Option<Self> {
        NonZeroU32::new(c).map(Servers::Finite)
    }

    /// The server count, `None` when unbounded.
    pub fn count(self) -> Option<u32> {
        match self {
            Servers::Finite(c) => Some(c.get()),
            Servers::Unbounded => None,
        }
    }
}

/// A service station: servers, a FIFO queue and a service-time law.
#[derive(Clone, Debug)]
pub struct Station {
    pub(crate) name: String,
    pub(crate) servers: Servers,
    pub(crate) queue_limit: Option<u32>,
    pub(crate) service_ns: Dist,
    pub(crate) response_service_ns: Option<Dist>,
    pub(crate) ns_per_byte: f64,
    /// Cost per packet \[ns\] and the packet size \[bytes\] messages are cut into.
    pub(crate) packet_cost: Option<(f64, u32)>,
    /// Pipeline latency after service \[ns\] (requests; responses unless
    /// `response_delay_ns` is set); it occupies no server.
    pub(crate) delay_ns: Option<Dist>,
    pub(crate) response_delay_ns: Option<Dist>,
    /// Outside the system under study (see [`Station::with_external`]).
    pub(crate) external: bool,
    pub(crate) rate_limit: Option<RateLimit>,
}

/// A limit on the rate of requests a station accepts: a token bucket of
/// `burst` tokens refilled at `per_s` tokens a second, each request taking
/// one. A request that finds the bucket empty is not served: it is
/// *throttled* (HTTP 429 in a web service) and goes on its way back at
/// once, without service. Responses are never limited.
///
/// It runs as the generic cell rate algorithm (GCRA, ITU-T I.371, the
/// "virtual scheduling" form), which is the token bucket stated in integer
/// time: a theoretical arrival time advances by `1/per_s` per accepted
/// request, and a request is refused when that time is more than
/// `(burst − 1)/per_s` ahead of now. It keeps one integer per station, needs
/// no timer event and no floating-point state, so it is exact and
/// deterministic; a sliding window would need the instants of the last
/// `burst` requests.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RateLimit {
    pub(crate) per_s: f64,
    pub(crate) burst: u32,
    pub(crate) retry_after_ns: Option<u64>,
}

impl RateLimit {
    /// `per_s` requests a second \[1/s\] on average, up to `burst` at once
    /// (checked when the model is built: `per_s` finite and > 0, `burst` ≥ 1).
    pub fn new(per_s: f64, burst: u32) -> Self {
        RateLimit { per_s, burst, retry_after_ns: None }
    }

    /// A throttled request carries a `Retry-After` of `after`: callers that
    /// honour it wait that long before they retry (see [`Retry`]).
    pub fn with_retry_after(mut self, after: SimDuration) -> Self {
        self.retry_after_ns = Some(after.as_nanos());
        self
    }

    /// The sustained rate \[1/s\].
    pub fn per_s(&self) -> f64 {
        self.per_s
    }

    /// The bucket's size \[requests\].
    pub fn burst(&self) -> u32 {
        self.burst
    }

    /// The `Retry-After` a throttled request carries, if any.
    pub fn retry_after(&self) -> Option<SimDuration> {
        self.retry_after_ns.map(SimDuration::from_nanos)
    }

    /// Time between two tokens \[ns\], at least 1.
    pub(crate) fn interval_ns(&self) -> u64 {
        crate::dist::round_u64(1e9 / self.per_s).max(1)
    }

    /// How far the theoretical arrival time may run ahead of now \[ns\]:
    /// `(burst − 1)` intervals.
    pub(crate) fn tolerance_ns(&self) -> u64 {
        self.interval_ns().saturating_mul(u64::from(self.burst.saturating_sub(1)))
    }
}

impl Station {
    /// A station named `name` with `servers` and service times drawn from
    /// `service_ns` \[ns\], an unlimited queue and no per-byte cost.
    pub fn new(name: impl Into<String>, servers: Servers, service_ns: Dist) -> Self {
        Station {
            name: name.into(),
            servers,
            queue_limit: None,
            service_ns,
            response_service_ns: None,
            ns_per_byte: 0.0,
            packet_cost: None,
            delay_ns: None,
            response_delay_ns: None,
            rate_limit: None,
            external: false,
        }
    }

    /// Marks the station external: a system the model is given as an
    /// input (the user's own service) rather than part of the system under
    /// study. It queues and serves as any station; in addition, a request's
    /// wait, service and pipeline delay here are left out of its route's
    /// platform latency ([`RouteStats::platform`](crate::stats::RouteStats::platform)),
    /// so the report can say what the rest of the path costs.
    pub fn with_external(mut self) -> Self {
        self.external = true;
        self
    }

    /// Whether the station is external ([`Station::with_external`]).
    pub fn is_external(&self) -> bool {
        self.external
    }

    /// Requests beyond `limit` are throttled (see [`RateLimit`]).
    pub fn with_rate_limit(mut self, limit: RateLimit) -> Self {
        self.rate_limit = Some(limit);
        self
    }

    /// The station's rate limit, if any.
    pub fn rate_limit(&self) -> Option<&RateLimit> {
        self.rate_limit.as_ref()
    }

    /// At most `limit` messages wait (not counting those in service); one
    /// more is rejected and counted.
    pub fn with_queue_limit(mut self, limit: u32) -> Self {
        self.queue_limit = Some(limit);
        self
    }

    /// Responses (on the way back of a round trip) take service times from
    /// `law` \[ns\] instead of the request law.
    pub fn with_response_service(mut self, law: Dist) -> Self {
        self.response_service_ns = Some(law);
        self
    }

    /// Adds `ns_per_byte` \[ns/byte\] times the message size to every service
    /// time.
    pub fn with_ns_per_byte(mut self, ns_per_byte: f64) -> Self {
        self.ns_per_byte = ns_per_byte;
        self
    }

    /// Adds `ns_per_packet` \[ns\] for every packet of the message, cut into
    /// packets of at most `mtu_bytes`: a packets-per-second limit.
    pub fn with_packet_cost(mut self, ns_per_packet: f64, mtu_bytes: u32) -> Self {
        self.packet_cost = Some((ns_per_packet, mtu_bytes));
        self
    }

    /// After service, messages are delayed by `law` \[ns\] without occupying
    /// a server: the latency of a pipeline (a firewall's or a gateway's
    /// processing) as opposed to its capacity. Reported as service time.
    /// Applies to responses too unless [`Station::with_response_delay`] is set.
    pub fn with_delay(mut self, law: Dist) -> Self {
        if self.response_delay_ns.is_none() {
            self.response_delay_ns = Some(law.clone());
        }
        self.delay_ns = Some(law);
        self
    }

    /// The pipeline latency of responses \[ns\] (see [`Station::with_delay`]).
    pub fn with_response_delay(mut self, law: Dist) -> Self {
        self.response_delay_ns = Some(law);
        self
    }

    /// The request pipeline latency \[ns\], if any.
    pub fn delay_ns(&self) -> Option<&Dist> {
        self.delay_ns.as_ref()
    }

    /// The response pipeline latency \[ns\], if any.
    pub fn response_delay_ns(&self) -> Option<&Dist> {
        self.response_delay_ns.as_ref()
    }

    /// Packets a message of `bytes` is cut into (none for an empty message).
    pub fn packets(&self, bytes: u64) -> u64 {
        match self.packet_cost {
            Some((_, mtu)) if mtu > 0 => bytes.div_ceil(u64::from(mtu)),
            _ => 0,
        }
    }

    /// The size-dependent part of a service time \[ns\]: per byte plus per
    /// packet.
    pub fn size_cost_ns(&self, bytes: u64) -> u64 {
        // Most stations have no size cost: skip the arithmetic (the result
        // would be a rounded 0 as well).
        if self.ns_per_byte == 0.0 && self.packet_cost.is_none() {
            return 0;
        }
        let per_byte = self.ns_per_byte * bytes as f64;
        let per_packet = self.packet_cost.map_or(0.0, |(ns, _)| ns * self.packets(bytes) as f64);
        crate::dist::round_u64(per_byte + per_packet)
    }

    /// The station's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Its servers at the start of a run.
    pub fn servers(&self) -> Servers {
        self.servers
    }

    /// Its queue limit, if any.
    pub fn queue_limit(&self) -> Option<u32> {
        self.queue_limit
    }

    /// The request service-time law \[ns\].
    pub fn service_ns(&self) -> &Dist {
        &self.service_ns
    }

    /// The response service-time law \[ns\] (the request law unless set).
    pub fn response_service_ns(&self) -> &Dist {
        self.response_service_ns.as_ref().unwrap_or(&self.service_ns)
    }

    /// The per-byte service cost \[ns/byte\].
    pub fn ns_per_byte(&self) -> f64 {
        self.ns_per_byte
    }

    pub(crate) fn stream(&self) -> StreamId {
        StreamId::named(&format!("station/{}", self.name), "service")
    }
}

/// A link between two hops: a one-way latency law and an optional bandwidth.
///
/// A link is full duplex: each direction has its own FIFO transmitter, which
/// serialises messages by size when a bandwidth is set.
#[derive(Clone, Debug)]
pub struct Link {
    pub(crate) name: String,
    pub(crate) latency_ns: Dist,
    pub(crate) bandwidth_bps: Option<f64>,
}

impl Link {
    /// A link with one-way latencies drawn from `latency_ns` \[ns\] and no
    /// bandwidth limit.
    pub fn new(name: impl Into<String>, latency_ns: Dist) -> Self {
        Link { name: name.into(), latency_ns, bandwidth_bps: None }
    }

    /// Serialises each message at `bps` \[bit/s\] before its latency.
    pub fn with_bandwidth_bps(mut self, bps: f64) -> Self {
        self.bandwidth_bps = Some(bps);
        self
    }

    /// The link's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The one-way latency law \[ns\].
    pub fn latency_ns(&self) -> &Dist {
        &self.latency_ns
    }

    /// The bandwidth \[bit/s\], if limited.
    pub fn bandwidth_bps(&self) -> Option<f64> {
        self.bandwidth_bps
    }

    pub(crate) fn stream(&self) -> StreamId {
        StreamId::named(&format!("link/{}", self.name), "latency")
    }
}

/// A concurrency limit spanning a segment of a route: at most `capacity`
/// messages hold one of its tokens at once; the next waits, first come
/// first served, until one is given back (e.g. a proxy's pool of
/// connections to one backend).
///
/// A route takes a token when a request leaves the hop that holds the pool
/// ([`RouteBuilder::hold`]) and gives it back when its response reaches that
/// hop again, so the token spans everything in between: links, downstream
/// stations and their queues. Several routes holding one pool share its
/// tokens. The time a request waits for a token is its hop's pool wait
/// ([`HopStats::pool_wait_ms_mean`](crate::stats::HopStats::pool_wait_ms_mean)),
/// and the pool's occupancy is reported like a station's
/// ([`RunResults::pools`](crate::RunResults::pools)).
#[derive(Clone, Debug)]
pub struct Pool {
    pub(crate) name: String,
    pub(crate) capacity: NonZeroU32,
}

impl Pool {
    /// A pool named `name` of `capacity` tokens.
    pub fn new(name: impl Into<String>, capacity: NonZeroU32) -> Self {
        Pool { name: name.into(), capacity }
    }

    /// The pool's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Its tokens.
    pub fn capacity(&self) -> u32 {
        self.capacity.get()
    }
}

/// Which way a message crosses a link.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    /// From the link's first end to its second.
    Forward,
    /// From the second end to the first.
    Backward,
}

impl Direction {
    fn reversed(self) -> Self {
        match self {
            Direction::Forward => Direction::Backward,
            Direction::Backward => Direction::Forward,
        }
    }

    fn index(self) -> u32 {
        match self {
            Direction::Forward => 0,
            Direction::Backward => 1,
        }
    }
}

/// The requests a route carries in each replication.
#[derive(Clone, Debug)]
pub struct Workload {
    pub(crate) arrivals: Arrivals,
    pub(crate) requests: u64,
    pub(crate) warmup: u64,
    pub(crate) request_bytes: Dist,
    pub(crate) response_bytes: Dist,
    pub(crate) round_trip: bool,
    pub(crate) stream_name: Option<String>,
    pub(crate) max_in_flight: u64,
}

/// Messages of one route a replication holds in flight at once before the
/// overload guard stops it (see [`Workload::with_max_in_flight`]): about
/// 165 MB per replication at ~165 bytes per message.
pub const DEFAULT_MAX_IN_FLIGHT: u64 = 1_000_000;

impl Workload {
    /// `requests` arrivals per replication from `arrivals`, one way, of
    /// size 0, none discarded as warm-up.
    pub fn new(arrivals: Arrivals, requests: u64) -> Self {
        let zero = Dist::constant(0.0).expect("0 is a valid constant");
        Workload {
            arrivals,
            requests,
            warmup: 0,
            request_bytes: zero.clone(),
            response_bytes: zero,
            round_trip: false,
            stream_name: None,
            max_in_flight: DEFAULT_MAX_IN_FLIGHT,
        }
    }

    /// The first `warmup` arrivals are simulated but not measured.
    pub fn with_warmup(mut self, warmup: u64) -> Self {
        self.warmup = warmup;
        self
    }

    /// Request sizes \[bytes\].
    pub fn with_request_bytes(mut self, law: Dist) -> Self {
        self.request_bytes = law;
        self
    }

    /// Response sizes \[bytes\].
    pub fn with_response_bytes(mut self, law: Dist) -> Self {
        self.response_bytes = law;
        self
    }

    /// Whether a response travels back along the reversed path.
    pub fn with_round_trip(mut self, round_trip: bool) -> Self {
        self.round_trip = round_trip;
        self
    }

    /// Names the random streams of arrivals and message sizes after
    /// `name` instead of the route. Routes of *different* models whose
    /// workloads share a name see the same arrival instants and sizes in
    /// each replication (common random numbers): their differences are
    /// then due to the routes, not to the demand. Two routes of one model
    /// must not share a name (they would collide, see [`ModelError`]).
    pub fn with_stream_name(mut self, name: impl Into<String>) -> Self {
        self.stream_name = Some(name.into());
        self
    }

    /// The arrival process.
    pub fn arrivals(&self) -> &Arrivals {
        &self.arrivals
    }

    /// Request sizes \[bytes\].
    pub fn request_bytes(&self) -> &Dist {
        &self.request_bytes
    }

    /// Response sizes \[bytes\].
    pub fn response_bytes(&self) -> &Dist {
        &self.response_bytes
    }

    /// Arrivals per replication, warm-up included.
    pub fn requests(&self) -> u64 {
        self.requests
    }

    /// Arrivals discarded as warm-up.
    pub fn warmup(&self) -> u64 {
        self.warmup
    }

    /// Whether responses travel back.
    pub fn is_round_trip(&self) -> bool {
        self.round_trip
    }

    /// The overload guard: a replication in which more than `limit`
    /// requests of this route are in flight at once (arrived, neither
    /// completed nor rejected: waiting, in service or on a link) stops
    /// there, because the route cannot carry its load and its queue would
    /// grow without bound (memory with it). Its figures so far are kept;
    /// the route's [`RouteStats::overload_stops`](crate::stats::RouteStats::overload_stops)
    /// counts such replications and its in-flight measured requests are
    /// [`unfinished`](crate::stats::RouteStats::unfinished). Default
    /// [`DEFAULT_MAX_IN_FLIGHT`]; in a mix, the first route's limit applies
    /// to every route.
    pub fn with_max_in_flight(mut self, limit: u64) -> Self {
        self.max_in_flight = limit;
        self
    }

    /// The overload guard's limit (see [`Workload::with_max_in_flight`]).
    pub fn max_in_flight(&self) -> u64 {
        self.max_in_flight
    }
}

/// Which messages of a round trip a station serves at one hop of a route:
/// a device that only one direction of the traffic crosses (a gateway that
/// the return traffic bypasses) serves one of them; the other walks past it
/// at no cost.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Serves {
    /// Requests and responses (every station unless told otherwise).
    #[default]
    Both,
    /// Requests only: responses bypass it.
    Requests,
    /// Responses only: requests bypass it.
    Responses,
    /// Neither: both directions bypass it (it stays on the path, and in
    /// the per-hop statistics, with no time).
    Neither,
}

impl Serves {
    /// The value for the two directions: whether requests, and whether
    /// responses, are served.
    pub fn of(requests: bool, responses: bool) -> Self {
        match (requests, responses) {
            (true, true) => Serves::Both,
            (true, false) => Serves::Requests,
            (false, true) => Serves::Responses,
            (false, false) => Serves::Neither,
        }
    }

    /// Whether requests are served.
    pub fn has_requests(self) -> bool {
        matches!(self, Serves::Both | Serves::Requests)
    }

    /// Whether responses are served.
    pub fn has_responses(self) -> bool {
        matches!(self, Serves::Both | Serves::Responses)
    }
}

/// One position on a route: a station (or the bare origin) and the link to
/// the next position.
#[derive(Clone, Debug)]
pub struct Hop {
    pub(crate) name: String,
    pub(crate) station: Option<StationId>,
    pub(crate) serves: Serves,
    pub(crate) link: Option<(LinkId, Direction)>,
    pub(crate) setup: Option<Setup>,
    pub(crate) detours: Vec<Detour>,
    pub(crate) pool: Option<PoolId>,
    pub(crate) added_request_bytes: u64,
}

impl Hop {
    /// The hop's name (the station's, or the origin's).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The station served at this hop; `None` for a bare origin.
    pub fn station(&self) -> Option<StationId> {
        self.station
    }

    /// Which messages the hop's station serves (on the path and on the
    /// reversed path of a round trip; an explicit return path names its
    /// own stations).
    pub fn serves(&self) -> Serves {
        self.serves
    }

    /// The link to the next hop and the direction it is crossed in.
    pub fn link(&self) -> Option<(LinkId, Direction)> {
        self.link
    }

    /// The connection set-up a request may pay before leaving this hop.
    pub fn setup(&self) -> Option<&Setup> {
        self.setup.as_ref()
    }

    /// The nested calls this hop may make before passing a request on.
    pub fn detours(&self) -> &[Detour] {
        &self.detours
    }

    /// The token pool a request holds from leaving this hop until its
    /// response is back (see [`RouteBuilder::hold`]).
    pub fn pool(&self) -> Option<PoolId> {
        self.pool
    }

    /// Bytes the hop adds to every request it passes on (a header a proxy
    /// inserts): requests are this much larger from its link on.
    pub fn added_request_bytes(&self) -> u64 {
        self.added_request_bytes
    }
}

/// A new connection a request may have to open before it leaves a hop: a
/// TCP and/or TLS handshake with the next terminator on the path.
///
/// With probability `probability` (1 − the connection-reuse ratio) the
/// request waits `delay_ns` (the handshake's round trips) before crossing
/// the hop's link, and the terminating station, when it serves that request,
/// spends `cpu_ns` more (the server side of the handshake). Both are
/// reported apart: the wait as the hop's handshake time, the CPU inside the
/// terminator's service time (it occupies a server).
#[derive(Clone, Debug)]
pub struct Setup {
    pub(crate) probability: f64,
    pub(crate) delay_ns: Dist,
    pub(crate) terminator: Option<(u16, Dist)>,
}

impl Setup {
    /// A set-up needed with `probability`, costing `delay_ns` \[ns\] of waiting.
    pub fn new(probability: f64, delay_ns: Dist) -> Self {
        Setup { probability, delay_ns, terminator: None }
    }

    /// The station at hop `hop` (later on the path) terminates the
    /// connection and spends `cpu_ns` \[ns\] of service on each new one.
    pub fn with_terminator_cpu(mut self, hop: usize, cpu_ns: Dist) -> Self {
        self.terminator = Some((u16::try_from(hop).unwrap_or(u16::MAX), cpu_ns));
        self
    }

    /// Probability that a request needs a new connection.
    pub fn probability(&self) -> f64 {
        self.probability
    }

    /// The waiting a new connection costs \[ns\].
    pub fn delay_ns(&self) -> &Dist {
        &self.delay_ns
    }

    /// The terminating hop and the CPU it spends per new connection \[ns\].
    pub fn terminator_cpu(&self) -> Option<(usize, &Dist)> {
        self.terminator.as_ref().map(|(h, d)| (usize::from(*h), d))
    }
}

/// A nested call a hop makes, with some probability, after serving a
/// request and before passing it on: e.g. a token exchange with an identity
/// provider, through a firewall. The call walks its own path out to its
/// last station and back along the reversed path, through the same
/// stations and links as everything else (it loads them), and its whole
/// duration is reported as the hop's sub-call time.
#[derive(Clone, Debug)]
pub struct Detour {
    pub(crate) name: String,
    pub(crate) probability: f64,
    pub(crate) legs: Vec<Leg>,
    pub(crate) request_bytes: u64,
    pub(crate) response_bytes: u64,
    /// The callee's service law for this call \[ns\], instead of its own.
    pub(crate) callee_service_ns: Option<Dist>,
    pub(crate) retry: Option<Retry>,
    pub(crate) failure_probability: f64,
    pub(crate) timeout_ns: Option<u64>,
}

/// How a caller retries a nested call that failed: throttled by a
/// [`RateLimit`], failed by chance ([`Detour::with_failure_probability`])
/// or timed out ([`Detour::with_timeout`]). Each retry walks the call's
/// whole path again (it loads every station and link of the call once
/// more); a request whose call still fails after the last retry fails.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Retry {
    pub(crate) retries: u32,
    pub(crate) interval_ns: u64,
    pub(crate) honour_retry_after: bool,
}

impl Retry {
    /// At most `retries` more attempts, each `interval` after the failure.
    pub fn new(retries: u32, interval: SimDuration) -> Self {
        Retry { retries, interval_ns: interval.as_nanos(), honour_retry_after: false }
    }

    /// After a throttled attempt, wait the station's `Retry-After` (when it
    /// sends one) instead of the interval.
    pub fn honouring_retry_after(mut self, honour: bool) -> Self {
        self.honour_retry_after = honour;
        self
    }

    /// Retries after the first attempt.
    pub fn retries(&self) -> u32 {
        self.retries
    }

    /// The wait before a retry \[ns\].
    pub fn interval(&self) -> SimDuration {
        SimDuration::from_nanos(self.interval_ns)
    }

    /// Whether a throttled attempt waits the `Retry-After` instead.
    pub fn honours_retry_after(&self) -> bool {
        self.honour_retry_after
    }
}

/// One leg of a [`Detour`]'s outbound path.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Leg {
    /// Cross a link in a direction.
    Link(LinkId, Direction),
    /// Be served at a station.
    Station(StationId),
}

impl Detour {
    /// A call named `name` (unique within its hop) made with `probability`.
    pub fn new(name: impl Into<String>, probability: f64) -> Self {
        Detour {
            name: name.into(),
            probability,
            legs: Vec::new(),
            request_bytes: 0,
            response_bytes: 0,
            callee_service_ns: None,
            retry: None,
            failure_probability: 0.0,
            timeout_ns: None,
        }
    }

    /// The call's last station serves it with service times from `law`
    /// \[ns\] instead of its own law: another operation of the same server
    /// (e.g. an identity provider's key endpoint beside its token endpoint).
    /// The station's servers and queue are shared as usual.
    pub fn with_callee_service(mut self, law: Dist) -> Self {
        self.callee_service_ns = Some(law);
        self
    }

    /// A failed attempt (throttled, failed or timed out) is retried by
    /// `retry`; without one, the request fails with its first failed
    /// attempt.
    pub fn with_retry(mut self, retry: Retry) -> Self {
        self.retry = Some(retry);
        self
    }

    /// Each attempt that was not throttled fails with `probability` when
    /// its answer comes back (an error of the callee, e.g. HTTP 5xx).
    pub fn with_failure_probability(mut self, probability: f64) -> Self {
        self.failure_probability = probability;
        self
    }

    /// The caller stops waiting for an attempt `timeout` after it started:
    /// the attempt fails then (and is retried or fails the request), while
    /// its walk goes on to its end, still loading what it crosses.
    pub fn with_timeout(mut self, timeout: SimDuration) -> Self {
        self.timeout_ns = Some(timeout.as_nanos());
        self
    }

    /// The callee's service law for this call, if it has its own.
    pub fn callee_service_ns(&self) -> Option<&Dist> {
        self.callee_service_ns.as_ref()
    }

    /// The retry policy, if any.
    pub fn retry(&self) -> Option<&Retry> {
        self.retry.as_ref()
    }

    /// Probability that an attempt fails when its answer comes back.
    pub fn failure_probability(&self) -> f64 {
        self.failure_probability
    }

    /// The caller's timeout of one attempt, if any.
    pub fn timeout(&self) -> Option<SimDuration> {
        self.timeout_ns.map(SimDuration::from_nanos)
    }

    /// Crosses `link` in `direction` on the way out.
    pub fn link(mut self, link: LinkId, direction: Direction) -> Self {
        self.legs.push(Leg::Link(link, direction));
        self
    }

    /// Is served at `station` on the way out.
    pub fn station(mut self, station: StationId) -> Self {
        self.legs.push(Leg::Station(station));
        self
    }

    /// The call's request and response sizes \[bytes\].
    pub fn with_bytes(mut self, request: u64, response: u64) -> Self {
        self.request_bytes = request;
        self.response_bytes = response;
        self
    }

    /// The call's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Probability that a request makes the call.
    pub fn probability(&self) -> f64 {
        self.probability
    }

    /// Its outbound legs.
    pub fn legs(&self) -> &[Leg] {
        &self.legs
    }

    /// Its request and response sizes \[bytes\].
    pub fn bytes(&self) -> (u64, u64) {
        (self.request_bytes, self.response_bytes)
    }
}

/// A route under construction: a path of hops and the workload it carries.
#[derive(Clone, Debug)]
pub struct RouteBuilder {
    name: String,
    workload: Workload,
    hops: Vec<PendingHop>,
    misplaced_link: bool,
    timeout: Option<SimDuration>,
    return_legs: Option<Vec<Leg>>,
}

#[derive(Clone, Debug)]
enum PendingHop {
    Origin(String),
    Station(StationId, Serves),
    Link(LinkId, Direction),
    Setup(Setup),
    Detour(Detour),
    Hold(PoolId),
    AddRequestBytes(u64),
}

impl RouteBuilder {
    /// A route named `name` carrying `workload`.
    pub fn new(name: impl Into<String>, workload: Workload) -> Self {
        RouteBuilder {
            name: name.into(),
            workload,
            hops: Vec::new(),
            misplaced_link: false,
            timeout: None,
            return_legs: None,
        }
    }

    /// Starts the path at a bare origin (a client that serves nothing).
    pub fn origin(mut self, name: impl Into<String>) -> Self {
        self.hops.push(PendingHop::Origin(name.into()));
        self
    }

    /// Visits `station`.
    pub fn station(mut self, station: StationId) -> Self {
        self.hops.push(PendingHop::Station(station, Serves::Both));
        self
    }

    /// Visits `station`, which serves only the messages `serves` names;
    /// the others pass it at no cost (e.g. a gateway that one direction of
    /// the traffic bypasses).
    pub fn station_serving(mut self, station: StationId, serves: Serves) -> Self {
        self.hops.push(PendingHop::Station(station, serves));
        self
    }

    /// The hop added last pays `setup` (with its probability) before it
    /// passes a request on.
    pub fn setup(mut self, setup: Setup) -> Self {
        self.hops.push(PendingHop::Setup(setup));
        self
    }

    /// The hop added last makes `detour` (with its probability) after
    /// serving a request; several detours run in the order given.
    pub fn detour(mut self, detour: Detour) -> Self {
        self.hops.push(PendingHop::Detour(detour));
        self
    }

    /// The hop added last takes a token of `pool` before it passes a request
    /// on (after its nested calls, before its connection set-up: a new
    /// connection is one of the pool's) and gives it back when the response
    /// reaches this hop again, before the hop serves the response. On a one-way
    /// route, or a return path that does not visit the hop, the token is
    /// given back when the request leaves the route. A request that finds
    /// every token taken waits, first come first served.
    pub fn hold(mut self, pool: PoolId) -> Self {
        self.hops.push(PendingHop::Hold(pool));
        self
    }

    /// The hop added last adds `bytes` to every request it passes on (e.g.
    /// a proxy inserting an `Authorization` header): from its link on, the
    /// request is that much larger on every link and station that charges
    /// per byte or per packet. Responses keep their size. Given twice, the
    /// amounts add up.
    pub fn add_request_bytes(mut self, bytes: u64) -> Self {
        self.hops.push(PendingHop::AddRequestBytes(bytes));
        self
    }

    /// Responses (of a round trip) return along `legs` instead of the
    /// reversed path: links and stations from the destination back to the
    /// origin, e.g. through another firewall. Time on a return station is
    /// reported at that station's hop on the path (the destination's hop
    /// for a station the request did not visit); a link's time at the hop
    /// of the station it leaves.
    pub fn with_return_path(mut self, legs: Vec<Leg>) -> Self {
        self.return_legs = Some(legs);
        self
    }

    /// Requests still in flight `timeout` after they arrived fail: they are
    /// counted as timed out, not completed (e.g. a gateway's
    /// forward-request timeout). Their work is still done.
    pub fn with_timeout(mut self, timeout: SimDuration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// Crosses `link` in `direction` to reach the next hop.
    pub fn link(mut self, link: LinkId, direction: Direction) -> Self {
        let last_hop_or_link = self.hops.iter().rev().find(|p| {
            !matches!(
                p,
                PendingHop::Setup(_)
                    | PendingHop::Detour(_)
                    | PendingHop::Hold(_)
                    | PendingHop::AddRequestBytes(_)
            )
        });
        if !matches!(last_hop_or_link, Some(PendingHop::Origin(_) | PendingHop::Station(..))) {
            self.misplaced_link = true;
        }
        self.hops.push(PendingHop::Link(link, direction));
        self
    }
}

/// One step of a message's walk along a compiled route.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Step {
    /// Service at a station; `response` selects the response law and size.
    /// `detour` is the index (in the route's detour list) of the nested
    /// call this step belongs to, or `NO_DETOUR`.
    Visit { station: u32, hop: u16, response: bool, detour: u16 },
    /// Crossing one direction of a link: transmitter index `link * 2 + dir`.
    Cross { tx: u32, hop: u16, response: bool, detour: u16 },
    /// A possible new connection: index into the route's set-ups.
    Setup { hop: u16, index: u16 },
    /// A possible nested call: index into the route's detours; when the call
    /// is not made, the walk skips the `skip` steps that follow.
    Branch { hop: u16, index: u16, skip: u16 },
    /// Take a token of pool `pool` for hop `hop` (wait if none is free).
    Acquire { hop: u16, pool: u32 },
    /// Give back the token taken at hop `hop`, if the message holds it.
    Release { hop: u16 },
    /// The request grows by `bytes` as hop `hop` passes it on.
    AddRequestBytes { hop: u16, bytes: u64 },
}

/// `detour` value of a step on the main path.
pub(crate) const NO_DETOUR: u16 = u16::MAX;

/// A validated route.
#[derive(Clone, Debug)]
pub struct Route {
    pub(crate) name: String,
    pub(crate) hops: Vec<Hop>,
    pub(crate) workload: Workload,
    /// Forward steps, then (round trip) the steps back to the origin.
    pub(crate) steps: Vec<Step>,
    /// Every set-up, in path order: (hop, set-up).
    pub(crate) setups: Vec<(u16, Setup)>,
    /// Every detour, in path order: (hop, detour).
    pub(crate) detours: Vec<(u16, Detour)>,
    pub(crate) timeout_ns: Option<u64>,
    pub(crate) return_legs: Option<Vec<Leg>>,
    /// Hops at an external station (bit = hop; at most [`MAX_HOPS`]).
    pub(crate) external_hops: u64,
}

impl Route {
    /// The route's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Its hops, origin first.
    pub fn hops(&self) -> &[Hop] {
        &self.hops
    }

    /// Its workload.
    pub fn workload(&self) -> &Workload {
        &self.workload
    }

    /// The component name of the route's demand streams: its workload's
    /// stream name if set (common random numbers across models), else the
    /// route's own.
    fn demand_source(&self) -> String {
        match &self.workload.stream_name {
            Some(n) => format!("workload/{n}"),
            None => format!("route/{}", self.name),
        }
    }

    pub(crate) fn arrival_stream(&self) -> StreamId {
        StreamId::named(&self.demand_source(), "arrivals")
    }

    pub(crate) fn size_stream(&self) -> StreamId {
        StreamId::named(&self.demand_source(), "sizes")
    }

    /// A hop named by role: its node and how many times the path visited
    /// that node before. With a shared workload stream name, the same node
    /// on different routes (the client, APIM) draws its connection and call
    /// decisions from the same stream: common random numbers again.
    fn hop_source(&self, hop: u16) -> String {
        let name = &self.hops[usize::from(hop)].name;
        let occurrence = self.hops[..usize::from(hop)].iter().filter(|h| h.name == *name).count();
        format!("{}/node/{name}/{occurrence}", self.demand_source())
    }

    pub(crate) fn setup_stream(&self, hop: u16) -> StreamId {
        StreamId::named(&self.hop_source(hop), "setup")
    }

    pub(crate) fn detour_stream(&self, hop: u16, name: &str) -> StreamId {
        StreamId::named(&format!("{}/detour/{name}", self.hop_source(hop)), "branch")
    }

    /// The explicit return path of responses, if any (else they take the
    /// reversed path).
    pub fn return_path(&self) -> Option<&[Leg]> {
        self.return_legs.as_deref()
    }

    /// Requests still in flight this long after arrival time out.
    pub fn timeout(&self) -> Option<SimDuration> {
        self.timeout_ns.map(SimDuration::from_nanos)
    }
}

/// A scheduled change of a station's server count (autoscaling, failure,
/// failover). Messages in service finish; the new count applies to the
/// messages that start service afterwards.
#[derive(Clone, Copy, Debug)]
pub struct CapacityChange {
    /// When the change takes effect.
    pub at: SimTime,
    /// Which station.
    pub station: StationId,
    /// Its new servers.
    pub servers: Servers,
}

/// A validated, immutable queueing network ready to simulate.
#[derive(Clone, Debug)]
pub struct Model {
    pub(crate) stations: Vec<Station>,
    pub(crate) links: Vec<Link>,
    pub(crate) pools: Vec<Pool>,
    pub(crate) routes: Vec<Route>,
    pub(crate) changes: Vec<CapacityChange>,
    /// Route weights when the routes share one arrival process (see
    /// [`ModelBuilder::mix`]); `None` when each route has its own.
    pub(crate) mix: Option<Vec<f64>>,
}

impl Model {
    /// Starts an empty model.
    pub fn builder() -> ModelBuilder {
        ModelBuilder::default()
    }

    /// Its stations, by [`StationId`] index.
    pub fn stations(&self) -> &[Station] {
        &self.stations
    }

    /// Its links, by [`LinkId`] index.
    pub fn links(&self) -> &[Link] {
        &self.links
    }

    /// Its token pools, by [`PoolId`] index.
    pub fn pools(&self) -> &[Pool] {
        &self.pools
    }

    /// Its routes, in the order they were added.
    pub fn routes(&self) -> &[Route] {
        &self.routes
    }

    /// Scheduled capacity changes, in time order.
    pub fn capacity_changes(&self) -> &[CapacityChange] {
        &self.changes
    }

    /// The route weights of a mixed model (one per route, in route order),
    /// `None` when every route has its own arrival process. See
    /// [`ModelBuilder::mix`].
    pub fn mix_weights(&self) -> Option<&[f64]> {
        self.mix.as_deref()
    }

    /// The stream of a mixed model's shared arrival process.
    pub(crate) fn mix_arrival_stream() -> StreamId {
        StreamId::named("mix", "arrivals")
    }

    /// The stream that draws which route each arrival of a mixed model takes.
    pub(crate) fn mix_choice_stream() -> StreamId {
        StreamId::named("mix", "choice")
    }
}

/// Collects stations, links and routes, then validates them into a [`Model`].
#[derive(Debug, Default)]
pub struct ModelBuilder {
    stations: Vec<Station>,
    links: Vec<Link>,
    pools: Vec<Pool>,
    routes: Vec<RouteBuilder>,
    changes: Vec<CapacityChange>,
    mix: Option<Vec<f64>>,
}

impl ModelBuilder {
    /// Adds a station and returns its id.
    pub fn station(&mut self, station: Station) -> StationId {
        self.stations.push(station);
        StationId((self.stations.len() - 1) as u32)
    }

    /// Adds a link and returns its id.
    pub fn link(&mut self, link: Link) -> LinkId {
        self.links.push(link);
        LinkId((self.links.len() - 1) as u32)
    }

    /// Adds a token pool and returns its id (see [`Pool`]).
    pub fn pool(&mut self, pool: Pool) -> PoolId {
        self.pools.push(pool);
        PoolId((self.pools.len() - 1) as u32)
    }

    /// Adds a route.
    pub fn route(&mut self, route: RouteBuilder) -> &mut Self {
        self.routes.push(route);
        self
    }

    /// Makes the routes share one arrival process: each arrival takes route
    /// `i` with probability `weights[i] / Σ weights` (e.g. 70 % of the
    /// traffic on one route, 30 % on another, through shared stations).
    ///
    /// All routes then carry the **first** route's workload as one stream:
    /// its arrival process, its request count and its warm-up count arrivals
    /// over all routes together (the first `warmup` arrivals, whichever route
    /// they take, are not measured). The other routes' arrival processes,
    /// request and warm-up counts are ignored; each route keeps its own
    /// request and response sizes, round-trip flag, set-ups and nested
    /// calls. Offered, completed and rejected requests are counted per route.
    ///
    /// Checked by [`ModelBuilder::build`]: one weight per route, each finite
    /// and ≥ 0 (a route of weight 0 carries nothing), with a positive sum.
    /// Calling it again replaces the weights.
    pub fn mix(&mut self, weights: Vec<f64>) -> &mut Self {
        self.mix = Some(weights);
        self
    }

    /// Changes `station`'s servers at `at`.
    pub fn schedule_servers(
        &mut self,
        at: SimTime,
        station: StationId,
        servers: Servers,
    ) -> &mut Self {
        self.changes.push(CapacityChange { at, station, servers });
        self
    }

    /// Validates everything and freezes the model.
    ///
    /// # Errors
    ///
    /// Fails on repeated names, routes without a station, misplaced origins
    /// or links, unknown ids, warm-ups not shorter than the request count,
    /// invalid bandwidths or per-byte costs, invalid mix weights, and
    /// colliding random streams.
    pub fn build(self) -> Result<Model, ModelError> {
        unique_names("station", self.stations.iter().map(|s| s.name.as_str()))?;
        unique_names("link", self.links.iter().map(|l| l.name.as_str()))?;
        unique_names("pool", self.pools.iter().map(|p| p.name.as_str()))?;
        unique_names("route", self.routes.iter().map(|r| r.name.as_str()))?;
        for s in &self.stations {
            if !(s.ns_per_byte.is_finite() && s.ns_per_byte >= 0.0) {
                return Err(ModelError::InvalidPerByte {
                    station: s.name.clone(),
                    ns_per_byte: s.ns_per_byte,
                });
            }
            if let Some((ns_per_packet, mtu_bytes)) = s.packet_cost
                && !(ns_per_packet.is_finite() && ns_per_packet >= 0.0 && mtu_bytes > 0)
            {
                return Err(ModelError::InvalidPacketCost {
                    station: s.name.clone(),
                    ns_per_packet,
                    mtu_bytes,
                });
            }
            if let Some(l) = &s.rate_limit
                && !(l.per_s.is_finite() && l.per_s > 0.0 && l.burst >= 1)
            {
                return Err(ModelError::InvalidRateLimit {
                    station: s.name.clone(),
                    per_s: l.per_s,
                    burst: l.burst,
                });
            }
        }
        for l in &self.links {
            if let Some(bps) = l.bandwidth_bps
                && !(bps.is_finite() && bps > 0.0)
            {
                return Err(ModelError::InvalidBandwidth { link: l.name.clone(), bps });
            }
        }
        for c in &self.changes {
            self.check_station(c.station)?;
        }
        if let Some(weights) = &self.mix {
            check_mix(weights, self.routes.len())?;
        }
        // In a mix, only the first route's workload sets the arrivals, the
        // request count and the warm-up.
        let routes = self
            .routes
            .iter()
            .enumerate()
            .map(|(i, r)| self.compile_route(r, i == 0 || self.mix.is_none()))
            .collect::<Result<Vec<_>, _>>()?;
        let mut changes = self.changes;
        changes.sort_by_key(|c| c.at);
        let model = Model {
            stations: self.stations,
            links: self.links,
            pools: self.pools,
            routes,
            changes,
            mix: self.mix,
        };
        check_streams(&model)?;
        Ok(model)
    }

    fn check_station(&self, id: StationId) -> Result<(), ModelError> {
        if id.index() < self.stations.len() {
            Ok(())
        } else {
            Err(ModelError::UnknownId { kind: "station", id: id.index() })
        }
    }

    /// Validates one route; `own_arrivals` is false for the routes of a mix
    /// after the first, whose arrival counts are not used.
    fn compile_route(&self, r: &RouteBuilder, own_arrivals: bool) -> Result<Route, ModelError> {
        let invalid =
            |reason: RouteProblem| ModelError::InvalidRoute { route: r.name.clone(), reason };
        if r.misplaced_link {
            return Err(ModelError::MisplacedLink { route: r.name.clone() });
        }
        let mut hops: Vec<Hop> = Vec::new();
        let new_hop = |name: String, station, serves| Hop {
            name,
            station,
            serves,
            link: None,
            setup: None,
            detours: Vec::new(),
            pool: None,
            added_request_bytes: 0,
        };
        for p in &r.hops {
            match p {
                PendingHop::Origin(name) => {
                    if !hops.is_empty() {
                        return Err(ModelError::OriginNotFirst {
                            route: r.name.clone(),
                            hop: hops.len(),
                        });
                    }
                    hops.push(new_hop(name.clone(), None, Serves::Both));
                }
                PendingHop::Station(id, serves) => {
                    self.check_station(*id)?;
                    hops.push(new_hop(self.stations[id.index()].name.clone(), Some(*id), *serves));
                }
                PendingHop::Link(id, dir) => {
                    self.check_link(*id)?;
                    let last = hops.last_mut().expect("checked by RouteBuilder::link");
                    last.link = Some((*id, *dir));
                }
                PendingHop::Setup(setup) => {
                    let at = hops
                        .len()
                        .checked_sub(1)
                        .ok_or_else(|| invalid(RouteProblem::SetupBeforeHop))?;
                    check_probability(setup.probability).map_err(&invalid)?;
                    if let Some((t, _)) = &setup.terminator {
                        let t = usize::from(*t);
                        let ok = r.hops.iter().filter(|p| {
                            matches!(p, PendingHop::Origin(_) | PendingHop::Station(..))
                        });
                        // The handshake CPU is spent when the terminator
                        // serves the request: it must.
                        let is_station = ok.clone().nth(t).is_some_and(
                            |p| matches!(p, PendingHop::Station(_, s) if s.has_requests()),
                        );
                        if t <= at || !is_station {
                            return Err(invalid(RouteProblem::TerminatorNotLater {
                                hop: at,
                                terminator: t,
                            }));
                        }
                    }
                    let hop = &mut hops[at];
                    if hop.setup.replace(setup.clone()).is_some() {
                        return Err(invalid(RouteProblem::TwoSetups { hop: at }));
                    }
                }
                PendingHop::Detour(d) => {
                    let at = hops
                        .len()
                        .checked_sub(1)
                        .ok_or_else(|| invalid(RouteProblem::NestedCallBeforeHop))?;
                    check_probability(d.probability).map_err(&invalid)?;
                    check_probability(d.failure_probability).map_err(&invalid)?;
                    if !d.legs.iter().any(|l| matches!(l, Leg::Station(_))) {
                        return Err(invalid(RouteProblem::NestedCallWithoutStation {
                            call: d.name.clone(),
                        }));
                    }
                    for leg in &d.legs {
                        match *leg {
                            Leg::Link(l, _) => self.check_link(l)?,
                            Leg::Station(s) => self.check_station(s)?,
                        }
                    }
                    self.check_limited_station_last(d).map_err(&invalid)?;
                    if hops[at].detours.iter().any(|x| x.name == d.name) {
                        return Err(invalid(RouteProblem::DuplicateNestedCall {
                            hop: at,
                            call: d.name.clone(),
                        }));
                    }
                    hops[at].detours.push(d.clone());
                }
                PendingHop::AddRequestBytes(bytes) => {
                    let last = hops
                        .last_mut()
                        .ok_or_else(|| invalid(RouteProblem::AddedBytesBeforeHop))?;
                    last.added_request_bytes = last.added_request_bytes.saturating_add(*bytes);
                }
                PendingHop::Hold(pool) => {
                    if pool.index() >= self.pools.len() {
                        return Err(ModelError::UnknownId { kind: "pool", id: pool.index() });
                    }
                    let at = hops
                        .len()
                        .checked_sub(1)
                        .ok_or_else(|| invalid(RouteProblem::HoldBeforeHop))?;
                    if hops[at].pool.replace(*pool).is_some() {
                        return Err(invalid(RouteProblem::TwoHolds { hop: at }));
                    }
                }
            }
        }
        if hops.iter().all(|h| h.station.is_none()) {
            return Err(ModelError::EmptyRoute { route: r.name.clone() });
        }
        if hops.last().is_some_and(|h| h.link.is_some()) {
            return Err(ModelError::DanglingLink { route: r.name.clone() });
        }
        if hops.len() > usize::from(MAX_HOPS) {
            return Err(invalid(RouteProblem::TooManyHops { hops: hops.len(), max: MAX_HOPS }));
        }
        let w = &r.workload;
        if own_arrivals && w.warmup >= w.requests {
            return Err(ModelError::WarmupTooLong {
                route: r.name.clone(),
                requests: w.requests,
                warmup: w.warmup,
            });
        }
        let mut setups = Vec::new();
        let mut detours = Vec::new();
        for (i, h) in hops.iter().enumerate() {
            if let Some(s) = &h.setup {
                setups.push((i as u16, s.clone()));
            }
            for d in &h.detours {
                detours.push((i as u16, d.clone()));
            }
        }
        if let Some(legs) = &r.return_legs {
            if !w.round_trip {
                return Err(invalid(RouteProblem::ReturnPathOneWay));
            }
            for leg in legs {
                match *leg {
                    Leg::Link(l, _) => self.check_link(l)?,
                    Leg::Station(s) => self.check_station(s)?,
                }
            }
            let ends_at_origin = match hops[0].station {
                Some(s) => legs.last() == Some(&Leg::Station(s)),
                None => matches!(legs.last(), Some(Leg::Link(..))),
            };
            if !ends_at_origin {
                return Err(invalid(RouteProblem::ReturnPathNotToOrigin));
            }
        }
        let steps = compile_steps(&hops, w.round_trip, r.return_legs.as_deref());
        let external_hops = hops
            .iter()
            .enumerate()
            .filter(|(_, h)| h.station.is_some_and(|s| self.stations[s.index()].external))
            .fold(0u64, |mask, (i, _)| mask | (1 << i));
        Ok(Route {
            name: r.name.clone(),
            hops,
            workload: r.workload.clone(),
            steps,
            setups,
            detours,
            timeout_ns: r.timeout.map(SimDuration::as_nanos),
            return_legs: r.return_legs.clone(),
            external_hops,
        })
    }

    /// A rate-limited station in a nested call is its last station: a
    /// throttled attempt turns back there, which is where the call's walk
    /// turns back anyway.
    fn check_limited_station_last(&self, d: &Detour) -> Result<(), RouteProblem> {
        let stations: Vec<StationId> = d
            .legs
            .iter()
            .filter_map(|l| match *l {
                Leg::Station(s) => Some(s),
                Leg::Link(..) => None,
            })
            .collect();
        let before_last = &stations[..stations.len().saturating_sub(1)];
        match before_last.iter().find(|s| self.stations[s.index()].rate_limit.is_some()) {
            Some(s) => Err(RouteProblem::RateLimitNotLast {
                call: d.name.clone(),
                station: self.stations[s.index()].name.clone(),
            }),
            None => Ok(()),
        }
    }

    fn check_link(&self, id: LinkId) -> Result<(), ModelError> {
        if id.index() < self.links.len() {
            Ok(())
        } else {
            Err(ModelError::UnknownId { kind: "link", id: id.index() })
        }
    }
}

/// Most hops a route may have: pending handshake CPU is tracked in a 64-bit
/// mask per message.
pub(crate) const MAX_HOPS: u16 = 64;

/// One finite weight ≥ 0 per route, with a positive sum.
fn check_mix(weights: &[f64], routes: usize) -> Result<(), ModelError> {
    let invalid = |reason: String| Err(ModelError::InvalidMix { reason });
    if weights.len() != routes {
        return invalid(format!(
            "{} weights for {routes} routes; give one per route",
            weights.len()
        ));
    }
    if let Some((i, w)) = weights.iter().enumerate().find(|(_, w)| !(w.is_finite() && **w >= 0.0)) {
        return invalid(format!("weight {i} must be finite and >= 0, got {w}"));
    }
    let sum: f64 = weights.iter().sum();
    if !(sum > 0.0 && sum.is_finite()) {
        return invalid(format!("the weights must have a positive, finite sum, got {sum}"));
    }
    Ok(())
}

fn check_probability(p: f64) -> Result<(), RouteProblem> {
    if (0.0..=1.0).contains(&p) {
        Ok(())
    } else {
        Err(RouteProblem::Probability { probability: p })
    }
}

fn tx_index((link, dir): (LinkId, Direction)) -> u32 {
    link.0 * 2 + dir.index()
}

/// The walk of one message: every hop forward (with its set-up before its
/// link, and its nested calls after its service), then (round trip) every
/// hop but the last backward, crossing each link in the reverse direction
/// and using the response service law.
fn compile_steps(hops: &[Hop], round_trip: bool, return_legs: Option<&[Leg]>) -> Vec<Step> {
    let mut steps = Vec::new();
    let (mut n_setup, mut n_detour) = (0u16, 0u16);
    for (i, h) in hops.iter().enumerate() {
        let hop = i as u16;
        if let Some(s) = h.station.filter(|_| h.serves.has_requests()) {
            steps.push(Step::Visit { station: s.0, hop, response: false, detour: NO_DETOUR });
        }
        for d in &h.detours {
            let body = detour_steps(d, hop, n_detour);
            steps.push(Step::Branch { hop, index: n_detour, skip: body.len() as u16 });
            steps.extend(body);
            n_detour += 1;
        }
        if let Some(pool) = h.pool {
            steps.push(Step::Acquire { hop, pool: pool.0 });
        }
        if h.setup.is_some() {
            steps.push(Step::Setup { hop, index: n_setup });
            n_setup += 1;
        }
        if h.added_request_bytes > 0 {
            steps.push(Step::AddRequestBytes { hop, bytes: h.added_request_bytes });
        }
        if let Some(l) = h.link {
            steps.push(Step::Cross { tx: tx_index(l), hop, response: false, detour: NO_DETOUR });
        }
    }
    if let Some(legs) = return_legs {
        let mut hop = (hops.len() - 1) as u16;
        for leg in legs {
            match *leg {
                Leg::Link(link, dir) => {
                    let tx = tx_index((link, dir));
                    steps.push(Step::Cross { tx, hop, response: true, detour: NO_DETOUR });
                }
                Leg::Station(s) => {
                    hop = hops.iter().position(|h| h.station == Some(s)).unwrap_or(hops.len() - 1)
                        as u16;
                    if hops[usize::from(hop)].pool.is_some() {
                        steps.push(Step::Release { hop });
                    }
                    steps.push(Step::Visit {
                        station: s.0,
                        hop,
                        response: true,
                        detour: NO_DETOUR,
                    });
                }
            }
        }
    } else if round_trip {
        for (i, h) in hops.iter().enumerate().rev().skip(1) {
            let hop = i as u16;
            if let Some((link, dir)) = h.link {
                let tx = tx_index((link, dir.reversed()));
                steps.push(Step::Cross { tx, hop, response: true, detour: NO_DETOUR });
            }
            if h.pool.is_some() {
                steps.push(Step::Release { hop });
            }
            if let Some(s) = h.station.filter(|_| h.serves.has_responses()) {
                steps.push(Step::Visit { station: s.0, hop, response: true, detour: NO_DETOUR });
            }
        }
    }
    steps
}

/// A nested call's walk: its legs out, then back in reverse up to (not
/// including) the station that made the call; the last station is served
/// once.
fn detour_steps(d: &Detour, hop: u16, index: u16) -> Vec<Step> {
    let leg = |l: &Leg, response: bool| match *l {
        Leg::Link(link, dir) => {
            let dir = if response { dir.reversed() } else { dir };
            Step::Cross { tx: tx_index((link, dir)), hop, response, detour: index }
        }
        Leg::Station(s) => Step::Visit { station: s.0, hop, response, detour: index },
    };
    let last_station = d.legs.iter().rposition(|l| matches!(l, Leg::Station(_))).expect("checked");
    let mut steps: Vec<Step> = d.legs[..=last_station].iter().map(|l| leg(l, false)).collect();
    steps.extend(d.legs[..last_station].iter().rev().map(|l| leg(l, true)));
    steps
}

fn unique_names<'a>(
    kind: &'static str,
    names: impl Iterator<Item = &'a str>,
) -> Result<(), ModelError> {
    let mut seen = std::collections::BTreeSet::new();
    for n in names {
        if !seen.insert(n) {
            return Err(ModelError::DuplicateName { kind, name: n.to_string() });
        }
    }
    Ok(())
}

fn check_streams(m: &Model) -> Result<(), ModelError> {
    let mut seen: BTreeMap<StreamId, String> = BTreeMap::new();
    // A mix has one arrival stream and one route choice instead of one
    // arrival stream per route.
    let mixed = m.mix.is_some();
    let mix_streams = [
        (Model::mix_arrival_stream(), "mix arrivals".to_string()),
        (Model::mix_choice_stream(), "mix route choice".to_string()),
    ];
    let sources = m
        .stations
        .iter()
        .map(|s| (s.stream(), format!("station {}", s.name)))
        .chain(m.links.iter().map(|l| (l.stream(), format!("link {}", l.name))))
        .chain(mix_streams.into_iter().filter(|_| mixed))
        .chain(m.routes.iter().flat_map(|r| {
            (!mixed)
                .then(|| (r.arrival_stream(), format!("route {} arrivals", r.name)))
                .into_iter()
                .chain([(r.size_stream(), format!("route {} sizes", r.name))])
                .chain(r.setups.iter().map(|(hop, _)| {
                    (r.setup_stream(*hop), format!("route {} hop {hop} set-up", r.name))
                }))
                .chain(r.detours.iter().map(|(hop, d)| {
                    (
                        r.detour_stream(*hop, &d.name),
                        format!("route {} hop {hop} call {}", r.name, d.name),
                    )
                }))
        }));
    for (id, who) in sources {
        if let Some(prev) = seen.insert(id, who.clone()) {
            return Err(ModelError::StreamCollision { a: prev, b: who });
        }
    }
    Ok(())
}
