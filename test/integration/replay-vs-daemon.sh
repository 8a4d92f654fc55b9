#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# One decision path: the same alert file fed to a running alertband (real iptables, in a
# private network namespace) and to `alertban replay --manual-bans --json` gives every address
# the same verdict for every alert (ban, extend, below_threshold, already_banned, refused,
# whitelisted_address), and the same bans at the end. The file holds a BLOCKED DESTINATION
# alert, a [rule] with track = dst, a per-rule threshold, alerts inside a network an operator
# banned (counted into that ban, by both), a whitelisted address, IPv6, and more offenders than
# max_bans leaves room for (refused, by both).
set -eu
. "$(dirname "$0")/lib/common.sh"
ab_enter_netns "$@"
AB_DAEMON_EXTRA='max_bans = 6'
. "$(dirname "$0")/lib/daemon.sh"

ab_write_config '
[policy]
threshold = 2/60s
ban_time = 1h
extend = 5m
max_bans_per_minute = 0

[whitelist]
address = 198.51.100.200

[rule 1:3000001]
track = dst

[rule 1:3000002]
threshold = 1/60s'
: >"$AB_LOG"
ab_start

echo "== an operator bans a network before the alerts come"
abctl ban 203.0.113.0/24 --permanent >/dev/null || ab_fail "manual ban refused"

# Every timestamp is after the manual ban (replay puts the ban in force from its first alert).
sleep 1
n=0
# alert SID MSG SRC SPORT DST DPORT
alert() {
    snort2_line "$@" >>"$AB_TMP/alerts"
    n=$((n + 1))
}
: >"$AB_TMP/alerts"
alert 2001219 "ET SCAN inside the banned network" 203.0.113.50 40001 192.0.2.1 22
alert 2001219 "ET SCAN inside the banned network" 203.0.113.50 40002 192.0.2.1 22
alert 2001219 "ET SCAN once" 198.51.100.10 40003 192.0.2.1 22
alert 2001219 "ET SCAN thrice" 198.51.100.11 40004 192.0.2.1 22
alert 2001219 "ET SCAN thrice" 198.51.100.11 40005 192.0.2.1 22
alert 2001219 "ET SCAN thrice" 198.51.100.11 40006 192.0.2.1 22
alert 1000010 "SMTP AUTH 535 Authentication failed BLOCKED DESTINATION" 192.0.2.1 25 198.51.100.14 40007
alert 1000010 "SMTP AUTH 535 Authentication failed BLOCKED DESTINATION" 192.0.2.1 25 198.51.100.14 40008
alert 3000001 "tracked by destination" 192.0.2.1 8080 198.51.100.15 40009
alert 3000001 "tracked by destination" 192.0.2.1 8080 198.51.100.15 40010
alert 2001219 "ET SCAN whitelisted" 198.51.100.200 40011 192.0.2.1 22
alert 2001219 "ET SCAN whitelisted" 198.51.100.200 40012 192.0.2.1 22
alert 2001220 "ET SCAN IPv6" 2001:db8:1::13 40013 2001:db8::1 22
alert 2001220 "ET SCAN IPv6" 2001:db8:1::13 40014 2001:db8::1 22
alert 3000002 "one is enough" 198.51.100.30 40015 192.0.2.1 22
# The table holds max_bans = 6 now (the network and five offenders): these are refused.
for i in 20 21 22 23; do
    alert 2001219 "ET SCAN one too many" 198.51.100.$i 40100 192.0.2.1 22
    alert 2001219 "ET SCAN one too many" 198.51.100.$i 40101 192.0.2.1 22
done
cat "$AB_TMP/alerts" >>"$AB_LOG"

parsed_all() { [ "$(abctl status --json | jq .alerts.parsed)" -eq "$n" ]; }
ab_wait_for 10 parsed_all
# The tracker rows `show` reads are committed at the end of the turn.
committed() { [ "$(abctl show --json 198.51.100.23 | jq '.history | length')" -eq 2 ]; }
ab_wait_for 10 committed

echo "== the same file through alertban replay"
"$ALERTBAN" replay -c "$AB_CONF" --manual-bans --json "$AB_TMP/alerts" \
    >"$AB_TMP/replay.jsonl" 2>"$AB_TMP/replay.err" ||
    { cat "$AB_TMP/replay.err" >&2; ab_fail "replay failed"; }
grep -q '1 manual bans' "$AB_TMP/replay.err" || { cat "$AB_TMP/replay.err" >&2; ab_fail "replay did not read the manual ban"; }
[ "$(wc -l <"$AB_TMP/replay.jsonl")" -eq "$n" ] || ab_fail "replay decided $(wc -l <"$AB_TMP/replay.jsonl") of $n alerts"

echo "== every address: the same verdict for every alert"
jq -r '.address' "$AB_TMP/replay.jsonl" | sort -u >"$AB_TMP/addrs"
[ "$(wc -l <"$AB_TMP/addrs")" -eq 12 ] || ab_fail "expected 12 addresses, got $(wc -l <"$AB_TMP/addrs")"
while read -r a; do
    jq -r --arg a "$a" 'select(.address == $a) | if .action == "none" then .reason else .action end' \
        "$AB_TMP/replay.jsonl" >"$AB_TMP/want"
    abctl show --json --limit 100 "$a" | jq -r '.history | reverse | .[].verdict' >"$AB_TMP/got"
    diff -u "$AB_TMP/want" "$AB_TMP/got" >&2 || ab_fail "$a: replay (-) and alertband (+) disagree"
    echo "$a: $(tr '\n' ' ' <"$AB_TMP/got")"
done <"$AB_TMP/addrs"

echo "== the verdicts are the expected ones (not only equal)"
words() { jq -r --arg a "$1" 'select(.address == $a) | if .action == "none" then .reason else .action end' \
    "$AB_TMP/replay.jsonl" | tr '\n' ' '; }
[ "$(words 203.0.113.50)" = "already_banned already_banned " ] || ab_fail "203.0.113.50: $(words 203.0.113.50)"
[ "$(words 198.51.100.11)" = "below_threshold ban extend " ] || ab_fail "198.51.100.11: $(words 198.51.100.11)"
[ "$(words 198.51.100.14)" = "below_threshold ban " ] || ab_fail "BLOCKED DESTINATION: $(words 198.51.100.14)"
[ "$(words 198.51.100.15)" = "below_threshold ban " ] || ab_fail "track = dst: $(words 198.51.100.15)"
[ "$(words 198.51.100.30)" = "ban " ] || ab_fail "per-rule threshold: $(words 198.51.100.30)"
[ "$(words 198.51.100.200)" = "whitelisted_address whitelisted_address " ] || ab_fail "whitelisted"
for i in 20 21 22 23; do
    [ "$(words 198.51.100.$i)" = "below_threshold refused " ] || ab_fail "198.51.100.$i: $(words 198.51.100.$i)"
done
jq -s -e 'map(select(.address == "198.51.100.14")) | length == 2 and all(.side == "dst")' \
    "$AB_TMP/replay.jsonl" >/dev/null ||
    ab_fail "the BLOCKED DESTINATION offender is not the destination"

echo "== the same bans at the end: the daemon's table and kernel, and what replay banned"
jq -r 'select(.action == "ban") | .address' "$AB_TMP/replay.jsonl" | sort -u >"$AB_TMP/want"
abctl list --json | jq -r '.bans[] | select(.source == "policy") | .addr' | sort >"$AB_TMP/got"
diff -u "$AB_TMP/want" "$AB_TMP/got" >&2 || ab_fail "policy bans differ (- replay, + alertband)"
echo 203.0.113.0/24 >>"$AB_TMP/want"
sort -o "$AB_TMP/want" "$AB_TMP/want"
ab_kernel_bans >"$AB_TMP/got"
diff -u "$AB_TMP/want" "$AB_TMP/got" >&2 || ab_fail "kernel bans differ (- expected, + kernel)"
# Both counted the two alerts inside the network into the operator's ban.
abctl list --json | jq -e '.bans[] | select(.addr == "203.0.113.0/24") |
    .violations == 2 and .source == "manual" and .permanent' >/dev/null ||
    { abctl list --json >&2; ab_fail "the network ban did not count its two violations"; }
abctl status --json | jq -e '.bans.refused == 4 and .verdicts.refused == 4' >/dev/null ||
    { abctl status --json >&2; ab_fail "the daemon did not refuse 4 bans"; }

ab_stop
echo "PASS"
