#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Alerts per second through the policy with 100,000 tracked offenders (whitelist and
# own-address checks, sliding windows, LRU): the median of 5 runs.
set -eu
bin=build/gcc/test/test-policy
runs=${1:-5}
i=0
while [ "$i" -lt "$runs" ]; do
    "$bin" -m perf -p /policy/record_alert/perf | awk '/policy_alerts_per_second/ {print $2}'
    i=$((i + 1))
done | sort -n | awk '{v[NR] = $1} END {printf "policy alerts/s with 100000 tracked: median %d of %d runs (min %d, max %d)\n", v[int((NR + 1) / 2)], NR, v[1], v[NR]}'
