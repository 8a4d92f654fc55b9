#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Benchmark of reading what the bans dropped (fw_counters_read, one read per scrape) in a
# private network namespace (run as root through scripts/bench fwcount): the time of one read
# for each backend with no bans and with many in force (100,000 by default; the iptables
# backend's one rule per ban is the expensive case, as every read copies the whole table out
# of the kernel), and for iptables the cost to a commit of a reader running beside it (the
# kernel copies the table out and replaces it under one mutex). Addresses from
# 198.18.0.0/15. Medians and maxima of FWCOUNT_BENCH_REPS reads or commits.
#
# Environment: FWCOUNT_BENCH_BANS (default 100000), FWCOUNT_BENCH_REPS (21),
# FWCOUNT_BENCH_BACKENDS (default "iptables ipset nftables").
set -eu
. "$(dirname "$0")/../integration/lib/common.sh"
ab_enter_netns "$@"

FWCTL="$AB_BUILD/test/fwctl"
[ -x "$FWCTL" ] || ab_fail "$FWCTL is not built (cmake --build $AB_BUILD)"
BANS=${FWCOUNT_BENCH_BANS:-100000}
REPS=${FWCOUNT_BENCH_REPS:-21}
BACKENDS=${FWCOUNT_BENCH_BACKENDS:-"iptables ipset nftables"}

# stats < output: the duration_us of each read.
durations() {
    awk '$1 == "counters" { for (i = 2; i <= NF; i++) { split($i, kv, "=");
        if (kv[1] == "duration_us") print kv[2] } }'
}
quantile() {
    sort -n | awk -v q="$1" '{ v[NR] = $1 } END { i = int(q * NR + 0.999999); if (i < 1) i = 1;
        print v[i] }'
}

echo "alertban counters benchmark: $(uname -r), $(nproc) CPUs, $REPS reads each"
printf '%10s %8s %12s %12s\n' backend bans median_us max_us
for backend in $BACKENDS; do
    fw() {
        "$FWCTL" --backend "$backend" --lock "$XTABLES_LOCKFILE" --lock-timeout 30000 \
            --timeout 3600 --hooks INPUT,FORWARD "$@" 2>>"$AB_TMP/warnings"
    }
    for n in 0 "$BANS"; do
        fw flush
        fw reconcile
        [ "$n" -eq 0 ] || fw apply "+seq:198.18.0.0:$n"
        set --
        i=0
        while [ "$i" -lt "$REPS" ]; do
            set -- "$@" counters
            i=$((i + 1))
        done
        fw --stats "$@" | durations >"$AB_TMP/reads"
        printf '%10s %8s %12s %12s\n' "$backend" "$n" "$(quantile 0.5 <"$AB_TMP/reads")" \
            "$(quantile 1 <"$AB_TMP/reads")"
    done
    fw flush
done

echo
echo "== iptables, $BANS rules: one ban and one unban per commit, alone and beside a reader"
fw() {
    "$FWCTL" --backend iptables --lock "$XTABLES_LOCKFILE" --lock-timeout 30000 "$@" \
        2>>"$AB_TMP/warnings"
}
commits() {
    label=$1
    set --
    i=0
    while [ "$i" -lt "$REPS" ]; do
        set -- "$@" apply +198.19.255.254 apply -198.19.255.254
        i=$((i + 1))
    done
    fw --stats "$@" | awk '$1 == "apply" { for (i = 2; i <= NF; i++) { split($i, kv, "=");
        if (kv[1] == "duration_us") print kv[2] } }' >"$AB_TMP/commits"
    printf '%24s %12s %12s\n' "$label" "$(quantile 0.5 <"$AB_TMP/commits")" \
        "$(quantile 1 <"$AB_TMP/commits")"
}
fw flush
fw reconcile
fw apply "+seq:198.18.0.0:$BANS"
printf '%24s %12s %12s\n' "" median_us max_us
commits alone
# A reader that never stops: far more often than any scrape.
(while :; do fw counters >/dev/null || exit 1; done) &
reader=$!
commits "beside a reader"
kill "$reader"
wait "$reader" 2>/dev/null || true
fw flush
