#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# A ban on a gateway cuts the connections it forwards. Three namespaces: an attacker side
# (203.0.113.2 and an innocent 203.0.113.3), the gateway (ours, running alertband hooked into
# INPUT and FORWARD with action = reject, below an early "ESTABLISHED,RELATED accept" in
# FORWARD) and an inner server (198.51.100.2). Both outer hosts hold a connection to the inner
# server. An alert bans 203.0.113.2; then:
#   - the gateway's conntrack entry of the forwarded connection is gone at once (the ban line
#     counts it; no local socket is involved, so cut_sockets=0);
#   - the attacker's next segment finds no entry, so the early accept no longer matches it and
#     the ban answers it with a TCP reset: the attacker's end closes ("reset"). Without the
#     cut the early accept would forward it and the connection would go on;
#   - the inner server's next segment reaches the attacker's host (direction = in), whose
#     closed socket answers with a reset. That reset belongs to the new entry the server's
#     segment made, so with iptables the early ESTABLISHED accept forwards it and the server's
#     end closes with a reset; with nftables the ban's own base chain drops it whatever the
#     host's chain accepted, and the server's end times out. Neither end hears anything before
#     it sends: the gateway holds no socket of a forwarded connection to destroy. (With
#     direction = both the gateway's reset to the attacker is itself stopped in OUTPUT today,
#     and the attacker's end times out too.)
#   - the innocent client's forwarded connection still carries data.
# AB_BACKEND=nftables runs it against the nftables backend (cut-gateway-nft.sh).
set -eu
. "$(dirname "$0")/lib/common.sh"
ab_enter_netns "$@"
. "$(dirname "$0")/lib/daemon.sh"
. "$(dirname "$0")/lib/netns.sh"
BACKEND=${AB_BACKEND:-iptables}
PROBE="$AB_SRC/test/integration/lib/tcpprobe.py"
# The interpreter itself, not a version manager's shim (pyenv's takes seconds to start).
PYTHON=$(command -v /usr/bin/python3 || command -v python3) ||
    ab_fail "python3 is missing (scripts/setup installs it)"
BOUND=5

att="ab-cuta-$$"
srv="ab-cuts-$$"
in_att() { ip netns exec "$att" "$@"; }
ab_peer "$att" ab-out ab-att 203.0.113.1/24 "203.0.113.2/24 203.0.113.3/24" 203.0.113.1
ab_peer "$srv" ab-in ab-srv 198.51.100.1/24 198.51.100.2/24 198.51.100.1
echo 1 >/proc/sys/net/ipv4/ip_forward

: >"$AB_LOG"
ab_write_config "hooks = INPUT, FORWARD
action = reject
verify_interval = 0
cut = yes"
ab_start
# The gateway's early accept of established connections, above alertband's jump.
if [ "$BACKEND" = nftables ]; then
    nft add table inet host
    nft add chain inet host forward '{ type filter hook forward priority filter - 10; policy accept; }'
    nft add rule inet host forward ct state established,related accept
else
    iptables-legacy -w -I FORWARD 1 -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT
fi

# The inner server: one connection on port 25 that it answers and later writes to again
# (serve-one), and an echo server on port 26 for the innocent client.
ip netns exec "$srv" "$PYTHON" "$PROBE" serve-one 25 "$AB_TMP/ready25" "$AB_TMP/go-srv" 3 >"$AB_TMP/srv25" 2>&1 &
ab_on_exit "kill $! 2>/dev/null"
ip netns exec "$srv" "$PYTHON" "$PROBE" serve 26 "$AB_TMP/ready26" &
ab_on_exit "kill $! 2>/dev/null"
ab_wait_for 10 test -s "$AB_TMP/ready25"
ab_wait_for 10 test -s "$AB_TMP/ready26"
ab_wait_for 10 in_att ping -q -n -c 1 -W 1 198.51.100.2

ip netns exec "$att" "$PYTHON" "$PROBE" hold 203.0.113.2 198.51.100.2 25 "$AB_TMP/go-att" 3 >"$AB_TMP/att" 2>&1 &
ip netns exec "$att" "$PYTHON" "$PROBE" hold 203.0.113.3 198.51.100.2 26 "$AB_TMP/go-good" 3 >"$AB_TMP/good" 2>&1 &
line_is() { sed -n "$2p" "$1" 2>/dev/null | cut -d' ' -f1 | grep -qx "$3"; }
ab_wait_for 10 line_is "$AB_TMP/att" 1 up
ab_wait_for 10 line_is "$AB_TMP/good" 1 up
ab_wait_for 10 line_is "$AB_TMP/srv25" 1 up

forwarded() { grep -c "tcp .* src=$1 dst=198.51.100.2 " /proc/net/nf_conntrack || true; }
no_forwarded() { [ "$(forwarded "$1")" -eq 0 ]; }
[ "$(forwarded 203.0.113.2)" -eq 1 ] || ab_fail "no conntrack entry of the forwarded connection"

snort2_line 2001219 "ET SCAN smtp auth brute force" 203.0.113.2 40001 198.51.100.2 25 >>"$AB_LOG"
ab_wait_for "$BOUND" grep -q 'ban addr=203.0.113.2 ' "$AB_DAEMON_LOG"
ab_wait_for "$BOUND" no_forwarded 203.0.113.2
grep -q 'ban addr=203.0.113.2 .* cut_conntrack=[1-9][0-9]* cut_sockets=0$' "$AB_DAEMON_LOG" ||
    ab_fail "ban line: $(grep 'ban addr=203.0.113.2' "$AB_DAEMON_LOG")"
[ "$(forwarded 203.0.113.3)" -eq 1 ] || ab_fail "the innocent client's entry went too"

# The attacker's end: its next segment is refused with a reset.
touch "$AB_TMP/go-att"
ab_wait_for "$BOUND" line_is "$AB_TMP/att" 2 reset
# The inner server's end: the attacker host's reset reaches it past the early accept
# (iptables), or is dropped by the ban and the server's 3 s wait ends (nftables).
touch "$AB_TMP/go-srv"
if [ "$BACKEND" = nftables ]; then
    ab_wait_for "$BOUND" line_is "$AB_TMP/srv25" 2 timeout
else
    ab_wait_for "$BOUND" line_is "$AB_TMP/srv25" 2 reset
fi
# The innocent client's connection still works.
touch "$AB_TMP/go-good"
ab_wait_for "$BOUND" line_is "$AB_TMP/good" 2 ok
echo "  attacker: $(sed -n 2p "$AB_TMP/att"); inner server: $(sed -n 2p "$AB_TMP/srv25"); other client: $(sed -n 2p "$AB_TMP/good")"
ab_stop
echo "PASS"
