#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Parser throughput: generates a 1,000,000-line alert_fast file (Snort 2, Snort 3 and
# Suricata lines, IPv4 and IPv6, benchmark addresses 198.18.0.0/15 and 2001:db8::/32), then
# reports the median lines per second of
#   - alertban parse --json FILE > /dev/null   (read, parse, format JSON, write)
#   - alertban parse FILE > /dev/null          (the readable form)
#   - the pure parser, alert_parse_line() and an AlertReader, on the file already in memory
# and callgrind instructions per line:
#   - alert_parse_line() over the whole generated file (its inclusive cost: everything the
#     parser runs, none of the driver's line splitting), and the driver as a whole
#   - alert_parse_line() per kind of line (10,000 lines of each of the six kinds; IPv4 and IPv6
#     averages)
#   - an AlertReader and alertban parse --json over the first 100,000 lines
# Usage: scripts/bench parse [LINES]    Environment: RUNS (default 5), ALERTBAN_BUILD_DIR.
set -eu
cd "$(dirname "$0")/../.."
LINES=${1:-1000000}
RUNS=${RUNS:-5}
BUILD=${ALERTBAN_BUILD_DIR:-build/bench}

if [ -z "${ALERTBAN_BUILD_DIR:-}" ]; then
    cmake -S . -B "$BUILD" -DCMAKE_C_COMPILER=gcc -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
    cmake --build "$BUILD" -j2 --target alertban >/dev/null
fi
BIN="$BUILD/src/alertban"
T=$(mktemp -d "${TMPDIR:-/tmp}/alertban-bench.XXXXXX")
trap 'rm -rf "$T"' EXIT

# The driver links the same static libraries as the programs.
# shellcheck disable=SC2046
cc -O2 -std=gnu11 -Isrc/input -Isrc/common test/bench/alert-parse-driver.c -o "$T/driver" \
    "$BUILD/src/input/libalertban_input.a" "$BUILD/src/common/libalertban_common.a" \
    $(pkg-config --cflags --libs glib-2.0 jansson)

awk -v n="$LINES" 'BEGIN {
    for (i = 0; i < n; i++) {
        a = int(i / 256) % 256; b = i % 256; c = (i * 7) % 256; d = (i * 13) % 256
        sp = 1024 + i % 60000; dp = (i % 3 == 0) ? 22 : (i % 3 == 1) ? 80 : 443
        m = (i / 10) % 60; s = i % 60; us = sprintf("%06d", i % 1000000)
        k = i % 6
        if (k == 0)
            printf "11/22-10:%02d:%02d.%s  [**] [1:2003068:6] ET SCAN Potential SSH Scan OUTBOUND [**] [Classification: Attempted Information Leak] [Priority: 2] {TCP} 198.18.%d.%d:%d -> 198.19.%d.%d:%d\n", m, s, us, a, b, sp, c, d, dp
        else if (k == 1)
            printf "11/22-10:%02d:%02d.%s  [Drop] [**] [1:1000001:0] ICMP Packet found [**] [Priority: 0] {ICMP} 198.18.%d.%d -> 198.19.%d.%d\n", m, s, us, a, b, c, d
        else if (k == 2)
            printf "11/22-10:%02d:%02d.%s [**] [1:49999:3] \"SERVER-WEBAPP \"quoted\" path traversal [..] attempt\" [**] [Classification: Web Application Attack] [Priority: 1] [AppID: HTTP] {TCP} 198.18.%d.%d:%d -> 198.19.%d.%d:%d\n", m, s, us, a, b, sp, c, d, dp
        else if (k == 3)
            printf "11/22-10:%02d:%02d.%s [drop] [**] [1:50001:1] \"PROTOCOL-DNS v6 probe\" [**] [Priority: 2] {UDP} 2001:db8:%x::%x:%d -> 2001:db8:1::%x:53\n", m, s, us, a, b + 1, sp, c + 1
        else if (k == 4)
            printf "11/22/2026-10:%02d:%02d.%s  [**] [1:2100498:7] GPL ATTACK_RESPONSE id check returned root [**] [Classification: Potentially Bad Traffic] [Priority: 2] {TCP} 198.18.%d.%d:%d -> 198.19.%d.%d:%d\n", m, s, us, a, b, sp, c, d, dp
        else
            printf "11/22/2026-10:%02d:%02d.%s  [Drop] [**] [1:2010935:3] ET POLICY Suspicious inbound to MSSQL port 1433 [**] [Classification: Potentially Bad Traffic] [Priority: 2] {TCP} 2001:0db8:0000:0000:0000:0000:%04x:%04x:%d -> 2001:0db8:0001:0000:0000:0000:0000:%04x:1433\n", m, s, us, a, b, sp, c
    }
}' > "$T/alerts.txt"
head -n 100000 "$T/alerts.txt" > "$T/alerts-100k.txt"
: > "$T/empty.txt"

median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

now_ns() { date +%s%N; }

# lines/s of a command over the file, median of RUNS
rate_cmd() {
    i=0
    while [ "$i" -lt "$RUNS" ]; do
        t0=$(now_ns)
        "$@" > /dev/null 2> "$T/err"
        t1=$(now_ns)
        awk -v n="$LINES" -v ns=$((t1 - t0)) 'BEGIN { printf "%.0f\n", n / (ns / 1e9) }'
        i=$((i + 1))
    done | median
}

rate_driver() {
    i=0
    while [ "$i" -lt "$RUNS" ]; do
        "$T/driver" "$1" "$T/alerts.txt" | awk '{ print $4 }'
        i=$((i + 1))
    done | median
}

irs() {
    valgrind --tool=callgrind --callgrind-out-file="$T/cg.out" "$@" > /dev/null 2>&1
    awk '/^(summary|totals):/ { print $2; exit }' "$T/cg.out"
}

echo "parse benchmark: $LINES lines ($(wc -c < "$T/alerts.txt") bytes), $RUNS runs, build $BUILD"
"$BIN" parse --json "$T/alerts.txt" > /dev/null 2> "$T/err"
echo "  check: $(cat "$T/err")"
echo "  alertban parse --json > /dev/null : $(rate_cmd "$BIN" parse --json "$T/alerts.txt") lines/s (median)"
echo "  alertban parse > /dev/null        : $(rate_cmd "$BIN" parse "$T/alerts.txt") lines/s (median)"
echo "  alert_parse_line (in memory)      : $(rate_driver line) lines/s (median)"
echo "  AlertReader (in memory)           : $(rate_driver reader) lines/s (median)"

# Instructions of the whole run, and of alert_parse_line() and all it calls.
irs_parser() {
    valgrind --tool=callgrind --callgrind-out-file="$T/cg.out" "$@" > /dev/null 2>&1
    total=$(awk '/^(summary|totals):/ { print $2; exit }' "$T/cg.out")
    parser=$(callgrind_annotate --inclusive=yes "$T/cg.out" 2>/dev/null |
        awk '/:alert_parse_line / { gsub(",", "", $1); print $1; exit }')
    echo "$total ${parser:-0}"
}

base=$(irs "$T/driver" line "$T/empty.txt")
set -- $(irs_parser "$T/driver" line "$T/alerts.txt")
all_total=$1 all_parser=$2
echo "  callgrind, $LINES lines, instructions per line:"
awk -v n="$LINES" -v b="$base" -v t="$all_total" -v p="$all_parser" 'BEGIN {
    printf "    alert_parse_line (inclusive)    : %.0f\n", p / n
    printf "    driver, whole run less baseline : %.0f\n", (t - b) / n
}'

# Every sixth line is one kind (see the generator above).
echo "  callgrind, alert_parse_line per kind (up to 10000 lines each), instructions per line:"
kinds="snort2-ipv4-tcp snort2-ipv4-icmp-drop snort3-ipv4-tcp snort3-ipv6-udp-drop suricata-ipv4-tcp suricata-ipv6-tcp-drop"
k=0
for name in $kinds; do
    awk -v k="$k" 'NR % 6 == (k + 1) % 6' "$T/alerts-100k.txt" | head -n 10000 > "$T/kind.txt"
    n=$(wc -l < "$T/kind.txt")
    set -- $(irs_parser "$T/driver" line "$T/kind.txt")
    echo "$name $(( $2 / n ))"
    k=$((k + 1))
done > "$T/kinds.txt"
awk '{ printf "    %-24s: %d\n", $1, $2
       if ($1 ~ /ipv6/) { s6 += $2; n6++ } else { s4 += $2; n4++ } }
     END { printf "    %-24s: %.0f\n    %-24s: %.0f\n", "IPv4 kinds (mean)", s4 / n4,
           "IPv6 kinds (mean)", s6 / n6 }' "$T/kinds.txt"

line_ir=$(irs "$T/driver" line "$T/alerts-100k.txt")
reader_ir=$(irs "$T/driver" reader "$T/alerts-100k.txt")
cli_ir=$(irs "$BIN" parse --json "$T/alerts-100k.txt")
cli_base=$(irs "$BIN" parse --json "$T/empty.txt")
echo "  callgrind, 100000 lines, instructions per line (whole run less an empty run):"
awk -v b="$base" -v l="$line_ir" -v r="$reader_ir" -v c="$cli_ir" -v cb="$cli_base" 'BEGIN {
    printf "    driver, alert_parse_line    : %.0f\n", (l - b) / 100000
    printf "    driver, AlertReader feed    : %.0f\n", (r - b) / 100000
    printf "    alertban parse --json (all) : %.0f\n", (c - cb) / 100000
}'
