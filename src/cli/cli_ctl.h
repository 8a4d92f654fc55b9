// SPDX-License-Identifier: GPL-2.0-or-later
// What the CLI's daemon commands share: socket options, one request/reply exchange with exit
// codes, and terminal-safe table and time printing.
#pragma once

#include <glib.h>
#include <stdio.h>

#include "config.h"
#include "ctl_proto.h"
#include "store.h"

/* Where the CLI looks for the configuration when neither -c nor $ALERTBAN_CONFIG is given. */
#define CLI_CONFIG_DEFAULT ALERTBAN_SYSCONFDIR "/alertban/alertban.conf"

typedef struct {
    char *socket; /* --socket PATH */
    char *config; /* -c FILE */
    gboolean json;
    gboolean json_self;     /* with --json, ok:true replies are printed by the command itself */
    gboolean config_loaded; /* cfg below is what -c (or the default file) holds */
    Config *cfg;            /* NULL when the default file does not exist */
} CliCtlOptions;

void cli_ctl_options_clear(CliCtlOptions *opts);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(CliCtlOptions, cli_ctl_options_clear)

/* Parses argv with entries plus --socket and --json, for command name with summary text.
 * Returns -1 when the command should go on, else the exit code (0 after --help, 2 on a usage
 * error, already reported). */
int cli_ctl_parse(const char *name, const char *params, const char *summary,
                  const GOptionEntry *entries, CliCtlOptions *opts, int *argc, char ***argv);

/* Reports a usage error for command name and returns CLI_EXIT_USAGE. */
int cli_ctl_usage_error(const char *name, const char *fmt, ...) G_GNUC_PRINTF(2, 3);

/* The worse of two exit statuses of one command run over several addresses: unreachable,
 * then failed, then pending (stored, not in the firewall yet), then success. */
int cli_exit_worst(int a, int b);

/* The configuration the daemon reads: -c FILE, else $ALERTBAN_CONFIG, else CLI_CONFIG_DEFAULT
 * (whose absence is not an error), with the environment overrides applied. NULL when there
 * is none, or when the file does not load: that is reported as a warning and the built-in
 * paths are used, so a broken configuration never blocks list, ban or unban. */
const Config *cli_ctl_config(CliCtlOptions *opts);

/* The socket path: --socket, else $ALERTBAN_SOCKET, else the configuration's socket, else
 * CTL_SOCKET_DEFAULT. */
const char *cli_ctl_socket_path(CliCtlOptions *opts);

/* For list and show when the daemon is not reachable: the store in the configuration's
 * state_dir (or the installed default), opened read-only. NULL with the reason printed. */
Store *cli_ctl_open_store(CliCtlOptions *opts);

/* Sends req to the daemon. On ok:true returns CLI_EXIT_OK and stores the reply (owned) in
 * *reply; with --json the reply line has then already been printed. Otherwise prints why on
 * stderr (the JSON error reply on stdout with --json) and returns CLI_EXIT_FAILED or
 * CLI_EXIT_UNREACHABLE. */
int cli_ctl_call(CliCtlOptions *opts, const CtlRequest *req, json_t **reply);

/* The same, but a daemon that is not running is not reported: CLI_EXIT_UNREACHABLE is
 * returned silently and *why (owned) says why, for commands that fall back to the store. A
 * socket this user may not connect to is reported, and *why stays NULL. */
int cli_ctl_call_quiet(CliCtlOptions *opts, const CtlRequest *req, json_t **reply, char **why);

/* Takes a reply line built from the store (with its newline) as if the daemon had sent it:
 * prints it with --json, parses it into *reply. Returns CLI_EXIT_OK or CLI_EXIT_FAILED. */
int cli_ctl_offline_reply(const CliCtlOptions *opts, const GString *line, json_t **reply);

/* Copies text for a terminal: control characters become '?', invalid UTF-8 too, and the
 * result is cut to max_chars characters (0: no cut) with "..." at the end. */
char *cli_sanitize(const char *text, guint max_chars);

/* Seconds from now until then, both read from a reply: saturates instead of overflowing, as
 * the daemon's numbers are only checked to be integers. */
gint64 cli_seconds_until(gint64 then, gint64 now);

/* "2026-11-22 18:43:00" in local time, or "-" for a time <= 0. */
char *cli_format_time(gint64 unix_s);

/* A table printed with aligned columns (the last column is not padded). */
typedef struct CliTable CliTable;
CliTable *cli_table_new(guint n_columns, const char *const *headers);
/* Adds a row of n_columns cells; the table takes copies. */
void cli_table_add(CliTable *t, const char *const *cells);
void cli_table_print(const CliTable *t, FILE *out);
void cli_table_free(CliTable *t);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(CliTable, cli_table_free)
