#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Parser throughput: generates a 1,000,000-line alert_fast file (Snort 2, Snort 3 and
# Suricata lines, IPv4 and IPv6, benchmark addresses 198.18.0.0/15 and 2001:db8::/32), then
# reports the median lines per second of
#   - alertban parse --json FILE > /dev/null   (read, parse, format JSON, write)
#   - alertban parse FILE > /dev/null          (the readable form)
#   - the pure parser, alert_parse_line() and an AlertReader, on the file already in memory
# and callgrind instructions per line:
#   - alert_parse_line() over the whole generated file (its inclusive cost: everything the
#     parser runs, none of the driver's line splitting), and the driver as a whole
#   - alert_parse_line() per kind of line (10,000 lines of each of the six kinds; IPv4 and IPv6
#     averages)
#   - an AlertReader and alertban parse --json over the first 100,000 lines
# Then the same for a realistic Suricata eve.json (EVE_LINES lines, default 200,000): per 20
# lines, 2 alerts (a 1.2 KB one with http, flow and metadata; a 3 KB one with payload,
# payload_printable, packet and tls), 8 flow, 5 dns, 2 http, 2 tls and 1 fileinfo events, and
# a 4 KB stats event every 10,000 lines: lines/s and MB/s through alertban parse and through the
# parser alone, instructions per line, and json_loadb() alone with each candidate flag set.
# Usage: scripts/bench parse [LINES]    Environment: RUNS (default 5), ALERTBAN_BUILD_DIR,
# EVE_LINES, ONLY=text|eve (one half).
set -eu
cd "$(dirname "$0")/../.."
LINES=${1:-1000000}
RUNS=${RUNS:-5}
BUILD=${ALERTBAN_BUILD_DIR:-build/bench}

if [ -z "${ALERTBAN_BUILD_DIR:-}" ]; then
    cmake -S . -B "$BUILD" -DCMAKE_C_COMPILER=gcc -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
    cmake --build "$BUILD" -j2 --target alertban >/dev/null
fi
BIN="$BUILD/src/alertban"
T=$(mktemp -d "${TMPDIR:-/tmp}/alertban-bench.XXXXXX")
trap 'rm -rf "$T"' EXIT

# The driver links the same static libraries as the programs.
# shellcheck disable=SC2046
cc -O2 -std=gnu11 -Isrc/input -Isrc/common test/bench/alert-parse-driver.c -o "$T/driver" \
    "$BUILD/src/input/libalertban_input.a" "$BUILD/src/common/libalertban_common.a" \
    $(pkg-config --cflags --libs glib-2.0 jansson)

median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

now_ns() { date +%s%N; }

# lines/s of a command over the file, median of RUNS
rate_cmd() {
    i=0
    while [ "$i" -lt "$RUNS" ]; do
        t0=$(now_ns)
        "$@" > /dev/null 2> "$T/err"
        t1=$(now_ns)
        awk -v n="$LINES" -v ns=$((t1 - t0)) 'BEGIN { printf "%.0f\n", n / (ns / 1e9) }'
        i=$((i + 1))
    done | median
}

rate_driver() {
    i=0
    while [ "$i" -lt "$RUNS" ]; do
        "$T/driver" "$1" "$T/alerts.txt" | awk '{ print $4 }'
        i=$((i + 1))
    done | median
}

irs() {
    valgrind --tool=callgrind --callgrind-out-file="$T/cg.out" "$@" > /dev/null 2>&1
    awk '/^(summary|totals):/ { print $2; exit }' "$T/cg.out"
}

if [ "${ONLY:-}" != eve ]; then
awk -v n="$LINES" 'BEGIN {
    for (i = 0; i < n; i++) {
        a = int(i / 256) % 256; b = i % 256; c = (i * 7) % 256; d = (i * 13) % 256
        sp = 1024 + i % 60000; dp = (i % 3 == 0) ? 22 : (i % 3 == 1) ? 80 : 443
        m = (i / 10) % 60; s = i % 60; us = sprintf("%06d", i % 1000000)
        k = i % 6
        if (k == 0)
            printf "11/22-10:%02d:%02d.%s  [**] [1:2003068:6] ET SCAN Potential SSH Scan OUTBOUND [**] [Classification: Attempted Information Leak] [Priority: 2] {TCP} 198.18.%d.%d:%d -> 198.19.%d.%d:%d\n", m, s, us, a, b, sp, c, d, dp
        else if (k == 1)
            printf "11/22-10:%02d:%02d.%s  [Drop] [**] [1:1000001:0] ICMP Packet found [**] [Priority: 0] {ICMP} 198.18.%d.%d -> 198.19.%d.%d\n", m, s, us, a, b, c, d
        else if (k == 2)
            printf "11/22-10:%02d:%02d.%s [**] [1:49999:3] \"SERVER-WEBAPP \"quoted\" path traversal [..] attempt\" [**] [Classification: Web Application Attack] [Priority: 1] [AppID: HTTP] {TCP} 198.18.%d.%d:%d -> 198.19.%d.%d:%d\n", m, s, us, a, b, sp, c, d, dp
        else if (k == 3)
            printf "11/22-10:%02d:%02d.%s [drop] [**] [1:50001:1] \"PROTOCOL-DNS v6 probe\" [**] [Priority: 2] {UDP} 2001:db8:%x::%x:%d -> 2001:db8:1::%x:53\n", m, s, us, a, b + 1, sp, c + 1
        else if (k == 4)
            printf "11/22/2026-10:%02d:%02d.%s  [**] [1:2100498:7] GPL ATTACK_RESPONSE id check returned root [**] [Classification: Potentially Bad Traffic] [Priority: 2] {TCP} 198.18.%d.%d:%d -> 198.19.%d.%d:%d\n", m, s, us, a, b, sp, c, d, dp
        else
            printf "11/22/2026-10:%02d:%02d.%s  [Drop] [**] [1:2010935:3] ET POLICY Suspicious inbound to MSSQL port 1433 [**] [Classification: Potentially Bad Traffic] [Priority: 2] {TCP} 2001:0db8:0000:0000:0000:0000:%04x:%04x:%d -> 2001:0db8:0001:0000:0000:0000:0000:%04x:1433\n", m, s, us, a, b, sp, c
    }
}' > "$T/alerts.txt"
head -n 100000 "$T/alerts.txt" > "$T/alerts-100k.txt"
: > "$T/empty.txt"

echo "parse benchmark: $LINES lines ($(wc -c < "$T/alerts.txt") bytes), $RUNS runs, build $BUILD"
"$BIN" parse --json "$T/alerts.txt" > /dev/null 2> "$T/err"
echo "  check: $(cat "$T/err")"
echo "  alertban parse --json > /dev/null : $(rate_cmd "$BIN" parse --json "$T/alerts.txt") lines/s (median)"
echo "  alertban parse > /dev/null        : $(rate_cmd "$BIN" parse "$T/alerts.txt") lines/s (median)"
echo "  alert_parse_line (in memory)      : $(rate_driver line) lines/s (median)"
echo "  AlertReader (in memory)           : $(rate_driver reader) lines/s (median)"

# Instructions of the whole run, and of alert_parse_line() and all it calls.
irs_parser() {
    valgrind --tool=callgrind --callgrind-out-file="$T/cg.out" "$@" > /dev/null 2>&1
    total=$(awk '/^(summary|totals):/ { print $2; exit }' "$T/cg.out")
    parser=$(callgrind_annotate --inclusive=yes "$T/cg.out" 2>/dev/null |
        awk '/:alert_parse_line / { gsub(",", "", $1); print $1; exit }')
    echo "$total ${parser:-0}"
}

base=$(irs "$T/driver" line "$T/empty.txt")
set -- $(irs_parser "$T/driver" line "$T/alerts.txt")
all_total=$1 all_parser=$2
echo "  callgrind, $LINES lines, instructions per line:"
awk -v n="$LINES" -v b="$base" -v t="$all_total" -v p="$all_parser" 'BEGIN {
    printf "    alert_parse_line (inclusive)    : %.0f\n", p / n
    printf "    driver, whole run less baseline : %.0f\n", (t - b) / n
}'

# Every sixth line is one kind (see the generator above).
echo "  callgrind, alert_parse_line per kind (up to 10000 lines each), instructions per line:"
kinds="snort2-ipv4-tcp snort2-ipv4-icmp-drop snort3-ipv4-tcp snort3-ipv6-udp-drop suricata-ipv4-tcp suricata-ipv6-tcp-drop"
k=0
for name in $kinds; do
    awk -v k="$k" 'NR % 6 == (k + 1) % 6' "$T/alerts-100k.txt" | head -n 10000 > "$T/kind.txt"
    n=$(wc -l < "$T/kind.txt")
    set -- $(irs_parser "$T/driver" line "$T/kind.txt")
    echo "$name $(( $2 / n ))"
    k=$((k + 1))
done > "$T/kinds.txt"
awk '{ printf "    %-24s: %d\n", $1, $2
       if ($1 ~ /ipv6/) { s6 += $2; n6++ } else { s4 += $2; n4++ } }
     END { printf "    %-24s: %.0f\n    %-24s: %.0f\n", "IPv4 kinds (mean)", s4 / n4,
           "IPv6 kinds (mean)", s6 / n6 }' "$T/kinds.txt"

line_ir=$(irs "$T/driver" line "$T/alerts-100k.txt")
reader_ir=$(irs "$T/driver" reader "$T/alerts-100k.txt")
cli_ir=$(irs "$BIN" parse --json "$T/alerts-100k.txt")
cli_base=$(irs "$BIN" parse --json "$T/empty.txt")
echo "  callgrind, 100000 lines, instructions per line (whole run less an empty run):"
awk -v b="$base" -v l="$line_ir" -v r="$reader_ir" -v c="$cli_ir" -v cb="$cli_base" 'BEGIN {
    printf "    driver, alert_parse_line    : %.0f\n", (l - b) / 100000
    printf "    driver, AlertReader feed    : %.0f\n", (r - b) / 100000
    printf "    alertban parse --json (all) : %.0f\n", (c - cb) / 100000
}'
fi # ONLY != eve

[ "${ONLY:-}" = text ] && exit 0

# ---- Suricata EVE ----
EVE_LINES=${EVE_LINES:-200000}
awk -v n="$EVE_LINES" 'BEGIN {
    b64 = "VDloD8YYADAYyy0NCABFAABUkEpAAEABniMMnwIKDJHxAQgAk9tJcwACelXUXQAAAACtDw0AAAAAAE9GVFdJTkstUElOR9raU09GVFdJTkstUElOR9raU09GVFdJTkstUEk"
    pay = ""; while (length(pay) < 1400) pay = pay b64
    prn = ""; while (length(prn) < 700) prn = prn "GET /index.php?id=1 HTTP/1.1\\r\\nHost: www.example.com\\r\\nUser-Agent: Mozilla/5.0\\r\\n"
    for (i = 0; i < n; i++) {
        a = int(i / 256) % 256; b = i % 256; sp = 1024 + i % 60000
        ts = sprintf("2026-11-22T10:%02d:%02d.%06d+0000", int(i / 600) % 60, int(i / 10) % 60, i % 1000000)
        tup = sprintf("\"timestamp\":\"%s\",\"flow_id\":%d,\"in_iface\":\"eth0\",\"event_type\":", ts, 1000000000000 + i)
        addr = sprintf("\"src_ip\":\"198.18.%d.%d\",\"src_port\":%d,\"dest_ip\":\"198.19.%d.%d\",\"dest_port\":443,\"proto\":\"TCP\"", a, b, sp, b, a)
        flow = sprintf("\"flow\":{\"pkts_toserver\":%d,\"pkts_toclient\":%d,\"bytes_toserver\":%d,\"bytes_toclient\":%d,\"start\":\"%s\"}", 3 + i % 7, 2 + i % 5, 300 + i % 999, 200 + i % 777, ts)
        if (i % 10000 == 9999) {
            st = ""; for (j = 0; j < 120; j++) st = st sprintf("\"counter_%d\":%d,", j, i * j)
            printf "{\"timestamp\":\"%s\",\"event_type\":\"stats\",\"stats\":{%s\"uptime\":%d}}\n", ts, st, i
            continue
        }
        k = i % 20
        if (k == 0)
            printf "{%s\"alert\",%s,\"tx_id\":0,\"alert\":{\"action\":\"allowed\",\"gid\":1,\"signature_id\":2013504,\"rev\":6,\"signature\":\"ET INFO GNU/Linux APT User-Agent Outbound likely related to package management\",\"category\":\"Not Suspicious Traffic\",\"severity\":3,\"metadata\":{\"confidence\":[\"High\"],\"created_at\":[\"2011_08_31\"],\"signature_severity\":[\"Informational\"],\"updated_at\":[\"2020_04_22\"]}},\"http\":{\"hostname\":\"archive.example.org\",\"url\":\"/ubuntu/dists/noble/InRelease\",\"http_user_agent\":\"Debian APT-HTTP/1.3 (2.7.14)\",\"http_content_type\":\"text/plain\",\"http_method\":\"GET\",\"protocol\":\"HTTP/1.1\",\"status\":200,\"length\":%d},\"app_proto\":\"http\",\"direction\":\"to_server\",%s,\"community_id\":\"1:TRTuwGXWNyOEDubnaMV4mc8Ysrc=\"}\n", tup, addr, 1000 + i % 5000, flow
        else if (k == 10)
            printf "{%s\"alert\",%s,\"pkt_src\":\"wire/pcap\",\"alert\":{\"action\":\"blocked\",\"gid\":1,\"signature_id\":2045001,\"rev\":1,\"signature\":\"ET ATTACK_RESPONSE Win32/LeftHook Stealer Browser Extension Config Inbound\",\"category\":\"A Network Trojan was detected\",\"severity\":1},\"tls\":{\"subject\":\"CN=www.example.com\",\"issuerdn\":\"CN=Example CA\",\"sni\":\"www.example.com\",\"version\":\"TLS 1.2\"},\"app_proto\":\"tls\",%s,\"payload\":\"%s\",\"payload_printable\":\"%s\",\"stream\":1,\"packet\":\"%s\",\"packet_info\":{\"linktype\":1}}\n", tup, addr, flow, pay, prn, substr(pay, 1, 400)
        else if (k % 20 < 9)
            printf "{%s\"flow\",%s,\"app_proto\":\"tls\",\"flow\":{\"pkts_toserver\":%d,\"pkts_toclient\":%d,\"bytes_toserver\":%d,\"bytes_toclient\":%d,\"start\":\"%s\",\"end\":\"%s\",\"age\":%d,\"state\":\"closed\",\"reason\":\"timeout\",\"alerted\":false},\"tcp\":{\"tcp_flags\":\"1b\",\"tcp_flags_ts\":\"1b\",\"tcp_flags_tc\":\"1b\",\"syn\":true,\"fin\":true,\"psh\":true,\"ack\":true,\"state\":\"closed\"}}\n", tup, addr, i % 30, i % 20, i % 9999, i % 7777, ts, ts, i % 120
        else if (k < 16)
            printf "{%s\"dns\",\"src_ip\":\"198.18.%d.%d\",\"src_port\":%d,\"dest_ip\":\"198.19.0.53\",\"dest_port\":53,\"proto\":\"UDP\",\"dns\":{\"version\":2,\"type\":\"answer\",\"id\":%d,\"flags\":\"8180\",\"qr\":true,\"rd\":true,\"ra\":true,\"rrname\":\"host%d.example.com\",\"rrtype\":\"A\",\"rcode\":\"NOERROR\",\"answers\":[{\"rrname\":\"host%d.example.com\",\"rrtype\":\"A\",\"ttl\":300,\"rdata\":\"198.19.%d.%d\"}]}}\n", tup, a, b, sp, i % 65536, i, i, b, a
        else if (k < 18)
            printf "{%s\"http\",%s,\"tx_id\":%d,\"http\":{\"hostname\":\"www.example.com\",\"url\":\"/static/app.%d.js\",\"http_user_agent\":\"Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0\",\"http_content_type\":\"application/javascript\",\"http_refer\":\"https://www.example.com/\",\"http_method\":\"GET\",\"protocol\":\"HTTP/1.1\",\"status\":200,\"length\":%d}}\n", tup, addr, i % 9, i, i % 99999
        else if (k < 19)
            printf "{%s\"tls\",%s,\"tls\":{\"subject\":\"CN=*.example.com\",\"issuerdn\":\"C=US, O=Example Trust Services, CN=Example CA 1C3\",\"serial\":\"00:E2:5A:1B:7C\",\"fingerprint\":\"aa:bb:cc:dd:ee:ff:00:11:22:33:44:55:66:77:88:99:aa:bb:cc:dd\",\"sni\":\"cdn.example.com\",\"version\":\"TLS 1.3\",\"notbefore\":\"2026-10-01T00:00:00\",\"notafter\":\"2026-12-30T00:00:00\",\"ja3\":{\"hash\":\"1be8360b66649edee1de25f81d98ec27\"}}}\n", tup, addr
        else
            printf "{%s\"fileinfo\",%s,\"http\":{\"hostname\":\"www.example.com\",\"url\":\"/img/%d.png\",\"http_method\":\"GET\",\"status\":200},\"app_proto\":\"http\",\"fileinfo\":{\"filename\":\"/img/%d.png\",\"magic\":\"PNG image data, 64 x 64, 8-bit/color RGBA, non-interlaced\",\"gaps\":false,\"state\":\"CLOSED\",\"md5\":\"d41d8cd98f00b204e9800998ecf8427e\",\"stored\":false,\"size\":%d,\"tx_id\":0}}\n", tup, addr, i, i, i % 65536
    }
}' > "$T/eve.json"
head -n 20000 "$T/eve.json" > "$T/eve-20k.json"
: > "$T/empty.txt"
EVE_BYTES=$(wc -c < "$T/eve.json")
eve_alerts=$(grep -c '"event_type":"alert"' "$T/eve.json")
echo "EVE benchmark: $EVE_LINES lines, $EVE_BYTES bytes ($((EVE_BYTES / EVE_LINES)) per line), $eve_alerts alerts; $RUNS runs"
awk '{ n = length($0); if ($0 ~ /"event_type":"alert"/) { a += n; na++ } else { o += n; no++ } }
     END { printf "  mix: alerts %d lines (%.0f B mean, %.0f%% of bytes), others %d lines (%.0f B mean)\n",
           na, a / na, 100 * a / (a + o), no, o / no }' "$T/eve.json"
"$BIN" parse --json "$T/eve.json" > /dev/null 2> "$T/err"
echo "  check: $(cat "$T/err")"

# lines/s and MB/s of a command over eve.json, median of RUNS, by its CPU time (user + system:
# on a shared machine the wall clock measures the neighbours too) and by the wall clock.
eve_rate_cmd() {
    i=0
    while [ "$i" -lt "$RUNS" ]; do
        /usr/bin/time -f "%U %S %e" -o "$T/time" "$@" > /dev/null 2> "$T/err"
        awk '{ printf "%.3f %.3f\n", $1 + $2, $3 }' "$T/time"
        i=$((i + 1))
    done | sort -n | awk -v n="$EVE_LINES" -v b="$EVE_BYTES" '{ c[NR] = $1; w[NR] = $2 }
        END { m = int((NR + 1) / 2); printf "%.0f lines/s, %.0f MB/s by CPU time (wall: %.0f MB/s)", n / c[m], b / c[m] / 1e6, b / w[m] / 1e6 }'
}
eve_rate_driver() {
    i=0
    while [ "$i" -lt "$RUNS" ]; do
        "$T/driver" "$1" "$T/eve.json" | awk '{ print $3 }'
        i=$((i + 1))
    done | median | awk -v n="$EVE_LINES" -v b="$EVE_BYTES" '{ printf "%.0f lines/s, %.0f MB/s", n / $1, b / $1 / 1e6 }'
}
echo "  alertban parse --json > /dev/null : $(eve_rate_cmd "$BIN" parse --json "$T/eve.json") (median)"
echo "  alertban parse > /dev/null        : $(eve_rate_cmd "$BIN" parse "$T/eve.json") (median)"
echo "  alert_parse_line (in memory)      : $(eve_rate_driver line) by CPU time (median)"
echo "  AlertReader (in memory)           : $(eve_rate_driver reader) by CPU time (median)"
echo "  json_loadb alone, every line (the full-parse cost the short event_type scan avoids):"
echo "    flags 0                         : $(eve_rate_driver jansson:0)"
echo "    JSON_REJECT_DUPLICATES          : $(eve_rate_driver jansson:dup)"
echo "    REJECT_DUPLICATES | ALLOW_NUL   : $(eve_rate_driver jansson:dup-nul)"
grep '"event_type":"alert"' "$T/eve.json" | head -n 2000 > "$T/eve-alerts.json"
grep -v '"event_type":"alert"' "$T/eve.json" | head -n 18000 > "$T/eve-others.json"
e_line=$(irs "$T/driver" line "$T/eve-20k.json")
e_alerts=$(irs "$T/driver" line "$T/eve-alerts.json")
e_others=$(irs "$T/driver" line "$T/eve-others.json")
e_cli=$(irs "$BIN" parse --json "$T/eve-20k.json")
e_cli_base=$(irs "$BIN" parse --json "$T/empty.txt")
base=$(irs "$T/driver" line "$T/empty.txt")
echo "  callgrind, instructions per line (whole run less an empty run):"
awk -v b="$base" -v l="$e_line" -v a="$e_alerts" -v o="$e_others" -v c="$e_cli" -v cb="$e_cli_base" \
    -v na="$(wc -l < "$T/eve-alerts.json")" -v no="$(wc -l < "$T/eve-others.json")" 'BEGIN {
    printf "    alert_parse_line, the mix (20000 lines) : %.0f\n", (l - b) / 20000
    printf "    alert_parse_line, alerts only (%d)    : %.0f\n", na, (a - b) / na
    printf "    alert_parse_line, other events (%d)  : %.0f\n", no, (o - b) / no
    printf "    alertban parse --json, the mix          : %.0f\n", (c - cb) / 20000
}'
