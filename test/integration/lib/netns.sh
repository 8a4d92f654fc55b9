# SPDX-License-Identifier: GPL-2.0-or-later
# Shared by the cases and benchmarks that need peers (after lib/common.sh and ab_enter_netns):
# named network namespaces, deleted at exit, joined to the case's own namespace by veth pairs,
# so that real packets cross a real link to the host under test.

# ab_ns_add NS: the named namespace NS (deleted at exit) with its loopback up. Named ones need
# the real root (a bind mount under /run/netns): in a user namespace the case cannot run.
ab_ns_add() {
    ip netns add "$1" || ab_skip "cannot create a named network namespace"
    ab_on_exit "ip netns del $1"
    ip -n "$1" link set lo up
}

# ab_addrs_add [-n NS] DEV ADDR...: each ADDR (with its prefix length) on DEV; IPv6 ones
# without duplicate address detection, which would keep them tentative for a second or more.
ab_addrs_add() {
    _ab_ns=""
    if [ "$1" = -n ]; then
        _ab_ns="-n $2"
        shift 2
    fi
    _ab_dev=$1
    shift
    for _ab_a in "$@"; do
        # shellcheck disable=SC2086 # _ab_ns is empty or two words
        case "$_ab_a" in
        *:*) ip $_ab_ns addr add "$_ab_a" dev "$_ab_dev" nodad ;;
        *) ip $_ab_ns addr add "$_ab_a" dev "$_ab_dev" ;;
        esac
    done
}

# ab_peer NS OUR-DEV THEIR-DEV "OUR-ADDRS" "THEIR-ADDRS" [GATEWAY]: the namespace NS
# (ab_ns_add) joined to ours by a veth pair, our end OUR-DEV, its end THEIR-DEV, both up with
# their addresses; with GATEWAY (one of our addresses) NS routes everything through us.
ab_peer() {
    ab_ns_add "$1"
    ip link add "$2" type veth peer name "$3" netns "$1"
    # shellcheck disable=SC2086 # the address lists split on spaces
    ab_addrs_add "$2" $4
    ip link set "$2" up
    # shellcheck disable=SC2086
    ab_addrs_add -n "$1" "$3" $5
    ip -n "$1" link set "$3" up
    if [ $# -gt 5 ]; then
        ip -n "$1" route add default via "$6"
    fi
}

# ab_nth_addr I: the I-th address of 198.18.0.0/15 (I from 1).
ab_nth_addr() {
    echo "198.$((18 + $1 / 65536)).$(($1 / 256 % 256)).$(($1 % 256))"
}

# ab_routed_peer NS COUNT: a client namespace NS behind 192.0.2.2 (our end ab-srv is
# 192.0.2.1) holding the first COUNT addresses of 198.18.0.0/15 on its loopback: many source
# addresses, all routed through one neighbour (no neighbour resolution each).
ab_routed_peer() {
    ab_peer "$1" ab-srv ab-cli 192.0.2.1/24 192.0.2.2/24 192.0.2.1
    ip route add 198.18.0.0/15 via 192.0.2.2
    _ab_i=1
    while [ "$_ab_i" -le "$2" ]; do
        echo "addr add $(ab_nth_addr "$_ab_i")/32 dev lo"
        _ab_i=$((_ab_i + 1))
    done >"$AB_TMP/addrs.batch"
    ip -n "$1" -batch "$AB_TMP/addrs.batch"
}
