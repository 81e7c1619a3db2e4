//! A plausible range for each estimate (EST) of the catalog: the values a
//! sensitivity run sets the figure to, low and then high.
//!
//! Nothing publishes these figures, so nothing publishes their ranges
//! either: each range is a judgement, and its reasoning says what it rests
//! on. They are kept here, keyed by figure key, apart from the figures
//! themselves so that a figure and its range change independently. A test
//! (`tests/scenarios/catalog_use.rs`) fails when a scenario uses an EST
//! figure that has no range; the tests below check that every range
//! belongs to an EST figure and contains its value.
//!
//! Conventions: a lognormal shape σ is taken from half to twice the default
//! (σ 0.25 puts the p99 at 1.8 times the median, σ 1.0 at 10 times); a
//! count is a whole number; a fraction stays within 0..1.

/// The range of one estimate, in the figure's unit.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Range {
    /// The figure's key.
    pub key: &'static str,
    /// The low value (at most the figure's value).
    pub low: f64,
    /// The high value (at least the figure's value, above `low`).
    pub high: f64,
    /// Why these two values: what the range rests on.
    pub why: &'static str,
}

const fn r(key: &'static str, low: f64, high: f64, why: &'static str) -> Range {
    Range { key, low, high, why }
}

/// Half to twice a lognormal shape, as every σ without a better reason.
const SHAPE: &str = "lognormal shape: half to twice the default (no distribution is published)";

/// Every range; keys are unique and belong to EST figures (tested).
pub(super) const LIST: &[Range] = &[
    r("azure_firewall.latency_sigma", 0.25, 1.0, SHAPE),
    r(
        "apim.basicv2.capacity_per_unit_per_s",
        500.0,
        1500.0,
        "copied from classic Basic (1,000); the v2 platform differs: half to one and a half times",
    ),
    r(
        "apim.standardv2.capacity_per_unit_per_s",
        1250.0,
        3750.0,
        "copied from classic Standard (2,500); the v2 platform differs: half to one and a half times",
    ),
    r(
        "apim.premiumv2.capacity_per_unit_per_s",
        2000.0,
        6000.0,
        "copied from classic Premium (4,000); the v2 platform differs: half to one and a half times",
    ),
    r(
        "apim.gateway_latency_ms",
        1.0,
        10.0,
        "a reverse proxy without policies adds about 1 ms at best; forum reports of APIM overhead reach 10 ms",
    ),
    r("apim.gateway_latency_sigma", 0.25, 1.0, SHAPE),
    r(
        "app_gateway.min_instances",
        2.0,
        4.0,
        "2 survives losing one instance; autoscale often holds 3 to 4 at moderate load",
    ),
    r(
        "app_gateway.standard_v2.latency_ms",
        0.5,
        3.0,
        "an L7 proxy without WAF: half a millisecond at best, a few under load",
    ),
    r(
        "app_gateway.waf_v2.extra_latency_ms",
        0.5,
        3.0,
        "WAF rule evaluation on top of the proxy's own processing: as much again as Standard_v2's range (the default doubles its 1 ms)",
    ),
    r("app_gateway.latency_sigma", 0.25, 1.0, SHAPE),
    r(
        "azure_firewall.spike_probability",
        0.001,
        0.05,
        "share of traversals in a latency spike: Microsoft says only that intermittent spikes are expected; from one in a thousand to one in twenty",
    ),
    r(
        "azure_firewall.spike_factor",
        2.0,
        10.0,
        "how much slower a spike is: users report spikes of a few times to an order of magnitude over the baseline",
    ),
    r(
        "azure_firewall.rated_packet_bytes",
        500.0,
        1500.0,
        "packet size at which the per-instance throughput holds: full 1,500-byte packets at best; a firewall rated on small packets would have a third of the packet rate",
    ),
    r(
        "apim.developer.cores_per_unit",
        1.0,
        2.0,
        "cores of one unit: half to twice the estimate (the VM size behind a unit is not published)",
    ),
    r(
        "apim.basic.cores_per_unit",
        1.0,
        2.0,
        "cores of one unit: half to twice the estimate (the VM size behind a unit is not published)",
    ),
    r(
        "apim.standard.cores_per_unit",
        1.0,
        4.0,
        "cores of one unit: half to twice the estimate (the VM size behind a unit is not published)",
    ),
    r(
        "apim.premium.cores_per_unit",
        2.0,
        8.0,
        "cores of one unit: half to twice the estimate (the VM size behind a unit is not published)",
    ),
    r(
        "apim.basicv2.cores_per_unit",
        1.0,
        2.0,
        "cores of one unit: half to twice the estimate (the VM size behind a unit is not published)",
    ),
    r(
        "apim.standardv2.cores_per_unit",
        1.0,
        4.0,
        "cores of one unit: half to twice the estimate (the VM size behind a unit is not published)",
    ),
    r(
        "apim.premiumv2.cores_per_unit",
        2.0,
        8.0,
        "cores of one unit: half to twice the estimate (the VM size behind a unit is not published)",
    ),
    r(
        "apim.nominal_utilization",
        0.6,
        0.95,
        "busy share at which the published requests/s hold: from a comfortable 60 % to near saturation",
    ),
    r(
        "apim.backend_connection_reuse",
        0.9,
        0.999,
        "share of requests APIM sends on a pooled backend connection: 0.9 (the generic default) to nearly every one (pooled and reused unless the backend closes them)",
    ),
    r(
        "identity_provider.rate_limit_per_s",
        50.0,
        1000.0,
        "Entra ID's token-endpoint limit is not published: from a quarter of External ID's 200/s per tenant to five times it",
    ),
    r(
        "identity_provider.failure_probability",
        0.0,
        0.01,
        "share of token exchanges that get an error answer: none (the default) to one in a hundred; Entra publishes no error rate",
    ),
    r(
        "identity_provider.rate_limit_burst_s",
        0.1,
        10.0,
        "seconds of the rate a burst may take at once: a tenth of a second to ten seconds (the throttling algorithm is not published)",
    ),
    r(
        "app_gateway.cu_ceiling_per_instance",
        10.0,
        200.0,
        "CUs one instance delivers: from the guaranteed minimum of 10 to twice the default (nothing publishes a maximum)",
    ),
    r(
        "vpn.wan_tail_probability",
        0.001,
        0.05,
        "share of VPN round trips in the slow tail: one in a thousand to one in twenty over the Internet",
    ),
    r(
        "vpn.wan_tail_factor",
        1.5,
        10.0,
        "how much slower the tail's median is than the body's: from congestion (1.5×) to rerouting (10×)",
    ),
    r("vpn.wan_tail_sigma", 0.25, 1.0, SHAPE),
    r("vpn_gateway.latency_sigma", 0.25, 1.0, SHAPE),
    r(
        "vpn.wan_rtt_ms",
        5.0,
        30.0,
        "Internet RTT to a site in the same country: about 5 ms in one metro area, 30 ms across a large country",
    ),
    r("vpn.wan_rtt_sigma", 0.15, 0.6, "Internet jitter: half to twice the default shape"),
    r(
        "expressroute_gateway.latency_ms",
        0.1,
        1.0,
        "a gateway in the data path: 0.1 ms for a hardware path, 1 ms like the VPN gateway transit of S20",
    ),
    r("expressroute_gateway.latency_sigma", 0.2, 0.8, SHAPE),
    r(
        "expressroute.circuit_rtt_base_ms",
        1.0,
        5.0,
        "equipment at both ends and the provider's hand-off: 1 ms in a colocation, 5 ms through a provider's network",
    ),
    r(
        "expressroute.circuit_rtt_per_100km_ms",
        1.0,
        2.0,
        "light in fibre gives 1 ms per 100 km; fibre rarely runs straight: up to twice the distance",
    ),
    r(
        "expressroute.circuit_rtt_sigma",
        0.05,
        0.3,
        "a floor with small jitter: from half the default to the spread of inter-region RTT (P95/P50 up to 1.3)",
    ),
    r("network.intra_zone_sigma", 0.15, 0.6, SHAPE),
    r("network.cross_zone_sigma", 0.2, 0.8, SHAPE),
    r(
        "onprem_firewall.latency_ms",
        0.05,
        1.0,
        "an unknown appliance: 50 µs for a stateful L4 path, 1 ms with deep inspection",
    ),
    r("onprem_firewall.latency_sigma", 0.25, 1.0, SHAPE),
    r(
        "onprem_firewall.throughput_gbps",
        1.0,
        40.0,
        "an unknown appliance: a branch box (1 Gbps) to a data-centre pair (40 Gbps)",
    ),
    r(
        "onprem_api_gateway.latency_ms",
        1.0,
        10.0,
        "taken equal to managed APIM's, so the same range",
    ),
    r("onprem_api_gateway.latency_sigma", 0.25, 1.0, SHAPE),
    r(
        "onprem_api_gateway.capacity_per_node_per_s",
        750.0,
        3000.0,
        "one measurement of a 2-vCPU self-hosted gateway (S16): half of it to a node twice as large",
    ),
    r(
        "onprem_api_gateway.nodes",
        2.0,
        4.0,
        "the production minimum of a self-hosted gateway (S26) to twice it",
    ),
    r(
        "backend.service_ms",
        5.0,
        50.0,
        "a workload input, not Azure's: a cached read (5 ms) to a database-bound call (50 ms)",
    ),
    r(
        "backend.service_sigma",
        0.4,
        1.2,
        "backend tails vary widely: from half to one and a half times the default shape",
    ),
    r(
        "tls.connection_reuse",
        0.5,
        0.99,
        "pooling clients reuse nearly every connection (0.99); short-lived clients half of them",
    ),
    r(
        "identity_provider.token_ms",
        50.0,
        500.0,
        "anecdotes range from fast refreshes to calls over half a second (first calls up to 5.7 s are outliers)",
    ),
    r(
        "identity_provider.token_sigma",
        0.4,
        1.2,
        "wide, as the anecdotes are: half to one and a half times the default shape",
    ),
    r(
        "azure_firewall.premium.inspection_handshake_cpu_ms",
        0.5,
        5.0,
        "firewall CPU per inspected handshake: from a fast core's RSA-2048 sign (0.66 ms, the review's faster openssl runs) plus verification, to a few times the slow-core 1.4 ms for a busy shared instance",
    ),
    r(
        "azure_firewall.premium.inspection_certificate_generation_ms",
        10.0,
        200.0,
        "RSA-2048 key generation varies widely with the primes found: from about 10 ms on a fast core to a few hundred ms on a slow one",
    ),
    r(
        "azure_firewall.premium.inspection_certificate_miss",
        0.001,
        0.1,
        "from one in a thousand new connections (one host name, long-lived cache) to one in ten (many host names, short cache)",
    ),
    // Identity at scale (issue 12 item 2).
    r(
        "apim.cache_flushes_per_day",
        0.1,
        24.0,
        "events that empty the built-in cache: one in ten days (a quiet instance, monthly platform updates and a rare scale event) to one an hour (hourly autoscale or frequent deployments)",
    ),
    r(
        "apim.external_cache_flushes_per_day",
        0.0,
        1.0,
        "an external cache survives APIM's events: none (the default) to a daily failover of the cache itself",
    ),
    r(
        "entra.token_base_bytes",
        1000.0,
        3000.0,
        "an access token without groups: a v1 token with few claims to a v2 token with roles, scopes, wids and optional claims",
    ),
    r(
        "graph.member_of_ms",
        20.0,
        300.0,
        "Graph's answer to memberOf: a fast regional answer to a slow one for a user in hundreds of groups (nothing is published)",
    ),
    r("graph.member_of_sigma", 0.3, 1.2, SHAPE),
    r(
        "graph.retry_after_s",
        1.0,
        60.0,
        "Graph's Retry-After: a second to Entra's token-endpoint minute (the value is not published)",
    ),
    r(
        "graph.failure_probability",
        0.0,
        0.01,
        "share of Graph calls with an error answer: none (the default) to one in a hundred",
    ),
    r(
        "graph.member_of_response_bytes",
        5000.0,
        100000.0,
        "one memberOf page: ids only for a user just past the limit to full group objects for hundreds of groups",
    ),
    r(
        "domain_controller.kcd_ms",
        0.5,
        20.0,
        "two TGS exchanges at a domain controller: an idle local one to a busy or remote one",
    ),
    r("domain_controller.kcd_sigma", 0.25, 1.0, SHAPE),
    r(
        "domain_controller.kcd_bytes",
        2000.0,
        20000.0,
        "the two exchanges' tickets: a user in few groups to one whose PAC carries hundreds of SIDs",
    ),
    r(
        "domain_controller.failure_probability",
        0.0,
        0.01,
        "share of delegations that fail: none (the default) to one in a hundred",
    ),
];

#[cfg(test)]
mod tests {
    use super::super::{FIGURES, Tag};
    use super::*;

    #[test]
    fn every_range_belongs_to_an_estimate_and_contains_its_value() {
        let mut keys: Vec<&str> = LIST.iter().map(|r| r.key).collect();
        keys.sort_unstable();
        assert!(keys.windows(2).all(|w| w[0] != w[1]), "a key twice: {keys:?}");
        for r in LIST {
            let f = FIGURES.iter().find(|f| f.key == r.key);
            let f = f.unwrap_or_else(|| panic!("range for unknown figure {}", r.key));
            assert_eq!(f.tag, Tag::Est, "{}: ranges are for estimates", r.key);
            assert!(r.low >= 0.0 && r.low <= f.value && f.value <= r.high, "{r:?} vs {}", f.value);
            assert!(r.low < r.high, "{}: an empty range", r.key);
            assert!(!r.why.trim().is_empty(), "{}: no reasoning", r.key);
            if ["instances", "nodes", "units"].contains(&f.unit) {
                assert!(r.low.fract() == 0.0 && r.high.fract() == 0.0, "{}: a count", r.key);
            }
            if f.unit == "fraction" {
                assert!(r.high <= 1.0, "{}: a fraction", r.key);
            }
        }
    }
}
