#!/usr/bin/env bash
# Starts a single-node Slurm on this machine (for CI and for trying the
# job-array example without a cluster): writes a minimal slurm.conf for
# localhost with the machine's CPU count, starts munged, slurmctld and
# slurmd, and waits until `sinfo` shows the node idle.
#
#   examples/slurm/start-single-node.sh            # as root; prints the SLURM_CONF to export
#   eval "$(examples/slurm/start-single-node.sh)"  # exports SLURM_CONF in this shell
#   examples/slurm/start-single-node.sh --stop     # stops what it started
#
# Needs Debian's slurm-wlm and munge (apt-get install slurm-wlm munge) and
# root (the daemons run as root here, which a real cluster would not do).
# Everything it writes is under SLURM_DIR (default /tmp/aznetsim-slurm):
# the configuration, the daemons' state, logs and pid files; /etc is not
# touched, so an installed Slurm configuration is left alone. On stdout it
# prints one line, `export SLURM_CONF=...`; progress goes to stderr.
#
# Environment: SLURM_DIR, TIMEOUT (seconds to wait for the node, default
# 60), SLURMCTLD_PORT and SLURMD_PORT (default 6817 and 6818, Slurm's own).

set -euo pipefail

SLURM_DIR=${SLURM_DIR:-/tmp/aznetsim-slurm}
TIMEOUT=${TIMEOUT:-60}
CONF="$SLURM_DIR/slurm.conf"
SLURMCTLD_PORT=${SLURMCTLD_PORT:-6817}
SLURMD_PORT=${SLURMD_PORT:-6818}

say() { echo "start-single-node: $*" >&2; }
fail() {
    say "error: $*"
    for log in "$SLURM_DIR"/*.log; do
        [ -s "$log" ] && { say "last lines of $log:"; tail -n 15 "$log" >&2; }
    done
    exit 1
}

stop() {
    for daemon in slurmd slurmctld munged; do
        local pidfile="$SLURM_DIR/$daemon.pid"
        if [ -s "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; then
            kill "$(cat "$pidfile")" && say "stopped $daemon"
        fi
        rm -f "$pidfile"
    done
}

if [ "${1:-}" = "--stop" ]; then
    stop
    exit 0
fi

[ "$(id -u)" -eq 0 ] || fail "run as root (it starts munged, slurmctld and slurmd)"
for cmd in munged slurmctld slurmd sinfo sbatch; do
    command -v "$cmd" >/dev/null || fail "$cmd not found; install Debian's slurm-wlm and munge (apt-get install slurm-wlm munge)"
done

# A second start in the same SLURM_DIR replaces the first.
stop
# Another Slurm (a second SLURM_DIR, or a real installation) holding the
# ports would answer sinfo in place of ours: refuse rather than test it.
for port in "$SLURMCTLD_PORT" "$SLURMD_PORT"; do
    if (echo > "/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
        fail "port $port is in use (another slurmctld or slurmd runs here); stop it, or set SLURMCTLD_PORT and SLURMD_PORT"
    fi
done
mkdir -p "$SLURM_DIR/state" "$SLURM_DIR/spool" "$SLURM_DIR/munge"
chmod 0700 "$SLURM_DIR/munge"

HOST=$(hostname -s 2>/dev/null || cut -d. -f1 /proc/sys/kernel/hostname)
CPUS=$(nproc)
# The memory slurmd sees, in MiB, a little under the total so that the node
# is never refused for "low RealMemory".
MEM=$(awk '/^MemTotal:/ { printf "%d", $2 / 1024 * 0.9 }' /proc/meminfo)

# munge: the packaged key, or a fresh one for this directory.
KEY=/etc/munge/munge.key
if [ ! -s "$KEY" ]; then
    KEY="$SLURM_DIR/munge/munge.key"
    [ -s "$KEY" ] || dd if=/dev/urandom of="$KEY" bs=1 count=1024 status=none
    chmod 0400 "$KEY"
fi
SOCKET="$SLURM_DIR/munge/munge.socket"
munged --force --key-file="$KEY" --socket="$SOCKET" \
    --pid-file="$SLURM_DIR/munged.pid" --log-file="$SLURM_DIR/munged.log" \
    --seed-file="$SLURM_DIR/munge/munge.seed" ||
    fail "munged did not start"

cat > "$CONF" <<EOF
# Written by examples/slurm/start-single-node.sh: one node, this machine.
ClusterName=aznetsim-ci
SlurmctldHost=$HOST(127.0.0.1)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=$SOCKET
CredType=cred/munge
MpiDefault=none
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
ReturnToService=2
SchedulerType=sched/backfill
SlurmctldPort=$SLURMCTLD_PORT
SlurmdPort=$SLURMD_PORT
StateSaveLocation=$SLURM_DIR/state
SlurmdSpoolDir=$SLURM_DIR/spool
SlurmctldPidFile=$SLURM_DIR/slurmctld.pid
SlurmdPidFile=$SLURM_DIR/slurmd.pid
SlurmctldLogFile=$SLURM_DIR/slurmctld.log
SlurmdLogFile=$SLURM_DIR/slurmd.log
JobCompType=jobcomp/none
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
PlugStackConfig=/dev/null
NodeName=$HOST NodeAddr=127.0.0.1 CPUs=$CPUS RealMemory=$MEM State=UNKNOWN
PartitionName=debug Nodes=$HOST Default=YES MaxTime=INFINITE State=UP OverSubscribe=NO
EOF
export SLURM_CONF="$CONF"

slurmctld -f "$CONF" -i || fail "slurmctld did not start"
slurmd -f "$CONF" || fail "slurmd did not start"

say "waiting up to ${TIMEOUT}s for node $HOST ($CPUS CPUs) to be idle"
deadline=$((SECONDS + TIMEOUT))
state=""
while [ "$SECONDS" -lt "$deadline" ]; do
    state=$(sinfo --noheader --nodes="$HOST" --format=%T 2>/dev/null || true)
    case "$state" in
        idle)
            for daemon in slurmctld slurmd; do
                pidfile="$SLURM_DIR/$daemon.pid"
                [ -s "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null ||
                    fail "$daemon is not running although sinfo answers"
            done
            say "node $HOST is idle"
            echo "export SLURM_CONF=$CONF"
            exit 0 ;;
        down* | drain*) scontrol update nodename="$HOST" state=resume 2>/dev/null || true ;;
    esac
    sleep 1
done
fail "node $HOST is not idle after ${TIMEOUT}s (sinfo says '${state:-nothing}'); see the logs in $SLURM_DIR"
