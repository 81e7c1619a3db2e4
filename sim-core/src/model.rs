//! The queueing network a run simulates: stations, links, routes and their
//! workloads, and scheduled capacity changes.

use std::collections::BTreeMap;
use std::num::NonZeroU32;

use crate::dist::{Arrivals, Dist};
use crate::error::ModelError;
use crate::rng::StreamId;
use crate::time::SimTime;

/// Index of a station in its model.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct StationId(pub(crate) u32);

/// Index of a link in its model.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct LinkId(pub(crate) u32);

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
        }
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
}

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

    /// The arrival process.
    pub fn arrivals(&self) -> &Arrivals {
        &self.arrivals
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
}

/// One position on a route: a station (or the bare origin) and the link to
/// the next position.
#[derive(Clone, Debug)]
pub struct Hop {
    pub(crate) name: String,
    pub(crate) station: Option<StationId>,
    pub(crate) link: Option<(LinkId, Direction)>,
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

    /// The link to the next hop and the direction it is crossed in.
    pub fn link(&self) -> Option<(LinkId, Direction)> {
        self.link
    }
}

/// A route under construction: a path of hops and the workload it carries.
#[derive(Clone, Debug)]
pub struct RouteBuilder {
    name: String,
    workload: Workload,
    hops: Vec<PendingHop>,
    misplaced_link: bool,
}

#[derive(Clone, Debug)]
enum PendingHop {
    Origin(String),
    Station(StationId),
    Link(LinkId, Direction),
}

impl RouteBuilder {
    /// A route named `name` carrying `workload`.
    pub fn new(name: impl Into<String>, workload: Workload) -> Self {
        RouteBuilder { name: name.into(), workload, hops: Vec::new(), misplaced_link: false }
    }

    /// Starts the path at a bare origin (a client that serves nothing).
    pub fn origin(mut self, name: impl Into<String>) -> Self {
        self.hops.push(PendingHop::Origin(name.into()));
        self
    }

    /// Visits `station`.
    pub fn station(mut self, station: StationId) -> Self {
        self.hops.push(PendingHop::Station(station));
        self
    }

    /// Crosses `link` in `direction` to reach the next hop.
    pub fn link(mut self, link: LinkId, direction: Direction) -> Self {
        if !matches!(self.hops.last(), Some(PendingHop::Origin(_) | PendingHop::Station(_))) {
            self.misplaced_link = true;
        }
        self.hops.push(PendingHop::Link(link, direction));
        self
    }
}

/// One step of a message's walk along a compiled route.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Step {
    /// Service at a station; `response` selects the response law.
    Visit { station: u32, hop: u16, response: bool },
    /// Crossing one direction of a link: transmitter index `link * 2 + dir`;
    /// `response` selects the response size.
    Cross { tx: u32, hop: u16, response: bool },
}

/// A validated route.
#[derive(Clone, Debug)]
pub struct Route {
    pub(crate) name: String,
    pub(crate) hops: Vec<Hop>,
    pub(crate) workload: Workload,
    /// Forward steps, then (round trip) the steps back to the origin.
    pub(crate) steps: Vec<Step>,
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

    pub(crate) fn arrival_stream(&self) -> StreamId {
        StreamId::named(&format!("route/{}", self.name), "arrivals")
    }

    pub(crate) fn size_stream(&self) -> StreamId {
        StreamId::named(&format!("route/{}", self.name), "sizes")
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
    pub(crate) routes: Vec<Route>,
    pub(crate) changes: Vec<CapacityChange>,
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

    /// Its routes, in the order they were added.
    pub fn routes(&self) -> &[Route] {
        &self.routes
    }

    /// Scheduled capacity changes, in time order.
    pub fn capacity_changes(&self) -> &[CapacityChange] {
        &self.changes
    }
}

/// Collects stations, links and routes, then validates them into a [`Model`].
#[derive(Debug, Default)]
pub struct ModelBuilder {
    stations: Vec<Station>,
    links: Vec<Link>,
    routes: Vec<RouteBuilder>,
    changes: Vec<CapacityChange>,
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

    /// Adds a route.
    pub fn route(&mut self, route: RouteBuilder) -> &mut Self {
        self.routes.push(route);
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
    /// invalid bandwidths or per-byte costs, and colliding random streams.
    pub fn build(self) -> Result<Model, ModelError> {
        unique_names("station", self.stations.iter().map(|s| s.name.as_str()))?;
        unique_names("link", self.links.iter().map(|l| l.name.as_str()))?;
        unique_names("route", self.routes.iter().map(|r| r.name.as_str()))?;
        for s in &self.stations {
            if !(s.ns_per_byte.is_finite() && s.ns_per_byte >= 0.0) {
                return Err(ModelError::InvalidPerByte {
                    station: s.name.clone(),
                    ns_per_byte: s.ns_per_byte,
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
        let routes =
            self.routes.iter().map(|r| self.compile_route(r)).collect::<Result<Vec<_>, _>>()?;
        let mut changes = self.changes;
        changes.sort_by_key(|c| c.at);
        let model = Model { stations: self.stations, links: self.links, routes, changes };
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

    fn compile_route(&self, r: &RouteBuilder) -> Result<Route, ModelError> {
        if r.misplaced_link {
            return Err(ModelError::MisplacedLink { route: r.name.clone() });
        }
        let mut hops: Vec<Hop> = Vec::new();
        for p in &r.hops {
            match p {
                PendingHop::Origin(name) => {
                    if !hops.is_empty() {
                        return Err(ModelError::OriginNotFirst {
                            route: r.name.clone(),
                            hop: hops.len(),
                        });
                    }
                    hops.push(Hop { name: name.clone(), station: None, link: None });
                }
                PendingHop::Station(id) => {
                    self.check_station(*id)?;
                    let name = self.stations[id.index()].name.clone();
                    hops.push(Hop { name, station: Some(*id), link: None });
                }
                PendingHop::Link(id, dir) => {
                    if id.index() >= self.links.len() {
                        return Err(ModelError::UnknownId { kind: "link", id: id.index() });
                    }
                    let last = hops.last_mut().expect("checked by RouteBuilder::link");
                    last.link = Some((*id, *dir));
                }
            }
        }
        if hops.iter().all(|h| h.station.is_none()) {
            return Err(ModelError::EmptyRoute { route: r.name.clone() });
        }
        if hops.last().is_some_and(|h| h.link.is_some()) {
            return Err(ModelError::DanglingLink { route: r.name.clone() });
        }
        let w = &r.workload;
        if w.warmup >= w.requests {
            return Err(ModelError::WarmupTooLong {
                route: r.name.clone(),
                requests: w.requests,
                warmup: w.warmup,
            });
        }
        let steps = compile_steps(&hops, w.round_trip);
        Ok(Route { name: r.name.clone(), hops, workload: r.workload.clone(), steps })
    }
}

/// The walk of one message: every hop forward, then (round trip) every hop
/// but the last backward, crossing each link in the reverse direction and
/// using the response service law.
fn compile_steps(hops: &[Hop], round_trip: bool) -> Vec<Step> {
    let tx = |(link, dir): (LinkId, Direction)| link.0 * 2 + dir.index();
    let mut steps = Vec::new();
    for (i, h) in hops.iter().enumerate() {
        let hop = i as u16;
        if let Some(s) = h.station {
            steps.push(Step::Visit { station: s.0, hop, response: false });
        }
        if let Some(l) = h.link {
            steps.push(Step::Cross { tx: tx(l), hop, response: false });
        }
    }
    if round_trip {
        for (i, h) in hops.iter().enumerate().rev().skip(1) {
            let hop = i as u16;
            if let Some((link, dir)) = h.link {
                steps.push(Step::Cross { tx: tx((link, dir.reversed())), hop, response: true });
            }
            if let Some(s) = h.station {
                steps.push(Step::Visit { station: s.0, hop, response: true });
            }
        }
    }
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
    let sources = m
        .stations
        .iter()
        .map(|s| (s.stream(), format!("station {}", s.name)))
        .chain(m.links.iter().map(|l| (l.stream(), format!("link {}", l.name))))
        .chain(m.routes.iter().flat_map(|r| {
            [
                (r.arrival_stream(), format!("route {} arrivals", r.name)),
                (r.size_stream(), format!("route {} sizes", r.name)),
            ]
        }));
    for (id, who) in sources {
        if let Some(prev) = seen.insert(id, who.clone()) {
            return Err(ModelError::StreamCollision { a: prev, b: who });
        }
    }
    Ok(())
}
