//! Charts as standalone SVG documents: latency distributions, where the
//! time goes, and p99 against load.
//!
//! Pure functions from results to a `String`. Text is written as SVG
//! `<text>` elements in a generic `sans-serif` family, so no font files
//! are read (plotters is built without its `ttf` feature; label sizes are
//! estimated from the character count).

use std::ops::Range;

use plotters::coord::Shift;
use plotters::coord::ranged1d::{DefaultFormatting, KeyPointHint, Ranged, ValueFormatter};
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use sim_core::stats::quantile_at_most_max_ns;
use sim_scenarios::RunReport;
use sim_scenarios::report::{HopReport, RouteReport};

use crate::output::colour::{PALETTE, series_colours};

/// Font family of every text: left to the SVG viewer.
const FONT: &str = "sans-serif";
/// Font sizes as plotters takes them (it writes `size / 1.24` px).
const TITLE_SIZE: f64 = 24.0;
const DESC_SIZE: f64 = 17.0;
const LABEL_SIZE: f64 = 15.0;

const GRID_BOLD: RGBColor = RGBColor(0xD0, 0xD0, 0xD0);
const GRID_LIGHT: RGBColor = RGBColor(0xEE, 0xEE, 0xEE);
const SLO_COLOR: RGBColor = RGBColor(0xC0, 0x1C, 0x28);
const CAPTION_COLOR: RGBColor = RGBColor(0x55, 0x55, 0x55);
/// The x axis of p99-against-load charts whose x is the arrival rate.
pub(crate) const ARRIVAL_RATE: &str = "arrival rate [requests/s]";
/// Height of the caption line under every chart \[px\].
const CAPTION_HEIGHT: u32 = 30;

/// What a chart was computed from, written on a line under it: the
/// scenario, seed, replications and requests per replication with the
/// warm-up. Values are text so that a sweep can say "varied" and a
/// warm-up "auto".
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Caption {
    pub(crate) scenario: String,
    pub(crate) seed: String,
    pub(crate) replications: String,
    /// Arrivals per route and replication, warm-up included.
    pub(crate) requests: String,
    /// Leading arrivals of each replication left unmeasured.
    pub(crate) warmup: String,
}

impl Caption {
    /// The caption of a run's charts.
    pub(crate) fn of_run(report: &RunReport) -> Caption {
        let detected = if report.warmup_auto { " (detected)" } else { "" };
        Caption {
            scenario: report.scenario.clone(),
            seed: report.seed.to_string(),
            replications: report.replications.to_string(),
            requests: report.requests.to_string(),
            warmup: format!("{}{detected}", report.warmup_requests),
        }
    }

    /// The line under the chart.
    pub(crate) fn text(&self) -> String {
        format!(
            "scenario {}, seed {}, {} replications of {} requests per route (the first {} of each are warm-up, not measured)",
            self.scenario, self.seed, self.replications, self.requests, self.warmup
        )
    }
}

/// What drawing on an in-memory SVG can fail with (nothing in practice:
/// the backend only fails on file I/O).
type DrawResult = Result<(), DrawingAreaErrorKind<std::io::Error>>;
type Root<'a> = DrawingArea<SVGBackend<'a>, Shift>;
/// A point in chart coordinates.
type Point = (f64, f64);

/// Renders `draw` onto a fresh SVG document of `size` pixels, with the
/// `caption` on a line along the bottom (`draw` gets the area above it).
fn render(
    size: (u32, u32),
    caption: &Caption,
    draw: impl FnOnce(&Root<'_>) -> DrawResult,
) -> String {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, size).into_drawing_area();
        let (body, foot) = root.split_vertically(size.1 - CAPTION_HEIGHT);
        let style = TextStyle::from((FONT, LABEL_SIZE).into_font())
            .color(&CAPTION_COLOR)
            .pos(Pos::new(HPos::Left, VPos::Center));
        root.fill(&WHITE)
            .and_then(|()| draw(&body))
            .and_then(|()| foot.draw(&Text::new(caption.text(), (16, 12), style)))
            .and_then(|()| root.present())
            .expect("drawing to an in-memory SVG does not fail");
    }
    svg
}

/// The legend every line chart shares: upper left, on a light box.
fn draw_legend<'a, X: Ranged, Y: Ranged>(
    chart: &mut ChartContext<'a, SVGBackend<'a>, Cartesian2d<X, Y>>,
) -> DrawResult {
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperLeft)
        .margin(12)
        .label_font((FONT, LABEL_SIZE))
        .background_style(WHITE.mix(0.9))
        .border_style(BLACK.mix(0.35))
        .draw()?;
    Ok(())
}

/// Roughly how wide `text` is at plotters font `size` in pixels, for the
/// layout decisions made here (proportional sans-serif, ~0.55 em a char).
fn text_width(text: &str, size: f64) -> f64 {
    text.chars().count() as f64 * size / 1.24 * 0.55
}

/// A tick or value label: 3 significant digits, no trailing zeros.
pub(crate) fn number(v: f64) -> String {
    if v == 0.0 || !v.is_finite() {
        return format!("{v}");
    }
    let magnitude = v.abs().log10().floor() as i32;
    let decimals = usize::try_from(2 - magnitude).unwrap_or(0);
    let s = format!("{v:.decimals$}");
    if s.contains('.') { s.trim_end_matches('0').trim_end_matches('.').to_string() } else { s }
}

/// Ticks on a log axis from `lo` to `hi`: decades, or 1-2-5 (or denser)
/// within them, whichever gives a readable number of labels.
fn log_ticks(lo: f64, hi: f64) -> (Vec<f64>, Vec<f64>) {
    let within = |mantissas: &[f64]| -> Vec<f64> {
        let (first, last) = (lo.log10().floor() as i32, hi.log10().ceil() as i32);
        (first..=last)
            .flat_map(|e| mantissas.iter().map(move |m| m * 10f64.powi(e)))
            .filter(|v| *v >= lo * (1.0 - 1e-9) && *v <= hi * (1.0 + 1e-9))
            .collect()
    };
    let sets: [&[f64]; 4] = [
        &[1.0],
        &[1.0, 2.0, 5.0],
        &[1.0, 2.0, 3.0, 5.0, 7.0],
        &[1.0, 1.5, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0],
    ];
    let mut bold = within(sets[0]);
    for set in &sets[1..] {
        if bold.len() >= 4 {
            break;
        }
        let denser = within(set);
        if denser.len() > 12 {
            break;
        }
        bold = denser;
    }
    let light = within(&[1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0]);
    (bold, light)
}

/// The log-scale bounds around the positive values `lo..hi` with some
/// room, spanning at least a factor of 4 so that it has ticks.
fn log_bounds(lo: f64, hi: f64) -> (f64, f64) {
    let (mut lo, mut hi) = (lo / 1.25, hi * 1.25);
    if hi / lo < 4.0 {
        let grow = (4.0 / (hi / lo)).sqrt();
        lo /= grow;
        hi *= grow;
    }
    (lo, hi)
}

/// A linear axis with the ticks (bold, labelled) and grid lines (light)
/// given. Plotters' own `with_key_points` loses the label formatter of a
/// plain `f64` range.
struct Ticked {
    range: Range<f64>,
    bold: Vec<f64>,
    light: Vec<f64>,
}

impl Ranged for Ticked {
    type FormatOption = DefaultFormatting;
    type ValueType = f64;

    fn map(&self, v: &f64, limit: (i32, i32)) -> i32 {
        let span = self.range.end - self.range.start;
        let f = if span > 0.0 { (v - self.range.start) / span } else { 0.5 };
        limit.0 + (f64::from(limit.1 - limit.0) * f).round() as i32
    }

    fn key_points<H: KeyPointHint>(&self, hint: H) -> Vec<f64> {
        if hint.weight().allow_light_points() { self.light.clone() } else { self.bold.clone() }
    }

    fn range(&self) -> Range<f64> {
        self.range.clone()
    }
}

/// Percentile of the "nines" coordinate `x = -log10(1 - q)`: 0 → "0%",
/// 1 → "90%", 3 → "99.9%", log10(2) → "50%".
fn percentile_label(x: f64) -> String {
    let p = 100.0 * (1.0 - 10f64.powf(-x));
    let decimals = (0..8)
        .find(|d| {
            let scaled = p * 10f64.powi(*d);
            (scaled - scaled.round()).abs() < 1e-6 * scaled.abs().max(1.0)
        })
        .unwrap_or(8) as usize;
    format!("{p:.decimals$}%")
}

fn ns_to_ms(ns: u64) -> f64 {
    ns as f64 / 1e6
}

/// A chart's SVG with every name in it made safe: control characters
/// (illegal in XML, spoofing in a viewer's text) as visible escapes;
/// plotters escapes `<`, `>`, `&` and quotes itself. What `--report`
/// saves passes through it.
pub(crate) fn safe_text(document: String) -> String {
    sim_scenarios::text::escape_lines(&document)
}

/// Latency percentile distribution of every route on one chart, as
/// HdrHistogram plots it: x is the percentile on a "nines" axis (0 %,
/// 90 %, 99 %, 99.9 % ... equally spaced, `x = -log10(1 - q)`), y the
/// latency in ms on a log scale. One line per route; the legend gives
/// each route's p50 and p99. Each route is (name, histogram \[ns\], exact
/// maximum \[ns\]): percentiles never exceed the maximum, as in the tables.
///
/// A line is solid, and ends in a dot, as far as its samples support the
/// percentile: up to the q with at least [`MIN_BEYOND`] samples beyond it
/// (`n·(1 − q) ≥ 10`, that is `x ≤ log10(n / 10)`). Beyond that it goes
/// on dashed and thin to the maximum: the few largest samples, not an
/// estimate of the percentile. Colours follow the route names
/// ([`series_colours`]).
pub(crate) fn latency_distribution(
    title: &str,
    routes: &[(String, &hdrhistogram::Histogram<u64>, u64)],
    caption: &Caption,
) -> String {
    let measured: Vec<_> = routes.iter().filter(|(_, h, _)| !h.is_empty()).collect();
    // As far right as the largest sample count resolves: the last nine
    // is where the maximum sits.
    let samples = measured.iter().map(|(_, h, _)| h.len()).max().unwrap_or(1).max(1);
    let nines = ((samples as f64).log10().ceil() as i32).clamp(2, 6);
    let x_max = f64::from(nines);
    let (y_lo, y_hi) = measured
        .iter()
        .map(|(_, h, max_ns)| (ns_to_ms(h.min()), ns_to_ms(h.max().min(*max_ns))))
        .fold(None, |acc: Option<(f64, f64)>, (lo, hi)| {
            Some(acc.map_or((lo, hi), |(a, b)| (a.min(lo), b.max(hi))))
        })
        .unwrap_or((1.0, 10.0));
    let (y_lo, y_hi) = log_bounds(y_lo.max(1e-3), y_hi.max(1e-3));
    let (y_bold, y_light) = log_ticks(y_lo, y_hi);
    let mut x_bold = vec![0.0, 2f64.log10()];
    x_bold.extend((1..=nines).map(f64::from));
    // Light grid at 80 %, 95 %, 98 % ... within each nine.
    let x_light: Vec<f64> = (0..nines)
        .flat_map(|k| [2f64, 5f64].map(|m| f64::from(k) + m.log10()))
        .filter(|x| *x > 0.31)
        .collect();

    let colours = series_colours(&routes.iter().map(|r| r.0.as_str()).collect::<Vec<_>>());
    render((1000, 600 + CAPTION_HEIGHT), caption, |root| {
        let mut chart = ChartBuilder::on(root)
            .caption(title, (FONT, TITLE_SIZE))
            .margin(16)
            .margin_right(32)
            .x_label_area_size(56)
            .y_label_area_size(72)
            .build_cartesian_2d(
                Ticked { range: 0.0..x_max, bold: x_bold, light: x_light },
                (y_lo..y_hi).log_scale().with_key_points(y_bold).with_light_points(y_light),
            )?;
        chart
            .configure_mesh()
            .x_desc("percentile (log scale of nines)")
            .y_desc("latency [ms] (log scale)")
            .x_label_formatter(&|x| percentile_label(*x))
            .y_label_formatter(&|y| number(*y))
            .label_style((FONT, LABEL_SIZE))
            .axis_desc_style((FONT, DESC_SIZE))
            .bold_line_style(GRID_BOLD)
            .light_line_style(GRID_LIGHT)
            .draw()?;

        // 100 points per nine: smooth, and every bucket step shows.
        let steps = 100 * nines;
        let mut thin = false;
        for ((name, hist, max_ns), &color) in routes.iter().zip(&colours) {
            let quantile_ms =
                |q: f64| ns_to_ms(quantile_at_most_max_ns(hist, q, *max_ns, hist.len()));
            let at = |x: f64| (x, quantile_ms(1.0 - 10f64.powf(-x)).max(y_lo));
            let label = if hist.is_empty() {
                format!("{name} (no completed requests)")
            } else {
                format!(
                    "{name}: p50 {} ms, p99 {} ms",
                    number(quantile_ms(0.5)),
                    number(quantile_ms(0.99))
                )
            };
            let all: Vec<f64> =
                (0..=steps).map(|s| x_max * f64::from(s) / f64::from(steps)).collect();
            let (solid, dashed): (Vec<Point>, Vec<Point>) = if hist.is_empty() {
                (Vec::new(), Vec::new())
            } else {
                let end = supported_nines(hist.len()).min(x_max);
                let mut solid: Vec<_> = all.iter().copied().filter(|x| *x < end).map(at).collect();
                let mut dashed: Vec<_> = all.iter().copied().filter(|x| *x > end).map(at).collect();
                if end >= 0.0 {
                    solid.push(at(end));
                    dashed.insert(0, at(end));
                }
                (solid, dashed)
            };
            chart
                .draw_series(LineSeries::new(solid.clone(), color.stroke_width(2)))?
                .label(label)
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 24, y)], color.stroke_width(3))
                });
            if let Some(last) = solid.last() {
                chart.draw_series(std::iter::once(Circle::new(*last, 4, color.filled())))?;
            }
            if dashed.len() > 1 {
                thin = true;
                chart.draw_series(DashedLineSeries::new(dashed, 6, 4, color.stroke_width(1)))?;
            }
        }
        if thin {
            let grey = BLACK.mix(0.6);
            chart
                .draw_series(std::iter::empty::<Circle<(f64, f64), i32>>())?
                .label(format!("dashed: fewer than {MIN_BEYOND} samples beyond the percentile"))
                .legend(move |(x, y)| {
                    EmptyElement::at((x, y))
                        + PathElement::new(vec![(0, 0), (7, 0)], grey.stroke_width(1))
                        + PathElement::new(vec![(11, 0), (18, 0)], grey.stroke_width(1))
                        + PathElement::new(vec![(22, 0), (24, 0)], grey.stroke_width(1))
                });
        }
        draw_legend(&mut chart)?;
        Ok(())
    })
}

/// Samples a percentile needs beyond it to be drawn solid on the latency
/// chart: with fewer, the "percentile" is one of the few largest samples.
pub(crate) const MIN_BEYOND: u64 = 10;

/// The last "nines" coordinate `x = -log10(1 - q)` that `n` samples
/// support: `n·(1 − q) ≥ MIN_BEYOND`, so `x = log10(n / MIN_BEYOND)`
/// (negative, nothing supported, below `MIN_BEYOND` samples).
fn supported_nines(n: u64) -> f64 {
    (n as f64 / MIN_BEYOND as f64).log10()
}

/// One component of a hop's time: legend name, colour, text colour on it,
/// and how to read it.
struct Component {
    name: &'static str,
    color: RGBColor,
    ink: RGBColor,
    of: fn(&HopReport) -> f64,
}

const DARK: RGBColor = RGBColor(0x20, 0x20, 0x20);

/// The seven components a request's latency is made of, in the order a
/// request meets them at a node.
const COMPONENTS: [Component; 7] = [
    Component { name: "queue wait", color: PALETTE[2], ink: WHITE, of: |h| h.wait_ms_mean },
    Component { name: "service", color: PALETTE[0], ink: WHITE, of: |h| h.service_ms_mean },
    Component {
        name: "connection wait",
        color: PALETTE[8],
        ink: WHITE,
        of: |h| h.pool_wait_ms_mean,
    },
    Component { name: "handshake", color: PALETTE[6], ink: WHITE, of: |h| h.handshake_ms_mean },
    Component { name: "nested calls", color: PALETTE[5], ink: DARK, of: |h| h.subcall_ms_mean },
    Component { name: "link", color: PALETTE[3], ink: DARK, of: |h| h.link_ms_mean },
    Component {
        name: "serialisation",
        color: PALETTE[4],
        ink: DARK,
        of: |h| h.serialization_ms_mean,
    },
];

/// Longest route name shown in full on the bar chart's axis.
const MAX_NAME: usize = 40;

fn short_name(name: &str) -> String {
    if name.chars().count() <= MAX_NAME {
        name.to_string()
    } else {
        let mut s: String = name.chars().take(MAX_NAME - 1).collect();
        s.push('…');
        s
    }
}

/// One row of the breakdown chart, top to bottom: a route's header, then
/// one row per hop of it.
#[derive(Debug, Clone, Copy)]
enum Row {
    Route(usize),
    Hop(usize, usize),
}

/// `node`, or `node (2nd visit)` where a route passes it again.
fn hop_label(hops: &[HopReport], h: usize) -> String {
    let node = &hops[h].node;
    let visit = hops[..h].iter().filter(|o| o.node == *node).count() + 1;
    let name = short_name(node);
    match visit {
        1 => name,
        2 => format!("{name} (2nd visit)"),
        3 => format!("{name} (3rd visit)"),
        k => format!("{name} ({k}th visit)"),
    }
}

/// Where the time goes, per node: routes one under the other, each a
/// header (a line with a dot in the route's colour, its name and mean
/// latency)
/// over one horizontal bar per hop, stacked from the six components of
/// that hop (queueing wait, service, handshakes, nested calls, link
/// latency, serialisation) and ending in the hop's total. A route's hop
/// totals add up to its mean latency. Segments wide enough carry their
/// value; components that are zero everywhere are left out of the legend.
pub(crate) fn hop_breakdown(title: &str, report: &RunReport, caption: &Caption) -> String {
    let routes = &report.routes;
    let colours = series_colours(&routes.iter().map(|r| r.name.as_str()).collect::<Vec<_>>());
    let rows: Vec<Row> = routes
        .iter()
        .enumerate()
        .flat_map(|(i, r)| {
            std::iter::once(Row::Route(i)).chain((0..r.hops.len()).map(move |h| Row::Hop(i, h)))
        })
        .collect();
    let n = rows.len().max(1);
    let value = |i: usize, h: usize, c: usize| (COMPONENTS[c].of)(&routes[i].hops[h]);
    let hop_total = |i: usize, h: usize| (0..COMPONENTS.len()).map(|c| value(i, h, c)).sum::<f64>();
    let shown: Vec<usize> = (0..COMPONENTS.len())
        .filter(|c| rows.iter().any(|r| matches!(r, Row::Hop(i, h) if value(*i, *h, *c) > 0.0)))
        .collect();
    let x_top = rows
        .iter()
        .filter_map(|r| match r {
            Row::Hop(i, h) => Some(hop_total(*i, *h)),
            Row::Route(_) => None,
        })
        .fold(0.0, f64::max);
    let x_max = if x_top > 0.0 { x_top * 1.2 } else { 1.0 };
    let labels: Vec<String> = rows
        .iter()
        .map(|r| match r {
            Row::Route(_) => String::new(),
            Row::Hop(i, h) => hop_label(&routes[*i].hops, *h),
        })
        .collect();
    let name_width = labels.iter().map(|s| text_width(s, LABEL_SIZE)).fold(0.0, f64::max);
    let y_label_area = (name_width + 24.0).clamp(60.0, 360.0) as u32;
    let legend_height = 44;
    let height = (150 + 30 * n as u32).max(300) + legend_height;

    render((1000, height + CAPTION_HEIGHT), caption, |root| {
        let (upper, lower) = root.split_vertically(height - legend_height);
        // Row 0 on top.
        let y_of = |k: usize| (n - 1 - k) as f64;
        let label = |k: usize| labels[k].clone();
        let mut chart = row_chart(
            &upper,
            title,
            0.0..x_max,
            (n, &label),
            y_label_area,
            "mean time per request at each hop [ms]",
        )?;

        let plot_px = f64::from(chart.plotting_area().dim_in_pixel().0);
        let px_per_ms = plot_px / x_max;
        let half = 0.32;
        let bold = || {
            TextStyle::from((FONT, LABEL_SIZE).into_font().style(FontStyle::Bold))
                .pos(Pos::new(HPos::Left, VPos::Center))
        };
        for (k, row) in rows.iter().enumerate() {
            let y = y_of(k);
            match *row {
                Row::Route(i) => {
                    let route = &routes[i];
                    let color = colours[i];
                    let text = match route.latency_ms.mean {
                        None => format!("{}: no completed requests", route.name),
                        Some(mean) => format!(
                            "{}: {} ms mean per request, the sum of its hops",
                            route.name,
                            number(mean)
                        ),
                    };
                    // The route's mark as on the other charts (a line with a
                    // dot), not a block that could pass for a component.
                    chart.draw_series(std::iter::once(
                        EmptyElement::at((0.0, y))
                            + PathElement::new(vec![(4, 0), (28, 0)], color.stroke_width(3))
                            + Circle::new((16, 0), 4, color.filled())
                            + Text::new(text, (34, 0), bold()),
                    ))?;
                }
                Row::Hop(i, h) => {
                    let mut x = 0.0;
                    for &c in &shown {
                        let (comp, v) = (&COMPONENTS[c], value(i, h, c));
                        if v <= 0.0 {
                            continue;
                        }
                        chart.draw_series(std::iter::once(Rectangle::new(
                            [(x, y - half), (x + v, y + half)],
                            comp.color.filled(),
                        )))?;
                        let label = number(v);
                        if v * px_per_ms >= text_width(&label, LABEL_SIZE) + 8.0 {
                            let style = TextStyle::from((FONT, LABEL_SIZE).into_font())
                                .color(&comp.ink)
                                .pos(Pos::new(HPos::Center, VPos::Center));
                            chart.draw_series(std::iter::once(Text::new(
                                label,
                                (x + v / 2.0, y),
                                style,
                            )))?;
                        }
                        x += v;
                    }
                    bar_total(&mut chart, (x, y), format!("{} ms", number(x)))?;
                }
            }
        }

        // The legend: one row under the chart, in the stacking order.
        let mut left = f64::from(y_label_area) + 16.0;
        let mid = i32::try_from(legend_height / 2).unwrap_or(0) - 6;
        let style =
            TextStyle::from((FONT, LABEL_SIZE).into_font()).pos(Pos::new(HPos::Left, VPos::Center));
        for &c in &shown {
            let comp = &COMPONENTS[c];
            let x = left as i32;
            lower.draw(&Rectangle::new([(x, mid - 7), (x + 14, mid + 7)], comp.color.filled()))?;
            lower.draw(&Text::new(comp.name, (x + 20, mid), style.clone()))?;
            left += 20.0 + text_width(comp.name, LABEL_SIZE) + 28.0;
        }
        Ok(())
    })
}

/// Writes `text` just right of the end of a stacked bar at `at`.
fn bar_total(
    chart: &mut ChartContext<'_, SVGBackend<'_>, Cartesian2d<RangedCoordf64, Ticked>>,
    at: (f64, f64),
    text: String,
) -> Result<(), DrawingAreaErrorKind<std::io::Error>> {
    let style =
        TextStyle::from((FONT, LABEL_SIZE).into_font()).pos(Pos::new(HPos::Left, VPos::Center));
    chart.draw_series(std::iter::once(EmptyElement::at(at) + Text::new(text, (6, 0), style)))?;
    Ok(())
}

/// What each route costs per month at its measured throughput: one bar
/// per route, stacked from its billing meters (a colour per component and
/// kind of charge, fixed or data, the same for every route), labelled with
/// the total; list prices, so the title says the figures are estimates.
pub(crate) fn cost_breakdown(title: &str, report: &RunReport, caption: &Caption) -> String {
    let routes: Vec<&RouteReport> = report.routes.iter().filter(|r| r.cost.is_some()).collect();
    let n = routes.len().max(1);
    // The stacking order: (component, fixed?) in order of first appearance.
    let mut parts: Vec<(String, bool)> = Vec::new();
    for r in &routes {
        for l in &r.cost.as_ref().expect("filtered").lines {
            let key = (l.component.clone(), l.share.is_some());
            if !parts.contains(&key) {
                parts.push(key);
            }
        }
    }
    let value = |r: &RouteReport, p: &(String, bool)| -> f64 {
        let lines = &r.cost.as_ref().expect("filtered").lines;
        lines
            .iter()
            .filter(|l| l.component == p.0 && l.share.is_some() == p.1)
            .map(|l| l.per_month)
            .sum()
    };
    let top =
        routes.iter().map(|r| r.cost.as_ref().map_or(0.0, |c| c.per_month)).fold(0.0, f64::max);
    let x_max = if top > 0.0 { top * 1.25 } else { 1.0 };
    let labels: Vec<String> = routes.iter().map(|r| short_name(&r.name)).collect();
    let name_width = labels.iter().map(|s| text_width(s, LABEL_SIZE)).fold(0.0, f64::max);
    let y_label_area = (name_width + 24.0).clamp(60.0, 360.0) as u32;
    let legend_rows = parts.len().div_ceil(3).max(1) as u32;
    let legend_height = 26 * legend_rows + 18;
    let height = (150 + 60 * n as u32).max(300) + legend_height;
    let currency =
        routes.first().and_then(|r| r.cost.as_ref()).map_or("USD", |c| c.currency.as_str());
    render((1000, height + CAPTION_HEIGHT), caption, |root| {
        let (upper, lower) = root.split_vertically(height - legend_height);
        let y_of = |k: usize| (n - 1 - k) as f64;
        let label = |k: usize| labels.get(k).cloned().unwrap_or_default();
        let mut chart = row_chart(
            &upper,
            title,
            0.0..x_max,
            (n, &label),
            y_label_area,
            &format!(
                "cost per month at the measured throughput [{currency}, list prices: an estimate]"
            ),
        )?;
        let half = 0.32;
        for (k, r) in routes.iter().enumerate() {
            let y = y_of(k);
            let mut x = 0.0;
            for (c, p) in parts.iter().enumerate() {
                let v = value(r, p);
                if v <= 0.0 {
                    continue;
                }
                chart.draw_series(std::iter::once(Rectangle::new(
                    [(x, y - half), (x + v, y + half)],
                    PALETTE[c % PALETTE.len()].filled(),
                )))?;
                x += v;
            }
            bar_total(&mut chart, (x, y), format!("{} {currency}", number(x)))?;
        }
        let style =
            TextStyle::from((FONT, LABEL_SIZE).into_font()).pos(Pos::new(HPos::Left, VPos::Center));
        for (c, (component, fixed)) in parts.iter().enumerate() {
            let (row, col) = ((c / 3) as i32, (c % 3) as i32);
            let (x, mid) =
                (i32::try_from(y_label_area).unwrap_or(60) + 16 + col * 300, 16 + row * 26);
            let name =
                format!("{} {}", short_name(component), if *fixed { "fixed" } else { "data" });
            lower.draw(&Rectangle::new(
                [(x, mid - 7), (x + 14, mid + 7)],
                PALETTE[c % PALETTE.len()].filled(),
            ))?;
            lower.draw(&Text::new(name, (x + 20, mid), style.clone()))?;
        }
        Ok(())
    })
}

/// One line of a latency-against-load chart.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct LoadSeries {
    /// Legend name: the route, and the other varied values of a sweep.
    pub(crate) name: String,
    /// The route, which the colour follows ([`series_colours`]).
    pub(crate) route: String,
    /// (x, latency \[ms\]) points; non-finite ones are left out.
    pub(crate) points: Vec<(f64, f64)>,
    /// A capacity search's result: `Some(Some((rate [1/s], metric [ms])))`
    /// where the SLO held, `Some(None)` where it held at no rate tried,
    /// `None` outside capacity charts.
    pub(crate) capacity: Option<Option<(f64, f64)>>,
}

/// A chart of latency against load ([`latency_against_load`]).
#[derive(Debug, Clone)]
pub(crate) struct LoadChart<'a> {
    pub(crate) title: &'a str,
    /// What x is, with its unit.
    pub(crate) x_desc: &'a str,
    /// Which latency y is: `p99`, `p99.9`, `mean`.
    pub(crate) metric: &'a str,
    pub(crate) series: &'a [LoadSeries],
    /// The SLO's limit \[ms\], drawn as a dashed line.
    pub(crate) slo_ms: Option<f64>,
    /// A log y axis always; otherwise only when the values span more than
    /// a factor of 50 (a route near saturation).
    pub(crate) log_y: bool,
    pub(crate) caption: &'a Caption,
}

/// Latency against load for every route: x is the arrival rate
/// \[requests/s\] or whatever a sweep varied, y the latency metric \[ms\]
/// (log scale when asked for or when the values span more than a factor
/// of 50, linear otherwise). One line with markers per series, in its
/// route's colour; a ring at a route's capacity where a capacity search
/// found one; a dashed horizontal line with its label for the SLO, always
/// inside the plotted range. Non-finite points are left out.
pub(crate) fn latency_against_load(c: &LoadChart<'_>) -> String {
    let clean: Vec<Vec<(f64, f64)>> = c
        .series
        .iter()
        .map(|s| {
            let mut pts: Vec<(f64, f64)> = s
                .points
                .iter()
                .copied()
                .filter(|(x, y)| x.is_finite() && y.is_finite() && *y >= 0.0)
                .collect();
            pts.sort_by(|a, b| a.0.total_cmp(&b.0));
            pts
        })
        .collect();
    let all = || clean.iter().flatten();
    let x_top = all().map(|p| p.0).fold(0.0, f64::max);
    let x_max = if x_top > 0.0 { x_top * 1.05 } else { 1.0 };
    let slo = c.slo_ms.filter(|s| s.is_finite() && *s > 0.0);
    let ys = || all().map(|p| p.1).chain(slo);
    let y_top = ys().fold(0.0, f64::max);
    let y_min_pos = ys().filter(|y| *y > 0.0).fold(f64::INFINITY, f64::min);
    let log = y_min_pos.is_finite() && (c.log_y || y_top / y_min_pos > 50.0);
    let colours = series_colours(&c.series.iter().map(|s| s.route.as_str()).collect::<Vec<_>>());

    render((1000, 600 + CAPTION_HEIGHT), c.caption, |root| {
        let mut builder = ChartBuilder::on(root);
        builder
            .caption(c.title, (FONT, TITLE_SIZE))
            .margin(16)
            .margin_right(32)
            .x_label_area_size(56)
            .y_label_area_size(72);
        if log {
            let (lo, hi) = log_bounds(y_min_pos, y_top);
            let (bold, light) = log_ticks(lo, hi);
            let mut chart = builder.build_cartesian_2d(
                0.0..x_max,
                (lo..hi).log_scale().with_key_points(bold).with_light_points(light),
            )?;
            // The light lines stay at the 1-2-5 points within each decade.
            let y_desc = format!("{} latency [ms] (log scale)", c.metric);
            configure_mesh(&mut chart, c.x_desc, &y_desc, None)?;
            draw_load_series(&mut chart, c, &clean, &colours, slo, x_max, lo)
        } else {
            let hi = if y_top > 0.0 { y_top * 1.1 } else { 1.0 };
            let mut chart = builder.build_cartesian_2d(0.0..x_max, 0.0..hi)?;
            let y_desc = format!("{} latency [ms]", c.metric);
            configure_mesh(&mut chart, c.x_desc, &y_desc, Some(1))?;
            draw_load_series(&mut chart, c, &clean, &colours, slo, x_max, 0.0)
        }
    })
}

/// The axes and grid of [`latency_against_load`], on either kind of y
/// axis: at most `y_max_light_lines` light lines between two labelled
/// ones (`None`: plotters' default, or the axis's own light points).
fn configure_mesh<'a, Y>(
    chart: &mut ChartContext<'a, SVGBackend<'a>, Cartesian2d<RangedCoordf64, Y>>,
    x_desc: &str,
    y_desc: &str,
    y_max_light_lines: Option<usize>,
) -> DrawResult
where
    Y: Ranged<ValueType = f64> + ValueFormatter<f64>,
{
    let mut mesh = chart.configure_mesh();
    if let Some(n) = y_max_light_lines {
        mesh.y_max_light_lines(n);
    }
    mesh.x_desc(x_desc)
        .y_desc(y_desc)
        .x_max_light_lines(1)
        .x_label_formatter(&|x| number(*x))
        .y_label_formatter(&|y| number(*y))
        .label_style((FONT, LABEL_SIZE))
        .axis_desc_style((FONT, DESC_SIZE))
        .bold_line_style(GRID_BOLD)
        .light_line_style(GRID_LIGHT)
        .draw()?;
    Ok(())
}

/// Radius of the ring at a route's capacity \[px\].
const CAPACITY_RING: i32 = 9;

/// The lines, markers, capacity rings, SLO and legend of
/// [`latency_against_load`] on either kind of y axis; points below
/// `y_floor` (zero on a log axis) are left out.
fn draw_load_series<'a, Y>(
    chart: &mut ChartContext<'a, SVGBackend<'a>, Cartesian2d<RangedCoordf64, Y>>,
    c: &LoadChart<'_>,
    clean: &[Vec<(f64, f64)>],
    colours: &[RGBColor],
    slo: Option<f64>,
    x_max: f64,
    y_floor: f64,
) -> DrawResult
where
    Y: Ranged<ValueType = f64>,
{
    if let Some(slo) = slo {
        chart.draw_series(DashedLineSeries::new(
            [(0.0, slo), (x_max, slo)],
            10,
            6,
            SLO_COLOR.stroke_width(2),
        ))?;
    }
    for ((s, pts), &color) in c.series.iter().zip(clean).zip(colours) {
        let pts: Vec<(f64, f64)> = pts.iter().copied().filter(|p| p.1 >= y_floor).collect();
        let label = match s.capacity {
            None => s.name.clone(),
            Some(None) => format!("{}: within the SLO at no rate tried", s.name),
            Some(Some((rate, _))) => format!("{}: capacity {}/s", s.name, number(rate)),
        };
        chart
            .draw_series(LineSeries::new(pts.iter().copied(), color.stroke_width(2)))?
            .label(label)
            .legend(move |(x, y)| {
                EmptyElement::at((x, y))
                    + PathElement::new(vec![(0, 0), (24, 0)], color.stroke_width(2))
                    + Circle::new((12, 0), 4, color.filled())
            });
        chart.draw_series(pts.iter().map(|p| Circle::new(*p, 4, color.filled())))?;
        if let Some(Some((rate, metric))) = s.capacity
            && rate.is_finite()
            && metric.is_finite()
            && metric >= y_floor
        {
            chart.draw_series(std::iter::once(Circle::new(
                (rate, metric),
                CAPACITY_RING,
                color.stroke_width(3),
            )))?;
        }
    }
    if c.series.iter().any(|s| matches!(s.capacity, Some(Some(_)))) {
        let ink = BLACK.mix(0.7);
        chart
            .draw_series(std::iter::empty::<Circle<(f64, f64), i32>>())?
            .label("ring: capacity found (the highest rate seen within the SLO)")
            .legend(move |(x, y)| Circle::new((x + 12, y), 6, ink.stroke_width(2)));
    }
    if let Some(slo) = slo {
        // Over the lines, on a light box, so that it stays readable where
        // a line crosses.
        let style = TextStyle::from((FONT, LABEL_SIZE).into_font())
            .color(&SLO_COLOR)
            .pos(Pos::new(HPos::Right, VPos::Bottom));
        let label = format!("SLO {} ms", number(slo));
        let w = text_width(&label, LABEL_SIZE) as i32;
        chart.draw_series(std::iter::once(
            EmptyElement::at((x_max, slo))
                + Rectangle::new([(-w - 12, -22), (-2, -3)], WHITE.mix(0.85).filled())
                + Text::new(label, (-7, -6), style),
        ))?;
    }
    draw_legend(chart)?;
    Ok(())
}

/// A chart on `area` whose rows are `rows.0` labelled bars, row 0 on top
/// (`rows.1` gives row k's label), over `x` on the horizontal axis with
/// its grid and `x_desc`: the frame of the breakdown and tornado charts.
fn row_chart<'a, 'b>(
    area: &'a DrawingArea<SVGBackend<'b>, Shift>,
    title: &str,
    x: Range<f64>,
    rows: (usize, &dyn Fn(usize) -> String),
    y_label_area: u32,
    x_desc: &str,
) -> Result<
    ChartContext<'a, SVGBackend<'b>, Cartesian2d<RangedCoordf64, Ticked>>,
    DrawingAreaErrorKind<std::io::Error>,
> {
    let (n, label) = rows;
    let label_at = |y: &f64| {
        let k = y.round();
        if k >= 0.0 && (k as usize) < n { label(n - 1 - k as usize) } else { String::new() }
    };
    let mut chart = ChartBuilder::on(area)
        .caption(title, (FONT, TITLE_SIZE))
        .margin(16)
        .margin_right(32)
        .x_label_area_size(56)
        .y_label_area_size(y_label_area)
        .build_cartesian_2d(
            x,
            Ticked {
                range: -0.6..n as f64 - 0.4,
                bold: (0..n).map(|i| i as f64).collect(),
                light: Vec::new(),
            },
        )?;
    chart
        .configure_mesh()
        .disable_y_mesh()
        .x_max_light_lines(1)
        .x_desc(x_desc)
        .x_label_formatter(&|x| number(*x))
        .y_label_formatter(&label_at)
        .label_style((FONT, LABEL_SIZE))
        .axis_desc_style((FONT, DESC_SIZE))
        .bold_line_style(GRID_BOLD)
        .light_line_style(GRID_LIGHT)
        .draw()?;
    Ok(chart)
}

/// One bar of a [`tornado`] chart: a figure and the charted quantity at
/// the two ends of its range \[ms\].
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct TornadoBar {
    /// The label: the figure's key and its range.
    pub(crate) label: String,
    pub(crate) at_low: Option<f64>,
    pub(crate) at_high: Option<f64>,
}

/// One panel of a [`tornado`] chart: a quantity (a route's difference from
/// the baseline, or its latency) at the catalog's values, and its bars,
/// the largest swing first.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct TornadoPanel {
    pub(crate) title: String,
    pub(crate) base: f64,
    pub(crate) bars: Vec<TornadoBar>,
}

/// The colours of a tornado bar's two halves: the figure at the low end of
/// its range, and at the high end.
const LOW_END: RGBColor = PALETTE[0];
const HIGH_END: RGBColor = PALETTE[1];

/// A tornado chart per panel, one under the other: each figure a row (the
/// largest swing on top), a bar from the quantity at the catalog's values
/// (the dashed vertical line) to its value with the figure at the low end
/// of its range (blue) and another to its value at the high end (orange),
/// each end labelled with its value (both in one label, "low …, high …",
/// when the two ends lie on one side). A row whose runs completed nothing
/// has no bar.
pub(crate) fn tornado(panels: &[TornadoPanel], x_desc: &str, caption: &Caption) -> String {
    let rows = panels.iter().map(|p| p.bars.len()).max().unwrap_or(0).max(1);
    let labels = panels.iter().flat_map(|p| p.bars.iter().map(|b| b.label.as_str()));
    let name_width = labels.map(|s| text_width(s, LABEL_SIZE)).fold(0.0, f64::max);
    let y_label_area = (name_width + 24.0).clamp(60.0, 520.0) as u32;
    let panel_height = 140 + 30 * rows as u32;
    let legend_height = 44;
    let height = panel_height * panels.len().max(1) as u32 + legend_height;
    render((1200, height + CAPTION_HEIGHT), caption, |root| {
        let (upper, lower) = root.split_vertically(height - legend_height);
        let areas = upper.split_evenly((panels.len().max(1), 1));
        for (panel, area) in panels.iter().zip(&areas) {
            draw_tornado_panel(area, panel, rows, y_label_area, x_desc)?;
        }
        // The legend: the two ends and the base line.
        let mid = i32::try_from(legend_height / 2).unwrap_or(0) - 6;
        let style =
            TextStyle::from((FONT, LABEL_SIZE).into_font()).pos(Pos::new(HPos::Left, VPos::Center));
        // From the left edge: long figure labels make a wide label area.
        let mut left = 16.0;
        for (name, colour) in
            [("figure at the low end of its range", LOW_END), ("figure at the high end", HIGH_END)]
        {
            let x = left as i32;
            lower.draw(&Rectangle::new([(x, mid - 7), (x + 14, mid + 7)], colour.filled()))?;
            lower.draw(&Text::new(name, (x + 20, mid), style.clone()))?;
            left += 20.0 + text_width(name, LABEL_SIZE) + 28.0;
        }
        let x = left as i32;
        lower.draw(&PathElement::new(
            vec![(x + 7, mid - 9), (x + 7, mid + 9)],
            DARK.stroke_width(2),
        ))?;
        lower.draw(&Text::new(
            "every figure at its catalog value (the ranges are judgement)",
            (x + 20, mid),
            style,
        ))?;
        Ok(())
    })
}

/// One panel of [`tornado`] on `area`, with room for `rows` bars.
fn draw_tornado_panel(
    area: &Root<'_>,
    panel: &TornadoPanel,
    rows: usize,
    y_label_area: u32,
    x_desc: &str,
) -> DrawResult {
    let ends: Vec<f64> = panel
        .bars
        .iter()
        .flat_map(|b| [b.at_low, b.at_high])
        .flatten()
        .chain(std::iter::once(panel.base))
        .filter(|v| v.is_finite())
        .collect();
    let lo = ends.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = ends.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    // Room for the value labels at both ends.
    let pad = ((hi - lo) * 0.18).max(hi.abs().max(lo.abs()) * 0.05).max(1e-3);
    let (x_lo, x_hi) = (lo - pad, hi + pad);
    let n = rows;
    let label = |k: usize| panel.bars.get(k).map_or_else(String::new, |b| b.label.clone());
    let mut chart = row_chart(area, &panel.title, x_lo..x_hi, (n, &label), y_label_area, x_desc)?;
    let half = 0.32;
    for (k, bar) in panel.bars.iter().enumerate() {
        let y = (n - 1 - k) as f64;
        let mut halves: Vec<(f64, RGBColor)> = [(bar.at_low, LOW_END), (bar.at_high, HIGH_END)]
            .into_iter()
            .filter_map(|(v, c)| Some((v.filter(|v| v.is_finite())?, c)))
            .collect();
        // Both ends on one side of the base: the longer half first, so the
        // shorter stays visible on top of it.
        halves.sort_by(|a, b| (b.0 - panel.base).abs().total_cmp(&(a.0 - panel.base).abs()));
        for &(v, colour) in &halves {
            chart.draw_series(std::iter::once(Rectangle::new(
                [(panel.base.min(v), y - half), (panel.base.max(v), y + half)],
                colour.filled(),
            )))?;
        }
        // The values beside the bar's ends, outside it: one label per end
        // when they lie on either side of the base, else one label at the
        // farther end naming both (two would overlap).
        let side = |v: f64| v < panel.base;
        let labels: Vec<(f64, String)> = match halves.as_slice() {
            [(a, _), (b, _)] if side(*a) == side(*b) => {
                let (lo, hi) = (bar.at_low.unwrap_or(*a), bar.at_high.unwrap_or(*b));
                vec![(*a, format!("low {}, high {}", number(lo), number(hi)))]
            }
            _ => halves.iter().map(|(v, _)| (*v, number(*v))).collect(),
        };
        for (v, text) in labels {
            let (h, dx) = if side(v) { (HPos::Right, -6) } else { (HPos::Left, 6) };
            let style =
                TextStyle::from((FONT, LABEL_SIZE).into_font()).pos(Pos::new(h, VPos::Center));
            chart.draw_series(std::iter::once(
                EmptyElement::at((v, y)) + Text::new(text, (dx, 0), style),
            ))?;
        }
    }
    chart.draw_series(DashedLineSeries::new(
        [(panel.base, -0.6), (panel.base, n as f64 - 0.4)],
        6,
        4,
        DARK.stroke_width(2),
    ))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Deterministic pseudo-random numbers in (0, 1) (xorshift64*).
    struct Rng(u64);
    impl Rng {
        fn next(&mut self) -> f64 {
            self.0 ^= self.0 >> 12;
            self.0 ^= self.0 << 25;
            self.0 ^= self.0 >> 27;
            let v = self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 11;
            (v as f64 + 0.5) / (1u64 << 53) as f64
        }
    }

    /// A histogram of `n` latencies: a `base_ms` floor plus an exponential
    /// body of mean `body_ms`, and a heavier tail on 1 % of requests.
    pub(super) fn histogram(
        seed: u64,
        n: usize,
        base_ms: f64,
        body_ms: f64,
    ) -> hdrhistogram::Histogram<u64> {
        let mut h =
            hdrhistogram::Histogram::<u64>::new_with_bounds(1, 3_600_000_000_000, 3).unwrap();
        let mut rng = Rng(seed);
        for _ in 0..n {
            let mut ms = base_ms - body_ms * rng.next().ln();
            if rng.next() < 0.01 {
                ms -= 8.0 * body_ms * rng.next().ln();
            }
            h.record((ms * 1e6) as u64).unwrap();
        }
        h
    }

    pub(super) fn report() -> RunReport {
        let hop = |node: &str, c: [f64; 6]| {
            serde_json::json!({
                "node": node,
                "wait_ms_mean": c[0], "service_ms_mean": c[1], "link_ms_mean": c[2],
                "serialization_ms_mean": c[3], "handshake_ms_mean": c[4], "subcall_ms_mean": c[5],
                // A wait for a pooled connection at APIM only.
                "pool_wait_ms_mean": if node == "apim" { 0.7 } else { 0.0 },
                "utilization": null, "busy_servers_mean": null, "link_utilization": null,
                "rejected": 0
            })
        };
        let route = |name: &str, hops: Vec<serde_json::Value>| {
            let mean: f64 = hops
                .iter()
                .map(|h| {
                    [
                        "wait",
                        "service",
                        "link",
                        "serialization",
                        "handshake",
                        "subcall",
                        "pool_wait",
                    ]
                    .iter()
                    .map(|k| h[format!("{k}_ms_mean")].as_f64().unwrap())
                    .sum::<f64>()
                })
                .sum();
            let latency = serde_json::json!({"mean": mean, "mean_ci95": [mean * 0.98, mean * 1.02],
                               "p50": mean, "p90": mean * 1.5, "p99": mean * 3.0,
                               "p999": mean * 5.0, "max": mean * 8.0});
            serde_json::json!({
                "name": name, "offered": 9000, "completed": 9000, "rejected": 0, "timed_out": 0,
                "latency_ms": latency, "platform_ms": latency,
                "throughput_per_s": 500.0, "bottleneck": null, "bottleneck_utilization": null,
                "auth_added_ms": null, "findings": [], "hops": hops
            })
        };
        let doc = serde_json::json!({
            "schema_version": 1, "tool": "aznetsim", "version": "0.1.0",
            "scenario": "charts", "seed": 42, "replications": 2, "requests": 5000,
            "warmup_requests": 500, "mode": "compare",
            "routes": [
                route("green", vec![
                    hop("client", [0.0, 0.0, 1.2, 0.05, 0.8, 0.0]),
                    hop("app-gateway", [0.4, 1.5, 0.6, 0.02, 0.0, 0.0]),
                    hop("apim", [2.5, 3.0, 0.3, 0.01, 0.0, 4.0]),
                    hop("backend", [1.0, 6.0, 0.0, 0.0, 0.0, 0.0]),
                ]),
                route("red", vec![
                    hop("client", [0.0, 0.0, 9.0, 0.4, 2.0, 0.0]),
                    hop("firewall", [6.0, 0.8, 0.5, 0.05, 0.0, 0.0]),
                    hop("backend", [1.0, 6.0, 0.0, 0.0, 0.0, 0.0]),
                ]),
                route("third", vec![
                    hop("client", [0.0, 0.0, 4.0, 0.1, 0.0, 0.0]),
                    hop("backend", [0.5, 6.0, 0.0, 0.0, 0.0, 0.0]),
                ]),
            ]
        });
        serde_json::from_value(doc).unwrap()
    }

    /// The text content of every `<text>` element.
    fn texts(svg: &str) -> Vec<String> {
        svg.split("<text")
            .skip(1)
            .map(|t| {
                let body = &t[t.find('>').unwrap() + 1..t.find("</text>").unwrap()];
                body.replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">")
            })
            .collect()
    }

    /// The document is one `<svg>` element whose tags all balance.
    fn assert_well_formed(svg: &str) {
        let svg = svg.trim();
        assert!(svg.starts_with("<svg"), "{}", &svg[..svg.len().min(200)]);
        assert!(svg.ends_with("</svg>"));
        let mut open: Vec<&str> = Vec::new();
        let mut rest = svg;
        while let Some(start) = rest.find('<') {
            let end = rest[start..].find('>').expect("unterminated tag") + start;
            let tag = &rest[start + 1..end];
            assert!(!tag.contains('<'), "`<` inside a tag: {tag}");
            if let Some(name) = tag.strip_prefix('/') {
                assert_eq!(open.pop(), Some(name.trim()), "mismatched </{name}>");
            } else if !tag.ends_with('/') && !tag.starts_with('?') && !tag.starts_with('!') {
                open.push(tag.split_whitespace().next().unwrap());
            }
            rest = &rest[end + 1..];
        }
        assert!(open.is_empty(), "unclosed: {open:?}");
    }

    /// `attr="#RRGGBB"` for `color`, as the SVG backend writes it.
    fn hex(color: RGBColor, attr: &str) -> String {
        format!("{attr}=\"#{:02X}{:02X}{:02X}\"", color.0, color.1, color.2)
    }

    fn has_text(svg: &str, wanted: &str) -> bool {
        texts(svg).iter().any(|t| t.contains(wanted))
    }

    #[test]
    fn number_has_three_significant_digits() {
        assert_eq!(number(0.0), "0");
        assert_eq!(number(12.345), "12.3");
        assert_eq!(number(0.5), "0.5");
        assert_eq!(number(2.0), "2");
        assert_eq!(number(1500.0), "1500");
        assert_eq!(number(0.012_34), "0.0123");
    }

    #[test]
    fn nines_are_labelled_as_percentiles() {
        assert_eq!(percentile_label(0.0), "0%");
        assert_eq!(percentile_label(2f64.log10()), "50%");
        assert_eq!(percentile_label(1.0), "90%");
        assert_eq!(percentile_label(2.0), "99%");
        assert_eq!(percentile_label(3.0), "99.9%");
        assert_eq!(percentile_label(5.0), "99.999%");
    }

    #[test]
    fn log_ticks_are_readable() {
        // Three decades alone are too few labels: 1-2-5 instead.
        assert_eq!(log_ticks(0.5, 300.0).0, [0.5, 1.0, 2.0, 5.0, 10.0, 20.0, 50.0, 100.0, 200.0]);
        assert_eq!(log_ticks(0.5, 30.0).0, [0.5, 1.0, 2.0, 5.0, 10.0, 20.0]);
        let (bold, light) = log_ticks(3.0, 9.0);
        assert!(bold.len() >= 3, "{bold:?}");
        assert!(light.len() >= bold.len(), "{light:?}");
        assert_eq!(log_ticks(0.01, 1e5).0.len(), 8);
    }

    #[test]
    fn a_tornado_labels_each_end_or_both_at_once_on_one_side() {
        let bar = |label: &str, at_low, at_high| TornadoBar {
            label: label.into(),
            at_low: Some(at_low),
            at_high: Some(at_high),
        };
        let panel = TornadoPanel {
            title: "red - green: mean difference".into(),
            base: -2.5,
            bars: vec![
                bar("tls.connection_reuse (0.5..0.99 fraction)", -4.78, -2.04),
                bar("network.intra_zone_sigma (0.15..0.6 1)", -2.55, -2.53),
            ],
        };
        let svg = tornado(&[panel], "mean difference from the baseline [ms]", &caption());
        let doc = svg.as_str();
        for text in [
            "red - green: mean difference",
            "tls.connection_reuse (0.5..0.99 fraction)",
            "\n-4.78\n",
            "\n-2.04\n",
            "low -2.55, high -2.53",
            "figure at the low end of its range",
            "mean difference from the baseline [ms]",
        ] {
            assert!(doc.contains(text), "no {text:?} in the tornado");
        }
        // Two halves per bar, in the low and the high colour.
        for colour in [LOW_END, HIGH_END] {
            let fill = format!("fill=\"#{:02X}{:02X}{:02X}\"", colour.0, colour.1, colour.2);
            assert!(doc.matches(&fill).count() >= 3, "{fill}: two bars and the legend");
        }
    }

    fn caption() -> Caption {
        Caption::of_run(&report())
    }

    /// `stroke="#…"` tags of `element` (`polyline`, `circle`…) in `color`,
    /// with `also` in them.
    fn count(svg: &str, element: &str, attr_color: &str, also: &str) -> usize {
        svg.split(&format!("<{element}"))
            .skip(1)
            .map(|t| &t[..t.find('>').unwrap()])
            .filter(|t| t.contains(attr_color) && t.contains(also))
            .count()
    }

    fn histograms() -> Vec<hdrhistogram::Histogram<u64>> {
        vec![
            histogram(1, 9000, 8.0, 4.0),
            histogram(2, 9000, 15.0, 10.0),
            histogram(3, 500, 11.0, 6.0),
        ]
    }

    fn latency_svg(names: [&str; 3]) -> String {
        let h = histograms();
        let routes: Vec<_> =
            names.iter().zip(&h).map(|(n, h)| (n.to_string(), h, h.max())).collect();
        latency_distribution("Latency by route", &routes, &caption())
    }

    fn load_series(capacity: bool) -> Vec<LoadSeries> {
        let series = |name: &str, points: Vec<(f64, f64)>, cap: Option<(f64, f64)>| LoadSeries {
            name: name.to_string(),
            route: name.to_string(),
            points,
            capacity: capacity.then_some(cap),
        };
        vec![
            series(
                "green",
                vec![(100.0, 20.0), (200.0, 22.0), (400.0, 30.0), (800.0, 60.0)],
                Some((400.0, 30.0)),
            ),
            series(
                "red",
                vec![(100.0, 35.0), (200.0, 40.0), (400.0, 90.0), (800.0, f64::INFINITY)],
                Some((200.0, 40.0)),
            ),
            series("third", vec![(100.0, 60.0), (200.0, 70.0)], None),
        ]
    }

    fn load_svg(series: &[LoadSeries], slo_ms: Option<f64>, log_y: bool) -> String {
        latency_against_load(&LoadChart {
            title: "p99 against load",
            x_desc: ARRIVAL_RATE,
            metric: "p99",
            series,
            slo_ms,
            log_y,
            caption: &caption(),
        })
    }

    #[test]
    fn latency_distribution_draws_a_line_per_route_on_a_nines_axis() {
        let svg = latency_svg(["green", "red & co", "third"]);
        assert_well_formed(&svg);
        for wanted in [
            "Latency by route",
            "green",
            "red & co",
            "percentile (log scale of nines)",
            "latency [ms] (log scale)",
            "0%",
            "50%",
            "90%",
            "99%",
            "99.9%",
            "99.99%",
        ] {
            assert!(has_text(&svg, wanted), "no text {wanted:?} in {:?}", texts(&svg));
        }
        // 9000 samples resolve four nines, not five.
        assert!(!has_text(&svg, "99.999%"));
        // One solid line per route, its legend sample, and a dot where the
        // solid line ends.
        for color in series_colours(&["green", "red & co", "third"]) {
            let stroke = hex(color, "stroke");
            let solid = count(&svg, "polyline", &stroke, "stroke-width=\"2\"");
            assert_eq!(solid, 1, "{stroke}");
            assert_eq!(count(&svg, "polyline", &stroke, "stroke-width=\"3\""), 1, "{stroke}");
            assert_eq!(count(&svg, "circle", &hex(color, "fill"), ""), 1, "{stroke}");
        }
    }

    #[test]
    fn latency_distribution_dashes_the_percentiles_few_samples_support() {
        // 1000 samples: p99 has 10 beyond it, p99.9 one.
        assert!((supported_nines(1000) - 2.0).abs() < 1e-12);
        assert!((supported_nines(10)).abs() < 1e-12);
        assert!(supported_nines(5) < 0.0);
        let svg = latency_svg(["green", "red", "third"]);
        assert!(has_text(&svg, "dashed: fewer than 10 samples beyond the percentile"));
        // Each route goes on dashed (thin, many pieces) past its support.
        for color in series_colours(&["green", "red", "third"]) {
            let dashes = count(&svg, "polyline", &hex(color, "stroke"), "stroke-width=\"1\"");
            assert!(dashes > 3, "{dashes} dashes");
        }
        // The 500-sample route stops sooner (x = log10(50) < log10(900)):
        // its dot is further left than that of the 9000-sample routes.
        let dot_x = |color: RGBColor| {
            let fill = hex(color, "fill");
            let tag = svg.split("<circle").skip(1).find(|t| t.contains(&fill)).unwrap();
            attr(tag, "cx")
        };
        let c = series_colours(&["green", "red", "third"]);
        assert!(dot_x(c[2]) < dot_x(c[0]) - 100.0, "{} vs {}", dot_x(c[2]), dot_x(c[0]));
        assert!((dot_x(c[0]) - dot_x(c[1])).abs() < 1.0);
    }

    #[test]
    fn latency_distribution_survives_an_empty_histogram() {
        let empty =
            hdrhistogram::Histogram::<u64>::new_with_bounds(1, 3_600_000_000_000, 3).unwrap();
        let svg = latency_distribution("t", &[("idle".to_string(), &empty, 0)], &caption());
        assert_well_formed(&svg);
        assert!(has_text(&svg, "idle (no completed requests)"));
        let svg = latency_distribution("t", &[], &caption());
        assert_well_formed(&svg);
        // Fewer than 10 samples: no solid part, all dashed.
        let mut few =
            hdrhistogram::Histogram::<u64>::new_with_bounds(1, 3_600_000_000_000, 3).unwrap();
        for v in 1..=5u64 {
            few.record(v * 1_000_000).unwrap();
        }
        let svg = latency_distribution("t", &[("few".to_string(), &few, few.max())], &caption());
        assert_well_formed(&svg);
        assert!(has_text(&svg, "dashed: fewer than 10 samples"));
    }

    /// The (y, total width) of each row of component segments, top to
    /// bottom; the last row is the legend.
    fn bar_rows(svg: &str) -> Vec<(f64, f64)> {
        let mut rows: Vec<(f64, f64)> = Vec::new();
        for tag in svg.split("<rect").skip(1) {
            let tag = &tag[..tag.find('>').unwrap()];
            let fills = COMPONENTS.iter().map(|c| hex(c.color, "fill"));
            if !fills.into_iter().any(|f| tag.contains(&f)) {
                continue;
            }
            let (y, w) = (attr(tag, "y"), attr(tag, "width"));
            match rows.iter_mut().find(|r| (r.0 - y).abs() < 1.0) {
                Some(r) => r.1 += w,
                None => rows.push((y, w)),
            }
        }
        rows.sort_by(|a, b| a.0.total_cmp(&b.0));
        rows
    }

    #[test]
    fn hop_breakdown_stacks_one_bar_per_hop_grouped_by_route() {
        let report = report();
        let svg = hop_breakdown("Where the time goes", &report, &caption());
        assert_well_formed(&svg);
        for r in &report.routes {
            let header =
                format!("{}: {} ms mean per request", r.name, number(r.latency_ms.mean.unwrap()));
            assert!(has_text(&svg, &header), "no header {header:?} in {:?}", texts(&svg));
            for h in &r.hops {
                assert!(has_text(&svg, &h.node), "no hop {}", h.node);
            }
        }
        assert!(has_text(&svg, "mean time per request at each hop [ms]"));
        // One row of segments per hop of every route (a hop whose
        // components are all zero has none), and the legend's.
        let hops: Vec<&HopReport> = report.routes.iter().flat_map(|r| &r.hops).collect();
        let nonzero = hops.iter().filter(|h| COMPONENTS.iter().any(|c| (c.of)(h) > 0.0)).count();
        let rows = bar_rows(&svg);
        assert_eq!(rows.len(), nonzero + 1, "{rows:?}");
        // Each bar as long as its hop's total.
        let nonzero: Vec<&&HopReport> =
            hops.iter().filter(|h| COMPONENTS.iter().any(|c| (c.of)(h) > 0.0)).collect();
        let total = |h: &HopReport| COMPONENTS.iter().map(|c| (c.of)(h)).sum::<f64>();
        // The scale from the longest bar, where rounding weighs least.
        let widest = (0..nonzero.len()).max_by(|a, b| rows[*a].1.total_cmp(&rows[*b].1)).unwrap();
        let px_per_ms = rows[widest].1 / total(nonzero[widest]);
        for (row, hop) in rows.iter().zip(&nonzero) {
            let want = total(hop) * px_per_ms;
            // Each segment's ends are rounded to whole pixels.
            assert!((row.1 - want).abs() <= 4.0, "{}: {} px, want {want}", hop.node, row.1);
            assert!(has_text(&svg, &format!("{} ms", number(total(hop)))), "{}", hop.node);
        }
        for c in &COMPONENTS {
            assert!(has_text(&svg, c.name), "no component {}", c.name);
            let rects = count(&svg, "rect", &hex(c.color, "fill"), "");
            // One segment on each hop where it is not zero, and the legend's.
            let on = hops.iter().filter(|h| (c.of)(h) > 0.0).count();
            assert_eq!(rects, on + 1, "{}", c.name);
        }
    }

    #[test]
    fn hop_breakdown_names_a_second_visit() {
        let mut report = report();
        let again = report.routes[0].hops[1].clone();
        report.routes[0].hops.insert(3, again);
        let svg = hop_breakdown("t", &report, &caption());
        assert!(has_text(&svg, "app-gateway (2nd visit)"), "{:?}", texts(&svg));
    }

    /// The value of attribute `name` in the tag starting `tag`.
    fn attr(tag: &str, name: &str) -> f64 {
        let from = tag.find(&format!(" {name}=\"")).unwrap() + name.len() + 3;
        tag[from..from + tag[from..].find('"').unwrap()].parse().unwrap()
    }

    #[test]
    fn hop_breakdown_leaves_out_components_zero_everywhere() {
        let mut report = report();
        for r in &mut report.routes {
            for h in &mut r.hops {
                h.handshake_ms_mean = 0.0;
            }
        }
        let svg = hop_breakdown("t", &report, &caption());
        assert!(!has_text(&svg, "handshake"));
        assert!(has_text(&svg, "queue wait"));
    }

    #[test]
    fn latency_against_load_draws_markers_and_the_slo() {
        let series = load_series(false);
        let svg = load_svg(&series, Some(50.0), false);
        assert_well_formed(&svg);
        for wanted in [
            "p99 against load",
            "green",
            "red",
            "third",
            "arrival rate [requests/s]",
            "p99 latency [ms]",
            "SLO 50 ms",
        ] {
            assert!(has_text(&svg, wanted), "no text {wanted:?} in {:?}", texts(&svg));
        }
        let colours = series_colours(&["green", "red", "third"]);
        for (i, n) in [(0, 4), (1, 3), (2, 2)] {
            let c = colours[i];
            let (fill, stroke) = (hex(c, "fill"), hex(c, "stroke"));
            let markers = svg.split("<circle").skip(1).filter(|t| t.contains(&fill)).count();
            assert_eq!(markers, n + 1, "markers of route {i} (and its legend)");
            let lines = svg.split("<polyline").skip(1).filter(|t| t.contains(&stroke)).count();
            assert_eq!(lines, 2, "line of route {i} and its legend");
        }
        // No capacity search, no rings.
        assert!(!has_text(&svg, "ring"));
        let without = load_svg(&series, None, false);
        assert!(!has_text(&without, "SLO"));
    }

    /// Issue 10, item 8: a route name with markup and control characters
    /// stays text: plotters escapes the markup, [`safe_text`] the
    /// control characters (which XML forbids).
    #[test]
    fn issue_10_a_route_name_with_markup_and_control_characters_stays_text() {
        let mut series = load_series(false);
        let name = "a<b&\"c\u{1b}[31m\u{7}</text><script>";
        series[0].name = name.to_string();
        let svg = safe_text(load_svg(&series, None, false));
        assert_well_formed(&svg);
        assert!(!svg.contains("<script"), "{svg}");
        assert!(!svg.chars().any(|c| c.is_control() && c != '\n'), "a control character is left");
        // `texts` undoes &lt; &gt; &amp; only: the quote is still &quot;.
        let shown = "a<b&&quot;c\\u{1b}[31m\\u{7}</text><script>";
        assert!(has_text(&svg, shown), "{:?}", texts(&svg));
    }

    #[test]
    fn capacity_chart_is_logarithmic_with_a_ring_at_each_capacity_and_the_slo() {
        let series = load_series(true);
        let svg = load_svg(&series, Some(50.0), true);
        assert_well_formed(&svg);
        for wanted in [
            "p99 latency [ms] (log scale)",
            "SLO 50 ms",
            "green: capacity 400/s",
            "red: capacity 200/s",
            "third: within the SLO at no rate tried",
            "ring: capacity found",
        ] {
            assert!(has_text(&svg, wanted), "no text {wanted:?} in {:?}", texts(&svg));
        }
        let colours = series_colours(&["green", "red", "third"]);
        for (i, rings) in [(0, 1), (1, 1), (2, 0)] {
            let ring = count(&svg, "circle", &hex(colours[i], "stroke"), "stroke-width=\"3\"");
            assert_eq!(ring, rings, "ring of route {i}");
        }
        // The SLO line: dashed, in its colour, even far above every point.
        let slo_stroke = hex(SLO_COLOR, "stroke");
        for slo in [50.0, 5000.0, 0.01] {
            let svg = load_svg(&series, Some(slo), true);
            assert!(count(&svg, "polyline", &slo_stroke, "") >= 2, "SLO {slo}");
            assert!(has_text(&svg, &format!("SLO {} ms", number(slo))), "SLO {slo}");
            let (lo, hi) = y_range(&svg);
            assert!(lo <= slo && slo <= hi, "SLO {slo} outside {lo}..{hi}");
        }
    }

    /// The smallest and largest y tick label of a chart.
    fn y_range(svg: &str) -> (f64, f64) {
        let ticks: Vec<f64> = svg
            .split("<text")
            .skip(1)
            .filter(|t| t.contains("text-anchor=\"end\""))
            .filter_map(|t| {
                t[t.find('>').unwrap() + 1..t.find("</text>").unwrap()].trim().parse().ok()
            })
            .collect();
        assert!(!ticks.is_empty(), "no y ticks");
        (
            ticks.iter().copied().fold(f64::INFINITY, f64::min),
            ticks.iter().copied().fold(0.0, f64::max),
        )
    }

    #[test]
    fn latency_against_load_goes_logarithmic_near_saturation() {
        let series = vec![LoadSeries {
            name: "red".to_string(),
            route: "red".to_string(),
            points: vec![(100.0, 5.0), (900.0, 40.0), (990.0, 2000.0)],
            capacity: None,
        }];
        let svg = load_svg(&series, None, false);
        assert!(has_text(&svg, "p99 latency [ms] (log scale)"));
        let svg = load_svg(&[], Some(100.0), true);
        assert_well_formed(&svg);
    }

    /// Issue point 9: the route named red is drawn red, and "third" in a
    /// palette colour that is not red, in every chart.
    #[test]
    fn red_is_drawn_red_and_third_from_the_palette_in_every_chart() {
        let red = crate::output::colour::NAMED[0].1;
        let green = crate::output::colour::NAMED[1].1;
        let third = series_colours(&["green", "red", "third"])[2];
        assert!(PALETTE.contains(&third));
        assert_ne!(third, PALETTE[2], "third is not the palette's red beside red");
        assert_ne!(third, PALETTE[4], "nor its green beside green");
        let latency = latency_svg(["green", "red", "third"]);
        let breakdown = hop_breakdown("t", &report(), &caption());
        let load = load_svg(&load_series(true), Some(50.0), true);
        for (name, svg, element) in [
            ("latency", &latency, "polyline"),
            ("breakdown", &breakdown, "circle"),
            ("load", &load, "circle"),
        ] {
            let attr_name = if element == "polyline" { "stroke" } else { "fill" };
            for (route, color) in [("red", red), ("green", green), ("third", third)] {
                assert!(
                    count(svg, element, &hex(color, attr_name), "") >= 1,
                    "{name}: {route} is not drawn in {}",
                    hex(color, attr_name)
                );
            }
        }
    }

    #[test]
    fn every_chart_has_a_caption_with_seed_replications_and_requests() {
        let want = "scenario charts, seed 42, 2 replications of 5000 requests per route (the first 500 of each are warm-up, not measured)";
        assert_eq!(caption().text(), want);
        let charts = [
            latency_svg(["green", "red", "third"]),
            hop_breakdown("t", &report(), &caption()),
            load_svg(&load_series(true), Some(50.0), true),
        ];
        for svg in &charts {
            assert!(has_text(svg, want), "{:?}", texts(svg));
        }
    }

    /// Compares `got` with `sim-cli/tests/golden/NAME`; `UPDATE_GOLDEN=1`
    /// rewrites the file instead, for a reviewed change of a chart.
    fn golden(name: &str, got: &str) {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden").join(name);
        if std::env::var_os("UPDATE_GOLDEN").is_some() {
            std::fs::write(&path, got).unwrap();
        }
        let want = std::fs::read_to_string(&path).unwrap_or_else(|e| {
            panic!("{}: {e}; set UPDATE_GOLDEN=1 to create it", path.display())
        });
        assert!(
            got == want,
            "{name} changed; if deliberate, regenerate with UPDATE_GOLDEN=1 cargo test -p sim-cli golden and review the diff"
        );
    }

    /// The SVG of the breakdown and capacity charts from fixed inputs, byte
    /// for byte: a label or layout change is a reviewed change.
    #[test]
    fn golden_breakdown_and_capacity_charts() {
        golden(
            "breakdown.svg",
            &hop_breakdown("charts: where the time goes", &report(), &caption()),
        );
        golden("capacity.svg", &load_svg(&load_series(true), Some(50.0), true));
    }
}
