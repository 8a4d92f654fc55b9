#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# The own-address set follows the kernel live: in a private network namespace, the ownaddr
# unit binary's live case adds and removes addresses and default routes with `ip` (veth pair,
# documentation addresses) and waits for the netlink watch to report each change.
. "$(dirname "$0")/lib/common.sh"
ab_enter_netns "$@"

bin="$AB_BUILD/test/test-ownaddr"
[ -x "$bin" ] || ab_fail "missing $bin (build first)"
out=$(ALERTBAN_OWNADDR_LIVE=1 "$bin" -p /ownaddr/watch/live 2>&1) || {
    echo "$out" >&2
    ab_fail "live ownaddr case failed"
}
echo "$out"
# It really ran (a skip would print "# SKIP").
echo "$out" | grep -q '^ok 1 /ownaddr/watch/live$' || ab_fail "live case did not run"
if echo "$out" | grep -q SKIP; then
    ab_fail "live case skipped"
fi
echo "PASS: ownaddr follows address and route changes"
