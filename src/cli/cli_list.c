// SPDX-License-Identifier: GPL-2.0-or-later
// `alertban list`: the active bans as an aligned table, or the daemon's JSON, fetched and
// printed page by page.
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

/* ---- output --------------------------------------------------------------------------
 * The list streams out as its pages come: a table whose columns are as wide as the widest
 * cell so far (a list of one page prints exactly as one table), or one JSON document made of
 * the first reply's fields and every page's bans. */

#define LIST_COLUMNS_MAX 8

typedef struct {
    gboolean json;
    gboolean long_format;
    CtlSort sort;
    GString *out;
    JsonWriter w;
    gboolean started; /* the table's header, or the document's head, is out */
    glong width[LIST_COLUMNS_MAX];
    guint64 shown;
    gboolean write_failed;
    GHashTable *seen; /* prefixes listed, when the sort key can move a ban between pages */
} ListOutput;

static void
output_flush(ListOutput *lo)
{
    if (lo->out->len > 0 && !lo->write_failed &&
        fwrite(lo->out->str, 1, lo->out->len, stdout) != lo->out->len)
        lo->write_failed = TRUE;
    fflush(stdout);
    g_string_truncate(lo->out, 0);
}

/* Writes a parsed value back as JSON; the same writer the daemon used, so the text is the
 * daemon's. */
static void
write_value(JsonWriter *w, const char *key, const json_t *v)
{
    switch (json_typeof(v)) {
    case JSON_NULL:
        json_add_null(w, key);
        break;
    case JSON_TRUE:
    case JSON_FALSE:
        json_add_bool(w, key, json_is_true(v));
        break;
    case JSON_INTEGER:
        json_add_int(w, key, json_integer_value(v));
        break;
    case JSON_REAL: /* json_parse() refuses non-integers: never in a reply */
        json_add_null(w, key);
        break;
    case JSON_STRING:
        json_add_string_len(w, key, json_string_value(v), json_string_length(v));
        break;
    case JSON_ARRAY:
        json_array_begin(w, key);
        for (gsize i = 0; i < json_array_size(v); i++)
            write_value(w, NULL, json_array_get(v, i));
        json_array_end(w);
        break;
    case JSON_OBJECT: {
        /* jansson keeps an object's members in the order they were read. */
        const char *k;
        json_t *m;
        json_object_begin(w, key);
        json_object_foreach((json_t *)v, k, m)
            write_value(w, k, m);
        json_object_end(w);
        break;
    }
    }
}

/* The page's ban objects, without those already listed. */
static GPtrArray *
page_rows(ListOutput *lo, const json_t *reply)
{
    GPtrArray *rows = g_ptr_array_new();
    const json_t *bans = json_get(reply, "bans");
    for (gsize i = 0; i < json_array_size(bans); i++) {
        const json_t *b = json_array_get(bans, i);
        if (!json_is_object(b))
            continue;
        const char *addr = json_get_string(b, "addr");
        if (lo->seen && addr) {
            if (g_hash_table_contains(lo->seen, addr))
                continue;
            g_hash_table_add(lo->seen, g_strdup(addr));
        }
        g_ptr_array_add(rows, (gpointer)b);
    }
    return rows;
}

static void
json_page(ListOutput *lo, const json_t *reply, GPtrArray *rows)
{
    if (!lo->started) {
        /* The first reply's fields in their order, but "bans" stays open for every page and
         * "next" is the pages' business. */
        json_writer_init(&lo->w, lo->out);
        json_object_begin(&lo->w, NULL);
        const char *k;
        json_t *m;
        json_object_foreach((json_t *)reply, k, m) {
            if (strcmp(k, "bans") != 0 && strcmp(k, "next") != 0)
                write_value(&lo->w, k, m);
        }
        json_array_begin(&lo->w, "bans");
        lo->started = TRUE;
    }
    for (guint i = 0; i < rows->len; i++)
        write_value(&lo->w, NULL, rows->pdata[i]);
}

static void
table_page(ListOutput *lo, const json_t *reply, GPtrArray *rows)
{
    if (rows->len == 0)
        return;
    gint64 now = json_get_int(reply, "now", g_get_real_time() / G_USEC_PER_SEC);
    SortCtx ctx = {lo->sort};
    g_ptr_array_sort_with_data(rows, compare_bans, &ctx);

    static const char *const headers_short[] = {"ADDRESS", "EXPIRES", "VIOL",   "SOURCE",
                                                "PERM",    "RULE",    "MESSAGE"};
    static const char *const headers_long[] = {"ADDRESS", "EXPIRES", "EXPIRES AT", "VIOL",
                                               "SOURCE",  "PERM",    "RULE",       "MESSAGE"};
    guint n = lo->long_format ? 8 : 7;
    g_autoptr(GPtrArray) lines = g_ptr_array_new_with_free_func((GDestroyNotify)g_strfreev);
    if (!lo->started) {
        /* A dry run's bans are recorded, never enforced: every view says so. */
        if (json_get_bool(reply, "dry_run", FALSE))
            g_string_append(
                lo->out,
                "not enforced (dry run): these bans are recorded; the firewall is not changed\n");
        const char *const *h = lo->long_format ? headers_long : headers_short;
        g_ptr_array_add(lines, g_strdupv((char **)h));
        lo->started = TRUE;
    }
    for (guint i = 0; i < rows->len; i++) {
        const json_t *b = rows->pdata[i];
        g_autofree char *expires = format_expires(b, now);
        g_autofree char *at =
            ban_permanent(b) ? g_strdup("-") : cli_format_time(json_get_int(b, "expires", 0));
        g_autofree char *viol =
            g_strdup_printf("%" G_GINT64_FORMAT, json_get_int(b, "violations", 0));
        const char *msg = json_get_string(b, "msg");
        g_autofree char *msg_cut = cli_sanitize(msg ? msg : "-", lo->long_format ? 0 : 60);
        /* A shared ban names the node it came from. */
        const char *origin = json_get_string(b, "origin");
        g_autofree char *source =
            origin && origin[0] ? g_strdup_printf("%s:%s", json_get_string(b, "source"), origin)
                                : g_strdup(json_get_string(b, "source"));
        g_autofree char *source_clean = cli_sanitize(source ? source : "-", 80);
        const char *cells[LIST_COLUMNS_MAX];
        guint k = 0;
        cells[k++] = json_get_string(b, "addr");
        cells[k++] = expires;
        if (lo->long_format)
            cells[k++] = at;
        cells[k++] = viol;
        cells[k++] = source_clean;
        cells[k++] = ban_permanent(b) ? "yes" : "no";
        cells[k++] = json_get_string(b, "rule");
        cells[k++] = msg_cut;
        char **row = g_new0(char *, n + 1);
        for (guint c = 0; c < n; c++)
            row[c] = cli_sanitize(cells[c] ? cells[c] : "-", 0);
        g_ptr_array_add(lines, row);
    }
    /* Columns only widen: a later page's wider cell shifts its own rows, never earlier
     * ones. */
    for (guint r = 0; r < lines->len; r++) {
        char **row = lines->pdata[r];
        for (guint c = 0; c < n; c++)
            lo->width[c] = MAX(lo->width[c], g_utf8_strlen(row[c], -1));
    }
    for (guint r = 0; r < lines->len; r++) {
        char **row = lines->pdata[r];
        gsize start = lo->out->len;
        for (guint c = 0; c < n; c++) {
            g_string_append(lo->out, row[c]);
            if (c + 1 < n) {
                for (glong pad = g_utf8_strlen(row[c], -1); pad < lo->width[c] + 2; pad++)
                    g_string_append_c(lo->out, ' ');
            }
        }
        while (lo->out->len > start && lo->out->str[lo->out->len - 1] == ' ')
            g_string_truncate(lo->out, lo->out->len - 1);
        g_string_append_c(lo->out, '\n');
    }
}

/* Prints one page; returns how many bans it listed. */
static guint
output_page(ListOutput *lo, const json_t *reply)
{
    g_autoptr(GPtrArray) rows = page_rows(lo, reply);
    if (lo->json)
        json_page(lo, reply, rows);
    else
        table_page(lo, reply, rows);
    lo->shown += rows->len;
    output_flush(lo);
    return rows->len;
}

/* Ends the output. complete is FALSE when a page could not be fetched: the JSON document is
 * still closed, and says so. */
static void
output_end(ListOutput *lo, gboolean complete)
{
    if (lo->json && lo->started) {
        json_array_end(&lo->w);
        if (!complete)
            json_add_bool(&lo->w, "complete", FALSE);
        json_object_end(&lo->w);
        g_string_append_c(lo->out, '\n');
    } else if (!lo->json && lo->shown == 0 && complete) {
        g_string_append(lo->out, "no active bans\n");
    }
    output_flush(lo);
}

/* ---- pages -------------------------------------------------------------------------- */

/* Where pages come from: the daemon, or, when it is not running, the stored bans. */
typedef struct {
    CliCtlOptions *opts;
    Store *store;   /* offline */
    GArray *stored; /* offline: every stored ban (Ban), in the request's order */
    guint pos;      /* offline: where the next page's search starts */
} ListSource;

static gint
compare_stored(gconstpointer a, gconstpointer b, gpointer data)
{
    return ctl_reply_list_compare(&((const Ban *)a)->core, &((const Ban *)b)->core,
                                  *(const CtlSort *)data);
}

/* The daemon is not running: the bans in force as the store holds them, read-only. */
static int
open_offline(ListSource *src, const CtlRequest *req, const char *why)
{
    src->store = cli_ctl_open_store(src->opts);
    if (!src->store) {
        fprintf(stderr, "alertban: the daemon is not reachable: %s\n", why);
        return CLI_EXIT_UNREACHABLE;
    }
    src->stored = g_array_new(FALSE, FALSE, sizeof(Ban));
    g_autoptr(GError) error = NULL;
    if (!store_load_bans(src->store, g_get_real_time(), src->stored, NULL, NULL, &error)) {
        fprintf(stderr, "alertban: reading %s: %s\n", store_path(src->store), error->message);
        return CLI_EXIT_FAILED;
    }
    CtlSort sort = req->sort;
    g_array_sort_with_data(src->stored, compare_stored, &sort);
    fprintf(stderr,
            "alertban: the daemon is not running (%s); the stored bans, read-only from %s:\n", why,
            store_path(src->store));
    return CLI_EXIT_OK;
}

/* One page built from the stored bans, as the daemon would send it. */
static int
offline_page(ListSource *src, const CtlRequest *req, json_t **reply)
{
    g_autoptr(GArray) page = g_array_new(FALSE, FALSE, sizeof(Ban));
    guint max = ctl_reply_list_page_max(req);
    gboolean more = FALSE;
    /* The page may end early (its byte bound), so the next search starts at this page's
     * first ban, not after its last: everything before that is behind any later cursor. */
    for (guint i = src->pos; i < src->stored->len; i++) {
        const Ban *ban = &g_array_index(src->stored, Ban, i);
        if (!ctl_reply_list_wants(req, &ban->core))
            continue;
        if (page->len == max) {
            more = TRUE;
            break;
        }
        if (page->len == 0)
            src->pos = i;
        g_array_append_val(page, *ban);
    }
    g_autoptr(GString) line = g_string_new(NULL);
    JsonWriter w;
    ctl_proto_reply_begin(&w, line);
    json_add_bool(&w, "offline", TRUE);
    if (g_str_has_suffix(store_path(src->store), STORE_DRY_RUN_DB_NAME))
        json_add_bool(&w, "dry_run", TRUE);
    ctl_reply_list(&w, req, page, more, g_get_real_time());
    ctl_proto_reply_end(&w);
    g_autoptr(GError) error = NULL;
    gboolean ok = FALSE;
    *reply = ctl_proto_parse_reply(line->str, line->len, &ok, &error);
    if (!*reply || !ok) {
        fprintf(stderr, "alertban: bad stored state: %s\n", error ? error->message : "not ok");
        return CLI_EXIT_FAILED;
    }
    return CLI_EXIT_OK;
}

static int
fetch_page(ListSource *src, const CtlRequest *req, json_t **reply)
{
    if (src->stored)
        return offline_page(src, req, reply);
    /* A later page's error goes to stderr: the JSON document on stdout is under way. */
    gboolean json = src->opts->json;
    src->opts->json = FALSE;
    int rc = cli_ctl_call(src->opts, req, reply);
    src->opts->json = json;
    return rc;
}

/* Fetches and prints every page, from the first reply on; the exit status. */
static int
list_pages(ListSource *src, CtlRequest *req, guint64 limit, json_t *first, ListOutput *lo)
{
    g_autoptr(json_t) reply = first;
    for (;;) {
        output_page(lo, reply);
        const char *next = json_get_string(reply, "next");
        if (!next || (limit && lo->shown >= limit))
            break;
        g_autoptr(GError) error = NULL;
        if (!ctl_list_cursor_parse(next, req->sort, &req->after, &error)) {
            g_autofree char *shown = cli_sanitize(next, 100);
            fprintf(stderr, "alertban: bad \"next\" \"%s\" in the daemon's list reply: %s\n", shown,
                    error->message);
            output_end(lo, FALSE);
            return CLI_EXIT_FAILED;
        }
        if (limit)
            req->limit = (guint32)(limit - lo->shown);
        g_clear_pointer(&reply, json_decref);
        int rc = fetch_page(src, req, &reply);
        if (rc != CLI_EXIT_OK) {
            fprintf(stderr,
                    "alertban: the list is incomplete: %" G_GUINT64_FORMAT
                    " bans were listed before this failure\n",
                    lo->shown);
            output_end(lo, FALSE);
            return rc;
        }
    }
    output_end(lo, TRUE);
    return lo->write_failed ? CLI_EXIT_FAILED : CLI_EXIT_OK;
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
    /* The first page's error reply is printed as the daemon sent it (JSON with --json); the
     * pages themselves are printed here. */
    opts.json_self = TRUE;
    g_autoptr(json_t) reply = NULL;
    g_autofree char *why = NULL;
    ListSource src = {.opts = &opts};
    rc = cli_ctl_call_quiet(&opts, &req, &reply, &why);
    if (rc == CLI_EXIT_UNREACHABLE && why) {
        rc = open_offline(&src, &req, why);
        if (rc == CLI_EXIT_OK)
            rc = offline_page(&src, &req, &reply);
    }
    if (rc == CLI_EXIT_OK) {
        g_autoptr(GString) out = g_string_new(NULL);
        ListOutput lo = {
            .json = opts.json, .long_format = long_format, .sort = req.sort, .out = out};
        /* Sorted by addr a ban's key never changes; by anything else a ban can move behind
         * the cursor between pages and come again. */
        if (req.sort != CTL_SORT_ADDR)
            lo.seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
        rc = list_pages(&src, &req, (guint64)limit, g_steal_pointer(&reply), &lo);
        g_clear_pointer(&lo.seen, g_hash_table_unref);
    }
    g_clear_pointer(&src.stored, g_array_unref);
    g_clear_pointer(&src.store, store_free);
    return rc;
}
