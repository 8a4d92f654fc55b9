// SPDX-License-Identifier: GPL-2.0-or-later
// Unit tests for the shared ban record: the stable names of its sources, and its core fields
// reached by name and as one value.
#include "ban.h"

#include <string.h>

#include "testutil.h"

typedef struct {
    const char *name; /* the test's path */
    const char *text;
    gboolean valid;
    BanSource source;
} SourceCase;

/* The names are stored in the database and sent to the CLI: they must not drift. */
static const SourceCase source_cases[] = {
    {"policy", "policy", TRUE, BAN_SOURCE_POLICY},
    {"manual", "manual", TRUE, BAN_SOURCE_MANUAL},
    {"empty", "", FALSE, 0},
    {"capital", "Manual", FALSE, 0},
    {"trailing-space", "manual ", FALSE, 0},
    {"leading-space", " policy", FALSE, 0},
    {"unknown", "operator", FALSE, 0},
};

static void
test_source_parse(gconstpointer data)
{
    const SourceCase *c = data;
    BanSource out = (BanSource)77; /* left alone when the text is not a source */
    g_assert_cmpint(ban_source_parse(c->text, &out), ==, c->valid);
    if (c->valid) {
        g_assert_cmpint(out, ==, c->source);
        g_assert_cmpstr(ban_source_name(out), ==, c->text);
    } else {
        g_assert_cmpint(out, ==, 77);
    }
}

static void
test_source_parse_null(void)
{
    BanSource out = BAN_SOURCE_MANUAL;
    g_assert_false(ban_source_parse(NULL, &out));
    g_assert_cmpint(out, ==, BAN_SOURCE_MANUAL);
}

static void
fill_ban(Ban *b, guint seed)
{
    memset(b, 0, sizeof *b);
    g_assert_true(ipprefix_parse(seed % 2 ? "2001:db8::/48" : "198.51.100.0/24", &b->prefix, NULL));
    b->source = seed % 2 ? BAN_SOURCE_MANUAL : BAN_SOURCE_POLICY;
    b->violations = 10 + seed;
    b->prior_bans = 20 + seed;
    b->gid = 1;
    b->sid = 2001219 + seed;
    b->rev = 3 + seed;
    b->expires_us = seed % 3 ? BAN_EXPIRES_NEVER : 1800000000000000 + seed;
    b->created_us = 1700000000000000 + seed;
    b->first_seen_us = 1700000000000001 + seed;
    b->last_seen_us = 1700000000000002 + seed;
    g_snprintf(b->reason, sizeof b->reason, "reason-%u", seed);
    g_snprintf(b->msg, sizeof b->msg, "ET SCAN %u", seed);
}

/* Assigning the core moves every named field and neither text: what the ban table and the
 * store rely on when they turn a Ban into their own rows and back. */
static void
test_core_assign(void)
{
    Ban a, b;
    fill_ban(&a, 1);
    fill_ban(&b, 2);
    b.core = a.core;
    g_assert_true(ipprefix_equal(&b.prefix, &a.prefix));
    g_assert_cmpint(b.source, ==, BAN_SOURCE_MANUAL);
    g_assert_cmpuint(b.violations, ==, 11);
    g_assert_cmpuint(b.prior_bans, ==, 21);
    g_assert_cmpuint(b.gid, ==, 1);
    g_assert_cmpuint(b.sid, ==, 2001220);
    g_assert_cmpuint(b.rev, ==, 4);
    g_assert_cmpint(b.expires_us, ==, BAN_EXPIRES_NEVER);
    g_assert_cmpint(b.created_us, ==, 1700000000000001);
    g_assert_cmpint(b.first_seen_us, ==, 1700000000000002);
    g_assert_cmpint(b.last_seen_us, ==, 1700000000000003);
    g_assert_cmpstr(b.reason, ==, "reason-2");
    g_assert_cmpstr(b.msg, ==, "ET SCAN 2");
    /* The other way: a named field written is seen in the core. */
    a.expires_us = 5;
    a.sid = 9;
    g_assert_cmpint(a.core.expires_us, ==, 5);
    g_assert_cmpuint(a.core.sid, ==, 9);
}

/* A BanCore copied out of a Ban and back in makes the same bytes, padding aside: the texts
 * start right after the core. */
static void
test_core_layout(void)
{
    g_assert_cmpuint(G_STRUCT_OFFSET(Ban, reason), ==, sizeof(BanCore));
    g_assert_cmpuint(sizeof(Ban), ==, sizeof(BanCore) + BAN_REASON_MAX + BAN_MSG_MAX);
    Ban a, b;
    fill_ban(&a, 3);
    memset(&b, 0xa5, sizeof b);
    BanCore core = a.core;
    b.core = core;
    memcpy(b.reason, a.reason, sizeof b.reason);
    memcpy(b.msg, a.msg, sizeof b.msg);
    g_assert_true(ipprefix_equal(&b.prefix, &a.prefix));
    g_assert_cmpint(b.expires_us, ==, a.expires_us);
    g_assert_cmpint(b.last_seen_us, ==, a.last_seen_us);
    g_assert_cmpint(memcmp(b.reason, a.reason, sizeof a.reason), ==, 0);
}

int
main(int argc, char **argv)
{
    test_init(&argc, &argv);
    for (guint i = 0; i < G_N_ELEMENTS(source_cases); i++) {
        g_autofree char *path = g_strdup_printf("/ban/source/parse/%s", source_cases[i].name);
        g_test_add_data_func(path, &source_cases[i], test_source_parse);
    }
    g_test_add_func("/ban/source/parse/null", test_source_parse_null);
    g_test_add_func("/ban/core/assign", test_core_assign);
    g_test_add_func("/ban/core/layout", test_core_layout);
    return g_test_run();
}
