# SPDX-License-Identifier: GPL-2.0-or-later
# Shared by the daemon benchmarks (after test/integration's lib/common.sh, ab_enter_netns and
# lib/daemon.sh): clocks and percentiles, alert lines for the addresses of 198.18.0.0/15, and
# the alert-to-kernel latency loop against the iptables backend.

now_us() { echo $(($(date +%s%N) / 1000)); }
median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
# pct P: the P-th percentile (nearest rank) of the numbers on stdin.
pct() {
    sort -n | awk -v p="$1" '{ v[NR] = $1 } END { i = int((NR * p + 99) / 100); if (i < 1) i = 1; print v[i] }'
}
# The rules in the kernel's ALERTBAN chain (iptables backend).
rules() { iptables-legacy -S ALERTBAN 2>/dev/null | grep -c '^-A' || true; }
# addr I: the I-th address of 198.18.0.0/15 (I from 1).
addr() { echo "198.$((18 + $1 / 65536)).$(($1 / 256 % 256)).$(($1 % 256))"; }
# alert ADDR [PORT]: one Snort alert line from ADDR to 192.0.2.1:PORT (default 22).
alert() {
    printf '11/22-10:00:01.000001  [**] [1:2001219:20] ET SCAN bench [**] [Priority: 2] {TCP} %s:40000 -> 192.0.2.1:%s\n' \
        "$1" "${2:-22}"
}
# alerts FROM COUNT [PORT]: the alert lines of addresses FROM to FROM + COUNT - 1.
alerts() {
    _b_i=$1
    while [ "$_b_i" -lt $(($1 + $2)) ]; do
        alert "$(addr "$_b_i")" "${3:-22}"
        _b_i=$((_b_i + 1))
    done
}
# latency_runs REPS FILE: REPS alerts (addresses 1 to REPS) written one at a time, each timed
# from its write until its rule is in the kernel (polled without a pause, so the figure is not
# rounded up to a poll interval); microseconds to FILE, one a line.
latency_runs() {
    : >"$2"
    _b_i=1
    while [ "$_b_i" -le "$1" ]; do
        _b_a=$(addr "$_b_i")
        _b_t0=$(now_us)
        alert "$_b_a" >>"$AB_LOG"
        until iptables-legacy -S ALERTBAN | grep -q -- "-s $_b_a/32"; do :; done
        echo $(($(now_us) - _b_t0)) >>"$2"
        _b_i=$((_b_i + 1))
    done
}
