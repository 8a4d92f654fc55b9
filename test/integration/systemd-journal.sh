#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# alertband logs natively to the journal when stderr is the journal's stream (JOURNAL_STREAM
# names stderr's device and inode): in a private mount namespace a datagram socket at
# /run/systemd/journal/socket stands in for journald and receives the entries, each with its
# PRIORITY, and the ban and unban lines with their key=value pairs as ALERTBAN_* fields.
set -eu
if [ -z "${AB_IN_MNTNS:-}" ]; then
    export AB_IN_MNTNS=1
    if [ "$(id -u)" -eq 0 ] && unshare -m true 2>/dev/null; then
        exec unshare -m "$0" "$@"
    fi
    . "$(dirname "$0")/lib/common.sh"
    ab_skip "no mount namespace (needs root)"
fi
. "$(dirname "$0")/lib/common.sh"
ab_enter_netns "$@"
. "$(dirname "$0")/lib/daemon.sh"
command -v python3 >/dev/null 2>&1 || ab_fail "python3 is not installed"
command -v jq >/dev/null 2>&1 || ab_fail "jq is not installed"
LIB="$(cd "$(dirname "$0")/lib" && pwd)"

# Private to this namespace: the host's journal is never written to.
mount --make-rprivate /
mkdir -p /run/systemd
mount -t tmpfs -o mode=0755 tmpfs /run/systemd
mkdir /run/systemd/journal
JOURNAL="$AB_TMP/journal.jsonl"
: >"$JOURNAL"
python3 "$LIB/journal-listen.py" /run/systemd/journal/socket "$JOURNAL" &
LISTENER=$!
ab_on_exit "kill $LISTENER"
ab_wait_for 30 test -S /run/systemd/journal/socket

ab_write_config '
[policy]
ban_time = 1h
max_bans_per_minute = 0'
: >"$AB_LOG"

echo "== started as under systemd: stderr is the stream JOURNAL_STREAM names"
STDERR="$AB_TMP/stderr"
: >"$STDERR"
JOURNAL_STREAM="$(stat -c '%d:%i' "$STDERR")" "$ALERTBAND" -c "$AB_CONF" 2>>"$STDERR" >/dev/null &
AB_PID=$!
ab_on_exit "kill -9 $AB_PID 2>/dev/null"
ab_wait_for 20 ab_daemon_up

echo "== an alert's ban is an entry with PRIORITY=5 and ALERTBAN_ fields"
snort2_line 2001219 "ET SCAN Potential SSH Scan" 203.0.113.7 40001 192.0.2.1 22 >>"$AB_LOG"
ab_wait_for 10 ab_kernel_has 203.0.113.7
# jq -e answers for the last entry only; these print the matching entries and test for one.
ban_entry() {
    jq -c 'select(.ALERTBAN_EVENT == "ban" and .ALERTBAN_ADDR == "203.0.113.7")' "$JOURNAL"
}
has() {
    [ -n "$("$@")" ]
}
ab_wait_for 5 has ban_entry
entry=$(ban_entry | head -1)
echo "$entry"
echo "$entry" | jq -e '
    (.MESSAGE | startswith("ban addr=203.0.113.7 rule=1:2001219:1 ")) and
    .PRIORITY == "5" and .SYSLOG_IDENTIFIER == "alertband" and .GLIB_DOMAIN == "alertban" and
    .ALERTBAN_RULE == "1:2001219:1" and .ALERTBAN_REASON == "threshold" and
    .ALERTBAN_DURATION_S == "3600" and .ALERTBAN_SOURCE == "policy" and
    .ALERTBAN_MSG == "ET SCAN Potential SSH Scan"' >/dev/null ||
    ab_fail "the ban entry lacks its fields"

echo "== an unban is found by its address too"
abctl unban 203.0.113.7 >/dev/null
unban_entry() {
    jq -c 'select(.ALERTBAN_EVENT == "unban" and .ALERTBAN_ADDR == "203.0.113.7")' "$JOURNAL"
}
ab_wait_for 5 has unban_entry
unban_entry | head -1 | jq -e '.PRIORITY == "5" and .ALERTBAN_REASON == "manual"' >/dev/null ||
    { unban_entry; ab_fail "the unban entry lacks its fields"; }

echo "== a warning is PRIORITY=4, the start line PRIORITY=5"
printf '[daemon]\nno_such_key = 1\n' >"$AB_TMP/bad.conf"
cp "$AB_CONF" "$AB_TMP/good.conf"
cp "$AB_TMP/bad.conf" "$AB_CONF"
kill -HUP "$AB_PID"
warning_entry() {
    jq -c 'select(.MESSAGE | startswith("config: reload (SIGHUP) rejected"))' "$JOURNAL"
}
ab_wait_for 5 has warning_entry
warning_entry | head -1 | jq -e '.PRIORITY == "4"' >/dev/null || ab_fail "a warning is not PRIORITY=4"
cp "$AB_TMP/good.conf" "$AB_CONF"
jq -se 'any(.[]; (.MESSAGE | startswith("alertband ")) and .PRIORITY == "5")' "$JOURNAL" >/dev/null ||
    ab_fail "no start entry of PRIORITY=5"

echo "== nothing went to stderr"
kill -TERM "$AB_PID"
wait "$AB_PID" || ab_fail "alertband exited with $? on SIGTERM"
AB_PID=""
[ ! -s "$STDERR" ] || { cat "$STDERR" >&2; ab_fail "alertband wrote to stderr beside the journal"; }

echo "== with stderr redirected elsewhere (JOURNAL_STREAM stale), plain lines on stderr"
lines=$(wc -l <"$JOURNAL")
: >"$AB_TMP/other"
JOURNAL_STREAM="$(stat -c '%d:%i' "$STDERR")" "$ALERTBAND" -c "$AB_CONF" 2>>"$AB_TMP/other" >/dev/null &
AB_PID=$!
ab_wait_for 20 ab_daemon_up
kill -TERM "$AB_PID"
wait "$AB_PID" || true
AB_PID=""
grep -q '^alertband: alertband .* started' "$AB_TMP/other" || ab_fail "no start line on stderr"
[ "$(wc -l <"$JOURNAL")" -eq "$lines" ] || ab_fail "entries reached the journal with a stale JOURNAL_STREAM"
echo "PASS"
