#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# `alertban stats` against a real daemon in a namespace: alerts of four rules (a plain one
# with the global threshold, a BLOCKED DESTINATION one, one whose [rule] section sets
# track = dst and its own threshold, one ignored) give per-rule alert and ban counts, the bans
# in force per rule (checked against the kernel), and the handling in effect; --by bans,
# --top, --rule and the "other" sum; unban and a manual ban move the counts of bans now.
set -eu
. "$(dirname "$0")/lib/common.sh"
ab_enter_netns "$@"
. "$(dirname "$0")/lib/daemon.sh"

ab_write_config '
[policy]
ban_time = 1h
max_bans_per_minute = 0
threshold = 2/60s

[rule 1:3000003]
track = dst
threshold = 1/60s
ban_time = 2h

[rule 1:3000004]
ignore = yes'
: >"$AB_LOG"
ab_start

echo "== alerts of four rules"
{
    # 1:3000001, global threshold 2/60s: three sources send two alerts (three bans), a
    # fourth only one (counted, not banned).
    for i in 1 2 3; do
        snort2_line 3000001 "ET SCAN SSH brute force" "203.0.113.$i" 40001 192.0.2.1 22
        snort2_line 3000001 "ET SCAN SSH brute force" "203.0.113.$i" 40002 192.0.2.1 22
    done
    snort2_line 3000001 "ET SCAN SSH brute force" 203.0.113.4 40003 192.0.2.1 22
    # 1:3000002, the swap marker: the destination (the client of the 535 reply) is banned.
    for i in 1 2; do
        snort2_line 3000002 "SMTP AUTH failed BLOCKED DESTINATION" 192.0.2.1 25 "198.51.100.$i" 40010
        snort2_line 3000002 "SMTP AUTH failed BLOCKED DESTINATION" 192.0.2.1 25 "198.51.100.$i" 40011
    done
    # 1:3000003, [rule] track = dst, threshold 1/60s: one alert bans the destination.
    snort2_line 3000003 "web shell reply" 192.0.2.1 80 203.0.113.50 40020
    snort2_line 3000003 "web shell reply" 192.0.2.1 80 203.0.113.51 40021
    # 1:3000004, ignored.
    snort2_line 3000004 "ignored noise" 203.0.113.60 40030 192.0.2.1 22
} >>"$AB_LOG"
parsed() { [ "$(abctl status --json | jq .alerts.parsed)" -eq "$1" ]; }
ab_wait_for 10 parsed 14
for a in 203.0.113.1 203.0.113.2 203.0.113.3 198.51.100.1 198.51.100.2 203.0.113.50 203.0.113.51; do
    ab_wait_for 10 ab_kernel_has "$a"
done
for a in 203.0.113.4 203.0.113.60 192.0.2.1; do
    ab_kernel_has "$a" && ab_fail "$a banned"
done

echo "== stats --json: counts, bans now and handling per rule, sorted by alerts"
abctl stats --json >"$AB_TMP/stats"
jq -e '.by == "alerts" and (.rules | map(.rule)) == ["1:3000001", "1:3000002", "1:3000003", "1:3000004"]
    and .total == {"alerts": 14, "bans": 7, "banned_now": 7}
    and .other == {"alerts": 0, "bans": 0, "banned_now": 0}
    and .rules_kept == 4 and .banned_now_without_rule == 0' "$AB_TMP/stats" >/dev/null ||
    { cat "$AB_TMP/stats"; ab_fail "stats totals or order"; }
rule() { jq -c --arg r "$1" '.rules[] | select(.rule == $r)' "$AB_TMP/stats"; }
rule 1:3000001 | jq -e '.alerts == 7 and .bans == 3 and .banned_now == 3 and
    .msg == "ET SCAN SSH brute force" and .track == "src" and .swap == false and
    .ignore == false and (has("section") | not) and (has("threshold") | not)' >/dev/null ||
    { rule 1:3000001; ab_fail "1:3000001"; }
rule 1:3000002 | jq -e '.alerts == 4 and .bans == 2 and .banned_now == 2 and
    .msg == "SMTP AUTH failed BLOCKED DESTINATION" and .track == "dst" and .swap == true and
    (has("section") | not)' >/dev/null || { rule 1:3000002; ab_fail "1:3000002"; }
rule 1:3000003 | jq -e '.alerts == 2 and .bans == 2 and .banned_now == 2 and .track == "dst"
    and .swap == false and .track_set == "dst" and .section == "1:3000003" and
    .threshold == "1/60s" and .ban_time_s == 7200 and .ignore == false' >/dev/null ||
    { rule 1:3000003; ab_fail "1:3000003"; }
rule 1:3000004 | jq -e '.alerts == 1 and .bans == 0 and .banned_now == 0 and .ignore == true
    and .section == "1:3000004"' >/dev/null || { rule 1:3000004; ab_fail "1:3000004"; }

echo "== the bans per rule are the kernel's: each rule's addresses are in the chain"
for r in 1:3000001 1:3000002 1:3000003; do
    in_kernel=0
    for a in $(abctl list --json | jq -r --arg r "$r" '.bans[] | select(.rule | startswith($r + ":")) | .addr'); do
        ab_kernel_has "$a" || ab_fail "$a (rule $r) listed but not in the kernel"
        in_kernel=$((in_kernel + 1))
    done
    want=$(rule "$r" | jq .banned_now)
    [ "$in_kernel" -eq "$want" ] || ab_fail "rule $r: $in_kernel bans in the kernel, stats says $want"
done

echo "== --by bans, --top, --rule"
abctl stats --json --by bans >"$AB_TMP/by-bans"
jq -e '.by == "bans" and (.rules | map(.rule)) == ["1:3000001", "1:3000002", "1:3000003", "1:3000004"]' \
    "$AB_TMP/by-bans" >/dev/null || { cat "$AB_TMP/by-bans"; ab_fail "--by bans order"; }
abctl stats --json --top 1 >"$AB_TMP/top1"
jq -e '(.rules | map(.rule)) == ["1:3000001"] and
    .other == {"alerts": 7, "bans": 4, "banned_now": 4}' "$AB_TMP/top1" >/dev/null ||
    { cat "$AB_TMP/top1"; ab_fail "--top 1 and other"; }
abctl stats --json --rule 1:3000003 >"$AB_TMP/one"
jq -e '(.rules | length) == 1 and .rules[0].rule == "1:3000003" and .rules[0].bans == 2 and
    .other.alerts == 12' "$AB_TMP/one" >/dev/null || { cat "$AB_TMP/one"; ab_fail "--rule"; }
# A rule never seen: zero counts, and its handling all the same.
abctl stats --json --rule 1:3000099 | jq -e '.rules[0] | .alerts == 0 and .bans == 0 and
    .track == "src"' >/dev/null || ab_fail "--rule of an unseen rule"

echo "== the table a person reads"
abctl stats >"$AB_TMP/table"
cat "$AB_TMP/table"
head -1 "$AB_TMP/table" | grep -q '^RULE  *ALERTS  *BANS  *BANNED NOW  *HANDLING  *MESSAGE' ||
    ab_fail "table header"
grep '^1:3000002 ' "$AB_TMP/table" | grep -q 'swap: dst' || ab_fail "swap not shown"
grep '^1:3000003 ' "$AB_TMP/table" | grep -q 'track=dst, threshold=1/60s' || ab_fail "track not shown"
grep '^1:3000004 ' "$AB_TMP/table" | grep -q 'ignored' || ab_fail "ignore not shown"
grep -q '^total  *14  *7  *7' "$AB_TMP/table" || ab_fail "total row"

echo "== bad options are usage errors"
rc=0
abctl stats --rule 1:x >/dev/null 2>&1 || rc=$?
[ "$rc" -eq 2 ] || ab_fail "--rule 1:x exited $rc"
rc=0
abctl stats --by packets >/dev/null 2>&1 || rc=$?
[ "$rc" -eq 2 ] || ab_fail "--by packets exited $rc"
rc=0
abctl stats --top 0 >/dev/null 2>&1 || rc=$?
[ "$rc" -eq 2 ] || ab_fail "--top 0 exited $rc"

echo "== unban lowers the rule's bans now (not its bans made); a manual ban has no rule"
abctl unban 198.51.100.1 >/dev/null
ab_wait_for 5 ab_kernel_lacks 198.51.100.1
abctl ban 203.0.113.99 --for 1h >/dev/null
ab_wait_for 5 ab_kernel_has 203.0.113.99
abctl stats --json >"$AB_TMP/after"
jq -e '(.rules[] | select(.rule == "1:3000002") | .bans == 2 and .banned_now == 1) and
    .total == {"alerts": 14, "bans": 7, "banned_now": 7} and .banned_now_without_rule == 1' \
    "$AB_TMP/after" >/dev/null || { cat "$AB_TMP/after"; ab_fail "after unban"; }

echo "== the counts survive a reload"
abctl reload >/dev/null
abctl stats --json | jq -e '.total.alerts == 14 and .total.bans == 7' >/dev/null ||
    ab_fail "counts lost at reload"
ab_stop
echo "PASS"
