// SPDX-License-Identifier: GPL-2.0-or-later
// `alertban stats`: which rules cause the alerts and the bans, and how each is handled, as a
// table (or the daemon's JSON).
#include "cli.h"

#include <stdio.h>
#include <string.h>

#include "cli_ctl.h"

/* The handling in effect for one RULE object, in words: "swap: dst", "track=dst",
 * "threshold=3/60s", "ignored", ... (see ctl_proto.h for the fields). */
static char *
format_handling(const json_t *r)
{
    g_autoptr(GPtrArray) parts = g_ptr_array_new_with_free_func(g_free);
    if (json_get_bool(r, "ignore", FALSE))
        g_ptr_array_add(parts, g_strdup("ignored"));
    if (json_get_bool(r, "whitelisted", FALSE))
        g_ptr_array_add(parts, g_strdup("whitelisted"));
    const char *track = json_get_string(r, "track");
    if (json_get_bool(r, "ignore", FALSE))
        ; /* no offender is chosen */
    else if (json_get_bool(r, "swap", FALSE))
        g_ptr_array_add(parts, g_strdup("swap: dst"));
    else if (json_get_string(r, "track_set") != NULL)
        g_ptr_array_add(parts, g_strdup_printf("track=%s", json_get_string(r, "track_set")));
    else
        g_ptr_array_add(parts, g_strdup_printf("track=%s", track ? track : "src"));
    const char *threshold = json_get_string(r, "threshold");
    if (threshold != NULL)
        g_ptr_array_add(parts, g_strdup_printf("threshold=%s", threshold));
    gint64 ban_time = json_get_int(r, "ban_time_s", 0);
    if (ban_time > 0)
        g_ptr_array_add(parts, g_strdup_printf("ban_time=%" G_GINT64_FORMAT "s", ban_time));
    const char *section = json_get_string(r, "section");
    if (section != NULL)
        g_ptr_array_add(parts, g_strdup_printf("[rule %s]", section));
    g_ptr_array_add(parts, NULL);
    g_autofree char *joined = g_strjoinv(", ", (char **)parts->pdata);
    return cli_sanitize(joined, 80);
}

static void
add_sum_row(CliTable *t, const char *label, const json_t *sum)
{
    if (!json_is_object(sum))
        return;
    g_autofree char *alerts = g_strdup_printf("%" G_GINT64_FORMAT, json_get_int(sum, "alerts", 0));
    g_autofree char *bans = g_strdup_printf("%" G_GINT64_FORMAT, json_get_int(sum, "bans", 0));
    g_autofree char *now = g_strdup_printf("%" G_GINT64_FORMAT, json_get_int(sum, "banned_now", 0));
    const char *cells[] = {label, alerts, bans, now, "", ""};
    cli_table_add(t, cells);
}

static void
print_stats(const json_t *reply, gboolean long_format)
{
    if (json_get_bool(reply, "dry_run", FALSE))
        printf("not enforced (dry run): these bans are recorded; the firewall is not changed\n");
    const json_t *rules = json_get(reply, "rules");
    static const char *const headers[] = {"RULE",       "ALERTS",   "BANS",
                                          "BANNED NOW", "HANDLING", "MESSAGE"};
    g_autoptr(CliTable) t = cli_table_new(G_N_ELEMENTS(headers), headers);
    for (gsize i = 0; i < json_array_size(rules); i++) {
        const json_t *r = json_array_get(rules, i);
        if (!json_is_object(r))
            continue;
        g_autofree char *rule = cli_sanitize(json_get_string(r, "rule") ?: "-", 24);
        g_autofree char *alerts =
            g_strdup_printf("%" G_GINT64_FORMAT, json_get_int(r, "alerts", 0));
        g_autofree char *bans = g_strdup_printf("%" G_GINT64_FORMAT, json_get_int(r, "bans", 0));
        g_autofree char *now =
            g_strdup_printf("%" G_GINT64_FORMAT, json_get_int(r, "banned_now", 0));
        g_autofree char *handling = format_handling(r);
        const char *msg = json_get_string(r, "msg");
        g_autofree char *msg_cut = cli_sanitize(msg ? msg : "-", long_format ? 0 : 60);
        const char *cells[] = {rule, alerts, bans, now, handling, msg_cut};
        cli_table_add(t, cells);
    }
    add_sum_row(t, "other", json_get(reply, "other"));
    add_sum_row(t, "total", json_get(reply, "total"));
    cli_table_print(t, stdout);
    gint64 kept = json_get_int(reply, "rules_kept", 0), max = json_get_int(reply, "rules_max", 0);
    if (max > 0 && kept >= max)
        printf("(counting %" G_GINT64_FORMAT " rules at most: later rules count as other)\n", max);
}

int
cli_stats(int argc, char **argv)
{
    g_auto(CliCtlOptions) opts = {0};
    gint top = CTL_STATS_LIMIT_DEFAULT;
    g_autofree char *rule = NULL, *by = NULL;
    gboolean long_format = FALSE;
    const GOptionEntry entries[] = {
        {"top", 'n', 0, G_OPTION_ARG_INT, &top, "Show the N rules with the most alerts (20)", "N"},
        {"by", 0, 0, G_OPTION_ARG_STRING, &by, "Sort by alerts (default) or bans", "KEY"},
        {"rule", 'r', 0, G_OPTION_ARG_STRING, &rule, "Show one rule only", "GID:SID"},
        {"long", 'l', 0, G_OPTION_ARG_NONE, &long_format, "Show whole messages", NULL},
        G_OPTION_ENTRY_NULL,
    };
    int rc = cli_ctl_parse("stats", "",
                           "Shows per rule the alerts read, the bans made, the addresses banned "
                           "now and the handling in effect (swap, track, threshold, ignore).",
                           entries, &opts, &argc, &argv);
    if (rc >= 0)
        return rc;
    if (argc != 1)
        return cli_ctl_usage_error("stats", "takes no arguments");
    CtlRequest req = {.cmd = CTL_CMD_STATS};
    if (top < 1 || top > CTL_STATS_LIMIT_MAX)
        return cli_ctl_usage_error("stats", "--top must be 1..%d", CTL_STATS_LIMIT_MAX);
    req.limit = (guint32)top;
    if (by != NULL) {
        if (strcmp(by, "bans") != 0 && strcmp(by, "alerts") != 0)
            return cli_ctl_usage_error("stats", "--by must be alerts or bans, not '%s'", by);
        req.by_bans = strcmp(by, "bans") == 0;
    }
    if (rule != NULL) {
        g_autoptr(GError) error = NULL;
        if (!ctl_rule_parse(rule, &req.rule_gid, &req.rule_sid, &error))
            return cli_ctl_usage_error("stats", "%s", error->message);
        req.has_rule = TRUE;
        req.limit = 0; /* the daemon answers one rule */
    }
    g_autoptr(json_t) reply = NULL;
    rc = cli_ctl_call(&opts, &req, &reply);
    if (rc != CLI_EXIT_OK || opts.json)
        return rc;
    print_stats(reply, long_format);
    return CLI_EXIT_OK;
}
