#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# dry_run = yes: verdicts are decided, logged and stored (alertban list shows what would be
# banned, expiry still runs), but the kernel is never touched: no chain, no jump, no rule.
set -eu
. "$(dirname "$0")/lib/common.sh"
ab_enter_netns "$@"
. "$(dirname "$0")/lib/daemon.sh"

AB_DAEMON_EXTRA="dry_run = yes" ab_write_config '
[policy]
ban_time = 1h

[rule 1:9000001]
ban_time = 2s'
: >"$AB_LOG"
ab_start
grep -q 'dry_run: verdicts are logged and stored, the firewall is not changed' "$AB_DAEMON_LOG" ||
    ab_fail "no dry-run notice"
snort2_line 2001219 "ET SCAN dry" 203.0.113.1 40001 192.0.2.1 22 >>"$AB_LOG"
snort2_line 9000001 "short rule" 203.0.113.2 40002 192.0.2.1 22 >>"$AB_LOG"
listed() { ab_list_addrs | grep -qx "$1"; }
ab_wait_for 5 listed 203.0.113.1
ab_wait_for 5 listed 203.0.113.2
grep -q 'ban addr=203.0.113.1 rule=1:2001219:1 ' "$AB_DAEMON_LOG" || ab_fail "no ban line"
jq -e '.dry_run == true and .firewall.backend != "iptables"' <<EOJ >/dev/null || ab_fail "status"
$(abctl status --json)
EOJ
unlisted() { ! listed "$1"; }
ab_wait_for 10 unlisted 203.0.113.2
iptables-legacy -S ALERTBAN >/dev/null 2>&1 && ab_fail "dry run created the IPv4 chain"
ip6tables-legacy -S ALERTBAN >/dev/null 2>&1 && ab_fail "dry run created the IPv6 chain"
[ -z "$(iptables-legacy -S INPUT | grep ALERTBAN)" ] || ab_fail "dry run added a jump"
ab_stop
echo "PASS"
