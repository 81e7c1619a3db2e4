//! `aznetsim sensitivity`: the tornado table, its JSON, the saved SVG and
//! the work bound.

use serde_json::Value;

use super::{EXIT_INVALID, TINY_SETS, apim, aznetsim, entries, failure_of, stdout_of};

#[test]
fn the_table_ranks_estimates_under_the_difference_and_says_what_it_is() {
    let text = stdout_of(aznetsim().arg("sensitivity").arg(apim()).args(TINY_SETS).arg("-q"));
    assert!(
        text.starts_with("scenario apim-hub-proxy · seed 42 · 2 replications of 2000 requests")
    );
    assert!(text.contains("\nred - green at the catalog's values: mean "), "{text}");
    assert!(text.contains("(95% intervals: simulation noise only;"), "{text}");
    let header = text.lines().find(|l| l.starts_with("figure ")).expect("a table");
    for col in ["tag", "low", "high", "mean at low ms", "mean at high ms", "swing ms"] {
        assert!(header.contains(col), "{header}");
    }
    // Rows are EST figures, by swing: the swing column never grows.
    let rows: Vec<&str> = text
        .lines()
        .skip_while(|l| !l.starts_with("figure "))
        .skip(1)
        .take_while(|l| !l.is_empty())
        .collect();
    assert!(rows.len() >= 5, "{text}");
    let swings: Vec<f64> = rows
        .iter()
        .map(|r| {
            let cells: Vec<&str> = r.split_whitespace().collect();
            assert_eq!(cells[1], "EST", "{r}");
            // "mean at low ms" etc. are several words: count from the end.
            cells[cells.len() - 5].parse().unwrap_or_else(|_| panic!("{r}"))
        })
        .collect();
    assert!(swings.windows(2).all(|w| w[0] >= w[1]), "{swings:?}");
    assert!(text.contains("The ranges are judgement"), "{text}");
    assert!(text.contains("interactions are not seen"), "{text}");
}

#[test]
fn json_and_the_saved_svg_tornado() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("s");
    let out = stdout_of(
        aznetsim()
            .arg("sensitivity")
            .arg(apim())
            .args(TINY_SETS)
            .args(["-q", "--format", "json", "--baseline", "red", "--report", "--out"])
            .arg(&dir),
    );
    let doc: Value = serde_json::from_str(&out).expect("one JSON document");
    assert_eq!(doc["baseline"], "red");
    assert_eq!(doc["tornadoes"][0]["route"], "green");
    let bars = doc["tornadoes"][0]["bars"].as_array().unwrap();
    assert_eq!(bars.len(), doc["figures"].as_array().unwrap().len());
    assert!(doc["method"].as_str().unwrap().contains("simulation noise only"));
    assert_eq!(
        entries(&dir),
        ["manifest.json", "scenario.json", "states.jsonl", "summary.json", "tornado.svg"]
    );
    let saved: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("summary.json")).unwrap()).unwrap();
    assert_eq!(saved, doc);
    // A well-formed SVG document, read by an XML parser, whose texts name
    // the panel, the figures and the legend.
    let svg = std::fs::read_to_string(dir.join("tornado.svg")).unwrap();
    let xml = roxmltree::Document::parse(&svg).unwrap_or_else(|e| panic!("not XML: {e}"));
    assert_eq!(xml.root_element().tag_name().name(), "svg");
    let texts: Vec<String> = xml
        .descendants()
        .filter(|n| n.has_tag_name("text"))
        .filter_map(|n| n.text().map(str::trim).map(str::to_string))
        .collect();
    let first = bars[0]["key"].as_str().unwrap();
    for want in [
        "green - red: mean difference, each estimate at the ends of its range",
        first,
        "figure at the low end of its range",
        "figure at the high end",
        "mean difference from the baseline [ms]",
    ] {
        assert!(texts.iter().any(|t| t.contains(want)), "no text {want:?} in {texts:?}");
    }
    // One bar half per end and figure, in the two colours.
    let rects = xml.descendants().filter(|n| n.has_tag_name("rect")).count();
    assert!(rects >= 2 * bars.len(), "{rects} rectangles for {} figures", bars.len());
}

#[test]
fn the_work_bound_counts_every_run() {
    // 1e8 requests x 8 replications x 2 routes is within the bound for a
    // run; times the runs of a sensitivity, it is past it.
    let e = failure_of(
        aznetsim().arg("sensitivity").arg(apim()).args([
            "--requests",
            "1e8",
            "--replications",
            "8",
        ]),
        EXIT_INVALID,
    );
    assert!(e.contains("runs (1 + 2 x EST figures)"), "{e}");
    assert!(e.contains("pass --yes"), "{e}");
}

#[test]
fn an_unknown_baseline_is_refused_before_any_run() {
    let e = failure_of(
        aznetsim().arg("sensitivity").arg(apim()).args(TINY_SETS).args(["--baseline", "blue"]),
        EXIT_INVALID,
    );
    assert!(e.contains("--baseline blue: no such route; routes: green, red"), "{e}");
}
