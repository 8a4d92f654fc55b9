#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# The tailer alone: write()-to-delivery latency over 1,000 lines (p50/p99/max), throughput
# following a concurrent 1,000,000-line append, and catch-up of an existing 1,000,000-line
# file; each the median of RUNS runs (default 5). With CALLGRIND=1, also the instructions
# per line of the catch-up path under valgrind --tool=callgrind.
# Usage: scripts/bench tail [RUNS]
set -eu
cd "$(dirname "$0")/../.."
runs=${1:-5}
build=build/bench

cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_C_COMPILER=gcc >/dev/null
cmake --build "$build" -j2 --target bench-tail >/dev/null
bin="$build/test/bench-tail"

echo "== tail: latency (write() to delivery, 1,000 lines, one at a time)"
"$bin" latency 1000 "$runs"
echo "== tail: throughput (following a concurrent 1,000,000-line append)"
"$bin" throughput 1000000 "$runs"
echo "== tail: catch-up (reading an existing 1,000,000-line file from its start)"
"$bin" catchup 1000000 "$runs"

if [ "${CALLGRIND:-0}" = 1 ] && command -v valgrind >/dev/null; then
    echo "== tail: callgrind, catch-up of 100,000 lines"
    out=$(mktemp)
    valgrind --tool=callgrind --callgrind-out-file="$out" "$bin" catchup 100000 1 >/dev/null 2>&1
    total=$(callgrind_annotate "$out" 2>/dev/null | awk '/PROGRAM TOTALS/ {gsub(",", "", $1); print $1}')
    echo "instructions: $total total, $((total / 100000)) per line (including start-up and file creation)"
    rm -f "$out"
fi
