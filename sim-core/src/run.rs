//! Running replications in parallel and merging them.

use std::collections::BTreeMap;
use std::ops::Range;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Condvar, Mutex, PoisonError};

use crate::engine::Engine;
use crate::error::RunError;
use crate::model::Model;
use crate::stats::RunResults;

/// How many replications to run, and from which master seed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RunOptions {
    /// The master seed every random stream derives from.
    pub seed: u64,
    /// Independent replications (≥ 1).
    pub replications: u64,
    /// Index of the first replication: a run of replications `k..k+n`
    /// merged with one of `0..k` equals a run of `0..k+n`.
    pub first_replication: u64,
}

impl RunOptions {
    /// `replications` replications from `seed`, starting at index 0.
    pub fn new(seed: u64, replications: u64) -> Self {
        RunOptions { seed, replications, first_replication: 0 }
    }
}

/// Simulates one replication of `model`: the same `(seed, replication)`
/// always gives the same results, on any thread.
///
/// # Errors
///
/// Fails when simulated time would pass the end of the clock.
pub fn simulate_replication(
    model: &Model,
    seed: u64,
    replication: u64,
) -> Result<RunResults, RunError> {
    Engine::new(model, seed, replication).run()
}

/// Runs every replication of `model` on the current rayon pool and merges
/// them in replication order.
///
/// Replications are folded into the result as they finish, in index order
/// (see `fold_in_order`): memory holds the merged result plus at most
/// one replication's results per thread plus two, whatever the number of
/// replications.
///
/// # Errors
///
/// Fails when a replication's simulated time would pass the end of the
/// clock (the lowest-numbered such replication is reported).
///
/// # Panics
///
/// Panics if `opts.replications` is 0.
pub fn run(model: &Model, opts: &RunOptions) -> Result<RunResults, RunError> {
    run_with_progress(model, opts, &|| {})
}

/// As [`run`], calling `on_replication_done` (from any thread) after each
/// replication finishes.
///
/// # Errors
///
/// As [`run`].
///
/// # Panics
///
/// Panics if `opts.replications` is 0.
pub fn run_with_progress(
    model: &Model,
    opts: &RunOptions,
    on_replication_done: &(dyn Fn() + Sync),
) -> Result<RunResults, RunError> {
    assert!(opts.replications > 0, "a run needs at least one replication");
    let first = opts.first_replication;
    let merged = fold_in_order(
        first..first + opts.replications,
        |rep| {
            let r = simulate_replication(model, opts.seed, rep);
            on_replication_done();
            r
        },
        |merged: &mut RunResults, r| merged.merge(&r),
    )?;
    Ok(merged.expect("at least one replication"))
}

/// Produces `produce(i)` for every `i` in `indices` on the current rayon
/// pool and folds the values with `fold` in index order, as they finish:
/// the first value starts the accumulator, each later one is folded into
/// it exactly when every lower index has been. The result is the same as
/// producing everything and folding sequentially, on any pool.
///
/// Indices are handed out in increasing order, and a worker does not start
/// an index `threads + 1` or more past the lowest one not yet folded (it
/// waits), so at most `threads + 2` values exist at once (the accumulator,
/// `threads + 1` being produced or waiting to be folded): memory
/// follows the pool, not the number of indices. Errors are folded in index
/// order too: the lowest failing index's error is returned, and no index
/// above it is started once it is known.
///
/// Returns `Ok(None)` for an empty range.
///
/// # Errors
///
/// The error of the lowest index whose `produce` failed.
pub(crate) fn fold_in_order<T: Send, E: Send>(
    indices: Range<u64>,
    produce: impl Fn(u64) -> Result<T, E> + Sync,
    fold: impl Fn(&mut T, T) + Sync,
) -> Result<Option<T>, E> {
    let n = indices.end.saturating_sub(indices.start);
    let workers = (rayon::current_num_threads() as u64).clamp(1, n.max(1));
    // A window of one more than the workers lets a worker that finished
    // ahead start its next index while the lowest one is still running,
    // without letting results pile up behind a slow one.
    let window = workers + 1;
    let state = Mutex::new(InOrder {
        next: indices.start,
        pending: BTreeMap::new(),
        acc: None,
        error: None,
        stopped: false,
    });
    let moved_on = Condvar::new();
    let claims = AtomicU64::new(indices.start);
    // Lowest index known to have failed: nothing above it is started.
    let lowest_failure = AtomicU64::new(u64::MAX);
    let lock = || state.lock().unwrap_or_else(PoisonError::into_inner);
    let worker = || {
        loop {
            let i = claims.fetch_add(1, Ordering::Relaxed);
            if i >= indices.end || i > lowest_failure.load(Ordering::Relaxed) {
                return;
            }
            {
                let mut s = lock();
                // The lowest unfolded index is always being produced by a
                // worker that is not waiting (it is below the window), so
                // this wait ends.
                while i >= s.next + window && !s.stopped {
                    s = moved_on.wait(s).unwrap_or_else(PoisonError::into_inner);
                }
                if s.stopped {
                    return;
                }
            }
            let value = produce(i);
            if value.is_err() {
                lowest_failure.fetch_min(i, Ordering::Relaxed);
            }
            let mut s = lock();
            s.pending.insert(i, value);
            let before = s.next;
            s.drain(&fold);
            if s.next != before || s.stopped {
                moved_on.notify_all();
            }
        }
    };
    rayon::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|_| worker());
        }
    });
    let s = state.into_inner().unwrap_or_else(PoisonError::into_inner);
    match s.error {
        Some(e) => Err(e),
        None => Ok(s.acc),
    }
}

/// The reorder buffer of [`fold_in_order`].
struct InOrder<T, E> {
    /// The lowest index not yet folded.
    next: u64,
    /// Values that finished before a lower index did.
    pending: BTreeMap<u64, Result<T, E>>,
    acc: Option<T>,
    /// The first error in index order; set, it stops the run.
    error: Option<E>,
    stopped: bool,
}

impl<T, E> InOrder<T, E> {
    /// Folds every pending value whose lower indices are all folded.
    fn drain(&mut self, fold: &impl Fn(&mut T, T)) {
        while !self.stopped {
            let Some(value) = self.pending.remove(&self.next) else { return };
            self.next += 1;
            match (value, self.acc.as_mut()) {
                (Ok(v), Some(acc)) => fold(acc, v),
                (Ok(v), None) => self.acc = Some(v),
                (Err(e), _) => {
                    self.error = Some(e);
                    self.stopped = true;
                    self.pending.clear();
                }
            }
        }
    }
}

/// A pilot run for warm-up detection: replication `replication` of `model`
/// with no warm-up, returning per route the means \[ms\] of consecutive
/// batches of `batch` completions, in completion order.
///
/// # Errors
///
/// As [`crate::simulate_replication`].
pub fn pilot_batch_means(
    model: &Model,
    seed: u64,
    replication: u64,
    batch: usize,
) -> Result<Vec<Vec<f64>>, RunError> {
    let mut cold = model.clone();
    for r in &mut cold.routes {
        r.workload.warmup = 0;
    }
    Engine::new(&cold, seed, replication).run_traced(batch)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicUsize;

    /// A value that counts how many of its kind are alive at once.
    struct Counted<'a> {
        index: u64,
        live: &'a AtomicUsize,
    }

    impl<'a> Counted<'a> {
        fn new(index: u64, live: &'a AtomicUsize, peak: &'a AtomicUsize) -> Self {
            let now = live.fetch_add(1, Ordering::SeqCst) + 1;
            peak.fetch_max(now, Ordering::SeqCst);
            Counted { index, live }
        }
    }

    impl Drop for Counted<'_> {
        fn drop(&mut self) {
            self.live.fetch_sub(1, Ordering::SeqCst);
        }
    }

    fn pool(threads: usize) -> rayon::ThreadPool {
        rayon::ThreadPoolBuilder::new().num_threads(threads).build().expect("a pool")
    }

    /// Issue 13: replications were all collected before merging, so memory
    /// grew with their number. Folded as they finish, at most threads + 2
    /// are alive at once, and the fold still sees them in index order.
    #[test]
    fn issue_13_fold_keeps_index_order_and_memory_follows_threads() {
        for threads in [1, 2, 4] {
            let (live, peak) = (AtomicUsize::new(0), AtomicUsize::new(0));
            let folded = pool(threads).install(|| {
                fold_in_order(
                    0..500,
                    |i| {
                        // Uneven work, so that workers finish out of order.
                        let spin = (i * 7919) % 13 * 2_000;
                        std::hint::black_box((0..spin).sum::<u64>());
                        Ok::<_, ()>((vec![i], Counted::new(i, &live, &peak)))
                    },
                    |acc, (v, c)| {
                        acc.0.extend(v);
                        assert_eq!(c.index, acc.0.len() as u64 - 1);
                        drop(c);
                    },
                )
            });
            let (order, last) = folded.expect("no failure").expect("500 values");
            assert_eq!(order, (0..500).collect::<Vec<_>>(), "{threads} threads");
            drop(last);
            assert_eq!(live.load(Ordering::SeqCst), 0);
            let peak = peak.load(Ordering::SeqCst);
            assert!(peak <= threads + 2, "{threads} threads: {peak} values alive at once");
        }
    }

    /// The lowest failing index is the error reported, on any pool, and
    /// indices far above it are never produced.
    #[test]
    fn fold_reports_the_lowest_failure() {
        for threads in [1, 2, 4] {
            let produced = AtomicUsize::new(0);
            let r = pool(threads).install(|| {
                fold_in_order(
                    0..10_000,
                    |i| {
                        produced.fetch_add(1, Ordering::SeqCst);
                        if i == 37 || i == 41 || i == 90 { Err(i) } else { Ok(i) }
                    },
                    |acc, v| *acc += v,
                )
            });
            assert_eq!(r, Err(37), "{threads} threads");
            let produced = produced.load(Ordering::SeqCst);
            assert!(produced < 200, "{threads} threads produced {produced} values");
        }
        let none = fold_in_order(5..5, Ok::<u64, ()>, |a, v| *a += v);
        assert_eq!(none, Ok(None));
    }
}
