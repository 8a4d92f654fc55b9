#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Reload tells the truth (issue 15): `alertban reload` lists what is in force and what waits
# for a restart ([firewall] action), in text and --json; and whitelisting an address the
# policy has banned lifts the ban at the reload, with an unban line reason=whitelisted.
# With the daemon down, unban lifts a stored ban from the store and the kernel (see
# daemon-unban-offline for traffic and every backend) and refuses an address with no ban.
set -eu
. "$(dirname "$0")/lib/common.sh"
ab_enter_netns "$@"
. "$(dirname "$0")/lib/daemon.sh"

RULE='
[rule 1:9000001]
threshold = 1/60s
ban_time = 1h'
ab_write_config "$RULE"
: >"$AB_LOG"
ab_start
snort2_line 9000001 "reload me" 203.0.113.30 40001 192.0.2.1 22 >>"$AB_LOG"
snort2_line 9000001 "reload me" 203.0.113.31 40001 192.0.2.1 22 >>"$AB_LOG"
ab_wait_for 5 ab_kernel_has 203.0.113.30
ab_wait_for 5 ab_kernel_has 203.0.113.31

echo "== unchanged: reload says so"
abctl reload >"$AB_TMP/out" || ab_fail "reload failed"
grep -qx "configuration reloaded: the same as at start" "$AB_TMP/out" ||
    { cat "$AB_TMP/out"; ab_fail "reload of an unchanged file"; }

echo "== a new action waits for a restart; ban_time and the whitelist are in force"
ab_write_config "action = reject
$RULE

[policy]
ban_time = 2h

[whitelist]
address = 203.0.113.30"
abctl reload --json >"$AB_TMP/json" || ab_fail "reload --json failed"
jq -e '.reloaded == true
       and (.restart_required | index("firewall.action")) != null
       and (.applied | index("policy.ban_time")) != null
       and (.applied | index("whitelist.address")) != null
       and (.applied | index("firewall.action")) == null' "$AB_TMP/json" >/dev/null ||
    { cat "$AB_TMP/json"; ab_fail "reload --json lists"; }
abctl reload >"$AB_TMP/out" || ab_fail "reload failed"
grep -q '^changed, waits for a restart of alertband: firewall.action$' "$AB_TMP/out" ||
    { cat "$AB_TMP/out"; ab_fail "reload text: restart list"; }
grep -q '^changed since start, in force: .*policy.ban_time' "$AB_TMP/out" ||
    { cat "$AB_TMP/out"; ab_fail "reload text: applied list"; }

echo "== the whitelisted address was unbanned at the reload"
ab_wait_for 5 ab_kernel_lacks 203.0.113.30
ab_kernel_has 203.0.113.31 || ab_fail "a ban the whitelist does not cover was lifted"
ab_list_addrs | grep -qx 203.0.113.30 && ab_fail "203.0.113.30 is still listed"
grep -q 'unban addr=203.0.113.30 .*reason=whitelisted' "$AB_DAEMON_LOG" ||
    ab_fail "no unban line with reason=whitelisted"
ab_stop

echo "== unban while the daemon is down lifts the stored ban"
rc=0
abctl unban 203.0.113.31 >/dev/null 2>"$AB_TMP/err" || rc=$?
[ "$rc" -eq 0 ] || { cat "$AB_TMP/err"; ab_fail "offline unban of a stored ban: exit $rc, want 0"; }
grep -q "removed 1 stored ban from" "$AB_TMP/err" &&
    grep -q 'removed at once from the kernel: iptables' "$AB_TMP/err" ||
    { cat "$AB_TMP/err"; ab_fail "offline unban message"; }
ab_kernel_lacks 203.0.113.31 || ab_fail "the offline unban left 203.0.113.31 in the kernel"
ab_list_addrs | grep -qx 203.0.113.31 && ab_fail "the offline unban left 203.0.113.31 stored"
rc=0
abctl unban 203.0.113.77 >/dev/null 2>"$AB_TMP/err" || rc=$?
[ "$rc" -eq 1 ] || ab_fail "offline unban of an address with no ban: exit $rc, want 1"
grep -q "203.0.113.77 has no ban in the stored state" "$AB_TMP/err" ||
    { cat "$AB_TMP/err"; ab_fail "offline unban of an address with no ban: message"; }
echo "PASS"
