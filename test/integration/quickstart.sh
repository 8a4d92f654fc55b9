#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# The README's first command works: scripts/quickstart runs to the end with this build's
# binaries (its state in the scratch directory), bans the brute forcer and the scanner, not the
# server, cuts the attacker's connection while another client still connects, shows the
# history and lets the short ban expire, all within a minute.
set -eu
. "$(dirname "$0")/lib/common.sh"
ab_enter_netns "$@"
command -v ip >/dev/null 2>&1 || ab_fail "ip (iproute2) is not installed"

out="$AB_TMP/quickstart.out"
t0=$(date +%s)
rc=0
ALERTBAN_BUILD_DIR="$AB_BUILD" ALERTBAN_QUICKSTART_STATE="$AB_TMP/state" \
    timeout 120 "$AB_SRC/scripts/quickstart" >"$out" 2>&1 || rc=$?
t1=$(date +%s)
cat "$out"
[ "$rc" -eq 0 ] || ab_fail "scripts/quickstart exited with $rc"
[ $((t1 - t0)) -lt 60 ] || ab_fail "scripts/quickstart took $((t1 - t0)) s"

expect() {
    grep -q -- "$1" "$out" || ab_fail "the demo's output lacks: $1"
}
expect 'alertband 0.1.0 started: '
expect '203.0.113.66 -> 203.0.113.25:25: connected, server says: 220 '
expect '5 alerts parsed, 0 skipped'
expect 'ban addr=203.0.113.66 rule=1:1000001:2 alerts=3 .*reason=threshold'
expect 'ban addr=198.51.100.99 rule=1:2001219:20 .*duration_s=8 '
expect '^     -A ALERTBAN -s 203.0.113.66/32 -j DROP'
expect '203.0.113.66 -> 203.0.113.25:25: no answer within 2 s'
expect '203.0.113.77 -> 203.0.113.25:25: connected, server says: 220 '
expect 'state       banned (policy)'
expect 'unban addr=198.51.100.99 .*reason=expired'
expect 'alertband stopped: on_exit=keep, 1 bans stay in force'
expect '== Done in '
grep -q 'ban addr=203.0.113.25' "$out" && ab_fail "the demo banned the server itself"
# Its namespaces are gone.
ns=$(sed -n 's/.*(namespace \(abqs-[0-9]*\)-mail).*/\1/p' "$out")
[ -n "$ns" ] || ab_fail "the demo did not name its namespaces"
ip netns list | grep -q "^$ns-" && ab_fail "namespaces left behind: $(ip netns list | grep "^$ns-")"
[ -s "$AB_TMP/state/db/alertban.db" ] || ab_fail "no state left for inspection"
echo "PASS"
