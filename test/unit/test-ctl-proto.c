// SPDX-License-Identifier: GPL-2.0-or-later
// Unit tests for ctl_proto: request parsing (good and bad lines), request formatting, the JSON
// writer's escaping, the strict JSON reader, replies and durations.
#include "ctl_proto.h"

#include <string.h>

#include "ctl_reply.h"

#include "error.h"
#include "testutil.h"

/* ---- good requests ----------------------------------------------------------------------- */

typedef struct {
    const char *name;
    const char *line;
    CtlCommand cmd;
    const char *addr; /* formatted prefix, or NULL when has_addr is FALSE */
    gboolean all, permanent, force;
    gint64 for_s;
    guint32 limit;
    CtlSort sort;
    const char *reason;
    const char *after; /* the list cursor as formatted, or NULL */
    gboolean by_bans, has_rule;
    guint32 rule_gid, rule_sid;
} GoodCase;

static const GoodCase good_cases[] = {
    {.name = "list", .line = "{\"v\":1,\"cmd\":\"list\"}", .cmd = CTL_CMD_LIST},
    {.name = "list-filter-sort",
     .line = "{\"v\":1,\"cmd\":\"list\",\"addr\":\"198.51.100.0/24\",\"sort\":\"violations\","
             "\"limit\":50}",
     .cmd = CTL_CMD_LIST,
     .addr = "198.51.100.0/24",
     .limit = 50,
     .sort = CTL_SORT_VIOLATIONS},
    {.name = "list-v6",
     .line = "{\"v\":1,\"cmd\":\"list\",\"addr\":\"2001:DB8::/32\"}",
     .cmd = CTL_CMD_LIST,
     .addr = "2001:db8::/32"},
    /* Later pages of a list (issue 15): the cursor's form follows the sort. */
    {.name = "list-after-addr",
     .line = "{\"v\":1,\"cmd\":\"list\",\"sort\":\"addr\",\"after\":\"198.51.100.77\"}",
     .cmd = CTL_CMD_LIST,
     .sort = CTL_SORT_ADDR,
     .after = "198.51.100.77"},
    {.name = "list-after-expires",
     .line = "{\"v\":1,\"cmd\":\"list\",\"after\":\"1796604652000000 2001:DB8::/64\","
             "\"limit\":10}",
     .cmd = CTL_CMD_LIST,
     .limit = 10,
     .after = "1796604652000000 2001:db8::/64"},
    {.name = "list-after-permanent",
     .line = "{\"v\":1,\"cmd\":\"list\",\"after\":\"9223372036854775807 192.0.2.0/24\"}",
     .cmd = CTL_CMD_LIST,
     .after = "9223372036854775807 192.0.2.0/24"},
    {.name = "show",
     .line = "{\"v\":1,\"cmd\":\"show\",\"addr\":\"203.0.113.7\",\"limit\":5}",
     .cmd = CTL_CMD_SHOW,
     .addr = "203.0.113.7",
     .limit = 5},
    /* A network ban is shown too (issue 15). */
    {.name = "show-network",
     .line = "{\"v\":1,\"cmd\":\"show\",\"addr\":\"192.0.2.0/24\",\"limit\":1000}",
     .cmd = CTL_CMD_SHOW,
     .addr = "192.0.2.0/24",
     .limit = 1000},
    {.name = "ban-timed",
     .line = "{\"v\":1,\"cmd\":\"ban\",\"addr\":\"203.0.113.7\",\"for_s\":3600,\"reason\":\"ssh\"}",
     .cmd = CTL_CMD_BAN,
     .addr = "203.0.113.7",
     .for_s = 3600,
     .reason = "ssh"},
    {.name = "ban-permanent-force",
     .line = "{\"v\":1,\"cmd\":\"ban\",\"addr\":\"2001:db8::/64\",\"permanent\":true,"
             "\"force\":true}",
     .cmd = CTL_CMD_BAN,
     .addr = "2001:db8::/64",
     .permanent = TRUE,
     .force = TRUE},
    {.name = "ban-default-time",
     .line = "{\"v\":1,\"cmd\":\"ban\",\"addr\":\"192.0.2.5\"}",
     .cmd = CTL_CMD_BAN,
     .addr = "192.0.2.5"},
    {.name = "ban-reason-escapes",
     .line = "{\"v\":1,\"cmd\":\"ban\",\"addr\":\"192.0.2.5\",\"reason\":\"caf\\u00e9 \\\"x\\\" "
             "\\ud83d\\ude00 \\/\"}",
     .cmd = CTL_CMD_BAN,
     .addr = "192.0.2.5",
     .reason = "caf\xc3\xa9 \"x\" \xf0\x9f\x98\x80 /"},
    {.name = "ban-permanent-false-with-for",
     .line = "{\"v\":1,\"cmd\":\"ban\",\"addr\":\"192.0.2.5\",\"permanent\":false,\"for_s\":60}",
     .cmd = CTL_CMD_BAN,
     .addr = "192.0.2.5",
     .for_s = 60},
    {.name = "unban",
     .line = "{\"v\":1,\"cmd\":\"unban\",\"addr\":\"203.0.113.7\"}",
     .cmd = CTL_CMD_UNBAN,
     .addr = "203.0.113.7"},
    {.name = "unban-all",
     .line = "{\"v\":1,\"cmd\":\"unban\",\"all\":true}",
     .cmd = CTL_CMD_UNBAN,
     .all = TRUE},
    {.name = "status-whitespace",
     .line = " \t{ \"cmd\" : \"status\" ,\"v\" : 1 }\t ",
     .cmd = CTL_CMD_STATUS},
    {.name = "reload-crlf", .line = "{\"v\":1,\"cmd\":\"reload\"}\r", .cmd = CTL_CMD_RELOAD},
    {.name = "stats", .line = "{\"v\":1,\"cmd\":\"stats\"}", .cmd = CTL_CMD_STATS},
    {.name = "stats-top-by-bans",
     .line = "{\"v\":1,\"cmd\":\"stats\",\"limit\":1000,\"by\":\"bans\"}",
     .cmd = CTL_CMD_STATS,
     .limit = 1000,
     .by_bans = TRUE},
    {.name = "stats-by-alerts",
     .line = "{\"v\":1,\"cmd\":\"stats\",\"by\":\"alerts\"}",
     .cmd = CTL_CMD_STATS},
    {.name = "stats-rule",
     .line = "{\"v\":1,\"cmd\":\"stats\",\"rule\":\"4294967295:0\"}",
     .cmd = CTL_CMD_STATS,
     .has_rule = TRUE,
     .rule_gid = G_MAXUINT32,
     .rule_sid = 0},
};

static void
test_parse_good(gconstpointer data)
{
    const GoodCase *c = data;
    CtlRequest req;
    g_autoptr(GError) error = NULL;
    g_assert_true(ctl_proto_parse_request(c->line, strlen(c->line), &req, &error));
    g_assert_no_error(error);
    g_assert_cmpint(req.cmd, ==, c->cmd);
    g_assert_cmpint(req.has_addr, ==, c->addr != NULL);
    if (c->addr) {
        char buf[IPADDR_STRLEN];
        g_assert_cmpstr(ipprefix_format(&req.addr, buf), ==, c->addr);
    }
    g_assert_cmpint(req.all, ==, c->all);
    g_assert_cmpint(req.permanent, ==, c->permanent);
    g_assert_cmpint(req.force, ==, c->force);
    g_assert_cmpint(req.for_s, ==, c->for_s);
    g_assert_cmpuint(req.limit, ==, c->limit);
    g_assert_cmpint(req.sort, ==, c->sort);
    g_assert_cmpstr(req.reason, ==, c->reason ? c->reason : "");
    g_assert_cmpint(req.after.set, ==, c->after != NULL);
    if (c->after) {
        char buf[CTL_CURSOR_STRLEN];
        g_assert_cmpstr(ctl_list_cursor_format(req.sort, &req.after, buf), ==, c->after);
    }
    g_assert_cmpint(req.by_bans, ==, c->by_bans);
    g_assert_cmpint(req.has_rule, ==, c->has_rule);
    g_assert_cmpuint(req.rule_gid, ==, c->rule_gid);
    g_assert_cmpuint(req.rule_sid, ==, c->rule_sid);

    /* Formatting gives one line that parses back to the same request. */
    g_autoptr(GString) out = g_string_new(NULL);
    ctl_proto_format_request(&req, out);
    g_assert_cmpuint(out->len, >, 0);
    g_assert_true(out->str[out->len - 1] == '\n');
    g_assert_null(memchr(out->str, '\n', out->len - 1));
    CtlRequest again;
    g_assert_true(ctl_proto_parse_request(out->str, out->len - 1, &again, &error));
    g_assert_no_error(error);
    g_assert_cmpmem(&req, sizeof req, &again, sizeof again);
}

/* ---- bad requests ------------------------------------------------------------------------ */

typedef struct {
    const char *name;
    const char *line;
    gsize len;           /* 0: strlen(line) */
    const char *message; /* glob the error message must match */
} BadCase;

static const BadCase bad_cases[] = {
    {"empty", "", 0, "invalid JSON at byte 0: unexpected token near end of file"},
    {"blank", "   ", 0, "invalid JSON*unexpected token near end of file"},
    {"words", "list 203.0.113.7", 0, "invalid JSON at byte 4: invalid token near 'list'"},
    {"not-object", "[{\"v\":1}]", 0, "invalid JSON*nesting too deep"},
    {"string", "\"list\"", 0, "a request is a JSON object"},
    {"no-version", "{\"cmd\":\"list\"}", 0, "missing protocol version*"},
    {"version-2", "{\"v\":2,\"cmd\":\"list\"}", 0, "unsupported protocol version 2*"},
    {"version-string", "{\"v\":\"1\",\"cmd\":\"list\"}", 0, "\"v\" must be an integer"},
    {"no-cmd", "{\"v\":1}", 0, "missing \"cmd\""},
    {"unknown-cmd", "{\"v\":1,\"cmd\":\"flush\"}", 0, "unknown command \"flush\""},
    {"cmd-case", "{\"v\":1,\"cmd\":\"LIST\"}", 0, "unknown command*"},
    {"unknown-key", "{\"v\":1,\"cmd\":\"list\",\"adr\":\"192.0.2.1\"}", 0, "unknown key \"adr\""},
    {"key-not-for-cmd", "{\"v\":1,\"cmd\":\"status\",\"addr\":\"192.0.2.1\"}", 0,
     "\"status\" does not take \"addr\""},
    {"all-for-ban", "{\"v\":1,\"cmd\":\"ban\",\"all\":true}", 0, "\"ban\" does not take \"all\""},
    {"duplicate-key", "{\"v\":1,\"cmd\":\"list\",\"cmd\":\"ban\"}", 0, "*duplicate object key*"},
    {"nested-value", "{\"v\":1,\"cmd\":\"list\",\"addr\":[\"192.0.2.1\"]}", 0, "*nesting too deep"},
    {"null-value", "{\"v\":1,\"cmd\":\"list\",\"addr\":null}", 0, "\"addr\" must be a string"},
    {"float", "{\"v\":1,\"cmd\":\"ban\",\"addr\":\"192.0.2.1\",\"for_s\":1.5}", 0,
     "*only integers are accepted"},
    {"exponent", "{\"v\":1e0,\"cmd\":\"list\"}", 0, "*only integers are accepted"},
    {"leading-zero", "{\"v\":01,\"cmd\":\"list\"}", 0, "*invalid token near '0'"},
    {"huge-int", "{\"v\":99999999999999999999,\"cmd\":\"list\"}", 0, "*too big integer*"},
    /* One past gint64 at either end: integers are exact or refused, never rounded. */
    {"int-2p63", "{\"v\":9223372036854775808,\"cmd\":\"list\"}", 0, "*too big integer*"},
    {"int-min-1", "{\"v\":-9223372036854775809,\"cmd\":\"list\"}", 0, "*too big negative integer*"},
    {"int-max", "{\"v\":9223372036854775807,\"cmd\":\"list\"}", 0,
     "unsupported protocol version 9223372036854775807*"},
    {"minus-zero", "{\"v\":-0,\"cmd\":\"list\"}", 0, "unsupported protocol version 0*"},
    {"one-point-zero", "{\"v\":1.0,\"cmd\":\"list\"}", 0, "*only integers are accepted"},
    {"exponent-1e3", "{\"v\":1,\"cmd\":\"ban\",\"addr\":\"192.0.2.1\",\"for_s\":1e3}", 0,
     "*only integers are accepted"},
    {"nul-in-key", "{\"v\":1,\"cmd\":\"list\",\"a\\u0000\":1}", 0, "*NUL byte in object key*"},
    {"bad-addr", "{\"v\":1,\"cmd\":\"ban\",\"addr\":\"203.0.113.256\"}", 0, "\"addr\": *"},
    {"host-bits", "{\"v\":1,\"cmd\":\"ban\",\"addr\":\"192.0.2.1/24\"}", 0, "\"addr\": *"},
    {"show-limit-over", "{\"v\":1,\"cmd\":\"show\",\"addr\":\"192.0.2.1\",\"limit\":1001}", 0,
     "\"show\" returns at most 1000 history entries; narrow the request"},
    {"show-no-addr", "{\"v\":1,\"cmd\":\"show\"}", 0, "\"show\" needs \"addr\""},
    {"show-after", "{\"v\":1,\"cmd\":\"show\",\"addr\":\"192.0.2.1\",\"after\":\"192.0.2.1\"}", 0,
     "\"show\" does not take \"after\""},
    {"list-after-int", "{\"v\":1,\"cmd\":\"list\",\"after\":5}", 0, "\"after\" must be a string"},
    {"list-after-no-key", "{\"v\":1,\"cmd\":\"list\",\"after\":\"192.0.2.1\"}", 0,
     "\"after\": \"192.0.2.1\" is not a cursor for sort \"expires\" (KEY PREFIX*"},
    {"list-after-key-for-addr",
     "{\"v\":1,\"cmd\":\"list\",\"sort\":\"addr\",\"after\":\"5 192.0.2.1\"}", 0, "\"after\": *"},
    {"list-after-bad-key", "{\"v\":1,\"cmd\":\"list\",\"after\":\"-5 192.0.2.1\"}", 0,
     "*is not a cursor*"},
    {"list-after-bad-prefix", "{\"v\":1,\"cmd\":\"list\",\"after\":\"5 192.0.2.300\"}", 0,
     "\"after\": *"},
    {"list-after-long",
     "{\"v\":1,\"cmd\":\"list\",\"after\":\"1111111111111111111111111111111111111111111111111"
     "11111111111111111111111111111111111111111111111111 192.0.2.1\"}",
     0, "\"after\" is longer than a cursor"},
    {"ban-no-addr", "{\"v\":1,\"cmd\":\"ban\",\"for_s\":60}", 0, "\"ban\" needs \"addr\""},
    {"unban-nothing", "{\"v\":1,\"cmd\":\"unban\"}", 0, "\"unban\" needs either*"},
    {"unban-both", "{\"v\":1,\"cmd\":\"unban\",\"addr\":\"192.0.2.1\",\"all\":true}", 0,
     "\"unban\" needs either*"},
    {"for-and-permanent",
     "{\"v\":1,\"cmd\":\"ban\",\"addr\":\"192.0.2.1\",\"for_s\":60,\"permanent\":true}", 0,
     "*exclude each other"},
    {"for-zero", "{\"v\":1,\"cmd\":\"ban\",\"addr\":\"192.0.2.1\",\"for_s\":0}", 0,
     "\"for_s\" must be 1..*"},
    {"for-negative", "{\"v\":1,\"cmd\":\"ban\",\"addr\":\"192.0.2.1\",\"for_s\":-5}", 0,
     "\"for_s\" must be 1..*"},
    {"for-too-long", "{\"v\":1,\"cmd\":\"ban\",\"addr\":\"192.0.2.1\",\"for_s\":316224001}", 0,
     "\"for_s\" must be 1..*"},
    {"limit-zero", "{\"v\":1,\"cmd\":\"list\",\"limit\":0}", 0, "\"limit\" must be 1..*"},
    {"bad-sort", "{\"v\":1,\"cmd\":\"list\",\"sort\":\"rule\"}", 0, "unknown sort key \"rule\""},
    {"reason-control", "{\"v\":1,\"cmd\":\"ban\",\"addr\":\"192.0.2.1\",\"reason\":\"a\\nb\"}", 0,
     "*control character"},
    {"raw-control-in-string", "{\"v\":1,\"cmd\":\"li\tst\"}", 0, "*control character 0x9*"},
    {"nul-escape", "{\"v\":1,\"cmd\":\"ban\",\"addr\":\"192.0.2.1\",\"reason\":\"\\u0000\"}", 0,
     "*\\u0000 is not allowed*"},
    {"nul-raw", "{\"v\":1,\"cmd\":\"list\"}\0", 21, "*end of file expected*"},
    {"bad-utf8", "{\"v\":1,\"cmd\":\"ban\",\"addr\":\"192.0.2.1\",\"reason\":\"\xc3\x28\"}", 0,
     "*unable to decode byte 0xc3*"},
    {"overlong-utf8", "{\"v\":1,\"cmd\":\"ban\",\"addr\":\"192.0.2.1\",\"reason\":\"\xc0\xaf\"}", 0,
     "*unable to decode byte 0xc0*"},
    {"lone-surrogate", "{\"v\":1,\"cmd\":\"ban\",\"addr\":\"192.0.2.1\",\"reason\":\"\\ud800\"}", 0,
     "*invalid Unicode '\\uD800'*"},
    {"low-surrogate", "{\"v\":1,\"cmd\":\"ban\",\"addr\":\"192.0.2.1\",\"reason\":\"\\udc00\"}", 0,
     "*invalid Unicode '\\uDC00'*"},
    {"bad-escape", "{\"v\":1,\"cmd\":\"l\\x69st\"}", 0, "*invalid escape*"},
    {"truncated", "{\"v\":1,\"cmd\":\"list\"", 0, "*'}' expected near end of file"},
    {"trailing-garbage", "{\"v\":1,\"cmd\":\"list\"}x", 0, "*end of file expected*"},
    {"two-objects", "{\"v\":1,\"cmd\":\"list\"}{\"v\":1,\"cmd\":\"list\"}", 0,
     "*end of file expected*"},
    {"trailing-comma", "{\"v\":1,\"cmd\":\"list\",}", 0, "*string or '}' expected*"},
    {"single-quotes", "{'v':1,'cmd':'list'}", 0, "*string or '}' expected*"},
    {"true-prefix", "{\"v\":1,\"cmd\":\"unban\",\"all\":tru}", 0, "*invalid token*"},
    {"stats-limit-over", "{\"v\":1,\"cmd\":\"stats\",\"limit\":1001}", 0,
     "\"stats\" lists at most 1000 rules"},
    {"stats-by-unknown", "{\"v\":1,\"cmd\":\"stats\",\"by\":\"packets\"}", 0,
     "\"by\" must be \"alerts\" or \"bans\""},
    {"stats-sort", "{\"v\":1,\"cmd\":\"stats\",\"sort\":\"addr\"}", 0,
     "\"stats\" does not take \"sort\""},
    {"stats-rule-one-part", "{\"v\":1,\"cmd\":\"stats\",\"rule\":\"2001219\"}", 0,
     "\"rule\": bad rule \"2001219\"*"},
    {"stats-rule-three-parts", "{\"v\":1,\"cmd\":\"stats\",\"rule\":\"1:2:3\"}", 0,
     "\"rule\": bad rule*"},
    {"stats-rule-junk", "{\"v\":1,\"cmd\":\"stats\",\"rule\":\" 1:2\"}", 0, "\"rule\": bad rule*"},
    {"stats-rule-over", "{\"v\":1,\"cmd\":\"stats\",\"rule\":\"1:4294967296\"}", 0,
     "\"rule\": bad rule*"},
    {"stats-rule-wildcard", "{\"v\":1,\"cmd\":\"stats\",\"rule\":\"1:*\"}", 0,
     "\"rule\": bad rule*"},
    {"rule-for-list", "{\"v\":1,\"cmd\":\"list\",\"rule\":\"1:2\"}", 0,
     "\"list\" does not take \"rule\""},
};

static void
test_parse_bad(gconstpointer data)
{
    const BadCase *c = data;
    gsize len = c->len ? c->len : strlen(c->line);
    /* An exact-size copy, so reading past the end is caught under ASan. */
    g_autofree char *line = g_memdup2(c->line, len ? len : 1);
    CtlRequest req;
    memset(&req, 0xa5, sizeof req);
    g_autoptr(GError) error = NULL;
    g_assert_false(ctl_proto_parse_request(line, len, &req, &error));
    g_assert_error(error, ALERTBAN_ERROR, ALERTBAN_ERROR_PROTO);
    if (!g_pattern_match_simple(c->message, error->message))
        g_error("error \"%s\" does not match \"%s\"", error->message, c->message);
}

/* ---- list pages ------------------------------------------------------------------------- */

static gint
compare_for_sort(gconstpointer a, gconstpointer b, gpointer data)
{
    return ctl_reply_list_compare(&((const Ban *)a)->core, &((const Ban *)b)->core,
                                  *(const CtlSort *)data);
}

/* n bans with repeating keys (so the prefix breaks ties), a tenth of them permanent. */
static GArray *
make_bans(guint n, const char *msg)
{
    GArray *bans = g_array_sized_new(FALSE, TRUE, sizeof(Ban), n);
    g_array_set_size(bans, n);
    for (guint i = 0; i < n; i++) {
        Ban *b = &g_array_index(bans, Ban, i);
        char text[IPADDR_STRLEN];
        g_snprintf(text, sizeof text, "198.18.%u.%u", i / 250, i % 250 + 1);
        g_assert_true(ipprefix_parse(text, &b->prefix, NULL));
        b->source = BAN_SOURCE_POLICY;
        b->violations = i % 13;
        b->created_us = (1700000000 + (gint64)(i % 17)) * G_USEC_PER_SEC;
        b->expires_us = i % 10 == 0 ? BAN_EXPIRES_NEVER
                                    : b->created_us + (gint64)(i % 7) * 3600 * G_USEC_PER_SEC;
        g_strlcpy(b->reason, "threshold", sizeof b->reason);
        g_strlcpy(b->msg, msg, sizeof b->msg);
    }
    return bans;
}

/* One page as the CLI builds it from the stored bans, and as the daemon sends it: the bans
 * after the cursor, at most the page's size. Returns the parsed reply and its line length. */
static json_t *
list_page(const CtlRequest *req, GArray *sorted, gsize *line_len)
{
    g_autoptr(GArray) page = g_array_new(FALSE, FALSE, sizeof(Ban));
    gboolean more = FALSE;
    for (guint i = 0; i < sorted->len; i++) {
        const Ban *b = &g_array_index(sorted, Ban, i);
        if (!ctl_reply_list_wants(req, &b->core))
            continue;
        if (page->len == ctl_reply_list_page_max(req)) {
            more = TRUE;
            break;
        }
        g_array_append_val(page, *b);
    }
    g_autoptr(GString) line = g_string_new(NULL);
    JsonWriter w;
    ctl_proto_reply_begin(&w, line);
    ctl_reply_list(&w, req, page, more, G_GINT64_CONSTANT(1700000000) * G_USEC_PER_SEC);
    ctl_proto_reply_end(&w);
    *line_len = line->len;
    gboolean ok = FALSE;
    g_autoptr(GError) error = NULL;
    json_t *v = ctl_proto_parse_reply(line->str, line->len, &ok, &error);
    g_assert_no_error(error);
    g_assert_true(ok);
    return v;
}

/* Walking the pages of 12,345 bans with their cursors gives every ban once, in the order of
 * the whole list, in pages of at most CTL_LIST_PAGE_MAX, for every sort. */
static void
test_list_pages(gconstpointer data)
{
    CtlSort sort = GPOINTER_TO_INT(data);
    g_autoptr(GArray) bans = make_bans(12345, "ET SCAN");
    g_array_sort_with_data(bans, compare_for_sort, &sort);
    CtlRequest req = {.cmd = CTL_CMD_LIST, .sort = sort};
    guint seen = 0, pages = 0;
    for (;;) {
        gsize len;
        g_autoptr(json_t) reply = list_page(&req, bans, &len);
        pages++;
        const json_t *list = json_get(reply, "bans");
        g_assert_nonnull(list);
        g_assert_cmpuint(json_array_size(list), <=, CTL_LIST_PAGE_MAX);
        g_assert_cmpuint(len, <=, CTL_LIST_PAGE_BYTES + 4096);
        for (guint i = 0; i < json_array_size(list); i++) {
            char want[IPADDR_STRLEN];
            ipprefix_format(&g_array_index(bans, Ban, seen + i).prefix, want);
            g_assert_cmpstr(json_get_string(json_array_get(list, i), "addr"), ==, want);
        }
        seen += json_array_size(list);
        const char *next = json_get_string(reply, "next");
        g_assert_cmpint(next != NULL, ==, seen < bans->len);
        if (!next)
            break;
        g_autoptr(GError) error = NULL;
        g_assert_true(ctl_list_cursor_parse(next, sort, &req.after, &error));
        g_assert_no_error(error);
        /* A request carrying the cursor goes over the wire and back unchanged. */
        g_autoptr(GString) line = g_string_new(NULL);
        ctl_proto_format_request(&req, line);
        CtlRequest again;
        g_assert_true(ctl_proto_parse_request(line->str, line->len - 1, &again, &error));
        g_assert_cmpmem(&req, sizeof req, &again, sizeof again);
    }
    g_assert_cmpuint(seen, ==, 12345);
    g_assert_cmpuint(pages, ==, (12345 + CTL_LIST_PAGE_MAX - 1) / CTL_LIST_PAGE_MAX);

    /* A limit makes the page smaller, and still says where the rest begins. */
    CtlRequest small = {.cmd = CTL_CMD_LIST, .sort = sort, .limit = 7};
    gsize len;
    g_autoptr(json_t) reply = list_page(&small, bans, &len);
    g_assert_cmpuint(json_array_size(json_get(reply, "bans")), ==, 7);
    g_assert_nonnull(json_get_string(reply, "next"));
}

/* Bans whose messages escape to six bytes a character end a page early, by its byte bound,
 * and the next page starts right after the last ban sent. */
static void
test_list_page_bytes(void)
{
    char msg[BAN_MSG_MAX];
    memset(msg, 0x01, sizeof msg - 1);
    msg[sizeof msg - 1] = '\0';
    g_autoptr(GArray) bans = make_bans(CTL_LIST_PAGE_MAX, msg);
    CtlSort sort = CTL_SORT_ADDR;
    g_array_sort_with_data(bans, compare_for_sort, &sort);
    CtlRequest req = {.cmd = CTL_CMD_LIST, .sort = sort};
    gsize len;
    g_autoptr(json_t) first = list_page(&req, bans, &len);
    guint n = (guint)json_array_size(json_get(first, "bans"));
    g_assert_cmpuint(n, <, CTL_LIST_PAGE_MAX);
    g_assert_cmpuint(len, >, CTL_LIST_PAGE_BYTES);
    g_assert_cmpuint(len, <=, CTL_LIST_PAGE_BYTES + 4096);
    char want[IPADDR_STRLEN];
    ipprefix_format(&g_array_index(bans, Ban, n - 1).prefix, want);
    g_assert_cmpstr(json_get_string(first, "next"), ==, want);
    g_assert_true(ctl_list_cursor_parse(want, sort, &req.after, NULL));
    g_autoptr(json_t) second = list_page(&req, bans, &len);
    ipprefix_format(&g_array_index(bans, Ban, n).prefix, want);
    g_assert_cmpstr(json_get_string(json_array_get(json_get(second, "bans"), 0), "addr"), ==, want);
}

/* ---- size limit -------------------------------------------------------------------------- */

/* A list request padded with spaces to exactly len bytes. */
static char *
padded_request(gsize len)
{
    const char *core = "{\"v\":1,\"cmd\":\"list\"}";
    char *s = g_malloc(len + 1);
    memset(s, ' ', len);
    memcpy(s, core, strlen(core));
    s[len] = '\0';
    return s;
}

static void
test_size_limit(void)
{
    CtlRequest req;
    g_autoptr(GError) error = NULL;
    g_autofree char *max = padded_request(CTL_REQUEST_MAX);
    g_assert_true(ctl_proto_parse_request(max, CTL_REQUEST_MAX, &req, &error));
    g_assert_no_error(error);
    /* A trailing '\r' does not count. */
    max[CTL_REQUEST_MAX - 1] = '\r';
    g_assert_true(ctl_proto_parse_request(max, CTL_REQUEST_MAX, &req, &error));
    g_autofree char *over = padded_request(CTL_REQUEST_MAX + 1);
    g_assert_false(ctl_proto_parse_request(over, CTL_REQUEST_MAX + 1, &req, &error));
    g_assert_error(error, ALERTBAN_ERROR, ALERTBAN_ERROR_PROTO);
    g_assert_cmpstr(error->message, ==, "request longer than 4096 bytes");
    g_clear_error(&error);

    /* The reason's own limit, counted in bytes. */
    g_autofree char *reason = g_strnfill(CTL_REASON_MAX, 'r');
    g_autofree char *ok = g_strdup_printf(
        "{\"v\":1,\"cmd\":\"ban\",\"addr\":\"192.0.2.1\",\"reason\":\"%s\"}", reason);
    g_assert_true(ctl_proto_parse_request(ok, strlen(ok), &req, &error));
    g_assert_cmpuint(strlen(req.reason), ==, CTL_REASON_MAX);
    g_autofree char *long_reason = g_strdup_printf(
        "{\"v\":1,\"cmd\":\"ban\",\"addr\":\"192.0.2.1\",\"reason\":\"%s\\u00e9\"}", reason);
    g_assert_false(ctl_proto_parse_request(long_reason, strlen(long_reason), &req, &error));
    g_assert_cmpstr(error->message, ==, "\"reason\" longer than 256 bytes");
}

/* ---- writer ------------------------------------------------------------------------------ */

typedef struct {
    const char *name;
    const char *input;
    gsize len; /* 0: strlen */
    const char *json;
} EscapeCase;

static const EscapeCase escape_cases[] = {
    {"plain", "203.0.113.7", 0, "\"203.0.113.7\""},
    {"quote-backslash", "a\"b\\c", 0, "\"a\\\"b\\\\c\""},
    {"newline-injection", "x\"}\n{\"v\":1,\"ok\":true}", 0,
     "\"x\\\"}\\n{\\\"v\\\":1,\\\"ok\\\":true}\""},
    {"controls", "\t\r\x01\x1f\x7f", 0, "\"\\t\\r\\u0001\\u001f\\u007f\""},
    {"embedded-nul", "a\0b", 3, "\"a\\u0000b\""},
    {"utf8-kept", "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", 0,
     "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\""},
    {"invalid-utf8",
     "a\xff"
     "b\xc3",
     0, "\"a\\ufffdb\\ufffd\""},
    {"overlong", "\xc0\xaf", 0, "\"\\ufffd\\ufffd\""},
    {"surrogate-encoded", "\xed\xa0\x80", 0, "\"\\ufffd\\ufffd\\ufffd\""},
    {"terminal-escape", "\x1b[31mred", 0, "\"\\u001b[31mred\""},
};

static void
test_escape(gconstpointer data)
{
    const EscapeCase *c = data;
    gsize len = c->len ? c->len : strlen(c->input);
    g_autoptr(GString) out = g_string_new(NULL);
    json_append_string(out, c->input, (gssize)len);
    g_assert_cmpstr(out->str, ==, c->json);
    /* The reader accepts every string the writer produces (NUL excepted by design). */
    if (!memchr(c->input, '\0', len)) {
        g_autoptr(GError) error = NULL;
        g_autoptr(json_t) v = json_parse(out->str, out->len, 1, &error);
        g_assert_no_error(error);
        g_assert_true(json_is_string(v));
        g_assert_true(g_utf8_validate(json_string_value(v), -1, NULL));
    }
}

static void
test_writer_nesting(void)
{
    g_autoptr(GString) out = g_string_new(NULL);
    JsonWriter w;
    ctl_proto_reply_begin(&w, out);
    json_add_int(&w, "now", -1);
    json_array_begin(&w, "bans");
    for (int i = 0; i < 2; i++) {
        json_object_begin(&w, NULL);
        json_add_string(&w, "addr", i ? "2001:db8::1" : "192.0.2.1");
        json_add_null(&w, "expires");
        json_add_bool(&w, "permanent", i);
        json_array_begin(&w, "tags");
        json_array_end(&w);
        json_object_end(&w);
    }
    json_array_end(&w);
    json_object_begin(&w, "empty");
    json_object_end(&w);
    json_add_int(&w, "min", G_MININT64);
    json_add_string(&w, "none", NULL);
    ctl_proto_reply_end(&w);
    g_assert_cmpuint(w.depth, ==, 0);
    g_assert_cmpstr(out->str, ==,
                    "{\"v\":1,\"ok\":true,\"now\":-1,\"bans\":[{\"addr\":\"192.0.2.1\","
                    "\"expires\":null,\"permanent\":false,\"tags\":[]},{\"addr\":"
                    "\"2001:db8::1\",\"expires\":null,\"permanent\":true,\"tags\":[]}],"
                    "\"empty\":{},\"min\":-9223372036854775808,\"none\":null}\n");

    gboolean ok = FALSE;
    g_autoptr(GError) error = NULL;
    g_autoptr(json_t) v = ctl_proto_parse_reply(out->str, out->len, &ok, &error);
    g_assert_no_error(error);
    g_assert_true(ok);
    const json_t *bans = json_get(v, "bans");
    g_assert_true(json_is_array(bans));
    g_assert_cmpuint(json_array_size(bans), ==, 2);
    g_assert_cmpstr(json_get_string(json_array_get(bans, 1), "addr"), ==, "2001:db8::1");
    g_assert_true(json_get_bool(json_array_get(bans, 1), "permanent", FALSE));
    g_assert_cmpint(json_get_int(v, "min", 0), ==, G_MININT64);
    g_assert_cmpint(json_get_int(v, "now", 0), ==, -1);
    /* Typed getters fall back on absence and on type mismatch. */
    g_assert_null(json_get_string(v, "now"));
    g_assert_cmpint(json_get_int(v, "missing", 7), ==, 7);
    g_assert_true(json_get_bool(v, "none", TRUE));
}

static void
test_reply_error(void)
{
    g_autoptr(GString) out = g_string_new(NULL);
    ctl_proto_reply_error(out, "proto", "unknown key \"a\nb\"");
    g_assert_cmpstr(out->str, ==,
                    "{\"v\":1,\"ok\":false,\"code\":\"proto\",\"error\":\"unknown key "
                    "\\\"a\\nb\\\"\"}\n");
    gboolean ok = TRUE;
    g_autoptr(GError) error = NULL;
    g_autoptr(json_t) v = ctl_proto_parse_reply(out->str, out->len, &ok, &error);
    g_assert_no_error(error);
    g_assert_false(ok);
    g_assert_cmpstr(json_get_string(v, "error"), ==, "unknown key \"a\nb\"");
}

typedef struct {
    const char *name;
    const char *line;
    const char *message;
} BadReplyCase;

static const BadReplyCase bad_reply_cases[] = {
    {"not-json", "Internal error", "invalid JSON*"},
    {"array", "[]", "the reply is not a JSON object"},
    {"no-version", "{\"ok\":true}", "the daemon speaks protocol version -1, not 1"},
    {"version-2", "{\"v\":2,\"ok\":true}", "the daemon speaks protocol version 2, not 1"},
    {"no-ok", "{\"v\":1}", "the reply has no \"ok\" member"},
    {"ok-string", "{\"v\":1,\"ok\":\"yes\"}", "the reply has no \"ok\" member"},
};

static void
test_parse_reply_bad(gconstpointer data)
{
    const BadReplyCase *c = data;
    gboolean ok;
    g_autoptr(GError) error = NULL;
    g_autoptr(json_t) v = ctl_proto_parse_reply(c->line, strlen(c->line), &ok, &error);
    g_assert_null(v);
    g_assert_error(error, ALERTBAN_ERROR, ALERTBAN_ERROR_PROTO);
    if (!g_pattern_match_simple(c->message, error->message))
        g_error("error \"%s\" does not match \"%s\"", error->message, c->message);
}

/* ---- reader ------------------------------------------------------------------------------ */

static void
test_reader_depth(void)
{
    g_autoptr(GError) error = NULL;
    /* JSON_DEPTH_MAX containers parse; one more does not, whatever max_depth asks. */
    GString *deep = g_string_new(NULL);
    for (int i = 0; i < JSON_DEPTH_MAX; i++)
        g_string_append_c(deep, '[');
    for (int i = 0; i < JSON_DEPTH_MAX; i++)
        g_string_append_c(deep, ']');
    g_autoptr(json_t) v = json_parse(deep->str, deep->len, 1000, &error);
    g_assert_no_error(error);
    g_assert_nonnull(v);
    g_string_prepend_c(deep, '[');
    g_string_append_c(deep, ']');
    g_autoptr(json_t) v2 = json_parse(deep->str, deep->len, 1000, &error);
    g_assert_null(v2);
    g_assert_error(error, ALERTBAN_ERROR, ALERTBAN_ERROR_PROTO);
    g_string_free(deep, TRUE);
}

static void
test_reader_many_keys(void)
{
    /* A large object still finds duplicates (after the switch to a hash set). */
    GString *s = g_string_new("{");
    for (int i = 0; i < 100; i++)
        g_string_append_printf(s, "%s\"k%d\":%d", i ? "," : "", i, i);
    g_autofree char *dup = g_strdup_printf("%s,\"k50\":0}", s->str);
    g_autofree char *fresh = g_strdup_printf("%s,\"k999\":0}", s->str);
    g_string_free(s, TRUE);
    g_autoptr(GError) error = NULL;
    g_autoptr(json_t) v = json_parse(dup, strlen(dup), 2, &error);
    g_assert_null(v);
    g_assert_true(strstr(error->message, "duplicate object key") != NULL);
    g_clear_error(&error);
    g_autoptr(json_t) v2 = json_parse(fresh, strlen(fresh), 2, &error);
    g_assert_no_error(error);
    g_assert_cmpuint(json_object_size(v2), ==, 101);
    g_assert_cmpint(json_get_int(v2, "k99", -1), ==, 99);
}

/* ---- names and durations ----------------------------------------------------------------- */

static void
test_names(void)
{
    for (guint i = 0; i < CTL_CMD_COUNT; i++)
        g_assert_nonnull(ctl_command_name((CtlCommand)i));
    g_assert_null(ctl_command_name((CtlCommand)CTL_CMD_COUNT));
    for (guint i = 0; i < CTL_SORT_COUNT; i++) {
        CtlSort s;
        g_assert_true(ctl_sort_parse(ctl_sort_name((CtlSort)i), &s));
        g_assert_cmpint(s, ==, i);
    }
    g_assert_true(ctl_command_is_read_only(CTL_CMD_LIST));
    g_assert_true(ctl_command_is_read_only(CTL_CMD_SHOW));
    g_assert_true(ctl_command_is_read_only(CTL_CMD_STATUS));
    g_assert_true(ctl_command_is_read_only(CTL_CMD_STATS));
    g_assert_false(ctl_command_is_read_only(CTL_CMD_BAN));
    g_assert_false(ctl_command_is_read_only(CTL_CMD_UNBAN));
    g_assert_false(ctl_command_is_read_only(CTL_CMD_RELOAD));
}

typedef struct {
    const char *text;
    gint64 seconds; /* 0: rejected */
} DurationCase;

static const DurationCase duration_cases[] = {
    {"3600", 3600},   {"90s", 90},       {"45m", 2700},
    {"12h", 43200},   {"7d", 604800},    {"2w", 1209600},
    {"1h30m", 5400},  {"1d12h", 129600}, {"316224000", 316224000},
    {"316224001", 0}, {"3661d", 0},      {"", 0},
    {"0", 0},         {"0s", 0},         {"h", 0},
    {"10x", 0},       {"1h30", 0},       {"-5m", 0},
    {" 5m", 0},       {"5m ", 0},        {"99999999999999999999", 0},
};

static void
test_duration_parse(gconstpointer data)
{
    const DurationCase *c = data;
    gint64 s = -1;
    g_autoptr(GError) error = NULL;
    gboolean ok = ctl_duration_parse(c->text, &s, &error);
    if (c->seconds) {
        g_assert_no_error(error);
        g_assert_true(ok);
        g_assert_cmpint(s, ==, c->seconds);
    } else {
        g_assert_false(ok);
        g_assert_error(error, ALERTBAN_ERROR, ALERTBAN_ERROR_PARSE);
        g_assert_cmpint(s, ==, -1);
    }
}


int
main(int argc, char **argv)
{
    test_init(&argc, &argv);
    for (guint i = 0; i < G_N_ELEMENTS(good_cases); i++) {
        g_autofree char *p =
            g_strdup_printf("/ctl_proto/parse_request/good/%s", good_cases[i].name);
        g_test_add_data_func(p, &good_cases[i], test_parse_good);
    }
    for (guint i = 0; i < G_N_ELEMENTS(bad_cases); i++) {
        g_autofree char *p = g_strdup_printf("/ctl_proto/parse_request/bad/%s", bad_cases[i].name);
        g_test_add_data_func(p, &bad_cases[i], test_parse_bad);
    }
    g_test_add_func("/ctl_proto/parse_request/size-limit", test_size_limit);
    for (guint i = 0; i < CTL_SORT_COUNT; i++) {
        g_autofree char *p = g_strdup_printf("/ctl_reply/list/pages/%s", ctl_sort_name(i));
        g_test_add_data_func(p, GINT_TO_POINTER(i), test_list_pages);
    }
    g_test_add_func("/ctl_reply/list/page-bytes", test_list_page_bytes);
    for (guint i = 0; i < G_N_ELEMENTS(escape_cases); i++) {
        g_autofree char *p = g_strdup_printf("/ctl_proto/json_escape/%s", escape_cases[i].name);
        g_test_add_data_func(p, &escape_cases[i], test_escape);
    }
    g_test_add_func("/ctl_proto/json_writer/nesting", test_writer_nesting);
    g_test_add_func("/ctl_proto/reply_error/escaped", test_reply_error);
    for (guint i = 0; i < G_N_ELEMENTS(bad_reply_cases); i++) {
        g_autofree char *p =
            g_strdup_printf("/ctl_proto/parse_reply/bad/%s", bad_reply_cases[i].name);
        g_test_add_data_func(p, &bad_reply_cases[i], test_parse_reply_bad);
    }
    g_test_add_func("/ctl_proto/json_parse/depth", test_reader_depth);
    g_test_add_func("/ctl_proto/json_parse/many-keys", test_reader_many_keys);
    g_test_add_func("/ctl_proto/names/roundtrip", test_names);
    for (guint i = 0; i < G_N_ELEMENTS(duration_cases); i++) {
        g_autofree char *name = g_strdup_printf("%u-%s", i, duration_cases[i].text);
        g_strcanon(name, G_CSET_a_2_z G_CSET_A_2_Z G_CSET_DIGITS "-", '_');
        g_autofree char *p = g_strdup_printf("/ctl_proto/duration_parse/%s", name);
        g_test_add_data_func(p, &duration_cases[i], test_duration_parse);
    }
    return g_test_run();
}
