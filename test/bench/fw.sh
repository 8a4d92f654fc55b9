#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Benchmark of the libiptc backend in a private network namespace (run as root through
# scripts/bench fw): the cost of one commit against chain size, bans per second for a burst
# of distinct addresses in one batch, the per-ban cost of forking iptables-legacy for
# comparison, the lock wait under a competing iptables-legacy -w loop, and instruction counts
# (callgrind). Addresses from 198.18.0.0/15. Medians throughout.
#
# Environment: FW_BENCH_SIZES (default "1000 10000 50000"), FW_BENCH_REPS (21),
# FW_BENCH_CALLGRIND=0 to skip valgrind.
set -eu
. "$(dirname "$0")/../integration/lib/common.sh"
ab_enter_netns "$@"

FWCTL="$AB_BUILD/test/fwctl"
[ -x "$FWCTL" ] || ab_fail "$FWCTL is not built (cmake --build $AB_BUILD)"
SIZES=${FW_BENCH_SIZES:-"1000 10000 50000"}
REPS=${FW_BENCH_REPS:-21}

fw() { "$FWCTL" --lock "$XTABLES_LOCKFILE" --lock-timeout 30000 "$@" 2>>"$AB_TMP/warnings"; }

# field NAME OP < stats: the values of NAME= on the lines of operation OP.
field() {
    awk -v name="$1" -v op="$2" '$1 == op { for (i = 2; i <= NF; i++) { split($i, kv, "=");
        if (kv[1] == name) print kv[2] } }'
}
# quantile Q < numbers: the Q-quantile (0.5: median) of the numbers, nearest rank.
quantile() {
    sort -n | awk -v q="$1" '{ v[NR] = $1 } END { i = int(q * NR + 0.999999); if (i < 1) i = 1;
        print v[i] }'
}
median() { quantile 0.5; }
now_us() { echo $(($(date +%s%N) / 1000)); }

echo "alertban fw benchmark: $(uname -r), $(nproc) CPUs, iptables $(iptables-legacy -V | cut -d' ' -f2)"
echo

echo "== one commit against chain size ($REPS bans and $REPS unbans of one address each)"
printf '%8s %14s %14s %16s\n' rules apply_us commit_us iptables-A_us
for n in $SIZES; do
    fw flush
    fw apply "+seq:198.18.0.0:$n"
    set --
    i=0
    while [ "$i" -lt "$REPS" ]; do
        set -- "$@" apply +198.19.255.254 apply -198.19.255.254
        i=$((i + 1))
    done
    fw --stats "$@" >"$AB_TMP/stats"
    apply=$(field duration_us apply <"$AB_TMP/stats" | median)
    commit=$(field commit_us apply <"$AB_TMP/stats" | median)
    # The same single-rule change by forking iptables-legacy (what per-ban tools do).
    : >"$AB_TMP/fork"
    i=0
    while [ "$i" -lt 5 ]; do
        t0=$(now_us)
        iptables-legacy -w -A ALERTBAN -s 198.19.255.253 -j DROP
        t1=$(now_us)
        iptables-legacy -w -D ALERTBAN -s 198.19.255.253 -j DROP
        echo $((t1 - t0)) >>"$AB_TMP/fork"
        i=$((i + 1))
    done
    fork=$(median <"$AB_TMP/fork")
    printf '%8d %14d %14d %16d\n' "$n" "$apply" "$commit" "$fork"
done
echo

echo "== burst: 10,000 distinct addresses in one batch (5 runs)"
: >"$AB_TMP/burst"
: >"$AB_TMP/burst-full"
for r in 1 2 3 4 5; do
    fw flush
    fw --stats apply +seq:198.18.0.0:10000 | field duration_us apply >>"$AB_TMP/burst"
    fw --stats apply +seq:198.18.128.0:10000 | field duration_us apply >>"$AB_TMP/burst-full"
done
b=$(median <"$AB_TMP/burst")
bf=$(median <"$AB_TMP/burst-full")
echo "into an empty chain:          median $b us = $((10000 * 1000000 / b)) bans/s"
echo "into a chain of 10,000 rules: median $bf us = $((10000 * 1000000 / bf)) bans/s"
fw flush
fw apply +seq:198.18.0.0:1000
t0=$(now_us)
i=0
while [ "$i" -lt 200 ]; do
    iptables-legacy -w -A ALERTBAN -s "198.19.0.$((i % 250))" -j DROP
    i=$((i + 1))
done
t1=$(now_us)
echo "iptables-legacy -A, one fork per ban, 200 bans onto 1,000 rules: $((200 * 1000000 / (t1 - t0))) bans/s"
echo

echo "== lock wait under a competing iptables-legacy -w loop (chain of 1,000; $REPS x 2 commits, 5 ms apart)"
fw flush
fw apply +seq:198.18.0.0:1000
rm -f "$AB_TMP/stop"
(
    i=0
    while [ ! -e "$AB_TMP/stop" ] && [ "$i" -lt 100000 ]; do
        iptables-legacy -w -A INPUT -s 203.0.113.1 -j ACCEPT
        iptables-legacy -w -D INPUT -s 203.0.113.1 -j ACCEPT
        i=$((i + 1))
    done
    echo "$i" >"$AB_TMP/rounds"
) &
loop=$!
ab_on_exit "touch $AB_TMP/stop; kill $loop"
sleep 0.2
set --
i=0
while [ "$i" -lt "$REPS" ]; do
    set -- "$@" apply +198.19.255.254 pause 5 apply -198.19.255.254 pause 5
    i=$((i + 1))
done
fw --stats "$@" >"$AB_TMP/stats"
touch "$AB_TMP/stop"
wait "$loop"
waits=$(field lock_wait_us apply <"$AB_TMP/stats")
echo "lock wait us: median $(echo "$waits" | median), p90 $(echo "$waits" | quantile 0.9)," \
    "max $(echo "$waits" | quantile 1)"
echo "apply us (lock wait included): median $(field duration_us apply <"$AB_TMP/stats" | median)"
echo "competing loop: $(cat "$AB_TMP/rounds") add/delete rounds meanwhile"
echo

# cg LABEL BANS OPERAND...: instructions of one fwctl apply under callgrind, in all and in the
# functions that matter (inclusive): ours (run, apply_chain, read_chain) and libiptc's.
cg() {
    label=$1 bans=$2
    shift 2
    valgrind --tool=callgrind --callgrind-out-file="$AB_TMP/cg.out" \
        "$FWCTL" --lock "$XTABLES_LOCKFILE" apply "$@" 2>/dev/null
    callgrind_annotate --inclusive=yes "$AB_TMP/cg.out" 2>/dev/null >"$AB_TMP/cg.txt"
    total=$(awk '/PROGRAM TOTALS/ { gsub(",", "", $1); print $1; exit }' "$AB_TMP/cg.txt")
    echo "$label: $total Ir in all ($((total / bans)) per ban; process start included)"
    for fn in run apply_chain read_chain iptc_init iptc_append_entry iptc_commit iptc_free; do
        awk -v fn="$fn" '{ line = $0; gsub(",", "", $1) }
            line ~ (":" fn " ") { printf "  %-18s %12s Ir\n", fn, $1; exit }' "$AB_TMP/cg.txt"
    done
}

if [ "${FW_BENCH_CALLGRIND:-1}" != 0 ] && command -v valgrind >/dev/null; then
    echo "== instructions (callgrind, inclusive)"
    fw flush
    cg "a burst of 10,000 bans into an empty chain" 10000 +seq:198.18.0.0:10000
    cg "one more ban onto those 10,000 rules" 1 +198.19.255.254
fi
fw flush
