#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# The daemon with backend = ipset: bans land in the hash:net sets with their remaining time, a
# short ban ends in the kernel while the daemon is stopped, status names the backend, a switch
# iptables -> ipset -> nftables -> ipset keeps every ban and removes the old backend's
# objects each time, and --flush removes them all.
set -eu
. "$(dirname "$0")/lib/common.sh"
ab_enter_netns "$@"
. "$(dirname "$0")/lib/daemon.sh"
command -v ipset >/dev/null 2>&1 || ab_fail "ipset is not installed (scripts/setup installs it)"
command -v nft >/dev/null 2>&1 || ab_fail "nft is not installed (scripts/setup installs it)"

config() {
    AB_BACKEND=$1 ab_write_config "
[policy]
ban_time = 1h

[rule 1:9000002]
ban_time = 3s"
}

# The members of a set, one per line (timeouts left out).
set_members() { ipset list "$1" 2>/dev/null | awk 'm { print $1 } /^Members:/ { m = 1 }' | sort; }
in_set() { set_members "$1" | grep -qx -- "$2"; }
not_in_set() { ! in_set "$1" "$2"; }
timeout_of() { ipset list "$1" | awk -v a="$2" '$1 == a && $2 == "timeout" { print $3 }'; }
no_sets() { [ -z "$(ipset list -n)" ]; }
no_set_rules() { ! iptables-legacy -S | grep -q match-set && ! ip6tables-legacy -S | grep -q match-set; }
no_ipset() { no_sets && no_set_rules; }
no_nft_table() { ! nft list table inet alertban >/dev/null 2>&1; }
no_ipt_chain() { ! iptables-legacy -S ALERTBAN >/dev/null 2>&1 && ! ip6tables-legacy -S ALERTBAN >/dev/null 2>&1; }
backend_is() {
    jq -e --arg b "$1" '.firewall.backend == $b' <<EOJ >/dev/null
$(abctl status --json)
EOJ
}

# Start with iptables and three bans.
config iptables
: >"$AB_LOG"
ab_start
snort2_line 2001219 "ET SCAN v4" 203.0.113.11 40001 192.0.2.1 22 >>"$AB_LOG"
suricata_line 2001219 "ET SCAN v6" 2001:db8::11 40002 2001:db8::1 22 >>"$AB_LOG"
ab_wait_for 5 ab_kernel_has 203.0.113.11
ab_wait_for 5 ab_kernel_has 2001:db8::11
ab_stop

echo "== iptables -> ipset"
config ipset
ab_start
backend_is ipset || ab_fail "status does not name ipset"
ab_wait_for 5 in_set ALERTBAN4 203.0.113.11
ab_wait_for 5 in_set ALERTBAN6 2001:db8::11
ab_wait_for 5 no_ipt_chain
iptables-legacy -S INPUT | grep -qx -- '-A INPUT -m set --match-set ALERTBAN4 src -j DROP' ||
    ab_fail "no set rule in INPUT: $(iptables-legacy -S INPUT)"
# New bans land with their remaining time.
snort2_line 2001219 "ET SCAN v4 again" 203.0.113.13 40004 192.0.2.1 22 >>"$AB_LOG"
snort2_line 9000002 "short rule" 203.0.113.12 40003 192.0.2.1 22 >>"$AB_LOG"
ab_wait_for 5 in_set ALERTBAN4 203.0.113.13
ab_wait_for 5 in_set ALERTBAN4 203.0.113.12
t=$(timeout_of ALERTBAN4 203.0.113.13)
[ "$t" -ge 3590 ] && [ "$t" -le 3600 ] || ab_fail "timeout of 203.0.113.13 is '$t'"
# The moved bans carry their remaining time too, not a permanent entry.
t=$(timeout_of ALERTBAN4 203.0.113.11)
[ "$t" -ge 3500 ] && [ "$t" -le 3600 ] || ab_fail "timeout of the moved 203.0.113.11 is '$t'"

# Stopped (on_exit = keep): the kernel ends the 3 s ban on its own, the others stay.
ab_stop
ab_wait_for 6 not_in_set ALERTBAN4 203.0.113.12
in_set ALERTBAN4 203.0.113.11 || ab_fail "a 1 h ban left the set while the daemon was stopped"

echo "== ipset -> nftables"
config nftables
ab_start
backend_is nftables || ab_fail "status does not name nftables"
ab_wait_for 5 no_ipset
nft list set inet alertban ban4 | grep -q 203.0.113.11 || ab_fail "203.0.113.11 did not move to nftables"
nft list set inet alertban ban4 | grep -q 203.0.113.13 || ab_fail "203.0.113.13 did not move to nftables"
nft list set inet alertban ban6 | grep -q 2001:db8::11 || ab_fail "2001:db8::11 did not move to nftables"
nft list set inet alertban ban4 | grep -q 203.0.113.12 && ab_fail "an expired ban came back"
ab_stop

echo "== nftables -> ipset"
config ipset
ab_start
ab_wait_for 5 in_set ALERTBAN4 203.0.113.11
ab_wait_for 5 in_set ALERTBAN4 203.0.113.13
ab_wait_for 5 in_set ALERTBAN6 2001:db8::11
ab_wait_for 5 no_nft_table
no_ipt_chain || ab_fail "the ipset backend created an iptables chain"
[ "$(set_members ALERTBAN4 | wc -l)" -eq 2 ] || ab_fail "ALERTBAN4 holds: $(set_members ALERTBAN4)"
# An unban through the CLI leaves the set.
abctl unban 203.0.113.13 >/dev/null
ab_wait_for 5 not_in_set ALERTBAN4 203.0.113.13
ab_stop

"$ALERTBAND" -c "$AB_CONF" --flush >>"$AB_DAEMON_LOG" 2>&1 || ab_fail "--flush failed"
no_ipset || ab_fail "--flush left ipset objects: $(ipset list -n)"
no_nft_table || ab_fail "--flush left the nftables table"
no_ipt_chain || ab_fail "--flush left an iptables chain"
echo "PASS"
