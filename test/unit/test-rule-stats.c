// SPDX-License-Identifier: GPL-2.0-or-later
// Unit tests for per-rule statistics: counts per GID:SID, the cap and its overflow sum, the
// order (and ties) of the top rules, and the running totals a scrape's "other" is made of.
#include "rule_stats.h"

#include "testutil.h"

/* A script: alerts ('a') and bans ('b') of gid:sid, counted in order. */
typedef struct {
    char op;
    guint32 gid, sid;
} Count;

static void
run(RuleStats *rs, const Count *c, guint n)
{
    for (guint i = 0; i < n; i++) {
        if (c[i].op == 'a')
            rule_stats_count_alert(rs, c[i].gid, c[i].sid);
        else
            rule_stats_count_ban(rs, c[i].gid, c[i].sid);
    }
}

static void
assert_count(const RuleCount *got, guint32 gid, guint32 sid, guint64 alerts, guint64 bans)
{
    g_assert_cmpuint(got->gid, ==, gid);
    g_assert_cmpuint(got->sid, ==, sid);
    g_assert_cmpuint(got->alerts, ==, alerts);
    g_assert_cmpuint(got->bans, ==, bans);
}

/* Same SID under two GIDs is two rules; a rule seen only in a ban is counted too. */
static void
test_counts(void)
{
    static const Count c[] = {
        {'a', 1, 2001}, {'a', 1, 2001}, {'a', 3, 2001}, {'b', 1, 2001},
        {'a', 1, 2001}, {'b', 1, 7},    {'a', 3, 2001},
    };
    g_autoptr(RuleStats) rs = rule_stats_new(10);
    run(rs, c, G_N_ELEMENTS(c));
    RuleCount got;
    g_assert_true(rule_stats_lookup(rs, 1, 2001, &got));
    assert_count(&got, 1, 2001, 3, 1);
    g_assert_true(rule_stats_lookup(rs, 3, 2001, &got));
    assert_count(&got, 3, 2001, 2, 0);
    g_assert_true(rule_stats_lookup(rs, 1, 7, &got));
    assert_count(&got, 1, 7, 0, 1);
    g_assert_false(rule_stats_lookup(rs, 2001, 1, &got)); /* gid and sid are not swapped */
    assert_count(&got, 0, 0, 0, 0);
    g_assert_cmpuint(rule_stats_size(rs), ==, 3);
    guint64 oa = 99, ob = 99;
    rule_stats_overflow(rs, &oa, &ob);
    g_assert_cmpuint(oa, ==, 0);
    g_assert_cmpuint(ob, ==, 0);
}

/* The msg last seen is kept, replaced when it changes, and untouched by a NULL. */
static void
test_msg(void)
{
    g_autoptr(RuleStats) rs = rule_stats_new(2);
    g_assert_null(rule_stats_msg(rs, 1, 5));
    rule_stats_count_alert_msg(rs, 1, 5, "ET SCAN old");
    g_assert_cmpstr(rule_stats_msg(rs, 1, 5), ==, "ET SCAN old");
    rule_stats_count_alert_msg(rs, 1, 5, "ET SCAN new");
    g_assert_cmpstr(rule_stats_msg(rs, 1, 5), ==, "ET SCAN new");
    rule_stats_count_alert(rs, 1, 5);
    g_assert_cmpstr(rule_stats_msg(rs, 1, 5), ==, "ET SCAN new");
    rule_stats_count_alert_msg(rs, 1, 6, "second");
    rule_stats_count_alert_msg(rs, 1, 7, "not kept");
    g_assert_null(rule_stats_msg(rs, 1, 7));
    RuleCount got;
    g_assert_true(rule_stats_lookup(rs, 1, 5, &got));
    assert_count(&got, 1, 5, 3, 0);
}

/* A flood of distinct SIDs keeps max_rules of them, the first seen; the rest are summed, and
 * kept + overflow is every count made. A kept rule keeps counting once the table is full. */
static void
test_cap_overflow(void)
{
    enum { CAP = 100, FLOOD = 200000 };
    g_autoptr(RuleStats) rs = rule_stats_new(CAP);
    for (guint32 sid = 1; sid <= FLOOD; sid++) {
        rule_stats_count_alert_msg(rs, 1, sid, "flood");
        if (sid % 10 == 0)
            rule_stats_count_ban(rs, 1, sid);
    }
    rule_stats_count_alert(rs, 1, 1); /* kept: still counted */
    rule_stats_count_ban(rs, 1, 1);
    g_assert_cmpuint(rule_stats_size(rs), ==, CAP);
    RuleCount got;
    g_assert_true(rule_stats_lookup(rs, 1, CAP, &got));
    g_assert_false(rule_stats_lookup(rs, 1, CAP + 1, &got));
    g_assert_true(rule_stats_lookup(rs, 1, 1, &got));
    assert_count(&got, 1, 1, 2, 1);

    guint64 oa, ob;
    rule_stats_overflow(rs, &oa, &ob);
    g_assert_cmpuint(oa, ==, FLOOD - CAP);
    g_assert_cmpuint(ob, ==, FLOOD / 10 - CAP / 10);

    RuleCount other;
    g_autoptr(GArray) top = rule_stats_top(rs, FALSE, 5, &other);
    g_assert_cmpuint(top->len, ==, 5);
    guint64 alerts = other.alerts, bans = other.bans;
    for (guint i = 0; i < top->len; i++) {
        alerts += g_array_index(top, RuleCount, i).alerts;
        bans += g_array_index(top, RuleCount, i).bans;
    }
    g_assert_cmpuint(alerts, ==, FLOOD + 1);
    g_assert_cmpuint(bans, ==, FLOOD / 10 + 1);
    g_assert_cmpuint(other.gid, ==, 0);
    g_assert_cmpuint(other.sid, ==, 0);
    assert_count(&g_array_index(top, RuleCount, 0), 1, 1, 2, 1);

    /* A cap of 0 is taken as 1. */
    g_autoptr(RuleStats) one = rule_stats_new(0);
    rule_stats_count_alert(one, 1, 1);
    rule_stats_count_alert(one, 1, 2);
    g_assert_cmpuint(rule_stats_size(one), ==, 1);
    rule_stats_overflow(one, &oa, NULL);
    g_assert_cmpuint(oa, ==, 1);
}

/* Order: most alerts (or bans) first; ties on the other count, then GID, then SID ascending.
 * n larger than the table returns them all with an empty "other"; n = 0 sums everything. */
static void
test_top_order(void)
{
    g_autoptr(RuleStats) rs = rule_stats_new(16);
    static const Count c[] = {
        /* 1:300 3 alerts 0 bans; 1:100 3 alerts 1 ban; 3:5 3 alerts 1 ban; 1:200 1 alert
         * 2 bans; 1:50 3 alerts 1 ban */
        {'a', 1, 300}, {'a', 1, 300}, {'a', 1, 300}, {'a', 1, 100}, {'a', 1, 100}, {'a', 1, 100},
        {'b', 1, 100}, {'a', 3, 5},   {'a', 3, 5},   {'a', 3, 5},   {'b', 3, 5},   {'a', 1, 200},
        {'b', 1, 200}, {'b', 1, 200}, {'a', 1, 50},  {'a', 1, 50},  {'a', 1, 50},  {'b', 1, 50},
    };
    run(rs, c, G_N_ELEMENTS(c));

    RuleCount other;
    g_autoptr(GArray) by_alerts = rule_stats_top(rs, FALSE, 10, &other);
    g_assert_cmpuint(by_alerts->len, ==, 5);
    assert_count(&g_array_index(by_alerts, RuleCount, 0), 1, 50, 3, 1);
    assert_count(&g_array_index(by_alerts, RuleCount, 1), 1, 100, 3, 1);
    assert_count(&g_array_index(by_alerts, RuleCount, 2), 3, 5, 3, 1);
    assert_count(&g_array_index(by_alerts, RuleCount, 3), 1, 300, 3, 0);
    assert_count(&g_array_index(by_alerts, RuleCount, 4), 1, 200, 1, 2);
    assert_count(&other, 0, 0, 0, 0);

    g_autoptr(GArray) by_bans = rule_stats_top(rs, TRUE, 2, &other);
    g_assert_cmpuint(by_bans->len, ==, 2);
    assert_count(&g_array_index(by_bans, RuleCount, 0), 1, 200, 1, 2);
    assert_count(&g_array_index(by_bans, RuleCount, 1), 1, 50, 3, 1);
    assert_count(&other, 0, 0, 3 + 3 + 3, 1 + 1); /* 1:100, 3:5, 1:300 */

    g_autoptr(GArray) none = rule_stats_top(rs, FALSE, 0, &other);
    g_assert_cmpuint(none->len, ==, 0);
    assert_count(&other, 0, 0, 13, 5);

    g_autoptr(GArray) no_other = rule_stats_top(rs, FALSE, 1, NULL);
    g_assert_cmpuint(no_other->len, ==, 1);

    g_autoptr(RuleStats) empty = rule_stats_new(4);
    g_autoptr(GArray) nothing = rule_stats_top(empty, TRUE, 20, &other);
    g_assert_cmpuint(nothing->len, ==, 0);
    assert_count(&other, 0, 0, 0, 0);
}

/* The running totals are every count made, kept or overflowed; the few best rules picked in
 * one pass are the first rules of the fully sorted list, for every n and both orders; and
 * "other" is the totals less the rules returned. Many ties (counts 0..3) test the order. */
static void
test_totals(void)
{
    enum { CAP = 50, SIDS = 300, COUNTS = 5000 };
    g_autoptr(RuleStats) rs = rule_stats_new(CAP);
    g_autoptr(GRand) rand = g_rand_new_with_seed(20261207);
    guint64 alerts = 0, bans = 0;
    RuleCount total;
    rule_stats_totals(rs, &total);
    assert_count(&total, 0, 0, 0, 0);
    for (guint i = 0; i < COUNTS; i++) {
        /* Skewed toward low SIDs, so the kept rules' counts differ and tie alike. */
        guint32 sid = (guint32)g_rand_int_range(rand, 1, 1 + g_rand_int_range(rand, 1, SIDS));
        guint32 gid = (guint32)g_rand_int_range(rand, 1, 3);
        if (g_rand_int_range(rand, 0, 4) == 0) {
            rule_stats_count_ban(rs, gid, sid);
            bans++;
        } else {
            rule_stats_count_alert(rs, gid, sid);
            alerts++;
        }
    }
    g_assert_cmpuint(rule_stats_size(rs), ==, CAP);
    guint64 oa, ob;
    rule_stats_overflow(rs, &oa, &ob);
    g_assert_cmpuint(oa, >, 0);
    g_assert_cmpuint(ob, >, 0);
    rule_stats_totals(rs, &total);
    assert_count(&total, 0, 0, alerts, bans);

    static const guint ns[] = {0, 1, 2, 20, CAP - 1, CAP, CAP + 1, G_MAXUINT};
    for (guint by_bans = 0; by_bans < 2; by_bans++) {
        RuleCount other;
        g_autoptr(GArray) all = rule_stats_top(rs, by_bans, G_MAXUINT, &other);
        g_assert_cmpuint(all->len, ==, CAP);
        assert_count(&other, 0, 0, oa, ob);
        for (guint k = 0; k < G_N_ELEMENTS(ns); k++) {
            g_autoptr(GArray) top = rule_stats_top(rs, by_bans, ns[k], &other);
            g_assert_cmpuint(top->len, ==, MIN(ns[k], (guint)CAP));
            guint64 sum_alerts = other.alerts, sum_bans = other.bans;
            for (guint i = 0; i < top->len; i++) {
                const RuleCount *want = &g_array_index(all, RuleCount, i);
                const RuleCount *got = &g_array_index(top, RuleCount, i);
                assert_count(got, want->gid, want->sid, want->alerts, want->bans);
                sum_alerts += got->alerts;
                sum_bans += got->bans;
            }
            g_assert_cmpuint(sum_alerts, ==, alerts);
            g_assert_cmpuint(sum_bans, ==, bans);
        }
    }
}

int
main(int argc, char **argv)
{
    test_init(&argc, &argv);
    g_test_add_func("/rule_stats/count/per-rule", test_counts);
    g_test_add_func("/rule_stats/count/msg", test_msg);
    g_test_add_func("/rule_stats/cap/overflow", test_cap_overflow);
    g_test_add_func("/rule_stats/top/order-and-ties", test_top_order);
    g_test_add_func("/rule_stats/top/totals-and-one-pass", test_totals);
    return g_test_run();
}
