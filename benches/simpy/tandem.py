"""SimPy baseline for the aznetsim engine benchmark (benches/benches/engine.rs).

The model is the same one-way tandem: five M/M/c stations (c = 2, 4, 8, 2, 4),
each at offered load 0.7 (service mean = 0.7 * c / lambda), joined by constant
0.1 ms links, fed by Poisson arrivals at 10,000/s. One replication is 200,000
requests; the first 20,000 are warm-up (simulated, not measured). Time is in
seconds.

Each request is one SimPy process: it requests a server of every station in
turn (simpy.Resource with capacity c, FIFO), holds it for an exponential
service time (random.expovariate), releases it, and crosses the next link
(env.timeout). The script prints the mean sojourn and the per-station
utilisation of the measured requests next to their M/M/c values, so one can
see it simulates the same thing, then the throughput in simulated requests
(warm-up included, as in the Rust bench) per wall-clock second.

Usage: python3 benches/simpy/tandem.py [--runs N] [--requests N]
(--requests changes the replication's length, the first tenth warm-up; the
smoke run of benches/benches/simpy_ratio.rs uses it).
"""

import argparse
import math
import platform
import random
import statistics
import time

import simpy

SERVERS = [2, 4, 8, 2, 4]
LOAD = 0.7
RATE_PER_S = 10_000.0
LINK_S = 100e-6  # 0.1 ms
REQUESTS = 200_000  # the first tenth is warm-up
SEED = 42


class Station:
    """A simpy.Resource plus a time-weighted count of busy servers."""

    def __init__(self, env, c, mean_s):
        self.env = env
        self.c = c
        self.rate = 1.0 / mean_s
        self.res = simpy.Resource(env, capacity=c)
        self.busy = 0
        self.last = 0.0
        self.area = 0.0  # busy-server-seconds since the window opened
        self.window_start = None

    def _touch(self, delta):
        now = self.env.now
        if self.window_start is not None:
            self.area += self.busy * (now - self.last)
        self.last = now
        self.busy += delta

    def open_window(self):
        # Called once, when the first measured request arrives.
        self._touch(0)
        self.window_start = self.env.now

    def utilisation(self, end):
        area = self.area + self.busy * (end - self.last)
        return area / (self.c * (end - self.window_start))


def request(env, idx, stations, sojourns, expo, warmup):
    t0 = env.now
    last = len(stations) - 1
    for i, st in enumerate(stations):
        with st.res.request() as req:
            yield req
            st._touch(+1)
            yield env.timeout(expo(st.rate))
            st._touch(-1)
        if i < last:
            yield env.timeout(LINK_S)
    if idx >= warmup:
        sojourns.append(env.now - t0)


def source(env, stations, sojourns, expo, requests, warmup):
    for idx in range(requests):
        if idx == warmup:
            for st in stations:
                st.open_window()
        env.process(request(env, idx, stations, sojourns, expo, warmup))
        if idx + 1 < requests:
            yield env.timeout(expo(RATE_PER_S))


def replication(seed, requests, warmup):
    rng = random.Random(seed)
    expo = rng.expovariate
    env = simpy.Environment()
    stations = [Station(env, c, LOAD * c / RATE_PER_S) for c in SERVERS]
    sojourns = []
    env.process(source(env, stations, sojourns, expo, requests, warmup))
    env.run()
    end = env.now
    return sojourns, [st.utilisation(end) for st in stations]


def mmc_sojourn(c, lam, mean_s):
    """Mean time in an M/M/c station (Erlang C wait + service)."""
    a = lam * mean_s
    rho = a / c
    terms = sum(a**k / math.factorial(k) for k in range(c))
    last = a**c / (math.factorial(c) * (1 - rho))
    p_wait = last / (terms + last)
    return p_wait * mean_s / (c * (1 - rho)) + mean_s


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--requests", type=int, default=REQUESTS)
    args = ap.parse_args()
    requests, warmup = args.requests, args.requests // 10

    print(f"simpy {simpy.__version__}, Python {platform.python_version()} "
          f"({platform.python_implementation()})")
    expected = sum(mmc_sojourn(c, RATE_PER_S, LOAD * c / RATE_PER_S) for c in SERVERS)
    expected += LINK_S * (len(SERVERS) - 1)

    rates = []
    for run in range(1, args.runs + 1):
        t0 = time.perf_counter()
        sojourns, utils = replication(SEED, requests, warmup)
        wall = time.perf_counter() - t0
        rate = requests / wall
        rates.append(rate)
        assert len(sojourns) == requests - warmup
        mean = statistics.fmean(sojourns)
        print(f"run {run}: {wall:.3f} s wall, {rate:,.0f} simulated requests/s; "
              f"mean sojourn {mean * 1e3:.4f} ms (M/M/c value {expected * 1e3:.4f} ms); "
              "utilisation " + ", ".join(f"s{i}={u:.4f}" for i, u in enumerate(utils)))
    print(f"median: {statistics.median(rates):,.0f} simulated requests/s "
          f"over {args.runs} runs of {requests:,} requests")


if __name__ == "__main__":
    main()
