#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# alertband against fail2ban, side by side, in one run (scripts/bench compare [--quick]).
# Installs fail2ban, ipset and python3-pyinotify from Debian's packages when missing (never
# leaving a fail2ban service running or enabled that was not before), then runs each workload
# against alertband and against fail2ban (its iptables-allports and its ipset action, both
# calling iptables-legacy -w, configured from test/bench/fail2ban/), each in a fresh network
# namespace (test/bench/lib/compare-run.sh), one after the other, and prints a table of both with
# their ratio. Addresses from 198.18.0.0/15 only; nothing outside the namespaces is touched.
#
# Options: --quick (smaller sizes, under 2 minutes), --no-fail2ban (alertband's side only).
# Environment: BENCH_RUNS (alertband's runs per workload, median reported; default 3, 1 with
# --quick), BENCH_OUT (directory for the raw results; default a scratch directory).
set -eu
cd "$(dirname "$0")/../.."

QUICK=0
F2B=1
for a in "$@"; do
    case $a in
    --quick) QUICK=1 ;;
    --no-fail2ban) F2B=0 ;;
    *) echo "usage: scripts/bench compare [--quick] [--no-fail2ban]" >&2; exit 2 ;;
    esac
done
if [ "$(id -u)" -ne 0 ]; then
    echo "bench compare: run as root (network namespaces, iptables, apt-get)" >&2
    exit 1
fi

# fail2ban from Debian's packages. Debian's postinst enables fail2ban.service and starts it;
# a policy-rc.d that refuses every start (exit 101) keeps it from starting during the install
# (our own only when none exists; an existing one is left alone), and the unit is disabled
# again afterwards unless it was enabled before. A fail2ban already installed is only used.
f2b_install() {
    need=""
    command -v fail2ban-server >/dev/null 2>&1 || need="$need fail2ban"
    command -v ipset >/dev/null 2>&1 || need="$need ipset"
    /usr/bin/python3 -c 'import pyinotify' 2>/dev/null || need="$need python3-pyinotify"
    [ -n "$need" ] || return 0
    echo "bench compare: installing$need (apt-get; the fail2ban service is not started)"
    was_enabled=0
    if command -v systemctl >/dev/null 2>&1 && systemctl -q is-enabled fail2ban.service 2>/dev/null; then
        was_enabled=1
    fi
    was_active=0
    if command -v systemctl >/dev/null 2>&1 && systemctl -q is-active fail2ban.service 2>/dev/null; then
        was_active=1
    fi
    own_policy=0
    if [ ! -e /usr/sbin/policy-rc.d ]; then
        printf '#!/bin/sh\n# scripts/bench compare: no service starts during its apt-get\nexit 101\n' \
            >/usr/sbin/policy-rc.d
        chmod 755 /usr/sbin/policy-rc.d
        own_policy=1
    fi
    rc=0
    # shellcheck disable=SC2086
    DEBIAN_FRONTEND=noninteractive apt-get -q -o DPkg::Lock::Timeout=300 install -y \
        --no-install-recommends $need >/dev/null || rc=$?
    [ "$own_policy" -eq 0 ] || rm -f /usr/sbin/policy-rc.d
    if command -v systemctl >/dev/null 2>&1; then
        if [ "$was_active" -eq 0 ] && systemctl -q is-active fail2ban.service 2>/dev/null; then
            systemctl stop fail2ban.service
        fi
        if [ "$was_enabled" -eq 0 ] && systemctl -q is-enabled fail2ban.service 2>/dev/null; then
            systemctl -q disable fail2ban.service 2>/dev/null || true
        fi
    fi
    [ "$rc" -eq 0 ] || { echo "bench compare: apt-get install$need failed" >&2; exit 1; }
}

if [ "$F2B" -eq 1 ]; then
    f2b_install
fi

OUT=${BENCH_OUT:-$(mktemp -d "${TMPDIR:-/tmp}/alertban-compare.XXXXXX")}
mkdir -p "$OUT"
RESULTS="$OUT/results"
: >"$RESULTS"
LOADS="$OUT/load"
: >"$LOADS"
T0=$(date +%s)

# run TOOL [VAR=VALUE...] -- STEP...: one fresh namespace; its result lines are collected.
run() {
    tool=$1
    shift
    envs=""
    while [ "$1" != "--" ]; do
        envs="$envs $1"
        shift
    done
    shift
    printf '  %-13s %-40s' "$tool" "$*" >&2
    s=$(date +%s)
    cut -d' ' -f1 /proc/loadavg >>"$LOADS"
    # shellcheck disable=SC2086
    if env -u AB_IN_NETNS ALERTBAN_SOURCE_DIR="$PWD" $envs sh test/bench/lib/compare-run.sh "$tool" "$@" >"$OUT/run.out" 2>"$OUT/run.err"; then
        :
    else
        echo " failed:" >&2
        tail -5 "$OUT/run.err" >&2
    fi
    grep '^result ' "$OUT/run.out" >>"$RESULTS" || true
    cut -d' ' -f1 /proc/loadavg >>"$LOADS"
    echo " $(($(date +%s) - s)) s" >&2
}

# alertband's runs: BENCH_RUNS of each, the median reported.
ab() {
    i=0
    while [ "$i" -lt "$RUNS" ]; do
        run alertban "$@"
        i=$((i + 1))
    done
}
f2b() {
    [ "$F2B" -eq 0 ] || run "$@"
}

if [ "$QUICK" -eq 1 ]; then
    RUNS=${BENCH_RUNS:-1}
    echo "bench compare --quick: sizes reduced; fail2ban's 10,000 runs skipped" >&2
    ab -- latency:50
    f2b f2b-iptables -- latency:50
    ab BENCH_BANTIME=4 -- burst:1000 restart expiry
    f2b f2b-ipset BENCH_BANTIME=55 BENCH_TIMEOUT=30 BENCH_RESTART_TIMEOUT=15 \
        BENCH_EXPIRY_TIMEOUT=15 -- burst:1000 restart expiry
    ab -- parse:20000
    f2b f2b-ipset -- parse:20000
else
    RUNS=${BENCH_RUNS:-3}
    ab -- latency:200
    f2b f2b-iptables BENCH_TIMEOUT=30 -- latency:200
    ab -- burst:1000
    f2b f2b-iptables BENCH_TIMEOUT=60 -- burst:1000
    f2b f2b-ipset BENCH_TIMEOUT=60 -- burst:1000
    ab -- burst:10000 restart
    f2b f2b-iptables BENCH_TIMEOUT=120 -- burst:10000
    ab BENCH_BANTIME=5 -- burst:10000 expiry
    # One fail2ban for the three 10,000 workloads: the burst (at most 180 s), a restart with
    # its bans in force (at most 90 s until all are back), and their expiry, due 300 s after
    # they were written, so after both (at most 45 s more).
    f2b f2b-ipset BENCH_BANTIME=300 BENCH_TIMEOUT=180 BENCH_RESTART_TIMEOUT=90 \
        BENCH_EXPIRY_TIMEOUT=45 -- burst:10000 restart expiry
    ab -- parse:100000
    f2b f2b-ipset -- parse:100000
fi

ELAPSED=$(($(date +%s) - T0))
echo
echo "alertband vs fail2ban $(fail2ban-server -V 2>/dev/null || echo '(not run)'): $(nproc) CPUs," \
    "$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1), Linux $(uname -r)"
echo "load average during the run: $(sort -n "$LOADS" | awk '{ v[NR] = $1 } END { printf "%s to %s (median %s)", v[1], v[NR], v[int((NR + 1) / 2)] }');" \
    "run took $ELAPSED s; alertband figures are medians of $RUNS runs; raw results: $RESULTS"
echo
python3 test/bench/lib/compare-table.py "$RESULTS"
