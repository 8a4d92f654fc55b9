#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# The bans in force at start are cut too. The scenario: alertband holds a ban on an attacker
# (IPv4 and IPv6) and is killed (kill -9, a crash); while it is down the host's firewall is
# reloaded to its own rules without alertband's (iptables-legacy -F/-X, or `nft flush ruleset`
# with the nftables backend, then an early ESTABLISHED accept), and the attackers connect to the mail server, as does an innocent client. When
# alertband starts again it restores the bans from its store into the kernel, and then,
# within a bound:
#   - the server's sockets to the attackers are gone and each attacker got a reset;
#   - their conntrack entries are gone;
#   - the daemon logs the restored bans' cut and status counts it;
#   - the innocent client's connection still carries data;
#   - a second restart, with nothing open, cuts nothing.
# AB_BACKEND=nftables runs it against the nftables backend (cut-restored-nft.sh).
set -eu
. "$(dirname "$0")/lib/common.sh"
ab_enter_netns "$@"
exec 3>&2
. "$(dirname "$0")/lib/daemon.sh"
. "$(dirname "$0")/lib/netns.sh"
. "$(dirname "$0")/lib/cut.sh"
BACKEND=${AB_BACKEND:-iptables}
PORT=25
BOUND=5 # seconds everything has to happen in
CUT_WAIT_S=30 # the attackers' connections wait through a kill and a restart

ns="ab-cutr-$$"
ab_peer "$ns" ab-srv ab-cli "192.0.2.1/24 2001:db8::1/64" "192.0.2.2/24 192.0.2.3/24 2001:db8::2/64"
cut_serve

# The host's firewall reloaded by another tool to its own rules (an early accept of
# established connections, as ufw and firewalld have): alertband's rules are gone.
reload_host_firewall() {
    if [ "$BACKEND" = nftables ]; then
        nft flush ruleset
        nft add table inet host
        nft add chain inet host input '{ type filter hook input priority filter - 10; policy accept; }'
        nft add rule inet host input ct state established,related accept
    else
        for t in iptables-legacy ip6tables-legacy; do
            "$t" -w -F
            "$t" -w -X
            "$t" -w -I INPUT 1 -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT
        done
    fi
}

: >"$AB_LOG"
ab_write_config "verify_interval = 0
cut = yes"
ab_start
abctl ban 192.0.2.2 2001:db8::2 >/dev/null
[ "$(status .bans.total)" -eq 2 ] || ab_fail "the manual bans are not in force"
kill -9 "$AB_PID"
wait "$AB_PID" 2>/dev/null || true
reload_host_firewall

# Down, and without its rules: the attackers get in.
waiter 192.0.2.2 192.0.2.1
waiter 2001:db8::2 2001:db8::1
holder 192.0.2.3 192.0.2.1
for c in 192.0.2.2 2001:db8::2 192.0.2.3; do ab_wait_for 10 is_up "$c"; done
for c in 192.0.2.2 2001:db8::2 192.0.2.3; do
    [ "$(server_socks "$c")" -eq 1 ] || ab_fail "the server has no connection from $c: $(ss -tn)"
    [ "$(conntrack_of "$c")" -ge 1 ] || ab_fail "no conntrack entry of $c"
done

: >"$AB_DAEMON_LOG"
ab_start -v
for c in 192.0.2.2 2001:db8::2; do
    ab_wait_for "$BOUND" no_server_sock "$c"
    ab_wait_for "$BOUND" got_outcome "$c" reset
    ab_wait_for "$BOUND" no_conntrack "$c"
done
grep -q 'bans_restored=2 ' "$AB_DAEMON_LOG" || ab_fail "the bans were not restored: $(cat "$AB_DAEMON_LOG")"
ab_wait_for "$BOUND" grep -q 'cut: restored bans=2 conntrack=[1-9][0-9]* sockets=2 ' "$AB_DAEMON_LOG" ||
    ab_fail "no cut of the restored bans: $(grep 'cut:' "$AB_DAEMON_LOG")"
[ "$(status .firewall.cut_sockets)" -eq 2 ] && [ "$(status .firewall.cut_conntrack)" -ge 2 ] &&
    [ "$(status .firewall.cut_pending)" -eq 0 ] ||
    ab_fail "status: $(abctl status --json | jq -c .firewall)"
# The ban was in the kernel when the cut ran: the attacker cannot connect again.
if [ "$BACKEND" = iptables ]; then
    ab_kernel_has 192.0.2.2 || ab_fail "192.0.2.2 is not banned in the kernel"
fi
in_ns "$PYTHON" "$PROBE" probe 192.0.2.2 192.0.2.1 "$PORT" 2 >"$AB_TMP/again" 2>&1 || true
[ "$(cut -d' ' -f1 "$AB_TMP/again")" = timeout ] ||
    ab_fail "the banned attacker connected again: $(cat "$AB_TMP/again")"

# The innocent client was not touched and still carries data.
[ "$(server_socks 192.0.2.3)" -eq 1 ] || ab_fail "the server lost the innocent connection"
touch "$AB_TMP/go"
ab_wait_for "$BOUND" got_outcome 192.0.2.3 ok
ab_stop

# A restart with nothing open cuts nothing (and says so).
: >"$AB_DAEMON_LOG"
ab_start -v
ab_wait_for "$BOUND" grep -q 'cut: restored bans=2 conntrack=0 sockets=0 ' "$AB_DAEMON_LOG"
[ "$(status .firewall.cut_sockets)" -eq 0 ] || ab_fail "a restart with nothing open cut sockets"
ab_stop
echo "PASS"
