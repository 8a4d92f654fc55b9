#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# The daemon at scale with backend = nftables: a burst of 100,000 alerts from distinct
# addresses becomes 100,000 bans in the kernel's set, in the store and in `alertban list`,
# all equal, with no policy state left for them; after a stop, a hand-made change to the set
# (members removed, strays added) and a start, the set equals the store again and the daemon
# answers with every ban.
set -eu
. "$(dirname "$0")/lib/common.sh"
ab_enter_netns "$@"
. "$(dirname "$0")/lib/daemon.sh"
command -v nft >/dev/null 2>&1 || ab_fail "nft is not installed (scripts/setup installs it)"

N=100000
AB_BACKEND=nftables AB_DAEMON_EXTRA="max_bans = 200000" ab_write_config '
[policy]
ban_time = 1h
max_bans_per_minute = 0'
grep -qx 'backend = nftables' "$AB_CONF" || ab_fail "could not select the nftables backend"

# The I-th address of 198.18.0.0/15 for I = 1..N, in the order written.
awk -v n="$N" 'BEGIN { for (i = 1; i <= n; i++)
    printf "198.%d.%d.%d\n", 18 + int(i / 65536), int(i / 256) % 256, i % 256 }' >"$AB_TMP/addrs"
sort "$AB_TMP/addrs" >"$AB_TMP/want"
awk '{ printf "11/22-10:00:01.000001  [**] [1:2001219:20] ET SCAN scale [**] [Priority: 2] {TCP} %s:40000 -> 192.0.2.1:22\n", $1 }' \
    "$AB_TMP/addrs" >"$AB_TMP/burst"

kernel_set() {
    nft list set inet alertban ban4 | grep -oE '198\.1[89]\.[0-9]+\.[0-9]+' | sort -u
}
# A dump of a large set taken while the kernel grows its hash table (a deferred resize after
# a big insert) may list some members twice and miss others, so it is repeated until it
# shows the set as it is.
kernel_is_want() {
    kernel_set >"$AB_TMP/kernel"
    cmp -s "$AB_TMP/want" "$AB_TMP/kernel"
}

: >"$AB_LOG"
ab_start
cat "$AB_TMP/burst" >>"$AB_LOG"
ab_wait_for 120 ab_settled "$N"
i=0
until kernel_is_want; do
    i=$((i + 1))
    [ "$i" -lt 20 ] ||
        ab_fail "the kernel's set is not the $N banned addresses ($(wc -l <"$AB_TMP/kernel") members)"
    sleep 0.5
done
# The policy keeps no per-address state for an address once it is banned.
abctl status --json | jq -e '.policy.tracked == 0' >/dev/null ||
    ab_fail "the policy still tracks banned addresses: $(abctl status --json | jq -c .policy)"
abctl list --json | jq -r '.bans[].addr' | sort >"$AB_TMP/listed"
cmp -s "$AB_TMP/want" "$AB_TMP/listed" || ab_fail "alertban list does not show the $N bans"
# Every ban as the burst made it: the rule, its msg, one violation, a 1 h timeout.
abctl list --json | jq -e '[.bans[] | select(.rule != "1:2001219:20" or .msg != "ET SCAN scale"
    or .violations != 1 or .source != "policy" or .reason != "threshold"
    or (.expires - .created) != 3600)] | length == 0' >/dev/null ||
    ab_fail "some listed bans differ from what the burst made"
ab_stop

# The store, read by the CLI with the daemon down, says the same.
abctl list --json | jq -r '.bans[].addr' | sort >"$AB_TMP/stored"
cmp -s "$AB_TMP/want" "$AB_TMP/stored" || ab_fail "the store does not hold the $N bans"

# A hand-made change while stopped: ten members gone, three strays added.
gone="198.18.0.1, 198.18.0.2, 198.18.1.3, 198.18.100.4, 198.18.200.5, 198.19.0.6, 198.19.10.7,
      198.19.100.8, 198.19.134.9, 198.18.50.10"
nft delete element inet alertban ban4 "{ $gone }"
nft add element inet alertban ban4 '{ 203.0.113.201 timeout 1h, 203.0.113.202, 198.19.200.1 }'
i=0
until [ "$(kernel_set | wc -l)" -eq $((N - 10 + 1)) ]; do
    i=$((i + 1))
    [ "$i" -lt 20 ] || ab_fail "the hand-made change did not apply"
    sleep 0.5
done

ab_start
ab_settled "$N" || ab_fail "after the restart the daemon does not hold $N settled bans"
i=0
until kernel_is_want; do
    i=$((i + 1))
    [ "$i" -lt 20 ] || ab_fail "the restart did not reconcile the set with the store"
    sleep 0.5
done
nft list set inet alertban ban4 | grep -q '203\.0\.113\.20[12]' && ab_fail "a stray stayed in the set"
grep -q 'bans_restored=100000 ' "$AB_DAEMON_LOG" || ab_fail "the start line does not count 100000 bans"
# Members put back by the reconcile carry the ban's remaining time, not a permanent entry.
t=$(nft -j list set inet alertban ban4 | jq -r '.nftables[] | select(.set) | .set.elem[] |
    select(type == "object" and .elem.val == "198.18.0.1") | .elem.timeout')
[ -n "$t" ] && [ "$t" -ge 3000 ] && [ "$t" -le 3600 ] || ab_fail "198.18.0.1 came back with timeout '$t'"
ab_stop
echo "ok: $N bans burst, listed, stored, and reconciled after a restart"
