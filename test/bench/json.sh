#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# JSON writing: the hand-written writer (JsonWriter and the cursor) against jansson
# (json_t trees written by json_dumpb()) for a `list` reply of N bans and for N lines of
# `alertban parse --json`; medians of five passes, and whether both wrote the same bytes.
# Usage: scripts/bench json [N]     (default 100000)   Environment: ALERTBAN_BUILD_DIR.
set -eu
cd "$(dirname "$0")/../.."
N=${1:-100000}
BUILD=${ALERTBAN_BUILD_DIR:-build/bench}

if [ -z "${ALERTBAN_BUILD_DIR:-}" ]; then
    cmake -S . -B "$BUILD" -DCMAKE_C_COMPILER=gcc -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
    cmake --build "$BUILD" -j2 --target bench-json >/dev/null
fi
"$BUILD/test/bench-json" "$N"
