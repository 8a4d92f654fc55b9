# SPDX-License-Identifier: GPL-2.0-or-later
# Shared by the integration cases: enter a private network namespace (or skip, or fail when
# ALERTBAN_REQUIRE_NETNS=1), a scratch directory, and polling with a deadline.
#
# A case starts with:
#   . "$(dirname "$0")/lib/common.sh"
#   ab_enter_netns "$@"
# and is then running as root in a network namespace of its own, with $AB_TMP a scratch
# directory (removed on exit), $AB_BUILD the build tree and $AB_SRC the source tree.

AB_SRC=${ALERTBAN_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
AB_BUILD=${ALERTBAN_BUILD_DIR:-$AB_SRC/build/gcc}

ab_fail() {
    echo "FAIL: $*" >&2
    exit 1
}

ab_skip() {
    if [ "${ALERTBAN_REQUIRE_NETNS:-0}" = 1 ]; then
        ab_fail "cannot run ($*) and ALERTBAN_REQUIRE_NETNS=1"
    fi
    echo "SKIP: $*" >&2
    exit 77
}

# Re-executes the calling script inside `unshare -n` (as root) or `unshare -rn` (an
# unprivileged user namespace), unless it is already inside one.
ab_enter_netns() {
    if [ -z "${AB_IN_NETNS:-}" ]; then
        export AB_IN_NETNS=1
        if [ "$(id -u)" -eq 0 ] && unshare -n true 2>/dev/null; then
            exec unshare -n "$0" "$@"
        elif unshare -rn true 2>/dev/null; then
            exec unshare -rn "$0" "$@"
        fi
        ab_skip "no network namespace (need root or user namespaces)"
    fi
    if ! command -v iptables-legacy >/dev/null 2>&1; then
        ab_skip "iptables-legacy is not installed"
    fi
    ab_scratch
    # Never the host's lock: alertband and the checking commands share one of our own.
    export XTABLES_LOCKFILE="$AB_TMP/xtables.lock"
    ip link set lo up
}

# ab_scratch: the scratch directory $AB_TMP alone, removed at exit (kept when the case
# fails), for the cases that need no network namespace.
ab_scratch() {
    AB_TMP=$(mktemp -d "${TMPDIR:-/tmp}/alertban-it.XXXXXX")
    export AB_TMP
    trap 'ab_cleanup' EXIT
    trap 'exit 1' INT TERM
}

# Cases add their own cleanup commands (kill daemons, delete named namespaces) here.
AB_CLEANUP=""
ab_on_exit() {
    AB_CLEANUP="$1; $AB_CLEANUP"
}

ab_cleanup() {
    rc=$?
    eval "$AB_CLEANUP" 2>/dev/null || true
    if [ "$rc" -ne 0 ] && [ -n "${AB_TMP:-}" ]; then
        echo "(scratch directory kept: $AB_TMP)" >&2
    else
        rm -rf "$AB_TMP"
    fi
    exit "$rc"
}

# ab_wait_for SECONDS COMMAND...: runs COMMAND every 10 ms until it succeeds; fails the case
# when SECONDS pass first.
ab_wait_for() {
    deadline=$(( $(date +%s%N) / 1000000 + $1 * 1000 ))
    shift
    while ! "$@" >/dev/null 2>&1; do
        if [ $(( $(date +%s%N) / 1000000 )) -ge "$deadline" ]; then
            ab_fail "timed out waiting for: $*"
        fi
        sleep 0.01
    done
}
