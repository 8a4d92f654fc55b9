#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# alertban parse --follow: starts at the end of an existing log, prints alerts as they are
# appended (a line split across two writes, an alert_full block with no trailing blank line,
# ended by the idle time), follows a rename rotation (the rest of the old file, then the new
# one from its start), and on SIGINT prints its summary and exits 0. Then --from-start on the
# same files. No network namespace is needed: only files in a scratch directory.
set -eu

. "$(dirname "$0")/lib/common.sh"

ab_scratch

ALERTBAN=$AB_BUILD/src/alertban
[ -x "$ALERTBAN" ] || ab_fail "no $ALERTBAN (build first)"

LOG=$AB_TMP/alert
OUT=$AB_TMP/out.jsonl
ERR=$AB_TMP/err

lines() {
    wc -l <"$1"
}

# has_lines FILE N: FILE holds at least N lines.
has_lines() {
    [ "$(lines "$1")" -ge "$2" ]
}

# start_follow ARGS...: runs alertban parse --follow in the background and waits until it says
# it is following (from then on every appended byte is read).
start_follow() {
    : >"$OUT"
    : >"$ERR"
    "$ALERTBAN" parse --follow --json "$@" >"$OUT" 2>"$ERR" &
    PID=$!
    ab_on_exit "kill $PID"
    ab_wait_for 10 grep -q 'following 1 path' "$ERR"
}

# stop_follow: SIGINT, then the exit status must be 0 within 10 s.
stop_follow() {
    kill -INT "$PID"
    n=0
    while kill -0 "$PID" 2>/dev/null; do
        n=$((n + 1))
        [ "$n" -le 1000 ] || ab_fail "parse --follow did not exit after SIGINT"
        sleep 0.01
    done
    rc=0
    wait "$PID" || rc=$?
    [ "$rc" -eq 0 ] || { cat "$ERR" >&2; ab_fail "parse --follow exited with $rc after SIGINT"; }
}

# expect FILE: compares the output with FILE exactly.
expect() {
    if ! diff -u "$1" "$OUT" >&2; then
        ab_fail "unexpected output (above: - expected, + got)"
    fi
}

# Already in the log: not printed when following from the end.
printf '%s\n' '11/22-09:59:59.000001  [**] [1:1000001:1] old alert [**] [Priority: 1] {TCP} 203.0.113.99:1000 -> 192.0.2.1:22' >"$LOG"

start_follow "$LOG"

# 1. A Snort 2 fast line in two writes, the newline in the second.
printf '%s' '11/22-10:00:01.000001  [**] [1:2000001:2] SSH brute force [**] [Classification: Attempted Admin' >>"$LOG"
sleep 0.2
printf '%s\n' 'istrator Privilege Gain] [Priority: 1] {TCP} 203.0.113.7:40000 -> 192.0.2.10:22' >>"$LOG"
ab_wait_for 10 has_lines "$OUT" 1

# 2. A Suricata line with the swap marker and a drop action.
printf '%s\n' '11/22/2026-10:00:02.000002  [Drop] [**] [1:2000002:1] BLOCKED DESTINATION 535 Authentication failed [**] [Classification: (null)] [Priority: 2] {TCP} 192.0.2.10:25 -> 198.51.100.5:51000' >>"$LOG"
ab_wait_for 10 has_lines "$OUT" 2

# 3. An alert_full block written in two pieces, with no blank line after it: printed once the
#    file has been quiet for the idle time.
printf '%s\n' '[**] [1:628:1] SCAN nmap TCP [**]' '[Classification: Attempted Information Leak] [Priority: 3]' >>"$LOG"
sleep 0.05
printf '%s\n' '11/22-10:00:03.000003 203.0.113.8:48184 -> 192.0.2.10:1' 'TCP TTL:44 TOS:0x0 ID:41635 IpLen:20 DgmLen:60' >>"$LOG"
ab_wait_for 10 has_lines "$OUT" 3

# 4. Rename rotation: the sensor still writes one line to the old file (renamed), then opens a
#    new file at the old name. Both lines arrive, the old file's first.
mv "$LOG" "$LOG.1"
printf '%s\n' '11/22-10:00:04.000004  [**] [1:2000004:1] last in old file [**] [Priority: 2] {UDP} 203.0.113.9:5353 -> 192.0.2.10:53' >>"$LOG.1"
sleep 0.05
printf '%s\n' '11/22-10:00:05.000005  [**] [1:2000005:1] v6 first in new file [**] [Priority: 1] {TCP} 2001:db8::7:51000 -> 2001:db8::1:22' >"$LOG"
ab_wait_for 10 has_lines "$OUT" 5
# Nothing more may come (no repeats after the rotation).
sleep 0.5

cat >"$AB_TMP/expected.jsonl" <<'EOF'
{"producer":"snort2","format":"fast","timestamp":"11/22-10:00:01.000001","gid":1,"sid":2000001,"rev":2,"msg":"SSH brute force","classification":"Attempted Administrator Privilege Gain","priority":1,"proto":"TCP","src_ip":"203.0.113.7","src_port":40000,"dst_ip":"192.0.2.10","dst_port":22,"action":null}
{"producer":"suricata","format":"fast","timestamp":"11/22/2026-10:00:02.000002","gid":1,"sid":2000002,"rev":1,"msg":"BLOCKED DESTINATION 535 Authentication failed","classification":null,"priority":2,"proto":"TCP","src_ip":"192.0.2.10","src_port":25,"dst_ip":"198.51.100.5","dst_port":51000,"action":"drop"}
{"producer":"snort2","format":"full","timestamp":"11/22-10:00:03.000003","gid":1,"sid":628,"rev":1,"msg":"SCAN nmap TCP","classification":"Attempted Information Leak","priority":3,"proto":"TCP","src_ip":"203.0.113.8","src_port":48184,"dst_ip":"192.0.2.10","dst_port":1,"action":null}
{"producer":"snort2","format":"fast","timestamp":"11/22-10:00:04.000004","gid":1,"sid":2000004,"rev":1,"msg":"last in old file","classification":null,"priority":2,"proto":"UDP","src_ip":"203.0.113.9","src_port":5353,"dst_ip":"192.0.2.10","dst_port":53,"action":null}
{"producer":"snort2","format":"fast","timestamp":"11/22-10:00:05.000005","gid":1,"sid":2000005,"rev":1,"msg":"v6 first in new file","classification":null,"priority":1,"proto":"TCP","src_ip":"2001:db8::7","src_port":51000,"dst_ip":"2001:db8::1","dst_port":22,"action":null}
EOF
expect "$AB_TMP/expected.jsonl"

stop_follow
grep -qx 'alertban parse: 5 alerts parsed, 0 skipped (empty=0 too_long=0 not_alert=0 binary=0 malformed=0)' "$ERR" ||
    { cat "$ERR" >&2; ab_fail "summary line missing or wrong"; }
# What was printed is what an offline parse of the same bytes gives.
tail -n +2 "$LOG.1" | cat - "$LOG" | "$ALERTBAN" parse --json >"$AB_TMP/offline.jsonl" 2>/dev/null
diff -u "$AB_TMP/offline.jsonl" "$OUT" >&2 || ab_fail "follow and offline parse differ"

# --from-start prints what the file already holds, then what is appended; a junk line is
# counted as skipped.
start_follow --from-start "$LOG.1"
ab_wait_for 10 has_lines "$OUT" 5
printf '%s\n' 'not an alert' >>"$LOG.1"
sleep 0.3
head -n 1 "$LOG.1" | "$ALERTBAN" parse --json >"$AB_TMP/expected2.jsonl" 2>/dev/null
head -n 4 "$AB_TMP/expected.jsonl" >>"$AB_TMP/expected2.jsonl"
expect "$AB_TMP/expected2.jsonl"
stop_follow
grep -qx 'alertban parse: 5 alerts parsed, 1 skipped (empty=0 too_long=0 not_alert=1 binary=0 malformed=0)' "$ERR" ||
    { cat "$ERR" >&2; ab_fail "summary line missing or wrong (--from-start)"; }

# Usage errors: --from-start without --follow, --follow without files.
rc=0
"$ALERTBAN" parse --from-start "$LOG" >/dev/null 2>&1 || rc=$?
[ "$rc" -eq 2 ] || ab_fail "--from-start without --follow: exit $rc, expected 2"
rc=0
"$ALERTBAN" parse --follow </dev/null >/dev/null 2>&1 || rc=$?
[ "$rc" -eq 2 ] || ab_fail "--follow without files: exit $rc, expected 2"

echo "parse-follow: ok"
