#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Benchmark of the Prometheus endpoint in a private network namespace (run as root through
# scripts/bench metrics): alert-to-kernel latency (p50, p99) and the time of a burst of
# distinct addresses, without scraping and with a scrape every 100 ms (iptables backend, the
# same fresh start for both); then the main-loop cost of one scrape with 100,000 bans in force
# (dry run: the ban table is the same, the kernel is not needed), as the daemon measures it
# (alertban_scrape_main_loop_seconds). Addresses from 198.18.0.0/15.
#
# Environment: METRICS_BENCH_REPS (default 201), METRICS_BENCH_BURST (10000),
# METRICS_BENCH_BANS (100000), METRICS_BENCH_SCRAPES (21).
set -eu
. "$(dirname "$0")/../integration/lib/common.sh"
ab_enter_netns "$@"
. "$(dirname "$0")/../integration/lib/daemon.sh"
command -v curl >/dev/null 2>&1 || ab_fail "curl is not installed (scripts/setup installs it)"

REPS=${METRICS_BENCH_REPS:-201}
BURST=${METRICS_BENCH_BURST:-10000}
BANS=${METRICS_BENCH_BANS:-100000}
SCRAPES=${METRICS_BENCH_SCRAPES:-21}
URL=http://127.0.0.1:9477/metrics

# pct P: the P-th percentile (nearest rank) of the numbers on stdin.
pct() {
    sort -n | awk -v p="$1" '{ v[NR] = $1 } END { i = int((NR * p + 99) / 100); if (i < 1) i = 1; print v[i] }'
}
now_us() { echo $(($(date +%s%N) / 1000)); }
rules() { iptables-legacy -S ALERTBAN 2>/dev/null | grep -c '^-A' || true; }
addr() { echo "198.$((18 + $1 / 65536)).$(($1 / 256 % 256)).$(($1 % 256))"; }
alert() {
    printf '11/22-10:00:01.000001  [**] [1:2001219:20] ET SCAN bench [**] [Priority: 2] {TCP} %s:40000 -> 192.0.2.1:22\n' "$1"
}
config() {
    AB_DAEMON_EXTRA="max_bans = 1000000
dry_run = $1" ab_write_config '
[policy]
ban_time = 1h
max_bans_per_minute = 0

[metrics]
listen = 127.0.0.1:9477'
}
fresh_start() {
    [ -z "$AB_PID" ] || ab_stop
    "$ALERTBAND" -c "$AB_CONF" --flush >/dev/null 2>&1 || true
    rm -rf "$AB_TMP/state"
    : >"$AB_LOG"
    ab_start
}

echo "alertban metrics benchmark: $(uname -r), $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)"
config no
SCRAPER=""
for mode in none scrape; do
    fresh_start
    if [ "$mode" = scrape ]; then
        (while :; do curl -s -o /dev/null "$URL"; sleep 0.1; done) &
        SCRAPER=$!
        ab_on_exit "kill $SCRAPER 2>/dev/null"
    fi
    : >"$AB_TMP/lat"
    i=1
    while [ "$i" -le "$REPS" ]; do
        a=$(addr "$i")
        t0=$(now_us)
        alert "$a" >>"$AB_LOG"
        until iptables-legacy -S ALERTBAN | grep -q -- "-s $a/32"; do :; done
        echo $(( $(now_us) - t0 )) >>"$AB_TMP/lat"
        i=$((i + 1))
    done
    i=100000
    end=$((i + BURST))
    while [ "$i" -lt "$end" ]; do
        alert "$(addr "$i")"
        i=$((i + 1))
    done >"$AB_TMP/burst"
    t0=$(now_us)
    cat "$AB_TMP/burst" >>"$AB_LOG"
    until [ "$(rules)" -ge $((REPS + BURST)) ]; do sleep 0.01; done
    burst_ms=$(( ($(now_us) - t0) / 1000 ))
    scrapes=$(curl -s "$URL" | sed -n 's/^alertban_scrapes_total //p')
    if [ -n "$SCRAPER" ]; then
        kill "$SCRAPER"
        SCRAPER=""
    fi
    printf '%-8s alert-to-kernel p50 %6s us  p99 %6s us (%s alerts)   burst of %s: %6s ms   (scrapes %s)\n' \
        "$mode" "$(pct 50 <"$AB_TMP/lat")" "$(pct 99 <"$AB_TMP/lat")" "$REPS" "$BURST" "$burst_ms" "$scrapes"
done

echo
echo "== one scrape with $BANS bans in force (dry run)"
ab_stop
"$ALERTBAND" -c "$AB_CONF" --flush >/dev/null 2>&1 || true
config yes
rm -rf "$AB_TMP/state"
: >"$AB_LOG"
ab_start
i=300000
end=$((i + BANS))
while [ "$i" -lt "$end" ]; do
    alert "$(addr "$i")"
    i=$((i + 1))
done >>"$AB_LOG"
bans_in_force() { [ "$(abctl status --json | jq .bans.total)" -ge "$BANS" ]; }
ab_wait_for 600 bans_in_force
: >"$AB_TMP/cost"
: >"$AB_TMP/wall"
n=0
while [ "$n" -le "$SCRAPES" ]; do
    t0=$(now_us)
    curl -s -o "$AB_TMP/m" "$URL"
    wall=$(( $(now_us) - t0 ))
    # The gauge is the previous scrape's cost: skip the first.
    if [ "$n" -gt 0 ]; then
        sed -n 's/^alertban_scrape_main_loop_seconds //p' "$AB_TMP/m" |
            awk '{ printf "%d\n", $1 * 1000000 }' >>"$AB_TMP/cost"
        echo "$wall" >>"$AB_TMP/wall"
    fi
    n=$((n + 1))
done
grep -q "alertban_bans{backend=\"fake\",family=\"ipv4\",source=\"policy\"} $BANS" "$AB_TMP/m" ||
    { grep '^alertban_bans{' "$AB_TMP/m"; ab_fail "the scrape does not show $BANS bans"; }
echo "main-loop cost of one scrape: median $(pct 50 <"$AB_TMP/cost") us, max $(pct 100 <"$AB_TMP/cost") us ($SCRAPES scrapes)"
echo "whole scrape as curl sees it (with the /proc collector's thread): median $(pct 50 <"$AB_TMP/wall") us"
echo "exposition size: $(wc -c <"$AB_TMP/m") bytes"
ab_stop
