#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# The daemon's periodic check of the kernel (verify_interval): with each backend, what someone
# else does to alertband's objects (a flushed chain, a deleted jump, a member deleted or
# added by hand, a deleted table) is repaired within the interval, logged as a warning and
# counted in status; an untouched kernel is left alone (no repair counted).
set -eu
. "$(dirname "$0")/lib/common.sh"
ab_enter_netns "$@"
. "$(dirname "$0")/lib/daemon.sh"

config() { # BACKEND
    AB_BACKEND=$1 ab_write_config "verify_interval = 1s

[policy]
ban_time = 1h"
}
status() { abctl status --json; }
repairs() { status | jq -r .firewall.verify_repairs; }
verifies() { status | jq -r .firewall.verifies; }
repairs_at_least() { [ "$(repairs)" -ge "$1" ]; }
verifies_at_least() { [ "$(verifies)" -ge "$1" ]; }
nft_has() { nft list set inet alertban "$1" 2>/dev/null | grep -qw -- "$2"; }
nft_lacks() { ! nft_has "$@"; }
ipset_has() { ipset list "$1" 2>/dev/null | grep -q "^$2 "; }
ipset_lacks() { ! ipset_has "$@"; }
jump_present() { iptables-legacy -S INPUT | grep -q -- "$1"; }

start_with_bans() { # BACKEND
    config "$1"
    rm -rf "$AB_TMP/state"
    : >"$AB_DAEMON_LOG"
    ab_start
    abctl ban 203.0.113.5 >/dev/null || ab_fail "ban refused"
    abctl ban 2001:db8::5 >/dev/null || ab_fail "ban refused"
}

echo "== iptables"
start_with_bans iptables
ab_wait_for 5 ab_kernel_has 203.0.113.5
# Untouched: checks run and repair nothing.
ab_wait_for 5 verifies_at_least 2
[ "$(repairs)" -eq 0 ] || ab_fail "an untouched kernel was repaired"
iptables-legacy -F ALERTBAN
ip6tables-legacy -F ALERTBAN
ab_wait_for 5 ab_kernel_has 203.0.113.5
ab_wait_for 5 ab_kernel_has 2001:db8::5
ab_wait_for 5 repairs_at_least 1
grep -q "firewall: the iptables backend's entries were changed outside alertband; restored them: added=2" \
    "$AB_DAEMON_LOG" || ab_fail "the repair is not logged"
# A firewall manager restoring its ruleset drops the jump from INPUT.
iptables-legacy -D INPUT -j ALERTBAN
ab_wait_for 5 jump_present "-j ALERTBAN"
# A stray rule added by hand goes.
iptables-legacy -A ALERTBAN -s 198.51.100.66/32 -j DROP
ab_wait_for 5 ab_kernel_lacks 198.51.100.66
# Another program holding the xtables lock at the check delays the repair, and the repair is
# still the check's own: warned about and counted once the lock is free.
# The lock is let go when the case says so (8 s at most, within the daemon's lock_timeout):
# one freed on a timer could be free again by the time a slow machine looks at the kernel.
before=$(repairs)
flock -o "$XTABLES_LOCKFILE" sh -c 'i=0; while [ ! -e "$1" ] && [ "$i" -lt 800 ]; do
    sleep 0.01; i=$((i + 1)); done' sh "$AB_TMP/release" &
locker=$!
ab_on_exit "kill $locker"
held() { ! flock -n "$XTABLES_LOCKFILE" true; }
ab_wait_for 5 held
# The flush itself passes the lock by (a lock file of its own).
XTABLES_LOCKFILE="$AB_TMP/elsewhere.lock" iptables-legacy -F ALERTBAN
sleep 1.2 # longer than verify_interval: a check comes round and meets the lock
(XTABLES_LOCKFILE="$AB_TMP/elsewhere.lock" && ab_kernel_lacks 203.0.113.5) ||
    ab_fail "repaired while the lock was held"
held || ab_fail "the lock was let go before the case looked"
touch "$AB_TMP/release"
wait "$locker"
ab_wait_for 5 ab_kernel_has 203.0.113.5
ab_wait_for 5 repairs_at_least $((before + 1))
ab_stop
"$ALERTBAND" -c "$AB_CONF" --flush >>"$AB_DAEMON_LOG" 2>&1 || ab_fail "--flush failed"

echo "== nftables"
start_with_bans nftables
ab_wait_for 5 nft_has ban4 203.0.113.5
nft delete element inet alertban ban4 '{ 203.0.113.5 }'
nft add element inet alertban ban4 '{ 198.51.100.66 }'
ab_wait_for 5 nft_has ban4 203.0.113.5
ab_wait_for 5 nft_lacks ban4 198.51.100.66
# The whole table deleted: sets, chains and bans come back.
nft delete table inet alertban
ab_wait_for 5 nft_has ban6 2001:db8::5
ab_wait_for 5 nft_has ban4 203.0.113.5
ab_wait_for 5 repairs_at_least 2
ab_stop
"$ALERTBAND" -c "$AB_CONF" --flush >>"$AB_DAEMON_LOG" 2>&1 || ab_fail "--flush failed"

echo "== ipset"
start_with_bans ipset
ab_wait_for 5 ipset_has ALERTBAN4 203.0.113.5
ipset del ALERTBAN4 203.0.113.5
ab_wait_for 5 ipset_has ALERTBAN4 203.0.113.5
# A member's timeout set by hand is set again, and is not counted as a repair (a slow batch
# drifts the same way).
before=$(repairs)
checked=$(verifies)
ipset add ALERTBAN4 203.0.113.5 timeout 10 -exist
ab_wait_for 5 verifies_at_least $((checked + 2))
left=$(ipset list ALERTBAN4 | sed -n 's/^203\.0\.113\.5 timeout \([0-9]*\).*/\1/p')
[ "${left:-0}" -gt 3000 ] || ab_fail "the member's timeout was not set again: ${left:-none}"
[ "$(repairs)" -eq "$before" ] || ab_fail "a timeout set again was counted as a repair"
iptables-legacy -D INPUT -m set --match-set ALERTBAN4 src -j DROP
ab_wait_for 5 jump_present "--match-set ALERTBAN4 src"
ab_wait_for 5 repairs_at_least 2
ab_stop
"$ALERTBAND" -c "$AB_CONF" --flush >>"$AB_DAEMON_LOG" 2>&1 || ab_fail "--flush failed"

echo "== verify_interval = 0: nothing checks"
AB_BACKEND=iptables ab_write_config "verify_interval = 0"
rm -rf "$AB_TMP/state"
ab_start
abctl ban 203.0.113.7 >/dev/null
ab_wait_for 5 ab_kernel_has 203.0.113.7
iptables-legacy -F ALERTBAN
sleep 2.5
ab_kernel_lacks 203.0.113.7 || ab_fail "verify_interval = 0 still checked"
[ "$(verifies)" -eq 0 ] || ab_fail "verifies counted with verify_interval = 0"
ab_stop
echo "PASS"
