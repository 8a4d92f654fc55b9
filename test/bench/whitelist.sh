#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Whitelist lookups per second at 100,000 entries (90,000 hosts and 10,000 networks of mixed
# lengths, IPv4 in 198.18.0.0/15 and IPv6 in 2001:db8::/32): the median of 5 runs.
set -eu
bin=build/gcc/test/test-whitelist
runs=${1:-5}
i=0
while [ "$i" -lt "$runs" ]; do
    "$bin" -m perf -p /whitelist/contains/100k-perf | awk '/whitelist_lookups_per_second/ {print $2}'
    i=$((i + 1))
done | sort -n | awk '{v[NR] = $1} END {printf "whitelist lookups/s at 100000 entries: median %d of %d runs (min %d, max %d)\n", v[int((NR + 1) / 2)], NR, v[1], v[NR]}'
