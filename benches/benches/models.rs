//! Engine throughput in events per second on one thread, across model
//! sizes (issue 13): the reference route, the shipped topology A scenario
//! as a user runs it, a 50-station chain, a 100-route mix through 10
//! shared stations and 100 routes of their own stations (500 stations).
//!
//! Each criterion iteration is one replication of each model, run by
//! `sim_core::simulate_replication` on the calling thread (no rayon). The
//! throughput criterion prints is in engine events (arrivals, service
//! completions, link arrivals; warm-up included), counted by a first run,
//! so the models compare per event: the target is that the large models
//! keep at least 0.8 of the reference route's events per second.
//!
//! Under `cargo test --benches` criterion runs each once (smoke mode).

use std::hint::black_box;
use std::time::Duration;

use aznetsim_benches::{SEED, timed_models};
use criterion::{Criterion, SamplingMode, Throughput, criterion_group, criterion_main};
use sim_core::Model;

/// One replication of each of `models` \[events\].
fn events(models: &[Model]) -> u64 {
    models
        .iter()
        .map(|m| sim_core::simulate_replication(m, SEED, 0).expect("the run completes").events())
        .sum()
}

fn engine_models(c: &mut Criterion) {
    let cases = timed_models();
    let mut group = c.benchmark_group("models");
    group.sampling_mode(SamplingMode::Flat);
    group.sample_size(10);
    group.warm_up_time(Duration::from_secs(1));
    group.measurement_time(Duration::from_secs(10));
    for (name, models) in &cases {
        let n = events(models);
        assert!(n > 0, "{name} processed no event");
        group.throughput(Throughput::Elements(n));
        group.bench_function(*name, |b| {
            b.iter(|| {
                for m in models {
                    black_box(sim_core::simulate_replication(m, SEED, 0).expect("completes"));
                }
            });
        });
    }
    group.finish();
}

criterion_group!(benches, engine_models);
criterion_main!(benches);
