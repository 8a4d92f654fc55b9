// SPDX-License-Identifier: GPL-2.0-or-later
// `alertban show ADDR`: an address's ban, if any, and its recent history, newest first.
#include "cli.h"

#include <string.h>

#include "cli_ctl.h"
#include "duration.h"
#include "ctl_reply.h"
#include "ipaddr.h"

static char *
endpoint(const json_t *e, const char *addr_key, const char *port_key)
{
    const char *addr = json_get_string(e, addr_key);
    gint64 port = json_get_int(e, port_key, -1);
    if (!addr)
        return g_strdup("-");
    if (port < 0)
        return g_strdup(addr);
    /* IPv6 with a port reads as [addr]:port. */
    return g_strdup_printf(strchr(addr, ':') ? "[%s]:%" G_GINT64_FORMAT : "%s:%" G_GINT64_FORMAT,
                           addr, port);
}

static void
print_ban(const json_t *reply, const char *addr)
{
    const json_t *ban = json_get(reply, "ban");
    printf("address     %s\n", addr);
    if (!json_is_object(ban)) {
        printf("state       not banned\n");
        return;
    }
    gint64 now = json_get_int(reply, "now", g_get_real_time() / G_USEC_PER_SEC);
    const char *source = json_get_string(ban, "source");
    gint64 expires = json_get_int(ban, "expires", 0);
    const char *dry = json_get_bool(reply, "dry_run", FALSE) ? ", not enforced (dry run)" : "";
    if (json_get_bool(ban, "permanent", FALSE) || expires <= 0) {
        printf("state       banned permanently (%s)%s\n", source ? source : "-", dry);
    } else {
        char buf[DURATION_STRLEN];
        g_autofree char *at = cli_format_time(expires);
        printf("state       banned (%s), expires in %s at %s%s\n", source ? source : "-",
               duration_format_short(MAX(cli_seconds_until(expires, now), 0), buf), at, dry);
    }
    const char *covering = json_get_string(ban, "addr");
    if (covering && g_strcmp0(covering, addr) != 0)
        printf("by ban of   %s\n", covering);
    g_autofree char *since = cli_format_time(json_get_int(ban, "created", 0));
    printf("since       %s\n", since);
    printf("violations  %" G_GINT64_FORMAT "\n", json_get_int(ban, "violations", 0));
    const char *rule = json_get_string(ban, "rule");
    const char *msg = json_get_string(ban, "msg");
    g_autofree char *rule_line = cli_sanitize(msg ? msg : "", 0);
    printf("last rule   %s %s\n", rule ? rule : "-", rule_line);
    const char *reason = json_get_string(ban, "reason");
    if (reason && reason[0]) {
        g_autofree char *r = cli_sanitize(reason, 0);
        printf("reason      %s\n", r);
    }
    const char *origin = json_get_string(ban, "origin");
    if (origin && origin[0]) {
        g_autofree char *o = cli_sanitize(origin, 80);
        printf("origin      %s (a node sharing through Redis)\n", o);
    }
}

/* Newest first whatever order the daemon sent; equal times keep their order. */
static gint
compare_newest_first(gconstpointer pa, gconstpointer pb)
{
    gint64 a = json_get_int(*(const json_t *const *)pa, "time", 0);
    gint64 b = json_get_int(*(const json_t *const *)pb, "time", 0);
    return a > b ? -1 : a < b;
}

static void
print_history(const json_t *reply)
{
    const json_t *hist = json_get(reply, "history");
    if (json_array_size(hist) == 0) {
        printf("\nno recorded alerts\n");
        return;
    }
    printf("\nhistory (newest first):\n");
    static const char *const headers[] = {"TIME",        "RULE", "PRI",     "PROTO",  "SOURCE",
                                          "DESTINATION", "SWAP", "VERDICT", "ALERTS", "MESSAGE"};
    g_autoptr(CliTable) t = cli_table_new(G_N_ELEMENTS(headers), headers);
    g_autoptr(GPtrArray) events = g_ptr_array_new();
    for (gsize i = 0; i < json_array_size(hist); i++) {
        const json_t *e = json_array_get(hist, i);
        if (json_is_object(e))
            g_ptr_array_add(events, (gpointer)e);
    }
    g_ptr_array_sort(events, compare_newest_first); /* stable since GLib 2.32 */
    for (guint i = 0; i < events->len; i++) {
        const json_t *e = events->pdata[i];
        g_autofree char *time = cli_format_time(json_get_int(e, "time", 0));
        gint64 prio = json_get_int(e, "priority", -1);
        g_autofree char *pri = prio >= 0 ? g_strdup_printf("%" G_GINT64_FORMAT, prio) : NULL;
        g_autofree char *src = endpoint(e, "src", "sport");
        g_autofree char *dst = endpoint(e, "dst", "dport");
        g_autofree char *alerts =
            g_strdup_printf("%" G_GINT64_FORMAT, json_get_int(e, "alerts", 1));
        const char *cells[] = {
            time,
            json_get_string(e, "rule"),
            pri,
            json_get_string(e, "proto"),
            src,
            dst,
            json_get_bool(e, "swapped", FALSE) ? "yes" : "no",
            json_get_string(e, "verdict"),
            alerts,
            json_get_string(e, "msg"),
        };
        cli_table_add(t, cells);
    }
    cli_table_print(t, stdout);
    /* Alerts of a banned or never-banned address are counted a row a minute (ALERTS). */
    printf("%" G_GINT64_FORMAT " alerts in these %u entries\n", json_get_int(reply, "alerts", 0),
           events->len);
}

/* The daemon is not running: the address's stored ban (the most specific one covering it) and
 * history, read-only. */
static int
show_offline(CliCtlOptions *opts, const IpPrefix *p, guint limit, const char *why, json_t **reply)
{
    const IpAddr *a = &p->addr;
    gboolean network = p->len < ipaddr_bits(a);
    g_autoptr(Store) store = cli_ctl_open_store(opts);
    if (!store) {
        fprintf(stderr, "alertban: the daemon is not reachable: %s\n", why);
        return CLI_EXIT_UNREACHABLE;
    }
    gint64 now = g_get_real_time();
    g_autoptr(GArray) bans = g_array_new(FALSE, FALSE, sizeof(Ban));
    g_autoptr(GArray) history = g_array_new(FALSE, FALSE, sizeof(StoreViolation));
    g_autoptr(GError) error = NULL;
    if (!store_load_bans(store, now, bans, NULL, NULL, &error) ||
        (!network && !store_load_history(store, a, limit ? limit : CTL_REPLY_SHOW_LIMIT_DEFAULT,
                                         history, &error))) {
        fprintf(stderr, "alertban: reading %s: %s\n", store_path(store), error->message);
        return CLI_EXIT_FAILED;
    }
    const Ban *covering = NULL;
    for (guint i = 0; i < bans->len; i++) {
        const Ban *b = &g_array_index(bans, Ban, i);
        if (ipprefix_contains(&b->prefix, a) && b->prefix.len <= p->len &&
            (!covering || b->prefix.len > covering->prefix.len))
            covering = b;
    }
    fprintf(stderr, "alertban: the daemon is not running (%s); stored state, read-only from %s:\n",
            why, store_path(store));
    g_autoptr(GString) line = g_string_new(NULL);
    JsonWriter w;
    ctl_proto_reply_begin(&w, line);
    json_add_bool(&w, "offline", TRUE);
    if (g_str_has_suffix(store_path(store), STORE_DRY_RUN_DB_NAME))
        json_add_bool(&w, "dry_run", TRUE);
    ctl_reply_show(&w, a, covering, history, now);
    ctl_proto_reply_end(&w);
    return cli_ctl_offline_reply(opts, line, reply);
}

int
cli_show(int argc, char **argv)
{
    g_auto(CliCtlOptions) opts = {0};
    gint limit = 0;
    const GOptionEntry entries[] = {
        {"limit", 'n', 0, G_OPTION_ARG_INT, &limit,
         "Show at most N history entries (default: the daemon's)", "N"},
        G_OPTION_ENTRY_NULL,
    };
    int rc = cli_ctl_parse("show", "ADDR|CIDR",
                           "Shows the ban on an address or network, if any, and the alerts "
                           "recorded for an address, newest first.",
                           entries, &opts, &argc, &argv);
    if (rc >= 0)
        return rc;
    if (argc != 2)
        return cli_ctl_usage_error("show", "expected one address");
    if (limit < 0 || limit > CTL_SHOW_LIMIT_MAX)
        return cli_ctl_usage_error("show", "--limit must be 1..%d", CTL_SHOW_LIMIT_MAX);
    CtlRequest req = {.cmd = CTL_CMD_SHOW, .has_addr = TRUE, .limit = (guint32)limit};
    g_autoptr(GError) perr = NULL;
    if (!ipprefix_parse(argv[1], &req.addr, &perr))
        return cli_ctl_usage_error("show", "%s", perr->message);
    IpAddr a = req.addr.addr;
    gboolean network = req.addr.len < ipaddr_bits(&a);
    g_autoptr(json_t) reply = NULL;
    g_autofree char *why = NULL;
    rc = cli_ctl_call_quiet(&opts, &req, &reply, &why);
    if (rc == CLI_EXIT_UNREACHABLE && why)
        rc = show_offline(&opts, &req.addr, req.limit, why, &reply);
    if (rc != CLI_EXIT_OK || opts.json)
        return rc;
    char buf[IPADDR_STRLEN];
    print_ban(reply, network ? ipprefix_format(&req.addr, buf) : ipaddr_format(&a, buf));
    print_history(reply);
    return CLI_EXIT_OK;
}
