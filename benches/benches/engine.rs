//! Whole-run engine throughput: simulated requests per wall-clock second on
//! one thread.
//!
//! The model is a one-way tandem of five M/M/c stations (c = 2, 4, 8, 2, 4)
//! joined by constant 0.1 ms links, fed by Poisson arrivals at 10,000 per
//! second; every station's service mean is set for a load of 0.7. Each
//! criterion iteration is one replication of 200,000 requests (the first
//! 20,000 are warm-up: simulated, not measured) run by
//! `sim_core::simulate_replication` on the calling thread, so the figure is
//! single-core throughput with no rayon involved. Every request costs ten
//! events: its arrival, five service completions and four link crossings.
//!
//! Throughput is in simulated requests (all of them, warm-up included).

use std::hint::black_box;
use std::time::Duration;

use aznetsim_benches::{LOAD, SEED, reference};
use criterion::{Criterion, SamplingMode, Throughput, criterion_group, criterion_main};

/// Requests per replication, warm-up included (see `reference`).
const REQUESTS: u64 = 200_000;
const WARMUP: u64 = 20_000;

fn engine_tandem(c: &mut Criterion) {
    let model = reference();
    // The run must be the one described above, or its timing means nothing.
    let r = sim_core::simulate_replication(&model, SEED, 0).expect("the run completes");
    let route = &r.routes()[0];
    assert_eq!(route.offered(), REQUESTS - WARMUP);
    assert_eq!(route.completed(), REQUESTS - WARMUP, "no queue is limited: nothing is rejected");
    for s in r.stations() {
        let u = s.utilization().expect("finite servers");
        assert!((u - LOAD).abs() < 0.03, "station {} at utilisation {u}", s.name());
    }

    let mut group = c.benchmark_group("engine");
    group.throughput(Throughput::Elements(REQUESTS));
    // One iteration takes a fraction of a second: equal iteration counts
    // per sample keep the run short.
    group.sampling_mode(SamplingMode::Flat);
    group.sample_size(10);
    group.warm_up_time(Duration::from_secs(2));
    group.measurement_time(Duration::from_secs(15));
    // The same replication every time: identical work in every iteration,
    // so the spread measures the machine, not the model.
    group.bench_function("tandem_5_mmc_one_way", |b| {
        b.iter(|| {
            black_box(sim_core::simulate_replication(&model, SEED, 0).expect("the run completes"))
        });
    });
    group.finish();
}

criterion_group!(benches, engine_tandem);
criterion_main!(benches);
