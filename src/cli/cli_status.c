// SPDX-License-Identifier: GPL-2.0-or-later
// `alertban status`: the daemon's state and counters, printed as indented key: value lines.
#include "cli.h"

#include <string.h>

#include "cli_ctl.h"

/* Members that hold a time as Unix seconds: "started" and "last_*" (but not the durations
 * "last_*_us" or "last_*_s"). They are printed as local times, 0 as "never". */
static gboolean
is_time_key(const char *key)
{
    if (!key)
        return FALSE;
    if (strcmp(key, "started") == 0)
        return TRUE;
    return g_str_has_prefix(key, "last_") && !g_str_has_suffix(key, "_us") &&
           !g_str_has_suffix(key, "_s") && !g_str_has_suffix(key, "_id");
}

/* The status object is whatever the daemon reports, so it is printed generically: nested
 * objects indent, array items start with "- " (an object item's first member on the same
 * line, YAML-like). bullet: the first line printed carries the item's "- ". */
static void
print_value(const JsonValue *v, int indent, gboolean bullet)
{
    for (guint i = 0; v->items && i < v->items->len; i++) {
        const JsonValue *m = v->items->pdata[i];
        if (indent == 0 && m->key && (strcmp(m->key, "v") == 0 || strcmp(m->key, "ok") == 0))
            continue;
        int ind = indent;
        const char *mark = "";
        if (bullet) {
            ind = indent - 2;
            mark = "- ";
            bullet = FALSE;
        }
        g_autofree char *key = m->key ? cli_sanitize(m->key, 64) : NULL;
        /* "key: " inside objects, "- " for a scalar or array inside an array. */
        g_autofree char *label = key ? g_strdup_printf("%s%s:", mark, key) : g_strdup("-");
        switch (m->type) {
        case JSON_OBJECT:
            if (key) {
                printf("%*s%s\n", ind, "", label);
                print_value(m, indent + 2, FALSE);
            } else {
                print_value(m, indent + 2, TRUE);
            }
            break;
        case JSON_ARRAY:
            printf("%*s%s\n", ind, "", label);
            print_value(m, indent + 2, FALSE);
            break;
        case JSON_STRING: {
            g_autofree char *text = cli_sanitize(m->s, 0);
            printf("%*s%s %s\n", ind, "", label, text);
            break;
        }
        case JSON_INT:
            if (is_time_key(m->key)) {
                g_autofree char *at = m->i > 0 ? cli_format_time(m->i) : g_strdup("never");
                printf("%*s%s %s\n", ind, "", label, at);
            } else {
                printf("%*s%s %" G_GINT64_FORMAT "\n", ind, "", label, m->i);
            }
            break;
        case JSON_BOOL:
            printf("%*s%s %s\n", ind, "", label, m->b ? "yes" : "no");
            break;
        case JSON_NULL:
            printf("%*s%s -\n", ind, "", label);
            break;
        }
    }
}

int
cli_status(int argc, char **argv)
{
    g_auto(CliCtlOptions) opts = {0};
    int rc = cli_ctl_parse("status", "",
                           "Shows the daemon's version, uptime, inputs, counters, bans and "
                           "firewall state.",
                           NULL, &opts, &argc, &argv);
    if (rc >= 0)
        return rc;
    if (argc != 1)
        return cli_ctl_usage_error("status", "takes no arguments");
    CtlRequest req = {.cmd = CTL_CMD_STATUS};
    g_autoptr(JsonValue) reply = NULL;
    rc = cli_ctl_call(&opts, &req, &reply);
    if (rc != CLI_EXIT_OK || opts.json)
        return rc;
    print_value(reply, 0, FALSE);
    return CLI_EXIT_OK;
}
