#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# A damaged database does not stop the daemon: with bans in the kernel (iptables rules, then
# ipset members) and the state file overwritten with garbage, alertband starts, keeps the
# broken file aside under a dated name, adopts the kernel's bans (listed; rules, which keep no
# time, for ban_time from the start, set members for the time the kernel has left on them),
# says so in a warning and in status, and expires them.
set -eu
. "$(dirname "$0")/lib/common.sh"
ab_enter_netns "$@"
. "$(dirname "$0")/lib/daemon.sh"
command -v ipset >/dev/null 2>&1 || ab_fail "ipset is not installed (scripts/setup installs it)"

DB="$AB_TMP/state/alertban.db"
config() {
    AB_BACKEND=$1 ab_write_config "
[policy]
priorities =
threshold = 1/60s
ban_time = $2"
}

# Overwrites the stopped daemon's database with bytes that are no SQLite file.
corrupt_db() {
    head -c 65536 /dev/urandom >"$AB_TMP/garbage"
    cp "$AB_TMP/garbage" "$DB"
    rm -f "$DB-wal" "$DB-shm"
}

set_aside_file() { ls "$AB_TMP/state" | grep -x 'alertban\.db\.corrupt-[0-9]\{8\}T[0-9]\{6\}Z\(\.[0-9]*\)\?' | tail -1; }

echo "== iptables: rules survive a damaged database"
config iptables 1h
: >"$AB_LOG"
ab_start
snort2_line 2001219 "ET SCAN v4" 203.0.113.21 40001 192.0.2.1 22 >>"$AB_LOG"
suricata_line 2001219 "ET SCAN v6" 2001:db8::21 40002 2001:db8::1 22 >>"$AB_LOG"
abctl ban 198.51.100.0/28 --reason test >/dev/null
ab_wait_for 5 ab_kernel_has 203.0.113.21
ab_wait_for 5 ab_kernel_has 2001:db8::21
ab_wait_for 5 ab_kernel_has 198.51.100.0/28
ab_stop
corrupt_db
# The lost tail positions would make the daemon read the log again from its start (start_at =
# beginning) and extend the bans: this case looks at adoption alone.
: >"$AB_LOG"
# Before the fix this start failed ("file is not a database"): a restart loop.
t0=$(date +%s)
ab_start
aside=$(set_aside_file)
[ -n "$aside" ] || ab_fail "no set-aside file in $(ls "$AB_TMP/state")"
cmp -s "$AB_TMP/garbage" "$AB_TMP/state/$aside" || ab_fail "the set-aside file is not the damaged one"
grep -q "STATE LOST.*$aside.*adopted the 3 bans" "$AB_DAEMON_LOG" ||
    ab_fail "no warning line: $(tail -5 "$AB_DAEMON_LOG")"
st=$(abctl status --json)
jq -e --arg a "$AB_TMP/state/$aside" '.store.set_aside == $a and .store.adopted == 3' <<EOJ >/dev/null ||
$st
EOJ
    ab_fail "status does not report the set-aside file: $st"
[ "$(ab_list_addrs | tr '\n' ' ')" = "198.51.100.0/28 2001:db8::21 203.0.113.21 " ] ||
    ab_fail "listed after adoption: $(ab_list_addrs)"
# Every adopted ban ends ban_time (1 h) after the start, not never and not at once.
abctl list --json | jq -e --argjson lo $((t0 + 3595)) --argjson hi $(($(date +%s) + 3601)) \
    '[.bans[] | .expires != null and .expires >= $lo and .expires <= $hi and .reason == "adopted"] | all' \
    >/dev/null || ab_fail "adopted expiries: $(abctl list --json)"
# The kernel still has them once each, and the fresh database holds them (a second restart
# loads them from the store, with nothing set aside).
[ "$(ab_kernel_bans | tr '\n' ' ')" = "198.51.100.0/28 2001:db8::21 203.0.113.21 " ] ||
    ab_fail "kernel after adoption: $(ab_kernel_bans)"
ab_stop
: >"$AB_DAEMON_LOG"
ab_start
[ "$(ab_list_addrs | tr '\n' ' ')" = "198.51.100.0/28 2001:db8::21 203.0.113.21 " ] ||
    ab_fail "listed after a second restart: $(ab_list_addrs)"
abctl status --json | jq -e '.store.set_aside == "" and .store.adopted == 0' >/dev/null ||
    ab_fail "a healthy start reports a set-aside file"
ab_stop
abctl unban 203.0.113.21 >/dev/null 2>&1 || true

echo "== ipset: members adopted with the kernel's remaining time, then expired by the daemon"
rm -rf "$AB_TMP/state"
config ipset 8s
ab_start
snort2_line 2001219 "ET SCAN v4" 203.0.113.22 40001 192.0.2.1 22 >>"$AB_LOG"
in_set() { ipset list ALERTBAN4 2>/dev/null | awk 'm { print $1 } /^Members:/ { m = 1 }' | grep -qx "$1"; }
ab_wait_for 5 in_set 203.0.113.22
ab_stop
corrupt_db
: >"$AB_LOG"
# A ban_time of an hour now: the adopted member keeps the seconds the kernel had left (at
# most 8), not a fresh hour.
config ipset 1h
ab_start
[ -n "$(set_aside_file)" ] || ab_fail "no set-aside file for the ipset case"
ab_list_addrs | grep -qx 203.0.113.22 || ab_fail "ipset member not adopted: $(ab_list_addrs)"
abctl list --json | jq -e --argjson hi $(($(date +%s) + 9)) \
    '.bans[] | select(.addr == "203.0.113.22") | .expires != null and .expires <= $hi' >/dev/null ||
    ab_fail "adopted member's expiry is not its remaining time: $(abctl list --json)"
# The daemon ends the adopted ban when that time is up, in the table and the kernel.
ab_wait_for 12 sh -c "! $ALERTBAN list -c $AB_CONF --json | jq -e '.bans[] | select(.addr == \"203.0.113.22\")'"
ab_wait_for 5 sh -c "! ipset list ALERTBAN4 | grep -q '^203.0.113.22 '"
grep -q "unban addr=203.0.113.22" "$AB_DAEMON_LOG" || ab_fail "no unban line: $(tail -5 "$AB_DAEMON_LOG")"
ab_stop
echo "OK"
