// SPDX-License-Identifier: GPL-2.0-or-later
// Helpers the CLI's daemon commands share, so each command file holds only its own options
// and its own output.
#include "cli_ctl.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <gio/gio.h>

#include "cli.h"
#include "ctl_client.h"
#include "error.h"

/* Generous: a reload re-reads the configuration and may reconcile the firewall. */
#define CLI_CALL_TIMEOUT_MS 30000

void
cli_ctl_options_clear(CliCtlOptions *opts)
{
    g_clear_pointer(&opts->socket, g_free);
    g_clear_pointer(&opts->config, g_free);
    g_clear_pointer(&opts->cfg, config_free);
}

int
cli_ctl_usage_error(const char *name, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    g_autofree char *msg = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    fprintf(stderr, "alertban %s: %s\nTry 'alertban %s --help'.\n", name, msg, name);
    return CLI_EXIT_USAGE;
}

int
cli_ctl_parse(const char *name, const char *params, const char *summary,
              const GOptionEntry *entries, CliCtlOptions *opts, int *argc, char ***argv)
{
    const GOptionEntry common[] = {
        {"config", 'c', 0, G_OPTION_ARG_FILENAME, &opts->config,
         "The daemon's configuration, for its socket and state paths (default: "
         "$ALERTBAN_CONFIG or " CLI_CONFIG_DEFAULT ")",
         "FILE"},
        {"socket", 0, 0, G_OPTION_ARG_FILENAME, &opts->socket,
         "Control socket (default: $ALERTBAN_SOCKET, the configuration's, or " CTL_SOCKET_DEFAULT
         ")",
         "PATH"},
        {"json", 0, 0, G_OPTION_ARG_NONE, &opts->json, "Print the daemon's JSON reply", NULL},
        G_OPTION_ENTRY_NULL,
    };
    g_autoptr(GOptionContext) ctx = g_option_context_new(params);
    g_option_context_set_summary(ctx, summary);
    g_option_context_set_description(
        ctx, "Exit status: 0 success, 1 refused or failed, 2 usage error, 3 daemon not "
             "reachable, 4 stored but not yet in the firewall.");
    if (entries)
        g_option_context_add_main_entries(ctx, entries, NULL);
    g_option_context_add_main_entries(ctx, common, NULL);
    g_autoptr(GError) error = NULL;
    if (!g_option_context_parse(ctx, argc, argv, &error))
        return cli_ctl_usage_error(name, "%s", error->message);
    return -1;
}

const Config *
cli_ctl_config(CliCtlOptions *opts)
{
    if (opts->config_loaded)
        return opts->cfg;
    opts->config_loaded = TRUE;
    const char *path = opts->config;
    gboolean explicit = path && path[0];
    if (!explicit) {
        const char *env = g_getenv("ALERTBAN_CONFIG");
        explicit = env && env[0];
        path = explicit ? env : CLI_CONFIG_DEFAULT;
    }
    if (!explicit && !g_file_test(path, G_FILE_TEST_EXISTS))
        return NULL;
    g_autoptr(GError) error = NULL;
    opts->cfg = config_load_file(path, &error);
    if (!opts->cfg) {
        /* A typo in the configuration must not block an emergency unban: go on with the
         * built-in paths, and say so. */
        fprintf(stderr,
                "alertban: warning: %s\nalertban: warning: ignoring the configuration; using "
                "the default socket %s and state directory\n",
                error->message, CTL_SOCKET_DEFAULT);
        return NULL;
    }
    config_apply_env(opts->cfg);
    return opts->cfg;
}

const char *
cli_ctl_socket_path(CliCtlOptions *opts)
{
    if (opts->socket && opts->socket[0])
        return opts->socket;
    const char *env = g_getenv("ALERTBAN_SOCKET");
    if (env && env[0])
        return env;
    const Config *cfg = cli_ctl_config(opts);
    if (cfg && cfg->daemon.socket && cfg->daemon.socket[0])
        return cfg->daemon.socket;
    return CTL_SOCKET_DEFAULT;
}

Store *
cli_ctl_open_store(CliCtlOptions *opts)
{
    const Config *cfg = cli_ctl_config(opts);
    g_autoptr(Config) defaults = NULL;
    if (!cfg) {
        defaults = config_new_defaults();
        config_apply_env(defaults);
        cfg = defaults;
    }
    StoreOptions so;
    store_options_init(&so);
    so.read_only = TRUE;
    if (cfg->daemon.dry_run)
        so.db_name = STORE_DRY_RUN_DB_NAME;
    g_autoptr(GError) error = NULL;
    Store *store = store_open(cfg->daemon.state_dir, &so, &error);
    if (!store)
        fprintf(stderr, "alertban: cannot read the stored state either: %s\n", error->message);
    return store;
}

int
cli_ctl_call(CliCtlOptions *opts, const CtlRequest *req, json_t **reply)
{
    return cli_ctl_call_quiet(opts, req, reply, NULL);
}

int
cli_ctl_call_quiet(CliCtlOptions *opts, const CtlRequest *req, json_t **reply, char **why)
{
    const char *path = cli_ctl_socket_path(opts);
    g_autoptr(GError) error = NULL;
    g_autoptr(CtlClient) client = ctl_client_connect(path, &error);
    if (!client) {
        /* Permission denied means a daemon is there but this user may not talk to it: say
         * so rather than fall back to reading the store (which the user may read anyway). */
        gboolean denied = g_error_matches(error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED);
        if (why && !denied) {
            *why = g_strdup_printf("%s: %s", path, error->message);
            return CLI_EXIT_UNREACHABLE;
        }
        if (denied)
            fprintf(stderr, "alertban: %s (root, or a member of the socket group, may use it)\n",
                    error->message);
        else
            fprintf(stderr, "alertban: the daemon is not reachable: %s\n", error->message);
        return CLI_EXIT_UNREACHABLE;
    }
    g_autoptr(GString) line = g_string_new(NULL);
    ctl_proto_format_request(req, line);
    gsize len = 0;
    g_autofree char *raw = NULL;
    if (ctl_client_send(client, line->str, line->len, &error))
        raw = ctl_client_read_line(client, CLI_CALL_TIMEOUT_MS, &len, &error);
    if (!raw) {
        fprintf(stderr, "alertban: no answer from the daemon on %s: %s\n", path, error->message);
        return CLI_EXIT_UNREACHABLE;
    }
    gboolean ok = FALSE;
    g_autoptr(json_t) v = ctl_proto_parse_reply(raw, len, &ok, &error);
    if (!v) {
        g_autofree char *shown = cli_sanitize(raw, 200);
        fprintf(stderr, "alertban: bad reply from the daemon: %s: %s\n", error->message, shown);
        return CLI_EXIT_FAILED;
    }
    if (opts->json && !(ok && opts->json_self))
        printf("%s\n", raw);
    if (!ok) {
        const char *msg = json_get_string(v, "error");
        g_autofree char *shown = cli_sanitize(msg ? msg : "request failed", 0);
        fprintf(stderr, "alertban: %s\n", shown);
        /* Stored but not yet in the firewall is not a failure to retry by hand. */
        if (g_strcmp0(json_get_string(v, "code"), "pending") == 0)
            return CLI_EXIT_PENDING;
        return CLI_EXIT_FAILED;
    }
    *reply = g_steal_pointer(&v);
    return CLI_EXIT_OK;
}

int
cli_ctl_offline_reply(const CliCtlOptions *opts, const GString *line, json_t **reply)
{
    g_autoptr(GError) error = NULL;
    gboolean ok = FALSE;
    gsize len = line->len;
    if (len > 0 && line->str[len - 1] == '\n')
        len--;
    g_autoptr(json_t) v = ctl_proto_parse_reply(line->str, len, &ok, &error);
    if (!v || !ok) {
        fprintf(stderr, "alertban: bad stored state: %s\n", error ? error->message : "not ok");
        return CLI_EXIT_FAILED;
    }
    if (opts->json)
        fputs(line->str, stdout);
    *reply = g_steal_pointer(&v);
    return CLI_EXIT_OK;
}

char *
cli_sanitize(const char *text, guint max_chars)
{
    GString *out = g_string_new(NULL);
    const char *p = text;
    const char *end = text + strlen(text);
    guint chars = 0;
    while (p < end) {
        if (max_chars && chars == max_chars) {
            g_string_append(out, "...");
            break;
        }
        gunichar u = g_utf8_get_char_validated(p, end - p);
        if (u == (gunichar)-1 || u == (gunichar)-2) {
            g_string_append_c(out, '?');
            p++;
        } else {
            if (g_unichar_iscntrl(u))
                g_string_append_c(out, '?');
            else
                g_string_append_unichar(out, u);
            p = g_utf8_next_char(p);
        }
        chars++;
    }
    return g_string_free(out, FALSE);
}

gint64
cli_seconds_until(gint64 then, gint64 now)
{
    gint64 d;
    if (__builtin_sub_overflow(then, now, &d))
        return then > now ? G_MAXINT64 : G_MININT64;
    return d;
}

char *
cli_format_time(gint64 unix_s)
{
    if (unix_s <= 0)
        return g_strdup("-");
    g_autoptr(GDateTime) dt = g_date_time_new_from_unix_local(unix_s);
    if (!dt)
        return g_strdup("-");
    return g_date_time_format(dt, "%Y-%m-%d %H:%M:%S");
}

struct CliTable {
    guint n_columns;
    GPtrArray *rows; /* of char ** (g_strfreev) */
};

CliTable *
cli_table_new(guint n_columns, const char *const *headers)
{
    CliTable *t = g_new0(CliTable, 1);
    t->n_columns = n_columns;
    t->rows = g_ptr_array_new_with_free_func((GDestroyNotify)g_strfreev);
    cli_table_add(t, headers);
    return t;
}

void
cli_table_add(CliTable *t, const char *const *cells)
{
    char **row = g_new0(char *, t->n_columns + 1);
    for (guint i = 0; i < t->n_columns; i++)
        row[i] = cli_sanitize(cells[i] ? cells[i] : "-", 0);
    g_ptr_array_add(t->rows, row);
}

void
cli_table_print(const CliTable *t, FILE *out)
{
    g_autofree glong *width = g_new0(glong, t->n_columns);
    for (guint r = 0; r < t->rows->len; r++) {
        char **row = t->rows->pdata[r];
        for (guint i = 0; i < t->n_columns; i++)
            width[i] = MAX(width[i], g_utf8_strlen(row[i], -1));
    }
    for (guint r = 0; r < t->rows->len; r++) {
        char **row = t->rows->pdata[r];
        g_autoptr(GString) line = g_string_new(NULL);
        for (guint i = 0; i < t->n_columns; i++) {
            g_string_append(line, row[i]);
            if (i + 1 < t->n_columns) {
                for (glong pad = g_utf8_strlen(row[i], -1); pad < width[i] + 2; pad++)
                    g_string_append_c(line, ' ');
            }
        }
        while (line->len > 0 && line->str[line->len - 1] == ' ')
            g_string_truncate(line, line->len - 1);
        fprintf(out, "%s\n", line->str);
    }
}

void
cli_table_free(CliTable *t)
{
    if (!t)
        return;
    g_ptr_array_unref(t->rows);
    g_free(t);
}

int
cli_exit_worst(int a, int b)
{
    /* Rank by how much is left undone; usage errors stop a command before any request. */
    static const int order[] = {CLI_EXIT_OK, CLI_EXIT_PENDING, CLI_EXIT_FAILED,
                                CLI_EXIT_UNREACHABLE, CLI_EXIT_USAGE};
    guint ra = 0, rb = 0;
    for (guint i = 0; i < G_N_ELEMENTS(order); i++) {
        if (order[i] == a)
            ra = i;
        if (order[i] == b)
            rb = i;
    }
    return ra >= rb ? a : b;
}
