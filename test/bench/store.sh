#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# The store workload: the time of one main-loop transaction holding 10,000 ban upserts,
# 10,000 per-address ban counts and 10,000 tracker rows (median of RUNS, new rows and the same
# rows updated), the instructions it takes (callgrind), and the ban table's memory per ban.
# Usage: scripts/bench store [BANS [RUNS [MEMORY_BANS]]]   (defaults 10000 5 100000)
set -eu
cd "$(dirname "$0")/../.."

bans=${1:-10000}
runs=${2:-5}
memory_bans=${3:-100000}
build=build/bench

# An optimised build without sanitizers, as a packaged daemon would be.
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSANITIZE= >/dev/null
cmake --build "$build" -j 2 --target bench-store >/dev/null
bin=$build/test/bench-store

echo "== wall time (TMPDIR=${TMPDIR:-/tmp}; SQLite WAL, synchronous=NORMAL)"
"$bin" "$bans" "$runs" "$memory_bans"

if command -v valgrind >/dev/null 2>&1; then
    out=$(mktemp -d)
    trap 'rm -rf "$out"' EXIT
    echo "== instructions (valgrind --tool=callgrind, one run)"
    for fn in commit_new_rows commit_updated_rows; do
        valgrind --tool=callgrind --callgrind-out-file="$out/$fn.out" --toggle-collect="$fn" \
            "$bin" "$bans" 1 0 >/dev/null 2>"$out/$fn.log"
        ir=$(sed -n 's/^summary: //p' "$out/$fn.out")
        echo "  $fn: $ir instructions ($bans bans + $bans counts + $bans tracker rows)"
    done
else
    echo "== valgrind not installed: no instruction counts"
fi
