#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# hooks = DOCKER-USER with the nftables backend on a Docker host whose rules are in nftables
# (Docker on iptables-nft, the default of current distributions). Our namespace is the Docker
# host: the rules Docker makes through iptables-nft (its DOCKER-USER and DOCKER chains in
# table ip filter, FORWARD's policy drop, its ESTABLISHED accept and the published port's DNAT
# in table ip nat) forward port 8080 to a container namespace (203.0.113.2:80). An attacker
# namespace holds 198.51.100.2 (banned) and .3 (not).
#   - alertband starts, says that Docker's chain is in nftables and that its forward chain
#     (priority filter - 10) runs before it, and leaves Docker's chains untouched;
#   - after the ban, the banned address reaches the published port neither with a new
#     connection nor through its established one (Docker's ESTABLISHED accept runs after our
#     drop), while the other address still does;
#   - Docker's chains made after alertband's start change nothing: the ban still holds.
set -eu
. "$(dirname "$0")/lib/common.sh"
ab_enter_netns "$@"
. "$(dirname "$0")/lib/daemon.sh"
. "$(dirname "$0")/lib/netns.sh"
PROBE="$AB_SRC/test/integration/lib/tcpprobe.py"
PYTHON=$(command -v /usr/bin/python3 || command -v python3) ||
    ab_fail "python3 is missing (scripts/setup installs it)"
command -v iptables-nft >/dev/null || ab_fail "iptables-nft is missing (scripts/setup installs iptables)"
BOUND=5

atk="ab-dk-atk-$$"
ctr="ab-dk-ctr-$$"
in_atk() { ip netns exec "$atk" "$@"; }
ab_peer "$atk" ab-eth0 ab-atk 198.51.100.1/24 "198.51.100.2/24 198.51.100.3/24" 198.51.100.1
ab_peer "$ctr" ab-docker0 ab-ctr 203.0.113.1/24 203.0.113.2/24 203.0.113.1
sysctl -qw net.ipv4.ip_forward=1

# What dockerd makes through iptables-nft for one container with a published port.
docker_rules() {
    ipt() { iptables-nft -w "$@"; }
    ipt -t nat -N DOCKER
    ipt -t nat -A PREROUTING -d 198.51.100.1 -j DOCKER
    ipt -t nat -A DOCKER ! -i ab-docker0 -p tcp --dport 8080 -j DNAT --to-destination 203.0.113.2:80
    ipt -t nat -A POSTROUTING -s 203.0.113.0/24 ! -o ab-docker0 -j MASQUERADE
    ipt -N DOCKER
    ipt -N DOCKER-USER
    ipt -P FORWARD DROP
    ipt -A FORWARD -j DOCKER-USER
    ipt -A FORWARD -o ab-docker0 -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
    ipt -A FORWARD -o ab-docker0 -j DOCKER
    ipt -A FORWARD -i ab-docker0 ! -o ab-docker0 -j ACCEPT
    ipt -A DOCKER -d 203.0.113.2/32 ! -i ab-docker0 -o ab-docker0 -p tcp --dport 80 -j ACCEPT
    ipt -A DOCKER-USER -j RETURN
}
docker_rules
nft list table ip filter | grep -q 'chain DOCKER-USER' || ab_fail "iptables-nft made no DOCKER-USER chain"
docker_before=$(iptables-nft -w -S)

ip netns exec "$ctr" "$PYTHON" "$PROBE" serve 80 "$AB_TMP/ready" &
ab_on_exit "kill $!"
ab_wait_for 10 test -s "$AB_TMP/ready"

probe() { in_atk "$PYTHON" "$PROBE" probe "$1" 198.51.100.1 8080 1 | cut -d' ' -f1; }
reaches() { [ "$(probe "$1")" = ok ]; }
blocked() { [ "$(probe "$1")" = timeout ]; }
reaches 198.51.100.2 || ab_fail "198.51.100.2 does not reach the published port before the ban"
reaches 198.51.100.3 || ab_fail "198.51.100.3 does not reach the published port"

: >"$AB_LOG"
AB_BACKEND=nftables ab_write_config "hooks = DOCKER-USER
verify_interval = 0
cut = no"
ab_start
grep -q "hook DOCKER-USER: Docker's chain DOCKER-USER is in nftables (table ip filter, iptables-nft)" "$AB_DAEMON_LOG" ||
    ab_fail "no word of Docker's chain: $(cat "$AB_DAEMON_LOG")"
nft list chain inet alertban forward | grep -q 'type filter hook forward priority filter - 10' ||
    ab_fail "no forward chain before Docker's: $(nft list table inet alertban)"
[ "$(iptables-nft -w -S)" = "$docker_before" ] || ab_fail "alertband changed Docker's chains"

# An established connection of the attacker through the published port, held open
# (cut = no: what stops it is the drop alone, not a deleted conntrack entry).
ip netns exec "$atk" "$PYTHON" "$PROBE" hold 198.51.100.2 198.51.100.1 8080 "$AB_TMP/go" 3 \
    >"$AB_TMP/held" 2>&1 &
ab_on_exit "kill $! 2>/dev/null"
ab_wait_for 10 grep -qx up "$AB_TMP/held"

abctl ban 198.51.100.2 >/dev/null
ab_wait_for "$BOUND" blocked 198.51.100.2
reaches 198.51.100.3 || ab_fail "the unbanned address lost the published port"
touch "$AB_TMP/go"
ab_wait_for "$BOUND" grep -qE '^(timeout|reset)' "$AB_TMP/held"
[ "$(iptables-nft -w -S)" = "$docker_before" ] || ab_fail "alertband changed Docker's chains"

# dockerd restarted after alertband: its chains are made again; the ban still holds.
iptables-nft -w -F
iptables-nft -w -X
iptables-nft -w -t nat -F
iptables-nft -w -t nat -X
docker_rules
blocked 198.51.100.2 || ab_fail "the ban does not hold once Docker made its chains again"
reaches 198.51.100.3 || ab_fail "the unbanned address lost the published port"
ab_stop

# Without Docker's chain at start, the message says so, and the ban holds all the same.
iptables-nft -w -F
iptables-nft -w -X
nft delete table ip filter
: >"$AB_DAEMON_LOG"
ab_start
grep -q "hook DOCKER-USER: no DOCKER-USER chain in nftables" "$AB_DAEMON_LOG" ||
    ab_fail "no word of the missing chain: $(cat "$AB_DAEMON_LOG")"
ab_stop
echo "PASS"
