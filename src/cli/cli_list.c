// SPDX-License-Identifier: GPL-2.0-or-later
// `alertban list`: the active bans as an aligned table, or the daemon's JSON.
#include "cli.h"

#include <string.h>

#include "cli_ctl.h"
#include "duration.h"
#include "ctl_reply.h"
#include "ipaddr.h"

typedef struct {
    CtlSort sort;
} SortCtx;

static gboolean
ban_permanent(const json_t *b)
{
    return json_get_bool(b, "permanent", FALSE) || json_get_int(b, "expires", 0) <= 0;
}

static int
compare_addr(const json_t *a, const json_t *b)
{
    IpPrefix pa = {0}, pb = {0};
    const char *sa = json_get_string(a, "addr"), *sb = json_get_string(b, "addr");
    gboolean oka = sa && ipprefix_parse(sa, &pa, NULL), okb = sb && ipprefix_parse(sb, &pb, NULL);
    if (oka != okb)
        return oka ? -1 : 1;
    int c = ipaddr_compare(&pa.addr, &pb.addr);
    if (c != 0)
        return c;
    return (int)pa.len - (int)pb.len;
}

static int
compare_int(gint64 a, gint64 b)
{
    return a < b ? -1 : a > b;
}

static gint
compare_bans(gconstpointer pa, gconstpointer pb, gpointer data)
{
    const json_t *a = *(const json_t *const *)pa;
    const json_t *b = *(const json_t *const *)pb;
    const SortCtx *ctx = data;
    int c = 0;
    switch (ctx->sort) {
    case CTL_SORT_EXPIRES: {
        gboolean perm_a = ban_permanent(a), perm_b = ban_permanent(b);
        if (perm_a != perm_b)
            c = perm_a ? 1 : -1;
        else if (!perm_a)
            c = compare_int(json_get_int(a, "expires", 0), json_get_int(b, "expires", 0));
        break;
    }
    case CTL_SORT_VIOLATIONS:
        c = -compare_int(json_get_int(a, "violations", 0), json_get_int(b, "violations", 0));
        break;
    case CTL_SORT_CREATED:
        c = -compare_int(json_get_int(a, "created", 0), json_get_int(b, "created", 0));
        break;
    case CTL_SORT_ADDR:
        break;
    }
    return c != 0 ? c : compare_addr(a, b);
}

static char *
format_expires(const json_t *b, gint64 now)
{
    if (ban_permanent(b))
        return g_strdup("never");
    gint64 left = cli_seconds_until(json_get_int(b, "expires", 0), now);
    if (left <= 0)
        return g_strdup("due");
    char buf[DURATION_STRLEN];
    return g_strdup_printf("in %s", duration_format_short(left, buf));
}

static void
print_bans(const json_t *reply, CtlSort sort, gboolean long_format)
{
    const json_t *bans = json_get(reply, "bans");
    if (json_array_size(bans) == 0) {
        printf("no active bans\n");
        return;
    }
    gint64 now = json_get_int(reply, "now", g_get_real_time() / G_USEC_PER_SEC);
    gboolean dry = json_get_bool(reply, "dry_run", FALSE);
    if (dry)
        printf("not enforced (dry run): these bans are recorded; the firewall is not changed\n");
    g_autoptr(GPtrArray) rows = g_ptr_array_new();
    for (gsize i = 0; i < json_array_size(bans); i++) {
        const json_t *b = json_array_get(bans, i);
        if (json_is_object(b))
            g_ptr_array_add(rows, (gpointer)b);
    }
    SortCtx ctx = {sort};
    g_ptr_array_sort_with_data(rows, compare_bans, &ctx);

    static const char *const headers_short[] = {"ADDRESS", "EXPIRES", "VIOL",   "SOURCE",
                                                "PERM",    "RULE",    "MESSAGE"};
    static const char *const headers_long[] = {"ADDRESS", "EXPIRES", "EXPIRES AT", "VIOL",
                                               "SOURCE",  "PERM",    "RULE",       "MESSAGE"};
    guint n = long_format ? 8 : 7;
    g_autoptr(CliTable) t = cli_table_new(n, long_format ? headers_long : headers_short);
    for (guint i = 0; i < rows->len; i++) {
        const json_t *b = rows->pdata[i];
        g_autofree char *expires = format_expires(b, now);
        g_autofree char *at =
            ban_permanent(b) ? g_strdup("-") : cli_format_time(json_get_int(b, "expires", 0));
        g_autofree char *viol =
            g_strdup_printf("%" G_GINT64_FORMAT, json_get_int(b, "violations", 0));
        const char *msg = json_get_string(b, "msg");
        g_autofree char *msg_cut = cli_sanitize(msg ? msg : "-", long_format ? 0 : 60);
        /* A shared ban names the node it came from. */
        const char *origin = json_get_string(b, "origin");
        g_autofree char *source =
            origin && origin[0] ? g_strdup_printf("%s:%s", json_get_string(b, "source"), origin)
                                : g_strdup(json_get_string(b, "source"));
        g_autofree char *source_clean = cli_sanitize(source ? source : "-", 80);
        const char *cells[8];
        guint k = 0;
        cells[k++] = json_get_string(b, "addr");
        cells[k++] = expires;
        if (long_format)
            cells[k++] = at;
        cells[k++] = viol;
        cells[k++] = source_clean;
        cells[k++] = ban_permanent(b) ? "yes" : "no";
        cells[k++] = json_get_string(b, "rule");
        cells[k++] = msg_cut;
        cli_table_add(t, cells);
    }
    cli_table_print(t, stdout);
}

/* The daemon is not running: the bans in force as the store holds them, read-only. */
static int
list_offline(CliCtlOptions *opts, const CtlRequest *req, const char *why, json_t **reply)
{
    g_autoptr(Store) store = cli_ctl_open_store(opts);
    if (!store) {
        fprintf(stderr, "alertban: the daemon is not reachable: %s\n", why);
        return CLI_EXIT_UNREACHABLE;
    }
    gint64 now = g_get_real_time();
    g_autoptr(GArray) bans = g_array_new(FALSE, FALSE, sizeof(Ban));
    g_autoptr(GError) error = NULL;
    if (!store_load_bans(store, now, bans, NULL, NULL, &error)) {
        fprintf(stderr, "alertban: reading %s: %s\n", store_path(store), error->message);
        return CLI_EXIT_FAILED;
    }
    fprintf(stderr,
            "alertban: the daemon is not running (%s); the stored bans, read-only from %s:\n", why,
            store_path(store));
    g_autoptr(GString) line = g_string_new(NULL);
    JsonWriter w;
    ctl_proto_reply_begin(&w, line);
    json_add_bool(&w, "offline", TRUE);
    if (g_str_has_suffix(store_path(store), STORE_DRY_RUN_DB_NAME))
        json_add_bool(&w, "dry_run", TRUE);
    ctl_reply_list(&w, req, bans, now);
    ctl_proto_reply_end(&w);
    return cli_ctl_offline_reply(opts, line, reply);
}

int
cli_list(int argc, char **argv)
{
    g_auto(CliCtlOptions) opts = {0};
    gboolean long_format = FALSE;
    g_autofree char *sort_name = NULL;
    gint limit = 0;
    const GOptionEntry entries[] = {
        {"long", 'l', 0, G_OPTION_ARG_NONE, &long_format,
         "Also show absolute expiry times and whole messages", NULL},
        {"sort", 's', 0, G_OPTION_ARG_STRING, &sort_name,
         "Sort by expires (default), addr, violations or created", "KEY"},
        {"limit", 'n', 0, G_OPTION_ARG_INT, &limit, "Show at most N bans", "N"},
        G_OPTION_ENTRY_NULL,
    };
    int rc = cli_ctl_parse("list", "[ADDR|CIDR]",
                           "Lists active bans, soonest to expire first; an address or network "
                           "limits the list to bans inside it.",
                           entries, &opts, &argc, &argv);
    if (rc >= 0)
        return rc;
    CtlRequest req = {.cmd = CTL_CMD_LIST};
    if (sort_name && !ctl_sort_parse(sort_name, &req.sort))
        return cli_ctl_usage_error("list", "unknown sort key '%s'", sort_name);
    if (limit < 0 || limit > CTL_LIMIT_MAX)
        return cli_ctl_usage_error("list", "--limit must be 1..%d", CTL_LIMIT_MAX);
    req.limit = (guint32)limit;
    if (argc > 2)
        return cli_ctl_usage_error("list", "too many arguments");
    if (argc == 2) {
        g_autoptr(GError) error = NULL;
        if (!ipprefix_parse(argv[1], &req.addr, &error))
            return cli_ctl_usage_error("list", "%s", error->message);
        req.has_addr = TRUE;
    }
    g_autoptr(json_t) reply = NULL;
    g_autofree char *why = NULL;
    rc = cli_ctl_call_quiet(&opts, &req, &reply, &why);
    if (rc == CLI_EXIT_UNREACHABLE && why)
        rc = list_offline(&opts, &req, why, &reply);
    if (rc != CLI_EXIT_OK || opts.json)
        return rc;
    print_bans(reply, req.sort, long_format);
    return CLI_EXIT_OK;
}
