// SPDX-License-Identifier: GPL-2.0-or-later
// Unit tests for shared entries: the fields a peer sends are checked (lengths, address,
// zero-length prefix, node, rule, text), encode/decode round-trips, expiry plausibility.
#include "share_entry.h"

#include <string.h>

#include "error.h"
#include "testutil.h"

/* A case: "name=value" pairs separated by '|' (values may hold anything but '|'), and the glob
 * the error must match, NULL when it must be accepted. */
typedef struct {
    const char *name;
    const char *fields;
    const char *error;
} FieldsCase;

#define GOOD_TAIL "|expires=1900000000|node=sensor-a|rule=1:2001219:20|msg=ET SCAN|reason=threshold"

static const FieldsCase fields_cases[] = {
    {"ban-v4", "op=ban|addr=203.0.113.7" GOOD_TAIL, NULL},
    {"ban-v6-prefix", "op=ban|addr=2001:db8::/64" GOOD_TAIL, NULL},
    {"unban", "op=unban|addr=203.0.113.7|expires=0|node=gw.1|rule=0:0:0", NULL},
    {"permanent", "op=ban|addr=198.51.100.1|expires=0|node=a|rule=0:0:0|msg=|reason=manual",
     NULL},
    {"unknown-field-ignored", "op=ban|addr=203.0.113.7|future=1" GOOD_TAIL, NULL},
    {"zero-prefix-v4", "op=ban|addr=0.0.0.0/0" GOOD_TAIL, "field addr: a zero-length prefix*"},
    {"zero-prefix-v6", "op=ban|addr=::/0" GOOD_TAIL, "field addr: a zero-length prefix*"},
    {"host-bits", "op=ban|addr=192.0.2.1/24" GOOD_TAIL, "field addr: *"},
    {"addr-junk", "op=ban|addr=203.0.113.7 " GOOD_TAIL, "field addr: *"},
    {"addr-name", "op=ban|addr=example.org" GOOD_TAIL, "field addr: *"},
    {"addr-missing", "op=ban" GOOD_TAIL, "field addr: missing"},
    {"op-bad", "op=drop|addr=203.0.113.7" GOOD_TAIL, "field op: *"},
    {"op-twice", "op=ban|op=unban|addr=203.0.113.7" GOOD_TAIL, "field op: given twice"},
    {"expires-negative", "op=ban|addr=203.0.113.7|expires=-5|node=a|rule=1:2:3",
     "field expires: *"},
    {"expires-junk", "op=ban|addr=203.0.113.7|expires=12x|node=a|rule=1:2:3", "field expires: *"},
    {"expires-huge", "op=ban|addr=203.0.113.7|expires=99999999999999999999|node=a|rule=1:2:3",
     "field expires: *"},
    {"node-empty", "op=ban|addr=203.0.113.7|expires=0|node=|rule=1:2:3", "field node: *"},
    {"node-space", "op=ban|addr=203.0.113.7|expires=0|node=a b|rule=1:2:3", "field node: *"},
    {"node-long",
     "op=ban|addr=203.0.113.7|expires=0|rule=1:2:3|node="
     "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
     "field node: too long"},
    {"rule-two-parts", "op=ban|addr=203.0.113.7|expires=0|node=a|rule=1:2", "field rule: *"},
    {"rule-overflow", "op=ban|addr=203.0.113.7|expires=0|node=a|rule=1:4294967296:1",
     "field rule: *"},
    {"msg-control", "op=ban|addr=203.0.113.7|expires=0|node=a|rule=1:2:3|msg=a\x1b[31mred",
     "field msg: contains control characters"},
    {"reason-newline", "op=ban|addr=203.0.113.7|expires=0|node=a|rule=1:2:3|reason=x\ny",
     "field reason: contains control characters"},
};

static guint
split_fields(const char *text, char ***parts_out, ShareField *fields)
{
    char **parts = g_strsplit(text, "|", -1);
    guint n = 0;
    for (guint i = 0; parts[i]; i++) {
        char *eq = strchr(parts[i], '=');
        g_assert_nonnull(eq);
        fields[n++] = (ShareField){parts[i], (gsize)(eq - parts[i]), eq + 1, strlen(eq + 1)};
    }
    *parts_out = parts;
    return n;
}

static void
test_fields(gconstpointer data)
{
    const FieldsCase *c = data;
    ShareField fields[SHARE_FIELDS_MAX];
    char **parts;
    guint n = split_fields(c->fields, &parts, fields);
    ShareEntry e;
    g_autoptr(GError) error = NULL;
    gboolean ok = share_entry_from_fields(fields, n, &e, &error);
    if (!c->error) {
        g_assert_no_error(error);
        g_assert_true(ok);
        g_assert_cmpuint(e.prefix.len, >, 0);
    } else {
        g_assert_false(ok);
        g_assert_error(error, ALERTBAN_ERROR, ALERTBAN_ERROR_PARSE);
        if (!g_pattern_match_simple(c->error, error->message))
            g_error("error '%s' does not match '%s'", error->message, c->error);
    }
    g_strfreev(parts);
}

/* Values longer than their cap are refused, never truncated; a NUL inside a value (Redis
 * strings are binary) is refused. */
static void
test_lengths(void)
{
    g_autofree char *msg = g_strnfill(SHARE_MSG_MAX + 1, 'm');
    ShareField f[] = {
        {"op", 2, "ban", 3},          {"addr", 4, "203.0.113.7", 11}, {"expires", 7, "0", 1},
        {"node", 4, "a", 1},          {"rule", 4, "1:2:3", 5},        {"msg", 3, msg, strlen(msg)},
    };
    ShareEntry e;
    g_autoptr(GError) error = NULL;
    g_assert_false(share_entry_from_fields(f, G_N_ELEMENTS(f), &e, &error));
    g_assert_cmpstr(error->message, ==, "field msg: too long");
    g_clear_error(&error);
    f[5].value_len = SHARE_MSG_MAX;
    g_assert_true(share_entry_from_fields(f, G_N_ELEMENTS(f), &e, &error));
    g_assert_cmpuint(strlen(e.msg), ==, SHARE_MSG_MAX);
    f[3] = (ShareField){"node", 4, "a\0b", 3};
    g_assert_false(share_entry_from_fields(f, G_N_ELEMENTS(f), &e, &error));
    g_assert_cmpstr(error->message, ==, "field node: contains a NUL byte");
    g_clear_error(&error);
    /* Too many fields, known or not. */
    ShareField many[SHARE_FIELDS_MAX + 1];
    for (guint i = 0; i < G_N_ELEMENTS(many); i++)
        many[i] = (ShareField){"x", 1, "y", 1};
    g_assert_false(share_entry_from_fields(many, G_N_ELEMENTS(many), &e, &error));
    g_clear_error(&error);
    /* An over-long field name. */
    ShareField name[] = {{"aaaaaaaaaaaaaaaaaaaaaaaa", 24, "y", 1}};
    g_assert_false(share_entry_from_fields(name, 1, &e, &error));
}

static void
test_round_trip(void)
{
    ShareEntry e = {.op = SHARE_OP_BAN, .expires_s = 1900000000, .gid = 1, .sid = 2001219,
                    .rev = 20};
    g_autoptr(GError) error = NULL;
    g_assert_true(ipprefix_parse("2001:db8:1::/48", &e.prefix, &error));
    g_strlcpy(e.node, "sensor-a", sizeof e.node);
    g_strlcpy(e.msg, "ET SCAN \"quoted\" = sign", sizeof e.msg);
    g_strlcpy(e.reason, "threshold", sizeof e.reason);
    g_autoptr(GBytes) b = share_entry_encode(&e);
    ShareEntry back;
    gsize len;
    gconstpointer data = g_bytes_get_data(b, &len);
    g_assert_true(share_entry_decode(data, len, &back, &error));
    g_assert_no_error(error);
    g_assert_cmpint(memcmp(&e, &back, sizeof e), ==, 0);

    /* The wire fields are the documented ones, in order. */
    ShareEntryText text;
    ShareField f[SHARE_ENTRY_FIELDS];
    guint n = share_entry_fields(&e, &text, f);
    const char *want[] = {"op",   "ban",          "addr", "2001:db8:1::/48", "expires",
                          "1900000000", "node",   "sensor-a", "rule", "1:2001219:20",
                          "msg",  e.msg,          "reason", "threshold"};
    g_assert_cmpuint(n * 2, ==, G_N_ELEMENTS(want));
    for (guint i = 0; i < n; i++) {
        g_assert_cmpmem(f[i].name, f[i].name_len, want[2 * i], strlen(want[2 * i]));
        g_assert_cmpmem(f[i].value, f[i].value_len, want[2 * i + 1], strlen(want[2 * i + 1]));
    }

    /* Damaged outbox bytes are refused. */
    g_assert_false(share_entry_decode(data, len - 1, &back, &error));
    g_clear_error(&error);
    g_assert_false(share_entry_decode("op\0ban", 6, &back, &error));
    g_clear_error(&error);
    g_assert_false(share_entry_decode("", 0, &back, &error));
}

static void
test_time(void)
{
    const gint64 now = 1800000000, max_ban = 7 * 86400;
    ShareEntry e = {.op = SHARE_OP_BAN};
    struct {
        gint64 expires;
        ShareTime want;
    } cases[] = {
        {0, SHARE_TIME_OK},
        {now + 3600, SHARE_TIME_OK},
        {now + max_ban + SHARE_CLOCK_SKEW_S, SHARE_TIME_OK},
        {now + max_ban + SHARE_CLOCK_SKEW_S + 1, SHARE_TIME_FAR},
        {now, SHARE_TIME_EXPIRED},
        {now - SHARE_CLOCK_SKEW_S, SHARE_TIME_EXPIRED},
        {now - SHARE_CLOCK_SKEW_S - 1, SHARE_TIME_PAST},
    };
    for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
        e.expires_s = cases[i].expires;
        g_assert_cmpint(share_entry_check_time(&e, now, max_ban), ==, cases[i].want);
    }
    /* No limit configured: nothing is too far. */
    e.expires_s = now + 100 * max_ban;
    g_assert_cmpint(share_entry_check_time(&e, now, 0), ==, SHARE_TIME_OK);
    e.op = SHARE_OP_UNBAN;
    e.expires_s = 1;
    g_assert_cmpint(share_entry_check_time(&e, now, max_ban), ==, SHARE_TIME_OK);
}

static void
test_node_names(void)
{
    g_assert_true(share_node_is_valid("gw-1.site_b"));
    g_assert_false(share_node_is_valid(""));
    g_assert_false(share_node_is_valid(NULL));
    g_assert_false(share_node_is_valid("a/b"));
    g_assert_false(share_node_is_valid("a:b"));
}

int
main(int argc, char **argv)
{
    test_init(&argc, &argv);
    for (guint i = 0; i < G_N_ELEMENTS(fields_cases); i++) {
        g_autofree char *path = g_strdup_printf("/share-entry/fields/%s", fields_cases[i].name);
        g_test_add_data_func(path, &fields_cases[i], test_fields);
    }
    g_test_add_func("/share-entry/fields/lengths", test_lengths);
    g_test_add_func("/share-entry/encode/round-trip", test_round_trip);
    g_test_add_func("/share-entry/time/plausible", test_time);
    g_test_add_func("/share-entry/node/names", test_node_names);
    return g_test_run();
}
