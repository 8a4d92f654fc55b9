#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# A large cut is spread over the main loop and still counts exactly. A server namespace (ours,
# alertband with the nftables backend and a host chain that accepts established connections)
# and a client namespace holding 2,000 connections from 100 addresses (20 each) and one
# innocent address's 20. One write bans the 100 addresses; within a bound:
#   - every banned connection is closed at both ends (a reset at the client, an aborted read
#     at the server), the innocent ones are untouched;
#   - the cut ran in more than one slice (the daemon's "cut: bans=100 ... slices=N" line), and
#     the control socket answered between them (status requests sent every 2 ms got answers
#     between the first and the last connection end the server saw);
#   - a ban written while that cut runs (a 102nd address's 20 connections; the case says
#     whether it caught the cut running) waits for it and is cut after it;
#   - each ban line counts its own 20 sockets and 20 conntrack entries, and status counts
#     2,020 of each with nothing pending.
set -eu
. "$(dirname "$0")/lib/common.sh"
ab_enter_netns "$@"
. "$(dirname "$0")/lib/daemon.sh"
. "$(dirname "$0")/lib/netns.sh"
PEERS="$AB_SRC/test/bench/cut-peers.py"
PYTHON=$(command -v /usr/bin/python3 || command -v python3) ||
    ab_fail "python3 is missing (scripts/setup installs it)"
ADDRS=100
PER=20
PORT=25
BOUND=60
ulimit -n "$(ulimit -H -n)"
[ "$(ulimit -n)" = unlimited ] || [ "$(ulimit -n)" -ge $(((ADDRS + 1) * PER + 256)) ] ||
    ab_fail "the open-file limit $(ulimit -n) is too low"

ns="ab-cuts-$$"
ab_routed_peer "$ns" $((ADDRS + 2))

"$PYTHON" "$PEERS" server "$PORT" "$AB_TMP/ready" "$AB_TMP/server.ev" &
ab_on_exit "kill $!"
ab_wait_for 10 test -s "$AB_TMP/ready"

: >"$AB_LOG"
AB_BACKEND=nftables ab_write_config "verify_interval = 0
cut = yes"
ab_start -v
nft add table inet host
nft add chain inet host input '{ type filter hook input priority filter - 10; policy accept; }'
nft add rule inet host input ct state established,related accept

# The banned addresses 1..ADDRS, the innocent ADDRS+1 and the late ADDRS+2 (banned while
# the first cut runs), PER connections each.
i=1
while [ "$i" -le $((ADDRS + 2)) ]; do ab_nth_addr "$i"; i=$((i + 1)); done >"$AB_TMP/clients.txt"
ip netns exec "$ns" "$PYTHON" "$PEERS" clients 192.0.2.1 "$PORT" "$AB_TMP/clients.txt" "$PER" \
    "$AB_TMP/clients.ev" 120 &
ab_on_exit "kill $! 2>/dev/null"
ab_wait_for 120 grep -q '^up ' "$AB_TMP/clients.ev"
# The server's sockets of IPv4 peers are IPv6 sockets: ss shows [::ffff:A.B.C.D]:PORT.
[ "$(ss -tnH state established "( sport = :$PORT )" | wc -l)" -eq $(((ADDRS + 2) * PER)) ] ||
    ab_fail "not every connection is up: $(ss -tnH state established "( sport = :$PORT )" | wc -l)"

"$PYTHON" "$PEERS" probe "$AB_TMP/run/alertban.sock" "$AB_TMP/probe.stop" "$AB_TMP/probe.out" &
probe=$!
ab_on_exit "kill $probe 2>/dev/null"
i=1
while [ "$i" -le "$ADDRS" ]; do
    printf '11/22-10:00:01.000001  [**] [1:2001219:20] ET SCAN spread [**] [Priority: 2] {TCP} %s:40000 -> 192.0.2.1:25\n' "$(ab_nth_addr "$i")"
    i=$((i + 1))
done >"$AB_TMP/alerts"
cat "$AB_TMP/alerts" >>"$AB_LOG"
# A ban while that cut runs waits for it (merged into the next cut) and is counted alone.
late=$(ab_nth_addr $((ADDRS + 2)))
ab_wait_for "$BOUND" sh -c "grep -q 'cut: bans=' '$AB_DAEMON_LOG' || $ALERTBAN status -c '$AB_CONF' --json | jq -e '.firewall.cut_pending > 0' >/dev/null"
if grep -q 'cut: bans=' "$AB_DAEMON_LOG"; then
    echo "  (the first cut was over before the late ban: it is cut on its own)"
else
    echo "  the late ban is written while the first cut runs"
fi
printf '11/22-10:00:01.000001  [**] [1:2001219:20] ET SCAN spread [**] [Priority: 2] {TCP} %s:40000 -> 192.0.2.1:25\n' "$late" >>"$AB_LOG"

n=$(((ADDRS + 1) * PER))
count() { grep -c "$1" "$2" || true; }
all_closed() {
    [ "$(count '^reset ' "$AB_TMP/clients.ev")" -ge "$n" ] &&
        [ "$(count '^end ' "$AB_TMP/server.ev")" -ge "$n" ]
}
ab_wait_for "$BOUND" all_closed
ab_wait_for "$BOUND" grep -q 'cut: bans=' "$AB_DAEMON_LOG"
touch "$AB_TMP/probe.stop"
wait "$probe" || ab_fail "the status probe failed"

# The turn's bans may come in more than one turn (and cut): add the lines up.
grep 'cut: bans=' "$AB_DAEMON_LOG" | sed 's/^alertband: /  /'
sums=$(grep 'cut: bans=' "$AB_DAEMON_LOG" | sed 's/.*bans=\([0-9]*\) conntrack=\([0-9]*\) sockets=\([0-9]*\) .* slices=\([0-9]*\) .*/\1 \2 \3 \4/' |
    awk '{ b += $1; c += $2; s += $3; if ($4 > m) m = $4 } END { print b, c, s, m }')
[ "$sums" = "$((ADDRS + 1)) $n $n ${sums##* }" ] || ab_fail "inexact counts (bans conntrack sockets slices): $sums"
[ "${sums##* }" -gt 1 ] || ab_fail "the cut ran in one slice"
# The control socket answered while the cut ran: between the first and the last connection
# the server saw end, the status probe got answers (a loop that cut all in one turn answers
# none there).
read -r _ probes _ p50 _ max <"$AB_TMP/probe.out"
first=$(awk '/^end / { print $4 }' "$AB_TMP/server.ev" | sort -n | head -1)
last=$(awk '/^end / { print $4 }' "$AB_TMP/server.ev" | sort -n | tail -1)
during=$(awk -v a="$first" -v b="$last" '/^answer / && $2 > a && $2 < b { n++ } END { print n + 0 }' "$AB_TMP/probe.out")
echo "  the cut's ends spread over $(( (last - first) / 1000000 )) ms; status answered $during times" \
    "in them ($probes in all, p50 $p50 us, slowest $max us)"
[ "$during" -ge 3 ] || ab_fail "the control socket was not served while the cut ran"

i=1
while [ "$i" -le "$ADDRS" ] || [ "$i" -eq $((ADDRS + 2)) ]; do
    grep -q "ban addr=$(ab_nth_addr "$i") .* cut_conntrack=$PER cut_sockets=$PER$" "$AB_DAEMON_LOG" ||
        ab_fail "the ban line of $(ab_nth_addr "$i") does not count its own cut: $(grep "ban addr=$(ab_nth_addr "$i") " "$AB_DAEMON_LOG")"
    i=$((i + 1))
    [ "$i" -ne $((ADDRS + 1)) ] || i=$((ADDRS + 2))
done
status() { abctl status --json | jq -r "$1"; }
[ "$(status .firewall.cut_sockets)" -eq "$n" ] && [ "$(status .firewall.cut_conntrack)" -ge "$n" ] &&
    [ "$(status .firewall.cut_pending)" -eq 0 ] ||
    ab_fail "status: $(abctl status --json | jq -c .firewall)"
# The innocent address's connections are all still open.
innocent=$(ab_nth_addr $((ADDRS + 1)))
[ "$(grep -c "^end $innocent " "$AB_TMP/server.ev" || true)" -eq 0 ] ||
    ab_fail "the innocent address lost connections"
[ "$(ss -tnH state established "( sport = :$PORT )" | grep -cF "$innocent]:" || true)" -eq "$PER" ] ||
    ab_fail "the innocent address does not hold its $PER connections"
ab_stop
echo "PASS"
