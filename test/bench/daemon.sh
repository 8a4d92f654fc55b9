#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Benchmark of the whole daemon in a private network namespace (run as root through
# scripts/bench daemon): alert-to-kernel latency of single alerts, a burst of distinct
# addresses written at once, and start times with many stored bans (restart with the rules in
# place, and after --flush when the reconcile installs them all). Addresses from
# 198.18.0.0/15. Medians throughout.
#
# Environment: DAEMON_BENCH_REPS (default 21), DAEMON_BENCH_BURST (1000),
# DAEMON_BENCH_STORED (10000).
set -eu
. "$(dirname "$0")/../integration/lib/common.sh"
ab_enter_netns "$@"
. "$(dirname "$0")/../integration/lib/daemon.sh"
. "$(dirname "$0")/lib/bench.sh"

REPS=${DAEMON_BENCH_REPS:-21}
BURST=${DAEMON_BENCH_BURST:-1000}
STORED=${DAEMON_BENCH_STORED:-10000}

AB_DAEMON_EXTRA="max_bans = 1000000" ab_write_config '
[policy]
ban_time = 1h
max_bans_per_minute = 0'
: >"$AB_LOG"
ab_start

echo "alertban daemon benchmark: $(uname -r), $(nproc) CPUs"
t0=$(now_us)
for i in 1 2 3 4 5 6 7 8 9 10; do iptables-legacy -S ALERTBAN >/dev/null; done
poll_us=$(( ($(now_us) - t0) / 10 ))
echo "(one poll of the kernel, iptables-legacy -S: $poll_us us; it bounds the resolution below)"

echo
echo "== alert-to-kernel latency, one alert at a time ($REPS runs)"
latency_runs "$REPS" "$AB_TMP/lat"
echo "median $(median <"$AB_TMP/lat") us, max $(sort -n "$AB_TMP/lat" | tail -1) us (write to rule visible)"

echo
echo "== a burst of $BURST alerts from distinct addresses, written at once"
alerts 100000 "$BURST" >"$AB_TMP/burst"
before=$(rules)
t0=$(now_us)
cat "$AB_TMP/burst" >>"$AB_LOG"
until [ "$(rules)" -ge $((before + BURST)) ]; do :; done
t1=$(now_us)
abctl status --json >"$AB_TMP/status"
echo "all $BURST rules in the kernel after $(( (t1 - t0) / 1000 )) ms;" \
    "last commit (one transaction) $(jq .store.last_commit_us "$AB_TMP/status") us"

echo
echo "== start with $STORED stored bans"
alerts 200000 $((STORED - $(rules))) >>"$AB_LOG"
until [ "$(rules)" -ge "$STORED" ]; do sleep 0.1; done
: >"$AB_TMP/restart"
: >"$AB_TMP/reinstall"
for r in 1 2 3 4 5; do
    ab_stop
    t0=$(now_us)
    ab_start
    echo $(( ($(now_us) - t0) / 1000 )) >>"$AB_TMP/restart"
    ab_stop
    "$ALERTBAND" -c "$AB_CONF" --flush 2>/dev/null
    t0=$(now_us)
    ab_start
    echo $(( ($(now_us) - t0) / 1000 )) >>"$AB_TMP/reinstall"
    [ "$(rules)" -eq "$STORED" ] || ab_fail "reconcile installed $(rules) of $STORED"
done
echo "restart, rules in place:      median $(median <"$AB_TMP/restart") ms until the socket answers"
echo "start after --flush (reconcile installs all): median $(median <"$AB_TMP/reinstall") ms"
grep 'started:' "$AB_DAEMON_LOG" | tail -2 | sed 's/^alertband: /  /'
ab_stop
