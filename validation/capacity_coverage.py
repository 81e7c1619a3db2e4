#!/usr/bin/env python3
"""Coverage of `aznetsim capacity`'s 95 % interval on queues whose exact
capacity is known.

Writes an M/M/1 and an M/M/2 scenario (Poisson arrivals, exponential
service with mean 1 ms per server, no link latency), runs

    aznetsim capacity SCENARIO --slo 'p99<=LIMIT' --format json --set seed=N

for N = 1..SEEDS, and counts how often the exact capacity lies in

- the 95 % interval (`capacity_interval_per_s`), and
- the old bracket [`capacity_per_s`, `capacity_per_s + precision_per_s`].

Exact capacity: the highest λ with P(T > t) <= 0.01 for the sojourn T.
M/M/1: T ~ Exp(μ − λ), so λ* = μ − ln(100)/t. M/M/2: with θ = 2μ − λ and C
the Erlang-C waiting probability, P(T > t) = (1 − C)e^{−μt}
+ C(θe^{−μt} − μe^{−θt})/(θ − μ), solved for λ by bisection.

Standard library only; not part of CI. Usage:

    cargo build --release -p sim-cli
    python3 validation/capacity_coverage.py [--bin target/release/aznetsim]
        [--seeds 24] [--requests 20000] [--replications 10]
"""

import argparse
import json
import math
import os
import subprocess
import sys
import tempfile

MU = 1000.0  # service rate per server [1/s] (mean 1 ms)


def mm1_capacity(t_s):
    return MU - math.log(100.0) / t_s


def mm2_tail(lam, t_s):
    a = lam / MU
    rho = a / 2.0
    top = a * a / 2.0 / (1.0 - rho)
    c = top / (1.0 + a + top)
    theta = 2.0 * MU - lam
    if abs(theta - MU) < 1e-9:
        both = math.exp(-MU * t_s) * (1.0 + MU * t_s)
    else:
        both = (theta * math.exp(-MU * t_s) - MU * math.exp(-theta * t_s)) / (theta - MU)
    return (1.0 - c) * math.exp(-MU * t_s) + c * both


def mm2_capacity(t_s):
    lo, hi = 0.0, 2.0 * MU * (1.0 - 1e-12)
    for _ in range(200):
        mid = (lo + hi) / 2.0
        if mm2_tail(mid, t_s) <= 0.01:
            lo = mid
        else:
            hi = mid
    return lo


def scenario(name, servers, rate, requests, replications):
    return {
        "name": name,
        "seed": 1,
        "replications": replications,
        "workload": {
            "arrival": {"kind": "poisson", "rate_per_s": rate},
            "requests": requests,
            "warmup_requests": requests // 10,
        },
        "nodes": {
            "client": {"kind": "client"},
            "server": {
                "kind": "station",
                "servers": servers,
                "service_ms": {"kind": "exponential", "mean": 1.0},
            },
        },
        "links": [
            {"between": ["client", "server"], "latency_ms": {"kind": "constant", "value": 0}}
        ],
        "routes": [{"name": "only", "path": ["client", "server"]}],
    }


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    default_bin = os.path.join(here, "..", "target", "release", "aznetsim")
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--bin", default=os.environ.get("AZNETSIM", default_bin))
    ap.add_argument("--seeds", type=int, default=24)
    ap.add_argument("--requests", type=int, default=20000)
    ap.add_argument("--replications", type=int, default=10)
    args = ap.parse_args()

    # (name, servers, p99 limit [ms], exact capacity [1/s], starting rate)
    cases = [
        ("mm1", 1, 20.0, mm1_capacity(0.020), 500),
        ("mm2", 2, 10.0, mm2_capacity(0.010), 1000),
    ]
    tmp = tempfile.mkdtemp(prefix="capacity-coverage-")
    print(f"{args.seeds} seeds, {args.requests} requests x {args.replications} replications, "
          f"warm-up {args.requests // 10}, --precision 0.01")
    print("model  SLO          exact/s  interval covers  old bracket covers  "
          "mean interval width/s  mean runs")
    for name, servers, limit_ms, exact, rate in cases:
        path = os.path.join(tmp, name + ".json")
        with open(path, "w") as f:
            json.dump(scenario(name, servers, rate, args.requests, args.replications), f)
        covered = bracket = 0
        widths = []
        runs = []
        for seed in range(1, args.seeds + 1):
            out = subprocess.run(
                [args.bin, "capacity", path, "--slo", f"p99<={limit_ms}ms", "--format", "json",
                 "--quiet", "--set", f"seed={seed}"],
                capture_output=True, text=True)
            if out.returncode not in (0, 1):
                sys.exit(f"seed {seed}: aznetsim failed: {out.stderr}")
            r = json.loads(out.stdout)["routes"][0]
            lo, hi = r["capacity_interval_per_s"]
            lo = -math.inf if lo is None else lo
            hi = math.inf if hi is None else hi
            covered += lo <= exact <= hi
            widths.append(hi - lo)
            cap = r["capacity_per_s"]
            if cap is not None:
                bracket += cap <= exact <= cap + r["precision_per_s"]
            runs.append(len(r["probes"]))
        n = args.seeds
        print(f"{name:<5}  p99<={limit_ms:g}ms  {exact:7.1f}  {covered:2d}/{n} = {covered / n:5.1%}"
              f"    {bracket:2d}/{n} = {bracket / n:5.1%}      "
              f"{sum(widths) / n:8.1f}               {sum(runs) / n:5.1f}")


if __name__ == "__main__":
    main()
