#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# alertban parse end to end: the real binary over the sample files (as arguments and on
# standard input), compared byte for byte with the expected output; exit codes, the summary
# line, --help, and an over-long line. Needs no network namespace: it only reads files.
set -eu
. "$(dirname "$0")/lib/common.sh"

BIN="$AB_BUILD/src/alertban"
DATA="$AB_SRC/test/data/alerts"
[ -x "$BIN" ] || ab_fail "no alertban binary at $BIN"
T=$(mktemp -d "${TMPDIR:-/tmp}/alertban-parse.XXXXXX")
trap 'rm -rf "$T"' EXIT

# Expected summary line from a NAME.stats file ("parsed=N empty=N ...").
summary() {
    awk '{ split($1, p, "="); n = 0; s = "";
           for (i = 2; i <= NF; i++) { split($i, kv, "="); n += kv[2]; s = s (i > 2 ? " " : "") $i }
           printf "alertban parse: %s alerts parsed, %d skipped (%s)\n", p[2], n, s }' "$@"
}

# 1. The mixed sample on standard input: JSON and the readable form.
"$BIN" parse --json < "$DATA/mixed.txt" > "$T/out.jsonl" 2> "$T/err"
cmp "$T/out.jsonl" "$DATA/mixed.jsonl" || ab_fail "parse --json output differs (stdin)"
summary "$DATA/mixed.stats" > "$T/want-err"
cmp "$T/err" "$T/want-err" || ab_fail "summary differs: $(cat "$T/err")"
"$BIN" parse < "$DATA/mixed.txt" > "$T/out.txt" 2>/dev/null
cmp "$T/out.txt" "$DATA/mixed.out" || ab_fail "readable output differs"

# 2. Every sample file as arguments: the outputs follow each other, a block never spans files.
set --
: > "$T/want.jsonl"
for f in "$DATA"/*.txt; do
    set -- "$@" "$f"
    cat "${f%.txt}.jsonl" >> "$T/want.jsonl"
done
"$BIN" parse --json "$@" > "$T/all.jsonl" 2> "$T/err"
cmp "$T/all.jsonl" "$T/want.jsonl" || ab_fail "parse --json over all samples differs"
cat "$DATA"/*.stats | awk '{ for (i = 1; i <= NF; i++) { split($i, kv, "="); k[i] = kv[1]; v[i] += kv[2] } }
    END { for (i = 1; i <= 6; i++) printf "%s%s=%d", (i > 1 ? " " : ""), k[i], v[i]; print "" }' \
    > "$T/all.stats"
summary "$T/all.stats" > "$T/want-err"
cmp "$T/err" "$T/want-err" || ab_fail "summary over all samples differs: $(cat "$T/err")"

# 3. A file that cannot be opened: exit 2, the others still parsed.
rc=0
"$BIN" parse --json "$DATA/mixed.txt" "$T/missing" "$DATA/mixed.txt" > "$T/out" 2> "$T/err" || rc=$?
[ "$rc" -eq 2 ] || ab_fail "missing file: exit $rc, want 2"
grep -q "cannot open $T/missing" "$T/err" || ab_fail "missing file not named: $(cat "$T/err")"
[ "$(wc -l < "$T/out")" -eq $((2 * $(wc -l < "$DATA/mixed.jsonl"))) ] || ab_fail "missing file lost output"

# 4. An over-long line (and an over-long last line without a newline) is skipped, bounded.
{
    head -c 100000 /dev/zero | tr '\0' 'A'
    printf '\n'
    head -n 1 "$DATA/mixed.txt"
    head -c 20000 /dev/zero | tr '\0' 'B'
} > "$T/long.txt"
"$BIN" parse --json "$T/long.txt" > "$T/out" 2> "$T/err"
[ "$(wc -l < "$T/out")" -eq 1 ] || ab_fail "over-long lines: want 1 alert, got $(wc -l < "$T/out")"
grep -q "too_long=2" "$T/err" || ab_fail "over-long lines not counted: $(cat "$T/err")"

# 5. Help and usage errors.
"$BIN" parse --help > "$T/out" || ab_fail "parse --help failed"
grep -q -- "--json" "$T/out" || ab_fail "parse --help does not mention --json"
"$BIN" --help > "$T/out" || ab_fail "--help failed"
grep -q "parse" "$T/out" || ab_fail "--help does not list parse"
for args in "" "nosuchcommand" "parse --nosuchoption"; do
    rc=0
    # shellcheck disable=SC2086 # split on purpose
    "$BIN" $args > /dev/null 2>&1 < /dev/null || rc=$?
    [ "$rc" -eq 2 ] || ab_fail "'alertban $args': exit $rc, want 2"
done

# 6. Empty input: nothing printed, exit 0.
"$BIN" parse --json < /dev/null > "$T/out" 2> "$T/err" || ab_fail "empty input failed"
[ ! -s "$T/out" ] || ab_fail "empty input printed alerts"
echo "PASS"
