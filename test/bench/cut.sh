#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Benchmark of the cut (run as root through scripts/bench cut), in private network namespaces:
# a server namespace (ours, running alertband with the nftables backend and a conntrack
# accept rule, so both halves of the cut work) and a client namespace holding the
# 198.18.0.0/15 addresses. Three figures:
#   1. latency: from an alert's write to both ends of its address's established connection
#      closed (the client's reset and the server's aborted read, each stamped by the process
#      that saw it), one connection and one alert at a time; p50/p99;
#   2. many: ADDRS addresses with PER connections each, all banned by one write; the cut's
#      own time in that turn (alertband -v logs "cut: bans= conntrack= sockets= cut_us=") and
#      the time until every end has closed;
#      and the main loop's longest stall meanwhile (the slowest of `status` requests sent every
#      2 ms from before the write);
#   3. burst: BURST bans of addresses with no open connection, written at once, with cut = yes
#      and cut = no: the time until every ban is in the kernel, and the cut's share of it.
#
# Environment: CUT_BENCH_CONNS (default 200; 0 skips the latency runs), CUT_BENCH_ADDRS (1000), CUT_BENCH_PER (10),
# CUT_BENCH_BURST (10000; 0 skips the burst), CUT_BENCH_BACKEND (nftables).
set -eu
. "$(dirname "$0")/../integration/lib/common.sh"
ab_enter_netns "$@"
. "$(dirname "$0")/../integration/lib/daemon.sh"
. "$(dirname "$0")/../integration/lib/netns.sh"
. "$(dirname "$0")/lib/bench.sh"

CONNS=${CUT_BENCH_CONNS:-200}
ADDRS=${CUT_BENCH_ADDRS:-1000}
PER=${CUT_BENCH_PER:-10}
BURST=${CUT_BENCH_BURST:-10000}
AB_BACKEND=${CUT_BENCH_BACKEND:-nftables}
PEERS="$AB_SRC/test/bench/cut-peers.py"
# The interpreter itself, not a version manager's shim (pyenv's takes seconds to start).
PYTHON=$(command -v /usr/bin/python3 || command -v python3) || ab_fail "python3 is missing"
PORT=25
# Both ends of ADDRS * PER connections are open at once, in two processes (one end each).
ulimit -n "$(ulimit -H -n)"
[ "$(ulimit -n)" = unlimited ] || [ "$(ulimit -n)" -ge $((ADDRS * PER + 256)) ] ||
    ab_fail "the open-file limit $(ulimit -n) is too low for $((ADDRS * PER)) connections"

now_ns() { date +%s%N; }

ns="ab-cutb-$$"
# The client addresses on the client's loopback: routed through one neighbour, no ARP each.
ab_routed_peer "$ns" $((CONNS + ADDRS))

"$PYTHON" "$PEERS" server "$PORT" "$AB_TMP/ready" "$AB_TMP/server.ev" &
ab_on_exit "kill $!"
ab_wait_for 10 test -s "$AB_TMP/ready"

config() {
    AB_DAEMON_EXTRA="max_bans = 1000000" ab_write_config "verify_interval = 0
cut = $1

[policy]
ban_time = 1h
max_bans_per_minute = 0"
}
config yes
: >"$AB_LOG"
ab_start -v
# The host's accept of established connections: conntrack follows every connection.
nft add table inet host
nft add chain inet host input '{ type filter hook input priority filter - 10; policy accept; }'
nft add rule inet host input ct state established,related accept

echo "alertban cut benchmark: $(uname -r), $(nproc) CPUs, backend $AB_BACKEND"

# clients FIRST N PER: PER connections from each of the addresses FIRST..FIRST+N-1.
clients() {
    i=$1
    while [ "$i" -lt $(($1 + $2)) ]; do addr "$i"; i=$((i + 1)); done >"$AB_TMP/clients.txt"
    : >"$AB_TMP/clients.ev"
    ip netns exec "$ns" "$PYTHON" "$PEERS" clients 192.0.2.1 "$PORT" "$AB_TMP/clients.txt" "$3" \
        "$AB_TMP/clients.ev" 600 &
    ab_on_exit "kill $! 2>/dev/null"
    ab_wait_for 300 grep -q '^up ' "$AB_TMP/clients.ev"
}
count() { grep -c "$1" "$2" || true; }

echo
echo "== latency: alert written -> both ends of the connection closed ($CONNS connections, one at a time)"
[ "$CONNS" -gt 0 ] && clients 1 "$CONNS" 1
: >"$AB_TMP/lat"
i=1
while [ "$i" -le "$CONNS" ]; do
    a=$(addr "$i")
    t0=$(now_ns)
    alert "$a" "$PORT" >>"$AB_LOG"
    deadline=$(( $(date +%s) + 10 ))
    until grep -q "^reset $a " "$AB_TMP/clients.ev" && grep -q "^end $a " "$AB_TMP/server.ev"; do
        [ "$(date +%s)" -le "$deadline" ] || ab_fail "$a: not cut within 10 s"
        sleep 0.005
    done
    tc=$(sed -n "s/^reset $a //p" "$AB_TMP/clients.ev")
    ts=$(sed -n "s/^end $a [a-z]* //p" "$AB_TMP/server.ev")
    echo $(( ( (tc > ts ? tc : ts) - t0) / 1000 )) >>"$AB_TMP/lat"
    i=$((i + 1))
done
[ "$CONNS" -eq 0 ] || grep -q "^end $(addr 1) aborted " "$AB_TMP/server.ev" ||
    ab_fail "the server's read did not fail with ECONNABORTED"
[ "$CONNS" -eq 0 ] || echo "p50 $(pct 50 <"$AB_TMP/lat") us, p99 $(pct 99 <"$AB_TMP/lat") us, max $(pct 100 <"$AB_TMP/lat") us"

echo
echo "== many: $((ADDRS * PER)) open connections from $ADDRS addresses, banned by one write"
first=$((CONNS + 1))
clients "$first" "$ADDRS" "$PER"
alerts "$first" "$ADDRS" "$PORT" >"$AB_TMP/many"
ends_before=$(count '^end ' "$AB_TMP/server.ev")
cuts_before=$(count 'cut: bans=' "$AB_DAEMON_LOG")
# The main loop's stall: a status request every 2 ms on a kept connection, from before the
# write until the cut is over; its slowest answer is the longest the loop did not answer.
rm -f "$AB_TMP/probe.stop" "$AB_TMP/probe.out"
"$PYTHON" "$PEERS" probe "$AB_TMP/run/alertban.sock" "$AB_TMP/probe.stop" "$AB_TMP/probe.out" &
probe_pid=$!
ab_on_exit "kill $probe_pid 2>/dev/null"
sleep 0.5
t0=$(now_ns)
cat "$AB_TMP/many" >>"$AB_LOG"
n=$((ADDRS * PER))
all_closed() {
    [ "$(count '^reset ' "$AB_TMP/clients.ev")" -ge "$n" ] &&
        [ "$(count '^end ' "$AB_TMP/server.ev")" -ge $((ends_before + n)) ]
}
ab_wait_for 120 all_closed
sleep 0.2
touch "$AB_TMP/probe.stop"
wait "$probe_pid" || ab_fail "the status probe failed"
last_client=$(grep '^reset ' "$AB_TMP/clients.ev" | awk '{ print $3 }' | sort -n | tail -1)
last_server=$(grep '^end ' "$AB_TMP/server.ev" | tail -n "$n" | awk '{ print $4 }' | sort -n | tail -1)
last=$((last_client > last_server ? last_client : last_server))
echo "all $n connections closed at both ends $(( (last - t0) / 1000000 )) ms after the write"
grep 'cut: bans=' "$AB_DAEMON_LOG" | tail -n +$((cuts_before + 1)) | sed 's/^alertband: /  /'
grep 'cut: bans=' "$AB_DAEMON_LOG" | tail -n +$((cuts_before + 1)) |
    sed 's/.*cut_us=//' | awk '{ s += $1 } END { printf "the cut took %.1f ms in all\n", s / 1000 }'
read -r _ probes _ p50 _ max <"$AB_TMP/probe.out"
echo "status answered $probes times meanwhile: p50 $((p50 / 1000)) ms, slowest $((max / 1000)) ms (the loop's longest stall)"

echo
echo "== burst: $BURST bans of addresses with no open connection, written at once"
burst() { # CUT FIRST
    abctl unban --all >/dev/null
    ab_stop
    config "$1"
    ab_start -v
    alerts "$2" "$BURST" "$PORT" >"$AB_TMP/burst"
    cuts_before=$(count 'cut: bans=' "$AB_DAEMON_LOG")
    t0=$(now_ns)
    cat "$AB_TMP/burst" >>"$AB_LOG"
    until [ "$(abctl status --json | jq '.bans.total == '"$BURST"' and .firewall.pending == 0')" = true ]; do
        sleep 0.01
    done
    ms=$(( ($(now_ns) - t0) / 1000000 ))
    cut_ms=$(grep 'cut: bans=' "$AB_DAEMON_LOG" | tail -n +$((cuts_before + 1)) |
        sed 's/.*cut_us=//' | awk '{ s += $1; n++ } END { printf "%.1f ms in %d turns", s / 1000, n }')
    echo "cut = $1: all $BURST bans in force $ms ms after the write; the cut: $cut_ms"
}
if [ "$BURST" -gt 0 ]; then
    burst yes 100001
    burst no 120001
    burst yes 140001
    burst no 160001
fi
ab_stop
