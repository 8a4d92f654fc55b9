#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Control socket cost: ns per request parse, callgrind instructions per parse, and round trips
# (a ban request and its JSON reply) through a real ctl_server from client threads: requests/s
# with median and p99 latency, on kept connections and on a fresh connection per request.
# Usage: scripts/bench ctl     Environment: RUNS (default 5), ALERTBAN_BUILD_DIR.
set -eu
cd "$(dirname "$0")/../.."
RUNS=${RUNS:-5}
BUILD=${ALERTBAN_BUILD_DIR:-build/bench}

if [ -z "${ALERTBAN_BUILD_DIR:-}" ]; then
    cmake -S . -B "$BUILD" -DCMAKE_C_COMPILER=gcc -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
    cmake --build "$BUILD" -j2 --target alertban_core >/dev/null
fi
T=$(mktemp -d "${TMPDIR:-/tmp}/alertban-bench.XXXXXX")
trap 'rm -rf "$T"' EXIT
# shellcheck disable=SC2046
cc -O2 -std=gnu11 -Isrc/control -Isrc/state -Isrc/fw -Isrc/input -Isrc/common \
    test/bench/ctl-driver.c -o "$T/driver" \
    "$BUILD/src/control/libalertban_control.a" "$BUILD/src/common/libalertban_common.a" \
    $(pkg-config --cflags --libs glib-2.0 gio-2.0 jansson)

median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

i=0
: > "$T/parse"
while [ $i -lt "$RUNS" ]; do
    "$T/driver" parse 1000000 >> "$T/parse"
    i=$((i + 1))
done
echo "parse: $(median < "$T/parse") ns per request (median of $RUNS x 1,000,000)"

valgrind --tool=callgrind --callgrind-out-file="$T/cg" "$T/driver" parse 10000 >/dev/null 2>&1
ir=$(callgrind_annotate --inclusive=yes "$T/cg" 2>/dev/null |
    awk '/ctl_proto_parse_request/ { gsub(",", "", $1); print $1; exit }')
echo "parse: $((ir / 10000)) instructions per request (callgrind, inclusive)"

roundtrip() { # label clients n [fresh]
    label=$1
    shift
    : > "$T/rt"
    i=0
    while [ $i -lt "$RUNS" ]; do
        rm -f "$T/s.sock"
        "$T/driver" roundtrip "$T/s.sock" "$@" 2>/dev/null >> "$T/rt"
        i=$((i + 1))
    done
    rps=$(awk '{ print $1 }' "$T/rt" | median)
    p50=$(awk '{ print $2 }' "$T/rt" | median)
    p99=$(awk '{ print $3 }' "$T/rt" | median)
    echo "$label: $rps requests/s, latency median $p50 us, p99 $p99 us (median of $RUNS runs)"
}
roundtrip "round trip, 1 client, kept connection" 1 20000
roundtrip "round trip, 16 clients, kept connections" 16 2000
roundtrip "round trip, 16 clients, fresh connection each" 16 500 fresh
