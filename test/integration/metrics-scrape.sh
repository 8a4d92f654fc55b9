#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# The Prometheus endpoint end to end: alertband with [metrics] listen, under the systemd
# unit's capability set (setpriv: bounding and ambient sets read from etc/alertban.service),
# bans real alerts through the iptables backend; scrapes over TCP with curl pass
# `promtool check metrics` with no problem or lint warning; the alert, verdict and ban series
# equal what was fed; counters survive a reload, and those kept in the store a restart; the
# last-alert time of the input moves with a new alert; the per-rule series count each rule;
# the dropped-packet counter rises by exactly the pings sent from a banned address over a veth
# (the kernel's counters, read in a thread); a reload moves the endpoint; a malformed request,
# a POST, an unknown path, a body and a 100 KB header get 4xx answers, and the daemon still
# bans and answers status after them.
set -eu
. "$(dirname "$0")/lib/common.sh"
ab_enter_netns "$@"
. "$(dirname "$0")/lib/daemon.sh"
command -v curl >/dev/null 2>&1 || ab_fail "curl is not installed (scripts/setup installs it)"
command -v promtool >/dev/null 2>&1 || ab_fail "promtool is not installed (scripts/setup installs it)"
command -v setpriv >/dev/null 2>&1 || ab_fail "setpriv (util-linux) is not installed"
command -v python3 >/dev/null 2>&1 || ab_fail "python3 is not installed"

PORT=9477
URL="http://127.0.0.1:$PORT/metrics"
write_config() {
    ab_write_config "
[policy]
ban_time = ${1:-1h}
max_bans_per_minute = 0

[whitelist]
address = 198.51.100.200

[metrics]
listen = ${2:-127.0.0.1:$PORT}"
}
write_config
: >"$AB_LOG"

echo "== alertband under the unit's capabilities ($(sed -n 's/^CapabilityBoundingSet=//p' "$AB_SRC/etc/alertban.service"))"
caps_arg() {
    printf '%s' '-all'
    for c in $1; do
        printf ',+%s' "$(echo "${c#CAP_}" | tr 'A-Z' 'a-z')"
    done
}
BOUNDING=$(sed -n 's/^CapabilityBoundingSet=//p' "$AB_SRC/etc/alertban.service")
AMBIENT=$(sed -n 's/^AmbientCapabilities=//p' "$AB_SRC/etc/alertban.service")
[ -n "$BOUNDING" ] && [ -n "$AMBIENT" ] || ab_fail "the unit names no capability sets"
setpriv --inh-caps="$(caps_arg "$AMBIENT")" --ambient-caps="$(caps_arg "$AMBIENT")" \
    --bounding-set="$(caps_arg "$BOUNDING")" --no-new-privs \
    "$ALERTBAND" -c "$AB_CONF" --foreground >>"$AB_DAEMON_LOG" 2>&1 &
AB_PID=$!
ab_on_exit "kill -9 $AB_PID 2>/dev/null"
ab_wait_for 20 ab_daemon_up
grep -q "metrics: serving http://127.0.0.1:$PORT/metrics" "$AB_DAEMON_LOG" ||
    { cat "$AB_DAEMON_LOG"; ab_fail "no line saying where the metrics are served"; }
bnd=$(sed -n 's/^CapBnd:[[:space:]]*//p' "/proc/$AB_PID/status")
[ "$bnd" = 0000000000003000 ] || ab_fail "the daemon's bounding set is $bnd, not the unit's"

# scrape FILE: GET /metrics into FILE, which promtool must pass without a word.
scrape() {
    curl -sS -f -o "$1" -D "$1.headers" "$URL" || ab_fail "scrape failed"
    grep -qi '^content-type: text/plain; version=0.0.4' "$1.headers" ||
        { cat "$1.headers"; ab_fail "wrong content type"; }
    promtool check metrics <"$1" >"$1.lint" 2>&1 || { cat "$1.lint"; ab_fail "promtool rejected $1"; }
    [ ! -s "$1.lint" ] || { cat "$1.lint"; ab_fail "promtool found problems in $1"; }
}
# value FILE SERIES: the value of the exact series (name{labels} as written), or "absent".
value() {
    python3 - "$1" "$2" <<'PY'
import sys
want = sys.argv[2]
for line in open(sys.argv[1], encoding="utf-8"):
    if line.startswith("#"):
        continue
    name, _, v = line.rstrip("\n").rpartition(" ")
    if name == want:
        print(v)
        break
else:
    print("absent")
PY
}
expect() {
    got=$(value "$1" "$2")
    [ "$got" = "$3" ] || { grep -F "${2%%\{*}" "$1" >&2 || true; ab_fail "$2 is $got, expected $3"; }
}
I="input=\"$AB_LOG\""

echo "== an endpoint before any alert: valid, last-alert time absent"
scrape "$AB_TMP/m0"
expect "$AB_TMP/m0" "alertban_alerts_read_total{$I,format=\"fast\"}" 0
expect "$AB_TMP/m0" "alertban_input_last_alert_timestamp_seconds{$I}" absent
expect "$AB_TMP/m0" "alertban_build_info{version=\"$("$ALERTBAND" --version | awk '{print $NF}')\"}" 1
expect "$AB_TMP/m0" "alertban_reloads_total" 0

echo "== real alerts: four bans, one whitelisted, two lines that are not alerts"
{
    snort2_line 2001219 "ET SCAN Potential SSH Scan" 203.0.113.10 40001 192.0.2.1 22
    snort3_line 1000001 "SSH brute force" 203.0.113.11 40002 192.0.2.1 22
    suricata_line 2010935 "ET SCAN MSSQL" 198.51.100.12 40003 192.0.2.1 1433
    snort2_line 2001220 "ET SCAN IPv6 probe" 2001:db8:1::13 40004 2001:db8::1 22
    snort2_line 2001219 "ET SCAN Potential SSH Scan" 198.51.100.200 40006 192.0.2.1 22
    echo "this is console noise"
    echo "=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+"
} >>"$AB_LOG"
for a in 203.0.113.10 203.0.113.11 198.51.100.12 2001:db8:1::13; do
    ab_wait_for 10 ab_kernel_has "$a"
done
read_five() { [ "$(abctl status --json | jq .alerts.parsed)" -ge 5 ]; }
ab_wait_for 10 read_five
scrape "$AB_TMP/m1"
expect "$AB_TMP/m1" "alertban_alerts_read_total{$I,format=\"fast\"}" 5
expect "$AB_TMP/m1" "alertban_alerts_read_total{$I,format=\"full\"}" 0
expect "$AB_TMP/m1" "alertban_lines_skipped_total{$I,reason=\"not_alert\"}" 2
expect "$AB_TMP/m1" 'alertban_verdicts_total{reason="threshold"}' 4
expect "$AB_TMP/m1" 'alertban_verdicts_total{reason="whitelisted_address"}' 1
expect "$AB_TMP/m1" 'alertban_bans{backend="iptables",family="ipv4",source="policy"}' 3
expect "$AB_TMP/m1" 'alertban_bans{backend="iptables",family="ipv6",source="policy"}' 1
expect "$AB_TMP/m1" 'alertban_bans{backend="iptables",family="ipv4",source="manual"}' 0
expect "$AB_TMP/m1" 'alertban_bans_added_total{source="policy"}' 4
expect "$AB_TMP/m1" 'alertban_alert_to_kernel_seconds_count' 4
expect "$AB_TMP/m1" 'alertban_alert_to_kernel_seconds_bucket{le="+Inf"}' 4
expect "$AB_TMP/m1" 'alertban_firewall_failures_total' 0
expect "$AB_TMP/m1" 'alertban_firewall_degraded' 0
[ "$(value "$AB_TMP/m1" alertban_firewall_commit_seconds_count)" -ge 1 ] || ab_fail "no firewall commit timed"
[ "$(value "$AB_TMP/m1" alertban_store_commit_seconds_count)" -ge 1 ] || ab_fail "no store commit timed"
[ "$(value "$AB_TMP/m1" alertban_input_bytes_behind{$I})" = 0 ] || ab_fail "the input is not read to its end"
grep -q '^process_open_fds [0-9]' "$AB_TMP/m1" || ab_fail "the asynchronous collector's series are missing"
# Per rule: 1:2001219 read twice (one ban, one whitelisted), the others once with a ban each.
expect "$AB_TMP/m1" 'alertban_rule_alerts_total{rule="1:2001219"}' 2
expect "$AB_TMP/m1" 'alertban_rule_bans_total{rule="1:2001219"}' 1
expect "$AB_TMP/m1" 'alertban_rule_alerts_total{rule="1:1000001"}' 1
expect "$AB_TMP/m1" 'alertban_rule_bans_total{rule="1:2001220"}' 1
expect "$AB_TMP/m1" 'alertban_rule_alerts_total{rule="other"}' 0
t1=$(value "$AB_TMP/m1" "alertban_input_last_alert_timestamp_seconds{$I}")
[ "$t1" != absent ] || ab_fail "no last-alert time after alerts"
now=$(date +%s)
python3 -c "import sys; sys.exit(0 if abs(float('$t1') - $now) < 300 else 1)" ||
    ab_fail "last-alert time $t1 is not about now ($now)"

echo "== a manual ban and unban count as such"
abctl ban 192.0.2.77 >/dev/null
abctl unban 192.0.2.77 >/dev/null
scrape "$AB_TMP/m2"
expect "$AB_TMP/m2" 'alertban_bans_added_total{source="manual"}' 1
expect "$AB_TMP/m2" 'alertban_bans_lifted_total{reason="manual"}' 1
expect "$AB_TMP/m2" 'alertban_bans{backend="iptables",family="ipv4",source="manual"}' 0

echo "== counters survive a reload (and the reload is counted)"
write_config 2h
abctl reload >/dev/null || ab_fail "reload failed"
scrape "$AB_TMP/m3"
expect "$AB_TMP/m3" "alertban_alerts_read_total{$I,format=\"fast\"}" 5
expect "$AB_TMP/m3" 'alertban_verdicts_total{reason="threshold"}' 4
expect "$AB_TMP/m3" 'alertban_bans_added_total{source="policy"}' 4
expect "$AB_TMP/m3" 'alertban_alert_to_kernel_seconds_count' 4
# The file watch may reload too, as the file is written: at least the one asked for.
[ "$(value "$AB_TMP/m3" alertban_reloads_total)" -ge 1 ] || ab_fail "the reload is not counted"

echo "== the last-alert time moves with a new alert"
sleep 1.1
snort2_line 2001219 "ET SCAN Potential SSH Scan" 203.0.113.20 40010 192.0.2.1 22 >>"$AB_LOG"
ab_wait_for 10 ab_kernel_has 203.0.113.20
scrape "$AB_TMP/m4"
t4=$(value "$AB_TMP/m4" "alertban_input_last_alert_timestamp_seconds{$I}")
python3 -c "import sys; sys.exit(0 if float('$t4') >= float('$t1') + 1 else 1)" ||
    ab_fail "last-alert time did not move: $t1 -> $t4"
expect "$AB_TMP/m4" "alertban_alerts_read_total{$I,format=\"fast\"}" 6
expect "$AB_TMP/m4" 'alertban_alert_to_kernel_seconds_count' 5


echo "== what the bans dropped: pings from a banned address over a veth, counted by the kernel"
ns="ab-msc-$$"
ip netns add "$ns" || ab_fail "cannot create a named network namespace"
ab_on_exit "ip netns del $ns"
ip link add ab-msrv type veth peer name ab-mcli netns "$ns"
ip addr add 203.0.113.1/24 dev ab-msrv
ip link set ab-msrv up
ip netns exec "$ns" ip link set lo up
ip netns exec "$ns" ip addr add 203.0.113.10/24 dev ab-mcli
ip netns exec "$ns" ip addr add 203.0.113.30/24 dev ab-mcli
ip netns exec "$ns" ip link set ab-mcli up
mac() { awk '$1 == "link/ether" { print $2 }'; }
ip neigh replace 203.0.113.10 lladdr "$(ip netns exec "$ns" ip link show dev ab-mcli | mac)" \
    dev ab-msrv nud permanent
ip neigh replace 203.0.113.30 lladdr "$(ip netns exec "$ns" ip link show dev ab-mcli | mac)" \
    dev ab-msrv nud permanent
ip netns exec "$ns" ip neigh replace 203.0.113.1 lladdr "$(ip link show dev ab-msrv | mac)" \
    dev ab-mcli nud permanent
pings() { ip netns exec "$ns" ping -q -n -c "$2" -i 0.2 -W 1 -I "$1" 203.0.113.1 >/dev/null 2>&1; }
pings 203.0.113.30 2 || ab_fail "ping from the unbanned 203.0.113.30 failed"
sleep 1.1 # a read younger than a second is reused
scrape "$AB_TMP/d0"
p0=$(value "$AB_TMP/d0" 'alertban_dropped_packets_total{family="ipv4",hook="input"}')
b0=$(value "$AB_TMP/d0" 'alertban_dropped_bytes_total{family="ipv4",hook="input"}')
[ "$p0" != absent ] && [ "$b0" != absent ] || ab_fail "no dropped-packet series"
if pings 203.0.113.10 7; then ab_fail "pings from the banned 203.0.113.10 got through"; fi
pings 203.0.113.30 3 || ab_fail "ping from the unbanned 203.0.113.30 failed"
sleep 1.1
scrape "$AB_TMP/d1"
expect "$AB_TMP/d1" 'alertban_dropped_packets_total{family="ipv4",hook="input"}' $((p0 + 7))
expect "$AB_TMP/d1" 'alertban_dropped_bytes_total{family="ipv4",hook="input"}' $((b0 + 7 * 84))
echo "== bad requests get 4xx, and change nothing"
code() { curl -s --max-time 10 -o /dev/null -w '%{http_code}' "$@"; }
[ "$(code -X POST --data x "$URL")" = 405 ] || ab_fail "POST is not 405"
curl -s -D - -o /dev/null -X PUT "$URL" | grep -qi '^allow: GET' || ab_fail "405 without Allow: GET"
[ "$(code "http://127.0.0.1:$PORT/")" = 404 ] || ab_fail "/ is not 404"
[ "$(code "http://127.0.0.1:$PORT/metrics/x")" = 404 ] || ab_fail "/metrics/x is not 404"
head -c 5000000 /dev/zero >"$AB_TMP/body"
[ "$(code -X GET --data-binary @"$AB_TMP/body" "$URL")" = 413 ] ||
    ab_fail "a GET with a 5 MB body is not 413"
[ "$(code -X GET -H 'Transfer-Encoding: chunked' --data-binary @"$AB_TMP/body" "$URL")" = 413 ] ||
    ab_fail "a GET with a chunked body is not 413"
big=$(head -c 100000 /dev/zero | tr '\0' a)
[ "$(code -H "X-Big: $big" "$URL")" = 431 ] || ab_fail "a 100 KB header is not 431"
printf 'BLAH\r\n\r\n' | timeout 5 nc -q 2 127.0.0.1 "$PORT" >"$AB_TMP/garbage" || true
head -1 "$AB_TMP/garbage" | grep -q '^HTTP/1\.[01] 4[0-9][0-9]' ||
    { cat "$AB_TMP/garbage"; ab_fail "a malformed request got no 4xx"; }
printf 'GET /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n' |
    timeout 5 nc -q 2 127.0.0.1 "$PORT" >"$AB_TMP/garbage2" || true
head -1 "$AB_TMP/garbage2" | grep -q '^HTTP/1\.[01] 4[0-9][0-9]' ||
    { cat "$AB_TMP/garbage2"; ab_fail "a malformed header got no 4xx"; }
printf 'GET /metrics HTTP/1.1\r\nHost: x\r\n: no name\r\n\r\n' |
    timeout 5 nc -q 2 127.0.0.1 "$PORT" >"$AB_TMP/garbage3" || true
head -1 "$AB_TMP/garbage3" | grep -q '^HTTP/1\.[01] 400' ||
    { cat "$AB_TMP/garbage3"; ab_fail "a header without a name got no 400"; }
# Clients that go away half-way through their request, or through the body they announced.
printf 'GET /metr' | timeout 5 nc -q 0 127.0.0.1 "$PORT" >/dev/null 2>&1 || true
printf 'GET /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 100000000\r\n\r\nabc' |
    timeout 5 nc -q 0 127.0.0.1 "$PORT" >/dev/null 2>&1 || true

echo "== the daemon still bans and answers"
kill -0 "$AB_PID" || ab_fail "alertband died"
snort2_line 2001219 "ET SCAN Potential SSH Scan" 203.0.113.21 40011 192.0.2.1 22 >>"$AB_LOG"
ab_wait_for 10 ab_kernel_has 203.0.113.21
abctl status --json | jq -e '.metrics.listen == "127.0.0.1:'$PORT'" and .metrics.rejected >= 8' >/dev/null ||
    { abctl status --json | jq .metrics; ab_fail "status has no metrics member"; }
scrape "$AB_TMP/m5"
expect "$AB_TMP/m5" 'alertban_bans_added_total{source="policy"}' 6
[ "$(value "$AB_TMP/m5" alertban_scrape_rejected_total)" -ge 8 ] || ab_fail "rejections not counted"

echo "== a reload moves the endpoint"
NEW=9478
write_config 2h "[::1]:$NEW"
abctl reload --json >"$AB_TMP/reload" || ab_fail "reload failed"
jq -e '.applied | index("metrics.listen")' "$AB_TMP/reload" >/dev/null ||
    { cat "$AB_TMP/reload"; ab_fail "metrics.listen is not reported applied"; }
curl -sS -f -o "$AB_TMP/m6" "http://[::1]:$NEW/metrics" || ab_fail "no endpoint on [::1]:$NEW"
promtool check metrics <"$AB_TMP/m6" || ab_fail "promtool rejected the IPv6 scrape"
expect "$AB_TMP/m6" "alertban_alerts_read_total{$I,format=\"fast\"}" 7
[ "$(code "$URL")" = 000 ] || ab_fail "the old endpoint still answers"

echo "== counters kept across a restart (the store), the others start at 0"
ab_stop
ab_start
curl -sS -f -o "$AB_TMP/m7" "http://[::1]:$NEW/metrics" || ab_fail "no endpoint after the restart"
promtool check metrics <"$AB_TMP/m7" || ab_fail "promtool rejected the scrape after the restart"
for series in "alertban_alerts_read_total{$I,format=\"fast\"}" \
    "alertban_lines_skipped_total{$I,reason=\"not_alert\"}" \
    'alertban_verdicts_total{reason="threshold"}' 'alertban_verdicts_total{reason="whitelisted_address"}' \
    'alertban_bans_added_total{source="policy"}' 'alertban_bans_added_total{source="manual"}' \
    'alertban_bans_lifted_total{reason="manual"}'; do
    expect "$AB_TMP/m7" "$series" "$(value "$AB_TMP/m6" "$series")"
done
expect "$AB_TMP/m7" 'alertban_bans_added_total{source="policy"}' 6
expect "$AB_TMP/m7" 'alertban_reloads_total' 0
expect "$AB_TMP/m7" 'alertban_alert_to_kernel_seconds_count' 0
expect "$AB_TMP/m7" 'alertban_bans{backend="iptables",family="ipv4",source="policy"}' 5

ab_stop
echo "PASS"
