#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# The daemon keeps its jump first in every hooked chain: with hooks INPUT and PREROUTING (raw)
# and each backend that jumps from iptables chains (iptables, ipset, auto), a rule another tool
# inserts above the jump (an ESTABLISHED accept in INPUT, an accept in raw PREROUTING) is
# undone by the periodic check within verify_interval: the jump is first again and a warning
# names the chain. DOCKER-USER missing at start is warned about and hooked once Docker's
# chain exists, and kept first there too. nftables: its prerouting (priority raw) and forward
# (DOCKER-USER) chains, and a deleted one comes back.
set -eu
. "$(dirname "$0")/lib/common.sh"
ab_enter_netns "$@"
. "$(dirname "$0")/lib/daemon.sh"

config() { # BACKEND HOOKS
    AB_BACKEND=$1 ab_write_config "hooks = $2
verify_interval = 1s

[policy]
ban_time = 1h"
}
repairs() { abctl status --json | jq -r .firewall.verify_repairs; }
repairs_at_least() { [ "$(repairs)" -ge "$1" ]; }
# first_is TOOL TABLE CHAIN PATTERN: the chain's first rule matches PATTERN (grep -x).
first_is() { "$1" -t "$2" -S "$3" | sed -n 2p | grep -qx -- "$4"; }
logged() { grep -q -- "$1" "$AB_DAEMON_LOG"; }

start() { # BACKEND HOOKS
    config "$1" "$2"
    rm -rf "$AB_TMP/state"
    : >"$AB_DAEMON_LOG"
    ab_start
    abctl ban 203.0.113.5 >/dev/null || ab_fail "ban refused"
    abctl ban 2001:db8::5 >/dev/null || ab_fail "ban refused"
}
stop() {
    ab_stop
    "$ALERTBAND" -c "$AB_CONF" --flush >>"$AB_DAEMON_LOG" 2>&1 || ab_fail "--flush failed"
}

for backend in iptables ipset auto; do
    echo "== $backend: hooks INPUT and PREROUTING, jumps kept first"
    start "$backend" "INPUT PREROUTING"
    if [ "$backend" = ipset ]; then
        jump4='-A INPUT -m set --match-set ALERTBAN4 src -j DROP'
        raw4='-A PREROUTING -m set --match-set ALERTBAN4 src -j DROP'
        raw6='-A PREROUTING -m set --match-set ALERTBAN6 src -j DROP'
    else
        jump4='-A INPUT -j ALERTBAN'
        raw4='-A PREROUTING -j ALERTBAN'
        raw6=$raw4
    fi
    ab_wait_for 5 first_is iptables-legacy filter INPUT "$jump4"
    ab_wait_for 5 first_is iptables-legacy raw PREROUTING "$raw4"
    ab_wait_for 5 first_is ip6tables-legacy raw PREROUTING "$raw6"
    # ufw, firewalld and Docker put their rules at the top.
    iptables-legacy -w -I INPUT 1 -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT
    iptables-legacy -w -t raw -I PREROUTING 1 -s 192.0.2.99 -j ACCEPT
    ab_wait_for 5 first_is iptables-legacy filter INPUT "$jump4"
    ab_wait_for 5 first_is iptables-legacy raw PREROUTING "$raw4"
    # The other rules stay, below ours.
    iptables-legacy -S INPUT | sed -n 3p | grep -q -- '--ctstate RELATED,ESTABLISHED -j ACCEPT' ||
        ab_fail "the other tool's rule is gone: $(iptables-legacy -S INPUT)"
    iptables-legacy -t raw -S PREROUTING | sed -n 3p | grep -q -- '-s 192.0.2.99/32 -j ACCEPT' ||
        ab_fail "the other tool's raw rule is gone"
    ab_wait_for 5 logged "our jump in INPUT (IPv4 filter) was at position 2, below a rule another tool inserted above it; moved back to the top"
    ab_wait_for 5 logged "our jump in PREROUTING (IPv4 raw) was at position 2"
    ab_wait_for 5 repairs_at_least 1
    grep -q "restored them: .*hooks_fixed=[1-9]" "$AB_DAEMON_LOG" || ab_fail "no repair logged"
    stop
    if iptables-legacy -t raw -S | grep -q ALERTBAN; then ab_fail "--flush left raw rules"; fi
    iptables-legacy -w -D INPUT -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT
    iptables-legacy -w -t raw -D PREROUTING -s 192.0.2.99 -j ACCEPT
done

echo "== iptables: DOCKER-USER missing at start, hooked once Docker makes it, kept first"
start iptables "INPUT DOCKER-USER"
ab_wait_for 5 logged "hook chain DOCKER-USER does not exist in the legacy IPv4 filter table"
# What Docker does at its start.
for t in iptables-legacy ip6tables-legacy; do
    $t -w -N DOCKER-USER
    $t -w -I FORWARD 1 -j DOCKER-USER
done
ab_wait_for 5 first_is iptables-legacy filter DOCKER-USER '-A DOCKER-USER -j ALERTBAN'
ab_wait_for 5 first_is ip6tables-legacy filter DOCKER-USER '-A DOCKER-USER -j ALERTBAN'
ab_wait_for 5 logged "every hook chain exists now"
iptables-legacy -w -I DOCKER-USER 1 -m conntrack --ctstate ESTABLISHED,RELATED -j RETURN
ab_wait_for 5 first_is iptables-legacy filter DOCKER-USER '-A DOCKER-USER -j ALERTBAN'
ab_wait_for 5 logged "our jump in DOCKER-USER (IPv4 filter) was at position 2"
stop
[ -z "$(iptables-legacy -S DOCKER-USER | grep ALERTBAN)" ] || ab_fail "--flush left the DOCKER-USER jump"

echo "== nftables: hooks PREROUTING and DOCKER-USER"
start nftables "PREROUTING DOCKER-USER"
ab_wait_for 5 nft list chain inet alertban prerouting
nft list chain inet alertban prerouting | grep -q 'type filter hook prerouting priority raw' ||
    ab_fail "prerouting chain not at priority raw"
nft list chain inet alertban forward | grep -Eq 'ip saddr @ban4 counter packets [0-9]+ bytes [0-9]+ goto verdict' ||
    ab_fail "DOCKER-USER did not make the forward chain"
if nft list chain inet alertban input >/dev/null 2>&1; then ab_fail "an input chain without INPUT"; fi
nft delete chain inet alertban prerouting
ab_wait_for 5 nft list chain inet alertban prerouting
ab_wait_for 5 repairs_at_least 1
stop
echo "PASS"
