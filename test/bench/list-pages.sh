#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# The cost of `list` in pages, to choose the page size: N bans (nftables backend, in a private
# network namespace), then every ban listed with a raw socket client at several page sizes
# (the request's "limit", at most the built-in 5,000): pages, the largest reply line, the
# slowest request (the daemon's main loop is busy that long), the whole listing's wall time and
# the daemon's CPU time for it; and `alertban list --json` end to end with the CLI's peak RSS.
# Usage: scripts/bench list-pages     Environment: N (default 100000), RUNS (default 3),
# SIZES (default "500 1000 2000 5000"), ALERTBAN_BUILD_DIR (default build/gcc). Needs root.
set -eu
N=${N:-100000}
RUNS=${RUNS:-3}
SIZES=${SIZES:-500 1000 2000 5000}
. "$(dirname "$0")/../integration/lib/common.sh"
ab_enter_netns "$@"
. "$(dirname "$0")/../integration/lib/daemon.sh"
PAGES="python3 $AB_SRC/test/integration/lib/listpages.py $AB_TMP/run/alertban.sock"

AB_BACKEND=nftables AB_DAEMON_EXTRA="max_bans = $((N * 2))" ab_write_config '
[policy]
ban_time = 1h
max_bans_per_minute = 0'
awk -v n="$N" 'BEGIN { for (i = 1; i <= n; i++)
    printf "11/22-10:00:01.000001  [**] [1:2001219:20] ET SCAN pages [**] [Priority: 2] {TCP} 198.%d.%d.%d:40000 -> 192.0.2.1:22\n",
    18 + int(i / 65536), int(i / 256) % 256, i % 256 }' >"$AB_LOG.burst"
: >"$AB_LOG"
ab_start
cat "$AB_LOG.burst" >>"$AB_LOG"
settled() {
    abctl status --json | jq -e --argjson n "$1" '.bans.total == $n and .store.pending == 0' >/dev/null
}
ab_wait_for 300 settled "$N"
cpu_ms() { # the daemon's user + system CPU time
    awk -v hz="$(getconf CLK_TCK)" '{ print int(($14 + $15) * 1000 / hz) }' "/proc/$AB_PID/stat"
}
median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

echo "$N bans, nftables; medians of $RUNS runs ($(date -u +%Y-%m-%d), load $(cut -d' ' -f1 /proc/loadavg))"
echo "| page size | pages | largest reply | slowest request | whole list | daemon CPU |"
echo "|---|---|---|---|---|---|"
for size in $SIZES; do
    : >"$AB_TMP/wall" ; : >"$AB_TMP/cpu"; : >"$AB_TMP/slow"; : >"$AB_TMP/bytes"
    r=0
    while [ $r -lt "$RUNS" ]; do
        c0=$(cpu_ms); t0=$(ab_now_ms)
        $PAGES addr "$AB_TMP/out" --limit "$size" >"$AB_TMP/pages"
        t1=$(ab_now_ms); c1=$(cpu_ms)
        [ "$(wc -l <"$AB_TMP/out")" -eq "$N" ] || ab_fail "listed $(wc -l <"$AB_TMP/out") of $N"
        echo $((t1 - t0)) >>"$AB_TMP/wall"
        echo $((c1 - c0)) >>"$AB_TMP/cpu"
        awk '{ if ($8 > m) m = $8 } END { print int(m) }' "$AB_TMP/pages" >>"$AB_TMP/slow"
        awk '{ if ($6 > m) m = $6 } END { print m }' "$AB_TMP/pages" >>"$AB_TMP/bytes"
        r=$((r + 1))
    done
    echo "| $size | $(wc -l <"$AB_TMP/pages") | $(median <"$AB_TMP/bytes") B | $(median <"$AB_TMP/slow") ms | $(median <"$AB_TMP/wall") ms | $(median <"$AB_TMP/cpu") ms |"
done
: >"$AB_TMP/wall"; : >"$AB_TMP/rss"
r=0
while [ $r -lt "$RUNS" ]; do
    t0=$(ab_now_ms)
    /usr/bin/time -f %M -o "$AB_TMP/rss1" "$ALERTBAN" list -c "$AB_CONF" --json >/dev/null
    t1=$(ab_now_ms)
    echo $((t1 - t0)) >>"$AB_TMP/wall"
    cat "$AB_TMP/rss1" >>"$AB_TMP/rss"
    r=$((r + 1))
done
echo "alertban list --json: $(median <"$AB_TMP/wall") ms, CLI peak RSS $(median <"$AB_TMP/rss") KiB"
ab_stop
