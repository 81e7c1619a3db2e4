//! The pending-event list under the classic *hold* model.
//!
//! The queue holds `N` pending events. Each operation pops the earliest event
//! and pushes it back at its time plus an exponential increment, so the queue
//! size stays `N` and the pending times settle into the steady state a
//! simulator sees (Vaucher & Duval 1975; Jones 1986).
//!
//! `EventList<u32>` (the engine's 4-ary heap keyed by time and insertion
//! sequence) is compared with `std::collections::BinaryHeap` over the same
//! key, `Reverse<(time, seq, payload)>`, in one criterion group, so both are
//! measured in the same run on the same increments. Increments are drawn
//! once, before measuring, from a fixed-seed ChaCha8 stream: the timings
//! contain no random-number generation.
//!
//! Throughput is in events: one event = one pop plus one push.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::hint::black_box;
use std::time::Duration;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use sim_core::SimTime;
use sim_core::bench_internals::EventList;

/// Queue sizes: what the shipped models hold (20–80 pending events), a
/// small model (fits in L1/L2), a large one (does not) and a million.
const SIZES: [usize; 4] = [32, 1_000, 100_000, 1_000_000];
/// Hold operations per criterion iteration.
const HOLDS_PER_ITER: u64 = 10_000;
/// Pre-drawn increments, cycled; a power of two so the index is a mask.
const INCREMENTS: usize = 1 << 16;
/// Mean increment \[ns\]: 1 ms. Its scale does not matter to a comparison
/// heap except through ties, which integer nanoseconds make rare.
const MEAN_INCREMENT_NS: f64 = 1e6;
const SEED: u64 = 0x5EED_E7E1;

/// Exponential increments \[ns\] by inversion, from a fixed seed.
fn increments() -> Vec<u64> {
    let mut rng = ChaCha8Rng::seed_from_u64(SEED);
    (0..INCREMENTS)
        .map(|_| {
            // 1 - U lies in (0, 1], so the logarithm is finite.
            let u: f64 = 1.0 - rng.random::<f64>();
            (-u.ln() * MEAN_INCREMENT_NS).round() as u64
        })
        .collect()
}

/// A priority queue driven by the hold model.
trait HoldQueue {
    /// A queue holding `n` events, event `i` at `times[i]`.
    fn with_times(times: impl ExactSizeIterator<Item = u64>) -> Self;
    /// Pops the earliest event and pushes it back `dt` \[ns\] later; returns
    /// what was popped (time \[ns\], payload).
    fn hold(&mut self, dt: u64) -> (u64, u32);
    fn len(&self) -> usize;
}

impl HoldQueue for EventList<u32> {
    fn with_times(times: impl ExactSizeIterator<Item = u64>) -> Self {
        let mut q = EventList::with_capacity(times.len() + 1);
        for (i, t) in times.enumerate() {
            q.push(SimTime::from_nanos(t), i as u32);
        }
        q
    }

    #[inline]
    fn hold(&mut self, dt: u64) -> (u64, u32) {
        let (t, e) = self.pop().expect("the hold model never empties the queue");
        self.push(SimTime::from_nanos(t.as_nanos() + dt), e);
        (t.as_nanos(), e)
    }

    fn len(&self) -> usize {
        EventList::len(self)
    }
}

/// `BinaryHeap` with the same (time, insertion sequence) order as
/// `EventList`; `seq` is the next sequence number.
struct StdHeap {
    heap: BinaryHeap<Reverse<(u64, u64, u32)>>,
    seq: u64,
}

impl HoldQueue for StdHeap {
    fn with_times(times: impl ExactSizeIterator<Item = u64>) -> Self {
        let mut heap = BinaryHeap::with_capacity(times.len() + 1);
        let mut seq = 0;
        for (i, t) in times.enumerate() {
            heap.push(Reverse((t, seq, i as u32)));
            seq += 1;
        }
        StdHeap { heap, seq }
    }

    #[inline]
    fn hold(&mut self, dt: u64) -> (u64, u32) {
        let Reverse((t, _, e)) = self.heap.pop().expect("the hold model never empties the queue");
        self.heap.push(Reverse((t + dt, self.seq, e)));
        self.seq += 1;
        (t, e)
    }

    fn len(&self) -> usize {
        self.heap.len()
    }
}

/// A queue in the hold model's state, with its position in the increments.
struct Hold<'a, Q> {
    q: Q,
    inc: &'a [u64],
    next: usize,
}

impl<'a, Q: HoldQueue> Hold<'a, Q> {
    /// `n` events, each an increment after time 0. The initial times come
    /// from the far end of the table, so the first holds do not reuse them.
    fn new(n: usize, inc: &'a [u64]) -> Self {
        let times: Vec<u64> = inc.iter().rev().cycle().take(n).copied().collect();
        Hold { q: Q::with_times(times.into_iter()), inc, next: 0 }
    }

    #[inline]
    fn step(&mut self) -> (u64, u32) {
        let dt = self.inc[self.next & (INCREMENTS - 1)];
        self.next += 1;
        self.q.hold(dt)
    }

    /// `k` holds; returns a checksum of the payloads so none is optimised out.
    #[inline]
    fn run(&mut self, k: u64) -> u64 {
        (0..k).fold(0u64, |acc, _| acc.wrapping_add(u64::from(self.step().1)))
    }
}

/// Both queues must pop the same (time, payload) sequence, or the
/// comparison would not be of the same work.
fn check_same_order(inc: &[u64]) {
    let mut a: Hold<'_, EventList<u32>> = Hold::new(1_000, inc);
    let mut b: Hold<'_, StdHeap> = Hold::new(1_000, inc);
    for i in 0..20_000 {
        assert_eq!(a.step(), b.step(), "the queues diverged at hold {i}");
    }
}

fn bench_queue<Q: HoldQueue>(
    group: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>,
    name: &str,
    n: usize,
    inc: &[u64],
) {
    // The queue persists across iterations: each iteration continues the
    // same steady-state run, at constant size `n`.
    let mut hold: Hold<'_, Q> = Hold::new(n, inc);
    group.bench_function(BenchmarkId::new(name, n), |b| {
        b.iter(|| black_box(hold.run(HOLDS_PER_ITER)));
    });
    assert_eq!(hold.q.len(), n);
}

fn event_list_hold(c: &mut Criterion) {
    let inc = increments();
    check_same_order(&inc);
    let mut group = c.benchmark_group("event_list_hold");
    group.throughput(Throughput::Elements(HOLDS_PER_ITER));
    group.warm_up_time(Duration::from_secs(1));
    group.measurement_time(Duration::from_secs(4));
    group.sample_size(50);
    for n in SIZES {
        bench_queue::<EventList<u32>>(&mut group, "EventList", n, &inc);
        bench_queue::<StdHeap>(&mut group, "BinaryHeap", n, &inc);
    }
    group.finish();
}

criterion_group!(benches, event_list_hold);
criterion_main!(benches);
