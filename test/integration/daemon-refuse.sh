#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Mistakes refused, not obeyed (issue 15): a zero-length prefix (0.0.0.0/0, ::/0,
# ::ffff:0.0.0.0/96) is refused even with --force; a network wider than min_prefix4/6 needs
# --force; a network covering a protected, whitelisted or own address is refused, naming the
# entry that matched (the whitelist's /28, not the address asked for).
set -eu
. "$(dirname "$0")/lib/common.sh"
ab_enter_netns "$@"
. "$(dirname "$0")/lib/daemon.sh"

ab_write_config '
[policy]
protect = 198.51.100.0/24
min_prefix4 = 16
min_prefix6 = 48

[whitelist]
address = 203.0.113.0/28'
: >"$AB_LOG"
ip addr add 192.0.2.1/32 dev lo
ab_start

# refused PATTERN ARGS...: ban ARGS must exit 1 with PATTERN in its message, and add nothing.
refused() {
    pattern=$1
    shift
    rc=0
    abctl ban "$@" >/dev/null 2>"$AB_TMP/err" || rc=$?
    [ "$rc" -eq 1 ] || ab_fail "ban $*: exit $rc, want 1"
    grep -qF -- "$pattern" "$AB_TMP/err" || { cat "$AB_TMP/err"; ab_fail "ban $*: no \"$pattern\""; }
    [ -z "$(ab_list_addrs)" ] || ab_fail "ban $* was stored: $(ab_list_addrs)"
}

echo "== zero-length prefixes: never, --force or not"
refused "0.0.0.0/0 is refused, even with --force" 0.0.0.0/0 --force
refused "::/0 is refused, even with --force" ::/0 --force
refused "0.0.0.0/0 is refused, even with --force" ::ffff:0.0.0.0/96 --force
refused "is refused, even with --force" 0.0.0.0/0

echo "== wider than min_prefix4/6: only with --force"
refused "198.18.0.0/15 is wider than min_prefix4 = 16" 198.18.0.0/15
refused "2001:db8:1000::/36 is wider than min_prefix6 = 48" 2001:db8:1000::/36
abctl ban 198.18.0.0/15 --force >/dev/null || ab_fail "ban 198.18.0.0/15 --force refused"
ab_kernel_has 198.18.0.0/15 || ab_fail "198.18.0.0/15 --force is not in the kernel"
abctl unban 198.18.0.0/15 >/dev/null
abctl ban 198.18.0.0/16 >/dev/null || ab_fail "a /16 (= min_prefix4) was refused"
abctl unban 198.18.0.0/16 >/dev/null

echo "== networks that cover what is never banned, naming the entry"
refused "198.51.0.0/16 is never banned (protected: 198.51.100.0/24)" 198.51.0.0/16
refused "203.0.113.5 is never banned (whitelisted_address: 203.0.113.0/28)" 203.0.113.5
refused "203.0.113.0/24 is never banned (whitelisted_address: 203.0.113.0/28)" 203.0.113.0/24
refused "192.0.2.0/24 is never banned (own_address: 192.0.2.1)" 192.0.2.0/24
abctl ban 203.0.113.16/28 >/dev/null || ab_fail "a network beside the whitelisted /28 was refused"
ab_kernel_has 203.0.113.16/28 || ab_fail "203.0.113.16/28 is not in the kernel"
abctl ban 198.51.0.0/16 --force >/dev/null || ab_fail "--force does not override protect"

echo "== show of a network ban; several addresses in one ban/unban, the worst exit status"
abctl show 203.0.113.16/28 >"$AB_TMP/out" || ab_fail "show of a network ban failed"
grep -q '^address *203.0.113.16/28$' "$AB_TMP/out" && grep -q '^state *banned (manual)' "$AB_TMP/out" ||
    { cat "$AB_TMP/out"; ab_fail "show 203.0.113.16/28"; }
abctl show --json 203.0.113.16/28 | jq -e '.ban.addr == "203.0.113.16/28"' >/dev/null ||
    ab_fail "show --json of a network ban"
rc=0
abctl show --limit 1001 203.0.113.17 >/dev/null 2>&1 || rc=$?
[ "$rc" -eq 2 ] || ab_fail "show --limit 1001: exit $rc, want 2"
rc=0
abctl ban 203.0.113.40 192.0.2.1 203.0.113.41 >/dev/null 2>"$AB_TMP/err" || rc=$?
[ "$rc" -eq 1 ] || ab_fail "ban of three with one refused: exit $rc, want 1"
grep -q "192.0.2.1 is never banned" "$AB_TMP/err" || ab_fail "the refused one is not named"
ab_kernel_has 203.0.113.40 && ab_kernel_has 203.0.113.41 || ab_fail "the other two were not banned"
abctl unban 203.0.113.40 203.0.113.41 >/dev/null || ab_fail "unban of two failed"
ab_kernel_lacks 203.0.113.40 && ab_kernel_lacks 203.0.113.41 || ab_fail "unban of two left one"
rc=0
abctl unban 203.0.113.16/28 203.0.113.99 >/dev/null 2>&1 || rc=$?
[ "$rc" -eq 1 ] || ab_fail "unban with one not banned: exit $rc, want 1"
ab_kernel_lacks 203.0.113.16/28 || ab_fail "unban of a banned network beside an unbanned address"
ab_stop
echo "PASS"
