#!/usr/bin/env python3
"""Collects criterion's raw estimates into estimates.json and estimates.csv.

Usage: extract_estimates.py CRITERION_DIR OUT_DIR
CRITERION_DIR is target/criterion (or $CRITERION_HOME). Reads every
<group>/<function>/[<parameter>/]new/{benchmark,estimates,sample}.json.
Criterion's headline time is the slope estimate under linear sampling and
the mean under flat sampling; throughput = elements per iteration / time.
"""
import csv
import json
import pathlib
import sys

src, out = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
rows, raw = [], {}
for bench in sorted(src.glob("**/new/benchmark.json")):
    new = bench.parent
    meta = json.loads(bench.read_text())
    est = json.loads((new / "estimates.json").read_text())
    sample = json.loads((new / "sample.json").read_text())
    raw[meta["full_id"]] = {"benchmark": meta, "estimates": est,
                            "sampling_mode": sample.get("sampling_mode"),
                            "iterations": sum(sample["iters"])}
    kind = "slope" if est.get("slope") else "mean"
    e = est[kind]
    ci = e["confidence_interval"]
    elements = meta["throughput"]["Elements"]
    per_s = lambda ns: elements / (ns * 1e-9)
    rows.append({
        "benchmark": meta["full_id"],
        "group": meta["group_id"],
        "function": meta["function_id"],
        "parameter": meta["value_str"] or "",
        "elements_per_iter": elements,
        "estimator": kind,
        "time_ns": f'{e["point_estimate"]:.1f}',
        "time_ns_ci95_low": f'{ci["lower_bound"]:.1f}',
        "time_ns_ci95_high": f'{ci["upper_bound"]:.1f}',
        "elements_per_s": f'{per_s(e["point_estimate"]):.0f}',
        # A longer time is a lower throughput: the bounds swap.
        "elements_per_s_ci95_low": f'{per_s(ci["upper_bound"]):.0f}',
        "elements_per_s_ci95_high": f'{per_s(ci["lower_bound"]):.0f}',
        "median_ns": f'{est["median"]["point_estimate"]:.1f}',
        "std_dev_ns": f'{est["std_dev"]["point_estimate"]:.1f}',
        "samples": len(sample["iters"]),
        "iterations": int(sum(sample["iters"])),
    })
(out / "estimates.json").write_text(json.dumps(raw, indent=2) + "\n")
with open(out / "estimates.csv", "w", newline="") as f:
    w = csv.DictWriter(f, fieldnames=list(rows[0]))
    w.writeheader()
    w.writerows(rows)
for r in rows:
    print(f'{r["benchmark"]:40} {float(r["elements_per_s"]) / 1e6:8.3f} M/s  '
          f'[{float(r["elements_per_s_ci95_low"]) / 1e6:.3f}, {float(r["elements_per_s_ci95_high"]) / 1e6:.3f}]')
