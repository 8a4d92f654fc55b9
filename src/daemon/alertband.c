// SPDX-License-Identifier: GPL-2.0-or-later
// alertband, the daemon: options, configuration, then the daemon module builds everything
// around the GLib main loop and runs it.
#include <glib.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "config.h"
#include "daemon.h"
#include "log.h"
#include "notify.h"
#include "priv.h"

#define DEFAULT_CONFIG ALERTBAN_SYSCONFDIR "/alertban/alertban.conf"

typedef struct {
    char *config_path;
    gboolean check_config;
    gboolean foreground;
    gboolean flush;
    gboolean version;
    int verbosity;
} Options;

static gboolean
on_verbose(const char *name, const char *value, gpointer data, GError **error)
{
    (void)name;
    (void)value;
    (void)error;
    Options *o = data;
    o->verbosity++;
    return TRUE;
}

static gboolean
parse_options(int *argc, char ***argv, Options *o, GError **error)
{
    const GOptionEntry entries[] = {
        {"config", 'c', 0, G_OPTION_ARG_FILENAME, &o->config_path,
         "Configuration file (default " DEFAULT_CONFIG ", or $ALERTBAN_CONFIG)", "FILE"},
        {"check-config", 0, 0, G_OPTION_ARG_NONE, &o->check_config,
         "Validate the configuration, print the effective one, and exit 0 (valid) or 1", NULL},
        {"foreground", 0, 0, G_OPTION_ARG_NONE, &o->foreground,
         "Run in the foreground, logging to stderr", NULL},
        {"flush", 0, 0, G_OPTION_ARG_NONE, &o->flush, "Remove every ban from the firewall and exit",
         NULL},
        {"verbose", 'v', G_OPTION_FLAG_NO_ARG, G_OPTION_ARG_CALLBACK, (gpointer)on_verbose,
         "Log more (-v: info, -vv: debug)", NULL},
        {"version", 0, 0, G_OPTION_ARG_NONE, &o->version, "Print the version and exit", NULL},
        {NULL, 0, 0, 0, NULL, NULL, NULL},
    };
    g_autoptr(GOptionContext) ctx =
        g_option_context_new("- ban the offenders of Snort and Suricata alerts");
    GOptionGroup *group =
        g_option_group_new("alertband", "alertband options", "alertband options", o, NULL);
    g_option_group_add_entries(group, entries);
    g_option_context_set_main_group(ctx, group);
    if (!g_option_context_parse(ctx, argc, argv, error))
        return FALSE;
    if (*argc > 1) {
        g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE, "unexpected argument '%s'",
                    (*argv)[1]);
        return FALSE;
    }
    if (o->check_config + o->flush > 1) {
        g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                    "--check-config and --flush exclude each other");
        return FALSE;
    }
    if (!o->config_path) {
        const char *env = g_getenv("ALERTBAN_CONFIG");
        o->config_path = g_strdup(env && *env ? env : DEFAULT_CONFIG);
    }
    return TRUE;
}

/* --check-config: the configuration is loaded exactly as the daemon would load it (environment
 * overrides included) and printed; an invalid one prints its FILE:LINE error. */
static int
run_check_config(const Config *cfg)
{
    g_autofree char *text = config_format(cfg);
    fputs(text, stdout);
    if (fflush(stdout) != 0)
        return EXIT_FAILURE;
    fprintf(stderr, "alertband: configuration %s is valid\n", cfg->file);
    return EXIT_SUCCESS;
}

static guint
count_bans(gpointer user_data)
{
    return daemon_count_bans(user_data);
}

/* The daemon proper: src/daemon.c wires tail -> alert -> policy -> bans -> store/firewall, the
 * control socket, ownaddr, signals and the config watch, and runs the loop. Around it: the
 * switch to the configured user before anything is opened, the drop of every capability the
 * running daemon does not need once everything is, and then, only then, READY=1. */
static int
run_daemon(const Options *o, Config *cfg)
{
    g_autoptr(GError) error = NULL;
    DaemonOptions opts;
    daemon_options_init(&opts);
    /* A client that goes away mid-reply must not kill the daemon. */
    signal(SIGPIPE, SIG_IGN);
    if (!priv_become_user(cfg, &error) || !priv_check_socket_group(cfg, &error)) {
        g_printerr("alertband: cannot start: %s\n", error->message);
        config_free(cfg);
        return EXIT_FAILURE;
    }
    g_autoptr(Daemon) d = daemon_new(cfg, o->config_path, &opts, &error);
    if (!d) {
        g_printerr("alertband: cannot start: %s\n", error->message);
        return EXIT_FAILURE;
    }
    if (!priv_restrict(&error)) {
        g_printerr("alertband: cannot start: dropping privileges: %s\n", error->message);
        return EXIT_FAILURE;
    }
    g_autofree char *caps = priv_describe();
    g_message("daemon: privileges: uid=%u capabilities=%s", (unsigned)geteuid(), caps);
    /* daemon_new() returned: the socket listens and the stored bans are in the kernel. */
    g_autoptr(Notify) notify = notify_new(count_bans, d);
    notify_ready(notify);
    int rc = daemon_run(d);
    notify_stopping(notify);
    return rc;
}

/* --flush: removes the chain, its rules and its jumps through the firewall backend. */
static int
run_flush(const Config *cfg)
{
    g_autoptr(GError) error = NULL;
    if (!daemon_flush_firewall(cfg, &error)) {
        g_printerr("alertband: --flush: %s\n", error->message);
        return EXIT_FAILURE;
    }
    return EXIT_SUCCESS;
}

int
main(int argc, char **argv)
{
    Options o = {0};
    g_autoptr(GError) error = NULL;
    if (!parse_options(&argc, &argv, &o, &error)) {
        fprintf(stderr, "alertband: %s\n", error->message);
        g_free(o.config_path);
        return EXIT_FAILURE;
    }
    if (o.version) {
        printf("alertband %s\n", ALERTBAN_VERSION);
        g_free(o.config_path);
        return EXIT_SUCCESS;
    }
    log_setup(o.foreground || o.check_config ? LOG_TARGET_STDERR : LOG_TARGET_AUTO, o.verbosity);

    Config *cfg = config_load_file(o.config_path, &error);
    if (!cfg) {
        fprintf(stderr, "alertband: %s\n", error->message);
        g_free(o.config_path);
        return EXIT_FAILURE;
    }
    config_apply_env(cfg);

    int rc;
    if (o.check_config)
        rc = run_check_config(cfg);
    else if (o.flush)
        rc = run_flush(cfg);
    else
        rc = run_daemon(&o, g_steal_pointer(&cfg)); /* takes cfg */
    if (cfg)
        config_free(cfg);
    g_free(o.config_path);
    return rc;
}
