//! `aznetsim draw` (issue 17.1): the topology as SVG, dot and Mermaid,
//! every node and route in each, the same bytes every time; and
//! `topology.svg` of `run --report`, with each hop's time and utilisation.

use std::path::{Path, PathBuf};
use std::process::Command as Process;

use super::{
    EXIT_INVALID, SMALL, apim, aznetsim, failure_of, resolved, root, shipped_scenarios, stdout_of,
};

fn onprem() -> PathBuf {
    root().join("scenarios/onprem-gateway.json")
}

/// The node and route names of a scenario file, read from its JSON.
fn names(scenario: &Path) -> (Vec<String>, Vec<String>) {
    // A variant is a patch of its base: the names of the resolved scenario.
    let doc = resolved(scenario);
    let nodes = doc["nodes"].as_object().unwrap().keys().cloned().collect();
    let routes =
        doc["routes"].as_array().unwrap().iter().map(|r| r["name"].as_str().unwrap().to_string());
    (nodes, routes.collect())
}

fn draw(scenario: &Path, format: &str) -> String {
    stdout_of(aznetsim().arg("draw").arg(scenario).args(["--format", format]))
}

#[test]
fn every_node_and_route_of_every_shipped_scenario_is_drawn_in_every_format() {
    for scenario in shipped_scenarios() {
        let (nodes, routes) = names(&scenario);
        let svg = draw(&scenario, "svg");
        assert!(svg.starts_with("<svg"), "{}", scenario.display());
        assert!(svg.ends_with("</svg>\n"), "{}", scenario.display());
        for n in &nodes {
            assert!(svg.contains(&format!(">{n}</text>")), "{}: node {n}", scenario.display());
        }
        for r in &routes {
            // The legend line of the route starts with its name.
            assert!(svg.contains(&format!(">{r}: ")), "{}: route {r}", scenario.display());
        }
        let dot = draw(&scenario, "dot");
        assert!(dot.starts_with("digraph ") && dot.ends_with("}\n"), "{dot}");
        for n in &nodes {
            assert!(
                dot.contains(&format!("\"{n}\" [label=\"{n}\\n")),
                "{}: node {n}",
                scenario.display()
            );
        }
        for r in &routes {
            assert!(dot.contains(&format!("label=\"{r}\"]")), "{}: route {r}", scenario.display());
        }
        let mermaid = draw(&scenario, "mermaid");
        assert!(mermaid.contains("flowchart LR\n"), "{mermaid}");
        for n in &nodes {
            assert!(mermaid.contains(&format!("[\"{n}<br/>")), "{}: node {n}", scenario.display());
        }
        for r in &routes {
            assert!(
                mermaid.contains(&format!("-->|\"{r}\"|")),
                "{}: route {r}",
                scenario.display()
            );
        }
    }
}

#[test]
fn a_route_is_drawn_once_per_link_it_crosses_in_its_chart_colour() {
    // Topology B: red crosses 5 links, green 6, third 7 (the firewall twice).
    let svg = draw(&onprem(), "svg");
    for (colour, crossings) in [("#D62728", 5), ("#2CA02C", 6)] {
        let lines = svg.matches(&format!("stroke=\"{colour}\" stroke-width=\"2.2\"")).count();
        assert_eq!(lines, crossings, "{colour}");
    }
    let dot = draw(&onprem(), "dot");
    assert_eq!(dot.matches("label=\"third\"]").count(), 7);
    let mermaid = draw(&onprem(), "mermaid");
    assert_eq!(mermaid.matches("-->|\"third\"|").count(), 7);
    // Mermaid styles every edge it draws, by index.
    let edges = mermaid.matches(" ---|").count()
        + mermaid.matches(" -->|").count()
        + mermaid.matches(" -.->|").count();
    assert_eq!(mermaid.matches("  linkStyle ").count(), edges);
}

#[test]
fn the_terminators_show_their_ca_and_the_links_their_network() {
    let svg = draw(&onprem(), "svg");
    assert!(svg.contains(">TLS 1.2 · CA onprem-root</text>"), "{svg}");
    assert!(svg.contains(">TLS 1.2 · CA public</text>"), "{svg}");
    assert!(svg.contains(">ExpressRoute 120 km</text>"), "{svg}");
    assert!(svg.contains(" · 1000 Mbps</text>"), "{svg}");
    for place in ["spoke", "hub", "on-premises"] {
        assert!(svg.contains(&format!(">{place}</text>")), "{place}");
    }
    // Topology A's Entra ID is an Azure service, outside the hub.
    assert!(draw(&apim(), "svg").contains(">Azure services</text>"));
}

#[test]
fn the_same_scenario_draws_the_same_bytes() {
    for format in ["svg", "dot", "mermaid"] {
        assert_eq!(draw(&apim(), format), draw(&apim(), format), "{format}");
    }
}

#[test]
fn out_writes_the_picture_to_a_file() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("a.svg");
    let printed = stdout_of(aznetsim().arg("draw").arg(apim()).arg("--out").arg(&file));
    assert_eq!(printed, "");
    assert_eq!(std::fs::read_to_string(&file).unwrap(), draw(&apim(), "svg"));
    // A second draw replaces it.
    stdout_of(aznetsim().arg("draw").arg(onprem()).args(["--format", "dot", "-o"]).arg(&file));
    assert_eq!(std::fs::read_to_string(&file).unwrap(), draw(&onprem(), "dot"));
}

#[test]
fn draw_refuses_bad_input_with_exit_2() {
    let err = failure_of(aznetsim().args(["draw", "no-such-file.json"]), EXIT_INVALID);
    assert!(err.contains("no-such-file.json"), "{err}");
    let err = failure_of(
        aznetsim().arg("draw").arg(apim()).args(["--out", "/no/such/dir/a.svg"]),
        EXIT_INVALID,
    );
    assert!(err.contains("--out /no/such/dir/a.svg: cannot write the picture"), "{err}");
    let err =
        failure_of(aznetsim().arg("draw").arg(apim()).args(["--format", "png"]), EXIT_INVALID);
    assert!(err.contains("svg, dot, mermaid"), "{err}");
    let err = failure_of(
        aznetsim().arg("draw").arg(apim()).args(["--set", "links.0.between.0=nowhere"]),
        EXIT_INVALID,
    );
    assert!(err.contains("links[0].between[0]"), "{err}");
}

#[test]
fn run_report_draws_the_topology_with_each_hops_time_and_utilisation() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("run");
    stdout_of(
        aznetsim().arg("run").arg(apim()).args(SMALL).args(["-q", "--report", "--out"]).arg(&dir),
    );
    let svg = std::fs::read_to_string(dir.join("topology.svg")).unwrap();
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("summary.json")).unwrap()).unwrap();
    // The APIM hop of red: its mean time (all components) and utilisation,
    // as the run's JSON has them, in the table's format.
    let red = &report["routes"][1];
    assert_eq!(red["name"], "red");
    let hop = &red["hops"][1];
    assert_eq!(hop["node"], "apim");
    let total: f64 = [
        "wait_ms_mean",
        "service_ms_mean",
        "link_ms_mean",
        "serialization_ms_mean",
        "handshake_ms_mean",
        "subcall_ms_mean",
        "pool_wait_ms_mean",
    ]
    .iter()
    .map(|k| hop[k].as_f64().unwrap())
    .sum();
    let util = hop["utilization"].as_f64().unwrap() * 100.0;
    let want = format!(">red {:.3} ms · {util:.0}%</text>", total);
    assert!(svg.contains(&want), "no {want:?} in\n{svg}");
    // Green crosses the firewall twice: one line, both visits summed.
    assert!(svg.contains(" ms (2×) · "), "{svg}");
    assert!(svg.contains("topology after a run (seed 42, 2 replications × 5000 requests)"));
}

/// Renders `svg` to PNG with `rsvg-convert` (Debian's librsvg2-bin, which
/// `.ci/run` installs), or `None` when it is not installed.
fn render_png(svg: &str, dir: &Path) -> Option<Vec<u8>> {
    let input = dir.join("picture.svg");
    let output = dir.join("picture.png");
    std::fs::write(&input, svg).unwrap();
    match Process::new("rsvg-convert").arg(&input).arg("-o").arg(&output).output() {
        Ok(out) => {
            assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
            Some(std::fs::read(&output).unwrap())
        }
        Err(e) => {
            eprintln!(
                "skipped: rsvg-convert is not available ({e}); CI installs librsvg2-bin and runs this check"
            );
            None
        }
    }
}

#[test]
fn the_svg_renders_to_a_png_that_is_not_blank() {
    let tmp = tempfile::tempdir().unwrap();
    for scenario in [apim(), onprem()] {
        let svg = draw(&scenario, "svg");
        let Some(png) = render_png(&svg, tmp.path()) else { return };
        let mut reader = png::Decoder::new(std::io::Cursor::new(png)).read_info().unwrap();
        let mut pixels = vec![0; reader.output_buffer_size().unwrap()];
        let info = reader.next_frame(&mut pixels).unwrap();
        let channels = info.color_type.samples();
        assert_eq!(info.bit_depth, png::BitDepth::Eight);
        assert!(info.width > 600 && info.height > 300, "{}×{}", info.width, info.height);
        let rgb: Vec<[u8; 3]> = pixels.chunks(channels).map(|p| [p[0], p[1], p[2]]).collect();
        let drawn = rgb.iter().filter(|p| **p != [255, 255, 255]).count();
        // Boxes, bands and text cover a good part of the picture...
        assert!(
            drawn * 20 > rgb.len(),
            "{}: {drawn} of {} pixels drawn",
            scenario.display(),
            rgb.len()
        );
        // ... and the routes' own colours are there: red and green.
        for colour in [[0xD6, 0x27, 0x28], [0x2C, 0xA0, 0x2C]] {
            let n = rgb.iter().filter(|p| **p == colour).count();
            assert!(n > 200, "{}: {n} pixels of {colour:?}", scenario.display());
        }
    }
}
