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
static void print_value(const json_t *v, int indent, gboolean bullet);

/* One member (name is NULL for an array item); clears *bullet once the "- " is printed. */
static void
print_member(const char *name, const json_t *m, int indent, gboolean *bullet)
{
    if (indent == 0 && name && (strcmp(name, "v") == 0 || strcmp(name, "ok") == 0))
        return;
    int ind = indent;
    const char *mark = "";
    if (*bullet) {
        ind = indent - 2;
        mark = "- ";
        *bullet = FALSE;
    }
    g_autofree char *key = name ? cli_sanitize(name, 64) : NULL;
    /* "key: " inside objects, "- " for a scalar or array inside an array. */
    g_autofree char *label = key ? g_strdup_printf("%s%s:", mark, key) : g_strdup("-");
    switch (json_typeof(m)) {
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
        g_autofree char *text = cli_sanitize(json_string_value(m), 0);
        printf("%*s%s %s\n", ind, "", label, text);
        break;
    }
    case JSON_INTEGER: {
        gint64 n = json_integer_value(m);
        if (is_time_key(name)) {
            g_autofree char *at = n > 0 ? cli_format_time(n) : g_strdup("never");
            printf("%*s%s %s\n", ind, "", label, at);
        } else {
            printf("%*s%s %" G_GINT64_FORMAT "\n", ind, "", label, n);
        }
        break;
    }
    case JSON_TRUE:
    case JSON_FALSE:
        printf("%*s%s %s\n", ind, "", label, json_is_true(m) ? "yes" : "no");
        break;
    case JSON_NULL:
    case JSON_REAL: /* the reader refuses reals */
        printf("%*s%s -\n", ind, "", label);
        break;
    }
}

static void
print_value(const json_t *v, int indent, gboolean bullet)
{
    json_t *obj = json_is_object(v) ? (json_t *)v : NULL;
    for (void *it = json_object_iter(obj); it; it = json_object_iter_next(obj, it))
        print_member(json_object_iter_key(it), json_object_iter_value(it), indent, &bullet);
    for (gsize i = 0; i < json_array_size(v); i++)
        print_member(NULL, json_array_get(v, i), indent, &bullet);
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
    g_autoptr(json_t) reply = NULL;
    rc = cli_ctl_call(&opts, &req, &reply);
    if (rc != CLI_EXIT_OK || opts.json)
        return rc;
    print_value(reply, 0, FALSE);
    return CLI_EXIT_OK;
}
