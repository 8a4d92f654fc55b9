#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# A ban ends the banned address's open connections to the host (cut = yes), with an
# "ESTABLISHED,RELATED accept" rule above alertband's jump, as ufw, firewalld and Docker put
# theirs. A mail-server namespace (ours, running alertband and a listener that holds every
# connection open) and a client namespace with an attacker and an innocent client per family,
# each with an established connection. An alert bans the attackers; within a bound:
#   - the server's sockets to them are gone (ss) and the server's blocked read fails with
#     ECONNABORTED (the socket was destroyed under it: "aborted");
#   - each attacker's socket has received a reset, without sending anything;
#   - their conntrack entries are gone; the ban line and status count what was cut;
#   - the innocent clients' connections still carry data.
# Then cut = no on a fresh attacker: the ban is in force but the server keeps its socket, and
# with iptables the early accept even lets the established connection carry data (the hole
# the cut closes); nothing is counted.
# AB_BACKEND=nftables runs it against the nftables backend (cut-server-nft.sh); there the
# host's accept is an nftables chain of its own.
set -eu
. "$(dirname "$0")/lib/common.sh"
ab_enter_netns "$@"
exec 3>&2
. "$(dirname "$0")/lib/daemon.sh"
. "$(dirname "$0")/lib/netns.sh"
. "$(dirname "$0")/lib/cut.sh"
BACKEND=${AB_BACKEND:-iptables}
PORT=25
BOUND=5 # seconds everything has to happen in

ns="ab-cut-$$"
ab_peer "$ns" ab-srv ab-cli "192.0.2.1/24 2001:db8::1/64" \
    "192.0.2.2/24 192.0.2.3/24 192.0.2.4/24 2001:db8::2/64 2001:db8::3/64"
cut_serve

# The host's own early accept of established connections, above alertband's jump.
host_accept() {
    if [ "$BACKEND" = nftables ]; then
        nft add table inet host
        nft add chain inet host input '{ type filter hook input priority filter - 10; policy accept; }'
        nft add rule inet host input ct state established,related accept
    else
        iptables-legacy -w -I INPUT 1 -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT
        ip6tables-legacy -w -I INPUT 1 -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT
        [ "$(iptables-legacy -w -S INPUT | sed -n 2p)" = \
          "-A INPUT -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT" ] ||
            ab_fail "the early accept is not first in INPUT: $(iptables-legacy -w -S INPUT)"
    fi
}

# ---- cut = yes ----
: >"$AB_LOG"
ab_write_config "verify_interval = 0
cut = yes"
ab_start
host_accept
ab_wait_for 10 in_ns ping -q -n -c 1 -W 1 -I 192.0.2.2 192.0.2.1
ab_wait_for 10 in_ns ping -q -n -c 1 -W 1 -I 2001:db8::2 2001:db8::1
[ "$(status .firewall.cut)" = true ] || ab_fail "status: cut is not on"

waiter 192.0.2.2 192.0.2.1
waiter 2001:db8::2 2001:db8::1
holder 192.0.2.3 192.0.2.1
holder 2001:db8::3 2001:db8::1
for c in 192.0.2.2 2001:db8::2 192.0.2.3 2001:db8::3; do
    kill -0 "$SERVER" || ab_fail "the server is gone: $(cat "$AB_TMP/server.err")"
    ab_wait_for 10 is_up "$c"
done
for c in 192.0.2.2 2001:db8::2 192.0.2.3 2001:db8::3; do
    [ "$(server_socks "$c")" -eq 1 ] || ab_fail "the server has no connection from $c: $(ss -tn)"
    [ "$(conntrack_of "$c")" -ge 1 ] || ab_fail "no conntrack entry of $c"
done

t0=$(ab_now_ms)
snort2_line 2001219 "ET SCAN smtp auth brute force" 192.0.2.2 40001 192.0.2.1 "$PORT" >>"$AB_LOG"
suricata_line 2001219 "ET SCAN smtp auth brute force" 2001:db8::2 40002 2001:db8::1 "$PORT" >>"$AB_LOG"
for c in 192.0.2.2 2001:db8::2; do
    ab_wait_for "$BOUND" no_server_sock "$c"
    ab_wait_for "$BOUND" server_saw "$c" aborted
    ab_wait_for "$BOUND" got_outcome "$c" reset
    ab_wait_for "$BOUND" no_conntrack "$c"
done
for c in 192.0.2.2 2001:db8::2; do
    echo "  $c: reset $(( $(sed -n 2p "$AB_TMP/c-$c" | cut -d' ' -f3) - t0 )) ms after the alert's write"
done
ab_kernel_has 192.0.2.2 || [ "$BACKEND" != iptables ] || ab_fail "192.0.2.2 is not banned"
grep -q 'ban addr=192.0.2.2 .* cut_conntrack=[1-9][0-9]* cut_sockets=1$' "$AB_DAEMON_LOG" ||
    ab_fail "the ban line does not count the cut: $(grep 'ban addr=192.0.2.2' "$AB_DAEMON_LOG")"
grep -q 'ban addr=2001:db8::2 .* cut_conntrack=[1-9][0-9]* cut_sockets=1$' "$AB_DAEMON_LOG" ||
    ab_fail "the ban line does not count the cut: $(grep 'ban addr=2001:db8::2' "$AB_DAEMON_LOG")"
# The pings' ICMP entries are cut too.
[ "$(status .firewall.cut_sockets)" -eq 2 ] && [ "$(status .firewall.cut_conntrack)" -ge 2 ] ||
    ab_fail "status: $(abctl status --json | jq -c .firewall)"
abctl status | grep -q '^  cut_sockets: 2$' || ab_fail "status text lacks cut_sockets"

# The innocent clients were not touched and still carry data.
for c in 192.0.2.3 2001:db8::3; do
    [ "$(server_socks "$c")" -eq 1 ] || ab_fail "the server lost the connection of $c"
done
touch "$AB_TMP/go"
for c in 192.0.2.3 2001:db8::3; do ab_wait_for "$BOUND" got_outcome "$c" ok; done
ab_stop

# ---- cut = no ----
rm -f "$AB_TMP/go"
ab_write_config "verify_interval = 0
cut = no"
ab_start
# The restart put alertband's jump first again: the host's accept goes back above it.
[ "$BACKEND" = nftables ] || host_accept
[ "$(status .firewall.cut)" = false ] || ab_fail "status: cut is on with cut = no"
holder 192.0.2.4 192.0.2.1
ab_wait_for 10 is_up 192.0.2.4
snort2_line 2001219 "ET SCAN smtp auth brute force" 192.0.2.4 40003 192.0.2.1 "$PORT" >>"$AB_LOG"
ab_wait_for "$BOUND" grep -q 'ban addr=192.0.2.4 ' "$AB_DAEMON_LOG"
sleep 1
grep 'ban addr=192.0.2.4 ' "$AB_DAEMON_LOG" | grep -q cut_ && ab_fail "cut = no counted a cut"
[ "$(server_socks 192.0.2.4)" -eq 1 ] || ab_fail "cut = no: the server's socket went away"
[ "$(conntrack_of 192.0.2.4)" -ge 1 ] || ab_fail "cut = no: the conntrack entry went away"
[ "$(status .firewall.cut_sockets)" -eq 0 ] || ab_fail "cut = no: status counts sockets"
touch "$AB_TMP/go"
if [ "$BACKEND" = iptables ]; then
    # The early accept lets the banned address's established connection through.
    ab_wait_for "$BOUND" got_outcome 192.0.2.4 ok
else
    # nftables drops in its own base chain whatever the host's chain accepted.
    ab_wait_for "$BOUND" got_outcome 192.0.2.4 timeout
fi
ab_stop
echo "PASS"
