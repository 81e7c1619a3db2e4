//! One replication: the event loop.

use std::collections::VecDeque;

use rand::RngExt;

use crate::dist::{ArrivalClock, Dist};
use crate::error::RunError;
use crate::model::{Leg, Model, NO_DETOUR, Servers, Step, Workload};
use crate::queue::EventList;
use crate::rng::{StreamId, StreamRng, stream_rng};
use crate::stats::{REPORTED_QUANTILES, ResourceStats, RouteStats, RunResults};
use crate::time::SimTime;

/// What happens at an instant. Indices keep the event small (12 bytes).
#[derive(Clone, Copy, Debug)]
enum Event {
    /// The next request of route `.0` arrives at its origin.
    Arrival(u32),
    /// The next request of a mixed model arrives; it draws its route.
    MixArrival,
    /// Message `.0` reaches its current step (after a link latency).
    Reach(u32),
    /// Station `.0` finishes serving message `.1`.
    ServiceDone(u32, u32),
    /// Transmitter `.0` finishes serialising message `.1`.
    TransmitDone(u32, u32),
    /// Capacity change `.0` of the model takes effect.
    Capacity(u32),
    /// The caller of message `.0`'s nested call stops waiting for attempt
    /// `.1` (its timeout).
    CallTimeout(u32, u32),
}

/// Time components a message accumulates at one hop \[ns\].
#[derive(Clone, Copy, Debug, Default)]
struct HopTimes {
    wait: u64,
    service: u64,
    link: u64,
    serialization: u64,
    /// Waiting for new connections (handshake round trips).
    handshake: u64,
    /// Nested calls made by this hop, start to end.
    subcall: u64,
    /// Waiting for a token of the hop's pool.
    pool_wait: u64,
}

#[derive(Clone, Copy, Debug)]
struct Message {
    route: u32,
    /// Index into the route's steps; `steps.len()` means done.
    step: u32,
    measured: bool,
    born_ns: u64,
    /// When the message joined its current queue.
    enqueued_ns: u64,
    request_bytes: u64,
    response_bytes: u64,
    /// Hops whose station owes handshake CPU for this message (bit = hop).
    pending_cpu: u64,
    /// When the nested call in progress started.
    detour_start_ns: u64,
    /// Hops whose pool token this message holds (bit = hop).
    held: u64,
    /// Retries of the nested call in progress so far.
    attempt: u32,
    /// Whether the call's attempt in progress was throttled.
    throttled: bool,
    /// The attempt in progress, for its timeout event (0: no timer).
    call_seq: u32,
    /// An attempt whose caller timed out: it walks on to the end of its
    /// call (loading what it crosses), then vanishes uncounted.
    orphan: bool,
}

/// Time-weighted occupancy of one resource (station or transmitter).
#[derive(Debug, Default)]
struct Occupancy {
    busy: u32,
    /// `None`: unbounded.
    capacity: Option<u32>,
    last_ns: u64,
    busy_area: u128,
    capacity_area: u128,
    at_window_start: (u128, u128),
    at_window_end: (u128, u128),
    max_queue: u64,
}

impl Occupancy {
    fn touch(&mut self, now: u64) {
        let dt = u128::from(now - self.last_ns);
        self.busy_area += u128::from(self.busy) * dt;
        // After a scale-in, servers still busy finish their message before
        // they leave (see `CapacityChange`): until then they are present, so
        // capacity counts max(scheduled, busy). Counting only the scheduled
        // servers let `utilization()` exceed 1 while they drain.
        let present = self.capacity.map_or(0, |c| c.max(self.busy));
        self.capacity_area += u128::from(present) * dt;
        self.last_ns = now;
    }

    fn has_free_server(&self) -> bool {
        self.capacity.is_none_or(|c| self.busy < c)
    }

    fn stats(&self, name: String, window_ns: u64) -> ResourceStats {
        let busy = self.at_window_end.0 - self.at_window_start.0;
        let cap = self.at_window_end.1 - self.at_window_start.1;
        ResourceStats {
            name,
            busy_ns: busy,
            capacity_ns: self.capacity_known().then_some(cap),
            window_ns: u128::from(window_ns),
            max_queue: self.max_queue,
        }
    }

    fn capacity_known(&self) -> bool {
        self.capacity.is_some()
    }
}

struct StationState {
    occ: Occupancy,
    queue_limit: Option<u32>,
    /// The rate limit as (token interval, tolerance) \[ns\], and the
    /// theoretical arrival time of the next request (GCRA, see
    /// `RateLimit`) \[ns\].
    limit: Option<(u64, u64)>,
    next_token_ns: u64,
    queue: VecDeque<u32>,
    rng: StreamRng,
}

/// A token pool in a replication: tokens held (`occ.busy`) and the
/// messages waiting for one, first come first served.
struct PoolState {
    occ: Occupancy,
    queue: VecDeque<u32>,
}

struct TransmitterState {
    occ: Occupancy,
    /// Serialisation cost \[ns/byte\]; `None` when the link has no bandwidth.
    ns_per_byte: Option<f64>,
    queue: VecDeque<u32>,
}

/// An arrival process in progress: its clock and its random stream.
struct ArrivalSource {
    clock: ArrivalClock,
    rng: StreamRng,
}

/// The shared arrivals of a mixed model (see `ModelBuilder::mix`).
struct MixState {
    source: ArrivalSource,
    /// Draws the route of each arrival.
    choice_rng: StreamRng,
    /// Running sums of the route weights, in route order.
    cumulative: Vec<f64>,
    /// The last route of positive weight, and whether it is the only one.
    last: usize,
    single: bool,
    /// Arrivals so far, over all routes.
    arrived: u64,
}

impl MixState {
    fn new(weights: &[f64], source: ArrivalSource, choice_rng: StreamRng) -> Self {
        let cumulative = weights
            .iter()
            .scan(0.0, |sum, w| {
                *sum += w;
                Some(*sum)
            })
            .collect();
        let last = weights.iter().rposition(|&w| w > 0.0).expect("a positive sum");
        let single = weights.iter().filter(|&&w| w > 0.0).count() == 1;
        MixState { source, choice_rng, cumulative, last, single, arrived: 0 }
    }

    /// The route of the next arrival: route `i` with probability
    /// `weights[i] / Σ weights`, by inversion of one uniform draw. A single
    /// route of positive weight is taken without consuming randomness.
    fn choose(&mut self) -> usize {
        if self.single {
            return self.last;
        }
        let u = self.choice_rng.random::<f64>() * self.cumulative[self.last];
        // A route of weight 0 adds nothing to the running sum, so it is
        // never the first to exceed `u`; `u` reaches the total only by
        // rounding, and then takes the last route that can be taken.
        // Binary search (the sums are non-decreasing): the first sum above `u`.
        let i = self.cumulative.partition_point(|&c| c <= u);
        if i < self.cumulative.len() { i } else { self.last }
    }
}

struct RouteState {
    /// `None` in a mixed model: arrivals come from `Engine::mix`.
    arrivals: Option<ArrivalSource>,
    size_rng: StreamRng,
    /// One stream per set-up, then per detour, in the route's order.
    setup_rngs: Vec<StreamRng>,
    detour_rngs: Vec<StreamRng>,
    /// Arrivals of this route so far, warm-up included.
    arrived: u64,
    /// Requests in flight (arrived, neither completed nor rejected), and
    /// how many of them are measured.
    in_flight: u64,
    measured_in_flight: u64,
    first_measured_ns: Option<u64>,
    last_completion_ns: u64,
    stats: RouteStats,
}

/// The state of one replication.
pub(crate) struct Engine<'m> {
    model: &'m Model,
    now: u64,
    events: EventList<Event>,
    messages: Vec<Message>,
    free: Vec<u32>,
    /// Per message slot, `hop_stride` hop accumulators.
    hop_times: Vec<HopTimes>,
    hop_stride: usize,
    stations: Vec<StationState>,
    transmitters: Vec<TransmitterState>,
    pools: Vec<PoolState>,
    link_rngs: Vec<StreamRng>,
    routes: Vec<RouteState>,
    mix: Option<MixState>,
    /// Arrival processes not yet exhausted (routes, or the one shared by a
    /// mix).
    routes_arriving: usize,
    window_start_ns: Option<u64>,
    window_end_ns: Option<u64>,
    replication: u64,
    /// Set when an instant would not fit the clock; the run stops.
    overflowed: bool,
    /// Set when a route passes its in-flight limit (the overload guard);
    /// the run stops with the figures so far.
    overloaded: bool,
    /// Events processed so far.
    events_done: u64,
    /// Pilot runs: batch means of every completion's latency, per route.
    trace: Option<Trace>,
    /// The last nested-call attempt given a timeout (never 0 once used).
    call_seq: u32,
}

/// Batch means of latencies in completion order, for warm-up detection.
#[derive(Debug)]
pub(crate) struct Trace {
    batch: usize,
    /// Per route: running (sum, count) of the open batch, closed means.
    routes: Vec<((f64, usize), Vec<f64>)>,
}

impl<'m> Engine<'m> {
    pub(crate) fn new(model: &'m Model, seed: u64, replication: u64) -> Self {
        let rng = |id: StreamId| stream_rng(seed, replication, id);
        let stations = model
            .stations
            .iter()
            .map(|s| StationState {
                occ: Occupancy { capacity: s.servers.count(), ..Occupancy::default() },
                queue_limit: s.queue_limit,
                limit: s.rate_limit.map(|l| (l.interval_ns(), l.tolerance_ns())),
                next_token_ns: 0,
                queue: VecDeque::new(),
                rng: rng(s.stream()),
            })
            .collect();
        let transmitters = model
            .links
            .iter()
            .flat_map(|l| {
                let ns_per_byte = l.bandwidth_bps.map(|bps| 8e9 / bps);
                [0, 1].map(|_| TransmitterState {
                    occ: Occupancy { capacity: Some(1), ..Occupancy::default() },
                    ns_per_byte,
                    queue: VecDeque::new(),
                })
            })
            .collect();
        let source = |id: StreamId, w: &Workload| {
            let mut rng = rng(id);
            ArrivalSource { clock: ArrivalClock::new(&w.arrivals, &mut rng), rng }
        };
        let mixed = model.mix.is_some();
        let routes: Vec<RouteState> = model
            .routes
            .iter()
            .map(|r| RouteState {
                arrivals: (!mixed).then(|| source(r.arrival_stream(), &r.workload)),
                size_rng: rng(r.size_stream()),
                setup_rngs: r.setups.iter().map(|(hop, _)| rng(r.setup_stream(*hop))).collect(),
                detour_rngs: r
                    .detours
                    .iter()
                    .map(|(hop, d)| rng(r.detour_stream(*hop, &d.name)))
                    .collect(),
                arrived: 0,
                in_flight: 0,
                measured_in_flight: 0,
                first_measured_ns: None,
                last_completion_ns: 0,
                stats: {
                    let stats = RouteStats::new(&r.name, r.hops.iter().map(|h| h.name.clone()))
                        .with_calls(r.detours.iter().map(|(hop, d)| (d.name.as_str(), *hop)));
                    if r.external_hops == 0 { stats } else { stats.with_platform() }
                },
            })
            .collect();
        let mix = model.mix.as_ref().map(|weights| {
            let arrivals = source(Model::mix_arrival_stream(), &model.routes[0].workload);
            MixState::new(weights, arrivals, rng(Model::mix_choice_stream()))
        });
        Engine {
            model,
            now: 0,
            events: EventList::with_capacity(1024),
            messages: Vec::new(),
            free: Vec::new(),
            hop_times: Vec::new(),
            hop_stride: model.routes.iter().map(|r| r.hops.len()).max().unwrap_or(0),
            stations,
            transmitters,
            pools: model
                .pools
                .iter()
                .map(|p| PoolState {
                    occ: Occupancy { capacity: Some(p.capacity.get()), ..Occupancy::default() },
                    queue: VecDeque::new(),
                })
                .collect(),
            link_rngs: model.links.iter().map(|l| rng(l.stream())).collect(),
            routes_arriving: if mixed { 1 } else { routes.len() },
            routes,
            mix,
            window_start_ns: None,
            window_end_ns: None,
            replication,
            overflowed: false,
            overloaded: false,
            events_done: 0,
            trace: None,
            call_seq: 0,
        }
    }

    /// Runs until every request has completed or been rejected.
    /// Runs like [`Engine::run`] but returns, per route, the means \[ms\] of
    /// consecutive batches of `batch` completions (warm-up included), in
    /// completion order.
    pub(crate) fn run_traced(mut self, batch: usize) -> Result<Vec<Vec<f64>>, RunError> {
        self.trace = Some(Trace {
            batch: batch.max(1),
            routes: (0..self.routes.len()).map(|_| ((0.0, 0), Vec::new())).collect(),
        });
        self.drive()?;
        let trace = self.trace.take().expect("set above");
        Ok(trace.routes.into_iter().map(|(_, means)| means).collect())
    }

    pub(crate) fn run(mut self) -> Result<RunResults, RunError> {
        self.drive()?;
        Ok(self.finish())
    }

    /// The event loop: until every request has completed or been rejected.
    fn drive(&mut self) -> Result<(), RunError> {
        if self.mix.is_some() {
            self.schedule_mix_arrival();
        } else {
            for r in 0..self.routes.len() {
                self.schedule_arrival(r);
            }
        }
        for (i, c) in self.model.changes.iter().enumerate() {
            self.events.push(c.at, Event::Capacity(i as u32));
        }
        while let Some((t, ev)) = self.events.pop() {
            if self.overflowed {
                return Err(RunError::TimeOverflow {
                    replication: self.replication,
                    limit_years: u64::MAX as f64 / 1e9 / 86_400.0 / 365.25,
                });
            }
            if self.overloaded {
                break;
            }
            self.now = t.as_nanos();
            self.events_done += 1;
            match ev {
                Event::Arrival(r) => self.on_arrival(Some(r as usize)),
                Event::MixArrival => self.on_arrival(None),
                Event::Reach(m) => self.enter_step(m),
                Event::ServiceDone(s, m) => self.on_service_done(s as usize, m),
                Event::TransmitDone(x, m) => self.on_transmit_done(x as usize, m),
                Event::Capacity(i) => self.on_capacity(i as usize),
                Event::CallTimeout(m, seq) => self.on_call_timeout(m, seq),
            }
        }
        if self.overloaded {
            self.stop_overloaded();
        }
        Ok(())
    }

    fn schedule_arrival(&mut self, r: usize) {
        let route = &self.model.routes[r];
        let src = self.routes[r].arrivals.as_mut().expect("a route of its own has arrivals");
        let t = src.clock.next_ns(&route.workload.arrivals, &mut src.rng);
        // The arrival clock saturates at the end of time.
        self.overflowed |= t == u64::MAX;
        self.events.push(SimTime::from_nanos(t), Event::Arrival(r as u32));
    }

    /// Schedules the next arrival of a mixed model, from the first route's
    /// arrival process.
    fn schedule_mix_arrival(&mut self) {
        let arrivals = &self.model.routes[0].workload.arrivals;
        let src = &mut self.mix.as_mut().expect("a mixed model").source;
        let t = src.clock.next_ns(arrivals, &mut src.rng);
        self.overflowed |= t == u64::MAX;
        self.events.push(SimTime::from_nanos(t), Event::MixArrival);
    }

    /// A request arrives: on route `route`'s own process, or (`None`) on
    /// the shared process of a mix, which draws the route. Warm-up and the
    /// request count apply to the process: per route, or over all routes
    /// of a mix.
    fn on_arrival(&mut self, route: Option<usize>) {
        let (r, measured, more) = match route {
            Some(r) => {
                let w = &self.model.routes[r].workload;
                let st = &mut self.routes[r];
                let measured = st.arrived >= w.warmup;
                st.arrived += 1;
                (r, measured, st.arrived < w.requests)
            }
            None => {
                let w = &self.model.routes[0].workload;
                let mix = self.mix.as_mut().expect("a mixed model");
                let measured = mix.arrived >= w.warmup;
                mix.arrived += 1;
                let r = mix.choose();
                self.routes[r].arrived += 1;
                (r, measured, mix.arrived < w.requests)
            }
        };
        let w = &self.model.routes[r].workload;
        let st = &mut self.routes[r];
        let request_bytes = w.request_bytes.sample_u64(&mut st.size_rng);
        let response_bytes =
            if w.round_trip { w.response_bytes.sample_u64(&mut st.size_rng) } else { 0 };
        if measured {
            st.stats.offered += 1;
            st.first_measured_ns.get_or_insert(self.now);
        }
        if measured && self.window_start_ns.is_none() {
            self.window_start_ns = Some(self.now);
            self.snapshot(true);
        }
        if more {
            if route.is_some() {
                self.schedule_arrival(r);
            } else {
                self.schedule_mix_arrival();
            }
        } else {
            self.routes_arriving -= 1;
            if self.routes_arriving == 0 {
                self.window_end_ns = Some(self.now);
                self.snapshot(false);
            }
        }
        let msg = Message {
            route: r as u32,
            step: 0,
            measured,
            born_ns: self.now,
            enqueued_ns: self.now,
            request_bytes,
            response_bytes,
            pending_cpu: 0,
            detour_start_ns: NOT_IN_DETOUR,
            held: 0,
            attempt: 0,
            throttled: false,
            call_seq: 0,
            orphan: false,
        };
        let m = self.alloc(msg);
        let st = &mut self.routes[r];
        st.in_flight += 1;
        st.measured_in_flight += u64::from(measured);
        if st.in_flight > self.model.routes[r].workload.max_in_flight {
            // The route cannot carry its load: stop before its queue (and
            // memory) grows without bound. This request stays in flight.
            self.overloaded = true;
            return;
        }
        self.enter_step(m);
    }

    /// Ends a replication the overload guard stopped: the measurement
    /// window closes now, and the measured requests in flight are
    /// unfinished.
    fn stop_overloaded(&mut self) {
        if self.window_start_ns.is_some() && self.window_end_ns.is_none() {
            self.window_end_ns = Some(self.now);
            self.snapshot(false);
        }
        for r in &mut self.routes {
            r.stats.unfinished = r.measured_in_flight;
            r.stats.overload_stops = 1;
        }
    }

    /// A request leaves the route's in-flight count (completed, timed out
    /// or rejected).
    fn leave(&mut self, msg: &Message) {
        let st = &mut self.routes[msg.route as usize];
        st.in_flight -= 1;
        st.measured_in_flight -= u64::from(msg.measured);
        // Tokens still held (one-way routes, return paths that skip the
        // holding hop, rejections and failures downstream) go back now.
        let mut held = msg.held;
        while held != 0 {
            let hop = held.trailing_zeros() as u16;
            held &= held - 1;
            self.release_token(msg.route as usize, hop);
        }
    }

    /// Takes a token of `pool` for `m` at `hop`, or queues `m` for one.
    fn acquire(&mut self, m: u32, hop: u16, pool: usize) {
        let p = &mut self.pools[pool];
        p.occ.touch(self.now);
        if p.occ.has_free_server() {
            p.occ.busy += 1;
            let msg = &mut self.messages[m as usize];
            msg.held |= 1 << hop;
            msg.step += 1;
            self.enter_step(m);
        } else {
            p.queue.push_back(m);
            p.occ.max_queue = p.occ.max_queue.max(p.queue.len() as u64);
        }
    }

    /// Gives back the token of the pool held at `hop` of `route`; the
    /// longest-waiting message takes it and moves on at this instant.
    fn release_token(&mut self, route: usize, hop: u16) {
        let pool = self.model.routes[route].hops[usize::from(hop)]
            .pool
            .expect("only a hop with a pool hands out tokens")
            .index();
        let now = self.now;
        let p = &mut self.pools[pool];
        p.occ.touch(now);
        let Some(next) = p.queue.pop_front() else {
            p.occ.busy -= 1;
            return;
        };
        // The token passes straight to the next message: busy is unchanged.
        let msg = self.messages[next as usize];
        let Step::Acquire { hop: at, .. } = self.step_of(&msg) else {
            unreachable!("a message waiting for a token is at an Acquire step");
        };
        let h = self.hop_times(next, at);
        h.pool_wait += now - msg.enqueued_ns;
        let w = &mut self.messages[next as usize];
        w.held |= 1 << at;
        w.step += 1;
        self.events.push(SimTime::from_nanos(now), Event::Reach(next));
    }

    fn alloc(&mut self, msg: Message) -> u32 {
        let stride = self.hop_stride;
        if let Some(m) = self.free.pop() {
            self.messages[m as usize] = msg;
            let base = m as usize * stride;
            self.hop_times[base..base + stride].fill(HopTimes::default());
            m
        } else {
            self.messages.push(msg);
            self.hop_times.resize(self.messages.len() * stride, HopTimes::default());
            (self.messages.len() - 1) as u32
        }
    }

    fn hop_times(&mut self, m: u32, hop: u16) -> &mut HopTimes {
        &mut self.hop_times[m as usize * self.hop_stride + hop as usize]
    }

    /// Processes the message's current step at the current instant.
    fn enter_step(&mut self, m: u32) {
        // Waits at this step (queue or transmitter) are measured from now.
        self.messages[m as usize].enqueued_ns = self.now;
        let msg = self.messages[m as usize];
        let steps = &self.model.routes[msg.route as usize].steps;
        let step = steps.get(msg.step as usize).copied();
        if msg.detour_start_ns != NOT_IN_DETOUR
            && step.is_none_or(|s| step_detour(s) == NO_DETOUR)
            && !self.end_call(m)
        {
            return;
        }
        let Some(step) = step else {
            self.complete(m);
            return;
        };
        match step {
            Step::Visit { station, hop, response, detour } => {
                let s = &mut self.stations[station as usize];
                if !response && let Some((interval, tolerance)) = s.limit {
                    // GCRA: refuse when the next token is further ahead than
                    // the burst allows; else take it.
                    if s.next_token_ns > self.now.saturating_add(tolerance) {
                        self.throttle(m, detour);
                        return;
                    }
                    s.next_token_ns = s.next_token_ns.max(self.now).saturating_add(interval);
                }
                let s = &mut self.stations[station as usize];
                s.occ.touch(self.now);
                if s.occ.has_free_server() {
                    s.occ.busy += 1;
                    self.start_service(station as usize, m);
                } else if s.queue_limit.is_some_and(|l| s.queue.len() >= l as usize) {
                    self.reject(m, hop);
                } else {
                    s.queue.push_back(m);
                    s.occ.max_queue = s.occ.max_queue.max(s.queue.len() as u64);
                }
            }
            Step::Setup { hop, index } => self.on_setup(m, hop, index),
            Step::Acquire { hop, pool } => self.acquire(m, hop, pool as usize),
            Step::Release { hop } => {
                let w = &mut self.messages[m as usize];
                let held = w.held & (1 << hop) != 0;
                w.held &= !(1 << hop);
                w.step += 1;
                if held {
                    self.release_token(msg.route as usize, hop);
                }
                self.enter_step(m);
            }
            Step::AddRequestBytes { bytes, .. } => {
                let w = &mut self.messages[m as usize];
                w.request_bytes = w.request_bytes.saturating_add(bytes);
                w.step += 1;
                self.enter_step(m);
            }
            Step::Branch { index, skip, .. } => {
                let route = msg.route as usize;
                let p = self.model.routes[route].detours[usize::from(index)].1.probability;
                let take = draw(p, &mut self.routes[route].detour_rngs[usize::from(index)]);
                let msg = &mut self.messages[m as usize];
                msg.step += 1;
                if take {
                    msg.detour_start_ns = self.now;
                    msg.attempt = 0;
                    msg.throttled = false;
                    let measured = msg.measured;
                    // The call belongs to the hop that makes it.
                    self.start_attempt(m, usize::from(index), 0);
                    if measured {
                        self.routes[route].stats.calls[usize::from(index)].attempts += 1;
                    }
                } else {
                    msg.step += u32::from(skip);
                }
                self.enter_step(m);
            }
            Step::Cross { tx, hop, .. } => {
                let x = &mut self.transmitters[tx as usize];
                if x.ns_per_byte.is_none() {
                    self.propagate(tx as usize, m, hop);
                } else if x.occ.busy == 0 {
                    x.occ.touch(self.now);
                    x.occ.busy = 1;
                    self.start_transmit(tx as usize, m);
                } else {
                    x.queue.push_back(m);
                    x.occ.max_queue = x.occ.max_queue.max(x.queue.len() as u64);
                }
            }
        }
    }

    /// Starts serving `m` at `station` (a server has already been taken).
    fn start_service(&mut self, station: usize, m: u32) {
        let msg = self.messages[m as usize];
        let Step::Visit { hop, response, detour, .. } = self.step_of(&msg) else {
            unreachable!("a message in a station queue is at a Visit step");
        };
        let spec = &self.model.stations[station];
        let law: &Dist = if response {
            spec.response_service_ns.as_ref().unwrap_or(&spec.service_ns)
        } else if detour != NO_DETOUR {
            // A call whose callee serves it with its own law (its last
            // station: the only one a call visits on the way out there).
            let d = &self.model.routes[msg.route as usize].detours[usize::from(detour)].1;
            match &d.callee_service_ns {
                Some(law) if d.legs.iter().rev().find_map(leg_station) == Some(station as u32) => {
                    law
                }
                _ => &spec.service_ns,
            }
        } else {
            &spec.service_ns
        };
        let mut service = law.sample_u64(&mut self.stations[station].rng);
        let bytes = self.bytes(&msg, response, detour);
        service = service.saturating_add(spec.size_cost_ns(bytes));
        if !response && detour == NO_DETOUR && msg.pending_cpu & (1 << hop) != 0 {
            self.messages[m as usize].pending_cpu &= !(1 << hop);
            service = service.saturating_add(self.handshake_cpu(msg.route as usize, hop));
        }
        let now = self.now;
        if detour == NO_DETOUR {
            let h = self.hop_times(m, hop);
            h.wait += now - msg.enqueued_ns;
            // Saturating (here and for link, serialisation and handshake
            // time): a hop's earlier time plus a duration that ends past
            // the clock overflowed u64 and panicked in debug builds before
            // `after` could flag the overflow; the saturated value is never
            // reported, as the run stops with `RunError::TimeOverflow`.
            h.service = h.service.saturating_add(service);
        }
        let at = self.after(service);
        self.events.push(at, Event::ServiceDone(station as u32, m));
    }

    fn step_of(&self, msg: &Message) -> Step {
        self.model.routes[msg.route as usize].steps[msg.step as usize]
    }

    /// The instant `delay` \[ns\] from now. An instant past the clock's
    /// end stops the run with [`RunError::TimeOverflow`].
    fn after(&mut self, delay: u64) -> SimTime {
        SimTime::from_nanos(self.now.checked_add(delay).unwrap_or_else(|| {
            self.overflowed = true;
            u64::MAX
        }))
    }

    /// The size of the message at a step \[bytes\]: a nested call's own
    /// sizes inside it, the request's or response's otherwise.
    fn bytes(&self, msg: &Message, response: bool, detour: u16) -> u64 {
        if detour == NO_DETOUR {
            if response { msg.response_bytes } else { msg.request_bytes }
        } else {
            let d = &self.model.routes[msg.route as usize].detours[usize::from(detour)].1;
            if response { d.response_bytes } else { d.request_bytes }
        }
    }

    /// Handshake CPU the station at `hop` spends on a new connection.
    fn handshake_cpu(&mut self, route: usize, hop: u16) -> u64 {
        let setups = &self.model.routes[route].setups;
        let Some((i, law)) = setups.iter().enumerate().find_map(|(i, (_, s))| {
            s.terminator.as_ref().filter(|(t, _)| *t == hop).map(|(_, law)| (i, law))
        }) else {
            return 0;
        };
        law.sample_u64(&mut self.routes[route].setup_rngs[i])
    }

    /// With the set-up's probability, the message waits for a new
    /// connection (and owes the terminator its CPU) before moving on.
    fn on_setup(&mut self, m: u32, hop: u16, index: u16) {
        let route = self.messages[m as usize].route as usize;
        let setup = &self.model.routes[route].setups[usize::from(index)].1;
        let rng = &mut self.routes[route].setup_rngs[usize::from(index)];
        self.messages[m as usize].step += 1;
        if draw(setup.probability, rng) {
            let delay = setup.delay_ns.sample_u64(rng);
            if let Some((t, _)) = setup.terminator {
                self.messages[m as usize].pending_cpu |= 1 << t;
            }
            let h = self.hop_times(m, hop);
            h.handshake = h.handshake.saturating_add(delay);
            let at = self.after(delay);
            self.events.push(at, Event::Reach(m));
        } else {
            self.enter_step(m);
        }
    }

    /// Ends the nested call `m` is in: its whole duration is the hop's
    /// sub-call time.
    fn close_detour(&mut self, m: u32) {
        let msg = self.messages[m as usize];
        let hop = match self.model.routes[msg.route as usize].steps[msg.step as usize - 1] {
            Step::Visit { hop, .. } | Step::Cross { hop, .. } => hop,
            Step::Setup { hop, .. } | Step::Branch { hop, .. } => hop,
            Step::Acquire { hop, .. } | Step::Release { hop } => hop,
            Step::AddRequestBytes { hop, .. } => hop,
        };
        let now = self.now;
        self.hop_times(m, hop).subcall += now - msg.detour_start_ns;
        self.messages[m as usize].detour_start_ns = NOT_IN_DETOUR;
    }

    fn on_service_done(&mut self, station: usize, m: u32) {
        let s = &mut self.stations[station];
        s.occ.touch(self.now);
        s.occ.busy -= 1;
        self.start_waiting(station);
        let Step::Visit { hop, response, detour, .. } = self.step_of(&self.messages[m as usize])
        else {
            unreachable!("a served message is at a Visit step");
        };
        self.messages[m as usize].step += 1;
        // Pipeline latency after the server is released: it delays the
        // message without occupying capacity.
        let spec = &self.model.stations[station];
        let law = if response { spec.response_delay_ns.as_ref() } else { spec.delay_ns.as_ref() };
        match law {
            Some(law) => {
                let delay = law.sample_u64(&mut self.stations[station].rng);
                if detour == NO_DETOUR {
                    self.hop_times(m, hop).service += delay;
                }
                let at = self.after(delay);
                self.events.push(at, Event::Reach(m));
            }
            None => self.enter_step(m),
        }
    }

    /// Starts as many queued messages as there are free servers.
    fn start_waiting(&mut self, station: usize) {
        loop {
            let s = &mut self.stations[station];
            if !s.occ.has_free_server() {
                break;
            }
            let Some(next) = s.queue.pop_front() else { break };
            s.occ.busy += 1;
            self.start_service(station, next);
        }
    }

    fn start_transmit(&mut self, tx: usize, m: u32) {
        let msg = self.messages[m as usize];
        let Step::Cross { hop, response, detour, .. } = self.step_of(&msg) else {
            unreachable!("a transmitting message is at a Cross step");
        };
        let bytes = self.bytes(&msg, response, detour);
        let ns_per_byte = self.transmitters[tx].ns_per_byte.expect("only limited links transmit");
        let duration = crate::dist::round_u64(ns_per_byte * bytes as f64);
        let now = self.now;
        if detour == NO_DETOUR {
            let h = self.hop_times(m, hop);
            h.serialization =
                h.serialization.saturating_add((now - msg.enqueued_ns).saturating_add(duration));
        }
        let at = self.after(duration);
        self.events.push(at, Event::TransmitDone(tx as u32, m));
    }

    fn on_transmit_done(&mut self, tx: usize, m: u32) {
        let x = &mut self.transmitters[tx];
        x.occ.touch(self.now);
        x.occ.busy = 0;
        if let Some(next) = x.queue.pop_front() {
            x.occ.busy = 1;
            self.start_transmit(tx, next);
        }
        let Step::Cross { hop, .. } = self.step_of(&self.messages[m as usize]) else {
            unreachable!("a transmitted message is at a Cross step");
        };
        self.propagate(tx, m, hop);
    }

    /// Sends `m` over the link's latency to its next step.
    fn propagate(&mut self, tx: usize, m: u32, hop: u16) {
        let link = tx / 2;
        let latency = self.model.links[link].latency_ns.sample_u64(&mut self.link_rngs[link]);
        if step_detour(self.step_of(&self.messages[m as usize])) == NO_DETOUR {
            let h = self.hop_times(m, hop);
            h.link = h.link.saturating_add(latency);
        }
        self.messages[m as usize].step += 1;
        let at = self.after(latency);
        self.events.push(at, Event::Reach(m));
    }

    fn on_capacity(&mut self, i: usize) {
        let c = self.model.changes[i];
        let st = &mut self.stations[c.station.index()];
        st.occ.touch(self.now);
        st.occ.capacity = match c.servers {
            Servers::Finite(n) => Some(n.get()),
            Servers::Unbounded => None,
        };
        self.start_waiting(c.station.index());
    }

    fn complete(&mut self, m: u32) {
        let msg = self.messages[m as usize];
        if let Some(t) = &mut self.trace {
            let ((sum, n), means) = &mut t.routes[msg.route as usize];
            *sum += (self.now - msg.born_ns) as f64;
            *n += 1;
            if *n == t.batch {
                means.push(*sum / *n as f64 / 1e6);
                (*sum, *n) = (0.0, 0);
            }
        }
        let timeout = self.model.routes[msg.route as usize].timeout_ns;
        let now = self.now;
        let latency = now - msg.born_ns;
        if msg.measured && timeout.is_some_and(|t| latency > t) {
            let st = &mut self.routes[msg.route as usize];
            st.stats.timed_out += 1;
            st.last_completion_ns = now;
        } else if msg.measured {
            let base = m as usize * self.hop_stride;
            let external = self.model.routes[msg.route as usize].external_hops;
            let st = &mut self.routes[msg.route as usize];
            st.stats.completed += 1;
            st.stats.latency.record(latency);
            st.last_completion_ns = now;
            let mut external_ns = 0u64;
            for (i, (hop, h)) in st.stats.hops.iter_mut().zip(&self.hop_times[base..]).enumerate() {
                if external & (1 << i) != 0 {
                    external_ns = external_ns.saturating_add(h.wait.saturating_add(h.service));
                }
                hop.wait_ns += u128::from(h.wait);
                hop.service_ns += u128::from(h.service);
                hop.link_ns += u128::from(h.link);
                hop.serialization_ns += u128::from(h.serialization);
                hop.handshake_ns += u128::from(h.handshake);
                hop.subcall_ns += u128::from(h.subcall);
                hop.pool_wait_ns += u128::from(h.pool_wait);
                hop.completed += 1;
                let total = h.wait
                    + h.service
                    + h.link
                    + h.serialization
                    + h.handshake
                    + h.subcall
                    + h.pool_wait;
                crate::stats::record(&mut hop.time, total);
            }
            if let Some(platform) = &mut st.stats.platform {
                platform.record(latency.saturating_sub(external_ns));
            }
        }
        self.leave(&msg);
        self.free.push(m);
    }

    fn reject(&mut self, m: u32, hop: u16) {
        let msg = self.messages[m as usize];
        if msg.orphan {
            self.free.push(m);
            return;
        }
        if msg.measured {
            let st = &mut self.routes[msg.route as usize];
            st.stats.rejected += 1;
            st.stats.hops[hop as usize].rejected += 1;
        }
        self.leave(&msg);
        self.free.push(m);
    }

    /// A rate limit refused `m` at `hop`: on the main path the request
    /// fails; in a nested call the attempt turns back unserved, and the
    /// caller decides when the answer arrives (see [`Engine::end_call`]).
    fn throttle(&mut self, m: u32, detour: u16) {
        let msg = self.messages[m as usize];
        let counted = msg.measured && !msg.orphan;
        let st = &mut self.routes[msg.route as usize].stats;
        st.throttled += u64::from(counted);
        if detour == NO_DETOUR {
            self.fail(m);
            return;
        }
        // An orphan's answer is awaited by nobody: it walks back uncounted.
        st.calls[usize::from(detour)].throttled += u64::from(counted);
        self.messages[m as usize].throttled = true;
        self.messages[m as usize].step += 1;
        self.enter_step(m);
    }

    /// The request `m` ends failed (it has no latency).
    fn fail(&mut self, m: u32) {
        let msg = self.messages[m as usize];
        if msg.measured {
            let st = &mut self.routes[msg.route as usize];
            st.stats.failed += 1;
            st.last_completion_ns = self.now;
        }
        self.leave(&msg);
        self.free.push(m);
    }

    /// Starts the timer of an attempt of nested call `index` that begins
    /// `wait` \[ns\] from now, if the call has a timeout.
    fn start_attempt(&mut self, m: u32, index: usize, wait: u64) {
        let route = self.messages[m as usize].route as usize;
        let Some(timeout) = self.model.routes[route].detours[index].1.timeout_ns else {
            return;
        };
        // 0 means "no timer": skip it when the counter wraps.
        self.call_seq = self.call_seq.wrapping_add(1).max(1);
        self.messages[m as usize].call_seq = self.call_seq;
        let at = self.after(wait.saturating_add(timeout));
        self.events.push(at, Event::CallTimeout(m, self.call_seq));
    }

    /// The nested call `m` is in: (its index, the hop that makes it). The
    /// message is at one of its steps, or on the link back just after it.
    fn call_of(&self, m: u32) -> (usize, u16) {
        let msg = &self.messages[m as usize];
        let steps = &self.model.routes[msg.route as usize].steps;
        let at = |i: usize| match steps.get(i).copied() {
            Some(Step::Visit { detour, hop, .. } | Step::Cross { detour, hop, .. })
                if detour != NO_DETOUR =>
            {
                Some((usize::from(detour), hop))
            }
            _ => None,
        };
        let step = msg.step as usize;
        at(step)
            .or_else(|| at(step - 1))
            .expect("a message in a nested call is at one of its steps")
    }

    /// The answer of `m`'s nested call has come back to the caller: the
    /// call ends, is retried, or fails the request. Returns whether the
    /// message goes on now.
    fn end_call(&mut self, m: u32) -> bool {
        let msg = self.messages[m as usize];
        if msg.orphan {
            self.free.push(m);
            return false;
        }
        let (index, _) = self.call_of(m);
        let route = msg.route as usize;
        self.messages[m as usize].call_seq = 0;
        let d = &self.model.routes[route].detours[index].1;
        let failed = msg.throttled
            || draw(d.failure_probability, &mut self.routes[route].detour_rngs[index]);
        if !failed {
            self.close_detour(m);
            return true;
        }
        if !msg.throttled && msg.measured {
            self.routes[route].stats.calls[index].errors += 1;
        }
        self.retry_or_fail(m, index);
        false
    }

    /// Attempt of `m`'s nested call `index` failed: retry it after the
    /// policy's wait, or fail the request when no retry is left.
    fn retry_or_fail(&mut self, m: u32, index: usize) {
        let msg = self.messages[m as usize];
        let route = &self.model.routes[msg.route as usize];
        let d = &route.detours[index].1;
        let Some(retry) = d.retry.filter(|r| msg.attempt < r.retries) else {
            self.fail(m);
            return;
        };
        let retry_after = if msg.throttled && retry.honour_retry_after {
            d.legs.iter().rev().find_map(|l| match *l {
                Leg::Station(s) => self.model.stations[s.index()].rate_limit?.retry_after_ns,
                Leg::Link(..) => None,
            })
        } else {
            None
        };
        let wait = retry_after.unwrap_or(retry.interval_ns);
        // The call's first step follows its branch.
        let (_, hop) = self.call_of(m);
        let first = route
            .steps
            .iter()
            .position(|s| matches!(*s, Step::Branch { hop: h, index: i, .. } if h == hop && usize::from(i) == index))
            .expect("a nested call has a branch")
            + 1;
        let msg = &mut self.messages[m as usize];
        msg.attempt += 1;
        msg.throttled = false;
        msg.step = first as u32;
        if msg.measured {
            let st = &mut self.routes[msg.route as usize].stats;
            st.retries += 1;
            st.calls[index].retries += 1;
            st.calls[index].attempts += 1;
        }
        self.start_attempt(m, index, wait);
        let at = self.after(wait);
        self.events.push(at, Event::Reach(m));
    }

    /// The caller of `m`'s nested call stops waiting for attempt `seq`: the
    /// request goes on in a new slot (retry or failure), and the attempt's
    /// walk goes on in `m` as an orphan.
    fn on_call_timeout(&mut self, m: u32, seq: u32) {
        let msg = self.messages[m as usize];
        if msg.call_seq != seq || msg.orphan {
            // The attempt ended before its timeout (the slot may hold
            // another message by now, whose attempt has another number).
            return;
        }
        let (index, _) = self.call_of(m);
        if msg.measured {
            self.routes[msg.route as usize].stats.calls[index].timed_out += 1;
        }
        self.messages[m as usize].orphan = true;
        let live = self.alloc(Message { call_seq: 0, orphan: false, throttled: false, ..msg });
        let stride = self.hop_stride;
        self.hop_times
            .copy_within(m as usize * stride..(m as usize + 1) * stride, live as usize * stride);
        self.retry_or_fail(live, index);
    }

    /// Records every resource's integrals at the window's start or end.
    fn snapshot(&mut self, start: bool) {
        let now = self.now;
        let occs = self
            .stations
            .iter_mut()
            .map(|s| &mut s.occ)
            .chain(self.transmitters.iter_mut().map(|x| &mut x.occ))
            .chain(self.pools.iter_mut().map(|p| &mut p.occ));
        for o in occs {
            o.touch(now);
            let v = (o.busy_area, o.capacity_area);
            if start { o.at_window_start = v } else { o.at_window_end = v }
        }
    }

    fn finish(self) -> RunResults {
        let window = match (self.window_start_ns, self.window_end_ns) {
            (Some(start), Some(end)) => end - start,
            _ => 0,
        };
        let model = self.model;
        let named = |occs: Vec<&Occupancy>, names: Vec<&String>| -> Vec<ResourceStats> {
            occs.iter().zip(names).map(|(o, name)| o.stats(name.clone(), window)).collect()
        };
        let stations = named(
            self.stations.iter().map(|s| &s.occ).collect(),
            model.stations.iter().map(|s| &s.name).collect(),
        );
        let transmitters = self
            .transmitters
            .iter()
            .enumerate()
            .map(|(i, x)| {
                let dir = if i % 2 == 0 { "forward" } else { "backward" };
                x.occ.stats(format!("{}/{dir}", model.links[i / 2].name), window)
            })
            .collect();
        let pools = named(
            self.pools.iter().map(|p| &p.occ).collect(),
            model.pools.iter().map(|p| &p.name).collect(),
        );
        let routes = self
            .routes
            .into_iter()
            .map(|mut r| {
                let first = r.first_measured_ns.unwrap_or(0);
                r.stats.span_ns = u128::from(r.last_completion_ns.saturating_sub(first));
                r.stats.latency.close_replication();
                if let Some(platform) = &mut r.stats.platform {
                    platform.close_replication();
                }
                for hop in &mut r.stats.hops {
                    let t = &hop.time;
                    hop.replication_quantiles_ns = vec![
                        REPORTED_QUANTILES
                            .map(|q| if hop.completed == 0 { 0 } else { t.value_at_quantile(q) }),
                    ];
                }
                r.stats
            })
            .collect();
        RunResults {
            routes,
            stations,
            transmitters,
            pools,
            replications: 1,
            events: self.events_done,
        }
    }
}

/// `Message::detour_start_ns` when the message is not in a nested call.
const NOT_IN_DETOUR: u64 = u64::MAX;

/// The nested call a step belongs to (`NO_DETOUR` on the main path).
fn step_detour(step: Step) -> u16 {
    match step {
        Step::Visit { detour, .. } | Step::Cross { detour, .. } => detour,
        Step::Setup { .. } | Step::Branch { .. } => NO_DETOUR,
        Step::Acquire { .. } | Step::Release { .. } => NO_DETOUR,
        Step::AddRequestBytes { .. } => NO_DETOUR,
    }
}

/// The station of a leg, if it is one.
fn leg_station(leg: &crate::model::Leg) -> Option<u32> {
    match *leg {
        crate::model::Leg::Station(s) => Some(s.0),
        crate::model::Leg::Link(..) => None,
    }
}

/// A Bernoulli draw; certain outcomes consume no randomness.
fn draw(probability: f64, rng: &mut StreamRng) -> bool {
    if probability >= 1.0 {
        true
    } else if probability <= 0.0 {
        false
    } else {
        rng.random::<f64>() < probability
    }
}
