//! `--report`: SVG charts saved with the results, text readable by any
//! SVG viewer (the words are `<text>` elements, not paths).

use std::path::Path;

use super::{SMALL, TINY_SETS, apim, aznetsim, entries, stdout_of};

/// The words of an SVG's `<text>` elements, entities decoded.
fn texts(svg: &str) -> Vec<String> {
    svg.split("<text")
        .skip(1)
        .filter_map(|t| {
            let body = &t[t.find('>')? + 1..t.find("</text>")?];
            Some(
                body.trim()
                    .replace("&apos;", "'")
                    .replace("&quot;", "\"")
                    .replace("&lt;", "<")
                    .replace("&gt;", ">")
                    .replace("&amp;", "&"),
            )
        })
        .collect()
}

/// Reads `dir/name`, checks it is an SVG document, and that every word of
/// `wanted` is (in) one of its texts.
fn check_svg(dir: &Path, name: &str, wanted: &[&str]) -> Vec<String> {
    let path = dir.join(name);
    let svg = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    assert!(svg.starts_with("<svg"), "{name}: {}", &svg[..svg.len().min(100)]);
    assert!(svg.trim_end().ends_with("</svg>"), "{name} is cut short");
    let texts = texts(&svg);
    for w in wanted {
        assert!(texts.iter().any(|t| t.contains(w)), "{name}: no text {w:?} in {texts:?}");
    }
    texts
}

/// The caption of the run charts of [`SMALL`] on topology A.
const CAPTION: &str = "scenario apim-hub-proxy, seed 42, 2 replications of 5000 requests per route (the first 500 of each are warm-up, not measured)";

#[test]
fn run_report_draws_the_latency_distribution_and_where_the_time_goes() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("run");
    stdout_of(
        aznetsim().arg("run").arg(apim()).args(SMALL).args(["-q", "--report", "--out"]).arg(&dir),
    );
    let mut want = vec![
        "breakdown.svg",
        "cost.svg",
        "green.hlog",
        "latency.svg",
        "manifest.json",
        "red.hlog",
        "scenario.json",
        "states.jsonl",
        "summary.csv",
        "summary.json",
        "topology.svg",
    ];
    want.sort();
    assert_eq!(entries(&dir), want);
    check_svg(
        &dir,
        "latency.svg",
        &[
            "apim-hub-proxy: end-to-end latency by percentile",
            "green: p50",
            "red: p50",
            "percentile",
            "latency [ms]",
            "99.9%",
            "dashed: fewer than 10 samples beyond the percentile",
            CAPTION,
        ],
    );
    check_svg(
        &dir,
        "breakdown.svg",
        &[
            "where the time goes, hop by hop",
            "green: ",
            "red: ",
            "ms mean per request, the sum of its hops",
            // One bar per hop: the nodes of the routes.
            "client",
            "apim",
            "mean time per request at each hop [ms]",
            "queue wait",
            "service",
            "link",
            "serialisation",
            "handshake",
            "nested calls",
            CAPTION,
        ],
    );
    // Issue 16: what each route costs, stacked by meter, the total at the
    // end of each bar.
    let texts = check_svg(
        &dir,
        "cost.svg",
        &[
            "apim-hub-proxy: what each route costs per month",
            "green",
            "red",
            "cost per month at the measured throughput [USD, list prices: an estimate]",
            "hub-fw fixed",
            "hub-fw data",
            "apim fixed",
            "client<->hub-fw data",
            " USD",
            CAPTION,
        ],
    );
    let totals = texts.iter().filter(|t| t.ends_with(" USD")).count();
    assert_eq!(totals, 2, "{texts:?}");
}

#[test]
fn sweep_report_draws_p99_against_the_swept_field() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("sweep");
    stdout_of(
        aznetsim()
            .arg("sweep")
            .arg(apim())
            .args(TINY_SETS)
            .args(["--vary", "nodes.apim.units=1..3:1", "-q", "--report", "--out"])
            .arg(&dir),
    );
    let texts = check_svg(
        &dir,
        "p99-against-load.svg",
        &[
            "p99 against nodes.apim.units",
            "green",
            "red",
            "p99 latency [ms]",
            "scenario apim-hub-proxy, seed 42, 2 replications of 2000 requests per route (the first 200",
        ],
    );
    // The x axis is the field the sweep varied, not an arrival rate.
    assert!(texts.iter().any(|t| t == "nodes.apim.units"), "{texts:?}");
    assert!(!texts.iter().any(|t| t.contains("arrival rate")), "{texts:?}");
    // The topology, as `draw` shows it, comes with every --report.
    check_svg(&dir, "topology.svg", &["green", "red", "apim"]);
}

#[test]
fn capacity_report_draws_every_rate_the_search_tried_and_the_slo() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("capacity");
    stdout_of(
        aznetsim()
            .arg("capacity")
            .arg(apim())
            .args(TINY_SETS)
            .args(["--slo", "p99<=200ms", "--precision", "0.1", "-q", "--report", "--out"])
            .arg(&dir),
    );
    check_svg(&dir, "topology.svg", &["green", "red", "apim"]);
    check_svg(
        &dir,
        "p99-against-load.svg",
        &[
            "capacity search, SLO p99<=200ms",
            "green: capacity",
            "red: capacity",
            "ring: capacity found",
            "arrival rate [requests/s]",
            "p99 latency [ms] (log scale)",
            "SLO 200 ms",
            "scenario apim-hub-proxy, seed 42, 2 replications of 2000 requests per route",
        ],
    );
}
