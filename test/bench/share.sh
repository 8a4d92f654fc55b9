#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Benchmark of sharing through Redis (run as root through scripts/bench share): a sensor a in
# a network namespace of its own and a gateway gw in the case's namespace (both ipset),
# both alertband, around a real redis-server on a Unix socket.
#
#   - latency: 200 alerts, one at a time, each from a new address, written to a's log; the
#     time from the write until gw's kernel set holds the address, polled every 200 us over
#     netlink by bench-share-latency (no process per check): a's tailer, policy, commit and
#     publish, Redis, gw's read, checks, commit and set update; p50 and p99, and gw's own
#     figure for the Redis leg (stream time of a's XADD to gw's apply, from its status);
#   - burst: 10,000 alerts from distinct addresses written at once to a's log; the time until
#     gw's status says it holds them all with nothing pending for the kernel, and the CPU
#     time a, gw and Redis spent on it (wall time on a shared machine is mostly waiting);
#   - Redis memory: used_memory before and after the burst, per shared ban (a stream entry
#     plus a snapshot key each);
#   - join: Redis filled with SHARE_BENCH_JOIN snapshot keys by redis-cli --pipe
#     (bench-share-fill writes them in the nodes' own encoding); a new gateway j starts and
#     the time until its status holds them all with nothing pending for the kernel.
#
# Environment: SHARE_BENCH_LATENCY_N (200), SHARE_BENCH_BURST (10000), SHARE_BENCH_JOIN
# (1000000; 0 skips the join), SHARE_BENCH_JOIN_BACKEND (ipset; or nftables), SHARE_BENCH_PERF (a file: perf records j's join into it).
set -eu
. "$(dirname "$0")/../integration/lib/common.sh"
ab_enter_netns "$@"
. "$(dirname "$0")/../integration/lib/daemon.sh"
. "$(dirname "$0")/../integration/lib/netns.sh"
. "$(dirname "$0")/../integration/lib/share.sh"
command -v ipset >/dev/null || ab_fail "ipset is missing (scripts/setup installs it)"

N=${SHARE_BENCH_LATENCY_N:-200}
BURST=${SHARE_BENCH_BURST:-10000}

nsa="ab-sa-$$"
ab_ns_add "$nsa"

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
cpu_ms() { awk -v hz="$(getconf CLK_TCK)" '{ print int(($14 + $15) * 1000 / hz) }' "/proc/$1/stat"; }
pid_of() { cat "$AB_TMP/$1/pid"; }

echo "== latency: alert on a -> ban in gw's kernel, $N alerts one at a time"
"$AB_BUILD/test/bench-share-latency" "$AB_TMP/a/alert.log" ALERTBAN4 "$N" 5000 >"$AB_TMP/lat" ||
    ab_fail "bench-share-latency failed"
sort -n "$AB_TMP/lat" | awk '{ v[NR] = $1 } END {
    p50 = v[int(NR * 0.50 + 0.5)]; p99 = v[int(NR * 0.99 + 0.5)]
    printf "  n=%d p50=%.1f ms p99=%.1f ms max=%.1f ms\n", NR, p50 / 1000, p99 / 1000, v[NR] / 1000 }'
echo "  (load average now $(cut -d' ' -f1 /proc/loadavg))"

echo "== burst: $BURST bans on a -> all enforced on gw"
mem0=$(rcli info memory | sed -n 's/^used_memory:\([0-9]*\).*/\1/p')
total=$(( N + BURST ))
all_on_gw() {
    s=$(nctl gw status --json) || return 1
    [ "$(echo "$s" | jq '.bans.total')" -eq "$total" ] &&
        [ "$(echo "$s" | jq '.firewall.pending + .store.pending')" -eq 0 ]
}
ca0=$(cpu_ms "$(pid_of a)"); cg0=$(cpu_ms "$(pid_of gw)"); cr0=$(cpu_ms "$SH_REDIS_PID")
t0=$(now_us)
sh_flood a 0 "$BURST"
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
echo "  CPU: a $(( $(cpu_ms "$(pid_of a)") - ca0 )) ms, gw $(( $(cpu_ms "$(pid_of gw)") - cg0 )) ms," \
    "Redis $(( $(cpu_ms "$SH_REDIS_PID") - cr0 )) ms (load average $(cut -d' ' -f1 /proc/loadavg))"
mem1=$(rcli info memory | sed -n 's/^used_memory:\([0-9]*\).*/\1/p')
echo "== Redis memory: $(( (mem1 - mem0) / BURST )) bytes per shared ban (stream entry + snapshot key; used_memory $mem0 -> $mem1)"
sh_node_stop a
sh_node_stop gw

JOIN=${SHARE_BENCH_JOIN:-1000000}
[ "$JOIN" -gt 0 ] || exit 0
echo "== join: a gateway starts with $JOIN bans in force in Redis"
rcli flushall >/dev/null
expires=$(( $(date +%s) + 3600 ))
"$AB_BUILD/test/bench-share-fill" t a "$JOIN" "$expires" | rcli --pipe >/dev/null ||
    ab_fail "loading the snapshot into Redis failed"
keys=$(rcli dbsize)
[ "$keys" -eq "$JOIN" ] || ab_fail "Redis holds $keys keys, not $JOIN"
echo "  Redis: $keys snapshot keys, used_memory $(rcli info memory | sed -n 's/^used_memory_human:\(.*\)\r*$/\1/p')"
SH_BACKEND=${SHARE_BENCH_JOIN_BACKEND:-ipset} sh_node_config j "[share]
publish = no
[daemon]
max_bans = $(( JOIN + 1000 ))"
nsj="ab-sj-$$"
ab_ns_add "$nsj"
t0=$(now_us)
sh_node_start j "$nsj"
if [ -n "${SHARE_BENCH_PERF:-}" ]; then # a profile of j's join: perf.data written there
    perf record -q -F 199 --call-graph dwarf,16384 -o "$SHARE_BENCH_PERF" -p "$(pid_of j)" >/dev/null 2>&1 &
    perf_pid=$!
fi
joined() {
    s=$(nctl j status --json) || return 1
    [ "$(echo "$s" | jq '.bans.total')" -eq "$JOIN" ] &&
        [ "$(echo "$s" | jq '.firewall.pending + .store.pending')" -eq 0 ]
}
deadline=$(( t0 + 600000000 ))
until joined; do
    [ "$(now_us)" -lt "$deadline" ] || ab_fail "j did not load the snapshot within 600 s"
    sleep 0.05
done
t1=$(now_us)
if [ -n "${SHARE_BENCH_PERF:-}" ]; then kill -INT "$perf_pid"; wait "$perf_pid" || true; fi
if [ "${SHARE_BENCH_JOIN_BACKEND:-ipset}" = nftables ]; then
    in_kernel=$(in_node j nft -j list table inet alertban |
        jq '[.nftables[] | select(.set) | .set.elem // [] | length] | add')
else
    in_kernel=$(( $(in_node j ipset list ALERTBAN4 -terse | sed -n 's/^Number of entries: //p') +
                  $(in_node j ipset list ALERTBAN6 -terse | sed -n 's/^Number of entries: //p') ))
fi
[ "$in_kernel" -eq "$JOIN" ] || ab_fail "j's sets hold $in_kernel, not $JOIN"
echo "  $JOIN bans: j started -> all in its kernel in $(( (t1 - t0) / 1000 )) ms;" \
    "j's CPU $(cpu_ms "$(pid_of j)") ms, peak RSS $(sed -n 's/^VmHWM:[[:space:]]*//p' "/proc/$(pid_of j)/status")," \
    "Redis now used $(( $(cpu_ms "$SH_REDIS_PID") )) ms in all;" \
    "load average $(cut -d' ' -f1 /proc/loadavg)"
grep -h "share: receive: snapshot" "$AB_TMP/j/alertband.log" | sed 's/^/  j: /'
sh_node_stop j
