//! The pending-event list: a 4-ary min-heap keyed by (time, insertion sequence).
//!
//! Ties in time pop in insertion (FIFO) order, so a run is a pure function of
//! the model and the seed. A 4-ary heap is half as deep as a binary heap, and
//! the four children of a node sit next to each other in memory. Two details
//! make it beat `std::collections::BinaryHeap` in the hold model a simulator
//! exercises (pop the earliest, push one later; `benches/benches/event_list.rs`):
//! the (time, sequence) key is packed into one `u128`, so ordering two events
//! is a single integer comparison, and sifting moves entries through a hole
//! instead of swapping them.

// `pub` items here are re-exported by `bench_internals` under the
// `bench-internals` feature; without it they are crate-private.
#![cfg_attr(not(feature = "bench-internals"), allow(unreachable_pub, dead_code))]

use crate::time::SimTime;

/// Children per heap node. `sift_down`'s tournament is written for four.
const ARITY: usize = 4;
const _: () = assert!(ARITY == 4);

/// The total order of events: time \[ns\] in the high 64 bits, insertion
/// sequence in the low 64 bits, so one integer comparison orders by time
/// and then FIFO.
type Key = u128;

fn key(time_ns: u64, seq: u64) -> Key {
    (Key::from(time_ns) << 64) | Key::from(seq)
}

#[derive(Clone, Copy, Debug)]
struct Entry<E> {
    key: Key,
    event: E,
}

impl<E> Entry<E> {
    fn time(&self) -> SimTime {
        SimTime::from_nanos((self.key >> 64) as u64)
    }
}

/// A priority queue of events ordered by (time, insertion sequence).
///
/// Events scheduled for the same instant pop in the order they were pushed.
/// Events are small `Copy` handles (indices into the simulation's state), so
/// that sifting can copy them through a hole.
#[derive(Clone, Debug)]
pub struct EventList<E> {
    heap: Vec<Entry<E>>,
    next_seq: u64,
}

impl<E: Copy> Default for EventList<E> {
    fn default() -> Self {
        Self::new()
    }
}

impl<E: Copy> EventList<E> {
    /// An empty event list.
    pub fn new() -> Self {
        EventList { heap: Vec::new(), next_seq: 0 }
    }

    /// An empty event list with room for `n` pending events.
    pub fn with_capacity(n: usize) -> Self {
        EventList { heap: Vec::with_capacity(n), next_seq: 0 }
    }

    /// Number of pending events.
    pub fn len(&self) -> usize {
        self.heap.len()
    }

    /// Whether no event is pending.
    pub fn is_empty(&self) -> bool {
        self.heap.is_empty()
    }

    /// The time of the earliest pending event.
    pub fn peek_time(&self) -> Option<SimTime> {
        self.heap.first().map(Entry::time)
    }

    /// Schedules `event` at `time`, after every event already scheduled at
    /// the same time.
    pub fn push(&mut self, time: SimTime, event: E) {
        let entry = Entry { key: key(time.as_nanos(), self.next_seq), event };
        self.next_seq += 1;
        self.heap.push(entry);
        self.sift_up(self.heap.len() - 1, entry);
    }

    /// Removes and returns the earliest event (FIFO among equal times).
    pub fn pop(&mut self) -> Option<(SimTime, E)> {
        let last = self.heap.pop()?;
        let top = match self.heap.first() {
            None => last,
            Some(&top) => {
                self.sift_down(last);
                top
            }
        };
        Some((top.time(), top.event))
    }

    /// Moves `entry` from the hole at `i` up to its place.
    fn sift_up(&mut self, mut i: usize, entry: Entry<E>) {
        while i > 0 {
            let parent = (i - 1) / ARITY;
            let p = self.heap[parent];
            if entry.key >= p.key {
                break;
            }
            self.heap[i] = p;
            i = parent;
        }
        self.heap[i] = entry;
    }

    /// Moves `entry` from a hole at the root down to its place.
    fn sift_down(&mut self, entry: Entry<E>) {
        let n = self.heap.len();
        let mut i = 0;
        loop {
            let first = i * ARITY + 1;
            let best = if first + ARITY <= n {
                let c: &[Entry<E>; ARITY] =
                    self.heap[first..first + ARITY].try_into().expect("ARITY children");
                // A two-round tournament: the first two comparisons do not
                // depend on each other, unlike a running minimum.
                let a = if c[1].key < c[0].key { 1 } else { 0 };
                let b = if c[3].key < c[2].key { 3 } else { 2 };
                first + if c[b].key < c[a].key { b } else { a }
            } else if first < n {
                let mut best = first;
                for c in first + 1..n {
                    if self.heap[c].key < self.heap[best].key {
                        best = c;
                    }
                }
                best
            } else {
                break;
            };
            if self.heap[best].key >= entry.key {
                break;
            }
            self.heap[i] = self.heap[best];
            i = best;
        }
        self.heap[i] = entry;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{RngExt, SeedableRng};
    use rand_chacha::ChaCha8Rng;
    use std::collections::BTreeMap;

    #[test]
    fn equal_times_pop_in_insertion_order() {
        let mut q = EventList::new();
        for i in 0..100 {
            q.push(SimTime::from_nanos(7), i);
        }
        q.push(SimTime::from_nanos(3), -1);
        assert_eq!(q.pop(), Some((SimTime::from_nanos(3), -1)));
        for i in 0..100 {
            assert_eq!(q.pop(), Some((SimTime::from_nanos(7), i)));
        }
        assert_eq!(q.pop(), None);
    }

    /// The packed key must order by time over the whole `u64` range, and by
    /// sequence only within one instant.
    #[test]
    fn extreme_times_order_by_time_then_sequence() {
        let mut q = EventList::new();
        let times = [u64::MAX, 0, u64::MAX, 1 << 63, (1 << 63) - 1, 0, 1];
        for (i, &t) in times.iter().enumerate() {
            q.push(SimTime::from_nanos(t), i);
        }
        let popped: Vec<(u64, usize)> =
            std::iter::from_fn(|| q.pop()).map(|(t, i)| (t.as_nanos(), i)).collect();
        let mut expected: Vec<(u64, usize)> = times.iter().copied().zip(0..).collect();
        expected.sort();
        assert_eq!(popped, expected);
    }

    /// Shadow model: random pushes and pops applied to the heap and to a
    /// `BTreeMap` keyed by (time, sequence), compared after every step.
    #[test]
    fn matches_btreemap_shadow_model() {
        const SEED: u64 = 0x5EED_0001;
        let mut rng = ChaCha8Rng::seed_from_u64(SEED);
        let mut q = EventList::new();
        let mut shadow: BTreeMap<(u64, u64), u32> = BTreeMap::new();
        let mut seq = 0u64;
        let mut now = 0u64;
        for step in 0..200_000u32 {
            let push = shadow.is_empty() || rng.random_bool(0.55);
            if push {
                // Narrow time range on purpose: many ties exercise FIFO order.
                let t = now + rng.random_range(0..50u64);
                q.push(SimTime::from_nanos(t), step);
                shadow.insert((t, seq), step);
                seq += 1;
            } else {
                let expected = shadow.pop_first().map(|((t, _), v)| (SimTime::from_nanos(t), v));
                let got = q.pop();
                assert_eq!(got, expected, "seed {SEED:#x}, step {step}");
                now = got.map_or(now, |(t, _)| t.as_nanos());
            }
            assert_eq!(q.len(), shadow.len(), "seed {SEED:#x}, step {step}");
            assert_eq!(
                q.peek_time(),
                shadow.first_key_value().map(|(k, _)| SimTime::from_nanos(k.0)),
                "seed {SEED:#x}, step {step}"
            );
        }
    }
}
