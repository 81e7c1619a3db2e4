#!/usr/bin/env python3
"""Plot the p99 latency of an `aznetsim sweep` against its first varied field.

Reads sweep CSV (from `aznetsim sweep ...` or `aznetsim merge ...`) from a
file or stdin and prints one compact text chart per route; with --svg it also
writes a simple SVG line chart. Python 3 standard library only.

    aznetsim sweep scenarios/apim-hub-proxy.json \\
        --vary workload.arrival.rate_per_s=500..3000:500 | python3 examples/plot_sweep.py
    python3 examples/plot_sweep.py sweep.csv --svg p99.svg
    python3 examples/plot_sweep.py sweep.csv --metric mean_ms

The CSV columns are: point, one column per --vary path, route, then offered,
completed, rejected, timed_out, mean_ms, p50_ms, p90_ms, p99_ms, p999_ms,
max_ms, throughput_per_s, bottleneck, bottleneck_utilization. The x axis is
the first varied column; when a sweep varies more than one field, each
combination of the other fields is its own series ("green (nodes.apim.units=2)").
"""

import argparse
import csv
import math
import os
import sys
from xml.sax.saxutils import escape

BAR_WIDTH = 40
# Series colours, the rule of aznetsim's own charts (sim-cli/src/output/colour.rs;
# a test there checks that the two agree): a route named after a colour word
# ("red", "Red", "red-2", "green (units=2)"; not "reddish") is drawn in that
# colour; any other name starts at palette slot fnv1a(name) % 10 and moves on
# while the slot's family is claimed by a colour-named route of the chart or
# the slot is taken by another name placed before it (names placed in byte
# order). Series of one colour are told apart by shade.
NAMED = [
    ("red", "#D62728", "red"), ("green", "#2CA02C", "green"), ("blue", "#1F77B4", "blue"),
    ("orange", "#FF7F0E", "orange"), ("purple", "#9467BD", "purple"),
    ("violet", "#8E44AD", "purple"), ("yellow", "#D4A800", "yellow"),
    ("amber", "#E69F00", "orange"), ("gold", "#C99A06", "yellow"),
    ("grey", "#7F7F7F", "grey"), ("gray", "#7F7F7F", "grey"), ("black", "#222222", "black"),
    ("brown", "#8C564B", "brown"), ("pink", "#E377C2", "pink"),
    ("magenta", "#C2189B", "pink"), ("cyan", "#17BECF", "teal"), ("teal", "#008080", "teal"),
    ("navy", "#1F3A93", "blue"), ("lime", "#7CB518", "green"), ("olive", "#808000", "green"),
    ("indigo", "#4B3CA8", "purple"),
]
# Tableau 10, and the family each slot looks like.
PALETTE = ["#4E79A7", "#F28E2B", "#E15759", "#76B7B2", "#59A14F",
           "#EDC948", "#B07AA1", "#FF9DA7", "#9C755F", "#BAB0AC"]
PALETTE_FAMILY = ["blue", "orange", "red", "teal", "green",
                  "yellow", "purple", "pink", "brown", "grey"]


def fnv1a(data):
    """32-bit FNV-1a of bytes."""
    h = 0x811C9DC5
    for b in data:
        h = ((h ^ b) * 0x01000193) & 0xFFFFFFFF
    return h


def named(name):
    """The NAMED entry a colour-named name gets, or None."""
    lower = name.lower()
    for entry in NAMED:
        word = entry[0]
        if lower.startswith(word):
            rest = lower[len(word):]
            if not rest or not rest[0].isalnum():
                return entry
    return None


def shade(colour, j, k):
    """The j-th of k shades of "#RRGGBB": mixed 0.5*j/k towards black (white if dark)."""
    if j == 0:
        return colour
    rgb = [int(colour[i:i + 2], 16) for i in (1, 3, 5)]
    t = 0.5 * j / k
    luma = 0.299 * rgb[0] + 0.587 * rgb[1] + 0.114 * rgb[2]
    to = 255 if luma < 64 else 0
    # Rust's f64::round: halves away from zero (Python's round() goes to even).
    mixed = [int(math.floor(c + (to - c) * t + 0.5)) for c in rgb]
    return "#%02X%02X%02X" % tuple(mixed)


def series_colours(keys):
    """The colour of each series, given the (route) name each is coloured by."""
    distinct = sorted(set(keys), key=lambda n: n.encode("utf-8"))
    taken = [False] * len(PALETTE)
    for name in distinct:
        entry = named(name)
        if entry:
            for slot, family in enumerate(PALETTE_FAMILY):
                taken[slot] = taken[slot] or family == entry[2]
    base = {}
    for name in distinct:
        entry = named(name)
        if entry:
            base[name] = entry[1]
            continue
        start = fnv1a(name.encode("utf-8")) % len(PALETTE)
        slot = next((s % len(PALETTE) for s in range(start, start + len(PALETTE))
                     if not taken[s % len(PALETTE)]), start)
        taken[slot] = True
        base[name] = PALETTE[slot]
    bases = [base[k] for k in keys]
    return [shade(c, bases[:i].count(c), bases.count(c)) for i, c in enumerate(bases)]


def read_sweep(stream, metric):
    """Returns (x column name, metric, series, numeric, routes), series being an
    ordered list of (name, [(x label, x value or None, y), ...]) in the order of
    the CSV and routes the route of each series, in the same order (what its
    colour follows)."""
    reader = csv.reader(stream)
    try:
        header = next(reader)
    except StopIteration:
        sys.exit("plot_sweep: no input (expected the CSV of aznetsim sweep or merge)")
    if not header or header[0] != "point" or "route" not in header:
        sys.exit("plot_sweep: not sweep CSV: the header must start with 'point' and "
                 "have a 'route' column, got: " + ",".join(header))
    route_at = header.index("route")
    varied = header[1:route_at]
    if not varied:
        sys.exit("plot_sweep: the CSV has no varied column (is it the summary of a run?)")
    if metric not in header:
        sys.exit("plot_sweep: no column %r; columns: %s" % (metric, ", ".join(header)))
    y_at = header.index(metric)
    series = {}
    routes = {}
    for line, row in enumerate(reader, start=2):
        if not row:
            continue
        if len(row) != len(header):
            sys.exit("plot_sweep: line %d has %d fields, the header %d"
                     % (line, len(row), len(header)))
        rest = ", ".join("%s=%s" % pv for pv in zip(varied[1:], row[2:route_at]))
        name = row[route_at] + (" (%s)" % rest if rest else "")
        try:
            y = float(row[y_at])
        except ValueError:
            sys.exit("plot_sweep: line %d: %s = %r is not a number" % (line, metric, row[y_at]))
        try:
            x = float(row[1])
        except ValueError:
            x = None  # a categorical value, e.g. an SKU name
        series.setdefault(name, []).append((row[1], x, y))
        routes[name] = row[route_at]
    if not series:
        sys.exit("plot_sweep: the CSV has a header but no rows")
    numeric = all(x is not None for pts in series.values() for _, x, _ in pts)
    ordered = []
    for name, pts in series.items():
        if numeric:
            pts = sorted(pts, key=lambda p: p[1])
        ordered.append((name, pts))
    return varied[0], metric, ordered, numeric, [routes[name] for name, _ in ordered]


def fmt(v):
    """A number as a person writes it: 4 significant digits, no trailing zeros."""
    if v == 0:
        return "0"
    if not math.isfinite(v):
        return str(v)
    digits = max(0, 3 - int(math.floor(math.log10(abs(v)))))
    return ("%.*f" % (digits, v)).rstrip("0").rstrip(".") if digits else "%.0f" % v


def text_chart(x_name, metric, series, out):
    """One bar per point, scaled to the largest value of every series."""
    top = max(y for _, pts in series for _, _, y in pts if math.isfinite(y))
    label_width = max(len(label) for _, pts in series for label, _, _ in pts)
    out.write("%s against %s\n" % (metric, x_name))
    for name, pts in series:
        out.write("\n%s\n" % name)
        for label, _, y in pts:
            cells = 0.0 if top <= 0 or not math.isfinite(y) else y / top * BAR_WIDTH
            full = int(cells)
            bar = "#" * full + ("+" if cells - full >= 0.5 else "")
            out.write("  %s | %-*s %s\n" % (label.rjust(label_width), BAR_WIDTH + 1, bar, fmt(y)))


def nice_ticks(lo, hi, count=5):
    """About `count` round tick values covering [lo, hi]."""
    if hi <= lo:
        hi = lo + 1.0
    raw = (hi - lo) / count
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw)
    first = math.floor(lo / step) * step
    ticks, t = [], first
    while t <= hi + step * 1e-9:
        ticks.append(round(t, 10))
        t += step
    if ticks[-1] < hi:
        ticks.append(round(t, 10))
    return ticks


def svg_chart(x_name, metric, series, numeric, routes, path):
    """A line chart: one polyline with markers per series, a legend; each
    series in the colour of its route (series_colours)."""
    # The legend's width follows the longest name (about 7.5 px a character).
    longest = max(len(name) for name, _ in series)
    left, right, top_m, bottom = 80, 70 + int(7.5 * longest), 50, 60
    pw, ph = 620, 410
    w, h = left + pw + right, top_m + ph + bottom
    if numeric:
        xs = [x for _, pts in series for _, x, _ in pts]
        x_ticks = nice_ticks(min(xs), max(xs))
        x_lo, x_hi = x_ticks[0], x_ticks[-1]
        labels = [(t, fmt(t)) for t in x_ticks]
    else:
        cats = []
        for _, pts in series:
            for label, _, _ in pts:
                if label not in cats:
                    cats.append(label)
        x_lo, x_hi = -0.5, len(cats) - 0.5
        labels = list(enumerate(cats))
    ys = [y for _, pts in series for _, _, y in pts if math.isfinite(y)]
    y_ticks = nice_ticks(0.0, max(ys) if ys else 1.0)
    y_hi = y_ticks[-1]

    def px(point):
        label, x, _ = point
        v = x if numeric else cats.index(label)
        return left + (v - x_lo) / ((x_hi - x_lo) or 1.0) * pw

    def py(y):
        return top_m + ph - y / (y_hi or 1.0) * ph

    o = ['<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" '
         'viewBox="0 0 %d %d" font-family="sans-serif" font-size="13">' % (w, h, w, h),
         '<rect width="100%" height="100%" fill="white"/>',
         '<text x="%d" y="28" font-size="17" text-anchor="middle">%s against %s</text>'
         % (left + pw / 2, escape(metric), escape(x_name))]
    for t in y_ticks:
        y = py(t)
        o.append('<line x1="%d" y1="%.1f" x2="%d" y2="%.1f" stroke="#ddd"/>'
                 % (left, y, left + pw, y))
        o.append('<text x="%d" y="%.1f" text-anchor="end">%s</text>' % (left - 6, y + 4, fmt(t)))
    for v, label in labels:
        x = left + (v - x_lo) / ((x_hi - x_lo) or 1.0) * pw
        o.append('<line x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="#888"/>'
                 % (x, top_m + ph, x, top_m + ph + 5))
        o.append('<text x="%.1f" y="%d" text-anchor="middle">%s</text>'
                 % (x, top_m + ph + 20, escape(label)))
    o.append('<rect x="%d" y="%d" width="%d" height="%d" fill="none" stroke="#888"/>'
             % (left, top_m, pw, ph))
    o.append('<text x="%d" y="%d" text-anchor="middle">%s</text>'
             % (left + pw / 2, h - 15, escape(x_name)))
    o.append('<text x="20" y="%d" text-anchor="middle" transform="rotate(-90 20 %d)">%s</text>'
             % (top_m + ph / 2, top_m + ph / 2, escape(metric.replace("_ms", " [ms]"))))
    colours = series_colours(routes)
    for i, (name, pts) in enumerate(series):
        colour = colours[i]
        finite = [p for p in pts if math.isfinite(p[2])]
        coords = " ".join("%.1f,%.1f" % (px(p), py(p[2])) for p in finite)
        o.append('<polyline points="%s" fill="none" stroke="%s" stroke-width="2"/>'
                 % (coords, colour))
        for p in finite:
            o.append('<circle cx="%.1f" cy="%.1f" r="3.5" fill="%s"/>' % (px(p), py(p[2]), colour))
        ly = top_m + 10 + 22 * i
        o.append('<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="%s" stroke-width="2"/>'
                 % (left + pw + 15, ly, left + pw + 40, ly, colour))
        o.append('<text x="%d" y="%d">%s</text>' % (left + pw + 46, ly + 4, escape(name)))
    o.append("</svg>")
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n".join(o) + "\n")


def main():
    parser = argparse.ArgumentParser(
        description="Plot p99 (or another column) of an aznetsim sweep against its "
                    "first varied field, per route.")
    parser.add_argument("csv", nargs="?", help="sweep CSV file (default: stdin)")
    parser.add_argument("--metric", default="p99_ms",
                        help="column to plot (default p99_ms; e.g. mean_ms, p999_ms, "
                             "throughput_per_s)")
    parser.add_argument("--svg", metavar="OUT.svg", help="also write an SVG line chart")
    args = parser.parse_args()
    if args.csv and args.csv != "-":
        with open(args.csv, newline="", encoding="utf-8") as f:
            x_name, metric, series, numeric, routes = read_sweep(f, args.metric)
    else:
        x_name, metric, series, numeric, routes = read_sweep(sys.stdin, args.metric)
    if args.svg:
        svg_chart(x_name, metric, series, numeric, routes, args.svg)
        sys.stderr.write("plot_sweep: wrote %s\n" % args.svg)
    text_chart(x_name, metric, series, sys.stdout)
    sys.stdout.flush()


if __name__ == "__main__":
    try:
        main()
    except BrokenPipeError:
        # The reader stopped early (| head): not an error. Point stdout at
        # /dev/null so that Python's own flush at exit does not fail again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(0)
