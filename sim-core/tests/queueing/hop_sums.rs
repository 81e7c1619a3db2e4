//! The per-hop breakdown adds up to the end-to-end latency.

use sim_core::RunOptions;

use crate::{check_conserved, rich_model};

const SEED: u64 = 0x00A1_0009;

/// For every completed request, end-to-end latency is the sum over its hops
/// of queue wait, service, link latency and serialisation (waiting for the
/// transmitter included): time is only ever spent in one of these places.
/// The engine keeps both sides as integer nanosecond sums, so the means
/// agree to floating-point rounding. Checked on a model with round trips, a
/// revisited station, shared links in both directions, rejections and
/// capacity changes.
#[test]
fn hop_components_sum_to_end_to_end_mean() {
    let model = rich_model(200_000);
    let results = sim_core::run(&model, &RunOptions::new(SEED, 2)).expect("the run completes");
    let mut rejected = 0;
    for route in results.routes() {
        check_conserved(route, SEED);
        rejected += route.rejected();
        let sum: f64 = route
            .hops()
            .iter()
            .map(|h| {
                h.wait_ms_mean()
                    + h.service_ms_mean()
                    + h.link_ms_mean()
                    + h.serialization_ms_mean()
            })
            .sum();
        let err = sum / route.mean_ms() - 1.0;
        println!(
            "hop sums, route {}: Σ hops {sum:.9} ms, end-to-end {:.9} ms, relative difference {err:.2e}",
            route.name(),
            route.mean_ms()
        );
        for h in route.hops() {
            println!(
                "    {:<14} wait {:>9.4}  service {:>9.4}  link {:>9.4}  serialisation {:>9.4} ms",
                h.name(),
                h.wait_ms_mean(),
                h.service_ms_mean(),
                h.link_ms_mean(),
                h.serialization_ms_mean()
            );
        }
        assert!(
            err.abs() < 1e-9,
            "route {}: Σ hops {sum} vs mean {} (seed {SEED:#x})",
            route.name(),
            route.mean_ms()
        );

        // The origin serves nothing, and an unbounded station never queues.
        let hops = route.hops();
        assert_eq!(hops[0].wait_ms_mean() + hops[0].service_ms_mean(), 0.0, "seed {SEED:#x}");
        let c = hops.last().unwrap();
        assert_eq!(c.name(), "c");
        assert_eq!(
            c.wait_ms_mean(),
            0.0,
            "route {}: wait at unbounded station (seed {SEED:#x})",
            route.name()
        );
    }
    assert!(rejected > 0, "the model is meant to exercise rejections (seed {SEED:#x})");
}
