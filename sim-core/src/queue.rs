//! The pending-event list: a 4-ary min-heap keyed by (time, insertion sequence).
//!
//! Ties in time pop in insertion (FIFO) order, so a run is a pure function of
//! the model and the seed. A 4-ary heap halves the depth of a binary heap and
//! keeps the four children of a node in one or two cache lines, which is what
//! makes it faster than `std::collections::BinaryHeap` for the hold model a
//! simulator exercises (pop the earliest, push one later): see
//! `benches/benches/event_list.rs`.

// `pub` items here are re-exported by `bench_internals` under the
// `bench-internals` feature; without it they are crate-private.
#![cfg_attr(not(feature = "bench-internals"), allow(unreachable_pub, dead_code))]

use crate::time::SimTime;

/// Children per heap node.
const ARITY: usize = 4;

#[derive(Clone, Debug)]
struct Entry<E> {
    /// (time in ns, insertion sequence): the total order of events.
    key: (u64, u64),
    event: E,
}

/// A priority queue of events ordered by (time, insertion sequence).
///
/// Events scheduled for the same instant pop in the order they were pushed.
#[derive(Clone, Debug)]
pub struct EventList<E> {
    heap: Vec<Entry<E>>,
    next_seq: u64,
}

impl<E> Default for EventList<E> {
    fn default() -> Self {
        Self::new()
    }
}

impl<E> EventList<E> {
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
        self.heap.first().map(|e| SimTime::from_nanos(e.key.0))
    }

    /// Schedules `event` at `time`, after every event already scheduled at
    /// the same time.
    pub fn push(&mut self, time: SimTime, event: E) {
        let key = (time.as_nanos(), self.next_seq);
        self.next_seq += 1;
        self.heap.push(Entry { key, event });
        self.sift_up(self.heap.len() - 1);
    }

    /// Removes and returns the earliest event (FIFO among equal times).
    pub fn pop(&mut self) -> Option<(SimTime, E)> {
        let last = self.heap.pop()?;
        let top = if self.heap.is_empty() {
            last
        } else {
            let top = std::mem::replace(&mut self.heap[0], last);
            self.sift_down(0);
            top
        };
        Some((SimTime::from_nanos(top.key.0), top.event))
    }

    fn sift_up(&mut self, mut i: usize) {
        while i > 0 {
            let parent = (i - 1) / ARITY;
            if self.heap[i].key < self.heap[parent].key {
                self.heap.swap(i, parent);
                i = parent;
            } else {
                break;
            }
        }
    }

    fn sift_down(&mut self, mut i: usize) {
        let n = self.heap.len();
        loop {
            let first = i * ARITY + 1;
            if first >= n {
                break;
            }
            let end = (first + ARITY).min(n);
            let mut best = first;
            for c in first + 1..end {
                if self.heap[c].key < self.heap[best].key {
                    best = c;
                }
            }
            if self.heap[best].key < self.heap[i].key {
                self.heap.swap(i, best);
                i = best;
            } else {
                break;
            }
        }
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
