#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# alertban replay end to end: a sample log (test/data/replay/) with a config and a fixed own
# address gives exactly the expected verdicts, as text and as JSON, and the expected summary.
# Then the error cases. No network namespace is needed: replay changes nothing.
set -eu

. "$(dirname "$0")/lib/common.sh"

ab_scratch

ALERTBAN=$AB_BUILD/src/alertban
[ -x "$ALERTBAN" ] || ab_fail "no $ALERTBAN (build first)"
DATA=$AB_SRC/test/data/replay

# The sample's timestamps have no year: the mtime puts December in 2025, January in 2026.
cp "$DATA/sample.log" "$AB_TMP/alert"
touch -d '2026-01-01T06:00:00Z' "$AB_TMP/alert"
export TZ=UTC

# same EXPECTED GOT WHAT
same() {
    diff -u "$1" "$2" >&2 || ab_fail "$3 differs (above: - expected, + got)"
}

run() {
    rc=0
    "$ALERTBAN" replay -c "$DATA/replay.conf" --own-address 198.51.100.1 "$@" \
        >"$AB_TMP/out" 2>"$AB_TMP/err" || rc=$?
    [ "$rc" -eq 0 ] || { cat "$AB_TMP/err" >&2; ab_fail "replay $*: exit $rc"; }
}

run "$AB_TMP/alert"
same "$DATA/expected.txt" "$AB_TMP/out" "text output"
same "$DATA/expected.stderr" "$AB_TMP/err" "summary"

run --json "$AB_TMP/alert"
same "$DATA/expected.jsonl" "$AB_TMP/out" "JSON output"
same "$DATA/expected.stderr" "$AB_TMP/err" "summary (--json)"

# --year overrides the inference: everything lands in 2030, so the January alerts come before
# the December ones and the escalation sequence changes; only the years are checked here.
run --year 2030 "$AB_TMP/alert"
[ "$(grep -c '^2030-' "$AB_TMP/out")" -eq 21 ] || ab_fail "--year 2030 not applied"

# The log split in two files, given oldest first, gives the same verdicts (bans carry over).
head -n 11 "$DATA/sample.log" >"$AB_TMP/alert.1"
tail -n +12 "$DATA/sample.log" >"$AB_TMP/alert.0"
touch -d '2026-01-01T06:00:00Z' "$AB_TMP/alert.1" "$AB_TMP/alert.0"
run "$AB_TMP/alert.1" "$AB_TMP/alert.0"
same "$DATA/expected.txt" "$AB_TMP/out" "text output of the split log"

# This host's own addresses (not given): runs, and decides every alert.
rc=0
"$ALERTBAN" replay -c "$DATA/replay.conf" "$AB_TMP/alert" >"$AB_TMP/out" 2>"$AB_TMP/err" || rc=$?
[ "$rc" -eq 0 ] || { cat "$AB_TMP/err" >&2; ab_fail "replay with this host's addresses: exit $rc"; }
[ "$(wc -l <"$AB_TMP/out")" -eq 21 ] || ab_fail "replay with this host's addresses: wrong count"

# Errors: exit 2 with a message naming the problem.
# expect_error PATTERN ARGS...
expect_error() {
    pattern=$1
    shift
    rc=0
    "$ALERTBAN" replay "$@" >"$AB_TMP/out" 2>"$AB_TMP/err" || rc=$?
    [ "$rc" -eq 2 ] || ab_fail "replay $*: exit $rc, expected 2"
    grep -q "$pattern" "$AB_TMP/err" || { cat "$AB_TMP/err" >&2; ab_fail "replay $*: no '$pattern'"; }
}
printf '[policy]\nthreshold = 3/xs\n' >"$AB_TMP/bad.conf"
expect_error 'bad.conf:2' -c "$AB_TMP/bad.conf" "$AB_TMP/alert"
expect_error 'cannot open' -c "$DATA/replay.conf" "$AB_TMP/missing"
expect_error 'no LOGFILE' -c "$DATA/replay.conf"
expect_error 'not an address' -c "$DATA/replay.conf" --own-address 198.51.100 "$AB_TMP/alert"
expect_error 'out of range' -c "$DATA/replay.conf" --year 12 "$AB_TMP/alert"

# The shipped defaults on a real Snort 3 log of a LAN (decoder, inspector and local test
# rules of priority 0 and 3, one alert each): nothing is banned. With every priority counted
# at one alert (the old defaults), the same log banned six LAN hosts.
real=$AB_SRC/test/data/alerts/snort3-fast-real.txt
printf '[input]\npath = %s\n' "$real" >"$AB_TMP/defaults.conf"
"$ALERTBAN" replay -c "$AB_TMP/defaults.conf" "$real" >"$AB_TMP/out" 2>"$AB_TMP/err" ||
    { cat "$AB_TMP/err" >&2; ab_fail "replay with the defaults failed"; }
grep -q ' 0 bans, 0 extensions, 0 addresses banned' "$AB_TMP/err" ||
    { cat "$AB_TMP/err" >&2; ab_fail "the defaults ban on a real Snort 3 log"; }
grep -q 'priority_filtered=6' "$AB_TMP/err" || { cat "$AB_TMP/err" >&2; ab_fail "priorities 0 and 3 not filtered"; }
printf '[input]\npath = %s\n[policy]\npriorities =\nthreshold = 1/60s\npriority_thresholds =\n' \
    "$real" >"$AB_TMP/old.conf"
"$ALERTBAN" replay -c "$AB_TMP/old.conf" "$real" >"$AB_TMP/out" 2>"$AB_TMP/err" ||
    { cat "$AB_TMP/err" >&2; ab_fail "replay with the old defaults failed"; }
grep -q ' 6 addresses banned' "$AB_TMP/err" || { cat "$AB_TMP/err" >&2; ab_fail "old defaults: expected 6 bans"; }

echo "replay: ok"
