#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# EVE is read like fast.log: one set of alerts, written once as Suricata's fast.log and once as
# its eve.json (with the flow, dns and stats events a real eve.json is mostly made of between
# them), each followed by alertband (real iptables, private network namespace) across a rename
# rotation, ends in the same bans: the same addresses in `alertban list --json` with the same
# violations, rules, messages and reasons, the same kernel chain, and the same verdict counts.
# The set holds offenders below, at and above the threshold, IPv6, ICMP without ports, a
# BLOCKED DESTINATION message (the offender is the destination), and an alert the sensor
# blocked.
set -eu
. "$(dirname "$0")/lib/common.sh"
ab_enter_netns "$@"
AB_ON_EXIT=flush
. "$(dirname "$0")/lib/daemon.sh"

POLICY='
[policy]
threshold = 2/60s
ban_time = 1h
extend = 5m
max_bans_per_minute = 0'

# pair FILE_BASE SID MSG PROTO SRC SPORT DST DPORT ACTION: one alert, appended to
# FILE_BASE.fast as a fast.log line and to FILE_BASE.eve as an EVE record. Ports "-" for ICMP.
pair() {
    base=$1 sid=$2 msg=$3 proto=$4 src=$5 sport=$6 dst=$7 dport=$8 action=$9
    marker=""
    [ "$action" = blocked ] && marker="[Drop] "
    flow_id=$((flow_id + 1))
    if [ "$sport" = - ]; then
        fast_addrs="$src:8 -> $dst:0"
        eve_ports='"icmp_type":8,"icmp_code":0'
    else
        fast_addrs="$src:$sport -> $dst:$dport"
        eve_ports="\"src_port\":$sport,\"dest_port\":$dport"
    fi
    printf '%s  %s[**] [1:%s:1] %s [**] [Classification: Misc Attack] [Priority: 2] {%s} %s\n' \
        "$(date +%m/%d/%Y-%H:%M:%S.000000)" "$marker" "$sid" "$msg" "$proto" "$fast_addrs" \
        >>"$base.fast"
    printf '{"timestamp":"%s","flow_id":%s,"in_iface":"veth0","event_type":"alert","src_ip":"%s","dest_ip":"%s",%s,"proto":"%s","alert":{"action":"%s","gid":1,"signature_id":%s,"rev":1,"signature":"%s","category":"Misc Attack","severity":2},"flow":{"pkts_toserver":3,"pkts_toclient":1,"bytes_toserver":300,"bytes_toclient":60,"start":"%s"}}\n' \
        "$(date +%Y-%m-%dT%H:%M:%S.000000%z)" "$flow_id" "$src" "$dst" "$eve_ports" "$proto" \
        "$action" "$sid" "$msg" "$(date +%Y-%m-%dT%H:%M:%S.000000%z)" >>"$base.eve"
    # What fills a real eve.json between alerts.
    printf '{"timestamp":"%s","flow_id":1%s,"event_type":"flow","src_ip":"%s","dest_ip":"%s","proto":"%s","flow":{"pkts_toserver":1,"pkts_toclient":0,"state":"new","alerted":false}}\n' \
        "$(date +%Y-%m-%dT%H:%M:%S.000000%z)" "$flow_id" "$src" "$dst" "$proto" >>"$base.eve"
    printf '{"timestamp":"%s","event_type":"dns","src_ip":"192.0.2.53","dest_ip":"192.0.2.1","proto":"UDP","dns":{"type":"query","id":1,"rrname":"example.com","rrtype":"A"}}\n' \
        "$(date +%Y-%m-%dT%H:%M:%S.000000%z)" >>"$base.eve"
}

flow_id=1000
: >"$AB_TMP/first.fast"
: >"$AB_TMP/first.eve"
: >"$AB_TMP/second.fast"
: >"$AB_TMP/second.eve"
pair "$AB_TMP/first" 2001219 "ET SCAN once" TCP 198.51.100.10 40001 192.0.2.1 22 allowed
pair "$AB_TMP/first" 2001219 "ET SCAN thrice" TCP 198.51.100.11 40002 192.0.2.1 22 allowed
pair "$AB_TMP/first" 2001219 "ET SCAN thrice" TCP 198.51.100.11 40003 192.0.2.1 22 allowed
pair "$AB_TMP/first" 2001220 "ET SCAN IPv6" TCP 2001:db8:1::13 40004 2001:db8::1 22 allowed
pair "$AB_TMP/first" 2100384 "GPL ICMP_INFO PING" ICMP 203.0.113.60 - 192.0.2.1 - allowed
printf '{"timestamp":"%s","event_type":"stats","stats":{"uptime":8,"decoder":{"pkts":100}}}\n' \
    "$(date +%Y-%m-%dT%H:%M:%S.000000%z)" >>"$AB_TMP/first.eve"
# After the rotation: the rest of each offender's alerts, and new ones.
pair "$AB_TMP/second" 2001219 "ET SCAN thrice" TCP 198.51.100.11 40005 192.0.2.1 22 allowed
pair "$AB_TMP/second" 2001220 "ET SCAN IPv6" TCP 2001:db8:1::13 40006 2001:db8::1 22 allowed
pair "$AB_TMP/second" 2100384 "GPL ICMP_INFO PING" ICMP 203.0.113.60 - 192.0.2.1 - allowed
pair "$AB_TMP/second" 1000010 "SMTP AUTH 535 Authentication failed BLOCKED DESTINATION" TCP 192.0.2.1 25 198.51.100.14 40007 allowed
pair "$AB_TMP/second" 1000010 "SMTP AUTH 535 Authentication failed BLOCKED DESTINATION" TCP 192.0.2.1 25 198.51.100.14 40008 allowed
pair "$AB_TMP/second" 2010935 "ET SCAN dropped inline" TCP 203.0.113.70 40009 192.0.2.1 3306 blocked
pair "$AB_TMP/second" 2010935 "ET SCAN dropped inline" TCP 203.0.113.70 40010 192.0.2.1 3306 blocked
n_first=$(wc -l <"$AB_TMP/first.fast")
n=$((n_first + $(wc -l <"$AB_TMP/second.fast")))
n_eve_other=$(($(wc -l <"$AB_TMP/first.eve") + $(wc -l <"$AB_TMP/second.eve") - n))

# run KIND: follows $AB_TMP/KIND.log through a rename rotation; leaves the bans in
# $AB_TMP/KIND.bans, the kernel chain in KIND.kernel and the verdict counts in KIND.verdicts.
run() {
    kind=$1
    AB_LOG="$AB_TMP/$kind.log"
    rm -rf "$AB_TMP/state" "$AB_LOG" "$AB_LOG.1"
    ab_write_config "$POLICY"
    : >"$AB_LOG"
    ab_start
    cat "$AB_TMP/first.$kind" >>"$AB_LOG"
    parsed() { [ "$(abctl status --json | jq .alerts.parsed)" -eq "$1" ]; }
    ab_wait_for 10 parsed "$n_first"
    # Rotation as logrotate does it: rename, and the sensor opens a new file.
    mv "$AB_LOG" "$AB_LOG.1"
    cat "$AB_TMP/second.$kind" >"$AB_LOG.new"
    mv "$AB_LOG.new" "$AB_LOG"
    ab_wait_for 10 parsed "$n"
    abctl status --json >"$AB_TMP/$kind.status"
    abctl list --json | jq -S '[.bans[] | {addr, source, violations, prior_bans, rule, msg, reason, permanent}] | sort_by(.addr)' \
        >"$AB_TMP/$kind.bans"
    jq -S '.verdicts' "$AB_TMP/$kind.status" >"$AB_TMP/$kind.verdicts"
    ab_kernel_bans >"$AB_TMP/$kind.kernel"
    ab_stop
}

echo "== fast.log"
run fast
echo "== eve.json"
run eve

echo "== the same bans, counts and verdicts"
diff -u "$AB_TMP/fast.bans" "$AB_TMP/eve.bans" >&2 || ab_fail "bans differ (- fast.log, + eve.json)"
diff -u "$AB_TMP/fast.kernel" "$AB_TMP/eve.kernel" >&2 || ab_fail "kernel chains differ"
diff -u "$AB_TMP/fast.verdicts" "$AB_TMP/eve.verdicts" >&2 || ab_fail "verdict counts differ"

echo "== and they are the expected ones"
printf '%s\n' 198.51.100.11 198.51.100.14 2001:db8:1::13 203.0.113.60 203.0.113.70 >"$AB_TMP/want"
jq -r '.[].addr' "$AB_TMP/eve.bans" | sort >"$AB_TMP/got"
diff -u "$AB_TMP/want" "$AB_TMP/got" >&2 || ab_fail "unexpected banned addresses"
sort "$AB_TMP/want" | diff -u - "$AB_TMP/eve.kernel" >&2 || ab_fail "unexpected kernel chain"
jq -e '.[] | select(.addr == "198.51.100.11") | .violations == 3' "$AB_TMP/eve.bans" >/dev/null ||
    ab_fail "198.51.100.11 should count 3 violations: $(cat "$AB_TMP/eve.bans")"
jq -e '.[] | select(.addr == "198.51.100.14") | .rule == "1:1000010:1"' "$AB_TMP/eve.bans" >/dev/null ||
    ab_fail "the BLOCKED DESTINATION offender is not the destination"
# The EVE run skipped every other event as not_alert, and nothing else.
jq -e --argjson o "$n_eve_other" --argjson n "$n" \
    '.alerts.parsed == $n and .alerts.skipped.not_alert == $o and .alerts.skipped.malformed == 0' \
    "$AB_TMP/eve.status" >/dev/null ||
    { jq .alerts "$AB_TMP/eve.status" >&2; ab_fail "EVE counts wrong (want $n alerts, $n_eve_other not_alert)"; }
echo "PASS"
