#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# The daemon with backend = nftables: bans land in the timeout sets with their remaining time,
# a short ban ends in the kernel while the daemon is stopped, status names the backend, a
# switch of backend in either direction moves every ban and removes the old backend's rules,
# and --flush removes both.
set -eu
. "$(dirname "$0")/lib/common.sh"
ab_enter_netns "$@"
. "$(dirname "$0")/lib/daemon.sh"
command -v nft >/dev/null 2>&1 || ab_fail "nft is not installed (scripts/setup installs it)"

config() {
    AB_BACKEND=$1 ab_write_config "
[policy]
ban_time = 1h

[rule 1:9000002]
ban_time = 3s"
}

# The members of a set, one per line (timeouts left out).
set_members() {
    nft -j list set inet alertban "$1" 2>/dev/null |
        jq -r '.nftables[] | select(.set) | .set.elem // [] | .[] |
               if type == "object" then .elem.val else . end' | sort
}
in_set() { set_members "$1" | grep -qx -- "$2"; }
not_in_set() { ! in_set "$1" "$2"; }
no_nft_table() { ! nft list table inet alertban >/dev/null 2>&1; }
no_ipt_chain() { ! iptables-legacy -S ALERTBAN >/dev/null 2>&1 && ! ip6tables-legacy -S ALERTBAN >/dev/null 2>&1; }

config nftables
: >"$AB_LOG"
ab_start
jq -e '.firewall.backend == "nftables"' <<EOJ >/dev/null || ab_fail "status does not name nftables"
$(abctl status --json)
EOJ
snort2_line 2001219 "ET SCAN nft v4" 203.0.113.11 40001 192.0.2.1 22 >>"$AB_LOG"
suricata_line 2001219 "ET SCAN nft v6" 2001:db8::11 40002 2001:db8::1 22 >>"$AB_LOG"
snort2_line 9000002 "short rule" 203.0.113.12 40003 192.0.2.1 22 >>"$AB_LOG"
ab_wait_for 5 in_set ban4 203.0.113.11
ab_wait_for 5 in_set ban6 2001:db8::11
ab_wait_for 5 in_set ban4 203.0.113.12
no_ipt_chain || ab_fail "the nftables backend created an iptables chain"
# The element carries the ban's remaining time (1 h, give or take the seconds passed).
timeout=$(nft -j list set inet alertban ban4 | jq -r '.nftables[] | select(.set) | .set.elem[] |
          select(type == "object" and .elem.val == "203.0.113.11") | .elem.timeout')
[ "$timeout" -ge 3590 ] && [ "$timeout" -le 3600 ] || ab_fail "timeout of 203.0.113.11 is '$timeout'"

# Stopped (on_exit = keep): the kernel ends the 3 s ban on its own, the others stay.
ab_stop
ab_wait_for 6 not_in_set ban4 203.0.113.12
in_set ban4 203.0.113.11 || ab_fail "a 1 h ban left the set while the daemon was stopped"

# Switch to iptables: every active ban moves, the nftables table goes.
config iptables
ab_start
ab_wait_for 5 ab_kernel_has 203.0.113.11
ab_wait_for 5 ab_kernel_has 2001:db8::11
ab_kernel_lacks 203.0.113.12 || ab_fail "an expired ban came back"
ab_wait_for 5 no_nft_table
ab_stop

# And back to nftables.
config nftables
ab_start
ab_wait_for 5 in_set ban4 203.0.113.11
ab_wait_for 5 in_set ban6 2001:db8::11
ab_wait_for 5 no_ipt_chain
ab_stop

"$ALERTBAND" -c "$AB_CONF" --flush >>"$AB_DAEMON_LOG" 2>&1 || ab_fail "--flush failed"
no_nft_table || ab_fail "--flush left the nftables table"
no_ipt_chain || ab_fail "--flush left an iptables chain"
echo "PASS"
