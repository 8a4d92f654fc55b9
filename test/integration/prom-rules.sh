#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# The monitoring examples in etc/ against Prometheus's own promtool. Needs no namespace.
#  1. etc/prometheus/alertban-rules.yml passes `promtool check rules`, and `promtool test
#     rules` with test/data/prometheus/alertban-rules.test.yml: synthetic series for which
#     each alert fires when it should (after its `for:`) and stays quiet when it should not.
#     The test has teeth: a rules file with the silent-sensor limit doubled, or without the
#     degraded-firewall clause, fails it.
#  2. etc/grafana/alertban.json is valid JSON, a Grafana 9/10 dashboard (schemaVersion, a
#     datasource variable every panel and query uses, an instance variable every query
#     filters on, unique panel ids and places), and every `expr` in it parses: each one, with
#     Grafana's variables filled in, is a recording rule in a file `promtool check rules`
#     accepts.
#  3. Every alertban_* metric the rules and the dashboard use is one the daemon exposes (the
#     fixed list of issue 18), and the dashboard shows each of the metrics it is meant to.
set -eu
. "$(dirname "$0")/lib/common.sh"

rules="$AB_SRC/etc/prometheus/alertban-rules.yml"
rules_test="$AB_SRC/test/data/prometheus/alertban-rules.test.yml"
dash="$AB_SRC/etc/grafana/alertban.json"
for f in "$rules" "$rules_test" "$dash"; do
    [ -f "$f" ] || ab_fail "missing $f"
done
if ! command -v promtool >/dev/null 2>&1; then
    [ -n "${CI:-}" ] && ab_fail "promtool is not installed (scripts/setup installs prometheus)"
    ab_skip "promtool is not installed (scripts/setup installs prometheus)"
fi
command -v jq >/dev/null 2>&1 || ab_fail "jq is not installed (scripts/setup installs it)"
AB_TMP=$(mktemp -d "${TMPDIR:-/tmp}/alertban-prom.XXXXXX")
trap 'ab_cleanup' EXIT

echo "== the alerting rules"
promtool check rules "$rules" || ab_fail "promtool check rules $rules"
promtool test rules "$rules_test" || ab_fail "promtool test rules $rules_test"

echo "== a changed rule fails the test"
# The test names the rules by a path relative to itself: copy both, keeping the layout.
mkdir -p "$AB_TMP/m/etc/prometheus" "$AB_TMP/m/test/data/prometheus"
cp "$rules_test" "$AB_TMP/m/test/data/prometheus/"
mutant() {
    sed "$1" "$rules" >"$AB_TMP/m/etc/prometheus/alertban-rules.yml"
    cmp -s "$rules" "$AB_TMP/m/etc/prometheus/alertban-rules.yml" && ab_fail "mutation '$1' changed nothing"
    promtool check rules "$AB_TMP/m/etc/prometheus/alertban-rules.yml" >/dev/null ||
        ab_fail "mutation '$1' is not a valid rules file"
    if promtool test rules "$AB_TMP/m/test/data/prometheus/alertban-rules.test.yml" >/dev/null 2>&1; then
        ab_fail "the rules test passes with '$1' applied to the rules"
    fi
}
mutant 's/last_alert_timestamp_seconds > 1800/last_alert_timestamp_seconds > 3600/'
mutant 's/^ *or alertban_firewall_degraded == 1$//'
mutant 's/for: 10m/for: 5m/'
mutant 's/alertban_share_link_up == 0/alertban_share_link_up == 2/'

echo "== the dashboard"
jq empty "$dash" || ab_fail "$dash is not valid JSON"
jq -e '.schemaVersion >= 36 and .schemaVersion <= 39 and .title == "alertban" and .uid == "alertban"' \
    "$dash" >/dev/null || ab_fail "schemaVersion (Grafana 9/10), title or uid"
jq -e '[.templating.list[] | select(.type == "datasource" and .query == "prometheus" and .name == "datasource")] | length == 1' \
    "$dash" >/dev/null || ab_fail "no Prometheus datasource variable"
jq -e '[.templating.list[] | select(.name == "instance" and .type == "query" and .multi and .includeAll
        and .datasource.uid == "${datasource}" and (.query.query | test("label_values\\(alertban_")))] | length == 1' \
    "$dash" >/dev/null || ab_fail "no instance variable over alertban's series"
jq -e '[.panels[] | select(.type != "row")] | length >= 15 and
       all(.datasource.uid == "${datasource}" and (.targets | length > 0) and
           all(.targets[]; .datasource.uid == "${datasource}" and (.expr | length > 0)))' \
    "$dash" >/dev/null || ab_fail "a panel or query does not use the datasource variable, or has no query"
jq -e '[.panels[].id] | length == (unique | length)' "$dash" >/dev/null || ab_fail "panel ids repeat"
jq -e '[.panels[] | .gridPos | "\(.x),\(.y)"] | length == (unique | length)' "$dash" >/dev/null ||
    ab_fail "two panels share a place"
jq -e 'all(.panels[].gridPos; .x >= 0 and .w > 0 and .x + .w <= 24 and .h > 0)' "$dash" >/dev/null ||
    ab_fail "a panel lies outside the 24-column grid"
jq -r '.panels[].targets[]?.expr' "$dash" >"$AB_TMP/exprs"
n=$(wc -l <"$AB_TMP/exprs")
# Every query picks the instances the variable selects, on every alertban_* selector.
while IFS= read -r e; do
    sels=$(printf '%s\n' "$e" | grep -o 'alertban_[a-z_]*{[^}]*}' || true)
    [ -n "$sels" ] || ab_fail "no alertban_ selector in: $e"
    if printf '%s\n' "$sels" | grep -vq 'instance=~"\$instance"'; then
        ab_fail "a selector ignores \$instance in: $e"
    fi
done <"$AB_TMP/exprs"

echo "== every dashboard expression parses ($n)"
{
    echo "groups:"
    echo "  - name: alertban-dashboard-check"
    echo "    rules:"
    i=0
    while IFS= read -r e; do
        i=$((i + 1))
        echo "      - record: alertban_dashboard_check_$i"
        echo "        expr: |"
        # Grafana's variables, as Grafana fills them in for Prometheus.
        printf '%s\n' "$e" | sed 's/\$__rate_interval/1m/g; s/\$__range/6h/g; s/\$__interval/15s/g;
            s/\$instance/.*/g' | sed 's/^/          /'
    done <"$AB_TMP/exprs"
} >"$AB_TMP/dashboard-rules.yml"
promtool check rules "$AB_TMP/dashboard-rules.yml" || {
    cat "$AB_TMP/dashboard-rules.yml"
    ab_fail "a dashboard expression does not parse"
}
# The check has teeth: a broken expression is refused.
sed '0,/expr: |/{n; s/$/ )/}' "$AB_TMP/dashboard-rules.yml" >"$AB_TMP/broken.yml"
if promtool check rules "$AB_TMP/broken.yml" >/dev/null 2>&1; then
    ab_fail "promtool accepted an expression with an unbalanced parenthesis"
fi

echo "== metric names"
cat >"$AB_TMP/exposed" <<'M'
alertban_alert_to_kernel_seconds
alertban_alerts_read_total
alertban_bans
alertban_bans_added_total
alertban_bans_extended_total
alertban_bans_lifted_total
alertban_build_info
alertban_cut_connections_total
alertban_cut_failures_total
alertban_dropped_bytes_total
alertban_dropped_packets_total
alertban_firewall_commit_seconds
alertban_firewall_degraded
alertban_firewall_failures_total
alertban_input_bytes_behind
alertban_input_last_alert_timestamp_seconds
alertban_lines_skipped_total
alertban_reload_failures_total
alertban_reloads_total
alertban_rule_alerts_total
alertban_rule_bans_total
alertban_share_link_up
alertban_share_outbox
alertban_start_time_seconds
alertban_store_commit_seconds
alertban_verdicts_total
M
{
    cat "$AB_TMP/exprs"
    grep -v '^ *#' "$rules"
} | grep -o 'alertban_[a-z_]*' | sed 's/_bucket$//; s/_sum$//; s/_count$//' |
    grep -v '^alertban_dashboard_check' | sort -u >"$AB_TMP/used"
comm -23 "$AB_TMP/used" "$AB_TMP/exposed" >"$AB_TMP/unknown"
if [ -s "$AB_TMP/unknown" ]; then
    ab_fail "metrics the daemon does not expose: $(tr '\n' ' ' <"$AB_TMP/unknown")"
fi
# The panels the dashboard is for.
for m in alertban_bans alertban_bans_added_total alertban_bans_lifted_total \
    alertban_alerts_read_total alertban_lines_skipped_total alertban_alert_to_kernel_seconds_bucket \
    alertban_firewall_commit_seconds_bucket alertban_firewall_failures_total \
    alertban_dropped_packets_total alertban_dropped_bytes_total alertban_rule_alerts_total \
    alertban_rule_bans_total alertban_input_last_alert_timestamp_seconds \
    alertban_cut_connections_total alertban_share_link_up; do
    grep -q "$m{" "$AB_TMP/exprs" || ab_fail "the dashboard does not show $m"
done
grep -q 'histogram_quantile(0.5, sum by (le) (rate(alertban_alert_to_kernel_seconds_bucket' "$AB_TMP/exprs" &&
    grep -q 'histogram_quantile(0.99, sum by (le) (rate(alertban_alert_to_kernel_seconds_bucket' "$AB_TMP/exprs" ||
    ab_fail "no p50 and p99 of the alert-to-kernel latency"
for a in AlertbanSensorSilent AlertbanInputFallingBehind AlertbanFirewallFailing AlertbanDown AlertbanShareLinkDown; do
    grep -q "alert: $a\$" "$rules" || ab_fail "no $a rule"
    grep -q "alertname: $a\$" "$rules_test" || ab_fail "the rules test does not test $a"
done
echo "PASS"
