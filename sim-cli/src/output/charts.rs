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
use sim_scenarios::report::HopReport;

/// Font family of every text: left to the SVG viewer.
const FONT: &str = "sans-serif";
/// Font sizes as plotters takes them (it writes `size / 1.24` px).
const TITLE_SIZE: f64 = 24.0;
const DESC_SIZE: f64 = 17.0;
const LABEL_SIZE: f64 = 15.0;

/// Tableau 10: distinguishable, also for the common colour-vision
/// deficiencies when combined with the legend's order.
const PALETTE: [RGBColor; 10] = [
    RGBColor(0x4E, 0x79, 0xA7),
    RGBColor(0xF2, 0x8E, 0x2B),
    RGBColor(0xE1, 0x57, 0x59),
    RGBColor(0x76, 0xB7, 0xB2),
    RGBColor(0x59, 0xA1, 0x4F),
    RGBColor(0xED, 0xC9, 0x48),
    RGBColor(0xB0, 0x7A, 0xA1),
    RGBColor(0xFF, 0x9D, 0xA7),
    RGBColor(0x9C, 0x75, 0x5F),
    RGBColor(0xBA, 0xB0, 0xAC),
];

const GRID_BOLD: RGBColor = RGBColor(0xD0, 0xD0, 0xD0);
const GRID_LIGHT: RGBColor = RGBColor(0xEE, 0xEE, 0xEE);
const SLO_COLOR: RGBColor = RGBColor(0xC0, 0x1C, 0x28);
/// The x axis of p99-against-load charts whose x is the arrival rate.
pub(crate) const ARRIVAL_RATE: &str = "arrival rate [requests/s]";

/// Colour of the `i`-th route.
fn route_color(i: usize) -> RGBColor {
    PALETTE[i % PALETTE.len()]
}

/// What drawing on an in-memory SVG can fail with (nothing in practice:
/// the backend only fails on file I/O).
type DrawResult = Result<(), DrawingAreaErrorKind<std::io::Error>>;
type Root<'a> = DrawingArea<SVGBackend<'a>, Shift>;

/// Renders `draw` onto a fresh SVG document of `size` pixels.
fn render(size: (u32, u32), draw: impl FnOnce(&Root<'_>) -> DrawResult) -> String {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, size).into_drawing_area();
        root.fill(&WHITE)
            .and_then(|()| draw(&root))
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
fn number(v: f64) -> String {
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

/// Latency percentile distribution of every route on one chart, as
/// HdrHistogram plots it: x is the percentile on a "nines" axis (0 %,
/// 90 %, 99 %, 99.9 % ... equally spaced, `x = -log10(1 - q)`), y the
/// latency in ms on a log scale. One line per route; the legend gives
/// each route's p50 and p99. Each route is (name, histogram \[ns\], exact
/// maximum \[ns\]): percentiles never exceed the maximum, as in the tables.
pub(crate) fn latency_distribution(
    title: &str,
    routes: &[(String, &hdrhistogram::Histogram<u64>, u64)],
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

    render((1000, 600), |root| {
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
        for (i, (name, hist, max_ns)) in routes.iter().enumerate() {
            let color = route_color(i);
            let quantile_ms =
                |q: f64| ns_to_ms(quantile_at_most_max_ns(hist, q, *max_ns, hist.len()));
            let (points, label) = if hist.is_empty() {
                (Vec::new(), format!("{name} (no completed requests)"))
            } else {
                let points: Vec<(f64, f64)> = (0..=steps)
                    .map(|s| {
                        let x = x_max * f64::from(s) / f64::from(steps);
                        (x, quantile_ms(1.0 - 10f64.powf(-x)).max(y_lo))
                    })
                    .collect();
                let label = format!(
                    "{name}: p50 {} ms, p99 {} ms",
                    number(quantile_ms(0.5)),
                    number(quantile_ms(0.99))
                );
                (points, label)
            };
            chart.draw_series(LineSeries::new(points, color.stroke_width(2)))?.label(label).legend(
                move |(x, y)| PathElement::new(vec![(x, y), (x + 24, y)], color.stroke_width(3)),
            );
        }
        draw_legend(&mut chart)?;
        Ok(())
    })
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

/// The six components a request's latency is made of, in the order a
/// request meets them at a node.
const COMPONENTS: [Component; 6] = [
    Component { name: "queue wait", color: PALETTE[2], ink: WHITE, of: |h| h.wait_ms_mean },
    Component { name: "service", color: PALETTE[0], ink: WHITE, of: |h| h.service_ms_mean },
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

/// Where the time goes: one horizontal bar per route, stacked from the six
/// components of its hops (queueing wait, service, handshakes, nested calls,
/// link latency, serialisation), each summed over every hop of the route.
/// The bar's length is the route's mean latency; segments wide enough carry
/// their value, and components that are zero on every route are left out.
/// Summing over hops keeps routes of different lengths comparable; the
/// table has the per-hop figures.
pub(crate) fn hop_breakdown(title: &str, report: &RunReport) -> String {
    let routes = &report.routes;
    let n = routes.len();
    // sums[route][component]
    let sums: Vec<[f64; 6]> = routes
        .iter()
        .map(|r| std::array::from_fn(|c| r.hops.iter().map(COMPONENTS[c].of).sum::<f64>()))
        .collect();
    let shown: Vec<usize> =
        (0..COMPONENTS.len()).filter(|c| sums.iter().any(|s| s[*c] > 0.0)).collect();
    let total = |i: usize| sums[i].iter().sum::<f64>();
    let x_top = (0..n).map(total).fold(0.0, f64::max);
    let x_max = if x_top > 0.0 { x_top * 1.2 } else { 1.0 };
    let names: Vec<String> = routes.iter().map(|r| short_name(&r.name)).collect();
    let name_width = names.iter().map(|s| text_width(s, LABEL_SIZE)).fold(0.0, f64::max);
    let y_label_area = (name_width + 24.0).clamp(60.0, 360.0) as u32;
    let height = (150 + 56 * n as u32).max(300);
    let legend_height = 44;

    render((1000, height), |root| {
        let (upper, lower) = root.split_vertically(height - legend_height);
        // Route 0 on top.
        let y_of = |i: usize| (n - 1 - i) as f64;
        let name_at = |y: &f64| {
            let k = y.round();
            if k >= 0.0 && (k as usize) < n {
                names[n - 1 - k as usize].clone()
            } else {
                String::new()
            }
        };
        let mut chart = ChartBuilder::on(&upper)
            .caption(title, (FONT, TITLE_SIZE))
            .margin(16)
            .margin_right(32)
            .x_label_area_size(56)
            .y_label_area_size(y_label_area)
            .build_cartesian_2d(
                0.0..x_max,
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
            .x_desc("mean latency per request [ms], each component summed over the route's hops")
            .x_label_formatter(&|x| number(*x))
            .y_label_formatter(&name_at)
            .label_style((FONT, LABEL_SIZE))
            .axis_desc_style((FONT, DESC_SIZE))
            .bold_line_style(GRID_BOLD)
            .light_line_style(GRID_LIGHT)
            .draw()?;

        let plot_px = f64::from(chart.plotting_area().dim_in_pixel().0);
        let px_per_ms = plot_px / x_max;
        let half = 0.3;
        for (i, route) in routes.iter().enumerate() {
            let y = y_of(i);
            let mut x = 0.0;
            for &c in &shown {
                let (comp, v) = (&COMPONENTS[c], sums[i][c]);
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
            let end = if route.completed == 0 {
                "no completed requests".to_string()
            } else {
                format!("{} ms", number(route.latency_ms.mean.unwrap_or(0.0)))
            };
            let style = TextStyle::from((FONT, LABEL_SIZE).into_font().style(FontStyle::Bold))
                .pos(Pos::new(HPos::Left, VPos::Center));
            chart.draw_series(std::iter::once(
                EmptyElement::at((x, y)) + Text::new(end, (6, 0), style),
            ))?;
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

/// p99 latency against load for every route: x is the arrival rate
/// \[requests/s\] or whatever a sweep varied (`x_desc` names it), y the
/// p99 \[ms\], on a log scale when the values span
/// more than a factor of 50 (a route near saturation), linear otherwise.
/// One line with markers per route; a dashed horizontal line with its
/// label when `slo_ms` is given. Non-finite points are left out.
pub(crate) fn p99_against_load(
    title: &str,
    x_desc: &str,
    series: &[(String, Vec<(f64, f64)>)],
    slo_ms: Option<f64>,
) -> String {
    let clean: Vec<Vec<(f64, f64)>> = series
        .iter()
        .map(|(_, pts)| {
            let mut pts: Vec<(f64, f64)> = pts
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
    let slo = slo_ms.filter(|s| s.is_finite() && *s > 0.0);
    let ys = || all().map(|p| p.1).chain(slo);
    let y_top = ys().fold(0.0, f64::max);
    let y_min_pos = ys().filter(|y| *y > 0.0).fold(f64::INFINITY, f64::min);
    let log = y_min_pos.is_finite() && y_top / y_min_pos > 50.0;

    render((1000, 600), |root| {
        let mut builder = ChartBuilder::on(root);
        builder
            .caption(title, (FONT, TITLE_SIZE))
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
            configure_mesh(&mut chart, x_desc, "p99 latency [ms] (log scale)", None)?;
            draw_load_series(&mut chart, series, &clean, slo, x_max, lo)
        } else {
            let hi = if y_top > 0.0 { y_top * 1.1 } else { 1.0 };
            let mut chart = builder.build_cartesian_2d(0.0..x_max, 0.0..hi)?;
            configure_mesh(&mut chart, x_desc, "p99 latency [ms]", Some(1))?;
            draw_load_series(&mut chart, series, &clean, slo, x_max, 0.0)
        }
    })
}

/// The axes and grid of [`p99_against_load`], on either kind of y axis:
/// at most `y_max_light_lines` light lines between two labelled ones
/// (`None`: plotters' default, or the axis's own light points).
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

/// The lines, markers, SLO and legend of [`p99_against_load`] on either
/// kind of y axis; points below `y_floor` (zero on a log axis) are left out.
fn draw_load_series<'a, Y>(
    chart: &mut ChartContext<'a, SVGBackend<'a>, Cartesian2d<RangedCoordf64, Y>>,
    series: &[(String, Vec<(f64, f64)>)],
    clean: &[Vec<(f64, f64)>],
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
    for (i, ((name, _), pts)) in series.iter().zip(clean).enumerate() {
        let color = route_color(i);
        let pts: Vec<(f64, f64)> = pts.iter().copied().filter(|p| p.1 >= y_floor).collect();
        chart
            .draw_series(LineSeries::new(pts.iter().copied(), color.stroke_width(2)))?
            .label(name.as_str())
            .legend(move |(x, y)| {
                EmptyElement::at((x, y))
                    + PathElement::new(vec![(0, 0), (24, 0)], color.stroke_width(2))
                    + Circle::new((12, 0), 4, color.filled())
            });
        chart.draw_series(pts.iter().map(|p| Circle::new(*p, 4, color.filled())))?;
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
                "utilization": null, "busy_servers_mean": null, "link_utilization": null,
                "rejected": 0
            })
        };
        let route = |name: &str, hops: Vec<serde_json::Value>| {
            let mean: f64 = hops
                .iter()
                .map(|h| {
                    ["wait", "service", "link", "serialization", "handshake", "subcall"]
                        .iter()
                        .map(|k| h[format!("{k}_ms_mean")].as_f64().unwrap())
                        .sum::<f64>()
                })
                .sum();
            serde_json::json!({
                "name": name, "offered": 9000, "completed": 9000, "rejected": 0, "timed_out": 0,
                "latency_ms": {"mean": mean, "mean_ci95": [mean * 0.98, mean * 1.02],
                               "p50": mean, "p90": mean * 1.5, "p99": mean * 3.0,
                               "p999": mean * 5.0, "max": mean * 8.0},
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
                route("amber via ExpressRoute", vec![
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
    fn latency_distribution_draws_a_line_per_route_on_a_nines_axis() {
        let (g, r) = (histogram(1, 9000, 8.0, 4.0), histogram(2, 9000, 15.0, 10.0));
        let routes =
            vec![("green".to_string(), &g, g.max()), ("red & co".to_string(), &r, r.max())];
        let svg = latency_distribution("Latency by route", &routes);
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
        // One line per route, plus its legend sample.
        for color in [route_color(0), route_color(1)] {
            let stroke = hex(color, "stroke");
            let lines = svg.split("<polyline").skip(1).filter(|t| t.contains(&stroke)).count();
            assert_eq!(lines, 2, "{stroke}");
        }
    }

    #[test]
    fn latency_distribution_survives_an_empty_histogram() {
        let empty =
            hdrhistogram::Histogram::<u64>::new_with_bounds(1, 3_600_000_000_000, 3).unwrap();
        let svg = latency_distribution("t", &[("idle".to_string(), &empty, 0)]);
        assert_well_formed(&svg);
        assert!(has_text(&svg, "idle (no completed requests)"));
        let svg = latency_distribution("t", &[]);
        assert_well_formed(&svg);
    }

    #[test]
    fn hop_breakdown_stacks_one_bar_per_route() {
        let report = report();
        let svg = hop_breakdown("Where the time goes", &report);
        assert_well_formed(&svg);
        for r in &report.routes {
            assert!(has_text(&svg, &r.name), "no route {}", r.name);
            assert!(
                has_text(&svg, &format!("{} ms", number(r.latency_ms.mean.unwrap()))),
                "no total for {}",
                r.name
            );
        }
        assert!(has_text(&svg, "mean latency per request [ms]"));
        for c in &COMPONENTS {
            assert!(has_text(&svg, c.name), "no component {}", c.name);
            let fill = hex(c.color, "fill");
            let rects = svg.split("<rect").skip(1).filter(|t| t.contains(&fill)).count();
            // One segment on each route where it is not zero, and the legend's.
            let on =
                report.routes.iter().filter(|r| r.hops.iter().map(c.of).sum::<f64>() > 0.0).count();
            assert_eq!(rects, on + 1, "{}", c.name);
        }
    }

    /// The value of attribute `name` in the tag starting `tag`.
    fn attr(tag: &str, name: &str) -> f64 {
        let from = tag.find(&format!(" {name}=\"")).unwrap() + name.len() + 3;
        tag[from..from + tag[from..].find('"').unwrap()].parse().unwrap()
    }

    #[test]
    fn hop_breakdown_bar_length_is_the_mean() {
        let report = report();
        let svg = hop_breakdown("t", &report);
        // Total width of the segments on each row, top to bottom; the last
        // row is the legend.
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
        assert_eq!(rows.len(), report.routes.len() + 1, "{rows:?}");
        let px_per_ms = rows[0].1 / report.routes[0].latency_ms.mean.unwrap();
        for (row, route) in rows.iter().zip(&report.routes) {
            let want = route.latency_ms.mean.unwrap() * px_per_ms;
            // Each segment's ends are rounded to whole pixels.
            assert!((row.1 - want).abs() <= 3.0, "{}: {} px, want {want}", route.name, row.1);
        }
    }

    #[test]
    fn hop_breakdown_leaves_out_components_zero_everywhere() {
        let mut report = report();
        for r in &mut report.routes {
            for h in &mut r.hops {
                h.handshake_ms_mean = 0.0;
            }
        }
        let svg = hop_breakdown("t", &report);
        assert!(!has_text(&svg, "handshake"));
        assert!(has_text(&svg, "queue wait"));
    }

    #[test]
    fn p99_against_load_draws_markers_and_the_slo() {
        let series = vec![
            ("green".to_string(), vec![(100.0, 20.0), (200.0, 22.0), (400.0, 30.0), (800.0, 60.0)]),
            (
                "red".to_string(),
                vec![(100.0, 35.0), (200.0, 40.0), (400.0, 90.0), (800.0, f64::INFINITY)],
            ),
        ];
        let svg = p99_against_load("p99 against load", ARRIVAL_RATE, &series, Some(50.0));
        assert_well_formed(&svg);
        for wanted in [
            "p99 against load",
            "green",
            "red",
            "arrival rate [requests/s]",
            "p99 latency [ms]",
            "SLO 50 ms",
        ] {
            assert!(has_text(&svg, wanted), "no text {wanted:?} in {:?}", texts(&svg));
        }
        for (i, n) in [(0, 4), (1, 3)] {
            let c = route_color(i);
            let (fill, stroke) = (hex(c, "fill"), hex(c, "stroke"));
            let markers = svg.split("<circle").skip(1).filter(|t| t.contains(&fill)).count();
            assert_eq!(markers, n + 1, "markers of route {i} (and its legend)");
            let lines = svg.split("<polyline").skip(1).filter(|t| t.contains(&stroke)).count();
            assert_eq!(lines, 2, "line of route {i} and its legend");
        }
        let without = p99_against_load("p99 against load", ARRIVAL_RATE, &series, None);
        assert!(!has_text(&without, "SLO"));
    }

    #[test]
    fn p99_against_load_goes_logarithmic_near_saturation() {
        let series = vec![("red".to_string(), vec![(100.0, 5.0), (900.0, 40.0), (990.0, 2000.0)])];
        let svg = p99_against_load("t", ARRIVAL_RATE, &series, None);
        assert!(has_text(&svg, "p99 latency [ms] (log scale)"));
        let svg = p99_against_load("t", ARRIVAL_RATE, &[], Some(100.0));
        assert_well_formed(&svg);
    }
}
