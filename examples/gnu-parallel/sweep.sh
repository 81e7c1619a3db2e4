#!/usr/bin/env bash
# A sweep of aznetsim split into N shards run by GNU parallel, then merged:
# out/sweep.csv is byte for byte what one `aznetsim sweep` without --shard
# prints. Run it from the repository root; extra arguments go to every
# shard, e.g. small settings for a try:
#
#   examples/gnu-parallel/sweep.sh --set workload.requests=5000 \
#       --set workload.warmup_requests=500 --set replications=2
#
# With --sshlogin (or --slf hosts.txt) GNU parallel runs the shards on other
# machines; out/ must then be on a file system they share (or add
# --return/--cleanup per shard directory).
#
# Environment: N shards (default 4), JOBS shards at once (default N),
# THREADS per shard (default 1), OUT directory (default out), AZNETSIM
# binary (default aznetsim on the PATH), SCENARIO.

set -euo pipefail

N=${N:-4}
JOBS=${JOBS:-$N}
THREADS=${THREADS:-1}
OUT=${OUT:-out}
AZNETSIM=${AZNETSIM:-aznetsim}
SCENARIO=${SCENARIO:-scenarios/apim-hub-proxy.json}

mkdir -p "$OUT"
# {} is the shard index K, from 0 to N-1. --halt now,fail=1: stop at the
# first failing shard, and fail the script.
parallel --jobs "$JOBS" --halt now,fail=1 \
    "$AZNETSIM" sweep "$SCENARIO" \
    --vary workload.arrival.rate_per_s=500..3000:250 \
    --vary nodes.apim.units=1,2,3 \
    --shard "{}/$N" --out "$OUT/shard-{}" --force \
    --threads "$THREADS" --quiet "$@" '>' /dev/null \
    ::: $(seq 0 $((N - 1)))

"$AZNETSIM" merge "$OUT"/shard-* > "$OUT/sweep.csv"
echo "sweep: $OUT/sweep.csv ($(($(wc -l < "$OUT/sweep.csv") - 1)) rows)" >&2
