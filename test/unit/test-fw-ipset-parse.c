// SPDX-License-Identifier: GPL-2.0-or-later
// Unit tests for fw_ipset_parse: reading libipset's save lines (create headers, add members
// with their timeouts and flags) as the ipset backend sees them, and refusing lines it cannot
// read with an error.
#include "fw_ipset_parse.h"

#include <string.h>
#include <sys/socket.h>

#include "error.h"
#include "testutil.h"

typedef struct {
    const char *name;
    const char *line;
    FwIpsetLineKind kind;
    /* create */
    const char *set;
    const char *type;
    int family;
    gboolean has_timeout;
    guint32 maxelem;
    /* add */
    const char *prefix;
    guint32 timeout_s;
    gboolean nomatch;
} GoodCase;

#define CREATE(n, l, s, t, f, to, m)                                                               \
    {                                                                                              \
        .name = n, .line = l, .kind = FW_IPSET_LINE_CREATE, .set = s, .type = t, .family = f,      \
        .has_timeout = to, .maxelem = m                                                            \
    }
#define ADD(n, l, s, p, t, nm)                                                                     \
    {                                                                                              \
        .name = n, .line = l, .kind = FW_IPSET_LINE_ADD, .set = s, .prefix = p, .timeout_s = t,    \
        .nomatch = nm                                                                              \
    }
#define OTHER(n, l)                                                                                \
    {                                                                                              \
        .name = n, .line = l, .kind = FW_IPSET_LINE_OTHER                                          \
    }

static const GoodCase good_cases[] = {
    CREATE("create-v4",
           "create ALERTBAN4 hash:net family inet hashsize 1024 maxelem 4194304 timeout 0 "
           "bucketsize 12 initval 0x477d4f0c\n",
           "ALERTBAN4", "hash:net", AF_INET, TRUE, 4194304),
    CREATE("create-v6",
           "create ALERTBAN6 hash:net family inet6 hashsize 1024 maxelem 65536 timeout 300",
           "ALERTBAN6", "hash:net", AF_INET6, TRUE, 65536),
    CREATE("create-no-timeout", "create X hash:ip family inet hashsize 1024 maxelem 65536\n", "X",
           "hash:ip", AF_INET, FALSE, 65536),
    CREATE("create-list-set", "create L list:set size 8", "L", "list:set", 0, FALSE, 0),
    ADD("add-host", "add ALERTBAN4 192.0.2.9 timeout 59\n", "ALERTBAN4", "192.0.2.9", 59, FALSE),
    ADD("add-permanent", "add ALERTBAN4 192.0.2.9 timeout 0", "ALERTBAN4", "192.0.2.9", 0, FALSE),
    ADD("add-net", "add ALERTBAN4 198.51.100.0/24 timeout 3600\r\n", "ALERTBAN4", "198.51.100.0/24",
        3600, FALSE),
    ADD("add-v6", "add ALERTBAN6 2001:db8::1 timeout 5", "ALERTBAN6", "2001:db8::1", 5, FALSE),
    ADD("add-v6-net", "add ALERTBAN6 2001:db8:1::/48 timeout 0", "ALERTBAN6", "2001:db8:1::/48", 0,
        FALSE),
    ADD("add-no-timeout", "add S 203.0.113.7", "S", "203.0.113.7", 0, FALSE),
    ADD("add-nomatch", "add ALERTBAN6 2001:db8::5 timeout 0 nomatch", "ALERTBAN6", "2001:db8::5", 0,
        TRUE),
    ADD("add-extensions", "add S 192.0.2.1 timeout 7 packets 3 bytes 180 comment \"x\"", "S",
        "192.0.2.1", 7, FALSE),
    /* Found by fuzz-ipset-parse: a carriage return inside the line was kept in the type. */
    CREATE("create-cr-inside", "create S hash:net\r\vfamily inet\f", "S", "hash:net", AF_INET,
           FALSE, 0),
    OTHER("empty", ""),
    OTHER("blank", "  \n"),
    OTHER("other-command", "swap A B"),
};

static void
test_good(gconstpointer data)
{
    const GoodCase *c = data;
    FwIpsetLineKind kind;
    FwIpsetHeader h;
    FwIpsetMember m;
    g_autoptr(GError) error = NULL;
    g_assert_true(fw_ipset_parse_save_line(c->line, strlen(c->line), &kind, &h, &m, &error));
    g_assert_no_error(error);
    g_assert_cmpint(kind, ==, c->kind);
    if (kind == FW_IPSET_LINE_CREATE) {
        g_assert_cmpstr(h.name, ==, c->set);
        g_assert_cmpstr(h.type, ==, c->type);
        g_assert_cmpint(h.family, ==, c->family);
        g_assert_cmpint(h.has_timeout, ==, c->has_timeout);
        g_assert_cmpuint(h.maxelem, ==, c->maxelem);
    } else if (kind == FW_IPSET_LINE_ADD) {
        char buf[IPADDR_STRLEN];
        g_assert_cmpstr(m.name, ==, c->set);
        g_assert_cmpstr(ipprefix_format(&m.entry.prefix, buf), ==, c->prefix);
        g_assert_cmpuint(m.entry.timeout_s, ==, c->timeout_s);
        g_assert_cmpint(m.nomatch, ==, c->nomatch);
    }
}

typedef struct {
    const char *name;
    const char *line;
    const char *message; /* a pattern */
} BadCase;

static const BadCase bad_cases[] = {
    {"add-bad-address", "add S 192.0.2.300 timeout 5", "*192.0.2.300*"},
    {"add-host-bits", "add S 192.0.2.1/24 timeout 5", "*192.0.2.1/24*"},
    {"add-bad-timeout", "add S 192.0.2.1 timeout 5x", "*bad timeout*"},
    {"add-huge-timeout", "add S 192.0.2.1 timeout 4294967296", "*bad timeout*"},
    {"add-no-element", "add S", "*needs a name and an element*"},
    {"create-no-type", "create S", "*needs a name and a type*"},
    {"create-bad-family", "create S hash:net family ipx", "*unknown family*"},
    {"create-bad-maxelem", "create S hash:net maxelem -1", "*bad maxelem*"},
    {"name-too-long", "add S0123456789012345678901234567890123 192.0.2.1", "*name too long*"},
};

static void
test_bad(gconstpointer data)
{
    const BadCase *c = data;
    FwIpsetLineKind kind;
    FwIpsetHeader h;
    FwIpsetMember m;
    g_autoptr(GError) error = NULL;
    g_assert_false(fw_ipset_parse_save_line(c->line, strlen(c->line), &kind, &h, &m, &error));
    g_assert_error(error, ALERTBAN_ERROR, ALERTBAN_ERROR_PARSE);
    if (!g_pattern_match_simple(c->message, error->message))
        g_error("message \"%s\" does not match \"%s\"", error->message, c->message);
}

/* Only len bytes count: a line cut out of a larger buffer. */
static void
test_len_bounds(void)
{
    const char *buf = "add S 192.0.2.1 timeout 12\nadd S 192.0.2.2 timeout 34\n";
    const char *nl = strchr(buf, '\n');
    FwIpsetLineKind kind;
    FwIpsetHeader h;
    FwIpsetMember m;
    g_autoptr(GError) error = NULL;
    g_assert_true(fw_ipset_parse_save_line(buf, (gsize)(nl - buf), &kind, &h, &m, &error));
    g_assert_cmpint(kind, ==, FW_IPSET_LINE_ADD);
    g_assert_cmpuint(m.entry.timeout_s, ==, 12);
    /* Found by fuzz-ipset-parse: a NUL cut the line short silently; now it is an error. */
    const char nul[] = "add S 192.0.2.1\0 timeout 5";
    g_assert_false(fw_ipset_parse_save_line(nul, sizeof nul - 1, &kind, &h, &m, &error));
    g_assert_error(error, ALERTBAN_ERROR, ALERTBAN_ERROR_PARSE);
    g_assert_nonnull(strstr(error->message, "NUL byte"));
    g_clear_error(&error);
    char big[2048];
    memset(big, 'a', sizeof big);
    g_assert_false(fw_ipset_parse_save_line(big, sizeof big, &kind, &h, &m, &error));
    g_assert_error(error, ALERTBAN_ERROR, ALERTBAN_ERROR_PARSE);
}

int
main(int argc, char **argv)
{
    test_init(&argc, &argv);
    for (gsize i = 0; i < G_N_ELEMENTS(good_cases); i++) {
        g_autofree char *path = g_strdup_printf("/fw_ipset_parse/save_line/%s", good_cases[i].name);
        g_test_add_data_func(path, &good_cases[i], test_good);
    }
    for (gsize i = 0; i < G_N_ELEMENTS(bad_cases); i++) {
        g_autofree char *path =
            g_strdup_printf("/fw_ipset_parse/save_line/bad/%s", bad_cases[i].name);
        g_test_add_data_func(path, &bad_cases[i], test_bad);
    }
    g_test_add_func("/fw_ipset_parse/save_line/len-bounds", test_len_bounds);
    return g_test_run();
}
