// SPDX-License-Identifier: GPL-2.0-or-later
// Unit tests for fw_sets, the kernel-free half of the set backends: diffing wanted bans with
// set members (remaining times, duplicates, strays), planning networks that must not overlap
// in an interval set, and the range <-> prefix arithmetic of interval elements.
#include "fw_sets.h"

#include <string.h>

#include "testutil.h"

/* "PREFIX[,S] ..." -> FwSetEntry array. */
static GArray *
entries_parse(const char *text)
{
    GArray *out = g_array_new(FALSE, FALSE, sizeof(FwSetEntry));
    g_auto(GStrv) words = g_strsplit(text, " ", -1);
    for (char **w = words; *w; w++) {
        if (**w == '\0')
            continue;
        FwSetEntry e = {0};
        char *comma = strchr(*w, ',');
        if (comma) {
            *comma = '\0';
            e.timeout_s = (guint32)g_ascii_strtoull(comma + 1, NULL, 10);
        }
        g_autoptr(GError) error = NULL;
        g_assert_true(ipprefix_parse(*w, &e.prefix, &error));
        g_array_append_val(out, e);
    }
    return out;
}

/* "+PREFIX[,S]" / "-PREFIX" ... -> FwChange array. */
static GArray *
changes_parse(const char *text)
{
    GArray *out = g_array_new(FALSE, FALSE, sizeof(FwChange));
    g_auto(GStrv) words = g_strsplit(text, " ", -1);
    for (char **w = words; *w; w++) {
        if (**w == '\0')
            continue;
        g_autoptr(GArray) one = entries_parse(*w + 1);
        const FwSetEntry *e = &g_array_index(one, FwSetEntry, 0);
        FwChange c = {.kind = **w == '+' ? FW_CHANGE_ADD : FW_CHANGE_REMOVE,
                      .prefix = e->prefix,
                      .timeout_s = e->timeout_s};
        g_array_append_val(out, c);
    }
    return out;
}

static char *
changes_format(const GArray *changes)
{
    GString *s = g_string_new(NULL);
    for (guint i = 0; i < changes->len; i++) {
        const FwChange *c = &g_array_index(changes, FwChange, i);
        char buf[IPADDR_STRLEN];
        g_string_append_printf(s, "%s%c%s", i ? " " : "", c->kind == FW_CHANGE_ADD ? '+' : '-',
                               ipprefix_format(&c->prefix, buf));
        if (c->kind == FW_CHANGE_ADD && c->timeout_s)
            g_string_append_printf(s, ",%u", c->timeout_s);
    }
    return g_string_free(s, FALSE);
}

static char *
entries_format(const GArray *entries)
{
    g_autoptr(GArray) as_changes = g_array_new(FALSE, FALSE, sizeof(FwChange));
    for (guint i = 0; i < entries->len; i++) {
        const FwSetEntry *e = &g_array_index(entries, FwSetEntry, i);
        FwChange c = {.kind = FW_CHANGE_ADD, .prefix = e->prefix, .timeout_s = e->timeout_s};
        g_array_append_val(as_changes, c);
    }
    return changes_format(as_changes);
}

typedef struct {
    const char *name;
    const char *installed;
    const char *desired;
    gboolean timed;
    const char *want; /* the changes, in order */
    guint added, removed, updated;
} DiffCase;

static const DiffCase diff_cases[] = {
    {"empty", "", "", TRUE, "", 0, 0, 0},
    {"all-missing", "", "192.0.2.2,10 192.0.2.1 2001:db8::1,5", TRUE,
     "+192.0.2.1 +192.0.2.2,10 +2001:db8::1,5", 3, 0, 0},
    {"all-strays", "2001:db8::1,4 198.51.100.0/24", "", TRUE, "-198.51.100.0/24 -2001:db8::1", 0, 2,
     0},
    {"equal", "192.0.2.1,100 198.51.100.0/24", "198.51.100.0/24 192.0.2.1,100", TRUE, "", 0, 0, 0},
    {"within-slack", "192.0.2.1,100", "192.0.2.1,104", TRUE, "", 0, 0, 0},
    {"past-slack", "192.0.2.1,100", "192.0.2.1,106", TRUE, "+192.0.2.1,106", 0, 0, 1},
    {"shorter", "192.0.2.1,100", "192.0.2.1,50", TRUE, "+192.0.2.1,50", 0, 0, 1},
    {"timed-to-permanent", "192.0.2.1,100", "192.0.2.1", TRUE, "+192.0.2.1", 0, 0, 1},
    {"permanent-to-timed", "192.0.2.1", "192.0.2.1,100", TRUE, "+192.0.2.1,100", 0, 0, 1},
    {"untimed-ignores-times", "192.0.2.1", "192.0.2.1,100", FALSE, "", 0, 0, 0},
    /* The same prefix twice: permanent wins, else the longest time. */
    {"desired-dupes", "", "192.0.2.1,5 192.0.2.1,9 192.0.2.2,5 192.0.2.2", TRUE,
     "+192.0.2.1,9 +192.0.2.2", 2, 0, 0},
    /* Same address, other length: different members. */
    {"lengths", "198.51.100.0/24", "198.51.100.0/25", TRUE, "-198.51.100.0/24 +198.51.100.0/25", 1,
     1, 0},
    {"mixed", "192.0.2.1,10 192.0.2.3 2001:db8::9", "192.0.2.1,60 192.0.2.2,5 2001:db8::9", TRUE,
     "+192.0.2.1,60 +192.0.2.2,5 -192.0.2.3", 1, 1, 1},
};

static void
test_diff(gconstpointer data)
{
    const DiffCase *c = data;
    g_autoptr(GArray) installed = entries_parse(c->installed);
    g_autoptr(GArray) desired = entries_parse(c->desired);
    g_autoptr(GArray) changes = g_array_new(FALSE, FALSE, sizeof(FwChange));
    FwReconcileStats st = {0};
    fw_sets_diff(installed, desired, c->timed, 5, changes, &st);
    g_autofree char *got = changes_format(changes);
    g_assert_cmpstr(got, ==, c->want);
    g_assert_cmpuint(st.added, ==, c->added);
    g_assert_cmpuint(st.removed, ==, c->removed);
    g_assert_cmpuint(st.updated, ==, c->updated);
}

/* A large diff against a reference: every third desired entry missing, every fifth installed
 * one a stray, times off on every seventh. */
static void
test_diff_large(void)
{
    const guint n = 100000;
    g_autoptr(GArray) installed = g_array_new(FALSE, FALSE, sizeof(FwSetEntry));
    g_autoptr(GArray) desired = g_array_new(FALSE, FALSE, sizeof(FwSetEntry));
    guint want_add = 0, want_rm = 0, want_upd = 0;
    for (guint i = 0; i < n; i++) {
        FwSetEntry e = {.timeout_s = 1000 + i % 50};
        e.prefix.addr.family = AF_INET;
        guint32 a = g_htonl(0xc6120000u + i); /* 198.18.0.0/15 */
        memcpy(e.prefix.addr.bytes, &a, 4);
        e.prefix.len = 32;
        gboolean in_desired = i % 5 != 0;
        gboolean in_installed = i % 3 != 0;
        if (in_desired)
            g_array_append_val(desired, e);
        if (in_installed) {
            FwSetEntry inst = e;
            if (i % 7 == 0)
                inst.timeout_s += 100;
            g_array_append_val(installed, inst);
        }
        want_add += in_desired && !in_installed;
        want_rm += !in_desired && in_installed;
        want_upd += in_desired && in_installed && i % 7 == 0;
    }
    /* Reverse the order: the diff must not rely on sorted input. */
    for (guint i = 0, j = installed->len - 1; i < j; i++, j--) {
        FwSetEntry t = g_array_index(installed, FwSetEntry, i);
        g_array_index(installed, FwSetEntry, i) = g_array_index(installed, FwSetEntry, j);
        g_array_index(installed, FwSetEntry, j) = t;
    }
    g_autoptr(GArray) changes = g_array_new(FALSE, FALSE, sizeof(FwChange));
    FwReconcileStats st = {0};
    gint64 t0 = g_get_monotonic_time();
    fw_sets_diff(installed, desired, TRUE, 5, changes, &st);
    gint64 us = g_get_monotonic_time() - t0;
    g_assert_cmpuint(st.added, ==, want_add);
    g_assert_cmpuint(st.removed, ==, want_rm);
    g_assert_cmpuint(st.updated, ==, want_upd);
    g_assert_cmpuint(changes->len, ==, want_add + want_rm + want_upd);
    g_assert_cmpint(us, <, 5 * G_USEC_PER_SEC);
}

typedef struct {
    const char *name;
    const char *present;
    const char *changes;
    const char *want;
    const char *present_after;
} PlanCase;

static const PlanCase plan_cases[] = {
    {"hosts-pass", "198.51.100.0/24", "+198.51.100.7,5 -192.0.2.1", "+198.51.100.7,5 -192.0.2.1",
     "+198.51.100.0/24"},
    {"new", "", "+198.51.100.0/24,5", "+198.51.100.0/24,5", "+198.51.100.0/24"},
    {"refresh", "198.51.100.0/24", "+198.51.100.0/24,50", "+198.51.100.0/24,50",
     "+198.51.100.0/24"},
    {"covered", "198.51.0.0/16", "+198.51.100.0/24,5", "", "+198.51.0.0/16"},
    {"covers", "198.51.100.0/24 198.51.101.0/24 203.0.113.0/24", "+198.51.0.0/16,9",
     "-198.51.101.0/24 -198.51.100.0/24 +198.51.0.0/16,9", "+203.0.113.0/24 +198.51.0.0/16"},
    {"remove-present", "198.51.100.0/24", "-198.51.100.0/24", "-198.51.100.0/24", ""},
    {"remove-absent", "198.51.100.0/24", "-198.51.101.0/24", "", "+198.51.100.0/24"},
    /* Networks added earlier in the batch are not in the kernel: their additions go. */
    {"within-batch", "", "+198.51.100.0/24 +198.51.100.0/25 +198.51.0.0/16", "+198.51.0.0/16",
     "+198.51.0.0/16"},
    {"covers-mixed", "198.51.100.0/24", "+198.51.100.0/24,7 +198.51.101.0/24 +198.51.0.0/16",
     "-198.51.100.0/24 +198.51.0.0/16", "+198.51.0.0/16"},
    {"add-then-remove", "", "+198.51.100.0/24 -198.51.100.0/24", "", ""},
    {"refresh-then-remove", "198.51.100.0/24", "+198.51.100.0/24,9 -198.51.100.0/24",
     "-198.51.100.0/24", ""},
    {"last-time-wins", "", "+198.51.100.0/24,5 +198.51.100.0/24,9", "+198.51.100.0/24,9",
     "+198.51.100.0/24"},
    {"families-apart", "198.51.100.0/24", "+2001:db8::/32", "+2001:db8::/32",
     "+198.51.100.0/24 +2001:db8::/32"},
};

static void
test_plan(gconstpointer data)
{
    const PlanCase *c = data;
    g_autoptr(GArray) present_entries = entries_parse(c->present);
    g_autoptr(GArray) present = g_array_new(FALSE, FALSE, sizeof(IpPrefix));
    for (guint i = 0; i < present_entries->len; i++)
        g_array_append_val(present, g_array_index(present_entries, FwSetEntry, i).prefix);
    g_autoptr(GArray) changes = changes_parse(c->changes);
    g_autoptr(GArray) out = g_array_new(FALSE, FALSE, sizeof(FwChange));
    fw_sets_plan_networks(present, (const FwChange *)changes->data, changes->len, out);
    g_autofree char *got = changes_format(out);
    g_assert_cmpstr(got, ==, c->want);
    g_autoptr(GArray) after = g_array_new(FALSE, FALSE, sizeof(FwChange));
    for (guint i = 0; i < present->len; i++) {
        FwChange ch = {.kind = FW_CHANGE_ADD, .prefix = g_array_index(present, IpPrefix, i)};
        g_array_append_val(after, ch);
    }
    g_autofree char *got_after = changes_format(after);
    g_assert_cmpstr(got_after, ==, c->present_after);
}

typedef struct {
    const char *name;
    const char *changes;
    const char *want;
} CollapseCase;

static const CollapseCase collapse_cases[] = {
    {"empty", "", ""},
    {"distinct", "+192.0.2.1 -192.0.2.2 +2001:db8::1,5", "+192.0.2.1 -192.0.2.2 +2001:db8::1,5"},
    {"add-then-remove", "+192.0.2.1,5 +192.0.2.2 -192.0.2.1", "+192.0.2.2 -192.0.2.1"},
    {"remove-then-add", "-192.0.2.1 +192.0.2.2 +192.0.2.1,7", "+192.0.2.2 +192.0.2.1,7"},
    {"repeated", "+192.0.2.1,5 +192.0.2.1,9 +192.0.2.1,3", "+192.0.2.1,3"},
    {"lengths-differ", "+198.51.100.0/24 -198.51.100.0/25", "+198.51.100.0/24 -198.51.100.0/25"},
};

static void
test_collapse(gconstpointer data)
{
    const CollapseCase *c = data;
    g_autoptr(GArray) changes = changes_parse(c->changes);
    g_autoptr(GArray) out = g_array_new(FALSE, FALSE, sizeof(FwChange));
    fw_sets_collapse((const FwChange *)changes->data, changes->len, out);
    g_autofree char *got = changes_format(out);
    g_assert_cmpstr(got, ==, c->want);
}

static void
test_drop_covered(void)
{
    g_autoptr(GArray) e = entries_parse("198.51.100.0/24,5 198.51.0.0/16,9 198.51.100.7,5 "
                                        "2001:db8:1::/48 2001:db8::/32,3 203.0.113.0/24");
    g_assert_cmpuint(fw_sets_drop_covered(e), ==, 2);
    g_autofree char *got = entries_format(e);
    g_assert_cmpstr(got, ==, "+198.51.0.0/16,9 +198.51.100.7,5 +2001:db8::/32,3 +203.0.113.0/24");
}

typedef struct {
    const char *name;
    const char *prefix; /* NULL: not a prefix */
    const char *start;
    const char *end; /* NULL: to the top */
} RangeCase;

static const RangeCase range_cases[] = {
    {"v4-24", "198.51.100.0/24", "198.51.100.0", "198.51.101.0"},
    {"v4-host", "192.0.2.1", "192.0.2.1", "192.0.2.2"},
    {"v4-carry", "192.0.2.255", "192.0.2.255", "192.0.3.0"},
    {"v4-top", "240.0.0.0/4", "240.0.0.0", NULL},
    {"v4-all", "0.0.0.0/0", "0.0.0.0", NULL},
    {"v4-unaligned", NULL, "192.0.2.16", "192.0.2.21"},
    {"v4-misaligned-power", NULL, "192.0.2.8", "192.0.2.24"},
    {"v6-48", "2001:db8:1::/48", "2001:db8:1::", "2001:db8:2::"},
    {"v6-top", "ff00::/8", "ff00::", NULL},
    {"v6-odd", NULL, "2001:db8::", "2001:db8::3"},
};

static void
test_range(gconstpointer data)
{
    const RangeCase *c = data;
    IpAddr start, end;
    g_assert_true(ipaddr_parse(c->start, &start));
    if (c->end)
        g_assert_true(ipaddr_parse(c->end, &end));
    IpPrefix p;
    gboolean ok = fw_sets_range_to_prefix(start.family, start.bytes, c->end ? end.bytes : NULL, &p);
    g_assert_cmpint(ok, ==, c->prefix != NULL);
    if (!c->prefix)
        return;
    char buf[IPADDR_STRLEN];
    g_assert_cmpstr(ipprefix_format(&p, buf), ==, c->prefix);
    /* And back: the prefix's end is the range's end. */
    guint8 back[16];
    gboolean has_end = fw_sets_prefix_end(&p, back);
    g_assert_cmpint(has_end, ==, c->end != NULL);
    if (c->end)
        g_assert_cmpmem(back, start.family == AF_INET ? 4 : 16, end.bytes,
                        start.family == AF_INET ? 4 : 16);
}

int
main(int argc, char **argv)
{
    test_init(&argc, &argv);
    for (gsize i = 0; i < G_N_ELEMENTS(diff_cases); i++) {
        g_autofree char *path = g_strdup_printf("/fw_sets/diff/%s", diff_cases[i].name);
        g_test_add_data_func(path, &diff_cases[i], test_diff);
    }
    g_test_add_func("/fw_sets/diff/large", test_diff_large);
    for (gsize i = 0; i < G_N_ELEMENTS(plan_cases); i++) {
        g_autofree char *path = g_strdup_printf("/fw_sets/plan_networks/%s", plan_cases[i].name);
        g_test_add_data_func(path, &plan_cases[i], test_plan);
    }
    for (gsize i = 0; i < G_N_ELEMENTS(collapse_cases); i++) {
        g_autofree char *path = g_strdup_printf("/fw_sets/collapse/%s", collapse_cases[i].name);
        g_test_add_data_func(path, &collapse_cases[i], test_collapse);
    }
    g_test_add_func("/fw_sets/drop_covered/mixed", test_drop_covered);
    for (gsize i = 0; i < G_N_ELEMENTS(range_cases); i++) {
        g_autofree char *path = g_strdup_printf("/fw_sets/range_to_prefix/%s", range_cases[i].name);
        g_test_add_data_func(path, &range_cases[i], test_range);
    }
    return g_test_run();
}
