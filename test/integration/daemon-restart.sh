#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Restarts: with on_exit = keep the rules stay in the kernel while alertband is stopped; bans
# that end while it is down are gone from kernel and store at the next start, the others keep
# their original expiry. With on_exit = flush a stop removes everything from the kernel (the
# store keeps the bans, reinstalled at the next start); `alertband --flush` removes everything.
set -eu
. "$(dirname "$0")/lib/common.sh"
ab_enter_netns "$@"
. "$(dirname "$0")/lib/daemon.sh"

POLICY='
[policy]
ban_time = 1h
max_bans_per_minute = 0

[rule 1:9000001]
ban_time = 8s'
ab_write_config "$POLICY"
: >"$AB_LOG"
ab_start

echo "== bans: two long (policy, manual), three short (policy, manual, IPv6 manual), one permanent"
# The short bans last 8-9 s: long enough to outlive the checks before the stop on a slow
# (sanitizer) build, and all ended by the restart, which waits until 10 s after they began.
t_short=$(ab_now_ms)
snort2_line 2001219 "ET SCAN long" 203.0.113.1 40001 192.0.2.1 22 >>"$AB_LOG"
snort2_line 9000001 "short rule" 203.0.113.2 40002 192.0.2.1 22 >>"$AB_LOG"
abctl ban 198.51.100.3 --for 1h >/dev/null
abctl ban 198.51.100.4 --for 8s >/dev/null
abctl ban 2001:db8::5 --for 9s >/dev/null
abctl ban 198.51.100.0/30 --permanent >/dev/null
for a in 203.0.113.1 203.0.113.2 198.51.100.3 198.51.100.4 2001:db8::5 198.51.100.0/30; do
    ab_wait_for 5 ab_kernel_has "$a"
done
abctl list --json >"$AB_TMP/before.json"

echo "== stop with on_exit = keep: the rules stay while alertband is down"
ab_stop
grep -q 'alertband stopped: on_exit=keep, 6 bans stay in force' "$AB_DAEMON_LOG" ||
    ab_fail "no stop line"
[ "$(ab_kernel_bans | wc -l)" -eq 6 ] || ab_fail "rules changed on stop: $(ab_kernel_bans)"
# The CLI reads the store while the daemon is down.
abctl list >"$AB_TMP/offline" 2>"$AB_TMP/offline.err"
grep -q "not running" "$AB_TMP/offline.err" || ab_fail "list does not say the daemon is down"
[ "$(grep -c '^[0-9]' "$AB_TMP/offline")" -eq 6 ] || ab_fail "offline list: $(cat "$AB_TMP/offline")"
abctl show 203.0.113.1 2>/dev/null | grep -q 'ET SCAN long' || ab_fail "offline show"

echo "== wait past the short expiries, start again"
while [ "$(ab_now_ms)" -lt $((t_short + 10000)) ]; do sleep 0.2; done
[ "$(ab_kernel_bans | wc -l)" -eq 6 ] || ab_fail "the kernel changed while stopped"
t0=$(ab_now_ms)
ab_start
t1=$(ab_now_ms)
echo "restart with 6 stored bans (3 expired): $((t1 - t0)) ms until the socket answered"
grep -q 'started: .* bans_restored=3 bans_removed=3' "$AB_DAEMON_LOG" ||
    { tail -5 "$AB_DAEMON_LOG"; ab_fail "start line"; }
for a in 203.0.113.2 198.51.100.4 2001:db8::5; do
    grep -q "unban addr=$a .*reason=expired-while-down" "$AB_DAEMON_LOG" ||
        ab_fail "no unban line for $a"
done
cat >"$AB_TMP/want" <<'W'
198.51.100.0/30
198.51.100.3
203.0.113.1
W
ab_kernel_bans >"$AB_TMP/got"
diff -u "$AB_TMP/want" "$AB_TMP/got" || ab_fail "kernel after restart"
ab_list_addrs >"$AB_TMP/got"
diff -u "$AB_TMP/want" "$AB_TMP/got" || ab_fail "store after restart"
abctl list --json >"$AB_TMP/after.json"
for a in 203.0.113.1 198.51.100.3 198.51.100.0/30; do
    before=$(jq -c --arg a "$a" '.bans[] | select(.addr == $a) | [.expires, .created, .violations]' "$AB_TMP/before.json")
    after=$(jq -c --arg a "$a" '.bans[] | select(.addr == $a) | [.expires, .created, .violations]' "$AB_TMP/after.json")
    [ -n "$before" ] && [ "$before" = "$after" ] || ab_fail "$a changed over the restart: $before -> $after"
done

echo "== on_exit = flush: a stop removes every rule, the jump and the chain"
AB_ON_EXIT=flush ab_write_config "$POLICY"
abctl reload >/dev/null
ab_stop
grep -q 'alertband stopped: on_exit=flush' "$AB_DAEMON_LOG" || ab_fail "no flush stop line"
iptables-legacy -S ALERTBAN >/dev/null 2>&1 && ab_fail "IPv4 chain left after on_exit = flush"
ip6tables-legacy -S ALERTBAN >/dev/null 2>&1 && ab_fail "IPv6 chain left after on_exit = flush"
iptables-legacy -S INPUT | grep -q ALERTBAN && ab_fail "IPv4 jump left"
ip6tables-legacy -S INPUT | grep -q ALERTBAN && ab_fail "IPv6 jump left"
[ "$(abctl list 2>/dev/null | grep -c '^[0-9]')" -eq 3 ] || ab_fail "the store lost bans on flush"

echo "== the next start puts the stored bans back"
AB_ON_EXIT=keep ab_write_config "$POLICY"
ab_start
ab_kernel_bans >"$AB_TMP/got"
diff -u "$AB_TMP/want" "$AB_TMP/got" || ab_fail "kernel after a start following a flush"
ab_stop

echo "== alertband --flush removes everything alertband owns"
"$ALERTBAND" -c "$AB_CONF" --flush >>"$AB_DAEMON_LOG" 2>&1 || ab_fail "--flush failed"
iptables-legacy -S ALERTBAN >/dev/null 2>&1 && ab_fail "IPv4 chain left after --flush"
ip6tables-legacy -S ALERTBAN >/dev/null 2>&1 && ab_fail "IPv6 chain left after --flush"
iptables-legacy -S INPUT | grep -q ALERTBAN && ab_fail "IPv4 jump left after --flush"
"$ALERTBAND" -c "$AB_CONF" --flush >>"$AB_DAEMON_LOG" 2>&1 || ab_fail "a second --flush failed"
echo "PASS"
