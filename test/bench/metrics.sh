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
. "$(dirname "$0")/lib/bench.sh"
command -v curl >/dev/null 2>&1 || ab_fail "curl is not installed (scripts/setup installs it)"

REPS=${METRICS_BENCH_REPS:-201}
BURST=${METRICS_BENCH_BURST:-10000}
BANS=${METRICS_BENCH_BANS:-100000}
SCRAPES=${METRICS_BENCH_SCRAPES:-21}
URL=http://127.0.0.1:9477/metrics

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
    latency_runs "$REPS" "$AB_TMP/lat"
    alerts 100000 "$BURST" >"$AB_TMP/burst"
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
alerts 300000 "$BANS" >>"$AB_LOG"
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
