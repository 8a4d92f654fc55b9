#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# The daemon with backend = auto: iptables rules while the bans are few; the turn that takes
# them above auto_max_rules moves every ban (with its remaining time, IPv4 and IPv6) into
# the nftables sets and removes the rules; falling to half of auto_max_rules moves them back;
# a start with many stored bans begins on the sets. status shows the choice and its reason.
set -eu
. "$(dirname "$0")/lib/common.sh"
ab_enter_netns "$@"
. "$(dirname "$0")/lib/daemon.sh"
command -v nft >/dev/null 2>&1 || ab_fail "nft is not installed (scripts/setup installs it)"

AB_BACKEND=auto ab_write_config "auto_max_rules = 10

[policy]
ban_time = 1h"

set_members() {
    nft -j list set inet alertban "$1" 2>/dev/null |
        jq -r '.nftables[] | select(.set) | .set.elem // [] | .[] |
               if type == "object" then .elem.val else . end' | sort
}
nft_bans() { { set_members ban4; set_members ban6; } | sort; }
nft_count() { nft_bans | grep -c . || true; }
ipt_count() { ab_kernel_bans | grep -c . || true; }
no_nft_table() { ! nft list table inet alertban >/dev/null 2>&1; }
no_ipt_chain() { ! iptables-legacy -S ALERTBAN >/dev/null 2>&1 && ! ip6tables-legacy -S ALERTBAN >/dev/null 2>&1; }
status() { abctl status --json; }
backend_is() { [ "$(status | jq -r .firewall.backend)" = "$1" ]; }
count_is() { [ "$("$1")" -eq "$2" ]; }

# The bans the daemon lists must be exactly what the kernel holds.
same_as_kernel() { # KERNEL-LISTING-FUNCTION
    "$1" >"$AB_TMP/kernel"
    ab_list_addrs >"$AB_TMP/listed"
    cmp -s "$AB_TMP/kernel" "$AB_TMP/listed" || {
        diff "$AB_TMP/listed" "$AB_TMP/kernel" >&2 || true
        ab_fail "the kernel ($1) and alertban list differ"
    }
}

: >"$AB_LOG"
ab_start
status | jq -e '.firewall.backend == "iptables" and .firewall.configured == "auto" and
                (.firewall.reason | test("0 bans, no more than auto_max_rules = 10"))' \
    >/dev/null || ab_fail "status at start: $(status | jq -c .firewall)"
grep -q 'firewall backend: iptables (auto: 0 bans, no more than auto_max_rules = 10)' \
    "$AB_DAEMON_LOG" || ab_fail "the choice at start is not logged"

# 9 IPv4 and 1 IPv6 from alerts: ten rules, no set.
i=1
while [ "$i" -le 9 ]; do
    snort2_line 2001219 "ET SCAN auto" "203.0.113.$i" 40000 192.0.2.1 22 >>"$AB_LOG"
    i=$((i + 1))
done
suricata_line 2001219 "ET SCAN auto v6" 2001:db8::a 40000 2001:db8::1 22 >>"$AB_LOG"
ab_wait_for 5 count_is ipt_count 10
backend_is iptables || ab_fail "10 bans left iptables"
no_nft_table || ab_fail "an nftables table exists with 10 bans"
same_as_kernel ab_kernel_bans

# The eleventh (in a turn of its own) moves all of them into the sets with their time.
snort2_line 2001219 "ET SCAN auto" 203.0.113.11 40000 192.0.2.1 22 >>"$AB_LOG"
ab_wait_for 5 count_is nft_count 11
ab_wait_for 5 no_ipt_chain
same_as_kernel nft_bans
status | jq -e '.firewall.backend == "nftables" and .firewall.switches == 1 and
                (.firewall.reason | test("11 bans, more than auto_max_rules = 10"))' \
    >/dev/null || ab_fail "status after the move: $(status | jq -c .firewall)"
grep -q 'firewall backend: nftables (auto: 11 bans, more than auto_max_rules = 10): moved 11 bans from iptables' \
    "$AB_DAEMON_LOG" || ab_fail "the move is not logged"
timeout=$(nft -j list set inet alertban ban6 | jq -r '.nftables[] | select(.set) | .set.elem[] |
          select(type == "object" and .elem.val == "2001:db8::a") | .elem.timeout')
[ "$timeout" -ge 3580 ] && [ "$timeout" -le 3600 ] || ab_fail "moved ban's timeout is '$timeout'"

# A manual permanent ban goes into the set directly.
abctl ban 198.51.100.9 --permanent >/dev/null || ab_fail "manual ban refused"
ab_wait_for 5 count_is nft_count 12

# Down to 6 (above 10 / 2): the sets stay.
for a in 203.0.113.1 203.0.113.2 203.0.113.3 203.0.113.4 203.0.113.5 203.0.113.6; do
    abctl unban "$a" >/dev/null || ab_fail "unban $a"
done
ab_wait_for 5 count_is nft_count 6
backend_is nftables || ab_fail "6 bans left the sets (the limit back is 5)"

# At 5 they move back to rules, the table goes.
abctl unban 203.0.113.7 >/dev/null || ab_fail "unban 203.0.113.7"
ab_wait_for 5 count_is ipt_count 5
ab_wait_for 5 no_nft_table
same_as_kernel ab_kernel_bans
status | jq -e '.firewall.backend == "iptables" and .firewall.switches == 2' >/dev/null ||
    ab_fail "status after moving back: $(status | jq -c .firewall)"

# Up again, then a restart: with 12 bans stored the daemon starts on the sets.
i=20
while [ "$i" -le 26 ]; do
    abctl ban "203.0.113.$i" >/dev/null || ab_fail "ban 203.0.113.$i"
    i=$((i + 1))
done
ab_wait_for 5 count_is nft_count 12
ab_wait_for 5 no_ipt_chain
ab_stop
: >"$AB_DAEMON_LOG"
ab_start
grep -q 'firewall backend: nftables (auto: 12 bans, more than auto_max_rules = 10)' \
    "$AB_DAEMON_LOG" || ab_fail "the choice at restart is not logged"
count_is nft_count 12 || ab_fail "restart changed the sets: $(nft_count) members"
no_ipt_chain || ab_fail "restart on the sets made iptables rules"
status | jq -e '.firewall.backend == "nftables" and .firewall.switches == 0' >/dev/null ||
    ab_fail "status after restart: $(status | jq -c .firewall)"
same_as_kernel nft_bans
ab_stop

# --flush removes whatever either backend holds.
"$ALERTBAND" -c "$AB_CONF" --flush >>"$AB_DAEMON_LOG" 2>&1 || ab_fail "--flush failed"
no_nft_table || ab_fail "--flush left the nftables table"
no_ipt_chain || ab_fail "--flush left an iptables chain"
echo "PASS"
