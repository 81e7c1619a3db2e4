#!/usr/bin/env bash
# Runs the sharded-sweep examples under real schedulers and checks that each
# merged CSV equals the unsharded sweep byte for byte:
#
#   1. Slurm: a single-node Slurm on this machine (examples/slurm/
#      start-single-node.sh) runs examples/slurm/sweep-array.sbatch as a job
#      array; its task 0 submits the merge job with --dependency=afterok on
#      the array, and this script checks that the merge started only after
#      every array task had ended.
#   2. GNU parallel: examples/gnu-parallel/sweep.sh.
#
# .ci/run calls it after the tests. It needs root: it installs Debian's
# slurm-wlm, munge and parallel when they are missing, and starts the Slurm
# daemons (stopped again on exit). Run it from anywhere:
#
#   bash examples/ci-schedulers.sh
#
# The sweep is the examples' own grid (11 rates × 3 APIM unit counts of
# topology A) at a small run length, so that it takes seconds once the
# release binary is built.

set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

say() { echo "ci-schedulers: $*" >&2; }
fail() { say "FAILED: $*"; exit 1; }

# --- what the schedulers need, installed only when missing -----------------
missing=()
command -v sbatch >/dev/null || missing+=(slurm-wlm)
command -v munged >/dev/null || missing+=(munge)
command -v parallel >/dev/null || missing+=(parallel)
if [ "${#missing[@]}" -gt 0 ]; then
    [ "$(id -u)" -eq 0 ] || fail "needs ${missing[*]} (apt-get install ${missing[*]}), which installing takes root"
    say "installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# --- the release binary ------------------------------------------------------
cargo build --release --locked -p sim-cli
AZNETSIM="${CARGO_TARGET_DIR:-$ROOT/target}/release/aznetsim"
[ -x "$AZNETSIM" ] || fail "no binary at $AZNETSIM after cargo build"
export AZNETSIM

WORK=$(mktemp -d /tmp/aznetsim-ci-schedulers.XXXXXX)
export SLURM_DIR="$WORK/slurm"
cleanup() {
    examples/slurm/start-single-node.sh --stop 2>/dev/null || true
    rm -rf "$WORK"
}
trap cleanup EXIT

SCENARIO="$ROOT/scenarios/apim-hub-proxy.json"
export SCENARIO
# A short run per point; every shard and the reference take the same flags.
SMALL=(--set workload.requests=4000 --set workload.warmup_requests=400 --set replications=2)
# The grid both examples sweep (keep in step with sweep-array.sbatch and
# gnu-parallel/sweep.sh: a different grid fails the comparison below).
GRID=(--vary workload.arrival.rate_per_s=500..3000:250 --vary nodes.apim.units=1,2,3)

say "reference: the unsharded sweep"
"$AZNETSIM" sweep "$SCENARIO" "${GRID[@]}" "${SMALL[@]}" --quiet > "$WORK/unsharded.csv"
rows=$(($(wc -l < "$WORK/unsharded.csv") - 1))
[ "$rows" -gt 0 ] || fail "the unsharded sweep printed no rows"

same_as_unsharded() {
    local what=$1 merged=$2
    if ! cmp -s "$WORK/unsharded.csv" "$merged"; then
        diff "$WORK/unsharded.csv" "$merged" | head -n 20 >&2 || true
        fail "$what: the merged CSV differs from the unsharded sweep"
    fi
    say "$what: merged CSV = unsharded sweep, byte for byte ($rows rows)"
}

# --- 1. Slurm ----------------------------------------------------------------
start=$SECONDS
eval "$(examples/slurm/start-single-node.sh)"
mkdir -p "$WORK/slurm-run"
cd "$WORK/slurm-run"
# The node has as many CPUs as this machine; one per task lets the array
# run side by side on a 2-core machine.
array=$(sbatch --parsable --cpus-per-task=1 --wait \
    --export=ALL,OUT="$WORK/slurm-run/out" \
    "$ROOT/examples/slurm/sweep-array.sbatch" "${SMALL[@]}") ||
    fail "the Slurm job array failed (logs: $(ls "$WORK"/slurm-run/*.log 2>/dev/null | tr '\n' ' '))"
array=${array%%;*}
say "slurm: job array $array done"

job_field() { scontrol show job "$1" 2>/dev/null | tr ' ' '\n' | sed -n "s/^$2=//p" | head -n 1; }
merge=$(squeue --noheader --name=aznetsim-merge --format=%i | head -n 1)
if [ -z "$merge" ]; then
    # Already finished: completed jobs stay known to slurmctld for MinJobAge.
    merge=$(scontrol show jobs 2>/dev/null | awk '/^JobId=/ { id = substr($1, 7) } /JobName=aznetsim-merge/ { print id }' | tail -n 1)
fi
[ -n "$merge" ] || fail "slurm: task 0 submitted no merge job"
deadline=$((SECONDS + 120))
while :; do
    state=$(job_field "$merge" JobState)
    case "$state" in
        COMPLETED) break ;;
        FAILED | CANCELLED | TIMEOUT | OUT_OF_MEMORY | NODE_FAIL)
            cat "$WORK"/slurm-run/aznetsim-merge-*.log >&2 2>/dev/null || true
            fail "slurm: merge job $merge ended $state" ;;
    esac
    [ "$SECONDS" -lt "$deadline" ] || fail "slurm: merge job $merge still ${state:-unknown} after 120 s"
    sleep 1
done
# The merge waited on the array (afterok): it started after the last task ended.
merge_start=$(job_field "$merge" StartTime)
last_end=$(scontrol show job "$array" | tr ' ' '\n' | sed -n 's/^EndTime=//p' | sort | tail -n 1)
[ -n "$merge_start" ] && [ -n "$last_end" ] || fail "slurm: no start or end times from scontrol"
[[ ! "$merge_start" < "$last_end" ]] ||
    fail "slurm: merge job $merge started at $merge_start, before array task end $last_end"
say "slurm: merge job $merge started $merge_start, after the last array task ended ($last_end)"
same_as_unsharded "slurm" "$WORK/slurm-run/out/sweep.csv"
cd "$ROOT"
examples/slurm/start-single-node.sh --stop
say "slurm: $((SECONDS - start)) s"

# --- 2. GNU parallel -----------------------------------------------------------
start=$SECONDS
OUT="$WORK/parallel-out" examples/gnu-parallel/sweep.sh "${SMALL[@]}"
same_as_unsharded "gnu parallel" "$WORK/parallel-out/sweep.csv"
say "gnu parallel: $((SECONDS - start)) s"
