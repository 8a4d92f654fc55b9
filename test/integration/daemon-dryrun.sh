#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# dry_run = yes: verdicts are decided, logged and stored (alertban list shows what would be
# banned, expiry still runs), but the kernel is never touched: no chain, no jump, no rule.
# The dry run's state is its own: a real ban made before stays enforced afterwards, and
# turning dry_run off enforces none of the dry run's bans.
set -eu
. "$(dirname "$0")/lib/common.sh"
ab_enter_netns "$@"
. "$(dirname "$0")/lib/daemon.sh"

POLICY='
[policy]
ban_time = 1h

[rule 1:9000001]
ban_time = 2s'

# A real run first: one ban, kept in the kernel at stop (on_exit = keep).
ab_write_config "$POLICY"
: >"$AB_LOG"
ab_start
abctl ban 198.51.100.77 >/dev/null || ab_fail "real ban refused"
ab_wait_for 5 ab_kernel_has 198.51.100.77
ab_stop
iptables-legacy -F ALERTBAN # so that what follows shows only what each run itself does
iptables-legacy -D INPUT -j ALERTBAN
iptables-legacy -X ALERTBAN
ip6tables-legacy -D INPUT -j ALERTBAN
ip6tables-legacy -X ALERTBAN
[ -f "$AB_TMP/state/alertban.db" ] || ab_fail "no real state file"

AB_DAEMON_EXTRA="dry_run = yes" ab_write_config "$POLICY"
ab_start
grep -q 'dry_run: verdicts are logged and stored, the firewall is not changed' "$AB_DAEMON_LOG" ||
    ab_fail "no dry-run notice"
snort2_line 2001219 "ET SCAN dry" 203.0.113.1 40001 192.0.2.1 22 >>"$AB_LOG"
snort2_line 9000001 "short rule" 203.0.113.2 40002 192.0.2.1 22 >>"$AB_LOG"
listed() { ab_list_addrs | grep -qx "$1"; }
ab_wait_for 5 listed 203.0.113.1
ab_wait_for 5 listed 203.0.113.2
abctl ban 203.0.113.9 >/dev/null || ab_fail "manual ban refused in the dry run"
ab_wait_for 5 listed 203.0.113.9
grep -q 'ban addr=203.0.113.1 rule=1:2001219:1 ' "$AB_DAEMON_LOG" || ab_fail "no ban line"
jq -e '.dry_run == true and .firewall.backend != "iptables"' <<EOJ >/dev/null || ab_fail "status"
$(abctl status --json)
EOJ
# Every view says the dry run's bans are not enforced (issue 15).
abctl list | grep -q '^not enforced (dry run)' || ab_fail "list does not say: not enforced"
abctl list --json | jq -e '.dry_run == true' >/dev/null || ab_fail "list --json has no dry_run"
abctl show 203.0.113.9 | grep -q '^state .*banned (manual).*, not enforced (dry run)$' ||
    ab_fail "show does not say: not enforced"
abctl status | grep -q 'enforcement: *not enforced (dry run)' || ab_fail "status does not say: not enforced"
unlisted() { ! listed "$1"; }
ab_wait_for 10 unlisted 203.0.113.2
iptables-legacy -S ALERTBAN >/dev/null 2>&1 && ab_fail "dry run created the IPv4 chain"
ip6tables-legacy -S ALERTBAN >/dev/null 2>&1 && ab_fail "dry run created the IPv6 chain"
[ -z "$(iptables-legacy -S INPUT | grep ALERTBAN)" ] || ab_fail "dry run added a jump"
ab_stop
grep 'alertband stopped' "$AB_DAEMON_LOG" | tail -1 |
    grep -q 'alertband stopped: dry_run, [0-9]* bans recorded, not enforced' ||
    ab_fail "the stop line does not say the dry run's bans are not enforced"
[ -f "$AB_TMP/state/dry-run.db" ] || ab_fail "no dry-run state file"
abctl list 2>/dev/null | grep -q '^not enforced (dry run)' ||
    ab_fail "offline list under dry_run does not say: not enforced"
# Stopped, the CLI reads the dry run's state under the dry-run configuration.
ab_list_addrs | grep -qx 203.0.113.1 || ab_fail "offline list under dry_run misses 203.0.113.1"
ab_list_addrs | grep -qx 198.51.100.77 && ab_fail "offline list under dry_run shows the real ban"

# dry_run off: the real ban comes back and the dry run's manual ban does not. The alerts
# written during the dry run are read by the real state as alerts written while it was down
# (it has a checkpoint before them), so 203.0.113.1 is banned now, by the real daemon.
ab_write_config "$POLICY"
ab_start
ab_wait_for 5 ab_kernel_has 198.51.100.77
ab_wait_for 5 ab_kernel_has 203.0.113.1
ab_kernel_lacks 203.0.113.9 || ab_fail "the dry run's manual ban was enforced"
ab_list_addrs | grep -qx 203.0.113.9 && ab_fail "the dry run's manual ban is in the real state"
ab_stop
echo "PASS"
