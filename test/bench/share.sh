#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Benchmark of sharing through Redis (run as root through scripts/bench share): a sensor a in
# a network namespace of its own and a gateway gw in the case's namespace (both ipset),
# both alertband, around a real redis-server on a Unix socket.
#
#   - latency: 200 alerts, one at a time, each from a new address, written to a's log; the
#     time from the write until gw's kernel set holds the address (`ipset test`, polled): a's
#     tailer, policy, commit and publish, Redis, gw's read, checks, commit and set update;
#     p50 and p99, and gw's own figure for the Redis leg (stream time of a's XADD to gw's
#     apply, from its status);
#   - burst: 10,000 alerts from distinct addresses written at once to a's log; the time until
#     gw's status says it holds them all with nothing pending for the kernel;
#   - Redis memory: used_memory before and after the burst, per shared ban (a stream entry
#     plus a snapshot hash each).
#
# Environment: SHARE_BENCH_LATENCY_N (200), SHARE_BENCH_BURST (10000).
set -eu
. "$(dirname "$0")/../integration/lib/common.sh"
ab_enter_netns "$@"
. "$(dirname "$0")/../integration/lib/daemon.sh"
. "$(dirname "$0")/../integration/lib/share.sh"
command -v ipset >/dev/null || ab_fail "ipset is missing (scripts/setup installs it)"

N=${SHARE_BENCH_LATENCY_N:-200}
BURST=${SHARE_BENCH_BURST:-10000}

nsa="ab-sa-$$"
ip netns add "$nsa" || ab_fail "cannot create a named network namespace"
ab_on_exit "ip netns del $nsa"
ip netns exec "$nsa" ip link set lo up

sh_redis_start
SH_BACKEND=ipset sh_node_config a
SH_BACKEND=ipset sh_node_config gw "[share]
publish = no"
sh_node_start a "$nsa"
sh_node_start gw
ab_wait_for 10 sh_status_is a .share.publish up
ab_wait_for 10 sh_status_is gw .share.receive up
ab_wait_for 10 sh_status_is gw .share.position 0-0

now_us() { echo $(( $(date +%s%N) / 1000 )); }

echo "== latency: alert on a -> ban in gw's kernel, $N alerts one at a time"
: >"$AB_TMP/lat"
i=0
while [ "$i" -lt "$N" ]; do
    addr="198.19.$(( i / 250 )).$(( i % 250 + 1 ))"
    t0=$(now_us)
    snort2_line 2001219 "ET SCAN latency" "$addr" 4444 10.0.0.1 22 >>"$AB_TMP/a/alert.log"
    deadline=$(( t0 + 5000000 ))
    until ipset -q test ALERTBAN4 "$addr" 2>/dev/null; do
        [ "$(now_us)" -lt "$deadline" ] || ab_fail "$addr not on gw within 5 s"
    done
    echo $(( $(now_us) - t0 )) >>"$AB_TMP/lat"
    # gw's own measure of the Redis leg: the entry's stream time (a's XADD) to its apply.
    sh_status gw .share.receive_lag_ms >>"$AB_TMP/lag"
    i=$(( i + 1 ))
done
sort -n "$AB_TMP/lat" | awk '{ v[NR] = $1 } END {
    p50 = v[int(NR * 0.50 + 0.5)]; p99 = v[int(NR * 0.99 + 0.5)]
    printf "  n=%d p50=%.1f ms p99=%.1f ms max=%.1f ms\n", NR, p50 / 1000, p99 / 1000, v[NR] / 1000 }'

sort -n "$AB_TMP/lag" | awk '{ v[NR] = $1 } END {
    printf "  of which a XADD -> gw applied (gw status receive_lag_ms): p50=%d ms p99=%d ms\n",
        v[int(NR * 0.50 + 0.5)], v[int(NR * 0.99 + 0.5)] }'
echo "  (the polling itself spawns ipset and date for every check: on a loaded machine"
echo "   that is most of the figure; load average now $(cut -d' ' -f1 /proc/loadavg))"

echo "== burst: $BURST bans on a -> all enforced on gw"
mem0=$(rcli info memory | sed -n 's/^used_memory:\([0-9]*\).*/\1/p')
total=$(( N + BURST ))
all_on_gw() {
    s=$(nctl gw status --json) || return 1
    [ "$(echo "$s" | jq '.bans.total')" -eq "$total" ] &&
        [ "$(echo "$s" | jq '.firewall.pending + .store.pending')" -eq 0 ]
}
t0=$(now_us)
awk -v n="$BURST" -v ts="$(date +%m/%d-%H:%M:%S.000000)" 'BEGIN {
    for (i = 0; i < n; i++)
        printf "%s  [**] [1:2001219:1] ET SCAN burst [**] [Classification: Attempted Information Leak] [Priority: 2] {TCP} 198.18.%d.%d:4444 -> 10.0.0.1:22\n", ts, int(i / 250), i % 250 + 1
}' >>"$AB_TMP/a/alert.log"
deadline=$(( t0 + 120000000 ))
until all_on_gw; do
    [ "$(now_us)" -lt "$deadline" ] || ab_fail "gw did not get the burst within 120 s"
    sleep 0.005
done
t1=$(now_us)
members=$(ipset list ALERTBAN4 | grep -c '^198\.1[89]\.' || true)
[ "$members" -eq "$total" ] || ab_fail "gw's set holds $members, not $total"
echo "  $BURST bans: written on a -> all in gw's kernel in $(( (t1 - t0) / 1000 )) ms"
ab_wait_for 30 sh_status_is a .share.outbox 0
mem1=$(rcli info memory | sed -n 's/^used_memory:\([0-9]*\).*/\1/p')
echo "== Redis memory: $(( (mem1 - mem0) / BURST )) bytes per shared ban (stream entry + snapshot hash; used_memory $mem0 -> $mem1)"
sh_node_stop a
sh_node_stop gw
