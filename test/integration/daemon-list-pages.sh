#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# `list` in pages (issue 15): with 25,000 bans (nftables backend), every reply line the daemon
# sends holds at most 5,000 bans and 2 MiB, read with a raw socket client; `alertban list`
# still shows all 25,000, as one JSON document with --json and as one table without; --limit
# crosses pages; a ban added and one lifted between two pages neither repeat nor hide any
# other ban (sorted by addr and by expiry); and the CLI pages the store the same way while the
# daemon is down.
set -eu
. "$(dirname "$0")/lib/common.sh"
ab_enter_netns "$@"
. "$(dirname "$0")/lib/daemon.sh"
command -v nft >/dev/null 2>&1 || ab_fail "nft is not installed (scripts/setup installs it)"
PYTHON=$(command -v /usr/bin/python3 || command -v python3) ||
    ab_fail "python3 is missing (scripts/setup installs it)"
PAGES="$PYTHON $AB_SRC/test/integration/lib/listpages.py $AB_TMP/run/alertban.sock"

N=25000
PAGE_MAX=5000
PAGE_BYTES=$((2 * 1024 * 1024))
AB_BACKEND=nftables AB_DAEMON_EXTRA="max_bans = 100000" ab_write_config '
[policy]
ban_time = 1h
max_bans_per_minute = 0'

# The I-th address of 198.18.0.0/15 for I = 1..N (all inside 198.18.0.0/17).
awk -v n="$N" 'BEGIN { for (i = 1; i <= n; i++)
    printf "198.%d.%d.%d\n", 18 + int(i / 65536), int(i / 256) % 256, i % 256 }' >"$AB_TMP/addrs"
sort "$AB_TMP/addrs" >"$AB_TMP/want"
awk '{ printf "11/22-10:00:01.000001  [**] [1:2001219:20] ET SCAN pages [**] [Priority: 2] {TCP} %s:40000 -> 192.0.2.1:22\n", $1 }' \
    "$AB_TMP/addrs" >"$AB_TMP/burst"

: >"$AB_LOG"
ab_start
cat "$AB_TMP/burst" >>"$AB_LOG"
ab_wait_for 120 ab_settled "$N"

# ---- the CLI shows every ban, one document, one table ----
t0=$(ab_now_ms)
abctl list --json >"$AB_TMP/list.json"
t1=$(ab_now_ms)
echo "alertban list --json of $N bans: $((t1 - t0)) ms"
[ "$(wc -l <"$AB_TMP/list.json")" -eq 1 ] || ab_fail "list --json is not one line"
jq -e --argjson n "$N" '(.bans | length) == $n and .ok == true and (has("next") | not)
    and ([keys_unsorted[]] == ["v", "ok", "now", "bans"])' "$AB_TMP/list.json" >/dev/null ||
    ab_fail "list --json is not one document of $N bans: $(jq -c 'del(.bans)' "$AB_TMP/list.json")"
jq -r '.bans[].addr' "$AB_TMP/list.json" | sort >"$AB_TMP/listed"
cmp -s "$AB_TMP/want" "$AB_TMP/listed" || ab_fail "list --json does not show the $N bans"
# Soonest expiry first across the pages, as in one reply.
jq -e '[.bans[].expires] | . == sort' "$AB_TMP/list.json" >/dev/null ||
    ab_fail "list --json is not in expiry order across its pages"

abctl list >"$AB_TMP/list.txt"
[ "$(grep -c '^ADDRESS ' "$AB_TMP/list.txt")" -eq 1 ] || ab_fail "the table has not one header"
[ "$(wc -l <"$AB_TMP/list.txt")" -eq $((N + 1)) ] ||
    ab_fail "the table has $(wc -l <"$AB_TMP/list.txt") lines, not $((N + 1))"
tail -n +2 "$AB_TMP/list.txt" | awk '{ print $1 }' | sort >"$AB_TMP/listed.txt"
cmp -s "$AB_TMP/want" "$AB_TMP/listed.txt" || ab_fail "the table does not show the $N bans"

# --limit across pages: the first 7,000 of the whole list, in its order.
abctl list --json --sort addr --limit 7000 | jq -r '.bans[].addr' >"$AB_TMP/limited"
abctl list --json --sort addr | jq -r '.bans[].addr' | head -n 7000 >"$AB_TMP/first7000"
[ "$(wc -l <"$AB_TMP/limited")" -eq 7000 ] || ab_fail "--limit 7000 gave $(wc -l <"$AB_TMP/limited")"
cmp -s "$AB_TMP/limited" "$AB_TMP/first7000" || ab_fail "--limit 7000 is not the list's head"

# ---- what the daemon sends: pages of at most PAGE_MAX bans and PAGE_BYTES ----
for sort in addr expires violations created; do
    $PAGES "$sort" "$AB_TMP/raw.$sort" >"$AB_TMP/pages.$sort" || ab_fail "the raw client failed ($sort)"
    awk -v m="$PAGE_MAX" -v b="$PAGE_BYTES" '$4 > m || $6 > b + 8192 { bad = 1 } END { exit bad }' \
        "$AB_TMP/pages.$sort" || ab_fail "a reply over the page bound ($sort): $(cat "$AB_TMP/pages.$sort")"
    [ "$(wc -l <"$AB_TMP/pages.$sort")" -eq $((N / PAGE_MAX)) ] ||
        ab_fail "$N bans ($sort) did not come in $((N / PAGE_MAX)) pages: $(cat "$AB_TMP/pages.$sort")"
    [ -z "$(sort "$AB_TMP/raw.$sort" | uniq -d)" ] || ab_fail "a ban came twice ($sort)"
    sort "$AB_TMP/raw.$sort" | cmp -s "$AB_TMP/want" - || ab_fail "the pages ($sort) miss bans"
done
sort -c -V "$AB_TMP/raw.addr" 2>/dev/null || ab_fail "the addr pages are not in address order"
sed -n 1p "$AB_TMP/pages.addr"

# ---- changes between pages ----
# Sorted by addr, page 1 ends near 198.18.19.x: 198.18.200.200 (new) and 198.18.50.10 (lifted)
# lie ahead of the cursor, 192.0.2.50 (new) behind it.
run="$ALERTBAN ban -c $AB_CONF 198.18.200.200 192.0.2.50 >/dev/null &&
     $ALERTBAN unban -c $AB_CONF 198.18.50.10 >/dev/null"
$PAGES addr "$AB_TMP/raw.change" --after-page 1 --run "$run" >/dev/null ||
    ab_fail "the raw client failed with a change between pages"
{ grep -vx '198.18.50.10' "$AB_TMP/want"; echo 198.18.200.200; } | sort >"$AB_TMP/want.change"
[ -z "$(sort "$AB_TMP/raw.change" | uniq -d)" ] || ab_fail "a ban came twice after a change"
sort "$AB_TMP/raw.change" | cmp -s "$AB_TMP/want.change" - ||
    ab_fail "a change between pages hid or added bans: $(sort "$AB_TMP/raw.change" | diff "$AB_TMP/want.change" - | head)"

# Sorted by expiry (the default): a new ban expires last, so it comes on the last page.
run="$ALERTBAN ban -c $AB_CONF 198.18.201.201 >/dev/null &&
     $ALERTBAN unban -c $AB_CONF 198.18.60.1 >/dev/null"
$PAGES expires "$AB_TMP/raw.change2" --after-page 2 --run "$run" >/dev/null ||
    ab_fail "the raw client failed with a change between pages (expires)"
abctl list --json | jq -r '.bans[].addr' | sort >"$AB_TMP/want.change2"
grep -qx 198.18.201.201 "$AB_TMP/want.change2" && ! grep -qx 198.18.60.1 "$AB_TMP/want.change2" ||
    ab_fail "the ban and unban between pages did not happen"
[ -z "$(sort "$AB_TMP/raw.change2" | uniq -d)" ] || ab_fail "a ban came twice after a change (expires)"
sort "$AB_TMP/raw.change2" | cmp -s "$AB_TMP/want.change2" - ||
    ab_fail "a change between pages (expires) hid or added bans"
[ "$(tail -n 1 "$AB_TMP/raw.change2")" = 198.18.201.201 ] || ab_fail "the newest ban is not last"

# A cursor that does not fit the sort is refused, naming the key.
printf '{"v":1,"cmd":"list","sort":"expires","after":"198.18.0.1"}\n' >"$AB_TMP/badreq"
$PYTHON -c 'import socket,sys; s=socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]);
s.sendall(open(sys.argv[2],"rb").read()); print(s.makefile().readline().strip())' \
    "$AB_TMP/run/alertban.sock" "$AB_TMP/badreq" >"$AB_TMP/badreply"
jq -e '.ok == false and .code == "proto" and (.error | test("after"))' "$AB_TMP/badreply" >/dev/null ||
    ab_fail "a bad cursor was not refused: $(cat "$AB_TMP/badreply")"
ab_stop

# ---- the daemon down: the store, in pages the same way ----
abctl list --json 2>/dev/null >"$AB_TMP/offline.json"
jq -e '.offline == true and (has("next") | not)' "$AB_TMP/offline.json" >/dev/null ||
    ab_fail "offline list --json is not one document"
jq -r '.bans[].addr' "$AB_TMP/offline.json" | sort >"$AB_TMP/offline"
cmp -s "$AB_TMP/want.change2" "$AB_TMP/offline" || ab_fail "offline list does not show the stored bans"
echo "ok: $N bans listed in pages of at most $PAGE_MAX, whole through the CLI, stable under changes"
